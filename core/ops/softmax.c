/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * softmax.c — Softmax along one axis (opset 13 on) or, for older models,
 * over the 2-D view that puts the axis and everything after it in one
 * row.  Both are outer × n × inner layouts; the maximum is subtracted
 * before exponentiating so that large logits do not overflow.
 */
#include "op-common.h"

#include <math.h>

static gboolean
softmax_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsSoftmaxParams *params = node->params;
  const CsValue *x;
  int axis;

  if (params == NULL)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "the axis is not set");
  if (!cs_op_check_arity (graph, node, 1, 1, 1, error)
      || !cs_op_check_float (graph, node, 0, 1, CS_MAX_RANK, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  if (!cs_op_axis (graph, node, params->axis, x->shape.rank, "axis", &axis,
                   error))
    return FALSE;
  return cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32, &x->shape, error);
}

/* Softmax of the @n values x[0], x[stride], … into y likewise. */
static void
softmax_line (const float *x, float *y, int64_t n, int64_t stride)
{
  float max = -INFINITY, sum = 0.0f;

  for (int64_t i = 0; i < n; i++)
    max = fmaxf (max, x[i * stride]);
  for (int64_t i = 0; i < n; i++)
    {
      y[i * stride] = expf (x[i * stride] - max);
      sum += y[i * stride];
    }
  for (int64_t i = 0; i < n; i++)
    y[i * stride] /= sum;
}

static void
softmax_run (const CsNode *node, CsExec *exec)
{
  const CsSoftmaxParams *params = node->params;
  const CsShape *in = &cs_node_input (exec->graph, node, 0)->shape;
  const float *x = cs_exec_in (exec, node, 0);
  float *y = cs_exec_out (exec, node, 0);
  const int axis = params->axis < 0 ? params->axis + in->rank : params->axis;
  int64_t outer = 1, n = 1, inner = 1;

  for (int d = 0; d < in->rank; d++)
    if (d < axis)
      outer *= in->dims[d];
    else if (d == axis || params->legacy_2d)
      n *= in->dims[d];
    else
      inner *= in->dims[d];

  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++)
      softmax_line (x + o * n * inner + i, y + o * n * inner + i, n, inner);
}

/* dx = y·(dy − Σ y·dy) along each line. */
static gboolean
softmax_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsSoftmaxParams *params = node->params;
  const CsShape *in = &cs_node_input (exec->exec.graph, node, 0)->shape;
  const float *y = cs_exec_out (&exec->exec, node, 0);
  const float *dy = cs_grad_out (exec, node, 0);
  float *dx = cs_grad_in (exec, node, 0);
  const int axis = params->axis < 0 ? params->axis + in->rank : params->axis;
  int64_t outer = 1, n = 1, inner = 1;

  if (dx == NULL)
    return TRUE;
  for (int d = 0; d < in->rank; d++)
    if (d < axis)
      outer *= in->dims[d];
    else if (d == axis || params->legacy_2d)
      n *= in->dims[d];
    else
      inner *= in->dims[d];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++)
      {
        const int64_t base = o * n * inner + i;
        double dot = 0.0;

        for (int64_t k = 0; k < n; k++)
          dot += (double) y[base + k * inner] * dy[base + k * inner];
        for (int64_t k = 0; k < n; k++)
          dx[base + k * inner] += y[base + k * inner] * (dy[base + k * inner] - (float) dot);
      }
  return TRUE;
}

const CsOpClass cs_op_softmax = {
  .name = "Softmax",
  .kind = CS_LAYER_NORMALIZATION,
  .infer = softmax_infer,
  .run = softmax_run,
  .backward = softmax_backward,
  .backward_reads = CS_GRAD_READS_OUTPUTS,
};
