/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csui-probe-view.c — the convolution at one pixel, as the core's probe
 * (core/probe.c) worked it out: for the first input channels of the
 * output channel's group, the input patch the kernel covers, the
 * kernel's weights and their products as small heat grids, then the
 * sum, the bias, the value before the activation, the activation and
 * the result, beside the value the feature map holds.  Every number is
 * the probe's; this only draws and words them.
 */
#include <inttypes.h>
#include <math.h>

#include <glib/gi18n-lib.h>

#include "convscope-ui.h"

/* Input channels drawn at most; the rest are in the sum all the same. */
#define MAX_SHOWN 16
#define GRID_SIDE 48.0
#define GRID_GAP  16.0

struct _CsuiProbeView
{
  GtkBox     parent_instance;

  GtkWidget *caption;
  GtkWidget *grids;
  GtkWidget *sum, *bias, *pre_activation, *activation, *value, *tapped;
  GtkWidget *folded;

  /* The shown channels' numbers, copied from the probe. */
  int        n_shown, kernel_h, kernel_w;
  int64_t    first_channel;
  float     *patch, *weights, *products;
  guint8    *padding;
};

G_DEFINE_TYPE (CsuiProbeView, csui_probe_view, GTK_TYPE_BOX)

static double
cell_side (CsuiProbeView *view)
{
  return CLAMP (floor (GRID_SIDE / MAX (view->kernel_h, view->kernel_w)), 3.0, 16.0);
}

/* The largest magnitude among @n values: the diverging map's ends are
 * ±that, so 0 stays white. */
static float
largest_magnitude (const float *values, int64_t n)
{
  float largest = 0.0f;

  for (int64_t i = 0; i < n; i++)
    largest = MAX (largest, fabsf (values[i]));
  return largest > 0.0f ? largest : 1.0f;
}

/* One kernel_h × kernel_w grid of @values at (@x, @y), coloured through
 * @colormap between @low and @high; taps in the padding are crossed. */
static void
draw_grid (CsuiProbeView *view, cairo_t *cr, double x, double y, const float *values,
           const guint8 *padding, CsColormap colormap, float low, float high)
{
  double side = cell_side (view);

  for (int ky = 0; ky < view->kernel_h; ky++)
    for (int kx = 0; kx < view->kernel_w; kx++)
      {
        int     at = ky * view->kernel_w + kx;
        uint8_t rgb[3];
        double  cx = x + kx * side, cy = y + ky * side;

        cs_colormap_rgb (colormap, high > low ? (values[at] - low) / (high - low) : 0.5f, rgb);
        cairo_set_source_rgb (cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
        cairo_rectangle (cr, cx, cy, side, side);
        cairo_fill (cr);
        if (padding != NULL && padding[at])
          {
            cairo_set_source_rgb (cr, 0.5, 0.5, 0.5);
            cairo_set_line_width (cr, 1.0);
            cairo_move_to (cr, cx, cy);
            cairo_line_to (cr, cx + side, cy + side);
            cairo_stroke (cr);
          }
      }
  cairo_set_source_rgb (cr, 0.5, 0.5, 0.5);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, x + 0.5, y + 0.5, view->kernel_w * side - 1, view->kernel_h * side - 1);
  cairo_stroke (cr);
}

static void
draw_text (GtkWidget *widget, cairo_t *cr, double x, double y, const char *text)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);

  gtk_render_layout (gtk_widget_get_style_context (widget), cr, x, y, layout);
}

