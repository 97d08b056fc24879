/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * feature-maps.c — what the layers of a network see, as GIMP layers.
 * csp_export_feature_maps turns the taps of a run into a layer group of
 * channel layers, or one mosaic layer, per network layer, painted
 * through the core's colour maps; plug-in-convscope-feature-maps runs
 * the network on a drawable (or the selection's bounds in it) and
 * exports what it kept.
 */
#include "feature-maps.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "network.h"
#include "procedures.h"

#define MAX_CHANNELS_DEFAULT 16
#define MAX_CHANNELS_LIMIT   4096
/* Between the tiles of a mosaic, transparent. */
#define MOSAIC_GAP 1
/* The most memory a strip of a stretched map takes while it is sent. */
#define STRIP_BYTES (1 << 20)

/* Where the maps go and how they are painted.  The rectangle is the
 * network input's extent in image coordinates (larger than the region
 * read for letterboxing, smaller for a crop): stretched maps cover it,
 * native ones start at the region's corner. */
typedef struct
{
  const CspExportOptions *options;
  GimpImage              *image;
  gboolean                is_new;
  gboolean                is_gray;
  int                     bytes_per_pixel;
  double                  x, y, width, height;
  int                     region_x, region_y;
  int                     layers_done, layers_total;
} Canvas;

/* The channels of @tap that are shown. */
static int
shown_channels (const CsTensor *tap, const CspExportOptions *options)
{
  return (int) MIN (tap->shape.dims[1], (int64_t) options->max_channels);
}

/* A near-square grid for @n tiles: columns ⌈√n⌉, rows as needed. */
static void
mosaic_grid (int n, int *columns, int *rows)
{
  *columns = (int) ceil (sqrt ((double) n));
  *rows = (n + *columns - 1) / *columns;
}

/* The size of the layer made for @tap before any stretching: one map,
 * or the mosaic of the shown ones. */
static void
native_size (const CsTensor *tap, const CspExportOptions *options,
             int64_t *width, int64_t *height)
{
  int64_t map_height = tap->shape.dims[2], map_width = tap->shape.dims[3];
  int     columns, rows;

  if (options->layout == CSP_LAYOUT_CHANNEL_LAYERS)
    {
      *width = map_width;
      *height = map_height;
      return;
    }
  mosaic_grid (shown_channels (tap, options), &columns, &rows);
  *width = columns * map_width + (columns - 1) * MOSAIC_GAP;
  *height = rows * map_height + (rows - 1) * MOSAIC_GAP;
}

/* Every tap must be 1×C×H×W float32 whose layers GIMP can hold. */
static gboolean
check_taps (const CsResult *taps, const CspExportOptions *options, GError **error)
{
  if (taps == NULL || taps->n_taps == 0)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_ARGUMENT,
                           _("no network layer's output to export"));
      return FALSE;
    }
  for (size_t t = 0; t < taps->n_taps; t++)
    {
      const CsTensor *tap = &taps->taps[t];
      int64_t         width = 0, height = 0;

      if (tap->dtype == CS_DTYPE_FLOAT32 && tap->data != NULL && tap->shape.rank == 4
          && tap->shape.dims[0] == 1 && tap->shape.dims[1] >= 1 && tap->shape.dims[2] >= 1
          && tap->shape.dims[3] >= 1 && tap->shape.dims[2] <= GIMP_MAX_IMAGE_SIZE
          && tap->shape.dims[3] <= GIMP_MAX_IMAGE_SIZE)
        native_size (tap, options, &width, &height);
      if (width < 1 || height < 1 || width > GIMP_MAX_IMAGE_SIZE
          || height > GIMP_MAX_IMAGE_SIZE)
        {
          g_autofree char *shape = cs_shape_to_string (&tap->shape);

          g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                       _("layer '%s' gave %s, not 1×C×H×W float maps GIMP can hold as layers"),
                       tap->name, shape);
          return FALSE;
        }
    }
  return TRUE;
}

/* What the options ask of @image, checked before anything is made. */
static gboolean
check_target (GimpImage *image, const CspExportOptions *options, GError **error)
{
  GimpImageBaseType base = gimp_image_get_base_type (image);

  if (options->max_channels < 1 || options->card == NULL)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_ARGUMENT,
                           _("feature-map export needs at least one channel and the model card"));
      return FALSE;
    }
  if (options->target != CSP_TARGET_CURRENT_IMAGE)
    return TRUE;
  if (base == GIMP_INDEXED)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_ARGUMENT,
                           _("feature maps cannot go into an indexed image; convert it "
                             "to RGB or grayscale, or make a new image"));
      return FALSE;
    }
  return csp_check_colormap_fits (image, options->colormap, error);
}

