/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx.h — the ONNX importer's entry points inside the engine: model.c
 * hands it a file's bytes, and the conformance tests use it to read the
 * serialized tensors that come with ONNX's node tests.
 */
#ifndef CS_ONNX_H
#define CS_ONNX_H

#include "../graph.h"

G_BEGIN_DECLS

/* Translates the ONNX ModelProto in @data into a raw graph: constants,
 * inputs, nodes with their params and outputs marked, but no shapes
 * inferred and no passes run.  @data is only read during the call.
 * @source names the file in messages; @options may be NULL.  Returns a
 * graph owned by the caller, or NULL with @error set. */
CsGraph  *cs_onnx_load        (const guint8        *data,
                               gsize                size,
                               const char          *source,
                               const CsLoadOptions *options,
                               GError             **error);

/* Reads a serialized TensorProto (a node test's input_N.pb) into @tensor,
 * whose name and data are then owned by the caller (g_free both). */
gboolean  cs_onnx_read_tensor (const guint8 *data,
                               gsize         size,
                               const char   *source,
                               CsTensor     *tensor,
                               GError      **error);

G_END_DECLS

#endif /* CS_ONNX_H */
