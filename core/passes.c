/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * passes.c — the graph passes every loaded model goes through, whatever
 * its format: shape inference with constant folding (torchvision exports
 * compute Reshape targets with Shape→Gather→Unsqueeze→Concat chains that
 * must become constants), BatchNormalization folded into the Conv before
 * it, Sigmoid → Mul made one SiLU, HardSigmoid → Mul one HardSwish and
 * Div → Erf → Add → Mul → Mul one GELU, activations fused into the op
 * that produces their input, removal of what no output needs, and weight
 * packing.
 */
#include "ops/ops.h"

#include <math.h>
#include <string.h>

static gboolean
check_outputs (CsGraph *graph, CsNode *node, GError **error)
{
  for (int i = 0; i < node->n_outputs; i++)
    {
      CsValue *value = cs_node_output (graph, node, i);

      if (value->shape.rank < 0 || value->shape.rank > CS_MAX_RANK)
        return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                              "output '%s' has rank %d; at most %d is supported",
                              value->name, value->shape.rank, CS_MAX_RANK);
      if (!cs_shape_fits (&value->shape, value->dtype, NULL))
        {
          g_autofree char *shape = cs_shape_to_string (&value->shape);

          return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                                "output '%s' would have shape %s: a negative "
                                "dimension or too large", value->name, shape);
        }
    }
  return TRUE;
}

/* Ops that only move elements take empty tensors as ONNX defines them
 * (its conformance tests slice and split into nothing).  The others
 * divide their work by their operands' sizes, and no network needs an
 * empty feature map, so they refuse one at load rather than run on it.
 * An empty int64 constant is a parameter, not data (a reduction's axes:
 * none). */
static gboolean
check_empty_operands (CsGraph *graph, CsNode *node, GError **error)
{
  if (node->klass->kind == CS_LAYER_RESHAPE || node->klass == &cs_op_identity)
    return TRUE;
  for (int i = 0; i < node->n_inputs + node->n_outputs; i++)
    {
      gboolean is_input = i < node->n_inputs;
      const CsValue *value = is_input ? cs_node_input (graph, node, i)
                                      : cs_node_output (graph, node, i - node->n_inputs);

      if (value != NULL && cs_shape_numel (&value->shape) == 0
          && !(value->constant != NULL && value->dtype == CS_DTYPE_INT64))
        {
          g_autofree char *shape = cs_shape_to_string (&value->shape);

          return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                                "%s '%s' is empty (%s); only ops that move data "
                                "take empty tensors", is_input ? "input" : "output",
                                value->name, shape);
        }
    }
  return TRUE;
}

/* Folding at load may create this much beyond twice the model's own
 * constants: real models fold shape arithmetic and transforms of their
 * weights, while a hostile file of a hundred bytes could otherwise make
 * the loader allocate gigabytes (a constant padded by 2^29, say). */
#define FOLD_ALLOWANCE_BYTES (G_GUINT64_CONSTANT (64) << 20)
/* The most multiply-accumulates one node may cost to be folded at load. */
#define FOLD_MAX_MACS (G_GINT64_CONSTANT (1) << 24)

/* What the importer declared: every graph input and constant must be a
 * tensor that can exist.  Sets *@constant_bytes to the constants' size. */
static gboolean
check_declared_values (CsGraph *graph, guint64 *constant_bytes, GError **error)
{
  *constant_bytes = 0;
  for (guint v = 0; v < graph->values->len; v++)
    {
      CsValue *value = cs_graph_value (graph, v);
      const char *what = value->is_input ? "graph input" : "constant";
      guint64 bytes;

      if (!value->is_input && value->constant == NULL)
        continue;
      if (value->shape.rank < 0 || value->shape.rank > CS_MAX_RANK)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                       "%s: %s '%s' has rank %d; at most %d is supported",
                       graph->source, what, value->name, value->shape.rank, CS_MAX_RANK);
          return FALSE;
        }
      if (!cs_shape_fits (&value->shape, value->dtype, &bytes))
        {
          g_autofree char *shape = cs_shape_to_string (&value->shape);

          g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                       "%s: %s '%s' has shape %s: a negative dimension or too large",
                       graph->source, what, value->name, shape);
          return FALSE;
        }
      if (value->constant != NULL)
        *constant_bytes += bytes;
    }
  return TRUE;
}

