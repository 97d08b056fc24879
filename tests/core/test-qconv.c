/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-qconv.c — the 8-bit convolution (kernels/qconvolution.h) against
 * TFLite's reference arithmetic (tflite-reference.c): the requantization
 * helpers on edge and random values, every table's micro-kernel and
 * packer on random panels, and whole plans on random convolutions of
 * uint8 and int8 models, to the bit.
 */
#include "kernels/qconvolution.h"
#include "threadpool.h"
#include "tflite-reference.h"

#include <math.h>
#include <string.h>

/* Every table; those this build or CPU lacks are skipped. */
static const char *const table_names[] = { "generic", "avx2", "avx512", "avx512-vnni" };

static const CsKernels *
table_with_8_bit (guint t)
{
  const CsKernels *kernels = cs_kernels_by_name (table_names[t]);

  g_assert_true (kernels == NULL || kernels->qgemm != NULL);
  return kernels;
}

/* A multiplier below 1 in TFLite's fixed point, *@right_shift ≥ 0, that
 * maps sums up to @largest in magnitude to about ±200, as a convolution's
 * input·weight/output scales do, so that most outputs fall inside the
 * grid rather than on its clamp.  A third are powers of two, 2³⁰ in
 * fixed point, whose products with odd sums are ties of the high
 * multiplication. */
static void
random_multiplier (GRand *rand, int64_t largest, int32_t *multiplier, int32_t *right_shift)
{
  const int exponent = (int) floor (log2 (200.0 / (double) MAX (largest, 1)));
  const double fraction = g_rand_int_range (rand, 0, 3) == 0 ? 0.5
                          : g_rand_double_range (rand, 0.5, 1.0);
  int shift;

  tflite_quantize_multiplier (ldexp (fraction, MIN (exponent, 0)), multiplier, &shift);
  g_assert_cmpint (shift, <=, 0);
  *right_shift = -shift;
}

/* The clamp of a kernel test's trial @trial, in *@low and *@high: a
 * quarter from zero up, as a rectified output's, the rest from below
 * it; a fifth of fewer than 256 steps, as a ReLU6's may be. */
static void
random_clamp (GRand *rand, int trial, int32_t *low, int32_t *high)
{
  *low = trial % 4 == 1 ? g_rand_int_range (rand, 0, 32) : -g_rand_int_range (rand, 0, 256);
  *high = *low + (trial % 5 == 2 ? g_rand_int_range (rand, 0, 255) : 255);
}

/* cs_requant_high_mul and cs_requant_shift together are TFLite's
 * MultiplyByQuantizedMultiplier: at the ends of int32, at the ties of
 * both roundings, and on random values. */
static void
test_requant_helpers (void)
{
  static const int32_t edges[] = {
    0, 1, -1, 2, -2, 3, -3, 1 << 30, -(1 << 30), (1 << 30) + 1, -(1 << 30) - 1, INT32_MAX,
    INT32_MIN, INT32_MIN + 1, 12345678, -12345678,
  };
  GRand *rand = g_rand_new_with_seed (7);

  for (int i = 0; i < 200000; i++)
    {
      const int32_t x = i < (int) G_N_ELEMENTS (edges) * 32 ? edges[i % G_N_ELEMENTS (edges)]
                        : (int32_t) g_rand_int (rand) >> g_rand_int_range (rand, 0, 31);
      const int32_t multiplier = i % 3 == 0 ? (int32_t) (1u << 30)
                                 : g_rand_int_range (rand, 1 << 30, INT32_MAX);
      const int e = i % 32;
      const int32_t got = cs_requant_shift (cs_requant_high_mul (x, multiplier), e);
      const int32_t want = tflite_multiply_by_quantized_multiplier (x, multiplier, -e);

      if (got != want)
        g_error ("x %d, multiplier %d, shift %d: %d, TFLite %d", x, multiplier, e, got, want);
    }
  g_rand_free (rand);
}

/* One random tile of every table's micro-kernel against the sums of
 * products requantized by TFLite's arithmetic; the stores must stay in
 * the tile, the rest of c untouched. */
