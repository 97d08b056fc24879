/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemm-avx2.c — the AVX2/FMA GEMM micro-kernel (kernels.h), compiled with
 * -mavx2 -mfma and called only after dispatch.c has checked the CPU.
 *
 * A 6 × 16 tile: twelve ymm accumulators, two B vectors and one broadcast
 * A value fill fifteen of the sixteen registers.  Full tiles use plain
 * loads and stores; partial ones (the right edge of B or C) masked ones,
 * which also keep reads inside a row-major B, and those of one vector's
 * columns or fewer leave the second vector out, as the lane counts of
 * convolution.c take them to (warm, Zen 3: GoogLeNet's 512 → 24 on
 * 14×14, whose 196 columns end in 4, 0.076 → 0.072 ms; a Winograd 3×3
 * layer of 64 channels on 56×56 1.52 → 1.43).
 * Each row count is its own instantiation, so the accumulators live in
 * registers.
 */
#include "vec-avx2.h"

/* The accumulators are named variables, not an array: GCC keeps an array
 * of vectors in memory across the loop's back edge. */
#define EACH_ROW(X) X (0) X (1) X (2) X (3) X (4) X (5)

/* The columns of a tile: all 16, more than one vector's (masked), or at
 * most one vector's (masked, the second left out). */
typedef enum
{
  WHOLE,
  TWO_VECTORS,
  ONE_VECTOR
} Width;

/* @rows: @m, as a constant; @indexed and @a_indexed: whether B's rows or
 * A's depth steps lie at offsets (koff, a_koff); @width: @n's. */
