/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pool-simd.h — the pooling kernels (kernels.h): windows over planes and
 * global pooling.  Plain C loops that the compiler vectorizes with the
 * flags of the file that includes it (pool-generic.c, pool-avx2.c,
 * pool-avx512.c, after defining CS_VEC_NAME), so one source serves every
 * table: ops are baseline code, and their loops ran four floats wide.
 * Windows apply separably, down their rows and then along their columns,
 * in passes over whole rows; windows that straddle a border check their
 * taps one by one.  With AVX-512 and AVX2 (vector_suits), pooling goes
 * in vectors of output columns instead, in the vector vocabulary: down
 * each plane (pool_plane), or with AVX2 on rows wider than a vector, a
 * block of rows at a time through lines (pool_by_lines).
 */

/* One pass of fold_taps over @count ≤ 3 taps, the constants spelled out
 * at each call so that every loop vectorizes. */
static inline __attribute__ ((always_inline)) void
fold_pass (const gboolean is_max, const gboolean first, const int count, float *acc,
           const float *src, int64_t tap_step, int64_t n, const int64_t stride)
{
  const float init = is_max ? -INFINITY : 0.0f;

#define FOLD(a, b) (is_max ? ((b) > (a) ? (b) : (a)) : (a) + (b))
  for (int64_t i = 0; i < n; i++)
    {
      float v = FOLD (first ? init : acc[i], src[i * stride]);

      if (count > 1)
        v = FOLD (v, src[tap_step + i * stride]);
      if (count > 2)
        v = FOLD (v, src[2 * tap_step + i * stride]);
      acc[i] = v;
    }
#undef FOLD
}

/* acc[i] = the fold (maximum, or sum in tap order) of src[t·tap_step +
 * i·stride] over the @taps taps, −∞ or 0 for none.  Three taps a pass,
 * so that @acc is written once per three taps rather than once per tap;
 * strides 1 and 2 (nearly every CNN pool) get loops of their own. */
static void
fold_taps (gboolean is_max, float *acc, const float *src, int64_t tap_step, int taps,
           int64_t n, int64_t stride)
{
  if (taps <= 0)
    for (int64_t i = 0; i < n; i++)
      acc[i] = is_max ? -INFINITY : 0.0f;
  for (int t = 0; t < taps; t += 3)
    {
      const float *at = src + t * tap_step;
      const int count = MIN (3, taps - t);

#define PASS(MAX, FIRST, COUNT)                                                      \
  do                                                                                \
    {                                                                               \
      if (stride == 1)                                                              \
        fold_pass (MAX, FIRST, COUNT, acc, at, tap_step, n, 1);                     \
      else if (stride == 2)                                                         \
        fold_pass (MAX, FIRST, COUNT, acc, at, tap_step, n, 2);                     \
      else                                                                          \
        fold_pass (MAX, FIRST, COUNT, acc, at, tap_step, n, stride);                \
    }                                                                               \
  while (0)
#define BY_COUNT(MAX, FIRST)                                                        \
  do                                                                                \
    {                                                                               \
      if (count == 3)                                                               \
        PASS (MAX, FIRST, 3);                                                       \
      else if (count == 2)                                                          \
        PASS (MAX, FIRST, 2);                                                       \
      else                                                                          \
        PASS (MAX, FIRST, 1);                                                       \
    }                                                                               \
  while (0)
      if (is_max && t == 0)
        BY_COUNT (TRUE, TRUE);
      else if (is_max)
        BY_COUNT (TRUE, FALSE);
      else if (t == 0)
        BY_COUNT (FALSE, TRUE);
      else
        BY_COUNT (FALSE, FALSE);
#undef BY_COUNT
#undef PASS
    }
}

/* Output @o's taps along @axis (0: rows, 1: columns) that fall in the
 * plane, [*first, *last), and the count a mean divides by along it. */
static int64_t
window_axis (const CsPoolGeometry *g, int axis, int64_t o, int *first, int *last)
{
  return cs_pool_window_taps (o * g->stride[axis] - g->pads[axis], g->dilation[axis],
                              g->kernel[axis], axis == 0 ? g->in_h : g->in_w, g->pads[axis],
                              g->pads[axis + 2], g->count_include_pad, first, last);
}

/* The fold of output column @ox from the row @folded, tap by tap, only
 * those inside the row; *@count: the taps a mean divides by along the
 * row. */
static float
border_column (const CsPoolGeometry *g, const float *folded, int64_t ox, int64_t *count)
{
  const int64_t x0 = ox * g->stride[1] - g->pads[1];
  float acc = g->is_max ? -INFINITY : 0.0f;
  int kx0, kx1;

  *count = window_axis (g, 1, ox, &kx0, &kx1);
  for (int kx = kx0; kx < kx1; kx++)
    {
      const float v = folded[x0 + (int64_t) kx * g->dilation[1]];

      acc = g->is_max ? (v > acc ? v : acc) : acc + v;
    }
  return acc;
}

