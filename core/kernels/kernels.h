/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kernels.h — the innermost compute loops of convolution and matrix
 * products, in float and in 8-bit integers, and the table that selects
 * one implementation of them per CPU (a portable C one, AVX2/FMA,
 * AVX-512, AVX-512 with VNNI).  The table is the only global
 * state in the engine; everything else receives the table it should use,
 * so tests and benchmarks can run two implementations side by side.
 *
 * The logistic function, GELU and HardSwish are here too: SiLU networks
 * spend more time in the first than in their depthwise convolutions,
 * ConvNeXt in the second, MobileNet v3 8 % of its run in the third.
 * So is the rounding to a quantized grid that quantized models run after
 * every layer: a third of MobileNet v2's 8-bit run while it was a scalar
 * loop.  And pooling and transposes, whose loops ran four floats wide,
 * or one, as baseline code in the ops.
 *
 * These files depend on nothing but GLib's types: the ISA-specific ones
 * are compiled with their own instruction-set flags, and nothing compiled
 * with those flags may be called before the CPU has been checked.
 */
#ifndef CS_KERNELS_H
#define CS_KERNELS_H

#include <glib.h>
#include <math.h>
#include <stdint.h>

G_BEGIN_DECLS

/* What happens to a tile of sums before it is stored:
 *   v = alpha · Σ (+ C's current value when accumulate, else + bias)
 *   v = v < 0 ? slope · v : v          when leaky
 *   v = min (max (v, lo), hi)          when clamp
 * That covers ReLU, Clip/ReLU6 and LeakyReLU; the drivers apply the other
 * activations to the stored output (gemm.h: cs_epilogue_init). */
typedef struct
{
  float    alpha;
  gboolean accumulate;
  gboolean leaky;
  float    slope;
  gboolean clamp;
  float    lo, hi;
} CsEpilogue;

/* Where a tile's columns land when they run across the rows of an output
 * plane, as a convolution's "wide" columns do (convolution.c): tile
 * column j is column (first + j) mod period of the r-th row after the
 * tile's own, r = (first + j) / period; it is stored at c + j − r·(period
 * − width) when that column is < width, and dropped otherwise. */
typedef struct
{
  int64_t first;
  int64_t period;
  int64_t width;
} CsColumnWrap;

/* Memory its caller reads after a tile, which the tile asks to be
 * brought into L2 as it goes: at depth step p, the line at next + p·step
 * (bytes).  Weights that come from memory arrive at one core's share of
 * the memory's pace, slower than the first tile over them consumes
 * them; fetched during the tiles before, which read theirs from cache,
 * they are there in time. */
typedef struct
{
  const void *next;
  int64_t     step;
} CsPrefetch;

/* Into @fetch, share @t of @tiles equal shares of the @bytes at @next,
 * which tile @t of @depth steps fetches; FALSE when a share is less than
 * a byte a step.  Every line fetched lies in the @bytes: t·share plus
 * depth steps of share / depth bytes stays below them. */
static inline gboolean
cs_prefetch_share (const void *next, int64_t bytes, int64_t depth, int64_t tiles, int64_t t,
                   CsPrefetch *fetch)
{
  const int64_t share = bytes / MAX (tiles, 1);

  fetch->step = share / MAX (depth, 1);
  fetch->next = fetch->step > 0 ? (const char *) next + t * share : NULL;
  return fetch->step > 0;
}

/* Tiles ahead whose output lines a tile fetches before they are stored
 * (in the micro-kernel's row of tiles, and in convolution.c's loops of
 * tiles): a 1×1 layer of depth 16 writes 4.8 MB of EfficientNet-B0's
 * 112×112 maps, and without it each tile's stores wait on memory (0.64 →
 * 0.52 ms with the caches cold; one tile ahead 0.55, four 0.55). */
#define CS_PREFETCH_TILES 2

/* @prefetch's stream for the tile @columns along a row of tiles: it
 * starts that many floats on. */
static inline CsPrefetch
cs_prefetch_along (const CsPrefetch *prefetch, int64_t columns)
{
  return (CsPrefetch) { (const char *) prefetch->next + columns * (int64_t) sizeof (float),
                        prefetch->step };
}

/* Fetches for writing the line at column @column of each of the @rows
 * rows of C (row stride @ldc): the lines that the tile CS_PREFETCH_TILES
 * on stores.  The address is worked out as an integer: past the end of
 * C, where a prefetch may reach, C forbids pointing. */
static inline void
cs_prefetch_c_lines (const float *c, int64_t rows, int64_t ldc, int64_t column)
{
  for (int64_t i = 0; i < rows; i++)
    __builtin_prefetch ((const void *) ((uintptr_t) c
                                        + (uintptr_t) (i * ldc + column) * sizeof (float)),
                        1, 3);
}

/* The GEMM micro-kernel: an m × n tile of C (m ≤ mr, n ≤ nr, row stride
 * ldc) from
 *   A: a[(a_koff != NULL ? a_koff[p] : p·a_stride) + i] for row i < m,
 *      depth p < depth (a packed panel, or pixels of a staged block);
 *   B: row p is b + (koff != NULL ? koff[p] : p·ldb), of which the first
 *      n floats are read (an im2col row read in place, a packed panel, a
 *      row-major matrix, or a 1×1 layer's input channels read in place);
 * bias (m floats, may be NULL) is used unless ep->accumulate; with @wrap
 * (may be NULL) the columns of each row of C wrap as it says; with
 * @prefetch (may be NULL) the tile fetches what it says.  At most one of
 * a_koff and koff is set, and with a_koff, @wrap is not.  With neither
 * a_koff nor @wrap, n may exceed nr: the kernel then runs the row of tiles
 * along B's rows and C's, nr columns at a time, each fetching the lines
 * of C that the tile CS_PREFETCH_TILES on stores, and @prefetch's stream
 * for tile t starting t·nr floats on; one call for the row rather than
 * one a tile spares each tile the calls and their set-up, which cost a
 * 1×1 layer of small depth a fifth of its time.
 * Each kernel's parameter list is a macro, so the implementations of
 * every instruction set spell it once, here. */
