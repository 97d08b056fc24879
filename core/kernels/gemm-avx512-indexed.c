/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemm-avx512-indexed.c — the AVX-512 GEMM micro-kernel's tiles whose B
 * rows lie at offsets (koff: the rows of a staged block, or of the
 * input a larger kernel reads in place), for each row count
 * (gemm-avx512-tile.h); compiled with
 * -mavx512f and called only through cs_gemm_micro_avx512.
 */
#include "gemm-avx512-tile.h"

void
cs_gemm_tiles_indexed_avx512 (CS_GEMM_MICRO_PARAMS)
{
  if (n > 16)
    CS_ROW_SWITCH (m, CS_AVX512_MR, INDEXED_ROW_OF_WIDE_TILES)
  else
    CS_ROW_SWITCH (m, CS_AVX512_MR, INDEXED_NARROW_TILE)
}
