/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qpack-simd.h — the 8-bit convolution's packers of floats and of bytes
 * (kernels.h: CsQPack, CsQPackBytes), written once in the vector
 * vocabulary (vec-avx2.h, vec-avx512.h) for a B panel of CS_QNR columns,
 * which the including file defines with its micro-kernel.  They give the
 * portable packers' bytes: the same product, and the rounding of
 * vec_grid_step (vec-simd.h), exact arithmetic on both.
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

/* The panel of @depth rows of a vector's columns each (QUANTIZE (row,
 * part, lanes): row p's int32 lanes of part part, 0 outside @lanes) and
 * its column sums, as both packers lay it out. */
#define PACK_PANEL(QUANTIZE) \
  for (int part = 0; part < CS_QNR / CS_VEC_LANES; part++) \
    { \
      const CsLaneMask lanes = vec_lanes (0, n - part * CS_VEC_LANES); \
      CsVecInt sum = vec_int_zero (); \
 \
      for (int64_t p = 0; p < depth; p += 4) \
        { \
          CsVecInt packed = vec_int_zero (); \
 \
          /* Row p + t is byte t of each column's four. */ \
          for (int t = 0; t < 4 && p + t < depth; t++) \
            { \
              const CsVecInt q = QUANTIZE (p + t, part, lanes); \
 \
              sum = vec_int_add (sum, q); \
              packed = vec_int_or (packed, vec_int_shift_left (q, 8 * t)); \
            } \
          vec_int_store (b + (p / 4 * CS_QNR + part * CS_VEC_LANES) * 4, packed); \
        } \
      vec_int_store_lanes (colsum + part * CS_VEC_LANES, lanes, sum); \
    }

void
CS_VEC_NAME (cs_qpack) (CS_QPACK_PARAMS)
{
  const CsVec inverse = vec_set1 (inverse_scale);
  const CsVec low = vec_set1 ((float) -zero), high = vec_set1 ((float) (255 - zero));
  const CsVecInt zero_v = vec_int_set1 (zero);

#define QUANTIZE_FLOATS(row, part, lanes) \
  quantize_row (x + (row) * x_stride + (part) * CS_VEC_LANES, lanes, inverse, low, high, zero_v)
  PACK_PANEL (QUANTIZE_FLOATS)
#undef QUANTIZE_FLOATS
}

void
CS_VEC_NAME (cs_qpack_bytes) (CS_QPACK_BYTES_PARAMS)
{
  const CsVecInt add_v = vec_int_set1 (add);

#define SHIFT_BYTES(row, part, lanes) \
  vec_int_only (lanes, vec_int_add (vec_int_load_bytes (x + (row) * x_stride \
                                                        + (part) * CS_VEC_LANES, \
                                                        n - (part) * CS_VEC_LANES), \
                                    add_v))
  PACK_PANEL (SHIFT_BYTES)
#undef SHIFT_BYTES
}

#undef PACK_PANEL
