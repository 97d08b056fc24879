/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-loader.c — the walk: reads a TensorFlow Lite flatbuffer (schema.fbs,
 * version 3), makes the graph inputs of subgraph 0, translates its
 * operators in order through the op table (tflite-ops.c) and marks its
 * outputs.
 *
 * The graph is NCHW (tflite-layout.h).  Quantized constants are
 * dequantized to float at load; quantized activations are computed in
 * float and rounded back to their tensor's grid by a FakeQuantize node,
 * so that results track a quantized runtime.
 */
#include "tflite.h"

#include <math.h>
#include <string.h>

#include "tflite-layout.h"
#include "tflite-ops.h"
#include "tflite-tensor.h"
#include "../op-tally.h"

/* BuiltinOperator names by value, for messages. */
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

static const char *
builtin_name (int code)
{
  if (code >= 0 && (size_t) code < G_N_ELEMENTS (builtin_names))
    return builtin_names[code];
  return "an unknown builtin operator";
}

/* Checks that the options of an operator that reads them are of union
 * member @expected (absent options leave every field at its default). */
static gboolean
check_options (CsTfliteImport *imp,
               guint8          type,
               guint8          expected,
               GError        **error)
{
  if (expected != CS_TFLITE_OPTIONS_NONE && type != CS_TFLITE_OPTIONS_NONE && type != expected)
    return cs_tflite_error (error, CS_ERROR_FORMAT, imp,
                            "has options of type %u, expected %u", type, expected);
  return TRUE;
}

/* Whether the output must be rounded to its grid after the operator. */
static gboolean
needs_fake_quantize (CsTfliteImport   *imp,
                     const CsTfliteOp *info)
{
  if (!cs_tflite_tensor_is_quantized (imp->out) || imp->out->type == CS_TFLITE_INT32
      || info->code == CS_TFLITE_OP_QUANTIZE || info->code == CS_TFLITE_OP_DEQUANTIZE)
    return FALSE;
  if (!info->keeps_grid)
    return TRUE;
  /* Moving values around keeps them on the grid they came from. */
  for (guint32 i = 0; i < imp->op_inputs.length; i++)
    {
      gint32 index = cs_fb_vec_i32 (&imp->fb, &imp->op_inputs, i);
      CsTfliteTensor *t;

      if (index < 0 || (gint64) index >= imp->n_tensors)
        continue;
      t = &imp->tensors[index];
      /* Only data inputs count: shapes, paddings and axes are INT32. */
      if (t->parsed && t->type != CS_TFLITE_INT32 && t->type != CS_TFLITE_INT64
          && (t->type != imp->out->type
              || !cs_tflite_tensor_quant_equal (&t->quant, &imp->out->quant)))
        return TRUE;
    }
  return FALSE;
}

