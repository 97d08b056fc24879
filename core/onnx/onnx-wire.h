/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx-wire.h — a guard run on the raw protobuf encoding before
 * protobuf-c unpacks it, so that hostile nesting or lengths never reach
 * the unpacker.
 */
#ifndef CS_ONNX_WIRE_H
#define CS_ONNX_WIRE_H

#include <glib.h>
#include <protobuf-c/protobuf-c.h>

G_BEGIN_DECLS

/* Nesting deeper than any real model needs; protobuf-c itself recurses
 * without a limit, so hostile files are checked against this first. */
#define CS_ONNX_MAX_NESTING 64

/* Walks the protobuf encoding of a @descriptor message in @data without
 * building it: every length fits, nothing nests deeper than
 * CS_ONNX_MAX_NESTING.  Returns FALSE on the first violation. */
gboolean cs_onnx_wire_check (const guint8                     *data,
                             gsize                             size,
                             const ProtobufCMessageDescriptor *descriptor);

G_END_DECLS

#endif /* CS_ONNX_WIRE_H */
