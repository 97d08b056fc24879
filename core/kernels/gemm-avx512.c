/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemm-avx512.c — the AVX-512 GEMM micro-kernel (kernels.h), compiled with
 * -mavx512f and called only after dispatch.c has checked the CPU.
 *
 * A 12 × 32 tile: two zmm accumulators per row, two B vectors per depth
 * step and the A values as embedded broadcasts of the FMAs, so a step is
 * fourteen loads for twenty-four FMAs.  A 16 × 16 tile needed seventeen
 * loads for sixteen FMAs, and the loads, not the FMAs, set its pace.  A
 * tile of at most 16 columns (the right edge of a small feature map)
 * skips the second column vector.  Partial tiles use masked loads and
 * stores, which also keep reads inside a row-major B whose width is not a
 * multiple of 16.  Each row count is its own instantiation, so the
 * accumulators live in registers.
 */
#include "vec-avx512.h"

/* The accumulators are named variables, not an array: GCC keeps an array
 * of vectors in memory across the loop's back edge. */
#define EACH_ROW(X) \
  X (0) X (1) X (2) X (3) X (4) X (5) X (6) X (7) X (8) X (9) X (10) X (11)

/* @rows: @m, as a constant; @indexed and @a_indexed: whether B's rows or
 * A's depth steps lie at offsets (koff, a_koff); @wide: whether @n > 16. */
CS_VEC_INLINE void
tile (const int rows, const gboolean indexed, const gboolean a_indexed, const gboolean wide,
      CS_GEMM_MICRO_PARAMS)
{
  const CsLaneMask mask0 = vec_lanes (0, n);
  const CsLaneMask mask1 = vec_lanes (-16, n - 16);
#define DECLARE(i) CsVec low##i = vec_zero (), high##i = vec_zero ();
  EACH_ROW (DECLARE)
#undef DECLARE

  const char *fetch = prefetch != NULL ? prefetch->next : NULL;
  const int64_t fetch_step = prefetch != NULL ? prefetch->step : 0;
  /* Packed A panels step by the tile's rows: a constant, so that A's
   * loads take displacements and the loop carries fewer adds. */
  const gboolean a_packed = !a_indexed && a_stride == rows;

#define DEPTH_LOOP(FETCH, A_STEP) \
  _Pragma ("GCC unroll 2") \
  for (int64_t p = 0; p < depth; p++) \
    { \
      if (FETCH) \
        __builtin_prefetch (fetch + p * fetch_step, 0, 2); \
      const float *row = b + (indexed ? koff[p] : p * ldb); \
      const float *a_row = a_indexed ? a + a_koff[p] : a + p * (A_STEP); \
      CsVec b0 = vec_load_lanes (row, mask0); \
      CsVec b1 = wide ? vec_load_lanes (row + 16, mask1) : vec_zero (); \
      EACH_ROW (STEP) \
    }
#define STEP(i) \
      if (i < rows) \
        { \
          CsVec ai = vec_set1 (a_row[i]); \
          low##i = vec_fmadd (ai, b0, low##i); \
          if (wide) \
            high##i = vec_fmadd (ai, b1, high##i); \
        }
  if (fetch != NULL)
    DEPTH_LOOP (TRUE, a_stride)
  else if (a_packed)
    DEPTH_LOOP (FALSE, rows)
  else
    DEPTH_LOOP (FALSE, a_stride)
#undef STEP
#undef DEPTH_LOOP

  const CsEpilogueVec epv = vec_epilogue_load (ep);
  const gboolean accumulate = ep->accumulate;
#define STORE(i) \
  if (i < rows && !a_indexed && wrap != NULL) \
    vec_store_wrapped (c + i * ldc, n, wrap, low##i, wide ? high##i : vec_zero (), \
                       bias != NULL ? bias[i] : 0.0f, accumulate, epv); \
  else if (i < rows) \
    { \
      float *out = c + i * ldc; \
      CsVec start0, start1; \
      if (accumulate) \
        { \
          start0 = vec_load_lanes (out, mask0); \
          start1 = wide ? vec_load_lanes (out + 16, mask1) : vec_zero (); \
        } \
      else \
        start0 = start1 = vec_set1 (bias != NULL ? bias[i] : 0.0f); \
      vec_store_lanes (out, mask0, vec_epilogue (low##i, start0, epv)); \
      if (wide) \
        vec_store_lanes (out + 16, mask1, vec_epilogue (high##i, start1, epv)); \
    }
  EACH_ROW (STORE)
#undef STORE
}

/* The tile for each row count and form of B, in registers (vec-simd.h). */
#define TILE(r, indexed, a_indexed, wide) \
  tile (r, indexed, a_indexed, wide, depth, a, a_stride, a_koff, b, koff, ldb, c, ldc, m, n, bias, \
        ep, wrap, prefetch)
#define INDEXED_WIDE_TILE(r) TILE (r, TRUE, FALSE, TRUE)
#define INDEXED_NARROW_TILE(r) TILE (r, TRUE, FALSE, FALSE)
#define A_INDEXED_WIDE_TILE(r) TILE (r, FALSE, TRUE, TRUE)
#define A_INDEXED_NARROW_TILE(r) TILE (r, FALSE, TRUE, FALSE)
#define WIDE_TILE(r) TILE (r, FALSE, FALSE, TRUE)
#define NARROW_TILE(r) TILE (r, FALSE, FALSE, FALSE)

/* A's steps at offsets, for transposed tiles, which never wrap: in a
 * function of its own, which compiles in a fraction of the time the one
 * function of every form took (AddressSanitizer's build: 217 s). */
static void __attribute__ ((noinline))
a_indexed_tiles (CS_GEMM_MICRO_PARAMS)
{
  if (n > 16)
    CS_ROW_SWITCH (m, CS_AVX512_MR, A_INDEXED_WIDE_TILE)
  else
    CS_ROW_SWITCH (m, CS_AVX512_MR, A_INDEXED_NARROW_TILE)
}

void
cs_gemm_micro_avx512 (CS_GEMM_MICRO_PARAMS)
{
  if (a_koff != NULL)
    a_indexed_tiles (depth, a, a_stride, a_koff, b, koff, ldb, c, ldc, m, n, bias, ep, NULL,
                     prefetch);
  else if (koff != NULL && n > 16)
    CS_ROW_SWITCH (m, CS_AVX512_MR, INDEXED_WIDE_TILE)
  else if (koff != NULL)
    CS_ROW_SWITCH (m, CS_AVX512_MR, INDEXED_NARROW_TILE)
  else if (n > 16)
    CS_ROW_SWITCH (m, CS_AVX512_MR, WIDE_TILE)
  else
    CS_ROW_SWITCH (m, CS_AVX512_MR, NARROW_TILE)
}
