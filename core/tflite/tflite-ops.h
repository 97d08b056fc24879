/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-ops.h — the op table: for each builtin operator the importer
 * translates, the options it expects, whether its output stays on its
 * input's quantization grid, and the function that builds the nodes
 * computing it.
 */
#ifndef CS_TFLITE_OPS_H
#define CS_TFLITE_OPS_H

#include "tflite-import.h"

G_BEGIN_DECLS

/* Builds the nodes that compute the current operator's output into
 * @dest (a value the walk made, NCHW for 4-D tensors). */
typedef gboolean (*CsTfliteOpFunc) (CsTfliteImport *imp, int dest, GError **error);

typedef struct
{
  int            code;        /* BuiltinOperator */
  guint8         options;     /* expected BuiltinOptions member */
  gboolean       keeps_grid;  /* output values lie on the input's grid */
  CsTfliteOpFunc translate;
} CsTfliteOp;

/* The table entry for builtin operator @code, or NULL. */
const CsTfliteOp *cs_tflite_op_lookup     (int             code);

/* Rounds @x to the output tensor's grid into @dest: QUANTIZE itself, and
 * the step after every other operator with a quantized output. */
gboolean          cs_tflite_fake_quantize (CsTfliteImport *imp,
                                           const char     *role,
                                           int             x,
                                           int             dest,
                                           GError        **error);

G_END_DECLS

#endif /* CS_TFLITE_OPS_H */