#define CS_GEMM_MICRO_PARAMS \
  int64_t depth, const float *a, int64_t a_stride, const int64_t *a_koff, \
  const float *b, const int64_t *koff, int64_t ldb, float *c, int64_t ldc, int m, int n, \
  const float *bias, const CsEpilogue *ep, const CsColumnWrap *wrap, \
  const CsPrefetch *prefetch
typedef void (*CsGemmMicro) (CS_GEMM_MICRO_PARAMS);

/* Where a depthwise kernel's window falls on one input plane. */
typedef struct
{
  int64_t in_h, in_w;
  int64_t out_w;
  int     kernel[2];    /* H, W */
  int     stride[2];
  int     dilation[2];
  int     pad_top, pad_left;
} CsDepthwiseGeometry;

/* Depthwise convolution of @channels channels, output rows [oh0, oh1):
 * channel c reads the plane at x + c·x_stride (0: all read one plane, as
 * with a depth multiplier) with its weights w + c·kH·kW and writes
 *   y[c·y_stride + oh·out_w + ow] = bias[c] + Σ w[kh·kW + kw] · x[ih·in_w + iw],
 *   ih = oh·sh − pad_top + kh·dh, iw = ow·sw − pad_left + kw·dw,
 * taps outside the plane counting as zero, followed by @ep (whose alpha
 * and accumulate are ignored); @bias may be NULL.  Reads only inside the
 * planes. */
#define CS_DEPTHWISE_PARAMS \
  const float *x, int64_t x_stride, const CsDepthwiseGeometry *g, const float *w, \
  const float *bias, float *y, int64_t y_stride, int64_t channels, int64_t oh0, \
  int64_t oh1, const CsEpilogue *ep
typedef void (*CsDepthwise) (CS_DEPTHWISE_PARAMS);

/* The same convolution over one block of channels laid out pixel by
 * pixel, channels innermost: as many channels as the table's
 * `interleave`, a vector, on an output of any width (its rows taken
 * CS_INTERLEAVED_PIXELS pixels at a time).  The input rows the outputs
 * read inside the plane, from @first_row on, lie @width pixels apart
 * with their columns zero-padded: input pixel (ih, iw) is at
 * x + ((ih − first_row)·width + pad_left + iw)·interleave, and the row
 * holds every column the taps reach.  Output pixel (oh, ow), oh0 ≤ oh <
 * oh1, is written at y + ((oh − oh0)·out_w + ow)·interleave: each lane
 * c is
 *   bias[c] + Σ w[(kh·kW + kw)·interleave + c] · x(ih, iw)[c]
 * with ih and iw as for CsDepthwise, rows outside the plane skipped,
 * followed by @ep (whose alpha and accumulate are ignored); summed in
 * CsDepthwise's order, to the same bits for finite weights.  @bias may
 * be NULL. */
#define CS_DEPTHWISE_INTERLEAVED_PARAMS \
  const float *x, int64_t first_row, int64_t width, const CsDepthwiseGeometry *g, \
  const float *w, const float *bias, float *y, int64_t oh0, int64_t oh1, const CsEpilogue *ep
typedef void (*CsDepthwiseInterleaved) (CS_DEPTHWISE_INTERLEAVED_PARAMS);
/* Output pixels of a row the interleaved kernels sum together, each its
 * own chain of FMAs. */
#define CS_INTERLEAVED_PIXELS 8

/* A grouped convolution's group, @channels input channels, for @blocks
 * blocks of `interleave` of its output channels (block b's weights at w
 * + b·@channels·kH·kW·interleave, o below counting within its block,
 * its bias and planes after the blocks before), written as planes @y_plane
 * floats apart: output channel o's pixel (oh, ow), oh0 ≤ oh < oh1, at y
 * + o·y_plane + (oh − oh0)·out_w + ow.  Its input rows are padded as for
 * CsDepthwiseInterleaved, either pixel by pixel, @channels floats a
 * pixel (@plane 0), or as planes, a channel's rows @plane floats after
 * the previous channel's: input pixel (ih, iw) of channel c is then at
 * x + c·plane + (ih − first_row)·width + pad_left + iw.  Each output is
 *   bias[o] + Σ w[((c·kH + kh)·kW + kw)·interleave + o] · x(ih, iw)[c]
 * over the input channels c and the taps inside the plane, summed from
 * zero in that order (the GEMM's over its depth), then @ep.  Any output
 * width. */
#define CS_GROUPED_INTERLEAVED_PARAMS \
  const float *x, int64_t channels, int64_t plane, int64_t first_row, int64_t width, \
  const CsDepthwiseGeometry *g, const float *w, int64_t blocks, const float *bias, float *y, \
  int64_t y_plane, int64_t oh0, int64_t oh1, const CsEpilogue *ep
typedef void (*CsGroupedInterleaved) (CS_GROUPED_INTERLEAVED_PARAMS);

