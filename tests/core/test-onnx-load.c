/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-onnx-load.c — the ONNX importer against broken and hostile files,
 * through the public API.  Small models are built in memory
 * (onnx-fixture.h) so the test needs nothing else; each broken one must
 * fail with the right CS_ERROR code and a message naming the problem, and
 * mangled files (truncated, bit-flipped, absurdly nested) must never crash.
 */
#include "convscope.h"
#include "model.h"
#include "onnx-fixture.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include <glib/gstdio.h>

#define NODE_TEST_MODEL \
  "/usr/share/libonnx-testdata/data/node/test_conv_with_strides_padding/model.onnx"

static const int64_t image_dims[] = { 1, 1, 4, 4 };
static const int64_t kernel_dims[] = { 1, 1, 3, 3 };

/* X (1×1×4×4) → Conv with 3×3 ones, padding 1 → Y: every output counts
 * the input pixels its window covers. */
static Fixture *
conv_fixture (Onnx__NodeProto **conv)
{
  static const char *const io[] = { "X", "W", NULL, "Y", NULL };
  static const int64_t kernel[] = { 3, 3 }, pads[] = { 1, 1, 1, 1 };
  Fixture *f = fixture_new (13);

  add_input (f, "X", 4, image_dims);
  add_initializer (f, "W", 4, kernel_dims, 9 * sizeof (float), 1.0f);
  Onnx__NodeProto *node = add_node (f, "Conv", "conv1", io);
  add_ints (f, node, "kernel_shape", 2, kernel);
  add_ints (f, node, "pads", 4, pads);
  add_output (f, "Y");
  if (conv != NULL)
    *conv = node;
  return f;
}

/* ---- Loading and checking ---- */

static CsModel *
load_bytes (GBytes              *bytes,
            const CsLoadOptions *options,
            GError             **error)
{
  gsize size;
  const void *data = g_bytes_get_data (bytes, &size);

  return cs_model_load_memory (data, size, "fixture.onnx", options, error);
}

/* Loads @bytes expecting failure with @code and a message containing each
 * of the NULL-terminated @fragments. */
static void
assert_load_fails (GBytes              *bytes,
                   const CsLoadOptions *options,
                   CsErrorCode          code,
                   ...)
{
  g_autoptr (GError) error = NULL;
  CsModel *model = load_bytes (bytes, options, &error);
  va_list args;
  const char *fragment;

  g_assert_null (model);
  g_assert_error (error, CS_ERROR, (gint) code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "fixture.onnx: "));
  va_start (args, code);
  while ((fragment = va_arg (args, const char *)) != NULL)
    if (strstr (error->message, fragment) == NULL)
      g_error ("message \"%s\" does not mention \"%s\"", error->message, fragment);
  va_end (args);
}

/* Runs a model on one input holding @values; the caller frees the
 * result. */
static CsResult *
run_values (const CsModel *model,
            const float   *values)
{
  g_autoptr (GError) error = NULL;
  const CsTensor *declared = cs_model_input (model, 0);
  CsTensor input = { declared->name, CS_DTYPE_FLOAT32, declared->shape, (float *) values };
  CsResult *result = NULL;

  CsSession *session = cs_session_new (model, 1, &error);
  g_assert_no_error (error);
  g_assert_true (cs_session_run (session, &input, 1, NULL, &result, &error));
  g_assert_no_error (error);
  cs_session_free (session);
  return result;
}

/* The same on an input of all @fill. */
static CsResult *
run_filled (const CsModel *model,
            float          fill)
{
  const CsTensor *declared = cs_model_input (model, 0);
  int64_t n = cs_shape_numel (&declared->shape);
  g_autofree float *values = g_new (float, MAX (n, 1));

  for (int64_t i = 0; i < n; i++)
    values[i] = fill;
  return run_values (model, values);
}

/* What conv_fixture gives for an input of ones. */
static const float window_counts[16] = { 4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4 };

static void
test_valid (void)
{
  g_autoptr (Fixture) f = conv_fixture (NULL);
  g_autoptr (GBytes) bytes = fixture_pack (f);
  g_autoptr (GError) error = NULL;
  CsModel *model = load_bytes (bytes, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (cs_model_n_inputs (model), ==, 1);
  g_assert_cmpstr (cs_model_input (model, 0)->name, ==, "X");
  g_assert_cmpuint (cs_model_n_outputs (model), ==, 1);
  g_assert_cmpstr (cs_model_output (model, 0)->name, ==, "Y");

  CsResult *result = run_filled (model, 1.0f);
  g_assert_cmpint (result->outputs[0].shape.rank, ==, 4);
  g_assert_cmpint (result->outputs[0].shape.dims[2], ==, 4);
  const float *y = result->outputs[0].data;
  for (int i = 0; i < 16; i++)
    g_assert_cmpfloat (y[i], ==, window_counts[i]);
  cs_result_free (result);
  cs_model_free (model);
}

static void
test_empty (void)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static ("", 0);

  assert_load_fails (bytes, NULL, CS_ERROR_FORMAT, NULL);
}

/* Files are mapped, not read: what cannot be mapped still fails with a
 * message naming the file. */
