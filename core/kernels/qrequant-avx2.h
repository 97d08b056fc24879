/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qrequant-avx2.h — TFLite's requantization of int32 sums (kernels.h:
 * CsRequant) eight lanes at a time, for the 8-bit kernels on AVX2: the
 * micro-kernel's tiles (qgemm-avx2.c) and the depthwise kernel's rows
 * (qdepthwise-avx2.c).  The arithmetic is qrequant-avx512.h's.
 */
#ifndef CS_QREQUANT_AVX2_H
#define CS_QREQUANT_AVX2_H

#include "vec-avx2.h"

/* cs_requant_shift (cs_requant_high_mul (x, m), e) on every lane, for
 * the row's m, e, mask = 2^e − 1 and half = mask >> 1. */
CS_VEC_INLINE __m256i
requantize (__m256i x, __m256i m, __m128i e, __m256i mask, __m256i half)
{
  const __m256i nudge = _mm256_set1_epi64x ((int64_t) 1 << 30);
  const __m256i even = _mm256_srli_epi64 (_mm256_add_epi64 (_mm256_mul_epi32 (x, m), nudge), 31);
  const __m256i odd = _mm256_slli_epi64 (
    _mm256_add_epi64 (_mm256_mul_epi32 (_mm256_srli_epi64 (x, 32), m), nudge), 1);
  const __m256i product = _mm256_blend_epi32 (even, odd, 0xAA);
  const __m256i threshold = _mm256_add_epi32 (half, _mm256_srli_epi32 (product, 31));

  /* The comparison is −1 where the remainder passes the threshold. */
  return _mm256_sub_epi32 (_mm256_sra_epi32 (product, e),
                           _mm256_cmpgt_epi32 (_mm256_and_si256 (product, mask), threshold));
}

/* requantize () for a rectified row, as qrequant-avx512.h's
 * requantize_rectified (): AVX2 has no 64-bit arithmetic shift, and the
 * products of x clamped at zero need none. */
CS_VEC_INLINE __m256i
requantize_rectified (__m256i x, __m256i m, __m128i count, __m256i add)
{
  const __m256i nonnegative = _mm256_max_epi32 (x, _mm256_setzero_si256 ());
  const __m256i even = _mm256_srl_epi64 (_mm256_add_epi64 (_mm256_mul_epu32 (nonnegative, m), add),
                                         count);
  const __m256i odd = _mm256_srl_epi64 (
    _mm256_add_epi64 (_mm256_mul_epu32 (_mm256_srli_epi64 (nonnegative, 32), m), add), count);

  return _mm256_blend_epi32 (even, _mm256_slli_epi64 (odd, 32), 0xAA);
}

/* One row's requantization (CsRequant's, for row i), its constants
 * broadcast once. */
typedef struct
{
  __m256i  multiplier, mask, half, add, low, high;
  __m128i  count;
  __m256   scale;
  gboolean bytes;
  gboolean rectified;   /* the clamp starts at zero or above */
} RowRequant;

/* The constants of a row with multiplier @m and right shift @e, clamped
 * to [@low, @high], stored as bytes or as floats times @scale. */
CS_VEC_INLINE RowRequant
row_requant (int32_t m, int e, int32_t low, int32_t high, float scale, gboolean bytes)
{
  const int32_t mask = (int32_t) (((uint32_t) 1 << e) - 1u);
  RowRequant r = {
    .multiplier = _mm256_set1_epi32 (m), .low = _mm256_set1_epi32 (low),
    .high = _mm256_set1_epi32 (high), .scale = _mm256_set1_ps (scale), .bytes = bytes,
    .rectified = low >= 0,
  };

  if (r.rectified)
    {
      r.add = _mm256_set1_epi64x (((int64_t) 1 << 30) + (e > 0 ? (int64_t) 1 << (30 + e) : 0));
      r.count = _mm_cvtsi32_si128 (31 + e);
    }
  else
    {
      r.mask = _mm256_set1_epi32 (mask);
      r.half = _mm256_set1_epi32 (mask >> 1);
      r.count = _mm_cvtsi32_si128 (e);
    }
  return r;
}

/* The sums @x (with their offset and zero points' terms) through @r into
 * the first @n lanes (@lanes, n ≤ 8 or more) at @c: the bytes
 * clamp (q, low, high) − low, or the floats clamp (q, low, high)·scale. */
CS_VEC_INLINE void
requantize_store (const RowRequant *r, __m256i x, void *c, int64_t n, __m256i lanes)
{
  __m256i q = r->rectified ? requantize_rectified (x, r->multiplier, r->count, r->add)
                           : requantize (x, r->multiplier, r->count, r->mask, r->half);

  q = _mm256_min_epi32 (_mm256_max_epi32 (q, r->low), r->high);
  if (r->bytes)
    vec_int_store_bytes ((uint8_t *) c, n, _mm256_sub_epi32 (q, r->low));
  else
    _mm256_maskstore_ps ((float *) c, lanes, _mm256_mul_ps (_mm256_cvtepi32_ps (q), r->scale));
}

#endif /* CS_QREQUANT_AVX2_H */
