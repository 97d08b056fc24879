/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * image.c — decoding and resizing an image into planar floats for a
 * network input; see image.h for the exact recipe.
 */
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "image.h"

static gboolean
out_of_memory (GError **error, const char *path, const char *doing)
{
  g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
               "%s: out of memory %s the image", path, doing);
  return FALSE;
}

static GdkPixbuf *
load_upright_opaque (const char *path, GError **error)
{
  g_autoptr (GdkPixbuf) decoded = NULL;
  g_autoptr (GdkPixbuf) upright = NULL;
  GdkPixbuf *opaque;
  GError    *local = NULL;

  decoded = gdk_pixbuf_new_from_file (path, &local);
  if (decoded == NULL)
    {
      g_set_error (error, CS_ERROR,
                   local->domain == G_FILE_ERROR ? CS_ERROR_IO : CS_ERROR_FORMAT,
                   "%s: cannot load the image: %s", path, local->message);
      g_error_free (local);
      return NULL;
    }
  upright = gdk_pixbuf_apply_embedded_orientation (decoded);
  if (upright == NULL)
    {
      out_of_memory (error, path, "rotating");
      return NULL;
    }
  if (!gdk_pixbuf_get_has_alpha (upright))
    return g_steal_pointer (&upright);
  /* At the same size with nearest sampling this is a pure per-pixel blend
   * onto a "checkerboard" whose two colours are both white. */
  opaque = gdk_pixbuf_composite_color_simple (upright,
                                              gdk_pixbuf_get_width (upright),
                                              gdk_pixbuf_get_height (upright),
                                              GDK_INTERP_NEAREST, 255, 8,
                                              0xffffff, 0xffffff);
  if (opaque == NULL)
    out_of_memory (error, path, "compositing");
  return opaque;
}

gboolean
cli_image_to_planar (const char *path,
                     int         channels,
                     int         height,
                     int         width,
                     float      *dest,
                     GError    **error)
{
  g_autoptr (GdkPixbuf) opaque = NULL;
  g_autoptr (GdkPixbuf) scaled = NULL;
  const guint8 *pixels;
  size_t        plane = (size_t) height * (size_t) width;
  int           rowstride, stride;

  g_return_val_if_fail (channels == 1 || channels == 3, FALSE);

  opaque = load_upright_opaque (path, error);
  if (opaque == NULL)
    return FALSE;
  scaled = gdk_pixbuf_scale_simple (opaque, width, height, GDK_INTERP_BILINEAR);
  if (scaled == NULL)
    return out_of_memory (error, path, "scaling");

  pixels = gdk_pixbuf_read_pixels (scaled);
  rowstride = gdk_pixbuf_get_rowstride (scaled);
  stride = gdk_pixbuf_get_n_channels (scaled);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *rgb = pixels + (size_t) y * rowstride + (size_t) x * stride;
        size_t        at = (size_t) y * width + x;

        if (channels == 3)
          for (int c = 0; c < 3; c++)
            dest[c * plane + at] = rgb[c] / 255.0f;
        else
          dest[at] = (0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]) / 255.0f;
      }
  return TRUE;
}
