/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * concat.c — Concat and its inverse Split along one axis.  Both move
 * each part as a block of the whole tensor through the strided copy, so
 * a part becomes one memcpy per slice of the axes before it; a Concat
 * whose parts are runs of the whole tells the session where, so that
 * their producers can write them there and nothing is copied.  Split's
 * sizes come from the attribute, a constant input 1, or equal parts
 * (with a smaller last part, as opset 18 allows).
 */
#include "op-common.h"

#include <string.h>

/* ---- Concat ---- */

static gboolean
concat_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsAxisParams *params = node->params;
  const CsValue *first;
  CsShape out;
  int axis;

  if (!cs_op_check_arity (graph, node, 1, G_MAXINT, 1, error))
    return FALSE;
  first = cs_node_input (graph, node, 0);
  if (first->shape.rank == 0)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "cannot concatenate scalars");
  if (!cs_op_axis (graph, node, params != NULL ? params->axis : 0,
                   first->shape.rank, "axis", &axis, error))
    return FALSE;

  out = first->shape;
  out.dims[axis] = 0;
  for (int i = 0; i < node->n_inputs; i++)
    {
      const CsValue *part = cs_node_input (graph, node, i);
      gboolean fits;

      if (part == NULL)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "input %d is missing", i + 1);
      fits = part->dtype == first->dtype && part->shape.rank == out.rank;
      for (int d = 0; d < out.rank && fits; d++)
        fits = d == axis || part->shape.dims[d] == out.dims[d];
      if (!fits)
        {
          g_autofree char *a = cs_shape_to_string (&first->shape);
          g_autofree char *b = cs_shape_to_string (&part->shape);

          return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                                "cannot join '%s' (%s) and '%s' (%s) along "
                                "axis %d", first->name, a, part->name, b,
                                axis);
        }
      if (part->shape.dims[axis] > G_MAXINT64 - out.dims[axis])
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "the result would be too large");
      out.dims[axis] += part->shape.dims[axis];
    }
  return cs_op_set_output (graph, node, 0, first->dtype, &out, error);
}

/* An axis from params that infer already checked against @rank. */
static int
checked_axis (int64_t axis, int rank)
{
  return (int) (axis < 0 ? axis + rank : axis);
}

/* Elements a piece of a part holds, about: the threads share out pieces,
 * not parts, which are often one large and several small (DenseNet's
 * block input and its layers' 32 channels: its concatenations scaled
 * 1.11× on two threads). */
#define PIECE_ELEMENTS 16384

/* A run of a part's slices along the axis. */
typedef struct
{
  int     part;   /* its index among the parts */
  int64_t first;  /* its first slice within the part */
  int64_t count;
} Piece;

typedef struct
{
  const CsGraph *graph;
  CsExec        *exec;
  int            whole_index;
  const int     *part_indices;
  int            axis;
  gboolean       gather;
  const int64_t *offsets;    /* where each part starts along the axis */
  const Piece   *pieces;
} MoveTask;

/* Pieces [begin, end), each one strided copy. */
static void
move_range (void *user, int64_t begin, int64_t end, int thread)
{
  const MoveTask *task = user;
  const CsValue *whole = cs_graph_value (task->graph, task->whole_index);
  const size_t elem = cs_dtype_size (whole->dtype);
  int64_t whole_strides[CS_MAX_RANK], part_strides[CS_MAX_RANK];

  cs_op_strides (&whole->shape, whole_strides);
  for (int64_t i = begin; i < end; i++)
    {
      const Piece *piece = &task->pieces[i];
      const int part_index = task->part_indices[piece->part];
      const CsValue *part = cs_graph_value (task->graph, part_index);
      char *inside = (char *) task->exec->data[task->whole_index]
                     + (task->offsets[piece->part] + piece->first) * whole_strides[task->axis]
                           * (int64_t) elem;
      char *outside;
      int64_t dims[CS_MAX_RANK];

      cs_op_strides (&part->shape, part_strides);
      outside = (char *) task->exec->data[part_index]
                + piece->first * part_strides[task->axis] * (int64_t) elem;
      memcpy (dims, part->shape.dims, sizeof (int64_t) * (size_t) part->shape.rank);
      dims[task->axis] = piece->count;
      if (task->gather)
        cs_op_strided_copy (inside, whole_strides, outside, part_strides, dims, part->shape.rank,
                            elem);
      else
        cs_op_strided_copy (outside, part_strides, inside, whole_strides, dims, part->shape.rank,
                            elem);
    }
}

