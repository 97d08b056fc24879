/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pad.c — Pad in constant, reflect and edge modes, with the pads from the
 * attribute (opset < 11) or constant input 1, the constant from input 2
 * and, from opset 18, the padded axes from input 3.  Negative pads crop.
 * Reflection beyond a whole period keeps reflecting, as NumPy does.  The
 * output is built row by row: each output coordinate maps back to an
 * input coordinate, or to none for the constant.
 */
#include "op-common.h"

#include <math.h>
#include <string.h>

typedef struct
{
  CsPadMode mode;
  int64_t   begin[CS_MAX_RANK];
  CsShape   out;
  double    value;
} PadPlan;

/* Resolves the node's pads against its input; also used by run, after
 * infer has succeeded, with @error NULL. */
static gboolean
pad_plan (const CsGraph *graph, const CsNode *node, PadPlan *plan,
          GError **error)
{
  static const char *const mode_names[] = { "constant", "reflect", "edge" };
  const CsPadParams *params = node->params;
  const CsShape *in = &cs_node_input (graph, node, 0)->shape;
  int64_t pads[2 * CS_MAX_RANK], axes[CS_MAX_RANK], end[CS_MAX_RANK] = { 0 };
  int n_pads = 0, n_axes = in->rank;
  guint mask;

  plan->mode = params != NULL ? params->mode : CS_PAD_CONSTANT;
  plan->value = params != NULL ? params->value : 0.0;
  if (plan->mode > CS_PAD_EDGE)
    return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                          "unknown padding mode %d", (int) plan->mode);

  if (cs_node_input (graph, node, 1) != NULL)
    {
      if (!cs_op_const_ints (graph, node, 1, "the pads", pads,
                             2 * CS_MAX_RANK, &n_pads, error))
        return FALSE;
    }
  else if (params != NULL)
    {
      n_pads = params->n_pads;
      if (n_pads < 0 || n_pads > 2 * CS_MAX_RANK)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "%d pads make no sense", n_pads);
      memcpy (pads, params->pads, sizeof (int64_t) * (size_t) n_pads);
    }
  for (int d = 0; d < in->rank; d++)
    axes[d] = d;
  if (cs_node_input (graph, node, 3) != NULL
      && !cs_op_const_ints (graph, node, 3, "the axes", axes, CS_MAX_RANK,
                            &n_axes, error))
    return FALSE;
  if (!cs_op_axes_mask (graph, node, axes, n_axes, in->rank, &mask, error))
    return FALSE;
  if (n_pads != 2 * n_axes)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "expected %d pads for %d axes, got %d",
                          2 * n_axes, n_axes, n_pads);
  if (cs_node_input (graph, node, 2) != NULL
      && !cs_op_const_scalar (graph, node, 2, "the padding value",
                              &plan->value, error))
    return FALSE;

  memset (plan->begin, 0, sizeof plan->begin);
  for (int i = 0; i < n_axes; i++)
    {
      plan->begin[axes[i]] = pads[i];
      end[axes[i]] = pads[i + n_axes];
    }
  plan->out = *in;
  for (int d = 0; d < in->rank; d++)
    {
      const int64_t limit = G_MAXINT64 / 4;

      if (plan->begin[d] < -limit || plan->begin[d] > limit
          || end[d] < -limit || end[d] > limit)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "the pads for axis %d are out of range", d);
      plan->out.dims[d] = in->dims[d] + plan->begin[d] + end[d];
      if (plan->out.dims[d] < 0)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "the pads for axis %d crop more than its %"
                              G_GINT64_FORMAT " elements", d, in->dims[d]);
      if (plan->mode != CS_PAD_CONSTANT && in->dims[d] == 0
          && plan->out.dims[d] > 0)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "cannot pad the empty axis %d in %s mode", d,
                              mode_names[plan->mode]);
    }
  return TRUE;
}

