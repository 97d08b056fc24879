/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-kernels.c — the convolution and GEMM kernels against a naive
 * reference computed in double precision, for every kernel table this CPU
 * runs (portable C, AVX2, AVX-512), serially and on a thread pool, over
 * many random shapes: odd sizes, groups and depthwise with multipliers,
 * dilations, strides, asymmetric padding, channel counts and widths that
 * are not multiples of the tiles, depth 1, every fused activation, and
 * for GEMM every operand layout (transposed, packed, read as stored, a
 * few rows on the GEMV kernel), scaling and accumulation.  The error of each output
 * is measured against Σ|terms| of its sum, the scale float rounding works
 * at.  Also: the Conv op refuses what it cannot run with the right error
 * codes, and the logistic-function and GELU kernels are within their
 * stated ulps of σ and x·Φ(x) in double precision, the HardSwish and
 * pooling kernels agree with the portable ones to the bit, and the
 * transposes with their definition.
 */
#include "kernels/convolution.h"
#include "kernels/winograd.h"
#include "ops/ops.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define MAX_ERROR 1e-5

static const char *const table_names[] = { "generic", "avx2", "avx512" };

static const CsActivation activations[] = {
  { CS_ACT_NONE, 0, 0 },
  { CS_ACT_RELU, 0, 0 },
  { CS_ACT_CLIP, -0.25f, 0.5f },
  { CS_ACT_LEAKY_RELU, 0.1f, 0 },
  { CS_ACT_SIGMOID, 0, 0 },
};

static void
fill_random (GRand *rand, float *data, int64_t n)
{
  for (int64_t i = 0; i < n; i++)
    data[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
}

static double
activate (const CsActivation *act, double x)
{
  switch (act->kind)
    {
    case CS_ACT_RELU:
      return MAX (x, 0.0);
    case CS_ACT_CLIP:
      return CLAMP (x, act->alpha, act->beta);
    case CS_ACT_LEAKY_RELU:
      return x < 0 ? act->alpha * x : x;
    case CS_ACT_SIGMOID:
      return 1.0 / (1.0 + exp (-x));
    default:
      return x;
    }
}

/* Worst |got − want| / (scale + 1e-30) over @n outputs.  The scale is
 * Σ|terms| of the sum, which bounds its rounding error (the activations
 * here are 1-Lipschitz), plus |want| for the activation's own rounding. */
static double
max_error (const float *got, const double *want, const double *scale, int64_t n)
{
  double worst = 0;

  for (int64_t i = 0; i < n; i++)
    {
      double error = fabs (got[i] - want[i]) / (scale[i] + 1e-30);

      if (!(error <= worst))   /* catches NaN */
        worst = isnan (error) ? INFINITY : error;
    }
  return worst;
}

static void **
new_scratch (int threads, size_t bytes)
{
  void **scratch = g_new (void *, threads);

  for (int t = 0; t < threads; t++)
    scratch[t] = g_malloc (bytes);
  return scratch;
}

static void
free_scratch (void **scratch, int threads)
{
  for (int t = 0; t < threads; t++)
    g_free (scratch[t]);
  g_free (scratch);
}

/* ---- Convolution ---- */

static void
reference_conv (const CsConvShape *s, const float *x, const float *w, const float *b,
                const CsActivation *act, double *y, double *scale)
{
  int64_t cg = s->in_channels / s->groups, mg = s->out_channels / s->groups;

  for (int64_t img = 0; img < s->batch; img++)
    for (int64_t m = 0; m < s->out_channels; m++)
      for (int64_t oh = 0; oh < s->out_h; oh++)
        for (int64_t ow = 0; ow < s->out_w; ow++)
          {
            double sum = b != NULL ? b[m] : 0, magnitude = fabs (sum);
            int64_t g = m / mg;

            for (int64_t c = 0; c < cg; c++)
              for (int kh = 0; kh < s->kernel[0]; kh++)
                for (int kw = 0; kw < s->kernel[1]; kw++)
                  {
                    int64_t ih = oh * s->stride[0] - s->pads[0] + kh * s->dilation[0];
                    int64_t iw = ow * s->stride[1] - s->pads[1] + kw * s->dilation[1];
                    double term;

                    if (ih < 0 || ih >= s->in_h || iw < 0 || iw >= s->in_w)
                      continue;
                    term = (double) w[((m * cg + c) * s->kernel[0] + kh) * s->kernel[1] + kw]
                           * x[((img * s->in_channels + g * cg + c) * s->in_h + ih) * s->in_w + iw];
                    sum += term;
                    magnitude += fabs (term);
                  }
            *y = activate (act, sum);
            *scale++ = magnitude + fabs (*y++);
          }
}

/* Every output channel's weights and bias come back out of @plan's packed
 * form as they went in (what `convscope probe` shows). */
static void
check_unpacked (const CsConvPlan *plan, const CsConvShape *s, const float *w, const float *b)
{
  int64_t per_channel = (s->in_channels / s->groups) * s->kernel[0] * s->kernel[1];
  float *unpacked = g_new (float, per_channel);

  for (int64_t m = 0; m < s->out_channels; m++)
    {
      g_assert_cmpfloat (cs_conv_plan_channel (plan, m, unpacked), ==,
                         b != NULL ? b[m] : 0.0f);
      g_assert_cmpmem (unpacked, sizeof (float) * per_channel, w + m * per_channel,
                       sizeof (float) * per_channel);
    }
  g_free (unpacked);
}

/* Runs @s on every kernel table, serially and on two threads, and checks
 * each against the reference; @scaled, with the input's channels
 * multiplied by factors per image (cs_conv_plan_run_scaled), against the
 * reference on the scaled input. */
static void
check_conv (GRand *rand, const CsConvShape *s, gboolean with_bias, const CsActivation *act,
            gboolean scaled)
{
  int64_t x_n = s->batch * s->in_channels * s->in_h * s->in_w;
  int64_t w_n = s->out_channels * (s->in_channels / s->groups) * s->kernel[0] * s->kernel[1];
  int64_t y_n = s->batch * s->out_channels * s->out_h * s->out_w;
  float *x = g_new (float, x_n), *w = g_new (float, w_n), *b = g_new (float, s->out_channels);
  float *y = g_new (float, y_n), *factors = g_new (float, s->batch * s->in_channels);
  float *x_scaled = g_new (float, x_n);
  double *want = g_new (double, y_n), *scale = g_new (double, y_n);
  GError *error = NULL;

  g_assert_true (cs_conv_shape_check (s, &error));
  g_assert_no_error (error);
  fill_random (rand, x, x_n);
  fill_random (rand, w, w_n);
  fill_random (rand, b, s->out_channels);
  fill_random (rand, factors, s->batch * s->in_channels);
  for (int64_t i = 0; i < x_n; i++)
    x_scaled[i] = scaled ? x[i] * factors[i / (s->in_h * s->in_w)] : x[i];
  reference_conv (s, x_scaled, w, with_bias ? b : NULL, act, want, scale);

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);
      CsConvPlan *plan;

      if (kernels == NULL)
        continue;
      plan = cs_conv_plan_new (kernels, s, w, with_bias ? b : NULL);
      check_unpacked (plan, s, w, with_bias ? b : NULL);
      for (int threads = 1; threads <= 2; threads++)
        {
          CsThreadPool *pool = threads > 1 ? cs_thread_pool_new (threads) : NULL;
          void **scratch = new_scratch (threads, scaled ? cs_conv_scaled_scratch_bytes (kernels, s)
                                                        : cs_conv_scratch_bytes (kernels, s));
          double error_seen;

          memset (y, 0xff, sizeof (float) * y_n);   /* NaN: unwritten outputs fail */
          if (scaled)
            cs_conv_plan_run_scaled (plan, x, factors, y, act, pool, scratch);
          else
            cs_conv_plan_run (plan, x, y, act, pool, scratch);
          error_seen = max_error (y, want, scale, y_n);
          if (error_seen > MAX_ERROR)
            g_error ("%s, %d thread(s): conv %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT "×%"
                     G_GINT64_FORMAT "×%" G_GINT64_FORMAT " → %" G_GINT64_FORMAT
                     " channels, kernel %d×%d, stride %d×%d, dilation %d×%d, pads %d,%d,%d,%d,"
                     " groups %d, act %d%s: relative error %g",
                     kernels->name, threads, s->batch, s->in_channels, s->in_h, s->in_w,
                     s->out_channels, s->kernel[0], s->kernel[1], s->stride[0], s->stride[1],
                     s->dilation[0], s->dilation[1], s->pads[0], s->pads[1], s->pads[2],
                     s->pads[3], s->groups, act->kind, scaled ? ", scaled input" : "", error_seen);
          free_scratch (scratch, threads);
          cs_thread_pool_free (pool);
        }
      cs_conv_plan_free (plan);
    }
  g_free (x);
  g_free (x_scaled);
  g_free (factors);
  g_free (w);
  g_free (b);
  g_free (y);
  g_free (want);
  g_free (scale);
}

static gboolean
complete_shape (CsConvShape *s)
{
  s->out_h = cs_window_output_size (s->in_h, s->kernel[0], s->stride[0], s->dilation[0],
                                    s->pads[0], s->pads[2], FALSE);
  s->out_w = cs_window_output_size (s->in_w, s->kernel[1], s->stride[1], s->dilation[1],
                                    s->pads[1], s->pads[3], FALSE);
  return s->out_h > 0 && s->out_w > 0;
}

/* A random convolution in *@s: FALSE when its window does not fit. */
static gboolean
random_shape (GRand *rand, CsConvShape *s_out)
{
  CsConvShape s = { 0 };
  int kind = g_rand_int_range (rand, 0, 4);
  int64_t cg = g_rand_int_range (rand, 1, 10), mg = g_rand_int_range (rand, 1, 40);

  s.batch = g_rand_int_range (rand, 1, 3);
  /* 0: plain, 1: grouped, 2: depthwise (with multiplier), 3: one input channel. */
  s.groups = kind == 1 ? g_rand_int_range (rand, 2, 4)
             : kind == 2 ? g_rand_int_range (rand, 1, 20) : 1;
  if (kind >= 2)
    {
      cg = 1;
      mg = g_rand_int_range (rand, 1, 4);
    }
  s.in_channels = cg * s.groups;
  s.out_channels = mg * s.groups;
  s.in_h = g_rand_int_range (rand, 1, 24);
  s.in_w = g_rand_int_range (rand, 1, 40);
  for (int axis = 0; axis < 2; axis++)
    {
      s.kernel[axis] = g_rand_int_range (rand, 1, 6);
      s.stride[axis] = g_rand_int_range (rand, 1, 4);
      s.dilation[axis] = g_rand_int_range (rand, 1, 4);
      s.pads[axis] = g_rand_int_range (rand, 0, 4);
      s.pads[axis + 2] = g_rand_int_range (rand, 0, 4);
    }
  /* A third of the cases without padding and with stride 1, where the
   * input is read in place. */
  if (g_rand_int_range (rand, 0, 3) == 0)
    {
      memset (s.pads, 0, sizeof s.pads);
      s.stride[0] = s.stride[1] = 1;
    }
  *s_out = s;
  return complete_shape (s_out);
}

/* @n random convolutions, with their inputs @scaled or not. */
static void
check_random_convs (guint32 seed, int n, gboolean scaled)
{
  GRand *rand = g_rand_new_with_seed (seed);
  int checked = 0;

  while (checked < n)
    {
      CsConvShape s;

      if (!random_shape (rand, &s) || (scaled && !cs_conv_scales_input (&s)))
        continue;
      check_conv (rand, &s, g_rand_boolean (rand),
                  &activations[g_rand_int_range (rand, 0, G_N_ELEMENTS (activations))], scaled);
      checked++;
    }
  g_rand_free (rand);
}

static void
test_conv_random (void)
{
  check_random_convs (20240601, 150, FALSE);
}

/* The layer shapes the networks use, full size: long depths, many tiles,
 * channel blocks split across tasks. */
static void
test_conv_network_layers (void)
{
  static const int cases[][7] = {
    /* C, H=W, M, kernel, stride, pad, groups */
    { 3, 224, 64, 7, 2, 3, 1 },
    { 64, 56, 64, 3, 1, 1, 1 },
    { 128, 28, 256, 3, 2, 1, 1 },
    { 256, 7, 512, 3, 1, 1, 1 },
    { 512, 7, 100, 1, 1, 0, 1 },
    { 96, 56, 96, 3, 2, 1, 96 },
    /* Maps wide enough for blocks whose every load is whole. */
    { 96, 112, 96, 3, 2, 1, 96 },
    { 32, 112, 32, 3, 1, 1, 32 },
    { 58, 28, 58, 3, 1, 1, 58 },
    /* EfficientNet's 5×5 depthwise layers, 7×7 maps among them, where
     * every group of rows reaches into the padding. */
    { 240, 28, 240, 5, 2, 2, 240 },
    { 672, 14, 672, 5, 1, 2, 672 },
    { 1152, 7, 1152, 5, 1, 2, 1152 },
    /* ConvNeXt's 7×7 depthwise layers. */
    { 96, 56, 96, 7, 1, 3, 96 },
    { 768, 7, 768, 7, 1, 3, 768 },
    /* Rows of more column blocks than the depthwise kernel keeps the
     * masks of at once, AVX2's and AVX-512's (16 × 8 and 16 × 16 lanes:
     * BLOCKS_TOGETHER), the last run of blocks short. */
    { 4, 300, 4, 3, 1, 1, 4 },
    { 4, 530, 4, 5, 2, 2, 4 },
    /* MobileNet v2's projections to few channels, whose first row of
     * tiles fetches its B rows ahead (FETCH_B_OUTPUTS). */
    { 96, 56, 24, 1, 1, 0, 1 },
    { 32, 112, 16, 1, 1, 0, 1 },
  };
  GRand *rand = g_rand_new_with_seed (7);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const int *c = cases[i];
      CsConvShape s = { 1, c[0], c[1], c[1], c[2], 0, 0, { c[3], c[3] }, { c[4], c[4] },
                        { 1, 1 }, { c[5], c[5], c[5], c[5] }, c[6] };

      g_assert_true (complete_shape (&s));
      check_conv (rand, &s, TRUE, &activations[i % G_N_ELEMENTS (activations)], FALSE);
    }
  g_rand_free (rand);
}

