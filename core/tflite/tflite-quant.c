/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-quant.c — dequantizing TFLite constants to float32 at load and
 * the grids that emulate a quantized runtime's activation rounding.
 */
#include "tflite-quant.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "../ops/op-common.h"

void
cs_tflite_tensor_quant_clear (CsTfliteTensorQuant *quant)
{
  g_clear_pointer (&quant->scale, g_free);
  g_clear_pointer (&quant->zero_point, g_free);
  quant->n = 0;
}

gboolean
cs_tflite_tensor_quant_equal (const CsTfliteTensorQuant *a,
                              const CsTfliteTensorQuant *b)
{
  if (a->n != b->n)
    return FALSE;
  for (int i = 0; i < a->n; i++)
    if (a->scale[i] != b->scale[i] || a->zero_point[i] != b->zero_point[i])
      return FALSE;
  return a->n <= 1 || a->dimension == b->dimension;
}

size_t
cs_tflite_type_size (int type)
{
  switch (type)
    {
    case CS_TFLITE_FLOAT32:
    case CS_TFLITE_INT32:
      return 4;
    case CS_TFLITE_FLOAT16:
    case CS_TFLITE_INT16:
      return 2;
    case CS_TFLITE_UINT8:
    case CS_TFLITE_INT8:
      return 1;
    case CS_TFLITE_INT64:
    case CS_TFLITE_FLOAT64:
      return 8;
    default:
      return 0;
    }
}

const char *
cs_tflite_type_name (int type)
{
  static const char *const names[] = {
    "FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL",
    "INT16", "COMPLEX64", "INT8", "FLOAT64", "COMPLEX128", "UINT64",
    "RESOURCE", "VARIANT", "UINT32", "UINT16", "INT4",
  };

  if (type >= 0 && (size_t) type < G_N_ELEMENTS (names))
    return names[type];
  return "an unknown type";
}

gboolean
cs_tflite_type_is_quantizable (int type)
{
  return type == CS_TFLITE_UINT8 || type == CS_TFLITE_INT8
         || type == CS_TFLITE_INT16 || type == CS_TFLITE_INT32;
}

static float
half_to_float (guint16 half)
{
  guint32 sign = (guint32) (half & 0x8000) << 16;
  guint32 exponent = (half >> 10) & 0x1f;
  guint32 mantissa = half & 0x3ff;
  guint32 bits;
  float   value;

  if (exponent == 0)
    {
      /* Zero or subnormal: mantissa · 2^−24. */
      value = ldexpf ((float) mantissa, -24);
      return sign != 0 ? -value : value;
    }
  if (exponent == 31)
    bits = sign | 0x7f800000u | mantissa << 13;
  else
    bits = sign | (exponent + 112) << 23 | mantissa << 13;
  memcpy (&value, &bits, sizeof value);
  return value;
}

/* A double as a float: a value beyond float's range (a float64 weight, a
 * hostile scale) becomes an infinity rather than an undefined conversion;
 * a NaN stays one. */
static inline float
to_float (double value)
{
  return value > FLT_MAX ? INFINITY : value < -FLT_MAX ? -INFINITY : (float) value;
}

/* Reads @n little-endian values of @type from @raw at any alignment. */
static void
read_floats (const guint8 *raw, int type, int64_t n, float *out)
{
  for (int64_t i = 0; i < n; i++)
    switch (type)
      {
      case CS_TFLITE_FLOAT32:
        {
          guint32 bits;

          memcpy (&bits, raw + 4 * i, 4);
          bits = GUINT32_FROM_LE (bits);
          memcpy (&out[i], &bits, 4);
          break;
        }
      case CS_TFLITE_FLOAT16:
        {
          guint16 bits;

          memcpy (&bits, raw + 2 * i, 2);
          out[i] = half_to_float (GUINT16_FROM_LE (bits));
          break;
        }
      default: /* CS_TFLITE_FLOAT64 */
        {
          guint64 bits;
          double  value;

          memcpy (&bits, raw + 8 * i, 8);
          bits = GUINT64_FROM_LE (bits);
          memcpy (&value, &bits, 8);
          out[i] = to_float (value);
          break;
        }
      }
}

/* An 8-bit run at least this long pays for computing a table. */
#define TABLE_MIN_RUN 1024

/* Dequantizes elements [start, end) of @raw, which share one scale and
 * zero point; like TFLite, in double.  Long 8-bit runs go through a table
 * of all 256 values, computed the same way: the loops' int64-to-double
 * conversions do not vectorize, and a mobile network's weights are
 * millions of values in a few runs.  Otherwise one loop per type. */
