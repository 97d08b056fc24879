/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-layout.h — NHWC in the file, NCHW in the graph.  Every 4-D
 * tensor becomes the NCHW permutation of itself: constants are permuted
 * at load, and where an op depends on the memory order of a 4-D tensor
 * (flattening, reshaping, reducing some axes) a Transpose is inserted,
 * unless C = 1 or H = W = 1 makes both orders the same.
 */
#ifndef CS_TFLITE_LAYOUT_H
#define CS_TFLITE_LAYOUT_H

#include "tflite-import.h"

G_BEGIN_DECLS

/* NHWC axis → NCHW axis, and the permutation from NHWC to NCHW as a
 * Transpose perm (output axis i takes input axis perm[i]). */
extern const int cs_tflite_nhwc_axis_in_nchw[4];
extern const int cs_tflite_perm_to_nchw[4];

/* Whether NHWC and NCHW orders of @nhwc hold the elements in the same
 * sequence, so that a reshape needs no transpose. */
gboolean cs_tflite_layout_is_trivial (const CsShape        *nhwc);
/* @shape with axis i taken from axis perm[i]. */
CsShape  cs_tflite_shape_permuted    (const CsShape        *shape,
                                      const int            *perm);
/* The shape the graph gives a tensor: 4-D ones in NCHW. */
CsShape  cs_tflite_graph_shape       (const CsShape        *shape);
/* @data (taken, 4-D, row-major @shape) permuted by @perm; the same
 * memory when no element moves, as for 1×1 convolutions' weights, which
 * are most of a mobile network's. */
float   *cs_tflite_permute_floats    (float                *data,
                                      const CsShape        *shape,
                                      const int            *perm);

/* Reshapes @src into @shape, writing @dest or (-1) a new helper value
 * named after @role; returns the value written. */
int      cs_tflite_emit_reshape      (CsTfliteImport       *imp,
                                      const char           *role,
                                      int                   src,
                                      const CsShape        *shape,
                                      int                   dest);
/* Value @src of 4-D tensor @t (held NCHW) in the file's NHWC order. */
int      cs_tflite_to_nhwc           (CsTfliteImport       *imp,
                                      int                   src,
                                      const CsTfliteTensor *t);
/* Writes @src, which holds the output tensor's data in the file's order
 * (any shape with its element count), into @dest as the graph holds it. */
void     cs_tflite_emit_from_nhwc    (CsTfliteImport       *imp,
                                      const char           *role,
                                      int                   src,
                                      int                   dest);
/* The graph value feeding the current operator's data input @i (its
 * tensor into *@tensor_out when non-NULL), expanded to @rank when
 * broadcasting against a 4-D tensor needs it; -1 on error. */
int      cs_tflite_input_value       (CsTfliteImport       *imp,
                                      int                   i,
                                      int                   rank,
                                      CsTfliteTensor      **tensor_out,
                                      GError              **error);

G_END_DECLS

#endif /* CS_TFLITE_LAYOUT_H */
