/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qgemm-generic.c — the portable kernels of the 8-bit convolution
 * (kernels.h): the micro-kernel with TFLite's requantization, and the
 * packers of its B panels from floats and from bytes.  They are the
 * reference the vector ones must match to the bit.
 */
#include "kernels.h"

/* The sums wrap modulo 2³² as the vector kernels' lanes do: the terms
 * of the zero points may leave int32 on the way to a total that is back
 * inside it, as TFLite's own accumulator is. */
void
cs_qgemm_micro_generic (CS_QGEMM_MICRO_PARAMS)
{
  uint32_t sums[CS_GENERIC_MR][CS_GENERIC_NR] = { { 0 } };

  for (int64_t g = 0; g < depth4; g++)
    {
      const int8_t *a_group = a + g * CS_GENERIC_MR * 4;
      const uint8_t *b_group = b + g * CS_GENERIC_NR * 4;

      for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
          for (int t = 0; t < 4; t++)
            sums[i][j] += (uint32_t) ((int32_t) a_group[i * 4 + t] * (int32_t) b_group[j * 4 + t]);
    }
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      {
        uint32_t total = sums[i][j] + (uint32_t) rq->offset[i];

        if (rq->weight_zero != NULL)
          total -= (uint32_t) rq->weight_zero[i] * (uint32_t) rq->colsum[j];
        cs_requant_store_scalar (rq, i, (int32_t) total, c, i * ldc + j);
      }
}

/* round (x · inverse_scale) + zero in [0, 255]. */
static inline int32_t
quantize (float x, float inverse_scale, int32_t zero)
{
  return (int32_t) cs_grid_step_scalar (x * inverse_scale, 1.0f, (float) -zero,
                                        (float) (255 - zero)) + zero;
}

/* One B panel from floats, or from bytes when @bytes is not NULL: the
 * layout and sums both packers share. */
static inline void
pack_panel (const float *x, const uint8_t *bytes, int64_t x_stride, int64_t depth, int n,
            float inverse_scale, int32_t zero, int32_t add, uint8_t *b, int32_t *colsum)
{
  for (int j = 0; j < n; j++)
    colsum[j] = 0;
  for (int64_t p = 0; p < (depth + 3) / 4 * 4; p++)
    for (int j = 0; j < CS_GENERIC_NR; j++)
      {
        int32_t q = 0;

        if (p < depth && j < n)
          q = bytes != NULL ? bytes[p * x_stride + j] + add
                            : quantize (x[p * x_stride + j], inverse_scale, zero);
        b[(p / 4 * CS_GENERIC_NR + j) * 4 + p % 4] = (uint8_t) q;
        if (j < n)
          colsum[j] += q;
      }
}

void
cs_qpack_generic (CS_QPACK_PARAMS)
{
  pack_panel (x, NULL, x_stride, depth, n, inverse_scale, zero, 0, b, colsum);
}

void
cs_qpack_bytes_generic (CS_QPACK_BYTES_PARAMS)
{
  pack_panel (NULL, x, x_stride, depth, n, 0.0f, 0, add, b, colsum);
}
