/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qrequant-avx512.h — TFLite's requantization of int32 sums (kernels.h:
 * CsRequant) sixteen lanes at a time, for the 8-bit kernels on AVX-512
 * with VNNI: the micro-kernel's tiles and the GEMV's channels
 * (qgemm-avx512-vnni.c) and the depthwise kernel's rows
 * (qdepthwise-avx512-vnni.c).
 */
#ifndef CS_QREQUANT_AVX512_H
#define CS_QREQUANT_AVX512_H

#include "vec-avx512.h"

/* cs_requant_shift (cs_requant_high_mul (x, m), e) on every lane, for
 * the row's m, e, mask = 2^e − 1 and half = mask >> 1.  Bits 31 to 62 of
 * each 64-bit product are the high multiply: the even lanes' shifted
 * down into their low halves, the odd lanes' up by one into their high
 * halves. */
CS_VEC_INLINE __m512i
requantize (__m512i x, __m512i m, __m128i e, __m512i mask, __m512i half)
{
  const __m512i nudge = _mm512_set1_epi64 ((int64_t) 1 << 30);
  const __m512i even = _mm512_srli_epi64 (_mm512_add_epi64 (_mm512_mul_epi32 (x, m), nudge), 31);
  const __m512i odd = _mm512_slli_epi64 (
    _mm512_add_epi64 (_mm512_mul_epi32 (_mm512_srli_epi64 (x, 32), m), nudge), 1);
  const __m512i product = _mm512_mask_blend_epi32 (0xAAAA, even, odd);
  const __m512i threshold = _mm512_add_epi32 (half, _mm512_srli_epi32 (product, 31));
  const __mmask16 up = _mm512_cmpgt_epi32_mask (_mm512_and_si512 (product, mask), threshold);
  const __m512i shifted = _mm512_sra_epi32 (product, e);

  return _mm512_mask_sub_epi32 (shifted, up, shifted, _mm512_set1_epi32 (-1));
}

/* requantize () for a row whose clamp starts at zero or above (a
 * rectified output), where a negative x ends at the clamp's low either
 * way: from x clamped at zero, the two roundings are one shift of the
 * 64-bit product p = x·m, and @add is 2³⁰ + 2³⁰⁺ᵉ (2³⁰ when e = 0).
 * For s = (p + 2³⁰) >> 31 ≥ 0, rounding s / 2ᵉ halves up is
 * (s + 2ᵉ⁻¹) >> e, and ⌊(⌊y⌋ + k) / 2ᵉ⌋ = ⌊(y + k) / 2ᵉ⌋ for an integer
 * k, so the result is (p + @add) >> (31 + e), @count. */
CS_VEC_INLINE __m512i
requantize_rectified (__m512i x, __m512i m, __m128i count, __m512i add)
{
  const __m512i nonnegative = _mm512_max_epi32 (x, _mm512_setzero_si512 ());
  const __m512i even = _mm512_srl_epi64 (_mm512_add_epi64 (_mm512_mul_epu32 (nonnegative, m), add),
                                         count);
  const __m512i odd = _mm512_srl_epi64 (
    _mm512_add_epi64 (_mm512_mul_epu32 (_mm512_srli_epi64 (nonnegative, 32), m), add), count);

  /* The odd products' low halves up into the odd lanes. */
  return _mm512_mask_shuffle_epi32 (even, 0xAAAA, odd, _MM_PERM_CDAB);
}

/* requantize () with a multiplier @m and right shift @e of its own in
 * every lane: the odd lanes' multipliers shifted down as their sums
 * are, and the shifts by lane. */
CS_VEC_INLINE __m512i
requantize_lanes (__m512i x, __m512i m, __m512i e)
{
  const __m512i nudge = _mm512_set1_epi64 ((int64_t) 1 << 30);
  const __m512i one = _mm512_set1_epi32 (1);
  const __m512i even = _mm512_srli_epi64 (_mm512_add_epi64 (_mm512_mul_epi32 (x, m), nudge), 31);
  const __m512i odd = _mm512_slli_epi64 (
    _mm512_add_epi64 (_mm512_mul_epi32 (_mm512_srli_epi64 (x, 32), _mm512_srli_epi64 (m, 32)),
                      nudge), 1);
  const __m512i product = _mm512_mask_blend_epi32 (0xAAAA, even, odd);
  const __m512i mask = _mm512_sub_epi32 (_mm512_sllv_epi32 (one, e), one);
  const __m512i threshold = _mm512_add_epi32 (_mm512_srli_epi32 (mask, 1),
                                              _mm512_srli_epi32 (product, 31));
  const __mmask16 up = _mm512_cmpgt_epi32_mask (_mm512_and_si512 (product, mask), threshold);
  const __m512i shifted = _mm512_srav_epi32 (product, e);

  return _mm512_mask_sub_epi32 (shifted, up, shifted, _mm512_set1_epi32 (-1));
}

