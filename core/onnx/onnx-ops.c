/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx-ops.c — the ONNX op types Convscope runs, the op class each becomes
 * and how its attributes fill that class's params (ops.h).  Where an op's
 * meaning changed between opsets (Softmax's axis, attributes that became
 * inputs) the parser follows the model's default-domain opset; what the
 * engine cannot do (1-D/3-D windows, training modes, Pad's wrap mode)
 * is refused here as unsupported, by name.
 */
#include "onnx-attrs.h"
#include "onnx-ops.h"
#include "onnx-tensor.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

/* Wide enough for any rank the engine keeps; infer checks the real rank. */
#define AXIS_MIN (-CS_MAX_RANK)
#define AXIS_MAX CS_MAX_RANK

static gboolean
has_attr (const CsOnnxNode *node,
          const char       *name)
{
  for (size_t i = 0; i < node->proto->n_attribute; i++)
    if (node->proto->attribute[i]->name != NULL
        && strcmp (node->proto->attribute[i]->name, name) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
require_attr (const CsOnnxNode *node,
              const char       *name,
              GError          **error)
{
  if (has_attr (node, name))
    return TRUE;
  return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                             "attribute '%s' is required", name);
}

/* The rank of input @i when the loader already knows it (a graph input
 * or a constant), else -1: shapes of node outputs come later. */
static int
known_rank (const CsOnnxNode *node,
            int               i)
{
  if (i >= node->n_inputs || node->inputs[i] < 0)
    return -1;
  const CsValue *value = cs_graph_value (node->imp->graph, node->inputs[i]);
  return value->is_input || value->constant != NULL ? value->shape.rank : -1;
}

/* Inputs that later opsets added must not appear in older ones. */
static gboolean
check_inputs_before (const CsOnnxNode *node,
                     int64_t           since_opset,
                     int               max_before,
                     GError          **error)
{
  if (node->imp->opset >= since_opset || node->n_inputs <= max_before)
    return TRUE;
  return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                             "has %d inputs, but before opset %" PRId64 " it takes at most %d "
                             "(the model uses opset %" PRId64 ")",
                             node->n_inputs, since_opset, max_before, node->imp->opset);
}

static gboolean
spatial_unsupported (const CsOnnxNode *node,
                     int               n_spatial,
                     GError          **error)
{
  return cs_onnx_node_error (error, CS_ERROR_UNSUPPORTED, node,
                             "%s over %d spatial %s is not supported; only 2-D is",
                             node->op, n_spatial, n_spatial == 1 ? "axis" : "axes");
}

/* The data input of windowed and global ops is N×C×H×W. */
static gboolean
check_image_input (const CsOnnxNode *node,
                   GError          **error)
{
  int rank = known_rank (node, 0);

  if (rank < 0 || rank == 4)
    return TRUE;
  if (rank < 2)
    return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                               "input '%s' has rank %d; expected N×C×H×W",
                               node->proto->input[0], rank);
  return spatial_unsupported (node, rank - 2, error);
}

/* Reads an INTS attribute that must hold exactly @want values. */
static gboolean
window_ints (const CsOnnxNode *node,
             const char       *name,
             int               want,
             int64_t           min,
             int64_t          *values,
             gboolean         *present,
             GError          **error)
{
  int count;

  if (!cs_onnx_attr_ints (node, name, 2 * CS_MAX_RANK, min, G_MAXINT, values, &count, error))
    return FALSE;
  *present = count >= 0;
  if (count < 0 || count == want)
    return TRUE;
  return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                             "attribute '%s' has %d values; a 2-D window needs %d",
                             name, count, want);
}

/* Fills @window from kernel_shape, strides, dilations, pads, auto_pad and
 * ceil_mode, as Conv, MaxPool and AveragePool share them.  Conv may leave
 * out kernel_shape: its infer then takes the kernel from the weights. */
static gboolean
parse_window (CsOnnxNode *node,
              CsWindow   *window,
              gboolean    kernel_required,
              GError    **error)
{
  static const char *const auto_pads[] = { "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", NULL };
  int64_t values[2 * CS_MAX_RANK];
  int count, auto_pad;
  int64_t ceil_mode;
  gboolean present;

  if (!check_image_input (node, error)
      || !cs_onnx_attr_ints (node, "kernel_shape", CS_MAX_RANK, 1, G_MAXINT, values, &count, error))
    return FALSE;
  if (count >= 0 && count != 2)
    return spatial_unsupported (node, count, error);
  if (count == 2)
    {
      window->kernel[0] = (int) values[0];
      window->kernel[1] = (int) values[1];
    }
  else if (kernel_required)
    return require_attr (node, "kernel_shape", error);

  if (!window_ints (node, "strides", 2, 1, values, &present, error))
    return FALSE;
  for (int i = 0; present && i < 2; i++)
    window->stride[i] = (int) values[i];

  if (!window_ints (node, "dilations", 2, 1, values, &present, error))
    return FALSE;
  for (int i = 0; present && i < 2; i++)
    window->dilation[i] = (int) values[i];

  if (!window_ints (node, "pads", 4, 0, values, &present, error))
    return FALSE;
  for (int i = 0; present && i < 4; i++)
    window->pads[i] = (int) values[i];

  if (!cs_onnx_attr_choice (node, "auto_pad", auto_pads, 0, &auto_pad, error)
      || !cs_onnx_attr_int (node, "ceil_mode", 0, 0, 1, &ceil_mode, error))
    return FALSE;
  window->auto_pad = (CsAutoPad) auto_pad;
  window->ceil_mode = ceil_mode != 0;
  return TRUE;
}

