/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * binary.c — the broadcasting elementwise ops: Add, Sub, Mul, Div, Pow,
 * PRelu and Equal on two operands, Max, Min, Sum and Mean on any number
 * (folded pairwise into the output), on float32 activations and on the
 * int64 shape arithmetic folded at load.  Equal writes int64 0 or 1, the
 * engine's stand-in for a boolean, which only folded shape arithmetic
 * reads (Where).
 *
 * Broadcasting is planned by collapsing the output's dimensions: unit
 * dimensions drop out and neighbours that both operands traverse alike
 * merge.  What remains has an innermost run along which each operand
 * either advances by one or stands still, which covers the common CNN
 * cases (same shape, a scalar, a per-channel 1×C×1×1 operand) with plain
 * vectorizable loops; any other pattern walks the outer dimensions.
 *
 * An Add of two operands of its output's shape (a residual connection)
 * also reads and writes the bytes a session holds a quantized model's
 * values as between layers, through floats a short run at a time.
 */
#include "op-common.h"

#include <math.h>

typedef enum
{
  BINARY_ADD,
  BINARY_SUB,
  BINARY_MUL,
  BINARY_DIV,
  BINARY_POW,
  BINARY_PRELU,
  BINARY_EQUAL,
  BINARY_MAX,
  BINARY_MIN
} BinaryOp;

typedef struct
{
  int     rank;                 /* at least 1 */
  int64_t dims[CS_MAX_RANK];
  int64_t a_strides[CS_MAX_RANK];
  int64_t b_strides[CS_MAX_RANK];
} Broadcast;

typedef struct
{
  BinaryOp            op;
  CsDType             dtype;    /* of the operands */
  Broadcast           plan;
  const void         *a;
  const void         *b;
  void               *y;
  float               scale;    /* applied to float results (Mean) */
  const CsActivation *act;      /* applied to float results, or NULL */
  CsScaleAdd          add;      /* the kernel of a float Add whose
                                 * activation @ep holds, else NULL */
  CsEpilogue          ep;
} BinaryTask;

static const struct
{
  const CsOpClass *klass;
  BinaryOp         op;
} binary_ops[] = {
  { &cs_op_add, BINARY_ADD },     { &cs_op_sub, BINARY_SUB },
  { &cs_op_mul, BINARY_MUL },     { &cs_op_div, BINARY_DIV },
  { &cs_op_pow, BINARY_POW },     { &cs_op_prelu, BINARY_PRELU },
  { &cs_op_equal, BINARY_EQUAL }, { &cs_op_max, BINARY_MAX },
  { &cs_op_min, BINARY_MIN },     { &cs_op_sum, BINARY_ADD },
  { &cs_op_mean, BINARY_ADD },
};

static BinaryOp
binary_op (const CsOpClass *klass)
{
  for (size_t i = 0; i < G_N_ELEMENTS (binary_ops); i++)
    if (binary_ops[i].klass == klass)
      return binary_ops[i].op;
  g_return_val_if_reached (BINARY_ADD);
}

/* Max, Min, Sum and Mean take one operand or more. */
static gboolean
is_variadic (const CsOpClass *klass)
{
  return klass == &cs_op_max || klass == &cs_op_min || klass == &cs_op_sum
         || klass == &cs_op_mean;
}

/* Pow's exponent may be an integer tensor under a float base; every
 * other op takes operands of one dtype. */
static gboolean
check_operand_types (const CsGraph *graph, const CsNode *node, GError **error)
{
  const CsValue *first = cs_node_input (graph, node, 0);

  for (int i = 1; i < node->n_inputs; i++)
    {
      const CsValue *other = cs_node_input (graph, node, i);

      if (other->dtype == first->dtype
          || (node->klass == &cs_op_pow && first->dtype == CS_DTYPE_FLOAT32))
        continue;
      return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                            "inputs '%s' and '%s' have different types",
                            first->name, other->name);
    }
  return TRUE;
}

