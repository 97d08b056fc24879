/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-cli.c — end-to-end tests of the `convscope` tool: spawns the built
 * binary (CONVSCOPE_EXE) on the tiny models make_fixtures.py writes
 * (CLI_FIXTURES) and on broken files made here, and checks exit statuses,
 * the one-line error messages, the text and JSON output and the files
 * written.
 */
#include <math.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "npy.h"
#include "tensor.h"

#define LONG_NAME "a_very_long_layer_name_that_goes_on_and_on_to_test_" \
                  "truncation_in_the_table_xyz"

typedef struct
{
  int   status;
  char *out;
  char *err;
} Outcome;

static void
outcome_free (Outcome *outcome)
{
  g_free (outcome->out);
  g_free (outcome->err);
  g_free (outcome);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Outcome, outcome_free)

static const char *fixtures_dir;

static char *
fixture (const char *name)
{
  return g_build_filename (fixtures_dir, name, NULL);
}

/* Runs convscope with @args (NULL-terminated) and COLUMNS=@columns. */
static Outcome *
run_cli_columns (const char *columns, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "COLUMNS", columns, TRUE);
  Outcome *outcome = g_new0 (Outcome, 1);
  GError  *error = NULL;
  int      wait_status;

  g_ptr_array_add (argv, (char *) g_getenv ("CONVSCOPE_EXE"));
  for (const char *const *arg = args; *arg != NULL; arg++)
    g_ptr_array_add (argv, (char *) *arg);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL,
                &outcome->out, &outcome->err, &wait_status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (wait_status, &error))
    {
      /* Anything but a plain exit (a crash, a sanitizer abort) fails. */
      if (error->domain != G_SPAWN_EXIT_ERROR)
        g_test_message ("convscope: %s; stderr: %s", error->message, outcome->err);
      g_assert_true (error->domain == G_SPAWN_EXIT_ERROR);
      outcome->status = error->code;
      g_clear_error (&error);
    }
  return outcome;
}

static Outcome *
run_cli (const char *first, ...) G_GNUC_NULL_TERMINATED;

static Outcome *
run_cli (const char *first, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return run_cli_columns ("100", (const char *const *) args->pdata);
}

static gboolean
contains (const char *text, const char *fragment)
{
  if (strstr (text, fragment) != NULL)
    return TRUE;
  g_test_message ("«%s» does not contain «%s»", text, fragment);
  return FALSE;
}

/* A failure: status @status and exactly one line "convscope: ..." on
 * stderr containing @fragment. */
static void
assert_error_line (const Outcome *o, int status, const char *fragment)
{
  const char *newline = strchr (o->err, '\n');

  g_test_message ("stderr: %s", o->err);
  g_assert_cmpint (o->status, ==, status);
  g_assert_true (g_str_has_prefix (o->err, "convscope: "));
  g_assert_nonnull (newline);
  g_assert_cmpint (newline[1], ==, '\0');
  g_assert_true (contains (o->err, fragment));
}

static void
assert_success (const Outcome *o)
{
  if (o->status != 0 || o->err[0] != '\0')
    g_test_message ("status %d, stderr: %s", o->status, o->err);
  g_assert_cmpint (o->status, ==, 0);
  g_assert_cmpstr (o->err, ==, "");
}

static char *
make_temp_dir (void)
{
  GError *error = NULL;
  char   *dir = g_dir_make_tmp ("convscope-cli-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
write_file (const char *path, const void *data, gssize length)
{
  GError *error = NULL;

  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
}

static JsonNode *
parse_json (const char *text)
{
  GError   *error = NULL;
  JsonNode *root = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);
  return root;
}

/* `convscope info --json MODEL`, parsed; the caller unrefs it. */
static JsonNode *
info_json (const char *model)
{
  g_autoptr (Outcome) o = run_cli ("info", "--json", model, NULL);

  assert_success (o);
  return parse_json (o->out);
}

static JsonObject *
find_layer (JsonObject *info, const char *name)
{
  JsonArray *layers = json_object_get_array_member (info, "layers");

  for (guint i = 0; i < json_array_get_length (layers); i++)
    {
      JsonObject *layer = json_array_get_object_element (layers, i);

      if (strcmp (json_object_get_string_member (layer, "name"), name) == 0)
        return layer;
    }
  g_test_message ("no layer '%s'", name);
  g_assert_not_reached ();
  return NULL;
}

static void
assert_ints (JsonArray *array, int n, const int64_t *expected)
{
  g_assert_cmpuint (json_array_get_length (array), ==, n);
  for (int i = 0; i < n; i++)
    g_assert_cmpint (json_array_get_int_element (array, i), ==, expected[i]);
}

static void
assert_shape_matches (const CsShape *shape, JsonArray *dims)
{
  g_assert_cmpuint (json_array_get_length (dims), ==, shape->rank);
  for (int i = 0; i < shape->rank; i++)
    g_assert_cmpint (json_array_get_int_element (dims, i), ==, shape->dims[i]);
}

static CsTensor
read_npy (const char *path)
{
  CsTensor tensor;
  GError  *error = NULL;

  npy_read_file (path, &tensor, &error);
  g_assert_no_error (error);
  return tensor;
}

static void
write_npy (const char *path, const CsShape *shape, float first, float step)
{
  CsTensor tensor;
  GError  *error = NULL;

  g_assert_true (cli_tensor_alloc (&tensor, NULL, shape, &error));
  for (int64_t i = 0; i < cs_shape_numel (shape); i++)
    ((float *) tensor.data)[i] = first + step * i;
  npy_write_file (path, &tensor, &error);
  g_assert_no_error (error);
  cli_tensor_clear (&tensor);
}

static gboolean
needs_fixtures (void)
{
  if (fixtures_dir != NULL)
    return TRUE;
  g_test_skip ("CLI_FIXTURES is not set (needs Python with onnx and numpy)");
  return FALSE;
}

static void
test_usage (void)
{
  const char *commands[] = { "info", "run", "classify", "bench", "probe", "explain" };
  const char *const no_args[] = { NULL };
  g_autoptr (Outcome) none = run_cli_columns ("100", no_args);
  g_autoptr (Outcome) help = run_cli ("--help", NULL);

  assert_error_line (none, 2, "no command given");
  assert_success (help);
  for (size_t i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autoptr (Outcome) o = run_cli (commands[i], "--help", NULL);
      g_autofree char *usage = g_strdup_printf ("convscope %s", commands[i]);

      g_assert_true (contains (help->out, commands[i]));
      assert_success (o);
      g_assert_true (contains (o->out, "Usage:"));
      g_assert_true (contains (o->out, usage));
    }

  {
    g_autoptr (Outcome) o = run_cli ("frobnicate", NULL);
    assert_error_line (o, 2, "unknown command 'frobnicate'");
  }
  {
    g_autoptr (Outcome) o = run_cli ("info", NULL);
    assert_error_line (o, 2, "info takes MODEL but got 0 arguments");
  }
  {
    g_autoptr (Outcome) o = run_cli ("info", "a.onnx", "b.onnx", NULL);
    assert_error_line (o, 2, "got 2 arguments");
  }
  {
    g_autoptr (Outcome) o = run_cli ("info", "--bogus", "a.onnx", NULL);
    assert_error_line (o, 2, "--bogus");
  }
  {
    /* After "--" a dash starts a file name, not an option. */
    g_autoptr (Outcome) o = run_cli ("info", "--", "/nonexistent/-x.onnx", NULL);
    assert_error_line (o, 1, "/nonexistent/-x.onnx");
  }
  {
    g_autoptr (Outcome) o = run_cli ("bench", "--runs", "0", "a.onnx", NULL);
    assert_error_line (o, 2, "--runs must be between 1 and");
  }
  {
    g_autoptr (Outcome) o = run_cli ("bench", "--runs", "many", "a.onnx", NULL);
    assert_error_line (o, 2, "many");
  }
  {
    g_autoptr (Outcome) o = run_cli ("bench", "--threads", "-1", "a.onnx", NULL);
    assert_error_line (o, 2, "--threads");
  }
  {
    g_autoptr (Outcome) o = run_cli ("classify", "--top", "0", "a.onnx", "b.png", NULL);
    assert_error_line (o, 2, "--top must be at least 1");
  }
  {
    g_autoptr (Outcome) o = run_cli ("classify", "a.onnx", NULL);
    assert_error_line (o, 2, "classify takes MODEL IMAGE…");
  }
  {
    g_autoptr (Outcome) o = run_cli ("run", "a.onnx", NULL);
    assert_error_line (o, 2, "run needs --in FILE");
  }
  {
    g_autoptr (Outcome) o = run_cli ("run", "a.onnx", "--in", "x.npy", NULL);
    assert_error_line (o, 2, "--out FILE or --taps DIR");
  }
}

static void
assert_lines_fit (const char *text, int columns)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (char **line = lines; *line != NULL; line++)
    {
      if (g_utf8_strlen (*line, -1) > columns)
        g_test_message ("too wide for %d columns: %s", columns, *line);
      g_assert_cmpint (g_utf8_strlen (*line, -1), <=, columns);
    }
}

