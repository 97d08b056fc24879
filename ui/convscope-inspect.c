/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * convscope-inspect.c — the dialog's inspector panel in a window of its
 * own, on an image file, without GIMP: for trying the widgets and for
 * the screenshots of docs/ (tools/screenshots), which it renders to PNG
 * off screen once the run has finished.
 *
 *   convscope-inspect [--model FILE] [--layer WHICH] [--enlarge N]
 *                     [--at Y,X] [--padding] [--kernels] [--height PIXELS]
 *                     [--colormap NAME] [--shift DY,DX]
 *                     [--part all|table|maps|side|input|probe|mlp|shift]
 *                     [--screenshot OUT.png] IMAGE
 *
 * WHICH is a layer index or name, "first-conv" or "last-conv" (the last
 * conv layer whose maps are larger than 1×1).  --at points at and clicks
 * pixel (Y, X) of the enlarged channel, as a user would, for the
 * lessons' screenshots; --padding turns on the padding and stride view,
 * --kernels shows the kernels page, --shift runs the input shifted too
 * and shows the shifted run's picture and maps.
 */
#include <stdlib.h>

#include <glib/gi18n-lib.h>

#include "convscope-ui.h"
#include "cs-pixels.h"

#define WINDOW_WIDTH  1280

static char    *model_path;
static char    *layer_name;
static char    *colormap_name;
static char    *part = "all";
static char    *screenshot_path;
static int      enlarge = -1;
static char    *pixel_at;
static char    *shift_by;
static gboolean padding;
static gboolean kernels;
static int      window_height = 800;

static const GOptionEntry entries[] = {
  { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "The model (default: the default model)", "FILE" },
  { "layer", 'l', 0, G_OPTION_ARG_STRING, &layer_name, "The layer to select", "WHICH" },
  { "enlarge", 'e', 0, G_OPTION_ARG_INT, &enlarge, "The channel to enlarge", "N" },
  { "at", 'a', 0, G_OPTION_ARG_STRING, &pixel_at, "Point at and click this pixel of the enlarged channel", "Y,X" },
  { "height", 0, 0, G_OPTION_ARG_INT, &window_height, "The window's height (default 800)", "PIXELS" },
  { "kernels", 0, 0, G_OPTION_ARG_NONE, &kernels, "Show the selected layer's kernels instead of its maps", NULL },
  { "padding", 0, 0, G_OPTION_ARG_NONE, &padding, "Show the selected layer's padding and stride", NULL },
  { "shift", 0, 0, G_OPTION_ARG_STRING, &shift_by, "Run the input shifted DY rows down and DX columns right too, and show that run", "DY,DX" },
  { "colormap", 'c', 0, G_OPTION_ARG_STRING, &colormap_name, "gray, viridis or diverging", "NAME" },
  { "part", 'p', 0, G_OPTION_ARG_STRING, &part, "What to capture: all, table, maps, side, input, probe, mlp or shift", "PART" },
  { "screenshot", 's', 0, G_OPTION_ARG_FILENAME, &screenshot_path, "Write a PNG and quit", "FILE" },
  { NULL }
};

/* The layer @which names in @model, or -1. */
static int
find_layer (const CsModel *model, const char *which)
{
  gint64 index;
  int    found = -1;

  if (g_ascii_string_to_signed (which, 10, 0, (gint64) cs_model_n_layers (model) - 1, &index,
                                NULL))
    return (int) index;
  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    {
      const CsLayerInfo *layer = cs_model_layer (model, i);
      gboolean           maps = layer->out_shape.rank == 4 && layer->out_shape.dims[2] > 1;

      if (layer->kind != CS_LAYER_CONV || !maps)
        continue;
      if (g_str_equal (which, "first-conv"))
        return (int) i;
      if (g_str_equal (which, "last-conv"))
        found = (int) i;
    }
  return found >= 0 ? found : cs_model_find_layer (model, which);
}

