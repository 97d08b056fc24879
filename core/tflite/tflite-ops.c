/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-ops.c — the op table (tflite-ops.h) and one translator per
 * builtin operator or family of them: each reads the operator's options
 * and inputs, checks what the engine needs of them, and adds the nodes
 * (ops.h) that compute its output, with a fused activation where the
 * file asks for one.
 */
#include "tflite-ops.h"

#include <string.h>

#include "tflite-layout.h"
#include "tflite-tensor.h"

static gboolean
require_rank (CsTfliteImport       *imp,
              const CsTfliteTensor *t,
              int                   rank,
              GError              **error)
{
  if (t->shape.rank != rank)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                            "tensor '%s' has rank %d, expected %d", t->name, t->shape.rank, rank);
  return TRUE;
}

/* Sets the fused activation (ActivationFunctionType) of @node. */
static gboolean
set_fused_activation (CsTfliteImport *imp,
                      CsNode         *node,
                      gint8           function,
                      GError        **error)
{
  static const struct
  {
    CsActivation act;
    const char  *name;
  } functions[] = {
    { { CS_ACT_NONE, 0.0f, 0.0f }, NULL },
    { { CS_ACT_RELU, 0.0f, 0.0f }, "+Relu" },
    { { CS_ACT_CLIP, -1.0f, 1.0f }, "+ReluN1To1" },
    { { CS_ACT_CLIP, 0.0f, 6.0f }, "+Relu6" },
    { { CS_ACT_TANH, 0.0f, 0.0f }, "+Tanh" },
  };

  if (function < 0 || (size_t) function >= G_N_ELEMENTS (functions))
    return cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp,
                            "fused activation %d is not supported", function);
  node->act = functions[function].act;
  if (functions[function].name != NULL)
    g_string_append (node->fused, functions[function].name);
  return TRUE;
}

/* The window of a conv or pool from Padding, strides and dilations. */
static gboolean
make_window (CsTfliteImport *imp,
             CsWindow       *window,
             guint8          padding,
             int             kernel_h,
             int             kernel_w,
             gint32          stride_h,
             gint32          stride_w,
             gint32          dilation_h,
             gint32          dilation_w,
             GError        **error)
{
  if (padding > 1)
    return cs_tflite_error (error, CS_ERROR_FORMAT, imp, "padding %u is neither SAME nor VALID",
                            padding);
  if (stride_h < 1 || stride_w < 1 || dilation_h < 1 || dilation_w < 1)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                            "strides (%d, %d) and dilations (%d, %d) must be positive",
                            (int) stride_h, (int) stride_w, (int) dilation_h, (int) dilation_w);
  if (kernel_h < 1 || kernel_w < 1)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp, "window %d×%d is empty",
                            kernel_h, kernel_w);
  *window = (CsWindow) {
    .kernel = { kernel_h, kernel_w },
    .stride = { stride_h, stride_w },
    .dilation = { dilation_h, dilation_w },
    /* TFLite's SAME puts the odd padding pixel at the bottom and right. */
    .auto_pad = padding == 0 ? CS_AUTO_PAD_SAME_UPPER : CS_AUTO_PAD_VALID,
  };
  return TRUE;
}

/* A bias's quantization when the file leaves it out: TFLite defines it as
 * input scale × weight scale, zero point 0. */
static gboolean
bias_quant (CsTfliteImport       *imp,
            const CsTfliteTensor *input,
            const CsTfliteTensor *weights,
            const CsTfliteTensor *bias,
            CsTfliteTensorQuant  *quant,
            GError              **error)
{
  if (bias->type != CS_TFLITE_INT32 || cs_tflite_tensor_is_quantized (bias))
    return TRUE;
  if (input->quant.n != 1 || weights->quant.n < 1)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                            "INT32 bias '%s' without quantization needs quantized input "
                            "and weights",
                            bias->name);
  quant->n = weights->quant.n;
  quant->dimension = 0;
  quant->scale = g_new (float, quant->n);
  quant->zero_point = g_new0 (int64_t, quant->n);
  for (int i = 0; i < quant->n; i++)
    quant->scale[i] = input->quant.scale[0] * weights->quant.scale[i];
  return TRUE;
}

/* Input @index (2 for a conv or fully connected operator, 3 for
 * TRANSPOSE_CONV) as a 1-D float constant of @n elements into *@value, -1
 * when the operator has no bias. */
static gboolean
bias_value (CsTfliteImport       *imp,
            int                   index,
            const CsTfliteTensor *input,
            const CsTfliteTensor *weights,
            int64_t               n,
            int                  *value,
            GError              **error)
{
  CsTfliteTensorQuant quant = { 0 };
  CsTfliteTensor *bias;
  float *data;
  CsShape shape = { 1, { n } };

  *value = -1;
  if (!cs_tflite_has_input (imp, index))
    return TRUE;
  if ((bias = cs_tflite_input_tensor (imp, index, error)) == NULL)
    return FALSE;
  if (cs_shape_numel (&bias->shape) != n)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp, "bias '%s' has %" G_GINT64_FORMAT
                            " elements, expected %" G_GINT64_FORMAT,
                            bias->name, cs_shape_numel (&bias->shape), n);
  if (!bias_quant (imp, input, weights, bias, &quant, error))
    return FALSE;
  data = cs_tflite_tensor_floats (imp, bias, quant.n > 0 ? &quant : NULL, error);
  cs_tflite_tensor_quant_clear (&quant);
  if (data == NULL)
    return FALSE;
  *value = cs_tflite_constant_value (imp, bias->name, data, &shape);
  return TRUE;
}

