/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemv-avx2.c — the AVX2/FMA kernel for products of a few rows with
 * packed B (kernels.h; the loop is gemv-simd.h's), compiled with -mavx2
 * -mfma and called only after dispatch.c has checked the CPU.
 */
#include "vec-avx2.h"

#define CS_VEC_NR CS_AVX2_NR

#include "gemv-simd.h"
