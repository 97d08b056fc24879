/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * depthwise-simd.h — the depthwise-convolution kernel (kernels.h) written
 * once in the vector vocabulary (vec-avx2.h, vec-avx512.h); included by
 * depthwise-avx2.c and depthwise-avx512.c after their vocabulary header
 * and their instruction-specific steps:
 *   shuffled_order (v): a vector of even_lanes_shuffled's order (below)
 *     put right;
 *   gather_taps (row, first, stride, lanes): row[first + l·stride] in the
 *     lanes l of @lanes, else 0;
 *   INTERIOR_BLOCKS: whether column blocks whose every tap loads a whole
 *     vector run a copy of the loop of their own, free of the masks'
 *     branches.
 *
 * CS_VEC_LANES output columns per vector, read straight from the input
 * plane: masked loads stand in for the zero padding (a masked-off lane is
 * never read, so nothing outside the plane is touched), stride 2 loads
 * two vectors and keeps the even columns, other strides gather.  The
 * masks depend on the column block and tap column only, so they are
 * worked out once per block for all rows; 3×3, 5×5 and 7×7 have loops
 * of their own, with weights held in vectors and ROWS output rows summed
 * together, which away from the plane's top and bottom read whole
 * vectors across the rows' ends and zero what lies outside the row.
 *
 * And the interleaved kernel, CS_VEC_LANES channels of one pixel a
 * vector: no masks, no shuffles, every lane an output.
 */

/* The evens and the odds of two vectors in an order of their own (within
 * each 128-bit lane: two of @low's, then two of @high's), by an in-lane
 * shuffle, which costs less than a permute across the vector;
 * shuffled_order puts a vector of them back in order, once an output row
 * rather than once a tap (MobileNet v2's 3×3/2 layer from 112×112, AVX2,
 * warm: 0.30 → 0.28 ms before its rows were read two at a time). */
CS_VEC_INLINE CsVec
even_lanes_shuffled (CsVec low, CsVec high)
{
  return vec_shuffle (low, high, _MM_SHUFFLE (2, 0, 2, 0));
}

CS_VEC_INLINE CsVec
odd_lanes_shuffled (CsVec low, CsVec high)
{
  return vec_shuffle (low, high, _MM_SHUFFLE (3, 1, 3, 1));
}

/* Tap columns whose masks are kept per block; wider kernels recompute. */
#define KEPT_MASKS 16

/* How one tap column reads a block of output columns: the lanes inside
 * the plane, for stride 2 the masks of its two loads, and whether every
 * load is whole (vec_load_edge). */
typedef struct
{
  int64_t    first;      /* lane 0's input column */
  CsLaneMask lanes;
  CsLaneMask low, high;
  gboolean   whole;
} TapMasks;

static inline TapMasks
tap_masks (const CsDepthwiseGeometry *g, int kw, int64_t ow0)
{
  int64_t first = ow0 * g->stride[1] + (int64_t) kw * g->dilation[1] - g->pad_left;
  int64_t lo, hi;

  cs_depthwise_columns (g, kw, &lo, &hi);
  return (TapMasks) { first, vec_lanes (lo - ow0, hi - ow0),
                      vec_lanes (-first, g->in_w - first),
                      vec_lanes (-first - CS_VEC_LANES, g->in_w - first - CS_VEC_LANES),
                      first >= 0 && first + CS_VEC_LANES * g->stride[1] <= g->in_w };
}

/* Lane l: row[first + l·stride] inside the plane, else 0; @whole: that
 * the loads are whole whatever @masks say. */
CS_VEC_INLINE CsVec
load_taps (const float *row, int stride, const gboolean whole, const TapMasks *masks)
{
  const int64_t first = masks->first;

  if (stride == 1)
    return vec_load_edge (whole || masks->whole, shifted (row, first), masks->lanes);
  if (stride == 2)
    /* The loads' masks keep them inside the row; the even elements are
     * the taps, and lanes outside the plane read padding, i.e. zero. */
    return vec_even_lanes (
        vec_load_edge (whole || masks->whole, shifted (row, first), masks->low),
        vec_load_edge (whole || masks->whole, shifted (row, first + CS_VEC_LANES), masks->high));
  return gather_taps (row, first, stride, masks->lanes);
}

