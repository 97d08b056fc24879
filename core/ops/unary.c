/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * unary.c — elementwise math that is no activation: Erf, Sqrt, Exp, Log,
 * Abs, Neg and Reciprocal.  They run in place as an epilogue of the op
 * before them when the fuse pass lets them (ConvNeXt's exported GELU is
 * Div → Erf → Add → Mul → Mul).  Abs and Neg also take int64, for shape
 * arithmetic folded at load.
 */
#include "op-common.h"

#include <math.h>

typedef enum
{
  UNARY_ERF,
  UNARY_SQRT,
  UNARY_EXP,
  UNARY_LOG,
  UNARY_ABS,
  UNARY_NEG,
  UNARY_RECIPROCAL
} UnaryOp;

static const struct
{
  const CsOpClass *klass;
  UnaryOp          op;
} unary_ops[] = {
  { &cs_op_erf, UNARY_ERF },
  { &cs_op_sqrt, UNARY_SQRT },
  { &cs_op_exp, UNARY_EXP },
  { &cs_op_log, UNARY_LOG },
  { &cs_op_abs, UNARY_ABS },
  { &cs_op_neg, UNARY_NEG },
  { &cs_op_reciprocal, UNARY_RECIPROCAL },
};

typedef struct
{
  UnaryOp      op;
  const float *x;
  float       *y;
} UnaryTask;

static UnaryOp
unary_op (const CsOpClass *klass)
{
  for (size_t i = 0; i < G_N_ELEMENTS (unary_ops); i++)
    if (unary_ops[i].klass == klass)
      return unary_ops[i].op;
  g_return_val_if_reached (UNARY_NEG);
}

static gboolean
unary_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsValue *x;
  const UnaryOp  op = unary_op (node->klass);

  if (!cs_op_check_arity (graph, node, 1, 1, 1, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  if (x->dtype == CS_DTYPE_INT64 && (op == UNARY_ABS || op == UNARY_NEG))
    return cs_op_set_output (graph, node, 0, CS_DTYPE_INT64, &x->shape, error);
  if (!cs_op_check_float (graph, node, 0, 0, CS_MAX_RANK, error))
    return FALSE;
  return cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32, &x->shape, error);
}

static void
unary_range (void *user, int64_t begin, int64_t end, int thread)
{
  const UnaryTask *task = user;
  const float     *x = task->x;
  float           *y = task->y;

  switch (task->op)
    {
    case UNARY_ERF:
      for (int64_t i = begin; i < end; i++)
        y[i] = erff (x[i]);
      break;
    case UNARY_SQRT:
      for (int64_t i = begin; i < end; i++)
        y[i] = sqrtf (x[i]);
      break;
    case UNARY_EXP:
      for (int64_t i = begin; i < end; i++)
        y[i] = expf (x[i]);
      break;
    case UNARY_LOG:
      for (int64_t i = begin; i < end; i++)
        y[i] = logf (x[i]);
      break;
    case UNARY_ABS:
      for (int64_t i = begin; i < end; i++)
        y[i] = fabsf (x[i]);
      break;
    case UNARY_NEG:
      for (int64_t i = begin; i < end; i++)
        y[i] = -x[i];
      break;
    case UNARY_RECIPROCAL:
      for (int64_t i = begin; i < end; i++)
        y[i] = 1.0f / x[i];
      break;
    }
}

/* Wrapping around at the most negative value rather than overflowing. */
static void
int64_run (UnaryOp op, const int64_t *x, int64_t *y, int64_t n)
{
  for (int64_t i = 0; i < n; i++)
    {
      uint64_t negated = 0 - (uint64_t) x[i];

      y[i] = op == UNARY_NEG || x[i] < 0 ? (int64_t) negated : x[i];
    }
}

static void
unary_run (const CsNode *node, CsExec *exec)
{
  const CsValue *x = cs_node_input (exec->graph, node, 0);
  const int64_t  n = cs_shape_numel (&x->shape);
  UnaryTask      task = {
         .op = unary_op (node->klass),
         .x = cs_exec_in (exec, node, 0),
         .y = cs_exec_out (exec, node, 0),
  };

  if (x->dtype == CS_DTYPE_INT64)
    {
      int64_run (task.op, exec->data[node->inputs[0]], exec->data[node->outputs[0]], n);
      return;
    }
  cs_parallel_for (exec->pool, n, 16384, unary_range, &task);
}

/* dx += dy·f′(x), from x: an epilogue step keeps its input for this
 * (gradient.c), which the fused run overwrote. */
static gboolean
unary_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const UnaryOp op = unary_op (node->klass);
  const float  *x = cs_exec_in (&exec->exec, node, 0);
  const float  *dy = cs_grad_out (exec, node, 0);
  float        *dx = cs_grad_in (exec, node, 0);
  const int64_t n = cs_shape_numel (&cs_node_input (exec->exec.graph, node, 0)->shape);

  if (dx == NULL)
    return TRUE;
  for (int64_t i = 0; i < n; i++)
    {
      float slope = 0.0f;

      switch (op)
        {
        case UNARY_ERF:
          slope = (float) (2.0 / sqrt (G_PI)) * expf (-x[i] * x[i]);
          break;
        case UNARY_SQRT:
          slope = 0.5f / sqrtf (x[i]);
          break;
        case UNARY_EXP:
          slope = expf (x[i]);
          break;
        case UNARY_LOG:
          slope = 1.0f / x[i];
          break;
        case UNARY_ABS:
          slope = x[i] > 0.0f ? 1.0f : x[i] < 0.0f ? -1.0f : 0.0f;
          break;
        case UNARY_NEG:
          slope = -1.0f;
          break;
        case UNARY_RECIPROCAL:
          slope = -1.0f / (x[i] * x[i]);
          break;
        }
      dx[i] += dy[i] * slope;
    }
  return TRUE;
}

#define UNARY_CLASS(var, op_name)                                                                  \
  const CsOpClass var = {                                                                          \
    .name = op_name,                                                                               \
    .kind = CS_LAYER_ELEMENTWISE,                                                                  \
    .elementwise = TRUE,                                                                           \
    .infer = unary_infer,                                                                          \
    .run = unary_run,                                                                              \
    .backward = unary_backward,                                                                    \
    .backward_reads = CS_GRAD_READS_INPUTS,                                                        \
  }

UNARY_CLASS (cs_op_erf, "Erf");
UNARY_CLASS (cs_op_sqrt, "Sqrt");
UNARY_CLASS (cs_op_exp, "Exp");
UNARY_CLASS (cs_op_log, "Log");
UNARY_CLASS (cs_op_abs, "Abs");
UNARY_CLASS (cs_op_neg, "Neg");
UNARY_CLASS (cs_op_reciprocal, "Reciprocal");
