/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * classifier.c — one image classifier ready to run: the model, its card
 * with the front end's overrides, its labels, a session kept for the
 * next run, and the most probable classes with their names.  The checks
 * that make a model a classifier live here and nowhere else.
 */
#include "cs-classifier.h"
#include "model-bundle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct _CsClassifier
{
  CsModelBundle bundle;
  size_t        n_classes;
};

static void
classifier_clear (CsClassifier *c)
{
  cs_model_bundle_clear (&c->bundle);
}

/* One input, and float scores as output 0: the card has checked that
 * the input is an image. */
static gboolean
check_model (CsClassifier *c, GError **error)
{
  const CsModelBundle *b = &c->bundle;
  const CsTensor *output;

  if (b->card->task == CS_TASK_SEGMENTATION)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: a segmentation model, not an image classifier", b->model_path);
      return FALSE;
    }
  if (cs_model_n_inputs (b->model) != 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: a classifier takes one image input; this model has %zu inputs",
                   b->model_path, cs_model_n_inputs (b->model));
      return FALSE;
    }
  if (cs_model_n_outputs (b->model) < 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: the model has no output to read class scores from", b->model_path);
      return FALSE;
    }
  output = cs_model_output (b->model, 0);
  if (output->dtype != CS_DTYPE_FLOAT32)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: output '%s' holds integers, not float class scores",
                   b->model_path, output->name);
      return FALSE;
    }
  /* Class numbers are ints wherever they go (predictions, the PDB). */
  if (cs_shape_numel (&output->shape) < 1 || cs_shape_numel (&output->shape) > G_MAXINT32)
    {
      g_autofree char *shape = cs_shape_to_string (&output->shape);

      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: output '%s' is %s, not class scores (1 to %d of them)",
                   b->model_path, output->name, shape, G_MAXINT32);
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

CsClassifier *
cs_classifier_load (const char *model_path, const CsClassifierOptions *options,
                    GError **error)
{
  static const CsClassifierOptions no_options = { 0 };
  CsClassifier *c = g_atomic_rc_box_new0 (CsClassifier);

  if (options == NULL)
    options = &no_options;
  if (!cs_model_bundle_load (&c->bundle, model_path, options->card_path, options->n_threads,
                             error)
      || !check_model (c, error)
      || !apply_overrides (c->bundle.card, options, error)
      || !cs_model_bundle_start (&c->bundle, options->labels_path, error))
    {
      cs_classifier_unref (c);
      return NULL;
    }
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
  return c->bundle.model_path;
}

const CsModel *
cs_classifier_model (const CsClassifier *c)
{
  return c->bundle.model;
}

const CsCard *
cs_classifier_card (const CsClassifier *c)
{
  return c->bundle.card;
}

const CsLabels *
cs_classifier_labels (const CsClassifier *c)
{
  return c->bundle.labels;
}

const GError *
cs_classifier_labels_error (const CsClassifier *c)
{
  return c->bundle.labels_error;
}

size_t
cs_classifier_n_classes (const CsClassifier *c)
{
  return c->n_classes;
}

CsTensor *
cs_classifier_input_new (const CsClassifier *c, GError **error)
{
  return cs_model_bundle_input_new (&c->bundle, error);
}

void
cs_classifier_input_free (CsTensor *input)
{
  cs_model_bundle_input_free (input);
}

gboolean
cs_classifier_run (CsClassifier *c, const CsTensor *input, const CsRunOptions *options,
                   CsResult **result, GError **error)
{
  return cs_model_bundle_run (&c->bundle, input, options, result, error);
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
  cs_card_probabilities (c->bundle.card, result->outputs[0].data, n, probabilities);
  for (size_t i = 0; i < n; i++)
    all[i] = (CsPrediction) { (int) i, probabilities[i], NULL };
  qsort (all, n, sizeof *all, compare_predictions);
  count = (int) MIN ((size_t) MAX (k, 0), n);
  all = g_renew (CsPrediction, all, MAX (count, 1));
  for (int r = 0; r < count; r++)
    {
      g_autofree char *name = cs_labels_name (c->bundle.labels, (size_t) all[r].index);

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
