/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * heatmap.c — plug-in-convscope-heatmap: where the network looked for a
 * class (Grad-CAM, CAM, saliency or occlusion, cs-explain.h), painted
 * over the region it read as a layer in a group named after the class,
 * as a layer mask, as a selection or as a new image.  The map is brought
 * to the region's size by the core (cs_heatmap_rows) strip by strip, so
 * a huge image never needs a full-size copy.
 */
#include <string.h>

#include "network.h"
#include "procedures.h"

/* The floats of one strip of the heat map at the region's size. */
#define STRIP_BYTES (1 << 20)

typedef enum
{
  CSP_HEAT_LAYER,
  CSP_HEAT_MASK,
  CSP_HEAT_SELECTION,
  CSP_HEAT_IMAGE
} CspHeatOutput;

/* How the heat in [0, 1] becomes pixels. */
typedef enum
{
  PAINT_COLOUR, /* through the colour map, RGB or grey bytes */
  PAINT_VALUE,  /* the heat itself, a grey */
  PAINT_ABOVE   /* 1 where the heat reaches the threshold, else 0 */
} PaintKind;

typedef struct
{
  CsExplainMethod method;
  char           *layer; /* NULL for the default */
  int             klass; /* −1: the most probable */
  char           *label; /* NULL or empty: by klass */
  CsColormap      colormap;
  double          opacity;
  gboolean        use_selection;
  CspHeatOutput   output;
  double          threshold;
} HeatOptions;

/* The heat map at the region's size, ready to paint. */
typedef struct
{
  float       *display; /* the input tensor's size, in [0, 1] */
  int          display_width, display_height;
  CsResizePlan plan; /* the region into the input tensor */
  int          width, height;
} Heat;

static const char *
method_title (CsExplainMethod method)
{
  switch (method)
    {
    case CS_EXPLAIN_CAM:
      return _("CAM");
    case CS_EXPLAIN_SALIENCY:
      return _("Saliency");
    case CS_EXPLAIN_OCCLUSION:
      return _("Occlusion");
    case CS_EXPLAIN_GRADCAM:
    default:
      return _("Grad-CAM");
    }
}

/* Paints @heat into @buffer with its corner at (@x, @y), strip by strip;
 * @is_gray picks grey bytes for PAINT_COLOUR. */
static void
paint_heat (const Heat *heat,
            GeglBuffer *buffer,
            int         x,
            int         y,
            PaintKind   kind,
            CsColormap  colormap,
            gboolean    is_gray,
            double      threshold)
{
  const int    bytes_per_pixel = kind != PAINT_COLOUR ? sizeof (float) : is_gray ? 1 : 3;
  const size_t rowstride = (size_t) heat->width * bytes_per_pixel;
  const int    strip_rows =
      (int) CLAMP (STRIP_BYTES / ((size_t) heat->width * sizeof (float)), 1, (size_t) heat->height);
  const char        *encoding = kind != PAINT_COLOUR ? "Y' float" : is_gray ? "Y' u8" : "R'G'B' u8";
  const Babl        *format = babl_format_with_space (encoding, gegl_buffer_get_format (buffer));
  g_autofree float  *values = g_new (float, (size_t) heat->width * strip_rows);
  g_autofree guint8 *pixels = kind == PAINT_COLOUR ? g_malloc (rowstride * strip_rows) : NULL;

  for (int y0 = 0; y0 < heat->height; y0 += strip_rows)
    {
      const int    rows = MIN (strip_rows, heat->height - y0);
      const size_t n = (size_t) heat->width * rows;

      cs_heatmap_rows (heat->display, heat->display_width, heat->display_height, &heat->plan,
                       heat->width, y0, rows, values);
      if (kind == PAINT_ABOVE)
        for (size_t i = 0; i < n; i++)
          values[i] = values[i] >= threshold ? 1.0f : 0.0f;
      if (kind == PAINT_COLOUR)
        for (size_t i = 0; i < n; i++)
          {
            guint8 rgb[3];

            cs_colormap_rgb (colormap, values[i], rgb);
            memcpy (pixels + i * bytes_per_pixel, rgb, bytes_per_pixel);
          }
      gegl_buffer_set (buffer, GEGL_RECTANGLE (x, y + y0, heat->width, rows), 0, format,
                       kind == PAINT_COLOUR ? (gpointer) pixels : (gpointer) values, rowstride);
    }
}