static void
test_micro_kernels (void)
{
  GRand *rand = g_rand_new_with_seed (11);

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = table_with_8_bit (t);

      if (kernels == NULL)
        continue;
      for (int trial = 0; trial < 300; trial++)
        {
          const int m = g_rand_int_range (rand, 1, kernels->qmr + 1);
          const int n = g_rand_int_range (rand, 1, kernels->qnr + 1);
          const int64_t depth = trial % 5 == 0 ? g_rand_int_range (rand, 1, 9)
                                : g_rand_int_range (rand, 1, 700);
          const int64_t depth4 = (depth + 3) / 4, ldc = n + 3;
          const gboolean zeros = trial % 2 == 0, bytes = trial % 3 == 0;
          int8_t *a = g_new0 (int8_t, depth4 * 4 * kernels->qmr);
          uint8_t *b = g_new0 (uint8_t, depth4 * 4 * kernels->qnr);
          float *c = g_new (float, kernels->qmr * ldc);
          uint8_t *c_bytes = g_new (uint8_t, kernels->qmr * ldc);
          int32_t offset[16], multiplier[16], right_shift[16], weight_zero[16], colsum[32] = { 0 };
          const float scale = (float) g_rand_double_range (rand, 0.001, 0.5);
          CsRequant rq = { offset, multiplier, right_shift, zeros ? weight_zero : NULL, colsum,
                           0, 0, scale, bytes };

          random_clamp (rand, trial, &rq.low, &rq.high);
          for (int i = 0; i < m; i++)
            {
              offset[i] = g_rand_int_range (rand, -1000, 1000);
              weight_zero[i] = g_rand_int_range (rand, -128, 128);
            }
          for (int64_t p = 0; p < depth; p++)
            {
              for (int i = 0; i < m; i++)
                a[(p / 4 * kernels->qmr + i) * 4 + p % 4] = (int8_t) g_rand_int_range (rand, -128, 128);
              for (int j = 0; j < n; j++)
                {
                  const uint8_t v = (uint8_t) g_rand_int_range (rand, 0, 256);

                  b[(p / 4 * kernels->qnr + j) * 4 + p % 4] = v;
                  colsum[j] += v;
                }
            }
          for (int i = 0; i < m; i++)
            {
              /* Σ a·b is at most 255·128 a step; and the zero point's
               * share of it. */
              int64_t largest = depth * 255 * 128;

              if (zeros)
                largest += (int64_t) ABS (weight_zero[i]) * depth * 255;
              random_multiplier (rand, largest / 8, &multiplier[i], &right_shift[i]);
            }
          for (int64_t i = 0; i < kernels->qmr * ldc; i++)
            c[i] = -7.0f;
          memset (c_bytes, 0xa5, kernels->qmr * ldc);

          kernels->qgemm (depth4, a, b, bytes ? (void *) c_bytes : c, ldc, m, n, &rq);
          for (int i = 0; i < kernels->qmr; i++)
            for (int64_t j = 0; j < ldc; j++)
              {
                float want = -7.0f;
                uint8_t want_byte = 0xa5;

                if (i < m && j < n)
                  {
                    int32_t sum = offset[i], q;

                    for (int64_t p = 0; p < depth; p++)
                      sum += a[(p / 4 * kernels->qmr + i) * 4 + p % 4]
                             * b[(p / 4 * kernels->qnr + j) * 4 + p % 4];
                    if (zeros)
                      sum -= weight_zero[i] * colsum[j];
                    q = tflite_multiply_by_quantized_multiplier (sum, multiplier[i],
                                                                 -right_shift[i]);
                    want = (float) CLAMP (q, rq.low, rq.high) * scale;
                    want_byte = (uint8_t) (CLAMP (q, rq.low, rq.high) - rq.low);
                  }
                if (bytes && c_bytes[i * ldc + j] != want_byte)
                  g_error ("%s: tile %d×%d, depth %" G_GINT64_FORMAT ": byte (%d, %" G_GINT64_FORMAT
                           ") is %d, not %d", kernels->name, m, n, depth, i, j,
                           c_bytes[i * ldc + j], want_byte);
                if (!bytes && memcmp (&c[i * ldc + j], &want, sizeof want) != 0)
                  g_error ("%s: tile %d×%d, depth %" G_GINT64_FORMAT ": (%d, %" G_GINT64_FORMAT
                           ") is %g, not %g", kernels->name, m, n, depth, i, j, c[i * ldc + j],
                           want);
              }
          g_free (a);
          g_free (b);
          g_free (c);
          g_free (c_bytes);
        }
    }
  g_rand_free (rand);
}

/* A random block for a packer: @n columns of a B panel, @depth rows
 * @stride apart, the panel's @size in bytes, an input scale and zero
 * point. */
typedef struct
{
  int     n;
  int64_t depth, stride, size;
  float   scale;
  int32_t zero;
} PackBlock;

static PackBlock
random_pack_block (GRand *rand, const CsKernels *kernels)
{
  PackBlock block;

  block.n = g_rand_int_range (rand, 1, kernels->qnr + 1);
  block.depth = g_rand_int_range (rand, 1, 40);
  block.stride = block.n + 5;
  block.size = (block.depth + 3) / 4 * 4 * kernels->qnr;
  block.scale = (float) g_rand_double_range (rand, 0.002, 0.1);
  block.zero = g_rand_int_range (rand, 0, 256);
  return block;
}

/* The packer of bytes against the float packer on the floats the bytes
 * stand for, (byte + low)·scale with the grid's scale the input's: the
 * same panels and sums, whatever the grid's low and the input's zero
 * point, the rows and columns past the block zero. */
static void
check_pack_bytes (GRand *rand, const CsKernels *kernels, const PackBlock *block)
{
  const int n = block->n;
  const int64_t depth = block->depth, stride = block->stride, size = block->size;
  /* Steps low … low + span, all within the input's bytes. */
  const int32_t span = g_rand_int_range (rand, 0, 256);
  const int32_t low = g_rand_int_range (rand, -block->zero, 256 - block->zero - span);
  uint8_t *x = g_new (uint8_t, depth * stride);
  float *x_floats = g_new (float, depth * stride);
  uint8_t *b = g_new (uint8_t, size), *b_floats = g_new (uint8_t, size);
  int32_t colsum[32], colsum_floats[32];

  for (int64_t i = 0; i < depth * stride; i++)
    {
      x[i] = (uint8_t) g_rand_int_range (rand, 0, span + 1);
      x_floats[i] = ((float) x[i] + (float) low) * block->scale;
    }
  memset (b, 0xa5, size);
  memset (b_floats, 0x5a, size);
  kernels->qpack_bytes (x, stride, depth, n, low + block->zero, b, colsum);
  kernels->qpack (x_floats, stride, depth, n, 1.0f / block->scale, block->zero, b_floats,
                  colsum_floats);
  if (memcmp (b, b_floats, size) != 0 || memcmp (colsum, colsum_floats, n * sizeof *colsum))
    g_error ("%s: %d columns, depth %" G_GINT64_FORMAT ", low %d, zero %d: the bytes "
             "pack otherwise than their floats", kernels->name, n, depth, low, block->zero);
  g_free (x);
  g_free (x_floats);
  g_free (b);
  g_free (b_floats);
}

