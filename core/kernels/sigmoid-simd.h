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
 * reciprocal on AVX-512) corrected by one Newton step for its own error
 * and the rounding of 1 + e.  x·σ(x) = x/(1 + e^−x) takes e^−x rather
 * than e^−|x| and one true division, with no product to round and no
 * correction, and where a vector's lanes are all at or above −16, a third
 * of the steps again, 2ⁿ then made in one step with n's rounding (0.52 →
 * 0.40 ns a float on AVX2, Zen 3; x·σ(x) was a fifth of EfficientNet-B0's
 * time).  Measured against σ in double precision over every 61st float:
 * at most 1.48 ulp (1.2·10⁻⁷ relative) for σ; over every 7th float of
 * [−130, 130], 1.76 ulp for x·σ(x) (1.69 over every 3rd of [−16, 130];
 * stepping through the floats' bit patterns from −130 and from 0, 1.80
 * and 1.70, the same with either 2ⁿ), subnormal results included;
 * tests/core/test-kernels.c checks every 8191st.
 */

/* e^r − 1 for r in [−ln 2/2, ln 2/2]: Cephes' expf polynomial by Estrin's
 * scheme, three pairs at once, so that the chain of dependent steps is
 * half as long as Horner's. */
CS_VEC_INLINE CsVec
exp_polynomial (CsVec r)
{
  const CsVec r2 = vec_mul (r, r);
  const CsVec high_pair = vec_fmadd (vec_set1 (1.9875691500e-4f), r, vec_set1 (1.3981999507e-3f));
  const CsVec mid_pair = vec_fmadd (vec_set1 (8.3334519073e-3f), r, vec_set1 (4.1665795894e-2f));
  const CsVec low_pair = vec_fmadd (vec_set1 (1.6666665459e-1f), r, vec_set1 (5.0000001201e-1f));

  return vec_fmadd (vec_fmadd (r2, vec_fmadd (r2, high_pair, mid_pair), low_pair), r2, r);
}

/* t − n·ln 2, ln 2 in a short high part, so that n·high is exact, and a
 * low one (Cody–Waite). */
CS_VEC_INLINE CsVec
reduced (CsVec t, CsVec n)
{
  return vec_fmadd (n, vec_set1 (2.12194440e-4f), vec_fmadd (n, vec_set1 (-0.693359375f), t));
}

/* e^t = 2ⁿ·(q + 1) for t in [CS_SIGMOID_FLOOR, −CS_SIGMOID_FLOOR]: n,
 * and q = p − 1 (in which a 1 added later rounds once). */
CS_VEC_INLINE CsVec
exp_reduced (CsVec t, CsVec *n_out)
{
  const CsVec n = vec_round (vec_mul (t, vec_set1 (1.44269504088896341f)));

  *n_out = n;
  return exp_polynomial (reduced (t, n));
}

/* σ(x) of one vector.  x is clamped to CS_SIGMOID_FLOOR first, where σ
 * is already 0, so that 2ⁿ stays in range; NaN stays NaN all the way
 * through, since max and min return their second operand for one. */
CS_VEC_INLINE CsVec
sigmoid_vector (CsVec x)
{
  const CsVec floor = vec_set1 (CS_SIGMOID_FLOOR);
  const CsVec t = vec_max (floor, vec_minus_abs (x));
  CsVec       n;
  const CsVec p = vec_add (exp_reduced (t, &n), vec_set1 (1.0f));

  /* n ≥ −182; high stays normal, and e is rounded once. */
  const CsExp2 power = vec_exp2_split (n);
  const CsVec  high = vec_exp2_head (p, power);
  const CsVec  e = vec_exp2_tail (high, power);
  const CsVec  one = vec_set1 (1.0f);
  /* 1 + e = sum + sum_error exactly (Fast2Sum, as 1 ≥ e). */
  const CsVec sum = vec_add (one, e);
  const CsVec sum_error = vec_add (vec_sub (one, sum), e);
  /* The numerator, 1, or below 0 e before its tail scaling (so that
   * e/(1 + e) is one quotient, not e·σ). */
  const CsVec numerator = vec_select_negative (x, high, one);
  /* One Newton step from a first quotient against the exact numerator
   * and denominator: the rounding of 1 + e no longer counts, only that of
   * the result and e's own error.  The step squares the first quotient's
   * relative error, so a 14-bit reciprocal (2⁻²⁸ after it, under the
   * result's rounding) serves instead of a division; a 12-bit one would
   * leave 2⁻²⁴, an ulp. */
  const CsVec reciprocal = vec_rcp (sum);
  const CsVec quotient =
      CS_VEC_RCP_BITS >= 14 ? vec_mul (numerator, reciprocal) : vec_div (numerator, sum);
  const CsVec minus_quotient = vec_sub (vec_zero (), quotient);
  const CsVec rounding = vec_fmadd (minus_quotient, sum, numerator);
  const CsVec residual = vec_fmadd (minus_quotient, sum_error, rounding);
  const CsVec result = vec_add (quotient, vec_mul (residual, reciprocal));

  return vec_select_negative (x, vec_exp2_tail (result, power), result);
}