static void
test_info_text (void)
{
  g_autofree char *tiny = NULL;
  const char *widths[] = { "80", "120" };

  if (!needs_fixtures ())
    return;
  tiny = fixture ("tiny.onnx");
  for (size_t i = 0; i < G_N_ELEMENTS (widths); i++)
    {
      const char *const args[] = { "info", tiny, NULL };
      g_autoptr (Outcome) o = run_cli_columns (widths[i], args);

      assert_success (o);
      assert_lines_fit (o->out, atoi (widths[i]));
      g_assert_true (contains (o->out, "conv1"));
      g_assert_true (contains (o->out, "block/conv 2"));
      g_assert_true (contains (o->out, "kernel 3×3  stride 1  pad 1"));
      g_assert_true (contains (o->out, "kernel 2×2  stride 2  pad 0"));
      g_assert_true (contains (o->out, "H, W: "));
      g_assert_true (contains (o->out, "369 parameters"));
      g_assert_true (contains (o->out, "  image  1×3×8×8  float32"));
      g_assert_true (contains (o->out, "  logits  1×5  float32"));
      /* The long name is cut in the middle, keeping both ends. */
      g_assert_null (strstr (o->out, LONG_NAME));
      g_assert_true (contains (o->out, "a_very_long"));
      g_assert_true (contains (o->out, "…"));
    }

  {
    g_autoptr (Outcome) o = run_cli ("info", "--brief", tiny, NULL);

    assert_success (o);
    g_assert_null (strstr (o->out, "kernel"));
    g_assert_true (contains (o->out, "block/conv 2"));
  }
}

static void
test_info_json (void)
{
  static const int64_t conv1_out[] = { 1, 4, 8, 8 };
  static const int64_t pool_out[] = { 1, 4, 4, 4 };
  static const int64_t conv2_out[] = { 1, 6, 2, 2 };
  static const int64_t square3[] = { 3, 3 }, square2[] = { 2, 2 };
  static const int64_t ones[] = { 1, 1 }, pads1[] = { 1, 1, 1, 1 };
  static const int64_t rf4[] = { 4, 4 }, rf8[] = { 8, 8 };
  static const int64_t image_shape[] = { 1, 3, 8, 8 }, logits_shape[] = { 1, 5 };
  g_autofree char *tiny = NULL;
  g_autoptr (JsonNode) root = NULL;
  JsonObject *info, *layer, *window, *tensor;
  JsonArray  *arithmetic;

  if (!needs_fixtures ())
    return;
  tiny = fixture ("tiny.onnx");
  root = info_json (tiny);
  info = json_node_get_object (root);

  g_assert_cmpstr (json_object_get_string_member (info, "format"), ==, "onnx");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (info, "totals"), "params"), ==, 369);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (info, "totals"), "layers"),
                   ==, json_array_get_length (json_object_get_array_member (info, "layers")));

  layer = find_layer (info, "conv1");
  g_assert_cmpstr (json_object_get_string_member (layer, "kind"), ==, "conv");
  g_assert_cmpint (json_object_get_int_member (layer, "params"), ==, 112);
  /* 64 output pixels × 4 channels × 27 taps. */
  g_assert_cmpint (json_object_get_int_member (layer, "macs"), ==, 64 * 4 * 27);
  assert_ints (json_object_get_array_member (layer, "output_shape"), 4, conv1_out);
  assert_ints (json_object_get_array_member (layer, "receptive_field"), 2, square3);
  window = json_object_get_object_member (layer, "window");
  assert_ints (json_object_get_array_member (window, "kernel"), 2, square3);
  assert_ints (json_object_get_array_member (window, "stride"), 2, ones);
  assert_ints (json_object_get_array_member (window, "pads"), 4, pads1);
  g_assert_cmpint (json_object_get_int_member (window, "groups"), ==, 1);
  arithmetic = json_object_get_array_member (window, "arithmetic");
  g_assert_true (g_str_has_suffix (json_array_get_string_element (arithmetic, 0), "= 8"));
  g_assert_true (g_str_has_suffix (json_array_get_string_element (arithmetic, 1), "= 8"));

  layer = find_layer (info, "pool");
  assert_ints (json_object_get_array_member (layer, "output_shape"), 4, pool_out);
  assert_ints (json_object_get_array_member (layer, "receptive_field"), 2, rf4);
  window = json_object_get_object_member (layer, "window");
  assert_ints (json_object_get_array_member (window, "stride"), 2, square2);
  arithmetic = json_object_get_array_member (window, "arithmetic");
  g_assert_true (g_str_has_suffix (json_array_get_string_element (arithmetic, 0), "= 4"));

  layer = find_layer (info, "block/conv 2");
  assert_ints (json_object_get_array_member (layer, "output_shape"), 4, conv2_out);
  assert_ints (json_object_get_array_member (layer, "receptive_field"), 2, rf8);
  assert_ints (json_object_get_array_member (layer, "jump"), 2, square2);

  layer = find_layer (info, "fc");
  g_assert_cmpstr (json_object_get_string_member (layer, "kind"), ==, "dense");
  g_assert_cmpint (json_object_get_int_member (layer, "params"), ==, 35);
  g_assert_cmpint (json_object_get_int_member (layer, "macs"), ==, 30);

  tensor = json_array_get_object_element (json_object_get_array_member (info, "inputs"), 0);
  g_assert_cmpstr (json_object_get_string_member (tensor, "name"), ==, "image");
  assert_ints (json_object_get_array_member (tensor, "shape"), 4, image_shape);
  tensor = json_array_get_object_element (json_object_get_array_member (info, "outputs"), 0);
  g_assert_cmpstr (json_object_get_string_member (tensor, "name"), ==, "logits");
  assert_ints (json_object_get_array_member (tensor, "shape"), 2, logits_shape);
}

static void
assert_close (const float *got, const float *expected, int64_t n, float tolerance)
{
  for (int64_t i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (got[i], expected[i],
                                    tolerance * MAX (1.0f, fabsf (expected[i])));
}

/* The file in @dir whose name starts with @prefix; there must be one. */
static char *
find_file (const char *dir, const char *prefix)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  char       *found = NULL;
  const char *name;

  g_assert_nonnull (listing);
  while ((name = g_dir_read_name (listing)) != NULL)
    if (g_str_has_prefix (name, prefix))
      {
        g_assert_null (found);
        found = g_strdup (name);
      }
  g_assert_nonnull (found);
  return found;
}

static guint
count_files (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (listing);
  while (g_dir_read_name (listing) != NULL)
    n++;
  return n;
}

static void
test_run_taps (void)
{
  g_autofree char *tiny = NULL, *input = NULL, *expected_path = NULL;
  g_autofree char *tmp = NULL, *out = NULL, *taps = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (Outcome) o = NULL;
  JsonArray *layers;
  CsTensor   result, expected, last_tap = { 0 };
  guint      n_layers;

  if (!needs_fixtures ())
    return;
  tiny = fixture ("tiny.onnx");
  input = fixture ("tiny_input.npy");
  expected_path = fixture ("tiny_expected.npy");
  tmp = make_temp_dir ();
  out = g_build_filename (tmp, "out.npy", NULL);
  taps = g_build_filename (tmp, "taps", "nested", NULL);

  o = run_cli ("run", tiny, "--in", input, "--out", out, "--taps", taps, NULL);
  assert_success (o);

  result = read_npy (out);
  expected = read_npy (expected_path);
  g_assert_true (cs_shape_equal (&result.shape, &expected.shape));
  assert_close (result.data, expected.data, cs_shape_numel (&expected.shape), 1e-4f);

  root = info_json (tiny);
  layers = json_object_get_array_member (json_node_get_object (root), "layers");
  n_layers = json_array_get_length (layers);
  g_assert_cmpuint (count_files (taps), ==, n_layers);
  for (guint i = 0; i < n_layers; i++)
    {
      JsonObject      *layer = json_array_get_object_element (layers, i);
      const char      *name = json_object_get_string_member (layer, "name");
      g_autofree char *prefix = g_strdup_printf ("%03u_", i);
      g_autofree char *file = find_file (taps, prefix);
      g_autofree char *path = g_build_filename (taps, file, NULL);
      CsTensor         tap = read_npy (path);

      g_test_message ("layer %u '%s' → %s", i, name, file);
      g_assert_true (g_str_has_suffix (file, ".npy"));
      if (strcmp (name, "block/conv 2") == 0)
        g_assert_cmpstr (file + 4, ==, "block_conv_2.npy");
      if (strcmp (name, LONG_NAME) == 0)
        g_assert_cmpuint (strlen (file), ==, 4 + 64 + 4);
      assert_shape_matches (&tap.shape, json_object_get_array_member (layer, "output_shape"));
      if (i + 1 == n_layers)
        last_tap = tap;
      else
        cli_tensor_clear (&tap);
    }
  /* The last layer's tap is the model's output. */
  g_assert_true (cs_shape_equal (&last_tap.shape, &result.shape));
  g_assert_cmpmem (last_tap.data, cs_shape_numel (&result.shape) * 4,
                   result.data, cs_shape_numel (&result.shape) * 4);

  cli_tensor_clear (&last_tap);
  cli_tensor_clear (&result);
  cli_tensor_clear (&expected);
  remove_tree (tmp);
}

