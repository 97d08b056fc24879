/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * conv.c — the Conv op: 2-D convolution with groups (depthwise included),
 * dilation, asymmetric or automatic padding, an optional bias and the
 * activation the fuse pass attached, on the kernels of
 * kernels/convolution.h.  Weights must be constant: prepare packs them
 * once into a plan kept in CsConvParams.packed.  A convolution an
 * importer read quantized, whose activation ends on its output's grid,
 * runs in 8-bit integers instead (kernels/qconvolution.h), holding its
 * weights as bytes; the float plan is then made from them only for what
 * needs one (a gradient's pass without the activation).  The fuse pass
 * may give a Conv a fourth input: factors per image and input channel
 * (N×C×1×1) that a squeeze-excitation's Mul applied to its input, which
 * the run folds into the weights instead.
 */
#include "op-common.h"
#include "../kernels/convolution.h"

gboolean
cs_conv_has_channel_scale (const CsNode *node)
{
  return node->n_inputs > 3 && node->inputs[3] >= 0;
}

/* The convolution @node computes, from its (inferred) value shapes. */
static void
conv_shape (const CsGraph *graph, const CsNode *node, CsConvShape *shape)
{
  const CsConvParams *params = node->params;
  const CsShape *x = &cs_node_input (graph, node, 0)->shape;
  const CsShape *y = &cs_node_output (graph, node, 0)->shape;

  *shape = (CsConvShape) {
    x->dims[0], x->dims[1], x->dims[2], x->dims[3],
    y->dims[1], y->dims[2], y->dims[3],
    { params->window.kernel[0], params->window.kernel[1] },
    { params->window.stride[0], params->window.stride[1] },
    { params->window.dilation[0], params->window.dilation[1] },
    { params->window.pads[0], params->window.pads[1],
      params->window.pads[2], params->window.pads[3] },
    params->groups
  };
}

static gboolean
conv_infer (CsGraph *graph, CsNode *node, GError **error)
{
  CsConvParams *params = node->params;
  const CsValue *x, *w;
  CsShape out = { 4, { 0 } };
  CsConvShape shape;
  GError *shape_error = NULL;
  int64_t out_h, out_w;

  if (params == NULL)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node, "has no parameters");
  if (!cs_op_check_arity (graph, node, 2, 3, 1, error)
      || !cs_op_check_float (graph, node, 0, 4, 4, error)
      || !cs_op_check_float (graph, node, 1, 4, 4, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  w = cs_node_input (graph, node, 1);
  if (!cs_op_check_filter (graph, node, &params->window, w->shape.dims[0], error))
    return FALSE;
  if (params->groups == 0)
    params->groups = 1;
  if (params->groups < 0 || x->shape.dims[1] != w->shape.dims[1] * params->groups)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "the input has %" G_GINT64_FORMAT " channels; weights of shape"
                          " %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT "×… in %d groups"
                          " expect %" G_GINT64_FORMAT, x->shape.dims[1],
                          w->shape.dims[0], w->shape.dims[1], params->groups,
                          w->shape.dims[1] * params->groups);
  if (!cs_window_resolve (&params->window, x->shape.dims[2], x->shape.dims[3],
                          &out_h, &out_w, graph, node, error))
    return FALSE;
  out.dims[0] = x->shape.dims[0];
  out.dims[1] = w->shape.dims[0];
  out.dims[2] = out_h;
  out.dims[3] = out_w;
  if (!cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32, &out, error))
    return FALSE;
  conv_shape (graph, node, &shape);
  if (!cs_conv_shape_check (&shape, &shape_error))
    {
      cs_node_error (error,
                     shape_error->code == CS_CONV_ERROR_INVALID ? CS_ERROR_INVALID
                                                                : CS_ERROR_UNSUPPORTED,
                     graph, node, "%s", shape_error->message);
      g_error_free (shape_error);
      return FALSE;
    }
  return TRUE;
}

/* A float plan that copies the weights: @taken NULL.  Otherwise the plan
 * takes over @taken, the weights' own memory.  An 8-bit convolution's
 * are made from its bytes. */
