/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * add-generic.c — the portable Add kernel (kernels.h).
 */
#include "kernels.h"

void
cs_add_generic (CS_ADD_PARAMS)
{
  for (int64_t i = 0; i < n; i++)
    y[i] = cs_epilogue_scalar (ep, a[i], b[i]);
}
