/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx-node.c — the error every part of the importer reports a node's
 * problem with.  It lives apart from the loader so that the attribute
 * readers and the op table, which the loader calls, never call back
 * into it.
 */
#include "onnx-node.h"

#include <stdarg.h>

gboolean
cs_onnx_node_error (GError          **error,
                    CsErrorCode       code,
                    const CsOnnxNode *node,
                    const char       *format,
                    ...)
{
  va_list args;

  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CS_ERROR, code, "%s: node '%s' (%s): %s",
               node->imp->source, node->name, node->op, message);
  return FALSE;
}