gboolean
cs_pad_is_spatial_zeros (const CsGraph *graph, const CsNode *node, int pads[4])
{
  const CsShape *in = &cs_node_input (graph, node, 0)->shape;
  PadPlan        plan;

  if (in->rank != 4 || !pad_plan (graph, node, &plan, NULL) || plan.mode != CS_PAD_CONSTANT
      || plan.value != 0.0 || signbit (plan.value))
    return FALSE;
  for (int d = 0; d < 4; d++)
    {
      const int64_t begin = plan.begin[d], end = plan.out.dims[d] - in->dims[d] - begin;

      if (d < 2 ? begin != 0 || end != 0
                : begin < 0 || end < 0 || begin > G_MAXINT / 4 || end > G_MAXINT / 4)
        return FALSE;
      if (d >= 2)
        {
          pads[d - 2] = (int) begin;
          pads[d] = (int) end;
        }
    }
  return TRUE;
}

static gboolean
pad_infer (CsGraph *graph, CsNode *node, GError **error)
{
  PadPlan plan;

  if (!cs_op_check_arity (graph, node, 1, 4, 1, error)
      || !pad_plan (graph, node, &plan, error))
    return FALSE;
  return cs_op_set_output (graph, node, 0,
                           cs_node_input (graph, node, 0)->dtype, &plan.out,
                           error);
}

/* The input coordinate that output coordinate @o of an axis of @dim
 * elements padded by @begin copies, or -1 for the constant. */
static int64_t
pad_source (CsPadMode mode, int64_t o, int64_t begin, int64_t dim)
{
  int64_t i = o - begin;

  if (i >= 0 && i < dim)
    return i;
  switch (mode)
    {
    case CS_PAD_CONSTANT:
      return -1;
    case CS_PAD_EDGE:
      return CLAMP (i, 0, dim - 1);
    case CS_PAD_REFLECT:
      if (dim == 1)
        return 0;
      {
        const int64_t period = 2 * (dim - 1);

        i %= period;
        if (i < 0)
          i += period;
        return i < dim ? i : period - i;
      }
    }
  return -1;
}

/* The padding value in the tensor's dtype, clamped so that no value of
 * the file makes the conversion undefined. */
static void
pad_fill_pattern (double value, CsDType dtype, void *pattern)
{
  if (dtype == CS_DTYPE_INT64)
    {
      int64_t v = isnan (value) ? 0
                  : value >= 9.2e18 ? G_MAXINT64
                  : value <= -9.2e18 ? G_MININT64 : (int64_t) value;

      memcpy (pattern, &v, sizeof v);
    }
  else
    {
      float v = (float) value;

      memcpy (pattern, &v, sizeof v);
    }
}

static void
fill (char *dst, const char *pattern, int64_t n, size_t elem)
{
  for (int64_t i = 0; i < n; i++)
    memcpy (dst + i * (int64_t) elem, pattern, elem);
}

static void
pad_run (const CsNode *node, CsExec *exec)
{
  const CsValue *x = cs_node_input (exec->graph, node, 0);
  const size_t elem = cs_dtype_size (x->dtype);
  const char *src = exec->data[node->inputs[0]];
  char *dst = exec->data[node->outputs[0]];
  int64_t in_strides[CS_MAX_RANK], index[CS_MAX_RANK] = { 0 };
  char pattern[sizeof (int64_t)];
  PadPlan plan;

  if (!pad_plan (exec->graph, node, &plan, NULL)
      || cs_shape_numel (&plan.out) == 0)
    return;
  if (x->shape.rank == 0)
    {
      cs_op_copy_input (node, exec);
      return;
    }
  pad_fill_pattern (plan.value, x->dtype, pattern);
  cs_op_strides (&x->shape, in_strides);

  const int inner = x->shape.rank - 1;
  const int64_t in_length = x->shape.dims[inner];
  const int64_t out_length = plan.out.dims[inner];
  const int64_t n_rows = cs_shape_numel (&plan.out) / out_length;

  for (int64_t row = 0; row < n_rows; row++, dst += out_length * (int64_t) elem)
    {
      int64_t offset = 0;
      gboolean inside = TRUE;

      for (int d = 0; d < inner && inside; d++)
        {
          int64_t s = pad_source (plan.mode, index[d], plan.begin[d],
                                  x->shape.dims[d]);

          inside = s >= 0;
          offset += s * in_strides[d];
        }

      if (!inside)
        fill (dst, pattern, out_length, elem);
      else if (plan.mode == CS_PAD_CONSTANT)
        {
          /* Constant, then a stretch of the input row, then constant. */
          const int64_t lo = CLAMP (plan.begin[inner], 0, out_length);
          const int64_t hi = CLAMP (plan.begin[inner] + in_length, lo, out_length);

          fill (dst, pattern, lo, elem);
          if (hi > lo)
            memcpy (dst + lo * (int64_t) elem,
                    src + (offset + lo - plan.begin[inner]) * (int64_t) elem,
                    (size_t) (hi - lo) * elem);
          fill (dst + hi * (int64_t) elem, pattern, out_length - hi, elem);
        }
      else
        for (int64_t o = 0; o < out_length; o++)
          memcpy (dst + o * (int64_t) elem,
                  src + (offset + pad_source (plan.mode, o, plan.begin[inner],
                                              in_length)) * (int64_t) elem,
                  elem);

      for (int d = inner - 1; d >= 0; d--)
        {
          if (++index[d] < plan.out.dims[d])
            break;
          index[d] = 0;
        }
    }
}

