/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemm-avx512-a-indexed.c — the AVX-512 GEMM micro-kernel's tiles whose
 * A depth steps lie at offsets (a_koff: the pixels of transposed tiles
 * over a staged block, which never wrap), for each row count
 * (gemm-avx512-tile.h); compiled with -mavx512f and called only through
 * cs_gemm_micro_avx512.
 */
#include "gemm-avx512-tile.h"

void
cs_gemm_tiles_a_indexed_avx512 (CS_GEMM_MICRO_PARAMS)
{
  if (n > 16)
    CS_ROW_SWITCH (m, CS_AVX512_MR, A_INDEXED_WIDE_TILE)
  else
    CS_ROW_SWITCH (m, CS_AVX512_MR, A_INDEXED_NARROW_TILE)
}
