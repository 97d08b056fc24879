/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gemv-simd.h — the kernel for products of a few rows with B packed in
 * panels (kernels.h: CsGemv), written once in the vector vocabulary
 * (vec-avx2.h, vec-avx512.h); included by gemv-avx2.c and
 * gemv-avx512.c after their vocabulary header.  A panel is two vectors
 * wide, the tables' nr.
 *
 * Each weight is used once, so the panels stream through once per row,
 * with no tile to fill: GEMM tiles of a single row would wait on the
 * latency of their two chains of multiply-adds.  In a network the
 * weights come from memory, and one core reads a single stream of them
 * at a fraction of what it reads from several: whole panels go GEMV_STREAMS
 * at a time, side by side, one chain of multiply-adds a vector (AVX2,
 * Zen 3, the weights not cached: MobileNet v3's 960 → 1280 0.22 → 0.16
 * ms alone; in the network it and 1280 → 1000 0.62–0.71 of their time,
 * its squeeze-excitation layers 0.68–0.84).  The panels left, one at a
 * time, have four depth steps in flight, each summing into its own pair
 * of vectors, to keep the multiply-adds clear of one another.
 * Prefetching the panels ahead made things worse (MobileNet v3's 960 →
 * 1280 layer 157–184 µs without, 207–234 µs 16 KiB ahead).
 */

G_STATIC_ASSERT (CS_VEC_NR == 2 * CS_VEC_LANES);

/* Whole panels a row reads at once. */
#define GEMV_STREAMS 4
/* The most floats of GEMV_STREAMS panels that the rows after the first
 * read again from L2 (256 KiB); deeper panels go one at a time where
 * there are such rows. */
#define GEMV_GROUP_FLOATS (64 * 1024)

/* Row @a against the GEMV_STREAMS whole panels at @b, one after another,
 * into @y. */
CS_VEC_INLINE void
gemv_panels_together (int64_t depth, const float *a, const float *b, float *y,
                      gboolean accumulate, CsEpilogueVec epv)
{
  const CsLaneMask all = vec_lanes (0, CS_VEC_LANES);
  const int64_t    panel = depth * CS_VEC_NR;
  CsVec sum0 = vec_zero (), sum1 = vec_zero (), sum2 = vec_zero (), sum3 = vec_zero ();
  CsVec sum4 = vec_zero (), sum5 = vec_zero (), sum6 = vec_zero (), sum7 = vec_zero ();

  G_STATIC_ASSERT (GEMV_STREAMS == 4);
#define STEP(k, low, high) \
  low = vec_fmadd (x, vec_load_edge (TRUE, b + k * panel, all), low); \
  high = vec_fmadd (x, vec_load_edge (TRUE, b + k * panel + CS_VEC_LANES, all), high);
  for (int64_t p = 0; p < depth; p++, b += CS_VEC_NR)
    {
      const CsVec x = vec_set1 (a[p]);

      STEP (0, sum0, sum1) STEP (1, sum2, sum3) STEP (2, sum4, sum5) STEP (3, sum6, sum7)
    }
#undef STEP
#define STORE(v, sum) \
  vec_store_edge (TRUE, y + v * CS_VEC_LANES, all, \
                  vec_epilogue (sum, accumulate ? vec_load_lanes (y + v * CS_VEC_LANES, all) \
                                                : vec_zero (), \
                                epv));
  STORE (0, sum0) STORE (1, sum1) STORE (2, sum2) STORE (3, sum3)
  STORE (4, sum4) STORE (5, sum5) STORE (6, sum6) STORE (7, sum7)
#undef STORE
}

/* Row @a of a product against one panel @w columns wide at @b, into @y;
 * @vectors (1 or 2, a constant) covers @w, and the second is left out
 * where one does: its floats would lie past the panel and the row. */
CS_VEC_INLINE void
gemv_panel (const int vectors, int64_t depth, const float *a, const float *b, int w, float *y,
            gboolean accumulate, CsEpilogueVec epv)
{
  const gboolean   full = w == CS_VEC_NR;
  const CsLaneMask low = vec_lanes (0, w), high = vec_lanes (0, w - CS_VEC_LANES);
  CsVec   sum0 = vec_zero (), sum1 = vec_zero (), sum2 = vec_zero (), sum3 = vec_zero ();
  CsVec   sum4 = vec_zero (), sum5 = vec_zero (), sum6 = vec_zero (), sum7 = vec_zero ();
  int64_t p = 0;

#define STEP(k, even, odd) \
  even = vec_fmadd (vec_set1 (a[p + k]), vec_load_edge (full, b + k * w, low), even); \
  if (vectors == 2) \
    odd = vec_fmadd (vec_set1 (a[p + k]), vec_load_edge (full, b + k * w + CS_VEC_LANES, high), \
                     odd);
  for (; p + 4 <= depth; p += 4, b += 4 * w)
    {
      STEP (0, sum0, sum1) STEP (1, sum2, sum3) STEP (2, sum4, sum5) STEP (3, sum6, sum7)
    }
  for (; p < depth; p++, b += w)
    {
      STEP (0, sum0, sum1)
    }
#undef STEP
  vec_store_edge (full, y, low,
                  vec_epilogue (vec_add (vec_add (sum0, sum2), vec_add (sum4, sum6)),
                                accumulate ? vec_load_lanes (y, low) : vec_zero (), epv));
  if (vectors == 2)
    vec_store_edge (full, y + CS_VEC_LANES, high,
                    vec_epilogue (vec_add (vec_add (sum1, sum3), vec_add (sum5, sum7)),
                                  accumulate ? vec_load_lanes (y + CS_VEC_LANES, high)
                                             : vec_zero (),
                                  epv));
}

void
CS_VEC_NAME (cs_gemv) (CS_GEMV_PARAMS)
{
  const CsEpilogueVec epv = vec_epilogue_load (ep);
  const int           group = GEMV_STREAMS * CS_VEC_NR;
  int                 j = 0;

  if (m == 1 || GEMV_STREAMS * depth * CS_VEC_NR <= GEMV_GROUP_FLOATS)
    for (; j + group <= n; j += group)
      for (int i = 0; i < m; i++)
        gemv_panels_together (depth, a + i * lda, b + (int64_t) j * depth, y + i * ldy + j,
                              ep->accumulate, epv);
  for (; j < n; j += CS_VEC_NR)
    {
      const int    w = MIN (CS_VEC_NR, n - j);
      const float *panel = b + (int64_t) j * depth;

      for (int i = 0; i < m; i++)
        if (w > CS_VEC_LANES)
          gemv_panel (2, depth, a + i * lda, panel, w, y + i * ldy + j, ep->accumulate, epv);
        else
          gemv_panel (1, depth, a + i * lda, panel, w, y + i * ldy + j, ep->accumulate, epv);
    }
}
