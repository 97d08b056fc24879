/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * im2col.h — the im2col matrix of a convolution's input: row p = (c, kh,
 * kw) of the matrix holds, for each output pixel, the input value tap
 * (kh, kw) of channel c reads there, 0 in the padding.
 */
#ifndef CS_KERNELS_IM2COL_H
#define CS_KERNELS_IM2COL_H

#include "conv-shape.h"

G_BEGIN_DECLS

/* Columns [j0, j0 + n) (output pixels counted along rows) of the im2col
 * matrix of the one image at @x, shaped by @s, into @cols: depth rows of
 * @stride floats, column j0 + j at j.  A run of columns on one output
 * row reads one input row per tap, through the columns its tap falls
 * inside (kernels.h: cs_depthwise_columns), without a test per value.
 * Only @s's input channels are read, so a caller can take a range of
 * them by passing a shape with fewer and @x and @cols moved on. */
void cs_im2col_columns (const CsConvShape *s,
                        const float       *x,
                        int64_t            j0,
                        int64_t            n,
                        float             *cols,
                        int64_t            stride);

G_END_DECLS

#endif /* CS_KERNELS_IM2COL_H */
