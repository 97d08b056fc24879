/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csui-inspector.c — the whole panel: the model chooser, what the
 * network sees, its predictions, the layer table and the selected
 * layer's feature maps, for one image region.  A run loads the model
 * (the core's classifier, cs-classifier.h) when it changed, prepares the
 * input and keeps every layer's output, all in a worker thread, so the
 * dialog stays responsive and switching layers afterwards costs
 * nothing.  A new model or region cancels the run in flight; a
 * cancelled run's results are dropped when it ends.  The classifier is
 * shared by reference between the panel and its workers.
 *
 * Beside the maps are the lessons of a first lecture on CNNs, every
 * number from the core (cs-lesson.h): hovering a pixel of the enlarged
 * map frames its receptive field on the input, clicking one works out
 * its convolution, a toggle shows the selected layer's padding and
 * stride, a page beside the maps its learned kernels, what a fully
 * connected first layer would need, and, with the input shifted by a few
 * pixels, the predictions before and after and the maps moving along.
 *
 * A segmentation model (its card says task = segmentation; the core's
 * segmenter, cs-segmenter.h) takes the classifier's place: its classes
 * are drawn over what the model sees, and a legend of the classes
 * present takes the predictions' place.
 *
 * Why a classifier chose a class (cs-explain.h, in a worker thread,
 * csui-explain-job.c): clicking a prediction lays its heat map over what
 * the model sees, by the method chosen, and the feature grid can put the
 * selected layer's channels in the order of their Grad-CAM weights for
 * that class, the channels that voted for it first.
 */
#include <glib/gi18n-lib.h>
#include <inttypes.h>

#include "convscope-ui.h"
#include "cs-pixels.h"
#include "csui-explain-job.h"

/* Units of the fully connected first layer compared with the first
 * convolution, and the lecture's example image: 500×800 RGB. */
#define MLP_UNITS          1024
#define MLP_EXAMPLE_VALUES (500 * 800 * 3)
/* How strongly a segmentation's classes tint the picture. */
#define SEGMENT_OPACITY    0.5
/* The heat map's colours. */
#define HEAT_COLORMAP      CS_COLORMAP_VIRIDIS

/* The invariance lesson's largest shift, in input pixels. */
#define SHIFT_MAX 8

/* What one completed run produced; shared with the feature grid, which
 * keeps the tap it shows alive through a reference. */
typedef struct
{
  /* One of the two: the model as a classifier or as a segmenter. */
  CsClassifier   *classifier;
  CsSegmenter    *segmenter;
  CsTensor       *input;      /* NULL when there was no source */
  CsResult       *result;     /* NULL when there was no source or for a
                               * segmenter, whose layers are not kept */
  int            *tap_of_layer;
  CsSegmentation *segmentation; /* a segmenter's, with a source */
  guint8         *labels;       /* its classes at the input's size */
  /* The input shifted as the invariance lesson asks and its run, with
   * the same taps; NULL when it asks for no shift (or for a segmenter). */
  CsTensor       *shifted_input;
  CsResult       *shifted_result;
  int             shift_y, shift_x;
} RunOutcome;

/* What a run needs, copied for the worker thread. */
typedef struct
{
  char          *model_path;  /* load this; NULL: run @classifier or
                              * @segmenter */
  CsClassifier  *classifier;
  CsSegmenter   *segmenter;
  GeglBuffer    *buffer;      /* NULL: load only */
  GeglRectangle  roi;
  int            shift_y, shift_x;
} RunRequest;

struct _CsuiInspector
{
  GtkBox            parent_instance;

  GtkWidget        *info_bar;
  GtkWidget        *error_label;
  CsuiModelChooser *chooser;
  GtkWidget        *spinner;
  CsuiInputView    *input_view;
  GtkWidget        *show_window;
  GtkWidget        *window_caption;
  GtkWidget        *receptive_caption;
  GtkWidget        *probe_hint;
  CsuiProbeView    *probe_view;
  GtkWidget        *probe_section;
  GtkWidget        *side_scroll;
  guint             reveal_source;
  GtkWidget        *mlp_numbers;
  GtkWidget        *shift_y;
  GtkWidget        *shift_x;
  GtkWidget        *show_shifted;
  GtkWidget        *shift_predictions;
  GtkWidget        *predictions_box;
  GtkWidget        *predictions_section;
  GtkWidget        *heat_controls;
  GtkWidget        *heat_method;
  GtkWidget        *heat_opacity;
  GtkWidget        *heat_caption;
  GtkWidget        *sort_by_weight;
  GtkWidget        *sort_caption;
  /* The class explained (its number in output 0), -1 for none; its
   * label; the jobs in flight. */
  int               heat_class;
  char             *heat_label;
  GCancellable     *heat_cancellable;
  GCancellable     *order_cancellable;
  GtkWidget        *classes_section;
  CsuiClassLegend  *legend;
  CsuiLayerTable   *table;
  GtkWidget        *colormap_combo;
  GtkWidget        *range_combo;
  GtkWidget        *grid_caption;
  CsuiFeatureGrid  *grid;
  GtkWidget        *maps_stack;
  CsuiKernelGrid   *kernel_grid;
  GtkWidget        *kernels_caption;
  GtkWidget        *action_box;

  GeglBuffer       *buffer;
  GeglRectangle     roi;
  int               top_k;

  /* The run in flight: its cancellable, and the model it loads (NULL
   * when it reruns the shown one). */
  GCancellable     *cancellable;
  char             *loading_path;
  /* Runs started whose results (wanted or not) have not come back. */
  guint             n_running;

  RunOutcome       *shown;
  CsPrediction     *predictions;
  int               n_predictions;
  /* The layer the feature grid shows, -1 for none. */
  int               grid_layer;
  /* What csui_inspector_get_selected_taps last gave: the shown run's
   * taps, the array ours. */
  CsResult          selected_taps;
  char             *error;
};

G_DEFINE_TYPE (CsuiInspector, csui_inspector, GTK_TYPE_BOX)

enum
{
  RUN_FINISHED,
  RUN_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
outcome_clear (RunOutcome *outcome)
{
  if (outcome->segmenter != NULL)
    g_clear_pointer (&outcome->input, cs_segmenter_input_free);
  g_clear_pointer (&outcome->input, cs_classifier_input_free);
  g_clear_pointer (&outcome->classifier, cs_classifier_unref);
  g_clear_pointer (&outcome->segmenter, cs_segmenter_unref);
  g_clear_pointer (&outcome->result, cs_result_free);
  g_clear_pointer (&outcome->segmentation, cs_segmentation_free);
  g_free (outcome->tap_of_layer);
  cs_classifier_input_free (outcome->shifted_input);
  g_clear_pointer (&outcome->shifted_result, cs_result_free);
  g_free (outcome->labels);
}

static const CsModel *
outcome_model (const RunOutcome *outcome)
{
  return outcome->classifier != NULL ? cs_classifier_model (outcome->classifier)
                                     : cs_segmenter_model (outcome->segmenter);
}

static const CsCard *
outcome_card (const RunOutcome *outcome)
{
  return outcome->classifier != NULL ? cs_classifier_card (outcome->classifier)
                                     : cs_segmenter_card (outcome->segmenter);
}

static const char *
outcome_model_path (const RunOutcome *outcome)
{
  return outcome->classifier != NULL ? cs_classifier_model_path (outcome->classifier)
                                     : cs_segmenter_model_path (outcome->segmenter);
}

static const GError *
outcome_labels_error (const RunOutcome *outcome)
{
  return outcome->classifier != NULL ? cs_classifier_labels_error (outcome->classifier)
                                     : cs_segmenter_labels_error (outcome->segmenter);
}

static void
outcome_unref (gpointer outcome)
{
  g_atomic_rc_box_release_full (outcome, (GDestroyNotify) outcome_clear);
}

static void
request_free (gpointer data)
{
  RunRequest *request = data;

  g_free (request->model_path);
  g_clear_pointer (&request->classifier, cs_classifier_unref);
  g_clear_pointer (&request->segmenter, cs_segmenter_unref);
  g_clear_object (&request->buffer);
  g_free (request);
}

/* Runs @outcome's segmenter on @request's source: the score map, and the
 * classes of the input's pixels from it (the plan of an input-sized
 * source maps each pixel onto itself). */
static gboolean
run_segmenter (const RunRequest *request, RunOutcome *outcome, GCancellable *cancellable,
               GError **error)
{
  const CsCard *card = cs_segmenter_card (outcome->segmenter);
  CsResizePlan  plan;

  outcome->input = cs_segmenter_input_new (outcome->segmenter, error);
  if (outcome->input == NULL
      || !cs_pixels_to_tensor (request->buffer, &request->roi, card, outcome->input, error)
      || g_cancellable_set_error_if_cancelled (cancellable, error)
      || !cs_segmenter_run (outcome->segmenter, outcome->input, &outcome->segmentation, error)
      || !cs_resize_plan (card, card->width, card->height, &plan, error))
    return FALSE;
  outcome->labels = g_malloc ((gsize) card->width * card->height);
  return cs_segmentation_labels (outcome->segmentation, &plan, card->width, card->height, 0,
                                 card->height, 0.0, outcome->labels, error);
}

/* Prepares @request's source as the network wants it and runs it keeping
 * every layer's output, into @outcome; then, when a shift is asked for,
 * the same on the prepared input shifted. */
static gboolean
run_network (const RunRequest *request, RunOutcome *outcome, GCancellable *cancellable,
             GError **error)
{
  CsClassifier       *classifier = outcome->classifier;
  const CsModel      *model = cs_classifier_model (classifier);
  const CsRunOptions  options = { .tap_all = TRUE };
  size_t              n_layers = cs_model_n_layers (model);

  outcome->input = cs_classifier_input_new (classifier, error);
  if (outcome->input == NULL
      || !cs_pixels_to_tensor (request->buffer, &request->roi, cs_classifier_card (classifier),
                               outcome->input, error)
      || g_cancellable_set_error_if_cancelled (cancellable, error)
      || !cs_classifier_run (classifier, outcome->input, &options, &outcome->result, error))
    return FALSE;
  if (request->shift_y != 0 || request->shift_x != 0)
    {
      outcome->shifted_input = cs_classifier_input_new (classifier, error);
      if (outcome->shifted_input == NULL
          || !cs_input_shift (outcome->input, request->shift_y, request->shift_x,
                              outcome->shifted_input, error)
          || g_cancellable_set_error_if_cancelled (cancellable, error)
          || !cs_classifier_run (classifier, outcome->shifted_input, &options,
                                 &outcome->shifted_result, error))
        return FALSE;
      outcome->shift_y = request->shift_y;
      outcome->shift_x = request->shift_x;
    }

  outcome->tap_of_layer = g_new (int, MAX (n_layers, 1));
  for (size_t i = 0; i < n_layers; i++)
    outcome->tap_of_layer[i] = -1;
  for (size_t t = 0; t < outcome->result->n_taps; t++)
    {
      int layer = cs_model_find_layer (model, outcome->result->taps[t].name);

      if (layer >= 0)
        outcome->tap_of_layer[layer] = (int) t;
    }
  return TRUE;
}

static void
run_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  RunRequest *request = task_data;
  RunOutcome *outcome = g_atomic_rc_box_new0 (RunOutcome);
  GError     *error = NULL;

  if (request->model_path != NULL)
    {
      g_autoptr (CsCard) peeked = cs_card_peek (request->model_path, NULL);

      if (peeked != NULL && peeked->task == CS_TASK_SEGMENTATION)
        outcome->segmenter = cs_segmenter_load (request->model_path, NULL, &error);
      else
        outcome->classifier = cs_classifier_load (request->model_path, NULL, &error);
    }
  else if (request->segmenter != NULL)
    outcome->segmenter = cs_segmenter_ref (request->segmenter);
  else
    outcome->classifier = cs_classifier_ref (request->classifier);
  if ((outcome->classifier == NULL && outcome->segmenter == NULL)
      || g_cancellable_set_error_if_cancelled (cancellable, &error)
      || (request->buffer != NULL
          && !(outcome->segmenter != NULL ? run_segmenter (request, outcome, cancellable, &error)
                                          : run_network (request, outcome, cancellable, &error))))
    {
      outcome_unref (outcome);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, outcome, outcome_unref);
}

static void
show_error (CsuiInspector *inspector, const char *message)
{
  g_free (inspector->error);
  inspector->error = g_strdup (message);
  gtk_info_bar_set_message_type (GTK_INFO_BAR (inspector->info_bar), GTK_MESSAGE_ERROR);
  gtk_label_set_text (GTK_LABEL (inspector->error_label), message);
  gtk_widget_show (inspector->info_bar);
  g_signal_emit (inspector, signals[RUN_FAILED], 0, message);
}

/* A model whose labels cannot be used still runs; the classes then go
 * by number, and the panel says why. */
static void
show_labels_warning (CsuiInspector *inspector, const GError *labels_error)
{
  g_autofree char *message = g_strdup_printf (_("The labels cannot be used, so classes are "
                                                "shown by number: %s"),
                                              labels_error->message);

  gtk_info_bar_set_message_type (GTK_INFO_BAR (inspector->info_bar), GTK_MESSAGE_WARNING);
  gtk_label_set_text (GTK_LABEL (inspector->error_label), message);
  gtk_widget_show (inspector->info_bar);
}

static const CsTensor *layer_tap (CsuiInspector *inspector, int layer);
static void clear_probe (CsuiInspector *inspector);
static GtkWidget *caption (const char *name);

/* Whether the picture, maps and probe show the shifted run: asked for,
 * and a shifted run there. */
static gboolean
showing_shifted (CsuiInspector *inspector)
{
  return inspector->shown != NULL && inspector->shown->shifted_result != NULL
         && gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (inspector->show_shifted));
}