static void
test_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("convscope-load-XXXXXX", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty.onnx", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.onnx", NULL);
  GError *error = NULL;

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_null (cs_model_load_file (empty, NULL, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "empty.onnx: the file is empty"));
  g_clear_error (&error);

  g_assert_null (cs_model_load_file (missing, NULL, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.onnx"));
  g_clear_error (&error);

  g_assert_null (cs_model_load_file (dir, NULL, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_IO);
  g_assert_cmpstr (strstr (error->message, ": not a regular file"), ==, ": not a regular file");
  g_clear_error (&error);

  g_assert_cmpint (g_remove (empty), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_random_bytes (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20240601);

  for (int round = 0; round < 64; round++)
    {
      gsize size = g_rand_int_range (rand, 16, 4096);
      guint8 *data = g_malloc (size);
      for (gsize i = 0; i < size; i++)
        data[i] = (guint8) g_rand_int (rand);
      g_autoptr (GBytes) bytes = g_bytes_new_take (data, size);
      assert_load_fails (bytes, NULL, CS_ERROR_FORMAT, "not a valid ONNX file", NULL);
    }
}

/* Every proper prefix of a real model is a truncated file. */
static void
check_truncations (GBytes *whole)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (whole, &size);

  for (gsize cut = 0; cut < size; cut++)
    {
      g_autoptr (GBytes) bytes = g_bytes_new_static (data, cut);
      g_autoptr (GError) error = NULL;
      CsModel *model = load_bytes (bytes, NULL, &error);

      g_assert_null (model);
      g_assert_error (error, CS_ERROR, CS_ERROR_FORMAT);
    }
}

static void
test_truncated (void)
{
  g_autoptr (Fixture) f = conv_fixture (NULL);
  g_autoptr (GBytes) built = fixture_pack (f);
  g_autofree char *contents = NULL;
  gsize length;

  check_truncations (built);
  if (!g_file_get_contents (NODE_TEST_MODEL, &contents, &length, NULL))
    {
      g_test_skip ("no ONNX node test model to cut (libonnx-testdata)");
      return;
    }
  g_autoptr (GBytes) real = g_bytes_new_static (contents, length);
  check_truncations (real);
}

/* Flipping any single bit must give an error or a model that runs. */
static void
test_bit_flips (void)
{
  g_autoptr (Fixture) f = conv_fixture (NULL);
  g_autoptr (GBytes) whole = fixture_pack (f);
  gsize size;
  const guint8 *original = g_bytes_get_data (whole, &size);
  int loaded = 0, refused = 0;

  for (gsize bit = 0; bit < size * 8; bit++)
    {
      guint8 *data = g_memdup2 (original, size);
      data[bit / 8] ^= (guint8) (1u << (bit % 8));
      g_autoptr (GBytes) bytes = g_bytes_new_take (data, size);
      g_autoptr (GError) error = NULL;
      CsModel *model = load_bytes (bytes, NULL, &error);

      if (model == NULL)
        {
          g_assert_true (error != NULL && error->domain == CS_ERROR && error->message[0] != '\0');
          refused++;
          continue;
        }
      loaded++;
      if (cs_model_n_inputs (model) == 1
          && cs_shape_numel (&cs_model_input (model, 0)->shape) <= 1 << 16)
        cs_result_free (run_filled (model, 0.5f));
      cs_model_free (model);
    }
  g_test_message ("%d flips loaded, %d refused", loaded, refused);
  g_assert_cmpint (refused, >, 0);
}

static void
test_raw_data_length (void)
{
  g_autoptr (Fixture) f = conv_fixture (NULL);
  Onnx__TensorProto *weights = f->initializers->pdata[0];

  weights->raw_data.len = 8 * sizeof (float);
  g_autoptr (GBytes) bytes = fixture_pack (f);
  assert_load_fails (bytes, NULL, CS_ERROR_FORMAT, "initializer 'W'", "raw_data", "36", NULL);
}

static void
test_missing_input (void)
{
  Onnx__NodeProto *conv;
  g_autoptr (Fixture) f = conv_fixture (&conv);

  conv->input[1] = "Z";
  g_autoptr (GBytes) bytes = fixture_pack (f);
  assert_load_fails (bytes, NULL, CS_ERROR_INVALID, "'conv1'", "'Z'", NULL);
}

/* Every op the engine lacks is named at once, with its count: by count,
 * most first, then by name; another domain's ops under their full name. */
static void
test_unsupported_ops (void)
{
  static const char *const chain[][4] = {
    { "Y", NULL, "A", NULL }, { "A", NULL, "B", NULL }, { "B", NULL, "C", NULL },
    { "C", NULL, "D", NULL }, { "D", NULL, "Z", NULL },
  };
  static const char *const ops[] = { "FooBar", "Einsum", "FooBar", "FusedConv", "Einsum" };
  g_autoptr (Fixture) f = conv_fixture (NULL);
  g_autoptr (GError) error = NULL;

  for (size_t i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      Onnx__NodeProto *node = add_node (f, ops[i], NULL, chain[i]);

      if (strcmp (ops[i], "FusedConv") == 0)
        node->domain = "com.microsoft";
    }
  g_ptr_array_set_size (f->outputs, 0);
  add_output (f, "Z");
  g_autoptr (GBytes) bytes = fixture_pack (f);
  g_assert_null (load_bytes (bytes, NULL, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED);
  g_assert_cmpstr (error->message, ==,
                   "fixture.onnx: 3 ops not supported: Einsum ×2, FooBar ×2, "
                   "com.microsoft.FusedConv ×1");
}

static void
test_unsupported_dtype (void)
{
  g_autoptr (Fixture) f = conv_fixture (NULL);
  Onnx__TensorProto *weights = f->initializers->pdata[0];

  weights->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE;
  g_autoptr (GBytes) bytes = fixture_pack (f);
  assert_load_fails (bytes, NULL, CS_ERROR_UNSUPPORTED, "'W'", "DOUBLE", NULL);
}

static void
test_external_data (void)
{
  g_autoptr (Fixture) f = conv_fixture (NULL);
  Onnx__TensorProto *weights = f->initializers->pdata[0];

  weights->has_data_location = TRUE;
  weights->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  g_autoptr (GBytes) bytes = fixture_pack (f);
  assert_load_fails (bytes, NULL, CS_ERROR_UNSUPPORTED, "'W'", "external", NULL);
}

static void
test_conv_3d (void)
{
  static const int64_t kernel[] = { 3, 3, 3 };
  Onnx__NodeProto *conv;
  g_autoptr (Fixture) f = conv_fixture (&conv);

  conv->attribute[0]->n_ints = 3;
  conv->attribute[0]->ints = (int64_t *) kernel;
  g_autoptr (GBytes) bytes = fixture_pack (f);
  assert_load_fails (bytes, NULL, CS_ERROR_UNSUPPORTED, "'conv1'", "3 spatial axes", NULL);
}

static void
test_zero_stride (void)
{
  static const int64_t strides[] = { 1, 0 };
  Onnx__NodeProto *conv;
  g_autoptr (Fixture) f = conv_fixture (&conv);

  add_ints (f, conv, "strides", 2, strides);
  g_autoptr (GBytes) bytes = fixture_pack (f);
  assert_load_fails (bytes, NULL, CS_ERROR_INVALID, "'conv1'", "'strides'", NULL);
}

static void
test_wrong_attribute_type (void)
{
  Onnx__NodeProto *conv;
  g_autoptr (Fixture) f = conv_fixture (&conv);

  add_int (f, conv, "dilations", 2);
  g_autoptr (GBytes) bytes = fixture_pack (f);
  assert_load_fails (bytes, NULL, CS_ERROR_INVALID, "'dilations'", "INTS", NULL);
}

static void
test_used_dropout_mask (void)
{
  static const char *const io[] = { "Y", NULL, "D", "mask", NULL };
  g_autoptr (Fixture) f = conv_fixture (NULL);

  add_node (f, "Dropout", "drop", io);
  add_output (f, "mask");
  g_autoptr (GBytes) bytes = fixture_pack (f);
  assert_load_fails (bytes, NULL, CS_ERROR_UNSUPPORTED, "'drop'", "'mask'", NULL);
}

static void
test_bindings (void)
{
  g_autoptr (Fixture) f = conv_fixture (NULL);
  g_autoptr (GBytes) bytes = fixture_pack (f);
  float values[16] = { 0 };
  CsTensor wrong_shape = { "X", CS_DTYPE_FLOAT32, { 4, { 1, 1, 4, 5 } }, values };
  CsTensor unknown = { "nothing", CS_DTYPE_FLOAT32, { 4, { 1, 1, 4, 4 } }, values };
  CsLoadOptions options = { 0, &wrong_shape, 1 };

  assert_load_fails (bytes, &options, CS_ERROR_ARGUMENT, "'X'", "1×1×4×5", NULL);
  options.bind = &unknown;
  assert_load_fails (bytes, &options, CS_ERROR_ARGUMENT, "'nothing'", NULL);
}

/* Files before IR version 4 list initializers among the graph inputs;
 * binding such an input replaces the weights. */
static void
test_bind_initializer (void)
{
  float twos[9] = { 2, 2, 2, 2, 2, 2, 2, 2, 2 };
  CsTensor weights = { "W", CS_DTYPE_FLOAT32, { 4, { 1, 1, 3, 3 } }, twos };
  g_autoptr (Fixture) f = conv_fixture (NULL);
  g_autoptr (GError) error = NULL;

  add_input (f, "W", 4, kernel_dims);
  g_autoptr (GBytes) bytes = fixture_pack (f);
  for (int bound = 0; bound <= 1; bound++)
    {
      CsLoadOptions options = { 0, &weights, bound };
      CsModel *model = load_bytes (bytes, &options, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (cs_model_n_inputs (model), ==, 1);
      CsResult *result = run_filled (model, 1.0f);
      const float *y = result->outputs[0].data;
      for (int i = 0; i < 16; i++)
        g_assert_cmpfloat (y[i], ==, window_counts[i] * (bound ? 2 : 1));
      cs_result_free (result);
      cs_model_free (model);
    }
}

static int
varint_size (guint64 value)
{
  int n = 1;

  for (; value > 0x7f; value >>= 7)
    n++;
  return n;
}

/* Appends a length-delimited field header: @tag, then @length. */
static void
append_header (GByteArray *bytes,
               guint8      tag,
               guint64     length)
{
  g_byte_array_append (bytes, &tag, 1);
  for (;; length >>= 7)
    {
      guint8 byte = (guint8) ((length & 0x7f) | (length > 0x7f ? 0x80 : 0));
      g_byte_array_append (bytes, &byte, 1);
      if (length <= 0x7f)
        break;
    }
}

static void
test_free_dims (void)
{
  static const int64_t dims[] = { -1, 1, 4, 4 };
  g_autoptr (Fixture) f = conv_fixture (NULL);
  g_autoptr (GError) error = NULL;

  g_ptr_array_set_size (f->inputs, 0);
  add_input (f, "X", 4, dims);
  g_autoptr (GBytes) bytes = fixture_pack (f);
  for (int64_t free_dim = 0; free_dim <= 3; free_dim++)
    {
      CsLoadOptions options = { free_dim, NULL, 0 };
      CsModel *model = load_bytes (bytes, &options, &error);

      g_assert_no_error (error);
      g_assert_cmpint (cs_model_input (model, 0)->shape.dims[0], ==, MAX (free_dim, 1));
      g_assert_cmpint (cs_model_output (model, 0)->shape.dims[0], ==, MAX (free_dim, 1));
      cs_model_free (model);
    }
}

/* Nesting graphs in attributes 100 000 deep: protobuf-c alone would
 * recurse until the stack runs out. */
static void
test_deep_nesting (void)
{
  /* From the outside in: GraphProto.node = 1, NodeProto.attribute = 5,
   * AttributeProto.g = 6, and again. */
  static const guint8 tags[] = { 0x0a, 0x2a, 0x32 };
  enum { DEPTH = 100000 };
  g_autofree guint64 *size = g_new (guint64, DEPTH + 1);
  GByteArray *model = g_byte_array_new ();

  /* size[k]: bytes of the innermost k levels. */
  size[0] = 0;
  for (int k = 1; k <= DEPTH; k++)
    size[k] = 1 + varint_size (size[k - 1]) + size[k - 1];
  append_header (model, 0x3a, size[DEPTH]);  /* ModelProto.graph = 7 */
  for (int k = DEPTH; k >= 1; k--)
    append_header (model, tags[(DEPTH - k) % 3], size[k - 1]);

  g_autoptr (GBytes) bytes = g_byte_array_free_to_bytes (model);
  assert_load_fails (bytes, NULL, CS_ERROR_FORMAT, "not a valid ONNX file", NULL);
}

/* Before opset 13 Softmax normalizes over everything from the axis on;
 * since, over the axis alone. */
static void
test_softmax_opset (void)
{
  static const char *const io[] = { "X", NULL, "Y", NULL };
  static const int64_t dims[] = { 1, 2, 3 };
  static const struct { int64_t opset; float expected; } cases[] = { { 11, 1.0f / 6 }, { 13, 0.5f } };

  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (Fixture) f = fixture_new (cases[c].opset);
      g_autoptr (GError) error = NULL;

      add_input (f, "X", 3, dims);
      add_int (f, add_node (f, "Softmax", "softmax", io), "axis", 1);
      add_output (f, "Y");
      g_autoptr (GBytes) bytes = fixture_pack (f);
      CsModel *model = load_bytes (bytes, NULL, &error);
      g_assert_no_error (error);

      CsResult *result = run_filled (model, 2.0f);
      const float *y = result->outputs[0].data;
      for (int i = 0; i < 6; i++)
        g_assert_cmpfloat_with_epsilon (y[i], cases[c].expected, 1e-6);
      cs_result_free (result);
      cs_model_free (model);
    }
}

/* Opset 4: Pad, Slice, Clip and Reshape all take as attributes what
 * later opsets pass as inputs. */
static void
test_legacy_attributes (void)
{
  static const char *const pad_io[] = { "X", NULL, "padded", NULL };
  static const char *const slice_io[] = { "padded", NULL, "corner", NULL };
  static const char *const clip_io[] = { "corner", NULL, "clipped", NULL };
  static const char *const reshape_io[] = { "clipped", NULL, "Y", NULL };
  static const int64_t pads[] = { 0, 0, 1, 1, 0, 0, 1, 1 };
  static const int64_t starts[] = { 0, 0 }, ends[] = { 3, 3 }, axes[] = { 2, 3 };
  static const int64_t flat[] = { 1, 9 };
  static const float expected[] = { 1.5, 1.5, 1.5, 1.5, 1.75, 1.75, 1.5, 1.75, 1.75 };
  g_autoptr (Fixture) f = fixture_new (4);
  g_autoptr (GError) error = NULL;
  Onnx__NodeProto *node;

  add_input (f, "X", 4, image_dims);
  node = add_node (f, "Pad", "pad", pad_io);
  add_ints (f, node, "pads", G_N_ELEMENTS (pads), pads);
  add_float (f, node, "value", 1.5f);
  node = add_node (f, "Slice", "slice", slice_io);
  add_ints (f, node, "starts", 2, starts);
  add_ints (f, node, "ends", 2, ends);
  add_ints (f, node, "axes", 2, axes);
  node = add_node (f, "Clip", "clip", clip_io);
  add_float (f, node, "min", 0.0f);
  add_float (f, node, "max", 1.75f);
  add_ints (f, add_node (f, "Reshape", "reshape", reshape_io), "shape", 2, flat);
  add_output (f, "Y");

  g_autoptr (GBytes) bytes = fixture_pack (f);
  CsModel *model = load_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  CsResult *result = run_filled (model, 2.0f);
  g_assert_cmpint (result->outputs[0].shape.rank, ==, 2);
  g_assert_cmpint (result->outputs[0].shape.dims[1], ==, 9);
  const float *y = result->outputs[0].data;
  for (int i = 0; i < 9; i++)
    g_assert_cmpfloat (y[i], ==, expected[i]);
  cs_result_free (result);
  cs_model_free (model);
}

/* @f loaded into *@model, and a session of one thread on it; the caller
 * frees both. */
static CsSession *
load_session (Fixture *f, CsModel **model)
{
  g_autoptr (GBytes) bytes = fixture_pack (f);
  g_autoptr (GError) error = NULL;
  CsSession *session;

  *model = load_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  session = cs_session_new (*model, 1, &error);
  g_assert_no_error (error);
  return session;
}

/* Reshapes share memory with their input where it dies there (a session
 * detail no output may show).  Relu → Sigmoid → Reshape, the Sigmoid's
 * output dying at the Reshape, whose output a Neg and an Add read after
 * it: the Neg, the first to take memory after the Reshape, must not
 * overwrite it (−b + b = 0).  Then a Reshape of the Relu's output, which
 * the last Add reads again: relu(x) + σ(relu(x)).  The same with no taps,
 * with every layer tapped and with only the reshapes tapped, and the
 * taps hold what each layer computed. */
static void
test_reshape_shares_memory (void)
{
  static const char *const relu_io[] = { "X", NULL, "R", NULL };
  static const char *const sigmoid_io[] = { "R", NULL, "S", NULL };
  static const char *const back_io[] = { "S", "flat_shape", NULL, "B", NULL };
  static const char *const neg_io[] = { "B", NULL, "N", NULL };
  static const char *const cancel_io[] = { "N", "B", NULL, "Z", NULL };
  static const char *const flat_io[] = { "R", "flat_shape", NULL, "F", NULL };
  static const char *const add_io[] = { "F", "B", NULL, "Y", NULL };
  static const int64_t dims[] = { 1, 2, 3, 4 }, flat[] = { 1, 24 };
  static const char *const reshapes[] = { "back", "flat", NULL };
  g_autoptr (Fixture) f = fixture_new (13);
  g_autoptr (GError) error = NULL;
  float x[24];

  add_input (f, "X", 4, dims);
  add_int64_initializer (f, "flat_shape", flat, 2, FALSE);
  add_node (f, "Relu", "relu", relu_io);
  add_node (f, "Sigmoid", "sigmoid", sigmoid_io);
  add_node (f, "Reshape", "back", back_io);
  add_node (f, "Neg", "neg", neg_io);
  add_node (f, "Add", "cancel", cancel_io);
  add_node (f, "Reshape", "flat", flat_io);
  add_node (f, "Add", "add", add_io);
  add_output (f, "Y");
  add_output (f, "Z");
  for (int i = 0; i < 24; i++)
    x[i] = (float) (i % 7) - 3.0f;

  CsModel *model = NULL;
  CsSession *session = load_session (f, &model);
  const CsTensor input = { "X", CS_DTYPE_FLOAT32, { 4, { 1, 2, 3, 4 } }, x };

  for (int taps = 0; taps < 3; taps++)
    {
      const CsRunOptions options = { taps == 1, taps == 2 ? reshapes : NULL };
      CsResult *result = NULL;

      g_assert_true (cs_session_run (session, &input, 1, &options, &result, &error));
      g_assert_no_error (error);
      g_assert_cmpint (result->n_taps, ==, taps == 0 ? 0 : taps == 1 ? 7 : 2);
      for (int i = 0; i < 24; i++)
        {
          const double relu = MAX (x[i], 0.0f);
          const double sigma = 1.0 / (1.0 + exp (-relu));

          g_assert_cmpfloat_with_epsilon (((const float *) result->outputs[0].data)[i],
                                          relu + sigma, 1e-6);
          g_assert_cmpfloat (((const float *) result->outputs[1].data)[i], ==, 0.0f);
          for (size_t t = 0; t < result->n_taps; t++)
            {
              const char *name = result->taps[t].name;
              const double want = strcmp (name, "relu") == 0 || strcmp (name, "flat") == 0
                                      ? relu
                                  : strcmp (name, "add") == 0    ? relu + sigma
                                  : strcmp (name, "neg") == 0    ? -sigma
                                  : strcmp (name, "cancel") == 0 ? 0.0
                                                                 : sigma;

              g_assert_cmpfloat_with_epsilon (((const float *) result->taps[t].data)[i], want,
                                              1e-6);
            }
        }
      cs_result_free (result);
    }
  cs_session_free (session);
  cs_model_free (model);
}

/* An elementwise Add or Sum writes over an input of its size that dies
 * there (a session detail no output may show), only input 0 or 1: a Sum
 * of three adds the third after writing the first two's sum.  Relu →
 * Sigmoid → Neg, then Add (σ, relu) over σ, dead there; Sum (x, relu,
 * −σ), whose third input dies there and must stay apart; Sum of the two
 * and relu: x + 3·relu(x).  The same with no taps and with every layer
 * tapped. */
static void
test_binary_shares_memory (void)
{
  static const char *const relu_io[] = { "X", NULL, "R", NULL };
  static const char *const sigmoid_io[] = { "R", NULL, "S", NULL };
  static const char *const neg_io[] = { "S", NULL, "N", NULL };
  static const char *const add_io[] = { "S", "R", NULL, "A", NULL };
  static const char *const three_io[] = { "X", "R", "N", NULL, "T", NULL };
  static const char *const sum_io[] = { "T", "A", "R", NULL, "Y", NULL };
  static const int64_t dims[] = { 1, 2, 3, 4 };
  g_autoptr (Fixture) f = fixture_new (13);
  g_autoptr (GError) error = NULL;
  float x[24];

  add_input (f, "X", 4, dims);
  add_node (f, "Relu", "relu", relu_io);
  add_node (f, "Sigmoid", "sigmoid", sigmoid_io);
  add_node (f, "Neg", "neg", neg_io);
  add_node (f, "Add", "add", add_io);
  add_node (f, "Sum", "three", three_io);
  add_node (f, "Sum", "sum", sum_io);
  add_output (f, "Y");
  for (int i = 0; i < 24; i++)
    x[i] = (float) (i % 7) - 3.0f;

  CsModel *model = NULL;
  CsSession *session = load_session (f, &model);
  const CsTensor input = { "X", CS_DTYPE_FLOAT32, { 4, { 1, 2, 3, 4 } }, x };

  for (int taps = 0; taps < 2; taps++)
    {
      const CsRunOptions options = { .tap_all = taps == 1 };
      CsResult *result = NULL;

      g_assert_true (cs_session_run (session, &input, 1, &options, &result, &error));
      g_assert_no_error (error);
      for (int i = 0; i < 24; i++)
        g_assert_cmpfloat_with_epsilon (((const float *) result->outputs[0].data)[i],
                                        x[i] + 3.0 * MAX (x[i], 0.0f), 1e-6);
      cs_result_free (result);
    }
  cs_session_free (session);
  cs_model_free (model);
}

/* A Concat's parts are written in their places in its output, which
 * then copies none of them (a session detail no output may show), where
 * the Concat is the last to read them: of Concat (relu, eˣ, x, −x, σ, σ,
 * tanh, |x|) on channels, relu, eˣ and tanh lie in the output's memory,
 * not x (a graph input), −x (an Add reads it after), σ (read twice) or
 * |x| (the output of an Identity, which takes the memory of its input);
 * and an earlier Concat (relu, eˣ), whose parts lie so in the later one,
 * is a view of its memory.  Outputs: the Flatten of the later Concat,
 * −x − x and the negated earlier Concat, with no taps and with every
 * layer tapped; and with a batch of two, where a part is no run of the
 * whole, nothing is placed. */
static void
test_concat_parts_in_place (void)
{
  static const char *const relu_io[] = { "X", NULL, "R", NULL };
  static const char *const exp_io[] = { "X", NULL, "E", NULL };
  static const char *const neg_io[] = { "X", NULL, "N", NULL };
  static const char *const sigmoid_io[] = { "X", NULL, "S", NULL };
  static const char *const tanh_io[] = { "X", NULL, "T", NULL };
  static const char *const abs_io[] = { "X", NULL, "A", NULL };
  static const char *const identity_io[] = { "A", NULL, "I", NULL };
  static const char *const view_io[] = { "R", "E", NULL, "V", NULL };
  static const char *const negate_view_io[] = { "V", NULL, "Q", NULL };
  static const char *const concat_io[] = { "R", "E", "X", "N", "S", "S", "T", "I", NULL,
                                           "C", NULL };
  static const char *const flatten_io[] = { "C", NULL, "Y", NULL };
  static const char *const add_io[] = { "N", "N", NULL, "Z", NULL };

  for (int64_t batch = 1; batch <= 2; batch++)
    {
      const int64_t dims[] = { batch, 2, 3, 4 };
      const int64_t n = batch * 24;
      g_autoptr (Fixture) f = fixture_new (13);
      g_autoptr (GError) error = NULL;
      g_autofree float *x = g_new (float, n);
      CsModel *model = NULL;
      CsSession *session;
      Onnx__NodeProto *node;
      float *whole;

      add_input (f, "X", 4, dims);
      add_node (f, "Relu", "relu", relu_io);
      add_node (f, "Exp", "exp", exp_io);
      add_node (f, "Neg", "neg", neg_io);
      add_node (f, "Sigmoid", "sigmoid", sigmoid_io);
      add_node (f, "Tanh", "tanh", tanh_io);
      add_node (f, "Abs", "abs", abs_io);
      add_node (f, "Identity", "identity", identity_io);
      node = add_node (f, "Concat", "view", view_io);
      add_int (f, node, "axis", 1);
      add_node (f, "Neg", "negate_view", negate_view_io);
      node = add_node (f, "Concat", "concat", concat_io);
      add_int (f, node, "axis", 1);
      add_node (f, "Flatten", "flatten", flatten_io);
      add_node (f, "Add", "add", add_io);
      add_output (f, "Y");
      add_output (f, "Z");
      add_output (f, "Q");
      for (int64_t i = 0; i < n; i++)
        x[i] = (float) (i % 7) - 3.0f;

      session = load_session (f, &model);
#define PLACE(name) cs_session_arena_value (session, cs_graph_find_value (model->graph, name))
      whole = PLACE ("C");
      g_assert_nonnull (whole);
      g_assert_true ((PLACE ("R") == (void *) whole) == (batch == 1));
      g_assert_true ((PLACE ("E") == (void *) (whole + 24)) == (batch == 1));
      /* With a batch of two the view's memory may be the whole's, taken
       * after the view has died. */
      g_assert_true (PLACE ("V") == (void *) whole || batch == 2);
      g_assert_true ((PLACE ("T") == (void *) (whole + 6 * 24)) == (batch == 1));
      g_assert_true (PLACE ("N") != (void *) (whole + 3 * 24));
      g_assert_true (PLACE ("S") != (void *) (whole + 4 * 24));
      g_assert_true (PLACE ("I") == PLACE ("A") && PLACE ("I") != (void *) (whole + 7 * 24));
#undef PLACE

      for (int taps = 0; taps < 2; taps++)
        {
          const CsTensor input = { "X", CS_DTYPE_FLOAT32, { 4, { batch, 2, 3, 4 } }, x };
          const CsRunOptions options = { .tap_all = taps == 1 };
          CsResult *result = NULL;

          g_assert_true (cs_session_run (session, &input, 1, &options, &result, &error));
          g_assert_no_error (error);
          for (int64_t b = 0; b < batch; b++)
            for (int part = 0; part < 8; part++)
              for (int i = 0; i < 24; i++)
                {
                  const float v = x[b * 24 + i];
                  const double want = part == 0   ? MAX (v, 0.0f)
                                      : part == 1 ? exp (v)
                                      : part == 2 ? v
                                      : part == 3 ? -v
                                      : part < 6  ? 1.0 / (1.0 + exp (-v))
                                      : part == 6 ? tanh (v)
                                                  : fabsf (v);
                  const double tolerance = 1e-6 * MAX (1.0, fabs (want));

                  g_assert_cmpfloat_with_epsilon (
                      ((const float *) result->outputs[0].data)[(b * 8 + part) * 24 + i], want,
                      tolerance);
                  if (part < 2)
                    g_assert_cmpfloat_with_epsilon (
                        ((const float *) result->outputs[2].data)[(b * 2 + part) * 24 + i],
                        -want, tolerance);
                }
          for (int64_t i = 0; i < n; i++)
            g_assert_cmpfloat (((const float *) result->outputs[1].data)[i], ==, -2.0f * x[i]);
          cs_result_free (result);
        }
      cs_session_free (session);
      cs_model_free (model);
    }
}

/* Receptive fields through upsampling: a stride-2 conv, a 2×2 stride-2
 * ConvTranspose that undoes it (each output sees one input: no growth),
 * a 3×3 one (two more inputs), a bilinear ×2 Resize (one more, outputs
 * half an input pixel apart) and a 3×3 conv on that finer grid. */
static void
test_upsampling_receptive_fields (void)
{
  static const char *const down_io[] = { "X", "W3", NULL, "down", NULL };
  static const char *const up_io[] = { "down", "W2", NULL, "up", NULL };
  static const char *const smooth_io[] = { "up", "W3", NULL, "smooth", NULL };
  static const char *const resize_io[] = { "smooth", "", "", "S", NULL, "resize", NULL };
  static const char *const head_io[] = { "resize", "W3", NULL, "Y", NULL };
  static const int64_t x_dims[] = { 1, 1, 16, 16 }, w3[] = { 1, 1, 3, 3 }, w2[] = { 1, 1, 2, 2 };
  static const int64_t sizes[] = { 1, 1, 32, 32 }, two[] = { 2, 2 }, ones[] = { 1, 1, 1, 1 };
  static const struct
  {
    const char *name;
    int64_t     receptive_field, jump;
    const char *arithmetic;
  } want[] = {
    { "down", 3, 2, "⌊(16 − 3 + 2·1) / 2⌋ + 1 = 8" },
    { "up", 3, 1, "(8 − 1)·2 − 2·0 + 1·(2 − 1) + 1 = 16" },
    { "smooth", 5, 1, "(16 − 1)·1 − 2·1 + 1·(3 − 1) + 1 = 16" },
    { "resize", 6, 1, "16 → 32 from sizes: × 2" },
    { "head", 7, 1, "⌊(32 − 3 + 2·1) / 1⌋ + 1 = 32" },
  };
  g_autoptr (Fixture) f = fixture_new (13);
  g_autoptr (GError) error = NULL;
  Onnx__NodeProto *node;

  add_input (f, "X", 4, x_dims);
  add_initializer (f, "W3", 4, w3, 9 * sizeof (float), 1.0f);
  add_initializer (f, "W2", 4, w2, 4 * sizeof (float), 1.0f);
  add_int64_initializer (f, "S", sizes, 4, FALSE);
  node = add_node (f, "Conv", "down", down_io);
  add_ints (f, node, "strides", 2, two);
  add_ints (f, node, "pads", 4, ones);
  add_ints (f, add_node (f, "ConvTranspose", "up", up_io), "strides", 2, two);
  add_ints (f, add_node (f, "ConvTranspose", "smooth", smooth_io), "pads", 4, ones);
  add_string (f, add_node (f, "Resize", "resize", resize_io), "mode", "linear");
  add_ints (f, add_node (f, "Conv", "head", head_io), "pads", 4, ones);
  add_output (f, "Y");

  g_autoptr (GBytes) bytes = fixture_pack (f);
  CsModel *model = load_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cs_model_n_layers (model), ==, G_N_ELEMENTS (want));
  for (size_t i = 0; i < G_N_ELEMENTS (want); i++)
    {
      const CsLayerInfo *layer = cs_model_layer (model, i);

      g_assert_cmpstr (layer->name, ==, want[i].name);
      g_assert_cmpint (layer->receptive_field[0], ==, want[i].receptive_field);
      g_assert_cmpint (layer->receptive_field[1], ==, want[i].receptive_field);
      g_assert_cmpint (layer->jump[0], ==, want[i].jump);
      g_assert_cmpstr (layer->arithmetic[0], ==, want[i].arithmetic);
    }
  CsResult *result = run_filled (model, 1.0f);
  g_assert_cmpint (result->outputs[0].shape.dims[3], ==, 32);
  cs_result_free (result);
  cs_model_free (model);
}

/* Who else reads the gate's output in gated_model. */
typedef enum
{
  GATE_READ_BY_MUL,
  GATE_AN_OUTPUT,
  GATE_READ_BY_RELU,
} GateReaders;

/* A gate g whose x·g(x) may be an activation of its own: the op, its
 * alpha attribute (NaN for none), and the layers of Conv → gate → Mul
 * fused or apart. */
typedef struct
{
  const char *op;
  float       alpha;
  const char *fused;
  const char *apart;
} Gate;

/* A Conv → gate → Mul model, the SiLU or HardSwish of PyTorch's exports:
 * @gated is what the gate reads ("C", the conv's output, or the graph
 * input "X"), @mul_io the Mul's operands and output. */
static GBytes *
gated_model (const Gate *gate, const char *gated, const char *const *mul_io, GateReaders readers)
{
  static const char *const relu_io[] = { "S", NULL, "R", NULL };
  static const char *const conv_io[] = { "X", "W", "B", NULL, "C", NULL };
  static const int64_t x_dims[] = { 1, 3, 5, 5 }, w_dims[] = { 3, 3, 3, 3 }, b_dims[] = { 3 };
  static const int64_t ones[] = { 1, 1, 1, 1 };
  const char              *gate_io[] = { gated, NULL, "S", NULL };
  g_autoptr (Fixture) f = fixture_new (13);
  Onnx__TensorProto *w, *b;
  Onnx__NodeProto   *gate_node;

  add_input (f, "X", 4, x_dims);
  w = add_initializer (f, "W", 4, w_dims, 81 * sizeof (float), 0.0f);
  b = add_initializer (f, "B", 1, b_dims, 3 * sizeof (float), 0.0f);
  for (int i = 0; i < 81; i++)
    ((float *) w->raw_data.data)[i] = (float) ((i * 37) % 17 - 8) / 8.0f;
  for (int i = 0; i < 3; i++)
    ((float *) b->raw_data.data)[i] = (float) i - 1.0f;
  add_ints (f, add_node (f, "Conv", "conv", conv_io), "pads", 4, ones);
  gate_node = add_node (f, gate->op, "gate", gate_io);
  if (!isnan (gate->alpha))
    add_float (f, gate_node, "alpha", gate->alpha);
  add_node (f, "Mul", "mul", mul_io);
  add_output (f, "Y");
  if (readers == GATE_AN_OUTPUT)
    add_output (f, "S");
  if (readers == GATE_READ_BY_RELU)
    {
      add_node (f, "Relu", "relu", relu_io);
      add_output (f, "R");
    }
  return fixture_pack (f);
}

/* The ops of a model's layers, joined by spaces. */
static char *
layer_ops (const CsModel *model)
{
  GString *ops = g_string_new (NULL);

  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    g_string_append_printf (ops, "%s%s", i > 0 ? " " : "", cs_model_layer (model, i)->op);
  return g_string_free (ops, FALSE);
}

/* x·σ(x) as Sigmoid → Mul becomes one SiLU in the conv before it, and
 * x·HardSigmoid(x) with α = 1/6 one HardSwish, with either operand
 * order, and gives what the two ops give apart (the same graph with the
 * gate's output also read by a Relu, which must not fuse); nor may it
 * when the gate's output is a graph output, or in Mul(C, gate(X)) of
 * another tensor, or for a HardSigmoid of ONNX's default α = 0.2, which
 * is no HardSwish. */
static void
test_gated_activation_fusion (void)
{
  static const Gate gates[] = {
    { "Sigmoid", NAN, "Conv+Silu", "Conv Sigmoid Mul" },
    { "HardSigmoid", 1.0f / 6.0f, "Conv+HardSwish", "Conv HardSigmoid Mul" },
    { "HardSigmoid", NAN, "Conv HardSigmoid Mul", "Conv HardSigmoid Mul" },
  };
  static const char *const mul_io[] = { "C", "S", NULL, "Y", NULL };
  static const char *const swapped_io[] = { "S", "C", NULL, "Y", NULL };
  g_autoptr (GError) error = NULL;
  float values[75];

  for (int i = 0; i < 75; i++)
    values[i] = (float) ((i * 29) % 75) / 12.0f - 3.0f;

  for (size_t g = 0; g < G_N_ELEMENTS (gates); g++)
    {
      const Gate *gate = &gates[g];
      g_autoptr (GBytes) apart_bytes = gated_model (gate, "C", mul_io, GATE_READ_BY_RELU);
      CsModel *apart = load_bytes (apart_bytes, NULL, &error);
      g_assert_no_error (error);
      g_autofree char *apart_ops = layer_ops (apart);
      g_autofree char *apart_want = g_strconcat (gate->apart, " Relu", NULL);
      g_assert_cmpstr (apart_ops, ==, apart_want);
      CsResult *want = run_values (apart, values);

      for (int swapped = 0; swapped <= 1; swapped++)
        {
          g_autoptr (GBytes) bytes =
              gated_model (gate, "C", swapped ? swapped_io : mul_io, GATE_READ_BY_MUL);
          CsModel *model = load_bytes (bytes, NULL, &error);
          g_assert_no_error (error);
          g_autofree char *ops = layer_ops (model);
          g_assert_cmpstr (ops, ==, gate->fused);
          g_assert_cmpstr (cs_model_layer (model, 0)->name, ==, "conv");
          CsResult    *got = run_values (model, values);
          const float *y = got->outputs[0].data, *y_want = want->outputs[0].data;
          gboolean     some_negative = FALSE;

          g_assert_cmpint (cs_shape_numel (&got->outputs[0].shape), ==, 75);
          for (int i = 0; i < 75; i++)
            {
              some_negative |= y[i] < -0.01f;
              if (fabsf (y[i] - y_want[i]) > 1e-6f * fabsf (y_want[i]))
                g_error ("%s: element %d fused is %.9g, apart %.9g", gate->fused, i, y[i],
                         y_want[i]);
            }
          g_assert_true (some_negative);
          cs_result_free (got);
          cs_model_free (model);
        }
      cs_result_free (want);
      cs_model_free (apart);

      for (int other = 0; other <= 1; other++)
        {
          g_autoptr (GBytes) bytes = other ? gated_model (gate, "X", mul_io, GATE_READ_BY_MUL)
                                           : gated_model (gate, "C", mul_io, GATE_AN_OUTPUT);
          CsModel *model = load_bytes (bytes, NULL, &error);
          g_assert_no_error (error);
          g_autofree char *ops = layer_ops (model);
          g_assert_cmpstr (ops, ==, gate->apart);
          cs_model_free (model);
        }
    }
}

/* Loads @bytes and checks that its layers' ops are @ops; the caller frees
 * the model. */
static CsModel *
load_with_ops (GBytes *bytes, const char *ops)
{
  g_autoptr (GError) error = NULL;
  CsModel *model = load_bytes (bytes, NULL, &error);
  g_autofree char *got = NULL;

  g_assert_no_error (error);
  got = layer_ops (model);
  g_assert_cmpstr (got, ==, ops);
  return model;
}

/* @model's output 0 on @values against @want's, each of @n elements
 * within @tolerance times the largest of @want's (0: the same floats);
 * @what names the model in the failure. */
static void
assert_output_matches (const CsModel *model, const float *values, const CsResult *want,
                       int64_t n, double tolerance, const char *what)
{
  CsResult    *got = run_values (model, values);
  const float *y = got->outputs[0].data, *y_want = want->outputs[0].data;
  double       largest = 0.0;

  g_assert_cmpint (cs_shape_numel (&got->outputs[0].shape), ==, n);
  for (int64_t i = 0; i < n; i++)
    largest = MAX (largest, fabsf (y_want[i]));
  g_assert_cmpfloat (largest, >, 0.1);
  for (int64_t i = 0; i < n; i++)
    if (fabsf (y[i] - y_want[i]) > tolerance * largest)
      g_error ("%s: element %" G_GINT64_FORMAT " folded is %.9g, apart %.9g", what, i, y[i],
               y_want[i]);
  cs_result_free (got);
}

/* What channel_scale_model makes of its squeeze-excitation's Mul. */
typedef enum
{
  SCALE_FOLDS,         /* Mul (X, S) read by the projection alone */
  SCALE_SWAPPED,       /* Mul (S, X) */
  SCALE_AN_OUTPUT,     /* the Mul's output is a graph output too */
  SCALE_WIDE_WEIGHTS,  /* the projection has more weights than an image inputs */
} ScaleCase;

/* X (2×4×5×5), S = σ (Conv 1×1 (GlobalAveragePool (X))), then Mul (X, S)
 * → Conv → Y: a squeeze-excitation before its block's projection, a 1×1
 * to 3 channels (12 weights, fewer than the 100 floats of an image), or
 * with SCALE_WIDE_WEIGHTS a 3×3 to 8 (288). */
static GBytes *
channel_scale_model (ScaleCase how)
{
  static const int64_t x_dims[] = { 2, 4, 5, 5 }, fc_dims[] = { 4, 4, 1, 1 }, ones[] = { 1, 1, 1, 1 };
  const gboolean wide = how == SCALE_WIDE_WEIGHTS;
  const int64_t  w_dims[] = { wide ? 8 : 3, 4, wide ? 3 : 1, wide ? 3 : 1 };
  const int64_t  n_weights = w_dims[0] * 4 * w_dims[2] * w_dims[3];
  g_autoptr (Fixture) f = fixture_new (13);
  Onnx__TensorProto *fc, *w;
  Onnx__NodeProto   *projection;

  add_input (f, "X", 4, x_dims);
  fc = add_initializer (f, "F", 4, fc_dims, 16 * sizeof (float), 0.0f);
  w = add_initializer (f, "W", 4, w_dims, (size_t) n_weights * sizeof (float), 0.0f);
  for (int i = 0; i < 16; i++)
    ((float *) fc->raw_data.data)[i] = (float) ((i * 7) % 11 - 5) / 4.0f;
  for (int64_t i = 0; i < n_weights; i++)
    ((float *) w->raw_data.data)[i] = (float) ((i * 37) % 17 - 8) / 8.0f;
  add_node (f, "GlobalAveragePool", "pool", (const char *const[]){ "X", NULL, "P", NULL });
  add_node (f, "Conv", "fc", (const char *const[]){ "P", "F", NULL, "Q", NULL });
  add_node (f, "Sigmoid", "gate", (const char *const[]){ "Q", NULL, "S", NULL });
  add_node (f, "Mul", "scale",
            how == SCALE_SWAPPED ? (const char *const[]){ "S", "X", NULL, "M", NULL }
                                 : (const char *const[]){ "X", "S", NULL, "M", NULL });
  projection = add_node (f, "Conv", "project", (const char *const[]){ "M", "W", NULL, "Y", NULL });
  if (wide)
    add_ints (f, projection, "pads", 4, ones);
  add_output (f, "Y");
  if (how == SCALE_AN_OUTPUT)
    add_output (f, "M");
  return fixture_pack (f);
}

/* A squeeze-excitation's Mul folds into the projection after it as a
 * channel scale, with either operand order, and gives what the two give
 * apart (the Mul's output also a graph output, which must not fold); nor
 * may it fold where the projection has more weights than the map has
 * floats.  The folded layer cannot be probed from its input alone. */
static void
test_channel_scale_fusion (void)
{
  static const struct
  {
    ScaleCase   how;
    const char *ops;
  } cases[] = {
    { SCALE_FOLDS, "GlobalAveragePool Conv+Sigmoid Conv+Mul" },
    { SCALE_SWAPPED, "GlobalAveragePool Conv+Sigmoid Conv+Mul" },
    { SCALE_WIDE_WEIGHTS, "GlobalAveragePool Conv+Sigmoid Mul Conv" },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) apart_bytes = channel_scale_model (SCALE_AN_OUTPUT);
  CsModel *apart = load_with_ops (apart_bytes, "GlobalAveragePool Conv+Sigmoid Mul Conv");
  float values[200];
  CsResult *want;

  for (int i = 0; i < 200; i++)
    values[i] = (float) ((i * 29) % 200) / 40.0f - 2.5f;
  want = run_values (apart, values);

  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (GBytes) bytes = channel_scale_model (cases[c].how);
      CsModel *model = load_with_ops (bytes, cases[c].ops);
      const size_t last = cs_model_n_layers (model) - 1;

      g_assert_null (cs_conv_probe_new (model, last, NULL, 0, 0, 0, &error));
      if (cases[c].how == SCALE_WIDE_WEIGHTS)
        g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
      else
        {
          g_assert_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED);
          assert_output_matches (model, values, want, 150, 1e-6, cases[c].ops);
        }
      g_clear_error (&error);
      cs_model_free (model);
    }
  cs_result_free (want);
  cs_model_free (apart);
}

