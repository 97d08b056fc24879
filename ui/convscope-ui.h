/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * convscope-ui.h — Convscope's GTK 3 widgets: the model chooser, the
 * layer table, the feature-map grid, and the inspector panel that ties
 * them to a model run on an image region.  Nothing here knows GIMP, so
 * the widget tests and the screenshot tool feed the inspector a file;
 * the plug-in embeds the same panel in its dialog.
 */
#ifndef CONVSCOPE_UI_H
#define CONVSCOPE_UI_H

#include <gtk/gtk.h>
#include <gegl.h>

#include "convscope.h"

G_BEGIN_DECLS

/* ---- Around the core ---- */

/* An image file (anything GdkPixbuf reads) as an R'G'B'A u8 GeglBuffer
 * the caller owns; NULL with @error naming the file. */
GeglBuffer *csui_buffer_new_from_file (const char *path,
                                       GError    **error);

/* The preprocessed input tensor @input (1×C×H×W) of @card's model
 * turned back into the picture the network sees: normalization and
 * channel order undone.  A new pixbuf owned by the caller, or NULL when
 * @input is not an image tensor. */
GdkPixbuf  *csui_input_to_pixbuf      (const CsCard   *card,
                                       const CsTensor *input);

/* "3 489 097": @count with its digits grouped by thin spaces, readable
 * in every locale.  The caller frees the string. */
char       *csui_format_count         (int64_t     count);

/* Draws @widget (realized and allocated) as it shows into the PNG file
 * @path, for convscope-inspect's screenshots. */
gboolean    csui_widget_save_png      (GtkWidget  *widget,
                                       const char *path,
                                       GError    **error);

/* ---- CsuiModelChooser: which model to inspect ---- */

#define CSUI_TYPE_MODEL_CHOOSER (csui_model_chooser_get_type ())
G_DECLARE_FINAL_TYPE (CsuiModelChooser, csui_model_chooser, CSUI, MODEL_CHOOSER, GtkBox)

/* The models of cs_models_list (@bundled_dir as there), plus an "Open
 * model file…" button and, built with core/fetch, "Get Models…" for the
 * catalogue's.  Emits "model-chosen" (path) when the user picks one.
 * The widgets of "Get Models…" have names (gtk_widget_get_name), for
 * style sheets and for finding them in the widget tree: "get-models"
 * (the button), "catalogue" (its list, the catalogue's entries in
 * order), "download" and "fetch-error" (the label of the error bar). */
GtkWidget  *csui_model_chooser_new         (const char       *bundled_dir);
/* Selects @path, adding it to the list when it is not there, without
 * emitting "model-chosen". */
void        csui_model_chooser_select_path (CsuiModelChooser *chooser,
                                            const char       *path);
const char *csui_model_chooser_get_path    (CsuiModelChooser *chooser);
/* Whether a download is running (never without core/fetch): an
 * embedding program waits for FALSE, iterating the main loop, after
 * destroying the chooser, which cancels it, so that no download is cut
 * off by the program's exit. */
gboolean    csui_model_chooser_is_fetching     (CsuiModelChooser *chooser);
/* The one-line summary of @classifier's model (NULL: none), selected. */
void        csui_model_chooser_set_classifier (CsuiModelChooser   *chooser,
                                               const CsClassifier *classifier);
/* The same for any model loaded from @path (NULL: none). */
void        csui_model_chooser_show_model     (CsuiModelChooser   *chooser,
                                               const CsModel      *model,
                                               const char         *path);
/* "ONNX · input 1×1×28×28 · 103,338 parameters · …"; the caller frees it. */
char       *csui_model_summary             (const CsModel    *model);

/* ---- CsuiLayerTable: the network layer by layer ---- */

#define CSUI_TYPE_LAYER_TABLE (csui_layer_table_get_type ())
G_DECLARE_FINAL_TYPE (CsuiLayerTable, csui_layer_table, CSUI, LAYER_TABLE, GtkBox)

enum
{
  CSUI_LAYER_COLUMN_INDEX,
  CSUI_LAYER_COLUMN_NAME,
  CSUI_LAYER_COLUMN_OP,
  CSUI_LAYER_COLUMN_WINDOW,
  CSUI_LAYER_COLUMN_OUTPUT,
  CSUI_LAYER_COLUMN_PARAMS,
  CSUI_LAYER_COLUMN_PART,   /* feature extractor (and map size) or classifier */
  CSUI_LAYER_N_COLUMNS
};