/* The input of the run shown, or NULL. */
static const CsTensor *
shown_input (CsuiInspector *inspector)
{
  return showing_shifted (inspector) ? inspector->shown->shifted_input : inspector->shown->input;
}

static void
show_preview (CsuiInspector *inspector)
{
  RunOutcome          *outcome = inspector->shown;
  const CsTensor      *input = shown_input (inspector);
  g_autoptr (GdkPixbuf) picture = NULL;

  g_autoptr (GdkPixbuf) classes = NULL;
  const CsCard        *card = outcome_card (outcome);

  picture = input != NULL ? csui_input_to_pixbuf (card, input) : NULL;
  csui_input_view_set_picture (inspector->input_view, picture);
  if (outcome->labels != NULL)
    classes = csui_segment_overlay_new (outcome->labels, card->width, card->height);
  csui_input_view_set_overlay (inspector->input_view, classes, SEGMENT_OPACITY);
  csui_class_legend_set (inspector->legend, outcome->segmenter, outcome->labels, card->width,
                         card->height);
  gtk_widget_set_visible (inspector->classes_section, outcome->segmenter != NULL);
  gtk_widget_set_visible (inspector->predictions_section, outcome->segmenter == NULL);
}

/* The model shown, or NULL. */
static const CsModel *
shown_model (CsuiInspector *inspector)
{
  return inspector->shown != NULL ? outcome_model (inspector->shown) : NULL;
}

/* The selected layer's padding and stride on the input, when asked for,
 * and in words. */
static void
show_window (CsuiInspector *inspector)
{
  const CsModel     *model = shown_model (inspector);
  const CsLayerInfo *layer =
    model != NULL && inspector->grid_layer >= 0
      ? cs_model_layer (model, (size_t) inspector->grid_layer) : NULL;
  gboolean           wanted =
    gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (inspector->show_window));
  g_autofree char   *text = NULL;

  csui_input_view_set_window (inspector->input_view, wanted ? layer : NULL);
  if (!wanted)
    text = g_strdup ("");
  else if (layer == NULL || !csui_input_view_get_window (inspector->input_view))
    text = g_strdup (_("The selected layer slides no window."));
  else
    {
      int span[2];

      for (int axis = 0; axis < 2; axis++)
        span[axis] = (layer->kernel[axis] - 1) * layer->dilation[axis] + 1;
      text = g_strdup_printf (_("%s: zero padding of %d, %d, %d and %d cells (top, left, bottom, "
                                "right) around its %" PRId64 "×%" PRId64 " input; %d×%d windows "
                                "every %d×%d cells, so neighbours share %d×%d cells."),
                              layer->name, layer->pads[0], layer->pads[1], layer->pads[2],
                              layer->pads[3], layer->in_shape.dims[2], layer->in_shape.dims[3],
                              span[0], span[1], layer->stride[0], layer->stride[1],
                              MAX (0, span[0] - layer->stride[0]),
                              MAX (0, span[1] - layer->stride[1]));
    }
  gtk_label_set_text (GTK_LABEL (inspector->window_caption), text);
  gtk_widget_set_visible (inspector->window_caption, text[0] != '\0');
}

/* The selected layer's kernels, when it is a convolution. */
static void
show_kernels (CsuiInspector *inspector)
{
  const CsModel     *model = shown_model (inspector);
  int                layer = inspector->grid_layer;
  CsTensor          *kernels =
    model != NULL && layer >= 0 ? cs_model_conv_kernels (model, (size_t) layer, NULL) : NULL;
  const CsLayerInfo *info;
  CsuiKernelColour   colour = CSUI_KERNEL_GRAY;
  g_autofree char   *weights = NULL;
  g_autofree char   *text = NULL;

  if (kernels == NULL)
    {
      csui_kernel_grid_set_kernels (inspector->kernel_grid, NULL, 0, CSUI_KERNEL_GRAY);
      gtk_label_set_text (GTK_LABEL (inspector->kernels_caption),
                          _("Select a convolution layer to see its kernels."));
      return;
    }
  info = cs_model_layer (model, (size_t) layer);
  /* A first layer's three input channels are the picture's colours. */
  if (cs_model_layer_source (model, (size_t) layer) == CS_LAYER_SOURCE_INPUT
      && info->in_shape.dims[1] == 3)
    colour = outcome_card (inspector->shown)->channels == CS_CHANNELS_BGR
               ? CSUI_KERNEL_BGR : CSUI_KERNEL_RGB;
  weights = csui_format_count (cs_shape_numel (&kernels->shape));
  text = g_strdup_printf (colour == CSUI_KERNEL_GRAY
                            ? _("%s: %d×%d kernels; output channels: %" PRId64 ", input "
                                "channels per kernel: %" PRId64 "; %s weights (blue negative, "
                                "red positive).")
                            : _("%s: %d×%d kernels; output channels: %" PRId64 ", input "
                                "channels per kernel: %" PRId64 "; %s weights, each kernel in "
                                "colour: its red, green and blue weights, mid gray for 0."),
                          info->name, info->kernel[0], info->kernel[1], info->out_shape.dims[1],
                          kernels->shape.dims[1] / info->out_shape.dims[1], weights);
  csui_kernel_grid_set_kernels (inspector->kernel_grid, kernels, info->out_shape.dims[1], colour);
  gtk_label_set_text (GTK_LABEL (inspector->kernels_caption), text);
}

