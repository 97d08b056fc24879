/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * conv-shape.h — the geometry of a 2-D convolution (NCHW), which the
 * convolution drivers share: the direct one (convolution.h), the 8-bit
 * one (qconvolution.h) and Winograd's (winograd.h), which the direct one
 * hands its 3×3 layers to.
 */
#ifndef CS_CONV_SHAPE_H
#define CS_CONV_SHAPE_H

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct
{
  int64_t batch, in_channels, in_h, in_w;
  int64_t out_channels, out_h, out_w;
  int     kernel[2];     /* H, W */
  int     stride[2];
  int     dilation[2];
  int     pads[4];       /* top, left, bottom, right */
  int     groups;
} CsConvShape;

G_END_DECLS

#endif /* CS_CONV_SHAPE_H */
