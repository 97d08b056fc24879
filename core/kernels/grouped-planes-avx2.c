/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * grouped-planes-avx2.c — the AVX2/FMA kernel of grouped convolutions on
 * blocks of channels whose input is staged as planes (grouped-simd.h's
 * loop, which grouped-avx2.c's entry calls for them), compiled with
 * -mavx2 -mfma and called only after dispatch.c has checked the CPU.
 */
#include "vec-avx2.h"

#define CS_GROUPED_PLANES
#include "grouped-simd.h"
