/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-loader.c — walks a TensorFlow Lite flatbuffer (schema.fbs,
 * version 3) and translates subgraph 0 into the engine's graph.
 *
 * TFLite lays images out NHWC; the engine computes NCHW and must look the
 * same whatever the file format, so every 4-D tensor becomes the NCHW
 * permutation of itself: constants are permuted at load, and where an op
 * depends on the memory order of a 4-D tensor (flattening, reshaping,
 * reducing some axes) a Transpose is inserted, unless C = 1 or H = W = 1
 * makes both orders the same.  Quantized constants are dequantized to
 * float at load; quantized activations are computed in float and rounded
 * back to their tensor's grid by a FakeQuantize node, so that results
 * track a quantized runtime.
 */
#include "tflite.h"

#include <math.h>
#include <string.h>

#include "flatbuf.h"
#include "tflite-quant.h"

/* A tensor larger than this (in elements) is refused rather than
 * allocated: no image network comes near it. */
#define TENSOR_MAX_ELEMENTS ((int64_t) 1 << 28)

/* Field numbers of the schema's tables (a union takes two: type, value). */
enum { MODEL_VERSION, MODEL_OPERATOR_CODES, MODEL_SUBGRAPHS, MODEL_DESCRIPTION, MODEL_BUFFERS };
enum { SUBGRAPH_TENSORS, SUBGRAPH_INPUTS, SUBGRAPH_OUTPUTS, SUBGRAPH_OPERATORS };
enum { TENSOR_SHAPE, TENSOR_TYPE, TENSOR_BUFFER, TENSOR_NAME, TENSOR_QUANTIZATION,
       TENSOR_IS_VARIABLE, TENSOR_SPARSITY };
enum { QUANT_MIN, QUANT_MAX, QUANT_SCALE, QUANT_ZERO_POINT, QUANT_DETAILS_TYPE,
       QUANT_DETAILS, QUANT_DIMENSION };
enum { BUFFER_DATA, BUFFER_OFFSET, BUFFER_SIZE };
enum { OPCODE_DEPRECATED_BUILTIN, OPCODE_CUSTOM, OPCODE_VERSION, OPCODE_BUILTIN };
enum { OPERATOR_OPCODE_INDEX, OPERATOR_INPUTS, OPERATOR_OUTPUTS, OPERATOR_OPTIONS_TYPE,
       OPERATOR_OPTIONS };

#define TFLITE_SCHEMA_VERSION 3

/* BuiltinOperator values the importer translates. */
enum
{
  OP_ADD = 0,
  OP_AVERAGE_POOL_2D = 1,
  OP_CONCATENATION = 2,
  OP_CONV_2D = 3,
  OP_DEPTHWISE_CONV_2D = 4,
  OP_DEQUANTIZE = 6,
  OP_FULLY_CONNECTED = 9,
  OP_LOGISTIC = 14,
  OP_MAX_POOL_2D = 17,
  OP_MUL = 18,
  OP_RELU = 19,
  OP_RELU_N1_TO_1 = 20,
  OP_RELU6 = 21,
  OP_RESHAPE = 22,
  OP_SOFTMAX = 25,
  OP_TANH = 28,
  OP_CUSTOM = 32,
  OP_PAD = 34,
  OP_MEAN = 40,
  OP_SUB = 41,
  OP_DIV = 42,
  OP_SQUEEZE = 43,
  OP_PADV2 = 60,
  OP_EXPAND_DIMS = 70,
  OP_LEAKY_RELU = 98,
  OP_QUANTIZE = 114,
  OP_HARD_SWISH = 117,
};

/* BuiltinOptions union members, for checking an operator's options. */
enum
{
  OPTIONS_NONE = 0,
  OPTIONS_CONV_2D = 1,
  OPTIONS_DEPTHWISE_CONV_2D = 2,
  OPTIONS_POOL_2D = 5,
  OPTIONS_FULLY_CONNECTED = 8,
  OPTIONS_SOFTMAX = 9,
  OPTIONS_CONCATENATION = 10,
  OPTIONS_ADD = 11,
  OPTIONS_MUL = 21,
  OPTIONS_REDUCER = 27,
  OPTIONS_SUB = 28,
  OPTIONS_DIV = 29,
  OPTIONS_LEAKY_RELU = 75,
};

static const char *const builtin_names[] = {
  "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D",
  "DEPTH_TO_SPACE", "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED",
  "HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION",
  "LOGISTIC", "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1",
  "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF",
  "TANH", "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE",
  "PAD", "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND",
  "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE",
  "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP",
  "TOPK_V2", "SPLIT", "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST",
  "PRELU", "MAXIMUM", "ARG_MAX", "MINIMUM", "LESS", "NEG", "PADV2", "GREATER",
  "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE", "SIN", "TRANSPOSE_CONV",
  "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM", "SQRT",
  "RSQRT", "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK",
  "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT", "UNPACK", "REDUCE_MIN",
  "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL", "FLOOR_MOD", "RANGE",
  "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE", "MIRROR_PAD", "ABS",
  "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE", "RANK",
  "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND",
  "HARD_SWISH", "IF", "WHILE", "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5",
  "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM", "BATCH_MATMUL",
  "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE", "BROADCAST_TO", "RFFT2D",
  "CONV_3D",
};

/* NHWC axis → NCHW axis, and the two permutations between the layouts as
 * Transpose perms (output axis i takes input axis perm[i]). */
static const int nhwc_axis_in_nchw[4] = { 0, 2, 3, 1 };
static const int perm_to_nchw[4] = { 0, 3, 1, 2 };
static const int perm_to_nhwc[4] = { 0, 2, 3, 1 };

typedef struct
{
  gboolean      parsed;
  char         *name;       /* as in the file, or "tensor<i>" */
  char         *short_name; /* what layers computing it are called */
  int           type;       /* TensorType */
  CsShape       shape;      /* as the file states it: NHWC for images */
  const guint8 *data;       /* constant bytes, NULL for activations */
  CsTfliteTensorQuant    quant;
  int           value;      /* the graph value holding it, -1 until made */
  int           alias;      /* a DEQUANTIZE of a constant: that constant, else -1 */
} Tensor;

typedef struct
{
  CsFbReader   fb;
  const char  *source;
  CsGraph     *graph;
  CsFbVector   buffers;
  CsFbVector   tensor_tables;
  guint32      n_tensors;
  Tensor      *tensors;
  guint32      n_opcodes;
  int         *opcodes;     /* builtin code per operator code */
  char       **custom_codes;
  GHashTable  *value_names; /* owned keys: names in use, to keep them unique */
  GHashTable  *node_names;
  guint        name_serial;

  /* The operator being translated, if any. */
  gboolean     in_operator;
  guint32      op_index;
  int          op_code;
  const char  *op_name;
  CsFbVector   op_inputs;
  CsFbTable    options;
  Tensor      *out;         /* its output tensor */
} Loader;

typedef gboolean (*Translate) (Loader *L, int dest, GError **error);

/* ---- Messages ---- */

static const char *
builtin_name (int code)
{
  if (code >= 0 && (size_t) code < G_N_ELEMENTS (builtin_names))
    return builtin_names[code];
  return "an unknown builtin operator";
}

static gboolean
loader_error (Loader *L, GError **error, CsErrorCode code, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

/* "SOURCE: operator N (OP): " while translating an operator (without
 * the op until its code is known), "SOURCE: " otherwise. */
static char *
loader_context (const Loader *L)
{
  if (!L->in_operator)
    return g_strdup_printf ("%s: ", L->source);
  if (L->op_name == NULL)
    return g_strdup_printf ("%s: operator %u: ", L->source, L->op_index);
  return g_strdup_printf ("%s: operator %u (%s): ", L->source, L->op_index, L->op_name);
}

/* Sets @error to the context and the message.  Returns FALSE. */
static gboolean
loader_error (Loader *L, GError **error, CsErrorCode code, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;
  g_autofree char *context = loader_context (L);

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CS_ERROR, code, "%s%s", context, message);
  return FALSE;
}

/* Moves a flatbuffer error into @error with the loader's context. */
static gboolean
loader_check_fb (Loader *L, GError **error)
{
  g_autofree char *context = loader_context (L);

  return cs_fb_check (&L->fb, error, "%s", context);
}

/* ---- Names ---- */

/* @base, or @base with a numeric suffix when it is taken; newly allocated
 * and recorded in @names.  The suffixes come from one running count so
 * that a file repeating a name many times costs no more than one that
 * does not. */
static char *
unique_name (Loader *L, GHashTable *names, const char *base)
{
  char *name = g_strdup (base);

  while (g_hash_table_contains (names, name))
    {
      g_free (name);
      name = g_strdup_printf ("%s_%u", base, ++L->name_serial);
    }
  g_hash_table_add (names, g_strdup (name));
  return name;
}

/* ---- Shapes and layout ---- */

static gboolean
shape_is_4d (const CsShape *shape)
{
  return shape->rank == 4;
}

