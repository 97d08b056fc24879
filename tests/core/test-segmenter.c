/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-segmenter.c — semantic segmentation (core/segmenter.c).  A tiny
 * ONNX segmenter built here, whose score map is a linear ramp, gives
 * labels worked out by hand: bilinear between score samples (never
 * blocky), NONE outside a crop and under a threshold, the same for any
 * strip height.  Classifiers and segmenters refuse each other, and
 * unknown class names list the valid ones.  With ../shared
 * (CONVSCOPE_SHARED; skipped without it) the Coral DeepLab v3 finds its
 * score map under its Resizes and ArgMax, agrees with its own 513×513
 * ArgMax where the plan is a plain stretch, and finds the dogs and the
 * cat of the photos.
 */
#include "convscope.h"
#include "cs-pixels.h"
#include "image.h"
#include "test-files.h"

#include <math.h>
#include <string.h>

#define SIDE 8

/* ---- Fixtures ---- */

static char *
make_dir (void)
{
  GError *error = NULL;
  char   *dir = g_dir_make_tmp ("convscope-segmenter-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
write_text (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

/* image (1×3×8×8) → Relu → scores: each channel is a class's score map
 * at the input's resolution. */
static char *
write_segmenter (const char *dir)
{
  static const int64_t  dims[4] = { 1, 3, SIDE, SIDE };
  static const TestNode relu[] = { { "Relu", "image", "scores" } };

  return test_onnx_write (dir, "seg.onnx", 1, 4, dims, relu, 1, "scores");
}

/* Scores along x: class 0 rises as x, class 1 falls as 7 − x, class 2
 * stays at 3.8, so between the samples class 2 wins only for x in
 * (3.2, 3.8), a band no sample of the map lies in. */
static void
fill_ramp (CsTensor *input)
{
  float *data = input->data;

  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      {
        data[0 * SIDE * SIDE + y * SIDE + x] = (float) x;
        data[1 * SIDE * SIDE + y * SIDE + x] = (float) (SIDE - 1 - x);
        data[2 * SIDE * SIDE + y * SIDE + x] = 3.8f;
      }
}

static CsSegmentation *
run_ramp (CsSegmenter *segmenter)
{
  CsTensor       *input;
  CsSegmentation *segmentation = NULL;
  GError         *error = NULL;

  input = cs_segmenter_input_new (segmenter, &error);
  g_assert_no_error (error);
  fill_ramp (input);
  g_assert_true (cs_segmenter_run (segmenter, input, &segmentation, &error));
  g_assert_no_error (error);
  cs_segmenter_input_free (input);
  return segmentation;
}

/* The labels of a whole @width × @height region, in strips of @strip. */
static guint8 *
label_region (const CsSegmenter    *segmenter,
              const CsSegmentation *segmentation,
              int                   width,
              int                   height,
              int                   strip,
              double                threshold)
{
  guint8      *labels = g_new (guint8, (size_t) width * height);
  CsResizePlan plan;
  GError      *error = NULL;

  g_assert_true (cs_resize_plan (cs_segmenter_card (segmenter), width, height, &plan, &error));
  g_assert_no_error (error);
  for (int y = 0; y < height; y += strip)
    {
      g_assert_true (cs_segmentation_labels (segmentation, &plan, width, height, y,
                                             MIN (strip, height - y), threshold,
                                             labels + (size_t) y * width, &error));
      g_assert_no_error (error);
    }
  return labels;
}

/* ---- The synthetic segmenter ---- */

static void
test_ramp (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *model = write_segmenter (dir);
  g_autoptr (CsSegmenter) segmenter = NULL;
  g_autoptr (CsSegmentation) segmentation = NULL;
  g_autofree guint8 *labels = NULL;
  GError            *error = NULL;

  segmenter = cs_segmenter_load (model, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_segmenter_n_classes (segmenter), ==, 3);
  g_assert_cmpint (cs_segmenter_background (segmenter), ==, 0);
  g_assert_cmpstr (cs_segmenter_score_layer (segmenter), ==, "scores");
  segmentation = run_ramp (segmenter);
  g_assert_cmpint (cs_segmentation_n_classes (segmentation), ==, 3);
  g_assert_cmpint (cs_segmentation_height (segmentation), ==, SIDE);
  g_assert_cmpint (cs_segmentation_width (segmentation), ==, SIDE);
  g_assert_cmpfloat (cs_segmentation_scores (segmentation)[SIDE - 1], ==, SIDE - 1);

  /* At its own size every pixel is a sample of the map: 3.8 beats x and
   * 7 − x nowhere there. */
  labels = label_region (segmenter, segmentation, SIDE, SIDE, SIDE, 0.0);
  for (int x = 0; x < SIDE; x++)
    g_assert_cmpint (labels[x], ==, x < 4 ? 1 : 0);
  g_clear_pointer (&labels, g_free);

  /* Twice the size: pixel X has its centre at x = (X + ½)/2 − ½, so
   * X = 7 (3.25) and X = 8 (3.75) fall in class 2's band, which a blocky
   * upsampling (the nearest sample, 3 or 4) would miss. */
  labels = label_region (segmenter, segmentation, 2 * SIDE, 2 * SIDE, 2 * SIDE, 0.0);
  for (int y = 0; y < 2 * SIDE; y++)
    for (int x = 0; x < 2 * SIDE; x++)
      g_assert_cmpint (labels[y * 2 * SIDE + x], ==, x <= 6 ? 1 : x <= 8 ? 2 : 0);
  test_remove_tree (dir);
}

/* Any strip height gives the same labels; threshold 1 leaves none, 0
 * all, and between them exactly the pixels whose softmax winner is that
 * probable. */
static void
test_strips_and_threshold (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *model = write_segmenter (dir);
  g_autoptr (CsSegmenter) segmenter = cs_segmenter_load (model, NULL, NULL);
  g_autoptr (CsSegmentation) segmentation = run_ramp (segmenter);
  const int          width = 37, height = 23;
  g_autofree guint8 *whole = label_region (segmenter, segmentation, width, height, height, 0.0);
  g_autofree guint8 *none = label_region (segmenter, segmentation, width, height, 5, 1.0);
  g_autofree guint8 *half = label_region (segmenter, segmentation, width, height, 3, 0.5);
  int                kept = 0;

  for (int strip = 1; strip <= 7; strip += 3)
    {
      g_autofree guint8 *strips = label_region (segmenter, segmentation, width, height, strip, 0.0);

      g_assert_cmpmem (strips, (size_t) width * height, whole, (size_t) width * height);
    }
  for (int i = 0; i < width * height; i++)
    {
      g_assert_cmpint (whole[i], !=, CS_SEGMENT_NONE);
      g_assert_cmpint (none[i], ==, CS_SEGMENT_NONE);
    }
  /* Row 0: x = (X + ½)·8/37 − ½ clamped, the scores x, 7 − x, 3.8. */
  for (int x = 0; x < width; x++)
    {
      double t = CLAMP ((x + 0.5) * SIDE / width - 0.5, 0.0, SIDE - 1.0);
      double s[3] = { t, SIDE - 1 - t, 3.8 };
      double best = MAX (MAX (s[0], s[1]), s[2]);
      double p = 1.0 / (exp (s[0] - best) + exp (s[1] - best) + exp (s[2] - best));

      if (fabs (p - 0.5) > 1e-6)
        g_assert_cmpint (half[x], ==, p >= 0.5 ? whole[x] : CS_SEGMENT_NONE);
      kept += half[x] != CS_SEGMENT_NONE;
    }
  /* Both kinds occur, so the threshold was tested, not skipped. */
  g_assert_cmpint (kept, >, 0);
  g_assert_cmpint (kept, <, width);
  test_remove_tree (dir);
}

/* A crop reads the middle 8×8 of a 16×8 region: the columns beside it
 * are of no class. */
static void
test_crop (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *model = write_segmenter (dir);
  g_autoptr (CsSegmenter) segmenter = NULL;
  g_autoptr (CsSegmentation) segmentation = NULL;
  g_autofree guint8 *labels = NULL;
  GError            *error = NULL;

  write_text (dir, "seg.onnx.ini",
              "[model]\ntask = segmentation\n[input]\nresize = crop\ncrop-fraction = 1\n"
              "[segmentation]\nscores = scores\nbackground = 2\n");
  segmenter = cs_segmenter_load (model, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_segmenter_background (segmenter), ==, 2);
  segmentation = run_ramp (segmenter);
  labels = label_region (segmenter, segmentation, 2 * SIDE, SIDE, 3, 0.0);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < 2 * SIDE; x++)
      g_assert_cmpint (labels[y * 2 * SIDE + x], ==,
                       x < 4 || x >= 12 ? CS_SEGMENT_NONE
                       : x - 4 < 4      ? 1
                                        : 0);
  test_remove_tree (dir);
}

/* Bad requests and cards: one line, nothing written. */
static void
test_bad_input (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *model = write_segmenter (dir);
  g_autoptr (CsSegmenter) segmenter = cs_segmenter_load (model, NULL, NULL);
  g_autoptr (CsSegmentation) segmentation = run_ramp (segmenter);
  CsResizePlan       plan = { 0, 0, SIDE, SIDE, 0, 0, SIDE, SIDE };
  guint8             labels[SIDE * SIDE];
  CsSegmenterOptions options = { 0 };
  g_autofree char   *card = g_build_filename (dir, "card.ini", NULL);
  GError            *error = NULL;

  g_assert_false (
      cs_segmentation_labels (segmentation, &plan, SIDE, SIDE, 4, 5, 0.0, labels, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (
      cs_segmentation_labels (segmentation, &plan, SIDE, SIDE, 0, 1, NAN, labels, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);

  options.card_path = card;
  write_text (dir, "card.ini", "[model]\ntask = segmentation\n[segmentation]\nscores = nope\n");
  g_assert_null (cs_segmenter_load (model, &options, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "no layer 'nope'"));
  g_clear_error (&error);
  write_text (dir, "card.ini", "[model]\ntask = segmentation\n[segmentation]\nbackground = 3\n");
  g_assert_null (cs_segmenter_load (model, &options, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_INVALID);
  g_clear_error (&error);
  write_text (dir, "card.ini", "[model]\ntask = classification\n[segmentation]\nbackground = 1\n");
  g_assert_null (cs_segmenter_load (model, &options, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_FORMAT);
  g_clear_error (&error);
  test_remove_tree (dir);
}

/* A classifier is no segmenter and the other way round, each said in
 * one line naming the file. */
static void
test_refused (void)
{
  static const int64_t dims[4] = { 1, 3, SIDE, SIDE };
  g_autofree char     *dir = make_dir ();
  g_autofree char     *segmenter_model = write_segmenter (dir);
  g_autofree char     *classifier_model =
      test_onnx_write (dir, "pool.onnx", 1, 4, dims, test_onnx_pool_nodes, 2, "scores");
  GError *error = NULL;

  g_assert_null (cs_segmenter_load (classifier_model, NULL, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "pool.onnx: an image classifier, not a segmentation"));
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);
  g_assert_null (cs_classifier_load (segmenter_model, NULL, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "seg.onnx: a segmentation model, not an image"));
  g_clear_error (&error);
  test_remove_tree (dir);
}

/* Class names to numbers, case aside; an unknown one lists them all. */
static void
test_class_names (void)
{
  static const char *const lines[] = { "background", "cat", "dog", NULL };
  static const char *const good[] = { "Dog", "cat", "class 3", NULL };
  static const char *const bad[] = { "cat", "cta", NULL };
  g_autoptr (CsLabels) labels = cs_labels_new (lines, 0, NULL);
  int     indices[3] = { -1, -1, -1 };
  GError *error = NULL;

  g_assert_true (cs_labels_find (labels, 4, good, indices, &error));
  g_assert_no_error (error);
  g_assert_cmpint (indices[0], ==, 2);
  g_assert_cmpint (indices[1], ==, 1);
  g_assert_cmpint (indices[2], ==, 3);
  g_assert_false (cs_labels_find (labels, 4, bad, indices, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_assert_cmpstr (error->message, ==,
                   "no class 'cta'; the classes are background, cat, dog, class 3");
  g_clear_error (&error);
}

/* Label colours: the PASCAL VOC devkit's palette (VOClabelcolormap). */
static void
test_palette (void)
{
  static const struct
  {
    int    label;
    guint8 rgb[3];
  } voc[] = {
    { 0, { 0, 0, 0 } },        { 1, { 128, 0, 0 } },     { 8, { 64, 0, 0 } },
    { 12, { 64, 0, 128 } },    { 15, { 192, 128, 128 } }, { 20, { 0, 64, 128 } },
    { 255, { 224, 224, 192 } },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (voc); i++)
    {
      guint8 rgb[3];

      cs_segment_colour (voc[i].label, rgb);
      g_assert_cmpmem (rgb, 3, voc[i].rgb, 3);
    }
}

/* ---- The Coral DeepLab v3 of ../shared ---- */

static char *
shared_path (const char *dir, const char *name)
{
  const char *shared = g_getenv ("CONVSCOPE_SHARED");
  char       *path;

  if (shared == NULL)
    return NULL;
  path = g_build_filename (shared, dir, name, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return path;
  g_free (path);
  return NULL;
}

#define DEEPLAB "deeplabv3_mnv2_pascal_quant.tflite"

static CsSegmenter *
deeplab_new (void)
{
  g_autofree char   *model = shared_path ("models", DEEPLAB);
  g_autofree char   *labels = shared_path ("models", "pascal_voc_segmentation_labels.txt");
  CsSegmenterOptions options = { NULL, labels, 0 };
  CsSegmenter       *segmenter;
  GError            *error = NULL;

  if (model == NULL || labels == NULL)
    {
      g_test_skip ("needs the DeepLab v3 of ../shared (CONVSCOPE_SHARED)");
      return NULL;
    }
  segmenter = cs_segmenter_load (model, &options, &error);
  g_assert_no_error (error);
  return segmenter;
}

/* The classes covering at least @share of the region's pixels. */
static GString *
classes_present (const CsSegmenter *segmenter, const guint8 *labels, size_t n, double share)
{
  size_t   counts[256] = { 0 };
  GString *names = g_string_new (NULL);

  for (size_t i = 0; i < n; i++)
    counts[labels[i]]++;
  for (int c = 0; c < cs_segmenter_n_classes (segmenter); c++)
    if (counts[c] >= share * n)
      g_string_append_printf (names, "%s%s", names->len > 0 ? "," : "",
                              cs_labels_lookup (cs_segmenter_labels (segmenter), c));
  return names;
}

/* The score map under ResizeBilinear_1, _2 and ArgMax; the labels at
 * 513×513 against the model's own ArgMax, run in full on the same input. */
static void
test_deeplab_own_argmax (void)
{
  g_autoptr (CsSegmenter) segmenter = deeplab_new ();
  g_autofree char *path = shared_path ("images", "pets.jpg");
  g_autoptr (CsModel) full = NULL;
  g_autoptr (CsSession) session = NULL;
  g_autoptr (CsResult) result = NULL;
  g_autoptr (CsSegmentation) segmentation = NULL;
  g_autofree guint8 *labels = NULL;
  g_autoptr (GString) present = NULL;
  const CsResizePlan plan = { 0, 0, 513, 513, 0, 0, 513, 513 };
  const int64_t     *argmax;
  CsTensor          *input;
  GError            *error = NULL;
  int                agree = 0;

  if (segmenter == NULL)
    return;
  g_assert_cmpint (cs_segmenter_n_classes (segmenter), ==, 21);
  g_assert_cmpstr (cs_segmenter_score_layer (segmenter), ==, "logits/semantic/BiasAdd");
  g_assert_cmpuint (cs_model_n_outputs (cs_segmenter_model (segmenter)), ==, 1);
  g_assert_cmpint (cs_model_output (cs_segmenter_model (segmenter), 0)->shape.dims[1], ==, 21);
  g_assert_cmpint (cs_model_output (cs_segmenter_model (segmenter), 0)->shape.dims[3], ==, 33);

  input = cs_segmenter_input_new (segmenter, &error);
  g_assert_no_error (error);
  g_assert_true (cli_image_to_tensor (path, cs_segmenter_card (segmenter), input, &error));
  g_assert_no_error (error);
  g_assert_true (cs_segmenter_run (segmenter, input, &segmentation, &error));
  g_assert_no_error (error);

  full = cs_model_load_file (cs_segmenter_model_path (segmenter), NULL, &error);
  g_assert_no_error (error);
  session = cs_session_new (full, 0, &error);
  g_assert_no_error (error);
  g_assert_true (cs_session_run (session, input, 1, NULL, &result, &error));
  g_assert_no_error (error);
  cs_segmenter_input_free (input);
  argmax = result->outputs[0].data;

  labels = g_new (guint8, 513 * 513);
  g_assert_true (
      cs_segmentation_labels (segmentation, &plan, 513, 513, 0, 513, 0.0, labels, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 513 * 513; i++)
    agree += labels[i] == argmax[i];
  g_test_message ("pets.jpg at 513×513: %.3f %% of the pixels agree with the model's ArgMax",
                  100.0 * agree / (513 * 513));
  g_assert_cmpint (agree, >=, 0.99 * 513 * 513);
  present = classes_present (segmenter, labels, 513 * 513, 0.01);
  g_test_message ("pets.jpg: %s", present->str);
  /* Two dogs on a lawn. */
  g_assert_cmpstr (present->str, ==, "background,dog");
}

/* The photo at its own size, in strips as the plug-in reads it. */
static void
test_deeplab_cat (void)
{
  g_autoptr (CsSegmenter) segmenter = deeplab_new ();
  g_autofree char *path = shared_path ("images", "cat.bmp");
  g_autoptr (CsSegmentation) segmentation = NULL;
  g_autoptr (GeglBuffer) buffer = NULL;
  g_autoptr (GString) present = NULL;
  g_autofree guint8 *labels = NULL;
  int                width, height;
  CsTensor          *input;
  GError            *error = NULL;

  if (segmenter == NULL)
    return;
  buffer = cli_image_load (path, &error);
  g_assert_no_error (error);
  width = gegl_buffer_get_width (buffer);
  height = gegl_buffer_get_height (buffer);
  input = cs_segmenter_input_new (segmenter, &error);
  g_assert_no_error (error);
  g_assert_true (cli_image_to_tensor (path, cs_segmenter_card (segmenter), input, &error));
  g_assert_no_error (error);
  g_assert_true (cs_segmenter_run (segmenter, input, &segmentation, &error));
  g_assert_no_error (error);
  cs_segmenter_input_free (input);
  labels = label_region (segmenter, segmentation, width, height, 64, 0.0);
  present = classes_present (segmenter, labels, (size_t) width * height, 0.01);
  g_test_message ("cat.bmp (%d×%d): %s", width, height, present->str);
  g_assert_nonnull (strstr (present->str, "cat"));
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  cs_pixels_init ();
  g_test_add_func ("/segmenter/ramp", test_ramp);
  g_test_add_func ("/segmenter/strips-and-threshold", test_strips_and_threshold);
  g_test_add_func ("/segmenter/crop", test_crop);
  g_test_add_func ("/segmenter/bad-input", test_bad_input);
  g_test_add_func ("/segmenter/refused", test_refused);
  g_test_add_func ("/segmenter/class-names", test_class_names);
  g_test_add_func ("/segmenter/palette", test_palette);
  g_test_add_func ("/segmenter/deeplab-own-argmax", test_deeplab_own_argmax);
  g_test_add_func ("/segmenter/deeplab-cat", test_deeplab_cat);
  status = g_test_run ();
  cs_pixels_exit ();
  return status;
}
