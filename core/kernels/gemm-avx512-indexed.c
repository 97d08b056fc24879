/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemm-avx512-indexed.c — the AVX-512 GEMM micro-kernel's tiles whose B
 * rows lie at offsets (koff: an im2col row or a 1×1 layer's input read
 * in place), for each row count (gemm-avx512-tile.h); compiled with
 * -mavx512f and called only through cs_gemm_micro_avx512.
 */
#include "gemm-avx512-tile.h"

/* The tiles of a row of more than 16 columns (kernels.h), 32 at a time,
 * the last one's columns past @n masked off. */
#define ROW_OF_WIDE_TILES(r) CS_ROW_OF_TILES (r, CS_AVX512_NR, TRUE)

void
cs_gemm_tiles_indexed_avx512 (CS_GEMM_MICRO_PARAMS)
{
  if (n > 16)
    CS_ROW_SWITCH (m, CS_AVX512_MR, ROW_OF_WIDE_TILES)
  else
    CS_ROW_SWITCH (m, CS_AVX512_MR, INDEXED_NARROW_TILE)
}
