/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemm-avx512-tile.h — the AVX-512 GEMM micro-kernel's tile (kernels.h;
 * gemm-avx512.c has its shape), included by the three files that
 * instantiate it for each row count and form of B: gemm-avx512.c (B's
 * rows in step), gemm-avx512-indexed.c (B's rows at offsets) and
 * gemm-avx512-a-indexed.c (A's depth steps at offsets).  Apart, the
 * instantiations compile in parallel: in one file they took eleven
 * minutes of the sanitizer build in the GIMP sandbox (GCC 14, Zen 3),
 * the build's longest step by five.
 */
#ifndef CS_GEMM_AVX512_TILE_H
#define CS_GEMM_AVX512_TILE_H

#include "vec-avx512.h"

/* The accumulators are named variables, not an array: GCC keeps an array
 * of vectors in memory across the loop's back edge. */
#define EACH_ROW(X) \
  X (0) X (1) X (2) X (3) X (4) X (5) X (6) X (7) X (8) X (9) X (10) X (11)

/* @rows: @m, as a constant; @indexed and @a_indexed: whether B's rows or
 * A's depth steps lie at offsets (koff, a_koff); @wide: whether the tile
 * has a second vector of columns (@n > 16, but for the last tile of a
 * row, whose columns past @n are masked off). */
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
#define INDEXED_NARROW_TILE(r) TILE (r, TRUE, FALSE, FALSE)
#define A_INDEXED_WIDE_TILE(r) TILE (r, FALSE, TRUE, TRUE)
#define A_INDEXED_NARROW_TILE(r) TILE (r, FALSE, TRUE, FALSE)
#define NARROW_TILE(r) TILE (r, FALSE, FALSE, FALSE)
/* The tiles of a row of more than 16 columns (kernels.h), 32 at a time,
 * the last one's columns past @n masked off, B's rows at offsets or in
 * step. */
#define INDEXED_ROW_OF_WIDE_TILES(r) CS_ROW_OF_TILES (r, CS_AVX512_NR, TRUE, TRUE, TRUE)
#define ROW_OF_WIDE_TILES(r) CS_ROW_OF_TILES (r, CS_AVX512_NR, TRUE, FALSE, TRUE)

/* Every row count's tile with B's rows at offsets (koff), and with A's
 * depth steps at offsets (a_koff; @wrap is not read). */
void cs_gemm_tiles_indexed_avx512   (CS_GEMM_MICRO_PARAMS);
void cs_gemm_tiles_a_indexed_avx512 (CS_GEMM_MICRO_PARAMS);

#endif /* CS_GEMM_AVX512_TILE_H */
