/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * binary.c — Add, Sub, Mul and Div with NumPy broadcasting, on float32
 * activations and on the int64 shape arithmetic folded at load.
 *
 * Broadcasting is planned by collapsing the output's dimensions: unit
 * dimensions drop out and neighbours that both operands traverse alike
 * merge.  What remains has an innermost run along which each operand
 * either advances by one or stands still, which covers the common CNN
 * cases (same shape, a scalar, a per-channel 1×C×1×1 operand) with plain
 * vectorizable loops; any other pattern walks the outer dimensions.
 */
#include "op-common.h"

typedef enum
{
  BINARY_ADD,
  BINARY_SUB,
  BINARY_MUL,
  BINARY_DIV
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
  const CsNode *node;
  BinaryOp      op;
  CsDType       dtype;
  Broadcast     plan;
  const void   *a;
  const void   *b;
  void         *y;
} BinaryTask;

static BinaryOp
binary_op (const CsOpClass *klass)
{
  if (klass == &cs_op_sub)
    return BINARY_SUB;
  if (klass == &cs_op_mul)
    return BINARY_MUL;
  if (klass == &cs_op_div)
    return BINARY_DIV;
  return BINARY_ADD;
}

/* Dimension @d of @shape aligned to the right within @rank dimensions. */
static inline int64_t
aligned_dim (const CsShape *shape, int rank, int d)
{
  int k = d - (rank - shape->rank);

  return k >= 0 ? shape->dims[k] : 1;
}

static gboolean
binary_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsValue *a, *b;
  CsShape out = { 0 };

  if (!cs_op_check_arity (graph, node, 2, 2, 1, error))
    return FALSE;
  a = cs_node_input (graph, node, 0);
  b = cs_node_input (graph, node, 1);
  if (a->dtype != b->dtype)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "inputs '%s' and '%s' have different types",
                          a->name, b->name);

  out.rank = MAX (a->shape.rank, b->shape.rank);
  for (int d = 0; d < out.rank; d++)
    {
      int64_t da = aligned_dim (&a->shape, out.rank, d);
      int64_t db = aligned_dim (&b->shape, out.rank, d);

      if (da != db && da != 1 && db != 1)
        {
          g_autofree char *sa = cs_shape_to_string (&a->shape);
          g_autofree char *sb = cs_shape_to_string (&b->shape);

          return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                                "cannot broadcast shapes %s and %s", sa, sb);
        }
      out.dims[d] = da == 1 ? db : da;
    }
  return cs_op_set_output (graph, node, 0, a->dtype, &out, error);
}

