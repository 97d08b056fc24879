/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemm-avx2.c — the AVX2/FMA GEMM micro-kernel (kernels.h), compiled with
 * -mavx2 -mfma and called only after dispatch.c has checked the CPU.
 *
 * A 6 × 16 tile: twelve ymm accumulators, two B vectors and one broadcast
 * A value fill fifteen of the sixteen registers.  Full tiles use plain
 * loads and stores; partial ones (the right edge of B or C) masked ones,
 * which also keep reads inside a row-major B.  Each row count is its own
 * instantiation, so the accumulators live in registers.
 */
#include "epilogue-avx2.h"

/* The accumulators are named variables, not an array: GCC keeps an array
 * of vectors in memory across the loop's back edge. */
#define EACH_ROW(X) X (0) X (1) X (2) X (3) X (4) X (5)

static inline __attribute__ ((always_inline)) void
tile (const int         rows,
      const gboolean    indexed,
      const gboolean    full,
      int64_t           depth,
      const float      *a,
      int64_t           a_stride,
      const float      *b,
      const int64_t    *koff,
      int64_t           ldb,
      float            *c,
      int64_t           ldc,
      int               n,
      const float      *bias,
      const CsEpilogue *ep)
{
  const __m256i mask0 = cs_lane_mask_avx2 (n, 0);
  const __m256i mask1 = cs_lane_mask_avx2 (n, 8);
#define DECLARE(i) __m256 low##i = _mm256_setzero_ps (), high##i = _mm256_setzero_ps ();
  EACH_ROW (DECLARE)
#undef DECLARE

#pragma GCC unroll 2
  for (int64_t p = 0; p < depth; p++)
    {
      const float *row = b + (indexed ? koff[p] : p * ldb);
      __m256 b0 = full ? _mm256_loadu_ps (row) : _mm256_maskload_ps (row, mask0);
      __m256 b1 = full ? _mm256_loadu_ps (row + 8) : _mm256_maskload_ps (row + 8, mask1);
#define STEP(i) \
      if (i < rows) \
        { \
          __m256 ai = _mm256_broadcast_ss (a + i); \
          low##i = _mm256_fmadd_ps (ai, b0, low##i); \
          high##i = _mm256_fmadd_ps (ai, b1, high##i); \
        }
      EACH_ROW (STEP)
#undef STEP
      a += a_stride;
    }

  const CsEpilogueAvx2 epv = cs_epilogue_avx2_load (ep);
  const gboolean accumulate = ep->accumulate;
#define STORE(i) \
  if (i < rows) \
    { \
      float *out = c + i * ldc; \
      __m256 start0, start1; \
      if (accumulate) \
        { \
          start0 = full ? _mm256_loadu_ps (out) : _mm256_maskload_ps (out, mask0); \
          start1 = full ? _mm256_loadu_ps (out + 8) : _mm256_maskload_ps (out + 8, mask1); \
        } \
      else \
        start0 = start1 = _mm256_set1_ps (bias != NULL ? bias[i] : 0.0f); \
      if (full) \
        { \
          _mm256_storeu_ps (out, cs_epilogue_avx2 (low##i, start0, epv)); \
          _mm256_storeu_ps (out + 8, cs_epilogue_avx2 (high##i, start1, epv)); \
        } \
      else \
        { \
          _mm256_maskstore_ps (out, mask0, cs_epilogue_avx2 (low##i, start0, epv)); \
          _mm256_maskstore_ps (out + 8, mask1, cs_epilogue_avx2 (high##i, start1, epv)); \
        } \
    }
  EACH_ROW (STORE)
#undef STORE
}

#define TILE_CASE(r, indexed, full) \
  case r: \
    tile (r, indexed, full, depth, a, a_stride, b, koff, ldb, c, ldc, n, bias, ep); \
    break;

#define TILE_SWITCH(indexed, full) \
  switch (m) \
    { \
      TILE_CASE (1, indexed, full) TILE_CASE (2, indexed, full) \
      TILE_CASE (3, indexed, full) TILE_CASE (4, indexed, full) \
      TILE_CASE (5, indexed, full) TILE_CASE (6, indexed, full) \
    default: \
      break; \
    }

void
cs_gemm_micro_avx2 (int64_t           depth,
                    const float      *a,
                    int64_t           a_stride,
                    const float      *b,
                    const int64_t    *koff,
                    int64_t           ldb,
                    float            *c,
                    int64_t           ldc,
                    int               m,
                    int               n,
                    const float      *bias,
                    const CsEpilogue *ep)
{
  if (koff != NULL && n == CS_AVX2_NR)
    TILE_SWITCH (TRUE, TRUE)
  else if (koff != NULL)
    TILE_SWITCH (TRUE, FALSE)
  else if (n == CS_AVX2_NR)
    TILE_SWITCH (FALSE, TRUE)
  else
    TILE_SWITCH (FALSE, FALSE)
}
