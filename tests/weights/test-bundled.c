/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-bundled.c — the bundled default model (weights/, made by
 * tools/train-fashion.py) against what its card claims: the layer table
 * has the card's 28×28 grayscale input and ten classes, Convscope's own
 * top-1 accuracy over the 10,000 Fashion-MNIST test images (Debian's
 * dataset-fashion-mnist; skipped without it) is the card's recorded one
 * within 0.1 %, and `convscope classify` names the class of every
 * weights/samples/NN-LABEL.png as its file name does.
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "convscope.h"

#define MODEL_NAME  "fashion-mnist-cnn.onnx"
#define N_CLASSES   10
#define SIDE        28
/* Far above the 47 MB of the training images: a bomb stops here. */
#define MAX_IDX_BYTES (64u << 20)
#define ACCURACY_TOLERANCE 0.1

static char *
weights_path (const char *name)
{
  return g_build_filename (g_getenv ("CONVSCOPE_WEIGHTS"), name, NULL);
}

/* ---- The data set: gzip'd IDX files ---- */

/* Inflates the gzip file @path whole, refusing more than MAX_IDX_BYTES.
 * The caller owns the bytes. */
static GBytes *
read_gzip (const char *path, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) raw = g_file_read (file, NULL, error);
  g_autoptr (GZlibDecompressor) gunzip = NULL;
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  guint8 chunk[65536];
  gssize got;

  if (raw == NULL)
    return NULL;
  gunzip = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  stream = g_converter_input_stream_new (G_INPUT_STREAM (raw), G_CONVERTER (gunzip));
  while ((got = g_input_stream_read (stream, chunk, sizeof chunk, NULL, error)) > 0)
    {
      if (bytes->len + (gsize) got > MAX_IDX_BYTES)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                       "%s: inflates to more than %u bytes", path, MAX_IDX_BYTES);
          return NULL;
        }
      g_byte_array_append (bytes, chunk, (guint) got);
    }
  if (got < 0)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

/* An IDX array of unsigned bytes: @n items of @item_size bytes each. */
typedef struct
{
  GBytes       *bytes;
  const guint8 *data;
  gsize         n;
  gsize         item_size;
} IdxArray;

static void
idx_array_clear (IdxArray *array)
{
  g_clear_pointer (&array->bytes, g_bytes_unref);
}

/* Reads the gzip'd IDX file @path of unsigned bytes with @rank dimensions
 * whose dimensions after the first are @item_dims (rank − 1 of them). */
static gboolean
idx_read (const char *path, int rank, const guint32 *item_dims,
          IdxArray *array, GError **error)
{
  const gsize header = 4 + 4 * (gsize) rank;
  const guint8 *data;
  gsize size, item_size = 1;
  guint32 dims[3];

  g_assert (rank >= 1 && rank <= (int) G_N_ELEMENTS (dims));
  memset (array, 0, sizeof *array);
  array->bytes = read_gzip (path, error);
  if (array->bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (array->bytes, &size);
  /* Magic: two zero bytes, 0x08 for unsigned bytes, the rank. */
  if (size < header || data[0] != 0 || data[1] != 0 || data[2] != 0x08
      || data[3] != rank)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   "%s: not an IDX file of unsigned bytes with %d dimension(s)",
                   path, rank);
      idx_array_clear (array);
      return FALSE;
    }
  for (int d = 0; d < rank; d++)
    {
      const guint8 *p = data + 4 + 4 * d;

      dims[d] = (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
    }
  for (int d = 1; d < rank; d++)
    {
      if (dims[d] != item_dims[d - 1])
        {
          g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                       "%s: dimension %d is %u, expected %u",
                       path, d, dims[d], item_dims[d - 1]);
          idx_array_clear (array);
          return FALSE;
        }
      item_size *= dims[d];
    }
  /* The sizes are small (checked above), so only the count can overflow. */
  if (dims[0] > (size - header) / item_size || (size - header) != dims[0] * item_size)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   "%s: %" G_GSIZE_FORMAT " bytes of data for %u items of %" G_GSIZE_FORMAT,
                   path, size - header, dims[0], item_size);
      idx_array_clear (array);
      return FALSE;
    }
  array->data = data + header;
  array->n = dims[0];
  array->item_size = item_size;
  return TRUE;
}

/* ---- The model as its card describes it ---- */

/* The bundled model loaded as every front end loads it. */
static CsClassifier *
bundled_load (void)
{
  g_autofree char *path = weights_path (MODEL_NAME);
  CsClassifier *bundled;
  GError *error = NULL;

  bundled = cs_classifier_load (path, NULL, &error);
  g_assert_no_error (error);
  /* The card must be the file beside the model, not defaults. */
  g_assert_nonnull (cs_classifier_card (bundled)->path);
  return bundled;
}

