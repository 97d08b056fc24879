/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csui-kernel-grid.c — a convolution's learned kernels as pictures: the
 * weights the core lays out as maps (cs_model_conv_kernels), painted by
 * the core's featuremap.c over one range for the whole layer, as the
 * plug-in exports them.  A first layer reading an RGB picture shows
 * each kernel in colour (its three input channels as red, green and
 * blue, 0 as mid gray); other layers show one diverging picture per
 * output channel and input channel, output channels in rows.
 */
#include <math.h>

#include <glib/gi18n-lib.h>

#include "convscope-ui.h"

#define GAP           3.0
/* The width the pictures are sized towards; more scrolls. */
#define TARGET_WIDTH  480.0
#define MAX_TAP_SIDE  16.0
/* Beyond these the pictures would be dots: the first ones are shown. */
#define MAX_ROWS      32
#define MAX_COLUMNS   32
#define MAX_PICTURES  256

struct _CsuiKernelGrid
{
  GtkDrawingArea   parent_instance;

  CsTensor        *kernels;
  int64_t          outputs, per_group;
  CsuiKernelColour colour;
  /* What is drawn: pictures (one per output channel in colour, else per
   * output and input channel), in rows of @columns. */
  int              n_pictures, columns;
  double           tap_side;
  GPtrArray       *pictures;
};

G_DEFINE_TYPE (CsuiKernelGrid, csui_kernel_grid, GTK_TYPE_DRAWING_AREA)

/* One picture per output channel: in colour, or with one input channel. */
static gboolean
per_output (CsuiKernelGrid *grid)
{
  return grid->colour != CSUI_KERNEL_GRAY || grid->per_group == 1;
}

/* The kernel channel (index into the kernels' maps) of @picture, for
 * the input channel @input of a colour picture. */
static int64_t
picture_channel (CsuiKernelGrid *grid, int picture, int input)
{
  if (per_output (grid))
    return (int64_t) picture * grid->per_group + input;
  return (int64_t) (picture / grid->columns) * grid->per_group + picture % grid->columns;
}

/* Paints picture @picture: a diverging map over the layer's range, or in
 * colour its three input channels as gray levels over that range. */
static GdkPixbuf *
paint_picture (CsuiKernelGrid *grid, int picture, float low, float high)
{
  int        height = (int) grid->kernels->shape.dims[2], width = (int) grid->kernels->shape.dims[3];
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autofree guint8 *plane = g_new (guint8, (size_t) width * height);

  if (grid->colour == CSUI_KERNEL_GRAY)
    {
      cs_feature_map_paint (grid->kernels, (int) picture_channel (grid, picture, 0), low, high,
                            CS_COLORMAP_DIVERGING, gdk_pixbuf_get_pixels (pixbuf),
                            (size_t) gdk_pixbuf_get_rowstride (pixbuf), 3);
      return pixbuf;
    }
  for (int input = 0; input < 3; input++)
    {
      /* BGR models read blue first. */
      int rgb = grid->colour == CSUI_KERNEL_BGR ? 2 - input : input;

      cs_feature_map_paint (grid->kernels, (int) picture_channel (grid, picture, input), low,
                            high, CS_COLORMAP_GRAY, plane, (size_t) width, 1);
      for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
          gdk_pixbuf_get_pixels (pixbuf)[y * gdk_pixbuf_get_rowstride (pixbuf) + x * 3 + rgb] =
            plane[y * width + x];
    }
  return pixbuf;
}

static void
paint_pictures (CsuiKernelGrid *grid)
{
  float low, high;

  g_ptr_array_set_size (grid->pictures, 0);
  if (!cs_feature_map_range (grid->kernels, 0, CS_MAP_RANGE_LAYER, CS_COLORMAP_DIVERGING, &low,
                             &high))
    return;
  for (int picture = 0; picture < grid->n_pictures; picture++)
    g_ptr_array_add (grid->pictures, paint_picture (grid, picture, low, high));
}

