/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * activation.c — the elementwise activation functions, both as ops of
 * their own (Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh,
 * Elu, Selu, Softplus, Gelu; and Silu, which no importer makes: the fuse
 * pass makes it of a Sigmoid → Mul pair) and as the CsActivation that the
 * fuse pass attaches to the op before them; so is FakeQuantize, the
 * rounding to a quantized grid that the activation ends with.  Both run on the kernels' loops (kernels/epilogue.h), which conv
 * and dense apply in their epilogue; this file translates a node's
 * activation into the kernels' form.
 */
#include "op-common.h"

#include <math.h>

typedef struct
{
  CsActivation act;
  const float      *x;
  float            *y;
} ActivationTask;

static void
activation_range (void *user, int64_t begin, int64_t end, int thread)
{
  const ActivationTask *task = user;

  cs_activation_map (&task->act, task->x + begin, task->y + begin, end - begin);
}

/* The kind each op class computes, and the parameter defaults a node
 * without params gets. */
static const struct
{
  const CsOpClass *klass;
  CsActivation     defaults;
} activation_kinds[] = {
  { &cs_op_relu,         { CS_ACT_RELU, 0.0f, 0.0f } },
  { &cs_op_clip,         { CS_ACT_CLIP, -INFINITY, INFINITY } },
  { &cs_op_leaky_relu,   { CS_ACT_LEAKY_RELU, 0.01f, 0.0f } },
  { &cs_op_sigmoid,      { CS_ACT_SIGMOID, 0.0f, 0.0f } },
  { &cs_op_hard_sigmoid, { CS_ACT_HARD_SIGMOID, 0.2f, 0.5f } },
  { &cs_op_hard_swish,   { CS_ACT_HARD_SWISH, 0.0f, 0.0f } },
  { &cs_op_tanh,         { CS_ACT_TANH, 0.0f, 0.0f } },
  { &cs_op_elu,          { CS_ACT_ELU, 1.0f, 0.0f } },
  { &cs_op_selu,         { CS_ACT_SELU, 1.67326319217681884765625f, 1.05070102214813232421875f } },
  { &cs_op_softplus,     { CS_ACT_SOFTPLUS, 0.0f, 0.0f } },
  { &cs_op_gelu,         { CS_ACT_GELU, 0.0f, 0.0f } },
  { &cs_op_silu,         { CS_ACT_SILU, 0.0f, 0.0f } },
};

/* Clip's bounds may come as constant inputs (opset 11 on); they go into
 * the params so that a fused Clip carries them along. */
static gboolean
clip_read_bounds (const CsGraph *graph, CsNode *node, GError **error)
{
  CsActivation *act = node->params;
  static const char *const what[] = { "the minimum", "the maximum" };

  for (int i = 1; i <= 2; i++)
    {
      double bound;

      if (cs_node_input (graph, node, i) == NULL)
        continue;
      if (!cs_op_const_scalar (graph, node, i, what[i - 1], &bound, error))
        return FALSE;
      if (i == 1)
        act->alpha = (float) bound;
      else
        act->beta = (float) bound;
    }
  return TRUE;
}

static gboolean
activation_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsValue *x;
  const int max_inputs = node->klass == &cs_op_clip ? 3 : 1;

  if (!cs_op_check_arity (graph, node, 1, max_inputs, 1, error)
      || !cs_op_check_float (graph, node, 0, 0, CS_MAX_RANK, error))
    return FALSE;

  for (guint k = 0; k < G_N_ELEMENTS (activation_kinds); k++)
    if (activation_kinds[k].klass == node->klass)
      {
        if (node->params == NULL)
          node->params = g_memdup2 (&activation_kinds[k].defaults,
                                    sizeof (CsActivation));
        ((CsActivation *) node->params)->kind = activation_kinds[k].defaults.kind;
      }
  if (node->klass == &cs_op_clip && !clip_read_bounds (graph, node, error))
    return FALSE;

  x = cs_node_input (graph, node, 0);
  return cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32, &x->shape, error);
}

