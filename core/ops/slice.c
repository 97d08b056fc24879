/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * slice.c — Slice with starts, ends, axes and steps from attributes
 * (opset < 10) or constant inputs, following ONNX's rules: negative
 * positions count from the end, out-of-range ones (INT64_MAX and
 * INT64_MIN included) are clamped, and a negative step walks backwards.
 * The ranges are resolved into a start and a step per axis, and the copy
 * reads the input through correspondingly scaled strides.
 */
#include "op-common.h"

#include <string.h>

typedef struct
{
  int64_t start[CS_MAX_RANK];
  int64_t step[CS_MAX_RANK];
  CsShape out;
} SlicePlan;

/* Reads the four lists from the inputs or the params into arrays of
 * CS_MAX_RANK; *n_axes and *n_steps are -1 when absent. */
static gboolean
slice_lists (const CsGraph *graph, const CsNode *node,
             int64_t *starts, int64_t *ends, int64_t *axes, int64_t *steps,
             int *n, int *n_ends, int *n_axes, int *n_steps, GError **error)
{
  const CsSliceParams *params = node->params;

  *n_axes = *n_steps = -1;
  if (node->n_inputs >= 3)
    return cs_op_const_ints (graph, node, 1, "the starts", starts,
                             CS_MAX_RANK, n, error)
           && cs_op_const_ints (graph, node, 2, "the ends", ends,
                                CS_MAX_RANK, n_ends, error)
           && (cs_node_input (graph, node, 3) == NULL
               || cs_op_const_ints (graph, node, 3, "the axes", axes,
                                    CS_MAX_RANK, n_axes, error))
           && (cs_node_input (graph, node, 4) == NULL
               || cs_op_const_ints (graph, node, 4, "the steps", steps,
                                    CS_MAX_RANK, n_steps, error));

  if (params == NULL || params->n < 0 || params->n > CS_MAX_RANK)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "starts and ends are not set");
  *n = *n_ends = params->n;
  memcpy (starts, params->starts, sizeof params->starts);
  memcpy (ends, params->ends, sizeof params->ends);
  if (params->has_axes)
    {
      memcpy (axes, params->axes, sizeof params->axes);
      *n_axes = params->n;
    }
  return TRUE;
}

/* Resolves the node's ranges against its input; also used by run, after
 * infer has succeeded, with @error NULL. */
static gboolean
slice_plan (const CsGraph *graph, const CsNode *node, SlicePlan *plan,
            GError **error)
{
  const CsShape *in = &cs_node_input (graph, node, 0)->shape;
  int64_t starts[CS_MAX_RANK], ends[CS_MAX_RANK];
  int64_t axes[CS_MAX_RANK], steps[CS_MAX_RANK];
  int n, n_ends, n_axes, n_steps;
  guint mask;

  if (!slice_lists (graph, node, starts, ends, axes, steps,
                    &n, &n_ends, &n_axes, &n_steps, error))
    return FALSE;
  if (n_ends != n || (n_axes >= 0 && n_axes != n)
      || (n_steps >= 0 && n_steps != n))
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "starts, ends, axes and steps differ in length");
  for (int i = 0; n_axes < 0 && i < n; i++)
    axes[i] = i;
  for (int i = 0; n_steps < 0 && i < n; i++)
    steps[i] = 1;
  if (!cs_op_axes_mask (graph, node, axes, n, in->rank, &mask, error))
    return FALSE;

  plan->out = *in;
  for (int d = 0; d < in->rank; d++)
    {
      plan->start[d] = 0;
      plan->step[d] = 1;
    }
  for (int i = 0; i < n; i++)
    {
      const int d = (int) axes[i];
      const int64_t dim = in->dims[d];
      int64_t start = starts[i], end = ends[i], step = steps[i], count;

      if (step == 0)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "the step for axis %d is 0", d);
      /* A step longer than the axis takes at most one element either
       * way; bounding it keeps the arithmetic below from overflowing. */
      step = CLAMP (step, -(dim + 1), dim + 1);
      if (start < 0)
        start += dim;
      if (end < 0)
        end += dim;
      if (dim == 0)
        count = start = 0;
      else if (step > 0)
        {
          start = CLAMP (start, 0, dim);
          end = CLAMP (end, 0, dim);
          count = end > start ? (end - start - 1) / step + 1 : 0;
        }
      else
        {
          start = CLAMP (start, 0, dim - 1);
          end = CLAMP (end, -1, dim - 1);
          count = start > end ? (start - end - 1) / -step + 1 : 0;
        }
      plan->start[d] = start;
      plan->step[d] = step;
      plan->out.dims[d] = count;
    }
  return TRUE;
}

static gboolean
slice_infer (CsGraph *graph, CsNode *node, GError **error)
{
  SlicePlan plan;

  if (!cs_op_check_arity (graph, node, 1, 5, 1, error))
    return FALSE;
  if (node->n_inputs == 2)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "the starts are given without the ends");
  if (!slice_plan (graph, node, &plan, error))
    return FALSE;
  return cs_op_set_output (graph, node, 0,
                           cs_node_input (graph, node, 0)->dtype, &plan.out,
                           error);
}

static void
slice_run (const CsNode *node, CsExec *exec)
{
  const CsValue *x = cs_node_input (exec->graph, node, 0);
  const size_t elem = cs_dtype_size (x->dtype);
  int64_t in_strides[CS_MAX_RANK], src_strides[CS_MAX_RANK];
  int64_t dst_strides[CS_MAX_RANK];
  int64_t offset = 0;
  SlicePlan plan;

  if (!slice_plan (exec->graph, node, &plan, NULL)
      || cs_shape_numel (&plan.out) == 0)
    return;
  cs_op_strides (&x->shape, in_strides);
  cs_op_strides (&plan.out, dst_strides);
  for (int d = 0; d < x->shape.rank; d++)
    {
      offset += plan.start[d] * in_strides[d];
      src_strides[d] = in_strides[d] * plan.step[d];
    }
  cs_op_strided_copy (exec->data[node->outputs[0]], dst_strides,
                      (const char *) exec->data[node->inputs[0]]
                      + offset * (int64_t) elem, src_strides,
                      plan.out.dims, plan.out.rank, elem);
}

const CsOpClass cs_op_slice = {
  .name = "Slice",
  .kind = CS_LAYER_RESHAPE,
  .infer = slice_infer,
  .run = slice_run,
  .backward = cs_op_backward_moves,
};