gboolean
csui_kernel_grid_get_cell_area (CsuiKernelGrid *grid, int output, int input, double *x,
                                double *y, double *tap_side)
{
  int picture;

  g_return_val_if_fail (CSUI_IS_KERNEL_GRID (grid), FALSE);
  if (grid->kernels == NULL || output < 0 || input < 0)
    return FALSE;
  if (per_output (grid))
    picture = input < grid->per_group ? output : -1;
  else
    picture = input < grid->columns ? output * grid->columns + input : -1;
  if (picture < 0 || picture >= grid->n_pictures)
    return FALSE;
  *tap_side = grid->tap_side;
  *x = (picture % grid->columns) * (grid->kernels->shape.dims[3] * grid->tap_side + GAP);
  *y = (picture / grid->columns) * (grid->kernels->shape.dims[2] * grid->tap_side + GAP);
  return TRUE;
}

static gboolean
csui_kernel_grid_draw (GtkWidget *widget, cairo_t *cr)
{
  CsuiKernelGrid *grid = CSUI_KERNEL_GRID (widget);

  gtk_render_background (gtk_widget_get_style_context (widget), cr, 0, 0,
                         gtk_widget_get_allocated_width (widget),
                         gtk_widget_get_allocated_height (widget));
  for (guint picture = 0; picture < grid->pictures->len; picture++)
    {
      GdkPixbuf *pixbuf = g_ptr_array_index (grid->pictures, picture);
      double     x = (picture % grid->columns) * (gdk_pixbuf_get_width (pixbuf) * grid->tap_side + GAP);
      double     y = (picture / grid->columns) * (gdk_pixbuf_get_height (pixbuf) * grid->tap_side + GAP);

      cairo_save (cr);
      cairo_translate (cr, x, y);
      cairo_scale (cr, grid->tap_side, grid->tap_side);
      gdk_cairo_set_source_pixbuf (cr, pixbuf, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_paint (cr);
      cairo_restore (cr);
      /* A frame, so white (zero) edges of neighbours stay apart. */
      cairo_set_source_rgb (cr, 0.6, 0.6, 0.6);
      cairo_set_line_width (cr, 1.0);
      cairo_rectangle (cr, x - 0.5, y - 0.5, gdk_pixbuf_get_width (pixbuf) * grid->tap_side + 1,
                       gdk_pixbuf_get_height (pixbuf) * grid->tap_side + 1);
      cairo_stroke (cr);
    }
  return FALSE;
}

static gboolean
csui_kernel_grid_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard,
                                GtkTooltip *tooltip)
{
  CsuiKernelGrid  *grid = CSUI_KERNEL_GRID (widget);
  g_autofree char *text = NULL;
  double           cell_w, cell_h;
  int              column, row, picture, ky, kx;

  if (grid->kernels == NULL || grid->n_pictures == 0)
    return FALSE;
  cell_w = grid->kernels->shape.dims[3] * grid->tap_side + GAP;
  cell_h = grid->kernels->shape.dims[2] * grid->tap_side + GAP;
  column = (int) (x / cell_w);
  row = (int) (y / cell_h);
  picture = row * grid->columns + column;
  kx = (int) ((x - column * cell_w) / grid->tap_side);
  ky = (int) ((y - row * cell_h) / grid->tap_side);
  if (column >= grid->columns || picture >= grid->n_pictures || kx >= grid->kernels->shape.dims[3]
      || ky >= grid->kernels->shape.dims[2])
    return FALSE;
  if (per_output (grid) && grid->per_group > 1)
    text = g_strdup_printf (_("Kernel of output channel %d"), picture);
  else
    {
      int64_t      channel = picture_channel (grid, picture, 0);
      const float *values = grid->kernels->data;

      text = g_strdup_printf (_("Output channel %d, input channel %d, tap (%d, %d): %.4g"),
                              (int) (channel / grid->per_group), (int) (channel % grid->per_group),
                              ky, kx,
                              values[(channel * grid->kernels->shape.dims[2] + ky)
                                       * grid->kernels->shape.dims[3] + kx]);
    }
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
csui_kernel_grid_finalize (GObject *object)
{
  CsuiKernelGrid *grid = CSUI_KERNEL_GRID (object);

  cs_conv_kernels_free (grid->kernels);
  g_ptr_array_unref (grid->pictures);
  G_OBJECT_CLASS (csui_kernel_grid_parent_class)->finalize (object);
}

static void
csui_kernel_grid_class_init (CsuiKernelGridClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = csui_kernel_grid_finalize;
  GTK_WIDGET_CLASS (klass)->draw = csui_kernel_grid_draw;
  GTK_WIDGET_CLASS (klass)->query_tooltip = csui_kernel_grid_query_tooltip;
}

static void
csui_kernel_grid_init (CsuiKernelGrid *grid)
{
  grid->pictures = g_ptr_array_new_with_free_func (g_object_unref);
  grid->columns = 1;
  gtk_widget_set_has_tooltip (GTK_WIDGET (grid), TRUE);
}

GtkWidget *
csui_kernel_grid_new (void)
{
  return g_object_new (CSUI_TYPE_KERNEL_GRID, NULL);
}

void
csui_kernel_grid_set_kernels (CsuiKernelGrid *grid, CsTensor *kernels, int64_t outputs,
                              CsuiKernelColour colour)
{
  int64_t taps_w;

  g_return_if_fail (CSUI_IS_KERNEL_GRID (grid));

  cs_conv_kernels_free (grid->kernels);
  grid->kernels = NULL;
  grid->n_pictures = 0;
  grid->columns = 1;
  g_ptr_array_set_size (grid->pictures, 0);
  if (kernels != NULL && outputs > 0 && kernels->shape.rank == 4
      && kernels->shape.dims[1] % outputs == 0 && kernels->shape.dims[2] > 0
      && kernels->shape.dims[3] > 0 && kernels->shape.dims[2] <= G_MAXINT / 4
      && kernels->shape.dims[3] <= G_MAXINT / 4)
    {
      grid->kernels = kernels;
      grid->outputs = outputs;
      grid->per_group = kernels->shape.dims[1] / outputs;
      grid->colour = grid->per_group == 3 ? colour : CSUI_KERNEL_GRAY;
      if (per_output (grid))
        {
          grid->n_pictures = (int) MIN (outputs, MAX_PICTURES);
          grid->columns = (int) ceil (sqrt (grid->n_pictures));
        }
      else
        {
          grid->columns = (int) MIN (grid->per_group, MAX_COLUMNS);
          grid->n_pictures = (int) MIN (outputs, MAX_ROWS) * grid->columns;
        }
      taps_w = kernels->shape.dims[3];
      grid->tap_side = CLAMP (floor ((TARGET_WIDTH - grid->columns * GAP)
                                     / (double) (grid->columns * taps_w)),
                              1.0, MAX_TAP_SIDE);
      paint_pictures (grid);
    }
  else
    cs_conv_kernels_free (kernels);
  if (grid->kernels != NULL)
    {
      int rows = (grid->n_pictures + grid->columns - 1) / grid->columns;

      gtk_widget_set_size_request (
        GTK_WIDGET (grid),
        (int) (grid->columns * (grid->kernels->shape.dims[3] * grid->tap_side + GAP)),
        (int) (rows * (grid->kernels->shape.dims[2] * grid->tap_side + GAP)));
    }
  else
    gtk_widget_set_size_request (GTK_WIDGET (grid), -1, -1);
  gtk_widget_queue_draw (GTK_WIDGET (grid));
}

const CsTensor *
csui_kernel_grid_get_kernels (CsuiKernelGrid *grid)
{
  g_return_val_if_fail (CSUI_IS_KERNEL_GRID (grid), NULL);
  return grid->kernels;
}

int
csui_kernel_grid_get_n_pictures (CsuiKernelGrid *grid)
{
  g_return_val_if_fail (CSUI_IS_KERNEL_GRID (grid), 0);
  return grid->n_pictures;
}

CsuiKernelColour
csui_kernel_grid_get_colour (CsuiKernelGrid *grid)
{
  g_return_val_if_fail (CSUI_IS_KERNEL_GRID (grid), CSUI_KERNEL_GRAY);
  return grid->kernels != NULL ? grid->colour : CSUI_KERNEL_GRAY;
}
