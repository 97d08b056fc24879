/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemv-generic.c — the portable kernel for products of a few rows with
 * B packed in panels (kernels.h: CsGemv): a dense layer on a few images.
 * A panel's columns are summed side by side, which compilers vectorize
 * without reordering any sum.
 */
#include "kernels.h"

void
cs_gemv_generic (CS_GEMV_PARAMS)
{
  for (int j = 0; j < n; j += CS_GENERIC_NR)
    {
      const int    w = MIN (CS_GENERIC_NR, n - j);
      const float *panel = b + (int64_t) j * depth;

      for (int i = 0; i < m; i++)
        {
          const float *row = a + i * lda;
          float       *out = y + i * ldy + j;
          float        sum[CS_GENERIC_NR] = { 0 };

          for (int64_t p = 0; p < depth; p++)
            for (int c = 0; c < w; c++)
              sum[c] += row[p] * panel[p * w + c];
          for (int c = 0; c < w; c++)
            out[c] = cs_epilogue_scalar (ep, sum[c], ep->accumulate ? out[c] : 0.0f);
        }
    }
}
