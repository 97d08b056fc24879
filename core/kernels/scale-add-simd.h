/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * scale-add-simd.h — the kernel of α·x + b with the clamp or leaky slope
 * after it (kernels.h: CsScaleAdd), a residual Add or a channel of
 * BatchNormalization, written once in the vector vocabulary
 * (vec-avx2.h, vec-avx512.h); included by scale-add-avx2.c and
 * scale-add-avx512.c after their vocabulary header.
 */

/* @moves: @b_moves, a constant in each instantiation. */
CS_VEC_INLINE void
scale_add_run (const gboolean moves, CS_SCALE_ADD_PARAMS)
{
  const CsLaneMask    all = vec_lanes (0, CS_VEC_LANES);
  const CsEpilogueVec epv = vec_epilogue_load (ep);
  const CsVec         fixed = moves ? vec_zero () : vec_set1 (b[0]);
  int64_t             i = 0;

  for (; i + CS_VEC_LANES <= n; i += CS_VEC_LANES)
    vec_store_edge (TRUE, y + i, all,
                    vec_epilogue (vec_load_edge (TRUE, x + i, all),
                                  moves ? vec_load_edge (TRUE, b + i, all) : fixed, epv));
  if (i < n)
    {
      const CsLaneMask tail = vec_lanes (0, n - i);

      vec_store_lanes (y + i, tail,
                       vec_epilogue (vec_load_lanes (x + i, tail),
                                     moves ? vec_load_lanes (b + i, tail) : fixed, epv));
    }
}

void
CS_VEC_NAME (cs_scale_add) (CS_SCALE_ADD_PARAMS)
{
  if (b_moves)
    scale_add_run (TRUE, x, b, b_moves, y, n, ep);
  else
    scale_add_run (FALSE, x, b, b_moves, y, n, ep);
}
