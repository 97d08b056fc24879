/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dot-generic.c — the portable dot-product kernel (kernels.h) for
 * products with few rows and a transposed B: a dense layer on one image.
 * Partial sums in eight lanes let compilers vectorize the strict-order
 * float loop.
 */
#include "kernels.h"

#define LANES 8

void
cs_gemm_dot_generic (CS_GEMM_DOT_PARAMS)
{
  /* Each B row is read once and used for every A row while in cache. */
  for (int j = 0; j < n; j++)
    for (int i = 0; i < m; i++)
      {
        const float *row_a = a + i * lda, *row_b = b + j * ldb;
        float part[LANES] = { 0 }, sum = 0.0f;
        float *out = y + i * ldy + j;
        int64_t p = 0;

        for (; p + LANES <= depth; p += LANES)
          for (int l = 0; l < LANES; l++)
            part[l] += row_a[p + l] * row_b[p + l];
        for (; p < depth; p++)
          sum += row_a[p] * row_b[p];
        for (int l = 0; l < LANES; l++)
          sum += part[l];
        *out = cs_epilogue_scalar (ep, sum, ep->accumulate ? *out : 0.0f);
      }
}
