/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lrn.c — LRN (local response normalization across channels, as in
 * AlexNet and GoogLeNet) exactly as ONNX defines it: for channel c the
 * squares of channels c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉ are summed and
 * y = x / (bias + alpha/size · sum)^beta.  Each output plane is built from
 * whole input planes, so planes go to the thread pool independently.
 */
#include "op-common.h"

#include <math.h>

typedef struct
{
  const CsLrnParams *params;
  const float       *x;
  float             *y;
  int64_t            channels;
  int64_t            plane_size;
} LrnTask;

static gboolean
lrn_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsLrnParams *params = node->params;
  const CsValue *x;

  if (params == NULL || params->size < 1)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "size must be a positive number of channels");
  if (!cs_op_check_arity (graph, node, 1, 1, 1, error)
      || !cs_op_check_float (graph, node, 0, 2, CS_MAX_RANK, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  return cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32, &x->shape, error);
}

static void
lrn_range (void *user, int64_t begin, int64_t end, int thread)
{
  const LrnTask *task = user;
  const CsLrnParams *params = task->params;
  const int64_t before = (params->size - 1) / 2;
  const int64_t after = params->size / 2;   /* ⌈(size − 1)/2⌉ */
  const float alpha_over_size = params->alpha / (float) params->size;

  for (int64_t plane = begin; plane < end; plane++)
    {
      const int64_t c = plane % task->channels;
      const int64_t first = plane - MIN (before, c);
      const int64_t last = plane + MIN (after, task->channels - 1 - c);
      const float *x = task->x + plane * task->plane_size;
      float *y = task->y + plane * task->plane_size;

      /* The output plane accumulates the sum of squares first. */
      for (int64_t i = 0; i < task->plane_size; i++)
        y[i] = 0.0f;
      for (int64_t k = first; k <= last; k++)
        {
          const float *xk = task->x + k * task->plane_size;

          for (int64_t i = 0; i < task->plane_size; i++)
            y[i] += xk[i] * xk[i];
        }
      for (int64_t i = 0; i < task->plane_size; i++)
        y[i] = x[i] / powf (params->bias + alpha_over_size * y[i], params->beta);
    }
}

static void
lrn_run (const CsNode *node, CsExec *exec)
{
  const CsShape *in = &cs_node_input (exec->graph, node, 0)->shape;
  LrnTask task = {
    .params = node->params,
    .x = cs_exec_in (exec, node, 0),
    .y = cs_exec_out (exec, node, 0),
    .channels = in->dims[1],
    .plane_size = 1,
  };

  for (int d = 2; d < in->rank; d++)
    task.plane_size *= in->dims[d];
  cs_parallel_for (exec->pool, in->dims[0] * in->dims[1],
                   MAX (1, 4096 / MAX (task.plane_size, 1)), lrn_range, &task);
}

/* With s_c = bias + α/size·Σ_{k∈W(c)} x_k² and y_c = x_c·s_c^−β:
 * dx_k = dy_k·s_k^−β − 2αβ/size·x_k·Σ_{c: k∈W(c)} dy_c·x_c·s_c^(−β−1). */
static gboolean
lrn_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsLrnParams *params = node->params;
  const CsShape *in = &cs_node_input (exec->exec.graph, node, 0)->shape;
  const float *x = cs_exec_in (&exec->exec, node, 0);
  const float *dy = cs_grad_out (exec, node, 0);
  float *dx = cs_grad_in (exec, node, 0);
  const int64_t channels = in->dims[1];
  const int64_t before = (params->size - 1) / 2, after = params->size / 2;
  const float alpha_over_size = params->alpha / (float) params->size;
  int64_t plane_size = 1;
  float *s, *t;

  if (dx == NULL)
    return TRUE;
  for (int d = 2; d < in->rank; d++)
    plane_size *= in->dims[d];
  s = g_new (float, channels);
  t = g_new (float, channels);
  for (int64_t img = 0; img < in->dims[0]; img++)
    for (int64_t i = 0; i < plane_size; i++)
      {
        const int64_t base = img * channels * plane_size + i;

        for (int64_t c = 0; c < channels; c++)
          {
            float sum = 0.0f;

            for (int64_t k = MAX (0, c - before); k <= MIN (channels - 1, c + after); k++)
              sum += x[base + k * plane_size] * x[base + k * plane_size];
            s[c] = params->bias + alpha_over_size * sum;
            t[c] = dy[base + c * plane_size] * x[base + c * plane_size]
                   * powf (s[c], -params->beta - 1.0f);
          }
        for (int64_t k = 0; k < channels; k++)
          {
            float sum = 0.0f;

            for (int64_t c = MAX (0, k - after); c <= MIN (channels - 1, k + before); c++)
              sum += t[c];
            dx[base + k * plane_size] += dy[base + k * plane_size] * powf (s[k], -params->beta)
                                         - 2.0f * alpha_over_size * params->beta
                                           * x[base + k * plane_size] * sum;
          }
      }
  g_free (s);
  g_free (t);
  return TRUE;
}

static void
lrn_describe (const CsGraph *graph, const CsNode *node, CsLayerInfo *info)
{
  const CsLrnParams *params = node->params;

  info->macs = cs_shape_numel (&cs_node_input (graph, node, 0)->shape)
               * params->size;
}

/* A channel is divided by the squares of its ⌊(size − 1) / 2⌋ neighbours
 * before it and ⌈(size − 1) / 2⌉ after it. */
static gboolean
lrn_footprint (const CsGraph *graph, const CsNode *node, int j, const CsRegion *out,
               int i, CsRegion *in)
{
  const CsLrnParams *params = node->params;

  *in = *out;
  in->lo[0] -= (params->size - 1) / 2;
  in->hi[0] += params->size / 2;
  return i == 0;
}

const CsOpClass cs_op_lrn = {
  .name = "LRN",
  .kind = CS_LAYER_NORMALIZATION,
  .infer = lrn_infer,
  .run = lrn_run,
  .backward = lrn_backward,
  .backward_reads = CS_GRAD_READS_INPUTS,
  .describe = lrn_describe,
  .footprint = lrn_footprint,
};
