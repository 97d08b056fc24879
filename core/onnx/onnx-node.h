/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx-node.h — what every part of the ONNX importer works on: the state
 * of one import and the node being translated, and the error that names
 * that node.
 */
#ifndef CS_ONNX_NODE_H
#define CS_ONNX_NODE_H

#include "onnx.h"
#include "../ops/ops.h"
#include "onnx.pb-c.h"

G_BEGIN_DECLS

/* The state of one import. */
typedef struct
{
  CsGraph    *graph;
  const char *source;
  int64_t     opset;      /* of the default domain */
  GHashTable *values;     /* value name → index + 1, borrowed keys */
  GHashTable *consumed;   /* names some node or graph output reads */
} CsOnnxImport;

/* One NodeProto on its way to a CsNode. */
typedef struct
{
  CsOnnxImport          *imp;
  const Onnx__NodeProto *proto;
  const char            *name;       /* node name, else first output */
  const char            *op;
  /* Value indices, -1 for an omitted optional input.  A parse function
   * may drop trailing inputs the op class does not take, or append one
   * value (room is reserved) for an attribute old opsets carried. */
  int                   *inputs;
  int                    n_inputs;
  int                    n_outputs;  /* outputs the CsNode gets */
  void                  *params;     /* owned until the node is added */
} CsOnnxNode;

/* Sets @error to "SOURCE: node NAME (OP): MESSAGE".  Returns FALSE. */
gboolean cs_onnx_node_error (GError          **error,
                             CsErrorCode       code,
                             const CsOnnxNode *node,
                             const char       *format,
                             ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS

#endif /* CS_ONNX_NODE_H */
