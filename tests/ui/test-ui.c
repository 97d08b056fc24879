/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-ui.c — the dialog's widgets with real GTK on a virtual X server:
 * the bundled model fills the layer table with its layers and shapes,
 * a layer shows one thumbnail per channel up to the cap and a click
 * enlarges one, several selected layers give their taps in network
 * order while the grid shows the one clicked last, another colour map paints other pixels,
 * a model whose labels cannot be used runs with its classes by number,
 * a broken model file shows its error while the previous model stays, and a run
 * cancelled by a model change is dropped, and "Get Models…", driven
 * through its widgets found by name, shows a failed download's error and
 * fetches a catalogue model from a loopback HTTP server serving
 * ../shared/models into the list and shows it (skipped without
 * ../shared, or where Convscope is built without core/fetch).  Without a
 * display the whole program skips.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "convscope-ui.h"
#include "cs-pixels.h"
#include "../test-dirs.h"
#ifdef CSUI_HAVE_FETCH
#include <libsoup/soup.h>
#endif

typedef struct
{
  GtkWidget     *window;
  CsuiInspector *inspector;
  int            finished;
  int            failed;
} Fixture;

/* The fixture's data: a window on the screen rather than off it. */
#define ON_SCREEN GINT_TO_POINTER (1)

static char *bundled_dir;
static char *bundled_model;

static void
count_finished (CsuiInspector *inspector, Fixture *fixture)
{
  fixture->finished++;
}

static void
count_failed (CsuiInspector *inspector, const char *message, Fixture *fixture)
{
  fixture->failed++;
}

/* The model of the classifier the inspector shows, and its path. */
static const CsModel *
shown_model (Fixture *fixture)
{
  return cs_classifier_model (csui_inspector_get_classifier (fixture->inspector));
}

static const char *
shown_model_path (Fixture *fixture)
{
  return cs_classifier_model_path (csui_inspector_get_classifier (fixture->inspector));
}

/* Iterates the main loop until every worker has come back, so what the
 * inspector shows is final. */
static void
wait_for_runs (Fixture *fixture)
{
  while (csui_inspector_get_n_running (fixture->inspector) > 0)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GeglBuffer) buffer = NULL;
  g_autofree char *sample = g_build_filename (bundled_dir, "samples", "05-Bag.png", NULL);
  g_autoptr (GError) error = NULL;

  /* Popovers ("Get Models…") need a window on the screen. */
  fixture->window = data == ON_SCREEN ? gtk_window_new (GTK_WINDOW_TOPLEVEL)
                                      : gtk_offscreen_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1280, 800);
  fixture->inspector = CSUI_INSPECTOR (csui_inspector_new (bundled_dir));
  g_signal_connect (fixture->inspector, "run-finished", G_CALLBACK (count_finished), fixture);
  g_signal_connect (fixture->inspector, "run-failed", G_CALLBACK (count_failed), fixture);
  gtk_container_add (GTK_CONTAINER (fixture->window), GTK_WIDGET (fixture->inspector));
  gtk_widget_show_all (fixture->window);

  buffer = csui_buffer_new_from_file (sample, &error);
  g_assert_no_error (error);
  csui_inspector_set_source (fixture->inspector, buffer, NULL);
  wait_for_runs (fixture);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  wait_for_runs (fixture);
  gtk_widget_destroy (fixture->window);
}

typedef struct
{
  const char *name;
  GtkWidget  *found;
} WidgetSearch;

static void
search_widget (GtkWidget *widget, gpointer data)
{
  WidgetSearch *search = data;

  if (search->found != NULL)
    return;
  if (g_str_equal (gtk_widget_get_name (widget), search->name))
    search->found = widget;
  else if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), search_widget, search);
}

/* The widget called @name under @root, internal children and the
 * window's popovers included; fails the test when there is none. */
static GtkWidget *
find_widget (GtkWidget *root, const char *name)
{
  WidgetSearch search = { name, NULL };

  search_widget (root, &search);
  if (search.found == NULL)
    g_error ("no widget named \"%s\"", name);
  return search.found;
}

/* The default model with no user models is the bundled one; its layers
 * and output shapes are the table's rows. */
