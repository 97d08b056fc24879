/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * feature-maps.h — turning a run's taps into GIMP layers.  One function
 * does the export, for plug-in-convscope-feature-maps and for the
 * dialog, which hands over the taps it has already computed, so both
 * make the same layers from the same maps.
 */
#ifndef CSP_FEATURE_MAPS_H
#define CSP_FEATURE_MAPS_H

#include <libgimp/gimp.h>

#include "convscope.h"

G_BEGIN_DECLS

typedef enum
{
  CSP_TARGET_NEW_IMAGE,      /* a new image: grayscale for the gray colour
                              * map, RGB for the others */
  CSP_TARGET_CURRENT_IMAGE   /* above the drawable's image's layers, one
                              * undo step */
} CspTarget;

typedef enum
{
  CSP_LAYOUT_CHANNEL_LAYERS, /* a layer group per network layer holding
                              * one layer per channel */
  CSP_LAYOUT_MOSAIC          /* one layer per network layer: its channels
                              * tiled in a near-square grid, 1-px gaps */
} CspLayout;

typedef enum
{
  CSP_SIZE_STRETCH,          /* each map covers the image region the
                              * network saw, without interpolation */
  CSP_SIZE_NATIVE            /* one image pixel per activation */
} CspSize;

typedef struct
{
  CspTarget     target;
  CspLayout     layout;
  CspSize       size;
  CsMapRange    range;         /* which values span the colour map */
  CsColormap    colormap;
  int           max_channels;  /* the first channels of each layer, >= 1 */
  /* What the network saw: @region of the drawable (its coordinates),
   * prepared as @card says.  The card belongs to the caller. */
  GeglRectangle region;
  const CsCard *card;
} CspExportOptions;

/* Adds the maps of every tap in @taps (1×C×H×W float, in network order,
 * top to bottom) to a new image or to @image, the image of @drawable, as
 * @options say; the progress bar moves per layer made.  On success
 * *@out_image is the image holding the maps (a new one belongs to the
 * caller, who shows or deletes it) and *@out_layers, when not NULL, the
 * groups or mosaic layers made, in order (a NULL-terminated array the
 * caller frees with g_free; the layers belong to the image).  On failure
 * returns FALSE with @error set and makes or changes nothing: an indexed
 * current image, a colour map into a grayscale one, or maps too large
 * for GIMP. */
gboolean csp_export_feature_maps (GimpImage               *image,
                                  GimpDrawable            *drawable,
                                  const CsResult          *taps,
                                  const CspExportOptions  *options,
                                  GimpImage              **out_image,
                                  GimpLayer             ***out_layers,
                                  GError                 **error);

G_END_DECLS

#endif /* CSP_FEATURE_MAPS_H */
