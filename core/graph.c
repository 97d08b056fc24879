/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * graph.c — building and freeing the internal network representation
 * (graph.h), and the error helper every loader and op reports through.
 */
#include "graph.h"

#include <stdarg.h>

G_DEFINE_QUARK (convscope-error-quark, cs_error)

static void
value_free (gpointer data)
{
  CsValue *value = data;

  g_free (value->name);
  g_free (value->constant);
  g_free (value);
}

static void
node_free (gpointer data)
{
  CsNode *node = data;

  if (node->params != NULL && node->klass->free_params != NULL)
    node->klass->free_params (node->params);
  else
    g_free (node->params);
  g_free (node->name);
  if (node->fused != NULL)
    g_string_free (node->fused, TRUE);
  if (node->epilogue != NULL)
    g_ptr_array_unref (node->epilogue);
  g_free (node->inputs);
  g_free (node->outputs);
  g_free (node);
}

CsGraph *
cs_graph_new (const char *source)
{
  CsGraph *graph = g_new0 (CsGraph, 1);

  graph->values = g_ptr_array_new_with_free_func (value_free);
  graph->nodes = g_ptr_array_new_with_free_func (node_free);
  graph->inputs = g_array_new (FALSE, FALSE, sizeof (int));
  graph->outputs = g_array_new (FALSE, FALSE, sizeof (int));
  graph->source = g_strdup (source != NULL ? source : "model");
  return graph;
}

void
cs_graph_free (CsGraph *graph)
{
  if (graph == NULL)
    return;
  g_ptr_array_unref (graph->nodes);
  g_ptr_array_unref (graph->values);
  g_array_unref (graph->inputs);
  g_array_unref (graph->outputs);
  g_free (graph->source);
  g_free (graph);
}

int
cs_graph_add_value (CsGraph       *graph,
                    const char    *name,
                    CsDType        dtype,
                    const CsShape *shape,
                    void          *constant)
{
  CsValue *value = g_new0 (CsValue, 1);

  value->name = g_strdup (name != NULL ? name : "");
  value->dtype = dtype;
  if (shape != NULL)
    value->shape = *shape;
  value->constant = constant;
  value->producer = -1;
  g_ptr_array_add (graph->values, value);
  return (int) graph->values->len - 1;
}

int
cs_graph_find_value (const CsGraph *graph, const char *name)
{
  for (guint i = 0; i < graph->values->len; i++)
    if (g_strcmp0 (cs_graph_value (graph, i)->name, name) == 0)
      return (int) i;
  return -1;
}

CsNode *
cs_graph_add_node (CsGraph         *graph,
                   const CsOpClass *klass,
                   const char      *name,
                   const int       *inputs,
                   int              n_inputs,
                   const int       *outputs,
                   int              n_outputs,
                   void            *params)
{
  CsNode *node = g_new0 (CsNode, 1);
  int index = (int) graph->nodes->len;

  node->klass = klass;
  node->name = g_strdup (name);
  node->fused = g_string_new (NULL);
  node->n_inputs = n_inputs;
  node->inputs = g_memdup2 (inputs, sizeof (int) * MAX (n_inputs, 0));
  node->n_outputs = n_outputs;
  node->outputs = g_memdup2 (outputs, sizeof (int) * MAX (n_outputs, 0));
  node->params = params;
  for (int i = 0; i < n_outputs; i++)
    cs_graph_value (graph, outputs[i])->producer = index;
  g_ptr_array_add (graph->nodes, node);
  return node;
}

void *
cs_graph_take_constant (CsGraph *graph, const CsNode *node, int index)
{
  const int v = node->inputs[index];
  CsValue *value = cs_graph_value (graph, v);
  void *data;

  if (value->is_output)
    return NULL;
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      const CsNode *reader = cs_graph_node (graph, i);

      if (reader->dead)
        continue;
      for (int j = 0; j < reader->n_inputs; j++)
        if (reader->inputs[j] == v && (reader != node || j != index))
          return NULL;
    }
  data = g_steal_pointer (&value->constant);
  value->packed = data != NULL;
  return data;
}

gboolean
cs_node_error (GError       **error,
               CsErrorCode    code,
               const CsGraph *graph,
               const CsNode  *node,
               const char    *format,
               ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CS_ERROR, code, "%s: node '%s' (%s): %s",
               graph->source, node->name, node->klass->name, message);
  g_free (message);
  return FALSE;
}