static void
show_window_toggled (GtkToggleButton *button, CsuiInspector *inspector)
{
  show_window (inspector);
}

/* What a fully connected first layer would need, next to the first
 * convolution, for the model shown. */
static void
show_mlp (CsuiInspector *inspector)
{
  const CsModel   *model = shown_model (inspector);
  GString         *text = g_string_new (NULL);
  g_autofree char *example = csui_format_count (cs_dense_weights (MLP_EXAMPLE_VALUES, MLP_UNITS));
  int64_t          dense = model != NULL ? cs_model_input_dense_weights (model, MLP_UNITS) : -1;

  if (dense > 0)
    {
      g_autofree char *dense_text = csui_format_count (dense);

      g_string_append_printf (text, _("A fully connected first layer of %d units on this "
                                      "model's input would need %s weights."),
                              MLP_UNITS, dense_text);
      for (size_t i = 0; i < cs_model_n_layers (model); i++)
        if (cs_model_layer (model, i)->kind == CS_LAYER_CONV)
          {
            const CsLayerInfo *conv = cs_model_layer (model, i);
            g_autofree char   *params = csui_format_count (conv->params);

            g_string_append_printf (text, _(" Its first convolution, %s, has %s parameters."),
                                    conv->name, params);
            break;
          }
      g_string_append_c (text, '\n');
    }
  g_string_append_printf (text, _("A 500×800 RGB photo into %d units: %s weights."), MLP_UNITS,
                          example);
  gtk_label_set_text (GTK_LABEL (inspector->mlp_numbers), text->str);
  g_string_free (text, TRUE);
}

/* The input @layer read in the shown run: the tap of the layer feeding
 * it, or the network's input; NULL when neither was kept. */
static const CsTensor *
layer_input (CsuiInspector *inspector, int layer)
{
  int source = cs_model_layer_source (shown_model (inspector), (size_t) layer);

  if (source == CS_LAYER_SOURCE_INPUT)
    return shown_input (inspector);
  return source >= 0 ? layer_tap (inspector, source) : NULL;
}

/* The class the channels are sorted for: the one explained, else the
 * most probable; -1 without predictions. */
static int
order_class (CsuiInspector *inspector, const char **label)
{
  if (inspector->heat_class >= 0)
    {
      *label = inspector->heat_label;
      return inspector->heat_class;
    }
  if (inspector->n_predictions == 0)
    return -1;
  *label = inspector->predictions[0].label;
  return inspector->predictions[0].index;
}

static void
order_done (GObject *source, GAsyncResult *result, gpointer data)
{
  CsuiInspector   *inspector = CSUI_INSPECTOR (source);
  g_autoptr (CsuiExplained) explained = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  const char      *label = NULL;
  const CsTensor  *tap;

  explained = csui_explain_finish (result, &error);
  inspector->n_running--;
  if (g_task_get_cancellable (G_TASK (result)) != inspector->order_cancellable)
    return;
  g_clear_object (&inspector->order_cancellable);
  order_class (inspector, &label);
  tap = layer_tap (inspector, inspector->grid_layer);
  if (explained == NULL)
    text = g_strdup_printf (_("The channels cannot be sorted: %s"), error->message);
  else if (tap == NULL || explained->n_channels != tap->shape.dims[1])
    text = g_strdup (_("The channels cannot be sorted: the gradient does not match the maps."));
  else
    {
      csui_feature_grid_set_order (inspector->grid, explained->order);
      text = g_strdup_printf (_("Sorted by Grad-CAM weight α for “%s”: channel %d first "
                                "(α = %.3g), channel %d last (α = %.3g)."),
                              label, explained->order[0], explained->alpha[explained->order[0]],
                              explained->order[explained->n_channels - 1],
                              explained->alpha[explained->order[explained->n_channels - 1]]);
    }
  gtk_label_set_text (GTK_LABEL (inspector->sort_caption), text);
}

/* Sorts the grid's channels by their Grad-CAM weights for the class
 * explained, when asked and a layer with maps is shown. */
static void
start_order (CsuiInspector *inspector)
{
  const CsTensor  *tap = layer_tap (inspector, inspector->grid_layer);
  const char      *label = NULL;
  CsExplainOptions options = { .method = CS_EXPLAIN_GRADCAM };

  if (inspector->order_cancellable != NULL)
    g_cancellable_cancel (inspector->order_cancellable);
  g_clear_object (&inspector->order_cancellable);
  csui_feature_grid_set_order (inspector->grid, NULL);
  gtk_label_set_text (GTK_LABEL (inspector->sort_caption), "");
  if (!gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (inspector->sort_by_weight))
      || tap == NULL || inspector->shown->classifier == NULL)
    return;
  options.element = order_class (inspector, &label);
  if (options.element < 0)
    return;
  options.layer = tap->name;
  gtk_label_set_text (GTK_LABEL (inspector->sort_caption),
                      _("Working out each channel's Grad-CAM weight…"));
  inspector->order_cancellable = g_cancellable_new ();
  csui_explain_async (inspector->shown->classifier, inspector->shown->input, outcome_unref,
                      g_atomic_rc_box_acquire (inspector->shown), &options, TRUE, inspector,
                      inspector->order_cancellable, order_done, NULL);
  inspector->n_running++;
}

static void
sort_toggled (GtkToggleButton *button, CsuiInspector *inspector)
{
  start_order (inspector);
}

static const char *const heat_methods[] = { N_("Grad-CAM"), N_("CAM"), N_("Saliency"),
                                            N_("Occlusion") };

static void
heat_done (GObject *source, GAsyncResult *result, gpointer data)
{
  CsuiInspector   *inspector = CSUI_INSPECTOR (source);
  g_autoptr (CsuiExplained) explained = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkPixbuf) heat = NULL;
  g_autofree char *text = NULL;
  const char      *method =
    _(heat_methods[gtk_combo_box_get_active (GTK_COMBO_BOX (inspector->heat_method))]);

  explained = csui_explain_finish (result, &error);
  inspector->n_running--;
  if (g_task_get_cancellable (G_TASK (result)) != inspector->heat_cancellable)
    return;
  g_clear_object (&inspector->heat_cancellable);
  if (explained == NULL)
    text = g_strdup (error->message);
  else
    {
      heat = csui_heat_overlay_new (explained->heat, explained->width, explained->height,
                                    HEAT_COLORMAP);
      text = explained->layer != NULL
               ? g_strdup_printf (_("%s of “%s” at layer %s: the brighter, the more that part "
                                    "of the picture counted for the class."),
                                  method, inspector->heat_label, explained->layer)
               : g_strdup_printf (_("%s of “%s”: the brighter, the more that part of the "
                                    "picture counted for the class."),
                                  method, inspector->heat_label);
    }
  csui_input_view_set_overlay (inspector->input_view, heat,
                               gtk_range_get_value (GTK_RANGE (inspector->heat_opacity)) / 100.0);
  gtk_label_set_text (GTK_LABEL (inspector->heat_caption), text);
}

/* The heat map of the class explained, by the method chosen. */
static void
start_heat (CsuiInspector *inspector)
{
  CsExplainOptions options = {
    .method = gtk_combo_box_get_active (GTK_COMBO_BOX (inspector->heat_method)),
    .element = inspector->heat_class,
  };

  if (inspector->heat_cancellable != NULL)
    g_cancellable_cancel (inspector->heat_cancellable);
  g_clear_object (&inspector->heat_cancellable);
  if (inspector->heat_class < 0 || inspector->shown == NULL
      || inspector->shown->classifier == NULL || inspector->shown->input == NULL)
    return;
  gtk_widget_show (inspector->heat_controls);
  gtk_label_set_text (GTK_LABEL (inspector->heat_caption), _("Working out the heat map…"));
  inspector->heat_cancellable = g_cancellable_new ();
  csui_explain_async (inspector->shown->classifier, inspector->shown->input, outcome_unref,
                      g_atomic_rc_box_acquire (inspector->shown), &options, FALSE, inspector,
                      inspector->heat_cancellable, heat_done, NULL);
  inspector->n_running++;
}

static void
prediction_clicked (GtkButton *button, CsuiInspector *inspector)
{
  int rank = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "rank"));

  if (rank >= inspector->n_predictions)
    return;
  inspector->heat_class = inspector->predictions[rank].index;
  g_free (inspector->heat_label);
  inspector->heat_label = g_strdup (inspector->predictions[rank].label);
  start_heat (inspector);
  start_order (inspector);
}

static void
heat_method_changed (GtkComboBox *combo, CsuiInspector *inspector)
{
  start_heat (inspector);
}

static void
heat_opacity_changed (GtkRange *range, CsuiInspector *inspector)
{
  CsuiInputView *view = inspector->input_view;

  if (inspector->heat_class >= 0)
    csui_input_view_set_overlay (view, csui_input_view_get_overlay (view),
                                 gtk_range_get_value (range) / 100.0);
}

