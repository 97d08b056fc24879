/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * reduce.c — the reductions: ReduceMean, ReduceSum, ReduceMax and
 * ReduceL2 over any set of axes (attribute, or constant input 1 from
 * opset 13 or 18), with keepdims and noop_with_empty_axes, and ArgMax and
 * ArgMin along one axis.  When the reduced axes are adjacent, the tensor
 * is viewed as outer × reduced × inner, and a reduction over H and W
 * (inner = 1) is a loop over rows shared among threads; other axis sets
 * accumulate element by element.
 */
#include "op-common.h"

#include <math.h>
#include <string.h>

typedef enum
{
  REDUCE_MEAN,
  REDUCE_SUM,
  REDUCE_MAX,
  REDUCE_L2
} Reducer;

static Reducer
reducer_of (const CsOpClass *klass)
{
  if (klass == &cs_op_reduce_sum)
    return REDUCE_SUM;
  if (klass == &cs_op_reduce_max)
    return REDUCE_MAX;
  if (klass == &cs_op_reduce_l2)
    return REDUCE_L2;
  return REDUCE_MEAN;
}

static inline double
reduce_start (Reducer reducer)
{
  return reducer == REDUCE_MAX ? -INFINITY : 0.0;
}

/* A NaN wins a maximum, as in NumPy. */
static inline double
reduce_step (Reducer reducer, double acc, float x)
{
  switch (reducer)
    {
    case REDUCE_MAX:
      return x > acc || isnan (x) ? x : acc;
    case REDUCE_L2:
      return acc + (double) x * x;
    default:
      return acc + x;
    }
}

static inline float
reduce_finish (Reducer reducer, double acc, int64_t count)
{
  switch (reducer)
    {
    case REDUCE_MEAN:
      return count > 0 ? (float) (acc / (double) count) : NAN;
    case REDUCE_L2:
      return (float) sqrt (acc);
    default:
      return (float) acc;
    }
}

/* Which axes of input 0 the node reduces, as a bit mask; 0 when it is an
 * identity (empty axes with noop_with_empty_axes). */
static gboolean
reduce_axes (const CsGraph *graph, const CsNode *node, guint *mask,
             GError **error)
{
  const CsReduceParams *params = node->params;
  const int rank = cs_node_input (graph, node, 0)->shape.rank;
  int64_t axes[CS_MAX_RANK];
  int n = params->n_axes;

  if (cs_node_input (graph, node, 1) != NULL)
    {
      if (!cs_op_const_ints (graph, node, 1, "the axes", axes, CS_MAX_RANK,
                             &n, error))
        return FALSE;
    }
  else
    {
      if (n < 0 || n > CS_MAX_RANK)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "%d axes make no sense", n);
      memcpy (axes, params->axes, sizeof (int64_t) * (size_t) n);
    }
  if (n == 0)
    {
      *mask = params->noop_with_empty_axes ? 0 : (1u << rank) - 1;
      return TRUE;
    }
  return cs_op_axes_mask (graph, node, axes, n, rank, mask, error);
}

static gboolean
reduce_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsReduceParams *params = node->params;
  const CsValue *x;
  CsShape out = { 0 };
  guint mask;

  if (params == NULL)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "the reduction is not set");
  if (!cs_op_check_arity (graph, node, 1, 2, 1, error)
      || !cs_op_check_float (graph, node, 0, 0, CS_MAX_RANK, error)
      || !reduce_axes (graph, node, &mask, error))
    return FALSE;

  x = cs_node_input (graph, node, 0);
  for (int d = 0; d < x->shape.rank; d++)
    if (!(mask & (1u << d)))
      out.dims[out.rank++] = x->shape.dims[d];
    else if (params->keepdims)
      out.dims[out.rank++] = 1;
  return cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32, &out, error);
}

typedef struct
{
  Reducer      reducer;
  const float *x;
  float       *y;
  int64_t      length;
} RowTask;

/* Rows [begin, end) of a reduction over each row's @length floats.  The
 * sums go through cs_sum_double's eight partial sums: one sum alone waits
 * on each addition (MNASNet's mean over 1280 maps of 7×7 took 37 µs). */