static void
test_layer_table (Fixture *fixture, gconstpointer data)
{
  CsuiLayerTable   *table = csui_inspector_get_layer_table (fixture->inspector);
  GtkTreeModel     *rows = csui_layer_table_get_rows (table);
  CsClassifier     *classifier = csui_inspector_get_classifier (fixture->inspector);
  g_autoptr (CsModel) model = NULL;
  g_autoptr (GError) error = NULL;
  GtkTreeIter       iter;
  size_t            i = 0;
  int               conv = -1;

  g_assert_cmpint (fixture->finished, ==, 1);
  g_assert_cmpint (fixture->failed, ==, 0);
  g_assert_nonnull (classifier);
  g_assert_cmpstr (cs_classifier_model_path (classifier), ==, bundled_model);
  model = cs_model_load_file (bundled_model, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpint (gtk_tree_model_iter_n_children (rows, NULL), ==, cs_model_n_layers (model));
  for (gboolean more = gtk_tree_model_get_iter_first (rows, &iter); more;
       more = gtk_tree_model_iter_next (rows, &iter), i++)
    {
      const CsLayerInfo *layer = cs_model_layer (model, i);
      g_autofree char   *name = NULL;
      g_autofree char   *output = NULL;
      g_autofree char   *expected = cs_shape_to_string (&layer->out_shape);
      int                index;

      gtk_tree_model_get (rows, &iter, CSUI_LAYER_COLUMN_INDEX, &index,
                          CSUI_LAYER_COLUMN_NAME, &name, CSUI_LAYER_COLUMN_OUTPUT, &output, -1);
      g_assert_cmpint (index, ==, i);
      g_assert_cmpstr (name, ==, layer->name);
      g_assert_cmpstr (output, ==, expected);
      if (conv < 0 && layer->has_window)
        conv = (int) i;
    }

  /* A mnemonic for the table (its heading's, "La_yers") takes the
   * keyboard to the rows. */
  gtk_widget_mnemonic_activate (GTK_WIDGET (table), FALSE);
  g_assert_true (gtk_widget_is_focus (find_widget (fixture->window, "layers")));

  /* A conv layer's arithmetic is written out under the table, and what a
   * dense layer in its place would need: 784 pixels into 32×28×28
   * values, 19,668,992 weights. */
  g_assert_cmpint (conv, >=, 0);
  csui_layer_table_select (table, conv);
  g_assert_nonnull (strstr (csui_layer_table_get_detail (table),
                            cs_model_layer (model, (size_t) conv)->arithmetic[0]));
  g_assert_nonnull (strstr (csui_layer_table_get_detail (table),
                            "would need 19\u202f668\u202f992 weights"));

  /* The parts: 28×28 maps, pooled to 14, 7 and 3, then the classifier
   * from the Flatten on. */
  {
    static const char *const parts[] = {
      "features", "features, 1/2 size (halved)", "features, 1/2 size",
      "features, 1/4 size (halved)", "features, 1/4 size", "features, 1/8 size (halved)",
      "classifier", "classifier", "classifier",
    };

    g_assert_cmpint (gtk_tree_model_iter_n_children (rows, NULL), ==, G_N_ELEMENTS (parts));
    i = 0;
    for (gboolean more = gtk_tree_model_get_iter_first (rows, &iter); more;
         more = gtk_tree_model_iter_next (rows, &iter), i++)
      {
        g_autofree char *part = NULL;

        gtk_tree_model_get (rows, &iter, CSUI_LAYER_COLUMN_PART, &part, -1);
        g_assert_cmpstr (part, ==, parts[i]);
      }
  }

  /* The bundled model knows bags: the sample is one. */
  {
    int                 n;
    const CsPrediction *top = csui_inspector_get_predictions (fixture->inspector, &n);

    g_assert_cmpint (n, ==, 5);
    g_assert_cmpstr (top[0].label, ==, "Bag");
  }
}

/* A press of the first mouse button at (@x, @y) of @widget. */
static void
click (GtkWidget *widget, double x, double y)
{
  GdkEvent *event = gdk_event_new (GDK_BUTTON_PRESS);

  event->button.window = g_object_ref (gtk_widget_get_window (widget));
  event->button.x = x;
  event->button.y = y;
  event->button.button = GDK_BUTTON_PRIMARY;
  gdk_event_set_device (event, gdk_seat_get_pointer (
                                 gdk_display_get_default_seat (gtk_widget_get_display (widget))));
  gtk_widget_event (widget, event);
  gdk_event_free (event);
}


/* Every layer with maps shows one thumbnail per channel, or the cap. */
static void
test_thumbnails (Fixture *fixture, gconstpointer data)
{
  CsuiLayerTable  *table = csui_inspector_get_layer_table (fixture->inspector);
  CsuiFeatureGrid *grid = csui_inspector_get_feature_grid (fixture->inspector);
  const CsModel   *model = shown_model (fixture);
  int              with_maps = 0;

  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    {
      const CsShape  *shape = &cs_model_layer (model, i)->out_shape;
      const CsResult *tap;

      csui_layer_table_select (table, (int) i);
      tap = csui_inspector_get_selected_taps (fixture->inspector);
      g_assert_nonnull (tap);
      g_assert_cmpint (tap->n_taps, ==, 1);
      g_assert_true (cs_shape_equal (&tap->taps[0].shape, shape));
      if (shape->rank != 4)
        {
          g_assert_cmpint (csui_feature_grid_get_n_thumbnails (grid), ==, 0);
          continue;
        }
      with_maps++;
      g_assert_cmpint (csui_feature_grid_get_n_thumbnails (grid), ==, shape->dims[1]);
      csui_feature_grid_set_cap (grid, 3);
      g_assert_cmpint (csui_feature_grid_get_n_thumbnails (grid), ==, MIN (3, shape->dims[1]));
      csui_feature_grid_set_cap (grid, CSUI_FEATURE_GRID_DEFAULT_CAP);
    }
  g_assert_cmpint (with_maps, >, 0);

  /* Clicking a thumbnail enlarges its channel; clicking it again puts it
   * back. */
  csui_layer_table_select (table, 0);
  g_assert_cmpint (csui_feature_grid_channel_at (grid, 1, 1), ==, 0);
  g_assert_cmpint (csui_feature_grid_get_enlarged (grid), ==, -1);
  click (GTK_WIDGET (grid), 1, 1);
  g_assert_cmpint (csui_feature_grid_get_enlarged (grid), ==, 0);
  click (GTK_WIDGET (grid), 1, 1);
  g_assert_cmpint (csui_feature_grid_get_enlarged (grid), ==, -1);
}

/* The grid as drawn on screen. */
static cairo_surface_t *
render (GtkWidget *widget)
{
  cairo_surface_t *surface;
  cairo_t         *cr;

  /* Whatever changed last is laid out before drawing. */
  gtk_container_check_resize (GTK_CONTAINER (gtk_widget_get_toplevel (widget)));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, gtk_widget_get_allocated_width (widget),
                                        gtk_widget_get_allocated_height (widget));
  cr = cairo_create (surface);
  gtk_widget_draw (widget, cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

static gboolean
same_pixels (cairo_surface_t *a, cairo_surface_t *b)
{
  size_t size = (size_t) cairo_image_surface_get_stride (a) * cairo_image_surface_get_height (a);

  g_assert_cmpint (cairo_image_surface_get_width (a), ==, cairo_image_surface_get_width (b));
  g_assert_cmpint (cairo_image_surface_get_height (a), ==, cairo_image_surface_get_height (b));
  return memcmp (cairo_image_surface_get_data (a), cairo_image_surface_get_data (b), size) == 0;
}

/* The gray map paints gray: R = G = B in the first thumbnail's centre. */
static gboolean
centre_of_first_is_gray (cairo_surface_t *surface)
{
  const guint32 *pixel = (const guint32 *) (cairo_image_surface_get_data (surface)
                                            + cairo_image_surface_get_stride (surface) * 4) + 4;
  guint8 r = (*pixel >> 16) & 0xff, g = (*pixel >> 8) & 0xff, b = *pixel & 0xff;

  return r == g && g == b;
}

static void
test_colormap (Fixture *fixture, gconstpointer data)
{
  CsuiFeatureGrid *grid = csui_inspector_get_feature_grid (fixture->inspector);
  cairo_surface_t *viridis, *gray, *again;

  csui_layer_table_select (csui_inspector_get_layer_table (fixture->inspector), 0);
  g_assert_cmpint (csui_feature_grid_get_n_thumbnails (grid), >, 0);
  g_assert_cmpint (gtk_widget_get_allocated_width (GTK_WIDGET (grid)), >, 100);

  csui_feature_grid_set_colormap (grid, CS_COLORMAP_VIRIDIS);
  viridis = render (GTK_WIDGET (grid));
  csui_feature_grid_set_colormap (grid, CS_COLORMAP_GRAY);
  gray = render (GTK_WIDGET (grid));
  csui_feature_grid_set_colormap (grid, CS_COLORMAP_VIRIDIS);
  again = render (GTK_WIDGET (grid));

  g_assert_false (same_pixels (viridis, gray));
  g_assert_true (same_pixels (viridis, again));
  g_assert_true (centre_of_first_is_gray (gray));
  g_assert_false (centre_of_first_is_gray (viridis));
  cairo_surface_destroy (viridis);
  cairo_surface_destroy (gray);
  cairo_surface_destroy (again);
}

/* Labels that cannot be used do not make a model unusable: it runs and
 * its classes go by number. */
static void
test_unusable_labels (Fixture *fixture, gconstpointer data)
{
  g_autofree char *model = g_build_filename (test_dirs_root, "unlabelled.onnx", NULL);
  g_autofree char *card = g_strconcat (model, ".ini", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  const CsPrediction *top;
  gsize length;
  int n;

  g_file_get_contents (bundled_model, &contents, &length, &error);
  g_assert_no_error (error);
  g_file_set_contents (model, contents, (gssize) length, &error);
  g_assert_no_error (error);
  g_file_set_contents (card, "[labels]\nfile = missing.txt\n", -1, &error);
  g_assert_no_error (error);
  csui_inspector_set_model_path (fixture->inspector, model);
  wait_for_runs (fixture);

  g_assert_cmpint (fixture->failed, ==, 0);
  g_assert_null (csui_inspector_get_error (fixture->inspector));
  g_assert_cmpstr (shown_model_path (fixture), ==, model);
  g_assert_nonnull (strstr (cs_classifier_labels_error (
                              csui_inspector_get_classifier (fixture->inspector))->message,
                            "missing.txt"));
  top = csui_inspector_get_predictions (fixture->inspector, &n);
  g_assert_cmpint (n, ==, 5);
  for (int r = 0; r < n; r++)
    {
      g_autofree char *expected = g_strdup_printf ("class %d", top[r].index);

      g_assert_cmpstr (top[r].label, ==, expected);
    }
}

static void
test_broken_model (Fixture *fixture, gconstpointer data)
{
  g_autofree char *broken = g_build_filename (test_dirs_root, "broken.onnx", NULL);
  g_autoptr (GError) error = NULL;
  GtkTreeModel    *rows = csui_layer_table_get_rows (
    csui_inspector_get_layer_table (fixture->inspector));
  int              n_rows = gtk_tree_model_iter_n_children (rows, NULL);

  g_file_set_contents (broken, "this is not a network", -1, &error);
  g_assert_no_error (error);
  csui_inspector_set_model_path (fixture->inspector, broken);
  wait_for_runs (fixture);

  g_assert_cmpint (fixture->failed, ==, 1);
  g_assert_nonnull (csui_inspector_get_error (fixture->inspector));
  g_assert_nonnull (strstr (csui_inspector_get_error (fixture->inspector), "broken.onnx"));
  /* The previous model is still shown, chosen and usable. */
  g_assert_cmpstr (shown_model_path (fixture), ==, bundled_model);
  g_assert_cmpstr (csui_model_chooser_get_path (csui_inspector_get_chooser (fixture->inspector)),
                   ==, bundled_model);
  g_assert_cmpint (gtk_tree_model_iter_n_children (rows, NULL), ==, n_rows);
  csui_layer_table_select (csui_inspector_get_layer_table (fixture->inspector), 0);
  g_assert_nonnull (csui_inspector_get_selected_taps (fixture->inspector));
}

/* The selected layers of @table in network order are @expected. */
static void
assert_selected_layers (CsuiLayerTable *table, const int *expected, guint n_expected)
{
  g_autoptr (GArray) layers = csui_layer_table_get_selected_layers (table);

  g_assert_cmpmem (layers->data, layers->len * sizeof (int), expected,
                   n_expected * sizeof (int));
}

/* What a Ctrl-click on @layer's row does to the selection: the row
 * joins it. */
static void
ctrl_click_row (Fixture *fixture, int layer)
{
  GtkTreeView *view = GTK_TREE_VIEW (find_widget (fixture->window, "layers"));
  g_autoptr (GtkTreePath) row = gtk_tree_path_new_from_indices (layer, -1);

  gtk_tree_selection_select_path (gtk_tree_view_get_selection (view), row);
}

/* Ctrl-clicked rows join the selection; the grid shows the row clicked
 * last and the selected taps are every selected layer's, in network
 * order, also after the network runs again.  A plain click selects one
 * row again. */
static void
test_multi_select (Fixture *fixture, gconstpointer data)
{
  CsuiLayerTable  *table = csui_inspector_get_layer_table (fixture->inspector);
  CsuiFeatureGrid *grid = csui_inspector_get_feature_grid (fixture->inspector);
  const CsModel   *model = shown_model (fixture);
  g_autofree char *sample = g_build_filename (bundled_dir, "samples", "01-T-shirt_top.png", NULL);
  g_autoptr (GeglBuffer) buffer = NULL;
  g_autoptr (GError) error = NULL;
  const int        all[] = { 0, 2, 4 };
  const int        alone[] = { 4 };
  const CsResult  *taps;

  /* Conv layers 2 and 4 have 64 channels, layer 0 32: the thumbnail
   * count tells which one the grid shows. */
  g_assert_cmpint (cs_model_layer (model, 0)->out_shape.dims[1], ==, 32);
  g_assert_cmpint (cs_model_layer (model, 2)->out_shape.dims[1], ==, 64);
  csui_layer_table_select (table, 2);
  ctrl_click_row (fixture, 4);
  g_assert_cmpint (csui_layer_table_get_selected (table), ==, 4);
  ctrl_click_row (fixture, 0);
  g_assert_cmpint (csui_layer_table_get_selected (table), ==, 0);
  g_assert_cmpint (csui_feature_grid_get_n_thumbnails (grid), ==, 32);
  g_assert_nonnull (strstr (csui_layer_table_get_detail (table),
                            cs_model_layer (model, 0)->name));
  assert_selected_layers (table, all, G_N_ELEMENTS (all));

  for (int run = 0; run < 2; run++)
    {
      taps = csui_inspector_get_selected_taps (fixture->inspector);
      g_assert_nonnull (taps);
      g_assert_cmpuint (taps->n_taps, ==, G_N_ELEMENTS (all));
      for (guint t = 0; t < G_N_ELEMENTS (all); t++)
        {
          const CsLayerInfo *layer = cs_model_layer (model, (size_t) all[t]);

          g_assert_cmpstr (taps->taps[t].name, ==, layer->name);
          g_assert_true (cs_shape_equal (&taps->taps[t].shape, &layer->out_shape));
          g_assert_nonnull (taps->taps[t].data);
        }
      if (run == 1)
        break;
      /* Another image: the selection and the layer shown stay. */
      g_assert_true (g_file_test (sample, G_FILE_TEST_IS_REGULAR));
      buffer = csui_buffer_new_from_file (sample, &error);
      g_assert_no_error (error);
      csui_inspector_set_source (fixture->inspector, buffer, NULL);
      wait_for_runs (fixture);
      g_assert_cmpint (fixture->finished, ==, 2);
      g_assert_cmpint (csui_layer_table_get_selected (table), ==, 0);
      g_assert_cmpint (csui_feature_grid_get_n_thumbnails (grid), ==, 32);
      assert_selected_layers (table, all, G_N_ELEMENTS (all));
    }

  csui_layer_table_select (table, 4);
  assert_selected_layers (table, alone, G_N_ELEMENTS (alone));
  g_assert_cmpint (csui_layer_table_get_selected (table), ==, 4);
  g_assert_cmpint (csui_feature_grid_get_n_thumbnails (grid), ==, 64);
  taps = csui_inspector_get_selected_taps (fixture->inspector);
  g_assert_nonnull (taps);
  g_assert_cmpuint (taps->n_taps, ==, 1);
  g_assert_cmpstr (taps->taps[0].name, ==, cs_model_layer (model, 4)->name);

  csui_layer_table_select (table, -1);
  assert_selected_layers (table, NULL, 0);
  g_assert_cmpint (csui_layer_table_get_selected (table), ==, -1);
  g_assert_null (csui_inspector_get_selected_taps (fixture->inspector));
}

/* A model change while a run is in flight: only the last run shows. */
static void
test_cancel (Fixture *fixture, gconstpointer data)
{
  const char      *shared = g_getenv ("CONVSCOPE_SHARED");
  g_autofree char *mobilenet = g_build_filename (shared != NULL ? shared : "../shared", "models",
                                                 "mobilenet_v2_1.0_224_quant.tflite", NULL);
  g_autofree char *copy = g_build_filename (test_dirs_root, "copy.onnx", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  const char      *first = mobilenet;
  gsize            length;

  /* MobileNet is the slower run, so the dropped one ends last. */
  if (!g_file_test (mobilenet, G_FILE_TEST_EXISTS))
    {
      g_file_get_contents (bundled_model, &contents, &length, &error);
      g_assert_no_error (error);
      g_file_set_contents (copy, contents, (gssize) length, &error);
      g_assert_no_error (error);
      first = copy;
    }
  fixture->finished = 0;
  csui_inspector_set_model_path (fixture->inspector, first);
  csui_inspector_set_model_path (fixture->inspector, bundled_model);
  g_assert_cmpuint (csui_inspector_get_n_running (fixture->inspector), ==, 2);
  wait_for_runs (fixture);

  g_assert_cmpint (fixture->finished, ==, 1);
  g_assert_cmpint (fixture->failed, ==, 0);
  g_assert_cmpstr (shown_model_path (fixture), ==, bundled_model);
  g_assert_cmpint (gtk_tree_model_iter_n_children (
                     csui_layer_table_get_rows (csui_inspector_get_layer_table (fixture->inspector)),
                     NULL),
                   ==, cs_model_n_layers (shown_model (fixture)));
}

/* MobileNet v2's late layers have more channels than the default cap. */
static void
test_mobilenet_cap (Fixture *fixture, gconstpointer data)
{
  const char      *shared = g_getenv ("CONVSCOPE_SHARED");
  g_autofree char *mobilenet = g_build_filename (shared != NULL ? shared : "../shared", "models",
                                                 "mobilenet_v2_1.0_224_quant.tflite", NULL);
  CsuiFeatureGrid *grid = csui_inspector_get_feature_grid (fixture->inspector);
  const CsModel   *model;
  int              capped = 0;

  if (!g_file_test (mobilenet, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no ../shared/models/mobilenet_v2_1.0_224_quant.tflite");
      return;
    }
  csui_inspector_set_model_path (fixture->inspector, mobilenet);
  wait_for_runs (fixture);
  g_assert_cmpint (fixture->failed, ==, 0);
  model = shown_model (fixture);
  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    {
      const CsShape *shape = &cs_model_layer (model, i)->out_shape;

      if (shape->rank != 4)
        continue;
      csui_layer_table_select (csui_inspector_get_layer_table (fixture->inspector), (int) i);
      g_assert_cmpint (csui_feature_grid_get_n_thumbnails (grid), ==,
                       MIN (shape->dims[1], CSUI_FEATURE_GRID_DEFAULT_CAP));
      capped += shape->dims[1] > CSUI_FEATURE_GRID_DEFAULT_CAP;
    }
  g_assert_cmpint (capped, >, 0);
}

/* The pointer moved to (@x, @y) of @widget. */
static void
point (GtkWidget *widget, double x, double y)
{
  GdkEvent *event = gdk_event_new (GDK_MOTION_NOTIFY);

  event->motion.window = g_object_ref (gtk_widget_get_window (widget));
  event->motion.x = x;
  event->motion.y = y;
  gdk_event_set_device (event, gdk_seat_get_pointer (
                                 gdk_display_get_default_seat (gtk_widget_get_display (widget))));
  gtk_widget_event (widget, event);
  gdk_event_free (event);
}

/* The centre of pixel (@row, @column) of the enlarged channel. */
static void
map_pixel_centre (CsuiFeatureGrid *grid, int row, int column, double *x, double *y)
{
  double left, top, zoom;
  int    found_row, found_column;

  g_assert_true (csui_feature_grid_get_enlarged_area (grid, &left, &top, &zoom));
  *x = left + (column + 0.5) * zoom;
  *y = top + (row + 0.5) * zoom;
  g_assert_true (csui_feature_grid_pixel_at (grid, *x, *y, &found_row, &found_column));
  g_assert_cmpint (found_row, ==, row);
  g_assert_cmpint (found_column, ==, column);
}

/* The colour at (@x, @y) of @surface as 0xRRGGBB. */
static guint32
pixel_rgb (cairo_surface_t *surface, double x, double y)
{
  const guchar *row = cairo_image_surface_get_data (surface)
                      + (int) y * cairo_image_surface_get_stride (surface);

  return ((const guint32 *) row)[(int) x] & 0xffffff;
}

/* Orange as the box is drawn (also where the hatching lets the
 * background through a little), and the padding's blue, as far as their
 * channels tell them apart from the picture's grays and the theme. */
static gboolean
is_box_orange (guint32 rgb)
{
  guint32 red = rgb >> 16, green = (rgb >> 8) & 0xff, blue = rgb & 0xff;

  return red >= 0xa0 && blue < 0x60 && green * 100 >= red * 40 && green * 100 <= red * 70;
}

static gboolean
is_padding_blue (guint32 rgb)
{
  return (rgb & 0xff) > (rgb >> 16) + 0x30;
}

/* Hovering a pixel of the enlarged map frames the core's receptive box
 * of (layer, channel, row, column) on the input: the part in the image
 * solid, the part above it in the padding hatched; leaving the map
 * takes it away. */
static void
test_lesson_receptive (Fixture *fixture, gconstpointer data)
{
  CsuiFeatureGrid *grid = csui_inspector_get_feature_grid (fixture->inspector);
  CsuiInputView   *view = csui_inspector_get_input_view (fixture->inspector);
  const CsModel   *model = shown_model (fixture);
  const int        layer = 2, channel = 1, row = 0, column = 3;
  CsReceptiveBox   expected, shown;
  g_autoptr (GError) error = NULL;
  cairo_surface_t *before, *after;
  double           x, y, left, top, zoom;
  gboolean         hatched = FALSE;

  g_assert_cmpint (cs_model_layer (model, layer)->kind, ==, CS_LAYER_CONV);
  g_assert_true (cs_model_receptive_box (model, layer, channel, row, column, &expected, &error));
  g_assert_no_error (error);
  /* The second 3×3 conv after a 2×2 pool: 8×8, three rows above the image. */
  g_assert_cmpint (expected.y0, ==, -3);
  g_assert_cmpint (expected.y1 - expected.y0 + 1, ==, 8);
  g_assert_cmpint (expected.image_y0, ==, 0);

  csui_layer_table_select (csui_inspector_get_layer_table (fixture->inspector), layer);
  csui_feature_grid_set_enlarged (grid, channel);
  before = render (GTK_WIDGET (view));
  g_assert_false (csui_input_view_get_box (view, &shown));
  map_pixel_centre (grid, row, column, &x, &y);
  point (GTK_WIDGET (grid), x, y);
  g_assert_true (csui_input_view_get_box (view, &shown));
  g_assert_cmpmem (&shown, sizeof shown, &expected, sizeof expected);
  after = render (GTK_WIDGET (view));

  /* The solid frame's left edge, halfway down the part in the image. */
  g_assert_true (csui_input_view_get_pixel_area (view, &left, &top, &zoom));
  x = left + expected.image_x0 * zoom;
  y = top + (expected.image_y0 + expected.image_y1 + 1) * zoom / 2;
  g_assert_false (is_box_orange (pixel_rgb (before, x, y)));
  g_assert_true (is_box_orange (pixel_rgb (after, x, y)));
  /* Hatching in the padding above the image, inside the box. */
  for (double hy = top + expected.y0 * zoom + 3; hy < top - 2; hy++)
    for (double hx = left + expected.x0 * zoom + 3; hx < left + (expected.x1 + 1) * zoom - 3; hx++)
      hatched |= is_box_orange (pixel_rgb (after, hx, hy));
  g_assert_true (hatched);
  cairo_surface_destroy (before);
  cairo_surface_destroy (after);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (find_widget (fixture->window,
                                                                        "receptive-caption"))),
                            "zero padding"));

  /* Off the map (over the thumbnails): no box. */
  point (GTK_WIDGET (grid), 1, 1);
  g_assert_false (csui_input_view_get_box (view, &shown));
}

/* The toggle draws the selected layer's zero border, as wide as its
 * padding: the first conv's one pixel of padding around the picture,
 * nothing beyond it, and nothing without the toggle. */
static void
test_lesson_padding (Fixture *fixture, gconstpointer data)
{
  CsuiInputView     *view = csui_inspector_get_input_view (fixture->inspector);
  GtkWidget         *toggle = find_widget (fixture->window, "show-padding");
  const CsLayerInfo *layer = cs_model_layer (shown_model (fixture), 0);
  cairo_surface_t   *off, *on;
  double             left, top, zoom, y;

  g_assert_true (layer->has_window);
  g_assert_cmpint (layer->pads[1], ==, 1);
  csui_layer_table_select (csui_inspector_get_layer_table (fixture->inspector), 0);
  g_assert_true (csui_input_view_get_pixel_area (view, &left, &top, &zoom));
  /* Between two of the ticks that mark where windows start. */
  y = top + 10.5 * zoom;
  off = render (GTK_WIDGET (view));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), TRUE);
  g_assert_true (csui_input_view_get_window (view));
  on = render (GTK_WIDGET (view));
  g_assert_false (is_padding_blue (pixel_rgb (off, left - zoom / 2, y)));
  g_assert_true (is_padding_blue (pixel_rgb (on, left - zoom / 2, y)));
  g_assert_true (is_padding_blue (pixel_rgb (on, left - layer->pads[1] * zoom + 1, y)));
  g_assert_cmphex (pixel_rgb (on, left - layer->pads[1] * zoom - 8, y), ==,
                   pixel_rgb (off, left - layer->pads[1] * zoom - 8, y));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (find_widget (fixture->window,
                                                                        "window-caption"))),
                            "zero padding of 1, 1, 1 and 1"));
  cairo_surface_destroy (off);
  cairo_surface_destroy (on);

  /* A fully connected layer slides no window. */
  csui_layer_table_select (csui_inspector_get_layer_table (fixture->inspector),
                           (int) cs_model_n_layers (shown_model (fixture)) - 1);
  g_assert_false (csui_input_view_get_window (view));
}

