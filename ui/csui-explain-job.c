/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csui-explain-job.c — the inspector's heat maps and channel weights in
 * a worker thread, since Grad-CAM costs about two runs of the network
 * and occlusion one run per patch.  Each job makes its own session: the
 * classifier's model is shared read-only.
 */
#include <stdlib.h>

#include "csui-explain-job.h"

typedef struct
{
  CsClassifier    *classifier;
  const CsTensor  *input;
  GDestroyNotify   owner_unref;
  gpointer         owner;
  CsExplainOptions options;
  char            *layer;
  gboolean         channel_weights;
} ExplainJob;

static void
job_free (gpointer data)
{
  ExplainJob *job = data;

  cs_classifier_unref (job->classifier);
  if (job->owner_unref != NULL)
    job->owner_unref (job->owner);
  g_free (job->layer);
  g_free (job);
}

void
csui_explained_free (CsuiExplained *explained)
{
  if (explained == NULL)
    return;
  g_free (explained->heat);
  g_free (explained->order);
  g_free (explained->alpha);
  g_free (explained->layer);
  g_free (explained);
}

typedef struct
{
  double alpha;
  int    channel;
} Weighed;

/* Largest weight first; equal weights in channel order. */
static int
by_weight (const void *a, const void *b)
{
  const Weighed *left = a, *right = b;

  if (left->alpha != right->alpha)
    return left->alpha > right->alpha ? -1 : 1;
  return left->channel - right->channel;
}

/* α_c, the spatial mean of ∂y/∂A_c, from the gradient @grad (1×C×H×W). */
static gboolean
channel_weights (const CsTensor *grad, CsuiExplained *explained, GError **error)
{
  const float *values = grad->data;
  int64_t      area;
  g_autofree Weighed *weighed = NULL;

  if (grad->data == NULL || grad->shape.rank != 4 || grad->shape.dims[1] > G_MAXINT)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "layer '%s' gives no gradient of 1×C×H×W", explained->layer);
      return FALSE;
    }
  explained->n_channels = (int) grad->shape.dims[1];
  area = grad->shape.dims[2] * grad->shape.dims[3];
  explained->alpha = g_new0 (double, MAX (explained->n_channels, 1));
  explained->order = g_new (int, MAX (explained->n_channels, 1));
  weighed = g_new (Weighed, MAX (explained->n_channels, 1));
  for (int c = 0; c < explained->n_channels; c++)
    {
      for (int64_t i = 0; i < area; i++)
        explained->alpha[c] += values[c * area + i];
      explained->alpha[c] /= (double) MAX (area, 1);
      weighed[c] = (Weighed) { explained->alpha[c], c };
    }
  qsort (weighed, (size_t) explained->n_channels, sizeof *weighed, by_weight);
  for (int c = 0; c < explained->n_channels; c++)
    explained->order[c] = weighed[c].channel;
  return TRUE;
}

static void
explain_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ExplainJob    *job = task_data;
  const CsCard  *card = cs_classifier_card (job->classifier);
  CsuiExplained *explained = g_new0 (CsuiExplained, 1);
  g_autoptr (CsSession) session = NULL;
  g_autoptr (CsExplanation) explanation = NULL;
  GError        *error = NULL;

  job->options.layer = job->layer;
  cs_explain_card_fill (card, job->options.fill);
  session = cs_session_new (cs_classifier_model (job->classifier), 0, &error);
  if (session == NULL || !cs_explain (session, job->input, &job->options, &explanation, &error))
    goto failed;
  explained->layer = g_strdup (explanation->layer);
  if (job->channel_weights)
    {
      if (!channel_weights (&explanation->grad, explained, &error))
        goto failed;
    }
  else
    {
      explained->width = card->width;
      explained->height = card->height;
      explained->heat = cs_heatmap_display (&explanation->map, card->width, card->height, &error);
      if (explained->heat == NULL)
        goto failed;
    }
  g_task_return_pointer (task, explained, (GDestroyNotify) csui_explained_free);
  return;

failed:
  csui_explained_free (explained);
  g_task_return_error (task, error);
}

void
csui_explain_async (CsClassifier *classifier, const CsTensor *input, GDestroyNotify owner_unref,
                    gpointer owner, const CsExplainOptions *options, gboolean weights,
                    gpointer source_object, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  ExplainJob *job = g_new0 (ExplainJob, 1);
  GTask      *task = g_task_new (source_object, cancellable, callback, user_data);

  job->classifier = cs_classifier_ref (classifier);
  job->input = input;
  job->owner_unref = owner_unref;
  job->owner = owner;
  job->options = *options;
  job->layer = g_strdup (options->layer);
  job->channel_weights = weights;
  g_task_set_source_tag (task, csui_explain_async);
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, explain_thread);
  g_object_unref (task);
}

CsuiExplained *
csui_explain_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
