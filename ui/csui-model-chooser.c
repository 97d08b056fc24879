/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csui-model-chooser.c — the model row of the inspector: the models
 * found on this machine by their display names, an "Open model file…"
 * button for any other .onnx or .tflite file, and a one-line summary of
 * the model in use (format, input, parameters, multiply-accumulates,
 * layers).  Where Convscope is built with core/fetch, "Get Models…"
 * lists the catalogue and downloads the chosen entry in a worker thread
 * with a progress bar and Cancel; the new model is then selected.
 */
#include <glib/gi18n-lib.h>

#include "convscope-ui.h"
#ifdef CSUI_HAVE_FETCH
#include "cs-fetch.h"
#endif

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
  char         *bundled_dir;
  char         *active_path;
  /* "Get Models…": its popover's parts and the download in flight. */
  GPtrArray    *catalogue;
  GtkWidget    *fetch_box;
  GtkWidget    *catalogue_view;
  GtkWidget    *download_button;
  GtkWidget    *cancel_button;
  GtkWidget    *progress;
  GtkWidget    *fetch_info_bar;
  GtkWidget    *fetch_error_label;
  GCancellable *fetch_cancellable;
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
  g_free (chooser->bundled_dir);
  g_free (chooser->active_path);
  g_clear_pointer (&chooser->catalogue, g_ptr_array_unref);
  g_clear_object (&chooser->fetch_cancellable);
  G_OBJECT_CLASS (csui_model_chooser_parent_class)->finalize (object);
}

static void
csui_model_chooser_dispose (GObject *object)
{
  CsuiModelChooser *chooser = CSUI_MODEL_CHOOSER (object);

  if (chooser->fetch_cancellable != NULL)
    g_cancellable_cancel (chooser->fetch_cancellable);
  /* Tells a download that ends later that its widgets are gone. */
  g_clear_object (&chooser->fetch_box);
  G_OBJECT_CLASS (csui_model_chooser_parent_class)->dispose (object);
}

static void
csui_model_chooser_class_init (CsuiModelChooserClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = csui_model_chooser_dispose;
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

/* Adds the models of cs_models_list missing from the list. */
static void
add_found_models (CsuiModelChooser *chooser)
{
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GError) error = NULL;

  /* A card that cannot be read only hides that model; the list shows
   * what it could read. */
  entries = cs_models_list (chooser->bundled_dir, &error);
  if (error != NULL)
    g_message ("%s", error->message);
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      const CsModelEntry *entry = g_ptr_array_index (entries, i);
      GtkTreeIter iter;

      find_or_add (chooser, entry->path, entry->name, &iter);
    }
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

#ifdef CSUI_HAVE_FETCH

/* The rows are the catalogue's entries in its order. */
enum
{
  CATALOGUE_COLUMN_TITLE,
  CATALOGUE_COLUMN_SIZE,
  CATALOGUE_COLUMN_LICENCE,
  CATALOGUE_N_COLUMNS
};

/* What the worker thread needs; the catalogue keeps @entry alive. */
typedef struct
{
  GPtrArray              *catalogue;
  const CsCatalogueEntry *entry;
  CsuiModelChooser       *chooser;  /* the task's source object */
  int                     last_permille;
} FetchJob;

/* One progress step on its way to the main loop. */
typedef struct
{
  CsuiModelChooser *chooser;
  double            fraction;
  char             *text;
} FetchProgress;

static void
fetch_job_free (gpointer data)
{
  FetchJob *job = data;

  g_ptr_array_unref (job->catalogue);
  g_free (job);
}

static void
fetch_progress_free (gpointer data)
{
  FetchProgress *progress = data;

  g_object_unref (progress->chooser);
  g_free (progress->text);
  g_free (progress);
}

static gboolean
show_fetch_progress (gpointer data)
{
  FetchProgress *progress = data;

  /* Steps that arrive after the end, or after the chooser went, are
   * stale. */
  if (progress->chooser->fetch_cancellable != NULL && progress->chooser->fetch_box != NULL)
    {
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (progress->chooser->progress),
                                     progress->fraction);
      gtk_progress_bar_set_text (GTK_PROGRESS_BAR (progress->chooser->progress), progress->text);
    }
  return G_SOURCE_REMOVE;
}

