/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-degenerate.c — zero-size, negative and overflowing dimensions in
 * graph inputs, initializers, shape arithmetic and every op family.  Each
 * tiny model, built in memory (onnx-fixture.h), must either fail to load
 * with one exact error or load and run on zeros with every layer tapped,
 * giving the right (possibly empty) result: never a signal.  The first
 * case is the shape that once killed `convscope bench` with SIGFPE in the
 * GEMM block chooser.  Last, every input that ever crashed a fuzz target
 * (tests/fuzz/regressions) is replayed as fuzz-run runs it and must give
 * the error listed for it.
 */
#include "convscope.h"
#include "onnx-fixture.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sys/sysinfo.h>

#define BIG (G_GINT64_CONSTANT (1) << 40)

static const char *const unary_io[] = { "X", NULL, "Y", NULL };
static const char *const binary_io[] = { "X", "C", NULL, "Y", NULL };

/* Loads @f's bytes; NULL with @error set on failure. */
static CsModel *
load_fixture (Fixture *f, GError **error)
{
  g_autoptr (GBytes) bytes = fixture_pack (f);
  gsize size;
  const void *data = g_bytes_get_data (bytes, &size);

  return cs_model_load_memory (data, size, "degenerate.onnx", NULL, error);
}

/* Loading @f must fail with @code and exactly @message after the file
 * name. */
static void
assert_refused (Fixture *f, CsErrorCode code, const char *message)
{
  g_autoptr (GError) error = NULL;
  CsModel *model = load_fixture (f, &error);
  g_autofree char *expected = g_strconcat ("degenerate.onnx: ", message, NULL);

  g_assert_null (model);
  g_assert_error (error, CS_ERROR, (gint) code);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_null (strchr (error->message, '\n'));
}

/* Loads @f, describes every layer and runs it once on an input of
 * @fill with every layer tapped; the caller frees the result. */