/* Output rows computed together by rows_together. */
#define ROWS 4
/* Output rows ahead whose lines are fetched before they are stored
 * (planes_together): past the task's rows they are the next task's, or
 * past the plane's end the next plane's, which come next.  MobileNet
 * v2's 3×3 layer on 32 planes of 112×112, 36 rows a task, in the
 * network (AVX2, Zen 3, best of five): 0.270 ms without, 0.248 with;
 * 48 had been measured best for the walk down each column block that
 * planes_together replaced (EfficientNet-B0's 32 planes of 112×112, the
 * caches cold: 0.26 → 0.15 ms; 16 rows ahead 0.21, 96 0.18). */
#define PREFETCH_ROWS 48

/* Stride 1: input row q's tap column kw, loaded as @tap, into the sum of
 * output row r of those rows_together and rows_along sum, where it
 * reads row q: each sum takes its taps row by row, column by column. */
#define STRIDE_1_TAP(r) \
  if (r < ROWS && q - r >= 0 && q - r < size) \
    sum##r = vec_fmadd (WEIGHT ((q - r) * size + kw), tap, sum##r);

/* How rows_together reads its rows, all inside the plane but for
 * READ_MASKED's: whole vectors where every tap of the block lies in its
 * row; whole vectors with the columns outside the row zeroed (the
 * padding), where those columns are still inside the plane, read from
 * the rows beside; masked loads, skipping the rows outside the plane. */
typedef enum
{
  READ_WHOLE,
  READ_ZEROED,
  READ_MASKED
} RowReads;

/* A @size × @size kernel with equal row and column strides @stride (1,
 * or 2 with no dilation across) and no dilation down the rows: output
 * rows [oh, oh + ROWS) of one channel by stride 1, [oh, oh + 2) by stride
 * 2, whose input rows start at row @top of @plane (rows outside the
 * plane, the zero padding, are skipped; only READ_MASKED reads have any,
 * rows_inside sees to it).  Each input row's taps are loaded once for
 * every output row that reads them, and the rows' sums are independent
 * chains of FMAs: one row alone waits on the FMA latency at every step.
 * By stride 1 each tap feeds the sums as it is loaded (STRIDE_1_TAP)
 * but in the zeroed blocks.  By stride 2, tap kw + 1 reads the odd
 * columns of the pair of loads whose even ones tap kw reads, which saves
 * a third of the loads of a 3×3 kernel and two fifths of a 5×5 one, and
 * the taps stay in the shuffled order, each lane summing its own output
 * column, put in order once per output row rather than once per tap;
 * and two rows, not ROWS, whose sums every input row feeds both of, where
 * four rows' sums took in turns the loads of nine input rows (MobileNet
 * v2's 3×3/2 layer on 96 planes of 112×112, AVX2, Zen 3, warm: 0.241 →
 * 0.223 ms).  @reads, a constant in each copy, says how the rows are read
 * (RowReads).  The taps are summed in the order the one-row loop sums
 * them, so the results are the same to the bit. */
