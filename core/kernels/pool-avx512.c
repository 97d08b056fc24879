/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pool-avx512.c — the AVX-512 pooling kernels (kernels.h; the loops are
 * pool-simd.h's, vectorized by the compiler, and its max pooling in the
 * vector vocabulary), compiled with -mavx512f and called only after
 * dispatch.c has checked the CPU.
 */
#include "vec-avx512.h"

#include "pool-simd.h"
