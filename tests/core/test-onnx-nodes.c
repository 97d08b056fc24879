/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-onnx-nodes.c — ONNX's own node conformance tests run through the
 * public API: each directory's model.onnx is loaded with every graph input
 * but the first bound to its test data, run on the first, and every output
 * is compared with the expected one.  Models Convscope refuses as
 * unsupported are skipped and tallied by reason; anything else that goes
 * wrong fails the case named after the node test.
 */
#include "convscope.h"
#include "onnx/onnx.h"
#include "onnx.pb-c.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_NODE_DIR "/usr/share/libonnx-testdata/data/node"

static struct
{
  int         passed;
  int         failed;
  int         skipped;
  GHashTable *skip_reasons;  /* reason → count */
  GPtrArray  *failures;      /* "test: message" */
} tally;

/* "op A, B" from "N ops not supported: A ×2, B ×1". */
static char *
unsupported_ops (const char *list)
{
  g_auto (GStrv) entries = g_strsplit (list, ", ", -1);
  GString *reason = g_string_new ("op ");

  for (int i = 0; entries[i] != NULL; i++)
    {
      const char *count = strstr (entries[i], " ×");

      g_string_append_printf (reason, "%s%.*s", i > 0 ? ", " : "",
                              (int) (count != NULL ? count - entries[i] : (ptrdiff_t) strlen (entries[i])),
                              entries[i]);
    }
  return g_string_free (reason, FALSE);
}

/* A short reason for the histogram, taken from an unsupported error. */
static char *
skip_reason (const char *message)
{
  const char *ops = strstr (message, " not supported: ");
  const char *dtype = strstr (message, "data type ");
  const char *spatial = strstr (message, " spatial ax");

  if (ops != NULL && (strstr (message, " op not") != NULL || strstr (message, " ops not") != NULL))
    return unsupported_ops (ops + strlen (" not supported: "));
  if (dtype != NULL)
    {
      dtype += 10;
      return g_strdup_printf ("data type %.*s", (int) strcspn (dtype, " ;,"), dtype);
    }
  if (spatial != NULL)
    return g_strdup ("windows that are not 2-D");

  const char *last = g_strrstr (message, ": ");
  return g_strdup (last != NULL ? last + 2 : message);
}

static void
skip_unsupported (const GError *error)
{
  char *reason = skip_reason (error->message);
  int count = GPOINTER_TO_INT (g_hash_table_lookup (tally.skip_reasons, reason));

  g_hash_table_replace (tally.skip_reasons, reason, GINT_TO_POINTER (count + 1));
  tally.skipped++;
  g_test_skip (error->message);
}

static void
fail (const char *test,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
fail (const char *test,
      const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (tally.failures, g_strdup_printf ("%s: %s", test, message));
  tally.failed++;
  g_test_fail_printf ("%s: %s", test, message);
}

/* The names of the graph inputs that are not initializers, in order.
 * Their data files only hold TensorProtos for tensor inputs, so other
 * kinds (sequences, optionals) end the test as unsupported here. */
static GPtrArray *
read_input_names (const char *model_path,
                  GError    **error)
{
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (model_path, &contents, &length, error))
    return NULL;
  Onnx__ModelProto *model = onnx__model_proto__unpack (NULL, length, (const guint8 *) contents);
  if (model == NULL || model->graph == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT, "%s: cannot be unpacked", model_path);
      if (model != NULL)
        onnx__model_proto__free_unpacked (model, NULL);
      return NULL;
    }

  const Onnx__GraphProto *graph = model->graph;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  for (size_t i = 0; i < graph->n_input; i++)
    {
      gboolean initializer = FALSE;
      for (size_t j = 0; j < graph->n_initializer && !initializer; j++)
        initializer = g_strcmp0 (graph->initializer[j]->name, graph->input[i]->name) == 0;
      const Onnx__TypeProto *type = graph->input[i]->type;
      if (initializer)
        continue;
      if (type == NULL || type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                       "%s: graph input '%s' is not a tensor", model_path, graph->input[i]->name);
          g_clear_pointer (&names, g_ptr_array_unref);
          break;
        }
      g_ptr_array_add (names, g_strdup (graph->input[i]->name));
    }
  onnx__model_proto__free_unpacked (model, NULL);
  return names;
}

static gboolean
read_tensor_file (const char *path,
                  CsTensor   *tensor,
                  GError    **error)
{
  g_autofree char *contents = NULL;
  gsize length;

  return g_file_get_contents (path, &contents, &length, error)
         && cs_onnx_read_tensor ((const guint8 *) contents, length, path, tensor, error);
}

static void
tensors_free (CsTensor *tensors,
              size_t    n)
{
  for (size_t i = 0; i < n; i++)
    {
      g_free (tensors[i].name);
      g_free (tensors[i].data);
    }
  g_free (tensors);
}