/* Paints @heat into @drawable at (@x, @y) of it and tells GIMP. */
static void
paint_drawable (const Heat        *heat,
                GimpDrawable      *drawable,
                int                x,
                int                y,
                PaintKind          kind,
                const HeatOptions *options,
                gboolean           is_gray)
{
  GeglBuffer *buffer = gimp_drawable_get_buffer (drawable);

  paint_heat (heat, buffer, x, y, kind, options->colormap, is_gray, options->threshold);
  g_object_unref (buffer);
  gimp_drawable_update (drawable, x, y, heat->width, heat->height);
}

/* What the output asks of @image and @drawable, checked before the
 * network runs, so that nothing is changed when it cannot be done. */
static gboolean
check_output (GimpImage *image, GimpDrawable *drawable, const HeatOptions *options, GError **error)
{
  g_autofree char  *name = gimp_item_get_name (GIMP_ITEM (drawable));
  GimpImageBaseType base = gimp_image_get_base_type (image);

  switch (options->output)
    {
    case CSP_HEAT_LAYER:
      if (base == GIMP_INDEXED)
        {
          g_set_error_literal (error, CS_ERROR, CS_ERROR_ARGUMENT,
                               _("a heat-map layer cannot go into an indexed image; convert "
                                  "it to RGB, or make a new image"));
          return FALSE;
        }
      if (base == GIMP_GRAY && options->colormap != CS_COLORMAP_GRAY)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                       _("the %s colour map needs an RGB image; convert the image to RGB, "
                          "use the gray colour map, or make a new image"),
                       cs_colormap_name (options->colormap));
          return FALSE;
        }
      return TRUE;
    case CSP_HEAT_MASK:
      if (!GIMP_IS_LAYER (drawable))
        {
          g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                       _("'%s' is not a layer, so it cannot take a layer mask"), name);
          return FALSE;
        }
      if (gimp_layer_get_mask (GIMP_LAYER (drawable)) != NULL)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                       _("'%s' has a layer mask already; apply or delete it first"), name);
          return FALSE;
        }
      return TRUE;
    default:
      return TRUE;
    }
}

/* The class @options ask for, checked against the model's classes:
 * the label's, else the number's, else the most probable one; its label
 * and probability through @label and @probability. */
static int
choose_class (const CsClassifier *classifier,
              const CsResult     *result,
              const HeatOptions  *options,
              char              **label,
              double             *probability,
              GError            **error)
{
  const int     n_classes = (int) cs_classifier_n_classes (classifier);
  int           n = 0, chosen = options->klass;
  CsPrediction *ranked;

  if (options->label != NULL && *options->label != '\0')
    {
      const CsLabels *labels = cs_classifier_labels (classifier);
      int             found = -1;

      for (int i = 0; labels != NULL && i < n_classes && found < 0; i++)
        if (g_strcmp0 (cs_labels_lookup (labels, (size_t) i), options->label) == 0)
          found = i;
      if (found < 0)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, _("%s: no class is labelled '%s'"),
                       cs_classifier_model_path (classifier), options->label);
          return -1;
        }
      if (chosen >= 0 && chosen != found)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                       _("class %d and the label '%s' (class %d) name different classes"),
                       chosen, options->label, found);
          return -1;
        }
      chosen = found;
    }
  else if (chosen >= n_classes)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   _("class %d is out of range: %s has %d classes"), chosen,
                   cs_classifier_model_path (classifier), n_classes);
      return -1;
    }
  ranked = cs_classifier_top_k (classifier, result, n_classes, &n);
  if (chosen < 0)
    chosen = ranked[0].index;
  for (int r = 0; r < n; r++)
    if (ranked[r].index == chosen)
      {
        *label = g_strdup (ranked[r].label);
        *probability = ranked[r].probability;
      }
  cs_predictions_free (ranked, n);
  return chosen;
}

static void
report_progress (double done, void *user)
{
  gimp_progress_update (done);
}

/* Runs the network on @roi of @buffer and makes the heat map of the
 * chosen class: into @heat, with the class's label and probability. */
