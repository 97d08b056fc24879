/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * convolution.c — the convolution driver (convolution.h).
 *
 * A convolution is a GEMM per image and group: the packed weights
 * (out-channels × in-channels·kH·kW) times the im2col matrix of the
 * input.  That matrix is never built.  Instead each task copies the input
 * rows it needs into a staged block, padded with zeros and split by
 * stride phase (for stride 2, even and odd columns go to separate
 * planes), so that for every kernel tap the B row the micro-kernel wants
 * is a contiguous run of the block: row p starts at block + koff[p] + j.
 * With stride 1 and no padding the input itself is that block.
 *
 * The GEMM columns are "wide" output pixels: output row oh, column ow <
 * wq sits at (oh − oh0)·wq + ow, where wq ≥ Wo is the staged row width.
 * Columns ow ≥ Wo are computed and thrown away; a tile that holds some
 * has the micro-kernel wrap its columns onto the output rows
 * (CsColumnWrap).  That costs (wq − Wo) / wq of the work, little next to
 * building an im2col matrix; with stride 1 along the rows, each staged
 * row's right padding is the next one's left, which spares a column or
 * more a row (shared_pads).
 *
 * A convolution with one input channel per group (depthwise, or a
 * single-channel input) has nothing to reuse across output channels and
 * little work per input pixel, so staging would cost as much as the
 * arithmetic: the depthwise kernel reads the input plane in place.  But
 * on narrow maps (as the kernel table says: with AVX-512, rows of at
 * most half a vector; with AVX2, of up to 32 pixels), blocks of a
 * vector's worth of channels are transposed to lie pixel by pixel, so
 * that each vector holds one pixel of every channel of the block, and back
 * (interleaved_suits).  Grouped convolutions whose groups are whole
 * vectors of channels run on such blocks too, a group at a time, which
 * spares the GEMM tiles their few rows and their columns past the ends
 * of a small map's rows (grouped_interleaved_suits); on wide maps their
 * input stays planes, copied with its padding (planar_suits).
 *
 * Where those thrown-away columns and the partial vectors at the end of
 * each task's columns would leave much of the tiles empty (a map of 7×7,
 * or 17 columns with a 1×7 kernel's padding), a convolution with one
 * group swaps the roles instead (Layout.transposed, transposed_pays):
 * the tile's rows are pixels and its columns output channels, from the
 * weights packed as B panels; each tile goes back into place transposed.
 * The pixels are broadcast from where depth step p of every pixel lies:
 * the input itself for a 1×1 convolution with stride 1 and no padding;
 * else the staged block, where a run of the task's columns lies at
 * koff[p] as for GEMM tiles, so that each tile takes pixels of one row,
 * or columns across rows with the thrown-away ones between (from_stage);
 * or, for a 1×1 kernel or a map narrower than half a tile,
 * whose tiles should run across rows, an im2col matrix (im2col.h), which
 * the threads build together before they share out the output channels
 * and pixels.  The sums are the same, in the same order.  A layer with
 * many weights on a small map, or deep with more output channels than
 * pixels, runs as one product by the GEMM driver instead, which packs
 * the pixels too: of the input where a 1×1 layer reads it in place, of
 * the im2col matrix where the layer has a stride (PRODUCT_PIXELS).
 *
 * A 3×3 convolution with stride 1, 16 channels or more in and out, on
 * maps of 8×8 pixels or more, one group or groups of 24 channels or more
 * (48 or more where they are whole vectors) on maps of 40 4×4 tiles or
 * more, runs by Winograd's F(4×4, 3×3) instead (winograd.h:
 * cs_winograd_suits): a quarter of the multiplications, for transformed
 * weights four times the size, kept beside the packed ones that
 * cs_conv_plan_channel and the backward pass read.
 *
 * A convolution whose output is one pixel per image from the whole input
 * (a squeeze-excitation's 1×1 layers) is a dense layer: its weights are
 * packed as B panels, as for transposed tiles, and the GEMM driver's
 * GEMV kernel runs it (dense_suits).
 *
 * An input whose channels a squeeze-excitation scales per image runs on
 * weights scaled the same way instead (cs_conv_plan_run_scaled): W·(s·x)
 * = (W·s)·x, the scaled copy made per run in thread 0's scratch.
 *
 * A kernel of one column (Inception v3's 7×1) whose tiles are pixels
 * over the staged block reads, at every depth step, a staged row of its
 * own: the taps of a pixel lie a row apart, where a row kernel's (1×7)
 * lie side by side and seven steps share a line.  Such a plan turns the
 * planes (rows for columns), runs the row kernel on them (a second plan,
 * turned_shape, on a copy of the weights, which read the same in either)
 * and turns its output back.  Inception v3's 7×1 layers on 17×17, in the
 * network (AVX2, Zen 3): 2.09–2.15 ms, against 1.65–1.68 for its 1×7
 * ones, → 1.69–1.73; the network 128.3 → 126.4 ms on one thread, 72.9 →
 * 71.2 on two.
 *
 * A dilation as large as the input (DeepLab's atrous pyramid on a small
 * feature map) leaves the outer kernel rows or columns in the zero
 * padding at every output pixel.  Such a plan runs a second one made of
 * the taps that reach the input, and keeps its full weights for what
 * reads them back (cs_conv_plan_channel, the backward pass).
 */
#include "convolution.h"
#include "col2im.h"
#include "im2col.h"
#include "winograd.h"

#include <string.h>

/* A staged block beyond this is refused (1 GiB): only absurd dilations
 * or paddings get there. */
#define STAGE_MAX_FLOATS (G_GINT64_CONSTANT (1) << 28)
/* Output pixels per task before splitting for threads. */
#define TARGET_COLUMNS 256
/* The staged block should stay in L2 while its tiles are computed. */
#define GEMM_STAGE_FLOATS (64 * 1024)
/* Output pixels per depthwise task: a task works out its column blocks'
 * masks and loads its weights once, and at 4096 pixels that set-up took
 * a fifth of MobileNet v3's 3×3 layer on 16 planes of 112×112 (AVX2, Zen
 * 3, warm: 0.108 → 0.091 ms at 16384). */
#define DEPTHWISE_COLUMNS 16384
/* The most an interleaved depthwise task stages (1 MiB); a task of rows
 * whose input rows are longer reads the planes in place. */
#define INTERLEAVED_MAX_FLOATS (256 * 1024)
/* A grouped interleaved task copies its input rows as planes when their
 * width times the stride reaches this (planar_suits). */
#define PLANAR_MIN_READ 56
/* Packed weights (mc × depth) that stay in L2 across a task's tiles. */
#define A_BLOCK_FLOATS (128 * 1024)
/* Enough tasks that threads finishing at different times even out. */
#define MIN_TASKS 16
/* The largest im2col matrix a transposed layout builds (4 MiB). */
#define IM2COL_MAX_FLOATS (1 << 20)
/* A 1×1 layer read in place with fewer output channels than this has the
 * first row of GEMM tiles of each task fetch, at every depth step, the B
 * line that the tile FETCH_B_TILES ahead reads there (the micro-kernel's
 * prefetch stream).  Its rows of tiles are few, so the first, which
 * reads the pixels from L3 or memory a line from each of depth rows at
 * a time, is much of its time: per node, one thread, AVX2 on Zen 3,
 * MobileNet v2's 32 → 16 on 112×112 and 96 → 24 on 56×56 0.85–0.93 of
 * their time, MobileNet v3's 16 → 16 and 72 → 24 0.92–0.94,
 * EfficientNet-B0's 32 → 16 0.91.  Fetching so in layers of more outputs
 * made those on 14×14 8–21 % slower. */
#define FETCH_B_OUTPUTS 32
#define FETCH_B_TILES   2
/* A convolution of one group whose weights are PRODUCT_WEIGHTS floats or
 * more runs as one product by the GEMM driver (run_pixels_product), the
 * pixels its rows, where transposed tiles would run it on a map of at
 * most PRODUCT_PIXELS, or on a larger map where it has more output
 * channels than pixels and a depth of PRODUCT_DEPTH or more.  The
 * pixels are those of the input where a 1×1 layer reads it in place,
 * else of its im2col matrix, built first, where the layer has a stride
 * and the matrix is at most IM2COL_MAX_FLOATS: with stride 1 it copies
 * every input value once a tap, and ResNet-50's 3×3 layers on 7×7 took
 * 1.07–1.09 times as long that way.  The driver packs the pixels'
 * panels once (gemm.c: shared_a, the pixels being fewer than the output
 * channels) and shares out the output channels: read in place, each
 * depth step of a tile reads a line of its own for six floats, and the
 * B panel (depth × nr, 128 KiB at depth 2048) streams from L2 for every
 * tile.  AVX2 on Zen 3, one thread: ResNet-50's 2048 → 512 and 512 →
 * 2048 on 7×7 1.85–1.92 → 1.20 ms and 1.54–1.81 → 1.22, the network
 * 93.96 → 91.75 ms (two threads 53.5 → 51.2).  With the pixels packed
 * once, smaller layers gain too (they had packed them once for every
 * six output channels, and lost): per node, MobileNet v2's 160 ↔ 960 and 576 → 160
 * 0.79–0.86 of their time, DenseNet-121's 544–928 → 128 0.86–0.89;
 * EfficientNet-B0 0.94 of its time, MobileNet v2 and v3 0.98.  Alone
 * and warm: 480 → 80 0.93, 832 → 48 1.05, 128 → 64 1.15, 240 → 40 1.4,
 * hence the bound on the weights (576 → 96, 55 296 floats: 0.90).  On
 * 14×14: ResNet-50's 1024 → 256 and 1024 → 512 0.89–0.92, DenseNet's
 * 1024 → 512 0.87, GoogLeNet's 528 → 256 0.85, ResNet-50 0.98 of its
 * time; shallower ones lose (alone and warm, 160 → 960 1.0, 96 → 576
 * 1.08, 128 → 512 on 28×28 1.13), and on Inception v3's 8×8, whose rows
 * fill GEMM tiles, so would its 2048 → 192–448 (1.08–1.21).  By a stride
 * over the im2col matrix: ResNet-50's 3×3 layers onto 14×14 and 7×7
 * 0.90–0.95, its 1×1 ones onto 14×14 and 7×7 0.92 and 0.74 (ResNet-50
 * 0.98 of its time, ResNet-18 0.99), Inception v3's 3×3 onto 17×17
 * 0.95. */
#define PRODUCT_PIXELS  64
#define PRODUCT_WEIGHTS (48 * 1024)
#define PRODUCT_DEPTH   512
/* The most of a B panel that transposed tiles pass over at a time (over
 * the input and over the staged block), and the most sums those over the
 * input keep (transposed_task): 192 depth steps and 1024 pixels of
 * AVX2's 16 columns. */
#define TRANSPOSED_DEPTH_BYTES (12 * 1024)
#define TRANSPOSED_SUMS_BYTES  (64 * 1024)
/* The most a task over the staged block keeps of its tiles' sums
 * (staged_block_steps): real layers' tasks take a few hundred pixels,
 * tens of KiB of sums, where a hostile shape's could ask for many times
 * its staged block. */
#define STAGED_SUMS_BYTES (1024 * 1024)
/* Multiply-adds worth waking another thread for. */
#define MIN_PARALLEL_MACS (256 * 1024)
/* What a depthwise multiply-add costs in GEMM tiles' ones, as
 * MIN_PARALLEL_MACS counts them: it reuses nothing across output
 * channels (AVX2, Zen 3: MobileNet v2's 576 channels by 3×3/2 onto 7×7,
 * 254 K of them, 37 µs, ran on one thread of two; on both, 18 µs). */
#define DEPTHWISE_MAC_COST 6
/* Floats moved worth waking another thread for, as the elementwise ops
 * take them (turn_planes). */
#define MIN_PARALLEL_FLOATS 16384
/* The floats in the 64 bytes cs_scratch_floats aligns to. */
#define ALIGNED_FLOATS 16

/* How the work is cut up; a function of the shape and kernel table only,
 * so the scratch size is known before a plan exists. */
typedef struct
{
  gboolean depthwise;     /* one input channel per group: no GEMM, no staging */
  gboolean interleaved;   /* depthwise or grouped, staged in blocks of
                           * channels (interleaved_suits) */
  gboolean planar;        /* interleaved, but its input staged as planes
                           * (planar_suits) */
  gboolean dense;         /* one output pixel from the whole input (dense_suits) */
  gboolean direct;        /* stride 1 without padding: x is the block */
  gboolean transposed;    /* pixels are the tiles' rows (transposed_pays) */
  gboolean im2col;        /* transposed, reading an im2col matrix, not x */
  gboolean from_stage;    /* transposed, reading the staged block (or x
                           * when direct) by koff, as GEMM tiles do:
                           * no im2col matrix (staged_transposed_task) */
  int64_t  cg, mg;        /* input and output channels per group */
  int64_t  depth;         /* cg·kH·kW */
  int64_t  period[2];     /* stride phases repeat every period taps */
  int64_t  n_phases[2];   /* distinct stride phases the taps touch */
  int64_t  halo;          /* staged rows beyond the output rows */
  int64_t  wq;            /* staged row width; interleaved, in pixels */
  int64_t  overlap;       /* columns the last taps read past a staged row:
                           * the next row's leading padding (shared_pads) */
  int64_t  rows;          /* output rows per task */
  int64_t  pixels;        /* transposed: output pixels per task at most,
                           * whole tiles (chunk_pixels) */
  gboolean pixels_fastest;   /* transposed: tasks go down the pixel chunks
                              * of a channel block, not across the blocks */
  int64_t  block_steps;   /* from_stage: the depth steps its tiles pass the
                           * panels in at a time (staged_block_steps) */
  int64_t  sums_floats;   /* from_stage: the tiles' sums a task keeps, at
                           * the end of its stage_floats */
  int64_t  chunks;        /* tasks down the image */
  int64_t  groups_per_task;  /* depthwise; 1 for GEMM */
  int64_t  g_blocks;
  int64_t  mc;            /* output channels per task (GEMM) */
  int64_t  m_blocks;
  gboolean through_gemm;  /* transposed, run as one product by the
                           * GEMM driver (run_pixels_product) */
  int64_t  stage_floats;  /* per thread: the staged block, or when
                           * transposed a task's sums and the im2col matrix
                           * (thread 0's serves all), or through_gemm
                           * the driver's scratch, then in thread 0's the
                           * sums and any im2col matrix; 0 when direct or
                           * depthwise */
} Layout;

struct _CsConvPlan
{
  const CsKernels *kernels;
  CsConvShape      shape;
  Layout           layout;
  float           *weights;  /* packed A panels per group; transposed and
                              * dense: B panels; depthwise: as given */
  float           *bias;     /* NULL without bias */
  int64_t         *koff;     /* per depth index, its offset in the block, for
                              * tiles over a staged block or an input that
                              * a larger kernel reads in place; else NULL */
  CsDepthwiseGeometry window;  /* depthwise and interleaved */
  float             *interleaved;  /* interleaved: the weights as its kernels
                                    * read them (interleaved_weights), per
                                    * whole block of channels; else NULL */
  CsConvPlan         *live;    /* what runs when some taps never reach the
                              * input (see above), else NULL */
  CsConvPlan         *turned;  /* what runs a column kernel: a row kernel on
                              * the planes turned (see above), else NULL */
  CsWinogradPlan     *winograd;  /* what runs where winograd.h pays, else NULL */
};

static int64_t
gcd (int64_t a, int64_t b)
{
  while (b != 0)
    {
      int64_t t = a % b;

      a = b;
      b = t;
    }
  return a;
}

static int64_t
round_up (int64_t value, int64_t multiple)
{
  return (value + multiple - 1) / multiple * multiple;
}

static int64_t
count_tasks (const CsConvShape *s, const Layout *l)
{
  return s->batch * l->g_blocks * l->chunks * l->m_blocks;
}

/* The share of the lanes that GEMM tiles over tasks of @rows output rows
 * compute that hold an output: they compute wq − Wo thrown-away columns
 * per output row and round each task's columns up to a multiple of
 * @lanes: the micro-kernels are two vectors wide, and a tile of one
 * vector's columns or fewer skips the second (@lanes nr/2), but where
 * its mr sums are fewer than FMA_CHAINS it waits on their latency and
 * costs much of a whole tile (nr: whole_tile_lanes). */
static double
lanes_used_by_rows (int64_t lanes, const CsConvShape *s, int64_t wq, int64_t rows)
{
  const int64_t chunks = (s->out_h + rows - 1) / rows, last = s->out_h - (chunks - 1) * rows;
  int64_t computed = (chunks - 1) * round_up ((rows - 1) * wq + s->out_w, lanes)
                     + round_up ((last - 1) * wq + s->out_w, lanes);

  return (double) (s->out_h * s->out_w) / (double) computed;
}

/* Independent multiply-adds that keep two FMA pipes of latency 4 busy. */
#define FMA_CHAINS 8

/* The columns that a task's columns should come in for its GEMM tiles
 * to compute no more than it needs (see lanes_used_by_rows).  AVX2 on
 * Zen 3, warm: tasks of 5 rows of 56 columns, each row of tiles ending
 * in 8, against 6 rows: MobileNet v2's 144 → 24 on 56×56 0.27 → 0.25 ms,
 * ResNet-50's 64 → 256 1.30 → 1.23 and 256 → 128 2.51 → 2.31. */
static int64_t
whole_tile_lanes (const CsKernels *kernels)
{
  return kernels->mr >= FMA_CHAINS ? kernels->nr / 2 : kernels->nr;
}

/* What a transposed tile costs beyond its multiply-adds, fitted on this
 * project's thirteen benchmark networks (AVX-512, 2026-12-05; see
 * docs/benchmarks.md): putting a tile back in place takes about as long
 * as TRANSPOSE_STEPS of its depth steps, and the im2col matrix about
 * IM2COL_CHANNELS output channels' worth of multiply-adds. */
#define TRANSPOSE_STEPS 12.0
#define IM2COL_CHANNELS 24.0

/* Whether @s is a 1×1 layer read in place whose depth is DEEP_PER_OUTPUT
 * times its output channels or more, at least DEEP_MIN_OUTPUTS of them,
 * on a map of more than PRODUCT_PIXELS: there transposed tiles run
 * faster, whatever the lanes either leaves empty.  GEMM tiles pass over
 * the task's pixels, depth × columns of them, once for every mr output
 * channels, transposed tiles once for every nr, with a B panel of the
 * weights small beside the pixels.  Measured in the networks (AVX2, Zen
 * 3, one thread, per-node timer): Inception v3's 192–288 → 64 on 35×35
 * 0.78–0.90 of their time, DenseNet-121's 512–576 → 128 on 14×14
 * 0.86–0.88, MobileNet v2's 576 → 96 on 14×14 0.82, EfficientNet-B0's
 * and MobileNet v3's 480 → 112 on 14×14 0.82–0.86, ResNet-50's 512 → 128
 * on 28×28 0.94–0.95; the networks 1–1.5 % faster.  Not on 8×8 (Inception
 * v3's 2048 → 192: 1.43 times the time), nor with fewer outputs (96 → 24
 * on 56×56, the layer alone and warm: 1.6 times) or fewer input
 * channels for each (256 → 128 on 28×28: 1.07 times).  Not measured
 * with AVX-512. */
#define DEEP_PER_OUTPUT  3
#define DEEP_MIN_OUTPUTS 64

static gboolean
deep_for_outputs (const CsConvShape *s, const Layout *l)
{
  return !l->im2col && l->mg >= DEEP_MIN_OUTPUTS && l->depth >= DEEP_PER_OUTPUT * l->mg
         && s->out_h * s->out_w > PRODUCT_PIXELS;
}

/* Whether @s runs as one product by the GEMM driver (see PRODUCT_PIXELS);
 * @l's transposed: whether transposed tiles (over the input, an im2col
 * matrix or the staged block) would run it otherwise. */
static gboolean
product_pays (const CsConvShape *s, const Layout *l)
{
  const int64_t plane = s->out_h * s->out_w;

  if (l->depth * l->mg < PRODUCT_WEIGHTS
      || (l->im2col && (l->depth * plane > IM2COL_MAX_FLOATS
                        || (s->stride[0] == 1 && s->stride[1] == 1))))
    return FALSE;
  return plane <= PRODUCT_PIXELS ? l->transposed : plane < l->mg && l->depth >= PRODUCT_DEPTH;
}

/* Whether the transposed layout computes @s faster than the GEMM layout
 * @l: on maps whose rows leave much of the GEMM tiles' vectors empty (a
 * small map, a map of 17 columns with padding), when the depth is large
 * enough to pay for the transposes.  Transposed tiles round the output
 * channels up to whole vectors instead, and over an im2col matrix pay
 * for building it; over the staged block they read what the GEMM tiles
 * would (from_stage). */
static gboolean
transposed_pays (const CsKernels *kernels, const CsConvShape *s, const Layout *l)
{
  const int64_t lanes = kernels->nr / 2;
  double channels_used = (double) l->mg / (double) round_up (l->mg, lanes);
  double overhead = TRANSPOSE_STEPS / (double) l->depth
                    + (l->im2col && !l->from_stage ? IM2COL_CHANNELS / (double) l->mg : 0.0);

  if (deep_for_outputs (s, l))
    return TRUE;
  return channels_used / (1.0 + overhead) > lanes_used_by_rows (lanes, s, l->wq, l->rows);
}

/* Whether each output channel of @s is one dot product of its filter
 * with a whole image, as in a dense layer: one group, a kernel the size
 * of the unpadded input (a squeeze-excitation's 1×1 layers on one pixel),
 * and few enough images for the GEMV kernel.  GEMM tiles would compute a
 * single column of every tile, and transposed ones a single row, whose
 * multiply-adds wait on one another: 42 against 10 µs for each of
 * EfficientNet-B0's 48 → 1152 layers in the network. */
static gboolean
dense_suits (const CsConvShape *s)
{
  return s->groups == 1 && s->kernel[0] == s->in_h && s->kernel[1] == s->in_w
         && s->pads[0] == 0 && s->pads[1] == 0 && s->pads[2] == 0 && s->pads[3] == 0
         && s->batch <= CS_GEMV_ROWS;
}

/* Whether a depthwise convolution runs on blocks of the table's
 * interleave channels staged pixel by pixel (kernels.h:
 * CsDepthwiseInterleaved): on maps narrow enough that the kernel
 * reading planes in place leaves many lanes empty or loads most of its
 * vectors under masks at the row's ends, where a block fills every
 * vector with its channels of one pixel (ORT's NCHWc layout, for one
 * layer); the table says how narrow.  With AVX-512, rows that fill at
 * most half a vector: the transposes in and out cost less than the
 * empty lanes (one thread: MNASNet's 5×5/2 layer onto 7×7 0.081 → 0.036
 * ms, its 5×5 layers on 7×7 0.082 → 0.045, ConvNeXt's 7×7 on 7×7 0.104
 * → 0.045, MobileNet v2's 3×3/2 onto 7×7 0.030 → 0.025, 3×3 on 7×7
 * unchanged), but not on wider maps (stride 2 onto 56×56 and 28×28:
 * 1.75 and 1.18 times the time).  With AVX2's eight lanes, rows up to 32
 * wide (Zen 3, one thread, MobileNet v2, caches cold: 3×3 on 28×28
 * 0.165 → 0.125–0.130 ms, on 14×14 0.079–0.085 → 0.070–0.072, on 7×7
 * 0.061 → 0.041, 3×3/2 onto 28×28 0.218 → 0.173; on 56×56 the planes
 * kernel stays faster, 0.25 against 0.30 warm), and by stride 2 onto up
 * to 28, where the planes kernel spends its time picking even and odd
 * columns (warm: MobileNet v2's 3×3/2 onto 28×28 0.107 against 0.115 ms,
 * MobileNet v3's 5×5/2 0.076 against 0.140).  By stride 2 onto 56 the
 * planes kernel's whole rows win (in the network: MobileNet v2's,
 * MobileNet v3's and EfficientNet-B0's 3×3/2 from 112×112 0.89, 0.93 and
 * 0.86 of the time they took interleaved). */
static gboolean
interleaved_suits (const CsKernels *kernels, const CsConvShape *s, const Layout *l)
{
  return l->depthwise && l->mg == 1 && kernels->depthwise_interleaved != NULL
         && s->groups >= kernels->interleave
         && s->out_w <= (s->stride[1] > 1 ? kernels->depthwise_interleaved_strided_width
                                          : kernels->depthwise_interleaved_width);
}

/* Whether a grouped convolution on interleaved blocks stages its input
 * rows as planes, copied, rather than transposed to a pixel a run of
 * channels: when its output rows read long input rows, which the
 * transpose moves at a fraction of a copy's speed, while every row
 * copied costs a call, which adds up on narrow maps.  The kernel reads
 * either alike, a broadcast a value.  One thread, AVX-512: RegNet-X-
 * 3.2GF's groups of 48 by stride 2 from 112×112 0.88 times their time,
 * from 56×56 0.69–0.94, from 28×28 0.93, on 56×56 0.93–0.95; RegNet-X-
 * and -Y-16GF's stride 2 from 112, 56 and 28 0.86–0.97; on 28×28
 * 0.99–1.00, on 14×14 1.04.  AVX2, RegNet-Y-400MF's groups of 8 by
 * stride 2 from 112, 56 and 28: 0.73, 0.79, 0.95, but on 28×28 1.08. */
static gboolean
planar_suits (const CsConvShape *s)
{
  return (int64_t) s->in_w * s->stride[1] >= PLANAR_MIN_READ;
}

/* Whether a grouped convolution runs on its groups staged pixel by pixel
 * (kernels.h: CsGroupedInterleaved): groups of whole vectors of channels
 * in and out (the table's interleave), to which the GEMM layout gives
 * short tiles of few rows, or tiles whose columns run past the ends of
 * the rows of a small map.  So does a network's first layer, one group
 * on fewer channels than a vector (an image's three planes) by a 3×3 or
 * 7×7 kernel of stride 2, read as planes, whose GEMM's depth of 27 or
 * 147 pays little for building its im2col matrix (one thread, AVX-512:
 * ResNet's 7×7/2 2.29 → 2.17 ms, RegNet's 3×3/2 0.28–0.35 → 0.26,
 * MNASNet's 0.16–0.21 → 0.14; AVX2 0.75–0.97 times their time; but
 * VGG's 3×3/1 1.01–1.10, AlexNet's 11×11/4 1.10 and ConvNeXt's 4×4/4
 * 1.20 times, without a kernel of their own).  With 8-channel vectors
 * (AVX2), whose GEMM tiles of 6 × 16 lose less of a wide map, only
 * groups of one vector, or maps of at most CS_INTERLEAVED_PIXELS
 * columns.  One thread, with
 * AVX-512: RegNet-X-400MF's groups of 16 on 7×7 0.105 → 0.072 ms,
 * RegNet-X-3.2GF's of 48 on 14×14 0.80 → 0.645 and on 7×7 0.59 → 0.36,
 * ResNeXt-101 32×8d's of 32 on 14×14 1.37 → 1.04 and of 64 on 7×7 1.55
 * → 0.98, RegNet-Y-16GF's of 112 on 28×28 and 56×56 0.94–1.06 times
 * their time; with AVX2, RegNet-Y-400MF's groups of 8 on 7×7 0.118 →
 * 0.065, ResNeXt-50's of 32 on 7×7 0.77 times their time, but groups of
 * 48 on 14×14 and of 56 on 28×28 1.2–1.6 times, a block of output
 * channels at a time.  Since the AVX2 kernel takes two blocks at once
 * (grouped-simd.h), groups of more than a vector in and two or more out
 * run so on maps of any width: Zen 3, one thread, warm, against the GEMM
 * layout, RegNet-Y-800MF's groups of 16 by stride 2 from 112×112, 56×56
 * and 28×28 1.09 → 0.77, 0.69 → 0.43 and 0.47 → 0.29 ms, on 28×28 0.51
 * → 0.42 and on 14×14 0.35 → 0.23; RegNet-X-400MF's on 14×14 0.17 →
 * 0.11; groups of 48 on 14×14 1.00 → 0.85, of 16 on 56×56 0.83 →
 * 0.71, ResNeXt-50's of 16 on 14×14 0.56 → 0.37. */
static gboolean
grouped_interleaved_suits (const CsKernels *kernels, const CsConvShape *s, const Layout *l)
{
  const int64_t lanes = kernels->interleave;

  if (l->depthwise || kernels->grouped_interleaved == NULL || l->mg % lanes != 0)
    return FALSE;
  if (s->groups == 1)
    return l->cg < lanes && planar_suits (s) && s->kernel[0] == s->kernel[1]
           && (s->kernel[0] == 3 || s->kernel[0] == 7) && s->stride[0] == 2 && s->stride[1] == 2
           && s->dilation[0] == 1 && s->dilation[1] == 1;
  return l->cg % lanes == 0
         && (lanes >= 16 || s->out_w <= CS_INTERLEAVED_PIXELS
             || (l->cg == lanes && l->mg == lanes) || (l->cg > lanes && l->mg >= 2 * lanes));
}

/* The floats a task of @l->rows output rows stages when interleaved
 * (interleaved_task), interleave channels a pixel; 0 when they would
 * not stay in cache.  Sets @l->wq to the padded rows' width. */
static int64_t
interleaved_floats (const CsKernels *kernels, const CsConvShape *s, Layout *l)
{
  int64_t width = 0, height = 0, floats = 0;

  /* The last output column's last tap, or the input's last column. */
  if (__builtin_mul_overflow ((int64_t) s->out_w - 1, (int64_t) s->stride[1], &width)
      || __builtin_add_overflow (width, (int64_t) (s->kernel[1] - 1) * s->dilation[1] + 1, &width)
      || __builtin_mul_overflow (l->rows - 1, (int64_t) s->stride[0], &height)
      || __builtin_add_overflow (height, (int64_t) (s->kernel[0] - 1) * s->dilation[0] + 1,
                                 &height))
    return 0;
  width = MAX (width, s->pads[1] + s->in_w);
  height = MIN (height, s->in_h);
  /* The padded rows; the depthwise output and the weights, interleave
   * channels a pixel. */
  if (__builtin_mul_overflow (width, height, &floats)
      || __builtin_mul_overflow (floats, l->depthwise ? (int64_t) kernels->interleave : l->cg,
                                 &floats)
      || __builtin_add_overflow (floats,
                                 ((l->depthwise ? l->rows * s->out_w : 0) + l->depth)
                                 * kernels->interleave, &floats)
      || floats > INTERLEAVED_MAX_FLOATS)
    return 0;
  l->wq = width;
  return floats;
}

/* The most pixels whose sums a transposed task keeps at a time. */
static int64_t
transposed_pass_pixels (const CsKernels *kernels)
{
  return MAX (kernels->mr, TRANSPOSED_SUMS_BYTES / ((int64_t) sizeof (float) * kernels->nr));
}

/* The floats of a transposed task's sums (transposed_task), before the
 * im2col matrix in thread 0's scratch. */
static int64_t
transposed_sums_floats (const CsKernels *kernels, const Layout *l)
{
  return round_up (MIN (l->pixels, transposed_pass_pixels (kernels)) * kernels->nr,
                   ALIGNED_FLOATS);
}

/* The depth steps of each block a transposed tile's depth passes in: at
 * most TRANSPOSED_DEPTH_BYTES of a B panel, the blocks even. */
static int64_t
transposed_block_steps (const CsKernels *kernels, int64_t depth)
{
  const int64_t most = MAX (1, TRANSPOSED_DEPTH_BYTES / ((int64_t) sizeof (float) * kernels->nr));
  const int64_t blocks = (depth + most - 1) / most;

  return (depth + blocks - 1) / blocks;
}

/* The most tiles of a task over the staged block (staged_transposed_task). */
static int64_t
staged_tiles (const CsKernels *kernels, const CsConvShape *s, const Layout *l)
{
  const int64_t mr = kernels->mr;

  return MAX (((l->rows - 1) * l->wq + s->out_w + mr - 1) / mr,
              l->rows * ((s->out_w + mr - 1) / mr));
}

/* The depth steps of each block a task over the staged block passes its
 * panels in: transposed_block_steps', unless the task's tiles' sums,
 * which it keeps meanwhile, would pass STAGED_SUMS_BYTES, then the whole
 * depth. */
static int64_t
staged_block_steps (const CsKernels *kernels, const CsConvShape *s, const Layout *l)
{
  const int64_t step = transposed_block_steps (kernels, l->depth);

  if (step < l->depth
      && staged_tiles (kernels, s, l) * kernels->mr * kernels->nr * (int64_t) sizeof (float)
         > STAGED_SUMS_BYTES)
    return l->depth;
  return step;
}

/* Halves a task's output channels (whole @channel_unit of them: A
 * panels, or transposed B panels), groups (whole vectors of them when
 * interleaved) or output rows, in that order, until there are MIN_TASKS
 * tasks or none is left to halve; sets the counts of each.  Then shares
 * the output rows evenly among that many chunks: the tasks go down the
 * image slowest, so a thread's contiguous share of them is a run of
 * chunks, and a last chunk of a few rows left one thread idle while the
 * other computed a whole chunk (Inception v3's 1×7 and 7×1 layers on
 * 17×17 in chunks of 12 and 5 rows scaled 1.5 times from one thread to
 * two, in chunks of 9 and 8 1.75–1.85 times). */
static void
share_out (const CsKernels *kernels, const CsConvShape *s, Layout *l, int64_t channel_unit)
{
  const int64_t interleave = kernels->interleave;
  int64_t even_rows;

  for (;;)
    {
      l->chunks = (s->out_h + l->rows - 1) / l->rows;
      l->g_blocks = (s->groups + l->groups_per_task - 1) / l->groups_per_task;
      l->m_blocks = (l->mg + l->mc - 1) / l->mc;
      if (count_tasks (s, l) >= MIN_TASKS)
        break;
      if (!l->depthwise && !l->interleaved && l->mc > channel_unit)
        l->mc = round_up (l->mc / 2, channel_unit);
      else if (l->interleaved && l->groups_per_task > interleave)
        l->groups_per_task = (l->groups_per_task / interleave + 1) / 2 * interleave;
      else if (!l->interleaved && l->groups_per_task > 1)
        l->groups_per_task = (l->groups_per_task + 1) / 2;
      else if (l->rows > 1)
        l->rows = (l->rows + 1) / 2;
      else
        break;
    }
  even_rows = (s->out_h + l->chunks - 1) / l->chunks;
  if ((s->out_h + even_rows - 1) / even_rows == l->chunks)
    l->rows = even_rows;
}

/* A convolution's product with the pixels as rows (the transposed
 * layout), Cᵀ = Xᵀ·Wᵀ, for the GEMM driver: @x one image's input as it
 * stands (a 1×1 convolution read in place) or its im2col matrix, depth ×
 * plane either way, @weights packed as B panels, @sums the plane ×
 * out_channels result, @bias per output channel (may be NULL).  Borrows
 * every pointer. */
static CsGemm
pixels_product (const CsKernels *kernels, const CsConvShape *s, const float *x,
                const float *weights, float *sums, const float *bias)
{
  const int64_t plane = s->out_h * s->out_w;
  const int64_t depth = s->in_channels * s->kernel[0] * s->kernel[1];

  return (CsGemm) { kernels, plane, s->out_channels, depth,
                    { x, 1, plane, FALSE }, { weights, 0, 0, TRUE },
                    sums, s->out_channels, 1.0f, FALSE, NULL, bias };
}

/* The floats of a thread's scratch the GEMM driver takes for @s's
 * pixels_product, whole lines of them; thread 0's sums follow. */
static int64_t
product_floats (const CsKernels *kernels, const CsConvShape *s)
{
  const CsGemm product = pixels_product (kernels, s, NULL, NULL, NULL, NULL);

  return round_up ((int64_t) cs_gemm_scratch_bytes (&product), 64) / sizeof (float);
}

/* Whether the staged rows of @s share their padding columns: with
 * stride 1 along the rows, a staged row holds its left padding and the
 * input's columns, and the taps past its end read the next row's left
 * padding as its right padding (or, after a plane's last row, the left
 * padding of the next plane's first row, or zeros put there).  That
 * needs the left padding at least as wide as the right, and at least as
 * many taps as the right padding, so that the row still holds every
 * output column.  A 3×3 layer on 7×7 then computes 8 columns a row, not
 * 9 (ResNet-50's last stage), a 1×7 one on 17×17 20, not 23 (Inception
 * v3). */
static gboolean
shared_pads (const CsConvShape *s)
{
  return s->stride[1] == 1 && s->pads[3] > 0 && s->pads[3] <= s->pads[1]
         && s->pads[3] <= (int64_t) (s->kernel[1] - 1) * s->dilation[1];
}

/* Fills @l; FALSE when the staged block would be too large. */
static gboolean
plan_layout (const CsKernels *kernels, const CsConvShape *s, Layout *l)
{
  const int64_t plane = s->out_h * s->out_w;
  int64_t per_row;
  gboolean staged_fits, transposable;

  memset (l, 0, sizeof *l);
  l->cg = s->in_channels / s->groups;
  l->mg = s->out_channels / s->groups;
  l->dense = dense_suits (s);
  l->depthwise = l->cg == 1 && !l->dense;
  l->direct = s->stride[0] == 1 && s->stride[1] == 1 && s->pads[0] == 0
              && s->pads[1] == 0 && s->pads[2] == 0 && s->pads[3] == 0;
  l->depth = l->cg * s->kernel[0] * s->kernel[1];
  if (l->dense)
    return TRUE;
  for (int axis = 0; axis < 2; axis++)
    {
      /* Tap t lands in phase (t·d) mod s, which repeats with this period. */
      l->period[axis] = s->stride[axis] / gcd (s->dilation[axis], s->stride[axis]);
      l->n_phases[axis] = MIN (s->kernel[axis], l->period[axis]);
    }
  l->halo = (int64_t) (s->kernel[0] - 1) * s->dilation[0] / s->stride[0];
  l->wq = l->direct ? s->in_w
          : s->out_w + (int64_t) (s->kernel[1] - 1) * s->dilation[1] / s->stride[1];
  if (!l->direct && !l->depthwise && shared_pads (s))
    {
      l->overlap = s->pads[3];
      l->wq -= l->overlap;
    }
  /* Hostile strides and kernels could overflow this product. */
  per_row = l->direct || l->depthwise ? 0 : l->cg;
  if (__builtin_mul_overflow (per_row, l->n_phases[0], &per_row)
      || __builtin_mul_overflow (per_row, l->n_phases[1], &per_row)
      || __builtin_mul_overflow (per_row, l->wq, &per_row) || per_row > STAGE_MAX_FLOATS)
    return FALSE;

  l->groups_per_task = 1;
  l->im2col = !(l->direct && s->kernel[0] == 1 && s->kernel[1] == 1);
  if (l->depthwise)
    {
      l->interleaved = interleaved_suits (kernels, s, l);
      l->rows = CLAMP (DEPTHWISE_COLUMNS / (s->out_w * (l->interleaved ? kernels->interleave : 1)),
                       1, s->out_h);
      l->mc = l->mg;
      /* Small planes: several channels per task share the setup. */
      l->groups_per_task = CLAMP (DEPTHWISE_COLUMNS / (l->rows * s->out_w * l->mg), 1, s->groups);
      if (l->interleaved)
        l->groups_per_task = MAX (l->groups_per_task / kernels->interleave, 1)
                             * kernels->interleave;
    }
  else
    {
      int64_t most = per_row > 0 ? MAX (1, GEMM_STAGE_FLOATS / per_row - l->halo) : s->out_h;
      int64_t target = CLAMP ((TARGET_COLUMNS + l->wq - 1) / l->wq, 1, MIN (most, s->out_h));

      /* Of the row counts up to twice the target, the one whose tasks'
       * columns leave the fewest lanes empty; not fewer, which would
       * stage the halo rows more often. */
      const int64_t lanes = whole_tile_lanes (kernels);
      double        best = lanes_used_by_rows (lanes, s, l->wq, target);

      l->rows = target;
      for (int64_t rows = target + 1; rows <= MIN (2 * target, MIN (most, s->out_h)); rows++)
        {
          double used = lanes_used_by_rows (lanes, s, l->wq, rows);

          if (used > best + 0.005)
            {
              l->rows = rows;
              best = used;
            }
        }
      l->mc = MIN (MAX (kernels->mr, A_BLOCK_FLOATS / MAX (l->depth, 1) / kernels->mr * kernels->mr),
                   round_up (l->mg, kernels->mr));
      l->interleaved = grouped_interleaved_suits (kernels, s, l);
      l->planar = l->interleaved && planar_suits (s);
      if (l->interleaved)
        {
          l->rows = CLAMP (DEPTHWISE_COLUMNS / (s->out_w * kernels->interleave), 1, s->out_h);
          l->mc = l->mg;
        }
    }
  share_out (kernels, s, l, kernels->mr);
  staged_fits = l->halo <= STAGE_MAX_FLOATS && per_row * (l->rows + l->halo) <= STAGE_MAX_FLOATS;
  l->stage_floats = staged_fits ? per_row * (l->rows + l->halo) + l->overlap : 0;
  if (l->interleaved)
    {
      /* Too large a block: the plain layout, as it would have been but
       * for the rows and channels per task. */
      int64_t floats = interleaved_floats (kernels, s, l);

      l->interleaved = floats > 0;
      if (l->interleaved)
        l->stage_floats = floats;
    }

  l->transposed = !l->depthwise && !l->interleaved && s->groups == 1;
  /* Transposed tiles over the staged block where they pay, else over an
   * im2col matrix where that pays: the matrix copies each input value
   * once a tap, but lets a tile run across output rows, which a 1×1
   * kernel (a copy of each value once) or a map narrower than half a
   * tile's rows wants. */
  l->from_stage = l->transposed && l->im2col && staged_fits && s->kernel[0] * s->kernel[1] > 1
                  && 2 * s->out_w >= kernels->mr;
  l->from_stage = l->from_stage && transposed_pays (kernels, s, l);
  transposable = l->transposed;
  if (!l->from_stage)
    l->transposed = l->transposed && (!l->im2col || l->depth * plane <= IM2COL_MAX_FLOATS)
                    && (!staged_fits || transposed_pays (kernels, s, l));
  l->through_gemm = transposable && product_pays (s, l);
  l->transposed = l->transposed || l->through_gemm;
  l->from_stage = l->from_stage && !l->through_gemm;
  if (l->from_stage)
    {
      /* The GEMM layout's tasks and staged rows, the output channels
       * shared out in whole B panels; scratch for the tiles' sums
       * besides. */
      l->mc = MIN (MAX (kernels->nr, A_BLOCK_FLOATS / l->depth / kernels->nr * kernels->nr),
                   round_up (l->mg, kernels->nr));
      share_out (kernels, s, l, kernels->nr);
      /* Every tile's sums where the depth goes in several blocks, else
       * one tile's at a time. */
      l->block_steps = staged_block_steps (kernels, s, l);
      l->sums_floats = (l->block_steps < l->depth ? staged_tiles (kernels, s, l) : 1)
                       * kernels->mr * kernels->nr;
      l->stage_floats = round_up (per_row * (l->rows + l->halo) + l->overlap, ALIGNED_FLOATS)
                        + l->sums_floats;
      return TRUE;
    }
  if (l->transposed)
    {
      /* The output channels shared out in whole B panels, and on a large
       * map the pixels too, in whole tiles. */
      l->mc = round_up (MAX (1, l->mg / MIN_TASKS), kernels->nr);
      l->m_blocks = MAX (1, (l->mg + l->mc - 1) / l->mc);
      l->chunks = CLAMP ((MIN_TASKS + l->m_blocks - 1) / l->m_blocks, 1,
                         (plane + kernels->mr - 1) / kernels->mr);
      l->pixels = ((plane + kernels->mr - 1) / kernels->mr + l->chunks - 1) / l->chunks
                  * kernels->mr;
      /* A thread takes a run of tasks, and so reads all of one operand
       * and its share of the other: it shares out the larger.  The
       * weights are out_channels × depth, the pixels' matrix
       * plane × depth. */
      l->pixels_fastest = plane < l->mg;
      l->rows = s->out_h;
      l->g_blocks = 1;
      l->stage_floats = transposed_sums_floats (kernels, l) + (l->im2col ? l->depth * plane : 0);
      if (l->through_gemm)
        l->stage_floats = product_floats (kernels, s) + plane * s->out_channels
                          + (l->im2col ? l->depth * plane : 0);
      return TRUE;
    }
  return staged_fits;
}

G_DEFINE_QUARK (cs-conv-error-quark, cs_conv_error)

int64_t
cs_conv_output_size (int64_t  in,
                     int      kernel,
                     int      stride,
                     int      dilation,
                     int      pad_begin,
                     int      pad_end,
                     gboolean ceil_mode)
{
  int64_t span = in + pad_begin + pad_end - ((int64_t) dilation * (kernel - 1) + 1);
  int64_t out;

  if (span < 0 || stride <= 0)
    return 0;
  if (!ceil_mode)
    return span / stride + 1;
  out = (span + stride - 1) / stride + 1;
  /* As in PyTorch and ONNX Runtime: the last window must start inside the
   * input or its leading padding, not in the trailing padding. */
  if ((out - 1) * stride >= in + pad_begin)
    out--;
  return out;
}

gboolean
cs_conv_shape_check (const CsConvShape *s, GError **error)
{
  Layout layout;

  if (s->groups < 1 || s->in_channels < 1 || s->out_channels < 1
      || s->in_channels % s->groups != 0 || s->out_channels % s->groups != 0)
    {
      g_set_error (error, CS_CONV_ERROR, CS_CONV_ERROR_INVALID,
                   "%" G_GINT64_FORMAT " input and %" G_GINT64_FORMAT
                   " output channels do not split into %d groups",
                   s->in_channels, s->out_channels, s->groups);
      return FALSE;
    }
  for (int axis = 0; axis < 2; axis++)
    {
      int64_t in = axis == 0 ? s->in_h : s->in_w;
      int64_t out = axis == 0 ? s->out_h : s->out_w;

      if (s->kernel[axis] < 1 || s->stride[axis] < 1 || s->dilation[axis] < 1
          || s->pads[axis] < 0 || s->pads[axis + 2] < 0 || in < 1 || out < 1
          || out != cs_conv_output_size (in, s->kernel[axis], s->stride[axis],
                                         s->dilation[axis], s->pads[axis],
                                         s->pads[axis + 2], FALSE))
        {
          g_set_error (error, CS_CONV_ERROR, CS_CONV_ERROR_INVALID,
                       "the output %s %" G_GINT64_FORMAT " does not follow from the input"
                       " size %" G_GINT64_FORMAT " and the window",
                       axis == 0 ? "height" : "width", out, in);
          return FALSE;
        }
    }
  if (s->batch < 0 || !plan_layout (cs_kernels_get (), s, &layout))
    {
      g_set_error (error, CS_CONV_ERROR, CS_CONV_ERROR_TOO_LARGE,
                   "the padding or dilation is too large to run");
      return FALSE;
    }
  return TRUE;
}

/* Whether tap @k of one axis reads the input at some output position. */
static gboolean
tap_reaches_input (const CsConvShape *s, int axis, int k)
{
  const int64_t in = axis == 0 ? s->in_h : s->in_w, out = axis == 0 ? s->out_h : s->out_w;

  for (int64_t o = 0; o < out; o++)
    {
      const int64_t i = o * s->stride[axis] - s->pads[axis] + (int64_t) k * s->dilation[axis];

      if (i >= 0 && i < in)
        return TRUE;
    }
  return FALSE;
}

/* The convolution on the kernel rows and columns that reach the input,
 * in *@live, with its first tap in *@first: FALSE when every outer tap
 * does (nothing to gain) or none does (the output is the bias alone,
 * which the full plan computes), or when dropping them would leave a
 * negative padding. */
static gboolean
live_shape (const CsConvShape *s, CsConvShape *live, int first[2])
{
  gboolean smaller = FALSE;

  *live = *s;
  for (int axis = 0; axis < 2; axis++)
    {
      int lo = 0, hi = s->kernel[axis] - 1;

      while (lo <= hi && !tap_reaches_input (s, axis, lo))
        lo++;
      while (hi >= lo && !tap_reaches_input (s, axis, hi))
        hi--;
      if (lo > hi)
        return FALSE;
      first[axis] = lo;
      live->kernel[axis] = hi - lo + 1;
      live->pads[axis] = s->pads[axis] - lo * s->dilation[axis];
      live->pads[axis + 2] = s->pads[axis + 2] - (s->kernel[axis] - 1 - hi) * s->dilation[axis];
      if (live->pads[axis] < 0 || live->pads[axis + 2] < 0)
        return FALSE;
      smaller |= live->kernel[axis] < s->kernel[axis];
    }
  return smaller;
}

/* A column kernel's convolution with rows and columns swapped, in
 * *@turned: FALSE unless its tiles would be pixels over a staged block
 * (@l->from_stage), where each depth step reads a row of its own. */
static gboolean
turned_shape (const CsConvShape *s, const Layout *l, CsConvShape *turned)
{
  if (!l->from_stage || s->kernel[1] != 1 || s->kernel[0] == 1)
    return FALSE;
  *turned = *s;
  turned->in_h = s->in_w;
  turned->in_w = s->in_h;
  turned->out_h = s->out_w;
  turned->out_w = s->out_h;
  for (int axis = 0; axis < 2; axis++)
    {
      turned->kernel[axis] = s->kernel[1 - axis];
      turned->stride[axis] = s->stride[1 - axis];
      turned->dilation[axis] = s->dilation[1 - axis];
      turned->pads[axis] = s->pads[1 - axis];
      turned->pads[axis + 2] = s->pads[3 - axis];
    }
  return TRUE;
}

/* The floats a turned plan's run copies, the input's and the output's
 * planes turned, of every image: after what the plan of @turned takes of
 * thread 0's scratch (cs_conv_scaled_scratch_bytes, which holds the
 * unscaled run's too). */
static int64_t
turned_floats (const CsConvShape *turned)
{
  return round_up (turned->batch * turned->in_channels * turned->in_h * turned->in_w,
                   ALIGNED_FLOATS)
         + turned->batch * turned->out_channels * turned->out_h * turned->out_w;
}

size_t
cs_conv_scratch_bytes (const CsKernels *kernels, const CsConvShape *shape)
{
  CsConvShape live, turned;
  int         first[2];
  Layout      l;

  plan_layout (kernels, shape, &l);
  if (live_shape (shape, &live, first))
    return MAX ((size_t) l.stage_floats * sizeof (float) + CS_SCRATCH_SLACK,
                cs_conv_scratch_bytes (kernels, &live));
  if (turned_shape (shape, &l, &turned))
    return MAX ((size_t) l.stage_floats * sizeof (float) + CS_SCRATCH_SLACK,
                cs_conv_scaled_scratch_bytes (kernels, &turned)
                + (size_t) (turned_floats (&turned) + 2 * ALIGNED_FLOATS) * sizeof (float));
  if (cs_winograd_suits (shape))
    return MAX ((size_t) l.stage_floats * sizeof (float) + CS_SCRATCH_SLACK,
                cs_winograd_scratch_bytes (kernels, shape));
  return (size_t) l.stage_floats * sizeof (float) + CS_SCRATCH_SLACK;
}

/* The weights of the taps @live keeps, out of @weights as given
 * (out_channels × C/groups × kH × kW).  The caller frees them. */
static float *
live_weights (const CsConvShape *s,
              const CsConvShape *live,
              const int          first[2],
              const float       *weights)
{
  const int64_t planes = s->out_channels * (s->in_channels / s->groups);
  float        *kept = g_new (float, MAX (planes * live->kernel[0] * live->kernel[1], 1));
  float        *to = kept;

  for (int64_t p = 0; p < planes; p++)
    for (int kh = 0; kh < live->kernel[0]; kh++)
      for (int kw = 0; kw < live->kernel[1]; kw++)
        *to++ = weights[(p * s->kernel[0] + first[0] + kh) * s->kernel[1] + first[1] + kw];
  return kept;
}

CsConvPlan *
cs_conv_plan_new (const CsKernels   *kernels,
                  const CsConvShape *shape,
                  const float       *weights,
                  const float       *bias)
{
  const int64_t n_weights = shape->out_channels * (shape->in_channels / shape->groups)
                            * shape->kernel[0] * shape->kernel[1];

  return cs_conv_plan_new_taking (kernels, shape,
                                  g_memdup2 (weights, sizeof (float) * n_weights), bias);
}

/* The weights of one block of the interleaved kernels into @w, as they
 * read them: depthwise, those of the interleave channels at @weights (as
 * given), tap by tap; grouped, those of output channels [o0, o0 +
 * interleave) of the group whose A panels (cs_pack_a) are at @weights,
 * depth step by depth step. */
static void
interleaved_weights (const CsConvPlan *plan, const float *weights, int64_t o0, float *w)
{
  const CsKernels *kernels = plan->kernels;
  const Layout    *l = &plan->layout;
  const int64_t    lanes = kernels->interleave;

  if (l->depthwise)
    {
      kernels->transpose (weights, l->depth, w, lanes, l->depth, lanes);
      return;
    }
  for (int64_t r0 = o0 / kernels->mr * kernels->mr; r0 < o0 + lanes; r0 += kernels->mr)
    {
      const int64_t h = MIN (kernels->mr, l->mg - r0);
      const int64_t from = MAX (r0, o0), to = MIN (r0 + h, o0 + lanes);

      for (int64_t p = 0; p < l->depth; p++)
        memcpy (w + p * lanes + from - o0, weights + r0 * l->depth + p * h + from - r0,
                sizeof (float) * (to - from));
    }
}

/* The plan's weights as the interleaved kernels read them, once, for
 * every whole block of channels (depthwise) or group (grouped): a run on
 * them makes none. */
static void
prepare_interleaved (CsConvPlan *plan)
{
  const Layout *l = &plan->layout;
  const int64_t lanes = plan->kernels->interleave;
  int64_t       blocks, outputs;   /* and the output channels of each */

  if (!l->interleaved)
    return;
  blocks = l->depthwise ? plan->shape.groups / lanes : plan->shape.groups;
  outputs = l->depthwise ? lanes : l->mg;
  plan->interleaved = g_new (float, blocks * outputs * l->depth);
  for (int64_t b = 0; b < blocks; b++)
    for (int64_t o0 = 0; o0 < outputs; o0 += lanes)
      interleaved_weights (plan, plan->weights + b * outputs * l->depth, o0,
                           plan->interleaved + (b * outputs + o0) * l->depth);
}

CsConvPlan *
cs_conv_plan_new_taking (const CsKernels   *kernels,
                         const CsConvShape *shape,
                         float             *weights,
                         const float       *bias)
{
  CsConvPlan *plan = g_new0 (CsConvPlan, 1);
  const Layout *l = &plan->layout;
  int kh_n = shape->kernel[0], kw_n = shape->kernel[1];
  int64_t taps = (int64_t) kh_n * kw_n;
  CsConvShape   live, turned;
  int           first[2];

  plan_layout (kernels, shape, &plan->layout);
  if (live_shape (shape, &live, first))
    plan->live =
        cs_conv_plan_new_taking (kernels, &live, live_weights (shape, &live, first, weights), bias);
  else if (cs_winograd_suits (shape))
    plan->winograd = cs_winograd_plan_new (kernels, shape, weights, bias);
  else if (turned_shape (shape, l, &turned))
    plan->turned = cs_conv_plan_new (kernels, &turned, weights, bias);
  plan->kernels = kernels;
  plan->shape = *shape;
  plan->weights = weights;
  if (bias != NULL)
    plan->bias = g_memdup2 (bias, sizeof (float) * shape->out_channels);
  plan->window = (CsDepthwiseGeometry) {
    shape->in_h, shape->in_w, shape->out_w,
    { kh_n, kw_n }, { shape->stride[0], shape->stride[1] },
    { shape->dilation[0], shape->dilation[1] }, shape->pads[0], shape->pads[1]
  };
  if (l->depthwise)
    {
      prepare_interleaved (plan);
      return plan;
    }

  if (l->transposed || l->dense)
    {
      cs_pack_b_in_place (kernels, weights, l->depth, l->mg);
      /* Only tiles that read a staged block need koff. */
      if (!l->from_stage)
        return plan;
    }
  else
    {
      for (int g = 0; g < shape->groups; g++)
        cs_pack_a_in_place (kernels, weights + g * l->mg * l->depth, l->mg, l->depth);
      prepare_interleaved (plan);
      /* Nor do those of a 1×1 layer read in place (gemm_task). */
      if (!l->im2col)
        return plan;
    }
  plan->koff = g_new (int64_t, l->depth);
  for (int64_t p = 0; p < l->depth; p++)
    {
      int64_t c = p / taps, kh = p / kw_n % kh_n, kw = p % kw_n;
      int64_t r = kh * shape->dilation[0], q = kw * shape->dilation[1];

      if (l->direct)
        plan->koff[p] = (c * shape->in_h + r) * shape->in_w + q;
      else
        {
          int64_t phase = (c * l->n_phases[0] + kh % l->period[0]) * l->n_phases[1]
                          + kw % l->period[1];

          plan->koff[p] = (phase * (l->rows + l->halo) + r / shape->stride[0]) * l->wq
                          + q / shape->stride[1];
        }
    }
  return plan;
}

float
cs_conv_plan_channel (const CsConvPlan *plan, int64_t m, float *weights)
{
  const Layout *l = &plan->layout;
  const int64_t mr = plan->kernels->mr;

  if (l->depthwise)
    memcpy (weights, plan->weights + m * l->depth, sizeof (float) * l->depth);
  else if (l->transposed || l->dense)
    {
      /* cs_pack_b's panels: column j of a panel w wide is every w-th float. */
      const int64_t nr = plan->kernels->nr, j0 = m / nr * nr;
      const int64_t w = MIN (nr, l->mg - j0);
      const float  *panel = plan->weights + j0 * l->depth;

      for (int64_t p = 0; p < l->depth; p++)
        weights[p] = panel[p * w + m - j0];
    }
  else
    {
      /* cs_pack_a's panels: row i of a panel of h rows is every h-th float. */
      const int64_t g = m / l->mg, row = m % l->mg, r0 = row / mr * mr;
      const int64_t h = MIN (mr, l->mg - r0);
      const float *panel = plan->weights + (g * l->mg + r0) * l->depth;

      for (int64_t p = 0; p < l->depth; p++)
        weights[p] = panel[p * h + row - r0];
    }
  return plan->bias != NULL ? plan->bias[m] : 0.0f;
}

void
cs_conv_plan_free (CsConvPlan *plan)
{
  if (plan == NULL)
    return;
  g_free (plan->weights);
  g_free (plan->bias);
  g_free (plan->koff);
  g_free (plan->interleaved);
  cs_conv_plan_free (plan->live);
  cs_conv_plan_free (plan->turned);
  cs_winograd_plan_free (plan->winograd);
  g_free (plan);
}

typedef struct
{
  const CsConvPlan        *plan;
  const float             *x;
  float                   *y;
  const CsActivation *act;
  const float             *weights;       /* the plan's, or scaled copies */
  int64_t                  image_weights; /* floats between images' scaled
                                           * copies; 0 for the plan's */
  CsEpilogue               ep;
  gboolean                 act_done;   /* the kernels apply act */
  void                   **scratch;
  float                   *columns;  /* transposed: the image's im2col
                                      * matrix, or NULL to read x */
  /* Depthwise only: y written as bytes on y_grid (act's folded grid);
   * NULL for floats. */
  uint8_t                 *y_bytes;
  CsGrid                   y_grid;
} ConvRun;

/* dst[x] = src[x·stride] for x < n; stride 2 gets a loop of its own that
 * compilers vectorize with shuffles. */
static void
copy_strided (float *restrict dst, const float *restrict src, int64_t n, int64_t stride)
{
  if (stride == 1)
    memcpy (dst, src, sizeof (float) * n);
  else if (stride == 2)
    for (int64_t x = 0; x < n; x++)
      dst[x] = src[2 * x];
  else
    for (int64_t x = 0; x < n; x++)
      dst[x] = src[x * stride];
}

static void
zero_floats (float *dst, int64_t n)
{
  for (int64_t x = 0; x < n; x++)
    dst[x] = 0.0f;
}

/* Asks for the cache lines of @width floats starting @ahead floats on
 * from each of @rows rows (@row_stride apart) at @start, before a tile
 * is stored there (cs_prefetch_c_lines: past the last tile they lie
 * beyond the output). */
static void
prefetch_for_store (const float *start, int64_t rows, int64_t row_stride, int64_t ahead,
                    int64_t width)
{
  for (int64_t c = 0; c < width; c += ALIGNED_FLOATS)
    cs_prefetch_c_lines (start, rows, row_stride, ahead + c);
}

/* Copies what output rows [oh0, oh0 + n_rows) of a group read into
 * @stage: per input channel and stride phase (ph, pw), the rows
 * y < n_rows + halo of the padded input, Xpad[(oh0 + y)·sh + ph][x·sw + pw]
 * for x < wq; with shared padding (shared_pads), zeros where the last
 * staged row's taps read on: the start of the row after it, and the
 * overlap after the last plane. */
static void
stage_input (const CsConvPlan *plan, const float *x_group, int64_t oh0,
             int64_t n_rows, float *stage)
{
  const CsConvShape *s = &plan->shape;
  const Layout *l = &plan->layout;
  const int64_t plane = (l->rows + l->halo) * l->wq;
  const int64_t wq = l->wq, sw = s->stride[1], in_w = s->in_w;

  for (int64_t c = 0; c < l->cg; c++)
    for (int64_t i = 0; i < l->n_phases[0]; i++)
      for (int64_t j = 0; j < l->n_phases[1]; j++)
        {
          const int64_t ph = i * s->dilation[0] % s->stride[0];
          const int64_t pw = j * s->dilation[1] % sw;
          const int64_t shift = pw - s->pads[1];   /* x·sw + shift is the input column */
          const int64_t x_lo = shift >= 0 ? 0 : MIN ((-shift + sw - 1) / sw, wq);
          const int64_t x_hi = MAX (x_lo, in_w - 1 - shift < 0 ? 0
                                          : MIN (wq, (in_w - 1 - shift) / sw + 1));
          float *dst = stage + ((c * l->n_phases[0] + i) * l->n_phases[1] + j) * plane;

          for (int64_t y = 0; y < n_rows + l->halo; y++, dst += wq)
            {
              const int64_t iy = (oh0 + y) * s->stride[0] + ph - s->pads[0];

              if (iy < 0 || iy >= s->in_h)
                {
                  zero_floats (dst, wq);
                  continue;
                }
              zero_floats (dst, x_lo);
              copy_strided (dst + x_lo, x_group + (c * s->in_h + iy) * in_w + x_lo * sw + shift,
                            x_hi - x_lo, sw);
              zero_floats (dst + x_hi, wq - x_hi);
            }
          if (n_rows < l->rows)
            zero_floats (dst, l->overlap);
        }
  zero_floats (stage + l->cg * l->n_phases[0] * l->n_phases[1] * plane, l->overlap);
}

/* The activation the epilogue left to the run (run->act_done FALSE) on
 * output rows [oh0, oh0 + n_rows) of the @planes output planes at @y.
 * Whole planes lie end to end: one call for all, not one per plane of a
 * small map. */
static void
activate_rows (const ConvRun *run, float *y, int64_t planes, int64_t oh0, int64_t n_rows)
{
  const CsConvShape *s = &run->plan->shape;
  const int64_t      out_plane = s->out_h * s->out_w;

  if (run->act_done)
    return;
  if (n_rows == s->out_h)
    cs_activation_apply (run->act, y, planes * out_plane);
  else
    for (int64_t m = 0; m < planes; m++)
      cs_activation_apply (run->act, y + m * out_plane + oh0 * s->out_w, n_rows * s->out_w);
}

/* Output channels [m0, m1) of group @g, output rows [oh0, oh0 + n_rows),
 * by GEMM tiles over the block at @base. */
static void
gemm_task (const ConvRun *run, int64_t img, int64_t g, int64_t oh0, int64_t n_rows,
           int64_t m0, int64_t m1, const float *base)
{
  const CsConvPlan *plan = run->plan;
  const CsConvShape *s = &plan->shape;
  const Layout *l = &plan->layout;
  const CsKernels *kernels = plan->kernels;
  int64_t plane = s->out_h * s->out_w, wq = l->wq, depth = l->depth;
  int64_t n_cols = (n_rows - 1) * wq + s->out_w;
  float *y_group = run->y + (img * s->out_channels + g * l->mg) * plane;
  const float *w_group = run->weights + img * run->image_weights + g * l->mg * depth;
  const float *bias_group = plan->bias != NULL ? plan->bias + g * l->mg : NULL;
  const gboolean fetch_b = !l->im2col && l->mg < FETCH_B_OUTPUTS;  /* a 1×1 read in place */
  /* A 1×1 layer read in place has B's rows a plane apart: in step, which
   * the micro-kernel reads without loading an offset at each depth step
   * (AVX2 on Zen 3, warm: MobileNet v2's 144 → 24 on 56×56 0.286 → 0.259
   * ms, ResNet-50's 512 → 256 on 28×28 2.66 → 2.45). */
  const int64_t *koff = l->im2col ? plan->koff : NULL;
  const int64_t ldb = l->im2col ? 0 : s->in_h * s->in_w;

  for (int64_t i = m0; i < m1; i += kernels->mr)
    {
      int h = (int) MIN (kernels->mr, m1 - i);
      const float *bias = bias_group != NULL ? bias_group + i : NULL;

      if (wq == s->out_w && n_cols <= G_MAXINT)
        {
          /* No columns to throw away: the row of tiles in one call (as
           * many columns as an int holds; a larger map goes tile by tile
           * below).  The B stream of a 1×1 layer read in place steps by
           * its rows (see FETCH_B_OUTPUTS). */
          const CsPrefetch b_ahead = { base + FETCH_B_TILES * kernels->nr,
                                       (int64_t) sizeof (float) * ldb };

          kernels->gemm (depth, w_group + i * depth, h, NULL, base, koff, ldb,
                         y_group + i * plane + oh0 * s->out_w, plane, h, (int) n_cols, bias,
                         &run->ep, NULL, fetch_b && i == m0 ? &b_ahead : NULL);
          continue;
        }
      for (int64_t j = 0; j < n_cols; j += kernels->nr)
        {
          int n = (int) MIN (kernels->nr, n_cols - j);
          int64_t oh = j / wq, ow = j % wq;
          int64_t offset = (oh0 + oh) * s->out_w + ow;
          CsColumnWrap wrap = { ow, wq, s->out_w };

          /* The output lines of the tile CS_PREFETCH_TILES ahead, while
           * this one computes. */
          prefetch_for_store (y_group + i * plane + offset, h, plane,
                              CS_PREFETCH_TILES * kernels->nr, kernels->nr);
          kernels->gemm (depth, w_group + i * depth, h, NULL, base + j, koff, ldb,
                         y_group + i * plane + offset, plane, h, n, bias, &run->ep,
                         ow + n <= s->out_w ? NULL : &wrap, NULL);
        }
    }
  activate_rows (run, y_group + m0 * plane, m1 - m0, oh0, n_rows);
}

/* Into @fetch, the share of the B panel after @panel (output channels
 * [j0, j0 + nr)) that tile @t of the @tiles over @panel fetches while it
 * computes its @steps depth steps; FALSE when there is none.  In a network the next panel comes
 * from memory, and the first tile over it would wait for it
 * (RegNet-X-800MF's 672 → 672 on 7×7 with its weights not cached: 0.515
 * → 0.461 ms with AVX-512, 0.758 → 0.673 with AVX2). */
static gboolean
next_panel_share (const CsConvPlan *plan, const float *panel, int64_t j0, int64_t tiles,
                  int64_t t, int64_t steps, CsPrefetch *fetch)
{
  const int64_t nr = plan->kernels->nr, depth = plan->layout.depth;
  const int64_t next_bytes = (int64_t) sizeof (float) * depth
                             * MAX (0, MIN (nr, plan->layout.mg - j0 - nr));

  return cs_prefetch_share (panel + nr * depth, next_bytes, steps, tiles, t, fetch);
}

/* The first @h rows of a transposed @tile (row stride nr) as the biases of
 * output channels [j0, j0 + n), or zeros: the biases lie along a
 * transposed tile's rows, not down its columns as the micro-kernel adds
 * them, so the sums accumulate onto them, and the epilogue runs while
 * the tile is in L1. */
static void
start_tile (const CsConvPlan *plan, float *tile, int h, int64_t j0, int n)
{
  for (int i = 0; i < h; i++)
    if (plan->bias != NULL)
      memcpy (tile + i * plan->kernels->nr, plan->bias + j0, sizeof (float) * n);
    else
      zero_floats (tile + i * plan->kernels->nr, n);
}

/* Puts the @h rows of a transposed @tile (row stride nr) back, its
 * pixels the task's columns [c0, c0 + h) of staged row width @wq (as
 * GEMM tiles number them), @n output channels from @y_rows: the
 * thrown-away columns ow ≥ Wo are skipped, each output row's run is
 * transposed on its own. */
static void
put_back_tile (const CsConvPlan *plan, const float *tile, int64_t c0, int h, int n,
               float *y_rows)
{
  const CsConvShape *s = &plan->shape;
  const int64_t      plane = s->out_h * s->out_w, wq = plan->layout.wq;

  for (int64_t c = c0; c < c0 + h;)
    {
      const int64_t oh = c / wq, ow = c % wq;
      const int64_t run = MIN (s->out_w - ow, c0 + h - c);

      if (run > 0)
        plan->kernels->transpose (tile + (c - c0) * plan->kernels->nr, plan->kernels->nr,
                                  y_rows + oh * s->out_w + ow, plane, n, run);
      c += ow < s->out_w ? run + (wq - s->out_w) : wq - ow;
    }
}

/* What @tiles transposed tiles of @mr rows at most sharing @pixels
 * evenly cost, in depth steps of one tile row: a tile takes at least as
 * long as one of two thirds of @mr rows would, for each depth step
 * streams a row of its B panel from L2.  One thread, AVX-512: ResNet-50's
 * 3×3 layers by stride 2 onto 14×14 and 7×7 as 18 and 5 tiles across
 * rows 2.10 → 1.87 and 2.42 → 2.20 ms, where 28 and 7 tiles of 7 rows
 * did fewer multiply-adds; its 3×3 layers on 7×7, 7 tiles of 7 rows or 6
 * of 10 across rows, 1.77 against 1.91 ms. */
static int64_t
tiles_cost (int64_t pixels, int64_t tiles, int64_t mr)
{
  return MAX (pixels, tiles * (2 * mr / 3));
}

/* Output channels [m0, m1) of image @img, output rows [oh0, oh0 +
 * n_rows), by transposed tiles over the block at @base (from_stage),
 * whose pixels lie in a run of the block at every depth step, as for
 * GEMM tiles; @sums (the layout's sums_floats) takes them before they
 * go back into place.  A deep panel goes in blocks of
 * depth, as in transposed_task, each over all the task's tiles: whole, a
 * panel read by every tile no longer stays in L2 beside the staged block
 * (ResNet-50's 512 → 512 on 7×7, panels of 288 KiB: 0.87–0.92 of the time
 * in the network on one thread and on two, AVX2 on Zen 3; its layers by
 * stride 2, panels of 72–288 KiB, 0.93–1.0).  A tile takes either pixels
 * of one output row, the row's shared evenly among its tiles, or the
 * task's columns as GEMM tiles number them, across output rows and the
 * thrown-away columns between them (put_back_tile): whichever costs less
 * (tiles_cost), or at the same cost makes fewer tiles.  ResNet-50's 3×3
 * layers by stride 2 onto 14×14 and 7×7 fill 14 of 24 and 7 of 12 tile
 * rows a row; across rows, 14 of 15 and 7 of 8.  Inception v3's 7×1 and
 * 3×1 layers, whose rows have no thrown-away columns, in 1.4 and 0.75
 * tiles a row rather than 2 and 1 (its 39 staged layers, one thread,
 * weights not cached: 41.6 → 39.9 ms). */
static void
staged_transposed_task (const ConvRun *run, int64_t img, int64_t oh0, int64_t n_rows,
                        int64_t m0, int64_t m1, const float *base, float *sums)
{
  const CsConvPlan  *plan = run->plan;
  const CsConvShape *s = &plan->shape;
  const CsKernels   *kernels = plan->kernels;
  const int64_t      plane = s->out_h * s->out_w, depth = plan->layout.depth;
  const int64_t      wq = plan->layout.wq, mr = kernels->mr, nr = kernels->nr;
  const int64_t      row_tiles = (s->out_w + mr - 1) / mr;
  const int64_t      n_cols = (n_rows - 1) * wq + s->out_w;
  const int64_t      across_tiles = (n_cols + mr - 1) / mr;
  const int64_t      across_cost = tiles_cost (n_cols, across_tiles, mr);
  const int64_t      rows_cost = n_rows * tiles_cost (s->out_w, row_tiles, mr);
  const gboolean     across_rows
    = across_cost < rows_cost || (across_cost == rows_cost && across_tiles < n_rows * row_tiles);
  const int64_t      tiles = across_rows ? across_tiles : n_rows * row_tiles;
  const int64_t      step = plan->layout.block_steps;
  const int64_t      blocks = (depth + step - 1) / step;
  float             *y = run->y + img * s->out_channels * plane;
  CsEpilogue         onto_bias = run->ep, unfinished;

  /* Each tile starts as rows of biases (start_tile) and takes the
   * activation with the last block. */
  onto_bias.accumulate = TRUE;
  unfinished = onto_bias;
  unfinished.clamp = unfinished.leaky = FALSE;
  for (int64_t j0 = m0; j0 < m1; j0 += nr)
    {
      const int    n = (int) MIN (nr, m1 - j0);
      const float *panel = run->weights + img * run->image_weights + j0 * depth;
      float       *y_rows = y + j0 * plane + oh0 * s->out_w;

      for (int64_t b = 0, p0 = 0; p0 < depth; b++, p0 += step)
        {
          const int64_t  steps = MIN (step, depth - p0);
          const gboolean first = p0 == 0, last = p0 + steps == depth;

          for (int64_t t = 0; t < tiles; t++)
            {
              const int64_t r = across_rows ? 0 : t / row_tiles, rt = t % row_tiles;
              const int64_t c0 = across_rows ? t * n_cols / tiles
                                             : r * wq + rt * s->out_w / row_tiles;
              const int     h = (int) (across_rows ? (t + 1) * n_cols / tiles - c0
                                                   : (rt + 1) * s->out_w / row_tiles
                                                     - rt * s->out_w / row_tiles);
              /* One tile's sums when the depth is one block, else each
               * tile's its own. */
              float         *tile = sums + (blocks > 1 ? t * mr * nr : 0);
              CsPrefetch     fetch;
              const gboolean fetching
                = next_panel_share (plan, panel, j0, blocks * tiles, b * tiles + t, steps, &fetch);

              /* As in transposed_task (Inception v3's staged layers, the
               * caches cold: 48.6 → 47.1 ms in all). */
              if (last)
                prefetch_for_store (y_rows + c0 / wq * s->out_w + MIN (c0 % wq, s->out_w - 1), n,
                                    plane, CS_PREFETCH_TILES * mr, 1);
              if (first)
                start_tile (plan, tile, h, j0, n);
              kernels->gemm (steps, base + c0, 0, plan->koff + p0, panel + p0 * n, NULL, n, tile,
                             nr, h, n, NULL, last ? &onto_bias : &unfinished, NULL,
                             fetching ? &fetch : NULL);
              if (last)
                put_back_tile (plan, tile, c0, h, n, y_rows);
            }
        }
    }
  activate_rows (run, y + m0 * plane, m1 - m0, oh0, n_rows);
}

/* The @n floats at @src into @dst, after @left zeros and before as many
 * as make @width. */
static void
pad_row (const float *src, int64_t n, int64_t left, int64_t width, float *dst)
{
  zero_floats (dst, left);
  memcpy (dst + left, src, sizeof (float) * n);
  zero_floats (dst + left + n, width - left - n);
}

/* Output rows [oh0, oh0 + n_rows) of a block of channels by the
 * interleaved kernels (interleaved_suits): depthwise, the interleave
 * channels whose first input and output planes are at @x and @y; grouped,
 * the group's, interleave output channels at a time.  Their weights are
 * at @prepared as interleaved_weights leaves them, or when NULL (scaled
 * copies) made here from @weights.  On blocks in @block: the input rows
 * the outputs read, zero-padded at each end (a pixel a run of input
 * channels, then the same rows as transposed; or, @l->planar, a plane a
 * channel), the depthwise kernel's output, a pixel a vector, and the
 * weights.  The kernel table's transposes move the blocks in and out, on
 * runs of whole rows; the grouped kernel stores its planes itself. */
static void
interleaved_task (const CsConvPlan *plan, const float *x, const float *weights,
                  const float *prepared, const float *bias, float *y, int64_t oh0,
                  int64_t n_rows, float *block, const CsEpilogue *ep)
{
  const CsKernels   *kernels = plan->kernels;
  const CsConvShape *s = &plan->shape;
  const Layout      *l = &plan->layout;
  const int64_t      lanes = kernels->interleave, width = l->wq;
  const int64_t      channels = l->depthwise ? lanes : l->cg;
  const int64_t      in_plane = s->in_h * s->in_w, out_plane = s->out_h * s->out_w;
  const int64_t      top = oh0 * s->stride[0] - s->pads[0];   /* the first row read */
  const int64_t      bottom = top + (n_rows - 1) * s->stride[0]
                              + (int64_t) (s->kernel[0] - 1) * s->dilation[0];
  const int64_t      first = MAX (top, 0), end = MAX (MIN (bottom + 1, s->in_h), first);
  const int64_t      staged = (end - first) * width;   /* padded pixels a channel */
  const int64_t      outputs = l->depthwise ? lanes : l->mg;
  float             *out = block + channels * staged;
  float             *made;

  if (l->planar)
    for (int64_t c = 0; c < channels; c++)
      for (int64_t r = 0; r < end - first; r++)
        pad_row (x + c * in_plane + (first + r) * s->in_w, s->in_w, s->pads[1], width,
                 block + c * staged + r * width);
  else
    /* Each row transposed into its place between the padding: through a
     * block of unpadded rows first, the copy took a fifth of MobileNet
     * v2's 3×3 layer by stride 2 onto 28×28 (AVX2, Zen 3). */
    for (int64_t r = 0; r < end - first; r++)
      {
        float *row = block + r * width * channels;

        zero_floats (row, s->pads[1] * channels);
        kernels->transpose (x + (first + r) * s->in_w, in_plane, row + s->pads[1] * channels,
                            channels, s->in_w, channels);
        zero_floats (row + (s->pads[1] + s->in_w) * channels,
                     (width - s->pads[1] - s->in_w) * channels);
      }
  made = l->depthwise ? out + n_rows * s->out_w * lanes : out;
  /* The group's blocks in one call where their weights lie ready one
   * after another, so that the kernel may take them together. */
  if (!l->depthwise && prepared != NULL)
    {
      kernels->grouped_interleaved (block, channels, l->planar ? staged : 0, first, width,
                                    &plan->window, prepared, outputs / lanes, bias,
                                    y + oh0 * s->out_w, out_plane, oh0, oh0 + n_rows, ep);
      return;
    }
  for (int64_t o0 = 0; o0 < outputs; o0 += lanes)
    {
      const float *w = prepared != NULL ? prepared + o0 * l->depth : made;
      float       *y_rows = y + o0 * out_plane + oh0 * s->out_w;

      if (prepared == NULL)
        interleaved_weights (plan, weights, o0, made);
      if (l->depthwise)
        {
          kernels->depthwise_interleaved (block, first, width, &plan->window, w, bias, out, oh0,
                                          oh0 + n_rows, ep);
          kernels->transpose (out, lanes, y_rows, out_plane, lanes, n_rows * s->out_w);
        }
      else
        kernels->grouped_interleaved (block, channels, l->planar ? staged : 0, first, width,
                                      &plan->window, w, 1, bias != NULL ? bias + o0 : NULL,
                                      y_rows, out_plane, oh0, oh0 + n_rows, ep);
    }
}

/* Every output channel of depthwise groups [g0, g1), output rows
 * [oh0, oh0 + n_rows).  An output written as bytes goes through floats
 * in @stage, laid out as the planes are; the interleaved blocks follow
 * them. */
static void
depthwise_task (const ConvRun *run, int64_t img, int64_t g0, int64_t g1, int64_t oh0,
                int64_t n_rows, float *stage)
{
  const CsConvPlan *plan = run->plan;
  const CsKernels *kernels = plan->kernels;
  const CsConvShape *s = &plan->shape;
  const Layout *l = &plan->layout;
  int64_t in_plane = s->in_h * s->in_w, out_plane = s->out_h * s->out_w;
  int taps = s->kernel[0] * s->kernel[1];
  const int64_t y_first = (img * s->out_channels + g0 * l->mg) * out_plane;
  const float *x = run->x + (img * s->in_channels + g0) * in_plane;
  float *y = run->y_bytes != NULL ? stage : run->y + y_first;
  const float *weights = run->weights + img * run->image_weights;

  /* One call per block of planes; with a depth multiplier the mg outputs
   * of a group all read its one plane. */
  if (l->mg == 1)
    {
      const int64_t lanes = kernels->interleave;
      const int64_t blocked = l->interleaved ? (g1 - g0) / lanes * lanes : 0;
      float *block = run->y_bytes != NULL
                     ? stage + round_up (l->groups_per_task * out_plane, ALIGNED_FLOATS) : stage;

      for (int64_t c = 0; c < blocked; c += lanes)
        interleaved_task (plan, x + c * in_plane, weights + (g0 + c) * taps,
                          run->image_weights == 0 ? plan->interleaved + (g0 + c) * taps : NULL,
                          plan->bias != NULL ? plan->bias + g0 + c : NULL, y + c * out_plane, oh0,
                          n_rows, block, &run->ep);
      if (blocked < g1 - g0)
        kernels->depthwise (x + blocked * in_plane, in_plane, &plan->window,
                            weights + (g0 + blocked) * taps,
                            plan->bias != NULL ? plan->bias + g0 + blocked : NULL,
                            y + blocked * out_plane, out_plane, g1 - g0 - blocked, oh0,
                            oh0 + n_rows, &run->ep);
    }
  else
    for (int64_t g = g0; g < g1; g++)
      plan->kernels->depthwise (x + (g - g0) * in_plane, 0, &plan->window,
                                weights + g * l->mg * taps,
                                plan->bias != NULL ? plan->bias + g * l->mg : NULL,
                                y + (g - g0) * l->mg * out_plane, out_plane, l->mg,
                                oh0, oh0 + n_rows, &run->ep);
  if (run->y_bytes != NULL)
    {
      /* The folded grid rounds as the activation then its grid would. */
      for (int64_t c = 0; c < g1 - g0; c++)
        kernels->grid_to_bytes (y + c * out_plane + oh0 * s->out_w,
                                run->y_bytes + y_first + c * out_plane + oh0 * s->out_w,
                                n_rows * s->out_w, run->y_grid.scale, run->y_grid.low,
                                run->y_grid.high);
      return;
    }
  activate_rows (run, y, (g1 - g0) * l->mg, oh0, n_rows);
}

/* The pixels [*begin, *end) of chunk @chunk of a transposed layout: the
 * plane's tiles shared out as evenly as they go.  Chunks of equal pixels
 * but the last left DenseNet's 14×14 layers (17 tiles, as 5, 5, 5 and
 * 2) one thread of two 10 of 17 tiles; now 4, 4, 4 and 5. */
static void
chunk_pixels (const CsConvPlan *plan, int64_t chunk, int64_t *begin, int64_t *end)
{
  const int64_t mr = plan->kernels->mr, chunks = plan->layout.chunks;
  const int64_t plane = plan->shape.out_h * plan->shape.out_w, tiles = (plane + mr - 1) / mr;

  *begin = chunk * tiles / chunks * mr;
  *end = MIN ((chunk + 1) * tiles / chunks * mr, plane);
}

/* Output channels [m0, m1) of image @img, pixels [i_begin, i_end), where
 * the layout is transposed: @sums (transposed_sums_floats) takes the sums
 * of each B panel over a pass of at most transposed_pass_pixels pixels,
 * a pixel a row, before they go back into place.  The depth goes in even
 * blocks of at most TRANSPOSED_DEPTH_BYTES of a panel, each over all the
 * pass's tiles, so that a block of the panel and of the pixels' lines
 * stays in L1 while the tiles pass over it: at every depth step a tile
 * reads a line of its own of the pixels (a plane apart) and one of the
 * panel, and from L2 that took most of what L2 gives L1.  AVX2, Zen 3,
 * warm: MobileNet v2's 576 → 96 on 14×14 0.257 → 0.248 ms, DenseNet-121's
 * 512 → 128 on 14×14 0.304 → 0.292, Inception v3's 288 → 64 on 35×35
 * 0.562 → 0.549; networks, one thread: DenseNet-121, ResNet-50 and
 * MobileNet v2 0.985 of their time, MobileNet v3 0.977. */
static void
transposed_task (const ConvRun *run, int64_t img, int64_t m0, int64_t m1, int64_t i_begin,
                 int64_t i_end, float *sums)
{
  const CsConvPlan  *plan = run->plan;
  const CsConvShape *s = &plan->shape;
  const CsKernels   *kernels = plan->kernels;
  const int64_t      plane = s->out_h * s->out_w, depth = plan->layout.depth;
  const int64_t      step = transposed_block_steps (kernels, depth);
  const int64_t      blocks = (depth + step - 1) / step;
  const int64_t      passes = (i_end - i_begin + transposed_pass_pixels (kernels) - 1)
                              / transposed_pass_pixels (kernels);
  const float       *x = run->columns;
  float             *y = run->y + img * s->out_channels * plane;
  CsEpilogue         onto_bias = run->ep, unfinished;

  if (x == NULL)
    x = run->x + img * s->in_channels * plane;
  /* The sums start as rows of biases (start_tile) and take the
   * activation with the last block. */
  onto_bias.accumulate = TRUE;
  unfinished = onto_bias;
  unfinished.clamp = unfinished.leaky = FALSE;

  for (int64_t j0 = m0; j0 < m1; j0 += kernels->nr)
    for (int64_t pass = 0; pass < passes; pass++)
      {
        const int     n = (int) MIN (kernels->nr, m1 - j0);
        const float  *panel = run->weights + img * run->image_weights + j0 * depth;
        /* The passes share out the pixels evenly, in whole tiles. */
        const int64_t c0 = i_begin + pass * (i_end - i_begin) / passes;
        const int64_t pixels = i_begin + (pass + 1) * (i_end - i_begin) / passes - c0;
        const int64_t tiles = (pixels + kernels->mr - 1) / kernels->mr;

        start_tile (plan, sums, (int) pixels, j0, n);
        for (int64_t b = 0, p0 = 0; p0 < depth; b++, p0 += step)
          {
            const int64_t  steps = MIN (step, depth - p0);
            const gboolean last = p0 + steps == depth;

            /* The pixels shared out evenly among the tiles: a tile of one
             * row (a 7×7 map's 49 = 4 × 12 + 1) waits on its sums'
             * latency at each depth step (RegNet-X-800MF's 672 → 672 on
             * 7×7: 92 → 96 % of the FMA peak with AVX-512, 0.91 times the
             * time with AVX2). */
            for (int64_t t = 0; t < tiles; t++)
              {
                const int64_t  i0 = c0 + t * pixels / tiles;
                const int      h = (int) (c0 + (t + 1) * pixels / tiles - i0);
                const int64_t  share = (pass * blocks + b) * tiles + t;
                CsPrefetch     fetch;
                const gboolean fetching = next_panel_share (plan, panel, j0, passes * blocks * tiles,
                                                            share, steps, &fetch);

                /* The start of each output row's run CS_PREFETCH_TILES
                 * tiles on, before the sums go back (ResNet-50's 256 →
                 * 1024 layers on 14×14, the caches cold: 1.085 → 1.012
                 * ms). */
                if (last)
                  prefetch_for_store (y + j0 * plane + i0, n, plane,
                                      CS_PREFETCH_TILES * kernels->mr, 1);
                kernels->gemm (steps, x + p0 * plane + i0, plane, NULL, panel + p0 * n, NULL, n,
                               sums + (i0 - c0) * kernels->nr, kernels->nr, h, n, NULL,
                               last ? &onto_bias : &unfinished, NULL, fetching ? &fetch : NULL);
              }
          }
        kernels->transpose (sums, kernels->nr, y + j0 * plane + c0, plane, n, pixels);
      }
  if (!run->act_done)
    for (int64_t m = m0; m < m1; m++)
      cs_activation_apply (run->act, y + m * plane + i_begin, i_end - i_begin);
}

/* Tasks are (image, group, row chunk, channel block), the channel block
 * varying fastest so consecutive tasks share a staged block; transposed,
 * (image, pixel chunk, channel block) or (image, channel block, pixel
 * chunk). */
static void
conv_range (void *user, int64_t begin, int64_t end, int thread)
{
  const ConvRun *run = user;
  const CsConvPlan *plan = run->plan;
  const CsConvShape *s = &plan->shape;
  const Layout *l = &plan->layout;
  float *stage = cs_scratch_floats (run->scratch[thread]);
  int64_t staged = -1;

  for (int64_t task = begin; task < end; task++)
    {
      if (l->transposed && !l->from_stage)
        {
          int64_t per_image = l->chunks * l->m_blocks, within = task % per_image;
          int64_t mb = l->pixels_fastest ? within / l->chunks : within % l->m_blocks;
          int64_t chunk = l->pixels_fastest ? within % l->chunks : within / l->m_blocks;
          int64_t m0 = mb * l->mc, i0, i1;

          chunk_pixels (plan, chunk, &i0, &i1);
          transposed_task (run, task / per_image, m0, MIN (m0 + l->mc, l->mg), i0, i1, stage);
          continue;
        }

      int64_t block = task / l->m_blocks;   /* (image, group block, chunk) */
      int64_t mb = task % l->m_blocks;
      int64_t chunk = block % l->chunks;
      int64_t g = block / l->chunks % l->g_blocks * l->groups_per_task;
      int64_t img = block / l->chunks / l->g_blocks;
      int64_t oh0 = chunk * l->rows;
      int64_t n_rows = MIN (l->rows, s->out_h - oh0);
      const float *x_group = run->x + (img * s->in_channels + g * l->cg) * s->in_h * s->in_w;
      const float *base;

      if (l->depthwise)
        {
          depthwise_task (run, img, g, MIN (g + l->groups_per_task, s->groups), oh0, n_rows,
                          stage);
          continue;
        }
      if (l->interleaved)
        {
          float *y_group = run->y + (img * s->out_channels + g * l->mg) * s->out_h * s->out_w;

          interleaved_task (plan, x_group,
                            run->weights + img * run->image_weights + g * l->mg * l->depth,
                            run->image_weights == 0 ? plan->interleaved + g * l->mg * l->depth
                                                    : NULL,
                            plan->bias != NULL ? plan->bias + g * l->mg : NULL, y_group, oh0,
                            n_rows, stage, &run->ep);
          activate_rows (run, y_group, l->mg, oh0, n_rows);
          continue;
        }
      if (l->direct)
        base = x_group + oh0 * s->in_w;
      else
        {
          if (block != staged)
            stage_input (plan, x_group, oh0, n_rows, stage);
          staged = block;
          base = stage;
        }
      if (l->from_stage)
        staged_transposed_task (run, img, oh0, n_rows, mb * l->mc,
                                MIN ((mb + 1) * l->mc, l->mg), base,
                                stage + l->stage_floats - l->sums_floats);
      else
        gemm_task (run, img, g, oh0, n_rows, mb * l->mc, MIN ((mb + 1) * l->mc, l->mg),
                   base);
    }
}

/* Input channels [begin, end) of the image at run->x into the rows of the
 * im2col matrix at run->columns that they make. */
static void
im2col_range (void *user, int64_t begin, int64_t end, int thread)
{
  const ConvRun     *run = user;
  const CsConvShape *s = &run->plan->shape;
  const int64_t      plane = s->out_h * s->out_w;
  CsConvShape        part = *s;

  part.in_channels = end - begin;
  cs_im2col_columns (&part, run->x + begin * s->in_h * s->in_w, 0, plane,
                     run->columns + begin * s->kernel[0] * s->kernel[1] * plane, plane);
}

/* The im2col matrix of the image at run->x into run->columns, the
 * threads a share of the input channels each. */
static void
build_columns (ConvRun *run, CsThreadPool *pool)
{
  const CsConvShape *s = &run->plan->shape;
  const int64_t      plane = s->out_h * s->out_w, taps = s->kernel[0] * s->kernel[1];

  cs_parallel_for (pool, s->in_channels, MAX (1, 4096 / MAX (taps * plane, 1)), im2col_range,
                   run);
}

/* A transposed layout over an im2col matrix, one image at a time: the
 * threads build the matrix in thread 0's scratch, then share out the
 * output channels. */
static void
run_on_columns (ConvRun *run, CsThreadPool *pool)
{
  const CsConvPlan  *plan = run->plan;
  const CsConvShape *s = &plan->shape;
  const Layout      *l = &plan->layout;
  const int64_t      plane = s->out_h * s->out_w;
  const float       *x = run->x, *weights = run->weights;
  float             *y = run->y;

  run->columns = cs_scratch_floats (run->scratch[0]) + transposed_sums_floats (plan->kernels, l);
  /* The tasks see each image as image 0. */
  for (int64_t img = 0; img < s->batch; img++)
    {
      run->x = x + img * s->in_channels * s->in_h * s->in_w;
      run->y = y + img * s->out_channels * plane;
      run->weights = weights + img * run->image_weights;
      build_columns (run, pool);
      cs_parallel_for (pool, l->chunks * l->m_blocks,
                       MAX (1, MIN_PARALLEL_MACS / MAX (l->mc * l->pixels * l->depth, 1)),
                       conv_range, run);
    }
}

typedef struct
{
  const CsKernels *kernels;
  const float     *sums;
  float           *y;
  int64_t          plane, channels;
} SumsBack;

/* Output channels [begin, end) of SumsBack's plane × channels sums into
 * their planes. */
static void
sums_back_range (void *user, int64_t begin, int64_t end, int thread)
{
  const SumsBack *back = user;

  (void) thread;
  back->kernels->transpose (back->sums + begin, back->channels, back->y + begin * back->plane,
                            back->plane, end - begin, back->plane);
}

/* A through_gemm layout: one product by the GEMM driver
 * (pixels_product), its sums into thread 0's scratch after the driver's,
 * then transposed into the output planes. */
static void
run_pixels_product (ConvRun *run, CsThreadPool *pool, void **scratch)
{
  const CsConvPlan  *plan = run->plan;
  const CsConvShape *s = &plan->shape;
  const int64_t      plane = s->out_h * s->out_w;
  const float       *x = run->x;
  float             *sums = cs_scratch_floats (scratch[0]) + product_floats (plan->kernels, s);

  /* The im2col matrix, where there is one, after the sums. */
  run->columns = sums + plane * s->out_channels;
  for (int64_t img = 0; img < s->batch; img++)
    {
      SumsBack back = { plan->kernels, sums, run->y + img * s->out_channels * plane, plane,
                        s->out_channels };
      CsGemm   product;

      run->x = x + img * s->in_channels * s->in_h * s->in_w;
      if (plan->layout.im2col)
        build_columns (run, pool);
      product = pixels_product (plan->kernels, s, plan->layout.im2col ? run->columns : run->x,
                                run->weights + img * run->image_weights, sums, plan->bias);
      product.act = run->act;
      cs_gemm_run (&product, pool, scratch);
      cs_parallel_for (pool, s->out_channels, 64, sums_back_range, &back);
    }
}

/* A dense plan by the GEMM driver: the images at once on the plan's
 * weights, or one by one on their scaled copies. */
static void
run_dense (const ConvRun *run, CsThreadPool *pool, void **scratch)
{
  const CsConvShape *s = &run->plan->shape;
  const int64_t      depth = run->plan->layout.depth;
  const int64_t      calls = run->image_weights > 0 ? s->batch : 1;

  for (int64_t img = 0; img < calls; img++)
    {
      /* x's images are the rows of A. */
      CsGemm gemm = { run->plan->kernels, s->batch / calls, s->out_channels, depth,
                      { run->x + img * depth, depth, 1, FALSE },
                      { run->weights + img * run->image_weights, 0, 0, TRUE },
                      run->y + img * s->out_channels, s->out_channels, 1.0f, FALSE,
                      run->act, run->plan->bias };

      cs_gemm_run (&gemm, pool, scratch);
    }
}

/* Runs @run's plan on @run's x, y, act and weights. */
static void
run_plan (ConvRun *run, CsThreadPool *pool, void **scratch)
{
  const CsConvPlan *plan = run->plan;
  const Layout *l = &plan->layout;
  int64_t task_macs = l->groups_per_task * l->mc
                      * (l->transposed && !l->from_stage ? l->pixels
                                                         : l->rows * plan->shape.out_w)
                      * plan->shape.kernel[0] * plan->shape.kernel[1] * l->cg
                      * (l->depthwise ? DEPTHWISE_MAC_COST : 1);

  if (l->dense)
    {
      run_dense (run, pool, scratch);
      return;
    }
  if (l->through_gemm)
    {
      run_pixels_product (run, pool, scratch);
      return;
    }
  run->act_done = cs_epilogue_init (&run->ep, run->act, 1.0f, FALSE);
  run->scratch = scratch;
  if (l->im2col && l->transposed && !l->from_stage)
    {
      run_on_columns (run, pool);
      return;
    }
  cs_parallel_for (pool, count_tasks (&plan->shape, l), MAX (1, MIN_PARALLEL_MACS / MAX (task_macs, 1)),
                   conv_range, run);
}

/* Planes [begin, end) of a TurnJob's, rows for columns. */
typedef struct
{
  const CsKernels *kernels;
  const float     *from;
  float           *to;
  int64_t          h, w;  /* of the planes at @from */
} TurnJob;

static void
turn_range (void *user, int64_t begin, int64_t end, int thread)
{
  const TurnJob *job = user;
  const int64_t  plane = job->h * job->w;

  (void) thread;
  for (int64_t i = begin; i < end; i++)
    job->kernels->transpose (job->from + i * plane, job->w, job->to + i * plane, job->h, job->w,
                             job->h);
}

static void
turn_planes (const CsKernels *kernels, const float *from, int64_t planes, int64_t h, int64_t w,
             float *to, CsThreadPool *pool)
{
  cs_parallel_for (pool, planes, MAX (1, MIN_PARALLEL_FLOATS / MAX (h * w, 1)), turn_range,
                   &(TurnJob) { kernels, from, to, h, w });
}

/* @plan->turned's run on the planes of x turned, its output turned back
 * into y; @scale as cs_conv_plan_run_scaled's, or NULL.  The turned
 * planes lie in thread 0's scratch after what that plan takes of it. */
static void
run_turned (const CsConvPlan *plan, const float *x, const float *scale, float *y,
            const CsActivation *act, CsThreadPool *pool, void **scratch)
{
  const CsConvShape *s = &plan->shape, *t = &plan->turned->shape;
  const int64_t      taken = cs_conv_scaled_scratch_bytes (plan->kernels, t) / sizeof (float);
  float *x_turned = cs_scratch_floats (scratch[0]) + round_up (taken, ALIGNED_FLOATS);
  float *y_turned = x_turned + round_up (s->batch * s->in_channels * s->in_h * s->in_w,
                                         ALIGNED_FLOATS);

  turn_planes (plan->kernels, x, s->batch * s->in_channels, s->in_h, s->in_w, x_turned, pool);
  if (scale != NULL)
    cs_conv_plan_run_scaled (plan->turned, x_turned, scale, y_turned, act, pool, scratch);
  else
    cs_conv_plan_run (plan->turned, x_turned, y_turned, act, pool, scratch);
  turn_planes (plan->kernels, y_turned, s->batch * s->out_channels, t->out_h, t->out_w, y, pool);
}

void
cs_conv_plan_run (const CsConvPlan        *plan,
                  const float             *x,
                  float                   *y,
                  const CsActivation *act,
                  CsThreadPool            *pool,
                  void                   **scratch)
{
  ConvRun run = { plan, x, y, act, plan->weights, 0 };

  if (plan->live != NULL)
    {
      cs_conv_plan_run (plan->live, x, y, act, pool, scratch);
      return;
    }
  if (plan->winograd != NULL)
    {
      cs_winograd_plan_run (plan->winograd, x, y, act, pool, scratch);
      return;
    }
  if (plan->turned != NULL)
    {
      run_turned (plan, x, NULL, y, act, pool, scratch);
      return;
    }
  run_plan (&run, pool, scratch);
}

gboolean
cs_conv_plan_writes_bytes (const CsConvPlan *plan)
{
  return plan->live == NULL && plan->winograd == NULL && plan->layout.depthwise
         && !plan->layout.dense && plan->layout.mg == 1;
}

size_t
cs_conv_bytes_scratch_bytes (const CsKernels *kernels, const CsConvShape *shape)
{
  Layout l;

  if (!plan_layout (kernels, shape, &l) || !l.depthwise)
    return 0;
  return (size_t) (round_up (l.groups_per_task * shape->out_h * shape->out_w, ALIGNED_FLOATS)
                   + l.stage_floats) * sizeof (float)
         + CS_SCRATCH_SLACK;
}

void
cs_conv_plan_run_to_bytes (const CsConvPlan   *plan,
                           const float        *x,
                           uint8_t            *y,
                           const CsActivation *act,
                           CsThreadPool       *pool,
                           void              **scratch)
{
  ConvRun run = { plan, x, NULL, act, plan->weights, 0 };

  g_return_if_fail (cs_conv_plan_writes_bytes (plan));
  if (!cs_activation_folded_grid (act, &run.y_grid) || !cs_grid_fits_bytes (&run.y_grid))
    g_return_if_reached ();
  run.y_bytes = y;
  run_plan (&run, pool, scratch);
}

CsConvLayout
cs_conv_layout (const CsKernels *kernels, const CsConvShape *shape)
{
  CsConvShape live, turned;
  int         first[2];
  Layout      l;

  /* As cs_conv_plan_new_taking chooses what runs. */
  if (live_shape (shape, &live, first))
    return cs_conv_layout (kernels, &live);
  if (cs_winograd_suits (shape))
    return CS_CONV_LAYOUT_WINOGRAD;
  plan_layout (kernels, shape, &l);
  if (turned_shape (shape, &l, &turned))
    return CS_CONV_LAYOUT_TURNED;
  return l.dense        ? CS_CONV_LAYOUT_DENSE
         : l.planar     ? CS_CONV_LAYOUT_PLANAR
         : l.interleaved ? CS_CONV_LAYOUT_INTERLEAVED
         : l.depthwise  ? CS_CONV_LAYOUT_DEPTHWISE
         : l.from_stage ? CS_CONV_LAYOUT_TRANSPOSED_STAGED
         : l.through_gemm ? CS_CONV_LAYOUT_PRODUCT
         : l.transposed ? CS_CONV_LAYOUT_TRANSPOSED
                        : CS_CONV_LAYOUT_GEMM;
}

gboolean
cs_conv_scales_input (const CsConvShape *shape)
{
  CsConvShape live;
  int         first[2];

  /* As cs_conv_plan_new_taking chooses what runs. */
  if (live_shape (shape, &live, first))
    return cs_conv_scales_input (&live);
  return !cs_winograd_suits (shape);
}

size_t
cs_conv_scaled_scratch_bytes (const CsKernels *kernels, const CsConvShape *shape)
{
  const int64_t weights = shape->out_channels * (shape->in_channels / shape->groups)
                          * shape->kernel[0] * shape->kernel[1];

  return cs_conv_scratch_bytes (kernels, shape)
         + (size_t) (shape->batch * weights + ALIGNED_FLOATS) * sizeof (float);
}

/* The plan's weights, scaled per image by the input channels they
 * multiply, into @weights (batch · out_channels · depth floats). */
typedef struct
{
  const CsConvPlan *plan;
  const float      *scale;
  float            *weights;
} Scaling;

/* Rows per panel of the plan's packed weights: cs_pack_a's mr, cs_pack_b's
 * nr when transposed or dense, one output channel when depthwise.  In
 * each panel, depth step p holds its rows side by side. */
static int64_t
panel_height (const CsConvPlan *plan)
{
  const Layout *l = &plan->layout;

  return l->depthwise                  ? 1
         : l->transposed || l->dense ? plan->kernels->nr
                                     : plan->kernels->mr;
}

/* Panels of panel_height rows per group. */
static int64_t
count_panels (const CsConvPlan *plan)
{
  return (plan->layout.mg + panel_height (plan) - 1) / panel_height (plan);
}

/* Panels [begin, end) of every image and group, in that order. */
static void
scale_range (void *user, int64_t begin, int64_t end, int thread)
{
  const Scaling     *job = user;
  const CsConvPlan  *plan = job->plan;
  const CsConvShape *s = &plan->shape;
  const Layout      *l = &plan->layout;
  const int64_t      height = panel_height (plan), panels = count_panels (plan);
  const int64_t      taps = (int64_t) s->kernel[0] * s->kernel[1];

  for (int64_t task = begin; task < end; task++)
    {
      const int64_t img = task / panels / s->groups, g = task / panels % s->groups;
      const int64_t r0 = task % panels * height, rows = MIN (height, l->mg - r0);
      const int64_t offset = (g * l->mg + r0) * l->depth;
      const float  *from = plan->weights + offset;
      const float  *scale = job->scale + img * s->in_channels + g * l->cg;
      float        *to = job->weights + img * s->out_channels * l->depth + offset;

      for (int64_t p = 0; p < l->depth; p++)
        for (int64_t r = 0; r < rows; r++)
          to[p * rows + r] = from[p * rows + r] * scale[p / taps];
    }
}

void
cs_conv_plan_run_scaled (const CsConvPlan   *plan,
                         const float        *x,
                         const float        *scale,
                         float              *y,
                         const CsActivation *act,
                         CsThreadPool       *pool,
                         void              **scratch)
{
  const CsConvShape *s = &plan->shape;
  const Layout      *l = &plan->layout;
  float             *weights;
  ConvRun            run = { plan, x, y, act };

  if (plan->live != NULL)
    {
      cs_conv_plan_run_scaled (plan->live, x, scale, y, act, pool, scratch);
      return;
    }
  if (plan->turned != NULL)
    {
      run_turned (plan, x, scale, y, act, pool, scratch);
      return;
    }
  g_return_if_fail (plan->winograd == NULL);
  /* After what thread 0's tasks use of the same buffer. */
  weights = cs_scratch_floats (scratch[0]) + round_up (l->stage_floats, ALIGNED_FLOATS);
  cs_parallel_for (pool, s->batch * s->groups * count_panels (plan),
                   MAX (1, MIN_PARALLEL_MACS / MAX (panel_height (plan) * l->depth, 1)),
                   scale_range, &(Scaling) { plan, scale, weights });
  run.weights = weights;
  run.image_weights = s->out_channels * l->depth;
  run_plan (&run, pool, scratch);
}

/* ---- Backward ---- */

typedef struct
{
  const CsConvPlan *plan;
  const float      *w;     /* out_channels × depth, unpacked */
  const float      *dy;    /* one image */
  const float      *col;   /* depth × out_h·out_w of one group (GEMM) */
  float            *dx;    /* one image */
  int64_t           group; /* the group of col (GEMM) */
} ConvBackward;

/* The weights as given (out_channels × depth), out of the A panels
 * cs_pack_a_in_place made.  The caller frees them. */
static float *
unpacked_weights (const CsConvPlan *plan)
{
  const Layout *l = &plan->layout;
  float *w = g_new (float, plan->shape.out_channels * l->depth);

  if (l->depthwise)
    {
      memcpy (w, plan->weights, sizeof (float) * plan->shape.out_channels * l->depth);
      return w;
    }
  if (l->transposed || l->dense)
    {
      cs_unpack_b (plan->kernels, w, plan->weights, l->depth, l->mg, 1, l->depth);
      return w;
    }
  for (int g = 0; g < plan->shape.groups; g++)
    cs_unpack_a (plan->kernels, w + g * l->mg * l->depth, plan->weights + g * l->mg * l->depth,
                 l->mg, l->depth, l->depth, 1);
  return w;
}

/* Input channels [begin, end) of the group: each adds the columns of its
 * taps back onto the pixels they were read from. */
static void
col_to_image_range (void *user, int64_t begin, int64_t end, int thread)
{
  const ConvBackward *job = user;
  const CsConvShape *s = &job->plan->shape;
  const CsCol2ImShape shape = {
    s->out_h, s->out_w, s->in_h, s->in_w,
    { s->kernel[0], s->kernel[1] }, { s->stride[0], s->stride[1] },
    { s->dilation[0], s->dilation[1] }, s->pads[0], s->pads[1]
  };
  const int64_t taps = (int64_t) s->kernel[0] * s->kernel[1];

  cs_col2im_add (&shape, job->col + begin * taps * s->out_h * s->out_w, 0, s->out_h,
                 end - begin,
                 job->dx + (job->group * job->plan->layout.cg + begin) * s->in_h * s->in_w);
}

/* Depthwise groups [begin, end), straight from the definition: little
 * work per pixel, as in the forward pass. */
static void
depthwise_backward_range (void *user, int64_t begin, int64_t end, int thread)
{
  const ConvBackward *job = user;
  const CsConvShape *s = &job->plan->shape;
  const int64_t mg = job->plan->layout.mg, taps = (int64_t) s->kernel[0] * s->kernel[1];

  for (int64_t g = begin; g < end; g++)
    for (int64_t m = g * mg; m < (g + 1) * mg; m++)
      {
        const float *dy = job->dy + m * s->out_h * s->out_w;
        float *plane = job->dx + g * s->in_h * s->in_w;

        for (int64_t t = 0; t < taps; t++)
          {
            const float w = job->w[m * taps + t];
            const int64_t dr = t / s->kernel[1] * s->dilation[0] - s->pads[0];
            const int64_t dc = t % s->kernel[1] * s->dilation[1] - s->pads[1];

            for (int64_t oh = 0; oh < s->out_h; oh++)
              {
                const int64_t ih = oh * s->stride[0] + dr;

                if (ih < 0 || ih >= s->in_h)
                  continue;
                for (int64_t ow = 0; ow < s->out_w; ow++)
                  {
                    const int64_t iw = ow * s->stride[1] + dc;

                    if (iw >= 0 && iw < s->in_w)
                      plane[ih * s->in_w + iw] += w * dy[oh * s->out_w + ow];
                  }
              }
          }
      }
}

void
cs_conv_plan_backward (const CsConvPlan *plan,
                       const float      *dy,
                       float            *dx,
                       CsThreadPool     *pool)
{
  const CsConvShape *s = &plan->shape;
  const Layout *l = &plan->layout;
  const int64_t out_plane = s->out_h * s->out_w;
  float *w = unpacked_weights (plan);
  float *col = l->depthwise ? NULL : g_new (float, l->depth * out_plane);

  for (int64_t img = 0; img < s->batch; img++)
    {
      ConvBackward job = { plan, w, dy + img * s->out_channels * out_plane, col,
                           dx + img * s->in_channels * s->in_h * s->in_w, 0 };

      if (l->depthwise)
        {
          cs_parallel_for (pool, s->groups, 1, depthwise_backward_range, &job);
          continue;
        }
      for (job.group = 0; job.group < s->groups; job.group++)
        {
          /* col = W_gᵀ · dy_g: depth × out_plane. */
          CsGemm gemm = {
            plan->kernels, l->depth, out_plane, l->mg,
            { w + job.group * l->mg * l->depth, 1, l->depth, FALSE },
            { job.dy + job.group * l->mg * out_plane, out_plane, 1, FALSE },
            col, out_plane, 1.0f, FALSE, NULL
          };

          cs_gemm_run_own_scratch (&gemm, pool);
          cs_parallel_for (pool, l->cg, 1, col_to_image_range, &job);
        }
    }
  g_free (col);
  g_free (w);
}
