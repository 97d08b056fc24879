/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-tensor.h — the tensors of subgraph 0 and the buffers behind
 * them: shape, type and quantization read on first use, constant data
 * found and converted to float32 (or integers, for axes and paddings),
 * and the current operator's inputs.
 */
#ifndef CS_TFLITE_TENSOR_H
#define CS_TFLITE_TENSOR_H

#include "tflite-import.h"

G_BEGIN_DECLS

/* Tensor @index of subgraph 0, parsed on first use; NULL with @error set
 * when the index is out of range or the tensor is malformed. */
CsTfliteTensor *cs_tflite_get_tensor          (CsTfliteImport            *imp,
                                               gint64                     index,
                                               GError                   **error);

/* Whether @t holds data known at load: its own, or that of the constant
 * a DEQUANTIZE of it stands for. */
gboolean        cs_tflite_tensor_is_constant  (const CsTfliteTensor      *t);
gboolean        cs_tflite_tensor_is_quantized (const CsTfliteTensor      *t);

/* The tensor's constant data as float32 in the file's layout, dequantized
 * through @quant (the tensor's own when NULL); newly allocated. */
float          *cs_tflite_tensor_floats       (CsTfliteImport            *imp,
                                               const CsTfliteTensor      *t,
                                               const CsTfliteTensorQuant *quant,
                                               GError                   **error);
/* Reads a constant integer operand (axes, paddings) of at most @capacity
 * elements into @values, their count into *@n. */
gboolean        cs_tflite_tensor_ints         (CsTfliteImport            *imp,
                                               const CsTfliteTensor      *t,
                                               int64_t                   *values,
                                               int                        capacity,
                                               int                       *n,
                                               GError                   **error);

/* Whether the current operator has input @i (not omitted). */
gboolean        cs_tflite_has_input           (CsTfliteImport            *imp,
                                               int                        i);
/* The tensor of the current operator's input @i; missing is an error. */
CsTfliteTensor *cs_tflite_input_tensor        (CsTfliteImport            *imp,
                                               int                        i,
                                               GError                   **error);

G_END_DECLS

#endif /* CS_TFLITE_TENSOR_H */
