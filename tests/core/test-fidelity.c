/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-fidelity.c — Convscope against ONNX Runtime on eight real network
 * architectures (torchvision's, with seeded random weights and non-trivial
 * BatchNorm statistics and LayerNorm affines), two of torchvision's
 * segmenters (DeepLabV3 and LR-ASPP) and a small encoder–decoder of the
 * upsampling ops (ConvTranspose, Resize as F.interpolate exports it).
 * The fixtures come from tools/make-fixtures: per
 * network NAME.onnx, NAME.input.npy and ORT's output NAME.ort.npy, in the
 * directory named by $CONVSCOPE_FIXTURES.  Each network must match ORT to
 * 1e-4 of ORT's largest logit and give the same top-5 classes in the same
 * order (a segmenter: the same class at every pixel), and keeping every
 * layer's output must change nothing.
 */
#include <math.h>
#include <string.h>

#include "convscope.h"
#include "npy.h"
#include "tensor.h"

/* Relative to the largest |ORT output|: float32 accumulation order differs
 * between engines, nothing more should. */
#define TOLERANCE 1e-4
#define TOP_K     5
#define N_THREADS 2

static const char *const networks[] = {
  "resnet18",
  "mobilenet_v2",
  "squeezenet1_1",
  "googlenet",
  "shufflenet_v2_x1_0",
  "alexnet",
  "vgg11",
  "convnext_tiny",
  "upsampling",
  "deeplabv3_mobilenet_v3_large",
  "lraspp_mobilenet_v3_large",
};

/* Indices of the @k largest of @values (at most @n), largest first; ties
 * go to the lower index, and NaN never ranks. */
static void
top_k (const float *values, int64_t n, int k, int64_t *indices)
{
  for (int slot = 0; slot < k; slot++)
    {
      int64_t best = -1;

      for (int64_t i = 0; i < n; i++)
        {
          gboolean taken = FALSE;

          for (int s = 0; s < slot; s++)
            taken |= indices[s] == i;
          if (!taken && !isnan (values[i]) && (best < 0 || values[i] > values[best]))
            best = i;
        }
      indices[slot] = best;
    }
}

static char *
format_indices (const int64_t *indices, int k)
{
  GString *text = g_string_new (NULL);

  for (int i = 0; i < k; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i ? " " : "", indices[i]);
  return g_string_free (text, FALSE);
}

/* Runs @session on @input, failing the test on error.  The caller owns the
 * result. */
static CsResult *
run_or_fail (CsSession *session, const CsTensor *input, const CsRunOptions *options,
             const char *name)
{
  CsResult *result = NULL;
  GError   *error = NULL;

  if (!cs_session_run (session, input, 1, options, &result, &error))
    g_error ("%s: run failed: %s", name, error->message);
  return result;
}

/* How many pixels of a 1×C×H×W score map get another class from @a than
 * from @b. */
static int64_t
pixels_disagreeing (const CsShape *shape, const float *a, const float *b)
{
  const int64_t classes = shape->dims[1], plane = shape->dims[2] * shape->dims[3];
  int64_t       differ = 0;

  for (int64_t p = 0; p < plane; p++)
    {
      int64_t best_a = 0, best_b = 0;

      for (int64_t c = 1; c < classes; c++)
        {
          best_a = a[c * plane + p] > a[best_a * plane + p] ? c : best_a;
          best_b = b[c * plane + p] > b[best_b * plane + p] ? c : best_b;
        }
      differ += best_a != best_b;
    }
  return differ;
}

/* The output of ours against ORT's: the largest difference, and the top-5
 * or, for a score map, the class of every pixel. */
static void
compare_with_reference (const char *name, const CsTensor *ours, const CsTensor *reference)
{
  g_autofree char *our_shape = cs_shape_to_string (&ours->shape);
  g_autofree char *ref_shape = cs_shape_to_string (&reference->shape);
  int64_t          n = cs_shape_numel (&reference->shape);
  const float     *a = ours->data, *b = reference->data;
  double           max_diff = 0.0, max_ref = 0.0;
  int64_t          our_top[TOP_K], ref_top[TOP_K];

  if (ours->dtype != CS_DTYPE_FLOAT32 || !cs_shape_equal (&ours->shape, &reference->shape))
    g_error ("%s: output is %s, ONNX Runtime's is %s", name, our_shape, ref_shape);
  g_assert_cmpint (n, >=, TOP_K);

  for (int64_t i = 0; i < n; i++)
    {
      double diff = fabs ((double) a[i] - b[i]);

      /* A NaN of ours must fail the bound, not slip past a comparison. */
      max_diff = isnan (diff) ? INFINITY : MAX (max_diff, diff);
      max_ref = MAX (max_ref, fabs ((double) b[i]));
    }
  if (reference->shape.rank == 4)
    {
      int64_t differ = pixels_disagreeing (&reference->shape, a, b);

      g_test_message ("%-20s max |diff| %.3g, relative %.3g (limit %g), "
                      "%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " pixels of another class",
                      name, max_diff, max_diff / max_ref, TOLERANCE, differ,
                      n / reference->shape.dims[1]);
      g_assert_cmpfloat (max_ref, >, 0.0);
      g_assert_cmpfloat (max_diff, <=, TOLERANCE * max_ref);
      g_assert_cmpint (differ, ==, 0);
      return;
    }
  top_k (a, n, TOP_K, our_top);
  top_k (b, n, TOP_K, ref_top);

  {
    g_autofree char *ours_text = format_indices (our_top, TOP_K);
    g_autofree char *ref_text = format_indices (ref_top, TOP_K);

    g_test_message ("%-20s max |diff| %.3g, relative %.3g (limit %g), "
                    "top-5 ours [%s] ORT [%s]",
                    name, max_diff, max_diff / max_ref, TOLERANCE, ours_text, ref_text);
    g_assert_cmpfloat (max_ref, >, 0.0);
    g_assert_cmpfloat (max_diff, <=, TOLERANCE * max_ref);
    g_assert_cmpstr (ours_text, ==, ref_text);
  }
}

