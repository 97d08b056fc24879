/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * segment.c — semantic segmentation as GIMP users work with it.
 * csp_export_segmentation brings a segmentation's low-resolution scores
 * to one label per pixel of the region, strip by strip (the core samples
 * the scores bilinearly before the argmax, so edges follow the image's
 * resolution), and writes the chosen classes, again in strips through
 * GEGL buffers, as masked layers, a selection, channels or a label
 * layer; plug-in-convscope-segment runs the network on a drawable (or
 * the selection's bounds in it) and exports.
 */
#include "segment.h"

#include <string.h>

#include "cs-pixels.h"
#include "network.h"
#include "procedures.h"

/* The most memory a strip of pixels takes while it is sent. */
#define STRIP_BYTES (1 << 20)
#define CHANNEL_OPACITY 50.0
/* The share of the progress bar the labels take; the writing the rest. */
#define LABELS_PROGRESS 0.5
/* Any chosen class, for the selection's mask. */
#define ANY_SLOT (-1)

/* The region's labels at full resolution: after labelling, the slot of
 * each pixel's class among the found ones, CS_SEGMENT_NONE for pixels
 * of no chosen class.  One byte a pixel, far below the image itself. */
typedef struct
{
  GeglRectangle    region;
  guint8          *slots;
  CspSegmentClass *found;
  int              n_found;
} LabelMap;

/* Larger share first, then the model's order. */
static int
compare_found (gconstpointer a, gconstpointer b)
{
  const CspSegmentClass *first = a, *second = b;

  if (first->share != second->share)
    return first->share > second->share ? -1 : 1;
  return first->index - second->index;
}

/* Fills map->found with the chosen classes among @counts, largest
 * first, and turns the labels into their slots. */
static void
find_classes (const CsSegmenter       *segmenter,
              const CspSegmentOptions *options,
              const guint64            counts[256],
              LabelMap                *map)
{
  const int       n_classes = cs_segmenter_n_classes (segmenter);
  const CsLabels *names = cs_segmenter_labels (segmenter);
  const double    n_pixels = (double) map->region.width * map->region.height;
  const gsize     size = (gsize) map->region.width * map->region.height;
  guint8          slot_of[256];

  map->found = g_new0 (CspSegmentClass, n_classes);
  for (int c = 0; c < n_classes; c++)
    {
      gboolean chosen =
          options->chosen != NULL ? options->chosen[c] : c != cs_segmenter_background (segmenter);

      if (chosen && counts[c] > 0)
        map->found[map->n_found++] = (CspSegmentClass){ .index = c,
                                                        .name = cs_labels_name (names, c),
                                                        .share = counts[c] / n_pixels };
    }
  qsort (map->found, map->n_found, sizeof *map->found, compare_found);
  memset (slot_of, CS_SEGMENT_NONE, sizeof slot_of);
  for (int k = 0; k < map->n_found; k++)
    slot_of[map->found[k].index] = (guint8) k;
  for (gsize i = 0; i < size; i++)
    map->slots[i] = slot_of[map->slots[i]];
}

/* Labels the whole region in strips, counting the classes as it goes. */
static gboolean
label_region (const CsSegmenter       *segmenter,
              const CsSegmentation    *segmentation,
              const CspSegmentOptions *options,
              LabelMap                *map,
              GError                 **error)
{
  const int    width = options->region.width, height = options->region.height;
  const int    strip_rows = CLAMP (STRIP_BYTES / width, 1, height);
  guint64      counts[256] = { 0 };
  CsResizePlan plan;

  map->region = options->region;
  if (!cs_resize_plan (cs_segmenter_card (segmenter), width, height, &plan, error))
    return FALSE;
  map->slots = g_try_malloc ((gsize) width * height);
  if (map->slots == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   _("not enough memory for the labels of %d×%d pixels"), width, height);
      return FALSE;
    }
  for (int y0 = 0; y0 < height; y0 += strip_rows)
    {
      const int rows = MIN (strip_rows, height - y0);
      guint8   *strip = map->slots + (gsize) y0 * width;

      if (!cs_segmentation_labels (segmentation, &plan, width, height, y0, rows, options->threshold,
                                   strip, error))
        return FALSE;
      for (gsize i = 0; i < (gsize) rows * width; i++)
        counts[strip[i]]++;
      gimp_progress_update (LABELS_PROGRESS * (y0 + rows) / height);
    }
  find_classes (segmenter, options, counts, map);
  return TRUE;
}