static void
activation_run (const CsNode *node, CsExec *exec)
{
  const CsValue *y = cs_node_output (exec->graph, node, 0);
  ActivationTask task = {
    .act = *(const CsActivation *) node->params,
    .x = cs_exec_in (exec, node, 0),
    .y = cs_exec_out (exec, node, 0),
  };

  cs_parallel_for (exec->pool, cs_shape_numel (&y->shape), 16384,
                   activation_range, &task);
}

/* The slope from the input, which every kind can tell it from. */
static gboolean
activation_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsValue *y = cs_node_output (exec->exec.graph, node, 0);
  const int64_t n = cs_shape_numel (&y->shape);
  const float *dy = cs_grad_out (exec, node, 0);
  float *dx = cs_grad_in (exec, node, 0);
  float *slope;

  if (dx == NULL)
    return TRUE;
  slope = g_memdup2 (dy, sizeof (float) * (size_t) n);
  cs_activation_backward (node->params, cs_exec_in (&exec->exec, node, 0), NULL, slope, n);
  for (int64_t i = 0; i < n; i++)
    dx[i] += slope[i];
  g_free (slope);
  return TRUE;
}

#define ACTIVATION_CLASS(var, op_name)          \
  const CsOpClass var = {                       \
    .name = op_name,                            \
    .kind = CS_LAYER_ACTIVATION,                \
    .infer = activation_infer,                  \
    .run = activation_run,                      \
    .footprint = cs_op_footprint_same,          \
    .backward = activation_backward,            \
    .backward_reads = CS_GRAD_READS_INPUTS,     \
  }

ACTIVATION_CLASS (cs_op_relu, "Relu");
ACTIVATION_CLASS (cs_op_clip, "Clip");
ACTIVATION_CLASS (cs_op_leaky_relu, "LeakyRelu");
ACTIVATION_CLASS (cs_op_sigmoid, "Sigmoid");
ACTIVATION_CLASS (cs_op_hard_sigmoid, "HardSigmoid");
ACTIVATION_CLASS (cs_op_hard_swish, "HardSwish");
ACTIVATION_CLASS (cs_op_tanh, "Tanh");
ACTIVATION_CLASS (cs_op_elu, "Elu");
ACTIVATION_CLASS (cs_op_selu, "Selu");
ACTIVATION_CLASS (cs_op_softplus, "Softplus");
ACTIVATION_CLASS (cs_op_gelu, "Gelu");
ACTIVATION_CLASS (cs_op_silu, "Silu");

/* FakeQuantize: rounding to the grid of a quantized type, which the fuse
 * pass folds into the activation of the op before it.  No kind of its
 * own: a grid with an identity activation. */
static gboolean
fake_quantize_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsGrid *grid = node->params;

  if (!cs_op_check_arity (graph, node, 1, 1, 1, error)
      || !cs_op_check_float (graph, node, 0, 0, CS_MAX_RANK, error))
    return FALSE;
  if (grid == NULL || !(grid->scale > 0.0f) || !isfinite (grid->scale)
      || !(grid->low <= grid->high))
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "needs a positive quantization scale and a range");
  return cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32,
                           &cs_node_input (graph, node, 0)->shape, error);
}

static void
fake_quantize_run (const CsNode *node, CsExec *exec)
{
  const CsValue *y = cs_node_output (exec->graph, node, 0);
  ActivationTask task = {
    .act = { CS_ACT_NONE, .grid = *(const CsGrid *) node->params },
    .x = cs_exec_in (exec, node, 0),
    .y = cs_exec_out (exec, node, 0),
  };

  cs_parallel_for (exec->pool, cs_shape_numel (&y->shape), 16384, activation_range, &task);
}

const CsOpClass cs_op_fake_quantize = {
  .name = "FakeQuantize",
  .kind = CS_LAYER_OTHER,
  .elementwise = TRUE,
  .infer = fake_quantize_infer,
  .run = fake_quantize_run,
  .footprint = cs_op_footprint_same,
  /* Straight through: rounding has no useful slope. */
  .backward = cs_op_backward_pass_through,
};
