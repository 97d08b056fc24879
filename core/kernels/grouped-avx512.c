/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * grouped-avx512.c — the AVX-512 kernel of grouped convolutions on blocks
 * of channels interleaved by pixel (kernels.h; the loop is
 * grouped-simd.h's), and its entry, which passes an input staged as
 * planes to grouped-planes-avx512.c's; compiled with -mavx512f and called
 * only after dispatch.c has checked the CPU.
 */
#include "vec-avx512.h"

#include "grouped-simd.h"
