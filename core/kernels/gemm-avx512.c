/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemm-avx512.c — the AVX-512 GEMM micro-kernel (kernels.h), compiled with
 * -mavx512f and called only after dispatch.c has checked the CPU.
 *
 * A 12 × 32 tile: two zmm accumulators per row, two B vectors per depth
 * step and the A values as embedded broadcasts of the FMAs, so a step is
 * fourteen loads for twenty-four FMAs.  A 16 × 16 tile needed seventeen
 * loads for sixteen FMAs, and the loads, not the FMAs, set its pace.  A
 * tile of at most 16 columns (the right edge of a small feature map)
 * skips the second column vector.  Partial tiles use masked loads and
 * stores, which also keep reads inside a row-major B whose width is not a
 * multiple of 16.  Each row count is its own instantiation, so the
 * accumulators live in registers (gemm-avx512-tile.h, which also says
 * why the forms of B have files of their own).
 */
#include "gemm-avx512-tile.h"

void
cs_gemm_micro_avx512 (CS_GEMM_MICRO_PARAMS)
{
  if (a_koff != NULL)
    cs_gemm_tiles_a_indexed_avx512 (depth, a, a_stride, a_koff, b, koff, ldb, c, ldc, m, n, bias,
                                    ep, NULL, prefetch);
  else if (koff != NULL)
    cs_gemm_tiles_indexed_avx512 (depth, a, a_stride, a_koff, b, koff, ldb, c, ldc, m, n, bias, ep,
                                  wrap, prefetch);
  else if (n > 16)
    CS_ROW_SWITCH (m, CS_AVX512_MR, ROW_OF_WIDE_TILES)
  else
    CS_ROW_SWITCH (m, CS_AVX512_MR, NARROW_TILE)
}
