/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * preprocess.c — the plain-C half of turning an image into an input
 * tensor: planning which source rectangle lands where for each resize
 * policy, and writing resampled pixels into the tensor (compositing over
 * the background, channel order, grayscale, normalization).  The
 * resampling between the two is resample.c's, fed by core/pixels; this
 * file never sees more than the input-sized pixels it produces.
 */
#include "cs-card.h"

#include <math.h>

/* GIMP's own limit on image sides. */
#define MAX_SOURCE_SIDE 524288

/* Rec. 601 luma, the weights MNIST-style grayscale data and most image
 * tools use on sRGB-encoded values. */
static const float luma_weights[3] = { 0.299f, 0.587f, 0.114f };

gboolean
cs_resize_plan (const CsCard *card,
                int64_t       source_width,
                int64_t       source_height,
                CsResizePlan *plan,
                GError      **error)
{
  const double w = (double) source_width, h = (double) source_height;
  const double tw = card->width, th = card->height;

  if (source_width < 1 || source_height < 1
      || source_width > MAX_SOURCE_SIDE || source_height > MAX_SOURCE_SIDE)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "an image of %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT
                   " pixels cannot be resized (sides from 1 to %d)",
                   source_width, source_height, MAX_SOURCE_SIDE);
      return FALSE;
    }
  *plan = (CsResizePlan) { 0.0, 0.0, w, h, 0, 0, card->width, card->height };
  switch (card->resize)
    {
    case CS_RESIZE_STRETCH:
      break;
    case CS_RESIZE_CROP:
      {
        /* The largest centred rectangle of the input's aspect ratio,
         * shrunk about its centre by the fraction. */
        double cw = w, ch = h;

        if (w * th > h * tw)
          cw = h * tw / th;
        else
          ch = w * th / tw;
        plan->src_width = cw * card->crop_fraction;
        plan->src_height = ch * card->crop_fraction;
        plan->src_x = (w - plan->src_width) / 2.0;
        plan->src_y = (h - plan->src_height) / 2.0;
      }
      break;
    case CS_RESIZE_LETTERBOX:
      {
        /* The whole image as large as fits; the odd border pixel goes to
         * the right or bottom. */
        double scale = MIN (tw / w, th / h);

        plan->dest_width = CLAMP ((int) lround (w * scale), 1, card->width);
        plan->dest_height = CLAMP ((int) lround (h * scale), 1, card->height);
        plan->dest_x = (card->width - plan->dest_width) / 2;
        plan->dest_y = (card->height - plan->dest_height) / 2;
      }
      break;
    }
  return TRUE;
}

/* value = gain·pixel + bias per tensor channel, for pixels in [0, 1];
 * for quantized inputs the pixel is first rounded (half up) to a byte, as
 * a quantized runtime fed with 8-bit pixels would see it. */
typedef struct
{
  float    gain[3], bias[3];
  gboolean to_byte;
} Affine;

static Affine
card_affine (const CsCard *card)
{
  Affine a = { { 1.0f, 1.0f, 1.0f }, { 0.0f, 0.0f, 0.0f }, FALSE };

  switch (card->normalize)
    {
    case CS_NORMALIZE_UNIT:
      break;
    case CS_NORMALIZE_MEAN_STD:
      for (int c = 0; c < 3; c++)
        {
          a.gain[c] = card->range / card->std[c];
          a.bias[c] = -card->mean[c] / card->std[c];
        }
      break;
    case CS_NORMALIZE_QUANTIZATION:
      /* The byte b is the integer b + qmin of the input's type (b itself
       * for uint8, b − 128 for int8). */
      for (int c = 0; c < 3; c++)
        {
          a.gain[c] = card->quant.scale;
          a.bias[c] = (float) (card->quant.qmin - card->quant.zero_point) * card->quant.scale;
        }
      a.to_byte = TRUE;
      break;
    }
  return a;
}

