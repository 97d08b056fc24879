/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csui-model-chooser.c — the model row of the inspector: the models
 * found on this machine by their display names, an "Open model file…"
 * button for any other .onnx or .tflite file, and a one-line summary of
 * the model in use (format, input, parameters, multiply-accumulates,
 * layers).
 */
#include <glib/gi18n-lib.h>

#include "convscope-ui.h"

enum
{
  COLUMN_NAME,
  COLUMN_PATH,
  N_COLUMNS
};

struct _CsuiModelChooser
{
  GtkBox        parent_instance;

  GtkListStore *models;
  GtkWidget    *combo;
  GtkWidget    *summary;
  char         *active_path;
  /* Set while the program, not the user, changes the combo. */
  gboolean      selecting;
};

G_DEFINE_TYPE (CsuiModelChooser, csui_model_chooser, GTK_TYPE_BOX)

enum
{
  MODEL_CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
csui_model_chooser_finalize (GObject *object)
{
  CsuiModelChooser *chooser = CSUI_MODEL_CHOOSER (object);

  g_clear_object (&chooser->models);
  g_free (chooser->active_path);
  G_OBJECT_CLASS (csui_model_chooser_parent_class)->finalize (object);
}

static void
csui_model_chooser_class_init (CsuiModelChooserClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = csui_model_chooser_finalize;

  signals[MODEL_CHOSEN] = g_signal_new ("model-chosen", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
csui_model_chooser_init (CsuiModelChooser *chooser)
{
}

/* The row of @path, appended when missing. */
static void
find_or_add (CsuiModelChooser *chooser, const char *path, const char *name, GtkTreeIter *iter)
{
  GtkTreeModel *model = GTK_TREE_MODEL (chooser->models);
  g_autofree char *basename = NULL;

  if (gtk_tree_model_get_iter_first (model, iter))
    do
      {
        g_autofree char *row_path = NULL;

        gtk_tree_model_get (model, iter, COLUMN_PATH, &row_path, -1);
        if (g_strcmp0 (row_path, path) == 0)
          return;
      }
    while (gtk_tree_model_iter_next (model, iter));

  basename = g_path_get_basename (path);
  gtk_list_store_insert_with_values (chooser->models, iter, -1,
                                     COLUMN_NAME, name != NULL ? name : basename,
                                     COLUMN_PATH, path, -1);
}

static void
combo_changed (GtkComboBox *combo, CsuiModelChooser *chooser)
{
  GtkTreeIter iter;

  g_clear_pointer (&chooser->active_path, g_free);
  if (gtk_combo_box_get_active_iter (combo, &iter))
    gtk_tree_model_get (GTK_TREE_MODEL (chooser->models), &iter,
                        COLUMN_PATH, &chooser->active_path, -1);
  if (!chooser->selecting && chooser->active_path != NULL)
    g_signal_emit (chooser, signals[MODEL_CHOSEN], 0, chooser->active_path);
}

static void
open_clicked (GtkButton *button, CsuiModelChooser *chooser)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (chooser));
  g_autoptr (GtkFileChooserNative) dialog = NULL;
  GtkFileFilter *filter = gtk_file_filter_new ();
  GtkTreeIter iter;

  dialog = gtk_file_chooser_native_new (_("Open Model File"),
                                        GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Network models (*.onnx, *.tflite)"));
  gtk_file_filter_add_pattern (filter, "*.onnx");
  gtk_file_filter_add_pattern (filter, "*.tflite");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  if (gtk_native_dialog_run (GTK_NATIVE_DIALOG (dialog)) == GTK_RESPONSE_ACCEPT)
    {
      g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (dialog));

      if (path == NULL)
        return;
      /* Selecting the new row emits "model-chosen" through "changed". */
      find_or_add (chooser, path, NULL, &iter);
      gtk_combo_box_set_active_iter (GTK_COMBO_BOX (chooser->combo), &iter);
    }
}

GtkWidget *
csui_model_chooser_new (const char *bundled_dir)
{
  CsuiModelChooser *chooser = g_object_new (CSUI_TYPE_MODEL_CHOOSER,
                                            "orientation", GTK_ORIENTATION_VERTICAL,
                                            "spacing", 4, NULL);
  GtkWidget       *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget       *label = gtk_label_new_with_mnemonic (_("_Model:"));
  GtkWidget       *open = gtk_button_new_with_mnemonic (_("Open Model _File…"));
  GtkCellRenderer *renderer = gtk_cell_renderer_text_new ();
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GError) error = NULL;