/* One little-endian int32 of @t's data (an INT32 tensor's). */
static int32_t
tensor_int32 (const CsTfliteTensor *t, int64_t i)
{
  guint32 bits;

  memcpy (&bits, t->data + 4 * i, 4);
  return (int32_t) GUINT32_FROM_LE (bits);
}

/* The grids of a convolution whose input and weights are 8-bit
 * quantized, its input per tensor, its weights per tensor or per output
 * channel, its bias (if any) INT32 on the scale TFLite requires, for the
 * Conv op to run in integers (kernels/qconvolution.h); NULL for any
 * other, which runs in float.  The weights O×kH×kW×I (a depthwise
 * layer's 1×kH×kW×O, one input channel per output channel) become
 * O×I×kH×kW, as signed bytes. */
static CsConvQuant *
conv_quant (CsTfliteImport       *imp,
            const CsTfliteTensor *input,
            const CsTfliteTensor *weights,
            const CsTfliteTensor *bias,
            gboolean              depthwise)
{
  const CsTfliteTensor *w = weights->alias >= 0 ? &imp->tensors[weights->alias] : weights;
  const int channel_axis = depthwise ? 3 : 0;
  const int64_t out_channels = w->shape.dims[channel_axis];
  const int64_t kh = w->shape.dims[1], kw = w->shape.dims[2];
  const int64_t in_channels = depthwise ? 1 : w->shape.dims[3];
  const int w_shift = w->type == CS_TFLITE_UINT8 ? 128 : 0;
  CsConvQuant *quant;

  if (imp->float_only || (input->type != CS_TFLITE_UINT8 && input->type != CS_TFLITE_INT8)
      || input->quant.n != 1 || !(input->quant.scale[0] > 0.0f)
      || (w->type != CS_TFLITE_UINT8 && w->type != CS_TFLITE_INT8) || w->data == NULL
      || (w->quant.n != 1
          && (w->quant.n != out_channels || w->quant.dimension != channel_axis))
      || (bias != NULL && (bias->type != CS_TFLITE_INT32 || bias->data == NULL)))
    return NULL;
  for (int i = 0; i < w->quant.n; i++)
    if (!(w->quant.scale[i] > 0.0f) || !isfinite (w->quant.scale[i])
        || w->quant.zero_point[i] < (w_shift != 0 ? 0 : -128)
        || w->quant.zero_point[i] > (w_shift != 0 ? 255 : 127))
      return NULL;
  if (input->quant.zero_point[0] < (input->type == CS_TFLITE_UINT8 ? 0 : -128)
      || input->quant.zero_point[0] > (input->type == CS_TFLITE_UINT8 ? 255 : 127))
    return NULL;

  quant = g_new0 (CsConvQuant, 1);
  quant->input_scale = input->quant.scale[0];
  quant->input_zero = (int32_t) input->quant.zero_point[0]
                      + (input->type == CS_TFLITE_INT8 ? 128 : 0);
  quant->depth = in_channels * kh * kw;
  quant->weights = g_new (int8_t, out_channels * quant->depth);
  quant->weight_scale = g_new (float, out_channels);
  quant->weight_zero = g_new (int32_t, out_channels);
  for (int64_t o = 0; o < out_channels; o++)
    {
      const int q = w->quant.n > 1 ? (int) o : 0;

      quant->weight_scale[o] = w->quant.scale[q];
      quant->weight_zero[o] = (int32_t) w->quant.zero_point[q] - w_shift;
      for (int64_t c = 0; c < in_channels; c++)
        for (int64_t y = 0; y < kh; y++)
          for (int64_t x = 0; x < kw; x++)
            {
              const int64_t at = depthwise ? (y * kw + x) * out_channels + o
                                           : ((o * kh + y) * kw + x) * in_channels + c;

              quant->weights[((o * in_channels + c) * kh + y) * kw + x] =
                  (int8_t) ((int) w->data[at] - w_shift);
            }
    }
  if (bias != NULL)
    {
      quant->bias = g_new (int32_t, out_channels);
      for (int64_t o = 0; o < out_channels; o++)
        quant->bias[o] = tensor_int32 (bias, o);
    }
  return quant;
}