static gboolean
parse_conv (CsOnnxNode *node,
            GError    **error)
{
  CsConvParams *params = node->params = g_new0 (CsConvParams, 1);
  int weights_rank = known_rank (node, 1);
  int64_t groups;

  if (weights_rank >= 3 && weights_rank != 4)
    return spatial_unsupported (node, weights_rank - 2, error);
  if (!cs_onnx_attr_int (node, "group", 1, 1, G_MAXINT, &groups, error))
    return FALSE;
  params->groups = (int) groups;
  return parse_window (node, &params->window, FALSE, error);
}

/* ConvTranspose: Conv's window attributes plus output_padding and an
 * output_shape of the spatial axes (or of all four, as ONNX Runtime
 * takes it). */
static gboolean
parse_conv_transpose (CsOnnxNode *node,
                      GError    **error)
{
  CsConvTransposeParams *params = node->params = g_new0 (CsConvTransposeParams, 1);
  int weights_rank = known_rank (node, 1);
  int64_t groups, values[CS_MAX_RANK];
  int count;
  gboolean present;

  if (weights_rank >= 3 && weights_rank != 4)
    return spatial_unsupported (node, weights_rank - 2, error);
  if (!cs_onnx_attr_int (node, "group", 1, 1, G_MAXINT, &groups, error)
      || !parse_window (node, &params->window, FALSE, error)
      || !window_ints (node, "output_padding", 2, 0, values, &present, error))
    return FALSE;
  params->groups = (int) groups;
  for (int i = 0; present && i < 2; i++)
    params->output_padding[i] = (int) values[i];
  if (!cs_onnx_attr_ints (node, "output_shape", CS_MAX_RANK, 1, G_MAXINT, values, &count, error))
    return FALSE;
  if (count >= 0 && count != 2 && count != 4)
    return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                               "attribute 'output_shape' has %d values; a 2-D window needs 2",
                               count);
  if (count >= 0)
    {
      params->n_output_shape = 2;
      params->output_shape[0] = values[count - 2];
      params->output_shape[1] = values[count - 1];
    }
  return TRUE;
}

static gboolean
parse_max_pool (CsOnnxNode *node,
                GError    **error)
{
  CsPoolParams *params = node->params = g_new0 (CsPoolParams, 1);

  return parse_window (node, &params->window, TRUE, error);
}

static gboolean
parse_average_pool (CsOnnxNode *node,
                    GError    **error)
{
  CsPoolParams *params = node->params = g_new0 (CsPoolParams, 1);
  int64_t count_include_pad;

  if (!cs_onnx_attr_int (node, "count_include_pad", 0, 0, 1, &count_include_pad, error))
    return FALSE;
  params->count_include_pad = count_include_pad != 0;
  return parse_window (node, &params->window, TRUE, error);
}

static gboolean
parse_global_pool (CsOnnxNode *node,
                   GError    **error)
{
  return check_image_input (node, error);
}

/* The reductions took their axes as an attribute until they became input
 * 2: from opset 13 for ReduceSum, 18 for the others. */
static gboolean
parse_reduce (CsOnnxNode *node,
              int64_t     axes_input_since,
              GError    **error)
{
  CsReduceParams *params = node->params = g_new0 (CsReduceParams, 1);
  int64_t keepdims, noop;
  int count;

  if (!check_inputs_before (node, axes_input_since, 1, error)
      || !cs_onnx_attr_int (node, "keepdims", 1, 0, 1, &keepdims, error)
      || !cs_onnx_attr_int (node, "noop_with_empty_axes", 0, 0, 1, &noop, error)
      || !cs_onnx_attr_ints (node, "axes", CS_MAX_RANK, AXIS_MIN, AXIS_MAX,
                             params->axes, &count, error))
    return FALSE;
  params->n_axes = MAX (count, 0);
  params->keepdims = keepdims != 0;
  params->noop_with_empty_axes = noop != 0;
  return TRUE;
}

static gboolean
parse_reduce_axes_18 (CsOnnxNode *node,
                      GError    **error)
{
  return parse_reduce (node, 18, error);
}

static gboolean
parse_reduce_axes_13 (CsOnnxNode *node,
                      GError    **error)
{
  return parse_reduce (node, 13, error);
}

static gboolean
parse_arg_extreme (CsOnnxNode *node,
                   GError    **error)
{
  CsArgParams *params = node->params = g_new0 (CsArgParams, 1);
  int64_t axis, keepdims, select_last_index;

  if (!cs_onnx_attr_int (node, "axis", 0, AXIS_MIN, AXIS_MAX, &axis, error)
      || !cs_onnx_attr_int (node, "keepdims", 1, 0, 1, &keepdims, error)
      || !cs_onnx_attr_int (node, "select_last_index", 0, 0, 1, &select_last_index, error))
    return FALSE;
  params->axis = (int) axis;
  params->keepdims = keepdims != 0;
  params->select_last_index = select_last_index != 0;
  return TRUE;
}

