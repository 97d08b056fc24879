/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * conv-transpose.c — ConvTranspose, the upsampling convolution of U-Nets
 * and decoders: each input pixel spreads its channels, through the
 * weights, over a kernel-sized patch of the output, stride pixels apart.
 * A GEMM of the transposed weights (packed once into panels for the GEMM
 * kernels) with the input gives every input pixel's patch as a column,
 * and a col2im pass adds the patches into the output.  Each task owns a
 * block of output channels, so no two tasks add into the same pixel, and
 * stages its columns a few input rows at a time in its own scratch.
 */
#include "op-common.h"
#include "../kernels/col2im.h"
#include "../kernels/gemm.h"

#include <string.h>

/* Enough tasks that threads finishing at different times even out. */
#define MIN_TASKS 16
/* GEMM rows (output channels × kernel taps) worth a task. */
#define MIN_ROWS 32
#define MAX_ROWS 256
/* Staged columns per task, in floats: about an L2 cache. */
#define COLUMN_FLOATS (64 * 1024)
/* A staged block beyond this is refused, as convolution does (1 GiB). */
#define MAX_COLUMN_FLOATS (G_GINT64_CONSTANT (1) << 28)

/* The geometry and the way the work is cut, from the node's shapes. */
typedef struct
{
  int64_t batch, in_c, in_h, in_w, out_c, out_h, out_w;
  int64_t groups, cg, mg;      /* input and output channels per group */
  CsCol2ImShape col2im;        /* input pixels onto output planes */
  int64_t taps;                /* kH·kW */
  int64_t co_block;            /* output channels per task */
  int64_t co_blocks;           /* per group */
  int64_t chunk_rows;          /* input rows per GEMM */
} Layout;

static void
transpose_layout (const CsGraph *graph, const CsNode *node, Layout *layout)
{
  const CsConvTransposeParams *params = node->params;
  const CsShape *x = &cs_node_input (graph, node, 0)->shape;
  const CsShape *y = &cs_node_output (graph, node, 0)->shape;
  const CsWindow *window = &params->window;
  int64_t parts = MAX (MIN_TASKS / MAX (x->dims[0] * params->groups, 1), 1);

  *layout = (Layout) {
    x->dims[0], x->dims[1], x->dims[2], x->dims[3], y->dims[1], y->dims[2], y->dims[3],
    params->groups, x->dims[1] / params->groups, y->dims[1] / params->groups,
    { x->dims[2], x->dims[3], y->dims[2], y->dims[3],
      { window->kernel[0], window->kernel[1] }, { window->stride[0], window->stride[1] },
      { window->dilation[0], window->dilation[1] }, window->pads[0], window->pads[1] },
    (int64_t) window->kernel[0] * window->kernel[1]
  };
  /* Blocks small enough for every thread to have some, large enough
   * that the GEMM has rows to work on. */
  layout->co_block = (layout->mg + parts - 1) / parts;
  layout->co_block = MAX (layout->co_block, (MIN_ROWS + layout->taps - 1) / layout->taps);
  layout->co_block = CLAMP (layout->co_block, 1,
                            MAX (MIN (layout->mg, MAX_ROWS / layout->taps), 1));
  layout->co_blocks = (layout->mg + layout->co_block - 1) / layout->co_block;
  layout->chunk_rows
    = CLAMP (COLUMN_FLOATS / MAX (layout->co_block * layout->taps * layout->in_w, 1), 1,
             MAX (layout->in_h, 1));
}

static int64_t
column_floats (const Layout *layout)
{
  return layout->co_block * layout->taps * layout->chunk_rows * layout->in_w;
}

/* The GEMM for a block of @channels output channels over @rows input
 * rows; the caller points a, b and c at the data. */
static CsGemm
block_gemm (const Layout *layout, int64_t channels, int64_t rows)
{
  return (CsGemm) {
    .kernels = cs_kernels_get (),
    .m = channels * layout->taps,
    .n = rows * layout->in_w,
    .k = layout->cg,
    .a = { NULL, 0, 0, TRUE },
    .b = { NULL, layout->in_h * layout->in_w, 1, FALSE },
    .ldc = rows * layout->in_w,
    .alpha = 1.0f,
  };
}