/* Takes @node's outputs from what folding may still allocate. */
static gboolean
take_fold_budget (CsGraph *graph, CsNode *node, guint64 *budget, GError **error)
{
  guint64 total = 0;

  for (int i = 0; i < node->n_outputs; i++)
    {
      const CsValue *value = cs_node_output (graph, node, i);
      guint64 bytes;

      cs_shape_fits (&value->shape, value->dtype, &bytes);
      total += bytes;
    }
  if (total > *budget)
    return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                          "folding it at load would take %.1f MiB, more than the "
                          "%.1f MiB this model may still fold",
                          total / 1048576.0, *budget / 1048576.0);
  *budget -= total;
  return TRUE;
}

/* Every input must be a constant, a graph input or computed earlier:
 * this also rejects cycles and dangling references in hostile files. */
static gboolean
check_inputs (CsGraph *graph, CsNode *node, int index, gboolean *all_constant,
              GError **error)
{
  gboolean any = FALSE;

  *all_constant = TRUE;
  for (int i = 0; i < node->n_inputs; i++)
    {
      CsValue *value;

      if (node->inputs[i] < 0)
        continue;
      if (node->inputs[i] >= (int) graph->values->len)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "input %d refers to a missing value", i);
      value = cs_node_input (graph, node, i);
      if (value->constant == NULL && !value->is_input
          && (value->producer < 0 || value->producer >= index))
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "input '%s' is not computed before this node",
                              value->name);
      if (value->constant == NULL)
        *all_constant = FALSE;
      any = TRUE;
    }
  if (!any)
    *all_constant = FALSE;
  return TRUE;
}

/* Whether computing @node at load stays cheap.  Real models fold shape
 * arithmetic and weight reshuffles; a hostile one can ask for a huge
 * convolution of constants, which must not make loading take minutes.
 * Costlier nodes stay in the graph and run with the rest, when the
 * model is run. */
static gboolean
cheap_to_fold (const CsGraph *graph, const CsNode *node)
{
  CsLayerInfo info = { 0 };
  CsValue *in = cs_node_input (graph, node, 0);

  if (node->klass->describe == NULL)
    return TRUE;
  info.groups = 1;
  if (in != NULL)
    info.in_shape = in->shape;
  info.out_shape = cs_node_output (graph, node, 0)->shape;
  node->klass->describe (graph, node, &info);
  g_free ((char *) info.arithmetic[0]);
  g_free ((char *) info.arithmetic[1]);
  return info.macs <= FOLD_MAX_MACS;
}

/* Computes @node at load; its outputs become constants. */
static void
fold_node (CsGraph *graph, CsNode *node)
{
  void **data = g_new0 (void *, graph->values->len);
  void *scratch = NULL;
  CsExec exec = { graph, data, NULL, &scratch };

  for (int i = 0; i < node->n_inputs; i++)
    if (node->inputs[i] >= 0)
      data[node->inputs[i]] = cs_graph_value (graph, node->inputs[i])->constant;
  for (int i = 0; i < node->n_outputs; i++)
    {
      CsValue *value = cs_node_output (graph, node, i);

      data[node->outputs[i]] = g_malloc0 (MAX (1, cs_shape_numel (&value->shape))
                                          * cs_dtype_size (value->dtype));
    }
  if (node->klass->scratch_bytes != NULL)
    scratch = g_malloc0 (MAX (1, node->klass->scratch_bytes (graph, node)));
  node->klass->run (node, &exec);
  for (int i = 0; i < node->n_outputs; i++)
    {
      CsValue *value = cs_node_output (graph, node, i);

      value->constant = data[node->outputs[i]];
      value->producer = -1;
    }
  node->dead = TRUE;
  g_free (scratch);
  g_free (data);
}

gboolean
cs_graph_infer_and_fold (CsGraph *graph, GError **error)
{
  guint64 fold_budget;

  if (!check_declared_values (graph, &fold_budget, error))
    return FALSE;
  fold_budget = 2 * fold_budget + FOLD_ALLOWANCE_BYTES;
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (graph, i);
      gboolean all_constant;

      if (node->dead)
        continue;
      if (!check_inputs (graph, node, (int) i, &all_constant, error)
          || !node->klass->infer (graph, node, error)
          || !check_outputs (graph, node, error))
        return FALSE;
      /* Shape and Size need only their input's shape, never its data. */
      if ((all_constant && cheap_to_fold (graph, node)) || node->klass == &cs_op_shape
          || node->klass == &cs_op_size)
        {
          if (!take_fold_budget (graph, node, &fold_budget, error))
            return FALSE;
          fold_node (graph, node);
        }
      else if (!check_empty_operands (graph, node, error))
        return FALSE;
    }
  return TRUE;
}

