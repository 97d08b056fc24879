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
  for (int64_t oh = 0; oh < g->out_h; oh++)
    for (int64_t ow = 0; ow < g->out_w; ow++)
      {
        const uint8_t *window = x + oh * g->stride[0] * g->row + ow * g->stride[1];
        int32_t sum = rq->offset[0];

        for (int kh = 0; kh < g->kernel[0]; kh++)
          for (int kw = 0; kw < g->kernel[1]; kw++)
            sum += w[kh * g->kernel[1] + kw]
                   * window[(int64_t) kh * g->dilation[0] * g->row + (int64_t) kw * g->dilation[1]];
        cs_requant_store_scalar (rq, 0, sum, y, oh * g->out_w + ow);
      }
}