static void
label_map_clear (LabelMap *map)
{
  csp_segment_classes_free (map->found, map->n_found);
  g_free (map->slots);
}

/* Turns @n slots into @n pixels of @out. */
typedef void (*PaintSpan) (const guint8 *slots, int n, guint8 *out, gconstpointer data);

/* The mask of one slot, or of every found class for ANY_SLOT. */
static void
paint_mask (const guint8 *slots, int n, guint8 *out, gconstpointer data)
{
  const int slot = GPOINTER_TO_INT (data);

  for (int i = 0; i < n; i++)
    out[i] = (slot == ANY_SLOT ? slots[i] != CS_SEGMENT_NONE : slots[i] == slot) ? 255 : 0;
}

/* Each found class in its colour (a slot's R'G'B'A), no class clear. */
static void
paint_colours (const guint8 *slots, int n, guint8 *out, gconstpointer data)
{
  const guint8 (*colours)[4] = data;

  for (int i = 0; i < n; i++)
    if (slots[i] == CS_SEGMENT_NONE)
      memset (out + 4 * i, 0, 4);
    else
      memcpy (out + 4 * i, colours[slots[i]], 4);
}

/* Writes all of @drawable's pixels in strips of rows: the map's region,
 * its corner at (@dx, @dy) of the drawable, painted by @paint, and 0
 * (black, or clear) elsewhere.  @format has @bpp bytes a pixel. */
static void
write_drawable (GimpDrawable   *drawable,
                const LabelMap *map,
                int             dx,
                int             dy,
                const char     *format_name,
                int             bpp,
                PaintSpan       paint,
                gconstpointer   data)
{
  GeglBuffer        *buffer = gimp_drawable_get_buffer (drawable);
  const int          width = gegl_buffer_get_width (buffer);
  const int          height = gegl_buffer_get_height (buffer);
  const size_t       rowstride = (size_t) width * bpp;
  const int          strip_rows = (int) CLAMP (STRIP_BYTES / rowstride, 1, (size_t) height);
  const Babl        *format = babl_format_with_space (format_name, gegl_buffer_get_format (buffer));
  const int          x0 = CLAMP (dx, 0, width);
  const int          x1 = CLAMP (dx + map->region.width, 0, width);
  g_autofree guint8 *strip = g_malloc (rowstride * strip_rows);

  for (int y0 = 0; y0 < height; y0 += strip_rows)
    {
      const int rows = MIN (strip_rows, height - y0);

      memset (strip, 0, rowstride * rows);
      for (int r = 0; r < rows; r++)
        {
          const int row = y0 + r - dy;

          if (row >= 0 && row < map->region.height && x0 < x1)
            paint (map->slots + (gsize) row * map->region.width + (x0 - dx), x1 - x0,
                   strip + r * rowstride + (size_t) x0 * bpp, data);
        }
      gegl_buffer_set (buffer, GEGL_RECTANGLE (0, y0, width, rows), 0, format, strip, rowstride);
    }
  g_object_unref (buffer);
  gimp_drawable_update (drawable, 0, 0, width, height);
}

/* Where the map's region lies in image coordinates. */
static void
region_origin (GimpDrawable *drawable, const LabelMap *map, int *x, int *y)
{
  gimp_drawable_get_offsets (drawable, x, y);
  *x += map->region.x;
  *y += map->region.y;
}

/* Inserts @layer just above @drawable when it is a layer, else on top. */
static void
insert_above (GimpImage *image, GimpDrawable *drawable, GimpLayer *layer)
{
  GimpLayer *parent = NULL;
  int        position = 0;

  if (GIMP_IS_LAYER (drawable))
    {
      parent = GIMP_LAYER (gimp_item_get_parent (GIMP_ITEM (drawable)));
      position = gimp_image_get_item_position (image, GIMP_ITEM (drawable));
    }
  gimp_image_insert_layer (image, layer, parent, position);
}

