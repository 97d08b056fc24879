/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sigmoid-avx2.c — the AVX2/FMA logistic-function kernel (kernels.h; the
 * loop is sigmoid-simd.h's), compiled with -mavx2 -mfma and called only
 * after dispatch.c has checked the CPU.
 */
#include "vec-avx2.h"

#include "sigmoid-simd.h"