/* The first widget called @name under @widget, or NULL. */
static GtkWidget *
find_named (GtkWidget *widget, const char *name)
{
  g_autoptr (GList) children = NULL;

  if (g_str_equal (gtk_widget_get_name (widget), name))
    return widget;
  if (!GTK_IS_CONTAINER (widget))
    return NULL;
  children = gtk_container_get_children (GTK_CONTAINER (widget));
  for (GList *child = children; child != NULL; child = child->next)
    {
      GtkWidget *found = find_named (child->data, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Sends @widget a pointer event of @type at (@x, @y), as the pointer
 * would: a motion or a primary button press. */
static void
send_pointer (GtkWidget *widget, GdkEventType type, double x, double y)
{
  GdkDisplay *display = gtk_widget_get_display (widget);
  GdkEvent   *event = gdk_event_new (type);

  event->any.window = g_object_ref (gtk_widget_get_window (widget));
  if (type == GDK_MOTION_NOTIFY)
    {
      event->motion.x = x;
      event->motion.y = y;
    }
  else
    {
      event->button.x = x;
      event->button.y = y;
      event->button.button = GDK_BUTTON_PRIMARY;
    }
  gdk_event_set_device (event, gdk_seat_get_pointer (gdk_display_get_default_seat (display)));
  gtk_widget_event (widget, event);
  gdk_event_free (event);
}

/* Points at and clicks pixel "Y,X" of the enlarged channel. */
static gboolean
point_at (CsuiFeatureGrid *grid, const char *where)
{
  g_auto (GStrv) parts = g_strsplit (where, ",", 2);
  gint64 row, column;
  double left, top, zoom;

  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_signed (parts[0], 10, 0, G_MAXINT, &row, NULL)
      || !g_ascii_string_to_signed (parts[1], 10, 0, G_MAXINT, &column, NULL)
      || !csui_feature_grid_get_enlarged_area (grid, &left, &top, &zoom))
    return FALSE;
  /* The grid's window is its own: its coordinates are the widget's. */
  send_pointer (GTK_WIDGET (grid), GDK_MOTION_NOTIFY, left + (column + 0.5) * zoom,
                top + (row + 0.5) * zoom);
  send_pointer (GTK_WIDGET (grid), GDK_BUTTON_PRESS, left + (column + 0.5) * zoom,
                top + (row + 0.5) * zoom);
  return TRUE;
}

static void
wait_for_runs (CsuiInspector *inspector)
{
  while (csui_inspector_get_n_running (inspector) > 0)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Sets the shift "DY,DX" as a user would, waits for the runs and shows
 * the shifted one. */
static gboolean
shift_input (CsuiInspector *inspector, const char *by)
{
  g_auto (GStrv) parts = g_strsplit (by, ",", 2);
  gint64 dy, dx;

  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_signed (parts[0], 10, G_MININT, G_MAXINT, &dy, NULL)
      || !g_ascii_string_to_signed (parts[1], 10, G_MININT, G_MAXINT, &dx, NULL))
    return FALSE;
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_named (GTK_WIDGET (inspector), "shift-y")),
                             (double) dy);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_named (GTK_WIDGET (inspector), "shift-x")),
                             (double) dx);
  wait_for_runs (inspector);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find_named (GTK_WIDGET (inspector),
                                                               "show-shifted")),
                                TRUE);
  return TRUE;
}

/* Sets up what the options ask for; FALSE with a message when they
 * name something that is not there. */
