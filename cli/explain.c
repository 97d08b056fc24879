/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * explain.c — `convscope explain`: where the network looked for a class.
 * On images, the model card prepares each one as `classify` does and the
 * heat map (cs-explain.h) comes back at the image's size, as a picture or
 * numbers, or laid over the image.  On a tensor (--in X.npy) the raw map
 * is written at the layer's own resolution, with the gradient it came
 * from, for comparison with other tools.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "cli.h"
#include "cs-pixels.h"
#include "image.h"
#include "npy.h"
#include "tensor.h"

/* How strongly the heat map covers the image in --overlay. */
#define OVERLAY_OPACITY 0.5f

typedef struct
{
  CsExplainOptions explain;
  char            *method;
  char            *klass; /* a number or a label */
  int              top;
  char            *out;
  char            *overlay;
  char            *grad_out;
  char            *in;
  gboolean         json;
} Options;

static gboolean
parse_method (const char *text, CsExplainMethod *method, GError **error)
{
  static const char *const names[] = { "gradcam", "cam", "saliency", "occlusion" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (text, names[i]) == 0)
      {
        *method = (CsExplainMethod) i;
        return TRUE;
      }
  cli_usage_error (error, _("--method takes gradcam, cam, saliency or occlusion, not '%s'"), text);
  return FALSE;
}

static const char *
method_name (CsExplainMethod method)
{
  static const char *const names[] = { "gradcam", "cam", "saliency", "occlusion" };

  return names[method];
}

/* --class as a class number of output 0 or as one of @labels (may be
 * NULL); -1 with @error when it is neither. */
static int64_t
parse_class (const char *text, const CsLabels *labels, int64_t n_classes, GError **error)
{
  char   *end;
  int64_t index = g_ascii_strtoll (text, &end, 10);

  if (end != text && *end == '\0')
    {
      if (index < 0 || index >= n_classes)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                       _("class %" PRId64 " is out of range: the model has %" PRId64 " classes"),
                       index, n_classes);
          return -1;
        }
      return index;
    }
  for (int64_t i = 0; labels != NULL && i < n_classes; i++)
    if (g_strcmp0 (cs_labels_lookup (labels, (size_t) i), text) == 0)
      return i;
  {
    g_autofree char *shown = cli_printable (text);

    g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, _("no class is labelled '%s'"), shown);
  }
  return -1;
}

static gboolean
has_suffix (const char *path, const char *suffix)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  return g_str_has_suffix (lower, suffix);
}

/* @path for the @n-th of several maps: "heat.png" → "heat-2-281.png". */
static char *
numbered_path (const char *path, gboolean several, int image, int64_t klass)
{
  const char *dot = strrchr (path, '.');
  const char *slash = strrchr (path, '/');

  if (!several)
    return g_strdup (path);
  if (dot == NULL || (slash != NULL && dot < slash))
    dot = path + strlen (path);
  return g_strdup_printf ("%.*s-%d-%" G_GINT64_FORMAT "%s", (int) (dot - path), path, image + 1,
                          klass, dot);
}

/* ---- On a tensor ---- */

static gboolean
explain_tensor (const char *model_path, Options *options, GError **error)
{
  g_autoptr (CsModel) model = cs_model_load_file (model_path, NULL, error);
  g_autoptr (CsSession) session = NULL;
  g_autoptr (CsExplanation) explanation = NULL;
  CsTensor input = { 0 };
  gboolean ok;

  if (model == NULL || (session = cs_session_new (model, 0, error)) == NULL)
    return FALSE;
  if (options->klass == NULL)
    {
      cli_usage_error (error, _("--in needs --class K"));
      return FALSE;
    }
  if (options->out == NULL || !has_suffix (options->out, ".npy"))
    {
      cli_usage_error (error, _("--in needs --out H.npy for the raw map"));
      return FALSE;
    }
  if (options->grad_out != NULL && options->explain.method != CS_EXPLAIN_GRADCAM)
    {
      cli_usage_error (error, _("--grad-out goes with --method gradcam"));
      return FALSE;
    }
  options->explain.element =
      parse_class (options->klass, NULL, cs_shape_numel (&cs_model_output (model, 0)->shape),
                   error);
  if (options->explain.element < 0 || !npy_read_file (options->in, &input, error))
    return FALSE;
  ok = cs_explain (session, &input, &options->explain, &explanation, error)
       && npy_write_file (options->out, &explanation->map, error)
       && (options->grad_out == NULL
           || npy_write_file (options->grad_out, &explanation->grad, error));
  cli_tensor_clear (&input);
  if (!ok)
    return FALSE;
  if (options->json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "class");
      json_builder_add_int_value (builder, options->explain.element);
      json_builder_set_member_name (builder, "score");
      json_builder_add_double_value (builder, explanation->score);
      json_builder_set_member_name (builder, "layer");
      if (explanation->layer != NULL)
        {
          g_autofree char *layer = cli_printable (explanation->layer);

          json_builder_add_string_value (builder, layer);
        }
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "map");
      cli_json_add_shape (builder, &explanation->map.shape);
      json_builder_end_object (builder);
      cli_json_print (builder);
    }
  else
    {
      g_autofree char *shape = cs_shape_to_string (&explanation->map.shape);

      /* TRANSLATORS: "h.npy: gradcam map, 1×8×8, class 3 score 1.25". */
      printf (_("%s: %s map, %s, class %" PRId64 " score %.6g\n"), options->out,
              method_name (options->explain.method), shape, options->explain.element,
              explanation->score);
    }
  return TRUE;
}