/* Taps are copies taken on the way: the outputs must be bit-identical to a
 * run without them, and there must be one tap per layer, named and shaped
 * as the layer table says. */
static void
check_taps (const char *name, const CsModel *model, const CsResult *plain,
            const CsResult *tapped)
{
  size_t n_layers = cs_model_n_layers (model);

  g_assert_cmpuint (tapped->n_outputs, ==, plain->n_outputs);
  for (size_t i = 0; i < plain->n_outputs; i++)
    {
      const CsTensor *p = &plain->outputs[i], *t = &tapped->outputs[i];

      g_assert_true (cs_shape_equal (&p->shape, &t->shape));
      g_assert_true (memcmp (p->data, t->data,
                             (size_t) cs_shape_numel (&p->shape) * cs_dtype_size (p->dtype)) == 0);
    }

  g_assert_cmpuint (tapped->n_taps, ==, n_layers);
  for (size_t i = 0; i < n_layers; i++)
    {
      const CsLayerInfo *layer = cs_model_layer (model, i);

      g_assert_cmpstr (tapped->taps[i].name, ==, layer->name);
      g_assert_true (cs_shape_equal (&tapped->taps[i].shape, &layer->out_shape));
    }
  g_test_message ("%-20s %zu taps, outputs bit-identical with and without", name, n_layers);
}

static void
test_network (gconstpointer data)
{
  const char       *name = data;
  const char       *dir = g_getenv ("CONVSCOPE_FIXTURES");
  g_autofree char  *model_path = NULL, *input_path = NULL, *ref_path = NULL;
  CsModel          *model;
  CsSession        *session;
  CsTensor          input = { 0 }, reference = { 0 };
  CsResult         *plain, *tapped;
  CsRunOptions      tap_all = { .tap_all = TRUE };
  GError           *error = NULL;

  if (dir == NULL || *dir == '\0')
    {
      g_test_skip ("CONVSCOPE_FIXTURES is not set; run tools/make-fixtures DIR");
      return;
    }
  model_path = g_strdup_printf ("%s/%s.onnx", dir, name);
  input_path = g_strdup_printf ("%s/%s.input.npy", dir, name);
  ref_path = g_strdup_printf ("%s/%s.ort.npy", dir, name);
  if (!g_file_test (model_path, G_FILE_TEST_IS_REGULAR)
      || !g_file_test (input_path, G_FILE_TEST_IS_REGULAR)
      || !g_file_test (ref_path, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *reason =
        g_strdup_printf ("no %s fixtures in %s; run tools/make-fixtures %s", name, dir, dir);

      g_test_skip (reason);
      return;
    }

  model = cs_model_load_file (model_path, NULL, &error);
  g_assert_no_error (error);
  /* The error first: it says which file and why. */
  npy_read_file (input_path, &input, &error);
  g_assert_no_error (error);
  npy_read_file (ref_path, &reference, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (cs_model_n_inputs (model), ==, 1);
  g_assert_cmpuint (cs_model_n_outputs (model), ==, 1);
  g_assert_true (cs_shape_equal (&input.shape, &cs_model_input (model, 0)->shape));

  session = cs_session_new (model, N_THREADS, &error);
  g_assert_no_error (error);

  plain = run_or_fail (session, &input, NULL, name);
  g_assert_cmpuint (plain->n_outputs, ==, 1);
  g_assert_cmpuint (plain->n_taps, ==, 0);
  compare_with_reference (name, &plain->outputs[0], &reference);

  tapped = run_or_fail (session, &input, &tap_all, name);
  check_taps (name, model, plain, tapped);

  cs_result_free (tapped);
  cs_result_free (plain);
  cs_session_free (session);
  cli_tensor_clear (&reference);
  cli_tensor_clear (&input);
  cs_model_free (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (size_t i = 0; i < G_N_ELEMENTS (networks); i++)
    {
      g_autofree char *path = g_strdup_printf ("/fidelity/%s", networks[i]);

      g_test_add_data_func (path, networks[i], test_network);
    }
  return g_test_run ();
}
