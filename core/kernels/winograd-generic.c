/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * winograd-generic.c — the portable transforms of Winograd's F(4×4, 3×3)
 * down the columns of six rows (kernels.h).
 */
#include "kernels.h"

void
cs_winograd_bt_generic (CS_WINOGRAD_PARAMS)
{
  for (int64_t k = 0; k < n; k++)
    {
      const float d0 = d[k], d1 = d[ds + k], d2 = d[2 * ds + k], d3 = d[3 * ds + k];
      const float d4 = d[4 * ds + k], d5 = d[5 * ds + k];

      o[k] = 4.0f * d0 - 5.0f * d2 + d4;
      o[os + k] = -4.0f * (d1 + d2) + d3 + d4;
      o[2 * os + k] = 4.0f * (d1 - d2) - d3 + d4;
      o[3 * os + k] = 2.0f * (d3 - d1) - d2 + d4;
      o[4 * os + k] = 2.0f * (d1 - d3) - d2 + d4;
      o[5 * os + k] = 4.0f * d1 - 5.0f * d3 + d5;
    }
}

void
cs_winograd_at_generic (CS_WINOGRAD_PARAMS)
{
  for (int64_t k = 0; k < n; k++)
    {
      const float sum12 = d[ds + k] + d[2 * ds + k], diff12 = d[ds + k] - d[2 * ds + k];
      const float sum34 = d[3 * ds + k] + d[4 * ds + k], diff34 = d[3 * ds + k] - d[4 * ds + k];

      o[k] = d[k] + sum12 + sum34;
      o[os + k] = diff12 + 2.0f * diff34;
      o[2 * os + k] = sum12 + 4.0f * sum34;
      o[3 * os + k] = diff12 + 8.0f * diff34 + d[5 * ds + k];
    }
}