/* The output columns [*lo, *hi) whose tap @kw falls inside the plane. */
static inline void
cs_depthwise_columns (const CsDepthwiseGeometry *g, int kw, int64_t *lo, int64_t *hi)
{
  int64_t offset = (int64_t) kw * g->dilation[1] - g->pad_left;  /* iw = ow·sw + offset */
  int64_t sw = g->stride[1];

  *lo = offset >= 0 ? 0 : (-offset + sw - 1) / sw;
  *hi = g->in_w - 1 - offset < 0 ? 0 : (g->in_w - 1 - offset) / sw + 1;
  *lo = MIN (*lo, g->out_w);
  *hi = CLAMP (*hi, *lo, g->out_w);
}

/* A matrix product of a few rows with B packed in panels (gemm.h:
 * cs_pack_b with the table's nr), as a dense layer on a few images reads
 * its weights:
 *   y[i·ldy + j] = Σ_p a[i·lda + p] · B(p, j)  for i < m ≤ CS_GEMV_ROWS, j < n,
 * plus y's current value when ep->accumulate, then @ep.  @b is the panel
 * of column 0; every panel is nr columns wide but the last, which ends
 * at column n. */
#define CS_GEMV_PARAMS \
  int64_t depth, const float *a, int64_t lda, int m, const float *b, int n, float *y, \
  int64_t ldy, const CsEpilogue *ep
typedef void (*CsGemv) (CS_GEMV_PARAMS);
#define CS_GEMV_ROWS 4

/* The logistic function of @n floats, y[i] = σ(x[i]) = 1/(1 + e^−x[i]), or
 * with @times_input y[i] = x[i]·σ(x[i]) (SiLU, which PyTorch exports as
 * Sigmoid → Mul); @x and @y may be the same array. */
#define CS_SIGMOID_PARAMS const float *x, float *y, int64_t n, gboolean times_input
typedef void (*CsSigmoid) (CS_SIGMOID_PARAMS);

/* Below this x, x·σ(x) and σ(x) are 0 in floats (|x|·e^x < 2⁻¹⁴⁹). */
#define CS_SIGMOID_FLOOR (-126.0f)

/* One value of the portable kernel, in double precision: in floats the
 * roundings of e^−|x|, of 1/(1 + e) and of the products add up to over
 * 2 ulp, and e^x is subnormal below −87.  exp of −|x| cannot overflow, as
 * e^−x would for large negative x; the x·σ(x) of −∞ is its limit 0, not
 * −∞·0. */
static inline float
cs_sigmoid_scalar (float x, gboolean times_input)
{
  const double e = exp (-fabs ((double) x));
  const double r = 1.0 / (1.0 + e);
  const double sigma = x >= 0.0f ? r : e * r;

  if (!times_input)
    return (float) sigma;
  return x < CS_SIGMOID_FLOOR ? -0.0f : (float) (x * sigma);
}

/* GELU of @n floats, y[i] = x[i]·Φ(x[i]) = ½x[i]·(1 + erf(x[i]/√2)), Φ being
 * the standard normal distribution; @x and @y may be the same array. */
#define CS_GELU_PARAMS const float *x, float *y, int64_t n
typedef void (*CsGelu) (CS_GELU_PARAMS);

/* Beyond ±this x, erf(x/√2) is ±1 in floats (erfc(x/√2) < 2⁻²⁵). */
#define CS_GELU_BOUND 5.5426f

/* One value of the portable kernel, in double precision, by erfc so that
 * x·Φ(x) keeps its precision below 0, where 1 + erf(x/√2) cancels.
 * Below −40, where erfc underflows in double and −∞·0 would be NaN, it is
 * −0, which x·Φ(x) rounds to from −14.4 on. */
static inline float
cs_gelu_scalar (float x)
{
  if (x < -40.0f)
    return -0.0f;
  return (float) (0.5 * x * erfc (-(double) x * 0.70710678118654752440));
}

/* HardSwish of @n floats, y[i] = x[i]·min(max(x[i]/6 + ½, 0), 1) (x/6 + ½
 * rounded as a product and a sum, in every table); @x and @y may be the
 * same array. */
#define CS_HARD_SWISH_PARAMS const float *x, float *y, int64_t n
typedef void (*CsHardSwish) (CS_HARD_SWISH_PARAMS);

/* y[i] = α·x[i] + b[i], or + b[0] for every i unless @b_moves, for @n
 * floats, rounded once, then the ReLU, Clip or LeakyReLU of @ep, whose
 * alpha is α (and which adds nothing else): an Add of operands of one
 * shape with α = 1, a channel of BatchNormalization.  @y may be @x or @b. */
#define CS_SCALE_ADD_PARAMS \
  const float *x, const float *b, gboolean b_moves, float *y, int64_t n, const CsEpilogue *ep
typedef void (*CsScaleAdd) (CS_SCALE_ADD_PARAMS);

/* HardSigmoid, min(max(αx + β, 0), 1), of one value.  Comparisons
 * rather than fminf and fmaxf, which compilers call instead of
 * vectorizing; a NaN comes out as 0. */
static inline float
cs_hard_sigmoid_scalar (float x, float alpha, float beta)
{
  const float v = alpha * x + beta;
  const float clipped = v > 0.0f ? v : 0.0f;

  return clipped < 1.0f ? clipped : 1.0f;
}

/* One value of HardSwish; for a NaN x the gate is 0, and x·0 is NaN
 * again. */