/* A Pad of zeros around H and W before an AveragePool that counts its
 * padding, or has none, becomes the pool's own padding, so the padded
 * copy is never made: PyTorch exports avg_pool2d with padding so, and
 * Inception v3 spent 2 % of a run copying.  The pool keeps its name;
 * its window shows the padding. */
static void
fold_zero_pad (CsGraph *graph, CsNode *pad, CsNode *pool)
{
  CsPoolParams *params = pool->params;
  CsWindow     *window = &params->window;
  int           pads[4];
  gboolean      padded = FALSE;

  for (int i = 0; i < 4; i++)
    padded |= window->pads[i] != 0;
  if (window->auto_pad != CS_AUTO_PAD_NOTSET || window->ceil_mode
      || (padded && !params->count_include_pad) || !cs_pad_is_spatial_zeros (graph, pad, pads))
    return;
  for (int i = 0; i < 4; i++)
    if (window->pads[i] > G_MAXINT / 4)
      return;
  for (int i = 0; i < 4; i++)
    window->pads[i] += pads[i];
  params->count_include_pad = TRUE;
  pool->inputs[0] = pad->inputs[0];
  pad->dead = TRUE;
}

/* Whether @node is live, of class @klass with @n_inputs inputs (any
 * number when negative), and has no activation or epilogue fused in. */
static gboolean
is_plain (const CsNode *node, const CsOpClass *klass, int n_inputs)
{
  return !node->dead && node->klass == klass && (n_inputs < 0 || node->n_inputs == n_inputs)
         && !cs_activation_is_set (&node->act) && node->epilogue == NULL;
}

/* How many live nodes read each value; graph outputs count as a reader. */
static int *
count_readers (const CsGraph *graph)
{
  int *readers = g_new0 (int, graph->values->len);

  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (graph, i);

      if (node->dead)
        continue;
      for (int j = 0; j < node->n_inputs; j++)
        if (node->inputs[j] >= 0)
          readers[node->inputs[j]]++;
    }
  for (guint i = 0; i < graph->outputs->len; i++)
    readers[g_array_index (graph->outputs, int, i)]++;
  return readers;
}

/* The live node that alone produces and alone reads @node's input 0. */
static CsNode *
sole_producer (CsGraph *graph, CsNode *node, const int *readers)
{
  CsValue *value = cs_node_input (graph, node, 0);
  CsNode *producer;

  if (value == NULL || value->producer < 0 || readers[node->inputs[0]] != 1
      || value->is_output)
    return NULL;
  producer = cs_graph_node (graph, value->producer);
  if (producer->dead || producer->outputs[0] != node->inputs[0])
    return NULL;
  return producer;
}

/* Lets @producer write @node's output 0 instead of its own, and drops
 * @node.  The producer keeps its name: the layer is the conv block. */
static void
absorb (CsGraph *graph, CsNode *producer, CsNode *node)
{
  int producer_index = cs_node_output (graph, producer, 0)->producer;

  producer->outputs[0] = node->outputs[0];
  cs_node_output (graph, node, 0)->producer = producer_index;
  g_string_append_printf (producer->fused, "+%s", node->klass->name);
  node->dead = TRUE;
}

static const float *
constant_floats (CsGraph *graph, CsNode *node, int i, int64_t count)
{
  CsValue *value = cs_node_input (graph, node, i);

  if (value == NULL || value->constant == NULL || value->dtype != CS_DTYPE_FLOAT32
      || cs_shape_numel (&value->shape) != count)
    return NULL;
  return value->constant;
}

/* W' = W·γ/√(σ²+ε) per output channel, B' = (B − μ)·γ/√(σ²+ε) + β;
 * W' in place when @conv alone reads W, as scale_columns does: a copy
 * kept both until the end of loading: ResNet-101 peaked at 549 MiB
 * while its plans were made, the copies' 170 MB on top of the plans',
 * and 387 MiB with W' in place. */