/* A model whose output is ArgMax's int64 class numbers writes them as
 * int64 ('<i8'), little-endian, as NumPy reads them. */
static void
test_run_int64_output (void)
{
  const CsShape    shape = { 4, { 1, 2, 3, 3 } };
  /* |−2 + 0.25·i| of channel 0 against |0.25 + 0.25·i| of channel 1. */
  static const gint64 expected[9] = { 0, 0, 0, 0, 1, 1, 1, 1, 1 };
  g_autofree char *model = NULL, *tmp = NULL, *x = NULL, *y = NULL, *contents = NULL;
  gsize            length;
  const char      *data;

  if (!needs_fixtures ())
    return;
  model = fixture ("labels.onnx");
  tmp = make_temp_dir ();
  x = g_build_filename (tmp, "x.npy", NULL);
  y = g_build_filename (tmp, "y.npy", NULL);
  write_npy (x, &shape, -2.0f, 0.25f);
  {
    g_autoptr (Outcome) o = run_cli ("run", model, "--in", x, "--out", y, NULL);

    assert_success (o);
  }
  g_assert_true (g_file_get_contents (y, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, 128 + sizeof expected);
  /* Past the magic and the version's 0 byte, the header's text. */
  g_assert_nonnull (g_strstr_len (contents + 10, 118, "'descr': '<i8'"));
  g_assert_nonnull (g_strstr_len (contents + 10, 118, "'shape': (1, 3, 3)"));
  data = contents + 128;
  for (int i = 0; i < 9; i++)
    {
      gint64 label;

      memcpy (&label, data + 8 * i, sizeof label);
      g_assert_cmpint (GINT64_FROM_LE (label), ==, expected[i]);
    }
  remove_tree (tmp);
}

static void
test_run_two_outputs (void)
{
  const CsShape    shape = { 4, { 1, 2, 3, 3 } };
  g_autofree char *model = NULL, *tmp = NULL, *x = NULL, *a = NULL, *b = NULL,
                  *c = NULL;

  if (!needs_fixtures ())
    return;
  model = fixture ("two_outputs.onnx");
  tmp = make_temp_dir ();
  x = g_build_filename (tmp, "x.npy", NULL);
  a = g_build_filename (tmp, "a.npy", NULL);
  b = g_build_filename (tmp, "b.npy", NULL);
  c = g_build_filename (tmp, "c.npy", NULL);
  write_npy (x, &shape, -2.0f, 0.25f);

  {
    g_autoptr (Outcome) o = run_cli ("run", model, "--in", x, "--out", a,
                                     "--out", b, NULL);
    CsTensor pos, sig;

    assert_success (o);
    pos = read_npy (a);
    sig = read_npy (b);
    g_assert_true (cs_shape_equal (&pos.shape, &shape));
    g_assert_true (cs_shape_equal (&sig.shape, &shape));
    for (int i = 0; i < 18; i++)
      {
        float v = -2.0f + 0.25f * i;

        g_assert_cmpfloat_with_epsilon (((float *) pos.data)[i], MAX (v, 0.0f), 1e-6);
        g_assert_cmpfloat_with_epsilon (((float *) sig.data)[i],
                                        1.0f / (1.0f + expf (-v)), 1e-5);
      }
    cli_tensor_clear (&pos);
    cli_tensor_clear (&sig);
    g_unlink (a);
    g_unlink (b);
  }
  {
    /* One --out: the first output is written, the other is named in a
     * warning. */
    g_autoptr (Outcome) o = run_cli ("run", model, "--in", x, "--out", a, NULL);

    g_assert_cmpint (o->status, ==, 0);
    g_assert_true (g_str_has_prefix (o->err, "convscope: warning: "));
    g_assert_true (contains (o->err, "'sig'"));
    g_assert_true (g_file_test (a, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (b, G_FILE_TEST_EXISTS));
  }
  {
    g_autoptr (Outcome) o = run_cli ("run", model, "--in", x, "--out", a,
                                     "--out", b, "--out", c, NULL);

    assert_error_line (o, 1, "only 2 outputs");
  }
  remove_tree (tmp);
}

static void
test_run_bad_inputs (void)
{
  const CsShape    small = { 4, { 1, 3, 4, 4 } };
  const CsShape    right = { 4, { 1, 3, 8, 8 } };
  g_autofree char *tiny = NULL, *tmp = NULL, *wrong = NULL, *lying = NULL,
                  *text = NULL, *good = NULL, *out = NULL, *plain = NULL,
                  *nowhere = NULL, *missing = NULL;
  GString *lie;

  if (!needs_fixtures ())
    return;
  tiny = fixture ("tiny.onnx");
  tmp = make_temp_dir ();
  wrong = g_build_filename (tmp, "wrong.npy", NULL);
  lying = g_build_filename (tmp, "lying.npy", NULL);
  text = g_build_filename (tmp, "text.npy", NULL);
  good = g_build_filename (tmp, "good.npy", NULL);
  out = g_build_filename (tmp, "out.npy", NULL);
  plain = g_build_filename (tmp, "plain-file", NULL);
  nowhere = g_build_filename (tmp, "no", "such", "dir", "out.npy", NULL);
  missing = g_build_filename (tmp, "missing.npy", NULL);

  write_npy (wrong, &small, 0.0f, 0.01f);
  write_npy (good, &right, 0.0f, 0.01f);
  write_file (text, "1 2 3\n", -1);
  write_file (plain, "", 0);
  /* A header promising 1×3×8×8 floats in front of 100 bytes. */
  lie = g_string_new (NULL);
  g_string_append_len (lie, "\x93NUMPY\x01\x00\x76\x00", 10);
  g_string_append (lie, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 8, 8), }");
  while (lie->len < 127)
    g_string_append_c (lie, ' ');
  g_string_append_c (lie, '\n');
  g_assert_cmpuint (lie->len, ==, 128);
  for (int i = 0; i < 100; i++)
    g_string_append_c (lie, 'x');
  write_file (lying, lie->str, lie->len);
  g_string_free (lie, TRUE);

  {
    g_autoptr (Outcome) o = run_cli ("run", tiny, "--in", wrong, "--out", out, NULL);

    assert_error_line (o, 1, "wrong.npy: shape 1×3×4×4 does not match input 'image'");
    g_assert_true (contains (o->err, "1×3×8×8"));
    g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  }
  {
    g_autoptr (Outcome) o = run_cli ("run", tiny, "--in", lying, "--out", out, NULL);

    assert_error_line (o, 1, "lying.npy: the header promises a 1×3×8×8 float32 "
                       "array but the file holds 100 bytes");
  }
  {
    g_autoptr (Outcome) o = run_cli ("run", tiny, "--in", text, "--out", out, NULL);

    assert_error_line (o, 1, "text.npy: not a NumPy .npy file");
  }
  {
    g_autoptr (Outcome) o = run_cli ("run", tiny, "--in", missing, "--out", out, NULL);

    assert_error_line (o, 1, "missing.npy");
  }
  {
    g_autoptr (Outcome) o = run_cli ("run", tiny, "--in", good, "--in", good,
                                     "--out", out, NULL);

    assert_error_line (o, 1, "has 1 input but --in was given 2 times");
  }
  {
    g_autoptr (Outcome) o = run_cli ("run", tiny, "--in", good, "--out", nowhere, NULL);

    assert_error_line (o, 1, "out.npy: cannot create");
  }
  {
    g_autoptr (Outcome) o = run_cli ("run", tiny, "--in", good, "--taps", plain, NULL);

    assert_error_line (o, 1, "plain-file: cannot create the directory");
  }
  remove_tree (tmp);
}

static void
test_bad_models (void)
{
  g_autofree char *tmp = NULL, *tiny = NULL, *contents = NULL;
  g_autofree char *truncated = NULL, *garbage = NULL, *empty = NULL,
                  *missing = NULL, *unsupported = NULL, *input = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  guint8 noise[512];
  gsize  length;

  if (!needs_fixtures ())
    return;
  tmp = make_temp_dir ();
  tiny = fixture ("tiny.onnx");
  input = fixture ("tiny_input.npy");
  unsupported = fixture ("unsupported.onnx");
  truncated = g_build_filename (tmp, "truncated.onnx", NULL);
  garbage = g_build_filename (tmp, "garbage.onnx", NULL);
  empty = g_build_filename (tmp, "empty.onnx", NULL);
  missing = g_build_filename (tmp, "missing.onnx", NULL);

  g_assert_true (g_file_get_contents (tiny, &contents, &length, NULL));
  write_file (truncated, contents, length / 2);
  for (size_t i = 0; i < sizeof noise; i++)
    noise[i] = g_rand_int_range (rand, 0, 256);
  write_file (garbage, noise, sizeof noise);
  write_file (empty, "", 0);

  {
    const char *models[] = { truncated, garbage, empty, missing };
    const char *names[] = { "truncated.onnx", "garbage.onnx", "empty.onnx",
                            "missing.onnx" };

    for (size_t i = 0; i < G_N_ELEMENTS (models); i++)
      {
        g_autoptr (Outcome) info = run_cli ("info", models[i], NULL);
        g_autoptr (Outcome) run = run_cli ("run", models[i], "--in", input,
                                           "--taps", tmp, NULL);
        g_autoptr (Outcome) classify = run_cli ("classify", models[i], "x.png", NULL);
        g_autoptr (Outcome) bench = run_cli ("bench", models[i], NULL);

        assert_error_line (info, 1, names[i]);
        g_assert_cmpstr (info->out, ==, "");
        assert_error_line (run, 1, names[i]);
        assert_error_line (classify, 1, names[i]);
        assert_error_line (bench, 1, names[i]);
      }
  }
  {
    g_autoptr (Outcome) o = run_cli ("info", unsupported, NULL);

    assert_error_line (o, 1, "Hardmax");
    g_assert_true (contains (o->err, "unsupported.onnx"));
  }
  remove_tree (tmp);
}

static void
test_hostile_names (void)
{
  const CsShape    shape = { 4, { 1, 2, 2, 2 } };
  g_autofree char *model = NULL, *tmp = NULL, *x = NULL, *taps = NULL,
                  *tap = NULL;

  if (!needs_fixtures ())
    return;
  model = fixture ("hostile_names.onnx");
  tmp = make_temp_dir ();
  x = g_build_filename (tmp, "x.npy", NULL);
  taps = g_build_filename (tmp, "taps", NULL);
  tap = g_build_filename (taps, "000_evil_2J_eman.npy", NULL);
  write_npy (x, &shape, -1.0f, 0.25f);

  {
    g_autoptr (Outcome) text = run_cli ("info", model, NULL);
    g_autoptr (Outcome) json = run_cli ("info", "--json", model, NULL);

    assert_success (text);
    assert_success (json);
    g_assert_true (contains (text->out, "evil?[2J?eman"));
    g_assert_true (contains (json->out, "evil?[2J?eman"));
    g_assert_null (strchr (text->out, '\x1b'));
    g_assert_null (strstr (text->out, "\u202e"));
  }
  {
    g_autoptr (Outcome) o = run_cli ("run", model, "--in", x, "--taps", taps, NULL);

    assert_success (o);
    g_assert_cmpuint (count_files (taps), ==, 1);
    g_assert_true (g_file_test (tap, G_FILE_TEST_IS_REGULAR));
  }
  remove_tree (tmp);
}

static void
save_png (const char *path, gboolean alpha, guint32 rgba, int width, int height)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8,
                                                 width, height);
  GError *error = NULL;

  gdk_pixbuf_fill (pixbuf, rgba);
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
}

