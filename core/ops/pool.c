/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pool.c — MaxPool and AveragePool over H and W of N×C×H×W tensors, with
 * ONNX's pads, auto_pad, ceil_mode, dilations, count_include_pad and
 * MaxPool's optional row-major Indices output; and GlobalAveragePool and
 * GlobalMaxPool over all spatial axes.  Every N·C plane is independent,
 * so planes are spread over the thread pool.  Within a plane windows are
 * applied separably, down their rows and then along their columns, in
 * passes that vectorize; windows that straddle the borders check their
 * taps one by one.
 */
#include "op-common.h"

#include <float.h>
#include <math.h>
#include <string.h>

typedef struct
{
  const CsPoolParams *params;
  gboolean            is_max;
  const float        *x;
  float              *y;
  int64_t            *indices;   /* MaxPool's second output, may be NULL */
  int64_t             in_h, in_w, out_h, out_w;
} PoolTask;

static gboolean
pool_infer (CsGraph *graph, CsNode *node, GError **error)
{
  CsPoolParams *params = node->params;
  const CsValue *x;
  CsShape out;
  const int max_outputs = node->klass == &cs_op_max_pool ? 2 : 1;

  if (params == NULL)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "the pooling window is not set");
  if (!cs_op_check_arity (graph, node, 1, 1, node->n_outputs, error)
      || !cs_op_check_float (graph, node, 0, 4, 4, error))
    return FALSE;
  if (node->n_outputs < 1 || node->n_outputs > max_outputs)
    return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                          "expected %d output%s, got %d", max_outputs,
                          max_outputs == 1 ? "" : "s at most",
                          node->n_outputs);
  for (int i = 0; i < 2; i++)
    if (params->window.kernel[i] < 1)
      return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                            "kernel size %d is not positive",
                            params->window.kernel[i]);

  x = cs_node_input (graph, node, 0);
  out = x->shape;
  if (!cs_window_resolve (&params->window, x->shape.dims[2], x->shape.dims[3],
                          &out.dims[2], &out.dims[3], graph, node, error))
    return FALSE;
  if (!cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32, &out, error))
    return FALSE;
  return node->n_outputs < 2
         || cs_op_set_output (graph, node, 1, CS_DTYPE_INT64, &out, error);
}

/* The taps [*first, *last) of a window starting at @start that land in
 * [@lo, @hi). */
static inline void
tap_range (int64_t start, int dilation, int kernel, int64_t lo, int64_t hi,
           int *first, int *last)
{
  int64_t a = start >= lo ? 0 : (lo - start + dilation - 1) / dilation;
  int64_t b = start >= hi ? 0 : (hi - start + dilation - 1) / dilation;

  *first = (int) MIN (a, kernel);
  *last = (int) MAX (MIN (b, kernel), *first);
}

/* One pass of fold_taps over @count ≤ 3 taps, the constants spelled out
 * at each call so that every loop vectorizes. */
static inline __attribute__ ((always_inline)) void
fold_pass (const gboolean is_max, const gboolean first, const int count, float *acc,
           const float *src, int64_t tap_step, int64_t n, const int64_t stride)
{
  const float init = is_max ? -INFINITY : 0.0f;

#define FOLD(a, b) (is_max ? ((b) > (a) ? (b) : (a)) : (a) + (b))
  for (int64_t i = 0; i < n; i++)
    {
      float v = FOLD (first ? init : acc[i], src[i * stride]);

      if (count > 1)
        v = FOLD (v, src[tap_step + i * stride]);
      if (count > 2)
        v = FOLD (v, src[2 * tap_step + i * stride]);
      acc[i] = v;
    }
#undef FOLD
}

/* acc[i] = the fold (maximum, or sum in tap order) of src[t·tap_step +
 * i·stride] over the @taps taps, −∞ or 0 for none.  Three taps a pass,
 * so that @acc is written once per three taps rather than once per tap;
 * strides 1 and 2 (nearly every CNN pool) get loops of their own. */
