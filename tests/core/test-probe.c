/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-probe.c — the lecture's numbers (cs-lesson.h): receptive-field
 * boxes and the convolution at one pixel on small models worked out by
 * hand, dense equivalents and structure on the bundled model, and both
 * against PyTorch: the box of every point of make_probe_fixtures.py must
 * be the support of PyTorch's gradient on resnet18, googlenet,
 * mobilenet_v2, densenet121, vgg11's features and a tiny network of
 * every window kind,
 * and the probe's value the tapped one and PyTorch's, its weights those
 * of the layer's kernels laid out as maps.  The PyTorch
 * fixtures are in $CONVSCOPE_PROBE_FIXTURES (skipped without it); the
 * bundled model in $CONVSCOPE_WEIGHTS.
 */
#include <json-glib/json-glib.h>
#include <math.h>

#include "convscope.h"
#include "npy.h"
#include "onnx-fixture.h"
#include "tensor.h"

/* float32 summed in another order, nothing more; absolute near zero. */
#define VALUE_TOLERANCE 1e-5
#define VALUE_FLOOR 1e-7

static CsModel *
load_fixture (Fixture *f)
{
  g_autoptr (GBytes) bytes = fixture_pack (f);
  GError     *error = NULL;
  gsize       size;
  const void *data = g_bytes_get_data (bytes, &size);
  CsModel    *model = cs_model_load_memory (data, size, "probe.onnx", NULL, &error);

  g_assert_no_error (error);
  return model;
}

static Onnx__NodeProto *
add_conv (Fixture    *f,
          const char *name,
          const char *in,
          const char *weights,
          const char *out,
          int         kernel,
          int         stride,
          int         pad)
{
  const char      *io[] = { in, weights, NULL, out, NULL };
  const int64_t    kernel_shape[2] = { kernel, kernel };
  const int64_t    strides[2] = { stride, stride };
  const int64_t    pads[4] = { pad, pad, pad, pad };
  Onnx__NodeProto *node = add_node (f, "Conv", name, io);

  add_ints (f, node, "kernel_shape", 2, kernel_shape);
  add_ints (f, node, "strides", 2, strides);
  add_ints (f, node, "pads", 4, pads);
  return node;
}

/* On a 1×1×7×7 input: a Conv 3×3 stride 2 pad 1 ("border"); a Conv 2×2
 * stride 2 without padding ("short"), whose last window stops a row
 * before the image's end; and two stacked 3×3 pad 1 ("first",
 * "second"). */
static CsModel *
windows_model (void)
{
  g_autoptr (Fixture) f = fixture_new (13);
  const int64_t x_dims[4] = { 1, 1, 7, 7 };
  const int64_t w_dims[4] = { 1, 1, 3, 3 }, w2_dims[4] = { 1, 1, 2, 2 };

  add_input (f, "x", 4, x_dims);
  add_initializer (f, "w", 4, w_dims, 9 * 4, 1.0f);
  add_initializer (f, "w2", 4, w2_dims, 4 * 4, 1.0f);
  add_conv (f, "border", "x", "w", "b", 3, 2, 1);
  add_conv (f, "short", "x", "w2", "s", 2, 2, 0);
  add_conv (f, "first", "x", "w", "f1", 3, 1, 1);
  add_conv (f, "second", "f1", "w", "f2", 3, 1, 1);
  add_output (f, "b");
  add_output (f, "s");
  add_output (f, "f2");
  return load_fixture (f);
}

