/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vec-avx2.h — the vector vocabulary of the AVX2/FMA kernels: eight
 * floats in a ymm, lane masks as vectors, and the loads and stores of
 * partial vectors.  The code the SIMD kernels share (vec-simd.h,
 * depthwise-simd.h, dot-simd.h) is written once in these words;
 * include only from files built with -mavx2 -mfma.
 */
#ifndef CS_VEC_AVX2_H
#define CS_VEC_AVX2_H

#include "kernels.h"

#include <immintrin.h>

#define CS_VEC_LANES 8
/* The name of this instruction set's variant of a kernel. */
#define CS_VEC_NAME(kernel) kernel##_avx2

typedef __m256  CsVec;
typedef __m256i CsLaneMask;

#define CS_VEC_INLINE static inline __attribute__ ((always_inline))

/* The operations that are one instruction. */
#define vec_zero  _mm256_setzero_ps
#define vec_set1  _mm256_set1_ps
#define vec_fmadd _mm256_fmadd_ps
#define vec_add   _mm256_add_ps
#define vec_min   _mm256_min_ps
#define vec_max   _mm256_max_ps

/* @v with its negative lanes multiplied by @slope. */
CS_VEC_INLINE CsVec
vec_scale_negative (CsVec v, CsVec slope)
{
  return _mm256_blendv_ps (v, _mm256_mul_ps (v, slope),
                           _mm256_cmp_ps (v, _mm256_setzero_ps (), _CMP_LT_OQ));
}

CS_VEC_INLINE float
vec_sum (CsVec v)
{
  __m128 x = _mm_add_ps (_mm256_castps256_ps128 (v), _mm256_extractf128_ps (v, 1));

  x = _mm_add_ps (x, _mm_movehl_ps (x, x));
  x = _mm_add_ss (x, _mm_shuffle_ps (x, x, 1));
  return _mm_cvtss_f32 (x);
}

/* Lanes [lo, hi) ∩ [0, 8). */
CS_VEC_INLINE CsLaneMask
vec_lanes (int64_t lo, int64_t hi)
{
  const __m256i lane = _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7);

  lo = CLAMP (lo, 0, 8);
  hi = CLAMP (hi, lo, 8);
  return _mm256_andnot_si256 (_mm256_cmpgt_epi32 (_mm256_set1_epi32 ((int) lo), lane),
                              _mm256_cmpgt_epi32 (_mm256_set1_epi32 ((int) hi), lane));
}

/* The lanes of @lanes only; a masked-off lane is never touched. */
CS_VEC_INLINE CsVec
vec_load_lanes (const float *from, CsLaneMask lanes)
{
  return _mm256_maskload_ps (from, lanes);
}

CS_VEC_INLINE void
vec_store_lanes (float *to, CsLaneMask lanes, CsVec v)
{
  _mm256_maskstore_ps (to, lanes, v);
}

/* @under with the lanes of @lanes loaded from @from. */
CS_VEC_INLINE CsVec
vec_load_lanes_over (CsVec under, const float *from, CsLaneMask lanes)
{
  return _mm256_blendv_ps (under, _mm256_maskload_ps (from, lanes), _mm256_castsi256_ps (lanes));
}

/* The loads and stores at the edge of a row: masked ones unless @whole
 * says every lane is in, since masked loads and stores are slow on some
 * AVX2 CPUs. */
CS_VEC_INLINE CsVec
vec_load_edge (gboolean whole, const float *from, CsLaneMask lanes)
{
  return whole ? _mm256_loadu_ps (from) : vec_load_lanes (from, lanes);
}

CS_VEC_INLINE void
vec_store_edge (gboolean whole, float *to, CsLaneMask lanes, CsVec v)
{
  if (whole)
    _mm256_storeu_ps (to, v);
  else
    vec_store_lanes (to, lanes, v);
}

#include "vec-simd.h"

#endif /* CS_VEC_AVX2_H */
