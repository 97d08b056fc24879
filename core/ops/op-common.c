/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * op-common.c — the validation helpers and the strided element copy that
 * the reference ops share (see op-common.h).
 */
#include "op-common.h"

#include <string.h>

gboolean
cs_op_check_arity (const CsGraph *graph,
                   const CsNode  *node,
                   int            min_inputs,
                   int            max_inputs,
                   int            n_outputs,
                   GError       **error)
{
  if (node->n_inputs < min_inputs || node->n_inputs > max_inputs)
    {
      if (min_inputs == max_inputs)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "expected %d inputs, got %d",
                              min_inputs, node->n_inputs);
      if (max_inputs == G_MAXINT)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "expected at least %d inputs, got %d",
                              min_inputs, node->n_inputs);
      return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                            "expected %d to %d inputs, got %d",
                            min_inputs, max_inputs, node->n_inputs);
    }
  for (int i = 0; i < min_inputs; i++)
    if (node->inputs[i] < 0)
      return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                            "required input %d is missing", i + 1);
  if (node->n_outputs != n_outputs)
    return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                          "expected %d output%s, got %d", n_outputs,
                          n_outputs == 1 ? "" : "s", node->n_outputs);
  return TRUE;
}

gboolean
cs_op_check_float (const CsGraph *graph,
                   const CsNode  *node,
                   int            i,
                   int            min_rank,
                   int            max_rank,
                   GError       **error)
{
  const CsValue *value = cs_node_input (graph, node, i);

  if (value == NULL)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "input %d is missing", i + 1);
  if (value->dtype != CS_DTYPE_FLOAT32)
    return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                          "input '%s' must be float32", value->name);
  if (value->shape.rank < min_rank || value->shape.rank > max_rank)
    {
      g_autofree char *shape = cs_shape_to_string (&value->shape);

      if (min_rank == max_rank)
        return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                              "input '%s' has shape %s, expected rank %d",
                              value->name, shape, min_rank);
      return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                            "input '%s' has shape %s, expected rank %d to %d",
                            value->name, shape, min_rank, max_rank);
    }
  return TRUE;
}

gboolean
cs_op_axis (const CsGraph *graph,
            const CsNode  *node,
            int64_t        axis,
            int            rank,
            const char    *what,
            int           *out,
            GError       **error)
{
  if (axis < -rank || axis >= rank)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "%s %" G_GINT64_FORMAT " is outside [%d, %d)",
                          what, axis, -rank, rank);
  *out = (int) (axis < 0 ? axis + rank : axis);
  return TRUE;
}

gboolean
cs_op_axes_mask (const CsGraph *graph,
                 const CsNode  *node,
                 int64_t       *axes,
                 int            n,
                 int            rank,
                 guint         *mask,
                 GError       **error)
{
  *mask = 0;
  for (int i = 0; i < n; i++)
    {
      int axis;

      if (!cs_op_axis (graph, node, axes[i], rank, "axis", &axis, error))
        return FALSE;
      if (*mask & (1u << axis))
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "axis %d is given twice", axis);
      *mask |= 1u << axis;
      axes[i] = axis;
    }
  return TRUE;
}

/* The constant behind input @i, or an error saying it must be one. */
static const CsValue *
const_input (const CsGraph *graph,
             const CsNode  *node,
             int            i,
             const char    *what,
             GError       **error)
{
  const CsValue *value = cs_node_input (graph, node, i);

  if (value == NULL)
    {
      cs_node_error (error, CS_ERROR_INVALID, graph, node,
                     "%s (input %d) is missing", what, i + 1);
      return NULL;
    }
  if (value->constant == NULL)
    {
      cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                     "%s must be known at load time", what);
      return NULL;
    }
  return value;
}

gboolean
cs_op_const_ints (const CsGraph *graph,
                  const CsNode  *node,
                  int            i,
                  const char    *what,
                  int64_t       *values,
                  int            capacity,
                  int           *n,
                  GError       **error)
{
  const CsValue *value = const_input (graph, node, i, what, error);
  int64_t count;

  if (value == NULL)
    return FALSE;
  if (value->dtype != CS_DTYPE_INT64 || value->shape.rank > 1)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "%s must be a 1-D int64 tensor", what);
  count = cs_shape_numel (&value->shape);
  if (count > capacity)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "%s has %" G_GINT64_FORMAT " values, at most %d "
                          "make sense here", what, count, capacity);
  memcpy (values, value->constant, (size_t) count * sizeof (int64_t));
  *n = (int) count;
  return TRUE;
}

