/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dot-avx512.c — the AVX-512 dot-product kernel (kernels.h; the loop is
 * dot-simd.h's), compiled with -mavx512f and called only after dispatch.c
 * has checked the CPU.
 */
#include "vec-avx512.h"

/* Sixteen accumulators and eight operand vectors: twenty-four of the
 * thirty-two zmm registers. */
#define DOT_COLS 4

#include "dot-simd.h"
