/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * grouped-simd.h — the kernel of a grouped convolution, a vector's worth
 * of a group's output channels at a time, or two (kernels.h:
 * CsGroupedInterleaved), written once in the vector vocabulary
 * (vec-avx2.h, vec-avx512.h); included by grouped-avx2.c and
 * grouped-avx512.c after their vocabulary header.
 *
 * A vector is one output pixel of a block of the group's output
 * channels: each input value of a tap is broadcast and multiplies the
 * vector of those channels' weights for that input channel and tap;
 * CS_INTERLEAVED_PIXELS output pixels of a row are summed together and
 * share each weight vector (with AVX2, fewer pixels of two blocks, which
 * share each broadcast value too), then turned into the channels' rows
 * in registers and stored to their planes.  Broadcasting one value at a
 * time, the kernel reads its input pixel by pixel or as planes alike.
 */

/* Output pixels a row of two blocks at a time sums together: six
 * pixels' twelve sums, two weight vectors and a broadcast fill fifteen
 * of AVX2's sixteen registers; from planes four, as GCC spilled sums of
 * six there (RegNet-Y-800MF's groups of 16 by stride 2 from 56×56: 0.61
 * ms with six, 0.43 with four). */
#define PAIR_PIXELS(planar) ((planar) ? 4 : 6)

/* Whether this table's kernel takes a group's blocks of output channels
 * two at a time, each input value broadcast once for both: with AVX2's
 * sixteen registers, eight pixels of one block load nine times for
 * eight FMAs, six of two eight for twelve (Zen 3, one thread, warm:
 * RegNet-Y-800MF's groups of 16 by stride 2 from 56×56 0.48 → 0.43 ms,
 * RegNet-Y-800MF's 49 groups of 16 on 7×7 0.213 → 0.149, ResNeXt's
 * groups of 32 by stride 2 onto 7×7 0.57 → 0.40).  AVX-512's eight
 * pixels of one block, unmeasured in pairs, stay as they were. */
#define GROUPED_PAIRS (CS_VEC_LANES < 16)

/* Output row @oh: @n pixels of one block of output channels, or with
 * @two of two (the second's weights @block_floats after the first's,
 * its planes CS_VEC_LANES·@out_plane floats after), and when not 0, a
 * @size × @size kernel of column stride @stride and no dilation, when
 * not 0 the @fixed number of input channels, and whether the input is
 * @planar, constants in each instantiation so that the sums live in
 * registers and the taps' addresses are offsets.  Rows outside the
 * plane are skipped; columns outside it read the rows' zero padding. */
CS_VEC_INLINE void
grouped_row (const int n, const gboolean two, const int size, const int stride,
             const int fixed, const gboolean planar,
             const float *x, int64_t channels, int64_t plane, int64_t first_row, int64_t width,
             const CsDepthwiseGeometry *g, const float *w, int64_t block_floats, int64_t oh,
             CsVec start, CsVec start_two, CsEpilogueVec epv, float *out, int64_t out_plane)
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
  CsVec pair0 = vec_zero (), pair1 = vec_zero (), pair2 = vec_zero (), pair3 = vec_zero ();
  CsVec pair4 = vec_zero (), pair5 = vec_zero (), pair6 = vec_zero (), pair7 = vec_zero ();

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
            const CsVec  weight_two = two ? vec_load_edge (TRUE, at + block_floats, all) : weight;

#define COLUMN(i) \
            if (i < n) \
              { \
                const CsVec value = vec_set1 (tap[i * column_step]); \
                sum##i = vec_fmadd (value, weight, sum##i); \
                if (two) \
                  pair##i = vec_fmadd (value, weight_two, pair##i); \
              }
            COLUMN (0) COLUMN (1) COLUMN (2) COLUMN (3) COLUMN (4) COLUMN (5) COLUMN (6) COLUMN (7)