static void
fold_taps (gboolean is_max, float *acc, const float *src, int64_t tap_step, int taps,
           int64_t n, int64_t stride)
{
  if (taps <= 0)
    for (int64_t i = 0; i < n; i++)
      acc[i] = is_max ? -INFINITY : 0.0f;
  for (int t = 0; t < taps; t += 3)
    {
      const float *at = src + t * tap_step;
      const int count = MIN (3, taps - t);

#define PASS(MAX, FIRST, COUNT)                                                      \
  do                                                                                \
    {                                                                               \
      if (stride == 1)                                                              \
        fold_pass (MAX, FIRST, COUNT, acc, at, tap_step, n, 1);                     \
      else if (stride == 2)                                                         \
        fold_pass (MAX, FIRST, COUNT, acc, at, tap_step, n, 2);                     \
      else                                                                          \
        fold_pass (MAX, FIRST, COUNT, acc, at, tap_step, n, stride);                \
    }                                                                               \
  while (0)
#define BY_COUNT(MAX, FIRST)                                                        \
  do                                                                                \
    {                                                                               \
      if (count == 3)                                                               \
        PASS (MAX, FIRST, 3);                                                       \
      else if (count == 2)                                                          \
        PASS (MAX, FIRST, 2);                                                       \
      else                                                                          \
        PASS (MAX, FIRST, 1);                                                       \
    }                                                                               \
  while (0)
      if (is_max && t == 0)
        BY_COUNT (TRUE, TRUE);
      else if (is_max)
        BY_COUNT (TRUE, FALSE);
      else if (t == 0)
        BY_COUNT (FALSE, TRUE);
      else
        BY_COUNT (FALSE, FALSE);
#undef BY_COUNT
#undef PASS
    }
}

/* Output row @oy of one plane, separably: the window's rows that fall in
 * the input are folded into @column (one value per input column), then
 * each output folds its columns of that.  Outputs [@lo, @hi) have their
 * whole window inside the input horizontally and run as passes along the
 * row; the few at the borders check each tap. */
static void
pool_row (const PoolTask *task, const float *x, float *out, float *column,
          int64_t oy, int64_t lo, int64_t hi)
{
  const CsWindow *w = &task->params->window;
  const gboolean is_max = task->is_max;
  const float init = is_max ? -INFINITY : 0.0f;
  const int64_t y0 = oy * w->stride[0] - w->pads[0];
  const int64_t stride = w->stride[1], dilation = w->dilation[1];
  int ky0, ky1, py0, py1;
  int64_t rows;

  tap_range (y0, w->dilation[0], w->kernel[0], 0, task->in_h, &ky0, &ky1);
  tap_range (y0, w->dilation[0], w->kernel[0], -w->pads[0],
             task->in_h + w->pads[2], &py0, &py1);
  rows = task->params->count_include_pad ? py1 - py0 : ky1 - ky0;

  fold_taps (is_max, column, x + (y0 + (int64_t) ky0 * w->dilation[0]) * task->in_w,
             (int64_t) w->dilation[0] * task->in_w, ky1 - ky0, task->in_w, 1);

  for (int64_t ox = 0; ox < task->out_w; ox++)
    {
      const int64_t x0 = ox * stride - w->pads[1];
      float acc = init;
      int64_t inside = 0, padded = 0;

      if (ox == lo && hi > lo)
        {
          fold_taps (is_max, out + lo, column + x0, dilation, w->kernel[1], hi - lo, stride);
          if (!is_max)
            {
              const float scale = rows > 0
                                  ? 1.0f / (float) (rows * w->kernel[1]) : 0.0f;

              for (int64_t i = lo; i < hi; i++)
                out[i] *= scale;
            }
          ox = hi - 1;
          continue;
        }

      for (int kx = 0; kx < w->kernel[1]; kx++)
        {
          const int64_t ix = x0 + kx * dilation;

          padded += ix < task->in_w + w->pads[3];
          if (ix < 0 || ix >= task->in_w)
            continue;
          inside++;
          acc = is_max ? (column[ix] > acc ? column[ix] : acc) : acc + column[ix];
        }
      if (!is_max)
        {
          const int64_t count = rows * (task->params->count_include_pad
                                        ? padded : inside);

          acc = count > 0 ? acc / (float) count : 0.0f;
        }
      out[ox] = acc;
    }
}

