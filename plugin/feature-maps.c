/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * feature-maps.c — plug-in-convscope-feature-maps: what the layers of a
 * network see.  Runs the network on a drawable (or the selection's
 * bounds in it) and turns each chosen layer's output into a layer group
 * with one grayscale layer per channel, each normalized on its own and
 * scaled over the pixels it was computed from, in a new image or in the
 * current one.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "network.h"
#include "procedures.h"

#define MAX_CHANNELS_DEFAULT 16
#define MAX_CHANNELS_LIMIT   4096

typedef enum
{
  TARGET_NEW_IMAGE,
  TARGET_CURRENT_IMAGE
} Target;

/* Where the maps go: the image, the type its layers need, and the
 * network input's extent in image coordinates (larger than the region
 * read for letterboxing, smaller for a crop). */
typedef struct
{
  GimpImage    *image;
  GimpImageType layer_type;
  double        x, y, width, height;
} Canvas;

static gboolean
is_feature_map (const CsLayerInfo *layer)
{
  return layer->out_shape.rank == 4 && layer->out_shape.dims[0] == 1;
}

/* Adds the layers named in @spec, separated by commas, to @names; each
 * must exist and give feature maps. */
static gboolean
add_named_layers (const CsModel *model, const char *path, const char *spec,
                  GPtrArray *names, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (spec, ",", -1);

  for (char **part = parts; *part != NULL; part++)
    {
      const char        *name = g_strstrip (*part);
      int                index = cs_model_find_layer (model, name);
      const CsLayerInfo *layer = index >= 0 ? cs_model_layer (model, index) : NULL;

      if (*name == '\0')
        continue;
      if (layer == NULL)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                       "%s: no layer '%s'; give \"all\", \"conv\" or layer names as "
                       "`convscope info` lists them", path, name);
          return FALSE;
        }
      if (!is_feature_map (layer))
        {
          g_autofree char *shape = cs_shape_to_string (&layer->out_shape);

          g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                       "%s: layer '%s' gives %s, not 1×C×H×W feature maps", path, name,
                       shape);
          return FALSE;
        }
      g_ptr_array_add (names, (gpointer) layer->name);
    }
  return TRUE;
}

/* The layers @spec names, NULL-terminated: "all" (every layer with
 * 1×C×H×W output), "conv" (the convolutions) or names separated by
 * commas.  The names belong to the model. */
static GPtrArray *
select_layers (const CspNetwork *network, const char *spec, GError **error)
{
  const CsModel *model = csp_network_model (network);
  const char    *path = csp_network_model_path (network);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  const gboolean all = g_strcmp0 (spec, "all") == 0;

  if (spec == NULL)
    spec = "";
  if (all || strcmp (spec, "conv") == 0)
    {
      for (size_t i = 0; i < cs_model_n_layers (model); i++)
        {
          const CsLayerInfo *layer = cs_model_layer (model, i);

          if (is_feature_map (layer) && (all || layer->kind == CS_LAYER_CONV))
            g_ptr_array_add (names, (gpointer) layer->name);
        }
    }
  else if (!add_named_layers (model, path, spec, names, error))
    return NULL;
  if (names->len == 0)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: no layer with feature maps matches '%s'", path, spec);
      return NULL;
    }
  g_ptr_array_add (names, NULL);
  return g_steal_pointer (&names);
}

/* Sets up @canvas for @target: a new grayscale image the size of @roi,
 * or @drawable's image, whose layers must then be RGB or grayscale.
 * Nothing is created or changed when this fails. */
