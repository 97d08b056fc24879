/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * classify.c — `convscope classify`: run an image classifier on image
 * files and print the most likely classes with their labels.
 *
 * Labels come from --labels FILE, else from the model itself (TFLite
 * metadata), else from labels.txt beside the model, else classes are
 * shown as "class N".  A labels file that cannot be used is a warning,
 * never a failure: the numbers are still worth seeing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "image.h"
#include "tensor.h"

#define DEFAULT_TOP   5
/* Larger inputs are surely a mistake, and the image buffers stay small. */
#define MAX_INPUT_SIDE 16384
/* How far from 1 a sum of scores may be and still count as probabilities. */
#define SUM_TOLERANCE 1e-3

typedef struct
{
  const char *model_path;
  CsModel    *model;
  CsSession  *session;
  CsTensor    input;
  int         channels, height, width;
  size_t      n_classes;
  char      **labels;     /* NULL-terminated, or NULL */
  size_t      n_labels;
  int         top;
} Classifier;

typedef struct
{
  size_t index;
  double probability;
} Prediction;

/* One label per line; a final newline does not start another label. */
static char **
read_labels (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize            length;
  char           **lines;
  guint            n;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  if (!g_utf8_validate (contents, length, NULL))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   "%s: not UTF-8 text", path);
      return NULL;
    }
  lines = g_strsplit (contents, "\n", -1);
  n = g_strv_length (lines);
  if (n > 0 && lines[n - 1][0] == '\0')
    {
      g_free (lines[n - 1]);
      lines[n - 1] = NULL;
    }
  for (char **line = lines; *line != NULL; line++)
    g_strstrip (*line);
  return lines;
}

static char **
find_labels (const char *labels_path, const char *model_path, const CsModel *model)
{
  const char *const *embedded = cs_model_embedded_labels (model);
  g_autofree char   *dir = NULL;
  g_autofree char   *beside = NULL;
  char             **labels;
  GError            *error = NULL;

  if (labels_path == NULL && embedded != NULL)
    return g_strdupv ((char **) embedded);
  if (labels_path == NULL)
    {
      dir = g_path_get_dirname (model_path);
      beside = g_build_filename (dir, "labels.txt", NULL);
      if (!g_file_test (beside, G_FILE_TEST_EXISTS))
        return NULL;
      labels_path = beside;
    }
  labels = read_labels (labels_path, &error);
  if (labels == NULL)
    {
      cli_warning ("cannot use the labels: %s; showing class numbers",
                   error->message);
      g_error_free (error);
    }
  return labels;
}

/* Checks that the model is an image classifier this command can feed:
 * one 1×C×H×W input with C 1 or 3, and scores as output 0. */
static gboolean
check_model (Classifier *c, GError **error)
{
  const CsTensor *input;
  const CsTensor *output;

  if (cs_model_n_inputs (c->model) != 1 || cs_model_n_outputs (c->model) < 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: classify needs a model with one input and an output; "
                   "this one has %zu inputs and %zu outputs", c->model_path,
                   cs_model_n_inputs (c->model), cs_model_n_outputs (c->model));
      return FALSE;
    }
  input = cs_model_input (c->model, 0);
  if (input->shape.rank != 4 || input->shape.dims[0] != 1
      || (input->shape.dims[1] != 1 && input->shape.dims[1] != 3)
      || input->shape.dims[2] < 1 || input->shape.dims[2] > MAX_INPUT_SIDE
      || input->shape.dims[3] < 1 || input->shape.dims[3] > MAX_INPUT_SIDE)
    {
      g_autofree char *shape = cs_shape_to_string (&input->shape);

      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: classify needs an image input of shape 1×3×H×W or "
                   "1×1×H×W; input '%s' is %s", c->model_path, input->name,
                   shape);
      return FALSE;
    }
  c->channels = (int) input->shape.dims[1];
  c->height = (int) input->shape.dims[2];
  c->width = (int) input->shape.dims[3];

  output = cs_model_output (c->model, 0);
  c->n_classes = (size_t) cs_shape_numel (&output->shape);
  if (output->dtype != CS_DTYPE_FLOAT32 || c->n_classes < 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: output '%s' does not hold float class scores",
                   c->model_path, output->name);
      return FALSE;
    }
  return cli_tensor_alloc (&c->input, input->name, &input->shape, error);
}

/* The scores as probabilities: kept when they already are (each in
 * [0, 1], summing to 1), otherwise passed through a softmax. */
static void
to_probabilities (const float *scores, size_t n, double *probabilities)
{
  double   sum = 0.0, max = -INFINITY;
  gboolean in_range = TRUE;

  for (size_t i = 0; i < n; i++)
    {
      in_range = in_range && scores[i] >= 0.0f && scores[i] <= 1.0f;
      sum += scores[i];
      max = MAX (max, (double) scores[i]);
    }
  if (in_range && fabs (sum - 1.0) <= SUM_TOLERANCE)
    {
      for (size_t i = 0; i < n; i++)
        probabilities[i] = scores[i];
      return;
    }
  /* Subtracting the maximum keeps exp() from overflowing. */
  sum = 0.0;
  for (size_t i = 0; i < n; i++)
    {
      probabilities[i] = exp (scores[i] - max);
      sum += probabilities[i];
    }
  for (size_t i = 0; i < n; i++)
    probabilities[i] /= sum;
}

/* Most probable first, NaN (from a broken model) last; the lower class
 * index first among equals. */
