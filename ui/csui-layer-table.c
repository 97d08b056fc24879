/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csui-layer-table.c — the network as a table, one row per layer (index,
 * name, op, kernel/stride/padding, output C×H×W, parameters, part of the
 * network), with the selected conv or pool layer's output-size
 * arithmetic, receptive field and dense equivalent written out
 * underneath: where shrinking maps, growing channels, the split into
 * feature extractor and classifier and the cost of a dense layer against
 * a conv layer become visible.
 */
#include <glib/gi18n-lib.h>
#include <inttypes.h>

#include "convscope-ui.h"

struct _CsuiLayerTable
{
  GtkBox         parent_instance;

  const CsModel *model;
  GtkListStore  *rows;
  GtkWidget     *view;
  GtkWidget     *detail;
  /* The layer the grid shows, and the selected layers as of the last
   * "changed", to tell which rows a click added. */
  int            shown;
  GArray        *selected;
};

G_DEFINE_TYPE (CsuiLayerTable, csui_layer_table, GTK_TYPE_BOX)

enum
{
  LAYER_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
csui_layer_table_finalize (GObject *object)
{
  CsuiLayerTable *table = CSUI_LAYER_TABLE (object);

  g_clear_object (&table->rows);
  g_clear_pointer (&table->selected, g_array_unref);
  G_OBJECT_CLASS (csui_layer_table_parent_class)->finalize (object);
}

/* A mnemonic on the table's heading goes to the rows, where the arrow
 * keys, Ctrl+arrows and Ctrl+Space choose layers. */
static gboolean
csui_layer_table_mnemonic_activate (GtkWidget *widget, gboolean group_cycling)
{
  gtk_widget_grab_focus (CSUI_LAYER_TABLE (widget)->view);
  return TRUE;
}

static void
csui_layer_table_class_init (CsuiLayerTableClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = csui_layer_table_finalize;
  GTK_WIDGET_CLASS (klass)->mnemonic_activate = csui_layer_table_mnemonic_activate;

  signals[LAYER_SELECTED] = g_signal_new ("layer-selected", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
csui_layer_table_init (CsuiLayerTable *table)
{
  table->shown = -1;
  table->selected = g_array_new (FALSE, FALSE, sizeof (int));
}

/* "3" when both axes agree, else "3×1". */
static char *
format_pair (int64_t h, int64_t w)
{
  if (h == w)
    return g_strdup_printf ("%" G_GINT64_FORMAT, h);
  return g_strdup_printf ("%" G_GINT64_FORMAT "×%" G_GINT64_FORMAT, h, w);
}

/* "3×3 /2 pad 1" for a layer with a window, else empty. */
static char *
window_text (const CsLayerInfo *layer)
{
  g_autofree char *stride = NULL;
  gboolean         even_pads;

  if (!layer->has_window)
    return g_strdup ("");
  stride = format_pair (layer->stride[0], layer->stride[1]);
  even_pads = layer->pads[0] == layer->pads[1] && layer->pads[0] == layer->pads[2]
              && layer->pads[0] == layer->pads[3];
  if (even_pads)
    return g_strdup_printf ("%d×%d /%s pad %d", layer->kernel[0], layer->kernel[1], stride,
                            layer->pads[0]);
  return g_strdup_printf ("%d×%d /%s pad %d,%d,%d,%d", layer->kernel[0], layer->kernel[1],
                          stride, layer->pads[0], layer->pads[1], layer->pads[2],
                          layer->pads[3]);
}

char *
csui_layer_output_text (const CsLayerInfo *layer)
{
  return cs_shape_to_string (&layer->out_shape);
}

/* Which part of the network layer @index of @model belongs to: the
 * feature extractor, with its maps' side against the input's where it
 * has shrunk (saying so on the layer where it halves), or the
 * classifier. */
static char *
part_text (const CsModel *model, size_t index)
{
  int classifier = cs_model_classifier_start (model);
  int halvings = cs_model_layer_halvings (model, index);
  int before = index > 0 ? cs_model_layer_halvings (model, index - 1) : 0;

  if (classifier >= 0 && (int) index >= classifier)
    return g_strdup (_("classifier"));
  if (halvings <= 0)
    return g_strdup (_("features"));
  halvings = MIN (halvings, 30);
  if (before >= 0 && halvings > before)
    return g_strdup_printf (_("features, 1/%d size (halved)"), 1 << halvings);
  return g_strdup_printf (_("features, 1/%d size"), 1 << halvings);
}

/* The arithmetic, receptive field and dense equivalent of layer @index
 * of @model, for the text under the table; a hint when the layer has no
 * window. */
static char *
detail_text (const CsModel *model, size_t index)
{
  const CsLayerInfo *layer = cs_model_layer (model, index);
  g_autofree char *output = csui_layer_output_text (layer);
  g_autofree char *params = csui_format_count (layer->params);
  g_autofree char *macs = csui_format_count (layer->macs);
  g_autofree char *dense = csui_format_count (cs_model_layer_dense_weights (model, index));

  if (!layer->has_window && !layer->resampled)
    return g_strdup_printf (_("%s (%s): output %s, %s parameters, %s multiply-accumulates.\n"
                              "Select a conv, pool or resize layer to see its output-size "
                              "arithmetic."),
                            layer->name, layer->op, output, params, macs);
  return g_strdup_printf (_("%s (%s)\n"
                            "Height: %s    Width: %s\n"
                            "Each output pixel sees %" PRId64 "×%" PRId64
                            " input pixels (receptive field); neighbouring outputs are %"
                            PRId64 " input pixels apart.  %s parameters, %s "
                            "multiply-accumulates; a fully connected layer from its input "
                            "to its output would need %s weights."),
                          layer->name, layer->op, layer->arithmetic[0], layer->arithmetic[1],
                          layer->receptive_field[0], layer->receptive_field[1], layer->jump[0],
                          params, macs, dense);
}

static gboolean
layers_contain (GArray *layers, int layer)
{
  for (guint i = 0; i < layers->len; i++)
    if (g_array_index (layers, int, i) == layer)
      return TRUE;
  return FALSE;
}

/* The row of the tree view's cursor, -1 for none. */
static int
cursor_layer (CsuiLayerTable *table)
{
  g_autoptr (GtkTreePath) path = NULL;
  GtkTreeIter iter;
  int         layer = -1;

  gtk_tree_view_get_cursor (GTK_TREE_VIEW (table->view), &path, NULL);
  if (path != NULL && gtk_tree_model_get_iter (GTK_TREE_MODEL (table->rows), &iter, path))
    gtk_tree_model_get (GTK_TREE_MODEL (table->rows), &iter, CSUI_LAYER_COLUMN_INDEX, &layer, -1);
  return layer;
}

/* The layer the user clicked last among @selected: a click moves the
 * cursor before it changes the selection, so a row the change added is
 * the cursor's (a Shift-click adds a range ending there) or, when the
 * selection was changed without the cursor, the last one added.  When
 * rows only went away, the shown layer stays if it can. */
static int
clicked_layer (CsuiLayerTable *table, GArray *selected)
{
  int      cursor = cursor_layer (table);
  int      added = -1;
  gboolean cursor_selected = FALSE;

  for (guint i = 0; i < selected->len; i++)
    {
      int layer = g_array_index (selected, int, i);

      if (!layers_contain (table->selected, layer))
        {
          if (layer == cursor)
            return cursor;
          added = layer;
        }
      cursor_selected |= layer == cursor;
    }
  if (added >= 0)
    return added;
  if (layers_contain (selected, table->shown))
    return table->shown;
  if (cursor_selected)
    return cursor;
  return selected->len > 0 ? g_array_index (selected, int, selected->len - 1) : -1;
}

static void
selection_changed (GtkTreeSelection *selection, CsuiLayerTable *table)
{
  GArray *selected = csui_layer_table_get_selected_layers (table);

  table->shown = clicked_layer (table, selected);
  g_array_unref (table->selected);
  table->selected = selected;
  if (table->shown >= 0 && table->model != NULL)
    {
      g_autofree char *detail = detail_text (table->model, (size_t) table->shown);

      gtk_label_set_text (GTK_LABEL (table->detail), detail);
    }
  else
    gtk_label_set_text (GTK_LABEL (table->detail), "");
  g_signal_emit (table, signals[LAYER_SELECTED], 0, table->shown);
}

static void
add_column (CsuiLayerTable *table, const char *title, int column, gboolean expand,
            float xalign)
{
  GtkCellRenderer   *renderer = gtk_cell_renderer_text_new ();
  GtkTreeViewColumn *view_column;

  g_object_set (renderer, "xalign", xalign, NULL);
  if (expand)
    g_object_set (renderer, "ellipsize", PANGO_ELLIPSIZE_MIDDLE, NULL);
  view_column = gtk_tree_view_column_new_with_attributes (title, renderer, "text", column, NULL);
  gtk_tree_view_column_set_resizable (view_column, TRUE);
  gtk_tree_view_column_set_expand (view_column, expand);
  gtk_tree_view_append_column (GTK_TREE_VIEW (table->view), view_column);
}

#define MIN_VISIBLE_ROWS 8

/* About the height of one row of @view in its font, the header's too. */
static int
row_height (GtkWidget *view)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (view, "Xg");
  int                     height;

  pango_layout_get_pixel_size (layout, NULL, &height);
  /* The cell's padding and the theme's row spacing. */
  return height + 8;
}

GtkWidget *
csui_layer_table_new (void)
{
  CsuiLayerTable *table = g_object_new (CSUI_TYPE_LAYER_TABLE,
                                        "orientation", GTK_ORIENTATION_VERTICAL,
                                        "spacing", 4, NULL);
  GtkWidget      *scrolled = gtk_scrolled_window_new (NULL, NULL);

  table->rows = gtk_list_store_new (CSUI_LAYER_N_COLUMNS, G_TYPE_INT, G_TYPE_STRING,
                                    G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                    G_TYPE_STRING, G_TYPE_STRING);
  table->view = gtk_tree_view_new_with_model (GTK_TREE_MODEL (table->rows));
  gtk_widget_set_name (table->view, "layers");
  add_column (table, "#", CSUI_LAYER_COLUMN_INDEX, FALSE, 1.0f);
  add_column (table, _("Layer"), CSUI_LAYER_COLUMN_NAME, TRUE, 0.0f);
  add_column (table, _("Op"), CSUI_LAYER_COLUMN_OP, FALSE, 0.0f);
  add_column (table, _("Kernel / stride / padding"), CSUI_LAYER_COLUMN_WINDOW, FALSE, 0.0f);
  add_column (table, _("Output C×H×W"), CSUI_LAYER_COLUMN_OUTPUT, FALSE, 0.0f);
  add_column (table, _("Parameters"), CSUI_LAYER_COLUMN_PARAMS, FALSE, 1.0f);
  add_column (table, _("Part"), CSUI_LAYER_COLUMN_PART, FALSE, 0.0f);
  gtk_tree_view_set_search_column (GTK_TREE_VIEW (table->view), CSUI_LAYER_COLUMN_NAME);
  gtk_widget_set_tooltip_text (table->view,
                               _("Select a layer to see its feature maps and, for conv and "
                                 "pool layers, how its output size comes about; "
                                 "Ctrl- or Shift-click to select several for export"));
  gtk_tree_selection_set_mode (gtk_tree_view_get_selection (GTK_TREE_VIEW (table->view)),
                               GTK_SELECTION_MULTIPLE);
  g_signal_connect (gtk_tree_view_get_selection (GTK_TREE_VIEW (table->view)), "changed",
                    G_CALLBACK (selection_changed), table);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_AUTOMATIC,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_shadow_type (GTK_SCROLLED_WINDOW (scrolled), GTK_SHADOW_IN);
  gtk_container_add (GTK_CONTAINER (scrolled), table->view);
  /* Without it a dialog short of height gives the table two rows, and
   * the shrinking sizes the table is there to show are out of sight. */
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled),
                                              (MIN_VISIBLE_ROWS + 1) * row_height (table->view));