/* In the worker thread: passes whole permilles on to the main loop, not
 * every network chunk. */
static void
fetch_progress (const char *file_name, gint64 done, gint64 total, gpointer user_data)
{
  FetchJob        *job = user_data;
  int              permille = total > 0 ? (int) (done * 1000 / total) : 0;
  g_autofree char *done_text = g_format_size ((guint64) done);
  g_autofree char *total_text = g_format_size ((guint64) MAX (total, 0));
  FetchProgress   *progress;

  if (permille == job->last_permille)
    return;
  job->last_permille = permille;
  progress = g_new0 (FetchProgress, 1);
  progress->chooser = g_object_ref (job->chooser);
  progress->fraction = permille / 1000.0;
  progress->text = g_strdup_printf (_("%s: %s of %s"), file_name, done_text, total_text);
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, show_fetch_progress, progress,
                              fetch_progress_free);
}

static void
fetch_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  FetchJob      *job = task_data;
  CsFetchOptions options = { .progress = fetch_progress, .user_data = job };
  GError        *error = NULL;
  char          *path = cs_fetch (job->entry, &options, cancellable, &error);

  if (path == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, path, g_free);
}

static void
set_fetching (CsuiModelChooser *chooser, gboolean fetching)
{
  gtk_widget_set_sensitive (chooser->download_button, !fetching);
  gtk_widget_set_sensitive (chooser->cancel_button, fetching);
  gtk_widget_set_visible (chooser->progress, fetching);
}

static void
show_fetch_error (CsuiModelChooser *chooser, const char *message)
{
  gtk_label_set_text (GTK_LABEL (chooser->fetch_error_label), message);
  gtk_widget_show (chooser->fetch_info_bar);
}

static void
fetch_done (GObject *source, GAsyncResult *result, gpointer data)
{
  CsuiModelChooser *chooser = CSUI_MODEL_CHOOSER (source);
  g_autoptr (GError) error = NULL;
  g_autofree char   *path = g_task_propagate_pointer (G_TASK (result), &error);
  GtkTreeIter        iter;

  g_clear_object (&chooser->fetch_cancellable);
  if (chooser->fetch_box == NULL)
    return;
  set_fetching (chooser, FALSE);
  if (path == NULL)
    {
      /* Cancel was the user's own doing: nothing to report. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_fetch_error (chooser, error->message);
      return;
    }
  add_found_models (chooser);
  /* Selecting the new row emits "model-chosen" through "changed". */
  find_or_add (chooser, path, NULL, &iter);
  gtk_combo_box_set_active_iter (GTK_COMBO_BOX (chooser->combo), &iter);
}

/* Loads the catalogue once; NULL (and the error shown) when it cannot. */
static GPtrArray *
catalogue (CsuiModelChooser *chooser)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;

  if (chooser->catalogue != NULL)
    return chooser->catalogue;
  path = cs_catalogue_path (chooser->bundled_dir);
  chooser->catalogue = cs_catalogue_load (path, &error);
  if (chooser->catalogue == NULL)
    show_fetch_error (chooser, error->message);
  return chooser->catalogue;
}

/* Downloads @entry in a worker thread, unless a download is running. */
static void
fetch (CsuiModelChooser *chooser, const CsCatalogueEntry *entry)
{
  FetchJob *job;
  GTask    *task;

  if (chooser->fetch_cancellable != NULL)
    return;
  gtk_widget_hide (chooser->fetch_info_bar);
  job = g_new0 (FetchJob, 1);
  job->catalogue = g_ptr_array_ref (chooser->catalogue);
  job->entry = entry;
  job->chooser = chooser;
  job->last_permille = -1;
  chooser->fetch_cancellable = g_cancellable_new ();
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (chooser->progress), 0.0);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (chooser->progress), entry->file_name);
  set_fetching (chooser, TRUE);
  task = g_task_new (chooser, chooser->fetch_cancellable, fetch_done, NULL);
  g_task_set_source_tag (task, fetch);
  g_task_set_task_data (task, job, fetch_job_free);
  g_task_run_in_thread (task, fetch_thread);
  g_object_unref (task);
}