static gboolean
fold_batch_norm (CsGraph *graph, CsNode *conv, CsNode *bn, int *readers)
{
  CsValue *weight = cs_node_input (graph, conv, 1);
  const CsBatchNormParams *params = bn->params;
  int64_t m, per_channel;
  const float *scale, *shift, *mean, *var, *bias;
  float *new_weight, *new_bias;
  CsShape bias_shape = { 1, { 0 } };
  int weight_index, bias_index;

  if (weight == NULL || weight->constant == NULL || weight->shape.rank != 4
      || params == NULL)
    return FALSE;
  m = weight->shape.dims[0];
  per_channel = m > 0 ? cs_shape_numel (&weight->shape) / m : 0;
  scale = constant_floats (graph, bn, 1, m);
  shift = constant_floats (graph, bn, 2, m);
  mean = constant_floats (graph, bn, 3, m);
  var = constant_floats (graph, bn, 4, m);
  bias = conv->n_inputs > 2 ? constant_floats (graph, conv, 2, m) : NULL;
  if (scale == NULL || shift == NULL || mean == NULL || var == NULL
      || (conv->n_inputs > 2 && conv->inputs[2] >= 0 && bias == NULL))
    return FALSE;

  if (readers[conv->inputs[1]] == 1 && !weight->is_output)
    {
      new_weight = weight->constant;
      weight_index = conv->inputs[1];
    }
  else
    {
      new_weight = g_memdup2 (weight->constant, sizeof (float) * m * per_channel);
      readers[conv->inputs[1]]--;
      weight_index = cs_graph_add_value (graph, weight->name, CS_DTYPE_FLOAT32, &weight->shape,
                                         new_weight);
    }
  new_bias = g_new (float, m);
  for (int64_t c = 0; c < m; c++)
    {
      float factor = scale[c] / sqrtf (var[c] + params->epsilon);

      for (int64_t k = 0; k < per_channel; k++)
        new_weight[c * per_channel + k] *= factor;
      new_bias[c] = ((bias != NULL ? bias[c] : 0.0f) - mean[c]) * factor + shift[c];
    }
  bias_shape.dims[0] = m;
  bias_index = cs_graph_add_value (graph, bn->name, CS_DTYPE_FLOAT32,
                                   &bias_shape, new_bias);
  if (conv->n_inputs < 3)
    {
      conv->inputs = g_renew (int, conv->inputs, 3);
      conv->n_inputs = 3;
    }
  conv->inputs[1] = weight_index;
  conv->inputs[2] = bias_index;
  absorb (graph, conv, bn);
  return TRUE;
}

/* Whether @scale (N×C×1×1) holds a factor per image and channel of
 * @x (N×C×H×W), as a squeeze-excitation's gate does. */
static gboolean
scales_channels (const CsValue *x, const CsValue *scale)
{
  return x->dtype == CS_DTYPE_FLOAT32 && scale->dtype == CS_DTYPE_FLOAT32 && x->shape.rank == 4
         && scale->shape.rank == 4 && scale->shape.dims[0] == x->shape.dims[0]
         && scale->shape.dims[1] == x->shape.dims[1] && scale->shape.dims[2] == 1
         && scale->shape.dims[3] == 1;
}

/* A Mul scaling each channel of x, a squeeze-excitation's output, read
 * only by a Conv: where cs_conv_scale_pays, the Conv reads x and the
 * factors (its input 3) and scales its weights instead, and the pass
 * over x goes. */
static void
fold_channel_scale (CsGraph *graph, CsNode *mul, CsNode *conv)
{
  const CsValue *out = cs_node_output (graph, mul, 0);

  if (!is_plain (mul, &cs_op_mul, 2) || !cs_conv_scale_pays (graph, conv))
    return;
  for (int side = 0; side < 2; side++)
    {
      const CsValue *x = cs_node_input (graph, mul, side);
      const CsValue *scale = cs_node_input (graph, mul, 1 - side);

      if (!cs_shape_equal (&x->shape, &out->shape) || !scales_channels (x, scale))
        continue;
      conv->inputs = g_renew (int, conv->inputs, 4);
      if (conv->n_inputs < 3)
        conv->inputs[2] = -1;
      conv->inputs[0] = mul->inputs[side];
      conv->inputs[3] = mul->inputs[1 - side];
      conv->n_inputs = 4;
      g_string_append (conv->fused, "+Mul");
      mul->dead = TRUE;
      return;
    }
}

/* Whether @node applies an activation of its own and has no grid to
 * round it to yet. */
static gboolean
accepts_grid (const CsNode *node)
{
  switch (node->klass->kind)
    {
    case CS_LAYER_CONV:
    case CS_LAYER_DENSE:
    case CS_LAYER_ELEMENTWISE:
    case CS_LAYER_NORMALIZATION:
      return node->act.grid.scale == 0.0f && node->epilogue == NULL;
    default:
      return FALSE;
    }
}