static JsonArray *
top_of (JsonObject *result, guint image)
{
  JsonArray *images = json_object_get_array_member (result, "images");

  return json_object_get_array_member (json_array_get_object_element (images, image),
                                       "top");
}

static void
test_classify (void)
{
  /* Scores 10·mean(R), 10·mean(G), 10·mean(B), through a softmax. */
  const double red_p = exp (10.0) / (exp (10.0) + 2.0);
  g_autofree char *model = NULL, *tmp = NULL, *red = NULL, *clear = NULL,
                  *labels = NULL, *short_labels = NULL, *not_image = NULL,
                  *beside_dir = NULL, *beside_model = NULL, *beside_labels = NULL,
                  *nope = NULL, *two = NULL, *contents = NULL,
                  *binary_labels = NULL;
  gsize length;

  if (!needs_fixtures ())
    return;
  model = fixture ("colors.onnx");
  two = fixture ("two_outputs.onnx");
  tmp = make_temp_dir ();
  red = g_build_filename (tmp, "red.png", NULL);
  clear = g_build_filename (tmp, "clear.png", NULL);
  labels = g_build_filename (tmp, "labels.txt", NULL);
  short_labels = g_build_filename (tmp, "short.txt", NULL);
  not_image = g_build_filename (tmp, "notimage.png", NULL);
  nope = g_build_filename (tmp, "nope.txt", NULL);
  binary_labels = g_build_filename (tmp, "binary.txt", NULL);
  beside_dir = g_build_filename (tmp, "beside", NULL);
  beside_model = g_build_filename (beside_dir, "colors.onnx", NULL);
  beside_labels = g_build_filename (beside_dir, "labels.txt", NULL);

  /* Solid red at a size other than the model's 4×4; fully transparent
   * red, which composited over white is white. */
  save_png (red, FALSE, 0xff0000ff, 10, 6);
  save_png (clear, TRUE, 0xff000000, 5, 5);
  write_file (labels, "red\ngreen\nblue\n", -1);
  write_file (short_labels, "red\n", -1);
  write_file (binary_labels, "red\n\xff\xfe\x00green\n", 12);
  write_file (not_image, "this is text, not a PNG\n", -1);
  g_assert_cmpint (g_mkdir (beside_dir, 0700), ==, 0);
  g_assert_true (g_file_get_contents (model, &contents, &length, NULL));
  write_file (beside_model, contents, length);
  write_file (beside_labels, "R\r\nG\r\nB\r\n", -1);

  {
    g_autoptr (Outcome) o = run_cli ("classify", model, red, clear, "--labels",
                                     labels, "--top", "3", "--json", NULL);
    g_autoptr (JsonNode) root = NULL;
    JsonArray  *top;
    JsonObject *first, *second;

    assert_success (o);
    root = parse_json (o->out);
    top = top_of (json_node_get_object (root), 0);
    g_assert_cmpuint (json_array_get_length (top), ==, 3);
    first = json_array_get_object_element (top, 0);
    second = json_array_get_object_element (top, 1);
    g_assert_cmpint (json_object_get_int_member (first, "rank"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (first, "class"), ==, 0);
    g_assert_cmpstr (json_object_get_string_member (first, "label"), ==, "red");
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (first, "probability"),
                                    red_p, 1e-4);
    /* Green and blue tie; the lower class comes first. */
    g_assert_cmpint (json_object_get_int_member (second, "class"), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (second, "label"), ==, "green");
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (second, "probability"),
                                    (1.0 - red_p) / 2.0, 1e-5);

    top = top_of (json_node_get_object (root), 1);
    for (guint i = 0; i < 3; i++)
      g_assert_cmpfloat_with_epsilon (
        json_object_get_double_member (json_array_get_object_element (top, i),
                                       "probability"), 1.0 / 3.0, 1e-3);
  }
  {
    g_autoptr (Outcome) o = run_cli ("classify", model, red, "--labels", labels,
                                     "--top", "1", NULL);

    assert_success (o);
    g_assert_true (contains (o->out, "red.png"));
    g_assert_true (contains (o->out, "rank  class  probability  label"));
    g_assert_true (contains (o->out, "     1      0       0.9999  red\n"));
    g_assert_null (strstr (o->out, "green"));
  }
  {
    g_autoptr (Outcome) o = run_cli ("classify", beside_model, red, "--top", "1", NULL);

    assert_success (o);
    g_assert_true (contains (o->out, "0.9999  R\n"));
  }
  {
    g_autoptr (Outcome) o = run_cli ("classify", model, red, "--labels", nope, NULL);

    g_assert_cmpint (o->status, ==, 0);
    g_assert_true (g_str_has_prefix (o->err, "convscope: warning: "));
    g_assert_true (contains (o->err, "nope.txt"));
    g_assert_cmpint (strchr (o->err, '\n')[1], ==, '\0');
    g_assert_true (contains (o->out, "class 0"));
  }
  {
    g_autoptr (Outcome) o = run_cli ("classify", model, red, "--labels",
                                     binary_labels, NULL);

    g_assert_cmpint (o->status, ==, 0);
    g_assert_true (g_str_has_prefix (o->err, "convscope: warning: "));
    g_assert_true (contains (o->err, "binary.txt: not UTF-8 text"));
    g_assert_true (contains (o->out, "class 0"));
  }
  {
    g_autoptr (Outcome) o = run_cli ("classify", model, red, "--labels",
                                     short_labels, NULL);

    g_assert_cmpint (o->status, ==, 0);
    g_assert_true (contains (o->err, "1 label for 3 classes"));
    g_assert_true (contains (o->out, "  red\n"));
    g_assert_true (contains (o->out, "class 2"));
  }
  {
    g_autoptr (Outcome) o = run_cli ("classify", model, not_image, NULL);

    assert_error_line (o, 1, "notimage.png");
  }
  {
    g_autoptr (Outcome) o = run_cli ("classify", model, "/nonexistent/cat.png", NULL);

    assert_error_line (o, 1, "/nonexistent/cat.png");
  }
  {
    g_autoptr (Outcome) o = run_cli ("classify", two, red, NULL);

    assert_error_line (o, 1, "not an image of shape 1×3×H×W");
  }
  remove_tree (tmp);
}

/* The model card and --resize: a card beside the model is picked up, its
 * background shows through transparency, letterbox borders take its fill
 * colour, and bad options or cards are one-line errors. */