/* A group above @drawable holding a copy of it per found class, masked
 * by the class. */
static void
add_class_layers (GimpImage         *image,
                  GimpDrawable      *drawable,
                  const CsSegmenter *segmenter,
                  const LabelMap    *map)
{
  g_autofree char *model_name = g_path_get_basename (cs_segmenter_model_path (segmenter));
  g_autofree char *title = g_strdup_printf (_("Segmentation · %s"), model_name);
  GimpLayer       *group = GIMP_LAYER (gimp_group_layer_new (image, title));
  int              x, y;

  gimp_drawable_get_offsets (drawable, &x, &y);
  insert_above (image, drawable, group);
  for (int k = 0; k < map->n_found; k++)
    {
      GimpLayer     *layer = gimp_layer_new_from_drawable (drawable, image);
      GimpLayerMask *mask;

      gimp_item_set_name (GIMP_ITEM (layer), map->found[k].name);
      gimp_image_insert_layer (image, layer, group, k);
      gimp_layer_set_offsets (layer, x, y);
      /* The copy shows what the drawable shows; its own mask, if any,
       * gives way to the class's. */
      if (gimp_layer_get_mask (layer) != NULL)
        gimp_layer_remove_mask (layer, GIMP_MASK_APPLY);
      mask = gimp_layer_create_mask (layer, GIMP_ADD_MASK_BLACK);
      gimp_layer_add_mask (layer, mask);
      write_drawable (GIMP_DRAWABLE (mask), map, map->region.x, map->region.y, "Y u8", 1,
                      paint_mask, GINT_TO_POINTER (k));
      gimp_progress_update (LABELS_PROGRESS + (1.0 - LABELS_PROGRESS) * (k + 1) / map->n_found);
    }
}

/* A new channel of the image's size holding the mask of @slot. */
static GimpChannel *
add_mask_channel (GimpImage      *image,
                  GimpDrawable   *drawable,
                  const LabelMap *map,
                  const char     *name,
                  const guint8    rgb[3],
                  int             position,
                  int             slot)
{
  GeglColor   *colour = gegl_color_new (NULL);
  GimpChannel *channel;
  int          x, y;

  gegl_color_set_pixel (colour, babl_format ("R'G'B' u8"), rgb);
  channel = gimp_channel_new (image, name, gimp_image_get_width (image),
                              gimp_image_get_height (image), CHANNEL_OPACITY, colour);
  g_object_unref (colour);
  gimp_image_insert_channel (image, channel, NULL, position);
  region_origin (drawable, map, &x, &y);
  write_drawable (GIMP_DRAWABLE (channel), map, x, y, "Y u8", 1, paint_mask,
                  GINT_TO_POINTER (slot));
  return channel;
}

static void
add_class_channels (GimpImage *image, GimpDrawable *drawable, const LabelMap *map)
{
  for (int k = 0; k < map->n_found; k++)
    {
      guint8 rgb[3];

      cs_segment_colour (map->found[k].index, rgb);
      add_mask_channel (image, drawable, map, map->found[k].name, rgb, k, k);
      gimp_progress_update (LABELS_PROGRESS + (1.0 - LABELS_PROGRESS) * (k + 1) / map->n_found);
    }
}

/* GIMP combines a selection only with an item of the image: the mask
 * goes in as a channel, is combined, and goes again, all inside the
 * caller's undo group. */
static void
select_classes (GimpImage      *image,
                GimpDrawable   *drawable,
                const LabelMap *map,
                GimpChannelOps  operation)
{
  static const guint8 black[3] = { 0, 0, 0 };
  GimpChannel        *channel =
      add_mask_channel (image, drawable, map, "convscope-segment", black, 0, ANY_SLOT);

  gimp_image_select_item (image, operation, GIMP_ITEM (channel));
  gimp_image_remove_channel (image, channel);
}

