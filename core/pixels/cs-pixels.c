/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-pixels.c — reading a region of a GeglBuffer for the core's
 * resampler (Pillow's algorithm, core/resample.c), and the path from
 * there to the input tensor.  The resampler asks for strips of rows and
 * each strip is one gegl_buffer_get into sRGB-encoded R'G'B'A float, so
 * babl converts whole rows at once and only the columns and rows the
 * filter reaches are read.  Filtering is Pillow's: on the sRGB-encoded
 * values, premultiplied by alpha, not in linear light.
 *
 * Large reductions in two steps, as Pillow's reducing_gap does.  When the
 * image shrinks by 4× or more along both axes (or by more than 6× along
 * one), the strips are read at a scale of 1/2, 1/4, … straight from
 * GEGL's mipmap levels (2×2 box averages, which GEGL takes in linear
 * light), to between 2 and 4 times the output resolution, and the
 * resampler does the rest: the work then depends on the output size
 * rather than the image's.
 *
 * Scales between the levels are avoided: for those gegl_buffer_get
 * resamples through a scratch buffer that GEGL (0.4.42 to 0.4.62 at
 * least) makes too small for wide float rows when the scale is just above
 * 1/2, and writes past it.
 */
#include "cs-pixels.h"

#include <math.h>

/* What is left for the resampler after the first step: at least this
 * much reduction along the shorter axis, at most that much along the
 * other. */
#define MIN_FILTER_REDUCTION 2.0
#define MAX_FILTER_REDUCTION 6.0
/* GEGL's deepest mipmap level is far below any useful one. */
#define MAX_LEVEL 16

void
cs_pixels_init (void)
{
  /* GEGL reads GEGL_PATH once, in gegl_init, and an explicit setting
   * wins.  An empty path loads none of the operation modules, which saves
   * most of GEGL's start-up time. */
  g_setenv ("GEGL_PATH", "", FALSE);
  /* babl's default tolerance lets it trade exactness for lookup tables
   * and fast paths that it measures per machine.  Zero makes it convert
   * exactly, which is what preprocessing wants.  Its fish cache
   * (~/.cache/babl, shared with GIMP) is then no use: read under another
   * tolerance it makes babl build tables for a second and 360 MB at
   * every start (babl 0.1.98), so it is left alone. */
  g_setenv ("BABL_TOLERANCE", "0", FALSE);
  g_setenv ("BABL_INHIBIT_CACHE", "1", FALSE);
  gegl_init (NULL, NULL);
}

void
cs_pixels_exit (void)
{
  gegl_exit ();
}

/* The scale of the first step, a mipmap level's: 1 (none) unless the
 * reduction is large enough for the level below to help. */
static double
first_step_scale (double reduce_x, double reduce_y)
{
  const double shorter = MIN (reduce_x, reduce_y), longer = MAX (reduce_x, reduce_y);
  int level = 0;

  while (level < MAX_LEVEL
         && (shorter / (2 << level) >= MIN_FILTER_REDUCTION
             || longer / (1 << level) > MAX_FILTER_REDUCTION))
    level++;
  return 1.0 / (1 << level);
}

/* The 8-bit sRGB-encoded formats GIMP's 8-bit images come in, the
 * number of components being the index plus one.  These are read as they
 * are and widened here to v / 255 exactly: babl (0.1.98) without its
 * cache spends from 0.07 to 2 s planning each of these conversions to
 * float the first time in a process, and converts the ones without alpha
 * at 25 ns a pixel through linear light, a few units in the last place
 * off. */
static const char *const byte_encodings[] = { "Y' u8", "Y'A u8", "R'G'B' u8", "R'G'B'A u8" };

/* Where the resampler's source lies in a view of the region, and how it
 * is read. */
typedef struct
{
  GeglBuffer *view;
  int         x, y;        /* the source's corner, in pixels at the scale */
  double      scale;       /* 1 or a mipmap level's */
  const Babl *format;      /* what gegl_buffer_get reads */
  int         components;  /* of byte_encodings; 0 when reading floats */
  guint8     *bytes;       /* the last strip as read, for byte formats */
  size_t      bytes_size;
  float       widened[256];
} Source;

/* The number of components of @format when it is one of byte_encodings
 * in sRGB, else 0. */
static int
byte_components (const Babl *format)
{
  if (babl_format_get_space (format) != babl_space ("sRGB"))
    return 0;
  for (int i = 0; i < (int) G_N_ELEMENTS (byte_encodings); i++)
    if (g_str_equal (babl_format_get_encoding (format), byte_encodings[i]))
      return i + 1;
  return 0;
}

