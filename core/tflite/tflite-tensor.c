/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-tensor.c — tensors and buffers (tflite-tensor.h).  A tensor is
 * read on first use, so that a model's unused tensors cost nothing and
 * every error names the operator that reached it.
 */
#include "tflite-tensor.h"

#include <string.h>

/* A tensor larger than this (in elements) is refused rather than
 * allocated: no image network comes near it. */
#define TENSOR_MAX_ELEMENTS ((int64_t) 1 << 28)

static gboolean
parse_quantization (CsTfliteImport  *imp,
                    const CsFbTable *table,
                    CsTfliteTensor  *t,
                    GError         **error)
{
  CsFbVector scale = cs_fb_vector (&imp->fb, table, CS_TFLITE_QUANT_SCALE, 4);
  CsFbVector zero_point = cs_fb_vector (&imp->fb, table, CS_TFLITE_QUANT_ZERO_POINT, 8);
  guint8 details = cs_fb_u8 (&imp->fb, table, CS_TFLITE_QUANT_DETAILS_TYPE, 0);
  gint32 dimension = cs_fb_i32 (&imp->fb, table, CS_TFLITE_QUANT_DIMENSION, 0);

  if (!cs_tflite_check_fb (imp, error))
    return FALSE;
  if (details != 0)
    return cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp,
                            "tensor '%s' uses custom quantization", t->name);
  if (scale.length == 0)
    return TRUE;
  if (scale.length > 1
      && (dimension < 0 || dimension >= t->shape.rank
          || scale.length != t->shape.dims[dimension]))
    return cs_tflite_error (error, CS_ERROR_FORMAT, imp,
                            "tensor '%s' has %u quantization scales, which fits no dimension",
                            t->name, scale.length);
  if (zero_point.length != 0 && zero_point.length != 1 && zero_point.length != scale.length)
    return cs_tflite_error (error, CS_ERROR_FORMAT, imp,
                            "tensor '%s' has %u scales but %u zero points",
                            t->name, scale.length, zero_point.length);
  t->quant.n = (int) scale.length;
  t->quant.dimension = dimension;
  t->quant.scale = g_new (float, scale.length);
  t->quant.zero_point = g_new0 (int64_t, scale.length);
  for (guint32 i = 0; i < scale.length; i++)
    {
      t->quant.scale[i] = cs_fb_vec_f32 (&imp->fb, &scale, i);
      if (zero_point.length > 0)
        t->quant.zero_point[i] = cs_fb_vec_i64 (&imp->fb, &zero_point,
                                                zero_point.length == 1 ? 0 : i);
    }
  return cs_tflite_check_fb (imp, error);
}

/* Finds the bytes of buffer @index: inline data, or (for models over
 * 2 GiB) an offset and size relative to the start of the file. */
static gboolean
parse_buffer (CsTfliteImport *imp,
              guint32         index,
              CsTfliteTensor *t,
              gsize          *size,
              GError        **error)
{
  CsFbTable buffer;
  CsFbVector data;
  guint64 offset, length;

  if (index >= imp->buffers.length)
    return cs_tflite_error (error, CS_ERROR_FORMAT, imp,
                            "tensor '%s' refers to buffer %u but the model has %u",
                            t->name, index, imp->buffers.length);
  buffer = cs_fb_vec_table (&imp->fb, &imp->buffers, index);
  data = cs_fb_vector (&imp->fb, &buffer, CS_TFLITE_BUFFER_DATA, 1);
  offset = cs_fb_u64 (&imp->fb, &buffer, CS_TFLITE_BUFFER_OFFSET, 0);
  length = cs_fb_u64 (&imp->fb, &buffer, CS_TFLITE_BUFFER_SIZE, 0);
  if (!cs_tflite_check_fb (imp, error))
    return FALSE;
  *size = 0;
  if (data.length > 0)
    {
      t->data = cs_fb_vec_data (&imp->fb, &data);
      *size = data.length;
    }
  else if (offset > 1)
    {
      if (offset > imp->fb.size || length > imp->fb.size - offset)
        return cs_tflite_error (error, CS_ERROR_FORMAT, imp,
                                "buffer %u of tensor '%s' lies outside the file",
                                index, t->name);
      t->data = length > 0 ? imp->fb.data + offset : NULL;
      *size = (gsize) length;
    }
  return TRUE;
}

