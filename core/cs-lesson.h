/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-lesson.h — the numbers a first lecture on CNNs shows on the user's
 * own model: which input pixels one output pixel sees (receptive.c), how
 * a convolution computes one output pixel from its patch, kernel, bias
 * and activation (probe.c), and the network's structure: what a dense
 * layer would cost in its place, where the feature extractor ends and
 * the classifier begins, and how often the map has halved (structure.c);
 * and the input moved by a few pixels, to compare the runs (shift.c).
 *
 * Ownership: a CsConvProbe from cs_conv_probe_new is the caller's and goes
 * with cs_conv_probe_free, the kernels of cs_model_conv_kernels with
 * cs_conv_kernels_free; the rest returns plain values.
 */
#ifndef CS_LESSON_H
#define CS_LESSON_H

#include "cs-engine.h"

G_BEGIN_DECLS

/* ---- Receptive field ---- */

/* The input pixels one output pixel of a layer depends on, over every
 * path from the model's first input (through all branches of an
 * Inception, ResNet or DenseNet block), as an inclusive box in the
 * input's rows and columns.  Inside the image the box is exact: its
 * edges are the outermost pixels whose change can change the output.
 * Where it meets the image border it goes on into the zero padding, as
 * far as the stacked windows reach (so rows and columns may be negative
 * or past the image).  Windows (convolutions of every kind, pooling in
 * ceil mode too, Pad), elementwise ops with broadcasting, Concat, Split
 * and LRN are followed exactly, channels included (an Inception output
 * channel sees through its own branch only); an op that moves values
 * around otherwise (Reshape, Flatten, Transpose, Slice, Gemm) counts as
 * reading all of its input, and a global pooling all of its channel. */
typedef struct
{
  int64_t  y0, x0, y1, x1;
  /* The part inside the image: the exact box of the pixels the value
   * depends on; FALSE (and the four zero) when it sees padding only. */
  gboolean in_image;
  int64_t  image_y0, image_x0, image_y1, image_x1;
} CsReceptiveBox;

/* The receptive field of channel @channel at row @y, column @x of layer
 * @layer's output (1×C×H×W) in the model's first input (1×C×H×W).
 * FALSE with CS_ERROR_ARGUMENT for a layer that is no feature map or a
 * position outside it. */
gboolean cs_model_receptive_box (const CsModel  *model,
                                 size_t          layer,
                                 int64_t         channel,
                                 int64_t         y,
                                 int64_t         x,
                                 CsReceptiveBox *box,
                                 GError        **error);

/* ---- The convolution at one pixel ---- */

/* What convolution layer @layer computes at one output pixel, from the
 * input it was run on.  Arrays hold n_channels × kernel_h × kernel_w
 * floats: input channel first_channel + i's kernel_h × kernel_w patch
 * (0 where it lies in the padding, which padding marks with 1), kernel
 * and products. */
typedef struct
{
  int64_t     channel, y, x;      /* the output pixel */
  int64_t     first_channel;      /* the input channels of its group */
  int64_t     n_channels;
  int         kernel_h, kernel_w;
  int64_t     patch_y0, patch_x0; /* input position of the patch's first
                                   * tap; dilation apart, may be negative */
  int         dilation[2];
  float      *patch;
  guint8     *padding;
  float      *weights;
  float      *products;
  /* sum of products (in double), + bias = pre_activation, through the
   * fused activation = value, which equals the layer's tapped output up
   * to the rounding of the summation order (and of the re-quantization a
   * quantized TFLite model applies after it, which value leaves out). */
  double      sum;
  float       bias;
  float       pre_activation;
  float       value;
  /* The fused activation as an ONNX op ("Relu", "Clip", …), NULL for
   * none, with its attributes: Clip's min and max, LeakyRelu's slope,
   * HardSigmoid's alpha and beta. */
  const char *activation;
  float       activation_alpha, activation_beta;
  /* TRUE when BatchNormalization was folded into the weights and bias,
   * which are then the folded ones, as the layer runs. */
  gboolean    folded_batchnorm;
} CsConvProbe;

