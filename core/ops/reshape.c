/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * reshape.c — the ops that give the same elements, in the same order, a
 * new shape: Flatten, Reshape, Squeeze, Unsqueeze, and Identity (which
 * also stands for Dropout at inference).  Their work is all in infer;
 * running them copies bytes, for float32 activations and int64 shape
 * arithmetic alike.
 */
#include "op-common.h"

#include <string.h>

/* ---- Flatten ---- */

static gboolean
flatten_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsAxisParams *params = node->params;
  const CsValue *x;
  int64_t axis = params != NULL ? params->axis : 1;
  CsShape out = { .rank = 2, .dims = { 1, 1 } };

  if (!cs_op_check_arity (graph, node, 1, 1, 1, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  /* Unlike most axes, Flatten's may equal the rank. */
  if (axis < -x->shape.rank || axis > x->shape.rank)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "axis %" G_GINT64_FORMAT " is outside [%d, %d]",
                          axis, -x->shape.rank, x->shape.rank);
  if (axis < 0)
    axis += x->shape.rank;
  for (int d = 0; d < x->shape.rank; d++)
    out.dims[d < axis ? 0 : 1] *= x->shape.dims[d];
  return cs_op_set_output (graph, node, 0, x->dtype, &out, error);
}

/* ---- Reshape ---- */

static gboolean
reshape_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsReshapeParams *params = node->params;
  const gboolean allowzero = params != NULL && params->allowzero;
  const CsValue *x;
  int64_t target[CS_MAX_RANK];
  CsShape out = { 0 };
  int64_t known = 1, numel;
  int infer_at = -1;

  if (!cs_op_check_arity (graph, node, 2, 2, 1, error)
      || !cs_op_const_ints (graph, node, 1, "the target shape", target,
                            CS_MAX_RANK, &out.rank, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  numel = cs_shape_numel (&x->shape);

  for (int d = 0; d < out.rank; d++)
    {
      int64_t dim = target[d];

      if (dim == -1)
        {
          if (infer_at >= 0)
            return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                                  "the target shape has more than one -1");
          infer_at = d;
          continue;
        }
      if (dim == 0 && !allowzero)
        {
          if (d >= x->shape.rank)
            return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                                  "target dimension %d is 0 (copy the input's) "
                                  "but the input has rank %d", d,
                                  x->shape.rank);
          dim = x->shape.dims[d];
        }
      if (dim < 0)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "target dimension %" G_GINT64_FORMAT
                              " is negative", dim);
      if (dim > 0 && known > G_MAXINT64 / dim)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "the target shape is too large");
      out.dims[d] = dim;
      known *= dim;
    }

  if (infer_at >= 0)
    {
      if (known == 0 || numel % known != 0)
        {
          g_autofree char *shape = cs_shape_to_string (&x->shape);

          return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                                "cannot infer the -1 dimension reshaping %s",
                                shape);
        }
      out.dims[infer_at] = numel / known;
      known = numel;
    }
  if (known != numel)
    {
      g_autofree char *from = cs_shape_to_string (&x->shape);
      g_autofree char *to = cs_shape_to_string (&out);

      return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                            "cannot reshape %s (%" G_GINT64_FORMAT
                            " elements) into %s", from, numel, to);
    }
  return cs_op_set_output (graph, node, 0, x->dtype, &out, error);
}

/* ---- Squeeze and Unsqueeze ---- */

/* The axes from input 1 when the node has it, else from the params. */
static gboolean
read_axes (const CsGraph *graph, const CsNode *node, int64_t *axes, int *n,
           GError **error)
{
  const CsSqueezeParams *params = node->params;

  if (cs_node_input (graph, node, 1) != NULL)
    return cs_op_const_ints (graph, node, 1, "the axes", axes, CS_MAX_RANK,
                             n, error);
  *n = params != NULL ? params->n_axes : 0;
  if (*n < 0 || *n > CS_MAX_RANK)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "%d axes make no sense", *n);
  if (*n > 0)
    memcpy (axes, params->axes, sizeof (int64_t) * (size_t) *n);
  return TRUE;
}