/* Several rows can be selected (Ctrl- and Shift-click); the feature
 * grid shows one of them, the one clicked last.  Emits "layer-selected"
 * (that layer's index, -1 for none) whenever the selection changes.  The
 * rows' GtkTreeView is named "layers"; a mnemonic label for the table
 * focuses it. */
GtkWidget    *csui_layer_table_new          (void);
/* Shows the layers of @model (NULL: none); the model must outlive its
 * showing here. */
void          csui_layer_table_set_model    (CsuiLayerTable *table,
                                             const CsModel  *model);
/* Selects @layer alone (-1: none), as a plain click does. */
void          csui_layer_table_select       (CsuiLayerTable *table,
                                             int             layer);
/* The layer the grid shows: the selected one clicked last, or -1. */
int           csui_layer_table_get_selected (CsuiLayerTable *table);
/* Every selected layer's index (int), in network order; the caller frees
 * the array with g_array_unref. */
GArray       *csui_layer_table_get_selected_layers (CsuiLayerTable *table);
/* The rows (CSUI_LAYER_COLUMN_*), owned by the table. */
GtkTreeModel *csui_layer_table_get_rows     (CsuiLayerTable *table);
/* The text under the table: the selected layer's output-size arithmetic,
 * receptive field and the weights a dense layer would need in its place;
 * owned by the table. */
const char   *csui_layer_table_get_detail   (CsuiLayerTable *table);
/* "1×32×14×14", the layer's output as the table shows it; the caller
 * frees it. */
char         *csui_layer_output_text        (const CsLayerInfo *layer);

/* ---- CsuiFeatureGrid: a layer's channels as thumbnails ---- */

#define CSUI_TYPE_FEATURE_GRID (csui_feature_grid_get_type ())
G_DECLARE_FINAL_TYPE (CsuiFeatureGrid, csui_feature_grid, CSUI, FEATURE_GRID, GtkDrawingArea)

#define CSUI_FEATURE_GRID_DEFAULT_CAP 256

GtkWidget *csui_feature_grid_new             (void);
/* Shows the channels of @maps (1×C×H×W float; NULL or any other shape:
 * nothing).  Takes @owner, a reference that keeps @maps alive, and
 * releases it with @owner_unref when the maps are replaced or the grid
 * goes (both NULL when the caller keeps @maps alive otherwise). */
void       csui_feature_grid_set_maps        (CsuiFeatureGrid *grid,
                                              const CsTensor  *maps,
                                              GDestroyNotify   owner_unref,
                                              gpointer         owner);
void       csui_feature_grid_set_colormap    (CsuiFeatureGrid *grid,
                                              CsColormap       colormap);
/* Which values span the colour map: each channel's or the layer's. */
void       csui_feature_grid_set_range       (CsuiFeatureGrid *grid,
                                              CsMapRange       range);
CsColormap csui_feature_grid_get_colormap    (CsuiFeatureGrid *grid);
CsMapRange csui_feature_grid_get_range       (CsuiFeatureGrid *grid);
int        csui_feature_grid_get_cap         (CsuiFeatureGrid *grid);
/* At most @cap channels are drawn (the first ones). */
void       csui_feature_grid_set_cap         (CsuiFeatureGrid *grid,
                                              int              cap);
/* Shows the channels in @order (a permutation of the maps' channels,
 * copied; NULL: channel order), so the cap keeps the first of @order;
 * new maps go back to channel order. */
void       csui_feature_grid_set_order       (CsuiFeatureGrid *grid,
                                              const int       *order);
/* The channel drawn at @place (0 first) of the grid, or -1. */
int        csui_feature_grid_channel_at_place (CsuiFeatureGrid *grid,
                                               int              place);
/* Enlarges @channel beside the grid (-1: none), as a click does. */
void       csui_feature_grid_set_enlarged    (CsuiFeatureGrid *grid,
                                              int              channel);