CS_VEC_INLINE void
rows_together (const int size, const int stride, const RowReads reads, const float *plane,
               int64_t in_h, int64_t in_w, int64_t top, const CsVec *weight, const float *scalars,
               const TapMasks *kept, CsVec start, CsEpilogueVec epv, gboolean full,
               CsLaneMask out_lanes, float *out, int64_t out_w)
{
  const int rows = stride == 1 ? ROWS : 2;
  CsVec sum0 = vec_zero (), sum1 = vec_zero (), sum2 = vec_zero (), sum3 = vec_zero ();

  /* Nine weight vectors stay in registers; 25 or 49 would not, and as
   * AVX-512 vectors on the stack each FMA would load 64 bytes, 1.4 loads
   * an FMA with the taps: the 5×5 and 7×7 kernels broadcast each weight
   * from its float instead, a load that costs half (ConvNeXt's 7×7 layer
   * on 56×56: 0.577 → 0.449 ms).  A 32-byte AVX2 vector loads as cheaply
   * as a broadcast, and is kept. */
#define WEIGHT(t) \
  (size <= 3 || CS_VEC_LANES < 16 ? weight[t] : vec_set1 (scalars[t]))
#pragma GCC unroll 16
  for (int q = 0; q < (rows - 1) * stride + size; q++)
    {
      const float *row;
      CsVec        taps[7];

      if (reads == READ_MASKED && (top + q < 0 || top + q >= in_h))
        continue;
      row = plane + (top + q) * in_w;
      if (stride == 2)
        {
#pragma GCC unroll 4
          for (int kw = 0; kw < size; kw += 2)
            {
              const TapMasks *m = &kept[kw];
              const float    *from = shifted (row, m->first);
              const float    *then = shifted (row, m->first + CS_VEC_LANES);
              CsVec           low, high;

              if (reads == READ_ZEROED)
                {
                  low = vec_load_only (from, m->low);
                  high = vec_load_only (then, m->high);
                }
              else
                {
                  low = vec_load_edge (reads == READ_WHOLE || m->whole, from, m->low);
                  high = vec_load_edge (reads == READ_WHOLE || m->whole, then, m->high);
                }
              taps[kw] = even_lanes_shuffled (low, high);
              if (kw + 1 < size)
                taps[kw + 1] = odd_lanes_shuffled (low, high);
            }
        }
      else if (reads == READ_ZEROED)
        /* A row's taps loaded first: summed as loaded, as below, the
         * edge blocks made a 5×5 layer 1.4 times as slow (72 planes of
         * 56×56: 0.35 against 0.25 ms), GCC spilling weights. */
#pragma GCC unroll 7
        for (int kw = 0; kw < size; kw++)
          taps[kw] = vec_load_only (shifted (row, kept[kw].first), kept[kw].lanes);
      else
        {
#pragma GCC unroll 7
          for (int kw = 0; kw < size; kw++)
            {
              const CsVec tap = load_taps (row, 1, reads == READ_WHOLE, &kept[kw]);

              STRIDE_1_TAP (0) STRIDE_1_TAP (1) STRIDE_1_TAP (2) STRIDE_1_TAP (3)
            }
          continue;
        }
#define ROW_TAPS(r) \
      if (r < rows && q - r * stride >= 0 && q - r * stride < size) \
        for (int kw = 0; kw < size; kw++) \
          sum##r = vec_fmadd (WEIGHT ((q - r * stride) * size + kw), taps[kw], sum##r);
      ROW_TAPS (0) ROW_TAPS (1) ROW_TAPS (2) ROW_TAPS (3)
#undef ROW_TAPS
    }
#undef WEIGHT
#define ROW_STORE(r) \
  if (r < rows) \
    vec_store_edge (full, out + r * out_w, out_lanes, \
                    vec_epilogue (stride == 2 ? shuffled_order (sum##r) : sum##r, start, epv));
  ROW_STORE (0) ROW_STORE (1) ROW_STORE (2) ROW_STORE (3)
#undef ROW_STORE
}

/* The output rows [*lo, *hi) of a @size × @size kernel of stride
 * @stride whose input rows lie inside the plane, and whose whole-vector
 * loads, which reach from @before columns before a row's start to @after
 * past its end, stay inside it too: there rows_together skips no rows and
 * reads whole vectors, zeroing the columns outside the row (MobileNet
 * v2's 3×3/2 layer from 112×112, AVX2, Zen 3, warm: 0.30 ms with every
 * row read by masked loads, 0.26 with the rows inside read whole but for
 * the first and last block, 0.22 with those zeroed). */
static inline void
rows_inside (const CsDepthwiseGeometry *g, int size, int stride, int64_t before, int64_t after,
             int64_t *lo, int64_t *hi)
{
  const int64_t first_row = before > 0 ? (before + g->in_w - 1) / g->in_w : 0;
  const int64_t last_row = g->in_h - 1 - (after > 0 ? (after + g->in_w - 1) / g->in_w : 0);

  *lo = (first_row + g->pad_top + stride - 1) / stride;
  *hi = last_row - size + 1 + g->pad_top >= 0 ? (last_row - size + 1 + g->pad_top) / stride + 1
                                               : 0;
}

/* Stride 1, no dilation: rows_together's READ_WHOLE sums for a run of
 * @blocks column blocks side by side, their ROWS output rows at @out,
 * lane 0 of the first block's first tap at @from, in a loop of its own,
 * the weights in registers all along: block by block, rows_together
 * reloaded each block's tap columns and masks, and GCC spilled weights
 * (with the edge blocks zeroed rather than masked, MobileNet v3's 3×3
 * layer on 16 planes of 112×112, AVX2, Zen 3, warm: 0.091 → 0.075 ms).
 * The sums are rows_together's, to the bit. */
CS_VEC_INLINE void
rows_along (const int size, const float *from, int64_t in_w, int blocks,
            const CsVec *weight, const float *scalars, CsVec start, CsEpilogueVec epv,
            float *out, int64_t out_w)
{
  const CsLaneMask all = vec_lanes (0, CS_VEC_LANES);

#define WEIGHT(t) \
  (size <= 3 || CS_VEC_LANES < 16 ? weight[t] : vec_set1 (scalars[t]))
  for (int b = 0; b < blocks; b++, from += CS_VEC_LANES, out += CS_VEC_LANES)
    {
      CsVec sum0 = vec_zero (), sum1 = vec_zero (), sum2 = vec_zero (), sum3 = vec_zero ();

      for (int r = 0; r < ROWS; r++)
        __builtin_prefetch (shifted (out, (PREFETCH_ROWS + r) * out_w), 1, 3);
#pragma GCC unroll 16
      for (int q = 0; q < ROWS - 1 + size; q++)
#pragma GCC unroll 7
        for (int kw = 0; kw < size; kw++)
          {
            const CsVec tap = vec_load_edge (TRUE, from + q * in_w + kw, all);

            STRIDE_1_TAP (0) STRIDE_1_TAP (1) STRIDE_1_TAP (2) STRIDE_1_TAP (3)
          }
#define ROW_STORE(r) \
      vec_store_edge (TRUE, out + r * out_w, all, vec_epilogue (sum##r, start, epv));
      ROW_STORE (0) ROW_STORE (1) ROW_STORE (2) ROW_STORE (3)
#undef ROW_STORE
    }
#undef WEIGHT
}

/* Column blocks whose masks planes_together keeps at once. */
#define BLOCKS_TOGETHER 16

/* A @size × @size kernel that rows_together serves, on at least ROWS
 * output rows, on the planes: channel by channel, down the rows as many
 * at a time as rows_together sums (ROWS, or two by stride 2), and along
 * them BLOCKS_TOGETHER column blocks at a time, so that the input is read
 * row by row as it lies.  Block by block down the whole plane, each input
 * row was a line or two of its own for every block, and on a 112×112 map
 * MobileNet v2's 3×3/2 layer on 96 planes waited on the caches: 0.45 →
 * 0.37 ms in the network (AVX2, Zen 3).  The last rows of a run end at
 * its end, recomputing rows the ones before them wrote (to the same
 * bits): a row alone would wait on the FMA latency at every tap. */
CS_VEC_INLINE void
planes_together (const int size, const int stride, CS_DEPTHWISE_PARAMS)
{
  const int64_t in_h = g->in_h, in_w = g->in_w, out_w = g->out_w, pad_top = g->pad_top;
  const int rows = stride == 1 ? ROWS : 2;
  CsEpilogue plain = *ep;
  CsEpilogueVec epv;
  CsVec weight[49];
  TapMasks kept[BLOCKS_TOGETHER][7];  /* 7: the widest kernel with a loop of its own */
  gboolean interior[BLOCKS_TOGETHER];
  /* The rows read with whole vectors (rows_inside); the last block's
   * loads end stride·CS_VEC_LANES columns after its last tap's first. */
  const int64_t last_block = (out_w - 1) / CS_VEC_LANES * CS_VEC_LANES;
  const int64_t last_tap = (int64_t) (size - 1) * g->dilation[1];
  int64_t inside_lo, inside_hi;

  rows_inside (g, size, stride, g->pad_left,
               last_block * stride + last_tap - g->pad_left + stride * CS_VEC_LANES - in_w,
               &inside_lo, &inside_hi);
  plain.alpha = 1.0f;
  epv = vec_epilogue_load (&plain);
  for (int64_t first_column = 0; first_column < out_w;
       first_column += BLOCKS_TOGETHER * CS_VEC_LANES)
    {
      const int blocks = (int) MIN (BLOCKS_TOGETHER,
                                    (out_w - first_column + CS_VEC_LANES - 1) / CS_VEC_LANES);
      int run_lo = 0, run_hi;  /* the interior blocks, side by side */

      for (int b = 0; b < blocks; b++)
        {
          const int64_t ow0 = first_column + b * CS_VEC_LANES;

          interior[b] = INTERIOR_BLOCKS && ow0 + CS_VEC_LANES <= out_w;
          for (int kw = 0; kw < size; kw++)
            {
              kept[b][kw] = tap_masks (g, kw, ow0);
              interior[b] = interior[b] && kept[b][kw].whole;
            }
        }
      while (run_lo < blocks && !interior[run_lo])
        run_lo++;
      for (run_hi = run_lo; run_hi < blocks && interior[run_hi]; run_hi++)
        ;
      /* 7×7 weights do not stay in registers along the run. */
      if (stride != 1 || size > 5 || g->dilation[1] != 1)
        run_lo = run_hi = blocks;
      for (int64_t c = 0; c < channels; c++)
        {
          const float *plane = x + c * x_stride;
          const float *wc = w + c * size * size;
          const CsVec start = vec_set1 (bias != NULL ? bias[c] : 0.0f);

          for (int t = 0; t < size * size; t++)
            weight[t] = vec_set1 (wc[t]);
          for (int64_t oh = oh0; oh < oh1; oh += rows)
            {
              const int64_t first = MIN (oh, oh1 - rows);
              const gboolean inside = first >= inside_lo && first + rows <= inside_hi;

              /* The blocks of each kind in a loop of their own: in one loop
               * the compiler loaded the taps of the whole and the zeroed
               * copies once for both and kept them on the stack (0.30 →
               * 0.22 ms warm on MobileNet's layer). */
#define EACH_BLOCK(which, call) \
  for (int b = 0; b < blocks; b++) \
    if (which) \
      { \
        const int64_t ow0 = first_column + b * CS_VEC_LANES; \
        const gboolean full = ow0 + CS_VEC_LANES <= out_w; \
        float *out = y + c * y_stride + first * out_w + ow0; \
 \
        for (int r = 0; r < rows; r++) \
          __builtin_prefetch (shifted (out, (PREFETCH_ROWS + r) * out_w), 1, 3); \
        call; \
      }
#define TOGETHER(reads) \
  rows_together (size, stride, reads, plane, in_h, in_w, first * stride - pad_top, weight, wc, \
                 kept[b], start, epv, (reads) == READ_WHOLE || full, vec_lanes (0, out_w - ow0), \
                 out, out_w)
              if (!inside)
                {
                  EACH_BLOCK (TRUE, TOGETHER (READ_MASKED))
                }
              else if (stride == 1)
                {
                  /* The run's blocks, a 7×7 kernel's interior ones block
                   * by block, the others zeroed. */
                  const gboolean by_block = size > 5;

                  if (run_hi > run_lo)
                    rows_along (size, shifted (plane, (first - pad_top) * in_w
                                                      + kept[run_lo][0].first),
                                in_w, run_hi - run_lo, weight, wc, start, epv,
                                y + c * y_stride + first * out_w + first_column
                                + run_lo * CS_VEC_LANES, out_w);
                  EACH_BLOCK (by_block && interior[b], TOGETHER (READ_WHOLE))
                  EACH_BLOCK ((b < run_lo || b >= run_hi) && !(by_block && interior[b]),
                              TOGETHER (READ_ZEROED))
                }
              else
                {
                  EACH_BLOCK (interior[b], TOGETHER (READ_WHOLE))
                  EACH_BLOCK (!interior[b], TOGETHER (READ_ZEROED))
                }
#undef TOGETHER
#undef EACH_BLOCK
            }
        }
    }
}

/* Any kernel, stride and dilation, one output row at a time: what
 * planes_together and flat_kernel do not serve (kernels without a loop
 * of their own, unequal strides, a dilation down the rows, tasks of
 * fewer than ROWS rows).  One copy for every kernel: a copy a kernel
 * size, as planes_together's, would only lengthen the build. */
CS_VEC_INLINE void
planes_kernel (CS_DEPTHWISE_PARAMS)
{
  /* Local copies: stores through @y could alias anything read through a
   * pointer, so the compiler would reload those after every store. */
  const int kh_n = g->kernel[0], kw_n = g->kernel[1], sw = g->stride[1];
  const int64_t in_h = g->in_h, in_w = g->in_w, out_w = g->out_w;
  const int64_t sh = g->stride[0], dh = g->dilation[0], pad_top = g->pad_top;
  CsEpilogue plain = *ep;
  CsEpilogueVec epv;
  TapMasks kept[KEPT_MASKS];

  plain.alpha = 1.0f;
  epv = vec_epilogue_load (&plain);
  for (int64_t ow0 = 0; ow0 < out_w; ow0 += CS_VEC_LANES)
    {
      const gboolean full = ow0 + CS_VEC_LANES <= out_w;
      const CsLaneMask out_lanes = vec_lanes (0, out_w - ow0);

      for (int kw = 0; kw < MIN (kw_n, KEPT_MASKS); kw++)
        kept[kw] = tap_masks (g, kw, ow0);
      for (int64_t c = 0; c < channels; c++)
        {
          const float *plane = x + c * x_stride;
          const float *wc = w + c * kh_n * kw_n;
          float *out = y + c * y_stride + ow0;
          const CsVec start = vec_set1 (bias != NULL ? bias[c] : 0.0f);

          for (int64_t oh = oh0; oh < oh1; oh++)
            {
              CsVec sum = vec_zero ();

              for (int kh = 0; kh < kh_n; kh++)
                {
                  int64_t ih = oh * sh - pad_top + kh * dh;
                  const float *row;

                  if (ih < 0 || ih >= in_h)
                    continue;
                  row = plane + ih * in_w;
                  for (int kw = 0; kw < kw_n; kw++)
                    {
                      TapMasks wide;
                      const TapMasks *masks = kw < KEPT_MASKS ? &kept[kw]
                                              : (wide = tap_masks (g, kw, ow0), &wide);

                      sum = vec_fmadd (vec_set1 (wc[kh * kw_n + kw]),
                                       load_taps (row, sw, FALSE, masks), sum);
                    }
                }
              vec_store_edge (full, out + oh * out_w, out_lanes,
                              vec_epilogue (sum, start, epv));
            }
        }
    }
}

/* Output blocks summed together by flat_kernel, each its own chain of
 * FMAs. */
#define FLAT_BLOCKS 4

/* Whether flat_kernel serves @g: stride 1, no dilation, an input row as
 * wide as the output row, and an output row so narrow that row by row
 * more than half of every vector would be wasted. */
static inline gboolean
flat_suits (const CsDepthwiseGeometry *g)
{
  return g->stride[0] == 1 && g->stride[1] == 1 && g->dilation[0] == 1 && g->dilation[1] == 1
         && g->in_w == g->out_w && 2 * g->out_w <= CS_VEC_LANES;
}

/* A @size × @size kernel over output rows [oh0, oh1) taken as one run of
 * pixels.  Where flat_suits, tap (kh, kw) of output pixel o (counted
 * along the plane) is input pixel o + (kh − pad_top)·in_w + kw − pad_left,
 * so a vector of consecutive outputs that spans several rows reads
 * consecutive inputs.  The lanes whose tap falls in the padding, or
 * whose output lies past @oh1, are masked off; the masks depend on the
 * block and the tap only, and are worked out once for every channel.
 * Each output sums its taps in the order planes_kernel does, so the
 * results are the same to the bit. */
CS_VEC_INLINE void
flat_kernel (const int size, CS_DEPTHWISE_PARAMS)
{
  const int64_t in_h = g->in_h, in_w = g->in_w, out_w = g->out_w;
  const int64_t pad_top = g->pad_top, pad_left = g->pad_left;
  const int64_t end = oh1 * out_w;
  CsEpilogue    plain = *ep;
  CsEpilogueVec epv;
  CsLaneMask    masks[49][FLAT_BLOCKS];

  plain.alpha = 1.0f;
  epv = vec_epilogue_load (&plain);
  for (int64_t o0 = oh0 * out_w; o0 < end; o0 += FLAT_BLOCKS * CS_VEC_LANES)
    {
      int64_t oh = o0 / out_w, ow = o0 % out_w;

      for (int b = 0; b < FLAT_BLOCKS; b++)
        {
          uint32_t row_in[7] = { 0 }, column_in[7] = { 0 };

          for (int lane = 0; lane < CS_VEC_LANES && o0 + b * CS_VEC_LANES + lane < end; lane++)
            {
              for (int k = 0; k < size; k++)
                {
                  const int64_t ih = oh + k - pad_top, iw = ow + k - pad_left;

                  row_in[k] |= (uint32_t) (ih >= 0 && ih < in_h) << lane;
                  column_in[k] |= (uint32_t) (iw >= 0 && iw < in_w) << lane;
                }
              if (++ow == out_w)
                {
                  ow = 0;
                  oh++;
                }
            }
          for (int t = 0; t < size * size; t++)
            masks[t][b] = vec_lanes_of_bits (row_in[t / size] & column_in[t % size]);
        }
      for (int64_t c = 0; c < channels; c++)
        {
          const float *plane = x + c * x_stride + o0;
          const float *wc = w + c * size * size;
          float       *out = y + c * y_stride + o0;
          const CsVec  start = vec_set1 (bias != NULL ? bias[c] : 0.0f);
          CsVec sum0 = vec_zero (), sum1 = vec_zero (), sum2 = vec_zero (), sum3 = vec_zero ();

          for (int kh = 0; kh < size; kh++)
            {
              const float      *row = shifted (plane, (kh - pad_top) * in_w - pad_left);
              const CsLaneMask *row_masks = masks[kh * size];

#pragma GCC unroll 7
              for (int kw = 0; kw < size; kw++)
                {
                  const CsVec       weight = vec_set1 (wc[kh * size + kw]);
                  const CsLaneMask *m = row_masks + kw * FLAT_BLOCKS;

                  /* A block wholly past @oh1 loads nothing: its masks
                   * are 0. */
                  sum0 = vec_fmadd (weight, vec_load_lanes (row + kw, m[0]), sum0);
                  sum1 = vec_fmadd (weight, vec_load_lanes (row + kw + CS_VEC_LANES, m[1]), sum1);
                  sum2 =
                      vec_fmadd (weight, vec_load_lanes (row + kw + 2 * CS_VEC_LANES, m[2]), sum2);
                  sum3 =
                      vec_fmadd (weight, vec_load_lanes (row + kw + 3 * CS_VEC_LANES, m[3]), sum3);
                }
            }
#define BLOCK_STORE(b)                                                                             \
  if (end - o0 > b * CS_VEC_LANES)                                                                 \
    vec_store_edge (end - o0 >= (b + 1) * CS_VEC_LANES, out + b * CS_VEC_LANES,                    \
                    vec_lanes (0, end - o0 - b * CS_VEC_LANES),                                    \
                    vec_epilogue (sum##b, start, epv));
          BLOCK_STORE (0) BLOCK_STORE (1) BLOCK_STORE (2) BLOCK_STORE (3)
#undef BLOCK_STORE
        }
    }
}

/* Output row @oh of the interleaved kernel: @n pixels and, when not 0,
 * a @size × @size kernel of column stride @stride and no dilation,
 * constants in each instantiation so that the sums live in registers,
 * the taps' loops unroll and their addresses are offsets.  Rows outside
 * the plane are skipped; columns outside it read the rows' zero
 * padding. */
CS_VEC_INLINE void
interleaved_row (const int n, const int size, const int stride, const float *x,
                 int64_t first_row, int64_t width, const CsDepthwiseGeometry *g, const float *w,
                 int64_t oh, CsVec start, CsEpilogueVec epv, float *out)
{
  const int        kh_n = size > 0 ? size : g->kernel[0], kw_n = size > 0 ? size : g->kernel[1];
  const int64_t    dh = size > 0 ? 1 : g->dilation[0];
  const int64_t    column_step = (int64_t) (size > 0 ? stride : g->stride[1]) * CS_VEC_LANES;
  const int64_t    tap_step = (int64_t) (size > 0 ? 1 : g->dilation[1]) * CS_VEC_LANES;
  const CsLaneMask all = vec_lanes (0, CS_VEC_LANES);
  CsVec sum0 = vec_zero (), sum1 = vec_zero (), sum2 = vec_zero (), sum3 = vec_zero ();
  CsVec sum4 = vec_zero (), sum5 = vec_zero (), sum6 = vec_zero (), sum7 = vec_zero ();

  for (int kh = 0; kh < kh_n; kh++)
    {
      const int64_t ih = oh * g->stride[0] - g->pad_top + kh * dh;
      const float  *row;

      if (ih < 0 || ih >= g->in_h)
        continue;
      row = x + (ih - first_row) * width * CS_VEC_LANES;
#pragma GCC unroll 7
      for (int kw = 0; kw < kw_n; kw++)
        {
          const float *tap = row + kw * tap_step;
          const CsVec  weight = vec_load_edge (TRUE, w + (kh * kw_n + kw) * CS_VEC_LANES, all);

#define COLUMN(i) \
          if (i < n) \
            sum##i = vec_fmadd (weight, vec_load_edge (TRUE, tap + i * column_step, all), sum##i);
          COLUMN (0) COLUMN (1) COLUMN (2) COLUMN (3) COLUMN (4) COLUMN (5) COLUMN (6) COLUMN (7)
#undef COLUMN
        }
    }
  vec_store_pixels (n, out, start, epv, sum0, sum1, sum2, sum3, sum4, sum5, sum6, sum7);
}

/* @size and @stride: the kernel's and its column stride, as constants
 * (interleaved_row), else 0.  Rows wider than CS_INTERLEAVED_PIXELS go
 * that many pixels at a time, the last piece what is left. */
CS_VEC_INLINE void
interleaved_rows (const int size, const int stride, CS_DEPTHWISE_INTERLEAVED_PARAMS)
{
  const CsVec   start = bias != NULL ? vec_load_edge (TRUE, bias, vec_lanes (0, CS_VEC_LANES))
                                     : vec_zero ();
  /* Pixels ow0 on read from column ow0·stride on. */
  const int64_t column_step = (int64_t) (size > 0 ? stride : g->stride[1]) * CS_VEC_LANES;
  CsEpilogue    plain = *ep;
  CsEpilogueVec epv;

  plain.alpha = 1.0f;
  epv = vec_epilogue_load (&plain);
  for (int64_t oh = oh0; oh < oh1; oh++)
    for (int64_t ow0 = 0; ow0 < g->out_w; ow0 += CS_INTERLEAVED_PIXELS)
      {
        float       *out = y + ((oh - oh0) * g->out_w + ow0) * CS_VEC_LANES;
        const float *from = x + ow0 * column_step;

#define ROW(n) interleaved_row (n, size, stride, from, first_row, width, g, w, oh, start, epv, out)
        CS_ROW_SWITCH (MIN (g->out_w - ow0, CS_INTERLEAVED_PIXELS), CS_INTERLEAVED_PIXELS, ROW)
#undef ROW
      }
}

void
CS_VEC_NAME (cs_depthwise_interleaved) (CS_DEPTHWISE_INTERLEAVED_PARAMS)
{
  const gboolean square = g->kernel[0] == g->kernel[1] && g->dilation[0] == 1
                          && g->dilation[1] == 1;
  const int      size = square ? g->kernel[0] : 0, stride = g->stride[1];

#define ROWS_OF(size, stride) \
  interleaved_rows (size, stride, x, first_row, width, g, w, bias, y, oh0, oh1, ep)
  if (size == 3 && stride == 1)
    ROWS_OF (3, 1);
  else if (size == 3 && stride == 2)
    ROWS_OF (3, 2);
  else if (size == 5 && stride == 1)
    ROWS_OF (5, 1);
  else if (size == 5 && stride == 2)
    ROWS_OF (5, 2);
  else if (size == 7 && stride == 1)
    ROWS_OF (7, 1);
  else
    ROWS_OF (0, 0);
#undef ROWS_OF
}

void
CS_VEC_NAME (cs_depthwise) (CS_DEPTHWISE_PARAMS)
{
  gboolean three = g->kernel[0] == 3 && g->kernel[1] == 3;
  gboolean five = g->kernel[0] == 5 && g->kernel[1] == 5;
  gboolean seven = g->kernel[0] == 7 && g->kernel[1] == 7;
  /* What planes_together serves: strides equal, no dilation down the
   * rows (nor across by stride 2), rows enough to sum ROWS at a time. */
  gboolean together = g->stride[0] == g->stride[1] && g->dilation[0] == 1
                      && (g->stride[1] == 1 || g->dilation[1] == 1) && oh1 - oh0 >= ROWS;

  gboolean flat = flat_suits (g);

#define TOGETHER(size, stride) \
  planes_together (size, stride, x, x_stride, g, w, bias, y, y_stride, channels, oh0, oh1, ep)
  if (flat && five)
    flat_kernel (5, x, x_stride, g, w, bias, y, y_stride, channels, oh0, oh1, ep);
  else if (flat && seven)
    flat_kernel (7, x, x_stride, g, w, bias, y, y_stride, channels, oh0, oh1, ep);
  else if (together && three && g->stride[1] == 1)
    TOGETHER (3, 1);
  else if (together && three && g->stride[1] == 2)
    TOGETHER (3, 2);
  else if (together && five && g->stride[1] == 1)
    TOGETHER (5, 1);
  else if (together && five && g->stride[1] == 2)
    TOGETHER (5, 2);
  else if (together && seven && g->stride[1] == 1)
    TOGETHER (7, 1);
  else
    planes_kernel (x, x_stride, g, w, bias, y, y_stride, channels, oh0, oh1, ep);
#undef TOGETHER
}