static gboolean
translate_conv (CsTfliteImport *imp,
                int             dest,
                gboolean        depthwise,
                GError        **error)
{
  CsFbReader *fb = &imp->fb;
  const CsFbTable *o = &imp->options;
  CsTfliteTensor *input, *weights;
  CsConvParams *params;
  float *w;
  CsShape w_shape;
  int inputs[3], n_inputs = 2;
  /* Depthwise options have depth_multiplier at 3, shifting the rest. */
  int shift = depthwise ? 1 : 0;
  guint8 padding = cs_fb_u8 (fb, o, 0, 0);
  gint32 stride_w = cs_fb_i32 (fb, o, 1, 0), stride_h = cs_fb_i32 (fb, o, 2, 0);
  gint8 activation = cs_fb_i8 (fb, o, 3 + shift, 0);
  gint32 dilation_w = cs_fb_i32 (fb, o, 4 + shift, 1), dilation_h = cs_fb_i32 (fb, o, 5 + shift, 1);
  int64_t channels, out_channels;
  CsNode *node;

  if (!cs_tflite_check_fb (imp, error))
    return FALSE;
  if ((inputs[0] = cs_tflite_input_value (imp, 0, 0, &input, error)) < 0
      || (weights = cs_tflite_input_tensor (imp, 1, error)) == NULL
      || !require_rank (imp, input, 4, error) || !require_rank (imp, weights, 4, error))
    return FALSE;
  channels = input->shape.dims[3];
  out_channels = weights->shape.dims[depthwise ? 3 : 0];
  if (depthwise && (weights->shape.dims[0] != 1 || out_channels % channels != 0))
    return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                            "weights '%s' are not 1×kH×kW×(a multiple of %" G_GINT64_FORMAT ")",
                            weights->name, channels);
  if (!depthwise && weights->shape.dims[3] != channels)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                            "weights '%s' take %" G_GINT64_FORMAT " channels but the input has %"
                            G_GINT64_FORMAT, weights->name, weights->shape.dims[3], channels);

  params = g_new0 (CsConvParams, 1);
  params->groups = depthwise ? (int) channels : 1;
  if (!make_window (imp, &params->window, padding, (int) weights->shape.dims[1],
                    (int) weights->shape.dims[2], stride_h, stride_w, dilation_h, dilation_w,
                    error))
    {
      g_free (params);
      return FALSE;
    }

  /* Conv weights O×kH×kW×I become O×I×kH×kW; depthwise 1×kH×kW×C·m
   * become C·m×1×kH×kW. */
  w = cs_tflite_tensor_floats (imp, weights, NULL, error);
  if (w == NULL)
    {
      g_free (params);
      return FALSE;
    }
  {
    static const int perm_depthwise[4] = { 3, 0, 1, 2 };
    const int *perm = depthwise ? perm_depthwise : cs_tflite_perm_to_nchw;

    w = cs_tflite_permute_floats (w, &weights->shape, perm);
    w_shape = cs_tflite_shape_permuted (&weights->shape, perm);
  }
  inputs[1] = cs_tflite_constant_value (imp, weights->name, w, &w_shape);
  if (!bias_value (imp, 2, input, weights, out_channels, &inputs[2], error))
    {
      g_free (params);
      return FALSE;
    }
  if (inputs[2] >= 0)
    n_inputs = 3;
  params->quant = conv_quant (imp, input, weights,
                              n_inputs == 3 ? cs_tflite_input_tensor (imp, 2, NULL) : NULL,
                              depthwise);
  node = cs_tflite_add_node (imp, &cs_op_conv, NULL, inputs, n_inputs, dest, params);
  return set_fused_activation (imp, node, activation, error);
}

static gboolean
translate_conv_2d (CsTfliteImport *imp,
                   int             dest,
                   GError        **error)
{
  return translate_conv (imp, dest, FALSE, error);
}

static gboolean
translate_depthwise_conv_2d (CsTfliteImport *imp,
                             int             dest,
                             GError        **error)
{
  return translate_conv (imp, dest, TRUE, error);
}

/* TRANSPOSE_CONV: inputs output_shape (NHWC), weights O×kH×kW×I, the
 * input and, from version 3, a bias.  TFLite pads as the convolution
 * from output_shape back to the input would, the odd pixel at the end:
 * ConvTranspose with that output_shape and SAME_UPPER. */
static gboolean
translate_transpose_conv (CsTfliteImport *imp,
                          int             dest,
                          GError        **error)
{
  CsFbReader *fb = &imp->fb;
  const CsFbTable *o = &imp->options;
  guint8 padding = cs_fb_u8 (fb, o, 0, 0);
  gint32 stride_w = cs_fb_i32 (fb, o, 1, 0), stride_h = cs_fb_i32 (fb, o, 2, 0);
  gint8 activation = cs_fb_i8 (fb, o, 3, 0);
  static const int perm[4] = { 3, 0, 1, 2 };
  CsTfliteTensor *shape_tensor, *weights, *input;
  CsConvTransposeParams *params;
  int64_t out_shape[4];
  int inputs[3], n_inputs = 2, n;
  CsShape w_shape;
  float *w;

  if (!cs_tflite_check_fb (imp, error)
      || (shape_tensor = cs_tflite_input_tensor (imp, 0, error)) == NULL
      || !cs_tflite_tensor_ints (imp, shape_tensor, out_shape, 4, &n, error)
      || (weights = cs_tflite_input_tensor (imp, 1, error)) == NULL
      || (inputs[0] = cs_tflite_input_value (imp, 2, 0, &input, error)) < 0
      || !require_rank (imp, input, 4, error) || !require_rank (imp, weights, 4, error))
    return FALSE;
  if (n != 4 || out_shape[0] != input->shape.dims[0] || out_shape[3] != weights->shape.dims[0])
    return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                            "output_shape '%s' is not 4 sizes with %" G_GINT64_FORMAT
                            " images of %" G_GINT64_FORMAT " channels",
                            shape_tensor->name, input->shape.dims[0], weights->shape.dims[0]);
  if (weights->shape.dims[3] != input->shape.dims[3])
    return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                            "weights '%s' take %" G_GINT64_FORMAT " channels but the input has %"
                            G_GINT64_FORMAT, weights->name, weights->shape.dims[3],
                            input->shape.dims[3]);

  params = g_new0 (CsConvTransposeParams, 1);
  params->groups = 1;
  params->n_output_shape = 2;
  params->output_shape[0] = out_shape[1];
  params->output_shape[1] = out_shape[2];
  if (!make_window (imp, &params->window, padding, (int) weights->shape.dims[1],
                    (int) weights->shape.dims[2], stride_h, stride_w, 1, 1, error)
      || (w = cs_tflite_tensor_floats (imp, weights, NULL, error)) == NULL)
    {
      g_free (params);
      return FALSE;
    }
  /* O×kH×kW×I becomes ONNX's I×O×kH×kW. */
  w = cs_tflite_permute_floats (w, &weights->shape, perm);
  w_shape = cs_tflite_shape_permuted (&weights->shape, perm);
  inputs[1] = cs_tflite_constant_value (imp, weights->name, w, &w_shape);
  if (!bias_value (imp, 3, input, weights, weights->shape.dims[0], &inputs[2], error))
    {
      g_free (params);
      return FALSE;
    }
  if (inputs[2] >= 0)
    n_inputs = 3;
  return set_fused_activation (imp, cs_tflite_add_node (imp, &cs_op_conv_transpose, NULL, inputs,
                                                          n_inputs, dest, params),
                               activation, error);
}

/* RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR, input 1 the new height and
 * width, as ONNX's Resize with sizes.  TensorFlow's coordinates are
 * ONNX's asymmetric ones by default, align_corners the same, and
 * half_pixel_centers ONNX's half_pixel for bilinear; nearest rounds
 * ⌊(x + ½)·in/out⌋ (tf_half_pixel_for_nn) and, with align_corners, half
 * up. */
static gboolean
translate_resize (CsTfliteImport *imp,
                  int             dest,
                  CsResizeMode    mode,
                  GError        **error)
{
  /* ResizeBilinearOptions starts with two deprecated sizes. */
  int first = mode == CS_RESIZE_LINEAR ? 2 : 0;
  gboolean align_corners = cs_fb_u8 (&imp->fb, &imp->options, first, 0) != 0;
  gboolean half_pixel = cs_fb_u8 (&imp->fb, &imp->options, first + 1, 0) != 0;
  CsTfliteTensor *input, *size;
  CsResizeParams *params;
  int64_t new_size[2], *sizes;
  CsShape sizes_shape = { 1, { 4 } };
  int inputs[2], n;

  if (!cs_tflite_check_fb (imp, error)
      || (inputs[0] = cs_tflite_input_value (imp, 0, 0, &input, error)) < 0
      || !require_rank (imp, input, 4, error)
      || (size = cs_tflite_input_tensor (imp, 1, error)) == NULL
      || !cs_tflite_tensor_ints (imp, size, new_size, 2, &n, error))
    return FALSE;
  if (n != 2 || new_size[0] < 1 || new_size[1] < 1)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                            "size '%s' is not a positive height and width", size->name);
  if (align_corners && half_pixel)
    return cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp,
                            "align_corners together with half_pixel_centers is not supported");

  params = g_new0 (CsResizeParams, 1);
  params->mode = mode;
  params->roi_input = params->scales_input = -1;
  params->sizes_input = 1;
  params->rounding = align_corners ? CS_RESIZE_ROUND_PREFER_CEIL : CS_RESIZE_FLOOR;
  if (align_corners)
    params->coordinates = CS_RESIZE_ALIGN_CORNERS;
  else if (half_pixel)
    params->coordinates = mode == CS_RESIZE_LINEAR ? CS_RESIZE_HALF_PIXEL
                                                   : CS_RESIZE_TF_HALF_PIXEL_FOR_NN;
  else
    params->coordinates = CS_RESIZE_ASYMMETRIC;
  sizes = g_new (int64_t, 4);
  sizes[0] = input->shape.dims[0];
  sizes[1] = input->shape.dims[3];
  sizes[2] = new_size[0];
  sizes[3] = new_size[1];
  inputs[1] = cs_tflite_add_value (imp, size->name, &sizes_shape, CS_DTYPE_INT64, sizes);
  cs_tflite_add_node (imp, &cs_op_resize, NULL, inputs, 2, dest, params);
  return TRUE;
}

static gboolean
translate_resize_bilinear (CsTfliteImport *imp,
                           int             dest,
                           GError        **error)
{
  return translate_resize (imp, dest, CS_RESIZE_LINEAR, error);
}

static gboolean
translate_resize_nearest_neighbor (CsTfliteImport *imp,
                                   int             dest,
                                   GError        **error)
{
  return translate_resize (imp, dest, CS_RESIZE_NEAREST, error);
}

static gboolean
translate_pool (CsTfliteImport  *imp,
                int              dest,
                const CsOpClass *klass,
                GError         **error)
{
  CsFbReader *fb = &imp->fb;
  const CsFbTable *o = &imp->options;
  guint8 padding = cs_fb_u8 (fb, o, 0, 0);
  gint32 stride_w = cs_fb_i32 (fb, o, 1, 0), stride_h = cs_fb_i32 (fb, o, 2, 0);
  gint32 filter_w = cs_fb_i32 (fb, o, 3, 0), filter_h = cs_fb_i32 (fb, o, 4, 0);
  gint8 activation = cs_fb_i8 (fb, o, 5, 0);
  CsPoolParams *params;
  CsTfliteTensor *input;
  int x;

  if (!cs_tflite_check_fb (imp, error)
      || (x = cs_tflite_input_value (imp, 0, 0, &input, error)) < 0
      || !require_rank (imp, input, 4, error))
    return FALSE;
  params = g_new0 (CsPoolParams, 1);
  /* TFLite averages over the pixels inside the image only. */
  params->count_include_pad = FALSE;
  if (!make_window (imp, &params->window, padding, filter_h, filter_w, stride_h, stride_w,
                    1, 1, error))
    {
      g_free (params);
      return FALSE;
    }
  return set_fused_activation (imp, cs_tflite_add_node (imp, klass, NULL, &x, 1, dest, params),
                               activation, error);
}

static gboolean
translate_average_pool_2d (CsTfliteImport *imp,
                           int             dest,
                           GError        **error)
{
  return translate_pool (imp, dest, &cs_op_average_pool, error);
}

