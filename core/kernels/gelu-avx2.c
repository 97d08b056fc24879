/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gelu-avx2.c — the AVX2/FMA GELU kernel (kernels.h; the loop is
 * gelu-simd.h's), compiled with -mavx2 -mfma and called only after
 * dispatch.c has checked the CPU.
 */
#include "vec-avx2.h"

#include "gelu-simd.h"
