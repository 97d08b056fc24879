/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dense.c — Gemm (Y = alpha·A'·B' + beta·C, with optional transposes and C
 * broadcast to Y) and MatMul (NumPy's matmul: batched and broadcast, 1-D
 * operands promoted and their axis dropped), on the GEMM driver of
 * kernels/gemm.h.  A constant B — the weights of a fully connected layer —
 * is packed into the micro-kernel's panels at prepare; a MatMul whose B is
 * one matrix runs its whole batch as one GEMM.  The fuse pass may give a
 * MatMul a third input, the bias an Add after it put on every row (a
 * PyTorch Linear layer's), which the GEMM adds while each block is in
 * cache.
 */
#include "op-common.h"
#include "../kernels/gemm.h"

#include <string.h>

/* A node's product reduced to matrices: out-batch × (M × K · K × N). */
typedef struct
{
  int64_t m, n, k;
  int     batch_rank;
  int64_t batch[CS_MAX_RANK];
  int64_t a_step[CS_MAX_RANK];  /* floats between A matrices per batch axis; 0: broadcast */
  int64_t b_step[CS_MAX_RANK];
  int64_t a_row, a_col;         /* strides within one matrix */
  int64_t b_row, b_col;
} Product;

static gboolean
is_gemm (const CsNode *node)
{
  return node->klass == &cs_op_gemm;
}

/* Fills @product from the input shapes; FALSE with @error when they do
 * not multiply. */
static gboolean
describe_product (const CsGraph *graph, const CsNode *node, Product *product,
                  GError **error)
{
  const CsGemmParams *params = node->params;
  const CsShape *a = &cs_node_input (graph, node, 0)->shape;
  const CsShape *b = &cs_node_input (graph, node, 1)->shape;
  int64_t b_k;

  memset (product, 0, sizeof *product);
  if (is_gemm (node))
    {
      product->m = a->dims[params->trans_a ? 1 : 0];
      product->k = a->dims[params->trans_a ? 0 : 1];
      b_k = b->dims[params->trans_b ? 1 : 0];
      product->n = b->dims[params->trans_b ? 0 : 1];
      product->a_row = params->trans_a ? 1 : product->k;
      product->a_col = params->trans_a ? product->m : 1;
      product->b_row = params->trans_b ? 1 : product->n;
      product->b_col = params->trans_b ? product->k : 1;
    }
  else
    {
      int a_batch = MAX (a->rank - 2, 0), b_batch = MAX (b->rank - 2, 0);
      int64_t a_size, b_size;

      product->m = a->rank >= 2 ? a->dims[a->rank - 2] : 1;
      product->k = a->dims[a->rank - 1];
      b_k = b->rank >= 2 ? b->dims[b->rank - 2] : b->dims[0];
      product->n = b->rank >= 2 ? b->dims[b->rank - 1] : 1;
      product->a_row = product->k;
      product->a_col = 1;
      product->b_row = product->n;
      product->b_col = 1;
      product->batch_rank = MAX (a_batch, b_batch);
      a_size = product->m * product->k;
      b_size = b_k * product->n;
      /* Right-aligned broadcast of the batch axes, innermost first. */
      for (int i = 1; i <= product->batch_rank; i++)
        {
          int64_t da = i <= a_batch ? a->dims[a_batch - i] : 1;
          int64_t db = i <= b_batch ? b->dims[b_batch - i] : 1;
          int axis = product->batch_rank - i;

          if (da != db && da != 1 && db != 1)
            return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                                  "batch dimensions %" G_GINT64_FORMAT " and %"
                                  G_GINT64_FORMAT " do not broadcast", da, db);
          /* A 1 takes the other size, even 0. */
          product->batch[axis] = da == 1 ? db : da;
          product->a_step[axis] = da == 1 ? 0 : a_size;
          product->b_step[axis] = db == 1 ? 0 : b_size;
          a_size *= da;
          b_size *= db;
        }
    }
  if (b_k != product->k)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "A has %" G_GINT64_FORMAT " columns but B has %" G_GINT64_FORMAT
                          " rows", product->k, b_k);
  return TRUE;
}

/* Whether every batch matrix of B is the same one, so the batch folds
 * into the rows of A (which is dense row-major for MatMul). */
static gboolean
single_b (const Product *product)
{
  for (int i = 0; i < product->batch_rank; i++)
    if (product->b_step[i] != 0)
      return FALSE;
  return TRUE;
}