static gboolean
compute_heat (CspNetwork          *network,
              GeglBuffer          *buffer,
              const GeglRectangle *roi,
              const HeatOptions   *options,
              Heat                *heat,
              char               **label,
              double              *probability,
              GError             **error)
{
  const CsClassifier *classifier = csp_network_classifier (network);
  const CsCard       *card = cs_classifier_card (classifier);
  CsExplainOptions    explain = { .method = options->method, .layer = options->layer };
  g_autoptr (CsSession) session = NULL;
  g_autoptr (CsExplanation) explanation = NULL;
  g_autoptr (CsResult) result = NULL;

  if ((result = csp_network_run_taps (network, buffer, roi, NULL, error)) == NULL
      || (explain.element = choose_class (classifier, result, options, label, probability, error))
             < 0
      || !cs_resize_plan (card, roi->width, roi->height, &heat->plan, error)
      || (session = cs_session_new (cs_classifier_model (classifier), 0, error)) == NULL)
    return FALSE;
  cs_explain_card_fill (card, explain.fill);
  if (options->method == CS_EXPLAIN_OCCLUSION)
    {
      explain.progress = report_progress;
      gimp_progress_init (_("Occluding patches"));
    }
  if (!cs_explain (session, csp_network_input (network), &explain, &explanation, error))
    return FALSE;
  heat->display_width = card->width;
  heat->display_height = card->height;
  heat->width = roi->width;
  heat->height = roi->height;
  return (heat->display = cs_heatmap_display (&explanation->map, card->width, card->height, error))
         != NULL;
}

/* A layer of the heat map's size named after the method, in @parent of
 * @image or at its top. */
static GimpLayer *
heat_layer_new (GimpImage         *image,
                GimpLayer         *parent,
                const Heat        *heat,
                const HeatOptions *options,
                double             opacity)
{
  const gboolean is_gray = gimp_image_get_base_type (image) == GIMP_GRAY;
  GimpLayer     *layer =
      gimp_layer_new (image, method_title (options->method), heat->width, heat->height,
                      is_gray ? GIMP_GRAY_IMAGE : GIMP_RGB_IMAGE, opacity, GIMP_LAYER_MODE_NORMAL);

  gimp_image_insert_layer (image, layer, parent, 0);
  paint_drawable (heat, GIMP_DRAWABLE (layer), 0, 0, PAINT_COLOUR, options, is_gray);
  return layer;
}

/* Puts @heat where the options say; returns the item made. */
static GimpItem *
output_heat (GimpImage           *image,
             GimpDrawable        *drawable,
             const GeglRectangle *roi,
             const Heat          *heat,
             const HeatOptions   *options,
             const char          *label,
             GimpImage          **new_image)
{
  GimpItem *made = NULL;
  int       x, y;

  gimp_drawable_get_offsets (drawable, &x, &y);
  *new_image = NULL;
  if (options->output == CSP_HEAT_IMAGE)
    {
      GimpImage *canvas =
          gimp_image_new (heat->width, heat->height,
                          options->colormap == CS_COLORMAP_GRAY ? GIMP_GRAY : GIMP_RGB);

      gimp_image_undo_disable (canvas);
      made = GIMP_ITEM (heat_layer_new (canvas, NULL, heat, options, 100.0));
      gimp_item_set_name (made, label);
      gimp_image_undo_enable (canvas);
      *new_image = canvas;
      return made;
    }

  gimp_image_undo_group_start (image);
  switch (options->output)
    {
    case CSP_HEAT_LAYER:
      {
        GimpLayer *group = GIMP_LAYER (gimp_group_layer_new (image, label));

        gimp_image_insert_layer (image, group, NULL, 0);
        made = GIMP_ITEM (heat_layer_new (image, group, heat, options, options->opacity));
        gimp_layer_set_offsets (GIMP_LAYER (made), x + roi->x, y + roi->y);
      }
      break;
    case CSP_HEAT_MASK:
      {
        GimpLayerMask *mask = gimp_layer_create_mask (GIMP_LAYER (drawable), GIMP_ADD_MASK_BLACK);

        gimp_layer_add_mask (GIMP_LAYER (drawable), mask);
        paint_drawable (heat, GIMP_DRAWABLE (mask), roi->x, roi->y, PAINT_VALUE, options, TRUE);
        made = GIMP_ITEM (mask);
      }
      break;
    case CSP_HEAT_SELECTION:
      {
        GeglColor   *black = gegl_color_new ("black");
        GimpChannel *channel = gimp_channel_new (image, label, gimp_image_get_width (image),
                                                 gimp_image_get_height (image), 100.0, black);

        g_object_unref (black);

        /* Drawn into a channel of its own, since GIMP records a change of
         * the selection for undo only through its own procedures. */
        gimp_image_insert_channel (image, channel, NULL, 0);
        paint_drawable (heat, GIMP_DRAWABLE (channel), x + roi->x, y + roi->y, PAINT_ABOVE, options,
                        TRUE);
        gimp_image_select_item (image, GIMP_CHANNEL_OP_REPLACE, GIMP_ITEM (channel));
        gimp_image_remove_channel (image, channel);
        made = GIMP_ITEM (gimp_image_get_selection (image));
      }
      break;
    default:
      break;
    }
  gimp_image_undo_group_end (image);
  return made;
}

