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
#include "vec-avx512.h"

/* The accumulators are named variables, not an array: GCC keeps an array
 * of vectors in memory across the loop's back edge. */
#define EACH_ROW(X) \
  X (0) X (1) X (2) X (3) X (4) X (5) X (6) X (7) \
  X (8) X (9) X (10) X (11) X (12) X (13) X (14) X (15)
#define EACH_PAIR(X) X (0) X (1) X (2) X (3)

/* @rows: @m, as a constant. */
CS_VEC_INLINE void
tile (const int rows, const gboolean indexed, CS_GEMM_MICRO_PARAMS)
{
  const CsLaneMask mask = vec_lanes (0, n);
  /* Few rows make a short FMA chain per step: then a second set of
   * accumulators takes the odd steps, to hide the FMA latency. */
  const gboolean paired = rows <= 4;
  int64_t p = 0;
#define DECLARE(i) CsVec acc##i = vec_zero (), odd##i = vec_zero ();
  EACH_ROW (DECLARE)
#undef DECLARE

  if (paired)
    for (; p + 1 < depth; p += 2)
      {
        CsVec b0 = vec_load_lanes (b + (indexed ? koff[p] : p * ldb), mask);
        CsVec b1 = vec_load_lanes (b + (indexed ? koff[p + 1] : (p + 1) * ldb), mask);
#define STEP_PAIR(i) \
        if (i < rows) \
          { \
            acc##i = vec_fmadd (vec_set1 (a[i]), b0, acc##i); \
            odd##i = vec_fmadd (vec_set1 (a[a_stride + i]), b1, odd##i); \
          }
        EACH_PAIR (STEP_PAIR)
#undef STEP_PAIR
        a += 2 * a_stride;
      }
#pragma GCC unroll 4
  for (; p < depth; p++)
    {
      CsVec bv = vec_load_lanes (b + (indexed ? koff[p] : p * ldb), mask);
#define STEP(i) \
      if (i < rows) \
        acc##i = vec_fmadd (vec_set1 (a[i]), bv, acc##i);
      EACH_ROW (STEP)
#undef STEP
      a += a_stride;
    }

  const CsEpilogueVec epv = vec_epilogue_load (ep);
  const gboolean accumulate = ep->accumulate;
#define STORE(i) \
  if (i < rows) \
    { \
      float *out = c + i * ldc; \
      CsVec start = accumulate ? vec_load_lanes (out, mask) \
                    : vec_set1 (bias != NULL ? bias[i] : 0.0f); \
      CsVec sums = paired ? vec_add (acc##i, odd##i) : acc##i; \
      vec_store_lanes (out, mask, vec_epilogue (sums, start, epv)); \
    }
  EACH_ROW (STORE)
#undef STORE
}

/* The tile for each row count and form of B, in registers (vec-simd.h). */
#define TILE(r, indexed) \
  tile (r, indexed, depth, a, a_stride, b, koff, ldb, c, ldc, m, n, bias, ep)
#define INDEXED_TILE(r) TILE (r, TRUE)
#define ROW_MAJOR_TILE(r) TILE (r, FALSE)

void
cs_gemm_micro_avx512 (CS_GEMM_MICRO_PARAMS)
{
  if (koff != NULL)
    CS_ROW_SWITCH (m, CS_AVX512_MR, INDEXED_TILE)
  else
    CS_ROW_SWITCH (m, CS_AVX512_MR, ROW_MAJOR_TILE)
}
