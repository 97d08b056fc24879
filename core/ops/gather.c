/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gather.c — Gather along any axis with constant int64 indices of any
 * shape (negative ones count from the end), as torchvision exports use it
 * to pick dimensions out of a Shape.  The indices are checked once at
 * load; each one then selects a contiguous block per outer slice.
 */
#include "op-common.h"

#include <string.h>

static gboolean
gather_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsAxisParams *params = node->params;
  const CsValue *data, *indices;
  const int64_t *index;
  int64_t count, dim;
  CsShape out = { 0 };
  int axis;

  if (!cs_op_check_arity (graph, node, 2, 2, 1, error))
    return FALSE;
  data = cs_node_input (graph, node, 0);
  indices = cs_node_input (graph, node, 1);
  if (data->shape.rank == 0)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "cannot gather from a scalar");
  if (!cs_op_axis (graph, node, params != NULL ? params->axis : 0,
                   data->shape.rank, "axis", &axis, error))
    return FALSE;
  if (indices->dtype != CS_DTYPE_INT64)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "the indices must be int64");
  if (indices->constant == NULL)
    return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                          "the indices must be known at load time");
  if (data->shape.rank - 1 + indices->shape.rank > CS_MAX_RANK)
    return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                          "the result would have rank %d, at most %d is "
                          "supported", data->shape.rank - 1 + indices->shape.rank,
                          CS_MAX_RANK);

  index = indices->constant;
  count = cs_shape_numel (&indices->shape);
  dim = data->shape.dims[axis];
  for (int64_t i = 0; i < count; i++)
    if (index[i] < -dim || index[i] >= dim)
      return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                            "index %" G_GINT64_FORMAT " is outside [%"
                            G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")",
                            index[i], -dim, dim);

  for (int d = 0; d < axis; d++)
    out.dims[out.rank++] = data->shape.dims[d];
  for (int d = 0; d < indices->shape.rank; d++)
    out.dims[out.rank++] = indices->shape.dims[d];
  for (int d = axis + 1; d < data->shape.rank; d++)
    out.dims[out.rank++] = data->shape.dims[d];
  return cs_op_set_output (graph, node, 0, data->dtype, &out, error);
}

static void
gather_run (const CsNode *node, CsExec *exec)
{
  const CsAxisParams *params = node->params;
  const CsValue *data = cs_node_input (exec->graph, node, 0);
  const CsValue *indices = cs_node_input (exec->graph, node, 1);
  const int64_t *index = indices->constant;
  const int64_t count = cs_shape_numel (&indices->shape);
  const int64_t axis_arg = params != NULL ? params->axis : 0;
  const int axis = (int) (axis_arg < 0 ? axis_arg + data->shape.rank : axis_arg);
  const int64_t dim = data->shape.dims[axis];
  const char *src = exec->data[node->inputs[0]];
  char *dst = exec->data[node->outputs[0]];
  int64_t outer = 1, block = (int64_t) cs_dtype_size (data->dtype);

  for (int d = 0; d < axis; d++)
    outer *= data->shape.dims[d];
  for (int d = axis + 1; d < data->shape.rank; d++)
    block *= data->shape.dims[d];

  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < count; i++)
      {
        const int64_t k = index[i] < 0 ? index[i] + dim : index[i];

        memcpy (dst, src + (o * dim + k) * block, (size_t) block);
        dst += block;
      }
}

const CsOpClass cs_op_gather = {
  .name = "Gather",
  .kind = CS_LAYER_RESHAPE,
  .infer = gather_infer,
  .run = gather_run,
};