/* How dense_bias_model adds its bias. */
typedef enum
{
  BIAS_AFTER,        /* Add (D, B): folds */
  BIAS_BEFORE,       /* Add (B, D), as PyTorch exports a Linear layer: folds */
  BIAS_AN_OUTPUT,    /* D is a graph output too */
  BIAS_PER_ELEMENT,  /* B is 3×4, not one row */
  BIAS_AN_INPUT,     /* B is a graph input, not a constant */
} BiasCase;

/* X (2×3×5) → MatMul (W, 5×4) → D, then Add with B → Relu → Y. */
static GBytes *
dense_bias_model (BiasCase how)
{
  static const int64_t x_dims[] = { 2, 3, 5 }, w_dims[] = { 5, 4 }, row[] = { 4 };
  static const int64_t per_element[] = { 3, 4 };
  g_autoptr (Fixture) f = fixture_new (13);
  Onnx__TensorProto *w;

  add_input (f, "X", 3, x_dims);
  w = add_initializer (f, "W", 2, w_dims, 20 * sizeof (float), 0.0f);
  for (int i = 0; i < 20; i++)
    ((float *) w->raw_data.data)[i] = (float) ((i * 7) % 11 - 5) / 4.0f;
  if (how == BIAS_AN_INPUT)
    add_input (f, "B", 1, row);
  else
    {
      Onnx__TensorProto *b =
          how == BIAS_PER_ELEMENT ? add_initializer (f, "B", 2, per_element, 12 * sizeof (float), 0.0f)
                                  : add_initializer (f, "B", 1, row, 4 * sizeof (float), 0.0f);

      for (size_t i = 0; i < b->raw_data.len / sizeof (float); i++)
        ((float *) b->raw_data.data)[i] = (float) i * 0.25f - 0.5f;
    }
  add_node (f, "MatMul", "dense", (const char *const[]){ "X", "W", NULL, "D", NULL });
  add_node (f, "Add", "bias",
            how == BIAS_BEFORE ? (const char *const[]){ "B", "D", NULL, "S", NULL }
                               : (const char *const[]){ "D", "B", NULL, "S", NULL });
  add_node (f, "Relu", "relu", (const char *const[]){ "S", NULL, "Y", NULL });
  add_output (f, "Y");
  if (how == BIAS_AN_OUTPUT)
    add_output (f, "D");
  return fixture_pack (f);
}

