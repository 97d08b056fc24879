/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-ops.c — the reference ops on tiny graphs built by hand: each case
 * goes through the real shape inference and constant folding
 * (cs_graph_infer_and_fold), then runs the remaining nodes the way a
 * session does, and compares with numbers worked out by hand from the
 * ONNX operator specification (or, for larger inputs, its formula written
 * out naively here).  Also checked: the errors hostile parameters get,
 * the int64 shape arithmetic torchvision exports fold at load, and that
 * the thread pool changes no result.
 */
#include "ops/ops.h"

#include <math.h>
#include <string.h>

#define SHAPE(...)                                                        \
  ((CsShape) { .rank = (int) G_N_ELEMENTS (((int64_t[]) { __VA_ARGS__ })), \
               .dims = { __VA_ARGS__ } })
#define SCALAR ((CsShape) { .rank = 0 })
#define INTS(...) ((const int64_t[]) { __VA_ARGS__ })
#define FLOATS(...) ((const float[]) { __VA_ARGS__ })
#define IDS(...) ((const int[]) { __VA_ARGS__ }), \
                 (int) G_N_ELEMENTS (((int[]) { __VA_ARGS__ }))

/* A graph under test and the memory its run uses. */
typedef struct
{
  CsGraph   *graph;
  void     **data;     /* per value, after run_net */
  GPtrArray *owned;
} Net;

static Net *
net_new (void)
{
  Net *net = g_new0 (Net, 1);

  net->graph = cs_graph_new ("test.onnx");
  net->owned = g_ptr_array_new_with_free_func (g_free);
  return net;
}

static void
net_free (Net *net)
{
  cs_graph_free (net->graph);
  g_ptr_array_unref (net->owned);
  g_free (net->data);
  g_free (net);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Net, net_free)

static int
add_input (Net *net, const char *name, CsDType dtype, CsShape shape)
{
  int v = cs_graph_add_value (net->graph, name, dtype, &shape, NULL);

  cs_graph_value (net->graph, v)->is_input = TRUE;
  g_array_append_val (net->graph->inputs, v);
  return v;
}

static int
add_floats (Net *net, const char *name, CsShape shape, const float *values)
{
  return cs_graph_add_value (net->graph, name, CS_DTYPE_FLOAT32, &shape,
                             g_memdup2 (values, sizeof (float)
                                        * (size_t) cs_shape_numel (&shape)));
}

static int
add_ints (Net *net, const char *name, CsShape shape, const int64_t *values)
{
  return cs_graph_add_value (net->graph, name, CS_DTYPE_INT64, &shape,
                             g_memdup2 (values, sizeof (int64_t)
                                        * (size_t) cs_shape_numel (&shape)));
}

/* An output whose dtype and shape inference will set. */
static int
add_value (Net *net, const char *name)
{
  return cs_graph_add_value (net->graph, name, CS_DTYPE_FLOAT32, NULL, NULL);
}

static CsNode *
add_node (Net *net, const CsOpClass *klass, const char *name, void *params,
          const int *inputs, int n_inputs, const int *outputs, int n_outputs)
{
  return cs_graph_add_node (net->graph, klass, name, inputs, n_inputs,
                            outputs, n_outputs, params);
}

static gboolean
net_infer (Net *net, GError **error)
{
  return cs_graph_infer_and_fold (net->graph, error);
}

/* Infers and folds, then runs every live node like a session does, with
 * @inputs in the graph's input order and per-thread scratch (for up to 8
 * threads). */
static void
run_net (Net *net, const void *const *inputs, CsThreadPool *pool)
{
  CsGraph *graph = net->graph;
  GError *error = NULL;
  void *scratch[8] = { NULL };
  CsExec exec = { graph, NULL, pool, scratch };

  g_assert_true (net_infer (net, &error));
  g_assert_no_error (error);
  net->data = g_new0 (void *, graph->values->len);
  for (guint i = 0; i < graph->inputs->len; i++)
    net->data[g_array_index (graph->inputs, int, i)] = (void *) inputs[i];
  for (guint v = 0; v < graph->values->len; v++)
    {
      CsValue *value = cs_graph_value (graph, v);

      if (value->constant != NULL)
        net->data[v] = value->constant;
      else if (net->data[v] == NULL)
        {
          net->data[v] = g_malloc0 (MAX (1, cs_shape_numel (&value->shape))
                                    * cs_dtype_size (value->dtype));
          g_ptr_array_add (net->owned, net->data[v]);
        }
    }
  exec.data = net->data;
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (graph, i);

      if (node->dead)
        continue;
      for (guint t = 0; t < G_N_ELEMENTS (scratch); t++)
        {
          g_clear_pointer (&scratch[t], g_free);
          if (node->klass->scratch_bytes != NULL)
            scratch[t] = g_malloc0 (MAX (1, node->klass->scratch_bytes (graph, node)));
        }
      node->klass->run (node, &exec);
      if (node->act.kind != CS_ACT_NONE && !node->klass->fuses_activation)
        cs_activation_apply (&node->act, net->data[node->outputs[0]],
                             cs_shape_numel (&cs_node_output (graph, node, 0)->shape));
    }
  for (guint t = 0; t < G_N_ELEMENTS (scratch); t++)
    g_free (scratch[t]);
}

static void
assert_shape (Net *net, int value, CsShape want)
{
  const CsShape *got = &cs_graph_value (net->graph, value)->shape;

  if (!cs_shape_equal (got, &want))
    {
      g_autofree char *a = cs_shape_to_string (got);
      g_autofree char *b = cs_shape_to_string (&want);

      g_error ("value '%s' has shape %s, expected %s",
               cs_graph_value (net->graph, value)->name, a, b);
    }
}

static void
assert_floats (const float *got, const float *want, int64_t n, double tolerance)
{
  for (int64_t i = 0; i < n; i++)
    if (!(fabs (got[i] - want[i]) <= tolerance * (1.0 + fabs (want[i]))))
      g_error ("element %" G_GINT64_FORMAT ": got %.9g, expected %.9g",
               i, got[i], want[i]);
}

static void
assert_ints (const int64_t *got, const int64_t *want, int64_t n)
{
  for (int64_t i = 0; i < n; i++)
    g_assert_cmpint (got[i], ==, want[i]);
}

/* Checks value @v's shape and (exact within float rounding) contents. */
static void
expect_floats (Net *net, int v, CsShape shape, const float *want)
{
  assert_shape (net, v, shape);
  g_assert_cmpint (cs_graph_value (net->graph, v)->dtype, ==, CS_DTYPE_FLOAT32);
  assert_floats (net->data[v], want, cs_shape_numel (&shape), 1e-6);
}

/* Checks that inference fails with @code and a message naming @node and
 * containing @fragment. */
static void
expect_error (Net *net, CsErrorCode code, const char *node, const char *fragment)
{
  GError *error = NULL;
  g_autofree char *quoted = g_strdup_printf ("'%s'", node);

  g_assert_false (net_infer (net, &error));
  g_assert_error (error, CS_ERROR, (int) code);
  if (strstr (error->message, quoted) == NULL
      || strstr (error->message, fragment) == NULL
      || strstr (error->message, "test.onnx") == NULL)
    g_error ("message \"%s\" lacks the file, %s or \"%s\"", error->message,
             quoted, fragment);
  g_error_free (error);
}

static float *
iota (int64_t n, float start)
{
  float *x = g_new (float, n);

  for (int64_t i = 0; i < n; i++)
    x[i] = start + (float) i;
  return x;
}

/* ---- Activations ---- */

static const float act_x[] = { -200, -2, -0.5f, 0, 0.5f, 2, 3, 200 };

static void
check_activation (const CsOpClass *klass, CsActivation *params,
                  const float *want)
{
  g_autoptr (Net) net = net_new ();
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (8));
  int y = add_value (net, "y");
  CsActivation act;

  add_node (net, klass, klass->name, params, IDS (x), IDS (y));
  run_net (net, (const void *[]) { act_x }, NULL);
  expect_floats (net, y, SHAPE (8), want);

  /* The scalar form the kernels' epilogues use agrees. */
  act = *(CsActivation *) cs_graph_node (net->graph, 0)->params;
  for (int i = 0; i < 8; i++)
    assert_floats ((float[]) { cs_activation_scalar (&act, act_x[i]) },
                   &want[i], 1, 1e-6);
}

static void
test_activations (void)
{
  CsActivation leaky = { CS_ACT_LEAKY_RELU, 0.1f, 0 };
  CsActivation hard_sigmoid = { CS_ACT_HARD_SIGMOID, 0.2f, 0.5f };

  check_activation (&cs_op_relu, NULL, FLOATS (0, 0, 0, 0, 0.5f, 2, 3, 200));
  check_activation (&cs_op_leaky_relu, g_memdup2 (&leaky, sizeof leaky),
                    FLOATS (-20, -0.2f, -0.05f, 0, 0.5f, 2, 3, 200));
  /* Far out, the textbook 1/(1+e^−x) would compute e^200 = inf. */
  check_activation (&cs_op_sigmoid, NULL,
                    FLOATS (0, 0.11920292f, 0.37754067f, 0.5f, 0.62245933f,
                            0.88079708f, 0.95257413f, 1));
  check_activation (&cs_op_hard_sigmoid,
                    g_memdup2 (&hard_sigmoid, sizeof hard_sigmoid),
                    FLOATS (0, 0.1f, 0.4f, 0.5f, 0.6f, 0.9f, 1, 1));
  /* x·clamp(x/6 + 1/2, 0, 1). */
  check_activation (&cs_op_hard_swish, NULL,
                    FLOATS (0, -1.0f / 3, -0.5f * 5 / 12, 0, 0.5f * 7 / 12,
                            2.0f * 5 / 6, 3, 200));
  check_activation (&cs_op_tanh, NULL,
                    FLOATS (-1, -0.96402758f, -0.46211716f, 0, 0.46211716f,
                            0.96402758f, 0.99505475f, 1));
  /* Without bounds or params, Clip clips nothing (ONNX: ±inf). */
  check_activation (&cs_op_clip, NULL, act_x);
}

/* Against PyTorch 1.13's torch.nn.functional (gelu with approximate
 * "none" and "tanh", elu, selu, softplus, silu) on act_x, printed with
 * %.9g.  ONNX's node tests of 1.12 predate Gelu (opset 20). */
static void
test_activations_pytorch (void)
{
  CsActivation tanh_gelu = { CS_ACT_GELU, 1.0f, 0 };

  check_activation (&cs_op_gelu, NULL,
                    FLOATS (0, -0.0455000997f, -0.154268786f, 0, 0.345731199f,
                            1.95449996f, 2.99595022f, 200));
  check_activation (&cs_op_gelu, g_memdup2 (&tanh_gelu, sizeof tanh_gelu),
                    FLOATS (0, -0.0454022884f, -0.154285997f, 0, 0.345714003f,
                            1.95459771f, 2.99636269f, 200));
  check_activation (&cs_op_elu, NULL,
                    FLOATS (-1, -0.864664733f, -0.393469334f, 0, 0.5f, 2, 3, 200));
  check_activation (&cs_op_selu, NULL,
                    FLOATS (-1.75809932f, -1.52016652f, -0.691758156f, 0,
                            0.525350511f, 2.10140204f, 3.15210295f, 210.140198f));
  /* Far out, ln(1 + e²⁰⁰) must not become inf. */
  check_activation (&cs_op_softplus, NULL,
                    FLOATS (0, 0.126928002f, 0.474076986f, 0.693147182f,
                            0.974076986f, 2.12692809f, 3.04858732f, 200));
  /* The op the fuse pass makes of Sigmoid → Mul. */
  check_activation (&cs_op_silu, NULL,
                    FLOATS (-0.0f, -0.238405839f, -0.188770339f, 0, 0.311229676f,
                            1.76159406f, 2.85772252f, 200));
}

/* HardSwish over several of the blocks its loop works in and a partial
 * one, out of place and in place, against x·clamp(x/6 + 1/2, 0, 1) in
 * double precision: every value, the kinks at ±3 included; nothing
 * written for n = 0. */
static void
test_hard_swish_blocks (void)
{
  const CsActivation act = { CS_ACT_HARD_SWISH, 1.0f / 6.0f, 0.5f };
  /* Two blocks of 64 and 37 more. */
  float     x[165], y[165], in_place[165];
  const int n = G_N_ELEMENTS (x);

  for (int i = 0; i < n; i++)
    x[i] = in_place[i] = (float) (i - n / 2) / 20.0f;
  g_assert_cmpfloat (x[n / 2 - 60], ==, -3.0f);
  cs_activation_map (&act, x, y, n);
  cs_activation_apply (&act, in_place, n);
  for (int i = 0; i < n; i++)
    {
      const double gate = CLAMP ((double) x[i] / 6.0 + 0.5, 0.0, 1.0);

      g_assert_cmpfloat_with_epsilon (y[i], x[i] * gate, 1e-6);
      g_assert_cmpfloat (in_place[i], ==, y[i]);
    }
  y[0] = 42.0f;
  cs_activation_map (&act, x, y, 0);
  g_assert_cmpfloat (y[0], ==, 42.0f);
}