static inline float
cs_hard_swish_scalar (float x)
{
  return x * cs_hard_sigmoid_scalar (x, 1.0f / 6.0f, 0.5f);
}

/* The transpose of a block of floats: dst[r·dst_stride + c] =
 * src[c·src_stride + r] for r < @rows, c < @cols.  ConvNeXt turns every
 * block's maps to channels-last and back (1.2 MB at a time), which a
 * copy element by element made a twentieth of its run. */
#define CS_TRANSPOSE_PARAMS \
  const float *src, int64_t src_stride, float *dst, int64_t dst_stride, int64_t rows, \
  int64_t cols
typedef void (*CsTranspose) (CS_TRANSPOSE_PARAMS);

/* Σ (x[i] − center) over @n floats, or Σ (x[i] − center)² when
 * @squared, in double: eight partial sums side by side, as one alone
 * waits on each addition before the next (a LayerNormalization over 96
 * channels spent 400 cycles a sum that way). */
static inline double
cs_sum_double (const float *x, int64_t n, double center, gboolean squared)
{
  double  part[8] = { 0.0 }, sum = 0.0;
  int64_t i = 0;

  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++)
      {
        const double d = x[i + k] - center;

        part[k] += squared ? d * d : d;
      }
  for (; i < n; i++)
    {
      const double d = x[i] - center;

      part[0] += squared ? d * d : d;
    }
  for (int k = 0; k < 8; k++)
    sum += part[k];
  return sum;
}

/* A pooling window over planes of in_h × in_w floats.  Output (oy, ox)
 * folds the taps iy = oy·stride[0] − pads[0] + ky·dilation[0], ky <
 * kernel[0], and ix likewise, that fall inside the plane: into their
 * maximum (−∞ for none), or unless is_max into their mean: their sum
 * over their count, or with count_include_pad over the count of taps
 * inside the padded extent (0 for none), as the sum times the count's
 * inverse, whichever way the kernel goes. */
typedef struct
{
  int64_t  in_h, in_w, out_h, out_w;
  int      kernel[2];   /* H, W */
  int      stride[2];
  int      dilation[2];
  int      pads[4];     /* top, left, bottom, right */
  gboolean is_max;
  gboolean count_include_pad;
} CsPoolGeometry;

/* Pools @planes planes, x + p·in_h·in_w into y + p·out_h·out_w, in
 * @scratch of cs_pool_scratch_floats (@g) floats.  Sums run down the
 * window's rows first, then along its columns, in tap order: every table
 * gives the same floats. */
#define CS_POOL_PARAMS \
  const CsPoolGeometry *g, const float *x, float *y, int64_t planes, float *scratch
typedef void (*CsPool) (CS_POOL_PARAMS);

/* The maximum, or unless @is_max the mean (summed in doubles, each table
 * in its own order), of each of @planes planes of @plane_size floats at
 * x + p·plane_size, into y[p]. */
#define CS_GLOBAL_POOL_PARAMS \
  const float *x, float *y, int64_t planes, int64_t plane_size, gboolean is_max
typedef void (*CsGlobalPool) (CS_GLOBAL_POOL_PARAMS);

/* The taps [*first, *last) of a window starting at @start, @dilation
 * apart, that land in [@lo, @hi). */
static inline void
cs_pool_taps (int64_t start, int dilation, int kernel, int64_t lo, int64_t hi, int *first,
              int *last)
{
  int64_t a = start >= lo ? 0 : (lo - start + dilation - 1) / dilation;
  int64_t b = start >= hi ? 0 : (hi - start + dilation - 1) / dilation;

  *first = (int) MIN (a, kernel);
  *last = (int) MAX (MIN (b, kernel), *first);
}

/* The taps [*first, *last) of a window starting at @start, @dilation
 * apart, that fall in [0, @in), and the count a mean divides by: those,
 * or with @include_pad those inside the padded extent [−@pad_begin,
 * @in + @pad_end). */
static inline int64_t
cs_pool_window_taps (int64_t start, int dilation, int kernel, int64_t in, int pad_begin,
                     int pad_end, gboolean include_pad, int *first, int *last)
{
  int lo, hi;

  cs_pool_taps (start, dilation, kernel, 0, in, first, last);
  cs_pool_taps (start, dilation, kernel, -pad_begin, in + pad_end, &lo, &hi);
  return include_pad ? hi - lo : *last - *first;
}

/* Whether @g runs as passes over whole planes: stride 1 and an output
 * the input's size (a 3×3/1 pool with a pixel of padding), where rows
 * are too short for a loop each. */
static inline gboolean
cs_pool_is_flat (const CsPoolGeometry *g)
{
  return g->stride[0] == 1 && g->stride[1] == 1 && g->out_h == g->in_h
         && g->out_w == g->in_w;
}

/* How many planes the flat way takes at once: about 64 KiB of them, or
 * one. */
static inline int64_t
cs_pool_flat_batch (const CsPoolGeometry *g)
{
  return MAX (1, 16384 / MAX (1, g->in_h * g->in_w));
}

/* Floats past a row that a kernel pooling through lines may read (three
 * of the widest table's vectors), and the floats of the lines it holds
 * at once, if more than one line. */
#define CS_POOL_LINE_SLACK  48
#define CS_POOL_LINES_FLOATS 4096

/* The scratch a pool kernel needs: when flat, a batch of planes folded
 * down the window's rows and the scales of a mean; else one row; or a
 * mean's scales and a line a vector-wide table pools through, if
 * more. */