/* The accuracy the card records: "93.42 % top-1 on …". */
static double
card_accuracy (const CsCard *card)
{
  char *end = NULL;
  double accuracy;

  g_assert_nonnull (card->accuracy);
  accuracy = g_ascii_strtod (card->accuracy, &end);
  g_assert_true (end != card->accuracy);
  while (*end == ' ')
    end++;
  g_assert_cmpint (*end, ==, '%');
  g_assert_cmpfloat (accuracy, >, 0.0);
  g_assert_cmpfloat (accuracy, <=, 100.0);
  return accuracy;
}

static void
test_layers (void)
{
  g_autoptr (CsClassifier) bundled = bundled_load ();
  const CsModel *model = cs_classifier_model (bundled);
  const CsCard *card = cs_classifier_card (bundled);
  const CsLabels *labels = cs_classifier_labels (bundled);
  const CsTensor *input, *output;
  int n_conv = 0, n_dense = 0;

  g_assert_cmpint (cs_model_n_inputs (model), ==, 1);
  g_assert_cmpint (cs_model_n_outputs (model), ==, 1);
  input = cs_model_input (model, 0);
  output = cs_model_output (model, 0);
  g_assert_cmpstr (input->name, ==, "image");
  g_assert_cmpstr (output->name, ==, "logits");
  g_assert_cmpint (input->shape.rank, ==, 4);
  g_assert_cmpint (input->shape.dims[0], ==, 1);
  g_assert_cmpint (input->shape.dims[1], ==, 1);
  g_assert_cmpint (input->shape.dims[2], ==, card->height);
  g_assert_cmpint (input->shape.dims[3], ==, card->width);
  g_assert_cmpint (card->width, ==, SIDE);
  g_assert_cmpint (card->height, ==, SIDE);
  g_assert_cmpint (card->channels, ==, CS_CHANNELS_GRAY);
  g_assert_cmpint (card->task, ==, CS_TASK_CLASSIFICATION);
  g_assert_cmpint (cs_shape_numel (&output->shape), ==, N_CLASSES);

  g_assert_null (cs_classifier_labels_error (bundled));
  g_assert_cmpint (cs_labels_count (labels), ==, N_CLASSES);
  g_assert_cmpint (card->label_offset, ==, 0);
  g_assert_cmpstr (cs_labels_lookup (labels, 0), ==, "T-shirt/top");
  g_assert_cmpstr (cs_labels_lookup (labels, 9), ==, "Ankle boot");

  /* What docs/bundled-model.md describes: three 3×3 convolution blocks
   * (batch normalization folded in), then two dense layers. */
  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    {
      const CsLayerInfo *layer = cs_model_layer (model, i);

      if (layer->kind == CS_LAYER_CONV)
        {
          g_assert_cmpint (layer->kernel[0], ==, 3);
          g_assert_cmpint (layer->kernel[1], ==, 3);
          g_assert_true (g_str_has_prefix (layer->name, "/features/block"));
          n_conv++;
        }
      else if (layer->kind == CS_LAYER_DENSE)
        n_dense++;
    }
  g_assert_cmpint (n_conv, ==, 3);
  g_assert_cmpint (n_dense, ==, 2);
  g_assert_cmpint (cs_model_total_params (model), <, 300000);
}

