/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * im2col.c — the columns of a convolution's input, one per output pixel
 * and one row per kernel tap of each input channel (im2col.h), for the
 * drivers that multiply them as they stand: the 8-bit one, and the float
 * one on small maps.
 */
#include "im2col.h"

#include "kernels.h"

void
cs_im2col_columns (const CsConvShape *s, const float *x, int64_t j0, int64_t n, float *cols,
                   int64_t stride)
{
  const CsDepthwiseGeometry g = {
    s->in_h, s->in_w, s->out_w, { s->kernel[0], s->kernel[1] },
    { s->stride[0], s->stride[1] }, { s->dilation[0], s->dilation[1] },
    s->pads[0], s->pads[1],
  };
  const int64_t taps = (int64_t) s->kernel[0] * s->kernel[1];
  const int64_t sw = s->stride[1];

  /* Output row by output row, and tap by tap, the channels innermost:
   * where a tap falls depends on the row and the tap, not the channel. */
  for (int64_t j = 0; j < n;)
    {
      const int64_t oh = (j0 + j) / s->out_w, ow0 = (j0 + j) % s->out_w;
      const int64_t end = ow0 + MIN (s->out_w - ow0, n - j);

      for (int kh = 0; kh < s->kernel[0]; kh++)
        {
          const int64_t ih = oh * s->stride[0] - s->pads[0] + (int64_t) kh * s->dilation[0];
          const gboolean inside = ih >= 0 && ih < s->in_h;

          for (int kw = 0; kw < s->kernel[1]; kw++)
            {
              const int64_t offset = (int64_t) kw * s->dilation[1] - s->pads[1];
              int64_t lo = 0, hi = 0;

              if (inside)
                cs_depthwise_columns (&g, kw, &lo, &hi);
              lo = CLAMP (lo, ow0, end);
              hi = CLAMP (hi, lo, end);
              for (int64_t c = 0; c < s->in_channels; c++)
                {
                  float *row = cols + (c * taps + (int64_t) kh * s->kernel[1] + kw) * stride + j
                               - ow0;
                  const float *in = x + (c * s->in_h + ih) * s->in_w + offset;
                  int64_t ow = ow0;

                  for (; ow < lo; ow++)
                    row[ow] = 0.0f;
                  /* Strides 1 and 2 as constants, for the compiler to
                   * copy them in vectors. */
                  if (sw == 1)
                    for (; ow < hi; ow++)
                      row[ow] = in[ow];
                  else if (sw == 2)
                    for (; ow < hi; ow++)
                      row[ow] = in[ow * 2];
                  else
                    for (; ow < hi; ow++)
                      row[ow] = in[ow * sw];
                  for (; ow < end; ow++)
                    row[ow] = 0.0f;
                }
            }
        }
      j += end - ow0;
    }
}
