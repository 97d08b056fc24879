/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * explain.c — heat maps of why a class scored (cs-explain.h).  Grad-CAM
 * and saliency read the backward pass (cs-gradient.h); CAM reads the
 * dense layer's weights under a global-average-pool head, no gradient
 * needed; occlusion needs forward runs only, one per patch position,
 * spread over threads that each own a session.
 */
#include "cs-explain.h"
#include "cs-card.h"
#include "model.h"
#include "ops/op-common.h"

#include <math.h>
#include <string.h>

static gboolean
has_spatial_extent (const CsShape *shape)
{
  return shape->rank == 4 && shape->dims[2] * shape->dims[3] > 1;
}

const char *
cs_explain_default_layer (const CsModel *model, GError **error)
{
  const char *found = NULL;

  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    {
      const CsLayerInfo *layer = cs_model_layer (model, i);

      if (has_spatial_extent (&layer->out_shape))
        found = layer->name;
      else if (found != NULL && has_spatial_extent (&layer->in_shape))
        break;
    }
  if (found == NULL)
    g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "%s: no layer has spatial extent to explain",
                 cs_model_name (model));
  return found;
}

/* The layer to explain: @name, checked, or the default. */
static const CsLayerInfo *
spatial_layer (const CsModel *model, const char *name, GError **error)
{
  const CsLayerInfo *layer;
  int                index;

  if (name == NULL && (name = cs_explain_default_layer (model, error)) == NULL)
    return NULL;
  index = cs_model_find_layer (model, name);
  if (index < 0)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "%s: there is no layer called '%s'",
                   cs_model_name (model), name);
      return NULL;
    }
  layer = cs_model_layer (model, index);
  if (!has_spatial_extent (&layer->out_shape))
    {
      g_autofree char *shape = cs_shape_to_string (&layer->out_shape);

      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: layer '%s' has no spatial extent (its output is %s)", cs_model_name (model),
                   name, shape);
      return NULL;
    }
  return layer;
}

static CsTensor
new_map (int64_t height, int64_t width)
{
  CsTensor map = { g_strdup ("heat map"), CS_DTYPE_FLOAT32, { 2, { height, width } }, NULL };

  map.data = g_new0 (float, MAX (1, height * width));
  return map;
}

/* The layer whose output holds the scores before a final softmax (unless
 * @after_softmax), or NULL when output 0 itself does. */
static const char *
score_layer (const CsModel *model, gboolean after_softmax)
{
  int v = cs_model_score_value (model, 0, after_softmax);

  if (cs_graph_value (model->graph, v)->is_output)
    return NULL;
  for (guint l = 0; l < model->layer_nodes->len; l++)
    if (cs_graph_node (model->graph, g_array_index (model->layer_nodes, int, l))->outputs[0] == v)
      return cs_model_layer (model, l)->name;
  return NULL;
}

/* Runs @input and reads the score of @element: in the tap of @layer, or
 * in output 0 when @layer is NULL. */
static gboolean
run_score (CsSession      *session,
           const CsTensor *input,
           const char     *layer,
           int64_t         element,
           float          *score,
           GError        **error)
{
  const char  *taps[2] = { layer, NULL };
  CsRunOptions options = { FALSE, taps };
  CsResult    *result = NULL;

  if (!cs_session_run (session, input, 1, layer != NULL ? &options : NULL, &result, error))
    return FALSE;
  *score =
      ((const float *) (layer != NULL ? result->taps[0].data : result->outputs[0].data))[element];
  cs_result_free (result);
  return TRUE;
}

/* ReLU (Σ_c α_c·A_c) over image 0, α_c the mean of ∂y/∂A_c over H × W. */
static gboolean
grad_cam (CsSession              *session,
          const CsTensor         *input,
          const CsExplainOptions *options,
          CsExplanation          *explanation,
          GError                **error)
{
  const CsLayerInfo *layer = spatial_layer (cs_session_model (session), options->layer, error);
  const char        *layers[2] = { NULL, NULL };
  CsGradientRequest  request = { 0, options->element, options->after_softmax, FALSE, layers };
  g_autoptr (CsGradient) gradient = NULL;
  int64_t      channels, plane;
  const float *act, *grad;
  float       *map;

  if (layer == NULL)
    return FALSE;
  layers[0] = layer->name;
  if (!cs_session_gradient (session, input, 1, &request, &gradient, error))
    return FALSE;
  channels = layer->out_shape.dims[1];
  plane = layer->out_shape.dims[2] * layer->out_shape.dims[3];
  explanation->map = new_map (layer->out_shape.dims[2], layer->out_shape.dims[3]);
  map = explanation->map.data;
  act = gradient->activations[0].data;
  grad = gradient->grads[0].data;
  for (int64_t c = 0; c < channels; c++)
    {
      double alpha = 0.0;

      for (int64_t i = 0; i < plane; i++)
        alpha += grad[c * plane + i];
      alpha /= (double) plane;
      for (int64_t i = 0; i < plane; i++)
        map[i] += (float) alpha * act[c * plane + i];
    }
  for (int64_t i = 0; i < plane; i++)
    map[i] = MAX (map[i], 0.0f);
  explanation->layer = g_strdup (layer->name);
  explanation->score = gradient->value;
  explanation->grad = gradient->grads[0];
  gradient->grads[0] = (CsTensor){ 0 };
  return TRUE;
}