static CsConvPlan *
new_plan (const CsGraph *graph, const CsNode *node, float *taken)
{
  const CsConvParams *params = node->params;
  const CsValue *b = cs_node_input (graph, node, 2);
  const float *bias = b != NULL ? b->constant : NULL;
  CsConvShape shape;

  conv_shape (graph, node, &shape);
  if (params->is_8_bit)
    {
      const int64_t depth = shape.in_channels * shape.kernel[0] * shape.kernel[1];
      float *weights = g_new (float, shape.out_channels * depth);
      g_autofree float *channel_bias = g_new (float, shape.out_channels);

      for (int64_t m = 0; m < shape.out_channels; m++)
        channel_bias[m] = cs_qconv_plan_channel (params->packed, m, weights + m * depth);
      return cs_conv_plan_new_taking (cs_kernels_get (), &shape, weights, channel_bias);
    }
  if (taken != NULL)
    return cs_conv_plan_new_taking (cs_kernels_get (), &shape, taken, bias);
  return cs_conv_plan_new (cs_kernels_get (), &shape, cs_node_input (graph, node, 1)->constant,
                           bias);
}

/* The 8-bit plan for @node, when it has the grids and its activation
 * ends on a grid (with at most a ReLU or Clip before it), and TFLite's
 * arithmetic can express it; else NULL. */
static CsQConvPlan *
new_8_bit_plan (const CsGraph *graph, const CsNode *node)
{
  const CsConvParams *params = node->params;
  const char *reason;
  CsConvShape shape;
  CsGrid out;

  if (params->quant == NULL || !cs_activation_folded_grid (&node->act, &out))
    return NULL;
  conv_shape (graph, node, &shape);
  return cs_qconv_plan_new (cs_kernels_get (), &shape, params->quant, &out, &reason);
}

static void
free_plan (CsConvParams *params)
{
  if (params->is_8_bit)
    cs_qconv_plan_free (params->packed);
  else
    cs_conv_plan_free (params->packed);
  params->packed = NULL;
  params->is_8_bit = FALSE;
}

static gboolean
conv_prepare (CsGraph *graph, CsNode *node, GError **error)
{
  CsConvParams *params = node->params;
  CsQConvPlan *plan_8_bit;

  free_plan (params);
  if ((plan_8_bit = new_8_bit_plan (graph, node)) != NULL)
    {
      params->packed = plan_8_bit;
      params->is_8_bit = TRUE;
    }
  else
    params->packed = new_plan (graph, node, cs_graph_take_constant (graph, node, 1));
  /* Either plan holds the weights now, as bytes or floats. */
  g_clear_pointer (&params->quant, cs_conv_quant_free);
  /* The plan holds the weights and its own copy of the bias. */
  node->packed_inputs = (1u << 1) | (1u << 2);
  return TRUE;
}

static void
conv_run (const CsNode *node, CsExec *exec)
{
  const CsConvParams *params = node->params;
  const CsGrid *x_bytes = cs_exec_bytes (exec, node->inputs[0]);
  const gboolean y_bytes = cs_exec_bytes (exec, node->outputs[0]) != NULL;
  CsConvPlan *plan;

  /* The 8-bit plan rounds to the grid it was made for: a node without
   * it is a gradient's pass for the output before the activation. */
  if (params->is_8_bit && node->act.grid.scale > 0.0f)
    {
      cs_qconv_plan_run (params->packed, exec->data[node->inputs[0]], x_bytes,
                         exec->data[node->outputs[0]], y_bytes, exec->pool, exec->scratch);
      return;
    }
  if (y_bytes)
    {
      cs_conv_plan_run_to_bytes (params->packed, cs_exec_in (exec, node, 0),
                                 exec->data[node->outputs[0]], &node->act, exec->pool,
                                 exec->scratch);
      return;
    }
  /* Folding at load runs nodes that were never prepared. */
  plan = params->packed != NULL && !params->is_8_bit ? params->packed
                                                     : new_plan (exec->graph, node, NULL);
  if (cs_conv_has_channel_scale (node))
    cs_conv_plan_run_scaled (plan, cs_exec_in (exec, node, 0), cs_exec_in (exec, node, 3),
                             cs_exec_out (exec, node, 0), &node->act, exec->pool, exec->scratch);
  else
    cs_conv_plan_run (plan, cs_exec_in (exec, node, 0), cs_exec_out (exec, node, 0),
                      &node->act, exec->pool, exec->scratch);
  if (plan != params->packed)
    cs_conv_plan_free (plan);
}