/* The GEMV of the tables that have one against TFLite's arithmetic on
 * random channels and columns: channel counts across several groups of
 * CS_QGEMV_CHANNELS and not, shallow and deep, with and without weight
 * zero points, clamps from below and above zero, floats and bytes;
 * nothing written past the channels. */
static void
test_gemv (void)
{
  GRand *rand = g_rand_new_with_seed (31);

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = table_with_8_bit (t);

      if (kernels == NULL || kernels->qgemv == NULL)
        continue;
      for (int trial = 0; trial < 300; trial++)
        {
          const int m = g_rand_int_range (rand, 1, 200);
          const int64_t depth = trial % 3 == 0 ? g_rand_int_range (rand, 1, 9)
                                : g_rand_int_range (rand, 1, 700);
          const int64_t depth4 = (depth + 3) / 4;
          const int64_t ldw = (m + CS_QGEMV_CHANNELS - 1) / CS_QGEMV_CHANNELS * CS_QGEMV_CHANNELS;
          const gboolean zeros = trial % 2 == 0, bytes = trial % 3 == 1;
          int8_t *w = g_new0 (int8_t, depth4 * ldw * 4);
          uint8_t *b = g_new0 (uint8_t, depth4 * 4 * kernels->qnr);
          int32_t *offset = g_new (int32_t, m), *multiplier = g_new (int32_t, m);
          int32_t *right_shift = g_new (int32_t, m), *weight_zero = g_new (int32_t, m);
          int32_t colsum = 0;
          float *c = g_new (float, m + 16);
          uint8_t *c_bytes = g_new (uint8_t, m + 16);
          CsRequant rq = { offset, multiplier, right_shift, zeros ? weight_zero : NULL, &colsum,
                           0, 0, 0.125f, bytes };

          random_clamp (rand, trial, &rq.low, &rq.high);
          for (int64_t p = 0; p < depth; p++)
            {
              b[p / 4 * 4 * kernels->qnr + p % 4] = (uint8_t) g_rand_int_range (rand, 0, 256);
              colsum += b[p / 4 * 4 * kernels->qnr + p % 4];
              for (int o = 0; o < m; o++)
                w[(p / 4 * ldw + o) * 4 + p % 4] = (int8_t) g_rand_int_range (rand, -128, 128);
            }
          for (int o = 0; o < m; o++)
            {
              int64_t largest = depth * 255 * 128;

              offset[o] = g_rand_int_range (rand, -1000, 1000);
              weight_zero[o] = g_rand_int_range (rand, -128, 128);
              if (zeros)
                largest += (int64_t) ABS (weight_zero[o]) * depth * 255;
              random_multiplier (rand, largest / 8, &multiplier[o], &right_shift[o]);
            }
          for (int i = 0; i < m + 16; i++)
            c[i] = -7.0f;
          memset (c_bytes, 0xa5, m + 16);
          kernels->qgemv (depth4, w, ldw, b, bytes ? (void *) c_bytes : c, m, &rq);
          for (int o = 0; o < m + 16; o++)
            {
              float want = -7.0f;
              uint8_t want_byte = 0xa5;

              if (o < m)
                {
                  int32_t sum = offset[o], q;

                  for (int64_t p = 0; p < depth; p++)
                    sum += w[(p / 4 * ldw + o) * 4 + p % 4] * b[p / 4 * 4 * kernels->qnr + p % 4];
                  if (zeros)
                    sum -= weight_zero[o] * colsum;
                  q = tflite_multiply_by_quantized_multiplier (sum, multiplier[o], -right_shift[o]);
                  want = (float) CLAMP (q, rq.low, rq.high) * 0.125f;
                  want_byte = (uint8_t) (CLAMP (q, rq.low, rq.high) - rq.low);
                }
              if (bytes ? c_bytes[o] != want_byte : memcmp (&c[o], &want, sizeof want) != 0)
                g_error ("%s: %d channels, depth %" G_GINT64_FORMAT ": channel %d is %g, not %g",
                         kernels->name, m, depth, o, bytes ? c_bytes[o] : c[o],
                         bytes ? want_byte : want);
            }
          g_free (w);
          g_free (b);
          g_free (offset);
          g_free (multiplier);
          g_free (right_shift);
          g_free (weight_zero);
          g_free (c);
          g_free (c_bytes);
        }
    }
  g_rand_free (rand);
}

/* Every table's depthwise kernel against the portable one on random
 * padded planes, one to four channels a call, rows up to 50 bytes
 * longer than the outputs read: kernels up to 7 × 8,
 * strides up to 3, dilations up to 5 (some just within the VNNI
 * kernel's shuffles, some just past them), weights that are signed
 * bytes, that are two (down to −256, up to 254), at those bounds and
 * just past them, and beyond (a multiplier above 1 shifts them left),
 * clamps from below and above zero, floats and bytes; nothing written
 * between or past the channels' outputs. */
