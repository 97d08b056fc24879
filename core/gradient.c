/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gradient.c — the backward pass (cs-gradient.h).  The forward pass runs
 * the fused graph node by node as a session does, in the session's
 * arena, except that a value the backward pass reads (what each op's
 * backward_reads names, the output a fused activation's slope is read
 * from, the layers asked for) is kept in memory of its own.  The
 * backward pass then walks the nodes on the path from the targets to the
 * output in reverse, through each node's epilogue, its fused activation
 * and its op's vector-Jacobian product (CsOpClass.backward), adding into
 * one gradient per value; a value's gradient is freed once its producer
 * has passed it on.
 */
#include "cs-gradient.h"
#include "model.h"
#include "ops/op-common.h"

#include <string.h>

/* Per value, what the passes need to know. */
typedef struct
{
  gboolean target;  /* its gradient is asked for */
  gboolean needed;  /* it depends on a target */
  gboolean reaches; /* the output element depends on it */
  gboolean keep;    /* the backward pass reads it */
  gboolean owned;   /* data[v] is this pass's to free (not an alias) */
  int      last_reader;
} ValueState;

typedef struct
{
  const CsModel *model;
  const CsGraph *graph;
  CsSession     *session;
  ValueState    *state;
  void         **data;
  float        **grad;
  /* Per node: its output before activation and epilogue, when the
   * backward pass needs it. */
  float **raw;
  /* Per node with an epilogue: for each step whose backward reads its
   * input, that input, saved before the step overwrote it in place. */
  GPtrArray **step_inputs;
  int         seed; /* the value holding y */
} Pass;

static int64_t
value_numel (const CsGraph *graph, int v)
{
  return MAX (1, cs_shape_numel (&cs_graph_value (graph, v)->shape));
}

static gboolean
has_epilogue (const CsNode *node)
{
  return node->epilogue != NULL && node->epilogue->len > 0;
}

/* The value an epilogue starts from: what the op and its activation
 * computed, which the epilogue then rewrites in place. */
static int
post_activation_value (const CsNode *node)
{
  return has_epilogue (node) ? ((CsNode *) g_ptr_array_index (node->epilogue, 0))->inputs[0]
                             : node->outputs[0];
}

/* Whether the backward pass needs the node's output before its
 * activation and epilogue: for a slope the activation's output cannot
 * tell, an output the epilogue or the grid rewrote, or an op reading its
 * own output. */
static gboolean
needs_raw (const CsNode *node)
{
  if (!cs_activation_is_set (&node->act) && !has_epilogue (node))
    return FALSE;
  return cs_activation_slope_needs_input (&node->act)
         || ((has_epilogue (node) || node->act.grid.scale > 0.0f)
             && node->act.kind != CS_ACT_NONE)
         || (cs_node_backward_reads (node) & CS_GRAD_READS_OUTPUTS);
}

static gboolean
any_input (const Pass *pass, const CsNode *node, gsize field)
{
  for (int j = 0; j < node->n_inputs; j++)
    if (node->inputs[j] >= 0 && cs_graph_value (pass->graph, node->inputs[j])->constant == NULL
        && G_STRUCT_MEMBER (gboolean, &pass->state[node->inputs[j]], field))
      return TRUE;
  return FALSE;
}

static gboolean
on_path (const Pass *pass, const CsNode *node)
{
  gboolean reaches = FALSE;

  for (int j = 0; j < node->n_outputs; j++)
    reaches |= pass->state[node->outputs[j]].reaches;
  return reaches && any_input (pass, node, G_STRUCT_OFFSET (ValueState, needed));
}

/* The softmax looked past stops at ops that only relabel the shape,
 * which keep the element order. */
int
cs_model_score_value (const CsModel *model, size_t output, gboolean after_softmax)
{
  const CsGraph *graph = model->graph;
  int            v = g_array_index (graph->outputs, int, output);

  for (int at = v; !after_softmax && cs_graph_value (graph, at)->producer >= 0;)
    {
      const CsNode *node = cs_graph_node (graph, cs_graph_value (graph, at)->producer);

      if (node->klass == &cs_op_softmax)
        return node->inputs[0];
      if (node->klass->backward != cs_op_backward_pass_through
          || cs_activation_is_set (&node->act))
        break;
      at = node->inputs[0];
    }
  return v;
}

/* Marks targets, what depends on them, what the seed depends on, and
 * checks that every layer asked for leads to the seed and that every op
 * on the way has a gradient. */