static void
dequantize_run (const guint8 *raw, int type, int64_t start, int64_t end,
                int64_t zero_point, double scale, float *out)
{
  if ((type == CS_TFLITE_UINT8 || type == CS_TFLITE_INT8) && end - start >= TABLE_MIN_RUN)
    {
      float table[256];

      for (int q = 0; q < 256; q++)
        table[q] = to_float (
            ((double) (type == CS_TFLITE_UINT8 ? q : (gint8) q) - (double) zero_point) * scale);
      for (int64_t i = start; i < end; i++)
        out[i] = table[raw[i]];
      return;
    }
  switch (type)
    {
    case CS_TFLITE_UINT8:
      for (int64_t i = start; i < end; i++)
        out[i] = to_float (((double) raw[i] - (double) zero_point) * scale);
      break;
    case CS_TFLITE_INT8:
      for (int64_t i = start; i < end; i++)
        out[i] = to_float (((double) (gint8) raw[i] - (double) zero_point) * scale);
      break;
    case CS_TFLITE_INT16:
      for (int64_t i = start; i < end; i++)
        {
          guint16 bits;

          memcpy (&bits, raw + 2 * i, 2);
          out[i] =
              to_float (((double) (gint16) GUINT16_FROM_LE (bits) - (double) zero_point) * scale);
        }
      break;
    default: /* CS_TFLITE_INT32 */
      for (int64_t i = start; i < end; i++)
        {
          guint32 bits;

          memcpy (&bits, raw + 4 * i, 4);
          out[i] =
              to_float (((double) (gint32) GUINT32_FROM_LE (bits) - (double) zero_point) * scale);
        }
      break;
    }
}

gboolean
cs_tflite_dequantize (const guint8              *raw,
                      int                        type,
                      const CsShape             *shape,
                      const CsTfliteTensorQuant *quant,
                      float                     *out,
                      const char               **reason)
{
  int64_t numel = cs_shape_numel (shape);
  int64_t inner = numel, channels = 1;

  if (type == CS_TFLITE_FLOAT32 || type == CS_TFLITE_FLOAT16 || type == CS_TFLITE_FLOAT64)
    {
      read_floats (raw, type, numel, out);
      return TRUE;
    }
  if (!cs_tflite_type_is_quantizable (type) || quant->n < 1)
    {
      *reason = "integer data without quantization parameters cannot be used as real values";
      return FALSE;
    }
  if (quant->n > 1)
    {
      if (quant->dimension < 0 || quant->dimension >= shape->rank
          || shape->dims[quant->dimension] != quant->n)
        {
          *reason = "the number of per-channel scales does not match the quantized dimension";
          return FALSE;
        }
      channels = quant->n;
      inner = 1;
      for (int d = quant->dimension + 1; d < shape->rank; d++)
        inner *= shape->dims[d];
    }
  for (int i = 0; i < quant->n; i++)
    if (!isfinite (quant->scale[i]))
      {
        *reason = "a quantization scale is not finite";
        return FALSE;
      }
  /* Walk the elements as [outer][channel][inner]: each run of @inner
   * shares one scale and zero point. */
  for (int64_t start = 0, c = 0; start < numel; start += inner, c = (c + 1) % channels)
    dequantize_run (raw, type, start, start + inner, quant->zero_point[c],
                    quant->scale[c], out);
  return TRUE;
}

gboolean
cs_tflite_grid (int                        type,
                const CsTfliteTensorQuant *quant,
                CsGrid                    *grid,
                const char               **reason)
{
  float qmin, qmax;

  switch (type)
    {
    case CS_TFLITE_UINT8:
      qmin = 0.0f, qmax = 255.0f;
      break;
    case CS_TFLITE_INT8:
      qmin = -128.0f, qmax = 127.0f;
      break;
    case CS_TFLITE_INT16:
      qmin = -32768.0f, qmax = 32767.0f;
      break;
    default:
      *reason = "only UINT8, INT8 and INT16 activations can be quantized";
      return FALSE;
    }
  if (quant->n != 1)
    {
      *reason = "activations must be quantized per tensor";
      return FALSE;
    }
  if (!(quant->scale[0] > 0.0f) || !isfinite (quant->scale[0]))
    {
      *reason = "the quantization scale must be positive and finite";
      return FALSE;
    }
  if ((float) quant->zero_point[0] < qmin || (float) quant->zero_point[0] > qmax)
    {
      *reason = "the zero point lies outside the type's range";
      return FALSE;
    }
  grid->scale = quant->scale[0];
  grid->low = qmin - (float) quant->zero_point[0];
  grid->high = qmax - (float) quant->zero_point[0];
  return TRUE;
}