/* A bias added to every row of a MatMul's output folds into the MatMul,
 * with either operand order, and the ReLU after it too; the result is
 * what the ops give apart (the MatMul's output also a graph output,
 * which must not fold).  Nor may it fold a bias per element or one that
 * is no constant. */
static void
test_dense_bias_fusion (void)
{
  static const struct
  {
    BiasCase    how;
    const char *ops;
  } cases[] = {
    { BIAS_AFTER, "MatMul+Add+Relu" },
    { BIAS_BEFORE, "MatMul+Add+Relu" },
    { BIAS_PER_ELEMENT, "MatMul Add+Relu" },
    { BIAS_AN_INPUT, "MatMul Add+Relu" },
  };
  g_autoptr (GBytes) apart_bytes = dense_bias_model (BIAS_AN_OUTPUT);
  CsModel *apart = load_with_ops (apart_bytes, "MatMul Add+Relu");
  const float *y_want;
  float values[30];
  CsResult *want;
  int positive = 0;

  for (int i = 0; i < 30; i++)
    values[i] = (float) ((i * 13) % 30) / 6.0f - 2.5f;
  want = run_values (apart, values);
  /* The ReLU cuts some outputs and not others. */
  y_want = want->outputs[0].data;
  for (int i = 0; i < 24; i++)
    positive += y_want[i] > 0.0f;
  g_assert_cmpint (positive, >, 4);
  g_assert_cmpint (positive, <, 20);

  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (GBytes) bytes = dense_bias_model (cases[c].how);
      CsModel *model = load_with_ops (bytes, cases[c].ops);

      if (cases[c].how == BIAS_AFTER || cases[c].how == BIAS_BEFORE)
        assert_output_matches (model, values, want, 24, 0.0, cases[c].ops);
      cs_model_free (model);
    }
  cs_result_free (want);
  cs_model_free (apart);
}

