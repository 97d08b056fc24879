/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * winograd.c — the F(4×4, 3×3) convolution driver (winograd.h).
 *
 * With Bᵀ, G and Aᵀ the transforms of Lavin and Gray's F(4, 3) (points
 * 0, ±1, ±2 and ∞), a 4×4 tile of output channel o is
 *   Aᵀ [Σ_c (G g_oc Gᵀ) ⊙ (Bᵀ d_c B)] A
 * for the 6×6 input patch d_c under it in channel c.  Summed over c, the
 * element-wise products at each of the 36 points are a matrix product:
 * U_t (out × in channels, the weights transformed at load) times V_t
 * (in channels × tiles, the input transformed at run time); with
 * groups, each group's output channels times its input channels' rows
 * of V_t, panels never spanning two groups.
 *
 * A task takes a block of tiles, transforms the input under them for
 * every channel (V, sized to about L2), then for each panel of mr
 * output channels runs the 36 products on the micro-kernel into a buffer
 * that stays in L1 and transforms it into output pixels at once.  On
 * several threads, a single block of more than one micro-tile's columns
 * splits in two; blocks too few and odd in number are transformed
 * first, by all threads together, and each task then takes one panel
 * over one micro-tile's columns of tiles, the panels made lower where
 * there would be too few such tasks to share out evenly (DenseNet's 32
 * output channels on a 14×14 map scaled 1.33× on two threads in three
 * panels of 12, 12 and 8).  The
 * transforms run over the tiles of the block in their innermost loops:
 * down the columns of the block's rows in the kernel table's vectors
 * (kernels.h: winograd_bt, winograd_at), along each input row here, in
 * four-float vectors through transposes.
 */
#include "winograd.h"

#include <string.h>

/* Four floats, in the vector extension GCC and Clang share: the row
 * transform and the scatter of tiles in vectors at every optimization
 * level, on the baseline instruction set. */
typedef float Quad __attribute__ ((vector_size (16)));
#define QUAD 4

static inline Quad
load_quad (const float *p)
{
  Quad v;

  memcpy (&v, p, sizeof v);
  return v;
}

static inline void
store_quad (float *p, Quad v)
{
  memcpy (p, &v, sizeof v);
}

/* Transposes the 4×4 matrix whose rows are @q[0..3], in place. */
static inline void
transpose_quads (Quad q[4])
{
  const Quad t0 = __builtin_shufflevector (q[0], q[1], 0, 4, 1, 5);
  const Quad t1 = __builtin_shufflevector (q[0], q[1], 2, 6, 3, 7);
  const Quad t2 = __builtin_shufflevector (q[2], q[3], 0, 4, 1, 5);
  const Quad t3 = __builtin_shufflevector (q[2], q[3], 2, 6, 3, 7);

  q[0] = __builtin_shufflevector (t0, t2, 0, 1, 4, 5);
  q[1] = __builtin_shufflevector (t0, t2, 2, 3, 6, 7);
  q[2] = __builtin_shufflevector (t1, t3, 0, 1, 4, 5);
  q[3] = __builtin_shufflevector (t1, t3, 2, 3, 6, 7);
}

#define TILE 4    /* output pixels along a tile's side */
#define PATCH 6   /* input pixels along a patch's side: TILE + 3 − 1 */
#define POINTS 36 /* PATCH² */

/* The transformed input of a block (36 × in_channels × tiles): 2 MiB,
 * about what L2 holds, measured a few per cent faster than 1 or 0.5 MiB
 * with 1 MiB of L2 per core (longer rows for the micro-kernel).  A block
 * holds 16 to 64 tiles whatever the channels. */
#define BLOCK_FLOATS (512 * 1024)
/* Products ahead whose weights (h × depth floats of U) a product's first
 * micro-tile fetches, a line a depth step: in a network U comes from
 * memory, and on a small map a panel's products, few tiles wide, each
 * wait on theirs (one thread, AVX-512, weights not cached: ResNet-50's
 * 256 → 256 on 14×14 1.82 → 1.14 ms, on 28×28 1.02 → 0.93, SqueezeNet's
 * 64 → 256 and 48 → 192 on 13×13 0.47 → 0.35 and 0.30 → 0.22; one
 * product ahead 0.24–0.29, four as two). */
