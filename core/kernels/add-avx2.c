/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * add-avx2.c — the AVX2 Add kernel (kernels.h; the loop is add-simd.h's),
 * compiled with -mavx2 -mfma and called only after dispatch.c has checked
 * the CPU.
 */
#include "vec-avx2.h"

#include "add-simd.h"
