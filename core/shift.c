/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shift.c — the invariance lesson's input: the network's prepared input
 * moved by a few pixels, so that the same model can run on the picture
 * and on the picture shifted and the two runs can be compared.  It moves
 * the tensor the preprocessing made, not the source pixels, so that one
 * input pixel is one pixel of the first layer's map and nothing is
 * resampled twice.
 */
#include "cs-lesson.h"

/* Whether @tensor is a float image tensor, 1×C×H×W. */
static gboolean
is_image (const CsTensor *tensor)
{
  return tensor->dtype == CS_DTYPE_FLOAT32 && tensor->data != NULL && tensor->shape.rank == 4
         && tensor->shape.dims[0] == 1 && cs_shape_numel (&tensor->shape) > 0;
}

gboolean
cs_input_shift (const CsTensor *input, int dy, int dx, CsTensor *shifted, GError **error)
{
  const float *from;
  float       *to;
  int64_t      channels, height, width;

  if (!is_image (input) || !is_image (shifted) || !cs_shape_equal (&input->shape, &shifted->shape))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "shifting needs two float image tensors of one shape, 1×C×H×W");
      return FALSE;
    }
  channels = input->shape.dims[1];
  height = input->shape.dims[2];
  width = input->shape.dims[3];
  from = input->data;
  to = shifted->data;
  /* The uncovered rows and columns repeat the nearest edge pixel: the
   * picture goes on in its border colour rather than in a value the
   * normalization may never produce. */
  for (int64_t c = 0; c < channels; c++)
    for (int64_t y = 0; y < height; y++)
      {
        int64_t      source_y = CLAMP (y - (int64_t) dy, 0, height - 1);
        const float *source_row = from + (c * height + source_y) * width;
        float       *row = to + (c * height + y) * width;

        for (int64_t x = 0; x < width; x++)
          row[x] = source_row[CLAMP (x - (int64_t) dx, 0, width - 1)];
      }
  return TRUE;
}
