/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csui-overlays.c — pictures drawn over "What the model sees": a
 * segmentation's classes, each in its colour of the core's palette
 * (cs_segment_colour, so the dialog, the label layers and the command
 * line's label images agree), and a class's heat map in a colour map of
 * the feature maps.
 */
#include "convscope-ui.h"

GdkPixbuf *
csui_segment_overlay_new (const guint8 *labels, int width, int height)
{
  GdkPixbuf *overlay;
  guint8    *pixels;
  int        stride;

  g_return_val_if_fail (labels != NULL && width > 0 && height > 0, NULL);
  overlay = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, width, height);
  if (overlay == NULL)
    return NULL;
  pixels = gdk_pixbuf_get_pixels (overlay);
  stride = gdk_pixbuf_get_rowstride (overlay);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 label = labels[(gsize) y * width + x];
        guint8 *pixel = pixels + (gsize) y * stride + 4 * x;

        cs_segment_colour (label, pixel);
        /* A pixel of no class shows the picture as it is. */
        pixel[3] = label == CS_SEGMENT_NONE ? 0 : 255;
      }
  return overlay;
}

GdkPixbuf *
csui_heat_overlay_new (const float *heat, int width, int height, CsColormap colormap)
{
  GdkPixbuf *overlay;
  guint8    *pixels;
  int        stride;

  g_return_val_if_fail (heat != NULL && width > 0 && height > 0, NULL);
  overlay = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, width, height);
  if (overlay == NULL)
    return NULL;
  pixels = gdk_pixbuf_get_pixels (overlay);
  stride = gdk_pixbuf_get_rowstride (overlay);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *pixel = pixels + (gsize) y * stride + 4 * x;

        cs_colormap_rgb (colormap, heat[(gsize) y * width + x], pixel);
        pixel[3] = 255;
      }
  return overlay;
}