/* The largest layer of a native export, for the size of a new image. */
static void
largest_native_size (const CsResult *taps, const CspExportOptions *options,
                     int *width, int *height)
{
  *width = *height = 1;
  for (size_t t = 0; t < taps->n_taps; t++)
    {
      int64_t w, h;

      native_size (&taps->taps[t], options, &w, &h);
      *width = MAX (*width, (int) w);
      *height = MAX (*height, (int) h);
    }
}

/* Sets up @canvas: a new image (grayscale for the gray colour map, RGB
 * otherwise; the region's size when stretching, the largest layer's when
 * not) or @drawable's image.  Nothing is created when this fails. */
static gboolean
setup_canvas (GimpImage *image, GimpDrawable *drawable, const CsResult *taps,
              const CspExportOptions *options, Canvas *canvas, GError **error)
{
  const GeglRectangle *roi = &options->region;
  CsResizePlan         plan;
  double               scale_x, scale_y;
  int                  origin_x = 0, origin_y = 0;

  if (!cs_resize_plan (options->card, roi->width, roi->height, &plan, error))
    return FALSE;
  canvas->options = options;
  canvas->is_new = options->target == CSP_TARGET_NEW_IMAGE;
  if (canvas->is_new)
    {
      int width = roi->width, height = roi->height;

      if (options->size == CSP_SIZE_NATIVE)
        largest_native_size (taps, options, &width, &height);
      canvas->is_gray = options->colormap == CS_COLORMAP_GRAY;
      canvas->image = gimp_image_new (width, height, canvas->is_gray ? GIMP_GRAY : GIMP_RGB);
      origin_x = -roi->x;
      origin_y = -roi->y;
    }
  else
    {
      canvas->image = image;
      canvas->is_gray = gimp_image_get_base_type (image) == GIMP_GRAY;
      gimp_drawable_get_offsets (drawable, &origin_x, &origin_y);
    }
  canvas->bytes_per_pixel = canvas->is_gray ? 1 : 3;
  canvas->region_x = canvas->is_new ? 0 : origin_x + roi->x;
  canvas->region_y = canvas->is_new ? 0 : origin_y + roi->y;
  /* The input tensor's pixel (x, y) comes from the region's pixel
   * src + (x − dest)·scale; its edges land where x is 0 and the width. */
  scale_x = plan.src_width / plan.dest_width;
  scale_y = plan.src_height / plan.dest_height;
  canvas->x = origin_x + roi->x + plan.src_x - plan.dest_x * scale_x;
  canvas->y = origin_y + roi->y + plan.src_y - plan.dest_y * scale_y;
  canvas->width = options->card->width * scale_x;
  canvas->height = options->card->height * scale_y;
  for (size_t t = 0; t < taps->n_taps; t++)
    canvas->layers_total += options->layout == CSP_LAYOUT_MOSAIC
                            ? 1 : shown_channels (&taps->taps[t], options);
  return TRUE;
}

/* A new layer of @width × @height at @position in @parent (NULL: the
 * image's top level); mosaics have alpha for their gaps. */
static GimpLayer *
insert_layer (const Canvas *canvas, GimpLayer *parent, int position, const char *name,
              int width, int height, gboolean with_alpha)
{
  static const GimpImageType types[2][2] = { { GIMP_RGB_IMAGE, GIMP_RGBA_IMAGE },
                                             { GIMP_GRAY_IMAGE, GIMP_GRAYA_IMAGE } };
  GimpLayer *layer = gimp_layer_new (canvas->image, name, width, height,
                                     types[canvas->is_gray][with_alpha], 100.0,
                                     GIMP_LAYER_MODE_NORMAL);

  gimp_image_insert_layer (canvas->image, layer, parent, position);
  return layer;
}

/* The babl format of the pixels that cs_feature_map_paint makes, in
 * @buffer's space. */
static const Babl *
painted_format (const Canvas *canvas, GeglBuffer *buffer)
{
  return babl_format_with_space (canvas->is_gray ? "Y' u8" : "R'G'B' u8",
                                 gegl_buffer_get_format (buffer));
}

/* Paints channel @channel of @tap, its range taken from @low and @high,
 * at (@x, @y) of @buffer. */