static double
label_number (Fixture *fixture, const char *name)
{
  const char *text = gtk_label_get_text (GTK_LABEL (find_widget (fixture->window, name)));
  char       *end;
  double      value = g_ascii_strtod (text, &end);

  g_assert_true (end != text && *end == '\0');
  return value;
}

/* Clicking a pixel of a conv layer's enlarged map works its convolution
 * out: the result shown equals the value in the feature map, and so
 * does sum + bias through the ReLU. */
static void
test_lesson_probe (Fixture *fixture, gconstpointer data)
{
  CsuiFeatureGrid *grid = csui_inspector_get_feature_grid (fixture->inspector);
  CsuiProbeView   *probe = csui_inspector_get_probe_view (fixture->inspector);
  const int        layer = 2, channel = 5, row = 6, column = 7;
  const CsResult  *taps;
  const CsTensor  *tap;
  float            tapped;
  double           x, y, value, pre_activation;

  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (probe)));
  csui_layer_table_select (csui_inspector_get_layer_table (fixture->inspector), layer);
  taps = csui_inspector_get_selected_taps (fixture->inspector);
  tap = &taps->taps[0];
  tapped = ((const float *) tap->data)[(channel * tap->shape.dims[2] + row) * tap->shape.dims[3]
                                       + column];
  csui_feature_grid_set_enlarged (grid, channel);
  map_pixel_centre (grid, row, column, &x, &y);
  click (GTK_WIDGET (grid), x, y);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (probe)));
  /* 32 input channels, 16 drawn. */
  g_assert_cmpint (csui_probe_view_get_n_shown (probe), ==, 16);
  value = label_number (fixture, "probe-value");
  pre_activation = label_number (fixture, "probe-pre-activation");
  g_assert_cmpfloat_with_epsilon (value, tapped, 1e-5 * MAX (1.0, fabs (tapped)));
  g_assert_cmpfloat_with_epsilon (label_number (fixture, "probe-tapped"), tapped,
                                  1e-6 * MAX (1.0, fabs (tapped)));
  g_assert_cmpfloat_with_epsilon (label_number (fixture, "probe-sum")
                                    + label_number (fixture, "probe-bias"),
                                  pre_activation, 1e-5);
  g_assert_cmpfloat_with_epsilon (value, MAX (pre_activation, 0.0), 1e-5);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (find_widget (fixture->window,
                                                               "probe-activation"))),
                   ==, "Relu");

  /* A pooling layer's pixel: no convolution to show. */
  csui_layer_table_select (csui_inspector_get_layer_table (fixture->inspector), layer - 1);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (probe)));
  csui_feature_grid_set_enlarged (grid, 0);
  map_pixel_centre (grid, 0, 0, &x, &y);
  click (GTK_WIDGET (grid), x, y);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (probe)));
}

