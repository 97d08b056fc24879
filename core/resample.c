/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * resample.c — Pillow's separable resampling (its src/libImaging/
 * Resample.c, the float path), fed by a source read in strips of rows so
 * that no full-size copy of the image is ever made.  Only the columns and
 * rows the filters reach are read; each source row is filtered
 * horizontally once, and the last few filtered rows wait in a ring for
 * the vertical pass.  What Pillow's Image.resize gives for mode "F" with
 * BILINEAR, to the bit, and for colour with alpha what it gives through
 * premultiplied "RGBa" (here in float rather than 8-bit).
 */
#include "cs-card.h"

#include <math.h>

/* GIMP's limit on image sides, as in preprocess.c. */
#define MAX_SOURCE_SIDE 524288
/* The largest model input a card may give, as in card.c. */
#define MAX_DEST_SIDE 16384
/* Slack for plans computed in floating point. */
#define PLAN_EPSILON 1e-6
/* Source rows read at a time. */
#define STRIP_ROWS 16
/* Working memory beyond this means a reduction far larger than any front
 * end asks for (cs-pixels reads large reductions from mipmaps first). */
#define MAX_WORK_BYTES ((size_t) 1 << 30)

/* One axis of the separable filter: output pixel i is the sum over
 * j < count[i] of source pixel first[i] + j times weights[i·ksize + j]. */
typedef struct
{
  int     ksize;
  int    *first;
  int    *count;
  double *weights;
} Axis;

static void
axis_clear (Axis *axis)
{
  g_free (axis->first);
  g_free (axis->count);
  g_free (axis->weights);
}

/* Pillow's bilinear filter. */
static double
triangle (double x)
{
  x = fabs (x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

/* The most source pixels one output pixel takes along an axis that
 * shrinks by @scale: the triangle's support, widened to the reduction
 * when antialiasing, on either side of the centre. */
static double
kernel_size (CsResample resample, double scale)
{
  if (resample == CS_RESAMPLE_NEAREST)
    return 1.0;
  return 2.0 * ceil (resample == CS_RESAMPLE_ANTIALIAS ? MAX (scale, 1.0) : 1.0) + 1.0;
}

/* Pillow's precompute_coeffs for its bilinear filter, for @out_size
 * pixels from the source interval [@in0, @in0 + @in_width) of an axis of
 * @in_size pixels: without antialiasing the filter keeps its unit support
 * when shrinking, and nearest takes the one pixel under each centre.
 * Edge windows are cut at the image and renormalized, as in Pillow. */
static void
axis_init (Axis *axis, int in_size, double in0, double in_width, int out_size,
           CsResample resample)
{
  const double scale = in_width / out_size;
  const double filterscale = resample == CS_RESAMPLE_ANTIALIAS ? MAX (scale, 1.0) : 1.0;
  const double support = filterscale;
  /* Multiplying by the reciprocal, as Pillow does, not dividing: the
   * weights then agree to the last bit. */
  const double shrink = 1.0 / filterscale;

  axis->ksize = (int) kernel_size (resample, scale);
  axis->first = g_new (int, out_size);
  axis->count = g_new (int, out_size);
  axis->weights = g_new0 (double, (size_t) out_size * (size_t) axis->ksize);
  for (int i = 0; i < out_size; i++)
    {
      const double center = in0 + (i + 0.5) * scale;
      double *k = axis->weights + (size_t) i * (size_t) axis->ksize;
      double sum = 0.0;
      int first, end;

      if (resample == CS_RESAMPLE_NEAREST)
        {
          axis->first[i] = CLAMP ((int) floor (center), 0, in_size - 1);
          axis->count[i] = 1;
          k[0] = 1.0;
          continue;
        }
      /* Truncation, not floor: Pillow's rounding, identical here since
       * negative starts become 0 anyway. */
      first = MAX ((int) (center - support + 0.5), 0);
      end = MIN ((int) (center + support + 0.5), in_size);
      for (int j = 0; j < end - first; j++)
        {
          k[j] = triangle ((j + first - center + 0.5) * shrink);
          sum += k[j];
        }
      for (int j = 0; j < end - first && sum != 0.0; j++)
        k[j] /= sum;
      axis->first[i] = first;
      axis->count[i] = end - first;
    }
}

gboolean
cs_resample_check (int64_t             source_width,
                   int64_t             source_height,
                   const CsResizePlan *plan,
                   GError            **error)
{
  if (source_width < 1 || source_height < 1
      || source_width > MAX_SOURCE_SIDE || source_height > MAX_SOURCE_SIDE
      || plan->dest_width < 1 || plan->dest_height < 1
      || plan->dest_width > MAX_DEST_SIDE || plan->dest_height > MAX_DEST_SIDE
      || !(plan->src_width > 0.0) || !(plan->src_height > 0.0)
      || !(plan->src_x >= -PLAN_EPSILON) || !(plan->src_y >= -PLAN_EPSILON)
      || !(plan->src_x + plan->src_width <= source_width + PLAN_EPSILON)
      || !(plan->src_y + plan->src_height <= source_height + PLAN_EPSILON))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "cannot resample %g×%g pixels at (%g, %g) of a %" G_GINT64_FORMAT "×%"
                   G_GINT64_FORMAT " image to %d×%d", plan->src_width, plan->src_height,
                   plan->src_x, plan->src_y, source_width, source_height,
                   plan->dest_width, plan->dest_height);
      return FALSE;
    }
  return TRUE;
}