/* @predictions as rows of label, bar and percentage; @narrow for two
 * lists side by side; with @inspector, each label a button that shows
 * its class's heat map. */
static GtkWidget *
predictions_grid (const CsPrediction *predictions, int n_predictions, gboolean narrow,
                  CsuiInspector *inspector)
{
  GtkWidget *grid = gtk_grid_new ();

  gtk_grid_set_column_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 4);
  for (int r = 0; r < n_predictions; r++)
    {
      const CsPrediction *prediction = &predictions[r];
      const char         *name = prediction->label;
      g_autofree char    *percent = g_strdup_printf ("%.1f %%", 100.0 * prediction->probability);
      GtkWidget          *label = gtk_label_new (name);
      GtkWidget          *button = inspector != NULL ? gtk_button_new () : NULL;
      GtkWidget          *bar = gtk_level_bar_new_for_interval (0.0, 1.0);
      GtkWidget          *value = gtk_label_new (percent);

      gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_width_chars (GTK_LABEL (label), narrow ? 8 : 12);
      gtk_label_set_max_width_chars (GTK_LABEL (label), narrow ? 10 : 18);
      gtk_widget_set_tooltip_text (label, name);
      if (button != NULL)
        {
          gtk_container_add (GTK_CONTAINER (button), label);
          gtk_button_set_relief (GTK_BUTTON (button), GTK_RELIEF_NONE);
          gtk_widget_set_name (button, "prediction");
          gtk_widget_set_tooltip_text (button,
                                       _("Click to see where the network found this class"));
          g_object_set_data (G_OBJECT (button), "rank", GINT_TO_POINTER (r));
          g_signal_connect (button, "clicked", G_CALLBACK (prediction_clicked), inspector);
        }
      /* The bar is a length, not a warning: no low/high colours. */
      gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_LOW);
      gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_HIGH);
      gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), CLAMP (prediction->probability, 0.0, 1.0));
      gtk_widget_set_hexpand (bar, TRUE);
      gtk_widget_set_size_request (bar, narrow ? 30 : 80, -1);
      gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
      gtk_label_set_xalign (GTK_LABEL (value), 1.0f);
      gtk_label_set_width_chars (GTK_LABEL (value), 7);
      gtk_grid_attach (GTK_GRID (grid), button != NULL ? button : label, 0, r, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), bar, 1, r, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), value, 2, r, 1, 1);
    }
  return grid;
}

static void
clear_box (GtkWidget *box)
{
  g_autoptr (GList) children = gtk_container_get_children (GTK_CONTAINER (box));

  for (GList *child = children; child != NULL; child = child->next)
    gtk_widget_destroy (child->data);
}

/* The predictions on the picture and on the picture shifted side by
 * side, each under its heading; the lists are named
 * "predictions-before" and "predictions-after". */
static void
show_shift_predictions (CsuiInspector *inspector)
{
  RunOutcome      *outcome = inspector->shown;
  GtkWidget       *grid, *before_heading, *after_heading, *before_list, *after_list;
  CsPrediction    *after;
  int              n_after = 0;
  g_autofree char *heading = NULL;

  clear_box (inspector->shift_predictions);
  if (outcome == NULL || outcome->shifted_result == NULL)
    {
      GtkWidget *hint = caption (NULL);

      gtk_label_set_text (GTK_LABEL (hint), _("Shift the input to compare the predictions."));
      gtk_box_pack_start (GTK_BOX (inspector->shift_predictions), hint, FALSE, FALSE, 0);
      gtk_widget_show_all (inspector->shift_predictions);
      return;
    }
  after = cs_classifier_top_k (outcome->classifier, outcome->shifted_result, inspector->top_k,
                               &n_after);
  heading = g_strdup_printf (_("Shifted %d down and %d right:"), outcome->shift_y,
                             outcome->shift_x);
  before_heading = caption (NULL);
  gtk_label_set_text (GTK_LABEL (before_heading), _("As it is:"));
  after_heading = caption (NULL);
  gtk_label_set_text (GTK_LABEL (after_heading), heading);
  before_list = predictions_grid (inspector->predictions, inspector->n_predictions, TRUE, NULL);
  gtk_widget_set_name (before_list, "predictions-before");
  after_list = predictions_grid (after, n_after, TRUE, NULL);
  gtk_widget_set_name (after_list, "predictions-after");
  grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 4);
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), TRUE);
  gtk_grid_attach (GTK_GRID (grid), before_heading, 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), after_heading, 1, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), before_list, 0, 1, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), after_list, 1, 1, 1, 1);
  cs_predictions_free (after, n_after);
  gtk_box_pack_start (GTK_BOX (inspector->shift_predictions), grid, FALSE, FALSE, 0);
  gtk_widget_show_all (inspector->shift_predictions);
}

static void
show_predictions (CsuiInspector *inspector)
{
  RunOutcome *outcome = inspector->shown;

  clear_box (inspector->predictions_box);
  cs_predictions_free (inspector->predictions, inspector->n_predictions);
  inspector->predictions = NULL;
  inspector->n_predictions = 0;
  if (outcome != NULL && outcome->result != NULL)
    {
      inspector->predictions = cs_classifier_top_k (outcome->classifier, outcome->result,
                                                    inspector->top_k, &inspector->n_predictions);
      gtk_box_pack_start (GTK_BOX (inspector->predictions_box),
                          predictions_grid (inspector->predictions, inspector->n_predictions,
                                            FALSE, inspector),
                          TRUE, TRUE, 0);
      gtk_widget_show_all (inspector->predictions_box);
    }
  show_shift_predictions (inspector);
}

/* The tap of @layer in what is shown, or NULL. */
static const CsTensor *
layer_tap (CsuiInspector *inspector, int layer)
{
  RunOutcome *outcome = inspector->shown;
  CsResult   *result;

  if (outcome == NULL || outcome->result == NULL || layer < 0
      || (size_t) layer >= cs_model_n_layers (outcome_model (outcome))
      || outcome->tap_of_layer[layer] < 0)
    return NULL;
  /* The shifted run has the same taps in the same order. */
  result = showing_shifted (inspector) ? outcome->shifted_result : outcome->result;
  return &result->taps[outcome->tap_of_layer[layer]];
}

static void
show_layer_maps (CsuiInspector *inspector, int layer)
{
  const CsTensor  *tap = layer_tap (inspector, layer);
  g_autofree char *caption = NULL;

  inspector->grid_layer = layer;
  show_window (inspector);
  show_kernels (inspector);
  clear_probe (inspector);
  if (tap == NULL)
    {
      csui_feature_grid_set_maps (inspector->grid, NULL, NULL, NULL);
      if (inspector->shown != NULL && inspector->shown->segmenter != NULL)
        caption = g_strdup (_("A segmentation model's feature maps are not kept: its layers "
                              "are too large at its input's size."));
      else if (inspector->shown != NULL && inspector->shown->result == NULL)
        caption = g_strdup (_("No image to look at yet."));
      else
        caption = g_strdup (_("Select a layer to see its feature maps."));
    }
  else
    {
      g_autofree char *shape = cs_shape_to_string (&tap->shape);
      int              shown;

      csui_feature_grid_set_maps (inspector->grid, tap, outcome_unref,
                                  g_atomic_rc_box_acquire (inspector->shown));
      shown = csui_feature_grid_get_n_thumbnails (inspector->grid);
      if (shown == 0)
        caption = g_strdup_printf (_("%s: output %s is not a stack of maps."), tap->name, shape);
      else if (shown < tap->shape.dims[1])
        caption = g_strdup_printf (_("%s: %s, the first %d of %" PRId64 " channels"),
                                   tap->name, shape, shown, tap->shape.dims[1]);
      else
        caption = g_strdup_printf (_("%s: %s, %d channels"), tap->name, shape, shown);
    }
  if (tap != NULL && showing_shifted (inspector))
    {
      char *unshifted = caption;

      caption = g_strdup_printf (_("%s; the input shifted %d down and %d right"), unshifted,
                                 inspector->shown->shift_y, inspector->shown->shift_x);
      g_free (unshifted);
    }
  gtk_label_set_text (GTK_LABEL (inspector->grid_caption), caption);
  start_order (inspector);
}

static void
map_hovered (CsuiFeatureGrid *grid, int channel, int y, int x, CsuiInspector *inspector)
{
  const CsModel   *model = shown_model (inspector);
  CsReceptiveBox   box;
  g_autofree char *text = NULL;

  if (channel < 0 || model == NULL || inspector->grid_layer < 0
      || !cs_model_receptive_box (model, (size_t) inspector->grid_layer, channel, y, x, &box,
                                  NULL))
    {
      csui_input_view_set_box (inspector->input_view, NULL);
      gtk_label_set_text (GTK_LABEL (inspector->receptive_caption),
                          _("Hover a pixel of the enlarged map to see which input pixels it "
                            "sees."));
      return;
    }
  csui_input_view_set_box (inspector->input_view, &box);
  if (!box.in_image)
    text = g_strdup_printf (_("Channel %d at row %d, column %d sees only zero padding."),
                            channel, y, x);
  else if (box.y0 == box.image_y0 && box.x0 == box.image_x0 && box.y1 == box.image_y1
           && box.x1 == box.image_x1)
    text = g_strdup_printf (_("Channel %d at row %d, column %d sees rows %" PRId64 " to %" PRId64
                              " and columns %" PRId64 " to %" PRId64 " of the input."),
                            channel, y, x, box.y0, box.y1, box.x0, box.x1);
  else
    text = g_strdup_printf (_("Channel %d at row %d, column %d sees rows %" PRId64 " to %" PRId64
                              " and columns %" PRId64 " to %" PRId64 ", reaching into the zero "
                              "padding (hatched); rows %" PRId64 " to %" PRId64 " and columns %"
                              PRId64 " to %" PRId64 " are in the image."),
                            channel, y, x, box.y0, box.y1, box.x0, box.x1, box.image_y0,
                            box.image_y1, box.image_x0, box.image_x1);
  gtk_label_set_text (GTK_LABEL (inspector->receptive_caption), text);
}

