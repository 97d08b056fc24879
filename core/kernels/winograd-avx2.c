/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * winograd-avx2.c — the AVX2 transforms of Winograd's F(4×4, 3×3) (kernels.h;
 * the loops are winograd-simd.h's), compiled with -mavx2 and -mfma and called
 * only after dispatch.c has checked the CPU.
 */
#include "vec-avx2.h"

#include "winograd-simd.h"
