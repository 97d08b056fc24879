/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pool.c — MaxPool and AveragePool over H and W of N×C×H×W tensors, with
 * ONNX's pads, auto_pad, ceil_mode, dilations, count_include_pad and
 * MaxPool's optional row-major Indices output; and GlobalAveragePool and
 * GlobalMaxPool over all spatial axes.  Every N·C plane is independent,
 * so planes are spread over the thread pool, and the kernels (kernels.h:
 * CsPool, CsGlobalPool) pool them; MaxPool's Indices and the gradients
 * go window by window here.
 */
#include "op-common.h"

#include <float.h>
#include <math.h>

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

        cs_pool_taps (y0, w->dilation[0], w->kernel[0], 0, task->in_h, &ky0, &ky1);
        cs_pool_taps (x0, w->dilation[1], w->kernel[1], 0, task->in_w, &kx0, &kx1);
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

/* The kernels' geometry of @params between @in and @out. */
static CsPoolGeometry
pool_geometry (const CsPoolParams *params, const CsShape *in, const CsShape *out,
               gboolean is_max)
{
  const CsWindow *w = &params->window;

  return (CsPoolGeometry) {
    .in_h = in->dims[2], .in_w = in->dims[3], .out_h = out->dims[2], .out_w = out->dims[3],
    .kernel = { w->kernel[0], w->kernel[1] },
    .stride = { w->stride[0], w->stride[1] },
    .dilation = { w->dilation[0], w->dilation[1] },
    .pads = { w->pads[0], w->pads[1], w->pads[2], w->pads[3] },
    .is_max = is_max,
    .count_include_pad = params->count_include_pad,
  };
}

typedef struct
{
  const PoolTask       *task;
  const CsPoolGeometry *geometry;
  CsExec               *exec;
} PoolRange;

static void
pool_range (void *user, int64_t begin, int64_t end, int thread)
{
  const PoolRange *range = user;
  const PoolTask *task = range->task;

  if (task->indices != NULL)
    for (int64_t plane = begin; plane < end; plane++)
      max_pool_plane_indices (task, plane);
  else
    cs_kernels_get ()->pool (range->geometry, task->x + begin * task->in_h * task->in_w,
                             task->y + begin * task->out_h * task->out_w, end - begin,
                             range->exec->scratch[thread]);
}

static size_t
pool_scratch_bytes (const CsGraph *graph, const CsNode *node)
{
  const CsPoolGeometry geometry =
      pool_geometry (node->params, &cs_node_input (graph, node, 0)->shape,
                     &cs_node_output (graph, node, 0)->shape, node->klass == &cs_op_max_pool);

  return sizeof (float) * (size_t) cs_pool_scratch_floats (&geometry);
}

typedef struct
{
  gboolean     is_max;
  const float *x;
  float       *y;
  int64_t      plane_size;
} GlobalPoolTask;

static void
global_pool_range (void *user, int64_t begin, int64_t end, int thread)
{
  const GlobalPoolTask *task = user;

  cs_kernels_get ()->global_pool (task->x + begin * task->plane_size, task->y + begin,
                                  end - begin, task->plane_size, task->is_max);
}

/* The maximum or mean of each of @planes planes of @plane_size floats
 * over the pool. */
static void
global_pool_planes (CsExec *exec, gboolean is_max, const float *x, float *y, int64_t planes,
                    int64_t plane_size)
{
  GlobalPoolTask task = { is_max, x, y, plane_size };

  cs_parallel_for (exec->pool, planes, MAX (1, 16384 / MAX (plane_size, 1)),
                   global_pool_range, &task);
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
  const CsPoolGeometry geometry = pool_geometry (node->params, in, out, task.is_max);
  const CsWindow *w = &task.params->window;
  PoolRange range = { &task, &geometry, exec };

  /* One window over the whole unpadded plane (a TFLite classifier's
   * AVERAGE_POOL_2D before its logits) is a global pool, whose kernel
   * takes the planes whole rather than row by row. */
  if (task.indices == NULL && task.out_h == 1 && task.out_w == 1
      && w->kernel[0] == task.in_h && w->kernel[1] == task.in_w && w->dilation[0] == 1
      && w->dilation[1] == 1 && w->pads[0] == 0 && w->pads[1] == 0 && w->pads[2] == 0
      && w->pads[3] == 0)
    {
      global_pool_planes (exec, task.is_max, task.x, task.y, in->dims[0] * in->dims[1],
                          task.in_h * task.in_w);
      return;
    }
  cs_parallel_for (exec->pool, in->dims[0] * in->dims[1], 1, pool_range, &range);
}

typedef struct
{
  PoolTask     task;
  const float *dy;
  float       *dx;
} PoolBackward;

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

            rows = cs_pool_window_taps (y0, w->dilation[0], w->kernel[0], task->in_h,
                                        w->pads[0], w->pads[2],
                                        task->params->count_include_pad, &ky0, &ky1);
            cols = cs_pool_window_taps (x0, w->dilation[1], w->kernel[1], task->in_w,
                                        w->pads[1], w->pads[3],
                                        task->params->count_include_pad, &kx0, &kx1);
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
global_pool_run (const CsNode *node, CsExec *exec)
{
  const CsShape *in = &cs_node_input (exec->graph, node, 0)->shape;
  int64_t plane_size = 1;

  for (int d = 2; d < in->rank; d++)
    plane_size *= in->dims[d];
  global_pool_planes (exec, node->klass == &cs_op_global_max_pool, cs_exec_in (exec, node, 0),
                      cs_exec_out (exec, node, 0), in->dims[0] * in->dims[1], plane_size);
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