/* The output columns [*lo, *hi) whose whole window lies inside the row. */
static void
inner_columns (const CsPoolGeometry *g, int64_t *lo, int64_t *hi)
{
  const int64_t stride = g->stride[1], left = g->pads[1];
  const int64_t span = (int64_t) (g->kernel[1] - 1) * g->dilation[1];

  *lo = MIN ((left + stride - 1) / stride, g->out_w);
  *hi = g->in_w - 1 + left - span < 0
        ? *lo : CLAMP ((g->in_w - 1 + left - span) / stride + 1, *lo, g->out_w);
}

/* Output row @oy of one plane: the window's rows that fall in the input
 * are folded into @folded (one value per input column), then outputs
 * [@lo, @hi) fold their columns of that in passes along the row. */
static void
pool_row (const CsPoolGeometry *g, const float *x, float *out, float *folded, int64_t oy,
          int64_t lo, int64_t hi)
{
  const int64_t y0 = oy * g->stride[0] - g->pads[0];
  int ky0, ky1;
  const int64_t rows = window_axis (g, 0, oy, &ky0, &ky1);

  fold_taps (g->is_max, folded, x + (y0 + (int64_t) ky0 * g->dilation[0]) * g->in_w,
             (int64_t) g->dilation[0] * g->in_w, ky1 - ky0, g->in_w, 1);
  if (hi > lo)
    {
      fold_taps (g->is_max, out + lo, folded + lo * g->stride[1] - g->pads[1],
                 g->dilation[1], g->kernel[1], hi - lo, g->stride[1]);
      if (!g->is_max)
        {
          const float scale = rows > 0 ? 1.0f / (float) (rows * g->kernel[1]) : 0.0f;

          for (int64_t i = lo; i < hi; i++)
            out[i] *= scale;
        }
    }
  for (int64_t ox = 0; ox < g->out_w; ox++)
    {
      int64_t cols;

      if (ox == lo && hi > lo)
        ox = hi;
      if (ox == g->out_w)
        break;
      out[ox] = border_column (g, folded, ox, &cols);
      if (!g->is_max)
        out[ox] *= rows * cols > 0 ? 1.0f / (float) (rows * cols) : 0.0f;
    }
}

/* What every output of a mean is multiplied by, the inverse of its row
 * count times its column count (0 for none), into @scales (out_h ×
 * out_w): a product, since one division per output cost a third of the
 * flat passes' time.  The columns' counts wait in the last row's place,
 * which is filled last. */
static void
mean_scales (const CsPoolGeometry *g, float *scales)
{
  float *cols;

  if (g->out_h < 1)
    return;
  cols = scales + (g->out_h - 1) * g->out_w;
  for (int64_t ox = 0; ox < g->out_w; ox++)
    {
      int kx0, kx1;

      cols[ox] = (float) window_axis (g, 1, ox, &kx0, &kx1);
    }
  for (int64_t oy = 0; oy < g->out_h; oy++)
    {
      int ky0, ky1;
      const int64_t rows = window_axis (g, 0, oy, &ky0, &ky1);

      for (int64_t ox = 0; ox < g->out_w; ox++)
        {
          const int64_t count = rows * (int64_t) cols[ox];

          scales[oy * g->out_w + ox] = count > 0 ? 1.0f / (float) count : 0.0f;
        }
    }
}

/* @planes planes the flat way (cs_pool_is_flat), stacked into one tall
 * plane of planes·height rows: down the window's rows into @folded in one
 * pass, then along its columns into @y in one pass as if all were a
 * single row.  Both are right but at the borders, where windows reach
 * into the neighbouring plane or row; those rows and columns are redone
 * with the taps that fall inside, a column at a time down every row, as
 * a loop per row cost more than the passes on a small map.  A mean is
 * then multiplied by @scales. */
