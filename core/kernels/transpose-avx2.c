/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * transpose-avx2.c — the AVX2 transpose kernel (kernels.h): 8×8 blocks,
 * eight rows loaded whole and turned into eight columns by unpacks,
 * shuffles and lane permutes in registers, then 4×8 blocks; the ragged
 * edges element by element.  Compiled with -mavx2 and called only after
 * dispatch.c has checked the CPU.
 */
#include "kernels.h"

#include <immintrin.h>

/* dst row k ← column k of the 8×8 block at @src. */
static inline void
transpose_8x8 (const float *src, int64_t src_stride, float *dst, int64_t dst_stride)
{
  __m256 row[8], pair[8], quad[8];

  for (int i = 0; i < 8; i++)
    row[i] = _mm256_loadu_ps (src + i * src_stride);
  /* Rows 2i and 2i + 1 interleaved: (r0₀ r1₀ r0₁ r1₁ | r0₄ r1₄ r0₅ r1₅)… */
  for (int i = 0; i < 4; i++)
    {
      pair[2 * i] = _mm256_unpacklo_ps (row[2 * i], row[2 * i + 1]);
      pair[2 * i + 1] = _mm256_unpackhi_ps (row[2 * i], row[2 * i + 1]);
    }
  /* Four rows' elements of one column in each half: (r0₀ r1₀ r2₀ r3₀ | r0₄ …)… */
  for (int i = 0; i < 2; i++)
    {
      quad[4 * i] = _mm256_shuffle_ps (pair[4 * i], pair[4 * i + 2], _MM_SHUFFLE (1, 0, 1, 0));
      quad[4 * i + 1] = _mm256_shuffle_ps (pair[4 * i], pair[4 * i + 2], _MM_SHUFFLE (3, 2, 3, 2));
      quad[4 * i + 2] =
          _mm256_shuffle_ps (pair[4 * i + 1], pair[4 * i + 3], _MM_SHUFFLE (1, 0, 1, 0));
      quad[4 * i + 3] =
          _mm256_shuffle_ps (pair[4 * i + 1], pair[4 * i + 3], _MM_SHUFFLE (3, 2, 3, 2));
    }
  /* The low halves of rows 0–3's and 4–7's quads are columns 0–3, the
   * high halves columns 4–7. */
  for (int k = 0; k < 4; k++)
    {
      _mm256_storeu_ps (dst + k * dst_stride, _mm256_permute2f128_ps (quad[k], quad[4 + k], 0x20));
      _mm256_storeu_ps (dst + (k + 4) * dst_stride,
                        _mm256_permute2f128_ps (quad[k], quad[4 + k], 0x31));
    }
}

/* dst rows 0–7 ← columns 0–7 of the 4×8 block at @src, four floats of
 * each: two 4×4 transposes, as a GEMM panel of 12 rows leaves over. */
static inline void
transpose_4x8 (const float *src, int64_t src_stride, float *dst, int64_t dst_stride)
{
  for (int half = 0; half < 8; half += 4)
    {
      __m128 r0 = _mm_loadu_ps (src + half), r1 = _mm_loadu_ps (src + src_stride + half);
      __m128 r2 = _mm_loadu_ps (src + 2 * src_stride + half);
      __m128 r3 = _mm_loadu_ps (src + 3 * src_stride + half);

      _MM_TRANSPOSE4_PS (r0, r1, r2, r3);
      _mm_storeu_ps (dst + half * dst_stride, r0);
      _mm_storeu_ps (dst + (half + 1) * dst_stride, r1);
      _mm_storeu_ps (dst + (half + 2) * dst_stride, r2);
      _mm_storeu_ps (dst + (half + 3) * dst_stride, r3);
    }
}

void
cs_transpose_avx2 (CS_TRANSPOSE_PARAMS)
{
  const int64_t whole_rows = rows / 8 * 8, whole_cols = cols / 8 * 8;
  const int64_t quad_cols = cols / 4 * 4;

  for (int64_t r0 = 0; r0 < whole_rows; r0 += 8)
    {
      for (int64_t c0 = 0; c0 < whole_cols; c0 += 8)
        transpose_8x8 (src + c0 * src_stride + r0, src_stride, dst + r0 * dst_stride + c0,
                       dst_stride);
      if (quad_cols > whole_cols)
        transpose_4x8 (src + whole_cols * src_stride + r0, src_stride,
                       dst + r0 * dst_stride + whole_cols, dst_stride);
      for (int64_t r = r0; r < r0 + 8; r++)
        for (int64_t c = quad_cols; c < cols; c++)
          dst[r * dst_stride + c] = src[c * src_stride + r];
    }
  for (int64_t r = whole_rows; r < rows; r++)
    for (int64_t c = 0; c < cols; c++)
      dst[r * dst_stride + c] = src[c * src_stride + r];
}
