/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * model-bundle.c — loading a model with its card and labels, and running
 * it on a session kept between runs: the part of the classifier and the
 * segmenter that does not depend on what the network computes.
 */
#include "model-bundle.h"

gboolean
cs_model_bundle_load (CsModelBundle *b,
                      const char    *model_path,
                      const char    *card_path,
                      int            n_threads,
                      GError       **error)
{
  g_mutex_init (&b->lock);
  b->model_path = g_strdup (model_path);
  b->n_threads = n_threads;
  return (b->model = cs_model_load_file (model_path, NULL, error)) != NULL
         && (b->card = cs_card_load (b->model, model_path, card_path, error)) != NULL;
}

gboolean
cs_model_bundle_start (CsModelBundle *b, const char *labels_path, GError **error)
{
  if ((b->idle_session = cs_session_new (b->model, b->n_threads, error)) == NULL)
    return FALSE;
  b->labels = labels_path != NULL
                  ? cs_labels_load (labels_path, b->card->label_offset, &b->labels_error)
                  : cs_labels_for_card (b->card, b->model, &b->labels_error);
  if (b->labels == NULL)
    b->labels = cs_labels_new (NULL, b->card->label_offset, NULL);
  return TRUE;
}

void
cs_model_bundle_clear (CsModelBundle *b)
{
  if (b->idle_session != NULL)
    cs_session_free (b->idle_session);
  g_mutex_clear (&b->lock);
  cs_labels_free (b->labels);
  g_clear_error (&b->labels_error);
  cs_card_free (b->card);
  cs_model_free (b->model);
  g_free (b->model_path);
}

CsTensor *
cs_model_bundle_input_new (const CsModelBundle *b, GError **error)
{
  const CsTensor *model_input = cs_model_input (b->model, 0);
  CsTensor       *input;
  float          *data;

  /* The card has checked that the input is an image of a sane size. */
  data = g_try_new0 (float, (size_t) cs_shape_numel (&model_input->shape));
  if (data == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "%s: not enough memory for the input tensor",
                   b->model_path);
      return NULL;
    }
  input = g_new (CsTensor, 1);
  *input = (CsTensor){ g_strdup (model_input->name), CS_DTYPE_FLOAT32, model_input->shape, data };
  return input;
}

void
cs_model_bundle_input_free (CsTensor *input)
{
  if (input == NULL)
    return;
  g_free (input->name);
  g_free (input->data);
  g_free (input);
}

gboolean
cs_model_bundle_run (CsModelBundle      *b,
                     const CsTensor     *input,
                     const CsRunOptions *options,
                     CsResult          **result,
                     GError            **error)
{
  CsSession *session;
  gboolean   ok;

  g_mutex_lock (&b->lock);
  session = g_steal_pointer (&b->idle_session);
  g_mutex_unlock (&b->lock);
  if (session == NULL && (session = cs_session_new (b->model, b->n_threads, error)) == NULL)
    return FALSE;
  ok = cs_session_run (session, input, 1, options, result, error);
  /* Kept for the next run unless another run has given one back first. */
  g_mutex_lock (&b->lock);
  if (b->idle_session == NULL)
    b->idle_session = g_steal_pointer (&session);
  g_mutex_unlock (&b->lock);
  if (session != NULL)
    cs_session_free (session);
  return ok;
}