static void
pool_planes_flat (const CsPoolGeometry *g, const float *x, float *y, int64_t planes,
                  float *folded, const float *scales)
{
  const int64_t width = g->in_w, height = g->in_h, top = g->pads[0], left = g->pads[1];
  const int64_t rows = planes * height, plane = height * width;
  const int64_t span_rows = (int64_t) (g->kernel[0] - 1) * g->dilation[0];
  const int64_t span_cols = (int64_t) (g->kernel[1] - 1) * g->dilation[1];
  const int64_t whole_lo = MIN (top, height);
  const int64_t whole_hi = CLAMP (height - span_rows + top, whole_lo, height);
  const float init = g->is_max ? -INFINITY : 0.0f;
  int64_t lo, hi;

  if (rows - span_rows > 0)
    fold_taps (g->is_max, folded + top * width, x, (int64_t) g->dilation[0] * width,
               g->kernel[0], (rows - span_rows) * width, 1);
  for (int64_t oy = 0; oy < height; oy++)
    {
      int ky0, ky1;

      if (oy == whole_lo && whole_hi > whole_lo)
        oy = whole_hi;
      if (oy == height)
        break;
      window_axis (g, 0, oy, &ky0, &ky1);
      for (int64_t p = 0; p < planes; p++)
        fold_taps (g->is_max, folded + p * plane + oy * width,
                   x + p * plane + (oy - top + (int64_t) ky0 * g->dilation[0]) * width,
                   (int64_t) g->dilation[0] * width, ky1 - ky0, width, 1);
    }

  inner_columns (g, &lo, &hi);
  if (rows * width - span_cols > 0)
    fold_taps (g->is_max, y + left, folded, g->dilation[1], g->kernel[1],
               rows * width - span_cols, 1);
  for (int64_t ox = 0; ox < width; ox++)
    {
      int kx0, kx1;

      if (ox == lo && hi > lo)
        ox = hi;
      if (ox == width)
        break;
      window_axis (g, 1, ox, &kx0, &kx1);
      for (int64_t r = 0; r < rows; r++)
        y[r * width + ox] = init;
      /* Tap by tap down the column: the rows are independent. */
      for (int kx = kx0; kx < kx1; kx++)
        {
          const float *at = folded + ox - left + (int64_t) kx * g->dilation[1];

          for (int64_t r = 0; r < rows; r++)
            {
              const float v = at[r * width], acc = y[r * width + ox];

              y[r * width + ox] = g->is_max ? (v > acc ? v : acc) : acc + v;
            }
        }
    }

  for (int64_t p = 0; !g->is_max && p < planes; p++)
    {
      float *out = y + p * plane;

      for (int64_t i = 0; i < plane; i++)
        out[i] *= scales[i];
    }
}

#if defined(CS_VEC_LANES)
/* Pooling in vectors of CS_VEC_LANES output columns, separably in
 * registers: the window's rows folded first, into three vectors of input
 * columns loaded straight from the rows (lanes outside the plane −∞ or
 * 0, so the borders and ceil_mode's extra padding need no columns of
 * their own), then its columns, shifted out of those or, with stride 2,
 * their even and odd elements; a mean is then scaled.  The folding loops
 * spent half their time in row tails and border columns, element by
 * element (ResNet's 3×3/2 pool on 112×112: 13 GB/s).  Each fold takes
 * the taps in the order pool_row does, and a maximum keeps the first of
 * equal ones: the same floats as every table, ±0 included.  Going down
 * a plane, a vector holds the window's rows in registers and loads each
 * input row once: before, a mean this way was slower than the flat
 * passes (Inception's 3×3 pools on 35×35: 0.17 → 0.22 ms at best), now
 * 0.132 → 0.076 ms, DenseNet's 2×2/2 on 56×56 0.142 → 0.040, GoogLeNet's
 * 3×3 max on 28×28 0.082 → 0.037 (pool_column).  With AVX2's eight
 * lanes, only for stride 2 and for rows of one vector (vector_suits):
 * on Zen 3, one thread, the output not cached, Inception's 3×3/2 max
 * pools on 17×17 and 147×147 0.234 → 0.060 ms and 0.74 → 0.44, VGG's
 * 2×2/2 on 224×224 1.61 → 0.79, ResNet's 3×3/2 on 112×112 0.29 → 0.24,
 * Inception's 3×3 mean on 8×8 0.174 → 0.123 (in the network 0.097 →
 * 0.082 and 0.155 → 0.129); but stride 1 on wider rows, whose windows
 * the flat passes share, slower: Inception's 3×3 means on 35×35 and
 * 17×17 0.28 → 0.34 and 0.235 → 0.26, GoogLeNet's 3×3 max pools on
 * 14×14 in the network 0.078–0.091 → 0.086–0.098 (now pool_by_lines'). */

/* Whether a table pools rows wider than a vector through lines
 * (pool_by_lines) rather than vector by vector down its planes
 * (pool_plane): with AVX2's eight lanes, whose masked loads, blends and
 * lane-crossing shifts made pool_plane slower than the flat passes on
 * such rows, and both slower than lines.  On Zen 3, one thread, by the
 * per-node timer, the flat passes or pool_plane → lines: Inception v3's
 * 3×3 means on 17×17 0.25–0.26 → 0.17–0.18 ms, on 35×35 0.18–0.31 →
 * 0.14–0.23, its 3×3/2 maxima on 147×147 0.47 → 0.39 and on 35×35 0.19
 * → 0.11; ResNet-50's 3×3/2 on 112×112 0.37 → 0.20, GoogLeNet's on
 * 56×56 0.38 → 0.20, VGG-11's 2×2/2 on 56×56 0.69 → 0.29, DenseNet's
 * 2×2/2 means on 56×56 0.14 → 0.075.  Rows of one vector stay with
 * pool_plane (Inception's 3×3 means on 8×8 slower by lines); AVX-512
 * keeps pool_plane throughout, as measured where it was written. */
