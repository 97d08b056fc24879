/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-pixels.c — resampling a region of a GeglBuffer to a model's input
 * size with GEGL, and the path from there to the input tensor.
 *
 * Antialiased reduction in two GEGL steps.  When the image shrinks by 4×
 * or more along both axes (or by more than 6× along one), gegl_buffer_get
 * first reads it at a scale of 1/2, 1/4, … straight from GEGL's mipmap
 * levels (2×2 box averages), to between 2 and 4 times the output
 * resolution, so nothing is read at full resolution into floats.  Then
 * GEGL's LoHalo sampler takes every output pixel with the footprint of
 * that pixel as its scale matrix: when shrinking it averages over that
 * footprint with an elliptical (EWA) Robidoux filter, at its best up to
 * about 6×.  Of GEGL's samplers it comes closest to what training
 * pipelines use (Pillow's resize, which also averages when shrinking):
 * within 0.5 to 2 levels of 255 per pixel on the shared photos.
 *
 * Scales between the levels are avoided: for those gegl_buffer_get
 * resamples through a scratch buffer that GEGL (0.4.42 to 0.4.62 at
 * least) makes too small for wide float rows when the scale is just above
 * 1/2, and writes past it.
 */
#include "cs-pixels.h"

#include <math.h>

/* The model input limit of the core, for the same reason. */
#define MAX_DEST_SIDE 16384
/* What is left for the sampler after the first step: at least this much
 * reduction along the shorter axis, at most that much along the other. */
#define MIN_SAMPLER_REDUCTION 2.0
#define MAX_SAMPLER_REDUCTION 6.0
/* GEGL's deepest mipmap level is far below any useful one. */
#define MAX_LEVEL 16
/* Slack for plans computed in floating point. */
#define PLAN_EPSILON 1e-6

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

static const GeglSamplerType sampler_types[] = {
  [CS_RESAMPLE_ANTIALIAS] = GEGL_SAMPLER_LOHALO,
  [CS_RESAMPLE_BILINEAR] = GEGL_SAMPLER_LINEAR,
  [CS_RESAMPLE_NEAREST] = GEGL_SAMPLER_NEAREST,
};

/* The scale of the first step, a mipmap level's: 1 (none) unless the
 * reduction is large enough for the level below to help. */
static double
first_step_scale (double reduce_x, double reduce_y)
{
  const double shorter = MIN (reduce_x, reduce_y), longer = MAX (reduce_x, reduce_y);
  int level = 0;

  while (level < MAX_LEVEL
         && (shorter / (2 << level) >= MIN_SAMPLER_REDUCTION
             || longer / (1 << level) > MAX_SAMPLER_REDUCTION))
    level++;
  return 1.0 / (1 << level);
}

static gboolean
check_plan (const GeglRectangle *area, const CsResizePlan *plan, GError **error)
{
  if (plan->dest_width < 1 || plan->dest_height < 1
      || plan->dest_width > MAX_DEST_SIDE || plan->dest_height > MAX_DEST_SIDE
      || !(plan->src_width > 0.0) || !(plan->src_height > 0.0)
      || !(plan->src_x >= -PLAN_EPSILON) || !(plan->src_y >= -PLAN_EPSILON)
      || !(plan->src_x + plan->src_width <= area->width + PLAN_EPSILON)
      || !(plan->src_y + plan->src_height <= area->height + PLAN_EPSILON))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "cannot resample %g×%g pixels at (%g, %g) of a %d×%d region to %d×%d",
                   plan->src_width, plan->src_height, plan->src_x, plan->src_y,
                   area->width, area->height, plan->dest_width, plan->dest_height);
      return FALSE;
    }
  return TRUE;
}

/* Reads the part of @view that the plan's source rectangle needs, with
 * @margin pixels around it for the sampler's filter, at @scale into a new
 * linear buffer in GEGL's working format, whose coordinates are the
 * source's times @scale.  *@pixels receives the memory behind it; free it
 * after the buffer. */