/* Whether NHWC and NCHW orders of @nhwc hold the elements in the same
 * sequence, so that a reshape needs no transpose. */
static gboolean
layout_is_trivial (const CsShape *nhwc)
{
  return nhwc->dims[3] == 1 || (nhwc->dims[1] == 1 && nhwc->dims[2] == 1);
}

static CsShape
shape_permuted (const CsShape *shape, const int *perm)
{
  CsShape out = { shape->rank, { 0 } };

  for (int i = 0; i < shape->rank; i++)
    out.dims[i] = shape->dims[perm[i]];
  return out;
}

/* The shape the graph gives a tensor: 4-D ones in NCHW. */
static CsShape
graph_shape (const CsShape *shape)
{
  return shape_is_4d (shape) ? shape_permuted (shape, perm_to_nchw) : *shape;
}

/* @shape with leading 1s up to @rank, as TFLite broadcasting aligns it. */
static CsShape
shape_expanded (const CsShape *shape, int rank)
{
  CsShape out = { rank, { 0 } };
  int lead = rank - shape->rank;

  for (int i = 0; i < rank; i++)
    out.dims[i] = i < lead ? 1 : shape->dims[i - lead];
  return out;
}

/* Writes 4-D @src (row-major, @shape) into @dst permuted: dst axis i is
 * src axis perm[i]. */
static void
permute_floats (const float *src, const CsShape *shape, const int *perm, float *dst)
{
  int64_t src_strides[4], stride[4], dims[4];

  src_strides[3] = 1;
  for (int i = 2; i >= 0; i--)
    src_strides[i] = src_strides[i + 1] * shape->dims[i + 1];
  for (int i = 0; i < 4; i++)
    {
      dims[i] = shape->dims[perm[i]];
      stride[i] = src_strides[perm[i]];
    }
  for (int64_t a = 0; a < dims[0]; a++)
    for (int64_t b = 0; b < dims[1]; b++)
      for (int64_t c = 0; c < dims[2]; c++)
        {
          const float *row = src + a * stride[0] + b * stride[1] + c * stride[2];

          for (int64_t d = 0; d < dims[3]; d++)
            *dst++ = row[d * stride[3]];
        }
}

/* Whether permuting @shape by @perm leaves its elements in the same
 * order: the axes longer than 1 keep their relative order.  Then the
 * permuted tensor is the same memory under another shape. */
static gboolean
permutation_keeps_order (const CsShape *shape, const int *perm)
{
  int last = -1;

  for (int i = 0; i < shape->rank; i++)
    if (shape->dims[perm[i]] > 1)
      {
        if (perm[i] < last)
          return FALSE;
        last = perm[i];
      }
  return TRUE;
}

/* @data (taken, 4-D, row-major @shape) permuted by @perm as
 * permute_floats does; the same memory when no element moves, as for
 * 1×1 convolutions' weights, which are most of a mobile network's. */
static float *
permute_floats_owned (float *data, const CsShape *shape, const int *perm)
{
  float *permuted;

  if (permutation_keeps_order (shape, perm))
    return data;
  permuted = g_new (float, cs_shape_numel (shape));
  permute_floats (data, shape, perm, permuted);
  g_free (data);
  return permuted;
}

/* ---- Tensors ---- */

static gboolean
parse_quantization (Loader *L, const CsFbTable *table, Tensor *t, GError **error)
{
  CsFbVector scale = cs_fb_vector (&L->fb, table, QUANT_SCALE, 4);
  CsFbVector zero_point = cs_fb_vector (&L->fb, table, QUANT_ZERO_POINT, 8);
  guint8 details = cs_fb_u8 (&L->fb, table, QUANT_DETAILS_TYPE, 0);
  gint32 dimension = cs_fb_i32 (&L->fb, table, QUANT_DIMENSION, 0);

  if (!loader_check_fb (L, error))
    return FALSE;
  if (details != 0)
    return loader_error (L, error, CS_ERROR_UNSUPPORTED,
                         "tensor '%s' uses custom quantization", t->name);
  if (scale.length == 0)
    return TRUE;
  if (scale.length > 1
      && (dimension < 0 || dimension >= t->shape.rank
          || scale.length != t->shape.dims[dimension]))
    return loader_error (L, error, CS_ERROR_FORMAT,
                         "tensor '%s' has %u quantization scales, which fits no dimension",
                         t->name, scale.length);
  if (zero_point.length != 0 && zero_point.length != 1 && zero_point.length != scale.length)
    return loader_error (L, error, CS_ERROR_FORMAT,
                         "tensor '%s' has %u scales but %u zero points",
                         t->name, scale.length, zero_point.length);
  t->quant.n = (int) scale.length;
  t->quant.dimension = dimension;
  t->quant.scale = g_new (float, scale.length);
  t->quant.zero_point = g_new0 (int64_t, scale.length);
  for (guint32 i = 0; i < scale.length; i++)
    {
      t->quant.scale[i] = cs_fb_vec_f32 (&L->fb, &scale, i);
      if (zero_point.length > 0)
        t->quant.zero_point[i] = cs_fb_vec_i64 (&L->fb, &zero_point,
                                                zero_point.length == 1 ? 0 : i);
    }
  return loader_check_fb (L, error);
}

/* Finds the bytes of buffer @index: inline data, or (for models over
 * 2 GiB) an offset and size relative to the start of the file. */
static gboolean
parse_buffer (Loader *L, guint32 index, Tensor *t, gsize *size, GError **error)
{
  CsFbTable buffer;
  CsFbVector data;
  guint64 offset, length;

  if (index >= L->buffers.length)
    return loader_error (L, error, CS_ERROR_FORMAT,
                         "tensor '%s' refers to buffer %u but the model has %u",
                         t->name, index, L->buffers.length);
  buffer = cs_fb_vec_table (&L->fb, &L->buffers, index);
  data = cs_fb_vector (&L->fb, &buffer, BUFFER_DATA, 1);
  offset = cs_fb_u64 (&L->fb, &buffer, BUFFER_OFFSET, 0);
  length = cs_fb_u64 (&L->fb, &buffer, BUFFER_SIZE, 0);
  if (!loader_check_fb (L, error))
    return FALSE;
  *size = 0;
  if (data.length > 0)
    {
      t->data = cs_fb_vec_data (&L->fb, &data);
      *size = data.length;
    }
  else if (offset > 1)
    {
      if (offset > L->fb.size || length > L->fb.size - offset)
        return loader_error (L, error, CS_ERROR_FORMAT,
                             "buffer %u of tensor '%s' lies outside the file",
                             index, t->name);
      t->data = length > 0 ? L->fb.data + offset : NULL;
      *size = (gsize) length;
    }
  return TRUE;
}

static gboolean
parse_tensor (Loader *L, guint32 index, Tensor *t, GError **error)
{
  CsFbTable table = cs_fb_vec_table (&L->fb, &L->tensor_tables, index);
  CsFbVector shape = cs_fb_vector (&L->fb, &table, TENSOR_SHAPE, 4);
  g_autofree char *name = cs_fb_string (&L->fb, &table, TENSOR_NAME);
  CsFbTable quantization = cs_fb_table (&L->fb, &table, TENSOR_QUANTIZATION);
  guint32 buffer = cs_fb_u32 (&L->fb, &table, TENSOR_BUFFER, 0);
  gboolean sparse = cs_fb_present (&L->fb, &table, TENSOR_SPARSITY);
  int64_t numel = 1;
  gsize size = 0, type_size;

  t->type = cs_fb_i8 (&L->fb, &table, TENSOR_TYPE, CS_TFL_FLOAT32);
  if (!loader_check_fb (L, error))
    return FALSE;
  t->name = name != NULL && name[0] != '\0' ? g_steal_pointer (&name)
                                            : g_strdup_printf ("tensor%u", index);
  /* Converters name a fused result after every op that went into it,
   * separated by ';', the op that produced it first. */
  t->short_name = t->name[0] != ';' ? g_strndup (t->name, strcspn (t->name, ";"))
                                    : g_strdup (t->name);
  if (shape.length > CS_MAX_RANK)
    return loader_error (L, error, CS_ERROR_UNSUPPORTED,
                         "tensor '%s' has rank %u; at most %d is supported",
                         t->name, shape.length, CS_MAX_RANK);
  t->shape.rank = (int) shape.length;
  for (guint32 i = 0; i < shape.length; i++)
    {
      gint32 dim = cs_fb_vec_i32 (&L->fb, &shape, i);

      if (dim < 1)
        return loader_error (L, error, CS_ERROR_INVALID,
                             "tensor '%s' has dimension %u of size %d",
                             t->name, i, (int) dim);
      t->shape.dims[i] = dim;
      numel *= dim;
      if (numel > TENSOR_MAX_ELEMENTS)
        return loader_error (L, error, CS_ERROR_UNSUPPORTED,
                             "tensor '%s' is too large", t->name);
    }
  if (quantization.pos != 0 && !parse_quantization (L, &quantization, t, error))
    return FALSE;
  if (!parse_buffer (L, buffer, t, &size, error))
    return FALSE;
  if (t->data == NULL)
    return TRUE;
  if (sparse)
    return loader_error (L, error, CS_ERROR_UNSUPPORTED,
                         "tensor '%s' holds sparse data", t->name);
  type_size = cs_tfl_type_size (t->type);
  if (type_size == 0)
    return loader_error (L, error, CS_ERROR_UNSUPPORTED,
                         "constant tensor '%s' has type %s",
                         t->name, cs_tfl_type_name (t->type));
  if (size < (guint64) numel * type_size)
    return loader_error (L, error, CS_ERROR_FORMAT,
                         "tensor '%s' (%s, %" G_GINT64_FORMAT " elements) needs %"
                         G_GUINT64_FORMAT " bytes but its buffer holds %" G_GSIZE_FORMAT,
                         t->name, cs_tfl_type_name (t->type), numel,
                         (guint64) numel * type_size, size);
  return TRUE;
}