/* ---- On images ---- */

/* The heat map in colour, or over @image when it is not NULL. */
static gboolean
save_png (const char  *path,
          const float *heat,
          GdkPixbuf   *image,
          int          width,
          int          height,
          GError     **error)
{
  g_autoptr (GdkPixbuf) picture = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guint8   *pixels = gdk_pixbuf_get_pixels (picture);
  const int stride = gdk_pixbuf_get_rowstride (picture);
  GError   *local = NULL;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 colour[3], *out = pixels + (size_t) y * stride + x * 3;

        cs_colormap_rgb (CS_COLORMAP_VIRIDIS, heat[(size_t) y * width + x], colour);
        for (int c = 0; c < 3; c++)
          {
            if (image == NULL)
              out[c] = colour[c];
            else
              {
                const guint8 *in = gdk_pixbuf_get_pixels (image)
                                   + (size_t) y * gdk_pixbuf_get_rowstride (image)
                                   + x * gdk_pixbuf_get_n_channels (image);

                out[c] = (guint8) (in[c] * (1.0f - OVERLAY_OPACITY) + colour[c] * OVERLAY_OPACITY
                                   + 0.5f);
              }
          }
      }
  if (!gdk_pixbuf_save (picture, path, "png", &local, NULL))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_IO, "%s: cannot write the image: %s", path,
                   local->message);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_heat (const Options *options,
            const float   *heat,
            GdkPixbuf     *image,
            int            width,
            int            height,
            const char    *out,
            const char    *overlay,
            GError       **error)
{
  if (out != NULL)
    {
      CsTensor tensor = { "heat map", CS_DTYPE_FLOAT32, { 2, { height, width } }, (void *) heat };

      if (has_suffix (out, ".npy") ? !npy_write_file (out, &tensor, error)
                                   : !save_png (out, heat, NULL, width, height, error))
        return FALSE;
    }
  return overlay == NULL || save_png (overlay, heat, image, width, height, error);
}

/* The classes to explain: --class, else the --top N most probable. */
static int64_t *
choose_classes (CsClassifier   *c,
                const CsTensor *input,
                const Options  *options,
                int            *n,
                GError        **error)
{
  int64_t *classes;

  if (options->klass != NULL)
    {
      int64_t index = parse_class (options->klass, cs_classifier_labels (c),
                                   (int64_t) cs_classifier_n_classes (c), error);

      if (index < 0)
        return NULL;
      *n = 1;
      classes = g_new (int64_t, 1);
      classes[0] = index;
    }
  else
    {
      g_autoptr (CsResult) result = NULL;
      CsPrediction *top;

      if (!cs_classifier_run (c, input, NULL, &result, error))
        return NULL;
      top = cs_classifier_top_k (c, result, options->top, n);
      classes = g_new (int64_t, *n);
      for (int i = 0; i < *n; i++)
        classes[i] = top[i].index;
      cs_predictions_free (top, *n);
    }
  return classes;
}