/* Whether @node applies an activation of its own, and has none yet:
 * neither a kind nor a grid, which comes after the kind. */
static gboolean
accepts_activation (const CsNode *node)
{
  return accepts_grid (node) && node->act.kind == CS_ACT_NONE;
}

/* The activation x·g(x) amounts to when @gate computes g: x·σ(x) is
 * SiLU, and x·HardSigmoid(x) with α = 1/6 and β = ½ is HardSwish, which
 * PyTorch exports that way before opset 14 (MobileNet v3); any other
 * HardSigmoid is not. */
static gboolean
gated_activation (const CsNode *gate, const CsOpClass **klass, CsActKind *kind)
{
  const CsActivation *act = gate->params;

  if (gate->klass == &cs_op_sigmoid)
    {
      *klass = &cs_op_silu;
      *kind = CS_ACT_SILU;
      return TRUE;
    }
  if (gate->klass == &cs_op_hard_sigmoid && act->alpha == 1.0f / 6.0f && act->beta == 0.5f)
    {
      *klass = &cs_op_hard_swish;
      *kind = CS_ACT_HARD_SWISH;
      return TRUE;
    }
  return FALSE;
}

/* The node that makes @gate from @x, when the Mul reading @gate is its
 * only reader, it is no graph output, and x·gate is an activation (set
 * in @klass and @kind). */
static CsNode *
gate_of (CsGraph          *graph,
         int               gate,
         int               x,
         const int        *readers,
         const CsOpClass **klass,
         CsActKind        *kind)
{
  const CsValue *value = gate >= 0 ? cs_graph_value (graph, gate) : NULL;
  CsNode        *node;

  if (value == NULL || value->producer < 0 || value->is_output || readers[gate] != 1)
    return NULL;
  node = cs_graph_node (graph, value->producer);
  if (node->dead || !gated_activation (node, klass, kind) || node->inputs[0] != x
      || node->outputs[0] != gate || cs_activation_is_set (&node->act) || node->epilogue != NULL)
    return NULL;
  return node;
}

/* x·σ(x) and x·HardSigmoid(x), which PyTorch exports as Sigmoid → Mul
 * and HardSigmoid → Mul: two more passes over a big tensor after each
 * convolution of an EfficientNet or a MobileNet v3.  The gate becomes one
 * Silu or HardSwish node writing the Mul's output, and the Mul goes; the
 * fusion that follows then folds it into x's producer like any
 * activation, now that x has one reader fewer. */
static void
fuse_gated_activations (CsGraph *graph, int *readers)
{
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode          *mul = cs_graph_node (graph, i), *gate = NULL;
      const CsOpClass *klass = NULL;
      CsActKind        kind = CS_ACT_NONE;

      if (!is_plain (mul, &cs_op_mul, 2))
        continue;
      for (int side = 0; side < 2 && gate == NULL; side++)
        gate = gate_of (graph, mul->inputs[side], mul->inputs[1 - side], readers, &klass, &kind);
      if (gate == NULL)
        continue;
      readers[gate->outputs[0]]--;
      readers[gate->inputs[0]]--;
      gate->klass = klass;
      ((CsActivation *) gate->params)->kind = kind;
      cs_node_output (graph, mul, 0)->producer = cs_node_output (graph, gate, 0)->producer;
      gate->outputs[0] = mul->outputs[0];
      mul->dead = TRUE;
    }
}

/* Whether @value is a float constant of @n elements along its last axis
 * only, as a dense layer's bias is. */
static gboolean
is_row_constant (const CsValue *value, int64_t n)
{
  if (value->constant == NULL || value->dtype != CS_DTYPE_FLOAT32 || value->shape.rank < 1
      || value->shape.dims[value->shape.rank - 1] != n)
    return FALSE;
  return cs_shape_numel (&value->shape) == n;
}

/* MatMul → Add of a bias on every row, as PyTorch exports a Linear layer
 * (ConvNeXt's, a transformer's): the MatMul takes the bias as its input 2
 * and the Add's output, and its GEMM adds the bias while each block is in
 * cache, not in another pass over the output.  An activation after the
 * Add then folds into the MatMul like any other. */
