/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fake-quantize-simd.h — the kernels that round floats to a quantized
 * grid and convert a grid's values to and from bytes (kernels.h),
 * written once in the vector vocabulary (vec-avx2.h, vec-avx512.h);
 * included by fake-quantize-avx2.c and fake-quantize-avx512.c after
 * their vocabulary header.  They give the portable kernels' bits: the
 * same IEEE division, and a rounding that is exact arithmetic on both.
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

/* The byte of each lane's step (CsGridToBytes), as int32 lanes. */
CS_VEC_INLINE CsVecInt
byte_vector (CsVec x, CsVec scale, CsVec low, CsVec high)
{
  return vec_to_int32 (vec_sub (vec_grid_step (vec_div (x, scale), low, high), low));
}

void
CS_VEC_NAME (cs_grid_to_bytes) (CS_GRID_TO_BYTES_PARAMS)
{
  const CsVec scale_v = vec_set1 (scale), low_v = vec_set1 (low), high_v = vec_set1 (high);
  const CsLaneMask all = vec_lanes (0, CS_VEC_LANES);
  int64_t i = 0;

  for (; i + CS_VEC_LANES <= n; i += CS_VEC_LANES)
    vec_int_store_bytes (y + i, CS_VEC_LANES,
                         byte_vector (vec_load_edge (TRUE, x + i, all), scale_v, low_v, high_v));
  if (i < n)
    vec_int_store_bytes (y + i, n - i, byte_vector (vec_load_lanes (x + i, vec_lanes (0, n - i)),
                                                    scale_v, low_v, high_v));
}

void
CS_VEC_NAME (cs_grid_from_bytes) (CS_GRID_FROM_BYTES_PARAMS)
{
  const CsVec scale_v = vec_set1 (scale), low_v = vec_set1 (low);
  const CsLaneMask all = vec_lanes (0, CS_VEC_LANES);
  int64_t i = 0;

#define FROM_BYTES(count) \
  vec_mul (vec_add (vec_int_to_float (vec_int_load_bytes (x + i, count)), low_v), scale_v)
  for (; i + CS_VEC_LANES <= n; i += CS_VEC_LANES)
    vec_store_edge (TRUE, y + i, all, FROM_BYTES (CS_VEC_LANES));
  if (i < n)
    vec_store_lanes (y + i, vec_lanes (0, n - i), FROM_BYTES (n - i));
#undef FROM_BYTES
}