static gboolean
translate_operator (CsTfliteImport  *imp,
                    const CsFbTable *op,
                    GError         **error)
{
  CsFbReader *fb = &imp->fb;
  guint32 opcode_index = cs_fb_u32 (fb, op, CS_TFLITE_OPERATOR_OPCODE_INDEX, 0);
  CsFbVector outputs = cs_fb_vector (fb, op, CS_TFLITE_OPERATOR_OUTPUTS, 4);
  guint8 options_type = cs_fb_u8 (fb, op, CS_TFLITE_OPERATOR_OPTIONS_TYPE, 0);
  const CsTfliteOp *info = NULL;
  gboolean fq;
  int dest;

  imp->op_inputs = cs_fb_vector (fb, op, CS_TFLITE_OPERATOR_INPUTS, 4);
  imp->options = cs_fb_table (fb, op, CS_TFLITE_OPERATOR_OPTIONS);
  if (!cs_tflite_check_fb (imp, error))
    return FALSE;
  if (opcode_index >= imp->n_opcodes)
    return cs_tflite_error (error, CS_ERROR_FORMAT, imp,
                            "refers to operator code %u but the model has %u",
                            opcode_index, imp->n_opcodes);
  imp->op_code = imp->opcodes[opcode_index];
  imp->op_name = imp->op_code == CS_TFLITE_OP_CUSTOM && imp->custom_codes[opcode_index] != NULL
                 ? imp->custom_codes[opcode_index] : builtin_name (imp->op_code);
  info = cs_tflite_op_lookup (imp->op_code);
  if (!check_options (imp, options_type, info->options, error))
    return FALSE;
  if (outputs.length != 1)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp, "has %u outputs, expected 1",
                            outputs.length);
  imp->out = cs_tflite_get_tensor (imp, cs_fb_vec_i32 (fb, &outputs, 0), error);
  if (imp->out == NULL)
    return FALSE;
  if (cs_tflite_tensor_is_constant (imp->out) || imp->out->value >= 0)
    return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                            "output '%s' is a constant or computed twice", imp->out->name);
  /* Parse every input first so that needs_fake_quantize sees them. */
  for (guint32 i = 0; i < imp->op_inputs.length; i++)
    if (cs_tflite_has_input (imp, (int) i) && cs_tflite_input_tensor (imp, (int) i, error) == NULL)
      return FALSE;

  if (imp->op_code == CS_TFLITE_OP_DEQUANTIZE)
    {
      CsTfliteTensor *input = cs_tflite_input_tensor (imp, 0, error);

      if (input == NULL)
        return FALSE;
      if (cs_tflite_tensor_is_constant (input))
        {
          /* float16 or quantized weights: the output is their value. */
          if (!cs_shape_equal (&input->shape, &imp->out->shape))
            return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                                    "output '%s' differs in shape from input '%s'",
                                    imp->out->name, input->name);
          imp->out->alias = input->alias >= 0 ? input->alias : (int) (input - imp->tensors);
          return TRUE;
        }
    }

  fq = needs_fake_quantize (imp, info);
  {
    CsShape shape = cs_tflite_graph_shape (&imp->out->shape);
    g_autofree char *name = fq ? g_strdup_printf ("%s/float", imp->out->short_name)
                               : g_strdup (imp->out->name);

    dest = cs_tflite_add_value (imp, name, &shape, CS_DTYPE_FLOAT32, NULL);
    if (!info->translate (imp, dest, error))
      return FALSE;
    if (fq)
      {
        int rounded = cs_tflite_add_value (imp, imp->out->name, &shape, CS_DTYPE_FLOAT32, NULL);

        if (!cs_tflite_fake_quantize (imp, "Quantize", dest, rounded, error))
          return FALSE;
        dest = rounded;
      }
  }
  imp->out->value = dest;
  return cs_tflite_check_fb (imp, error);
}

static gboolean
read_operator_codes (CsTfliteImport  *imp,
                     const CsFbTable *model,
                     GError         **error)
{
  CsFbVector codes = cs_fb_vector (&imp->fb, model, CS_TFLITE_MODEL_OPERATOR_CODES, 4);

  if (!cs_tflite_check_fb (imp, error))
    return FALSE;
  imp->n_opcodes = codes.length;
  imp->opcodes = g_new0 (int, MAX (codes.length, 1));
  imp->custom_codes = g_new0 (char *, MAX (codes.length, 1));
  for (guint32 i = 0; i < codes.length; i++)
    {
      CsFbTable code = cs_fb_vec_table (&imp->fb, &codes, i);
      gint8 deprecated = cs_fb_i8 (&imp->fb, &code, CS_TFLITE_OPCODE_DEPRECATED_BUILTIN, 0);
      gint32 builtin = cs_fb_i32 (&imp->fb, &code, CS_TFLITE_OPCODE_BUILTIN, 0);

      /* Old files only have the byte, new ones write both, with the byte
       * saturated at 127 for codes beyond it. */
      imp->opcodes[i] = MAX ((gint32) deprecated, builtin);
      imp->custom_codes[i] = cs_fb_string (&imp->fb, &code, CS_TFLITE_OPCODE_CUSTOM);
      if (!cs_tflite_check_fb (imp, error))
        return FALSE;
    }
  return TRUE;
}

/* Refuses a model with operators the engine lacks before anything is
 * translated, naming them all with their counts. */
static gboolean
check_operators_known (CsTfliteImport   *imp,
                       const CsFbVector *operators,
                       GError          **error)
{
  g_autoptr (CsOpTally) unknown = cs_op_tally_new ();

  for (guint32 i = 0; i < operators->length; i++)
    {
      CsFbTable op = cs_fb_vec_table (&imp->fb, operators, i);
      guint32 opcode_index = cs_fb_u32 (&imp->fb, &op, CS_TFLITE_OPERATOR_OPCODE_INDEX, 0);
      int code;

      if (!cs_tflite_check_fb (imp, error))
        return FALSE;
      /* A bad index is the walk's to report, with the operator's place. */
      if (opcode_index >= imp->n_opcodes)
        continue;
      code = imp->opcodes[opcode_index];
      if (cs_tflite_op_lookup (code) != NULL)
        continue;
      cs_op_tally_add (unknown, code == CS_TFLITE_OP_CUSTOM && imp->custom_codes[opcode_index] != NULL
                                ? imp->custom_codes[opcode_index] : builtin_name (code));
    }
  return cs_op_tally_check (unknown, imp->source, error);
}