static gboolean
translate_max_pool_2d (CsTfliteImport *imp,
                       int             dest,
                       GError        **error)
{
  return translate_pool (imp, dest, &cs_op_max_pool, error);
}

static gboolean
translate_fully_connected (CsTfliteImport *imp,
                           int             dest,
                           GError        **error)
{
  CsFbReader *fb = &imp->fb;
  gint8 activation = cs_fb_i8 (fb, &imp->options, 0, 0);
  guint8 weights_format = cs_fb_u8 (fb, &imp->options, 1, 0);
  CsTfliteTensor *input, *weights;
  CsGemmParams *params;
  CsShape flat;
  int inputs[3], n_inputs = 2, gemm_out;
  int64_t depth, batch;
  float *w;
  CsNode *node;

  if (!cs_tflite_check_fb (imp, error)
      || (inputs[0] = cs_tflite_input_value (imp, 0, 0, &input, error)) < 0
      || (weights = cs_tflite_input_tensor (imp, 1, error)) == NULL
      || !require_rank (imp, weights, 2, error))
    return FALSE;
  if (weights_format != 0)
    return cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp, "shuffled weights are not supported");
  depth = weights->shape.dims[1];
  if (cs_shape_numel (&input->shape) % depth != 0)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                            "input '%s' cannot be flattened into rows of %" G_GINT64_FORMAT,
                            input->name, depth);
  batch = cs_shape_numel (&input->shape) / depth;
  flat = (CsShape) { 2, { batch, depth } };

  /* TFLite flattens in NHWC order. */
  if (input->shape.rank == 4 && !cs_tflite_layout_is_trivial (&input->shape))
    inputs[0] = cs_tflite_to_nhwc (imp, inputs[0], input);
  if (!cs_shape_equal (&input->shape, &flat))
    inputs[0] = cs_tflite_emit_reshape (imp, "Flatten", inputs[0], &flat, -1);

  if ((w = cs_tflite_tensor_floats (imp, weights, NULL, error)) == NULL)
    return FALSE;
  inputs[1] = cs_tflite_constant_value (imp, weights->name, w, &weights->shape);
  if (!bias_value (imp, 2, input, weights, weights->shape.dims[0], &inputs[2], error))
    return FALSE;
  if (inputs[2] >= 0)
    n_inputs = 3;

  params = g_new0 (CsGemmParams, 1);
  params->alpha = params->beta = 1.0f;
  params->trans_b = 1;
  {
    CsShape gemm_shape = { 2, { batch, weights->shape.dims[0] } };
    gboolean direct = cs_shape_equal (&imp->out->shape, &gemm_shape);

    gemm_out = direct ? dest : cs_tflite_helper_value (imp, "Gemm", &gemm_shape);
    node = cs_tflite_add_node (imp, &cs_op_gemm, NULL, inputs, n_inputs, gemm_out, params);
    if (!set_fused_activation (imp, node, activation, error))
      return FALSE;
    /* keep_num_dims gives the output the input's leading dimensions. */
    if (!direct)
      cs_tflite_emit_from_nhwc (imp, "Reshape", gemm_out, dest);
  }
  return TRUE;
}

static gboolean
translate_binary (CsTfliteImport  *imp,
                  int              dest,
                  const CsOpClass *klass,
                  GError         **error)
{
  gint8 activation = cs_fb_i8 (&imp->fb, &imp->options, 0, 0);
  int rank = imp->out->shape.rank, inputs[2];

  if (!cs_tflite_check_fb (imp, error))
    return FALSE;
  for (int i = 0; i < 2; i++)
    if ((inputs[i] = cs_tflite_input_value (imp, i, rank, NULL, error)) < 0)
      return FALSE;
  return set_fused_activation (imp, cs_tflite_add_node (imp, klass, NULL, inputs, 2, dest, NULL),
                               activation, error);
}

static gboolean
translate_add (CsTfliteImport *imp,
               int             dest,
               GError        **error)
{
  return translate_binary (imp, dest, &cs_op_add, error);
}

static gboolean
translate_sub (CsTfliteImport *imp,
               int             dest,
               GError        **error)
{
  return translate_binary (imp, dest, &cs_op_sub, error);
}

static gboolean
translate_mul (CsTfliteImport *imp,
               int             dest,
               GError        **error)
{
  return translate_binary (imp, dest, &cs_op_mul, error);
}

static gboolean
translate_div (CsTfliteImport *imp,
               int             dest,
               GError        **error)
{
  return translate_binary (imp, dest, &cs_op_div, error);
}

static gboolean
translate_concatenation (CsTfliteImport *imp,
                         int             dest,
                         GError        **error)
{
  gint32 axis = cs_fb_i32 (&imp->fb, &imp->options, 0, 0);
  gint8 activation = cs_fb_i8 (&imp->fb, &imp->options, 1, 0);
  int rank = imp->out->shape.rank, n = (int) imp->op_inputs.length;
  g_autofree int *inputs = NULL;
  CsAxisParams *params;

  if (!cs_tflite_check_fb (imp, error))
    return FALSE;
  if (n < 1)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp, "has no inputs");
  if (axis < -rank || axis >= rank)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp, "axis %d is out of range for rank %d",
                            (int) axis, rank);
  if (axis < 0)
    axis += rank;
  inputs = g_new (int, n);
  for (int i = 0; i < n; i++)
    {
      CsTfliteTensor *t;

      if ((inputs[i] = cs_tflite_input_value (imp, i, 0, &t, error)) < 0
          || !require_rank (imp, t, rank, error))
        return FALSE;
    }
  params = g_new0 (CsAxisParams, 1);
  params->axis = rank == 4 ? cs_tflite_nhwc_axis_in_nchw[axis] : axis;
  return set_fused_activation (imp, cs_tflite_add_node (imp, &cs_op_concat, NULL, inputs, n,
                                                          dest, params),
                               activation, error);
}