static gboolean
binary_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const gboolean variadic = is_variadic (node->klass);
  const CsValue *a;
  CsShape out;

  if (!cs_op_check_arity (graph, node, variadic ? 1 : 2, variadic ? G_MAXINT : 2, 1, error))
    return FALSE;
  for (int i = 0; i < node->n_inputs; i++)
    if (node->inputs[i] < 0)
      return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                            "input %d is missing", i + 1);
  if (!check_operand_types (graph, node, error))
    return FALSE;
  a = cs_node_input (graph, node, 0);
  out = a->shape;
  for (int i = 1; i < node->n_inputs; i++)
    if (!cs_op_broadcast_shapes (graph, node, &out, &cs_node_input (graph, node, i)->shape,
                                 &out, error))
      return FALSE;
  /* PRelu's slope broadcasts to X, never X to the slope. */
  if (node->klass == &cs_op_prelu && !cs_shape_equal (&out, &a->shape))
    {
      g_autofree char *sx = cs_shape_to_string (&a->shape);
      g_autofree char *ss = cs_shape_to_string (&cs_node_input (graph, node, 1)->shape);

      return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                            "the slope's shape %s does not broadcast to X's shape %s", ss, sx);
    }
  return cs_op_set_output (graph, node, 0,
                           node->klass == &cs_op_equal ? CS_DTYPE_INT64 : a->dtype,
                           &out, error);
}

static void
broadcast_plan (const CsShape *a,
                const CsShape *b,
                const CsShape *out,
                Broadcast     *plan)
{
  int64_t a_strides[CS_MAX_RANK], b_strides[CS_MAX_RANK];
  int r = 0;

  cs_op_broadcast_strides (a, out, a_strides);
  cs_op_broadcast_strides (b, out, b_strides);
  for (int d = 0; d < out->rank; d++)
    {
      if (out->dims[d] == 1)
        continue;
      if (r > 0 && plan->a_strides[r - 1] == a_strides[d] * out->dims[d]
          && plan->b_strides[r - 1] == b_strides[d] * out->dims[d])
        {
          plan->dims[r - 1] *= out->dims[d];
          plan->a_strides[r - 1] = a_strides[d];
          plan->b_strides[r - 1] = b_strides[d];
          continue;
        }
      plan->dims[r] = out->dims[d];
      plan->a_strides[r] = a_strides[d];
      plan->b_strides[r] = b_strides[d];
      r++;
    }
  if (r == 0)
    {
      plan->dims[0] = 1;
      plan->a_strides[0] = 0;
      plan->b_strides[0] = 0;
      r = 1;
    }
  plan->rank = r;
}

/* One innermost run of @n outputs of type U from operands of type T;
 * each operand moves by one per output or is a single repeated value
 * (neither moves only in a one-element run). */
#define BINARY_ROW(T, U, EXPR)                                      \
  do                                                                \
    {                                                               \
      const T *pa = a, *pb = b;                                     \
      U *py = y;                                                    \
      if (a_moves && b_moves)                                       \
        for (int64_t i = 0; i < n; i++)                             \
          {                                                         \
            T l = pa[i], r = pb[i];                                 \
            py[i] = (EXPR);                                         \
          }                                                         \
      else if (a_moves)                                             \
        {                                                           \
          const T r = pb[0];                                        \
          for (int64_t i = 0; i < n; i++)                           \
            {                                                       \
              T l = pa[i];                                          \
              py[i] = (EXPR);                                       \
            }                                                       \
        }                                                           \
      else if (b_moves)                                             \
        {                                                           \
          const T l = pa[0];                                        \
          for (int64_t i = 0; i < n; i++)                           \
            {                                                       \
              T r = pb[i];                                          \
              py[i] = (EXPR);                                       \
            }                                                       \
        }                                                           \
      else if (n > 0)                                               \
        {                                                           \
          T l = pa[0], r = pb[0];                                   \
          py[0] = (EXPR);                                           \
        }                                                           \
    }                                                               \
  while (0)