static void
paint_channel (const Canvas *canvas, GeglBuffer *buffer, const CsTensor *tap,
               int channel, float low, float high, int x, int y)
{
  const int         width = (int) tap->shape.dims[3], height = (int) tap->shape.dims[2];
  const size_t      rowstride = (size_t) width * canvas->bytes_per_pixel;
  g_autofree guint8 *pixels = g_malloc (rowstride * height);

  cs_feature_map_paint (tap, channel, low, high, canvas->options->colormap, pixels,
                        rowstride, canvas->bytes_per_pixel);
  gegl_buffer_set (buffer, GEGL_RECTANGLE (x, y, width, height), 0,
                   painted_format (canvas, buffer), pixels, rowstride);
}

/* Paints channel @channel of @tap over all of @buffer, each activation a
 * block (nearest neighbour, sampled at pixel centres), in strips of rows
 * so that a huge image costs no more than a strip's memory.  Sending the
 * blocks is cheaper than having GIMP scale the layer, which it does in
 * linear float, converting every pixel twice. */
static void
paint_channel_stretched (const Canvas *canvas, GeglBuffer *buffer, const CsTensor *tap,
                         int channel, float low, float high)
{
  const int          map_width = (int) tap->shape.dims[3];
  const int          map_height = (int) tap->shape.dims[2];
  const int          width = gegl_buffer_get_width (buffer);
  const int          height = gegl_buffer_get_height (buffer);
  const int          bpp = canvas->bytes_per_pixel;
  const size_t       map_rowstride = (size_t) map_width * bpp;
  const size_t       rowstride = (size_t) width * bpp;
  const int          strip_rows = (int) CLAMP (STRIP_BYTES / rowstride, 1, (size_t) height);
  const Babl        *format = painted_format (canvas, buffer);
  g_autofree guint8 *map = g_malloc (map_rowstride * map_height);
  g_autofree guint8 *strip = g_malloc (rowstride * strip_rows);
  g_autofree int    *source_x = g_new (int, width);

  cs_feature_map_paint (tap, channel, low, high, canvas->options->colormap, map,
                        map_rowstride, bpp);
  for (int x = 0; x < width; x++)
    source_x[x] = (int) MIN (((int64_t) 2 * x + 1) * map_width / (2 * (int64_t) width),
                             map_width - 1);
  for (int y0 = 0; y0 < height; y0 += strip_rows)
    {
      const int rows = MIN (strip_rows, height - y0);

      for (int r = 0; r < rows; r++)
        {
          const int64_t source_y = MIN (((int64_t) 2 * (y0 + r) + 1) * map_height
                                        / (2 * (int64_t) height), map_height - 1);
          const guint8 *source = map + source_y * map_rowstride;
          guint8       *row = strip + r * rowstride;

          for (int x = 0; x < width; x++)
            memcpy (row + (size_t) x * bpp, source + (size_t) source_x[x] * bpp, bpp);
        }
      gegl_buffer_set (buffer, GEGL_RECTANGLE (0, y0, width, rows), 0, format, strip,
                       rowstride);
    }
}

/* The range of @channel under the options' colour-map range, called for
 * channels 0, 1, … in turn with the same @low and @high: the layer's
 * range, which every channel shares, is computed once, at channel 0. */
static void
channel_range (const Canvas *canvas, const CsTensor *tap, int channel,
               float *low, float *high)
{
  if (channel > 0 && canvas->options->range == CS_MAP_RANGE_LAYER)
    return;
  cs_feature_map_range (tap, channel, canvas->options->range,
                        canvas->options->colormap, low, high);
}

/* The network input's extent in image pixels, which stretched maps
 * cover. */
static GeglRectangle
stretched_rect (const Canvas *canvas)
{
  const int x0 = (int) lround (canvas->x), y0 = (int) lround (canvas->y);
  const int x1 = (int) lround (canvas->x + canvas->width);
  const int y1 = (int) lround (canvas->y + canvas->height);

  return (GeglRectangle) { x0, y0, MAX (x1 - x0, 1), MAX (y1 - y0, 1) };
}

/* Places a painted layer: at the network input's extent when stretched
 * (the mosaic is stretched here, without interpolation so that each
 * activation stays a visible block; channel layers come painted at that
 * size), or at the region's corner at its own size. */
