/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fake-quantize-avx512.c — the AVX-512 kernel that rounds floats to a quantized
 * grid (kernels.h; the loop is fake-quantize-simd.h's), compiled with
 * -mavx512f and called only after dispatch.c has checked the CPU.
 */
#include "vec-avx512.h"

#include "fake-quantize-simd.h"
