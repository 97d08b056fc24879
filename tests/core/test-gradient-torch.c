/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-gradient-torch.c — Convscope's backward pass and Grad-CAM against
 * PyTorch on the seven fidelity networks.  tools/export-gradients.py
 * (run by tools/make-fixtures) writes, per network, the network, its
 * input, PyTorch's top-1 class, and for the input and three layers the
 * gradient of that logit by autograd and the Grad-CAM map by forward and
 * backward hooks.  Each must match to 1e-4 of the reference's largest
 * magnitude.  GoogLeNet's max pools tie to within float32 rounding, so
 * there only the layers after the last one are compared (see
 * export-gradients.py).
 */
#include <math.h>
#include <string.h>

#include "convscope.h"
#include "cs-explain.h"
#include "npy.h"
#include "tensor.h"

#define TOLERANCE 1e-4
#define N_LAYERS 3

static const char *const networks[] = {
  "resnet18",           "mobilenet_v2", "squeezenet1_1", "googlenet",
  "shufflenet_v2_x1_0", "alexnet",      "vgg11",
};

/* The largest |ours − reference| against TOLERANCE · max |reference|. */
static void
compare (const char *what, const float *ours, const CsTensor *reference, int64_t n)
{
  const float *ref = reference->data;
  double       max_diff = 0.0, max_ref = 0.0;

  g_assert_cmpint (cs_shape_numel (&reference->shape), ==, n);
  for (int64_t i = 0; i < n; i++)
    {
      double diff = fabs ((double) ours[i] - ref[i]);

      max_diff = isnan (diff) ? INFINITY : MAX (max_diff, diff);
      max_ref = MAX (max_ref, fabs ((double) ref[i]));
    }
  g_test_message ("%-48s max |diff| %.3g, relative %.3g", what, max_diff,
                  max_ref > 0 ? max_diff / max_ref : 0.0);
  g_assert_cmpfloat (max_ref, >, 0.0);
  g_assert_cmpfloat (max_diff, <=, TOLERANCE * max_ref);
}

static CsTensor
read_npy (const char *stem, const char *suffix)
{
  g_autofree char *path = g_strconcat (stem, suffix, NULL);
  CsTensor         tensor = { 0 };
  GError          *error = NULL;

  npy_read_file (path, &tensor, &error);
  g_assert_no_error (error);
  return tensor;
}

/* "class K", N_LAYERS "layer NAME" lines and, for a network whose input
 * gradient float32 cannot pin down, "input-gradient ill-posed: WHY"
 * (*@ill_posed, the caller's, else NULL). */
static void
read_description (const char *stem, int64_t *klass, char **layers, char **ill_posed)
{
  g_autofree char *path = g_strconcat (stem, ".txt", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GError *error = NULL;
  int     n_layers = 0;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "class "))
      *klass = g_ascii_strtoll (lines[i] + 6, NULL, 10);
    else if (g_str_has_prefix (lines[i], "layer ") && n_layers < N_LAYERS)
      layers[n_layers++] = g_strdup (lines[i] + 6);
    else if (g_str_has_prefix (lines[i], "input-gradient ill-posed: "))
      *ill_posed = g_strdup (lines[i] + strlen ("input-gradient ill-posed: "));
  g_assert_cmpint (n_layers, ==, N_LAYERS);
  layers[N_LAYERS] = NULL;
}

static void
test_network (gconstpointer data)
{
  const char       *name = data;
  const char       *dir = g_getenv ("CONVSCOPE_FIXTURES");
  g_autofree char  *stem = NULL, *model_path = NULL, *description = NULL, *ill_posed = NULL;
  char             *layers[N_LAYERS + 1] = { NULL };
  int64_t           klass = -1;
  CsGradientRequest request = { 0 };
  g_autoptr (CsModel) model = NULL;
  g_autoptr (CsSession) session = NULL;
  g_autoptr (CsGradient) gradient = NULL;
  CsTensor input, reference;
  GError  *error = NULL;

  if (dir == NULL || *dir == '\0')
    {
      g_test_skip ("CONVSCOPE_FIXTURES is not set; run tools/make-fixtures DIR");
      return;
    }
  stem = g_strdup_printf ("%s/%s.grad", dir, name);
  model_path = g_strconcat (stem, ".onnx", NULL);
  description = g_strconcat (stem, ".txt", NULL);
  if (!g_file_test (model_path, G_FILE_TEST_IS_REGULAR)
      || !g_file_test (description, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *reason =
          g_strdup_printf ("no %s gradient fixtures in %s; run tools/make-fixtures %s", name, dir,
                           dir);

      g_test_skip (reason);
      return;
    }
  read_description (stem, &klass, layers, &ill_posed);
  model = cs_model_load_file (model_path, NULL, &error);
  g_assert_no_error (error);
  session = cs_session_new (model, 2, &error);
  g_assert_no_error (error);
  input = read_npy (stem, ".input.npy");

  request.element = klass;
  request.input = TRUE;
  request.layers = (const char *const *) layers;
  g_assert_true (cs_session_gradient (session, &input, 1, &request, &gradient, &error));
  g_assert_no_error (error);

  /* From the output down, so that a failure shows where it starts. */
  for (int l = N_LAYERS - 1; l >= 0; l--)
    {
      CsExplainOptions options = { .method = CS_EXPLAIN_GRADCAM,
                                   .layer = layers[l],
                                   .element = klass };
      g_autoptr (CsExplanation) explanation = NULL;
      int64_t          n = cs_shape_numel (&gradient->grads[l].shape);
      g_autofree char *act_suffix = g_strdup_printf (".%d.act.npy", l);
      g_autofree char *grad_suffix = g_strdup_printf (".%d.grad.npy", l);
      g_autofree char *cam_suffix = g_strdup_printf (".%d.cam.npy", l);
      g_autofree char *what = NULL;

      reference = read_npy (stem, act_suffix);
      what = g_strdup_printf ("%s output", layers[l]);
      compare (what, gradient->activations[l].data, &reference, n);
      cli_tensor_clear (&reference);

      reference = read_npy (stem, grad_suffix);
      g_free (what);
      what = g_strdup_printf ("∂y/∂%s", layers[l]);
      compare (what, gradient->grads[l].data, &reference, n);
      cli_tensor_clear (&reference);

      g_assert_true (cs_explain (session, &input, &options, &explanation, &error));
      g_assert_no_error (error);
      reference = read_npy (stem, cam_suffix);
      g_free (what);
      what = g_strdup_printf ("Grad-CAM of %s", layers[l]);
      compare (what, explanation->map.data, &reference, cs_shape_numel (&explanation->map.shape));
      cli_tensor_clear (&reference);
    }
  if (ill_posed != NULL)
    g_test_message ("∂y/∂input not compared: %s", ill_posed);
  else
    {
      reference = read_npy (stem, ".input-grad.npy");
      compare ("∂y/∂input", gradient->input_grad.data, &reference,
               cs_shape_numel (&gradient->input_grad.shape));
      cli_tensor_clear (&reference);
    }
  cli_tensor_clear (&input);
  for (int l = 0; l < N_LAYERS; l++)
    g_free (layers[l]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (size_t i = 0; i < G_N_ELEMENTS (networks); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gradient-torch/%s", networks[i]);

      g_test_add_data_func (path, networks[i], test_network);
    }
  return g_test_run ();
}
