/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx-ops.h — the op table: for each default-domain op type the engine
 * runs, its op class, its input and output counts and the function that
 * turns its attributes into the class's params.
 */
#ifndef CS_ONNX_OPS_H
#define CS_ONNX_OPS_H

#include "onnx-node.h"

G_BEGIN_DECLS

typedef gboolean (*CsOnnxOpFunc) (CsOnnxNode *node, GError **error);

typedef struct
{
  const char      *op_type;
  const CsOpClass *klass;
  int              min_inputs;
  int              max_inputs;
  int              n_outputs;   /* -1: as many as the node has */
  CsOnnxOpFunc     parse;       /* NULL: the class takes no params */
} CsOnnxOp;

/* The table entry for a default-domain @op_type, or NULL. */
const CsOnnxOp *cs_onnx_op_lookup (const char *op_type);

G_END_DECLS

#endif /* CS_ONNX_OPS_H */