/* Tensor @index of subgraph 0, parsed on first use. */
static Tensor *
get_tensor (Loader *L, gint64 index, GError **error)
{
  Tensor *t;

  if (index < 0 || index >= L->n_tensors)
    {
      loader_error (L, error, CS_ERROR_FORMAT,
                    "refers to tensor %" G_GINT64_FORMAT " but the subgraph has %u",
                    index, L->n_tensors);
      return NULL;
    }
  t = &L->tensors[index];
  /* A failed parse ends the load, so there is no second attempt. */
  if (!t->parsed)
    {
      if (!parse_tensor (L, (guint32) index, t, error))
        return NULL;
      t->parsed = TRUE;
    }
  return t;
}

static gboolean
tensor_is_constant (const Tensor *t)
{
  return t->data != NULL || t->alias >= 0;
}

static gboolean
tensor_is_quantized (const Tensor *t)
{
  return t->quant.n > 0 && cs_tfl_type_is_quantizable (t->type);
}

/* The tensor's constant data as float32 in the file's layout, dequantized
 * through @quant (the tensor's own when NULL); newly allocated. */
static float *
tensor_floats (Loader *L, const Tensor *t, const CsTfliteTensorQuant *quant, GError **error)
{
  const Tensor *source = t->alias >= 0 ? &L->tensors[t->alias] : t;
  const char *reason = NULL;
  float *data;

  if (source->data == NULL)
    {
      loader_error (L, error, CS_ERROR_UNSUPPORTED,
                    "tensor '%s' must be constant", t->name);
      return NULL;
    }
  data = g_new (float, MAX (cs_shape_numel (&t->shape), 1));
  if (!cs_tfl_dequantize (source->data, source->type, &t->shape,
                          quant != NULL ? quant : &source->quant, data, &reason))
    {
      g_free (data);
      loader_error (L, error, CS_ERROR_UNSUPPORTED, "tensor '%s' (%s): %s",
                    t->name, cs_tfl_type_name (source->type), reason);
      return NULL;
    }
  return data;
}

/* Reads a constant integer operand (axes, paddings) of at most @capacity
 * elements. */
static gboolean
tensor_ints (Loader *L, const Tensor *t, int64_t *values, int capacity, int *n,
             GError **error)
{
  int64_t numel = cs_shape_numel (&t->shape);

  if (t->data == NULL || (t->type != CS_TFL_INT32 && t->type != CS_TFL_INT64))
    return loader_error (L, error, CS_ERROR_UNSUPPORTED,
                         "tensor '%s' must be a constant INT32 or INT64 tensor", t->name);
  if (numel > capacity)
    return loader_error (L, error, CS_ERROR_INVALID,
                         "tensor '%s' has %" G_GINT64_FORMAT " elements, at most %d expected",
                         t->name, numel, capacity);
  for (int64_t i = 0; i < numel; i++)
    {
      const guint8 *p = t->data + (gsize) i * cs_tfl_type_size (t->type);
      guint64 bits = 0;

      for (int b = (int) cs_tfl_type_size (t->type); b-- > 0;)
        bits = (bits << 8) | p[b];
      values[i] = t->type == CS_TFL_INT32 ? (int64_t) (gint32) (guint32) bits : (int64_t) bits;
    }
  *n = (int) numel;
  return TRUE;
}

/* ---- Building the graph ---- */

static int
add_value (Loader *L, const char *base, const CsShape *shape, CsDType dtype, void *constant)
{
  g_autofree char *name = unique_name (L, L->value_names, base);

  return cs_graph_add_value (L->graph, name, dtype, shape, constant);
}

/* A fresh float value for a helper step of the current operator. */
static int
helper_value (Loader *L, const char *role, const CsShape *shape)
{
  g_autofree char *base = g_strdup_printf ("%s/%s", L->out->short_name, role);

  return add_value (L, base, shape, CS_DTYPE_FLOAT32, NULL);
}

/* Adds a one-output node writing @dest.  The step that computes the
 * operator's result (@role NULL) is named after its output tensor, the way
 * TFLite tools show layers; helpers get "<tensor>/<role>".  Takes @params. */
static CsNode *
add_node (Loader *L, const CsOpClass *klass, const char *role,
          const int *inputs, int n_inputs, int dest, void *params)
{
  g_autofree char *base = role == NULL ? g_strdup (L->out->short_name)
                                       : g_strdup_printf ("%s/%s", L->out->short_name, role);
  g_autofree char *name = unique_name (L, L->node_names, base);

  return cs_graph_add_node (L->graph, klass, name, inputs, n_inputs, &dest, 1, params);
}

/* A float constant value holding @data (taken) with @shape. */
static int
constant_value (Loader *L, const char *base, float *data, const CsShape *shape)
{
  return add_value (L, base, shape, CS_DTYPE_FLOAT32, data);
}

/* A constant tensor as the graph holds it: 4-D ones permuted to NCHW,
 * after expanding to @rank (0: as it is) the way broadcasting aligns it. */
static int
tensor_constant_value (Loader *L, const Tensor *t, int rank, GError **error)
{
  float *data = tensor_floats (L, t, NULL, error);
  CsShape shape = rank > t->shape.rank ? shape_expanded (&t->shape, rank) : t->shape;

  if (data == NULL)
    return -1;
  if (shape_is_4d (&shape))
    {
      data = permute_floats_owned (data, &shape, perm_to_nchw);
      shape = graph_shape (&shape);
    }
  return constant_value (L, t->name, data, &shape);
}

static int
emit_reshape (Loader *L, const char *role, int src, const CsShape *shape, int dest)
{
  int64_t *dims = g_new (int64_t, MAX (shape->rank, 1));
  CsShape shape_of_shape = { 1, { shape->rank } };
  g_autofree char *base = g_strdup_printf ("%s/%s/shape", L->out->short_name,
                                           role != NULL ? role : "Reshape");
  int inputs[2];

  memcpy (dims, shape->dims, sizeof (int64_t) * shape->rank);
  inputs[0] = src;
  inputs[1] = add_value (L, base, &shape_of_shape, CS_DTYPE_INT64, dims);
  if (dest < 0)
    dest = helper_value (L, role, shape);
  add_node (L, &cs_op_reshape, role, inputs, 2, dest, g_new0 (CsReshapeParams, 1));
  return dest;
}

static int
emit_transpose (Loader *L, const char *role, int src, const int *perm, const CsShape *in_shape,
                int dest)
{
  CsTransposeParams *params = g_new0 (CsTransposeParams, 1);

  params->n_perm = 4;
  memcpy (params->perm, perm, sizeof (int) * 4);
  if (dest < 0)
    {
      CsShape shape = shape_permuted (in_shape, perm);

      dest = helper_value (L, role, &shape);
    }
  add_node (L, &cs_op_transpose, role, &src, 1, dest, params);
  return dest;
}

/* Value @src of 4-D tensor @t (held NCHW) in the file's NHWC order. */
static int
to_nhwc (Loader *L, int src, const Tensor *t)
{
  if (layout_is_trivial (&t->shape))
    return emit_reshape (L, "ToNHWC", src, &t->shape, -1);
  {
    CsShape nchw = graph_shape (&t->shape);

    return emit_transpose (L, "ToNHWC", src, perm_to_nhwc, &nchw, -1);
  }
}

/* Writes @src, which holds the output tensor's data in the file's order
 * (any shape with its element count), into @dest as the graph holds it. */
static void
emit_from_nhwc (Loader *L, const char *role, int src, int dest)
{
  const CsShape *shape = &L->out->shape;

  if (!shape_is_4d (shape) || layout_is_trivial (shape))
    {
      CsShape target = graph_shape (shape);

      emit_reshape (L, role, src, &target, dest);
      return;
    }
  src = emit_reshape (L, "Reshape", src, shape, -1);
  emit_transpose (L, role, src, perm_to_nchw, shape, dest);
}