#undef COLUMN
          }
      }
  {
    CsVec done[8] = { vec_epilogue (sum0, start, epv), vec_epilogue (sum1, start, epv),
                      vec_epilogue (sum2, start, epv), vec_epilogue (sum3, start, epv),
                      vec_epilogue (sum4, start, epv), vec_epilogue (sum5, start, epv),
                      vec_epilogue (sum6, start, epv), vec_epilogue (sum7, start, epv) };

    vec_store_columns (n, out, out_plane, done);
  }
  if (two)
    {
      CsVec done[8] = { vec_epilogue (pair0, start_two, epv), vec_epilogue (pair1, start_two, epv),
                        vec_epilogue (pair2, start_two, epv), vec_epilogue (pair3, start_two, epv),
                        vec_epilogue (pair4, start_two, epv), vec_epilogue (pair5, start_two, epv),
                        vec_epilogue (pair6, start_two, epv), vec_epilogue (pair7, start_two, epv) };

      vec_store_columns (n, out + CS_VEC_LANES * out_plane, out_plane, done);
    }
}

/* Output rows [@oh0, @oh1) of one block of output channels (@pair
 * FALSE) or of two, at @w, @bias and @y as for the first (blocks
 * @block_floats of weights apart): one block's rows in runs of
 * CS_INTERLEAVED_PIXELS pixels, two blocks' in as few runs of at most
 * PAIR_PIXELS, shared out evenly (14 = 5 + 5 + 4).
 * @size and @stride: the kernel's and its column stride, as constants
 * (grouped_row), else 0; @fixed: @channels as a constant, else 0;
 * @planar: whether @plane is not 0. */
CS_VEC_INLINE void
grouped_block_rows (const gboolean pair, const int size, const int stride, const int fixed,
                    const gboolean planar, const float *x, int64_t channels, int64_t plane,
                    int64_t first_row, int64_t width, const CsDepthwiseGeometry *g,
                    const float *w, int64_t block_floats, const float *bias, float *y,
                    int64_t y_plane, int64_t oh0, int64_t oh1, const CsEpilogue *ep)
{
  const CsLaneMask    all = vec_lanes (0, CS_VEC_LANES);
  const CsVec         start = bias != NULL ? vec_load_edge (TRUE, bias, all) : vec_zero ();
  const CsVec         start_two =
      pair && bias != NULL ? vec_load_edge (TRUE, bias + CS_VEC_LANES, all) : vec_zero ();
  const CsEpilogueVec epv = vec_epilogue_load (ep);
  const int64_t       most = PAIR_PIXELS (planar);
  const int64_t       runs = pair ? (g->out_w + most - 1) / most : 0;

  for (int64_t oh = oh0; oh < oh1; oh++)
    for (int64_t ow0 = 0, run = 0; ow0 < g->out_w; run++)
      {
        const int64_t n = pair ? g->out_w / runs + (run < g->out_w % runs)
                               : MIN (g->out_w - ow0, CS_INTERLEAVED_PIXELS);
        const float  *taps = x + ow0 * g->stride[1] * (planar ? 1 : channels);
        float        *out = y + (oh - oh0) * g->out_w + ow0;

#define ROW(n) \
  grouped_row (n, pair, size, stride, fixed, planar, taps, channels, plane, first_row, width, g, \
               w, block_floats, oh, start, start_two, epv, out, y_plane)
        if (pair)
          CS_ROW_SWITCH (n, PAIR_PIXELS (planar), ROW)
        else
          CS_ROW_SWITCH (n, CS_INTERLEAVED_PIXELS, ROW)
#undef ROW
        ow0 += n;
      }
}

/* @blocks blocks of output channels (kernels.h), two at a time where
 * GROUPED_PAIRS, the last alone if odd; one at a time for a @fixed
 * number of input channels (groups of one vector, whose code in pairs
 * beside it ran groups of one vector in and out 1.4 times as long; an
 * image's planes). */