/* RESHAPE, SQUEEZE and EXPAND_DIMS: the output tensor's shape says it all. */
static gboolean
translate_reshape (CsTfliteImport *imp,
                   int             dest,
                   GError        **error)
{
  CsTfliteTensor *input;
  int x = cs_tflite_input_value (imp, 0, 0, &input, error);

  if (x < 0)
    return FALSE;
  if (cs_shape_numel (&input->shape) != cs_shape_numel (&imp->out->shape))
    return cs_tflite_error (error, CS_ERROR_INVALID, imp, "cannot reshape %" G_GINT64_FORMAT
                            " elements into %" G_GINT64_FORMAT,
                            cs_shape_numel (&input->shape), cs_shape_numel (&imp->out->shape));
  if (input->shape.rank == 4 && !cs_tflite_layout_is_trivial (&input->shape))
    x = cs_tflite_to_nhwc (imp, x, input);
  cs_tflite_emit_from_nhwc (imp, NULL, x, dest);
  return TRUE;
}

static gboolean
translate_mean (CsTfliteImport *imp,
                int             dest,
                GError        **error)
{
  gboolean keep_dims = cs_fb_u8 (&imp->fb, &imp->options, 0, 0) != 0;
  CsReduceParams *params;
  CsTfliteTensor *input, *axes;
  int x, n_axes, rank;
  guint reduced = 0;
  int64_t axis_list[CS_MAX_RANK];
  gboolean same_order;

  if (!cs_tflite_check_fb (imp, error)
      || (x = cs_tflite_input_value (imp, 0, 0, &input, error)) < 0
      || (axes = cs_tflite_input_tensor (imp, 1, error)) == NULL
      || !cs_tflite_tensor_ints (imp, axes, axis_list, CS_MAX_RANK, &n_axes, error))
    return FALSE;
  rank = input->shape.rank;
  for (int i = 0; i < n_axes; i++)
    {
      int64_t a = axis_list[i] < 0 ? axis_list[i] + rank : axis_list[i];

      if (a < 0 || a >= rank || (reduced & (1u << a)) != 0)
        return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                                "axis %" G_GINT64_FORMAT " is out of range or repeated",
                                axis_list[i]);
      reduced |= 1u << a;
      axis_list[i] = a;
    }

  /* Unless the output stays 4-D, the surviving axes must keep their
   * order in NCHW, which fails only when C survives next to H or W. */
  same_order = keep_dims || n_axes == 0 || (reduced & 8) != 0 || (reduced & 6) == 6;
  if (rank == 4 && same_order)
    for (int i = 0; i < n_axes; i++)
      axis_list[i] = cs_tflite_nhwc_axis_in_nchw[axis_list[i]];
  else if (rank == 4)
    x = cs_tflite_to_nhwc (imp, x, input);

  params = g_new0 (CsReduceParams, 1);
  params->n_axes = n_axes;
  memcpy (params->axes, axis_list, sizeof (int64_t) * n_axes);
  params->keepdims = keep_dims;
  /* TFLite reduces nothing for an empty axis list. */
  params->noop_with_empty_axes = TRUE;
  cs_tflite_add_node (imp, &cs_op_reduce_mean, NULL, &x, 1, dest, params);
  return TRUE;
}

/* The index of the first maximum along one axis, as int64 whatever
 * output_type the file asks for (int32 indices are the same numbers).  An
 * axis other than C of a 4-D tensor leaves the others in NHWC order, so
 * the input goes back to NHWC first. */
static gboolean
translate_arg_max (CsTfliteImport *imp,
                   int             dest,
                   GError        **error)
{
  CsTfliteTensor *input, *axis_tensor;
  CsArgParams *params;
  int64_t axis;
  int x, n;

  if ((x = cs_tflite_input_value (imp, 0, 0, &input, error)) < 0
      || (axis_tensor = cs_tflite_input_tensor (imp, 1, error)) == NULL
      || !cs_tflite_tensor_ints (imp, axis_tensor, &axis, 1, &n, error))
    return FALSE;
  if (n != 1)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp, "has %d axes; ARG_MAX takes one", n);
  if (axis < -input->shape.rank || axis >= input->shape.rank)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                            "axis %" G_GINT64_FORMAT " is outside [%d, %d)", axis,
                            -input->shape.rank, input->shape.rank);
  if (axis < 0)
    axis += input->shape.rank;
  if (input->shape.rank == 4 && axis == 3)
    axis = cs_tflite_nhwc_axis_in_nchw[axis];
  else if (input->shape.rank == 4)
    x = cs_tflite_to_nhwc (imp, x, input);

  params = g_new0 (CsArgParams, 1);
  params->axis = (int) axis;
  cs_tflite_add_node (imp, &cs_op_arg_max, NULL, &x, 1, dest, params);
  return TRUE;
}

