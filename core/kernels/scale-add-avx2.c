/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * scale-add-avx2.c — the AVX2 scale-and-add kernel (kernels.h; the loop
 * is scale-add-simd.h's), compiled with -mavx2 -mfma and called only
 * after dispatch.c has checked the CPU.
 */
#include "vec-avx2.h"

#include "scale-add-simd.h"
