/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * image.c — decoding image files with gdk-pixbuf into GEGL buffers for
 * the shared preprocessing path; see image.h.
 */
#include <glib/gi18n-lib.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "cs-pixels.h"
#include "image.h"

/* Rows widened at a time: one GEGL tile row. */
#define BAND_ROWS 64

/* Copies @pixbuf into a new buffer of 16-bit R'G'B'A.  Not 8-bit: babl
 * (0.1.98 at least) builds a 256 MB lookup table once a process has
 * converted 32768 pixels of 8-bit RGBA to float, which costs more than
 * classifying the image; from 16-bit pixels it builds none.  Widening
 * v to v·257 is exact, and opaque images get alpha 65535. */
static GeglBuffer *
buffer_from_pixbuf (const GdkPixbuf *pixbuf)
{
  const int width = gdk_pixbuf_get_width (pixbuf);
  const int height = gdk_pixbuf_get_height (pixbuf);
  const int stride = gdk_pixbuf_get_n_channels (pixbuf);
  const int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  const gboolean has_alpha = gdk_pixbuf_get_has_alpha (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  const Babl *format = babl_format ("R'G'B'A u16");
  GeglBuffer *buffer = gegl_buffer_new (GEGL_RECTANGLE (0, 0, width, height), format);
  g_autofree guint16 *band = g_new (guint16, (size_t) width * 4 * BAND_ROWS);

  for (int top = 0; top < height; top += BAND_ROWS)
    {
      const int rows = MIN (BAND_ROWS, height - top);

      for (int y = 0; y < rows; y++)
        for (int x = 0; x < width; x++)
          {
            const guint8 *in = pixels + (size_t) (top + y) * rowstride + (size_t) x * stride;
            guint16 *out = band + ((size_t) y * width + x) * 4;

            for (int c = 0; c < 3; c++)
              out[c] = in[c] * 257;
            out[3] = has_alpha ? in[3] * 257 : 65535;
          }
      gegl_buffer_set (buffer, GEGL_RECTANGLE (0, top, width, rows), 0, format, band,
                       GEGL_AUTO_ROWSTRIDE);
    }
  return buffer;
}

GeglBuffer *
cli_image_load (const char *path, GError **error)
{
  g_autoptr (GdkPixbuf) decoded = NULL;
  g_autoptr (GdkPixbuf) upright = NULL;
  GError *local = NULL;

  decoded = gdk_pixbuf_new_from_file (path, &local);
  if (decoded == NULL)
    {
      g_set_error (error, CS_ERROR,
                   local->domain == G_FILE_ERROR ? CS_ERROR_IO : CS_ERROR_FORMAT,
                   _("%s: cannot load the image: %s"), path, local->message);
      g_error_free (local);
      return NULL;
    }
  upright = gdk_pixbuf_apply_embedded_orientation (decoded);
  if (upright == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   _("%s: out of memory rotating the image"), path);
      return NULL;
    }
  /* gdk-pixbuf always hands out 8-bit sRGB-encoded RGB or RGBA. */
  return buffer_from_pixbuf (upright);
}

gboolean
cli_image_to_tensor (const char   *path,
                     const CsCard *card,
                     CsTensor     *tensor,
                     GError      **error)
{
  g_autoptr (GeglBuffer) buffer = cli_image_load (path, error);

  if (buffer == NULL)
    return FALSE;
  if (!cs_pixels_to_tensor (buffer, NULL, card, tensor, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}
