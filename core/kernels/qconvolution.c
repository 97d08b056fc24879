/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qconvolution.c — the 8-bit convolution (qconvolution.h).  The weights
 * are packed once into the micro-kernel's A panels; a run takes the
 * output pixels in blocks of a few B panels, quantizes each block's
 * columns into them (through a float im2col block unless the convolution
 * is 1 × 1, stride 1, without padding, when the input's rows are the
 * columns) and runs every row panel of weights over it.  A depthwise
 * convolution runs instead plane by plane: the input plane, padded with
 * its zero point, as bytes, through the table's depthwise kernel.  The
 * constant terms of the zero points are folded into one offset per
 * output channel at plan time.
 */
#include "qconvolution.h"
#include "im2col.h"

#include <math.h>
#include <string.h>

/* B panels per block: a block of a 1 × 1 convolution with 960 input
 * channels is 120 KiB of bytes, which stays in a core's L2 while every
 * row panel reads it. */
#define BLOCK_PANELS 4
/* Enough tasks that threads finishing at different times even out. */
#define MIN_TASKS 8
/* The largest padded input plane a depthwise plan takes (bytes): a
 * 16384² map. */
#define MAX_PADDED_PLANE ((int64_t) 1 << 28)

struct _CsQConvPlan
{
  const CsKernels *kernels;
  CsConvShape      shape;
  int64_t          depth;      /* in_channels · kH · kW */
  int64_t          depth4;     /* ⌈depth / 4⌉ */
  gboolean         pointwise;  /* 1 × 1, stride 1, no padding: no im2col */
  gboolean         depthwise;  /* one input channel a group, one output channel */
  /* One output pixel on a table with a GEMV: the weights in its layout,
   * ldw channels a group of four depth steps, instead of panels. */
  gboolean         gemv;
  int64_t          ldw;
  int8_t          *a;          /* ⌈out_channels / mr⌉ panels of depth4 · mr · 4 bytes */
  int16_t         *taps;       /* depthwise: out_channels × depth, (w − zw)·2^left_shift */
  int32_t         *offset, *multiplier, *right_shift;
  int             *left_shift;  /* depthwise only: in its taps and offset */
  int32_t         *weight_zero; /* NULL when all are 0 */
  float            input_scale;
  int32_t          input_zero;
  CsGrid           out;
  /* For cs_qconv_plan_channel. */
  float           *weight_scale;
  int32_t         *zero_points;
  int32_t         *bias;        /* NULL without one */
};

void
cs_conv_quant_free (CsConvQuant *quant)
{
  if (quant == NULL)
    return;
  g_free (quant->weights);
  g_free (quant->weight_scale);
  g_free (quant->weight_zero);
  g_free (quant->bias);
  g_free (quant);
}

static int64_t
block_columns (const CsKernels *kernels)
{
  return (int64_t) kernels->qnr * BLOCK_PANELS;
}

/* Where weight @p of output channel @o lies in plan->a. */
static int64_t
weight_at (const CsQConvPlan *plan, int64_t o, int64_t p)
{
  const int64_t mr = plan->kernels->qmr;

  if (plan->gemv)
    return (p / 4 * plan->ldw + o) * 4 + p % 4;
  return ((o / mr * plan->depth4 + p / 4) * mr + o % mr) * 4 + p % 4;
}

static gboolean
is_depthwise (const CsConvShape *shape)
{
  return shape->groups > 1 && shape->groups == shape->in_channels
         && shape->groups == shape->out_channels;
}

/* The depthwise kernel's view of @shape's input plane padded on every
 * side, its rows a whole number of dwords (the VNNI kernel puts two
 * short rows in one vector by dwords). */
static CsQDepthwiseGeometry
padded_geometry (const CsConvShape *shape)
{
  return (CsQDepthwiseGeometry) {
    shape->out_h, shape->out_w, (shape->pads[1] + shape->in_w + shape->pads[3] + 3) / 4 * 4,
    { shape->kernel[0], shape->kernel[1] }, { shape->stride[0], shape->stride[1] },
    { shape->dilation[0], shape->dilation[1] },
  };
}

/* Bytes of padded planes a call of the depthwise kernel takes at most,
 * as many planes of a small map as fit: each call prepares its shuffles
 * once for them all. */
#define DEPTHWISE_BATCH_BYTES 16384

