/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qgemm-avx512-vnni.c — the 8-bit convolution's kernels (kernels.h) on
 * AVX-512 with VNNI, compiled with -mavx512vnni -mavx512bw -mavx512vl
 * and called only after dispatch.c has checked the CPU.
 *
 * The micro-kernel's tile is the float one's, 12 × 32: two accumulators
 * of sixteen int32 per row, and per group of four depth steps two B
 * loads, one broadcast of four weight bytes per row and one vpdpbusd per
 * accumulator, which multiplies and adds four byte pairs per lane: four
 * times the float tile's multiply-adds per instruction.  The
 * requantization is qrequant-avx512.h's.
 */
#include "qrequant-avx512.h"

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

/* The requantization's fields, copied out of CsRequant once per tile:
 * the stores could alias them, and the compiler would load and
 * broadcast each one again for every row. */
typedef struct
{
  const int32_t *offset, *multiplier, *right_shift, *weight_zero;
  __m512i        colsum0, colsum1;
  int32_t        low, high;
  float          scale;
  gboolean       bytes;
} TileRequant;

/* Row @i's sums (@low_sums, and @high_sums when @wide) through the
 * requantization into the lanes of row @i of @c, floats or bytes (the
 * first @n). */
CS_VEC_INLINE void
store_row (void *c, int64_t ldc, int n, __mmask16 mask0, __mmask16 mask1, gboolean wide,
           __m512i low_sums, __m512i high_sums, int i, const TileRequant *rq)
{
  const RowRequant row = row_requant (rq->multiplier[i], rq->right_shift[i], rq->low, rq->high,
                                      rq->scale, rq->bytes);
  const __m512i offset = _mm512_set1_epi32 (rq->offset[i]);

  for (int h = 0; h < (wide ? 2 : 1); h++)
    {
      const int64_t at = i * ldc + 16 * h;
      __m512i v = _mm512_add_epi32 (h == 0 ? low_sums : high_sums, offset);

      if (rq->weight_zero != NULL)
        v = _mm512_sub_epi32 (v, _mm512_mullo_epi32 (h == 0 ? rq->colsum0 : rq->colsum1,
                                                     _mm512_set1_epi32 (rq->weight_zero[i])));
      requantize_store (&row, v,
                        cs_output_at (c, rq->bytes, at),
                        n - 16 * h, h == 0 ? mask0 : mask1);
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
    .low = rq->low,
    .high = rq->high,
    .scale = rq->scale,
    .bytes = rq->bytes,
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

/* Sixty-four channels at a time, four accumulators: per group of four
 * depth steps the column's four bytes broadcast and one vpdpbusd per
 * accumulator against the channels' weights. */
void
cs_qgemv_avx512_vnni (CS_QGEMV_PARAMS)
{
  const __m512i low = _mm512_set1_epi32 (rq->low), high = _mm512_set1_epi32 (rq->high);
  const __m512 scale = _mm512_set1_ps (rq->scale);
  const int32_t colsum = rq->weight_zero != NULL ? rq->colsum[0] : 0;

  for (int o0 = 0; o0 < m; o0 += CS_QGEMV_CHANNELS)
    {
      __m512i sums[CS_QGEMV_CHANNELS / 16];

      for (int v = 0; v < CS_QGEMV_CHANNELS / 16; v++)
        sums[v] = _mm512_setzero_si512 ();
      for (int64_t g = 0; g < depth4; g++)
        {
          int32_t four;
          __m512i column;

          memcpy (&four, b + g * 4 * CS_QNR, 4);
          column = _mm512_set1_epi32 (four);
          for (int v = 0; v < CS_QGEMV_CHANNELS / 16; v++)
            DPBUSD (sums[v], column, _mm512_loadu_si512 (w + (g * ldw + o0 + 16 * v) * 4));
        }
      for (int v = 0; v < CS_QGEMV_CHANNELS / 16 && o0 + 16 * v < m; v++)
        {
          const int o = o0 + 16 * v;
          const __mmask16 lanes = vec_lanes (0, m - o);
          __m512i x = _mm512_add_epi32 (sums[v], _mm512_maskz_loadu_epi32 (lanes, rq->offset + o));
          __m512i q;

          if (rq->weight_zero != NULL)
            x = _mm512_sub_epi32 (x, _mm512_mullo_epi32 (_mm512_maskz_loadu_epi32 (lanes,
                                                                                    rq->weight_zero + o),
                                                         _mm512_set1_epi32 (colsum)));
          q = requantize_lanes (x, _mm512_maskz_loadu_epi32 (lanes, rq->multiplier + o),
                                _mm512_maskz_loadu_epi32 (lanes, rq->right_shift + o));
          q = _mm512_min_epi32 (_mm512_max_epi32 (q, low), high);
          if (rq->bytes)
            _mm_mask_storeu_epi8 ((uint8_t *) c + o, lanes,
                                  _mm512_cvtepi32_epi8 (_mm512_sub_epi32 (q, low)));
          else
            _mm512_mask_storeu_ps ((float *) c + o, lanes,
                                   _mm512_mul_ps (_mm512_cvtepi32_ps (q), scale));
        }
    }
}

#include "qpack-simd.h"