#define POOL_BY_LINES (CS_VEC_LANES < 16)

/* Output columns of pool_plane, in vectors. */
#define MAX_POOL_BLOCKS 64

/* Whether pool_plane or pool_by_lines serves @g: windows up to 3
 * columns wide, with row stride 1 or 2 and no dilation, on rows up to
 * MAX_POOL_BLOCKS vectors wide for pool_plane; nearly every CNN's
 * pooling.  A mean also wants its scales in the kernel's scratch
 * (cs_pool_scratch_floats). */
static inline gboolean
vector_suits (const CsPoolGeometry *g)
{
  return (g->stride[1] == 1 || g->stride[1] == 2) && g->dilation[0] == 1
         && g->dilation[1] == 1 && g->kernel[1] <= 3 && g->kernel[1] >= g->stride[1]
         && (POOL_BY_LINES || g->out_w <= MAX_POOL_BLOCKS * CS_VEC_LANES);
}

/* How a vector of output columns reads its input row: from @first, in
 * three vectors, the lanes of each inside the plane and read by some
 * window, and whether it has any (else it is not loaded). */
typedef struct
{
  int64_t    first;
  CsLaneMask lanes[3];
  gboolean   used[3];
} PoolColumns;

/* The PoolColumns of @g's output vectors into @blocks; how many. */
static int64_t
pool_columns (const CsPoolGeometry *g, PoolColumns *blocks)
{
  const int64_t in_w = g->in_w, stride = g->stride[1];
  /* The columns past the first two vectors: the last tap of the last
   * lane's window. */
  const int64_t spill = (CS_VEC_LANES - 1) * stride + g->kernel[1] - 2 * CS_VEC_LANES;
  const int64_t n_blocks = (g->out_w + CS_VEC_LANES - 1) / CS_VEC_LANES;

  for (int64_t b = 0; b < n_blocks; b++)
    {
      PoolColumns *block = &blocks[b];

      block->first = b * CS_VEC_LANES * stride - g->pads[1];
      for (int j = 0; j < 3; j++)
        {
          const int64_t lo = MAX (0, -block->first - j * CS_VEC_LANES);
          const int64_t hi = MIN (MIN (in_w - block->first, 2 * CS_VEC_LANES + MAX (spill, 0))
                                      - j * CS_VEC_LANES,
                                  CS_VEC_LANES);

          block->lanes[j] = vec_lanes (lo, hi);
          block->used[j] = j == 0 || hi > lo;
        }
    }
  return n_blocks;
}

/* The fold of two vectors: their maximum, or their sum. */
#define POOL_FOLD(is_max, a, b) ((is_max) ? vec_max (a, b) : vec_add (a, b))

/* One input row as @block reads it, into @v; lanes outside the plane
 * read as @none: −∞ for a maximum, 0 for a sum, which leaves the sum's
 * floats alone (it starts from +0, so it is never −0). */
CS_VEC_INLINE void
load_row (const PoolColumns *block, const float *row, CsVec none, CsVec v[3])
{
  for (int j = 0; j < 3; j++)
    v[j] = block->used[j]
           ? vec_load_lanes_over (none, shifted (row, block->first + j * CS_VEC_LANES),
                                  block->lanes[j])
           : none;
}

/* The window's columns, @kernel_w of them @stride_w apart, folded out
 * of @column, its rows folded. */
CS_VEC_INLINE CsVec
fold_columns (const gboolean is_max, const int kernel_w, const int stride_w,
              const CsVec column[3], CsVec none)
{
  CsVec acc;

  if (stride_w == 1)
    {
      acc = POOL_FOLD (is_max, column[0], none);
      if (kernel_w > 1)
        acc = POOL_FOLD (is_max, vec_shift_in (column[1], column[0], 1), acc);
      if (kernel_w > 2)
        acc = POOL_FOLD (is_max, vec_shift_in (column[1], column[0], 2), acc);
    }
  else
    {
      const CsVec even = vec_even_lanes (column[0], column[1]);

      acc = POOL_FOLD (is_max, vec_odd_lanes (column[0], column[1]),
                       POOL_FOLD (is_max, even, none));
      if (kernel_w > 2)
        acc = POOL_FOLD (is_max, vec_shift_in (column[2], even, 1), acc);
    }
  return acc;
}

/* Output row @oy's vector @b of one plane into @out, @v times its
 * @scales (mean_scales') for a mean. */
CS_VEC_INLINE void
store_vector (const gboolean is_max, const CsPoolGeometry *g, int64_t b, int64_t n_blocks,
              const float *scales, int64_t oy, float *out, CsVec v)
{
  const int64_t    at = oy * g->out_w + b * CS_VEC_LANES;
  const gboolean   whole = b < n_blocks - 1 || g->out_w % CS_VEC_LANES == 0;
  const CsLaneMask lanes = vec_lanes (0, g->out_w - b * CS_VEC_LANES);

  if (!is_max)
    v = vec_mul (v, vec_load_edge (whole, scales + at, lanes));
  vec_store_edge (whole, out + at, lanes, v);
}