/* Makes the graph inputs: NCHW for images, real-valued for quantized ones
 * (whose quantization goes to @quant), or constants when bound. */
static gboolean
make_inputs (CsTfliteImport      *imp,
             const CsFbTable     *subgraph,
             const CsLoadOptions *options,
             GArray              *quant,
             GError             **error)
{
  CsFbVector inputs = cs_fb_vector (&imp->fb, subgraph, CS_TFLITE_SUBGRAPH_INPUTS, 4);

  if (!cs_tflite_check_fb (imp, error))
    return FALSE;
  for (guint32 i = 0; i < inputs.length; i++)
    {
      CsTfliteTensor *t = cs_tflite_get_tensor (imp, cs_fb_vec_i32 (&imp->fb, &inputs, i), error);
      const CsTensor *bound = NULL;
      CsQuantization q = { 0.0f, 0, 0, 0 };
      CsShape shape;
      void *constant = NULL;

      if (t == NULL)
        return FALSE;
      if (t->value >= 0 || cs_tflite_tensor_is_constant (t))
        return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                                "input '%s' is listed twice or is a constant", t->name);
      if (t->type != CS_TFLITE_FLOAT32 && t->type != CS_TFLITE_UINT8 && t->type != CS_TFLITE_INT8)
        return cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp, "input '%s' has type %s",
                                t->name, cs_tflite_type_name (t->type));
      if (t->type != CS_TFLITE_FLOAT32)
        {
          if (t->quant.n != 1 || !(t->quant.scale[0] > 0.0f) || !isfinite (t->quant.scale[0]))
            return cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp,
                                    "input '%s' (%s) lacks a per-tensor quantization",
                                    t->name, cs_tflite_type_name (t->type));
          q = (CsQuantization) { t->quant.scale[0], t->quant.zero_point[0],
                                t->type == CS_TFLITE_UINT8 ? 0 : -128,
                                t->type == CS_TFLITE_UINT8 ? 255 : 127 };
        }
      shape = cs_tflite_graph_shape (&t->shape);
      for (size_t b = 0; options != NULL && b < options->n_bind; b++)
        if (g_strcmp0 (options->bind[b].name, t->name) == 0)
          bound = &options->bind[b];
      if (bound != NULL)
        {
          if (bound->dtype != CS_DTYPE_FLOAT32 || bound->data == NULL
              || !cs_shape_equal (&bound->shape, &shape))
            return cs_tflite_error (error, CS_ERROR_ARGUMENT, imp,
                                    "the value bound to input '%s' is not float32 of its shape",
                                    t->name);
          constant = g_memdup2 (bound->data, sizeof (float) * cs_shape_numel (&shape));
        }
      t->value = cs_tflite_add_value (imp, t->name, &shape, CS_DTYPE_FLOAT32, constant);
      if (bound == NULL)
        {
          cs_graph_value (imp->graph, t->value)->is_input = TRUE;
          g_array_append_val (imp->graph->inputs, t->value);
          g_array_append_val (quant, q);
        }
    }
  return cs_tflite_check_fb (imp, error);
}

static gboolean
mark_outputs (CsTfliteImport  *imp,
              const CsFbTable *subgraph,
              GError         **error)
{
  CsFbVector outputs = cs_fb_vector (&imp->fb, subgraph, CS_TFLITE_SUBGRAPH_OUTPUTS, 4);

  if (!cs_tflite_check_fb (imp, error))
    return FALSE;
  for (guint32 i = 0; i < outputs.length; i++)
    {
      CsTfliteTensor *t = cs_tflite_get_tensor (imp, cs_fb_vec_i32 (&imp->fb, &outputs, i), error);
      CsValue *value;

      if (t == NULL)
        return FALSE;
      if (t->value < 0)
        return cs_tflite_error (error, CS_ERROR_INVALID, imp,
                                "output '%s' is never computed", t->name);
      value = cs_graph_value (imp->graph, t->value);
      if (!value->is_output)
        {
          value->is_output = TRUE;
          g_array_append_val (imp->graph->outputs, t->value);
        }
    }
  return cs_tflite_check_fb (imp, error);
}

