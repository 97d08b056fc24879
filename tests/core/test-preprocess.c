/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-preprocess.c — the plain-C half of preprocessing: resize plans for
 * every policy on odd sizes, the numbers cs_preprocess_fill writes
 * (normalizations, quantized inputs, channel orders, grayscale,
 * transparency, letterbox borders), model cards (defaults, every key,
 * bad cards with clear errors) and the fallback chain of labels.  Models
 * are built here with protobuf-c; the shared TFLite classifier, when
 * ../shared is present, checks the defaults of a quantized input and
 * labels from a model's own metadata.
 */
#include "convscope.h"
#include "test-files.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* ---- Fixtures ---- */

/* An image classifier in miniature: image (1×C×H×W) → GlobalAveragePool
 * → Flatten → scores (1×C), written to DIR/NAME; a model whose input is
 * not an image passes it straight through. */
static char *
write_tiny_model (const char *dir, const char *name, int rank, const int64_t *dims)
{
  if (rank == 4)
    return test_onnx_write (dir, name, 1, rank, dims, test_onnx_pool_nodes, 2, "scores");
  return test_onnx_write (dir, name, 1, rank, dims, NULL, 0, "image");
}

static void
write_text (const char *path, const char *text)
{
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

/* A temporary directory with a tiny 1×C×H×W model in it, loaded. */
typedef struct
{
  char    *dir;
  char    *model_path;
  CsModel *model;
} Setup;

static Setup *
setup_new (int channels, int height, int width)
{
  const int64_t dims[] = { 1, channels, height, width };
  Setup *s = g_new0 (Setup, 1);
  GError *error = NULL;

  s->dir = g_dir_make_tmp ("convscope-preprocess-XXXXXX", &error);
  g_assert_no_error (error);
  s->model_path = write_tiny_model (s->dir, "tiny.onnx", 4, dims);
  s->model = cs_model_load_file (s->model_path, NULL, &error);
  g_assert_no_error (error);
  return s;
}

static void
setup_free (Setup *s)
{
  cs_model_free (s->model);
  test_remove_tree (s->dir);
  g_free (s->model_path);
  g_free (s->dir);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Setup, setup_free)

/* The card of @s's model made of @text (NULL: no card, the defaults). */
static CsCard *
card_from_text (Setup *s, const char *text, GError **error)
{
  g_autofree char *path = NULL;

  if (text == NULL)
    return cs_card_load (s->model, s->model_path, NULL, error);
  path = g_build_filename (s->dir, "card.ini", NULL);
  write_text (path, text);
  return cs_card_load (s->model, s->model_path, path, error);
}

static CsCard *
default_card (Setup *s)
{
  GError *error = NULL;
  CsCard *card = card_from_text (s, NULL, &error);

  g_assert_no_error (error);
  return card;
}

/* ---- Resize plans ---- */

static void
assert_plan (const CsResizePlan *plan, double sx, double sy, double sw, double sh,
             int dx, int dy, int dw, int dh)
{
  g_assert_cmpfloat_with_epsilon (plan->src_x, sx, 1e-9);
  g_assert_cmpfloat_with_epsilon (plan->src_y, sy, 1e-9);
  g_assert_cmpfloat_with_epsilon (plan->src_width, sw, 1e-9);
  g_assert_cmpfloat_with_epsilon (plan->src_height, sh, 1e-9);
  g_assert_cmpint (plan->dest_x, ==, dx);
  g_assert_cmpint (plan->dest_y, ==, dy);
  g_assert_cmpint (plan->dest_width, ==, dw);
  g_assert_cmpint (plan->dest_height, ==, dh);
}

static void
test_plan_stretch (void)
{
  g_autoptr (Setup) s = setup_new (3, 160, 224);
  g_autoptr (CsCard) card = default_card (s);
  CsResizePlan plan;
  GError *error = NULL;

  g_assert_cmpint (card->resize, ==, CS_RESIZE_STRETCH);
  g_assert_true (cs_resize_plan (card, 333, 517, &plan, &error));
  g_assert_no_error (error);
  assert_plan (&plan, 0, 0, 333, 517, 0, 0, 224, 160);
  g_assert_true (cs_resize_plan (card, 1, 1, &plan, &error));
  assert_plan (&plan, 0, 0, 1, 1, 0, 0, 224, 160);
}

static void
test_plan_crop (void)
{
  g_autoptr (Setup) s = setup_new (3, 224, 224);
  g_autoptr (Setup) wide = setup_new (3, 160, 224);
  g_autoptr (CsCard) card = default_card (s);
  g_autoptr (CsCard) wide_card = default_card (wide);
  CsResizePlan plan;
  GError *error = NULL;

  card->resize = wide_card->resize = CS_RESIZE_CROP;
  card->crop_fraction = 1.0;
  /* The largest centred square of a landscape image, then of a portrait
   * one with odd sides: the half pixel stays fractional. */
  g_assert_true (cs_resize_plan (card, 640, 480, &plan, &error));
  assert_plan (&plan, 80, 0, 480, 480, 0, 0, 224, 224);
  g_assert_true (cs_resize_plan (card, 333, 517, &plan, &error));
  assert_plan (&plan, 0, 92, 333, 333, 0, 0, 224, 224);
  g_assert_true (cs_resize_plan (card, 333, 518, &plan, &error));
  assert_plan (&plan, 0, 92.5, 333, 333, 0, 0, 224, 224);
  /* The ImageNet evaluation crop, 224 of 256 of the shorter side. */
  card->crop_fraction = 0.875;
  g_assert_true (cs_resize_plan (card, 640, 480, &plan, &error));
  assert_plan (&plan, 110, 30, 420, 420, 0, 0, 224, 224);
  /* A 7:5 input takes a 7:5 crop whichever way the image leans. */
  wide_card->crop_fraction = 0.5;
  g_assert_true (cs_resize_plan (wide_card, 333, 517, &plan, &error));
  assert_plan (&plan, (333 - 166.5) / 2, (517 - 166.5 * 160 / 224) / 2, 166.5,
               166.5 * 160 / 224, 0, 0, 224, 160);
  g_assert_true (cs_resize_plan (wide_card, 1000, 100, &plan, &error));
  assert_plan (&plan, (1000 - 70) / 2.0, 25, 70, 50, 0, 0, 224, 160);
  g_assert_no_error (error);
}

static void
test_plan_letterbox (void)
{
  g_autoptr (Setup) s = setup_new (3, 224, 224);
  g_autoptr (CsCard) card = default_card (s);
  CsResizePlan plan;
  GError *error = NULL;

  card->resize = CS_RESIZE_LETTERBOX;
  g_assert_true (cs_resize_plan (card, 640, 480, &plan, &error));
  assert_plan (&plan, 0, 0, 640, 480, 0, 28, 224, 168);
  /* 333·224/517 = 144.3; the odd border pixel goes right or down. */
  g_assert_true (cs_resize_plan (card, 333, 517, &plan, &error));
  assert_plan (&plan, 0, 0, 333, 517, 40, 0, 144, 224);
  g_assert_true (cs_resize_plan (card, 517, 334, &plan, &error));
  assert_plan (&plan, 0, 0, 517, 334, 0, 39, 224, 145);
  /* A line of pixels still covers at least one row. */
  g_assert_true (cs_resize_plan (card, 100000, 1, &plan, &error));
  assert_plan (&plan, 0, 0, 100000, 1, 0, 111, 224, 1);
  g_assert_true (cs_resize_plan (card, 224, 224, &plan, &error));
  assert_plan (&plan, 0, 0, 224, 224, 0, 0, 224, 224);
  g_assert_no_error (error);
}

static void
test_plan_bad_sizes (void)
{
  g_autoptr (Setup) s = setup_new (3, 8, 8);
  g_autoptr (CsCard) card = default_card (s);
  const int64_t sizes[][2] = { { 0, 5 }, { 5, 0 }, { -3, 5 }, { 1 << 20, 5 }, { 5, G_MAXINT64 } };
  CsResizePlan plan;

  for (size_t i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      GError *error = NULL;

      g_assert_false (cs_resize_plan (card, sizes[i][0], sizes[i][1], &plan, &error));
      g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "cannot be resized"));
      g_error_free (error);
    }
}