/* Output row @oy's vector @b of one plane, its window's rows loaded
 * one by one, only those inside the plane (no dilation: no division, as
 * window_axis makes). */
CS_VEC_INLINE void
pool_vector (const gboolean is_max, const CsPoolGeometry *g, const PoolColumns *block,
             int64_t b, int64_t n_blocks, const float *plane, const float *scales, int64_t oy,
             float *out)
{
  const CsVec   none = is_max ? vec_set1 (-INFINITY) : vec_zero ();
  const int64_t y0 = oy * g->stride[0] - g->pads[0];
  const int64_t ky0 = MAX (0, -y0), ky1 = MIN (g->kernel[0], g->in_h - y0);
  CsVec         column[3] = { none, none, none };

  for (int64_t ky = ky0; ky < ky1; ky++)
    {
      CsVec row[3];

      load_row (block, plane + (y0 + ky) * g->in_w, none, row);
      for (int j = 0; j < 3; j++)
        column[j] = POOL_FOLD (is_max, row[j], column[j]);
    }
  store_vector (is_max, g, b, n_blocks, scales, oy, out,
                fold_columns (is_max, g->kernel[1], g->stride[1], column, none));
}

/* Output rows [@oy_lo, @oy_hi) of vector @b of one plane, whose windows
 * lie inside the plane's rows, @size × @size with stride @stride both
 * ways: each input row is loaded once and held while the window passes
 * over it, folded in the order pool_vector folds. */
CS_VEC_INLINE void
pool_vectors_rolling (const gboolean is_max, const int size, const int stride,
                      const CsPoolGeometry *g, const PoolColumns *block, int64_t b,
                      int64_t n_blocks, const float *plane, const float *scales, int64_t oy_lo,
                      int64_t oy_hi, float *out)
{
  const CsVec   none = is_max ? vec_set1 (-INFINITY) : vec_zero ();
  const int64_t in_w = g->in_w;
  CsVec         rows[3][3];

  if (oy_lo >= oy_hi)
    return;
  /* The rows the first window shares with the one before it, where the
   * shift below expects them. */
  for (int k = 0; k < size - stride; k++)
    load_row (block, plane + (oy_lo * stride - g->pads[0] + k) * in_w, none,
              rows[k + stride]);
  for (int64_t oy = oy_lo; oy < oy_hi; oy++)
    {
      const float *top = plane + (oy * stride - g->pads[0]) * in_w;
      CsVec        column[3];

      for (int k = 0; k < size - stride; k++)
        for (int j = 0; j < 3; j++)
          rows[k][j] = rows[k + stride][j];
      for (int k = size - stride; k < size; k++)
        load_row (block, top + k * in_w, none, rows[k]);
      for (int j = 0; j < 3; j++)
        {
          column[j] = POOL_FOLD (is_max, rows[0][j], none);
          for (int k = 1; k < size; k++)
            column[j] = POOL_FOLD (is_max, rows[k][j], column[j]);
        }
      store_vector (is_max, g, b, n_blocks, scales, oy, out,
                    fold_columns (is_max, size, stride, column, none));
    }
}

/* Vector @b of one plane down all its output rows: those whose
 * windows cross the plane's top or bottom one by one, the rest rolling
 * when their window is 3 × 3 with stride 1 or 2, or 2 × 2 with stride 2,
 * the sizes constants there (Inception's 3×3 means on 35×35 0.087 →
 * 0.076 ms, GoogLeNet's 3×3 maxima on 28×28 0.042 → 0.036). */
CS_VEC_INLINE void
pool_column (const gboolean is_max, const CsPoolGeometry *g, const PoolColumns *block,
             int64_t b, int64_t n_blocks, const float *plane, const float *scales, float *out)
{
  const int     kernel_h = g->kernel[0], stride_h = g->stride[0];
  const int64_t top = g->pads[0];
  const int64_t inside_lo = MIN ((top + stride_h - 1) / stride_h, g->out_h);
  const int64_t inside_hi = g->in_h + top - kernel_h < 0
                            ? inside_lo
                            : CLAMP ((g->in_h + top - kernel_h) / stride_h + 1, inside_lo,
                                     g->out_h);
  int64_t       oy = 0;

  for (; oy < inside_lo; oy++)
    pool_vector (is_max, g, block, b, n_blocks, plane, scales, oy, out);
#define ROLLING(SIZE, STRIDE)                                                                \
  pool_vectors_rolling (is_max, SIZE, STRIDE, g, block, b, n_blocks, plane, scales, oy,        \
                        inside_hi, out)
  if (kernel_h == 3 && stride_h == 1 && g->kernel[1] == 3 && g->stride[1] == 1)
    ROLLING (3, 1);
  else if (kernel_h == 3 && stride_h == 2 && g->kernel[1] == 3 && g->stride[1] == 2)
    ROLLING (3, 2);
  else if (kernel_h == 2 && stride_h == 2 && g->kernel[1] == 2 && g->stride[1] == 2)
    ROLLING (2, 2);
  else
    for (; oy < inside_hi; oy++)
      pool_vector (is_max, g, block, b, n_blocks, plane, scales, oy, out);
#undef ROLLING
  for (oy = inside_hi; oy < g->out_h; oy++)
    pool_vector (is_max, g, block, b, n_blocks, plane, scales, oy, out);
}