static gboolean
load_model (CsTfliteImport      *imp,
            const CsLoadOptions *options,
            GArray              *input_quant,
            GError             **error)
{
  CsFbTable model = cs_fb_root (&imp->fb);
  guint32 version = cs_fb_u32 (&imp->fb, &model, CS_TFLITE_MODEL_VERSION, 0);
  CsFbVector subgraphs = cs_fb_vector (&imp->fb, &model, CS_TFLITE_MODEL_SUBGRAPHS, 4);
  CsFbTable subgraph;
  CsFbVector operators;

  imp->buffers = cs_fb_vector (&imp->fb, &model, CS_TFLITE_MODEL_BUFFERS, 4);
  if (!cs_tflite_check_fb (imp, error))
    return FALSE;
  if (version != CS_TFLITE_SCHEMA_VERSION)
    return cs_tflite_error (error, CS_ERROR_UNSUPPORTED, imp,
                            "schema version %u; only version %d is supported",
                            version, CS_TFLITE_SCHEMA_VERSION);
  if (subgraphs.length < 1)
    return cs_tflite_error (error, CS_ERROR_FORMAT, imp, "the model has no subgraph");
  if (!read_operator_codes (imp, &model, error))
    return FALSE;

  subgraph = cs_fb_vec_table (&imp->fb, &subgraphs, 0);
  imp->tensor_tables = cs_fb_vector (&imp->fb, &subgraph, CS_TFLITE_SUBGRAPH_TENSORS, 4);
  operators = cs_fb_vector (&imp->fb, &subgraph, CS_TFLITE_SUBGRAPH_OPERATORS, 4);
  if (!cs_tflite_check_fb (imp, error))
    return FALSE;
  imp->n_tensors = imp->tensor_tables.length;
  imp->tensors = g_new0 (CsTfliteTensor, MAX (imp->n_tensors, 1));
  for (guint32 i = 0; i < imp->n_tensors; i++)
    imp->tensors[i].value = imp->tensors[i].alias = -1;

  if (!check_operators_known (imp, &operators, error)
      || !make_inputs (imp, &subgraph, options, input_quant, error))
    return FALSE;
  for (guint32 i = 0; i < operators.length; i++)
    {
      CsFbTable op = cs_fb_vec_table (&imp->fb, &operators, i);

      imp->in_operator = TRUE;
      imp->op_index = i;
      imp->op_name = NULL;
      if (!translate_operator (imp, &op, error))
        return FALSE;
    }
  imp->in_operator = FALSE;
  return mark_outputs (imp, &subgraph, error);
}

static void
import_clear (CsTfliteImport *imp)
{
  for (guint32 i = 0; imp->tensors != NULL && i < imp->n_tensors; i++)
    {
      g_free (imp->tensors[i].name);
      g_free (imp->tensors[i].short_name);
      cs_tflite_tensor_quant_clear (&imp->tensors[i].quant);
    }
  g_free (imp->tensors);
  g_free (imp->opcodes);
  for (guint32 i = 0; imp->custom_codes != NULL && i < imp->n_opcodes; i++)
    g_free (imp->custom_codes[i]);
  g_free (imp->custom_codes);
  g_clear_pointer (&imp->value_names, g_hash_table_unref);
  g_clear_pointer (&imp->node_names, g_hash_table_unref);
  cs_fb_reader_clear (&imp->fb);
}

CsGraph *
cs_tflite_load_full (const guint8        *data,
                     gsize                size,
                     const char          *source,
                     const CsLoadOptions *options,
                     char              ***labels_out,
                     CsQuantization     **input_quant_out,
                     GError             **error)
{
  CsTfliteImport imp = { 0 };
  GArray *input_quant = g_array_new (FALSE, FALSE, sizeof (CsQuantization));
  GError *local_error = NULL;

  if (labels_out != NULL)
    *labels_out = NULL;
  if (input_quant_out != NULL)
    *input_quant_out = NULL;
  imp.source = source != NULL ? source : "model";
  imp.float_only = options != NULL && options->quantized_in_float;
  if (!cs_fb_reader_init (&imp.fb, data, size, "TFL3", &local_error))
    {
      g_propagate_prefixed_error (error, local_error, "%s: ", imp.source);
      g_array_unref (input_quant);
      return NULL;
    }
  imp.graph = cs_graph_new (imp.source);
  imp.value_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  imp.node_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!load_model (&imp, options, input_quant, error))
    {
      import_clear (&imp);
      cs_graph_free (imp.graph);
      g_array_unref (input_quant);
      return NULL;
    }
  import_clear (&imp);
  if (labels_out != NULL)
    *labels_out = cs_tflite_find_labels (data, size);
  if (input_quant_out != NULL)
    *input_quant_out = (CsQuantization *) g_array_free (input_quant, FALSE);
  else
    g_array_unref (input_quant);
  return imp.graph;
}

CsGraph *
cs_tflite_load (const guint8        *data,
                gsize                size,
                const char          *source,
                const CsLoadOptions *options,
                char              ***labels_out,
                GError             **error)
{
  return cs_tflite_load_full (data, size, source, options, labels_out, NULL, error);
}
