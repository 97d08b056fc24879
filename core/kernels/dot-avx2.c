/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dot-avx2.c — the AVX2/FMA dot-product kernel (kernels.h) for products
 * with few rows and a transposed B, compiled with -mavx2 -mfma and called
 * only after dispatch.c has checked the CPU.  Two B rows stream side by
 * side against up to four A rows, eight accumulators in all; the last
 * partial vector is masked.  Accumulators are named variables, which GCC
 * keeps in registers.
 */
#include "epilogue-avx2.h"

#define EACH_PAIR(X) \
  X (0, 0) X (0, 1) X (1, 0) X (1, 1) X (2, 0) X (2, 1) X (3, 0) X (3, 1)
#define EACH_ROW(X) X (0) X (1) X (2) X (3)
#define EACH_COL(X) X (0) X (1)

static inline float
horizontal_sum (__m256 v)
{
  __m128 x = _mm_add_ps (_mm256_castps256_ps128 (v), _mm256_extractf128_ps (v, 1));

  x = _mm_add_ps (x, _mm_movehl_ps (x, x));
  x = _mm_add_ss (x, _mm_shuffle_ps (x, x, 1));
  return _mm_cvtss_f32 (x);
}

static inline __attribute__ ((always_inline)) void
tile (const int         rows,
      const int         cols,
      int64_t           depth,
      const float      *a,
      int64_t           lda,
      const float      *b,
      int64_t           ldb,
      float            *y,
      int64_t           ldy,
      const CsEpilogue *ep)
{
#define DECLARE(i, j) __m256 acc##i##j = _mm256_setzero_ps ();
  EACH_PAIR (DECLARE)
#undef DECLARE

  for (int64_t p = 0; p < depth; p += 8)
    {
      gboolean full = depth - p >= 8;
      __m256i mask = cs_lane_mask_avx2 (depth - p, 0);
#define LOAD(ptr) (full ? _mm256_loadu_ps (ptr) : _mm256_maskload_ps (ptr, mask))
#define LOAD_B(j) __m256 b##j = j < cols ? LOAD (b + j * ldb + p) : _mm256_setzero_ps ();
      EACH_COL (LOAD_B)
#undef LOAD_B
#define STEP_ROW(i) \
      if (i < rows) \
        { \
          __m256 ai = LOAD (a + i * lda + p); \
          acc##i##0 = _mm256_fmadd_ps (ai, b0, acc##i##0); \
          if (cols > 1) \
            acc##i##1 = _mm256_fmadd_ps (ai, b1, acc##i##1); \
        }
      EACH_ROW (STEP_ROW)
#undef STEP_ROW
#undef LOAD
    }

#define STORE(i, j) \
  if (i < rows && j < cols) \
    { \
      float *out = y + i * ldy + j; \
      *out = cs_epilogue_scalar (ep, horizontal_sum (acc##i##j), \
                                 ep->accumulate ? *out : 0.0f); \
    }
  EACH_PAIR (STORE)
#undef STORE
}

#define TILE_CASE(r, c) \
  case r: \
    tile (r, c, depth, a, lda, b + j * ldb, ldb, y + j, ldy, ep); \
    break;

void
cs_gemm_dot_avx2 (int64_t           depth,
                  const float      *a,
                  int64_t           lda,
                  int               m,
                  const float      *b,
                  int64_t           ldb,
                  int               n,
                  float            *y,
                  int64_t           ldy,
                  const CsEpilogue *ep)
{
  int j = 0;

  for (; j + 2 <= n; j += 2)
    switch (m)
      {
        TILE_CASE (1, 2) TILE_CASE (2, 2) TILE_CASE (3, 2) TILE_CASE (4, 2)
      default:
        break;
      }
  for (; j < n; j++)
    switch (m)
      {
        TILE_CASE (1, 1) TILE_CASE (2, 1) TILE_CASE (3, 1) TILE_CASE (4, 1)
      default:
        break;
      }
}
