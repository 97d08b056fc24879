/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemm-avx512-indexed.c — the AVX-512 GEMM micro-kernel's tiles whose B
 * rows lie at offsets (koff: an im2col row or a 1×1 layer's input read
 * in place), for each row count (gemm-avx512-tile.h); compiled with
 * -mavx512f and called only through cs_gemm_micro_avx512.
 */
#include "gemm-avx512-tile.h"

/* The tiles of a row of @n columns (kernels.h), 32 at a time, each
 * fetching the C lines CS_PREFETCH_TILES tiles on when there are more;
 * the last one's columns past @n are masked off. */
#define ROW_OF_WIDE_TILES(r) \
  for (int64_t j0 = 0; j0 < n; j0 += CS_AVX512_NR) \
    { \
      const CsPrefetch at_tile = prefetch != NULL ? cs_prefetch_along (prefetch, j0) \
                                                  : (CsPrefetch) { NULL, 0 }; \
 \
      if (n > CS_AVX512_NR) \
        cs_prefetch_c_lines (c, r, ldc, j0 + CS_PREFETCH_TILES * CS_AVX512_NR); \
      tile (r, TRUE, FALSE, TRUE, depth, a, a_stride, a_koff, b + j0, koff, ldb, c + j0, ldc, m, \
            (int) MIN (CS_AVX512_NR, n - j0), bias, ep, wrap, \
            prefetch != NULL ? &at_tile : NULL); \
    }

void
cs_gemm_tiles_indexed_avx512 (CS_GEMM_MICRO_PARAMS)
{
  if (n > 16)
    CS_ROW_SWITCH (m, CS_AVX512_MR, ROW_OF_WIDE_TILES)
  else
    CS_ROW_SWITCH (m, CS_AVX512_MR, INDEXED_NARROW_TILE)
}
