/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * grouped-simd.h — the kernel of a grouped convolution, a vector's worth
 * of a group's output channels at a time, or two or three (kernels.h:
 * CsGroupedInterleaved), written once in the vector vocabulary
 * (vec-avx2.h, vec-avx512.h); included after their vocabulary header by
 * grouped-<set>.c, and with CS_GROUPED_PLANES defined by
 * grouped-planes-<set>.c.
 *
 * A vector is one output pixel of a block of the group's output
 * channels: each input value of a tap is broadcast and multiplies the
 * vector of those channels' weights for that input channel and tap;
 * CS_INTERLEAVED_PIXELS output pixels of a row are summed together and
 * share each weight vector (with AVX2, fewer pixels of two or three
 * blocks, which share each broadcast value too), then turned into the
 * channels' rows in registers and stored to their planes.  Broadcasting
 * one value at a time, the kernel reads its input pixel by pixel or as
 * planes alike.
 */

/* Output pixels a row of two blocks at a time sums together: six
 * pixels' twelve sums, two weight vectors and a broadcast fill fifteen
 * of AVX2's sixteen registers; from planes four, as GCC spilled sums of
 * six there (RegNet-Y-800MF's groups of 16 by stride 2 from 56×56: 0.61
 * ms with six, 0.43 with four). */
#define PAIR_PIXELS(planar) ((planar) ? 4 : 6)

/* Output pixels a row of three blocks at a time sums together: three
 * pixels' nine sums, three weight vectors and a broadcast; on rows of
 * at most TRIO_WIDE_ROW pixels read pixel by pixel, four, whose twelve
 * sums leave GCC a register short (it spills): on 14×14 five runs of
 * three take 0.42 ms where runs of up to four take 0.44 (RegNet-X-1.6GF's
 * 17 groups of 24, Zen 3, one thread, warm), but a row of seven goes in
 * two runs rather than three, two of them of two pixels, whose six sums
 * wait on the FMAs' latency (38 groups of 24 on 7×7: 0.30 → 0.24 ms). */
#define TRIO_PIXELS   3
#define TRIO_WIDE     4
#define TRIO_WIDE_ROW 8

/* Whether this table's kernel takes a group's blocks of output channels
 * two or three at a time, each input value broadcast once for all: with
 * AVX2's sixteen registers, eight pixels of one block load nine times
 * for eight FMAs, six of two eight for twelve (Zen 3, one thread, warm:
 * RegNet-Y-800MF's groups of 16 by stride 2 from 56×56 0.48 → 0.43 ms,
 * RegNet-Y-800MF's 49 groups of 16 on 7×7 0.213 → 0.149, ResNeXt's
 * groups of 32 by stride 2 onto 7×7 0.57 → 0.40), and three pixels of
 * three six for nine, where a pair and then a single block would read
 * the input twice (17 groups of 24 on 14×14 0.50 → 0.43 ms, 3 by stride
 * 2 from 112×112 1.83 → 1.37).  AVX-512's eight pixels of one block,
 * unmeasured in pairs, stay as they were. */
#define GROUPED_PAIRS (CS_VEC_LANES < 16)

/* Output row @oh: @n pixels of @at_once blocks of output channels (1 to
 * 3; block k's weights k·@block_floats after the first's, its planes
 * k·CS_VEC_LANES·@out_plane floats after, its bias vector @starts[k]),
 * and when not 0, a @size × @size kernel of column stride @stride and no
 * dilation, when not 0 the @fixed number of input channels, and whether
 * the input is @planar, constants in each instantiation so that the sums
 * live in registers and the taps' addresses are offsets.  Rows outside
 * the plane are skipped; columns outside it read the rows' zero
 * padding. */
