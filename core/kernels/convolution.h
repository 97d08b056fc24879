/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * convolution.h — 2-D convolution (NCHW, float32) on a kernel table: a
 * plan holds the weights packed for the micro-kernel and the geometry
 * worked out once; running it stages the padded input block by block and
 * feeds it to the GEMM or depthwise kernels.  The Conv op (ops/conv.c)
 * makes one plan per node at prepare; tests make plans for several tables
 * to compare them.
 */
#ifndef CS_CONVOLUTION_H
#define CS_CONVOLUTION_H

#include "conv-shape.h"
#include "gemm.h"

G_BEGIN_DECLS

typedef struct _CsConvPlan CsConvPlan;

/* Why cs_conv_shape_check refused a shape. */
#define CS_CONV_ERROR (cs_conv_error_quark ())
GQuark cs_conv_error_quark (void);

typedef enum
{
  CS_CONV_ERROR_INVALID,    /* inconsistent */
  CS_CONV_ERROR_TOO_LARGE   /* consistent, but its staged block is too large */
} CsConvError;

/* The output size of a window sliding along one axis:
 * ⌊(in + pad_begin + pad_end − dk) / stride⌋ + 1, dk = dilation·(kernel − 1)
 * + 1, rounded up instead with @ceil_mode (the last window still starting
 * inside the input or its leading padding); 0 when no window fits. */
int64_t     cs_conv_output_size   (int64_t            in,
                                   int                kernel,
                                   int                stride,
                                   int                dilation,
                                   int                pad_begin,
                                   int                pad_end,
                                   gboolean           ceil_mode);
/* Whether @shape is consistent (the output size follows from the rest,
 * channels divide into groups) and small enough to stage; sets @error
 * (CS_CONV_ERROR domain, message without a prefix naming the node)
 * otherwise. */
gboolean    cs_conv_shape_check   (const CsConvShape *shape,
                                   GError           **error);
/* Per-thread scratch a plan for @shape on @kernels needs; @shape must
 * pass cs_conv_shape_check. */
size_t      cs_conv_scratch_bytes (const CsKernels   *kernels,
                                   const CsConvShape *shape);
/* Packs a copy of @weights (out_channels × in_channels/groups × kH × kW)
 * and copies @bias (out_channels floats, may be NULL); @shape must pass
 * cs_conv_shape_check.  Free with cs_conv_plan_free. */
CsConvPlan *cs_conv_plan_new      (const CsKernels   *kernels,
                                   const CsConvShape *shape,
                                   const float       *weights,
                                   const float       *bias);
/* The same, but the plan takes over @weights (g_malloc'd) and packs them
 * where they are: a model's weights are then never copied, and loading
 * touches no fresh memory for them, which costs as much as the packing
 * itself where page faults are slow. */
CsConvPlan *cs_conv_plan_new_taking (const CsKernels   *kernels,
                                     const CsConvShape *shape,
                                     float             *weights,
                                     const float       *bias);
void        cs_conv_plan_free     (CsConvPlan *plan);
/* Copies output channel @m's weights out of the plan's packed form into
 * @weights (in_channels/groups × kH × kW floats, in the order the plan
 * was given them) and returns its bias (0 without one). */
float       cs_conv_plan_channel  (const CsConvPlan *plan,
                                   int64_t           m,
                                   float            *weights);
/* y = act (conv (x) + bias) over @pool (NULL: serially); @scratch holds
 * one buffer of cs_conv_scratch_bytes per thread; @act may be NULL. */
void        cs_conv_plan_run      (const CsConvPlan        *plan,
                                   const float             *x,
                                   float                   *y,
                                   const CsActivation *act,
                                   CsThreadPool            *pool,
                                   void                   **scratch);

/* Whether cs_conv_plan_run_to_bytes runs @plan: a depthwise convolution
 * without a depth multiplier. */
