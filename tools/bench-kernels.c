/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-kernels.c — throughput of the convolution and dense kernels on
 * the layer shapes of resnet18, mobilenet_v2, ConvNeXt's dense layers
 * and a classifier head, and of the pooling kernels on those of ResNet,
 * GoogLeNet, Inception v3, VGG and SqueezeNet (in GB/s of input read, on
 * one thread), for
 * every kernel table this CPU runs, on 1 and 2 threads (or those given).
 * Prints the median of repeated runs in GFLOP/s (2 per multiply-add) of
 * wall time and of CPU time, so kernel changes can be judged without
 * running whole networks, even on a busy machine; and the CPU-time figure
 * as a share of one core's FMA peak for the table's instruction set
 * (tools/fma-peak.c), the highest measured before each case.  A layer
 * that runs by Winograd's F(4×4, 3×3) is marked "[winograd]": its rate
 * counts a direct convolution's multiply-adds, four times what it does,
 * and can pass the peak; one whose tiles' rows are pixels is marked
 * "[transposed]" (or "[product]" where the GEMM driver runs it), a
 * depthwise or grouped one on blocks of channels "[interleaved]".
 * With --cold, each run starts with only its input in the caches, as
 * in a network, where the weights come from memory.
 *
 *   bench-kernels [--runs N] [--threads N] [--table NAME] [--filter TEXT]
 *                 [--model FILE.onnx] [--cold]
 *
 * With --model, the cases are that network's convolutions instead (shapes
 * from its layer descriptions, kernels of any height and width), and a
 * total at the end.
 */
#include "convscope.h"
#include "kernels/qconvolution.h"
#include "kernels/winograd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct
{
  const char *name;
  int64_t c, h, w, m;
  int k[2], stride, pad[2], groups;  /* per axis: height, width */
} ConvCase;

static const ConvCase conv_cases[] = {
  { "resnet18 conv1 7x7/2", 3, 224, 224, 64, { 7, 7 }, 2, { 3, 3 }, 1 },
  { "resnet18 layer1 3x3", 64, 56, 56, 64, { 3, 3 }, 1, { 1, 1 }, 1 },
  { "resnet18 layer2 3x3/2", 64, 56, 56, 128, { 3, 3 }, 2, { 1, 1 }, 1 },
  { "resnet18 layer2 3x3", 128, 28, 28, 128, { 3, 3 }, 1, { 1, 1 }, 1 },
  { "resnet18 layer2 1x1/2", 64, 56, 56, 128, { 1, 1 }, 2, { 0, 0 }, 1 },
  { "resnet18 layer3 3x3", 256, 14, 14, 256, { 3, 3 }, 1, { 1, 1 }, 1 },
  { "resnet18 layer4 3x3", 512, 7, 7, 512, { 3, 3 }, 1, { 1, 1 }, 1 },
  { "mobilenet 1x1 24->144", 24, 56, 56, 144, { 1, 1 }, 1, { 0, 0 }, 1 },
  { "mobilenet 1x1 144->24", 144, 56, 56, 24, { 1, 1 }, 1, { 0, 0 }, 1 },
  { "mobilenet 1x1 960->160", 960, 7, 7, 160, { 1, 1 }, 1, { 0, 0 }, 1 },
  { "mobilenet dw 3x3 144", 144, 56, 56, 144, { 3, 3 }, 1, { 1, 1 }, 144 },
  { "mobilenet dw 3x3/2 144", 144, 56, 56, 144, { 3, 3 }, 2, { 1, 1 }, 144 },
  { "mobilenet dw 3x3 32 @112", 32, 112, 112, 32, { 3, 3 }, 1, { 1, 1 }, 32 },
  { "mobilenet dw 3x3 960 @7", 960, 7, 7, 960, { 3, 3 }, 1, { 1, 1 }, 960 },
};

/* count_include_pad as Inception v3's exported pools; kernel 0 is global
 * pooling. */
typedef struct
{
  const char *name;
  int64_t c, h, w;
  int k, stride, pad;
  gboolean is_max;
} PoolCase;