/* MaxPool with its Indices output, window by window: the row-major
 * position of each maximum within the input (planes included). */
static void
max_pool_plane_indices (const PoolTask *task, int64_t plane)
{
  const CsWindow *w = &task->params->window;
  const int64_t plane_size = task->in_h * task->in_w;
  const float *x = task->x + plane * plane_size;
  float *y = task->y + plane * task->out_h * task->out_w;
  int64_t *indices = task->indices + plane * task->out_h * task->out_w;

  for (int64_t oy = 0; oy < task->out_h; oy++)
    for (int64_t ox = 0; ox < task->out_w; ox++)
      {
        const int64_t y0 = oy * w->stride[0] - w->pads[0];
        const int64_t x0 = ox * w->stride[1] - w->pads[1];
        float best = -INFINITY;
        int64_t where = -1;
        int ky0, ky1, kx0, kx1;

        tap_range (y0, w->dilation[0], w->kernel[0], 0, task->in_h, &ky0, &ky1);
        tap_range (x0, w->dilation[1], w->kernel[1], 0, task->in_w, &kx0, &kx1);
        for (int ky = ky0; ky < ky1; ky++)
          for (int kx = kx0; kx < kx1; kx++)
            {
              const int64_t at = (y0 + (int64_t) ky * w->dilation[0]) * task->in_w
                                 + x0 + (int64_t) kx * w->dilation[1];

              if (x[at] > best || where < 0)
                {
                  best = x[at];
                  where = at;
                }
            }
        y[oy * task->out_w + ox] = best;
        indices[oy * task->out_w + ox] = where < 0 ? -1 : plane * plane_size + where;
      }
}

/* Stride-1 windows (GoogLeNet's 3×3/1 pools over 14×14 and 7×7 maps)
 * do so little per output row that loop overhead dominates the row-wise
 * way.  For them the plane is first copied into a padded buffer of
 * *@hp × *@wp in which every window lies whole, so each tap becomes one
 * pass over the entire plane.  Only while that buffer stays close to the
 * plane's size, which hostile pads cannot change. */
static gboolean
flat_layout (const CsWindow *w, int64_t in_h, int64_t in_w, int64_t out_h,
             int64_t out_w, int64_t *hp, int64_t *wp)
{
  *hp = out_h + (int64_t) (w->kernel[0] - 1) * w->dilation[0];
  *wp = out_w + (int64_t) (w->kernel[1] - 1) * w->dilation[1];
  return w->stride[0] == 1 && w->stride[1] == 1
         && *hp * *wp <= 4 * in_h * in_w + 4096;
}

/* The flat way for one plane.  @padded holds hp × wp floats, @folded
 * out_h × wp, @column_counts the AveragePool divisor share of each output
 * column. */
static void
pool_plane_flat (const PoolTask *task, const float *x, float *y,
                 float *padded, float *folded, const float *column_counts,
                 int64_t hp, int64_t wp)
{
  const CsWindow *w = &task->params->window;
  const gboolean is_max = task->is_max;
  const int64_t top = w->pads[0], left = w->pads[1];
  const int64_t rows = CLAMP (hp - top, 0, task->in_h);
  const int64_t cols = CLAMP (wp - left, 0, task->in_w);
  const int64_t n = task->out_h * wp;
  const int64_t span = (int64_t) (w->kernel[1] - 1) * w->dilation[1];

  for (int64_t i = 0; i < hp * wp; i++)
    padded[i] = is_max ? -INFINITY : 0.0f;
  for (int64_t r = 0; r < rows; r++)
    memcpy (padded + (r + top) * wp + left, x + r * task->in_w,
            sizeof (float) * (size_t) cols);

  /* Down the window's rows, then along its columns back into @padded. */
  fold_taps (is_max, folded, padded, (int64_t) w->dilation[0] * wp, w->kernel[0], n, 1);
  fold_taps (is_max, padded, folded, w->dilation[1], w->kernel[1], n - span, 1);

  for (int64_t oy = 0; oy < task->out_h; oy++)
    {
      const float *src = padded + oy * wp;
      float *dst = y + oy * task->out_w;
      int ky0, ky1;

      if (is_max)
        {
          memcpy (dst, src, sizeof (float) * (size_t) task->out_w);
          continue;
        }
      if (task->params->count_include_pad)
        tap_range (oy - top, w->dilation[0], w->kernel[0], -top,
                   task->in_h + w->pads[2], &ky0, &ky1);
      else
        tap_range (oy - top, w->dilation[0], w->kernel[0], 0, task->in_h,
                   &ky0, &ky1);
      for (int64_t ox = 0; ox < task->out_w; ox++)
        {
          const float count = (float) (ky1 - ky0) * column_counts[ox];

          dst[ox] = count > 0.0f ? src[ox] / count : 0.0f;
        }
    }
}

