/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * col2im.c — the scatter-add of kernel-tap columns onto planes (col2im.h),
 * shared by ConvTranspose and the convolution's backward pass.
 */
#include "col2im.h"

void
cs_col2im_add (const CsCol2ImShape *shape,
               const float         *columns,
               int64_t              row0,
               int64_t              rows,
               int64_t              n_planes,
               float               *planes)
{
  const int64_t taps = (int64_t) shape->kernel[0] * shape->kernel[1];
  const int64_t width = rows * shape->grid_w;
  const int64_t plane_size = shape->plane_h * shape->plane_w;

  for (int64_t r = 0; r < n_planes * taps; r++)
    {
      const int64_t tap = r % taps;
      const int64_t ky = tap / shape->kernel[1], kx = tap % shape->kernel[1];
      const int64_t x_offset = kx * shape->dilation[1] - shape->pad_left;
      /* The grid columns whose plane column x·stride + x_offset is inside,
       * found once so that the inner loop has no test. */
      const int64_t x0 = x_offset >= 0 ? 0 : (-x_offset + shape->stride[1] - 1) / shape->stride[1];
      const int64_t x1 =
          shape->plane_w - 1 - x_offset < 0
              ? 0
              : MIN ((shape->plane_w - 1 - x_offset) / shape->stride[1] + 1, shape->grid_w);
      float *plane = planes + (r / taps) * plane_size;

      for (int64_t i = 0; i < rows; i++)
        {
          const int64_t py =
              (row0 + i) * shape->stride[0] - shape->pad_top + ky * shape->dilation[0];
          const float *src = columns + r * width + i * shape->grid_w;
          float       *dst;

          if (py < 0 || py >= shape->plane_h)
            continue;
          dst = plane + py * shape->plane_w;
          for (int64_t x = x0; x < x1; x++)
            dst[x * shape->stride[1] + x_offset] += src[x];
        }
    }
}
