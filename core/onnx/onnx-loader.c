/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx-loader.c — reads an ONNX ModelProto into the engine's graph:
 * initializers, Constant nodes and bound inputs become constants, the
 * remaining graph inputs become the model's inputs, every other node is
 * translated through the op table (onnx-ops.c), and graph outputs are
 * marked.  The unpacked protobuf lives only for the duration of the call;
 * weight buffers move from it into constants the graph owns.  Shape
 * inference and the other passes are left to the caller (model.c).
 */
#include "onnx-attrs.h"
#include "onnx-ops.h"
#include "onnx-tensor.h"
#include "onnx-wire.h"
#include "../op-tally.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

/* Index of the value called @name, or -1. */
static int
find_value (const CsOnnxImport *imp,
            const char         *name)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (imp->values, name)) - 1;
}

static gboolean
is_empty (const char *name)
{
  return name == NULL || name[0] == '\0';
}

/* Makes @index findable as @name, which must be new: ONNX values are
 * assigned once.  @name is borrowed from the protobuf. */
static gboolean
register_value (CsOnnxImport  *imp,
                const char    *name,
                int            index,
                GError       **error)
{
  if (g_hash_table_contains (imp->values, name))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                   "%s: value '%s' is defined more than once", imp->source, name);
      return FALSE;
    }
  g_hash_table_insert (imp->values, (gpointer) name, GINT_TO_POINTER (index + 1));
  return TRUE;
}

/* Adds a constant value, taking over @data. */
static gboolean
add_constant (CsOnnxImport  *imp,
              const char    *name,
              CsDType        dtype,
              const CsShape *shape,
              void          *data,
              GError       **error)
{
  int index = cs_graph_add_value (imp->graph, name, dtype, shape, data);

  return register_value (imp, name, index, error);
}

/* ---- Graph inputs ---- */

typedef struct
{
  CsDType  dtype;
  CsShape  shape;
  gboolean has_shape;
} DeclaredType;

static const char *
dtype_label (CsDType dtype)
{
  return dtype == CS_DTYPE_INT64 ? "INT64" : "FLOAT";
}

/* The dtype and shape a graph input declares; unknown dims become
 * @free_dim. */
static gboolean
read_declared_type (const CsOnnxImport          *imp,
                    const Onnx__ValueInfoProto  *info,
                    int64_t                      free_dim,
                    DeclaredType                *declared,
                    GError                     **error)
{
  const Onnx__TypeProto *type = info->type;

  if (type == NULL || type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
      || type->tensor_type == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: graph input '%s' is not a tensor", imp->source, info->name);
      return FALSE;
    }

  const Onnx__TypeProto__Tensor *tensor = type->tensor_type;
  int32_t elem_type = tensor->has_elem_type ? tensor->elem_type : 0;
  if (elem_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
    declared->dtype = CS_DTYPE_FLOAT32;
  else if (elem_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64)
    declared->dtype = CS_DTYPE_INT64;
  else
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: graph input '%s' has data type %s; only FLOAT and INT64 are supported",
                   imp->source, info->name, cs_onnx_dtype_name (elem_type));
      return FALSE;
    }

  declared->has_shape = tensor->shape != NULL;
  declared->shape.rank = 0;
  if (!declared->has_shape)
    return TRUE;
  if (tensor->shape->n_dim > CS_MAX_RANK)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: graph input '%s' has %zu dimensions; at most %d are supported",
                   imp->source, info->name, tensor->shape->n_dim, CS_MAX_RANK);
      return FALSE;
    }
  declared->shape.rank = (int) tensor->shape->n_dim;
  for (size_t i = 0; i < tensor->shape->n_dim; i++)
    {
      const Onnx__TensorShapeProto__Dimension *dim = tensor->shape->dim[i];
      gboolean known = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
      declared->shape.dims[i] = known ? dim->dim_value : free_dim;
    }

  g_autofree char *what = g_strdup_printf ("graph input '%s'", info->name);
  return cs_onnx_shape_check (&declared->shape, cs_dtype_size (declared->dtype),
                              imp->source, what, error);
}