/* The kernels page of the bundled model's second convolution (64 output
 * channels over 32 input channels, 3×3) shows the first 32 output
 * channels' rows of 32 pictures, each tap in the diverging colour of the
 * weight the layer's probe uses; the first convolution, over one gray
 * channel, one picture per output channel. */
static void
test_lesson_kernels (Fixture *fixture, gconstpointer data)
{
  CsuiLayerTable  *table = csui_inspector_get_layer_table (fixture->inspector);
  CsuiKernelGrid  *grid = csui_inspector_get_kernel_grid (fixture->inspector);
  const CsModel   *model = shown_model (fixture);
  const int        layer = 2, output = 3, input = 5;
  const CsResult  *taps;
  const CsTensor  *kernels;
  g_autoptr (CsConvProbe) probe = NULL;
  g_autoptr (GError) error = NULL;
  cairo_surface_t *surface;
  double           x, y, side;
  float            largest = 0.0f;

  gtk_stack_set_visible_child_name (GTK_STACK (find_widget (fixture->window, "maps-stack")),
                                    "kernels");
  csui_layer_table_select (table, 0);
  g_assert_cmpint (csui_kernel_grid_get_n_pictures (grid), ==, 32);
  csui_layer_table_select (table, 1);
  g_assert_null (csui_kernel_grid_get_kernels (grid));
  g_assert_cmpint (csui_kernel_grid_get_n_pictures (grid), ==, 0);

  /* The probe reads the layer's weights from its input, the pool's map. */
  taps = csui_inspector_get_selected_taps (fixture->inspector);
  probe = cs_conv_probe_new (model, layer, &taps->taps[0], output, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (probe->n_channels, ==, 32);
  csui_layer_table_select (table, layer);
  kernels = csui_kernel_grid_get_kernels (grid);
  g_assert_nonnull (kernels);
  g_assert_cmpint (csui_kernel_grid_get_n_pictures (grid), ==, 32 * 32);
  g_assert_cmpint (csui_kernel_grid_get_colour (grid), ==, CSUI_KERNEL_GRAY);
  g_assert_true (csui_kernel_grid_get_cell_area (grid, 31, 31, &x, &y, &side));
  g_assert_false (csui_kernel_grid_get_cell_area (grid, 32, 0, &x, &y, &side));
  for (int64_t i = 0; i < cs_shape_numel (&kernels->shape); i++)
    largest = MAX (largest, fabsf (((const float *) kernels->data)[i]));

  g_assert_true (csui_kernel_grid_get_cell_area (grid, output, input, &x, &y, &side));
  surface = render (GTK_WIDGET (grid));
  for (int ky = 0; ky < 3; ky++)
    for (int kx = 0; kx < 3; kx++)
      {
        float   weight = probe->weights[(input * 3 + ky) * 3 + kx];
        uint8_t rgb[3];
        guint32 shown = pixel_rgb (surface, x + (kx + 0.5) * side, y + (ky + 0.5) * side);

        cs_colormap_rgb (CS_COLORMAP_DIVERGING, (weight + largest) / (2 * largest), rgb);
        g_assert_cmphex (shown, ==, (guint32) rgb[0] << 16 | (guint32) rgb[1] << 8 | rgb[2]);
      }
  cairo_surface_destroy (surface);
}

/* The weights a dense first layer of 1,024 units would need on the
 * bundled model's 28×28 input, and on the lecture's 500×800 photo. */
static void
test_lesson_mlp (Fixture *fixture, gconstpointer data)
{
  const char *text = gtk_label_get_text (GTK_LABEL (find_widget (fixture->window,
                                                                 "mlp-numbers")));

  g_assert_nonnull (strstr (text, "802\u202f816 weights"));
  g_assert_nonnull (strstr (text, "has 320 parameters"));
  g_assert_nonnull (strstr (text, "1\u202f228\u202f800\u202f000 weights"));
}

/* The class names of the predictions list @name, top first: the first
 * column of its rows.  The caller frees the array with g_strfreev. */
static char **
listed_classes (Fixture *fixture, const char *name)
{
  GtkGrid   *grid = GTK_GRID (find_widget (fixture->window, name));
  GPtrArray *classes = g_ptr_array_new ();

  for (int row = 0; gtk_grid_get_child_at (grid, 0, row) != NULL; row++)
    g_ptr_array_add (classes,
                     g_strdup (gtk_label_get_text (GTK_LABEL (gtk_grid_get_child_at (grid, 0,
                                                                                      row)))));
  g_ptr_array_add (classes, NULL);
  return (char **) g_ptr_array_free (classes, FALSE);
}

/* The first convolution's maps (stride 1, 3×3, padding 1) of the input
 * shifted by (@dy, @dx) against @original's: where neither window
 * reaches the padding or the rows the shift made up, each value is the
 * original's @dy rows up and @dx columns left.  Some values in that part
 * differ from the unshifted ones, so the maps did move. */
static void
assert_maps_moved (const CsTensor *shifted, const float *original, int dy, int dx)
{
  const float *moved = shifted->data;
  int64_t      channels = shifted->shape.dims[1];
  int64_t      height = shifted->shape.dims[2], width = shifted->shape.dims[3];
  int64_t      compared = 0, changed = 0;

  for (int64_t c = 0; c < channels; c++)
    for (int64_t y = 1 + MAX (0, dy); y <= height - 2 + MIN (0, dy); y++)
      for (int64_t x = 1 + MAX (0, dx); x <= width - 2 + MIN (0, dx); x++)
        {
          float expected = original[(c * height + y - dy) * width + x - dx];
          float value = moved[(c * height + y) * width + x];

          g_assert_cmpfloat_with_epsilon (value, expected, 1e-5);
          changed += fabsf (value - original[(c * height + y) * width + x]) > 1e-3f;
          compared++;
        }
  g_assert_cmpint (compared, >, channels * 20 * 20);
  g_assert_cmpint (changed, >, compared / 20);
}

/* Shifting the bundled model's input runs it on the picture moved by
 * a few pixels: the predictions before and after are listed side by
 * side, the first convolution's maps of the shifted run are the
 * original's moved by as many pixels, either way, and turning the
 * shifted view off shows the original maps again. */
static void
test_lesson_shift (Fixture *fixture, gconstpointer data)
{
  CsuiLayerTable     *table = csui_inspector_get_layer_table (fixture->inspector);
  GtkSpinButton      *shift_y = GTK_SPIN_BUTTON (find_widget (fixture->window, "shift-y"));
  GtkSpinButton      *shift_x = GTK_SPIN_BUTTON (find_widget (fixture->window, "shift-x"));
  GtkToggleButton    *show_shifted =
    GTK_TOGGLE_BUTTON (find_widget (fixture->window, "show-shifted"));
  const CsLayerInfo  *conv = cs_model_layer (shown_model (fixture), 0);
  const CsPrediction *predictions;
  const CsTensor     *tap;
  const int           shifts[][2] = { { 2, 3 }, { -3, -1 } };
  g_autofree float   *original = NULL;
  int                 n_predictions;

  g_assert_cmpint (conv->kind, ==, CS_LAYER_CONV);
  g_assert_cmpint (conv->stride[0], ==, 1);
  g_assert_cmpint (conv->stride[1], ==, 1);
  g_assert_cmpint (conv->pads[0], ==, 1);
  g_assert_cmpint (conv->kernel[0], ==, 3);
  csui_layer_table_select (table, 0);
  tap = &csui_inspector_get_selected_taps (fixture->inspector)->taps[0];
  original = g_memdup2 (tap->data, (gsize) cs_shape_numel (&tap->shape) * sizeof (float));

  for (size_t i = 0; i < G_N_ELEMENTS (shifts); i++)
    {
      g_auto (GStrv) before = NULL;
      g_auto (GStrv) after = NULL;

      gtk_spin_button_set_value (shift_y, shifts[i][0]);
      gtk_spin_button_set_value (shift_x, shifts[i][1]);
      wait_for_runs (fixture);
      g_assert_cmpint (fixture->failed, ==, 0);

      predictions = csui_inspector_get_predictions (fixture->inspector, &n_predictions);
      before = listed_classes (fixture, "predictions-before");
      after = listed_classes (fixture, "predictions-after");
      g_assert_cmpint (n_predictions, ==, 5);
      g_assert_cmpuint (g_strv_length (before), ==, 5);
      g_assert_cmpuint (g_strv_length (after), ==, 5);
      for (int r = 0; r < n_predictions; r++)
        g_assert_cmpstr (before[r], ==, predictions[r].label);
      /* Five different classes of the model's ten. */
      for (int r = 0; r < 5; r++)
        {
          g_assert_cmpstr (after[r], !=, "");
          for (int other = 0; other < r; other++)
            g_assert_cmpstr (after[r], !=, after[other]);
        }

      gtk_toggle_button_set_active (show_shifted, TRUE);
      g_assert_cmpint (csui_layer_table_get_selected (table), ==, 0);
      tap = &csui_inspector_get_selected_taps (fixture->inspector)->taps[0];
      assert_maps_moved (tap, original, shifts[i][0], shifts[i][1]);
      gtk_toggle_button_set_active (show_shifted, FALSE);
      tap = &csui_inspector_get_selected_taps (fixture->inspector)->taps[0];
      g_assert_cmpmem (tap->data, cs_shape_numel (&tap->shape) * sizeof (float), original,
                       cs_shape_numel (&tap->shape) * sizeof (float));
    }

  /* No shift, nothing to compare: a hint instead of the two lists. */
  gtk_spin_button_set_value (shift_y, 0);
  gtk_spin_button_set_value (shift_x, 0);
  wait_for_runs (fixture);
  {
    g_autoptr (GList) children =
      gtk_container_get_children (GTK_CONTAINER (find_widget (fixture->window,
                                                              "shift-predictions")));

    g_assert_cmpuint (g_list_length (children), ==, 1);
    g_assert_true (GTK_IS_LABEL (children->data));
  }
}

#ifdef CSUI_HAVE_FETCH
/* The shared models directory, or NULL when it is not there. */
static char *
shared_models_dir (void)
{
  const char *shared = g_getenv ("CONVSCOPE_SHARED");
  char       *models = g_build_filename (shared != NULL ? shared : "../shared", "models", NULL);

  if (g_file_test (models, G_FILE_TEST_IS_DIR))
    return models;
  g_free (models);
  return NULL;
}

/* Serves the files of the directory @data by their names, in the main
 * context the test iterates while the download runs. */
static void
serve_file (SoupServer *server, SoupServerMessage *message, const char *path,
            GHashTable *query, gpointer data)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *file = g_build_filename (data, name, NULL);
  char            *contents;
  gsize            length;

  if (name[0] == '.' || !g_file_get_contents (file, &contents, &length, NULL))
    {
      soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/octet-stream", SOUP_MEMORY_TAKE,
                                    contents, length);
}