CS_VEC_INLINE void
grouped_row (const int n, const int at_once, const int size, const int stride,
             const int fixed, const gboolean planar,
             const float *x, int64_t channels, int64_t plane, int64_t first_row, int64_t width,
             const CsDepthwiseGeometry *g, const float *w, int64_t block_floats, int64_t oh,
             const CsVec *starts, CsEpilogueVec epv, float *out, int64_t out_plane)
{
  const int        kh_n = size > 0 ? size : g->kernel[0], kw_n = size > 0 ? size : g->kernel[1];
  const int64_t    depth = fixed > 0 ? fixed : channels;
  const int64_t    pixel = planar ? 1 : depth;   /* floats from a pixel to the next */
  const int64_t    channel_step = planar ? plane : 1;
  const int64_t    dh = size > 0 ? 1 : g->dilation[0];
  const int64_t    column_step = (int64_t) (size > 0 ? stride : g->stride[1]) * pixel;
  const int64_t    tap_step = (int64_t) (size > 0 ? 1 : g->dilation[1]) * pixel;
  const CsLaneMask all = vec_lanes (0, CS_VEC_LANES);
  CsVec sum0 = vec_zero (), sum1 = vec_zero (), sum2 = vec_zero (), sum3 = vec_zero ();
  CsVec sum4 = vec_zero (), sum5 = vec_zero (), sum6 = vec_zero (), sum7 = vec_zero ();
  CsVec second0 = vec_zero (), second1 = vec_zero (), second2 = vec_zero ();
  CsVec second3 = vec_zero (), second4 = vec_zero (), second5 = vec_zero ();
  CsVec second6 = vec_zero (), second7 = vec_zero ();
  CsVec third0 = vec_zero (), third1 = vec_zero (), third2 = vec_zero ();
  CsVec third3 = vec_zero (), third4 = vec_zero (), third5 = vec_zero ();
  CsVec third6 = vec_zero (), third7 = vec_zero ();

  /* The GEMM's order over its depth: input channel, kernel row, column. */
  for (int64_t c = 0; c < depth; c++)
    for (int kh = 0; kh < kh_n; kh++)
      {
        const int64_t ih = oh * g->stride[0] - g->pad_top + kh * dh;
        const float  *row;

        if (ih < 0 || ih >= g->in_h)
          continue;
        row = x + c * channel_step + (ih - first_row) * width * pixel;
#pragma GCC unroll 7
        for (int kw = 0; kw < kw_n; kw++)
          {
            const float *tap = row + kw * tap_step;
            const float *at = w + ((c * kh_n + kh) * kw_n + kw) * CS_VEC_LANES;
            const CsVec  weight = vec_load_edge (TRUE, at, all);
            const CsVec  weight_second
              = at_once >= 2 ? vec_load_edge (TRUE, at + block_floats, all) : weight;
            const CsVec  weight_third
              = at_once >= 3 ? vec_load_edge (TRUE, at + 2 * block_floats, all) : weight;

#define COLUMN(i) \
            if (i < n) \
              { \
                const CsVec value = vec_set1 (tap[i * column_step]); \
                sum##i = vec_fmadd (value, weight, sum##i); \
                if (at_once >= 2) \
                  second##i = vec_fmadd (value, weight_second, second##i); \
                if (at_once >= 3) \
                  third##i = vec_fmadd (value, weight_third, third##i); \
              }
            COLUMN (0) COLUMN (1) COLUMN (2) COLUMN (3) COLUMN (4) COLUMN (5) COLUMN (6) COLUMN (7)
#undef COLUMN
          }
      }
#define STORE_BLOCK(k, acc) \
  { \
    CsVec done[8] = { vec_epilogue (acc##0, starts[k], epv), vec_epilogue (acc##1, starts[k], epv), \
                      vec_epilogue (acc##2, starts[k], epv), vec_epilogue (acc##3, starts[k], epv), \
                      vec_epilogue (acc##4, starts[k], epv), vec_epilogue (acc##5, starts[k], epv), \
                      vec_epilogue (acc##6, starts[k], epv), vec_epilogue (acc##7, starts[k], epv) }; \
\
    vec_store_columns (n, out + (k) * CS_VEC_LANES * out_plane, out_plane, done); \
  }
  STORE_BLOCK (0, sum)
  if (at_once >= 2)
    STORE_BLOCK (1, second)
  if (at_once >= 3)
    STORE_BLOCK (2, third)
#undef STORE_BLOCK
}

/* Output rows [@oh0, @oh1) of @at_once blocks of output channels (1 to
 * 3), at @w, @bias and @y as for the first (blocks @block_floats of
 * weights apart): one block's rows in runs of CS_INTERLEAVED_PIXELS
 * pixels, two or three blocks' in as few runs of at most PAIR_PIXELS or
 * TRIO_PIXELS (TRIO_WIDE), shared out evenly (14 = 5 + 5 + 4).
 * @size and @stride: the kernel's and its column stride, as constants
 * (grouped_row), else 0; @fixed: @channels as a constant, else 0;
 * @planar: whether @plane is not 0. */
CS_VEC_INLINE void
grouped_block_rows (const int at_once, const int size, const int stride, const int fixed,
                    const gboolean planar, const float *x, int64_t channels, int64_t plane,
                    int64_t first_row, int64_t width, const CsDepthwiseGeometry *g,
                    const float *w, int64_t block_floats, const float *bias, float *y,
                    int64_t y_plane, int64_t oh0, int64_t oh1, const CsEpilogue *ep)
{
  const CsLaneMask    all = vec_lanes (0, CS_VEC_LANES);
  CsVec               starts[3];
  const CsEpilogueVec epv = vec_epilogue_load (ep);
  const int64_t       most = at_once == 3 ? (!planar && g->out_w <= TRIO_WIDE_ROW ? TRIO_WIDE
                                                                               : TRIO_PIXELS)
                             : PAIR_PIXELS (planar);
  const int64_t       runs = at_once > 1 ? (g->out_w + most - 1) / most : 0;

  for (int k = 0; k < at_once; k++)
    starts[k] = bias != NULL ? vec_load_edge (TRUE, bias + k * CS_VEC_LANES, all) : vec_zero ();
  for (int64_t oh = oh0; oh < oh1; oh++)
    for (int64_t ow0 = 0, run = 0; ow0 < g->out_w; run++)
      {
        const int64_t n = at_once > 1 ? g->out_w / runs + (run < g->out_w % runs)
                                      : MIN (g->out_w - ow0, CS_INTERLEAVED_PIXELS);
        const float  *taps = x + ow0 * g->stride[1] * (planar ? 1 : channels);
        float        *out = y + (oh - oh0) * g->out_w + ow0;

#define ROW(n) \
  grouped_row (n, at_once, size, stride, fixed, planar, taps, channels, plane, first_row, width, \
               g, w, block_floats, oh, starts, epv, out, y_plane)
        if (at_once == 3)
          CS_ROW_SWITCH (n, planar ? TRIO_PIXELS : TRIO_WIDE, ROW)
        else if (at_once == 2)
          CS_ROW_SWITCH (n, PAIR_PIXELS (planar), ROW)
        else
          CS_ROW_SWITCH (n, CS_INTERLEAVED_PIXELS, ROW)
#undef ROW
        ow0 += n;
      }
}

/* @blocks blocks of output channels (kernels.h): where GROUPED_PAIRS,
 * two at a time and an odd number's last three together; one at a time
 * for a @fixed number of input channels (groups of one vector, whose
 * code in pairs beside it ran groups of one vector in and out 1.4 times
 * as long; an image's planes). */
CS_VEC_INLINE void
grouped_rows (const int size, const int stride, const int fixed, const gboolean planar,
              CS_GROUPED_INTERLEAVED_PARAMS)
{
  const int64_t block_floats = channels * g->kernel[0] * g->kernel[1] * CS_VEC_LANES;
  int64_t       b = 0;

#define BLOCKS(at_once) \
  grouped_block_rows (at_once, size, stride, fixed, planar, x, channels, plane, first_row, width, \
                      g, w + b * block_floats, block_floats, \
                      bias != NULL ? bias + b * CS_VEC_LANES : NULL, \
                      y + b * CS_VEC_LANES * y_plane, y_plane, oh0, oh1, ep)
  /* Each count a constant, so that its sums live in registers. */
  while (GROUPED_PAIRS && fixed == 0 && blocks - b >= 2)
    if (blocks - b == 3)
      {
        BLOCKS (3);
        b += 3;
      }
    else
      {
        BLOCKS (2);
        b += 2;
      }
  for (; b < blocks; b++)
    BLOCKS (1);
#undef BLOCKS
}

/* Each instantiation a function of its own: inlined into one function,
 * the variants slowed each other by its code layout (AVX2, groups of one
 * vector on 7×7: 0.038 → 0.055 ms).  Besides the groups of a vector
 * and of any size, a network's strided first layer on an image's three
 * planes (ResNet's 7×7/2: 94 % of the FMA peak, against 72 % with the
 * kernel's size and channels variables).  The planes' variants are
 * compiled apart from the pixels' (CS_GROUPED_PLANES: grouped-planes-
 * <set>.c), in parallel: together, with the sanitizers, the AVX2 file
 * was the native build's longest by minutes. */
#define VARIANT(name, size, stride, fixed, planar) \
  static __attribute__ ((noinline)) void name (CS_GROUPED_INTERLEAVED_PARAMS) \
  { \
    grouped_rows (size, stride, fixed, planar, x, channels, plane, first_row, width, g, w, \
                  blocks, bias, y, y_plane, oh0, oh1, ep); \
  }
#define ARGS x, channels, plane, first_row, width, g, w, blocks, bias, y, y_plane, oh0, oh1, ep

/* The side of @g's kernel where it is square and undilated, which the
 * variants take as a constant; else 0. */
static inline int
square_size (const CsDepthwiseGeometry *g)
{
  return g->kernel[0] == g->kernel[1] && g->dilation[0] == 1 && g->dilation[1] == 1
         ? g->kernel[0]
         : 0;
}

#ifdef CS_GROUPED_PLANES
VARIANT (planes_3x3_1_vector, 3, 1, CS_VEC_LANES, TRUE)
VARIANT (planes_3x3_2_vector, 3, 2, CS_VEC_LANES, TRUE)
VARIANT (planes_3x3_1, 3, 1, 0, TRUE)
VARIANT (planes_3x3_2, 3, 2, 0, TRUE)
VARIANT (planes_3x3_2_rgb, 3, 2, 3, TRUE)
VARIANT (planes_7x7_2_rgb, 7, 2, 3, TRUE)
VARIANT (planes_any, 0, 0, 0, TRUE)

/* The input as planes (@plane > 0); cs_grouped_interleaved_<set> calls
 * it. */
void
CS_VEC_NAME (cs_grouped_planes) (CS_GROUPED_INTERLEAVED_PARAMS)
{
  const int      size = square_size (g), stride = g->stride[1];
  const gboolean vector = channels == CS_VEC_LANES, rgb = channels == 3;

  if (size == 3 && stride == 1)
    (vector ? planes_3x3_1_vector : planes_3x3_1) (ARGS);
  else if (size == 3 && stride == 2)
    (vector ? planes_3x3_2_vector : rgb ? planes_3x3_2_rgb : planes_3x3_2) (ARGS);
  else if (size == 7 && stride == 2 && rgb)
    planes_7x7_2_rgb (ARGS);
  else
    planes_any (ARGS);
}
#else
VARIANT (pixels_3x3_1_vector, 3, 1, CS_VEC_LANES, FALSE)
VARIANT (pixels_3x3_2_vector, 3, 2, CS_VEC_LANES, FALSE)
VARIANT (pixels_3x3_1, 3, 1, 0, FALSE)
VARIANT (pixels_3x3_2, 3, 2, 0, FALSE)
VARIANT (pixels_any, 0, 0, 0, FALSE)

void
CS_VEC_NAME (cs_grouped_interleaved) (CS_GROUPED_INTERLEAVED_PARAMS)
{
  const int      size = square_size (g), stride = g->stride[1];
  const gboolean vector = channels == CS_VEC_LANES;

  if (plane > 0)
    CS_VEC_NAME (cs_grouped_planes) (ARGS);
  else if (size == 3 && stride == 1)
    (vector ? pixels_3x3_1_vector : pixels_3x3_1) (ARGS);
  else if (size == 3 && stride == 2)
    (vector ? pixels_3x3_2_vector : pixels_3x3_2) (ARGS);
  else
    pixels_any (ARGS);
}
#endif
#undef ARGS
#undef VARIANT