gboolean
cs_op_const_scalar (const CsGraph *graph,
                    const CsNode  *node,
                    int            i,
                    const char    *what,
                    double        *value,
                    GError       **error)
{
  const CsValue *input = const_input (graph, node, i, what, error);

  if (input == NULL)
    return FALSE;
  if (cs_shape_numel (&input->shape) != 1)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "%s must be a single value", what);
  if (input->dtype == CS_DTYPE_INT64)
    *value = (double) *(const int64_t *) input->constant;
  else
    *value = *(const float *) input->constant;
  return TRUE;
}

gboolean
cs_op_check_filter (const CsGraph *graph,
                    const CsNode  *node,
                    CsWindow      *window,
                    int64_t        n_out,
                    GError       **error)
{
  const CsValue *w = cs_node_input (graph, node, 1);
  const CsValue *b = cs_node_input (graph, node, 2);

  if (w->constant == NULL)
    return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                          "the weights '%s' must be known at load time", w->name);
  if (b != NULL && (b->dtype != CS_DTYPE_FLOAT32 || b->constant == NULL
                    || b->shape.rank != 1 || b->shape.dims[0] != n_out))
    return cs_node_error (error, b->constant == NULL ? CS_ERROR_UNSUPPORTED : CS_ERROR_INVALID,
                          graph, node, "the bias '%s' must be a constant float32 vector"
                          " of %" G_GINT64_FORMAT " values", b->name, n_out);
  for (int axis = 0; axis < 2; axis++)
    {
      int64_t size = w->shape.dims[2 + axis];

      if (window->kernel[axis] == 0 && size <= 65536)
        window->kernel[axis] = (int) size;
      if (window->kernel[axis] != size)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "kernel_shape %d×%d does not match the weights' %"
                              G_GINT64_FORMAT "×%" G_GINT64_FORMAT,
                              window->kernel[0], window->kernel[1],
                              w->shape.dims[2], w->shape.dims[3]);
    }
  return TRUE;
}

gboolean
cs_op_set_output (CsGraph       *graph,
                  CsNode        *node,
                  int            i,
                  CsDType        dtype,
                  const CsShape *shape,
                  GError       **error)
{
  CsValue *value = cs_node_output (graph, node, i);

  for (int d = 0; d < shape->rank; d++)
    if (shape->dims[d] < 0)
      return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                            "output '%s' would have negative dimension "
                            "%" G_GINT64_FORMAT, value->name, shape->dims[d]);
  if (!cs_shape_fits (shape, dtype, NULL))
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "output '%s' would be too large", value->name);
  value->dtype = dtype;
  value->shape = *shape;
  return TRUE;
}

/* Dimension @d of @shape aligned to the right within @rank dimensions. */
static inline int64_t
aligned_dim (const CsShape *shape, int rank, int d)
{
  int k = d - (rank - shape->rank);

  return k >= 0 ? shape->dims[k] : 1;
}

gboolean
cs_op_broadcast_shapes (const CsGraph *graph,
                        const CsNode  *node,
                        const CsShape *a,
                        const CsShape *b,
                        CsShape       *out,
                        GError       **error)
{
  CsShape result = { .rank = MAX (a->rank, b->rank) };

  for (int d = 0; d < result.rank; d++)
    {
      int64_t da = aligned_dim (a, result.rank, d);
      int64_t db = aligned_dim (b, result.rank, d);

      if (da != db && da != 1 && db != 1)
        {
          g_autofree char *sa = cs_shape_to_string (a);
          g_autofree char *sb = cs_shape_to_string (b);

          return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                                "cannot broadcast shapes %s and %s", sa, sb);
        }
      result.dims[d] = da == 1 ? db : da;
    }
  *out = result;
  return TRUE;
}

void
cs_op_broadcast_strides (const CsShape *shape, const CsShape *out, int64_t *strides)
{
  int64_t next = 1;

  for (int d = out->rank - 1; d >= 0; d--)
    {
      int64_t size = aligned_dim (shape, out->rank, d);

      strides[d] = size == 1 ? 0 : next;
      next *= size;
    }
}