static const CsTensor *
find_binding (const CsLoadOptions *options,
              const char          *name,
              size_t              *index)
{
  for (size_t i = 0; i < options->n_bind; i++)
    if (options->bind[i].name != NULL && strcmp (options->bind[i].name, name) == 0)
      {
        *index = i;
        return &options->bind[i];
      }
  return NULL;
}

/* Freezes graph input @info as a copy of the caller's @tensor, which must
 * match what the input declares. */
static gboolean
bind_input (CsOnnxImport               *imp,
            const Onnx__ValueInfoProto *info,
            const DeclaredType         *declared,
            const CsTensor             *tensor,
            GError                    **error)
{
  gboolean fits = tensor->dtype == declared->dtype
                  && tensor->shape.rank >= 0 && tensor->shape.rank <= CS_MAX_RANK
                  && (!declared->has_shape || tensor->shape.rank == declared->shape.rank);

  for (int i = 0; fits && declared->has_shape && i < declared->shape.rank; i++)
    {
      const Onnx__TensorShapeProto__Dimension *dim = info->type->tensor_type->shape->dim[i];
      fits = dim->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
             || dim->dim_value == tensor->shape.dims[i];
    }
  if (!fits)
    {
      g_autofree char *given = cs_shape_to_string (&tensor->shape);
      g_autofree char *wanted = cs_shape_to_string (&declared->shape);
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: the tensor bound to graph input '%s' is %s %s; the input is %s %s",
                   imp->source, info->name, dtype_label (tensor->dtype), given,
                   dtype_label (declared->dtype), declared->has_shape ? wanted : "of any shape");
      return FALSE;
    }

  g_autofree char *what = g_strdup_printf ("the tensor bound to graph input '%s'", info->name);
  size_t elem_size = cs_dtype_size (tensor->dtype);
  if (!cs_onnx_shape_check (&tensor->shape, elem_size, imp->source, what, error))
    return FALSE;
  size_t numel = (size_t) cs_shape_numel (&tensor->shape);
  if (tensor->data == NULL && numel > 0)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: %s has no data", imp->source, what);
      return FALSE;
    }

  void *data = g_malloc0 (MAX (numel, 1) * elem_size);
  if (numel > 0)
    memcpy (data, tensor->data, numel * elem_size);
  return add_constant (imp, info->name, tensor->dtype, &tensor->shape, data, error);
}

static gboolean
add_graph_inputs (CsOnnxImport             *imp,
                  const Onnx__GraphProto   *graph,
                  const CsLoadOptions      *options,
                  GError                  **error)
{
  int64_t free_dim = options->free_dim > 0 ? options->free_dim : 1;
  g_autoptr (GHashTable) initializers = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree gboolean *bound = g_new0 (gboolean, options->n_bind + 1);

  for (size_t i = 0; i < graph->n_initializer; i++)
    if (graph->initializer[i]->name != NULL)
      g_hash_table_add (initializers, graph->initializer[i]->name);

  for (size_t i = 0; i < graph->n_input; i++)
    {
      const Onnx__ValueInfoProto *info = graph->input[i];
      DeclaredType declared;
      size_t bind_index = 0;

      if (is_empty (info->name))
        {
          g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                       "%s: graph input %zu has no name", imp->source, i);
          return FALSE;
        }
      const CsTensor *binding = find_binding (options, info->name, &bind_index);
      /* Older files list every initializer among the inputs too. */
      if (binding == NULL && g_hash_table_contains (initializers, info->name))
        continue;
      if (!read_declared_type (imp, info, free_dim, &declared, error))
        return FALSE;

      if (binding != NULL)
        {
          bound[bind_index] = TRUE;
          if (!bind_input (imp, info, &declared, binding, error))
            return FALSE;
          continue;
        }
      if (declared.dtype != CS_DTYPE_FLOAT32)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                       "%s: graph input '%s' has data type %s; only FLOAT inputs can be fed "
                       "at run time, others must be bound to constants",
                       imp->source, info->name, dtype_label (declared.dtype));
          return FALSE;
        }
      if (!declared.has_shape)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                       "%s: graph input '%s' declares no shape", imp->source, info->name);
          return FALSE;
        }

      int index = cs_graph_add_value (imp->graph, info->name, declared.dtype,
                                      &declared.shape, NULL);
      cs_graph_value (imp->graph, index)->is_input = TRUE;
      g_array_append_val (imp->graph->inputs, index);
      if (!register_value (imp, info->name, index, error))
        return FALSE;
    }

  for (size_t i = 0; i < options->n_bind; i++)
    if (!bound[i])
      {
        g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                     "%s: there is no graph input '%s' to bind", imp->source,
                     options->bind[i].name != NULL ? options->bind[i].name : "(null)");
        return FALSE;
      }
  return TRUE;
}

