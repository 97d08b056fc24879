/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * segment.c — `convscope segment`: run a semantic segmentation network
 * on image files, print the classes each one shows with their shares of
 * the pixels, and write label images (8-bit palette PNGs).
 *
 * The segmenter is the core's (cs-segmenter.h): it runs the network up
 * to its low-resolution class scores and labels the image at its own
 * size, a strip of rows at a time, so a large photo costs a strip of
 * labels here, never a full-size score tensor.  This file parses the
 * options, counts, and words what it prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cs-pixels.h"
#include "image.h"
#include "label-png.h"

/* Rows labelled at a time. */
#define STRIP_ROWS 64

typedef struct
{
  CsSegmenter *segmenter;
  CsTensor    *input;
  double       threshold;
  /* Classes --classes keeps (all when it is not given). */
  gboolean kept[256];
} Segment;

/* What one image shows: pixels per label, CS_SEGMENT_NONE included. */
typedef struct
{
  const char *path;
  int         width, height;
  guint64     pixels[256];
  char       *mask; /* the label image written, or NULL */
} Counts;

/* --classes "a,b": the classes to keep, checked against the labels. */
static gboolean
choose_classes (Segment *s, const char *text, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autofree int *indices = NULL;

  for (size_t i = 0; parts[i] != NULL; i++)
    if (*g_strstrip (parts[i]) != '\0')
      g_ptr_array_add (names, parts[i]);
  if (names->len == 0)
    {
      cli_usage_error (error, _ ("--classes takes class names separated by commas"));
      return FALSE;
    }
  g_ptr_array_add (names, NULL);
  indices = g_new (int, names->len);
  if (!cs_labels_find (cs_segmenter_labels (s->segmenter),
                       (size_t) cs_segmenter_n_classes (s->segmenter),
                       (const char *const *) names->pdata, indices, error))
    return FALSE;
  for (guint i = 0; i + 1 < names->len; i++)
    s->kept[indices[i]] = TRUE;
  return TRUE;
}

/* Where the label image of @image goes: @out itself for one image, else
 * IMAGE-NAME.png in the directory @out. */
static char *
mask_path (const char *out, const char *image, int n_images)
{
  g_autofree char *base = NULL;
  char            *dot;

  if (n_images == 1 && !g_file_test (out, G_FILE_TEST_IS_DIR))
    return g_strdup (out);
  base = g_path_get_basename (image);
  if ((dot = strrchr (base, '.')) != NULL && dot != base)
    *dot = '\0';
  return g_strconcat (out, G_DIR_SEPARATOR_S, base, ".png", NULL);
}

/* Labels the image in strips, counting them and writing them to
 * @mask_path when it is not NULL. */
static gboolean
label_image (Segment              *s,
             const CsSegmentation *segmentation,
             const CsResizePlan   *plan,
             Counts               *counts,
             const char           *mask,
             GError              **error)
{
  const size_t       width = (size_t) counts->width;
  g_autofree guint8 *labels = g_new (guint8, width * STRIP_ROWS);
  LabelPng          *png = NULL;

  if (mask != NULL && (png = label_png_open (mask, counts->width, counts->height, error)) == NULL)
    return FALSE;
  for (int y = 0; y < counts->height; y += STRIP_ROWS)
    {
      int n_rows = MIN (STRIP_ROWS, counts->height - y);

      if (!cs_segmentation_labels (segmentation, plan, counts->width, counts->height, y, n_rows,
                                   s->threshold, labels, error))
        goto failed;
      for (size_t i = 0; i < width * n_rows; i++)
        {
          if (!s->kept[labels[i]])
            labels[i] = CS_SEGMENT_NONE;
          counts->pixels[labels[i]]++;
        }
      if (png != NULL && !label_png_rows (png, labels, n_rows, error))
        goto failed;
    }
  return png == NULL || label_png_finish (png, TRUE, error);

failed:
  if (png != NULL)
    label_png_finish (png, FALSE, NULL);
  return FALSE;
}

static gboolean
segment_image (Segment *s, const char *path, const char *mask, Counts *counts, GError **error)
{
  const CsCard *card = cs_segmenter_card (s->segmenter);
  g_autoptr (CsSegmentation) segmentation = NULL;
  CsResizePlan plan;

  /* The decoded image goes before labelling: only its size is needed. */
  {
    g_autoptr (GeglBuffer) buffer = cli_image_load (path, error);

    if (buffer == NULL)
      return FALSE;
    counts->width = gegl_buffer_get_width (buffer);
    counts->height = gegl_buffer_get_height (buffer);
    if (!cs_pixels_to_tensor (buffer, NULL, card, s->input, error))
      {
        g_prefix_error (error, "%s: ", path);
        return FALSE;
      }
  }
  if (!cs_segmenter_run (s->segmenter, s->input, &segmentation, error)
      || !cs_resize_plan (card, counts->width, counts->height, &plan, error))
    return FALSE;
  return label_image (s, segmentation, &plan, counts, mask, error);
}