static void
row_range (void *user, int64_t begin, int64_t end, int thread)
{
  const RowTask *task = user;

  (void) thread;
  for (int64_t o = begin; o < end; o++)
    {
      const float *row = task->x + o * task->length;
      double acc;

      if (task->reducer == REDUCE_MEAN || task->reducer == REDUCE_SUM)
        acc = cs_sum_double (row, task->length, 0.0, FALSE);
      else if (task->reducer == REDUCE_L2)
        acc = cs_sum_double (row, task->length, 0.0, TRUE);
      else
        {
          acc = reduce_start (task->reducer);
          for (int64_t i = 0; i < task->length; i++)
            acc = reduce_step (task->reducer, acc, row[i]);
        }
      task->y[o] = reduce_finish (task->reducer, acc, task->length);
    }
}

static void
reduce_run (const CsNode *node, CsExec *exec)
{
  const CsShape *in = &cs_node_input (exec->graph, node, 0)->shape;
  const float *x = cs_exec_in (exec, node, 0);
  float *y = cs_exec_out (exec, node, 0);
  const Reducer reducer = reducer_of (node->klass);
  const int64_t n_in = cs_shape_numel (in);
  const int64_t n_out = cs_shape_numel (&cs_node_output (exec->graph, node, 0)->shape);
  int64_t outer = 1, reduced = 1, inner = 1;
  int first = -1, last = -1;
  guint mask;

  reduce_axes (exec->graph, node, &mask, NULL);
  if (mask == 0)
    {
      cs_op_copy_input (node, exec);
      return;
    }

  for (int d = 0; d < in->rank; d++)
    if (mask & (1u << d))
      {
        if (first < 0)
          first = d;
        last = d;
        reduced *= in->dims[d];
      }
    else if (first < 0)
      outer *= in->dims[d];
    else
      inner *= in->dims[d];

  if (mask == ((2u << last) - (1u << first)) && inner == 1)
    {
      RowTask task = { reducer, x, y, reduced };

      cs_parallel_for (exec->pool, outer, MAX (1, 16384 / MAX (reduced, 1)), row_range, &task);
    }
  else if (mask == ((2u << last) - (1u << first)))
    {
      for (int64_t o = 0; o < outer; o++)
        {
          float *acc = y + o * inner;

          for (int64_t i = 0; i < inner; i++)
            acc[i] = (float) reduce_start (reducer);
          for (int64_t r = 0; r < reduced; r++)
            {
              const float *row = x + (o * reduced + r) * inner;

              for (int64_t i = 0; i < inner; i++)
                acc[i] = (float) reduce_step (reducer, acc[i], row[i]);
            }
          for (int64_t i = 0; i < inner; i++)
            acc[i] = reduce_finish (reducer, acc[i], reduced);
        }
    }
  else
    {
      /* Scattered axes: walk the input in order, keeping the output
       * offset in step (reduced axes do not move it). */
      int64_t out_strides[CS_MAX_RANK], index[CS_MAX_RANK] = { 0 };
      int64_t stride = 1, offset = 0;

      for (int d = in->rank - 1; d >= 0; d--)
        {
          out_strides[d] = (mask & (1u << d)) ? 0 : stride;
          if (!(mask & (1u << d)))
            stride *= in->dims[d];
        }
      for (int64_t i = 0; i < n_out; i++)
        y[i] = (float) reduce_start (reducer);
      for (int64_t i = 0; i < n_in; i++)
        {
          y[offset] = (float) reduce_step (reducer, y[offset], x[i]);
          for (int d = in->rank - 1; d >= 0; d--)
            {
              offset += out_strides[d];
              if (++index[d] < in->dims[d])
                break;
              offset -= out_strides[d] * in->dims[d];
              index[d] = 0;
            }
        }
      for (int64_t i = 0; i < n_out; i++)
        y[i] = reduce_finish (reducer, y[i], reduced);
    }
}

/* Walks input 0 in order, calling @visit with each element's index and
 * the index of the output it reduces into. */
static void
for_each_reduced (const CsShape *in,
                  guint          mask,
                  void (*visit) (void *, int64_t, int64_t),
                  void *user)
{
  int64_t out_strides[CS_MAX_RANK], index[CS_MAX_RANK] = { 0 };
  int64_t stride = 1, offset = 0;

  for (int d = in->rank - 1; d >= 0; d--)
    {
      out_strides[d] = (mask & (1u << d)) ? 0 : stride;
      if (!(mask & (1u << d)))
        stride *= in->dims[d];
    }
  for (int64_t i = 0; i < cs_shape_numel (in); i++)
    {
      visit (user, i, offset);
      for (int d = in->rank - 1; d >= 0; d--)
        {
          offset += out_strides[d];
          if (++index[d] < in->dims[d])
            break;
          offset -= out_strides[d] * in->dims[d];
          index[d] = 0;
        }
    }
}