/* ---- Operator inputs ---- */

static gboolean
op_has_input (Loader *L, int i)
{
  return (guint32) i < L->op_inputs.length && cs_fb_vec_i32 (&L->fb, &L->op_inputs, i) >= 0;
}

static Tensor *
op_tensor (Loader *L, int i, GError **error)
{
  if (!op_has_input (L, i))
    {
      loader_error (L, error, CS_ERROR_INVALID, "input %d is missing", i);
      return NULL;
    }
  return get_tensor (L, cs_fb_vec_i32 (&L->fb, &L->op_inputs, i), error);
}

/* The graph value feeding a data input, expanded to @rank when
 * broadcasting against a 4-D tensor needs it; -1 on error. */
static int
tensor_value (Loader *L, Tensor *t, int rank, GError **error)
{
  CsShape expanded;
  int src;

  if (rank != 4 || t->shape.rank >= 4)
    rank = 0;
  if (t->value >= 0 && rank == 0)
    return t->value;
  if (tensor_is_constant (t))
    {
      int value = tensor_constant_value (L, t, rank, error);

      if (rank == 0)
        t->value = value;
      return value;
    }
  if (t->value < 0)
    {
      loader_error (L, error, CS_ERROR_INVALID,
                    "tensor '%s' is read before any operator computes it", t->name);
      return -1;
    }
  /* A lower-rank activation broadcast against a 4-D one. */
  expanded = shape_expanded (&t->shape, 4);
  src = emit_reshape (L, "Expand", t->value, &expanded, -1);
  if (layout_is_trivial (&expanded))
    {
      CsShape nchw = graph_shape (&expanded);

      return emit_reshape (L, "ExpandNCHW", src, &nchw, -1);
    }
  return emit_transpose (L, "ExpandNCHW", src, perm_to_nchw, &expanded, -1);
}

static int
op_value (Loader *L, int i, int rank, Tensor **tensor_out, GError **error)
{
  Tensor *t = op_tensor (L, i, error);

  if (t == NULL)
    return -1;
  if (tensor_out != NULL)
    *tensor_out = t;
  return tensor_value (L, t, rank, error);
}

/* Checks that the options of an operator that reads them are of union
 * member @expected (absent options leave every field at its default). */
static gboolean
check_options (Loader *L, guint8 type, guint8 expected, GError **error)
{
  if (expected != OPTIONS_NONE && type != OPTIONS_NONE && type != expected)
    return loader_error (L, error, CS_ERROR_FORMAT,
                         "has options of type %u, expected %u", type, expected);
  return TRUE;
}

static gboolean
require_rank (Loader *L, const Tensor *t, int rank, GError **error)
{
  if (t->shape.rank != rank)
    return loader_error (L, error, CS_ERROR_INVALID,
                         "tensor '%s' has rank %d, expected %d", t->name, t->shape.rank, rank);
  return TRUE;
}

/* Sets the fused activation (ActivationFunctionType) of @node. */
static gboolean
set_fused_activation (Loader *L, CsNode *node, gint8 function, GError **error)
{
  static const struct
  {
    CsActivation act;
    const char  *name;
  } functions[] = {
    { { CS_ACT_NONE, 0.0f, 0.0f }, NULL },
    { { CS_ACT_RELU, 0.0f, 0.0f }, "+Relu" },
    { { CS_ACT_CLIP, -1.0f, 1.0f }, "+ReluN1To1" },
    { { CS_ACT_CLIP, 0.0f, 6.0f }, "+Relu6" },
    { { CS_ACT_TANH, 0.0f, 0.0f }, "+Tanh" },
  };

  if (function < 0 || (size_t) function >= G_N_ELEMENTS (functions))
    return loader_error (L, error, CS_ERROR_UNSUPPORTED,
                         "fused activation %d is not supported", function);
  node->act = functions[function].act;
  if (functions[function].name != NULL)
    g_string_append (node->fused, functions[function].name);
  return TRUE;
}

/* The window of a conv or pool from Padding, strides and dilations. */
static gboolean
make_window (Loader *L, CsWindow *window, guint8 padding, int kernel_h, int kernel_w,
             gint32 stride_h, gint32 stride_w, gint32 dilation_h, gint32 dilation_w,
             GError **error)
{
  if (padding > 1)
    return loader_error (L, error, CS_ERROR_FORMAT, "padding %u is neither SAME nor VALID",
                         padding);
  if (stride_h < 1 || stride_w < 1 || dilation_h < 1 || dilation_w < 1)
    return loader_error (L, error, CS_ERROR_INVALID,
                         "strides (%d, %d) and dilations (%d, %d) must be positive",
                         (int) stride_h, (int) stride_w, (int) dilation_h, (int) dilation_w);
  if (kernel_h < 1 || kernel_w < 1)
    return loader_error (L, error, CS_ERROR_INVALID, "window %d×%d is empty",
                         kernel_h, kernel_w);
  *window = (CsWindow) {
    .kernel = { kernel_h, kernel_w },
    .stride = { stride_h, stride_w },
    .dilation = { dilation_h, dilation_w },
    /* TFLite's SAME puts the odd padding pixel at the bottom and right. */
    .auto_pad = padding == 0 ? CS_AUTO_PAD_SAME_UPPER : CS_AUTO_PAD_VALID,
  };
  return TRUE;
}

/* ---- Translators: each builds the nodes that compute the current
 * operator's output into @dest. ---- */

/* A bias's quantization when the file leaves it out: TFLite defines it as
 * input scale × weight scale, zero point 0. */
static gboolean
bias_quant (Loader *L, const Tensor *input, const Tensor *weights, const Tensor *bias,
            CsTfliteTensorQuant *quant, GError **error)
{
  if (bias->type != CS_TFL_INT32 || tensor_is_quantized (bias))
    return TRUE;
  if (input->quant.n != 1 || weights->quant.n < 1)
    return loader_error (L, error, CS_ERROR_INVALID,
                         "INT32 bias '%s' without quantization needs quantized input and weights",
                         bias->name);
  quant->n = weights->quant.n;
  quant->dimension = 0;
  quant->scale = g_new (float, quant->n);
  quant->zero_point = g_new0 (int64_t, quant->n);
  for (int i = 0; i < quant->n; i++)
    quant->scale[i] = input->quant.scale[0] * weights->quant.scale[i];
  return TRUE;
}

/* Input 2 of a conv or fully connected operator as a 1-D float constant
 * of @n elements into *@value, -1 when the operator has no bias. */
static gboolean
bias_value (Loader *L, const Tensor *input, const Tensor *weights, int64_t n,
            int *value, GError **error)
{
  CsTfliteTensorQuant quant = { 0 };
  Tensor *bias;
  float *data;
  CsShape shape = { 1, { n } };

  *value = -1;
  if (!op_has_input (L, 2))
    return TRUE;
  if ((bias = op_tensor (L, 2, error)) == NULL)
    return FALSE;
  if (cs_shape_numel (&bias->shape) != n)
    return loader_error (L, error, CS_ERROR_INVALID, "bias '%s' has %" G_GINT64_FORMAT
                         " elements, expected %" G_GINT64_FORMAT,
                         bias->name, cs_shape_numel (&bias->shape), n);
  if (!bias_quant (L, input, weights, bias, &quant, error))
    return FALSE;
  data = tensor_floats (L, bias, quant.n > 0 ? &quant : NULL, error);
  cs_tflite_tensor_quant_clear (&quant);
  if (data == NULL)
    return FALSE;
  *value = constant_value (L, bias->name, data, &shape);
  return TRUE;
}