gboolean    cs_conv_plan_writes_bytes (const CsConvPlan *plan);
/* cs_conv_plan_run with y written as the bytes of the grid @act ends on
 * (kernels.h: CsGridToBytes; epilogue.h: cs_activation_folded_grid,
 * which must fit bytes): the values cs_conv_plan_run gives, through
 * floats a few planes at a time.  @scratch holds per thread the larger of
 * cs_conv_scratch_bytes and cs_conv_bytes_scratch_bytes; @plan must pass
 * cs_conv_plan_writes_bytes. */
void        cs_conv_plan_run_to_bytes (const CsConvPlan   *plan,
                                       const float        *x,
                                       uint8_t            *y,
                                       const CsActivation *act,
                                       CsThreadPool       *pool,
                                       void              **scratch);
size_t      cs_conv_bytes_scratch_bytes (const CsKernels   *kernels,
                                         const CsConvShape *shape);

/* How a plan computes (convolution.c): GEMM tiles of output channels by
 * pixels, or transposed ones of pixels by output channels (over the
 * input or an im2col matrix, or over the staged block as GEMM tiles
 * read it), one product of the pixels by the weights through the GEMM
 * driver (a layer with many weights on a small map, or deep with more
 * output channels than pixels), the depthwise
 * kernel on the planes, the depthwise or grouped kernel on blocks of
 * channels interleaved pixel by pixel, the grouped one on such blocks
 * whose inputs it reads as planes, the GEMV kernel for an output of one
 * pixel (dense), Winograd's transform, or a column kernel run as a row
 * kernel on its planes turned (in that kernel's layout, transposed tiles
 * over the staged block as a rule). */
typedef enum
{
  CS_CONV_LAYOUT_GEMM,
  CS_CONV_LAYOUT_TRANSPOSED,
  CS_CONV_LAYOUT_TRANSPOSED_STAGED,
  CS_CONV_LAYOUT_PRODUCT,
  CS_CONV_LAYOUT_TURNED,
  CS_CONV_LAYOUT_DEPTHWISE,
  CS_CONV_LAYOUT_INTERLEAVED,
  CS_CONV_LAYOUT_PLANAR,
  CS_CONV_LAYOUT_DENSE,
  CS_CONV_LAYOUT_WINOGRAD
} CsConvLayout;

/* The layout a plan for @shape on @kernels runs in; for the tests and
 * benchmarks to tell which ran. */
CsConvLayout cs_conv_layout       (const CsKernels   *kernels,
                                   const CsConvShape *shape);

/* Whether cs_conv_plan_run_scaled can run a plan for @shape: all but
 * those that run by Winograd's transform (winograd.h). */
gboolean    cs_conv_scales_input  (const CsConvShape *shape);
/* Per-thread scratch cs_conv_plan_run_scaled needs for @shape; thread 0's
 * holds the scaled weights of every image. */
size_t      cs_conv_scaled_scratch_bytes (const CsKernels   *kernels,
                                          const CsConvShape *shape);
/* cs_conv_plan_run on x with input channel c of image i multiplied by
 * @scale[i·in_channels + c], as a squeeze-excitation scales it: the
 * factors go into a copy of the weights instead, which costs less than
 * scaling x where the weights are fewer than x's floats.  @scratch holds
 * cs_conv_scaled_scratch_bytes per thread; @shape must pass
 * cs_conv_scales_input. */
void        cs_conv_plan_run_scaled (const CsConvPlan   *plan,
                                     const float        *x,
                                     const float        *scale,
                                     float              *y,
                                     const CsActivation *act,
                                     CsThreadPool       *pool,
                                     void              **scratch);

/* The backward pass through the convolution without its bias and
 * activation: dx += convᵀ (dy), the input's share of a gradient @dy
 * of the output, over @pool (NULL: serially); the scratch (the columns
 * of one image and group) is its own. */
void        cs_conv_plan_backward (const CsConvPlan *plan,
                                   const float      *dy,
                                   float            *dx,
                                   CsThreadPool     *pool);

G_END_DECLS

#endif /* CS_CONVOLUTION_H */
