/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qdepthwise-avx512-vnni.c — the 8-bit depthwise kernel (kernels.h:
 * CsQDepthwise) on AVX-512 with VNNI, compiled with -mavx512vnni
 * -mavx512bw -mavx512vl and called only after dispatch.c has checked the
 * CPU.
 *
 * Sixteen output pixels a vector, one int32 lane each.  A kernel row's
 * taps go four at a time into one vpdpbusd: a lane's four bytes are its
 * pixel's four taps, gathered from one 64-byte load of the input row in
 * two shuffles (vpermd gives each 128-bit lane the sixteen bytes from its
 * first pixel on, vpshufb picks each pixel's taps among them, zero past
 * the kernel), and the weights are the same four bytes in every lane.
 * A weight less its zero point that is no signed byte is split in two
 * halves that are, each taking its own vpdpbusd.  That needs a lane's
 * taps within its sixteen bytes: 3·sw + (kW − 1)·dw ≤ 15; other
 * kernels, those with more than two such groups a row, and weights
 * beyond two signed bytes (255, or those a requantization multiplier
 * above 1 doubles more than once) go to the AVX2 kernel.
 */
#include "qrequant-avx512.h"

/* Rows and groups of four taps a row this kernel holds in registers,
 * and output rows it makes at once. */
#define MAX_ROWS 8
#define MAX_GROUPS 2
#define MAX_BLOCK 4

/* acc += the byte dot products of @bytes (unsigned) and @weights
 * (signed), four per lane; in assembly for qgemm-avx512-vnni.c's
 * reason. */
#define DPBUSD(acc, bytes, weights) \
  __asm__ ("vpdpbusd %2, %1, %0" : "+v" (acc) : "v" (bytes), "v" (weights))

static gboolean
fits (const CsQDepthwiseGeometry *g)
{
  return g->kernel[0] <= MAX_ROWS && g->kernel[1] <= 4 * MAX_GROUPS && g->stride[1] <= 4
         && 3 * g->stride[1] + (g->kernel[1] - 1) * g->dilation[1] <= 15;
}

/* Whether every weight is a signed byte, and in *@halves whether each is
 * the sum of two, ⌊w/2⌋ and w − ⌊w/2⌋ (from −256 to 254). */
static gboolean
signed_bytes (const int16_t *w, int taps, gboolean *halves)
{
  gboolean bytes = TRUE;

  *halves = TRUE;
  for (int t = 0; t < taps; t++)
    {
      bytes &= w[t] >= INT8_MIN && w[t] <= INT8_MAX;
      *halves &= w[t] >= 2 * INT8_MIN && w[t] <= 2 * INT8_MAX;
    }
  return bytes;
}

/* Four weights (zero past the row's taps) as the same four bytes in
 * every lane: the weights themselves, or with @half 0 and 1 the halves
 * ⌊w/2⌋ and w − ⌊w/2⌋. */
static __m512i
four_weights (const int16_t *row, int taps, int first, int half)
{
  int8_t four[4] = { 0 };
  int32_t packed;

  for (int t = 0; t < 4 && first + t < taps; t++)
    {
      const int w = row[first + t], low = w >> 1;

      four[t] = (int8_t) (half < 0 ? w : half == 0 ? low : w - low);
    }
  memcpy (&packed, four, 4);
  return _mm512_set1_epi32 (packed);
}

/* The requantization of one channel. */
typedef struct
{
  RowRequant row;
  __m512i    offset;
} ChannelRequant;

/* Vector rows [@oh0, @oh1) of the plane, @block at a time, with @rows
 * kernel rows @sh and @dh apart of @groups groups of four taps, each
 * weight in two halves when @split.  A vector row is an output row, or
 * with @paired two (lanes 0–7 and 8–15, @sh then the two's stride).
 * The block's vector rows share the input rows they read, gathered
 * once: constants where the kernel's shape is common, for the compiler
 * to unroll the block and keep the weights in registers. */