/* The one live node reading @value, or NULL. */
static const CsNode *
sole_reader (const CsGraph *graph, int value)
{
  const CsNode *reader = NULL;

  for (guint i = 0; i < graph->nodes->len; i++)
    {
      const CsNode *node = cs_graph_node (graph, i);

      for (int j = 0; !node->dead && j < node->n_inputs; j++)
        if (node->inputs[j] == value)
          {
            if (reader != NULL && reader != node)
              return NULL;
            reader = node;
          }
    }
  return reader;
}

/* The row of dense weights @element's score takes from the pooled
 * channels of @layer, when global average pooling and one dense layer
 * (past reshapes, and a final softmax) lead from it to output 0:
 * @channels floats, the caller's.  NULL with @error otherwise. */
static float *
cam_weights (const CsModel *model, const CsLayerInfo *layer, int64_t element, GError **error)
{
  const CsGraph *graph = model->graph;
  int            layer_index = cs_model_find_layer (model, layer->name);
  int v = cs_graph_node (graph, g_array_index (model->layer_nodes, int, layer_index))->outputs[0];
  const int64_t       channels = layer->out_shape.dims[1];
  const CsNode       *node = sole_reader (graph, v);
  const CsValue      *b;
  const CsGemmParams *params;
  int64_t             n_out;
  float              *weights;
  g_autofree float   *unpacked = NULL;
  const float        *w = NULL;

  if (node != NULL && node->klass == &cs_op_global_average_pool && !cs_activation_is_set (&node->act))
    for (node = sole_reader (graph, node->outputs[0]);
         node != NULL && node->klass->backward == cs_op_backward_pass_through;)
      node = sole_reader (graph, node->outputs[0]);
  else
    node = NULL;
  if (node == NULL || (node->klass != &cs_op_gemm && node->klass != &cs_op_matmul)
      || (w = cs_dense_b (graph, node, &unpacked)) == NULL
      || (b = cs_node_input (graph, node, 1))->shape.rank != 2
      || ((const CsGemmParams *) node->params)->trans_a)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: CAM needs global average pooling and one dense layer after layer '%s'",
                   cs_model_name (model), layer->name);
      return NULL;
    }
  params = node->params;
  n_out = params->trans_b ? b->shape.dims[0] : b->shape.dims[1];
  if ((params->trans_b ? b->shape.dims[1] : b->shape.dims[0]) != channels || element >= n_out)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: the dense layer '%s' does not map the %" G_GINT64_FORMAT
                   " channels of '%s' to class %" G_GINT64_FORMAT,
                   cs_model_name (model), node->name, channels, layer->name, element);
      return NULL;
    }
  weights = g_new (float, channels);
  for (int64_t c = 0; c < channels; c++)
    {
      weights[c] = (node->klass == &cs_op_gemm ? params->alpha : 1.0f)
                   * (params->trans_b ? w[element * channels + c] : w[c * n_out + element]);
    }
  return weights;
}

