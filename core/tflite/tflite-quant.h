/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-quant.h — TFLite quantization in a float engine: turning
 * quantized (and float16) constant data into float32 at load, and the
 * FakeQuantize op that rounds activations to a quantized tensor's grid so
 * that float inference tracks a quantized runtime.
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

/* Rounds to the grid of a per-tensor quantized @type:
 * x → (clamp(round(x/scale) + zero_point, qmin, qmax) − zero_point)·scale. */
typedef struct
{
  float scale;
  float zero_point;
  float qmin, qmax;
} CsFakeQuantParams;

/* Fills @params for tensors of @type quantized by @quant (per tensor,
 * positive finite scale).  Returns FALSE with a reason otherwise. */
gboolean    cs_tflite_fake_quant_params   (int                        type,
                                           const CsTfliteTensorQuant *quant,
                                           CsFakeQuantParams         *params,
                                           const char               **reason);

/* inputs: X; params: CsFakeQuantParams. */
extern const CsOpClass cs_op_fake_quantize;

G_END_DECLS

#endif /* CS_TFLITE_QUANT_H */
