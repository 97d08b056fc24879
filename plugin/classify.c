/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * classify.c — the classifying procedures.  plug-in-convscope-classify
 * names what one drawable (or the selection's bounds in it) shows and can
 * tag the image with the labels; plug-in-convscope-classify-files does
 * the same for image files, into a CSV file.
 */
#include <string.h>

#include "dialog.h"
#include "network.h"
#include "procedures.h"
#include "tagging.h"

static void
add_top_k_argument (GimpProcedure *procedure)
{
  gimp_procedure_add_int_argument (procedure, "top-k", _("_Top classes"),
                                   _("How many of the most probable classes to return"),
                                   CSP_TOP_K_MIN, CSP_TOP_K_MAX, CSP_TOP_K_DEFAULT,
                                   G_PARAM_READWRITE);
}

/* ---- plug-in-convscope-classify ---- */

static void
show_predictions (const CspNetwork *network, const CsPrediction *predictions,
                  int n)
{
  const CsClassifier *classifier = csp_network_classifier (network);
  g_autofree char    *model_name = g_path_get_basename (cs_classifier_model_path (classifier));
  GString            *text = g_string_new (NULL);

  g_string_append_printf (text, _("Convscope, %s:"), model_name);
  for (int r = 0; r < n; r++)
    g_string_append_printf (text, "\n%2d. %s  %.1f %%", r + 1, predictions[r].label,
                            100.0 * predictions[r].probability);
  gimp_message (text->str);
  g_string_free (text, TRUE);
}

/* Return values: labels, scores, classes. */
static GimpValueArray *
classify_return_values (GimpProcedure *procedure, const CsPrediction *predictions, int n)
{
  GimpValueArray *values = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS,
                                                             NULL);
  GStrv   labels = g_new0 (char *, n + 1);
  double *scores = g_new (double, n);
  gint32 *classes = g_new (gint32, n);

  for (int r = 0; r < n; r++)
    {
      labels[r] = g_strdup (predictions[r].label);
      scores[r] = predictions[r].probability;
      classes[r] = predictions[r].index;
    }
  GIMP_VALUES_TAKE_STRV (values, 1, labels);
  GIMP_VALUES_TAKE_DOUBLE_ARRAY (values, 2, scores, n);
  GIMP_VALUES_TAKE_INT32_ARRAY (values, 3, classes, n);
  return values;
}

static GimpValueArray *
classify_run (GimpProcedure       *procedure,
              GimpRunMode          run_mode,
              GimpImage           *image,
              GimpDrawable       **drawables,
              GimpProcedureConfig *config,
              gpointer             run_data)
{
  g_autoptr (GFile) model_file = NULL;
  g_autoptr (GeglBuffer) buffer = NULL;
  CspNetwork     *network;
  CsPrediction   *predictions;
  GimpValueArray *values;
  GError         *error = NULL;
  GeglRectangle   roi;
  gboolean        use_selection, tag;
  int             top_k, n = 0;

  if ((values = csp_check_one_drawable (procedure, drawables)) != NULL)
    return values;
  if (run_mode == GIMP_RUN_INTERACTIVE
      && !csp_classify_dialog (procedure, config, image, drawables[0]))
    return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL, NULL);

  g_object_get (config, "model", &model_file, "top-k", &top_k,
                "use-selection", &use_selection, "tag-image", &tag, NULL);
  if (!csp_drawable_region (drawables[0], use_selection, &roi, &error))
    return csp_procedure_fail (procedure, error);
  network = csp_network_new (model_file, &error);
  if (network == NULL)
    return csp_procedure_fail (procedure, error);
  if (run_mode == GIMP_RUN_INTERACTIVE)
    csp_network_show_note_once (network);

  buffer = gimp_drawable_get_buffer (drawables[0]);
  predictions = csp_network_classify (network, buffer, &roi, top_k, &n, &error);
  if (predictions == NULL || (tag && !csp_tag_image (image, predictions, n, &error)))
    values = csp_procedure_fail (procedure, error);
  else
    {
      if (run_mode == GIMP_RUN_INTERACTIVE)
        show_predictions (network, predictions, n);
      values = classify_return_values (procedure, predictions, n);
    }
  cs_predictions_free (predictions, n);
  csp_network_free (network);
  return values;
}

