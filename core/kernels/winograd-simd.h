/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * winograd-simd.h — the transforms of Winograd's F(4×4, 3×3) down the
 * columns of six rows (kernels.h: CS_WINOGRAD_PARAMS), written once in
 * the vector vocabulary (vec-avx2.h, vec-avx512.h); included by
 * winograd-avx2.c and winograd-avx512.c after their vocabulary header.
 */

/* Bᵀ of F(4, 3) on the columns [k, k + lanes) of the six rows. */
CS_VEC_INLINE void
bt_columns (CS_WINOGRAD_PARAMS, int64_t k, gboolean whole, CsLaneMask lanes)
{
  const CsVec d0 = vec_load_edge (whole, d + k, lanes);
  const CsVec d1 = vec_load_edge (whole, d + ds + k, lanes);
  const CsVec d2 = vec_load_edge (whole, d + 2 * ds + k, lanes);
  const CsVec d3 = vec_load_edge (whole, d + 3 * ds + k, lanes);
  const CsVec d4 = vec_load_edge (whole, d + 4 * ds + k, lanes);
  const CsVec d5 = vec_load_edge (whole, d + 5 * ds + k, lanes);
  const CsVec four = vec_set1 (4.0f), minus_four = vec_set1 (-4.0f), two = vec_set1 (2.0f);
  const CsVec minus_five = vec_set1 (-5.0f);

  vec_store_edge (whole, o + k, lanes, vec_fmadd (four, d0, vec_fmadd (minus_five, d2, d4)));
  vec_store_edge (whole, o + os + k, lanes,
                  vec_fmadd (minus_four, vec_add (d1, d2), vec_add (d3, d4)));
  vec_store_edge (whole, o + 2 * os + k, lanes,
                  vec_fmadd (four, vec_sub (d1, d2), vec_sub (d4, d3)));
  vec_store_edge (whole, o + 3 * os + k, lanes,
                  vec_fmadd (two, vec_sub (d3, d1), vec_sub (d4, d2)));
  vec_store_edge (whole, o + 4 * os + k, lanes,
                  vec_fmadd (two, vec_sub (d1, d3), vec_sub (d4, d2)));
  vec_store_edge (whole, o + 5 * os + k, lanes,
                  vec_fmadd (four, d1, vec_fmadd (minus_five, d3, d5)));
}

/* Aᵀ of F(4, 3) on the columns [k, k + lanes). */
CS_VEC_INLINE void
at_columns (CS_WINOGRAD_PARAMS, int64_t k, gboolean whole, CsLaneMask lanes)
{
  const CsVec d1 = vec_load_edge (whole, d + ds + k, lanes);
  const CsVec d2 = vec_load_edge (whole, d + 2 * ds + k, lanes);
  const CsVec d3 = vec_load_edge (whole, d + 3 * ds + k, lanes);
  const CsVec d4 = vec_load_edge (whole, d + 4 * ds + k, lanes);
  const CsVec sum12 = vec_add (d1, d2), diff12 = vec_sub (d1, d2);
  const CsVec sum34 = vec_add (d3, d4), diff34 = vec_sub (d3, d4);

  vec_store_edge (whole, o + k, lanes,
                  vec_add (vec_add (vec_load_edge (whole, d + k, lanes), sum12), sum34));
  vec_store_edge (whole, o + os + k, lanes, vec_fmadd (vec_set1 (2.0f), diff34, diff12));
  vec_store_edge (whole, o + 2 * os + k, lanes, vec_fmadd (vec_set1 (4.0f), sum34, sum12));
  vec_store_edge (whole, o + 3 * os + k, lanes,
                  vec_fmadd (vec_set1 (8.0f), diff34,
                             vec_add (diff12, vec_load_edge (whole, d + 5 * ds + k, lanes))));
}

/* Whole vectors, then the last columns under a mask. */
#define WINOGRAD_COLUMNS(COLUMNS) \
  do \
    { \
      const CsLaneMask all_ = vec_lanes (0, CS_VEC_LANES); \
      int64_t          k_ = 0; \
      for (; k_ + CS_VEC_LANES <= n; k_ += CS_VEC_LANES) \
        COLUMNS (d, ds, o, os, n, k_, TRUE, all_); \
      if (k_ < n) \
        COLUMNS (d, ds, o, os, n, k_, FALSE, vec_lanes (0, n - k_)); \
    } \
  while (0)

void
CS_VEC_NAME (cs_winograd_bt) (CS_WINOGRAD_PARAMS)
{
  WINOGRAD_COLUMNS (bt_columns);
}

void
CS_VEC_NAME (cs_winograd_at) (CS_WINOGRAD_PARAMS)
{
  WINOGRAD_COLUMNS (at_columns);
}