/* Each of the @n shapes, out_h and out_w left to complete_shape, through
 * check_conv with the activations in turn, with a bias in every
 * @bias_every-th case, the inputs @scaled or not. */
static void
check_conv_cases (const CsConvShape *cases, guint n, guint32 seed, guint bias_every,
                  gboolean scaled)
{
  GRand *rand = g_rand_new_with_seed (seed);

  for (guint i = 0; i < n; i++)
    {
      CsConvShape s = cases[i];

      g_assert_true (complete_shape (&s));
      if (scaled && !cs_conv_scales_input (&s))
        continue;
      check_conv (rand, &s, i % bias_every == 0, &activations[i % G_N_ELEMENTS (activations)],
                  scaled);
    }
  g_rand_free (rand);
}

/* Each of the @n shapes, out_h and out_w left to complete_shape, runs in
 * @layout on @kernels. */
static void
assert_layouts (const CsKernels *kernels, const CsConvShape *cases, guint n,
                CsConvLayout layout)
{
  for (guint i = 0; i < n; i++)
    {
      CsConvShape s = cases[i];

      g_assert_true (complete_shape (&s));
      g_assert_cmpint (cs_conv_layout (kernels, &s), ==, layout);
    }
}

/* Each of the @n depthwise shapes runs on the planes on every table
 * (CS_CONV_LAYOUT_DEPTHWISE), and matches the reference. */
static void
check_planes_depthwise (const CsConvShape *cases, guint n, guint32 seed)
{
  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

      if (kernels != NULL)
        assert_layouts (kernels, cases, n, CS_CONV_LAYOUT_DEPTHWISE);
    }
  check_conv_cases (cases, n, seed, 2, FALSE);
}

/* Layers with many weights on a small map, or deep with more output
 * channels than pixels, which run as one product by the GEMM driver and
 * are transposed back (convolution.c: PRODUCT_PIXELS), on every table:
 * 1×1 ones read in place, ResNet-50's last ones and its 1024 → 512 on
 * 14×14, MobileNet v2's 160 ↔ 960 (fewer pixels than output channels:
 * the driver packs the pixels once for all its tasks), two images of a
 * smaller one; and by stride 2, over their im2col matrix, a 1×1 layer
 * onto 7×7 and 3×3 ones onto 14×14 and 7×7; with the inputs scaled too,
 * whose weights follow the driver's scratch and the sums.  Not: a 1×1
 * layer of fewer weights on 7×7 (300 → 70), a deep one on 14×14 with
 * fewer outputs than pixels (1024 → 128) or a shallower one with more
 * (256 → 1024), 8×8 maps where GEMM tiles run (2048 → 192, 600 → 600),
 * a 3×3 layer of stride 1, whose im2col matrix would copy every input
 * value nine times, and one by stride 2 onto more pixels than outputs;
 * which run against the reference too. */
static void
test_conv_through_gemm (void)
{
  /* batch, C, H, W, M, (out), kernel, stride, dilation, pads, groups */
  static const CsConvShape product[] = {
    { 1, 2048, 7, 7, 512, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 512, 7, 7, 2048, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 1024, 14, 14, 512, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 160, 7, 7, 960, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 960, 7, 7, 160, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 2, 520, 5, 6, 530, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 384, 14, 14, 256, 0, 0, { 1, 1 }, { 2, 2 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 64, 28, 28, 256, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 128, 14, 14, 240, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
  };
  static const CsConvShape not_product[] = {
    { 1, 300, 7, 7, 70, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 1024, 14, 14, 128, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 256, 14, 14, 1024, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 2048, 8, 8, 192, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 600, 8, 8, 600, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 256, 7, 7, 256, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 160, 35, 35, 200, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
  };

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

      if (kernels == NULL)
        continue;
      assert_layouts (kernels, product, G_N_ELEMENTS (product), CS_CONV_LAYOUT_PRODUCT);
      for (guint i = 0; i < G_N_ELEMENTS (not_product); i++)
        {
          CsConvShape s = not_product[i];

          g_assert_true (complete_shape (&s));
          g_assert_cmpint (cs_conv_layout (kernels, &s), !=, CS_CONV_LAYOUT_PRODUCT);
        }
    }
  check_conv_cases (product, G_N_ELEMENTS (product), 16, 2, FALSE);
  check_conv_cases (product, G_N_ELEMENTS (product), 17, 2, TRUE);
  check_conv_cases (not_product, G_N_ELEMENTS (not_product), 18, 2, FALSE);
}

/* Dilations as large as the input, as in DeepLab's atrous pyramid: the
 * outer taps never reach the input and the plan runs on the others
 * alone, which must change nothing; also where dropping them would
 * leave a negative padding, and where no tap reaches it. */
static void
test_conv_atrous (void)
{
  /* batch, C, H, W, M, (out), kernel, stride, dilation, pads, groups */
  static const CsConvShape cases[] = {
    { 1, 16, 14, 14, 8, 0, 0, { 3, 3 }, { 1, 1 }, { 24, 24 }, { 24, 24, 24, 24 }, 1 },
    { 1, 16, 14, 14, 8, 0, 0, { 3, 3 }, { 1, 1 }, { 12, 36 }, { 12, 36, 12, 36 }, 1 },
    { 2, 12, 9, 9, 12, 0, 0, { 3, 3 }, { 1, 1 }, { 36, 2 }, { 36, 2, 36, 2 }, 12 },
    { 1, 8, 6, 7, 4, 0, 0, { 5, 5 }, { 1, 1 }, { 5, 5 }, { 10, 10, 10, 10 }, 1 },
    /* Only the first tap row misses the input, and dropping it would
     * need a padding of −3. */
    { 1, 8, 10, 6, 4, 0, 0, { 3, 3 }, { 8, 1 }, { 4, 1 }, { 1, 1, 0, 1 }, 1 },
    /* No tap reaches the input: the output is the bias. */
    { 1, 4, 3, 3, 4, 0, 0, { 3, 3 }, { 1, 1 }, { 9, 9 }, { 9, 9, 9, 9 }, 1 },
  };
  check_conv_cases (cases, G_N_ELEMENTS (cases), 11, 1, FALSE);
  check_conv_cases (cases, G_N_ELEMENTS (cases), 12, 1, TRUE);
}

/* Layers with one group on maps smaller than two tiles' width, where
 * the pixels become the tiles' rows on some kernel tables and not on
 * others (transposed_pays): 1×1 ones that read the input as it stands
 * (a squeeze-excitation layer's single pixel, a 7×7 map, maps of 20 and
 * 9 pixels), the others through an im2col matrix (3×3 with padding,
 * stride 2, dilation, a 1×1 with stride 2, a kernel wider than the
 * input); output channels that fill no panel or end in part of one, and
 * two images. */
static void
test_conv_small_maps (void)
{
  /* batch, C, H, W, M, (out), kernel, stride, dilation, pads, groups */
  static const CsConvShape cases[] = {
    { 1, 1152, 1, 1, 48, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 300, 7, 7, 70, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 2, 40, 4, 5, 37, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 24, 3, 3, 5, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 2, 8, 1, 1, 1200, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 2, 20, 4, 5, 45, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 33, 9, 9, 64, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 0, 1, 2 }, 1 },
    { 1, 16, 6, 6, 40, 0, 0, { 3, 3 }, { 1, 1 }, { 2, 2 }, { 2, 2, 2, 2 }, 1 },
    { 1, 48, 10, 10, 24, 0, 0, { 1, 1 }, { 2, 2 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 6, 3, 4, 35, 0, 0, { 5, 7 }, { 1, 1 }, { 1, 1 }, { 2, 3, 2, 3 }, 1 },
  };
  check_conv_cases (cases, G_N_ELEMENTS (cases), 17, 2, FALSE);
  check_conv_cases (cases, G_N_ELEMENTS (cases), 18, 2, TRUE);
}

/* Which layout a layer takes, on every kernel table.  Transposed tiles
 * over the staged block, as GEMM tiles read it: Inception v3's 1×7 layers
 * on 17×17 maps, whose padding leaves 6 of every 23 columns of a GEMM
 * tile empty, its 1×3 layers on 8×8 maps, its 3×3 layers of stride 2
 * onto 17×17 (to 200 channels here, which end in
 * part of a panel), a 3×3 layer without padding on 9×9, whose tiles read
 * the input itself as the block, 3×3 layers of stride 2 onto 14×14 and
 * 7×7 with fewer weights than the GEMM driver's product takes, whose
 * tiles run across output rows (with AVX-512 and AVX2), one of them of
 * 16 input channels, whose 144 depth steps are a single block where the
 * others' go in several, each over all of a task's tiles, and DenseNet's
 * 3×3 layers onto 32 channels on 7×7.
 * GEMM tiles: Inception's 3×1 layers on 8×8, whose rows fill the tiles,
 * a shallow 1×1 layer on a large map, where putting the tiles back
 * costs more than empty columns, and of the 1×1 layers with three input
 * channels or more for each output, those with few outputs (24), on an
 * 8×8 map, or with fewer input channels for each (two).  Transposed
 * tiles over the input: the others of those (MobileNet v2's 576 → 96 on
 * 14×14, Inception's 288 → 64 on 35×35, and one whose tasks take their
 * pixels in several passes), whose pixels GEMM tiles would pass over once
 * for every six outputs; their depths go in blocks, the last uneven, and
 * their clip or leaky slope must wait for the last.  Transposed tiles over an
 * im2col matrix: with AVX-512, a 3×3 layer onto 5 columns, fewer than
 * half a tile's 12 rows: the matrix lets tiles run across output rows.
 * Each staged one runs against the reference, with a sigmoid, which the
 * driver applies after the tiles, or a clip or leaky slope, which the
 * micro-kernels do, and the last with its input scaled too. */
static void
test_conv_transposed_layout (void)
{
  /* batch, C, H, W, M, (out), kernel, stride, dilation, pads, groups */
  static const CsConvShape staged[] = {
    { 2, 128, 17, 17, 128, 0, 0, { 1, 7 }, { 1, 1 }, { 1, 1 }, { 0, 3, 0, 3 }, 1 },
    { 1, 96, 8, 8, 320, 0, 0, { 1, 3 }, { 1, 1 }, { 1, 1 }, { 0, 1, 0, 1 }, 1 },
    { 1, 160, 35, 35, 200, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 64, 9, 9, 40, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 64, 28, 28, 160, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 32, 14, 14, 40, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 16, 14, 14, 40, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 128, 7, 7, 32, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
  };
  static const CsConvShape gemm[] = {
    { 1, 384, 8, 8, 384, 0, 0, { 3, 1 }, { 1, 1 }, { 1, 1 }, { 1, 0, 1, 0 }, 1 },
    { 1, 16, 112, 112, 96, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 96, 56, 56, 24, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 2048, 8, 8, 192, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 256, 28, 28, 128, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
  };
  static const CsConvShape deep[] = {
    { 1, 576, 14, 14, 96, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 288, 35, 35, 64, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 389, 72, 72, 64, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
  };
  CsConvShape narrow = { 1, 33, 9, 9, 64, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 0, 1, 2 }, 1 };
  const CsKernels *avx512 = cs_kernels_by_name ("avx512");
  GRand *rand;

  g_assert_true (complete_shape (&narrow));
  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

      if (kernels == NULL)
        continue;
      assert_layouts (kernels, staged, G_N_ELEMENTS (staged), CS_CONV_LAYOUT_TRANSPOSED_STAGED);
      assert_layouts (kernels, gemm, G_N_ELEMENTS (gemm), CS_CONV_LAYOUT_GEMM);
      assert_layouts (kernels, deep, G_N_ELEMENTS (deep), CS_CONV_LAYOUT_TRANSPOSED);
    }
  if (avx512 != NULL)
    g_assert_cmpint (cs_conv_layout (avx512, &narrow), ==, CS_CONV_LAYOUT_TRANSPOSED);
  rand = g_rand_new_with_seed (19);
  for (guint i = 0; i < G_N_ELEMENTS (staged); i++)
    {
      CsConvShape s = staged[i];

      g_assert_true (complete_shape (&s));
      check_conv (rand, &s, i != 1, &activations[i < 2 ? 4 : 2 + i % 2], FALSE);
      /* A squeeze-excitation's scaled input: the scaled copy of the
       * weights is of B panels too. */
      if (i == G_N_ELEMENTS (staged) - 1)
        check_conv (rand, &s, TRUE, &activations[1], TRUE);
    }
  for (guint i = 0; i < G_N_ELEMENTS (deep); i++)
    {
      CsConvShape s = deep[i];

      g_assert_true (complete_shape (&s));
      check_conv (rand, &s, TRUE, &activations[2 + i % 2], i == 1);
    }
  g_rand_free (rand);
}

/* Column kernels whose tiles would be pixels over the staged block run
 * as row kernels on their planes turned (convolution.c: turned_shape):
 * Inception v3's 7×1 layers on 17×17 (two images), on every kernel
 * table; and on the portable one at least (elsewhere as the table
 * chooses), a 5×1 kernel on a map taller than wide with uneven padding,
 * a 3×1 of stride 2 and a dilated one; plain and with the inputs scaled,
 * whose scaled copy the turned plan makes. */
static void
test_conv_turned (void)
{
  /* batch, C, H, W, M, (out), kernel, stride, dilation, pads, groups */
  static const CsConvShape inception[] = {
    { 2, 128, 17, 17, 128, 0, 0, { 7, 1 }, { 1, 1 }, { 1, 1 }, { 3, 0, 3, 0 }, 1 },
    { 1, 192, 17, 17, 160, 0, 0, { 7, 1 }, { 1, 1 }, { 1, 1 }, { 3, 0, 3, 0 }, 1 },
  };
  static const CsConvShape others[] = {
    { 1, 128, 19, 9, 96, 0, 0, { 5, 1 }, { 1, 1 }, { 1, 1 }, { 1, 0, 3, 0 }, 1 },
    { 1, 128, 33, 17, 96, 0, 0, { 3, 1 }, { 2, 2 }, { 1, 1 }, { 1, 0, 1, 0 }, 1 },
    { 2, 128, 13, 9, 96, 0, 0, { 3, 1 }, { 1, 1 }, { 2, 1 }, { 1, 0, 1, 0 }, 1 },
  };

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

      if (kernels != NULL)
        assert_layouts (kernels, inception, G_N_ELEMENTS (inception), CS_CONV_LAYOUT_TURNED);
    }
  assert_layouts (cs_kernels_by_name ("generic"), others, G_N_ELEMENTS (others),
                  CS_CONV_LAYOUT_TURNED);
  for (int scaled = 0; scaled < 2; scaled++)
    {
      check_conv_cases (inception, G_N_ELEMENTS (inception), 29 + scaled, 1, scaled);
      check_conv_cases (others, G_N_ELEMENTS (others), 31 + scaled, 2, scaled);
    }
}

/* Layers whose output is one pixel per image, a dot product of each
 * filter with the whole input (the dense layout, on every kernel table):
 * EfficientNet's squeeze-excitation layers, 1152 → 48 on one image and
 * 48 → 1152 on three, a 3×5 kernel on a 3×5 map, a single input channel
 * (otherwise depthwise) and the stride of a 1×1 kernel, which changes
 * nothing on one pixel.  Five images are more than the GEMV kernel takes
 * and go through GEMM tiles. */
static void
test_conv_dense (void)
{
  /* batch, C, H, W, M, (out), kernel, stride, dilation, pads, groups */
  static const CsConvShape dense[] = {
    { 1, 1152, 1, 1, 48, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 3, 48, 1, 1, 1152, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 2, 7, 3, 5, 40, 0, 0, { 3, 5 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 1, 1, 1, 20, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 2, 33, 1, 1, 17, 0, 0, { 1, 1 }, { 2, 3 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
  };
  const CsConvShape five = { 5, 40, 1, 1, 24, 1, 1, { 1, 1 }, { 1, 1 }, { 1, 1 },
                             { 0, 0, 0, 0 }, 1 };

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

      if (kernels == NULL)
        continue;
      assert_layouts (kernels, dense, G_N_ELEMENTS (dense), CS_CONV_LAYOUT_DENSE);
      g_assert_cmpint (cs_conv_layout (kernels, &five), !=, CS_CONV_LAYOUT_DENSE);
    }
  check_conv_cases (dense, G_N_ELEMENTS (dense), 23, 2, FALSE);
  check_conv_cases (dense, G_N_ELEMENTS (dense), 24, 2, TRUE);
  check_conv_cases (&five, 1, 25, 1, FALSE);
  check_conv_cases (&five, 1, 26, 1, TRUE);
}

/* Depthwise layers on maps narrower than half a vector (8 columns with
 * AVX-512, 4 with AVX2), whose 5×5 and 7×7 kernels run over the plane as
 * one run of pixels, or, with a vector's worth of channels or more, on
 * blocks of channels interleaved pixel by pixel (asserted on the tables
 * that have that kernel): paddings that differ per side, an output
 * shorter than the input, taps that all miss the plane, several tasks'
 * rows, two images and a depth multiplier; MNASNet's 5×5/2 and
 * MobileNet's 3×3/2 onto 7×7, ConvNeXt's 7×7 on 7×7, channels left over
 * past the last whole block, dilation, a 3×5 kernel, strides of 3 and
 * 4, input rows and columns no tap reaches, and a tall map cut into
 * tasks of rows. */
static void
test_conv_depthwise_narrow (void)
{
  /* batch, C, H, W, M, (out), kernel, stride, dilation, pads, groups */
  static const CsConvShape cases[] = {
    { 1, 64, 4, 4, 64, 0, 0, { 5, 5 }, { 1, 1 }, { 1, 1 }, { 2, 2, 2, 2 }, 64 },
    { 2, 24, 6, 8, 24, 0, 0, { 5, 5 }, { 1, 1 }, { 1, 1 }, { 0, 1, 1, 3 }, 24 },
    { 1, 40, 3, 3, 40, 0, 0, { 7, 7 }, { 1, 1 }, { 1, 1 }, { 3, 3, 3, 3 }, 40 },
    { 1, 16, 30, 2, 16, 0, 0, { 5, 5 }, { 1, 1 }, { 1, 1 }, { 2, 2, 2, 2 }, 16 },
    { 1, 12, 7, 7, 36, 0, 0, { 7, 7 }, { 1, 1 }, { 1, 1 }, { 3, 0, 3, 6 }, 12 },
  };
  static const CsConvShape interleaved[] = {
    { 1, 48, 14, 14, 48, 0, 0, { 5, 5 }, { 2, 2 }, { 1, 1 }, { 2, 2, 2, 2 }, 48 },
    { 2, 40, 13, 13, 40, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 40 },
    { 1, 32, 7, 7, 32, 0, 0, { 7, 7 }, { 1, 1 }, { 1, 1 }, { 3, 3, 3, 3 }, 32 },
    { 1, 16, 9, 6, 16, 0, 0, { 3, 5 }, { 1, 1 }, { 2, 2 }, { 2, 0, 1, 3 }, 16 },
    { 1, 17, 20, 20, 17, 0, 0, { 3, 3 }, { 3, 3 }, { 1, 1 }, { 0, 0, 0, 0 }, 17 },
    { 1, 16, 8, 30, 16, 0, 0, { 5, 5 }, { 4, 4 }, { 1, 1 }, { 2, 2, 0, 0 }, 16 },
    { 2, 32, 200, 4, 32, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 32 },
    { 1, 20, 6, 6, 20, 0, 0, { 5, 5 }, { 2, 2 }, { 1, 1 }, { 2, 2, 1, 1 }, 20 },
    /* Rows wider than the kernel sums at once, taken in pieces: 14 =
     * 8 + 6, 27 = 8 + 8 + 8 + 3, and stride 2 onto 28, as MobileNet's
     * 3×3/2 from 56, and onto 56, as from 112 (its rows of 112
     * transposed whole). */
    { 1, 24, 14, 14, 24, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 24 },
    { 1, 16, 9, 27, 16, 0, 0, { 5, 5 }, { 1, 1 }, { 1, 1 }, { 2, 2, 2, 2 }, 16 },
    { 1, 8, 10, 56, 8, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 8 },
    { 1, 16, 12, 112, 16, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 16 },
  };

  /* Interleaved where the output is at most as wide as the table says
   * (AVX-512: half a vector, the first eight; AVX2: 32 pixels, and by a
   * stride 28, MobileNet's 3×3/2 from 56×56 but not from 112×112), on
   * planes otherwise. */
  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);
      guint blocked = 0;

      if (kernels == NULL || kernels->depthwise_interleaved == NULL)
        continue;
      for (guint i = 0; i < G_N_ELEMENTS (interleaved); i++)
        {
          CsConvShape s = interleaved[i];
          gboolean narrow;

          g_assert_true (complete_shape (&s));
          narrow = s.out_w <= (s.stride[1] > 1 ? kernels->depthwise_interleaved_strided_width
                                               : kernels->depthwise_interleaved_width);
          g_assert_cmpint (cs_conv_layout (kernels, &s), ==,
                           narrow ? CS_CONV_LAYOUT_INTERLEAVED
                                  : CS_CONV_LAYOUT_DEPTHWISE);
          blocked += narrow;
        }
      g_assert_cmpuint (blocked, >=, 2);
    }
  if (cs_kernels_by_name ("avx2") != NULL)
    {
      CsConvShape from_56 = { 1, 144, 56, 56, 144, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 },
                              { 1, 1, 1, 1 }, 144 };
      CsConvShape from_112 = { 1, 64, 112, 112, 64, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 },
                               { 1, 1, 1, 1 }, 64 };

      g_assert_true (complete_shape (&from_56) && complete_shape (&from_112));
      g_assert_cmpint (cs_conv_layout (cs_kernels_by_name ("avx2"), &from_56), ==,
                       CS_CONV_LAYOUT_INTERLEAVED);
      g_assert_cmpint (cs_conv_layout (cs_kernels_by_name ("avx2"), &from_112), ==,
                       CS_CONV_LAYOUT_DEPTHWISE);
    }
  check_conv_cases (cases, G_N_ELEMENTS (cases), 13, 2, FALSE);
  check_conv_cases (interleaved, G_N_ELEMENTS (interleaved), 14, 2, FALSE);
  check_conv_cases (interleaved, G_N_ELEMENTS (interleaved), 15, 3, TRUE);
}