/* Classes by share, the largest first, the lower number among equals. */
static int
compare_shares (const void *a, const void *b, void *user)
{
  const Counts *counts = user;
  int           x = *(const int *) a, y = *(const int *) b;

  if (counts->pixels[x] != counts->pixels[y])
    return counts->pixels[x] > counts->pixels[y] ? -1 : 1;
  return (x > y) - (x < y);
}

/* The classes present, by share; their number in *@n. */
static int *
classes_present (const Counts *counts, int n_classes, int *n)
{
  int *present = g_new (int, MAX (n_classes, 1));

  *n = 0;
  for (int c = 0; c < n_classes; c++)
    if (counts->pixels[c] > 0)
      present[(*n)++] = c;
  g_qsort_with_data (present, *n, sizeof *present, compare_shares, (void *) counts);
  return present;
}

static void
print_counts (const Segment *s, const Counts *counts)
{
  const double     total = (double) counts->width * counts->height;
  g_autofree char *shown = cli_printable (counts->path);
  g_autofree int  *present = NULL;
  int              n;

  present = classes_present (counts, cs_segmenter_n_classes (s->segmenter), &n);
  printf (_ ("%s (%d×%d)\n    share  class  label\n"), shown, counts->width, counts->height);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *name = cs_labels_name (cs_segmenter_labels (s->segmenter), present[i]);
      g_autofree char *label = cli_printable (name);

      printf ("  %5.1f %%  %5d  %s\n", 100.0 * counts->pixels[present[i]] / total, present[i],
              label);
    }
  if (counts->pixels[CS_SEGMENT_NONE] > 0)
    printf (_ ("  %5.1f %%         (no class)\n"), 100.0 * counts->pixels[CS_SEGMENT_NONE] / total);
  if (counts->mask != NULL)
    {
      g_autofree char *mask = cli_printable (counts->mask);

      printf (_ ("  label image: %s\n"), mask);
    }
}

static void
add_counts (JsonBuilder *builder, const Segment *s, const Counts *counts)
{
  const double    total = (double) counts->width * counts->height;
  g_autofree int *present = NULL;
  int             n;

  present = classes_present (counts, cs_segmenter_n_classes (s->segmenter), &n);
  json_builder_begin_object (builder);
  cli_json_add_string (builder, "image", counts->path);
  cli_json_add_int (builder, "width", counts->width);
  cli_json_add_int (builder, "height", counts->height);
  if (counts->mask != NULL)
    cli_json_add_string (builder, "mask", counts->mask);
  else
    {
      json_builder_set_member_name (builder, "mask");
      json_builder_add_null_value (builder);
    }
  json_builder_set_member_name (builder, "classes");
  json_builder_begin_array (builder);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *name = cs_labels_name (cs_segmenter_labels (s->segmenter), present[i]);

      json_builder_begin_object (builder);
      cli_json_add_int (builder, "class", present[i]);
      cli_json_add_string (builder, "label", name);
      cli_json_add_int (builder, "pixels", (int64_t) counts->pixels[present[i]]);
      json_builder_set_member_name (builder, "share");
      json_builder_add_double_value (builder, counts->pixels[present[i]] / total);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  /* Pixels of no class: outside a crop, below the threshold, or of a
   * class --classes left out. */
  json_builder_set_member_name (builder, "none");
  json_builder_add_double_value (builder, counts->pixels[CS_SEGMENT_NONE] / total);
  json_builder_end_object (builder);
}

/* Text is printed as it goes, JSON at the end (so a failure leaves no
 * half document). */
