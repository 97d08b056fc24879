/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * network.c — one network for the plug-in's procedures: the model with
 * its card, labels and session, and the step from a region of a
 * GeglBuffer to the most probable classes or to layers' outputs.  The
 * pixels go through the same path as the command-line tool's
 * (core/pixels, the model card), so both give the same answer for the
 * same image.
 */
#include "network.h"

#include <libgimp/gimp.h>

#include "cs-pixels.h"

#define TILE_CACHE_LIMIT ((guint64) 64 << 20)

struct _CspNetwork
{
  CsModelEntry *default_entry; /* how the default was found; NULL when
                                * the model was given */
  char         *model_path;
  CsModel      *model;
  CsCard       *card;
  CsLabels     *labels;
  CsSession    *session;
  CsTensor      input;
  size_t        n_classes;
};

char *
csp_bundled_dir (void)
{
  g_autofree char *plug_in_dir = g_path_get_dirname (gimp_get_progname ());
  char            *weights = g_build_filename (plug_in_dir, "weights", NULL);

  if (g_file_test (weights, G_FILE_TEST_IS_DIR))
    return weights;
  g_free (weights);
  return NULL;
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

/* GIMP hands its plug-ins its own tile-cache size (by default half the
 * memory), and shrinking a huge drawable through GEGL's mipmaps passes
 * every full-size tile through that cache.  Capped, the tiles already
 * shrunk are dropped, and the plug-in's memory stays bounded whatever
 * the image's size. */
static void
limit_tile_cache (void)
{
  guint64 size;

  g_object_get (gegl_config (), "tile-cache-size", &size, NULL);
  if (size > TILE_CACHE_LIMIT)
    g_object_set (gegl_config (), "tile-cache-size", TILE_CACHE_LIMIT, NULL);
}

CspNetwork *
csp_network_new (GFile *model_file, GError **error)
{
  CspNetwork *c = g_new0 (CspNetwork, 1);

  limit_tile_cache ();

  if (model_file == NULL)
    {
      g_autofree char *bundled_dir = csp_bundled_dir ();

      c->default_entry = cs_models_default (bundled_dir, error);
      if (c->default_entry != NULL)
        c->model_path = g_strdup (c->default_entry->path);
    }
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
  if (c->default_entry != NULL)
    cs_model_entry_free (c->default_entry);
  g_free (c);
}

void
csp_network_show_note_once (const CspNetwork *c)
{
  g_autofree char *note = NULL;

  if (c->default_entry != NULL && (note = cs_models_note_once (c->default_entry)) != NULL)
    gimp_message (note);
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
