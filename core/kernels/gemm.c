/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemm.c — packing and the threaded GEMM driver (gemm.h).
 *
 * The work is cut into blocks of mc rows × nc columns, one task each.  A
 * task packs what the micro-kernel cannot read in place — A with rows
 * that are not adjacent in memory, B whose columns are not — into its
 * thread's scratch, then walks its tiles row panel by row panel so that
 * the A panel stays in L1 while B's panels pass it from L2.  A B panel
 * holds nr/mr times the floats of an A panel and no longer fits L1 in
 * the deeper products (48 KB for ConvNeXt's 384 → 96 layers: 2.62 →
 * 2.45 ms by this order alone).
 *
 * Where only A needs packing (a MatMul of activations by weights packed
 * at load), a task takes every column and the rows are split, so that A
 * is packed once; but where B is too large to stay in L2 while every
 * row block passes over it, the threads pack all of A once together
 * first, into thread 0's scratch, and the tasks split B's columns as
 * well (shared_a).  Weights packed at load come from memory in a
 * network: each task's tiles fetch, a share each, the columns of B that
 * the next task, which its thread takes next, reads first (ConvNeXt-
 * Tiny, one thread: 86 → 80 ms; two: 46.5 → 43.5).
 *
 * A product of a few rows with B packed — a dense layer on one image —
 * would compute a single row of every tile; the GEMV kernel runs it
 * instead, reading the panels in one stream.
 */
#include "gemm.h"

/* Floats of A (mc × k) and of B (k × nc) a task keeps in cache. */
#define A_BLOCK_FLOATS (128 * 1024)
#define B_BLOCK_FLOATS (64 * 1024)
/* B (k × n) beyond this, with only A to pack, has A packed once for all
 * tasks (shared_a): ConvNeXt-Tiny's MatMuls of 384 × 1536 and 768 ×
 * 3072, 2.4 and 9.4 MB, were read again by every 12-row block.  So has
 * a product of fewer rows than columns, whose row blocks are few and
 * small beside B (a 1×1 convolution's 49 pixels by 160 or 960 output
 * channels: convolution.c, PRODUCT_WEIGHTS). */
#define B_SHARED_FLOATS (256 * 1024)
/* A column-major A whose columns lie further apart than this (a line of
 * floats) is packed: read in place, each depth step of a tile reads a
 * line of its own for a few floats, which the tiles over every B panel
 * read again (a 1×1 convolution's pixels as rows, convolution.c:
 * PRODUCT_PIXELS). */
#define A_IN_PLACE_STEP 16
/* Enough tasks that threads finishing at different times even out. */
#define MIN_TASKS 16
/* Multiply-adds worth waking another thread for. */
#define MIN_PARALLEL_MACS (256 * 1024)
/* The same for the GEMV kernel, which reads each weight once: there a
 * multiply-add waits on a load from L3 or memory, not on the FMA pipes.
 * MobileNet v3's squeeze-excitation layers (960 × 240 and 240 × 960,
 * about 50 µs each) did not split at MIN_PARALLEL_MACS; on two threads
 * they now take 0.65–0.78 of their time (AVX2, Zen 3), the network 0.95
 * to 0.98. */
#define MIN_PARALLEL_GEMV_MACS (32 * 1024)
/* B panels per task of the GEMV kernel: one group of the panels it reads
 * side by side (gemv-simd.h: GEMV_STREAMS), a stream each from memory. */
#define GEMV_PANELS 4

/* Copies between a strided matrix (rows × depth, element (i, p) at
 * matrix[i·row_stride + p·col_stride]) and panels of @height rows, in
 * the direction @to_panels says: panel q holds rows [q·height, q·height +
 * h) as depth steps of h floats at panels + q·height·depth.  A's panels
 * are those of A with the kernel's mr; B's are those of Bᵀ with its nr.
 * A matrix dense along the depth (a MatMul's activations) is a transpose
 * of each panel, which the kernel does in registers. */
