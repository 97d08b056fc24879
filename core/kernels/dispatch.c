/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dispatch.c — which kernel table this CPU gets.  The tables are constant;
 * the choice is made once, under g_once, from what the CPU reports (GCC's
 * __builtin_cpu_supports also checks that the OS saves the wider
 * registers), and is the engine's only global state.
 */
#include "kernels.h"

#include <string.h>

static const CsKernels generic_table = {
  .name = "generic", .mr = CS_GENERIC_MR, .nr = CS_GENERIC_NR,
  .gemm = cs_gemm_micro_generic, .gemv = cs_gemv_generic,
  .depthwise = cs_depthwise_generic, .sigmoid = cs_sigmoid_generic, .gelu = cs_gelu_generic,
  .hard_swish = cs_hard_swish_generic, .scale_add = cs_scale_add_generic,
  .fake_quantize = cs_fake_quantize_generic,
  .grid_to_bytes = cs_grid_to_bytes_generic, .grid_from_bytes = cs_grid_from_bytes_generic,
  .pool = cs_pool_generic, .global_pool = cs_global_pool_generic,
  .transpose = cs_transpose_generic,
  .winograd_bt = cs_winograd_bt_generic, .winograd_at = cs_winograd_at_generic,
  .qgemm = cs_qgemm_micro_generic, .qpack = cs_qpack_generic,
  .qpack_bytes = cs_qpack_bytes_generic, .qdepthwise = cs_qdepthwise_generic,
  .qmr = CS_GENERIC_MR, .qnr = CS_GENERIC_NR,
};

#ifdef CS_KERNELS_X86
static const CsKernels avx2_table = {
  .name = "avx2", .mr = CS_AVX2_MR, .nr = CS_AVX2_NR,
  .gemm = cs_gemm_micro_avx2, .gemv = cs_gemv_avx2,
  .depthwise = cs_depthwise_avx2,
  .depthwise_interleaved = cs_depthwise_interleaved_avx2,
  .grouped_interleaved = cs_grouped_interleaved_avx2, .interleave = 8,
  .depthwise_interleaved_width = 32, .depthwise_interleaved_strided_width = 28,
  .sigmoid = cs_sigmoid_avx2, .gelu = cs_gelu_avx2,
  .hard_swish = cs_hard_swish_avx2, .scale_add = cs_scale_add_avx2,
  .fake_quantize = cs_fake_quantize_avx2,
  .grid_to_bytes = cs_grid_to_bytes_avx2, .grid_from_bytes = cs_grid_from_bytes_avx2,
  .pool = cs_pool_avx2, .global_pool = cs_global_pool_avx2,
  .transpose = cs_transpose_avx2,
  .winograd_bt = cs_winograd_bt_avx2, .winograd_at = cs_winograd_at_avx2,
  .qgemm = cs_qgemm_micro_avx2, .qpack = cs_qpack_avx2,
  .qpack_bytes = cs_qpack_bytes_avx2, .qdepthwise = cs_qdepthwise_avx2,
  .qmr = CS_AVX2_QMR, .qnr = CS_AVX2_QNR,
};

static const CsKernels avx512_table = {
  .name = "avx512", .mr = CS_AVX512_MR, .nr = CS_AVX512_NR,
  .gemm = cs_gemm_micro_avx512, .gemv = cs_gemv_avx512,
  .depthwise = cs_depthwise_avx512,
  .depthwise_interleaved = cs_depthwise_interleaved_avx512,
  .grouped_interleaved = cs_grouped_interleaved_avx512, .interleave = 16,
  .depthwise_interleaved_width = 8, .depthwise_interleaved_strided_width = 8,
  .sigmoid = cs_sigmoid_avx512, .gelu = cs_gelu_avx512,
  .hard_swish = cs_hard_swish_avx512, .scale_add = cs_scale_add_avx512,
  .fake_quantize = cs_fake_quantize_avx512,
  .grid_to_bytes = cs_grid_to_bytes_avx512, .grid_from_bytes = cs_grid_from_bytes_avx512,
  .pool = cs_pool_avx512, .global_pool = cs_global_pool_avx512,
  .transpose = cs_transpose_avx2,
  .winograd_bt = cs_winograd_bt_avx512, .winograd_at = cs_winograd_at_avx512,
  .winograd_bt_row = cs_winograd_bt_row_avx512,
  .qgemm = cs_qgemm_micro_avx2, .qpack = cs_qpack_avx2,
  .qpack_bytes = cs_qpack_bytes_avx2, .qdepthwise = cs_qdepthwise_avx2,
  .qmr = CS_AVX2_QMR, .qnr = CS_AVX2_QNR,
};

/* AVX-512 with VNNI's byte dot products for the 8-bit convolution (and
 * BW and VL for its byte shuffles and stores). */
static const CsKernels avx512_vnni_table = {
  .name = "avx512-vnni", .mr = CS_AVX512_MR, .nr = CS_AVX512_NR,
  .gemm = cs_gemm_micro_avx512, .gemv = cs_gemv_avx512,
  .depthwise = cs_depthwise_avx512,
  .depthwise_interleaved = cs_depthwise_interleaved_avx512,
  .grouped_interleaved = cs_grouped_interleaved_avx512, .interleave = 16,
  .depthwise_interleaved_width = 8, .depthwise_interleaved_strided_width = 8,
  .sigmoid = cs_sigmoid_avx512, .gelu = cs_gelu_avx512,
  .hard_swish = cs_hard_swish_avx512, .scale_add = cs_scale_add_avx512,
  .fake_quantize = cs_fake_quantize_avx512,
  .grid_to_bytes = cs_grid_to_bytes_avx512, .grid_from_bytes = cs_grid_from_bytes_avx512,
  .pool = cs_pool_avx512, .global_pool = cs_global_pool_avx512,
  .transpose = cs_transpose_avx2,
  .winograd_bt = cs_winograd_bt_avx512, .winograd_at = cs_winograd_at_avx512,
  .winograd_bt_row = cs_winograd_bt_row_avx512,
  .qgemm = cs_qgemm_micro_avx512_vnni, .qpack = cs_qpack_avx512,
  .qpack_bytes = cs_qpack_bytes_avx512, .qdepthwise = cs_qdepthwise_avx512_vnni,
  .qgemv = cs_qgemv_avx512_vnni,
  .qmr = CS_AVX512_MR, .qnr = CS_AVX512_NR,
};
#endif

/* Best first. */
static const CsKernels *
supported_table (int index)
{
#ifdef CS_KERNELS_X86
  gboolean avx2, avx512;

  __builtin_cpu_init ();
  avx2 = __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
  avx512 = avx2 && __builtin_cpu_supports ("avx512f");
  if (index == 0 && avx512 && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512vl") && __builtin_cpu_supports ("avx512vnni"))
    return &avx512_vnni_table;
  if (index <= 1 && avx512)
    return &avx512_table;
  if (index <= 2 && avx2)
    return &avx2_table;
#endif
  return &generic_table;
}

static gpointer
choose_table (gpointer data)
{
  return (gpointer) supported_table (0);
}

const CsKernels *
cs_kernels_get (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, choose_table, NULL);
}

const CsKernels *
cs_kernels_generic (void)
{
  return &generic_table;
}

const CsKernels *
cs_kernels_by_name (const char *name)
{
  if (name == NULL)
    return NULL;
  for (int index = 0; index < 4; index++)
    {
      const CsKernels *table = supported_table (index);

      if (strcmp (table->name, name) == 0)
        return table;
    }
  return NULL;
}
