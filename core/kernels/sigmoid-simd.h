/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sigmoid-simd.h — the logistic-function kernel (kernels.h), σ(x) or
 * x·σ(x), written once in the vector vocabulary (vec-avx2.h,
 * vec-avx512.h); included by sigmoid-avx2.c and sigmoid-avx512.c after
 * their vocabulary header.  e = e^−|x|, which cannot overflow, is Cephes'
 * expf: n = round(t·log₂e), the reduced argument t − n·ln 2 with ln 2 in
 * a short high part and a low one (Cody–Waite) so that n·high is exact, a
 * degree-6 polynomial on [−ln 2/2, ln 2/2], and 2ⁿ applied in two steps
 * (vec_exp2_head and vec_exp2_tail: the exponent bits in two halves on
 * AVX2, vscalefps on AVX-512) so that a subnormal result is rounded once,
 * at the end.  σ = 1/(1 + e), e/(1 + e) below 0, by a division (a 14-bit
 * reciprocal on AVX-512) corrected by one Newton step for its own
 * error and the roundings of 1 + e and of x·e.  Measured against σ in double
 * precision over every 61st float: at most 1.47 ulp (1.2·10⁻⁷ relative)
 * for σ, 1.63 ulp (1.4·10⁻⁷) for x·σ(x), subnormal results included;
 * tests/core/test-kernels.c checks every 8191st.
 */

#include <float.h>

/* σ(x) or x·σ(x) of one vector.  x is clamped to CS_SIGMOID_FLOOR first,
 * where both are already 0, so that −∞ gives 0 rather than −∞·0 and 2ⁿ
 * stays in range; NaN stays NaN all the way through, since max and min
 * return their second operand for one. */
CS_VEC_INLINE CsVec
sigmoid_vector (CsVec x, const gboolean times_input)
{
  const CsVec floor = vec_set1 (CS_SIGMOID_FLOOR);
  const CsVec clamped = vec_max (floor, x);
  const CsVec t = vec_max (floor, vec_minus_abs (x));
  const CsVec n = vec_round (vec_mul (t, vec_set1 (1.44269504088896341f)));
  const CsVec r =
      vec_fmadd (n, vec_set1 (2.12194440e-4f), vec_fmadd (n, vec_set1 (-0.693359375f), t));
  /* The polynomial by Estrin's scheme, three pairs at once, so that the
   * chain of dependent steps is half as long as Horner's. */
  const CsVec r2 = vec_mul (r, r);
  const CsVec high_pair = vec_fmadd (vec_set1 (1.9875691500e-4f), r, vec_set1 (1.3981999507e-3f));
  const CsVec mid_pair = vec_fmadd (vec_set1 (8.3334519073e-3f), r, vec_set1 (4.1665795894e-2f));
  const CsVec low_pair = vec_fmadd (vec_set1 (1.6666665459e-1f), r, vec_set1 (5.0000001201e-1f));
  CsVec       p = vec_fmadd (r2, vec_fmadd (r2, high_pair, mid_pair), low_pair);
  p = vec_add (vec_fmadd (p, r2, r), vec_set1 (1.0f));

  /* n ≥ −182; high stays normal, and e is rounded once. */
  const CsExp2 power = vec_exp2_split (n);
  const CsVec  high = vec_exp2_head (p, power);
  const CsVec  e = vec_exp2_tail (high, power);
  const CsVec  one = vec_set1 (1.0f);
  /* 1 + e = sum + sum_error exactly (Fast2Sum, as 1 ≥ e). */
  const CsVec sum = vec_add (one, e);
  const CsVec sum_error = vec_add (vec_sub (one, sum), e);
  /* The numerator, 1, or below 0 e before its tail scaling (so that
   * e/(1 + e) is one quotient, not e·σ), times x for SiLU as an exact sum
   * of two floats. */
  const CsVec numerator = vec_select_negative (x, high, one);
  const CsVec product = times_input ? vec_mul (clamped, numerator) : numerator;
  const CsVec product_error =
      times_input ? vec_fmadd (clamped, numerator, vec_sub (vec_zero (), product)) : vec_zero ();
  /* One Newton step from a first quotient against the exact numerator
   * and denominator: the rounding of 1 + e and of x·e no longer counts,
   * only that of the result and e's own error.  The step squares the
   * first quotient's relative error, so a 14-bit reciprocal (2⁻²⁸ after
   * it, under the result's rounding) serves instead of a division; a
   * 12-bit one would leave 2⁻²⁴, an ulp. */
  const CsVec reciprocal = vec_rcp (sum);
  const CsVec quotient =
      CS_VEC_RCP_BITS >= 14 ? vec_mul (product, reciprocal) : vec_div (product, sum);
  const CsVec minus_quotient = vec_sub (vec_zero (), quotient);
  const CsVec rounding = vec_fmadd (minus_quotient, sum, product);
  const CsVec residual = vec_fmadd (minus_quotient, sum_error,
                                    times_input ? vec_add (rounding, product_error) : rounding);
  const CsVec correction = vec_mul (residual, reciprocal);
  /* x = ∞ leaves a NaN residual in x·σ(x): the correction is kept finite
   * (max and min drop a NaN) so that ∞ stays ∞; a NaN quotient stays
   * NaN.  σ alone has a finite numerator. */
  const CsVec kept = times_input
                         ? vec_min (vec_max (correction, vec_set1 (-FLT_MAX)), vec_set1 (FLT_MAX))
                         : correction;
  const CsVec result = vec_add (quotient, kept);

  return vec_select_negative (x, vec_exp2_tail (result, power), result);
}

CS_VEC_INLINE void
sigmoid_run (const float *x, float *y, int64_t n, const gboolean times_input)
{
  const CsLaneMask all = vec_lanes (0, CS_VEC_LANES);
  int64_t          i = 0;

  for (; i + CS_VEC_LANES <= n; i += CS_VEC_LANES)
    vec_store_edge (TRUE, y + i, all,
                    sigmoid_vector (vec_load_edge (TRUE, x + i, all), times_input));
  if (i < n)
    {
      const CsLaneMask tail = vec_lanes (0, n - i);

      vec_store_lanes (y + i, tail, sigmoid_vector (vec_load_lanes (x + i, tail), times_input));
    }
}

void
CS_VEC_NAME (cs_sigmoid) (CS_SIGMOID_PARAMS)
{
  /* A loop for each, with the choice made outside it. */
  if (times_input)
    sigmoid_run (x, y, n, TRUE);
  else
    sigmoid_run (x, y, n, FALSE);
}
