/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vec-avx512.h — the vector vocabulary of the AVX-512 kernels: sixteen
 * floats in a zmm, lane masks in mask registers, and the loads and stores
 * of partial vectors.  The code the SIMD kernels share (vec-simd.h,
 * depthwise-simd.h, gemv-simd.h, sigmoid-simd.h, gelu-simd.h) is written
 * once in these words; include only from files built with -mavx512f.
 */
#ifndef CS_VEC_AVX512_H
#define CS_VEC_AVX512_H

#include "kernels.h"

#include <immintrin.h>
#include <string.h>

#define CS_VEC_LANES 16
/* The name of this instruction set's variant of a kernel. */
#define CS_VEC_NAME(kernel) kernel##_avx512

typedef __m512    CsVec;
typedef __mmask16 CsLaneMask;
/* 2ⁿ, for vec_exp2_head and vec_exp2_tail: n itself, as vscalefps
 * takes it. */
typedef __m512 CsExp2;

#define CS_VEC_INLINE static inline __attribute__ ((always_inline))

/* The operations that are one instruction. */
#define vec_zero  _mm512_setzero_ps
#define vec_set1  _mm512_set1_ps
#define vec_fmadd _mm512_fmadd_ps
#define vec_add   _mm512_add_ps
#define vec_min   _mm512_min_ps
#define vec_max   _mm512_max_ps
#define vec_mul   _mm512_mul_ps
#define vec_sub   _mm512_sub_ps
#define vec_div   _mm512_div_ps
/* 1/v to CS_VEC_RCP_BITS bits. */
#define vec_rcp   _mm512_rcp14_ps
#define CS_VEC_RCP_BITS 14
/* Integers to the nearest, ties to even, staying floats. */
#define vec_round(v) _mm512_roundscale_ps (v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
/* Within each 128-bit lane, as _mm_unpacklo_ps, _mm_unpackhi_ps and
 * _mm_shuffle_ps. */
#define vec_unpack_low  _mm512_unpacklo_ps
#define vec_unpack_high _mm512_unpackhi_ps
#define vec_shuffle     _mm512_shuffle_ps
/* int32 lanes, for the 8-bit convolution's packer (qpack-simd.h). */
typedef __m512i CsVecInt;
#define vec_int_zero       _mm512_setzero_si512
#define vec_int_set1       _mm512_set1_epi32
#define vec_int_add        _mm512_add_epi32
#define vec_int_or         _mm512_or_si512
#define vec_int_shift_left _mm512_slli_epi32
/* Whole-number floats to int32 lanes. */
#define vec_to_int32       _mm512_cvttps_epi32
/* @v in @lanes, 0 elsewhere. */
#define vec_int_only(lanes, v) _mm512_maskz_mov_epi32 (lanes, v)
#define vec_int_store(to, v) _mm512_storeu_si512 (to, v)
#define vec_int_store_lanes(to, lanes, v) _mm512_mask_storeu_epi32 (to, lanes, v)

#define vec_int_to_float   _mm512_cvtepi32_ps

/* The first @count (at most CS_VEC_LANES) bytes at @from as int32 lanes,
 * 0 in the others; reads only those bytes. */
CS_VEC_INLINE CsVecInt
vec_int_load_bytes (const uint8_t *from, int64_t count)
{
  uint8_t part[16] = { 0 };

  if (count >= CS_VEC_LANES)
    return _mm512_cvtepu8_epi32 (_mm_loadu_si128 ((const __m128i *) from));
  memcpy (part, from, (size_t) MAX (count, 0));
  return _mm512_cvtepu8_epi32 (_mm_loadu_si128 ((const __m128i *) part));
}

/* The low bytes of the first @count lanes of @v to @to.  Narrowed in a
 * register and stored whole: vpmovdb straight to memory is many times
 * slower on Zen 4. */
CS_VEC_INLINE void
vec_int_store_bytes (uint8_t *to, int64_t count, CsVecInt v)
{
  const __m128i bytes = _mm512_cvtepi32_epi8 (v);
  uint8_t part[16];

  if (count >= CS_VEC_LANES)
    {
      _mm_storeu_si128 ((__m128i *) to, bytes);
      return;
    }
  _mm_storeu_si128 ((__m128i *) part, bytes);
  memcpy (to, part, (size_t) MAX (count, 0));
}

/* Integers toward zero through an int32 (|v| < 2³¹), so that zero comes
 * out +0. */
#define vec_trunc_int32(v) _mm512_cvtepi32_ps (_mm512_cvttps_epi32 (v))