static gboolean
close_enough (float actual,
              float expected)
{
  if (isnan (expected))
    return isnan (actual);
  if (isinf (expected))
    return actual == expected;
  return fabsf (actual - expected) <= 1e-4f + 1e-4f * fabsf (expected);
}

/* Returns NULL when @actual matches @expected, else what differs. */
static char *
compare (const CsTensor *actual,
         const CsTensor *expected)
{
  if (actual->dtype != expected->dtype)
    return g_strdup_printf ("dtype %d, expected %d", actual->dtype, expected->dtype);
  if (!cs_shape_equal (&actual->shape, &expected->shape))
    {
      g_autofree char *got = cs_shape_to_string (&actual->shape);
      g_autofree char *want = cs_shape_to_string (&expected->shape);
      return g_strdup_printf ("shape %s, expected %s", got, want);
    }

  int64_t n = cs_shape_numel (&expected->shape);
  int64_t first_bad = -1, n_bad = 0;
  double max_diff = 0;
  for (int64_t i = 0; i < n; i++)
    {
      gboolean same;
      if (expected->dtype == CS_DTYPE_INT64)
        same = ((const int64_t *) actual->data)[i] == ((const int64_t *) expected->data)[i];
      else
        {
          float a = ((const float *) actual->data)[i], e = ((const float *) expected->data)[i];
          same = close_enough (a, e);
          if (!same && isfinite (a) && isfinite (e))
            max_diff = MAX (max_diff, fabs ((double) a - e));
        }
      if (!same && n_bad++ == 0)
        first_bad = i;
    }
  if (n_bad == 0)
    return NULL;
  if (expected->dtype == CS_DTYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " values differ; "
                            "[%" G_GINT64_FORMAT "] is %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT,
                            n_bad, n, first_bad, ((const int64_t *) actual->data)[first_bad],
                            ((const int64_t *) expected->data)[first_bad]);
  return g_strdup_printf ("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " values differ "
                          "(max |diff| %g); [%" G_GINT64_FORMAT "] is %.9g, expected %.9g",
                          n_bad, n, max_diff, first_bad,
                          ((const float *) actual->data)[first_bad],
                          ((const float *) expected->data)[first_bad]);
}

/* Reads input_0.pb … for every runtime input; FALSE when the test ends
 * here (skipped or failed). */
static gboolean
read_inputs (const char *test,
             const char *data_dir,
             guint       n,
             CsTensor  **inputs)
{
  *inputs = g_new0 (CsTensor, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *file = g_strdup_printf ("input_%u.pb", i);
      g_autofree char *path = g_build_filename (data_dir, file, NULL);

      if (read_tensor_file (path, &(*inputs)[i], &error))
        continue;
      if (g_error_matches (error, CS_ERROR, CS_ERROR_UNSUPPORTED))
        skip_unsupported (error);
      else
        fail (test, "%s", error->message);
      return FALSE;
    }
  return TRUE;
}

static void
check_outputs (const char     *test,
               const char     *data_dir,
               const CsResult *result)
{
  for (size_t i = 0; i < result->n_outputs; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *file = g_strdup_printf ("output_%zu.pb", i);
      g_autofree char *path = g_build_filename (data_dir, file, NULL);
      CsTensor expected = { 0 };

      if (!read_tensor_file (path, &expected, &error))
        {
          if (g_error_matches (error, CS_ERROR, CS_ERROR_UNSUPPORTED))
            skip_unsupported (error);
          else
            fail (test, "%s", error->message);
          return;
        }
      g_autofree char *difference = compare (&result->outputs[i], &expected);
      g_free (expected.name);
      g_free (expected.data);
      if (difference != NULL)
        {
          fail (test, "output %zu ('%s'): %s", i, result->outputs[i].name, difference);
          return;
        }
    }
  tally.passed++;
}

