/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * network.c — one network for the plug-in's procedures: the model with
 * its card, labels and session, and the step from a region of a
 * GeglBuffer to the most probable classes or to layers' outputs.  The pixels go through the
 * same path as the command-line tool's (core/pixels, the model card), so
 * both give the same answer for the same image.
 */
#include "network.h"

#include <stdlib.h>
#include <string.h>

#include "cs-pixels.h"

struct _CspNetwork
{
  char      *model_path;
  CsModel   *model;
  CsCard    *card;
  CsLabels  *labels;
  CsSession *session;
  CsTensor   input;
  size_t     n_classes;
};

/* The first model file by name in $XDG_DATA_HOME/convscope/models; the
 * caller frees it. */
static char *
find_default_model (GError **error)
{
  g_autofree char *dir_path = g_build_filename (g_get_user_data_dir (), "convscope",
                                                "models", NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  char       *best = NULL, *path;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if ((g_str_has_suffix (name, ".tflite") || g_str_has_suffix (name, ".onnx"))
        && (best == NULL || strcmp (name, best) < 0))
      {
        g_free (best);
        best = g_strdup (name);
      }
  if (best == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "no model given, and no .tflite or .onnx model in %s", dir_path);
      return NULL;
    }
  path = g_build_filename (dir_path, best, NULL);
  g_free (best);
  return path;
}

/* An image network has one input, which the card checks is an image,
 * and float class scores as output 0. */
static gboolean
check_model (CspNetwork *c, GError **error)
{
  const CsTensor *input, *output;

  if (cs_model_n_inputs (c->model) != 1 || cs_model_n_outputs (c->model) < 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: a network needs one input and an output; this model has "
                   "%zu inputs and %zu outputs", c->model_path,
                   cs_model_n_inputs (c->model), cs_model_n_outputs (c->model));
      return FALSE;
    }
  output = cs_model_output (c->model, 0);
  c->n_classes = (size_t) cs_shape_numel (&output->shape);
  if (output->dtype != CS_DTYPE_FLOAT32 || c->n_classes < 1 || c->n_classes > G_MAXINT32)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: output '%s' does not hold float class scores",
                   c->model_path, output->name);
      return FALSE;
    }
  c->card = cs_card_load (c->model, c->model_path, NULL, error);
  if (c->card == NULL)
    return FALSE;
  /* The card has checked the input is a 1×C×H×W image of a sane size. */
  input = cs_model_input (c->model, 0);
  c->input.name = g_strdup (input->name);
  c->input.dtype = CS_DTYPE_FLOAT32;
  c->input.shape = input->shape;
  c->input.data = g_new (float, (size_t) cs_shape_numel (&input->shape));
  return TRUE;
}

/* Labels that cannot be used are not worth failing over: the classes are
 * then shown by number, and the reason goes to the terminal. */
static CsLabels *
find_labels (const CspNetwork *c)
{
  GError   *error = NULL;
  CsLabels *labels = cs_labels_for_card (c->card, c->model, &error);

  if (labels == NULL)
    {
      g_printerr ("convscope: cannot use the labels of %s: %s; showing class numbers\n",
                  c->model_path, error->message);
      g_error_free (error);
      labels = cs_labels_new (NULL, c->card->label_offset, NULL);
    }
  return labels;
}

CspNetwork *
csp_network_new (GFile *model_file, GError **error)
{
  CspNetwork *c = g_new0 (CspNetwork, 1);

  if (model_file == NULL)
    c->model_path = find_default_model (error);
  else if ((c->model_path = g_file_get_path (model_file)) == NULL)
    {
      g_autofree char *uri = g_file_get_uri (model_file);

      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: the model must be a local file", uri);
    }
  if (c->model_path == NULL
      || (c->model = cs_model_load_file (c->model_path, NULL, error)) == NULL
      || !check_model (c, error)
      || (c->session = cs_session_new (c->model, 0, error)) == NULL)
    {
      csp_network_free (c);
      return NULL;
    }
  c->labels = find_labels (c);
  return c;
}

void
csp_network_free (CspNetwork *c)
{
  if (c == NULL)
    return;
  cs_labels_free (c->labels);
  if (c->session != NULL)
    cs_session_free (c->session);
  g_free (c->input.name);
  g_free (c->input.data);
  cs_card_free (c->card);
  cs_model_free (c->model);
  g_free (c->model_path);
  g_free (c);
}

const char *
csp_network_model_path (const CspNetwork *c)
{
  return c->model_path;
}

const CsModel *
csp_network_model (const CspNetwork *c)
{
  return c->model;
}

const CsCard *
csp_network_card (const CspNetwork *c)
{
  return c->card;
}

CsResult *
csp_network_run_taps (CspNetwork          *c,
                      GeglBuffer          *buffer,
                      const GeglRectangle *roi,
                      const char *const   *taps,
                      GError             **error)
{
  const CsRunOptions options = { .taps = taps };
  CsResult          *result = NULL;

  if (!cs_pixels_to_tensor (buffer, roi, c->card, &c->input, error)
      || !cs_session_run (c->session, &c->input, 1, &options, &result, error))
    return NULL;
  return result;
}

CspPrediction *
csp_network_classify (CspNetwork          *c,
                      GeglBuffer          *buffer,
                      const GeglRectangle *roi,
                      int                  k,
                      int                 *n_predictions,
                      GError             **error)
{
  g_autofree CsPrediction *top = NULL;
  CspPrediction *all;
  CsResult      *result;
  int            n;

  result = csp_network_run_taps (c, buffer, roi, NULL, error);
  if (result == NULL)
    return NULL;
  top = g_new (CsPrediction, MAX (k, 1));
  n = cs_card_top_k (c->card, result->outputs[0].data, c->n_classes, MAX (k, 1), top);
  cs_result_free (result);

  all = g_new0 (CspPrediction, n);
  for (int r = 0; r < n; r++)
    {
      g_autofree char *name = cs_labels_name (c->labels, (size_t) top[r].index);

      /* Labels files can hold anything; what the PDB, XMP and CSV get is
       * valid UTF-8. */
      all[r] = (CspPrediction) { top[r].index, top[r].probability,
                                 g_utf8_make_valid (name, -1) };
    }
  *n_predictions = n;
  return all;
}

void
csp_predictions_free (CspPrediction *predictions, int n_predictions)
{
  for (int r = 0; predictions != NULL && r < n_predictions; r++)
    g_free (predictions[r].label);
  g_free (predictions);
}