/* A depthwise float plan (one the 8-bit plan refused, such as the
 * first of the bird model of ../shared, whose requantization multiplier
 * is above 1) whose activation ends on a grid of bytes: one that can
 * write its output as them, and @grid that grid. */
static gboolean
depthwise_to_bytes (const CsNode *node, CsGrid *grid)
{
  const CsConvParams *params = node->params;

  return params->packed != NULL && !params->is_8_bit && !cs_conv_has_channel_scale (node)
         && cs_conv_plan_writes_bytes (params->packed)
         && cs_activation_folded_grid (&node->act, grid) && cs_grid_fits_bytes (grid);
}

static gboolean
conv_writes_bytes (const CsGraph *graph, const CsNode *node, CsGrid *grid)
{
  const CsConvParams *params = node->params;

  (void) graph;
  if (params->is_8_bit && node->act.grid.scale > 0.0f)
    {
      *grid = *cs_qconv_plan_grid (params->packed);
      return cs_grid_fits_bytes (grid);
    }
  return depthwise_to_bytes (node, grid);
}

static gboolean
conv_reads_bytes (const CsGraph *graph, const CsNode *node, int i, const CsGrid *grid)
{
  const CsConvParams *params = node->params;

  (void) graph;
  return i == 0 && params->is_8_bit && node->act.grid.scale > 0.0f
         && cs_qconv_plan_reads_bytes (params->packed, grid);
}

float
cs_conv_channel_weights (const CsNode *node, int64_t m, float *weights)
{
  const CsConvParams *params = node->params;

  if (params->is_8_bit)
    return cs_qconv_plan_channel (params->packed, m, weights);
  return cs_conv_plan_channel (params->packed, m, weights);
}

gboolean
cs_conv_scale_pays (const CsGraph *graph, const CsNode *node)
{
  const CsConvParams *params = node->params;
  const CsShape      *x = &cs_node_input (graph, node, 0)->shape;
  CsConvShape         shape;

  conv_shape (graph, node, &shape);
  return params->quant == NULL && node->n_inputs <= 3 && cs_conv_scales_input (&shape)
         && cs_shape_numel (&cs_node_input (graph, node, 1)->shape)
                <= cs_shape_numel (x) / MAX (x->dims[0], 1);
}

/* With a channel scale s, the convolution reads x·s: its gradient
 * g = Wᵀ·dy goes to x as s·g and to s as Σ g·x over each plane. */
static void
scaled_input_backward (const CsNode *node, CsGradExec *exec, const CsConvPlan *plan,
                       float *dx, float *dscale)
{
  const CsShape *x_shape = &cs_node_input (exec->exec.graph, node, 0)->shape;
  const int64_t  planes = x_shape->dims[0] * x_shape->dims[1];
  const int64_t  plane = x_shape->dims[2] * x_shape->dims[3];
  const float   *x = cs_exec_in (&exec->exec, node, 0);
  const float   *scale = cs_exec_in (&exec->exec, node, 3);
  g_autofree float *gradient = g_new0 (float, planes * plane);

  cs_conv_plan_backward (plan, cs_grad_out (exec, node, 0), gradient, exec->exec.pool);
  for (int64_t i = 0; i < planes; i++)
    {
      const float *g = gradient + i * plane;
      double       sum = 0.0;

      for (int64_t k = 0; k < plane; k++)
        {
          if (dx != NULL)
            dx[i * plane + k] += scale[i] * g[k];
          sum += (double) g[k] * x[i * plane + k];
        }
      if (dscale != NULL)
        dscale[i] += (float) sum;
    }
}

/* The bias drops out and the weights are constant: only the input's
 * gradient (and a channel scale's), on the plan's own weights (an 8-bit
 * plan's, made float). */
