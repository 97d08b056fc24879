/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fake-quantize-generic.c — the portable kernels that round floats to a
 * quantized grid and convert a grid's values to and from bytes
 * (kernels.h).
 */
#include "kernels.h"

void
cs_fake_quantize_generic (CS_FAKE_QUANTIZE_PARAMS)
{
  for (int64_t i = 0; i < n; i++)
    y[i] = cs_fake_quantize_scalar (x[i], scale, low, high);
}

void
cs_grid_to_bytes_generic (CS_GRID_TO_BYTES_PARAMS)
{
  for (int64_t i = 0; i < n; i++)
    y[i] = (uint8_t) (int32_t) (cs_grid_step_scalar (x[i], scale, low, high) - low);
}

void
cs_grid_from_bytes_generic (CS_GRID_FROM_BYTES_PARAMS)
{
  for (int64_t i = 0; i < n; i++)
    y[i] = ((float) x[i] + low) * scale;
}
