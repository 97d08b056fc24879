/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * normalize.c — the normalizations that compute their statistics from the
 * input itself: LayerNormalization (over the axes from `axis` on, with a
 * scale and bias of that shape, as ConvNeXt and transformers use it) and
 * InstanceNormalization (over each channel's plane, with a scale and bias
 * per channel).  Both subtract each group's mean and divide by √(var + ε),
 * the statistics accumulated in double.
 */
#include "op-common.h"

#include <math.h>

typedef struct
{
  const float *x;
  float       *y;
  const float *scale; /* per element of a group, or per channel */
  const float *bias;  /* likewise; NULL: none */
  int64_t      group_size;
  int64_t      channels; /* > 0: scale and bias go by group % channels */
  float        epsilon;
  float       *means;    /* per group, or NULL: LayerNormalization's */
  float       *inv_stds; /* optional outputs 1 and 2 */
} NormTask;

static void
norm_range (void *user, int64_t begin, int64_t end, int thread)
{
  const NormTask *task = user;
  const int64_t   n = task->group_size;

  for (int64_t g = begin; g < end; g++)
    {
      const float *x = task->x + g * n;
      float       *y = task->y + g * n;
      const float  mean = (float) (cs_sum_double (x, n, 0.0, FALSE) / (double) n);
      const double squares = cs_sum_double (x, n, mean, TRUE);
      const float  inv_std = (float) (1.0 / sqrt (squares / (double) n + task->epsilon));

      if (task->means != NULL)
        task->means[g] = mean;
      if (task->inv_stds != NULL)
        task->inv_stds[g] = inv_std;
      if (task->channels > 0)
        {
          const int64_t c = g % task->channels;
          const float   factor = inv_std * task->scale[c];
          const float   shift = task->bias != NULL ? task->bias[c] : 0.0f;

          for (int64_t i = 0; i < n; i++)
            y[i] = (x[i] - mean) * factor + shift;
        }
      else
        for (int64_t i = 0; i < n; i++)
          y[i] = (x[i] - mean) * inv_std * task->scale[i]
                 + (task->bias != NULL ? task->bias[i] : 0.0f);
    }
}

/* The backward of one group, from the forward's definition: with
 * x̂ = (x − mean)·s, s = 1/√(var + ε), and g = dy·scale,
 * dx = s·(g − mean(g) − x̂·mean(g·x̂)); dscale += dy·x̂, dbias += dy, for
 * the scale and bias that have a gradient (NULL otherwise), which go by
 * channel or by element as in norm_range. */
static void
norm_backward_group (const NormTask *task,
                     int64_t         g,
                     const float    *dy,
                     float          *dx,
                     float          *dscale,
                     float          *dbias)
{
  const int64_t n = task->group_size;
  const float  *x = task->x + g * n;
  double        sum = 0.0, squares = 0.0, g_sum = 0.0, gx_sum = 0.0;
  double        mean, inv_std;

  dy += g * n;
  for (int64_t i = 0; i < n; i++)
    sum += x[i];
  mean = sum / (double) n;
  for (int64_t i = 0; i < n; i++)
    squares += (x[i] - mean) * (x[i] - mean);
  inv_std = 1.0 / sqrt (squares / (double) n + task->epsilon);
  for (int64_t i = 0; i < n; i++)
    {
      const int64_t p = task->channels > 0 ? g % task->channels : i;
      const double  xhat = (x[i] - mean) * inv_std, gi = (double) dy[i] * task->scale[p];

      g_sum += gi;
      gx_sum += gi * xhat;
      if (dscale != NULL)
        dscale[p] += (float) (dy[i] * xhat);
      if (dbias != NULL)
        dbias[p] += dy[i];
    }
  if (dx == NULL)
    return;
  dx += g * n;
  for (int64_t i = 0; i < n; i++)
    {
      const int64_t p = task->channels > 0 ? g % task->channels : i;
      const double  xhat = (x[i] - mean) * inv_std;

      dx[i] += (float) (inv_std
                        * ((double) dy[i] * task->scale[p] - g_sum / (double) n
                           - xhat * gx_sum / (double) n));
    }
}

/* Outputs 1 and 2 of LayerNormalization (the statistics) pass no
 * gradient on: a model reading them on the way to the output is
 * refused rather than differentiated wrongly. */
static gboolean
norm_backward (const CsNode   *node,
               CsGradExec     *exec,
               const NormTask *task,
               int64_t         n_groups,
               float          *dscale,
               float          *dbias,
               GError        **error)
{
  for (int j = 1; j < node->n_outputs; j++)
    {
      const float  *grad = cs_grad_out (exec, node, j);
      const int64_t n = cs_shape_numel (&cs_node_output (exec->exec.graph, node, j)->shape);

      for (int64_t i = 0; grad != NULL && i < n; i++)
        if (grad[i] != 0.0f)
          return cs_node_error (error, CS_ERROR_UNSUPPORTED, exec->exec.graph, node,
                                "has no gradient through its output %d", j + 1);
    }
  for (int64_t g = 0; g < n_groups; g++)
    norm_backward_group (task, g, cs_grad_out (exec, node, 0), cs_grad_in (exec, node, 0), dscale,
                         dbias);
  return TRUE;
}

