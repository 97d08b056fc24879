/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fake-quantize-simd.h — the kernel that rounds floats to a quantized
 * grid (kernels.h), written once in the vector vocabulary (vec-avx2.h,
 * vec-avx512.h); included by fake-quantize-avx2.c and
 * fake-quantize-avx512.c after their vocabulary header.  It gives the
 * portable kernel's bits: the same IEEE division, and a rounding that is
 * exact arithmetic on both.
 */

CS_VEC_INLINE CsVec
fake_quantize_vector (CsVec x, CsVec scale, CsVec low, CsVec high)
{
  return vec_mul (vec_grid_step (vec_div (x, scale), low, high), scale);
}

void
CS_VEC_NAME (cs_fake_quantize) (CS_FAKE_QUANTIZE_PARAMS)
{
  const CsVec scale_v = vec_set1 (scale), low_v = vec_set1 (low), high_v = vec_set1 (high);

#define ROUND_TO_GRID(v) fake_quantize_vector (v, scale_v, low_v, high_v)
  CS_VEC_MAP (x, y, n, ROUND_TO_GRID);
#undef ROUND_TO_GRID
}