/* Planes up to this many floats (16 KB) go vector by vector. */
#define POOL_COLUMN_WALK 4096
/* Output rows ahead whose input a larger plane's row fetches: such a
 * plane comes from L3 or memory, faster so than the prefetchers bring
 * it a row at a time (the per-node timer, one thread: Inception v3's
 * 3×3/2 pools on 147×147 and 71×71 0.61–0.64 → 0.42–0.48 and 0.44–0.46
 * → 0.30–0.32 ms, ResNet-50's on 112×112 0.35–0.37 → 0.26–0.28,
 * SqueezeNet's on 111×111 0.23–0.27 → 0.18–0.20, GoogLeNet's 0.28–0.30
 * → 0.22; 1, 2, 6, 8 and 12 rows ahead did no better). */
#define POOL_PREFETCH_ROWS 4

/* Fetches the input rows that output row @oy's windows do not share with
 * the row before, as the row POOL_PREFETCH_ROWS on reads them; past the
 * plane's end, the next plane's, which comes next. */
CS_VEC_INLINE void
prefetch_rows_ahead (const CsPoolGeometry *g, const float *plane, int64_t oy)
{
  const int64_t new_rows = MIN (g->stride[0], g->kernel[0]);
  const int64_t first = (oy + POOL_PREFETCH_ROWS) * g->stride[0] - g->pads[0] + g->kernel[0]
                        - new_rows;

  for (int64_t i = 0; i < new_rows * g->in_w; i += CS_VEC_LANES)
    __builtin_prefetch ((const void *) ((uintptr_t) plane
                                        + (uintptr_t) (first * g->in_w + i) * sizeof (float)),
                        0, 3);
}

/* One plane, vector by vector down the plane, each vector's masks in
 * registers throughout (GoogLeNet's 3×3 pools on 14×14: 0.055 ms row by
 * row, 0.032 ms so); row by row, so that it is read in order, when it is
 * larger.  A network's larger planes come from L3 or memory: ResNet's
 * and GoogLeNet's 3×3/2 pools on 112×112, by the per-node timer, take
 * 0.20 ms down the plane and 0.14 along its rows, though 0.134 and 0.154
 * in cache.  Strips of rows that fit L1, vector by vector down each, ran
 * faster from L3 (SqueezeNet's 3×3/2 pool on 111×111: 0.170 → 0.108 ms)
 * but slower in the network, where those planes come from memory
 * (Inception v3's first pool, on 147×147, 0.35 → 0.43 ms; ResNet-50's
 * 0.150 → 0.175). */
CS_VEC_INLINE void
pool_plane (const gboolean is_max, const CsPoolGeometry *g, const PoolColumns *blocks,
            int64_t n_blocks, const float *plane, const float *scales, float *out)
{
  if (g->in_h * g->in_w <= POOL_COLUMN_WALK)
    for (int64_t b = 0; b < n_blocks; b++)
      {
        const PoolColumns block = blocks[b];

        pool_column (is_max, g, &block, b, n_blocks, plane, scales, out);
      }
  else
    for (int64_t oy = 0; oy < g->out_h; oy++)
      {
        prefetch_rows_ahead (g, plane, oy);
        for (int64_t b = 0; b < n_blocks; b++)
          pool_vector (is_max, g, &blocks[b], b, n_blocks, plane, scales, oy, out);
      }
}

/* The floats of one of pool_by_lines' lines: the input row at pads[1]
 * with room to its left for the left padding, and past the row for the
 * last output vector's windows (three vectors from its first tap) and
 * for a whole vector of a row narrower than one, all within
 * cs_pool_scratch_floats' CS_POOL_LINE_SLACK. */
static inline int64_t
pool_line_floats (const CsPoolGeometry *g)
{
  const int64_t last = (g->out_w - CS_VEC_LANES) * g->stride[1];

  return MAX (g->pads[1] + MAX (g->in_w, CS_VEC_LANES), last + 3 * CS_VEC_LANES);
}

/* The window's @count rows from @rows (@in_w floats apart), folded into
 * @line in vectors, the last overlapping the one before it, or for a
 * row narrower than a vector, loaded masked (lanes past it −∞ or 0, as
 * the line's padding is). */
