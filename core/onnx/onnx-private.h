/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx-private.h — what the parts of the ONNX importer share: the state of
 * one import, the node being translated, the wire-format guard, tensor
 * conversion, attribute access and the op table.
 */
#ifndef CS_ONNX_PRIVATE_H
#define CS_ONNX_PRIVATE_H

#include "onnx.h"
#include "../ops/ops.h"
#include "onnx.pb-c.h"

G_BEGIN_DECLS

/* Nesting deeper than any real model needs; protobuf-c itself recurses
 * without a limit, so hostile files are checked against this first. */
#define CS_ONNX_MAX_NESTING 64

typedef struct
{
  CsGraph    *graph;
  const char *source;
  int64_t     opset;      /* of the default domain */
  GHashTable *values;     /* value name → index + 1, borrowed keys */
  GHashTable *consumed;   /* names some node or graph output reads */
} CsOnnxContext;

/* One NodeProto on its way to a CsNode. */
typedef struct
{
  CsOnnxContext         *ctx;
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

/* ---- Wire format (onnx-wire.c) ---- */

/* Walks the protobuf encoding of a @descriptor message in @data without
 * building it: every length fits, nothing nests deeper than
 * CS_ONNX_MAX_NESTING.  Returns FALSE on the first violation. */
gboolean cs_onnx_wire_check (const guint8                     *data,
                             gsize                             size,
                             const ProtobufCMessageDescriptor *descriptor);

/* ---- Tensors (onnx-tensor.c) ---- */

/* Unpacks into GLib-allocated memory, so that cs_onnx_tensor_take can
 * hand a weight buffer to the graph as it is; free with it too. */
extern ProtobufCAllocator cs_onnx_allocator;

/* "FLOAT", "BOOL", … for messages; never NULL. */
const char *cs_onnx_dtype_name (int32_t data_type);

/* Converts @proto into a dtype, shape and newly allocated data owned by
 * the caller (never NULL, even for zero elements).  @what introduces the
 * tensor in messages, e.g. "initializer 'w'". */
gboolean cs_onnx_tensor_convert (const Onnx__TensorProto *proto,
                                 const char              *source,
                                 const char              *what,
                                 CsDType                 *dtype,
                                 CsShape                 *shape,
                                 void                   **data,
                                 GError                 **error);

/* Like cs_onnx_tensor_convert, but takes over @proto's raw_data buffer
 * instead of copying it; @proto must come from cs_onnx_allocator. */
gboolean cs_onnx_tensor_take    (Onnx__TensorProto       *proto,
                                 const char              *source,
                                 const char              *what,
                                 CsDType                 *dtype,
                                 CsShape                 *shape,
                                 void                   **data,
                                 GError                 **error);

/* Checks that @shape's dims are non-negative and that its element count
 * times @elem_size fits in memory; sets a CS_ERROR_INVALID naming @what. */
gboolean cs_onnx_shape_check (const CsShape *shape,
                              size_t         elem_size,
                              const char    *source,
                              const char    *what,
                              GError       **error);

/* ---- Attributes (onnx-attrs.c) ---- */

/* The attribute @name of @node checked to be of @type, or NULL (and no
 * error) when absent.  A wrong type sets @error and sets *@ok FALSE. */
const Onnx__AttributeProto *cs_onnx_attr (const CsOnnxNode              *node,
                                          const char                    *name,
                                          Onnx__AttributeProto__AttributeType type,
                                          gboolean                      *ok,
                                          GError                       **error);

gboolean cs_onnx_attr_int    (const CsOnnxNode *node,
                              const char       *name,
                              int64_t           fallback,
                              int64_t           min,
                              int64_t           max,
                              int64_t          *value,
                              GError          **error);
gboolean cs_onnx_attr_float  (const CsOnnxNode *node,
                              const char       *name,
                              float             fallback,
                              float            *value,
                              GError          **error);
/* Sets *@index to the position of the attribute's string in the
 * NULL-terminated @choices, or to @fallback when absent. */
gboolean cs_onnx_attr_choice (const CsOnnxNode  *node,
                              const char        *name,
                              const char *const *choices,
                              int                fallback,
                              int               *index,
                              GError           **error);
/* Copies an INTS attribute of at most @max_count values, each within
 * [@min, @max], into @values; *@count is -1 when the attribute is absent. */
gboolean cs_onnx_attr_ints   (const CsOnnxNode *node,
                              const char       *name,
                              int               max_count,
                              int64_t           min,
                              int64_t           max,
                              int64_t          *values,
                              int              *count,
                              GError          **error);

/* ---- Ops (onnx-ops.c) ---- */

typedef gboolean (*CsOnnxParseFunc) (CsOnnxNode *node, GError **error);

typedef struct
{
  const char      *op_type;
  const CsOpClass *klass;
  int              min_inputs;
  int              max_inputs;
  int              n_outputs;   /* -1: as many as the node has */
  CsOnnxParseFunc  parse;       /* NULL: the class takes no params */
} CsOnnxOp;

/* The table entry for a default-domain @op_type, or NULL. */
const CsOnnxOp *cs_onnx_op_lookup (const char *op_type);

/* Index of the value called @name, or -1. */
int  cs_onnx_find_value (const CsOnnxContext *ctx, const char *name);

G_END_DECLS

#endif /* CS_ONNX_PRIVATE_H */
