/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-window.c — the output-size arithmetic of convolution and pooling:
 * cs_window_output_size, SAME/VALID resolution and the text the layer
 * table shows; and the same for ConvTranspose's transposed windows.
 * Expected values come from the ONNX operator specification and
 * PyTorch's documented formulas, worked out by hand below.
 */
#include "ops/ops.h"

#include <string.h>

static void
test_floor_formula (void)
{
  /* ⌊(224 − 3 + 2·1) / 2⌋ + 1 = 112: a MobileNet stem. */
  g_assert_cmpint (cs_window_output_size (224, 3, 2, 1, 1, 1, FALSE), ==, 112);
  /* ResNet's 7×7/2 stem with padding 3: ⌊(224 − 7 + 6) / 2⌋ + 1 = 112. */
  g_assert_cmpint (cs_window_output_size (224, 7, 2, 1, 3, 3, FALSE), ==, 112);
  /* AlexNet's 11×11/4 with padding 2: ⌊(224 − 11 + 4) / 4⌋ + 1 = 55. */
  g_assert_cmpint (cs_window_output_size (224, 11, 4, 1, 2, 2, FALSE), ==, 55);
  /* Asymmetric padding (0 before, 1 after): ⌊(224 − 3 + 1) / 2⌋ + 1 = 112. */
  g_assert_cmpint (cs_window_output_size (224, 3, 2, 1, 0, 1, FALSE), ==, 112);
  /* Dilation 2 makes a 3-tap kernel span 5: ⌊(7 − 5 + 0) / 1⌋ + 1 = 3. */
  g_assert_cmpint (cs_window_output_size (7, 3, 1, 2, 0, 0, FALSE), ==, 3);
  /* A window larger than the padded input has no output. */
  g_assert_cmpint (cs_window_output_size (2, 3, 1, 1, 0, 0, FALSE), ==, 0);
}

static void
test_ceil_mode (void)
{
  /* ONNX test_maxpool_2d_ceil: 4×4, k 3, s 2 → 2×2 (floor gives 1). */
  g_assert_cmpint (cs_window_output_size (4, 3, 2, 1, 0, 0, FALSE), ==, 1);
  g_assert_cmpint (cs_window_output_size (4, 3, 2, 1, 0, 0, TRUE), ==, 2);
  /* GoogLeNet's 3×3/2 ceil pools: 112 → 56, 56 → 28, 28 → 14, 14 → 7. */
  g_assert_cmpint (cs_window_output_size (112, 3, 2, 1, 0, 0, TRUE), ==, 56);
  g_assert_cmpint (cs_window_output_size (14, 3, 2, 1, 0, 0, TRUE), ==, 7);
  /* SqueezeNet: 111 → 55 with k 3, s 2, ceil. */
  g_assert_cmpint (cs_window_output_size (111, 3, 2, 1, 0, 0, TRUE), ==, 55);
  /* PyTorch's rule: 5 samples, k 2, s 2, pad 1 each side: ceil gives
   * ⌈(5 − 2 + 2) / 2⌉ + 1 = 4, but that window would start at 6 ≥ 5 + 1
   * (in the trailing pad), so 3. */
  g_assert_cmpint (cs_window_output_size (5, 2, 2, 1, 1, 1, TRUE), ==, 3);
}

static CsWindow
window_3x3 (int stride, CsAutoPad auto_pad)
{
  CsWindow window = { { 3, 3 }, { stride, stride }, { 1, 1 }, { 0, 0, 0, 0 },
                      auto_pad, FALSE };
  return window;
}

