/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-resample.c — the core's resampler (core/resample.c) against Pillow
 * itself: the expected images are Pillow's own resizes, made at fixture
 * time by make_resample_fixtures.py (through tools/make-fixtures) in
 * CONVSCOPE_FIXTURES/resample, and the tests that need them skip without.
 * Also point sampling and nearest against their formulas, the order and
 * extent of the reads, hostile arguments, and the GEGL side
 * (cs_pixels_resample): photos of ../shared against Pillow's 8-bit
 * resize, byte formats against float ones, regions and mipmap reads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs-pixels.h"
#include "image.h"
#include "npy.h"
#include "tensor.h"

/* Pillow's float path is what the resampler copies: any difference is at
 * most rounding. */
#define PILLOW_TOLERANCE 1e-6

/* ---- An image in memory as a CsReadPixels source ---- */

/* Checks every read: inside the image, the same columns every time, rows
 * in increasing order and each once. */
typedef struct
{
  const float *pixels;
  int          width, height, channels;
  int          reads;
  int          x, columns;          /* of the first read */
  int          first_row, end_row;  /* the rows read so far: [first, end) */
  int          fail_at_row;         /* a read of this row fails; -1: none */
} Memory;

static Memory
memory_new (const float *pixels, int width, int height, int channels)
{
  return (Memory) { pixels, width, height, channels, 0, 0, 0, 0, 0, -1 };
}

static gboolean
read_memory (void *user, int x, int y, int width, int height, float *pixels, GError **error)
{
  Memory *m = user;

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (width, >=, 1);
  g_assert_cmpint (x + width, <=, m->width);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (height, >=, 1);
  g_assert_cmpint (y + height, <=, m->height);
  if (m->reads == 0)
    {
      m->x = x;
      m->columns = width;
      m->first_row = m->end_row = y;
    }
  g_assert_cmpint (x, ==, m->x);
  g_assert_cmpint (width, ==, m->columns);
  g_assert_cmpint (y, ==, m->end_row);
  m->end_row = y + height;
  m->reads++;
  if (m->fail_at_row >= y && m->fail_at_row < y + height)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_IO, "cannot read row %d", m->fail_at_row);
      return FALSE;
    }
  for (int r = 0; r < height; r++)
    memcpy (pixels + (size_t) r * width * m->channels,
            m->pixels + ((size_t) (y + r) * m->width + x) * m->channels,
            (size_t) width * m->channels * sizeof (float));
  return TRUE;
}

/* @n floats in [0, 1) from a fixed seed. */
static float *
random_floats (size_t n, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  float *values = g_new (float, n);

  for (size_t i = 0; i < n; i++)
    values[i] = (float) g_rand_double (rand);
  return values;
}

/* ---- Against Pillow ---- */

static char *
fixture_dir (void)
{
  const char *fixtures = g_getenv ("CONVSCOPE_FIXTURES");
  char *dir;

  if (fixtures != NULL)
    {
      g_autofree char *cases = NULL;

      dir = g_build_filename (fixtures, "resample", NULL);
      cases = g_build_filename (dir, "cases.txt", NULL);
      if (g_file_test (cases, G_FILE_TEST_IS_REGULAR))
        return dir;
      g_free (dir);
    }
  g_test_skip ("needs Pillow's resizes from tools/make-fixtures in "
               "CONVSCOPE_FIXTURES/resample (python3-pil)");
  return NULL;
}

