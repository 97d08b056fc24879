/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qdepthwise-generic.c — the portable 8-bit depthwise kernel
 * (kernels.h: CsQDepthwise), one output pixel at a time: the reference
 * the vector ones must match to the bit.
 */
#include "kernels.h"

void
cs_qdepthwise_generic (CS_QDEPTHWISE_PARAMS)
{
  const int taps = g->kernel[0] * g->kernel[1];

  for (int64_t c = 0; c < channels; c++)
    for (int64_t oh = 0; oh < g->out_h; oh++)
      for (int64_t ow = 0; ow < g->out_w; ow++)
        {
          const uint8_t *window = x + c * x_stride + oh * g->stride[0] * g->row
                                  + ow * g->stride[1];
          int32_t sum = rq->offset[c];

          for (int kh = 0; kh < g->kernel[0]; kh++)
            for (int kw = 0; kw < g->kernel[1]; kw++)
              sum += w[c * taps + kh * g->kernel[1] + kw]
                     * window[(int64_t) kh * g->dilation[0] * g->row
                              + (int64_t) kw * g->dilation[1]];
          cs_requant_store_scalar (rq, (int) c, sum, y, c * y_stride + oh * g->out_w + ow);
        }
}