/* Σ_c w_c·A_c over image 0, from one forward run that keeps the layer. */
static gboolean
cam (CsSession              *session,
     const CsTensor         *input,
     const CsExplainOptions *options,
     CsExplanation          *explanation,
     GError                **error)
{
  const CsModel     *model = cs_session_model (session);
  const CsLayerInfo *layer = spatial_layer (model, options->layer, error);
  const char        *taps[2] = { NULL, NULL };
  CsRunOptions       run_options = { FALSE, taps };
  g_autoptr (CsResult) result = NULL;
  g_autofree float *weights = NULL;
  int64_t           plane;
  const float      *act;
  float            *map;

  if (layer == NULL || (weights = cam_weights (model, layer, options->element, error)) == NULL)
    return FALSE;
  taps[0] = layer->name;
  if (!cs_session_run (session, input, 1, &run_options, &result, error))
    return FALSE;
  plane = layer->out_shape.dims[2] * layer->out_shape.dims[3];
  explanation->map = new_map (layer->out_shape.dims[2], layer->out_shape.dims[3]);
  map = explanation->map.data;
  act = result->taps[0].data;
  for (int64_t c = 0; c < layer->out_shape.dims[1]; c++)
    for (int64_t i = 0; i < plane; i++)
      map[i] += weights[c] * act[c * plane + i];
  explanation->layer = g_strdup (layer->name);
  /* The score as the other methods give it, before a final softmax. */
  return run_score (session, input, score_layer (model, options->after_softmax), options->element,
                    &explanation->score, error);
}

/* max_c |∂y/∂x_c| (× x_c when asked) over image 0. */
static gboolean
saliency (CsSession              *session,
          const CsTensor         *input,
          const CsExplainOptions *options,
          CsExplanation          *explanation,
          GError                **error)
{
  CsGradientRequest request = { 0, options->element, options->after_softmax, TRUE, NULL };
  g_autoptr (CsGradient) gradient = NULL;
  int64_t      plane;
  const float *grad, *x = input->data;
  float       *map;

  if (input->shape.rank != 4)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "saliency needs an N×C×H×W input, not a rank-%d one", input->shape.rank);
      return FALSE;
    }
  if (!cs_session_gradient (session, input, 1, &request, &gradient, error))
    return FALSE;
  plane = input->shape.dims[2] * input->shape.dims[3];
  explanation->map = new_map (input->shape.dims[2], input->shape.dims[3]);
  map = explanation->map.data;
  grad = gradient->input_grad.data;
  for (int64_t c = 0; c < input->shape.dims[1]; c++)
    for (int64_t i = 0; i < plane; i++)
      {
        float g = grad[c * plane + i] * (options->times_input ? x[c * plane + i] : 1.0f);

        map[i] = MAX (map[i], fabsf (g));
      }
  explanation->score = gradient->value;
  return TRUE;
}

typedef struct
{
  const CsTensor         *input;
  const CsExplainOptions *options;
  const char             *score_layer; /* NULL: output 0 */
  CsSession             **sessions;    /* per thread */
  int                     patch, stride;
  int64_t                 map_rows, columns; /* positions down and across */
  float                   base;    /* the score without a patch */
  float                  *map;
  GError                **errors; /* per thread, the first one */
  gint                   *done;   /* positions run, over all threads */
} Occlusion;

/* Patch positions [begin, end), each one run with its patch blanked. */
static void
occlusion_range (void *user, int64_t begin, int64_t end, int thread)
{
  const Occlusion *job = user;
  const CsShape   *shape = &job->input->shape;
  const int64_t    height = shape->dims[2], width = shape->dims[3];
  CsTensor         blanked = *job->input;

  blanked.data = g_memdup2 (job->input->data, sizeof (float) * cs_shape_numel (shape));
  for (int64_t at = begin; at < end && job->errors[thread] == NULL; at++)
    {
      const int64_t y0 = at / job->columns * job->stride, x0 = at % job->columns * job->stride;
      float        *x = blanked.data, score;
      gint          done;

      for (int64_t p = 0; p < shape->dims[0] * shape->dims[1]; p++)
        {
          const int64_t channel = p % shape->dims[1];
          const float   grey = channel < 3 ? job->options->fill[channel] : 0.0f;

          for (int64_t y = y0; y < MIN (y0 + job->patch, height); y++)
            for (int64_t i = x0; i < MIN (x0 + job->patch, width); i++)
              x[(p * height + y) * width + i] = grey;
        }
      if (!run_score (job->sessions[thread], &blanked, job->score_layer, job->options->element,
                      &score, &job->errors[thread]))
        break;
      job->map[at] = job->base - score;
      done = g_atomic_int_add (job->done, 1) + 1;
      /* Only the calling thread reports, so that a front end may draw. */
      if (thread == 0 && job->options->progress != NULL)
        job->options->progress ((double) done / (double) (job->map_rows * job->columns),
                                job->options->progress_data);
      memcpy (x, job->input->data, sizeof (float) * cs_shape_numel (shape));
    }
  g_free (blanked.data);
}