/* Max and Min pass a NaN on, as NumPy's maximum and minimum do. */
static void
float_row (BinaryOp op, const void *a, gboolean a_moves, const void *b,
           gboolean b_moves, void *y, int64_t n)
{
  switch (op)
    {
    case BINARY_ADD: BINARY_ROW (float, float, l + r); break;
    case BINARY_SUB: BINARY_ROW (float, float, l - r); break;
    case BINARY_MUL: BINARY_ROW (float, float, l * r); break;
    case BINARY_DIV: BINARY_ROW (float, float, l / r); break;
    case BINARY_POW:
      /* A square (a variance: LayerNorm as exports before opset 17
       * spell it out) by one multiply, the exact square rounded once,
       * rather than powf's general path: ConvNeXt-Small's 52 ms of 302
       * on one thread (AVX2, Zen 3). */
      if (!b_moves && n > 0 && *(const float *) b == 2.0f)
        {
          const float *base = a;
          float       *square = y;

          for (int64_t i = 0; i < n; i++)
            square[i] = base[a_moves ? i : 0] * base[a_moves ? i : 0];
        }
      else
        BINARY_ROW (float, float, powf (l, r));
      break;
    case BINARY_PRELU: BINARY_ROW (float, float, l < 0.0f ? l * r : l); break;
    case BINARY_EQUAL: BINARY_ROW (float, int64_t, l == r); break;
    case BINARY_MAX: BINARY_ROW (float, float, l > r || isnan (l) ? l : r); break;
    case BINARY_MIN: BINARY_ROW (float, float, l < r || isnan (l) ? l : r); break;
    }
}

/* Truncating like C and ONNX; the cases C leaves undefined (hostile
 * constants) get a defined answer instead of a trap. */
static inline int64_t
int64_div (int64_t l, int64_t r)
{
  if (r == 0)
    return 0;
  if (r == -1)
    return (int64_t) (0 - (uint64_t) l);
  return l / r;
}

/* By squaring, wrapping around; a negative exponent truncates 1/l^−r. */
static inline int64_t
int64_pow (int64_t l, int64_t r)
{
  uint64_t result = 1, base = (uint64_t) l;

  if (r < 0)
    return l == 1 ? 1 : l == -1 ? ((r & 1) ? -1 : 1) : 0;
  for (; r > 0; r >>= 1, base *= base)
    if (r & 1)
      result *= base;
  return (int64_t) result;
}

/* Shape arithmetic wraps around on overflow rather than being undefined. */
static void
int64_row (BinaryOp op, const void *a, gboolean a_moves, const void *b,
           gboolean b_moves, void *y, int64_t n)
{
  switch (op)
    {
    case BINARY_ADD:
      BINARY_ROW (int64_t, int64_t, (int64_t) ((uint64_t) l + (uint64_t) r));
      break;
    case BINARY_SUB:
      BINARY_ROW (int64_t, int64_t, (int64_t) ((uint64_t) l - (uint64_t) r));
      break;
    case BINARY_MUL:
      BINARY_ROW (int64_t, int64_t, (int64_t) ((uint64_t) l * (uint64_t) r));
      break;
    case BINARY_DIV:
      BINARY_ROW (int64_t, int64_t, int64_div (l, r));
      break;
    case BINARY_POW:
      BINARY_ROW (int64_t, int64_t, int64_pow (l, r));
      break;
    case BINARY_PRELU:
      BINARY_ROW (int64_t, int64_t, l < 0 ? (int64_t) ((uint64_t) l * (uint64_t) r) : l);
      break;
    case BINARY_EQUAL:
      BINARY_ROW (int64_t, int64_t, l == r);
      break;
    case BINARY_MAX:
      BINARY_ROW (int64_t, int64_t, MAX (l, r));
      break;
    case BINARY_MIN:
      BINARY_ROW (int64_t, int64_t, MIN (l, r));
      break;
    }
}

/* Outputs per run at most, so that the scaling and the activation find
 * the run in L1: equal shapes make one row of the whole tensor, and an
 * Add → Relu of ResNet-50 went over its 3 MB output twice. */
#define FLOAT_RUN 2048

