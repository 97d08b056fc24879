/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * resize.c — Resize (opsets 10–19) and Upsample (7–9): nearest, linear and
 * cubic resampling of the last two axes, with ONNX's coordinate
 * transformations, rounding modes, antialiasing and tf_crop_and_resize's
 * roi.  The interpolation is separable, so each axis gets a table of
 * source indices and weights once per run, and every output row is one
 * weighted sum of input rows (vertical pass, into a row of scratch)
 * followed by a gather along it (horizontal pass): no intermediate
 * tensor, and the rows run in parallel.  Upsampling rows, the gathers
 * instead run once per input row a band of output rows reads, and each
 * output row is a weighted sum of those, whole rows at a time
 * (DeepLab's 33 × 33 to 513 × 513 gathered 16 times as often before).
 * Axes before the last two must keep their size, as in every network
 * that resizes images.
 */
#include "op-common.h"
#include "../kernels/gemm.h"

#include <math.h>
#include <string.h>

/* Output rows per band when the rows are upsampled. */
#define BAND_ROWS 32

/* Weights per output sample beyond this (an antialiased shrink by
 * hundreds of millions) are refused rather than allocated. */
#define MAX_TABLE_ENTRIES (G_GINT64_CONSTANT (1) << 26)

/* How the output coordinates of one axis map onto its input. */
typedef struct
{
  int64_t in, out;
  double  scale;                /* out / in, or the given scale */
  double  roi_start, roi_end;   /* tf_crop_and_resize, as fractions */
} AxisGeometry;

/* One axis's interpolation: output o reads input index[o·taps + t] with
 * weight[o·taps + t]; outside[o] marks tf_crop_and_resize's extrapolated
 * samples. */
typedef struct
{
  int      taps;
  int64_t *index;
  float   *weight;     /* NULL for nearest: one tap of weight 1 */
  gboolean *outside;   /* NULL when nothing is extrapolated */
} AxisTable;

/* The kernel's half-width in input samples at scale 1. */
static double
kernel_support (CsResizeMode mode)
{
  return mode == CS_RESIZE_CUBIC ? 2.0 : 1.0;
}

/* Taps per output sample: an antialiased shrink widens the kernel by
 * 1 / scale, as ONNX's reference does. */
static int64_t
axis_taps (const CsResizeParams *params, double scale)
{
  if (params->mode == CS_RESIZE_NEAREST)
    return 1;
  if (params->antialias && scale < 1.0)
    return 2 - 2 * (int64_t) (floor (-kernel_support (params->mode) / scale) + 1);
  return params->mode == CS_RESIZE_CUBIC ? 4 : 2;
}

/* The input coordinate of output sample @x. */
static double
source_coordinate (const CsResizeParams *params, const AxisGeometry *axis, double x)
{
  double length = axis->scale * (double) axis->in;

  switch (params->coordinates)
    {
    case CS_RESIZE_HALF_PIXEL:
      return (x + 0.5) / axis->scale - 0.5;
    case CS_RESIZE_HALF_PIXEL_SYMMETRIC:
      {
        double adjustment = (double) axis->out / length;
        double offset = (double) axis->in / 2.0 * (1.0 - adjustment);

        return offset + (x + 0.5) / axis->scale - 0.5;
      }
    case CS_RESIZE_PYTORCH_HALF_PIXEL:
      return length > 1.0 ? (x + 0.5) / axis->scale - 0.5 : 0.0;
    case CS_RESIZE_ALIGN_CORNERS:
      return length == 1.0 ? 0.0 : x * (double) (axis->in - 1) / (length - 1.0);
    case CS_RESIZE_ASYMMETRIC:
      return x / axis->scale;
    case CS_RESIZE_TF_HALF_PIXEL_FOR_NN:
      return (x + 0.5) / axis->scale;
    case CS_RESIZE_TF_CROP_AND_RESIZE:
      {
        double span = (axis->roi_end - axis->roi_start) * (double) (axis->in - 1);
        double start = axis->roi_start * (double) (axis->in - 1);

        return length > 1.0 ? start + x * span / (length - 1.0) : start + span / 2.0;
      }
    }
  g_return_val_if_reached (0.0);
}

static int64_t
round_nearest (CsResizeRounding rounding, double x, double scale)
{
  switch (rounding)
    {
    case CS_RESIZE_ROUND_PREFER_FLOOR:
      return x - floor (x) == 0.5 ? (int64_t) floor (x) : (int64_t) llround (x);
    case CS_RESIZE_ROUND_PREFER_CEIL:
      return (int64_t) floor (x + 0.5);
    case CS_RESIZE_FLOOR:
      return (int64_t) floor (x);
    case CS_RESIZE_CEIL:
      return (int64_t) ceil (x);
    case CS_RESIZE_SIMPLE:
      return scale < 1.0 ? (int64_t) ceil (x) : (int64_t) x;
    }
  g_return_val_if_reached (0);
}

/* Keys' cubic convolution kernel with parameter @a. */
static double
cubic (double a, double t)
{
  t = fabs (t);
  if (t <= 1.0)
    return ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0;
  if (t < 2.0)
    return ((a * t - 5.0 * a) * t + 8.0 * a) * t - 4.0 * a;
  return 0.0;
}

static double
kernel_weight (const CsResizeParams *params, double t)
{
  if (params->mode == CS_RESIZE_CUBIC)
    return cubic (params->cubic_a, t);
  return MAX (1.0 - fabs (t), 0.0);
}

static void
axis_table_clear (AxisTable *table)
{
  g_free (table->index);
  g_free (table->weight);
  g_free (table->outside);
}

/* Fills @table for @axis; the caller clears it. */
static void
axis_table_init (AxisTable *table, const CsResizeParams *params, const AxisGeometry *axis)
{
  int64_t taps = axis_taps (params, axis->scale);
  /* An antialiased shrink stretches the kernel over 1 / scale inputs. */
  double stretch = params->antialias && axis->scale < 1.0 ? axis->scale : 1.0;

  table->taps = (int) taps;
  table->index = g_new (int64_t, MAX (axis->out * taps, 1));
  table->weight = params->mode == CS_RESIZE_NEAREST ? NULL : g_new (float, axis->out * taps);
  table->outside = NULL;
  for (int64_t o = 0; o < axis->out; o++)
    {
      double x = source_coordinate (params, axis, (double) o);
      int64_t *index = table->index + o * taps;

      if (params->coordinates == CS_RESIZE_TF_CROP_AND_RESIZE
          && (x < 0.0 || x > (double) (axis->in - 1)))
        {
          if (table->outside == NULL)
            table->outside = g_new0 (gboolean, axis->out);
          table->outside[o] = TRUE;
        }
      /* Far outside, every tap is the edge sample: keep x where the
       * integer arithmetic below cannot overflow. */
      x = CLAMP (x, -2.0 * (double) taps, (double) axis->in + 2.0 * (double) taps);
      if (table->weight == NULL)
        {
          int64_t i = round_nearest (params->rounding, x, axis->scale);

          index[0] = CLAMP (i, 0, axis->in - 1);
          continue;
        }

      /* The taps around x, edge samples repeated beyond the borders
       * unless exclude_outside drops them; the weights then sum to 1. */
      float *weight = table->weight + o * taps;
      int64_t first = (int64_t) floor (x) - taps / 2 + 1;
      double sum = 0.0;
      for (int64_t t = 0; t < taps; t++)
        {
          int64_t i = first + t;
          gboolean dropped = params->exclude_outside && (i < 0 || i >= axis->in);
          double w = dropped ? 0.0 : kernel_weight (params, stretch * ((double) i - x));

          weight[t] = (float) w;
          sum += w;
          index[t] = CLAMP (i, 0, axis->in - 1);
        }
      for (int64_t t = 0; t < taps && sum != 0.0; t++)
        weight[t] = (float) (weight[t] / sum);
    }
}

/* ---- Shapes ---- */

static const CsValue *
given_input (const CsGraph *graph, const CsNode *node, int i)
{
  return i >= 0 ? cs_node_input (graph, node, i) : NULL;
}

/* Reads float input @i, which must be constant, into @values. */
static gboolean
const_floats (const CsGraph *graph, const CsNode *node, int i, const char *what,
              double *values, int capacity, int *n, GError **error)
{
  const CsValue *value = cs_node_input (graph, node, i);
  int64_t count = cs_shape_numel (&value->shape);

  if (value->constant == NULL)
    return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                          "%s must be known at load time", what);
  if (value->dtype != CS_DTYPE_FLOAT32 || value->shape.rank != 1 || count > capacity)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "%s must be a 1-D float32 tensor of at most %d values", what, capacity);
  for (int64_t k = 0; k < count; k++)
    values[k] = ((const float *) value->constant)[k];
  *n = (int) count;
  return TRUE;
}