static void
copy_panels (const CsKernels *kernels,
             int              height,
             float           *panels,
             float           *matrix,
             int64_t          rows,
             int64_t          depth,
             int64_t          row_stride,
             int64_t          col_stride,
             gboolean         to_panels)
{
  for (int64_t r0 = 0; r0 < rows; r0 += height)
    {
      int    h = (int) MIN (height, rows - r0);
      float *panel = panels + r0 * depth;

      if (col_stride == 1 && to_panels)
        kernels->transpose (matrix + r0 * row_stride, row_stride, panel, h, depth, h);
      else if (col_stride == 1)
        kernels->transpose (panel, h, matrix + r0 * row_stride, row_stride, h, depth);
      /* The matrix's nearer stride innermost: along the depth for A as
       * stored, across the rows for B as stored (Bᵀ's rows). */
      else if (col_stride <= row_stride)
        for (int i = 0; i < h; i++)
          {
            float *row = matrix + (r0 + i) * row_stride;

            for (int64_t p = 0; p < depth; p++)
              if (to_panels)
                panel[p * h + i] = row[p * col_stride];
              else
                row[p * col_stride] = panel[p * h + i];
          }
      else
        for (int64_t p = 0; p < depth; p++)
          {
            float *column = matrix + r0 * row_stride + p * col_stride;

            for (int i = 0; i < h; i++)
              if (to_panels)
                panel[p * h + i] = column[i * row_stride];
              else
                column[i * row_stride] = panel[p * h + i];
          }
    }
}

/* Packing only reads @src. */
void
cs_pack_a (const CsKernels *kernels,
           float           *dst,
           const float     *src,
           int64_t          rows,
           int64_t          depth,
           int64_t          row_stride,
           int64_t          col_stride)
{
  copy_panels (kernels, kernels->mr, dst, (float *) src, rows, depth, row_stride, col_stride, TRUE);
}

/* Unpacking only reads @src. */
void
cs_unpack_a (const CsKernels *kernels,
             float           *dst,
             const float     *src,
             int64_t          rows,
             int64_t          depth,
             int64_t          row_stride,
             int64_t          col_stride)
{
  copy_panels (kernels, kernels->mr, (float *) src, dst, rows, depth, row_stride, col_stride,
               FALSE);
}

void
cs_pack_b (const CsKernels *kernels,
           float           *dst,
           const float     *src,
           int64_t          depth,
           int64_t          cols,
           int64_t          row_stride,
           int64_t          col_stride)
{
  copy_panels (kernels, kernels->nr, dst, (float *) src, cols, depth, col_stride, row_stride, TRUE);
}

/* Packs the @lines lines of @depth floats at @matrix where they lie,
 * @width lines a panel (A's rows or B's columns): each panel takes the
 * memory of the lines it holds, so one panel at a time needs a copy. */
static void
pack_in_place (const CsKernels *kernels, float *matrix, int64_t lines, int64_t depth,
               gboolean b)
{
  const int64_t width = b ? kernels->nr : kernels->mr;
  float *copy = g_new (float, MIN (width, lines) * depth);

  for (int64_t l0 = 0; l0 < lines; l0 += width)
    {
      const int64_t n = MIN (width, lines - l0);
      float        *panel = matrix + l0 * depth;

      memcpy (copy, panel, sizeof (float) * n * depth);
      if (b)
        cs_pack_b (kernels, panel, copy, depth, n, 1, depth);
      else
        cs_pack_a (kernels, panel, copy, n, depth, depth, 1);
    }
  g_free (copy);
}

void
cs_pack_a_in_place (const CsKernels *kernels, float *matrix, int64_t rows, int64_t depth)
{
  pack_in_place (kernels, matrix, rows, depth, FALSE);
}

void
cs_pack_b_in_place (const CsKernels *kernels, float *matrix, int64_t depth, int64_t cols)
{
  pack_in_place (kernels, matrix, cols, depth, TRUE);
}

void
cs_unpack_b (const CsKernels *kernels,
             float           *dst,
             const float     *src,
             int64_t          depth,
             int64_t          cols,
             int64_t          row_stride,
             int64_t          col_stride)
{
  copy_panels (kernels, kernels->nr, (float *) src, dst, cols, depth, col_stride, row_stride,
               FALSE);
}

static int64_t
round_up (int64_t value, int64_t multiple)
{
  return (value + multiple - 1) / multiple * multiple;
}

/* Whether the micro-kernel reads A's rows [r, r + h) as a panel: packed
 * already, column-major (rows adjacent) with its columns close enough,
 * or a single row. */
static gboolean
a_in_place (const CsGemm *gemm)
{
  return gemm->a.packed || (gemm->a.row_stride == 1 && gemm->a.col_stride <= A_IN_PLACE_STEP)
         || gemm->m == 1;
}