static gboolean
translate_conv (Loader *L, int dest, gboolean depthwise, GError **error)
{
  CsFbReader *fb = &L->fb;
  const CsFbTable *o = &L->options;
  Tensor *input, *weights;
  CsConvParams *params;
  float *w;
  CsShape w_shape;
  int inputs[3], n_inputs = 2;
  /* Depthwise options have depth_multiplier at 3, shifting the rest. */
  int shift = depthwise ? 1 : 0;
  guint8 padding = cs_fb_u8 (fb, o, 0, 0);
  gint32 stride_w = cs_fb_i32 (fb, o, 1, 0), stride_h = cs_fb_i32 (fb, o, 2, 0);
  gint8 activation = cs_fb_i8 (fb, o, 3 + shift, 0);
  gint32 dilation_w = cs_fb_i32 (fb, o, 4 + shift, 1), dilation_h = cs_fb_i32 (fb, o, 5 + shift, 1);
  int64_t channels, out_channels;
  CsNode *node;

  if (!loader_check_fb (L, error))
    return FALSE;
  if ((inputs[0] = op_value (L, 0, 0, &input, error)) < 0
      || (weights = op_tensor (L, 1, error)) == NULL
      || !require_rank (L, input, 4, error) || !require_rank (L, weights, 4, error))
    return FALSE;
  channels = input->shape.dims[3];
  out_channels = weights->shape.dims[depthwise ? 3 : 0];
  if (depthwise && (weights->shape.dims[0] != 1 || out_channels % channels != 0))
    return loader_error (L, error, CS_ERROR_INVALID,
                         "weights '%s' are not 1×kH×kW×(a multiple of %" G_GINT64_FORMAT ")",
                         weights->name, channels);
  if (!depthwise && weights->shape.dims[3] != channels)
    return loader_error (L, error, CS_ERROR_INVALID,
                         "weights '%s' take %" G_GINT64_FORMAT " channels but the input has %"
                         G_GINT64_FORMAT, weights->name, weights->shape.dims[3], channels);

  params = g_new0 (CsConvParams, 1);
  params->groups = depthwise ? (int) channels : 1;
  if (!make_window (L, &params->window, padding, (int) weights->shape.dims[1],
                    (int) weights->shape.dims[2], stride_h, stride_w, dilation_h, dilation_w,
                    error))
    {
      g_free (params);
      return FALSE;
    }

  /* Conv weights O×kH×kW×I become O×I×kH×kW; depthwise 1×kH×kW×C·m
   * become C·m×1×kH×kW. */
  w = tensor_floats (L, weights, NULL, error);
  if (w == NULL)
    {
      g_free (params);
      return FALSE;
    }
  {
    static const int perm_depthwise[4] = { 3, 0, 1, 2 };
    const int *perm = depthwise ? perm_depthwise : perm_to_nchw;

    w = permute_floats_owned (w, &weights->shape, perm);
    w_shape = shape_permuted (&weights->shape, perm);
  }
  inputs[1] = constant_value (L, weights->name, w, &w_shape);
  if (!bias_value (L, input, weights, out_channels, &inputs[2], error))
    {
      g_free (params);
      return FALSE;
    }
  if (inputs[2] >= 0)
    n_inputs = 3;
  node = add_node (L, &cs_op_conv, NULL, inputs, n_inputs, dest, params);
  return set_fused_activation (L, node, activation, error);
}

static gboolean
translate_conv_2d (Loader *L, int dest, GError **error)
{
  return translate_conv (L, dest, FALSE, error);
}

static gboolean
translate_depthwise_conv_2d (Loader *L, int dest, GError **error)
{
  return translate_conv (L, dest, TRUE, error);
}

static gboolean
translate_pool (Loader *L, int dest, const CsOpClass *klass, GError **error)
{
  CsFbReader *fb = &L->fb;
  const CsFbTable *o = &L->options;
  guint8 padding = cs_fb_u8 (fb, o, 0, 0);
  gint32 stride_w = cs_fb_i32 (fb, o, 1, 0), stride_h = cs_fb_i32 (fb, o, 2, 0);
  gint32 filter_w = cs_fb_i32 (fb, o, 3, 0), filter_h = cs_fb_i32 (fb, o, 4, 0);
  gint8 activation = cs_fb_i8 (fb, o, 5, 0);
  CsPoolParams *params;
  Tensor *input;
  int x;

  if (!loader_check_fb (L, error)
      || (x = op_value (L, 0, 0, &input, error)) < 0
      || !require_rank (L, input, 4, error))
    return FALSE;
  params = g_new0 (CsPoolParams, 1);
  /* TFLite averages over the pixels inside the image only. */
  params->count_include_pad = FALSE;
  if (!make_window (L, &params->window, padding, filter_h, filter_w, stride_h, stride_w,
                    1, 1, error))
    {
      g_free (params);
      return FALSE;
    }
  return set_fused_activation (L, add_node (L, klass, NULL, &x, 1, dest, params),
                               activation, error);
}

static gboolean
translate_average_pool_2d (Loader *L, int dest, GError **error)
{
  return translate_pool (L, dest, &cs_op_average_pool, error);
}

static gboolean
translate_max_pool_2d (Loader *L, int dest, GError **error)
{
  return translate_pool (L, dest, &cs_op_max_pool, error);
}

static gboolean
translate_fully_connected (Loader *L, int dest, GError **error)
{
  CsFbReader *fb = &L->fb;
  gint8 activation = cs_fb_i8 (fb, &L->options, 0, 0);
  guint8 weights_format = cs_fb_u8 (fb, &L->options, 1, 0);
  Tensor *input, *weights;
  CsGemmParams *params;
  CsShape flat;
  int inputs[3], n_inputs = 2, gemm_out;
  int64_t depth, batch;
  float *w;
  CsNode *node;

  if (!loader_check_fb (L, error)
      || (inputs[0] = op_value (L, 0, 0, &input, error)) < 0
      || (weights = op_tensor (L, 1, error)) == NULL
      || !require_rank (L, weights, 2, error))
    return FALSE;
  if (weights_format != 0)
    return loader_error (L, error, CS_ERROR_UNSUPPORTED, "shuffled weights are not supported");
  depth = weights->shape.dims[1];
  if (cs_shape_numel (&input->shape) % depth != 0)
    return loader_error (L, error, CS_ERROR_INVALID,
                         "input '%s' cannot be flattened into rows of %" G_GINT64_FORMAT,
                         input->name, depth);
  batch = cs_shape_numel (&input->shape) / depth;
  flat = (CsShape) { 2, { batch, depth } };

  /* TFLite flattens in NHWC order. */
  if (shape_is_4d (&input->shape) && !layout_is_trivial (&input->shape))
    inputs[0] = to_nhwc (L, inputs[0], input);
  if (!cs_shape_equal (&input->shape, &flat))
    inputs[0] = emit_reshape (L, "Flatten", inputs[0], &flat, -1);

  if ((w = tensor_floats (L, weights, NULL, error)) == NULL)
    return FALSE;
  inputs[1] = constant_value (L, weights->name, w, &weights->shape);
  if (!bias_value (L, input, weights, weights->shape.dims[0], &inputs[2], error))
    return FALSE;
  if (inputs[2] >= 0)
    n_inputs = 3;

  params = g_new0 (CsGemmParams, 1);
  params->alpha = params->beta = 1.0f;
  params->trans_b = 1;
  {
    CsShape gemm_shape = { 2, { batch, weights->shape.dims[0] } };
    gboolean direct = cs_shape_equal (&L->out->shape, &gemm_shape);

    gemm_out = direct ? dest : helper_value (L, "Gemm", &gemm_shape);
    node = add_node (L, &cs_op_gemm, NULL, inputs, n_inputs, gemm_out, params);
    if (!set_fused_activation (L, node, activation, error))
      return FALSE;
    /* keep_num_dims gives the output the input's leading dimensions. */
    if (!direct)
      emit_from_nhwc (L, "Reshape", gemm_out, dest);
  }
  return TRUE;
}

static gboolean
translate_binary (Loader *L, int dest, const CsOpClass *klass, GError **error)
{
  gint8 activation = cs_fb_i8 (&L->fb, &L->options, 0, 0);
  int rank = L->out->shape.rank, inputs[2];

  if (!loader_check_fb (L, error))
    return FALSE;
  for (int i = 0; i < 2; i++)
    if ((inputs[i] = op_value (L, i, rank, NULL, error)) < 0)
      return FALSE;
  return set_fused_activation (L, add_node (L, klass, NULL, inputs, 2, dest, NULL),
                               activation, error);
}

static gboolean
translate_add (Loader *L, int dest, GError **error)
{
  return translate_binary (L, dest, &cs_op_add, error);
}

static gboolean
translate_sub (Loader *L, int dest, GError **error)
{
  return translate_binary (L, dest, &cs_op_sub, error);
}

static gboolean
translate_mul (Loader *L, int dest, GError **error)
{
  return translate_binary (L, dest, &cs_op_mul, error);
}

static gboolean
translate_div (Loader *L, int dest, GError **error)
{
  return translate_binary (L, dest, &cs_op_div, error);
}

static gboolean
translate_concatenation (Loader *L, int dest, GError **error)
{
  gint32 axis = cs_fb_i32 (&L->fb, &L->options, 0, 0);
  gint8 activation = cs_fb_i8 (&L->fb, &L->options, 1, 0);
  int rank = L->out->shape.rank, n = (int) L->op_inputs.length;
  g_autofree int *inputs = NULL;
  CsAxisParams *params;

  if (!loader_check_fb (L, error))
    return FALSE;
  if (n < 1)
    return loader_error (L, error, CS_ERROR_INVALID, "has no inputs");
  if (axis < -rank || axis >= rank)
    return loader_error (L, error, CS_ERROR_INVALID, "axis %d is out of range for rank %d",
                         (int) axis, rank);
  if (axis < 0)
    axis += rank;
  inputs = g_new (int, n);
  for (int i = 0; i < n; i++)
    {
      Tensor *t;

      if ((inputs[i] = op_value (L, i, 0, &t, error)) < 0
          || !require_rank (L, t, rank, error))
        return FALSE;
    }
  params = g_new0 (CsAxisParams, 1);
  params->axis = rank == 4 ? nhwc_axis_in_nchw[axis] : axis;
  return set_fused_activation (L, add_node (L, &cs_op_concat, NULL, inputs, n, dest, params),
                               activation, error);
}