static void
test_same_and_valid (void)
{
  CsGraph *graph = cs_graph_new ("test");
  CsNode node = { 0 };
  CsOpClass klass = { .name = "Test" };
  GError *error = NULL;
  int64_t h, w;
  CsWindow window;

  node.klass = &klass;
  node.name = (char *) "n";

  /* SAME_UPPER, stride 2 over 224: out 112, total pad 1, the odd pixel at
   * the end (bottom/right) as TensorFlow and TFLite place it. */
  window = window_3x3 (2, CS_AUTO_PAD_SAME_UPPER);
  g_assert_true (cs_window_resolve (&window, 224, 224, &h, &w, graph, &node, &error));
  g_assert_no_error (error);
  g_assert_cmpint (h, ==, 112);
  g_assert_cmpint (w, ==, 112);
  g_assert_cmpint (window.pads[0], ==, 0);
  g_assert_cmpint (window.pads[2], ==, 1);

  /* SAME_LOWER puts it at the start. */
  window = window_3x3 (2, CS_AUTO_PAD_SAME_LOWER);
  g_assert_true (cs_window_resolve (&window, 224, 224, &h, &w, graph, &node, &error));
  g_assert_cmpint (window.pads[0], ==, 1);
  g_assert_cmpint (window.pads[2], ==, 0);

  /* SAME stride 1 keeps the size with one pixel each side. */
  window = window_3x3 (1, CS_AUTO_PAD_SAME_UPPER);
  g_assert_true (cs_window_resolve (&window, 7, 9, &h, &w, graph, &node, &error));
  g_assert_cmpint (h, ==, 7);
  g_assert_cmpint (w, ==, 9);
  g_assert_cmpint (window.pads[1], ==, 1);
  g_assert_cmpint (window.pads[3], ==, 1);

  /* VALID ignores explicit pads: ⌊(7 − 3) / 2⌋ + 1 = 3. */
  window = window_3x3 (2, CS_AUTO_PAD_VALID);
  window.pads[0] = 5;
  g_assert_true (cs_window_resolve (&window, 7, 7, &h, &w, graph, &node, &error));
  g_assert_cmpint (h, ==, 3);
  g_assert_cmpint (window.pads[0], ==, 0);

  /* A window that does not fit is an error naming the node, not a crash. */
  window = window_3x3 (1, CS_AUTO_PAD_NOTSET);
  g_assert_false (cs_window_resolve (&window, 2, 2, &h, &w, graph, &node, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "'n'"));
  g_clear_error (&error);

  window = window_3x3 (1, CS_AUTO_PAD_NOTSET);
  window.pads[1] = -1;
  g_assert_false (cs_window_resolve (&window, 8, 8, &h, &w, graph, &node, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_INVALID);
  g_clear_error (&error);

  cs_graph_free (graph);
}

static void
test_describe_text (void)
{
  CsWindow window = { { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 0, 1, 1 },
                      CS_AUTO_PAD_NOTSET, FALSE };
  CsShape in = { 4, { 1, 32, 224, 224 } };
  CsShape out = { 4, { 1, 32, 112, 112 } };
  CsLayerInfo info = { 0 };

  cs_window_describe (&window, &in, &out, &info);
  g_assert_true (info.has_window);
  g_assert_cmpstr (info.arithmetic[0], ==, "⌊(224 − 3 + 2·1) / 2⌋ + 1 = 112");
  g_assert_cmpstr (info.arithmetic[1], ==, "⌊(224 − 3 + 0 + 1) / 2⌋ + 1 = 112");
  g_free ((char *) info.arithmetic[0]);
  g_free ((char *) info.arithmetic[1]);

  /* Dilation is spelled out. */
  window = (CsWindow) { { 3, 3 }, { 1, 1 }, { 2, 2 }, { 2, 2, 2, 2 },
                        CS_AUTO_PAD_NOTSET, FALSE };
  out = (CsShape) { 4, { 1, 32, 224, 224 } };
  memset (&info, 0, sizeof info);
  cs_window_describe (&window, &in, &out, &info);
  g_assert_cmpstr (info.arithmetic[0], ==,
                   "⌊(224 − 5 + 2·2) / 1⌋ + 1 = 224   with k = 2·(3 − 1) + 1 = 5");
  g_free ((char *) info.arithmetic[0]);
  g_free ((char *) info.arithmetic[1]);

  /* ceil_mode with PyTorch's correction shows the − 1. */
  window = (CsWindow) { { 2, 2 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 },
                        CS_AUTO_PAD_NOTSET, TRUE };
  in = (CsShape) { 4, { 1, 1, 5, 5 } };
  out = (CsShape) { 4, { 1, 1, 3, 3 } };
  memset (&info, 0, sizeof info);
  cs_window_describe (&window, &in, &out, &info);
  g_assert_cmpstr (info.arithmetic[0], ==, "⌈(5 − 2 + 2·1) / 2⌉ + 1 − 1 = 3");
  g_free ((char *) info.arithmetic[0]);
  g_free ((char *) info.arithmetic[1]);
}

/* A ConvTranspose window: a square kernel, stride and padding. */
static CsConvTransposeParams
transposed (int kernel, int stride, int pad, CsAutoPad auto_pad)
{
  CsConvTransposeParams params = {
    .window = { { kernel, kernel }, { stride, stride }, { 1, 1 }, { pad, pad, pad, pad },
                auto_pad, FALSE },
    .groups = 1,
  };
  return params;
}

/* out = (in − 1)·s − p_begin − p_end + d·(k − 1) + output_padding + 1,
 * PyTorch's ConvTranspose2d formula; the output_shape and SAME cases are
 * ONNX's node tests test_convtranspose_output_shape and _autopad_same. */
static void
test_transposed_resolve (void)
{
  CsGraph *graph = cs_graph_new ("test");
  CsNode node = { 0 };
  CsOpClass klass = { .name = "Test" };
  GError *error = NULL;
  CsConvTransposeParams params;
  int64_t h, w;

  node.klass = &klass;
  node.name = (char *) "n";

  /* A U-Net's 2×2 stride-2 upsampling doubles: (32 − 1)·2 + 1·(2 − 1) + 1. */
  params = transposed (2, 2, 0, CS_AUTO_PAD_NOTSET);
  g_assert_true (cs_window_resolve_transposed (&params, 32, 17, &h, &w, graph, &node, &error));
  g_assert_no_error (error);
  g_assert_cmpint (h, ==, 64);
  g_assert_cmpint (w, ==, 34);

  /* 3×3, stride 2, padding 1, output_padding 1: (7 − 1)·2 − 2 + 2 + 1 + 1. */
  params = transposed (3, 2, 1, CS_AUTO_PAD_NOTSET);
  params.output_padding[0] = params.output_padding[1] = 1;
  g_assert_true (cs_window_resolve_transposed (&params, 7, 7, &h, &w, graph, &node, &error));
  g_assert_cmpint (h, ==, 14);

  /* Dilation 2 spreads a 3-tap kernel over 5: (4 − 1)·1 + 2·(3 − 1) + 1. */
  params = transposed (3, 1, 0, CS_AUTO_PAD_NOTSET);
  params.window.dilation[0] = 2;
  g_assert_true (cs_window_resolve_transposed (&params, 4, 4, &h, &w, graph, &node, &error));
  g_assert_cmpint (h, ==, 8);
  g_assert_cmpint (w, ==, 6);

  /* SAME_UPPER makes in·s: total padding (3 − 1)·2 + 3 − 6 = 1, at the end. */
  params = transposed (3, 2, 0, CS_AUTO_PAD_SAME_UPPER);
  g_assert_true (cs_window_resolve_transposed (&params, 3, 3, &h, &w, graph, &node, &error));
  g_assert_cmpint (h, ==, 6);
  g_assert_cmpint (params.window.pads[0], ==, 0);
  g_assert_cmpint (params.window.pads[2], ==, 1);

  /* An output_shape one larger than the kernels reach: output_padding 1. */
  params = transposed (3, 3, 0, CS_AUTO_PAD_NOTSET);
  params.window.stride[1] = 2;
  params.n_output_shape = 2;
  params.output_shape[0] = 10;
  params.output_shape[1] = 8;
  g_assert_true (cs_window_resolve_transposed (&params, 3, 3, &h, &w, graph, &node, &error));
  g_assert_cmpint (h, ==, 10);
  g_assert_cmpint (w, ==, 8);
  g_assert_cmpint (params.beyond[0], ==, 1);
  g_assert_cmpint (params.window.pads[0] + params.window.pads[2], ==, 0);
  /* Resolving again (inference may) gives the same. */
  g_assert_true (cs_window_resolve_transposed (&params, 3, 3, &h, &w, graph, &node, &error));
  g_assert_cmpint (h, ==, 10);
  g_assert_cmpint (params.beyond[0], ==, 1);

  /* A smaller one crops through the pads, the odd one at the start. */
  params = transposed (3, 1, 0, CS_AUTO_PAD_NOTSET);
  params.n_output_shape = 2;
  params.output_shape[0] = params.output_shape[1] = 3;
  g_assert_true (cs_window_resolve_transposed (&params, 4, 4, &h, &w, graph, &node, &error));
  g_assert_cmpint (h, ==, 3);
  g_assert_cmpint (params.window.pads[0], ==, 2);
  g_assert_cmpint (params.window.pads[2], ==, 1);

  /* output_padding must stay below the stride (or the dilation). */
  params = transposed (3, 2, 0, CS_AUTO_PAD_NOTSET);
  params.output_padding[1] = 2;
  g_assert_false (cs_window_resolve_transposed (&params, 4, 4, &h, &w, graph, &node, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "output_padding 0×2"));
  g_clear_error (&error);

  /* Padding that eats the whole output. */
  params = transposed (1, 1, 3, CS_AUTO_PAD_NOTSET);
  g_assert_false (cs_window_resolve_transposed (&params, 4, 4, &h, &w, graph, &node, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "cannot make an output from the 4×4 input"));
  g_clear_error (&error);

  cs_graph_free (graph);
}

static void
test_transposed_text (void)
{
  CsConvTransposeParams params = transposed (3, 2, 1, CS_AUTO_PAD_NOTSET);
  CsShape in = { 4, { 1, 8, 7, 7 } };
  CsShape out = { 4, { 1, 4, 14, 13 } };
  CsLayerInfo info = { 0 };

  params.output_padding[0] = 1;
  cs_window_describe_transposed (&params, &in, &out, &info);
  g_assert_true (info.has_window);
  g_assert_true (info.transposed);
  g_assert_cmpint (info.stride[0], ==, 2);
  g_assert_cmpstr (info.arithmetic[0], ==, "(7 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 14");
  g_assert_cmpstr (info.arithmetic[1], ==, "(7 − 1)·2 − 2·1 + 1·(3 − 1) + 1 = 13");
  g_free ((char *) info.arithmetic[0]);
  g_free ((char *) info.arithmetic[1]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/window/floor-formula", test_floor_formula);
  g_test_add_func ("/window/ceil-mode", test_ceil_mode);
  g_test_add_func ("/window/same-and-valid", test_same_and_valid);
  g_test_add_func ("/window/describe-text", test_describe_text);
  g_test_add_func ("/window/transposed-resolve", test_transposed_resolve);
  g_test_add_func ("/window/transposed-text", test_transposed_text);
  return g_test_run ();
}