/* How layer_scale_model ends its block. */
typedef enum
{
  SCALE_AFTER,        /* Mul (T, G), G 5×1×1: folds */
  SCALE_BEFORE,       /* Mul (G, T), G 1×5×1×1, the MatMul without bias: folds */
  SCALE_OTHER_PERM,   /* Transpose to N×C×W×H, not N×C×H×W */
  SCALE_PER_ELEMENT,  /* G is 5×2×3, not one factor a channel */
  SCALE_SHARED,       /* another MatMul reads W too, into output Z: folds
                       * into a copy of W */
} LayerScaleCase;

/* X (1×2×3×4, NHWC) → MatMul (W, 4×5) → Add (B) → Transpose to NCHW →
 * Mul by the layer scale G → Y, as ConvNeXt's blocks end; with
 * @moved_an_output the Transpose's output T is a graph output too,
 * which must keep the Mul apart. */
static GBytes *
layer_scale_model (LayerScaleCase how, gboolean moved_an_output)
{
  static const int64_t x_dims[] = { 1, 2, 3, 4 }, w_dims[] = { 4, 5 }, b_dims[] = { 5 };
  static const int64_t per_channel[] = { 5, 1, 1 }, per_image_channel[] = { 1, 5, 1, 1 };
  static const int64_t per_element[] = { 5, 2, 3 };
  static const int64_t to_nchw[] = { 0, 3, 1, 2 }, to_ncwh[] = { 0, 3, 2, 1 };
  const gboolean biased = how != SCALE_BEFORE;
  g_autoptr (Fixture) f = fixture_new (13);
  Onnx__TensorProto *w, *b, *g;

  add_input (f, "X", 4, x_dims);
  w = add_initializer (f, "W", 2, w_dims, 20 * sizeof (float), 0.0f);
  for (int i = 0; i < 20; i++)
    ((float *) w->raw_data.data)[i] = (float) ((i * 7) % 11 - 5) / 4.0f;
  b = add_initializer (f, "B", 1, b_dims, 5 * sizeof (float), 0.0f);
  for (int i = 0; i < 5; i++)
    ((float *) b->raw_data.data)[i] = (float) i * 0.25f - 0.5f;
  g = how == SCALE_PER_ELEMENT ? add_initializer (f, "G", 3, per_element, 30 * sizeof (float), 0.0f)
      : how == SCALE_BEFORE    ? add_initializer (f, "G", 4, per_image_channel, 5 * sizeof (float), 0.0f)
                               : add_initializer (f, "G", 3, per_channel, 5 * sizeof (float), 0.0f);
  for (size_t i = 0; i < g->raw_data.len / sizeof (float); i++)
    ((float *) g->raw_data.data)[i] = 0.5f + (float) i * 0.375f;
  add_node (f, "MatMul", "dense",
            (const char *const[]){ "X", "W", NULL, biased ? "D" : "S", NULL });
  if (biased)
    add_node (f, "Add", "bias", (const char *const[]){ "B", "D", NULL, "S", NULL });
  add_ints (f, add_node (f, "Transpose", "to_nchw", (const char *const[]){ "S", NULL, "T", NULL }),
            "perm", 4, how == SCALE_OTHER_PERM ? to_ncwh : to_nchw);
  add_node (f, "Mul", "layer_scale",
            how == SCALE_BEFORE ? (const char *const[]){ "G", "T", NULL, "Y", NULL }
                                : (const char *const[]){ "T", "G", NULL, "Y", NULL });
  add_output (f, "Y");
  if (how == SCALE_SHARED)
    {
      add_node (f, "MatMul", "twin", (const char *const[]){ "X", "W", NULL, "Z", NULL });
      add_output (f, "Z");
    }
  if (moved_an_output)
    add_output (f, "T");
  return fixture_pack (f);
}

