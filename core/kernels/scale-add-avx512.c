/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * scale-add-avx512.c — the AVX-512 scale-and-add kernel (kernels.h; the
 * loop is scale-add-simd.h's), compiled with -mavx512f and called only
 * after dispatch.c has checked the CPU.
 */
#include "vec-avx512.h"

#include "scale-add-simd.h"
