/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * classify.c — `convscope classify`: run an image classifier on image
 * files and print the most likely classes with their labels.
 *
 * How images become inputs and where labels come from is the model
 * card's business (core/card.c, docs/model-card.md): --card FILE, else
 * MODEL.ini beside the model, else defaults from the model.  --resize and
 * --labels override the card.  The classifier itself, checks included,
 * is the core's (cs-classifier.h); this file parses the options and
 * words what it prints.
 *
 * Which model: --model FILE; else the first argument when its name ends
 * in .onnx or .tflite; else the default model (cs_models_default), so
 * that `convscope classify photo.jpg` works out of the box.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cs-pixels.h"
#include "image.h"

#define DEFAULT_TOP   5

/* "stretch", "letterbox", "crop" or "crop:FRACTION" as the classifier's
 * resize override. */
static gboolean
parse_resize (const char *text, CsClassifierOptions *options, GError **error)
{
  const char *fraction = NULL;
  char       *end;
  double      value;

  options->override_resize = TRUE;
  if (strcmp (text, "stretch") == 0)
    options->resize = CS_RESIZE_STRETCH;
  else if (strcmp (text, "letterbox") == 0)
    options->resize = CS_RESIZE_LETTERBOX;
  else if (strcmp (text, "crop") == 0 || g_str_has_prefix (text, "crop:"))
    {
      options->resize = CS_RESIZE_CROP;
      fraction = text[4] == ':' ? text + 5 : NULL;
    }
  else
    {
      cli_usage_error (error, _("--resize takes stretch, crop[:FRACTION] or letterbox, not '%s'"),
                       text);
      return FALSE;
    }
  if (fraction == NULL)
    return TRUE;
  value = g_ascii_strtod (fraction, &end);
  if (end == fraction || *end != '\0' || !(value > 0.0 && value <= 1.0))
    {
      cli_usage_error (error, _("the crop fraction must be a number in (0, 1], not '%s'"),
                       fraction);
      return FALSE;
    }
  options->crop_fraction = value;
  return TRUE;
}

/* Labels that cannot be used, or that do not match the classes, are
 * worth a warning, never a failure: the numbers are still worth seeing. */
static void
warn_about_labels (const CsClassifier *c)
{
  const GError *labels_error = cs_classifier_labels_error (c);
  size_t        n_labels = cs_labels_count (cs_classifier_labels (c));
  size_t        n_classes = cs_classifier_n_classes (c);
  int           offset = cs_classifier_card (c)->label_offset;

  if (labels_error != NULL)
    cli_warning (_("cannot use the labels: %s; showing class numbers"), labels_error->message);
  else if (n_labels > 0 && (int64_t) n_labels != (int64_t) n_classes + offset)
    cli_warning (g_dngettext (GETTEXT_PACKAGE,
                              "%zu label for %zu classes (label offset %d); classes "
                              "without a label are shown as \"class N\"",
                              "%zu labels for %zu classes (label offset %d); classes "
                              "without a label are shown as \"class N\"", n_labels),
                 n_labels, n_classes, offset);
}

static CsPrediction *
classify_image (CsClassifier *c, CsTensor *input, const char *path, int top, int *n,
                GError **error)
{
  CsResult     *result = NULL;
  CsPrediction *predictions;

  if (!cli_image_to_tensor (path, cs_classifier_card (c), input, error)
      || !cs_classifier_run (c, input, NULL, &result, error))
    return NULL;
  predictions = cs_classifier_top_k (c, result, top, n);
  cs_result_free (result);
  return predictions;
}

static void
print_predictions (const char *path, const CsPrediction *top, int n)
{
  g_autofree char *shown = cli_printable (path);

  printf (_("%s\n  rank  class  probability  label\n"), shown);
  for (int r = 0; r < n; r++)
    {
      g_autofree char *label = cli_printable (top[r].label);

      printf ("  %4d  %5d  %11.4f  %s\n", r + 1, top[r].index,
              top[r].probability, label);
    }
}

static void
add_predictions (JsonBuilder *builder, const char *path, const CsPrediction *top, int n)
{
  g_autofree char *shown = cli_printable (path);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "image");
  json_builder_add_string_value (builder, shown);
  json_builder_set_member_name (builder, "top");
  json_builder_begin_array (builder);
  for (int r = 0; r < n; r++)
    {
      g_autofree char *label = cli_printable (top[r].label);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "rank");
      json_builder_add_int_value (builder, r + 1);
      json_builder_set_member_name (builder, "class");
      json_builder_add_int_value (builder, (int64_t) top[r].index);
      json_builder_set_member_name (builder, "label");
      json_builder_add_string_value (builder, label);
      json_builder_set_member_name (builder, "probability");
      json_builder_add_double_value (builder, top[r].probability);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

/* @text made printable, or null. */
static void
add_optional_string (JsonBuilder *builder, const char *text)
{
  g_autofree char *shown = text != NULL ? cli_printable (text) : NULL;

  if (shown != NULL)
    json_builder_add_string_value (builder, shown);
  else
    json_builder_add_null_value (builder);
}

/* Classifies every image; text is printed as it goes, JSON at the end
 * (so a failure leaves no half document). */
