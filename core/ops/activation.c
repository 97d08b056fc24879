/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * activation.c — the elementwise activation functions, both as ops of
 * their own (Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh)
 * and as the CsActivation that the fuse pass attaches to the op before
 * them, which conv and dense kernels apply in their epilogue.
 */
#include "op-common.h"

#include <math.h>
#include <string.h>

/* Large |x| would overflow exp(−x) in the textbook form; exp of a
 * non-positive argument cannot. */
static inline float
sigmoid (float x)
{
  float e = expf (-fabsf (x));
  float r = 1.0f / (1.0f + e);

  return x >= 0.0f ? r : e * r;
}

static inline float
hard_sigmoid (float x, float alpha, float beta)
{
  return fminf (fmaxf (alpha * x + beta, 0.0f), 1.0f);
}

float
cs_activation_scalar (const CsActivation *act, float x)
{
  switch (act->kind)
    {
    case CS_ACT_NONE:
      return x;
    case CS_ACT_RELU:
      return fmaxf (x, 0.0f);
    case CS_ACT_CLIP:
      return fminf (fmaxf (x, act->alpha), act->beta);
    case CS_ACT_LEAKY_RELU:
      return x >= 0.0f ? x : act->alpha * x;
    case CS_ACT_SIGMOID:
      return sigmoid (x);
    case CS_ACT_HARD_SIGMOID:
      return hard_sigmoid (x, act->alpha, act->beta);
    case CS_ACT_HARD_SWISH:
      return x * hard_sigmoid (x, 1.0f / 6.0f, 0.5f);
    case CS_ACT_TANH:
      return tanhf (x);
    }
  return x;
}

/* One loop per kind, so that the common ones vectorize; @x and @y may be
 * the same array. */
static void
activation_map (const CsActivation *act, const float *x, float *y, int64_t n)
{
  const float alpha = act->alpha, beta = act->beta;

  switch (act->kind)
    {
    case CS_ACT_NONE:
      if (x != y)
        memcpy (y, x, (size_t) n * sizeof (float));
      break;
    case CS_ACT_RELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
    case CS_ACT_CLIP:
      for (int64_t i = 0; i < n; i++)
        {
          float v = x[i] < alpha ? alpha : x[i];
          y[i] = v > beta ? beta : v;
        }
      break;
    case CS_ACT_LEAKY_RELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] >= 0.0f ? x[i] : alpha * x[i];
      break;
    case CS_ACT_SIGMOID:
      for (int64_t i = 0; i < n; i++)
        y[i] = sigmoid (x[i]);
      break;
    case CS_ACT_HARD_SIGMOID:
      for (int64_t i = 0; i < n; i++)
        y[i] = hard_sigmoid (x[i], alpha, beta);
      break;
    case CS_ACT_HARD_SWISH:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] * hard_sigmoid (x[i], 1.0f / 6.0f, 0.5f);
      break;
    case CS_ACT_TANH:
      for (int64_t i = 0; i < n; i++)
        y[i] = tanhf (x[i]);
      break;
    }
}

void
cs_activation_apply (const CsActivation *act, float *data, int64_t n)
{
  activation_map (act, data, data, n);
}

typedef struct
{
  const CsActivation *act;
  const float        *x;
  float              *y;
} ActivationTask;

static void
activation_range (void *user, int64_t begin, int64_t end, int thread)
{
  const ActivationTask *task = user;

  activation_map (task->act, task->x + begin, task->y + begin, end - begin);
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
    .act = node->params,
    .x = cs_exec_in (exec, node, 0),
    .y = cs_exec_out (exec, node, 0),
  };

  cs_parallel_for (exec->pool, cs_shape_numel (&y->shape), 16384,
                   activation_range, &task);
}

#define ACTIVATION_CLASS(var, op_name)          \
  const CsOpClass var = {                       \
    .name = op_name,                            \
    .kind = CS_LAYER_ACTIVATION,                \
    .infer = activation_infer,                  \
    .run = activation_run,                      \
  }

ACTIVATION_CLASS (cs_op_relu, "Relu");
ACTIVATION_CLASS (cs_op_clip, "Clip");
ACTIVATION_CLASS (cs_op_leaky_relu, "LeakyRelu");
ACTIVATION_CLASS (cs_op_sigmoid, "Sigmoid");
ACTIVATION_CLASS (cs_op_hard_sigmoid, "HardSigmoid");
ACTIVATION_CLASS (cs_op_hard_swish, "HardSwish");
ACTIVATION_CLASS (cs_op_tanh, "Tanh");