static void
test_classify_card (void)
{
  g_autofree char *model = NULL, *tmp = NULL, *beside_model = NULL, *card = NULL,
                  *clear = NULL, *strip = NULL, *contents = NULL, *missing = NULL,
                  *names = NULL;
  gsize length;

  if (!needs_fixtures ())
    return;
  model = fixture ("colors.onnx");
  tmp = make_temp_dir ();
  beside_model = g_build_filename (tmp, "colors.onnx", NULL);
  card = g_build_filename (tmp, "colors.onnx.ini", NULL);
  clear = g_build_filename (tmp, "clear.png", NULL);
  strip = g_build_filename (tmp, "strip.png", NULL);
  missing = g_build_filename (tmp, "missing.ini", NULL);
  names = g_build_filename (tmp, "names.txt", NULL);
  g_assert_true (g_file_get_contents (model, &contents, &length, NULL));
  write_file (beside_model, contents, length);
  write_file (card, "[model]\nname = colours\n[input]\nbackground = #00ff00\n"
                    "fill = #0000ff\n[labels]\nfile = names.txt\n", -1);
  write_file (names, "red\ngreen\nblue\n", -1);
  /* Transparent red; a red strip 10×2, which letterboxed into 4×4 covers
   * one row of four. */
  save_png (clear, TRUE, 0xff000000, 5, 5);
  save_png (strip, FALSE, 0xff0000ff, 10, 2);

  {
    g_autoptr (Outcome) o = run_cli ("classify", beside_model, clear, "--top", "1", NULL);

    assert_success (o);
    g_assert_true (contains (o->out, "  green\n"));
  }
  {
    g_autoptr (Outcome) stretched = run_cli ("classify", beside_model, strip, "--top", "1", NULL);
    g_autoptr (Outcome) boxed = run_cli ("classify", beside_model, strip, "--top", "1",
                                         "--resize", "letterbox", NULL);

    assert_success (stretched);
    g_assert_true (contains (stretched->out, "  red\n"));
    assert_success (boxed);
    g_assert_true (contains (boxed->out, "  blue\n"));
  }
  {
    g_autoptr (Outcome) o = run_cli ("classify", beside_model, strip, "--resize", "squash", NULL);

    assert_error_line (o, 2, "--resize takes stretch, crop[:FRACTION] or letterbox, not 'squash'");
  }
  {
    g_autoptr (Outcome) o = run_cli ("classify", beside_model, strip, "--resize", "crop:1.5", NULL);

    assert_error_line (o, 2, "the crop fraction must be a number in (0, 1], not '1.5'");
  }
  {
    g_autoptr (Outcome) o = run_cli ("classify", model, strip, "--card", missing, NULL);

    assert_error_line (o, 1, "missing.ini: cannot read the model card");
  }
  write_file (card, "[input]\nresize = sideways\n", -1);
  {
    g_autoptr (Outcome) o = run_cli ("classify", beside_model, strip, NULL);

    assert_error_line (o, 1, "colors.onnx.ini: [input] resize: expected stretch, crop or "
                             "letterbox, not 'sideways'");
  }
  remove_tree (tmp);
}

static void
test_bench (void)
{
  g_autofree char *tiny = NULL;
  const gboolean with_taps[] = { FALSE, TRUE };

  if (!needs_fixtures ())
    return;
  tiny = fixture ("tiny.onnx");
  for (size_t i = 0; i < G_N_ELEMENTS (with_taps); i++)
    {
      g_autoptr (Outcome) o = run_cli ("bench", tiny, "--runs", "3", "--warmup", "1",
                                       "--threads", "1", "--json",
                                       with_taps[i] ? "--taps" : NULL, NULL);
      g_autoptr (JsonNode) root = NULL;
      JsonObject *bench;
      double      min, median, mean, max;

      assert_success (o);
      root = parse_json (o->out);
      bench = json_node_get_object (root);
      g_assert_cmpint (json_object_get_int_member (bench, "runs"), ==, 3);
      g_assert_cmpint (json_object_get_int_member (bench, "warmup"), ==, 1);
      g_assert_cmpint (json_object_get_int_member (bench, "threads"), ==, 1);
      g_assert_cmpint (json_object_get_boolean_member (bench, "taps"), ==, with_taps[i]);
      g_assert_cmpint (json_object_get_int_member (bench, "macs"), >, 0);
      min = json_object_get_double_member (bench, "min_ms");
      median = json_object_get_double_member (bench, "median_ms");
      mean = json_object_get_double_member (bench, "mean_ms");
      max = json_object_get_double_member (bench, "max_ms");
      g_assert_cmpfloat (min, >=, 0.0);
      g_assert_cmpfloat (min, <=, median);
      g_assert_cmpfloat (median, <=, max);
      g_assert_cmpfloat (min, <=, mean);
      g_assert_cmpfloat (mean, <=, max);
      /* Its own peak memory, where the system tells it: more than the
       * megabyte a process takes just to start, less than this machine. */
      if (g_file_test ("/proc/self/status", G_FILE_TEST_EXISTS))
        {
          g_assert_true (json_object_has_member (bench, "peak_rss_kib"));
          g_assert_cmpint (json_object_get_int_member (bench, "peak_rss_kib"), >, 1024);
          g_assert_cmpint (json_object_get_int_member (bench, "peak_rss_kib"), <,
                           G_GINT64_CONSTANT (1) << 32);
        }
    }
  {
    g_autoptr (Outcome) o = run_cli ("bench", tiny, "--runs", "2", "--warmup", "0", NULL);

    assert_success (o);
    g_assert_true (contains (o->out, "2 runs on"));
    g_assert_true (contains (o->out, "median "));
  }
}

/* `convscope probe --json` on tiny.onnx and its input, parsed; the caller
 * unrefs it. */
static JsonNode *
probe_json (const char *layer, const char *channel, const char *at)
{
  g_autofree char *tiny = fixture ("tiny.onnx");
  g_autofree char *input = fixture ("tiny_input.npy");
  g_autoptr (Outcome) o = run_cli ("probe", tiny, "--in", input, "--layer", layer,
                                   "--channel", channel, "--at", at, "--json", NULL);

  assert_success (o);
  return parse_json (o->out);
}

/* @expected's element (0, @c, @y, @x), of a .npy NumPy wrote. */
static float
numpy_value (const char *name, int64_t c, int64_t y, int64_t x)
{
  g_autofree char *path = fixture (name);
  CsTensor tensor = read_npy (path);
  float value = ((const float *) tensor.data)[(c * tensor.shape.dims[2] + y)
                                              * tensor.shape.dims[3] + x];

  cli_tensor_clear (&tensor);
  return value;
}

static void
assert_probe_value (JsonObject *probe, float expected)
{
  double value = json_object_get_double_member (probe, "value");

  g_assert_cmpfloat_with_epsilon (value, expected, 1e-5 * MAX (1.0, fabs (expected)));
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (probe, "tapped"), value,
                                  1e-5 * MAX (1.0, fabs (value)));
}

static void
test_probe (void)
{
  /* tiny.onnx: conv1 3×3 pad 1, a 2×2 pool, "block/conv 2" 3×3 on 8×8. */
  static const int64_t conv2_box[] = { 1, -1, 8, 6 }, conv2_inside[] = { 1, 0, 7, 6 };
  static const int64_t conv1_box[] = { -1, -1, 1, 1 }, conv1_inside[] = { 0, 0, 1, 1 };
  static const int64_t pool_box[] = { 5, 5, 8, 8 }, pool_inside[] = { 5, 5, 7, 7 };
  JsonObject *probe;

  if (!needs_fixtures ())
    return;
  {
    /* Output (1, 0) of block/conv 2 reads pool rows 1–3, columns 0–2,
     * that is conv1 rows 2–7, columns 0–5, and input rows 1–8, columns
     * −1–6: row 8 and column −1 are conv1's padding. */
    g_autoptr (JsonNode) root = probe_json ("block/conv 2", "5", "1,0");
    JsonArray *weights, *products;
    double sum = 0.0;

    probe = json_node_get_object (root);
    assert_ints (json_object_get_array_member (probe, "box"), 4, conv2_box);
    assert_ints (json_object_get_array_member (probe, "box_in_image"), 4, conv2_inside);
    assert_probe_value (probe, numpy_value ("tiny_conv2.npy", 5, 1, 0));
    g_assert_true (json_object_get_null_member (probe, "activation"));
    g_assert_false (json_object_get_boolean_member (probe, "folded_batchnorm"));
    /* 4 input channels × 3×3 taps, all inside the 4×4 pool output. */
    weights = json_object_get_array_member (probe, "weights");
    products = json_object_get_array_member (probe, "products");
    g_assert_cmpuint (json_array_get_length (weights), ==, 36);
    g_assert_cmpuint (json_array_get_length (products), ==, 36);
    for (guint i = 0; i < 36; i++)
      sum += json_array_get_double_element (products, i);
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (probe, "sum"), sum, 1e-5);
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (probe, "pre_activation"),
                                    sum + json_object_get_double_member (probe, "bias"),
                                    1e-5);
  }
  {
    g_autoptr (JsonNode) root = probe_json ("conv1", "3", "0,0");
    JsonArray *padding;
    int padded = 0;

    probe = json_node_get_object (root);
    assert_ints (json_object_get_array_member (probe, "box"), 4, conv1_box);
    assert_ints (json_object_get_array_member (probe, "box_in_image"), 4, conv1_inside);
    assert_probe_value (probe, numpy_value ("tiny_conv1.npy", 3, 0, 0));
    g_assert_cmpstr (json_object_get_string_member (probe, "activation"), ==, "Relu");
    /* The corner's 3×3 window has 5 of its 9 taps in the padding, in
     * each of the 3 channels. */
    padding = json_object_get_array_member (probe, "padding");
    for (guint i = 0; i < json_array_get_length (padding); i++)
      padded += json_array_get_boolean_element (padding, i);
    g_assert_cmpint (padded, ==, 15);
  }
  {
    /* A pool has no sum to show: only its box and value. */
    g_autoptr (JsonNode) root = probe_json ("pool", "2", "3,3");

    probe = json_node_get_object (root);
    assert_ints (json_object_get_array_member (probe, "box"), 4, pool_box);
    assert_ints (json_object_get_array_member (probe, "box_in_image"), 4, pool_inside);
    g_assert_false (json_object_has_member (probe, "sum"));
    g_assert_cmpfloat (json_object_get_double_member (probe, "value"), ==,
                       json_object_get_double_member (probe, "tapped"));
  }
}