static gboolean
draw_grids (GtkWidget *widget, cairo_t *cr, CsuiProbeView *view)
{
  int64_t taps = (int64_t) view->kernel_h * view->kernel_w;
  int64_t n = view->n_shown * taps;
  double  side = cell_side (view);
  double  grid_w = view->kernel_w * side, grid_h = view->kernel_h * side;
  double  label_w = 48.0;
  float   patch_low = 0.0f, patch_high = 0.0f;
  float   weight_max = largest_magnitude (view->weights, n);
  float   product_max = largest_magnitude (view->products, n);

  if (view->n_shown == 0)
    return FALSE;
  for (int64_t i = 0; i < n; i++)
    {
      patch_low = MIN (patch_low, view->patch[i]);
      patch_high = MAX (patch_high, view->patch[i]);
    }
  draw_text (widget, cr, label_w, 0, _("patch"));
  draw_text (widget, cr, label_w + grid_w + GRID_GAP, 0, _("kernel"));
  draw_text (widget, cr, label_w + 2 * (grid_w + GRID_GAP), 0, _("products"));
  for (int c = 0; c < view->n_shown; c++)
    {
      double           y = 20.0 + c * (grid_h + 6.0);
      g_autofree char *name = g_strdup_printf ("%" PRId64, view->first_channel + c);

      draw_text (widget, cr, 0, y, name);
      draw_grid (view, cr, label_w, y, view->patch + c * taps, view->padding + c * taps,
                 CS_COLORMAP_GRAY, patch_low, patch_high);
      draw_text (widget, cr, label_w + grid_w + 3, y, "×");
      draw_grid (view, cr, label_w + grid_w + GRID_GAP, y, view->weights + c * taps, NULL,
                 CS_COLORMAP_DIVERGING, -weight_max, weight_max);
      draw_text (widget, cr, label_w + 2 * grid_w + GRID_GAP + 3, y, "=");
      draw_grid (view, cr, label_w + 2 * (grid_w + GRID_GAP), y, view->products + c * taps, NULL,
                 CS_COLORMAP_DIVERGING, -product_max, product_max);
    }
  return FALSE;
}

static void
forget_numbers (CsuiProbeView *view)
{
  g_clear_pointer (&view->patch, g_free);
  g_clear_pointer (&view->weights, g_free);
  g_clear_pointer (&view->products, g_free);
  g_clear_pointer (&view->padding, g_free);
  view->n_shown = 0;
}

static void
csui_probe_view_finalize (GObject *object)
{
  forget_numbers (CSUI_PROBE_VIEW (object));
  G_OBJECT_CLASS (csui_probe_view_parent_class)->finalize (object);
}

static void
csui_probe_view_class_init (CsuiProbeViewClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = csui_probe_view_finalize;
}

/* A named value label in row @row of @grid, after its @title. */
static GtkWidget *
value_row (GtkWidget *grid, int row, const char *title, const char *name)
{
  GtkWidget *title_label = gtk_label_new (title);
  GtkWidget *value = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title_label), 0.0f);
  gtk_label_set_xalign (GTK_LABEL (value), 1.0f);
  gtk_label_set_selectable (GTK_LABEL (value), TRUE);
  gtk_widget_set_name (value, name);
  gtk_grid_attach (GTK_GRID (grid), title_label, 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), value, 1, row, 1, 1);
  return value;
}

static void
csui_probe_view_init (CsuiProbeView *view)
{
  GtkWidget *numbers = gtk_grid_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new (NULL, NULL);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (view), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (view), 4);
  view->caption = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (view->caption), TRUE);
  gtk_label_set_xalign (GTK_LABEL (view->caption), 0.0f);
  gtk_label_set_max_width_chars (GTK_LABEL (view->caption), 40);

  view->grids = gtk_drawing_area_new ();
  gtk_widget_set_name (view->grids, "probe-grids");
  g_signal_connect (view->grids, "draw", G_CALLBACK (draw_grids), view);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 120);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 240);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_container_add (GTK_CONTAINER (scrolled), view->grids);

  gtk_grid_set_column_spacing (GTK_GRID (numbers), 12);
  view->sum = value_row (numbers, 0, _("Sum of the products"), "probe-sum");
  view->bias = value_row (numbers, 1, _("+ bias"), "probe-bias");
  view->pre_activation = value_row (numbers, 2, _("= before the activation"),
                                    "probe-pre-activation");
  view->activation = value_row (numbers, 3, _("Activation"), "probe-activation");
  view->value = value_row (numbers, 4, _("= result"), "probe-value");
  view->tapped = value_row (numbers, 5, _("In the feature map"), "probe-tapped");
  view->folded = gtk_label_new (NULL);
  gtk_widget_set_name (view->folded, "probe-folded");
  gtk_label_set_line_wrap (GTK_LABEL (view->folded), TRUE);
  gtk_label_set_xalign (GTK_LABEL (view->folded), 0.0f);
  gtk_label_set_max_width_chars (GTK_LABEL (view->folded), 40);

  gtk_box_pack_start (GTK_BOX (view), view->caption, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (view), scrolled, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (view), numbers, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (view), view->folded, FALSE, FALSE, 0);
}

