/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fake-quantize-simd.h — the kernel that rounds floats to a quantized
 * grid (kernels.h), written once in the vector vocabulary (vec-avx2.h,
 * vec-avx512.h); included by fake-quantize-avx2.c and
 * fake-quantize-avx512.c after their vocabulary header.  It gives the
 * portable kernel's bits: the same IEEE division, and a rounding that is
 * exact arithmetic on both.
 */

/* v − trunc(v) is exact and lies in (−1, 1), so trunc of twice it is 1
 * from one half up, −1 from minus one half down and 0 between: the step
 * away from zero that rounds halves as TFLite does.  Truncating through
 * an int32, as the portable kernel does, makes a zero +0.  max and min
 * return their second operand for a NaN, which makes it low. */
CS_VEC_INLINE CsVec
fake_quantize_vector (CsVec x, CsVec scale, CsVec low, CsVec high)
{
  const CsVec v = vec_min (vec_max (vec_div (x, scale), low), high);
  const CsVec whole = vec_trunc_int32 (v);
  const CsVec rest = vec_sub (v, whole);

  return vec_mul (vec_add (whole, vec_trunc_int32 (vec_add (rest, rest))), scale);
}

void
CS_VEC_NAME (cs_fake_quantize) (CS_FAKE_QUANTIZE_PARAMS)
{
  const CsVec scale_v = vec_set1 (scale), low_v = vec_set1 (low), high_v = vec_set1 (high);

#define ROUND_TO_GRID(v) fake_quantize_vector (v, scale_v, low_v, high_v)
  CS_VEC_MAP (x, y, n, ROUND_TO_GRID);
#undef ROUND_TO_GRID
}