int        csui_feature_grid_get_enlarged    (CsuiFeatureGrid *grid);
int        csui_feature_grid_get_n_thumbnails (CsuiFeatureGrid *grid);
/* The channel under the widget point (@x, @y), or -1. */
int        csui_feature_grid_channel_at      (CsuiFeatureGrid *grid,
                                              double           x,
                                              double           y);
/* Where the enlarged channel is drawn: its top-left corner and the side
 * of one of its pixels, in widget coordinates; FALSE when none is. */
gboolean   csui_feature_grid_get_enlarged_area (CsuiFeatureGrid *grid,
                                                double          *x,
                                                double          *y,
                                                double          *zoom);
/* The enlarged channel's pixel (row, column) under the widget point
 * (@x, @y); FALSE when it is not over one.  Hovering one emits
 * "map-hovered" (channel, row, column; all −1 when the pointer leaves
 * the map) and clicking one "map-clicked" (channel, row, column). */
gboolean   csui_feature_grid_pixel_at        (CsuiFeatureGrid *grid,
                                              double           x,
                                              double           y,
                                              int             *row,
                                              int             *column);

/* ---- CsuiInputView: what the network sees, and two lessons over it ---- */

#define CSUI_TYPE_INPUT_VIEW (csui_input_view_get_type ())
G_DECLARE_FINAL_TYPE (CsuiInputView, csui_input_view, CSUI, INPUT_VIEW, GtkDrawingArea)

/* The network's input enlarged, with a margin for the zero padding. */
GtkWidget *csui_input_view_new            (void);
/* @picture: the input as csui_input_to_pixbuf gives it (NULL: none);
 * the view keeps a reference. */
void       csui_input_view_set_picture    (CsuiInputView        *view,
                                           GdkPixbuf            *picture);
/* Frames @box, a receptive field in the input's pixels (NULL: none):
 * the part inside the picture solid, the whole box dashed, what lies in
 * the padding hatched. */
void       csui_input_view_set_box        (CsuiInputView        *view,
                                           const CsReceptiveBox *box);
/* The box framed, FALSE when none is. */
gboolean   csui_input_view_get_box        (CsuiInputView        *view,
                                           CsReceptiveBox       *box);
/* Shows @layer's zero border and its first windows with their stride,
 * in cells of the layer's input scaled over the picture (NULL, or a
 * layer without a window: nothing). */
void       csui_input_view_set_window     (CsuiInputView        *view,
                                           const CsLayerInfo    *layer);
/* Whether a layer's padding and stride are shown. */
gboolean   csui_input_view_get_window     (CsuiInputView        *view);
/* Where the picture is drawn: the top-left corner of its pixel (0, 0)
 * and the side of one pixel, in widget coordinates; FALSE without one. */
gboolean   csui_input_view_get_pixel_area (CsuiInputView        *view,
                                           double               *x,
                                           double               *y,
                                           double               *zoom);

/* ---- CsuiProbeView: the convolution at one pixel ---- */

#define CSUI_TYPE_PROBE_VIEW (csui_probe_view_get_type ())
G_DECLARE_FINAL_TYPE (CsuiProbeView, csui_probe_view, CSUI, PROBE_VIEW, GtkBox)

/* The input patch, kernel and products of the first input channels of
 * one output pixel's group as small heat grids, then the sum, bias,
 * value before the activation, activation and result, next to the value
 * in the feature map.  Its labels have names: "probe-sum", "probe-bias",
 * "probe-pre-activation", "probe-activation", "probe-value",
 * "probe-tapped", "probe-folded" and the grids' area "probe-grids". */
GtkWidget *csui_probe_view_new            (void);
/* Shows @probe (NULL: nothing) of layer @layer_name, whose feature map
 * holds @tapped at that pixel; copies what it needs. */
void       csui_probe_view_set_probe      (CsuiProbeView     *view,
                                           const char        *layer_name,
                                           const CsConvProbe *probe,
                                           float              tapped);
/* How many input channels the grids show. */
int        csui_probe_view_get_n_shown    (CsuiProbeView     *view);

/* ---- CsuiKernelGrid: a convolution's learned kernels ---- */

#define CSUI_TYPE_KERNEL_GRID (csui_kernel_grid_get_type ())
G_DECLARE_FINAL_TYPE (CsuiKernelGrid, csui_kernel_grid, CSUI, KERNEL_GRID, GtkDrawingArea)