static inline float
normalize (const Affine *a, int c, float pixel)
{
  if (a->to_byte)
    return a->gain[c] * floorf (CLAMP (pixel, 0.0f, 1.0f) * 255.0f + 0.5f) + a->bias[c];
  return a->gain[c] * pixel + a->bias[c];
}

/* Writes the tensor channels of one opaque sRGB-encoded pixel. */
static inline void
put_pixel (const CsCard *card, const Affine *a, const float rgb[3], float *dest, size_t plane)
{
  switch (card->channels)
    {
    case CS_CHANNELS_RGB:
      for (int c = 0; c < 3; c++)
        dest[c * plane] = normalize (a, c, rgb[c]);
      break;
    case CS_CHANNELS_BGR:
      for (int c = 0; c < 3; c++)
        dest[c * plane] = normalize (a, c, rgb[2 - c]);
      break;
    case CS_CHANNELS_GRAY:
      dest[0] = normalize (a, 0, luma_weights[0] * rgb[0] + luma_weights[1] * rgb[1]
                                 + luma_weights[2] * rgb[2]);
      break;
    }
}

void
cs_preprocess_grey (const CsCard *card, float grey, float value[3])
{
  const Affine a = card_affine (card);
  const float  rgb[3] = { grey, grey, grey };

  value[0] = value[1] = value[2] = 0.0f;
  put_pixel (card, &a, rgb, value, 1);
}

gboolean
cs_preprocess_fill (const CsCard       *card,
                    const CsResizePlan *plan,
                    const float        *pixels,
                    size_t              rowstride,
                    CsTensor           *tensor,
                    GError            **error)
{
  const int channels = card->channels == CS_CHANNELS_GRAY ? 1 : 3;
  const size_t plane = (size_t) card->width * (size_t) card->height;
  const Affine a = card_affine (card);
  float *data = tensor->data;

  if (tensor->dtype != CS_DTYPE_FLOAT32 || data == NULL || tensor->shape.rank != 4
      || tensor->shape.dims[0] != 1 || tensor->shape.dims[1] != channels
      || tensor->shape.dims[2] != card->height || tensor->shape.dims[3] != card->width)
    {
      g_autofree char *shape = cs_shape_to_string (&tensor->shape);

      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: the input tensor is %s, not 1×%d×%d×%d float32", card->model_path,
                   shape, channels, card->height, card->width);
      return FALSE;
    }
  if (plan->dest_width < 1 || plan->dest_height < 1 || plan->dest_x < 0 || plan->dest_y < 0
      || plan->dest_width > card->width - plan->dest_x
      || plan->dest_height > card->height - plan->dest_y
      || rowstride < 4 * (size_t) plan->dest_width)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: a %d×%d placement at (%d, %d) does not fit the %d×%d input",
                   card->model_path, plan->dest_width, plan->dest_height,
                   plan->dest_x, plan->dest_y, card->width, card->height);
      return FALSE;
    }

  for (int y = 0; y < card->height; y++)
    for (int x = 0; x < card->width; x++)
      {
        const int px = x - plan->dest_x, py = y - plan->dest_y;
        float rgb[3];

        if (px < 0 || py < 0 || px >= plan->dest_width || py >= plan->dest_height)
          for (int c = 0; c < 3; c++)
            rgb[c] = card->fill[c];
        else
          {
            const float *p = pixels + (size_t) py * rowstride + 4 * (size_t) px;
            /* NaN from a broken source counts as transparent. */
            const float alpha = isnan (p[3]) ? 0.0f : CLAMP (p[3], 0.0f, 1.0f);

            for (int c = 0; c < 3; c++)
              {
                float value = isnan (p[c]) ? 0.0f : p[c];

                rgb[c] = alpha * value + (1.0f - alpha) * card->background[c];
              }
          }
        put_pixel (card, &a, rgb, data + (size_t) y * card->width + x, plane);
      }
  return TRUE;
}