  table->detail = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (table->detail), 0.0f);
  gtk_label_set_line_wrap (GTK_LABEL (table->detail), TRUE);
  gtk_label_set_selectable (GTK_LABEL (table->detail), TRUE);
  gtk_label_set_lines (GTK_LABEL (table->detail), 3);

  gtk_box_pack_start (GTK_BOX (table), scrolled, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (table), table->detail, FALSE, FALSE, 0);
  gtk_widget_show_all (GTK_WIDGET (table));
  return GTK_WIDGET (table);
}

void
csui_layer_table_set_model (CsuiLayerTable *table, const CsModel *model)
{
  g_return_if_fail (CSUI_IS_LAYER_TABLE (table));

  /* Clearing emits "changed" on the selection with the old model gone. */
  table->model = NULL;
  gtk_list_store_clear (table->rows);
  table->model = model;
  for (size_t i = 0; model != NULL && i < cs_model_n_layers (model); i++)
    {
      const CsLayerInfo *layer = cs_model_layer (model, i);
      g_autofree char   *window = window_text (layer);
      g_autofree char   *output = csui_layer_output_text (layer);
      g_autofree char   *params = csui_format_count (layer->params);
      g_autofree char   *part = part_text (model, i);

      gtk_list_store_insert_with_values (table->rows, NULL, -1,
                                         CSUI_LAYER_COLUMN_INDEX, (int) i,
                                         CSUI_LAYER_COLUMN_NAME, layer->name,
                                         CSUI_LAYER_COLUMN_OP, layer->op,
                                         CSUI_LAYER_COLUMN_WINDOW, window,
                                         CSUI_LAYER_COLUMN_OUTPUT, output,
                                         CSUI_LAYER_COLUMN_PARAMS, params,
                                         CSUI_LAYER_COLUMN_PART, part, -1);
    }
}