static void
test_probe_text_and_errors (void)
{
  g_autofree char *tiny = NULL, *input = NULL, *tmp = NULL, *red = NULL;

  if (!needs_fixtures ())
    return;
  tiny = fixture ("tiny.onnx");
  input = fixture ("tiny_input.npy");
  tmp = make_temp_dir ();
  red = g_build_filename (tmp, "red.png", NULL);
  save_png (red, FALSE, 0xff0000ff, 10, 6);
  {
    g_autoptr (Outcome) o = run_cli ("probe", tiny, "--in", input, "--layer", "block/conv 2",
                                     "--channel", "5", "--at", "1,0", NULL);

    assert_success (o);
    g_assert_true (contains (o->out, "receptive field (y0, x0, y1, x1, inclusive): 1, -1, 8, 6\n"));
    g_assert_true (contains (o->out, "inside the image:                          1, 0, 7, 6\n"));
    g_assert_true (contains (o->out, "sum of patch × kernel: "));
    g_assert_true (contains (o->out, "activation:            none\n"));
  }
  {
    /* An image, prepared as the model card says. */
    g_autoptr (Outcome) o = run_cli ("probe", tiny, red, "--layer", "conv1", "--at", "7,7",
                                     NULL);

    assert_success (o);
    g_assert_true (contains (o->out, "receptive field (y0, x0, y1, x1, inclusive): 6, 6, 8, 8\n"));
    g_assert_true (contains (o->out, "activation:            Relu\n"));
  }
  {
    g_autoptr (Outcome) o = run_cli ("probe", tiny, "--in", input, "--layer", "nope",
                                     "--at", "0,0", NULL);
    assert_error_line (o, 1, "has no layer called 'nope'");
  }
  {
    g_autoptr (Outcome) o = run_cli ("probe", tiny, "--in", input, "--layer", "conv1",
                                     "--channel", "4", "--at", "0,0", NULL);
    assert_error_line (o, 1, "channel 4 at 0,0 is outside layer conv1's 4 channels of 8×8");
  }
  {
    g_autoptr (Outcome) o = run_cli ("probe", tiny, "--in", input, "--layer", "pool",
                                     "--at", "0,4", NULL);
    assert_error_line (o, 1, "is outside layer pool's");
  }
  {
    g_autoptr (Outcome) o = run_cli ("probe", tiny, "--in", input, "--layer", "fc",
                                     "--at", "0,0", NULL);
    assert_error_line (o, 1, "is not a 1×C×H×W map");
  }
  {
    g_autoptr (Outcome) o = run_cli ("probe", tiny, "--in", input, "--layer", "conv1",
                                     "--at", "1", NULL);
    assert_error_line (o, 2, "--at takes ROW,COLUMN");
  }
  {
    g_autoptr (Outcome) o = run_cli ("probe", tiny, "--in", input, "--at", "1,1", NULL);
    assert_error_line (o, 2, "probe needs --layer NAME and --at Y,X");
  }
  {
    g_autoptr (Outcome) o = run_cli ("probe", tiny, red, "--in", input, "--layer", "conv1",
                                     "--at", "1,1", NULL);
    assert_error_line (o, 2, "exactly one of them");
  }
  remove_tree (tmp);
}

/* The catalogue entries' names and "installed" flags, in order, as
 * "name:0 name:1 …". */
static char *
catalogue_summary (JsonObject *object)
{
  JsonArray *catalogue = json_object_get_array_member (object, "catalogue");
  GString   *summary = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (catalogue); i++)
    {
      JsonObject *entry = json_array_get_object_element (catalogue, i);

      g_assert_cmpint (strlen (json_object_get_string_member (entry, "sha256")), ==, 64);
      g_string_append_printf (summary, "%s%s:%d", i > 0 ? " " : "",
                              json_object_get_string_member (entry, "name"),
                              json_object_get_boolean_member (entry, "installed"));
    }
  return g_string_free (summary, FALSE);
}

/* `convscope models --json` and `convscope fetch --list --json` with the
 * bundled model and catalogue of the source tree, empty user directories
 * and one catalogue model "downloaded" (its file made here). */
static void
test_models_json (void)
{
  g_autofree char *home = make_temp_dir ();
  g_autofree char *data = g_build_filename (home, "data", NULL);
  g_autofree char *downloads = g_build_filename (data, "convscope", "models", NULL);
  g_autofree char *fake = g_build_filename (downloads, "mobilenet_v2_1.0_224_quant.tflite", NULL);
  g_autofree char *config = g_build_filename (home, "config", NULL);
  g_autofree char *bundled = g_build_filename (g_getenv ("CONVSCOPE_TEST_WEIGHTS"),
                                               "fashion-mnist-cnn.onnx", NULL);
  g_autofree char *from_models = NULL;
  g_autoptr (JsonNode) models_root = NULL;
  JsonObject *models, *first;

  g_assert_cmpint (g_mkdir_with_parents (downloads, 0700), ==, 0);
  write_file (fake, "not a model", -1);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("CONVSCOPE_WEIGHTS_DIR", g_getenv ("CONVSCOPE_TEST_WEIGHTS"), TRUE);
  {
    g_autoptr (Outcome) o = run_cli ("models", "--json", NULL);

    assert_success (o);
    models_root = parse_json (o->out);
  }
  models = json_node_get_object (models_root);
  first = json_array_get_object_element (json_object_get_array_member (models, "models"), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "name"), ==,
                   "Fashion-MNIST CNN (Convscope)");
  g_assert_cmpstr (json_object_get_string_member (first, "path"), ==, bundled);
  g_assert_cmpstr (json_object_get_string_member (first, "origin"), ==, "bundled");
  g_assert_cmpstr (json_object_get_string_member (first, "task"), ==, "classification");
  g_assert_cmpint (json_object_get_int_member (first, "classes"), ==, 10);
  g_assert_cmpstr (json_object_get_string_member (models, "downloads"), ==, downloads);
  from_models = catalogue_summary (models);
  g_assert_true (contains (from_models, "mobilenet-v2:1"));
  g_assert_nonnull (strstr (from_models, ":0"));
  {
    g_autoptr (Outcome) o = run_cli ("fetch", "--list", "--json", NULL);

    if (o->status == 2 && contains (o->err, "unknown command"))
      g_test_message ("built without fetch (libsoup 3)");
    else
      {
        g_autoptr (JsonNode) root = NULL;
        g_autofree char *from_fetch = NULL;

        assert_success (o);
        root = parse_json (o->out);
        from_fetch = catalogue_summary (json_node_get_object (root));
        g_assert_cmpstr (from_fetch, ==, from_models);
      }
  }
  {
    g_autoptr (Outcome) o = run_cli ("models", "--json", "--default", "none", NULL);

    assert_error_line (o, 2, "--json");
  }
  g_unsetenv ("XDG_DATA_HOME");
  g_unsetenv ("XDG_CONFIG_HOME");
  g_unsetenv ("CONVSCOPE_WEIGHTS_DIR");
  remove_tree (home);
}

/* The largest |a − b| of two tensors of one shape. */
static double
max_difference (const CsTensor *a, const CsTensor *b)
{
  double worst = 0.0;

  g_assert_true (cs_shape_equal (&a->shape, &b->shape));
  for (int64_t i = 0; i < cs_shape_numel (&a->shape); i++)
    worst = MAX (worst, fabs ((double) ((const float *) a->data)[i] - ((const float *) b->data)[i]));
  return worst;
}

/* --in: the raw Grad-CAM map and the gradient against NumPy's (made by
 * make_fixtures.py from the weights), and the errors. */