static inline int64_t
cs_pool_scratch_floats (const CsPoolGeometry *g)
{
  const int64_t scales = g->is_max ? 0 : g->out_h * g->out_w;
  const int64_t line = MAX (MAX (g->pads[1] + g->in_w, (g->out_w - 1) * g->stride[1])
                                + CS_POOL_LINE_SLACK,
                            CS_POOL_LINES_FLOATS);

  if (cs_pool_is_flat (g))
    return MAX ((cs_pool_flat_batch (g) + 1) * g->in_h * g->in_w, scales + line);
  return MAX (g->in_w, scales + line);
}

/* The transforms of Winograd's F(4×4, 3×3) (winograd.c) down the
 * columns of six rows, the rows of @n floats at d + i·ds, the result's
 * at o + i·os: Bᵀ (six rows out), the input's, and Aᵀ (four), the
 * output's.  Each kernel sums in its own order, as the micro-kernels do. */
#define CS_WINOGRAD_PARAMS const float *d, int64_t ds, float *o, int64_t os, int64_t n
typedef void (*CsWinogradColumns) (CS_WINOGRAD_PARAMS);

/* Bᵀ of F(4, 3) along one input row: tile k < @n reads line[4k + m], m
 * < 6, and its six results go to o[m·os + k].  The kernel may read
 * CS_WINOGRAD_ROW_SLACK floats past 4·n, which the caller fills. */
#define CS_WINOGRAD_ROW_PARAMS const float *line, float *o, int64_t os, int64_t n
typedef void (*CsWinogradRow) (CS_WINOGRAD_ROW_PARAMS);
#define CS_WINOGRAD_ROW_SLACK 68

/* Rounding @n floats to the grid of a quantized type, as a quantized
 * runtime rounds each activation it stores:
 *   y[i] = (round (clamp (x[i] / scale, low, high))) · scale,
 * rounding halves away from zero (TFLite's TfLiteRound), a NaN becoming
 * low; @low and @high are the type's bounds minus the zero point, whole
 * numbers of magnitude below 2²³.  @x and @y may be the same array. */
#define CS_FAKE_QUANTIZE_PARAMS \
  const float *x, float *y, int64_t n, float scale, float low, float high
typedef void (*CsFakeQuantize) (CS_FAKE_QUANTIZE_PARAMS);

/* A value held as bytes between two layers of a quantized model counts
 * the steps of its grid from the lowest: byte = step − low for the value
 * step·scale, high − low ≤ 255.  These two kernels convert @n values;
 * the first rounds as CsFakeQuantize does (y[i] = its step − low), the
 * second gives the float CsFakeQuantize would have stored, (x[i] + low)
 * · scale. */
#define CS_GRID_TO_BYTES_PARAMS \
  const float *x, uint8_t *y, int64_t n, float scale, float low, float high
typedef void (*CsGridToBytes) (CS_GRID_TO_BYTES_PARAMS);
#define CS_GRID_FROM_BYTES_PARAMS const uint8_t *x, float *y, int64_t n, float scale, float low
typedef void (*CsGridFromBytes) (CS_GRID_FROM_BYTES_PARAMS);

/* The step of the grid one value rounds to, round (clamp (x / scale,
 * low, high)), without libm calls, so that the portable loops vectorize.
 * Clamping before rounding gives the same result (the bounds are whole)
 * and keeps the value within an int32 truncation; then a rest of at
 * least one half moves the truncated value away from zero.  Written so
 * that NaN fails the first test and becomes low. */
static inline float
cs_grid_step_scalar (float x, float scale, float low, float high)
{
  float v = x / scale;

  v = v > low ? v : low;
  v = v < high ? v : high;

  float whole = (float) (int32_t) v, rest = v - whole;

  return whole + ((float) (rest >= 0.5f) - (float) (rest <= -0.5f));
}

/* One value of the kernel: the step times the scale. */
static inline float
cs_fake_quantize_scalar (float x, float scale, float low, float high)
{
  return cs_grid_step_scalar (x, scale, low, high) * scale;
}

/* What the 8-bit GEMM micro-kernel does to a tile of exact int32 sums
 * before it stores them, as TFLite requantizes a quantized convolution's
 * accumulators (per row: an output channel):
 *   v = sum + offset[i] − weight_zero[i]·colsum[j]
 *   q = RoundingDivideByPOT (SaturatingRoundingDoublingHighMul (v,
 *         multiplier[i]), right_shift[i])
 *   c = clamp (q, low, high) · scale
 * The rows' arrays start at the tile's first row, colsum at its first
 * column; weight_zero may be NULL (all zero), and colsum is then not
 * read.  low and high are the output grid's ends minus its zero point,
 * so c is the float the grid's step stands for; or, with @bytes, the
 * byte clamp (q, low, high) − low (CsGridToBytes). */
typedef struct
{
  const int32_t *offset;
  const int32_t *multiplier;   /* in [2³⁰, 2³¹), or 0 */
  const int32_t *right_shift;  /* in [0, 31] */
  const int32_t *weight_zero;
  const int32_t *colsum;
  int32_t        low, high;
  float          scale;
  gboolean       bytes;        /* c is uint8_t, not float */
} CsRequant;

/* SaturatingRoundingDoublingHighMul (gemmlowp, TFLite) for a multiplier
 * m > 0, where it never saturates: (x·m + 2³⁰) / 2³¹ rounded toward zero,
 * which for every sign is (x·m + 2³⁰) >> 31 (the nudge is 1 − 2³⁰ below
 * zero, and truncating then adds 2³¹ − 1). */