CS_VEC_INLINE void
fold_rows_into_line (const gboolean is_max, const int count, const float *restrict rows,
                     int64_t in_w, float *restrict line)
{
  const CsVec      none = is_max ? vec_set1 (-INFINITY) : vec_zero ();
  const CsLaneMask lanes = vec_lanes (0, in_w);

  if (in_w < CS_VEC_LANES)
    {
      CsVec column = none;

      for (int k = 0; k < count; k++)
        column = POOL_FOLD (is_max, vec_load_lanes_over (none, rows + k * in_w, lanes), column);
      vec_store_edge (TRUE, line, lanes, column);
      return;
    }
  for (int64_t c = 0;; c += CS_VEC_LANES)
    {
      const int64_t at = MIN (c, in_w - CS_VEC_LANES);
      CsVec         column = none;

      for (int k = 0; k < count; k++)
        column = POOL_FOLD (is_max, vec_load_edge (TRUE, rows + k * in_w + at, lanes), column);
      vec_store_edge (TRUE, line + at, lanes, column);
      if (at == in_w - CS_VEC_LANES)
        break;
    }
}

/* One output row of @out_w ≥ CS_VEC_LANES outputs into @out, folded out
 * of @line, with stride 1 each tap loaded at its offset, with stride 2
 * taken apart into even and odd lanes; a mean's times @scales.  The last
 * vector overlaps the one before it. */
CS_VEC_INLINE void
fold_line_into_row (const gboolean is_max, const int kernel_w, const int stride,
                    const float *restrict line, int64_t out_w, const float *restrict scales,
                    float *restrict out)
{
  const CsVec      none = is_max ? vec_set1 (-INFINITY) : vec_zero ();
  const CsLaneMask all = vec_lanes (0, CS_VEC_LANES);

  for (int64_t x = 0;; x += CS_VEC_LANES)
    {
      const int64_t at = MIN (x, out_w - CS_VEC_LANES);
      const float  *taps = line + at * stride;
      CsVec         acc;

      if (stride == 1)
        {
          acc = POOL_FOLD (is_max, vec_load_edge (TRUE, taps, all), none);
          for (int k = 1; k < kernel_w; k++)
            acc = POOL_FOLD (is_max, vec_load_edge (TRUE, taps + k, all), acc);
        }
      else
        {
          CsVec column[3];

          for (int j = 0; j < 3; j++)
            column[j] = j < 2 || kernel_w > 2
                        ? vec_load_edge (TRUE, taps + j * CS_VEC_LANES, all) : none;
          acc = fold_columns (is_max, kernel_w, 2, column, none);
        }
      if (!is_max)
        acc = vec_mul (acc, vec_load_edge (TRUE, scales + at, all));
      vec_store_edge (TRUE, out + at, all, acc);
      if (at == out_w - CS_VEC_LANES)
        break;
    }
}

/* Output rows [@oy_lo, @oy_hi) of one plane through @lines, one line
 * (pool_line_floats, its padding −∞ or 0 throughout) a row: the
 * window's rows inside the plane are folded into each line at pads[1],
 * then each output row out of its line.  All the block's lines are
 * folded before any is read, since a load across two recent stores
 * waits for them to reach the cache (a line a row at a time: Inception
 * v3's 3×3 means on 17×17 no faster than the flat passes).  The same
 * folds, in the same order, as pool_vector's; @kernel_h and @kernel_w
 * are constants at the calls that matter. */
CS_VEC_INLINE void
pool_line_rows (const gboolean is_max, const int kernel_h, const int kernel_w,
                const CsPoolGeometry *g, const float *plane, const float *scales, int64_t oy_lo,
                int64_t oy_hi, float *lines, float *out)
{
  const int64_t in_w = g->in_w, out_w = g->out_w;
  const int64_t line_floats = pool_line_floats (g);
  const gboolean fetch_ahead = g->in_h * in_w > POOL_COLUMN_WALK;

  for (int64_t oy = oy_lo; oy < oy_hi; oy++)
    {
      const int64_t y0 = oy * g->stride[0] - g->pads[0];
      const int64_t ky0 = MAX (0, -y0), ky1 = MIN (kernel_h, g->in_h - y0);
      float *line = lines + (oy - oy_lo) * line_floats + g->pads[1];

      if (fetch_ahead)
        prefetch_rows_ahead (g, plane, oy);
      if (ky0 == 0 && ky1 == kernel_h)
        fold_rows_into_line (is_max, kernel_h, plane + y0 * in_w, in_w, line);
      else if (ky1 > ky0)
        fold_rows_into_line (is_max, (int) (ky1 - ky0), plane + (y0 + ky0) * in_w, in_w, line);
      else
        fold_rows_into_line (is_max, 0, plane, in_w, line);
    }
  for (int64_t oy = oy_lo; oy < oy_hi; oy++)
    {
      const float *line = lines + (oy - oy_lo) * line_floats;
      const float *row_scales = is_max ? NULL : scales + oy * out_w;

      if (g->stride[1] == 1)
        fold_line_into_row (is_max, kernel_w, 1, line, out_w, row_scales, out + oy * out_w);
      else
        fold_line_into_row (is_max, kernel_w, 2, line, out_w, row_scales, out + oy * out_w);
    }
}

