/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gelu-avx512.c — the AVX-512 GELU kernel (kernels.h; the loop is
 * gelu-simd.h's), compiled with -mavx512f and called only after
 * dispatch.c has checked the CPU.
 */
#include "vec-avx512.h"

#include "gelu-simd.h"