static void
clear_probe (CsuiInspector *inspector)
{
  csui_probe_view_set_probe (inspector->probe_view, NULL, NULL, 0.0f);
  gtk_widget_hide (GTK_WIDGET (inspector->probe_view));
  gtk_widget_show (inspector->probe_hint);
  gtk_label_set_text (GTK_LABEL (inspector->probe_hint),
                      _("Click a pixel of the enlarged map of a convolution layer to see how "
                        "it was computed."));
}

static gboolean
reveal_probe (gpointer data)
{
  CsuiInspector *inspector = data;
  GtkAdjustment *scroll =
    gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (inspector->side_scroll));
  GtkWidget     *content = gtk_bin_get_child (GTK_BIN (inspector->side_scroll));
  int            x, y;

  inspector->reveal_source = 0;
  if (GTK_IS_VIEWPORT (content))
    content = gtk_bin_get_child (GTK_BIN (content));
  if (gtk_widget_translate_coordinates (inspector->probe_section, content, 0, 0, &x, &y))
    gtk_adjustment_clamp_page (scroll, y,
                               y + gtk_widget_get_allocated_height (inspector->probe_section));
  return G_SOURCE_REMOVE;
}

static void
map_clicked (CsuiFeatureGrid *grid, int channel, int y, int x, CsuiInspector *inspector)
{
  const CsModel      *model = shown_model (inspector);
  const CsTensor     *tap = layer_tap (inspector, inspector->grid_layer);
  const CsTensor     *input;
  g_autoptr (CsConvProbe) probe = NULL;
  g_autoptr (GError) error = NULL;

  if (model == NULL || tap == NULL)
    return;
  if (cs_model_layer (model, (size_t) inspector->grid_layer)->kind != CS_LAYER_CONV)
    {
      clear_probe (inspector);
      gtk_label_set_text (GTK_LABEL (inspector->probe_hint),
                          _("This layer is no convolution: click a pixel of a convolution "
                            "layer's map."));
      return;
    }
  input = layer_input (inspector, inspector->grid_layer);
  probe = cs_conv_probe_new (model, (size_t) inspector->grid_layer, input, channel, y, x,
                             &error);
  if (probe == NULL)
    {
      clear_probe (inspector);
      gtk_label_set_text (GTK_LABEL (inspector->probe_hint),
                          g_error_matches (error, CS_ERROR, CS_ERROR_UNSUPPORTED)
                              ? _("This convolution first scales its input's channels by a "
                                  "squeeze-excitation, which its input map alone does not show: "
                                  "pick another layer.")
                              : error->message);
      return;
    }
  csui_probe_view_set_probe (inspector->probe_view, tap->name, probe,
                             ((const float *) tap->data)[(channel * tap->shape.dims[2] + y)
                                                         * tap->shape.dims[3] + x]);
  gtk_widget_hide (inspector->probe_hint);
  gtk_widget_show (GTK_WIDGET (inspector->probe_view));
  /* Once laid out, scrolled into view: it opens below the fold. */
  if (inspector->reveal_source == 0)
    inspector->reveal_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 20, reveal_probe,
                                                inspector, NULL);
}

static void
layer_selected (CsuiLayerTable *table, int layer, CsuiInspector *inspector)
{
  /* Selecting or unselecting other rows leaves the grid, and the channel
   * enlarged in it, as it is. */
  if (layer != inspector->grid_layer)
    show_layer_maps (inspector, layer);
}

/* The first conv layer: where the maps still look like the picture. */
static int
first_conv_layer (const CsModel *model)
{
  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    if (cs_model_layer (model, i)->kind == CS_LAYER_CONV)
      return (int) i;
  return cs_model_n_layers (model) > 0 ? 0 : -1;
}

static void
show_outcome (CsuiInspector *inspector, RunOutcome *outcome)
{
  gboolean new_model = inspector->shown == NULL
                       || inspector->shown->classifier != outcome->classifier
                       || inspector->shown->segmenter != outcome->segmenter;
  int      layer = csui_layer_table_get_selected (inspector->table);
  /* Another shift or region keeps the channel looked at enlarged. */
  int      enlarged = new_model ? -1 : csui_feature_grid_get_enlarged (inspector->grid);

  if (inspector->shown != NULL)
    outcome_unref (inspector->shown);
  inspector->shown = outcome;
  gtk_widget_hide (inspector->info_bar);
  /* A heat map belongs to the run it explained. */
  inspector->heat_class = -1;
  start_heat (inspector);
  gtk_widget_hide (inspector->heat_controls);
  if (new_model)
    {
      const CsModel *model = outcome_model (outcome);

      csui_model_chooser_show_model (inspector->chooser, model, outcome_model_path (outcome));
      csui_layer_table_set_model (inspector->table, model);
      layer = first_conv_layer (model);
      if (outcome_labels_error (outcome) != NULL)
        show_labels_warning (inspector, outcome_labels_error (outcome));
    }
  show_preview (inspector);
  show_predictions (inspector);
  show_mlp (inspector);
  /* Selecting the row again would not tell the table anything new. */
  if (layer == csui_layer_table_get_selected (inspector->table))
    show_layer_maps (inspector, layer);
  else
    csui_layer_table_select (inspector->table, layer);
  csui_feature_grid_set_enlarged (inspector->grid, enlarged);
}

static void
run_done (GObject *source, GAsyncResult *result, gpointer data)
{
  CsuiInspector *inspector = CSUI_INSPECTOR (source);
  GTask         *task = G_TASK (result);
  RunOutcome    *outcome;
  GError        *error = NULL;

  outcome = g_task_propagate_pointer (task, &error);
  inspector->n_running--;
  /* A newer run replaced this one: its results are not wanted. */
  if (g_task_get_cancellable (task) != inspector->cancellable)
    {
      if (outcome != NULL)
        outcome_unref (outcome);
      g_clear_error (&error);
      return;
    }
  g_clear_object (&inspector->cancellable);
  g_clear_pointer (&inspector->loading_path, g_free);
  gtk_spinner_stop (GTK_SPINNER (inspector->spinner));
  if (outcome == NULL)
    {
      /* The chooser goes back to the model still shown, which stays usable. */
      if (inspector->shown != NULL)
        csui_model_chooser_show_model (inspector->chooser, outcome_model (inspector->shown),
                                       outcome_model_path (inspector->shown));
      else
        csui_model_chooser_show_model (inspector->chooser, NULL, NULL);
      show_error (inspector, error->message);
      g_error_free (error);
      return;
    }
  show_outcome (inspector, outcome);
  g_signal_emit (inspector, signals[RUN_FINISHED], 0);
}

/* Cancels the run in flight and starts one loading @model_path (NULL:
 * rerunning the shown model) on the current source. */
static void
start_run (CsuiInspector *inspector, const char *model_path)
{
  /* @model_path may be the loading_path replaced here. */
  g_autofree char *path = g_strdup (model_path);
  RunRequest      *request;
  GTask           *task;

  if (model_path == NULL && inspector->shown == NULL)
    return;
  if (inspector->cancellable != NULL)
    g_cancellable_cancel (inspector->cancellable);
  g_clear_object (&inspector->cancellable);
  g_free (inspector->loading_path);
  inspector->loading_path = g_strdup (path);

  request = g_new0 (RunRequest, 1);
  request->model_path = g_steal_pointer (&path);
  if (request->model_path == NULL && inspector->shown->segmenter != NULL)
    request->segmenter = cs_segmenter_ref (inspector->shown->segmenter);
  else if (request->model_path == NULL)
    request->classifier = cs_classifier_ref (inspector->shown->classifier);
  if (inspector->buffer != NULL)
    {
      request->buffer = g_object_ref (inspector->buffer);
      request->roi = inspector->roi;
      request->shift_y = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (inspector->shift_y));
      request->shift_x = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (inspector->shift_x));
    }
  inspector->cancellable = g_cancellable_new ();
  task = g_task_new (inspector, inspector->cancellable, run_done, NULL);
  g_task_set_source_tag (task, start_run);
  g_task_set_task_data (task, request, request_free);
  g_task_run_in_thread (task, run_thread);
  g_object_unref (task);
  inspector->n_running++;
  gtk_spinner_start (GTK_SPINNER (inspector->spinner));
}

/* A new shift reruns the picture and the picture shifted. */
static void
shift_changed (GtkSpinButton *button, CsuiInspector *inspector)
{
  start_run (inspector, inspector->loading_path);
}

/* Switches the picture, the maps and the probe between the two runs,
 * keeping the channel looked at enlarged so the map is seen to move. */
