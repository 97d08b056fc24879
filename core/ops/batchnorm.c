/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * batchnorm.c — BatchNormalization in inference mode, for the cases the
 * fuse pass could not fold into a preceding Conv: per channel of an
 * N×C×… tensor, y = scale·(x − mean)/√(var + ε) + B, computed as one
 * fused multiply-add per element with the activation the fuse pass gave
 * it (DenseNet's ReLU) in the same pass where the kernel has it, else
 * after it, plane by plane while each is in cache.
 */
#include "op-common.h"

#include <math.h>

typedef struct
{
  const float        *x, *scale, *bias, *mean, *var;
  float              *y;
  const CsActivation *act;      /* applied after the kernel, or NULL */
  CsEpilogue          ep;       /* the kernel's, but for its alpha */
  CsScaleAdd          scale_add;
  float        epsilon;
  int64_t      channels;
  int64_t      plane_size;
} BatchNormTask;

static gboolean
batch_norm_infer (CsGraph *graph, CsNode *node, GError **error)
{
  static const char *const names[] = { "X", "scale", "B", "mean", "var" };
  const CsValue *x;

  if (node->params == NULL)
    {
      CsBatchNormParams *defaults = g_new0 (CsBatchNormParams, 1);

      defaults->epsilon = 1e-5f;
      node->params = defaults;
    }
  if (!cs_op_check_arity (graph, node, 5, 5, 1, error)
      || !cs_op_check_float (graph, node, 0, 2, CS_MAX_RANK, error))
    return FALSE;

  x = cs_node_input (graph, node, 0);
  for (int i = 1; i < 5; i++)
    {
      const CsValue *v = cs_node_input (graph, node, i);

      if (!cs_op_check_float (graph, node, i, 1, 1, error))
        return FALSE;
      if (v->shape.dims[0] != x->shape.dims[1])
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "%s has %" G_GINT64_FORMAT " values for %"
                              G_GINT64_FORMAT " channels", names[i],
                              v->shape.dims[0], x->shape.dims[1]);
    }
  return cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32, &x->shape, error);
}

static void
batch_norm_range (void *user, int64_t begin, int64_t end, int thread)
{
  const BatchNormTask *task = user;

  for (int64_t plane = begin; plane < end; plane++)
    {
      const int64_t c = plane % task->channels;
      const float a = task->scale[c] / sqrtf (task->var[c] + task->epsilon);
      const float b = task->bias[c] - task->mean[c] * a;
      const float *x = task->x + plane * task->plane_size;
      float *y = task->y + plane * task->plane_size;
      CsEpilogue ep = task->ep;

      ep.alpha = a;
      task->scale_add (x, &b, FALSE, y, task->plane_size, &ep);
      if (task->act != NULL)
        cs_activation_apply (task->act, y, task->plane_size);
    }
}

static void
batch_norm_run (const CsNode *node, CsExec *exec)
{
  const CsShape *in = &cs_node_input (exec->graph, node, 0)->shape;
  const CsBatchNormParams *params = node->params;
  BatchNormTask task = {
    .x = cs_exec_in (exec, node, 0),
    .scale = cs_exec_in (exec, node, 1),
    .bias = cs_exec_in (exec, node, 2),
    .mean = cs_exec_in (exec, node, 3),
    .var = cs_exec_in (exec, node, 4),
    .y = cs_exec_out (exec, node, 0),
    .scale_add = cs_kernels_get ()->scale_add,
    .epsilon = params->epsilon,
    .channels = in->dims[1],
    .plane_size = 1,
  };

  /* The activation in the kernel's pass where it can take it. */
  if (!cs_epilogue_init (&task.ep, &node->act, 1.0f, FALSE))
    {
      cs_epilogue_init (&task.ep, NULL, 1.0f, FALSE);
      task.act = &node->act;
    }
  for (int d = 2; d < in->rank; d++)
    task.plane_size *= in->dims[d];
  cs_parallel_for (exec->pool, in->dims[0] * in->dims[1],
                   MAX (1, 16384 / MAX (task.plane_size, 1)),
                   batch_norm_range, &task);
}

/* Inference-mode normalization is affine per channel: dx = a·dy. */
static gboolean
batch_norm_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsShape *in = &cs_node_input (exec->exec.graph, node, 0)->shape;
  const CsBatchNormParams *params = node->params;
  const float *scale = cs_exec_in (&exec->exec, node, 1);
  const float *var = cs_exec_in (&exec->exec, node, 4);
  const float *dy = cs_grad_out (exec, node, 0);
  float *dx = cs_grad_in (exec, node, 0);
  int64_t plane_size = 1;

  if (dx == NULL)
    return TRUE;
  for (int d = 2; d < in->rank; d++)
    plane_size *= in->dims[d];
  for (int64_t plane = 0; plane < in->dims[0] * in->dims[1]; plane++)
    {
      const int64_t c = plane % in->dims[1];
      const float a = scale[c] / sqrtf (var[c] + params->epsilon);

      for (int64_t i = plane * plane_size; i < (plane + 1) * plane_size; i++)
        dx[i] += a * dy[i];
    }
  return TRUE;
}

/* The learned scale and shift; mean and variance are running statistics. */
static void
batch_norm_describe (const CsGraph *graph, const CsNode *node,
                     CsLayerInfo *info)
{
  const CsShape *in = &cs_node_input (graph, node, 0)->shape;

  info->params = 2 * in->dims[1];
  info->macs = cs_shape_numel (in);
}

const CsOpClass cs_op_batch_norm = {
  .name = "BatchNormalization",
  .kind = CS_LAYER_NORMALIZATION,
  .infer = batch_norm_infer,
  .run = batch_norm_run,
  .fuses_activation = TRUE,
  .writes_over_inputs = TRUE,
  .backward = batch_norm_backward,
  .describe = batch_norm_describe,
  .footprint = cs_op_footprint_same,
};