/* x·σ(x) = x/(1 + e^−x) of one vector whose lanes are all at or above
 * CS_SILU_DIRECT_FLOOR, by one division and no product that would round:
 * e^−x = 2ⁿ·p, with −x clamped to SILU_EXP_FLOOR, where e^−x is far
 * under an ulp of 1 already, so that −126 ≤ n ≤ 23 and 2ⁿ is a normal
 * float made in one step: n is rounded by adding t·log₂e to
 * POW2_MAGIC, a float of ulp 1 whose low bits then hold n + 127, which
 * moved into the exponent field are 2ⁿ (vec_exponent_bits): three
 * vector steps where sigmoid_vector's n and 2ⁿ in two halves take eleven
 * on AVX2.  The sum 1 + 2ⁿ·p is (1 + 2ⁿ) + 2ⁿ·(p − 1) rounded
 * once, since 1 + 2ⁿ is exact for −23 ≤ n ≤ 23 (below, 2ⁿ is under half
 * an ulp of 1).  At n = 24 it would round too, and x·σ(x) near −16.7 be
 * 2.3 ulp off.  The errors left: p's own, which reaches the quotient at
 * most whole, and the roundings of the sum and of the quotient. */
#define CS_SILU_DIRECT_FLOOR (-16.0f)
#define SILU_EXP_FLOOR       (-87.0f)
#define POW2_MAGIC           12583039.0f

CS_VEC_INLINE CsVec
silu_direct_vector (CsVec x)
{
  const CsVec t = vec_max (vec_set1 (SILU_EXP_FLOOR), vec_sub (vec_zero (), x));
  const CsVec magic = vec_set1 (POW2_MAGIC);
  const CsVec biased = vec_fmadd (t, vec_set1 (1.44269504088896341f), magic);
  const CsVec p_minus_one = exp_polynomial (reduced (t, vec_sub (biased, magic)));
  const CsVec one = vec_set1 (1.0f);
  const CsVec power_of_n = vec_exponent_bits (biased);

  return vec_div (x, vec_fmadd (power_of_n, p_minus_one, vec_add (one, power_of_n)));
}

/* x·σ(x) of one vector.  Each lane at or above CS_SILU_DIRECT_FLOOR
 * keeps silu_direct_vector's quotient whatever the other lanes hold, so
 * that a value's result does not depend on the vector it falls in.  The
 * lanes below, rare in activations, go the far way, only when there are
 * any: there 2ⁿ may overflow and the result be subnormal, so with −x
 * clamped to −CS_SIGMOID_FLOOR the quotient is x/(p + 2⁻ⁿ)·2⁻ⁿ, the same
 * number, scaled in two steps so that a subnormal result is rounded
 * once. */
CS_VEC_INLINE CsVec
silu_vector (CsVec x)
{
  const CsVec direct_floor = vec_set1 (CS_SILU_DIRECT_FLOOR);
  const CsVec direct = silu_direct_vector (x);

  if (vec_none_below (x, direct_floor))
    return direct;

  const CsVec  floor = vec_set1 (CS_SIGMOID_FLOOR);
  const CsVec  clamped = vec_max (floor, x);
  CsVec        n;
  const CsVec  p_minus_one = exp_reduced (vec_max (floor, vec_sub (vec_zero (), clamped)), &n);
  const CsVec  one = vec_set1 (1.0f);
  const CsExp2 inverse = vec_exp2_split (vec_sub (vec_zero (), n));
  /* The sum p + 2⁻ⁿ is (1 + 2⁻ⁿ) + (p − 1): with 1 + 2⁻ⁿ split exactly
   * into a float and the part it rounded off (Fast2Sum), added to the
   * small term first, the sum is rounded about once. */
  const CsVec  power_of_minus_n = vec_exp2_tail (vec_exp2_head (one, inverse), inverse);
  const CsVec  one_plus = vec_add (one, power_of_minus_n);
  const CsVec  one_plus_error = vec_add (vec_sub (one, one_plus), power_of_minus_n);
  const CsVec  quotient =
      vec_div (clamped, vec_add (one_plus, vec_add (p_minus_one, one_plus_error)));
  const CsVec  far = vec_exp2_tail (vec_exp2_head (quotient, inverse), inverse);

  /* x − (−16) is exact near −16 and below 0 just where x is below it. */
  return vec_select_negative (vec_sub (x, direct_floor), far, direct);
}

void
CS_VEC_NAME (cs_sigmoid) (CS_SIGMOID_PARAMS)
{
  /* A loop for each, with the choice made outside it. */
  if (times_input)
    CS_VEC_MAP (x, y, n, silu_vector);
  else
    CS_VEC_MAP (x, y, n, sigmoid_vector);
}