/* Copies between @whole and the consecutive @parts along @axis; into the
 * whole for Concat (@gather), out of it for Split.  The threads share
 * out pieces of the parts when there is enough to copy. */
static void
move_parts (const CsGraph *graph,
            CsExec        *exec,
            int            whole_index,
            const int     *part_indices,
            int            n_parts,
            int            axis,
            gboolean       gather)
{
  const CsValue *whole = cs_graph_value (graph, whole_index);
  g_autofree int64_t *offsets = g_new (int64_t, MAX (n_parts, 1));
  g_autofree int64_t *per_piece = g_new (int64_t, MAX (n_parts, 1));
  g_autofree Piece *pieces = NULL;
  MoveTask task = { graph, exec, whole_index, part_indices, axis, gather, offsets, NULL };
  int64_t offset = 0, n_pieces = 0, whole_strides[CS_MAX_RANK];

  cs_op_strides (&whole->shape, whole_strides);
  for (int i = 0; i < n_parts; i++)
    {
      const CsValue *part = cs_graph_value (graph, part_indices[i]);
      const int64_t slices = part->shape.dims[axis];
      const int64_t per_slice = slices > 0 ? cs_shape_numel (&part->shape) / slices : 0;
      /* A part its producer wrote in its place in the whole
       * (CsOpClass.input_place) is not copied onto itself. */
      const gboolean in_place =
          gather
          && (char *) exec->data[part_indices[i]]
          == (char *) exec->data[whole_index]
                 + offset * whole_strides[axis] * (int64_t) cs_dtype_size (whole->dtype);

      offsets[i] = offset;
      offset += slices;
      per_piece[i] = per_slice > 0 && !in_place ? CLAMP (PIECE_ELEMENTS / per_slice, 1, slices)
                                                : 0;
      if (per_piece[i] > 0)
        n_pieces += (slices + per_piece[i] - 1) / per_piece[i];
    }
  task.pieces = pieces = g_new (Piece, MAX (n_pieces, 1));
  n_pieces = 0;
  for (int i = 0; i < n_parts; i++)
    {
      const int64_t slices = cs_graph_value (graph, part_indices[i])->shape.dims[axis];

      for (int64_t first = 0; per_piece[i] > 0 && first < slices; first += per_piece[i])
        pieces[n_pieces++] = (Piece) { i, first, MIN (per_piece[i], slices - first) };
    }
  cs_parallel_for (cs_shape_numel (&whole->shape) >= 65536 ? exec->pool : NULL, n_pieces, 1,
                   move_range, &task);
}

/* Where part @k of @part_indices starts along @axis of the whole. */
static int64_t
part_offset (const CsGraph *graph, const int *part_indices, int k, int axis)
{
  int64_t offset = 0;

  for (int i = 0; i < k; i++)
    offset += cs_graph_value (graph, part_indices[i])->shape.dims[axis];
  return offset;
}

/* Input @i's first element in the output, where the axes before the
 * concatenated one are all 1 and so every input is a run of the output
 * (CsOpClass.input_place); −1 otherwise. */
static int64_t
concat_input_place (const CsGraph *graph, const CsNode *node, int i)
{
  const CsAxisParams *params = node->params;
  const CsValue *y = cs_node_output (graph, node, 0);
  const int axis = checked_axis (params != NULL ? params->axis : 0, y->shape.rank);
  int64_t outer = 1, slice = 1;

  for (int d = 0; d < y->shape.rank; d++)
    if (d < axis)
      outer *= y->shape.dims[d];
    else if (d > axis)
      slice *= y->shape.dims[d];
  return outer == 1 ? part_offset (graph, node->inputs, i, axis) * slice : -1;
}

static void
concat_run (const CsNode *node, CsExec *exec)
{
  const CsAxisParams *params = node->params;
  const CsValue *y = cs_node_output (exec->graph, node, 0);

  move_parts (exec->graph, exec, node->outputs[0], node->inputs,
              node->n_inputs,
              checked_axis (params != NULL ? params->axis : 0, y->shape.rank),
              TRUE);
}


/* A block of the output reads, of input @i, the rows of the block that
 * came from it, if any (the branch of an Inception module that made a
 * channel, say). */