#define U_PREFETCH_PRODUCTS 2
#define MIN_BLOCK_TILES 16
#define MAX_BLOCK_TILES 64
/* Beyond this (four times what networks have), a block's V would no
 * longer fit in a sane scratch (36 × 16 tiles × channels floats). */
#define MAX_IN_CHANNELS 8192
/* Tasks wanted on several threads: fewer blocks, if odd in number,
 * share out their panels. */
#define MIN_TASKS 4
/* Input channels per task of the input transform, when it runs apart:
 * at most this many, and fewer where that leaves under MIN_TASKS tasks. */
#define TRANSFORM_CHANNELS 32

typedef struct
{
  int64_t tiles_w, tiles; /* per image */
  int64_t block;          /* tiles per block, at most */
  /* Floats from one row of the scratch to the next: block rounded up to
   * whole quads, and a quad more (transform_b_row). */
  int64_t stride;
  int64_t blocks; /* per image */
  int64_t panel_rows; /* output channels per panel, at most mr */
  int64_t group_panels; /* panels per group: none spans two */
  int64_t panels;
  /* Whether the input is transformed first and the panels shared out
   * (see share_range); a buffer's V then holds all of an image's blocks,
   * else one. */
  gboolean shared;
  int64_t  v_blocks;
  int64_t  parts;     /* shared: tasks per block and panel, each over one
                       * micro-tile's columns of tiles */
  int64_t chunk_channels; /* input channels per task of the separate
                           * input transform */
  int64_t c_chunks;       /* tasks per block of it */
} Layout;

struct _CsWinogradPlan
{
  const CsKernels *kernels;
  CsConvShape      shape;
  Layout           layouts[2]; /* for one thread, and for several */
  float           *u;    /* per panel of h ≤ panel_rows output channels,
                          * the 36 A panels (h × in_channels) of its U_t
                          * in turn */
  float           *bias; /* NULL without bias */
};

/* Fills @l for runs on one thread or, when @threaded, on several; the
 * panels are the threaded layout's either way, since the plan packs U
 * once. */