typedef struct
{
  const PoolTask *task;
  CsExec         *exec;
} PoolRange;

static void
pool_range (void *user, int64_t begin, int64_t end, int thread)
{
  const PoolRange *range = user;
  const PoolTask *task = range->task;
  const CsWindow *w = &task->params->window;
  const int64_t stride = w->stride[1], left = w->pads[1];
  const int64_t span = (int64_t) (w->kernel[1] - 1) * w->dilation[1];
  float *scratch = range->exec->scratch[thread];
  /* Outputs [lo, hi) of every row have their window inside the input
   * horizontally. */
  const int64_t lo = MIN ((left + stride - 1) / stride, task->out_w);
  const int64_t hi = task->in_w - 1 + left - span < 0 ? lo
                     : CLAMP ((task->in_w - 1 + left - span) / stride + 1,
                              lo, task->out_w);
  int64_t hp = 0, wp = 0;
  const gboolean flat = task->indices == NULL
                        && flat_layout (w, task->in_h, task->in_w, task->out_h,
                                        task->out_w, &hp, &wp);
  float *column_counts = flat ? scratch + hp * wp + task->out_h * wp : NULL;

  for (int64_t ox = 0; flat && ox < task->out_w; ox++)
    {
      int kx0, kx1;

      if (task->params->count_include_pad)
        tap_range (ox - left, w->dilation[1], w->kernel[1], -left,
                   task->in_w + w->pads[3], &kx0, &kx1);
      else
        tap_range (ox - left, w->dilation[1], w->kernel[1], 0, task->in_w,
                   &kx0, &kx1);
      column_counts[ox] = (float) (kx1 - kx0);
    }

  for (int64_t plane = begin; plane < end; plane++)
    {
      const float *x = task->x + plane * task->in_h * task->in_w;
      float *y = task->y + plane * task->out_h * task->out_w;

      if (task->indices != NULL)
        max_pool_plane_indices (task, plane);
      else if (flat)
        pool_plane_flat (task, x, y, scratch, scratch + hp * wp,
                         column_counts, hp, wp);
      else
        for (int64_t oy = 0; oy < task->out_h; oy++)
          pool_row (task, x, y + oy * task->out_w, scratch, oy, lo, hi);
    }
}

/* A row of column folds, or the flat way's buffers. */
static size_t
pool_scratch_bytes (const CsGraph *graph, const CsNode *node)
{
  const CsPoolParams *params = node->params;
  const CsShape *in = &cs_node_input (graph, node, 0)->shape;
  const CsShape *out = &cs_node_output (graph, node, 0)->shape;
  int64_t hp, wp;

  if (flat_layout (&params->window, in->dims[2], in->dims[3], out->dims[2],
                   out->dims[3], &hp, &wp))
    return sizeof (float) * (size_t) (hp * wp + out->dims[2] * wp + out->dims[3]);
  return sizeof (float) * (size_t) in->dims[3];
}