static inline int32_t
cs_requant_high_mul (int32_t x, int32_t m)
{
  return (int32_t) (((int64_t) x * m + ((int64_t) 1 << 30)) >> 31);
}

/* RoundingDivideByPOT: x / 2^e rounded to nearest, halves away from
 * zero, 0 ≤ e ≤ 31. */
static inline int32_t
cs_requant_shift (int32_t x, int e)
{
  const int32_t mask = (int32_t) (((uint32_t) 1 << e) - 1u);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0);

  return (x >> e) + (remainder > threshold);
}

/* Element @i of an output held as bytes, or with @bytes FALSE as floats
 * (CsRequant.bytes). */
static inline void *
cs_output_at (void *base, gboolean bytes, int64_t i)
{
  return bytes ? (void *) ((uint8_t *) base + i) : (void *) ((float *) base + i);
}

/* Row @i's requantization of one int32 @total (the sum with its offset
 * and zero points' terms) into element @at of @c, floats or bytes. */
static inline void
cs_requant_store_scalar (const CsRequant *rq, int i, int32_t total, void *c, int64_t at)
{
  int32_t v = cs_requant_shift (cs_requant_high_mul (total, rq->multiplier[i]),
                                rq->right_shift[i]);

  v = v < rq->low ? rq->low : v > rq->high ? rq->high : v;
  if (rq->bytes)
    ((uint8_t *) c)[at] = (uint8_t) (v - rq->low);
  else
    ((float *) c)[at] = (float) v * rq->scale;
}

/* The 8-bit GEMM micro-kernel: the m × n tile of
 *   sum[i][j] = Σ_p a[i][p] · b[p][j]
 * (a signed, b unsigned bytes; exact in int32 for depth below 2¹⁶),
 * requantized by @rq into c[i·ldc + j], m ≤ qmr, n ≤ qnr.  A and B are
 * packed in groups of four depth steps: a[i][4g + t] at a + (g·qmr +
 * i)·4 + t and b[4g + t][j] at b + (g·qnr + j)·4 + t, @depth4 groups,
 * zero past the depth. */
#define CS_QGEMM_MICRO_PARAMS \
  int64_t depth4, const int8_t *a, const uint8_t *b, void *c, int64_t ldc, int m, int n, \
  const CsRequant *rq
typedef void (*CsQGemmMicro) (CS_QGEMM_MICRO_PARAMS);

/* Quantizes a @depth × @n block of floats (row p at x + p·x_stride, n ≤
 * qnr) into one B panel of the 8-bit micro-kernel (its layout above,
 * ⌈depth/4⌉ groups, the rows past @depth zero):
 *   b = clamp (round (x · inverse_scale) + zero, 0, 255)
 * rounding halves away from zero, a NaN to 0; and sets colsum[j] to the
 * sum of column j.  A product rather than TFLite's quotient: the values
 * it meets lie on the grid, (q − zero)·scale rounded to a float, and
 * come back as q either way, the product being within 2⁻²² of q − zero
 * relatively, far from a half. */
#define CS_QPACK_PARAMS \
  const float *x, int64_t x_stride, int64_t depth, int n, float inverse_scale, int32_t zero, \
  uint8_t *b, int32_t *colsum
typedef void (*CsQPack) (CS_QPACK_PARAMS);

/* CsQPack for an input held as bytes (CsGridToBytes) on a grid whose
 * scale is the convolution's input scale: b = x + @add (the grid's low
 * plus the input's zero point), which the caller keeps within [0, 255]
 * for every byte; the float packer gives the same for the float the
 * byte stands for. */
#define CS_QPACK_BYTES_PARAMS \
  const uint8_t *x, int64_t x_stride, int64_t depth, int n, int32_t add, uint8_t *b, \
  int32_t *colsum
typedef void (*CsQPackBytes) (CS_QPACK_BYTES_PARAMS);

/* The 8-bit GEMM of a single output pixel (a GEMV), for a convolution
 * whose output is one pixel (a classifier's last layer):
 *   sum[o] = Σ_p w[o][p] · b[p]   for o < m
 * (w signed, b unsigned bytes), requantized by @rq, row o of it for
 * channel o (colsum[0] the column's sum), into c[o], floats or bytes.
 * w is packed in groups of four depth steps with the channels along
 * them, w[o][4g + t] at w + (g·ldw + o)·4 + t (ldw ≥ m a multiple of
 * 64, zero past m and past the depth); b is one column of a B panel,
 * b[4g + t] at b + g·4·qnr + t, @depth4 groups. */
#define CS_QGEMV_PARAMS \
  int64_t depth4, const int8_t *w, int64_t ldw, const uint8_t *b, void *c, int m, \
  const CsRequant *rq
typedef void (*CsQGemv) (CS_QGEMV_PARAMS);
#define CS_QGEMV_CHANNELS 64

/* @channels channels of an 8-bit depthwise convolution, each over its
 * input plane padded on every side (rows @row bytes apart, the padding
 * its zero point), so that every tap falls inside: for channel c, its
 * plane at x + c·x_stride, weights at w + c·kH·kW,
 *   sum[oh][ow] = Σ w[kh·kW + kw] · x[(oh·sh + kh·dh)·row + ow·sw + kw·dw]
 * (x unsigned bytes, w a byte less its zero point, times a power of two
 * where the requantization's multiplier is above 1; 255·Σ |w| < 2²⁴),
 * through row c of @rq (its weight_zero NULL) into element
 * c·y_stride + oh·out_w + ow of @y, floats or bytes.  The vector kernels
 * load whole vectors: x must be readable CS_QDEPTHWISE_SLACK bytes past
 * the last padded plane's end. */
