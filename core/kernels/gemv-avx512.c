/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemv-avx512.c — the AVX-512 kernel for products of a few rows with
 * packed B (kernels.h; the loop is gemv-simd.h's), compiled with
 * -mavx512f and called only after dispatch.c has checked the CPU.
 */
#include "vec-avx512.h"

#define CS_VEC_NR CS_AVX512_NR

#include "gemv-simd.h"