static void
fold_dense_biases (CsGraph *graph, int *readers)
{
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *add = cs_graph_node (graph, i);

      if (!is_plain (add, &cs_op_add, 2))
        continue;
      for (int side = 0; side < 2; side++)
        {
          const CsValue *product = cs_node_input (graph, add, side);
          const CsValue *bias = cs_node_input (graph, add, 1 - side);
          const CsValue *sum = cs_node_output (graph, add, 0);
          CsNode        *matmul;

          if (product->producer < 0 || product->is_output || readers[add->inputs[side]] != 1
              || product->shape.rank < 1 || !cs_shape_equal (&product->shape, &sum->shape))
            continue;
          matmul = cs_graph_node (graph, product->producer);
          if (!is_plain (matmul, &cs_op_matmul, 2) || matmul->outputs[0] != add->inputs[side]
              || !is_row_constant (bias, product->shape.dims[product->shape.rank - 1]))
            continue;
          matmul->inputs = g_renew (int, matmul->inputs, 3);
          matmul->inputs[2] = add->inputs[1 - side];
          matmul->n_inputs = 3;
          readers[add->inputs[side]]--;
          absorb (graph, matmul, add);
          break;
        }
    }
}

/* The live node of class @klass, with @n_inputs inputs (any number when
 * negative), neither activation nor epilogue, that makes @value, when
 * @value has one reader and is no graph output. */
static CsNode *
plain_producer (CsGraph *graph, int value, const CsOpClass *klass, int n_inputs,
                const int *readers)
{
  const CsValue *v = value >= 0 ? cs_graph_value (graph, value) : NULL;
  CsNode        *node;

  if (v == NULL || v->producer < 0 || v->is_output || readers[value] != 1)
    return NULL;
  node = cs_graph_node (graph, v->producer);
  if (!is_plain (node, klass, n_inputs) || node->outputs[0] != value)
    return NULL;
  return node;
}

/* Whether @perm moves the last of four axes to axis 1, NHWC to NCHW. */
static gboolean
is_nhwc_to_nchw (const CsTransposeParams *perm)
{
  return perm != NULL && perm->n_perm == 4 && perm->perm[0] == 0 && perm->perm[1] == 3
         && perm->perm[2] == 1 && perm->perm[3] == 2;
}

/* Multiplies each column of @node's float constant input @input (rows of
 * n floats, n the length of @factors) by its factor: in place when @node
 * alone reads it, so that a model never holds both, else into a new
 * value @node reads instead. */
static void
scale_columns (CsGraph *graph, CsNode *node, int input, int *readers, const float *factors)
{
  CsValue *value = cs_node_input (graph, node, input);
  const int64_t n = value->shape.dims[value->shape.rank - 1];
  const int64_t count = cs_shape_numel (&value->shape);
  float *scaled = value->constant;

  if (readers[node->inputs[input]] != 1 || value->is_output)
    {
      scaled = g_memdup2 (value->constant, sizeof (float) * count);
      readers[node->inputs[input]]--;
      node->inputs[input] = cs_graph_add_value (graph, value->name, CS_DTYPE_FLOAT32,
                                                &value->shape, scaled);
    }
  for (int64_t i = 0; i < count; i++)
    scaled[i] *= factors[i % n];
}

/* A dense layer on NHWC pixels, its output moved back to NCHW and scaled
 * per channel, as ConvNeXt's blocks end (MatMul → Add of the bias →
 * Transpose → Mul by the layer scale γ, C×1×1): the MatMul takes
 * weights and bias scaled by γ, so the pass of the Mul over the map
 * goes, and the Transpose writes the Mul's output. */
static void
fold_layer_scales (CsGraph *graph, int *readers)
{
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *mul = cs_graph_node (graph, i);

      if (!is_plain (mul, &cs_op_mul, 2))
        continue;
      for (int side = 0; side < 2; side++)
        {
          const CsValue *moved = cs_node_input (graph, mul, side);
          const CsValue *gamma = cs_node_input (graph, mul, 1 - side);
          const CsValue *weights, *bias;
          CsNode        *transpose, *matmul;
          int64_t        c;

          transpose = plain_producer (graph, mul->inputs[side], &cs_op_transpose, 1, readers);
          if (transpose == NULL || !is_nhwc_to_nchw (transpose->params)
              || moved->shape.rank != 4
              || !cs_shape_equal (&moved->shape, &cs_node_output (graph, mul, 0)->shape))
            continue;
          matmul = plain_producer (graph, transpose->inputs[0], &cs_op_matmul, -1, readers);
          c = moved->shape.dims[1];
          weights = matmul != NULL ? cs_node_input (graph, matmul, 1) : NULL;
          bias = matmul != NULL && matmul->n_inputs > 2 ? cs_node_input (graph, matmul, 2) : NULL;
          if (weights == NULL || weights->constant == NULL || weights->dtype != CS_DTYPE_FLOAT32
              || weights->shape.rank != 2 || weights->shape.dims[1] != c
              || gamma == NULL || gamma->constant == NULL || gamma->dtype != CS_DTYPE_FLOAT32
              || gamma->shape.rank < 3 || gamma->shape.dims[gamma->shape.rank - 3] != c
              || cs_shape_numel (&gamma->shape) != c
              || (bias != NULL && (bias->constant == NULL || cs_shape_numel (&bias->shape) != c)))
            continue;

          scale_columns (graph, matmul, 1, readers, gamma->constant);
          if (bias != NULL)
            scale_columns (graph, matmul, 2, readers, gamma->constant);
          g_string_append (matmul->fused, "+Mul");
          transpose->outputs[0] = mul->outputs[0];
          cs_node_output (graph, mul, 0)->producer = cs_node_input (graph, mul, side)->producer;
          readers[mul->inputs[side]]--;
          readers[mul->inputs[1 - side]]--;
          mul->dead = TRUE;
          break;
        }
    }
}

