/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * grouped-avx2.c — the AVX2/FMA kernel of grouped convolutions on blocks of
 * channels interleaved by pixel (kernels.h; the loop is grouped-simd.h's),
 * and its entry, which passes an input staged as planes to
 * grouped-planes-avx2.c's; compiled with -mavx2 -mfma and called only
 * after dispatch.c has checked the CPU.
 */
#include "vec-avx2.h"

#include "grouped-simd.h"