/* Where layer @layer's first input comes from: the index of the layer
 * whose tap holds it, CS_LAYER_SOURCE_INPUT when it is the model's first
 * input, CS_LAYER_SOURCE_NONE when no tap holds it (a Split's second
 * output, another model input). */
#define CS_LAYER_SOURCE_INPUT (-1)
#define CS_LAYER_SOURCE_NONE  (-2)
int          cs_model_layer_source (const CsModel *model,
                                    size_t         layer);
/* The convolution of layer @layer (a Conv) at channel @channel, row @y,
 * column @x, computed from @input, the tensor that layer read in a run
 * (the tap of cs_model_layer_source, or the model's input).  NULL with
 * CS_ERROR_ARGUMENT for a layer that is not a convolution, an input of
 * the wrong shape or a position outside the output; with
 * CS_ERROR_UNSUPPORTED for one whose input channels a squeeze-excitation
 * scales first (folded into it at load), which that input cannot show. */
CsConvProbe *cs_conv_probe_new     (const CsModel  *model,
                                    size_t          layer,
                                    const CsTensor *input,
                                    int64_t         channel,
                                    int64_t         y,
                                    int64_t         x,
                                    GError        **error);
void         cs_conv_probe_free    (CsConvProbe *probe);

/* ---- Learned kernels ---- */

/* The weights of convolution layer @layer as it runs them (with a
 * BatchNormalization folded in, the folded ones), laid out as maps: a
 * 1×(M·G)×kH×kW float tensor named after the layer, whose channel o·G + i
 * is output channel o's kernel over input channel i of its group (M
 * output channels, G = C / groups input channels per group), so that the
 * feature-map pictures and exports take it as it is.  NULL with
 * CS_ERROR_ARGUMENT for a layer that is not a convolution.  The caller
 * frees it with cs_conv_kernels_free. */
CsTensor *cs_model_conv_kernels (const CsModel *model,
                                 size_t         layer,
                                 GError       **error);
void      cs_conv_kernels_free  (CsTensor      *kernels);

/* ---- Structure ---- */

/* Weights of a fully connected layer from @in_values to @out_values
 * (no biases); −1 when the product passes int64. */
int64_t cs_dense_weights          (int64_t in_values,
                                   int64_t out_values);
/* The weights of a dense layer doing layer @layer's job: from its
 * input's values to its output's, per image (batch excluded). */
int64_t cs_model_layer_dense_weights (const CsModel *model,
                                      size_t         layer);
/* The weights of a fully connected first layer of @units units on the
 * model's first input (per image): 224×224×3 into 1,024 units is
 * 154,140,672. */
int64_t cs_model_input_dense_weights (const CsModel *model,
                                      int64_t        units);
/* The first layer of the classifier: the first whose output is no longer
 * a map (a Flatten, a Reshape, a Gemm) or is a global pooling's 1×1;
 * the layers before it extract features.  −1 when every layer keeps a
 * map (a segmentation network, say). */
int     cs_model_classifier_start (const CsModel *model);
/* How many times the map has halved by layer @layer's output, against
 * the model's input: the rounded log₂ of the input's area over the
 * output's, halved (224 → 112 once, 224 → 55 twice); −1 for a layer
 * whose output is no map (or a single pixel). */
int     cs_model_layer_halvings   (const CsModel *model,
                                   size_t         layer);

/* ---- Invariance ---- */

/* Fills @shifted with @input, a prepared image tensor (1×C×H×W float),
 * moved @dy rows down and @dx columns right (negative: up, left); the
 * rows and columns uncovered repeat the nearest edge pixel (shift.c).
 * @shifted is the caller's, of @input's shape and not @input itself
 * (cs_classifier_input_new makes one).  FALSE with CS_ERROR_ARGUMENT
 * when the two are not float image tensors of one shape. */
gboolean cs_input_shift (const CsTensor *input,
                         int             dy,
                         int             dx,
                         CsTensor       *shifted,
                         GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsConvProbe, cs_conv_probe_free)

G_END_DECLS

#endif /* CS_LESSON_H */