GtkWidget *
csui_probe_view_new (void)
{
  return g_object_new (CSUI_TYPE_PROBE_VIEW, NULL);
}

static void
set_number (GtkWidget *label, double value)
{
  g_autofree char *text = g_strdup_printf ("%.6g", value);

  gtk_label_set_text (GTK_LABEL (label), text);
}

/* "Clip (0, 6)", "LeakyRelu (0.1)", "Relu", or "none". */
static char *
activation_text (const CsConvProbe *probe)
{
  if (probe->activation == NULL)
    return g_strdup (_("none"));
  if (g_str_equal (probe->activation, "Clip"))
    return g_strdup_printf ("Clip (%g, %g)", probe->activation_alpha, probe->activation_beta);
  if (g_str_equal (probe->activation, "LeakyRelu"))
    return g_strdup_printf ("LeakyRelu (%g)", probe->activation_alpha);
  if (g_str_equal (probe->activation, "HardSigmoid"))
    return g_strdup_printf ("HardSigmoid (%g, %g)", probe->activation_alpha,
                            probe->activation_beta);
  return g_strdup (probe->activation);
}

void
csui_probe_view_set_probe (CsuiProbeView *view, const char *layer_name,
                           const CsConvProbe *probe, float tapped)
{
  g_autofree char *caption = NULL;
  g_autofree char *activation = NULL;
  int64_t          n;
  double           side;

  g_return_if_fail (CSUI_IS_PROBE_VIEW (view));

  forget_numbers (view);
  if (probe == NULL)
    {
      gtk_widget_queue_resize (view->grids);
      return;
    }
  view->n_shown = (int) MIN (probe->n_channels, MAX_SHOWN);
  view->kernel_h = probe->kernel_h;
  view->kernel_w = probe->kernel_w;
  view->first_channel = probe->first_channel;
  n = (int64_t) view->n_shown * probe->kernel_h * probe->kernel_w;
  view->patch = g_memdup2 (probe->patch, n * sizeof (float));
  view->weights = g_memdup2 (probe->weights, n * sizeof (float));
  view->products = g_memdup2 (probe->products, n * sizeof (float));
  view->padding = g_memdup2 (probe->padding, n);

  caption = g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE,
                   "%s, channel %" PRId64 " at row %" PRId64 ", column %" PRId64
                   ": a %d×%d kernel over %" PRId64 " input channel (%d shown)",
                   "%s, channel %" PRId64 " at row %" PRId64 ", column %" PRId64
                   ": a %d×%d kernel over %" PRId64 " input channels (%d shown)",
                   (unsigned long) probe->n_channels),
      layer_name, probe->channel, probe->y, probe->x, probe->kernel_h, probe->kernel_w,
      probe->n_channels, view->n_shown);
  gtk_label_set_text (GTK_LABEL (view->caption), caption);
  set_number (view->sum, probe->sum);
  set_number (view->bias, probe->bias);
  set_number (view->pre_activation, probe->pre_activation);
  activation = activation_text (probe);
  gtk_label_set_text (GTK_LABEL (view->activation), activation);
  set_number (view->value, probe->value);
  set_number (view->tapped, tapped);
  gtk_label_set_text (GTK_LABEL (view->folded),
                      probe->folded_batchnorm
                        ? _("A BatchNormalization was folded into this convolution: these are "
                            "the folded weights and bias, as the layer runs.")
                        : "");
  side = cell_side (view);
  gtk_widget_set_size_request (view->grids, (int) (48.0 + 3 * (probe->kernel_w * side)
                                                   + 2 * GRID_GAP + 4),
                               (int) (20.0 + view->n_shown * (probe->kernel_h * side + 6.0)));
  gtk_widget_queue_draw (view->grids);
}

int
csui_probe_view_get_n_shown (CsuiProbeView *view)
{
  g_return_val_if_fail (CSUI_IS_PROBE_VIEW (view), 0);
  return view->n_shown;
}