/* A per-channel scale after a dense layer's output is moved back to
 * NCHW folds into the layer's weights and bias, with either operand
 * order, without a bias, and into a copy of weights another layer reads
 * as they are: the Transpose writes the product, which is
 * what the ops give apart (to float rounding: each product is now
 * Σ x·(w·γ) for (Σ x·w)·γ).  Nor may it fold after another
 * permutation, a scale per element, or when the moved map is read as a
 * graph output. */
static void
test_layer_scale_fusion (void)
{
  static const struct
  {
    LayerScaleCase how;
    const char    *ops, *apart_ops;
  } cases[] = {
    { SCALE_AFTER, "MatMul+Add+Mul Transpose", "MatMul+Add Transpose Mul" },
    { SCALE_BEFORE, "MatMul+Mul Transpose", "MatMul Transpose Mul" },
    { SCALE_OTHER_PERM, "MatMul+Add Transpose Mul", "MatMul+Add Transpose Mul" },
    { SCALE_PER_ELEMENT, "MatMul+Add Transpose Mul", "MatMul+Add Transpose Mul" },
    { SCALE_SHARED, "MatMul+Add+Mul Transpose MatMul", "MatMul+Add Transpose Mul MatMul" },
  };
  float values[24];

  for (int i = 0; i < 24; i++)
    values[i] = (float) ((i * 13) % 24) / 6.0f - 2.0f;
  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (GBytes) bytes = layer_scale_model (cases[c].how, FALSE);
      g_autoptr (GBytes) apart_bytes = layer_scale_model (cases[c].how, TRUE);
      CsModel *model = load_with_ops (bytes, cases[c].ops);
      CsModel *apart = load_with_ops (apart_bytes, cases[c].apart_ops);
      CsResult *want = run_values (apart, values);

      assert_output_matches (model, values, want, 30, 1e-6, cases[c].ops);
      if (cases[c].how == SCALE_SHARED)
        {
          /* The other reader of W still reads it unscaled. */
          CsResult *got = run_values (model, values);

          g_assert_cmpmem (got->outputs[1].data, 30 * sizeof (float), want->outputs[1].data,
                           30 * sizeof (float));
          cs_result_free (got);
        }
      cs_result_free (want);
      cs_model_free (apart);
      cs_model_free (model);
    }
}