/* Weight buffers move from @graph's raw_data into the constants. */
static gboolean
add_initializers (CsOnnxImport         *imp,
                  Onnx__GraphProto     *graph,
                  const CsLoadOptions  *options,
                  GError              **error)
{
  size_t bind_index;

  if (graph->n_sparse_initializer > 0)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: sparse initializers are not supported", imp->source);
      return FALSE;
    }

  for (size_t i = 0; i < graph->n_initializer; i++)
    {
      Onnx__TensorProto *tensor = graph->initializer[i];
      CsDType dtype;
      CsShape shape;
      void *data;

      if (is_empty (tensor->name))
        {
          g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                       "%s: initializer %zu has no name", imp->source, i);
          return FALSE;
        }
      /* A tensor the caller bound to this name overrides the file's. */
      if (find_binding (options, tensor->name, &bind_index) != NULL)
        continue;

      g_autofree char *what = g_strdup_printf ("initializer '%s'", tensor->name);
      if (!cs_onnx_tensor_take (tensor, imp->source, what, &dtype, &shape, &data, error)
          || !add_constant (imp, tensor->name, dtype, &shape, data, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- Nodes ---- */

/* Constant nodes become constant values right away. */
static gboolean
add_constant_node (CsOnnxNode  *node,
                   GError     **error)
{
  static const char *const value_attrs[] = {
    "value", "value_float", "value_floats", "value_int", "value_ints",
    "sparse_value", "value_string", "value_strings", NULL
  };
  const Onnx__NodeProto *proto = node->proto;
  const char *value_name = NULL;
  CsDType dtype = CS_DTYPE_FLOAT32;
  CsShape shape = { 0 };
  void *data = NULL;
  gboolean ok;

  if (proto->n_input > 0 || proto->n_output != 1 || is_empty (proto->output[0]))
    return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                               "a Constant takes no inputs and has one named output");
  for (size_t i = 0; i < proto->n_attribute; i++)
    for (int v = 0; value_attrs[v] != NULL; v++)
      if (proto->attribute[i]->name != NULL && strcmp (proto->attribute[i]->name, value_attrs[v]) == 0)
        {
          if (value_name != NULL)
            return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                       "a Constant holds exactly one value, not '%s' and '%s'",
                                       value_name, value_attrs[v]);
          value_name = value_attrs[v];
        }
  if (value_name == NULL)
    return cs_onnx_node_error (error, CS_ERROR_INVALID, node, "a Constant needs a value");

  if (strcmp (value_name, "value") == 0)
    {
      const Onnx__AttributeProto *attr =
        cs_onnx_attr (node, value_name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR, &ok, error);
      g_autofree char *what = g_strdup_printf ("the value of node '%s'", node->name);
      if (!ok)
        return FALSE;
      if (attr->t == NULL)
        return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                   "attribute 'value' holds no tensor");
      if (!cs_onnx_tensor_convert (attr->t, node->imp->source, what, &dtype, &shape, &data, error))
        return FALSE;
    }
  else if (strcmp (value_name, "value_float") == 0 || strcmp (value_name, "value_int") == 0)
    {
      gboolean is_float = value_name[6] == 'f';
      const Onnx__AttributeProto *attr =
        cs_onnx_attr (node, value_name, is_float ? ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT
                                                 : ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT,
                      &ok, error);
      if (!ok)
        return FALSE;
      dtype = is_float ? CS_DTYPE_FLOAT32 : CS_DTYPE_INT64;
      data = is_float ? g_memdup2 (&attr->f, sizeof attr->f) : g_memdup2 (&attr->i, sizeof attr->i);
    }
  else if (strcmp (value_name, "value_floats") == 0 || strcmp (value_name, "value_ints") == 0)
    {
      gboolean is_float = value_name[6] == 'f';
      const Onnx__AttributeProto *attr =
        cs_onnx_attr (node, value_name, is_float ? ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS
                                                 : ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS,
                      &ok, error);
      if (!ok)
        return FALSE;
      size_t n = is_float ? attr->n_floats : attr->n_ints;
      dtype = is_float ? CS_DTYPE_FLOAT32 : CS_DTYPE_INT64;
      shape.rank = 1;
      shape.dims[0] = (int64_t) n;
      data = g_malloc0 (MAX (n, 1) * cs_dtype_size (dtype));
      if (n > 0)
        memcpy (data, is_float ? (const void *) attr->floats : (const void *) attr->ints,
                n * cs_dtype_size (dtype));
    }
  else
    return cs_onnx_node_error (error, CS_ERROR_UNSUPPORTED, node,
                               "a Constant given as '%s' is not supported", value_name);

  return add_constant (node->imp, proto->output[0], dtype, &shape, data, error);
}