static gboolean
occlusion (CsSession              *session,
           const CsTensor         *input,
           const CsExplainOptions *options,
           CsExplanation          *explanation,
           GError                **error)
{
  const CsModel *model = cs_session_model (session);
  const int      n_threads = cs_thread_pool_n_threads (cs_session_pool (session));
  Occlusion      job = { input, options, score_layer (model, options->after_softmax) };
  CsThreadPool  *pool = NULL;
  int64_t        side;
  gint           done = 0;
  gboolean       ok = TRUE;

  if (input->shape.rank != 4)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "occlusion needs an N×C×H×W input, not a rank-%d one", input->shape.rank);
      return FALSE;
    }
  side = MIN (input->shape.dims[2], input->shape.dims[3]);
  job.patch = options->patch > 0 ? options->patch : (int) MAX (1, side / 3);
  job.stride = options->stride > 0 ? options->stride : MAX (1, job.patch / 2);
  if (job.patch > side)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "an occlusion patch of %d pixels does not fit the %" G_GINT64_FORMAT
                   "-pixel input",
                   job.patch, side);
      return FALSE;
    }
  if (!run_score (session, input, job.score_layer, options->element, &job.base, error))
    return FALSE;
  job.map_rows = (input->shape.dims[2] - job.patch) / job.stride + 1;
  job.columns = (input->shape.dims[3] - job.patch) / job.stride + 1;
  job.done = &done;
  explanation->map = new_map (job.map_rows, job.columns);
  explanation->score = job.base;
  job.map = explanation->map.data;
  job.sessions = g_new0 (CsSession *, n_threads);
  job.errors = g_new0 (GError *, n_threads);
  for (int t = 0; t < n_threads && ok; t++)
    ok = (job.sessions[t] = cs_session_new (model, 1, error)) != NULL;
  if (ok)
    {
      pool = cs_thread_pool_new (n_threads);
      cs_parallel_for (pool, job.map_rows * job.columns, 1, occlusion_range, &job);
      cs_thread_pool_free (pool);
    }
  for (int t = 0; t < n_threads; t++)
    {
      if (job.errors[t] != NULL && ok)
        {
          g_propagate_error (error, job.errors[t]);
          ok = FALSE;
        }
      else
        g_clear_error (&job.errors[t]);
      cs_session_free (job.sessions[t]);
    }
  g_free (job.errors);
  g_free (job.sessions);
  return ok;
}

gboolean
cs_explain (CsSession              *session,
            const CsTensor         *input,
            const CsExplainOptions *options,
            CsExplanation         **explanation_out,
            GError                **error)
{
  const CsModel *model = cs_session_model (session);
  CsExplanation *explanation;
  gboolean       ok;

  if (cs_model_n_inputs (model) != 1 || cs_model_n_outputs (model) < 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: only a model with one input and an output can be explained",
                   cs_model_name (model));
      return FALSE;
    }
  if (options->element < 0
      || options->element >= cs_shape_numel (&cs_model_output (model, 0)->shape))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: class %" G_GINT64_FORMAT
                   " is out of range: output '%s' has %" G_GINT64_FORMAT " values",
                   cs_model_name (model), options->element, cs_model_output (model, 0)->name,
                   cs_shape_numel (&cs_model_output (model, 0)->shape));
      return FALSE;
    }
  if (!cs_model_check_inputs (model, input, 1, error))
    return FALSE;
  explanation = g_new0 (CsExplanation, 1);
  switch (options->method)
    {
    case CS_EXPLAIN_GRADCAM:
      ok = grad_cam (session, input, options, explanation, error);
      break;
    case CS_EXPLAIN_CAM:
      ok = cam (session, input, options, explanation, error);
      break;
    case CS_EXPLAIN_SALIENCY:
      ok = saliency (session, input, options, explanation, error);
      break;
    case CS_EXPLAIN_OCCLUSION:
      ok = occlusion (session, input, options, explanation, error);
      break;
    default:
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "unknown method %d", (int) options->method);
      ok = FALSE;
    }
  if (!ok)
    {
      cs_explanation_free (explanation);
      return FALSE;
    }
  *explanation_out = explanation;
  return TRUE;
}

void
cs_explain_card_fill (const CsCard *card, float fill[3])
{
  cs_preprocess_grey (card, 0.5f, fill);
}

void
cs_explanation_free (CsExplanation *explanation)
{
  if (explanation == NULL)
    return;
  g_free (explanation->map.name);
  g_free (explanation->map.data);
  g_free (explanation->grad.name);
  g_free (explanation->grad.data);
  g_free (explanation->layer);
  g_free (explanation);
}