static gboolean
parse_gemm (CsOnnxNode *node,
            GError    **error)
{
  CsGemmParams *params = node->params = g_new0 (CsGemmParams, 1);
  int64_t trans_a, trans_b;

  if (!cs_onnx_attr_float (node, "alpha", 1.0f, &params->alpha, error)
      || !cs_onnx_attr_float (node, "beta", 1.0f, &params->beta, error)
      || !cs_onnx_attr_int (node, "transA", 0, 0, 1, &trans_a, error)
      || !cs_onnx_attr_int (node, "transB", 0, 0, 1, &trans_b, error))
    return FALSE;
  params->trans_a = (int) trans_a;
  params->trans_b = (int) trans_b;
  return TRUE;
}

static gboolean
parse_matmul (CsOnnxNode *node,
              GError    **error)
{
  CsGemmParams *params = node->params = g_new0 (CsGemmParams, 1);

  params->alpha = 1.0f;
  return TRUE;
}

static gboolean
parse_batch_norm (CsOnnxNode *node,
                  GError    **error)
{
  CsBatchNormParams *params = node->params = g_new0 (CsBatchNormParams, 1);
  int64_t spatial, training_mode;

  if (!cs_onnx_attr_float (node, "epsilon", 1e-5f, &params->epsilon, error)
      || !cs_onnx_attr_int (node, "spatial", 1, 0, 1, &spatial, error)
      || !cs_onnx_attr_int (node, "training_mode", 0, 0, 1, &training_mode, error))
    return FALSE;
  if (training_mode)
    return cs_onnx_node_error (error, CS_ERROR_UNSUPPORTED, node,
                               "training mode is not supported");
  if (!spatial)
    return cs_onnx_node_error (error, CS_ERROR_UNSUPPORTED, node,
                               "per-activation statistics (spatial = 0) are not supported");
  return TRUE;
}

static gboolean
parse_layer_norm (CsOnnxNode *node,
                  GError    **error)
{
  CsNormParams *params = node->params = g_new0 (CsNormParams, 1);
  int64_t axis;

  /* stash_type is ignored: the statistics are computed in double, at
   * least as precise as any stash type asks. */
  if (!cs_onnx_attr_int (node, "axis", -1, AXIS_MIN, AXIS_MAX, &axis, error)
      || !cs_onnx_attr_float (node, "epsilon", 1e-5f, &params->epsilon, error))
    return FALSE;
  params->axis = (int) axis;
  return TRUE;
}

static gboolean
parse_instance_norm (CsOnnxNode *node,
                     GError    **error)
{
  CsNormParams *params = node->params = g_new0 (CsNormParams, 1);

  return cs_onnx_attr_float (node, "epsilon", 1e-5f, &params->epsilon, error);
}

static gboolean
parse_lrn (CsOnnxNode *node,
           GError    **error)
{
  CsLrnParams *params = node->params = g_new0 (CsLrnParams, 1);
  int64_t size;

  if (!require_attr (node, "size", error)
      || !cs_onnx_attr_int (node, "size", 1, 1, G_MAXINT, &size, error)
      || !cs_onnx_attr_float (node, "alpha", 1e-4f, &params->alpha, error)
      || !cs_onnx_attr_float (node, "beta", 0.75f, &params->beta, error)
      || !cs_onnx_attr_float (node, "bias", 1.0f, &params->bias, error))
    return FALSE;
  params->size = (int) size;
  return TRUE;
}

/* Before opset 13 Softmax flattened its input to 2-D at axis (default 1);
 * since, it works along one axis (default the last). */
static gboolean
parse_softmax (CsOnnxNode *node,
               GError    **error)
{
  CsSoftmaxParams *params = node->params = g_new0 (CsSoftmaxParams, 1);
  gboolean legacy = node->imp->opset < 13;
  int64_t axis;

  if (!cs_onnx_attr_int (node, "axis", legacy ? 1 : -1, AXIS_MIN, AXIS_MAX, &axis, error))
    return FALSE;
  params->axis = (int) axis;
  params->legacy_2d = legacy;
  return TRUE;
}

static gboolean
parse_axis (CsOnnxNode *node,
            int64_t     fallback,
            GError    **error)
{
  CsAxisParams *params = node->params = g_new0 (CsAxisParams, 1);
  int64_t axis;

  if (!cs_onnx_attr_int (node, "axis", fallback, AXIS_MIN, AXIS_MAX, &axis, error))
    return FALSE;
  params->axis = (int) axis;
  return TRUE;
}

static gboolean
parse_flatten (CsOnnxNode *node,
               GError    **error)
{
  return parse_axis (node, 1, error);
}

static gboolean
parse_gather (CsOnnxNode *node,
              GError    **error)
{
  return parse_axis (node, 0, error);
}

/* Concat's axis has been required since opset 4; before, it was 1. */
static gboolean
parse_concat (CsOnnxNode *node,
              GError    **error)
{
  if (node->imp->opset >= 4 && !require_attr (node, "axis", error))
    return FALSE;
  return parse_axis (node, 1, error);
}