static void
record_chosen (CsuiModelChooser *chooser, const char *path, char **chosen)
{
  g_free (*chosen);
  *chosen = g_strdup (path);
}

/* Picks the catalogue entry @name in the open "Get Models…" list of
 * @window, as a click on its row does, and presses Download; returns
 * when the download has ended. */
static void
download (GtkWidget *window, const char *name)
{
  g_autofree char *catalogue_path = cs_catalogue_path (bundled_dir);
  g_autoptr (GPtrArray) catalogue = NULL;
  g_autoptr (GtkTreePath) row = NULL;
  g_autoptr (GError) error = NULL;
  CsuiModelChooser *chooser = csui_inspector_get_chooser (
    CSUI_INSPECTOR (gtk_bin_get_child (GTK_BIN (window))));
  guint             index;

  catalogue = cs_catalogue_load (catalogue_path, &error);
  g_assert_no_error (error);
  g_assert_true (g_ptr_array_find (catalogue, cs_catalogue_find (catalogue, name), &index));
  row = gtk_tree_path_new_from_indices ((int) index, -1);
  gtk_tree_view_set_cursor (GTK_TREE_VIEW (find_widget (window, "catalogue")), row, NULL, FALSE);
  gtk_button_clicked (GTK_BUTTON (find_widget (window, "download")));
  g_assert_true (csui_model_chooser_is_fetching (chooser));
  while (csui_model_chooser_is_fetching (chooser))
    g_main_context_iteration (NULL, TRUE);
}
#endif

