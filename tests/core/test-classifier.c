/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-classifier.c — the one classify pipeline (core/classifier.c): the
 * bundled model names every bundled sample as its file name does, also
 * from two threads sharing one classifier; models that are not image
 * classifiers (two inputs, integer output, no classes) are refused with
 * a one-line error naming the file; labels that cannot be used fall back
 * to class numbers with the reason kept; and the card, labels and resize
 * overrides take effect.  Small models are built here with protobuf-c.
 */
#include "convscope.h"
#include "cs-pixels.h"
#include "image.h"
#include "test-files.h"

#include <glib/gstdio.h>
#include <string.h>

#define BUNDLED_MODEL "fashion-mnist-cnn.onnx"

/* ---- Fixtures ---- */

static char *
weights_path (const char *name)
{
  return g_build_filename (g_getenv ("CONVSCOPE_WEIGHTS"), name, NULL);
}

/* DIR/NAME: @n_inputs images of shape @dims, the first pooled into one
 * score per channel (test_onnx_pool_nodes). */
static char *
write_pool_model (const char *dir, const char *name, int n_inputs, const int64_t dims[4])
{
  return test_onnx_write (dir, name, n_inputs, 4, dims, test_onnx_pool_nodes, 2, "scores");
}

static char *
make_dir (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("convscope-classifier-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
write_text (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

/* The top class of @classifier on the image file @path, with @input. */
static CsPrediction *
classify_file (CsClassifier *classifier, CsTensor *input, const char *path, int k, int *n)
{
  CsResult *result = NULL;
  GError *error = NULL;
  CsPrediction *top;

  g_assert_true (cli_image_to_tensor (path, cs_classifier_card (classifier), input, &error));
  g_assert_no_error (error);
  g_assert_true (cs_classifier_run (classifier, input, NULL, &result, &error));
  g_assert_no_error (error);
  top = cs_classifier_top_k (classifier, result, k, n);
  cs_result_free (result);
  return top;
}

/* ---- The bundled model on the bundled samples ---- */

/* weights/samples and the class each shows. */
typedef struct
{
  const char *file;
  int         index;
  const char *label;
} Sample;

static const Sample samples[] = {
  { "01-T-shirt_top.png", 0, "T-shirt/top" },
  { "02-Trouser.png", 1, "Trouser" },
  { "03-Dress.png", 3, "Dress" },
  { "04-Sandal.png", 5, "Sandal" },
  { "05-Bag.png", 8, "Bag" },
  { "06-Ankle_boot.png", 9, "Ankle boot" },
};

/* Classifies every sample with @input and checks the three most
 * probable classes. */
static void
classify_samples (CsClassifier *classifier, CsTensor *input)
{
  for (size_t i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autofree char *name = g_build_filename ("samples", samples[i].file, NULL);
      g_autofree char *path = weights_path (name);
      int n = 0;
      CsPrediction *top = classify_file (classifier, input, path, 3, &n);

      g_test_message ("%s: %s %.3f", samples[i].file, top[0].label, top[0].probability);
      g_assert_cmpint (n, ==, 3);
      g_assert_cmpint (top[0].index, ==, samples[i].index);
      g_assert_cmpstr (top[0].label, ==, samples[i].label);
      /* A softmax over the logits: most probable first, summing to at
       * most 1. */
      g_assert_cmpfloat (top[0].probability, >, 0.5);
      g_assert_cmpfloat (top[0].probability, >=, top[1].probability);
      g_assert_cmpfloat (top[1].probability, >=, top[2].probability);
      g_assert_cmpfloat (top[0].probability + top[1].probability + top[2].probability,
                         <=, 1.0 + 1e-9);
      cs_predictions_free (top, n);
    }
}

static void
test_bundled_samples (void)
{
  g_autofree char *model = weights_path (BUNDLED_MODEL);
  g_autoptr (CsClassifier) classifier = NULL;
  CsTensor *input;
  GError *error = NULL;

  classifier = cs_classifier_load (model, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_classifier_model_path (classifier), ==, model);
  g_assert_cmpuint (cs_classifier_n_classes (classifier), ==, 10);
  g_assert_null (cs_classifier_labels_error (classifier));
  g_assert_cmpuint (cs_labels_count (cs_classifier_labels (classifier)), ==, 10);
  g_assert_nonnull (cs_classifier_card (classifier)->path);
  input = cs_classifier_input_new (classifier, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (input->name, ==, "image");
  g_assert_true (cs_shape_equal (&input->shape, &cs_model_input (cs_classifier_model (classifier),
                                                                 0)->shape));
  classify_samples (classifier, input);
  cs_classifier_input_free (input);
}

/* One classifier, shared by reference, run from two threads at once:
 * each gets the same answers as a run alone. */
static gpointer
classify_samples_thread (gpointer classifier)
{
  GError *error = NULL;
  CsTensor *input = cs_classifier_input_new (classifier, &error);

  g_assert_no_error (error);
  for (int round = 0; round < 3; round++)
    classify_samples (classifier, input);
  cs_classifier_input_free (input);
  cs_classifier_unref (classifier);
  return NULL;
}

static void
test_threads (void)
{
  g_autofree char *model = weights_path (BUNDLED_MODEL);
  const CsClassifierOptions options = { .n_threads = 1 };
  CsClassifier *classifier;
  GThread *threads[2];
  GError *error = NULL;

  classifier = cs_classifier_load (model, &options, &error);
  g_assert_no_error (error);
  for (int t = 0; t < 2; t++)
    threads[t] = g_thread_new ("classify", classify_samples_thread,
                               cs_classifier_ref (classifier));
  /* The threads' references keep it alive past this one. */
  cs_classifier_unref (classifier);
  for (int t = 0; t < 2; t++)
    g_thread_join (threads[t]);
}

/* ---- Models that are not image classifiers ---- */

static void
assert_refused (const char *path, int code, const char *what)
{
  g_autofree char *base = g_path_get_basename (path);
  GError *error = NULL;

  g_assert_null (cs_classifier_load (path, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (error->domain == CS_ERROR);
  if (code >= 0)
    g_assert_cmpint (error->code, ==, code);
  g_assert_nonnull (strstr (error->message, base));
  if (what != NULL)
    g_assert_nonnull (strstr (error->message, what));
  g_assert_null (strchr (error->message, '\n'));
  g_error_free (error);
}

static void
test_refused (void)
{
  static const int64_t image[4] = { 1, 3, 8, 8 };
  static const int64_t no_channels[4] = { 1, 0, 8, 8 };
  static const TestNode shape_nodes[] = { { "Shape", "image", "shape" } };
  g_autofree char *dir = make_dir ();
  g_autofree char *two = write_pool_model (dir, "two-inputs.onnx", 2, image);
  g_autofree char *integers = test_onnx_write (dir, "integers.onnx", 1, 4, image,
                                           shape_nodes, 1, "shape");
  g_autofree char *empty = write_pool_model (dir, "no-classes.onnx", 1, no_channels);
  g_autofree char *good = write_pool_model (dir, "good.onnx", 1, image);
  g_autofree char *missing = g_build_filename (dir, "missing.onnx", NULL);
  g_autoptr (CsClassifier) classifier = NULL;
  GError *error = NULL;

  assert_refused (two, CS_ERROR_UNSUPPORTED, "2 inputs");
  assert_refused (integers, CS_ERROR_UNSUPPORTED, "not float class scores");
  /* Refused by the classifier, or earlier by the loader, which may know
   * better than to accept an empty tensor; never accepted. */
  assert_refused (empty, -1, NULL);
  assert_refused (missing, CS_ERROR_IO, NULL);

  /* The same graph with one input is a classifier of three classes. */
  classifier = cs_classifier_load (good, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cs_classifier_n_classes (classifier), ==, 3);
  test_remove_tree (dir);
}

/* ---- Labels and overrides ---- */

/* Runs @classifier on an input whose channel c is constant c + 1: the
 * pool model then scores class 2 highest, then 1, then 0. */
static CsPrediction *
classify_ramp (CsClassifier *classifier, int *n)
{
  GError *error = NULL;
  CsTensor *input = cs_classifier_input_new (classifier, &error);
  float *values = input->data;
  CsResult *result = NULL;
  CsPrediction *top;

  g_assert_no_error (error);
  for (int c = 0; c < 3; c++)
    for (int p = 0; p < 64; p++)
      values[c * 64 + p] = (float) (c + 1);
  g_assert_true (cs_classifier_run (classifier, input, NULL, &result, &error));
  g_assert_no_error (error);
  top = cs_classifier_top_k (classifier, result, 5, n);
  cs_result_free (result);
  cs_classifier_input_free (input);
  return top;
}

static void
test_labels_fall_back (void)
{
  static const int64_t image[4] = { 1, 3, 8, 8 };
  g_autofree char *dir = make_dir ();
  g_autofree char *model = write_pool_model (dir, "pool.onnx", 1, image);
  g_autofree char *missing = g_build_filename (dir, "missing.txt", NULL);
  g_autofree char *binary = g_build_filename (dir, "binary.txt", NULL);
  g_autoptr (CsClassifier) classifier = NULL;
  const CsClassifierOptions missing_labels = { .labels_path = missing };
  CsPrediction *top;
  GError *error = NULL;
  int n = 0;

  /* A labels file named but absent. */
  classifier = cs_classifier_load (model, &missing_labels, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cs_classifier_labels_error (classifier));
  g_assert_nonnull (strstr (cs_classifier_labels_error (classifier)->message, "missing.txt"));
  g_assert_cmpuint (cs_labels_count (cs_classifier_labels (classifier)), ==, 0);
  top = classify_ramp (classifier, &n);
  g_assert_cmpint (n, ==, 3);
  g_assert_cmpint (top[0].index, ==, 2);
  g_assert_cmpstr (top[0].label, ==, "class 2");
  g_assert_cmpint (top[2].index, ==, 0);
  g_assert_cmpstr (top[2].label, ==, "class 0");
  cs_predictions_free (top, n);
  g_clear_pointer (&classifier, cs_classifier_unref);

  /* The card's labels file, not text. */
  g_assert_true (g_file_set_contents (binary, "cat\n\xff\xfe\0dog\n", 11, NULL));
  write_text (dir, "pool.onnx.ini", "[labels]\nfile = binary.txt\n");
  classifier = cs_classifier_load (model, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (cs_classifier_labels_error (classifier)->message, "binary.txt"));
  top = classify_ramp (classifier, &n);
  g_assert_cmpstr (top[0].label, ==, "class 2");
  g_assert_cmpstr (top[1].label, ==, "class 1");
  cs_predictions_free (top, n);
  g_clear_pointer (&classifier, cs_classifier_unref);
  test_remove_tree (dir);
}

static void
test_overrides (void)
{
  static const int64_t image[4] = { 1, 3, 8, 8 };
  g_autofree char *dir = make_dir ();
  g_autofree char *model = write_pool_model (dir, "pool.onnx", 1, image);
  g_autofree char *other_card = g_build_filename (dir, "other.ini", NULL);
  g_autofree char *other_labels = g_build_filename (dir, "other.txt", NULL);
  g_autoptr (CsClassifier) plain = NULL;
  g_autoptr (CsClassifier) overridden = NULL;
  g_autoptr (CsClassifier) cropped = NULL;
  CsClassifierOptions options = { 0 };
  CsPrediction *top;
  GError *error = NULL;
  int n = 0;

  /* The card beside the model: letterbox, labels.txt with an offset. */
  write_text (dir, "pool.onnx.ini", "[model]\nname = Beside\n[input]\nresize = letterbox\n"
                                    "[labels]\nfile = beside.txt\noffset = 1\n");
  write_text (dir, "beside.txt", "background\nred\ngreen\nblue\n");
  write_text (dir, "other.ini", "[model]\nname = Other\n[input]\nresize = crop\n"
                                "crop-fraction = 0.5\n[labels]\nfile = beside.txt\n");
  write_text (dir, "other.txt", "zero\none\ntwo\n");

  plain = cs_classifier_load (model, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_classifier_card (plain)->name, ==, "Beside");
  g_assert_cmpint (cs_classifier_card (plain)->resize, ==, CS_RESIZE_LETTERBOX);
  top = classify_ramp (plain, &n);
  g_assert_cmpstr (top[0].label, ==, "blue");
  cs_predictions_free (top, n);

  /* Another card, other labels (the card's offset, 0 here, applies),
   * and stretch over the card's crop. */
  options = (CsClassifierOptions) { .card_path = other_card, .labels_path = other_labels,
                                    .override_resize = TRUE, .resize = CS_RESIZE_STRETCH };
  overridden = cs_classifier_load (model, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_classifier_card (overridden)->name, ==, "Other");
  g_assert_cmpstr (cs_classifier_card (overridden)->path, ==, other_card);
  g_assert_cmpint (cs_classifier_card (overridden)->resize, ==, CS_RESIZE_STRETCH);
  g_assert_cmpstr (cs_labels_source (cs_classifier_labels (overridden)), ==, other_labels);
  top = classify_ramp (overridden, &n);
  g_assert_cmpstr (top[0].label, ==, "two");
  g_assert_cmpstr (top[2].label, ==, "zero");
  cs_predictions_free (top, n);

  /* A crop keeps the card's fraction unless one is given. */
  options = (CsClassifierOptions) { .card_path = other_card, .override_resize = TRUE,
                                    .resize = CS_RESIZE_CROP };
  cropped = cs_classifier_load (model, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (cs_classifier_card (cropped)->crop_fraction, ==, 0.5);
  g_clear_pointer (&cropped, cs_classifier_unref);
  options.crop_fraction = 0.75;
  cropped = cs_classifier_load (model, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_classifier_card (cropped)->resize, ==, CS_RESIZE_CROP);
  g_assert_cmpfloat (cs_classifier_card (cropped)->crop_fraction, ==, 0.75);
  options.crop_fraction = 1.5;
  g_assert_null (cs_classifier_load (model, &options, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("CONVSCOPE_WEIGHTS") == NULL)
    g_setenv ("CONVSCOPE_WEIGHTS", "weights", FALSE);
  cs_pixels_init ();
  g_test_add_func ("/classifier/bundled-samples", test_bundled_samples);
  g_test_add_func ("/classifier/threads", test_threads);
  g_test_add_func ("/classifier/refused", test_refused);
  g_test_add_func ("/classifier/labels-fall-back", test_labels_fall_back);
  g_test_add_func ("/classifier/overrides", test_overrides);
  status = g_test_run ();
  cs_pixels_exit ();
  return status;
}
