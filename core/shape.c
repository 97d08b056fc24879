/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shape.c — small helpers on shapes and dtypes used across the engine and
 * by its users.
 */
#include "graph.h"

/* −1 for a shape no tensor can have (a negative dimension or a count past
 * int64), which validated graphs never hold: callers see a count that
 * allocates nothing rather than a wrapped one. */
int64_t
cs_shape_numel (const CsShape *shape)
{
  int64_t n = 1;

  for (int i = 0; i < shape->rank; i++)
    if (shape->dims[i] < 0 || __builtin_mul_overflow (n, shape->dims[i], &n))
      return -1;
  return n;
}

gboolean
cs_shape_fits (const CsShape *shape, CsDType dtype, guint64 *bytes)
{
  guint64 extent = cs_dtype_size (dtype);
  gboolean empty = FALSE;

  if (shape->rank < 0 || shape->rank > CS_MAX_RANK)
    return FALSE;
  /* Zero dimensions are skipped in the bound, not in the checks: strides
   * over the other dimensions must stay small even in an empty tensor. */
  for (int i = 0; i < shape->rank; i++)
    {
      int64_t dim = shape->dims[i];

      if (dim < 0 || (dim > 0 && extent > CS_MAX_TENSOR_BYTES / (guint64) dim))
        return FALSE;
      empty |= dim == 0;
      extent *= (guint64) MAX (dim, 1);
    }
  if (bytes != NULL)
    *bytes = empty ? 0 : extent;
  return TRUE;
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
