/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sigmoid-generic.c — the portable logistic-function kernel (kernels.h):
 * one value at a time in double precision, which rounds σ(x) and x·σ(x)
 * correctly but for the rarest ties.
 */
#include "kernels.h"

void
cs_sigmoid_generic (CS_SIGMOID_PARAMS)
{
  for (int64_t i = 0; i < n; i++)
    y[i] = cs_sigmoid_scalar (x[i], times_input);
}