static gboolean
setup_canvas (Target target, GimpDrawable *drawable, const GeglRectangle *roi,
              const CsCard *card, Canvas *canvas, GError **error)
{
  GimpImage   *image = gimp_item_get_image (GIMP_ITEM (drawable));
  CsResizePlan plan;
  double       scale_x, scale_y;
  int          origin_x = 0, origin_y = 0;

  if (!cs_resize_plan (card, roi->width, roi->height, &plan, error))
    return FALSE;
  if (target == TARGET_CURRENT_IMAGE)
    {
      if (gimp_image_get_base_type (image) == GIMP_INDEXED)
        {
          g_set_error_literal (error, CS_ERROR, CS_ERROR_ARGUMENT,
                               "feature maps cannot go into an indexed image; convert it "
                               "to RGB or grayscale, or make a new image");
          return FALSE;
        }
      gimp_drawable_get_offsets (drawable, &origin_x, &origin_y);
      canvas->image = image;
      canvas->layer_type = gimp_image_get_base_type (image) == GIMP_RGB ? GIMP_RGB_IMAGE
                                                                        : GIMP_GRAY_IMAGE;
    }
  else
    {
      canvas->image = gimp_image_new (roi->width, roi->height, GIMP_GRAY);
      canvas->layer_type = GIMP_GRAY_IMAGE;
      origin_x = -roi->x;
      origin_y = -roi->y;
    }
  /* The input tensor's pixel (x, y) comes from the region's pixel
   * src + (x − dest)·scale; its edges land where x is 0 and the width. */
  scale_x = plan.src_width / plan.dest_width;
  scale_y = plan.src_height / plan.dest_height;
  canvas->x = origin_x + roi->x + plan.src_x - plan.dest_x * scale_x;
  canvas->y = origin_y + roi->y + plan.src_y - plan.dest_y * scale_y;
  canvas->width = card->width * scale_x;
  canvas->height = card->height * scale_y;
  return TRUE;
}

/* @plane scaled to [0, 1] by its own minimum and maximum; a flat plane
 * and values that are not finite become 0.  The caller frees it. */
static float *
normalize_plane (const float *plane, size_t n)
{
  float *values = g_new (float, n);
  float  min = INFINITY, max = -INFINITY;

  for (size_t i = 0; i < n; i++)
    if (isfinite (plane[i]))
      {
        min = MIN (min, plane[i]);
        max = MAX (max, plane[i]);
      }
  for (size_t i = 0; i < n; i++)
    values[i] = max > min && isfinite (plane[i]) ? (plane[i] - min) / (max - min) : 0.0f;
  return values;
}

/* One channel as a layer at @position in @group, its pixels spread over
 * the canvas without interpolation so that each activation stays a
 * visible block. */
static void
add_channel_layer (const Canvas *canvas, GimpGroupLayer *group, int position,
                   const char *name, const float *plane, int width, int height)
{
  g_autofree float *values = normalize_plane (plane, (size_t) width * (size_t) height);
  GimpLayer  *layer = gimp_layer_new (canvas->image, name, width, height,
                                      canvas->layer_type, 100.0, GIMP_LAYER_MODE_NORMAL);
  GeglBuffer *buffer;
  const int   x0 = (int) lround (canvas->x), y0 = (int) lround (canvas->y);
  const int   x1 = (int) lround (canvas->x + canvas->width);
  const int   y1 = (int) lround (canvas->y + canvas->height);

  gimp_image_insert_layer (canvas->image, layer, GIMP_LAYER (group), position);
  buffer = gimp_drawable_get_buffer (GIMP_DRAWABLE (layer));
  gegl_buffer_set (buffer, GEGL_RECTANGLE (0, 0, width, height), 0,
                   babl_format_with_space ("Y' float", gegl_buffer_get_format (buffer)),
                   values, GEGL_AUTO_ROWSTRIDE);
  g_object_unref (buffer);
  gimp_drawable_update (GIMP_DRAWABLE (layer), 0, 0, width, height);
  gimp_layer_scale (layer, MAX (x1 - x0, 1), MAX (y1 - y0, 1), FALSE);
  gimp_layer_set_offsets (layer, x0, y0);
}

/* A group "conv1 · 32×112×112" holding up to @max_channels layers
 * "conv1 #07", placed at @position among the image's top layers. */