static void
plan_layout (const CsKernels *kernels, const CsConvShape *s, gboolean threaded, Layout *l)
{
  int64_t most =
      CLAMP (BLOCK_FLOATS / (POINTS * s->in_channels) / 16 * 16, MIN_BLOCK_TILES, MAX_BLOCK_TILES);
  int64_t images = MAX (s->batch, 1);

  l->tiles_w = (s->out_w + TILE - 1) / TILE;
  l->tiles = (s->out_h + TILE - 1) / TILE * l->tiles_w;
  /* Blocks of even size: 49 tiles, at most 16 a block, go as 13, 13, 13
   * and 10, not 16, 16, 16 and 1. */
  l->blocks = (l->tiles + most - 1) / most;
  /* A single block with more than a micro-tile's columns of tiles, on
   * several threads, goes as two (49 tiles as 25 and 24, which the
   * products take as many micro-tiles for, not as 32 and 17) where its
   * tiles outnumber a group's output channels: each thread then reads
   * all of U, the smaller of U and V.  Elsewhere it stays whole and its
   * panels are shared out (below), each thread reading all of V:
   * SqueezeNet's 32 → 128 on 27×27, ResNet-50's 128 → 128 and GoogLeNet's
   * 96 → 128 and 128 → 192 on 28×28 0.73–0.81 of their time on two
   * threads (AVX2, Zen 3, warm, best of 300 runs), where DenseNet's 128 →
   * 32 on 28×28 keeps its two blocks.  On one thread two blocks would
   * only read U more often (DenseNet's 28×28 layers 5 % slower). */
  if (threaded && images * l->blocks == 1 && l->tiles > kernels->nr
      && l->tiles > s->out_channels / s->groups)
    l->blocks = 2;
  l->block = (l->tiles + l->blocks - 1) / l->blocks;
  l->stride = (l->block + QUAD - 1) / QUAD * QUAD + QUAD;
  /* Blocks too few or odd in number to share out evenly are transformed
   * by every thread together, into a V they then all read, and their
   * panels shared out.  Other blocks are not: the V of each stays in
   * its thread's cache (a shared one came in from the other core:
   * DenseNet's 28×28 layers 0.245 → 0.193 ms on two threads as two
   * blocks). */
  l->shared = threaded && images * l->blocks < MIN_TASKS && images * l->blocks % 2 == 1;
  l->parts = l->shared ? (l->block + kernels->nr - 1) / kernels->nr : 1;
  l->v_blocks = l->shared ? l->blocks : 1;
  if (!threaded)
    {
      Layout several;

      plan_layout (kernels, s, TRUE, &several);
      l->panels = several.panels;
      l->group_panels = several.group_panels;
      l->panel_rows = several.panel_rows;
    }
  else
    {
      /* Panels of even height within each group, as many as MIN_TASKS
       * tasks need when shared. */
      const int64_t mg = s->out_channels / s->groups;
      const int64_t needed = (MIN_TASKS + l->blocks * l->parts - 1) / (l->blocks * l->parts);

      l->group_panels = (mg + kernels->mr - 1) / kernels->mr;
      if (l->shared)
        l->group_panels = CLAMP ((needed + s->groups - 1) / s->groups, l->group_panels, mg);
      l->panel_rows = (mg + l->group_panels - 1) / l->group_panels;
      l->group_panels = (mg + l->panel_rows - 1) / l->panel_rows;
      l->panels = s->groups * l->group_panels;
    }
  l->chunk_channels =
      CLAMP ((s->in_channels + MIN_TASKS - 1) / MIN_TASKS, 1, TRANSFORM_CHANNELS);
  l->c_chunks = (s->in_channels + l->chunk_channels - 1) / l->chunk_channels;
}

/* A map of four 4×4 tiles or fewer runs faster as a GEMM, the
 * transposed layout's (AVX-512, 2026-12-05, bench-kernels, 3×3 on 8×8
 * maps: Inception v3's 448 → 384 layers 2.24 → 1.93 ms on one thread,
 * 1.11 → 1.01 on two; 128 → 128 0.230 → 0.206, 64 → 64 0.072 →
 * 0.062); from six tiles on (8×12: 2.26 against 2.91 ms; 9×9) Winograd
 * is faster. */
#define MIN_TILES 5

/* Whether @groups groups of @cg input channels pay on a map of @tiles
 * tiles: one always; several, where the 36 products' depth is @cg,
 * against the grouped
 * kernel's broadcasts (convolution.c), which suit whole 16-channel
 * vectors best, and each transformed weight, four times the size of
 * the kernel's and from memory in a network, serves @tiles tiles.  One
 * thread, AVX-512, times against that kernel's, in RegNet-X-3.2GF by
 * the per-node timer: its groups of 48 0.60 on 56×56, 0.64–0.70 on
 * 28×28, but 1.01–1.04 on 14×14 (0.84 with the weights in cache).  By
 * bench-kernels: groups of 56, 112 and 128 (RegNet-Y-8GF, -Y-16GF,
 * -X-16GF) 0.45–0.57 on 56×56 and 28×28; of 24 (RegNet-X- and
 * -Y-1.6GF) 0.72–0.76 (AVX2 0.60–0.95 for all of these); but of 16
 * 1.22 on 28×28 and 1.7 on 14×14, of 32 1.22 on 14×14 (RegNet-X-800MF,
 * ResNeXt). */
static gboolean
groups_pay (int64_t groups, int64_t cg, int64_t tiles)
{
  return groups == 1 || (tiles >= 40 && (cg >= 48 || (cg >= 24 && cg % 16 != 0)));
}