/* Constant padding shifts the block (its padded part falls outside the
 * input); reflected and repeated edges read the input coordinates that
 * pad_source gives for the block's coordinates inside the output. */
static gboolean
pad_footprint (const CsGraph *graph, const CsNode *node, int j, const CsRegion *out,
               int i, CsRegion *in)
{
  const CsShape *x = &cs_node_input (graph, node, 0)->shape;
  PadPlan plan;

  if (i != 0 || !pad_plan (graph, node, &plan, NULL))
    return FALSE;
  for (int axis = 1; axis < 4; axis++)
    {
      const int64_t begin = plan.begin[axis];
      int64_t lo = G_MAXINT64, hi = G_MININT64;

      if (plan.mode == CS_PAD_CONSTANT)
        {
          in->lo[axis - 1] = out->lo[axis - 1] - begin;
          in->hi[axis - 1] = out->hi[axis - 1] - begin;
          continue;
        }
      for (int64_t o = MAX (out->lo[axis - 1], 0);
           o <= MIN (out->hi[axis - 1], plan.out.dims[axis] - 1); o++)
        {
          int64_t source = pad_source (plan.mode, o, begin, x->dims[axis]);

          lo = MIN (lo, source);
          hi = MAX (hi, source);
        }
      if (lo > hi)
        return FALSE;
      in->lo[axis - 1] = lo;
      in->hi[axis - 1] = hi;
    }
  return TRUE;
}

/* Each output element's gradient goes to the input element it copies;
 * the constant border's goes nowhere. */
static gboolean
pad_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsValue *x = cs_node_input (exec->exec.graph, node, 0);
  const float *dy = cs_grad_out (exec, node, 0);
  float *dx = cs_grad_in (exec, node, 0);
  int64_t in_strides[CS_MAX_RANK], index[CS_MAX_RANK] = { 0 };
  PadPlan plan;

  if (dx == NULL || !pad_plan (exec->exec.graph, node, &plan, error))
    return dx == NULL;
  cs_op_strides (&x->shape, in_strides);
  for (int64_t i = 0; i < cs_shape_numel (&plan.out); i++)
    {
      int64_t offset = 0;
      gboolean inside = TRUE;

      for (int d = 0; d < x->shape.rank && inside; d++)
        {
          int64_t s = pad_source (plan.mode, index[d], plan.begin[d], x->shape.dims[d]);

          inside = s >= 0;
          offset += s * in_strides[d];
        }
      if (inside)
        dx[offset] += dy[i];
      for (int d = x->shape.rank - 1; d >= 0; d--)
        {
          if (++index[d] < plan.out.dims[d])
            break;
          index[d] = 0;
        }
    }
  return TRUE;
}

const CsOpClass cs_op_pad = {
  .name = "Pad",
  .kind = CS_LAYER_RESHAPE,
  .infer = pad_infer,
  .run = pad_run,
  .footprint = pad_footprint,
  .backward = pad_backward,
};