static void
test_depthwise_kernels (void)
{
  static const int16_t edges[] = { -258, -257, -256, -255, -129, -128, 127, 128, 254, 255 };
  GRand *rand = g_rand_new_with_seed (29);

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = table_with_8_bit (t);

      if (kernels == NULL)
        continue;
      for (int trial = 0; trial < 1000; trial++)
        {
          CsQDepthwiseGeometry g = {
            g_rand_int_range (rand, 1, 9), g_rand_int_range (rand, 1, 40), 0,
            { g_rand_int_range (rand, 1, 8), g_rand_int_range (rand, 1, 9) },
            { g_rand_int_range (rand, 1, 4), g_rand_int_range (rand, 1, 4) },
            { trial % 3 == 0 ? g_rand_int_range (rand, 1, 6) : 1,
              trial % 3 == 0 ? g_rand_int_range (rand, 1, 6) : 1 },
          };
          const int taps = g.kernel[0] * g.kernel[1], channels = g_rand_int_range (rand, 1, 5);
          const int64_t rows = (g.out_h - 1) * g.stride[0] + (g.kernel[0] - 1) * g.dilation[0] + 1;
          const int64_t n = g.out_h * g.out_w, y_stride = n + g_rand_int_range (rand, 0, 3);
          const int64_t y_size = 4 * (channels * y_stride + 16);
          const int spread = trial % 4;
          const gboolean bytes = trial % 2 == 1;
          int32_t offset[4], multiplier[4], right_shift[4];
          int16_t w[4 * 64];
          uint8_t *x, *want = g_new (uint8_t, y_size), *got = g_new (uint8_t, y_size);
          CsRequant rq = { offset, multiplier, right_shift, NULL, NULL, 0, 0, 0.25f, bytes };
          int64_t x_stride;

          random_clamp (rand, trial, &rq.low, &rq.high);
          /* Some rows far longer than the outputs need, about where
           * two short rows stop fitting one load. */
          g.row = (g.out_w - 1) * g.stride[1] + (g.kernel[1] - 1) * g.dilation[1] + 1
                  + g_rand_int_range (rand, 0, 3)
                  + (trial % 7 == 3 ? g_rand_int_range (rand, 0, 50) : 0);
          x_stride = rows * g.row + g_rand_int_range (rand, 0, 5);
          x = g_new (uint8_t, channels * x_stride + CS_QDEPTHWISE_SLACK);
          for (int64_t i = 0; i < channels * x_stride + CS_QDEPTHWISE_SLACK; i++)
            x[i] = (uint8_t) g_rand_int_range (rand, 0, 256);
          for (int c = 0; c < channels; c++)
            {
              int64_t largest = 0;

              for (int i = 0; i < taps; i++)
                {
                  const int bound = spread == 0 ? 128 : spread == 2 ? 1000 : 256;
                  int16_t *tap = &w[c * taps + i];

                  *tap = (int16_t) g_rand_int_range (rand, -bound, bound - 1);
                  /* Past the signed bytes in some channels only. */
                  if (spread == 3 && i % 3 == 0 && (c + trial) % 2 == 0)
                    *tap = edges[g_rand_int_range (rand, 0, G_N_ELEMENTS (edges))];
                  largest += 255 * ABS (*tap);
                }
              offset[c] = g_rand_int_range (rand, -30000, 30000);
              random_multiplier (rand, largest / 4, &multiplier[c], &right_shift[c]);
            }
          memset (want, 0xa5, y_size);
          memset (got, 0xa5, y_size);
          cs_qdepthwise_generic (x, x_stride, &g, w, want, y_stride, channels, &rq);
          kernels->qdepthwise (x, x_stride, &g, w, got, y_stride, channels, &rq);
          if (memcmp (got, want, y_size) != 0)
            g_error ("%s: %s, %d channel(s), kernel %d×%d, stride %d×%d, dilation %d×%d, %"
                     G_GINT64_FORMAT "×%" G_GINT64_FORMAT " out, weights of spread %d: not the "
                     "portable kernel's", kernels->name, bytes ? "bytes" : "floats", channels,
                     g.kernel[0], g.kernel[1], g.stride[0], g.stride[1], g.dilation[0],
                     g.dilation[1], g.out_h, g.out_w, spread);
          g_free (x);
          g_free (want);
          g_free (got);
        }
    }
  g_rand_free (rand);
}

/* The packers against round half away from zero of x·(1/scale), clamped
 * to the bytes: values on the grid, between its steps, beyond it, NaN
 * and the infinities; the rows and columns past the block zero.  And on
 * each block the packer of bytes (check_pack_bytes). */
