/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * depthwise-avx2.c — the AVX2/FMA depthwise-convolution kernel
 * (kernels.h; the loop is depthwise-simd.h's), compiled with -mavx2
 * -mfma and called only after dispatch.c has checked the CPU.  Here are
 * its AVX2 steps: the permute that puts a vector of a stride-2 pair's
 * shuffled even or odd columns in order, and the gather of other
 * strides.
 */
#include "vec-avx2.h"

/* depthwise-simd.h's even_lanes_shuffled order put right. */
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