static gboolean
plan_paths (Pass                    *pass,
            const CsGradientRequest *request,
            const int               *layer_values,
            size_t                   n_layers,
            GError                 **error)
{
  const CsGraph *graph = pass->graph;

  if (request->input)
    pass->state[g_array_index (graph->inputs, int, 0)].target = TRUE;
  for (size_t l = 0; l < n_layers; l++)
    pass->state[layer_values[l]].target = TRUE;
  for (guint v = 0; v < graph->values->len; v++)
    pass->state[v].needed = pass->state[v].target;
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      const CsNode *node = cs_graph_node (graph, i);

      if (!node->dead && any_input (pass, node, G_STRUCT_OFFSET (ValueState, needed)))
        for (int j = 0; j < node->n_outputs; j++)
          pass->state[node->outputs[j]].needed = TRUE;
    }
  pass->state[pass->seed].reaches = TRUE;
  for (guint i = graph->nodes->len; i-- > 0;)
    {
      const CsNode *node = cs_graph_node (graph, i);
      gboolean      reaches = FALSE;

      for (int j = 0; !node->dead && j < node->n_outputs; j++)
        reaches |= pass->state[node->outputs[j]].reaches;
      for (int j = 0; reaches && j < node->n_inputs; j++)
        if (node->inputs[j] >= 0)
          pass->state[node->inputs[j]].reaches = TRUE;
    }

  for (size_t l = 0; l < n_layers; l++)
    if (!pass->state[layer_values[l]].reaches)
      {
        g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                     "%s: layer '%s' does not lead to output '%s'", pass->model->name,
                     request->layers[l],
                     cs_graph_value (graph, g_array_index (graph->outputs, int, request->output))
                         ->name);
        return FALSE;
      }
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      const CsNode *node = cs_graph_node (graph, i);

      if (node->dead || !on_path (pass, node))
        continue;
      if (node->klass->backward == NULL)
        return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node, "has no gradient");
      for (guint e = 0; node->epilogue != NULL && e < node->epilogue->len; e++)
        {
          const CsNode *step = g_ptr_array_index (node->epilogue, e);

          /* A step runs in place: its input is saved for its backward,
           * its output is overwritten by the next step. */
          if (step->klass->backward == NULL
              || (cs_node_backward_reads (step) & CS_GRAD_READS_OUTPUTS))
            return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, step, "has no gradient");
        }
    }
  return TRUE;
}

/* What the backward pass reads, and when the forward pass is done with
 * each value. */
static void
plan_memory (Pass *pass)
{
  const CsGraph *graph = pass->graph;

  pass->state[pass->seed].keep = TRUE;
  for (guint v = 0; v < graph->values->len; v++)
    {
      pass->state[v].keep |= pass->state[v].target || cs_graph_value (graph, v)->is_output;
      pass->state[v].last_reader = -1;
    }
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      const CsNode *node = cs_graph_node (graph, i);

      if (node->dead)
        continue;
      for (int j = 0; j < node->n_inputs; j++)
        if (node->inputs[j] >= 0)
          pass->state[node->inputs[j]].last_reader = (int) i;
      if (!on_path (pass, node))
        continue;
      for (int j = 0; (cs_node_backward_reads (node) & CS_GRAD_READS_INPUTS) && j < node->n_inputs;
           j++)
        if (node->inputs[j] >= 0)
          pass->state[node->inputs[j]].keep = TRUE;
      for (int j = 0; (cs_node_backward_reads (node) & CS_GRAD_READS_OUTPUTS) && j < node->n_outputs;
           j++)
        pass->state[node->outputs[j]].keep = TRUE;
      /* Without the raw output, the slope comes from the activation's. */
      if (node->act.kind != CS_ACT_NONE && !needs_raw (node))
        pass->state[node->outputs[0]].keep = TRUE;
    }
}

static void
release (Pass *pass, int v)
{
  if (pass->state[v].owned && !pass->state[v].keep)
    {
      g_clear_pointer (&pass->data[v], g_free);
      pass->state[v].owned = FALSE;
    }
}