/* Reshape-1 to -4 carried the target shape as an attribute; it becomes
 * the constant second input later opsets have. */
static gboolean
parse_reshape (CsOnnxNode *node,
               GError    **error)
{
  CsReshapeParams *params = node->params = g_new0 (CsReshapeParams, 1);
  int64_t allowzero;

  if (!cs_onnx_attr_int (node, "allowzero", 0, 0, 1, &allowzero, error))
    return FALSE;
  params->allowzero = allowzero != 0;

  if (node->imp->opset >= 5)
    {
      if (node->n_inputs == 2 && node->inputs[1] >= 0)
        return TRUE;
      return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                 "expects the target shape as its second input");
    }

  gboolean ok;
  const Onnx__AttributeProto *shape_attr =
    cs_onnx_attr (node, "shape", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, &ok, error);
  if (!ok || !check_inputs_before (node, 5, 1, error) || !require_attr (node, "shape", error))
    return FALSE;
  if (shape_attr->n_ints > CS_MAX_RANK)
    return cs_onnx_node_error (error, CS_ERROR_UNSUPPORTED, node,
                               "the target shape has %zu dimensions; at most %d are supported",
                               shape_attr->n_ints, CS_MAX_RANK);

  CsShape shape = { 1, { (int64_t) shape_attr->n_ints } };
  int64_t *dims = g_new0 (int64_t, MAX (shape_attr->n_ints, 1));
  if (shape_attr->n_ints > 0)
    memcpy (dims, shape_attr->ints, shape_attr->n_ints * sizeof *dims);
  g_autofree char *name = g_strdup_printf ("%s:shape", node->name);
  node->inputs[node->n_inputs++] =
    cs_graph_add_value (node->imp->graph, name, CS_DTYPE_INT64, &shape, dims);
  return TRUE;
}

static gboolean
parse_axes (CsOnnxNode *node,
            GError    **error)
{
  CsSqueezeParams *params = node->params = g_new0 (CsSqueezeParams, 1);
  int count;

  if (!check_inputs_before (node, 13, 1, error)
      || !cs_onnx_attr_ints (node, "axes", CS_MAX_RANK, AXIS_MIN, AXIS_MAX,
                             params->axes, &count, error))
    return FALSE;
  params->n_axes = MAX (count, 0);
  return TRUE;
}

static gboolean
parse_transpose (CsOnnxNode *node,
                 GError    **error)
{
  CsTransposeParams *params = node->params = g_new0 (CsTransposeParams, 1);
  int64_t perm[CS_MAX_RANK];
  int count;

  if (!cs_onnx_attr_ints (node, "perm", CS_MAX_RANK, 0, CS_MAX_RANK - 1, perm, &count, error))
    return FALSE;
  params->n_perm = MAX (count, 0);
  for (int i = 0; i < params->n_perm; i++)
    params->perm[i] = (int) perm[i];
  return TRUE;
}

static gboolean
parse_split (CsOnnxNode *node,
             GError    **error)
{
  CsSplitParams *params = node->params = g_new0 (CsSplitParams, 1);
  int64_t axis, num_outputs;
  gboolean ok;

  if (!cs_onnx_attr_int (node, "axis", 0, AXIS_MIN, AXIS_MAX, &axis, error)
      || !cs_onnx_attr_int (node, "num_outputs", node->n_outputs, 1, G_MAXINT,
                            &num_outputs, error))
    return FALSE;
  params->axis = (int) axis;
  if (num_outputs != node->n_outputs)
    return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                               "attribute 'num_outputs' is %" PRId64 " but the node has %d outputs",
                               num_outputs, node->n_outputs);

  const Onnx__AttributeProto *split =
    cs_onnx_attr (node, "split", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, &ok, error);
  if (!ok)
    return FALSE;
  if (split == NULL)
    return TRUE;
  if (split->n_ints != (size_t) node->n_outputs)
    return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                               "attribute 'split' has %zu sizes for %d outputs",
                               split->n_ints, node->n_outputs);
  for (size_t i = 0; i < split->n_ints; i++)
    if (split->ints[i] < 0)
      return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                 "attribute 'split' has the negative size %" PRId64,
                                 split->ints[i]);
  params->n_split = node->n_outputs;
  params->split = g_memdup2 (split->ints, split->n_ints * sizeof *split->ints);
  return TRUE;
}

/* Slice took starts, ends and axes as attributes before opset 10. */
static gboolean
parse_slice (CsOnnxNode *node,
             GError    **error)
{
  CsSliceParams *params = node->params = g_new0 (CsSliceParams, 1);
  int n_starts, n_ends, n_axes;

  if (node->imp->opset >= 10)
    {
      if (node->n_inputs < 3 || node->inputs[1] < 0 || node->inputs[2] < 0)
        return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                   "expects starts and ends as inputs 2 and 3");
      return TRUE;
    }

  if (!check_inputs_before (node, 10, 1, error)
      || !require_attr (node, "starts", error)
      || !require_attr (node, "ends", error)
      || !cs_onnx_attr_ints (node, "starts", CS_MAX_RANK, INT64_MIN, INT64_MAX,
                             params->starts, &n_starts, error)
      || !cs_onnx_attr_ints (node, "ends", CS_MAX_RANK, INT64_MIN, INT64_MAX,
                             params->ends, &n_ends, error)
      || !cs_onnx_attr_ints (node, "axes", CS_MAX_RANK, AXIS_MIN, AXIS_MAX,
                             params->axes, &n_axes, error))
    return FALSE;
  if (n_ends != n_starts || (n_axes >= 0 && n_axes != n_starts))
    return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                               "attributes 'starts', 'ends' and 'axes' differ in length");
  params->n = n_starts;
  params->has_axes = n_axes >= 0;
  return TRUE;
}