static void
binary_range (void *user, int64_t begin, int64_t end, int thread)
{
  const BinaryTask *task = user;
  const Broadcast *plan = &task->plan;
  const int inner = plan->rank - 1;
  const int64_t row_length = plan->dims[inner];
  const size_t elem = cs_dtype_size (task->dtype);
  const gboolean float_result = task->dtype == CS_DTYPE_FLOAT32 && task->op != BINARY_EQUAL;

  for (int64_t pos = begin; pos < end;)
    {
      int64_t row = pos / row_length, column = pos % row_length;
      int64_t n = MIN (MIN (row_length - column, end - pos), FLOAT_RUN);
      int64_t a_offset = column * plan->a_strides[inner];
      int64_t b_offset = column * plan->b_strides[inner];
      const char *a, *b;
      /* Every output here is 4 bytes (float) or 8 (int64, and Equal). */
      char *y = (char *) task->y + pos * (int64_t) (float_result ? sizeof (float) : sizeof (int64_t));

      for (int d = inner - 1; d >= 0; d--)
        {
          int64_t i = row % plan->dims[d];

          row /= plan->dims[d];
          a_offset += i * plan->a_strides[d];
          b_offset += i * plan->b_strides[d];
        }
      a = (const char *) task->a + a_offset * (int64_t) elem;
      b = (const char *) task->b + b_offset * (int64_t) elem;
      if (task->add != NULL && plan->a_strides[inner] != 0 && plan->b_strides[inner] != 0)
        {
          task->add ((const float *) a, (const float *) b, TRUE, (float *) y, n, &task->ep);
          pos += n;
          continue;
        }
      if (task->dtype == CS_DTYPE_INT64)
        int64_row (task->op, a, plan->a_strides[inner] != 0,
                   b, plan->b_strides[inner] != 0, y, n);
      else
        float_row (task->op, a, plan->a_strides[inner] != 0,
                   b, plan->b_strides[inner] != 0, y, n);
      /* While the run is still in cache. */
      if (float_result && task->scale != 1.0f)
        for (int64_t i = 0; i < n; i++)
          ((float *) y)[i] *= task->scale;
      if (float_result && task->act != NULL)
        cs_activation_apply (task->act, (float *) y, n);
      pos += n;
    }
}

/* An Add of two float operands of its output's shape, whose activation
 * ends on a grid of bytes when @grid is not NULL (then set to it): the
 * one that reads and writes bytes. */
static gboolean
adds_on_bytes (const CsGraph *graph, const CsNode *node, CsGrid *grid)
{
  const CsShape *y = &cs_node_output (graph, node, 0)->shape;

  if (node->klass != &cs_op_add || node->n_inputs != 2)
    return FALSE;
  for (int i = 0; i < 2; i++)
    if (cs_node_input (graph, node, i)->dtype != CS_DTYPE_FLOAT32
        || !cs_shape_equal (&cs_node_input (graph, node, i)->shape, y))
      return FALSE;
  return grid == NULL
         || (cs_activation_folded_grid (&node->act, grid) && cs_grid_fits_bytes (grid));
}

static gboolean
binary_writes_bytes (const CsGraph *graph, const CsNode *node, CsGrid *grid)
{
  return adds_on_bytes (graph, node, grid);
}

static gboolean
binary_reads_bytes (const CsGraph *graph, const CsNode *node, int i, const CsGrid *grid)
{
  return i < 2 && cs_grid_fits_bytes (grid) && adds_on_bytes (graph, node, NULL);
}

/* Floats per run of the Add on bytes: three such buffers stay in L1. */
#define BYTES_RUN 1024

typedef struct
{
  const void   *a, *b;
  void         *y;
  const CsGrid *a_grid, *b_grid, *y_grid;   /* NULL: floats */
  CsGrid        y_folded;
  const CsActivation *act;
} AddBytesTask;

/* Elements [@pos, @pos + @n) of an operand as floats: where it lies, or
 * the floats its bytes stand for in @buffer. */
static const float *
operand_floats (const void *data, const CsGrid *grid, int64_t pos, int64_t n, float *buffer)
{
  if (grid == NULL)
    return (const float *) data + pos;
  cs_kernels_get ()->grid_from_bytes ((const uint8_t *) data + pos, buffer, n, grid->scale,
                                      grid->low);
  return buffer;
}

/* The sums of the float run, then the activation, or the rounding of
 * its folded grid into bytes: the values binary_range gives. */
