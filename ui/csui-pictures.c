/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csui-pictures.c — pictures in and out of the widgets: an image file as
 * a GeglBuffer for the programs that have no GIMP, the network's input
 * tensor turned back into the picture it sees, a widget saved as a PNG
 * for screenshots, and counts grouped for reading in the tables.
 */
#include <string.h>

#include <glib/gi18n-lib.h>

#include "convscope-ui.h"

GeglBuffer *
csui_buffer_new_from_file (const char *path, GError **error)
{
  g_autoptr (GdkPixbuf) loaded = gdk_pixbuf_new_from_file (path, error);
  g_autoptr (GdkPixbuf) rgba = NULL;
  GeglBuffer *buffer;

  if (loaded == NULL)
    return NULL;
  rgba = gdk_pixbuf_add_alpha (loaded, FALSE, 0, 0, 0);
  if (rgba == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_IO, _("%s: out of memory reading the image"),
                   path);
      return NULL;
    }
  buffer = gegl_buffer_new (GEGL_RECTANGLE (0, 0, gdk_pixbuf_get_width (rgba),
                                            gdk_pixbuf_get_height (rgba)),
                            babl_format ("R'G'B'A u8"));
  gegl_buffer_set (buffer, NULL, 0, babl_format ("R'G'B'A u8"),
                   gdk_pixbuf_read_pixels (rgba), gdk_pixbuf_get_rowstride (rgba));
  return buffer;
}

/* The sRGB-encoded value in [0, 1] that became @value in tensor channel
 * @c: cs_preprocess_fill's normalization undone. */
static double
denormalize (const CsCard *card, int c, float value)
{
  switch (card->normalize)
    {
    case CS_NORMALIZE_MEAN_STD:
      return (value * card->std[c] + card->mean[c]) / (card->range != 0.0f ? card->range : 1.0f);
    case CS_NORMALIZE_QUANTIZATION:
      if (card->quant.scale == 0.0f)
        return value;
      return (value / card->quant.scale + (double) card->quant.zero_point) / 255.0;
    case CS_NORMALIZE_UNIT:
    default:
      return value;
    }
}

GdkPixbuf *
csui_input_to_pixbuf (const CsCard *card, const CsTensor *input)
{
  GdkPixbuf *pixbuf;
  const float *values;
  int64_t      channels, height, width;

  if (input == NULL || input->data == NULL || input->dtype != CS_DTYPE_FLOAT32
      || input->shape.rank != 4 || input->shape.dims[0] != 1)
    return NULL;
  channels = input->shape.dims[1];
  height = input->shape.dims[2];
  width = input->shape.dims[3];
  if ((channels != 1 && channels != 3) || height < 1 || width < 1
      || height > G_MAXINT / 4 || width > G_MAXINT / 4)
    return NULL;

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, (int) width, (int) height);
  if (pixbuf == NULL)
    return NULL;
  values = input->data;
  for (int64_t y = 0; y < height; y++)
    {
      guchar *row = gdk_pixbuf_get_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf);

      for (int64_t x = 0; x < width; x++)
        for (int rgb = 0; rgb < 3; rgb++)
          {
            /* Gray shows in all three; BGR models hold blue first. */
            int c = channels == 1 ? 0 : card->channels == CS_CHANNELS_BGR ? 2 - rgb : rgb;
            double v = denormalize (card, c, values[(c * height + y) * width + x]);

            row[x * 3 + rgb] = (guchar) (CLAMP (v, 0.0, 1.0) * 255.0 + 0.5);
          }
    }
  return pixbuf;
}

char *
csui_format_count (int64_t count)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, count);
  GString         *grouped = g_string_new (NULL);
  size_t           start = digits[0] == '-', n = strlen (digits) - start;

  g_string_append_len (grouped, digits, (gssize) start);
  for (size_t i = 0; i < n; i++)
    {
      if (i > 0 && (n - i) % 3 == 0)
        g_string_append (grouped, "\u202f");
      g_string_append_c (grouped, digits[start + i]);
    }
  return g_string_free (grouped, FALSE);
}

static void
painted (GdkFrameClock *clock, gboolean *done)
{
  *done = TRUE;
}

/* What the window system shows of @toplevel after one more paint: the
 * pixels themselves, so every part (tree view headers included) is as
 * drawn on screen. */
static GdkPixbuf *
window_pixels (GtkWidget *toplevel)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (toplevel);
  gboolean       done = FALSE;
  gulong         handler;

  if (clock == NULL)
    return NULL;
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (painted), &done);
  gtk_widget_queue_draw (toplevel);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, handler);
  if (GTK_IS_OFFSCREEN_WINDOW (toplevel))
    return gtk_offscreen_window_get_pixbuf (GTK_OFFSCREEN_WINDOW (toplevel));
  return gdk_pixbuf_get_from_window (gtk_widget_get_window (toplevel), 0, 0,
                                     gtk_widget_get_allocated_width (toplevel),
                                     gtk_widget_get_allocated_height (toplevel));
}

gboolean
csui_widget_save_png (GtkWidget *widget, const char *path, GError **error)
{
  GtkWidget            *toplevel = gtk_widget_get_toplevel (widget);
  g_autoptr (GdkPixbuf) pixels = NULL;
  g_autoptr (GdkPixbuf) part = NULL;
  int                   x, y, width, height;

  pixels = gtk_widget_get_mapped (toplevel) ? window_pixels (toplevel) : NULL;
  if (pixels == NULL
      || !gtk_widget_translate_coordinates (widget, toplevel, 0, 0, &x, &y))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   _("%s: the window to capture is not shown"), path);
      return FALSE;
    }
  width = MIN (gtk_widget_get_allocated_width (widget), gdk_pixbuf_get_width (pixels) - x);
  height = MIN (gtk_widget_get_allocated_height (widget), gdk_pixbuf_get_height (pixels) - y);
  if (x < 0 || y < 0 || width < 1 || height < 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   _("%s: the part to capture lies outside its window"), path);
      return FALSE;
    }
  part = gdk_pixbuf_new_subpixbuf (pixels, x, y, width, height);
  return gdk_pixbuf_save (part, path, "png", error, NULL);
}
