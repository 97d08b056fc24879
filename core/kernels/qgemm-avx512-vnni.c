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

/* cs_requant_high_mul on every lane, one multiplier. */
CS_VEC_INLINE __m512i
high_mul (__m512i x, __m512i multiplier)
{
  const __m512i nudge = _mm512_set1_epi64 ((int64_t) 1 << 30);
  __m512i even = _mm512_mul_epi32 (x, multiplier);
  __m512i odd = _mm512_mul_epi32 (_mm512_srli_epi64 (x, 32), multiplier);

  even = _mm512_srai_epi64 (_mm512_add_epi64 (even, nudge), 31);
  odd = _mm512_srai_epi64 (_mm512_add_epi64 (odd, nudge), 31);
  return _mm512_mask_blend_epi32 (0xAAAA, even, _mm512_slli_epi64 (odd, 32));
}

/* cs_requant_shift on every lane. */
CS_VEC_INLINE __m512i
rounding_shift (__m512i x, int e)
{
  const __m512i mask = _mm512_set1_epi32 ((int32_t) (((uint32_t) 1 << e) - 1u));
  const __m512i remainder = _mm512_and_si512 (x, mask);
  const __m512i threshold = _mm512_add_epi32 (_mm512_srai_epi32 (mask, 1),
                                              _mm512_srli_epi32 (x, 31));
  const __m512i shifted = _mm512_sra_epi32 (x, _mm_cvtsi32_si128 (e));

  return _mm512_mask_add_epi32 (shifted, _mm512_cmpgt_epi32_mask (remainder, threshold), shifted,
                                _mm512_set1_epi32 (1));
}

/* One row of sums through the requantization into @out's lanes. */
CS_VEC_INLINE void
store_row (float *out, __mmask16 lanes, __m512i sums, int i, __m512i colsum,
           const CsRequant *rq)
{
  __m512i v = _mm512_add_epi32 (sums, _mm512_set1_epi32 (rq->offset[i]));

  if (rq->weight_zero != NULL)
    v = _mm512_sub_epi32 (v, _mm512_mullo_epi32 (colsum, _mm512_set1_epi32 (rq->weight_zero[i])));
  v = rounding_shift (high_mul (v, _mm512_set1_epi32 (rq->multiplier[i])), rq->right_shift[i]);
  v = _mm512_min_epi32 (_mm512_max_epi32 (v, _mm512_set1_epi32 (rq->low)),
                        _mm512_set1_epi32 (rq->high));
  _mm512_mask_storeu_ps (out, lanes, _mm512_mul_ps (_mm512_cvtepi32_ps (v),
                                                    _mm512_set1_ps (rq->scale)));
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

  const __m512i colsum0 = rq->weight_zero != NULL ? _mm512_maskz_loadu_epi32 (mask0, rq->colsum)
                                                  : _mm512_setzero_si512 ();
  const __m512i colsum1 = rq->weight_zero != NULL && wide
                          ? _mm512_maskz_loadu_epi32 (mask1, rq->colsum + 16)
                          : _mm512_setzero_si512 ();
#define STORE(i) \
  if (i < rows) \
    { \
      store_row (c + i * ldc, mask0, low##i, i, colsum0, rq); \
      if (wide) \
        store_row (c + i * ldc + 16, mask1, high##i, i, colsum1, rq); \
    }
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