static void
add_tap_group (const Canvas *canvas, const CsTensor *tap, int position, int max_channels)
{
  const int64_t   channels = tap->shape.dims[1];
  const int64_t   height = tap->shape.dims[2], width = tap->shape.dims[3];
  const int       shown = (int) MIN (channels, (int64_t) max_channels);
  const int       digits = MAX (2, (int) floor (log10 (MAX (channels - 1, 1))) + 1);
  g_autofree char *group_name = g_strdup_printf ("%s · %" PRId64 "×%" PRId64 "×%" PRId64,
                                                 tap->name, channels, height, width);
  GimpGroupLayer *group = gimp_group_layer_new (canvas->image, group_name);

  gimp_image_insert_layer (canvas->image, GIMP_LAYER (group), NULL, position);
  for (int c = 0; c < shown; c++)
    {
      g_autofree char *name = g_strdup_printf ("%s #%0*d", tap->name, digits, c);

      add_channel_layer (canvas, group, c, name,
                         (const float *) tap->data + (size_t) c * height * width,
                         (int) width, (int) height);
    }
}

/* Adds the groups in network order, top to bottom, as one undo step. */
static void
draw_feature_maps (const Canvas *canvas, const CsResult *result, int max_channels)
{
  gimp_context_push ();
  gimp_context_set_interpolation (GIMP_INTERPOLATION_NONE);
  gimp_image_undo_group_start (canvas->image);
  gimp_progress_init ("Feature maps");
  for (size_t t = 0; t < result->n_taps; t++)
    {
      add_tap_group (canvas, &result->taps[t], (int) t, max_channels);
      gimp_progress_update ((double) (t + 1) / result->n_taps);
    }
  gimp_image_undo_group_end (canvas->image);
  gimp_context_pop ();
}

/* Every tap must be 1×C×H×W float32 with maps a layer can hold. */
static gboolean
check_taps (const CsResult *result, GError **error)
{
  for (size_t t = 0; t < result->n_taps; t++)
    {
      const CsTensor *tap = &result->taps[t];

      if (tap->dtype != CS_DTYPE_FLOAT32 || tap->shape.rank != 4 || tap->shape.dims[0] != 1
          || tap->shape.dims[2] < 1 || tap->shape.dims[3] < 1
          || tap->shape.dims[2] > GIMP_MAX_IMAGE_SIZE || tap->shape.dims[3] > GIMP_MAX_IMAGE_SIZE)
        {
          g_autofree char *shape = cs_shape_to_string (&tap->shape);

          g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                       "layer '%s' gave %s, not 1×C×H×W float maps", tap->name, shape);
          return FALSE;
        }
    }
  return TRUE;
}

static GimpValueArray *
feature_maps_run (GimpProcedure       *procedure,
                  GimpRunMode          run_mode,
                  GimpImage           *image,
                  GimpDrawable       **drawables,
                  GimpProcedureConfig *config,
                  gpointer             run_data)
{
  g_autoptr (GFile) model_file = NULL;
  g_autoptr (GeglBuffer) buffer = NULL;
  g_autoptr (GPtrArray) names = NULL;
  g_autofree char *layers = NULL;
  CspNetwork     *network;
  CsResult       *result = NULL;
  GimpValueArray *values;
  GError         *error = NULL;
  GeglRectangle   roi;
  Canvas          canvas = { NULL };
  Target          target;
  gboolean        use_selection;
  int             max_channels;

  if ((values = csp_check_one_drawable (procedure, drawables)) != NULL)
    return values;
  if (run_mode == GIMP_RUN_INTERACTIVE
      && !csp_procedure_dialog (procedure, config, "Convscope feature maps",
                                (const char *const[]) { "layers", "max-channels", "target",
                                                        "use-selection", NULL }))
    return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL, NULL);

  g_object_get (config, "model", &model_file, "layers", &layers,
                "max-channels", &max_channels, "use-selection", &use_selection, NULL);
  target = gimp_procedure_config_get_choice_id (config, "target");
  if (!csp_drawable_region (drawables[0], use_selection, &roi, &error))
    return csp_procedure_fail (procedure, error);
  network = csp_network_new (model_file, &error);
  if (network == NULL)
    return csp_procedure_fail (procedure, error);

  buffer = gimp_drawable_get_buffer (drawables[0]);
  if ((names = select_layers (network, layers, &error)) == NULL
      || (result = csp_network_run_taps (network, buffer, &roi,
                                         (const char *const *) names->pdata, &error)) == NULL
      || !check_taps (result, &error)
      || !setup_canvas (target, drawables[0], &roi, csp_network_card (network), &canvas,
                        &error))
    values = csp_procedure_fail (procedure, error);
  else
    {
      if (target == TARGET_NEW_IMAGE)
        gimp_image_undo_disable (canvas.image);
      draw_feature_maps (&canvas, result, max_channels);
      if (target == TARGET_NEW_IMAGE)
        {
          gimp_image_undo_enable (canvas.image);
          if (run_mode == GIMP_RUN_INTERACTIVE)
            gimp_display_new (canvas.image);
        }
      else if (run_mode == GIMP_RUN_INTERACTIVE)
        gimp_displays_flush ();
      values = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
      GIMP_VALUES_SET_IMAGE (values, 1, canvas.image);
      GIMP_VALUES_SET_INT (values, 2, (int) result->n_taps);
    }
  if (result != NULL)
    cs_result_free (result);
  csp_network_free (network);
  return values;
}

