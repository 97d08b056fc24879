/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qgemm-avx512-vnni.c — the 8-bit convolution's kernels (kernels.h) on
 * AVX-512 with VNNI, compiled with -mavx512vnni -mavx512bw and called
 * only after dispatch.c has checked the CPU.
 *
 * The micro-kernel's tile is the float one's, 12 × 32: two accumulators
 * of sixteen int32 per row, and per group of four depth steps two B
 * loads, one broadcast of four weight bytes per row and one vpdpbusd per
 * accumulator, which multiplies and adds four byte pairs per lane: four
 * times the float tile's multiply-adds per instruction.  The
 * requantization works on 64-bit products, even and odd lanes apart.
 */
#include "vec-avx512.h"

#include <string.h>

#define CS_QMR CS_AVX512_MR
#define CS_QNR CS_AVX512_NR

/* acc += the byte dot products of @bytes (unsigned) and @weights
 * (signed), four per lane.  In assembly: GCC 12 copies the accumulator
 * of the intrinsic to a fresh register and back, and the tile's
 * twenty-four of them then spill. */
#define DPBUSD(acc, bytes, weights) \
  __asm__ ("vpdpbusd %2, %1, %0" : "+v" (acc) : "v" (bytes), "v" (weights))

#define EACH_ROW(X) \
  X (0) X (1) X (2) X (3) X (4) X (5) X (6) X (7) X (8) X (9) X (10) X (11)

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

/* The requantization's fields, copied out of CsRequant once per tile:
 * the float stores could alias them, and the compiler would load and
 * broadcast each one again for every row. */
typedef struct
{
  const int32_t *offset, *multiplier, *right_shift, *weight_zero;
  __m512i        colsum0, colsum1, low, high;
  __m512         scale;
  gboolean       bytes, rectified;
} TileRequant;

/* Row @i's sums (@low_sums, and @high_sums when @wide) through the
 * requantization into the lanes of row @i of @c, floats or bytes (the
 * first @n). */
CS_VEC_INLINE void
store_row (void *c, int64_t ldc, int n, __mmask16 mask0, __mmask16 mask1, gboolean wide,
           __m512i low_sums, __m512i high_sums, int i, const TileRequant *rq)
{
  const int e = rq->right_shift[i];
  const __m512i offset = _mm512_set1_epi32 (rq->offset[i]);
  const __m512i m = _mm512_set1_epi32 (rq->multiplier[i]);
  const __m512i mask = _mm512_set1_epi32 ((int32_t) (((uint32_t) 1 << e) - 1u));
  const __m512i half = _mm512_srli_epi32 (mask, 1);
  const __m128i count = _mm_cvtsi32_si128 (e);
  const __m512i rectified_add = _mm512_set1_epi64 (((int64_t) 1 << 30)
                                                  + (e > 0 ? (int64_t) 1 << (30 + e) : 0));
  const __m128i rectified_count = _mm_cvtsi32_si128 (31 + e);

  for (int h = 0; h < (wide ? 2 : 1); h++)
    {
      __m512i v = _mm512_add_epi32 (h == 0 ? low_sums : high_sums, offset);

      if (rq->weight_zero != NULL)
        v = _mm512_sub_epi32 (v, _mm512_mullo_epi32 (h == 0 ? rq->colsum0 : rq->colsum1,
                                                     _mm512_set1_epi32 (rq->weight_zero[i])));
      v = rq->rectified ? requantize_rectified (v, m, rectified_count, rectified_add)
                        : requantize (v, m, count, mask, half);
      v = _mm512_min_epi32 (_mm512_max_epi32 (v, rq->low), rq->high);
      if (rq->bytes)
        vec_int_store_bytes ((uint8_t *) c + i * ldc + 16 * h, n - 16 * h,
                             _mm512_sub_epi32 (v, rq->low));
      else
        _mm512_mask_storeu_ps ((float *) c + i * ldc + 16 * h, h == 0 ? mask0 : mask1,
                               _mm512_mul_ps (_mm512_cvtepi32_ps (v), rq->scale));
    }
}

CS_VEC_INLINE void
tile (const int rows, const gboolean wide, CS_QGEMM_MICRO_PARAMS)
{
  const __mmask16 mask0 = vec_lanes (0, n), mask1 = vec_lanes (-16, n - 16);
#define DECLARE(i) __m512i low##i = _mm512_setzero_si512 (), high##i = _mm512_setzero_si512 ();
  EACH_ROW (DECLARE)
#undef DECLARE

  for (int64_t g = 0; g < depth4; g++)
    {
      const __m512i b0 = _mm512_loadu_si512 (b);
      const __m512i b1 = wide ? _mm512_loadu_si512 (b + 64) : _mm512_setzero_si512 ();
#define STEP(i) \
      if (i < rows) \
        { \
          int32_t weights; \
          memcpy (&weights, a + i * 4, 4); \
          const __m512i ai = _mm512_set1_epi32 (weights); \
          DPBUSD (low##i, b0, ai); \
          if (wide) \
            DPBUSD (high##i, b1, ai); \
        }
      EACH_ROW (STEP)
#undef STEP
      a += CS_QMR * 4;
      b += CS_QNR * 4;
    }

  const TileRequant tile_rq = {
    .offset = rq->offset,
    .multiplier = rq->multiplier,
    .right_shift = rq->right_shift,
    .weight_zero = rq->weight_zero,
    .colsum0 = rq->weight_zero != NULL ? _mm512_maskz_loadu_epi32 (mask0, rq->colsum)
                                       : _mm512_setzero_si512 (),
    .colsum1 = rq->weight_zero != NULL && wide ? _mm512_maskz_loadu_epi32 (mask1, rq->colsum + 16)
                                               : _mm512_setzero_si512 (),
    .low = _mm512_set1_epi32 (rq->low),
    .high = _mm512_set1_epi32 (rq->high),
    .scale = _mm512_set1_ps (rq->scale),
    .bytes = rq->bytes,
    .rectified = rq->low >= 0,
  };
#define STORE(i) \
  if (i < rows) \
    store_row (c, ldc, n, mask0, mask1, wide, low##i, high##i, i, &tile_rq);
  EACH_ROW (STORE)
#undef STORE
}

#define WIDE_TILE(r) tile (r, TRUE, depth4, a, b, c, ldc, m, n, rq)
#define NARROW_TILE(r) tile (r, FALSE, depth4, a, b, c, ldc, m, n, rq)

void
cs_qgemm_micro_avx512_vnni (CS_QGEMM_MICRO_PARAMS)
{
  if (n > 16)
    CS_ROW_SWITCH (m, CS_QMR, WIDE_TILE)
  else
    CS_ROW_SWITCH (m, CS_QMR, NARROW_TILE)
}

#include "qpack-simd.h"