static void
show_shifted_toggled (GtkToggleButton *button, CsuiInspector *inspector)
{
  int enlarged = csui_feature_grid_get_enlarged (inspector->grid);

  if (inspector->shown == NULL)
    return;
  show_preview (inspector);
  show_layer_maps (inspector, inspector->grid_layer);
  csui_feature_grid_set_enlarged (inspector->grid, enlarged);
}

static void
model_chosen (CsuiModelChooser *chooser, const char *path, CsuiInspector *inspector)
{
  csui_inspector_set_model_path (inspector, path);
}

static void
colormap_changed (GtkComboBox *combo, CsuiInspector *inspector)
{
  CsColormap colormap;

  if (cs_colormap_from_name (gtk_combo_box_get_active_id (combo), &colormap))
    csui_feature_grid_set_colormap (inspector->grid, colormap);
}

static void
range_changed (GtkComboBox *combo, CsuiInspector *inspector)
{
  csui_feature_grid_set_range (inspector->grid,
                               g_strcmp0 (gtk_combo_box_get_active_id (combo), "layer") == 0
                                 ? CS_MAP_RANGE_LAYER : CS_MAP_RANGE_CHANNEL);
}

static void
info_bar_response (GtkInfoBar *bar, int response, CsuiInspector *inspector)
{
  gtk_widget_hide (GTK_WIDGET (bar));
}

static void
csui_inspector_dispose (GObject *object)
{
  CsuiInspector *inspector = CSUI_INSPECTOR (object);

  if (inspector->cancellable != NULL)
    g_cancellable_cancel (inspector->cancellable);
  if (inspector->heat_cancellable != NULL)
    g_cancellable_cancel (inspector->heat_cancellable);
  if (inspector->order_cancellable != NULL)
    g_cancellable_cancel (inspector->order_cancellable);
  g_clear_handle_id (&inspector->reveal_source, g_source_remove);
  G_OBJECT_CLASS (csui_inspector_parent_class)->dispose (object);
}

static void
csui_inspector_finalize (GObject *object)
{
  CsuiInspector *inspector = CSUI_INSPECTOR (object);

  g_clear_object (&inspector->cancellable);
  g_clear_object (&inspector->heat_cancellable);
  g_clear_object (&inspector->order_cancellable);
  g_free (inspector->heat_label);
  g_clear_object (&inspector->buffer);
  g_free (inspector->loading_path);
  if (inspector->shown != NULL)
    outcome_unref (inspector->shown);
  cs_predictions_free (inspector->predictions, inspector->n_predictions);
  g_free (inspector->selected_taps.taps);
  g_free (inspector->error);
  G_OBJECT_CLASS (csui_inspector_parent_class)->finalize (object);
}

static void
csui_inspector_class_init (CsuiInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = csui_inspector_dispose;
  object_class->finalize = csui_inspector_finalize;

  signals[RUN_FINISHED] = g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 0);
  signals[RUN_FAILED] = g_signal_new ("run-failed", G_TYPE_FROM_CLASS (klass),
                                      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                      G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
csui_inspector_init (CsuiInspector *inspector)
{
  inspector->top_k = 5;
  inspector->grid_layer = -1;
  inspector->heat_class = -1;
}

/* A bold heading over @child; @title may hold a mnemonic, which goes
 * to @child. */
static GtkWidget *
section (const char *title, GtkWidget *child)
{
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *label = gtk_label_new (NULL);
  g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b>", title);

  gtk_label_set_markup_with_mnemonic (GTK_LABEL (label), markup);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), child);
  gtk_frame_set_label_widget (GTK_FRAME (frame), label);
  gtk_frame_set_shadow_type (GTK_FRAME (frame), GTK_SHADOW_NONE);
  g_object_set (child, "margin", 6, NULL);
  gtk_container_add (GTK_CONTAINER (frame), child);
  return frame;
}

static GtkWidget *
labelled_combo (GtkWidget *row, const char *mnemonic, const char *tooltip,
                const char *const *ids_and_names)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (mnemonic);
  GtkWidget *combo = gtk_combo_box_text_new ();

  for (int i = 0; ids_and_names[i] != NULL; i += 2)
    gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (combo), ids_and_names[i],
                               _(ids_and_names[i + 1]));
  gtk_combo_box_set_active (GTK_COMBO_BOX (combo), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), combo);
  gtk_widget_set_tooltip_text (combo, tooltip);
  gtk_box_pack_start (GTK_BOX (row), label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (row), combo, FALSE, FALSE, 0);
  return combo;
}

/* A label the lessons write their numbers into, named for finding. */
static GtkWidget *
caption (const char *name)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 44);
  if (name != NULL)
    gtk_widget_set_name (label, name);
  return label;
}

/* A lesson's one-paragraph explanation, folded away until asked for so
 * the pictures stay in view; @name names the expander. */
static GtkWidget *
explanation (const char *name, const char *text)
{
  GtkWidget *expander = gtk_expander_new_with_mnemonic (_("_Why?"));
  GtkWidget *label = caption (NULL);

  gtk_widget_set_name (expander, name);
  gtk_label_set_text (GTK_LABEL (label), text);
  gtk_style_context_add_class (gtk_widget_get_style_context (label), GTK_STYLE_CLASS_DIM_LABEL);
  gtk_container_add (GTK_CONTAINER (expander), label);
  return expander;
}

static GtkWidget *
maps_panel (CsuiInspector *inspector)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  GtkWidget *switcher = gtk_stack_switcher_new ();
  GtkWidget *kernels_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *kernels_scroll = gtk_scrolled_window_new (NULL, NULL);

  inspector->maps_stack = gtk_stack_new ();
  gtk_widget_set_name (inspector->maps_stack, "maps-stack");
  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (switcher), GTK_STACK (inspector->maps_stack));
  gtk_box_pack_start (GTK_BOX (row), switcher, FALSE, FALSE, 0);
  inspector->grid_caption = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (inspector->grid_caption), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (inspector->grid_caption), PANGO_ELLIPSIZE_MIDDLE);
  /* Its own line: the page switcher leaves the row little room. */
  gtk_box_pack_start (GTK_BOX (box), inspector->grid_caption, FALSE, FALSE, 0);
  inspector->sort_by_weight =
    gtk_check_button_new_with_mnemonic (_("Sort _by Grad-CAM weight"));
  gtk_widget_set_name (inspector->sort_by_weight, "sort-by-weight");
  gtk_widget_set_tooltip_text (inspector->sort_by_weight,
                               _("Put the channels in the order of their Grad-CAM weight α for "
                                 "the class clicked in the predictions (the most probable until "
                                 "one is): the channels that voted for it come first"));
  g_signal_connect (inspector->sort_by_weight, "toggled", G_CALLBACK (sort_toggled), inspector);
  gtk_box_pack_start (GTK_BOX (row), inspector->sort_by_weight, FALSE, FALSE, 0);
  inspector->sort_caption = caption ("sort-caption");
  gtk_label_set_max_width_chars (GTK_LABEL (inspector->sort_caption), 80);
  gtk_box_pack_start (GTK_BOX (box), inspector->sort_caption, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (row), gtk_label_new (NULL), TRUE, TRUE, 0);
  inspector->colormap_combo =
    labelled_combo (row, _("Colour ma_p:"), _("How activation values become colours"),
                    (const char *const[]) { "viridis", N_("Viridis"), "gray", N_("Gray"),
                                            "diverging", N_("Diverging (− blue, + red)"),
                                            NULL });
  inspector->range_combo =
    labelled_combo (row, _("Ra_nge:"),
                    _("Spread each channel over the colours by itself, or use one range "
                      "for the whole layer so channels can be compared"),
                    (const char *const[]) { "channel", N_("Per channel"),
                                            "layer", N_("Whole layer"), NULL });
  g_signal_connect (inspector->colormap_combo, "changed", G_CALLBACK (colormap_changed),
                    inspector);
  g_signal_connect (inspector->range_combo, "changed", G_CALLBACK (range_changed), inspector);

  inspector->grid = CSUI_FEATURE_GRID (csui_feature_grid_new ());
  g_signal_connect (inspector->grid, "map-hovered", G_CALLBACK (map_hovered), inspector);
  g_signal_connect (inspector->grid, "map-clicked", G_CALLBACK (map_clicked), inspector);
  gtk_widget_set_vexpand (GTK_WIDGET (inspector->grid), TRUE);
  inspector->action_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  inspector->kernel_grid = CSUI_KERNEL_GRID (csui_kernel_grid_new ());
  gtk_widget_set_name (GTK_WIDGET (inspector->kernel_grid), "kernels");
  inspector->kernels_caption = caption ("kernels-caption");
  gtk_label_set_max_width_chars (GTK_LABEL (inspector->kernels_caption), 80);
  gtk_container_add (GTK_CONTAINER (kernels_scroll), GTK_WIDGET (inspector->kernel_grid));
  gtk_widget_set_vexpand (kernels_scroll, TRUE);
  gtk_box_pack_start (GTK_BOX (kernels_box), inspector->kernels_caption, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (kernels_box), kernels_scroll, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (kernels_box),
                      explanation ("kernels-why",
                                  _("A convolution layer learns a few small kernels, each a "
                                    "set of weights over a patch of every input channel; the "
                                    "same kernel slides over the whole input, so one kernel "
                                    "finds one feature wherever it is. Many kernels learn "
                                    "different features: the first layer's kernels, shown in "
                                    "colour for a colour picture, look like edges, lines, "
                                    "spots and colour contrasts; deeper ones combine the "
                                    "maps below them. Blue weights subtract, red ones add.")),
                      FALSE, FALSE, 0);
  gtk_stack_add_titled (GTK_STACK (inspector->maps_stack), GTK_WIDGET (inspector->grid), "maps",
                        _("Maps"));
  gtk_stack_add_titled (GTK_STACK (inspector->maps_stack), kernels_box, "kernels",
                        _("Kernels"));

  gtk_box_pack_start (GTK_BOX (box), row, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), inspector->maps_stack, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (box), inspector->action_box, FALSE, FALSE, 0);
  return section (_("Feature maps"), box);
}