static void
place_layer (Canvas *canvas, GimpLayer *layer)
{
  GimpDrawable       *drawable = GIMP_DRAWABLE (layer);
  const GeglRectangle rect = stretched_rect (canvas);

  gimp_drawable_update (drawable, 0, 0, gimp_drawable_get_width (drawable),
                        gimp_drawable_get_height (drawable));
  if (canvas->options->size == CSP_SIZE_STRETCH)
    {
      if (gimp_drawable_get_width (drawable) != rect.width
          || gimp_drawable_get_height (drawable) != rect.height)
        gimp_layer_scale (layer, rect.width, rect.height, FALSE);
      gimp_layer_set_offsets (layer, rect.x, rect.y);
    }
  else
    gimp_layer_set_offsets (layer, canvas->region_x, canvas->region_y);
  canvas->layers_done++;
  gimp_progress_update ((double) canvas->layers_done / MAX (canvas->layers_total, 1));
}

/* "conv1 · 32×112×112": the network layer's name and output shape. */
static char *
tap_title (const CsTensor *tap)
{
  return g_strdup_printf ("%s · %" PRId64 "×%" PRId64 "×%" PRId64, tap->name,
                          tap->shape.dims[1], tap->shape.dims[2], tap->shape.dims[3]);
}

/* A group "conv1 · 32×112×112" at @position holding the shown channels
 * as layers "conv1 #07". */
static GimpLayer *
add_channel_layers (Canvas *canvas, const CsTensor *tap, int position)
{
  const int64_t       channels = tap->shape.dims[1];
  const int           digits = MAX (2, (int) floor (log10 ((double) MAX (channels - 1, 1))) + 1);
  const gboolean      stretch = canvas->options->size == CSP_SIZE_STRETCH;
  const GeglRectangle rect = stretched_rect (canvas);
  g_autofree char    *title = tap_title (tap);
  GimpLayer          *group = GIMP_LAYER (gimp_group_layer_new (canvas->image, title));
  float               low = 0.0f, high = 1.0f;

  gimp_image_insert_layer (canvas->image, group, NULL, position);
  for (int c = 0; c < shown_channels (tap, canvas->options); c++)
    {
      g_autofree char *name = g_strdup_printf ("%s #%0*d", tap->name, digits, c);
      GimpLayer       *layer;
      GeglBuffer      *buffer;

      if (stretch)
        layer = insert_layer (canvas, group, c, name, rect.width, rect.height, FALSE);
      else
        layer = insert_layer (canvas, group, c, name, (int) tap->shape.dims[3],
                              (int) tap->shape.dims[2], FALSE);
      buffer = gimp_drawable_get_buffer (GIMP_DRAWABLE (layer));
      channel_range (canvas, tap, c, &low, &high);
      if (stretch)
        paint_channel_stretched (canvas, buffer, tap, c, low, high);
      else
        paint_channel (canvas, buffer, tap, c, low, high, 0, 0);
      g_object_unref (buffer);
      place_layer (canvas, layer);
    }
  return group;
}

/* One layer "conv1 · 32×112×112" at @position with the shown channels
 * tiled row by row, 1-px transparent gaps between them. */
static GimpLayer *
add_mosaic_layer (Canvas *canvas, const CsTensor *tap, int position)
{
  const int        shown = shown_channels (tap, canvas->options);
  const int        map_width = (int) tap->shape.dims[3], map_height = (int) tap->shape.dims[2];
  g_autofree char *title = tap_title (tap);
  int64_t          width, height;
  int              columns, rows;
  float            low = 0.0f, high = 1.0f;
  GimpLayer       *layer;
  GeglBuffer      *buffer;

  native_size (tap, canvas->options, &width, &height);
  mosaic_grid (shown, &columns, &rows);
  layer = insert_layer (canvas, NULL, position, title, (int) width, (int) height, TRUE);
  buffer = gimp_drawable_get_buffer (GIMP_DRAWABLE (layer));
  for (int c = 0; c < shown; c++)
    {
      channel_range (canvas, tap, c, &low, &high);
      paint_channel (canvas, buffer, tap, c, low, high,
                     (c % columns) * (map_width + MOSAIC_GAP),
                     (c / columns) * (map_height + MOSAIC_GAP));
    }
  g_object_unref (buffer);
  place_layer (canvas, layer);
  return layer;
}