/* Works out every axis's geometry from scales or sizes, axes and roi. */
static gboolean
resize_geometry (const CsGraph *graph, const CsNode *node, AxisGeometry *geometry,
                 GError **error)
{
  const CsResizeParams *params = node->params;
  const CsShape *in = &cs_node_input (graph, node, 0)->shape;
  const CsValue *sizes_value = given_input (graph, node, params->sizes_input);
  const CsValue *scales_value = given_input (graph, node, params->scales_input);
  int64_t axes[CS_MAX_RANK], sizes[CS_MAX_RANK];
  double scales[CS_MAX_RANK], roi[2 * CS_MAX_RANK];
  int n_axes = params->n_axes, n_values = 0, n_roi = 0;
  guint mask;

  if (n_axes == 0)
    {
      n_axes = in->rank;
      for (int d = 0; d < in->rank; d++)
        axes[d] = d;
    }
  else
    memcpy (axes, params->axes, sizeof axes);
  if (!cs_op_axes_mask (graph, node, axes, n_axes, in->rank, &mask, error))
    return FALSE;

  if (sizes_value != NULL && scales_value != NULL)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "has both scales and sizes; only one may be given");
  if (sizes_value != NULL)
    {
      if (!cs_op_const_ints (graph, node, params->sizes_input, "the sizes", sizes, CS_MAX_RANK,
                             &n_values, error))
        return FALSE;
    }
  else if (scales_value != NULL)
    {
      if (!const_floats (graph, node, params->scales_input, "the scales", scales, CS_MAX_RANK,
                         &n_values, error))
        return FALSE;
    }
  else if (params->n_scales > 0)
    {
      n_values = params->n_scales;
      for (int k = 0; k < n_values; k++)
        scales[k] = params->scales[k];
    }
  else
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "needs either scales or sizes");
  if (n_values != n_axes)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "has %d %s for %d axes", n_values,
                          sizes_value != NULL ? "sizes" : "scales", n_axes);

  if (params->coordinates == CS_RESIZE_TF_CROP_AND_RESIZE
      && given_input (graph, node, params->roi_input) != NULL)
    {
      if (!const_floats (graph, node, params->roi_input, "the roi", roi, 2 * CS_MAX_RANK,
                         &n_roi, error))
        return FALSE;
      if (n_roi != 2 * n_axes)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "the roi has %d values for %d axes; expected %d",
                              n_roi, n_axes, 2 * n_axes);
      for (int k = 0; k < n_roi; k++)
        if (!isfinite (roi[k]) || fabs (roi[k]) > 1e6)
          return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                                "roi value %g is out of range", roi[k]);
    }

  for (int d = 0; d < in->rank; d++)
    geometry[d] = (AxisGeometry) { in->dims[d], in->dims[d], 1.0, 0.0, 1.0 };

  /* keep_aspect_ratio_policy scales every axis alike, by the smallest or
   * largest ratio of size to input. */
  gboolean keep_aspect = sizes_value != NULL && params->aspect != CS_RESIZE_ASPECT_STRETCH;
  double aspect_scale = params->aspect == CS_RESIZE_ASPECT_NOT_LARGER ? INFINITY : 0.0;
  for (int k = 0; keep_aspect && k < n_axes; k++)
    {
      double ratio = (double) sizes[k] / (double) MAX (in->dims[axes[k]], 1);

      aspect_scale = params->aspect == CS_RESIZE_ASPECT_NOT_LARGER ? MIN (aspect_scale, ratio)
                                                            : MAX (aspect_scale, ratio);
    }

  for (int k = 0; k < n_axes; k++)
    {
      AxisGeometry *axis = &geometry[axes[k]];
      double out;

      if (n_roi > 0)
        {
          axis->roi_start = roi[k];
          axis->roi_end = roi[k + n_axes];
        }
      if (sizes_value != NULL)
        {
          if (sizes[k] <= 0 || (axis->in == 0 && sizes[k] > 0))
            return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                                  "cannot resize axis %d of %" G_GINT64_FORMAT
                                  " elements to %" G_GINT64_FORMAT, (int) axes[k],
                                  axis->in, sizes[k]);
          axis->scale = keep_aspect ? aspect_scale : (double) sizes[k] / (double) axis->in;
          out = keep_aspect ? floor (aspect_scale * (double) axis->in + 0.5) : (double) sizes[k];
        }
      else
        {
          if (!(scales[k] > 0.0) || !isfinite (scales[k]))
            return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                                  "scale %g for axis %d must be positive", scales[k],
                                  (int) axes[k]);
          axis->scale = scales[k];
          out = floor ((double) axis->in * scales[k]
                       * (params->coordinates == CS_RESIZE_TF_CROP_AND_RESIZE
                            ? axis->roi_end - axis->roi_start
                            : 1.0));
        }
      if (!(out >= 0.0 && out <= (double) G_MAXINT32))
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "axis %d of %" G_GINT64_FORMAT " elements would become %g",
                              (int) axes[k], axis->in, out);
      axis->out = (int64_t) out;
      if (axis->out > 0 && axis_taps (params, axis->scale) * axis->out > MAX_TABLE_ENTRIES)
        return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                              "antialiasing axis %d by a scale of %g is not supported",
                              (int) axes[k], axis->scale);
    }
  return TRUE;
}