static void
test_clip_inputs (void)
{
  g_autoptr (Net) net = net_new ();
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (8));
  int lo = add_floats (net, "lo", SCALAR, FLOATS (-1));
  int hi = add_floats (net, "hi", SCALAR, FLOATS (2.5f));
  int y = add_value (net, "y");
  CsActivation *params = g_new0 (CsActivation, 1);
  const CsActivation *resolved;

  add_node (net, &cs_op_clip, "clip", params, IDS (x, lo, hi), IDS (y));
  run_net (net, (const void *[]) { act_x }, NULL);
  expect_floats (net, y, SHAPE (8), FLOATS (-1, -1, -0.5f, 0, 0.5f, 2, 2.5f, 2.5f));
  /* The bounds travel in the params, for when Clip is fused. */
  resolved = cs_graph_node (net->graph, 0)->params;
  g_assert_cmpint (resolved->kind, ==, CS_ACT_CLIP);
  g_assert_cmpfloat (resolved->alpha, ==, -1);
  g_assert_cmpfloat (resolved->beta, ==, 2.5f);
}

static void
test_clip_errors (void)
{
  g_autoptr (Net) net = net_new ();
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (8));
  int lo = add_input (net, "lo", CS_DTYPE_FLOAT32, SCALAR);
  int y = add_value (net, "y");

  add_node (net, &cs_op_clip, "clip", NULL, IDS (x, lo), IDS (y));
  expect_error (net, CS_ERROR_UNSUPPORTED, "clip",
                "the minimum must be known at load time");
}

/* ---- Broadcasting arithmetic ---- */

static void
check_binary (const CsOpClass *klass, CsShape sa, const float *a,
              CsShape sb, const float *b, CsShape sy, const float *want)
{
  g_autoptr (Net) net = net_new ();
  int ia = add_input (net, "a", CS_DTYPE_FLOAT32, sa);
  int ib = add_input (net, "b", CS_DTYPE_FLOAT32, sb);
  int y = add_value (net, "y");

  add_node (net, klass, klass->name, NULL, IDS (ia, ib), IDS (y));
  run_net (net, (const void *[]) { a, b }, NULL);
  expect_floats (net, y, sy, want);
}

static void
test_binary_float (void)
{
  const float *a = FLOATS (1, 2, 3, 4, 5, 6), *b = FLOATS (6, 5, 4, 3, 2, 1);

  /* Same shape. */
  check_binary (&cs_op_add, SHAPE (2, 3), a, SHAPE (2, 3), b, SHAPE (2, 3),
                FLOATS (7, 7, 7, 7, 7, 7));
  check_binary (&cs_op_sub, SHAPE (2, 3), a, SHAPE (2, 3), b, SHAPE (2, 3),
                FLOATS (-5, -3, -1, 1, 3, 5));
  check_binary (&cs_op_mul, SHAPE (2, 3), a, SHAPE (2, 3), b, SHAPE (2, 3),
                FLOATS (6, 10, 12, 12, 10, 6));
  check_binary (&cs_op_div, SHAPE (2, 3), a, SHAPE (2, 3), b, SHAPE (2, 3),
                FLOATS (1.0f / 6, 0.4f, 0.75f, 4.0f / 3, 2.5f, 6));
  /* Per channel: 1×2×2×2 + 1×2×1×1. */
  check_binary (&cs_op_add, SHAPE (1, 2, 2, 2), FLOATS (0, 1, 2, 3, 4, 5, 6, 7),
                SHAPE (1, 2, 1, 1), FLOATS (10, 20), SHAPE (1, 2, 2, 2),
                FLOATS (10, 11, 12, 13, 24, 25, 26, 27));
  /* A scalar on the left, a vector on the right. */
  check_binary (&cs_op_sub, SCALAR, FLOATS (1), SHAPE (4), FLOATS (1, 2, 3, 4),
                SHAPE (4), FLOATS (0, -1, -2, -3));
  /* Both operands broadcast: 3×1 · 1×4 is an outer product. */
  check_binary (&cs_op_mul, SHAPE (3, 1), FLOATS (1, 2, 3),
                SHAPE (1, 4), FLOATS (1, 10, 100, 1000), SHAPE (3, 4),
                FLOATS (1, 10, 100, 1000, 2, 20, 200, 2000,
                        3, 30, 300, 3000));
  /* Ranks differ: 2×3×2 / 3×1. */
  check_binary (&cs_op_div, SHAPE (2, 3, 2), FLOATS (2, 4, 6, 8, 10, 12,
                                                     14, 16, 18, 20, 22, 24),
                SHAPE (3, 1), FLOATS (2, 4, 8), SHAPE (2, 3, 2),
                FLOATS (1, 2, 1.5f, 2, 1.25f, 1.5f, 7, 8, 4.5f, 5, 2.75f, 3));
}

static void
row_major_strides (const CsShape *shape, int64_t *strides)
{
  for (int d = shape->rank - 1; d >= 0; d--)
    strides[d] = d == shape->rank - 1 ? 1 : strides[d + 1] * shape->dims[d + 1];
}

/* Random broadcasts up to rank 5 (unit, equal and missing dimensions in
 * any mix), against the NumPy rule written out index by index. */
static void
test_binary_reference (void)
{
  GRand *rand = g_rand_new_with_seed (11);
  CsThreadPool *pool = cs_thread_pool_new (2);

  for (int round = 0; round < 300; round++)
    {
      g_autoptr (Net) net = net_new ();
      const int rank = g_rand_int_range (rand, 0, 6);
      CsShape sa = { .rank = g_rand_int_range (rand, 0, rank + 1) };
      CsShape sb = { .rank = g_rand_int_range (rand, 0, rank + 1) };
      CsShape sy = { .rank = MAX (sa.rank, sb.rank) };
      int64_t sa_strides[CS_MAX_RANK], sb_strides[CS_MAX_RANK];
      g_autofree float *a = NULL, *b = NULL, *want = NULL;
      int ia, ib, y;

      for (int d = 0; d < sy.rank; d++)
        {
          int64_t dim = g_rand_int_range (rand, 1, 5);
          int ka = d - (sy.rank - sa.rank), kb = d - (sy.rank - sb.rank);

          if (ka >= 0)
            sa.dims[ka] = g_rand_boolean (rand) ? 1 : dim;
          if (kb >= 0)
            sb.dims[kb] = g_rand_boolean (rand) ? 1 : dim;
          sy.dims[d] = MAX (ka >= 0 ? sa.dims[ka] : 1, kb >= 0 ? sb.dims[kb] : 1);
        }
      a = iota (cs_shape_numel (&sa), 1);
      b = iota (cs_shape_numel (&sb), 0.5f);
      want = g_new (float, cs_shape_numel (&sy));
      row_major_strides (&sa, sa_strides);
      row_major_strides (&sb, sb_strides);
      for (int64_t i = 0; i < cs_shape_numel (&sy); i++)
        {
          int64_t rest = i, oa = 0, ob = 0;

          for (int d = sy.rank - 1; d >= 0; d--)
            {
              int64_t index = rest % sy.dims[d];
              int ka = d - (sy.rank - sa.rank), kb = d - (sy.rank - sb.rank);

              rest /= sy.dims[d];
              if (ka >= 0 && sa.dims[ka] > 1)
                oa += index * sa_strides[ka];
              if (kb >= 0 && sb.dims[kb] > 1)
                ob += index * sb_strides[kb];
            }
          want[i] = a[oa] - b[ob];
        }

      ia = add_input (net, "a", CS_DTYPE_FLOAT32, sa);
      ib = add_input (net, "b", CS_DTYPE_FLOAT32, sb);
      y = add_value (net, "y");
      add_node (net, &cs_op_sub, "sub", NULL, IDS (ia, ib), IDS (y));
      run_net (net, (const void *[]) { a, b }, round % 2 ? pool : NULL);
      expect_floats (net, y, sy, want);
    }
  cs_thread_pool_free (pool);
  g_rand_free (rand);
}

/* Large enough to split across threads mid-row; also checks the fused
 * activation and that the pool changes nothing. */
static void
test_binary_threads (void)
{
  const int64_t n = 64 * 56 * 56;
  g_autofree float *a = iota (n, -100000);
  g_autofree float *b = iota (64, -32);
  g_autofree float *want = g_new (float, n);
  CsThreadPool *pool = cs_thread_pool_new (2);

  for (int64_t i = 0; i < n; i++)
    want[i] = fmaxf (a[i] * b[i / (56 * 56)], 0.0f);
  for (int threaded = 0; threaded < 2; threaded++)
    {
      g_autoptr (Net) net = net_new ();
      int ia = add_input (net, "a", CS_DTYPE_FLOAT32, SHAPE (1, 64, 56, 56));
      int ib = add_input (net, "b", CS_DTYPE_FLOAT32, SHAPE (1, 64, 1, 1));
      int y = add_value (net, "y");
      CsNode *node = add_node (net, &cs_op_mul, "mul", NULL, IDS (ia, ib), IDS (y));

      node->act.kind = CS_ACT_RELU;
      run_net (net, (const void *[]) { a, b }, threaded ? pool : NULL);
      expect_floats (net, y, SHAPE (1, 64, 56, 56), want);
    }
  cs_thread_pool_free (pool);
}

/* Shape arithmetic folds at load; int64 division truncates toward 0. */
static void
test_binary_int64 (void)
{
  g_autoptr (Net) net = net_new ();
  int a = add_ints (net, "a", SHAPE (4), INTS (7, -7, 7, -7));
  int b = add_ints (net, "b", SHAPE (4), INTS (2, 2, -2, -2));
  int zero = add_ints (net, "zero", SCALAR, INTS (0));
  int q = add_value (net, "q"), p = add_value (net, "p"), z = add_value (net, "z");
  GError *error = NULL;
  const CsValue *value;

  add_node (net, &cs_op_div, "div", NULL, IDS (a, b), IDS (q));
  add_node (net, &cs_op_mul, "mul", NULL, IDS (q, a), IDS (p));
  /* A hostile file dividing by zero gets a number, not a trap. */
  add_node (net, &cs_op_div, "div0", NULL, IDS (p, zero), IDS (z));
  g_assert_true (net_infer (net, &error));
  g_assert_no_error (error);

  value = cs_graph_value (net->graph, q);
  g_assert_cmpint (value->dtype, ==, CS_DTYPE_INT64);
  g_assert_nonnull (value->constant);
  assert_ints (value->constant, INTS (3, -3, -3, 3), 4);
  assert_ints (cs_graph_value (net->graph, p)->constant, INTS (21, 21, -21, -21), 4);
  g_assert_nonnull (cs_graph_value (net->graph, z)->constant);
}

static void
test_binary_errors (void)
{
  {
    g_autoptr (Net) net = net_new ();
    int a = add_input (net, "a", CS_DTYPE_FLOAT32, SHAPE (2, 3));
    int b = add_input (net, "b", CS_DTYPE_FLOAT32, SHAPE (4));
    int y = add_value (net, "y");

    add_node (net, &cs_op_add, "add", NULL, IDS (a, b), IDS (y));
    expect_error (net, CS_ERROR_INVALID, "add", "cannot broadcast shapes 2×3 and 4");
  }
  {
    g_autoptr (Net) net = net_new ();
    int a = add_input (net, "a", CS_DTYPE_FLOAT32, SHAPE (2));
    int b = add_ints (net, "b", SHAPE (2), INTS (1, 2));
    int y = add_value (net, "y");

    add_node (net, &cs_op_mul, "mul", NULL, IDS (a, b), IDS (y));
    expect_error (net, CS_ERROR_INVALID, "mul", "different types");
  }
}

/* ---- Pooling ---- */

static CsPoolParams *
pool_params (int k, int stride, int pad, int dilation, gboolean ceil_mode,
             gboolean count_include_pad)
{
  CsPoolParams *params = g_new0 (CsPoolParams, 1);

  params->window = (CsWindow) { { k, k }, { stride, stride },
                                { dilation, dilation }, { pad, pad, pad, pad },
                                CS_AUTO_PAD_NOTSET, ceil_mode };
  params->count_include_pad = count_include_pad;
  return params;
}

/* Runs a pool on the 4×4 plane 1…16 (times @sign). */
static void
check_pool (const CsOpClass *klass, CsPoolParams *params, float sign,
            CsShape out_shape, const float *want)
{
  g_autoptr (Net) net = net_new ();
  g_autofree float *x = iota (16, 1);
  int ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, 1, 4, 4));
  int y = add_value (net, "y");

  for (int i = 0; i < 16; i++)
    x[i] *= sign;
  add_node (net, klass, "pool", params, IDS (ix), IDS (y));
  run_net (net, (const void *[]) { x }, NULL);
  expect_floats (net, y, out_shape, want);
}