/* One node forward, with its activation and epilogue. */
static void
forward_node (Pass *pass, CsExec *exec, int index)
{
  const CsGraph *graph = pass->graph;
  const CsNode  *node = cs_graph_node (graph, index);
  const int64_t  n = value_numel (graph, node->outputs[0]);

  /* What only the forward pass reads lives in the session's arena, as in
   * a run; what the backward pass reads too, in memory of its own. */
  for (int j = 0; j < node->n_outputs; j++)
    {
      int v = node->outputs[j];

      pass->data[v] = pass->state[v].keep ? NULL : cs_session_arena_value (pass->session, v);
      pass->state[v].owned = pass->data[v] == NULL;
      if (pass->state[v].owned)
        pass->data[v] = g_malloc (value_numel (graph, v) * cs_op_elem_size (graph, v));
    }
  if (needs_raw (node) && on_path (pass, node))
    {
      CsNode plain = *node;
      void  *out = pass->data[node->outputs[0]];

      plain.act = (CsActivation) { CS_ACT_NONE };
      pass->raw[index] = g_new (float, n);
      pass->data[node->outputs[0]] = pass->raw[index];
      node->klass->run (&plain, exec);
      pass->data[node->outputs[0]] = out;
      cs_activation_map (&node->act, pass->raw[index], out, n);
    }
  else
    {
      node->klass->run (node, exec);
      if (cs_activation_is_set (&node->act) && !node->klass->fuses_activation)
        cs_activation_apply (&node->act, pass->data[node->outputs[0]], n);
    }
  for (guint e = 0; node->epilogue != NULL && e < node->epilogue->len; e++)
    {
      const CsNode *step = g_ptr_array_index (node->epilogue, e);

      pass->data[step->inputs[0]] = pass->data[node->outputs[0]];
      pass->data[step->outputs[0]] = pass->data[node->outputs[0]];
      if ((cs_node_backward_reads (step) & CS_GRAD_READS_INPUTS) && on_path (pass, node))
        {
          if (pass->step_inputs[index] == NULL)
            {
              pass->step_inputs[index] = g_ptr_array_new_with_free_func (g_free);
              g_ptr_array_set_size (pass->step_inputs[index], (gint) node->epilogue->len);
            }
          g_ptr_array_index (pass->step_inputs[index], e) =
              g_memdup2 (pass->data[node->outputs[0]], sizeof (float) * n);
        }
      step->klass->run (step, exec);
    }

  /* Outputs nobody reads go at once; inputs after their last reader. */
  for (int j = 0; j < node->n_outputs; j++)
    if (pass->state[node->outputs[j]].last_reader < 0)
      release (pass, node->outputs[j]);
  for (int j = 0; j < node->n_inputs; j++)
    if (node->inputs[j] >= 0 && pass->state[node->inputs[j]].last_reader == index)
      release (pass, node->inputs[j]);
}

/* The gradient of @v, zeroed on first use. */
static float *
grad_of (Pass *pass, int v)
{
  if (pass->grad[v] == NULL)
    pass->grad[v] = g_new0 (float, value_numel (pass->graph, v));
  return pass->grad[v];
}

static void
drop_grad (Pass *pass, int v)
{
  if (!pass->state[v].target)
    g_clear_pointer (&pass->grad[v], g_free);
}

/* One node backward: the epilogue's steps in reverse, the activation,
 * then the op; the inputs' gradients grow, the outputs' go. */