static void
options_from_config (GimpProcedureConfig *config, HeatOptions *options)
{
  g_object_get (config, "class", &options->klass, "label", &options->label, "layer",
                &options->layer, "opacity", &options->opacity, "use-selection",
                &options->use_selection, "threshold", &options->threshold, NULL);
  options->method = gimp_procedure_config_get_choice_id (config, "method");
  options->colormap = gimp_procedure_config_get_choice_id (config, "colormap");
  options->output = gimp_procedure_config_get_choice_id (config, "output");
  if (options->layer != NULL && *options->layer == '\0')
    g_clear_pointer (&options->layer, g_free);
}

static GimpValueArray *
heatmap_run (GimpProcedure       *procedure,
             GimpRunMode          run_mode,
             GimpImage           *image,
             GimpDrawable       **drawables,
             GimpProcedureConfig *config,
             gpointer             run_data)
{
  g_autoptr (GFile) model_file = NULL;
  g_autoptr (GeglBuffer) buffer = NULL;
  g_autofree char *label = NULL;
  HeatOptions      options = { 0 };
  Heat             heat = { NULL };
  CspNetwork      *network = NULL;
  GimpValueArray  *values;
  GimpImage       *new_image;
  GimpItem        *made;
  GError          *error = NULL;
  GeglRectangle    roi;
  double           probability = 0.0;

  if ((values = csp_check_one_drawable (procedure, drawables)) != NULL)
    return values;
  if (run_mode == GIMP_RUN_INTERACTIVE
      && !csp_procedure_dialog (procedure, config, _("Convscope heat map"),
                                (const char *const[]){ "class", "label", "method", "layer",
                                                       "colormap", "opacity", "output", "threshold",
                                                       "use-selection", NULL }))
    return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL, NULL);

  g_object_get (config, "model", &model_file, NULL);
  options_from_config (config, &options);
  buffer = gimp_drawable_get_buffer (drawables[0]);
  if (!check_output (image, drawables[0], &options, &error)
      || !csp_drawable_region (drawables[0], options.use_selection, &roi, &error)
      || (network = csp_network_new (model_file, &error)) == NULL
      || !compute_heat (network, buffer, &roi, &options, &heat, &label, &probability, &error))
    values = csp_procedure_fail (procedure, error);
  else
    {
      if (run_mode == GIMP_RUN_INTERACTIVE)
        csp_network_show_note_once (network);
      made = output_heat (image, drawables[0], &roi, &heat, &options, label, &new_image);
      if (run_mode == GIMP_RUN_INTERACTIVE && new_image != NULL)
        gimp_display_new (new_image);
      else if (run_mode == GIMP_RUN_INTERACTIVE)
        gimp_displays_flush ();
      values = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
      GIMP_VALUES_SET_ITEM (values, 1, made);
      GIMP_VALUES_SET_STRING (values, 2, label);
      GIMP_VALUES_SET_DOUBLE (values, 3, probability);
    }
  g_free (heat.display);
  g_free (options.label);
  g_free (options.layer);
  csp_network_free (network);
  return values;
}

