/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-import.c — the error every part of the importer reports with,
 * naming the operator being translated, and the values and nodes it adds
 * to the graph under names unique in it.
 */
#include "tflite-import.h"

#include <stdarg.h>

/* The prefix of cs_tflite_error's messages. */
static char *
error_context (const CsTfliteImport *imp)
{
  if (!imp->in_operator)
    return g_strdup_printf ("%s: ", imp->source);
  if (imp->op_name == NULL)
    return g_strdup_printf ("%s: operator %u: ", imp->source, imp->op_index);
  return g_strdup_printf ("%s: operator %u (%s): ", imp->source, imp->op_index, imp->op_name);
}

gboolean
cs_tflite_error (GError              **error,
                 CsErrorCode           code,
                 const CsTfliteImport *imp,
                 const char           *format,
                 ...)
{
  va_list args;
  g_autofree char *message = NULL;
  g_autofree char *context = error_context (imp);

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CS_ERROR, code, "%s%s", context, message);
  return FALSE;
}

gboolean
cs_tflite_check_fb (CsTfliteImport *imp,
                    GError        **error)
{
  g_autofree char *context = error_context (imp);

  return cs_fb_check (&imp->fb, error, "%s", context);
}

/* @base, or @base with a numeric suffix when it is taken; newly allocated
 * and recorded in @names.  The suffixes come from one running count so
 * that a file repeating a name many times costs no more than one that
 * does not. */
static char *
unique_name (CsTfliteImport *imp,
             GHashTable     *names,
             const char     *base)
{
  char *name = g_strdup (base);

  while (g_hash_table_contains (names, name))
    {
      g_free (name);
      name = g_strdup_printf ("%s_%u", base, ++imp->name_serial);
    }
  g_hash_table_add (names, g_strdup (name));
  return name;
}

int
cs_tflite_add_value (CsTfliteImport *imp,
                     const char     *base,
                     const CsShape  *shape,
                     CsDType         dtype,
                     void           *constant)
{
  g_autofree char *name = unique_name (imp, imp->value_names, base);

  return cs_graph_add_value (imp->graph, name, dtype, shape, constant);
}

int
cs_tflite_helper_value (CsTfliteImport *imp,
                        const char     *role,
                        const CsShape  *shape)
{
  g_autofree char *base = g_strdup_printf ("%s/%s", imp->out->short_name, role);

  return cs_tflite_add_value (imp, base, shape, CS_DTYPE_FLOAT32, NULL);
}

CsNode *
cs_tflite_add_node (CsTfliteImport  *imp,
                    const CsOpClass *klass,
                    const char      *role,
                    const int       *inputs,
                    int              n_inputs,
                    int              dest,
                    void            *params)
{
  g_autofree char *base = role == NULL ? g_strdup (imp->out->short_name)
                                       : g_strdup_printf ("%s/%s", imp->out->short_name, role);
  g_autofree char *name = unique_name (imp, imp->node_names, base);

  return cs_graph_add_node (imp->graph, klass, name, inputs, n_inputs, &dest, 1, params);
}

int
cs_tflite_constant_value (CsTfliteImport *imp,
                          const char     *base,
                          float          *data,
                          const CsShape  *shape)
{
  return cs_tflite_add_value (imp, base, shape, CS_DTYPE_FLOAT32, data);
}
