/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * probe.c — one output pixel of a convolution worked out in the open:
 * the input patch of each channel of its group, the kernel as the layer
 * runs it (BatchNormalization folded in), their products and sum, the
 * bias and the fused activation, from the very input a run tapped, so
 * that the result is the value in the feature map; and a layer's learned
 * kernels, the same weights, laid out as maps for pictures.
 */
#include "cs-lesson.h"
#include "model.h"
#include "ops/ops.h"

#include <string.h>

/* The fused activation's ONNX name and attributes (SiLU, which ONNX
 * writes as Sigmoid → Mul, by PyTorch's name). */
static void
describe_activation (const CsActivation *act, CsConvProbe *probe)
{
  static const char *const names[] = {
    [CS_ACT_NONE] = NULL,
    [CS_ACT_RELU] = "Relu",
    [CS_ACT_CLIP] = "Clip",
    [CS_ACT_LEAKY_RELU] = "LeakyRelu",
    [CS_ACT_SIGMOID] = "Sigmoid",
    [CS_ACT_HARD_SIGMOID] = "HardSigmoid",
    [CS_ACT_HARD_SWISH] = "HardSwish",
    [CS_ACT_TANH] = "Tanh",
    [CS_ACT_SILU] = "SiLU",
  };

  probe->activation = (size_t) act->kind < G_N_ELEMENTS (names) ? names[act->kind] : NULL;
  probe->activation_alpha = act->alpha;
  probe->activation_beta = act->beta;
}

int
cs_model_layer_source (const CsModel *model, size_t layer)
{
  const CsGraph *graph = model->graph;
  const CsNode *node;
  int producer;

  if (layer >= model->layers->len)
    return CS_LAYER_SOURCE_NONE;
  node = cs_graph_node (graph, g_array_index (model->layer_nodes, int, layer));
  if (node->n_inputs < 1 || node->inputs[0] < 0)
    return CS_LAYER_SOURCE_NONE;
  if (graph->inputs->len > 0 && node->inputs[0] == g_array_index (graph->inputs, int, 0))
    return CS_LAYER_SOURCE_INPUT;
  producer = cs_node_input (graph, node, 0)->producer;
  if (producer < 0 || cs_graph_node (graph, producer)->outputs[0] != node->inputs[0])
    return CS_LAYER_SOURCE_NONE;
  for (guint i = 0; i < model->layer_nodes->len; i++)
    if (g_array_index (model->layer_nodes, int, i) == producer)
      return (int) i;
  return CS_LAYER_SOURCE_NONE;
}

/* Fills the patch, padding mask and products of @probe, and their sum. */
static void
multiply (const CsShape *in_shape, const float *input, CsConvProbe *probe)
{
  const int64_t taps = (int64_t) probe->kernel_h * probe->kernel_w;

  probe->sum = 0.0;
  for (int64_t c = 0; c < probe->n_channels; c++)
    for (int ky = 0; ky < probe->kernel_h; ky++)
      for (int kx = 0; kx < probe->kernel_w; kx++)
        {
          const int64_t  at = c * taps + ky * probe->kernel_w + kx;
          const int64_t  iy = probe->patch_y0 + (int64_t) ky * probe->dilation[0];
          const int64_t  ix = probe->patch_x0 + (int64_t) kx * probe->dilation[1];
          const gboolean inside =
              iy >= 0 && iy < in_shape->dims[2] && ix >= 0 && ix < in_shape->dims[3];

          probe->padding[at] = !inside;
          probe->patch[at] =
              inside
                  ? input[((probe->first_channel + c) * in_shape->dims[2] + iy) * in_shape->dims[3]
                          + ix]
                  : 0.0f;
          probe->products[at] = probe->patch[at] * probe->weights[at];
          probe->sum += (double) probe->products[at];
        }
}

/* The node of convolution layer @layer, or NULL with @error set. */
static const CsNode *
conv_node (const CsModel *model, size_t layer, GError **error)
{
  const CsLayerInfo *info = cs_model_layer (model, layer);
  const CsNode      *node;

  if (info == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "%s: there is no layer %zu", model->name,
                   layer);
      return NULL;
    }
  node = cs_graph_node (model->graph, g_array_index (model->layer_nodes, int, layer));
  if (node->klass != &cs_op_conv)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "%s: layer %s is a %s, not a Conv",
                   model->name, info->name, node->klass->name);
      return NULL;
    }
  return node;
}