static void
free_params (const CsOpClass *klass,
             void            *params)
{
  if (params == NULL)
    return;
  if (klass->free_params != NULL)
    klass->free_params (params);
  else
    g_free (params);
}

/* Resolves the node's inputs by name into node->inputs, leaving room for
 * one more that an old opset's attribute may become. */
static gboolean
resolve_inputs (CsOnnxNode     *node,
                const CsOnnxOp *op,
                GError        **error)
{
  const Onnx__NodeProto *proto = node->proto;
  size_t n = proto->n_input;

  while (n > 0 && is_empty (proto->input[n - 1]))
    n--;  /* trailing optional inputs left out */
  if (n < (size_t) op->min_inputs || n > (size_t) op->max_inputs)
    {
      if (op->min_inputs == op->max_inputs)
        return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                   "has %zu inputs; it takes %d", n, op->min_inputs);
      return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                 "has %zu inputs; it takes %d to %d",
                                 n, op->min_inputs, op->max_inputs);
    }

  node->n_inputs = (int) n;
  node->inputs = g_new (int, n + 1);
  for (size_t i = 0; i < n; i++)
    {
      if (is_empty (proto->input[i]))
        {
          if (i < (size_t) op->min_inputs)
            return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                       "required input %zu is empty", i + 1);
          node->inputs[i] = -1;
          continue;
        }
      node->inputs[i] = find_value (node->imp, proto->input[i]);
      if (node->inputs[i] < 0)
        return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                   "input '%s' is not defined before this node",
                                   proto->input[i]);
    }
  return TRUE;
}

/* Outputs beyond what the op class produces (Dropout's mask, MaxPool's
 * indices, BatchNormalization's running statistics) are fine as long as
 * nothing reads them. */
static gboolean
check_extra_outputs (CsOnnxNode *node,
                     GError    **error)
{
  const Onnx__NodeProto *proto = node->proto;

  if (proto->n_output < (size_t) MAX (node->n_outputs, 1))
    return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                               "has %zu outputs; it needs %d",
                               proto->n_output, MAX (node->n_outputs, 1));
  for (size_t i = node->n_outputs; i < proto->n_output; i++)
    if (!is_empty (proto->output[i]) && g_hash_table_contains (node->imp->consumed, proto->output[i]))
      return cs_onnx_node_error (error, CS_ERROR_UNSUPPORTED, node,
                                 "output %zu ('%s') is not supported", i + 1, proto->output[i]);
  return TRUE;
}