/* Padded input planes a call of the depthwise kernel takes. */
static int64_t
depthwise_batch (const CsConvShape *shape)
{
  const int64_t plane = (shape->pads[0] + shape->in_h + shape->pads[2])
                        * padded_geometry (shape).row;

  return MAX (1, DEPTHWISE_BATCH_BYTES / MAX (plane, 1));
}

size_t
cs_qconv_scratch_bytes (const CsKernels *kernels, const CsConvShape *shape)
{
  const int64_t depth = shape->in_channels * shape->kernel[0] * shape->kernel[1];
  const int64_t columns = block_columns (kernels);

  if (is_depthwise (shape))
    return (size_t) (depthwise_batch (shape) * (shape->pads[0] + shape->in_h + shape->pads[2])
                     * padded_geometry (shape).row)
           + CS_QDEPTHWISE_SLACK + CS_SCRATCH_SLACK;
  /* The B panels, their column sums and the float im2col block. */
  return (size_t) ((depth + 3) / 4 * 4 * columns + columns * 4 + depth * columns * 4)
         + 3 * CS_SCRATCH_SLACK;
}

/* TFLite's QuantizeMultiplier: @real as q·2^shift, q in [2³⁰, 2³¹)
 * rounded from the fraction, shift = *@left_shift − *@right_shift, one
 * of them 0; FALSE for a multiplier of 2¹⁵ or more. */
static gboolean
quantize_multiplier (double real, int32_t *multiplier, int32_t *right_shift, int *left_shift)
{
  int exponent;
  double fraction;
  int64_t fixed;

  if (!(real >= 0.0) || !isfinite (real))
    return FALSE;
  *left_shift = 0;
  if (real == 0.0)
    {
      *multiplier = *right_shift = 0;
      return TRUE;
    }
  fraction = frexp (real, &exponent);
  fixed = (int64_t) round (fraction * (double) ((int64_t) 1 << 31));
  if (fixed == (int64_t) 1 << 31)
    {
      fixed /= 2;
      exponent++;
    }
  if (exponent > 15)
    return FALSE;
  if (exponent < -31)
    fixed = exponent = 0;
  *multiplier = (int32_t) fixed;
  *right_shift = MAX (-exponent, 0);
  *left_shift = MAX (exponent, 0);
  return TRUE;
}