gboolean
csp_export_feature_maps (GimpImage               *image,
                         GimpDrawable            *drawable,
                         const CsResult          *taps,
                         const CspExportOptions  *options,
                         GimpImage              **out_image,
                         GimpLayer             ***out_layers,
                         GError                 **error)
{
  GimpLayer **made;
  Canvas      canvas = { NULL };

  if (!check_target (image, options, error) || !check_taps (taps, options, error)
      || !setup_canvas (image, drawable, taps, options, &canvas, error))
    return FALSE;

  made = g_new0 (GimpLayer *, taps->n_taps + 1);
  gimp_context_push ();
  gimp_context_set_interpolation (GIMP_INTERPOLATION_NONE);
  if (canvas.is_new)
    gimp_image_undo_disable (canvas.image);
  else
    gimp_image_undo_group_start (canvas.image);
  gimp_progress_init (_("Feature maps"));
  for (size_t t = 0; t < taps->n_taps; t++)
    made[t] = options->layout == CSP_LAYOUT_MOSAIC
              ? add_mosaic_layer (&canvas, &taps->taps[t], (int) t)
              : add_channel_layers (&canvas, &taps->taps[t], (int) t);
  if (canvas.is_new)
    gimp_image_undo_enable (canvas.image);
  else
    gimp_image_undo_group_end (canvas.image);
  gimp_context_pop ();

  *out_image = canvas.image;
  if (out_layers != NULL)
    *out_layers = made;
  else
    g_free (made);
  return TRUE;
}

/* ---- plug-in-convscope-feature-maps ---- */

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
                       _("%s: no layer '%s'; give \"all\", \"conv\" or layer names as "
                         "`convscope info` lists them"), path, name);
          return FALSE;
        }
      if (!is_feature_map (layer))
        {
          g_autofree char *shape = cs_shape_to_string (&layer->out_shape);

          g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                       _("%s: layer '%s' gives %s, not 1×C×H×W feature maps"), path, name,
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
  const CsClassifier *classifier = csp_network_classifier (network);
  const CsModel      *model = cs_classifier_model (classifier);
  const char         *path = cs_classifier_model_path (classifier);
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
                   _("%s: no layer with feature maps matches '%s'"), path, spec);
      return NULL;
    }
  g_ptr_array_add (names, NULL);
  return g_steal_pointer (&names);
}

