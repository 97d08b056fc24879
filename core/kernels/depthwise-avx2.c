/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * depthwise-avx2.c — the AVX2/FMA depthwise-convolution kernel
 * (kernels.h), compiled with -mavx2 -mfma and called only after
 * dispatch.c has checked the CPU.
 *
 * Eight output columns per vector, read straight from the input plane:
 * masked loads stand in for the zero padding (a masked-off lane is never
 * read, so nothing outside the plane is touched), stride 2 loads 16
 * columns and keeps the even ones, other strides gather.  3×3 keeps its
 * weights in registers.
 */
#include "epilogue-avx2.h"

/* Tap columns whose masks are kept per block; wider kernels recompute. */
#define KEPT_MASKS 16

/* Lanes [lo, hi) ∩ [0, 8) as a vector mask. */
static inline __m256i
lane_range (int64_t lo, int64_t hi)
{
  const __m256i lane = _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7);

  lo = CLAMP (lo, 0, 8);
  hi = CLAMP (hi, lo, 8);
  return _mm256_andnot_si256 (_mm256_cmpgt_epi32 (_mm256_set1_epi32 ((int) lo), lane),
                              _mm256_cmpgt_epi32 (_mm256_set1_epi32 ((int) hi), lane));
}

/* @row + @offset floats; as an integer sum, since the masked lanes may
 * put it before the start of the plane, where C forbids pointing. */
static inline const float *
shifted (const float *row, int64_t offset)
{
  return (const float *) ((uintptr_t) row + (uintptr_t) (offset * (int64_t) sizeof (float)));
}

/* Lane l: row[first + l·stride] for the lanes in @lanes, else 0. */
static inline __m256
load_taps (const float *row, int64_t first, int stride, __m256i lanes, int64_t in_w)
{
  if (stride == 1)
    return _mm256_maskload_ps (shifted (row, first), lanes);
  if (stride == 2)
    {
      /* The loads' masks keep them inside the row; the even elements are
       * the taps, and the lanes outside @lanes read padding, i.e. zero. */
      __m256 low = _mm256_maskload_ps (shifted (row, first), lane_range (-first, in_w - first));
      __m256 high = _mm256_maskload_ps (shifted (row, first + 8),
                                        lane_range (-first - 8, in_w - first - 8));
      __m256 even = _mm256_shuffle_ps (low, high, _MM_SHUFFLE (2, 0, 2, 0));

      return _mm256_castpd_ps (_mm256_permute4x64_pd (_mm256_castps_pd (even),
                                                      _MM_SHUFFLE (3, 1, 2, 0)));
    }
  return _mm256_mask_i32gather_ps (_mm256_setzero_ps (), row,
                                   _mm256_add_epi32 (_mm256_set1_epi32 ((int) first),
                                                     _mm256_mullo_epi32 (_mm256_set1_epi32 (stride),
                                                                         _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7))),
                                   _mm256_castsi256_ps (lanes), 4);
}

static inline __m256i
tap_lanes (const CsDepthwiseGeometry *g, int kw, int64_t ow0)
{
  int64_t lo, hi;

  cs_depthwise_columns (g, kw, &lo, &hi);
  return lane_range (lo - ow0, hi - ow0);
}

static inline __attribute__ ((always_inline)) void
plane_kernel (const int                  fixed,
              const float               *x,
              const CsDepthwiseGeometry *g,
              const float               *w,
              float                      bias,
              float                     *y,
              int64_t                    oh0,
              int64_t                    oh1,
              const CsEpilogue          *ep)
{
  const int kh_n = fixed > 0 ? fixed : g->kernel[0];
  const int kw_n = fixed > 0 ? fixed : g->kernel[1];
  const int sw = g->stride[1];
  const __m256 start = _mm256_set1_ps (bias);
  CsEpilogue plain = *ep;
  __m256 weight[9];
  __m256i kept[KEPT_MASKS];

  plain.alpha = 1.0f;
  for (int t = 0; t < fixed * fixed; t++)
    weight[t] = _mm256_set1_ps (w[t]);
  for (int64_t ow0 = 0; ow0 < g->out_w; ow0 += 8)
    {
      gboolean full = ow0 + 8 <= g->out_w;
      __m256i out_lanes = lane_range (0, g->out_w - ow0);

      for (int kw = 0; kw < MIN (kw_n, KEPT_MASKS); kw++)
        kept[kw] = tap_lanes (g, kw, ow0);
      for (int64_t oh = oh0; oh < oh1; oh++)
        {
          __m256 sum = _mm256_setzero_ps ();

          for (int kh = 0; kh < kh_n; kh++)
            {
              int64_t ih = oh * g->stride[0] - g->pad_top + (int64_t) kh * g->dilation[0];
              const float *row;

              if (ih < 0 || ih >= g->in_h)
                continue;
              row = x + ih * g->in_w;
              for (int kw = 0; kw < kw_n; kw++)
                {
                  __m256i lanes = kw < KEPT_MASKS ? kept[kw] : tap_lanes (g, kw, ow0);
                  int64_t first = ow0 * sw + (int64_t) kw * g->dilation[1] - g->pad_left;
                  __m256 wt = fixed > 0 ? weight[kh * fixed + kw] : _mm256_set1_ps (w[kh * kw_n + kw]);

                  sum = _mm256_fmadd_ps (wt, load_taps (row, first, sw, lanes, g->in_w), sum);
                }
            }
          /* Masked stores are slow on some CPUs: only at the right edge. */
          if (full)
            _mm256_storeu_ps (y + oh * g->out_w + ow0, cs_epilogue_avx2 (sum, start, &plain));
          else
            _mm256_maskstore_ps (y + oh * g->out_w + ow0, out_lanes,
                                 cs_epilogue_avx2 (sum, start, &plain));
        }
    }
}

void
cs_depthwise_avx2 (const float               *x,
                   const CsDepthwiseGeometry *g,
                   const float               *w,
                   float                      bias,
                   float                     *y,
                   int64_t                    oh0,
                   int64_t                    oh1,
                   const CsEpilogue          *ep)
{
  if (g->kernel[0] == 3 && g->kernel[1] == 3)
    plane_kernel (3, x, g, w, bias, y, oh0, oh1, ep);
  else
    plane_kernel (0, x, g, w, bias, y, oh0, oh1, ep);
}
