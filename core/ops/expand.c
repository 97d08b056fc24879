/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * expand.c — the ops that make a tensor by broadcasting to a shape:
 * Expand (an input to the broadcast of its shape and a target shape),
 * ConstantOfShape (one value to a shape) and Where (picking from two
 * operands by a condition, all three broadcast together).  Exporters
 * compute shapes with them (ConstantOfShape → Equal → Where → Expand), so
 * they work on int64 as on float32; Where's condition is the int64 0 or 1
 * that Equal leaves in place of a boolean.
 */
#include "op-common.h"

#include <string.h>

/* ---- Expand ---- */

static gboolean
expand_target (const CsGraph *graph, const CsNode *node, CsShape *out, GError **error)
{
  CsShape target = { 0 };
  int     n;

  if (!cs_op_const_ints (graph, node, 1, "the target shape", target.dims, CS_MAX_RANK, &n, error))
    return FALSE;
  target.rank = n;
  return cs_op_broadcast_shapes (graph, node, &cs_node_input (graph, node, 0)->shape, &target, out,
                                 error);
}

static gboolean
expand_infer (CsGraph *graph, CsNode *node, GError **error)
{
  CsShape out;

  if (!cs_op_check_arity (graph, node, 2, 2, 1, error) || !expand_target (graph, node, &out, error))
    return FALSE;
  return cs_op_set_output (graph, node, 0, cs_node_input (graph, node, 0)->dtype, &out, error);
}

static void
expand_run (const CsNode *node, CsExec *exec)
{
  const CsValue *x = cs_node_input (exec->graph, node, 0);
  const CsValue *y = cs_node_output (exec->graph, node, 0);
  int64_t        src_strides[CS_MAX_RANK], dst_strides[CS_MAX_RANK];

  cs_op_broadcast_strides (&x->shape, &y->shape, src_strides);
  cs_op_strides (&y->shape, dst_strides);
  cs_op_strided_copy (exec->data[node->outputs[0]], dst_strides, exec->data[node->inputs[0]],
                      src_strides, y->shape.dims, y->shape.rank, cs_dtype_size (y->dtype));
}

/* Each input element gets the sum of the gradients of its copies. */
static gboolean
expand_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsShape *x = &cs_node_input (exec->exec.graph, node, 0)->shape;
  const CsShape *y = &cs_node_output (exec->exec.graph, node, 0)->shape;
  const float   *dy = cs_grad_out (exec, node, 0);
  float         *dx = cs_grad_in (exec, node, 0);
  int64_t        strides[CS_MAX_RANK], index[CS_MAX_RANK] = { 0 }, at = 0;

  if (dx == NULL)
    return TRUE;
  cs_op_broadcast_strides (x, y, strides);
  for (int64_t i = 0; i < cs_shape_numel (y); i++)
    {
      dx[at] += dy[i];
      for (int d = y->rank - 1; d >= 0; d--)
        {
          at += strides[d];
          if (++index[d] < y->dims[d])
            break;
          at -= strides[d] * y->dims[d];
          index[d] = 0;
        }
    }
  return TRUE;
}

const CsOpClass cs_op_expand = {
  .name = "Expand",
  .kind = CS_LAYER_RESHAPE,
  .infer = expand_infer,
  .run = expand_run,
  .backward = expand_backward,
};

/* ---- ConstantOfShape ---- */

static gboolean
constant_of_shape_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsFillParams *params = node->params;
  const CsValue      *shape_input;
  CsShape             out = { 0 };
  int                 n;

  if (params == NULL)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node, "the value is not set");
  if (!cs_op_check_arity (graph, node, 1, 1, 1, error))
    return FALSE;
  shape_input = cs_node_input (graph, node, 0);
  if (shape_input->shape.rank != 1)
    {
      g_autofree char *shape = cs_shape_to_string (&shape_input->shape);

      return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                            "the shape input has shape %s; expected one dimension", shape);
    }
  if (!cs_op_const_ints (graph, node, 0, "the shape", out.dims, CS_MAX_RANK, &n, error))
    return FALSE;
  out.rank = n;
  return cs_op_set_output (graph, node, 0, params->dtype, &out, error);
}

static void
constant_of_shape_run (const CsNode *node, CsExec *exec)
{
  const CsFillParams *params = node->params;
  const int64_t       n = cs_shape_numel (&cs_node_output (exec->graph, node, 0)->shape);

  if (params->dtype == CS_DTYPE_INT64)
    {
      int64_t *y = exec->data[node->outputs[0]];

      for (int64_t i = 0; i < n; i++)
        y[i] = params->int_value;
    }
  else
    {
      float *y = cs_exec_out (exec, node, 0);

      for (int64_t i = 0; i < n; i++)
        y[i] = params->float_value;
    }
}

const CsOpClass cs_op_constant_of_shape = {
  .name = "ConstantOfShape",
  .kind = CS_LAYER_OTHER,
  .infer = constant_of_shape_infer,
  .run = constant_of_shape_run,
};

/* ---- Where ---- */

static gboolean
where_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsValue *condition, *x, *y;
  CsShape        out;

  if (!cs_op_check_arity (graph, node, 3, 3, 1, error))
    return FALSE;
  condition = cs_node_input (graph, node, 0);
  x = cs_node_input (graph, node, 1);
  y = cs_node_input (graph, node, 2);
  if (condition->dtype != CS_DTYPE_INT64)
    return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                          "the condition '%s' must come from a comparison folded at load",
                          condition->name);
  if (x->dtype != y->dtype)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "inputs '%s' and '%s' have different types", x->name, y->name);
  if (!cs_op_broadcast_shapes (graph, node, &condition->shape, &x->shape, &out, error)
      || !cs_op_broadcast_shapes (graph, node, &out, &y->shape, &out, error))
    return FALSE;
  return cs_op_set_output (graph, node, 0, x->dtype, &out, error);
}

/* Walks the output in order, each operand's offset kept in step. */
static void
where_run (const CsNode *node, CsExec *exec)
{
  const CsShape *out = &cs_node_output (exec->graph, node, 0)->shape;
  const size_t   elem = cs_op_elem_size (exec->graph, node->outputs[0]);
  const int64_t *condition = exec->data[node->inputs[0]];
  const char    *picks[2] = { exec->data[node->inputs[2]], exec->data[node->inputs[1]] };
  char          *y = exec->data[node->outputs[0]];
  int64_t        strides[3][CS_MAX_RANK], offsets[3] = { 0 }, index[CS_MAX_RANK] = { 0 };
  const int64_t  n = cs_shape_numel (out);

  for (int k = 0; k < 3; k++)
    cs_op_broadcast_strides (&cs_node_input (exec->graph, node, k)->shape, out, strides[k]);
  for (int64_t i = 0; i < n; i++)
    {
      /* offsets: 0 the condition, 1 X, 2 Y. */
      gboolean take_x = condition[offsets[0]] != 0;

      memcpy (y + i * (int64_t) elem, picks[take_x] + offsets[take_x ? 1 : 2] * (int64_t) elem,
              elem);
      for (int d = out->rank - 1; d >= 0; d--)
        {
          for (int k = 0; k < 3; k++)
            offsets[k] += strides[k][d];
          if (++index[d] < out->dims[d])
            break;
          for (int k = 0; k < 3; k++)
            offsets[k] -= strides[k][d] * out->dims[d];
          index[d] = 0;
        }
    }
}

const CsOpClass cs_op_where = {
  .name = "Where",
  .kind = CS_LAYER_OTHER,
  .infer = where_infer,
  .run = where_run,
};
