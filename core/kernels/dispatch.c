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
  "generic", CS_GENERIC_MR, CS_GENERIC_NR,
  cs_gemm_micro_generic, cs_gemm_dot_generic, cs_depthwise_generic,
  cs_sigmoid_generic, cs_gelu_generic, cs_hard_swish_generic, cs_fake_quantize_generic,
  cs_qgemm_micro_generic, cs_qpack_generic
};

#ifdef CS_KERNELS_X86
static const CsKernels avx2_table = {
  "avx2", CS_AVX2_MR, CS_AVX2_NR,
  cs_gemm_micro_avx2, cs_gemm_dot_avx2, cs_depthwise_avx2, cs_sigmoid_avx2,
  cs_gelu_avx2, cs_hard_swish_avx2, cs_fake_quantize_avx2
};

static const CsKernels avx512_table = {
  "avx512", CS_AVX512_MR, CS_AVX512_NR,
  cs_gemm_micro_avx512, cs_gemm_dot_avx512, cs_depthwise_avx512,
  cs_sigmoid_avx512, cs_gelu_avx512, cs_hard_swish_avx512, cs_fake_quantize_avx512
};

/* AVX-512 with the byte dot products of VNNI, which the 8-bit
 * convolution needs to beat the float one. */
static const CsKernels avx512_vnni_table = {
  "avx512-vnni", CS_AVX512_MR, CS_AVX512_NR,
  cs_gemm_micro_avx512, cs_gemm_dot_avx512, cs_depthwise_avx512,
  cs_sigmoid_avx512, cs_gelu_avx512, cs_hard_swish_avx512, cs_fake_quantize_avx512,
  cs_qgemm_micro_avx512_vnni, cs_qpack_avx512_vnni
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
      && __builtin_cpu_supports ("avx512vnni"))
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
