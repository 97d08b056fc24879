/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-gradient.c — the backward pass op by op, against central finite
 * differences of the forward pass: small ONNX models built here, with
 * seeded random weights and inputs, one per op family and variant (the
 * convolutions with groups, depth multipliers, dilation, strides,
 * asymmetric padding, fused activations and folded batch norms; dense
 * layers; pooling in ceil mode; every activation; broadcasting
 * arithmetic; the data movers; ReduceMean, LRN, Softmax; the unary
 * math, also as a fused epilogue; a squeeze-excitation's scale folded
 * into a Conv; the variadic ops, Pow and PRelu; the
 * other reductions; the normalizations and Expand; Resize in each mode;
 * ConvTranspose).  Also: CAM
 * equals Grad-CAM up to a constant under a global-average-pool + dense
 * head, and the errors for what cannot be differentiated.
 */
#include <math.h>
#include <string.h>

#include "convscope.h"
#include "cs-explain.h"
#include "onnx-fixture.h"

/* Finite differences: the step, and how close they must come to the
 * gradient, relative to its largest element (float32 forward passes);
 * an element the output does not depend on (a ReLU that is off) must
 * come out as zero both ways, and some element must not. */
#define STEP 1e-3
#define TOLERANCE 5e-3
/* What rounding the outputs to float32 leaves in a difference quotient. */
#define NOISE     1e-4

#define N_IO(...) ((const char *const[]){ __VA_ARGS__ })

