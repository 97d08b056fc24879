/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * classifier.c — one image classifier ready to run: the model, its card
 * with the front end's overrides, its labels, a session kept for the
 * next run, and the most probable classes with their names.  The checks
 * that make a model a classifier live here and nowhere else.
 */
#include "cs-classifier.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct _CsClassifier
{
  char      *model_path;
  CsModel   *model;
  CsCard    *card;
  CsLabels  *labels;
  GError    *labels_error;  /* or NULL */
  size_t     n_classes;
  int        n_threads;
  /* The session the next run takes, NULL while one runs on it. */
  GMutex     lock;
  CsSession *idle_session;
};

static void
classifier_clear (CsClassifier *c)
{
  if (c->idle_session != NULL)
    cs_session_free (c->idle_session);
  g_mutex_clear (&c->lock);
  cs_labels_free (c->labels);
  g_clear_error (&c->labels_error);
  cs_card_free (c->card);
  cs_model_free (c->model);
  g_free (c->model_path);
}

/* One input, and float scores as output 0: the card checks that the
 * input is an image. */
static gboolean
check_model (CsClassifier *c, GError **error)
{
  const CsTensor *output;

  if (cs_model_n_inputs (c->model) != 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: a classifier takes one image input; this model has %zu inputs",
                   c->model_path, cs_model_n_inputs (c->model));
      return FALSE;
    }
  if (cs_model_n_outputs (c->model) < 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: the model has no output to read class scores from", c->model_path);
      return FALSE;
    }
  output = cs_model_output (c->model, 0);
  if (output->dtype != CS_DTYPE_FLOAT32)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: output '%s' holds integers, not float class scores",
                   c->model_path, output->name);
      return FALSE;
    }
  /* Class numbers are ints wherever they go (predictions, the PDB). */
  if (cs_shape_numel (&output->shape) < 1 || cs_shape_numel (&output->shape) > G_MAXINT32)
    {
      g_autofree char *shape = cs_shape_to_string (&output->shape);

      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: output '%s' is %s, not class scores (1 to %d of them)",
                   c->model_path, output->name, shape, G_MAXINT32);
      return FALSE;
    }
  c->n_classes = (size_t) cs_shape_numel (&output->shape);
  return TRUE;
}

static gboolean
apply_overrides (CsCard *card, const CsClassifierOptions *options, GError **error)
{
  if (!options->override_resize)
    return TRUE;
  if (options->resize != CS_RESIZE_STRETCH && options->resize != CS_RESIZE_CROP
      && options->resize != CS_RESIZE_LETTERBOX)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "no resize policy %d",
                   (int) options->resize);
      return FALSE;
    }
  card->resize = options->resize;
  if (options->resize != CS_RESIZE_CROP || options->crop_fraction == 0.0)
    return TRUE;
  if (!(options->crop_fraction > 0.0 && options->crop_fraction <= 1.0))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "the crop fraction must be in (0, 1], not %g", options->crop_fraction);
      return FALSE;
    }
  card->crop_fraction = options->crop_fraction;
  return TRUE;
}

/* The labels file the options name, else the card's choice; when they
 * cannot be used the classes go by number and the reason is kept. */
static void
find_labels (CsClassifier *c, const char *labels_path)
{
  c->labels = labels_path != NULL
              ? cs_labels_load (labels_path, c->card->label_offset, &c->labels_error)
              : cs_labels_for_card (c->card, c->model, &c->labels_error);
  if (c->labels == NULL)
    c->labels = cs_labels_new (NULL, c->card->label_offset, NULL);
}

CsClassifier *
cs_classifier_load (const char *model_path, const CsClassifierOptions *options,
                    GError **error)
{
  static const CsClassifierOptions no_options = { 0 };
  CsClassifier *c = g_atomic_rc_box_new0 (CsClassifier);

  if (options == NULL)
    options = &no_options;
  g_mutex_init (&c->lock);
  c->model_path = g_strdup (model_path);
  c->n_threads = options->n_threads;
  if ((c->model = cs_model_load_file (model_path, NULL, error)) == NULL
      || !check_model (c, error)
      || (c->card = cs_card_load (c->model, model_path, options->card_path, error)) == NULL
      || !apply_overrides (c->card, options, error)
      || (c->idle_session = cs_session_new (c->model, c->n_threads, error)) == NULL)
    {
      cs_classifier_unref (c);
      return NULL;
    }
  find_labels (c, options->labels_path);
  return c;
}