static gboolean
segment_all (Segment    *s,
             char      **images,
             int         n_images,
             const char *out,
             gboolean    json,
             GError    **error)
{
  g_autoptr (JsonBuilder) builder = json ? json_builder_new () : NULL;

  if (json)
    {
      json_builder_begin_object (builder);
      cli_json_add_string (builder, "model", cs_segmenter_model_path (s->segmenter));
      cli_json_add_string (builder, "scores", cs_segmenter_score_layer (s->segmenter));
      json_builder_set_member_name (builder, "images");
      json_builder_begin_array (builder);
    }
  for (int i = 0; i < n_images; i++)
    {
      g_autofree char *mask = out != NULL ? mask_path (out, images[i], n_images) : NULL;
      Counts           counts = { images[i], 0, 0, { 0 }, mask };

      if (!segment_image (s, images[i], mask, &counts, error))
        return FALSE;
      if (json)
        add_counts (builder, s, &counts);
      else
        {
          if (i > 0)
            putchar ('\n');
          print_counts (s, &counts);
        }
    }
  if (json)
    {
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      cli_json_print (builder);
    }
  return TRUE;
}

static gboolean
segment (const char               *model_path,
         const CsSegmenterOptions *options,
         const char               *classes,
         double                    threshold,
         char                    **images,
         int                       n_images,
         const char               *out,
         gboolean                  json,
         GError                  **error)
{
  Segment  s = { NULL, NULL, threshold, { FALSE } };
  gboolean ok = FALSE;

  if ((s.segmenter = cs_segmenter_load (model_path, options, error)) == NULL)
    return FALSE;
  if (cs_segmenter_labels_error (s.segmenter) != NULL)
    cli_warning (_ ("cannot use the labels: %s; showing class numbers"),
                 cs_segmenter_labels_error (s.segmenter)->message);
  for (int c = 0; c < 256; c++)
    s.kept[c] = classes == NULL;
  if ((classes == NULL || choose_classes (&s, classes, error))
      && (s.input = cs_segmenter_input_new (s.segmenter, error)) != NULL)
    {
      cs_pixels_init ();
      ok = segment_all (&s, images, n_images, out, json, error);
      cs_pixels_exit ();
    }
  cs_segmenter_input_free (s.input);
  cs_segmenter_unref (s.segmenter);
  return ok;
}

int
cli_segment (int argc, char **argv)
{
  g_autofree char   *labels_path = NULL;
  g_autofree char   *card_path = NULL;
  g_autofree char   *out = NULL;
  g_autofree char   *classes = NULL;
  double             threshold = 0.0;
  gboolean           json = FALSE;
  const GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      N_ ("Write the label image, an 8-bit palette PNG whose pixel values are the class "
          "numbers (255: no class); with several images, a directory for IMAGE.png each"),
      "FILE" },
    { "classes", 0, 0, G_OPTION_ARG_STRING, &classes,
      N_ ("Keep only these classes, by name, separated by commas; the others count as "
          "no class"),
      "NAMES" },
    { "threshold", 't', 0, G_OPTION_ARG_DOUBLE, &threshold,
      N_ ("Leave pixels whose class is less probable than this without a class "
          "(0 to 1, default 0)"),
      "P" },
    { "card", 'c', 0, G_OPTION_ARG_FILENAME, &card_path,
      N_ ("The model card (default: MODEL.ini beside the model, if any)"), "FILE" },
    { "labels", 'l', 0, G_OPTION_ARG_FILENAME, &labels_path,
      N_ ("Class names, one per line (default: the card's, else the model's own, "
          "else labels.txt beside the model)"),
      "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print the results as JSON"), NULL },
    { NULL }
  };
  CsSegmenterOptions options = { 0 };
  GError            *error = NULL;

  if (!cli_parse_options (&argc, &argv, entries, "MODEL IMAGE…",
                          N_ ("Segment images: the class of every pixel."),
                          N_ ("Prints the classes each image shows, with their shares of "
                              "the pixels, largest\nfirst.  The network's class scores "
                              "are brought to the image's own size\nbilinearly before "
                              "the most probable class is taken, so edges follow the\n"
                              "image.  Images are prepared as the model card says (see "
                              "docs/model-card.md).\n\n"
                              "Example:\n  convscope segment deeplabv3.tflite pets.jpg "
                              "--out pets-labels.png --classes dog,cat"),
                          2, -1, &error))
    return cli_fail (error);
  if (!(threshold >= 0.0 && threshold <= 1.0))
    {
      cli_usage_error (&error, _ ("--threshold must be between 0 and 1, not %g"), threshold);
      return cli_fail (error);
    }
  if (out != NULL && argc > 3 && !g_file_test (out, G_FILE_TEST_IS_DIR))
    {
      cli_usage_error (&error, _ ("with several images, --out must be a directory"));
      return cli_fail (error);
    }
  options.card_path = card_path;
  options.labels_path = labels_path;
  if (!segment (argv[1], &options, classes, threshold, argv + 2, argc - 2, out, json, &error))
    return cli_fail (error);
  return 0;
}
