/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pool-generic.c — the portable pooling kernels (kernels.h; the loops are
 * pool-simd.h's), at the baseline instruction set.
 */
#include "kernels.h"

#define CS_VEC_NAME(kernel) kernel##_generic

#include "pool-simd.h"