void
csui_layer_table_select (CsuiLayerTable *table, int layer)
{
  GtkTreeIter iter;

  g_return_if_fail (CSUI_IS_LAYER_TABLE (table));
  if (layer < 0
      || !gtk_tree_model_iter_nth_child (GTK_TREE_MODEL (table->rows), &iter, NULL, layer))
    {
      gtk_tree_selection_unselect_all (gtk_tree_view_get_selection (GTK_TREE_VIEW (table->view)));
      return;
    }
  {
    g_autoptr (GtkTreePath) path = gtk_tree_model_get_path (GTK_TREE_MODEL (table->rows), &iter);

    /* As a plain click: the cursor moves there and the row alone is
     * selected. */
    gtk_tree_view_set_cursor (GTK_TREE_VIEW (table->view), path, NULL, FALSE);
    gtk_tree_view_scroll_to_cell (GTK_TREE_VIEW (table->view), path, NULL, FALSE, 0, 0);
  }
}

int
csui_layer_table_get_selected (CsuiLayerTable *table)
{
  g_return_val_if_fail (CSUI_IS_LAYER_TABLE (table), -1);
  return table->shown;
}

GArray *
csui_layer_table_get_selected_layers (CsuiLayerTable *table)
{
  GtkTreeSelection *selection;
  GList            *paths;
  GArray           *layers;

  g_return_val_if_fail (CSUI_IS_LAYER_TABLE (table), NULL);
  selection = gtk_tree_view_get_selection (GTK_TREE_VIEW (table->view));
  paths = gtk_tree_selection_get_selected_rows (selection, NULL);
  layers = g_array_sized_new (FALSE, FALSE, sizeof (int), g_list_length (paths));
  /* The rows are in tree order, which is the network's. */
  for (GList *path = paths; path != NULL; path = path->next)
    {
      GtkTreeIter iter;
      int         layer;

      if (!gtk_tree_model_get_iter (GTK_TREE_MODEL (table->rows), &iter, path->data))
        continue;
      gtk_tree_model_get (GTK_TREE_MODEL (table->rows), &iter, CSUI_LAYER_COLUMN_INDEX, &layer,
                          -1);
      g_array_append_val (layers, layer);
    }
  g_list_free_full (paths, (GDestroyNotify) gtk_tree_path_free);
  return layers;
}

GtkTreeModel *
csui_layer_table_get_rows (CsuiLayerTable *table)
{
  g_return_val_if_fail (CSUI_IS_LAYER_TABLE (table), NULL);
  return GTK_TREE_MODEL (table->rows);
}

const char *
csui_layer_table_get_detail (CsuiLayerTable *table)
{
  g_return_val_if_fail (CSUI_IS_LAYER_TABLE (table), NULL);
  return gtk_label_get_text (GTK_LABEL (table->detail));
}