static CsResult *
load_and_run (Fixture *f, float fill)
{
  g_autoptr (GError) error = NULL;
  CsModel *model = load_fixture (f, &error);
  const CsTensor *declared;
  CsRunOptions options = { .tap_all = TRUE };
  CsSession *session;
  CsResult *result = NULL;

  g_assert_no_error (error);
  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    g_assert_nonnull (cs_model_layer (model, i)->name);
  declared = cs_model_input (model, 0);
  int64_t n = cs_shape_numel (&declared->shape);
  g_autofree float *values = g_new (float, MAX (n, 1));
  CsTensor input = { declared->name, CS_DTYPE_FLOAT32, declared->shape, values };
  for (int64_t i = 0; i < n; i++)
    values[i] = fill;
  session = cs_session_new (model, 2, &error);
  g_assert_no_error (error);
  g_assert_true (cs_session_run (session, &input, 1, &options, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result->n_taps, ==, cs_model_n_layers (model));
  cs_session_free (session);
  cs_model_free (model);
  return result;
}

/* A graph input X of @rank and @dims feeding @op (X, C) or (X) into Y. */
static Fixture *
op_fixture (const char *op, int rank, const int64_t *dims, gboolean with_constant,
            Onnx__NodeProto **node)
{
  Fixture *f = fixture_new (13);

  add_input (f, "X", rank, dims);
  *node = add_node (f, op, "op", with_constant ? binary_io : unary_io);
  add_output (f, "Y");
  return f;
}

/* ---- A graph input X and an initializer C into one op, refused at
 * load with one exact error ---- */

typedef struct
{
  const char *path;
  const char *op;
  int         x_rank;
  int64_t     x_dims[4];
  int         c_rank;
  int64_t     c_dims[4];
  size_t      c_bytes;   /* C's raw data, all @c_fill */
  float       c_fill;
  CsErrorCode code;
  const char *message;
} RefusedCase;

static const RefusedCase refused_cases[] = {
  /* X (1×0) · W (0×4): K = 0 reached the GEMM block size as a divisor. */
  { "/degenerate/input/matmul-empty", "MatMul",
    2, { 1, 0 }, 2, { 0, 4 }, 0, 0.0f,
    CS_ERROR_UNSUPPORTED,
    "node 'op' (MatMul): input 'X' is empty (1×0); only ops that move data "
    "take empty tensors" },
  /* Zero elements in total, but strides over the other dimensions would
   * still wrap. */
  { "/degenerate/initializer/empty-but-huge", "Add",
    2, { 1, 4 }, 3, { BIG, BIG, 0 }, 0, 0.0f,
    CS_ERROR_INVALID,
    "initializer 'C' is too large to hold in memory" },
  { "/degenerate/initializer/negative", "Add",
    2, { 1, 4 }, 1, { -4 }, 16, 1.0f,
    CS_ERROR_INVALID,
    "initializer 'C' has the negative dimension -4" },
  { "/degenerate/dense/gemm-empty-output", "Gemm",
    2, { 1, 3 }, 2, { 3, 0 }, 0, 0.0f,
    CS_ERROR_UNSUPPORTED,
    "node 'op' (Gemm): input 'C' is empty (3×0); only ops that move data "
    "take empty tensors" },
  { "/degenerate/dense/matmul-mismatch", "MatMul",
    2, { 1, 3 }, 2, { 0, 3 }, 0, 0.0f,
    CS_ERROR_INVALID,
    "node 'op' (MatMul): A has 3 columns but B has 0 rows" },
  { "/degenerate/window/conv-no-filters", "Conv",
    4, { 1, 1, 4, 4 }, 4, { 0, 1, 3, 3 }, 0, 0.0f,
    CS_ERROR_INVALID,
    "node 'op' (Conv): 1 input and 0 output channels do not split into 1 "
    "groups" },
  { "/degenerate/window/conv-empty-kernel", "Conv",
    4, { 1, 1, 4, 4 }, 4, { 1, 1, 0, 3 }, 0, 0.0f,
    CS_ERROR_INVALID,
    "node 'op' (Conv): kernel 0×3, stride 1×0, dilation 1×0: each must be "
    "between 1 and 65536" },
  { "/degenerate/window/conv-kernel-too-large", "Conv",
    4, { 1, 1, 2, 2 }, 4, { 1, 1, 3, 3 }, 9 * sizeof (float), 1.0f,
    CS_ERROR_INVALID,
    "node 'op' (Conv): a 3×3 window (dilation 1×1, padding 0,0,0,0) does "
    "not fit the 2×2 input" },
  { "/degenerate/elementwise/add-broadcast-to-empty", "Add",
    2, { 1, 1 }, 1, { 0 }, 0, 0.0f,
    CS_ERROR_UNSUPPORTED,
    "node 'op' (Add): input 'C' is empty (0); only ops that move data take "
    "empty tensors" },
};

static void
test_refused (gconstpointer data)
{
  const RefusedCase *c = data;
  Onnx__NodeProto *node;
  g_autoptr (Fixture) f = op_fixture (c->op, c->x_rank, c->x_dims, TRUE, &node);

  add_initializer (f, "C", c->c_rank, c->c_dims, c->c_bytes, c->c_fill);
  assert_refused (f, c->code, c->message);
}

/* ---- The ops of modern CNNs with hostile parameters, refused at load
 * with one exact error ---- */

typedef enum
{
  ATTR_NONE,
  ATTR_INT,
  ATTR_FLOAT,
  ATTR_INTS
} AttrKind;

typedef struct
{
  const char        *path;
  const char        *op;
  const char *const *io;        /* from X and C into Y */
  int                x_rank;
  int64_t            x_dims[4];
  int                c_rank;    /* -1: C holds the int64s below */
  int64_t            c_dims[4];
  int                n_ints;
  int64_t            ints[4];
  const char        *attr;
  AttrKind           attr_kind;
  double             attr_value;  /* ATTR_INTS: one value */
  CsErrorCode        code;
  const char        *message;
} HostileCase;

static const char *const x_c_c_io[] = { "X", "C", "C", NULL, "Y", NULL };
static const char *const c_io[] = { "C", NULL, "Y", NULL };

static const HostileCase hostile_cases[] = {
  { "/degenerate/normalize/layer-norm-epsilon-nan", "LayerNormalization", binary_io,
    2, { 1, 4 }, 1, { 4 }, 0, { 0 }, "epsilon", ATTR_FLOAT, NAN,
    CS_ERROR_INVALID,
    "node 'op' (LayerNormalization): epsilon nan is not a finite non-negative number" },
  { "/degenerate/normalize/layer-norm-axis", "LayerNormalization", binary_io,
    2, { 1, 4 }, 1, { 4 }, 0, { 0 }, "axis", ATTR_INT, 2,
    CS_ERROR_INVALID,
    "node 'op' (LayerNormalization): axis 2 is outside [-2, 2)" },
  { "/degenerate/normalize/layer-norm-scale", "LayerNormalization", binary_io,
    2, { 3, 4 }, 2, { 3, 4 }, 0, { 0 }, "axis", ATTR_INT, -1,
    CS_ERROR_INVALID,
    "node 'op' (LayerNormalization): the scale has shape 3×4, which does not "
    "broadcast to the normalized shape 4" },
  { "/degenerate/normalize/instance-norm-epsilon", "InstanceNormalization", x_c_c_io,
    4, { 1, 2, 2, 2 }, 1, { 2 }, 0, { 0 }, "epsilon", ATTR_FLOAT, -1,
    CS_ERROR_INVALID,
    "node 'op' (InstanceNormalization): epsilon -1 is not a finite non-negative number" },
  { "/degenerate/normalize/instance-norm-channels", "InstanceNormalization", x_c_c_io,
    4, { 1, 2, 2, 2 }, 1, { 3 }, 0, { 0 }, NULL, ATTR_NONE, 0,
    CS_ERROR_INVALID,
    "node 'op' (InstanceNormalization): the scale has 3 values for 2 channels" },
  { "/degenerate/elementwise/pow-no-broadcast", "Pow", binary_io,
    2, { 1, 3 }, 1, { 4 }, 0, { 0 }, NULL, ATTR_NONE, 0,
    CS_ERROR_INVALID,
    "node 'op' (Pow): cannot broadcast shapes 1×3 and 4" },
  { "/degenerate/elementwise/prelu-slope-wider", "PRelu", binary_io,
    2, { 1, 1 }, 2, { 1, 4 }, 0, { 0 }, NULL, ATTR_NONE, 0,
    CS_ERROR_INVALID,
    "node 'op' (PRelu): the slope's shape 1×4 does not broadcast to X's shape 1×1" },
  { "/degenerate/elementwise/max-no-broadcast", "Max", x_c_c_io,
    2, { 2, 3 }, 1, { 2 }, 0, { 0 }, NULL, ATTR_NONE, 0,
    CS_ERROR_INVALID,
    "node 'op' (Max): cannot broadcast shapes 2×3 and 2" },
  { "/degenerate/reduce/sum-axis-twice", "ReduceSum", binary_io,
    2, { 2, 3 }, -1, { 0 }, 2, { 1, -1 }, NULL, ATTR_NONE, 0,
    CS_ERROR_INVALID,
    "node 'op' (ReduceSum): axis 1 is given twice" },
  { "/degenerate/reduce/max-axis-outside", "ReduceMax", unary_io,
    2, { 2, 3 }, 0, { 0 }, 0, { 0 }, "axes", ATTR_INTS, -3,
    CS_ERROR_INVALID,
    "node 'op' (ReduceMax): axis -3 is outside [-2, 2)" },
  { "/degenerate/reduce/argmax-axis-outside", "ArgMax", unary_io,
    2, { 2, 3 }, 0, { 0 }, 0, { 0 }, "axis", ATTR_INT, 2,
    CS_ERROR_INVALID,
    "node 'op' (ArgMax): axis 2 is outside [-2, 2)" },
  { "/degenerate/reduce/argmin-empty-axis", "ArgMin", unary_io,
    2, { 2, 0 }, 0, { 0 }, 0, { 0 }, "axis", ATTR_INT, 1,
    CS_ERROR_INVALID,
    "node 'op' (ArgMin): axis 1 is empty: there is no extreme to find" },
  { "/degenerate/shape/expand-huge", "Expand", binary_io,
    2, { 1, 1 }, -1, { 0 }, 2, { BIG, BIG }, NULL, ATTR_NONE, 0,
    CS_ERROR_INVALID,
    "node 'op' (Expand): output 'Y' would be too large" },
  { "/degenerate/shape/expand-no-broadcast", "Expand", binary_io,
    2, { 1, 3 }, -1, { 0 }, 2, { 1, 4 }, NULL, ATTR_NONE, 0,
    CS_ERROR_INVALID,
    "node 'op' (Expand): cannot broadcast shapes 1×3 and 1×4" },
  { "/degenerate/shape/expand-negative", "Expand", binary_io,
    2, { 1, 1 }, -1, { 0 }, 2, { -5, 1 }, NULL, ATTR_NONE, 0,
    CS_ERROR_INVALID,
    "node 'op' (Expand): output 'Y' would have negative dimension -5" },
  { "/degenerate/shape/expand-float-shape", "Expand", binary_io,
    2, { 1, 1 }, 1, { 2 }, 0, { 0 }, NULL, ATTR_NONE, 0,
    CS_ERROR_INVALID,
    "node 'op' (Expand): the target shape must be a 1-D int64 tensor" },
  { "/degenerate/shape/constant-of-shape-negative", "ConstantOfShape", c_io,
    2, { 1, 1 }, -1, { 0 }, 2, { -3, 2 }, NULL, ATTR_NONE, 0,
    CS_ERROR_INVALID,
    "node 'op' (ConstantOfShape): output 'Y' would have negative dimension -3" },
  { "/degenerate/shape/constant-of-shape-huge", "ConstantOfShape", c_io,
    2, { 1, 1 }, -1, { 0 }, 3, { BIG, BIG, BIG }, NULL, ATTR_NONE, 0,
    CS_ERROR_INVALID,
    "node 'op' (ConstantOfShape): output 'Y' would be too large" },
  { "/degenerate/shape/constant-of-shape-fold-budget", "ConstantOfShape", c_io,
    2, { 1, 1 }, -1, { 0 }, 2, { 1 << 18, 1 << 10 }, NULL, ATTR_NONE, 0,
    CS_ERROR_UNSUPPORTED,
    "node 'op' (ConstantOfShape): folding it at load would take 1024.0 MiB, more "
    "than the 64.0 MiB this model may still fold" },
  { "/degenerate/shape/where-float-condition", "Where", x_c_c_io,
    2, { 1, 2 }, 1, { 2 }, 0, { 0 }, NULL, ATTR_NONE, 0,
    CS_ERROR_UNSUPPORTED,
    "node 'op' (Where): the condition 'X' must come from a comparison folded at load" },
  { "/degenerate/shape/cast-computed", "Cast", unary_io,
    2, { 1, 2 }, 0, { 0 }, 0, { 0 }, "to", ATTR_INT, 7,
    CS_ERROR_UNSUPPORTED,
    "node 'op' (Cast): casting the computed 'X' to another type is not supported; "
    "only values known at load are" },
  { "/degenerate/shape/cast-to-double", "Cast", unary_io,
    2, { 1, 2 }, 0, { 0 }, 0, { 0 }, "to", ATTR_INT, 11,
    CS_ERROR_UNSUPPORTED,
    "node 'op' (Cast): casting to data type DOUBLE is not supported; only to FLOAT "
    "and INT64" },
};

static void
test_hostile (gconstpointer data)
{
  const HostileCase *c = data;
  g_autoptr (Fixture) f = fixture_new (13);
  Onnx__NodeProto *node;

  add_input (f, "X", c->x_rank, c->x_dims);
  if (c->c_rank < 0)
    add_int64_initializer (f, "C", c->ints, (size_t) c->n_ints, FALSE);
  else if (c->c_rank > 0)
    {
      int64_t numel = 1;

      for (int d = 0; d < c->c_rank; d++)
        numel *= c->c_dims[d];
      add_initializer (f, "C", c->c_rank, c->c_dims, (size_t) numel * sizeof (float), 1.0f);
    }
  node = add_node (f, c->op, "op", c->io);
  add_output (f, "Y");
  switch (c->attr_kind)
    {
    case ATTR_NONE:
      break;
    case ATTR_INT:
      add_int (f, node, c->attr, (int64_t) c->attr_value);
      break;
    case ATTR_FLOAT:
      add_float (f, node, c->attr, (float) c->attr_value);
      break;
    case ATTR_INTS:
      add_ints (f, node, c->attr, 1, (const int64_t[]) { (int64_t) c->attr_value });
      break;
    }
  assert_refused (f, c->code, c->message);
}

/* ---- Graph inputs ---- */

static void
test_input_overflow (void)
{
  static const int64_t dims[] = { BIG, BIG, 1, 1 };
  Onnx__NodeProto *node;
  g_autoptr (Fixture) f = op_fixture ("Relu", 4, dims, FALSE, &node);

  assert_refused (f, CS_ERROR_INVALID, "graph input 'X' is too large to hold in memory");
}

/* ---- Windows: pooling ---- */

static void
test_pool_window_larger_than_input (void)
{
  static const int64_t x_dims[] = { 1, 1, 2, 2 }, kernel[] = { 5, 5 };
  Onnx__NodeProto *node;
  g_autoptr (Fixture) f = op_fixture ("MaxPool", 4, x_dims, FALSE, &node);

  add_ints (f, node, "kernel_shape", 2, kernel);
  assert_refused (f, CS_ERROR_INVALID,
                  "node 'op' (MaxPool): a 5×5 window (dilation 1×1, padding 0,0,0,0) "
                  "does not fit the 2×2 input");
}

static void
test_pool_huge_stride (void)
{
  static const int64_t x_dims[] = { 1, 1, 3, 3 }, kernel[] = { 1, 1 },
                       strides[] = { G_MAXINT64, G_MAXINT64 };
  Onnx__NodeProto *node;
  g_autoptr (Fixture) f = op_fixture ("AveragePool", 4, x_dims, FALSE, &node);

  add_ints (f, node, "kernel_shape", 2, kernel);
  add_ints (f, node, "strides", 2, strides);
  assert_refused (f, CS_ERROR_INVALID,
                  "node 'op' (AveragePool): attribute 'strides' is "
                  "9223372036854775807; it must be at least 1");
}

/* ---- Gated activations: x·σ(x) and x·HardSigmoid(x) made one ---- */

/* X → @gate (with an alpha attribute of *@alpha unless NULL) →
 * Mul (X, gate) → Y, @x_dims 4-D. */
static Fixture *
gated_fixture (const char *gate, const float *alpha, const int64_t *x_dims)
{
  static const char *const gate_io[] = { "X", NULL, "G", NULL };
  static const char *const mul_io[] = { "X", "G", NULL, "Y", NULL };
  Fixture                 *f = fixture_new (13);
  Onnx__NodeProto         *node;

  add_input (f, "X", 4, x_dims);
  node = add_node (f, gate, "gate", gate_io);
  if (alpha != NULL)
    add_float (f, node, "alpha", *alpha);
  add_node (f, "Mul", "op", mul_io);
  add_output (f, "Y");
  return f;
}

/* The ops of @f's layers, joined by spaces. */
static char *
fixture_layer_ops (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  CsModel *model = load_fixture (f, &error);
  GString *ops = g_string_new (NULL);

  g_assert_no_error (error);
  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    g_string_append_printf (ops, "%s%s", i > 0 ? " " : "", cs_model_layer (model, i)->op);
  cs_model_free (model);
  return g_string_free (ops, FALSE);
}

/* x·gate(x) of an empty X is refused with the gate's one error before
 * any fusion, as the gate alone would be. */
static void
test_gated_activation_empty (void)
{
  static const int64_t x_dims[] = { 1, 3, 0, 4 };
  static const float   sixth = 1.0f / 6.0f;

  g_autoptr (Fixture) sigmoid = gated_fixture ("Sigmoid", NULL, x_dims);
  assert_refused (sigmoid, CS_ERROR_UNSUPPORTED,
                  "node 'gate' (Sigmoid): input 'X' is empty (1×3×0×4); only ops that move "
                  "data take empty tensors");
  g_autoptr (Fixture) hard = gated_fixture ("HardSigmoid", &sixth, x_dims);
  assert_refused (hard, CS_ERROR_UNSUPPORTED,
                  "node 'gate' (HardSigmoid): input 'X' is empty (1×3×0×4); only ops that "
                  "move data take empty tensors");
}

/* Without a convolution before it, x·HardSigmoid(x) with α = 1/6 is one
 * HardSwish layer of its own: 0, 2/3 and 4 on −3, 1 and 4. */
static void
test_gated_activation_alone (void)
{
  static const int64_t x_dims[] = { 1, 1, 1, 3 };
  static const float   sixth = 1.0f / 6.0f;
  static const float   x[] = { -3.0f, 1.0f, 4.0f }, want[] = { 0.0f, 2.0f / 3.0f, 4.0f };
  g_autoptr (Fixture) f = gated_fixture ("HardSigmoid", &sixth, x_dims);
  g_autofree char *ops = fixture_layer_ops (f);
  g_autoptr (GError) error = NULL;
  CsModel        *model = load_fixture (f, &error);
  const CsTensor *declared = cs_model_input (model, 0);
  CsTensor        input = { declared->name, CS_DTYPE_FLOAT32, declared->shape, (float *) x };
  CsSession      *session = cs_session_new (model, 1, &error);
  g_autoptr (CsResult) result = NULL;

  g_assert_cmpstr (ops, ==, "HardSwish");
  g_assert_true (cs_session_run (session, &input, 1, NULL, &result, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (((const float *) result->outputs[0].data)[i], want[i], 1e-6);
  cs_session_free (session);
  cs_model_free (model);
}

/* A HardSigmoid whose α is NaN is no HardSwish: it stays apart, and on
 * ones its NaN clips to 0, where a HardSwish would give 2/3. */
static void
test_gated_activation_nan_alpha (void)
{
  static const int64_t x_dims[] = { 1, 2, 2, 2 };
  static const float   nan_alpha = NAN;
  g_autoptr (Fixture) f = gated_fixture ("HardSigmoid", &nan_alpha, x_dims);
  g_autoptr (CsResult) result = NULL;
  g_autofree char *ops = fixture_layer_ops (f);

  g_assert_cmpstr (ops, ==, "HardSigmoid Mul");
  result = load_and_run (f, 1.0f);
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat (((const float *) result->outputs[0].data)[i], ==, 0.0f);
}

/* ---- Shape arithmetic: Reshape, Slice, Gather, Concat, Split, Pad ---- */

/* An empty input reshaped keeps its zero (allowzero) and comes out empty. */
static void
test_reshape_empty_input (void)
{
  static const int64_t x_dims[] = { 0, 3, 4 }, target[] = { 3, 4, 0 };
  Onnx__NodeProto *node;
  g_autoptr (Fixture) f = op_fixture ("Reshape", 3, x_dims, TRUE, &node);
  g_autoptr (CsResult) result = NULL;

  add_int64_initializer (f, "C", target, 3, FALSE);
  add_int (f, node, "allowzero", 1);
  result = load_and_run (f, 1.0f);
  g_assert_cmpint (result->outputs[0].shape.rank, ==, 3);
  g_assert_cmpint (result->outputs[0].shape.dims[2], ==, 0);
}

/* The -1 would be 4 / 0. */
static void
test_reshape_infer_from_zero (void)
{
  static const int64_t x_dims[] = { 1, 4 }, target[] = { -1, 0 };
  Onnx__NodeProto *node;
  g_autoptr (Fixture) f = op_fixture ("Reshape", 2, x_dims, TRUE, &node);

  add_int64_initializer (f, "C", target, 2, FALSE);
  add_int (f, node, "allowzero", 1);
  assert_refused (f, CS_ERROR_INVALID,
                  "node 'op' (Reshape): cannot infer the -1 dimension reshaping 1×4");
}

static void
test_reshape_overflow (void)
{
  static const int64_t x_dims[] = { 1, 4 }, target[] = { BIG, BIG, BIG };
  Onnx__NodeProto *node;
  g_autoptr (Fixture) f = op_fixture ("Reshape", 2, x_dims, TRUE, &node);

  add_int64_initializer (f, "C", target, 3, FALSE);
  assert_refused (f, CS_ERROR_INVALID,
                  "node 'op' (Reshape): the target shape is too large");
}

static void
test_slice_empty (void)
{
  static const int64_t x_dims[] = { 1, 4 }, at[] = { 2 }, axes[] = { 1 };
  static const char *const io[] = { "X", "S", "E", "A", NULL, "Y", NULL };
  g_autoptr (Fixture) f = fixture_new (13);
  g_autoptr (CsResult) result = NULL;

  add_input (f, "X", 2, x_dims);
  add_int64_initializer (f, "S", at, 1, FALSE);
  add_int64_initializer (f, "E", at, 1, FALSE);
  add_int64_initializer (f, "A", axes, 1, FALSE);
  add_node (f, "Slice", "op", io);
  add_output (f, "Y");
  result = load_and_run (f, 1.0f);
  g_assert_cmpint (result->outputs[0].shape.rank, ==, 2);
  g_assert_cmpint (result->outputs[0].shape.dims[1], ==, 0);
}

/* What an empty slice feeds must take empty tensors, or refuse it. */
static void
test_softmax_after_empty_slice (void)
{
  static const int64_t x_dims[] = { 1, 1, 4, 4 }, at[] = { 2 }, axes[] = { 2 };
  static const char *const slice_io[] = { "X", "S", "E", "A", NULL, "T", NULL };
  static const char *const softmax_io[] = { "T", NULL, "Y", NULL };
  g_autoptr (Fixture) f = fixture_new (13);

  add_input (f, "X", 4, x_dims);
  add_int64_initializer (f, "S", at, 1, FALSE);
  add_int64_initializer (f, "E", at, 1, FALSE);
  add_int64_initializer (f, "A", axes, 1, FALSE);
  add_node (f, "Slice", "slice", slice_io);
  add_node (f, "Softmax", "op", softmax_io);
  add_output (f, "Y");
  assert_refused (f, CS_ERROR_UNSUPPORTED,
                  "node 'op' (Softmax): input 'T' is empty (1×1×0×4); only ops that "
                  "move data take empty tensors");
}

/* The extreme starts, ends and steps clamp to the whole axis, reversed. */
static void
test_slice_extremes (void)
{
  static const int64_t x_dims[] = { 1, 4 }, starts[] = { G_MAXINT64 },
                       ends[] = { G_MININT64 }, axes[] = { -1 }, steps[] = { G_MININT64 };
  static const char *const io[] = { "X", "S", "E", "A", "T", NULL, "Y", NULL };
  g_autoptr (Fixture) f = fixture_new (13);
  g_autoptr (CsResult) result = NULL;

  add_input (f, "X", 2, x_dims);
  add_int64_initializer (f, "S", starts, 1, FALSE);
  add_int64_initializer (f, "E", ends, 1, FALSE);
  add_int64_initializer (f, "A", axes, 1, FALSE);
  add_int64_initializer (f, "T", steps, 1, FALSE);
  add_node (f, "Slice", "op", io);
  add_output (f, "Y");
  result = load_and_run (f, 2.0f);
  g_assert_cmpint (result->outputs[0].shape.rank, ==, 2);
  g_assert_cmpint (result->outputs[0].shape.dims[1], ==, 1);
  g_assert_cmpfloat (((float *) result->outputs[0].data)[0], ==, 2.0f);
}

static void
test_gather_no_indices (void)
{
  static const int64_t x_dims[] = { 1, 4 };
  Onnx__NodeProto *node;
  g_autoptr (Fixture) f = op_fixture ("Gather", 2, x_dims, TRUE, &node);
  g_autoptr (CsResult) result = NULL;

  add_int64_initializer (f, "C", NULL, 0, FALSE);
  add_int (f, node, "axis", 1);
  result = load_and_run (f, 1.0f);
  g_assert_cmpint (result->outputs[0].shape.rank, ==, 2);
  g_assert_cmpint (result->outputs[0].shape.dims[1], ==, 0);
}

static void
test_gather_out_of_range (void)
{
  static const int64_t x_dims[] = { 1, 4 }, index[] = { G_MININT64 };
  Onnx__NodeProto *node;
  g_autoptr (Fixture) f = op_fixture ("Gather", 2, x_dims, TRUE, &node);

  add_int64_initializer (f, "C", index, 1, FALSE);
  add_int (f, node, "axis", 1);
  assert_refused (f, CS_ERROR_INVALID,
                  "node 'op' (Gather): index -9223372036854775808 is outside [-4, 4)");
}

/* An empty constant joined to the input: the input comes out unchanged. */
static void
test_concat_empty_piece (void)
{
  static const int64_t x_dims[] = { 1, 4 }, c_dims[] = { 1, 0 };
  Onnx__NodeProto *node;
  g_autoptr (Fixture) f = op_fixture ("Concat", 2, x_dims, TRUE, &node);
  g_autoptr (CsResult) result = NULL;

  add_initializer (f, "C", 2, c_dims, 0, 0.0f);
  add_int (f, node, "axis", 1);
  result = load_and_run (f, 3.0f);
  g_assert_cmpint (cs_shape_numel (&result->outputs[0].shape), ==, 4);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat (((float *) result->outputs[0].data)[i], ==, 3.0f);
}

/* The empty part is an output too, tapped with the layer. */
static void
test_split_empty_part (void)
{
  static const int64_t x_dims[] = { 1, 4 }, sizes[] = { 0, 4 };
  static const char *const io[] = { "X", "S", NULL, "Y0", "Y", NULL };
  g_autoptr (Fixture) f = fixture_new (13);
  g_autoptr (CsResult) result = NULL;
  Onnx__NodeProto *node;

  add_input (f, "X", 2, x_dims);
  add_int64_initializer (f, "S", sizes, 2, FALSE);
  node = add_node (f, "Split", "op", io);
  add_int (f, node, "axis", 1);
  add_output (f, "Y0");
  add_output (f, "Y");
  result = load_and_run (f, 6.0f);
  g_assert_cmpint (cs_shape_numel (&result->outputs[0].shape), ==, 0);
  g_assert_cmpint (cs_shape_numel (&result->outputs[1].shape), ==, 4);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat (((float *) result->outputs[1].data)[i], ==, 6.0f);
}

static void
test_pad_overflow (void)
{
  static const int64_t x_dims[] = { 1, 4 }, pads[] = { 0, G_MAXINT64, 0, G_MAXINT64 };
  Onnx__NodeProto *node;
  g_autoptr (Fixture) f = op_fixture ("Pad", 2, x_dims, TRUE, &node);

  add_int64_initializer (f, "C", pads, 4, FALSE);
  assert_refused (f, CS_ERROR_INVALID,
                  "node 'op' (Pad): the pads for axis 1 are out of range");
}

static void
test_pad_negative (void)
{
  static const int64_t x_dims[] = { 1, 4 }, pads[] = { 0, -3, 0, -3 };
  Onnx__NodeProto *node;
  g_autoptr (Fixture) f = op_fixture ("Pad", 2, x_dims, TRUE, &node);

  add_int64_initializer (f, "C", pads, 4, FALSE);
  assert_refused (f, CS_ERROR_INVALID,
                  "node 'op' (Pad): the pads for axis 1 crop more than its 4 elements");
}

/* 108 bytes of file must not make the loader allocate 2 GiB: what the
 * folding of constants may create is bounded by the model's own weights. */
static void
test_pad_fold_too_large (void)
{
  static const int64_t x_dims[] = { 1, 4 }, c_dims[] = { 1, 1 },
                       pads[] = { 0, 0, 0, 1 << 29 };
  static const char *const io[] = { "C", "P", NULL, "Y", NULL };
  g_autoptr (Fixture) f = fixture_new (13);

  add_input (f, "X", 2, x_dims);
  add_initializer (f, "C", 2, c_dims, sizeof (float), 1.0f);
  add_int64_initializer (f, "P", pads, 4, FALSE);
  add_node (f, "Pad", "op", io);
  add_output (f, "Y");
  assert_refused (f, CS_ERROR_UNSUPPORTED,
                  "node 'op' (Pad): folding it at load would take 2048.0 MiB, more than "
                  "the 64.0 MiB this model may still fold");
}

/* ---- Elementwise and reductions ---- */

/* Integer division by zero and INT64_MIN / -1 in folded shape arithmetic
 * have defined answers (0 and INT64_MIN), which the Reshape refuses. */
static void
test_int64_division (void)
{
  static const int64_t x_dims[] = { 1, 4 }, num[] = { G_MININT64, 7 }, den[] = { -1, 0 };
  static const char *const div_io[] = { "N", "D", NULL, "Q", NULL };
  static const char *const reshape_io[] = { "X", "Q", NULL, "Y", NULL };
  g_autoptr (Fixture) f = fixture_new (13);

  add_input (f, "X", 2, x_dims);
  add_int64_initializer (f, "N", num, 2, FALSE);
  add_int64_initializer (f, "D", den, 2, FALSE);
  add_node (f, "Div", "div", div_io);
  add_node (f, "Reshape", "op", reshape_io);
  add_output (f, "Y");
  assert_refused (f, CS_ERROR_INVALID,
                  "node 'op' (Reshape): target dimension -9223372036854775808 "
                  "is negative");
}

static void
test_reduce_mean_of_everything (void)
{
  static const int64_t x_dims[] = { 1, 2, 2 };
  Onnx__NodeProto *node;
  g_autoptr (Fixture) f = op_fixture ("ReduceMean", 3, x_dims, FALSE, &node);
  g_autoptr (CsResult) result = NULL;

  add_int (f, node, "keepdims", 0);
  result = load_and_run (f, 5.0f);
  g_assert_cmpint (result->outputs[0].shape.rank, ==, 0);
  g_assert_cmpfloat (((float *) result->outputs[0].data)[0], ==, 5.0f);
}

/* A convolution of constants costlier than folding allows (64 maps of
 * 64×64 from 16 channels, 37.7 million multiply-accumulates) is not
 * computed at load, where a hostile file could make loading take
 * minutes: it stays a layer and gives the same values when run. */
static void
test_costly_constant_conv_not_folded (void)
{
  static const int64_t x_dims[] = { 1, 16, 64, 64 }, w_dims[] = { 64, 16, 3, 3 };
  static const int64_t y_dims[] = { 1, 64, 64, 64 }, pads[] = { 1, 1, 1, 1 };
  static const char *const conv_io[] = { "C", "W", NULL, "Z", NULL };
  static const char *const add_io[] = { "Z", "Y", NULL, "out", NULL };
  g_autoptr (Fixture) f = fixture_new (13);
  g_autoptr (CsResult) result = NULL;
  Onnx__NodeProto *conv;
  const float *out;

  add_input (f, "Y", 4, y_dims);
  add_initializer (f, "C", 4, x_dims, 4 * 16 * 64 * 64, 1.0f);
  add_initializer (f, "W", 4, w_dims, 4 * 64 * 16 * 9, 1.0f);
  conv = add_node (f, "Conv", "conv", conv_io);
  add_ints (f, conv, "pads", 4, pads);
  add_node (f, "Add", "add", add_io);
  add_output (f, "out");
  result = load_and_run (f, 0.0f);
  /* Both the conv and the add are layers; the taps come first. */
  g_assert_cmpuint (result->n_taps, ==, 2);
  g_assert_cmpstr (result->taps[0].name, ==, "conv");
  out = result->outputs[0].data;
  /* A corner sees 2×2 of the 3×3 window in 16 channels; the middle all. */
  g_assert_cmpfloat (out[0], ==, 4.0f * 16);
  g_assert_cmpfloat (out[32 * 64 + 32], ==, 9.0f * 16);
}

/* ---- Runs whose memory cannot be had ---- */

/* AddressSanitizer aborts on a failed allocation unless told to return
 * NULL as the C library does; the refused allocations below need that. */
const char *__asan_default_options (void);
const char *
__asan_default_options (void)
{
  return "allocator_may_return_null=1";
}

/* Enough 4 GiB outputs, tapped at once, that their one block for the
 * taps is twice the memory and swap of this machine: the run must fail
 * with an error, not abort.  Nothing is written before the taps are had. */
static void
test_taps_too_large (void)
{
  static const int64_t x_dims[] = { 1, 1 };
  static const int64_t pads[] = { 0, 0, 0, (G_GINT64_CONSTANT (1) << 30) - 1 };
  const guint64 output_bytes = G_GUINT64_CONSTANT (1) << 32;
  g_autoptr (Fixture) f = fixture_new (13);
  g_autoptr (GError) error = NULL;
  g_autoptr (CsModel) model = NULL;
  g_autoptr (CsSession) session = NULL;
  g_autofree char *overcommit = NULL;
  g_autofree char *expected = NULL;
  CsResult *result = NULL;
  CsRunOptions options = { .tap_all = TRUE };
  float value = 1.0f;
  CsTensor input = { "X", CS_DTYPE_FLOAT32, { 2, { 1, 1 } }, &value };
  struct sysinfo memory;
  guint64 n_outputs;

  if (g_file_get_contents ("/proc/sys/vm/overcommit_memory", &overcommit, NULL, NULL)
      && overcommit[0] == '1')
    {
      g_test_skip ("this kernel grants every allocation (vm.overcommit_memory = 1)");
      return;
    }
  g_assert_cmpint (sysinfo (&memory), ==, 0);
  n_outputs = 2 * ((guint64) memory.totalram + memory.totalswap) * memory.mem_unit / output_bytes + 1;
  if (n_outputs > 64)
    {
      g_test_skip ("this machine has more than 128 GiB of memory and swap");
      return;
    }
  add_input (f, "X", 2, x_dims);
  add_int64_initializer (f, "P", pads, 4, FALSE);
  for (guint64 i = 0; i < n_outputs; i++)
    {
      char *name = keep (f, g_strdup_printf ("pad%" G_GUINT64_FORMAT, i));
      char *output = keep (f, g_strdup_printf ("Y%" G_GUINT64_FORMAT, i));
      const char *io[] = { "X", "P", NULL, output, NULL };

      add_node (f, "Pad", name, io);
      add_output (f, output);
    }
  model = load_fixture (f, &error);
  g_assert_no_error (error);
  session = cs_session_new (model, 1, &error);
  g_assert_no_error (error);
  g_assert_false (cs_session_run (session, &input, 1, &options, &result, &error));
  g_assert_null (result);
  g_assert_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED);
  expected = g_strdup_printf ("degenerate.onnx: the tapped layers need %.1f MiB, more than "
                              "can be allocated", n_outputs * 4096.0);
  g_assert_cmpstr (error->message, ==, expected);
}

/* ---- Inputs that crashed a fuzz target ---- */

typedef struct
{
  const char *file;
  const char *error;   /* after the file's path; NULL: loads and runs */
} Regression;

static const Regression regressions[] = {
  { "matmul-k0.onnx",
    "node 'm' (MatMul): input 'X' is empty (1×0); only ops that move data take "
    "empty tensors" },
};

static void
test_fuzz_regression (gconstpointer data)
{
  const Regression *regression = data;
  g_autofree char *path = g_build_filename (CONVSCOPE_FUZZ_REGRESSIONS, regression->file, NULL);
  g_autofree char *expected = g_strconcat (path, ": ", regression->error, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CsModel) model = cs_model_load_file (path, NULL, &error);

  if (regression->error != NULL)
    {
      g_assert_null (model);
      g_assert_nonnull (error);
      g_assert_true (error->domain == CS_ERROR);
      g_assert_cmpstr (error->message, ==, expected);
      return;
    }
  g_assert_no_error (error);
  size_t n_inputs = cs_model_n_inputs (model);
  g_autofree CsTensor *inputs = g_new0 (CsTensor, MAX (n_inputs, 1));
  CsRunOptions options = { .tap_all = TRUE };
  g_autoptr (CsSession) session = cs_session_new (model, 2, &error);
  g_autoptr (CsResult) result = NULL;

  g_assert_no_error (error);
  for (size_t i = 0; i < n_inputs; i++)
    {
      inputs[i] = *cs_model_input (model, i);
      inputs[i].data = g_malloc0 (MAX (cs_shape_numel (&inputs[i].shape), 1)
                                  * cs_dtype_size (inputs[i].dtype));
    }
  g_assert_true (cs_session_run (session, inputs, n_inputs, &options, &result, &error));
  g_assert_no_error (error);
  for (size_t i = 0; i < n_inputs; i++)
    g_free (inputs[i].data);
}

/* ---- Upsampling: Resize, Upsample, ConvTranspose ---- */

typedef struct
{
  const char *path;
  const char *op;
  int64_t     opset;
  int64_t     x_dims[4];
  /* Resize: @n_sizes sizes, or @n_scales scales all @scale. */
  int         n_sizes;
  int64_t     sizes[4];
  int         n_scales;
  float       scale;
  /* ConvTranspose: weights of ones. */
  int64_t     w_dims[4];
  int64_t     group;
  int64_t     stride;
  int64_t     output_padding;
  int64_t     output_shape;   /* both axes; 0: none */
  CsErrorCode code;
  const char *message;
} UpsamplingCase;

static const UpsamplingCase upsampling_cases[] = {
  { "/degenerate/resize/zero-scales", "Resize", 13, { 1, 1, 4, 4 },
    .n_scales = 4, .scale = 0.0f,
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (Resize): scale 0 for axis 0 must be positive" },
  { "/degenerate/resize/negative-scales", "Resize", 13, { 1, 1, 4, 4 },
    .n_scales = 4, .scale = -2.0f,
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (Resize): scale -2 for axis 0 must be positive" },
  { "/degenerate/resize/nan-scales", "Resize", 13, { 1, 1, 4, 4 },
    .n_scales = 4, .scale = NAN,
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (Resize): scale nan for axis 0 must be positive" },
  { "/degenerate/resize/huge-scales", "Resize", 13, { 1, 1, 4, 4 },
    .n_scales = 4, .scale = 1e30f,
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (Resize): axis 0 of 1 elements would become 1e+30" },
  { "/degenerate/resize/scales-of-wrong-rank", "Resize", 13, { 1, 1, 4, 4 },
    .n_scales = 2, .scale = 2.0f,
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (Resize): has 2 scales for 4 axes" },
  { "/degenerate/resize/sizes-of-wrong-rank", "Resize", 13, { 1, 1, 4, 4 },
    .n_sizes = 2, .sizes = { 8, 8 },
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (Resize): has 2 sizes for 4 axes" },
  { "/degenerate/resize/negative-sizes", "Resize", 13, { 1, 1, 4, 4 },
    .n_sizes = 4, .sizes = { 1, 1, -1, 4 },
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (Resize): cannot resize axis 2 of 4 elements to -1" },
  { "/degenerate/resize/overflowing-sizes", "Resize", 13, { 1, 1, 4, 4 },
    .n_sizes = 4, .sizes = { 1, 1, BIG, BIG },
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (Resize): axis 2 of 4 elements would become 1.09951e+12" },
  /* Each size fits, not their product (40 GB). */
  { "/degenerate/resize/too-large", "Resize", 13, { 1, 1, 4, 4 },
    .n_sizes = 4, .sizes = { 1, 1, 100000, 100000 },
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (Resize): output 'Y' would be too large" },
  { "/degenerate/resize/channels", "Resize", 13, { 1, 1, 4, 4 },
    .n_sizes = 4, .sizes = { 1, 3, 4, 4 },
    .code = CS_ERROR_UNSUPPORTED,
    .message = "node 'op' (Resize): resizing axis 1 is not supported; only the last two axes" },
  { "/degenerate/resize/nothing-to-go-by", "Resize", 13, { 1, 1, 4, 4 },
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (Resize): needs either scales or sizes" },
  { "/degenerate/upsample/no-scales", "Upsample", 7, { 1, 1, 4, 4 },
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (Upsample): attribute 'scales' is required" },
  { "/degenerate/conv-transpose/groups", "ConvTranspose", 13, { 1, 3, 4, 4 },
    .w_dims = { 3, 1, 3, 3 }, .group = 2,
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (ConvTranspose): the input has 3 channels; weights of shape 3×1×… "
               "in 2 groups expect 3, a multiple of the groups" },
  { "/degenerate/conv-transpose/channels", "ConvTranspose", 13, { 1, 2, 4, 4 },
    .w_dims = { 3, 1, 3, 3 },
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (ConvTranspose): the input has 2 channels; weights of shape 3×1×… "
               "in 1 groups expect 3, a multiple of the groups" },
  { "/degenerate/conv-transpose/output-shape", "ConvTranspose", 13, { 1, 1, 4, 4 },
    .w_dims = { 1, 1, 3, 3 }, .output_shape = 1000000,
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (ConvTranspose): a transposed 3×3 window (stride 1×1, padding "
               "0,0,0,0) cannot make the output_shape from the 4×4 input" },
  { "/degenerate/conv-transpose/output-padding", "ConvTranspose", 13, { 1, 1, 4, 4 },
    .w_dims = { 1, 1, 3, 3 }, .stride = 2, .output_padding = 2,
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (ConvTranspose): output_padding 2×2 must be below the stride 2×2 "
               "or the dilation 1×1" },
  { "/degenerate/conv-transpose/too-large", "ConvTranspose", 13, { 1, 1, 100, 100 },
    .w_dims = { 1, 1, 1, 1 }, .stride = 65536,
    .code = CS_ERROR_INVALID,
    .message = "node 'op' (ConvTranspose): output 'Y' would be too large" },
  { "/degenerate/conv-transpose/no-filters", "ConvTranspose", 13, { 1, 1, 4, 4 },
    .w_dims = { 1, 0, 3, 3 },
    .code = CS_ERROR_UNSUPPORTED,
    .message = "node 'op' (ConvTranspose): input 'W' is empty (1×0×3×3); only ops that move "
               "data take empty tensors" },
};

static void
test_upsampling (gconstpointer data)
{
  const UpsamplingCase *c = data;
  static const char *const sizes_io[] = { "X", "", "", "S", NULL, "Y", NULL };
  static const char *const scales_io[] = { "X", "", "S", NULL, "Y", NULL };
  static const char *const conv_io[] = { "X", "W", NULL, "Y", NULL };
  g_autoptr (Fixture) f = fixture_new (c->opset);
  const char *const *io = unary_io;
  Onnx__NodeProto *node;

  add_input (f, "X", 4, c->x_dims);
  if (c->n_sizes > 0)
    {
      add_int64_initializer (f, "S", c->sizes, c->n_sizes, FALSE);
      io = sizes_io;
    }
  else if (c->n_scales > 0)
    {
      const int64_t n = c->n_scales;

      add_initializer (f, "S", 1, &n, sizeof (float) * n, c->scale);
      io = scales_io;
    }
  else if (c->w_dims[0] > 0)
    {
      add_initializer (f, "W", 4, c->w_dims,
                       sizeof (float) * c->w_dims[0] * c->w_dims[1] * c->w_dims[2]
                         * c->w_dims[3], 1.0f);
      io = conv_io;
    }
  node = add_node (f, c->op, "op", io);
  add_output (f, "Y");
  if (c->group > 0)
    add_int (f, node, "group", c->group);
  if (c->stride > 0)
    add_ints (f, node, "strides", 2, (const int64_t[]) { c->stride, c->stride });
  if (c->output_padding > 0)
    add_ints (f, node, "output_padding", 2,
              (const int64_t[]) { c->output_padding, c->output_padding });
  if (c->output_shape > 0)
    add_ints (f, node, "output_shape", 2,
              (const int64_t[]) { c->output_shape, c->output_shape });
  assert_refused (f, c->code, c->message);
}

/* An antialiased cubic shrink to one pixel widens its kernel over the
 * whole input and still weighs it to the input's constant value. */
static void
test_resize_to_one_pixel (void)
{
  static const int64_t x_dims[] = { 1, 2, 5, 7 }, sizes[] = { 1, 2, 1, 1 };
  static const char *const io[] = { "X", "", "", "S", NULL, "Y", NULL };
  g_autoptr (Fixture) f = fixture_new (18);
  g_autoptr (CsResult) result = NULL;
  Onnx__NodeProto *node;

  add_input (f, "X", 4, x_dims);
  add_int64_initializer (f, "S", sizes, 4, FALSE);
  node = add_node (f, "Resize", "op", io);
  add_string (f, node, "mode", "cubic");
  add_int (f, node, "antialias", 1);
  add_output (f, "Y");
  result = load_and_run (f, 2.5f);
  g_assert_cmpint (cs_shape_numel (&result->outputs[0].shape), ==, 2);
  for (int i = 0; i < 2; i++)
    g_assert_cmpfloat_with_epsilon (((float *) result->outputs[0].data)[i], 2.5f, 1e-5f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (size_t i = 0; i < G_N_ELEMENTS (refused_cases); i++)
    g_test_add_data_func (refused_cases[i].path, &refused_cases[i], test_refused);
  for (size_t i = 0; i < G_N_ELEMENTS (hostile_cases); i++)
    g_test_add_data_func (hostile_cases[i].path, &hostile_cases[i], test_hostile);
  g_test_add_func ("/degenerate/input/overflow", test_input_overflow);
  g_test_add_func ("/degenerate/run/taps-too-large", test_taps_too_large);
  g_test_add_func ("/degenerate/fold/costly-conv-not-folded", test_costly_constant_conv_not_folded);
  g_test_add_func ("/degenerate/window/pool-too-large", test_pool_window_larger_than_input);
  g_test_add_func ("/degenerate/window/pool-huge-stride", test_pool_huge_stride);
  g_test_add_func ("/degenerate/shape/reshape-empty-input", test_reshape_empty_input);
  g_test_add_func ("/degenerate/shape/reshape-infer-from-zero", test_reshape_infer_from_zero);
  g_test_add_func ("/degenerate/shape/reshape-overflow", test_reshape_overflow);
  g_test_add_func ("/degenerate/shape/slice-empty", test_slice_empty);
  g_test_add_func ("/degenerate/shape/slice-extremes", test_slice_extremes);
  g_test_add_func ("/degenerate/shape/softmax-after-empty-slice",
                   test_softmax_after_empty_slice);
  g_test_add_func ("/degenerate/shape/gather-no-indices", test_gather_no_indices);
  g_test_add_func ("/degenerate/shape/gather-out-of-range", test_gather_out_of_range);
  g_test_add_func ("/degenerate/shape/concat-empty-piece", test_concat_empty_piece);
  g_test_add_func ("/degenerate/shape/split-empty-part", test_split_empty_part);
  g_test_add_func ("/degenerate/shape/pad-overflow", test_pad_overflow);
  g_test_add_func ("/degenerate/shape/pad-negative", test_pad_negative);
  g_test_add_func ("/degenerate/shape/pad-fold-too-large", test_pad_fold_too_large);
  g_test_add_func ("/degenerate/elementwise/int64-division", test_int64_division);
  g_test_add_func ("/degenerate/reduce/mean-of-everything", test_reduce_mean_of_everything);
  g_test_add_func ("/degenerate/elementwise/gated-activation-empty", test_gated_activation_empty);
  g_test_add_func ("/degenerate/elementwise/gated-activation-alone", test_gated_activation_alone);
  g_test_add_func ("/degenerate/elementwise/gated-activation-nan-alpha",
                   test_gated_activation_nan_alpha);
  for (size_t i = 0; i < G_N_ELEMENTS (upsampling_cases); i++)
    g_test_add_data_func (upsampling_cases[i].path, &upsampling_cases[i], test_upsampling);
  g_test_add_func ("/degenerate/resize/to-one-pixel", test_resize_to_one_pixel);
  for (size_t i = 0; i < G_N_ELEMENTS (regressions); i++)
    {
      g_autofree char *name = g_strconcat ("/degenerate/fuzz-regression/", regressions[i].file, NULL);

      g_test_add_data_func (name, &regressions[i], test_fuzz_regression);
    }
  return g_test_run ();
}