static void
test_pack (void)
{
  GRand *rand = g_rand_new_with_seed (13);

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = table_with_8_bit (t);

      if (kernels == NULL)
        continue;
      for (int trial = 0; trial < 200; trial++)
        {
          const PackBlock block = random_pack_block (rand, kernels);
          const int n = block.n;
          const int64_t depth = block.depth, stride = block.stride, size = block.size;
          const float scale = block.scale;
          const int32_t zero = block.zero;
          float *x = g_new (float, depth * stride);
          uint8_t *b = g_new (uint8_t, size);
          int32_t colsum[32];

          for (int64_t i = 0; i < depth * stride; i++)
            switch (g_rand_int_range (rand, 0, 8))
              {
              case 0:
                x[i] = (float) g_rand_double_range (rand, -400.0, 400.0) * scale;
                break;
              case 1:
                x[i] = (float) ((g_rand_int_range (rand, -300, 300) + 0.5) * scale);
                break;
              case 2:
                x[i] = (float[]) { NAN, INFINITY, -INFINITY, 1e30f } [g_rand_int_range (rand, 0, 4)];
                break;
              default:
                x[i] = (float) (g_rand_int_range (rand, 0, 256) - zero) * scale;
                break;
              }
          memset (b, 0xa5, size);
          kernels->qpack (x, stride, depth, n, 1.0f / scale, zero, b, colsum);
          for (int j = 0; j < kernels->qnr; j++)
            {
              int32_t sum = 0;

              for (int64_t p = 0; p < (depth + 3) / 4 * 4; p++)
                {
                  int32_t want = 0;
                  const uint8_t got = b[(p / 4 * kernels->qnr + j) * 4 + p % 4];

                  if (p < depth && j < n)
                    {
                      const float v = x[p * stride + j] * (1.0f / scale);

                      want = isnan (v) ? 0 : (int32_t) CLAMP (round ((double) v) + zero, 0, 255);
                      sum += want;
                    }
                  if (got != want)
                    g_error ("%s: %.9g (scale %g, zero %d) packs as %d, not %d", kernels->name,
                             p < depth && j < n ? x[p * stride + j] : 0.0f, scale, zero, got,
                             want);
                }
              if (j < n && colsum[j] != sum)
                g_error ("%s: column %d sums to %d, not %d", kernels->name, j, colsum[j], sum);
            }
          g_free (x);
          g_free (b);
          check_pack_bytes (rand, kernels, &block);
        }
    }
  g_rand_free (rand);
}

/* How far uint8 weights stray from their zero point: anywhere in the
 * bytes; within a signed byte of it (a depthwise kernel's weights whole);
 * or the zero point 0 with a weight of 255 (no two signed bytes). */
typedef enum
{
  WEIGHTS_ANY,
  WEIGHTS_NEAR_ZERO,
  WEIGHTS_MAXIMAL,
} WeightSpread;

typedef struct
{
  CsConvShape  shape;
  gboolean     int8;    /* int8 per-channel weights and activations; else uint8 */
  gboolean     relu6;
  WeightSpread spread;
  gboolean     gain;    /* requantization multipliers up to 5, many above 1 */
} Case;

/* TFLite's reference_ops::Conv (uint8) or integer_ops::ConvPerChannel
 * (int8), and their DepthwiseConv twins when @s has groups, in NCHW: the
 * sums over the taps inside the input, the bias, the
 * requantization, the output's zero point and the activation's clamp,
 * as the float each output byte stands for; image by image. */
static void
reference_conv (const CsConvShape *s, const int32_t *x_q, int32_t x_zero, const int32_t *w_q,
                const int32_t *w_zero, const int32_t *bias, const int32_t *multiplier,
                const int *shift, int32_t out_zero, int32_t act_min, int32_t act_max,
                float out_scale, float *y)
{
  for (int64_t img = 0; img < s->batch; img++)
  for (int64_t o = 0; o < s->out_channels; o++)
    for (int64_t oh = 0; oh < s->out_h; oh++)
      for (int64_t ow = 0; ow < s->out_w; ow++)
        {
          const int64_t group_in = s->in_channels / s->groups;
          const int64_t first = o / (s->out_channels / s->groups) * group_in;
          int32_t acc = bias[o], q;

          for (int64_t c = 0; c < group_in; c++)
            for (int kh = 0; kh < s->kernel[0]; kh++)
              for (int kw = 0; kw < s->kernel[1]; kw++)
                {
                  const int64_t ih = oh * s->stride[0] - s->pads[0] + kh * s->dilation[0];
                  const int64_t iw = ow * s->stride[1] - s->pads[1] + kw * s->dilation[1];
                  const int32_t w = w_q[((o * group_in + c) * s->kernel[0] + kh)
                                        * s->kernel[1] + kw];

                  if (ih >= 0 && ih < s->in_h && iw >= 0 && iw < s->in_w)
                    acc += (x_q[((img * s->in_channels + first + c) * s->in_h + ih) * s->in_w
                                + iw] - x_zero) * (w - w_zero[o]);
                }
          q = tflite_multiply_by_quantized_multiplier (acc, multiplier[o], shift[o]) + out_zero;
          q = CLAMP (q, act_min, act_max);
          y[((img * s->out_channels + o) * s->out_h + oh) * s->out_w + ow] =
              (float) (q - out_zero) * out_scale;
        }
}

/* @plan writing its output as bytes, from the input as floats and, when
 * it is pointwise or depthwise (and then only), from the input as bytes:
 * the bytes stand for @want to the bit. */
static void
check_plan_bytes (const CsQConvPlan *plan, const CsConvShape *s, const uint8_t *x_bytes,
                  const CsGrid *x_grid, const CsGrid *out, const float *want, CsThreadPool *pool,
                  void **scratch, const char *table)
{
  const int64_t n_x = s->batch * s->in_channels * s->in_h * s->in_w;
  const int64_t n_y = s->batch * s->out_channels * s->out_h * s->out_w;
  const gboolean reads_bytes = s->groups > 1
                               || (s->kernel[0] == 1 && s->kernel[1] == 1 && s->stride[0] == 1
                                   && s->stride[1] == 1 && s->pads[0] == 0 && s->pads[1] == 0
                                   && s->pads[2] == 0 && s->pads[3] == 0);
  float *x = g_new (float, n_x);
  uint8_t *got = g_new (uint8_t, n_y);

  g_assert_cmpint (cs_qconv_plan_reads_bytes (plan, x_grid), ==, reads_bytes);
  cs_kernels_generic ()->grid_from_bytes (x_bytes, x, n_x, x_grid->scale, x_grid->low);
  for (int from_bytes = 0; from_bytes <= reads_bytes; from_bytes++)
    {
      memset (got, 0xa5, n_y);
      cs_qconv_plan_run (plan, from_bytes ? (const void *) x_bytes : x,
                         from_bytes ? x_grid : NULL, got, TRUE, pool, scratch);
      for (int64_t i = 0; i < n_y; i++)
        {
          const float value = ((float) got[i] + out->low) * out->scale;

          if (memcmp (&value, &want[i], sizeof value) != 0)
            g_error ("%s, %s: %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT " from %" G_GINT64_FORMAT
                     " channels: output byte %" G_GINT64_FORMAT " %d stands for %g, not %g",
                     table, from_bytes ? "bytes in" : "floats in", s->out_channels,
                     s->out_h * s->out_w, s->in_channels, i, got[i], value, want[i]);
        }
    }
  g_free (x);
  g_free (got);
}

