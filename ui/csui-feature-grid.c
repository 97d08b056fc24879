/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csui-feature-grid.c — one layer's output as pictures: every channel
 * (up to a cap) as a thumbnail in a grid sized to the widget, painted
 * through the chosen colour map and normalization by the core's
 * featuremap.c, so they match the layers the plug-in exports.  Hovering
 * a thumbnail tells its channel's statistics; clicking one enlarges it
 * beside the grid.  The enlarged map's pixels answer the pointer: the
 * grid says which one is hovered and which one clicked, for the
 * inspector's lessons, and outlines them.
 */
#include <math.h>

#include <glib/gi18n-lib.h>

#include "convscope-ui.h"

#define GAP            2.0
/* Beyond this a thumbnail tells nothing more; the rest of the widget is
 * better left empty than filled with a few huge blurs. */
#define MAX_CELL       160.0
/* The grid's share of the width while a channel is enlarged. */
#define GRID_SHARE     0.6

struct _CsuiFeatureGrid
{
  GtkDrawingArea  parent_instance;

  const CsTensor *maps;
  GDestroyNotify  owner_unref;
  gpointer        owner;
  CsColormap      colormap;
  CsMapRange      range;
  int             cap;
  int             enlarged;
  /* The channel at each place of the grid, all of them; NULL: channel
   * order. */
  int            *order;
  /* One pixbuf per thumbnail, painted on first draw after a change. */
  GPtrArray      *thumbnails;
  /* The enlarged map's pixel under the pointer and the one clicked last
   * (row, column), -1 for none. */
  int             hovered[2];
  int             clicked[2];
};

G_DEFINE_TYPE (CsuiFeatureGrid, csui_feature_grid, GTK_TYPE_DRAWING_AREA)

enum
{
  MAP_HOVERED,
  MAP_CLICKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  int    n, columns;
  double cell;
  double big_x, big_size;  /* the enlarged channel's square; 0 without */
} GridLayout;

static int
n_channels (CsuiFeatureGrid *grid)
{
  return grid->maps != NULL ? (int) grid->maps->shape.dims[1] : 0;
}

/* The channel shown at @place of the grid, and the place of @channel
 * (n_channels when it has none). */
static int
channel_of (CsuiFeatureGrid *grid, int place)
{
  return grid->order != NULL ? grid->order[place] : place;
}

static int
place_of (CsuiFeatureGrid *grid, int channel)
{
  int n = n_channels (grid);

  if (grid->order == NULL)
    return channel;
  for (int place = 0; place < n; place++)
    if (grid->order[place] == channel)
      return place;
  return n;
}

int
csui_feature_grid_get_n_thumbnails (CsuiFeatureGrid *grid)
{
  g_return_val_if_fail (CSUI_IS_FEATURE_GRID (grid), 0);
  return MIN (n_channels (grid), grid->cap);
}

static void
compute_layout (CsuiFeatureGrid *grid, GridLayout *layout)
{
  double width = gtk_widget_get_allocated_width (GTK_WIDGET (grid));
  double height = gtk_widget_get_allocated_height (GTK_WIDGET (grid));
  double grid_width = grid->enlarged >= 0 ? floor (width * GRID_SHARE) : width;

  *layout = (GridLayout) { csui_feature_grid_get_n_thumbnails (grid), 1, 0.0, 0.0, 0.0 };
  /* The column count that gives the largest cells with all shown. */
  for (int columns = 1; columns <= layout->n; columns++)
    {
      int    rows = (layout->n + columns - 1) / columns;
      double cell = MIN (grid_width / columns, height / rows);

      if (cell > layout->cell)
        {
          layout->cell = cell;
          layout->columns = columns;
        }
    }
  layout->cell = floor (MIN (layout->cell, MAX_CELL));
  if (grid->enlarged >= 0)
    {
      layout->big_x = grid_width + 4 * GAP;
      layout->big_size = MAX (0.0, MIN (width - layout->big_x, height - 24.0));
    }
}

static void
clear_thumbnails (CsuiFeatureGrid *grid)
{
  g_ptr_array_set_size (grid->thumbnails, 0);
}