CsQConvPlan *
cs_qconv_plan_new (const CsKernels   *kernels,
                   const CsConvShape *shape,
                   const CsConvQuant *quant,
                   const CsGrid      *out,
                   const char       **reason)
{
  const gboolean depthwise = is_depthwise (shape);
  const int64_t depth = (depthwise ? 1 : shape->in_channels) * shape->kernel[0] * shape->kernel[1];
  const int64_t m = shape->out_channels, mr = kernels->qmr;
  CsQConvPlan *plan;
  gboolean any_weight_zero = FALSE;

  if ((shape->groups != 1 && !depthwise) || depth != quant->depth || depth >= 1 << 16
      || !(out->scale > 0.0f)
      || !(out->low >= -65536.0f && out->high <= 65536.0f && out->low <= out->high))
    {
      *reason = "the convolution is grouped, too deep, or its output grid is not an 8-bit one";
      return NULL;
    }
  if (depthwise && depth > CS_QDEPTHWISE_MAX_TAPS)
    {
      *reason = "the depthwise kernel has too many taps";
      return NULL;
    }
  /* A hostile file's padding could ask for gigabytes of padded plane. */
  if (depthwise && (shape->pads[0] + shape->in_h + shape->pads[2]) * padded_geometry (shape).row
                       > MAX_PADDED_PLANE)
    {
      *reason = "the depthwise input's padded plane is too large";
      return NULL;
    }
  plan = g_new0 (CsQConvPlan, 1);
  plan->kernels = kernels;
  plan->shape = *shape;
  plan->depth = depth;
  plan->depth4 = (depth + 3) / 4;
  plan->pointwise = shape->kernel[0] == 1 && shape->kernel[1] == 1 && shape->stride[0] == 1
                    && shape->stride[1] == 1 && shape->pads[0] == 0 && shape->pads[1] == 0
                    && shape->pads[2] == 0 && shape->pads[3] == 0 && !depthwise;
  plan->depthwise = depthwise;
  plan->gemv = !depthwise && shape->out_h * shape->out_w == 1 && kernels->qgemv != NULL;
  plan->ldw = (m + CS_QGEMV_CHANNELS - 1) / CS_QGEMV_CHANNELS * CS_QGEMV_CHANNELS;
  if (depthwise)
    plan->taps = g_new (int16_t, m * depth);
  else if (plan->gemv)
    plan->a = g_new0 (int8_t, plan->depth4 * plan->ldw * 4);
  else
    plan->a = g_new0 (int8_t, (m + mr - 1) / mr * plan->depth4 * mr * 4);
  plan->offset = g_new (int32_t, m);
  plan->multiplier = g_new (int32_t, m);
  plan->right_shift = g_new (int32_t, m);
  plan->left_shift = g_new (int, m);
  plan->weight_zero = g_new (int32_t, m);
  plan->weight_scale = g_memdup2 (quant->weight_scale, m * sizeof (float));
  plan->zero_points = g_memdup2 (quant->weight_zero, m * sizeof (int32_t));
  plan->bias = quant->bias != NULL ? g_memdup2 (quant->bias, m * sizeof (int32_t)) : NULL;
  plan->input_scale = quant->input_scale;
  plan->input_zero = quant->input_zero;
  plan->out = *out;

  for (int64_t o = 0; o < m; o++)
    {
      const int8_t *w = quant->weights + o * depth;
      int64_t weight_sum = 0, magnitude = 0, largest = 0, offset;
      int left_shift;

      if (!quantize_multiplier ((double) quant->input_scale * (double) quant->weight_scale[o]
                                / (double) out->scale,
                                &plan->multiplier[o], &plan->right_shift[o], &left_shift)
          || (left_shift > 0 && !depthwise))
        {
          *reason = "a requantization multiplier is 1 or more";
          cs_qconv_plan_free (plan);
          return NULL;
        }
      /* TFLite multiplies the sums by 2^left_shift before the rest of the
       * requantization; a depthwise plan does it in its weights and
       * offset. */
      plan->left_shift[o] = left_shift;
      for (int64_t p = 0; p < depth; p++)
        {
          if (depthwise)
            {
              const int64_t tap = (int64_t) (w[p] - quant->weight_zero[o])
                                  * ((int64_t) 1 << left_shift);

              plan->taps[o * depth + p] = (int16_t) CLAMP (tap, INT16_MIN, INT16_MAX);
              magnitude += ABS (tap);
              largest = MAX (largest, ABS (tap));
            }
          else
            plan->a[weight_at (plan, o, p)] = w[p];
          weight_sum += w[p];
        }
      /* Σ (x − zx)(w − zw) = Σ x·w − zw·Σ x − zx·Σ w + depth·zx·zw; the
       * depthwise kernels' w is w − zw already, and their padding is zx
       * as TFLite's: Σ x·(w − zw) − zx·Σ (w − zw). */
      offset = ((quant->bias != NULL ? quant->bias[o] : 0)
                - (int64_t) quant->input_zero * weight_sum
                + depth * (int64_t) quant->input_zero * quant->weight_zero[o])
               * ((int64_t) 1 << left_shift);
      if (offset < INT32_MIN || offset > INT32_MAX || largest > INT16_MAX
          || 255 * magnitude >= 1 << 24)
        {
          *reason = "an offset leaves int32, or depthwise weights or sums grow too large";
          cs_qconv_plan_free (plan);
          return NULL;
        }
      plan->offset[o] = (int32_t) offset;
      plan->weight_zero[o] = quant->weight_zero[o];
      any_weight_zero |= quant->weight_zero[o] != 0 && !depthwise;
    }
  if (!any_weight_zero)
    g_clear_pointer (&plan->weight_zero, g_free);
  return plan;
}

void
cs_qconv_plan_free (CsQConvPlan *plan)
{
  if (plan == NULL)
    return;
  g_free (plan->a);
  g_free (plan->taps);
  g_free (plan->offset);
  g_free (plan->multiplier);
  g_free (plan->right_shift);
  g_free (plan->left_shift);
  g_free (plan->weight_zero);
  g_free (plan->weight_scale);
  g_free (plan->zero_points);
  g_free (plan->bias);
  g_free (plan);
}

typedef struct
{
  const CsQConvPlan *plan;
  const void        *x;
  const CsGrid      *x_bytes;  /* the grid of x's bytes, or NULL: floats */
  void              *y;
  gboolean           y_bytes;
  void             **scratch;
  int64_t            blocks;   /* per image */
  int64_t            parts;    /* of the output channels, per block */
} QConvRun;

/* Packs the @n_block columns from @j0 on of image @img's input into the
 * B panels at @b, their sums into @colsum. */
