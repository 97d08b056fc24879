/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * featuremap.c — a layer's output as pictures: per-channel statistics,
 * the value range a picture spans (one channel's or the whole layer's),
 * and the channel painted through a colour map into 8-bit pixels.  The
 * plug-in's exported layers and the dialog's thumbnails share it.
 */
#include <math.h>

#include "cs-featuremap.h"

/* Whether @maps is a 1×C×H×W float tensor with data and @channel (or -1)
 * names one of its channels. */
static gboolean
is_feature_maps (const CsTensor *maps, int channel)
{
  return maps != NULL && maps->data != NULL && maps->dtype == CS_DTYPE_FLOAT32
         && maps->shape.rank == 4 && maps->shape.dims[0] == 1
         && channel >= -1 && channel < maps->shape.dims[1];
}

static size_t
plane_size (const CsTensor *maps)
{
  return (size_t) (maps->shape.dims[2] * maps->shape.dims[3]);
}

gboolean
cs_feature_map_stats (const CsTensor *maps, int channel, CsMapStats *stats)
{
  if (!is_feature_maps (maps, channel))
    return FALSE;

  size_t       plane = plane_size (maps);
  size_t       n = channel < 0 ? plane * (size_t) maps->shape.dims[1] : plane;
  const float *values = (const float *) maps->data + (channel < 0 ? 0 : (size_t) channel * plane);
  float        min = INFINITY, max = -INFINITY;
  double       sum = 0.0;
  size_t       counted = 0;

  for (size_t i = 0; i < n; i++)
    {
      float v = values[i];

      if (isnan (v))
        continue;
      min = fminf (min, v);
      max = fmaxf (max, v);
      sum += v;
      counted++;
    }
  if (counted == 0)
    *stats = (CsMapStats) { 0.0f, 0.0f, 0.0f };
  else
    *stats = (CsMapStats) { min, max, (float) (sum / (double) counted) };
  return TRUE;
}

gboolean
cs_feature_map_range (const CsTensor *maps, int channel, CsMapRange range,
                      CsColormap colormap, float *low, float *high)
{
  CsMapStats stats;

  if (channel < 0
      || !cs_feature_map_stats (maps, range == CS_MAP_RANGE_LAYER ? -1 : channel, &stats)
      || !is_feature_maps (maps, channel))
    return FALSE;

  float lo = stats.min, hi = stats.max;

  if (colormap == CS_COLORMAP_DIVERGING)
    {
      /* Zero stays in the middle, so the sign reads as the hue. */
      float magnitude = fmaxf (fabsf (lo), fabsf (hi));

      lo = -magnitude;
      hi = magnitude;
    }
  if (!(hi > lo) || !isfinite (hi - lo))
    {
      /* A constant (or overflowing) map has nothing to spread: like
       * matplotlib, paint it as the colour map's low end (a dead ReLU
       * channel reads as dark), or for the diverging map as the colour
       * of zero. */
      float value = isfinite (lo) ? lo : 0.0f;

      lo = colormap == CS_COLORMAP_DIVERGING ? value - 0.5f : value;
      hi = lo + 1.0f;
    }
  *low = lo;
  *high = hi;
  return TRUE;
}

gboolean
cs_feature_map_paint (const CsTensor *maps, int channel, float low, float high,
                      CsColormap colormap, uint8_t *pixels, size_t rowstride,
                      int bytes_per_pixel)
{
  if (channel < 0 || !is_feature_maps (maps, channel) || pixels == NULL
      || !(bytes_per_pixel == 3 || bytes_per_pixel == 4
           || (bytes_per_pixel == 1 && colormap == CS_COLORMAP_GRAY))
      || rowstride < (size_t) maps->shape.dims[3] * (size_t) bytes_per_pixel
      || !(high > low))
    return FALSE;

  size_t       height = (size_t) maps->shape.dims[2];
  size_t       width = (size_t) maps->shape.dims[3];
  const float *values = (const float *) maps->data + (size_t) channel * plane_size (maps);
  float        inverse_span = 1.0f / (high - low);

  for (size_t y = 0; y < height; y++)
    {
      uint8_t *row = pixels + y * rowstride;

      for (size_t x = 0; x < width; x++)
        {
          uint8_t rgb[3];

          cs_colormap_rgb (colormap, (values[y * width + x] - low) * inverse_span, rgb);
          if (bytes_per_pixel == 1)
            {
              row[x] = rgb[0];
              continue;
            }
          uint8_t *pixel = row + x * (size_t) bytes_per_pixel;

          pixel[0] = rgb[0];
          pixel[1] = rgb[1];
          pixel[2] = rgb[2];
          if (bytes_per_pixel == 4)
            pixel[3] = 255;
        }
    }
  return TRUE;
}