static gboolean
transpose_infer (CsGraph *graph, CsNode *node, GError **error)
{
  CsConvTransposeParams *params = node->params;
  const CsValue *x, *w;
  CsShape out = { 4, { 0 } };
  int64_t out_h, out_w;
  Layout layout;

  if (params == NULL)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node, "has no parameters");
  if (!cs_op_check_arity (graph, node, 2, 3, 1, error)
      || !cs_op_check_float (graph, node, 0, 4, 4, error)
      || !cs_op_check_float (graph, node, 1, 4, 4, error))
    return FALSE;
  x = cs_node_input (graph, node, 0);
  w = cs_node_input (graph, node, 1);
  if (params->groups == 0)
    params->groups = 1;
  if (params->groups < 0 || x->shape.dims[1] != w->shape.dims[0]
      || x->shape.dims[1] % params->groups != 0)
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "the input has %" G_GINT64_FORMAT " channels; weights of shape"
                          " %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT "×… in %d groups"
                          " expect %" G_GINT64_FORMAT ", a multiple of the groups",
                          x->shape.dims[1], w->shape.dims[0], w->shape.dims[1],
                          params->groups, w->shape.dims[0]);
  if (!cs_op_check_filter (graph, node, &params->window, w->shape.dims[1] * params->groups,
                           error)
      || !cs_window_resolve_transposed (params, x->shape.dims[2], x->shape.dims[3], &out_h,
                                        &out_w, graph, node, error))
    return FALSE;
  out.dims[0] = x->shape.dims[0];
  out.dims[1] = w->shape.dims[1] * params->groups;
  out.dims[2] = out_h;
  out.dims[3] = out_w;
  if (!cs_op_set_output (graph, node, 0, CS_DTYPE_FLOAT32, &out, error))
    return FALSE;
  transpose_layout (graph, node, &layout);
  if (column_floats (&layout) > MAX_COLUMN_FLOATS)
    return cs_node_error (error, CS_ERROR_UNSUPPORTED, graph, node,
                          "a %d×%d kernel over input rows of %" G_GINT64_FORMAT
                          " pixels is too large to stage", layout.col2im.kernel[0],
                          layout.col2im.kernel[1], layout.in_w);
  return TRUE;
}

/* Copies between the weights (C × M/groups × kH × kW) and their A
 * panels, in the direction @to_panels says.  Block b of group g holds
 * the rows (output channel, tap) of its channels, each row the C/groups
 * weights of one input channel apart. */
static void
copy_weight_panels (const Layout *layout, float *packed, float *weights, gboolean to_panels)
{
  const CsKernels *kernels = cs_kernels_get ();
  int64_t          group_rows = layout->mg * layout->taps;

  for (int64_t g = 0; g < layout->groups; g++)
    for (int64_t b = 0; b < layout->co_blocks; b++)
      {
        int64_t co0 = b * layout->co_block;
        int64_t co1 = MIN (co0 + layout->co_block, layout->mg);
        int64_t row0 = g * group_rows + co0 * layout->taps;
        float  *panels = packed + row0 * layout->cg;
        float  *block = weights + g * layout->cg * group_rows + co0 * layout->taps;

        if (to_panels)
          cs_pack_a (kernels, panels, block, (co1 - co0) * layout->taps, layout->cg, 1, group_rows);
        else
          cs_unpack_a (kernels, block, panels, (co1 - co0) * layout->taps, layout->cg, 1,
                       group_rows);
      }
}

/* The weights as A panels; returns a g_malloc'd array their size. */
static float *
pack_weights (const Layout *layout, const float *weights)
{
  float *packed = g_new (float, MAX (layout->groups * layout->mg * layout->taps * layout->cg, 1));

  copy_weight_panels (layout, packed, (float *) weights, TRUE);
  return packed;
}

