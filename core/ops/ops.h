/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ops.h — the op classes the engine implements and their parameters.
 *
 * Loaders create nodes with these classes and fill the parameter structs
 * (allocated with g_new0, owned by the node).  Parameters that ONNX may
 * pass either as attributes or as constant inputs (axes, pads, split
 * sizes, Clip bounds, Reshape's shape, Slice's ranges) are read by the
 * op's infer function from the constant input when the node has one,
 * else from the struct: loaders only fill what the file states as
 * attributes.  Every op computes in float32; int64 tensors appear only in
 * shape arithmetic, which is folded at load.
 */
#ifndef CS_OPS_H
#define CS_OPS_H

#include "../graph.h"
#include "../kernels/qconvolution.h"

G_BEGIN_DECLS

/* ---- Sliding windows: Conv, MaxPool, AveragePool (window.c) ---- */

typedef enum
{
  CS_AUTO_PAD_NOTSET,  /* explicit pads */
  CS_AUTO_PAD_SAME_UPPER,
  CS_AUTO_PAD_SAME_LOWER,
  CS_AUTO_PAD_VALID
} CsAutoPad;

typedef struct
{
  int       kernel[2];    /* H, W */
  int       stride[2];
  int       dilation[2];
  int       pads[4];      /* top, left, bottom, right; set by resolve */
  CsAutoPad auto_pad;
  gboolean  ceil_mode;
} CsWindow;

/* Fills a zero stride or dilation with 1, resolves auto_pad into pads
 * (SAME: the odd pixel goes at the end for SAME_UPPER, at the start for
 * SAME_LOWER) and computes the output size.  Fails on a window that does
 * not fit or a non-positive output. */
gboolean cs_window_resolve (CsWindow      *window,
                            int64_t        in_h,
                            int64_t        in_w,
                            int64_t       *out_h,
                            int64_t       *out_w,
                            const CsGraph *graph,
                            const CsNode  *node,
                            GError       **error);
/* Fills the window fields and the arithmetic strings of @info.  The
 * strings are allocated and owned by @info's owner (the model). */
void     cs_window_describe (const CsWindow *window,
                             const CsShape  *in_shape,
                             const CsShape  *out_shape,
                             CsLayerInfo    *info);

/* The rows and columns that output rows and columns @out->lo..hi read
 * through @window, from the first tap of the first window to the last
 * tap of the last, padding included; channels are copied. */
void     cs_window_footprint (const CsWindow *window,
                              const CsRegion *out,
                              CsRegion       *in);

typedef struct
{
  CsWindow     window;
  int          groups;
  void        *packed;   /* kernel-private packed weights, set by prepare */
  /* The grids of the input and weights of a convolution an importer read
   * quantized (kernels/qconvolution.h), owned, or NULL.  With them, and
   * the output's grid in the activation, prepare may run it in 8-bit
   * integers: packed is then that plan and is_8_bit TRUE.  Prepare frees
   * them either way, the plan holding the weights. */
  CsConvQuant *quant;
  gboolean     is_8_bit;
} CsConvParams;

/* The weights of output channel @m of the prepared Conv @node as it runs
 * (BatchNormalization folded in), C/groups × kH × kW floats into
 * @weights; returns the channel's bias. */
float    cs_conv_channel_weights (const CsNode *node, int64_t m, float *weights);
/* Whether folding a scale of each input channel (a squeeze-excitation's
 * Mul) into the float Conv @node costs less than the Mul: its plan can
 * take one, and its weights are no more than an image's input floats. */
gboolean cs_conv_scale_pays (const CsGraph *graph, const CsNode *node);
/* Whether the fuse pass gave the Conv @node such a scale (input 3). */
gboolean cs_conv_has_channel_scale (const CsNode *node);
/* inputs: X (N×C×H×W), W (M×C/groups×kH×kW, constant), B (M, optional
 * constant), and from the fuse pass only S (N×C×1×1), X's channel scale */

typedef struct
{
  CsWindow window;
  gboolean count_include_pad;  /* AveragePool */
} CsPoolParams;

/* ConvTranspose's window runs the other way: each input pixel spreads a
 * kernel over the output, s pixels apart, so
 * out = (in − 1)·s − p_begin − p_end + d·(k − 1) + output_padding + 1. */