/* The last two axes' geometry (H, W); a rank-1 input has a virtual H of
 * one sample. */
static void
plane_geometry (const AxisGeometry *geometry, int rank, AxisGeometry *plane)
{
  plane[0] = rank >= 2 ? geometry[rank - 2] : (AxisGeometry) { 1, 1, 1.0, 0.0, 1.0 };
  plane[1] = geometry[rank - 1];
}

static gboolean
resize_infer (CsGraph *graph, CsNode *node, GError **error)
{
  CsResizeParams *params = node->params;
  const CsValue *x;
  AxisGeometry geometry[CS_MAX_RANK], plane[2];
  CsShape out;

  if (params == NULL)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node, "has no parameters");
  if (!cs_op_check_arity (graph, node, 1, 4, 1, error)
      || !cs_op_check_float (graph, node, 0, 1, CS_MAX_RANK, error))
    return FALSE;
  /* Opset 11 wants an empty roi or scales where they do not apply; an
   * empty parameter is an absent one, and the node then holds no empty
   * operand. */
  for (int i = 1; i < node->n_inputs; i++)
    if (node->inputs[i] >= 0 && cs_shape_numel (&cs_node_input (graph, node, i)->shape) == 0)
      node->inputs[i] = -1;
  if (!resize_geometry (graph, node, geometry, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  out = x->shape;
  for (int d = 0; d < x->shape.rank; d++)
    {
      const AxisGeometry *axis = &geometry[d];

      if (d < x->shape.rank - 2
          && (axis->out != axis->in || axis->scale != 1.0 || axis->roi_start != 0.0
              || axis->roi_end != 1.0))
        return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                              "resizing axis %d is not supported; only the last two axes",
                              d);
      out.dims[d] = axis->out;
    }
  plane_geometry (geometry, x->shape.rank, plane);
  params->sized = given_input (graph, node, params->sizes_input) != NULL;
  for (int a = 0; a < 2; a++)
    {
      params->scale[a] = plane[a].scale;
      params->roi_start[a] = plane[a].roi_start;
      params->roi_end[a] = plane[a].roi_end;
    }
  return cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32, &out, error);
}