/* "Labels: dog #400080, cat #400000": the legend, in the found order. */
static char *
legend (const LabelMap *map)
{
  GString *entries = g_string_new (NULL);
  char    *name;

  for (int k = 0; k < map->n_found; k++)
    {
      guint8 rgb[3];

      cs_segment_colour (map->found[k].index, rgb);
      g_string_append_printf (entries, "%s%s #%02X%02X%02X", k > 0 ? ", " : "", map->found[k].name,
                              rgb[0], rgb[1], rgb[2]);
    }
  name = g_strdup_printf (_("Labels: %s"), entries->str);
  g_string_free (entries, TRUE);
  return name;
}

/* One layer over the region, each found class in its colour. */
static void
add_label_layer (GimpImage *image, GimpDrawable *drawable, const LabelMap *map)
{
  g_autofree char *name = legend (map);
  g_autofree guint8 (*colours)[4] = g_malloc_n (map->n_found, sizeof *colours);
  GimpLayer       *layer = gimp_layer_new (image, name, map->region.width, map->region.height,
                                           GIMP_RGBA_IMAGE, 100.0, GIMP_LAYER_MODE_NORMAL);
  int              x, y;

  for (int k = 0; k < map->n_found; k++)
    {
      cs_segment_colour (map->found[k].index, colours[k]);
      colours[k][3] = 255;
    }
  insert_above (image, drawable, layer);
  region_origin (drawable, map, &x, &y);
  gimp_layer_set_offsets (layer, x, y);
  write_drawable (GIMP_DRAWABLE (layer), map, 0, 0, "R'G'B'A u8", 4, paint_colours, colours);
}

gboolean
csp_export_segmentation (GimpImage               *image,
                         GimpDrawable            *drawable,
                         const CsSegmenter       *segmenter,
                         const CsSegmentation    *segmentation,
                         const CspSegmentOptions *options,
                         CspSegmentClass        **found,
                         int                     *n_found,
                         GError                 **error)
{
  LabelMap map = { { 0 } };

  if (options->output == CSP_SEGMENT_LABEL_LAYER && gimp_image_get_base_type (image) != GIMP_RGB)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_ARGUMENT,
                           _("a colour-coded label layer needs an RGB image; convert the "
                              "image to RGB, or choose another output"));
      return FALSE;
    }
  if (!label_region (segmenter, segmentation, options, &map, error))
    {
      label_map_clear (&map);
      return FALSE;
    }
  if (map.n_found == 0 && options->output == CSP_SEGMENT_SELECTION)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   _("none of the chosen classes covers a pixel at threshold %g; the "
                      "selection is left as it was"),
                   options->threshold);
      label_map_clear (&map);
      return FALSE;
    }
  if (map.n_found > 0)
    {
      gimp_image_undo_group_start (image);
      switch (options->output)
        {
        case CSP_SEGMENT_LAYERS:
          add_class_layers (image, drawable, segmenter, &map);
          break;
        case CSP_SEGMENT_SELECTION:
          select_classes (image, drawable, &map, options->operation);
          break;
        case CSP_SEGMENT_CHANNELS:
          add_class_channels (image, drawable, &map);
          break;
        case CSP_SEGMENT_LABEL_LAYER:
          add_label_layer (image, drawable, &map);
          break;
        }
      gimp_image_undo_group_end (image);
    }
  gimp_progress_update (1.0);
  *found = map.found;
  *n_found = map.n_found;
  g_free (map.slots);
  return TRUE;
}

void
csp_segment_classes_free (CspSegmentClass *found, int n_found)
{
  for (int k = 0; k < n_found && found != NULL; k++)
    g_free (found[k].name);
  g_free (found);
}

/* ---- plug-in-convscope-segment ---- */

/* One flag per class of @segmenter for the names in @spec, separated by
 * commas; NULL (every class but the background) when it names none. */