/* Pad took pads ("paddings" in opset 1) and value as attributes before
 * opset 11. */
static gboolean
parse_pad (CsOnnxNode *node,
           GError    **error)
{
  /* In CsPadMode's order, then what the engine lacks. */
  static const char *const modes[] = { "constant", "reflect", "edge", "wrap", NULL };
  CsPadParams *params = node->params = g_new0 (CsPadParams, 1);
  int mode, n_pads;

  if (!cs_onnx_attr_choice (node, "mode", modes, CS_PAD_CONSTANT, &mode, error))
    return FALSE;
  if (mode > CS_PAD_EDGE)
    return cs_onnx_node_error (error, CS_ERROR_UNSUPPORTED, node,
                               "mode 'wrap' is not supported");
  params->mode = (CsPadMode) mode;

  if (node->imp->opset >= 11)
    {
      if (node->n_inputs < 2 || node->inputs[1] < 0)
        return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                   "expects the pads as its second input");
      return TRUE;
    }

  const char *pads_name = node->imp->opset < 2 ? "paddings" : "pads";
  if (!check_inputs_before (node, 11, 1, error)
      || !require_attr (node, pads_name, error)
      || !cs_onnx_attr_ints (node, pads_name, 2 * CS_MAX_RANK, INT64_MIN, INT64_MAX,
                             params->pads, &n_pads, error)
      || !cs_onnx_attr_float (node, "value", 0.0f, &params->value, error))
    return FALSE;
  params->n_pads = n_pads;
  return TRUE;
}

static gboolean
parse_shape (CsOnnxNode *node,
             GError    **error)
{
  CsShapeParams *params = node->params = g_new0 (CsShapeParams, 1);

  return cs_onnx_attr_int (node, "start", 0, INT64_MIN, INT64_MAX, &params->start, error)
         && cs_onnx_attr_int (node, "end", INT64_MAX, INT64_MIN, INT64_MAX, &params->end, error);
}

/* The value is a one-element tensor, float 0 when absent. */
static gboolean
parse_constant_of_shape (CsOnnxNode *node,
                         GError    **error)
{
  CsFillParams *params = node->params = g_new0 (CsFillParams, 1);
  g_autofree char *what = g_strdup_printf ("the value of node '%s'", node->name);
  g_autofree void *data = NULL;
  CsShape shape;
  gboolean ok;
  const Onnx__AttributeProto *value =
    cs_onnx_attr (node, "value", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR, &ok, error);

  params->dtype = CS_DTYPE_FLOAT32;
  if (!ok)
    return FALSE;
  if (value == NULL)
    return TRUE;
  if (value->t == NULL)
    return cs_onnx_node_error (error, CS_ERROR_INVALID, node, "attribute 'value' holds no tensor");
  if (!cs_onnx_tensor_convert (value->t, node->imp->source, what, &params->dtype, &shape, &data,
                               error))
    return FALSE;
  if (cs_shape_numel (&shape) != 1)
    return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                               "attribute 'value' has %" PRId64 " elements; expected one",
                               cs_shape_numel (&shape));
  if (params->dtype == CS_DTYPE_INT64)
    params->int_value = *(const int64_t *) data;
  else
    params->float_value = *(const float *) data;
  return TRUE;
}