static gboolean
add_op_node (CsOnnxNode *node,
             GError    **error)
{
  const Onnx__NodeProto *proto = node->proto;
  const CsOnnxOp *op = cs_onnx_op_lookup (node->op);
  g_autofree int *outputs = NULL;

  node->n_outputs = op->n_outputs >= 0 ? op->n_outputs : (int) MIN (proto->n_output, G_MAXINT);
  if (!check_extra_outputs (node, error)
      || !resolve_inputs (node, op, error)
      || (op->parse != NULL && !op->parse (node, error)))
    {
      free_params (op->klass, node->params);
      return FALSE;
    }

  outputs = g_new (int, node->n_outputs);
  for (int i = 0; i < node->n_outputs; i++)
    {
      const char *name = proto->output[i];
      CsShape unknown = { 0 };

      if (is_empty (name))
        {
          free_params (op->klass, node->params);
          return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                     "output %d has no name", i + 1);
        }
      outputs[i] = cs_graph_add_value (node->imp->graph, name, CS_DTYPE_FLOAT32, &unknown, NULL);
      if (!register_value (node->imp, name, outputs[i], error))
        {
          free_params (op->klass, node->params);
          return FALSE;
        }
    }

  cs_graph_add_node (node->imp->graph, op->klass, node->name,
                     node->inputs, node->n_inputs, outputs, node->n_outputs, node->params);
  return TRUE;
}

static gboolean
add_node (CsOnnxImport          *imp,
          const Onnx__NodeProto *proto,
          size_t                 position,
          GError               **error)
{
  g_autofree char *fallback_name = NULL;
  CsOnnxNode node = { .imp = imp, .proto = proto };
  gboolean ok;

  if (!is_empty (proto->name))
    node.name = proto->name;
  else if (proto->n_output > 0 && !is_empty (proto->output[0]))
    node.name = proto->output[0];
  else
    node.name = fallback_name = g_strdup_printf ("#%zu", position + 1);
  node.op = proto->op_type != NULL ? proto->op_type : "";

  if (imp->opset == 0)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   "%s: node '%s' uses the default ONNX domain, which the model does not import",
                   imp->source, node.name);
      return FALSE;
    }
  if (strcmp (node.op, "Constant") == 0)
    ok = add_constant_node (&node, error);
  else
    ok = add_op_node (&node, error);
  g_free (node.inputs);
  return ok;
}

static gboolean
mark_outputs (CsOnnxImport            *imp,
              const Onnx__GraphProto  *graph,
              GError                 **error)
{
  if (graph->n_output == 0)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_INVALID, "%s: the graph has no outputs", imp->source);
      return FALSE;
    }
  for (size_t i = 0; i < graph->n_output; i++)
    {
      const char *name = graph->output[i]->name;
      int index = is_empty (name) ? -1 : find_value (imp, name);

      if (index < 0)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                       "%s: graph output '%s' is not produced by any node",
                       imp->source, name != NULL ? name : "");
          return FALSE;
        }
      CsValue *value = cs_graph_value (imp->graph, index);
      if (value->is_output)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                       "%s: graph output '%s' is listed twice", imp->source, name);
          return FALSE;
        }
      value->is_output = TRUE;
      g_array_append_val (imp->graph->outputs, index);
    }
  return TRUE;
}

/* Every name a node or the graph's outputs read, to tell whether an
 * output the engine does not produce matters. */
static GHashTable *
collect_consumed (const Onnx__GraphProto *graph)
{
  GHashTable *consumed = g_hash_table_new (g_str_hash, g_str_equal);

  for (size_t i = 0; i < graph->n_node; i++)
    for (size_t j = 0; j < graph->node[i]->n_input; j++)
      if (!is_empty (graph->node[i]->input[j]))
        g_hash_table_add (consumed, graph->node[i]->input[j]);
  for (size_t i = 0; i < graph->n_output; i++)
    if (!is_empty (graph->output[i]->name))
      g_hash_table_add (consumed, graph->output[i]->name);
  return consumed;
}

/* Refuses a model with ops the engine lacks before anything is built,
 * naming them all with their counts. */