/* ---- Running ---- */

/* The plane geometry run needs, from the inferred shapes and params. */
static void
run_geometry (const CsGraph *graph, const CsNode *node, AxisGeometry *plane)
{
  const CsResizeParams *params = node->params;
  const CsShape *in = &cs_node_input (graph, node, 0)->shape;
  const CsShape *out = &cs_node_output (graph, node, 0)->shape;

  for (int a = 0; a < 2; a++)
    {
      int d = in->rank - 2 + a;

      plane[a] = (AxisGeometry) {
        d >= 0 ? in->dims[d] : 1, d >= 0 ? out->dims[d] : 1,
        params->scale[a], params->roi_start[a], params->roi_end[a]
      };
    }
}

typedef struct
{
  const float *x;
  float       *y;
  int64_t      in_h, in_w, out_h, out_w;
  AxisTable    rows, cols;
  float        extrapolation;
  void       **scratch;
} ResizeTask;

/* The vertical pass of output row @oy: @out[i] = Σ_t weight·row[i] over
 * its taps' rows, row index[t] − @first of @n floats at @rows. */
static void
mix_rows (const AxisTable *table, int64_t oy, const float *rows, int64_t first, int64_t n,
          float *out)
{
  const int64_t *index = table->index + oy * table->taps;
  const float *weight = table->weight + oy * table->taps;
  const float *top = rows + (index[0] - first) * n;

  for (int64_t i = 0; i < n; i++)
    out[i] = weight[0] * top[i];
  for (int t = 1; t < table->taps; t++)
    {
      const float *src = rows + (index[t] - first) * n;
      const float w = weight[t];

      for (int64_t i = 0; i < n; i++)
        out[i] += w * src[i];
    }
}