static gboolean
conv_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsConvParams *params = node->params;
  float *dx = cs_grad_in (exec, node, 0);
  float *dscale = cs_conv_has_channel_scale (node) ? cs_grad_in (exec, node, 3) : NULL;
  CsConvPlan *plan;

  if (dx == NULL && dscale == NULL)
    return TRUE;
  plan = params->is_8_bit ? new_plan (exec->exec.graph, node, NULL) : params->packed;
  if (cs_conv_has_channel_scale (node))
    scaled_input_backward (node, exec, plan, dx, dscale);
  else
    cs_conv_plan_backward (plan, cs_grad_out (exec, node, 0), dx, exec->exec.pool);
  if (plan != params->packed)
    cs_conv_plan_free (plan);
  return TRUE;
}

/* Only the channel scale needs what the forward run read. */
static CsGradReads
conv_backward_reads (const CsNode *node)
{
  return cs_conv_has_channel_scale (node) ? CS_GRAD_READS_INPUTS : CS_GRAD_READS_NOTHING;
}

static size_t
conv_scratch_bytes (const CsGraph *graph, const CsNode *node)
{
  const CsConvParams *params = node->params;
  CsConvShape shape;

  conv_shape (graph, node, &shape);
  if (cs_conv_has_channel_scale (node))
    return cs_conv_scaled_scratch_bytes (cs_kernels_get (), &shape);
  if (params->quant == NULL && !params->is_8_bit)
    {
      CsGrid grid;

      /* A quantized model's depthwise layers may write bytes. */
      if (depthwise_to_bytes (node, &grid))
        return MAX (cs_conv_scratch_bytes (cs_kernels_get (), &shape),
                    cs_conv_bytes_scratch_bytes (cs_kernels_get (), &shape));
      return cs_conv_scratch_bytes (cs_kernels_get (), &shape);
    }
  return MAX (cs_conv_scratch_bytes (cs_kernels_get (), &shape),
              cs_qconv_scratch_bytes (cs_kernels_get (), &shape));
}

static void
conv_describe (const CsGraph *graph, const CsNode *node, CsLayerInfo *info)
{
  const CsConvParams *params = node->params;
  const CsValue *w = cs_node_input (graph, node, 1);
  const CsValue *b = cs_node_input (graph, node, 2);
  const CsShape *y = &cs_node_output (graph, node, 0)->shape;

  cs_window_describe (&params->window, &cs_node_input (graph, node, 0)->shape, y, info);
  info->groups = params->groups;
  info->params = cs_shape_numel (&w->shape) + (b != NULL ? cs_shape_numel (&b->shape) : 0);
  /* Each output sees C/groups · kH · kW inputs: the weights' row length. */
  info->macs = cs_shape_numel (y) * (cs_shape_numel (&w->shape) / MAX (w->shape.dims[0], 1));
}

/* An output channel reads the input channels of its group only: one for
 * a depthwise convolution, all of them for an ordinary one; and their
 * factors in a channel scale. */
static gboolean
conv_footprint (const CsGraph *graph, const CsNode *node, int j, const CsRegion *out,
                int i, CsRegion *in)
{
  const CsConvParams *params = node->params;
  const int64_t out_per_group = cs_node_output (graph, node, 0)->shape.dims[1] / params->groups;
  const int64_t in_per_group = cs_node_input (graph, node, 0)->shape.dims[1] / params->groups;

  if (i == 3)
    *in = (CsRegion) { { 0, 0, 0 }, { 0, 0, 0 } };
  else if (i == 0)
    cs_window_footprint (&params->window, out, in);
  else
    return FALSE;
  in->lo[0] = out->lo[0] / out_per_group * in_per_group;
  in->hi[0] = (out->hi[0] / out_per_group + 1) * in_per_group - 1;
  return TRUE;
}

static void
conv_free_params (void *data)
{
  CsConvParams *params = data;

  if (params != NULL)
    {
      free_plan (params);
      cs_conv_quant_free (params->quant);
    }
  g_free (params);
}

const CsOpClass cs_op_conv = {
  .name = "Conv",
  .kind = CS_LAYER_CONV,
  .fuses_activation = TRUE,
  .infer = conv_infer,
  .prepare = conv_prepare,
  .run = conv_run,
  .backward = conv_backward,
  .node_backward_reads = conv_backward_reads,
  .scratch_bytes = conv_scratch_bytes,
  .writes_bytes = conv_writes_bytes,
  .reads_bytes = conv_reads_bytes,
  .describe = conv_describe,
  .free_params = conv_free_params,
  .footprint = conv_footprint,
};