static gboolean *
choose_classes (const CsSegmenter *segmenter, const char *spec, GError **error)
{
  const int n_classes = cs_segmenter_n_classes (segmenter);
  g_auto (GStrv) parts = g_strsplit (spec != NULL ? spec : "", ",", -1);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autofree int *indices = NULL;
  gboolean       *chosen;

  for (char **part = parts; *part != NULL; part++)
    if (*g_strstrip (*part) != '\0')
      g_ptr_array_add (names, *part);
  if (names->len == 0)
    return NULL;
  g_ptr_array_add (names, NULL);
  indices = g_new (int, names->len);
  if (!cs_labels_find (cs_segmenter_labels (segmenter), n_classes,
                       (const char *const *) names->pdata, indices, error))
    {
      g_prefix_error (error, "%s: ", cs_segmenter_model_path (segmenter));
      return NULL;
    }
  chosen = g_new0 (gboolean, n_classes);
  for (guint n = 0; n + 1 < names->len; n++)
    chosen[indices[n]] = TRUE;
  return chosen;
}

/* Return values: classes, shares. */
static GimpValueArray *
segment_return_values (GimpProcedure *procedure, const CspSegmentClass *found, int n)
{
  GimpValueArray *values = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
  GStrv           classes = g_new0 (char *, n + 1);
  double         *shares = g_new (double, n);

  for (int k = 0; k < n; k++)
    {
      classes[k] = g_strdup (found[k].name);
      shares[k] = found[k].share;
    }
  GIMP_VALUES_TAKE_STRV (values, 1, classes);
  GIMP_VALUES_TAKE_DOUBLE_ARRAY (values, 2, shares, n);
  return values;
}

/* Runs @segmenter on @region of @drawable and exports as @options say. */
static gboolean
segment_drawable (GimpImage               *image,
                  GimpDrawable            *drawable,
                  CsSegmenter             *segmenter,
                  const CspSegmentOptions *options,
                  CspSegmentClass        **found,
                  int                     *n_found,
                  GError                 **error)
{
  g_autoptr (GeglBuffer) buffer = gimp_drawable_get_buffer (drawable);
  g_autoptr (CsSegmentation) segmentation = NULL;
  CsTensor *input = cs_segmenter_input_new (segmenter, error);
  gboolean  ok;

  gimp_progress_init (_("Segmenting"));
  ok =
      input != NULL
      && cs_pixels_to_tensor (buffer, &options->region, cs_segmenter_card (segmenter), input, error)
      && cs_segmenter_run (segmenter, input, &segmentation, error);
  cs_segmenter_input_free (input);
  return ok
         && csp_export_segmentation (image, drawable, segmenter, segmentation, options, found,
                                     n_found, error);
}

static GimpValueArray *
segment_run (GimpProcedure       *procedure,
             GimpRunMode          run_mode,
             GimpImage           *image,
             GimpDrawable       **drawables,
             GimpProcedureConfig *config,
             gpointer             run_data)
{
  g_autoptr (GFile) model_file = NULL;
  g_autoptr (CsSegmenter) segmenter = NULL;
  g_autofree char     *classes = NULL;
  g_autofree gboolean *chosen = NULL;
  CspSegmentOptions    options = { 0 };
  CspSegmentClass     *found = NULL;
  GimpValueArray      *values;
  GError              *error = NULL;
  gboolean             use_selection;
  int                  n_found = 0;

  if ((values = csp_check_one_drawable (procedure, drawables)) != NULL)
    return values;
  if (run_mode == GIMP_RUN_INTERACTIVE
      && !csp_procedure_dialog (procedure, config, _("Convscope segmentation"),
                                (const char *const[]){ "classes", "output", "operation",
                                                       "threshold", "use-selection", NULL }))
    return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL, NULL);

  g_object_get (config, "model", &model_file, "classes", &classes, "operation", &options.operation,
                "threshold", &options.threshold, "use-selection", &use_selection, NULL);
  options.output = gimp_procedure_config_get_choice_id (config, "output");
  if (!csp_drawable_region (drawables[0], use_selection, &options.region, &error)
      || (segmenter = csp_segmenter_new (model_file, &error)) == NULL)
    return csp_procedure_fail (procedure, error);
  chosen = choose_classes (segmenter, classes, &error);
  if (error != NULL)
    return csp_procedure_fail (procedure, error);
  options.chosen = chosen;

  if (!segment_drawable (image, drawables[0], segmenter, &options, &found, &n_found, &error))
    return csp_procedure_fail (procedure, error);
  if (run_mode == GIMP_RUN_INTERACTIVE)
    {
      if (n_found == 0)
        gimp_message (_("Convscope found none of the classes; nothing was made."));
      gimp_displays_flush ();
    }
  values = segment_return_values (procedure, found, n_found);
  csp_segment_classes_free (found, n_found);
  return values;
}