/* v·2ⁿ for integral −182 ≤ n ≤ 127 in two steps, head then tail, so that
 * a subnormal result is rounded once, at the tail: here the head is v
 * itself and the tail one vscalefps. */
CS_VEC_INLINE CsExp2
vec_exp2_split (CsVec n)
{
  return n;
}

CS_VEC_INLINE CsVec
vec_exp2_head (CsVec v, CsExp2 power)
{
  (void) power;
  return v;
}

CS_VEC_INLINE CsVec
vec_exp2_tail (CsVec v, CsExp2 power)
{
  return _mm512_scalef_ps (v, power);
}

/* The float whose exponent field holds the low 9 bits of @v's, the rest
 * 0: 2ⁿ where @v is a float of ulp 1 whose low bits hold n + 127, for
 * −126 ≤ n ≤ 127 (sigmoid-simd.h). */
CS_VEC_INLINE CsVec
vec_exponent_bits (CsVec v)
{
  return _mm512_castsi512_ps (_mm512_slli_epi32 (_mm512_castps_si512 (v), 23));
}

/* −|v|, by setting the sign bit; NaN stays NaN. */
CS_VEC_INLINE CsVec
vec_minus_abs (CsVec v)
{
  return _mm512_castsi512_ps (
      _mm512_or_si512 (_mm512_castps_si512 (v), _mm512_set1_epi32 ((int) 0x80000000u)));
}

/* @if_negative in the lanes where @v < 0, else @otherwise. */
CS_VEC_INLINE CsVec
vec_select_negative (CsVec v, CsVec if_negative, CsVec otherwise)
{
  return _mm512_mask_blend_ps (_mm512_cmp_ps_mask (v, _mm512_setzero_ps (), _CMP_LT_OQ),
                               otherwise, if_negative);
}

/* @v with its negative lanes multiplied by @slope. */
CS_VEC_INLINE CsVec
vec_scale_negative (CsVec v, CsVec slope)
{
  return _mm512_mask_mul_ps (v, _mm512_cmp_ps_mask (v, _mm512_setzero_ps (), _CMP_LT_OQ),
                             v, slope);
}

/* The even elements of @low then of @high, in order (the taps of a
 * stride-2 window from a pair of loads): one two-source permute. */
CS_VEC_INLINE CsVec
vec_even_lanes (CsVec low, CsVec high)
{
  const __m512i even = _mm512_setr_epi32 (0, 2, 4, 6, 8, 10, 12, 14,
                                          16, 18, 20, 22, 24, 26, 28, 30);

  return _mm512_permutex2var_ps (low, even, high);
}

/* The odd elements of @low then of @high, in order. */
CS_VEC_INLINE CsVec
vec_odd_lanes (CsVec low, CsVec high)
{
  const __m512i odd = _mm512_setr_epi32 (1, 3, 5, 7, 9, 11, 13, 15,
                                         17, 19, 21, 23, 25, 27, 29, 31);

  return _mm512_permutex2var_ps (low, odd, high);
}

/* Lanes @n (1 or 2) to 15 of @low, then lanes 0 to @n − 1 of @high: the
 * vector @n floats further along a row that the two hold. */
#define vec_shift_in(high, low, n) \
  _mm512_castsi512_ps (_mm512_alignr_epi32 (_mm512_castps_si512 (high), \
                                            _mm512_castps_si512 (low), (n)))

/* Whether no lane of @v is below @bound (a NaN lane is not). */
CS_VEC_INLINE gboolean
vec_none_below (CsVec v, CsVec bound)
{
  return _mm512_cmp_ps_mask (v, bound, _CMP_LT_OQ) == 0;
}

CS_VEC_INLINE float
vec_sum (CsVec v)
{
  return _mm512_reduce_add_ps (v);
}

/* Lanes [lo, hi) ∩ [0, 16). */
CS_VEC_INLINE CsLaneMask
vec_lanes (int64_t lo, int64_t hi)
{
  lo = CLAMP (lo, 0, 16);
  hi = CLAMP (hi, lo, 16);
  return (__mmask16) (((1u << hi) - 1) & ~((1u << lo) - 1));
}

/* The lanes whose bits are set in @bits. */
CS_VEC_INLINE CsLaneMask
vec_lanes_of_bits (uint32_t bits)
{
  return (__mmask16) bits;
}

/* The lanes of @lanes only; a masked-off lane is never touched. */
CS_VEC_INLINE CsVec
vec_load_lanes (const float *from, CsLaneMask lanes)
{
  return _mm512_maskz_loadu_ps (lanes, from);
}