static gboolean
parse_cast (CsOnnxNode *node,
            GError    **error)
{
  CsCastParams *params = node->params = g_new0 (CsCastParams, 1);
  int64_t to;

  if (!require_attr (node, "to", error)
      || !cs_onnx_attr_int (node, "to", 0, INT32_MIN, INT32_MAX, &to, error))
    return FALSE;
  if (to == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
    params->to = CS_DTYPE_FLOAT32;
  else if (to == ONNX__TENSOR_PROTO__DATA_TYPE__INT64)
    params->to = CS_DTYPE_INT64;
  else
    return cs_onnx_node_error (error, CS_ERROR_UNSUPPORTED, node,
                               "casting to data type %s is not supported; only to FLOAT and INT64",
                               cs_onnx_dtype_name ((int32_t) to));
  return TRUE;
}

/* Inference ignores the ratio; a training_mode input is a bool, which the
 * engine cannot hold, so only the plain form is taken. */
static gboolean
parse_dropout (CsOnnxNode *node,
               GError    **error)
{
  if (node->n_inputs > 2 && node->inputs[2] >= 0)
    return cs_onnx_node_error (error, CS_ERROR_UNSUPPORTED, node,
                               "a training_mode input is not supported");
  node->n_inputs = 1;
  return TRUE;
}

static CsActivation *
activation_new (CsOnnxNode *node,
                CsActKind   kind)
{
  CsActivation *act = node->params = g_new0 (CsActivation, 1);

  act->kind = kind;
  return act;
}

static gboolean
parse_relu (CsOnnxNode *node,
            GError    **error)
{
  activation_new (node, CS_ACT_RELU);
  return TRUE;
}

static gboolean
parse_sigmoid (CsOnnxNode *node,
               GError    **error)
{
  activation_new (node, CS_ACT_SIGMOID);
  return TRUE;
}

static gboolean
parse_tanh (CsOnnxNode *node,
            GError    **error)
{
  activation_new (node, CS_ACT_TANH);
  return TRUE;
}

static gboolean
parse_hard_swish (CsOnnxNode *node,
                  GError    **error)
{
  CsActivation *act = activation_new (node, CS_ACT_HARD_SWISH);

  act->alpha = 1.0f / 6.0f;
  act->beta = 0.5f;
  return TRUE;
}

static gboolean
parse_leaky_relu (CsOnnxNode *node,
                  GError    **error)
{
  CsActivation *act = activation_new (node, CS_ACT_LEAKY_RELU);

  return cs_onnx_attr_float (node, "alpha", 0.01f, &act->alpha, error);
}

static gboolean
parse_hard_sigmoid (CsOnnxNode *node,
                    GError    **error)
{
  CsActivation *act = activation_new (node, CS_ACT_HARD_SIGMOID);

  return cs_onnx_attr_float (node, "alpha", 0.2f, &act->alpha, error)
         && cs_onnx_attr_float (node, "beta", 0.5f, &act->beta, error);
}

static gboolean
parse_elu (CsOnnxNode *node,
           GError    **error)
{
  CsActivation *act = activation_new (node, CS_ACT_ELU);

  return cs_onnx_attr_float (node, "alpha", 1.0f, &act->alpha, error);
}

static gboolean
parse_selu (CsOnnxNode *node,
            GError    **error)
{
  CsActivation *act = activation_new (node, CS_ACT_SELU);

  return cs_onnx_attr_float (node, "alpha", 1.67326319217681884765625f, &act->alpha, error)
         && cs_onnx_attr_float (node, "gamma", 1.05070102214813232421875f, &act->beta, error);
}

static gboolean
parse_softplus (CsOnnxNode *node,
                GError    **error)
{
  activation_new (node, CS_ACT_SOFTPLUS);
  return TRUE;
}

/* alpha 1 selects the tanh approximation. */
static gboolean
parse_gelu (CsOnnxNode *node,
            GError    **error)
{
  static const char *const approximations[] = { "none", "tanh", NULL };
  CsActivation *act = activation_new (node, CS_ACT_GELU);
  int approximate;

  if (!cs_onnx_attr_choice (node, "approximate", approximations, 0, &approximate, error))
    return FALSE;
  act->alpha = (float) approximate;
  return TRUE;
}

/* Clip's bounds were attributes before opset 11 and inputs since. */
static gboolean
parse_clip (CsOnnxNode *node,
            GError    **error)
{
  CsActivation *act = activation_new (node, CS_ACT_CLIP);

  act->alpha = -INFINITY;
  act->beta = INFINITY;
  if (node->imp->opset >= 11)
    return TRUE;
  return check_inputs_before (node, 11, 1, error)
         && cs_onnx_attr_float (node, "min", -INFINITY, &act->alpha, error)
         && cs_onnx_attr_float (node, "max", INFINITY, &act->beta, error);
}

/* Before opset 7, broadcast = 1 with an axis aligned the second operand
 * at that axis instead of at the end, which the engine does not do. */
static gboolean
parse_binary (CsOnnxNode *node,
              GError    **error)
{
  int64_t broadcast;

  if (node->imp->opset >= 7)
    return TRUE;
  if (!cs_onnx_attr_int (node, "broadcast", 0, 0, 1, &broadcast, error))
    return FALSE;
  if (broadcast && has_attr (node, "axis"))
    return cs_onnx_node_error (error, CS_ERROR_UNSUPPORTED, node,
                               "legacy broadcasting along attribute 'axis' is not supported");
  return TRUE;
}

/* Upsample (opsets 7–9) and Resize-10 resample the way Resize-11's
 * asymmetric mode does, rounding nearest samples down when enlarging and
 * up when shrinking, as ONNX Runtime does.  Upsample before opset 9 took
 * its scales as an attribute. */
static gboolean
parse_resize_legacy (CsOnnxNode     *node,
                     CsResizeParams *params,
                     GError        **error)
{
  static const char *const modes[] = { "nearest", "linear", NULL };
  int mode;

  params->coordinates = CS_RESIZE_ASYMMETRIC;
  params->rounding = CS_RESIZE_SIMPLE;
  params->scales_input = 1;
  if (!cs_onnx_attr_choice (node, "mode", modes, CS_RESIZE_NEAREST, &mode, error))
    return FALSE;
  params->mode = (CsResizeMode) mode;
  if (node->imp->opset >= 9)
    {
      if (node->n_inputs < 2 || node->inputs[1] < 0)
        return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                   "expects the scales as its second input");
      return TRUE;
    }

  gboolean ok;
  const Onnx__AttributeProto *scales =
    cs_onnx_attr (node, "scales", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS, &ok, error);
  if (!ok || !check_inputs_before (node, 9, 1, error) || !require_attr (node, "scales", error))
    return FALSE;
  if (scales->n_floats > CS_MAX_RANK)
    return cs_onnx_node_error (error, CS_ERROR_UNSUPPORTED, node,
                               "attribute 'scales' has %zu values; at most %d are supported",
                               scales->n_floats, CS_MAX_RANK);
  params->n_scales = (int) scales->n_floats;
  for (size_t i = 0; i < scales->n_floats; i++)
    params->scales[i] = scales->floats[i];
  return TRUE;
}