/* The source columns or rows an axis reads: [*start, *end). */
static void
axis_window (const Axis *axis, int out_size, int *start, int *end)
{
  *start = axis->first[0];
  *end = axis->first[0] + axis->count[0];
  for (int i = 1; i < out_size; i++)
    {
      *start = MIN (*start, axis->first[i]);
      *end = MAX (*end, axis->first[i] + axis->count[i]);
    }
}

/* Colour times alpha, for the @n pixels of @pixels whose last channel of
 * @channels is alpha. */
static void
premultiply (float *pixels, size_t n, int channels)
{
  for (size_t i = 0; i < n; i++)
    {
      float *p = pixels + i * (size_t) channels;

      for (int c = 0; c < channels - 1; c++)
        p[c] *= p[channels - 1];
    }
}

/* Back to straight alpha; where the result is fully transparent its
 * colour is 0, as in Pillow's RGBa to RGBA. */
static void
unpremultiply (float *pixels, size_t n, int channels)
{
  for (size_t i = 0; i < n; i++)
    {
      float *p = pixels + i * (size_t) channels;
      const float alpha = p[channels - 1];

      for (int c = 0; c < channels - 1; c++)
        p[c] = alpha > 0.0f ? p[c] / alpha : 0.0f;
    }
}

/* Pillow's horizontal pass over one source row @in (starting at source
 * column @x0) into @out. */
static void
filter_row (const Axis *axis, int out_size, int channels, const float *in, int x0, float *out)
{
  for (int i = 0; i < out_size; i++)
    {
      const double *k = axis->weights + (size_t) i * (size_t) axis->ksize;
      const float *p = in + (size_t) (axis->first[i] - x0) * (size_t) channels;
      double sum[4] = { 0.0, 0.0, 0.0, 0.0 };

      for (int j = 0; j < axis->count[i]; j++)
        for (int c = 0; c < channels; c++)
          sum[c] += p[(size_t) j * (size_t) channels + c] * k[j];
      for (int c = 0; c < channels; c++)
        out[(size_t) i * (size_t) channels + c] = (float) sum[c];
    }
}

