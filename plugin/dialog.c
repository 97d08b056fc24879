/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dialog.c — the interactive dialog of plug-in-convscope-classify: a
 * GimpProcedureDialog with the procedure's arguments (top-k,
 * use-selection, tag-image) above the inspector panel of ui/, which runs
 * the network on the drawable and shows the model, what it sees, its
 * predictions, its layers and their feature maps.  "Export to Layers"
 * and "Tag Image" act on what the panel shows, through the same code as
 * plug-in-convscope-feature-maps and plug-in-convscope-classify; "Export
 * Kernels" makes the selected convolution's learned kernels layers
 * through that export too, one image pixel per weight.  With a
 * segmentation model, "Select" makes the classes ticked in the panel's
 * legend the selection, through plug-in-convscope-segment's own code.
 * "Export Heat Map" runs plug-in-convscope-heatmap on the drawable with
 * the class, method and opacity of the heat map the panel shows.
 */
#include <math.h>

#include <glib/gi18n-lib.h>
#include <libgimp/gimpui.h>

#include "convscope-ui.h"
#include "dialog.h"
#include "feature-maps.h"
#include "network.h"
#include "procedures.h"
#include "segment.h"
#include "tagging.h"

#define DIALOG_WIDTH  1200
#define DIALOG_HEIGHT 760

typedef struct
{
  GimpProcedureConfig *config;
  GimpImage           *image;
  GimpDrawable        *drawable;
  GtkWidget           *dialog;
  CsuiInspector       *inspector;
  GeglRectangle        region;
  GtkWidget           *export_button;
  GtkWidget           *select_button;
  /* The feature-maps procedure's own arguments, for the export's
   * target, layout and scale. */
  GimpProcedureConfig *export_config;
} ClassifyDialog;

/* The longest side of the copy the inspector gets: the network sees a
 * few hundred pixels, and a full copy of a 12000×9000 layer would hold
 * 432 MB for nothing. */
#define SOURCE_MAX_SIDE 2048

/* The inspector's worker reads from another thread, where libgimp's
 * tile requests to GIMP must not happen: it gets the region's pixels
 * copied into memory here, reduced (GEGL reads the mipmap levels) when
 * the region is larger than SOURCE_MAX_SIDE. */
static void
update_source (ClassifyDialog *state)
{
  g_autoptr (GeglBuffer) drawable_buffer = NULL;
  g_autoptr (GeglBuffer) copy = NULL;
  g_autoptr (GError) error = NULL;
  const Babl   *format;
  GeglRectangle reduced;
  double        scale;
  gboolean      use_selection;
  gsize         bytes_per_pixel;
  guchar       *pixels;

  g_object_get (state->config, "use-selection", &use_selection, NULL);
  if (!csp_drawable_region (state->drawable, use_selection, &state->region, &error))
    {
      gimp_message (error->message);
      return;
    }
  drawable_buffer = gimp_drawable_get_buffer (state->drawable);
  format = gegl_buffer_get_format (drawable_buffer);
  scale = MIN (1.0, (double) SOURCE_MAX_SIDE / MAX (state->region.width, state->region.height));
  /* gegl_buffer_get takes the rectangle in the scaled coordinates. */
  reduced = (GeglRectangle) { 0, 0,
                              MAX (1, (int) floor (state->region.width * scale)),
                              MAX (1, (int) floor (state->region.height * scale)) };
  bytes_per_pixel = (gsize) babl_format_get_bytes_per_pixel (format);
  pixels = g_malloc ((gsize) reduced.width * reduced.height * bytes_per_pixel);
  {
    GeglRectangle read = { (int) floor (state->region.x * scale),
                           (int) floor (state->region.y * scale),
                           reduced.width, reduced.height };

    gegl_buffer_get (drawable_buffer, &read, scale, format, pixels, GEGL_AUTO_ROWSTRIDE,
                     GEGL_ABYSS_NONE);
  }
  copy = gegl_buffer_linear_new_from_data (pixels, format, &reduced,
                                           reduced.width * (int) bytes_per_pixel,
                                           (GDestroyNotify) g_free, pixels);
  csui_inspector_set_source (state->inspector, copy, &reduced);
}

