/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * col2im.h — adds columns of kernel taps back onto the planes they belong
 * to: the step after the GEMM of a transposed convolution, and of a
 * convolution's input gradient, which is the same computation.
 */
#ifndef CS_KERNELS_COL2IM_H
#define CS_KERNELS_COL2IM_H

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* A grid of grid_h × grid_w positions, each the corner of a kernel window
 * in a plane_h × plane_w plane: position (y, x) with tap (ky, kx) lands
 * on plane pixel (y·stride[0] − pad_top + ky·dilation[0],
 * x·stride[1] − pad_left + kx·dilation[1]); pixels outside the plane are
 * padding and take nothing. */
typedef struct
{
  int64_t grid_h, grid_w;
  int64_t plane_h, plane_w;
  int     kernel[2], stride[2], dilation[2];
  int64_t pad_top, pad_left;
} CsCol2ImShape;

/* For each of @n_planes planes (plane_h × plane_w floats each, packed in
 * @planes, owned by the caller) and each of its kernel taps t, adds row
 * (plane · taps + t) of @columns onto the plane.  The rows hold the grid
 * rows [@row0, @row0 + @rows), so a caller can stage a few grid rows at a
 * time: each row of @columns is @rows · grid_w floats. */
void cs_col2im_add (const CsCol2ImShape *shape,
                    const float         *columns,
                    int64_t              row0,
                    int64_t              rows,
                    int64_t              n_planes,
                    float               *planes);

G_END_DECLS

#endif /* CS_KERNELS_COL2IM_H */