static gboolean
classify_all (CsClassifier *c, CsTensor *input, char **images, int n_images, int top,
              gboolean json, GError **error)
{
  g_autoptr (JsonBuilder) builder = json ? json_builder_new () : NULL;
  g_autofree char *model_shown = cli_printable (cs_classifier_model_path (c));

  if (json)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "model");
      json_builder_add_string_value (builder, model_shown);
      /* Where the preprocessing and the labels came from. */
      json_builder_set_member_name (builder, "card");
      add_optional_string (builder, cs_classifier_card (c)->path);
      json_builder_set_member_name (builder, "labels");
      add_optional_string (builder, cs_labels_source (cs_classifier_labels (c)));
      json_builder_set_member_name (builder, "images");
      json_builder_begin_array (builder);
    }
  for (int i = 0; i < n_images; i++)
    {
      int           n = 0;
      CsPrediction *predictions = classify_image (c, input, images[i], top, &n, error);

      if (predictions == NULL)
        return FALSE;
      if (json)
        add_predictions (builder, images[i], predictions, n);
      else
        {
          if (i > 0)
            putchar ('\n');
          print_predictions (images[i], predictions, n);
        }
      cs_predictions_free (predictions, n);
    }
  if (json)
    {
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      cli_json_print (builder);
    }
  return TRUE;
}

static gboolean
classify (const char *model_path, const CsClassifierOptions *options, char **images,
          int n_images, int top, gboolean json, GError **error)
{
  g_autoptr (CsClassifier) c = cs_classifier_load (model_path, options, error);
  CsTensor *input;
  gboolean  ok;

  if (c == NULL || (input = cs_classifier_input_new (c, error)) == NULL)
    return FALSE;
  warn_about_labels (c);
  cs_pixels_init ();
  ok = classify_all (c, input, images, n_images, top, json, error);
  cs_pixels_exit ();
  cs_classifier_input_free (input);
  return ok;
}

static gboolean
is_model_file_name (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  return g_str_has_suffix (lower, ".onnx") || g_str_has_suffix (lower, ".tflite");
}

/* The default model's path (the caller frees it), said on stderr since
 * the user did not name it, with the one-time note about the bundled
 * model when that is all there is. */
static char *
default_model (GError **error)
{
  g_autoptr (GError) none = NULL;
  g_autoptr (CsModelEntry) entry = cs_models_default (NULL, &none);
  g_autofree char *shown = NULL;

  if (entry == NULL)
    {
      g_set_error (error, none->domain, none->code,
                   _("%s; name one, or fetch one with 'convscope fetch mobilenet-v2'"),
                   none->message);
      return NULL;
    }
  shown = cli_printable (entry->path);
  fflush (stdout);
  fprintf (stderr, _("convscope: using the default model %s (see 'convscope models')\n"), shown);
  if (cs_models_bundled_note_due (entry))
    {
      g_autofree char *name = cli_printable (entry->name);

      fprintf (stderr, _("convscope: note: the bundled model, %s, only knows %d classes; for "
                         "a general photo classifier, run 'convscope fetch mobilenet-v2'\n"),
               name, entry->n_classes);
    }
  return g_strdup (entry->path);
}

int
cli_classify (int argc, char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *labels_path = NULL;
  g_autofree char *card_path = NULL;
  g_autofree char *resize = NULL;
  int              top = DEFAULT_TOP;
  gboolean         json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path,
      N_("The model (default: the first argument when it ends in .onnx or .tflite, "
         "else the default model of 'convscope models')"), "FILE" },
    { "card", 'c', 0, G_OPTION_ARG_FILENAME, &card_path,
      N_("The model card (default: MODEL.ini beside the model, if any)"), "FILE" },
    { "resize", 'r', 0, G_OPTION_ARG_STRING, &resize,
      N_("stretch, crop[:FRACTION] or letterbox, over the card (default: the "
         "card's, else stretch; a crop keeps FRACTION of the sides of the largest "
         "centred one, the card's or 0.875)"), "POLICY" },
    { "labels", 'l', 0, G_OPTION_ARG_FILENAME, &labels_path,
      N_("Class names, one per line (default: the card's, else the model's own, "
         "else labels.txt beside the model)"), "FILE" },
    { "top", 'k', 0, G_OPTION_ARG_INT, &top,
      N_("How many classes to show (default 5)"), "K" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the results as JSON"), NULL },
    { NULL }
  };
  CsClassifierOptions options = { 0 };
  char **images;
  int n_images;
  GError *error = NULL;

  if (!cli_parse_options (&argc, &argv, entries, "[MODEL] IMAGE…",
                          N_("Classify images."),
                          N_("Images are prepared as the model card says (see "
                             "docs/model-card.md).  Without\na card: made upright, "
                             "stretched to the model's input size (Pillow's bilinear\n"
                             "filter, averaging when shrinking), composited over white, and "
                             "scaled to [0, 1] RGB,\nor to bytes through the input's "
                             "quantization for quantized models.  Scores\nthat are "
                             "not already probabilities go through a softmax.\n\n"
                             "MODEL is the first argument when its name ends in .onnx "
                             "or .tflite; name\nother models with --model.  Without "
                             "either, the default model is used\n(see 'convscope models' "
                             "and docs/models.md).\n\n"
                             "Example:\n  convscope classify mobilenet.tflite "
                             "cat.jpg dog.png --top 3 --resize crop:0.875"),
                          1, -1, &error))
    return cli_fail (error);
  images = argv + 1;
  n_images = argc - 1;
  if (model_path == NULL && is_model_file_name (argv[1]))
    {
      model_path = g_strdup (argv[1]);
      images++;
      n_images--;
    }
  if (n_images < 1)
    {
      cli_usage_error (&error, _("classify takes MODEL IMAGE… but got no image; "
                                 "see 'convscope classify --help'"));
      return cli_fail (error);
    }
  if (top < 1)
    {
      cli_usage_error (&error, _("--top must be at least 1, not %d"), top);
      return cli_fail (error);
    }
  options.card_path = card_path;
  options.labels_path = labels_path;
  if (resize != NULL && !parse_resize (resize, &options, &error))
    return cli_fail (error);
  if (model_path == NULL && (model_path = default_model (&error)) == NULL)
    return cli_fail (error);
  if (!classify (model_path, &options, images, n_images, top, json, &error))
    return cli_fail (error);
  return 0;
}