/* The CsReadPixels of a Source: one gegl_buffer_get per strip. */
static gboolean
read_strip (void *user, int x, int y, int width, int height, float *pixels, GError **error)
{
  Source *source = user;
  const GeglRectangle rect = { source->x + x, source->y + y, width, height };
  const size_t n = (size_t) width * (size_t) height;
  const int components = source->components;
  const gboolean gray = components < 3, alpha = components % 2 == 0;

  if (components == 0)
    {
      gegl_buffer_get (source->view, &rect, source->scale, source->format, pixels,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
      return TRUE;
    }
  if (source->bytes_size < n * components)
    {
      source->bytes_size = n * components;
      source->bytes = g_realloc (source->bytes, source->bytes_size);
    }
  gegl_buffer_get (source->view, &rect, source->scale, source->format, source->bytes,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
  for (size_t i = 0; i < n; i++)
    {
      const guint8 *in = source->bytes + i * components;
      float *out = pixels + 4 * i;

      out[0] = source->widened[in[0]];
      out[1] = source->widened[in[gray ? 0 : 1]];
      out[2] = source->widened[in[gray ? 0 : 2]];
      out[3] = alpha ? source->widened[in[components - 1]] : 1.0f;
    }
  return TRUE;
}

gboolean
cs_pixels_resample (GeglBuffer          *buffer,
                    const GeglRectangle *roi,
                    const CsResizePlan  *plan,
                    CsResample           resample,
                    float               *dest,
                    GError             **error)
{
  const GeglRectangle area = roi != NULL ? *roi : *gegl_buffer_get_extent (buffer);
  const Babl *format = gegl_buffer_get_format (buffer);
  g_autoptr (GeglBuffer) view = NULL;
  Source source = { NULL, area.x, area.y, 1.0, babl_format ("R'G'B'A float"),
                    byte_components (format), NULL, 0, { 0.0f } };
  CsResizePlan reduced = *plan;
  int width = area.width, height = area.height;
  gboolean ok;

  if (!cs_resample_check (area.width, area.height, plan, error))
    return FALSE;
  if (resample == CS_RESAMPLE_ANTIALIAS)
    source.scale = first_step_scale (plan->src_width / plan->dest_width,
                                     plan->src_height / plan->dest_height);
  if (source.scale < 1.0)
    {
      /* A level's pixel i covers the source pixels from i / scale on, in
       * the buffer's coordinates, so the region's edges may fall inside
       * its edge pixels. */
      source.x = (int) floor (area.x * source.scale);
      source.y = (int) floor (area.y * source.scale);
      width = (int) ceil (((double) area.x + area.width) * source.scale) - source.x;
      height = (int) ceil (((double) area.y + area.height) * source.scale) - source.y;
      reduced.src_x = (area.x + plan->src_x) * source.scale - source.x;
      reduced.src_y = (area.y + plan->src_y) * source.scale - source.y;
      reduced.src_width = plan->src_width * source.scale;
      reduced.src_height = plan->src_height * source.scale;
    }
  /* A view whose abyss is the ROI: GEGL then leaves what lies beyond it
   * out of mipmap reads too, even from level pixels that straddle its
   * edges. */
  view = gegl_buffer_create_sub_buffer (buffer, &area);
  source.view = view;
  if (source.components > 0)
    {
      source.format = format;
      for (int v = 0; v < 256; v++)
        source.widened[v] = v / 255.0f;
    }
  ok = cs_resample (width, height, &reduced, resample, 4, read_strip, &source, dest, error);
  g_free (source.bytes);
  return ok;
}

gboolean
cs_pixels_to_tensor (GeglBuffer          *buffer,
                     const GeglRectangle *roi,
                     const CsCard        *card,
                     CsTensor            *tensor,
                     GError             **error)
{
  const GeglRectangle area = roi != NULL ? *roi : *gegl_buffer_get_extent (buffer);
  g_autofree float *pixels = NULL;
  CsResizePlan plan;

  if (!cs_resize_plan (card, area.width, area.height, &plan, error))
    return FALSE;
  pixels = g_new (float, (size_t) plan.dest_width * (size_t) plan.dest_height * 4);
  return cs_pixels_resample (buffer, &area, &plan, card->resample, pixels, error)
         && cs_preprocess_fill (card, &plan, pixels, 4 * (size_t) plan.dest_width,
                                tensor, error);
}