/* "Get Models…" as a user goes through it: the button, a row of the
 * catalogue, Download.  A server without the file shows the error in
 * the bar; one with it installs the model, which the chooser selects and
 * the inspector runs. */
static void
test_get_models (void)
{
#ifdef CSUI_HAVE_FETCH
  g_autofree char *models = shared_models_dir ();
  g_autoptr (SoupServer) server = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autofree char *base_url = NULL;
  g_autofree char *missing_url = NULL;
  g_autofree char *chosen = NULL;
  g_autoptr (GError) error = NULL;
  Fixture          fixture = { 0 };
  CsuiModelChooser *chooser;
  CsClassifier     *classifier;
  GtkWidget        *error_label;
  GSList           *uris;

  if (models == NULL)
    {
      g_test_skip ("no ../shared/models to serve");
      return;
    }
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, "/models", serve_file, models, NULL);
  g_assert_true (soup_server_listen (server, address, 0, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  base_url = g_strdup_printf ("http://127.0.0.1:%d/models", g_uri_get_port (uris->data));
  missing_url = g_strdup_printf ("http://127.0.0.1:%d/elsewhere", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  fixture_set_up (&fixture, ON_SCREEN);
  chooser = csui_inspector_get_chooser (fixture.inspector);
  g_signal_connect (chooser, "model-chosen", G_CALLBACK (record_chosen), &chosen);
  gtk_button_clicked (GTK_BUTTON (find_widget (fixture.window, "get-models")));
  error_label = find_widget (fixture.window, "fetch-error");

  g_setenv ("CONVSCOPE_CATALOGUE_BASE_URL", missing_url, TRUE);
  download (fixture.window, "mobilenet-v1-0.25");
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_ancestor (error_label,
                                                                  GTK_TYPE_INFO_BAR)));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error_label)), "mobilenet-v1-0.25"));
  g_assert_null (chosen);

  g_setenv ("CONVSCOPE_CATALOGUE_BASE_URL", base_url, TRUE);
  download (fixture.window, "mobilenet-v1-0.25");
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_ancestor (error_label,
                                                                   GTK_TYPE_INFO_BAR)));
  g_assert_nonnull (chosen);
  g_assert_true (g_str_has_suffix (chosen, "mobilenet_v1_0.25_128_quant.tflite"));
  g_assert_true (g_str_has_prefix (chosen, g_get_user_data_dir ()));
  g_assert_cmpstr (csui_model_chooser_get_path (chooser), ==, chosen);
  /* The inspector runs what the chooser selected. */
  wait_for_runs (&fixture);
  classifier = csui_inspector_get_classifier (fixture.inspector);
  g_assert_cmpstr (cs_classifier_model_path (classifier), ==, chosen);
  g_assert_cmpint (fixture.failed, ==, 0);
  fixture_tear_down (&fixture, NULL);
  g_unsetenv ("CONVSCOPE_CATALOGUE_BASE_URL");
#else
  g_test_skip ("Convscope is built without core/fetch (libsoup 3)");
#endif
}

/* The pixel (@x, @y) of @surface as 0xRRGGBB. */
static guint32
surface_rgb (cairo_surface_t *surface, int x, int y)
{
  return ((const guint32 *) (cairo_image_surface_get_data (surface)
                             + (gsize) cairo_image_surface_get_stride (surface) * y))[x]
         & 0xffffff;
}

/* A known 4×3 label map: the overlay holds each class in the core's
 * colour, opaque, and no class clear; over a mid grey picture at half
 * opacity the view draws each input pixel as the mean of the two. */
static void
test_segment_overlay (Fixture *fixture, gconstpointer data)
{
  static const guint8 labels[3][4] = { { 0, 12, 12, CS_SEGMENT_NONE },
                                       { 15, 15, 8, 0 },
                                       { 1, 2, 3, 20 } };
  CsuiInputView      *view = csui_inspector_get_input_view (fixture->inspector);
  g_autoptr (GdkPixbuf) overlay = csui_segment_overlay_new (&labels[0][0], 4, 3);
  g_autoptr (GdkPixbuf) grey = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 4, 3);
  cairo_surface_t    *surface;
  double              left, top, zoom;

  g_assert_nonnull (overlay);
  g_assert_true (gdk_pixbuf_get_has_alpha (overlay));
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 4; x++)
      {
        const guint8 *pixel = gdk_pixbuf_get_pixels (overlay)
                              + y * gdk_pixbuf_get_rowstride (overlay) + 4 * x;
        guint8        rgb[3];

        cs_segment_colour (labels[y][x], rgb);
        g_assert_cmpmem (pixel, 3, rgb, 3);
        g_assert_cmpint (pixel[3], ==, labels[y][x] == CS_SEGMENT_NONE ? 0 : 255);
      }

  gdk_pixbuf_fill (grey, 0x808080ff);
  csui_input_view_set_picture (view, grey);
  csui_input_view_set_overlay (view, overlay, 0.5);
  surface = render (GTK_WIDGET (view));
  g_assert_true (csui_input_view_get_pixel_area (view, &left, &top, &zoom));
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 4; x++)
      {
        guint32 drawn = surface_rgb (surface, (int) (left + (x + 0.5) * zoom),
                                     (int) (top + (y + 0.5) * zoom));
        guint8  rgb[3];

        cs_segment_colour (labels[y][x], rgb);
        for (int c = 0; c < 3; c++)
          {
            int expected = labels[y][x] == CS_SEGMENT_NONE ? 0x80 : (0x80 + rgb[c] + 1) / 2;

            g_assert_cmpint (abs ((int) ((drawn >> (16 - 8 * c)) & 0xff) - expected), <=, 1);
          }
      }
  cairo_surface_destroy (surface);
}

/* DeepLab v3 from ../shared with the catalogue's card, linked into a
 * fresh folder of the test's; NULL (the test skipped) without it. */