/* The picture of @channel under the current colour map and range. */
static GdkPixbuf *
paint_channel (CsuiFeatureGrid *grid, int channel)
{
  GdkPixbuf *pixbuf;
  float      low, high;

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, (int) grid->maps->shape.dims[3],
                           (int) grid->maps->shape.dims[2]);
  if (pixbuf == NULL)
    return NULL;
  if (!cs_feature_map_range (grid->maps, channel, grid->range, grid->colormap, &low, &high)
      || !cs_feature_map_paint (grid->maps, channel, low, high, grid->colormap,
                                gdk_pixbuf_get_pixels (pixbuf),
                                (size_t) gdk_pixbuf_get_rowstride (pixbuf), 3))
    g_clear_object (&pixbuf);
  return pixbuf;
}

/* The picture at @place of the grid. */
static GdkPixbuf *
thumbnail (CsuiFeatureGrid *grid, int place)
{
  if (grid->thumbnails->len == 0)
    {
      int n = csui_feature_grid_get_n_thumbnails (grid);

      for (int c = 0; c < n; c++)
        g_ptr_array_add (grid->thumbnails, paint_channel (grid, channel_of (grid, c)));
    }
  return place < (int) grid->thumbnails->len ? g_ptr_array_index (grid->thumbnails, place)
                                             : NULL;
}

/* Draws @pixbuf into the square at (@x, @y) of side @size, aspect kept,
 * pixels kept sharp: activations are data, not photos. */