  chooser->models = gtk_list_store_new (N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING);
  /* A card that cannot be read only hides that model; the list shows
   * what it could read. */
  entries = cs_models_list (bundled_dir, &error);
  if (error != NULL)
    g_message ("%s", error->message);
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      const CsModelEntry *entry = g_ptr_array_index (entries, i);
      GtkTreeIter iter;

      find_or_add (chooser, entry->path, entry->name, &iter);
    }

  chooser->combo = gtk_combo_box_new_with_model (GTK_TREE_MODEL (chooser->models));
  g_object_set (renderer, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
  gtk_cell_layout_pack_start (GTK_CELL_LAYOUT (chooser->combo), renderer, TRUE);
  gtk_cell_layout_add_attribute (GTK_CELL_LAYOUT (chooser->combo), renderer, "text", COLUMN_NAME);
  gtk_widget_set_tooltip_text (chooser->combo,
                               _("The bundled models and those in your models folder"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), chooser->combo);
  gtk_widget_set_tooltip_text (open, _("Use any ONNX or TensorFlow Lite model file"));
  g_signal_connect (chooser->combo, "changed", G_CALLBACK (combo_changed), chooser);
  g_signal_connect (open, "clicked", G_CALLBACK (open_clicked), chooser);

  chooser->summary = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (chooser->summary), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (chooser->summary), PANGO_ELLIPSIZE_END);
  gtk_label_set_selectable (GTK_LABEL (chooser->summary), TRUE);

  gtk_box_pack_start (GTK_BOX (row), label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (row), chooser->combo, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (row), open, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (chooser), row, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (chooser), chooser->summary, FALSE, FALSE, 0);
  gtk_widget_show_all (GTK_WIDGET (chooser));
  return GTK_WIDGET (chooser);
}

void
csui_model_chooser_select_path (CsuiModelChooser *chooser, const char *path)
{
  GtkTreeIter iter;

  g_return_if_fail (CSUI_IS_MODEL_CHOOSER (chooser));
  find_or_add (chooser, path, NULL, &iter);
  chooser->selecting = TRUE;
  gtk_combo_box_set_active_iter (GTK_COMBO_BOX (chooser->combo), &iter);
  chooser->selecting = FALSE;
}

const char *
csui_model_chooser_get_path (CsuiModelChooser *chooser)
{
  g_return_val_if_fail (CSUI_IS_MODEL_CHOOSER (chooser), NULL);
  return chooser->active_path;
}

char *
csui_model_summary (const CsModel *model)
{
  g_autofree char *input = NULL;
  g_autofree char *params = csui_format_count (cs_model_total_params (model));
  g_autofree char *macs = csui_format_count (cs_model_total_macs (model));

  input = cs_model_n_inputs (model) > 0 ? cs_shape_to_string (&cs_model_input (model, 0)->shape)
                                        : g_strdup ("–");
  return g_strdup_printf (_("%s · input %s · %s parameters · %s multiply-accumulates · %zu layers"),
                          cs_model_format (model) == CS_FORMAT_TFLITE ? "TensorFlow Lite" : "ONNX",
                          input, params, macs, cs_model_n_layers (model));
}

void
csui_model_chooser_set_network (CsuiModelChooser *chooser, const CsuiNetwork *network)
{
  g_autofree char *summary = NULL;

  g_return_if_fail (CSUI_IS_MODEL_CHOOSER (chooser));
  if (network != NULL)
    summary = csui_model_summary (network->model);
  gtk_label_set_text (GTK_LABEL (chooser->summary), summary != NULL ? summary : "");
  if (network != NULL)
    csui_model_chooser_select_path (chooser, network->path);
}