/* @planes planes in blocks of rows through lines at @lines (at most
 * CS_POOL_LINES_FLOATS floats of them, or one line), a mean's @scales
 * (mean_scales') beside them; larger planes fetch their rows ahead as
 * pool_plane does. */
CS_VEC_INLINE void
pool_by_lines (const gboolean is_max, const CsPoolGeometry *g, const float *x, float *y,
               int64_t planes, const float *scales, float *lines)
{
  const int64_t in_plane = g->in_h * g->in_w, out_plane = g->out_h * g->out_w;
  const int64_t line_floats = pool_line_floats (g);
  const int64_t block = MAX (1, CS_POOL_LINES_FLOATS / line_floats);
  const float   none = is_max ? -INFINITY : 0.0f;

  for (int64_t i = 0; i < MIN (block, g->out_h) * line_floats; i++)
    lines[i] = none;
  for (int64_t p = 0; p < planes; p++)
    {
      const float *plane = x + p * in_plane;

      for (int64_t oy = 0; oy < g->out_h; oy += block)
        {
          const int64_t oy_hi = MIN (oy + block, g->out_h);
          float        *out = y + p * out_plane;

          if (g->kernel[0] == 3 && g->kernel[1] == 3)
            pool_line_rows (is_max, 3, 3, g, plane, scales, oy, oy_hi, lines, out);
          else if (g->kernel[0] == 2 && g->kernel[1] == 2)
            pool_line_rows (is_max, 2, 2, g, plane, scales, oy, oy_hi, lines, out);
          else
            pool_line_rows (is_max, g->kernel[0], g->kernel[1], g, plane, scales, oy, oy_hi,
                            lines, out);
        }
    }
}
#endif

void
CS_VEC_NAME (cs_pool) (CS_POOL_PARAMS)
{
  const int64_t in_plane = g->in_h * g->in_w, out_plane = g->out_h * g->out_w;
  int64_t lo, hi;

#if defined(CS_VEC_LANES)
  if (vector_suits (g))
    {
      PoolColumns   blocks[MAX_POOL_BLOCKS];
      int64_t       n_blocks;

      if (!g->is_max)
        mean_scales (g, scratch);
      if (POOL_BY_LINES && g->out_w > CS_VEC_LANES)
        {
          float *line = scratch + (g->is_max ? 0 : g->out_h * g->out_w);

          if (g->is_max)
            pool_by_lines (TRUE, g, x, y, planes, NULL, line);
          else
            pool_by_lines (FALSE, g, x, y, planes, scratch, line);
          return;
        }
      n_blocks = pool_columns (g, blocks);
      for (int64_t p = 0; p < planes; p++)
        if (g->is_max)
          pool_plane (TRUE, g, blocks, n_blocks, x + p * in_plane, NULL, y + p * out_plane);
        else
          pool_plane (FALSE, g, blocks, n_blocks, x + p * in_plane, scratch, y + p * out_plane);
      return;
    }
#endif
  if (cs_pool_is_flat (g))
    {
      const int64_t batch = cs_pool_flat_batch (g);
      float *scales = scratch + batch * in_plane;

      if (!g->is_max)
        mean_scales (g, scales);
      for (int64_t p = 0; p < planes; p += batch)
        pool_planes_flat (g, x + p * in_plane, y + p * out_plane, MIN (batch, planes - p),
                          scratch, scales);
      return;
    }
  inner_columns (g, &lo, &hi);
  for (int64_t p = 0; p < planes; p++)
    for (int64_t oy = 0; oy < g->out_h; oy++)
      pool_row (g, x + p * in_plane, y + p * out_plane + oy * g->out_w, scratch, oy, lo, hi);
}

void
CS_VEC_NAME (cs_global_pool) (CS_GLOBAL_POOL_PARAMS)
{
  for (int64_t p = 0; p < planes; p++)
    {
      const float *plane = x + p * plane_size;

      if (is_max)
        {
          float best = -INFINITY;

          for (int64_t i = 0; i < plane_size; i++)
            best = plane[i] > best ? plane[i] : best;
          y[p] = best;
        }
      else
        {
#ifdef CS_VEC_LANES
          const double sum = vec_sum_double (plane, plane_size);
#else
          const double sum = cs_sum_double (plane, plane_size, 0.0, FALSE);
#endif

          y[p] = plane_size > 0 ? (float) (sum / (double) plane_size) : 0.0f;
        }
    }
}
