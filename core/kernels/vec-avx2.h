/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vec-avx2.h — the vector vocabulary of the AVX2/FMA kernels: eight
 * floats in a ymm, lane masks as vectors, and the loads and stores of
 * partial vectors.  The code the SIMD kernels share (vec-simd.h,
 * depthwise-simd.h, gemv-simd.h, sigmoid-simd.h, gelu-simd.h) is written
 * once in these words; include only from files built with -mavx2 -mfma.
 */
#ifndef CS_VEC_AVX2_H
#define CS_VEC_AVX2_H

#include "kernels.h"

#include <immintrin.h>
#include <string.h>

#define CS_VEC_LANES 8
/* The name of this instruction set's variant of a kernel. */
#define CS_VEC_NAME(kernel) kernel##_avx2

typedef __m256  CsVec;
typedef __m256i CsLaneMask;
/* 2ⁿ, for vec_exp2_head and vec_exp2_tail: two powers whose product it
 * is. */
typedef struct
{
  __m256 head, tail;
} CsExp2;

#define CS_VEC_INLINE static inline __attribute__ ((always_inline))

/* The operations that are one instruction. */
#define vec_zero  _mm256_setzero_ps
#define vec_set1  _mm256_set1_ps
#define vec_fmadd _mm256_fmadd_ps
#define vec_add   _mm256_add_ps
#define vec_min   _mm256_min_ps
#define vec_max   _mm256_max_ps
#define vec_mul   _mm256_mul_ps
#define vec_sub   _mm256_sub_ps
#define vec_div   _mm256_div_ps
/* 1/v to CS_VEC_RCP_BITS bits. */
#define vec_rcp   _mm256_rcp_ps
#define CS_VEC_RCP_BITS 12
/* Integers to the nearest, ties to even, staying floats. */
#define vec_round(v) _mm256_round_ps (v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
/* Within each 128-bit lane, as _mm_unpacklo_ps, _mm_unpackhi_ps and
 * _mm_shuffle_ps. */
#define vec_unpack_low  _mm256_unpacklo_ps
#define vec_unpack_high _mm256_unpackhi_ps
#define vec_shuffle     _mm256_shuffle_ps
/* int32 lanes, for the 8-bit convolution's packer (qpack-simd.h). */
typedef __m256i CsVecInt;
#define vec_int_zero       _mm256_setzero_si256
#define vec_int_set1       _mm256_set1_epi32
#define vec_int_add        _mm256_add_epi32
#define vec_int_or         _mm256_or_si256
#define vec_int_shift_left _mm256_slli_epi32
/* Whole-number floats to int32 lanes. */
#define vec_to_int32       _mm256_cvttps_epi32
/* @v in @lanes, 0 elsewhere. */
#define vec_int_only(lanes, v) _mm256_and_si256 (lanes, v)
#define vec_int_store(to, v) _mm256_storeu_si256 ((__m256i *) (to), v)
#define vec_int_store_lanes(to, lanes, v) _mm256_maskstore_epi32 ((int *) (to), lanes, v)

#define vec_int_to_float   _mm256_cvtepi32_ps

/* The first @count (at most CS_VEC_LANES) bytes at @from as int32 lanes,
 * 0 in the others; reads only those bytes. */
CS_VEC_INLINE CsVecInt
vec_int_load_bytes (const uint8_t *from, int64_t count)
{
  uint8_t part[8] = { 0 };

  if (count >= CS_VEC_LANES)
    return _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i *) from));
  memcpy (part, from, (size_t) MAX (count, 0));
  return _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i *) part));
}

