/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-import.h — what every part of the TFLite importer works on: the
 * state of one import (the flatbuffer, its tensors, the graph being built
 * and the operator being translated), the error that names that operator,
 * and adding uniquely named values and nodes to the graph.
 */
#ifndef CS_TFLITE_IMPORT_H
#define CS_TFLITE_IMPORT_H

#include "tflite.h"
#include "flatbuf.h"
#include "tflite-quant.h"

G_BEGIN_DECLS

/* One tensor of subgraph 0, parsed on first use (tflite-tensor.h). */
typedef struct
{
  gboolean            parsed;
  char               *name;       /* as in the file, or "tensor<i>" */
  char               *short_name; /* what layers computing it are called */
  int                 type;       /* CsTfliteType */
  CsShape             shape;      /* as the file states it: NHWC for images */
  const guint8       *data;       /* constant bytes, NULL for activations */
  CsTfliteTensorQuant quant;
  int                 value;      /* the graph value holding it, -1 until made */
  int                 alias;      /* a DEQUANTIZE of a constant: that constant, else -1 */
} CsTfliteTensor;

/* The state of one import. */
typedef struct
{
  CsFbReader      fb;
  const char     *source;
  CsGraph        *graph;
  CsFbVector      buffers;
  CsFbVector      tensor_tables;
  guint32         n_tensors;
  CsTfliteTensor *tensors;
  guint32         n_opcodes;
  int            *opcodes;     /* builtin code per operator code */
  char          **custom_codes;
  GHashTable     *value_names; /* owned keys: names in use, to keep them unique */
  GHashTable     *node_names;
  guint           name_serial;

  /* The operator being translated, if any. */
  gboolean        in_operator;
  guint32         op_index;
  int             op_code;
  const char     *op_name;
  CsFbVector      op_inputs;
  CsFbTable       options;
  CsTfliteTensor *out;         /* its output tensor */
  gboolean        float_only;  /* CsLoadOptions.quantized_in_float */
} CsTfliteImport;

/* Sets @error to "SOURCE: operator N (OP): MESSAGE" while an operator is
 * translated (without "(OP)" until its code is known), "SOURCE: MESSAGE"
 * otherwise.  Returns FALSE. */
gboolean cs_tflite_error          (GError              **error,
                                   CsErrorCode           code,
                                   const CsTfliteImport *imp,
                                   const char           *format,
                                   ...) G_GNUC_PRINTF (4, 5);
/* Moves a flatbuffer error into @error with the same context. */
gboolean cs_tflite_check_fb       (CsTfliteImport       *imp,
                                   GError              **error);

/* A new value named @base, or @base with a suffix when that is taken;
 * the graph takes @constant (NULL for an activation). */
int      cs_tflite_add_value      (CsTfliteImport       *imp,
                                   const char           *base,
                                   const CsShape        *shape,
                                   CsDType               dtype,
                                   void                 *constant);
/* A fresh float value for a helper step of the current operator. */
int      cs_tflite_helper_value   (CsTfliteImport       *imp,
                                   const char           *role,
                                   const CsShape        *shape);
/* A float constant value holding @data (taken) with @shape. */
int      cs_tflite_constant_value (CsTfliteImport       *imp,
                                   const char           *base,
                                   float                *data,
                                   const CsShape        *shape);
/* Adds a one-output node writing @dest.  The step that computes the
 * operator's result (@role NULL) is named after its output tensor, the way
 * TFLite tools show layers; helpers get "<tensor>/<role>".  Takes @params. */
CsNode  *cs_tflite_add_node       (CsTfliteImport       *imp,
                                   const CsOpClass      *klass,
                                   const char           *role,
                                   const int            *inputs,
                                   int                   n_inputs,
                                   int                   dest,
                                   void                 *params);

G_END_DECLS

#endif /* CS_TFLITE_IMPORT_H */