static void
use_selection_changed (GObject *config, GParamSpec *pspec, ClassifyDialog *state)
{
  update_source (state);
}

static void
top_k_changed (GObject *config, GParamSpec *pspec, ClassifyDialog *state)
{
  int top_k;

  g_object_get (config, "top-k", &top_k, NULL);
  csui_inspector_set_top_k (state->inspector, top_k);
}

static void
export_clicked (GtkButton *button, ClassifyDialog *state)
{
  CsuiFeatureGrid  *grid = csui_inspector_get_feature_grid (state->inspector);
  const CsResult   *taps = csui_inspector_get_selected_taps (state->inspector);
  CsClassifier     *classifier = csui_inspector_get_classifier (state->inspector);
  CspExportOptions  options = {
    .target = CSP_TARGET_NEW_IMAGE,
    .layout = CSP_LAYOUT_CHANNEL_LAYERS,
    .size = CSP_SIZE_STRETCH,
    .range = csui_feature_grid_get_range (grid),
    .colormap = csui_feature_grid_get_colormap (grid),
    .max_channels = csui_feature_grid_get_cap (grid),
    .region = state->region,
  };
  GimpImage *maps_image = NULL;
  GError    *error = NULL;

  if (taps == NULL || classifier == NULL)
    {
      gimp_message (_("Select a layer with feature maps first."));
      return;
    }
  options.card = cs_classifier_card (classifier);
  if (state->export_config != NULL)
    {
      options.target = gimp_procedure_config_get_choice_id (state->export_config, "target");
      options.layout = gimp_procedure_config_get_choice_id (state->export_config, "layout");
      options.size = gimp_procedure_config_get_choice_id (state->export_config, "scale");
    }
  if (!csp_export_feature_maps (state->image, state->drawable, taps, &options, &maps_image, NULL,
                                &error))
    {
      gimp_message (error->message);
      g_error_free (error);
      return;
    }
  if (maps_image != NULL && maps_image != state->image)
    gimp_display_new (maps_image);
  gimp_displays_flush ();
}

/* The kernels are maps of kH×kW (cs_model_conv_kernels): the export
 * tiles them into one layer at one pixel per weight, in the grid's
 * diverging colours over the layer's range. */
static void
export_kernels_clicked (GtkButton *button, ClassifyDialog *state)
{
  CsuiKernelGrid  *grid = csui_inspector_get_kernel_grid (state->inspector);
  const CsTensor  *kernels = csui_kernel_grid_get_kernels (grid);
  CsClassifier    *classifier = csui_inspector_get_classifier (state->inspector);
  CspExportOptions options = {
    .target = CSP_TARGET_NEW_IMAGE,
    .layout = CSP_LAYOUT_MOSAIC,
    .size = CSP_SIZE_NATIVE,
    .range = CS_MAP_RANGE_LAYER,
    .colormap = CS_COLORMAP_DIVERGING,
    .region = state->region,
  };
  CsResult   taps = { 0 };
  GimpImage *kernels_image = NULL;
  GError    *error = NULL;

  if (kernels == NULL || classifier == NULL)
    {
      gimp_message (_("Select a convolution layer first."));
      return;
    }
  options.card = cs_classifier_card (classifier);
  options.max_channels = (int) MIN (kernels->shape.dims[1], G_MAXINT);
  if (state->export_config != NULL)
    options.target = gimp_procedure_config_get_choice_id (state->export_config, "target");
  /* One tap, the grid's: the export only reads it. */
  taps.n_taps = 1;
  taps.taps = (CsTensor *) kernels;
  if (!csp_export_feature_maps (state->image, state->drawable, &taps, &options, &kernels_image,
                                NULL, &error))
    {
      gimp_message (error->message);
      g_error_free (error);
      return;
    }
  if (kernels_image != NULL && kernels_image != state->image)
    gimp_display_new (kernels_image);
  gimp_displays_flush ();
}