static void
download_clicked (GtkButton *button, CsuiModelChooser *chooser)
{
  GtkTreeSelection *selection =
    gtk_tree_view_get_selection (GTK_TREE_VIEW (chooser->catalogue_view));
  GtkTreeModel     *model;
  GtkTreeIter       iter;
  g_autoptr (GtkTreePath) path = NULL;

  if (!gtk_tree_selection_get_selected (selection, &model, &iter))
    return;
  path = gtk_tree_model_get_path (model, &iter);
  fetch (chooser, g_ptr_array_index (chooser->catalogue, gtk_tree_path_get_indices (path)[0]));
}

static void
cancel_clicked (GtkButton *button, CsuiModelChooser *chooser)
{
  if (chooser->fetch_cancellable != NULL)
    g_cancellable_cancel (chooser->fetch_cancellable);
}

static void
fetch_info_bar_response (GtkInfoBar *bar, int response, CsuiModelChooser *chooser)
{
  gtk_widget_hide (GTK_WIDGET (bar));
}

/* Fills the catalogue's list, once. */
static void
fill_catalogue_view (CsuiModelChooser *chooser)
{
  GtkListStore *rows;

  if (gtk_tree_view_get_model (GTK_TREE_VIEW (chooser->catalogue_view)) != NULL
      || catalogue (chooser) == NULL)
    return;
  rows = gtk_list_store_new (CATALOGUE_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  for (guint i = 0; i < chooser->catalogue->len; i++)
    {
      const CsCatalogueEntry *entry = g_ptr_array_index (chooser->catalogue, i);
      g_autofree char        *size = g_format_size ((guint64) (entry->size + entry->labels_size));

      gtk_list_store_insert_with_values (rows, NULL, -1,
                                         CATALOGUE_COLUMN_TITLE, entry->title,
                                         CATALOGUE_COLUMN_SIZE, size,
                                         CATALOGUE_COLUMN_LICENCE, entry->licence, -1);
    }
  gtk_tree_view_set_model (GTK_TREE_VIEW (chooser->catalogue_view), GTK_TREE_MODEL (rows));
  g_object_unref (rows);
}

/* The popover is made at the first click: one that exists in a window
 * never mapped (the tests' and screenshots' off-screen windows) upsets
 * GDK.  The catalogue is read then too. */
static void
get_models_clicked (GtkButton *button, CsuiModelChooser *chooser)
{
  GtkWidget *popover = gtk_widget_get_parent (chooser->fetch_box);

  if (popover == NULL)
    {
      popover = gtk_popover_new (GTK_WIDGET (button));
      gtk_container_add (GTK_CONTAINER (popover), chooser->fetch_box);
    }
  fill_catalogue_view (chooser);
  gtk_popover_popup (GTK_POPOVER (popover));
}

static void
add_catalogue_column (GtkWidget *view, const char *title, int column)
{
  GtkCellRenderer *renderer = gtk_cell_renderer_text_new ();

  gtk_tree_view_append_column (GTK_TREE_VIEW (view),
                               gtk_tree_view_column_new_with_attributes (title, renderer, "text",
                                                                         column, NULL));
}

/* "Get Models…": a popover with the catalogue, Download, Cancel, a
 * progress bar and a bar for errors.  The download goes on when the
 * popover closes. */
static GtkWidget *
get_models_button (CsuiModelChooser *chooser)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Get Models…"));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *scrolled = gtk_scrolled_window_new (NULL, NULL);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_widget_set_tooltip_text (button,
                               _("Download a pretrained network of Convscope's catalogue "
                                 "into your models folder"));
  g_signal_connect (button, "clicked", G_CALLBACK (get_models_clicked), chooser);
  gtk_widget_set_name (button, "get-models");

  chooser->fetch_info_bar = gtk_info_bar_new ();
  gtk_info_bar_set_message_type (GTK_INFO_BAR (chooser->fetch_info_bar), GTK_MESSAGE_ERROR);
  gtk_info_bar_set_show_close_button (GTK_INFO_BAR (chooser->fetch_info_bar), TRUE);
  chooser->fetch_error_label = gtk_label_new (NULL);
  gtk_widget_set_name (chooser->fetch_error_label, "fetch-error");
  gtk_label_set_line_wrap (GTK_LABEL (chooser->fetch_error_label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (chooser->fetch_error_label), 60);
  gtk_label_set_selectable (GTK_LABEL (chooser->fetch_error_label), TRUE);
  gtk_container_add (GTK_CONTAINER (gtk_info_bar_get_content_area (
                       GTK_INFO_BAR (chooser->fetch_info_bar))),
                     chooser->fetch_error_label);
  g_signal_connect (chooser->fetch_info_bar, "response", G_CALLBACK (fetch_info_bar_response),
                    chooser);

  chooser->catalogue_view = gtk_tree_view_new ();
  gtk_widget_set_name (chooser->catalogue_view, "catalogue");
  add_catalogue_column (chooser->catalogue_view, _("Model"), CATALOGUE_COLUMN_TITLE);
  add_catalogue_column (chooser->catalogue_view, _("Size"), CATALOGUE_COLUMN_SIZE);
  add_catalogue_column (chooser->catalogue_view, _("Licence"), CATALOGUE_COLUMN_LICENCE);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 160);
  gtk_scrolled_window_set_propagate_natural_width (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_container_add (GTK_CONTAINER (scrolled), chooser->catalogue_view);

  chooser->progress = gtk_progress_bar_new ();
  gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (chooser->progress), TRUE);
  gtk_progress_bar_set_ellipsize (GTK_PROGRESS_BAR (chooser->progress), PANGO_ELLIPSIZE_MIDDLE);
  chooser->download_button = gtk_button_new_with_mnemonic (_("_Download"));
  gtk_widget_set_name (chooser->download_button, "download");
  chooser->cancel_button = gtk_button_new_with_mnemonic (_("_Cancel"));
  g_signal_connect (chooser->download_button, "clicked", G_CALLBACK (download_clicked), chooser);
  g_signal_connect (chooser->cancel_button, "clicked", G_CALLBACK (cancel_clicked), chooser);
  gtk_box_pack_end (GTK_BOX (buttons), chooser->download_button, FALSE, FALSE, 0);
  gtk_box_pack_end (GTK_BOX (buttons), chooser->cancel_button, FALSE, FALSE, 0);

  gtk_box_pack_start (GTK_BOX (box), chooser->fetch_info_bar, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), scrolled, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (box), chooser->progress, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), buttons, FALSE, FALSE, 0);
  g_object_set (box, "margin", 6, NULL);
  chooser->fetch_box = g_object_ref_sink (box);
  gtk_widget_show_all (box);
  gtk_widget_hide (chooser->fetch_info_bar);
  set_fetching (chooser, FALSE);
  return button;
}