/* Steps the batch index like an odometer, and the operands' offsets with
 * it, to the next batch matrix. */
static void
next_matrix (const Product *product, int64_t *index, int64_t *a_offset, int64_t *b_offset)
{
  for (int axis = product->batch_rank - 1; axis >= 0; axis--)
    {
      *a_offset += product->a_step[axis];
      *b_offset += product->b_step[axis];
      if (++index[axis] < product->batch[axis])
        break;
      *a_offset -= product->a_step[axis] * product->batch[axis];
      *b_offset -= product->b_step[axis] * product->batch[axis];
      index[axis] = 0;
    }
}

static int64_t
batch_count (const Product *product)
{
  int64_t count = 1;

  for (int i = 0; i < product->batch_rank; i++)
    count *= product->batch[i];
  return count;
}

/* The GEMM of one batch matrix (or of all, folded, when B is single);
 * data pointers are left for the caller, and @act must outlive @gemm. */
static void
product_gemm (const CsNode *node, const Product *product, const CsActivation *act,
              CsGemm *gemm)
{
  const CsGemmParams *params = node->params;
  gboolean folded = single_b (product);

  *gemm = (CsGemm) {
    cs_kernels_get (),
    folded ? product->m * batch_count (product) : product->m, product->n, product->k,
    { NULL, product->a_row, product->a_col, FALSE },
    { NULL, product->b_row, product->b_col, params->packed != NULL },
    NULL, product->n,
    is_gemm (node) ? params->alpha : 1.0f,
    FALSE, act
  };
}

static gboolean
dense_infer (CsGraph *graph, CsNode *node, GError **error)
{
  const CsValue *a, *b;
  Product product;
  CsShape out = { 0, { 0 } };

  if (node->params == NULL)
    {
      CsGemmParams *params = g_new0 (CsGemmParams, 1);

      params->alpha = params->beta = 1.0f;
      node->params = params;
    }
  if (is_gemm (node))
    {
      if (!cs_op_check_arity (graph, node, 2, 3, 1, error)
          || !cs_op_check_float (graph, node, 0, 2, 2, error)
          || !cs_op_check_float (graph, node, 1, 2, 2, error))
        return FALSE;
    }
  else if (!cs_op_check_arity (graph, node, 2, 2, 1, error)
           || !cs_op_check_float (graph, node, 0, 1, CS_MAX_RANK, error)
           || !cs_op_check_float (graph, node, 1, 1, CS_MAX_RANK, error))
    return FALSE;
  if (!describe_product (graph, node, &product, error))
    return FALSE;
  a = cs_node_input (graph, node, 0);
  b = cs_node_input (graph, node, 1);

  out.rank = product.batch_rank;
  memcpy (out.dims, product.batch, sizeof (int64_t) * product.batch_rank);
  if (is_gemm (node) || a->shape.rank >= 2)
    out.dims[out.rank++] = product.m;
  if (is_gemm (node) || b->shape.rank >= 2)
    out.dims[out.rank++] = product.n;

  if (is_gemm (node) && cs_node_input (graph, node, 2) != NULL)
    {
      const CsValue *c = cs_node_input (graph, node, 2);
      gboolean fits = c->dtype == CS_DTYPE_FLOAT32 && c->shape.rank <= 2;

      for (int i = 0; fits && i < c->shape.rank; i++)
        {
          int64_t dim = c->shape.dims[c->shape.rank - 1 - i];

          fits = dim == 1 || dim == out.dims[1 - i];
        }
      if (!fits)
        {
          g_autofree char *text = cs_shape_to_string (&c->shape);

          return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                                "C of shape %s does not broadcast to %" G_GINT64_FORMAT
                                "×%" G_GINT64_FORMAT, text, product.m, product.n);
        }
    }
  return cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32, &out, error);
}