/* RESHAPE, SQUEEZE and EXPAND_DIMS: the output tensor's shape says it all. */
static gboolean
translate_reshape (Loader *L, int dest, GError **error)
{
  Tensor *input;
  int x = op_value (L, 0, 0, &input, error);

  if (x < 0)
    return FALSE;
  if (cs_shape_numel (&input->shape) != cs_shape_numel (&L->out->shape))
    return loader_error (L, error, CS_ERROR_INVALID, "cannot reshape %" G_GINT64_FORMAT
                         " elements into %" G_GINT64_FORMAT,
                         cs_shape_numel (&input->shape), cs_shape_numel (&L->out->shape));
  if (shape_is_4d (&input->shape) && !layout_is_trivial (&input->shape))
    x = to_nhwc (L, x, input);
  emit_from_nhwc (L, NULL, x, dest);
  return TRUE;
}

static gboolean
translate_mean (Loader *L, int dest, GError **error)
{
  gboolean keep_dims = cs_fb_u8 (&L->fb, &L->options, 0, 0) != 0;
  CsReduceParams *params;
  Tensor *input, *axes;
  int x, n_axes, rank;
  guint reduced = 0;
  int64_t axis_list[CS_MAX_RANK];
  gboolean same_order;

  if (!loader_check_fb (L, error)
      || (x = op_value (L, 0, 0, &input, error)) < 0
      || (axes = op_tensor (L, 1, error)) == NULL
      || !tensor_ints (L, axes, axis_list, CS_MAX_RANK, &n_axes, error))
    return FALSE;
  rank = input->shape.rank;
  for (int i = 0; i < n_axes; i++)
    {
      int64_t a = axis_list[i] < 0 ? axis_list[i] + rank : axis_list[i];

      if (a < 0 || a >= rank || (reduced & (1u << a)) != 0)
        return loader_error (L, error, CS_ERROR_INVALID,
                             "axis %" G_GINT64_FORMAT " is out of range or repeated",
                             axis_list[i]);
      reduced |= 1u << a;
      axis_list[i] = a;
    }

  /* Unless the output stays 4-D, the surviving axes must keep their
   * order in NCHW, which fails only when C survives next to H or W. */
  same_order = keep_dims || n_axes == 0 || (reduced & 8) != 0 || (reduced & 6) == 6;
  if (rank == 4 && same_order)
    for (int i = 0; i < n_axes; i++)
      axis_list[i] = nhwc_axis_in_nchw[axis_list[i]];
  else if (rank == 4)
    x = to_nhwc (L, x, input);

  params = g_new0 (CsReduceParams, 1);
  params->n_axes = n_axes;
  memcpy (params->axes, axis_list, sizeof (int64_t) * n_axes);
  params->keepdims = keep_dims;
  /* TFLite reduces nothing for an empty axis list. */
  params->noop_with_empty_axes = TRUE;
  add_node (L, &cs_op_reduce_mean, NULL, &x, 1, dest, params);
  return TRUE;
}

static gboolean
translate_pad (Loader *L, int dest, GError **error)
{
  Tensor *input, *paddings;
  CsPadParams *params;
  int64_t pads[2 * CS_MAX_RANK];
  int x, n, rank;

  if ((x = op_value (L, 0, 0, &input, error)) < 0
      || (paddings = op_tensor (L, 1, error)) == NULL
      || !tensor_ints (L, paddings, pads, 2 * CS_MAX_RANK, &n, error))
    return FALSE;
  rank = input->shape.rank;
  if (n != 2 * rank)
    return loader_error (L, error, CS_ERROR_INVALID,
                         "paddings '%s' has %d values for rank %d", paddings->name, n, rank);
  params = g_new0 (CsPadParams, 1);
  params->mode = CS_PAD_CONSTANT;
  params->n_pads = n;
  for (int i = 0; i < rank; i++)
    {
      /* TFLite pairs (before, after) per axis; ONNX lists all befores,
       * then all afters, in the graph's axis order. */
      int axis = rank == 4 ? perm_to_nchw[i] : i;

      params->pads[i] = pads[2 * axis];
      params->pads[rank + i] = pads[2 * axis + 1];
      if (params->pads[i] < 0 || params->pads[rank + i] < 0)
        {
          g_free (params);
          return loader_error (L, error, CS_ERROR_UNSUPPORTED, "negative padding");
        }
    }
  /* PADV2 states the fill value; PAD fills with real zero, which the
   * zero point of a quantized tensor stands for. */
  if (L->op_code == OP_PADV2 && op_has_input (L, 2))
    {
      Tensor *fill = op_tensor (L, 2, error);
      float *value = fill != NULL ? tensor_floats (L, fill, NULL, error) : NULL;

      if (value == NULL)
        {
          g_free (params);
          return FALSE;
        }
      if (cs_shape_numel (&fill->shape) != 1)
        {
          g_free (value);
          g_free (params);
          return loader_error (L, error, CS_ERROR_INVALID,
                               "the fill value '%s' is not a scalar", fill->name);
        }
      params->value = value[0];
      g_free (value);
    }
  add_node (L, &cs_op_pad, NULL, &x, 1, dest, params);
  return TRUE;
}

static gboolean
translate_softmax (Loader *L, int dest, GError **error)
{
  float beta = cs_fb_f32 (&L->fb, &L->options, 0, 0.0f);
  CsSoftmaxParams *params;
  Tensor *input;
  int x;

  if (!loader_check_fb (L, error) || (x = op_value (L, 0, 0, &input, error)) < 0)
    return FALSE;
  if (input->shape.rank < 1)
    return loader_error (L, error, CS_ERROR_INVALID, "input '%s' is a scalar", input->name);
  if (beta != 1.0f)
    {
      CsShape scalar = { 0, { 0 } };
      g_autofree char *name = g_strdup_printf ("%s/beta", L->out->short_name);
      float *value = g_new (float, 1);
      int inputs[2];

      *value = beta;
      inputs[0] = x;
      inputs[1] = constant_value (L, name, value, &scalar);
      x = helper_value (L, "Beta", &scalar);
      add_node (L, &cs_op_mul, "Beta", inputs, 2, x, NULL);
    }
  params = g_new0 (CsSoftmaxParams, 1);
  /* TFLite normalizes over the last axis: channels for an image. */
  params->axis = input->shape.rank == 4 ? 1 : input->shape.rank - 1;
  add_node (L, &cs_op_softmax, NULL, &x, 1, dest, params);
  return TRUE;
}

static gboolean
translate_activation (Loader *L, int dest, GError **error)
{
  CsActivation *act = g_new0 (CsActivation, 1);
  const CsOpClass *klass;
  int x;

  switch (L->op_code)
    {
    case OP_RELU:
      klass = &cs_op_relu, act->kind = CS_ACT_RELU;
      break;
    case OP_RELU6:
      klass = &cs_op_clip, *act = (CsActivation) { CS_ACT_CLIP, 0.0f, 6.0f };
      break;
    case OP_RELU_N1_TO_1:
      klass = &cs_op_clip, *act = (CsActivation) { CS_ACT_CLIP, -1.0f, 1.0f };
      break;
    case OP_LOGISTIC:
      klass = &cs_op_sigmoid, act->kind = CS_ACT_SIGMOID;
      break;
    case OP_TANH:
      klass = &cs_op_tanh, act->kind = CS_ACT_TANH;
      break;
    case OP_HARD_SWISH:
      klass = &cs_op_hard_swish, act->kind = CS_ACT_HARD_SWISH;
      break;
    default: /* OP_LEAKY_RELU */
      klass = &cs_op_leaky_relu;
      *act = (CsActivation) { CS_ACT_LEAKY_RELU, cs_fb_f32 (&L->fb, &L->options, 0, 0.0f), 0.0f };
      break;
    }
  if (!loader_check_fb (L, error) || (x = op_value (L, 0, 0, NULL, error)) < 0)
    {
      g_free (act);
      return FALSE;
    }
  add_node (L, klass, NULL, &x, 1, dest, act);
  return TRUE;
}

/* Rounds to the output tensor's grid: QUANTIZE itself, and the step after
 * every other operator with a quantized output. */
static gboolean
fake_quantize (Loader *L, const char *role, int x, int dest, GError **error)
{
  CsFakeQuantParams *params = g_new0 (CsFakeQuantParams, 1);
  const char *reason = NULL;

  if (!cs_fake_quant_params (L->out->type, &L->out->quant, params, &reason))
    {
      g_free (params);
      return loader_error (L, error, CS_ERROR_UNSUPPORTED, "output '%s' (%s): %s",
                           L->out->name, cs_tfl_type_name (L->out->type), reason);
    }
  add_node (L, &cs_op_fake_quantize, role, &x, 1, dest, params);
  return TRUE;
}