/* Depthwise layers by stride 2 on planes, whose pairs of output rows
 * read whole vectors across the rows' ends and zero what lies outside
 * (depthwise-simd.h: rows_together, rows_inside), on every table: a last
 * block shorter than a vector and an odd count of rows inside, 5×5 with
 * pads that differ per side, maps so narrow that a block's loads reach
 * two rows on, too few rows for any to be inside, a depth multiplier (one
 * plane read by two output channels), and a tall map cut into tasks. */
static void
test_conv_depthwise_strided (void)
{
  /* batch, C, H, W, M, (out), kernel, stride, dilation, pads, groups */
  static const CsConvShape cases[] = {
    { 1, 16, 13, 61, 16, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 16 },
    { 2, 16, 20, 66, 16, 0, 0, { 5, 5 }, { 2, 2 }, { 1, 1 }, { 2, 1, 1, 2 }, 16 },
    { 1, 8, 17, 64, 8, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 0, 0, 1, 1 }, 8 },
    { 1, 4, 9, 9, 4, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 4 },
    { 1, 3, 15, 7, 3, 0, 0, { 5, 5 }, { 2, 2 }, { 1, 1 }, { 2, 2, 2, 2 }, 3 },
    { 1, 4, 3, 70, 4, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 4 },
    { 1, 4, 40, 70, 8, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 4 },
    { 1, 16, 150, 100, 16, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 16 },
  };

  check_planes_depthwise (cases, G_N_ELEMENTS (cases), 16);
}

/* Depthwise layers by stride 1 on planes, whose groups of rows inside
 * the plane run their interior column blocks side by side and zero what
 * the edge blocks' whole loads read outside the row (depthwise-simd.h:
 * rows_along, rows_inside), on every table: heights that end the last
 * group of rows inside on either bound and past it, a last block shorter
 * than a vector, pads that differ per side (none on the left, the top or
 * the right, where the whole loads reach no column past the row on
 * either side, so that any row past rows_inside's bounds is misread),
 * 5×5 and 7×7 kernels, dilation across (no run), a depth
 * multiplier, two images, and a tall map cut into tasks; 16 planes, so
 * that each task has rows enough for planes_together. */
static void
test_conv_depthwise_rows (void)
{
  /* batch, C, H, W, M, (out), kernel, stride, dilation, pads, groups */
  static const CsConvShape cases[] = {
    { 1, 16, 13, 61, 16, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 16 },
    { 1, 16, 14, 64, 16, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 16 },
    { 1, 16, 15, 70, 16, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 16 },
    { 1, 16, 16, 57, 16, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 16 },
    { 1, 16, 12, 66, 16, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 0, 0, 2, 2 }, 16 },
    { 2, 16, 11, 48, 16, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 2, 2, 0, 0 }, 16 },
    { 1, 16, 13, 64, 16, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 2, 1, 0 }, 16 },
    { 2, 16, 14, 64, 16, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 2, 1, 0 }, 16 },
    { 1, 16, 13, 60, 16, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 0, 1, 2 }, 16 },
    { 1, 16, 18, 67, 16, 0, 0, { 5, 5 }, { 1, 1 }, { 1, 1 }, { 2, 2, 2, 2 }, 16 },
    { 1, 16, 17, 60, 16, 0, 0, { 5, 5 }, { 1, 1 }, { 1, 1 }, { 1, 3, 3, 1 }, 16 },
    { 1, 16, 19, 59, 16, 0, 0, { 7, 7 }, { 1, 1 }, { 1, 1 }, { 3, 3, 3, 3 }, 16 },
    { 1, 16, 14, 62, 16, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 2 }, { 1, 2, 1, 2 }, 16 },
    { 1, 16, 13, 50, 32, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 16 },
    { 1, 8, 200, 120, 8, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 8 },
  };

  check_planes_depthwise (cases, G_N_ELEMENTS (cases), 17);
}