static gboolean
check_epsilon (const CsGraph *graph, const CsNode *node, GError **error)
{
  const CsNormParams *params = node->params;

  if (params == NULL)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node, "epsilon is not set");
  if (!(params->epsilon >= 0.0f) || !isfinite (params->epsilon))
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "epsilon %g is not a finite non-negative number",
                          (double) params->epsilon);
  return TRUE;
}

/* ---- LayerNormalization ---- */

/* The shape the statistics are taken over: X's dimensions from axis on. */
static CsShape
normalized_shape (const CsShape *x, int axis)
{
  CsShape shape = { .rank = x->rank - axis };

  for (int d = axis; d < x->rank; d++)
    shape.dims[d - axis] = x->dims[d];
  return shape;
}

/* Y, and optionally the mean and 1/√(var + ε) of each group, shaped as
 * X with the normalized dimensions 1. */
static gboolean
layer_norm_infer (CsGraph *graph, CsNode *node, GError **error)
{
  CsNormParams            *params = node->params;
  static const char *const roles[] = { NULL, "the scale", "the bias" };
  const CsValue           *x;
  CsShape                  groups, statistics;
  int                      axis;

  if (!check_epsilon (graph, node, error)
      || !cs_op_check_arity (graph, node, 2, 3, CLAMP (node->n_outputs, 1, 3), error)
      || !cs_op_check_float (graph, node, 0, 1, CS_MAX_RANK, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  if (!cs_op_axis (graph, node, params->axis, x->shape.rank, "axis", &axis, error))
    return FALSE;
  params->axis = axis;
  groups = normalized_shape (&x->shape, axis);
  for (int i = 1; i < node->n_inputs; i++)
    {
      const CsValue *operand = cs_node_input (graph, node, i);
      CsShape        broadcast;

      if (operand == NULL)
        continue;
      if (!cs_op_check_float (graph, node, i, 0, CS_MAX_RANK, error)
          || !cs_op_broadcast_shapes (graph, node, &groups, &operand->shape, &broadcast, error))
        return FALSE;
      /* Leading 1s beyond the normalized shape's rank change nothing. */
      if (cs_shape_numel (&broadcast) != cs_shape_numel (&groups))
        {
          g_autofree char *have = cs_shape_to_string (&operand->shape);
          g_autofree char *want = cs_shape_to_string (&groups);

          return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                                "%s has shape %s, which does not broadcast to the "
                                "normalized shape %s",
                                roles[i], have, want);
        }
    }
  statistics = x->shape;
  for (int d = axis; d < statistics.rank; d++)
    statistics.dims[d] = 1;
  for (int i = 1; i < node->n_outputs; i++)
    if (!cs_op_set_output (graph, node, i, CS_DTYPE_FLOAT32, &statistics, error))
      return FALSE;
  return cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32, &x->shape, error);
}

/* Input @i as one value per element of the normalized shape: the input
 * itself when it has that many, else a broadcast copy in *@copy, which
 * the caller frees. */
static const float *
per_element (const CsNode *node, CsExec *exec, int i, const CsShape *groups, float **copy)
{
  const CsValue *operand = cs_node_input (exec->graph, node, i);
  int64_t        src_strides[CS_MAX_RANK], dst_strides[CS_MAX_RANK];

  if (operand == NULL)
    return NULL;
  if (cs_shape_numel (&operand->shape) == cs_shape_numel (groups))
    return cs_exec_in (exec, node, i);
  *copy = g_new (float, MAX (cs_shape_numel (groups), 1));
  cs_op_broadcast_strides (&operand->shape, groups, src_strides);
  cs_op_strides (groups, dst_strides);
  cs_op_strided_copy (*copy, dst_strides, cs_exec_in (exec, node, i), src_strides, groups->dims,
                      groups->rank, sizeof (float));
  return *copy;
}

static void
layer_norm_run (const CsNode *node, CsExec *exec)
{
  const CsNormParams *params = node->params;
  const CsShape      *in = &cs_node_input (exec->graph, node, 0)->shape;
  const CsShape       groups = normalized_shape (in, params->axis);
  g_autofree float   *scale = NULL, *bias = NULL;
  const int64_t       group_size = cs_shape_numel (&groups);
  NormTask            task = {
               .x = cs_exec_in (exec, node, 0),
               .y = cs_exec_out (exec, node, 0),
               .group_size = group_size,
               .epsilon = params->epsilon,
  };

  if (cs_shape_numel (in) == 0)
    return;
  task.means = node->n_outputs > 1 ? cs_exec_out (exec, node, 1) : NULL;
  task.inv_stds = node->n_outputs > 2 ? cs_exec_out (exec, node, 2) : NULL;
  task.scale = per_element (node, exec, 1, &groups, &scale);
  task.bias = per_element (node, exec, 2, &groups, &bias);
  cs_parallel_for (exec->pool, cs_shape_numel (in) / group_size, 1, norm_range, &task);
}