void
cs_op_strides (const CsShape *shape, int64_t *strides)
{
  int64_t stride = 1;

  for (int d = shape->rank - 1; d >= 0; d--)
    {
      strides[d] = stride;
      stride *= shape->dims[d];
    }
}

/* @count elements of @size bytes, @dst_step and @src_step elements apart;
 * with @size a constant the memcpy becomes one load and one store. */
static inline __attribute__ ((always_inline)) void
copy_elements (char *dst, int64_t dst_step, const char *src, int64_t src_step, int64_t count,
               size_t size)
{
  for (int64_t i = 0; i < count; i++)
    memcpy (dst + i * dst_step * (int64_t) size, src + i * src_step * (int64_t) size, size);
}

static void
copy_run (char *dst, int64_t dst_step, const char *src, int64_t src_step, int64_t count,
          size_t size)
{
  if (dst_step == 1 && src_step == 1)
    memcpy (dst, src, (size_t) count * size);
  else if (size == 4)
    copy_elements (dst, dst_step, src, src_step, count, 4);
  else if (size == 8)
    copy_elements (dst, dst_step, src, src_step, count, 8);
  else
    copy_elements (dst, dst_step, src, src_step, count, size);
}

/* dst[r·dst_row + c] = src[r·src_row + c·src_column] for r < rows and
 * c < columns, in square tiles: a transpose (src_row 1) read a column at
 * a time would pull a cache line of the source for every element.  A
 * transpose of floats is the kernels'. */
static void
copy_plane (char *dst, int64_t dst_row, const char *src, int64_t src_row, int64_t src_column,
            int64_t rows, int64_t columns, size_t size)
{
  enum { TILE = 16 };

  if (size == sizeof (float) && src_row == 1)
    {
      cs_kernels_get ()->transpose ((const float *) src, src_column, (float *) dst, dst_row, rows,
                                    columns);
      return;
    }
  for (int64_t r0 = 0; r0 < rows; r0 += TILE)
    for (int64_t c0 = 0; c0 < columns; c0 += TILE)
      for (int64_t r = r0; r < MIN (r0 + TILE, rows); r++)
        copy_run (dst + (r * dst_row + c0) * (int64_t) size, 1,
                  src + (r * src_row + c0 * src_column) * (int64_t) size, src_column,
                  MIN (TILE, columns - c0), size);
}

void
cs_op_strided_copy (void          *dst,
                    const int64_t *dst_strides,
                    const void    *src,
                    const int64_t *src_strides,
                    const int64_t *dims,
                    int            rank,
                    size_t         elem_size)
{
  int64_t n[CS_MAX_RANK], ds[CS_MAX_RANK], ss[CS_MAX_RANK], index[CS_MAX_RANK];
  int r = 0;

  /* Drop unit dimensions and merge neighbours that are contiguous in
   * both layouts, so that the inner loop runs as long as possible. */
  for (int d = 0; d < rank; d++)
    {
      if (dims[d] == 0)
        return;
      if (dims[d] == 1)
        continue;
      if (r > 0 && ds[r - 1] == dst_strides[d] * dims[d]
          && ss[r - 1] == src_strides[d] * dims[d])
        {
          n[r - 1] *= dims[d];
          ds[r - 1] = dst_strides[d];
          ss[r - 1] = src_strides[d];
          continue;
        }
      n[r] = dims[d];
      ds[r] = dst_strides[d];
      ss[r] = src_strides[d];
      r++;
    }
  if (r == 0)
    {
      memcpy (dst, src, elem_size);
      return;
    }

  /* When the destination's inner run reads the source with a stride and
   * another dimension is the source's contiguous one, that dimension
   * moves next to the inner one (the order of the outer loops does not
   * matter) and the two are copied as planes. */
  int inner = r - 1;
  gboolean planes = FALSE;

  if (ds[inner] == 1 && ss[inner] != 1)
    for (int d = 0; d < inner && !planes; d++)
      if (ss[d] == 1)
        {
          int64_t swap;

          swap = n[d], n[d] = n[inner - 1], n[inner - 1] = swap;
          swap = ds[d], ds[d] = ds[inner - 1], ds[inner - 1] = swap;
          swap = ss[d], ss[d] = ss[inner - 1], ss[inner - 1] = swap;
          planes = TRUE;
        }

  const int outer = planes ? inner - 1 : inner;
  char *d_row = dst;
  const char *s_row = src;

  memset (index, 0, sizeof index);
  for (;;)
    {
      if (planes)
        copy_plane (d_row, ds[outer], s_row, ss[outer], ss[inner], n[outer], n[inner],
                    elem_size);
      else
        copy_run (d_row, ds[inner], s_row, ss[inner], n[inner], elem_size);

      /* Advance the outer index like an odometer. */
      int d = outer - 1;
      for (; d >= 0; d--)
        {
          d_row += ds[d] * (int64_t) elem_size;
          s_row += ss[d] * (int64_t) elem_size;
          if (++index[d] < n[d])
            break;
          d_row -= ds[d] * n[d] * (int64_t) elem_size;
          s_row -= ss[d] * n[d] * (int64_t) elem_size;
          index[d] = 0;
        }
      if (d < 0)
        return;
    }
}

