/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fma-peak.c — one core's measured peak of fused multiply-adds, the
 * ceiling bench-kernels states each kernel's throughput against.
 * Compiled once per instruction set with that set's flags
 * (tests/core/meson.build), which pick the vector type and the function's
 * name below; called only on a CPU that runs that set.  Twelve
 * independent accumulators cover the FMA latency (four cycles) on two FMA
 * ports with room to spare, and with the two operands still fit AVX2's
 * sixteen registers (sixteen accumulators spilled there, and measured
 * half the peak).
 */
#include <glib.h>
#include <time.h>

#if defined(__AVX512F__)
#include <immintrin.h>
typedef __m512 Vec;
#define LANES 16
#define vec_set1 _mm512_set1_ps
#define vec_fmadd _mm512_fmadd_ps
#define vec_add _mm512_add_ps
#define vec_first(v) _mm512_cvtss_f32 (v)
#define FMA_PEAK_NAME fma_peak_avx512
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
typedef __m256 Vec;
#define LANES 8
#define vec_set1 _mm256_set1_ps
#define vec_fmadd _mm256_fmadd_ps
#define vec_add _mm256_add_ps
#define vec_first(v) _mm256_cvtss_f32 (v)
#define FMA_PEAK_NAME fma_peak_avx2
#else
#error "fma-peak.c needs AVX-512 or AVX2 with FMA"
#endif

#define CHAINS 12

double FMA_PEAK_NAME (void);

static double
cpu_seconds (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec + now.tv_nsec * 1e-9;
}

/* GFLOP per CPU-second (two per multiply-add), the best of five runs of
 * 2²² steps. */
double
FMA_PEAK_NAME (void)
{
  const int64_t steps = (int64_t) 1 << 22;
  double best = 0.0;
  volatile float sink;

  for (int run = 0; run < 5; run++)
    {
      Vec acc[CHAINS];
      const Vec a = vec_set1 (0.999999f), b = vec_set1 (1e-7f);
      double start = cpu_seconds (), seconds;

      for (int c = 0; c < CHAINS; c++)
        acc[c] = vec_set1 ((float) c);
      for (int64_t i = 0; i < steps; i++)
        for (int c = 0; c < CHAINS; c++)
          acc[c] = vec_fmadd (acc[c], a, b);
      seconds = cpu_seconds () - start;
      for (int c = 1; c < CHAINS; c++)
        acc[0] = vec_add (acc[0], acc[c]);
      sink = vec_first (acc[0]);
      (void) sink;
      best = MAX (best, 2.0 * LANES * CHAINS * (double) steps / seconds * 1e-9);
    }
  return best;
}