/* ---- Filling the tensor ---- */

/* Fills a 1×C×2×2 tensor from four pixels with a stretch plan. */
static void
fill_2x2 (const CsCard *card, const float pixels[16], float *out)
{
  const int channels = card->channels == CS_CHANNELS_GRAY ? 1 : 3;
  CsTensor tensor = { "image", CS_DTYPE_FLOAT32, { 4, { 1, channels, 2, 2 } }, out };
  CsResizePlan plan;
  GError *error = NULL;

  g_assert_true (cs_resize_plan (card, 2, 2, &plan, &error));
  g_assert_true (cs_preprocess_fill (card, &plan, pixels, 8, &tensor, &error));
  g_assert_no_error (error);
}

/* Tensor element (channel, y, x) of a 1×C×2×2 tensor. */
#define AT(out, c, y, x) ((out)[(c) * 4 + (y) * 2 + (x)])

static const float four_pixels[16] = {
  0.2f, 0.4f, 0.6f, 1.0f,    1.0f, 0.0f, 0.0f, 1.0f,
  0.0f, 0.0f, 0.0f, 0.5f,    0.9f, 0.9f, 0.9f, 0.0f,
};

static void
test_fill_unit_rgb_bgr (void)
{
  g_autoptr (Setup) s = setup_new (3, 2, 2);
  g_autoptr (CsCard) card = default_card (s);
  float out[12];

  g_assert_cmpint (card->normalize, ==, CS_NORMALIZE_UNIT);
  fill_2x2 (card, four_pixels, out);
  g_assert_cmpfloat_with_epsilon (AT (out, 0, 0, 0), 0.2f, 1e-6);
  g_assert_cmpfloat_with_epsilon (AT (out, 1, 0, 0), 0.4f, 1e-6);
  g_assert_cmpfloat_with_epsilon (AT (out, 2, 0, 0), 0.6f, 1e-6);
  g_assert_cmpfloat_with_epsilon (AT (out, 0, 0, 1), 1.0f, 1e-6);
  /* Half-transparent black over the default white, and fully
   * transparent grey that shows only the background. */
  for (int c = 0; c < 3; c++)
    {
      g_assert_cmpfloat_with_epsilon (AT (out, c, 1, 0), 0.5f, 1e-6);
      g_assert_cmpfloat_with_epsilon (AT (out, c, 1, 1), 1.0f, 1e-6);
    }

  card->channels = CS_CHANNELS_BGR;
  card->background[0] = 0.2f, card->background[1] = 0.4f, card->background[2] = 0.6f;
  fill_2x2 (card, four_pixels, out);
  g_assert_cmpfloat_with_epsilon (AT (out, 0, 0, 0), 0.6f, 1e-6);
  g_assert_cmpfloat_with_epsilon (AT (out, 2, 0, 0), 0.2f, 1e-6);
  g_assert_cmpfloat_with_epsilon (AT (out, 2, 0, 1), 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (AT (out, 0, 1, 1), 0.6f, 1e-6);
  g_assert_cmpfloat_with_epsilon (AT (out, 2, 1, 1), 0.2f, 1e-6);
  g_assert_cmpfloat_with_epsilon (AT (out, 0, 1, 0), 0.3f, 1e-6);
}

static void
test_fill_mean_std (void)
{
  g_autoptr (Setup) s = setup_new (3, 2, 2);
  g_autoptr (CsCard) card = default_card (s);
  const float mean[3] = { 0.485f, 0.456f, 0.406f }, std[3] = { 0.229f, 0.224f, 0.225f };
  float out[12];

  card->normalize = CS_NORMALIZE_MEAN_STD;
  memcpy (card->mean, mean, sizeof mean);
  memcpy (card->std, std, sizeof std);
  fill_2x2 (card, four_pixels, out);
  g_assert_cmpfloat_with_epsilon (AT (out, 0, 0, 0), (0.2 - 0.485) / 0.229, 1e-5);
  g_assert_cmpfloat_with_epsilon (AT (out, 1, 0, 0), (0.4 - 0.456) / 0.224, 1e-5);
  g_assert_cmpfloat_with_epsilon (AT (out, 2, 0, 0), (0.6 - 0.406) / 0.225, 1e-5);
  g_assert_cmpfloat_with_epsilon (AT (out, 0, 0, 1), (1.0 - 0.485) / 0.229, 1e-5);

  /* Caffe style: pixels 0 … 255, means in BGR order, no scaling. */
  card->channels = CS_CHANNELS_BGR;
  card->range = 255.0f;
  card->mean[0] = 103.94f, card->mean[1] = 116.78f, card->mean[2] = 123.68f;
  card->std[0] = card->std[1] = card->std[2] = 1.0f;
  fill_2x2 (card, four_pixels, out);
  g_assert_cmpfloat_with_epsilon (AT (out, 0, 0, 0), 0.6 * 255 - 103.94, 1e-3);
  g_assert_cmpfloat_with_epsilon (AT (out, 2, 0, 0), 0.2 * 255 - 123.68, 1e-3);
}

static void
test_fill_quantized (void)
{
  g_autoptr (Setup) s = setup_new (3, 2, 2);
  g_autoptr (CsCard) card = default_card (s);
  /* Values that round clearly, and out-of-range ones that clamp. */
  const float pixels[16] = {
    1.0f, 0.0f, 0.3f, 1.0f,    0.5f, 0.501f, 0.249f, 1.0f,
    1.7f, -0.4f, 0.0f, 1.0f,   0.0f, 0.0f, 0.0f, 1.0f,
  };
  float out[12];

  /* uint8 as the Coral models: bytes are the integers. */
  card->normalize = CS_NORMALIZE_QUANTIZATION;
  card->quant = (CsQuantization) { 1.0f / 128, 128, 0, 255 };
  fill_2x2 (card, pixels, out);
  g_assert_cmpfloat (AT (out, 0, 0, 0), ==, 127.0f / 128);
  g_assert_cmpfloat (AT (out, 1, 0, 0), ==, -1.0f);
  g_assert_cmpfloat (AT (out, 2, 0, 0), ==, (77.0f - 128) / 128);  /* 76.5 */
  g_assert_cmpfloat (AT (out, 0, 0, 1), ==, 0.0f);                 /* 127.5 */
  g_assert_cmpfloat (AT (out, 1, 0, 1), ==, 0.0f);                 /* 127.76 */
  g_assert_cmpfloat (AT (out, 2, 0, 1), ==, (63.0f - 128) / 128);  /* 63.5 − ε */
  g_assert_cmpfloat (AT (out, 0, 1, 0), ==, 127.0f / 128);
  g_assert_cmpfloat (AT (out, 1, 1, 0), ==, -1.0f);

  /* int8: the byte b is the integer b − 128. */
  card->quant = (CsQuantization) { 0.5f, -3, -128, 127 };
  fill_2x2 (card, pixels, out);
  g_assert_cmpfloat (AT (out, 0, 0, 0), ==, (127 + 3) * 0.5f);
  g_assert_cmpfloat (AT (out, 1, 0, 0), ==, (-128 + 3) * 0.5f);
}

static void
test_fill_gray (void)
{
  g_autoptr (Setup) s = setup_new (1, 2, 2);
  g_autoptr (CsCard) card = default_card (s);
  float out[4];

  g_assert_cmpint (card->channels, ==, CS_CHANNELS_GRAY);
  fill_2x2 (card, four_pixels, out);
  /* Rec. 601 weights on the encoded values. */
  g_assert_cmpfloat_with_epsilon (out[0], 0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[1], 0.299, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[2], 0.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[3], 1.0, 1e-6);

  /* MNIST style: white digits on black, mean/std of the training set. */
  card->normalize = CS_NORMALIZE_MEAN_STD;
  card->mean[0] = 0.1307f;
  card->std[0] = 0.3081f;
  fill_2x2 (card, four_pixels, out);
  g_assert_cmpfloat_with_epsilon (out[1], (0.299 - 0.1307) / 0.3081, 1e-5);
}

/* The mid grey that occlusion blanks patches with (cs_explain_card_fill)
 * is what the card makes of the sRGB pixel 0.5, channel by channel. */
static void
test_grey (void)
{
  g_autoptr (Setup) s = setup_new (3, 2, 2);
  g_autoptr (Setup) gray = setup_new (1, 2, 2);
  g_autoptr (CsCard) card = default_card (s);
  g_autoptr (CsCard) gray_card = default_card (gray);
  const float mean[3] = { 0.485f, 0.456f, 0.406f }, std[3] = { 0.229f, 0.224f, 0.225f };
  float       fill[3];

  cs_explain_card_fill (card, fill);
  for (int c = 0; c < 3; c++)
    g_assert_cmpfloat_with_epsilon (fill[c], 0.5, 1e-6);

  card->normalize = CS_NORMALIZE_MEAN_STD;
  card->channels = CS_CHANNELS_BGR;
  memcpy (card->mean, mean, sizeof mean);
  memcpy (card->std, std, sizeof std);
  cs_explain_card_fill (card, fill);
  for (int c = 0; c < 3; c++)
    g_assert_cmpfloat_with_epsilon (fill[c], (0.5 - mean[c]) / std[c], 1e-5);

  /* uint8: 0.5 is the byte 128 (127.5 rounded half up). */
  card->normalize = CS_NORMALIZE_QUANTIZATION;
  card->quant = (CsQuantization) { 1.0f / 128, 128, 0, 255 };
  cs_explain_card_fill (card, fill);
  g_assert_cmpfloat (fill[0], ==, 0.0f);
  g_assert_cmpfloat (fill[2], ==, 0.0f);

  gray_card->normalize = CS_NORMALIZE_MEAN_STD;
  gray_card->mean[0] = 0.1307f;
  gray_card->std[0] = 0.3081f;
  cs_explain_card_fill (gray_card, fill);
  g_assert_cmpfloat_with_epsilon (fill[0], (0.5 - 0.1307) / 0.3081, 1e-5);
  g_assert_cmpfloat (fill[1], ==, 0.0f);
  g_assert_cmpfloat (fill[2], ==, 0.0f);
}

static void
test_fill_letterbox_and_hostile (void)
{
  g_autoptr (Setup) s = setup_new (3, 4, 4);
  g_autoptr (CsCard) card = default_card (s);
  const float pixels[16] = {
    NAN, NAN, NAN, NAN,         0.5f, 0.5f, 0.5f, INFINITY,
    0.1f, 0.2f, 0.3f, 1.0f,     0.4f, NAN, 0.6f, 1.0f,
  };
  float out[48];
  CsTensor tensor = { "image", CS_DTYPE_FLOAT32, { 4, { 1, 3, 4, 4 } }, out };
  CsResizePlan plan;
  GError *error = NULL;

  /* A 2:1 image letterboxed into 4×4 lands in rows 1 and 2. */
  card->resize = CS_RESIZE_LETTERBOX;
  card->fill[0] = 1.0f, card->fill[1] = 0.0f, card->fill[2] = 0.5f;
  g_assert_true (cs_resize_plan (card, 4, 2, &plan, &error));
  assert_plan (&plan, 0, 0, 4, 2, 0, 1, 4, 2);
  plan.dest_width = 2;  /* only two pixels a row are given */
  g_assert_true (cs_preprocess_fill (card, &plan, pixels, 8, &tensor, &error));
  g_assert_no_error (error);
  for (int x = 0; x < 4; x++)
    for (int y = 0; y < 4; y += 3)
      {
        g_assert_cmpfloat (out[0 * 16 + y * 4 + x], ==, 1.0f);
        g_assert_cmpfloat (out[1 * 16 + y * 4 + x], ==, 0.0f);
        g_assert_cmpfloat (out[2 * 16 + y * 4 + x], ==, 0.5f);
      }
  /* NaN alpha is transparent (white shows), infinite alpha opaque, a NaN
   * colour black. */
  g_assert_cmpfloat (out[0 * 16 + 4 + 0], ==, 1.0f);
  g_assert_cmpfloat (out[1 * 16 + 4 + 1], ==, 0.5f);
  g_assert_cmpfloat (out[1 * 16 + 8 + 1], ==, 0.0f);
  g_assert_cmpfloat_with_epsilon (out[2 * 16 + 8 + 0], 0.3f, 1e-6);
  for (int c = 0; c < 3; c++)
    g_assert_false (isnan (out[c * 16 + 8 + 1]));

  /* A placement outside the tensor, a short row stride, a wrong tensor. */
  plan.dest_y = 3;
  g_assert_false (cs_preprocess_fill (card, &plan, pixels, 8, &tensor, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  plan.dest_y = 1;
  g_assert_false (cs_preprocess_fill (card, &plan, pixels, 7, &tensor, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  tensor.shape.dims[1] = 1;
  g_assert_false (cs_preprocess_fill (card, &plan, pixels, 8, &tensor, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "not 1×3×4×4 float32"));
  g_clear_error (&error);
}

/* ---- Cards ---- */

static void
test_card_defaults (void)
{
  g_autoptr (Setup) s = setup_new (3, 160, 224);
  g_autoptr (CsCard) card = default_card (s);

  g_assert_null (card->path);
  g_assert_cmpstr (card->model_path, ==, s->model_path);
  g_assert_cmpstr (card->name, ==, "tiny");
  g_assert_cmpint (card->task, ==, CS_TASK_CLASSIFICATION);
  /* Scores from a pooling layer, not a softmax. */
  g_assert_false (card->probabilities);
  g_assert_cmpint (card->width, ==, 224);
  g_assert_cmpint (card->height, ==, 160);
  g_assert_cmpint (card->channels, ==, CS_CHANNELS_RGB);
  g_assert_cmpint (card->resize, ==, CS_RESIZE_STRETCH);
  g_assert_cmpint (card->resample, ==, CS_RESAMPLE_ANTIALIAS);
  g_assert_cmpint (card->normalize, ==, CS_NORMALIZE_UNIT);
  for (int c = 0; c < 3; c++)
    {
      g_assert_cmpfloat (card->background[c], ==, 1.0f);
      g_assert_cmpfloat (card->fill[c], ==, 0.0f);
    }
  g_assert_null (card->labels_path);
  g_assert_cmpint (card->label_offset, ==, 0);
  g_assert_null (card->source_url);
  g_assert_null (card->licence);
  g_assert_null (card->accuracy);
}

static void
test_card_full (void)
{
  g_autoptr (Setup) s = setup_new (3, 224, 224);
  g_autoptr (CsCard) card = NULL;
  g_autofree char *beside = cs_card_path_for (s->model_path);
  g_autofree char *labels = g_build_filename (s->dir, "imagenet.txt", NULL);
  GError *error = NULL;

  g_assert_true (g_str_has_suffix (beside, "tiny.onnx.ini"));
  /* Beside the model, so found without being named. */
  write_text (beside,
              "# A model card.\n"
              "[model]\n"
              "name = ResNet-18 (torchvision)\n"
              "task = classification\n"
              "output = probabilities\n"
              "source = https://example.org/resnet18\n"
              "licence = BSD-3-Clause\n"
              "accuracy = top-1 69.8 % (ImageNet validation)\n"
              "[input]\n"
              "size = 224×224\n"
              "channels = BGR\n"
              "resize = crop\n"
              "crop-fraction = 0.875\n"
              "resample = nearest\n"
              "background = #336699\n"
              "fill = #FF0080\n"
              "normalization = mean-std\n"
              "range = 255\n"
              "mean = 103.94, 116.78; 123.68\n"
              "std = 58.4\n"
              "[labels]\n"
              "file = imagenet.txt\n"
              "offset = 1\n");
  card = cs_card_load (s->model, s->model_path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (card->path, ==, beside);
  g_assert_cmpstr (card->name, ==, "ResNet-18 (torchvision)");
  g_assert_cmpint (card->task, ==, CS_TASK_CLASSIFICATION);
  g_assert_true (card->probabilities);
  g_assert_cmpstr (card->source_url, ==, "https://example.org/resnet18");
  g_assert_cmpstr (card->licence, ==, "BSD-3-Clause");
  g_assert_cmpstr (card->accuracy, ==, "top-1 69.8 % (ImageNet validation)");
  g_assert_cmpint (card->channels, ==, CS_CHANNELS_BGR);
  g_assert_cmpint (card->resize, ==, CS_RESIZE_CROP);
  g_assert_cmpfloat (card->crop_fraction, ==, 0.875);
  g_assert_cmpint (card->resample, ==, CS_RESAMPLE_NEAREST);
  g_assert_cmpfloat (card->background[0], ==, 0x33 / 255.0f);
  g_assert_cmpfloat (card->background[2], ==, 0x99 / 255.0f);
  g_assert_cmpfloat (card->fill[1], ==, 0.0f);
  g_assert_cmpfloat (card->fill[2], ==, 0x80 / 255.0f);
  g_assert_cmpint (card->normalize, ==, CS_NORMALIZE_MEAN_STD);
  g_assert_cmpfloat (card->range, ==, 255.0f);
  g_assert_cmpfloat (card->mean[1], ==, 116.78f);
  g_assert_cmpfloat (card->mean[2], ==, 123.68f);
  for (int c = 0; c < 3; c++)
    g_assert_cmpfloat (card->std[c], ==, 58.4f);
  g_assert_cmpstr (card->labels_path, ==, labels);
  g_assert_cmpint (card->label_offset, ==, 1);

  /* An explicit card wins over the one beside the model. */
  {
    g_autoptr (CsCard) other = card_from_text (s, "[model]\ntask = other\n", &error);

    g_assert_no_error (error);
    g_assert_cmpint (other->task, ==, CS_TASK_OTHER);
    g_assert_cmpint (other->resize, ==, CS_RESIZE_STRETCH);
  }
}

typedef struct
{
  const char *text;
  int         code;
  const char *fragment;
} BadCard;

static void
test_card_bad (void)
{
  static const BadCard bad[] = {
    { "[model\nname = x\n", CS_ERROR_FORMAT, "not a model card" },
    { "name = x\n", CS_ERROR_FORMAT, "not a model card" },
    { "[modle]\nname = x\n", CS_ERROR_FORMAT, "unknown group [modle]" },
    { "[input]\nresise = crop\n", CS_ERROR_FORMAT,
      "unknown key 'resise' in [input]; known keys are size, channels, resize" },
    { "[input]\nresize = squash\n", CS_ERROR_FORMAT,
      "[input] resize: expected stretch, crop or letterbox, not 'squash'" },
    { "[model]\ntask = detection\n", CS_ERROR_FORMAT, "[model] task: expected" },
    { "[model]\noutput = logits\n", CS_ERROR_FORMAT,
      "[model] output: expected scores or probabilities, not 'logits'" },
    { "[input]\nresample = lanczos\n", CS_ERROR_FORMAT, "[input] resample" },
    { "[input]\nresize = crop\ncrop-fraction = 1.5\n", CS_ERROR_FORMAT,
      "[input] crop-fraction: 1.5 is outside (0, 1]" },
    { "[input]\nresize = crop\ncrop-fraction = 0\n", CS_ERROR_FORMAT, "outside (0, 1]" },
    { "[input]\nresize = crop\ncrop-fraction = nan\n", CS_ERROR_FORMAT, "not a number" },
    { "[input]\ncrop-fraction = 0.5\n", CS_ERROR_FORMAT,
      "[input] crop-fraction: only means something with resize=crop" },
    { "[input]\nsize = 192x192\n", CS_ERROR_INVALID,
      "the card says 192x192 but the model" },
    { "[input]\nsize = big\n", CS_ERROR_FORMAT, "expected WIDTHxHEIGHT, not 'big'" },
    { "[input]\nsize = 8x8x3\n", CS_ERROR_FORMAT, "expected WIDTHxHEIGHT" },
    { "[input]\nchannels = gray\n", CS_ERROR_INVALID, "does not fit the model's 3-channel input" },
    { "[input]\nnormalization = quantization\n", CS_ERROR_INVALID, "is not quantized" },
    { "[input]\nmean = 0.5\n", CS_ERROR_FORMAT,
      "[input] mean: only means something with normalization=mean-std" },
    { "[input]\nnormalization = mean-std\nmean = 0.1, 0.2\n", CS_ERROR_FORMAT,
      "expected 1 or 3 values, not '0.1, 0.2'" },
    { "[input]\nnormalization = mean-std\nmean = 1 2 3 4\n", CS_ERROR_FORMAT,
      "more than 3 values" },
    { "[input]\nnormalization = mean-std\nstd = 0.2, 0, 0.2\n", CS_ERROR_FORMAT,
      "[input] std: 0 is outside (0, 65535]" },
    { "[input]\nnormalization = mean-std\nmean = 0.5x\n", CS_ERROR_FORMAT,
      "'0.5x' is not a number" },
    { "[input]\nbackground = white\n", CS_ERROR_FORMAT, "expected a colour #rrggbb, not 'white'" },
    { "[input]\nfill = #12345g\n", CS_ERROR_FORMAT, "expected a colour #rrggbb" },
    { "[labels]\noffset = 1.5\n", CS_ERROR_FORMAT, "[labels] offset: 1.5 is not a whole number" },
    { "[labels]\noffset = 1e9\n", CS_ERROR_FORMAT, "is outside" },
    { "[labels]\nfile =\n", CS_ERROR_FORMAT, "[labels] file: is empty" },
    { "[model]\nname = \xff\xfe\n", CS_ERROR_FORMAT, "[model] name: " },
  };
  g_autoptr (Setup) s = setup_new (3, 8, 8);

  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *shown = g_strescape (bad[i].text, NULL);
      GError *error = NULL;
      CsCard *card = card_from_text (s, bad[i].text, &error);

      g_test_message ("card: %s", shown);
      g_assert_null (card);
      g_assert_error (error, CS_ERROR, bad[i].code);
      if (strstr (error->message, bad[i].fragment) == NULL)
        g_error ("'%s' does not contain '%s'", error->message, bad[i].fragment);
      /* One line, naming the card. */
      g_assert_null (strchr (error->message, '\n'));
      g_assert_nonnull (strstr (error->message, "card.ini"));
      g_error_free (error);
    }
}

static void
test_card_unreadable (void)
{
  g_autoptr (Setup) s = setup_new (3, 8, 8);
  g_autofree char *missing = g_build_filename (s->dir, "missing.ini", NULL);
  g_autofree char *beside = cs_card_path_for (s->model_path);
  GError *error = NULL;

  /* A named card must exist; a directory is not one. */
  g_assert_null (cs_card_load (s->model, s->model_path, missing, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.ini: cannot read the model card"));
  g_clear_error (&error);
  g_assert_null (cs_card_load (s->model, s->model_path, s->dir, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "not a model card"));
  g_clear_error (&error);
  /* A broken card beside the model is an error, not silently skipped. */
  write_text (beside, "[input]\nresize = sideways\n");
  g_assert_null (cs_card_load (s->model, s->model_path, NULL, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "tiny.onnx.ini: [input] resize"));
  g_clear_error (&error);
}

static void
test_card_not_image (void)
{
  const int64_t flat[] = { 1, 5 }, two_channels[] = { 1, 2, 8, 8 };
  g_autoptr (Setup) s = setup_new (3, 8, 8);
  struct { int rank; const int64_t *dims; const char *shape; } cases[] = {
    { 2, flat, "1×5" },
    { 4, two_channels, "1×2×8×8" },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_tiny_model (s->dir, "odd.onnx", cases[i].rank, cases[i].dims);
      CsModel *model;
      GError *error = NULL;

      model = cs_model_load_file (path, NULL, &error);
      g_assert_no_error (error);
      g_assert_null (cs_card_load (model, path, NULL, &error));
      g_assert_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED);
      g_assert_nonnull (strstr (error->message, cases[i].shape));
      g_assert_nonnull (strstr (error->message, "not an image of shape 1×3×H×W or 1×1×H×W"));
      g_error_free (error);
      cs_model_free (model);
    }
}

/* ---- Labels ---- */

static void
test_labels_chain (void)
{
  g_autoptr (Setup) s = setup_new (3, 8, 8);
  g_autofree char *beside = g_build_filename (s->dir, "labels.txt", NULL);
  g_autofree char *named = g_build_filename (s->dir, "named.txt", NULL);
  g_autofree char *card_text = NULL;
  GError *error = NULL;

  /* Nothing: classes go by number. */
  {
    g_autoptr (CsCard) card = default_card (s);
    g_autoptr (CsLabels) labels = cs_labels_for_card (card, s->model, &error);
    g_autofree char *name = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (cs_labels_count (labels), ==, 0);
    g_assert_null (cs_labels_source (labels));
    g_assert_null (cs_labels_lookup (labels, 0));
    name = cs_labels_name (labels, 2);
    g_assert_cmpstr (name, ==, "class 2");
  }
  /* labels.txt beside the model, CR LF and a final newline. */
  write_text (beside, "red\r\ngreen\r\nblue\r\n");
  {
    g_autoptr (CsCard) card = default_card (s);
    g_autoptr (CsLabels) labels = cs_labels_for_card (card, s->model, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (cs_labels_count (labels), ==, 3);
    g_assert_cmpstr (cs_labels_source (labels), ==, beside);
    g_assert_cmpstr (cs_labels_lookup (labels, 2), ==, "blue");
    g_assert_null (cs_labels_lookup (labels, 3));
  }
  /* The card's file wins, with its offset: line 0 is a background
   * class the model does not have. */
  write_text (named, "background\ncat\ndog");
  card_text = g_strdup ("[labels]\nfile = named.txt\noffset = 1\n");
  {
    g_autoptr (CsCard) card = card_from_text (s, card_text, &error);
    g_autoptr (CsLabels) labels = cs_labels_for_card (card, s->model, &error);
    g_autofree char *name = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (cs_labels_source (labels), ==, named);
    g_assert_cmpstr (cs_labels_lookup (labels, 0), ==, "cat");
    g_assert_cmpstr (cs_labels_lookup (labels, 1), ==, "dog");
    name = cs_labels_name (labels, 2);
    g_assert_cmpstr (name, ==, "class 2");
    g_assert_null (cs_labels_lookup (labels, G_MAXSIZE));
  }
  /* The other way round: the model's class 0 is a background the file
   * lacks; the offset applies to labels.txt too. */
  {
    g_autoptr (CsCard) card = card_from_text (s, "[labels]\noffset = -1\n", &error);
    g_autoptr (CsLabels) labels = cs_labels_for_card (card, s->model, &error);

    g_assert_no_error (error);
    g_assert_null (cs_labels_lookup (labels, 0));
    g_assert_cmpstr (cs_labels_lookup (labels, 1), ==, "red");
  }
  /* A file the card names must be usable. */
  write_text (named, "ok\n\xff\xfe\n");
  {
    g_autoptr (CsCard) card = card_from_text (s, card_text, &error);

    g_assert_no_error (error);
    g_assert_null (cs_labels_for_card (card, s->model, &error));
    g_assert_error (error, CS_ERROR, CS_ERROR_FORMAT);
    g_assert_nonnull (strstr (error->message, "named.txt: not UTF-8 text"));
    g_clear_error (&error);
  }
  g_assert_cmpint (g_remove (named), ==, 0);
  {
    g_autoptr (CsCard) card = card_from_text (s, card_text, &error);

    g_assert_null (cs_labels_for_card (card, s->model, &error));
    g_assert_error (error, CS_ERROR, CS_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "named.txt: cannot read the labels"));
    g_clear_error (&error);
  }
}

/* ---- The shared quantized classifier ---- */

static void
test_quantized_defaults (void)
{
  const char *shared = g_getenv ("CONVSCOPE_SHARED");
  g_autofree char *path = NULL;
  g_autoptr (CsCard) card = NULL;
  g_autoptr (CsLabels) labels = NULL;
  CsModel *model;
  GError *error = NULL;

  path = shared != NULL ? g_build_filename (shared, "models",
                                            "mobilenet_v2_1.0_224_quant.tflite", NULL) : NULL;
  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("needs ../shared/models/mobilenet_v2_1.0_224_quant.tflite (CONVSCOPE_SHARED)");
      return;
    }
  model = cs_model_load_file (path, NULL, &error);
  g_assert_no_error (error);
  card = cs_card_load (model, path, NULL, &error);
  g_assert_no_error (error);
  /* uint8 input, 0 … 255 with scale 1/128 and zero point 128. */
  g_assert_cmpint (card->normalize, ==, CS_NORMALIZE_QUANTIZATION);
  g_assert_cmpfloat (card->quant.scale, ==, 1.0f / 128);
  g_assert_cmpint (card->quant.zero_point, ==, 128);
  g_assert_cmpint (card->quant.qmin, ==, 0);
  g_assert_cmpint (card->quant.qmax, ==, 255);
  g_assert_cmpint (card->width, ==, 224);
  g_assert_cmpstr (card->name, ==, "mobilenet_v2_1.0_224_quant");
  g_assert_cmpint (card->task, ==, CS_TASK_CLASSIFICATION);
  /* Softmax, then the rounding to the 8-bit output grid. */
  g_assert_true (card->probabilities);
  /* The labels come from the file's metadata, background first. */
  labels = cs_labels_for_card (card, model, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cs_labels_count (labels), ==, 1001);
  g_assert_cmpstr (cs_labels_source (labels), ==, "the model's metadata");
  g_assert_cmpstr (cs_labels_lookup (labels, 0), ==, "background");
  g_assert_cmpstr (cs_labels_lookup (labels, 89), ==, "macaw");
  cs_model_free (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/preprocess/plan/stretch", test_plan_stretch);
  g_test_add_func ("/preprocess/plan/crop", test_plan_crop);
  g_test_add_func ("/preprocess/plan/letterbox", test_plan_letterbox);
  g_test_add_func ("/preprocess/plan/bad-sizes", test_plan_bad_sizes);
  g_test_add_func ("/preprocess/fill/unit-rgb-bgr", test_fill_unit_rgb_bgr);
  g_test_add_func ("/preprocess/fill/mean-std", test_fill_mean_std);
  g_test_add_func ("/preprocess/fill/quantized", test_fill_quantized);
  g_test_add_func ("/preprocess/fill/gray", test_fill_gray);
  g_test_add_func ("/preprocess/fill/letterbox-and-hostile", test_fill_letterbox_and_hostile);
  g_test_add_func ("/preprocess/fill/grey", test_grey);
  g_test_add_func ("/preprocess/card/defaults", test_card_defaults);
  g_test_add_func ("/preprocess/card/full", test_card_full);
  g_test_add_func ("/preprocess/card/bad", test_card_bad);
  g_test_add_func ("/preprocess/card/unreadable", test_card_unreadable);
  g_test_add_func ("/preprocess/card/not-image", test_card_not_image);
  g_test_add_func ("/preprocess/labels/chain", test_labels_chain);
  g_test_add_func ("/preprocess/card/quantized-defaults", test_quantized_defaults);
  return g_test_run ();
}