static void
test_pools (void)
{
  /* 3×3/2 with padding 1: windows rows/cols {0,1}, {1..3}. */
  check_pool (&cs_op_max_pool, pool_params (3, 2, 1, 1, FALSE, FALSE), 1,
              SHAPE (1, 1, 2, 2), FLOATS (6, 8, 14, 16));
  check_pool (&cs_op_average_pool, pool_params (3, 2, 1, 1, FALSE, FALSE), 1,
              SHAPE (1, 1, 2, 2), FLOATS (14.0f / 4, 30.0f / 6, 57.0f / 6, 99.0f / 9));
  check_pool (&cs_op_average_pool, pool_params (3, 2, 1, 1, FALSE, TRUE), 1,
              SHAPE (1, 1, 2, 2), FLOATS (14.0f / 9, 30.0f / 9, 57.0f / 9, 99.0f / 9));
  /* ceil_mode adds windows hanging over the edge; they average only
   * what they cover. */
  check_pool (&cs_op_max_pool, pool_params (3, 2, 0, 1, TRUE, FALSE), 1,
              SHAPE (1, 1, 2, 2), FLOATS (11, 12, 15, 16));
  check_pool (&cs_op_average_pool, pool_params (3, 2, 0, 1, TRUE, FALSE), 1,
              SHAPE (1, 1, 2, 2), FLOATS (6, 7.5f, 12, 13.5f));
  /* Dilation 2: taps (0,0), (0,2), (2,0), (2,2) from each corner. */
  check_pool (&cs_op_max_pool, pool_params (2, 1, 0, 2, FALSE, FALSE), -1,
              SHAPE (1, 1, 2, 2), FLOATS (-1, -2, -5, -6));
  /* One window over the whole plane (run as a global pool). */
  check_pool (&cs_op_average_pool, pool_params (4, 1, 0, 1, FALSE, FALSE), -1,
              SHAPE (1, 1, 1, 1), FLOATS (-136.0f / 16));
  check_pool (&cs_op_max_pool, pool_params (4, 3, 0, 1, FALSE, FALSE), -1,
              SHAPE (1, 1, 1, 1), FLOATS (-1));
}

/* Planes of 2×2 images, with the Indices output and the thread pool. */
static void
test_max_pool_planes (void)
{
  const float base[] = { 6, 8, 14, 16 };
  const int64_t base_index[] = { 5, 7, 13, 15 };
  g_autofree float *x = g_new (float, 4 * 16);
  float want[16];
  int64_t want_index[16];
  CsThreadPool *pool = cs_thread_pool_new (2);

  for (int p = 0; p < 4; p++)
    {
      for (int i = 0; i < 16; i++)
        x[p * 16 + i] = (float) (i + 1 + 100 * p);
      for (int i = 0; i < 4; i++)
        {
          want[p * 4 + i] = base[i] + 100 * p;
          want_index[p * 4 + i] = base_index[i] + 16 * p;
        }
    }
  for (int threaded = 0; threaded < 2; threaded++)
    {
      g_autoptr (Net) net = net_new ();
      int ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 2, 4, 4));
      int y = add_value (net, "y"), indices = add_value (net, "indices");

      add_node (net, &cs_op_max_pool, "pool",
                pool_params (3, 2, 1, 1, FALSE, FALSE), IDS (ix), IDS (y, indices));
      run_net (net, (const void *[]) { x }, threaded ? pool : NULL);
      expect_floats (net, y, SHAPE (2, 2, 2, 2), want);
      assert_shape (net, indices, SHAPE (2, 2, 2, 2));
      assert_ints (net->data[indices], want_index, 16);
    }
  cs_thread_pool_free (pool);
}

/* The pooling formula written out naively: every tap of every window,
 * checked against the input and the padded input. */
static float
naive_pool (const float *x, int64_t h, int64_t w, const CsPoolParams *p,
            gboolean is_max, int64_t oy, int64_t ox)
{
  const CsWindow *win = &p->window;
  double acc = is_max ? -INFINITY : 0;
  int64_t inside = 0, padded = 0;

  for (int ky = 0; ky < win->kernel[0]; ky++)
    for (int kx = 0; kx < win->kernel[1]; kx++)
      {
        int64_t iy = oy * win->stride[0] - win->pads[0] + ky * win->dilation[0];
        int64_t ix = ox * win->stride[1] - win->pads[1] + kx * win->dilation[1];

        if (iy < h + win->pads[2] && ix < w + win->pads[3])
          padded++;
        if (iy < 0 || iy >= h || ix < 0 || ix >= w)
          continue;
        inside++;
        acc = is_max ? fmax (acc, x[iy * w + ix]) : acc + x[iy * w + ix];
      }
  if (is_max)
    return (float) acc;
  return (float) (acc / (p->count_include_pad ? padded : inside));
}

/* Random windows over odd sizes, against the naive formula. */
static void
test_pool_reference (void)
{
  GRand *rand = g_rand_new_with_seed (7);

  for (int round = 0; round < 200; round++)
    {
      g_autoptr (Net) net = net_new ();
      const int64_t h = g_rand_int_range (rand, 5, 20);
      const int64_t w = g_rand_int_range (rand, 5, 40);
      const gboolean is_max = round % 2 == 0;
      CsPoolParams *params = g_new0 (CsPoolParams, 1);
      CsPoolParams copy;
      g_autofree float *x = g_new (float, 3 * h * w);
      g_autofree float *want = NULL;
      int ix, y;
      const CsShape *out;

      for (int i = 0; i < 2; i++)
        {
          params->window.kernel[i] = g_rand_int_range (rand, 1, 5);
          params->window.stride[i] = g_rand_int_range (rand, 1, 3);
          params->window.dilation[i] = g_rand_int_range (rand, 1, 3);
        }
      for (int i = 0; i < 4; i++)
        params->window.pads[i] = g_rand_int_range (rand, 0, params->window.kernel[i % 2]);
      params->window.ceil_mode = g_rand_boolean (rand);
      params->count_include_pad = g_rand_boolean (rand);
      for (int64_t i = 0; i < 3 * h * w; i++)
        x[i] = (float) g_rand_double_range (rand, -10, 10);

      ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, 3, h, w));
      y = add_value (net, "y");
      add_node (net, is_max ? &cs_op_max_pool : &cs_op_average_pool, "pool",
                params, IDS (ix), IDS (y));
      run_net (net, (const void *[]) { x }, NULL);
      out = &cs_graph_value (net->graph, y)->shape;
      copy = *(CsPoolParams *) cs_graph_node (net->graph, 0)->params;
      want = g_new (float, cs_shape_numel (out));
      for (int64_t c = 0; c < 3; c++)
        for (int64_t oy = 0; oy < out->dims[2]; oy++)
          for (int64_t ox = 0; ox < out->dims[3]; ox++)
            want[(c * out->dims[2] + oy) * out->dims[3] + ox]
              = naive_pool (x + c * h * w, h, w, &copy, is_max, oy, ox);
      assert_floats (net->data[y], want, cs_shape_numel (out), 1e-5);
    }
  g_rand_free (rand);
}

static void
test_global_pools (void)
{
  const float *x = FLOATS (1, 2, 3, 4, -1, -5, 2, 0);
  g_autoptr (Net) net = net_new ();
  int ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, 2, 2, 2));
  int avg = add_value (net, "avg"), max = add_value (net, "max");
  CsLayerInfo info = { 0 };

  add_node (net, &cs_op_global_average_pool, "gap", NULL, IDS (ix), IDS (avg));
  add_node (net, &cs_op_global_max_pool, "gmp", NULL, IDS (ix), IDS (max));
  run_net (net, (const void *[]) { x }, NULL);
  expect_floats (net, avg, SHAPE (1, 2, 1, 1), FLOATS (2.5f, -1));
  expect_floats (net, max, SHAPE (1, 2, 1, 1), FLOATS (4, 2));

  /* Described as the 2×2 window it amounts to. */
  cs_op_global_average_pool.describe (net->graph, cs_graph_node (net->graph, 0), &info);
  g_assert_cmpint (info.macs, ==, 8);
  g_assert_true (info.has_window);
  g_assert_cmpint (info.kernel[0], ==, 2);
  g_assert_cmpint (info.kernel[1], ==, 2);
  for (int i = 0; i < 2; i++)
    g_free ((char *) info.arithmetic[i]);
}

static void
test_pool_describe_and_errors (void)
{
  g_autoptr (Net) net = net_new ();
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, 3, 224, 224));
  int y = add_value (net, "y");
  CsLayerInfo info = { 0 };
  GError *error = NULL;

  add_node (net, &cs_op_max_pool, "pool", pool_params (3, 2, 1, 1, FALSE, FALSE),
            IDS (x), IDS (y));
  g_assert_true (net_infer (net, &error));
  assert_shape (net, y, SHAPE (1, 3, 112, 112));
  cs_op_max_pool.describe (net->graph, cs_graph_node (net->graph, 0), &info);
  g_assert_cmpint (info.macs, ==, 3 * 112 * 112 * 9);
  g_assert_cmpint (info.stride[0], ==, 2);
  for (int i = 0; i < 2; i++)
    g_free ((char *) info.arithmetic[i]);

  {
    g_autoptr (Net) bad = net_new ();
    int x3 = add_input (bad, "x", CS_DTYPE_FLOAT32, SHAPE (1, 3, 224));
    int y3 = add_value (bad, "y");

    add_node (bad, &cs_op_average_pool, "pool1d",
              pool_params (3, 1, 0, 1, FALSE, FALSE), IDS (x3), IDS (y3));
    expect_error (bad, CS_ERROR_UNSUPPORTED, "pool1d", "expected rank 4");
  }
}

/* ---- ReduceMean ---- */

static void
check_reduce (const int64_t *axes, int n_axes, gboolean keepdims,
              gboolean from_input, CsShape out, const float *want)
{
  g_autoptr (Net) net = net_new ();
  g_autofree float *x = iota (12, 0);
  int ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 3, 2));
  int y = add_value (net, "y");
  CsReduceParams *params = g_new0 (CsReduceParams, 1);

  params->keepdims = keepdims;
  if (from_input)
    {
      int ia = add_ints (net, "axes", SHAPE (n_axes), axes);

      add_node (net, &cs_op_reduce_mean, "mean", params, IDS (ix, ia), IDS (y));
    }
  else
    {
      params->n_axes = n_axes;
      if (n_axes > 0)
        memcpy (params->axes, axes, sizeof (int64_t) * n_axes);
      add_node (net, &cs_op_reduce_mean, "mean", params, IDS (ix), IDS (y));
    }
  run_net (net, (const void *[]) { x }, NULL);
  expect_floats (net, y, out, want);
}

/* ---- Upsampling: ConvTranspose, Resize ---- */

/* ConvTranspose by its definition, each input pixel's kernel added into
 * the output, on random geometries; with a pool on every other round. */
