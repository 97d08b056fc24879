/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vec-simd.h — what every SIMD kernel shares, written once in the vector
 * vocabulary of vec-avx2.h or vec-avx512.h (which include it): the
 * CsEpilogue (kernels.h) on a vector of sums, the switch that gives
 * each row count of a tile its own instantiation, and the loop of the
 * elementwise kernels.
 */
#ifndef CS_VEC_SIMD_H
#define CS_VEC_SIMD_H

/* The epilogue's numbers, copied into registers once per kernel call:
 * read through the pointer, the compiler would reload them after every
 * store, which might alias them. */
typedef struct
{
  CsVec    alpha, slope, lo, hi;
  gboolean leaky, clamp;
} CsEpilogueVec;

CS_VEC_INLINE CsEpilogueVec
vec_epilogue_load (const CsEpilogue *ep)
{
  return (CsEpilogueVec) { vec_set1 (ep->alpha), vec_set1 (ep->slope),
                           vec_set1 (ep->lo), vec_set1 (ep->hi),
                           ep->leaky, ep->clamp };
}

/* @row + @offset floats; as an integer sum, since the masked lanes of a
 * load there may put it before the start of the plane, where C forbids
 * pointing. */
static inline const float *
shifted (const float *row, int64_t offset)
{
  return (const float *) ((uintptr_t) row + (uintptr_t) (offset * (int64_t) sizeof (float)));
}

/* alpha · sums + start, then the activation. */
CS_VEC_INLINE CsVec
vec_epilogue (CsVec sums, CsVec start, CsEpilogueVec ep)
{
  CsVec v = vec_fmadd (sums, ep.alpha, start);

  if (ep.leaky)
    v = vec_scale_negative (v, ep.slope);
  /* max/min return their second operand for a NaN, so NaN propagates. */
  if (ep.clamp)
    v = vec_min (ep.hi, vec_max (ep.lo, v));
  return v;
}

/* One row of a tile, its column vectors @low (columns [0, CS_VEC_LANES))
 * and @high (the next CS_VEC_LANES), through the epilogue into @out when
 * its columns wrap (kernels.h: CsColumnWrap): a masked load and store
 * per output row it touches, at out − r·(period − width) for the r-th.
 * That address may lie before the row; only the unmasked lanes, which
 * are inside it, are touched. */
CS_VEC_INLINE void
vec_store_wrapped (float *out, int n, const CsColumnWrap *wrap, CsVec low, CsVec high,
                   float start_value, gboolean accumulate, CsEpilogueVec epv)
{
  const int64_t skip = wrap->period - wrap->width;
  CsVec start0 = vec_set1 (start_value), start1 = start0;

  if (accumulate)
    for (int64_t r = 0, lo = -wrap->first; lo < n; r++, lo += wrap->period)
      {
        const int64_t hi = MIN (lo + wrap->width, n);

        start0 = vec_load_lanes_over (start0, out - r * skip, vec_lanes (lo, hi));
        start1 = vec_load_lanes_over (start1, out - r * skip + CS_VEC_LANES,
                                      vec_lanes (lo - CS_VEC_LANES, hi - CS_VEC_LANES));
      }
  low = vec_epilogue (low, start0, epv);
  high = vec_epilogue (high, start1, epv);
  for (int64_t r = 0, lo = -wrap->first; lo < n; r++, lo += wrap->period)
    {
      const int64_t hi = MIN (lo + wrap->width, n);

      vec_store_lanes (out - r * skip, vec_lanes (lo, hi), low);
      vec_store_lanes (out - r * skip + CS_VEC_LANES,
                       vec_lanes (lo - CS_VEC_LANES, hi - CS_VEC_LANES), high);
    }
}

/* The step of a grid that @quotient (x over the grid's scale) rounds to:
 * clamped to [@low, @high] (whole numbers; a NaN becomes low, since max
 * and min return their second operand for one), then rounded half away
 * from zero as TFLite does.  v − trunc(v) is exact and lies in (−1, 1),
 * so trunc of twice it is 1 from one half up, −1 from minus one half
 * down and 0 between.  Truncating through an int32, as the portable
 * kernels do (kernels.h: cs_grid_step_scalar), makes a zero +0. */
CS_VEC_INLINE CsVec
vec_grid_step (CsVec quotient, CsVec low, CsVec high)
{
  const CsVec v = vec_min (vec_max (quotient, low), high);
  const CsVec whole = vec_trunc_int32 (v);
  const CsVec rest = vec_sub (v, whole);

  return vec_add (whole, vec_trunc_int32 (vec_add (rest, rest)));
}

/* TILE (r) with the constant r = @rows, for 1 ≤ @rows ≤ @max_rows ≤ 16:
 * a tile whose row count is a constant keeps its accumulators in
 * registers and drops the unused ones.  Other @rows do nothing. */
#define CS_ROW_SWITCH(rows, max_rows, TILE) \
  switch (rows) \
    { \
      CS_ROW_CASE (1, max_rows, TILE) CS_ROW_CASE (2, max_rows, TILE) \
      CS_ROW_CASE (3, max_rows, TILE) CS_ROW_CASE (4, max_rows, TILE) \
      CS_ROW_CASE (5, max_rows, TILE) CS_ROW_CASE (6, max_rows, TILE) \
      CS_ROW_CASE (7, max_rows, TILE) CS_ROW_CASE (8, max_rows, TILE) \
      CS_ROW_CASE (9, max_rows, TILE) CS_ROW_CASE (10, max_rows, TILE) \
      CS_ROW_CASE (11, max_rows, TILE) CS_ROW_CASE (12, max_rows, TILE) \
      CS_ROW_CASE (13, max_rows, TILE) CS_ROW_CASE (14, max_rows, TILE) \
      CS_ROW_CASE (15, max_rows, TILE) CS_ROW_CASE (16, max_rows, TILE) \
    default: \
      break; \
    }
