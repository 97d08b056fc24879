/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * depthwise-generic.c — the portable depthwise-convolution kernel
 * (kernels.h): for every tap, the output columns it reaches inside the
 * plane are worked out once, so the inner loop is a plain scaled add that
 * compilers vectorize.
 */
#include "kernels.h"

/* Sums are kept in a short block so they stay in L1. */
#define BLOCK 256

void
cs_depthwise_generic (CS_DEPTHWISE_PARAMS)
{
  const int taps = g->kernel[0] * g->kernel[1];
  CsEpilogue plain = *ep;
  float sums[BLOCK];

  plain.alpha = 1.0f;
  plain.accumulate = FALSE;
  for (int64_t c = 0; c < channels; c++)
    for (int64_t oh = oh0; oh < oh1; oh++)
      for (int64_t ow0 = 0; ow0 < g->out_w; ow0 += BLOCK)
        {
          int n = (int) MIN (BLOCK, g->out_w - ow0);

          for (int j = 0; j < n; j++)
            sums[j] = 0.0f;
          for (int kh = 0; kh < g->kernel[0]; kh++)
            {
              int64_t ih = oh * g->stride[0] - g->pad_top + (int64_t) kh * g->dilation[0];
              const float *row;

              if (ih < 0 || ih >= g->in_h)
                continue;
              row = x + c * x_stride + ih * g->in_w;
              for (int kw = 0; kw < g->kernel[1]; kw++)
                {
                  int64_t offset = (int64_t) kw * g->dilation[1] - g->pad_left;
                  float wt = w[c * taps + kh * g->kernel[1] + kw];
                  int64_t lo, hi;

                  cs_depthwise_columns (g, kw, &lo, &hi);
                  lo = MAX (lo, ow0);
                  hi = MIN (hi, ow0 + n);
                  for (int64_t ow = lo; ow < hi; ow++)
                    sums[ow - ow0] += wt * row[ow * g->stride[1] + offset];
                }
            }
          cs_epilogue_row_generic (sums, y + c * y_stride + oh * g->out_w + ow0, n,
                                   bias != NULL ? bias[c] : 0.0f, &plain);
        }
}