static gboolean
translate_pad (CsTfliteImport *imp,
               int             dest,
               GError        **error)
{
  CsTfliteTensor *input, *paddings;
  CsPadParams *params;
  int64_t pads[2 * CS_MAX_RANK];
  int x, n, rank;

  if ((x = cs_tflite_input_value (imp, 0, 0, &input, error)) < 0
      || (paddings = cs_tflite_input_tensor (imp, 1, error)) == NULL
      || !cs_tflite_tensor_ints (imp, paddings, pads, 2 * CS_MAX_RANK, &n, error))
    return FALSE;
  rank = input->shape.rank;
  if (n != 2 * rank)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                            "paddings '%s' has %d values for rank %d", paddings->name, n, rank);
  params = g_new0 (CsPadParams, 1);
  params->mode = CS_PAD_CONSTANT;
  params->n_pads = n;
  for (int i = 0; i < rank; i++)
    {
      /* TFLite pairs (before, after) per axis; ONNX lists all befores,
       * then all afters, in the graph's axis order. */
      int axis = rank == 4 ? cs_tflite_perm_to_nchw[i] : i;

      params->pads[i] = pads[2 * axis];
      params->pads[rank + i] = pads[2 * axis + 1];
      if (params->pads[i] < 0 || params->pads[rank + i] < 0)
        {
          g_free (params);
          return cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp, "negative padding");
        }
    }
  /* PADV2 states the fill value; PAD fills with real zero, which the
   * zero point of a quantized tensor stands for. */
  if (imp->op_code == CS_TFLITE_OP_PADV2 && cs_tflite_has_input (imp, 2))
    {
      CsTfliteTensor *fill = cs_tflite_input_tensor (imp, 2, error);
      float *value = fill != NULL ? cs_tflite_tensor_floats (imp, fill, NULL, error) : NULL;

      if (value == NULL)
        {
          g_free (params);
          return FALSE;
        }
      if (cs_shape_numel (&fill->shape) != 1)
        {
          g_free (value);
          g_free (params);
          return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                                  "the fill value '%s' is not a scalar", fill->name);
        }
      params->value = value[0];
      g_free (value);
    }
  cs_tflite_add_node (imp, &cs_op_pad, NULL, &x, 1, dest, params);
  return TRUE;
}

static gboolean
translate_softmax (CsTfliteImport *imp,
                   int             dest,
                   GError        **error)
{
  float beta = cs_fb_f32 (&imp->fb, &imp->options, 0, 0.0f);
  CsSoftmaxParams *params;
  CsTfliteTensor *input;
  int x;

  if (!cs_tflite_check_fb (imp, error)
      || (x = cs_tflite_input_value (imp, 0, 0, &input, error)) < 0)
    return FALSE;
  if (input->shape.rank < 1)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp, "input '%s' is a scalar", input->name);
  if (beta != 1.0f)
    {
      CsShape scalar = { 0, { 0 } };
      g_autofree char *name = g_strdup_printf ("%s/beta", imp->out->short_name);
      float *value = g_new (float, 1);
      int inputs[2];

      *value = beta;
      inputs[0] = x;
      inputs[1] = cs_tflite_constant_value (imp, name, value, &scalar);
      x = cs_tflite_helper_value (imp, "Beta", &scalar);
      cs_tflite_add_node (imp, &cs_op_mul, "Beta", inputs, 2, x, NULL);
    }
  params = g_new0 (CsSoftmaxParams, 1);
  /* TFLite normalizes over the last axis: channels for an image. */
  params->axis = input->shape.rank == 4 ? 1 : input->shape.rank - 1;
  cs_tflite_add_node (imp, &cs_op_softmax, NULL, &x, 1, dest, params);
  return TRUE;
}

static gboolean
translate_activation (CsTfliteImport *imp,
                      int             dest,
                      GError        **error)
{
  CsActivation *act = g_new0 (CsActivation, 1);
  const CsOpClass *klass;
  int x;

  switch (imp->op_code)
    {
    case CS_TFLITE_OP_RELU:
      klass = &cs_op_relu, act->kind = CS_ACT_RELU;
      break;
    case CS_TFLITE_OP_RELU6:
      klass = &cs_op_clip, *act = (CsActivation) { CS_ACT_CLIP, 0.0f, 6.0f };
      break;
    case CS_TFLITE_OP_RELU_N1_TO_1:
      klass = &cs_op_clip, *act = (CsActivation) { CS_ACT_CLIP, -1.0f, 1.0f };
      break;
    case CS_TFLITE_OP_LOGISTIC:
      klass = &cs_op_sigmoid, act->kind = CS_ACT_SIGMOID;
      break;
    case CS_TFLITE_OP_TANH:
      klass = &cs_op_tanh, act->kind = CS_ACT_TANH;
      break;
    case CS_TFLITE_OP_HARD_SWISH:
      klass = &cs_op_hard_swish, act->kind = CS_ACT_HARD_SWISH;
      break;
    default: /* CS_TFLITE_OP_LEAKY_RELU */
      klass = &cs_op_leaky_relu;
      *act = (CsActivation) { CS_ACT_LEAKY_RELU,
                              cs_fb_f32 (&imp->fb, &imp->options, 0, 0.0f), 0.0f };
      break;
    }
  if (!cs_tflite_check_fb (imp, error) || (x = cs_tflite_input_value (imp, 0, 0, NULL, error)) < 0)
    {
      g_free (act);
      return FALSE;
    }
  cs_tflite_add_node (imp, klass, NULL, &x, 1, dest, act);
  return TRUE;
}

gboolean
cs_tflite_fake_quantize (CsTfliteImport *imp,
                         const char     *role,
                         int             x,
                         int             dest,
                         GError        **error)
{
  CsGrid *params = g_new0 (CsGrid, 1);
  const char *reason = NULL;

  if (!cs_tflite_grid (imp->out->type, &imp->out->quant, params, &reason))
    {
      g_free (params);
      return cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp, "output '%s' (%s): %s",
                              imp->out->name, cs_tflite_type_name (imp->out->type), reason);
    }
  cs_tflite_add_node (imp, &cs_op_fake_quantize, role, &x, 1, dest, params);
  return TRUE;
}

