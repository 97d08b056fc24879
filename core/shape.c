/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shape.c — small helpers on shapes and dtypes used across the engine and
 * by its users.
 */
#include "cs-engine.h"

int64_t
cs_shape_numel (const CsShape *shape)
{
  int64_t n = 1;

  for (int i = 0; i < shape->rank; i++)
    n *= shape->dims[i];
  return n;
}

gboolean
cs_shape_equal (const CsShape *a, const CsShape *b)
{
  if (a->rank != b->rank)
    return FALSE;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i])
      return FALSE;
  return TRUE;
}

char *
cs_shape_to_string (const CsShape *shape)
{
  GString *text = g_string_new (NULL);

  if (shape->rank == 0)
    g_string_append (text, "scalar");
  for (int i = 0; i < shape->rank; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT,
                            i > 0 ? "×" : "", shape->dims[i]);
  return g_string_free (text, FALSE);
}

size_t
cs_dtype_size (CsDType dtype)
{
  return dtype == CS_DTYPE_INT64 ? sizeof (int64_t) : sizeof (float);
}