/* One convolution on every table with 8-bit kernels, serially and on two
 * threads, against the reference above. */
static void
check_plan (GRand *rand, const Case *test, CsThreadPool *pool)
{
  const CsConvShape *s = &test->shape;
  const int64_t depth = s->in_channels / s->groups * s->kernel[0] * s->kernel[1];
  const int64_t n_x = s->batch * s->in_channels * s->in_h * s->in_w;
  const int64_t n_y = s->batch * s->out_channels * s->out_h * s->out_w;
  /* TFLite's byte values (uint8 or int8) and their zero points. */
  const int32_t byte_min = test->int8 ? -128 : 0, byte_max = byte_min + 255;
  const int32_t x_zero = g_rand_int_range (rand, byte_min, byte_max + 1);
  const int32_t out_zero = g_rand_int_range (rand, byte_min, byte_max + 1);
  const float x_scale = (float) g_rand_double_range (rand, 0.005, 0.05);
  const float out_scale = test->gain ? x_scale * 0.004f
                                     : (float) g_rand_double_range (rand, 0.02, 0.2);
  int32_t *x_q = g_new (int32_t, n_x), *w_q = g_new (int32_t, s->out_channels * depth);
  int32_t *w_zero = g_new (int32_t, s->out_channels), *bias = g_new (int32_t, s->out_channels);
  int32_t *multiplier = g_new (int32_t, s->out_channels);
  int *shift = g_new (int, s->out_channels);
  float *x = g_new (float, n_x), *want = g_new (float, n_y), *got = g_new (float, n_y);
  CsConvQuant quant = { x_scale, x_zero - byte_min, depth, g_new (int8_t, s->out_channels * depth),
                        g_new (float, s->out_channels), g_new (int32_t, s->out_channels), bias };
  int32_t act_min = byte_min, act_max = byte_max;
  /* The input as the session holds it between layers: steps from the
   * lowest, here a few above the type's, as after a ReLU. */
  const int32_t x_min = byte_min + g_rand_int_range (rand, 0, 20);
  const CsGrid x_grid = { x_scale, (float) (x_min - x_zero), (float) (byte_max - x_zero) };
  uint8_t *x_bytes = g_new (uint8_t, n_x);
  CsGrid out;

  for (int64_t i = 0; i < n_x; i++)
    {
      x_q[i] = g_rand_int_range (rand, x_min, byte_max + 1);
      x[i] = (float) (x_q[i] - x_zero) * x_scale;
      x_bytes[i] = (uint8_t) (x_q[i] - x_min);
    }
  for (int64_t o = 0; o < s->out_channels; o++)
    {
      const float w_scale = (float) g_rand_double_range (rand, 0.001, 0.02);

      /* int8 weights are symmetric, per channel; uint8 ones share one
       * scale and zero point. */
      w_zero[o] = test->int8 || test->spread == WEIGHTS_MAXIMAL ? 0
                  : o == 0 ? g_rand_int_range (rand, 0, 256) : w_zero[0];
      quant.weight_scale[o] = test->int8 || o == 0 ? w_scale : quant.weight_scale[0];
      quant.weight_zero[o] = w_zero[o] - (test->int8 ? 0 : 128);
      for (int64_t p = 0; p < depth; p++)
        {
          w_q[o * depth + p] = g_rand_int_range (rand, test->int8 ? -127 : 0, byte_max + 1);
          if (!test->int8 && test->spread == WEIGHTS_NEAR_ZERO)
            w_q[o * depth + p] = CLAMP (w_q[o * depth + p], w_zero[o] - 128, w_zero[o] + 127);
          if (!test->int8 && test->spread == WEIGHTS_MAXIMAL && p == depth / 2)
            w_q[o * depth + p] = 255;
          quant.weights[o * depth + p] = (int8_t) (w_q[o * depth + p] - (test->int8 ? 0 : 128));
        }
      bias[o] = g_rand_int_range (rand, -20000, 20000);
      tflite_quantize_multiplier ((double) x_scale * (double) quant.weight_scale[o]
                                  / (double) out_scale, &multiplier[o], &shift[o]);
    }
  if (test->relu6)
    {
      /* CalculateActivationRangeQuantized: zero point + round (f / scale). */
      act_min = MAX (act_min, out_zero + (int32_t) roundf (0.0f / out_scale));
      act_max = MIN (act_max, out_zero + (int32_t) roundf (6.0f / out_scale));
    }
  reference_conv (s, x_q, x_zero, w_q, w_zero, bias, multiplier, shift, out_zero, act_min,
                  act_max, out_scale, want);
  out = (CsGrid) { out_scale, (float) (act_min - out_zero), (float) (act_max - out_zero) };

  for (guint t = 0; t < G_N_ELEMENTS (table_names); t++)
    {
      const CsKernels *kernels = table_with_8_bit (t);
      const char *reason = NULL;
      CsQConvPlan *plan;
      void *scratch[2];

      if (kernels == NULL)
        continue;
      plan = cs_qconv_plan_new (kernels, s, &quant, &out, &reason);
      g_assert_null (reason);
      g_assert_nonnull (plan);
      for (int threads = 1; threads <= 2; threads++)
        {
          for (int i = 0; i < 2; i++)
            scratch[i] = g_malloc (cs_qconv_scratch_bytes (kernels, s));
          memset (got, 0xff, n_y * sizeof (float));
          cs_qconv_plan_run (plan, x, NULL, got, FALSE, threads == 2 ? pool : NULL, scratch);
          for (int64_t i = 0; i < n_y; i++)
            if (memcmp (&got[i], &want[i], sizeof (float)) != 0)
              g_error ("%s, %d thread(s): %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT " from %"
                       G_GINT64_FORMAT "×%" G_GINT64_FORMAT "×%" G_GINT64_FORMAT ", kernel %d×%d"
                       " stride %d, %s: output %" G_GINT64_FORMAT " is %g, TFLite's %g",
                       kernels->name, threads, s->out_channels, s->out_h * s->out_w,
                       s->in_channels, s->in_h, s->in_w, s->kernel[0], s->kernel[1],
                       s->stride[0], test->int8 ? "int8" : "uint8", i, got[i], want[i]);
          check_plan_bytes (plan, s, x_bytes, &x_grid, &out, want, threads == 2 ? pool : NULL,
                            scratch, kernels->name);
          for (int i = 0; i < 2; i++)
            g_free (scratch[i]);
        }
      cs_qconv_plan_free (plan);
    }
  g_free (x_q);
  g_free (x_bytes);
  g_free (w_q);
  g_free (w_zero);
  g_free (multiplier);
  g_free (shift);
  g_free (x);
  g_free (want);
  g_free (got);
  quant.bias = NULL;
  g_free (quant.weights);
  g_free (quant.weight_scale);
  g_free (quant.weight_zero);
  g_free (bias);
}

