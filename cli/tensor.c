/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tensor.c — allocation and release of the command-line tool's own
 * float32 tensors; see tensor.h.
 */
#include <glib/gi18n-lib.h>
#include <string.h>

#include "tensor.h"

gboolean
cli_shape_bytes (const CsShape *shape, size_t *bytes)
{
  size_t total = sizeof (float);

  if (shape->rank < 0 || shape->rank > CS_MAX_RANK)
    return FALSE;
  for (int i = 0; i < shape->rank; i++)
    {
      int64_t dim = shape->dims[i];

      if (dim < 0)
        return FALSE;
      /* Once a dimension is 0 the size stays 0, whatever follows. */
      if (total != 0 && (uint64_t) dim > G_MAXSIZE / total)
        return FALSE;
      total *= (size_t) dim;
    }
  *bytes = total;
  return TRUE;
}

gboolean
cli_tensor_alloc (CsTensor      *tensor,
                  const char    *name,
                  const CsShape *shape,
                  GError       **error)
{
  size_t bytes;

  if (!cli_shape_bytes (shape, &bytes))
    {
      g_autofree char *text = cs_shape_to_string (shape);

      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   _("a float32 tensor of shape %s is too large"), text);
      return FALSE;
    }
  memset (tensor, 0, sizeof *tensor);
  /* Even an empty tensor gets a buffer, so data is never NULL. */
  tensor->data = g_try_malloc0 (MAX (bytes, 1));
  if (tensor->data == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   _("out of memory for %zu bytes of tensor data"), bytes);
      return FALSE;
    }
  tensor->name = g_strdup (name);
  tensor->dtype = CS_DTYPE_FLOAT32;
  tensor->shape = *shape;
  return TRUE;
}

void
cli_tensor_clear (CsTensor *tensor)
{
  g_free (tensor->name);
  g_free (tensor->data);
  memset (tensor, 0, sizeof *tensor);
}
