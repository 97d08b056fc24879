/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-featuremap.h — what a layer's output looks like as pictures
 * (featuremap.c, colormap.c): the statistics of a 1×C×H×W tap, the
 * value range that spans the colour map, and each channel painted
 * through a colour map into bytes a front end shows or makes layers of.
 */
#ifndef CS_FEATUREMAP_H
#define CS_FEATUREMAP_H

#include "cs-engine.h"

G_BEGIN_DECLS

typedef enum
{
  CS_COLORMAP_GRAY,      /* black (low) to white (high) */
  CS_COLORMAP_VIRIDIS,   /* matplotlib's perceptually uniform dark blue → yellow */
  CS_COLORMAP_DIVERGING  /* blue (negative) → white (0) → red (positive) */
} CsColormap;

/* Which values span the colour map. */
typedef enum
{
  CS_MAP_RANGE_CHANNEL,  /* each channel's own: it spans the whole colour map */
  CS_MAP_RANGE_LAYER     /* the layer's: one range for all its channels */
} CsMapRange;

typedef struct
{
  float min, max, mean;
} CsMapStats;

/* "gray", "viridis", "diverging" and back; from_name fails on others. */
const char *cs_colormap_name      (CsColormap  colormap);
gboolean    cs_colormap_from_name (const char *name,
                                   CsColormap *colormap);
/* The colour of @t in [0, 1] (clamped; NaN is the low end) as sRGB
 * bytes. */
void        cs_colormap_rgb       (CsColormap colormap,
                                   float      t,
                                   uint8_t    rgb[3]);

/* Minimum, maximum and mean of channel @channel of the 1×C×H×W float
 * tensor @maps, or of all its channels when @channel is -1; NaNs are
 * skipped (all-NaN gives zeros).  FALSE when @maps is not 1×C×H×W float
 * or @channel is out of range. */
gboolean cs_feature_map_stats (const CsTensor *maps,
                               int             channel,
                               CsMapStats     *stats);
/* The values that map to the ends of @colormap for @channel under
 * @range: its own (CHANNEL) or the layer's (LAYER) minimum and maximum;
 * for CS_COLORMAP_DIVERGING ±the largest magnitude, so that 0 is white.
 * A constant channel gets a range that paints it as the map's low end
 * (for CS_COLORMAP_DIVERGING: as zero's colour). */
gboolean cs_feature_map_range (const CsTensor *maps,
                               int             channel,
                               CsMapRange      range,
                               CsColormap      colormap,
                               float          *low,
                               float          *high);
/* Paints channel @channel of @maps (H×W) into @pixels (owned by the
 * caller): H rows @rowstride bytes apart of W pixels, @bytes_per_pixel 1
 * (gray; only with CS_COLORMAP_GRAY), 3 (RGB) or 4 (RGB and an opaque
 * alpha), @low..@high spread over the colour map. */
gboolean cs_feature_map_paint (const CsTensor *maps,
                               int             channel,
                               float           low,
                               float           high,
                               CsColormap      colormap,
                               uint8_t        *pixels,
                               size_t          rowstride,
                               int             bytes_per_pixel);

G_END_DECLS

#endif /* CS_FEATUREMAP_H */