/* The horizontal pass: a gather along @row into the @n floats of @out. */
static void
gather_row (const AxisTable *cols, const float *row, int64_t n, float *out)
{
  if (cols->weight == NULL)
    for (int64_t ox = 0; ox < n; ox++)
      out[ox] = row[cols->index[ox]];
  else
    for (int64_t ox = 0; ox < n; ox++)
      {
        const int64_t *index = cols->index + ox * cols->taps;
        const float *weight = cols->weight + ox * cols->taps;
        float sum = 0.0f;

        for (int t = 0; t < cols->taps; t++)
          sum += weight[t] * row[index[t]];
        out[ox] = sum;
      }
}

static void
resize_row (const ResizeTask *task, int64_t plane, int64_t oy, float *mixed)
{
  const float *x = task->x + plane * task->in_h * task->in_w;
  float *y = task->y + (plane * task->out_h + oy) * task->out_w;
  const AxisTable *rows = &task->rows, *cols = &task->cols;
  const float *row;

  if (rows->outside != NULL && rows->outside[oy])
    {
      for (int64_t ox = 0; ox < task->out_w; ox++)
        y[ox] = task->extrapolation;
      return;
    }

  /* The vertical pass: one input row for nearest, else the taps' rows
   * mixed into scratch. */
  if (rows->weight == NULL)
    row = x + rows->index[oy] * task->in_w;
  else
    {
      mix_rows (rows, oy, x, 0, task->in_w, mixed);
      row = mixed;
    }
  gather_row (cols, row, task->out_w, y);
  if (cols->outside != NULL)
    for (int64_t ox = 0; ox < task->out_w; ox++)
      if (cols->outside[ox])
        y[ox] = task->extrapolation;
}

static void
resize_range (void *user, int64_t begin, int64_t end, int thread)
{
  const ResizeTask *task = user;
  float *mixed = cs_scratch_floats (task->scratch[thread]);

  for (int64_t r = begin; r < end; r++)
    resize_row (task, r / task->out_h, r % task->out_h, mixed);
}

/* Whether the rows are upsampled by interpolation, with nothing
 * extrapolated: then the bands of resize_band serve. */
static gboolean
upsamples_rows (const AxisGeometry *plane, const CsResizeParams *params)
{
  return params->mode != CS_RESIZE_NEAREST && plane[0].out > plane[0].in
         && params->coordinates != CS_RESIZE_TF_CROP_AND_RESIZE;
}

/* Output rows [oy0, oy1) of @plane: the horizontal pass of each input
 * row they read into @gathered, then each output row the weighted sum of
 * its taps' gathered rows. */