/* The depthwise plans: 3 × 3 at stride 1 and 2 as MobileNets have them
 * (TFLite's SAME padding, one more at the end at stride 2) and dilated
 * as DeepLab's, on rows of fewer, exactly and more than sixteen pixels
 * and heights that leave rows past the kernels' blocks of four; 5 × 5
 * and 7 × 7 (two groups of four taps a row), stride 3, a 3 × 9 kernel
 * and a dilation of 6 (each beyond the VNNI kernel's shuffles: the
 * fallback's), 1 × 1; each with uint8 weights of every spread and int8
 * ones, with and without ReLU6, some with requantization multipliers
 * above 1 (TFLite's left shift). */
static void
test_depthwise_plans (void)
{
  static const CsConvShape shapes[] = {
    { 1, 5, 13, 37, 5, 13, 37, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 5 },
    { 1, 3, 11, 16, 3, 11, 16, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 3 },
    { 2, 3, 7, 7, 3, 7, 7, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 3 },
    { 1, 4, 14, 35, 4, 7, 17, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 0, 0, 1, 1 }, 4 },
    { 1, 3, 9, 21, 3, 9, 21, { 3, 3 }, { 1, 1 }, { 2, 2 }, { 2, 2, 2, 2 }, 3 },
    { 1, 3, 12, 19, 3, 12, 19, { 5, 5 }, { 1, 1 }, { 1, 1 }, { 2, 2, 2, 2 }, 3 },
    { 1, 2, 15, 33, 2, 8, 17, { 5, 5 }, { 2, 2 }, { 1, 1 }, { 2, 2, 2, 2 }, 2 },
    { 1, 2, 14, 40, 2, 7, 20, { 7, 7 }, { 2, 2 }, { 1, 1 }, { 2, 3, 3, 3 }, 2 },
    { 1, 2, 10, 50, 2, 4, 17, { 3, 3 }, { 3, 3 }, { 1, 1 }, { 1, 1, 1, 1 }, 2 },
    { 1, 2, 11, 20, 2, 11, 20, { 3, 9 }, { 1, 1 }, { 1, 1 }, { 1, 4, 1, 4 }, 2 },
    { 1, 2, 14, 30, 2, 14, 30, { 3, 3 }, { 1, 1 }, { 6, 6 }, { 6, 6, 6, 6 }, 2 },
    { 1, 6, 5, 9, 6, 5, 9, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 6 },
  };
  GRand *rand = g_rand_new_with_seed (23);
  CsThreadPool *pool = cs_thread_pool_new (2);

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    for (int variant = 0; variant < 4; variant++)
      {
        Case test = { shapes[i], variant == 3, (variant + i) % 2 == 0, (WeightSpread) variant % 3,
                      (variant + i) % 3 == 1 };
        CsConvShape *s = &test.shape;

        g_assert_cmpint (s->out_h, ==, cs_conv_output_size (s->in_h, s->kernel[0], s->stride[0],
                                                            s->dilation[0], s->pads[0],
                                                            s->pads[2], FALSE));
        g_assert_cmpint (s->out_w, ==, cs_conv_output_size (s->in_w, s->kernel[1], s->stride[1],
                                                            s->dilation[1], s->pads[1],
                                                            s->pads[3], FALSE));
        check_plan (rand, &test, pool);
      }
  cs_thread_pool_free (pool);
  g_rand_free (rand);
}