CS_VEC_INLINE void
vec_store_lanes (float *to, CsLaneMask lanes, CsVec v)
{
  _mm512_mask_storeu_ps (to, lanes, v);
}

/* @under with the lanes of @lanes loaded from @from. */
CS_VEC_INLINE CsVec
vec_load_lanes_over (CsVec under, const float *from, CsLaneMask lanes)
{
  return _mm512_mask_loadu_ps (under, lanes, from);
}

/* The lanes of @lanes from @from, 0 in the others, where the whole
 * vector may be read (a masked load here, as cheap as a plain one). */
#define vec_load_only(from, lanes) vec_load_lanes (from, lanes)

/* The loads and stores at the edge of a row.  Masked ones cost no more
 * than plain ones here, so @whole, which the AVX2 kernels need, is not
 * looked at. */
CS_VEC_INLINE CsVec
vec_load_edge (gboolean whole, const float *from, CsLaneMask lanes)
{
  (void) whole;
  return vec_load_lanes (from, lanes);
}

CS_VEC_INLINE void
vec_store_edge (gboolean whole, float *to, CsLaneMask lanes, CsVec v)
{
  (void) whole;
  vec_store_lanes (to, lanes, v);
}

/* The sum of @n floats at @x in doubles, in 32 partial sums (four
 * vectors) so that the adds do not wait on one another: with one vector
 * of eight, EfficientNet's squeezes over 112×112 summed 8 Gfloat/s, now
 * 14.6. */
CS_VEC_INLINE double
vec_sum_double (const float *x, int64_t n)
{
  __m512d part[4] = { _mm512_setzero_pd (), _mm512_setzero_pd (), _mm512_setzero_pd (),
                      _mm512_setzero_pd () };
  int64_t i = 0;

  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; k++)
      part[k] = _mm512_add_pd (part[k], _mm512_cvtps_pd (_mm256_loadu_ps (x + i + 8 * k)));
  /* The rest eight at a time, the last eight masked: float by float,
   * 1152 planes of 7×7 took 12.4 µs, so 10.8. */
  for (int k = 0; k < 4 && i < n; k++, i += 8)
    {
      const __m512 v = _mm512_maskz_loadu_ps (vec_lanes (0, MIN (n - i, 8)), x + i);

      part[k] = _mm512_add_pd (part[k], _mm512_cvtps_pd (_mm512_castps512_ps256 (v)));
    }
  return _mm512_reduce_add_pd (_mm512_add_pd (_mm512_add_pd (part[0], part[1]),
                                              _mm512_add_pd (part[2], part[3])));
}

#include "vec-simd.h"

/* Eight vectors as columns: lane c of v[i] to to[c·stride + i], for i <
 * @n (a constant, at most 8).  The 4×4 blocks within each 128-bit lane
 * (vec_lane_quads) leave, in lane k of quad j, four vectors' lane 4k +
 * j; a two-source permute joins the halves of two channels' rows. */
CS_VEC_INLINE void
vec_store_columns (const int n, float *to, int64_t stride, CsVec v[8])
{
  /* Channels j and 4 + j (lanes 0–7, 8–15), or 8 + j and 12 + j. */
  const __m512i  low = _mm512_setr_epi32 (0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const __m512i  high = _mm512_setr_epi32 (8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29,
                                           30, 31);
  const __mmask16 first = vec_lanes (0, n);
  CsVec           quad[8];

  vec_lane_quads (v, quad);
  for (int j = 0; j < 4; j++)
    {
      const CsVec rows[2] = { _mm512_permutex2var_ps (quad[j], low, quad[4 + j]),
                              _mm512_permutex2var_ps (quad[j], high, quad[4 + j]) };

      for (int h = 0; h < 2; h++)
        {
          float *channel = to + (8 * h + j) * stride;
          CsVec  upper = _mm512_shuffle_f32x4 (rows[h], rows[h], _MM_SHUFFLE (3, 2, 3, 2));

          if (n == 8)
            {
              _mm256_storeu_ps (channel, _mm512_castps512_ps256 (rows[h]));
              _mm256_storeu_ps (channel + 4 * stride, _mm512_castps512_ps256 (upper));
            }
          else
            {
              _mm512_mask_storeu_ps (channel, first, rows[h]);
              _mm512_mask_storeu_ps (channel + 4 * stride, first, upper);
            }
        }
    }
}

#endif /* CS_VEC_AVX512_H */
