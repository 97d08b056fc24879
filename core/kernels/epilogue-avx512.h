/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * epilogue-avx512.h — the CsEpilogue (kernels.h) on a zmm of sums, shared
 * by the AVX-512 kernels; include only from files built with -mavx512f.
 */
#ifndef CS_EPILOGUE_AVX512_H
#define CS_EPILOGUE_AVX512_H

#include "kernels.h"

#include <immintrin.h>

/* alpha · sums + start, then the activation. */
static inline __attribute__ ((always_inline)) __m512
cs_epilogue_avx512 (__m512 sums, __m512 start, const CsEpilogue *ep)
{
  __m512 v = _mm512_fmadd_ps (sums, _mm512_set1_ps (ep->alpha), start);

  if (ep->leaky)
    v = _mm512_mask_mul_ps (v, _mm512_cmp_ps_mask (v, _mm512_setzero_ps (), _CMP_LT_OQ),
                            v, _mm512_set1_ps (ep->slope));
  /* max/min return their second operand for a NaN, so NaN propagates. */
  if (ep->clamp)
    v = _mm512_min_ps (_mm512_set1_ps (ep->hi), _mm512_max_ps (_mm512_set1_ps (ep->lo), v));
  return v;
}

#endif /* CS_EPILOGUE_AVX512_H */