static void
pool_run (const CsNode *node, CsExec *exec)
{
  const CsShape *in = &cs_node_input (exec->graph, node, 0)->shape;
  const CsShape *out = &cs_node_output (exec->graph, node, 0)->shape;
  PoolTask task = {
    .params = node->params,
    .is_max = node->klass == &cs_op_max_pool,
    .x = cs_exec_in (exec, node, 0),
    .y = cs_exec_out (exec, node, 0),
    .indices = node->n_outputs > 1 ? exec->data[node->outputs[1]] : NULL,
    .in_h = in->dims[2],
    .in_w = in->dims[3],
    .out_h = out->dims[2],
    .out_w = out->dims[3],
  };
  PoolRange range = { &task, exec };

  cs_parallel_for (exec->pool, in->dims[0] * in->dims[1], 1, pool_range, &range);
}

typedef struct
{
  PoolTask     task;
  const float *dy;
  float       *dx;
} PoolBackward;

/* The taps of one window that fall in [0, @in) and, for AveragePool's
 * divisor, in the padded extent [−pad_begin, in + pad_end). */
static void
window_taps (int64_t start, int dilation, int kernel, int64_t in, int pad_begin,
             int pad_end, gboolean include_pad, int *first, int *last, int64_t *count)
{
  int lo, hi;

  tap_range (start, dilation, kernel, 0, in, first, last);
  tap_range (start, dilation, kernel, -pad_begin, in + pad_end, &lo, &hi);
  *count = include_pad ? hi - lo : *last - *first;
}

/* How far below a window's maximum a value still ties with it.  Equal
 * inputs (a maximum that an overlapping pool repeated, then a pointwise
 * convolution) come out of the kernels a few ulps apart, depending on
 * where they sat in a tile; a tie must not be decided by that. */
static inline float
tie_margin (float maximum)
{
  return 8.0f * FLT_EPSILON * fabsf (maximum);
}

/* Planes [begin, end): MaxPool's gradient goes to the first maximum of
 * each window in row-major order, as PyTorch sends it; AveragePool's is
 * shared by the taps with the forward divisor. */
static void
pool_backward_range (void *user, int64_t begin, int64_t end, int thread)
{
  const PoolBackward *job = user;
  const PoolTask *task = &job->task;
  const CsWindow *w = &task->params->window;

  for (int64_t plane = begin; plane < end; plane++)
    {
      const float *x = task->x + plane * task->in_h * task->in_w;
      const float *dy = job->dy + plane * task->out_h * task->out_w;
      float *dx = job->dx + plane * task->in_h * task->in_w;

      for (int64_t oy = 0; oy < task->out_h; oy++)
        for (int64_t ox = 0; ox < task->out_w; ox++)
          {
            const int64_t y0 = oy * w->stride[0] - w->pads[0];
            const int64_t x0 = ox * w->stride[1] - w->pads[1];
            const float g = dy[oy * task->out_w + ox];
            int ky0, ky1, kx0, kx1;
            int64_t rows, cols, best = -1;
            float best_value = -INFINITY;

            window_taps (y0, w->dilation[0], w->kernel[0], task->in_h, w->pads[0],
                         w->pads[2], task->params->count_include_pad, &ky0, &ky1, &rows);
            window_taps (x0, w->dilation[1], w->kernel[1], task->in_w, w->pads[1],
                         w->pads[3], task->params->count_include_pad, &kx0, &kx1, &cols);
            for (int pass = 0; pass < (task->is_max ? 2 : 1); pass++)
              for (int ky = ky0; ky < ky1; ky++)
                for (int kx = kx0; kx < kx1; kx++)
                  {
                    const int64_t at = (y0 + (int64_t) ky * w->dilation[0]) * task->in_w
                                       + x0 + (int64_t) kx * w->dilation[1];

                    if (!task->is_max)
                      dx[at] += g / (float) (rows * cols);
                    else if (pass == 0)
                      best_value = MAX (best_value, x[at]);
                    else if (best < 0 && x[at] >= best_value - tie_margin (best_value))
                      best = at;
                  }
            if (best >= 0)
              dx[best] += g;
          }
    }
}