static GeglBuffer *
read_reduced (GeglBuffer *view, const GeglRectangle *area, const CsResizePlan *plan,
              double scale, int margin, float **pixels)
{
  const Babl *work = babl_format_with_space ("RaGaBaA float", gegl_buffer_get_format (view));
  const double x0 = area->x + plan->src_x, y0 = area->y + plan->src_y;
  GeglRectangle limit, rect;

  limit.x = (int) floor (area->x * scale);
  limit.y = (int) floor (area->y * scale);
  limit.width = (int) ceil ((area->x + area->width) * scale) - limit.x;
  limit.height = (int) ceil ((area->y + area->height) * scale) - limit.y;
  rect.x = (int) floor (x0 * scale) - margin;
  rect.y = (int) floor (y0 * scale) - margin;
  rect.width = (int) ceil ((x0 + plan->src_width) * scale) + margin - rect.x;
  rect.height = (int) ceil ((y0 + plan->src_height) * scale) + margin - rect.y;
  gegl_rectangle_intersect (&rect, &rect, &limit);

  *pixels = g_new (float, (size_t) rect.width * (size_t) rect.height * 4);
  gegl_buffer_get (view, &rect, scale, work, *pixels, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
  return gegl_buffer_linear_new_from_data (*pixels, work, &rect, GEGL_AUTO_ROWSTRIDE,
                                           NULL, NULL);
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
  const double reduce_x = plan->src_width / plan->dest_width;
  const double reduce_y = plan->src_height / plan->dest_height;
  g_autoptr (GeglBuffer) view = NULL;
  g_autoptr (GeglBuffer) reduced = NULL;
  GeglSampler *sampler;
  g_autofree float *reduced_pixels = NULL;
  GeglBufferMatrix2 footprint = { { { 0.0, 0.0 }, { 0.0, 0.0 } } };
  GeglBuffer *source;
  double scale = 1.0;

  if ((unsigned) resample >= G_N_ELEMENTS (sampler_types))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "unknown resampling %d", (int) resample);
      return FALSE;
    }
  if (area.width < 1 || area.height < 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "cannot resample an empty %d×%d region", area.width, area.height);
      return FALSE;
    }
  if (!check_plan (&area, plan, error))
    return FALSE;

  /* A view whose abyss is the ROI, so that reads past its edges repeat
   * its edge pixels rather than reaching outside it. */
  view = gegl_buffer_create_sub_buffer (buffer, &area);
  source = view;
  if (resample == CS_RESAMPLE_ANTIALIAS)
    scale = first_step_scale (reduce_x, reduce_y);
  if (scale < 1.0)
    {
      /* LoHalo's filter reaches two output pixels from the centre. */
      const int margin = (int) ceil (2.0 * MAX (reduce_x, reduce_y) * scale) + 1;

      reduced = read_reduced (view, &area, plan, scale, margin, &reduced_pixels);
      source = reduced;
    }

  sampler = gegl_buffer_sampler_new (source, babl_format ("R'G'B'A float"),
                                     sampler_types[resample]);
  footprint.coeff[0][0] = reduce_x * scale;
  footprint.coeff[1][1] = reduce_y * scale;
  for (int y = 0; y < plan->dest_height; y++)
    {
      const double v = (area.y + plan->src_y + (y + 0.5) * reduce_y) * scale;

      for (int x = 0; x < plan->dest_width; x++)
        {
          const double u = (area.x + plan->src_x + (x + 0.5) * reduce_x) * scale;

          gegl_sampler_get (sampler, u, v,
                            resample == CS_RESAMPLE_ANTIALIAS ? &footprint : NULL,
                            dest + 4 * ((size_t) y * plan->dest_width + x), GEGL_ABYSS_CLAMP);
        }
    }
  /* The sampler and the linear buffer must go before their memory. */
  g_object_unref (sampler);
  g_clear_object (&reduced);
  return TRUE;
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