static void
pack_block (const QConvRun *run, int64_t img, int64_t j0, int64_t n_block, uint8_t *b,
            int32_t *colsum, float *cols)
{
  const CsQConvPlan *plan = run->plan;
  const CsKernels *kernels = plan->kernels;
  const CsConvShape *s = &plan->shape;
  const int64_t pixels = s->out_h * s->out_w, columns = block_columns (kernels);
  const int64_t panel_bytes = plan->depth4 * 4 * kernels->qnr;
  const int64_t x_offset = img * s->in_channels * s->in_h * s->in_w;

  if (run->x_bytes != NULL)
    /* A pointwise plan's input rows are its columns, as bytes. */
    for (int64_t j = 0; j < n_block; j += kernels->qnr)
      kernels->qpack_bytes ((const uint8_t *) run->x + x_offset + j0 + j, pixels, plan->depth,
                            (int) MIN (kernels->qnr, n_block - j),
                            (int32_t) run->x_bytes->low + plan->input_zero,
                            b + j / kernels->qnr * panel_bytes, colsum + j);
  else
    {
      const float *x = (const float *) run->x + x_offset;
      const float *rows = x + j0;
      int64_t row_stride = pixels;

      /* The padding's 0 quantizes to the input's zero point: TFLite's
       * padding. */
      if (!plan->pointwise)
        {
          cs_im2col_columns (s, x, j0, n_block, cols, columns);
          rows = cols;
          row_stride = columns;
        }
      for (int64_t j = 0; j < n_block; j += kernels->qnr)
        kernels->qpack (rows + j, row_stride, plan->depth, (int) MIN (kernels->qnr, n_block - j),
                        1.0f / plan->input_scale, plan->input_zero,
                        b + j / kernels->qnr * panel_bytes, colsum + j);
    }
}

static void
qconv_range (void *user, int64_t begin, int64_t end, int thread)
{
  const QConvRun *run = user;
  const CsQConvPlan *plan = run->plan;
  const CsKernels *kernels = plan->kernels;
  const CsConvShape *s = &plan->shape;
  const int64_t pixels = s->out_h * s->out_w, columns = block_columns (kernels);
  const int64_t panel_bytes = plan->depth4 * 4 * kernels->qnr;
  const int64_t part_rows = (s->out_channels + run->parts * kernels->qmr - 1)
                            / (run->parts * kernels->qmr) * kernels->qmr;
  uint8_t *b = (uint8_t *) cs_scratch_floats (run->scratch[thread]);
  int32_t *colsum = (int32_t *) cs_scratch_floats (b + panel_bytes * BLOCK_PANELS);
  float *cols = cs_scratch_floats (colsum + columns);
  /* A block packed for one part serves the next part this thread takes. */
  int64_t packed = -1;

  for (int64_t task = begin; task < end; task++)
    {
      const int64_t part = task % run->parts, block = task / run->parts;
      const int64_t img = block / run->blocks, j0 = block % run->blocks * columns;
      const int64_t n_block = MIN (columns, pixels - j0);
      const int64_t y_offset = img * s->out_channels * pixels;

      if (block != packed)
        pack_block (run, img, j0, n_block, b, colsum, cols);
      packed = block;
      for (int64_t i = part * part_rows; i < MIN ((part + 1) * part_rows, s->out_channels);
           i += kernels->qmr)
        {
          const CsRequant rq = {
            plan->offset + i, plan->multiplier + i, plan->right_shift + i,
            plan->weight_zero != NULL ? plan->weight_zero + i : NULL, NULL,
            (int32_t) plan->out.low, (int32_t) plan->out.high, plan->out.scale, run->y_bytes,
          };
          const int h = (int) MIN (kernels->qmr, s->out_channels - i);
          const int64_t first = y_offset + i * pixels + j0;

          for (int64_t j = 0; j < n_block; j += kernels->qnr)
            {
              CsRequant tile_rq = rq;

              tile_rq.colsum = colsum + j;
              kernels->qgemm (plan->depth4, plan->a + i * plan->depth4 * 4,
                              b + j / kernels->qnr * panel_bytes,
                              cs_output_at (run->y, run->y_bytes, first + j),
                              pixels, h, (int) MIN (kernels->qnr, n_block - j), &tile_rq);
            }
        }
    }
}

/* @n bytes from @from to @to, in copies of a fixed size the compiler
 * makes a move or two each (the last overlapping the one before): a
 * call to memcpy for each of a small plane's rows cost more than the
 * copy. */
