/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-classify-shared.c — image classification end to end on the real
 * pretrained TFLite networks and photos of ../shared (CONVSCOPE_SHARED;
 * every test skips without it): the top-1 table an independent reference
 * (ArmNN's CPU backend) gives for MobileNet v2, the smaller MobileNets
 * and the bird model giving sensible, repeatable answers, antialiased
 * reduction making a 4000×3000 photo classify like its 800×600 version,
 * and the `convscope` tool doing the same through a model card.
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "cs-pixels.h"
#include "image.h"

/* Rows resampled at a time when making large test images. */
#define BAND_ROWS 64

/* ---- Fixtures ---- */

static char *
shared_path (const char *dir, const char *name)
{
  const char *shared = g_getenv ("CONVSCOPE_SHARED");
  char *path;

  if (shared == NULL)
    return NULL;
  path = g_build_filename (shared, dir, name, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return path;
  g_free (path);
  return NULL;
}

static gboolean
have_shared (void)
{
  g_autofree char *model = shared_path ("models", "mobilenet_v2_1.0_224_quant.tflite");
  g_autofree char *image = shared_path ("images", "cat_720p.jpg");

  if (model != NULL && image != NULL)
    return TRUE;
  g_test_skip ("needs the models and images of ../shared (CONVSCOPE_SHARED)");
  return FALSE;
}

static CsClassifier *
classifier_new (const char *model_name)
{
  g_autofree char *path = shared_path ("models", model_name);
  CsClassifier *c;
  GError *error = NULL;

  g_assert_nonnull (path);
  c = cs_classifier_load (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (cs_classifier_labels_error (c));
  /* Every classifier here ends in a softmax. */
  g_assert_true (cs_classifier_card (c)->probabilities);
  return c;
}

/* The class probabilities for @buffer, resampled with @resample over
 * what the card says; the caller frees them. */
static float *
classify_buffer (CsClassifier *c, GeglBuffer *buffer, CsResample resample)
{
  CsCard card = *cs_classifier_card (c);
  CsTensor *input;
  CsResult *result = NULL;
  GError *error = NULL;
  float *probabilities;

  card.resample = resample;
  input = cs_classifier_input_new (c, &error);
  g_assert_no_error (error);
  g_assert_true (cs_pixels_to_tensor (buffer, NULL, &card, input, &error));
  g_assert_no_error (error);
  g_assert_true (cs_classifier_run (c, input, NULL, &result, &error));
  g_assert_no_error (error);
  probabilities = g_memdup2 (result->outputs[0].data,
                             cs_classifier_n_classes (c) * sizeof (float));
  cs_result_free (result);
  cs_classifier_input_free (input);
  return probabilities;
}

/* The label of class @index; owned by @c. */
static const char *
label_of (const CsClassifier *c, size_t index)
{
  return cs_labels_lookup (cs_classifier_labels (c), index);
}

static GeglBuffer *
load_image (const char *name)
{
  g_autofree char *path = shared_path ("images", name);
  GError *error = NULL;
  GeglBuffer *buffer;

  g_assert_nonnull (path);
  buffer = cli_image_load (path, &error);
  g_assert_no_error (error);
  return buffer;
}

static float *
classify_image (CsClassifier *c, const char *name)
{
  g_autoptr (GeglBuffer) buffer = load_image (name);

  return classify_buffer (c, buffer, cs_classifier_card (c)->resample);
}

static size_t
argmax (const float *p, size_t n)
{
  size_t best = 0;

  for (size_t i = 1; i < n; i++)
    if (p[i] > p[best])
      best = i;
  return best;
}

/* How many classes are more probable than @index. */
static size_t
rank_of (const float *p, size_t n, size_t index)
{
  size_t above = 0;

  for (size_t i = 0; i < n; i++)
    above += p[i] > p[index];
  return above;
}

static double
max_difference (const float *a, const float *b, size_t n)
{
  double largest = 0.0;

  for (size_t i = 0; i < n; i++)
    largest = MAX (largest, fabs ((double) a[i] - b[i]));
  return largest;
}

/* ---- The reference table ---- */

typedef struct
{
  const char *image;
  size_t      top1;
  const char *label;
  double      probability;
} Reference;

static void
test_reference_table (void)
{
  /* ArmNN's CpuRef backend, bilinear stretch to 224×224 (the issue). */
  static const Reference reference[] = {
    { "cat.bmp", 286, "Egyptian cat", 0.77 },
    { "bird.bmp", 20, "chickadee", 0.98 },
    { "dragonfly.bmp", 320, "dragonfly", 0.98 },
    { "grace_hopper.bmp", 653, "military uniform", 0.93 },
    { "parrot.jpg", 89, "macaw", 1.00 },
    { "cat_720p.jpg", 286, "Egyptian cat", 0.80 },
  };
  g_autoptr (CsClassifier) c = NULL;
  size_t n_classes;

  if (!have_shared ())
    return;
  c = classifier_new ("mobilenet_v2_1.0_224_quant.tflite");
  n_classes = cs_classifier_n_classes (c);
  g_assert_cmpint (cs_classifier_card (c)->resize, ==, CS_RESIZE_STRETCH);
  for (size_t i = 0; i < G_N_ELEMENTS (reference); i++)
    {
      g_autofree float *p = classify_image (c, reference[i].image);
      size_t top = argmax (p, n_classes);

      g_test_message ("%s: class %zu (%s) %.4f; reference %zu %.2f", reference[i].image, top,
                      label_of (c, top), p[top], reference[i].top1,
                      reference[i].probability);
      g_assert_cmpuint (top, ==, reference[i].top1);
      g_assert_true (g_str_has_prefix (label_of (c, top), reference[i].label));
      g_assert_cmpfloat_with_epsilon (p[top], reference[i].probability, 0.05);
    }
}

/* ---- The smaller MobileNets and the bird model ---- */

static void
test_small_mobilenets (void)
{
  static const char *const models[] = {
    "mobilenet_v1_0.25_128_quant.tflite",
    "mobilenet_v1_0.5_160_quant.tflite",
    "mobilenet_v1_0.75_192_quant.tflite",
  };
  /* Egyptian cat, tabby, tiger cat, Persian, Siamese (class 0 is
   * "background"). */
  static const size_t cats[] = { 282, 283, 284, 285, 286 };

  if (!have_shared ())
    return;
  for (size_t m = 0; m < G_N_ELEMENTS (models); m++)
    {
      g_autoptr (CsClassifier) c = classifier_new (models[m]);
      g_autoptr (CsClassifier) again = classifier_new (models[m]);
      const size_t n_classes = cs_classifier_n_classes (c);
      g_autofree float *parrot = classify_image (c, "parrot.jpg");
      g_autofree float *parrot_again = classify_image (c, "parrot.jpg");
      g_autofree float *parrot_other = classify_image (again, "parrot.jpg");
      g_autofree float *cat = classify_image (c, "cat.bmp");
      g_autofree float *bird = classify_image (c, "bird.bmp");
      size_t cat_top = argmax (cat, n_classes);
      gboolean is_cat = FALSE;

      g_test_message ("%s: parrot → %s %.3f, cat → %s %.3f, bird → %s %.3f", models[m],
                      label_of (c, argmax (parrot, n_classes)),
                      parrot[89], label_of (c, cat_top), cat[cat_top],
                      label_of (c, argmax (bird, n_classes)), bird[20]);
      /* Macaw in the top 5 (it is top-1 for all three), chickadee top-1,
       * some kind of cat top-1. */
      g_assert_cmpuint (rank_of (parrot, n_classes, 89), <, 5);
      g_assert_cmpuint (argmax (bird, n_classes), ==, 20);
      for (size_t i = 0; i < G_N_ELEMENTS (cats); i++)
        is_cat = is_cat || cat_top == cats[i];
      g_assert_true (is_cat);
      /* The same answer, to the bit, run after run and session after
       * session. */
      g_assert_cmpmem (parrot, n_classes * sizeof (float),
                       parrot_again, n_classes * sizeof (float));
      g_assert_cmpmem (parrot, n_classes * sizeof (float),
                       parrot_other, n_classes * sizeof (float));
    }
}

static void
test_bird_model (void)
{
  g_autoptr (CsClassifier) c = NULL;
  size_t n_classes;
  g_autofree float *bird = NULL;
  g_autofree float *parrot = NULL;
  size_t top;

  if (!have_shared ())
    return;
  c = classifier_new ("mobilenet_v2_1.0_224_inat_bird_quant.tflite");
  n_classes = cs_classifier_n_classes (c);
  bird = classify_image (c, "bird.bmp");
  parrot = classify_image (c, "parrot.jpg");
  top = argmax (bird, n_classes);
  g_test_message ("bird.bmp: %s %.3f", label_of (c, top), bird[top]);
  /* A chickadee species (it is the black-capped one), and the parrot a
   * macaw (the scarlet one). */
  g_assert_nonnull (strstr (label_of (c, top), "Chickadee"));
  g_assert_cmpstr (label_of (c, argmax (parrot, n_classes)), ==,
                   "Ara macao (Scarlet Macaw)");
}

/* ---- Antialiasing ---- */

/* @source stretched to @width × @height with GEGL, a band at a time, into
 * a new 16-bit buffer. */
static GeglBuffer *
stretched (GeglBuffer *source, int width, int height, CsResample resample)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (source);
  const double rows_per_row = (double) extent->height / height;
  GeglBuffer *out = gegl_buffer_new (GEGL_RECTANGLE (0, 0, width, height),
                                     babl_format ("R'G'B'A u16"));
  g_autofree float *band = g_new (float, (size_t) width * BAND_ROWS * 4);

  for (int top = 0; top < height; top += BAND_ROWS)
    {
      const int rows = MIN (BAND_ROWS, height - top);
      const CsResizePlan plan = { 0.0, top * rows_per_row, extent->width,
                                  rows * rows_per_row, 0, 0, width, rows };
      GError *error = NULL;

      g_assert_true (cs_pixels_resample (source, NULL, &plan, resample, band, &error));
      g_assert_no_error (error);
      gegl_buffer_set (out, GEGL_RECTANGLE (0, top, width, rows), 0,
                       babl_format ("R'G'B'A float"), band, GEGL_AUTO_ROWSTRIDE);
    }
  return out;
}

static void
test_antialias (void)
{
  g_autoptr (CsClassifier) c = NULL;
  size_t n_classes;
  g_autoptr (GeglBuffer) photo = NULL;
  g_autoptr (GeglBuffer) small = NULL;
  g_autoptr (GeglBuffer) huge = NULL;
  g_autofree float *p_small = NULL;
  g_autofree float *p_huge = NULL;
  g_autofree float *p_huge_nearest = NULL;
  size_t top;
  double smoothed, aliased;

  if (!have_shared ())
    return;
  c = classifier_new ("mobilenet_v2_1.0_224_quant.tflite");
  n_classes = cs_classifier_n_classes (c);
  /* A 4000×3000 photo (the 1280×720 one enlarged) and its 800×600
   * version. */
  photo = load_image ("cat_720p.jpg");
  huge = stretched (photo, 4000, 3000, CS_RESAMPLE_BILINEAR);
  small = stretched (huge, 800, 600, CS_RESAMPLE_ANTIALIAS);
  p_small = classify_buffer (c, small, CS_RESAMPLE_ANTIALIAS);
  p_huge = classify_buffer (c, huge, CS_RESAMPLE_ANTIALIAS);
  p_huge_nearest = classify_buffer (c, huge, CS_RESAMPLE_NEAREST);
  top = argmax (p_small, n_classes);
  smoothed = max_difference (p_small, p_huge, n_classes);
  aliased = max_difference (p_small, p_huge_nearest, n_classes);
  g_test_message ("800×600: %s %.4f; 4000×3000: %.4f antialiased (largest difference %.4f), "
                  "%.4f nearest (%.4f)", label_of (c, top), p_small[top],
                  p_huge[top], smoothed, p_huge_nearest[top], aliased);
  /* Measured with Pillow's filter (the 4000×3000 image read at 1/4 from
   * GEGL's mipmaps first): 0.012 (three steps of the 8-bit output)
   * against 0.059 for nearest; with GEGL's LoHalo it was 0.020 to 0.035
   * against 0.086 to 0.090, depending on babl's conversions; with the
   * convolutions but the depthwise ones in 8-bit integers as TFLite runs
   * them, 0.0117 against 0.0391 (ten steps), where the float convolutions
   * gave 0.04 or more; with every one in integers, 0.0156 against 0.0352
   * (four steps against nine).  Which steps of a quantized network flip
   * depends on the last bits of the input, so the bounds leave room on
   * both sides. */
  g_assert_cmpuint (top, ==, 286);
  g_assert_cmpuint (argmax (p_huge, n_classes), ==, top);
  g_assert_cmpfloat (smoothed, <=, 0.025);
  /* Without averaging, the large image tells a different story. */
  g_assert_cmpfloat (aliased, >=, 0.03);
  g_assert_cmpfloat (aliased, >=, 2 * smoothed);
}

/* ---- The command-line tool ---- */

static char *
run_tool (int *status, ...)
{
  const char *exe = g_getenv ("CONVSCOPE_EXE");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  char *out = NULL;
  GError *error = NULL;
  va_list args;

  g_assert_nonnull (exe);
  g_ptr_array_add (argv, (char *) exe);
  va_start (args, status);
  for (const char *arg; (arg = va_arg (args, const char *)) != NULL;)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, status, &error));
  g_assert_no_error (error);
  g_test_message ("stderr: %s", err);
  return out;
}