static gboolean
backward_node (Pass *pass, CsGradExec *gexec, int index, GError **error)
{
  const CsGraph *graph = pass->graph;
  const CsNode  *node = cs_graph_node (graph, index);
  const int      out = node->outputs[0], post = post_activation_value (node);
  float         *grad_out, *saved_grad = NULL;
  void          *saved_data = pass->data[out];
  gboolean       ok;

  for (int j = 0; j < node->n_outputs; j++)
    grad_of (pass, node->outputs[j]);
  for (guint e = node->epilogue != NULL ? node->epilogue->len : 0; e-- > 0;)
    {
      const CsNode *step = g_ptr_array_index (node->epilogue, e);
      void         *step_data = pass->data[step->inputs[0]];
      gboolean      step_ok;

      if (pass->step_inputs[index] != NULL && g_ptr_array_index (pass->step_inputs[index], e))
        pass->data[step->inputs[0]] = g_ptr_array_index (pass->step_inputs[index], e);
      grad_of (pass, step->inputs[0]);
      step_ok = step->klass->backward (step, gexec, error);
      pass->data[step->inputs[0]] = step_data;
      if (!step_ok)
        return FALSE;
      drop_grad (pass, step->outputs[0]);
    }

  /* The gradient before the activation, in memory of its own when the
   * one after it is asked for; its grid passes it straight through. */
  grad_out = pass->grad[post];
  if (node->act.kind != CS_ACT_NONE)
    {
      const int64_t n = value_numel (graph, out);

      if (pass->state[post].target)
        grad_out = g_memdup2 (grad_out, sizeof (float) * n);
      cs_activation_backward (&node->act, pass->raw[index],
                              pass->raw[index] != NULL ? NULL : pass->data[post], grad_out, n);
    }
  saved_grad = pass->grad[out];
  pass->grad[out] = grad_out;
  if (pass->raw[index] != NULL)
    pass->data[out] = pass->raw[index];
  for (int j = 0; j < node->n_inputs; j++)
    {
      int v = node->inputs[j];

      if (v >= 0 && pass->state[v].needed && cs_graph_value (graph, v)->constant == NULL)
        grad_of (pass, v);
    }
  ok = node->klass->backward (node, gexec, error);
  pass->data[out] = saved_data;
  pass->grad[out] = saved_grad;
  if (grad_out != pass->grad[post])
    g_free (grad_out);
  if (post != out)
    drop_grad (pass, post);
  for (int j = 0; j < node->n_outputs; j++)
    drop_grad (pass, node->outputs[j]);
  g_clear_pointer (&pass->raw[index], g_free);
  g_clear_pointer (&pass->step_inputs[index], g_ptr_array_unref);
  return ok;
}

/* The layers' output values, or FALSE naming the unknown one. */
static int *
layer_values (const CsModel           *model,
              const CsGradientRequest *request,
              size_t                  *n_layers,
              GError                 **error)
{
  int *values;

  *n_layers = 0;
  while (request->layers != NULL && request->layers[*n_layers] != NULL)
    (*n_layers)++;
  values = g_new (int, MAX (*n_layers, 1));
  for (size_t l = 0; l < *n_layers; l++)
    {
      int layer = cs_model_find_layer (model, request->layers[l]);

      if (layer < 0)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "%s: there is no layer called '%s'",
                       model->name, request->layers[l]);
          g_free (values);
          return NULL;
        }
      values[l] =
          cs_graph_node (model->graph, g_array_index (model->layer_nodes, int, layer))->outputs[0];
    }
  return values;
}

static gboolean
check_request (const CsModel *model, const CsGradientRequest *request, GError **error)
{
  const CsTensor *output;

  if (request->output >= cs_model_n_outputs (model))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "%s: there is no output %zu", model->name,
                   request->output);
      return FALSE;
    }
  output = cs_model_output (model, request->output);
  if (request->element < 0 || request->element >= cs_shape_numel (&output->shape))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: class %" G_GINT64_FORMAT
                   " is out of range: output '%s' has %" G_GINT64_FORMAT " values",
                   model->name, request->element, output->name, cs_shape_numel (&output->shape));
      return FALSE;
    }
  if (request->input && cs_model_n_inputs (model) == 0)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "%s: the model has no input", model->name);
      return FALSE;
    }
  return TRUE;
}

/* A tensor describing value @v that takes over @data. */
static CsTensor
tensor_taking (const CsGraph *graph, int v, const char *name, void *data)
{
  const CsValue *value = cs_graph_value (graph, v);

  return (CsTensor){ g_strdup (name), value->dtype, value->shape, data };
}

/* Moves what the caller asked for out of @pass into a CsGradient. */
static CsGradient *
collect (Pass *pass, const CsGradientRequest *request, const int *layers, size_t n_layers)
{
  const CsGraph *graph = pass->graph;
  CsGradient    *gradient = g_new0 (CsGradient, 1);

  gradient->value = ((const float *) pass->data[pass->seed])[request->element];
  gradient->n_outputs = graph->outputs->len;
  gradient->outputs = g_new0 (CsTensor, gradient->n_outputs);
  for (size_t i = 0; i < gradient->n_outputs; i++)
    {
      int    v = g_array_index (graph->outputs, int, i);
      size_t bytes = value_numel (graph, v) * cs_op_elem_size (graph, v);

      gradient->outputs[i] = tensor_taking (graph, v, cs_graph_value (graph, v)->name,
                                            g_memdup2 (pass->data[v], bytes));
    }
  if (request->input)
    {
      int v = g_array_index (graph->inputs, int, 0);

      gradient->input_grad =
          tensor_taking (graph, v, cs_graph_value (graph, v)->name,
                         g_memdup2 (grad_of (pass, v), sizeof (float) * value_numel (graph, v)));
    }
  gradient->n_layers = n_layers;
  gradient->activations = g_new0 (CsTensor, MAX (n_layers, 1));
  gradient->grads = g_new0 (CsTensor, MAX (n_layers, 1));
  for (size_t l = 0; l < n_layers; l++)
    {
      int    v = layers[l];
      size_t bytes = sizeof (float) * value_numel (graph, v);

      gradient->activations[l] =
          tensor_taking (graph, v, request->layers[l], g_memdup2 (pass->data[v], bytes));
      gradient->grads[l] =
          tensor_taking (graph, v, request->layers[l], g_memdup2 (grad_of (pass, v), bytes));
    }
  return gradient;
}