static void
broadcast_plan (const CsShape *a,
                const CsShape *b,
                const CsShape *out,
                Broadcast     *plan)
{
  int64_t a_strides[CS_MAX_RANK], b_strides[CS_MAX_RANK];
  int64_t a_next = 1, b_next = 1;
  int r = 0;

  for (int d = out->rank - 1; d >= 0; d--)
    {
      int64_t da = aligned_dim (a, out->rank, d);
      int64_t db = aligned_dim (b, out->rank, d);

      a_strides[d] = da == 1 ? 0 : a_next;
      b_strides[d] = db == 1 ? 0 : b_next;
      a_next *= da;
      b_next *= db;
    }
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

/* One innermost run of @n outputs; each operand moves by one per output
 * or is a single repeated value (neither moves only in a one-element
 * run). */
#define BINARY_ROW(T, EXPR)                                         \
  do                                                                \
    {                                                               \
      const T *pa = a, *pb = b;                                     \
      T *py = y;                                                    \
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

static void
float_row (BinaryOp op, const void *a, gboolean a_moves, const void *b,
           gboolean b_moves, void *y, int64_t n)
{
  switch (op)
    {
    case BINARY_ADD: BINARY_ROW (float, l + r); break;
    case BINARY_SUB: BINARY_ROW (float, l - r); break;
    case BINARY_MUL: BINARY_ROW (float, l * r); break;
    case BINARY_DIV: BINARY_ROW (float, l / r); break;
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

/* Shape arithmetic wraps around on overflow rather than being undefined. */
static void
int64_row (BinaryOp op, const void *a, gboolean a_moves, const void *b,
           gboolean b_moves, void *y, int64_t n)
{
  switch (op)
    {
    case BINARY_ADD:
      BINARY_ROW (int64_t, (int64_t) ((uint64_t) l + (uint64_t) r));
      break;
    case BINARY_SUB:
      BINARY_ROW (int64_t, (int64_t) ((uint64_t) l - (uint64_t) r));
      break;
    case BINARY_MUL:
      BINARY_ROW (int64_t, (int64_t) ((uint64_t) l * (uint64_t) r));
      break;
    case BINARY_DIV:
      BINARY_ROW (int64_t, int64_div (l, r));
      break;
    }
}

static void
binary_range (void *user, int64_t begin, int64_t end, int thread)
{
  const BinaryTask *task = user;
  const Broadcast *plan = &task->plan;
  const int inner = plan->rank - 1;
  const int64_t row_length = plan->dims[inner];
  const size_t elem = cs_dtype_size (task->dtype);

  for (int64_t pos = begin; pos < end;)
    {
      int64_t row = pos / row_length, column = pos % row_length;
      int64_t n = MIN (row_length - column, end - pos);
      int64_t a_offset = column * plan->a_strides[inner];
      int64_t b_offset = column * plan->b_strides[inner];
      const char *a, *b;
      char *y = (char *) task->y + pos * (int64_t) elem;

      for (int d = inner - 1; d >= 0; d--)
        {
          int64_t i = row % plan->dims[d];

          row /= plan->dims[d];
          a_offset += i * plan->a_strides[d];
          b_offset += i * plan->b_strides[d];
        }
      a = (const char *) task->a + a_offset * (int64_t) elem;
      b = (const char *) task->b + b_offset * (int64_t) elem;
      if (task->dtype == CS_DTYPE_INT64)
        int64_row (task->op, a, plan->a_strides[inner] != 0,
                   b, plan->b_strides[inner] != 0, y, n);
      else
        {
          float_row (task->op, a, plan->a_strides[inner] != 0,
                     b, plan->b_strides[inner] != 0, y, n);
          /* While the run is still in cache. */
          if (task->node->act.kind != CS_ACT_NONE)
            cs_activation_apply (&task->node->act, (float *) y, n);
        }
      pos += n;
    }
}

static void
binary_run (const CsNode *node, CsExec *exec)
{
  const CsValue *a = cs_node_input (exec->graph, node, 0);
  const CsValue *b = cs_node_input (exec->graph, node, 1);
  const CsValue *y = cs_node_output (exec->graph, node, 0);
  BinaryTask task = {
    .node = node,
    .op = binary_op (node->klass),
    .dtype = y->dtype,
    .a = exec->data[node->inputs[0]],
    .b = exec->data[node->inputs[1]],
    .y = exec->data[node->outputs[0]],
  };

  broadcast_plan (&a->shape, &b->shape, &y->shape, &task.plan);
  cs_parallel_for (exec->pool, cs_shape_numel (&y->shape), 16384,
                   binary_range, &task);
}

/* A constant float operand is a learned parameter (a bias or a scale). */
static void
binary_describe (const CsGraph *graph, const CsNode *node, CsLayerInfo *info)
{
  for (int i = 0; i < 2; i++)
    {
      const CsValue *input = cs_node_input (graph, node, i);

      if (input->constant != NULL && input->dtype == CS_DTYPE_FLOAT32)
        info->params += cs_shape_numel (&input->shape);
    }
}

/* Each output's gradient goes to the operand elements it was computed
 * from, so a broadcast operand sums the gradients of every output it
 * reached. */
static gboolean
binary_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsGraph *graph = exec->exec.graph;
  const CsShape *a_shape = &cs_node_input (graph, node, 0)->shape;
  const CsShape *b_shape = &cs_node_input (graph, node, 1)->shape;
  const CsShape *out = &cs_node_output (graph, node, 0)->shape;
  const BinaryOp op = binary_op (node->klass);
  const float *a = cs_exec_in (&exec->exec, node, 0), *b = cs_exec_in (&exec->exec, node, 1);
  const float *dy = cs_grad_out (exec, node, 0);
  float *da = cs_grad_in (exec, node, 0), *db = cs_grad_in (exec, node, 1);
  int64_t a_strides[CS_MAX_RANK], b_strides[CS_MAX_RANK], index[CS_MAX_RANK] = { 0 };
  int64_t a_next = 1, b_next = 1, ia = 0, ib = 0;

  for (int d = out->rank - 1; d >= 0; d--)
    {
      int64_t dim_a = aligned_dim (a_shape, out->rank, d);
      int64_t dim_b = aligned_dim (b_shape, out->rank, d);

      a_strides[d] = dim_a == 1 ? 0 : a_next;
      b_strides[d] = dim_b == 1 ? 0 : b_next;
      a_next *= dim_a;
      b_next *= dim_b;
    }
  for (int64_t i = 0; i < cs_shape_numel (out); i++)
    {
      const float g = dy[i];

      switch (op)
        {
        case BINARY_ADD:
        case BINARY_SUB:
          if (da != NULL)
            da[ia] += g;
          if (db != NULL)
            db[ib] += op == BINARY_ADD ? g : -g;
          break;
        case BINARY_MUL:
          if (da != NULL)
            da[ia] += g * b[ib];
          if (db != NULL)
            db[ib] += g * a[ia];
          break;
        case BINARY_DIV:
          if (da != NULL)
            da[ia] += g / b[ib];
          if (db != NULL)
            db[ib] -= g * a[ia] / (b[ib] * b[ib]);
          break;
        }
      for (int d = out->rank - 1; d >= 0; d--)
        {
          ia += a_strides[d];
          ib += b_strides[d];
          if (++index[d] < out->dims[d])
            break;
          ia -= a_strides[d] * out->dims[d];
          ib -= b_strides[d] * out->dims[d];
          index[d] = 0;
        }
    }
  return TRUE;
}

#define BINARY_CLASS(var, op_name, reads)       \
  const CsOpClass var = {                       \
    .name = op_name,                            \
    .kind = CS_LAYER_ELEMENTWISE,               \
    .fuses_activation = TRUE,                   \
    .infer = binary_infer,                      \
    .run = binary_run,                          \
    .describe = binary_describe,                \
    .backward = binary_backward,                \
    .backward_reads = reads,                    \
  }

BINARY_CLASS (cs_op_add, "Add", CS_GRAD_READS_NOTHING);
BINARY_CLASS (cs_op_sub, "Sub", CS_GRAD_READS_NOTHING);
BINARY_CLASS (cs_op_mul, "Mul", CS_GRAD_READS_INPUTS);
BINARY_CLASS (cs_op_div, "Div", CS_GRAD_READS_INPUTS);