static void
test_conv_transpose_reference (void)
{
  GRand *rand = g_rand_new_with_seed (11);
  CsThreadPool *pool = cs_thread_pool_new (2);

  for (int round = 0; round < 60; round++)
    {
      g_autoptr (Net) net = net_new ();
      const int groups = g_rand_int_range (rand, 1, 3);
      const int64_t cg = g_rand_int_range (rand, 1, 4), mg = g_rand_int_range (rand, 1, 20);
      const int64_t h = g_rand_int_range (rand, 1, 9), w = g_rand_int_range (rand, 1, 12);
      CsConvTransposeParams *params = g_new0 (CsConvTransposeParams, 1);
      int kernel[2], stride[2], dilation[2], pads[4], out_pad[2];
      int64_t n_x = groups * cg * h * w, n_w = groups * cg * mg * 16;
      g_autofree float *x = g_new (float, n_x);
      g_autofree float *weights = g_new (float, n_w);
      g_autofree float *bias = g_new (float, groups * mg);
      g_autofree float *want = NULL;
      int ix, iw, ib, y;
      int64_t oh, ow;

      for (int a = 0; a < 2; a++)
        {
          kernel[a] = g_rand_int_range (rand, 1, 5);
          stride[a] = g_rand_int_range (rand, 1, 4);
          dilation[a] = g_rand_int_range (rand, 1, 3);
          out_pad[a] = g_rand_int_range (rand, 0, MAX (stride[a], dilation[a]));
        }
      for (int i = 0; i < 4; i++)
        pads[i] = g_rand_int_range (rand, 0, kernel[i % 2]);
      params->window = (CsWindow) { { kernel[0], kernel[1] }, { stride[0], stride[1] },
                                    { dilation[0], dilation[1] },
                                    { pads[0], pads[1], pads[2], pads[3] } };
      params->groups = groups;
      params->output_padding[0] = out_pad[0];
      params->output_padding[1] = out_pad[1];
      for (int64_t i = 0; i < n_x; i++)
        x[i] = (float) g_rand_double_range (rand, -1, 1);
      for (int64_t i = 0; i < n_w; i++)
        weights[i] = (float) g_rand_double_range (rand, -1, 1);
      for (int64_t i = 0; i < groups * mg; i++)
        bias[i] = (float) g_rand_double_range (rand, -1, 1);

      oh = (h - 1) * stride[0] - pads[0] - pads[2] + dilation[0] * (kernel[0] - 1)
           + out_pad[0] + 1;
      ow = (w - 1) * stride[1] - pads[1] - pads[3] + dilation[1] * (kernel[1] - 1)
           + out_pad[1] + 1;
      if (oh <= 0 || ow <= 0)
        {
          g_free (params);
          continue;
        }
      ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, groups * cg, h, w));
      iw = add_floats (net, "w", SHAPE (groups * cg, mg, kernel[0], kernel[1]), weights);
      ib = add_floats (net, "b", SHAPE (groups * mg), bias);
      y = add_value (net, "y");
      add_node (net, &cs_op_conv_transpose, "up", params, IDS (ix, iw, ib), IDS (y));
      run_net (net, (const void *[]) { x }, round % 2 ? pool : NULL);

      want = g_new (float, groups * mg * oh * ow);
      for (int64_t co = 0; co < groups * mg; co++)
        for (int64_t i = 0; i < oh * ow; i++)
          want[co * oh * ow + i] = bias[co];
      for (int64_t ci = 0; ci < groups * cg; ci++)
        for (int64_t m = 0; m < mg; m++)
          for (int64_t iy = 0; iy < h; iy++)
            for (int64_t jx = 0; jx < w; jx++)
              for (int ky = 0; ky < kernel[0]; ky++)
                for (int kx = 0; kx < kernel[1]; kx++)
                  {
                    int64_t oy = iy * stride[0] - pads[0] + ky * dilation[0];
                    int64_t ox = jx * stride[1] - pads[1] + kx * dilation[1];
                    int64_t co = ci / cg * mg + m;

                    if (oy >= 0 && oy < oh && ox >= 0 && ox < ow)
                      want[(co * oh + oy) * ow + ox]
                        += x[(ci * h + iy) * w + jx]
                           * weights[((ci * mg + m) * kernel[0] + ky) * kernel[1] + kx];
                  }
      assert_shape (net, y, SHAPE (1, groups * mg, oh, ow));
      assert_floats (net->data[y], want, groups * mg * oh * ow, 1e-5);
    }
  cs_thread_pool_free (pool);
  g_rand_free (rand);
}

/* Bilinear resampling written out per output pixel, not separably: the
 * four neighbours of the source point (edge samples repeated), weighted
 * by the distances. */
static float
bilinear_at (const float *plane, int64_t h, int64_t w, double sy, double sx)
{
  double fy = floor (sy), fx = floor (sx), dy = sy - fy, dx = sx - fx;
  int64_t y0 = CLAMP ((int64_t) fy, 0, h - 1), y1 = CLAMP ((int64_t) fy + 1, 0, h - 1);
  int64_t x0 = CLAMP ((int64_t) fx, 0, w - 1), x1 = CLAMP ((int64_t) fx + 1, 0, w - 1);

  return (float) ((1 - dy) * ((1 - dx) * plane[y0 * w + x0] + dx * plane[y0 * w + x1])
                  + dy * ((1 - dx) * plane[y1 * w + x0] + dx * plane[y1 * w + x1]));
}

/* DeepLab's last step, 21 class maps enlarged by sizes, as
 * F.interpolate (bilinear, align_corners False and True) and nearest
 * (asymmetric, floor) define them; threads change nothing. */
static void
test_resize_reference (void)
{
  const int64_t c = 21, h = 9, w = 13, oh = 65, ow = 50;
  CsThreadPool *pool = cs_thread_pool_new (2);
  g_autofree float *x = g_new (float, c * h * w);
  g_autofree float *want = g_new (float, c * oh * ow);
  GRand *rand = g_rand_new_with_seed (5);

  for (int64_t i = 0; i < c * h * w; i++)
    x[i] = (float) g_rand_double_range (rand, -5, 5);
  for (int round = 0; round < 6; round++)
    {
      g_autoptr (Net) net = net_new ();
      CsResizeParams *params = g_new0 (CsResizeParams, 1);
      int coordinates = round % 3;
      int ix, sizes, y;

      params->mode = coordinates == 2 ? CS_RESIZE_NEAREST : CS_RESIZE_LINEAR;
      params->coordinates = (CsResizeCoordinates[]) { CS_RESIZE_PYTORCH_HALF_PIXEL,
                                                      CS_RESIZE_ALIGN_CORNERS,
                                                      CS_RESIZE_ASYMMETRIC }[coordinates];
      params->rounding = CS_RESIZE_FLOOR;
      params->roi_input = 1;
      params->scales_input = 2;
      params->sizes_input = 3;
      ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, c, h, w));
      sizes = add_ints (net, "sizes", SHAPE (4), INTS (1, c, oh, ow));
      y = add_value (net, "y");
      add_node (net, &cs_op_resize, "up", params, IDS (ix, -1, -1, sizes), IDS (y));
      run_net (net, (const void *[]) { x }, round >= 3 ? pool : NULL);

      for (int64_t p = 0; p < c; p++)
        for (int64_t oy = 0; oy < oh; oy++)
          for (int64_t ox = 0; ox < ow; ox++)
            {
              const float *plane = x + p * h * w;
              double sy, sx;

              if (coordinates == 0)
                {
                  sy = (oy + 0.5) * h / oh - 0.5;
                  sx = (ox + 0.5) * w / ow - 0.5;
                }
              else if (coordinates == 1)
                {
                  sy = oy * (h - 1.0) / (oh - 1.0);
                  sx = ox * (w - 1.0) / (ow - 1.0);
                }
              else
                {
                  sy = oy * (double) h / oh;
                  sx = ox * (double) w / ow;
                }
              want[(p * oh + oy) * ow + ox]
                = coordinates == 2 ? plane[(int64_t) sy * w + (int64_t) sx]
                                   : bilinear_at (plane, h, w, sy, sx);
            }
      assert_shape (net, y, SHAPE (1, c, oh, ow));
      assert_floats (net->data[y], want, c * oh * ow, 1e-5);
    }
  g_rand_free (rand);
  cs_thread_pool_free (pool);
}

/* The layer table's rows: ConvTranspose's window and Resize's scales. */
static void
test_upsampling_describe (void)
{
  g_autoptr (Net) net = net_new ();
  CsConvTransposeParams *up = g_new0 (CsConvTransposeParams, 1);
  CsResizeParams *resize = g_new0 (CsResizeParams, 1);
  g_autofree float *weights = g_new0 (float, 128);
  int ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, 8, 65, 65));
  int iw = add_floats (net, "w", SHAPE (8, 4, 2, 2), weights);
  int scales = add_floats (net, "scales", SHAPE (4), FLOATS (1, 1, 2, 0.5f));
  int t = add_value (net, "t"), y = add_value (net, "y");
  CsLayerInfo info = { 0 };

  up->window = (CsWindow) { { 2, 2 }, { 2, 2 }, { 1, 1 } };
  resize->mode = CS_RESIZE_LINEAR;
  resize->roi_input = resize->sizes_input = -1;
  resize->scales_input = 1;
  add_node (net, &cs_op_conv_transpose, "up", up, IDS (ix, iw), IDS (t));
  add_node (net, &cs_op_resize, "resize", resize, IDS (t, scales), IDS (y));
  g_assert_true (net_infer (net, NULL));
  assert_shape (net, y, SHAPE (1, 4, 260, 65));

  cs_op_conv_transpose.describe (net->graph, cs_graph_node (net->graph, 0), &info);
  g_assert_true (info.transposed);
  g_assert_cmpstr (info.arithmetic[0], ==, "(65 − 1)·2 − 2·0 + 1·(2 − 1) + 1 = 130");
  /* Each of the 8·65·65 inputs meets 4·2·2 weights. */
  g_assert_cmpint (info.macs, ==, 8 * 65 * 65 * 16);
  g_assert_cmpint (info.params, ==, 128);
  for (int i = 0; i < 2; i++)
    g_free ((char *) info.arithmetic[i]);

  memset (&info, 0, sizeof info);
  info.out_shape = SHAPE (1, 4, 260, 65);
  cs_op_resize.describe (net->graph, cs_graph_node (net->graph, 1), &info);
  g_assert_true (info.resampled);
  g_assert_false (info.has_window);
  g_assert_cmpfloat (info.scale[0], ==, 2.0);
  g_assert_cmpfloat (info.scale[1], ==, 0.5);
  g_assert_cmpint (info.taps[0], ==, 2);
  g_assert_cmpstr (info.arithmetic[0], ==, "⌊130 × 2⌋ = 260");
  g_assert_cmpstr (info.arithmetic[1], ==, "⌊130 × 0.5⌋ = 65");
  for (int i = 0; i < 2; i++)
    g_free ((char *) info.arithmetic[i]);
}

/* ArgMax and ArgMin along each axis of a 3×21×37×41 tensor with ties,
 * NaNs and runs that straddle the planes' ends, first and last index of
 * equal extremes, serially and on two threads, against the definition
 * walked one line at a time. */
static void
test_arg_extremes (void)
{
  const int64_t dims[4] = { 3, 21, 37, 41 };
  const int64_t n = 3 * 21 * 37 * 41;
  g_autofree float *x = g_new (float, n);
  GRand *rand = g_rand_new_with_seed (29);
  CsThreadPool *pool = cs_thread_pool_new (2);

  for (int64_t i = 0; i < n; i++)
    x[i] = g_rand_int_range (rand, 0, 200) == 0 ? NAN : (float) g_rand_int_range (rand, -6, 7);
  g_rand_free (rand);
  for (int variant = 0; variant < 16; variant++)
    {
      const int axis = variant % 4;
      const gboolean maximum = variant / 4 % 2 == 0, last = variant / 8 == 1;
      int64_t outer = 1, inner = 1;
      g_autofree int64_t *want = NULL;

      for (int d = 0; d < axis; d++)
        outer *= dims[d];
      for (int d = axis + 1; d < 4; d++)
        inner *= dims[d];
      want = g_new (int64_t, outer * inner);
      for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++)
          {
            const float *line = x + o * dims[axis] * inner + i;
            int64_t best = 0;

            for (int64_t k = 1; k < dims[axis] && !isnan (line[best * inner]); k++)
              {
                const float v = line[k * inner], b = line[best * inner];

                if (isnan (v) || (maximum ? v > b : v < b) || (last && v == b))
                  best = k;
              }
            want[o * inner + i] = best;
          }
      for (int threaded = 0; threaded < 2; threaded++)
        {
          g_autoptr (Net) net = net_new ();
          CsArgParams *params = g_new0 (CsArgParams, 1);
          int ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (3, 21, 37, 41));
          int y = add_value (net, "y");

          *params = (CsArgParams) { axis, FALSE, last };
          add_node (net, maximum ? &cs_op_arg_max : &cs_op_arg_min, "arg", params, IDS (ix),
                    IDS (y));
          run_net (net, (const void *[]) { x }, threaded ? pool : NULL);
          assert_ints (net->data[y], want, outer * inner);
        }
    }
  cs_thread_pool_free (pool);
}

static void
test_reduce_mean (void)
{
/* x = 0…11 as 2×3×2. */
  check_reduce (INTS (2), 1, TRUE, FALSE, SHAPE (2, 3, 1),
                FLOATS (0.5f, 2.5f, 4.5f, 6.5f, 8.5f, 10.5f));
  check_reduce (INTS (-1), 1, TRUE, TRUE, SHAPE (2, 3, 1),
                FLOATS (0.5f, 2.5f, 4.5f, 6.5f, 8.5f, 10.5f));
  check_reduce (INTS (1, 2), 2, FALSE, FALSE, SHAPE (2), FLOATS (2.5f, 8.5f));
  check_reduce (INTS (0), 1, TRUE, FALSE, SHAPE (1, 3, 2),
                FLOATS (3, 4, 5, 6, 7, 8));
  check_reduce (INTS (0, -1), 2, TRUE, FALSE, SHAPE (1, 3, 1),
                FLOATS (3.5f, 5.5f, 7.5f));
  check_reduce (NULL, 0, TRUE, FALSE, SHAPE (1, 1, 1), FLOATS (5.5f));
  check_reduce (NULL, 0, FALSE, FALSE, SCALAR, FLOATS (5.5f));
}

/* Reductions over H and W of a map as MNASNet's head takes its mean
 * (1280 planes of 7×7, shared out among threads), for every reducer,
 * against one running double sum per plane; a NaN wins the maximum. */
