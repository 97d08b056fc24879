/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * depthwise-avx2.c — the AVX2/FMA depthwise-convolution kernel
 * (kernels.h; the loop is depthwise-simd.h's), compiled with -mavx2
 * -mfma and called only after dispatch.c has checked the CPU.  Here are
 * its AVX2 steps: the even and the odd columns of a stride-2 pair of
 * loads in a shuffled order and the permute that orders a vector of
 * them, and the gather of other strides.
 */
#include "vec-avx2.h"

/* The evens and the odds of two vectors in an order of their own
 * (within each 128-bit half: two of @low's, then two of @high's), by an
 * in-lane shuffle; shuffled_order puts a vector of them back in order,
 * one permute an output row instead of one a tap (MobileNet v2's 3×3/2
 * layer from 112×112, warm: 0.30 → 0.28 ms before its rows were read
 * two at a time). */
CS_VEC_INLINE CsVec
even_lanes_shuffled (CsVec low, CsVec high)
{
  return _mm256_shuffle_ps (low, high, _MM_SHUFFLE (2, 0, 2, 0));
}

CS_VEC_INLINE CsVec
odd_lanes_shuffled (CsVec low, CsVec high)
{
  return _mm256_shuffle_ps (low, high, _MM_SHUFFLE (3, 1, 3, 1));
}

CS_VEC_INLINE CsVec
shuffled_order (CsVec v)
{
  return vec_halves_in_order (v);
}

CS_VEC_INLINE CsVec
gather_taps (const float *row, int64_t first, int stride, CsLaneMask lanes)
{
  __m256i index = _mm256_add_epi32 (_mm256_set1_epi32 ((int) first),
                                    _mm256_mullo_epi32 (_mm256_set1_epi32 (stride),
                                                        _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7)));

  return _mm256_mask_i32gather_ps (_mm256_setzero_ps (), row, index,
                                   _mm256_castsi256_ps (lanes), 4);
}

/* On Zen 3, one thread, the copy for whole blocks took MobileNet v2's
 * 3×3 layers on 56×56 and 112×112 from 0.32 to 0.25 ms and 0.34 to
 * 0.25, the masks' branches gone from every load. */
#define INTERIOR_BLOCKS TRUE

#include "depthwise-simd.h"
