/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pool-avx2.c — the AVX2 pooling kernels (kernels.h; the loops are
 * pool-simd.h's, vectorized by the compiler or in its vector vocabulary),
 * compiled with -mavx2 and called only after dispatch.c has checked the
 * CPU.
 */
#include "vec-avx2.h"

#include "pool-simd.h"
