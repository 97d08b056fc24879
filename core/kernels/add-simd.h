/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * add-simd.h — the kernel of an Add of two operands of one shape, a
 * residual connection, with the clamp or leaky slope after it (kernels.h:
 * CsAdd), written once in the vector vocabulary (vec-avx2.h,
 * vec-avx512.h); included by add-avx2.c and add-avx512.c after their
 * vocabulary header.
 */

void
CS_VEC_NAME (cs_add) (CS_ADD_PARAMS)
{
  const CsLaneMask    all = vec_lanes (0, CS_VEC_LANES);
  const CsEpilogueVec epv = vec_epilogue_load (ep);
  int64_t             i = 0;

  for (; i + CS_VEC_LANES <= n; i += CS_VEC_LANES)
    vec_store_edge (TRUE, y + i, all,
                    vec_epilogue (vec_load_edge (TRUE, a + i, all),
                                  vec_load_edge (TRUE, b + i, all), epv));
  if (i < n)
    {
      const CsLaneMask tail = vec_lanes (0, n - i);

      vec_store_lanes (y + i, tail,
                       vec_epilogue (vec_load_lanes (a + i, tail), vec_load_lanes (b + i, tail),
                                     epv));
    }
}