static void
add_bytes_range (void *user, int64_t begin, int64_t end, int thread)
{
  const AddBytesTask *task = user;
  float a_buffer[BYTES_RUN], b_buffer[BYTES_RUN], sums[BYTES_RUN];

  (void) thread;
  for (int64_t pos = begin; pos < end; pos += BYTES_RUN)
    {
      const int64_t n = MIN (BYTES_RUN, end - pos);
      const float *a = operand_floats (task->a, task->a_grid, pos, n, a_buffer);
      const float *b = operand_floats (task->b, task->b_grid, pos, n, b_buffer);
      float *y = task->y_grid != NULL ? sums : (float *) task->y + pos;

      for (int64_t i = 0; i < n; i++)
        y[i] = a[i] + b[i];
      if (task->y_grid != NULL)
        cs_kernels_get ()->grid_to_bytes (sums, (uint8_t *) task->y + pos, n,
                                          task->y_folded.scale, task->y_folded.low,
                                          task->y_folded.high);
      else if (task->act != NULL)
        cs_activation_apply (task->act, y, n);
    }
}

static void
add_bytes_run (const CsNode *node, CsExec *exec)
{
  AddBytesTask task = {
    exec->data[node->inputs[0]], exec->data[node->inputs[1]], exec->data[node->outputs[0]],
    cs_exec_bytes (exec, node->inputs[0]), cs_exec_bytes (exec, node->inputs[1]),
    cs_exec_bytes (exec, node->outputs[0]),
  };

  if (task.y_grid != NULL)
    g_return_if_fail (cs_activation_folded_grid (&node->act, &task.y_folded));
  if (cs_activation_is_set (&node->act))
    task.act = &node->act;
  cs_parallel_for (exec->pool, cs_shape_numel (&cs_node_output (exec->graph, node, 0)->shape),
                   16 * BYTES_RUN, add_bytes_range, &task);
}

/* A float copy of an int64 exponent; the caller frees it. */
static float *
float_exponent (const CsValue *value, const int64_t *data)
{
  int64_t n = cs_shape_numel (&value->shape);
  float *copy = g_new (float, MAX (n, 1));

  for (int64_t i = 0; i < n; i++)
    copy[i] = (float) data[i];
  return copy;
}

/* y = in₀ ⊕ in₁, then y = y ⊕ inₖ for each further operand, each step
 * broadcasting to the output's shape (y moves with itself, so the steps
 * work in place); Mean scales and the activation applies on the last. */
static void
binary_run (const CsNode *node, CsExec *exec)
{
  const CsValue *y = cs_node_output (exec->graph, node, 0);
  const CsValue *first = cs_node_input (exec->graph, node, 0);
  const int64_t n = cs_shape_numel (&y->shape);
  BinaryTask task = {
    .op = binary_op (node->klass),
    .dtype = first->dtype,
    .a = exec->data[node->inputs[0]],
    .y = exec->data[node->outputs[0]],
    .scale = 1.0f,
  };
  const CsShape *a_shape = &first->shape;

  if (node->n_inputs == 2
      && (cs_exec_bytes (exec, node->inputs[0]) != NULL
          || cs_exec_bytes (exec, node->inputs[1]) != NULL
          || cs_exec_bytes (exec, node->outputs[0]) != NULL))
    {
      add_bytes_run (node, exec);
      return;
    }
  if (node->n_inputs == 1)
    {
      cs_op_copy_input (node, exec);
      if (cs_activation_is_set (&node->act) && first->dtype == CS_DTYPE_FLOAT32)
        cs_activation_apply (&node->act, task.y, n);
      return;
    }
  for (int i = 1; i < node->n_inputs; i++)
    {
      const CsValue *b = cs_node_input (exec->graph, node, i);
      g_autofree float *exponent = NULL;
      const gboolean last = i == node->n_inputs - 1;

      task.b = exec->data[node->inputs[i]];
      if (b->dtype != task.dtype)
        task.b = exponent = float_exponent (b, task.b);
      if (last && node->klass == &cs_op_mean)
        task.scale = 1.0f / (float) node->n_inputs;
      if (last && cs_activation_is_set (&node->act))
        task.act = &node->act;
      /* Residual connections: a vector kernel, the activation in the
       * same pass (RegNet-X-3.2GF's 25 Adds and ReLUs, one thread: 640
       * → 395 µs; written over their input already, 919 before). */
      task.add = task.op == BINARY_ADD && task.dtype == CS_DTYPE_FLOAT32
                 && b->dtype == task.dtype && task.scale == 1.0f
                 && cs_epilogue_init (&task.ep, task.act, 1.0f, FALSE)
                 ? cs_kernels_get ()->scale_add : NULL;
      broadcast_plan (a_shape, &b->shape, &y->shape, &task.plan);
      cs_parallel_for (exec->pool, n, 16384, binary_range, &task);
      task.a = task.y;
      a_shape = &y->shape;
    }
}