gboolean
cs_winograd_suits (const CsConvShape *s)
{
  const int64_t tiles = (s->out_h + TILE - 1) / TILE * ((s->out_w + TILE - 1) / TILE);
  const int64_t cg = s->in_channels / s->groups;

  return s->kernel[0] == 3 && s->kernel[1] == 3 && s->stride[0] == 1 && s->stride[1] == 1
         && s->dilation[0] == 1 && s->dilation[1] == 1 && s->pads[0] <= 1 && s->pads[1] <= 1
         && s->pads[2] <= 1 && s->pads[3] <= 1 && cg >= 16 && s->out_channels / s->groups >= 16
         && s->in_channels <= MAX_IN_CHANNELS && s->out_h >= 8 && s->out_w >= 8
         && tiles >= MIN_TILES && groups_pay (s->groups, cg, tiles);
}

/* The scratch of one thread, at 64-byte boundaries: V of v_blocks
 * blocks (36 × in_channels rows of stride floats each); one padded input
 * row (4·block + 16 floats) and the rows of the patches transformed (36
 * rows); a panel's 36 products (36 × mr rows); their rows transformed
 * (24 rows) and the 16 rows of output pixels. */
typedef struct
{
  float *v, *line, *patch_rows, *products, *product_rows, *pixels;
} Scratch;

static int64_t
aligned (int64_t floats)
{
  return (floats + 15) / 16 * 16;
}

static int64_t
scratch_layout (const CsKernels   *kernels,
                const CsConvShape *s,
                const Layout      *l,
                float             *base,
                Scratch           *scratch)
{
  const int64_t sizes[] = { l->v_blocks * POINTS * s->in_channels * l->stride,
                            TILE * l->block + CS_WINOGRAD_ROW_SLACK,
                            POINTS * l->stride,
                            POINTS * kernels->mr * l->stride,
                            24 * l->stride,
                            16 * l->stride };
  float       **parts[] = { &scratch->v,        &scratch->line,         &scratch->patch_rows,
                            &scratch->products, &scratch->product_rows, &scratch->pixels };
  int64_t       at = 0;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      if (base != NULL)
        *parts[i] = base + at;
      at += aligned (sizes[i]);
    }
  return at;
}

size_t
cs_winograd_scratch_bytes (const CsKernels *kernels, const CsConvShape *shape)
{
  int64_t floats = 0;

  for (int threaded = 0; threaded < 2; threaded++)
    {
      Layout  l;
      Scratch scratch;

      plan_layout (kernels, shape, threaded, &l);
      floats = MAX (floats, scratch_layout (kernels, shape, &l, NULL, &scratch));
    }
  return (size_t) floats * sizeof (float) + CS_SCRATCH_SLACK;
}

/* U = G g Gᵀ for one 3×3 kernel @g into @u (36 floats, row-major), in
 * double and rounded once. */
