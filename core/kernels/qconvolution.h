/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qconvolution.h — 2-D convolution of one group, or depthwise, (NCHW) in
 * 8-bit integers, exactly as TFLite runs a quantized CONV_2D or
 * DEPTHWISE_CONV_2D: the input rounded to its
 * grid, sums of byte products in int32, and the requantization of
 * kernels.h: CsRequant onto the output's grid.  It reads and writes
 * floats, the values the grids' steps stand for, so that it takes the
 * place of a float convolution followed by the rounding of a FakeQuantize
 * and every tap and consumer stays as it was; or, where the session holds
 * a value between two layers as bytes, reads or writes those.  The Conv op (ops/conv.c) makes a plan at prepare when the
 * importer gave it the grids; every kernel table has 8-bit kernels, so
 * a quantized model gives the same bytes on every CPU.
 */
#ifndef CS_QCONVOLUTION_H
#define CS_QCONVOLUTION_H

#include "convolution.h"

G_BEGIN_DECLS

/* The grids of a convolution's input and weights.  Bytes are taken as
 * unsigned for the input and signed for the weights, as VNNI multiplies
 * them: int8 inputs and uint8 weights come shifted by 128, their zero
 * points with them. */
typedef struct
{
  float    input_scale;
  int32_t  input_zero;     /* of the unsigned input bytes */
  int64_t  depth;          /* weights per output channel: in_channels × kH × kW */
  int8_t  *weights;        /* out_channels × depth */
  float   *weight_scale;   /* per output channel */
  int32_t *weight_zero;    /* per output channel, of the signed bytes */
  int32_t *bias;           /* per output channel, in input × weight scale; may be NULL */
} CsConvQuant;

void         cs_conv_quant_free        (CsConvQuant *quant);

typedef struct _CsQConvPlan CsQConvPlan;

/* Per-thread scratch a plan for @shape on @kernels needs. */
size_t       cs_qconv_scratch_bytes    (const CsKernels   *kernels,
                                        const CsConvShape *shape);
/* A plan for @shape (groups 1, or one input and one output channel a
 * group) from @quant (copied) whose output is
 * rounded to @out with the clamp of a preceding ReLU or Clip already in
 * its low and high (epilogue.h: cs_activation_folded_grid); NULL with a
 * reason in *@reason (static) when TFLite's arithmetic cannot express
 * it: a requantization multiplier of 1 or more (2¹⁵ or more, or sums
 * beyond the depthwise kernels', for a depthwise one), an offset beyond
 * int32, a depth of 2¹⁶ or more, other groups, a depthwise kernel of
 * more than CS_QDEPTHWISE_MAX_TAPS taps.  Free with
 * cs_qconv_plan_free. */
CsQConvPlan *cs_qconv_plan_new         (const CsKernels   *kernels,
                                        const CsConvShape *shape,
                                        const CsConvQuant *quant,
                                        const CsGrid      *out,
                                        const char       **reason);
void         cs_qconv_plan_free        (CsQConvPlan *plan);
/* y = the convolution of x, on the output grid, over @pool (NULL:
 * serially); @scratch holds one buffer of cs_qconv_scratch_bytes per
 * thread.  @x holds floats, or the bytes of @x_bytes when that is not
 * NULL (cs_qconv_plan_reads_bytes must allow it); @y gets floats, or
 * with @y_bytes the bytes of the output grid (kernels.h: CsGridToBytes;
 * cs_grid_fits_bytes must allow it).  Bytes or floats, the result
 * stands for the same values. */
void         cs_qconv_plan_run         (const CsQConvPlan *plan,
                                        const void        *x,
                                        const CsGrid      *x_bytes,
                                        void              *y,
                                        gboolean           y_bytes,
                                        CsThreadPool      *pool,
                                        void             **scratch);
/* Whether the plan reads an input held as bytes on @grid to the result
 * it gives for their floats: a 1 × 1 convolution without stride or
 * padding, or a depthwise one, whose input scale is @grid's, every byte
 * within the input's unsigned bytes after its zero point. */
gboolean     cs_qconv_plan_reads_bytes (const CsQConvPlan *plan,
                                        const CsGrid      *grid);
/* The grid of the plan's output. */
const CsGrid *cs_qconv_plan_grid       (const CsQConvPlan *plan);
/* Output channel @m's weights as the floats their grid stands for,
 * (w − zero)·scale in double rounded once, into @weights (in_channels ×
 * kH × kW, in the order the plan was given them); returns its bias on
 * the input × weight scale (0 without one).  The plan keeps only the
 * bytes: this is for what needs floats (a gradient, a lesson's probe). */
float        cs_qconv_plan_channel     (const CsQConvPlan *plan,
                                        int64_t            m,
                                        float             *weights);

G_END_DECLS

#endif /* CS_QCONVOLUTION_H */