static int
compare_predictions (const void *a, const void *b)
{
  const Prediction *x = a, *y = b;
  gboolean          x_nan = isnan (x->probability), y_nan = isnan (y->probability);

  if (x_nan != y_nan)
    return x_nan ? 1 : -1;
  if (!x_nan && x->probability != y->probability)
    return x->probability > y->probability ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

/* Fills @top (@k entries, k ≤ n) with the most probable classes. */
static void
select_top (const double *probabilities, size_t n, Prediction *top, int k)
{
  g_autofree Prediction *all = g_new (Prediction, n);

  for (size_t i = 0; i < n; i++)
    all[i] = (Prediction) { i, probabilities[i] };
  qsort (all, n, sizeof *all, compare_predictions);
  memcpy (top, all, (size_t) k * sizeof *top);
}

/* The label to show for @index; the caller frees it. */
static char *
label_for (const Classifier *c, size_t index)
{
  if (index < c->n_labels)
    return cli_printable (c->labels[index]);
  return g_strdup_printf ("class %zu", index);
}

static gboolean
classify_image (Classifier *c, const char *path, Prediction *top, GError **error)
{
  CsResult *result = NULL;
  double   *probabilities;

  if (!cli_image_to_planar (path, c->channels, c->height, c->width,
                            c->input.data, error)
      || !cs_session_run (c->session, &c->input, 1, NULL, &result, error))
    return FALSE;
  probabilities = g_new (double, c->n_classes);
  to_probabilities (result->outputs[0].data, c->n_classes, probabilities);
  select_top (probabilities, c->n_classes, top, c->top);
  g_free (probabilities);
  cs_result_free (result);
  return TRUE;
}

static void
print_predictions (const Classifier *c, const char *path, const Prediction *top)
{
  g_autofree char *shown = cli_printable (path);

  printf ("%s\n  rank  class  probability  label\n", shown);
  for (int r = 0; r < c->top; r++)
    {
      g_autofree char *label = label_for (c, top[r].index);

      printf ("  %4d  %5zu  %11.4f  %s\n", r + 1, top[r].index,
              top[r].probability, label);
    }
}

static void
add_predictions (JsonBuilder *builder, const Classifier *c, const char *path,
                 const Prediction *top)
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

/* Classifies every image; text is printed as it goes, JSON at the end
 * (so a failure leaves no half document). */
static gboolean
classify_all (Classifier *c, char **images, int n_images, gboolean json,
              GError **error)
{
  g_autoptr (JsonBuilder) builder = json ? json_builder_new () : NULL;
  g_autofree Prediction *top = g_new (Prediction, c->top);
  g_autofree char *model_shown = cli_printable (c->model_path);

  if (json)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "model");
      json_builder_add_string_value (builder, model_shown);
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
classify (const char *model_path, const char *labels_path, char **images,
          int n_images, int top, gboolean json, GError **error)
{
  Classifier c = { .model_path = model_path };
  gboolean   ok;

  c.model = cli_load_model (model_path, error);
  if (c.model == NULL)
    return FALSE;
  ok = check_model (&c, error)
       && (c.session = cs_session_new (c.model, 0, error)) != NULL;
  if (ok)
    {
      c.labels = find_labels (labels_path, model_path, c.model);
      c.n_labels = c.labels != NULL ? g_strv_length (c.labels) : 0;
      if (c.labels != NULL && c.n_labels != c.n_classes)
        cli_warning ("%zu label%s for %zu classes; classes without a label "
                     "are shown as \"class N\"", c.n_labels,
                     c.n_labels == 1 ? "" : "s", c.n_classes);
      c.top = (int) MIN ((size_t) top, c.n_classes);
      ok = classify_all (&c, images, n_images, json, error);
    }

  g_strfreev (c.labels);
  cli_tensor_clear (&c.input);
  if (c.session != NULL)
    cs_session_free (c.session);
  cs_model_free (c.model);
  return ok;
}

int
cli_classify (int argc, char **argv)
{
  g_autofree char *labels_path = NULL;
  int              top = DEFAULT_TOP;
  gboolean         json = FALSE;
  const GOptionEntry entries[] = {
    { "labels", 'l', 0, G_OPTION_ARG_FILENAME, &labels_path,
      "Class names, one per line (default: the model's own, else labels.txt "
      "beside the model)", "FILE" },
    { "top", 'k', 0, G_OPTION_ARG_INT, &top,
      "How many classes to show (default 5)", "K" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the results as JSON", NULL },
    { NULL }
  };
  GError *error = NULL;

  if (!cli_parse_options (&argc, &argv, entries, "MODEL IMAGE…",
                          "Classify images.",
                          "Each image is made upright, composited over white "
                          "if it has transparency,\nstretched to the model's "
                          "input size (bilinear, aspect ratio not kept) and\n"
                          "scaled to [0, 1] RGB, without mean/std "
                          "normalization.  Scores that are not\nalready "
                          "probabilities go through a softmax.\n\n"
                          "Example:\n  convscope classify mobilenet.tflite "
                          "cat.jpg dog.png --top 3",
                          2, -1, &error))
    return cli_fail (error);
  if (top < 1)
    {
      cli_usage_error (&error, "--top must be at least 1, not %d", top);
      return cli_fail (error);
    }
  if (!classify (argv[1], labels_path, argv + 2, argc - 2, top, json, &error))
    return cli_fail (error);
  return 0;
}
