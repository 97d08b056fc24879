/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * depthwise-avx512.c — the AVX-512 depthwise-convolution kernel
 * (kernels.h; the loop is depthwise-simd.h's), compiled with -mavx512f
 * and called only after dispatch.c has checked the CPU.  Here are its
 * AVX-512 steps: the permute that puts a vector of a stride-2 pair's
 * shuffled even or odd columns in order, and the gather of other
 * strides.
 */
#include "vec-avx512.h"

/* depthwise-simd.h's even_lanes_shuffled order put right. */
CS_VEC_INLINE CsVec
shuffled_order (CsVec v)
{
  const __m512i order = _mm512_setr_epi32 (0, 1, 4, 5, 8, 9, 12, 13,
                                           2, 3, 6, 7, 10, 11, 14, 15);

  return _mm512_permutexvar_ps (order, v);
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

/* Not measured with AVX-512 (on AVX2 a second copy of the loop made
 * the blocks left with masks 10 % slower, which here are most blocks of
 * maps 14 and 28 wide), so one loop. */
#define INTERIOR_BLOCKS FALSE

#include "depthwise-simd.h"