/* The button says how many network layers it exports when that is more
 * than the one the grid shows. */
static void
layers_selected (CsuiLayerTable *table, int shown_layer, ClassifyDialog *state)
{
  g_autoptr (GArray) layers = csui_layer_table_get_selected_layers (table);
  g_autofree char   *label = NULL;

  if (layers->len > 1)
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Export %u _Layer", "Export %u _Layers",
                                          layers->len),
                             layers->len);
  gtk_button_set_label (GTK_BUTTON (state->export_button),
                        label != NULL ? label : _("Export to _Layers"));
}

static void
tag_clicked (GtkButton *button, ClassifyDialog *state)
{
  int                 n = 0;
  const CsPrediction *top = csui_inspector_get_predictions (state->inspector, &n);
  GError             *error = NULL;

  if (n == 0)
    return;
  if (csp_tag_image (state->image, top, n, &error))
    gimp_displays_flush ();
  else
    {
      gimp_message (error->message);
      g_error_free (error);
    }
}

/* The ticked classes of the segmentation shown become the selection,
 * replacing it, at the drawable's resolution, in one undo step; an error
 * shows in the panel and leaves the image as it was. */
static void
select_clicked (GtkButton *button, ClassifyDialog *state)
{
  CsuiClassLegend      *legend = csui_inspector_get_class_legend (state->inspector);
  CsSegmenter          *segmenter = csui_inspector_get_segmenter (state->inspector);
  const CsSegmentation *segmentation = csui_inspector_get_segmentation (state->inspector);
  int                   n_classes = 0;
  g_autofree gboolean  *chosen = csui_class_legend_get_chosen (legend, &n_classes);
  CspSegmentOptions     options = {
    .output = CSP_SEGMENT_SELECTION,
    .operation = GIMP_CHANNEL_OP_REPLACE,
    .chosen = chosen,
    .region = state->region,
  };
  CspSegmentClass      *found = NULL;
  int                   n_found = 0;
  g_autoptr (GError)    error = NULL;

  if (segmenter == NULL || segmentation == NULL
      || n_classes != cs_segmenter_n_classes (segmenter))
    return;
  gimp_progress_init (_("Selecting"));
  if (csp_export_segmentation (state->image, state->drawable, segmenter, segmentation, &options,
                               &found, &n_found, &error))
    gimp_displays_flush ();
  else
    csui_inspector_show_error (state->inspector, error->message);
  gimp_progress_end ();
  csp_segment_classes_free (found, n_found);
}

/* The heat map of the class clicked (or the most probable), made a
 * layer in a group over the image by the heat-map procedure itself (one
 * undo step), in the panel's colours or, in a grayscale image, grey; its
 * error shows in the panel. */
