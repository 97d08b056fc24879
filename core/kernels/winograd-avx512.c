/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * winograd-avx512.c — the AVX-512 transforms of Winograd's F(4×4, 3×3) (kernels.h;
 * the loops are winograd-simd.h's), compiled with -mavx512f and called
 * only after dispatch.c has checked the CPU.
 */
#include "vec-avx512.h"

#include "winograd-simd.h"