static char *
deeplab_model (void)
{
  const char      *shared = g_getenv ("CONVSCOPE_SHARED");
  g_autofree char *models = g_build_filename (shared != NULL ? shared : "../shared", "models",
                                              NULL);
  g_autofree char *source = g_build_filename (models, "deeplabv3_mnv2_pascal_quant.tflite",
                                              NULL);
  g_autofree char *dir = NULL;
  g_autofree char *labels = NULL;
  char            *model;
  g_autofree char *card = NULL;
  GError          *error = NULL;

  if (!g_file_test (source, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no ../shared/models/deeplabv3_mnv2_pascal_quant.tflite");
      return NULL;
    }
  dir = g_dir_make_tmp ("convscope-deeplab-XXXXXX", &error);
  g_assert_no_error (error);
  model = g_build_filename (dir, "deeplabv3_mnv2_pascal_quant.tflite", NULL);
  labels = g_build_filename (dir, "pascal_voc_segmentation_labels.txt", NULL);
  card = g_strconcat (model, ".ini", NULL);
  g_assert_cmpint (symlink (source, model), ==, 0);
  g_free (source);
  source = g_build_filename (models, "pascal_voc_segmentation_labels.txt", NULL);
  g_assert_cmpint (symlink (source, labels), ==, 0);
  g_file_set_contents (card,
                       "[model]\ntask = segmentation\n[input]\nresize = stretch\n"
                       "normalization = quantization\n[labels]\n"
                       "file = pascal_voc_segmentation_labels.txt\n", -1, &error);
  g_assert_no_error (error);
  return model;
}

/* The segmenter on the pets photo: the overlay is the core's labels of
 * the same input in the core's colours, the legend lists the classes
 * present by share with their colours (the core's shares of its labels),
 * the predictions give way to it, the dogs come ticked and are the
 * classes chosen, and another class ticked joins them. */
static void
test_segment_deeplab (Fixture *fixture, gconstpointer data)
{
  g_autofree char     *model = deeplab_model ();
  const char          *shared = g_getenv ("CONVSCOPE_SHARED");
  g_autofree char     *photo = NULL;
  g_autoptr (GeglBuffer) buffer = NULL;
  g_autoptr (CsSegmenter) segmenter = NULL;
  g_autoptr (CsSegmentation) segmentation = NULL;
  CsTensor            *input;
  CsResizePlan         plan;
  g_autofree guint8   *labels = NULL;
  g_autoptr (GdkPixbuf) expected = NULL;
  GdkPixbuf           *overlay;
  const CsCard        *card;
  CsuiClassLegend     *legend = csui_inspector_get_class_legend (fixture->inspector);
  GtkWidget           *rows;
  GError              *error = NULL;
  double               last_share = 101.0;
  int                  n_rows = 0, n_classes;
  g_autofree gboolean *chosen = NULL;
  int                  dog = -1;

  if (model == NULL)
    return;
  photo = g_build_filename (shared != NULL ? shared : "../shared", "images", "pets.jpg", NULL);
  buffer = csui_buffer_new_from_file (photo, &error);
  g_assert_no_error (error);
  csui_inspector_set_source (fixture->inspector, buffer, NULL);
  csui_inspector_set_model_path (fixture->inspector, model);
  wait_for_runs (fixture);
  g_assert_cmpint (fixture->failed, ==, 0);
  g_assert_null (csui_inspector_get_classifier (fixture->inspector));
  g_assert_nonnull (csui_inspector_get_segmenter (fixture->inspector));
  g_assert_true (gtk_widget_get_visible (find_widget (fixture->window, "classes-section")));
  g_assert_false (gtk_widget_get_visible (find_widget (fixture->window, "predictions-section")));

  /* The same labels, worked out here by the core alone. */
  segmenter = cs_segmenter_load (model, NULL, &error);
  g_assert_no_error (error);
  card = cs_segmenter_card (segmenter);
  input = cs_segmenter_input_new (segmenter, &error);
  g_assert_no_error (error);
  g_assert_true (cs_pixels_to_tensor (buffer, gegl_buffer_get_extent (buffer), card, input,
                                      &error));
  g_assert_true (cs_segmenter_run (segmenter, input, &segmentation, &error));
  cs_segmenter_input_free (input);
  g_assert_true (cs_resize_plan (card, card->width, card->height, &plan, &error));
  labels = g_malloc ((gsize) card->width * card->height);
  g_assert_true (cs_segmentation_labels (segmentation, &plan, card->width, card->height, 0,
                                         card->height, 0.0, labels, &error));
  g_assert_no_error (error);
  expected = csui_segment_overlay_new (labels, card->width, card->height);
  overlay = csui_input_view_get_overlay (csui_inspector_get_input_view (fixture->inspector));
  g_assert_nonnull (overlay);
  g_assert_cmpint (gdk_pixbuf_get_width (overlay), ==, card->width);
  g_assert_cmpint (gdk_pixbuf_get_height (overlay), ==, card->height);
  for (int y = 0; y < card->height; y++)
    g_assert_cmpmem (gdk_pixbuf_get_pixels (overlay) + y * gdk_pixbuf_get_rowstride (overlay),
                     4 * card->width,
                     gdk_pixbuf_get_pixels (expected) + y * gdk_pixbuf_get_rowstride (expected),
                     4 * card->width);

  /* Legend rows: largest share first, the dogs leading, each share the
   * core's count, each swatch its class's colour. */
  rows = find_widget (fixture->window, "legend");
  for (GtkWidget *check; (check = gtk_grid_get_child_at (GTK_GRID (rows), 1, n_rows)) != NULL;
       n_rows++)
    {
      const char      *name = gtk_button_get_label (GTK_BUTTON (check));
      const char      *share = gtk_label_get_text (
        GTK_LABEL (gtk_grid_get_child_at (GTK_GRID (rows), 2, n_rows)));
      GtkWidget       *swatch = gtk_grid_get_child_at (GTK_GRID (rows), 0, n_rows);
      int              index = -1;
      size_t           count = 0;
      g_autofree char *core_share = NULL;
      cairo_surface_t *drawn;
      guint8           rgb[3];

      g_assert_true (cs_labels_find (cs_segmenter_labels (segmenter),
                                     cs_segmenter_n_classes (segmenter),
                                     (const char *const[]) { name, NULL }, &index, &error));
      g_assert_no_error (error);
      for (int i = 0; i < card->width * card->height; i++)
        count += labels[i] == (guint8) index;
      core_share = g_strdup_printf ("%.1f %%", 100.0 * count / (card->width * card->height));
      g_assert_cmpstr (share, ==, core_share);
      g_assert_cmpfloat (g_ascii_strtod (share, NULL), <=, last_share);
      last_share = g_ascii_strtod (share, NULL);
      drawn = render (swatch);
      cs_segment_colour (index, rgb);
      g_assert_cmphex (surface_rgb (drawn, 4, 4), ==,
                       ((guint32) rgb[0] << 16) | ((guint32) rgb[1] << 8) | rgb[2]);
      cairo_surface_destroy (drawn);
      /* The largest class but the background comes ticked. */
      g_assert_cmpint (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (check)), ==,
                       g_str_equal (name, "dog"));
      if (g_str_equal (name, "dog"))
        dog = index;
    }
  g_assert_cmpint (n_rows, >=, 2);
  /* The photo's background, then its two dogs. */
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (gtk_grid_get_child_at (GTK_GRID (rows), 1,
                                                                            0))), ==,
                   "background");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (gtk_grid_get_child_at (GTK_GRID (rows), 1,
                                                                            1))), ==, "dog");

  chosen = csui_class_legend_get_chosen (legend, &n_classes);
  g_assert_cmpint (n_classes, ==, cs_segmenter_n_classes (segmenter));
  for (int c = 0; c < n_classes; c++)
    g_assert_cmpint (chosen[c], ==, c == dog);
  g_free (chosen);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (gtk_grid_get_child_at (GTK_GRID (rows), 1, 0)),
                                TRUE);
  chosen = csui_class_legend_get_chosen (legend, &n_classes);
  for (int c = 0; c < n_classes; c++)
    g_assert_cmpint (chosen[c], ==, c == dog || c == cs_segmenter_background (segmenter));

  /* Back to a classifier: the predictions return, the overlay goes. */
  csui_inspector_set_model_path (fixture->inspector, bundled_model);
  wait_for_runs (fixture);
  g_assert_nonnull (csui_inspector_get_classifier (fixture->inspector));
  g_assert_null (csui_input_view_get_overlay (csui_inspector_get_input_view (fixture->inspector)));
  g_assert_false (gtk_widget_get_visible (find_widget (fixture->window, "classes-section")));
  g_assert_true (gtk_widget_get_visible (find_widget (fixture->window, "predictions-section")));
}

/* The core's explanation of @element for the bundled sample as the
 * inspector's fixture shows it, worked out here alone. */
static CsExplanation *
explain_sample (CsExplainMethod method, int64_t element, const char *layer)
{
  g_autofree char     *sample = g_build_filename (bundled_dir, "samples", "05-Bag.png", NULL);
  g_autoptr (GeglBuffer) buffer = NULL;
  g_autoptr (CsClassifier) classifier = NULL;
  g_autoptr (CsSession) session = NULL;
  CsExplainOptions     options = { .method = method, .element = element, .layer = layer };
  CsExplanation       *explanation = NULL;
  CsTensor            *input;
  GError              *error = NULL;

  buffer = csui_buffer_new_from_file (sample, &error);
  g_assert_no_error (error);
  classifier = cs_classifier_load (bundled_model, NULL, &error);
  g_assert_no_error (error);
  input = cs_classifier_input_new (classifier, &error);
  g_assert_no_error (error);
  g_assert_true (cs_pixels_to_tensor (buffer, gegl_buffer_get_extent (buffer),
                                      cs_classifier_card (classifier), input, &error));
  cs_explain_card_fill (cs_classifier_card (classifier), options.fill);
  session = cs_session_new (cs_classifier_model (classifier), 0, &error);
  g_assert_no_error (error);
  g_assert_true (cs_explain (session, input, &options, &explanation, &error));
  g_assert_no_error (error);
  cs_classifier_input_free (input);
  return explanation;
}

/* The overlay matches the core's display map of @explanation in the heat
 * map's colours, byte for byte give or take the last bit of a sum. */
