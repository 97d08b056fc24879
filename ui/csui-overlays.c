/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csui-overlays.c — pictures drawn over "What the model sees": a
 * segmentation's classes, each in its colour of the core's palette
 * (cs_segment_colour, so the dialog, the label layers and the command
 * line's label images agree), and a class's heat map in a colour map of
 * the feature maps.
 */
#include "convscope-ui.h"

/* Paints the pixel of picture index @i (row-major, @width wide) into the
 * RGBA @pixel. */
typedef void (*PaintPixel) (gsize i, guint8 *pixel, gconstpointer data);

/* A @width×@height RGBA picture painted pixel by pixel, or NULL when
 * GdkPixbuf cannot allocate it. */
static GdkPixbuf *
overlay_new (int width, int height, PaintPixel paint, gconstpointer data)
{
  GdkPixbuf *overlay = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, width, height);
  guint8    *pixels;
  int        stride;

  if (overlay == NULL)
    return NULL;
  pixels = gdk_pixbuf_get_pixels (overlay);
  stride = gdk_pixbuf_get_rowstride (overlay);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      paint ((gsize) y * width + x, pixels + (gsize) y * stride + 4 * x, data);
  return overlay;
}

static void
paint_label (gsize i, guint8 *pixel, gconstpointer labels)
{
  const guint8 label = ((const guint8 *) labels)[i];

  cs_segment_colour (label, pixel);
  /* A pixel of no class shows the picture as it is. */
  pixel[3] = label == CS_SEGMENT_NONE ? 0 : 255;
}

GdkPixbuf *
csui_segment_overlay_new (const guint8 *labels, int width, int height)
{
  g_return_val_if_fail (labels != NULL && width > 0 && height > 0, NULL);
  return overlay_new (width, height, paint_label, labels);
}

typedef struct
{
  const float *heat;
  CsColormap   colormap;
} HeatPaint;

static void
paint_heat (gsize i, guint8 *pixel, gconstpointer data)
{
  const HeatPaint *paint = data;

  cs_colormap_rgb (paint->colormap, paint->heat[i], pixel);
  pixel[3] = 255;
}

GdkPixbuf *
csui_heat_overlay_new (const float *heat, int width, int height, CsColormap colormap)
{
  const HeatPaint paint = { heat, colormap };

  g_return_val_if_fail (heat != NULL && width > 0 && height > 0, NULL);
  return overlay_new (width, height, paint_heat, &paint);
}