/* The export's options from the procedure's arguments. */
static void
options_from_config (GimpProcedureConfig *config, CspExportOptions *options)
{
  g_object_get (config, "max-channels", &options->max_channels, NULL);
  options->target = gimp_procedure_config_get_choice_id (config, "target");
  options->layout = gimp_procedure_config_get_choice_id (config, "layout");
  options->size = gimp_procedure_config_get_choice_id (config, "scale");
  options->range = gimp_procedure_config_get_choice_id (config, "normalization");
  options->colormap = gimp_procedure_config_get_choice_id (config, "colormap");
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
  CspExportOptions options = { 0 };
  CspNetwork      *network;
  CsResult        *result = NULL;
  GimpValueArray  *values;
  GimpImage       *maps_image = NULL;
  GimpLayer      **made = NULL;
  GError          *error = NULL;
  gboolean         use_selection;

  if ((values = csp_check_one_drawable (procedure, drawables)) != NULL)
    return values;
  if (run_mode == GIMP_RUN_INTERACTIVE
      && !csp_procedure_dialog (procedure, config, _("Convscope feature maps"),
                                (const char *const[]) { "layers", "max-channels", "target",
                                                        "layout", "scale", "normalization",
                                                        "colormap", "use-selection", NULL }))
    return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL, NULL);

  g_object_get (config, "model", &model_file, "layers", &layers,
                "use-selection", &use_selection, NULL);
  options_from_config (config, &options);
  if (!csp_drawable_region (drawables[0], use_selection, &options.region, &error))
    return csp_procedure_fail (procedure, error);
  network = csp_network_new (model_file, &error);
  if (network == NULL)
    return csp_procedure_fail (procedure, error);
  if (run_mode == GIMP_RUN_INTERACTIVE)
    csp_network_show_note_once (network);

  options.card = cs_classifier_card (csp_network_classifier (network));
  buffer = gimp_drawable_get_buffer (drawables[0]);
  if ((names = select_layers (network, layers, &error)) == NULL
      || (result = csp_network_run_taps (network, buffer, &options.region,
                                         (const char *const *) names->pdata, &error)) == NULL
      || !csp_export_feature_maps (image, drawables[0], result, &options, &maps_image, &made,
                                   &error))
    values = csp_procedure_fail (procedure, error);
  else
    {
      if (run_mode == GIMP_RUN_INTERACTIVE && options.target == CSP_TARGET_NEW_IMAGE)
        gimp_display_new (maps_image);
      else if (run_mode == GIMP_RUN_INTERACTIVE)
        gimp_displays_flush ();
      values = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
      GIMP_VALUES_SET_IMAGE (values, 1, maps_image);
      GIMP_VALUES_TAKE_CORE_OBJECT_ARRAY (values, 2, made);
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
  gimp_procedure_set_menu_label (procedure, _("_Feature Maps…"));
  gimp_procedure_add_menu_path (procedure, "<Image>/Filters/Convscope");
  gimp_procedure_set_documentation (
    procedure,
    _("Show what the layers of a neural network see"),
    _("Runs the network on the drawable, or on the bounding box of the selection "
      "within it, and turns the output of each chosen layer into pictures: a layer "
      "group \"NAME · C×H×W\" holding one layer \"NAME #07\" per channel, or one "
      "mosaic layer \"NAME · C×H×W\" with the channels tiled in a near-square grid "
      "with 1-pixel transparent gaps.  Up to max-channels channels, the first ones, "
      "are shown, each spread over the colour map by its own range or by the whole "
      "layer's (the diverging map keeps 0 white).  The maps are stretched without "
      "interpolation over the image pixels the network's input was made from, or "
      "kept at their native size.  They go into a new image (grayscale for the gray "
      "colour map, RGB otherwise) or into the current image as one undo step (RGB, "
      "or grayscale for the gray map).  On failure no image is made or changed."),
    CSP_FEATURE_MAPS_PROC);
  csp_procedure_add_common (procedure);
  gimp_procedure_add_string_argument (procedure, "layers", _("_Layers"),
                                      _("\"all\" (every layer with 1×C×H×W output), "
                                        "\"conv\" (the convolutions), or layer names "
                                        "separated by commas"),
                                      "conv", G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (procedure, "max-channels", _("Ma_x channels"),
                                   _("At most this many channels of each layer, the first ones"),
                                   1, MAX_CHANNELS_LIMIT, MAX_CHANNELS_DEFAULT,
                                   G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (procedure, "target", _("_Target"), _("Where the maps go"),
                                      gimp_choice_new_with_values (
                                        "new-image", CSP_TARGET_NEW_IMAGE, _("New image"), NULL,
                                        "current-image", CSP_TARGET_CURRENT_IMAGE,
                                        _("Current image"), NULL,
                                        NULL),
                                      "new-image", G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (procedure, "layout", _("La_yout"),
                                      _("How each network layer's channels become layers"),
                                      gimp_choice_new_with_values (
                                        "channel-layers", CSP_LAYOUT_CHANNEL_LAYERS,
                                        _("A group with a layer per channel"), NULL,
                                        "mosaic", CSP_LAYOUT_MOSAIC,
                                        _("One mosaic layer"), NULL,
                                        NULL),
                                      "channel-layers", G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (procedure, "scale", _("_Scale"), _("The size of the maps"),
                                      gimp_choice_new_with_values (
                                        "stretch", CSP_SIZE_STRETCH,
                                        _("Stretched over the region the network saw"), NULL,
                                        "native", CSP_SIZE_NATIVE,
                                        _("Native: one pixel per activation"), NULL,
                                        NULL),
                                      "stretch", G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (procedure, "normalization", _("_Normalization"),
                                      _("Which values span the colour map"),
                                      gimp_choice_new_with_values (
                                        "channel", CS_MAP_RANGE_CHANNEL,
                                        _("Each channel's own range"), NULL,
                                        "layer", CS_MAP_RANGE_LAYER,
                                        _("The whole layer's range"), NULL,
                                        NULL),
                                      "channel", G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (procedure, "colormap", _("_Colour map"),
                                      _("How values become colours"),
                                      gimp_choice_new_with_values (
                                        "gray", CS_COLORMAP_GRAY, _("Gray"), NULL,
                                        "viridis", CS_COLORMAP_VIRIDIS, _("Viridis"), NULL,
                                        "diverging", CS_COLORMAP_DIVERGING,
                                        _("Diverging: blue below 0, red above"), NULL,
                                        NULL),
                                      "gray", G_PARAM_READWRITE);
  csp_procedure_add_use_selection (procedure,
                                   _("Run the network on the selection's bounding box in "
                                     "the drawable rather than the whole drawable"));
  gimp_procedure_add_image_return_value (procedure, "image", _("Image"),
                                         _("The image holding the maps"), FALSE,
                                         G_PARAM_READWRITE);
  gimp_procedure_add_core_object_array_return_value (procedure, "layers", _("Layers"),
                                                     _("The groups, or mosaic layers, made: "
                                                       "one per network layer, top first"),
                                                     GIMP_TYPE_LAYER, G_PARAM_READWRITE);
  return procedure;
}
