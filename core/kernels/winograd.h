/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * winograd.h — 3×3 convolutions with stride 1 by Winograd's minimal
 * filtering F(4×4, 3×3) (Lavin and Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2016): each 4×4 block of output pixels
 * comes from a 6×6 block of input through 36 products per channel pair
 * instead of 144, the products being 36 GEMMs on the micro-kernel of
 * the table.  The convolution driver (convolution.h) runs a plan of this
 * kind where cs_winograd_suits says it pays.  The transforms round
 * differently from a direct sum: within 1e-5 of the sum of the terms'
 * magnitudes on the tests' layers, as the direct kernels are.
 */
#ifndef CS_WINOGRAD_H
#define CS_WINOGRAD_H

#include "conv-shape.h"
#include "gemm.h"

G_BEGIN_DECLS

typedef struct _CsWinogradPlan CsWinogradPlan;

/* Whether @shape (which must pass convolution.h: cs_conv_shape_check)
 * is a 3×3 convolution with stride and dilation 1, one group or groups
 * wide enough (winograd.c: groups_pay), and enough channels (16 to 8192
 * in all, 16 a group) and pixels (8 rows and columns, more than four
 * 4×4 tiles: not 8×8) for the transforms to pay, padded by at
 * most one pixel on each side: a pixel whose window lies mostly in a
 * wider padding sums few terms, and the transforms' rounding, which
 * scales with the whole 6×6 patch, would no longer be small beside
 * them. */
gboolean cs_winograd_suits (const CsConvShape *shape);
/* Per-thread scratch a plan for @shape on @kernels needs. */
size_t cs_winograd_scratch_bytes (const CsKernels *kernels, const CsConvShape *shape);
/* Transforms @weights (out_channels × in_channels/groups × 3 × 3, not
 * kept) and copies @bias (may be NULL) for a @shape that
 * cs_winograd_suits.  Free with cs_winograd_plan_free. */
CsWinogradPlan *cs_winograd_plan_new (const CsKernels   *kernels,
                                      const CsConvShape *shape,
                                      const float       *weights,
                                      const float       *bias);
void            cs_winograd_plan_free (CsWinogradPlan *plan);
/* y = act (conv (x) + bias) over @pool (NULL: serially); @scratch holds
 * one buffer of cs_winograd_scratch_bytes per thread; @act may be NULL. */
void cs_winograd_plan_run (const CsWinogradPlan *plan,
                           const float          *x,
                           float                *y,
                           const CsActivation   *act,
                           CsThreadPool         *pool,
                           void                **scratch);

G_END_DECLS

#endif /* CS_WINOGRAD_H */
