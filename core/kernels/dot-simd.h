/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dot-simd.h — the dot-product kernel (kernels.h) for products with few
 * rows and a transposed B, written once in the vector vocabulary
 * (vec-avx2.h, vec-avx512.h); included by dot-avx2.c and dot-avx512.c
 * after their vocabulary header and DOT_COLS, the B rows that stream side
 * by side against up to four A rows (as many as the registers hold).  The
 * last partial vector of a row is masked.
 *
 * One A row (a dense layer on one image) streams eight B rows instead.
 * The weights then come from memory, not the caches, and four streams of
 * short rows were the prefetchers' worst case: a 960 × 1280 layer read
 * cold took 264 µs in fours, 201 µs in eights and 345 µs in pairs (Zen 4,
 * AVX-512), and eights matched fours on rows of 9216.
 */

/* The accumulators are named variables, not an array: GCC keeps an array
 * of vectors in memory across the loop's back edge.  Those of columns
 * beyond @cols are never used and vanish. */
#define EACH_PAIR(X) \
  X (0, 0) X (0, 1) X (0, 2) X (0, 3) X (1, 0) X (1, 1) X (1, 2) X (1, 3) \
  X (2, 0) X (2, 1) X (2, 2) X (2, 3) X (3, 0) X (3, 1) X (3, 2) X (3, 3)
#define EACH_INDEX(X) X (0) X (1) X (2) X (3)

G_STATIC_ASSERT (CS_DOT_ROWS == 4 && DOT_COLS <= 4);

/* @rows: @m, as a constant; @cols: the B rows of this tile (≤ @n). */
CS_VEC_INLINE void
dot_tile (const int rows, const int cols, CS_GEMM_DOT_PARAMS)
{
#define DECLARE(i, j) CsVec acc##i##j = vec_zero ();
  EACH_PAIR (DECLARE)
#undef DECLARE

  for (int64_t p = 0; p < depth; p += CS_VEC_LANES)
    {
      const gboolean full = depth - p >= CS_VEC_LANES;
      const CsLaneMask mask = vec_lanes (0, depth - p);
#define LOAD_A(i) CsVec a##i = i < rows ? vec_load_edge (full, a + i * lda + p, mask) \
                                        : vec_zero ();
#define LOAD_B(j) CsVec b##j = j < cols ? vec_load_edge (full, b + j * ldb + p, mask) \
                                        : vec_zero ();
      EACH_INDEX (LOAD_A)
      EACH_INDEX (LOAD_B)
#undef LOAD_A
#undef LOAD_B
#define STEP(i, j) \
      if (i < rows && j < cols) \
        acc##i##j = vec_fmadd (a##i, b##j, acc##i##j);
      EACH_PAIR (STEP)
#undef STEP
    }

#define STORE(i, j) \
  if (i < rows && j < cols) \
    { \
      float *out = y + i * ldy + j; \
      *out = cs_epilogue_scalar (ep, vec_sum (acc##i##j), ep->accumulate ? *out : 0.0f); \
    }
  EACH_PAIR (STORE)
#undef STORE
}

#define EACH_COLUMN(X) X (0) X (1) X (2) X (3) X (4) X (5) X (6) X (7)
#define DOT_ROW_COLS 8

/* One A row against @cols B rows (≤ DOT_ROW_COLS, a constant). */
CS_VEC_INLINE void
dot_row_tile (const int cols, CS_GEMM_DOT_PARAMS)
{
#define DECLARE(j) CsVec acc##j = vec_zero ();
  EACH_COLUMN (DECLARE)
#undef DECLARE

  for (int64_t p = 0; p < depth; p += CS_VEC_LANES)
    {
      const gboolean full = depth - p >= CS_VEC_LANES;
      const CsLaneMask mask = vec_lanes (0, depth - p);
      const CsVec a0 = vec_load_edge (full, a + p, mask);
#define STEP(j) \
      if (j < cols) \
        acc##j = vec_fmadd (a0, vec_load_edge (full, b + j * ldb + p, mask), acc##j);
      EACH_COLUMN (STEP)
#undef STEP
    }

#define STORE(j) \
  if (j < cols) \
    y[j] = cs_epilogue_scalar (ep, vec_sum (acc##j), ep->accumulate ? y[j] : 0.0f);
  EACH_COLUMN (STORE)
#undef STORE
}

void
CS_VEC_NAME (cs_gemm_dot) (CS_GEMM_DOT_PARAMS)
{
  int j = 0;

  if (m == 1)
    {
#define ROW_TILE(cols) dot_row_tile (cols, depth, a, lda, m, b + j * ldb, ldb, n, y + j, ldy, ep)
      for (; j + DOT_ROW_COLS <= n; j += DOT_ROW_COLS)
        ROW_TILE (DOT_ROW_COLS);
      CS_ROW_SWITCH (n - j, DOT_ROW_COLS, ROW_TILE)
#undef ROW_TILE
      return;
    }

#define WIDE_TILE(r) dot_tile (r, DOT_COLS, depth, a, lda, m, b + j * ldb, ldb, n, y + j, ldy, ep)
#define NARROW_TILE(r) dot_tile (r, 1, depth, a, lda, m, b + j * ldb, ldb, n, y + j, ldy, ep)
  for (; j + DOT_COLS <= n; j += DOT_COLS)
    CS_ROW_SWITCH (m, CS_DOT_ROWS, WIDE_TILE)
  for (; j < n; j++)
    CS_ROW_SWITCH (m, CS_DOT_ROWS, NARROW_TILE)
#undef WIDE_TILE
#undef NARROW_TILE
}
