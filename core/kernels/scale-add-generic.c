/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * scale-add-generic.c — the portable scale-and-add kernel (kernels.h).
 */
#include "kernels.h"

/* fmaf rounds once, as the vector tables' fused multiply-add does, so
 * that every table gives the same bits. */
void
cs_scale_add_generic (CS_SCALE_ADD_PARAMS)
{
  for (int64_t i = 0; i < n; i++)
    y[i] = cs_epilogue_activate (ep, fmaf (ep->alpha, x[i], b_moves ? b[i] : b[0]));
}