static void
run_node_test (gconstpointer user_data)
{
  const char *dir = user_data;
  g_autofree char *test = g_path_get_basename (dir);
  g_autofree char *model_path = g_build_filename (dir, "model.onnx", NULL);
  g_autofree char *data_dir = g_build_filename (dir, "test_data_set_0", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) names = read_input_names (model_path, &error);
  CsTensor *inputs = NULL;
  CsModel *model = NULL;
  CsSession *session = NULL;
  CsResult *result = NULL;

  if (names == NULL)
    {
      if (g_error_matches (error, CS_ERROR, CS_ERROR_UNSUPPORTED))
        skip_unsupported (error);
      else
        fail (test, "%s", error->message);
      return;
    }
  if (!read_inputs (test, data_dir, names->len, &inputs))
    goto out;

  /* The engine computes on the first input; the others are folded in. */
  for (guint i = 0; i < names->len; i++)
    {
      g_free (inputs[i].name);
      inputs[i].name = g_strdup (g_ptr_array_index (names, i));
    }
  CsLoadOptions options = { 0, inputs + 1, names->len > 0 ? names->len - 1 : 0 };
  model = cs_model_load_file (model_path, &options, &error);
  if (model == NULL)
    {
      if (g_error_matches (error, CS_ERROR, CS_ERROR_UNSUPPORTED))
        skip_unsupported (error);
      else
        fail (test, "%s", error->message);
      goto out;
    }

  size_t n_run_inputs = MIN (names->len, 1);
  if (cs_model_n_inputs (model) != n_run_inputs)
    {
      fail (test, "the model has %zu inputs after binding, expected %zu",
            cs_model_n_inputs (model), n_run_inputs);
      goto out;
    }
  if (n_run_inputs == 1 && !cs_shape_equal (&cs_model_input (model, 0)->shape, &inputs[0].shape))
    {
      g_autofree char *declared = cs_shape_to_string (&cs_model_input (model, 0)->shape);
      g_autofree char *given = cs_shape_to_string (&inputs[0].shape);
      fail (test, "input 0 is declared %s but the test data is %s", declared, given);
      goto out;
    }

  session = cs_session_new (model, 1, &error);
  if (session == NULL || !cs_session_run (session, inputs, n_run_inputs, NULL, &result, &error))
    {
      fail (test, "%s", error->message);
      goto out;
    }
  check_outputs (test, data_dir, result);

out:
  if (result != NULL)
    cs_result_free (result);
  if (session != NULL)
    cs_session_free (session);
  if (model != NULL)
    cs_model_free (model);
  tensors_free (inputs, names->len);
}

static int
by_count_descending (gconstpointer a,
                     gconstpointer b,
                     gpointer      user_data)
{
  GHashTable *counts = user_data;
  int ca = GPOINTER_TO_INT (g_hash_table_lookup (counts, a));
  int cb = GPOINTER_TO_INT (g_hash_table_lookup (counts, b));

  return ca != cb ? cb - ca : strcmp (a, b);
}

/* TAP comment lines, so they pass through test harnesses untouched. */
static void
print_summary (void)
{
  printf ("# onnx node tests: %d ran, %d passed, %d failed, %d skipped as unsupported\n",
          tally.passed + tally.failed, tally.passed, tally.failed, tally.skipped);

  GList *reasons = g_list_sort_with_data (g_hash_table_get_keys (tally.skip_reasons),
                                          by_count_descending, tally.skip_reasons);
  printf ("# top skip reasons:\n");
  int shown = 0;
  for (GList *l = reasons; l != NULL && shown < 20; l = l->next, shown++)
    printf ("#   %4d  %s\n",
            GPOINTER_TO_INT (g_hash_table_lookup (tally.skip_reasons, l->data)),
            (const char *) l->data);
  g_list_free (reasons);
  for (guint i = 0; i < tally.failures->len; i++)
    printf ("# FAILED %s\n", (const char *) tally.failures->pdata[i]);
}

static int
by_name (gconstpointer a,
         gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
no_test_data (gconstpointer user_data)
{
  g_test_skip (user_data);
}

int
main (int    argc,
      char **argv)
{
  const char *root = g_getenv ("CS_ONNX_NODE_TESTS");
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) listing = NULL;
  const char *entry;

  /* Keep going after a failing case, so the summary covers them all. */
  g_autofree char **args = g_new0 (char *, argc + 2);
  args[0] = argv[0];
  args[1] = "--keep-going";
  for (int i = 1; i < argc; i++)
    args[i + 1] = argv[i];
  argc++;
  argv = args;

  g_test_init (&argc, &argv, NULL);
  tally.skip_reasons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  tally.failures = g_ptr_array_new_with_free_func (g_free);

  if (root == NULL)
    root = DEFAULT_NODE_DIR;
  listing = g_dir_open (root, 0, NULL);
  while (listing != NULL && (entry = g_dir_read_name (listing)) != NULL)
    {
      char *dir = g_build_filename (root, entry, NULL);
      g_autofree char *model = g_build_filename (dir, "model.onnx", NULL);

      if (g_file_test (model, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (dirs, dir);
      else
        g_free (dir);
    }
  g_ptr_array_sort (dirs, by_name);

  g_autofree char *none = g_strdup_printf ("no ONNX node tests in %s (install libonnx-testdata "
                                           "or set CS_ONNX_NODE_TESTS)", root);
  if (dirs->len == 0)
    g_test_add_data_func ("/onnx/node/none", none, no_test_data);
  for (guint i = 0; i < dirs->len; i++)
    {
      g_autofree char *base = g_path_get_basename (dirs->pdata[i]);
      g_autofree char *path = g_strdup_printf ("/onnx/node/%s", base);
      g_test_add_data_func (path, dirs->pdata[i], run_node_test);
    }

  int status = g_test_run ();
  if (dirs->len > 0)
    print_summary ();
  g_hash_table_unref (tally.skip_reasons);
  g_ptr_array_unref (tally.failures);
  return status;
}