static void
test_accuracy (void)
{
  const char *data_dir = g_getenv ("CONVSCOPE_FASHION_MNIST");
  g_autofree char *images_path = g_build_filename (data_dir, "t10k-images-idx3-ubyte.gz", NULL);
  g_autofree char *labels_path = g_build_filename (data_dir, "t10k-labels-idx1-ubyte.gz", NULL);
  static const guint32 image_dims[] = { SIDE, SIDE };
  IdxArray images, labels;
  g_autoptr (CsClassifier) bundled = NULL;
  const CsCard *card;
  CsResizePlan plan;
  float pixels[SIDE * SIDE * 4];
  CsTensor *input;
  GError *error = NULL;
  gsize correct = 0;
  double ours, recorded;

  if (!g_file_test (images_path, G_FILE_TEST_IS_REGULAR)
      || !g_file_test (labels_path, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("needs the Fashion-MNIST test set (Debian's dataset-fashion-mnist)");
      return;
    }
  g_assert_true (idx_read (images_path, 3, image_dims, &images, &error));
  g_assert_no_error (error);
  g_assert_true (idx_read (labels_path, 1, NULL, &labels, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (images.n, ==, 10000);
  g_assert_cmpuint (labels.n, ==, images.n);

  bundled = bundled_load ();
  card = cs_classifier_card (bundled);
  input = cs_classifier_input_new (bundled, &error);
  g_assert_no_error (error);
  /* The images are already the input's size: the card's preprocessing
   * must map them one to one. */
  g_assert_true (cs_resize_plan (card, SIDE, SIDE, &plan, &error));
  g_assert_no_error (error);
  g_assert_cmpint (plan.dest_width, ==, SIDE);
  g_assert_cmpint (plan.dest_height, ==, SIDE);

  for (gsize i = 0; i < images.n; i++)
    {
      const guint8 *image = images.data + i * images.item_size;
      CsResult *result = NULL;
      const float *logits;
      int best = 0;

      g_assert_cmpuint (labels.data[i], <, N_CLASSES);
      for (int p = 0; p < SIDE * SIDE; p++)
        {
          float v = image[p] / 255.0f;

          pixels[4 * p] = pixels[4 * p + 1] = pixels[4 * p + 2] = v;
          pixels[4 * p + 3] = 1.0f;
        }
      g_assert_true (cs_preprocess_fill (card, &plan, pixels, 4 * SIDE, input, &error));
      g_assert_no_error (error);
      g_assert_true (cs_classifier_run (bundled, input, NULL, &result, &error));
      g_assert_no_error (error);
      logits = result->outputs[0].data;
      for (int c = 1; c < N_CLASSES; c++)
        if (logits[c] > logits[best])
          best = c;
      correct += best == labels.data[i];
      cs_result_free (result);
    }
  ours = 100.0 * (double) correct / (double) images.n;
  recorded = card_accuracy (card);
  g_test_message ("Convscope: %.2f %% top-1 (%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                  "); the card records %.2f %%", ours, correct, images.n, recorded);
  g_assert_cmpfloat (fabs (ours - recorded), <=, ACCURACY_TOLERANCE);

  cs_classifier_input_free (input);
  idx_array_clear (&images);
  idx_array_clear (&labels);
}

/* ---- The sample images through the tool ---- */

/* The label as the recipe spells it in a file name. */
static char *
file_name_label (const char *label)
{
  char *safe = g_strdup (label);

  for (char *c = safe; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '-')
      *c = '_';
  return safe;
}

static void
test_samples (void)
{
  g_autofree char *model = weights_path (MODEL_NAME);
  g_autofree char *samples = weights_path ("samples");
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) dir = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  GError *error = NULL;
  JsonArray *results;
  const char *name;
  int status;
  guint n_samples = 0;

  g_ptr_array_add (argv, g_strdup (g_getenv ("CONVSCOPE_EXE")));
  g_ptr_array_add (argv, g_strdup ("classify"));
  g_ptr_array_add (argv, g_strdup ("--json"));
  g_ptr_array_add (argv, g_strdup (model));
  dir = g_dir_open (samples, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".png"))
      {
        g_ptr_array_add (argv, g_build_filename (samples, name, NULL));
        n_samples++;
      }
  g_ptr_array_add (argv, NULL);
  g_assert_cmpuint (n_samples, >=, 6);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  g_test_message ("stderr: %s", err);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (err, ==, "");

  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  results = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                          "images");
  g_assert_cmpuint (json_array_get_length (results), ==, n_samples);
  for (guint i = 0; i < n_samples; i++)
    {
      JsonObject *result = json_array_get_object_element (results, i);
      JsonObject *top1 = json_array_get_object_element (
        json_object_get_array_member (result, "top"), 0);
      g_autofree char *base = g_path_get_basename (json_object_get_string_member (result, "image"));
      g_autofree char *said = file_name_label (json_object_get_string_member (top1, "label"));
      const char *dash = strchr (base, '-');
      g_autofree char *expected = NULL;

      /* NN-LABEL.png */
      g_assert_nonnull (dash);
      expected = g_strndup (dash + 1, strlen (dash + 1) - strlen (".png"));
      g_test_message ("%s: %s", base, said);
      g_assert_cmpstr (said, ==, expected);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("CONVSCOPE_WEIGHTS") == NULL)
    g_setenv ("CONVSCOPE_WEIGHTS", "weights", FALSE);
  if (g_getenv ("CONVSCOPE_FASHION_MNIST") == NULL)
    g_setenv ("CONVSCOPE_FASHION_MNIST", "/usr/share/datasets/fashion-mnist", FALSE);
  g_test_add_func ("/bundled/layers", test_layers);
  g_test_add_func ("/bundled/accuracy", test_accuracy);
  if (g_getenv ("CONVSCOPE_EXE") != NULL)
    g_test_add_func ("/bundled/samples", test_samples);
  return g_test_run ();
}
