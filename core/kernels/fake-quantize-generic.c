/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fake-quantize-generic.c — the portable kernel that rounds floats to a
 * quantized grid (kernels.h).
 */
#include "kernels.h"

void
cs_fake_quantize_generic (CS_FAKE_QUANTIZE_PARAMS)
{
  for (int64_t i = 0; i < n; i++)
    y[i] = cs_fake_quantize_scalar (x[i], scale, low, high);
}
