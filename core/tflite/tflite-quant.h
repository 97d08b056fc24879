/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-quant.h — TFLite quantization in a float engine: turning
 * quantized (and float16) constant data into float32 at load, and the
 * grid of the FakeQuantize ops (ops.h) that round activations to a
 * quantized tensor's values so that float inference tracks a quantized
 * runtime.
 */
#ifndef CS_TFLITE_QUANT_H
#define CS_TFLITE_QUANT_H

#include "../ops/ops.h"
#include "tflite-schema.h"

G_BEGIN_DECLS

/* Affine quantization of one tensor: real = (q − zero_point)·scale, per
 * tensor (n 1) or per slice along @dimension (n = that dimension).  A
 * graph input's, once known to be per tensor, becomes a CsQuantization. */
typedef struct
{
  int      n;            /* 0: not quantized */
  float   *scale;        /* owned, n entries */
  int64_t *zero_point;   /* owned, n entries */
  int      dimension;
} CsTfliteTensorQuant;

void        cs_tflite_tensor_quant_clear  (CsTfliteTensorQuant       *quant);
gboolean    cs_tflite_tensor_quant_equal  (const CsTfliteTensorQuant *a,
                                           const CsTfliteTensorQuant *b);

/* Bytes per element of @type (a CsTfliteType), 0 for types the importer
 * cannot read. */
size_t      cs_tflite_type_size           (int type);
const char *cs_tflite_type_name           (int type);
/* Whether values of @type are integers a quantization maps to reals. */
gboolean    cs_tflite_type_is_quantizable (int type);

/* Converts @numel elements of @type at @raw (any alignment, little-endian)
 * into @out: floats as they are, integers through @quant (which must have
 * n ≥ 1 and, when n > 1, match @shape along quant->dimension).  Returns
 * FALSE with a one-line reason in *@reason (static) when it cannot. */
gboolean    cs_tflite_dequantize          (const guint8              *raw,
                                           int                        type,
                                           const CsShape             *shape,
                                           const CsTfliteTensorQuant *quant,
                                           float                     *out,
                                           const char               **reason);

/* Fills @grid (epilogue.h) for tensors of @type quantized by @quant (per
 * tensor, positive finite scale): a FakeQuantize op's, which rounds x
 * to (clamp(round(x/scale) + zero_point, qmin, qmax) − zero_point)·scale.
 * Returns FALSE with a reason otherwise. */
gboolean    cs_tflite_grid                (int                        type,
                                           const CsTfliteTensorQuant *quant,
                                           CsGrid                    *grid,
                                           const char               **reason);

G_END_DECLS

#endif /* CS_TFLITE_QUANT_H */