static inline void
copy_row (uint8_t *to, const uint8_t *from, int64_t n)
{
  int64_t i = 0;

  if (n >= 16)
    {
      for (; i + 16 <= n; i += 16)
        memcpy (to + i, from + i, 16);
      memcpy (to + n - 16, from + n - 16, 16);
    }
  else if (n >= 8)
    {
      memcpy (to, from, 8);
      memcpy (to + n - 8, from + n - 8, 8);
    }
  else
    for (; i < n; i++)
      to[i] = from[i];
}

/* Image @img's input planes [@c0, @c0 + @n) into the insides of the
 * padded planes at @padded (@stride bytes apart), whose borders hold the
 * input's zero point, then through the depthwise kernel. */
static void
qdepthwise_planes (const QConvRun *run, int64_t img, int64_t c0, int64_t n, uint8_t *padded,
                   int64_t stride)
{
  const CsQConvPlan *plan = run->plan;
  const CsConvShape *s = &plan->shape;
  const CsQDepthwiseGeometry g = padded_geometry (s);
  const int64_t in_w = s->in_w, in_plane = s->in_h * in_w;
  const int64_t first = img * s->out_channels + c0;
  /* Input bytes to the kernel's: their grid's low plus the zero point. */
  const uint8_t add = run->x_bytes != NULL
                      ? (uint8_t) ((int32_t) run->x_bytes->low + plan->input_zero) : 0;
  const CsRequant rq = {
    plan->offset + c0, plan->multiplier + c0, plan->right_shift + c0, NULL, NULL,
    (int32_t) plan->out.low, (int32_t) plan->out.high, plan->out.scale, run->y_bytes,
  };

  for (int64_t c = 0; c < n; c++)
    {
      uint8_t *row = padded + c * stride + s->pads[0] * g.row + s->pads[1];

      for (int64_t ih = 0; ih < s->in_h; ih++, row += g.row)
        if (run->x_bytes == NULL)
          /* The input's bytes are the steps of the grid from −zx on. */
          plan->kernels->grid_to_bytes ((const float *) run->x + (first + c) * in_plane
                                        + ih * in_w, row, in_w, plan->input_scale,
                                        (float) -plan->input_zero,
                                        (float) (255 - plan->input_zero));
        else
          {
            const uint8_t *from = (const uint8_t *) run->x + (first + c) * in_plane + ih * in_w;

            if (add == 0)
              copy_row (row, from, in_w);
            else
              for (int64_t iw = 0; iw < in_w; iw++)
                row[iw] = (uint8_t) (from[iw] + add);
          }
    }
  plan->kernels->qdepthwise (padded, stride, &g, plan->taps + c0 * plan->depth,
                             cs_output_at (run->y, run->y_bytes, first * g.out_h * g.out_w),
                             g.out_h * g.out_w, n, &rq);
}

static void
qdepthwise_range (void *user, int64_t begin, int64_t end, int thread)
{
  const QConvRun *run = user;
  const CsConvShape *s = &run->plan->shape;
  const int64_t stride = (s->pads[0] + s->in_h + s->pads[2]) * padded_geometry (s).row;
  const int64_t batch = depthwise_batch (s);
  uint8_t *padded = (uint8_t *) cs_scratch_floats (run->scratch[thread]);

  /* The borders, and the slack past them, once: every plane writes only
   * its inside. */
  memset (padded, run->plan->input_zero,
          MIN (batch, end - begin) * stride + CS_QDEPTHWISE_SLACK);
  for (int64_t plane = begin; plane < end;)
    {
      const int64_t img = plane / s->out_channels, c0 = plane % s->out_channels;
      const int64_t n = MIN (MIN (batch, end - plane), s->out_channels - c0);

      qdepthwise_planes (run, img, c0, n, padded, stride);
      plane += n;
    }
}

typedef struct
{
  const QConvRun *run;
  const uint8_t  *b;       /* the image's column, packed */
  const int32_t  *colsum;
  int64_t         image;
} QGemvRun;