static gboolean
pool_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsShape *in = &cs_node_input (exec->exec.graph, node, 0)->shape;
  const CsShape *out = &cs_node_output (exec->exec.graph, node, 0)->shape;
  PoolBackward job = {
    { node->params, node->klass == &cs_op_max_pool, cs_exec_in (&exec->exec, node, 0), NULL,
      NULL, in->dims[2], in->dims[3], out->dims[2], out->dims[3] },
    cs_grad_out (exec, node, 0), cs_grad_in (exec, node, 0)
  };

  if (job.dx != NULL)
    cs_parallel_for (exec->exec.pool, in->dims[0] * in->dims[1], 1, pool_backward_range, &job);
  return TRUE;
}

static void
pool_describe (const CsGraph *graph, const CsNode *node, CsLayerInfo *info)
{
  const CsPoolParams *params = node->params;
  const CsValue *x = cs_node_input (graph, node, 0);
  const CsValue *y = cs_node_output (graph, node, 0);

  cs_window_describe (&params->window, &x->shape, &y->shape, info);
  info->macs = cs_shape_numel (&y->shape)
               * params->window.kernel[0] * params->window.kernel[1];
}

/* ---- Global pooling ---- */

typedef struct
{
  gboolean     is_max;
  const float *x;
  float       *y;
  int64_t      plane_size;
} GlobalPoolTask;

static gboolean
global_pool_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsValue *x;
  CsShape out;

  if (!cs_op_check_arity (graph, node, 1, 1, 1, error)
      || !cs_op_check_float (graph, node, 0, 3, CS_MAX_RANK, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  out = x->shape;
  for (int d = 2; d < out.rank; d++)
    out.dims[d] = 1;
  return cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32, &out, error);
}

static void
global_pool_range (void *user, int64_t begin, int64_t end, int thread)
{
  const GlobalPoolTask *task = user;

  for (int64_t plane = begin; plane < end; plane++)
    {
      const float *x = task->x + plane * task->plane_size;

      if (task->is_max)
        {
          float best = -INFINITY;

          for (int64_t i = 0; i < task->plane_size; i++)
            best = x[i] > best ? x[i] : best;
          task->y[plane] = best;
        }
      else
        {
          /* Eight sums side by side: one alone waits on each addition
           * before the next (the SE blocks of EfficientNet spent 6 % of
           * a run here); in double, their order hardly matters. */
          double  part[8] = { 0.0 }, sum = 0.0;
          int64_t i = 0;

          for (; i + 8 <= task->plane_size; i += 8)
            for (int k = 0; k < 8; k++)
              part[k] += x[i + k];
          for (; i < task->plane_size; i++)
            part[0] += x[i];
          for (int k = 0; k < 8; k++)
            sum += part[k];
          task->y[plane] = task->plane_size > 0
                           ? (float) (sum / (double) task->plane_size) : 0.0f;
        }
    }
}

static void
global_pool_run (const CsNode *node, CsExec *exec)
{
  const CsShape *in = &cs_node_input (exec->graph, node, 0)->shape;
  GlobalPoolTask task = {
    .is_max = node->klass == &cs_op_global_max_pool,
    .x = cs_exec_in (exec, node, 0),
    .y = cs_exec_out (exec, node, 0),
    .plane_size = 1,
  };
  const int64_t planes = in->dims[0] * in->dims[1];

  for (int d = 2; d < in->rank; d++)
    task.plane_size *= in->dims[d];
  cs_parallel_for (exec->pool, planes, MAX (1, 16384 / MAX (task.plane_size, 1)),
                   global_pool_range, &task);
}

/* Described as the window it amounts to, one as large as the input, so
 * that the arithmetic and receptive field read like any other pool. */
typedef struct
{
  gboolean     is_max;
  const float *x;
  const float *dy;
  float       *dx;
  int64_t      plane_size;
} GlobalPoolBackward;

static void
global_pool_backward_range (void *user, int64_t begin, int64_t end, int thread)
{
  const GlobalPoolBackward *job = user;

  for (int64_t plane = begin; plane < end; plane++)
    {
      const float *x = job->x + plane * job->plane_size;
      float *dx = job->dx + plane * job->plane_size;
      int64_t best = 0;

      if (!job->is_max)
        {
          for (int64_t i = 0; i < job->plane_size; i++)
            dx[i] += job->dy[plane] / (float) job->plane_size;
          continue;
        }
      for (int64_t i = 1; i < job->plane_size; i++)
        best = x[i] > x[best] ? i : best;
      for (int64_t i = 0; i < best; i++)
        if (x[i] >= x[best] - tie_margin (x[best]))
          {
            best = i;
            break;
          }
      dx[best] += job->dy[plane];
    }
}

