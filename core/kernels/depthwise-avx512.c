/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * depthwise-avx512.c — the AVX-512 depthwise-convolution kernel
 * (kernels.h), compiled with -mavx512f and called only after dispatch.c
 * has checked the CPU.
 *
 * Sixteen output columns per vector, read straight from the input plane:
 * masked loads stand in for the zero padding (a masked-off lane is never
 * read, so nothing outside the plane is touched), stride 2 loads 32
 * columns and keeps the even ones, other strides gather.  The masks
 * depend on the column block and tap column only, so they are worked out
 * once per block for all rows; 3×3 keeps its weights in registers.
 */
#include "epilogue-avx512.h"

/* Tap columns whose masks are kept per block; wider kernels recompute. */
#define KEPT_MASKS 16

/* Lanes [lo, hi) ∩ [0, 16). */
static inline __mmask16
lane_range (int64_t lo, int64_t hi)
{
  lo = CLAMP (lo, 0, 16);
  hi = CLAMP (hi, lo, 16);
  return (__mmask16) (((1u << hi) - 1) & ~((1u << lo) - 1));
}

/* @row + @offset floats; as an integer sum, since the masked lanes may
 * put it before the start of the plane, where C forbids pointing. */
static inline const float *
shifted (const float *row, int64_t offset)
{
  return (const float *) ((uintptr_t) row + (uintptr_t) (offset * (int64_t) sizeof (float)));
}

/* How one tap column reads a block of sixteen output columns: the offset
 * of lane 0's input column, the lanes inside the plane, and for stride 2
 * the masks of its two loads. */
typedef struct
{
  int64_t   first;
  __mmask16 lanes;
  __mmask16 low, high;
} TapMasks;

static inline TapMasks
tap_masks (const CsDepthwiseGeometry *g, int kw, int64_t ow0)
{
  int64_t first = ow0 * g->stride[1] + (int64_t) kw * g->dilation[1] - g->pad_left;
  int64_t lo, hi;

  cs_depthwise_columns (g, kw, &lo, &hi);
  return (TapMasks) { first, lane_range (lo - ow0, hi - ow0),
                      lane_range (-first, g->in_w - first),
                      lane_range (-first - 16, g->in_w - first - 16) };
}

/* Lane l: row[first + l·stride] inside the plane, else 0. */
static inline __attribute__ ((always_inline)) __m512
load_taps (const float *row, int stride, TapMasks masks)
{
  const int64_t first = masks.first;

  if (stride == 1)
    return _mm512_maskz_loadu_ps (masks.lanes, shifted (row, first));
  if (stride == 2)
    {
      /* The loads' masks keep them inside the row; the even elements are
       * the taps, and lanes outside the plane read padding, i.e. zero. */
      const __m512i even = _mm512_setr_epi32 (0, 2, 4, 6, 8, 10, 12, 14,
                                              16, 18, 20, 22, 24, 26, 28, 30);

      return _mm512_permutex2var_ps (_mm512_maskz_loadu_ps (masks.low, shifted (row, first)),
                                     even,
                                     _mm512_maskz_loadu_ps (masks.high,
                                                            shifted (row, first + 16)));
    }
  return _mm512_mask_i32gather_ps (_mm512_setzero_ps (), masks.lanes,
                                   _mm512_add_epi32 (_mm512_set1_epi32 ((int) first),
                                                     _mm512_mullo_epi32 (_mm512_set1_epi32 (stride),
                                                                         _mm512_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))),
                                   row, 4);
}

static inline __attribute__ ((always_inline)) void
planes_kernel (const int                  fixed,
               const int                  stride,
               const float               *x,
               int64_t                    x_stride,
               const CsDepthwiseGeometry *g,
               const float               *w,
               const float               *bias,
               float                     *y,
               int64_t                    y_stride,
               int64_t                    channels,
               int64_t                    oh0,
               int64_t                    oh1,
               const CsEpilogue          *ep)
{
  /* Local copies: stores through @y could alias anything read through a
   * pointer, so the compiler would reload those after every store. */
  const int kh_n = fixed > 0 ? fixed : g->kernel[0];
  const int kw_n = fixed > 0 ? fixed : g->kernel[1];
  const int sw = stride > 0 ? stride : g->stride[1];
  const int64_t in_h = g->in_h, in_w = g->in_w, out_w = g->out_w;
  const int64_t sh = g->stride[0], dh = g->dilation[0], pad_top = g->pad_top;
  CsEpilogue plain = *ep;
  CsEpilogueAvx512 epv;
  __m512 weight[9];
  TapMasks kept[KEPT_MASKS];

  plain.alpha = 1.0f;
  epv = cs_epilogue_avx512_load (&plain);
  for (int64_t ow0 = 0; ow0 < out_w; ow0 += 16)
    {
      const __mmask16 out_lanes = lane_range (0, out_w - ow0);

      for (int kw = 0; kw < MIN (kw_n, KEPT_MASKS); kw++)
        kept[kw] = tap_masks (g, kw, ow0);
      for (int64_t c = 0; c < channels; c++)
        {
          const float *plane = x + c * x_stride;
          const float *wc = w + c * kh_n * kw_n;
          float *out = y + c * y_stride + ow0;
          const __m512 start = _mm512_set1_ps (bias != NULL ? bias[c] : 0.0f);

          for (int t = 0; t < fixed * fixed; t++)
            weight[t] = _mm512_set1_ps (wc[t]);
          for (int64_t oh = oh0; oh < oh1; oh++)
            {
              __m512 sum = _mm512_setzero_ps ();

              for (int kh = 0; kh < kh_n; kh++)
                {
                  int64_t ih = oh * sh - pad_top + kh * dh;
                  const float *row;

                  if (ih < 0 || ih >= in_h)
                    continue;
                  row = plane + ih * in_w;
                  for (int kw = 0; kw < kw_n; kw++)
                    {
                      TapMasks masks = kw < KEPT_MASKS ? kept[kw] : tap_masks (g, kw, ow0);
                      __m512 wt = fixed > 0 ? weight[kh * fixed + kw]
                                  : _mm512_set1_ps (wc[kh * kw_n + kw]);

                      sum = _mm512_fmadd_ps (wt, load_taps (row, sw, masks), sum);
                    }
                }
              _mm512_mask_storeu_ps (out + oh * out_w, out_lanes,
                                     cs_epilogue_avx512 (sum, start, epv));
            }
        }
    }
}

void
cs_depthwise_avx512 (const float               *x,
                     int64_t                    x_stride,
                     const CsDepthwiseGeometry *g,
                     const float               *w,
                     const float               *bias,
                     float                     *y,
                     int64_t                    y_stride,
                     int64_t                    channels,
                     int64_t                    oh0,
                     int64_t                    oh1,
                     const CsEpilogue          *ep)
{
  gboolean three = g->kernel[0] == 3 && g->kernel[1] == 3;

  if (three && g->stride[1] == 1)
    planes_kernel (3, 1, x, x_stride, g, w, bias, y, y_stride, channels, oh0, oh1, ep);
  else if (three && g->stride[1] == 2)
    planes_kernel (3, 2, x, x_stride, g, w, bias, y, y_stride, channels, oh0, oh1, ep);
  else
    planes_kernel (0, 0, x, x_stride, g, w, bias, y, y_stride, channels, oh0, oh1, ep);
}