/* Grouped layers whose groups are whole vectors of channels in and out
 * (16 with AVX-512; 8 with AVX2, one vector, a map of at most 8
 * columns, or more than one in and two or more out, taken two blocks
 * at a time, the last three together where odd: three blocks on 7×7,
 * by stride 2 as planes, of 16 in and 24 out on 9 columns, and five,
 * a pair and three, on 14 columns), which run on blocks staged pixel by pixel or as planes
 * (asserted on the
 * tables that have that kernel), and others beside them that do not:
 * RegNet-X-400MF's 3×3 layers on 7×7 and its 3×3/2 onto 7×7,
 * ResNeXt-50's groups of 32 on 7×7 and 3×3/2 with them onto 7×7, a map
 * tall enough for several tasks' rows, two images, dilation with a 3×5
 * kernel and uneven paddings, 1×1 and 5×5 kernels, groups of 8
 * channels, 16 in with 32 out, 24 (a vector and a half) and 64;
 * RegNet-X-3.2GF's groups of 48 on 7×14 (on 8 rows or more, Winograd
 * takes them), groups of 32 on 14×14 over two images, and of 96 with
 * stride 2 onto 9×15.  Rows of 56 columns or
 * more, or of 28 read by stride 2, are staged as planes: stride 2 from
 * 61×30 and 17×30, groups of 48 on 60 columns and of one or two 8-lane
 * vectors on 66, of one by stride 2 from 60, and the dilated 3×5
 * kernel with column stride 2 on 40.  So are the strided first layers of
 * one group on fewer channels than a vector: ResNet's 7×7/2 and the
 * 3×3/2 on three planes, two images with uneven paddings, the 7×7/2 on
 * two planes with uneven paddings, the 3×3/2 on four planes; not by
 * stride 1, a 5×5 kernel, or rows of 24 by 2. */
static void
test_conv_grouped_interleaved (void)
{
  /* batch, C, H, W, M, (out), kernel, stride, dilation, pads, groups */
  static const CsConvShape cases[] = {
    { 1, 400, 7, 7, 400, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 25 },
    { 1, 160, 14, 14, 160, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 10 },
    { 2, 32, 61, 30, 32, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 2 },
    { 1, 32, 10, 12, 32, 0, 0, { 3, 5 }, { 1, 2 }, { 2, 1 }, { 1, 2, 0, 1 }, 2 },
    { 1, 48, 8, 8, 48, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 3 },
    { 1, 32, 11, 9, 32, 0, 0, { 5, 5 }, { 1, 1 }, { 1, 1 }, { 2, 2, 2, 2 }, 2 },
    { 1, 64, 9, 9, 64, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 8 },
    { 1, 32, 9, 9, 64, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 2 },
    { 1, 256, 7, 7, 256, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 8 },
    { 1, 128, 14, 14, 128, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 4 },
    { 1, 72, 7, 7, 72, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 3 },
    { 1, 72, 10, 60, 72, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 3 },
    { 1, 120, 9, 14, 120, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 3 },
    { 1, 32, 9, 9, 48, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 2 },
    { 1, 128, 7, 7, 128, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 2 },
    { 1, 432, 7, 14, 432, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 9 },
    { 2, 64, 14, 14, 64, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 2 },
    { 1, 192, 17, 30, 192, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 2 },
    { 1, 96, 7, 60, 96, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 2 },
    { 1, 32, 9, 66, 32, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 2 },
    { 1, 32, 10, 40, 32, 0, 0, { 3, 5 }, { 1, 2 }, { 2, 1 }, { 1, 2, 0, 1 }, 2 },
    { 1, 16, 9, 66, 16, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 2 },
    { 1, 16, 12, 60, 16, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 2 },
    { 1, 16, 10, 40, 16, 0, 0, { 3, 5 }, { 1, 2 }, { 2, 1 }, { 1, 2, 0, 1 }, 2 },
    { 1, 3, 30, 60, 32, 0, 0, { 7, 7 }, { 2, 2 }, { 1, 1 }, { 3, 3, 3, 3 }, 1 },
    { 1, 3, 21, 58, 16, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 2, 3, 19, 40, 48, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 0, 1, 1, 0 }, 1 },
    { 1, 2, 20, 40, 16, 0, 0, { 7, 7 }, { 2, 2 }, { 1, 1 }, { 2, 3, 4, 1 }, 1 },
    { 1, 3, 20, 40, 16, 0, 0, { 5, 5 }, { 2, 2 }, { 1, 1 }, { 2, 2, 2, 2 }, 1 },
    { 1, 4, 13, 44, 16, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 3, 12, 60, 16, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 3, 10, 24, 16, 0, 0, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
  };

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);
      guint blocked = 0, planar = 0;

      if (kernels == NULL || kernels->grouped_interleaved == NULL)
        continue;
      for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
        {
          CsConvShape s = cases[i];
          const int64_t lanes = kernels->interleave;
          int64_t cg, mg;
          gboolean fits;
          CsConvLayout layout;

          g_assert_true (complete_shape (&s));
          cg = s.in_channels / s.groups;
          mg = s.out_channels / s.groups;
          /* Whole vectors in and out; with 8-lane vectors, one, a map
           * of at most eight columns, or more than one in and two or
           * more out.  One group: fewer channels than a vector in, read
           * as planes by stride 2. */
          if (s.groups == 1)
            fits = cg < lanes && mg % lanes == 0 && s.stride[1] == 2 && s.in_w * 2 >= 56
                   && (s.kernel[0] == 3 || s.kernel[0] == 7);
          else
            fits = cg % lanes == 0 && mg % lanes == 0
                   && (lanes >= 16 || s.out_w <= 8 || (cg == lanes && mg == lanes)
                       || (cg > lanes && mg >= 2 * lanes));
          layout = cs_conv_layout (kernels, &s);
          g_assert_cmpint (layout == CS_CONV_LAYOUT_INTERLEAVED || layout == CS_CONV_LAYOUT_PLANAR,
                           ==, fits);
          g_assert_cmpint (layout == CS_CONV_LAYOUT_PLANAR, ==,
                           fits && s.in_w * s.stride[1] >= 56);
          blocked += fits;
          planar += layout == CS_CONV_LAYOUT_PLANAR;
        }
      g_assert_cmpuint (blocked, >=, 4);
      g_assert_cmpuint (planar, >=, 8);
    }
  check_conv_cases (cases, G_N_ELEMENTS (cases), 16, 2, FALSE);
  check_conv_cases (cases, G_N_ELEMENTS (cases), 17, 3, TRUE);
}

/* 3×3 layers with stride 1, which run by Winograd's F(4×4, 3×3): sizes
 * that are not multiples of the 4×4 tile, paddings of none or one pixel
 * on each side, one side at a time, two images, output channels
 * past one micro-kernel panel, and inputs deep and wide enough to take
 * several blocks of tiles; grouped, groups of 48 (RegNet-X-3.2GF's on
 * 28×28), of 24 over two images with uneven paddings, of 24 in and 48
 * out in three blocks (shared out on two threads), and three of 56; not
 * groups of 16 or 32, nor of 48 on 14×14.  On two threads, the blocks of
 * each layout: one of 49 tiles, split in two where they outnumber its 32
 * output channels, and kept whole where 128 outnumber them, its panels
 * shared out by micro-tile of columns (16, 16, 16 and 1); three of 48,
 * transformed together and shared out by panel and micro-tile of
 * columns; one of 16 whose 32 output channels go in four panels of 8.  Not on maps of four tiles
 * (8×8: Inception v3's last blocks), where the GEMM is faster; on 8×12,
 * six tiles. */
static void
test_conv_winograd (void)
{
  CsConvShape four_tiles = { 1, 448, 8, 8, 384, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 },
                             { 1, 1, 1, 1 }, 1 };
  CsConvShape six_tiles = { 1, 448, 8, 12, 384, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 },
                            { 1, 1, 1, 1 }, 1 };

  /* batch, C, H, W, M, (out), kernel, stride, dilation, pads, groups */
  static const CsConvShape cases[] = {
    { 2, 16, 13, 19, 20, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 24, 10, 30, 17, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 32, 10, 11, 40, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 0, 0, 1 }, 1 },
    { 1, 17, 10, 9, 16, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 0, 1, 1, 0 }, 1 },
    { 2, 128, 28, 28, 128, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 256, 14, 14, 256, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 128, 28, 28, 32, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 96, 28, 28, 128, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 16, 48, 48, 24, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 16, 9, 70, 24, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 16, 12, 64, 16, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 128, 14, 14, 32, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 1 },
    { 1, 96, 28, 28, 96, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 2 },
    { 2, 48, 26, 30, 48, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 0, 0, 1 }, 2 },
    { 1, 48, 48, 48, 96, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 2 },
    { 1, 168, 28, 28, 168, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 3 },
  };
  /* Groups of 16 and of 32, which the grouped kernel runs faster, and
   * of 48 on a 14×14 map, too few tiles for their weights. */
  static const CsConvShape grouped_kernel[] = {
    { 1, 64, 28, 28, 64, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 4 },
    { 1, 128, 14, 14, 128, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 4 },
    { 1, 96, 14, 14, 96, 0, 0, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 2 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (grouped_kernel); i++)
    {
      CsConvShape s = grouped_kernel[i];

      g_assert_true (complete_shape (&s));
      g_assert_false (cs_winograd_suits (&s));
    }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CsConvShape s = cases[i];

      g_assert_true (complete_shape (&s));
      g_assert_true (cs_winograd_suits (&s));
    }
  g_assert_true (complete_shape (&four_tiles) && complete_shape (&six_tiles));
  g_assert_false (cs_winograd_suits (&four_tiles));
  g_assert_true (cs_winograd_suits (&six_tiles));
  check_conv_cases (cases, G_N_ELEMENTS (cases), 43, 2, FALSE);
}

/* Inputs whose channels a squeeze-excitation scales per image, folded
 * into the weights: random shapes of every layout (staged, read in
 * place, depthwise, grouped, one input channel), and the projections of
 * EfficientNet's blocks after one, on a large map and on a 7×7 one whose
 * pixels are the tiles' rows; the transposed and atrous layouts are in
 * those tests' scaled halves. */
static void
test_conv_scaled (void)
{
  /* batch, C, H, W, M, (out), kernel, stride, dilation, pads, groups */
  static const CsConvShape cases[] = {
    { 1, 96, 56, 56, 24, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 2, 672, 7, 7, 40, 0, 0, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
  };

  check_random_convs (515, 60, TRUE);
  check_conv_cases (cases, G_N_ELEMENTS (cases), 19, 1, TRUE);
}

/* ---- GEMM ---- */

static void
check_gemm (GRand *rand, int64_t m, int64_t n, int64_t k, gboolean trans_a, int b_form,
            float alpha, gboolean accumulate, gboolean with_bias, const CsActivation *act)
{
  float *a = g_new (float, MAX (m * k, 1)), *b = g_new (float, MAX (k * n, 1));
  float *bias = with_bias ? g_new (float, n) : NULL;
  float *packed = g_new (float, MAX (k * n, 1)), *c0 = g_new (float, m * n);
  float *c = g_new (float, m * n);
  double *want = g_new (double, m * n), *scale = g_new (double, m * n);
  /* Element (i, p) of A and (p, j) of B. */
  int64_t a_row = trans_a ? 1 : k, a_col = trans_a ? m : 1;
  int64_t b_row = b_form == 1 ? 1 : n, b_col = b_form == 1 ? k : 1;

  fill_random (rand, a, m * k);
  fill_random (rand, b, k * n);
  fill_random (rand, c0, m * n);
  if (with_bias)
    fill_random (rand, bias, n);
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++)
      {
        double sum = 0, magnitude = 0;

        for (int64_t p = 0; p < k; p++)
          {
            double term = (double) a[i * a_row + p * a_col] * b[p * b_row + j * b_col];

            sum += term;
            magnitude += fabs (term);
          }
        sum = alpha * sum + (accumulate ? c0[i * n + j] : 0) + (with_bias ? bias[j] : 0);
        want[i * n + j] = activate (act, sum);
        scale[i * n + j] = fabs (alpha) * magnitude + (accumulate ? fabs (c0[i * n + j]) : 0)
                           + (with_bias ? fabs (bias[j]) : 0) + fabs (want[i * n + j]);
      }

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

      if (kernels == NULL)
        continue;
      /* b_form 2: B transposed and packed, as a dense layer's weights;
       * unpacking gives B back. */
      if (b_form == 2)
        {
          g_autofree float *unpacked = g_new0 (float, MAX (k * n, 1));

          cs_pack_b (kernels, packed, b, k, n, b_row, b_col);
          cs_unpack_b (kernels, unpacked, packed, k, n, b_row, b_col);
          g_assert_cmpmem (unpacked, k * n * sizeof (float), b, k * n * sizeof (float));
        }
      for (int threads = 1; threads <= 2; threads++)
        {
          CsGemm gemm = { kernels, m, n, k, { a, a_row, a_col, FALSE },
                          { b_form == 2 ? packed : b, b_row, b_col, b_form == 2 },
                          c, n, alpha, accumulate, act, bias };
          CsThreadPool *pool = threads > 1 ? cs_thread_pool_new (threads) : NULL;
          void **scratch = new_scratch (threads, cs_gemm_scratch_bytes (&gemm));
          double error_seen;

          memcpy (c, c0, sizeof (float) * m * n);
          cs_gemm_run (&gemm, pool, scratch);
          error_seen = max_error (c, want, scale, m * n);
          if (error_seen > MAX_ERROR)
            g_error ("%s, %d thread(s): gemm %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT "×%"
                     G_GINT64_FORMAT ", trans_a %d, B form %d, alpha %g, accumulate %d,"
                     " bias %d, act %d: relative error %g", kernels->name, threads, m, n, k,
                     trans_a, b_form, alpha, accumulate, with_bias, act->kind, error_seen);
          free_scratch (scratch, threads);
          cs_thread_pool_free (pool);
        }
    }
  g_free (a);
  g_free (b);
  g_free (bias);
  g_free (packed);
  g_free (c0);
  g_free (c);
  g_free (want);
  g_free (scale);
}