static void
resize_band (const ResizeTask *task, int64_t plane, int64_t oy0, int64_t oy1, float *gathered)
{
  const AxisTable *rows = &task->rows;
  const float *x = task->x + plane * task->in_h * task->in_w;
  int64_t first = task->in_h, last = -1;

  for (int64_t i = oy0 * rows->taps; i < oy1 * rows->taps; i++)
    {
      first = MIN (first, rows->index[i]);
      last = MAX (last, rows->index[i]);
    }
  /* More rows than the scratch holds: a scale that does not match the
   * sizes.  Row by row, then. */
  if (last - first + 1 > BAND_ROWS + rows->taps)
    {
      for (int64_t oy = oy0; oy < oy1; oy++)
        resize_row (task, plane, oy, gathered);
      return;
    }
  for (int64_t iy = first; iy <= last; iy++)
    gather_row (&task->cols, x + iy * task->in_w, task->out_w,
                gathered + (iy - first) * task->out_w);
  for (int64_t oy = oy0; oy < oy1; oy++)
    mix_rows (rows, oy, gathered, first, task->out_w,
              task->y + (plane * task->out_h + oy) * task->out_w);
}

static void
band_range (void *user, int64_t begin, int64_t end, int thread)
{
  const ResizeTask *task = user;
  const int64_t bands = (task->out_h + BAND_ROWS - 1) / BAND_ROWS;
  float *gathered = cs_scratch_floats (task->scratch[thread]);

  for (int64_t b = begin; b < end; b++)
    {
      const int64_t oy0 = b % bands * BAND_ROWS;

      resize_band (task, b / bands, oy0, MIN (oy0 + BAND_ROWS, task->out_h), gathered);
    }
}

static void
resize_run (const CsNode *node, CsExec *exec)
{
  const CsResizeParams *params = node->params;
  const CsShape *out = &cs_node_output (exec->graph, node, 0)->shape;
  AxisGeometry plane[2];
  ResizeTask task;
  int64_t planes;

  if (cs_shape_numel (out) == 0)
    return;
  run_geometry (exec->graph, node, plane);
  planes = cs_shape_numel (out) / (plane[0].out * plane[1].out);
  task = (ResizeTask) {
    cs_exec_in (exec, node, 0), cs_exec_out (exec, node, 0),
    plane[0].in, plane[1].in, plane[0].out, plane[1].out,
    { 0 }, { 0 }, params->extrapolation, exec->scratch
  };
  axis_table_init (&task.rows, params, &plane[0]);
  axis_table_init (&task.cols, params, &plane[1]);
  if (upsamples_rows (plane, params))
    cs_parallel_for (exec->pool, planes * ((task.out_h + BAND_ROWS - 1) / BAND_ROWS), 1,
                     band_range, &task);
  else
    cs_parallel_for (exec->pool, planes * task.out_h,
                     MAX (1, 16384 / (task.out_w * task.cols.taps)), resize_range, &task);
  axis_table_clear (&task.rows);
  axis_table_clear (&task.cols);
}

/* The adjoint of resize_row over every row: each output's gradient goes
 * back along its taps, horizontally into one input-width row, then
 * vertically onto the input rows; extrapolated samples pass none. */
static gboolean
resize_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsResizeParams *params = node->params;
  const CsShape        *out = &cs_node_output (exec->exec.graph, node, 0)->shape;
  const float          *dy = cs_grad_out (exec, node, 0);
  float                *dx = cs_grad_in (exec, node, 0);
  g_autofree float     *drow = NULL;
  AxisGeometry          plane[2];
  AxisTable             rows = { 0 }, cols = { 0 };
  int64_t               planes;

  if (dx == NULL || cs_shape_numel (out) == 0)
    return TRUE;
  run_geometry (exec->exec.graph, node, plane);
  planes = cs_shape_numel (out) / (plane[0].out * plane[1].out);
  axis_table_init (&rows, params, &plane[0]);
  axis_table_init (&cols, params, &plane[1]);
  drow = g_new (float, MAX (plane[1].in, 1));
  for (int64_t p = 0; p < planes; p++)
    for (int64_t oy = 0; oy < plane[0].out; oy++)
      {
        const float *g = dy + (p * plane[0].out + oy) * plane[1].out;
        float       *x_plane = dx + p * plane[0].in * plane[1].in;

        if (rows.outside != NULL && rows.outside[oy])
          continue;
        memset (drow, 0, sizeof (float) * plane[1].in);
        for (int64_t ox = 0; ox < plane[1].out; ox++)
          {
            if (cols.outside != NULL && cols.outside[ox])
              continue;
            for (int t = 0; t < cols.taps; t++)
              drow[cols.index[ox * cols.taps + t]] +=
                  (cols.weight != NULL ? cols.weight[ox * cols.taps + t] : 1.0f) * g[ox];
          }
        for (int t = 0; t < rows.taps; t++)
          {
            float      *x_row = x_plane + rows.index[oy * rows.taps + t] * plane[1].in;
            const float w = rows.weight != NULL ? rows.weight[oy * rows.taps + t] : 1.0f;

            for (int64_t i = 0; i < plane[1].in; i++)
              x_row[i] += w * drow[i];
          }
      }
  axis_table_clear (&rows);
  axis_table_clear (&cols);
  return TRUE;
}