/* A float initializer of seeded values in [−1, 1]. */
static void
random_initializer (Fixture *f, const char *name, int rank, const int64_t *dims, guint32 seed)
{
  int64_t            n = 1;
  Onnx__TensorProto *tensor;
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  float *values;

  for (int i = 0; i < rank; i++)
    n *= dims[i];
  tensor = add_initializer (f, name, rank, dims, (size_t) n * 4, 0.0f);
  values = (float *) tensor->raw_data.data;
  for (int64_t i = 0; i < n; i++)
    values[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
}

/* A float initializer holding @values. */
static void
values_initializer (Fixture       *f,
                    const char    *name,
                    int            rank,
                    const int64_t *dims,
                    const float   *values)
{
  int64_t            n = 1;
  Onnx__TensorProto *tensor;

  for (int i = 0; i < rank; i++)
    n *= dims[i];
  tensor = add_initializer (f, name, rank, dims, (size_t) n * 4, 0.0f);
  memcpy (tensor->raw_data.data, values, (size_t) n * 4);
}

static CsModel *
load (Fixture *f)
{
  g_autoptr (GBytes) bytes = fixture_pack (f);
  GError  *error = NULL;
  CsModel *model = cs_model_load_memory (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                         "fixture", NULL, &error);

  g_assert_no_error (error);
  return model;
}

static float
output_element (CsSession *session, const CsTensor *input, int64_t element)
{
  g_autoptr (CsResult) result = NULL;
  GError *error = NULL;

  g_assert_true (cs_session_run (session, input, 1, NULL, &result, &error));
  g_assert_no_error (error);
  return ((const float *) result->outputs[0].data)[element];
}

/* ∂y/∂x of output elements @elements (−1 ends the list) of @f against
 * central differences, element by element of x, of @differenced's
 * output (the same model, or what @f computes before its softmax). */
static void
check_gradient_against (Fixture       *f,
                        Fixture       *differenced,
                        const int64_t *elements,
                        gboolean       after_softmax)
{
  g_autoptr (CsModel) model = load (f);
  g_autoptr (CsModel) reference = load (differenced);
  g_autoptr (CsSession) session = NULL;
  g_autoptr (CsSession) reference_session = NULL;
  const CsTensor *shape = cs_model_input (model, 0);
  const int64_t   n = cs_shape_numel (&shape->shape);
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  g_autofree float *x = g_new (float, n);
  CsTensor          input = { (char *) shape->name, CS_DTYPE_FLOAT32, shape->shape, x };
  gboolean          nonzero = FALSE;
  GError           *error = NULL;

  session = cs_session_new (model, 1, &error);
  g_assert_no_error (error);
  reference_session = cs_session_new (reference, 1, &error);
  g_assert_no_error (error);
  for (int64_t i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  for (int e = 0; elements[e] >= 0; e++)
    {
      CsGradientRequest request = { 0, elements[e], after_softmax, TRUE, NULL };
      g_autoptr (CsGradient) gradient = NULL;
      const float *grad;
      double       max_grad = 0.0, max_diff = 0.0;

      cs_session_gradient (session, &input, 1, &request, &gradient, &error);
      g_assert_no_error (error);
      grad = gradient->input_grad.data;
      for (int64_t i = 0; i < n; i++)
        {
          const float saved = x[i];
          double      up, down;

          x[i] = saved + (float) STEP;
          up = output_element (reference_session, &input, elements[e]);
          x[i] = saved - (float) STEP;
          down = output_element (reference_session, &input, elements[e]);
          x[i] = saved;
          max_diff = MAX (max_diff, fabs ((up - down) / (2 * STEP) - grad[i]));
          max_grad = MAX (max_grad, fabs (grad[i]));
        }
      g_test_message ("element %" G_GINT64_FORMAT ": max |gradient| %.3g, max |Δ| %.3g",
                      elements[e], max_grad, max_diff);
      g_assert_cmpfloat (max_diff, <=, TOLERANCE * max_grad + NOISE);
      nonzero |= max_grad > 0.0;
    }
  g_assert_true (nonzero);
}

static void
check_gradient (Fixture *f, const int64_t *elements)
{
  check_gradient_against (f, f, elements, FALSE);
}

static const int64_t spread_elements[] = { 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 35, -1 };

/* x → Conv (@groups, @stride, @dilation, @pads) → [BatchNormalization] →
 * [@act] → y: the fused graph is what runs and what is differentiated. */
static void
conv_case (int64_t        in_channels,
           int64_t        out_channels,
           int            groups,
           int            stride,
           int            dilation,
           const int64_t *pads,
           gboolean       batch_norm,
           const char    *act)
{
  g_autoptr (Fixture) f = fixture_new (13);
  const int64_t    x_dims[] = { 1, in_channels, 7, 6 };
  const int64_t    w_dims[] = { out_channels, in_channels / groups, 3, 3 };
  const int64_t    c_dims[] = { out_channels };
  const char      *conv_out = batch_norm || act != NULL ? "c" : "y";
  const char      *bn_out = act != NULL ? "n" : "y";
  Onnx__NodeProto *conv;

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  random_initializer (f, "w", 4, w_dims, 1);
  random_initializer (f, "b", 1, c_dims, 2);
  conv = add_node (f, "Conv", "conv", N_IO ("x", "w", "b", NULL, conv_out, NULL));
  add_int (f, conv, "group", groups);
  add_ints (f, conv, "strides", 2, (const int64_t[]){ stride, stride });
  add_ints (f, conv, "dilations", 2, (const int64_t[]){ dilation, dilation });
  add_ints (f, conv, "pads", 4, pads);
  if (batch_norm)
    {
      random_initializer (f, "scale", 1, c_dims, 3);
      random_initializer (f, "shift", 1, c_dims, 4);
      random_initializer (f, "mean", 1, c_dims, 5);
      add_initializer (f, "var", 1, c_dims, (size_t) out_channels * 4, 0.7f);
      add_node (f, "BatchNormalization", "bn",
                N_IO ("c", "scale", "shift", "mean", "var", NULL, bn_out, NULL));
    }
  if (act != NULL)
    {
      const gboolean clip = strcmp (act, "Clip") == 0;
      const int64_t  scalar[] = { 1 };

      if (clip)
        {
          add_initializer (f, "lo", 0, scalar, 4, 0.0f);
          add_initializer (f, "hi", 0, scalar, 4, 0.5f);
        }
      /* PyTorch's SiLU, x·σ(x), and its HardSwish before opset 14,
       * x·HardSigmoid(x) with α = 1/6, which the fuse pass makes one
       * activation each. */
      if (strcmp (act, "Silu") == 0 || strcmp (act, "HardSigmoid·x") == 0)
        {
          const gboolean   hard = act[0] == 'H';
          Onnx__NodeProto *gate = add_node (f, hard ? "HardSigmoid" : "Sigmoid", "gate",
                                            N_IO (batch_norm ? "n" : "c", NULL, "s", NULL));

          if (hard)
            add_float (f, gate, "alpha", 1.0f / 6.0f);
          add_node (f, "Mul", "act", N_IO (batch_norm ? "n" : "c", "s", NULL, "y", NULL));
        }
      else
        add_node (f, act, "act",
                  clip ? N_IO (batch_norm ? "n" : "c", "lo", "hi", NULL, "y", NULL)
                       : N_IO (batch_norm ? "n" : "c", NULL, "y", NULL));
    }
  check_gradient (f, spread_elements);
}

static void
test_conv (void)
{
  conv_case (3, 4, 1, 1, 1, (const int64_t[]){ 1, 1, 1, 1 }, FALSE, "Relu");
}

static void
test_conv_grouped_strided_asymmetric (void)
{
  conv_case (4, 6, 2, 2, 1, (const int64_t[]){ 0, 1, 1, 0 }, FALSE, NULL);
}

static void
test_conv_depthwise_dilated_clip (void)
{
  conv_case (3, 6, 3, 1, 2, (const int64_t[]){ 2, 2, 2, 2 }, FALSE, "Clip");
}

static void
test_conv_batch_norm_hard_swish (void)
{
  conv_case (3, 4, 1, 2, 1, (const int64_t[]){ 1, 0, 0, 1 }, TRUE, "HardSwish");
}

/* The same as PyTorch exports it before opset 14. */
static void
test_conv_batch_norm_gated_hard_swish (void)
{
  conv_case (3, 4, 1, 2, 1, (const int64_t[]){ 1, 0, 0, 1 }, TRUE, "HardSigmoid·x");
}

static void
test_conv_batch_norm_leaky (void)
{
  conv_case (2, 3, 1, 1, 1, (const int64_t[]){ 1, 1, 1, 1 }, TRUE, "LeakyRelu");
}

/* A squeeze-excitation block on two images, x → Conv → c, then c ·
 * σ(fc2 (ReLU (fc1 (GlobalAveragePool (c))))) → Conv 1×1 → Conv 3×3 →
 * Conv 1×1 → y, whose Mul the fuse pass folds into the 1×1 Conv as a channel
 * scale (checked): the gradient reaches c both through the scale and
 * through the pool.  The layers after it take c's memory in the run,
 * so the backward pass must have kept c. */
static void
test_squeeze_excitation (void)
{
  g_autoptr (Fixture) f = fixture_new (13);
  static const int64_t elements[] = { 0, 17, 50, 95, 100, 133, 170, -1 };
  g_autoptr (CsModel) model = NULL;
  gboolean folded = FALSE;

  add_input (f, "x", 4, (const int64_t[]){ 2, 4, 5, 6 });
  add_output (f, "y");
  random_initializer (f, "w", 4, (const int64_t[]){ 4, 4, 3, 3 }, 1);
  random_initializer (f, "w1", 4, (const int64_t[]){ 2, 4, 1, 1 }, 2);
  random_initializer (f, "b1", 1, (const int64_t[]){ 2 }, 3);
  random_initializer (f, "w2", 4, (const int64_t[]){ 4, 2, 1, 1 }, 4);
  random_initializer (f, "b2", 1, (const int64_t[]){ 4 }, 5);
  random_initializer (f, "wp", 4, (const int64_t[]){ 3, 4, 1, 1 }, 6);
  random_initializer (f, "wt", 4, (const int64_t[]){ 3, 3, 3, 3 }, 7);
  add_ints (f, add_node (f, "Conv", "conv", N_IO ("x", "w", NULL, "c", NULL)), "pads", 4,
            (const int64_t[]){ 1, 1, 1, 1 });
  add_node (f, "GlobalAveragePool", "pool", N_IO ("c", NULL, "p", NULL));
  add_node (f, "Conv", "fc1", N_IO ("p", "w1", "b1", NULL, "q", NULL));
  add_node (f, "Relu", "relu", N_IO ("q", NULL, "r", NULL));
  add_node (f, "Conv", "fc2", N_IO ("r", "w2", "b2", NULL, "t", NULL));
  add_node (f, "Sigmoid", "gate", N_IO ("t", NULL, "s", NULL));
  add_node (f, "Mul", "scale", N_IO ("c", "s", NULL, "m", NULL));
  add_node (f, "Conv", "project", N_IO ("m", "wp", NULL, "z", NULL));
  add_ints (f, add_node (f, "Conv", "tail", N_IO ("z", "wt", NULL, "u", NULL)), "pads", 4,
            (const int64_t[]){ 1, 1, 1, 1 });
  random_initializer (f, "wt2", 4, (const int64_t[]){ 3, 3, 1, 1 }, 8);
  add_node (f, "Conv", "tail2", N_IO ("u", "wt2", NULL, "y", NULL));
  model = load (f);
  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    folded |= strcmp (cs_model_layer (model, i)->op, "Conv+Mul") == 0;
  g_assert_true (folded);
  check_gradient (f, elements);
}

/* The smooth activations fused into a conv: ELU and SELU (slopes from
 * the output), Softplus, GELU and SiLU (from the input). */
static void
test_conv_smooth_activations (void)
{
  static const char *const acts[] = { "Elu", "Selu", "Softplus", "Gelu", "Silu" };

  for (size_t i = 0; i < G_N_ELEMENTS (acts); i++)
    conv_case (2, 3, 1, 1, 1, (const int64_t[]){ 1, 1, 1, 1 }, i % 2 == 1, acts[i]);
}

/* x (2×5) → Gemm (transB, bias) → Sigmoid, and x → MatMul → Add (bias)
 * → HardSwish. */
static void
test_dense (void)
{
  for (int matmul = 0; matmul < 2; matmul++)
    {
      g_autoptr (Fixture) f = fixture_new (13);
      const int64_t    x_dims[] = { 2, 5 };
      const int64_t    w_dims[] = { matmul ? 5 : 4, matmul ? 4 : 5 };
      const int64_t    b_dims[] = { 4 };
      Onnx__NodeProto *node;

      add_input (f, "x", 2, x_dims);
      add_output (f, "y");
      random_initializer (f, "w", 2, w_dims, 11);
      random_initializer (f, "b", 1, b_dims, 12);
      if (matmul)
        add_node (f, "MatMul", "dense", N_IO ("x", "w", NULL, "d", NULL));
      else
        {
          node = add_node (f, "Gemm", "dense", N_IO ("x", "w", "b", NULL, "d", NULL));
          add_int (f, node, "transB", 1);
          add_float (f, node, "alpha", 0.5f);
        }
      if (matmul)
        {
          g_autoptr (CsModel) model = NULL;

          /* A Linear layer as PyTorch exports it, whose bias the fuse
           * pass folds into the MatMul (checked), with an activation
           * whose slope needs the sum before it. */
          add_node (f, "Add", "bias", N_IO ("b", "d", NULL, "e", NULL));
          add_node (f, "HardSwish", "act", N_IO ("e", NULL, "y", NULL));
          model = load (f);
          g_assert_cmpstr (cs_model_layer (model, 0)->op, ==, "MatMul+Add+HardSwish");
        }
      else
        add_node (f, "Sigmoid", "act", N_IO ("d", NULL, "y", NULL));
      check_gradient (f, (const int64_t[]) { 0, 3, 5, 7, -1 });
    }
}

/* x → MaxPool or AveragePool, 3×3 stride 2, padded, in ceil mode. */
static void
pool_case (const char *op, gboolean count_include_pad)
{
  g_autoptr (Fixture) f = fixture_new (13);
  const int64_t    x_dims[] = { 1, 2, 6, 7 };
  Onnx__NodeProto *node;

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  node = add_node (f, op, "pool", N_IO ("x", NULL, "y", NULL));
  add_ints (f, node, "kernel_shape", 2, (const int64_t[]){ 3, 3 });
  add_ints (f, node, "strides", 2, (const int64_t[]){ 2, 2 });
  add_ints (f, node, "pads", 4, (const int64_t[]){ 1, 0, 0, 1 });
  add_int (f, node, "ceil_mode", 1);
  if (count_include_pad)
    add_int (f, node, "count_include_pad", 1);
  check_gradient (f, (const int64_t[]){ 0, 3, 11, 23, -1 });
}

static void
test_max_pool_ceil (void)
{
  pool_case ("MaxPool", FALSE);
}

static void
test_average_pool_ceil (void)
{
  pool_case ("AveragePool", FALSE);
  pool_case ("AveragePool", TRUE);
}

/* Global pools, each on its own, then added (broadcast against x). */
static void
test_global_pools (void)
{
  g_autoptr (Fixture) f = fixture_new (13);
  const int64_t x_dims[] = { 1, 3, 4, 3 };

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  add_node (f, "GlobalAveragePool", "avg", N_IO ("x", NULL, "a", NULL));
  add_node (f, "GlobalMaxPool", "max", N_IO ("x", NULL, "m", NULL));
  add_node (f, "Mul", "mul", N_IO ("a", "m", NULL, "p", NULL));
  add_node (f, "Add", "add", N_IO ("x", "p", NULL, "y", NULL));
  check_gradient (f, (const int64_t[]){ 0, 17, 35, -1 });
}

/* Every binary op with both operands computed from x and broadcast in
 * both directions: x (1×2×3×4) against its mean over the last axis
 * (1×2×3×1) and a constant row. */
static void
test_broadcasting_binaries (void)
{
  g_autoptr (Fixture) f = fixture_new (13);
  const int64_t    x_dims[] = { 1, 2, 3, 4 };
  const int64_t    row_dims[] = { 4 };
  Onnx__NodeProto *mean;

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  add_initializer (f, "two", 1, row_dims, 16, 2.0f);
  mean = add_node (f, "ReduceMean", "mean", N_IO ("x", NULL, "m", NULL));
  add_ints (f, mean, "axes", 1, (const int64_t[]){ 3 });
  add_node (f, "Mul", "mul", N_IO ("x", "m", NULL, "p", NULL));
  add_node (f, "Add", "add", N_IO ("m", "two", NULL, "q", NULL));
  add_node (f, "Div", "div", N_IO ("p", "q", NULL, "r", NULL));
  add_node (f, "Sub", "sub", N_IO ("m", "r", NULL, "y", NULL));
  check_gradient (f, (const int64_t[]){ 0, 7, 23, -1 });
}

/* The data movers in a row: Split, Concat (swapped), Slice (stepped),
 * Pad (reflect), Transpose, Reshape, Flatten, Squeeze, then HardSigmoid
 * so that the elements differ in weight. */
static void
test_data_movement (void)
{
  g_autoptr (Fixture) f = fixture_new (13);
  const int64_t         x_dims[] = { 1, 4, 3, 5 };
  const int64_t         shape[] = { 1, 5, 4, 6 };
  Onnx__NodeProto      *node;
  Onnx__AttributeProto *mode;

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  node = add_node (f, "Split", "split", N_IO ("x", NULL, "s0", "s1", NULL));
  add_int (f, node, "axis", 1);
  node = add_node (f, "Concat", "concat", N_IO ("s1", "s0", "s1", NULL, "c", NULL));
  add_int (f, node, "axis", 1);
  add_int64_initializer (f, "starts", (const int64_t[]){ 1, 0 }, 2, FALSE);
  add_int64_initializer (f, "ends", (const int64_t[]){ 6, 5 }, 2, FALSE);
  add_int64_initializer (f, "axes", (const int64_t[]){ 1, 3 }, 2, FALSE);
  add_int64_initializer (f, "steps", (const int64_t[]){ 1, 2 }, 2, FALSE);
  add_node (f, "Slice", "slice", N_IO ("c", "starts", "ends", "axes", "steps", NULL, "l", NULL));
  add_int64_initializer (f, "pads", (const int64_t[]){ 0, 0, 1, 2, 0, 0, 0, 1 }, 8, FALSE);
  node = add_node (f, "Pad", "pad", N_IO ("l", "pads", NULL, "p", NULL));
  mode = add_attribute (f, node, "mode", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
  mode->has_s = TRUE;
  mode->s.data = (uint8_t *) "reflect";
  mode->s.len = strlen ("reflect");
  node = add_node (f, "Transpose", "transpose", N_IO ("p", NULL, "t", NULL));
  add_ints (f, node, "perm", 4, (const int64_t[]){ 0, 3, 2, 1 });
  add_int64_initializer (f, "shape", shape, 4, FALSE);
  add_node (f, "Reshape", "reshape", N_IO ("t", "shape", NULL, "r", NULL));
  add_node (f, "Flatten", "flatten", N_IO ("r", NULL, "fl", NULL));
  add_node (f, "HardSigmoid", "act", N_IO ("fl", NULL, "y", NULL));
  check_gradient (f, (const int64_t[]){ 0, 13, 50, 119, -1 });
}

/* x → LRN across channels [→ Softmax over them, then Flatten]. */
static Fixture *
lrn_fixture (gboolean softmax)
{
  Fixture         *f = fixture_new (13);
  const int64_t    x_dims[] = { 1, 5, 2, 3 };
  Onnx__NodeProto *node;

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  node = add_node (f, "LRN", "lrn", N_IO ("x", NULL, softmax ? "n" : "y", NULL));
  add_int (f, node, "size", 3);
  add_float (f, node, "alpha", 0.5f);
  add_float (f, node, "beta", 0.75f);
  add_float (f, node, "bias", 1.0f);
  if (softmax)
    {
      node = add_node (f, "Softmax", "softmax", N_IO ("n", NULL, "s", NULL));
      add_int (f, node, "axis", 1);
      add_node (f, "Flatten", "flatten", N_IO ("s", NULL, "y", NULL));
    }
  return f;
}

/* After the softmax, and before it: then y is LRN's output, which the
 * model without the softmax gives for the finite differences. */
static void
test_lrn_softmax (void)
{
  g_autoptr (Fixture) with_softmax = lrn_fixture (TRUE);
  g_autoptr (Fixture) without = lrn_fixture (FALSE);
  const int64_t elements[] = { 0, 13, 29, -1 };

  check_gradient_against (with_softmax, with_softmax, elements, TRUE);
  check_gradient_against (with_softmax, without, elements, FALSE);
  check_gradient (without, elements);
}

/* The unary ops, most of them as epilogue steps, which overwrite their
 * input in place (the backward pass keeps a copy of it): ConvNeXt's
 * exported GELU c·½(1 + erf(c/√2)) with Erf fused into the Div, Erf on
 * a conv output read elsewhere too, and Sqrt, Log, Exp, Reciprocal and
 * Neg fused one after another into an Add. */
static void
test_unary_epilogue (void)
{
  g_autoptr (Fixture) f = fixture_new (13);
  const int64_t    x_dims[] = { 1, 2, 5, 4 };
  const int64_t    w_dims[] = { 3, 2, 3, 3 };
  const int64_t    scalar[] = { 1 };
  Onnx__NodeProto *conv;

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  random_initializer (f, "w", 4, w_dims, 41);
  add_initializer (f, "root2", 0, scalar, 4, (float) G_SQRT2);
  add_initializer (f, "one", 0, scalar, 4, 1.0f);
  add_initializer (f, "half", 0, scalar, 4, 0.5f);
  conv = add_node (f, "Conv", "conv", N_IO ("x", "w", NULL, "c", NULL));
  add_ints (f, conv, "pads", 4, (const int64_t[]){ 1, 1, 1, 1 });
  add_node (f, "Erf", "erf_direct", N_IO ("c", NULL, "e", NULL));
  add_node (f, "Div", "div", N_IO ("c", "root2", NULL, "d", NULL));
  add_node (f, "Erf", "erf", N_IO ("d", NULL, "erf_d", NULL));
  add_node (f, "Add", "add", N_IO ("erf_d", "one", NULL, "a", NULL));
  add_node (f, "Mul", "mul", N_IO ("c", "a", NULL, "m", NULL));
  add_node (f, "Mul", "gelu", N_IO ("m", "half", NULL, "g", NULL));
  add_node (f, "Add", "sum", N_IO ("g", "e", NULL, "s", NULL));
  add_node (f, "Abs", "abs", N_IO ("s", NULL, "ab", NULL));
  add_node (f, "Add", "shift", N_IO ("ab", "one", NULL, "pos", NULL));
  add_node (f, "Sqrt", "sqrt", N_IO ("pos", NULL, "sq", NULL));
  add_node (f, "Log", "log", N_IO ("sq", NULL, "lg", NULL));
  add_node (f, "Exp", "exp", N_IO ("lg", NULL, "ex", NULL));
  add_node (f, "Reciprocal", "reciprocal", N_IO ("ex", NULL, "r", NULL));
  add_node (f, "Neg", "neg", N_IO ("r", NULL, "n", NULL));
  add_node (f, "Mul", "out", N_IO ("n", "s", NULL, "y", NULL));
  check_gradient (f, spread_elements);
}

/* The variadic ops with three and two operands broadcast together (x,
 * its mean over the last axis, a constant row), PRelu with a slope per
 * channel, Pow with a float and an int64 exponent. */
static void
test_variadic_pow_prelu (void)
{
  g_autoptr (Fixture) f = fixture_new (13);
  const int64_t    x_dims[] = { 1, 2, 3, 4 };
  const int64_t    row_dims[] = { 4 };
  const int64_t    slope_dims[] = { 2, 1, 1 };
  const int64_t    scalar[] = { 1 };
  Onnx__NodeProto *node;

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  values_initializer (f, "row", 1, row_dims, (const float[]){ -0.3f, 0.1f, 0.45f, -0.7f });
  values_initializer (f, "slope", 3, slope_dims, (const float[]){ 0.25f, -0.5f });
  add_initializer (f, "one", 0, scalar, 4, 1.0f);
  add_initializer (f, "power", 0, scalar, 4, 1.5f);
  add_int64_initializer (f, "two", (const int64_t[]){ 2 }, 1, TRUE);
  node = add_node (f, "ReduceMean", "mean", N_IO ("x", NULL, "m", NULL));
  add_ints (f, node, "axes", 1, (const int64_t[]){ 3 });
  add_node (f, "Max", "max", N_IO ("x", "m", "row", NULL, "a", NULL));
  add_node (f, "Min", "min", N_IO ("x", "m", NULL, "b", NULL));
  add_node (f, "Sum", "sum", N_IO ("a", "b", "x", NULL, "s", NULL));
  add_node (f, "Mean", "average", N_IO ("s", "m", NULL, "t", NULL));
  add_node (f, "PRelu", "prelu", N_IO ("t", "slope", NULL, "p", NULL));
  add_node (f, "Abs", "abs", N_IO ("p", NULL, "ab", NULL));
  add_node (f, "Add", "shift", N_IO ("ab", "one", NULL, "pos", NULL));
  add_node (f, "Pow", "pow", N_IO ("pos", "power", NULL, "q", NULL));
  add_node (f, "Pow", "square", N_IO ("q", "two", NULL, "sq", NULL));
  add_node (f, "Mul", "out", N_IO ("sq", "p", NULL, "y", NULL));
  check_gradient (f, (const int64_t[]){ 0, 5, 11, 17, 23, -1 });
}

/* ReduceSum (axes as an input), ReduceMax over two axes and ReduceL2,
 * each broadcast back against x. */
static void
test_reductions (void)
{
  g_autoptr (Fixture) f = fixture_new (13);
  const int64_t    x_dims[] = { 1, 3, 4, 5 };
  Onnx__NodeProto *node;

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  add_int64_initializer (f, "axes", (const int64_t[]){ 2 }, 1, FALSE);
  add_node (f, "ReduceSum", "sum", N_IO ("x", "axes", NULL, "s", NULL));
  node = add_node (f, "ReduceMax", "max", N_IO ("x", NULL, "mx", NULL));
  add_ints (f, node, "axes", 2, (const int64_t[]){ 1, 3 });
  node = add_node (f, "ReduceL2", "l2", N_IO ("x", NULL, "l", NULL));
  add_ints (f, node, "axes", 1, (const int64_t[]){ 3 });
  add_node (f, "Mul", "mul", N_IO ("x", "s", NULL, "p", NULL));
  add_node (f, "Add", "add", N_IO ("mx", "l", NULL, "q", NULL));
  add_node (f, "Add", "out", N_IO ("p", "q", NULL, "y", NULL));
  check_gradient (f, (const int64_t[]){ 0, 7, 19, 33, 59, -1 });
}

/* InstanceNormalization, then LayerNormalization over C, H and W with a
 * scale and bias per element, then Expand across a new batch of two. */
static void
test_norms_expand (void)
{
  g_autoptr (Fixture) f = fixture_new (17);
  const int64_t    x_dims[] = { 1, 3, 4, 2 };
  const int64_t    c_dims[] = { 3 };
  const int64_t    group_dims[] = { 3, 4, 2 };
  Onnx__NodeProto *node;

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  random_initializer (f, "in_scale", 1, c_dims, 51);
  random_initializer (f, "in_bias", 1, c_dims, 52);
  random_initializer (f, "ln_scale", 3, group_dims, 53);
  random_initializer (f, "ln_bias", 3, group_dims, 54);
  add_int64_initializer (f, "shape", (const int64_t[]){ 2, 1, 1, 1 }, 4, FALSE);
  node = add_node (f, "InstanceNormalization", "instance",
                   N_IO ("x", "in_scale", "in_bias", NULL, "i", NULL));
  add_float (f, node, "epsilon", 1e-3f);
  add_node (f, "Mul", "mix", N_IO ("i", "x", NULL, "m", NULL));
  node = add_node (f, "LayerNormalization", "layer",
                   N_IO ("m", "ln_scale", "ln_bias", NULL, "l", NULL));
  add_int (f, node, "axis", 1);
  add_node (f, "Expand", "expand", N_IO ("l", "shape", NULL, "y", NULL));
  check_gradient (f, (const int64_t[]){ 0, 5, 13, 23, 29, 47, -1 });
}

/* Resize with @mode and @coordinates, to @sizes (or by @scales). */
static void
resize_case (const char    *mode,
             const char    *coordinates,
             const int64_t *sizes,
             const float   *scales,
             gboolean       antialias)
{
  g_autoptr (Fixture) f = fixture_new (18);
  const int64_t    x_dims[] = { 1, 2, 5, 4 };
  const int64_t    four[] = { 4 };
  Onnx__NodeProto *node;

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  if (sizes != NULL)
    add_int64_initializer (f, "sizes", sizes, 4, FALSE);
  else
    values_initializer (f, "scales", 1, four, scales);
  node = add_node (f, "Resize", "resize",
                   sizes != NULL ? N_IO ("x", "", "", "sizes", NULL, "r", NULL)
                                 : N_IO ("x", "", "scales", NULL, "r", NULL));
  add_string (f, node, "mode", mode);
  add_string (f, node, "coordinate_transformation_mode", coordinates);
  if (antialias)
    add_int (f, node, "antialias", 1);
  /* So that the output elements weigh differently. */
  add_node (f, "Sigmoid", "act", N_IO ("r", NULL, "y", NULL));
  check_gradient (f, (const int64_t[]){ 0, 7, 17, -1 });
}

static void
test_resize (void)
{
  resize_case ("linear", "half_pixel", NULL, (const float[]){ 1.0f, 1.0f, 2.0f, 1.5f }, FALSE);
  resize_case ("cubic", "align_corners", (const int64_t[]){ 1, 2, 7, 9 }, NULL, FALSE);
  resize_case ("nearest", "asymmetric", NULL, (const float[]){ 1.0f, 1.0f, 2.0f, 2.0f }, FALSE);
  resize_case ("linear", "pytorch_half_pixel", (const int64_t[]){ 1, 2, 3, 3 }, NULL, TRUE);
}

/* ConvTranspose with groups, stride, dilation, padding and
 * output_padding, a bias and a fused Relu. */
static void
test_conv_transpose (void)
{
  g_autoptr (Fixture) f = fixture_new (13);
  const int64_t    x_dims[] = { 1, 4, 3, 4 };
  const int64_t    w_dims[] = { 4, 3, 3, 2 };
  const int64_t    b_dims[] = { 6 };
  Onnx__NodeProto *node;

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  random_initializer (f, "w", 4, w_dims, 61);
  random_initializer (f, "b", 1, b_dims, 62);
  node = add_node (f, "ConvTranspose", "up", N_IO ("x", "w", "b", NULL, "u", NULL));
  add_int (f, node, "group", 2);
  add_ints (f, node, "strides", 2, (const int64_t[]){ 2, 3 });
  add_ints (f, node, "dilations", 2, (const int64_t[]){ 2, 1 });
  add_ints (f, node, "pads", 4, (const int64_t[]){ 1, 0, 2, 1 });
  add_ints (f, node, "output_padding", 2, (const int64_t[]){ 1, 0 });
  add_node (f, "Relu", "relu", N_IO ("u", NULL, "y", NULL));
  /* The output is 1×6×7×10; with these strides and pads only odd rows
   * and columns x with x mod 3 < 2 are reached by any input pixel. */
  check_gradient (f, (const int64_t[]){ 10, 34, 127, 221, 409, -1 });
}

/* conv → Relu → GlobalAveragePool → Flatten → Gemm: CAM's map and
 * Grad-CAM's agree up to 1 / (H·W) where CAM is positive, with the
 * Gemm's weights transposed (packed where they lie) or not (packed into
 * a copy, the loaded one released), and unpacked for both. */
static void
cam_case (gboolean trans_b)
{
  g_autoptr (Fixture) f = fixture_new (13);
  const int64_t x_dims[] = { 1, 3, 6, 5 };
  const int64_t w_dims[] = { 8, 3, 3, 3 };
  const int64_t d_dims[] = { trans_b ? 4 : 8, trans_b ? 8 : 4 };
  const int64_t b_dims[] = { 4 };
  g_autoptr (CsModel) model = NULL;
  g_autoptr (CsSession) session = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  float            x[90];
  CsTensor         input = { "x", CS_DTYPE_FLOAT32, { 4, { 1, 3, 6, 5 } }, x };
  GError          *error = NULL;
  Onnx__NodeProto *node;

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  random_initializer (f, "w", 4, w_dims, 21);
  random_initializer (f, "d", 2, d_dims, 22);
  random_initializer (f, "b", 1, b_dims, 23);
  node = add_node (f, "Conv", "conv", N_IO ("x", "w", NULL, "c", NULL));
  add_ints (f, node, "pads", 4, (const int64_t[]){ 1, 1, 1, 1 });
  add_node (f, "Relu", "relu", N_IO ("c", NULL, "r", NULL));
  add_node (f, "GlobalAveragePool", "gap", N_IO ("r", NULL, "g", NULL));
  add_node (f, "Flatten", "flatten", N_IO ("g", NULL, "fl", NULL));
  node = add_node (f, "Gemm", "fc", N_IO ("fl", "d", "b", NULL, "y", NULL));
  add_int (f, node, "transB", trans_b);
  model = load (f);
  session = cs_session_new (model, 1, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 90; i++)
    x[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  g_assert_cmpstr (cs_explain_default_layer (model, NULL), ==, "conv");

  for (int64_t k = 0; k < 4; k++)
    {
      CsExplainOptions cam = { .method = CS_EXPLAIN_CAM, .element = k };
      CsExplainOptions grad_cam = { .method = CS_EXPLAIN_GRADCAM, .element = k };
      g_autoptr (CsExplanation) by_cam = NULL;
      g_autoptr (CsExplanation) by_grad = NULL;
      const float *a, *b;
      double       max_diff = 0.0, max_value = 0.0;

      g_assert_true (cs_explain (session, &input, &cam, &by_cam, &error));
      g_assert_true (cs_explain (session, &input, &grad_cam, &by_grad, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (by_cam->layer, ==, "conv");
      g_assert_true (cs_shape_equal (&by_cam->map.shape, &by_grad->map.shape));
      a = by_cam->map.data;
      b = by_grad->map.data;
      for (int i = 0; i < 30; i++)
        {
          max_diff = MAX (max_diff, fabs (MAX (a[i], 0.0f) / 30.0 - b[i]));
          max_value = MAX (max_value, b[i]);
        }
      g_assert_cmpfloat (max_value, >, 0.0);
      g_assert_cmpfloat (max_diff, <=, 1e-5 * max_value);
    }
}

static void
test_cam_is_grad_cam (void)
{
  cam_case (TRUE);
  cam_case (FALSE);
}

static void
count_progress (double done, void *user)
{
  double *last = user;

  g_assert_cmpfloat (done, >, *last);
  g_assert_cmpfloat (done, <=, 1.0);
  *last = done;
}

/* Occlusion blanks each channel with its own grey: patches of exactly
 * the input's value change nothing, anything else does; the progress
 * reported on the calling thread climbs within (0, 1]. */
static void
test_occlusion_fill (void)
{
  g_autoptr (Fixture) f = fixture_new (13);
  const int64_t x_dims[] = { 1, 3, 6, 6 };
  const int64_t w_dims[] = { 2, 3, 1, 1 };
  const int64_t d_dims[] = { 4, 2 };
  const float   value[3] = { 0.2f, -0.5f, 0.9f };
  g_autoptr (CsModel) model = NULL;
  g_autoptr (CsSession) session = NULL;
  float    x[108];
  CsTensor input = { "x", CS_DTYPE_FLOAT32, { 4, { 1, 3, 6, 6 } }, x };
  GError  *error = NULL;
  double   last = 0.0;
  Onnx__NodeProto *node;

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  random_initializer (f, "w", 4, w_dims, 41);
  random_initializer (f, "d", 2, d_dims, 42);
  add_node (f, "Conv", "conv", N_IO ("x", "w", NULL, "c", NULL));
  add_node (f, "GlobalAveragePool", "gap", N_IO ("c", NULL, "g", NULL));
  add_node (f, "Flatten", "flatten", N_IO ("g", NULL, "fl", NULL));
  node = add_node (f, "Gemm", "fc", N_IO ("fl", "d", NULL, "y", NULL));
  add_int (f, node, "transB", 1);
  model = load (f);
  session = cs_session_new (model, 2, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 108; i++)
    x[i] = value[i / 36];

  for (int round = 0; round < 2; round++)
    {
      CsExplainOptions options = { .method = CS_EXPLAIN_OCCLUSION, .element = 1, .patch = 2,
                                   .progress = count_progress, .progress_data = &last };
      g_autoptr (CsExplanation) explanation = NULL;
      float largest = 0.0f;

      /* First the input's own values, then the old blank of 0. */
      if (round == 0)
        memcpy (options.fill, value, sizeof value);
      last = 0.0;
      g_assert_true (cs_explain (session, &input, &options, &explanation, &error));
      g_assert_no_error (error);
      g_assert_cmpint (explanation->map.shape.dims[0], ==, 5);
      g_assert_cmpint (explanation->map.shape.dims[1], ==, 5);
      for (int i = 0; i < 25; i++)
        largest = MAX (largest, fabsf (((float *) explanation->map.data)[i]));
      if (round == 0)
        g_assert_cmpfloat (largest, <=, 1e-6f);
      else
        g_assert_cmpfloat (largest, >, 1e-3f);
      g_assert_cmpfloat (last, >, 0.0);
    }
}

/* What cannot be explained says why, in one line. */
static void
test_errors (void)
{
  g_autoptr (Fixture) f = fixture_new (13);
  const int64_t x_dims[] = { 1, 2, 4, 4 };
  const int64_t w_dims[] = { 2, 2, 1, 1 };
  g_autoptr (CsModel) model = NULL;
  g_autoptr (CsSession) session = NULL;
  float    x[32] = { 0 };
  CsTensor input = { "x", CS_DTYPE_FLOAT32, { 4, { 1, 2, 4, 4 } }, x };
  static const struct
  {
    CsExplainMethod method;
    const char     *layer;
    int64_t         element;
    const char     *message;
  } cases[] = {
    { CS_EXPLAIN_GRADCAM, "conv", 2, "class 2 is out of range" },
    { CS_EXPLAIN_GRADCAM, "nowhere", 0, "no layer called 'nowhere'" },
    { CS_EXPLAIN_GRADCAM, "gap", 0, "layer 'gap' has no spatial extent" },
    { CS_EXPLAIN_GRADCAM, "side", 0, "layer 'side' does not lead to output 'y'" },
    { CS_EXPLAIN_SALIENCY, NULL, 0, "node 'gather' (Gather): has no gradient" },
    { CS_EXPLAIN_CAM, "conv", 0, "CAM needs global average pooling and one dense layer" },
  };
  GError          *error = NULL;
  Onnx__NodeProto *node;

  add_input (f, "x", 4, x_dims);
  add_output (f, "y");
  add_output (f, "z");
  random_initializer (f, "w", 4, w_dims, 31);
  add_node (f, "Conv", "conv", N_IO ("x", "w", NULL, "c", NULL));
  add_node (f, "Conv", "side", N_IO ("x", "w", NULL, "z", NULL));
  add_int64_initializer (f, "channel", (const int64_t[]){ 1 }, 1, FALSE);
  node = add_node (f, "Gather", "gather", N_IO ("c", "channel", NULL, "picked", NULL));
  add_int (f, node, "axis", 1);
  add_node (f, "GlobalAveragePool", "gap", N_IO ("picked", NULL, "g", NULL));
  add_node (f, "Flatten", "flatten", N_IO ("g", NULL, "y", NULL));
  model = load (f);
  session = cs_session_new (model, 1, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CsExplainOptions options = { .method = cases[i].method,
                                   .layer = cases[i].layer,
                                   .element = cases[i].element };
      CsExplanation   *explanation = NULL;

      g_assert_false (cs_explain (session, &input, &options, &explanation, &error));
      g_assert_null (explanation);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].message));
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gradient/conv", test_conv);
  g_test_add_func ("/gradient/conv-grouped-strided-asymmetric",
                   test_conv_grouped_strided_asymmetric);
  g_test_add_func ("/gradient/conv-depthwise-dilated-clip", test_conv_depthwise_dilated_clip);
  g_test_add_func ("/gradient/conv-batch-norm-hard-swish", test_conv_batch_norm_hard_swish);
  g_test_add_func ("/gradient/conv-batch-norm-gated-hard-swish",
                   test_conv_batch_norm_gated_hard_swish);
  g_test_add_func ("/gradient/conv-batch-norm-leaky", test_conv_batch_norm_leaky);
  g_test_add_func ("/gradient/squeeze-excitation", test_squeeze_excitation);
  g_test_add_func ("/gradient/conv-smooth-activations", test_conv_smooth_activations);
  g_test_add_func ("/gradient/dense", test_dense);
  g_test_add_func ("/gradient/max-pool-ceil", test_max_pool_ceil);
  g_test_add_func ("/gradient/average-pool-ceil", test_average_pool_ceil);
  g_test_add_func ("/gradient/global-pools", test_global_pools);
  g_test_add_func ("/gradient/broadcasting-binaries", test_broadcasting_binaries);
  g_test_add_func ("/gradient/data-movement", test_data_movement);
  g_test_add_func ("/gradient/lrn-softmax", test_lrn_softmax);
  g_test_add_func ("/gradient/unary-epilogue", test_unary_epilogue);
  g_test_add_func ("/gradient/variadic-pow-prelu", test_variadic_pow_prelu);
  g_test_add_func ("/gradient/reductions", test_reductions);
  g_test_add_func ("/gradient/norms-expand", test_norms_expand);
  g_test_add_func ("/gradient/resize", test_resize);
  g_test_add_func ("/gradient/conv-transpose", test_conv_transpose);
  g_test_add_func ("/gradient/cam-is-grad-cam", test_cam_is_grad_cam);
  g_test_add_func ("/gradient/occlusion-fill", test_occlusion_fill);
  g_test_add_func ("/gradient/errors", test_errors);
  return g_test_run ();
}