/* A constant float operand is a learned parameter (a bias or a scale). */
static void
binary_describe (const CsGraph *graph, const CsNode *node, CsLayerInfo *info)
{
  for (int i = 0; i < node->n_inputs; i++)
    {
      const CsValue *input = cs_node_input (graph, node, i);

      if (input->constant != NULL && input->dtype == CS_DTYPE_FLOAT32)
        info->params += cs_shape_numel (&input->shape);
    }
}

/* An input broadcast along an axis reads its one row there. */
static gboolean
binary_footprint (const CsGraph *graph, const CsNode *node, int j, const CsRegion *out,
                  int i, CsRegion *in)
{
  const CsShape *x = &cs_node_input (graph, node, i)->shape;

  *in = *out;
  for (int axis = 1; axis < 4; axis++)
    if (x->dims[axis] == 1)
      in->lo[axis - 1] = in->hi[axis - 1] = 0;
  return TRUE;
}

/* The operand that gave output element (at): Max and Min fold pairwise
 * and keep the right operand on a tie, so the last extreme one. */
static int
extreme_operand (BinaryOp op, const float *const *x, const int64_t *at, int n)
{
  int winner = 0;

  for (int k = 1; k < n; k++)
    if (op == BINARY_MAX ? x[k][at[k]] >= x[winner][at[winner]]
                         : x[k][at[k]] <= x[winner][at[winner]])
      winner = k;
  return winner;
}

/* Each output's gradient goes to the operand elements it was computed
 * from, so a broadcast operand sums the gradients of every output it
 * reached.  An int64 exponent of Pow is read as floats and gets none. */
