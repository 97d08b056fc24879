/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * depthwise-avx512.c — the AVX-512 depthwise-convolution kernel
 * (kernels.h; the loop is depthwise-simd.h's), compiled with -mavx512f
 * and called only after dispatch.c has checked the CPU.  Here are its
 * AVX-512 steps: the even and the odd columns of a stride-2 pair of
 * loads, and the gather of other strides.
 */
#include "vec-avx512.h"

/* One two-source permute picks the evens of both vectors in order. */
CS_VEC_INLINE CsVec
even_lanes (CsVec low, CsVec high)
{
  const __m512i even = _mm512_setr_epi32 (0, 2, 4, 6, 8, 10, 12, 14,
                                          16, 18, 20, 22, 24, 26, 28, 30);

  return _mm512_permutex2var_ps (low, even, high);
}

CS_VEC_INLINE CsVec
odd_lanes (CsVec low, CsVec high)
{
  const __m512i odd = _mm512_setr_epi32 (1, 3, 5, 7, 9, 11, 13, 15,
                                         17, 19, 21, 23, 25, 27, 29, 31);

  return _mm512_permutex2var_ps (low, odd, high);
}

CS_VEC_INLINE CsVec
gather_taps (const float *row, int64_t first, int stride, CsLaneMask lanes)
{
  __m512i index = _mm512_add_epi32 (_mm512_set1_epi32 ((int) first),
                                    _mm512_mullo_epi32 (_mm512_set1_epi32 (stride),
                                                        _mm512_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7,
                                                                           8, 9, 10, 11, 12, 13, 14, 15)));

  return _mm512_mask_i32gather_ps (_mm512_setzero_ps (), lanes, index, row, 4);
}

#include "depthwise-simd.h"