typedef struct
{
  Reducer      reducer;
  const float *x, *y, *dy;
  float       *dx;
  float        scale; /* the mean's 1 / count */
  int64_t     *ties;  /* the maximum: how many elements reach it */
} ReduceGrad;

static void
count_ties (void *user, int64_t i, int64_t o)
{
  ReduceGrad *g = user;

  g->ties[o] += g->x[i] == g->y[o];
}

/* Mean and sum spread the gradient evenly; the maximum gives it to the
 * elements that reach it, shared among ties as PyTorch's amax does; the
 * L2 norm ‖x‖ gives x / ‖x‖ (nothing where the norm is 0). */
static void
add_gradient (void *user, int64_t i, int64_t o)
{
  ReduceGrad *g = user;

  switch (g->reducer)
    {
    case REDUCE_MEAN:
    case REDUCE_SUM:
      g->dx[i] += g->dy[o] * g->scale;
      break;
    case REDUCE_MAX:
      if (g->x[i] == g->y[o])
        g->dx[i] += g->dy[o] / (float) g->ties[o];
      break;
    case REDUCE_L2:
      if (g->y[o] > 0.0f)
        g->dx[i] += g->dy[o] * g->x[i] / g->y[o];
      break;
    }
}

static gboolean
reduce_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsGraph      *graph = exec->exec.graph;
  const CsShape      *in = &cs_node_input (graph, node, 0)->shape;
  g_autofree int64_t *ties = NULL;
  ReduceGrad          grad = {
             .reducer = reducer_of (node->klass),
             .x = cs_exec_in (&exec->exec, node, 0),
             .y = cs_exec_out (&exec->exec, node, 0),
             .dy = cs_grad_out (exec, node, 0),
             .dx = cs_grad_in (exec, node, 0),
             .scale = 1.0f,
  };
  guint mask;

  if (grad.dx == NULL)
    return TRUE;
  if (!reduce_axes (graph, node, &mask, error))
    return FALSE;
  if (grad.reducer == REDUCE_MEAN)
    {
      int64_t reduced = 1;

      for (int d = 0; d < in->rank; d++)
        if (mask & (1u << d))
          reduced *= in->dims[d];
      grad.scale = 1.0f / (float) reduced;
    }
  if (grad.reducer == REDUCE_MAX)
    {
      grad.ties = ties =
          g_new0 (int64_t, MAX (1, cs_shape_numel (&cs_node_output (graph, node, 0)->shape)));
      for_each_reduced (in, mask, count_ties, &grad);
    }
  for_each_reduced (in, mask, add_gradient, &grad);
  return TRUE;
}

static void
reduce_describe (const CsGraph *graph, const CsNode *node, CsLayerInfo *info)
{
  info->macs = cs_shape_numel (&cs_node_input (graph, node, 0)->shape);
}

#define REDUCE_CLASS(var, op_name, reads)                                                          \
  const CsOpClass var = {                                                                          \
    .name = op_name,                                                                               \
    .kind = CS_LAYER_POOL,                                                                         \
    .infer = reduce_infer,                                                                         \
    .run = reduce_run,                                                                             \
    .backward = reduce_backward,                                                                   \
    .backward_reads = reads,                                                                       \
    .describe = reduce_describe,                                                                   \
  }

REDUCE_CLASS (cs_op_reduce_mean, "ReduceMean", CS_GRAD_READS_NOTHING);
REDUCE_CLASS (cs_op_reduce_sum, "ReduceSum", CS_GRAD_READS_NOTHING);
REDUCE_CLASS (cs_op_reduce_max, "ReduceMax", CS_GRAD_READS_INPUTS | CS_GRAD_READS_OUTPUTS);
REDUCE_CLASS (cs_op_reduce_l2, "ReduceL2", CS_GRAD_READS_INPUTS | CS_GRAD_READS_OUTPUTS);

/* ---- ArgMax, ArgMin ---- */

