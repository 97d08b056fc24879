/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qpack-simd.h — the 8-bit convolution's packer (kernels.h: CsQPack),
 * written once in the vector vocabulary (vec-avx2.h, vec-avx512.h) for a
 * B panel of CS_QNR columns, which the including file defines with its
 * micro-kernel.  It gives the portable packer's bytes: the same product,
 * and the rounding of vec_grid_step (vec-simd.h), exact arithmetic on
 * both.
 */

/* One row of a vector's columns quantized, as int32 lanes, 0 outside
 * @lanes. */
CS_VEC_INLINE CsVecInt
quantize_row (const float *x, CsLaneMask lanes, CsVec inverse_scale, CsVec low, CsVec high,
              CsVecInt zero)
{
  const CsVec step = vec_grid_step (vec_mul (vec_load_lanes (x, lanes), inverse_scale), low,
                                    high);

  return vec_int_only (lanes, vec_int_add (vec_to_int32 (step), zero));
}

void
CS_VEC_NAME (cs_qpack) (CS_QPACK_PARAMS)
{
  const CsVec inverse = vec_set1 (inverse_scale);
  const CsVec low = vec_set1 ((float) -zero), high = vec_set1 ((float) (255 - zero));
  const CsVecInt zero_v = vec_int_set1 (zero);

  for (int part = 0; part < CS_QNR / CS_VEC_LANES; part++)
    {
      const CsLaneMask lanes = vec_lanes (0, n - part * CS_VEC_LANES);
      CsVecInt sum = vec_int_zero ();

      for (int64_t p = 0; p < depth; p += 4)
        {
          CsVecInt packed = vec_int_zero ();

          /* Row p + t is byte t of each column's four. */
          for (int t = 0; t < 4 && p + t < depth; t++)
            {
              const CsVecInt q = quantize_row (x + (p + t) * x_stride + part * CS_VEC_LANES, lanes,
                                               inverse, low, high, zero_v);

              sum = vec_int_add (sum, q);
              packed = vec_int_or (packed, vec_int_shift_left (q, 8 * t));
            }
          vec_int_store (b + (p / 4 * CS_QNR + part * CS_VEC_LANES) * 4, packed);
        }
      vec_int_store_lanes (colsum + part * CS_VEC_LANES, lanes, sum);
    }
}
