/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemm-generic.c — the portable GEMM micro-kernel (kernels.h): plain C
 * over a fixed-size accumulator tile that compilers vectorize for
 * whatever the baseline instruction set is.  It is also the reference the
 * SIMD kernels are tested against.
 */
#include "kernels.h"

/* The epilogue of one row of sums (kernels.h: CsEpilogue); shared with
 * the portable depthwise kernel and the Winograd driver.  It computes
 * what cs_epilogue_scalar does, step by step over the row, in loops
 * without branches, which compilers vectorize. */
void
cs_epilogue_row_generic (const float *sums, float *out, int n, float start_value,
                         const CsEpilogue *ep)
{
  const float alpha = ep->alpha, slope = ep->slope, lo = ep->lo, hi = ep->hi;

  if (ep->accumulate)
    for (int j = 0; j < n; j++)
      out[j] = alpha * sums[j] + out[j];
  else
    for (int j = 0; j < n; j++)
      out[j] = alpha * sums[j] + start_value;
  if (ep->leaky)
    for (int j = 0; j < n; j++)
      out[j] = out[j] < 0.0f ? out[j] * slope : out[j];
  if (ep->clamp)
    for (int j = 0; j < n; j++)
      {
        const float v = out[j] < lo ? lo : out[j];

        out[j] = v > hi ? hi : v;
      }
}

void
cs_gemm_micro_generic (CS_GEMM_MICRO_PARAMS)
{
  float acc[CS_GENERIC_MR][CS_GENERIC_NR] = { { 0 } };

  if (n > CS_GENERIC_NR)
    {
      /* A row of tiles (kernels.h). */
      for (int j0 = 0; j0 < n; j0 += CS_GENERIC_NR)
        {
          const CsPrefetch along = prefetch != NULL ? cs_prefetch_along (prefetch, j0)
                                                    : (CsPrefetch) { NULL, 0 };

          cs_gemm_micro_generic (depth, a, a_stride, a_koff, b + j0, koff, ldb, c + j0, ldc, m,
                                 MIN (CS_GENERIC_NR, n - j0), bias, ep, NULL,
                                 prefetch != NULL ? &along : NULL);
        }
      return;
    }

  for (int64_t p = 0; p < depth; p++)
    {
      const float *row = b + (koff != NULL ? koff[p] : p * ldb);

      if (prefetch != NULL)
        __builtin_prefetch ((const char *) prefetch->next + p * prefetch->step, 0, 2);

      for (int i = 0; i < m; i++)
        {
          float ai = a[(a_koff != NULL ? a_koff[p] : p * a_stride) + i];

          for (int j = 0; j < n; j++)
            acc[i][j] += ai * row[j];
        }
    }
  for (int i = 0; i < m; i++)
    {
      float start_value = bias != NULL ? bias[i] : 0.0f;

      if (wrap == NULL)
        cs_epilogue_row_generic (acc[i], c + i * ldc, n, start_value, ep);
      else
        /* The r-th output row's columns [lo, hi) of the tile. */
        for (int64_t r = 0, lo = -wrap->first; lo < n; r++, lo += wrap->period)
          {
            int64_t from = MAX (lo, 0), hi = MIN (lo + wrap->width, n);

            if (hi > from)
              cs_epilogue_row_generic (acc[i] + from,
                                       c + i * ldc + (from - r * (wrap->period - wrap->width)),
                                       (int) (hi - from), start_value, ep);
          }
    }
}