static gboolean
dense_prepare (CsGraph *graph, CsNode *node, GError **error)
{
  CsGemmParams *params = node->params;
  const CsValue *b = cs_node_input (graph, node, 1);
  Product product;

  g_clear_pointer (&params->packed, g_free);
  if (!describe_product (graph, node, &product, error))
    return FALSE;
  /* A constant B with a single matrix: the weights of a dense layer. */
  if (b->constant != NULL && single_b (&product) && product.k * product.n > 0)
    {
      /* Weights stored as the layer's rows (a Gemm with transB, as
       * PyTorch's Linear exports) that no other node reads pack where
       * they lie: VGG-11's would otherwise peak at twice their 0.5 GB. */
      float *taken = product.b_row == 1 && product.b_col == product.k
                         ? cs_graph_take_constant (graph, node, 1)
                         : NULL;

      if (taken != NULL)
        {
          cs_pack_b_in_place (cs_kernels_get (), taken, product.k, product.n);
          params->packed = taken;
        }
      else
        {
          params->packed = g_new (float, product.k * product.n);
          cs_pack_b (cs_kernels_get (), params->packed, b->constant, product.k, product.n,
                     product.b_row, product.b_col);
        }
      /* Only the backward pass and CAM read B again, unpacked for them
       * (cs_dense_b): a ConvNeXt's weights are nearly all here. */
      node->packed_inputs |= 1u << 1;
    }
  return TRUE;
}

const float *
cs_dense_b (const CsGraph *graph, const CsNode *node, float **copy)
{
  const CsGemmParams *params = node->params;
  const CsValue *b = cs_node_input (graph, node, 1);
  Product product;

  *copy = NULL;
  if (b->constant != NULL || !b->packed || params->packed == NULL)
    return b->constant;
  /* Shapes were checked by infer. */
  describe_product (graph, node, &product, NULL);
  *copy = g_new (float, product.k * product.n);
  cs_unpack_b (cs_kernels_get (), *copy, params->packed, product.k, product.n, product.b_row,
               product.b_col);
  return *copy;
}

/* Y = beta · C broadcast over the m × n output. */
static void
fill_with_c (const CsGraph *graph, const CsNode *node, const float *c, float *y,
             int64_t m, int64_t n)
{
  const CsShape *shape = &cs_node_input (graph, node, 2)->shape;
  float beta = ((const CsGemmParams *) node->params)->beta;
  int64_t col_dim = shape->rank >= 1 ? shape->dims[shape->rank - 1] : 1;
  int64_t row_dim = shape->rank >= 2 ? shape->dims[0] : 1;
  int64_t col_step = col_dim == 1 ? 0 : 1;
  int64_t row_step = row_dim == 1 ? 0 : col_dim;

  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++)
      y[i * n + j] = beta * c[i * row_step + j * col_step];
}

static void
dense_run (const CsNode *node, CsExec *exec)
{
  const CsGemmParams *params = node->params;
  const float *a = cs_exec_in (exec, node, 0);
  const float *b = params->packed != NULL ? params->packed : cs_exec_in (exec, node, 1);
  float *y = cs_exec_out (exec, node, 0);
  int64_t index[CS_MAX_RANK] = { 0 };
  int64_t a_offset = 0, b_offset = 0;
  Product product;
  CsGemm gemm;

  /* Shapes were checked by infer. */
  describe_product (exec->graph, node, &product, NULL);
  product_gemm (node, &product, &node->act, &gemm);
  if (!is_gemm (node) && node->n_inputs > 2)
    gemm.column_bias = cs_exec_in (exec, node, 2);
  if (is_gemm (node) && node->n_inputs > 2 && node->inputs[2] >= 0 && params->beta != 0.0f)
    {
      fill_with_c (exec->graph, node, cs_exec_in (exec, node, 2), y, product.m, product.n);
      gemm.accumulate = TRUE;
    }
  if (single_b (&product))
    {
      gemm.a.data = a;
      gemm.b.data = b;
      gemm.c = y;
      cs_gemm_run (&gemm, exec->pool, exec->scratch);
      return;
    }
  for (int64_t matrix = 0; matrix < batch_count (&product); matrix++)
    {
      gemm.a.data = a + a_offset;
      gemm.b.data = b + b_offset;
      gemm.c = y + matrix * product.m * product.n;
      cs_gemm_run (&gemm, exec->pool, exec->scratch);
      next_matrix (&product, index, &a_offset, &b_offset);
    }
}

/* ∂A = alpha·∂Y·Bᵀ and ∂B = alpha·Aᵀ·∂Y per batch matrix (summed where
 * an operand was broadcast), ∂C = beta·∂Y summed over C's broadcast. */