CS_VEC_INLINE void
tile (const int rows, const gboolean indexed, const gboolean a_indexed, const Width width,
      CS_GEMM_MICRO_PARAMS)
{
  const gboolean   full = width == WHOLE, two = width != ONE_VECTOR;
  const CsLaneMask mask0 = vec_lanes (0, n);
  const CsLaneMask mask1 = vec_lanes (-8, n - 8);
#define DECLARE(i) CsVec low##i = vec_zero (), high##i = vec_zero ();
  EACH_ROW (DECLARE)
#undef DECLARE

  const char *fetch = prefetch != NULL ? prefetch->next : NULL;
  const int64_t fetch_step = prefetch != NULL ? prefetch->step : 0;

#pragma GCC unroll 2
  for (int64_t p = 0; p < depth; p++)
    {
      if (fetch != NULL)
        __builtin_prefetch (fetch + p * fetch_step, 0, 2);
      const float *row = b + (indexed ? koff[p] : p * ldb);
      const float *a_row = a_indexed ? a + a_koff[p] : a;
      CsVec b0 = vec_load_edge (full, row, mask0);
      CsVec b1 = two ? vec_load_edge (full, row + 8, mask1) : vec_zero ();
#define STEP(i) \
      if (i < rows) \
        { \
          CsVec ai = _mm256_broadcast_ss (a_row + i); \
          low##i = vec_fmadd (ai, b0, low##i); \
          if (two) \
            high##i = vec_fmadd (ai, b1, high##i); \
        }
      EACH_ROW (STEP)
#undef STEP
      if (!a_indexed)
        a += a_stride;
    }

  const CsEpilogueVec epv = vec_epilogue_load (ep);
  const gboolean accumulate = ep->accumulate;
#define STORE(i) \
  if (i < rows && !a_indexed && wrap != NULL) \
    vec_store_wrapped (c + i * ldc, n, wrap, low##i, high##i, \
                       bias != NULL ? bias[i] : 0.0f, accumulate, epv); \
  else if (i < rows) \
    { \
      float *out = c + i * ldc; \
      CsVec start0, start1; \
      if (accumulate) \
        { \
          start0 = vec_load_edge (full, out, mask0); \
          start1 = two ? vec_load_edge (full, out + 8, mask1) : start0; \
        } \
      else \
        start0 = start1 = vec_set1 (bias != NULL ? bias[i] : 0.0f); \
      vec_store_edge (full, out, mask0, vec_epilogue (low##i, start0, epv)); \
      if (two) \
        vec_store_edge (full, out + 8, mask1, vec_epilogue (high##i, start1, epv)); \
    }
  EACH_ROW (STORE)
#undef STORE
}

/* The whole tiles of a row of @n columns, a multiple of 16 (kernels.h). */
#define INDEXED_ROW_OF_TILES(r) CS_ROW_OF_TILES (r, CS_AVX2_NR, FALSE, TRUE, WHOLE)
#define ROW_OF_TILES(r) CS_ROW_OF_TILES (r, CS_AVX2_NR, FALSE, FALSE, WHOLE)

/* The tile for each row count and form of B, in registers (vec-simd.h). */
#define TILE(r, indexed, a_indexed, width) \
  tile (r, indexed, a_indexed, width, depth, a, a_stride, a_koff, b, koff, ldb, c, ldc, m, n, \
        bias, ep, wrap, prefetch)
#define PARTIAL(r, indexed, a_indexed) \
  { \
    if (n > 8) \
      TILE (r, indexed, a_indexed, TWO_VECTORS); \
    else \
      TILE (r, indexed, a_indexed, ONE_VECTOR); \
  }
#define INDEXED_PARTIAL_TILE(r) PARTIAL (r, TRUE, FALSE)
#define A_INDEXED_FULL_TILE(r) TILE (r, FALSE, TRUE, WHOLE)
#define A_INDEXED_PARTIAL_TILE(r) PARTIAL (r, FALSE, TRUE)
#define FULL_TILE(r) TILE (r, FALSE, FALSE, WHOLE)
#define PARTIAL_TILE(r) PARTIAL (r, FALSE, FALSE)

/* Each form of the operands in a function of its own: in one function
 * of all six, GCC spilled accumulators of several tiles to the stack
 * (sixteen registers hold twelve sums, two B vectors, a broadcast and,
 * masked, two masks), and ResNet-50's layers took 1/0.87 of the time. */
#define FORM(name, TILE_OF_ROWS) \
  static void __attribute__ ((noinline)) name (CS_GEMM_MICRO_PARAMS) \
  { \
    CS_ROW_SWITCH (m, CS_AVX2_MR, TILE_OF_ROWS) \
  }
FORM (b_indexed_row, INDEXED_ROW_OF_TILES)
FORM (b_indexed_partial, INDEXED_PARTIAL_TILE)
FORM (a_indexed_full, A_INDEXED_FULL_TILE)
FORM (a_indexed_partial, A_INDEXED_PARTIAL_TILE)
FORM (plain_row, ROW_OF_TILES)
FORM (plain_full, FULL_TILE)
FORM (plain_partial, PARTIAL_TILE)
#undef FORM

/* The @n columns of a row of tiles (kernels.h): the whole tiles by
 * @whole_tiles, the columns left by @partial_tile. */
static inline void
row_of_tiles (CsGemmMicro whole_tiles, CsGemmMicro partial_tile, CS_GEMM_MICRO_PARAMS)
{
  const int whole = n / CS_AVX2_NR * CS_AVX2_NR;
  const CsPrefetch along = prefetch != NULL ? cs_prefetch_along (prefetch, whole)
                                            : (CsPrefetch) { NULL, 0 };

  whole_tiles (depth, a, a_stride, a_koff, b, koff, ldb, c, ldc, m, whole, bias, ep, wrap,
               prefetch);
  if (whole < n)
    partial_tile (depth, a, a_stride, a_koff, b + whole, koff, ldb, c + whole, ldc, m, n - whole,
                  bias, ep, NULL, prefetch != NULL ? &along : NULL);
}

void
cs_gemm_micro_avx2 (CS_GEMM_MICRO_PARAMS)
{
#define ARGS depth, a, a_stride, a_koff, b, koff, ldb, c, ldc, m, n, bias, ep, wrap, prefetch
  if (koff != NULL && n >= CS_AVX2_NR)
    row_of_tiles (b_indexed_row, b_indexed_partial, ARGS);
  else if (koff != NULL)
    b_indexed_partial (ARGS);
  else if (a_koff != NULL && n == CS_AVX2_NR)
    a_indexed_full (ARGS);
  else if (a_koff != NULL)
    a_indexed_partial (ARGS);
  else if (n > CS_AVX2_NR)
    row_of_tiles (plain_row, plain_partial, ARGS);
  else if (n == CS_AVX2_NR)
    plain_full (ARGS);
  else
    plain_partial (ARGS);
#undef ARGS
}