gboolean
cs_session_gradient (CsSession               *session,
                     const CsTensor          *inputs,
                     size_t                   n_inputs,
                     const CsGradientRequest *request,
                     CsGradient             **gradient,
                     GError                 **error)
{
  const CsModel  *model = cs_session_model (session);
  const CsGraph  *graph = model->graph;
  const guint     n_values = graph->values->len;
  Pass            pass = { model, graph, session };
  CsExec          exec;
  CsGradExec      gexec;
  g_autofree int *layers = NULL;
  size_t          n_layers;
  gboolean        ok;

  g_return_val_if_fail (request != NULL && gradient != NULL, FALSE);
  if (!cs_model_check_inputs (model, inputs, n_inputs, error)
      || !check_request (model, request, error)
      || (layers = layer_values (model, request, &n_layers, error)) == NULL)
    return FALSE;

  pass.state = g_new0 (ValueState, n_values);
  pass.data = g_new0 (void *, n_values);
  pass.grad = g_new0 (float *, n_values);
  pass.raw = g_new0 (float *, graph->nodes->len);
  pass.step_inputs = g_new0 (GPtrArray *, graph->nodes->len);
  pass.seed = cs_model_score_value (model, request->output, request->after_softmax);
  ok = plan_paths (&pass, request, layers, n_layers, error);
  if (ok)
    {
      plan_memory (&pass);
      for (guint v = 0; v < n_values; v++)
        pass.data[v] = cs_graph_value (graph, v)->constant;
      for (size_t i = 0; i < n_inputs; i++)
        pass.data[g_array_index (graph->inputs, int, i)] = inputs[i].data;
      exec = (CsExec){ graph, pass.data, cs_session_pool (session), cs_session_scratch (session) };
      for (guint i = 0; i < graph->nodes->len; i++)
        if (!cs_graph_node (graph, i)->dead)
          forward_node (&pass, &exec, (int) i);

      grad_of (&pass, pass.seed)[request->element] = 1.0f;
      gexec = (CsGradExec){ exec, pass.grad };
      for (guint i = graph->nodes->len; ok && i-- > 0;)
        if (!cs_graph_node (graph, i)->dead && on_path (&pass, cs_graph_node (graph, i)))
          ok = backward_node (&pass, &gexec, (int) i, error);
    }
  if (ok)
    *gradient = collect (&pass, request, layers, n_layers);

  for (guint v = 0; v < n_values; v++)
    {
      if (pass.state[v].owned)
        g_free (pass.data[v]);
      g_free (pass.grad[v]);
    }
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      g_free (pass.raw[i]);
      g_clear_pointer (&pass.step_inputs[i], g_ptr_array_unref);
    }
  g_free (pass.raw);
  g_free (pass.step_inputs);
  g_free (pass.grad);
  g_free (pass.data);
  g_free (pass.state);
  return ok;
}

static void
tensor_clear (CsTensor *tensor)
{
  g_free (tensor->name);
  g_free (tensor->data);
}

void
cs_gradient_free (CsGradient *gradient)
{
  if (gradient == NULL)
    return;
  for (size_t i = 0; i < gradient->n_outputs; i++)
    tensor_clear (&gradient->outputs[i]);
  tensor_clear (&gradient->input_grad);
  for (size_t l = 0; l < gradient->n_layers; l++)
    {
      tensor_clear (&gradient->activations[l]);
      tensor_clear (&gradient->grads[l]);
    }
  g_free (gradient->outputs);
  g_free (gradient->activations);
  g_free (gradient->grads);
  g_free (gradient);
}
