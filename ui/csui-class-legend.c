/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csui-class-legend.c — what a segmentation network found in the
 * picture it saw, beside its overlay (csui-overlays.c): one row per class
 * present with its colour and share, largest first, each with a check
 * box: the embedding program acts on the classes ticked.
 */
#include "convscope-ui.h"

struct _CsuiClassLegend
{
  GtkBox     parent_instance;

  GtkWidget *rows;
  /* One check button per class of the model, NULL for those absent. */
  GPtrArray *checks;
};

G_DEFINE_TYPE (CsuiClassLegend, csui_class_legend, GTK_TYPE_BOX)

static gboolean
draw_swatch (GtkWidget *swatch, cairo_t *cr, gpointer data)
{
  guint8 rgb[3];

  cs_segment_colour (GPOINTER_TO_INT (data), rgb);
  cairo_set_source_rgb (cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
  cairo_paint (cr);
  return TRUE;
}

typedef struct
{
  int    label;
  gint64 count;
} ClassCount;

static int
by_count (gconstpointer a, gconstpointer b)
{
  const ClassCount *left = a, *right = b;

  if (left->count != right->count)
    return left->count > right->count ? -1 : 1;
  return left->label - right->label;
}

void
csui_class_legend_set (CsuiClassLegend *legend, const CsSegmenter *segmenter,
                       const guint8 *labels, int width, int height)
{
  g_autoptr (GList) old_rows = NULL;
  int               n_classes = segmenter != NULL ? cs_segmenter_n_classes (segmenter) : 0;
  g_autofree ClassCount *counts = g_new0 (ClassCount, MAX (n_classes, 1));
  gint64            total = (gint64) width * height;
  gboolean          ticked = FALSE;

  g_return_if_fail (CSUI_IS_CLASS_LEGEND (legend));
  old_rows = gtk_container_get_children (GTK_CONTAINER (legend->rows));
  for (GList *row = old_rows; row != NULL; row = row->next)
    gtk_widget_destroy (row->data);
  g_ptr_array_set_size (legend->checks, 0);
  g_ptr_array_set_size (legend->checks, n_classes);
  if (segmenter == NULL || labels == NULL || total <= 0)
    return;

  for (int c = 0; c < n_classes; c++)
    counts[c].label = c;
  for (gint64 i = 0; i < total; i++)
    if (labels[i] < n_classes)
      counts[labels[i]].count++;
  qsort (counts, (size_t) n_classes, sizeof *counts, by_count);

  for (int r = 0; r < n_classes && counts[r].count > 0; r++)
    {
      int              label = counts[r].label;
      g_autofree char *name = cs_labels_name (cs_segmenter_labels (segmenter), label);
      g_autofree char *share =
        g_strdup_printf ("%.1f %%", 100.0 * (double) counts[r].count / (double) total);
      GtkWidget       *check = gtk_check_button_new_with_label (name);
      GtkWidget       *swatch = gtk_drawing_area_new ();
      GtkWidget       *value = gtk_label_new (share);

      gtk_widget_set_name (check, "legend-class");
      gtk_widget_set_name (swatch, "legend-swatch");
      gtk_widget_set_size_request (swatch, 16, 16);
      gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
      g_signal_connect (swatch, "draw", G_CALLBACK (draw_swatch), GINT_TO_POINTER (label));
      gtk_widget_set_name (value, "legend-share");
      gtk_label_set_xalign (GTK_LABEL (value), 1.0f);
      gtk_widget_set_hexpand (value, TRUE);
      gtk_grid_attach (GTK_GRID (legend->rows), swatch, 0, r, 1, 1);
      gtk_grid_attach (GTK_GRID (legend->rows), check, 1, r, 1, 1);
      gtk_grid_attach (GTK_GRID (legend->rows), value, 2, r, 1, 1);
      g_ptr_array_index (legend->checks, label) = check;
      /* Ready to select what the picture is most of, beside its
       * background. */
      if (!ticked && label != cs_segmenter_background (segmenter))
        {
          gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (check), TRUE);
          ticked = TRUE;
        }
    }
  gtk_widget_show_all (legend->rows);
}

gboolean *
csui_class_legend_get_chosen (CsuiClassLegend *legend, int *n_classes)
{
  gboolean *chosen;

  g_return_val_if_fail (CSUI_IS_CLASS_LEGEND (legend), NULL);
  *n_classes = (int) legend->checks->len;
  chosen = g_new0 (gboolean, MAX (legend->checks->len, 1));
  for (guint c = 0; c < legend->checks->len; c++)
    {
      GtkWidget *check = g_ptr_array_index (legend->checks, c);

      chosen[c] = check != NULL && gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (check));
    }
  return chosen;
}

static void
csui_class_legend_finalize (GObject *object)
{
  g_ptr_array_unref (CSUI_CLASS_LEGEND (object)->checks);
  G_OBJECT_CLASS (csui_class_legend_parent_class)->finalize (object);
}

static void
csui_class_legend_class_init (CsuiClassLegendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = csui_class_legend_finalize;
}

static void
csui_class_legend_init (CsuiClassLegend *legend)
{
  /* The check buttons belong to the grid. */
  legend->checks = g_ptr_array_new ();
  legend->rows = gtk_grid_new ();
  gtk_widget_set_name (legend->rows, "legend");
  gtk_grid_set_column_spacing (GTK_GRID (legend->rows), 6);
  gtk_grid_set_row_spacing (GTK_GRID (legend->rows), 2);
  gtk_box_pack_start (GTK_BOX (legend), legend->rows, FALSE, FALSE, 0);
}

GtkWidget *
csui_class_legend_new (void)
{
  return g_object_new (CSUI_TYPE_CLASS_LEGEND, "orientation", GTK_ORIENTATION_VERTICAL,
                       "spacing", 4, NULL);
}