CS_VEC_INLINE void
plane_rows (const gboolean paired, const int block, const int rows, const int groups,
            const gboolean split, const int sh, const int dh, int64_t oh0, int64_t oh1,
            const uint8_t *x,
            const CsQDepthwiseGeometry *g, void *y, __m512i lane_starts,
            const __m512i taps_of[MAX_GROUPS], const __m512i weights[MAX_ROWS][MAX_GROUPS][2],
            const ChannelRequant *rq)
{
  const int sw = g->stride[1];
  const int inputs = (block - 1) * sh + (rows - 1) * dh + 1;

  for (int64_t oh = oh0; oh + block <= oh1; oh += block)
    {
      const uint8_t *window_row = x + oh * sh * g->row;

      for (int64_t ow = 0; ow < g->out_w; ow += 16)
        {
          __m512i sums[MAX_BLOCK];

          for (int r = 0; r < block; r++)
            sums[r] = rq->offset;
          for (int i = 0; i < inputs; i++)
            {
              gboolean read = FALSE;
              __m512i line;

              /* Input row i is kernel row kh of output row r when
               * i = r·sh + kh·dh. */
              for (int r = 0; r < block; r++)
                read |= i >= r * sh && (i - r * sh) % dh == 0 && (i - r * sh) / dh < rows;
              if (!read)
                continue;
              line = _mm512_permutexvar_epi32 (
                lane_starts, _mm512_loadu_si512 (window_row + i * g->row + ow * sw));
              for (int group = 0; group < groups; group++)
                {
                  const __m512i taps = _mm512_shuffle_epi8 (line, taps_of[group]);

                  for (int r = 0; r < block; r++)
                    {
                      const int kh = (i - r * sh) / dh;

                      if (i < r * sh || (i - r * sh) % dh != 0 || kh >= rows)
                        continue;
                      DPBUSD (sums[r], taps, weights[kh][group][0]);
                      if (split)
                        DPBUSD (sums[r], taps, weights[kh][group][1]);
                    }
                }
            }
          for (int r = 0; r < block; r++)
            {
              const int64_t row = paired ? 2 * (oh + r) : oh + r;
              const int64_t n = g->out_w - ow;
              const __mmask16 lanes = vec_lanes (0, n);
              const __m512i q = row_requantize (&rq->row, sums[r]);

              store_lanes (&rq->row, q, cs_output_at (y, rq->row.bytes, row * g->out_w + ow), n, lanes);
              /* The second row's lanes down to the first's. */
              if (paired && row + 1 < g->out_h)
                store_lanes (&rq->row, _mm512_alignr_epi32 (q, q, 8),
                             cs_output_at (y, rq->row.bytes, (row + 1) * g->out_w), n, lanes);
            }
        }
    }
}

/* The plane: blocks of vector rows where the kernel is 3 × 3, then the
 * rows left one at a time; two output rows a vector row when @paired. */
CS_VEC_INLINE void
plane (const gboolean paired, const int rows, const int groups, const gboolean split,
       const uint8_t *x, const CsQDepthwiseGeometry *g, void *y, __m512i lane_starts,
       const __m512i taps_of[MAX_GROUPS], const __m512i weights[MAX_ROWS][MAX_GROUPS][2],
       const ChannelRequant *rq)
{
  const int64_t vector_rows = paired ? (g->out_h + 1) / 2 : g->out_h;
  const int sh = (paired ? 2 : 1) * g->stride[0];
  int64_t done = 0;

  if (rows == 3 && groups == 1 && g->dilation[0] == 1 && sh == 1)
    {
      done = vector_rows / MAX_BLOCK * MAX_BLOCK;
      plane_rows (paired, MAX_BLOCK, 3, 1, split, 1, 1, 0, done, x, g, y, lane_starts, taps_of,
                  weights, rq);
    }
  else if (rows == 3 && groups == 1 && g->dilation[0] == 1 && sh == 2)
    {
      done = vector_rows / 2 * 2;
      plane_rows (paired, 2, 3, 1, split, 2, 1, 0, done, x, g, y, lane_starts, taps_of, weights,
                  rq);
    }
  plane_rows (paired, 1, rows, groups, split, sh, g->dilation[0], done, vector_rows, x, g, y,
              lane_starts, taps_of, weights, rq);
}