GimpProcedure *
csp_feature_maps_procedure_new (GimpPlugIn *plug_in)
{
  GimpProcedure *procedure = gimp_image_procedure_new (plug_in, CSP_FEATURE_MAPS_PROC,
                                                       GIMP_PDB_PROC_TYPE_PLUGIN,
                                                       feature_maps_run, NULL, NULL);

  gimp_procedure_set_image_types (procedure, "*");
  gimp_procedure_set_sensitivity_mask (procedure, GIMP_PROCEDURE_SENSITIVE_DRAWABLE);
  gimp_procedure_set_menu_label (procedure, "_Feature Maps…");
  gimp_procedure_add_menu_path (procedure, "<Image>/Filters/Convscope");
  gimp_procedure_set_documentation (
    procedure,
    "Show what the layers of a neural network see",
    "Runs the network on the drawable, or on the bounding box of the selection "
    "within it, and turns the output of each chosen layer into a layer group "
    "\"NAME · C×H×W\" holding one grayscale layer \"NAME #07\" per channel (up to "
    "max-channels), each normalized to its own minimum and maximum and scaled, "
    "without interpolation, over the pixels the network's input was made from.  "
    "The groups go into a new grayscale image the size of the region read, or "
    "into the current image as one undo step (not indexed images).  On failure "
    "no image is made or changed.",
    CSP_FEATURE_MAPS_PROC);
  csp_procedure_add_common (procedure);
  gimp_procedure_add_string_argument (procedure, "layers", "_Layers",
                                      "\"all\" (every layer with 1×C×H×W output), "
                                      "\"conv\" (the convolutions), or layer names "
                                      "separated by commas",
                                      "conv", G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (procedure, "max-channels", "Ma_x channels",
                                   "At most this many channels of each layer, the first ones",
                                   1, MAX_CHANNELS_LIMIT, MAX_CHANNELS_DEFAULT,
                                   G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (procedure, "target", "_Target",
                                      "Where the maps go",
                                      gimp_choice_new_with_values (
                                        "new-image", TARGET_NEW_IMAGE, "New image", NULL,
                                        "current-image", TARGET_CURRENT_IMAGE,
                                        "Current image", NULL,
                                        NULL),
                                      "new-image", G_PARAM_READWRITE);
  csp_procedure_add_use_selection (procedure,
                                   "Run the network on the selection's bounding box in "
                                   "the drawable rather than the whole drawable");
  gimp_procedure_add_image_return_value (procedure, "image", "Image",
                                         "The image holding the maps", FALSE,
                                         G_PARAM_READWRITE);
  gimp_procedure_add_int_return_value (procedure, "n-layers", "Number of layers",
                                       "How many network layers were added as groups",
                                       0, G_MAXINT, 0, G_PARAM_READWRITE);
  return procedure;
}
