/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fake-quantize-generic.c — the portable kernel that rounds floats to a
 * quantized grid (kernels.h).
 */
#include "kernels.h"

/* Written without libm calls, so that it vectorizes.  Clamping before
 * rounding gives the same result (the bounds are whole) and keeps the
 * value within an int32 truncation; then a rest of at least one half
 * moves the truncated value away from zero. */
void
cs_fake_quantize_generic (CS_FAKE_QUANTIZE_PARAMS)
{
  for (int64_t i = 0; i < n; i++)
    {
      float v = x[i] / scale;

      /* Written so that NaN fails the first test and becomes low. */
      v = v > low ? v : low;
      v = v < high ? v : high;

      float whole = (float) (int32_t) v, rest = v - whole;

      whole += (float) (rest >= 0.5f) - (float) (rest <= -0.5f);
      y[i] = whole * scale;
    }
}