static void
export_heat_clicked (GtkButton *button, ClassifyDialog *state)
{
  static const char *const methods[] = { [CS_EXPLAIN_GRADCAM] = "gradcam",
                                         [CS_EXPLAIN_CAM] = "cam",
                                         [CS_EXPLAIN_SALIENCY] = "saliency",
                                         [CS_EXPLAIN_OCCLUSION] = "occlusion" };
  CsClassifier    *classifier = csui_inspector_get_classifier (state->inspector);
  GimpProcedure   *heatmap = gimp_pdb_lookup_procedure (gimp_get_pdb (), CSP_HEATMAP_PROC);
  g_autoptr (GimpProcedureConfig) config = NULL;
  GimpValueArray  *result;
  g_autoptr (GFile) model = NULL;
  CsExplainMethod  method;
  double           opacity;
  gboolean         use_selection;
  int              class_index;

  if (classifier == NULL || heatmap == NULL
      || !csui_inspector_get_heat (state->inspector, &class_index, &method, &opacity))
    {
      csui_inspector_show_error (state->inspector, _("There is no prediction to explain."));
      return;
    }
  model = g_file_new_for_path (cs_classifier_model_path (classifier));
  g_object_get (state->config, "use-selection", &use_selection, NULL);
  config = gimp_procedure_create_config (heatmap);
  g_object_set (config, "run-mode", GIMP_RUN_NONINTERACTIVE, "image", state->image, "model",
                model, "class", class_index, "method", methods[method], "opacity", opacity,
                "use-selection", use_selection, "output", "layer", "colormap",
                cs_colormap_name (gimp_image_get_base_type (state->image) == GIMP_GRAY
                                    ? CS_COLORMAP_GRAY : CS_COLORMAP_VIRIDIS),
                NULL);
  gimp_procedure_config_set_core_object_array (config, "drawables",
                                               (GObject *[]) { G_OBJECT (state->drawable) }, 1);
  result = gimp_procedure_run_config (heatmap, config);
  if (GIMP_VALUES_GET_ENUM (result, 0) == GIMP_PDB_SUCCESS)
    gimp_displays_flush ();
  else
    csui_inspector_show_error (state->inspector, gimp_pdb_get_last_error (gimp_get_pdb ()));
  gimp_value_array_unref (result);
}

/* The model shown becomes the procedure's, so OK classifies with it and
 * the next dialog starts from it; a segmentation model cannot classify,
 * so it leaves the procedure's model as it was, and offers Select. */
static void
run_finished (CsuiInspector *inspector, ClassifyDialog *state)
{
  CsClassifier     *classifier = csui_inspector_get_classifier (inspector);
  g_autoptr (GFile) model = NULL;

  gtk_widget_set_visible (state->select_button, classifier == NULL);
  if (classifier == NULL)
    return;
  model = g_file_new_for_path (cs_classifier_model_path (classifier));
  g_object_set (state->config, "model", model, NULL);
}

static GtkWidget *
action_button (ClassifyDialog *state, const char *mnemonic, const char *tooltip,
               GCallback callback)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (mnemonic);

  gtk_widget_set_tooltip_text (button, tooltip);
  g_signal_connect (button, "clicked", callback, state);
  gtk_box_pack_start (csui_inspector_get_action_box (state->inspector), button, FALSE, FALSE, 0);
  gtk_widget_show (button);
  return button;
}

/* Combo boxes for the feature-maps procedure's target, layout and scale
 * beside "Export to Layers"; the colour map and range are the grid's. */
static void
add_export_options (ClassifyDialog *state)
{
  GimpProcedure *feature_maps = gimp_pdb_lookup_procedure (gimp_get_pdb (),
                                                           CSP_FEATURE_MAPS_PROC);
  const char    *options[] = { "target", "layout", "scale" };

  if (feature_maps == NULL)
    return;
  state->export_config = gimp_procedure_create_config (feature_maps);
  for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
    {
      GtkWidget *combo = gimp_prop_choice_combo_box_new (G_OBJECT (state->export_config),
                                                         options[i]);

      gtk_box_pack_start (csui_inspector_get_action_box (state->inspector), combo, FALSE, FALSE,
                          0);
      gtk_widget_show (combo);
    }
}