/* The low bytes of the first @count lanes of @v to @to. */
CS_VEC_INLINE void
vec_int_store_bytes (uint8_t *to, int64_t count, CsVecInt v)
{
  const __m256i low_bytes = _mm256_shuffle_epi8 (
    v, _mm256_setr_epi8 (0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                         0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
  const __m128i bytes = _mm_unpacklo_epi32 (_mm256_castsi256_si128 (low_bytes),
                                            _mm256_extracti128_si256 (low_bytes, 1));
  uint8_t part[8];

  if (count >= CS_VEC_LANES)
    {
      _mm_storel_epi64 ((__m128i *) to, bytes);
      return;
    }
  _mm_storel_epi64 ((__m128i *) part, bytes);
  memcpy (to, part, (size_t) MAX (count, 0));
}

/* Integers toward zero through an int32 (|v| < 2³¹), so that zero comes
 * out +0. */
#define vec_trunc_int32(v) _mm256_cvtepi32_ps (_mm256_cvttps_epi32 (v))

/* 2ᵏ for −126 ≤ k ≤ 127, built in the exponent bits. */
CS_VEC_INLINE CsVec
vec_pow2 (__m256i k)
{
  const __m256i biased = _mm256_add_epi32 (k, _mm256_set1_epi32 (127));

  return _mm256_castsi256_ps (_mm256_slli_epi32 (biased, 23));
}

/* v·2ⁿ for integral −182 ≤ n ≤ 127 in two steps, head then tail, so that
 * a subnormal result is rounded once, at the tail: 2ⁿ is made as two
 * normal powers, of ⌊n/2⌋ and of the rest. */
CS_VEC_INLINE CsExp2
vec_exp2_split (CsVec n)
{
  const __m256i whole = _mm256_cvttps_epi32 (n);
  const __m256i half = _mm256_srai_epi32 (whole, 1);

  return (CsExp2) { vec_pow2 (half), vec_pow2 (_mm256_sub_epi32 (whole, half)) };
}

CS_VEC_INLINE CsVec
vec_exp2_head (CsVec v, CsExp2 power)
{
  return vec_mul (v, power.head);
}

CS_VEC_INLINE CsVec
vec_exp2_tail (CsVec v, CsExp2 power)
{
  return vec_mul (v, power.tail);
}

/* The float whose exponent field holds the low 9 bits of @v's, the rest
 * 0: 2ⁿ where @v is a float of ulp 1 whose low bits hold n + 127, for
 * −126 ≤ n ≤ 127 (sigmoid-simd.h). */
CS_VEC_INLINE CsVec
vec_exponent_bits (CsVec v)
{
  return _mm256_castsi256_ps (_mm256_slli_epi32 (_mm256_castps_si256 (v), 23));
}

/* −|v|, by setting the sign bit; NaN stays NaN. */
CS_VEC_INLINE CsVec
vec_minus_abs (CsVec v)
{
  return _mm256_or_ps (v, _mm256_set1_ps (-0.0f));
}

/* @if_negative in the lanes where @v < 0, else @otherwise. */
CS_VEC_INLINE CsVec
vec_select_negative (CsVec v, CsVec if_negative, CsVec otherwise)
{
  return _mm256_blendv_ps (otherwise, if_negative,
                           _mm256_cmp_ps (v, _mm256_setzero_ps (), _CMP_LT_OQ));
}

/* @v with its negative lanes multiplied by @slope. */
CS_VEC_INLINE CsVec
vec_scale_negative (CsVec v, CsVec slope)
{
  return _mm256_blendv_ps (v, _mm256_mul_ps (v, slope),
                           _mm256_cmp_ps (v, _mm256_setzero_ps (), _CMP_LT_OQ));
}

/* AVX2's shuffle works within 128-bit halves, so the evens (or the odds)
 * of two vectors come out as low[0,2] high[0,2] low[4,6] high[4,6], and
 * a permute of 64-bit pairs puts them in order. */
CS_VEC_INLINE CsVec
vec_halves_in_order (__m256 halves)
{
  return _mm256_castpd_ps (_mm256_permute4x64_pd (_mm256_castps_pd (halves),
                                                  _MM_SHUFFLE (3, 1, 2, 0)));
}

/* The even elements of @low then of @high, in order (the taps of a
 * stride-2 window from a pair of loads). */
CS_VEC_INLINE CsVec
vec_even_lanes (CsVec low, CsVec high)
{
  return vec_halves_in_order (_mm256_shuffle_ps (low, high, _MM_SHUFFLE (2, 0, 2, 0)));
}

/* The odd elements of @low then of @high, in order. */
CS_VEC_INLINE CsVec
vec_odd_lanes (CsVec low, CsVec high)
{
  return vec_halves_in_order (_mm256_shuffle_ps (low, high, _MM_SHUFFLE (3, 1, 3, 1)));
}

/* Lanes @n (1 or 2) to 7 of @low, then lanes 0 to @n − 1 of @high: the
 * vector @n floats further along a row that the two hold. */
#define vec_shift_in(high, low, n) \
  _mm256_castsi256_ps (_mm256_alignr_epi8 ( \
      _mm256_castps_si256 (_mm256_permute2f128_ps ((low), (high), 0x21)), \
      _mm256_castps_si256 (low), 4 * (n)))

/* Whether no lane of @v is below @bound (a NaN lane is not). */
CS_VEC_INLINE gboolean
vec_none_below (CsVec v, CsVec bound)
{
  return _mm256_movemask_ps (_mm256_cmp_ps (v, bound, _CMP_LT_OQ)) == 0;
}

CS_VEC_INLINE float
vec_sum (CsVec v)
{
  __m128 x = _mm_add_ps (_mm256_castps256_ps128 (v), _mm256_extractf128_ps (v, 1));

  x = _mm_add_ps (x, _mm_movehl_ps (x, x));
  x = _mm_add_ss (x, _mm_shuffle_ps (x, x, 1));
  return _mm_cvtss_f32 (x);
}

/* The sum of @n floats at @x in doubles, in 32 partial sums (eight
 * vectors) so that the adds do not wait on one another. */
CS_VEC_INLINE double
vec_sum_double (const float *x, int64_t n)
{
  __m256d part[8];
  __m128d half;
  double  sum;
  int64_t i = 0;

  for (int k = 0; k < 8; k++)
    part[k] = _mm256_setzero_pd ();
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 8; k++)
      part[k] = _mm256_add_pd (part[k], _mm256_cvtps_pd (_mm_loadu_ps (x + i + 4 * k)));
  for (int k = 0; k < 8 && i + 4 <= n; k++, i += 4)
    part[k] = _mm256_add_pd (part[k], _mm256_cvtps_pd (_mm_loadu_ps (x + i)));
  for (int k = 1; k < 8; k++)
    part[0] = _mm256_add_pd (part[0], part[k]);
  half = _mm_add_pd (_mm256_castpd256_pd128 (part[0]), _mm256_extractf128_pd (part[0], 1));
  sum = _mm_cvtsd_f64 (_mm_add_sd (half, _mm_unpackhi_pd (half, half)));
  for (; i < n; i++)
    sum += x[i];
  return sum;
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

/* The lanes whose bits are set in @bits. */
CS_VEC_INLINE CsLaneMask
vec_lanes_of_bits (uint32_t bits)
{
  const __m256i bit = _mm256_setr_epi32 (1, 2, 4, 8, 16, 32, 64, 128);

  return _mm256_cmpeq_epi32 (_mm256_and_si256 (_mm256_set1_epi32 ((int) bits), bit), bit);
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

/* The lanes of @lanes from @from, 0 in the others, where the whole
 * vector may be read: cheaper than a masked load. */
CS_VEC_INLINE CsVec
vec_load_only (const float *from, CsLaneMask lanes)
{
  return _mm256_and_ps (_mm256_loadu_ps (from), _mm256_castsi256_ps (lanes));
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

/* v[k] ← column k of the 8×8 block whose rows are v[0..7]: the 4×4
 * blocks within each half (vec_lane_quads), then halves by lane
 * permutes: the low halves of rows 0–3's and 4–7's quads are columns
 * 0–3, the high halves columns 4–7. */
CS_VEC_INLINE void
vec_transpose8 (CsVec v[8])
{
  CsVec quad[8];

  vec_lane_quads (v, quad);
  for (int k = 0; k < 4; k++)
    {
      v[k] = _mm256_permute2f128_ps (quad[k], quad[4 + k], 0x20);
      v[k + 4] = _mm256_permute2f128_ps (quad[k], quad[4 + k], 0x31);
    }
}

/* The first @n lanes of @v (a constant, at most 8) to @to, by plain
 * stores of four, two and one: a masked store takes many times as long
 * on AMD's cores. */
CS_VEC_INLINE void
vec_store_first (const int n, float *to, CsVec v)
{
  __m128 part = _mm256_castps256_ps128 (v);

  if (n == 8)
    {
      _mm256_storeu_ps (to, v);
      return;
    }
  if (n >= 4)
    {
      _mm_storeu_ps (to, part);
      part = _mm256_extractf128_ps (v, 1);
      to += 4;
    }
  if (n % 4 >= 2)
    {
      _mm_storel_pi ((__m64 *) to, part);
      part = _mm_movehl_ps (part, part);
      to += 2;
    }
  if (n % 2 == 1)
    _mm_store_ss (to, part);
}

/* Eight vectors as columns: lane c of v[i] to to[c·stride + i], for i <
 * @n (a constant, at most 8). */
CS_VEC_INLINE void
vec_store_columns (const int n, float *to, int64_t stride, CsVec v[8])
{
  vec_transpose8 (v);
  for (int c = 0; c < 8; c++)
    vec_store_first (n, to + c * stride, v[c]);
}

#endif /* CS_VEC_AVX2_H */
