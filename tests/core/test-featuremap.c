/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-featuremap.c — colour maps against the values matplotlib and
 * ColorBrewer publish, and the statistics, ranges and painting of
 * feature maps on hand-made tensors, including hostile ones (NaN,
 * infinities, constant channels, wrong shapes).
 */
#include <math.h>
#include <string.h>

#include "convscope.h"

static void
assert_rgb (CsColormap colormap, float t, int r, int g, int b)
{
  uint8_t rgb[3];

  cs_colormap_rgb (colormap, t, rgb);
  g_assert_cmpint (rgb[0], ==, r);
  g_assert_cmpint (rgb[1], ==, g);
  g_assert_cmpint (rgb[2], ==, b);
}

static void
test_colormaps (void)
{
  CsColormap colormap;

  /* matplotlib.cm.viridis: #440154 at 0, #21918c at 0.5, #fde725 at 1. */
  assert_rgb (CS_COLORMAP_VIRIDIS, 0.0f, 0x44, 0x01, 0x54);
  assert_rgb (CS_COLORMAP_VIRIDIS, 0.5f, 0x21, 0x91, 0x8c);
  assert_rgb (CS_COLORMAP_VIRIDIS, 1.0f, 0xfd, 0xe7, 0x25);
  /* ColorBrewer RdBu: #053061 most negative, #f7f7f7 zero, #67001f most
   * positive. */
  assert_rgb (CS_COLORMAP_DIVERGING, 0.0f, 0x05, 0x30, 0x61);
  assert_rgb (CS_COLORMAP_DIVERGING, 0.5f, 0xf7, 0xf7, 0xf7);
  assert_rgb (CS_COLORMAP_DIVERGING, 1.0f, 0x67, 0x00, 0x1f);
  assert_rgb (CS_COLORMAP_GRAY, 0.5f, 128, 128, 128);
  /* Out of range clamps; NaN is the low end. */
  assert_rgb (CS_COLORMAP_GRAY, 7.0f, 255, 255, 255);
  assert_rgb (CS_COLORMAP_GRAY, -INFINITY, 0, 0, 0);
  assert_rgb (CS_COLORMAP_VIRIDIS, NAN, 0x44, 0x01, 0x54);

  g_assert_true (cs_colormap_from_name ("viridis", &colormap));
  g_assert_cmpint (colormap, ==, CS_COLORMAP_VIRIDIS);
  g_assert_cmpstr (cs_colormap_name (CS_COLORMAP_DIVERGING), ==, "diverging");
  g_assert_false (cs_colormap_from_name ("jet", &colormap));
  g_assert_false (cs_colormap_from_name (NULL, &colormap));
  g_assert_null (cs_colormap_name ((CsColormap) 99));
}

/* A 1×2×2×3 layer: channel 0 counts 0…5, channel 1 is constant 3 but
 * for one NaN. */
static float layer_values[12] = { 0, 1, 2, 3, 4, 5, 3, 3, NAN, 3, 3, 3 };

static CsTensor
layer (void)
{
  return (CsTensor) { .dtype = CS_DTYPE_FLOAT32,
                      .shape = { 4, { 1, 2, 2, 3 } },
                      .data = layer_values };
}