static gboolean
translate_quantize (Loader *L, int dest, GError **error)
{
  int x = op_value (L, 0, 0, NULL, error);

  return x >= 0 && fake_quantize (L, NULL, x, dest, error);
}

/* A DEQUANTIZE of an activation; those of constants are resolved at load
 * (see translate_operator).  In a float engine it changes nothing. */
static gboolean
translate_dequantize (Loader *L, int dest, GError **error)
{
  int x = op_value (L, 0, 0, NULL, error);

  if (x < 0)
    return FALSE;
  add_node (L, &cs_op_identity, NULL, &x, 1, dest, NULL);
  return TRUE;
}

/* ---- The operator walk ---- */

typedef struct
{
  int       code;
  guint8    options;       /* expected BuiltinOptions member */
  gboolean  keeps_grid;    /* output values lie on the input's grid */
  Translate translate;
} OperatorInfo;

static const OperatorInfo operators[] = {
  { OP_ADD, OPTIONS_ADD, FALSE, translate_add },
  { OP_AVERAGE_POOL_2D, OPTIONS_POOL_2D, FALSE, translate_average_pool_2d },
  { OP_CONCATENATION, OPTIONS_CONCATENATION, TRUE, translate_concatenation },
  { OP_CONV_2D, OPTIONS_CONV_2D, FALSE, translate_conv_2d },
  { OP_DEPTHWISE_CONV_2D, OPTIONS_DEPTHWISE_CONV_2D, FALSE, translate_depthwise_conv_2d },
  { OP_DEQUANTIZE, OPTIONS_NONE, FALSE, translate_dequantize },
  { OP_FULLY_CONNECTED, OPTIONS_FULLY_CONNECTED, FALSE, translate_fully_connected },
  { OP_LOGISTIC, OPTIONS_NONE, FALSE, translate_activation },
  { OP_MAX_POOL_2D, OPTIONS_POOL_2D, TRUE, translate_max_pool_2d },
  { OP_MUL, OPTIONS_MUL, FALSE, translate_mul },
  { OP_RELU, OPTIONS_NONE, FALSE, translate_activation },
  { OP_RELU_N1_TO_1, OPTIONS_NONE, FALSE, translate_activation },
  { OP_RELU6, OPTIONS_NONE, FALSE, translate_activation },
  { OP_RESHAPE, OPTIONS_NONE, TRUE, translate_reshape },
  { OP_SOFTMAX, OPTIONS_SOFTMAX, FALSE, translate_softmax },
  { OP_TANH, OPTIONS_NONE, FALSE, translate_activation },
  { OP_PAD, OPTIONS_NONE, TRUE, translate_pad },
  { OP_MEAN, OPTIONS_REDUCER, FALSE, translate_mean },
  { OP_SUB, OPTIONS_SUB, FALSE, translate_sub },
  { OP_DIV, OPTIONS_DIV, FALSE, translate_div },
  { OP_SQUEEZE, OPTIONS_NONE, TRUE, translate_reshape },
  { OP_PADV2, OPTIONS_NONE, TRUE, translate_pad },
  { OP_EXPAND_DIMS, OPTIONS_NONE, TRUE, translate_reshape },
  { OP_LEAKY_RELU, OPTIONS_LEAKY_RELU, FALSE, translate_activation },
  { OP_QUANTIZE, OPTIONS_NONE, FALSE, translate_quantize },
  { OP_HARD_SWISH, OPTIONS_NONE, FALSE, translate_activation },
};

/* Whether the output must be rounded to its grid after the operator. */
static gboolean
needs_fake_quantize (Loader *L, const OperatorInfo *info)
{
  if (!tensor_is_quantized (L->out) || L->out->type == CS_TFL_INT32
      || info->code == OP_QUANTIZE || info->code == OP_DEQUANTIZE)
    return FALSE;
  if (!info->keeps_grid)
    return TRUE;
  /* Moving values around keeps them on the grid they came from. */
  for (guint32 i = 0; i < L->op_inputs.length; i++)
    {
      gint32 index = cs_fb_vec_i32 (&L->fb, &L->op_inputs, i);
      Tensor *t;

      if (index < 0 || (gint64) index >= L->n_tensors)
        continue;
      t = &L->tensors[index];
      /* Only data inputs count: shapes, paddings and axes are INT32. */
      if (t->parsed && t->type != CS_TFL_INT32 && t->type != CS_TFL_INT64
          && (t->type != L->out->type || !cs_tflite_tensor_quant_equal (&t->quant, &L->out->quant)))
        return TRUE;
    }
  return FALSE;
}

static gboolean
translate_operator (Loader *L, const CsFbTable *op, GError **error)
{
  CsFbReader *fb = &L->fb;
  guint32 opcode_index = cs_fb_u32 (fb, op, OPERATOR_OPCODE_INDEX, 0);
  CsFbVector outputs = cs_fb_vector (fb, op, OPERATOR_OUTPUTS, 4);
  guint8 options_type = cs_fb_u8 (fb, op, OPERATOR_OPTIONS_TYPE, 0);
  const OperatorInfo *info = NULL;
  gboolean fq;
  int dest;

  L->op_inputs = cs_fb_vector (fb, op, OPERATOR_INPUTS, 4);
  L->options = cs_fb_table (fb, op, OPERATOR_OPTIONS);
  if (!loader_check_fb (L, error))
    return FALSE;
  if (opcode_index >= L->n_opcodes)
    return loader_error (L, error, CS_ERROR_FORMAT,
                         "refers to operator code %u but the model has %u",
                         opcode_index, L->n_opcodes);
  L->op_code = L->opcodes[opcode_index];
  L->op_name = L->op_code == OP_CUSTOM && L->custom_codes[opcode_index] != NULL
               ? L->custom_codes[opcode_index] : builtin_name (L->op_code);
  for (size_t i = 0; i < G_N_ELEMENTS (operators); i++)
    if (operators[i].code == L->op_code)
      info = &operators[i];
  if (info == NULL)
    return loader_error (L, error, CS_ERROR_UNSUPPORTED, "this operator is not supported");
  if (!check_options (L, options_type, info->options, error))
    return FALSE;
  if (outputs.length != 1)
    return loader_error (L, error, CS_ERROR_INVALID, "has %u outputs, expected 1",
                         outputs.length);
  L->out = get_tensor (L, cs_fb_vec_i32 (fb, &outputs, 0), error);
  if (L->out == NULL)
    return FALSE;
  if (tensor_is_constant (L->out) || L->out->value >= 0)
    return loader_error (L, error, CS_ERROR_INVALID,
                         "output '%s' is a constant or computed twice", L->out->name);
  /* Parse every input first so that needs_fake_quantize sees them. */
  for (guint32 i = 0; i < L->op_inputs.length; i++)
    if (op_has_input (L, (int) i) && op_tensor (L, (int) i, error) == NULL)
      return FALSE;

  if (L->op_code == OP_DEQUANTIZE)
    {
      Tensor *input = op_tensor (L, 0, error);

      if (input == NULL)
        return FALSE;
      if (tensor_is_constant (input))
        {
          /* float16 or quantized weights: the output is their value. */
          if (!cs_shape_equal (&input->shape, &L->out->shape))
            return loader_error (L, error, CS_ERROR_INVALID,
                                 "output '%s' differs in shape from input '%s'",
                                 L->out->name, input->name);
          L->out->alias = input->alias >= 0 ? input->alias : (int) (input - L->tensors);
          return TRUE;
        }
    }

  fq = needs_fake_quantize (L, info);
  {
    CsShape shape = graph_shape (&L->out->shape);
    g_autofree char *name = fq ? g_strdup_printf ("%s/float", L->out->short_name)
                               : g_strdup (L->out->name);

    dest = add_value (L, name, &shape, CS_DTYPE_FLOAT32, NULL);
    if (!info->translate (L, dest, error))
      return FALSE;
    if (fq)
      {
        int rounded = add_value (L, L->out->name, &shape, CS_DTYPE_FLOAT32, NULL);

        if (!fake_quantize (L, "Quantize", dest, rounded, error))
          return FALSE;
        dest = rounded;
      }
  }
  L->out->value = dest;
  return loader_check_fb (L, error);
}

static gboolean
read_operator_codes (Loader *L, const CsFbTable *model, GError **error)
{
  CsFbVector codes = cs_fb_vector (&L->fb, model, MODEL_OPERATOR_CODES, 4);

  if (!loader_check_fb (L, error))
    return FALSE;
  L->n_opcodes = codes.length;
  L->opcodes = g_new0 (int, MAX (codes.length, 1));
  L->custom_codes = g_new0 (char *, MAX (codes.length, 1));
  for (guint32 i = 0; i < codes.length; i++)
    {
      CsFbTable code = cs_fb_vec_table (&L->fb, &codes, i);
      gint8 deprecated = cs_fb_i8 (&L->fb, &code, OPCODE_DEPRECATED_BUILTIN, 0);
      gint32 builtin = cs_fb_i32 (&L->fb, &code, OPCODE_BUILTIN, 0);

      /* Old files only have the byte, new ones write both, with the byte
       * saturated at 127 for codes beyond it. */
      L->opcodes[i] = MAX ((gint32) deprecated, builtin);
      L->custom_codes[i] = cs_fb_string (&L->fb, &code, OPCODE_CUSTOM);
      if (!loader_check_fb (L, error))
        return FALSE;
    }
  return TRUE;
}

