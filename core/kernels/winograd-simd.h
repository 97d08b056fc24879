/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * winograd-simd.h — the transforms of Winograd's F(4×4, 3×3) down the
 * columns of six rows (kernels.h: CS_WINOGRAD_PARAMS), written once in
 * the vector vocabulary (vec-avx2.h, vec-avx512.h); included by
 * winograd-avx2.c and winograd-avx512.c after their vocabulary header.
 * With AVX-512, the input's transform along its rows too (kernels.h:
 * CsWinogradRow), sixteen tiles a vector: with four a step it took as
 * long as the products on DenseNet-121's 128 → 32 layers (its Winograd
 * layers cold, one thread, 18.3–19.0 → 16.7 ms; ResNet-50's 10.2–10.9 →
 * 10.1–10.3, SqueezeNet's 2.32–2.48 → 2.23–2.33).
 */

/* Bᵀ of F(4, 3) of the six values @d0 … @d5 in each lane, into lanes
 * [k, k + lanes) of the six rows at @o. */
CS_VEC_INLINE void
bt_store (CsVec d0, CsVec d1, CsVec d2, CsVec d3, CsVec d4, CsVec d5, float *o, int64_t os,
          int64_t k, gboolean whole, CsLaneMask lanes)
{
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

/* Bᵀ of F(4, 3) on the columns [k, k + lanes) of the six rows. */
CS_VEC_INLINE void
bt_columns (CS_WINOGRAD_PARAMS, int64_t k, gboolean whole, CsLaneMask lanes)
{
  bt_store (vec_load_edge (whole, d + k, lanes), vec_load_edge (whole, d + ds + k, lanes),
            vec_load_edge (whole, d + 2 * ds + k, lanes),
            vec_load_edge (whole, d + 3 * ds + k, lanes),
            vec_load_edge (whole, d + 4 * ds + k, lanes),
            vec_load_edge (whole, d + 5 * ds + k, lanes), o, os, k, whole, lanes);
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

#if CS_VEC_LANES == 16
/* Bᵀ along a row for tiles [k, k + 16), their inputs 4 floats apart:
 * the 64 floats from tile k's first, split into lanes of every fourth
 * by halving twice into even and odd elements (eight two-source
 * permutes, where winograd.c's transposes of four tiles take forty for
 * sixteen tiles); the fifth and sixth inputs are the next tile's first
 * and second, the vectors shifted by a lane. */
CS_VEC_INLINE void
bt_row_tiles (const float *line, float *o, int64_t os, int64_t k, gboolean whole,
              CsLaneMask lanes)
{
  const float     *at = line + 4 * k;
  const CsLaneMask all = vec_lanes (0, CS_VEC_LANES);
  const CsVec      a = vec_load_edge (TRUE, at, all), b = vec_load_edge (TRUE, at + 16, all);
  const CsVec      c = vec_load_edge (TRUE, at + 32, all), d = vec_load_edge (TRUE, at + 48, all);
  const CsVec      even = vec_even_lanes (a, b), odd = vec_odd_lanes (a, b);
  const CsVec      even2 = vec_even_lanes (c, d), odd2 = vec_odd_lanes (c, d);
  const CsVec      d0 = vec_even_lanes (even, even2), d2 = vec_odd_lanes (even, even2);
  const CsVec      d1 = vec_even_lanes (odd, odd2), d3 = vec_odd_lanes (odd, odd2);

  bt_store (d0, d1, d2, d3, vec_shift_in (vec_set1 (at[64]), d0, 1),
            vec_shift_in (vec_set1 (at[65]), d1, 1), o, os, k, whole, lanes);
}

void
CS_VEC_NAME (cs_winograd_bt_row) (CS_WINOGRAD_ROW_PARAMS)
{
  int64_t k = 0;

  for (; k + CS_VEC_LANES <= n; k += CS_VEC_LANES)
    bt_row_tiles (line, o, os, k, TRUE, vec_lanes (0, CS_VEC_LANES));
  if (k < n)
    bt_row_tiles (line, o, os, k, FALSE, vec_lanes (0, n - k));
}
#endif