static void
test_gemm_random (void)
{
  GRand *rand = g_rand_new_with_seed (99);

  for (int i = 0; i < 150; i++)
    {
      /* Small m often: a dense layer on one image has a single row. */
      int64_t m = g_rand_boolean (rand) ? g_rand_int_range (rand, 1, 4)
                  : g_rand_int_range (rand, 1, 70);
      int64_t n = g_rand_int_range (rand, 1, 90);
      int64_t k = g_rand_boolean (rand) ? g_rand_int_range (rand, 1, 3)
                  : g_rand_int_range (rand, 1, 300);

      check_gemm (rand, m, n, k, g_rand_boolean (rand), g_rand_int_range (rand, 0, 3),
                  g_rand_boolean (rand) ? 1.0f : -0.75f, g_rand_boolean (rand),
                  g_rand_boolean (rand),
                  &activations[g_rand_int_range (rand, 0, G_N_ELEMENTS (activations))]);
    }
  /* Classifier heads, with their weights packed (the GEMV kernel, up to
   * four rows) or read as stored, and a product large enough for many
   * tasks. */
  check_gemm (rand, 1, 1000, 512, FALSE, 2, 1.0f, TRUE, FALSE, &activations[0]);
  check_gemm (rand, 1, 1000, 512, FALSE, 1, 1.0f, TRUE, FALSE, &activations[1]);
  check_gemm (rand, 1, 1000, 512, FALSE, 1, 1.0f, FALSE, TRUE, &activations[1]);
  check_gemm (rand, 4, 71, 37, FALSE, 1, 0.5f, FALSE, TRUE, &activations[3]);
  check_gemm (rand, 4, 71, 37, FALSE, 2, 0.5f, TRUE, TRUE, &activations[3]);
  check_gemm (rand, 2, 1000, 1283, FALSE, 2, 1.0f, FALSE, TRUE, &activations[2]);
  check_gemm (rand, 130, 200, 700, FALSE, 0, 1.0f, FALSE, FALSE, &activations[1]);
  /* ConvNeXt's first MatMul of each block, with its bias: rows split,
   * weights packed at load. */
  check_gemm (rand, 3136, 384, 96, FALSE, 2, 1.0f, FALSE, TRUE, &activations[1]);
  /* Weights too large to stay in L2 (k·n above gemm.c's
   * B_SHARED_FLOATS), as in ConvNeXt's last stages: A packed once for
   * all tasks, which split the columns too. */
  check_gemm (rand, 50, 700, 400, FALSE, 2, 1.0f, FALSE, TRUE, &activations[1]);
  check_gemm (rand, 50, 700, 400, FALSE, 0, 0.5f, TRUE, FALSE, &activations[0]);
  /* Rows that leave a last tile short (a 7×7 map's 49 pixels, or 97, as
   * rows of A that the driver packs), shared out evenly among the tiles:
   * packed once for all tasks, in one block of rows and in several, and
   * packed by each task. */
  check_gemm (rand, 49, 300, 160, TRUE, 2, 1.0f, FALSE, TRUE, &activations[1]);
  check_gemm (rand, 133, 700, 1100, TRUE, 2, 1.0f, TRUE, FALSE, &activations[2]);
  check_gemm (rand, 97, 40, 64, TRUE, 0, 1.0f, FALSE, TRUE, &activations[1]);
  g_rand_free (rand);
}

/* Whether @got is the micro-kernel's element whose A column starts at @a
 * and B column at @b: the activated sum over @depth steps of A's step p,
 * at a_koff[p] (else p·a_step), times B's, at koff[p] (else p·b_step),
 * plus @start (the bias, or what C held), to within the rounding its
 * terms allow; *@want is that value. */
static gboolean
tile_element_matches (float got, double *want, int64_t depth, const float *a,
                      const int64_t *a_koff, int64_t a_step, const float *b, const int64_t *koff,
                      int64_t b_step, double start, const CsActivation *act)
{
  double sum = 0, magnitude = 0;

  for (int64_t p = 0; p < depth; p++)
    {
      double term = (double) a[a_koff != NULL ? a_koff[p] : p * a_step]
                    * b[koff != NULL ? koff[p] : p * b_step];

      sum += term;
      magnitude += fabs (term);
    }
  *want = activate (act, sum + start);
  return fabs (got - *want) <= MAX_ERROR * (magnitude + 1 + fabs (*want));
}

/* The micro-kernel alone, on tiles whose columns wrap onto the rows of an
 * output plane (CsColumnWrap), with and without accumulation: every
 * element it should write is checked, and every other one must keep its
 * sentinel. */
static void
test_gemm_wrapped_columns (void)
{
  const float sentinel = 1234.5f;
  GRand *rand = g_rand_new_with_seed (7);

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

      if (kernels == NULL)
        continue;
      for (int trial = 0; trial < 300; trial++)
        {
          int m = g_rand_int_range (rand, 1, kernels->mr + 1);
          int n = g_rand_int_range (rand, 1, kernels->nr + 1);
          int64_t depth = g_rand_int_range (rand, 1, 40);
          int64_t width = g_rand_int_range (rand, 1, 40);
          CsColumnWrap wrap = { 0, width + g_rand_int_range (rand, 0, 4), width };
          gboolean accumulate = g_rand_boolean (rand);
          const CsActivation *act = &activations[g_rand_int_range (rand, 0, 4)];
          int64_t rows, ldc;
          float *a, *b, *bias, *c, *c0;
          CsEpilogue ep;

          wrap.first = g_rand_int_range (rand, 0, (int) wrap.period);
          rows = (wrap.first + n - 1) / wrap.period + 1;
          ldc = rows * width + wrap.period;
          a = g_new (float, depth * m);
          b = g_new (float, depth * n);
          bias = g_new (float, m);
          c = g_new (float, m * ldc);
          c0 = g_new (float, m * ldc);
          fill_random (rand, a, depth * m);
          fill_random (rand, b, depth * n);
          fill_random (rand, bias, m);
          for (int64_t e = 0; e < m * ldc; e++)
            c0[e] = sentinel;
          /* Accumulation reads what the plane holds where it writes. */
          for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
              if ((wrap.first + j) % wrap.period < width)
                c0[i * ldc + (wrap.first + j) / wrap.period * width
                   + (wrap.first + j) % wrap.period] = (float) g_rand_double_range (rand, -1, 1);
          memcpy (c, c0, sizeof (float) * m * ldc);
          g_assert_true (cs_epilogue_init (&ep, act, 1.0f, accumulate));
          kernels->gemm (depth, a, m, NULL, b, NULL, n, c + wrap.first, ldc, m, n, bias, &ep, &wrap,
                         NULL);

          for (int i = 0; i < m; i++)
            for (int64_t e = 0; e < ldc; e++)
              {
                int64_t row = e / width, col = e % width, j = row * wrap.period + col - wrap.first;
                double want;
                float got = c[i * ldc + e];

                if (row >= rows || j < 0 || j >= n)
                  {
                    if (got != sentinel)
                      g_error ("%s: %d×%d tile wrapping at %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT
                               " from %" G_GINT64_FORMAT ": row %d, element %" G_GINT64_FORMAT
                               " outside the tile was written", kernels->name, m, n, width,
                               wrap.period, wrap.first, i, e);
                    continue;
                  }
                if (!tile_element_matches (got, &want, depth, a + i, NULL, m, b + j, NULL, n,
                                           accumulate ? c0[i * ldc + e] : bias[i], act))
                  g_error ("%s: %d×%d tile wrapping at %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT
                           " from %" G_GINT64_FORMAT ", accumulate %d: row %d column %d is %g,"
                           " not %g", kernels->name, m, n, width, wrap.period, wrap.first,
                           accumulate, i, (int) j, got, want);
              }
          g_free (a);
          g_free (b);
          g_free (bias);
          g_free (c);
          g_free (c0);
        }
    }
  g_rand_free (rand);
}

/* The micro-kernel alone on a row of tiles (kernels.h), B's rows at
 * offsets (out of order) or in step as a 1×1 layer reads its input in
 * place: every row count, rows of one tile and a column, whole tiles,
 * and whole tiles and a part, with and without accumulation and a
 * prefetch stream.  Every element of C is checked; past the row's @n
 * columns each must keep its sentinel. */
static void
test_gemm_row_of_tiles (void)
{
  const float sentinel = 1234.5f;
  GRand *rand = g_rand_new_with_seed (31);

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

      if (kernels == NULL)
        continue;
      for (int m = 1; m <= kernels->mr; m++)
        for (int trial = 0; trial < 16; trial++)
          {
            const int widths[] = { kernels->nr + 1, 2 * kernels->nr, 3 * kernels->nr + 5 };
            const gboolean indexed = trial < 8;
            int n = trial % 8 < 3 ? widths[trial % 8] : g_rand_int_range (rand, 1, 6 * kernels->nr);
            int64_t depth = g_rand_int_range (rand, 1, 40), ldb = n + 7, ldc = n + 9;
            gboolean accumulate = g_rand_boolean (rand);
            const CsActivation *act = &activations[g_rand_int_range (rand, 0, 4)];
            float *a = g_new (float, depth * m), *b = g_new (float, depth * ldb);
            float *bias = g_new (float, m), *c = g_new (float, m * ldc);
            float *c0 = g_new (float, m * ldc);
            int64_t *koff = g_new (int64_t, depth);
            const CsPrefetch fetch = { b, (int64_t) sizeof (float) };
            CsEpilogue ep;

            fill_random (rand, a, depth * m);
            fill_random (rand, b, depth * ldb);
            fill_random (rand, bias, m);
            fill_random (rand, c0, m * ldc);
            for (int i = 0; i < m; i++)
              for (int64_t j = n; j < ldc; j++)
                c0[i * ldc + j] = sentinel;
            /* Row p of B is row depth − 1 − p of the matrix. */
            for (int64_t p = 0; p < depth; p++)
              koff[p] = (depth - 1 - p) * ldb;
            memcpy (c, c0, sizeof (float) * m * ldc);
            g_assert_true (cs_epilogue_init (&ep, act, 1.0f, accumulate));
            kernels->gemm (depth, a, m, NULL, b, indexed ? koff : NULL, indexed ? 0 : ldb, c, ldc,
                           m, n, bias, &ep, NULL, g_rand_boolean (rand) ? &fetch : NULL);

            for (int i = 0; i < m; i++)
              for (int64_t j = 0; j < ldc; j++)
                {
                  double want;
                  float got = c[i * ldc + j];

                  if (j >= n)
                    {
                      if (got != sentinel)
                        g_error ("%s: row of %d×%d tiles: row %d column %" G_GINT64_FORMAT
                                 " past the row was written", kernels->name, m, n, i, j);
                      continue;
                    }
                  if (!tile_element_matches (got, &want, depth, a + i, NULL, m, b + j,
                                             indexed ? koff : NULL, indexed ? 0 : ldb,
                                             accumulate ? c0[i * ldc + j] : bias[i], act))
                    g_error ("%s: row of %d×%d tiles, B %s, depth %" G_GINT64_FORMAT
                             ", accumulate %d: row %d column %" G_GINT64_FORMAT " is %g, not %g",
                             kernels->name, m, n, indexed ? "at offsets" : "in step", depth,
                             accumulate, i, j, got, want);
                }
            g_free (a);
            g_free (b);
            g_free (bias);
            g_free (c);
            g_free (c0);
            g_free (koff);
          }
    }
  g_rand_free (rand);
}

/* The micro-kernel alone with A's depth steps at offsets (a_koff), as
 * transposed tiles read the pixels of a staged block: every row and
 * column count, steps that lie out of order and overlap, with and
 * without accumulation.  Fails when a step is read at p·a_stride, or a
 * row at another step's offset. */
static void
test_gemm_indexed_a (void)
{
  GRand *rand = g_rand_new_with_seed (29);

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

      if (kernels == NULL)
        continue;
      for (int m = 1; m <= kernels->mr; m++)
        for (int trial = 0; trial < 12; trial++)
          {
            int n = trial < 2 ? kernels->nr - trial : g_rand_int_range (rand, 1, kernels->nr + 1);
            int64_t depth = g_rand_int_range (rand, 1, 60), pool_n = depth + kernels->mr;
            gboolean accumulate = g_rand_boolean (rand);
            const CsActivation *act = &activations[g_rand_int_range (rand, 0, 4)];
            float *pixels = g_new (float, pool_n), *b = g_new (float, depth * n);
            float *bias = g_new (float, m), *c = g_new (float, m * n), *c0 = g_new (float, m * n);
            int64_t *koff = g_new (int64_t, depth);
            CsEpilogue ep;

            fill_random (rand, pixels, pool_n);
            fill_random (rand, b, depth * n);
            fill_random (rand, bias, m);
            fill_random (rand, c0, m * n);
            for (int64_t p = 0; p < depth; p++)
              koff[p] = g_rand_int_range (rand, 0, (gint32) (pool_n - m + 1));
            memcpy (c, c0, sizeof (float) * m * n);
            g_assert_true (cs_epilogue_init (&ep, act, 1.0f, accumulate));
            kernels->gemm (depth, pixels, 1, koff, b, NULL, n, c, n, m, n, bias, &ep, NULL, NULL);

            for (int i = 0; i < m; i++)
              for (int j = 0; j < n; j++)
                {
                  double want;

                  if (!tile_element_matches (c[i * n + j], &want, depth, pixels + i, koff, 0,
                                             b + j, NULL, n,
                                             accumulate ? c0[i * n + j] : bias[i], act))
                    g_error ("%s: %d×%d tile, A by offsets, depth %" G_GINT64_FORMAT
                             ", accumulate %d: row %d column %d is %g, not %g", kernels->name, m,
                             n, depth, accumulate, i, j, c[i * n + j], want);
                }
            g_free (pixels);
            g_free (b);
            g_free (bias);
            g_free (c);
            g_free (c0);
            g_free (koff);
          }
    }
  g_rand_free (rand);
}