static gboolean
transpose_prepare (CsGraph *graph, CsNode *node, GError **error)
{
  CsConvTransposeParams *params = node->params;
  g_autofree float *taken = cs_graph_take_constant (graph, node, 1);
  const float *weights = taken != NULL ? taken : cs_node_input (graph, node, 1)->constant;
  Layout layout;

  transpose_layout (graph, node, &layout);
  g_free (params->packed);
  params->packed = pack_weights (&layout, weights);
  node->packed_inputs |= 1u << 1;
  return TRUE;
}

typedef struct
{
  const Layout       *layout;
  const float        *packed;
  const float        *x;
  const float        *bias;
  float              *y;
  const CsActivation *act;
  void              **scratch;
} TransposeTask;

static void
transpose_range (void *user, int64_t begin, int64_t end, int thread)
{
  const TransposeTask *task = user;
  const Layout *layout = task->layout;
  float *columns = cs_scratch_floats (task->scratch[thread]);
  void *gemm_scratch = columns + column_floats (layout);
  int64_t out_plane = layout->out_h * layout->out_w;

  for (int64_t t = begin; t < end; t++)
    {
      int64_t image = t / (layout->groups * layout->co_blocks);
      int64_t group = t / layout->co_blocks % layout->groups;
      int64_t block = t % layout->co_blocks;
      int64_t co0 = group * layout->mg + block * layout->co_block;
      int64_t n_co = MIN (layout->co_block, layout->mg - block * layout->co_block);
      float *planes = task->y + (image * layout->out_c + co0) * out_plane;

      for (int64_t c = 0; c < n_co; c++)
        {
          float start = task->bias != NULL ? task->bias[co0 + c] : 0.0f;

          for (int64_t i = 0; i < out_plane; i++)
            planes[c * out_plane + i] = start;
        }
      for (int64_t row0 = 0; row0 < layout->in_h; row0 += layout->chunk_rows)
        {
          int64_t rows = MIN (layout->chunk_rows, layout->in_h - row0);
          CsGemm gemm = block_gemm (layout, n_co, rows);

          gemm.a.data = task->packed + co0 * layout->taps * layout->cg;
          gemm.b.data = task->x + ((image * layout->in_c + group * layout->cg) * layout->in_h
                                   + row0) * layout->in_w;
          gemm.c = columns;
          cs_gemm_run (&gemm, NULL, &gemm_scratch);
          cs_col2im_add (&layout->col2im, columns, row0, rows, n_co, planes);
        }
      if (cs_activation_is_set (task->act))
        cs_activation_apply (task->act, planes, n_co * out_plane);
    }
}

static void
transpose_run (const CsNode *node, CsExec *exec)
{
  const CsConvTransposeParams *params = node->params;
  const CsValue *b = cs_node_input (exec->graph, node, 2);
  g_autofree float *own = NULL;
  TransposeTask task;
  Layout layout;
  int64_t macs_per_task;

  transpose_layout (exec->graph, node, &layout);
  /* Folding at load runs nodes that were never prepared. */
  if (params->packed == NULL)
    own = pack_weights (&layout, cs_node_input (exec->graph, node, 1)->constant);
  task = (TransposeTask) {
    &layout, params->packed != NULL ? params->packed : own, cs_exec_in (exec, node, 0),
    b != NULL ? b->constant : NULL, cs_exec_out (exec, node, 0), &node->act, exec->scratch
  };
  macs_per_task = layout.co_block * layout.taps * layout.cg * layout.in_h * layout.in_w;
  cs_parallel_for (exec->pool, layout.batch * layout.groups * layout.co_blocks,
                   MAX (1, 256 * 1024 / MAX (macs_per_task, 1)), transpose_range, &task);
}

/* The weights as the model gave them, out of the panels pack_weights
 * made.  The caller frees them. */
static float *
unpack_weights (const Layout *layout, const float *packed)
{
  float *weights = g_new (float, MAX (layout->groups * layout->mg * layout->taps * layout->cg, 1));

  copy_weight_panels (layout, (float *) packed, weights, FALSE);
  return weights;
}