static gboolean
dense_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsGemmParams *params = node->params;
  const float *a = cs_exec_in (&exec->exec, node, 0);
  g_autofree float *unpacked = NULL;
  const float *b = cs_exec_in (&exec->exec, node, 1);
  const float *dy = cs_grad_out (exec, node, 0);
  float *da = cs_grad_in (exec, node, 0), *db = cs_grad_in (exec, node, 1);
  float *dc = cs_grad_in (exec, node, 2);
  const float alpha = is_gemm (node) ? params->alpha : 1.0f;
  int64_t index[CS_MAX_RANK] = { 0 };
  int64_t a_offset = 0, b_offset = 0;
  Product p;
  float *part;

  /* Weights packed at load are no longer in the run's data. */
  if (b == NULL)
    b = cs_dense_b (exec->exec.graph, node, &unpacked);
  describe_product (exec->exec.graph, node, &p, NULL);
  part = g_new (float, MAX (1, MAX (p.m, p.n) * p.k));
  for (int64_t matrix = 0; matrix < batch_count (&p); matrix++)
    {
      const float *dy_matrix = dy + matrix * p.m * p.n;

      if (da != NULL)
        {
          CsGemm gemm = { cs_kernels_get (), p.m, p.k, p.n, { dy_matrix, p.n, 1, FALSE },
                          { b + b_offset, p.b_col, p.b_row, FALSE }, part, p.k, alpha,
                          FALSE, NULL };

          cs_gemm_run_own_scratch (&gemm, exec->exec.pool);
          for (int64_t i = 0; i < p.m; i++)
            for (int64_t j = 0; j < p.k; j++)
              da[a_offset + i * p.a_row + j * p.a_col] += part[i * p.k + j];
        }
      if (db != NULL)
        {
          CsGemm gemm = { cs_kernels_get (), p.k, p.n, p.m, { a + a_offset, p.a_col, p.a_row, FALSE },
                          { dy_matrix, p.n, 1, FALSE }, part, p.n, alpha, FALSE, NULL };

          cs_gemm_run_own_scratch (&gemm, exec->exec.pool);
          for (int64_t i = 0; i < p.k; i++)
            for (int64_t j = 0; j < p.n; j++)
              db[b_offset + i * p.b_row + j * p.b_col] += part[i * p.n + j];
        }
      next_matrix (&p, index, &a_offset, &b_offset);
    }
  if (dc != NULL)
    {
      const CsShape *shape = &cs_node_input (exec->exec.graph, node, 2)->shape;
      int64_t col_dim = shape->rank >= 1 ? shape->dims[shape->rank - 1] : 1;
      int64_t row_dim = shape->rank >= 2 ? shape->dims[0] : 1;

      for (int64_t i = 0; i < p.m; i++)
        for (int64_t j = 0; j < p.n; j++)
          dc[i * (row_dim == 1 ? 0 : col_dim) + j * (col_dim == 1 ? 0 : 1)]
            += params->beta * dy[i * p.n + j];
    }
  g_free (part);
  return TRUE;
}

static size_t
dense_scratch_bytes (const CsGraph *graph, const CsNode *node)
{
  Product product;
  CsGemm gemm;

  describe_product (graph, node, &product, NULL);
  product_gemm (node, &product, &node->act, &gemm);
  return cs_gemm_scratch_bytes (&gemm);
}

static void
dense_describe (const CsGraph *graph, const CsNode *node, CsLayerInfo *info)
{
  Product product;

  describe_product (graph, node, &product, NULL);
  for (int i = 0; i < node->n_inputs; i++)
    {
      const CsValue *value = cs_node_input (graph, node, i);

      if (value != NULL && (value->constant != NULL || value->packed))
        info->params += cs_shape_numel (&value->shape);
    }
  info->macs = batch_count (&product) * product.m * product.n * product.k;
}

static void
dense_free_params (void *data)
{
  CsGemmParams *params = data;

  if (params != NULL)
    g_free (params->packed);
  g_free (params);
}

const CsOpClass cs_op_gemm = {
  .name = "Gemm",
  .kind = CS_LAYER_DENSE,
  .fuses_activation = TRUE,
  .infer = dense_infer,
  .prepare = dense_prepare,
  .run = dense_run,
  .scratch_bytes = dense_scratch_bytes,
  .describe = dense_describe,
  .free_params = dense_free_params,
  .backward = dense_backward,
  .backward_reads = CS_GRAD_READS_INPUTS,
};

const CsOpClass cs_op_matmul = {
  .name = "MatMul",
  .kind = CS_LAYER_DENSE,
  .fuses_activation = TRUE,
  .infer = dense_infer,
  .prepare = dense_prepare,
  .run = dense_run,
  .scratch_bytes = dense_scratch_bytes,
  .describe = dense_describe,
  .free_params = dense_free_params,
  .backward = dense_backward,
  .backward_reads = CS_GRAD_READS_INPUTS,
};
