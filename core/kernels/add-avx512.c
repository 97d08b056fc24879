/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * add-avx512.c — the AVX-512 Add kernel (kernels.h; the loop is
 * add-simd.h's), compiled with -mavx512f and called only after
 * dispatch.c has checked the CPU.
 */
#include "vec-avx512.h"

#include "add-simd.h"
