/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * classify.c — `convscope classify`: run an image classifier on image
 * files and print the most likely classes with their labels.
 *
 * How images become inputs and where labels come from is the model
 * card's business (core/card.c, docs/model-card.md): --card FILE, else
 * MODEL.ini beside the model, else defaults from the model.  --resize and
 * --labels override the card.  A labels file that cannot be used is a
 * warning, never a failure: the numbers are still worth seeing.
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
#include "tensor.h"

#define DEFAULT_TOP   5

typedef struct
{
  const char *model_path;
  CsModel    *model;
  CsCard     *card;
  CsLabels   *labels;
  CsSession  *session;
  CsTensor    input;
  size_t      n_classes;
  int         top;
} Classifier;

/* What the command line says over the card. */
typedef struct
{
  const char *card_path;
  const char *labels_path;
  const char *resize;
} Overrides;

/* Labels from --labels with the card's offset, else the card's choice;
 * one that cannot be used is a warning and classes go by number. */
static CsLabels *
find_labels (const Classifier *c, const char *labels_path)
{
  GError   *error = NULL;
  CsLabels *labels;

  labels = labels_path != NULL
           ? cs_labels_load (labels_path, c->card->label_offset, &error)
           : cs_labels_for_card (c->card, c->model, &error);
  if (labels == NULL)
    {
      cli_warning ("cannot use the labels: %s; showing class numbers", error->message);
      g_error_free (error);
      labels = cs_labels_new (NULL, c->card->label_offset, NULL);
    }
  return labels;
}

/* "stretch", "letterbox", "crop" or "crop:FRACTION" over the card. */
static gboolean
apply_resize (CsCard *card, const char *text, GError **error)
{
  const char *fraction = NULL;
  char       *end;
  double      value;

  if (strcmp (text, "stretch") == 0)
    card->resize = CS_RESIZE_STRETCH;
  else if (strcmp (text, "letterbox") == 0)
    card->resize = CS_RESIZE_LETTERBOX;
  else if (strcmp (text, "crop") == 0 || g_str_has_prefix (text, "crop:"))
    {
      card->resize = CS_RESIZE_CROP;
      fraction = text[4] == ':' ? text + 5 : NULL;
    }
  else
    {
      cli_usage_error (error, "--resize takes stretch, crop[:FRACTION] or letterbox, not '%s'",
                       text);
      return FALSE;
    }
  if (fraction == NULL)
    return TRUE;
  value = g_ascii_strtod (fraction, &end);
  if (end == fraction || *end != '\0' || !(value > 0.0 && value <= 1.0))
    {
      cli_usage_error (error, "the crop fraction must be a number in (0, 1], not '%s'",
                       fraction);
      return FALSE;
    }
  card->crop_fraction = value;
  return TRUE;
}

/* Checks that the model is an image classifier this command can feed:
 * one input, an image as its card says (1×C×H×W with C 1 or 3), and
 * scores as output 0. */
static gboolean
check_model (Classifier *c, const Overrides *overrides, GError **error)
{
  const CsTensor *output;

  if (cs_model_n_inputs (c->model) != 1 || cs_model_n_outputs (c->model) < 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: classify needs a model with one input and an output; "
                   "this one has %zu inputs and %zu outputs", c->model_path,
                   cs_model_n_inputs (c->model), cs_model_n_outputs (c->model));
      return FALSE;
    }
  c->card = cs_card_load (c->model, c->model_path, overrides->card_path, error);
  if (c->card == NULL
      || (overrides->resize != NULL && !apply_resize (c->card, overrides->resize, error)))
    return FALSE;

  output = cs_model_output (c->model, 0);
  c->n_classes = (size_t) cs_shape_numel (&output->shape);
  if (output->dtype != CS_DTYPE_FLOAT32 || c->n_classes < 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: output '%s' does not hold float class scores",
                   c->model_path, output->name);
      return FALSE;
    }
  return cli_tensor_alloc (&c->input, cs_model_input (c->model, 0)->name,
                           &cs_model_input (c->model, 0)->shape, error);
}

/* The label to show for @index; the caller frees it. */
static char *
label_for (const Classifier *c, size_t index)
{
  g_autofree char *name = cs_labels_name (c->labels, index);

  return cli_printable (name);
}

static gboolean
classify_image (Classifier *c, const char *path, CsPrediction *top, GError **error)
{
  CsResult *result = NULL;

  if (!cli_image_to_tensor (path, c->card, &c->input, error)
      || !cs_session_run (c->session, &c->input, 1, NULL, &result, error))
    return FALSE;
  cs_card_top_k (c->card, result->outputs[0].data, c->n_classes, c->top, top);
  cs_result_free (result);
  return TRUE;
}

static void
print_predictions (const Classifier *c, const char *path, const CsPrediction *top)
{
  g_autofree char *shown = cli_printable (path);

  printf ("%s\n  rank  class  probability  label\n", shown);
  for (int r = 0; r < c->top; r++)
    {
      g_autofree char *label = label_for (c, top[r].index);

      printf ("  %4d  %5d  %11.4f  %s\n", r + 1, top[r].index,
              top[r].probability, label);
    }
}