static void
assert_heat_overlay (GdkPixbuf *overlay, const CsExplanation *explanation, int width, int height)
{
  g_autofree float     *display = cs_heatmap_display (&explanation->map, width, height, NULL);
  g_autoptr (GdkPixbuf) expected = NULL;

  g_assert_nonnull (display);
  expected = csui_heat_overlay_new (display, width, height, CS_COLORMAP_VIRIDIS);
  g_assert_nonnull (overlay);
  g_assert_cmpint (gdk_pixbuf_get_width (overlay), ==, width);
  g_assert_cmpint (gdk_pixbuf_get_height (overlay), ==, height);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < 4 * width; x++)
      g_assert_cmpint (abs (gdk_pixbuf_get_pixels (overlay)[y * gdk_pixbuf_get_rowstride (overlay) + x]
                            - gdk_pixbuf_get_pixels (expected)[y * gdk_pixbuf_get_rowstride (expected)
                                                               + x]),
                       <=, 1);
}

/* Clicking the top prediction lays its Grad-CAM map over what the model
 * sees (the core's map), the opacity slider sets its strength, another
 * method gives the core's saliency map, and sorting by weight puts the
 * first convolution's channels in the order of the core's α_c. */
static void
test_heat_map (Fixture *fixture, gconstpointer data)
{
  CsuiInputView   *view = csui_inspector_get_input_view (fixture->inspector);
  CsuiFeatureGrid *grid = csui_inspector_get_feature_grid (fixture->inspector);
  const CsCard    *card = cs_classifier_card (csui_inspector_get_classifier (fixture->inspector));
  const CsResult  *taps;
  int              n = 0, class_index;
  const CsPrediction *top = csui_inspector_get_predictions (fixture->inspector, &n);
  g_autoptr (CsExplanation) gradcam = NULL;
  g_autoptr (CsExplanation) saliency = NULL;
  g_autoptr (CsExplanation) weights = NULL;
  CsExplainMethod  method;
  double           opacity;
  int64_t          channels, area;
  double          *alpha;
  int              first = 0;

  g_assert_cmpint (n, >, 0);
  g_assert_false (gtk_widget_get_visible (find_widget (fixture->window, "heat-controls")));
  /* Until a prediction is clicked, the most probable is the one explained. */
  g_assert_true (csui_inspector_get_heat (fixture->inspector, &class_index, &method, &opacity));
  g_assert_cmpint (class_index, ==, top[0].index);
  g_assert_null (csui_input_view_get_overlay (view));
  /* The first row of the predictions' grid: the most probable. */
  gtk_button_clicked (GTK_BUTTON (gtk_grid_get_child_at (
    GTK_GRID (gtk_widget_get_parent (find_widget (fixture->window, "prediction"))), 0, 0)));
  wait_for_runs (fixture);
  g_assert_true (gtk_widget_get_visible (find_widget (fixture->window, "heat-controls")));
  g_assert_true (csui_inspector_get_heat (fixture->inspector, &class_index, &method, &opacity));
  g_assert_cmpint (class_index, ==, top[0].index);
  g_assert_cmpint (method, ==, CS_EXPLAIN_GRADCAM);
  gradcam = explain_sample (CS_EXPLAIN_GRADCAM, top[0].index, NULL);
  assert_heat_overlay (csui_input_view_get_overlay (view), gradcam, card->width, card->height);
  g_assert_cmpfloat (csui_input_view_get_overlay_opacity (view), ==, 0.5);
  gtk_range_set_value (GTK_RANGE (find_widget (fixture->window, "heat-opacity")), 80);
  g_assert_cmpfloat (csui_input_view_get_overlay_opacity (view), ==, 0.8);

  gtk_combo_box_set_active_id (GTK_COMBO_BOX (find_widget (fixture->window, "heat-method")),
                               "saliency");
  wait_for_runs (fixture);
  saliency = explain_sample (CS_EXPLAIN_SALIENCY, top[0].index, NULL);
  assert_heat_overlay (csui_input_view_get_overlay (view), saliency, card->width, card->height);
  g_assert_cmpfloat (csui_input_view_get_overlay_opacity (view), ==, 0.8);

  /* The grid shows the first convolution; sorted, its channels follow
   * the core's Grad-CAM weights for the class clicked, largest first. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find_widget (fixture->window,
                                                                "sort-by-weight")),
                                TRUE);
  wait_for_runs (fixture);
  taps = csui_inspector_get_selected_taps (fixture->inspector);
  g_assert_nonnull (taps);
  weights = explain_sample (CS_EXPLAIN_GRADCAM, top[0].index, taps->taps[0].name);
  channels = weights->grad.shape.dims[1];
  area = weights->grad.shape.dims[2] * weights->grad.shape.dims[3];
  alpha = g_new0 (double, channels);
  for (int64_t c = 0; c < channels; c++)
    {
      for (int64_t i = 0; i < area; i++)
        alpha[c] += ((const float *) weights->grad.data)[c * area + i];
      alpha[c] /= (double) area;
      if (alpha[c] > alpha[first])
        first = (int) c;
    }
  g_assert_cmpint (csui_feature_grid_channel_at_place (grid, 0), ==, first);
  g_assert_cmpint (csui_feature_grid_channel_at_place (grid, 0), !=, 0);
  for (int place = 1; place < channels; place++)
    g_assert_cmpfloat (alpha[csui_feature_grid_channel_at_place (grid, place)], <=,
                       alpha[csui_feature_grid_channel_at_place (grid, place - 1)] + 1e-9);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (find_widget (fixture->window,
                                                                        "sort-caption"))),
                            top[0].label));
  g_free (alpha);

  /* Unticked, channel order again. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find_widget (fixture->window,
                                                                "sort-by-weight")),
                                FALSE);
  for (int place = 0; place < channels; place++)
    g_assert_cmpint (csui_feature_grid_channel_at_place (grid, place), ==, place);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  /* The user's own models and default must not change what is tested. */
  test_dirs_init ();
  if (!gtk_init_check (&argc, &argv))
    {
      g_printerr ("test-ui: skipped: no X display (run it under xvfb-run)\n");
      test_dirs_cleanup ();
      return 77;
    }
  bundled_dir = g_strdup (g_getenv ("CONVSCOPE_WEIGHTS_DIR"));
  if (bundled_dir == NULL)
    {
      g_printerr ("test-ui: skipped: CONVSCOPE_WEIGHTS_DIR does not name weights/\n");
      test_dirs_cleanup ();
      return 77;
    }
  bundled_model = g_build_filename (bundled_dir, "fashion-mnist-cnn.onnx", NULL);
  cs_pixels_init ();

  g_test_add ("/ui/layer-table", Fixture, NULL, fixture_set_up, test_layer_table,
              fixture_tear_down);
  g_test_add ("/ui/thumbnails", Fixture, NULL, fixture_set_up, test_thumbnails,
              fixture_tear_down);
  g_test_add ("/ui/colormap", Fixture, NULL, fixture_set_up, test_colormap, fixture_tear_down);
  g_test_add ("/ui/unusable-labels", Fixture, NULL, fixture_set_up, test_unusable_labels,
              fixture_tear_down);
  g_test_add ("/ui/broken-model", Fixture, NULL, fixture_set_up, test_broken_model,
              fixture_tear_down);
  g_test_add ("/ui/multi-select", Fixture, NULL, fixture_set_up, test_multi_select,
              fixture_tear_down);
  g_test_add ("/ui/cancel", Fixture, NULL, fixture_set_up, test_cancel, fixture_tear_down);
  g_test_add ("/ui/mobilenet-cap", Fixture, NULL, fixture_set_up, test_mobilenet_cap,
              fixture_tear_down);
  g_test_add ("/ui/lesson-receptive", Fixture, NULL, fixture_set_up, test_lesson_receptive,
              fixture_tear_down);
  g_test_add ("/ui/lesson-padding", Fixture, NULL, fixture_set_up, test_lesson_padding,
              fixture_tear_down);
  g_test_add ("/ui/lesson-probe", Fixture, NULL, fixture_set_up, test_lesson_probe,
              fixture_tear_down);
  g_test_add ("/ui/lesson-kernels", Fixture, NULL, fixture_set_up, test_lesson_kernels,
              fixture_tear_down);
  g_test_add ("/ui/lesson-shift", Fixture, NULL, fixture_set_up, test_lesson_shift,
              fixture_tear_down);
  g_test_add ("/ui/lesson-mlp", Fixture, NULL, fixture_set_up, test_lesson_mlp,
              fixture_tear_down);
  g_test_add ("/ui/segment-overlay", Fixture, NULL, fixture_set_up, test_segment_overlay,
              fixture_tear_down);
  g_test_add ("/ui/segment-deeplab", Fixture, NULL, fixture_set_up, test_segment_deeplab,
              fixture_tear_down);
  g_test_add ("/ui/heat-map", Fixture, NULL, fixture_set_up, test_heat_map, fixture_tear_down);
  test_dirs_add_func ("/ui/get-models", test_get_models);
  status = g_test_run ();

  cs_pixels_exit ();
  test_dirs_cleanup ();
  g_free (bundled_model);
  g_free (bundled_dir);
  return status;
}