static gboolean
concat_footprint (const CsGraph *graph, const CsNode *node, int j, const CsRegion *out,
                  int i, CsRegion *in)
{
  const CsAxisParams *params = node->params;
  const int axis = checked_axis (params != NULL ? params->axis : 0, 4);
  const int64_t offset = part_offset (graph, node->inputs, i, axis);
  const int64_t size = cs_node_input (graph, node, i)->shape.dims[axis];

  *in = *out;
  if (axis == 0)
    return TRUE;
  in->lo[axis - 1] = MAX (out->lo[axis - 1], offset) - offset;
  in->hi[axis - 1] = MIN (out->hi[axis - 1], offset + size - 1) - offset;
  return in->lo[axis - 1] <= in->hi[axis - 1];
}

/* ---- Split ---- */

static void
split_free (void *data)
{
  CsSplitParams *params = data;

  g_free (params->split);
  g_free (params);
}

static gboolean
split_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsSplitParams *params = node->params;
  const CsValue *x;
  const int n = node->n_outputs;
  g_autofree int64_t *sizes = NULL;
  int n_sizes = 0;
  int64_t total = 0;
  int axis;

  if (n < 1)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "there are no outputs");
  if (!cs_op_check_arity (graph, node, 1, 2, n, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  if (x->shape.rank == 0)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "cannot split a scalar");
  if (!cs_op_axis (graph, node, params != NULL ? params->axis : 0,
                   x->shape.rank, "axis", &axis, error))
    return FALSE;

  sizes = g_new (int64_t, n);
  if (cs_node_input (graph, node, 1) != NULL)
    {
      if (!cs_op_const_ints (graph, node, 1, "the split sizes", sizes, n,
                             &n_sizes, error))
        return FALSE;
    }
  else if (params != NULL && params->n_split > 0)
    {
      n_sizes = params->n_split;
      if (n_sizes <= n)
        memcpy (sizes, params->split, sizeof (int64_t) * (size_t) n_sizes);
    }
  else
    {
      const int64_t dim = x->shape.dims[axis];
      const int64_t part = dim / n + (dim % n != 0);

      for (int i = 0; i < n; i++)
        sizes[i] = CLAMP (dim - part * i, 0, part);
      n_sizes = n;
    }
  if (n_sizes != n)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "%d split sizes for %d outputs", n_sizes, n);

  for (int i = 0; i < n; i++)
    {
      CsShape out = x->shape;

      if (sizes[i] < 0 || sizes[i] > x->shape.dims[axis] - total)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "split sizes do not add up to the %"
                              G_GINT64_FORMAT " elements of axis %d",
                              x->shape.dims[axis], axis);
      total += sizes[i];
      out.dims[axis] = sizes[i];
      if (!cs_op_set_output (graph, node, i, x->dtype, &out, error))
        return FALSE;
    }
  if (total != x->shape.dims[axis])
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "split sizes add up to %" G_GINT64_FORMAT
                          ", not the %" G_GINT64_FORMAT " elements of axis %d",
                          total, x->shape.dims[axis], axis);
  return TRUE;
}

static void
split_run (const CsNode *node, CsExec *exec)
{
  const CsSplitParams *params = node->params;
  const CsValue *x = cs_node_input (exec->graph, node, 0);

  move_parts (exec->graph, exec, node->inputs[0], node->outputs,
              node->n_outputs,
              checked_axis (params != NULL ? params->axis : 0, x->shape.rank),
              FALSE);
}

static gboolean
split_footprint (const CsGraph *graph, const CsNode *node, int j, const CsRegion *out,
                 int i, CsRegion *in)
{
  const CsSplitParams *params = node->params;
  const int axis = checked_axis (params != NULL ? params->axis : 0, 4);
  const int64_t offset = part_offset (graph, node->outputs, j, axis);

  *in = *out;
  if (axis > 0)
    {
      in->lo[axis - 1] += offset;
      in->hi[axis - 1] += offset;
    }
  return i == 0;
}

const CsOpClass cs_op_concat = {
  .name = "Concat",
  .kind = CS_LAYER_RESHAPE,
  .infer = concat_infer,
  .run = concat_run,
  .input_place = concat_input_place,
  .footprint = concat_footprint,
  .backward = cs_op_backward_moves,
};

const CsOpClass cs_op_split = {
  .name = "Split",
  .kind = CS_LAYER_RESHAPE,
  .infer = split_infer,
  .run = split_run,
  .backward = cs_op_backward_moves,
  .free_params = split_free,
  .footprint = split_footprint,
};