static gboolean
b_in_place (const CsGemm *gemm)
{
  return gemm->b.packed || gemm->b.col_stride == 1;
}

/* The first row of tile @q of A's rows.  A packed at load keeps its
 * panels of mr rows; the driver packs or reads the other forms tile by
 * tile, and shares the rows out evenly among as many tiles: a tile of one
 * row (49 pixels = 8 × 6 + 1) waits on its sums' latency at each depth
 * step, and MobileNet v2's 960 → 320 on 7×7 took 1.05 times as long that
 * way (AVX2, Zen 3, warm). */
static int64_t
tile_row (const CsGemm *gemm, int64_t q)
{
  const int64_t mr = gemm->kernels->mr, tiles = (gemm->m + mr - 1) / mr;

  return gemm->a.packed ? MIN (q * mr, gemm->m) : q * gemm->m / tiles;
}

/* Whether A is packed once, for all tasks, before them (see above). */
static gboolean
shared_a (const CsGemm *gemm)
{
  return !a_in_place (gemm) && b_in_place (gemm)
         && (gemm->k * gemm->n > B_SHARED_FLOATS || gemm->m < gemm->n);
}

/* Whether the GEMV kernel runs @gemm: a few rows, each dense along the
 * depth, against B packed. */
static gboolean
uses_gemv (const CsGemm *gemm)
{
  return gemm->b.packed && gemm->a.col_stride == 1 && gemm->m <= CS_GEMV_ROWS;
}

typedef struct
{
  const CsGemm *gemm;
  int64_t       mc, nc;       /* block sizes, multiples of mr and nr */
  int64_t       m_blocks;
  CsEpilogue    ep;
  gboolean      act_done;     /* the kernels apply gemm->act */
  void        **scratch;
} GemmTasks;

/* Rows [m0, m1), columns [n0, n1) of C once the kernels stored them, while
 * they are in cache: the column bias, then the activation unless the
 * kernels applied it (they do not where there is a bias, which comes
 * first). */
static void
finish_block (const GemmTasks *tasks, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
  const CsGemm *gemm = tasks->gemm;

  for (int64_t i = m0; i < m1; i++)
    {
      float *row = gemm->c + i * gemm->ldc;

      if (gemm->column_bias != NULL)
        for (int64_t j = n0; j < n1; j++)
          row[j] += gemm->column_bias[j];
      if (!tasks->act_done)
        cs_activation_apply (gemm->act, row + n0, n1 - n0);
    }
}

static void
choose_blocks (const CsGemm *gemm, int64_t *mc, int64_t *nc)
{
  const CsKernels *kernels = gemm->kernels;
  int64_t k = MAX (gemm->k, 1);

  *mc = MIN (MAX (kernels->mr, A_BLOCK_FLOATS / k / kernels->mr * kernels->mr),
             round_up (gemm->m, kernels->mr));
  *nc = MIN (MAX (kernels->nr, B_BLOCK_FLOATS / k / kernels->nr * kernels->nr),
             round_up (gemm->n, kernels->nr));
  /* Every task packs its own block of the operands that need packing, so
   * a split of the columns packs A's rows once per column block.  When
   * only A needs packing (a MatMul of activations by weights packed at
   * load), a task takes every column and the rows are split instead,
   * unless A is packed once for all tasks (shared_a). */
  if (!a_in_place (gemm) && b_in_place (gemm) && !shared_a (gemm))
    {
      *nc = round_up (gemm->n, kernels->nr);
      while (*mc > kernels->mr && (gemm->m + *mc - 1) / *mc < MIN_TASKS)
        *mc = round_up (*mc / 2, kernels->mr);
    }
  while (*nc > kernels->nr
         && ((gemm->m + *mc - 1) / *mc) * ((gemm->n + *nc - 1) / *nc) < MIN_TASKS)
    *nc = round_up (*nc / 2, kernels->nr);
  while (*mc > kernels->mr
         && ((gemm->m + *mc - 1) / *mc) * ((gemm->n + *nc - 1) / *nc) < MIN_TASKS)
    *mc = round_up (*mc / 2, kernels->mr);
}