static gboolean
arg_infer (CsGraph *graph, CsNode *node, GError **error)
{
  CsArgParams *params = node->params;
  const CsValue *x;
  CsShape out = { 0 };
  int axis;

  if (params == NULL)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node, "the axis is not set");
  if (!cs_op_check_arity (graph, node, 1, 1, 1, error)
      || !cs_op_check_float (graph, node, 0, 1, CS_MAX_RANK, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  if (!cs_op_axis (graph, node, params->axis, x->shape.rank, "axis", &axis, error))
    return FALSE;
  params->axis = axis;
  if (x->shape.dims[axis] == 0)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "axis %d is empty: there is no extreme to find", axis);
  if (x->shape.dims[axis] > INT32_MAX)
    return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                          "axis %d is longer than 2³¹ − 1", axis);
  for (int d = 0; d < x->shape.rank; d++)
    if (d != axis)
      out.dims[out.rank++] = x->shape.dims[d];
    else if (params->keepdims)
      out.dims[out.rank++] = 1;
  return cs_op_set_output (graph, node, 0, CS_DTYPE_INT64, &out, error);
}

/* Positions of the output per run of ArgMax: their best values and
 * indices stay in L1 while each line of the axis streams past. */
#define ARG_RUN 256

typedef struct
{
  const float *x;
  int64_t     *y;
  int64_t      length, inner;
  float        sign;          /* −1 for ArgMin: the maximum of −x */
  gboolean     select_last;
} ArgTask;

/* Line @k of the axis against the best so far: taken where it is
 * greater (or equal, with @or_equal) or NaN, unless the best is a NaN.
 * Branch-free, so that it vectorizes. */
static inline void
arg_line (float *restrict best, int32_t *restrict index, const float *restrict row, int64_t n,
          float sign, int32_t k, gboolean or_equal)
{
  for (int64_t j = 0; j < n; j++)
    {
      const float v = sign * row[j], b = best[j];
      const int take = (b == b) & ((v != v) | (v > b) | (or_equal & (v == b)));

      best[j] = take ? v : b;
      index[j] = take ? k : index[j];
    }
}

/* The first extreme along the axis, or the last with select_last_index;
 * a NaN counts as the extreme, as in NumPy.  A run of neighbouring
 * positions at a time, so that the axis' lines are read along their
 * length rather than one float a plane apart. */
static void
arg_range (void *user, int64_t begin, int64_t end, int thread)
{
  const ArgTask *task = user;
  float best[ARG_RUN];
  int32_t index[ARG_RUN];

  (void) thread;
  for (int64_t pos = begin; pos < end;)
    {
      const int64_t o = pos / task->inner, i0 = pos % task->inner;
      const int64_t n = MIN (ARG_RUN, MIN (task->inner - i0, end - pos));
      const float *line = task->x + o * task->length * task->inner + i0;

      for (int64_t j = 0; j < n; j++)
        {
          best[j] = task->sign * line[j];
          index[j] = 0;
        }
      for (int64_t k = 1; k < task->length; k++)
        if (task->select_last)
          arg_line (best, index, line + k * task->inner, n, task->sign, (int32_t) k, TRUE);
        else
          arg_line (best, index, line + k * task->inner, n, task->sign, (int32_t) k, FALSE);
      for (int64_t j = 0; j < n; j++)
        task->y[pos + j] = index[j];
      pos += n;
    }
}

static void
arg_run (const CsNode *node, CsExec *exec)
{
  const CsArgParams *params = node->params;
  const CsShape *in = &cs_node_input (exec->graph, node, 0)->shape;
  ArgTask task = {
    cs_exec_in (exec, node, 0), exec->data[node->outputs[0]], in->dims[params->axis], 1,
    node->klass == &cs_op_arg_max ? 1.0f : -1.0f, params->select_last_index,
  };
  int64_t outer = 1;

  for (int d = 0; d < params->axis; d++)
    outer *= in->dims[d];
  for (int d = params->axis + 1; d < in->rank; d++)
    task.inner *= in->dims[d];
  cs_parallel_for (exec->pool, outer * task.inner, 16 * ARG_RUN, arg_range, &task);
}

#define ARG_CLASS(var, op_name)                 \
  const CsOpClass var = {                       \
    .name = op_name,                            \
    .kind = CS_LAYER_OTHER,                     \
    .infer = arg_infer,                         \
    .run = arg_run,                             \
  }

ARG_CLASS (cs_op_arg_max, "ArgMax");
ARG_CLASS (cs_op_arg_min, "ArgMin");
