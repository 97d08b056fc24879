/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * label-png.c — label images as palette PNGs through libpng (GdkPixbuf
 * writes only RGB and RGBA).  libpng reports errors by longjmp, so each
 * function that calls it sets the jump point first and turns the message
 * its error handler kept into a GError.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>

#include "cli.h"
#include "label-png.h"

struct _LabelPng
{
  char       *path;
  FILE       *file;
  png_structp png;
  png_infop   info;
  int         width;
  char        message[256]; /* libpng's last error */
};

static void
on_png_error (png_structp png, png_const_charp message)
{
  LabelPng *out = png_get_error_ptr (png);

  g_strlcpy (out->message, message, sizeof out->message);
  png_longjmp (png, 1);
}

static void
on_png_warning (png_structp png, png_const_charp message)
{
  (void) png;
  (void) message;
}

static void
set_write_error (GError **error, const LabelPng *out)
{
  g_set_error (error, CS_ERROR, CS_ERROR_IO, _ ("%s: cannot write the label image: %s"), out->path,
               out->message);
}

static void
label_png_free (LabelPng *out)
{
  png_destroy_write_struct (&out->png, &out->info);
  if (out->file != NULL)
    fclose (out->file);
  g_free (out->path);
  g_free (out);
}

LabelPng *
label_png_open (const char *path, int width, int height, GError **error)
{
  LabelPng *out = g_new0 (LabelPng, 1);
  png_color palette[256];

  out->path = g_strdup (path);
  out->width = width;
  if ((out->file = g_fopen (path, "wb")) == NULL)
    {
      int saved = errno;

      g_set_error (error, CS_ERROR, CS_ERROR_IO, _ ("%s: cannot write the label image: %s"), path,
                   g_strerror (saved));
      label_png_free (out);
      return NULL;
    }
  out->png = png_create_write_struct (PNG_LIBPNG_VER_STRING, out, on_png_error, on_png_warning);
  out->info = out->png != NULL ? png_create_info_struct (out->png) : NULL;
  if (out->info == NULL)
    {
      g_strlcpy (out->message, g_strerror (ENOMEM), sizeof out->message);
      set_write_error (error, out);
      label_png_finish (out, FALSE, NULL);
      return NULL;
    }
  if (setjmp (png_jmpbuf (out->png)))
    {
      set_write_error (error, out);
      label_png_finish (out, FALSE, NULL);
      return NULL;
    }
  for (int i = 0; i < 256; i++)
    {
      guint8 rgb[3];

      cs_segment_colour (i, rgb);
      palette[i] = (png_color){ rgb[0], rgb[1], rgb[2] };
    }
  png_init_io (out->png, out->file);
  png_set_IHDR (out->png, out->info, (png_uint_32) width, (png_uint_32) height, 8,
                PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                PNG_FILTER_TYPE_DEFAULT);
  png_set_PLTE (out->png, out->info, palette, 256);
  png_write_info (out->png, out->info);
  return out;
}

gboolean
label_png_rows (LabelPng *out, const guint8 *labels, int n_rows, GError **error)
{
  if (setjmp (png_jmpbuf (out->png)))
    {
      set_write_error (error, out);
      return FALSE;
    }
  for (int r = 0; r < n_rows; r++)
    png_write_row (out->png, labels + (size_t) r * out->width);
  return TRUE;
}

gboolean
label_png_finish (LabelPng *out, gboolean complete, GError **error)
{
  gboolean ok = TRUE;

  if (complete)
    {
      if (setjmp (png_jmpbuf (out->png)))
        {
          set_write_error (error, out);
          complete = ok = FALSE;
        }
      else
        png_write_end (out->png, out->info);
    }
  if (ok && fclose (g_steal_pointer (&out->file)) != 0)
    {
      int saved = errno;

      g_set_error (error, CS_ERROR, CS_ERROR_IO, _ ("%s: cannot write the label image: %s"),
                   out->path, g_strerror (saved));
      complete = ok = FALSE;
    }
  if (!complete)
    g_remove (out->path);
  label_png_free (out);
  return ok;
}