static void
add_predictions (JsonBuilder *builder, const Classifier *c, const char *path,
                 const CsPrediction *top)
{
  g_autofree char *shown = cli_printable (path);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "image");
  json_builder_add_string_value (builder, shown);
  json_builder_set_member_name (builder, "top");
  json_builder_begin_array (builder);
  for (int r = 0; r < c->top; r++)
    {
      g_autofree char *label = label_for (c, top[r].index);

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
classify_all (Classifier *c, char **images, int n_images, gboolean json,
              GError **error)
{
  g_autoptr (JsonBuilder) builder = json ? json_builder_new () : NULL;
  g_autofree CsPrediction *top = g_new (CsPrediction, c->top);
  g_autofree char *model_shown = cli_printable (c->model_path);

  if (json)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "model");
      json_builder_add_string_value (builder, model_shown);
      /* Where the preprocessing and the labels came from. */
      json_builder_set_member_name (builder, "card");
      add_optional_string (builder, c->card->path);
      json_builder_set_member_name (builder, "labels");
      add_optional_string (builder, cs_labels_source (c->labels));
      json_builder_set_member_name (builder, "images");
      json_builder_begin_array (builder);
    }
  for (int i = 0; i < n_images; i++)
    {
      if (!classify_image (c, images[i], top, error))
        return FALSE;
      if (json)
        add_predictions (builder, c, images[i], top);
      else
        {
          if (i > 0)
            putchar ('\n');
          print_predictions (c, images[i], top);
        }
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
classify (const char *model_path, const Overrides *overrides, char **images,
          int n_images, int top, gboolean json, GError **error)
{
  Classifier c = { .model_path = model_path };
  gboolean   ok;

  c.model = cli_load_model (model_path, error);
  if (c.model == NULL)
    return FALSE;
  ok = check_model (&c, overrides, error)
       && (c.session = cs_session_new (c.model, 0, error)) != NULL;
  if (ok)
    {
      size_t n_labels;

      c.labels = find_labels (&c, overrides->labels_path);
      n_labels = cs_labels_count (c.labels);
      if (n_labels > 0 && (int64_t) n_labels != (int64_t) c.n_classes + c.card->label_offset)
        cli_warning ("%zu label%s for %zu classes (label offset %d); classes without "
                     "a label are shown as \"class N\"", n_labels,
                     n_labels == 1 ? "" : "s", c.n_classes, c.card->label_offset);
      c.top = (int) MIN ((size_t) top, c.n_classes);
      cs_pixels_init ();
      ok = classify_all (&c, images, n_images, json, error);
      cs_pixels_exit ();
    }

  cs_labels_free (c.labels);
  cli_tensor_clear (&c.input);
  if (c.session != NULL)
    cs_session_free (c.session);
  cs_card_free (c.card);
  cs_model_free (c.model);
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
  g_autoptr (CsModelEntry) entry = cs_models_default (NULL, error);
  g_autofree char *note = NULL;
  g_autofree char *shown = NULL;

  if (entry == NULL)
    return NULL;
  shown = cli_printable (entry->path);
  fflush (stdout);
  fprintf (stderr, "convscope: using the default model %s (see 'convscope models')\n", shown);
  note = cs_models_note_once (entry);
  if (note != NULL)
    fprintf (stderr, "convscope: note: %s\n", note);
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
      "The model (default: the first argument when it ends in .onnx or .tflite, "
      "else the default model of 'convscope models')", "FILE" },
    { "card", 'c', 0, G_OPTION_ARG_FILENAME, &card_path,
      "The model card (default: MODEL.ini beside the model, if any)", "FILE" },
    { "resize", 'r', 0, G_OPTION_ARG_STRING, &resize,
      "stretch, crop[:FRACTION] or letterbox, over the card (default: the "
      "card's, else stretch; a crop keeps FRACTION of the sides of the largest "
      "centred one, the card's or 0.875)", "POLICY" },
    { "labels", 'l', 0, G_OPTION_ARG_FILENAME, &labels_path,
      "Class names, one per line (default: the card's, else the model's own, "
      "else labels.txt beside the model)", "FILE" },
    { "top", 'k', 0, G_OPTION_ARG_INT, &top,
      "How many classes to show (default 5)", "K" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the results as JSON", NULL },
    { NULL }
  };
  Overrides overrides;
  char **images;
  int n_images;
  GError *error = NULL;

  if (!cli_parse_options (&argc, &argv, entries, "[MODEL] IMAGE…",
                          "Classify images.",
                          "Images are prepared as the model card says (see "
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
                          "cat.jpg dog.png --top 3 --resize crop:0.875",
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
      cli_usage_error (&error, "classify takes MODEL IMAGE… but got no image; "
                       "see 'convscope classify --help'");
      return cli_fail (error);
    }
  if (top < 1)
    {
      cli_usage_error (&error, "--top must be at least 1, not %d", top);
      return cli_fail (error);
    }
  if (model_path == NULL && (model_path = default_model (&error)) == NULL)
    return cli_fail (error);
  overrides = (Overrides) { card_path, labels_path, resize };
  if (!classify (model_path, &overrides, images, n_images, top, json, &error))
    return cli_fail (error);
  return 0;
}