size_t
cs_gemm_scratch_bytes (const CsGemm *gemm)
{
  int64_t mc, nc;
  size_t floats = 0;

  if (uses_gemv (gemm))
    return CS_SCRATCH_SLACK;
  choose_blocks (gemm, &mc, &nc);
  if (shared_a (gemm))
    floats += (size_t) (round_up (gemm->m, gemm->kernels->mr) * gemm->k);
  else if (!a_in_place (gemm))
    floats += (size_t) (mc * gemm->k);
  if (!b_in_place (gemm))
    floats += (size_t) (gemm->k * nc);
  return floats * sizeof (float) + CS_SCRATCH_SLACK;
}

/* Packs A's row tiles [q0, q1) into @panels, each a panel of its rows
 * (tile_row) at @panels + (its first row − the first tile's)·k. */
static void
pack_a_tiles (const CsGemm *gemm, float *panels, int64_t q0, int64_t q1)
{
  const int64_t first = tile_row (gemm, q0);

  for (int64_t q = q0; q < q1; q++)
    {
      const int64_t r0 = tile_row (gemm, q), r1 = tile_row (gemm, q + 1);

      cs_pack_a (gemm->kernels, panels + (r0 - first) * gemm->k,
                 gemm->a.data + r0 * gemm->a.row_stride, r1 - r0, gemm->k, gemm->a.row_stride,
                 gemm->a.col_stride);
    }
}

static void
gemm_task (const GemmTasks *tasks, int64_t task, int thread)
{
  const CsGemm *gemm = tasks->gemm;
  const CsKernels *kernels = gemm->kernels;
  int64_t k = gemm->k;
  const int64_t block_tiles = tasks->mc / kernels->mr;
  const int64_t q0 = (task % tasks->m_blocks) * block_tiles;
  const int64_t q1 = MIN (q0 + block_tiles, (gemm->m + kernels->mr - 1) / kernels->mr);
  const int64_t m0 = tile_row (gemm, q0), m1 = tile_row (gemm, q1);
  int64_t n0 = (task / tasks->m_blocks) * tasks->nc;
  int64_t n1 = MIN (n0 + tasks->nc, gemm->n);
  float *packed_a = cs_scratch_floats (tasks->scratch[thread]);
  float *packed_b = packed_a + (a_in_place (gemm) ? 0 : tasks->mc * k);

  if (!a_in_place (gemm) && !shared_a (gemm))
    pack_a_tiles (gemm, packed_a, q0, q1);
  if (!b_in_place (gemm))
    cs_pack_b (kernels, packed_b, gemm->b.data + n0 * gemm->b.col_stride,
               k, n1 - n0, gemm->b.row_stride, gemm->b.col_stride);

  /* The columns of the task after this one, which its thread takes
   * next, if they are others (see above). */
  const int64_t next_n0 = (task + 1) / tasks->m_blocks * tasks->nc;
  const int64_t next_bytes = gemm->b.packed && next_n0 != n0 && next_n0 < gemm->n
                             ? (int64_t) sizeof (float) * k
                               * (MIN (next_n0 + tasks->nc, gemm->n) - next_n0)
                             : 0;
  const float  *next_b = next_bytes > 0 ? gemm->b.data + next_n0 * k : NULL;
  const int64_t tiles = (q1 - q0) * ((n1 - n0 + kernels->nr - 1) / kernels->nr);
  int64_t t = 0;

  for (int64_t q = q0; q < q1; q++)
    {
      const int64_t i = tile_row (gemm, q);
      const int h = (int) (tile_row (gemm, q + 1) - i);
      const float *a;
      int64_t a_stride;

      if (gemm->a.packed)
        a = gemm->a.data + i * k, a_stride = h;
      else if (shared_a (gemm))
        a = (const float *) cs_scratch_floats (tasks->scratch[0]) + i * k, a_stride = h;
      else if (gemm->a.row_stride == 1)
        a = gemm->a.data + i, a_stride = gemm->a.col_stride;
      else if (gemm->m == 1)
        a = gemm->a.data, a_stride = gemm->a.col_stride;
      else
        a = packed_a + (i - m0) * k, a_stride = h;

      for (int64_t j = n0; j < n1; j += kernels->nr)
        {
          int w = (int) MIN (kernels->nr, n1 - j);
          const float *b;
          int64_t ldb;

          if (gemm->b.packed)
            b = gemm->b.data + j * k, ldb = w;
          else if (b_in_place (gemm))
            b = gemm->b.data + j, ldb = gemm->b.row_stride;
          else
            b = packed_b + (j - n0) * k, ldb = w;
          CsPrefetch   fetch;
          const gboolean fetching
            = cs_prefetch_share (next_b, next_bytes, k, tiles, t++, &fetch);

          kernels->gemm (k, a, a_stride, NULL, b, NULL, ldb, gemm->c + i * gemm->ldc + j,
                         gemm->ldc, h, w, NULL, &tasks->ep, NULL, fetching ? &fetch : NULL);
        }
    }
  finish_block (tasks, m0, m1, n0, n1);
}