static void
test_reduce_planes (void)
{
  const CsOpClass *const classes[] = { &cs_op_reduce_mean, &cs_op_reduce_sum,
                                       &cs_op_reduce_max, &cs_op_reduce_l2 };
  const int64_t planes = 1280, plane = 49;
  CsThreadPool *pool = cs_thread_pool_new (2);
  g_autofree float *x = g_new (float, planes * plane);
  g_autofree float *want = g_new (float, planes);
  GRand *rand = g_rand_new_with_seed (17);

  for (int64_t i = 0; i < planes * plane; i++)
    x[i] = (float) g_rand_double_range (rand, -3.0, 3.0);
  x[5 * plane + 20] = NAN;
  for (guint k = 0; k < G_N_ELEMENTS (classes); k++)
    {
      g_autoptr (Net) net = net_new ();
      int ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, planes, 7, 7));
      int y = add_value (net, "y");
      CsReduceParams *params = g_new0 (CsReduceParams, 1);

      for (int64_t p = 0; p < planes; p++)
        {
          double acc = classes[k] == &cs_op_reduce_max ? -INFINITY : 0.0;

          for (int64_t i = p * plane; i < (p + 1) * plane; i++)
            if (classes[k] == &cs_op_reduce_max)
              acc = x[i] > acc || isnan (x[i]) ? x[i] : acc;
            else
              acc += classes[k] == &cs_op_reduce_l2 ? (double) x[i] * x[i] : x[i];
          want[p] = classes[k] == &cs_op_reduce_mean ? (float) (acc / plane)
                    : classes[k] == &cs_op_reduce_l2 ? (float) sqrt (acc)
                                                     : (float) acc;
        }
      params->n_axes = 2;
      params->axes[0] = 2;
      params->axes[1] = 3;
      params->keepdims = TRUE;
      add_node (net, classes[k], "reduce", params, IDS (ix), IDS (y));
      run_net (net, (const void *[]) { x }, pool);
      assert_shape (net, y, SHAPE (1, planes, 1, 1));
      for (int64_t p = 0; p < planes; p++)
        if (p == 5)
          g_assert_true (isnan (((float *) net->data[y])[p]));
        else
          g_assert_cmpfloat_with_epsilon (((float *) net->data[y])[p], want[p],
                                         1e-6f * MAX (1.0f, fabsf (want[p])));
    }
  g_rand_free (rand);
  cs_thread_pool_free (pool);
}

static void
test_reduce_noop_and_errors (void)
{
  {
    g_autoptr (Net) net = net_new ();
    g_autofree float *x = iota (12, 0);
    int ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 3, 2));
    int y = add_value (net, "y");
    CsReduceParams *params = g_new0 (CsReduceParams, 1);

    params->keepdims = TRUE;
    params->noop_with_empty_axes = TRUE;
    add_node (net, &cs_op_reduce_mean, "mean", params, IDS (ix), IDS (y));
    run_net (net, (const void *[]) { x }, NULL);
    expect_floats (net, y, SHAPE (2, 3, 2), x);
  }
  {
    g_autoptr (Net) net = net_new ();
    int ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 3, 2));
    int y = add_value (net, "y");
    CsReduceParams *params = g_new0 (CsReduceParams, 1);

    params->n_axes = 2;
    params->axes[0] = 1;
    params->axes[1] = -2;
    add_node (net, &cs_op_reduce_mean, "mean", params, IDS (ix), IDS (y));
    expect_error (net, CS_ERROR_INVALID, "mean", "axis 1 is given twice");
  }
  {
    g_autoptr (Net) net = net_new ();
    int ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 3, 2));
    int y = add_value (net, "y");
    CsReduceParams *params = g_new0 (CsReduceParams, 1);

    params->n_axes = 1;
    params->axes[0] = 3;
    add_node (net, &cs_op_reduce_mean, "mean", params, IDS (ix), IDS (y));
    expect_error (net, CS_ERROR_INVALID, "mean", "axis 3 is outside [-3, 3)");
  }
}

/* ---- Normalization ---- */

static void
test_batch_norm (void)
{
  g_autoptr (Net) net = net_new ();
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, 2, 1, 2));
  int scale = add_floats (net, "scale", SHAPE (2), FLOATS (2, 0.5f));
  int bias = add_floats (net, "bias", SHAPE (2), FLOATS (1, -1));
  int mean = add_floats (net, "mean", SHAPE (2), FLOATS (1, 3));
  int var = add_floats (net, "var", SHAPE (2), FLOATS (4, 0.25f));
  int y = add_value (net, "y");
  CsBatchNormParams *params = g_new0 (CsBatchNormParams, 1);
  CsLayerInfo info = { 0 };

  /* y = 2(x − 1)/2 + 1 = x for channel 0, 0.5(x − 3)/0.5 − 1 = x − 4 for 1. */
  add_node (net, &cs_op_batch_norm, "bn", params,
            IDS (x, scale, bias, mean, var), IDS (y));
  run_net (net, (const void *[]) { FLOATS (1, 2, 3, 4) }, NULL);
  expect_floats (net, y, SHAPE (1, 2, 1, 2), FLOATS (1, 2, -1, 0));
  cs_op_batch_norm.describe (net->graph, cs_graph_node (net->graph, 0), &info);
  g_assert_cmpint (info.params, ==, 4);
}

/* A normalization the fuse pass could not fold, before a ReLU it took
 * (DenseNet's, on a concatenation): planes shared out among threads, each
 * activated as it is normalized; the pool changes nothing. */
static void
test_batch_norm_activation (void)
{
  const int64_t channels = 96, plane = 28 * 28, n = channels * plane;
  g_autofree float *x = iota (n, -40000);
  g_autofree float *scale = iota (channels, -48), *bias = iota (channels, 5);
  g_autofree float *mean = iota (channels, -3), *var = iota (channels, 1);
  g_autofree float *want = g_new (float, n);
  CsThreadPool *pool = cs_thread_pool_new (2);

  for (int64_t c = 0; c < channels; c++)
    {
      const float a = scale[c] / sqrtf (var[c] + 1e-5f), b = bias[c] - mean[c] * a;

      for (int64_t i = c * plane; i < (c + 1) * plane; i++)
        want[i] = fmaxf (a * x[i] + b, 0.0f);
    }
  for (int threaded = 0; threaded < 2; threaded++)
    {
      g_autoptr (Net) net = net_new ();
      int ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, channels, 28, 28));
      int is = add_floats (net, "scale", SHAPE (channels), scale);
      int ib = add_floats (net, "bias", SHAPE (channels), bias);
      int im = add_floats (net, "mean", SHAPE (channels), mean);
      int iv = add_floats (net, "var", SHAPE (channels), var);
      int y = add_value (net, "y");
      CsBatchNormParams *params = g_new0 (CsBatchNormParams, 1);
      CsNode *node;

      params->epsilon = 1e-5f;
      node = add_node (net, &cs_op_batch_norm, "bn", params, IDS (ix, is, ib, im, iv), IDS (y));
      node->act.kind = CS_ACT_RELU;
      run_net (net, (const void *[]) { x }, threaded ? pool : NULL);
      expect_floats (net, y, SHAPE (1, channels, 28, 28), want);
    }
  cs_thread_pool_free (pool);
}

static void
test_batch_norm_errors (void)
{
  g_autoptr (Net) net = net_new ();
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, 2, 1, 2));
  int c3 = add_floats (net, "c3", SHAPE (3), FLOATS (1, 1, 1));
  int c2 = add_floats (net, "c2", SHAPE (2), FLOATS (1, 1));
  int y = add_value (net, "y");

  add_node (net, &cs_op_batch_norm, "bn", NULL, IDS (x, c2, c2, c3, c2), IDS (y));
  expect_error (net, CS_ERROR_INVALID, "bn", "mean has 3 values for 2 channels");
}

static void
check_lrn (int size, float alpha, float beta, float bias, const float *want)
{
  g_autoptr (Net) net = net_new ();
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, 3, 1, 1));
  int y = add_value (net, "y");
  CsLrnParams *params = g_new0 (CsLrnParams, 1);

  *params = (CsLrnParams) { size, alpha, beta, bias };
  add_node (net, &cs_op_lrn, "lrn", params, IDS (x), IDS (y));
  run_net (net, (const void *[]) { FLOATS (1, 2, 3) }, NULL);
  expect_floats (net, y, SHAPE (1, 3, 1, 1), want);
}

static void
test_lrn (void)
{
  /* size 3: channels c−1…c+1; squares 1, 4, 9; alpha/size = 1. */
  check_lrn (3, 3, 1, 1, FLOATS (1.0f / 6, 2.0f / 15, 3.0f / 14));
  /* size 2: ⌊1/2⌋ = 0 before, ⌈1/2⌉ = 1 after: sums 5, 13, 9. */
  check_lrn (2, 2, 0.5f, 0, FLOATS (1 / sqrtf (5), 2 / sqrtf (13), 1));
}

/* LRN on a larger tensor against the formula, serial and threaded. */
static void
test_lrn_planes (void)
{
  const int C = 7, HW = 5;
  g_autofree float *x = g_new (float, 2 * C * HW);
  g_autofree float *want = g_new (float, 2 * C * HW);
  CsThreadPool *pool = cs_thread_pool_new (2);

  for (int i = 0; i < 2 * C * HW; i++)
    x[i] = sinf ((float) i);
  for (int n = 0; n < 2; n++)
    for (int c = 0; c < C; c++)
      for (int i = 0; i < HW; i++)
        {
          double sum = 0;

          for (int k = MAX (0, c - 2); k <= MIN (C - 1, c + 2); k++)
            sum += x[(n * C + k) * HW + i] * x[(n * C + k) * HW + i];
          want[(n * C + c) * HW + i] = (float) (x[(n * C + c) * HW + i]
                                                / pow (2 + 1e-4 / 5 * sum, 0.75));
        }
  for (int threaded = 0; threaded < 2; threaded++)
    {
      g_autoptr (Net) net = net_new ();
      int ix = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, C, 1, HW));
      int y = add_value (net, "y");
      CsLrnParams *params = g_new0 (CsLrnParams, 1);

      *params = (CsLrnParams) { 5, 1e-4f, 0.75f, 2 };
      add_node (net, &cs_op_lrn, "lrn", params, IDS (ix), IDS (y));
      run_net (net, (const void *[]) { x }, threaded ? pool : NULL);
      expect_floats (net, y, SHAPE (2, C, 1, HW), want);
    }
  cs_thread_pool_free (pool);
}

static void
check_softmax (int axis, gboolean legacy, CsShape shape, const float *x,
               const float *want)
{
  g_autoptr (Net) net = net_new ();
  int ix = add_input (net, "x", CS_DTYPE_FLOAT32, shape);
  int y = add_value (net, "y");
  CsSoftmaxParams *params = g_new0 (CsSoftmaxParams, 1);

  params->axis = axis;
  params->legacy_2d = legacy;
  add_node (net, &cs_op_softmax, "softmax", params, IDS (ix), IDS (y));
  run_net (net, (const void *[]) { x }, NULL);
  expect_floats (net, y, shape, want);
}

static void
test_softmax (void)
{
  const float ln3 = logf (3);

  /* Logits of 1000 would overflow exp without subtracting the max. */
  check_softmax (1, FALSE, SHAPE (2, 3), FLOATS (1, 2, 3, 1000, 1000, 1000),
                 FLOATS (0.09003057f, 0.24472847f, 0.66524096f,
                         1.0f / 3, 1.0f / 3, 1.0f / 3));
  check_softmax (-1, FALSE, SHAPE (2, 3), FLOATS (1, 2, 3, 1000, 1000, 1000),
                 FLOATS (0.09003057f, 0.24472847f, 0.66524096f,
                         1.0f / 3, 1.0f / 3, 1.0f / 3));
  /* Along axis 0, column by column. */
  check_softmax (0, FALSE, SHAPE (2, 2), FLOATS (0, 0, ln3, 0),
                 FLOATS (0.25f, 0.5f, 0.75f, 0.5f));
  /* Axis 1 of 1×2×2 pairs x[0,0,k] with x[0,1,k]; the legacy rule takes
   * all four values as one row. */
  check_softmax (1, FALSE, SHAPE (1, 2, 2), FLOATS (0, ln3, 0, 0),
                 FLOATS (0.5f, 0.75f, 0.5f, 0.25f));
  check_softmax (1, TRUE, SHAPE (1, 2, 2), FLOATS (0, ln3, 0, 0),
                 FLOATS (1.0f / 6, 0.5f, 1.0f / 6, 1.0f / 6));
}

/* ---- Shape arithmetic and data movement ---- */

static CsAxisParams *
axis_params (int axis)
{
  CsAxisParams *params = g_new0 (CsAxisParams, 1);

  params->axis = axis;
  return params;
}

static CsSqueezeParams *
axes_params (int n, const int64_t *axes)
{
  CsSqueezeParams *params = g_new0 (CsSqueezeParams, 1);

  params->n_axes = n;
  memcpy (params->axes, axes, sizeof (int64_t) * n);
  return params;
}

