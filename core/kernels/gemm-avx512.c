/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemm-avx512.c — the AVX-512 GEMM micro-kernel (kernels.h), compiled with
 * -mavx512f and called only after dispatch.c has checked the CPU.
 *
 * A 16 × 16 tile: sixteen zmm accumulators, one B vector per depth step
 * and the A values as embedded broadcasts of the FMAs, so a step is one
 * vector load and sixteen FMAs.  Sixteen rows match the channel counts of
 * common networks, and sixteen columns waste little on small feature maps.
 * Partial tiles use masked loads and stores, which also keep reads inside
 * a row-major B whose width is not a multiple of 16.  Each row count is
 * its own instantiation, so the accumulators live in registers.
 */
#include "epilogue-avx512.h"

/* The accumulators are named variables, not an array: GCC keeps an array
 * of vectors in memory across the loop's back edge. */
#define EACH_ROW(X) \
  X (0) X (1) X (2) X (3) X (4) X (5) X (6) X (7) \
  X (8) X (9) X (10) X (11) X (12) X (13) X (14) X (15)
#define EACH_PAIR(X) X (0) X (1) X (2) X (3)

static inline __attribute__ ((always_inline)) void
tile (const int         rows,
      const gboolean    indexed,
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
  const __mmask16 mask = (__mmask16) ((1u << n) - 1);
  /* Few rows make a short FMA chain per step: then a second set of
   * accumulators takes the odd steps, to hide the FMA latency. */
  const gboolean paired = rows <= 4;
  int64_t p = 0;
#define DECLARE(i) __m512 acc##i = _mm512_setzero_ps (), odd##i = _mm512_setzero_ps ();
  EACH_ROW (DECLARE)
#undef DECLARE

  if (paired)
    for (; p + 1 < depth; p += 2)
      {
        __m512 b0 = _mm512_maskz_loadu_ps (mask, b + (indexed ? koff[p] : p * ldb));
        __m512 b1 = _mm512_maskz_loadu_ps (mask, b + (indexed ? koff[p + 1] : (p + 1) * ldb));
#define STEP_PAIR(i) \
        if (i < rows) \
          { \
            acc##i = _mm512_fmadd_ps (_mm512_set1_ps (a[i]), b0, acc##i); \
            odd##i = _mm512_fmadd_ps (_mm512_set1_ps (a[a_stride + i]), b1, odd##i); \
          }
        EACH_PAIR (STEP_PAIR)
#undef STEP_PAIR
        a += 2 * a_stride;
      }
#pragma GCC unroll 4
  for (; p < depth; p++)
    {
      __m512 bv = _mm512_maskz_loadu_ps (mask, b + (indexed ? koff[p] : p * ldb));
#define STEP(i) \
      if (i < rows) \
        acc##i = _mm512_fmadd_ps (_mm512_set1_ps (a[i]), bv, acc##i);
      EACH_ROW (STEP)
#undef STEP
      a += a_stride;
    }

  const CsEpilogueAvx512 epv = cs_epilogue_avx512_load (ep);
  const gboolean accumulate = ep->accumulate;
#define STORE(i) \
  if (i < rows) \
    { \
      float *out = c + i * ldc; \
      __m512 start = accumulate ? _mm512_maskz_loadu_ps (mask, out) \
                     : _mm512_set1_ps (bias != NULL ? bias[i] : 0.0f); \
      __m512 sums = paired ? _mm512_add_ps (acc##i, odd##i) : acc##i; \
      _mm512_mask_storeu_ps (out, mask, cs_epilogue_avx512 (sums, start, epv)); \
    }
  EACH_ROW (STORE)
#undef STORE
}

#define TILE_CASE(r, indexed) \
  case r: \
    tile (r, indexed, depth, a, a_stride, b, koff, ldb, c, ldc, n, bias, ep); \
    break;

#define TILE_SWITCH(indexed) \
  switch (m) \
    { \
      TILE_CASE (1, indexed) TILE_CASE (2, indexed) TILE_CASE (3, indexed) \
      TILE_CASE (4, indexed) TILE_CASE (5, indexed) TILE_CASE (6, indexed) \
      TILE_CASE (7, indexed) TILE_CASE (8, indexed) TILE_CASE (9, indexed) \
      TILE_CASE (10, indexed) TILE_CASE (11, indexed) TILE_CASE (12, indexed) \
      TILE_CASE (13, indexed) TILE_CASE (14, indexed) TILE_CASE (15, indexed) \
      TILE_CASE (16, indexed) \
    default: \
      break; \
    }

void
cs_gemm_micro_avx512 (int64_t           depth,
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
  if (koff != NULL)
    TILE_SWITCH (TRUE)
  else
    TILE_SWITCH (FALSE)
}
