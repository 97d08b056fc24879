/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx-tensor.h — TensorProtos (initializers, Constant values, node
 * tests' tensors) into the engine's dtype, shape and data.
 */
#ifndef CS_ONNX_TENSOR_H
#define CS_ONNX_TENSOR_H

#include "onnx.h"
#include "onnx.pb-c.h"

G_BEGIN_DECLS

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

G_END_DECLS

#endif /* CS_ONNX_TENSOR_H */