typedef struct
{
  int64_t out_h, out_w;
  int64_t row;
  int     kernel[2];    /* H, W */
  int     stride[2];
  int     dilation[2];
} CsQDepthwiseGeometry;
#define CS_QDEPTHWISE_PARAMS \
  const uint8_t *x, int64_t x_stride, const CsQDepthwiseGeometry *g, const int16_t *w, \
  void *y, int64_t y_stride, int64_t channels, const CsRequant *rq
typedef void (*CsQDepthwise) (CS_QDEPTHWISE_PARAMS);
#define CS_QDEPTHWISE_SLACK 64
/* The most taps a kernel takes: its weights fit qdepthwise-avx2.c's
 * stack. */
#define CS_QDEPTHWISE_MAX_TAPS 64

typedef struct
{
  const char      *name;   /* "generic", "avx2", "avx512", "avx512-vnni" */
  int              mr;     /* rows of a micro-tile (A panel height) */
  int              nr;     /* columns of a micro-tile (B panel width) */
  CsGemmMicro      gemm;
  CsGemv           gemv;
  CsDepthwise      depthwise;
  /* NULL where the table has none; interleave: its channels a block. */
  CsDepthwiseInterleaved depthwise_interleaved;
  CsGroupedInterleaved grouped_interleaved;
  int              interleave;
  /* The widest output rows a depthwise convolution runs interleaved
   * (convolution.c: interleaved_suits), by stride 1 and by a larger
   * stride; 0 without the kernel. */
  int              depthwise_interleaved_width;
  int              depthwise_interleaved_strided_width;
  CsSigmoid        sigmoid;
  CsGelu           gelu;
  CsHardSwish      hard_swish;
  CsScaleAdd       scale_add;
  CsPool           pool;
  CsGlobalPool     global_pool;
  CsTranspose      transpose;
  CsFakeQuantize   fake_quantize;
  CsGridToBytes    grid_to_bytes;
  CsGridFromBytes  grid_from_bytes;
  CsWinogradColumns winograd_bt;
  CsWinogradColumns winograd_at;
  CsWinogradRow    winograd_bt_row;  /* NULL: winograd.c's, four tiles a step */
  /* The 8-bit convolution's kernels, on a tile of their own (qmr ×
   * qnr), in every table: a quantized model gives the same bytes on
   * every CPU. */
  CsQGemmMicro     qgemm;
  CsQPack          qpack;
  CsQPackBytes     qpack_bytes;
  CsQDepthwise     qdepthwise;
  CsQGemv          qgemv;      /* NULL: the micro-kernel's single column */
  int              qmr, qnr;
} CsKernels;

/* The leaky slope and the clamp of @ep on one value. */
static inline float
cs_epilogue_activate (const CsEpilogue *ep, float v)
{
  if (ep->leaky && v < 0.0f)
    v *= ep->slope;
  if (ep->clamp)
    {
      v = v < ep->lo ? ep->lo : v;
      v = v > ep->hi ? ep->hi : v;
    }
  return v;
}

/* The epilogue of one sum; @start is the bias, or C's value when
 * accumulating. */
static inline float
cs_epilogue_scalar (const CsEpilogue *ep, float sum, float start)
{
  return cs_epilogue_activate (ep, ep->alpha * sum + start);
}

/* The fastest table this CPU runs, chosen once (thread-safe). */
const CsKernels *cs_kernels_get     (void);
/* The portable C table, on every CPU. */
const CsKernels *cs_kernels_generic (void);
/* The table called @name if this build has it and this CPU runs it, else
 * NULL; for tests and benchmarks. */
const CsKernels *cs_kernels_by_name (const char *name);

/* The implementations (gemm-*.c, gemv-*.c, depthwise-*.c, sigmoid-*.c,
 * gelu-*.c, hard-swish-*.c, scale-add-*.c, pool-*.c, transpose-*.c,
 * fake-quantize-*.c, winograd-*.c, qgemm-*.c, qdepthwise-*.c). */
void cs_gemm_micro_generic (CS_GEMM_MICRO_PARAMS);
void cs_gemv_generic       (CS_GEMV_PARAMS);
void cs_depthwise_generic  (CS_DEPTHWISE_PARAMS);
void cs_sigmoid_generic    (CS_SIGMOID_PARAMS);
void cs_gelu_generic       (CS_GELU_PARAMS);
void cs_hard_swish_generic (CS_HARD_SWISH_PARAMS);
void cs_scale_add_generic (CS_SCALE_ADD_PARAMS);
void cs_pool_generic (CS_POOL_PARAMS);
void cs_global_pool_generic (CS_GLOBAL_POOL_PARAMS);
void cs_transpose_generic (CS_TRANSPOSE_PARAMS);
void cs_fake_quantize_generic (CS_FAKE_QUANTIZE_PARAMS);
void cs_grid_to_bytes_generic (CS_GRID_TO_BYTES_PARAMS);
void cs_grid_from_bytes_generic (CS_GRID_FROM_BYTES_PARAMS);
void cs_winograd_bt_generic (CS_WINOGRAD_PARAMS);
void cs_winograd_at_generic (CS_WINOGRAD_PARAMS);
void cs_qgemm_micro_generic (CS_QGEMM_MICRO_PARAMS);
void cs_qpack_generic (CS_QPACK_PARAMS);
void cs_qpack_bytes_generic (CS_QPACK_BYTES_PARAMS);
void cs_qdepthwise_generic (CS_QDEPTHWISE_PARAMS);
#define CS_GENERIC_MR 4
#define CS_GENERIC_NR 16
/* The epilogue of one row of @n sums into @out (start_value: the bias);
 * @sums may be @out. */