CsTensor *
cs_model_conv_kernels (const CsModel *model, size_t layer, GError **error)
{
  const CsNode       *node = conv_node (model, layer, error);
  const CsConvParams *params;
  int64_t             outputs, per_group;
  CsTensor           *kernels;

  if (node == NULL)
    return NULL;
  params = node->params;
  outputs = cs_node_output (model->graph, node, 0)->shape.dims[1];
  per_group = cs_node_input (model->graph, node, 0)->shape.dims[1] / params->groups;
  kernels = g_new0 (CsTensor, 1);
  kernels->name = g_strdup (cs_model_layer (model, layer)->name);
  kernels->dtype = CS_DTYPE_FLOAT32;
  kernels->shape = (CsShape) { 4, { 1, outputs * per_group, params->window.kernel[0],
                                    params->window.kernel[1] } };
  /* The layer's weights are in memory already: this is no larger. */
  kernels->data = g_new (float, cs_shape_numel (&kernels->shape));
  for (int64_t m = 0; m < outputs; m++)
    cs_conv_channel_weights (node, m, (float *) kernels->data
                                        + m * per_group * params->window.kernel[0]
                                            * params->window.kernel[1]);
  return kernels;
}

void
cs_conv_kernels_free (CsTensor *kernels)
{
  if (kernels == NULL)
    return;
  g_free (kernels->name);
  g_free (kernels->data);
  g_free (kernels);
}

CsConvProbe *
cs_conv_probe_new (const CsModel  *model,
                   size_t          layer,
                   const CsTensor *input,
                   int64_t         channel,
                   int64_t         y,
                   int64_t         x,
                   GError        **error)
{
  const CsGraph      *graph = model->graph;
  const CsLayerInfo  *info = cs_model_layer (model, layer);
  const CsNode       *node = conv_node (model, layer, error);
  const CsConvParams *params;
  const CsShape      *in_shape, *out_shape;
  CsConvProbe        *probe;
  int64_t             n;

  if (node == NULL)
    return NULL;
  if (cs_conv_has_channel_scale (node))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: layer %s scales its input's channels by a squeeze-excitation's"
                   " factors first, which its input alone does not give",
                   model->name, info->name);
      return NULL;
    }
  params = node->params;
  in_shape = &cs_node_input (graph, node, 0)->shape;
  out_shape = &cs_node_output (graph, node, 0)->shape;
  if (input == NULL || input->dtype != CS_DTYPE_FLOAT32 || input->data == NULL
      || !cs_shape_equal (&input->shape, in_shape))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: layer %s needs its float32 input of the shape it ran on", model->name,
                   info->name);
      return NULL;
    }
  if (channel < 0 || channel >= out_shape->dims[1] || y < 0 || y >= out_shape->dims[2] || x < 0
      || x >= out_shape->dims[3])
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: channel %" G_GINT64_FORMAT " at %" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                   " is outside layer %s's %" G_GINT64_FORMAT " channels of %" G_GINT64_FORMAT
                   "×%" G_GINT64_FORMAT,
                   model->name, channel, y, x, info->name, out_shape->dims[1], out_shape->dims[2],
                   out_shape->dims[3]);
      return NULL;
    }

  probe = g_new0 (CsConvProbe, 1);
  probe->channel = channel;
  probe->y = y;
  probe->x = x;
  probe->n_channels = in_shape->dims[1] / params->groups;
  probe->first_channel = channel / (out_shape->dims[1] / params->groups) * probe->n_channels;
  probe->kernel_h = params->window.kernel[0];
  probe->kernel_w = params->window.kernel[1];
  probe->dilation[0] = params->window.dilation[0];
  probe->dilation[1] = params->window.dilation[1];
  probe->patch_y0 = y * params->window.stride[0] - params->window.pads[0];
  probe->patch_x0 = x * params->window.stride[1] - params->window.pads[1];
  n = probe->n_channels * probe->kernel_h * probe->kernel_w;
  probe->patch = g_new (float, n);
  probe->padding = g_new (guint8, n);
  probe->weights = g_new (float, n);
  probe->products = g_new (float, n);
  probe->bias = cs_conv_channel_weights (node, channel, probe->weights);
  multiply (in_shape, input->data, probe);
  probe->pre_activation = (float) (probe->sum + probe->bias);
  {
    /* Without the re-quantization, as cs-lesson.h says. */
    const CsActivation act = { node->act.kind, node->act.alpha, node->act.beta };

    probe->value = cs_activation_scalar (&act, probe->pre_activation);
  }
  describe_activation (&node->act, probe);
  probe->folded_batchnorm = strstr (node->fused->str, "+BatchNormalization") != NULL;
  return probe;
}

void
cs_conv_probe_free (CsConvProbe *probe)
{
  if (probe == NULL)
    return;
  g_free (probe->patch);
  g_free (probe->padding);
  g_free (probe->weights);
  g_free (probe->products);
  g_free (probe);
}