static void
draw_map (cairo_t *cr, GdkPixbuf *pixbuf, double x, double y, double size)
{
  double w = gdk_pixbuf_get_width (pixbuf), h = gdk_pixbuf_get_height (pixbuf);
  double zoom = size / MAX (w, h);

  cairo_save (cr);
  cairo_translate (cr, x + (size - w * zoom) / 2, y + (size - h * zoom) / 2);
  cairo_scale (cr, zoom, zoom);
  gdk_cairo_set_source_pixbuf (cr, pixbuf, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_fill (cr);
  cairo_restore (cr);
}

gboolean
csui_feature_grid_get_enlarged_area (CsuiFeatureGrid *grid, double *x, double *y, double *zoom)
{
  GridLayout layout;
  double     w, h;

  g_return_val_if_fail (CSUI_IS_FEATURE_GRID (grid), FALSE);
  compute_layout (grid, &layout);
  if (grid->enlarged < 0 || place_of (grid, grid->enlarged) >= layout.n || layout.big_size <= 0)
    return FALSE;
  /* As draw_map places it. */
  w = (double) grid->maps->shape.dims[3];
  h = (double) grid->maps->shape.dims[2];
  *zoom = layout.big_size / MAX (w, h);
  *x = layout.big_x + (layout.big_size - w * *zoom) / 2;
  *y = (layout.big_size - h * *zoom) / 2;
  return TRUE;
}

gboolean
csui_feature_grid_pixel_at (CsuiFeatureGrid *grid, double x, double y, int *row, int *column)
{
  double left, top, zoom;

  g_return_val_if_fail (CSUI_IS_FEATURE_GRID (grid), FALSE);
  if (!csui_feature_grid_get_enlarged_area (grid, &left, &top, &zoom) || x < left || y < top)
    return FALSE;
  *column = (int) floor ((x - left) / zoom);
  *row = (int) floor ((y - top) / zoom);
  return *row < grid->maps->shape.dims[2] && *column < grid->maps->shape.dims[3];
}

/* A frame around pixel @at (row, column) of the enlarged map, if any. */
static void
outline_pixel (CsuiFeatureGrid *grid, cairo_t *cr, const int at[2], double red, double green,
               double blue)
{
  double left, top, zoom;

  if (at[0] < 0 || !csui_feature_grid_get_enlarged_area (grid, &left, &top, &zoom))
    return;
  cairo_save (cr);
  cairo_set_line_width (cr, 1.5);
  cairo_rectangle (cr, left + at[1] * zoom + 0.75, top + at[0] * zoom + 0.75,
                   MAX (zoom - 1.5, 1.0), MAX (zoom - 1.5, 1.0));
  /* Dark under light, to be seen on every colour of the map. */
  cairo_set_source_rgb (cr, 0.0, 0.0, 0.0);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, red, green, blue);
  cairo_set_dash (cr, (const double[]) { 2.0 }, 1, 0.0);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static gboolean
csui_feature_grid_draw (GtkWidget *widget, cairo_t *cr)
{
  CsuiFeatureGrid *grid = CSUI_FEATURE_GRID (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  GridLayout       layout;

  gtk_render_background (style, cr, 0, 0, gtk_widget_get_allocated_width (widget),
                         gtk_widget_get_allocated_height (widget));
  compute_layout (grid, &layout);
  if (layout.cell < 1.0)
    return FALSE;
  for (int c = 0; c < layout.n; c++)
    {
      GdkPixbuf *pixbuf = thumbnail (grid, c);

      if (pixbuf != NULL)
        draw_map (cr, pixbuf, (c % layout.columns) * layout.cell,
                  (c / layout.columns) * layout.cell, layout.cell - GAP);
    }
  if (grid->enlarged >= 0 && place_of (grid, grid->enlarged) < layout.n && layout.big_size > 0)
    {
      int        place = place_of (grid, grid->enlarged);
      GdkPixbuf *pixbuf = thumbnail (grid, place);
      g_autofree char *caption = g_strdup_printf (_("Channel %d"), grid->enlarged);
      g_autoptr (PangoLayout) text = gtk_widget_create_pango_layout (widget, caption);
      int row = place / layout.columns, column = place % layout.columns;

      if (pixbuf != NULL)
        {
          draw_map (cr, pixbuf, layout.big_x, 0, layout.big_size);
          outline_pixel (grid, cr, grid->clicked, 1.0, 1.0, 1.0);
          outline_pixel (grid, cr, grid->hovered, 1.0, 0.55, 0.0);
        }
      gtk_render_layout (style, cr, layout.big_x, layout.big_size + 4, text);
      /* Which thumbnail is enlarged. */
      cairo_set_source_rgb (cr, 1.0, 0.55, 0.0);
      cairo_set_line_width (cr, 2.0);
      cairo_rectangle (cr, column * layout.cell + 1, row * layout.cell + 1,
                       layout.cell - GAP - 2, layout.cell - GAP - 2);
      cairo_stroke (cr);
    }
  return FALSE;
}

int
csui_feature_grid_channel_at (CsuiFeatureGrid *grid, double x, double y)
{
  GridLayout layout;
  int        column, row, place;

  g_return_val_if_fail (CSUI_IS_FEATURE_GRID (grid), -1);
  compute_layout (grid, &layout);
  if (layout.cell < 1.0 || x < 0 || y < 0)
    return -1;
  column = (int) (x / layout.cell);
  row = (int) (y / layout.cell);
  place = row * layout.columns + column;
  return column < layout.columns && place < layout.n ? channel_of (grid, place) : -1;
}

static gboolean
csui_feature_grid_button_press (GtkWidget *widget, GdkEventButton *event)
{
  CsuiFeatureGrid *grid = CSUI_FEATURE_GRID (widget);
  int              channel;

  int              at[2];

  if (event->button != GDK_BUTTON_PRIMARY || event->type != GDK_BUTTON_PRESS)
    return FALSE;
  if (csui_feature_grid_pixel_at (grid, event->x, event->y, &at[0], &at[1]))
    {
      grid->clicked[0] = at[0];
      grid->clicked[1] = at[1];
      gtk_widget_queue_draw (widget);
      g_signal_emit (grid, signals[MAP_CLICKED], 0, grid->enlarged, at[0], at[1]);
      return TRUE;
    }
  channel = csui_feature_grid_channel_at (grid, event->x, event->y);
  if (channel < 0)
    return FALSE;
  csui_feature_grid_set_enlarged (grid, channel == grid->enlarged ? -1 : channel);
  return TRUE;
}

/* Moves the hovered pixel to @at (row, column; -1: none), telling
 * whoever listens when it changed. */
static void
set_hovered (CsuiFeatureGrid *grid, const int at[2])
{
  if (at[0] == grid->hovered[0] && at[1] == grid->hovered[1])
    return;
  grid->hovered[0] = at[0];
  grid->hovered[1] = at[1];
  gtk_widget_queue_draw (GTK_WIDGET (grid));
  g_signal_emit (grid, signals[MAP_HOVERED], 0, at[0] >= 0 ? grid->enlarged : -1, at[0], at[1]);
}

static gboolean
csui_feature_grid_motion_notify (GtkWidget *widget, GdkEventMotion *event)
{
  CsuiFeatureGrid *grid = CSUI_FEATURE_GRID (widget);
  int              at[2];

  if (!csui_feature_grid_pixel_at (grid, event->x, event->y, &at[0], &at[1]))
    at[0] = at[1] = -1;
  set_hovered (grid, at);
  return FALSE;
}

static gboolean
csui_feature_grid_leave_notify (GtkWidget *widget, GdkEventCrossing *event)
{
  set_hovered (CSUI_FEATURE_GRID (widget), (const int[]) { -1, -1 });
  return FALSE;
}

static gboolean
csui_feature_grid_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard,
                                 GtkTooltip *tooltip)
{
  CsuiFeatureGrid *grid = CSUI_FEATURE_GRID (widget);
  int              channel = csui_feature_grid_channel_at (grid, x, y);
  CsMapStats       stats;
  g_autofree char *text = NULL;
  int              row, column;

  if (csui_feature_grid_pixel_at (grid, x, y, &row, &column))
    {
      const float *values = grid->maps->data;
      int64_t      height = grid->maps->shape.dims[2], width = grid->maps->shape.dims[3];

      text = g_strdup_printf (_("Channel %d, row %d, column %d: %.6g"), grid->enlarged, row,
                              column,
                              values[(grid->enlarged * height + row) * width + column]);
      gtk_tooltip_set_text (tooltip, text);
      return TRUE;
    }
  if (channel < 0 || !cs_feature_map_stats (grid->maps, channel, &stats))
    return FALSE;
  text = g_strdup_printf (_("Channel %d\nmin %.4g   max %.4g   mean %.4g\nClick to enlarge"),
                          channel, stats.min, stats.max, stats.mean);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
release_maps (CsuiFeatureGrid *grid)
{
  clear_thumbnails (grid);
  if (grid->owner_unref != NULL && grid->owner != NULL)
    grid->owner_unref (grid->owner);
  grid->maps = NULL;
  grid->owner = NULL;
  grid->owner_unref = NULL;
}

static void
csui_feature_grid_finalize (GObject *object)
{
  CsuiFeatureGrid *grid = CSUI_FEATURE_GRID (object);

  release_maps (grid);
  g_ptr_array_unref (grid->thumbnails);
  g_free (grid->order);
  G_OBJECT_CLASS (csui_feature_grid_parent_class)->finalize (object);
}

static void
csui_feature_grid_class_init (CsuiFeatureGridClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = csui_feature_grid_finalize;
  widget_class->draw = csui_feature_grid_draw;
  widget_class->button_press_event = csui_feature_grid_button_press;
  widget_class->query_tooltip = csui_feature_grid_query_tooltip;
  widget_class->motion_notify_event = csui_feature_grid_motion_notify;
  widget_class->leave_notify_event = csui_feature_grid_leave_notify;

  signals[MAP_HOVERED] = g_signal_new ("map-hovered", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                       G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);
  signals[MAP_CLICKED] = g_signal_new ("map-clicked", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                       G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);
}

/* NULL entries stand for channels that could not be painted. */
static void
unref_thumbnail (gpointer pixbuf)
{
  if (pixbuf != NULL)
    g_object_unref (pixbuf);
}

static void
csui_feature_grid_init (CsuiFeatureGrid *grid)
{
  grid->colormap = CS_COLORMAP_VIRIDIS;
  grid->range = CS_MAP_RANGE_CHANNEL;
  grid->cap = CSUI_FEATURE_GRID_DEFAULT_CAP;
  grid->enlarged = -1;
  grid->hovered[0] = grid->hovered[1] = grid->clicked[0] = grid->clicked[1] = -1;
  grid->thumbnails = g_ptr_array_new_with_free_func (unref_thumbnail);
  gtk_widget_add_events (GTK_WIDGET (grid), GDK_BUTTON_PRESS_MASK | GDK_POINTER_MOTION_MASK
                                              | GDK_LEAVE_NOTIFY_MASK);
  gtk_widget_set_has_tooltip (GTK_WIDGET (grid), TRUE);
  /* Two rows of thumbnails for a 32-channel layer at the least, so a
   * 1280×800 screen has room for the layer table above. */
  gtk_widget_set_size_request (GTK_WIDGET (grid), 200, 96);
}

GtkWidget *
csui_feature_grid_new (void)
{
  return g_object_new (CSUI_TYPE_FEATURE_GRID, NULL);
}

/* Another map is enlarged (or none): its pixels are not the old ones. */
static void
forget_pixels (CsuiFeatureGrid *grid)
{
  grid->clicked[0] = grid->clicked[1] = -1;
  set_hovered (grid, (const int[]) { -1, -1 });
}

void
csui_feature_grid_set_maps (CsuiFeatureGrid *grid, const CsTensor *maps,
                            GDestroyNotify owner_unref, gpointer owner)
{
  g_return_if_fail (CSUI_IS_FEATURE_GRID (grid));

  release_maps (grid);
  grid->owner = owner;
  grid->owner_unref = owner_unref;
  if (maps != NULL && maps->data != NULL && maps->dtype == CS_DTYPE_FLOAT32
      && maps->shape.rank == 4 && maps->shape.dims[0] == 1 && maps->shape.dims[1] > 0
      && maps->shape.dims[2] > 0 && maps->shape.dims[3] > 0
      && maps->shape.dims[2] <= G_MAXINT / 4 && maps->shape.dims[3] <= G_MAXINT / 4)
    grid->maps = maps;
  g_clear_pointer (&grid->order, g_free);
  grid->enlarged = -1;
  forget_pixels (grid);
  gtk_widget_queue_draw (GTK_WIDGET (grid));
}

void
csui_feature_grid_set_colormap (CsuiFeatureGrid *grid, CsColormap colormap)
{
  g_return_if_fail (CSUI_IS_FEATURE_GRID (grid));
  grid->colormap = colormap;
  clear_thumbnails (grid);
  gtk_widget_queue_draw (GTK_WIDGET (grid));
}

void
csui_feature_grid_set_range (CsuiFeatureGrid *grid, CsMapRange range)
{
  g_return_if_fail (CSUI_IS_FEATURE_GRID (grid));
  grid->range = range;
  clear_thumbnails (grid);
  gtk_widget_queue_draw (GTK_WIDGET (grid));
}

void
csui_feature_grid_set_cap (CsuiFeatureGrid *grid, int cap)
{
  g_return_if_fail (CSUI_IS_FEATURE_GRID (grid));
  grid->cap = MAX (1, cap);
  clear_thumbnails (grid);
  if (grid->enlarged >= 0 && place_of (grid, grid->enlarged) >= grid->cap)
    {
      grid->enlarged = -1;
      forget_pixels (grid);
    }
  gtk_widget_queue_draw (GTK_WIDGET (grid));
}

void
csui_feature_grid_set_enlarged (CsuiFeatureGrid *grid, int channel)
{
  g_return_if_fail (CSUI_IS_FEATURE_GRID (grid));
  grid->enlarged = channel >= 0 && channel < n_channels (grid)
                       && place_of (grid, channel) < csui_feature_grid_get_n_thumbnails (grid)
                     ? channel : -1;
  forget_pixels (grid);
  gtk_widget_queue_draw (GTK_WIDGET (grid));
}

int
csui_feature_grid_get_enlarged (CsuiFeatureGrid *grid)
{
  g_return_val_if_fail (CSUI_IS_FEATURE_GRID (grid), -1);
  return grid->enlarged;
}

CsColormap
csui_feature_grid_get_colormap (CsuiFeatureGrid *grid)
{
  g_return_val_if_fail (CSUI_IS_FEATURE_GRID (grid), CS_COLORMAP_VIRIDIS);
  return grid->colormap;
}

CsMapRange
csui_feature_grid_get_range (CsuiFeatureGrid *grid)
{
  g_return_val_if_fail (CSUI_IS_FEATURE_GRID (grid), CS_MAP_RANGE_CHANNEL);
  return grid->range;
}

int
csui_feature_grid_get_cap (CsuiFeatureGrid *grid)
{
  g_return_val_if_fail (CSUI_IS_FEATURE_GRID (grid), CSUI_FEATURE_GRID_DEFAULT_CAP);
  return grid->cap;
}

void
csui_feature_grid_set_order (CsuiFeatureGrid *grid, const int *order)
{
  int n;

  g_return_if_fail (CSUI_IS_FEATURE_GRID (grid));
  n = n_channels (grid);
  g_clear_pointer (&grid->order, g_free);
  if (order != NULL && n > 0)
    grid->order = g_memdup2 (order, sizeof (int) * (gsize) n);
  clear_thumbnails (grid);
  if (grid->enlarged >= 0
      && place_of (grid, grid->enlarged) >= csui_feature_grid_get_n_thumbnails (grid))
    {
      grid->enlarged = -1;
      forget_pixels (grid);
    }
  gtk_widget_queue_draw (GTK_WIDGET (grid));
}

int
csui_feature_grid_channel_at_place (CsuiFeatureGrid *grid, int place)
{
  g_return_val_if_fail (CSUI_IS_FEATURE_GRID (grid), -1);
  return place >= 0 && place < n_channels (grid) ? channel_of (grid, place) : -1;
}
