/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gelu-simd.h — the GELU kernel (kernels.h), x·Φ(x) = ½x·(1 + erf(x/√2)),
 * written once in the vector vocabulary (vec-avx2.h, vec-avx512.h);
 * included by gelu-avx2.c and gelu-avx512.c after their vocabulary
 * header.  erf(x/√2) is x·P(x²)/Q(x²), P and Q of degree 5, a rational
 * fit of relative error 5.8·10⁻⁸ on [0, 5.55] with its coefficients
 * rounded to floats (tools/fit-erf.py); no exponential is needed, and
 * the quotient is a division, or on AVX-512 a 14-bit reciprocal and one
 * Newton step.  ½x·(1 + erf) is one fused
 * multiply-add, so that for negative x the small 1 + erf is not rounded
 * on its own, as an Erf → Add → Mul graph rounds it.  In floats the
 * roundings of P and Q leave erf within 5 units of 2⁻²⁴.  Measured against
 * ½x·erfc(−x/√2) in double precision over every 61st float: at most
 * 2.74 ulp for x ≥ 0, and below 0 at most 0.62 of 3 ulp + |x|·2⁻²²;
 * tests/core/test-kernels.c checks every 8191st against those bounds.
 */

/* x·Φ(x) of one vector.  erf is taken at x clamped to ±CS_GELU_BOUND,
 * beyond which it is ±1 in floats, and clamped to [−1, 1] itself, so that
 * x ≤ −CS_GELU_BOUND gives 0 and −∞ no −∞·0; the factor ½x is clamped
 * below the same way, and +∞ stays +∞.  NaN stays NaN, since max and min
 * return their second operand for one. */
CS_VEC_INLINE CsVec
gelu_vector (CsVec x)
{
  const CsVec bound = vec_set1 (CS_GELU_BOUND), minus_bound = vec_set1 (-CS_GELU_BOUND);
  const CsVec one = vec_set1 (1.0f), minus_one = vec_set1 (-1.0f);
  const CsVec t = vec_min (bound, vec_max (minus_bound, x));
  const CsVec s = vec_mul (t, t);
  const CsVec s2 = vec_mul (s, s);
  const CsVec s4 = vec_mul (s2, s2);
  /* Both polynomials in s = x² by Estrin's scheme, pairs first. */
  const CsVec p_low = vec_fmadd (vec_set1 (6.6881969571e-02f), s, vec_set1 (7.9788458347e-01f));
  const CsVec p_mid = vec_fmadd (vec_set1 (3.2825089875e-04f), s, vec_set1 (9.2961918563e-03f));
  const CsVec p_high = vec_fmadd (vec_set1 (4.5556149075e-08f), s, vec_set1 (1.2546941434e-05f));
  const CsVec q_low = vec_fmadd (vec_set1 (2.5049057603e-01f), s, one);
  const CsVec q_mid = vec_fmadd (vec_set1 (1.8580520991e-03f), s, vec_set1 (2.8400052339e-02f));
  const CsVec q_high = vec_fmadd (vec_set1 (1.1925383205e-06f), s, vec_set1 (7.1897200542e-05f));
  const CsVec p = vec_fmadd (s4, p_high, vec_fmadd (s2, p_mid, p_low));
  const CsVec q = vec_fmadd (s4, q_high, vec_fmadd (s2, q_mid, q_low));
  const CsVec numerator = vec_mul (t, p);
  CsVec       erf;

  if (CS_VEC_RCP_BITS >= 14)
    {
      /* The step squares the reciprocal's relative error: 2⁻²⁸. */
      const CsVec reciprocal = vec_rcp (q);
      const CsVec first = vec_mul (numerator, reciprocal);
      const CsVec residual = vec_fmadd (vec_sub (vec_zero (), first), q, numerator);

      erf = vec_fmadd (residual, reciprocal, first);
    }
  else
    erf = vec_div (numerator, q);
  erf = vec_min (one, vec_max (minus_one, erf));

  const CsVec half = vec_mul (vec_set1 (0.5f), vec_max (minus_bound, x));

  return vec_fmadd (half, erf, half);
}

void
CS_VEC_NAME (cs_gelu) (CS_GELU_PARAMS)
{
  CS_VEC_MAP (x, y, n, gelu_vector);
}
