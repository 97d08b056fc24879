/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qdepthwise-avx2.c — the 8-bit depthwise kernel (kernels.h:
 * CsQDepthwise) on AVX2, compiled with -mavx2 -mfma; the AVX-512 tables
 * call it where their own does not apply.
 *
 * Without VNNI there is no byte dot product worth its shuffles, so the
 * sums are made in floats: eight output pixels a vector, each tap's
 * bytes widened and converted, multiplied by the tap's weight and added.
 * Every product is a whole number and their sums stay below 2²⁴ in
 * magnitude (255·Σ |w|, as the plan makes sure), so the floats hold the
 * int32 sums exactly.
 */
#include "qrequant-avx2.h"

/* The bytes of eight output pixels' tap at @from, @stride apart, as
 * floats. */
CS_VEC_INLINE __m256
load_taps (const uint8_t *from, int stride)
{
  __m128i bytes;

  if (stride == 1)
    bytes = _mm_loadl_epi64 ((const __m128i *) from);
  else if (stride == 2)
    bytes = _mm_shuffle_epi8 (_mm_loadu_si128 ((const __m128i *) from),
                              _mm_setr_epi8 (0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1,
                                             -1, -1));
  else
    {
      uint8_t part[16] = { 0 };

      for (int j = 0; j < 8; j++)
        part[j] = from[j * stride];
      bytes = _mm_loadu_si128 ((const __m128i *) part);
    }
  return _mm256_cvtepi32_ps (_mm256_cvtepu8_epi32 (bytes));
}

void
cs_qdepthwise_avx2 (CS_QDEPTHWISE_PARAMS)
{
  const int taps = g->kernel[0] * g->kernel[1], sw = g->stride[1];
  __m256 weights[CS_QDEPTHWISE_MAX_TAPS];
  int64_t tap_offset[CS_QDEPTHWISE_MAX_TAPS];

  g_return_if_fail (taps <= CS_QDEPTHWISE_MAX_TAPS);
  for (int kh = 0; kh < g->kernel[0]; kh++)
    for (int kw = 0; kw < g->kernel[1]; kw++)
      tap_offset[kh * g->kernel[1] + kw] = (int64_t) kh * g->dilation[0] * g->row
                                           + (int64_t) kw * g->dilation[1];
  for (int64_t c = 0; c < channels; c++)
    {
      const RowRequant row = row_requant (rq->multiplier[c], rq->right_shift[c], rq->low,
                                          rq->high, rq->scale, rq->bytes);
      const __m256i offset = _mm256_set1_epi32 (rq->offset[c]);
      const uint8_t *plane = x + c * x_stride;

      for (int t = 0; t < taps; t++)
        weights[t] = _mm256_set1_ps ((float) w[c * taps + t]);
      for (int64_t oh = 0; oh < g->out_h; oh++)
        {
          const uint8_t *window_row = plane + oh * g->stride[0] * g->row;

          for (int64_t ow = 0; ow < g->out_w; ow += 8)
            {
              const uint8_t *window = window_row + ow * sw;
              const int64_t at = c * y_stride + oh * g->out_w + ow;
              __m256 sums = _mm256_setzero_ps ();

              for (int t = 0; t < taps; t++)
                sums = _mm256_fmadd_ps (load_taps (window + tap_offset[t], sw), weights[t], sums);
              requantize_store (&row, _mm256_add_epi32 (_mm256_cvtps_epi32 (sums), offset),
                                cs_output_at (y, rq->bytes, at), g->out_w - ow,
                                vec_lanes (0, g->out_w - ow));
            }
        }
    }
}