static void
test_tool (void)
{
  g_autofree char *model = NULL;
  g_autofree char *parrot = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *card = NULL;
  g_autofree char *card_text = NULL;
  g_autofree char *info = NULL;
  g_autofree char *json = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *root, *first;
  GError *error = NULL;
  int status;

  if (!have_shared ())
    return;
  model = shared_path ("models", "mobilenet_v2_1.0_224_quant.tflite");
  parrot = shared_path ("images", "parrot.jpg");
  labels = shared_path ("models", "imagenet_labels.txt");
  info = run_tool (&status, "info", model, NULL);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (info, "input  1×3×224×224"));

  /* A card naming the labels file, overridden to letterbox. */
  dir = g_dir_make_tmp ("convscope-classify-XXXXXX", &error);
  g_assert_no_error (error);
  card = g_build_filename (dir, "card.ini", NULL);
  card_text = g_strdup_printf ("[model]\nname = MobileNet v2\n[input]\nresize = crop\n"
                               "[labels]\nfile = %s\n", labels);
  g_assert_true (g_file_set_contents (card, card_text, -1, NULL));
  json = run_tool (&status, "classify", model, parrot, "--card", card, "--resize",
                   "letterbox", "--top", "1", "--json", NULL);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "card"), ==, card);
  g_assert_cmpstr (json_object_get_string_member (root, "labels"), ==, labels);
  first = json_array_get_object_element (
    json_object_get_array_member (
      json_array_get_object_element (
        json_object_get_array_member (root, "images"), 0), "top"), 0);
  g_assert_cmpint (json_object_get_int_member (first, "class"), ==, 89);
  g_assert_cmpstr (json_object_get_string_member (first, "label"), ==, "macaw");
  g_assert_cmpfloat (json_object_get_double_member (first, "probability"), >, 0.9);
  g_assert_cmpint (g_remove (card), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  cs_pixels_init ();
  g_test_add_func ("/classify-shared/reference-table", test_reference_table);
  g_test_add_func ("/classify-shared/small-mobilenets", test_small_mobilenets);
  g_test_add_func ("/classify-shared/bird-model", test_bird_model);
  g_test_add_func ("/classify-shared/antialias", test_antialias);
  g_test_add_func ("/classify-shared/tool", test_tool);
  status = g_test_run ();
  cs_pixels_exit ();
  return status;
}
