/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hard-swish-avx512.c — the AVX-512 HardSwish kernel (kernels.h; the loop
 * is hard-swish-simd.h's), compiled with -mavx512f and called only
 * after dispatch.c has checked the CPU.
 */
#include "vec-avx512.h"

#include "hard-swish-simd.h"
