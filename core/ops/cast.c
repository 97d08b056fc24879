/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cast.c — Cast between the engine's two dtypes.  Exporters cast shape
 * arithmetic between float and int64 (a scale factor times a size), which
 * folds at load; a computed tensor may only be "cast" to its own type,
 * which copies it, since the engine computes in float32 alone.
 */
#include "op-common.h"

#include <math.h>

static gboolean
cast_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsCastParams *params = node->params;
  const CsValue      *x;

  if (params == NULL)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node, "the target type is not set");
  if (!cs_op_check_arity (graph, node, 1, 1, 1, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  if (x->dtype != params->to && x->constant == NULL)
    return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                          "casting the computed '%s' to another type is not supported; "
                          "only values known at load are",
                          x->name);
  return cs_op_set_output (graph, node, 0, params->to, &x->shape, error);
}

/* Float to int64 truncates toward zero, as C and NumPy do; NaN becomes
 * 0 and what lies beyond int64's range its nearest end, where C would
 * leave the result undefined. */
static int64_t
float_to_int64 (float value)
{
  if (isnan (value))
    return 0;
  if (value >= 9223372036854775807.0f)
    return G_MAXINT64;
  if (value <= -9223372036854775808.0f)
    return G_MININT64;
  return (int64_t) value;
}

static void
cast_run (const CsNode *node, CsExec *exec)
{
  const CsValue      *x = cs_node_input (exec->graph, node, 0);
  const CsCastParams *params = node->params;
  const int64_t       n = cs_shape_numel (&x->shape);

  if (x->dtype == params->to)
    cs_op_copy_input (node, exec);
  else if (params->to == CS_DTYPE_INT64)
    {
      const float *in = cs_exec_in (exec, node, 0);
      int64_t     *out = exec->data[node->outputs[0]];

      for (int64_t i = 0; i < n; i++)
        out[i] = float_to_int64 (in[i]);
    }
  else
    {
      const int64_t *in = exec->data[node->inputs[0]];
      float         *out = cs_exec_out (exec, node, 0);

      for (int64_t i = 0; i < n; i++)
        out[i] = (float) in[i];
    }
}

const CsOpClass cs_op_cast = {
  .name = "Cast",
  .kind = CS_LAYER_RESHAPE,
  .infer = cast_infer,
  .run = cast_run,
};