gboolean
csp_classify_dialog (GimpProcedure       *procedure,
                     GimpProcedureConfig *config,
                     GimpImage           *image,
                     GimpDrawable        *drawable)
{
  ClassifyDialog   state = { config, image, drawable };
  g_autoptr (GFile) model = NULL;
  g_autofree char *bundled_dir = NULL;
  CsuiModelChooser *chooser;
  GtkWidget       *content;
  gboolean         run;
  int              top_k;

  gimp_ui_init (CSP_PLUG_IN_BINARY);

  state.dialog = gimp_procedure_dialog_new (procedure, config, _("Classify with Convscope"));
  /* Help opens the dialog's own page rather than the procedure's. */
  g_object_set (state.dialog, "help-id", CSP_DIALOG_HELP_ID, NULL);
  gtk_window_set_default_size (GTK_WINDOW (state.dialog), DIALOG_WIDTH, DIALOG_HEIGHT);
  gtk_window_set_resizable (GTK_WINDOW (state.dialog), TRUE);
  /* In one row: the height is the layer table's and the grid's. */
  gimp_procedure_dialog_fill_flowbox (GIMP_PROCEDURE_DIALOG (state.dialog), "classify-arguments",
                                      "top-k", "use-selection", "tag-image", NULL);
  gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (state.dialog), "classify-arguments", NULL);

  bundled_dir = csp_bundled_dir ();
  state.inspector = CSUI_INSPECTOR (csui_inspector_new (bundled_dir));
  /* Kept past the dialog, for its worker threads and a download to come
   * back. */
  g_object_ref_sink (state.inspector);
  chooser = g_object_ref (csui_inspector_get_chooser (state.inspector));
  state.export_button =
    action_button (&state, _("Export to _Layers"),
                   _("Make a new image with the feature maps of the selected network "
                     "layers (Ctrl- or Shift-click for several), one layer group per "
                     "network layer, in the colours shown"),
                   G_CALLBACK (export_clicked));
  add_export_options (&state);
  action_button (&state, _("Export _Kernels"),
                 _("Make the selected convolution layer's learned kernels layers: one layer, "
                   "one pixel per weight, blue negative and red positive"),
                 G_CALLBACK (export_kernels_clicked));
  action_button (&state, _("E_xport Heat Map"),
                 _("Make the heat map of the prediction clicked (the most probable until one "
                   "is) a layer over the image, in a group named after the class"),
                 G_CALLBACK (export_heat_clicked));
  action_button (&state, _("Tag _Image"),
                 _("Add the predicted labels to the image's keywords now"),
                 G_CALLBACK (tag_clicked));
  state.select_button =
    action_button (&state, _("S_elect"),
                   _("Replace the image's selection with the classes ticked under \"Classes "
                     "present\", at the image's resolution"),
                   G_CALLBACK (select_clicked));
  gtk_widget_hide (state.select_button);
  content = gtk_dialog_get_content_area (GTK_DIALOG (state.dialog));
  gtk_box_pack_start (GTK_BOX (content), GTK_WIDGET (state.inspector), TRUE, TRUE, 0);
  gtk_widget_show (GTK_WIDGET (state.inspector));

  g_object_get (config, "model", &model, "top-k", &top_k, NULL);
  csui_inspector_set_top_k (state.inspector, top_k);
  if (model != NULL)
    {
      g_autofree char *path = g_file_get_path (model);

      if (path != NULL)
        csui_inspector_set_model_path (state.inspector, path);
    }
  g_signal_connect (state.inspector, "run-finished", G_CALLBACK (run_finished), &state);
  g_signal_connect (csui_inspector_get_layer_table (state.inspector), "layer-selected",
                    G_CALLBACK (layers_selected), &state);
  g_signal_connect (config, "notify::use-selection", G_CALLBACK (use_selection_changed), &state);
  g_signal_connect (config, "notify::top-k", G_CALLBACK (top_k_changed), &state);
  update_source (&state);

  run = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (state.dialog));

  g_signal_handlers_disconnect_by_data (config, &state);
  g_signal_handlers_disconnect_by_data (state.inspector, &state);
  g_signal_handlers_disconnect_by_data (csui_inspector_get_layer_table (state.inspector),
                                        &state);
  gtk_widget_destroy (state.dialog);
  while (csui_inspector_get_n_running (state.inspector) > 0
         || csui_model_chooser_is_fetching (chooser))
    g_main_context_iteration (NULL, TRUE);
  g_object_unref (chooser);
  g_object_unref (state.inspector);
  g_clear_object (&state.export_config);
  return run;
}