static const PoolCase pool_cases[] = {
  { "pool resnet max 3x3/2 @112", 64, 112, 112, 3, 2, 1, TRUE },
  { "pool inception max 3x3/2 @147", 64, 147, 147, 3, 2, 0, TRUE },
  { "pool inception max 3x3/2 @17", 768, 17, 17, 3, 2, 0, TRUE },
  { "pool inception avg 3x3 @35", 288, 35, 35, 3, 1, 1, FALSE },
  { "pool inception avg 3x3 @17", 768, 17, 17, 3, 1, 1, FALSE },
  { "pool inception avg 3x3 @8", 2048, 8, 8, 3, 1, 1, FALSE },
  { "pool googlenet max 3x3 @14", 480, 14, 14, 3, 1, 1, TRUE },
  { "pool vgg max 2x2/2 @224", 64, 224, 224, 2, 2, 0, TRUE },
  { "pool squeezenet max 3x3/2 @111", 64, 111, 111, 3, 2, 0, TRUE },
  { "pool global avg @112", 96, 112, 112, 0, 1, 0, FALSE },
  { "pool global avg @7", 1280, 7, 7, 0, 1, 0, FALSE },
};

typedef struct
{
  const char *name;
  int64_t m, n, k;
  gboolean packed;   /* B packed, else read as stored (transposed) */
} DenseCase;

static const DenseCase dense_cases[] = {
  { "fc 512->1000 as stored", 1, 1000, 512, FALSE },
  { "fc 4096->4096 as stored", 1, 4096, 4096, FALSE },
  { "fc 4096->4096 packed", 1, 4096, 4096, TRUE },
  { "gemm 256x256x256", 256, 256, 256, TRUE },
  /* ConvNeXt-Tiny's dense layers, on 56×56 and 14×14 maps. */
  { "matmul 3136x96->384", 3136, 384, 96, TRUE },
  { "matmul 3136x384->96", 3136, 96, 384, TRUE },
  { "matmul 196x384->1536", 196, 1536, 384, TRUE },
  { "matmul 196x1536->384", 196, 384, 1536, TRUE },
};