typedef enum
{
  CSUI_KERNEL_GRAY, /* one diverging picture per output and input channel */
  CSUI_KERNEL_RGB,  /* a first layer on an RGB picture: one colour picture
                     * per output channel */
  CSUI_KERNEL_BGR   /* the same for a model reading blue first */
} CsuiKernelColour;

GtkWidget       *csui_kernel_grid_new            (void);
/* Shows @kernels, a layer's kernels from cs_model_conv_kernels, of
 * @outputs output channels, and takes them (NULL: nothing); @colour
 * applies to kernels of three input channels only.  Output channels go
 * in rows of their input channels' pictures, or, one picture each (in
 * colour, or with one input channel), in a near-square grid; the first
 * 32 × 32 or 256 are drawn. */
void             csui_kernel_grid_set_kernels    (CsuiKernelGrid  *grid,
                                                  CsTensor        *kernels,
                                                  int64_t          outputs,
                                                  CsuiKernelColour colour);
/* The kernels shown, owned by the grid, or NULL. */
const CsTensor  *csui_kernel_grid_get_kernels    (CsuiKernelGrid  *grid);
int              csui_kernel_grid_get_n_pictures (CsuiKernelGrid  *grid);
CsuiKernelColour csui_kernel_grid_get_colour     (CsuiKernelGrid  *grid);
/* Where the picture of output channel @output's kernel over input
 * channel @input (any of the three in colour) is drawn: its top-left
 * corner and the side of one tap, in widget coordinates; FALSE when it
 * is not drawn. */
gboolean         csui_kernel_grid_get_cell_area  (CsuiKernelGrid  *grid,
                                                  int              output,
                                                  int              input,
                                                  double          *x,
                                                  double          *y,
                                                  double          *tap_side);

/* ---- What a segmentation network found, and why a class scored ---- */

/* @labels (@width × @height class numbers, rows packed) as an RGBA
 * picture: each class in its colour (cs_segment_colour), opaque; pixels
 * of no class (CS_SEGMENT_NONE) clear.  The caller owns it. */
GdkPixbuf *csui_segment_overlay_new (const guint8 *labels,
                                     int           width,
                                     int           height);
/* @heat (@width × @height values in [0, 1], as cs_heatmap_display gives
 * them) in @colormap's colours, opaque.  The caller owns it. */
GdkPixbuf *csui_heat_overlay_new    (const float  *heat,
                                     int           width,
                                     int           height,
                                     CsColormap    colormap);
/* Draws @overlay (NULL: none; the view keeps a reference), of the
 * picture's size, over the picture at @opacity (0 … 1). */
void       csui_input_view_set_overlay (CsuiInputView *view,
                                        GdkPixbuf     *overlay,
                                        double         opacity);
GdkPixbuf *csui_input_view_get_overlay (CsuiInputView *view);
double     csui_input_view_get_overlay_opacity (CsuiInputView *view);

#define CSUI_TYPE_CLASS_LEGEND (csui_class_legend_get_type ())
G_DECLARE_FINAL_TYPE (CsuiClassLegend, csui_class_legend, CSUI, CLASS_LEGEND, GtkBox)

/* The classes present, one row each, largest share first, in the grid
 * named "legend": column 0 the colour ("legend-swatch"), 1 a check
 * button with the class's name ("legend-class"), 2 its share
 * ("legend-share"). */
GtkWidget *csui_class_legend_new        (void);
/* Shows the classes of @labels (@width × @height, of @segmenter's
 * classes; NULL: none), the largest but the background ticked. */
void       csui_class_legend_set        (CsuiClassLegend   *legend,
                                         const CsSegmenter *segmenter,
                                         const guint8      *labels,
                                         int                width,
                                         int                height);
/* One flag per class of the model, TRUE for the ticked; *@n_classes
 * receives their number.  The caller frees the array. */
gboolean  *csui_class_legend_get_chosen (CsuiClassLegend   *legend,
                                         int               *n_classes);

/* ---- CsuiInspector: the whole panel ---- */

#define CSUI_TYPE_INSPECTOR (csui_inspector_get_type ())
G_DECLARE_FINAL_TYPE (CsuiInspector, csui_inspector, CSUI, INSPECTOR, GtkBox)

