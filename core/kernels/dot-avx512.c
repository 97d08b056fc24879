/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dot-avx512.c — the AVX-512 dot-product kernel (kernels.h) for products
 * with few rows and a transposed B, compiled with -mavx512f and called
 * only after dispatch.c has checked the CPU.  Four B rows stream side by
 * side against up to four A rows; the last partial vector is masked.
 * Accumulators are named variables, which GCC keeps in registers.
 */
#include "kernels.h"

#include <immintrin.h>

#define EACH_PAIR(X) \
  X (0, 0) X (0, 1) X (0, 2) X (0, 3) X (1, 0) X (1, 1) X (1, 2) X (1, 3) \
  X (2, 0) X (2, 1) X (2, 2) X (2, 3) X (3, 0) X (3, 1) X (3, 2) X (3, 3)
#define EACH_INDEX(X) X (0) X (1) X (2) X (3)

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
#define DECLARE(i, j) __m512 acc##i##j = _mm512_setzero_ps ();
  EACH_PAIR (DECLARE)
#undef DECLARE

  for (int64_t p = 0; p < depth; p += 16)
    {
      __mmask16 mask = depth - p >= 16 ? (__mmask16) 0xffff
                       : (__mmask16) ((1u << (depth - p)) - 1);
#define LOAD_A(i) __m512 a##i = i < rows ? _mm512_maskz_loadu_ps (mask, a + i * lda + p) \
                                         : _mm512_setzero_ps ();
#define LOAD_B(j) __m512 b##j = j < cols ? _mm512_maskz_loadu_ps (mask, b + j * ldb + p) \
                                         : _mm512_setzero_ps ();
      EACH_INDEX (LOAD_A)
      EACH_INDEX (LOAD_B)
#undef LOAD_A
#undef LOAD_B
#define STEP(i, j) \
      if (i < rows && j < cols) \
        acc##i##j = _mm512_fmadd_ps (a##i, b##j, acc##i##j);
      EACH_PAIR (STEP)
#undef STEP
    }

#define STORE(i, j) \
  if (i < rows && j < cols) \
    { \
      float *out = y + i * ldy + j; \
      *out = cs_epilogue_scalar (ep, _mm512_reduce_add_ps (acc##i##j), \
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
cs_gemm_dot_avx512 (int64_t           depth,
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

  for (; j + 4 <= n; j += 4)
    switch (m)
      {
        TILE_CASE (1, 4) TILE_CASE (2, 4) TILE_CASE (3, 4) TILE_CASE (4, 4)
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