/* ---- The logistic function and GELU ---- */

/* σ(x) or x·σ(x) in double precision; the product is 0 where σ is. */
static double
sigmoid_reference (float x, gboolean times_input)
{
  const double sigma = 1.0 / (1.0 + exp (-(double) x));

  return times_input ? (sigma == 0.0 ? 0.0 : x * sigma) : sigma;
}

/* x·Φ(x) in double precision, by erfc so that it keeps its precision
 * below 0; 0 where Φ is. */
static double
gelu_reference (float x)
{
  const double phi = 0.5 * erfc (-(double) x / sqrt (2.0));

  return phi == 0.0 ? 0.0 : x * phi;
}

/* The unit in the last place of a float as big as @want (subnormal
 * floats included, whose unit is 2⁻¹⁴⁹). */
static double
ulp (double want)
{
  int exponent;

  frexp (want, &exponent);
  return ldexp (1.0, MAX (exponent - 24, -149));
}

/* The edges of float arithmetic, 64 floats in a row from −16.6954784
 * down, and every 8191st float; the caller frees them.  Runs of the 64
 * fill whole vectors of their own (map_in_runs), which take
 * sigmoid-simd.h's direct way for x·σ(x) where it is least exact: just
 * above its floor of −16 it would be 2.3 ulp off there. */
static float *
sample_floats (int64_t *count)
{
  static const float edges[] = {
    0.0f, -0.0f, 1e-45f, -1e-45f, 1e-30f, -1e-30f, FLT_MIN, -FLT_MIN, 1e-7f, -1e-7f,
    0.5f, -0.5f, 1.0f, -1.0f, 5.5f, -5.5f, 5.5426f, -5.5426f, 5.6f, -5.6f, 10.0f, -10.0f,
    14.4f, -14.4f, 16.6f, -16.6f, 40.0f, -40.0f, 87.0f, -87.0f, 88.0f, -88.0f,
    88.7f, -88.7f, 89.0f, -89.0f, 100.0f, -100.0f, 103.9f, -103.9f, 110.0f, -110.0f,
    126.0f, -126.0f, 127.0f, -127.0f, 1e10f, -1e10f, FLT_MAX, -FLT_MAX,
    INFINITY, -INFINITY, NAN, -NAN,
  };
  float *x;
  int64_t filled = 0;

  const int in_a_row = 64;
  float     next = -16.6954784f;

  *count = G_N_ELEMENTS (edges) + in_a_row + ((int64_t) 1 << 32) / 8191 + 1;
  x = g_new (float, *count);
  for (guint e = 0; e < G_N_ELEMENTS (edges); e++)
    x[filled++] = edges[e];
  for (int i = 0; i < in_a_row; i++, next = nextafterf (next, -INFINITY))
    x[filled++] = next;
  for (uint64_t bits = 0; bits < ((uint64_t) 1 << 32); bits += 8191)
    {
      uint32_t word = (uint32_t) bits;

      memcpy (&x[filled++], &word, sizeof word);
    }
  g_assert_cmpint (filled, ==, *count);
  return x;
}

/* The grid map_floats rounds to: a uint8 tensor's, zero point 131, a
 * scale as a calibrated network's are (not a power of two). */
#define GRID_SCALE 0.0235294122f
#define GRID_LOW (-131.0f)
#define GRID_HIGH 124.0f

/* One elementwise kernel of @kernels: the logistic function (@variant 0),
 * SiLU (1), GELU (2), HardSwish (3) or rounding to the grid above (4). */
static void
map_floats (const CsKernels *kernels, int variant, const float *x, float *y, int64_t n)
{
  if (variant == 4)
    kernels->fake_quantize (x, y, n, GRID_SCALE, GRID_LOW, GRID_HIGH);
  else if (variant == 3)
    kernels->hard_swish (x, y, n);
  else if (variant == 2)
    kernels->gelu (x, y, n);
  else
    kernels->sigmoid (x, y, n, variant == 1);
}

/* y = the kernel of all @count values of x, in runs of odd lengths so
 * that every tail length is met, the first in place; fails if a run
 * writes past its end.  @y has room for 17 floats more. */
static void
map_in_runs (const CsKernels *kernels, int variant, const float *x, float *y, int64_t count)
{
  const int64_t margin = 17;
  const float sentinel = 1234.5f;

  for (int64_t start = 0, length = 1; start < count; start += length, length = length % 37 + 2)
    {
      const int64_t n = MIN (length, count - start);

      for (int64_t i = 0; i < n + margin; i++)
        y[start + i] = sentinel;
      if (start == 0)
        {
          memcpy (y, x, n * sizeof (float));
          map_floats (kernels, variant, y, y, n);
        }
      else
        map_floats (kernels, variant, x + start, y + start, n);
      for (int64_t i = n; i < n + margin; i++)
        if (y[start + i] != sentinel)
          g_error ("%s: a run of %" G_GINT64_FORMAT " wrote past its end", kernels->name, n);
    }
}

/* x·σ(x) of a value is the same float whatever shares its vector: 32
 * values in [−16, 16) alone, then with every fifth below −16, which
 * takes those lanes' vectors the far way. */
static void
check_silu_lanes_apart (const CsKernels *kernels)
{
  float x[32], alone[32], mixed[32];

  for (int i = 0; i < 32; i++)
    x[i] = -16.0f + (float) i * 0.987654f;
  kernels->sigmoid (x, alone, 32, TRUE);
  for (int i = 0; i < 32; i += 5)
    x[i] = -40.0f - (float) i;
  kernels->sigmoid (x, mixed, 32, TRUE);
  for (int i = 0; i < 32; i++)
    if (i % 5 != 0 && memcmp (&alone[i], &mixed[i], sizeof (float)) != 0)
      g_error ("%s: silu of %.9g is %.9g beside values below -16, %.9g without", kernels->name,
               x[i], mixed[i], alone[i]);
}

/* Every 8191st float and the edges through every kernel table, against
 * σ(x) and x·σ(x) in double precision: within 2 ulp and 2·10⁻⁷ of
 * themselves, subnormal results too; NaN for NaN, ±∞ exact.  And x·σ(x)
 * independent of its neighbours (check_silu_lanes_apart). */
static void
test_sigmoid (void)
{
  int64_t count;
  float *x = sample_floats (&count), *y = g_new (float, count + 17);

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

      if (kernels == NULL)
        continue;
      for (int times_input = 0; times_input < 2; times_input++)
        {
          double worst = 0.0, worst_relative = 0.0;
          float worst_x = 0.0f;

          map_in_runs (kernels, times_input, x, y, count);
          for (int64_t i = 0; i < count; i++)
            {
              const double want = sigmoid_reference (x[i], times_input);
              double error;

              if (isnan (want) || isinf (want))
                {
                  if (!(isnan (want) ? isnan (y[i]) : y[i] == want))
                    g_error ("%s: %s of %g is %g, not %g", kernels->name,
                             times_input ? "silu" : "sigmoid", x[i], y[i], want);
                  continue;
                }
              error = fabs (y[i] - want) / ulp (want);
              if (fabs (want) >= FLT_MIN)
                worst_relative = MAX (worst_relative, fabs (y[i] - want) / fabs (want));
              if (error > worst)
                {
                  worst = error;
                  worst_x = x[i];
                }
            }
          g_test_message ("%s %s: at most %.2f ulp (at %.9g), %.3g relative", kernels->name,
                          times_input ? "silu" : "sigmoid", worst, worst_x, worst_relative);
          if (worst > 2.0 || worst_relative > 2e-7)
            g_error ("%s: %s of %.9g is %.2f ulp off, up to %.3g relative elsewhere",
                     kernels->name, times_input ? "silu" : "sigmoid", worst_x, worst,
                     worst_relative);
        }
      check_silu_lanes_apart (kernels);
    }
  g_free (x);
  g_free (y);
}

/* The same floats against x·Φ(x) in double precision: within 3 ulp for
 * x ≥ 0; below 0, where 1 + erf(x/√2) cancels, within 3 ulp + |x|·2⁻²²
 * (½x times 8 units of 2⁻²⁴; the rational erf of gelu-simd.h is within 5
 * in floats).  NaN for NaN, +∞ for +∞, 0 for −∞. */
static void
test_gelu (void)
{
  int64_t count;
  float *x = sample_floats (&count), *y = g_new (float, count + 17);

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);
      /* In ulp for x ≥ 0; below 0 as a share of the bound. */
      double worst[2] = { 0.0, 0.0 };
      float worst_x[2] = { 0.0f, 0.0f };

      if (kernels == NULL)
        continue;
      map_in_runs (kernels, 2, x, y, count);
      for (int64_t i = 0; i < count; i++)
        {
          const double want = gelu_reference (x[i]);
          const int negative = x[i] < 0.0f;
          double error;

          if (isnan (want) || isinf (want))
            {
              if (!(isnan (want) ? isnan (y[i]) : y[i] == want))
                g_error ("%s: gelu of %g is %g, not %g", kernels->name, x[i], y[i], want);
              continue;
            }
          error = fabs (y[i] - want);
          error = negative ? error / (3.0 * ulp (want) + fabs (x[i]) * 0x1p-22)
                           : error / ulp (want);
          if (error > worst[negative])
            {
              worst[negative] = error;
              worst_x[negative] = x[i];
            }
        }
      g_test_message ("%s gelu: at most %.2f ulp for x >= 0 (at %.9g), %.2f of the bound"
                      " below 0 (at %.9g)", kernels->name, worst[0], worst_x[0], worst[1],
                      worst_x[1]);
      if (worst[0] > 3.0 || worst[1] > 1.0)
        g_error ("%s: gelu of %.9g is %.2f ulp off, of %.9g %.2f of the bound", kernels->name,
                 worst_x[0], worst[0], worst_x[1], worst[1]);
    }
  g_free (x);
  g_free (y);
}

/* Every table's α·x + b, rounded once, then no activation, a ReLU, a
 * Clip or a leaky slope: as an Add (α = 1, b an array) and as a channel
 * of BatchNormalization (α = −0.7, b one value); the bits of fmaf put
 * through the activation by comparisons, as the micro-kernels' epilogue
 * does (a NaN passes, −0 stays), in runs of every tail length into fresh
 * memory and in place over either operand; no run writes past its end. */
static void
test_scale_add (void)
{
  const int64_t count = 2500, margin = 17;
  const float sentinel = 1234.5f;
  const CsActivation acts[] = {
    { CS_ACT_NONE }, { CS_ACT_RELU }, { CS_ACT_CLIP, -1.0f, 2.0f }, { CS_ACT_LEAKY_RELU, 0.1f },
  };
  GRand *rand = g_rand_new_with_seed (23);
  g_autofree float *x = g_new (float, count), *b = g_new (float, count);
  g_autofree float *y = g_new (float, count + margin);

  for (int64_t i = 0; i < count; i++)
    {
      x[i] = (float) g_rand_double_range (rand, -4.0, 4.0);
      b[i] = i % 97 == 5 ? -x[i] : (float) g_rand_double_range (rand, -4.0, 4.0);
    }
  x[10] = NAN;
  b[20] = INFINITY;
  x[30] = -0.0f, b[30] = -0.0f;
  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

      for (guint k = 0; kernels != NULL && k < 2 * G_N_ELEMENTS (acts); k++)
        {
          const CsActivation *act = &acts[k / 2];
          const gboolean moves = k % 2 == 0;
          const float alpha = moves ? 1.0f : -0.7f;
          CsEpilogue ep;

          g_assert_true (cs_epilogue_init (&ep, act, alpha, FALSE));
          for (int64_t start = 0, length = 1, run = 0; start < count;
               start += length, length = length % 37 + 2, run++)
            {
              const int64_t n = MIN (length, count - start);
              const float *addend = moves ? b + start : b + 30 + run % 2;
              float *out = y + start;

              for (int64_t i = 0; i < n + margin; i++)
                out[i] = sentinel;
              if (run % 3 == 0 || (!moves && run % 3 == 2))
                kernels->scale_add (x + start, addend, moves, out, n, &ep);
              else
                {
                  memcpy (out, (run % 3 == 1 ? x : b) + start, n * sizeof (float));
                  kernels->scale_add (run % 3 == 1 ? out : x + start,
                                      run % 3 == 2 ? out : addend, moves, out, n, &ep);
                }
              for (int64_t i = n; i < n + margin; i++)
                g_assert_cmpfloat (out[i], ==, sentinel);
            }
          for (int64_t i = 0, run = 0, end = 1, length = 1; i < count; i++)
            {
              float want;

              if (i == end)
                length = length % 37 + 2, end += length, run++;
              want = fmaf (alpha, x[i], moves ? b[i] : b[30 + run % 2]);
              if (act->kind == CS_ACT_LEAKY_RELU && want < 0.0f)
                want *= act->alpha;
              if (act->kind == CS_ACT_RELU && want < 0.0f)
                want = 0.0f;
              if (act->kind == CS_ACT_CLIP)
                want = want < act->alpha ? act->alpha : want > act->beta ? act->beta : want;
              if (isnan (want) ? !isnan (y[i]) : memcmp (&y[i], &want, sizeof (float)) != 0)
                g_error ("%s: %g·%g + b, activation %d, is %g, not %g", kernels->name, alpha,
                         x[i], (int) act->kind, y[i], want);
            }
        }
    }
  g_rand_free (rand);
}