/* A scale or bias with a gradient is one per element of the normalized
 * shape here (a broadcast one is refused). */
static gboolean
layer_norm_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsNormParams *params = node->params;
  const CsShape      *in = &cs_node_input (exec->exec.graph, node, 0)->shape;
  const CsShape       groups = normalized_shape (in, params->axis);
  const int64_t       group_size = cs_shape_numel (&groups);
  g_autofree float   *scale = NULL;
  NormTask            task = {
               .x = cs_exec_in (&exec->exec, node, 0),
               .group_size = group_size,
               .epsilon = params->epsilon,
  };

  if (cs_shape_numel (in) == 0)
    return TRUE;
  for (int i = 1; i < 3; i++)
    if (cs_grad_in (exec, node, i) != NULL
        && cs_shape_numel (&cs_node_input (exec->exec.graph, node, i)->shape) != group_size)
      return cs_node_error (error, CS_ERROR_UNSUPPORTED, exec->exec.graph, node,
                            "has no gradient for a broadcast %s", i == 1 ? "scale" : "bias");
  task.scale = per_element (node, &exec->exec, 1, &groups, &scale);
  return norm_backward (node, exec, &task, cs_shape_numel (in) / group_size,
                        cs_grad_in (exec, node, 1), cs_grad_in (exec, node, 2), error);
}

static void
layer_norm_describe (const CsGraph *graph, const CsNode *node, CsLayerInfo *info)
{
  for (int i = 1; i < node->n_inputs; i++)
    {
      const CsValue *operand = cs_node_input (graph, node, i);

      if (operand != NULL && operand->constant != NULL)
        info->params += cs_shape_numel (&operand->shape);
    }
  info->macs = 2 * cs_shape_numel (&cs_node_input (graph, node, 0)->shape);
}

const CsOpClass cs_op_layer_norm = {
  .name = "LayerNormalization",
  .kind = CS_LAYER_NORMALIZATION,
  .infer = layer_norm_infer,
  .run = layer_norm_run,
  .describe = layer_norm_describe,
  .backward = layer_norm_backward,
  .backward_reads = CS_GRAD_READS_INPUTS,
};

/* ---- InstanceNormalization ---- */

static gboolean
instance_norm_infer (CsGraph *graph, CsNode *node, GError **error)
{
  static const char *const roles[] = { NULL, "the scale", "the bias" };
  const CsValue           *x;

  if (!check_epsilon (graph, node, error) || !cs_op_check_arity (graph, node, 3, 3, 1, error)
      || !cs_op_check_float (graph, node, 0, 3, CS_MAX_RANK, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  for (int i = 1; i < 3; i++)
    {
      const CsValue *operand = cs_node_input (graph, node, i);

      if (!cs_op_check_float (graph, node, i, 1, 1, error))
        return FALSE;
      if (operand->shape.dims[0] != x->shape.dims[1])
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "%s has %" G_GINT64_FORMAT " values for %" G_GINT64_FORMAT
                              " channels",
                              roles[i], operand->shape.dims[0], x->shape.dims[1]);
    }
  return cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32, &x->shape, error);
}

static void
instance_norm_run (const CsNode *node, CsExec *exec)
{
  const CsShape *in = &cs_node_input (exec->graph, node, 0)->shape;
  const int64_t  groups = in->dims[0] * in->dims[1];
  NormTask       task;

  if (cs_shape_numel (in) == 0)
    return;
  task = (NormTask){
    .x = cs_exec_in (exec, node, 0),
    .y = cs_exec_out (exec, node, 0),
    .scale = cs_exec_in (exec, node, 1),
    .bias = cs_exec_in (exec, node, 2),
    .group_size = cs_shape_numel (in) / groups,
    .channels = in->dims[1],
    .epsilon = ((const CsNormParams *) node->params)->epsilon,
  };

  cs_parallel_for (exec->pool, groups, 1, norm_range, &task);
}

static gboolean
instance_norm_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsShape *in = &cs_node_input (exec->exec.graph, node, 0)->shape;
  const int64_t  groups = in->dims[0] * in->dims[1];
  NormTask       task;

  if (cs_shape_numel (in) == 0)
    return TRUE;
  task = (NormTask){
    .x = cs_exec_in (&exec->exec, node, 0),
    .scale = cs_exec_in (&exec->exec, node, 1),
    .group_size = cs_shape_numel (in) / groups,
    .channels = in->dims[1],
    .epsilon = ((const CsNormParams *) node->params)->epsilon,
  };
  return norm_backward (node, exec, &task, groups, cs_grad_in (exec, node, 1),
                        cs_grad_in (exec, node, 2), error);
}

const CsOpClass cs_op_instance_norm = {
  .name = "InstanceNormalization",
  .kind = CS_LAYER_NORMALIZATION,
  .infer = instance_norm_infer,
  .run = instance_norm_run,
  .describe = layer_norm_describe,
  .backward = instance_norm_backward,
  .backward_reads = CS_GRAD_READS_INPUTS,
};