static void
test_explain_tensor (void)
{
  g_autofree char *tiny = NULL, *input = NULL, *tmp = NULL, *map_path = NULL,
                  *grad_path = NULL, *two = NULL, *want_map_path = NULL,
                  *want_grad_path = NULL;
  static const struct
  {
    const char *klass, *layer, *message;
  } bad[] = {
    { "5", "block/conv 2", "class 5 is out of range" },
    { "parrot", "block/conv 2", "no class is labelled 'parrot'" },
    { "3", "fc", "layer 'fc' has no spatial extent" },
    { "3", "nowhere", "no layer called 'nowhere'" },
  };

  if (!needs_fixtures ())
    return;
  tiny = fixture ("tiny.onnx");
  input = fixture ("tiny_input.npy");
  two = fixture ("two_outputs.onnx");
  want_map_path = fixture ("tiny_gradcam_map.npy");
  want_grad_path = fixture ("tiny_gradcam_grad.npy");
  tmp = make_temp_dir ();
  map_path = g_build_filename (tmp, "map.npy", NULL);
  grad_path = g_build_filename (tmp, "grad.npy", NULL);
  {
    g_autoptr (Outcome) o = run_cli ("explain", tiny, "--in", input, "--layer", "block/conv 2",
                                     "--class", "3", "--method", "gradcam", "--out", map_path,
                                     "--grad-out", grad_path, NULL);
    CsTensor map, grad, want_map, want_grad;

    assert_success (o);
    map = read_npy (map_path);
    grad = read_npy (grad_path);
    want_map = read_npy (want_map_path);
    want_grad = read_npy (want_grad_path);
    g_assert_cmpint (map.shape.rank, ==, 2);
    g_assert_cmpfloat (max_difference (&map, &want_map), <=, 1e-5);
    g_assert_cmpfloat (max_difference (&grad, &want_grad), <=, 1e-6);
    cli_tensor_clear (&map);
    cli_tensor_clear (&grad);
    cli_tensor_clear (&want_map);
    cli_tensor_clear (&want_grad);
  }
  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (Outcome) o = run_cli ("explain", tiny, "--in", input, "--layer", bad[i].layer,
                                       "--class", bad[i].klass, "--out", map_path, NULL);

      assert_error_line (o, 1, bad[i].message);
    }
  {
    const CsShape shape = { 4, { 1, 2, 3, 3 } };
    g_autofree char *two_input = g_build_filename (tmp, "x.npy", NULL);
    g_autoptr (Outcome) o = NULL;

    write_npy (two_input, &shape, -1.0f, 0.1f);
    o = run_cli ("explain", two, "--in", two_input, "--layer", "sigmoid", "--class", "0",
                 "--out", map_path, NULL);
    assert_error_line (o, 1, "layer 'sigmoid' does not lead to output 'pos'");
  }
  {
    g_autoptr (Outcome) o = run_cli ("explain", tiny, "--in", input, "--class", "3",
                                     "--method", "blur", "--out", map_path, NULL);

    assert_error_line (o, 2, "--method takes gradcam, cam, saliency or occlusion");
  }
  remove_tree (tmp);
}

/* On an image: every method writes a map at the image's size with
 * values in [0, 1], numbered when there are several classes. */
static void
test_explain_images (void)
{
  static const char *const methods[] = { "gradcam", "cam", "saliency", "occlusion" };
  g_autofree char *tiny = NULL, *tmp = NULL, *red = NULL, *heat = NULL, *overlay = NULL;

  if (!needs_fixtures ())
    return;
  tiny = fixture ("tiny.onnx");
  tmp = make_temp_dir ();
  red = g_build_filename (tmp, "red.png", NULL);
  heat = g_build_filename (tmp, "heat.npy", NULL);
  overlay = g_build_filename (tmp, "overlay.png", NULL);
  save_png (red, FALSE, 0xff2040ff, 10, 6);
  for (size_t m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      g_autoptr (Outcome) o = run_cli ("explain", tiny, red, "--method", methods[m], "--top",
                                       "2", "--out", heat, "--overlay", overlay, "--json",
                                       NULL);
      g_autoptr (JsonNode) root = NULL;
      JsonArray *results;

      assert_success (o);
      root = parse_json (o->out);
      results = json_node_get_array (root);
      g_assert_cmpuint (json_array_get_length (results), ==, 2);
      for (guint k = 0; k < 2; k++)
        {
          JsonObject *result = json_array_get_object_element (results, k);
          const char *out = json_object_get_string_member (result, "out");
          const char *over = json_object_get_string_member (result, "overlay");
          g_autoptr (GdkPixbuf) picture = gdk_pixbuf_new_from_file (over, NULL);
          g_autofree char *numbered = g_strdup_printf (
            "heat-1-%" G_GINT64_FORMAT ".npy", json_object_get_int_member (result, "class"));
          CsTensor map = read_npy (out);
          float low = INFINITY, high = -INFINITY;

          g_assert_cmpstr (json_object_get_string_member (result, "method"), ==, methods[m]);
          g_assert_true (g_str_has_suffix (out, numbered));
          g_assert_cmpint (map.shape.rank, ==, 2);
          g_assert_cmpint (map.shape.dims[0], ==, 6);
          g_assert_cmpint (map.shape.dims[1], ==, 10);
          for (int i = 0; i < 60; i++)
            {
              low = MIN (low, ((float *) map.data)[i]);
              high = MAX (high, ((float *) map.data)[i]);
            }
          g_assert_cmpfloat (low, >=, 0.0f);
          g_assert_cmpfloat (high, <=, 1.0f);
          g_assert_nonnull (picture);
          g_assert_cmpint (gdk_pixbuf_get_width (picture), ==, 10);
          g_assert_cmpint (gdk_pixbuf_get_height (picture), ==, 6);
          cli_tensor_clear (&map);
        }
    }
  remove_tree (tmp);
}

static int
by_value (gconstpointer a, gconstpointer b, gpointer values)
{
  float left = ((const float *) values)[*(const int64_t *) a];
  float right = ((const float *) values)[*(const int64_t *) b];

  return (left > right) - (left < right);
}

/* The rank of each of the @n @values, ties given their mean rank, as
 * Spearman's correlation needs (a heat map has many zeros); the caller
 * frees it. */
static double *
ranks (const float *values, int64_t n)
{
  g_autofree int64_t *order = g_new (int64_t, n);
  double             *rank = g_new (double, n);

  for (int64_t i = 0; i < n; i++)
    order[i] = i;
  g_qsort_with_data (order, (gint) n, sizeof *order, by_value, (gpointer) values);
  for (int64_t first = 0, last; first < n; first = last)
    {
      for (last = first + 1; last < n && values[order[last]] == values[order[first]]; last++)
        ;
      for (int64_t i = first; i < last; i++)
        rank[order[i]] = (double) (first + last - 1) / 2.0;
    }
  return rank;
}

/* Spearman's rank correlation of two maps of @n values. */
static double
rank_correlation (const float *a, const float *b, int64_t n)
{
  g_autofree double *rank_a = ranks (a, n);
  g_autofree double *rank_b = ranks (b, n);
  double             mean = (double) (n - 1) / 2.0, ab = 0, aa = 0, bb = 0;

  for (int64_t i = 0; i < n; i++)
    {
      ab += (rank_a[i] - mean) * (rank_b[i] - mean);
      aa += (rank_a[i] - mean) * (rank_a[i] - mean);
      bb += (rank_b[i] - mean) * (rank_b[i] - mean);
    }
  return ab / sqrt (aa * bb);
}

/* Where the largest value of @map (929×512, as parrot.jpg) lies, which
 * must be on the parrot: the box around it measured once on the photo,
 * head to the base of the tail. */
static void
assert_on_parrot (const CsTensor *map, const char *method)
{
  const float *values = map->data;
  int64_t      best = 0;

  g_assert_cmpint (map->shape.dims[0], ==, 929);
  g_assert_cmpint (map->shape.dims[1], ==, 512);
  for (int64_t i = 1; i < 929 * 512; i++)
    best = values[i] > values[best] ? i : best;
  g_test_message ("%s maximum at x %" G_GINT64_FORMAT ", y %" G_GINT64_FORMAT, method, best % 512,
                  best / 512);
  g_assert_cmpint (best % 512, >=, 140);
  g_assert_cmpint (best % 512, <=, 470);
  g_assert_cmpint (best / 512, >=, 100);
  g_assert_cmpint (best / 512, <=, 640);
}

/* The quantized MobileNet v2 of ../shared looks at the bird for "macaw":
 * the maxima of Grad-CAM and of occlusion (forward runs only, no
 * gradient) both lie on the parrot of parrot.jpg, and the two maps rank
 * the picture's pixels alike (Spearman 0.35 when measured, with the
 * default patch, a third of the input). */
static void
test_explain_parrot (void)
{
  const char *shared = g_getenv ("CONVSCOPE_SHARED");
  g_autofree char *model = NULL, *photo = NULL, *tmp = NULL, *gradcam_path = NULL;
  g_autofree char *occlusion_path = NULL;
  CsTensor         gradcam, occlusion;
  double           correlation;

  model = g_build_filename (shared != NULL ? shared : "", "models",
                            "mobilenet_v2_1.0_224_quant.tflite", NULL);
  photo = g_build_filename (shared != NULL ? shared : "", "images", "parrot.jpg", NULL);
  if (shared == NULL || !g_file_test (model, G_FILE_TEST_IS_REGULAR)
      || !g_file_test (photo, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("no ../shared with the quantized MobileNet v2 and parrot.jpg");
      return;
    }
  tmp = make_temp_dir ();
  gradcam_path = g_build_filename (tmp, "gradcam.npy", NULL);
  occlusion_path = g_build_filename (tmp, "occlusion.npy", NULL);
  {
    g_autoptr (Outcome) o = run_cli ("explain", model, photo, "--class", "macaw", "--out",
                                     gradcam_path, NULL);

    assert_success (o);
    g_assert_true (contains (o->out, "(macaw)"));
  }
  {
    g_autoptr (Outcome) o = run_cli ("explain", model, photo, "--class", "macaw", "--method",
                                     "occlusion", "--out", occlusion_path, NULL);

    assert_success (o);
  }
  gradcam = read_npy (gradcam_path);
  occlusion = read_npy (occlusion_path);
  assert_on_parrot (&gradcam, "Grad-CAM");
  assert_on_parrot (&occlusion, "occlusion");
  correlation = rank_correlation (gradcam.data, occlusion.data, 929 * 512);
  g_test_message ("Spearman's rank correlation of Grad-CAM and occlusion: %.3f", correlation);
  g_assert_cmpfloat (correlation, >=, 0.25);
  cli_tensor_clear (&gradcam);
  cli_tensor_clear (&occlusion);
  remove_tree (tmp);
}

/* An 8×4 picture, red on the left half and blue on the right. */
static void
save_halves (const char *path)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 8, 4);
  g_autoptr (GdkPixbuf) right = gdk_pixbuf_new_subpixbuf (pixbuf, 4, 0, 4, 4);
  GError *error = NULL;

  gdk_pixbuf_fill (pixbuf, 0xff0000ff);
  gdk_pixbuf_fill (right, 0x0000ffff);
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
}