/* Pointwise convolutions as MobileNets have them, the 3×3 stride-2
 * first layer with TFLite's SAME padding (one more at the end), a
 * dilated one, a classifier's on one pixel and two images of one pixel
 * out of 3×3 (the GEMV's, where a table has one), and random shapes;
 * uint8 and int8, with and without ReLU6. */
static void
test_plans (void)
{
  static const CsConvShape shapes[] = {
    { 1, 16, 12, 12, 96, 12, 12, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 144, 7, 7, 24, 7, 7, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 1, 3, 17, 17, 32, 9, 9, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 0, 0, 1, 1 }, 1 },
    { 2, 5, 9, 11, 7, 9, 11, { 3, 3 }, { 1, 1 }, { 2, 2 }, { 2, 2, 2, 2 }, 1 },
    { 1, 1280, 1, 1, 37, 1, 1, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
    { 2, 20, 3, 3, 150, 1, 1, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 0, 0, 0, 0 }, 1 },
  };
  GRand *rand = g_rand_new_with_seed (17);
  CsThreadPool *pool = cs_thread_pool_new (2);

  for (int i = 0; i < 40; i++)
    {
      Case test = { .int8 = i % 2 == 1, .relu6 = i % 3 != 0 };

      if (i < (int) G_N_ELEMENTS (shapes) * 2)
        test.shape = shapes[i / 2];
      else
        {
          CsConvShape *s = &test.shape;
          const int k = g_rand_int_range (rand, 1, 4);

          *s = (CsConvShape) { 1, g_rand_int_range (rand, 1, 70), g_rand_int_range (rand, k, 15),
                               g_rand_int_range (rand, k, 15), g_rand_int_range (rand, 1, 40),
                               0, 0, { k, k }, { g_rand_int_range (rand, 1, 3), 1 }, { 1, 1 },
                               { k / 2, k / 2, k / 2, k / 2 }, 1 };
          s->stride[1] = s->stride[0];
          s->out_h = cs_conv_output_size (s->in_h, k, s->stride[0], 1, k / 2, k / 2, FALSE);
          s->out_w = cs_conv_output_size (s->in_w, k, s->stride[1], 1, k / 2, k / 2, FALSE);
        }
      check_plan (rand, &test, pool);
    }
  cs_thread_pool_free (pool);
  g_rand_free (rand);
}

/* What TFLite's arithmetic cannot express gets no plan, with a reason:
 * a multiplier of 1 or more, a grouped convolution; and depthwise ones
 * beyond the kernels' taps or a sane padded plane. */
static void
test_refusals (void)
{
  const CsConvShape shape = { 1, 4, 3, 3, 2, 3, 3, { 1, 1 }, { 1, 1 }, { 1, 1 }, { 0 }, 1 };
  CsConvShape grouped = shape;
  int8_t weights[8] = { 0 };
  float weight_scale[2] = { 1.0f, 1.0f };
  int32_t weight_zero[2] = { 0, 0 };
  CsConvQuant quant = { 0.5f, 128, 4, weights, weight_scale, weight_zero, NULL };
  const CsGrid out = { 0.25f, -128.0f, 127.0f };
  const CsKernels *kernels = cs_kernels_generic ();
  const char *reason = NULL;

  g_assert_null (cs_qconv_plan_new (kernels, &shape, &quant, &out, &reason));
  g_assert_nonnull (strstr (reason, "multiplier"));
  grouped.groups = 2;
  reason = NULL;
  quant.input_scale = 0.01f;
  g_assert_null (cs_qconv_plan_new (kernels, &grouped, &quant, &out, &reason));
  g_assert_nonnull (strstr (reason, "grouped"));

  /* Depthwise: 81 taps, and padding that would take 4 GiB a plane. */
  {
    const CsConvShape wide = { 1, 2, 1, 1, 2, 1, 1, { 9, 9 }, { 1, 1 }, { 1, 1 },
                               { 4, 4, 4, 4 }, 2 };
    const CsConvShape padded = { 1, 2, 1, 1, 2, 2, 2, { 1, 1 }, { 40000, 40000 }, { 1, 1 },
                                 { 32000, 32000, 32000, 32000 }, 2 };
    int8_t dw_weights[2 * 81] = { 0 };
    CsConvQuant dw = { 0.01f, 128, 81, dw_weights, weight_scale, weight_zero, NULL };

    reason = NULL;
    g_assert_null (cs_qconv_plan_new (kernels, &wide, &dw, &out, &reason));
    g_assert_nonnull (strstr (reason, "taps"));
    dw.depth = 1;
    reason = NULL;
    g_assert_null (cs_qconv_plan_new (kernels, &padded, &dw, &out, &reason));
    g_assert_nonnull (strstr (reason, "padded plane"));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qconv/requant-helpers", test_requant_helpers);
  g_test_add_func ("/qconv/micro-kernels", test_micro_kernels);
  g_test_add_func ("/qconv/pack", test_pack);
  g_test_add_func ("/qconv/depthwise-kernels", test_depthwise_kernels);
  g_test_add_func ("/qconv/gemv", test_gemv);
  g_test_add_func ("/qconv/plans", test_plans);
  g_test_add_func ("/qconv/depthwise-plans", test_depthwise_plans);
  g_test_add_func ("/qconv/refusals", test_refusals);
  return g_test_run ();
}
