/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * transpose.c — Transpose: output axis i is input axis perm[i] (reversed
 * axes when perm is absent).  The copy reads the input through permuted
 * strides; axes that stay neighbours merge, so the channel shuffle of
 * ShuffleNet moves whole H×W planes at a time.
 */
#include "op-common.h"

#include <string.h>

/* The permutation for an input of @rank; FALSE if the params give one
 * of another length or with an axis missing or repeated. */
static gboolean
transpose_perm (const CsNode *node, int rank, int *perm)
{
  const CsTransposeParams *params = node->params;
  guint seen = 0;

  if (params == NULL || params->n_perm == 0)
    {
      for (int d = 0; d < rank; d++)
        perm[d] = rank - 1 - d;
      return TRUE;
    }
  if (params->n_perm != rank)
    return FALSE;
  for (int d = 0; d < rank; d++)
    {
      int axis = params->perm[d];

      if (axis < 0 || axis >= rank || (seen & (1u << axis)))
        return FALSE;
      seen |= 1u << axis;
      perm[d] = axis;
    }
  return TRUE;
}

static gboolean
transpose_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsValue *x;
  int perm[CS_MAX_RANK];
  CsShape out;

  if (!cs_op_check_arity (graph, node, 1, 1, 1, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  if (!transpose_perm (node, x->shape.rank, perm))
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "perm is not a permutation of the input's %d axes",
                          x->shape.rank);
  out.rank = x->shape.rank;
  for (int d = 0; d < out.rank; d++)
    out.dims[d] = x->shape.dims[perm[d]];
  return cs_op_set_output (graph, node, 0, x->dtype, &out, error);
}

typedef struct
{
  char          *y;
  const char    *x;
  int64_t        dst_strides[CS_MAX_RANK];
  int64_t        src_strides[CS_MAX_RANK];
  int64_t        dims[CS_MAX_RANK];
  int            rank;
  int            split;   /* the output axis the threads divide; −1: none */
  size_t         elem_size;
} TransposeTask;

/* Output indices [begin, end) along the split axis. */
static void
transpose_range (void *user, int64_t begin, int64_t end, int thread)
{
  const TransposeTask *task = user;
  const int split = task->split;
  int64_t dims[CS_MAX_RANK];

  if (split < 0)
    {
      cs_op_strided_copy (task->y, task->dst_strides, task->x, task->src_strides, task->dims,
                          task->rank, task->elem_size);
      return;
    }
  memcpy (dims, task->dims, sizeof dims);
  dims[split] = end - begin;
  cs_op_strided_copy (task->y + begin * task->dst_strides[split] * (int64_t) task->elem_size,
                      task->dst_strides,
                      task->x + begin * task->src_strides[split] * (int64_t) task->elem_size,
                      task->src_strides, dims, task->rank, task->elem_size);
}

/* The threads divide the longest of the output's outer axes (all but the
 * last, along which the copy runs). */
static void
transpose_run (const CsNode *node, CsExec *exec)
{
  const CsValue *x = cs_node_input (exec->graph, node, 0);
  const CsValue *y = cs_node_output (exec->graph, node, 0);
  int64_t in_strides[CS_MAX_RANK];
  int perm[CS_MAX_RANK];
  TransposeTask task = {
    .y = exec->data[node->outputs[0]],
    .x = exec->data[node->inputs[0]],
    .rank = y->shape.rank,
    .split = y->shape.rank > 1 ? 0 : -1,
    .elem_size = cs_dtype_size (y->dtype),
  };
  int64_t n, inner;

  transpose_perm (node, x->shape.rank, perm);
  cs_op_strides (&x->shape, in_strides);
  cs_op_strides (&y->shape, task.dst_strides);
  memcpy (task.dims, y->shape.dims, sizeof (int64_t) * y->shape.rank);
  for (int d = 0; d < y->shape.rank; d++)
    task.src_strides[d] = in_strides[perm[d]];
  for (int d = 1; d + 1 < y->shape.rank; d++)
    if (y->shape.dims[d] > y->shape.dims[task.split])
      task.split = d;
  n = task.split >= 0 ? y->shape.dims[task.split] : 1;
  inner = n > 0 ? cs_shape_numel (&y->shape) / n : 0;
  cs_parallel_for (exec->pool, n, MAX (1, 65536 / MAX (inner, 1)), transpose_range, &task);
}

const CsOpClass cs_op_transpose = {
  .name = "Transpose",
  .kind = CS_LAYER_RESHAPE,
  .infer = transpose_infer,
  .run = transpose_run,
  .backward = cs_op_backward_moves,
};
