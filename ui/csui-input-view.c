/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csui-input-view.c — "What the model sees": the network's input
 * enlarged in whole multiples, with a margin around it where the zero
 * padding lies, so two lessons can be drawn over it: the receptive field
 * of one output pixel (the core's box, the part inside the image framed
 * solid, the part in the padding hatched), and a layer's padding and
 * stride (its zero border and the positions of its first windows, in
 * the units of that layer's input, scaled over the picture).  It only
 * draws what it is given.
 */
#include <math.h>

#include <glib/gi18n-lib.h>

#include "convscope-ui.h"

/* The side the picture is enlarged towards, in whole multiples, so a
 * 28×28 input shows at 224×224 and a 224×224 one as it is. */
#define PICTURE_SIZE 224
/* Room around the picture for what lies in the padding. */
#define MARGIN       32

struct _CsuiInputView
{
  GtkDrawingArea  parent_instance;

  GdkPixbuf      *picture;
  gboolean        has_box;
  CsReceptiveBox  box;
  gboolean        has_window;
  CsLayerInfo     window;   /* only the window's numbers and input shape */
  /* A segmentation's classes or a heat map, of the picture's size. */
  GdkPixbuf      *overlay;
  double          overlay_opacity;
};

G_DEFINE_TYPE (CsuiInputView, csui_input_view, GTK_TYPE_DRAWING_AREA)

/* The box's colour, and the padding's. */
static const double box_rgb[3] = { 1.0, 0.55, 0.0 };
static const double padding_rgb[3] = { 0.25, 0.55, 1.0 };

static int
zoom_of (GdkPixbuf *picture)
{
  int side = MAX (gdk_pixbuf_get_width (picture), gdk_pixbuf_get_height (picture));

  return MAX (1, PICTURE_SIZE / side);
}

gboolean
csui_input_view_get_pixel_area (CsuiInputView *view, double *x, double *y, double *zoom)
{
  GtkWidget *widget = GTK_WIDGET (view);

  g_return_val_if_fail (CSUI_IS_INPUT_VIEW (view), FALSE);
  if (view->picture == NULL)
    return FALSE;
  *zoom = zoom_of (view->picture);
  *x = floor ((gtk_widget_get_allocated_width (widget)
               - gdk_pixbuf_get_width (view->picture) * *zoom) / 2);
  *y = floor ((gtk_widget_get_allocated_height (widget)
               - gdk_pixbuf_get_height (view->picture) * *zoom) / 2);
  return TRUE;
}

/* Diagonal lines over the current clip, in the source colour. */
static void
hatch (cairo_t *cr, double width, double height)
{
  cairo_set_line_width (cr, 1.0);
  for (double d = -height; d < width; d += 5.0)
    {
      cairo_move_to (cr, d, height);
      cairo_line_to (cr, d + height, 0);
    }
  cairo_stroke (cr);
}

/* Rows y0…y1 and columns x0…x1 of the picture (inclusive, may lie
 * outside it) as a widget rectangle path. */
static void
pixel_rectangle (cairo_t *cr, double left, double top, double zoom, double y0, double x0,
                 double y1, double x1)
{
  cairo_rectangle (cr, left + x0 * zoom, top + y0 * zoom, (x1 - x0 + 1) * zoom,
                   (y1 - y0 + 1) * zoom);
}

static void
draw_box (CsuiInputView *view, cairo_t *cr, double left, double top, double zoom, double width,
          double height)
{
  const CsReceptiveBox *box = &view->box;
  double                picture_w = gdk_pixbuf_get_width (view->picture);
  double                picture_h = gdk_pixbuf_get_height (view->picture);

  cairo_save (cr);
  /* What falls into the padding: the box less the picture, hatched. */
  pixel_rectangle (cr, left, top, zoom, box->y0, box->x0, box->y1, box->x1);
  cairo_clip (cr);
  cairo_set_fill_rule (cr, CAIRO_FILL_RULE_EVEN_ODD);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_rectangle (cr, left, top, picture_w * zoom, picture_h * zoom);
  cairo_clip (cr);
  cairo_set_source_rgba (cr, box_rgb[0], box_rgb[1], box_rgb[2], 0.8);
  hatch (cr, width, height);
  cairo_restore (cr);

  cairo_save (cr);
  cairo_set_line_width (cr, 2.0);
  if (box->in_image)
    {
      pixel_rectangle (cr, left, top, zoom, box->image_y0, box->image_x0, box->image_y1,
                       box->image_x1);
      cairo_set_source_rgba (cr, box_rgb[0], box_rgb[1], box_rgb[2], 0.25);
      cairo_fill_preserve (cr);
      cairo_set_source_rgb (cr, box_rgb[0], box_rgb[1], box_rgb[2]);
      cairo_stroke (cr);
    }
  /* The whole box, padding included, dashed. */
  pixel_rectangle (cr, left, top, zoom, box->y0, box->x0, box->y1, box->x1);
  cairo_set_source_rgb (cr, box_rgb[0], box_rgb[1], box_rgb[2]);
  cairo_set_dash (cr, (const double[]) { 4.0, 3.0 }, 2, 0.0);
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* The layer's zero border and its first windows, in cells of the layer's
 * input (a picture pixel for the first layer, more for deeper ones). */
static void
draw_window (CsuiInputView *view, cairo_t *cr, double left, double top, double zoom,
             double width, double height)
{
  const CsLayerInfo *layer = &view->window;
  double             picture_w = gdk_pixbuf_get_width (view->picture);
  double             picture_h = gdk_pixbuf_get_height (view->picture);
  double             cell_h = picture_h * zoom / (double) layer->in_shape.dims[2];
  double             cell_w = picture_w * zoom / (double) layer->in_shape.dims[3];
  double             pad_top = layer->pads[0] * cell_h, pad_left = layer->pads[1] * cell_w;
  double             pad_bottom = layer->pads[2] * cell_h, pad_right = layer->pads[3] * cell_w;
  double             span_h = ((layer->kernel[0] - 1) * layer->dilation[0] + 1) * cell_h;
  double             span_w = ((layer->kernel[1] - 1) * layer->dilation[1] + 1) * cell_w;
  double             first_y = top - pad_top, first_x = left - pad_left;

  cairo_save (cr);
  /* The zero border. */
  cairo_set_fill_rule (cr, CAIRO_FILL_RULE_EVEN_ODD);
  cairo_rectangle (cr, left - pad_left, top - pad_top, picture_w * zoom + pad_left + pad_right,
                   picture_h * zoom + pad_top + pad_bottom);
  cairo_rectangle (cr, left, top, picture_w * zoom, picture_h * zoom);
  cairo_set_source_rgba (cr, padding_rgb[0], padding_rgb[1], padding_rgb[2], 0.45);
  cairo_fill (cr);

  /* The first window, and its neighbours one stride right and down:
   * how much they overlap is what the stride sets. */
  cairo_set_line_width (cr, 2.0);
  cairo_set_source_rgb (cr, padding_rgb[0], padding_rgb[1], padding_rgb[2]);
  cairo_rectangle (cr, first_x, first_y, span_w, span_h);
  cairo_stroke (cr);
  cairo_set_dash (cr, (const double[]) { 4.0, 3.0 }, 2, 0.0);
  cairo_rectangle (cr, first_x + layer->stride[1] * cell_w, first_y, span_w, span_h);
  cairo_rectangle (cr, first_x, first_y + layer->stride[0] * cell_h, span_w, span_h);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0.0);

  /* Where every window starts, as ticks along the top and the left. */
  cairo_set_line_width (cr, 1.0);
  for (int64_t x = 0; x < layer->out_shape.dims[3]; x++)
    {
      double at = first_x + x * layer->stride[1] * cell_w + 0.5;

      cairo_move_to (cr, at, first_y - 6);
      cairo_line_to (cr, at, first_y - 1);
    }
  for (int64_t y = 0; y < layer->out_shape.dims[2]; y++)
    {
      double at = first_y + y * layer->stride[0] * cell_h + 0.5;

      cairo_move_to (cr, first_x - 6, at);
      cairo_line_to (cr, first_x - 1, at);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

static gboolean
csui_input_view_draw (GtkWidget *widget, cairo_t *cr)
{
  CsuiInputView *view = CSUI_INPUT_VIEW (widget);
  double         width = gtk_widget_get_allocated_width (widget);
  double         height = gtk_widget_get_allocated_height (widget);
  double         left, top, zoom;

  gtk_render_background (gtk_widget_get_style_context (widget), cr, 0, 0, width, height);
  if (!csui_input_view_get_pixel_area (view, &left, &top, &zoom))
    return FALSE;

  cairo_save (cr);
  cairo_translate (cr, left, top);
  cairo_scale (cr, zoom, zoom);
  gdk_cairo_set_source_pixbuf (cr, view->picture, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  if (view->overlay != NULL)
    {
      gdk_cairo_set_source_pixbuf (cr, view->overlay, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_paint_with_alpha (cr, view->overlay_opacity);
    }
  cairo_restore (cr);

  if (view->has_window)
    draw_window (view, cr, left, top, zoom, width, height);
  if (view->has_box)
    draw_box (view, cr, left, top, zoom, width, height);
  return FALSE;
}

static void
csui_input_view_finalize (GObject *object)
{
  g_clear_object (&CSUI_INPUT_VIEW (object)->picture);
  g_clear_object (&CSUI_INPUT_VIEW (object)->overlay);
  G_OBJECT_CLASS (csui_input_view_parent_class)->finalize (object);
}

static void
csui_input_view_class_init (CsuiInputViewClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = csui_input_view_finalize;
  GTK_WIDGET_CLASS (klass)->draw = csui_input_view_draw;
}

static void
csui_input_view_init (CsuiInputView *view)
{
  gtk_widget_set_size_request (GTK_WIDGET (view), PICTURE_SIZE + 2 * MARGIN,
                               PICTURE_SIZE + 2 * MARGIN);
}

GtkWidget *
csui_input_view_new (void)
{
  return g_object_new (CSUI_TYPE_INPUT_VIEW, NULL);
}

void
csui_input_view_set_picture (CsuiInputView *view, GdkPixbuf *picture)
{
  g_return_if_fail (CSUI_IS_INPUT_VIEW (view));

  g_set_object (&view->picture, picture);
  if (picture != NULL)
    {
      int zoom = zoom_of (picture);

      gtk_widget_set_size_request (GTK_WIDGET (view),
                                   gdk_pixbuf_get_width (picture) * zoom + 2 * MARGIN,
                                   gdk_pixbuf_get_height (picture) * zoom + 2 * MARGIN);
    }
  gtk_widget_queue_draw (GTK_WIDGET (view));
}

void
csui_input_view_set_box (CsuiInputView *view, const CsReceptiveBox *box)
{
  g_return_if_fail (CSUI_IS_INPUT_VIEW (view));

  view->has_box = box != NULL;
  if (box != NULL)
    view->box = *box;
  gtk_widget_queue_draw (GTK_WIDGET (view));
}

gboolean
csui_input_view_get_box (CsuiInputView *view, CsReceptiveBox *box)
{
  g_return_val_if_fail (CSUI_IS_INPUT_VIEW (view), FALSE);

  if (view->has_box)
    *box = view->box;
  return view->has_box;
}

void
csui_input_view_set_window (CsuiInputView *view, const CsLayerInfo *layer)
{
  g_return_if_fail (CSUI_IS_INPUT_VIEW (view));

  view->has_window = layer != NULL && layer->has_window && !layer->transposed
                     && layer->in_shape.rank == 4 && layer->in_shape.dims[2] > 0
                     && layer->in_shape.dims[3] > 0 && layer->out_shape.rank == 4;
  if (view->has_window)
    {
      /* Its strings belong to the model: keep only the numbers. */
      view->window = *layer;
      view->window.name = view->window.op = NULL;
      view->window.arithmetic[0] = view->window.arithmetic[1] = NULL;
    }
  gtk_widget_queue_draw (GTK_WIDGET (view));
}

gboolean
csui_input_view_get_window (CsuiInputView *view)
{
  g_return_val_if_fail (CSUI_IS_INPUT_VIEW (view), FALSE);
  return view->has_window;
}

void
csui_input_view_set_overlay (CsuiInputView *view, GdkPixbuf *overlay, double opacity)
{
  g_return_if_fail (CSUI_IS_INPUT_VIEW (view));

  g_set_object (&view->overlay, overlay);
  view->overlay_opacity = CLAMP (opacity, 0.0, 1.0);
  gtk_widget_queue_draw (GTK_WIDGET (view));
}

GdkPixbuf *
csui_input_view_get_overlay (CsuiInputView *view)
{
  g_return_val_if_fail (CSUI_IS_INPUT_VIEW (view), NULL);
  return view->overlay;
}

double
csui_input_view_get_overlay_opacity (CsuiInputView *view)
{
  g_return_val_if_fail (CSUI_IS_INPUT_VIEW (view), 0.0);
  return view->overlay_opacity;
}