typedef struct
{
  CsWindow window;
  int      groups;
  int      output_padding[2];  /* H, W */
  int      beyond[2];          /* set by resolve: rows and columns an output_shape
                                * asks for beyond the kernels' reach, zeros */
  int      n_output_shape;     /* 0, or 2 for H, W */
  int64_t  output_shape[2];
  float   *packed;             /* the weights as GEMM panels, set by prepare */
} CsConvTransposeParams;
/* inputs: X (N×C×H×W), W (C×M/groups×kH×kW, constant), B (M, optional constant) */

/* Resolves a transposed window: pads from auto_pad or from an
 * output_shape (an odd total's extra pixel at the end for SAME_UPPER, at
 * the start otherwise, as ONNX specifies; VALID crops at the end only),
 * then the output size.  Fails on a non-positive
 * output or an output_padding not below the stride or dilation. */
gboolean cs_window_resolve_transposed (CsConvTransposeParams *params,
                                       int64_t                in_h,
                                       int64_t                in_w,
                                       int64_t               *out_h,
                                       int64_t               *out_w,
                                       const CsGraph         *graph,
                                       const CsNode          *node,
                                       GError               **error);
/* cs_window_describe for a transposed window. */
void     cs_window_describe_transposed (const CsConvTransposeParams *params,
                                        const CsShape               *in_shape,
                                        const CsShape               *out_shape,
                                        CsLayerInfo                 *info);

/* ---- Dense: Gemm, MatMul (dense.c) ---- */

typedef struct
{
  float alpha, beta;
  int   trans_a, trans_b;
  void *packed;         /* kernel-private, set by prepare when B is constant */
} CsGemmParams;         /* MatMul uses it too, with alpha 1, no C; a
                         * MatMul's input 2, from the fuse pass only, is
                         * a bias (N floats) added to every row */

/* B of a Gemm or MatMul node as loaded (B's shape, row-major), also once
 * prepare has packed it and released the constant: then unpacked into a
 * copy that *@copy holds for the caller to free (else *@copy is NULL).
 * NULL when B is not constant. */
const float *cs_dense_b (const CsGraph *graph, const CsNode *node, float **copy);

/* ---- Normalization ---- */

typedef struct
{
  float epsilon;
} CsBatchNormParams;    /* inputs: X, scale, B, mean, var (constants) */

typedef struct
{
  int   size;
  float alpha, beta, bias;
} CsLrnParams;

typedef struct
{
  int   axis;           /* LayerNormalization: the first normalized axis */
  float epsilon;
} CsNormParams;         /* LayerNormalization: X, Scale, B (optional);
                         * InstanceNormalization: X, scale, B (C each) */

typedef struct
{
  int  axis;
  gboolean legacy_2d;   /* opset < 13: coerce to 2-D at axis */
} CsSoftmaxParams;

/* ---- Reductions ---- */

typedef struct
{
  int      n_axes;      /* 0: all axes (or from input 1) */
  int64_t  axes[CS_MAX_RANK];
  gboolean keepdims;
  gboolean noop_with_empty_axes;
} CsReduceParams;       /* ReduceMean, ReduceMax, ReduceSum, ReduceL2 */

typedef struct
{
  int      axis;
  gboolean keepdims;
  gboolean select_last_index;  /* of equal extremes, the last wins */
} CsArgParams;          /* ArgMax, ArgMin: int64 indices */

/* ---- Shape and data movement ---- */

typedef struct { int axis; } CsAxisParams;    /* Flatten, Concat, Gather */

typedef struct
{
  gboolean allowzero;
} CsReshapeParams;      /* shape comes from input 1 */

typedef struct
{
  int     n_axes;       /* from the attribute; input 1 overrides */
  int64_t axes[CS_MAX_RANK];
} CsSqueezeParams;      /* Squeeze, Unsqueeze: the axes removed or inserted */

typedef struct
{
  int n_perm;           /* 0: reverse the axes */
  int perm[CS_MAX_RANK];
} CsTransposeParams;

typedef struct
{
  int      axis;
  int      n_split;     /* from the attribute; input 1 overrides; 0: equal parts */
  int64_t *split;       /* owned */
} CsSplitParams;

