/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * transpose-generic.c — the portable transpose kernel (kernels.h), in
 * 16×16 tiles: read a column at a time, the whole block would pull a
 * cache line of the source for every element.
 */
#include "kernels.h"

void
cs_transpose_generic (CS_TRANSPOSE_PARAMS)
{
  enum { TILE = 16 };

  for (int64_t r0 = 0; r0 < rows; r0 += TILE)
    for (int64_t c0 = 0; c0 < cols; c0 += TILE)
      for (int64_t r = r0; r < MIN (r0 + TILE, rows); r++)
        for (int64_t c = c0; c < MIN (c0 + TILE, cols); c++)
          dst[r * dst_stride + c] = src[c * src_stride + r];
}