static void
qgemv_range (void *user, int64_t begin, int64_t end, int thread)
{
  const QGemvRun *gemv = user;
  const CsQConvPlan *plan = gemv->run->plan;
  const int64_t o0 = begin * CS_QGEMV_CHANNELS;
  const int64_t o1 = MIN (end * CS_QGEMV_CHANNELS, plan->shape.out_channels);
  const int64_t first = gemv->image * plan->shape.out_channels + o0;
  const CsRequant rq = {
    plan->offset + o0, plan->multiplier + o0, plan->right_shift + o0,
    plan->weight_zero != NULL ? plan->weight_zero + o0 : NULL, gemv->colsum,
    (int32_t) plan->out.low, (int32_t) plan->out.high, plan->out.scale, gemv->run->y_bytes,
  };

  (void) thread;
  plan->kernels->qgemv (plan->depth4, plan->a + o0 * 4, plan->ldw, gemv->b,
                        cs_output_at (gemv->run->y, gemv->run->y_bytes, first),
                        (int) (o1 - o0), &rq);
}

/* A one-pixel output image by image: its column packed once on this
 * thread, then the GEMV over the pool in groups of channels. */
static void
qgemv_run (const QConvRun *run, CsThreadPool *pool)
{
  const CsQConvPlan *plan = run->plan;
  const int64_t columns = block_columns (plan->kernels);
  const int64_t panel_bytes = plan->depth4 * 4 * plan->kernels->qnr;
  uint8_t *b = (uint8_t *) cs_scratch_floats (run->scratch[0]);
  int32_t *colsum = (int32_t *) cs_scratch_floats (b + panel_bytes * BLOCK_PANELS);
  float *cols = cs_scratch_floats (colsum + columns);

  for (int64_t img = 0; img < plan->shape.batch; img++)
    {
      const QGemvRun gemv = { run, b, colsum, img };

      pack_block (run, img, 0, 1, b, colsum, cols);
      cs_parallel_for (pool, plan->ldw / CS_QGEMV_CHANNELS, 1, qgemv_range, (void *) &gemv);
    }
}

gboolean
cs_qconv_plan_reads_bytes (const CsQConvPlan *plan, const CsGrid *grid)
{
  return (plan->pointwise || plan->depthwise) && cs_grid_fits_bytes (grid) && grid->scale == plan->input_scale
         && grid->low + (float) plan->input_zero >= 0.0f
         && grid->high + (float) plan->input_zero <= 255.0f;
}

const CsGrid *
cs_qconv_plan_grid (const CsQConvPlan *plan)
{
  return &plan->out;
}

void
cs_qconv_plan_run (const CsQConvPlan *plan,
                   const void        *x,
                   const CsGrid      *x_bytes,
                   void              *y,
                   gboolean           y_bytes,
                   CsThreadPool      *pool,
                   void             **scratch)
{
  const int64_t columns = block_columns (plan->kernels);
  const int64_t row_panels = (plan->shape.out_channels + plan->kernels->qmr - 1)
                             / plan->kernels->qmr;
  QConvRun run = { plan, x, x_bytes, y, y_bytes, scratch, 0, 1 };

  g_return_if_fail (x_bytes == NULL || cs_qconv_plan_reads_bytes (plan, x_bytes));
  g_return_if_fail (!y_bytes || cs_grid_fits_bytes (&plan->out));

  if (plan->depthwise)
    {
      cs_parallel_for (pool, plan->shape.batch * plan->shape.out_channels, 1, qdepthwise_range,
                       &run);
      return;
    }
  if (plan->gemv)
    {
      qgemv_run (&run, pool);
      return;
    }

  run.blocks = (plan->shape.out_h * plan->shape.out_w + columns - 1) / columns;
  /* Too few blocks to share out (a 7 × 7 map is one): each is also cut
   * along the output channels, every part packing the block for itself. */
  if (pool != NULL && cs_thread_pool_n_threads (pool) > 1
      && plan->shape.batch * run.blocks < MIN_TASKS)
    run.parts = MIN (row_panels, (MIN_TASKS + plan->shape.batch * run.blocks - 1)
                                   / (plan->shape.batch * run.blocks));
  cs_parallel_for (pool, plan->shape.batch * run.blocks * run.parts, 1, qconv_range, &run);
}

float
cs_qconv_plan_channel (const CsQConvPlan *plan, int64_t m, float *weights)
{
  for (int64_t p = 0; p < plan->depth; p++)
    {
      const double w = plan->depthwise
                       ? ldexp (plan->taps[m * plan->depth + p], -plan->left_shift[m])
                       : (double) plan->a[weight_at (plan, m, p)] - plan->zero_points[m];

      weights[p] = (float) (w * plan->weight_scale[m]);
    }
  return plan->bias != NULL
         ? (float) ((double) plan->bias[m] * (double) (plan->input_scale * plan->weight_scale[m]))
         : 0.0f;
}
