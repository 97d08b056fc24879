/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx-tensor.c — turning ONNX TensorProtos (initializers, Constant
 * values, the node tests' data files) into the engine's dense tensors.
 * The engine keeps float32 and int64 only, so every other element type is
 * refused here with the type named, and the stored element count must
 * match the shape exactly before anything is copied.
 */
#include "onnx-tensor.h"
#include "onnx-wire.h"

#include <inttypes.h>
#include <string.h>

const char *
cs_onnx_dtype_name (int32_t data_type)
{
  const ProtobufCEnumValue *value =
    protobuf_c_enum_descriptor_get_value (&onnx__tensor_proto__data_type__descriptor,
                                          data_type);
  return value != NULL ? value->name : "an unknown type";
}

gboolean
cs_onnx_shape_check (const CsShape *shape,
                     size_t         elem_size,
                     const char    *source,
                     const char    *what,
                     GError       **error)
{
  int64_t limit = (int64_t) G_MAXSSIZE / (int64_t) elem_size;
  int64_t numel = 1;

  for (int i = 0; i < shape->rank; i++)
    {
      int64_t dim = shape->dims[i];

      if (dim < 0)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                       "%s: %s has the negative dimension %" PRId64,
                       source, what, dim);
          return FALSE;
        }
      if (dim != 0 && numel > limit / dim)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                       "%s: %s is too large to hold in memory", source, what);
          return FALSE;
        }
      numel *= dim;
    }
  return TRUE;
}

static void *
allocator_alloc (void  *allocator_data,
                 size_t size)
{
  return g_try_malloc (MAX (size, 1));
}

static void
allocator_free (void *allocator_data,
                void *pointer)
{
  g_free (pointer);
}

ProtobufCAllocator cs_onnx_allocator = { allocator_alloc, allocator_free, NULL };

/* Turns @n little-endian elements of @elem_size (4 or 8) bytes into host
 * order in place. */
static void
from_little_endian (void   *data,
                    size_t  n,
                    size_t  elem_size)
{
  if (G_BYTE_ORDER == G_LITTLE_ENDIAN)
    return;
  for (size_t i = 0; i < n; i++)
    {
      guint8 *e = (guint8 *) data + i * elem_size;
      for (size_t a = 0, b = elem_size - 1; a < b; a++, b--)
        {
          guint8 t = e[a];
          e[a] = e[b];
          e[b] = t;
        }
    }
}

/* Validates @proto and fills the outputs.  When @raw_to_take is @proto's
 * raw_data, that buffer becomes *@data instead of being copied. */
static gboolean
tensor_convert (const Onnx__TensorProto *proto,
                ProtobufCBinaryData     *raw_to_take,
                const char              *source,
                const char              *what,
                CsDType                 *dtype,
                CsShape                 *shape,
                void                   **data,
                GError                 **error)
{
  const void *typed_values;
  size_t n_typed;

  if (proto->n_external_data > 0
      || (proto->has_data_location
          && proto->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: %s keeps its data in an external file, which is not supported",
                   source, what);
      return FALSE;
    }
  if (proto->segment != NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: %s is stored in segments, which is not supported", source, what);
      return FALSE;
    }

  switch (proto->has_data_type ? proto->data_type : ONNX__TENSOR_PROTO__DATA_TYPE__UNDEFINED)
    {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
      *dtype = CS_DTYPE_FLOAT32;
      typed_values = proto->float_data;
      n_typed = proto->n_float_data;
      break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
      *dtype = CS_DTYPE_INT64;
      typed_values = proto->int64_data;
      n_typed = proto->n_int64_data;
      break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UNDEFINED:
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   "%s: %s has no data type", source, what);
      return FALSE;
    default:
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: %s has data type %s; only FLOAT and INT64 are supported",
                   source, what, cs_onnx_dtype_name (proto->data_type));
      return FALSE;
    }

  if (proto->n_dims > CS_MAX_RANK)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: %s has %zu dimensions; at most %d are supported",
                   source, what, proto->n_dims, CS_MAX_RANK);
      return FALSE;
    }
  shape->rank = (int) proto->n_dims;
  for (size_t i = 0; i < proto->n_dims; i++)
    shape->dims[i] = proto->dims[i];

  size_t elem_size = cs_dtype_size (*dtype);
  if (!cs_onnx_shape_check (shape, elem_size, source, what, error))
    return FALSE;
  size_t numel = (size_t) cs_shape_numel (shape);

  if (proto->has_raw_data)
    {
      if (n_typed > 0)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                       "%s: %s has both raw_data and %s values",
                       source, what, cs_onnx_dtype_name (proto->data_type));
          return FALSE;
        }
      if (proto->raw_data.len != numel * elem_size)
        {
          g_autofree char *shape_text = cs_shape_to_string (shape);
          g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                       "%s: %s has %zu bytes of raw_data; its shape %s of %s needs %zu",
                       source, what, proto->raw_data.len, shape_text,
                       cs_onnx_dtype_name (proto->data_type), numel * elem_size);
          return FALSE;
        }
      typed_values = proto->raw_data.data;
    }
  else if (n_typed != numel)
    {
      g_autofree char *shape_text = cs_shape_to_string (shape);
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   "%s: %s has %zu values; its shape %s needs %zu",
                   source, what, n_typed, shape_text, numel);
      return FALSE;
    }

  if (raw_to_take != NULL && proto->has_raw_data && numel > 0)
    {
      *data = raw_to_take->data;
      raw_to_take->data = NULL;
      raw_to_take->len = 0;
    }
  else
    {
      /* Never NULL: a NULL constant would read as "not a constant". */
      *data = g_malloc0 (MAX (numel, 1) * elem_size);
      if (numel > 0)
        memcpy (*data, typed_values, numel * elem_size);
    }
  if (proto->has_raw_data)
    from_little_endian (*data, numel, elem_size);
  return TRUE;
}

gboolean
cs_onnx_tensor_convert (const Onnx__TensorProto *proto,
                        const char              *source,
                        const char              *what,
                        CsDType                 *dtype,
                        CsShape                 *shape,
                        void                   **data,
                        GError                 **error)
{
  return tensor_convert (proto, NULL, source, what, dtype, shape, data, error);
}

gboolean
cs_onnx_tensor_take (Onnx__TensorProto *proto,
                     const char        *source,
                     const char        *what,
                     CsDType           *dtype,
                     CsShape           *shape,
                     void             **data,
                     GError           **error)
{
  return tensor_convert (proto, &proto->raw_data, source, what, dtype, shape, data, error);
}

gboolean
cs_onnx_read_tensor (const guint8 *data,
                     gsize         size,
                     const char   *source,
                     CsTensor     *tensor,
                     GError      **error)
{
  Onnx__TensorProto *proto = NULL;

  if (source == NULL)
    source = "tensor";
  if (cs_onnx_wire_check (data, size, &onnx__tensor_proto__descriptor))
    proto = onnx__tensor_proto__unpack (&cs_onnx_allocator, size, data);
  if (proto == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   "%s: not a valid ONNX TensorProto", source);
      return FALSE;
    }

  const char *name = proto->name != NULL ? proto->name : "";
  g_autofree char *what = g_strdup_printf ("tensor '%s'", name);
  gboolean ok = cs_onnx_tensor_take (proto, source, what, &tensor->dtype,
                                     &tensor->shape, &tensor->data, error);
  if (ok)
    tensor->name = g_strdup (name);
  onnx__tensor_proto__free_unpacked (proto, &cs_onnx_allocator);
  return ok;
}