static gboolean
binary_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsGraph           *graph = exec->exec.graph;
  const CsShape *out = &cs_node_output (graph, node, 0)->shape;
  const BinaryOp op = binary_op (node->klass);
  const int                n = node->n_inputs;
  const float             *dy = cs_grad_out (exec, node, 0);
  const float              scale = node->klass == &cs_op_mean ? 1.0f / (float) n : 1.0f;
  g_autofree int64_t      *strides = g_new (int64_t, (gsize) n * CS_MAX_RANK);
  g_autofree int64_t      *at = g_new0 (int64_t, n);
  g_autofree const float **x = g_new0 (const float *, n);
  g_autofree float       **dx = g_new0 (float *, n);
  g_autofree float        *exponent = NULL;
  int64_t                  index[CS_MAX_RANK] = { 0 };

  for (int k = 0; k < n; k++)
    {
      const CsValue *value = cs_node_input (graph, node, k);

      cs_op_broadcast_strides (&value->shape, out, strides + k * CS_MAX_RANK);
      x[k] = cs_exec_in (&exec->exec, node, k);
      dx[k] = cs_grad_in (exec, node, k);
      if (value->dtype == CS_DTYPE_INT64)
        x[k] = exponent = float_exponent (value, exec->exec.data[node->inputs[k]]);
    }
  for (int64_t i = 0; i < cs_shape_numel (out); i++)
    {
      const float g = dy[i];

      switch (op)
        {
        case BINARY_ADD: /* and Sum, Mean */
          for (int k = 0; k < n; k++)
            if (dx[k] != NULL)
              dx[k][at[k]] += g * scale;
          break;
        case BINARY_SUB:
          if (dx[0] != NULL)
            dx[0][at[0]] += g;
          if (dx[1] != NULL)
            dx[1][at[1]] -= g;
          break;
        case BINARY_MUL:
          if (dx[0] != NULL)
            dx[0][at[0]] += g * x[1][at[1]];
          if (dx[1] != NULL)
            dx[1][at[1]] += g * x[0][at[0]];
          break;
        case BINARY_DIV:
          if (dx[0] != NULL)
            dx[0][at[0]] += g / x[1][at[1]];
          if (dx[1] != NULL)
            dx[1][at[1]] -= g * x[0][at[0]] / (x[1][at[1]] * x[1][at[1]]);
          break;
        case BINARY_POW:
          {
            const float base = x[0][at[0]], power = x[1][at[1]];

            if (dx[0] != NULL)
              dx[0][at[0]] += g * power * powf (base, power - 1.0f);
            if (dx[1] != NULL && base > 0.0f)
              dx[1][at[1]] += g * powf (base, power) * logf (base);
          }
          break;
        case BINARY_PRELU:
          if (dx[0] != NULL)
            dx[0][at[0]] += x[0][at[0]] < 0.0f ? g * x[1][at[1]] : g;
          if (dx[1] != NULL && x[0][at[0]] < 0.0f)
            dx[1][at[1]] += g * x[0][at[0]];
          break;
        case BINARY_MAX:
        case BINARY_MIN:
          {
            const int winner = extreme_operand (op, x, at, n);

            if (dx[winner] != NULL)
              dx[winner][at[winner]] += g;
          }
          break;
        case BINARY_EQUAL: /* its class has no backward */
          g_return_val_if_reached (FALSE);
        }
      for (int d = out->rank - 1; d >= 0; d--)
        {
          for (int k = 0; k < n; k++)
            at[k] += strides[k * CS_MAX_RANK + d];
          if (++index[d] < out->dims[d])
            break;
          for (int k = 0; k < n; k++)
            at[k] -= strides[k * CS_MAX_RANK + d] * out->dims[d];
          index[d] = 0;
        }
    }
  return TRUE;
}

#define BINARY_CLASS(var, op_name, gradient, reads) \
  const CsOpClass var = {                       \
    .name = op_name,                            \
    .kind = CS_LAYER_ELEMENTWISE,               \
    .fuses_activation = TRUE,                   \
    .writes_over_inputs = TRUE,                 \
    .infer = binary_infer,                      \
    .run = binary_run,                          \
    .describe = binary_describe,                \
    .footprint = binary_footprint,              \
    .writes_bytes = binary_writes_bytes,        \
    .reads_bytes = binary_reads_bytes,          \
    .backward = gradient,                       \
    .backward_reads = reads,                    \
  }

BINARY_CLASS (cs_op_add, "Add", binary_backward, CS_GRAD_READS_NOTHING);
BINARY_CLASS (cs_op_sub, "Sub", binary_backward, CS_GRAD_READS_NOTHING);
BINARY_CLASS (cs_op_mul, "Mul", binary_backward, CS_GRAD_READS_INPUTS);
BINARY_CLASS (cs_op_div, "Div", binary_backward, CS_GRAD_READS_INPUTS);
BINARY_CLASS (cs_op_pow, "Pow", binary_backward, CS_GRAD_READS_INPUTS);
BINARY_CLASS (cs_op_prelu, "PRelu", binary_backward, CS_GRAD_READS_INPUTS);
/* Equal's output is a boolean stand-in: no gradient passes it. */
BINARY_CLASS (cs_op_equal, "Equal", NULL, CS_GRAD_READS_NOTHING);
BINARY_CLASS (cs_op_max, "Max", binary_backward, CS_GRAD_READS_INPUTS);
BINARY_CLASS (cs_op_min, "Min", binary_backward, CS_GRAD_READS_INPUTS);
BINARY_CLASS (cs_op_sum, "Sum", binary_backward, CS_GRAD_READS_NOTHING);
BINARY_CLASS (cs_op_mean, "Mean", binary_backward, CS_GRAD_READS_NOTHING);
