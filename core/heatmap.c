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
  const double sx = plan->dest_width / plan->src_width, sy = plan->dest_height / plan->src_height;

  memset (rows, 0, sizeof (float) * (size_t) width * n_rows);
  for (int v = y; v < y + n_rows; v++)
    {
      double ty = plan->dest_y + (v + 0.5 - plan->src_y) * sy - 0.5;
      float *row = rows + (size_t) (v - y) * width;
      int    y0, y1;
      double fy;

      if (v + 0.5 < plan->src_y || v + 0.5 > plan->src_y + plan->src_height)
        continue;
      ty = CLAMP (ty, 0.0, display_height - 1.0);
      y0 = (int) ty;
      y1 = MIN (y0 + 1, display_height - 1);
      fy = ty - y0;
      for (int u = 0; u < width; u++)
        {
          double       tx = plan->dest_x + (u + 0.5 - plan->src_x) * sx - 0.5;
          const float *top = display + (size_t) y0 * display_width;
          const float *bottom = display + (size_t) y1 * display_width;
          int          x0, x1;
          double       fx;

          if (u + 0.5 < plan->src_x || u + 0.5 > plan->src_x + plan->src_width)
            continue;
          tx = CLAMP (tx, 0.0, display_width - 1.0);
          x0 = (int) tx;
          x1 = MIN (x0 + 1, display_width - 1);
          fx = tx - x0;
          row[u] = (float) ((1 - fy) * ((1 - fx) * top[x0] + fx * top[x1])
                            + fy * ((1 - fx) * bottom[x0] + fx * bottom[x1]));
        }
    }
}
