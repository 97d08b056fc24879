/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qgemm-avx2.c — the 8-bit convolution's kernels (kernels.h) on AVX2,
 * without VNNI, compiled with -mavx2 and called only after dispatch.c
 * has checked the CPU; the AVX-512 table without VNNI takes them too.
 *
 * AVX2's byte multiply-add (vpmaddubsw) saturates its sums of two
 * products at 16 bits, so the bytes are widened instead: the even and
 * odd bytes of each group of four, as 16-bit lanes, multiplied and added
 * in pairs into int32 by vpmaddwd, which is exact.  That is half the
 * float tile's multiply-adds per instruction, and twice its bytes per
 * register: the tile is 4 × 16, eight accumulators, within AVX2's
 * sixteen registers with the widened operands.  The requantization is
 * qrequant-avx2.h's.
 */
#include "qrequant-avx2.h"

#include <string.h>

#define CS_QMR CS_AVX2_QMR
#define CS_QNR CS_AVX2_QNR

#define EACH_ROW(X) X (0) X (1) X (2) X (3)

/* The requantization's fields, copied out of CsRequant once per tile,
 * for the VNNI kernel's reason. */
typedef struct
{
  const int32_t *offset, *multiplier, *right_shift, *weight_zero;
  __m256i        colsum0, colsum1;
  int32_t        low, high;
  float          scale;
  gboolean       bytes;
} TileRequant;

/* Row @i's sums (@left_sums, @right_sums) through the requantization
 * into the lanes of row @i of @c, floats or bytes (the first @n). */
CS_VEC_INLINE void
store_row (void *c, int64_t ldc, int n, __m256i lanes0, __m256i lanes1, __m256i left_sums,
           __m256i right_sums, int i, const TileRequant *rq)
{
  const RowRequant row = row_requant (rq->multiplier[i], rq->right_shift[i], rq->low, rq->high,
                                      rq->scale, rq->bytes);
  const __m256i offset = _mm256_set1_epi32 (rq->offset[i]);

  for (int h = 0; h < 2; h++)
    {
      const int64_t at = i * ldc + 8 * h;
      __m256i v = _mm256_add_epi32 (h == 0 ? left_sums : right_sums, offset);

      if (rq->weight_zero != NULL)
        v = _mm256_sub_epi32 (v, _mm256_mullo_epi32 (h == 0 ? rq->colsum0 : rq->colsum1,
                                                     _mm256_set1_epi32 (rq->weight_zero[i])));
      requantize_store (&row, v, cs_output_at (c, rq->bytes, at), n - 8 * h,
                        h == 0 ? lanes0 : lanes1);
    }
}

CS_VEC_INLINE void
tile (const int rows, CS_QGEMM_MICRO_PARAMS)
{
  const __m256i low_bytes = _mm256_set1_epi16 (0x00ff);
#define DECLARE(i) __m256i left##i = _mm256_setzero_si256 (), right##i = _mm256_setzero_si256 ();
  EACH_ROW (DECLARE)
#undef DECLARE

  for (int64_t g = 0; g < depth4; g++)
    {
      const __m256i b0 = _mm256_loadu_si256 ((const __m256i *) b);
      const __m256i b1 = _mm256_loadu_si256 ((const __m256i *) (b + 32));
      /* Bytes 0 and 2, 1 and 3 of each column's four, as 16-bit lanes. */
      const __m256i b0_even = _mm256_and_si256 (b0, low_bytes), b0_odd = _mm256_srli_epi16 (b0, 8);
      const __m256i b1_even = _mm256_and_si256 (b1, low_bytes), b1_odd = _mm256_srli_epi16 (b1, 8);
#define STEP(i) \
      if (i < rows) \
        { \
          int32_t weights; \
          memcpy (&weights, a + i * 4, 4); \
          const __m256i w = _mm256_set1_epi32 (weights); \
          const __m256i w_even = _mm256_srai_epi16 (_mm256_slli_epi16 (w, 8), 8); \
          const __m256i w_odd = _mm256_srai_epi16 (w, 8); \
          left##i = _mm256_add_epi32 (left##i, _mm256_madd_epi16 (b0_even, w_even)); \
          left##i = _mm256_add_epi32 (left##i, _mm256_madd_epi16 (b0_odd, w_odd)); \
          right##i = _mm256_add_epi32 (right##i, _mm256_madd_epi16 (b1_even, w_even)); \
          right##i = _mm256_add_epi32 (right##i, _mm256_madd_epi16 (b1_odd, w_odd)); \
        }
      EACH_ROW (STEP)
#undef STEP
      a += CS_QMR * 4;
      b += CS_QNR * 4;
    }

  const __m256i lanes0 = vec_lanes (0, n), lanes1 = vec_lanes (0, n - 8);
  const TileRequant tile_rq = {
    .offset = rq->offset,
    .multiplier = rq->multiplier,
    .right_shift = rq->right_shift,
    .weight_zero = rq->weight_zero,
    .colsum0 = rq->weight_zero != NULL ? _mm256_maskload_epi32 (rq->colsum, lanes0)
                                       : _mm256_setzero_si256 (),
    .colsum1 = rq->weight_zero != NULL ? _mm256_maskload_epi32 (rq->colsum + 8, lanes1)
                                       : _mm256_setzero_si256 (),
    .low = rq->low,
    .high = rq->high,
    .scale = rq->scale,
    .bytes = rq->bytes,
  };
#define STORE(i) \
  if (i < rows) \
    store_row (c, ldc, n, lanes0, lanes1, left##i, right##i, i, &tile_rq);
  EACH_ROW (STORE)
#undef STORE
}

#define TILE(r) tile (r, depth4, a, b, c, ldc, m, n, rq)

void
cs_qgemm_micro_avx2 (CS_QGEMM_MICRO_PARAMS)
{
  CS_ROW_SWITCH (m, CS_QMR, TILE)
}

#include "qpack-simd.h"
