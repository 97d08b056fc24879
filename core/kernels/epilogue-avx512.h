/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * epilogue-avx512.h — the CsEpilogue (kernels.h) on a zmm of sums, shared
 * by the AVX-512 kernels; include only from files built with -mavx512f.
 * The epilogue's numbers are copied into registers once per kernel call:
 * read through the pointer, the compiler would reload them after every
 * store, which might alias them.
 */
#ifndef CS_EPILOGUE_AVX512_H
#define CS_EPILOGUE_AVX512_H

#include "kernels.h"

#include <immintrin.h>

typedef struct
{
  __m512   alpha, slope, lo, hi;
  gboolean leaky, clamp;
} CsEpilogueAvx512;

static inline __attribute__ ((always_inline)) CsEpilogueAvx512
cs_epilogue_avx512_load (const CsEpilogue *ep)
{
  return (CsEpilogueAvx512) { _mm512_set1_ps (ep->alpha), _mm512_set1_ps (ep->slope),
                              _mm512_set1_ps (ep->lo), _mm512_set1_ps (ep->hi),
                              ep->leaky, ep->clamp };
}

/* alpha · sums + start, then the activation. */
static inline __attribute__ ((always_inline)) __m512
cs_epilogue_avx512 (__m512 sums, __m512 start, CsEpilogueAvx512 ep)
{
  __m512 v = _mm512_fmadd_ps (sums, ep.alpha, start);

  if (ep.leaky)
    v = _mm512_mask_mul_ps (v, _mm512_cmp_ps_mask (v, _mm512_setzero_ps (), _CMP_LT_OQ),
                            v, ep.slope);
  /* max/min return their second operand for a NaN, so NaN propagates. */
  if (ep.clamp)
    v = _mm512_min_ps (ep.hi, _mm512_max_ps (ep.lo, v));
  return v;
}

#endif /* CS_EPILOGUE_AVX512_H */
