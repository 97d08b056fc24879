/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fetch.c — `convscope fetch NAME…`: downloads models of the catalogue
 * into the user's models directory through core/fetch (checked sizes and
 * SHA-256, atomic installation), with progress on a terminal.  The
 * download runs in a worker thread, as it will in the dialog, so that
 * Ctrl-C can cancel it cleanly instead of killing the process between
 * two files.
 */
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "cs-fetch.h"

typedef struct
{
  const CsCatalogueEntry *entry;
  const char             *base_url;
  gboolean                show_progress;
  int                     last_percent;
  GCancellable           *cancellable;
  GMainLoop              *loop;
  char                   *path;   /* the result */
  GError                 *error;
} Download;

static void
show_progress (const char *file_name, gint64 done, gint64 total, gpointer user_data)
{
  Download *d = user_data;
  int percent = total > 0 ? (int) (100 * done / total) : 100;
  g_autofree char *shown_done = NULL, *shown_total = NULL;

  if (!d->show_progress || percent == d->last_percent)
    return;
  d->last_percent = percent;
  shown_done = cli_format_count (done);
  shown_total = cli_format_count (total);
  /* Overwrites itself on the terminal; the final line replaces it. */
  fprintf (stderr, "\r\033[Kfetch %s: %3d %% (%sB of %sB) %s", d->entry->name, percent,
           shown_done, shown_total, file_name);
  fflush (stderr);
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static gpointer
download_thread (gpointer user_data)
{
  Download *d = user_data;
  CsFetchOptions options = { d->base_url, NULL, show_progress, d };

  d->path = cs_fetch (d->entry, &options, d->cancellable, &d->error);
  g_idle_add (quit_loop, d->loop);
  return NULL;
}

static gboolean
cancel_on_signal (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
fetch_one (const CsCatalogueEntry *entry, const char *base_url, GError **error)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Download d = { entry, base_url, isatty (STDERR_FILENO), -1, cancellable, loop, NULL, NULL };
  guint sigint = g_unix_signal_add (SIGINT, cancel_on_signal, cancellable);
  guint sigterm = g_unix_signal_add (SIGTERM, cancel_on_signal, cancellable);
  GThread *thread = g_thread_new ("fetch", download_thread, &d);

  g_main_loop_run (loop);
  g_thread_join (thread);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  if (d.show_progress && d.last_percent >= 0)
    fputs ("\r\033[K", stderr);
  if (d.path == NULL)
    {
      g_propagate_error (error, d.error);
      return FALSE;
    }
  {
    g_autofree char *shown = cli_printable (d.path);

    printf (_("%s: %s (SHA-256 %s verified)\n"), entry->name, shown, entry->sha256);
  }
  g_free (d.path);
  return TRUE;
}

int
cli_fetch (int argc, char **argv)
{
  g_autofree char *base_url = NULL;
  g_autoptr (GPtrArray) catalogue = NULL;
  gboolean list = FALSE, json = FALSE;
  const GOptionEntry entries[] = {
    { "list", 'l', 0, G_OPTION_ARG_NONE, &list, N_("List the catalogue"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("With --list: print the catalogue as JSON"), NULL },
    { "base-url", 0, 0, G_OPTION_ARG_STRING, &base_url,
      N_("Fetch every file from URL/FILE-NAME instead of the catalogue's URL "
         "(a mirror; default: $CONVSCOPE_CATALOGUE_BASE_URL when set)"), "URL" },
    { NULL }
  };
  GError *error = NULL;

  if (!cli_parse_options (&argc, &argv, entries, "NAME…",
                          N_("Download models of the catalogue."),
                          N_("Files go to $XDG_DATA_HOME/convscope/models (by default "
                             "~/.local/share/convscope/models)\nwith a model card and "
                             "labels; each is checked against the catalogue's size and\n"
                             "SHA-256 before it is installed.  See docs/models.md.\n\n"
                             "Example:\n  convscope fetch mobilenet-v2"),
                          0, -1, &error))
    return cli_fail (error);
  if (list != (argc == 1) || (json && !list))
    {
      cli_usage_error (&error,
                       json ? _("--json goes with --list")
                            : _("fetch takes NAME… or --list; see 'convscope fetch --list'"));
      return cli_fail (error);
    }
  catalogue = cli_load_catalogue (&error);
  if (catalogue == NULL)
    return cli_fail (error);
  if (list)
    {
      if (json)
        cli_print_catalogue_json (catalogue);
      else
        cli_print_catalogue (catalogue);
      return 0;
    }
  for (int i = 1; i < argc; i++)
    if (cs_catalogue_find (catalogue, argv[i]) == NULL)
      {
        g_autofree char *shown = cli_printable (argv[i]);

        cli_usage_error (&error, _("no model called '%s' in the catalogue; see "
                                   "'convscope fetch --list'"), shown);
        return cli_fail (error);
      }
  for (int i = 1; i < argc; i++)
    if (!fetch_one (cs_catalogue_find (catalogue, argv[i]), base_url, &error))
      return cli_fail (error);
  return 0;
}