void
cs_op_copy_input (const CsNode *node, CsExec *exec)
{
  const CsValue *out = cs_graph_value (exec->graph, node->outputs[0]);
  const void *src = exec->data[node->inputs[0]];
  void *dst = exec->data[node->outputs[0]];

  if (src != dst)
    memcpy (dst, src, (size_t) cs_shape_numel (&out->shape)
                      * cs_dtype_size (out->dtype));
}

gboolean
cs_op_footprint_same (const CsGraph  *graph,
                      const CsNode   *node,
                      int             j,
                      const CsRegion *out,
                      int             i,
                      CsRegion       *in)
{
  *in = *out;
  return i == 0;
}

gboolean
cs_op_backward_pass_through (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsValue *y = cs_node_output (exec->exec.graph, node, 0);
  const float *dy = cs_grad_out (exec, node, 0);
  float *dx = cs_grad_in (exec, node, 0);

  if (dx != NULL)
    for (int64_t i = 0; i < cs_shape_numel (&y->shape); i++)
      dx[i] += dy[i];
  return TRUE;
}

/* Positions count from 1 so that 0, the bits of a float 0, means none. */
gboolean
cs_op_backward_moves (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsGraph *graph = exec->exec.graph;
  void **data = g_memdup2 (exec->exec.data, sizeof (void *) * graph->values->len);
  CsExec positions = { graph, data, NULL, exec->exec.scratch };
  int64_t *first = g_new0 (int64_t, node->n_inputs + 1);
  gboolean ok = TRUE;

  first[0] = 1;
  for (int i = 0; i < node->n_inputs; i++)
    {
      const CsValue *x = cs_node_input (graph, node, i);
      int64_t n = x != NULL && x->dtype == CS_DTYPE_FLOAT32 ? cs_shape_numel (&x->shape) : 0;

      /* A value read twice keeps the positions of its first reading. */
      for (int k = 0; k < i; k++)
        n = node->inputs[k] == node->inputs[i] ? 0 : n;

      first[i + 1] = first[i] + n;
      if (n > 0)
        {
          gint32 *codes = g_new (gint32, n);

          for (int64_t k = 0; k < n && first[i + 1] <= G_MAXINT32; k++)
            codes[k] = (gint32) (first[i] + k);
          data[node->inputs[i]] = codes;
        }
    }
  if (first[node->n_inputs] > G_MAXINT32)
    ok = cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                        "moves too many elements to differentiate");
  for (int o = 0; o < node->n_outputs && ok; o++)
    data[node->outputs[o]] = g_new0 (gint32, MAX (1, cs_shape_numel (&cs_node_output (graph, node, o)->shape)));
  if (ok)
    node->klass->run (node, &positions);
  for (int o = 0; o < node->n_outputs && ok; o++)
    {
      const gint32 *codes = data[node->outputs[o]];
      const float *dy = cs_grad_out (exec, node, o);

      for (int64_t k = 0; k < cs_shape_numel (&cs_node_output (graph, node, o)->shape); k++)
        for (int i = 0; i < node->n_inputs; i++)
          if (codes[k] >= first[i] && codes[k] < first[i + 1])
            {
              float *dx = cs_grad_in (exec, node, i);

              if (dx != NULL)
                dx[codes[k] - first[i]] += dy[k];
              break;
            }
    }
  for (int o = 0; o < node->n_outputs && ok; o++)
    g_free (data[node->outputs[o]]);
  for (int i = 0; i < node->n_inputs; i++)
    if (first[i + 1] > first[i])
      g_free (data[node->inputs[i]]);
  g_free (first);
  g_free (data);
  return ok;
}
