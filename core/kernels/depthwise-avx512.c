/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * depthwise-avx512.c — the AVX-512 depthwise-convolution kernel
 * (kernels.h; the loop is depthwise-simd.h's), compiled with -mavx512f
 * and called only after dispatch.c has checked the CPU.  Here are its
 * AVX-512 steps: the even and the odd columns of a stride-2 pair of
 * loads in a shuffled order and the permute that orders a vector of
 * them, and the gather of other strides.
 */
#include "vec-avx512.h"

/* The evens and the odds of two vectors in an order of their own
 * (within each 128-bit lane: two of @low's, then two of @high's), by an
 * in-lane shuffle, which costs less than a permute across the vector;
 * shuffled_order puts a vector of them back in order. */
CS_VEC_INLINE CsVec
even_lanes_shuffled (CsVec low, CsVec high)
{
  return _mm512_shuffle_ps (low, high, _MM_SHUFFLE (2, 0, 2, 0));
}

CS_VEC_INLINE CsVec
odd_lanes_shuffled (CsVec low, CsVec high)
{
  return _mm512_shuffle_ps (low, high, _MM_SHUFFLE (3, 1, 3, 1));
}

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