/* What torchvision exports for x.reshape(x.size(0), x.size(1)·x.size(2)/2,
 * −1): Shape → Gather → (Mul, Div) → Unsqueeze → Concat → Reshape.  All of
 * it but the Reshape must fold away at load. */
static void
test_shape_chain_folds (void)
{
  g_autoptr (Net) net = net_new ();
  g_autofree float *data = iota (120, 0);
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 3, 4, 5));
  int zero = add_ints (net, "zero", SCALAR, INTS (0));
  int one = add_ints (net, "one", SCALAR, INTS (1));
  int minus_two = add_ints (net, "minus_two", SCALAR, INTS (-2));
  int two = add_ints (net, "two", SCALAR, INTS (2));
  int rest = add_ints (net, "rest", SHAPE (1), INTS (-1));
  int s = add_value (net, "s"), n = add_value (net, "n");
  int c = add_value (net, "c"), h = add_value (net, "h");
  int ch = add_value (net, "ch"), half = add_value (net, "half");
  int un = add_value (net, "un"), uhalf = add_value (net, "uhalf");
  int target = add_value (net, "target"), y = add_value (net, "y");

  add_node (net, &cs_op_shape, "shape", NULL, IDS (x), IDS (s));
  add_node (net, &cs_op_gather, "g0", axis_params (0), IDS (s, zero), IDS (n));
  add_node (net, &cs_op_gather, "g1", axis_params (0), IDS (s, one), IDS (c));
  add_node (net, &cs_op_gather, "g2", axis_params (0), IDS (s, minus_two), IDS (h));
  add_node (net, &cs_op_mul, "mul", NULL, IDS (c, h), IDS (ch));
  add_node (net, &cs_op_div, "div", NULL, IDS (ch, two), IDS (half));
  add_node (net, &cs_op_unsqueeze, "u0", axes_params (1, INTS (0)), IDS (n), IDS (un));
  add_node (net, &cs_op_unsqueeze, "u1", axes_params (1, INTS (0)), IDS (half), IDS (uhalf));
  add_node (net, &cs_op_concat, "cat", axis_params (0), IDS (un, uhalf, rest), IDS (target));
  add_node (net, &cs_op_reshape, "reshape", NULL, IDS (x, target), IDS (y));
  run_net (net, (const void *[]) { data }, NULL);

  g_assert_nonnull (cs_graph_value (net->graph, target)->constant);
  assert_shape (net, target, SHAPE (3));
  assert_ints (cs_graph_value (net->graph, target)->constant, INTS (2, 6, -1), 3);
  for (guint i = 0; i + 1 < net->graph->nodes->len; i++)
    g_assert_true (cs_graph_node (net->graph, i)->dead);
  expect_floats (net, y, SHAPE (2, 6, 10), data);
}

/* Worked out by hand: row 1 has mean 2.5 and variance 1.25, row 2 is
 * constant (ε keeps it finite).  The scale's leading 1 is no error; the
 * mean and 1/√(var + ε) come out as outputs 1 and 2, shaped 2×1. */
static void
test_layer_norm (void)
{
  g_autoptr (Net) net = net_new ();
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 4));
  int scale = add_floats (net, "scale", SHAPE (1, 4), FLOATS (2, 2, 2, 2));
  int bias = add_floats (net, "bias", SHAPE (4), FLOATS (1, 1, 1, 1));
  int y = add_value (net, "y"), mean = add_value (net, "mean");
  int inv_std = add_value (net, "inv_std");
  CsNormParams *params = g_new0 (CsNormParams, 1);

  params->axis = -1;
  params->epsilon = 1e-5f;
  add_node (net, &cs_op_layer_norm, "ln", params, IDS (x, scale, bias), IDS (y, mean, inv_std));
  run_net (net, (const void *[]) { FLOATS (1, 2, 3, 4, 2, 2, 2, 2) }, NULL);
  expect_floats (net, y, SHAPE (2, 4),
                 FLOATS (-1.683271f, 0.1055764f, 1.894424f, 3.683271f, 1, 1, 1, 1));
  expect_floats (net, mean, SHAPE (2, 1), FLOATS (2.5f, 2));
  expect_floats (net, inv_std, SHAPE (2, 1), FLOATS (0.8944236f, 316.227766f));
}

/* What PyTorch exports for x.expand(2, -1, 4) on a 1×3×1 tensor (opset
 * 13): ConstantOfShape → Mul by −1 → Equal → Where picks the target's
 * sizes where the request is −1 → Expand.  All of it but the Expand
 * folds at load; Cast and Size fold beside it. */
static void
test_expand_chain_folds (void)
{
  g_autoptr (Net) net = net_new ();
  g_autofree float *data = iota (3, 1);
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, 3, 1));
  int request = add_ints (net, "request", SHAPE (3), INTS (2, -1, 4));
  int rank = add_ints (net, "rank", SHAPE (1), INTS (3));
  int minus_one = add_ints (net, "minus_one", SCALAR, INTS (-1));
  int ones = add_value (net, "ones"), negated = add_value (net, "negated");
  int is_free = add_value (net, "is_free"), target = add_value (net, "target");
  int y = add_value (net, "y"), size = add_value (net, "size");
  int as_float = add_value (net, "as_float");
  CsFillParams *fill = g_new0 (CsFillParams, 1);
  CsCastParams *cast = g_new0 (CsCastParams, 1);

  fill->dtype = CS_DTYPE_INT64;
  fill->int_value = 1;
  cast->to = CS_DTYPE_FLOAT32;
  add_node (net, &cs_op_constant_of_shape, "fill", fill, IDS (rank), IDS (ones));
  add_node (net, &cs_op_mul, "negate", NULL, IDS (ones, minus_one), IDS (negated));
  add_node (net, &cs_op_equal, "equal", NULL, IDS (request, negated), IDS (is_free));
  add_node (net, &cs_op_where, "where", NULL, IDS (is_free, ones, request), IDS (target));
  add_node (net, &cs_op_expand, "expand", NULL, IDS (x, target), IDS (y));
  add_node (net, &cs_op_size, "size", NULL, IDS (y), IDS (size));
  add_node (net, &cs_op_cast, "cast", cast, IDS (size), IDS (as_float));
  run_net (net, (const void *[]) { data }, NULL);

  assert_ints (cs_graph_value (net->graph, is_free)->constant, INTS (0, 1, 0), 3);
  assert_ints (cs_graph_value (net->graph, target)->constant, INTS (2, 1, 4), 3);
  g_assert_false (cs_graph_node (net->graph, 4)->dead);
  expect_floats (net, y, SHAPE (2, 3, 4),
                 FLOATS (1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                         1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3));
  g_assert_nonnull (cs_graph_value (net->graph, as_float)->constant);
  expect_floats (net, as_float, SCALAR, FLOATS (24));
}

static void
check_reshape (CsShape in, const int64_t *target, int n, gboolean allowzero,
               CsShape want)
{
  g_autoptr (Net) net = net_new ();
  g_autofree float *data = iota (MAX (1, cs_shape_numel (&in)), 0);
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, in);
  int t = add_ints (net, "t", SHAPE (n), target);
  int y = add_value (net, "y");
  CsReshapeParams *params = g_new0 (CsReshapeParams, 1);

  params->allowzero = allowzero;
  add_node (net, &cs_op_reshape, "r", params, IDS (x, t), IDS (y));
  run_net (net, (const void *[]) { data }, NULL);
  expect_floats (net, y, want, data);
}

static void
test_reshape (void)
{
  check_reshape (SHAPE (2, 3, 4), INTS (0, -1), 2, FALSE, SHAPE (2, 12));
  check_reshape (SHAPE (2, 3, 4), INTS (4, 0, 2), 3, FALSE, SHAPE (4, 3, 2));
  check_reshape (SHAPE (2, 3, 4), INTS (-1), 1, FALSE, SHAPE (24));
  /* allowzero: 0 is a real (empty) dimension. */
  check_reshape (SHAPE (0, 3), INTS (3, 0), 2, TRUE, SHAPE (3, 0));
  check_reshape (SHAPE (0, 3), INTS (0, 3), 2, FALSE, SHAPE (0, 3));
}

static void
check_reshape_error (const int64_t *target, int n, const char *fragment)
{
  g_autoptr (Net) net = net_new ();
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 3, 4));
  int t = add_ints (net, "t", SHAPE (n), target);
  int y = add_value (net, "y");

  add_node (net, &cs_op_reshape, "r", NULL, IDS (x, t), IDS (y));
  expect_error (net, CS_ERROR_INVALID, "r", fragment);
}

static void
test_reshape_errors (void)
{
  check_reshape_error (INTS (-1, -1), 2, "more than one -1");
  check_reshape_error (INTS (5, -1), 2, "cannot infer the -1 dimension reshaping 2×3×4");
  check_reshape_error (INTS (5, 5), 2, "cannot reshape 2×3×4 (24 elements) into 5×5");
  check_reshape_error (INTS (-3, 8), 2, "target dimension -3 is negative");
  check_reshape_error (INTS (1, 2, 3, 0), 4, "target dimension 3 is 0");
  check_reshape_error (INTS (1, 1, 1, 1, 1, 1, 1, 1, 24), 9, "at most 8");
  {
    g_autoptr (Net) net = net_new ();
    int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 3, 4));
    int t = add_input (net, "t", CS_DTYPE_INT64, SHAPE (2));
    int y = add_value (net, "y");

    add_node (net, &cs_op_reshape, "r", NULL, IDS (x, t), IDS (y));
    expect_error (net, CS_ERROR_UNSUPPORTED, "r",
                  "the target shape must be known at load time");
  }
}

static void
test_squeeze_unsqueeze_flatten (void)
{
  g_autoptr (Net) net = net_new ();
  g_autofree float *data = iota (6, 0);
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, 3, 1, 2));
  int axes = add_ints (net, "axes", SHAPE (1), INTS (-1));
  int s_all = add_value (net, "s_all"), s_one = add_value (net, "s_one");
  int u_two = add_value (net, "u_two"), u_in = add_value (net, "u_in");
  int f0 = add_value (net, "f0"), f2 = add_value (net, "f2");
  int fm1 = add_value (net, "fm1"), f4 = add_value (net, "f4");

  add_node (net, &cs_op_squeeze, "sq_all", NULL, IDS (x), IDS (s_all));
  add_node (net, &cs_op_squeeze, "sq_one", axes_params (1, INTS (-2)), IDS (x), IDS (s_one));
  add_node (net, &cs_op_unsqueeze, "unsq", axes_params (2, INTS (3, 0)), IDS (s_all), IDS (u_two));
  add_node (net, &cs_op_unsqueeze, "unsq_in", NULL, IDS (s_all, axes), IDS (u_in));
  add_node (net, &cs_op_flatten, "fl0", axis_params (0), IDS (x), IDS (f0));
  add_node (net, &cs_op_flatten, "fl2", axis_params (2), IDS (x), IDS (f2));
  add_node (net, &cs_op_flatten, "flm1", axis_params (-1), IDS (x), IDS (fm1));
  add_node (net, &cs_op_flatten, "fl4", axis_params (4), IDS (x), IDS (f4));
  run_net (net, (const void *[]) { data }, NULL);
  expect_floats (net, s_all, SHAPE (3, 2), data);
  expect_floats (net, s_one, SHAPE (1, 3, 2), data);
  expect_floats (net, u_two, SHAPE (1, 3, 2, 1), data);
  expect_floats (net, u_in, SHAPE (3, 2, 1), data);
  expect_floats (net, f0, SHAPE (1, 6), data);
  expect_floats (net, f2, SHAPE (3, 2), data);
  expect_floats (net, fm1, SHAPE (3, 2), data);
  expect_floats (net, f4, SHAPE (6, 1), data);
}

static void
test_squeeze_errors (void)
{
  {
    g_autoptr (Net) net = net_new ();
    int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, 3));
    int y = add_value (net, "y");

    add_node (net, &cs_op_squeeze, "sq", axes_params (1, INTS (1)), IDS (x), IDS (y));
    expect_error (net, CS_ERROR_INVALID, "sq", "cannot squeeze axis 1 of size 3");
  }
  {
    g_autoptr (Net) net = net_new ();
    int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, 3));
    int y = add_value (net, "y");

    add_node (net, &cs_op_unsqueeze, "unsq", axes_params (2, INTS (0, -4)), IDS (x), IDS (y));
    expect_error (net, CS_ERROR_INVALID, "unsq", "axis 0 is given twice");
  }
  {
    g_autoptr (Net) net = net_new ();
    int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (1, 3));
    int y = add_value (net, "y");

    add_node (net, &cs_op_flatten, "fl", axis_params (3), IDS (x), IDS (y));
    expect_error (net, CS_ERROR_INVALID, "fl", "axis 3 is outside [-2, 2]");
  }
}