/* How the heat map of a clicked prediction is made and shown; hidden
 * until there is one. */
static GtkWidget *
heat_panel (CsuiInspector *inspector)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *opacity_label = gtk_label_new_with_mnemonic (_("Op_acity:"));

  inspector->heat_controls = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_name (inspector->heat_controls, "heat-controls");
  inspector->heat_method =
    labelled_combo (row, _("_Method:"), _("How the heat map is computed"),
                    (const char *const[]) { "gradcam", heat_methods[CS_EXPLAIN_GRADCAM],
                                            "cam", heat_methods[CS_EXPLAIN_CAM],
                                            "saliency", heat_methods[CS_EXPLAIN_SALIENCY],
                                            "occlusion", heat_methods[CS_EXPLAIN_OCCLUSION],
                                            NULL });
  gtk_widget_set_name (inspector->heat_method, "heat-method");
  g_signal_connect (inspector->heat_method, "changed", G_CALLBACK (heat_method_changed),
                    inspector);
  inspector->heat_opacity = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 100, 1);
  gtk_widget_set_name (inspector->heat_opacity, "heat-opacity");
  gtk_range_set_value (GTK_RANGE (inspector->heat_opacity), 50);
  gtk_widget_set_hexpand (inspector->heat_opacity, TRUE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (opacity_label), inspector->heat_opacity);
  g_signal_connect (inspector->heat_opacity, "value-changed", G_CALLBACK (heat_opacity_changed),
                    inspector);
  gtk_box_pack_start (GTK_BOX (row), opacity_label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (row), inspector->heat_opacity, TRUE, TRUE, 0);
  inspector->heat_caption = caption ("heat-caption");
  gtk_box_pack_start (GTK_BOX (inspector->heat_controls), row, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (inspector->heat_controls), inspector->heat_caption, FALSE, FALSE,
                      0);
  return inspector->heat_controls;
}

/* The input, framed by the receptive field of the hovered map pixel and
 * by the selected layer's padding and stride when asked. */
static GtkWidget *
input_panel (CsuiInspector *inspector)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);

  inspector->input_view = CSUI_INPUT_VIEW (csui_input_view_new ());
  gtk_widget_set_name (GTK_WIDGET (inspector->input_view), "input-view");
  gtk_widget_set_tooltip_text (GTK_WIDGET (inspector->input_view),
                               _("The network's input: the image region after cropping, "
                                 "resizing and normalization, shown as colours again"));
  inspector->receptive_caption = caption ("receptive-caption");
  gtk_label_set_text (GTK_LABEL (inspector->receptive_caption),
                      _("Hover a pixel of the enlarged map to see which input pixels it sees."));
  inspector->show_window =
    gtk_check_button_new_with_mnemonic (_("Show the padding and _stride of the selected layer"));
  gtk_widget_set_name (inspector->show_window, "show-padding");
  g_signal_connect (inspector->show_window, "toggled", G_CALLBACK (show_window_toggled),
                    inspector);
  inspector->window_caption = caption ("window-caption");

  gtk_box_pack_start (GTK_BOX (box), GTK_WIDGET (inspector->input_view), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), heat_panel (inspector), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), inspector->receptive_caption, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box),
                      explanation ("receptive-why",
                                  _("Each pixel of a feature map is computed from a window of "
                                    "the layer below, which was computed from a window of the "
                                    "layer below it, and so on: the receptive field, the part "
                                    "of the input one pixel sees, grows layer by layer. Early "
                                    "layers see a few pixels and find edges, lines and colours; "
                                    "later ones see large parts of the image and respond to "
                                    "shapes, parts and objects, as the visual cortex does from "
                                    "V1 to IT. Where the field reaches past the border it sees "
                                    "zeros, the padding, drawn hatched.")),
                      FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), inspector->show_window, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), inspector->window_caption, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box),
                      explanation ("padding-why",
                                  _("A window near the border would hang over the edge, so the "
                                    "layer's input is surrounded by zeros (blue): without them "
                                    "the border pixels would be visited less often than the "
                                    "centre and the map would shrink at every layer. The stride "
                                    "is how far the window moves each step (the ticks): a "
                                    "stride smaller than the window makes neighbouring windows "
                                    "overlap, a stride of 2 halves the map.")),
                      FALSE, FALSE, 0);
  return box;
}

static GtkWidget *
probe_panel (CsuiInspector *inspector)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);

  inspector->probe_hint = caption ("probe-hint");
  inspector->probe_view = CSUI_PROBE_VIEW (csui_probe_view_new ());
  /* Shown on a click only; its parts always. */
  gtk_widget_show_all (GTK_WIDGET (inspector->probe_view));
  gtk_widget_set_no_show_all (GTK_WIDGET (inspector->probe_view), TRUE);
  gtk_box_pack_start (GTK_BOX (box), inspector->probe_hint, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), GTK_WIDGET (inspector->probe_view), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box),
                      explanation ("probe-why",
                                  _("A kernel is a small set of learned weights that slides "
                                    "over the image, the same weights at every position. One "
                                    "output pixel is the sum of the products of the input patch "
                                    "under the kernel with the kernel's weights, over every "
                                    "input channel, plus a bias, through the activation; that "
                                    "result is the value in the feature map.")),
                      FALSE, FALSE, 0);
  return box;
}

static GtkWidget *
mlp_panel (CsuiInspector *inspector)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);

  inspector->mlp_numbers = caption ("mlp-numbers");
  gtk_box_pack_start (GTK_BOX (box), inspector->mlp_numbers, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box),
                      explanation ("mlp-why",
                                  _("A plain fully connected network must flatten the image "
                                    "into one long row of numbers: which pixels were neighbours "
                                    "is lost, every unit has a weight for every pixel, and the "
                                    "weights explode (a 500×800 RGB photo into 1,024 units "
                                    "needs about 1.2 billion). A pattern moved by a few pixels "
                                    "meets other weights and looks like a different input. A "
                                    "convolution shares one small kernel over all positions, so "
                                    "its features move with the pattern. The layer table gives, "
                                    "for every layer, the weights a dense layer in its place "
                                    "would need.")),
                      FALSE, FALSE, 0);
  return box;
}

/* A spin button of the shift along one axis, named @name, after its
 * mnemonic label in @row. */
static GtkWidget *
shift_spin (GtkWidget *row, const char *mnemonic, const char *name, CsuiInspector *inspector)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (mnemonic);
  GtkWidget *spin = gtk_spin_button_new_with_range (-SHIFT_MAX, SHIFT_MAX, 1);

  gtk_widget_set_name (spin, name);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), spin);
  g_signal_connect (spin, "value-changed", G_CALLBACK (shift_changed), inspector);
  gtk_box_pack_start (GTK_BOX (row), label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (row), spin, FALSE, FALSE, 0);
  return spin;
}

static GtkWidget *
invariance_panel (CsuiInspector *inspector)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  inspector->shift_y = shift_spin (row, _("Shift _down:"), "shift-y", inspector);
  inspector->shift_x = shift_spin (row, _("_right:"), "shift-x", inspector);
  gtk_widget_set_tooltip_text (row, _("Input pixels to move the picture by; negative values "
                                      "move it up and left"));
  inspector->show_shifted =
    gtk_check_button_new_with_mnemonic (_("Show the s_hifted picture and its maps"));
  gtk_widget_set_name (inspector->show_shifted, "show-shifted");
  g_signal_connect (inspector->show_shifted, "toggled", G_CALLBACK (show_shifted_toggled),
                    inspector);
  inspector->shift_predictions = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_name (inspector->shift_predictions, "shift-predictions");

  gtk_box_pack_start (GTK_BOX (box), row, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), inspector->shift_predictions, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), inspector->show_shifted, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box),
                      explanation ("invariance-why",
                                  _("A convolution slides the same kernel over every position, "
                                    "so when the pattern moves by a few pixels its feature maps "
                                    "move with it, by as many pixels (divided by the strides on "
                                    "the way; a shift the strides do not divide changes the "
                                    "maps a little): convolution is equivariant to shifts. Max "
                                    "pooling keeps the strongest answer of each window, "
                                    "whichever pixel gave it, and a global pooling before the "
                                    "classifier keeps how strongly each feature answered, not "
                                    "where, so such a network's prediction hardly changes: it is "
                                    "nearly invariant. A network that flattens a small map, as "
                                    "the bundled one does, still sees roughly where the features "
                                    "are and changes more with larger shifts. A flattened fully "
                                    "connected network has its own weight for every pixel, so "
                                    "to it a 7 moved by a few pixels is a different input.")),
                      FALSE, FALSE, 0);
  return box;
}