/* Whether input @side of @node is the float constant @want, to within
 * @tolerance (relative). */
static gboolean
is_constant (const CsGraph *graph, const CsNode *node, int side, double want, double tolerance)
{
  const CsValue *value = cs_node_input (graph, node, side);

  return value != NULL && value->constant != NULL && value->dtype == CS_DTYPE_FLOAT32
         && cs_shape_numel (&value->shape) == 1
         && fabs (*(const float *) value->constant - want) <= tolerance * fabs (want);
}

/* The Div (by √2) or Mul (by 1/√2) that makes @value from @x. */
static CsNode *
scaling_by_root_half (CsGraph *graph, int value, int x, const int *readers)
{
  CsNode *node = plain_producer (graph, value, &cs_op_div, 2, readers);

  if (node != NULL)
    return node->inputs[0] == x && is_constant (graph, node, 1, G_SQRT2, 1e-6) ? node : NULL;
  node = plain_producer (graph, value, &cs_op_mul, 2, readers);
  if (node == NULL)
    return NULL;
  for (int side = 0; side < 2; side++)
    if (node->inputs[side] == x && is_constant (graph, node, 1 - side, 1.0 / G_SQRT2, 1e-6))
      return node;
  return NULL;
}

/* x·Φ(x) as PyTorch exports GELU before opset 20: Div(x, √2) → Erf →
 * Add(1) → Mul(x) → Mul(½), five passes over the biggest tensors of a
 * ConvNeXt.  The first node becomes one Gelu reading x and writing the
 * last Mul's output, the others go, and the fusion that follows folds the
 * Gelu into x's producer like any activation. */
static void
fuse_erf_gelu (CsGraph *graph, int *readers)
{
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *half = cs_graph_node (graph, i), *product = NULL, *scaling = NULL;
      CsNode *plus_one = NULL, *erf = NULL;
      CsActivation *act;
      int x = -1;

      if (!is_plain (half, &cs_op_mul, 2))
        continue;
      for (int side = 0; side < 2 && product == NULL; side++)
        if (is_constant (graph, half, 1 - side, 0.5, 0.0))
          product = plain_producer (graph, half->inputs[side], &cs_op_mul, 2, readers);
      for (int side = 0; product != NULL && side < 2 && scaling == NULL; side++)
        {
          x = product->inputs[side];
          plus_one = plain_producer (graph, product->inputs[1 - side], &cs_op_add, 2, readers);
          if (plus_one == NULL)
            continue;
          for (int one = 0; one < 2 && scaling == NULL; one++)
            if (is_constant (graph, plus_one, one, 1.0, 0.0)
                && (erf = plain_producer (graph, plus_one->inputs[1 - one], &cs_op_erf, 1,
                                          readers)) != NULL)
              scaling = scaling_by_root_half (graph, erf->inputs[0], x, readers);
        }
      /* The Div or Mul becomes the Gelu and takes its params. */
      if (scaling == NULL || scaling->params != NULL
          || !cs_shape_equal (&cs_graph_value (graph, x)->shape,
                              &cs_node_output (graph, half, 0)->shape))
        continue;
      act = g_new0 (CsActivation, 1);
      act->kind = CS_ACT_GELU;
      scaling->klass = &cs_op_gelu;
      scaling->params = act;
      scaling->n_inputs = 1;
      scaling->inputs[0] = x;
      readers[x]--;
      cs_node_output (graph, half, 0)->producer = cs_node_output (graph, scaling, 0)->producer;
      scaling->outputs[0] = half->outputs[0];
      erf->dead = plus_one->dead = product->dead = half->dead = TRUE;
    }
}

