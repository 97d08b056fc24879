/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sigmoid-avx512.c — the AVX-512 logistic-function kernel (kernels.h; the
 * loop is sigmoid-simd.h's), compiled with -mavx512f and called only after
 * dispatch.c has checked the CPU.
 */
#include "vec-avx512.h"

#include "sigmoid-simd.h"