/* Makes the graph inputs: NCHW for images, real-valued for quantized ones
 * (whose quantization goes to @quant), or constants when bound. */
static gboolean
make_inputs (Loader *L, const CsFbTable *subgraph, const CsLoadOptions *options,
             GArray *quant, GError **error)
{
  CsFbVector inputs = cs_fb_vector (&L->fb, subgraph, SUBGRAPH_INPUTS, 4);

  if (!loader_check_fb (L, error))
    return FALSE;
  for (guint32 i = 0; i < inputs.length; i++)
    {
      Tensor *t = get_tensor (L, cs_fb_vec_i32 (&L->fb, &inputs, i), error);
      const CsTensor *bound = NULL;
      CsQuantization q = { 0.0f, 0, 0, 0 };
      CsShape shape;
      void *constant = NULL;

      if (t == NULL)
        return FALSE;
      if (t->value >= 0 || tensor_is_constant (t))
        return loader_error (L, error, CS_ERROR_INVALID,
                             "input '%s' is listed twice or is a constant", t->name);
      if (t->type != CS_TFL_FLOAT32 && t->type != CS_TFL_UINT8 && t->type != CS_TFL_INT8)
        return loader_error (L, error, CS_ERROR_UNSUPPORTED, "input '%s' has type %s",
                             t->name, cs_tfl_type_name (t->type));
      if (t->type != CS_TFL_FLOAT32)
        {
          if (t->quant.n != 1 || !(t->quant.scale[0] > 0.0f) || !isfinite (t->quant.scale[0]))
            return loader_error (L, error, CS_ERROR_UNSUPPORTED,
                                 "input '%s' (%s) lacks a per-tensor quantization",
                                 t->name, cs_tfl_type_name (t->type));
          q = (CsQuantization) { t->quant.scale[0], t->quant.zero_point[0],
                                t->type == CS_TFL_UINT8 ? 0 : -128,
                                t->type == CS_TFL_UINT8 ? 255 : 127 };
        }
      shape = graph_shape (&t->shape);
      for (size_t b = 0; options != NULL && b < options->n_bind; b++)
        if (g_strcmp0 (options->bind[b].name, t->name) == 0)
          bound = &options->bind[b];
      if (bound != NULL)
        {
          if (bound->dtype != CS_DTYPE_FLOAT32 || bound->data == NULL
              || !cs_shape_equal (&bound->shape, &shape))
            return loader_error (L, error, CS_ERROR_ARGUMENT,
                                 "the value bound to input '%s' is not float32 of its shape",
                                 t->name);
          constant = g_memdup2 (bound->data, sizeof (float) * cs_shape_numel (&shape));
        }
      t->value = add_value (L, t->name, &shape, CS_DTYPE_FLOAT32, constant);
      if (bound == NULL)
        {
          cs_graph_value (L->graph, t->value)->is_input = TRUE;
          g_array_append_val (L->graph->inputs, t->value);
          g_array_append_val (quant, q);
        }
    }
  return loader_check_fb (L, error);
}

static gboolean
mark_outputs (Loader *L, const CsFbTable *subgraph, GError **error)
{
  CsFbVector outputs = cs_fb_vector (&L->fb, subgraph, SUBGRAPH_OUTPUTS, 4);

  if (!loader_check_fb (L, error))
    return FALSE;
  for (guint32 i = 0; i < outputs.length; i++)
    {
      Tensor *t = get_tensor (L, cs_fb_vec_i32 (&L->fb, &outputs, i), error);
      CsValue *value;

      if (t == NULL)
        return FALSE;
      if (t->value < 0)
        return loader_error (L, error, CS_ERROR_INVALID,
                             "output '%s' is never computed", t->name);
      value = cs_graph_value (L->graph, t->value);
      if (!value->is_output)
        {
          value->is_output = TRUE;
          g_array_append_val (L->graph->outputs, t->value);
        }
    }
  return loader_check_fb (L, error);
}

static gboolean
load_model (Loader *L, const CsLoadOptions *options, GArray *input_quant, GError **error)
{
  CsFbTable model = cs_fb_root (&L->fb);
  guint32 version = cs_fb_u32 (&L->fb, &model, MODEL_VERSION, 0);
  CsFbVector subgraphs = cs_fb_vector (&L->fb, &model, MODEL_SUBGRAPHS, 4);
  CsFbTable subgraph;
  CsFbVector operators;

  L->buffers = cs_fb_vector (&L->fb, &model, MODEL_BUFFERS, 4);
  if (!loader_check_fb (L, error))
    return FALSE;
  if (version != TFLITE_SCHEMA_VERSION)
    return loader_error (L, error, CS_ERROR_UNSUPPORTED,
                         "schema version %u; only version %d is supported",
                         version, TFLITE_SCHEMA_VERSION);
  if (subgraphs.length < 1)
    return loader_error (L, error, CS_ERROR_FORMAT, "the model has no subgraph");
  if (!read_operator_codes (L, &model, error))
    return FALSE;

  subgraph = cs_fb_vec_table (&L->fb, &subgraphs, 0);
  L->tensor_tables = cs_fb_vector (&L->fb, &subgraph, SUBGRAPH_TENSORS, 4);
  operators = cs_fb_vector (&L->fb, &subgraph, SUBGRAPH_OPERATORS, 4);
  if (!loader_check_fb (L, error))
    return FALSE;
  L->n_tensors = L->tensor_tables.length;
  L->tensors = g_new0 (Tensor, MAX (L->n_tensors, 1));
  for (guint32 i = 0; i < L->n_tensors; i++)
    L->tensors[i].value = L->tensors[i].alias = -1;

  if (!make_inputs (L, &subgraph, options, input_quant, error))
    return FALSE;
  for (guint32 i = 0; i < operators.length; i++)
    {
      CsFbTable op = cs_fb_vec_table (&L->fb, &operators, i);

      L->in_operator = TRUE;
      L->op_index = i;
      L->op_name = NULL;
      if (!translate_operator (L, &op, error))
        return FALSE;
    }
  L->in_operator = FALSE;
  return mark_outputs (L, &subgraph, error);
}

static void
loader_clear (Loader *L)
{
  for (guint32 i = 0; L->tensors != NULL && i < L->n_tensors; i++)
    {
      g_free (L->tensors[i].name);
      g_free (L->tensors[i].short_name);
      cs_tflite_tensor_quant_clear (&L->tensors[i].quant);
    }
  g_free (L->tensors);
  g_free (L->opcodes);
  for (guint32 i = 0; L->custom_codes != NULL && i < L->n_opcodes; i++)
    g_free (L->custom_codes[i]);
  g_free (L->custom_codes);
  g_clear_pointer (&L->value_names, g_hash_table_unref);
  g_clear_pointer (&L->node_names, g_hash_table_unref);
  cs_fb_reader_clear (&L->fb);
}

CsGraph *
cs_tflite_load_full (const guint8         *data,
                     gsize                 size,
                     const char           *source,
                     const CsLoadOptions  *options,
                     char               ***labels_out,
                     CsQuantization      **input_quant_out,
                     GError              **error)
{
  Loader L = { 0 };
  GArray *input_quant = g_array_new (FALSE, FALSE, sizeof (CsQuantization));
  GError *local_error = NULL;

  if (labels_out != NULL)
    *labels_out = NULL;
  if (input_quant_out != NULL)
    *input_quant_out = NULL;
  L.source = source != NULL ? source : "model";
  if (!cs_fb_reader_init (&L.fb, data, size, "TFL3", &local_error))
    {
      g_propagate_prefixed_error (error, local_error, "%s: ", L.source);
      g_array_unref (input_quant);
      return NULL;
    }
  L.graph = cs_graph_new (L.source);
  L.value_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  L.node_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!load_model (&L, options, input_quant, error))
    {
      loader_clear (&L);
      cs_graph_free (L.graph);
      g_array_unref (input_quant);
      return NULL;
    }
  loader_clear (&L);
  if (labels_out != NULL)
    *labels_out = cs_tflite_find_labels (data, size);
  if (input_quant_out != NULL)
    *input_quant_out = (CsQuantization *) g_array_free (input_quant, FALSE);
  else
    g_array_unref (input_quant);
  return L.graph;
}

CsGraph *
cs_tflite_load (const guint8         *data,
                gsize                 size,
                const char           *source,
                const CsLoadOptions  *options,
                char               ***labels_out,
                GError              **error)
{
  return cs_tflite_load_full (data, size, source, options, labels_out, NULL, error);
}