CS_VEC_INLINE void
grouped_rows (const int size, const int stride, const int fixed, const gboolean planar,
              CS_GROUPED_INTERLEAVED_PARAMS)
{
  const int64_t block_floats = channels * g->kernel[0] * g->kernel[1] * CS_VEC_LANES;
  int64_t       b = 0;

  for (; GROUPED_PAIRS && fixed == 0 && b + 2 <= blocks; b += 2)
    grouped_block_rows (TRUE, size, stride, fixed, planar, x, channels, plane, first_row, width,
                        g, w + b * block_floats, block_floats,
                        bias != NULL ? bias + b * CS_VEC_LANES : NULL,
                        y + b * CS_VEC_LANES * y_plane, y_plane, oh0, oh1, ep);
  for (; b < blocks; b++)
    grouped_block_rows (FALSE, size, stride, fixed, planar, x, channels, plane, first_row, width,
                        g, w + b * block_floats, block_floats,
                        bias != NULL ? bias + b * CS_VEC_LANES : NULL,
                        y + b * CS_VEC_LANES * y_plane, y_plane, oh0, oh1, ep);
}

/* Each instantiation a function of its own: inlined into one function,
 * the variants slowed each other by its code layout (AVX2, groups of one
 * vector on 7×7: 0.038 → 0.055 ms).  Besides the groups of a vector
 * and of any size, a network's strided first layer on an image's three
 * planes (ResNet's 7×7/2: 94 % of the FMA peak, against 72 % with the
 * kernel's size and channels variables). */
#define VARIANT(name, size, stride, fixed, planar) \
  static __attribute__ ((noinline)) void name (CS_GROUPED_INTERLEAVED_PARAMS) \
  { \
    grouped_rows (size, stride, fixed, planar, x, channels, plane, first_row, width, g, w, \
                  blocks, bias, y, y_plane, oh0, oh1, ep); \
  }
VARIANT (pixels_3x3_1_vector, 3, 1, CS_VEC_LANES, FALSE)
VARIANT (pixels_3x3_2_vector, 3, 2, CS_VEC_LANES, FALSE)
VARIANT (pixels_3x3_1, 3, 1, 0, FALSE)
VARIANT (pixels_3x3_2, 3, 2, 0, FALSE)
VARIANT (pixels_any, 0, 0, 0, FALSE)
VARIANT (planes_3x3_1_vector, 3, 1, CS_VEC_LANES, TRUE)
VARIANT (planes_3x3_2_vector, 3, 2, CS_VEC_LANES, TRUE)
VARIANT (planes_3x3_1, 3, 1, 0, TRUE)
VARIANT (planes_3x3_2, 3, 2, 0, TRUE)
VARIANT (planes_3x3_2_rgb, 3, 2, 3, TRUE)
VARIANT (planes_7x7_2_rgb, 7, 2, 3, TRUE)
VARIANT (planes_any, 0, 0, 0, TRUE)
#undef VARIANT

void
CS_VEC_NAME (cs_grouped_interleaved) (CS_GROUPED_INTERLEAVED_PARAMS)
{
  const gboolean square = g->kernel[0] == g->kernel[1] && g->dilation[0] == 1
                          && g->dilation[1] == 1;
  const int      size = square ? g->kernel[0] : 0, stride = g->stride[1];
  const gboolean vector = channels == CS_VEC_LANES, rgb = channels == 3;
  void (*run) (CS_GROUPED_INTERLEAVED_PARAMS);

  if (plane > 0)
    run = size == 3 && stride == 1 ? (vector ? planes_3x3_1_vector : planes_3x3_1)
          : size == 3 && stride == 2 ? (vector ? planes_3x3_2_vector
                                        : rgb  ? planes_3x3_2_rgb
                                               : planes_3x3_2)
          : size == 7 && stride == 2 && rgb ? planes_7x7_2_rgb
          : planes_any;
  else
    run = size == 3 && stride == 1 ? (vector ? pixels_3x3_1_vector : pixels_3x3_1)
          : size == 3 && stride == 2 ? (vector ? pixels_3x3_2_vector : pixels_3x3_2)
          : pixels_any;
  run (x, channels, plane, first_row, width, g, w, blocks, bias, y, y_plane, oh0, oh1, ep);
}
