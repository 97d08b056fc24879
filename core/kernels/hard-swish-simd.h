/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hard-swish-simd.h — the HardSwish kernel (kernels.h), x·min(max(x/6 +
 * ½, 0), 1), written once in the vector vocabulary (vec-avx2.h,
 * vec-avx512.h); included by hard-swish-avx2.c and hard-swish-avx512.c
 * after their vocabulary header.  x/6 + ½ is a product and a sum, not a
 * fused multiply-add, so that every table rounds as the portable one does
 * and the results agree to the bit.
 */

/* NaN stays NaN: max and min return their second operand for one, and
 * NaN times anything is NaN. */
CS_VEC_INLINE CsVec
hard_swish_vector (CsVec x)
{
  const CsVec gate = vec_add (vec_mul (x, vec_set1 (1.0f / 6.0f)), vec_set1 (0.5f));

  return vec_mul (x, vec_min (vec_set1 (1.0f), vec_max (vec_zero (), gate)));
}

void
CS_VEC_NAME (cs_hard_swish) (CS_HARD_SWISH_PARAMS)
{
  CS_VEC_MAP (x, y, n, hard_swish_vector);
}
