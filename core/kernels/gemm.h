/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemm.h — matrix products on a kernel table (kernels.h): packing operands
 * into the micro-kernel's panels, and the threaded GEMM the dense ops
 * (Gemm, MatMul) run on, with its fused activation (epilogue.h).
 * Convolution has its own driver (convolution.h) on the same
 * micro-kernel.
 */
#ifndef CS_GEMM_H
#define CS_GEMM_H

#include "epilogue.h"
#include "../threadpool.h"

G_BEGIN_DECLS

/* Packs a @rows × @depth matrix (element (r, p) at src[r·row_stride +
 * p·col_stride]) into A panels: panel q holds rows [q·mr, q·mr + h), h =
 * min (mr, rows − q·mr), as @depth groups of h floats at dst + q·mr·depth.
 * @dst holds rows · depth floats. */
void cs_pack_a (const CsKernels *kernels,
                float           *dst,
                const float     *src,
                int64_t          rows,
                int64_t          depth,
                int64_t          row_stride,
                int64_t          col_stride);

/* The inverse of cs_pack_a with the same arguments: writes the matrix
 * back from the panels at @src to @dst, strided as cs_pack_a read it. */
void cs_unpack_a (const CsKernels *kernels,
                  float           *dst,
                  const float     *src,
                  int64_t          rows,
                  int64_t          depth,
                  int64_t          row_stride,
                  int64_t          col_stride);

/* Packs a @depth × @cols matrix (element (p, j) at src[p·row_stride +
 * j·col_stride]) into B panels: panel q holds columns [q·nr, q·nr + w) as
 * @depth rows of w floats at dst + q·nr·depth.  @dst holds depth · cols
 * floats. */
void cs_pack_b (const CsKernels *kernels,
                float           *dst,
                const float     *src,
                int64_t          depth,
                int64_t          cols,
                int64_t          row_stride,
                int64_t          col_stride);

/* cs_pack_a of a row-major A (@rows × @depth, as convolutions keep their
 * weights), where it lies: each panel takes the memory of the rows it
 * holds, so only one panel at a time needs a copy. */
void cs_pack_a_in_place (const CsKernels *kernels,
                         float           *matrix,
                         int64_t          rows,
                         int64_t          depth);

/* cs_pack_b of a B stored transposed (element (p, j) at matrix[j·depth +
 * p], as dense layers and convolutions keep their weights), where it
 * lies: each panel takes the memory of the columns it holds, so only one
 * panel at a time needs a copy, and a model never holds its weights
 * twice. */
void cs_pack_b_in_place (const CsKernels *kernels,
                         float           *matrix,
                         int64_t          depth,
                         int64_t          cols);

/* The inverse of cs_pack_b with the same arguments: writes the matrix
 * back from the panels at @src to @dst, strided as cs_pack_b read it. */
void cs_unpack_b (const CsKernels *kernels,
                  float           *dst,
                  const float     *src,
                  int64_t          depth,
                  int64_t          cols,
                  int64_t          row_stride,
                  int64_t          col_stride);

/* An operand: a strided matrix, or panels that cs_pack_a (for A) or
 * cs_pack_b (for B) made with the same kernel table. */
typedef struct
{
  const float *data;
  int64_t      row_stride;
  int64_t      col_stride;
  gboolean     packed;
} CsMatrix;

/* C = alpha · A·B (+ C when accumulate) (+ column_bias on every row),
 * then act; A is m × k, B k × n, C m × n with row stride ldc; act and
 * column_bias (n floats, a dense layer's bias) may be NULL.  Borrows
 * every pointer. */
typedef struct
{
  const CsKernels         *kernels;
  int64_t                  m, n, k;
  CsMatrix                 a;
  CsMatrix                 b;
  float                   *c;
  int64_t                  ldc;
  float                    alpha;
  gboolean                 accumulate;
  const CsActivation *act;
  const float             *column_bias;
} CsGemm;

/* Per-thread scratch cs_gemm_run needs for @gemm. */
size_t cs_gemm_scratch_bytes (const CsGemm *gemm);
/* Runs @gemm over @pool (NULL: serially); @scratch holds one buffer of
 * cs_gemm_scratch_bytes per thread. */
void   cs_gemm_run           (const CsGemm *gemm,
                              CsThreadPool *pool,
                              void        **scratch);

/* The same with scratch it allocates and frees itself: for the rare
 * products (the backward pass) that no session planned memory for. */
void   cs_gemm_run_own_scratch (const CsGemm *gemm,
                                CsThreadPool *pool);

/* @p aligned up to 64 bytes, for scratch buffers of unknown alignment. */
static inline float *
cs_scratch_floats (void *p)
{
  return (float *) (((uintptr_t) p + 63) & ~(uintptr_t) 63);
}

/* Extra bytes a scratch buffer needs for cs_scratch_floats. */
#define CS_SCRATCH_SLACK 64

G_END_DECLS

#endif /* CS_GEMM_H */