static gboolean
translate_quantize (CsTfliteImport *imp,
                    int             dest,
                    GError        **error)
{
  int x = cs_tflite_input_value (imp, 0, 0, NULL, error);

  return x >= 0 && cs_tflite_fake_quantize (imp, NULL, x, dest, error);
}

/* A DEQUANTIZE of an activation; those of constants are resolved at load
 * (translate_operator in tflite-loader.c).  In a float engine it changes
 * nothing. */
static gboolean
translate_dequantize (CsTfliteImport *imp,
                      int             dest,
                      GError        **error)
{
  int x = cs_tflite_input_value (imp, 0, 0, NULL, error);

  if (x < 0)
    return FALSE;
  cs_tflite_add_node (imp, &cs_op_identity, NULL, &x, 1, dest, NULL);
  return TRUE;
}

static const CsTfliteOp ops[] = {
  { CS_TFLITE_OP_ADD, CS_TFLITE_OPTIONS_ADD, FALSE, translate_add },
  { CS_TFLITE_OP_AVERAGE_POOL_2D, CS_TFLITE_OPTIONS_POOL_2D, FALSE, translate_average_pool_2d },
  { CS_TFLITE_OP_CONCATENATION, CS_TFLITE_OPTIONS_CONCATENATION, TRUE, translate_concatenation },
  { CS_TFLITE_OP_CONV_2D, CS_TFLITE_OPTIONS_CONV_2D, FALSE, translate_conv_2d },
  { CS_TFLITE_OP_DEPTHWISE_CONV_2D, CS_TFLITE_OPTIONS_DEPTHWISE_CONV_2D, FALSE,
    translate_depthwise_conv_2d },
  { CS_TFLITE_OP_DEQUANTIZE, CS_TFLITE_OPTIONS_NONE, FALSE, translate_dequantize },
  { CS_TFLITE_OP_FULLY_CONNECTED, CS_TFLITE_OPTIONS_FULLY_CONNECTED, FALSE,
    translate_fully_connected },
  { CS_TFLITE_OP_LOGISTIC, CS_TFLITE_OPTIONS_NONE, FALSE, translate_activation },
  { CS_TFLITE_OP_MAX_POOL_2D, CS_TFLITE_OPTIONS_POOL_2D, TRUE, translate_max_pool_2d },
  { CS_TFLITE_OP_MUL, CS_TFLITE_OPTIONS_MUL, FALSE, translate_mul },
  { CS_TFLITE_OP_RELU, CS_TFLITE_OPTIONS_NONE, FALSE, translate_activation },
  { CS_TFLITE_OP_RELU_N1_TO_1, CS_TFLITE_OPTIONS_NONE, FALSE, translate_activation },
  { CS_TFLITE_OP_RELU6, CS_TFLITE_OPTIONS_NONE, FALSE, translate_activation },
  { CS_TFLITE_OP_RESHAPE, CS_TFLITE_OPTIONS_NONE, TRUE, translate_reshape },
  { CS_TFLITE_OP_SOFTMAX, CS_TFLITE_OPTIONS_SOFTMAX, FALSE, translate_softmax },
  { CS_TFLITE_OP_TANH, CS_TFLITE_OPTIONS_NONE, FALSE, translate_activation },
  { CS_TFLITE_OP_PAD, CS_TFLITE_OPTIONS_NONE, TRUE, translate_pad },
  { CS_TFLITE_OP_MEAN, CS_TFLITE_OPTIONS_REDUCER, FALSE, translate_mean },
  { CS_TFLITE_OP_SUB, CS_TFLITE_OPTIONS_SUB, FALSE, translate_sub },
  { CS_TFLITE_OP_DIV, CS_TFLITE_OPTIONS_DIV, FALSE, translate_div },
  { CS_TFLITE_OP_SQUEEZE, CS_TFLITE_OPTIONS_NONE, TRUE, translate_reshape },
  { CS_TFLITE_OP_PADV2, CS_TFLITE_OPTIONS_NONE, TRUE, translate_pad },
  { CS_TFLITE_OP_EXPAND_DIMS, CS_TFLITE_OPTIONS_NONE, TRUE, translate_reshape },
  { CS_TFLITE_OP_LEAKY_RELU, CS_TFLITE_OPTIONS_LEAKY_RELU, FALSE, translate_activation },
  { CS_TFLITE_OP_QUANTIZE, CS_TFLITE_OPTIONS_NONE, FALSE, translate_quantize },
  { CS_TFLITE_OP_HARD_SWISH, CS_TFLITE_OPTIONS_NONE, FALSE, translate_activation },
  { CS_TFLITE_OP_ARG_MAX, CS_TFLITE_OPTIONS_ARG_MAX, FALSE, translate_arg_max },
  { CS_TFLITE_OP_RESIZE_BILINEAR, CS_TFLITE_OPTIONS_RESIZE_BILINEAR, FALSE,
    translate_resize_bilinear },
  { CS_TFLITE_OP_RESIZE_NEAREST_NEIGHBOR, CS_TFLITE_OPTIONS_RESIZE_NEAREST_NEIGHBOR, TRUE,
    translate_resize_nearest_neighbor },
  { CS_TFLITE_OP_TRANSPOSE_CONV, CS_TFLITE_OPTIONS_TRANSPOSE_CONV, FALSE,
    translate_transpose_conv },
};

const CsTfliteOp *
cs_tflite_op_lookup (int code)
{
  for (size_t i = 0; i < G_N_ELEMENTS (ops); i++)
    if (ops[i].code == code)
      return &ops[i];
  return NULL;
}