GtkWidget *
csui_inspector_new (const char *bundled_dir)
{
  CsuiInspector *inspector = g_object_new (CSUI_TYPE_INSPECTOR,
                                           "orientation", GTK_ORIENTATION_VERTICAL,
                                           "spacing", 6, NULL);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *side_scroll = inspector->side_scroll = gtk_scrolled_window_new (NULL, NULL);
  GtkWidget *across = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  GtkWidget *down = gtk_paned_new (GTK_ORIENTATION_VERTICAL);
  g_autoptr (CsModelEntry) entry = NULL;

  inspector->info_bar = gtk_info_bar_new ();
  gtk_info_bar_set_message_type (GTK_INFO_BAR (inspector->info_bar), GTK_MESSAGE_ERROR);
  gtk_info_bar_set_show_close_button (GTK_INFO_BAR (inspector->info_bar), TRUE);
  inspector->error_label = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (inspector->error_label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (inspector->error_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (inspector->error_label), 0.0f);
  gtk_container_add (GTK_CONTAINER (gtk_info_bar_get_content_area (GTK_INFO_BAR (inspector->info_bar))),
                     inspector->error_label);
  g_signal_connect (inspector->info_bar, "response", G_CALLBACK (info_bar_response), inspector);

  inspector->chooser = CSUI_MODEL_CHOOSER (csui_model_chooser_new (bundled_dir));
  g_signal_connect (inspector->chooser, "model-chosen", G_CALLBACK (model_chosen), inspector);
  inspector->spinner = gtk_spinner_new ();
  gtk_widget_set_valign (inspector->spinner, GTK_ALIGN_START);
  gtk_widget_set_tooltip_text (inspector->spinner, _("The network is running"));
  gtk_box_pack_start (GTK_BOX (top), GTK_WIDGET (inspector->chooser), TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (top), inspector->spinner, FALSE, FALSE, 0);

  inspector->predictions_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_pack_start (GTK_BOX (side), section (_("What the model sees"), input_panel (inspector)),
                      FALSE, FALSE, 0);
  inspector->predictions_section = section (_("Predictions"), inspector->predictions_box);
  gtk_widget_set_name (inspector->predictions_section, "predictions-section");
  gtk_box_pack_start (GTK_BOX (side), inspector->predictions_section, FALSE, FALSE, 0);
  inspector->legend = CSUI_CLASS_LEGEND (csui_class_legend_new ());
  inspector->classes_section = section (_("Classes present"), GTK_WIDGET (inspector->legend));
  gtk_widget_set_name (inspector->classes_section, "classes-section");
  gtk_box_pack_start (GTK_BOX (side), inspector->classes_section, FALSE, FALSE, 0);
  inspector->probe_section = section (_("The convolution at this pixel"),
                                     probe_panel (inspector));
  gtk_box_pack_start (GTK_BOX (side), inspector->probe_section, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (side),
                      section (_("Why not a fully connected network?"), mlp_panel (inspector)),
                      FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (side), section (_("Shifted by a few pixels"),
                                               invariance_panel (inspector)),
                      FALSE, FALSE, 0);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (side_scroll), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_container_add (GTK_CONTAINER (side_scroll), side);

  inspector->table = CSUI_LAYER_TABLE (csui_layer_table_new ());
  g_signal_connect (inspector->table, "layer-selected", G_CALLBACK (layer_selected), inspector);
  gtk_paned_pack1 (GTK_PANED (down), section (_("La_yers"), GTK_WIDGET (inspector->table)),
                   TRUE, FALSE);
  gtk_paned_pack2 (GTK_PANED (down), maps_panel (inspector), TRUE, FALSE);
  gtk_paned_set_position (GTK_PANED (down), 300);
  gtk_paned_pack1 (GTK_PANED (across), side_scroll, FALSE, FALSE);
  gtk_paned_pack2 (GTK_PANED (across), down, TRUE, FALSE);

  gtk_box_pack_start (GTK_BOX (inspector), inspector->info_bar, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (inspector), top, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (inspector), across, TRUE, TRUE, 0);
  gtk_widget_show_all (GTK_WIDGET (inspector));
  gtk_widget_hide (inspector->info_bar);
  gtk_widget_hide (inspector->classes_section);
  gtk_widget_hide (inspector->heat_controls);
  clear_probe (inspector);

  /* Without a default there is nothing to show until one is chosen. */
  entry = cs_models_default (bundled_dir, NULL);
  if (entry != NULL)
    csui_inspector_set_model_path (inspector, entry->path);
  return GTK_WIDGET (inspector);
}

void
csui_inspector_set_source (CsuiInspector *inspector, GeglBuffer *buffer,
                           const GeglRectangle *roi)
{
  g_return_if_fail (CSUI_IS_INSPECTOR (inspector));
  g_return_if_fail (GEGL_IS_BUFFER (buffer));

  g_set_object (&inspector->buffer, buffer);
  inspector->roi = roi != NULL ? *roi : *gegl_buffer_get_extent (buffer);
  start_run (inspector, inspector->loading_path);
}

void
csui_inspector_set_model_path (CsuiInspector *inspector, const char *path)
{
  g_return_if_fail (CSUI_IS_INSPECTOR (inspector));
  g_return_if_fail (path != NULL);
  start_run (inspector, path);
}

void
csui_inspector_set_top_k (CsuiInspector *inspector, int top_k)
{
  g_return_if_fail (CSUI_IS_INSPECTOR (inspector));
  inspector->top_k = MAX (1, top_k);
  if (inspector->shown != NULL)
    show_predictions (inspector);
}

guint
csui_inspector_get_n_running (CsuiInspector *inspector)
{
  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), 0);
  return inspector->n_running;
}

CsClassifier *
csui_inspector_get_classifier (CsuiInspector *inspector)
{
  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), NULL);
  return inspector->shown != NULL ? inspector->shown->classifier : NULL;
}

const CsResult *
csui_inspector_get_selected_taps (CsuiInspector *inspector)
{
  g_autoptr (GArray) layers = NULL;
  CsResult *taps;

  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), NULL);
  taps = &inspector->selected_taps;
  layers = csui_layer_table_get_selected_layers (inspector->table);
  g_free (taps->taps);
  /* Copies of the tensors' headers: the data stays the run's. */
  *taps = (CsResult) { .taps = g_new (CsTensor, MAX (layers->len, 1)) };
  for (guint i = 0; i < layers->len; i++)
    {
      const CsTensor *tap = layer_tap (inspector, g_array_index (layers, int, i));

      if (tap != NULL)
        taps->taps[taps->n_taps++] = *tap;
    }
  return taps->n_taps > 0 ? taps : NULL;
}

const CsPrediction *
csui_inspector_get_predictions (CsuiInspector *inspector, int *n)
{
  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), NULL);
  *n = inspector->n_predictions;
  return inspector->predictions;
}

const char *
csui_inspector_get_error (CsuiInspector *inspector)
{
  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), NULL);
  return inspector->error;
}

CsuiModelChooser *
csui_inspector_get_chooser (CsuiInspector *inspector)
{
  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), NULL);
  return inspector->chooser;
}

CsuiLayerTable *
csui_inspector_get_layer_table (CsuiInspector *inspector)
{
  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), NULL);
  return inspector->table;
}

CsuiFeatureGrid *
csui_inspector_get_feature_grid (CsuiInspector *inspector)
{
  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), NULL);
  return inspector->grid;
}

CsuiInputView *
csui_inspector_get_input_view (CsuiInspector *inspector)
{
  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), NULL);
  return inspector->input_view;
}

CsuiProbeView *
csui_inspector_get_probe_view (CsuiInspector *inspector)
{
  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), NULL);
  return inspector->probe_view;
}

CsuiKernelGrid *
csui_inspector_get_kernel_grid (CsuiInspector *inspector)
{
  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), NULL);
  return inspector->kernel_grid;
}

GtkBox *
csui_inspector_get_action_box (CsuiInspector *inspector)
{
  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), NULL);
  return GTK_BOX (inspector->action_box);
}

CsSegmenter *
csui_inspector_get_segmenter (CsuiInspector *inspector)
{
  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), NULL);
  return inspector->shown != NULL ? inspector->shown->segmenter : NULL;
}

const CsSegmentation *
csui_inspector_get_segmentation (CsuiInspector *inspector)
{
  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), NULL);
  return inspector->shown != NULL ? inspector->shown->segmentation : NULL;
}

CsuiClassLegend *
csui_inspector_get_class_legend (CsuiInspector *inspector)
{
  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), NULL);
  return inspector->legend;
}

void
csui_inspector_show_error (CsuiInspector *inspector, const char *message)
{
  g_return_if_fail (CSUI_IS_INSPECTOR (inspector));
  g_return_if_fail (message != NULL);
  show_error (inspector, message);
}

gboolean
csui_inspector_get_heat (CsuiInspector *inspector, int *class_index, CsExplainMethod *method,
                         double *opacity)
{
  const char *label;

  g_return_val_if_fail (CSUI_IS_INSPECTOR (inspector), FALSE);
  *class_index = order_class (inspector, &label);
  if (*class_index < 0)
    return FALSE;
  *method = gtk_combo_box_get_active (GTK_COMBO_BOX (inspector->heat_method));
  *opacity = gtk_range_get_value (GTK_RANGE (inspector->heat_opacity));
  return TRUE;
}