/* The same floats through every table's HardSwish: the same bits as the
 * portable kernel (NaN for NaN), which is within 2 ulp + |x|·2⁻²⁴ of
 * x·min(max(x/6 + ½, 0), 1) in double precision: near x = −3 the gate
 * cancels, and is known to 2⁻²⁵ or so absolutely, as in any float
 * evaluation of ONNX's formula. */
static void
test_hard_swish (void)
{
  int64_t count;
  float *x = sample_floats (&count), *y = g_new (float, count + 17);
  float *portable = g_new (float, count + 17);
  double worst = 0.0;
  float worst_x = 0.0f;

  map_in_runs (cs_kernels_generic (), 3, x, portable, count);
  for (int64_t i = 0; i < count; i++)
    {
      const double gate = CLAMP ((double) x[i] / 6.0 + 0.5, 0.0, 1.0);
      const double want = x[i] * gate;

      if (isnan (want) || isinf (want))
        {
          if (!(isnan (want) ? isnan (portable[i]) : portable[i] == want))
            g_error ("generic: hard-swish of %g is %g, not %g", x[i], portable[i], want);
          continue;
        }
      if (fabs (portable[i] - want) / (2.0 * ulp (want) + fabs (x[i]) * 0x1p-24) > worst)
        {
          worst = fabs (portable[i] - want) / (2.0 * ulp (want) + fabs (x[i]) * 0x1p-24);
          worst_x = x[i];
        }
    }
  g_test_message ("generic hard-swish: at most %.2f of the bound (at %.9g)", worst, worst_x);
  if (worst > 1.0)
    g_error ("generic: hard-swish of %.9g is %.2f of the bound off", worst_x, worst);

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

      if (kernels == NULL)
        continue;
      map_in_runs (kernels, 3, x, y, count);
      for (int64_t i = 0; i < count; i++)
        if (isnan (portable[i]) ? !isnan (y[i]) : memcmp (&y[i], &portable[i], sizeof (float)) != 0)
          g_error ("%s: hard-swish of %.9g is %.9g, the portable kernel's %.9g", kernels->name,
                   x[i], y[i], portable[i]);
    }
  g_free (x);
  g_free (y);
  g_free (portable);
}

/* Rounding to a quantized grid: every 8191st float, the edges, and the
 * halfway points between grid steps (the quotient x/scale nearest n + ½)
 * with their float neighbours.  The portable kernel against round half
 * away from zero of the clamped quotient, in double precision; every
 * table to its bits. */
static void
test_fake_quantize (void)
{
  int64_t sampled, count;
  float *edges = sample_floats (&sampled), *x, *y, *portable;
  const int64_t halves = 2 * (int64_t) (GRID_HIGH - GRID_LOW + 4);

  count = sampled + 3 * halves;
  x = g_new (float, count);
  memcpy (x, edges, sampled * sizeof (float));
  for (int64_t h = 0; h < halves; h++)
    {
      /* Halves from below the low bound to above the high one, of both
       * signs' rounding. */
      const float half = (float) ((double) (GRID_LOW - 2.0f) + 0.5 * (double) h + 0.5)
                         * GRID_SCALE;

      x[sampled + 3 * h] = half;
      x[sampled + 3 * h + 1] = nextafterf (half, -INFINITY);
      x[sampled + 3 * h + 2] = nextafterf (half, INFINITY);
    }
  y = g_new (float, count + 17);
  portable = g_new (float, count + 17);

  map_in_runs (cs_kernels_generic (), 4, x, portable, count);
  for (int64_t i = 0; i < count; i++)
    {
      const double quotient = isnan (x[i]) ? GRID_LOW : CLAMP (x[i] / GRID_SCALE, GRID_LOW,
                                                                GRID_HIGH);
      const double whole = trunc (quotient);
      const double q = whole + (quotient - whole >= 0.5) - (quotient - whole <= -0.5);
      const float want = (float) (q * GRID_SCALE);

      if (portable[i] != want)
        g_error ("generic: %.9g rounds to %.9g on the grid, not %.9g", x[i], portable[i], want);
    }
  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

      if (kernels == NULL)
        continue;
      map_in_runs (kernels, 4, x, y, count);
      for (int64_t i = 0; i < count; i++)
        if (memcmp (&y[i], &portable[i], sizeof (float)) != 0)
          g_error ("%s: %.9g rounds to %.9g on the grid, the portable kernel's %.9g",
                   kernels->name, x[i], y[i], portable[i]);
    }
  g_free (edges);
  g_free (x);
  g_free (y);
  g_free (portable);
}

/* A grid's values as bytes: on every table, each sampled float and
 * halfway point (as in test_fake_quantize) goes to the byte whose value
 * back from bytes is the float rounding to the grid gives, to its bits,
 * in runs of every length up to 38 with nothing written past a run. */
static void
test_grid_bytes (void)
{
  int64_t count;
  float *x = sample_floats (&count), *rounded = g_new (float, count);
  float *back = g_new (float, count + 17);
  uint8_t *bytes = g_new (uint8_t, count + 17);

  for (int64_t i = 0; i + 1 < count && i < 2 * (int64_t) (GRID_HIGH - GRID_LOW + 4); i++)
    x[i] = (float) ((double) GRID_LOW - 2.0 + 0.5 * (double) i) * GRID_SCALE;
  cs_fake_quantize_generic (x, rounded, count, GRID_SCALE, GRID_LOW, GRID_HIGH);
  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

      if (kernels == NULL)
        continue;
      for (int64_t start = 0, length = 1; start < count; start += length, length = length % 37 + 2)
        {
          const int64_t n = MIN (length, count - start);

          memset (bytes + start, 0xa5, n + 17);
          kernels->grid_to_bytes (x + start, bytes + start, n, GRID_SCALE, GRID_LOW, GRID_HIGH);
          for (int64_t i = n; i < n + 17 && start + i < count + 17; i++)
            if (bytes[start + i] != 0xa5)
              g_error ("%s: a run of %" G_GINT64_FORMAT " bytes wrote past its end",
                       kernels->name, n);
          for (int64_t i = 0; i < n + 17; i++)
            back[start + i] = 1234.5f;
          kernels->grid_from_bytes (bytes + start, back + start, n, GRID_SCALE, GRID_LOW);
          for (int64_t i = n; i < n + 17; i++)
            if (back[start + i] != 1234.5f)
              g_error ("%s: a run of %" G_GINT64_FORMAT " floats wrote past its end",
                       kernels->name, n);
        }
      for (int64_t i = 0; i < count; i++)
        if (memcmp (&back[i], &rounded[i], sizeof (float)) != 0)
          g_error ("%s: %.9g goes to byte %d, which stands for %.9g, not %.9g", kernels->name,
                   x[i], bytes[i], back[i], rounded[i]);
    }
  g_free (x);
  g_free (rounded);
  g_free (back);
  g_free (bytes);
}

/* An activation that ends on a grid against the activation and then the
 * rounding, apart: the same bits for every sampled float and halfway
 * point, ReLU and Clip folded into the rounding's clamp included (a
 * Clip's NaN goes to the clamp's low end there, which the apart way
 * does not reach, and is checked as that); and one value at a time the
 * same as the loop, NaN aside (fmaxf makes a signalling NaN a NaN, where
 * the loops' comparisons make it 0). */
static void
test_activation_grid (void)
{
  static const CsActivation kinds[] = {
    { CS_ACT_NONE }, { CS_ACT_RELU }, { CS_ACT_CLIP, 0.0f, 6.0f },
    { CS_ACT_CLIP, -1.0f, 1.0f }, { CS_ACT_CLIP, 2.0f, -2.0f },
    { CS_ACT_CLIP, -INFINITY, 0.01f }, { CS_ACT_SIGMOID }, { CS_ACT_HARD_SWISH },
  };
  int64_t count;
  float *x = sample_floats (&count), *apart = g_new (float, count), *fused = g_new (float, count);

  /* The grid's halfway points, as in test_fake_quantize. */
  for (int64_t i = 0; i + 1 < count && i < 2 * (int64_t) (GRID_HIGH - GRID_LOW); i++)
    x[i] = (float) ((double) GRID_LOW + 0.5 * (double) i) * GRID_SCALE;
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      CsActivation act = kinds[k];

      cs_activation_map (&act, x, apart, count);
      cs_fake_quantize_generic (apart, apart, count, GRID_SCALE, GRID_LOW, GRID_HIGH);
      act.grid = (CsGrid) { GRID_SCALE, GRID_LOW, GRID_HIGH };
      cs_activation_map (&act, x, fused, count);
      for (int64_t i = 0; i < count; i++)
        {
          float want = apart[i];

          if (isnan (x[i]) && act.kind == CS_ACT_CLIP)
            {
              const CsActivation low_end = { CS_ACT_NONE, .grid = act.grid };

              want = cs_activation_scalar (&low_end, act.alpha);
              want = MIN (want, cs_activation_scalar (&low_end, act.beta));
            }
          if (memcmp (&fused[i], &want, sizeof (float)) != 0)
            g_error ("kind %d (%g, %g) then the grid: %.9g gives %.9g, apart %.9g", act.kind,
                     act.alpha, act.beta, x[i], fused[i], want);
          want = cs_activation_scalar (&act, x[i]);
          if (!isnan (x[i]) && memcmp (&fused[i], &want, sizeof (float)) != 0)
            g_error ("kind %d (%g, %g) then the grid: %.9g gives %.9g, alone %.9g", act.kind,
                     act.alpha, act.beta, x[i], fused[i], want);
        }
    }
  g_free (x);
  g_free (apart);
  g_free (fused);
}

/* ---- Pooling ---- */

/* Output @o of @g on @plane, window by window in double. */
static double
pool_reference (const CsPoolGeometry *g, const float *plane, int64_t oy, int64_t ox,
                double *magnitude)
{
  double fold = g->is_max ? -INFINITY : 0.0;
  int64_t inside = 0, padded = 0;

  *magnitude = 0.0;
  for (int ky = 0; ky < g->kernel[0]; ky++)
    for (int kx = 0; kx < g->kernel[1]; kx++)
      {
        const int64_t iy = oy * g->stride[0] - g->pads[0] + (int64_t) ky * g->dilation[0];
        const int64_t ix = ox * g->stride[1] - g->pads[1] + (int64_t) kx * g->dilation[1];

        padded += iy < g->in_h + g->pads[2] && ix < g->in_w + g->pads[3];
        if (iy < 0 || iy >= g->in_h || ix < 0 || ix >= g->in_w)
          continue;
        inside++;
        fold = g->is_max ? MAX (fold, plane[iy * g->in_w + ix]) : fold + plane[iy * g->in_w + ix];
        *magnitude += fabs (plane[iy * g->in_w + ix]);
      }
  if (g->is_max)
    return fold;
  if (g->count_include_pad)
    inside = padded;
  *magnitude /= MAX (inside, 1);
  return inside > 0 ? fold / (double) inside : 0.0;
}

/* Every table against the window-by-window reference, and against the
 * portable table to the bit, on pools of every way the kernels take:
 * the flat way over batches of planes (a last batch short, planes of one
 * pixel and of one row, dilation, wide kernels, windows that miss the
 * plane), the row-wise way (strides, ceil_mode's extra padding, windows
 * wider than the row), AVX-512's vectors down small planes, the
 * window's rows held while it passes (3 rows 1 or 2 apart, 2 rows 2
 * apart, an odd row left over), and along the rows of larger ones
 * (70×66, 90×50); AVX2's lines for rows wider than a vector (a last
 * vector overlapping, blocks of lines with one left short at 90×50,
 * rows narrower than a vector padded out to 9 outputs, rows and columns
 * of different strides); and global pooling. */