/* A's row tiles [begin, end) into thread 0's scratch (shared_a), each
 * at its first row·k. */
static void
pack_a_range (void *user, int64_t begin, int64_t end, int thread)
{
  const GemmTasks *tasks = user;
  const CsGemm *gemm = tasks->gemm;

  pack_a_tiles (gemm, cs_scratch_floats (tasks->scratch[0]) + tile_row (gemm, begin) * gemm->k,
                begin, end);
}

static void
gemm_range (void *user, int64_t begin, int64_t end, int thread)
{
  for (int64_t task = begin; task < end; task++)
    gemm_task (user, task, thread);
}

/* Panels [begin · GEMV_PANELS, end · GEMV_PANELS) by the GEMV kernel. */
static void
gemv_range (void *user, int64_t begin, int64_t end, int thread)
{
  const GemmTasks *tasks = user;
  const CsGemm *gemm = tasks->gemm;
  const int64_t columns = GEMV_PANELS * gemm->kernels->nr;
  int64_t n0 = begin * columns, n1 = MIN (end * columns, gemm->n);

  gemm->kernels->gemv (gemm->k, gemm->a.data, gemm->a.row_stride, (int) gemm->m,
                       gemm->b.data + n0 * gemm->k, (int) (n1 - n0), gemm->c + n0, gemm->ldc,
                       &tasks->ep);
  finish_block (tasks, 0, gemm->m, n0, n1);
}

void
cs_gemm_run (const CsGemm *gemm, CsThreadPool *pool, void **scratch)
{
  GemmTasks tasks = { gemm };

  if (gemm->m <= 0 || gemm->n <= 0)
    return;
  /* A column bias comes before the activation: with one, finish_block
   * applies both. */
  if (gemm->column_bias != NULL)
    {
      cs_epilogue_init (&tasks.ep, NULL, gemm->alpha, gemm->accumulate);
      tasks.act_done = gemm->act == NULL || !cs_activation_is_set (gemm->act);
    }
  else
    tasks.act_done = cs_epilogue_init (&tasks.ep, gemm->act, gemm->alpha, gemm->accumulate);
  tasks.scratch = scratch;
  if (uses_gemv (gemm))
    {
      const int64_t columns = GEMV_PANELS * gemm->kernels->nr;

      cs_parallel_for (pool, (gemm->n + columns - 1) / columns,
                       MAX (1, MIN_PARALLEL_GEMV_MACS / MAX (columns * gemm->m * gemm->k, 1)),
                       gemv_range, &tasks);
      return;
    }
  choose_blocks (gemm, &tasks.mc, &tasks.nc);
  tasks.m_blocks = (gemm->m + tasks.mc - 1) / tasks.mc;
  if (shared_a (gemm))
    cs_parallel_for (pool, (gemm->m + gemm->kernels->mr - 1) / gemm->kernels->mr, 1,
                     pack_a_range, &tasks);
  cs_parallel_for (pool, tasks.m_blocks * ((gemm->n + tasks.nc - 1) / tasks.nc),
                   MAX (1, MIN_PARALLEL_MACS / MAX (tasks.mc * tasks.nc * gemm->k, 1)),
                   gemm_range, &tasks);
}

void
cs_gemm_run_own_scratch (const CsGemm *gemm, CsThreadPool *pool)
{
  const int n_threads = pool != NULL ? cs_thread_pool_n_threads (pool) : 1;
  const size_t bytes = cs_gemm_scratch_bytes (gemm);
  void **scratch = g_new (void *, n_threads);

  for (int t = 0; t < n_threads; t++)
    scratch[t] = g_malloc (bytes);
  cs_gemm_run (gemm, pool, scratch);
  for (int t = 0; t < n_threads; t++)
    g_free (scratch[t]);
  g_free (scratch);
}