static gboolean
check_ops_known (const CsOnnxImport     *imp,
                 const Onnx__GraphProto *graph,
                 GError                **error)
{
  g_autoptr (CsOpTally) unknown = cs_op_tally_new ();

  for (size_t i = 0; i < graph->n_node; i++)
    {
      const Onnx__NodeProto *proto = graph->node[i];
      const char *op = proto->op_type != NULL ? proto->op_type : "";

      if (!is_empty (proto->domain) && strcmp (proto->domain, "ai.onnx") != 0)
        {
          g_autofree char *qualified = g_strdup_printf ("%s.%s", proto->domain, op);

          cs_op_tally_add (unknown, qualified);
        }
      else if (strcmp (op, "Constant") != 0 && cs_onnx_op_lookup (op) == NULL)
        cs_op_tally_add (unknown, op);
    }
  return cs_op_tally_check (unknown, imp->source, error);
}

static gboolean
build_graph (CsOnnxImport         *imp,
             Onnx__GraphProto     *graph,
             const CsLoadOptions  *options,
             GError              **error)
{
  if (!check_ops_known (imp, graph, error)
      || !add_graph_inputs (imp, graph, options, error)
      || !add_initializers (imp, graph, options, error))
    return FALSE;
  for (size_t i = 0; i < graph->n_node; i++)
    if (!add_node (imp, graph->node[i], i, error))
      return FALSE;
  return mark_outputs (imp, graph, error);
}

/* The opset of the default domain; files before IR version 3 had none
 * and meant 1.  0 when the model imports only other domains. */
static gboolean
read_opset (const Onnx__ModelProto *model,
            const char             *source,
            int64_t                *opset,
            GError                **error)
{
  *opset = model->ir_version < 3 ? 1 : 0;
  for (size_t i = 0; i < model->n_opset_import; i++)
    {
      const Onnx__OperatorSetIdProto *import = model->opset_import[i];

      if (!is_empty (import->domain) && strcmp (import->domain, "ai.onnx") != 0)
        continue;
      if (!import->has_version || import->version < 1)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                       "%s: the ONNX opset import has no valid version", source);
          return FALSE;
        }
      *opset = MAX (*opset, import->version);
    }
  return TRUE;
}

CsGraph *
cs_onnx_load (const guint8        *data,
              gsize                size,
              const char          *source,
              const CsLoadOptions *options,
              GError             **error)
{
  static const CsLoadOptions no_options = { 0 };
  Onnx__ModelProto *model = NULL;
  CsOnnxImport imp = { 0 };
  gboolean ok;

  if (source == NULL)
    source = "model";
  if (options == NULL)
    options = &no_options;
  if (options->free_dim < 0 || (options->n_bind > 0 && options->bind == NULL))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: invalid load options (negative free_dim or missing bindings)", source);
      return NULL;
    }

  if (cs_onnx_wire_check (data, size, &onnx__model_proto__descriptor))
    model = onnx__model_proto__unpack (&cs_onnx_allocator, size, data);
  if (model == NULL || !model->has_ir_version)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT, "%s: not a valid ONNX file", source);
      if (model != NULL)
        onnx__model_proto__free_unpacked (model, &cs_onnx_allocator);
      return NULL;
    }

  imp.source = source;
  ok = read_opset (model, source, &imp.opset, error);
  if (ok && model->graph == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT, "%s: the model has no graph", source);
      ok = FALSE;
    }
  if (ok)
    {
      imp.graph = cs_graph_new (source);
      imp.values = g_hash_table_new (g_str_hash, g_str_equal);
      imp.consumed = collect_consumed (model->graph);
      ok = build_graph (&imp, model->graph, options, error);
      g_hash_table_destroy (imp.values);
      g_hash_table_destroy (imp.consumed);
    }

  onnx__model_proto__free_unpacked (model, &cs_onnx_allocator);
  if (!ok && imp.graph != NULL)
    g_clear_pointer (&imp.graph, cs_graph_free);
  return imp.graph;
}