static void
test_pool (void)
{
  /* planes, in H, W, kernel, stride, dilation, pads */
  static const struct
  {
    int64_t planes, h, w;
    int kernel[2], stride[2], dilation[2], pads[4];
  } cases[] = {
    { 300, 8, 8, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 } },
    { 40, 35, 35, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 } },
    { 19, 1, 1, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 } },
    { 7, 1, 23, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 } },
    { 5, 9, 11, { 5, 3 }, { 1, 1 }, { 2, 1 }, { 4, 0, 4, 2 } },
    { 6, 4, 5, { 7, 7 }, { 1, 1 }, { 1, 1 }, { 3, 3, 3, 3 } },
    { 3, 6, 6, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 5, 0, 0, 2 } },
    { 4, 17, 17, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 0, 0, 0, 0 } },
    { 3, 20, 21, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 2, 2 } },
    { 2, 13, 10, { 2, 4 }, { 3, 1 }, { 1, 2 }, { 0, 1, 1, 0 } },
    { 2, 5, 3, { 4, 6 }, { 2, 3 }, { 1, 1 }, { 2, 3, 2, 3 } },
    { 2, 9, 9, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 } },
    { 3, 7, 75, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 0, 1, 1, 2 } },
    { 3, 10, 40, { 2, 2 }, { 2, 2 }, { 1, 1 }, { 0, 0, 0, 0 } },
    { 2, 6, 37, { 2, 2 }, { 1, 1 }, { 1, 1 }, { 1, 0, 0, 0 } },
    { 2, 70, 66, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 } },
    { 2, 90, 50, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 } },
    { 3, 15, 29, { 2, 2 }, { 2, 2 }, { 1, 1 }, { 0, 0, 0, 0 } },
    { 3, 6, 5, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 3, 3, 3, 3 } },
    { 2, 12, 40, { 2, 3 }, { 1, 2 }, { 1, 1 }, { 0, 1, 1, 1 } },
  };
  g_autoptr (GRand) rand = g_rand_new_with_seed (61);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    for (int kind = 0; kind < 3; kind++)
      {
        const int64_t planes = cases[i].planes, h = cases[i].h, w = cases[i].w;
        CsPoolGeometry g = {
          .in_h = h, .in_w = w,
          .kernel = { cases[i].kernel[0], cases[i].kernel[1] },
          .stride = { cases[i].stride[0], cases[i].stride[1] },
          .dilation = { cases[i].dilation[0], cases[i].dilation[1] },
          .pads = { cases[i].pads[0], cases[i].pads[1], cases[i].pads[2], cases[i].pads[3] },
          .is_max = kind == 0, .count_include_pad = kind == 2,
        };
        float *x, *y, *first, *scratch;
        int64_t out_size;

        g.out_h = (h + g.pads[0] + g.pads[2] - (int64_t) (g.kernel[0] - 1) * g.dilation[0] - 1)
                  / g.stride[0] + 1;
        g.out_w = (w + g.pads[1] + g.pads[3] - (int64_t) (g.kernel[1] - 1) * g.dilation[1] - 1)
                  / g.stride[1] + 1;
        out_size = planes * g.out_h * g.out_w;
        x = g_new (float, planes * h * w);
        y = g_new (float, out_size);
        first = g_new (float, out_size);
        scratch = g_new (float, cs_pool_scratch_floats (&g));
        fill_random (rand, x, planes * h * w);
        /* Every other plane mostly +0 and −0, whose maximum is the first
         * of them in the order the taps are folded. */
        for (int64_t p = 1; p < planes; p += 2)
          for (int64_t i = p * h * w; i < (p + 1) * h * w; i++)
            if (fabsf (x[i]) < 0.8f)
              x[i] = x[i] < 0.0f ? -0.0f : 0.0f;
        for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
          {
            const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

            if (kernels == NULL)
              continue;
            kernels->pool (&g, x, y, planes, scratch);
            for (int64_t p = 0; p < planes; p++)
              for (int64_t oy = 0; oy < g.out_h; oy++)
                for (int64_t ox = 0; ox < g.out_w; ox++)
                  {
                    double magnitude;
                    const double want = pool_reference (&g, x + p * h * w, oy, ox, &magnitude);
                    const float got = y[(p * g.out_h + oy) * g.out_w + ox];

                    if (g.is_max)
                      g_assert_cmpfloat (got, ==, want);
                    else
                      g_assert_cmpfloat (fabs (got - want), <=, 4 * FLT_EPSILON * magnitude);
                  }
            if (t == 0)
              memcpy (first, y, sizeof (float) * out_size);
            else
              g_assert_cmpmem (y, sizeof (float) * out_size, first, sizeof (float) * out_size);
          }
        g_free (x);
        g_free (y);
        g_free (first);
        g_free (scratch);
      }

  for (int64_t size = 1; size <= 200; size += 33)
    for (int is_max = 0; is_max < 2; is_max++)
      {
        const int64_t planes = 5;
        float *x = g_new (float, planes * size), y[5], first[5];

        fill_random (rand, x, planes * size);
        for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
          {
            const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

            if (kernels == NULL)
              continue;
            kernels->global_pool (x, y, planes, size, is_max);
            for (int64_t p = 0; p < planes; p++)
              {
                double fold = is_max ? -INFINITY : 0.0;

                for (int64_t i = 0; i < size; i++)
                  fold = is_max ? MAX (fold, x[p * size + i]) : fold + x[p * size + i];
                g_assert_cmpfloat (y[p], ==, (float) (is_max ? fold : fold / (double) size));
              }
            if (t == 0)
              memcpy (first, y, sizeof y);
            else
              g_assert_cmpmem (y, sizeof y, first, sizeof first);
          }
        g_free (x);
      }
}

/* Every table's transpose against its definition, on blocks whole
 * multiples of 8×8, ragged on either side or both (by four columns or
 * more, as a GEMM panel of 12 rows is packed, or fewer), of one row or
 * one column, and with strides wider than the block. */
static void
test_transpose (void)
{
  /* rows, cols, extra source stride, extra destination stride */
  static const int64_t cases[][4] = {
    { 8, 8, 0, 0 }, { 96, 56, 0, 0 }, { 13, 8, 3, 0 }, { 8, 21, 0, 5 }, { 19, 23, 1, 2 },
    { 1, 40, 0, 0 }, { 40, 1, 0, 7 }, { 7, 7, 0, 0 }, { 40, 12, 2, 0 },
  };
  g_autoptr (GRand) rand = g_rand_new_with_seed (62);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const int64_t rows = cases[i][0], cols = cases[i][1];
      const int64_t src_stride = rows + cases[i][2], dst_stride = cols + cases[i][3];
      float *src = g_new (float, cols * src_stride), *dst = g_new (float, rows * dst_stride);

      fill_random (rand, src, cols * src_stride);
      for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
        {
          const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

          if (kernels == NULL)
            continue;
          /* The gaps between rows keep this value: nothing writes there. */
          for (int64_t k = 0; k < rows * dst_stride; k++)
            dst[k] = -7.0f;
          kernels->transpose (src, src_stride, dst, dst_stride, rows, cols);
          for (int64_t r = 0; r < rows; r++)
            for (int64_t c = 0; c < dst_stride; c++)
              g_assert_cmpfloat (dst[r * dst_stride + c], ==,
                                 c < cols ? src[c * src_stride + r] : -7.0f);
        }
      g_free (src);
      g_free (dst);
    }
}

/* ---- Dispatch and the Conv op's checks ---- */

static void
test_dispatch (void)
{
  const CsKernels *best = cs_kernels_get ();

  g_assert_nonnull (best);
  g_assert_true (cs_kernels_get () == best);
  g_assert_true (cs_kernels_by_name (best->name) == best);
  g_assert_true (cs_kernels_by_name ("generic") == cs_kernels_generic ());
  g_assert_null (cs_kernels_by_name ("no-such-isa"));
  g_test_message ("dispatched kernels: %s (%d×%d tiles)", best->name, best->mr, best->nr);
}

/* A graph X → Conv(W, B) → Y; W constant unless @weights_constant is FALSE.
 * Returns the infer result with @error set. */
static gboolean
infer_conv (const CsShape *x_shape, const CsShape *w_shape, gboolean weights_constant,
            int groups, int dilation, GError **error)
{
  CsGraph *graph = cs_graph_new ("test.onnx");
  CsShape empty = { 0 };
  CsConvParams *params = g_new0 (CsConvParams, 1);
  int inputs[2], outputs[1];
  CsNode *node;
  gboolean ok;

  params->groups = groups;
  params->window.dilation[0] = params->window.dilation[1] = dilation;
  for (int i = 0; i < 4; i++)
    params->window.pads[i] = dilation > 1 ? 60000 : 1;
  inputs[0] = cs_graph_add_value (graph, "x", CS_DTYPE_FLOAT32, x_shape, NULL);
  cs_graph_value (graph, inputs[0])->is_input = TRUE;
  inputs[1] = cs_graph_add_value (graph, "w", CS_DTYPE_FLOAT32, w_shape,
                                  weights_constant ? g_new0 (float, cs_shape_numel (w_shape))
                                  : NULL);
  cs_graph_value (graph, inputs[1])->is_input = !weights_constant;
  outputs[0] = cs_graph_add_value (graph, "y", CS_DTYPE_FLOAT32, &empty, NULL);
  node = cs_graph_add_node (graph, &cs_op_conv, "conv", inputs, 2, outputs, 1, params);
  ok = node->klass->infer (graph, node, error);
  cs_graph_free (graph);
  return ok;
}

static void
test_conv_op_errors (void)
{
  CsShape x = { 4, { 1, 4, 8, 8 } };
  CsShape w = { 4, { 6, 2, 3, 3 } };
  GError *error = NULL;

  /* Weights computed at run time. */
  g_assert_false (infer_conv (&x, &w, FALSE, 2, 1, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "conv"));
  g_assert_nonnull (strstr (error->message, "load time"));
  g_clear_error (&error);
  /* Four channels cannot feed two per group in three groups. */
  g_assert_false (infer_conv (&x, &w, TRUE, 3, 1, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "groups"));
  g_clear_error (&error);
  /* A dilated window over huge padding would need a giant staged block. */
  g_assert_false (infer_conv (&x, &w, TRUE, 2, 60000, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  /* The same layer with sane numbers is fine. */
  g_assert_true (infer_conv (&x, &w, TRUE, 2, 1, &error));
  g_assert_no_error (error);
}

/* The shape MatMul infers for @a × @b, both graph inputs. */
static CsShape
matmul_shape (const CsShape *a, const CsShape *b)
{
  CsGraph *graph = cs_graph_new ("test.onnx");
  CsShape empty = { 0 }, shape;
  int inputs[2], outputs[1];
  CsNode *node;
  GError *error = NULL;

  inputs[0] = cs_graph_add_value (graph, "a", CS_DTYPE_FLOAT32, a, NULL);
  inputs[1] = cs_graph_add_value (graph, "b", CS_DTYPE_FLOAT32, b, NULL);
  cs_graph_value (graph, inputs[0])->is_input = TRUE;
  cs_graph_value (graph, inputs[1])->is_input = TRUE;
  outputs[0] = cs_graph_add_value (graph, "y", CS_DTYPE_FLOAT32, &empty, NULL);
  node = cs_graph_add_node (graph, &cs_op_matmul, "matmul", inputs, 2, outputs, 1, NULL);
  g_assert_true (node->klass->infer (graph, node, &error));
  g_assert_no_error (error);
  shape = cs_node_output (graph, node, 0)->shape;
  cs_graph_free (graph);
  return shape;
}

/* NumPy broadcasting of the batch axes, a size 1 against 0 included: the
 * product is then empty, and nothing may be read. */
static void
test_matmul_broadcast (void)
{
  CsShape a = { 4, { 1, 2, 3, 4 } }, b = { 4, { 0, 2, 4, 3 } };
  CsShape vector = { 1, { 4 } }, batched = { 3, { 5, 4, 7 } };
  CsShape y;

  y = matmul_shape (&a, &b);
  g_assert_cmpint (y.rank, ==, 4);
  g_assert_cmpint (y.dims[0], ==, 0);
  g_assert_cmpint (y.dims[3], ==, 3);
  y = matmul_shape (&b, &a);   /* 0×2×4×3 · 1×2×3×4 */
  g_assert_cmpint (y.dims[0], ==, 0);
  g_assert_cmpint (y.dims[2], ==, 4);
  /* A 1-D operand loses its axis in the result. */
  y = matmul_shape (&vector, &batched);
  g_assert_cmpint (y.rank, ==, 2);
  g_assert_cmpint (y.dims[0], ==, 5);
  g_assert_cmpint (y.dims[1], ==, 7);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/kernels/dispatch", test_dispatch);
  g_test_add_func ("/kernels/conv/random", test_conv_random);
  g_test_add_func ("/kernels/conv/network-layers", test_conv_network_layers);
  g_test_add_func ("/kernels/conv/atrous", test_conv_atrous);
  g_test_add_func ("/kernels/conv/small-maps", test_conv_small_maps);
  g_test_add_func ("/kernels/conv/transposed-layout", test_conv_transposed_layout);
  g_test_add_func ("/kernels/conv/turned", test_conv_turned);
  g_test_add_func ("/kernels/conv/dense", test_conv_dense);
  g_test_add_func ("/kernels/conv/depthwise-narrow", test_conv_depthwise_narrow);
  g_test_add_func ("/kernels/conv/depthwise-strided", test_conv_depthwise_strided);
  g_test_add_func ("/kernels/conv/depthwise-rows", test_conv_depthwise_rows);
  g_test_add_func ("/kernels/conv/through-gemm", test_conv_through_gemm);
  g_test_add_func ("/kernels/conv/grouped-interleaved", test_conv_grouped_interleaved);
  g_test_add_func ("/kernels/conv/winograd", test_conv_winograd);
  g_test_add_func ("/kernels/conv/scaled", test_conv_scaled);
  g_test_add_func ("/kernels/gemm/random", test_gemm_random);
  g_test_add_func ("/kernels/gemm/wrapped-columns", test_gemm_wrapped_columns);
  g_test_add_func ("/kernels/gemm/row-of-tiles", test_gemm_row_of_tiles);
  g_test_add_func ("/kernels/gemm/indexed-a", test_gemm_indexed_a);
  g_test_add_func ("/kernels/conv/op-errors", test_conv_op_errors);
  g_test_add_func ("/kernels/matmul/broadcast", test_matmul_broadcast);
  g_test_add_func ("/kernels/sigmoid", test_sigmoid);
  g_test_add_func ("/kernels/gelu", test_gelu);
  g_test_add_func ("/kernels/hard-swish", test_hard_swish);
  g_test_add_func ("/kernels/scale-add", test_scale_add);
  g_test_add_func ("/kernels/fake-quantize", test_fake_quantize);
  g_test_add_func ("/kernels/grid-bytes", test_grid_bytes);
  g_test_add_func ("/kernels/pool", test_pool);
  g_test_add_func ("/kernels/transpose", test_transpose);
  g_test_add_func ("/kernels/activation-grid", test_activation_grid);
  return g_test_run ();
}