typedef struct
{
  /* Opset < 10 gives these as attributes; later opsets as inputs 1–4. */
  int     n;
  int64_t starts[CS_MAX_RANK];
  int64_t ends[CS_MAX_RANK];
  int64_t axes[CS_MAX_RANK];
  gboolean has_axes;
} CsSliceParams;

typedef enum
{
  CS_PAD_CONSTANT,
  CS_PAD_REFLECT,
  CS_PAD_EDGE
} CsPadMode;

typedef struct
{
  CsPadMode mode;
  int       n_pads;     /* from the attribute; input 1 overrides */
  int64_t   pads[2 * CS_MAX_RANK];
  float     value;      /* input 2 overrides */
} CsPadParams;

/* Whether the prepared Pad @node adds zeros around H and W of an N×C×H×W
 * tensor and nothing else; if so, the pads as top, left, bottom, right. */
gboolean cs_pad_is_spatial_zeros (const CsGraph *graph, const CsNode *node, int pads[4]);

typedef struct
{
  int64_t start, end;   /* Shape's slice of dims; end INT64_MAX = to the end */
} CsShapeParams;

typedef struct
{
  CsDType dtype;        /* of the output: the value's */
  float   float_value;
  int64_t int_value;
} CsFillParams;         /* ConstantOfShape: the shape is input 0 */

typedef struct
{
  CsDType to;
} CsCastParams;
/* ---- Spatial resampling: Resize, Upsample (resize.c) ---- */

typedef enum
{
  CS_RESIZE_NEAREST,
  CS_RESIZE_LINEAR,
  CS_RESIZE_CUBIC
} CsResizeMode;

/* Where output coordinate x falls in the input, ONNX's
 * coordinate_transformation_mode. */
typedef enum
{
  CS_RESIZE_HALF_PIXEL,          /* (x + ½) / scale − ½ */
  CS_RESIZE_HALF_PIXEL_SYMMETRIC,
  CS_RESIZE_PYTORCH_HALF_PIXEL,  /* half_pixel, 0 for a one-sample output */
  CS_RESIZE_ALIGN_CORNERS,       /* x · (in − 1) / (out − 1) */
  CS_RESIZE_ASYMMETRIC,          /* x / scale */
  CS_RESIZE_TF_HALF_PIXEL_FOR_NN,  /* (x + ½) / scale */
  CS_RESIZE_TF_CROP_AND_RESIZE   /* within the roi; outside it, a constant */
} CsResizeCoordinates;

/* How nearest mode rounds a coordinate. */
typedef enum
{
  CS_RESIZE_ROUND_PREFER_FLOOR,
  CS_RESIZE_ROUND_PREFER_CEIL,
  CS_RESIZE_FLOOR,
  CS_RESIZE_CEIL,
  CS_RESIZE_SIMPLE               /* opset < 11: floor, ceil when shrinking */
} CsResizeRounding;

typedef enum
{
  CS_RESIZE_ASPECT_STRETCH,
  CS_RESIZE_ASPECT_NOT_LARGER,
  CS_RESIZE_ASPECT_NOT_SMALLER
} CsResizeAspect;

typedef struct
{
  CsResizeMode        mode;
  CsResizeCoordinates coordinates;
  CsResizeRounding    rounding;
  float               cubic_a;
  gboolean            exclude_outside;
  gboolean            antialias;
  float               extrapolation;
  CsResizeAspect      aspect;      /* with sizes, opset 18 */
  int                 n_axes;      /* 0: every axis */
  int64_t             axes[CS_MAX_RANK];
  int                 n_scales;    /* Upsample-7's attribute; inputs override */
  float               scales[CS_MAX_RANK];
  /* Inputs by role, -1 when the opset has no such input. */
  int                 roi_input, scales_input, sizes_input;
  /* Set by infer for the last two axes (H, W): whether the size came
   * from sizes, the scale the coordinates use and the roi of
   * tf_crop_and_resize. */
  gboolean            sized;
  double              scale[2];
  double              roi_start[2], roi_end[2];
} CsResizeParams;

/* ---- The classes ---- */