static CsResizeParams *
resize_params_new (CsOnnxNode *node)
{
  CsResizeParams *params = node->params = g_new0 (CsResizeParams, 1);

  params->roi_input = params->scales_input = params->sizes_input = -1;
  return params;
}

static gboolean
parse_upsample (CsOnnxNode *node,
                GError    **error)
{
  return parse_resize_legacy (node, resize_params_new (node), error);
}

static gboolean
parse_resize (CsOnnxNode *node,
              GError    **error)
{
  /* In the enums' order. */
  static const char *const modes[] = { "nearest", "linear", "cubic", NULL };
  static const char *const coordinates[] = {
    "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
    "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize", NULL
  };
  static const char *const roundings[] = {
    "round_prefer_floor", "round_prefer_ceil", "floor", "ceil", NULL
  };
  static const char *const aspects[] = { "stretch", "not_larger", "not_smaller", NULL };
  CsResizeParams *params = resize_params_new (node);
  int mode, coordinate, rounding, aspect, n_axes;
  int64_t exclude_outside, antialias;

  if (node->imp->opset < 11)
    {
      if (node->n_inputs != 2 || node->inputs[1] < 0)
        return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                   "expects the scales as its second input");
      return parse_resize_legacy (node, params, error);
    }

  params->roi_input = 1;
  params->scales_input = 2;
  params->sizes_input = 3;
  if (!cs_onnx_attr_choice (node, "mode", modes, CS_RESIZE_NEAREST, &mode, error)
      || !cs_onnx_attr_choice (node, "coordinate_transformation_mode", coordinates,
                               CS_RESIZE_HALF_PIXEL, &coordinate, error)
      || !cs_onnx_attr_choice (node, "nearest_mode", roundings,
                               CS_RESIZE_ROUND_PREFER_FLOOR, &rounding, error)
      || !cs_onnx_attr_choice (node, "keep_aspect_ratio_policy", aspects, CS_RESIZE_ASPECT_STRETCH,
                               &aspect, error)
      || !cs_onnx_attr_float (node, "cubic_coeff_a", -0.75f, &params->cubic_a, error)
      || !cs_onnx_attr_float (node, "extrapolation_value", 0.0f, &params->extrapolation, error)
      || !cs_onnx_attr_int (node, "exclude_outside", 0, 0, 1, &exclude_outside, error)
      || !cs_onnx_attr_int (node, "antialias", 0, 0, 1, &antialias, error)
      || !cs_onnx_attr_ints (node, "axes", CS_MAX_RANK, AXIS_MIN, AXIS_MAX, params->axes,
                             &n_axes, error))
    return FALSE;
  params->mode = (CsResizeMode) mode;
  params->coordinates = (CsResizeCoordinates) coordinate;
  params->rounding = (CsResizeRounding) rounding;
  params->aspect = (CsResizeAspect) aspect;
  params->exclude_outside = exclude_outside != 0;
  params->antialias = antialias != 0;
  params->n_axes = MAX (n_axes, 0);
  return TRUE;
}