/* Marks dead every node none of whose outputs is needed. */
static void
remove_unused (CsGraph *graph)
{
  int *readers = count_readers (graph);

  for (int i = (int) graph->nodes->len - 1; i >= 0; i--)
    {
      CsNode *node = cs_graph_node (graph, i);
      gboolean needed = FALSE;

      if (node->dead)
        continue;
      for (int j = 0; j < node->n_outputs; j++)
        needed |= readers[node->outputs[j]] > 0;
      if (needed)
        continue;
      node->dead = TRUE;
      for (int j = 0; j < node->n_inputs; j++)
        if (node->inputs[j] >= 0)
          readers[node->inputs[j]]--;
    }
  g_free (readers);
}

gboolean
cs_graph_fuse (CsGraph *graph, GError **error)
{
  int *readers = count_readers (graph);

  fold_dense_biases (graph, readers);
  fold_layer_scales (graph, readers);
  fuse_gated_activations (graph, readers);
  fuse_erf_gelu (graph, readers);
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (graph, i);
      CsNode *producer;

      if (node->dead || (producer = sole_producer (graph, node, readers)) == NULL)
        continue;
      if (node->klass == &cs_op_batch_norm && producer->klass == &cs_op_conv
          && !cs_activation_is_set (&producer->act))
        fold_batch_norm (graph, producer, node, readers);
      else if (node->klass == &cs_op_average_pool && producer->klass == &cs_op_pad)
        fold_zero_pad (graph, producer, node);
      else if (node->klass == &cs_op_conv && producer->klass == &cs_op_mul)
        fold_channel_scale (graph, producer, node);
      else if (node->klass->kind == CS_LAYER_ACTIVATION && node->params != NULL
               && accepts_activation (producer) && producer->epilogue == NULL)
        {
          producer->act = *(const CsActivation *) node->params;
          absorb (graph, producer, node);
        }
      else if (node->klass == &cs_op_fake_quantize && accepts_grid (producer))
        {
          /* Rounding to a TFLite grid: the end of the producer's
           * activation, which its driver applies to each block it
           * stores while the block is in cache. */
          producer->act.grid = *(const CsGrid *) node->params;
          absorb (graph, producer, node);
        }
      else if (node->klass->elementwise && producer->klass->kind != CS_LAYER_RESHAPE)
        {
          /* Elementwise steps after a layer, rounding to a grid the
           * producer took none of among them: part of the layer, so its
           * tap shows the result. */
          if (producer->epilogue == NULL)
            producer->epilogue = g_ptr_array_new ();
          g_ptr_array_add (producer->epilogue, node);
          absorb (graph, producer, node);
        }
    }
  g_free (readers);
  remove_unused (graph);
  return TRUE;
}

void
cs_graph_cut (CsGraph *graph, int value)
{
  for (guint i = 0; i < graph->outputs->len; i++)
    cs_graph_value (graph, g_array_index (graph->outputs, int, i))->is_output = FALSE;
  g_array_set_size (graph->outputs, 0);
  g_array_append_val (graph->outputs, value);
  cs_graph_value (graph, value)->is_output = TRUE;
  remove_unused (graph);
}

/* Frees constants that every live reader has packed into its own form,
 * so a model holds its weights once. */
static void
release_packed_constants (CsGraph *graph)
{
  gboolean *still_read = g_new0 (gboolean, graph->values->len);

  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (graph, i);

      if (node->dead)
        continue;
      for (int j = 0; j < node->n_inputs; j++)
        if (node->inputs[j] >= 0 && (j >= 32 || !(node->packed_inputs & (1u << j))))
          still_read[node->inputs[j]] = TRUE;
    }
  for (guint v = 0; v < graph->values->len; v++)
    {
      CsValue *value = cs_graph_value (graph, v);

      if (value->constant != NULL && !still_read[v] && !value->is_output)
        {
          g_clear_pointer (&value->constant, g_free);
          value->packed = TRUE;
        }
    }
  g_free (still_read);
}

gboolean
cs_graph_prepare (CsGraph *graph, GError **error)
{
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (graph, i);

      if (!node->dead && node->klass->prepare != NULL
          && !node->klass->prepare (graph, node, error))
        return FALSE;
    }
  release_packed_constants (graph);
  return TRUE;
}