static void
transform_weights (const float *g, float *u)
{
  static const double G[PATCH][3] = {
    { 1.0 / 4, 0, 0 },
    { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
    { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
    { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
    { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
    { 0, 0, 1 },
  };
  double gg[PATCH][3];

  for (int i = 0; i < PATCH; i++)
    for (int j = 0; j < 3; j++)
      gg[i][j] = G[i][0] * g[j] + G[i][1] * g[3 + j] + G[i][2] * g[6 + j];
  for (int i = 0; i < PATCH; i++)
    for (int j = 0; j < PATCH; j++)
      u[i * PATCH + j] = (float) (gg[i][0] * G[j][0] + gg[i][1] * G[j][1] + gg[i][2] * G[j][2]);
}

/* Panel @q of @l: its group's first input channel *@c0, its first
 * output channel *@o0 and its height *@h. */
static void
panel_of (const CsConvShape *s, const Layout *l, int64_t q, int64_t *c0, int64_t *o0, int64_t *h)
{
  const int64_t mg = s->out_channels / s->groups, g = q / l->group_panels;

  *c0 = g * (s->in_channels / s->groups);
  *o0 = g * mg + q % l->group_panels * l->panel_rows;
  *h = MIN (l->panel_rows, (g + 1) * mg - *o0);
}

CsWinogradPlan *
cs_winograd_plan_new (const CsKernels   *kernels,
                      const CsConvShape *shape,
                      const float       *weights,
                      const float       *bias)
{
  CsWinogradPlan *plan = g_new0 (CsWinogradPlan, 1);
  const int64_t   depth = shape->in_channels / shape->groups, out = shape->out_channels;
  const Layout   *l = &plan->layouts[1];
  float          *panel_u;

  plan->kernels = kernels;
  plan->shape = *shape;
  plan_layout (kernels, shape, FALSE, &plan->layouts[0]);
  plan_layout (kernels, shape, TRUE, &plan->layouts[1]);
  /* One panel's transformed kernels at a time, 36 per channel pair. */
  panel_u = g_new (float, POINTS * (l->panel_rows * depth));
  plan->u = g_new (float, POINTS * (out * depth));
  if (bias != NULL)
    plan->bias = g_memdup2 (bias, sizeof (float) * out);
  for (int64_t q = 0; q < l->panels; q++)
    {
      int64_t c0, o0, h;

      panel_of (shape, l, q, &c0, &o0, &h);
      for (int64_t i = 0; i < h * depth; i++)
        transform_weights (weights + (o0 * depth + i) * 9, panel_u + i * POINTS);
      for (int t = 0; t < POINTS; t++)
        cs_pack_a (kernels, plan->u + (o0 * POINTS + t * h) * depth, panel_u + t, h, depth,
                   depth * POINTS, POINTS);
    }
  g_free (panel_u);
  return plan;
}

void
cs_winograd_plan_free (CsWinogradPlan *plan)
{
  if (plan == NULL)
    return;
  g_free (plan->u);
  g_free (plan->bias);
  g_free (plan);
}

typedef struct
{
  const CsWinogradPlan *plan;
  const Layout         *layout; /* the plan's for the pool's threads */
  const float          *x;
  float                *y;
  const CsActivation   *act;
  CsEpilogue            ep;
  gboolean              act_done; /* ep applies act */
  void                **scratch;
  int64_t               img; /* while the transform runs apart */
} WinogradRun;

/* o_j = (Bᵀ d)_j for the patches of @n tiles along one padded input row
 * @line, d_m = line[4k + m] for tile k: the first transform, along rows,
 * read straight from the row, four tiles at a time through a transpose,
 * where the kernel table has no row transform of its own (kernels.h:
 * CsWinogradRow).  It runs on to a whole number of quads: @line holds
 * 4·n + CS_WINOGRAD_ROW_SLACK floats, and the rows of @o take the extra
 * tiles, which the next run of tiles along the block overwrites. */
static void
transform_b_row (const float *line, float *o, int64_t os, int64_t n)
{
  for (int64_t k = 0; k < n; k += QUAD)
    {
      Quad       d[4] = { load_quad (line + 4 * k), load_quad (line + 4 * k + 4),
                          load_quad (line + 4 * k + 8), load_quad (line + 4 * k + 12) };
      const Quad next = load_quad (line + 4 * k + 16);
      Quad       d4, d5;

      transpose_quads (d);
      /* Columns 4 and 5 of tile k are columns 0 and 1 of tile k + 1. */
      d4 = __builtin_shufflevector (d[0], next, 1, 2, 3, 4);
      d5 = __builtin_shufflevector (d[1], next, 1, 2, 3, 5);
      store_quad (o + k, 4.0f * d[0] - 5.0f * d[2] + d4);
      store_quad (o + os + k, -4.0f * (d[1] + d[2]) + d[3] + d4);
      store_quad (o + 2 * os + k, 4.0f * (d[1] - d[2]) - d[3] + d4);
      store_quad (o + 3 * os + k, 2.0f * (d[3] - d[1]) - d[2] + d4);
      store_quad (o + 4 * os + k, 2.0f * (d[1] - d[3]) - d[2] + d4);
      store_quad (o + 5 * os + k, 4.0f * d[1] - 5.0f * d[3] + d5);
    }
}

/* Row @iy of @plane from column @x0 on, @width floats into @line, zero
 * where it lies in the padding. */
static void
padded_row (const CsConvShape *s,
            const float       *plane,
            int64_t            iy,
            int64_t            x0,
            int64_t            width,
            float             *line)
{
  const int64_t lo = CLAMP (-x0, 0, width), hi = CLAMP (s->in_w - x0, lo, width);

  if (iy < 0 || iy >= s->in_h)
    {
      memset (line, 0, sizeof (float) * width);
      return;
    }
  memset (line, 0, sizeof (float) * lo);
  memcpy (line + lo, plane + iy * s->in_w + x0 + lo, sizeof (float) * (hi - lo));
  memset (line + hi, 0, sizeof (float) * (width - hi));
}

/* V_t for tiles [tile0, tile0 + n) of image @img, input channels [c0,
 * c1), into @v: point t of channel c at v[(t·in_channels + c)·stride + k].
 * Bᵀ runs along the six input rows under each run of tiles in one tile
 * row, then down the columns of the result. */
static void
transform_input (const WinogradRun *run,
                 const Scratch     *scratch,
                 float             *v,
                 int64_t            img,
                 int64_t            tile0,
                 int64_t            n,
                 int64_t            c0,
                 int64_t            c1)
{
  const CsConvShape *s = &run->plan->shape;
  const CsKernels   *kernels = run->plan->kernels;
  const int64_t      stride = run->layout->stride, tiles_w = run->layout->tiles_w;
  const int64_t      in = s->in_channels, plane_floats = s->in_h * s->in_w;

  for (int64_t c = c0; c < c1; c++)
    {
      const float *plane = run->x + (img * in + c) * plane_floats;

      for (int64_t k0 = 0; k0 < n;)
        {
          const int64_t th = (tile0 + k0) / tiles_w, tw = (tile0 + k0) % tiles_w;
          const int64_t count = MIN (n - k0, tiles_w - tw);

          for (int r = 0; r < PATCH; r++)
            {
              padded_row (s, plane, th * TILE - s->pads[0] + r, tw * TILE - s->pads[1],
                          TILE * count + CS_WINOGRAD_ROW_SLACK, scratch->line);
              if (kernels->winograd_bt_row != NULL)
                kernels->winograd_bt_row (scratch->line, scratch->patch_rows + r * PATCH * stride + k0,
                                          stride, count);
              else
                transform_b_row (scratch->line, scratch->patch_rows + r * PATCH * stride + k0, stride,
                                 count);
            }
          k0 += count;
        }
      for (int col = 0; col < PATCH; col++)
        kernels->winograd_bt (scratch->patch_rows + col * stride, PATCH * stride,
                              v + (col * in + c) * stride, PATCH * in * stride, n);
    }
}

/* The 4×4 tiles [tile0, tile0 + n) of one output plane @y from @pixels
 * (pixel (a, b) of tile k at pixels[(a·4 + b)·stride + k]), cut at the
 * plane's edges. */
static void
scatter_tiles (const WinogradRun *run, const float *pixels, int64_t tile0, int64_t n, float *y)
{
  const CsConvShape *s = &run->plan->shape;
  const int64_t      stride = run->layout->stride, tiles_w = run->layout->tiles_w;

  for (int64_t k0 = 0; k0 < n;)
    {
      const int64_t th = (tile0 + k0) / tiles_w, tw = (tile0 + k0) % tiles_w;
      const int64_t count = MIN (n - k0, tiles_w - tw);
      const int64_t oy = th * TILE, rows = MIN (TILE, s->out_h - oy);
      /* Tiles whose four columns are all inside the plane. */
      const int64_t whole = MIN (count, s->out_w / TILE - tw);

      for (int64_t a = 0; a < rows; a++)
        {
          const float *p0 = pixels + a * TILE * stride + k0, *p1 = p0 + stride;
          const float *p2 = p1 + stride, *p3 = p2 + stride;
          float       *to = y + (oy + a) * s->out_w + tw * TILE;
          int64_t      k = 0;

          for (; k + QUAD <= whole; k += QUAD)
            {
              Quad q[4] = { load_quad (p0 + k), load_quad (p1 + k), load_quad (p2 + k),
                            load_quad (p3 + k) };

              transpose_quads (q);
              for (int i = 0; i < QUAD; i++)
                store_quad (to + 4 * (k + i), q[i]);
            }
          /* The rest a pixel at a time, cut at the plane's right edge. */
          for (; k < count; k++)
            for (int64_t b = 0; b < MIN (TILE, s->out_w - (tw + k) * TILE); b++)
              to[4 * k + b] = p0[b * stride + k];
        }
      k0 += count;
    }
}

/* Output channels [o0, o0 + h) (panel @q) for tiles [tile0, tile0 + n),
 * from their V at @v. */
static void
multiply_panel (const WinogradRun *run,
                const Scratch     *scratch,
                const float       *v,
                int64_t            img,
                int64_t            q,
                int64_t            tile0,
                int64_t            n)
{
  const CsWinogradPlan   *plan = run->plan;
  const CsKernels        *kernels = plan->kernels;
  const CsConvShape      *s = &plan->shape;
  const Layout           *l = run->layout;
  const int64_t           in = s->in_channels, depth = in / s->groups;
  const int64_t           stride = l->stride, mr = kernels->mr;
  const int64_t           out_plane = s->out_h * s->out_w;
  int64_t                 c0, o0, h;
  const float            *u;
  static const CsEpilogue plain = { 1.0f, FALSE, FALSE, 0.0f, FALSE, 0.0f, 0.0f };

  panel_of (s, l, q, &c0, &o0, &h);
  u = plan->u + o0 * POINTS * depth;

  /* The 36 products: row i of product t at products[(t·mr + i)·stride];
   * a panel's group reads its own input channels' rows of V. */
  for (int t = 0; t < POINTS; t++)
    {
      /* U lies panel after panel, product after product. */
      const int64_t ahead = (o0 * POINTS + (t + U_PREFETCH_PRODUCTS) * h) * depth;
      const gboolean fetching = ahead + h * depth <= s->out_channels * POINTS * depth;
      const CsPrefetch fetch = { fetching ? plan->u + ahead : NULL, (int64_t) sizeof (float) * h };

      for (int64_t j = 0; j < n; j += kernels->nr)
        kernels->gemm (depth, u + t * h * depth, h, NULL, v + (t * in + c0) * stride + j, NULL,
                       stride, scratch->products + t * mr * stride + j, stride, (int) h,
                       (int) MIN (kernels->nr, n - j), NULL, &plain, NULL,
                       fetching && j == 0 ? &fetch : NULL);
    }

  for (int64_t i = 0; i < h; i++)
    {
      const float bias = plan->bias != NULL ? plan->bias[o0 + i] : 0.0f;
      float      *y = run->y + (img * s->out_channels + o0 + i) * out_plane;

      /* Aᵀ along each row of points, then along each column. */
      for (int r = 0; r < PATCH; r++)
        kernels->winograd_at (scratch->products + (r * PATCH * mr + i) * stride, mr * stride,
                              scratch->product_rows + r * TILE * stride, stride, n);
      for (int col = 0; col < TILE; col++)
        kernels->winograd_at (scratch->product_rows + col * stride, TILE * stride,
                              scratch->pixels + col * stride, TILE * stride, n);
      for (int p = 0; p < TILE * TILE; p++)
        {
          float *row = scratch->pixels + p * stride;

          cs_epilogue_row_generic (row, row, (int) n, bias, &run->ep);
          if (!run->act_done)
            cs_activation_apply (run->act, row, n);
        }
      scatter_tiles (run, scratch->pixels, tile0, n, y);
    }
}

static void
thread_scratch (const WinogradRun *run, int thread, Scratch *scratch)
{
  scratch_layout (run->plan->kernels, &run->plan->shape, run->layout,
                  cs_scratch_floats (run->scratch[thread]), scratch);
}

/* The tiles of block @b. */
static int64_t
block_tiles (const Layout *l, int64_t b)
{
  return MIN (l->block, l->tiles - b * l->block);
}

/* Unless shared, a task is an (image, block):
 * its input transformed into the thread's own V, then every panel. */
static void
block_range (void *user, int64_t begin, int64_t end, int thread)
{
  const WinogradRun *run = user;
  const Layout      *l = run->layout;
  Scratch            scratch;

  thread_scratch (run, thread, &scratch);
  for (int64_t task = begin; task < end; task++)
    {
      const int64_t img = task / l->blocks, b = task % l->blocks;
      const int64_t tile0 = b * l->block, n = block_tiles (l, b);

      transform_input (run, &scratch, scratch.v, img, tile0, n, 0, run->plan->shape.in_channels);
      for (int64_t q = 0; q < l->panels; q++)
        multiply_panel (run, &scratch, scratch.v, img, q, tile0, n);
    }
}

/* With too few blocks for the threads, their output channels are shared
 * out, and each block's V is made once, by every thread, in the first
 * thread's buffer (which holds the V of all blocks of an image then) for
 * all of them to read: block @b's there. */
static float *
shared_v (const WinogradRun *run, int64_t b)
{
  Scratch first;

  thread_scratch (run, 0, &first);
  return first.v + b * POINTS * run->plan->shape.in_channels * run->layout->stride;
}

/* A task of the separate transform is a block's input channels [c0, c0 +
 * chunk_channels) of image run->img. */
static void
transform_range (void *user, int64_t begin, int64_t end, int thread)
{
  const WinogradRun *run = user;
  const Layout      *l = run->layout;
  const int64_t      in = run->plan->shape.in_channels;
  Scratch            scratch;

  thread_scratch (run, thread, &scratch);
  for (int64_t task = begin; task < end; task++)
    {
      const int64_t b = task / l->c_chunks, c0 = task % l->c_chunks * l->chunk_channels;

      transform_input (run, &scratch, shared_v (run, b), run->img, b * l->block, block_tiles (l, b),
                       c0, MIN (c0 + l->chunk_channels, in));
    }
}

/* A task after it is a (block, panel, part) of image run->img: the
 * panel over one micro-tile's columns of the block's tiles, the parts
 * of a panel in turn, so that a thread's next task reads the same
 * panel of U. */
static void
share_range (void *user, int64_t begin, int64_t end, int thread)
{
  const WinogradRun *run = user;
  const Layout      *l = run->layout;
  const int64_t      nr = run->plan->kernels->nr;
  Scratch            scratch;

  thread_scratch (run, thread, &scratch);
  for (int64_t task = begin; task < end; task++)
    {
      const int64_t b = task / (l->panels * l->parts), q = task / l->parts % l->panels;
      const int64_t j0 = task % l->parts * nr;

      multiply_panel (run, &scratch, shared_v (run, b) + j0, run->img, q, b * l->block + j0,
                      MIN (nr, block_tiles (l, b) - j0));
    }
}

void
cs_winograd_plan_run (const CsWinogradPlan *plan,
                      const float          *x,
                      float                *y,
                      const CsActivation   *act,
                      CsThreadPool         *pool,
                      void                **scratch)
{
  const Layout *l = &plan->layouts[cs_thread_pool_n_threads (pool) > 1];
  WinogradRun   run = { plan, l, x, y, act };

  run.act_done = cs_epilogue_init (&run.ep, act, 1.0f, FALSE);
  run.scratch = scratch;
  if (!l->shared)
    {
      cs_parallel_for (pool, plan->shape.batch * l->blocks, 1, block_range, &run);
      return;
    }
  for (run.img = 0; run.img < plan->shape.batch; run.img++)
    {
      cs_parallel_for (pool, l->blocks * l->c_chunks, 1, transform_range, &run);
      cs_parallel_for (pool, l->blocks * l->panels * l->parts, 1, share_range, &run);
    }
}
