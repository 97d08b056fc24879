/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gelu-generic.c — the portable GELU kernel (kernels.h): one value at a
 * time in double precision, which rounds x·Φ(x) correctly but for the
 * rarest ties.
 */
#include "kernels.h"

void
cs_gelu_generic (CS_GELU_PARAMS)
{
  for (int64_t i = 0; i < n; i++)
    y[i] = cs_gelu_scalar (x[i]);
}