GimpProcedure *
csp_classify_procedure_new (GimpPlugIn *plug_in)
{
  GimpProcedure   *procedure = gimp_image_procedure_new (plug_in, CSP_CLASSIFY_PROC,
                                                         GIMP_PDB_PROC_TYPE_PLUGIN,
                                                         classify_run, NULL, NULL);
  /* The parasite's name is outside the translated text: it is data. */
  g_autofree char *help = g_strdup_printf (
    _("Runs an image network (ONNX or TensorFlow Lite) on the drawable, or on "
      "the bounding box of the selection within it, and returns the most probable "
      "classes with their probabilities.  The pixels are read in sRGB whatever the "
      "image's precision, colour space or mode, and prepared as the model card "
      "beside the model says.  With tag-image the labels are added to the image's "
      "XMP keywords (dc:subject) and stored in the persistent parasite "
      "\"%s\" (one \"label<TAB>probability\" line per class), as "
      "one undo step.  On any failure the image is left unchanged."),
    CSP_LABELS_PARASITE);
  g_autofree char *tag_blurb = g_strdup_printf (
    _("Add the labels to the image's XMP keywords and to the parasite \"%s\""),
    CSP_LABELS_PARASITE);

  gimp_procedure_set_image_types (procedure, "*");
  gimp_procedure_set_sensitivity_mask (procedure, GIMP_PROCEDURE_SENSITIVE_DRAWABLE);
  gimp_procedure_set_menu_label (procedure, _("_Classify…"));
  gimp_procedure_add_menu_path (procedure, "<Image>/Filters/Convscope");
  gimp_procedure_set_documentation (
    procedure,
    _("Name what the image shows with a neural network"),
    help,
    CSP_CLASSIFY_PROC);
  csp_procedure_add_common (procedure);
  add_top_k_argument (procedure);
  csp_procedure_add_use_selection (procedure,
                                   _("Classify the selection's bounding box in the "
                                     "drawable rather than the whole drawable"));
  gimp_procedure_add_boolean_argument (procedure, "tag-image", _("Ta_g the image"),
                                       tag_blurb,
                                       FALSE, G_PARAM_READWRITE);
  gimp_procedure_add_string_array_return_value (procedure, "labels", _("Labels"),
                                                _("The most probable classes' labels, "
                                                  "most probable first"),
                                                G_PARAM_READWRITE);
  gimp_procedure_add_double_array_return_value (procedure, "scores", _("Scores"),
                                                _("Their probabilities in [0, 1]"),
                                                G_PARAM_READWRITE);
  gimp_procedure_add_int32_array_return_value (procedure, "classes", _("Classes"),
                                               _("Their class numbers in the model's output"),
                                               G_PARAM_READWRITE);
  return procedure;
}

/* ---- plug-in-convscope-classify-files ---- */

/* A CSV field, quoted when it needs to be (RFC 4180). */
static void
append_csv_field (GString *csv, const char *field)
{
  if (strpbrk (field, ",\"\r\n") == NULL)
    {
      g_string_append (csv, field);
      return;
    }
  g_string_append_c (csv, '"');
  for (const char *c = field; *c != '\0'; c++)
    {
      if (*c == '"')
        g_string_append_c (csv, '"');
      g_string_append_c (csv, *c);
    }
  g_string_append_c (csv, '"');
}

/* The one layer of the loaded image, or its visible layers merged (alpha
 * kept: the model card says what transparency is composited over). */
static GimpDrawable *
drawable_of_loaded (GimpImage *image)
{
  g_autofree GimpLayer **layers = gimp_image_get_layers (image);

  if (layers != NULL && layers[0] != NULL && layers[1] == NULL)
    return GIMP_DRAWABLE (layers[0]);
  return GIMP_DRAWABLE (gimp_image_merge_visible_layers (image, GIMP_CLIP_TO_IMAGE));
}

