/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * epilogue-avx2.h — the CsEpilogue (kernels.h) on a ymm of sums, and the
 * lane masks of partial vectors, shared by the AVX2 kernels; include only
 * from files built with -mavx2 -mfma.  The epilogue's numbers are copied
 * into registers once per kernel call: read through the pointer, the
 * compiler would reload them after every store, which might alias them.
 */
#ifndef CS_EPILOGUE_AVX2_H
#define CS_EPILOGUE_AVX2_H

#include "kernels.h"

#include <immintrin.h>

typedef struct
{
  __m256   alpha, slope, lo, hi;
  gboolean leaky, clamp;
} CsEpilogueAvx2;

static inline __attribute__ ((always_inline)) CsEpilogueAvx2
cs_epilogue_avx2_load (const CsEpilogue *ep)
{
  return (CsEpilogueAvx2) { _mm256_set1_ps (ep->alpha), _mm256_set1_ps (ep->slope),
                            _mm256_set1_ps (ep->lo), _mm256_set1_ps (ep->hi),
                            ep->leaky, ep->clamp };
}

/* alpha · sums + start, then the activation. */
static inline __attribute__ ((always_inline)) __m256
cs_epilogue_avx2 (__m256 sums, __m256 start, CsEpilogueAvx2 ep)
{
  __m256 v = _mm256_fmadd_ps (sums, ep.alpha, start);

  if (ep.leaky)
    v = _mm256_blendv_ps (v, _mm256_mul_ps (v, ep.slope),
                          _mm256_cmp_ps (v, _mm256_setzero_ps (), _CMP_LT_OQ));
  /* max/min return their second operand for a NaN, so NaN propagates. */
  if (ep.clamp)
    v = _mm256_min_ps (ep.hi, _mm256_max_ps (ep.lo, v));
  return v;
}

/* All-ones in the lanes of 0..7 that are below @n − @first. */
static inline __m256i
cs_lane_mask_avx2 (int64_t n, int first)
{
  return _mm256_cmpgt_epi32 (_mm256_set1_epi32 ((int) CLAMP (n - first, 0, 8)),
                             _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));
}

#endif /* CS_EPILOGUE_AVX2_H */