void cs_epilogue_row_generic (const float *sums, float *out, int n,
                              float start_value, const CsEpilogue *ep);

#ifdef CS_KERNELS_X86
void cs_gemm_micro_avx2 (CS_GEMM_MICRO_PARAMS);
void cs_gemv_avx2       (CS_GEMV_PARAMS);
void cs_depthwise_avx2  (CS_DEPTHWISE_PARAMS);
void cs_depthwise_interleaved_avx2 (CS_DEPTHWISE_INTERLEAVED_PARAMS);
void cs_grouped_interleaved_avx2 (CS_GROUPED_INTERLEAVED_PARAMS);
/* Its input as planes (@plane > 0), which cs_grouped_interleaved_avx2
 * passes on; the same for AVX-512 below. */
void cs_grouped_planes_avx2 (CS_GROUPED_INTERLEAVED_PARAMS);
void cs_sigmoid_avx2    (CS_SIGMOID_PARAMS);
void cs_gelu_avx2       (CS_GELU_PARAMS);
void cs_hard_swish_avx2 (CS_HARD_SWISH_PARAMS);
void cs_scale_add_avx2 (CS_SCALE_ADD_PARAMS);
void cs_pool_avx2 (CS_POOL_PARAMS);
void cs_global_pool_avx2 (CS_GLOBAL_POOL_PARAMS);
/* In 8×8 blocks of ymm registers; the AVX-512 tables run it too. */
void cs_transpose_avx2 (CS_TRANSPOSE_PARAMS);
void cs_fake_quantize_avx2 (CS_FAKE_QUANTIZE_PARAMS);
void cs_grid_to_bytes_avx2 (CS_GRID_TO_BYTES_PARAMS);
void cs_grid_from_bytes_avx2 (CS_GRID_FROM_BYTES_PARAMS);
void cs_winograd_bt_avx2 (CS_WINOGRAD_PARAMS);
void cs_winograd_at_avx2 (CS_WINOGRAD_PARAMS);
/* Bytes widened to 16 bits (qgemm-avx2.c); the AVX-512 table without
 * VNNI runs them too. */
void cs_qgemm_micro_avx2 (CS_QGEMM_MICRO_PARAMS);
void cs_qpack_avx2 (CS_QPACK_PARAMS);
void cs_qpack_bytes_avx2 (CS_QPACK_BYTES_PARAMS);
/* In floats, whose sums of byte products are exact below 2²⁴; the
 * AVX-512 tables fall back to it. */
void cs_qdepthwise_avx2 (CS_QDEPTHWISE_PARAMS);
#define CS_AVX2_QMR 4
#define CS_AVX2_QNR 16
#define CS_AVX2_MR 6
#define CS_AVX2_NR 16

void cs_gemm_micro_avx512 (CS_GEMM_MICRO_PARAMS);
void cs_gemv_avx512       (CS_GEMV_PARAMS);
void cs_depthwise_avx512  (CS_DEPTHWISE_PARAMS);
void cs_depthwise_interleaved_avx512 (CS_DEPTHWISE_INTERLEAVED_PARAMS);
void cs_grouped_interleaved_avx512 (CS_GROUPED_INTERLEAVED_PARAMS);
void cs_grouped_planes_avx512 (CS_GROUPED_INTERLEAVED_PARAMS);
void cs_sigmoid_avx512    (CS_SIGMOID_PARAMS);
void cs_gelu_avx512       (CS_GELU_PARAMS);
void cs_hard_swish_avx512 (CS_HARD_SWISH_PARAMS);
void cs_scale_add_avx512 (CS_SCALE_ADD_PARAMS);
void cs_pool_avx512 (CS_POOL_PARAMS);
void cs_global_pool_avx512 (CS_GLOBAL_POOL_PARAMS);
void cs_fake_quantize_avx512 (CS_FAKE_QUANTIZE_PARAMS);
void cs_grid_to_bytes_avx512 (CS_GRID_TO_BYTES_PARAMS);
void cs_grid_from_bytes_avx512 (CS_GRID_FROM_BYTES_PARAMS);
void cs_winograd_bt_avx512 (CS_WINOGRAD_PARAMS);
void cs_winograd_at_avx512 (CS_WINOGRAD_PARAMS);
void cs_winograd_bt_row_avx512 (CS_WINOGRAD_ROW_PARAMS);
/* VNNI's byte dot products (vpdpbusd), with AVX-512 BW and VL, on the float
 * tile's shape. */
void cs_qgemm_micro_avx512_vnni (CS_QGEMM_MICRO_PARAMS);
void cs_qpack_avx512 (CS_QPACK_PARAMS);
void cs_qpack_bytes_avx512 (CS_QPACK_BYTES_PARAMS);
/* Four taps of a kernel row per vpdpbusd, sixteen output pixels a
 * vector. */
void cs_qdepthwise_avx512_vnni (CS_QDEPTHWISE_PARAMS);
/* Sixty-four channels a step, one weight vector each. */
void cs_qgemv_avx512_vnni (CS_QGEMV_PARAMS);
#define CS_AVX512_MR 12
#define CS_AVX512_NR 32
#endif

G_END_DECLS

#endif /* CS_KERNELS_H */