static void
load_npy (const char *dir, const char *name, const char *suffix, CsTensor *tensor)
{
  g_autofree char *file = g_strconcat (name, suffix, NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  GError *error = NULL;

  g_assert_true (npy_read_file (path, tensor, &error));
  g_assert_no_error (error);
}

/* The largest difference between @n values of @got and @want, @got_stride
 * and @want_stride floats apart, and how many are equal. */
static double
compare (const float *got, int got_stride, const float *want, int want_stride, size_t n,
         size_t *equal)
{
  double largest = 0.0;

  *equal = 0;
  for (size_t i = 0; i < n; i++)
    {
      const double a = got[i * got_stride], b = want[i * want_stride];

      largest = MAX (largest, fabs (a - b));
      *equal += a == b;
    }
  return largest;
}

typedef struct
{
  char        *name;
  int          channels;  /* 1, or 2 with alpha */
  int          width, height, dest_width, dest_height;
  CsResizePlan plan;
} Case;

static gboolean
parse_case (const char *line, Case *c)
{
  g_auto (GStrv) fields = g_strsplit (line, " ", -1);
  double box[4];

  if (g_strv_length (fields) != 10)
    return FALSE;
  c->name = g_strdup (fields[0]);
  c->channels = atoi (fields[1]);
  c->width = atoi (fields[2]);
  c->height = atoi (fields[3]);
  for (int i = 0; i < 4; i++)
    box[i] = g_ascii_strtod (fields[4 + i], NULL);
  c->dest_width = atoi (fields[8]);
  c->dest_height = atoi (fields[9]);
  c->plan = (CsResizePlan) { box[0], box[1], box[2] - box[0], box[3] - box[1],
                             0, 0, c->dest_width, c->dest_height };
  return TRUE;
}

/* The source rows Pillow's filter reaches for @c: its formula for the
 * first and last output rows. */
static void
pillow_rows (const Case *c, int *first, int *end)
{
  const double scale = c->plan.src_height / c->dest_height;
  const double support = MAX (scale, 1.0);
  const double top = c->plan.src_y + 0.5 * scale;
  const double bottom = c->plan.src_y + (c->dest_height - 0.5) * scale;

  *first = MAX ((int) (top - support + 0.5), 0);
  *end = MIN ((int) (bottom + support + 0.5), c->height);
}

/* One case with @channels: the fixture's own channels, or four with its
 * plane in R, G and B and its alpha (or 1) in A. */
static void
check_case (const Case *c, const CsTensor *in, const CsTensor *want, int channels)
{
  const size_t n_in = (size_t) c->width * c->height;
  const size_t n_out = (size_t) c->dest_width * c->dest_height;
  const gboolean alpha = c->channels == 2;
  g_autofree float *pixels = g_new (float, n_in * channels);
  g_autofree float *out = g_new (float, n_out * channels);
  const float *source = in->data, *expected = want->data;
  Memory m = memory_new (pixels, c->width, c->height, channels);
  GError *error = NULL;
  int first, end;

  for (size_t i = 0; i < n_in; i++)
    for (int k = 0; k < channels; k++)
      {
        if (channels == c->channels)
          pixels[i * channels + k] = source[i * channels + k];
        else if (k < 3)
          pixels[i * 4 + k] = source[i * c->channels];
        else
          pixels[i * 4 + 3] = alpha ? source[i * 2 + 1] : 1.0f;
      }
  g_assert_true (cs_resample (c->width, c->height, &c->plan, CS_RESAMPLE_ANTIALIAS, channels,
                              read_memory, &m, out, &error));
  g_assert_no_error (error);

  for (int k = 0; k < channels; k++)
    {
      /* The fixture's channel in channel k. */
      const int from = channels == c->channels ? k : k < 3 ? 0 : 1;
      size_t equal;
      double worst;

      if (from >= c->channels)
        {
          /* Opaque stays exactly opaque. */
          for (size_t i = 0; i < n_out; i++)
            g_assert_cmpfloat (out[i * 4 + 3], ==, 1.0f);
          continue;
        }
      worst = compare (out + k, channels, expected + from, c->channels, n_out, &equal);
      g_test_message ("%s, %d channels, channel %d: %zu of %zu equal, largest difference %g",
                      c->name, channels, k, equal, n_out, worst);
      g_assert_cmpfloat (worst, <=, PILLOW_TOLERANCE);
    }

  /* Exactly the rows the filter reaches, the columns never more than
   * the image. */
  pillow_rows (c, &first, &end);
  g_assert_cmpint (m.first_row, ==, first);
  g_assert_cmpint (m.end_row, ==, end);
}

static void
test_pillow (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *cases_path = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GError *error = NULL;
  int checked = 0;

  if (dir == NULL)
    return;
  cases_path = g_build_filename (dir, "cases.txt", NULL);
  g_assert_true (g_file_get_contents (cases_path, &text, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (int l = 0; lines[l] != NULL; l++)
    {
      Case c = { 0 };
      CsTensor in = { 0 }, want = { 0 };

      if (*lines[l] == '\0')
        continue;
      g_assert_true (parse_case (lines[l], &c));
      load_npy (dir, c.name, ".in.npy", &in);
      load_npy (dir, c.name, ".out.npy", &want);
      g_assert_cmpint (cs_shape_numel (&in.shape), ==,
                       (int64_t) c.width * c.height * c.channels);
      g_assert_cmpint (cs_shape_numel (&want.shape), ==,
                       (int64_t) c.dest_width * c.dest_height * c.channels);
      check_case (&c, &in, &want, c.channels);
      check_case (&c, &in, &want, 4);
      cli_tensor_clear (&in);
      cli_tensor_clear (&want);
      g_free (c.name);
      checked++;
    }
  /* make_resample_fixtures.py writes sixteen. */
  g_assert_cmpint (checked, ==, 16);
}

/* ---- Point sampling and nearest, by their formulas ---- */

static float
pixel_at (const float *p, int width, int height, int x, int y)
{
  return p[(size_t) CLAMP (y, 0, height - 1) * width + CLAMP (x, 0, width - 1)];
}

/* Bilinear interpolation at (@u, @v), pixel centres at half-integers,
 * edges repeated. */
static double
bilinear_at (const float *p, int width, int height, double u, double v)
{
  const double x = u - 0.5, y = v - 0.5;
  const int x0 = (int) floor (x), y0 = (int) floor (y);
  const double fx = x - x0, fy = y - y0;

  return (1.0 - fy) * ((1.0 - fx) * pixel_at (p, width, height, x0, y0)
                       + fx * pixel_at (p, width, height, x0 + 1, y0))
         + fy * ((1.0 - fx) * pixel_at (p, width, height, x0, y0 + 1)
                 + fx * pixel_at (p, width, height, x0 + 1, y0 + 1));
}

static void
test_point_sampling (void)
{
  /* Shrinking, enlarging and a fractional crop of a 7×5 image. */
  static const CsResizePlan plans[] = {
    { 0.0, 0.0, 7.0, 5.0, 0, 0, 3, 2 },
    { 0.0, 0.0, 7.0, 5.0, 0, 0, 11, 9 },
    { 1.25, 0.5, 5.25, 4.25, 0, 0, 4, 6 },
    { 0.0, 0.0, 7.0, 5.0, 0, 0, 1, 1 },
  };
  const int width = 7, height = 5;
  g_autofree float *pixels = random_floats ((size_t) width * height, 7);

  for (size_t p = 0; p < G_N_ELEMENTS (plans); p++)
    {
      const CsResizePlan *plan = &plans[p];
      const size_t n = (size_t) plan->dest_width * plan->dest_height;
      const double sx = plan->src_width / plan->dest_width;
      const double sy = plan->src_height / plan->dest_height;
      g_autofree float *linear = g_new (float, n);
      g_autofree float *nearest = g_new (float, n);
      Memory m = memory_new (pixels, width, height, 1);
      Memory m2 = memory_new (pixels, width, height, 1);
      GError *error = NULL;

      g_assert_true (cs_resample (width, height, plan, CS_RESAMPLE_BILINEAR, 1, read_memory, &m,
                                  linear, &error));
      g_assert_no_error (error);
      g_assert_true (cs_resample (width, height, plan, CS_RESAMPLE_NEAREST, 1, read_memory, &m2,
                                  nearest, &error));
      g_assert_no_error (error);
      for (int y = 0; y < plan->dest_height; y++)
        for (int x = 0; x < plan->dest_width; x++)
          {
            const double u = plan->src_x + (x + 0.5) * sx, v = plan->src_y + (y + 0.5) * sy;
            const size_t i = (size_t) y * plan->dest_width + x;

            g_assert_cmpfloat_with_epsilon (linear[i], bilinear_at (pixels, width, height, u, v),
                                            1e-6);
            g_assert_cmpfloat (nearest[i], ==, pixel_at (pixels, width, height, (int) floor (u),
                                                         (int) floor (v)));
          }
    }
}

/* ---- Reads and hostile arguments ---- */

static void
test_reads (void)
{
  const int width = 40, height = 300;
  g_autofree float *pixels = random_floats ((size_t) width * height, 11);
  g_autofree float *out = g_new (float, 40 * 50);
  /* Ten rows from the middle, enlarged: Pillow's filter reaches one row
   * past each end. */
  const CsResizePlan crop = { 5.0, 100.0, 30.0, 10.0, 0, 0, 40, 50 };
  /* All of it shrunk: many strips. */
  const CsResizePlan whole = { 0.0, 0.0, 40.0, 300.0, 0, 0, 8, 20 };
  Memory m = memory_new (pixels, width, height, 1);
  GError *error = NULL;

  g_assert_true (cs_resample (width, height, &crop, CS_RESAMPLE_ANTIALIAS, 1, read_memory, &m,
                              out, &error));
  g_assert_no_error (error);
  g_assert_cmpint (m.first_row, ==, 99);
  g_assert_cmpint (m.end_row, ==, 111);
  g_assert_cmpint (m.x, ==, 4);
  g_assert_cmpint (m.columns, ==, 32);

  m = memory_new (pixels, width, height, 1);
  g_assert_true (cs_resample (width, height, &whole, CS_RESAMPLE_ANTIALIAS, 1, read_memory, &m,
                              out, &error));
  g_assert_no_error (error);
  g_assert_cmpint (m.first_row, ==, 0);
  g_assert_cmpint (m.end_row, ==, 300);
  g_assert_cmpint (m.reads, >, 4);

  /* A failed read stops everything and says why. */
  m = memory_new (pixels, width, height, 1);
  m.fail_at_row = 150;
  g_assert_false (cs_resample (width, height, &whole, CS_RESAMPLE_ANTIALIAS, 1, read_memory, &m,
                               out, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_IO);
  g_assert_cmpstr (error->message, ==, "cannot read row 150");
  g_clear_error (&error);
  g_assert_cmpint (m.end_row, <, height);
}

static void
test_bad_arguments (void)
{
  static const CsResizePlan good = { 0.0, 0.0, 10.0, 10.0, 0, 0, 4, 4 };
  static const CsResizePlan bad[] = {
    { 0.0, 0.0, 10.0, 10.0, 0, 0, 0, 4 },
    { 0.0, 0.0, 10.0, 10.0, 0, 0, 4, -1 },
    { 0.0, 0.0, 10.0, 10.0, 0, 0, 16385, 4 },
    { 0.0, 0.0, 0.0, 10.0, 0, 0, 4, 4 },
    { 0.0, 0.0, 10.0, -2.0, 0, 0, 4, 4 },
    { NAN, 0.0, 10.0, 10.0, 0, 0, 4, 4 },
    { 0.0, 0.0, INFINITY, 10.0, 0, 0, 4, 4 },
    { -0.5, 0.0, 10.0, 10.0, 0, 0, 4, 4 },
    { 0.5, 0.0, 10.0, 10.0, 0, 0, 4, 4 },
    { 0.0, 3.0, 10.0, 7.5, 0, 0, 4, 4 },
  };
  /* Valid, but the vertical filter of a 524288-fold reduction would hold
   * half a million rows of 16384 pixels. */
  static const CsResizePlan huge = { 0.0, 0.0, 524288.0, 524288.0, 0, 0, 16384, 1 };
  float out[4 * 4 * 4];
  Memory m = memory_new (NULL, 10, 10, 1);
  GError *error = NULL;

  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (cs_resample (10, 10, &bad[i], CS_RESAMPLE_ANTIALIAS, 1, read_memory, &m,
                                   out, &error));
      g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
      g_test_message ("%s", error->message);
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);
    }
  g_assert_false (cs_resample (0, 10, &good, CS_RESAMPLE_ANTIALIAS, 1, read_memory, &m, out,
                               &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_resample (10, 524289, &good, CS_RESAMPLE_ANTIALIAS, 1, read_memory, &m,
                               out, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  for (int channels = 0; channels <= 5; channels += 5)
    {
      g_assert_false (cs_resample (10, 10, &good, CS_RESAMPLE_ANTIALIAS, channels, read_memory,
                                   &m, out, &error));
      g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
      g_clear_error (&error);
    }
  g_assert_false (cs_resample (10, 10, &good, (CsResample) 3, 1, read_memory, &m, out, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cs_resample (524288, 524288, &huge, CS_RESAMPLE_ANTIALIAS, 4, read_memory, &m,
                               out, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  /* Nothing was read for any of them. */
  g_assert_cmpint (m.reads, ==, 0);
}

/* ---- The GEGL side ---- */

static char *
shared_image (const char *name)
{
  const char *shared = g_getenv ("CONVSCOPE_SHARED");
  char *path;

  if (shared == NULL)
    return NULL;
  path = g_build_filename (shared, "images", name, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return path;
  g_free (path);
  return NULL;
}

/* @buffer's extent copied into a new buffer of @format (by babl). */
static GeglBuffer *
converted (GeglBuffer *buffer, const Babl *format)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (buffer);
  GeglBuffer *copy = gegl_buffer_new (extent, format);

  gegl_buffer_copy (buffer, NULL, GEGL_ABYSS_NONE, copy, NULL);
  return copy;
}

/* 255 × @pixels (R, G, B of 224×224 R'G'B'A float) against Pillow's
 * bytes: the largest and the mean difference. */
static void
against_bytes (const float *pixels, const float *bytes, double *largest, double *mean)
{
  const size_t n = 224 * 224;
  double sum = 0.0;

  *largest = 0.0;
  for (size_t i = 0; i < n; i++)
    for (int c = 0; c < 3; c++)
      {
        const double d = fabs (255.0 * pixels[i * 4 + c] - bytes[i * 3 + c]);

        *largest = MAX (*largest, d);
        sum += d;
      }
  *mean = sum / (3 * n);
}

static void
test_photos (void)
{
  static const char *const photos[] = { "grace_hopper.bmp", "parrot.jpg" };
  g_autofree char *dir = fixture_dir ();
  int checked = 0;

  if (dir == NULL)
    return;
  for (size_t p = 0; p < G_N_ELEMENTS (photos); p++)
    {
      g_autofree char *path = shared_image (photos[p]);
      g_autofree char *fixture = g_strconcat (photos[p], ".224.npy", NULL);
      g_autofree char *fixture_path = g_build_filename (dir, fixture, NULL);
      g_autofree float *pixels = g_new (float, 224 * 224 * 4);
      g_autofree float *from_bytes = g_new (float, 224 * 224 * 4);
      g_autoptr (GeglBuffer) buffer = NULL;
      g_autoptr (GeglBuffer) bytes = NULL;
      CsTensor want = { 0 };
      CsResizePlan plan;
      GError *error = NULL;
      double largest, mean;

      if (path == NULL || !g_file_test (fixture_path, G_FILE_TEST_IS_REGULAR))
        continue;
      load_npy (dir, photos[p], ".224.npy", &want);
      g_assert_cmpint (cs_shape_numel (&want.shape), ==, 224 * 224 * 3);
      buffer = cli_image_load (path, &error);
      g_assert_no_error (error);
      plan = (CsResizePlan) { 0.0, 0.0, gegl_buffer_get_extent (buffer)->width,
                              gegl_buffer_get_extent (buffer)->height, 0, 0, 224, 224 };
      g_assert_true (cs_pixels_resample (buffer, NULL, &plan, CS_RESAMPLE_ANTIALIAS, pixels,
                                         &error));
      g_assert_no_error (error);
      against_bytes (pixels, want.data, &largest, &mean);
      g_test_message ("%s: largest difference from Pillow %.3f levels, mean %.3f", photos[p],
                      largest, mean);
      /* Pillow rounds to bytes after each pass, with 22-bit weights. */
      g_assert_cmpfloat (largest, <=, 1.0 + 1e-3);
      g_assert_cmpfloat (mean, <=, 0.35);

      /* The same image as GIMP keeps it, 8-bit: the same floats. */
      bytes = converted (buffer, babl_format ("R'G'B' u8"));
      g_assert_true (cs_pixels_resample (bytes, NULL, &plan, CS_RESAMPLE_ANTIALIAS, from_bytes,
                                         &error));
      g_assert_no_error (error);
      g_assert_cmpmem (pixels, 224 * 224 * 4 * sizeof (float),
                       from_bytes, 224 * 224 * 4 * sizeof (float));
      cli_tensor_clear (&want);
      checked++;
    }
  if (checked == 0)
    g_test_skip ("needs the photos of ../shared (CONVSCOPE_SHARED) and their fixtures");
}

/* Random 8-bit R'G'B'A with a quarter of it transparent. */
static guint8 *
random_bytes (size_t n_pixels, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  guint8 *bytes = g_new (guint8, n_pixels * 4);

  for (size_t i = 0; i < n_pixels * 4; i++)
    bytes[i] = (guint8) g_rand_int_range (rand, 0, 256);
  for (size_t i = 0; i < n_pixels; i++)
    if (bytes[i * 4 + 3] < 64)
      bytes[i * 4 + 3] = 0;
  return bytes;
}

/* The @roi of an image @width RGBA pixels wide into @region, rows packed. */
static void
copy_region (const float *pixels, int width, const GeglRectangle *roi, float *region)
{
  for (int y = 0; y < roi->height; y++)
    memcpy (region + (size_t) y * roi->width * 4,
            pixels + ((size_t) (roi->y + y) * width + roi->x) * 4,
            (size_t) roi->width * 4 * sizeof (float));
}

static void
test_formats_and_regions (void)
{
  const int width = 61, height = 47;
  const GeglRectangle extent = { 0, 0, width, height };
  /* A region off the origin; the plan is relative to its corner. */
  const GeglRectangle roi = { 13, 7, 40, 33 };
  const CsResizePlan plan = { 2.5, 1.25, 35.0, 30.5, 0, 0, 17, 12 };
  const size_t n_out = 17 * 12 * 4;
  g_autofree guint8 *bytes = random_bytes ((size_t) width * height, 3);
  g_autofree float *floats = g_new (float, (size_t) width * height * 4);
  g_autofree float *region = g_new (float, (size_t) roi.width * roi.height * 4);
  g_autofree float *want = g_new (float, n_out);
  g_autofree float *got = g_new (float, n_out);
  g_autoptr (GeglBuffer) rgba = gegl_buffer_new (&extent, babl_format ("R'G'B'A u8"));
  g_autoptr (GeglBuffer) as_floats = gegl_buffer_new (&extent, babl_format ("R'G'B'A float"));
  Memory m = memory_new (region, roi.width, roi.height, 4);
  GError *error = NULL;

  for (size_t i = 0; i < (size_t) width * height * 4; i++)
    floats[i] = bytes[i] / 255.0f;
  copy_region (floats, width, &roi, region);
  gegl_buffer_set (rgba, &extent, 0, babl_format ("R'G'B'A u8"), bytes, GEGL_AUTO_ROWSTRIDE);
  gegl_buffer_set (as_floats, &extent, 0, babl_format ("R'G'B'A float"), floats,
                   GEGL_AUTO_ROWSTRIDE);

  /* The core on the region's floats is what GEGL's reading feeds it,
   * whether the buffer holds bytes (widened here) or floats (read by
   * babl). */
  g_assert_true (cs_resample (roi.width, roi.height, &plan, CS_RESAMPLE_ANTIALIAS, 4,
                              read_memory, &m, want, &error));
  g_assert_no_error (error);
  g_assert_true (cs_pixels_resample (rgba, &roi, &plan, CS_RESAMPLE_ANTIALIAS, got, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (got, n_out * sizeof (float), want, n_out * sizeof (float));
  g_assert_true (cs_pixels_resample (as_floats, &roi, &plan, CS_RESAMPLE_ANTIALIAS, got,
                                     &error));
  g_assert_no_error (error);
  g_assert_cmpmem (got, n_out * sizeof (float), want, n_out * sizeof (float));
  /* Transparent results are black, the rest straight alpha. */
  for (size_t i = 0; i < n_out; i += 4)
    if (got[i + 3] == 0.0f)
      g_assert_true (got[i] == 0.0f && got[i + 1] == 0.0f && got[i + 2] == 0.0f);

  /* Gray with alpha, 8-bit: the gray in R, G and B. */
  {
    g_autoptr (GeglBuffer) gray = gegl_buffer_new (&extent, babl_format ("Y'A u8"));
    g_autofree guint8 *gray_bytes = g_new (guint8, (size_t) width * height * 2);

    for (size_t i = 0; i < (size_t) width * height; i++)
      {
        gray_bytes[i * 2] = bytes[i * 4];
        gray_bytes[i * 2 + 1] = bytes[i * 4 + 3];
        floats[i * 4 + 1] = floats[i * 4 + 2] = floats[i * 4];
      }
    gegl_buffer_set (gray, &extent, 0, babl_format ("Y'A u8"), gray_bytes, GEGL_AUTO_ROWSTRIDE);
    gegl_buffer_set (as_floats, &extent, 0, babl_format ("R'G'B'A float"), floats,
                     GEGL_AUTO_ROWSTRIDE);
    g_assert_true (cs_pixels_resample (as_floats, &roi, &plan, CS_RESAMPLE_ANTIALIAS, want,
                                       &error));
    g_assert_no_error (error);
    g_assert_true (cs_pixels_resample (gray, &roi, &plan, CS_RESAMPLE_ANTIALIAS, got, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (got, n_out * sizeof (float), want, n_out * sizeof (float));
  }

  /* A plan reaching out of the region is refused. */
  {
    const CsResizePlan outside = { 10.0, 0.0, 31.0, 30.0, 0, 0, 17, 12 };

    g_assert_false (cs_pixels_resample (rgba, &roi, &outside, CS_RESAMPLE_ANTIALIAS, got,
                                        &error));
    g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
    g_clear_error (&error);
  }
}

/* A smooth image: waves hundreds of pixels long in each channel, on
 * which the two-step reduction and the exact filter nearly agree, but
 * which a grid misplaced by a fraction of a level pixel would shift. */
static float
wave (int x, int y, int c)
{
  return 0.5f + 0.4f * (float) sin (0.004 * x * (c + 1) + 0.006 * y + c);
}

static void
test_mipmap_reduction (void)
{
  const int width = 1030, height = 777;
  const GeglRectangle extent = { 0, 0, width, height };
  /* An odd corner, so the mipmap grid does not line up with it. */
  const GeglRectangle roi = { 3, 5, 1021, 765 };
  const CsResizePlan plan = { 0.0, 0.0, 1021.0, 765.0, 0, 0, 32, 24 };
  const size_t n_out = 32 * 24 * 4;
  g_autofree float *pixels = g_new (float, (size_t) width * height * 4);
  g_autofree float *region = g_new (float, (size_t) roi.width * roi.height * 4);
  g_autofree float *want = g_new (float, n_out);
  g_autofree float *got = g_new (float, n_out);
  g_autoptr (GeglBuffer) buffer = gegl_buffer_new (&extent, babl_format ("R'G'B'A float"));
  Memory m = memory_new (region, roi.width, roi.height, 4);
  GError *error = NULL;
  double largest = 0.0;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      for (int c = 0; c < 4; c++)
        pixels[((size_t) y * width + x) * 4 + c] = c == 3 ? 1.0f : wave (x, y, c);
  copy_region (pixels, width, &roi, region);
  gegl_buffer_set (buffer, &extent, 0, babl_format ("R'G'B'A float"), pixels,
                   GEGL_AUTO_ROWSTRIDE);

  /* Read at 1/16 from GEGL's mipmaps, then filtered: close to the exact
   * filter over every pixel, on a smooth image. */
  g_assert_true (cs_resample (roi.width, roi.height, &plan, CS_RESAMPLE_ANTIALIAS, 4,
                              read_memory, &m, want, &error));
  g_assert_no_error (error);
  g_assert_true (cs_pixels_resample (buffer, &roi, &plan, CS_RESAMPLE_ANTIALIAS, got, &error));
  g_assert_no_error (error);
  for (size_t i = 0; i < n_out; i++)
    largest = MAX (largest, fabs ((double) got[i] - want[i]));
  g_test_message ("mipmap reduction: largest difference %g", largest);
  g_assert_cmpfloat (largest, <=, 0.01);
  /* Not the same computation, though. */
  g_assert_cmpfloat (largest, >, 0.0);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  cs_pixels_init ();
  g_test_add_func ("/resample/pillow", test_pillow);
  g_test_add_func ("/resample/point-sampling", test_point_sampling);
  g_test_add_func ("/resample/reads", test_reads);
  g_test_add_func ("/resample/bad-arguments", test_bad_arguments);
  g_test_add_func ("/resample/pixels/photos", test_photos);
  g_test_add_func ("/resample/pixels/formats-and-regions", test_formats_and_regions);
  g_test_add_func ("/resample/pixels/mipmap-reduction", test_mipmap_reduction);
  status = g_test_run ();
  cs_pixels_exit ();
  return status;
}
