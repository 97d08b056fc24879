/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dot-avx2.c — the AVX2/FMA dot-product kernel (kernels.h; the loop is
 * dot-simd.h's), compiled with -mavx2 -mfma and called only after
 * dispatch.c has checked the CPU.
 */
#include "vec-avx2.h"

/* Eight accumulators and six operand vectors: fourteen of the sixteen
 * ymm registers. */
#define DOT_COLS 2

#include "dot-simd.h"