GimpProcedure *
csp_segment_procedure_new (GimpPlugIn *plug_in)
{
  GimpProcedure *procedure =
      gimp_image_procedure_new (plug_in, CSP_SEGMENT_PROC, GIMP_PDB_PROC_TYPE_PLUGIN, segment_run,
                                NULL, NULL);

  gimp_procedure_set_image_types (procedure, "*");
  gimp_procedure_set_sensitivity_mask (procedure, GIMP_PROCEDURE_SENSITIVE_DRAWABLE);
  gimp_procedure_set_menu_label (procedure, _("_Segment…"));
  gimp_procedure_add_menu_path (procedure, "<Image>/Filters/Convscope");
  gimp_procedure_set_documentation (
      procedure, _("Select or mask what a segmentation network finds in the image"),
      _("Runs a semantic segmentation network (its model card says task=segmentation) on "
         "the drawable, or on the bounding box of the selection within it, and gives every "
         "pixel its most probable class: the network's class scores are brought to the "
         "image's resolution bilinearly before the argmax, so the masks follow edges "
         "rather than the network's coarse grid.  Pixels whose winning probability is "
         "below the threshold belong to no class.  The chosen classes that are present "
         "become a layer group holding a copy of the drawable per class with the class as "
         "its layer mask, a selection combined with the current one, one channel per "
         "class, or one layer with each class in its colour and the legend in its name; "
         "all as one undo step.  Returns the classes found, largest first, with their "
         "shares of the region's pixels.  When no chosen class is present nothing is "
         "made, and a selection output fails rather than select nothing.  On any failure "
         "the image is left unchanged."),
      CSP_SEGMENT_PROC);
  csp_procedure_add_common (procedure);
  gimp_procedure_add_string_argument (procedure, "classes", _("C_lasses"),
                                      _("Class names separated by commas, as the model's "
                                         "labels give them; empty: every class present "
                                         "but the background"),
                                      "", G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (
      procedure, "output", _("_Output"), _("What the classes become"),
      gimp_choice_new_with_values ("layers", CSP_SEGMENT_LAYERS,
                                   _("A layer group: a masked layer per class"), NULL, "selection",
                                   CSP_SEGMENT_SELECTION, _("A selection of the classes"), NULL,
                                   "channels", CSP_SEGMENT_CHANNELS, _("A channel per class"),
                                   NULL, "label-layer", CSP_SEGMENT_LABEL_LAYER,
                                   _("One colour-coded label layer"), NULL, NULL),
      "layers", G_PARAM_READWRITE);
  gimp_procedure_add_enum_argument (procedure, "operation", _("Selection o_peration"),
                                    _("How the selection output combines with the current "
                                       "selection"),
                                    GIMP_TYPE_CHANNEL_OPS, GIMP_CHANNEL_OP_REPLACE,
                                    G_PARAM_READWRITE);
  gimp_procedure_add_double_argument (procedure, "threshold", _("_Threshold"),
                                      _("The least probability of a pixel's most probable "
                                         "class for it to count; 0 keeps every pixel's "
                                         "most probable class"),
                                      0.0, 1.0, 0.0, G_PARAM_READWRITE);
  csp_procedure_add_use_selection (procedure,
                                   _("Segment the selection's bounding box in the drawable "
                                      "rather than the whole drawable"));
  gimp_procedure_add_string_array_return_value (procedure, "classes", _("Classes"),
                                                _("The chosen classes present, largest "
                                                   "share first"),
                                                G_PARAM_READWRITE);
  gimp_procedure_add_double_array_return_value (procedure, "shares", _("Shares"),
                                                _("Their shares of the region's pixels, "
                                                   "in (0, 1]"),
                                                G_PARAM_READWRITE);
  return procedure;
}