/* @bundled_dir as for cs_models_list.  Emits "run-finished" after each
 * completed run whose results are shown (not for cancelled ones) and
 * "run-failed" (message) when loading or running fails.  The invariance
 * lesson's widgets have names: the spin buttons "shift-y" and "shift-x"
 * (a shift other than 0 runs the shifted input too), "show-shifted"
 * (the picture, maps, probe and taps then are the shifted run's) and
 * the lists "predictions-before" and "predictions-after". */
GtkWidget         *csui_inspector_new              (const char          *bundled_dir);
/* The pixels to look at: @roi of @buffer (NULL: its extent).  The
 * inspector keeps a reference and reads the buffer from a worker thread,
 * so hand it a buffer no other thread writes.  Restarts the run. */
void               csui_inspector_set_source       (CsuiInspector       *inspector,
                                                    GeglBuffer          *buffer,
                                                    const GeglRectangle *roi);
/* Loads @path and runs it; on failure the error shows in the panel and
 * the previous model stays. */
void               csui_inspector_set_model_path   (CsuiInspector       *inspector,
                                                    const char          *path);
void               csui_inspector_set_top_k        (CsuiInspector       *inspector,
                                                    int                  top_k);
/* Worker threads not yet returned, cancelled ones included: an embedding
 * program waits for 0 (iterating the main loop) before it stops GEGL. */
guint              csui_inspector_get_n_running    (CsuiInspector       *inspector);
/* What is shown, owned by the inspector and valid until the next run
 * finishes or the model changes (take a reference to keep it longer);
 * NULL before the first run.  The classifier is shared with the worker
 * threads (see cs-classifier.h), so only read it here. */
CsClassifier      *csui_inspector_get_classifier   (CsuiInspector       *inspector);
/* The taps of every selected layer that has one, in network order (a
 * CsResult without outputs, owned by the inspector and valid until the
 * next call, run or model change), or NULL when no selected layer has
 * a tap. */
const CsResult    *csui_inspector_get_selected_taps (CsuiInspector      *inspector);
/* The shown top-k, most probable first, with their labels; owned by
 * the inspector. */
const CsPrediction *csui_inspector_get_predictions (CsuiInspector       *inspector,
                                                    int                 *n);
/* The last error shown, or NULL. */
const char        *csui_inspector_get_error        (CsuiInspector       *inspector);
/* The parts, for tests, screenshots and the plug-in's own buttons. */
CsuiModelChooser  *csui_inspector_get_chooser      (CsuiInspector       *inspector);
CsuiLayerTable    *csui_inspector_get_layer_table  (CsuiInspector       *inspector);
CsuiFeatureGrid   *csui_inspector_get_feature_grid (CsuiInspector       *inspector);
CsuiInputView     *csui_inspector_get_input_view   (CsuiInspector       *inspector);
CsuiProbeView     *csui_inspector_get_probe_view   (CsuiInspector       *inspector);
CsuiKernelGrid    *csui_inspector_get_kernel_grid  (CsuiInspector       *inspector);
/* A box under the feature grid for the embedding program's actions. */
GtkBox            *csui_inspector_get_action_box   (CsuiInspector       *inspector);
/* For a segmentation model, instead of the classifier: the segmenter
 * and the segmentation of what it sees, owned and valid as above; NULL
 * otherwise. */
CsSegmenter       *csui_inspector_get_segmenter    (CsuiInspector       *inspector);
const CsSegmentation *csui_inspector_get_segmentation (CsuiInspector    *inspector);
/* The legend of a segmentation's classes, whose ticked classes the
 * embedding program acts on. */
CsuiClassLegend   *csui_inspector_get_class_legend (CsuiInspector       *inspector);
/* The class explained (its number in output 0): the prediction clicked,
 * else the most probable; the heat map's method and opacity in percent.
 * FALSE without predictions. */
gboolean           csui_inspector_get_heat         (CsuiInspector       *inspector,
                                                    int                 *class_index,
                                                    CsExplainMethod     *method,
                                                    double              *opacity);
/* Shows @message, one line, in the panel's error bar, as a failed run's
 * error is shown; for the embedding program's actions. */
void               csui_inspector_show_error       (CsuiInspector       *inspector,
                                                    const char          *message);

G_END_DECLS

#endif /* CONVSCOPE_UI_H */