/* One row's requantization (CsRequant's, for row i), its constants
 * broadcast once. */
typedef struct
{
  __m512i  multiplier, mask, half, add, low, high;
  __m128i  count;
  __m512   scale;
  gboolean bytes;
  gboolean rectified;   /* the clamp starts at zero or above */
  gboolean from_zero;   /* at zero: requantize_rectified's lanes are its bytes */
  gboolean saturating;  /* high − low is 255: the byte store's saturation clamps */
} RowRequant;

/* The constants of a row with multiplier @m and right shift @e, clamped
 * to [@low, @high], stored as bytes or as floats times @scale. */
CS_VEC_INLINE RowRequant
row_requant (int32_t m, int e, int32_t low, int32_t high, float scale, gboolean bytes)
{
  const int32_t mask = (int32_t) (((uint32_t) 1 << e) - 1u);
  RowRequant r = {
    .multiplier = _mm512_set1_epi32 (m), .low = _mm512_set1_epi32 (low),
    .high = _mm512_set1_epi32 (high), .scale = _mm512_set1_ps (scale), .bytes = bytes,
    .rectified = low >= 0, .from_zero = low == 0, .saturating = high - low == 255,
  };

  if (r.rectified)
    {
      r.add = _mm512_set1_epi64 (((int64_t) 1 << 30) + (e > 0 ? (int64_t) 1 << (30 + e) : 0));
      r.count = _mm_cvtsi32_si128 (31 + e);
    }
  else
    {
      r.mask = _mm512_set1_epi32 (mask);
      r.half = _mm512_set1_epi32 (mask >> 1);
      r.count = _mm_cvtsi32_si128 (e);
    }
  return r;
}

/* The sums @x (with their offset and zero points' terms) through @r's
 * roundings, before the clamp. */
CS_VEC_INLINE __m512i
row_requantize (const RowRequant *r, __m512i x)
{
  return r->rectified ? requantize_rectified (x, r->multiplier, r->count, r->add)
                      : requantize (x, r->multiplier, r->count, r->mask, r->half);
}

/* The first @n lanes (@lanes, n ≤ 16 or more) of @q, from
 * row_requantize, at @c: the bytes clamp (q, low, high) − low, or the
 * floats clamp (q, low, high)·scale.  The clamp and the subtraction are
 * left out where they change nothing. */
CS_VEC_INLINE void
store_lanes (const RowRequant *r, __m512i q, void *c, int64_t n, __mmask16 lanes)
{
  __m128i bytes;

  if (r->bytes && r->saturating)
    {
      if (!r->from_zero)
        q = _mm512_sub_epi32 (_mm512_max_epi32 (q, r->low), r->low);
      bytes = _mm512_cvtusepi32_epi8 (q);
    }
  else
    {
      q = _mm512_min_epi32 (_mm512_max_epi32 (q, r->low), r->high);
      if (!r->bytes)
        {
          _mm512_mask_storeu_ps ((float *) c, lanes, _mm512_mul_ps (_mm512_cvtepi32_ps (q), r->scale));
          return;
        }
      bytes = _mm512_cvtepi32_epi8 (_mm512_sub_epi32 (q, r->low));
    }
  /* Narrowed in a register first, for vec_int_store_bytes's reason. */
  if (n >= 16)
    _mm_storeu_si128 ((__m128i *) c, bytes);
  else
    _mm_mask_storeu_epi8 (c, lanes, bytes);
}

/* The sums @x through @r into the first @n lanes at @c. */
CS_VEC_INLINE void
requantize_store (const RowRequant *r, __m512i x, void *c, int64_t n, __mmask16 lanes)
{
  store_lanes (r, row_requantize (r, x), c, n, lanes);
}

#endif /* CS_QREQUANT_AVX512_H */
