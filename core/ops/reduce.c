/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * reduce.c — ReduceMean over any set of axes (attribute, or constant input
 * 1 from opset 18), with keepdims and noop_with_empty_axes.  When the
 * reduced axes are adjacent, the tensor is viewed as outer × reduced ×
 * inner, and a mean over H and W (inner = 1) is a plain row sum; other
 * axis sets accumulate element by element.
 */
#include "op-common.h"

#include <math.h>
#include <string.h>

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

static void
reduce_run (const CsNode *node, CsExec *exec)
{
  const CsShape *in = &cs_node_input (exec->graph, node, 0)->shape;
  const float *x = cs_exec_in (exec, node, 0);
  float *y = cs_exec_out (exec, node, 0);
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
  const float scale = reduced > 0 ? 1.0f / (float) reduced : NAN;

  if (mask == ((2u << last) - (1u << first)) && inner == 1)
    {
      for (int64_t o = 0; o < outer; o++)
        {
          const float *row = x + o * reduced;
          double sum = 0.0;

          for (int64_t i = 0; i < reduced; i++)
            sum += row[i];
          y[o] = (float) sum * scale;
        }
    }
  else if (mask == ((2u << last) - (1u << first)))
    {
      for (int64_t o = 0; o < outer; o++)
        {
          float *acc = y + o * inner;

          memset (acc, 0, sizeof (float) * (size_t) inner);
          for (int64_t r = 0; r < reduced; r++)
            {
              const float *row = x + (o * reduced + r) * inner;

              for (int64_t i = 0; i < inner; i++)
                acc[i] += row[i];
            }
          for (int64_t i = 0; i < inner; i++)
            acc[i] *= scale;
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
      memset (y, 0, sizeof (float) * (size_t) n_out);
      for (int64_t i = 0; i < n_in; i++)
        {
          y[offset] += x[i];
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
        y[i] *= scale;
    }
}

/* Each input element gets its mean's gradient over the count. */
static gboolean
reduce_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsShape *in = &cs_node_input (exec->exec.graph, node, 0)->shape;
  const float *dy = cs_grad_out (exec, node, 0);
  float *dx = cs_grad_in (exec, node, 0);
  int64_t out_strides[CS_MAX_RANK], index[CS_MAX_RANK] = { 0 };
  int64_t stride = 1, offset = 0, reduced = 1;
  guint mask;

  if (dx == NULL)
    return TRUE;
  reduce_axes (exec->exec.graph, node, &mask, NULL);
  for (int d = in->rank - 1; d >= 0; d--)
    {
      out_strides[d] = (mask & (1u << d)) ? 0 : stride;
      if (mask & (1u << d))
        reduced *= in->dims[d];
      else
        stride *= in->dims[d];
    }
  for (int64_t i = 0; i < cs_shape_numel (in); i++)
    {
      dx[i] += dy[offset] / (float) reduced;
      for (int d = in->rank - 1; d >= 0; d--)
        {
          offset += out_strides[d];
          if (++index[d] < in->dims[d])
            break;
          offset -= out_strides[d] * in->dims[d];
          index[d] = 0;
        }
    }
  return TRUE;
}

static void
reduce_describe (const CsGraph *graph, const CsNode *node, CsLayerInfo *info)
{
  info->macs = cs_shape_numel (&cs_node_input (graph, node, 0)->shape);
}

const CsOpClass cs_op_reduce_mean = {
  .name = "ReduceMean",
  .kind = CS_LAYER_POOL,
  .infer = reduce_infer,
  .run = reduce_run,
  .backward = reduce_backward,
  .describe = reduce_describe,
};