#define CS_ROW_CASE(r, max_rows, TILE) \
  case r: \
    if (r <= (max_rows)) \
      TILE (r); \
    break;

/* The GEMM micro-kernel's row of tiles (kernels.h) of @rows rows, @nr
 * columns at a time, B's rows at offsets (@indexed) or in step:
 * expanded where `tile` and the micro-kernel's parameters are in scope
 * (gemm-avx2.c, gemm-avx512.c and gemm-avx512-indexed.c).  Each tile
 * fetches the C lines that the tile CS_PREFETCH_TILES on stores when the
 * row has more than one.  @ragged: whether the last tile may be
 * narrower, its columns past @n its own to mask off (else every tile is
 * @nr wide, a constant: 16 → 64 on 112×112, AVX2, 0.38 against 0.39 ms
 * with the width worked out); @width: `tile`'s argument for the columns
 * of such tiles. */
#define CS_ROW_OF_TILES(rows, nr, ragged, indexed, width) \
  for (int64_t j0 = 0; j0 < n; j0 += (nr)) \
    { \
      const CsPrefetch at_tile = prefetch != NULL ? cs_prefetch_along (prefetch, j0) \
                                                  : (CsPrefetch) { NULL, 0 }; \
 \
      if (n > (nr)) \
        cs_prefetch_c_lines (c, rows, ldc, j0 + CS_PREFETCH_TILES * (nr)); \
      tile (rows, indexed, FALSE, width, depth, a, a_stride, a_koff, b + j0, koff, ldb, c + j0, \
            ldc, m, (ragged) ? (int) MIN ((nr), n - j0) : (nr), bias, ep, wrap, \
            prefetch != NULL ? &at_tile : NULL); \
    }

/* The first @n of the CS_INTERLEAVED_PIXELS sums of a row of the
 * interleaved kernels (depthwise-simd.h, grouped-simd.h) through the
 * epilogue into @out, a vector a pixel. */
CS_VEC_INLINE void
vec_store_pixels (const int n, float *out, CsVec start, CsEpilogueVec epv, CsVec sum0,
                  CsVec sum1, CsVec sum2, CsVec sum3, CsVec sum4, CsVec sum5, CsVec sum6,
                  CsVec sum7)
{
  const CsLaneMask all = vec_lanes (0, CS_VEC_LANES);

#define STORE(i) \
  if (i < n) \
    vec_store_edge (TRUE, out + i * CS_VEC_LANES, all, vec_epilogue (sum##i, start, epv));
  STORE (0) STORE (1) STORE (2) STORE (3) STORE (4) STORE (5) STORE (6) STORE (7)
#undef STORE
}

/* The 4×4 transposes within each 128-bit lane of rows 0–3 and of rows
 * 4–7 of @v: quad[j] holds, in each 128-bit lane k, element 4k + j of
 * rows 0–3 (quad[4 + j], of rows 4–7).  Rows paired by unpacks, (r0₀ r1₀
 * r0₁ r1₁)…, then quads by shuffles, (r0₀ r1₀ r2₀ r3₀)…; the transposes
 * of eight vectors finish from here (vec_transpose8, vec_store_columns). */
CS_VEC_INLINE void
vec_lane_quads (const CsVec v[8], CsVec quad[8])
{
  CsVec pair[8];

  for (int i = 0; i < 4; i++)
    {
      pair[2 * i] = vec_unpack_low (v[2 * i], v[2 * i + 1]);
      pair[2 * i + 1] = vec_unpack_high (v[2 * i], v[2 * i + 1]);
    }
  for (int i = 0; i < 2; i++)
    {
      quad[4 * i] = vec_shuffle (pair[4 * i], pair[4 * i + 2], _MM_SHUFFLE (1, 0, 1, 0));
      quad[4 * i + 1] = vec_shuffle (pair[4 * i], pair[4 * i + 2], _MM_SHUFFLE (3, 2, 3, 2));
      quad[4 * i + 2] = vec_shuffle (pair[4 * i + 1], pair[4 * i + 3], _MM_SHUFFLE (1, 0, 1, 0));
      quad[4 * i + 3] = vec_shuffle (pair[4 * i + 1], pair[4 * i + 3], _MM_SHUFFLE (3, 2, 3, 2));
    }
}

/* y[i] = FUNC (x[i]) for i < n, whole vectors and then a masked tail;
 * FUNC is an expression of one CsVec (a macro or an inline function), so
 * that each kernel's loop is compiled around its own arithmetic. */
#define CS_VEC_MAP(x, y, n, FUNC) \
  do \
    { \
      const CsLaneMask map_all_ = vec_lanes (0, CS_VEC_LANES); \
      int64_t          map_i_ = 0; \
      for (; map_i_ + CS_VEC_LANES <= (n); map_i_ += CS_VEC_LANES) \
        vec_store_edge (TRUE, (y) + map_i_, map_all_, \
                        FUNC (vec_load_edge (TRUE, (x) + map_i_, map_all_))); \
      if (map_i_ < (n)) \
        { \
          const CsLaneMask map_tail_ = vec_lanes (0, (n) - map_i_); \
          vec_store_lanes ((y) + map_i_, map_tail_, \
                           FUNC (vec_load_lanes ((x) + map_i_, map_tail_))); \
        } \
    } \
  while (0)

#endif /* CS_VEC_SIMD_H */