static gboolean
squeeze_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsValue *x;
  int64_t axes[CS_MAX_RANK];
  CsShape out = { 0 };
  guint mask = 0;
  int n;

  if (!cs_op_check_arity (graph, node, 1, 2, 1, error)
      || !read_axes (graph, node, axes, &n, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  if (!cs_op_axes_mask (graph, node, axes, n, x->shape.rank, &mask, error))
    return FALSE;

  for (int d = 0; d < x->shape.rank; d++)
    {
      gboolean squeeze = n == 0 ? x->shape.dims[d] == 1 : (mask & (1u << d)) != 0;

      if (squeeze && x->shape.dims[d] != 1)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "cannot squeeze axis %d of size %"
                              G_GINT64_FORMAT, d, x->shape.dims[d]);
      if (!squeeze)
        out.dims[out.rank++] = x->shape.dims[d];
    }
  return cs_op_set_output (graph, node, 0, x->dtype, &out, error);
}

static gboolean
unsqueeze_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsValue *x;
  int64_t axes[CS_MAX_RANK];
  CsShape out = { 0 };
  guint mask;
  int n;

  if (!cs_op_check_arity (graph, node, 1, 2, 1, error)
      || !read_axes (graph, node, axes, &n, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  if (n == 0)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "no axes to insert");
  if (x->shape.rank + n > CS_MAX_RANK)
    return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                          "the result would have rank %d, at most %d is "
                          "supported", x->shape.rank + n, CS_MAX_RANK);
  out.rank = x->shape.rank + n;
  if (!cs_op_axes_mask (graph, node, axes, n, out.rank, &mask, error))
    return FALSE;
  for (int d = 0, k = 0; d < out.rank; d++)
    out.dims[d] = (mask & (1u << d)) ? 1 : x->shape.dims[k++];
  return cs_op_set_output (graph, node, 0, x->dtype, &out, error);
}

/* ---- Identity and Dropout ---- */

/* Dropout's optional ratio and training_mode inputs change nothing at
 * inference; its mask output would need a boolean tensor. */
static gboolean
identity_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsValue *x;

  if (!cs_op_check_arity (graph, node, 1, 3, 1, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  return cs_op_set_output (graph, node, 0, x->dtype, &x->shape, error);
}

static void
copy_run (const CsNode *node, CsExec *exec)
{
  cs_op_copy_input (node, exec);
}

const CsOpClass cs_op_flatten = {
  .name = "Flatten",
  .kind = CS_LAYER_RESHAPE,
  .infer = flatten_infer,
  .copies_input = TRUE,
  .run = copy_run,
  .backward = cs_op_backward_pass_through,
};

const CsOpClass cs_op_reshape = {
  .name = "Reshape",
  .kind = CS_LAYER_RESHAPE,
  .infer = reshape_infer,
  .copies_input = TRUE,
  .run = copy_run,
  .backward = cs_op_backward_pass_through,
};

const CsOpClass cs_op_squeeze = {
  .name = "Squeeze",
  .kind = CS_LAYER_RESHAPE,
  .infer = squeeze_infer,
  .copies_input = TRUE,
  .run = copy_run,
  .backward = cs_op_backward_pass_through,
};

const CsOpClass cs_op_unsqueeze = {
  .name = "Unsqueeze",
  .kind = CS_LAYER_RESHAPE,
  .infer = unsqueeze_infer,
  .copies_input = TRUE,
  .run = copy_run,
  .backward = cs_op_backward_pass_through,
};

const CsOpClass cs_op_identity = {
  .name = "Identity",
  .kind = CS_LAYER_OTHER,
  .infer = identity_infer,
  .copies_input = TRUE,
  .run = copy_run,
  .footprint = cs_op_footprint_same,
  .backward = cs_op_backward_pass_through,
};