/* X → Conv a → BatchNormalization → Y, X → Conv b → Z, both convs of
 * the same 3×3 ones W (or each its own): the fold scales a's weights in
 * place only when a alone reads them, and b still reads W unscaled. */
static void
test_batch_norm_fold (void)
{
  static const char *const a_io[] = { "X", "W", NULL, "A", NULL };
  static const char *const bn_io[] = { "A", "S", "T", "M", "V", NULL, "Y", NULL };
  static const int64_t kernel[] = { 3, 3 }, pads[] = { 1, 1, 1, 1 }, channel[] = { 1 };
  const float factor = 2.0f / sqrtf (0.25f + 1e-5f), shift = 0.5f - 1.5f * factor;

  for (int shared = 0; shared < 2; shared++)
    {
      const char *const b_io[] = { "X", shared ? "W" : "W2", NULL, "Z", NULL };
      g_autoptr (Fixture) f = fixture_new (13);
      Onnx__NodeProto *a, *b;
      CsModel *model;
      CsResult *result;

      add_input (f, "X", 4, image_dims);
      add_initializer (f, "W", 4, kernel_dims, 9 * sizeof (float), 1.0f);
      add_initializer (f, "W2", 4, kernel_dims, 9 * sizeof (float), 1.0f);
      add_initializer (f, "S", 1, channel, sizeof (float), 2.0f);
      add_initializer (f, "T", 1, channel, sizeof (float), 0.5f);
      add_initializer (f, "M", 1, channel, sizeof (float), 1.5f);
      add_initializer (f, "V", 1, channel, sizeof (float), 0.25f);
      a = add_node (f, "Conv", "a", a_io);
      add_node (f, "BatchNormalization", "bn", bn_io);
      b = add_node (f, "Conv", "b", b_io);
      add_ints (f, a, "kernel_shape", 2, kernel);
      add_ints (f, a, "pads", 4, pads);
      add_ints (f, b, "kernel_shape", 2, kernel);
      add_ints (f, b, "pads", 4, pads);
      add_output (f, "Y");
      add_output (f, "Z");

      g_autoptr (GBytes) bytes = fixture_pack (f);
      model = load_with_ops (bytes, "Conv+BatchNormalization Conv");
      result = run_filled (model, 1.0f);
      for (int i = 0; i < 16; i++)
        {
          g_assert_cmpfloat_with_epsilon (((const float *) result->outputs[0].data)[i],
                                          window_counts[i] * factor + shift, 1e-4);
          g_assert_cmpfloat (((const float *) result->outputs[1].data)[i], ==, window_counts[i]);
        }
      cs_result_free (result);
      cs_model_free (model);
    }
}

/* How erf_gelu_model writes x·Φ(x). */
typedef enum
{
  GELU_DIV,            /* Div(C, √2) → Erf → Add(1) → Mul(C, ·) → Mul(·, ½) */
  GELU_MUL_SWAPPED,    /* Mul(1/√2, C) → Erf → Add(1, ·) → Mul(·, C) → Mul(½, ·) */
  GELU_NOT_ROOT_TWO,   /* Div(C, 2): no GELU */
  GELU_ERF_AN_OUTPUT,  /* Div(C, √2) → Erf, whose output is also a graph output */
} GeluForm;

/* Conv → GELU in one of the forms PyTorch and others export it. */
static GBytes *
erf_gelu_model (GeluForm form)
{
  static const char *const conv_io[] = { "X", "W", "B", NULL, "C", NULL };
  static const char *const div_io[] = { "C", "R", NULL, "D", NULL };
  static const char *const scale_io[] = { "R", "C", NULL, "D", NULL };
  static const char *const erf_io[] = { "D", NULL, "E", NULL };
  static const char *const add_io[] = { "E", "One", NULL, "A", NULL };
  static const char *const add_swapped_io[] = { "One", "E", NULL, "A", NULL };
  static const char *const product_io[] = { "C", "A", NULL, "P", NULL };
  static const char *const product_swapped_io[] = { "A", "C", NULL, "P", NULL };
  static const char *const half_io[] = { "P", "Half", NULL, "Y", NULL };
  static const char *const half_swapped_io[] = { "Half", "P", NULL, "Y", NULL };
  static const int64_t x_dims[] = { 1, 3, 5, 5 }, w_dims[] = { 3, 3, 3, 3 }, b_dims[] = { 3 };
  static const int64_t ones[] = { 1, 1, 1, 1 };
  const gboolean swapped = form == GELU_MUL_SWAPPED;
  g_autoptr (Fixture) f = fixture_new (13);
  Onnx__TensorProto *w;

  add_input (f, "X", 4, x_dims);
  w = add_initializer (f, "W", 4, w_dims, 81 * sizeof (float), 0.0f);
  add_initializer (f, "B", 1, b_dims, 3 * sizeof (float), -0.5f);
  for (int i = 0; i < 81; i++)
    ((float *) w->raw_data.data)[i] = (float) ((i * 37) % 17 - 8) / 8.0f;
  add_initializer (f, "R", 0, NULL, sizeof (float),
                   swapped ? 1.0f / G_SQRT2 : form == GELU_NOT_ROOT_TWO ? 2.0f : G_SQRT2);
  add_initializer (f, "One", 0, NULL, sizeof (float), 1.0f);
  add_initializer (f, "Half", 0, NULL, sizeof (float), 0.5f);
  add_ints (f, add_node (f, "Conv", "conv", conv_io), "pads", 4, ones);
  add_node (f, swapped ? "Mul" : "Div", "scale", swapped ? scale_io : div_io);
  add_node (f, "Erf", "erf", erf_io);
  add_node (f, "Add", "plus_one", swapped ? add_swapped_io : add_io);
  add_node (f, "Mul", "product", swapped ? product_swapped_io : product_io);
  add_node (f, "Mul", "half", swapped ? half_swapped_io : half_io);
  add_output (f, "Y");
  if (form == GELU_ERF_AN_OUTPUT)
    add_output (f, "E");
  return fixture_pack (f);
}

/* The conv's output of erf_gelu_model, as a tap of the form that keeps
 * the conv apart; the caller frees it. */
static float *
erf_gelu_conv_output (const float *values)
{
  static const char *const taps[] = { "conv", NULL };
  const CsRunOptions options = { FALSE, taps };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = erf_gelu_model (GELU_ERF_AN_OUTPUT);
  CsModel *model = load_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  const CsTensor *declared = cs_model_input (model, 0);
  CsTensor input = { declared->name, CS_DTYPE_FLOAT32, declared->shape, (float *) values };
  CsSession *session = cs_session_new (model, 1, &error);
  CsResult *result = NULL;
  float *conv;

  g_assert_no_error (error);
  g_assert_true (cs_session_run (session, &input, 1, &options, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result->n_taps, ==, 1);
  g_assert_cmpint (cs_shape_numel (&result->taps[0].shape), ==, 75);
  conv = g_memdup2 (result->taps[0].data, 75 * sizeof (float));
  cs_result_free (result);
  cs_session_free (session);
  cs_model_free (model);
  return conv;
}

/* X → Pad (@pads, @mode, the constant @value) → P → @pool_op (3×3,
 * stride 1, its own @pool_pads, AveragePool's @count_pad) → Y; with
 * @pad_is_output P is a graph output too. */
static GBytes *
padded_pool_model (const char *mode, float value, const int64_t *pads, const char *pool_op,
                   const int64_t *pool_pads, int64_t count_pad, gboolean pad_is_output)
{
  static const int64_t     x_dims[] = { 1, 2, 5, 6 }, kernel[] = { 3, 3 };
  static const char *const pad_io[] = { "X", "pads", "value", NULL, "P", NULL };
  static const char *const pool_io[] = { "P", NULL, "Y", NULL };
  g_autoptr (Fixture) f = fixture_new (13);
  Onnx__NodeProto *pool;

  add_input (f, "X", 4, x_dims);
  add_int64_initializer (f, "pads", pads, 8, FALSE);
  add_initializer (f, "value", 0, NULL, sizeof (float), value);
  add_string (f, add_node (f, "Pad", "pad", pad_io), "mode", mode);
  pool = add_node (f, pool_op, "pool", pool_io);
  add_ints (f, pool, "kernel_shape", 2, kernel);
  add_ints (f, pool, "pads", 4, pool_pads);
  if (strcmp (pool_op, "AveragePool") == 0)
    add_int (f, pool, "count_include_pad", count_pad);
  add_output (f, "Y");
  if (pad_is_output)
    add_output (f, "P");
  return fixture_pack (f);
}

/* A Pad of zeros around H and W becomes the padding of an AveragePool
 * after it that counts its padding or has none, and gives what the two
 * give apart (the same graph with P also a graph output, which must not
 * fold); not a Pad of another value or mode, not before an AveragePool
 * whose own padding is not counted, not before a MaxPool. */
static void
test_zero_pad_into_pool (void)
{
  static const int64_t pads[] = { 0, 0, 1, 2, 0, 0, 2, 1 };
  static const int64_t none[] = { 0, 0, 0, 0 }, one[] = { 1, 1, 1, 1 };
  static const struct
  {
    const char    *mode;
    float          value;
    const char    *pool;
    const int64_t *pool_pads;
    int64_t        count_pad;
    const char    *ops;
  } cases[] = {
    { "constant", 0.0f, "AveragePool", none, 0, "AveragePool" },
    { "constant", 0.0f, "AveragePool", one, 1, "AveragePool" },
    { "constant", 0.0f, "AveragePool", one, 0, "Pad AveragePool" },
    { "constant", 0.5f, "AveragePool", none, 0, "Pad AveragePool" },
    { "reflect", 0.0f, "AveragePool", none, 0, "Pad AveragePool" },
    { "constant", 0.0f, "MaxPool", none, 0, "Pad MaxPool" },
  };
  g_autoptr (GError) error = NULL;
  float values[60];

  for (int i = 0; i < 60; i++)
    values[i] = (float) ((i * 23) % 60) / 8.0f - 3.0f;
  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (GBytes) bytes = padded_pool_model (cases[c].mode, cases[c].value, pads,
                                                    cases[c].pool, cases[c].pool_pads,
                                                    cases[c].count_pad, FALSE);
      g_autoptr (GBytes) apart_bytes = padded_pool_model (cases[c].mode, cases[c].value, pads,
                                                          cases[c].pool, cases[c].pool_pads,
                                                          cases[c].count_pad, TRUE);
      CsModel *model = load_bytes (bytes, NULL, &error);
      g_assert_no_error (error);
      CsModel *apart = load_bytes (apart_bytes, NULL, &error);
      g_assert_no_error (error);
      g_autofree char *ops = layer_ops (model);
      g_autofree char *apart_ops = layer_ops (apart);
      g_autofree char *apart_want = g_strconcat ("Pad ", cases[c].pool, NULL);
      CsResult *got = run_values (model, values), *want = run_values (apart, values);
      const int64_t n = cs_shape_numel (&want->outputs[0].shape);

      g_assert_cmpstr (ops, ==, cases[c].ops);
      g_assert_cmpstr (apart_ops, ==, apart_want);
      /* 1×2×(5 + 3 − 2)×(6 + 3 − 2), or 2 more each way with the pool's
       * own padding. */
      g_assert_cmpint (n, ==, cases[c].pool_pads == one ? 2 * 8 * 9 : 2 * 6 * 7);
      g_assert_cmpint (cs_shape_numel (&got->outputs[0].shape), ==, n);
      g_assert_cmpmem (got->outputs[0].data, n * sizeof (float), want->outputs[0].data,
                       n * sizeof (float));
      cs_result_free (got);
      cs_result_free (want);
      cs_model_free (model);
      cs_model_free (apart);
    }
}

