/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fake-quantize-avx2.c — the AVX2 kernel that rounds floats to a quantized
 * grid (kernels.h; the loop is fake-quantize-simd.h's), compiled with
 * -mavx2 -mfma and called only after dispatch.c has checked the CPU.
 */
#include "vec-avx2.h"

#include "fake-quantize-simd.h"
