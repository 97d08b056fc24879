/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * network.c — one network for the plug-in's procedures: the core's
 * classifier (model, card, labels, session, checks) for the model given
 * or the default one, and the step from a region of a GeglBuffer to the
 * most probable classes or to layers' outputs.  The pixels go through
 * the same path as the command-line tool's (core/pixels, the model
 * card), so both give the same answer for the same image.
 */
#include "network.h"

#include <glib/gi18n-lib.h>
#include <libgimp/gimp.h>

#include "cs-pixels.h"

#define TILE_CACHE_LIMIT ((guint64) 64 << 20)

struct _CspNetwork
{
  CsModelEntry *default_entry; /* how the default was found; NULL when
                                * the model was given */
  CsClassifier *classifier;
  CsTensor     *input;
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

/* The default model's path, or NULL with @error saying there is none. */
static char *
default_model_path (CspNetwork *c, GError **error)
{
  g_autofree char *bundled_dir = csp_bundled_dir ();
  g_autoptr (GError) none = NULL;

  c->default_entry = cs_models_default (bundled_dir, &none);
  if (c->default_entry == NULL)
    {
      g_set_error (error, none->domain, none->code,
                   _("%s; choose a model file, or get one with \"Get Models…\" in the "
                     "Classify dialog"), none->message);
      return NULL;
    }
  return g_strdup (c->default_entry->path);
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

/* Labels that cannot be used are not worth failing over: the classes
 * are then shown by number, and the reason goes to the terminal. */
static void
warn_unusable_labels (const char *model_path, const GError *labels_error)
{
  if (labels_error != NULL)
    g_printerr (_("convscope: cannot use the labels of %s: %s; showing class numbers\n"),
                model_path, labels_error->message);
}

/* The path of @model_file, or NULL with @error when it is not local. */
static char *
model_file_path (GFile *model_file, GError **error)
{
  char *path = g_file_get_path (model_file);

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (model_file);

      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   _("%s: the model must be a local file"), uri);
    }
  return path;
}

CspNetwork *
csp_network_new (GFile *model_file, GError **error)
{
  CspNetwork      *c = g_new0 (CspNetwork, 1);
  g_autofree char *model_path = NULL;

  limit_tile_cache ();

  if (model_file == NULL)
    model_path = default_model_path (c, error);
  else
    model_path = model_file_path (model_file, error);
  if (model_path == NULL
      || (c->classifier = cs_classifier_load (model_path, NULL, error)) == NULL
      || (c->input = cs_classifier_input_new (c->classifier, error)) == NULL)
    {
      csp_network_free (c);
      return NULL;
    }
  warn_unusable_labels (model_path, cs_classifier_labels_error (c->classifier));
  return c;
}

/* The first segmentation model here, bundled or downloaded, or NULL
 * with @error saying there is none. */
static char *
default_segmenter_path (GError **error)
{
  g_autofree char *bundled_dir = csp_bundled_dir ();
  g_autoptr (GPtrArray) models = cs_models_list (bundled_dir, error);

  for (guint i = 0; models != NULL && i < models->len; i++)
    {
      const CsModelEntry *entry = g_ptr_array_index (models, i);

      if (entry->task == CS_TASK_SEGMENTATION)
        return g_strdup (entry->path);
    }
  if (models != NULL)
    g_set_error_literal (error, CS_ERROR, CS_ERROR_ARGUMENT,
                         _("no segmentation model here; choose a model file, or get "
                           "DeepLab v3 with `convscope fetch deeplab-v3`"));
  return NULL;
}

CsSegmenter *
csp_segmenter_new (GFile *model_file, GError **error)
{
  g_autofree char *model_path = NULL;
  CsSegmenter     *segmenter;

  limit_tile_cache ();
  model_path =
      model_file == NULL ? default_segmenter_path (error) : model_file_path (model_file, error);
  if (model_path == NULL || (segmenter = cs_segmenter_load (model_path, NULL, error)) == NULL)
    return NULL;
  warn_unusable_labels (model_path, cs_segmenter_labels_error (segmenter));
  return segmenter;
}

void
csp_network_free (CspNetwork *c)
{
  if (c == NULL)
    return;
  cs_classifier_input_free (c->input);
  cs_classifier_unref (c->classifier);
  if (c->default_entry != NULL)
    cs_model_entry_free (c->default_entry);
  g_free (c);
}

void
csp_network_show_note_once (const CspNetwork *c)
{
  g_autofree char *note = NULL;

  if (c->default_entry == NULL || !cs_models_bundled_note_due (c->default_entry))
    return;
  note = g_strdup_printf (_("The bundled model, %s, only knows %d classes.  For a general "
                            "photo classifier, use \"Get Models…\" in the Classify dialog."),
                          c->default_entry->name, c->default_entry->n_classes);
  gimp_message (note);
}

const CsClassifier *
csp_network_classifier (const CspNetwork *c)
{
  return c->classifier;
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

  if (!cs_pixels_to_tensor (buffer, roi, cs_classifier_card (c->classifier), c->input, error)
      || !cs_classifier_run (c->classifier, c->input, &options, &result, error))
    return NULL;
  return result;
}

CsPrediction *
csp_network_classify (CspNetwork          *c,
                      GeglBuffer          *buffer,
                      const GeglRectangle *roi,
                      int                  k,
                      int                 *n_predictions,
                      GError             **error)
{
  CsResult     *result = csp_network_run_taps (c, buffer, roi, NULL, error);
  CsPrediction *predictions;

  if (result == NULL)
    return NULL;
  predictions = cs_classifier_top_k (c->classifier, result, MAX (k, 1), n_predictions);
  cs_result_free (result);
  return predictions;
}

const CsTensor *
csp_network_input (const CspNetwork *c)
{
  return c->input;
}
