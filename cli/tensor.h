/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tensor.h — float32 tensors that the command-line tool allocates itself
 * (inputs read from files or images, random benchmark inputs), with the
 * size arithmetic checked so a hostile shape cannot overflow it.
 */
#ifndef CS_CLI_TENSOR_H
#define CS_CLI_TENSOR_H

#include "convscope.h"

G_BEGIN_DECLS

/* Stores in *@bytes the size of a float32 tensor of @shape.  Returns FALSE
 * when a dimension is negative or the size does not fit in memory. */
gboolean cli_shape_bytes  (const CsShape *shape, size_t *bytes);

/* Fills @tensor with a copy of @name (may be NULL), @shape and zeroed
 * float32 data.  Release with cli_tensor_clear. */
gboolean cli_tensor_alloc (CsTensor      *tensor,
                           const char    *name,
                           const CsShape *shape,
                           GError       **error);
/* Frees the name and data of a tensor filled by this module or by npy.c
 * (not the struct itself) and zeroes it; safe on a zeroed tensor. */
void     cli_tensor_clear (CsTensor *tensor);

G_END_DECLS

#endif /* CS_CLI_TENSOR_H */