/* The five nodes of an exported GELU become one Gelu in the conv before
 * them, with the Div or a Mul by 1/√2 and either operand order; a Div by
 * another constant, or an Erf whose output is also read elsewhere, keep
 * them apart.  Fused or apart, GELU's output is x·Φ(x) of the conv's
 * output in double precision, within the kernel's bound (3 ulp + |x|·2⁻²²)
 * — but for Div by 2, which is x·(1 + erf(x/2))/2. */
static void
test_erf_gelu_fusion (void)
{
  static const struct
  {
    GeluForm    form;
    const char *ops;
  } cases[] = {
    { GELU_DIV, "Conv+Gelu" },
    { GELU_MUL_SWAPPED, "Conv+Gelu" },
    { GELU_NOT_ROOT_TWO, "Conv Div+Erf Add Mul Mul" },
    { GELU_ERF_AN_OUTPUT, "Conv Div+Erf Add Mul Mul" },
  };
  g_autoptr (GError) error = NULL;
  g_autofree float *conv = NULL;
  float values[75];
  int negative = 0, positive = 0;

  for (int i = 0; i < 75; i++)
    values[i] = (float) ((i * 29) % 75) / 12.0f - 3.0f;
  conv = erf_gelu_conv_output (values);
  for (int i = 0; i < 75; i++)
    {
      negative += conv[i] < -0.5f;
      positive += conv[i] > 0.5f;
    }
  g_assert_cmpint (negative, >, 10);
  g_assert_cmpint (positive, >, 10);

  for (size_t k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr (GBytes) bytes = erf_gelu_model (cases[k].form);
      CsModel *model = load_bytes (bytes, NULL, &error);
      g_assert_no_error (error);
      g_autofree char *ops = layer_ops (model);
      const double root = cases[k].form == GELU_NOT_ROOT_TWO ? 2.0 : G_SQRT2;
      CsResult *got;
      const float *y;

      g_assert_cmpstr (ops, ==, cases[k].ops);
      got = run_values (model, values);
      y = got->outputs[0].data;
      for (int i = 0; i < 75; i++)
        {
          const double want = 0.5 * conv[i] * erfc (-(double) conv[i] / root);

          if (fabs (y[i] - want) > 3 * FLT_EPSILON * fabs (want) + fabs (conv[i]) * 0x1p-22)
            g_error ("%s: x·Φ(x) of %.9g is %.9g, not %.9g", cases[k].ops, conv[i], y[i], want);
        }
      cs_result_free (got);
      cs_model_free (model);
    }
}

/* The resizes before opset 11: Upsample-7's scales attribute (nearest,
 * rounding down) and Resize-10's scales input (linear, asymmetric
 * coordinates, the last column repeating the edge), on X + [0 1; 2 3]. */
static void
test_legacy_resizes (void)
{
  static const char *const add_io[] = { "X", "C", NULL, "T", NULL };
  static const char *const upsample_io[] = { "T", NULL, "Y", NULL };
  static const char *const resize_io[] = { "T", "S", NULL, "Y", NULL };
  static const int64_t x_dims[] = { 1, 1, 2, 2 }, four[] = { 4 };
  static const float ramp[] = { 0, 1, 2, 3 }, scales[] = { 1, 1, 2, 2 };
  static const float nearest[] = { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 };
  static const float linear[] = { 1, 1.5, 2, 2, 2, 2.5, 3, 3, 3, 3.5, 4, 4, 3, 3.5, 4, 4 };

  for (int opset = 7; opset <= 10; opset += 3)
    {
      g_autoptr (Fixture) f = fixture_new (opset);
      g_autoptr (GError) error = NULL;
      Onnx__TensorProto *c;

      add_input (f, "X", 4, x_dims);
      c = add_initializer (f, "C", 4, x_dims, sizeof ramp, 0.0f);
      memcpy (c->raw_data.data, ramp, sizeof ramp);
      add_node (f, "Add", "ramp", add_io);
      if (opset == 7)
        {
          Onnx__AttributeProto *attr =
            add_attribute (f, add_node (f, "Upsample", "up", upsample_io), "scales",
                           ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);

          attr->n_floats = G_N_ELEMENTS (scales);
          attr->floats = (float *) scales;
        }
      else
        {
          Onnx__TensorProto *s = add_initializer (f, "S", 1, four, sizeof scales, 0.0f);

          memcpy (s->raw_data.data, scales, sizeof scales);
          add_string (f, add_node (f, "Resize", "up", resize_io), "mode", "linear");
        }
      add_output (f, "Y");

      g_autoptr (GBytes) bytes = fixture_pack (f);
      CsModel *model = load_bytes (bytes, NULL, &error);
      g_assert_no_error (error);
      CsResult *result = run_filled (model, 1.0f);
      const float *y = result->outputs[0].data;
      g_assert_cmpint (cs_shape_numel (&result->outputs[0].shape), ==, 16);
      for (int i = 0; i < 16; i++)
        g_assert_cmpfloat (y[i], ==, opset == 7 ? nearest[i] : linear[i]);
      cs_result_free (result);
      cs_model_free (model);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/onnx/load/valid", test_valid);
  g_test_add_func ("/onnx/load/empty", test_empty);
  g_test_add_func ("/onnx/load/files", test_files);
  g_test_add_func ("/onnx/load/random-bytes", test_random_bytes);
  g_test_add_func ("/onnx/load/truncated", test_truncated);
  g_test_add_func ("/onnx/load/bit-flips", test_bit_flips);
  g_test_add_func ("/onnx/load/raw-data-length", test_raw_data_length);
  g_test_add_func ("/onnx/load/missing-input", test_missing_input);
  g_test_add_func ("/onnx/load/unsupported-ops", test_unsupported_ops);
  g_test_add_func ("/onnx/load/unsupported-dtype", test_unsupported_dtype);
  g_test_add_func ("/onnx/load/external-data", test_external_data);
  g_test_add_func ("/onnx/load/conv-3d", test_conv_3d);
  g_test_add_func ("/onnx/load/zero-stride", test_zero_stride);
  g_test_add_func ("/onnx/load/wrong-attribute-type", test_wrong_attribute_type);
  g_test_add_func ("/onnx/load/used-dropout-mask", test_used_dropout_mask);
  g_test_add_func ("/onnx/load/bindings", test_bindings);
  g_test_add_func ("/onnx/load/bind-initializer", test_bind_initializer);
  g_test_add_func ("/onnx/load/free-dims", test_free_dims);
  g_test_add_func ("/onnx/load/deep-nesting", test_deep_nesting);
  g_test_add_func ("/onnx/load/softmax-opset", test_softmax_opset);
  g_test_add_func ("/onnx/load/legacy-attributes", test_legacy_attributes);
  g_test_add_func ("/onnx/load/upsampling-receptive-fields", test_upsampling_receptive_fields);
  g_test_add_func ("/onnx/load/legacy-resizes", test_legacy_resizes);
  g_test_add_func ("/onnx/load/gated-activation-fusion", test_gated_activation_fusion);
  g_test_add_func ("/onnx/load/channel-scale-fusion", test_channel_scale_fusion);
  g_test_add_func ("/onnx/load/dense-bias-fusion", test_dense_bias_fusion);
  g_test_add_func ("/onnx/load/layer-scale-fusion", test_layer_scale_fusion);
  g_test_add_func ("/onnx/load/batch-norm-fold", test_batch_norm_fold);
  g_test_add_func ("/onnx/load/erf-gelu-fusion", test_erf_gelu_fusion);
  g_test_add_func ("/onnx/load/zero-pad-into-pool", test_zero_pad_into_pool);
  g_test_add_func ("/onnx/load/reshape-shares-memory", test_reshape_shares_memory);
  g_test_add_func ("/onnx/load/binary-shares-memory", test_binary_shares_memory);
  g_test_add_func ("/onnx/load/concat-parts-in-place", test_concat_parts_in_place);
  return g_test_run ();
}