/* Activations (activation.c): params are a CsActivation; Clip reads
 * min/max from constant inputs 1 and 2 when present. */
extern const CsOpClass cs_op_relu;
extern const CsOpClass cs_op_clip;
extern const CsOpClass cs_op_leaky_relu;
extern const CsOpClass cs_op_sigmoid;
extern const CsOpClass cs_op_hard_sigmoid;
extern const CsOpClass cs_op_hard_swish;
extern const CsOpClass cs_op_tanh;
extern const CsOpClass cs_op_elu;
extern const CsOpClass cs_op_selu;
extern const CsOpClass cs_op_softplus;
extern const CsOpClass cs_op_gelu;
/* x·σ(x): made by the fuse pass from Sigmoid → Mul, by no importer. */
extern const CsOpClass cs_op_silu;
/* Rounding to a quantized grid; params are a CsGrid (epilogue.h). */
extern const CsOpClass cs_op_fake_quantize;

/* Elementwise math (unary.c), no params. */
extern const CsOpClass cs_op_erf;
extern const CsOpClass cs_op_sqrt;
extern const CsOpClass cs_op_exp;
extern const CsOpClass cs_op_log;
extern const CsOpClass cs_op_abs;
extern const CsOpClass cs_op_neg;
extern const CsOpClass cs_op_reciprocal;

/* Broadcasting arithmetic (binary.c), no params. */
extern const CsOpClass cs_op_add;
extern const CsOpClass cs_op_sub;
extern const CsOpClass cs_op_mul;
extern const CsOpClass cs_op_div;
extern const CsOpClass cs_op_pow;
extern const CsOpClass cs_op_prelu;
extern const CsOpClass cs_op_equal;               /* int64 0 or 1 */
extern const CsOpClass cs_op_max;                 /* one operand or more */
extern const CsOpClass cs_op_min;
extern const CsOpClass cs_op_sum;
extern const CsOpClass cs_op_mean;

extern const CsOpClass cs_op_conv;                 /* conv.c */
extern const CsOpClass cs_op_conv_transpose;       /* conv-transpose.c */
extern const CsOpClass cs_op_max_pool;             /* pool.c */
extern const CsOpClass cs_op_average_pool;
extern const CsOpClass cs_op_global_average_pool;
extern const CsOpClass cs_op_global_max_pool;
extern const CsOpClass cs_op_reduce_mean;          /* reduce.c */
extern const CsOpClass cs_op_reduce_max;
extern const CsOpClass cs_op_reduce_sum;
extern const CsOpClass cs_op_reduce_l2;
extern const CsOpClass cs_op_arg_max;
extern const CsOpClass cs_op_arg_min;
extern const CsOpClass cs_op_gemm;                 /* dense.c */
extern const CsOpClass cs_op_matmul;
extern const CsOpClass cs_op_batch_norm;           /* batchnorm.c */
extern const CsOpClass cs_op_lrn;                  /* lrn.c */
extern const CsOpClass cs_op_softmax;              /* softmax.c */
extern const CsOpClass cs_op_layer_norm;           /* normalize.c */
extern const CsOpClass cs_op_instance_norm;

/* Shape and data movement (one file each or grouped by family). */
extern const CsOpClass cs_op_flatten;
extern const CsOpClass cs_op_reshape;
extern const CsOpClass cs_op_squeeze;
extern const CsOpClass cs_op_unsqueeze;
extern const CsOpClass cs_op_transpose;
extern const CsOpClass cs_op_concat;
extern const CsOpClass cs_op_split;
extern const CsOpClass cs_op_slice;
extern const CsOpClass cs_op_pad;
extern const CsOpClass cs_op_gather;
extern const CsOpClass cs_op_shape;
extern const CsOpClass cs_op_identity;             /* Identity, Dropout */
extern const CsOpClass cs_op_expand;               /* expand.c */
extern const CsOpClass cs_op_constant_of_shape;
extern const CsOpClass cs_op_where;
extern const CsOpClass cs_op_cast;                 /* cast.c */
extern const CsOpClass cs_op_size;                 /* shape-op.c */
extern const CsOpClass cs_op_resize;               /* resize.c */
extern const CsOpClass cs_op_upsample;

G_END_DECLS

#endif /* CS_OPS_H */
