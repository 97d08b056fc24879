/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * depthwise-avx2.c — the AVX2/FMA depthwise-convolution kernel
 * (kernels.h; the loop is depthwise-simd.h's), compiled with -mavx2
 * -mfma and called only after dispatch.c has checked the CPU.  Here are
 * its AVX2 steps: the even and the odd columns of a stride-2 pair of
 * loads, and the gather of other strides.
 */
#include "vec-avx2.h"

/* AVX2's shuffle works within 128-bit halves, so the evens (or the odds)
 * of two vectors come out as low[0,2] high[0,2] low[4,6] high[4,6], and
 * a permute of 64-bit pairs puts them in order. */
CS_VEC_INLINE CsVec
in_order (__m256 halves)
{
  return _mm256_castpd_ps (_mm256_permute4x64_pd (_mm256_castps_pd (halves),
                                                  _MM_SHUFFLE (3, 1, 2, 0)));
}

CS_VEC_INLINE CsVec
even_lanes (CsVec low, CsVec high)
{
  return in_order (_mm256_shuffle_ps (low, high, _MM_SHUFFLE (2, 0, 2, 0)));
}

/* The shuffled order is the natural one here: leaving the permute to the
 * end made MobileNet v3's 5×5/2 layer on 14 → 7 slower, 0.082 → 0.093
 * ms, where on AVX-512 it gains. */
CS_VEC_INLINE CsVec
even_lanes_shuffled (CsVec low, CsVec high)
{
  return even_lanes (low, high);
}

CS_VEC_INLINE CsVec
odd_lanes_shuffled (CsVec low, CsVec high)
{
  return in_order (_mm256_shuffle_ps (low, high, _MM_SHUFFLE (3, 1, 3, 1)));
}

CS_VEC_INLINE CsVec
shuffled_order (CsVec v)
{
  return v;
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

#include "depthwise-simd.h"