static void
test_transpose (void)
{
  g_autoptr (Net) net = net_new ();
  g_autofree float *data = iota (24, 0);
  float want_perm[24], want_default[24], want_shuffle[24];
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 3, 4));
  int shuffled = add_input (net, "s", CS_DTYPE_FLOAT32, SHAPE (1, 2, 3, 2, 2));
  int y_perm = add_value (net, "y_perm"), y_default = add_value (net, "y_default");
  int y_shuffle = add_value (net, "y_shuffle");
  CsTransposeParams *perm = g_new0 (CsTransposeParams, 1);
  CsTransposeParams *shuffle = g_new0 (CsTransposeParams, 1);

  *perm = (CsTransposeParams) { 3, { 2, 0, 1 } };
  *shuffle = (CsTransposeParams) { 5, { 0, 2, 1, 3, 4 } };
  add_node (net, &cs_op_transpose, "t_perm", perm, IDS (x), IDS (y_perm));
  add_node (net, &cs_op_transpose, "t_default", NULL, IDS (x), IDS (y_default));
  add_node (net, &cs_op_transpose, "t_shuffle", shuffle, IDS (shuffled), IDS (y_shuffle));
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 2; j++)
      for (int k = 0; k < 3; k++)
        want_perm[(i * 2 + j) * 3 + k] = (float) (j * 12 + k * 4 + i);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 2; k++)
        want_default[(i * 3 + j) * 2 + k] = (float) (k * 12 + j * 4 + i);
  /* Channel shuffle: groups × per-group swapped, planes of 4 intact. */
  for (int g = 0; g < 2; g++)
    for (int c = 0; c < 3; c++)
      for (int p = 0; p < 4; p++)
        want_shuffle[(c * 2 + g) * 4 + p] = (float) ((g * 3 + c) * 4 + p);
  run_net (net, (const void *[]) { data, data }, NULL);
  expect_floats (net, y_perm, SHAPE (4, 2, 3), want_perm);
  expect_floats (net, y_default, SHAPE (4, 3, 2), want_default);
  expect_floats (net, y_shuffle, SHAPE (1, 3, 2, 2, 2), want_shuffle);
}

/* Tensors big enough that two threads divide them, as ConvNeXt permutes
 * NCHW to NHWC and back: 2×37×29×53 both ways, on a pool of two, against
 * index arithmetic; the odd sizes leave partial 16×16 tiles at every
 * edge. */
static void
test_transpose_threaded (void)
{
  enum { N = 2, C = 37, H = 29, W = 53, COUNT = N * C * H * W };
  g_autoptr (Net) net = net_new ();
  g_autofree float *data = iota (COUNT, 0);
  g_autofree float *want_nhwc = g_new (float, COUNT), *want_back = NULL;
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (N, C, H, W));
  int nhwc = add_value (net, "nhwc"), back = add_value (net, "back");
  CsTransposeParams *to_nhwc = g_new0 (CsTransposeParams, 1);
  CsTransposeParams *to_nchw = g_new0 (CsTransposeParams, 1);
  CsThreadPool *pool = cs_thread_pool_new (2);

  *to_nhwc = (CsTransposeParams) { 4, { 0, 2, 3, 1 } };
  *to_nchw = (CsTransposeParams) { 4, { 0, 3, 1, 2 } };
  add_node (net, &cs_op_transpose, "to_nhwc", to_nhwc, IDS (x), IDS (nhwc));
  add_node (net, &cs_op_transpose, "to_nchw", to_nchw, IDS (nhwc), IDS (back));
  for (int n = 0; n < N; n++)
    for (int c = 0; c < C; c++)
      for (int h = 0; h < H; h++)
        for (int w = 0; w < W; w++)
          want_nhwc[((n * H + h) * W + w) * C + c] = data[((n * C + c) * H + h) * W + w];
  want_back = g_memdup2 (data, COUNT * sizeof (float));
  run_net (net, (const void *[]) { data }, pool);
  expect_floats (net, nhwc, SHAPE (N, H, W, C), want_nhwc);
  expect_floats (net, back, SHAPE (N, C, H, W), want_back);
  cs_thread_pool_free (pool);
}

static void
test_transpose_errors (void)
{
  g_autoptr (Net) net = net_new ();
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 3, 4));
  int y = add_value (net, "y");
  CsTransposeParams *perm = g_new0 (CsTransposeParams, 1);

  *perm = (CsTransposeParams) { 3, { 0, 2, 2 } };
  add_node (net, &cs_op_transpose, "t", perm, IDS (x), IDS (y));
  expect_error (net, CS_ERROR_INVALID, "t", "perm is not a permutation");
}

static CsSplitParams *
split_params (int axis, int n, const int64_t *sizes)
{
  CsSplitParams *params = g_new0 (CsSplitParams, 1);

  params->axis = axis;
  params->n_split = n;
  params->split = n > 0 ? g_memdup2 (sizes, sizeof (int64_t) * n) : NULL;
  return params;
}

static void
test_concat_split (void)
{
  g_autoptr (Net) net = net_new ();
  g_autofree float *data = iota (10, 0);
  int a = add_input (net, "a", CS_DTYPE_FLOAT32, SHAPE (2, 1));
  int b = add_input (net, "b", CS_DTYPE_FLOAT32, SHAPE (2, 2));
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 5));
  int sizes = add_ints (net, "sizes", SHAPE (2), INTS (2, 3));
  int joined = add_value (net, "joined");
  int p0 = add_value (net, "p0"), p1 = add_value (net, "p1");
  int e0 = add_value (net, "e0"), e1 = add_value (net, "e1"), e2 = add_value (net, "e2");
  int q0 = add_value (net, "q0"), q1 = add_value (net, "q1");

  add_node (net, &cs_op_concat, "cat", axis_params (-1), IDS (a, b), IDS (joined));
  add_node (net, &cs_op_split, "split_in", split_params (1, 0, NULL),
            IDS (x, sizes), IDS (p0, p1));
  /* Equal parts of 5 in 3: 2, 2 and a smaller last 1. */
  add_node (net, &cs_op_split, "split_eq", split_params (-1, 0, NULL),
            IDS (x), IDS (e0, e1, e2));
  add_node (net, &cs_op_split, "split_attr", split_params (0, 2, INTS (1, 1)),
            IDS (x), IDS (q0, q1));
  run_net (net, (const void *[]) { FLOATS (1, 2), FLOATS (3, 4, 5, 6), data }, NULL);
  expect_floats (net, joined, SHAPE (2, 3), FLOATS (1, 3, 4, 2, 5, 6));
  expect_floats (net, p0, SHAPE (2, 2), FLOATS (0, 1, 5, 6));
  expect_floats (net, p1, SHAPE (2, 3), FLOATS (2, 3, 4, 7, 8, 9));
  expect_floats (net, e0, SHAPE (2, 2), FLOATS (0, 1, 5, 6));
  expect_floats (net, e1, SHAPE (2, 2), FLOATS (2, 3, 7, 8));
  expect_floats (net, e2, SHAPE (2, 1), FLOATS (4, 9));
  expect_floats (net, q0, SHAPE (1, 5), FLOATS (0, 1, 2, 3, 4));
  expect_floats (net, q1, SHAPE (1, 5), FLOATS (5, 6, 7, 8, 9));
}

/* Concat of three parts along the channels of big enough tensors that
 * two threads share them out, then Split back: each part comes out as it
 * went in, and the whole holds them one after the other per image. */
static void
test_concat_split_threaded (void)
{
  enum { N = 2, H = 41, W = 43, PLANE = H * W };
  static const int channels[] = { 5, 1, 9 };
  g_autoptr (Net) net = net_new ();
  float *parts[3];
  int in[3], out[3], whole = add_value (net, "whole");
  g_autofree float *want = g_new (float, N * 15 * PLANE);
  CsThreadPool *pool = cs_thread_pool_new (2);
  int64_t at = 0;

  for (int i = 0; i < 3; i++)
    {
      char name[8];

      g_snprintf (name, sizeof name, "in%d", i);
      in[i] = add_input (net, name, CS_DTYPE_FLOAT32, SHAPE (N, channels[i], H, W));
      g_snprintf (name, sizeof name, "out%d", i);
      out[i] = add_value (net, name);
      parts[i] = iota (N * channels[i] * PLANE, 100000.0f * (float) (i + 1));
    }
  add_node (net, &cs_op_concat, "cat", axis_params (1), IDS (in[0], in[1], in[2]), IDS (whole));
  add_node (net, &cs_op_split, "split", split_params (1, 3, INTS (5, 1, 9)), IDS (whole),
            IDS (out[0], out[1], out[2]));
  for (int n = 0; n < N; n++)
    for (int i = 0; i < 3; i++)
      {
        memcpy (want + at, parts[i] + n * channels[i] * PLANE,
                sizeof (float) * channels[i] * PLANE);
        at += channels[i] * PLANE;
      }
  run_net (net, (const void *[]) { parts[0], parts[1], parts[2] }, pool);
  expect_floats (net, whole, SHAPE (N, 15, H, W), want);
  for (int i = 0; i < 3; i++)
    {
      expect_floats (net, out[i], SHAPE (N, channels[i], H, W), parts[i]);
      g_free (parts[i]);
    }
  cs_thread_pool_free (pool);
}

static void
test_concat_split_errors (void)
{
  {
    g_autoptr (Net) net = net_new ();
    int a = add_input (net, "a", CS_DTYPE_FLOAT32, SHAPE (2, 1));
    int b = add_input (net, "b", CS_DTYPE_FLOAT32, SHAPE (3, 2));
    int y = add_value (net, "y");

    add_node (net, &cs_op_concat, "cat", axis_params (1), IDS (a, b), IDS (y));
    expect_error (net, CS_ERROR_INVALID, "cat",
                  "cannot join 'a' (2×1) and 'b' (3×2) along axis 1");
  }
  {
    g_autoptr (Net) net = net_new ();
    int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 5));
    int y0 = add_value (net, "y0"), y1 = add_value (net, "y1");

    add_node (net, &cs_op_split, "split", split_params (1, 2, INTS (2, 2)),
              IDS (x), IDS (y0, y1));
    expect_error (net, CS_ERROR_INVALID, "split",
                  "split sizes add up to 4, not the 5 elements of axis 1");
  }
  {
    g_autoptr (Net) net = net_new ();
    int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 5));
    int y0 = add_value (net, "y0"), y1 = add_value (net, "y1");

    add_node (net, &cs_op_split, "split", split_params (1, 2, INTS (7, -2)),
              IDS (x), IDS (y0, y1));
    expect_error (net, CS_ERROR_INVALID, "split", "do not add up");
  }
}

/* Slices of x = 0…11 as 3×4, ranges as inputs (opset 10 on). */
static void
check_slice (const int64_t *starts, const int64_t *ends, const int64_t *axes,
             const int64_t *steps, int n, CsShape out, const float *want)
{
  g_autoptr (Net) net = net_new ();
  g_autofree float *data = iota (12, 0);
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (3, 4));
  int is = add_ints (net, "starts", SHAPE (n), starts);
  int ie = add_ints (net, "ends", SHAPE (n), ends);
  int ia = axes != NULL ? add_ints (net, "axes", SHAPE (n), axes) : -1;
  int ist = steps != NULL ? add_ints (net, "steps", SHAPE (n), steps) : -1;
  int y = add_value (net, "y");

  add_node (net, &cs_op_slice, "slice", NULL, IDS (x, is, ie, ia, ist), IDS (y));
  run_net (net, (const void *[]) { data }, NULL);
  expect_floats (net, y, out, want);
}