static void
report (JsonBuilder         *builder,
        const char          *image,
        int64_t              klass,
        const char          *label,
        const CsExplanation *explanation,
        const Options       *options,
        const char          *out,
        const char          *overlay)
{
  g_autofree char *image_shown = cli_printable (image);
  g_autofree char *label_shown = cli_printable (label);
  g_autofree char *layer_shown =
      explanation->layer != NULL ? cli_printable (explanation->layer) : NULL;

  if (builder == NULL)
    {
      g_autofree char *method = layer_shown != NULL
        /* TRANSLATORS: "gradcam of features.18". */
        ? g_strdup_printf (_("%s of %s"), method_name (options->explain.method), layer_shown)
        : g_strdup (method_name (options->explain.method));

      printf (_("%s\n  class %" PRId64 " (%s), score %.6g, %s\n"), image_shown, klass,
              label_shown, explanation->score, method);
      if (out != NULL)
        printf (_("  heat map: %s\n"), out);
      if (overlay != NULL)
        printf (_("  overlay: %s\n"), overlay);
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "image");
  json_builder_add_string_value (builder, image_shown);
  json_builder_set_member_name (builder, "class");
  json_builder_add_int_value (builder, klass);
  json_builder_set_member_name (builder, "label");
  json_builder_add_string_value (builder, label_shown);
  json_builder_set_member_name (builder, "score");
  json_builder_add_double_value (builder, explanation->score);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, method_name (options->explain.method));
  json_builder_set_member_name (builder, "layer");
  if (layer_shown != NULL)
    json_builder_add_string_value (builder, layer_shown);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "map");
  cli_json_add_shape (builder, &explanation->map.shape);
  json_builder_set_member_name (builder, "out");
  json_builder_add_string_value (builder, out != NULL ? out : "");
  json_builder_set_member_name (builder, "overlay");
  json_builder_add_string_value (builder, overlay != NULL ? overlay : "");
  json_builder_end_object (builder);
}

/* Every class of one image: explained, written, reported. */
static gboolean
explain_image (CsClassifier *c,
               CsSession    *session,
               CsTensor     *input,
               const char   *path,
               int           index,
               gboolean      several_images,
               Options      *options,
               JsonBuilder  *builder,
               GError      **error)
{
  const CsCard *card = cs_classifier_card (c);
  g_autoptr (GdkPixbuf) decoded = NULL;
  g_autoptr (GdkPixbuf) image = NULL;
  g_autofree int64_t *classes = NULL;
  CsResizePlan        plan;
  int                 n_classes = 0, width, height;
  GError             *local = NULL;

  if (!cli_image_to_tensor (path, card, input, error))
    return FALSE;
  if ((decoded = gdk_pixbuf_new_from_file (path, &local)) == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_IO, _("%s: cannot load the image: %s"), path,
                   local->message);
      g_error_free (local);
      return FALSE;
    }
  image = gdk_pixbuf_apply_embedded_orientation (decoded);
  width = gdk_pixbuf_get_width (image);
  height = gdk_pixbuf_get_height (image);
  cs_explain_card_fill (card, options->explain.fill);
  if (!cs_resize_plan (card, width, height, &plan, error)
      || (classes = choose_classes (c, input, options, &n_classes, error)) == NULL)
    return FALSE;

  for (int k = 0; k < n_classes; k++)
    {
      g_autoptr (CsExplanation) explanation = NULL;
      g_autofree float *display = NULL, *heat = NULL;
      g_autofree char  *label = cs_labels_name (cs_classifier_labels (c), (size_t) classes[k]);
      const gboolean    several = several_images || n_classes > 1;
      g_autofree char  *out =
          options->out != NULL ? numbered_path (options->out, several, index, classes[k]) : NULL;
      g_autofree char *overlay = options->overlay != NULL
                                     ? numbered_path (options->overlay, several, index, classes[k])
                                     : NULL;

      options->explain.element = classes[k];
      if (!cs_explain (session, input, &options->explain, &explanation, error)
          || (display = cs_heatmap_display (&explanation->map, card->width, card->height, error))
                 == NULL)
        return FALSE;
      heat = g_new (float, (size_t) width * height);
      cs_heatmap_rows (display, card->width, card->height, &plan, width, 0, height, heat);
      if (!write_heat (options, heat, image, width, height, out, overlay, error))
        return FALSE;
      report (builder, path, classes[k], label, explanation, options, out, overlay);
    }
  return TRUE;
}

static gboolean
explain_images (const char *model_path,
                char      **images,
                int         n_images,
                Options    *options,
                GError    **error)
{
  CsClassifierOptions classifier_options = { .n_threads = 1 };
  g_autoptr (CsClassifier) c = cs_classifier_load (model_path, &classifier_options, error);
  g_autoptr (CsSession) session = NULL;
  g_autoptr (JsonBuilder) builder = options->json ? json_builder_new () : NULL;
  CsTensor *input;
  gboolean  ok = TRUE;

  if (c == NULL || (session = cs_session_new (cs_classifier_model (c), 0, error)) == NULL
      || (input = cs_classifier_input_new (c, error)) == NULL)
    return FALSE;
  if (builder != NULL)
    json_builder_begin_array (builder);
  cs_pixels_init ();
  for (int i = 0; i < n_images && ok; i++)
    ok = explain_image (c, session, input, images[i], i, n_images > 1, options, builder, error);
  cs_pixels_exit ();
  cs_classifier_input_free (input);
  if (ok && builder != NULL)
    {
      json_builder_end_array (builder);
      cli_json_print (builder);
    }
  return ok;
}