CsClassifier *
cs_classifier_ref (CsClassifier *c)
{
  return g_atomic_rc_box_acquire (c);
}

void
cs_classifier_unref (CsClassifier *c)
{
  if (c != NULL)
    g_atomic_rc_box_release_full (c, (GDestroyNotify) classifier_clear);
}

const char *
cs_classifier_model_path (const CsClassifier *c)
{
  return c->model_path;
}

const CsModel *
cs_classifier_model (const CsClassifier *c)
{
  return c->model;
}

const CsCard *
cs_classifier_card (const CsClassifier *c)
{
  return c->card;
}

const CsLabels *
cs_classifier_labels (const CsClassifier *c)
{
  return c->labels;
}

const GError *
cs_classifier_labels_error (const CsClassifier *c)
{
  return c->labels_error;
}

size_t
cs_classifier_n_classes (const CsClassifier *c)
{
  return c->n_classes;
}

CsTensor *
cs_classifier_input_new (const CsClassifier *c, GError **error)
{
  const CsTensor *model_input = cs_model_input (c->model, 0);
  CsTensor       *input;
  float          *data;

  /* The card has checked that the input is an image of a sane size. */
  data = g_try_new0 (float, (size_t) cs_shape_numel (&model_input->shape));
  if (data == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: not enough memory for the input tensor", c->model_path);
      return NULL;
    }
  input = g_new (CsTensor, 1);
  *input = (CsTensor) { g_strdup (model_input->name), CS_DTYPE_FLOAT32,
                        model_input->shape, data };
  return input;
}

void
cs_classifier_input_free (CsTensor *input)
{
  if (input == NULL)
    return;
  g_free (input->name);
  g_free (input->data);
  g_free (input);
}

gboolean
cs_classifier_run (CsClassifier *c, const CsTensor *input, const CsRunOptions *options,
                   CsResult **result, GError **error)
{
  CsSession *session;
  gboolean   ok;

  g_mutex_lock (&c->lock);
  session = g_steal_pointer (&c->idle_session);
  g_mutex_unlock (&c->lock);
  if (session == NULL && (session = cs_session_new (c->model, c->n_threads, error)) == NULL)
    return FALSE;
  ok = cs_session_run (session, input, 1, options, result, error);
  /* Kept for the next run unless another run has given one back first. */
  g_mutex_lock (&c->lock);
  if (c->idle_session == NULL)
    c->idle_session = g_steal_pointer (&session);
  g_mutex_unlock (&c->lock);
  if (session != NULL)
    cs_session_free (session);
  return ok;
}

/* Most probable first, NaN (from a broken model) last; the lower class
 * first among equals, so the order never depends on qsort. */
static int
compare_predictions (const void *a, const void *b)
{
  const CsPrediction *x = a, *y = b;
  gboolean x_nan = isnan (x->probability), y_nan = isnan (y->probability);

  if (x_nan != y_nan)
    return x_nan ? 1 : -1;
  if (!x_nan && x->probability != y->probability)
    return x->probability > y->probability ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

CsPrediction *
cs_classifier_top_k (const CsClassifier *c, const CsResult *result, int k,
                     int *n_predictions)
{
  const size_t       n = c->n_classes;
  g_autofree double *probabilities = NULL;
  CsPrediction      *all;
  int                count;

  *n_predictions = 0;
  g_return_val_if_fail (result != NULL && result->n_outputs >= 1, NULL);
  g_return_val_if_fail ((size_t) cs_shape_numel (&result->outputs[0].shape) == n, NULL);

  probabilities = g_new (double, n);
  all = g_new (CsPrediction, n);
  cs_card_probabilities (c->card, result->outputs[0].data, n, probabilities);
  for (size_t i = 0; i < n; i++)
    all[i] = (CsPrediction) { (int) i, probabilities[i], NULL };
  qsort (all, n, sizeof *all, compare_predictions);
  count = (int) MIN ((size_t) MAX (k, 0), n);
  all = g_renew (CsPrediction, all, MAX (count, 1));
  for (int r = 0; r < count; r++)
    {
      g_autofree char *name = cs_labels_name (c->labels, (size_t) all[r].index);

      /* Labels files can hold anything; what front ends get is text. */
      all[r].label = g_utf8_make_valid (name, -1);
    }
  *n_predictions = count;
  return all;
}

void
cs_predictions_free (CsPrediction *predictions, int n_predictions)
{
  for (int r = 0; predictions != NULL && r < n_predictions; r++)
    g_free (predictions[r].label);
  g_free (predictions);
}