static gboolean
apply_options (CsuiInspector *inspector)
{
  CsClassifier *classifier = csui_inspector_get_classifier (inspector);

  if (csui_inspector_get_error (inspector) != NULL)
    {
      g_printerr ("convscope-inspect: %s\n", csui_inspector_get_error (inspector));
      return FALSE;
    }
  if (classifier == NULL)
    {
      g_printerr ("convscope-inspect: no model: give one with --model\n");
      return FALSE;
    }
  if (layer_name != NULL)
    {
      int layer = find_layer (cs_classifier_model (classifier), layer_name);

      if (layer < 0)
        {
          g_printerr ("convscope-inspect: %s: no layer \"%s\"\n",
                      cs_classifier_model_path (classifier), layer_name);
          return FALSE;
        }
      csui_layer_table_select (csui_inspector_get_layer_table (inspector), layer);
    }
  if (colormap_name != NULL)
    {
      CsColormap colormap;

      if (!cs_colormap_from_name (colormap_name, &colormap))
        {
          g_printerr ("convscope-inspect: unknown colour map \"%s\"\n", colormap_name);
          return FALSE;
        }
      csui_feature_grid_set_colormap (csui_inspector_get_feature_grid (inspector), colormap);
    }
  if (shift_by != NULL && !shift_input (inspector, shift_by))
    {
      g_printerr ("convscope-inspect: --shift %s: give rows and columns as DY,DX\n", shift_by);
      return FALSE;
    }
  if (enlarge >= 0)
    csui_feature_grid_set_enlarged (csui_inspector_get_feature_grid (inspector), enlarge);
  if (kernels)
    gtk_stack_set_visible_child_name (GTK_STACK (find_named (GTK_WIDGET (inspector),
                                                             "maps-stack")),
                                      "kernels");
  if (padding)
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find_named (GTK_WIDGET (inspector),
                                                                 "show-padding")),
                                  TRUE);
  if (pixel_at != NULL)
    {
      /* The enlarged map is placed when the grid is laid out. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (!point_at (csui_inspector_get_feature_grid (inspector), pixel_at))
        {
          g_printerr ("convscope-inspect: --at %s: no such pixel of an enlarged channel\n",
                      pixel_at);
          return FALSE;
        }
    }
  return TRUE;
}

static GtkWidget *
captured_part (CsuiInspector *inspector)
{
  if (g_str_equal (part, "table"))
    return GTK_WIDGET (csui_inspector_get_layer_table (inspector));
  if (g_str_equal (part, "side"))
    return gtk_widget_get_ancestor (GTK_WIDGET (csui_inspector_get_input_view (inspector)),
                                    GTK_TYPE_SCROLLED_WINDOW);
  /* A lesson's section. */
  if (g_str_equal (part, "input"))
    return gtk_widget_get_ancestor (GTK_WIDGET (csui_inspector_get_input_view (inspector)),
                                    GTK_TYPE_FRAME);
  if (g_str_equal (part, "probe"))
    return gtk_widget_get_ancestor (GTK_WIDGET (csui_inspector_get_probe_view (inspector)),
                                    GTK_TYPE_FRAME);
  if (g_str_equal (part, "mlp"))
    return gtk_widget_get_ancestor (find_named (GTK_WIDGET (inspector), "mlp-numbers"),
                                    GTK_TYPE_FRAME);
  if (g_str_equal (part, "shift"))
    return gtk_widget_get_ancestor (find_named (GTK_WIDGET (inspector), "shift-predictions"),
                                    GTK_TYPE_FRAME);
  if (g_str_equal (part, "maps"))
    return gtk_widget_get_parent (gtk_widget_get_parent (
      GTK_WIDGET (csui_inspector_get_feature_grid (inspector))));
  return GTK_WIDGET (inspector);
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("IMAGE");
  g_autoptr (GeglBuffer) buffer = NULL;
  g_autoptr (GError) error = NULL;
  CsuiInspector *inspector;
  GtkWidget     *window;
  int            status = EXIT_SUCCESS;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gtk_get_option_group (TRUE));
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("convscope-inspect: %s\n",
                  error != NULL ? error->message : "give one image file");
      return EXIT_FAILURE;
    }
  cs_pixels_init ();
  buffer = csui_buffer_new_from_file (argv[1], &error);
  if (buffer == NULL)
    {
      g_printerr ("convscope-inspect: %s\n", error->message);
      cs_pixels_exit ();
      return EXIT_FAILURE;
    }

  window = screenshot_path != NULL ? gtk_offscreen_window_new ()
                                   : gtk_window_new (GTK_WINDOW_TOPLEVEL);
  gtk_window_set_title (GTK_WINDOW (window), _("Convscope Inspector"));
  gtk_window_set_default_size (GTK_WINDOW (window), WINDOW_WIDTH, window_height);
  gtk_container_set_border_width (GTK_CONTAINER (window), 12);
  inspector = CSUI_INSPECTOR (csui_inspector_new (NULL));
  /* Kept past the window, for its worker threads to come back. */
  g_object_ref_sink (inspector);
  gtk_container_add (GTK_CONTAINER (window), GTK_WIDGET (inspector));
  /* An offscreen window takes its natural size, not the default one. */
  if (screenshot_path != NULL)
    gtk_widget_set_size_request (GTK_WIDGET (inspector), WINDOW_WIDTH - 24, window_height - 24);
  if (model_path != NULL)
    csui_inspector_set_model_path (inspector, model_path);
  csui_inspector_set_source (inspector, buffer, NULL);
  gtk_widget_show_all (window);
  wait_for_runs (inspector);

  if (!apply_options (inspector))
    status = EXIT_FAILURE;
  else if (screenshot_path != NULL)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (!csui_widget_save_png (captured_part (inspector), screenshot_path, &error))
        {
          g_printerr ("convscope-inspect: %s\n", error->message);
          status = EXIT_FAILURE;
        }
    }
  else
    {
      g_signal_connect (window, "destroy", G_CALLBACK (gtk_main_quit), NULL);
      gtk_main ();
      window = NULL;
    }
  if (window != NULL)
    gtk_widget_destroy (window);
  wait_for_runs (inspector);
  g_object_unref (inspector);
  g_clear_object (&buffer);
  cs_pixels_exit ();
  return status;
}