int
cli_explain (int argc, char **argv)
{
  Options            options = { .top = 1 };
  g_autofree char   *layer = NULL;
  const GOptionEntry entries[] = {
    { "method", 0, 0, G_OPTION_ARG_STRING, &options.method,
      N_("gradcam (default), cam, saliency or occlusion"), "METHOD" },
    { "layer", 0, 0, G_OPTION_ARG_STRING, &layer,
      N_("The layer Grad-CAM and CAM explain (default: the last one with spatial extent)"), "NAME" },
    { "class", 0, 0, G_OPTION_ARG_STRING, &options.klass,
      N_("The class: its number in the model's first output, or its label"), "K" },
    { "top", 0, 0, G_OPTION_ARG_INT, &options.top,
      N_("Explain the N most probable classes (default 1)"), "N" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &options.out,
      N_("Write the heat map: a picture (.png) or numbers in [0, 1] (.npy), at the image's "
         "size; with --in, the raw map at the layer's size"),
      "HEAT" },
    { "overlay", 0, 0, G_OPTION_ARG_FILENAME, &options.overlay,
      N_("Write the image with the heat map laid over it (.png)"), "OUT" },
    { "in", 0, 0, G_OPTION_ARG_FILENAME, &options.in, N_("Explain this input tensor instead of images"),
      "X.npy" },
    { "grad-out", 0, 0, G_OPTION_ARG_FILENAME, &options.grad_out,
      N_("With --in: write the gradient of the class score with respect to the layer's "
         "output"),
      "G.npy" },
    { "after-softmax", 0, 0, G_OPTION_ARG_NONE, &options.explain.after_softmax,
      N_("Differentiate the probability, not the score before a final softmax"), NULL },
    { "times-input", 0, 0, G_OPTION_ARG_NONE, &options.explain.times_input,
      N_("Saliency: weigh the gradient by the input"), NULL },
    { "patch", 0, 0, G_OPTION_ARG_INT, &options.explain.patch,
      N_("Occlusion: the patch's side in input pixels (default: a third of the input)"), "N" },
    { "stride", 0, 0, G_OPTION_ARG_INT, &options.explain.stride,
      N_("Occlusion: the step between patches (default: half the patch)"), "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &options.json, N_("Print the results as JSON"), NULL },
    { NULL }
  };
  GError  *error = NULL;
  gboolean ok;

  if (!cli_parse_options (&argc, &argv, entries, "MODEL IMAGE… | MODEL --in X.npy",
                          N_("Show where the network looked for a class."),
                          N_("Grad-CAM weighs a layer's channels by the mean gradient of the class "
                            "score;\nCAM reads the weights of a global-average-pool and dense "
                            "head; saliency is\nthe largest input gradient over the channels; "
                            "occlusion blanks patches of\nthe input and measures how the score "
                            "drops.  The score is the one before a\nfinal softmax unless "
                            "--after-softmax.  With several images or classes, the\nfiles are "
                            "numbered: heat.png becomes heat-IMAGE-CLASS.png.\n\n"
                            "Examples:\n  convscope explain mobilenet.tflite parrot.jpg "
                            "--overlay parrot-heat.png\n  convscope explain net.onnx --in x.npy "
                            "--layer conv5 --class 3 --out h.npy --grad-out g.npy"),
                          1, -1, &error))
    return cli_fail (error);
  options.explain.layer = layer;
  if (options.method != NULL && !parse_method (options.method, &options.explain.method, &error))
    ok = FALSE;
  else if (options.top < 1)
    {
      cli_usage_error (&error, _("--top must be at least 1, not %d"), options.top);
      ok = FALSE;
    }
  else if (options.in != NULL && argc != 2)
    {
      cli_usage_error (&error, _("--in takes the model and no image"));
      ok = FALSE;
    }
  else if (options.in == NULL && argc < 3)
    {
      cli_usage_error (&error, _("explain takes MODEL IMAGE… or MODEL --in X.npy; see "
                                 "'convscope explain --help'"));
      ok = FALSE;
    }
  else if (options.in != NULL)
    ok = explain_tensor (argv[1], &options, &error);
  else
    ok = explain_images (argv[1], argv + 2, argc - 2, &options, &error);
  g_free (options.method);
  g_free (options.klass);
  g_free (options.out);
  g_free (options.overlay);
  g_free (options.grad_out);
  g_free (options.in);
  return ok ? 0 : cli_fail (error);
}