static void
assert_box (const CsModel *model,
            const char    *layer,
            int64_t        y,
            int64_t        x,
            const int64_t  expected_box[4],
            const int64_t  expected_image[4])
{
  CsReceptiveBox box;
  GError        *error = NULL;
  int            index = cs_model_find_layer (model, layer);

  g_assert_cmpint (index, >=, 0);
  g_assert_true (cs_model_receptive_box (model, index, 0, y, x, &box, &error));
  g_assert_no_error (error);
  g_assert_cmpint (box.y0, ==, expected_box[0]);
  g_assert_cmpint (box.x0, ==, expected_box[1]);
  g_assert_cmpint (box.y1, ==, expected_box[2]);
  g_assert_cmpint (box.x1, ==, expected_box[3]);
  g_assert_true (box.in_image);
  g_assert_cmpint (box.image_y0, ==, expected_image[0]);
  g_assert_cmpint (box.image_x0, ==, expected_image[1]);
  g_assert_cmpint (box.image_y1, ==, expected_image[2]);
  g_assert_cmpint (box.image_x1, ==, expected_image[3]);
}

static void
test_boxes_by_hand (void)
{
  g_autoptr (CsModel) model = windows_model ();
  CsReceptiveBox box;
  GError        *error = NULL;

  /* Output 0 reads rows −1 … 1, the first of them padding. */
  assert_box (model, "border", 0, 0, (int64_t[]){ -1, -1, 1, 1 }, (int64_t[]){ 0, 0, 1, 1 });
  /* Output 3 reads rows 5 … 7 of a 7-row image: row 7 is padding. */
  assert_box (model, "border", 3, 1, (int64_t[]){ 5, 1, 7, 3 }, (int64_t[]){ 5, 1, 6, 3 });
  /* ⌊(7 − 2) / 2⌋ + 1 = 3 outputs: the last reads rows 4 and 5, never 6. */
  assert_box (model, "short", 2, 2, (int64_t[]){ 4, 4, 5, 5 }, (int64_t[]){ 4, 4, 5, 5 });
  /* Stacked: the stacked windows reach two rows into the padding, but the
   * pixel depends on rows 0 … 2 only (row 3 through the second layer's
   * padding never arrives). */
  assert_box (model, "second", 0, 0, (int64_t[]){ -2, -2, 2, 2 }, (int64_t[]){ 0, 0, 2, 2 });
  assert_box (model, "second", 3, 6, (int64_t[]){ 1, 4, 5, 8 }, (int64_t[]){ 1, 4, 5, 6 });

  g_assert_false (cs_model_receptive_box (model, 0, 1, 0, 0, &box, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_model_receptive_box (model, 0, 0, 4, 0, &box, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_model_receptive_box (model, 4, 0, 0, 0, &box, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
}

/* One 2×2 convolution, pad 1, weights 1 2 / 3 4 and bias 0.5, then Relu,
 * on the 2×2 input 1 2 / 3 4. */
static void
test_conv_by_hand (void)
{
  g_autoptr (Fixture) f = fixture_new (13);
  const int64_t      x_dims[4] = { 1, 1, 2, 2 }, w_dims[4] = { 1, 1, 2, 2 }, b_dims[1] = { 1 };
  const char        *relu_io[] = { "c", NULL, "y", NULL };
  const char        *io[] = { "x", "w", "bias", NULL, "c", NULL };
  const int64_t      kernel[2] = { 2, 2 }, pads[4] = { 1, 1, 1, 1 };
  float              input_data[4] = { 1, 2, 3, 4 };
  CsTensor           input = { "x", CS_DTYPE_FLOAT32, { 4, { 1, 1, 2, 2 } }, input_data };
  Onnx__TensorProto *w;
  Onnx__NodeProto   *conv;
  g_autoptr (CsModel) model = NULL;
  g_autoptr (CsConvProbe) probe = NULL;
  CsTensor *kernels;
  GError   *error = NULL;

  add_input (f, "x", 4, x_dims);
  w = add_initializer (f, "w", 4, w_dims, 4 * 4, 0.0f);
  for (int i = 0; i < 4; i++)
    ((float *) w->raw_data.data)[i] = (float) (i + 1);
  add_initializer (f, "bias", 1, b_dims, 4, 0.5f);
  conv = add_node (f, "Conv", "conv", io);
  add_ints (f, conv, "kernel_shape", 2, kernel);
  add_ints (f, conv, "pads", 4, pads);
  add_node (f, "Relu", "relu", relu_io);
  add_output (f, "y");
  model = load_fixture (f);

  g_assert_cmpint (cs_model_layer_source (model, 0), ==, CS_LAYER_SOURCE_INPUT);
  probe = cs_conv_probe_new (model, 0, &input, 0, 0, 0, &error);
  g_assert_no_error (error);
  /* The window at (0, 0) starts at (−1, −1): only its last tap, weight 4,
   * lands on the image, on input 1. */
  g_assert_cmpint (probe->patch_y0, ==, -1);
  g_assert_cmpint (probe->patch_x0, ==, -1);
  for (int i = 0; i < 3; i++)
    {
      g_assert_true (probe->padding[i]);
      g_assert_cmpfloat (probe->patch[i], ==, 0.0f);
    }
  g_assert_false (probe->padding[3]);
  g_assert_cmpfloat (probe->patch[3], ==, 1.0f);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat (probe->weights[i], ==, (float) (i + 1));
  g_assert_cmpfloat (probe->products[3], ==, 4.0f);
  g_assert_cmpfloat (probe->sum, ==, 4.0);
  g_assert_cmpfloat (probe->bias, ==, 0.5f);
  g_assert_cmpfloat (probe->pre_activation, ==, 4.5f);
  g_assert_cmpfloat (probe->value, ==, 4.5f);
  g_assert_cmpstr (probe->activation, ==, "Relu");
  g_assert_false (probe->folded_batchnorm);
  g_clear_pointer (&probe, cs_conv_probe_free);

  /* (1, 1): every tap on the image, 1·1 + 2·2 + 3·3 + 4·4 = 30. */
  probe = cs_conv_probe_new (model, 0, &input, 0, 1, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (probe->sum, ==, 30.0);
  g_assert_cmpfloat (probe->value, ==, 30.5f);
  g_clear_pointer (&probe, cs_conv_probe_free);

  /* Its kernel laid out as one 2×2 map, named after the layer. */
  kernels = cs_model_conv_kernels (model, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kernels->name, ==, cs_model_layer (model, 0)->name);
  g_assert_cmpint (kernels->shape.rank, ==, 4);
  g_assert_cmpint (kernels->shape.dims[1], ==, 1);
  g_assert_cmpint (kernels->shape.dims[2], ==, 2);
  g_assert_cmpint (kernels->shape.dims[3], ==, 2);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat (((const float *) kernels->data)[i], ==, (float) (i + 1));
  cs_conv_kernels_free (kernels);

  /* Relu was fused: the model has one layer. */
  g_assert_null (cs_conv_probe_new (model, 1, &input, 0, 0, 0, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (cs_model_conv_kernels (model, 1, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (cs_conv_probe_new (model, 0, &input, 1, 0, 0, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (cs_conv_probe_new (model, 0, &input, 0, 3, 0, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  input.shape.dims[3] = 1;
  g_assert_null (cs_conv_probe_new (model, 0, &input, 0, 0, 0, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
}

static char *
weights_path (const char *name)
{
  return g_build_filename (g_getenv ("CONVSCOPE_WEIGHTS"), name, NULL);
}

/* The invariance lesson's shift, worked out by hand on two 3×4
 * channels holding 0 to 23: one row down and two columns left, the
 * uncovered row and columns repeating the edge; shapes that differ, or
 * no image, are refused. */
static void
test_input_shift (void)
{
  float       from[24], to[24];
  float       other[12];
  CsShape     image = { 4, { 1, 2, 3, 4 } };
  CsTensor    input = { "input", CS_DTYPE_FLOAT32, image, from };
  CsTensor    shifted = { "shifted", CS_DTYPE_FLOAT32, image, to };
  CsTensor    half = { "half", CS_DTYPE_FLOAT32, { 4, { 1, 1, 3, 4 } }, other };
  CsTensor    flat = { "flat", CS_DTYPE_FLOAT32, { 2, { 1, 24 } }, to };
  const float expected[24] = { 2,  3,  3,  3,  2,  3,  3,  3,  6,  7,  7,  7,
                               14, 15, 15, 15, 14, 15, 15, 15, 18, 19, 19, 19 };
  GError     *error = NULL;

  for (int i = 0; i < 24; i++)
    from[i] = (float) i;
  g_assert_true (cs_input_shift (&input, 1, -2, &shifted, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (to, sizeof to, expected, sizeof expected);
  /* Further than the picture: every pixel is the nearest corner's. */
  g_assert_true (cs_input_shift (&input, 9, 9, &shifted, &error));
  g_assert_cmpfloat (to[11], ==, 0.0f);
  g_assert_cmpfloat (to[23], ==, 12.0f);

  g_assert_false (cs_input_shift (&input, 1, 1, &half, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_input_shift (&flat, 1, 1, &flat, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
}

static void
test_structure (void)
{
  g_autofree char *path = weights_path ("fashion-mnist-cnn.onnx");
  g_autoptr (CsModel) model = NULL;
  CsReceptiveBox box;
  GError *error = NULL;
  /* 28×28 → 28, 14, 14, 7, 7, 3; then Flatten and two Gemms. */
  const int halvings[] = { 0, 1, 1, 2, 2, 3, -1, -1, -1 };

  /* The lecture's example: a 500×800 RGB image into 1,024 units. */
  g_assert_cmpint (cs_dense_weights (500 * 800 * 3, 1024), ==, 1228800000);
  g_assert_cmpint (cs_dense_weights (G_MAXINT64 / 2, 3), ==, -1);

  model = cs_model_load_file (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_model_n_layers (model), ==, G_N_ELEMENTS (halvings));
  g_assert_cmpint (cs_model_input_dense_weights (model, 1024), ==, 28 * 28 * 1024);
  /* The first conv maps 784 pixels to 32·28·28 values. */
  g_assert_cmpint (cs_model_layer_dense_weights (model, 0), ==, 784 * 25088);
  g_assert_cmpint (cs_model_layer_dense_weights (model, 8), ==, 128 * 10);
  g_assert_cmpint (cs_model_classifier_start (model), ==, 6);
  /* A MaxPool has no convolution to show, a Flatten no map. */
  g_assert_null (cs_conv_probe_new (model, 1, NULL, 0, 0, 0, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_model_receptive_box (model, 6, 0, 0, 0, &box, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  for (size_t i = 0; i < G_N_ELEMENTS (halvings); i++)
    g_assert_cmpint (cs_model_layer_halvings (model, i), ==, halvings[i]);
}

/* ---- Against PyTorch ---- */

static JsonObject *
read_fixture (JsonParser *parser, const char *dir, const char *network)
{
  g_autofree char *name = g_strconcat (network, ".json", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GError          *error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static CsModel *
load_network (const char *dir, const char *network)
{
  g_autofree char *name = g_strconcat (network, ".onnx", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GError          *error = NULL;
  CsModel         *model = cs_model_load_file (path, NULL, &error);

  g_assert_no_error (error);
  return model;
}

static int64_t
member_int (JsonObject *object, const char *member)
{
  return json_object_get_int_member (object, member);
}

/* The box inside the image is the support of PyTorch's gradient: it holds
 * it and each edge touches it.  The box goes on past the image only where
 * the support meets the border. */
static void
test_boxes_against_torch (gconstpointer data)
{
  const char *network = data;
  const char *dir = g_getenv ("CONVSCOPE_PROBE_FIXTURES");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (CsModel) model = NULL;
  JsonArray *points;
  int64_t    height, width;

  if (dir == NULL)
    {
      g_test_skip ("no PyTorch fixtures (CONVSCOPE_PROBE_FIXTURES unset: no Python with "
                   "torch, torchvision and onnx at build time)");
      return;
    }
  points = json_object_get_array_member (read_fixture (parser, dir, network), "points");
  model = load_network (dir, network);
  height = cs_model_input (model, 0)->shape.dims[2];
  width = cs_model_input (model, 0)->shape.dims[3];
  g_assert_cmpint (json_array_get_length (points), >, 0);
  for (guint i = 0; i < json_array_get_length (points); i++)
    {
      JsonObject    *point = json_array_get_object_element (points, i);
      JsonArray     *support = json_object_get_array_member (point, "support");
      const char    *layer = json_object_get_string_member (point, "layer");
      int            index = cs_model_find_layer (model, layer);
      CsReceptiveBox box;
      GError        *error = NULL;

      g_test_message ("%s: %s channel %" G_GINT64_FORMAT " at %" G_GINT64_FORMAT
                      ",%" G_GINT64_FORMAT,
                      network, layer, member_int (point, "channel"), member_int (point, "y"),
                      member_int (point, "x"));
      g_assert_cmpint (index, >=, 0);
      g_assert_true (cs_model_receptive_box (model, index, member_int (point, "channel"),
                                             member_int (point, "y"), member_int (point, "x"), &box,
                                             &error));
      g_assert_no_error (error);
      g_assert_true (box.in_image);
      g_assert_cmpint (box.image_y0, ==, json_array_get_int_element (support, 0));
      g_assert_cmpint (box.image_x0, ==, json_array_get_int_element (support, 1));
      g_assert_cmpint (box.image_y1, ==, json_array_get_int_element (support, 2));
      g_assert_cmpint (box.image_x1, ==, json_array_get_int_element (support, 3));
      g_assert_cmpint (box.y0, ==, box.image_y0 > 0 ? box.image_y0 : MIN (box.y0, 0));
      g_assert_cmpint (box.x0, ==, box.image_x0 > 0 ? box.image_x0 : MIN (box.x0, 0));
      g_assert_cmpint (box.y1, ==,
                       box.image_y1 < height - 1 ? box.image_y1 : MAX (box.y1, height - 1));
      g_assert_cmpint (box.x1, ==,
                       box.image_x1 < width - 1 ? box.image_x1 : MAX (box.x1, width - 1));
    }
}

static const CsTensor *
find_tap (const CsResult *result, const char *name)
{
  for (size_t i = 0; i < result->n_taps; i++)
    if (g_strcmp0 (result->taps[i].name, name) == 0)
      return &result->taps[i];
  g_assert_not_reached ();
}

static void
assert_close (double value, double reference)
{
  g_assert_cmpfloat (fabs (value - reference), <=,
                     VALUE_TOLERANCE * fabs (reference) + VALUE_FLOOR);
}

/* The value at each point equals the tap and PyTorch's output. */
/* The layer's kernels, laid out as maps, hold the probe's weights (the
 * folded ones where a BatchNorm was folded) for its output channel. */
static void
assert_kernels_as_probed (const CsModel *model, int layer, const CsConvProbe *probe)
{
  GError   *error = NULL;
  CsTensor *kernels = cs_model_conv_kernels (model, layer, &error);
  int64_t   taps = (int64_t) probe->kernel_h * probe->kernel_w;
  int64_t   n = probe->n_channels * taps;

  g_assert_no_error (error);
  g_assert_cmpint (kernels->shape.dims[1], ==,
                   cs_model_layer (model, layer)->out_shape.dims[1] * probe->n_channels);
  g_assert_cmpint (kernels->shape.dims[2] * kernels->shape.dims[3], ==, taps);
  g_assert_cmpmem ((const float *) kernels->data + probe->channel * n, n * sizeof (float),
                   probe->weights, n * sizeof (float));
  cs_conv_kernels_free (kernels);
}

static void
test_values_against_torch (void)
{
  const char *dir = g_getenv ("CONVSCOPE_PROBE_FIXTURES");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (CsModel) model = NULL;
  g_autoptr (CsSession) session = NULL;
  g_autoptr (CsResult) result = NULL;
  g_autofree char *input_path = NULL;
  CsTensor         input = { 0 };
  JsonArray       *values;
  GError          *error = NULL;
  CsRunOptions     options = { .tap_all = TRUE };
  gboolean         folded = FALSE;

  if (dir == NULL)
    {
      g_test_skip ("no PyTorch fixtures (CONVSCOPE_PROBE_FIXTURES unset)");
      return;
    }
  values = json_object_get_array_member (read_fixture (parser, dir, "tiny"), "values");
  model = load_network (dir, "tiny");
  input_path = g_build_filename (dir, "tiny.input.npy", NULL);
  g_assert_true (npy_read_file (input_path, &input, &error));
  session = cs_session_new (model, 1, &error);
  g_assert_no_error (error);
  g_assert_true (cs_session_run (session, &input, 1, &options, &result, &error));
  g_assert_no_error (error);

  g_assert_cmpint (json_array_get_length (values), ==, 15);
  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      JsonObject     *point = json_array_get_object_element (values, i);
      const char     *layer = json_object_get_string_member (point, "layer");
      int             index = cs_model_find_layer (model, layer);
      int             source = cs_model_layer_source (model, index);
      int64_t         c = member_int (point, "channel"), y = member_int (point, "y");
      int64_t         x = member_int (point, "x");
      const CsTensor *tap = find_tap (result, layer);
      const CsTensor *fed =
          source >= 0 ? find_tap (result, cs_model_layer (model, source)->name) : &input;
      g_autoptr (CsConvProbe) probe = cs_conv_probe_new (model, index, fed, c, y, x, &error);
      float tapped =
          ((const float *) tap->data)[(c * tap->shape.dims[2] + y) * tap->shape.dims[3] + x];

      g_assert_cmpint (source, !=, CS_LAYER_SOURCE_NONE);
      g_test_message ("%s channel %" G_GINT64_FORMAT " at %" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                      ": %.9g, tapped %.9g, PyTorch %.9g",
                      layer, c, y, x, probe != NULL ? probe->value : NAN, tapped,
                      json_object_get_double_member (point, "torch"));
      g_assert_no_error (error);
      assert_close (probe->value, tapped);
      assert_close (probe->value, json_object_get_double_member (point, "torch"));
      assert_close (probe->pre_activation, probe->sum + probe->bias);
      folded |= probe->folded_batchnorm;
      assert_kernels_as_probed (model, index, probe);
    }
  /* plain, dilated and depthwise have a BatchNorm folded in. */
  g_assert_true (folded);
  cli_tensor_clear (&input);
}

int
main (int argc, char **argv)
{
  static const char *const networks[] = {
    "tiny", "resnet18", "googlenet", "mobilenet_v2", "densenet121", "vgg11",
  };

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("CONVSCOPE_WEIGHTS") == NULL)
    g_setenv ("CONVSCOPE_WEIGHTS", "weights", FALSE);
  g_test_add_func ("/probe/boxes-by-hand", test_boxes_by_hand);
  g_test_add_func ("/probe/conv-by-hand", test_conv_by_hand);
  g_test_add_func ("/probe/structure", test_structure);
  g_test_add_func ("/probe/input-shift", test_input_shift);
  for (size_t i = 0; i < G_N_ELEMENTS (networks); i++)
    {
      g_autofree char *path = g_strconcat ("/probe/torch-boxes/", networks[i], NULL);

      g_test_add_data_func (path, networks[i], test_boxes_against_torch);
    }
  g_test_add_func ("/probe/torch-values", test_values_against_torch);
  return g_test_run ();
}
