/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * grouped-planes-avx512.c — the AVX-512 kernel of grouped convolutions on
 * blocks of channels whose input is staged as planes (grouped-simd.h's
 * loop, which grouped-avx512.c's entry calls for them), compiled with
 * -mavx512f and called only after dispatch.c has checked the CPU.
 */
#include "vec-avx512.h"

#define CS_GROUPED_PLANES
#include "grouped-simd.h"
