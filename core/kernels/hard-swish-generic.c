/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hard-swish-generic.c — the portable HardSwish kernel (kernels.h).
 */
#include "kernels.h"

/* In two loops over blocks small enough for the stack: in one, GCC 12
 * makes x·min(v, 1) a branch (x·1 being x), which no longer vectorizes
 * and, on a network's activations, mispredicts; the gate and the product
 * apart vectorize.  @y may be @x. */
void
cs_hard_swish_generic (CS_HARD_SWISH_PARAMS)
{
  float gate[64];

  for (int64_t start = 0; start < n; start += G_N_ELEMENTS (gate))
    {
      const int64_t length = MIN ((int64_t) G_N_ELEMENTS (gate), n - start);

      for (int64_t i = 0; i < length; i++)
        gate[i] = cs_hard_sigmoid_scalar (x[start + i], 1.0f / 6.0f, 0.5f);
      for (int64_t i = 0; i < length; i++)
        y[start + i] = x[start + i] * gate[i];
    }
}
