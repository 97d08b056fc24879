/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shape-op.c — Shape: the input's dimensions as a 1-D int64 tensor,
 * optionally only dims[start:end] (opset 15; out-of-range bounds are
 * clamped); and Size: its element count as an int64 scalar.  Shapes are
 * static here, so the fold pass runs both at load on any input and the
 * shape arithmetic after them folds too.
 */
#include "op-common.h"

/* The kept range [*first, *last) of an input of @rank. */
static void
shape_range (const CsNode *node, int rank, int *first, int *last)
{
  const CsShapeParams *params = node->params;
  int64_t start = params != NULL ? params->start : 0;
  int64_t end = params != NULL ? params->end : G_MAXINT64;

  if (start < 0)
    start += rank;
  if (end < 0)
    end += rank;
  *first = (int) CLAMP (start, 0, rank);
  *last = (int) CLAMP (end, *first, rank);
}

static gboolean
shape_infer (CsGraph *graph, CsNode *node, GError **error)
{
  CsShape out = { .rank = 1 };
  int first, last;

  if (!cs_op_check_arity (graph, node, 1, 1, 1, error))
    return FALSE;
  shape_range (node, cs_node_input (graph, node, 0)->shape.rank, &first, &last);
  out.dims[0] = last - first;
  return cs_op_set_output (graph, node, 0, CS_DTYPE_INT64, &out, error);
}

static void
shape_run (const CsNode *node, CsExec *exec)
{
  const CsShape *in = &cs_node_input (exec->graph, node, 0)->shape;
  int64_t *y = exec->data[node->outputs[0]];
  int first, last;

  shape_range (node, in->rank, &first, &last);
  for (int d = first; d < last; d++)
    y[d - first] = in->dims[d];
}

const CsOpClass cs_op_shape = {
  .name = "Shape",
  .kind = CS_LAYER_OTHER,
  .infer = shape_infer,
  .run = shape_run,
};

static gboolean
size_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsShape scalar = { 0 };

  if (!cs_op_check_arity (graph, node, 1, 1, 1, error))
    return FALSE;
  return cs_op_set_output (graph, node, 0, CS_DTYPE_INT64, &scalar, error);
}

static void
size_run (const CsNode *node, CsExec *exec)
{
  int64_t *y = exec->data[node->outputs[0]];

  *y = cs_shape_numel (&cs_node_input (exec->graph, node, 0)->shape);
}

const CsOpClass cs_op_size = {
  .name = "Size",
  .kind = CS_LAYER_OTHER,
  .infer = size_infer,
  .run = size_run,
};