gboolean
cs_resample (int                 source_width,
             int                 source_height,
             const CsResizePlan *plan,
             CsResample          resample,
             int                 channels,
             CsReadPixels        read_pixels,
             void               *user,
             float              *dest,
             GError            **error)
{
  const gboolean has_alpha = channels == 2 || channels == 4;
  Axis across = { 0 }, down = { 0 };
  int x0, x1, y0, y1;
  size_t strip_floats, row_floats, ring_rows;
  g_autofree float *strip = NULL;
  g_autofree float *ring = NULL;
  g_autofree double *sums = NULL;
  int strip_start = 0, strip_rows = 0, next_row;
  gboolean ok = TRUE;

  if (resample != CS_RESAMPLE_ANTIALIAS && resample != CS_RESAMPLE_BILINEAR
      && resample != CS_RESAMPLE_NEAREST)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "unknown resampling %d", (int) resample);
      return FALSE;
    }
  if (channels < 1 || channels > 4)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "cannot resample pixels of %d channels (1 to 4)", channels);
      return FALSE;
    }
  if (!cs_resample_check (source_width, source_height, plan, error))
    return FALSE;

  /* Shrinking a lot widens the filter to the whole reduction: bound the
   * memory (weights, one strip, the ring) before asking for it. */
  {
    const double ksize_x = kernel_size (resample, plan->src_width / plan->dest_width);
    const double ksize_y = kernel_size (resample, plan->src_height / plan->dest_height);
    const double bytes = (plan->dest_width * ksize_x + plan->dest_height * ksize_y)
                         * sizeof (double)
                         + ((double) source_width * STRIP_ROWS + ksize_y * plan->dest_width)
                           * channels * sizeof (float);

    if (bytes > (double) MAX_WORK_BYTES)
      {
        g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                     "resampling %g×%g pixels to %d×%d would take %.0f MB; "
                     "reduce the image first", plan->src_width, plan->src_height,
                     plan->dest_width, plan->dest_height, bytes / 1e6);
        return FALSE;
      }
  }

  axis_init (&across, source_width, plan->src_x, plan->src_width, plan->dest_width, resample);
  axis_init (&down, source_height, plan->src_y, plan->src_height, plan->dest_height, resample);
  axis_window (&across, plan->dest_width, &x0, &x1);
  axis_window (&down, plan->dest_height, &y0, &y1);

  strip_floats = (size_t) (x1 - x0) * (size_t) channels;
  row_floats = (size_t) plan->dest_width * (size_t) channels;
  ring_rows = (size_t) down.ksize;
  strip = g_new (float, strip_floats * STRIP_ROWS);
  ring = g_new (float, row_floats * ring_rows);
  sums = g_new (double, row_floats);

  next_row = y0;
  for (int i = 0; ok && i < plan->dest_height; i++)
    {
      const double *k = down.weights + (size_t) i * (size_t) down.ksize;
      float *out = dest + (size_t) i * row_floats;

      /* Every source row up to the end of this output row's window,
       * filtered horizontally; the ring keeps the last ksize of them,
       * which covers the window since windows only move down. */
      for (; ok && next_row < down.first[i] + down.count[i]; next_row++)
        {
          if (next_row >= strip_start + strip_rows)
            {
              strip_start = next_row;
              strip_rows = MIN (STRIP_ROWS, y1 - next_row);
              ok = read_pixels (user, x0, strip_start, x1 - x0, strip_rows, strip, error);
              if (!ok)
                break;
              if (has_alpha)
                premultiply (strip, (size_t) (x1 - x0) * (size_t) strip_rows, channels);
            }
          filter_row (&across, plan->dest_width, channels,
                      strip + (size_t) (next_row - strip_start) * strip_floats, x0,
                      ring + (size_t) next_row % ring_rows * row_floats);
        }
      if (!ok)
        break;

      /* Pillow's vertical pass, summing in the same order per pixel. */
      for (size_t j = 0; j < row_floats; j++)
        sums[j] = 0.0;
      for (int j = 0; j < down.count[i]; j++)
        {
          const float *row = ring + (size_t) (down.first[i] + j) % ring_rows * row_floats;

          for (size_t v = 0; v < row_floats; v++)
            sums[v] += row[v] * k[j];
        }
      for (size_t v = 0; v < row_floats; v++)
        out[v] = (float) sums[v];
      if (has_alpha)
        unpremultiply (out, (size_t) plan->dest_width, channels);
    }

  axis_clear (&across);
  axis_clear (&down);
  return ok;
}
