/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hard-swish-avx2.c — the AVX2/FMA HardSwish kernel (kernels.h; the loop
 * is hard-swish-simd.h's), compiled with -mavx2 -mfma and called only
 * after dispatch.c has checked the CPU.
 */
#include "vec-avx2.h"

#include "hard-swish-simd.h"
