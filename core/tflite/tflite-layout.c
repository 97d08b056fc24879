/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-layout.c — layout translation (tflite-layout.h): permuting
 * constants at load, and the Reshape and Transpose steps that give an op
 * the NHWC order it was written for.
 */
#include "tflite-layout.h"

#include <string.h>

#include "tflite-tensor.h"

const int cs_tflite_nhwc_axis_in_nchw[4] = { 0, 2, 3, 1 };
const int cs_tflite_perm_to_nchw[4] = { 0, 3, 1, 2 };
/* The permutation back from NCHW to NHWC. */
static const int perm_to_nhwc[4] = { 0, 2, 3, 1 };

gboolean
cs_tflite_layout_is_trivial (const CsShape *nhwc)
{
  return nhwc->dims[3] == 1 || (nhwc->dims[1] == 1 && nhwc->dims[2] == 1);
}

CsShape
cs_tflite_shape_permuted (const CsShape *shape,
                          const int     *perm)
{
  CsShape out = { shape->rank, { 0 } };

  for (int i = 0; i < shape->rank; i++)
    out.dims[i] = shape->dims[perm[i]];
  return out;
}

CsShape
cs_tflite_graph_shape (const CsShape *shape)
{
  return shape->rank == 4 ? cs_tflite_shape_permuted (shape, cs_tflite_perm_to_nchw) : *shape;
}

/* @shape with leading 1s up to @rank, as TFLite broadcasting aligns it. */
static CsShape
shape_expanded (const CsShape *shape,
                int            rank)
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
permute_copy (const float   *src,
              const CsShape *shape,
              const int     *perm,
              float         *dst)
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
permutation_keeps_order (const CsShape *shape,
                         const int     *perm)
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

float *
cs_tflite_permute_floats (float         *data,
                          const CsShape *shape,
                          const int     *perm)
{
  float *permuted;

  if (permutation_keeps_order (shape, perm))
    return data;
  permuted = g_new (float, cs_shape_numel (shape));
  permute_copy (data, shape, perm, permuted);
  g_free (data);
  return permuted;
}

/* A constant tensor as the graph holds it: 4-D ones permuted to NCHW,
 * after expanding to @rank (0: as it is) the way broadcasting aligns it. */
static int
tensor_constant_value (CsTfliteImport       *imp,
                       const CsTfliteTensor *t,
                       int                   rank,
                       GError              **error)
{
  float *data = cs_tflite_tensor_floats (imp, t, NULL, error);
  CsShape shape = rank > t->shape.rank ? shape_expanded (&t->shape, rank) : t->shape;

  if (data == NULL)
    return -1;
  if (shape.rank == 4)
    {
      data = cs_tflite_permute_floats (data, &shape, cs_tflite_perm_to_nchw);
      shape = cs_tflite_graph_shape (&shape);
    }
  return cs_tflite_constant_value (imp, t->name, data, &shape);
}

int
cs_tflite_emit_reshape (CsTfliteImport *imp,
                        const char     *role,
                        int             src,
                        const CsShape  *shape,
                        int             dest)
{
  int64_t *dims = g_new (int64_t, MAX (shape->rank, 1));
  CsShape shape_of_shape = { 1, { shape->rank } };
  g_autofree char *base = g_strdup_printf ("%s/%s/shape", imp->out->short_name,
                                           role != NULL ? role : "Reshape");
  int inputs[2];

  memcpy (dims, shape->dims, sizeof (int64_t) * shape->rank);
  inputs[0] = src;
  inputs[1] = cs_tflite_add_value (imp, base, &shape_of_shape, CS_DTYPE_INT64, dims);
  if (dest < 0)
    dest = cs_tflite_helper_value (imp, role, shape);
  cs_tflite_add_node (imp, &cs_op_reshape, role, inputs, 2, dest, g_new0 (CsReshapeParams, 1));
  return dest;
}

static int
emit_transpose (CsTfliteImport *imp,
                const char     *role,
                int             src,
                const int      *perm,
                const CsShape  *in_shape,
                int             dest)
{
  CsTransposeParams *params = g_new0 (CsTransposeParams, 1);

  params->n_perm = 4;
  memcpy (params->perm, perm, sizeof (int) * 4);
  if (dest < 0)
    {
      CsShape shape = cs_tflite_shape_permuted (in_shape, perm);

      dest = cs_tflite_helper_value (imp, role, &shape);
    }
  cs_tflite_add_node (imp, &cs_op_transpose, role, &src, 1, dest, params);
  return dest;
}

int
cs_tflite_to_nhwc (CsTfliteImport       *imp,
                   int                   src,
                   const CsTfliteTensor *t)
{
  if (cs_tflite_layout_is_trivial (&t->shape))
    return cs_tflite_emit_reshape (imp, "ToNHWC", src, &t->shape, -1);
  {
    CsShape nchw = cs_tflite_graph_shape (&t->shape);

    return emit_transpose (imp, "ToNHWC", src, perm_to_nhwc, &nchw, -1);
  }
}

void
cs_tflite_emit_from_nhwc (CsTfliteImport *imp,
                          const char     *role,
                          int             src,
                          int             dest)
{
  const CsShape *shape = &imp->out->shape;

  if (shape->rank != 4 || cs_tflite_layout_is_trivial (shape))
    {
      CsShape target = cs_tflite_graph_shape (shape);

      cs_tflite_emit_reshape (imp, role, src, &target, dest);
      return;
    }
  src = cs_tflite_emit_reshape (imp, "Reshape", src, shape, -1);
  emit_transpose (imp, role, src, cs_tflite_perm_to_nchw, shape, dest);
}

/* The graph value feeding a data input, expanded to @rank when
 * broadcasting against a 4-D tensor needs it; -1 on error. */
static int
tensor_value (CsTfliteImport *imp,
              CsTfliteTensor *t,
              int             rank,
              GError        **error)
{
  CsShape expanded;
  int src;

  if (rank != 4 || t->shape.rank >= 4)
    rank = 0;
  if (t->value >= 0 && rank == 0)
    return t->value;
  if (cs_tflite_tensor_is_constant (t))
    {
      int value = tensor_constant_value (imp, t, rank, error);

      if (rank == 0)
        t->value = value;
      return value;
    }
  if (t->value < 0)
    {
      cs_tflite_error (error, CS_ERROR_INVALID, imp,
                       "tensor '%s' is read before any operator computes it", t->name);
      return -1;
    }
  /* A lower-rank activation broadcast against a 4-D one. */
  expanded = shape_expanded (&t->shape, 4);
  src = cs_tflite_emit_reshape (imp, "Expand", t->value, &expanded, -1);
  if (cs_tflite_layout_is_trivial (&expanded))
    {
      CsShape nchw = cs_tflite_graph_shape (&expanded);

      return cs_tflite_emit_reshape (imp, "ExpandNCHW", src, &nchw, -1);
    }
  return emit_transpose (imp, "ExpandNCHW", src, cs_tflite_perm_to_nchw, &expanded, -1);
}

int
cs_tflite_input_value (CsTfliteImport  *imp,
                       int              i,
                       int              rank,
                       CsTfliteTensor **tensor_out,
                       GError         **error)
{
  CsTfliteTensor *t = cs_tflite_input_tensor (imp, i, error);

  if (t == NULL)
    return -1;
  if (tensor_out != NULL)
    *tensor_out = t;
  return tensor_value (imp, t, rank, error);
}