static gboolean
parse_tensor (CsTfliteImport *imp,
              guint32         index,
              CsTfliteTensor *t,
              GError        **error)
{
  CsFbTable table = cs_fb_vec_table (&imp->fb, &imp->tensor_tables, index);
  CsFbVector shape = cs_fb_vector (&imp->fb, &table, CS_TFLITE_TENSOR_SHAPE, 4);
  g_autofree char *name = cs_fb_string (&imp->fb, &table, CS_TFLITE_TENSOR_NAME);
  CsFbTable quantization = cs_fb_table (&imp->fb, &table, CS_TFLITE_TENSOR_QUANTIZATION);
  guint32 buffer = cs_fb_u32 (&imp->fb, &table, CS_TFLITE_TENSOR_BUFFER, 0);
  gboolean sparse = cs_fb_present (&imp->fb, &table, CS_TFLITE_TENSOR_SPARSITY);
  int64_t numel = 1;
  gsize size = 0, type_size;

  t->type = cs_fb_i8 (&imp->fb, &table, CS_TFLITE_TENSOR_TYPE, CS_TFLITE_FLOAT32);
  if (!cs_tflite_check_fb (imp, error))
    return FALSE;
  t->name = name != NULL && name[0] != '\0' ? g_steal_pointer (&name)
                                            : g_strdup_printf ("tensor%u", index);
  /* Converters name a fused result after every op that went into it,
   * separated by ';', the op that produced it first. */
  t->short_name = t->name[0] != ';' ? g_strndup (t->name, strcspn (t->name, ";"))
                                    : g_strdup (t->name);
  if (shape.length > CS_MAX_RANK)
    return cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp,
                            "tensor '%s' has rank %u; at most %d is supported",
                            t->name, shape.length, CS_MAX_RANK);
  t->shape.rank = (int) shape.length;
  for (guint32 i = 0; i < shape.length; i++)
    {
      gint32 dim = cs_fb_vec_i32 (&imp->fb, &shape, i);

      if (dim < 1)
        return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                                "tensor '%s' has dimension %u of size %d",
                                t->name, i, (int) dim);
      t->shape.dims[i] = dim;
      numel *= dim;
      if (numel > TENSOR_MAX_ELEMENTS)
        return cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp,
                                "tensor '%s' is too large", t->name);
    }
  if (quantization.pos != 0 && !parse_quantization (imp, &quantization, t, error))
    return FALSE;
  if (!parse_buffer (imp, buffer, t, &size, error))
    return FALSE;
  if (t->data == NULL)
    return TRUE;
  if (sparse)
    return cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp,
                            "tensor '%s' holds sparse data", t->name);
  type_size = cs_tflite_type_size (t->type);
  if (type_size == 0)
    return cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp,
                            "constant tensor '%s' has type %s",
                            t->name, cs_tflite_type_name (t->type));
  if (size < (guint64) numel * type_size)
    return cs_tflite_error (error, CS_ERROR_FORMAT, imp,
                            "tensor '%s' (%s, %" G_GINT64_FORMAT " elements) needs %"
                            G_GUINT64_FORMAT " bytes but its buffer holds %" G_GSIZE_FORMAT,
                            t->name, cs_tflite_type_name (t->type), numel,
                            (guint64) numel * type_size, size);
  return TRUE;
}

CsTfliteTensor *
cs_tflite_get_tensor (CsTfliteImport *imp,
                      gint64          index,
                      GError        **error)
{
  CsTfliteTensor *t;

  if (index < 0 || index >= imp->n_tensors)
    {
      cs_tflite_error (error, CS_ERROR_FORMAT, imp,
                       "refers to tensor %" G_GINT64_FORMAT " but the subgraph has %u",
                       index, imp->n_tensors);
      return NULL;
    }
  t = &imp->tensors[index];
  /* A failed parse ends the load, so there is no second attempt. */
  if (!t->parsed)
    {
      if (!parse_tensor (imp, (guint32) index, t, error))
        return NULL;
      t->parsed = TRUE;
    }
  return t;
}

gboolean
cs_tflite_tensor_is_constant (const CsTfliteTensor *t)
{
  return t->data != NULL || t->alias >= 0;
}

gboolean
cs_tflite_tensor_is_quantized (const CsTfliteTensor *t)
{
  return t->quant.n > 0 && cs_tflite_type_is_quantizable (t->type);
}

float *
cs_tflite_tensor_floats (CsTfliteImport            *imp,
                         const CsTfliteTensor      *t,
                         const CsTfliteTensorQuant *quant,
                         GError                   **error)
{
  const CsTfliteTensor *source = t->alias >= 0 ? &imp->tensors[t->alias] : t;
  const char *reason = NULL;
  float *data;

  if (source->data == NULL)
    {
      cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp,
                       "tensor '%s' must be constant", t->name);
      return NULL;
    }
  data = g_new (float, MAX (cs_shape_numel (&t->shape), 1));
  if (!cs_tflite_dequantize (source->data, source->type, &t->shape,
                             quant != NULL ? quant : &source->quant, data, &reason))
    {
      g_free (data);
      cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp, "tensor '%s' (%s): %s",
                       t->name, cs_tflite_type_name (source->type), reason);
      return NULL;
    }
  return data;
}

gboolean
cs_tflite_tensor_ints (CsTfliteImport       *imp,
                       const CsTfliteTensor *t,
                       int64_t              *values,
                       int                   capacity,
                       int                  *n,
                       GError              **error)
{
  int64_t numel = cs_shape_numel (&t->shape);

  if (t->data == NULL || (t->type != CS_TFLITE_INT32 && t->type != CS_TFLITE_INT64))
    return cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp,
                            "tensor '%s' must be a constant INT32 or INT64 tensor", t->name);
  if (numel > capacity)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                            "tensor '%s' has %" G_GINT64_FORMAT " elements, at most %d expected",
                            t->name, numel, capacity);
  for (int64_t i = 0; i < numel; i++)
    {
      const guint8 *p = t->data + (gsize) i * cs_tflite_type_size (t->type);
      guint64 bits = 0;

      for (int b = (int) cs_tflite_type_size (t->type); b-- > 0;)
        bits = (bits << 8) | p[b];
      values[i] = t->type == CS_TFLITE_INT32 ? (int64_t) (gint32) (guint32) bits : (int64_t) bits;
    }
  *n = (int) numel;
  return TRUE;
}

gboolean
cs_tflite_has_input (CsTfliteImport *imp,
                     int             i)
{
  return (guint32) i < imp->op_inputs.length && cs_fb_vec_i32 (&imp->fb, &imp->op_inputs, i) >= 0;
}

CsTfliteTensor *
cs_tflite_input_tensor (CsTfliteImport *imp,
                        int             i,
                        GError        **error)
{
  if (!cs_tflite_has_input (imp, i))
    {
      cs_tflite_error (error, CS_ERROR_INVALID, imp, "input %d is missing", i);
      return NULL;
    }
  return cs_tflite_get_tensor (imp, cs_fb_vec_i32 (&imp->fb, &imp->op_inputs, i), error);
}
