/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * npy.h — NumPy .npy files of float32 tensors (and int64 ones written),
 * the command-line tool's exchange format for `run` inputs, outputs and
 * taps.
 *
 * The reader accepts format versions 1.0, 2.0 and 3.0 holding
 * little-endian float32 ('<f4') in C order, and nothing else: the header
 * dict is parsed strictly (exactly the keys descr, fortran_order and
 * shape) and the data must be exactly as long as the shape says.  Files
 * are treated as hostile; every problem is a CS_ERROR naming the file.
 */
#ifndef CS_CLI_NPY_H
#define CS_CLI_NPY_H

#include "convscope.h"

G_BEGIN_DECLS

/* Longest header accepted, as NumPy's own reader limits it. */
#define NPY_MAX_HEADER 10000

/* Parses the .npy image in @bytes (@size bytes; @name is used in messages)
 * into @tensor: shape, dtype float32, a fresh copy of the data, name NULL.
 * Release with cli_tensor_clear (tensor.h).  On failure @tensor is left
 * zeroed. */
gboolean npy_parse      (const void *bytes,
                         size_t      size,
                         const char *name,
                         CsTensor   *tensor,
                         GError    **error);
/* Reads and parses the file at @path, as npy_parse. */
gboolean npy_read_file  (const char *path,
                         CsTensor   *tensor,
                         GError    **error);
/* Writes the float32 or int64 (ArgMax's indices) @tensor to @path as a
 * version 1.0 .npy file; on failure no partial file is left behind. */
gboolean npy_write_file (const char     *path,
                         const CsTensor *tensor,
                         GError        **error);

G_END_DECLS

#endif /* CS_CLI_NPY_H */