#endif /* CSUI_HAVE_FETCH */

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

  chooser->models = gtk_list_store_new (N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING);
  chooser->bundled_dir = g_strdup (bundled_dir);
  add_found_models (chooser);

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
#ifdef CSUI_HAVE_FETCH
  gtk_box_pack_start (GTK_BOX (row), get_models_button (chooser), FALSE, FALSE, 0);
#endif
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

gboolean
csui_model_chooser_is_fetching (CsuiModelChooser *chooser)
{
  g_return_val_if_fail (CSUI_IS_MODEL_CHOOSER (chooser), FALSE);
  return chooser->fetch_cancellable != NULL;
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
csui_model_chooser_set_classifier (CsuiModelChooser *chooser, const CsClassifier *classifier)
{
  g_return_if_fail (CSUI_IS_MODEL_CHOOSER (chooser));
  csui_model_chooser_show_model (chooser,
                                 classifier != NULL ? cs_classifier_model (classifier) : NULL,
                                 classifier != NULL ? cs_classifier_model_path (classifier)
                                                    : NULL);
}

void
csui_model_chooser_show_model (CsuiModelChooser *chooser, const CsModel *model,
                               const char *path)
{
  g_autofree char *summary = NULL;

  g_return_if_fail (CSUI_IS_MODEL_CHOOSER (chooser));
  if (model != NULL)
    summary = csui_model_summary (model);
  gtk_label_set_text (GTK_LABEL (chooser->summary), summary != NULL ? summary : "");
  if (model != NULL && path != NULL)
    csui_model_chooser_select_path (chooser, path);
}