static const CsOnnxOp op_table[] = {
  { "Conv",               &cs_op_conv,                2, 3,        1, parse_conv },
  { "MaxPool",            &cs_op_max_pool,            1, 1,        1, parse_max_pool },
  { "AveragePool",        &cs_op_average_pool,        1, 1,        1, parse_average_pool },
  { "GlobalAveragePool",  &cs_op_global_average_pool, 1, 1,        1, parse_global_pool },
  { "GlobalMaxPool",      &cs_op_global_max_pool,     1, 1,        1, parse_global_pool },
  { "ReduceMean",         &cs_op_reduce_mean,         1, 2,        1, parse_reduce_axes_18 },
  { "Gemm",               &cs_op_gemm,                2, 3,        1, parse_gemm },
  { "MatMul",             &cs_op_matmul,              2, 2,        1, parse_matmul },
  { "BatchNormalization", &cs_op_batch_norm,          5, 5,        1, parse_batch_norm },
  { "LRN",                &cs_op_lrn,                 1, 1,        1, parse_lrn },
  { "Softmax",            &cs_op_softmax,             1, 1,        1, parse_softmax },
  { "Flatten",            &cs_op_flatten,             1, 1,        1, parse_flatten },
  { "Reshape",            &cs_op_reshape,             1, 2,        1, parse_reshape },
  { "Squeeze",            &cs_op_squeeze,             1, 2,        1, parse_axes },
  { "Unsqueeze",          &cs_op_unsqueeze,           1, 2,        1, parse_axes },
  { "Transpose",          &cs_op_transpose,           1, 1,        1, parse_transpose },
  { "Concat",             &cs_op_concat,              1, G_MAXINT, 1, parse_concat },
  { "Split",              &cs_op_split,               1, 2,       -1, parse_split },
  { "Slice",              &cs_op_slice,               1, 5,        1, parse_slice },
  { "Pad",                &cs_op_pad,                 1, 4,        1, parse_pad },
  { "Gather",             &cs_op_gather,              2, 2,        1, parse_gather },
  { "Shape",              &cs_op_shape,               1, 1,        1, parse_shape },
  { "Identity",           &cs_op_identity,            1, 1,        1, NULL },
  { "Dropout",            &cs_op_identity,            1, 3,        1, parse_dropout },
  { "Relu",               &cs_op_relu,                1, 1,        1, parse_relu },
  { "Clip",               &cs_op_clip,                1, 3,        1, parse_clip },
  { "LeakyRelu",          &cs_op_leaky_relu,          1, 1,        1, parse_leaky_relu },
  { "Sigmoid",            &cs_op_sigmoid,             1, 1,        1, parse_sigmoid },
  { "HardSigmoid",        &cs_op_hard_sigmoid,        1, 1,        1, parse_hard_sigmoid },
  { "HardSwish",          &cs_op_hard_swish,          1, 1,        1, parse_hard_swish },
  { "Tanh",               &cs_op_tanh,                1, 1,        1, parse_tanh },
  { "Add",                &cs_op_add,                 2, 2,        1, parse_binary },
  { "Sub",                &cs_op_sub,                 2, 2,        1, parse_binary },
  { "Mul",                &cs_op_mul,                 2, 2,        1, parse_binary },
  { "Div",                &cs_op_div,                 2, 2,        1, parse_binary },
  { "ReduceSum",          &cs_op_reduce_sum,          1, 2,        1, parse_reduce_axes_13 },
  { "ReduceMax",          &cs_op_reduce_max,          1, 2,        1, parse_reduce_axes_18 },
  { "ReduceL2",           &cs_op_reduce_l2,           1, 2,        1, parse_reduce_axes_18 },
  { "ArgMax",             &cs_op_arg_max,             1, 1,        1, parse_arg_extreme },
  { "ArgMin",             &cs_op_arg_min,             1, 1,        1, parse_arg_extreme },
  { "LayerNormalization", &cs_op_layer_norm,          2, 3,       -1, parse_layer_norm },
  { "InstanceNormalization", &cs_op_instance_norm,    3, 3,        1, parse_instance_norm },
  { "Elu",                &cs_op_elu,                 1, 1,        1, parse_elu },
  { "Selu",               &cs_op_selu,                1, 1,        1, parse_selu },
  { "Softplus",           &cs_op_softplus,            1, 1,        1, parse_softplus },
  { "Gelu",               &cs_op_gelu,                1, 1,        1, parse_gelu },
  { "Erf",                &cs_op_erf,                 1, 1,        1, NULL },
  { "Sqrt",               &cs_op_sqrt,                1, 1,        1, NULL },
  { "Exp",                &cs_op_exp,                 1, 1,        1, NULL },
  { "Log",                &cs_op_log,                 1, 1,        1, NULL },
  { "Abs",                &cs_op_abs,                 1, 1,        1, NULL },
  { "Neg",                &cs_op_neg,                 1, 1,        1, NULL },
  { "Reciprocal",         &cs_op_reciprocal,          1, 1,        1, NULL },
  { "Pow",                &cs_op_pow,                 2, 2,        1, parse_binary },
  { "PRelu",              &cs_op_prelu,               2, 2,        1, NULL },
  { "Equal",              &cs_op_equal,               2, 2,        1, parse_binary },
  { "Max",                &cs_op_max,                 1, G_MAXINT, 1, NULL },
  { "Min",                &cs_op_min,                 1, G_MAXINT, 1, NULL },
  { "Sum",                &cs_op_sum,                 1, G_MAXINT, 1, NULL },
  { "Mean",               &cs_op_mean,                1, G_MAXINT, 1, NULL },
  { "Expand",             &cs_op_expand,              2, 2,        1, NULL },
  { "ConstantOfShape",    &cs_op_constant_of_shape,   1, 1,        1, parse_constant_of_shape },
  { "Where",              &cs_op_where,               3, 3,        1, NULL },
  { "Cast",               &cs_op_cast,                1, 1,        1, parse_cast },
  { "Size",               &cs_op_size,                1, 1,        1, NULL },
  { "Resize",             &cs_op_resize,              1, 4,        1, parse_resize },
  { "Upsample",           &cs_op_upsample,            1, 2,        1, parse_upsample },
  { "ConvTranspose",      &cs_op_conv_transpose,      2, 3,        1, parse_conv_transpose },
};

const CsOnnxOp *
cs_onnx_op_lookup (const char *op_type)
{
  for (size_t i = 0; i < G_N_ELEMENTS (op_table); i++)
    if (strcmp (op_table[i].op_type, op_type) == 0)
      return &op_table[i];
  return NULL;
}