/* dx is a plain convolution of dy with the same weights: each input
 * pixel gathers the output gradients its patch was spread over.  Little
 * needs it fast (heat maps of decoders), so it is written out. */
static gboolean
transpose_backward (const CsNode *node, CsGradExec *exec, GError **error)
{
  const CsConvTransposeParams *params = node->params;
  const float                 *dy = cs_grad_out (exec, node, 0);
  float                       *dx = cs_grad_in (exec, node, 0);
  const CsCol2ImShape         *geometry;
  g_autofree float            *weights = NULL;
  Layout                       layout;

  if (dx == NULL)
    return TRUE;
  transpose_layout (exec->exec.graph, node, &layout);
  geometry = &layout.col2im;
  weights = unpack_weights (&layout, params->packed);
  for (int64_t image = 0; image < layout.batch; image++)
    for (int64_t ci = 0; ci < layout.in_c; ci++)
      {
        const int64_t group = ci / layout.cg;
        const float  *w = weights + ci * layout.mg * layout.taps;
        float        *plane = dx + (image * layout.in_c + ci) * layout.in_h * layout.in_w;

        for (int64_t co = 0; co < layout.mg; co++)
          for (int64_t t = 0; t < layout.taps; t++)
            {
              const float *g =
                  dy
                  + (image * layout.out_c + group * layout.mg + co) * layout.out_h * layout.out_w;
              const float   weight = w[co * layout.taps + t];
              const int64_t dr =
                  t / geometry->kernel[1] * geometry->dilation[0] - geometry->pad_top;
              const int64_t dc =
                  t % geometry->kernel[1] * geometry->dilation[1] - geometry->pad_left;

              for (int64_t iy = 0; iy < layout.in_h; iy++)
                {
                  const int64_t oy = iy * geometry->stride[0] + dr;

                  if (oy < 0 || oy >= layout.out_h)
                    continue;
                  for (int64_t ix = 0; ix < layout.in_w; ix++)
                    {
                      const int64_t ox = ix * geometry->stride[1] + dc;

                      if (ox >= 0 && ox < layout.out_w)
                        plane[iy * layout.in_w + ix] += weight * g[oy * layout.out_w + ox];
                    }
                }
            }
      }
  return TRUE;
}

static size_t
transpose_scratch_bytes (const CsGraph *graph, const CsNode *node)
{
  Layout layout;
  CsGemm gemm;

  transpose_layout (graph, node, &layout);
  gemm = block_gemm (&layout, layout.co_block, layout.chunk_rows);
  return (size_t) column_floats (&layout) * sizeof (float) + CS_SCRATCH_SLACK
         + cs_gemm_scratch_bytes (&gemm);
}

static void
transpose_describe (const CsGraph *graph, const CsNode *node, CsLayerInfo *info)
{
  const CsConvTransposeParams *params = node->params;
  const CsValue *x = cs_node_input (graph, node, 0);
  const CsValue *w = cs_node_input (graph, node, 1);
  const CsValue *b = cs_node_input (graph, node, 2);

  cs_window_describe_transposed (params, &x->shape, &cs_node_output (graph, node, 0)->shape,
                                 info);
  info->groups = params->groups;
  info->params = cs_shape_numel (&w->shape) + (b != NULL ? cs_shape_numel (&b->shape) : 0);
  /* Each input value meets M/groups · kH · kW weights: a row of W. */
  info->macs = cs_shape_numel (&x->shape)
               * (cs_shape_numel (&w->shape) / MAX (w->shape.dims[0], 1));
}

static void
transpose_free_params (void *data)
{
  CsConvTransposeParams *params = data;

  if (params != NULL)
    g_free (params->packed);
  g_free (params);
}

const CsOpClass cs_op_conv_transpose = {
  .name = "ConvTranspose",
  .kind = CS_LAYER_CONV,
  .fuses_activation = TRUE,
  .infer = transpose_infer,
  .prepare = transpose_prepare,
  .run = transpose_run,
  .backward = transpose_backward,
  .scratch_bytes = transpose_scratch_bytes,
  .describe = transpose_describe,
  .free_params = transpose_free_params,
};
