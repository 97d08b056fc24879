/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx-wire.c — a guard run over an ONNX file's protobuf encoding before
 * protobuf-c unpacks it.  protobuf-c recurses once per nested message with
 * no depth limit, so a small hostile file of nested graphs or types could
 * exhaust the stack; this walk is iterative per level and bounded in depth.
 */
#include "onnx-wire.h"

enum
{
  WIRE_VARINT = 0,
  WIRE_FIXED64 = 1,
  WIRE_LENGTH = 2,
  WIRE_FIXED32 = 5
};

static gboolean
read_varint (const guint8 **cursor,
             const guint8  *end,
             guint64       *value)
{
  guint64 result = 0;

  for (int shift = 0; shift < 64; shift += 7)
    {
      if (*cursor >= end)
        return FALSE;
      guint8 byte = *(*cursor)++;
      result |= (guint64) (byte & 0x7f) << shift;
      if (!(byte & 0x80))
        {
          *value = result;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
check_message (const guint8                     *data,
               const guint8                     *end,
               const ProtobufCMessageDescriptor *descriptor,
               int                               depth)
{
  if (depth > CS_ONNX_MAX_NESTING)
    return FALSE;

  while (data < end)
    {
      guint64 tag, length;

      if (!read_varint (&data, end, &tag) || (tag >> 3) == 0 || (tag >> 3) > G_MAXUINT32)
        return FALSE;

      switch (tag & 7)
        {
        case WIRE_VARINT:
          if (!read_varint (&data, end, &length))
            return FALSE;
          break;
        case WIRE_FIXED64:
          if (end - data < 8)
            return FALSE;
          data += 8;
          break;
        case WIRE_FIXED32:
          if (end - data < 4)
            return FALSE;
          data += 4;
          break;
        case WIRE_LENGTH:
          {
            if (!read_varint (&data, end, &length) || length > (guint64) (end - data))
              return FALSE;
            const ProtobufCFieldDescriptor *field =
              protobuf_c_message_descriptor_get_field (descriptor, (unsigned) (tag >> 3));
            if (field != NULL && field->type == PROTOBUF_C_TYPE_MESSAGE
                && !check_message (data, data + length, field->descriptor, depth + 1))
              return FALSE;
            data += length;
          }
          break;
        default:
          /* Groups: ONNX has none and protobuf-c does not read them. */
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
cs_onnx_wire_check (const guint8                     *data,
                    gsize                             size,
                    const ProtobufCMessageDescriptor *descriptor)
{
  if (size == 0)
    return TRUE;  /* an empty message; also keeps NULL + 0 out of the walk */
  return check_message (data, data + size, descriptor, 0);
}
