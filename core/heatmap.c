/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * heatmap.c — a raw heat map (cs-explain.h) made fit to look at: brought
 * to the input tensor's size and scaled to [0, 1], then sampled over the
 * source image strip by strip, so that the command line and the GIMP
 * plug-in draw the same picture and a huge image never needs a
 * full-size copy.
 */
#include "cs-explain.h"

#include <string.h>

/* Rows of the map for the resampler. */
static gboolean
read_map_rows (void *user, int x, int y, int width, int height, float *pixels, GError **error)
{
  const CsTensor *map = user;
  const float    *data = map->data;

  for (int row = 0; row < height; row++)
    memcpy (pixels + (size_t) row * width, data + (y + row) * map->shape.dims[1] + x,
            sizeof (float) * width);
  return TRUE;
}

float *
cs_heatmap_display (const CsTensor *map, int width, int height, GError **error)
{
  const CsResizePlan plan = {
    0.0, 0.0, (double) map->shape.dims[1], (double) map->shape.dims[0], 0, 0, width, height
  };
  float *display, top = 0.0f;

  if (map->shape.rank != 2 || width < 1 || height < 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "a heat map is H×W, shown at least 1×1");
      return NULL;
    }
  display = g_new (float, (size_t) width * height);
  if (!cs_resample ((int) map->shape.dims[1], (int) map->shape.dims[0], &plan, CS_RESAMPLE_BILINEAR,
                    1, read_map_rows, (void *) map, display, error))
    {
      g_free (display);
      return NULL;
    }
  for (size_t i = 0; i < (size_t) width * height; i++)
    top = MAX (top, display[i]);
  for (size_t i = 0; i < (size_t) width * height; i++)
    display[i] = top > 0.0f ? MAX (display[i], 0.0f) / top : 0.0f;
  return display;
}

/* Where the centre of pixel @pixel of one axis of the image falls in the
 * display map, which the plan's source span [@src_start, @src_start +
 * @src_length) covers with @dest_length samples from @dest_start: the
 * two samples to mix, *@i0 and *@i1, and the weight *@f of the second.
 * FALSE outside the span, where the model saw none of the image. */
static gboolean
axis_sample (int     pixel,
             double  src_start,
             double  src_length,
             double  dest_start,
             double  dest_length,
             int     size,
             int    *i0,
             int    *i1,
             double *f)
{
  const double centre = pixel + 0.5;
  double       t = dest_start + (centre - src_start) * dest_length / src_length - 0.5;

  if (centre < src_start || centre > src_start + src_length)
    return FALSE;
  t = CLAMP (t, 0.0, size - 1.0);
  *i0 = (int) t;
  *i1 = MIN (*i0 + 1, size - 1);
  *f = t - *i0;
  return TRUE;
}

void
cs_heatmap_rows (const float        *display,
                 int                 display_width,
                 int                 display_height,
                 const CsResizePlan *plan,
                 int                 width,
                 int                 y,
                 int                 n_rows,
                 float              *rows)
{
  memset (rows, 0, sizeof (float) * (size_t) width * n_rows);
  for (int v = y; v < y + n_rows; v++)
    {
      float       *row = rows + (size_t) (v - y) * width;
      const float *top, *bottom;
      int          y0, y1;
      double       fy;

      if (!axis_sample (v, plan->src_y, plan->src_height, plan->dest_y, plan->dest_height,
                        display_height, &y0, &y1, &fy))
        continue;
      top = display + (size_t) y0 * display_width;
      bottom = display + (size_t) y1 * display_width;
      for (int u = 0; u < width; u++)
        {
          int    x0, x1;
          double fx;

          if (!axis_sample (u, plan->src_x, plan->src_width, plan->dest_x, plan->dest_width,
                            display_width, &x0, &x1, &fx))
            continue;
          row[u] = (float) ((1 - fy) * ((1 - fx) * top[x0] + fx * top[x1])
                            + fy * ((1 - fx) * bottom[x0] + fx * bottom[x1]));
        }
    }
}