static void
fill_random (float *data, int64_t n, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);

  for (int64_t i = 0; i < n; i++)
    data[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  g_rand_free (rand);
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

typedef void (*RunFunc) (gpointer data);

typedef struct
{
  double wall;   /* seconds per call */
  double cpu;    /* least CPU seconds per call over all threads */
} Timing;

static double
cpu_seconds (void)
{
  struct timespec now;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
  return now.tv_sec + now.tv_nsec * 1e-9;
}

/* With --cold, a buffer larger than the caches that each timed run
 * follows a pass over: as in a network, where a layer's weights come
 * from memory and only its input is still cached, from the layer that
 * wrote it. */
#define COLD_BYTES (64 << 20)
static guint8 *cold_buffer;

/* Reads @bytes at @data, so that they are cached. */
static guint8
touch (const guint8 *data, gsize bytes)
{
  guint8 sum = 0;

  for (gsize i = 0; i < bytes; i += 64)
    sum += data[i];
  return sum;
}

typedef struct
{
  const guint8 *input;
  gsize         input_bytes;
  gint          sink;   /* what the threads read, so that they read it */
} ColdPass;

/* Share [begin, end) of 4 KiB pages of the cold buffer, then the same
 * share of the input: each thread empties its own core's caches and
 * leaves its part of the input there, as the layer before would. */
static void
cold_range (void *user, int64_t begin, int64_t end, int thread)
{
  ColdPass *pass = user;
  const int64_t pages = COLD_BYTES >> 12;
  gsize from = pass->input_bytes * begin / pages, to = pass->input_bytes * end / pages;

  (void) thread;
  /* Written, not only read: dirty lines leave the caches too. */
  for (gsize b = (gsize) begin << 12; b < (gsize) end << 12; b += 64)
    cold_buffer[b]++;
  g_atomic_int_add (&pass->sink, touch (pass->input + from, to - from));
}

/* The median wall time and the least CPU time over @runs timed calls after
 * one warm-up.  The least CPU time shows the kernels' own speed on a
 * machine shared with other work, whose caches other processes flush.
 * With --cold, each call starts with only the @input_bytes at @input
 * cached, the pass that flushes the rest run on @pool (may be NULL), so
 * that its threads are awake when the call starts: a worker left waiting
 * out the pass would go to sleep, and the call would time its wake-up. */
static Timing
time_median (RunFunc func, gpointer data, CsThreadPool *pool, int runs, gconstpointer input,
             gsize input_bytes)
{
  double *wall = g_new (double, runs), *cpu = g_new (double, runs);
  volatile guint8 sink = 0;
  Timing median;

  func (data);
  for (int i = 0; i < runs; i++)
    {
      if (cold_buffer != NULL)
        {
          ColdPass pass = { input, input_bytes, 0 };

          cs_parallel_for (pool, COLD_BYTES >> 12, 1, cold_range, &pass);
          sink += (guint8) pass.sink;
        }
      double cpu_start = cpu_seconds ();
      gint64 start = g_get_monotonic_time ();

      func (data);
      wall[i] = (g_get_monotonic_time () - start) * 1e-6;
      cpu[i] = cpu_seconds () - cpu_start;
    }
  qsort (wall, runs, sizeof (double), compare_doubles);
  qsort (cpu, runs, sizeof (double), compare_doubles);
  median = (Timing) { wall[runs / 2], cpu[0] };
  g_free (wall);
  g_free (cpu);
  return median;
}

#ifdef CS_FMA_PEAK
double fma_peak_avx2   (void);
double fma_peak_avx512 (void);
#endif

/* One core's FMA peak in GFLOP/s for @kernels' instruction set: the
 * highest measured so far, measured again at each call, since a shared
 * VM's speed drifts between cases; 0 where there is none to measure (the
 * portable table). */
static double
fma_peak (const CsKernels *kernels)
{
  static double avx2, avx512;

#ifdef CS_FMA_PEAK
  if (strcmp (kernels->name, "avx2") == 0)
    return avx2 = MAX (avx2, fma_peak_avx2 ());
  if (g_str_has_prefix (kernels->name, "avx512"))
    return avx512 = MAX (avx512, fma_peak_avx512 ());
#endif
  return 0.0;
}

static void
print_timing (const char *name, const CsKernels *kernels, int threads, Timing timing,
              double flops)
{
  const double per_cpu = flops / timing.cpu * 1e-9, peak = fma_peak (kernels);

  printf ("%-28s %-8s %d  %8.3f ms  %7.1f GFLOP/s   best %7.1f GFLOP/CPU-s", name,
          kernels->name, threads, timing.wall * 1e3, flops / timing.wall * 1e-9, per_cpu);
  if (peak > 0)
    printf ("  %3.0f %% of peak", 100.0 * per_cpu / peak);
  printf ("\n");
}

typedef struct
{
  CsConvPlan   *plan;
  CsQConvPlan  *qplan;
  const float  *x;
  float        *y;
  /* The 8-bit run's input as bytes on this grid, where the plan reads
   * them, and its output as bytes: as between two layers of a network. */
  const uint8_t *x_bytes;
  const CsGrid  *x_grid;
  CsThreadPool *pool;
  void        **scratch;
  CsGemm        gemm;
} Job;

static void
run_conv (gpointer data)
{
  Job *job = data;
  CsActivation relu = { CS_ACT_RELU, 0, 0 };

  cs_conv_plan_run (job->plan, job->x, job->y, &relu, job->pool, job->scratch);
}

static void
run_qconv (gpointer data)
{
  Job *job = data;

  cs_qconv_plan_run (job->qplan, job->x_bytes != NULL ? (const void *) job->x_bytes : job->x,
                     job->x_bytes != NULL ? job->x_grid : NULL, job->y, TRUE, job->pool,
                     job->scratch);
}

static void
run_gemm (gpointer data)
{
  Job *job = data;

  cs_gemm_run (&job->gemm, job->pool, job->scratch);
}

static void **
new_scratch (int threads, size_t bytes)
{
  void **scratch = g_new (void *, threads);

  for (int t = 0; t < threads; t++)
    scratch[t] = g_malloc0 (bytes);
  return scratch;
}

static void
free_scratch (void **scratch, int threads)
{
  for (int t = 0; t < threads; t++)
    g_free (scratch[t]);
  g_free (scratch);
}

/* Returns the median seconds per run. */
static double
bench_conv (const ConvCase *cc, const CsKernels *kernels, int threads, int runs)
{
  CsConvShape shape = { 1, cc->c, cc->h, cc->w, cc->m, 0, 0, { cc->k[0], cc->k[1] },
                        { cc->stride, cc->stride }, { 1, 1 },
                        { cc->pad[0], cc->pad[1], cc->pad[0], cc->pad[1] }, cc->groups };
  int64_t weights_n, macs;
  float *x, *w, *b, *y;
  Job job = { 0 };
  Timing timing;

  shape.out_h = cs_window_output_size (cc->h, cc->k[0], cc->stride, 1, cc->pad[0], cc->pad[0], FALSE);
  shape.out_w = cs_window_output_size (cc->w, cc->k[1], cc->stride, 1, cc->pad[1], cc->pad[1], FALSE);
  weights_n = cc->m * (cc->c / cc->groups) * cc->k[0] * cc->k[1];
  macs = shape.out_h * shape.out_w * weights_n;
  x = g_new (float, cc->c * cc->h * cc->w);
  w = g_new (float, weights_n);
  b = g_new (float, cc->m);
  y = g_new (float, cc->m * shape.out_h * shape.out_w);
  fill_random (x, cc->c * cc->h * cc->w, 1);
  fill_random (w, weights_n, 2);
  fill_random (b, cc->m, 3);

  job.plan = cs_conv_plan_new (kernels, &shape, w, b);
  job.x = x;
  job.y = y;
  job.pool = cs_thread_pool_new (threads);
  job.scratch = new_scratch (threads, cs_conv_scratch_bytes (kernels, &shape));
  timing = time_median (run_conv, &job, job.pool, runs, x, sizeof (float) * cc->c * cc->h * cc->w);
  {
    /* A Winograd layer's rate counts the direct convolution's
     * multiply-adds, a quarter of which it does: it can pass the peak. */
    static const char *const labels[] = {
      [CS_CONV_LAYOUT_TRANSPOSED] = " [transposed]",
      [CS_CONV_LAYOUT_TRANSPOSED_STAGED] = " [transposed, staged]",
      [CS_CONV_LAYOUT_PRODUCT] = " [product]",
      [CS_CONV_LAYOUT_TURNED] = " [turned]",
      [CS_CONV_LAYOUT_INTERLEAVED] = " [interleaved]",
      [CS_CONV_LAYOUT_PLANAR] = " [planar]",
      [CS_CONV_LAYOUT_DENSE] = " [dense]",
      [CS_CONV_LAYOUT_WINOGRAD] = " [winograd]",
    };
    const char *label = labels[cs_conv_layout (kernels, &shape)];
    g_autofree char *name = g_strdup_printf ("%s%s", cc->name, label != NULL ? label : "");

    print_timing (name, kernels, threads, timing, 2.0 * macs);
  }
  free_scratch (job.scratch, threads);

  if (cc->groups == 1 || (cc->groups == cc->c && cc->groups == cc->m))
    {
      /* The same convolution in 8-bit integers (GOP/s: two operations
       * per byte product), input on the grid of scale 1/64 around 128
       * (as its bytes where the plan reads them), output as bytes,
       * weights in bytes with a uint8 model's zero point; ordinary or
       * depthwise. */
      const int64_t depth = weights_n / cc->m;
      int8_t *bytes = g_new (int8_t, weights_n);
      float *scale = g_new (float, cc->m);
      int32_t *zero = g_new (int32_t, cc->m);
      CsConvQuant quant = { 1.0f / 64, 128, depth, bytes, scale, zero, NULL };
      const CsGrid x_grid = { 1.0f / 64, -128.0f, 127.0f };
      g_autofree uint8_t *x_bytes = g_new (uint8_t, cc->c * cc->h * cc->w);
      const CsGrid out = { 0.05f, -128.0f, 127.0f };
      g_autofree char *name = g_strdup_printf ("%s [8-bit]", cc->name);
      const char *reason = NULL;
      Timing qtiming;

      for (int64_t i = 0; i < weights_n; i++)
        bytes[i] = (int8_t) (w[i] * 127.0f);
      for (int64_t o = 0; o < cc->m; o++)
        {
          scale[o] = 0.02f;
          zero[o] = -7;
        }
      for (int64_t i = 0; i < cc->c * cc->h * cc->w; i++)
        x[i] = roundf (x[i] * 64.0f) / 64.0f;
      job.qplan = cs_qconv_plan_new (kernels, &shape, &quant, &out, &reason);
      g_assert_nonnull (job.qplan);
      cs_kernels_generic ()->grid_to_bytes (x, x_bytes, cc->c * cc->h * cc->w, x_grid.scale,
                                            x_grid.low, x_grid.high);
      job.x_bytes = cs_qconv_plan_reads_bytes (job.qplan, &x_grid) ? x_bytes : NULL;
      job.x_grid = &x_grid;
      job.scratch = new_scratch (threads, cs_qconv_scratch_bytes (kernels, &shape));
      qtiming = time_median (run_qconv, &job, job.pool, runs,
                             job.x_bytes != NULL ? (gconstpointer) x_bytes : x,
                             (job.x_bytes != NULL ? 1 : sizeof (float)) * cc->c * cc->h * cc->w);
      printf ("%-28s %-8s %d  %8.3f ms  %7.1f GOP/s     %.2f× the float time\n", name,
              kernels->name, threads, qtiming.wall * 1e3, 2.0 * macs / qtiming.wall * 1e-9,
              qtiming.wall / timing.wall);
      free_scratch (job.scratch, threads);
      cs_qconv_plan_free (job.qplan);
      job.x_bytes = NULL;
      g_free (bytes);
      g_free (scale);
      g_free (zero);
    }

  cs_thread_pool_free (job.pool);
  cs_conv_plan_free (job.plan);
  g_free (x);
  g_free (w);
  g_free (b);
  g_free (y);
  return timing.cpu;
}

/* Every convolution of the model at @path as a case; the names are the
 * layers' and stay alive with the model. */
static GArray *
model_cases (const char *path, CsModel **model)
{
  GArray *cases = g_array_new (FALSE, FALSE, sizeof (ConvCase));
  g_autoptr (GError) error = NULL;

  *model = cs_model_load_file (path, NULL, &error);
  if (*model == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      exit (1);
    }
  for (size_t i = 0; i < cs_model_n_layers (*model); i++)
    {
      const CsLayerInfo *info = cs_model_layer (*model, i);
      ConvCase cc;

      if (info->kind != CS_LAYER_CONV || info->stride[0] != info->stride[1]
          || info->pads[0] != info->pads[2] || info->pads[1] != info->pads[3]
          || info->dilation[0] != 1 || info->dilation[1] != 1)
        continue;
      cc = (ConvCase) { info->name, info->in_shape.dims[1], info->in_shape.dims[2],
                        info->in_shape.dims[3], info->out_shape.dims[1],
                        { info->kernel[0], info->kernel[1] }, info->stride[0],
                        { info->pads[0], info->pads[1] }, info->groups };
      g_array_append_val (cases, cc);
    }
  return cases;
}

static void
bench_dense (const DenseCase *dc, const CsKernels *kernels, int threads, int runs)
{
  float *a = g_new (float, dc->m * dc->k);
  float *b = g_new (float, dc->k * dc->n);
  float *packed = g_new (float, dc->k * dc->n);
  float *c = g_new (float, dc->m * dc->n);
  Job job = { 0 };
  Timing timing;

  fill_random (a, dc->m * dc->k, 4);
  fill_random (b, dc->k * dc->n, 5);
  /* As a dense layer stores it: B transposed (n × k). */
  cs_pack_b (kernels, packed, b, dc->k, dc->n, 1, dc->k);
  job.gemm = (CsGemm) { kernels, dc->m, dc->n, dc->k, { a, dc->k, 1, FALSE },
                        { dc->packed ? packed : b, 1, dc->k, dc->packed }, c, dc->n, 1.0f,
                        FALSE, NULL };
  job.pool = cs_thread_pool_new (threads);
  job.scratch = new_scratch (threads, cs_gemm_scratch_bytes (&job.gemm));
  timing = time_median (run_gemm, &job, job.pool, runs, a, sizeof (float) * dc->m * dc->k);
  print_timing (dc->name, kernels, threads, timing, 2.0 * dc->m * dc->n * dc->k);

  free_scratch (job.scratch, threads);
  cs_thread_pool_free (job.pool);
  g_free (a);
  g_free (b);
  g_free (packed);
  g_free (c);
}

typedef struct
{
  const CsKernels      *kernels;
  const PoolCase       *pc;
  const CsPoolGeometry *geometry;
  const float          *x;
  float                *y, *scratch;
} PoolJob;

static void
run_pool (gpointer data)
{
  const PoolJob *job = data;

  if (job->pc->k == 0)
    job->kernels->global_pool (job->x, job->y, job->pc->c, job->pc->h * job->pc->w,
                               job->pc->is_max);
  else
    job->kernels->pool (job->geometry, job->x, job->y, job->pc->c, job->scratch);
}

/* One thread, the kernel over all planes as the op's one task would; in
 * GB/s of input read. */
static void
bench_pool (const PoolCase *pc, const CsKernels *kernels, int runs)
{
  const int k = pc->k, s = pc->stride, p = pc->pad;
  CsPoolGeometry geometry = {
    .in_h = pc->h, .in_w = pc->w,
    .out_h = k == 0 ? 1 : (pc->h + 2 * p - k) / s + 1,
    .out_w = k == 0 ? 1 : (pc->w + 2 * p - k) / s + 1,
    .kernel = { k, k }, .stride = { s, s }, .dilation = { 1, 1 }, .pads = { p, p, p, p },
    .is_max = pc->is_max, .count_include_pad = TRUE,
  };
  float *x = g_new (float, pc->c * pc->h * pc->w);
  float *y = g_new (float, pc->c * geometry.out_h * geometry.out_w);
  float *scratch = g_new (float, cs_pool_scratch_floats (&geometry));
  PoolJob job = { kernels, pc, &geometry, x, y, scratch };
  Timing timing;

  fill_random (x, pc->c * pc->h * pc->w, 6);
  timing = time_median (run_pool, &job, NULL, runs, x, sizeof (float) * pc->c * pc->h * pc->w);
  printf ("%-28s %-8s 1  %8.3f ms  %7.1f GB/s\n", pc->name, kernels->name,
          timing.wall * 1e3, sizeof (float) * pc->c * pc->h * pc->w / timing.wall * 1e-9);
  g_free (x);
  g_free (y);
  g_free (scratch);
}

int
main (int argc, char **argv)
{
  int runs = 21, threads = 0;
  gboolean cold = FALSE;
  g_autofree char *table = NULL, *filter = NULL, *model_path = NULL;
  GOptionEntry entries[] = {
    { "runs", 'n', 0, G_OPTION_ARG_INT, &runs, "Timed runs per case (default 21)", "N" },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &threads, "Only this thread count (default: 1 and 2)", "N" },
    { "table", 't', 0, G_OPTION_ARG_STRING, &table, "Only this kernel table", "NAME" },
    { "filter", 'f', 0, G_OPTION_ARG_STRING, &filter, "Only cases whose name contains TEXT", "TEXT" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "The convolutions of this ONNX model", "FILE" },
    { "cold", 'c', 0, G_OPTION_ARG_NONE, &cold, "Start each run with only the input cached", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("— kernel throughput");
  g_autoptr (GError) error = NULL;
  const char *names[] = { "avx512-vnni", "avx512", "avx2", "generic" };
  CsModel *model = NULL;
  GArray *cases;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
  runs = MAX (runs, 1);
  if (cold)
    cold_buffer = g_malloc0 (COLD_BYTES);
  if (model_path != NULL)
    cases = model_cases (model_path, &model);
  else
    {
      cases = g_array_new (FALSE, FALSE, sizeof (ConvCase));
      g_array_append_vals (cases, conv_cases, G_N_ELEMENTS (conv_cases));
    }
  printf ("# dispatched table: %s\n", cs_kernels_get ()->name);
  for (int t = 1; t <= 2; t++)
    {
      int n_threads = threads > 0 ? threads : t;

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          const CsKernels *kernels = cs_kernels_by_name (names[i]);

          if (kernels == NULL || (table != NULL && strcmp (table, names[i]) != 0))
            continue;
          double total = 0;

          for (guint c = 0; c < cases->len; c++)
            {
              const ConvCase *cc = &g_array_index (cases, ConvCase, c);

              if (filter == NULL || strstr (cc->name, filter) != NULL)
                total += bench_conv (cc, kernels, n_threads, runs);
            }
          for (guint d = 0; model == NULL && d < G_N_ELEMENTS (dense_cases); d++)
            if (filter == NULL || strstr (dense_cases[d].name, filter) != NULL)
              bench_dense (&dense_cases[d], kernels, n_threads, runs);
          for (guint q = 0; model == NULL && n_threads == 1 && q < G_N_ELEMENTS (pool_cases); q++)
            if (filter == NULL || strstr (pool_cases[q].name, filter) != NULL)
              bench_pool (&pool_cases[q], kernels, runs);
          if (model != NULL)
            printf ("# total convolution CPU time %.3f ms\n", total * 1e3);
          if (fma_peak (kernels) > 0)
            printf ("# %s: one core's FMA peak, the highest measured, %.1f GFLOP/s\n",
                    kernels->name, fma_peak (kernels));
        }
      if (threads > 0)
        break;
    }
  g_array_unref (cases);
  cs_model_free (model);
  return 0;
}