/* The classes of `segment --json` on one image: label → share. */
static JsonObject *
segment_json (const char *model, const char *image, const char *labels, const char *extra,
              const char *value, double *none)
{
  g_autoptr (Outcome) o = run_cli ("segment", model, image, "--labels", labels, "--json", extra,
                                   value, NULL);
  g_autoptr (JsonNode) root = NULL;
  JsonObject *result, *shares = json_object_new ();
  JsonArray *classes;

  assert_success (o);
  root = parse_json (o->out);
  result = json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (root), "images"), 0);
  g_assert_cmpint (json_object_get_int_member (result, "width"), ==, 8);
  classes = json_object_get_array_member (result, "classes");
  for (guint i = 0; i < json_array_get_length (classes); i++)
    {
      JsonObject *c = json_array_get_object_element (classes, i);

      json_object_set_double_member (shares, json_object_get_string_member (c, "label"),
                                     json_object_get_double_member (c, "share"));
    }
  *none = json_object_get_double_member (result, "none");
  return shares;
}

static void
test_segment (void)
{
  g_autofree char *model = NULL, *classifier = NULL, *tmp = NULL, *image = NULL,
                  *labels = NULL, *mask = NULL, *contents = NULL, *masks = NULL,
                  *second = NULL, *first_mask = NULL, *second_mask = NULL;
  gsize length;
  double none;

  if (!needs_fixtures ())
    return;
  model = fixture ("regions.onnx");
  classifier = fixture ("colors.onnx");
  tmp = make_temp_dir ();
  image = g_build_filename (tmp, "halves.png", NULL);
  second = g_build_filename (tmp, "again.png", NULL);
  labels = g_build_filename (tmp, "labels.txt", NULL);
  mask = g_build_filename (tmp, "mask.png", NULL);
  masks = g_build_filename (tmp, "masks", NULL);
  save_halves (image);
  save_halves (second);
  write_file (labels, "red\ngreen\nblue\n", -1);

  /* Stretched to 4×4 the halves stay apart (Pillow's filter mixes 7:1
   * at the middle columns), and brought back bilinearly the edge falls
   * between pixels 3 and 4: half red, half blue. */
  {
    g_autoptr (Outcome) o = run_cli ("segment", model, image, "--labels", labels, "--out", mask,
                                     NULL);
    g_autoptr (GdkPixbuf) read = NULL;
    GError *error = NULL;
    const guint8 *pixels;

    assert_success (o);
    g_assert_true (contains (o->out, " 50.0 %      0  red\n"));
    g_assert_true (contains (o->out, " 50.0 %      2  blue\n"));
    g_assert_false (contains (o->out, "green"));
    /* An 8-bit palette PNG: IHDR's bit depth and colour type 3. */
    g_assert_true (g_file_get_contents (mask, &contents, &length, NULL));
    g_assert_cmpuint (length, >, 26);
    g_assert_cmpint (contents[24], ==, 8);
    g_assert_cmpint (contents[25], ==, 3);
    /* Through the palette: VOC's class 0 is black, class 2 (0, 128, 0). */
    read = gdk_pixbuf_new_from_file (mask, &error);
    g_assert_no_error (error);
    pixels = gdk_pixbuf_read_pixels (read);
    for (int x = 0; x < 8; x++)
      {
        const guint8 *p = pixels + 2 * gdk_pixbuf_get_rowstride (read)
                          + x * gdk_pixbuf_get_n_channels (read);

        g_assert_cmpint (p[0], ==, 0);
        g_assert_cmpint (p[1], ==, x < 4 ? 0 : 128);
        g_assert_cmpint (p[2], ==, 0);
      }
  }
  {
    g_autoptr (JsonObject) shares = segment_json (model, image, labels, NULL, NULL, &none);

    g_assert_cmpfloat (json_object_get_double_member (shares, "red"), ==, 0.5);
    g_assert_cmpfloat (json_object_get_double_member (shares, "blue"), ==, 0.5);
    g_assert_cmpfloat (none, ==, 0.0);
  }
  {
    g_autoptr (JsonObject) shares = segment_json (model, image, labels, "--classes", " Blue",
                                                  &none);

    g_assert_false (json_object_has_member (shares, "red"));
    g_assert_cmpfloat (json_object_get_double_member (shares, "blue"), ==, 0.5);
    g_assert_cmpfloat (none, ==, 0.5);
  }
  /* No pixel's class is certain. */
  {
    g_autoptr (JsonObject) shares = segment_json (model, image, labels, "--threshold", "1",
                                                  &none);

    g_assert_cmpuint (json_object_get_size (shares), ==, 0);
    g_assert_cmpfloat (none, ==, 1.0);
  }
  /* Several images into a directory, IMAGE.png each. */
  {
    g_autoptr (Outcome) o = NULL;

    g_assert_cmpint (g_mkdir (masks, 0700), ==, 0);
    o = run_cli ("segment", model, image, second, "--out", masks, NULL);
    assert_success (o);
    first_mask = g_build_filename (masks, "halves.png", NULL);
    second_mask = g_build_filename (masks, "again.png", NULL);
    g_assert_true (g_file_test (first_mask, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (second_mask, G_FILE_TEST_IS_REGULAR));
    g_assert_true (contains (o->out, "class 2"));
  }
  {
    g_autoptr (Outcome) o = run_cli ("segment", model, image, "--labels", labels, "--classes",
                                     "red,purple", NULL);

    assert_error_line (o, 1, "no class 'purple'; the classes are red, green, blue");
  }
  {
    g_autoptr (Outcome) o = run_cli ("segment", classifier, image, NULL);

    assert_error_line (o, 1, "colors.onnx: an image classifier, not a segmentation model");
  }
  {
    g_autoptr (Outcome) o = run_cli ("classify", model, image, NULL);

    assert_error_line (o, 1, "regions.onnx: a segmentation model, not an image classifier");
  }
  {
    g_autoptr (Outcome) o = run_cli ("segment", model, image, "--threshold", "2", NULL);

    assert_error_line (o, 2, "--threshold must be between 0 and 1, not 2");
  }
  {
    g_autoptr (Outcome) o = run_cli ("segment", model, image, second, "--out", mask, NULL);

    assert_error_line (o, 2, "with several images, --out must be a directory");
  }
  {
    g_autofree char *missing = g_build_filename (tmp, "no", "such", "mask.png", NULL);
    g_autoptr (Outcome) o = run_cli ("segment", model, image, "--out", missing, NULL);

    assert_error_line (o, 1, "cannot write the label image");
  }
  remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_nonnull (g_getenv ("CONVSCOPE_EXE"));
  fixtures_dir = g_getenv ("CLI_FIXTURES");

  g_test_add_func ("/cli/usage", test_usage);
  g_test_add_func ("/cli/info/text", test_info_text);
  g_test_add_func ("/cli/info/json", test_info_json);
  g_test_add_func ("/cli/run/taps", test_run_taps);
  g_test_add_func ("/cli/run/two-outputs", test_run_two_outputs);
  g_test_add_func ("/cli/run/int64-output", test_run_int64_output);
  g_test_add_func ("/cli/run/bad-inputs", test_run_bad_inputs);
  g_test_add_func ("/cli/bad-models", test_bad_models);
  g_test_add_func ("/cli/hostile-names", test_hostile_names);
  g_test_add_func ("/cli/classify", test_classify);
  g_test_add_func ("/cli/classify/card", test_classify_card);
  g_test_add_func ("/cli/bench", test_bench);
  g_test_add_func ("/cli/probe", test_probe);
  g_test_add_func ("/cli/probe/text-and-errors", test_probe_text_and_errors);
  g_test_add_func ("/cli/models/json", test_models_json);
  g_test_add_func ("/cli/explain/tensor", test_explain_tensor);
  g_test_add_func ("/cli/explain/images", test_explain_images);
  g_test_add_func ("/cli/explain/parrot", test_explain_parrot);
  g_test_add_func ("/cli/segment", test_segment);
  return g_test_run ();
}
