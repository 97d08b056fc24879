/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * transpose-avx2.c — the AVX2 transpose kernel (kernels.h): 8×8 blocks,
 * eight rows loaded whole and turned into eight columns in registers
 * (vec_transpose8), then 4×8 blocks, and the rows below the whole
 * blocks eight columns at a time under masks; the ragged edges element
 * by element.  Compiled with -mavx2 and called only after dispatch.c has
 * checked the CPU.
 */
#include "vec-avx2.h"

/* dst row k ← column k of the 8×8 block at @src. */
static inline void
transpose_8x8 (const float *src, int64_t src_stride, float *dst, int64_t dst_stride)
{
  CsVec v[8];

  for (int i = 0; i < 8; i++)
    v[i] = _mm256_loadu_ps (src + i * src_stride);
  vec_transpose8 (v);
  for (int k = 0; k < 8; k++)
    _mm256_storeu_ps (dst + k * dst_stride, v[k]);
}

/* dst rows 0 to @n − 1 ← columns 0 to @n − 1 (@n < 8) of the 8 rows at
 * @src, which are read no further: the rows left below the whole
 * blocks, in registers, as a depthwise layer's rows of 7, 14 or 28
 * pixels, transposed one at a time into a padded block, leave them
 * (convolution.c: interleaved_task). */
static inline void
transpose_nx8 (const float *src, int64_t src_stride, float *dst, int64_t dst_stride, int n)
{
  const CsLaneMask in = vec_lanes (0, n);
  CsVec v[8];

  for (int i = 0; i < 8; i++)
    v[i] = vec_load_lanes (src + i * src_stride, in);
  vec_transpose8 (v);
  for (int k = 0; k < n; k++)
    _mm256_storeu_ps (dst + k * dst_stride, v[k]);
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
  if (whole_rows < rows)
    for (int64_t c0 = 0; c0 < whole_cols; c0 += 8)
      transpose_nx8 (src + c0 * src_stride + whole_rows, src_stride,
                     dst + whole_rows * dst_stride + c0, dst_stride, (int) (rows - whole_rows));
  for (int64_t r = whole_rows; r < rows; r++)
    for (int64_t c = whole_cols; c < cols; c++)
      dst[r * dst_stride + c] = src[c * src_stride + r];
}
