/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-reference.c — TFLite's requantization, line by line as TFLite
 * and gemmlowp write it (tflite-reference.h).
 */
#include "tflite-reference.h"

#include <math.h>

void
tflite_quantize_multiplier (double real, int32_t *multiplier, int *shift)
{
  if (real == 0.0)
    {
      *multiplier = 0;
      *shift = 0;
      return;
    }

  const double q = frexp (real, shift);
  int64_t q_fixed = (int64_t) round (q * (double) (1LL << 31));

  if (q_fixed == (1LL << 31))
    {
      q_fixed /= 2;
      ++*shift;
    }
  if (*shift < -31)
    {
      *shift = 0;
      q_fixed = 0;
    }
  *multiplier = (int32_t) q_fixed;
}

static int32_t
saturating_rounding_doubling_high_mul (int32_t a, int32_t b)
{
  const int overflow = a == b && a == INT32_MIN;
  const int64_t ab_64 = (int64_t) a * (int64_t) b;
  const int32_t nudge = ab_64 >= 0 ? (1 << 30) : (1 - (1 << 30));
  const int32_t ab_x2_high32 = (int32_t) ((ab_64 + nudge) / (1LL << 31));

  return overflow ? INT32_MAX : ab_x2_high32;
}

static int32_t
rounding_divide_by_pot (int32_t x, int exponent)
{
  const int32_t mask = (int32_t) ((1LL << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);

  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t
tflite_multiply_by_quantized_multiplier (int32_t x, int32_t multiplier, int shift)
{
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;

  return rounding_divide_by_pot (
      saturating_rounding_doubling_high_mul ((int32_t) ((int64_t) x * (1LL << left_shift)),
                                             multiplier),
      right_shift);
}