static void
test_slice (void)
{
  check_slice (INTS (1, 0), INTS (G_MAXINT64, 3), NULL, NULL, 2, SHAPE (2, 3),
               FLOATS (4, 5, 6, 8, 9, 10));
  /* Backwards by 2 from the last column, to "before the start". */
  check_slice (INTS (-1), INTS (G_MININT64), INTS (1), INTS (-2), 1, SHAPE (3, 2),
               FLOATS (3, 1, 7, 5, 11, 9));
  check_slice (INTS (-100), INTS (100), INTS (-2), NULL, 1, SHAPE (3, 4),
               FLOATS (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
  check_slice (INTS (2, 3), INTS (-100, 0), INTS (0, 1), INTS (-1, -3), 2,
               SHAPE (3, 1), FLOATS (11, 7, 3));
  check_slice (INTS (0), INTS (G_MAXINT64), INTS (0), INTS (G_MAXINT64), 1,
               SHAPE (1, 4), FLOATS (0, 1, 2, 3));
  check_slice (INTS (2), INTS (1), INTS (0), NULL, 1, SHAPE (0, 4), NULL);
}

static void
test_slice_attributes_and_errors (void)
{
  {
    g_autoptr (Net) net = net_new ();
    g_autofree float *data = iota (12, 0);
    int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (3, 4));
    int y = add_value (net, "y");
    CsSliceParams *params = g_new0 (CsSliceParams, 1);

    *params = (CsSliceParams) { 1, { 1 }, { 2 }, { -1 }, TRUE };
    add_node (net, &cs_op_slice, "slice", params, IDS (x), IDS (y));
    run_net (net, (const void *[]) { data }, NULL);
    expect_floats (net, y, SHAPE (3, 1), FLOATS (1, 5, 9));
  }
  {
    g_autoptr (Net) net = net_new ();
    int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (3, 4));
    int s = add_ints (net, "s", SHAPE (1), INTS (0));
    int e = add_ints (net, "e", SHAPE (1), INTS (2));
    int a = add_ints (net, "a", SHAPE (1), INTS (0));
    int st = add_ints (net, "st", SHAPE (1), INTS (0));
    int y = add_value (net, "y");

    add_node (net, &cs_op_slice, "slice", NULL, IDS (x, s, e, a, st), IDS (y));
    expect_error (net, CS_ERROR_INVALID, "slice", "the step for axis 0 is 0");
  }
  {
    g_autoptr (Net) net = net_new ();
    int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (3, 4));
    int s = add_ints (net, "s", SHAPE (1), INTS (0));
    int e = add_input (net, "e", CS_DTYPE_INT64, SHAPE (1));
    int y = add_value (net, "y");

    add_node (net, &cs_op_slice, "slice", NULL, IDS (x, s, e), IDS (y));
    expect_error (net, CS_ERROR_UNSUPPORTED, "slice",
                  "the ends must be known at load time");
  }
}

/* Pads x = 1…6 as 2×3. */
static void
check_pad (CsPadMode mode, const int64_t *pads, float value, CsShape out,
           const float *want)
{
  g_autoptr (Net) net = net_new ();
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 3));
  int ip = add_ints (net, "pads", SHAPE (4), pads);
  int iv = add_floats (net, "value", SCALAR, &value);
  int y = add_value (net, "y");
  CsPadParams *params = g_new0 (CsPadParams, 1);

  params->mode = mode;
  add_node (net, &cs_op_pad, "pad", params, IDS (x, ip, iv), IDS (y));
  run_net (net, (const void *[]) { FLOATS (1, 2, 3, 4, 5, 6) }, NULL);
  expect_floats (net, y, out, want);
}

static void
test_pad (void)
{
  /* pads = [x1_begin, x2_begin, x1_end, x2_end]. */
  check_pad (CS_PAD_CONSTANT, INTS (1, 0, 0, 2), 9, SHAPE (3, 5),
             FLOATS (9, 9, 9, 9, 9, 1, 2, 3, 9, 9, 4, 5, 6, 9, 9));
  check_pad (CS_PAD_REFLECT, INTS (0, 2, 0, 2), 0, SHAPE (2, 7),
             FLOATS (3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4));
  check_pad (CS_PAD_EDGE, INTS (1, 1, 1, 1), 0, SHAPE (4, 5),
             FLOATS (1, 1, 2, 3, 3, 1, 1, 2, 3, 3, 4, 4, 5, 6, 6, 4, 4, 5, 6, 6));
  /* Negative pads crop. */
  check_pad (CS_PAD_CONSTANT, INTS (0, -1, 0, 0), 0, SHAPE (2, 2),
             FLOATS (2, 3, 5, 6));
  /* Reflection past a whole period keeps going, like numpy.pad:
   * [1 2 3] padded by 4 both sides is 1 2 3 2 | 1 2 3 | 2 1 2 3. */
  check_pad (CS_PAD_REFLECT, INTS (1, 4, 0, 4), 0, SHAPE (3, 11),
             FLOATS (4, 5, 6, 5, 4, 5, 6, 5, 4, 5, 6,
                     1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3,
                     4, 5, 6, 5, 4, 5, 6, 5, 4, 5, 6));
}

static void
test_pad_int64_and_errors (void)
{
  {
    g_autoptr (Net) net = net_new ();
    int x = add_ints (net, "x", SHAPE (2), INTS (7, 8));
    int y = add_value (net, "y");
    CsPadParams *params = g_new0 (CsPadParams, 1);
    GError *error = NULL;

    *params = (CsPadParams) { CS_PAD_CONSTANT, 2, { 1, 2 }, -1 };
    add_node (net, &cs_op_pad, "pad", params, IDS (x), IDS (y));
    g_assert_true (net_infer (net, &error));
    assert_shape (net, y, SHAPE (5));
    assert_ints (cs_graph_value (net->graph, y)->constant, INTS (-1, 7, 8, -1, -1), 5);
  }
  {
    g_autoptr (Net) net = net_new ();
    int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 3));
    int y = add_value (net, "y");
    CsPadParams *params = g_new0 (CsPadParams, 1);

    *params = (CsPadParams) { CS_PAD_CONSTANT, 4, { 0, -4, 0, 0 } };
    add_node (net, &cs_op_pad, "pad", params, IDS (x), IDS (y));
    expect_error (net, CS_ERROR_INVALID, "pad",
                  "the pads for axis 1 crop more than its 3 elements");
  }
  {
    g_autoptr (Net) net = net_new ();
    int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 3));
    int y = add_value (net, "y");
    CsPadParams *params = g_new0 (CsPadParams, 1);

    *params = (CsPadParams) { CS_PAD_EDGE, 2, { 1, 1 } };
    add_node (net, &cs_op_pad, "pad", params, IDS (x), IDS (y));
    expect_error (net, CS_ERROR_INVALID, "pad", "expected 4 pads for 2 axes, got 2");
  }
  {
    g_autoptr (Net) net = net_new ();
    int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 3));
    int y = add_value (net, "y");
    CsPadParams *params = g_new0 (CsPadParams, 1);

    *params = (CsPadParams) { CS_PAD_CONSTANT, 4, { 0, G_MAXINT64, 0, 0 } };
    add_node (net, &cs_op_pad, "pad", params, IDS (x), IDS (y));
    expect_error (net, CS_ERROR_INVALID, "pad", "out of range");
  }
}

static void
test_gather (void)
{
  g_autoptr (Net) net = net_new ();
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (3, 2));
  int rows = add_ints (net, "rows", SHAPE (2, 2), INTS (0, -1, 1, 0));
  int last = add_ints (net, "last", SHAPE (1), INTS (-1));
  int y0 = add_value (net, "y0"), y1 = add_value (net, "y1");

  add_node (net, &cs_op_gather, "g0", axis_params (0), IDS (x, rows), IDS (y0));
  add_node (net, &cs_op_gather, "g1", axis_params (1), IDS (x, last), IDS (y1));
  run_net (net, (const void *[]) { FLOATS (1, 2, 3, 4, 5, 6) }, NULL);
  expect_floats (net, y0, SHAPE (2, 2, 2), FLOATS (1, 2, 5, 6, 3, 4, 1, 2));
  expect_floats (net, y1, SHAPE (3, 1), FLOATS (2, 4, 6));
}

static void
test_gather_errors (void)
{
  {
    g_autoptr (Net) net = net_new ();
    int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (3, 2));
    int i = add_ints (net, "i", SHAPE (1), INTS (3));
    int y = add_value (net, "y");

    add_node (net, &cs_op_gather, "g", NULL, IDS (x, i), IDS (y));
    expect_error (net, CS_ERROR_INVALID, "g", "index 3 is outside [-3, 3)");
  }
  {
    g_autoptr (Net) net = net_new ();
    int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (3, 2));
    int i = add_input (net, "i", CS_DTYPE_INT64, SHAPE (1));
    int y = add_value (net, "y");

    add_node (net, &cs_op_gather, "g", NULL, IDS (x, i), IDS (y));
    expect_error (net, CS_ERROR_UNSUPPORTED, "g",
                  "the indices must be known at load time");
  }
}

static void
check_shape (int64_t start, int64_t end, CsShape out, const int64_t *want)
{
  g_autoptr (Net) net = net_new ();
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 3, 4, 5));
  int y = add_value (net, "y");
  CsShapeParams *params = g_new0 (CsShapeParams, 1);
  GError *error = NULL;

  *params = (CsShapeParams) { start, end };
  add_node (net, &cs_op_shape, "shape", params, IDS (x), IDS (y));
  g_assert_true (net_infer (net, &error));
  assert_shape (net, y, out);
  g_assert_cmpint (cs_graph_value (net->graph, y)->dtype, ==, CS_DTYPE_INT64);
  assert_ints (cs_graph_value (net->graph, y)->constant, want, out.dims[0]);
}

static void
test_shape (void)
{
  check_shape (0, G_MAXINT64, SHAPE (4), INTS (2, 3, 4, 5));
  check_shape (1, -1, SHAPE (2), INTS (3, 4));
  check_shape (-10, 100, SHAPE (4), INTS (2, 3, 4, 5));
  check_shape (3, 1, SHAPE (0), NULL);
}

static void
test_identity (void)
{
  g_autoptr (Net) net = net_new ();
  int x = add_input (net, "x", CS_DTYPE_FLOAT32, SHAPE (2, 2));
  int y = add_value (net, "y"), mask = add_value (net, "mask");

  add_node (net, &cs_op_identity, "dropout", NULL, IDS (x), IDS (y, mask));
  expect_error (net, CS_ERROR_UNSUPPORTED, "dropout", "expected 1 output, got 2");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ops/activations", test_activations);
  g_test_add_func ("/ops/activations-pytorch", test_activations_pytorch);
  g_test_add_func ("/ops/hard-swish-blocks", test_hard_swish_blocks);
  g_test_add_func ("/ops/expand-chain-folds", test_expand_chain_folds);
  g_test_add_func ("/ops/layer-norm", test_layer_norm);
  g_test_add_func ("/ops/clip-inputs", test_clip_inputs);
  g_test_add_func ("/ops/clip-errors", test_clip_errors);
  g_test_add_func ("/ops/binary-float", test_binary_float);
  g_test_add_func ("/ops/binary-reference", test_binary_reference);
  g_test_add_func ("/ops/binary-threads", test_binary_threads);
  g_test_add_func ("/ops/binary-int64", test_binary_int64);
  g_test_add_func ("/ops/binary-errors", test_binary_errors);
  g_test_add_func ("/ops/pools", test_pools);
  g_test_add_func ("/ops/max-pool-planes", test_max_pool_planes);
  g_test_add_func ("/ops/pool-reference", test_pool_reference);
  g_test_add_func ("/ops/global-pools", test_global_pools);
  g_test_add_func ("/ops/pool-describe-and-errors", test_pool_describe_and_errors);
  g_test_add_func ("/ops/conv-transpose-reference", test_conv_transpose_reference);
  g_test_add_func ("/ops/resize-reference", test_resize_reference);
  g_test_add_func ("/ops/upsampling-describe", test_upsampling_describe);
  g_test_add_func ("/ops/reduce-mean", test_reduce_mean);
  g_test_add_func ("/ops/reduce-planes", test_reduce_planes);
  g_test_add_func ("/ops/reduce-noop-and-errors", test_reduce_noop_and_errors);
  g_test_add_func ("/ops/arg-extremes", test_arg_extremes);
  g_test_add_func ("/ops/batch-norm", test_batch_norm);
  g_test_add_func ("/ops/batch-norm-activation", test_batch_norm_activation);
  g_test_add_func ("/ops/batch-norm-errors", test_batch_norm_errors);
  g_test_add_func ("/ops/lrn", test_lrn);
  g_test_add_func ("/ops/lrn-planes", test_lrn_planes);
  g_test_add_func ("/ops/softmax", test_softmax);
  g_test_add_func ("/ops/shape-chain-folds", test_shape_chain_folds);
  g_test_add_func ("/ops/reshape", test_reshape);
  g_test_add_func ("/ops/reshape-errors", test_reshape_errors);
  g_test_add_func ("/ops/squeeze-unsqueeze-flatten", test_squeeze_unsqueeze_flatten);
  g_test_add_func ("/ops/squeeze-errors", test_squeeze_errors);
  g_test_add_func ("/ops/transpose", test_transpose);
  g_test_add_func ("/ops/transpose/threaded", test_transpose_threaded);
  g_test_add_func ("/ops/concat-split/threaded", test_concat_split_threaded);
  g_test_add_func ("/ops/transpose-errors", test_transpose_errors);
  g_test_add_func ("/ops/concat-split", test_concat_split);
  g_test_add_func ("/ops/concat-split-errors", test_concat_split_errors);
  g_test_add_func ("/ops/slice", test_slice);
  g_test_add_func ("/ops/slice-attributes-and-errors", test_slice_attributes_and_errors);
  g_test_add_func ("/ops/pad", test_pad);
  g_test_add_func ("/ops/pad-int64-and-errors", test_pad_int64_and_errors);
  g_test_add_func ("/ops/gather", test_gather);
  g_test_add_func ("/ops/gather-errors", test_gather_errors);
  g_test_add_func ("/ops/shape", test_shape);
  g_test_add_func ("/ops/identity", test_identity);
  return g_test_run ();
}