GimpProcedure *
csp_heatmap_procedure_new (GimpPlugIn *plug_in)
{
  GimpProcedure *procedure =
      gimp_image_procedure_new (plug_in, CSP_HEATMAP_PROC, GIMP_PDB_PROC_TYPE_PLUGIN, heatmap_run,
                                NULL, NULL);

  gimp_procedure_set_image_types (procedure, "*");
  gimp_procedure_set_sensitivity_mask (procedure, GIMP_PROCEDURE_SENSITIVE_DRAWABLE);
  gimp_procedure_set_menu_label (procedure, _("_Heat Map…"));
  gimp_procedure_add_menu_path (procedure, "<Image>/Filters/Convscope");
  gimp_procedure_set_documentation (
      procedure, _("Show where a neural network looked for a class"),
      _("Runs the network on the drawable, or on the bounding box of the selection "
         "within it, and makes the heat map of one class: Grad-CAM (a layer's channels "
         "weighed by the mean gradient of the class score), CAM (the weights of a "
         "global-average-pool and dense head), saliency (the largest input gradient over "
         "the channels) or occlusion (how the score drops when mid-grey patches cover "
         "the input).  The map is brought to the region's size bilinearly and scaled so "
         "that its hottest point is 1.  It becomes a layer over the region, in a layer "
         "group named after the class; a layer mask on the drawable (the heat as its "
         "grey); the selection of the pixels whose heat reaches the threshold; or a new "
         "image.  Changes to the image are one undo step.  Returns the item made (the "
         "layer, the mask, the selection, or the new image's layer), the class's label "
         "and its probability.  On any failure (a class out of range or an unknown "
         "label, a layer without spatial extent, an op without a gradient) the image is "
         "left unchanged."),
      CSP_HEATMAP_PROC);
  csp_procedure_add_common (procedure);
  gimp_procedure_add_int_argument (procedure, "class", _("C_lass"),
                                   _("The class to explain, by its number in the model's "
                                      "output; -1 for the most probable"),
                                   -1, G_MAXINT32, -1, G_PARAM_READWRITE);
  gimp_procedure_add_string_argument (procedure, "label", _("Class la_bel"),
                                      _("The class to explain, by its label (takes the place "
                                         "of the class number; empty: by the number)"),
                                      "", G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (procedure, "method", _("_Method"),
                                      _("How the heat map is computed"),
                                      gimp_choice_new_with_values ("gradcam", CS_EXPLAIN_GRADCAM,
                                                                   _("Grad-CAM"), NULL, "cam",
                                                                   CS_EXPLAIN_CAM, _("CAM"), NULL,
                                                                   "saliency", CS_EXPLAIN_SALIENCY,
                                                                   _("Saliency"), NULL,
                                                                   "occlusion",
                                                                   CS_EXPLAIN_OCCLUSION,
                                                                   _("Occlusion"), NULL, NULL),
                                      "gradcam", G_PARAM_READWRITE);
  gimp_procedure_add_string_argument (procedure, "layer", _("La_yer"),
                                      _("The network layer Grad-CAM and CAM explain, as "
                                         "`convscope info` names it; empty: the last one with "
                                         "spatial extent"),
                                      "", G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (
      procedure, "colormap", _("_Colour map"), _("How heat becomes colours"),
      gimp_choice_new_with_values ("gray", CS_COLORMAP_GRAY, _("Gray"), NULL, "viridis",
                                   CS_COLORMAP_VIRIDIS, _("Viridis"), NULL, "diverging",
                                   CS_COLORMAP_DIVERGING,
                                   _("Diverging: blue for none, red for the most"), NULL, NULL),
      "viridis", G_PARAM_READWRITE);
  gimp_procedure_add_double_argument (procedure, "opacity", _("O_pacity"),
                                      _("The heat-map layer's opacity, in percent"), 0.0, 100.0,
                                      50.0, G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (
      procedure, "output", _("_Output"), _("Where the heat map goes"),
      gimp_choice_new_with_values ("layer", CSP_HEAT_LAYER,
                                   _("A layer in a group named after the class"), NULL, "mask",
                                   CSP_HEAT_MASK, _("A layer mask on the drawable"), NULL,
                                   "selection", CSP_HEAT_SELECTION,
                                   _("The selection, where the heat reaches the "
                                      "threshold"),
                                   NULL, "image", CSP_HEAT_IMAGE, _("A new image"), NULL, NULL),
      "layer", G_PARAM_READWRITE);
  gimp_procedure_add_double_argument (procedure, "threshold", _("_Threshold"),
                                      _("Output selection: the heat, from 0 to 1, that a pixel "
                                         "needs to be selected"),
                                      0.0, 1.0, 0.5, G_PARAM_READWRITE);
  csp_procedure_add_use_selection (procedure,
                                   _("Run the network on the selection's bounding box in "
                                      "the drawable rather than the whole drawable"));
  gimp_procedure_add_item_return_value (procedure, "item", _("Item"),
                                        _("The item made: the layer, the layer mask, the "
                                           "selection or the new image's layer"),
                                        FALSE, G_PARAM_READWRITE);
  gimp_procedure_add_string_return_value (procedure, "label", _("Label"), _("The class's label"),
                                          NULL, G_PARAM_READWRITE);
  gimp_procedure_add_double_return_value (procedure, "score", _("Score"),
                                          _("The class's probability in [0, 1]"), 0.0, 1.0, 0.0,
                                          G_PARAM_READWRITE);
  return procedure;
}