static size_t
resize_scratch_bytes (const CsGraph *graph, const CsNode *node)
{
  const CsResizeParams *params = node->params;
  AxisGeometry plane[2];

  run_geometry (graph, node, plane);
  /* A band reads at most BAND_ROWS − 1 rows apart plus its taps when the
   * rows upsample. */
  if (upsamples_rows (plane, params))
    return (size_t) MAX ((BAND_ROWS + axis_taps (params, plane[0].scale)) * plane[1].out,
                         plane[1].in)
             * sizeof (float)
           + CS_SCRATCH_SLACK;
  return (size_t) plane[1].in * sizeof (float) + CS_SCRATCH_SLACK;
}

/* "⌊65 × 2⌋ = 130" from scales, "65 → 513 from sizes: × 7.892" from
 * sizes: the output size along one axis with the layer's numbers. */
static char *
axis_arithmetic (const CsResizeParams *params, const AxisGeometry *axis)
{
  if (params->sized)
    return g_strdup_printf ("%" G_GINT64_FORMAT " → %" G_GINT64_FORMAT " from sizes: × %.4g",
                            axis->in, axis->out, axis->scale);
  if (params->coordinates == CS_RESIZE_TF_CROP_AND_RESIZE)
    return g_strdup_printf ("⌊%" G_GINT64_FORMAT " × (%g − %g) × %g⌋ = %" G_GINT64_FORMAT,
                            axis->in, axis->roi_end, axis->roi_start, axis->scale, axis->out);
  return g_strdup_printf ("⌊%" G_GINT64_FORMAT " × %g⌋ = %" G_GINT64_FORMAT, axis->in,
                          axis->scale, axis->out);
}

/* Resize has no window: its layer row gives the scale and the samples
 * each output reads per axis, and the output-size arithmetic. */
static void
resize_describe (const CsGraph *graph, const CsNode *node, CsLayerInfo *info)
{
  const CsResizeParams *params = node->params;
  AxisGeometry plane[2];
  int64_t planes;

  run_geometry (graph, node, plane);
  planes = cs_shape_numel (&cs_node_output (graph, node, 0)->shape)
           / MAX (plane[0].out * plane[1].out, 1);
  info->resampled = TRUE;
  for (int a = 0; a < 2; a++)
    {
      info->scale[a] = plane[a].scale;
      info->taps[a] = (int) axis_taps (params, plane[a].scale);
      if (info->out_shape.rank >= 2)
        info->arithmetic[a] = axis_arithmetic (params, &plane[a]);
    }
  info->macs = planes * plane[0].out
               * (plane[1].in * info->taps[0] + plane[1].out * info->taps[1]);
}

const CsOpClass cs_op_resize = {
  .name = "Resize",
  .kind = CS_LAYER_OTHER,
  .infer = resize_infer,
  .run = resize_run,
  .scratch_bytes = resize_scratch_bytes,
  .describe = resize_describe,
  .backward = resize_backward,
};

const CsOpClass cs_op_upsample = {
  .name = "Upsample",
  .kind = CS_LAYER_OTHER,
  .infer = resize_infer,
  .run = resize_run,
  .scratch_bytes = resize_scratch_bytes,
  .describe = resize_describe,
  .backward = resize_backward,
};