static void
test_stats_and_range (void)
{
  CsTensor   maps = layer ();
  CsMapStats stats;
  float      low, high;

  g_assert_true (cs_feature_map_stats (&maps, 0, &stats));
  g_assert_cmpfloat (stats.min, ==, 0.0f);
  g_assert_cmpfloat (stats.max, ==, 5.0f);
  g_assert_cmpfloat (stats.mean, ==, 2.5f);
  g_assert_true (cs_feature_map_stats (&maps, 1, &stats));
  g_assert_cmpfloat (stats.min, ==, 3.0f);
  g_assert_cmpfloat (stats.mean, ==, 3.0f);
  g_assert_true (cs_feature_map_stats (&maps, -1, &stats));
  g_assert_cmpfloat_with_epsilon (stats.mean, 30.0f / 11.0f, 1e-6);

  g_assert_true (cs_feature_map_range (&maps, 0, CS_MAP_RANGE_CHANNEL,
                                       CS_COLORMAP_GRAY, &low, &high));
  g_assert_cmpfloat (low, ==, 0.0f);
  g_assert_cmpfloat (high, ==, 5.0f);
  /* A constant channel paints as the low end on its own (matplotlib's
   * convention), and gets the layer's range when asked. */
  g_assert_true (cs_feature_map_range (&maps, 1, CS_MAP_RANGE_CHANNEL,
                                       CS_COLORMAP_GRAY, &low, &high));
  g_assert_cmpfloat (low, ==, 3.0f);
  g_assert_cmpfloat (high, ==, 4.0f);
  g_assert_true (cs_feature_map_range (&maps, 1, CS_MAP_RANGE_LAYER,
                                       CS_COLORMAP_GRAY, &low, &high));
  g_assert_cmpfloat (low, ==, 0.0f);
  g_assert_cmpfloat (high, ==, 5.0f);
  g_assert_true (cs_feature_map_range (&maps, 0, CS_MAP_RANGE_CHANNEL,
                                       CS_COLORMAP_DIVERGING, &low, &high));
  g_assert_cmpfloat (low, ==, -5.0f);
  g_assert_cmpfloat (high, ==, 5.0f);

  /* An all-zero (dead) channel: dark in viridis, zero's white when
   * diverging. */
  {
    float    zeros[4] = { 0 };
    CsTensor dead = { .dtype = CS_DTYPE_FLOAT32, .shape = { 4, { 1, 1, 2, 2 } },
                      .data = zeros };

    g_assert_true (cs_feature_map_range (&dead, 0, CS_MAP_RANGE_CHANNEL,
                                         CS_COLORMAP_VIRIDIS, &low, &high));
    g_assert_cmpfloat (low, ==, 0.0f);
    g_assert_cmpfloat (high, ==, 1.0f);
    g_assert_true (cs_feature_map_range (&dead, 0, CS_MAP_RANGE_CHANNEL,
                                         CS_COLORMAP_DIVERGING, &low, &high));
    g_assert_cmpfloat (low, ==, -0.5f);
    g_assert_cmpfloat (high, ==, 0.5f);
  }

  /* Not feature maps, or no such channel. */
  g_assert_false (cs_feature_map_stats (&maps, 2, &stats));
  g_assert_false (cs_feature_map_range (&maps, -1, CS_MAP_RANGE_LAYER,
                                        CS_COLORMAP_GRAY, &low, &high));
  maps.shape = (CsShape) { 2, { 1, 12 } };
  g_assert_false (cs_feature_map_stats (&maps, 0, &stats));
  maps = layer ();
  maps.dtype = CS_DTYPE_INT64;
  g_assert_false (cs_feature_map_stats (&maps, 0, &stats));
}

static void
test_paint (void)
{
  CsTensor maps = layer ();
  uint8_t  gray[2 * 3];
  uint8_t  rgba[2 * 16];
  uint8_t  viridis_top[3];

  g_assert_true (cs_feature_map_paint (&maps, 0, 0.0f, 5.0f, CS_COLORMAP_GRAY,
                                       gray, 3, 1));
  g_assert_cmpmem (gray, 6, ((uint8_t[]) { 0, 51, 102, 153, 204, 255 }), 6);

  /* Rows 16 bytes apart, 4 bytes a pixel, padding untouched. */
  memset (rgba, 0xaa, sizeof rgba);
  g_assert_true (cs_feature_map_paint (&maps, 0, 0.0f, 5.0f, CS_COLORMAP_VIRIDIS,
                                       rgba, 16, 4));
  cs_colormap_rgb (CS_COLORMAP_VIRIDIS, 1.0f, viridis_top);
  g_assert_cmpmem (rgba + 16 + 8, 3, viridis_top, 3);
  g_assert_cmpint (rgba[16 + 11], ==, 255);
  g_assert_cmpint (rgba[12], ==, 0xaa);
  g_assert_cmpint (rgba[0], ==, 0x44);

  /* The NaN of channel 1 paints as the low end. */
  g_assert_true (cs_feature_map_paint (&maps, 1, 2.5f, 3.5f, CS_COLORMAP_GRAY,
                                       gray, 3, 1));
  g_assert_cmpmem (gray, 6, ((uint8_t[]) { 128, 128, 0, 128, 128, 128 }), 6);

  /* Refusals: a colour map into one byte, a short row, an empty range. */
  g_assert_false (cs_feature_map_paint (&maps, 0, 0.0f, 5.0f, CS_COLORMAP_VIRIDIS,
                                        gray, 3, 1));
  g_assert_false (cs_feature_map_paint (&maps, 0, 0.0f, 5.0f, CS_COLORMAP_GRAY,
                                        rgba, 8, 3));
  g_assert_false (cs_feature_map_paint (&maps, 0, 1.0f, 1.0f, CS_COLORMAP_GRAY,
                                        gray, 3, 1));
  g_assert_false (cs_feature_map_paint (&maps, 0, 0.0f, NAN, CS_COLORMAP_GRAY,
                                        gray, 3, 1));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/featuremap/colormaps", test_colormaps);
  g_test_add_func ("/featuremap/stats-and-range", test_stats_and_range);
  g_test_add_func ("/featuremap/paint", test_paint);
  return g_test_run ();
}