void
cs_qdepthwise_avx512_vnni (CS_QDEPTHWISE_PARAMS)
{
  const int rows = g->kernel[0], groups = (g->kernel[1] + 3) / 4, sw = g->stride[1];
  const int taps = rows * g->kernel[1];
  int32_t first_dwords[16];
  int8_t picks[MAX_GROUPS][64];
  __m512i lane_starts, taps_of[MAX_GROUPS];

  /* Rows of at most 8 pixels two to a vector, where one load reaches
   * the second row's last tap and its start is a whole dword. */
  const gboolean paired = g->out_w <= 8 && g->row % 4 == 0
                          && g->stride[0] * g->row + 4 * sw + 15 <= 63;

  if (!fits (g))
    {
      cs_qdepthwise_avx2 (x, x_stride, g, w, y, y_stride, channels, rq);
      return;
    }
  /* 128-bit lane L starts at pixel 4L's first byte, 4L·sw; paired, lanes
   * 2 and 3 at the next output row's pixels 0 and 4. */
  for (int i = 0; i < 16; i++)
    first_dwords[i] = (paired ? i / 4 % 2 * sw + i / 8 * g->stride[0] * (int) (g->row / 4)
                              : i / 4 * sw)
                      + i % 4;
  lane_starts = _mm512_loadu_si512 (first_dwords);
  for (int group = 0; group < groups; group++)
    {
      for (int i = 0; i < 64; i++)
        {
          const int pixel = i % 16 / 4, tap = 4 * group + i % 4;

          picks[group][i] = (int8_t) (tap < g->kernel[1] ? pixel * sw + tap * g->dilation[1]
                                                         : -128);
        }
      taps_of[group] = _mm512_loadu_si512 (picks[group]);
    }

  for (int64_t c = 0; c < channels; c++)
    {
      const int16_t *channel_w = w + c * taps;
      const ChannelRequant channel = {
        row_requant (rq->multiplier[c], rq->right_shift[c], rq->low, rq->high, rq->scale,
                     rq->bytes),
        _mm512_set1_epi32 (rq->offset[c]),
      };
      const uint8_t *plane_x = x + c * x_stride;
      void *plane_y = cs_output_at (y, rq->bytes, c * y_stride);
      __m512i weights[MAX_ROWS][MAX_GROUPS][2];
      gboolean halves;
      const gboolean split = !signed_bytes (channel_w, taps, &halves);

      if (split && !halves)
        {
          CsRequant one = *rq;

          one.offset += c;
          one.multiplier += c;
          one.right_shift += c;
          cs_qdepthwise_avx2 (plane_x, x_stride, g, channel_w, plane_y, y_stride, 1, &one);
          continue;
        }
      for (int group = 0; group < groups; group++)
        for (int kh = 0; kh < rows; kh++)
          for (int half = 0; half < 2; half++)
            weights[kh][group][half] = four_weights (channel_w + kh * g->kernel[1],
                                                     g->kernel[1], 4 * group,
                                                     split ? half : half - 1);
      if (rows == 3 && groups == 1 && split)
        plane (paired, 3, 1, TRUE, plane_x, g, plane_y, lane_starts, taps_of, weights,
               &channel);
      else if (rows == 3 && groups == 1)
        plane (paired, 3, 1, FALSE, plane_x, g, plane_y, lane_starts, taps_of, weights,
               &channel);
      else
        plane (paired, rows, groups, split, plane_x, g, plane_y, lane_starts, taps_of, weights,
               &channel);
    }
}