/* Loads @name, classifies it and appends its rows to @csv. */
static gboolean
classify_file (CspNetwork *network, const char *name, int top_k, GString *csv,
               GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_commandline_arg (name);
  g_autoptr (GeglBuffer) buffer = NULL;
  CsPrediction  *predictions;
  GimpDrawable  *drawable;
  GimpImage     *image;
  int            n = 0;

  /* GIMP's own error for a missing file cannot name it. */
  if (!g_file_query_exists (file, NULL))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_IO, _("%s: no such file"), name);
      return FALSE;
    }
  image = gimp_file_load (GIMP_RUN_NONINTERACTIVE, file);
  if (image == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_IO, _("%s: GIMP cannot load it: %s"), name,
                   gimp_pdb_get_last_error (gimp_get_pdb ()));
      return FALSE;
    }
  drawable = drawable_of_loaded (image);
  if (drawable == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, _("%s: the image has no visible layer"),
                   name);
      gimp_image_delete (image);
      return FALSE;
    }
  buffer = gimp_drawable_get_buffer (drawable);
  predictions = csp_network_classify (network, buffer, NULL, top_k, &n, error);
  g_clear_object (&buffer);
  gimp_image_delete (image);
  if (predictions == NULL)
    {
      g_prefix_error (error, "%s: ", name);
      return FALSE;
    }
  for (int r = 0; r < n; r++)
    {
      char score[G_ASCII_DTOSTR_BUF_SIZE];

      append_csv_field (csv, name);
      g_string_append_printf (csv, ",%d,", r + 1);
      append_csv_field (csv, predictions[r].label);
      g_string_append_printf (csv, ",%s\n",
                              g_ascii_formatd (score, sizeof score, "%.6f",
                                               predictions[r].probability));
    }
  cs_predictions_free (predictions, n);
  return TRUE;
}

/* Classifies every file, then writes the CSV in one go, so a failure
 * leaves no half-written file behind. */
static gboolean
classify_files (GStrv files, GFile *model_file, int top_k, GFile *output, GError **error)
{
  GString       *csv = g_string_new ("file,rank,label,score\n");
  CspNetwork    *network;
  gboolean       ok = TRUE;
  guint          n_files = files != NULL ? g_strv_length (files) : 0;

  if (n_files == 0 || output == NULL)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_ARGUMENT,
                           n_files == 0 ? _("no image files given")
                                        : _("no output CSV file given"));
      g_string_free (csv, TRUE);
      return FALSE;
    }
  network = csp_network_new (model_file, error);
  ok = network != NULL;
  gimp_progress_init (_("Classifying images"));
  for (guint i = 0; ok && i < n_files; i++)
    {
      ok = classify_file (network, files[i], top_k, csv, error);
      gimp_progress_update ((double) (i + 1) / n_files);
    }
  if (ok)
    ok = g_file_replace_contents (output, csv->str, csv->len, NULL, FALSE,
                                  G_FILE_CREATE_NONE, NULL, NULL, error);
  csp_network_free (network);
  g_string_free (csv, TRUE);
  return ok;
}

static GimpValueArray *
classify_files_run (GimpProcedure       *procedure,
                    GimpProcedureConfig *config,
                    gpointer             run_data)
{
  g_auto (GStrv) files = NULL;
  g_autoptr (GFile) model_file = NULL;
  g_autoptr (GFile) output = NULL;
  GError *error = NULL;
  int     top_k;

  g_object_get (config, "files", &files, "model", &model_file, "top-k", &top_k,
                "output", &output, NULL);
  if (!classify_files (files, model_file, top_k, output, &error))
    return csp_procedure_fail (procedure, error);
  return gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
}

GimpProcedure *
csp_classify_files_procedure_new (GimpPlugIn *plug_in)
{
  GimpProcedure *procedure = gimp_procedure_new (plug_in, CSP_CLASSIFY_FILES_PROC,
                                                 GIMP_PDB_PROC_TYPE_PLUGIN,
                                                 classify_files_run, NULL, NULL);

  gimp_procedure_set_documentation (
    procedure,
    _("Name what image files show with a neural network, into a CSV file"),
    _("Loads each file with GIMP, classifies its layer (its visible layers merged "
      "when it has several) with the network, and writes the most probable classes "
      "to a CSV file with the columns file, rank, label, score.  The model is loaded "
      "once for all files.  The first file that cannot be loaded or classified fails "
      "the call, and the CSV file is then not written."),
    CSP_CLASSIFY_FILES_PROC);
  gimp_procedure_add_enum_argument (procedure, "run-mode", _("Run mode"),
                                    _("The run mode"), GIMP_TYPE_RUN_MODE,
                                    GIMP_RUN_NONINTERACTIVE, G_PARAM_READWRITE);
  gimp_procedure_add_string_array_argument (procedure, "files", _("Files"),
                                            _("The image files: paths or URIs"),
                                            G_PARAM_READWRITE);
  csp_procedure_add_common (procedure);
  add_top_k_argument (procedure);
  gimp_procedure_add_file_argument (procedure, "output", _("_Output"),
                                    _("The CSV file to write (replaced if it exists)"),
                                    GIMP_FILE_CHOOSER_ACTION_SAVE, FALSE, NULL,
                                    G_PARAM_READWRITE);
  return procedure;
}