static gboolean
global_pool_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsShape *in = &cs_node_input (exec->exec.graph, node, 0)->shape;
  GlobalPoolBackward job = {
    node->klass == &cs_op_global_max_pool, cs_exec_in (&exec->exec, node, 0),
    cs_grad_out (exec, node, 0), cs_grad_in (exec, node, 0), 1
  };

  for (int d = 2; d < in->rank; d++)
    job.plane_size *= in->dims[d];
  if (job.dx != NULL && job.plane_size > 0)
    cs_parallel_for (exec->exec.pool, in->dims[0] * in->dims[1], 16, global_pool_backward_range,
                     &job);
  return TRUE;
}

static void
global_pool_describe (const CsGraph *graph, const CsNode *node,
                      CsLayerInfo *info)
{
  const CsValue *x = cs_node_input (graph, node, 0);
  const CsValue *y = cs_node_output (graph, node, 0);

  info->macs = cs_shape_numel (&x->shape);
  if (x->shape.rank == 4 && x->shape.dims[2] <= G_MAXINT
      && x->shape.dims[3] <= G_MAXINT)
    {
      CsWindow window = {
        .kernel = { (int) x->shape.dims[2], (int) x->shape.dims[3] },
        .stride = { 1, 1 },
        .dilation = { 1, 1 },
      };

      cs_window_describe (&window, &x->shape, &y->shape, info);
    }
}

static gboolean
pool_footprint (const CsGraph *graph, const CsNode *node, int j, const CsRegion *out,
                int i, CsRegion *in)
{
  cs_window_footprint (&((const CsPoolParams *) node->params)->window, out, in);
  return TRUE;
}

/* Each channel's output pixel reads that channel's whole plane. */
static gboolean
global_pool_footprint (const CsGraph *graph, const CsNode *node, int j,
                       const CsRegion *out, int i, CsRegion *in)
{
  const CsShape *x = &cs_node_input (graph, node, 0)->shape;

  *in = (CsRegion) { { out->lo[0], 0, 0 },
                     { out->hi[0], x->dims[2] - 1, x->dims[3] - 1 } };
  return TRUE;
}

const CsOpClass cs_op_max_pool = {
  .name = "MaxPool",
  .kind = CS_LAYER_POOL,
  .infer = pool_infer,
  .run = pool_run,
  .scratch_bytes = pool_scratch_bytes,
  .describe = pool_describe,
  .footprint = pool_footprint,
  .backward = pool_backward,
  .backward_reads = CS_GRAD_READS_INPUTS,
};

const CsOpClass cs_op_average_pool = {
  .name = "AveragePool",
  .kind = CS_LAYER_POOL,
  .infer = pool_infer,
  .run = pool_run,
  .scratch_bytes = pool_scratch_bytes,
  .describe = pool_describe,
  .footprint = pool_footprint,
  .backward = pool_backward,
  .backward_reads = CS_GRAD_READS_NOTHING,
};

const CsOpClass cs_op_global_average_pool = {
  .name = "GlobalAveragePool",
  .kind = CS_LAYER_POOL,
  .infer = global_pool_infer,
  .run = global_pool_run,
  .describe = global_pool_describe,
  .footprint = global_pool_footprint,
  .backward = global_pool_backward,
  .backward_reads = CS_GRAD_READS_NOTHING,
};

const CsOpClass cs_op_global_max_pool = {
  .name = "GlobalMaxPool",
  .kind = CS_LAYER_POOL,
  .infer = global_pool_infer,
  .run = global_pool_run,
  .describe = global_pool_describe,
  .footprint = global_pool_footprint,
  .backward = global_pool_backward,
  .backward_reads = CS_GRAD_READS_INPUTS,
};
