/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-fetch.c — downloads of catalogue models (core/fetch) from a
 * loopback HTTP server this test runs itself (SoupServer on 127.0.0.1,
 * port chosen by the system, stopped at the end) serving ../shared/models
 * under paths that misbehave on purpose: /good/ serves the files,
 * /corrupt/ the model with one flipped byte, /short/ half the model
 * under the full Content-Length before closing, /long/ more bytes than
 * the catalogue says (chunked, so that only the streaming cap can stop
 * it); anything else is 404.  A good download must install model, card and labels and
 * become the default; every failure must say what went wrong in one
 * line and leave nothing behind.  `convscope fetch` is run the same way.
 * Skipped when ../shared/models is absent.
 */
#include <libsoup/soup.h>
#include <string.h>

#include "convscope.h"
#include "../test-dirs.h"
#include "cs-fetch.h"

#define ENTRY_NAME "mobilenet-v1-0.25"

typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  GThread      *thread;
  guint         port;
} Server;

static char *shared_models;
static Server test_server;

/* ---- The server ---- */

static void
serve_short (SoupServerMessage *message, const char *contents, gsize length)
{
  GIOStream *connection = soup_server_message_steal_connection (message);
  GOutputStream *out = g_io_stream_get_output_stream (connection);
  g_autofree char *head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %" G_GSIZE_FORMAT
                                           "\r\nConnection: close\r\n\r\n", length);

  g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
  g_output_stream_write_all (out, contents, length / 2, NULL, NULL, NULL);
  g_io_stream_close (connection, NULL, NULL);
  g_object_unref (connection);
}

static void
handle (SoupServer *server, SoupServerMessage *message, const char *path,
        GHashTable *query, gpointer user_data)
{
  g_auto (GStrv) parts = g_strsplit (path + 1, "/", 2);
  g_autofree char *file = NULL;
  char *contents;
  gsize length;

  if (g_strv_length (parts) != 2 || strchr (parts[1], '/') != NULL || parts[1][0] == '.')
    {
      soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  file = g_build_filename (shared_models, parts[1], NULL);
  if (!g_file_get_contents (file, &contents, &length, NULL))
    {
      soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  /* Labels are always served well: broken models must take their
   * already verified labels with them. */
  if (!g_str_has_suffix (parts[1], ".tflite")
      && (strcmp (parts[0], "corrupt") == 0 || strcmp (parts[0], "short") == 0))
    {
      g_free (parts[0]);
      parts[0] = g_strdup ("good");
    }
  if (strcmp (parts[0], "short") == 0)
    {
      serve_short (message, contents, length);
      g_free (contents);
      return;
    }
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  if (strcmp (parts[0], "good") == 0)
    soup_server_message_set_response (message, "application/octet-stream",
                                      SOUP_MEMORY_TAKE, contents, length);
  else if (strcmp (parts[0], "corrupt") == 0)
    {
      contents[length / 2] ^= 0x01;
      soup_server_message_set_response (message, "application/octet-stream",
                                        SOUP_MEMORY_TAKE, contents, length);
    }
  else if (strcmp (parts[0], "long") == 0)
    {
      SoupMessageBody *body = soup_server_message_get_response_body (message);

      soup_message_headers_set_encoding (soup_server_message_get_response_headers (message),
                                         SOUP_ENCODING_CHUNKED);
      soup_message_body_append (body, SOUP_MEMORY_TAKE, contents, length);
      soup_message_body_append (body, SOUP_MEMORY_COPY, "trailing bytes", 14);
      soup_message_body_complete (body);
    }
  else
    {
      g_free (contents);
      soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
    }
}

static gpointer
server_main (gpointer data)
{
  Server *s = data;

  g_main_context_push_thread_default (s->context);
  g_main_loop_run (s->loop);
  g_main_context_pop_thread_default (s->context);
  return NULL;
}

static void
server_start (Server *s)
{
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  GError *error = NULL;
  GSList *uris;

  s->context = g_main_context_new ();
  s->loop = g_main_loop_new (s->context, FALSE);
  /* The server's sources belong to the context that is the thread
   * default when it listens. */
  g_main_context_push_thread_default (s->context);
  s->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (s->server, NULL, handle, NULL, NULL);
  g_assert_true (soup_server_listen (s->server, address, 0, &error));
  g_assert_no_error (error);
  g_main_context_pop_thread_default (s->context);
  uris = soup_server_get_uris (s->server);
  g_assert_nonnull (uris);
  s->port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  s->thread = g_thread_new ("server", server_main, s);
}

static gboolean
quit_server (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
server_stop (Server *s)
{
  g_main_context_invoke (s->context, quit_server, s->loop);
  g_thread_join (s->thread);
  g_main_context_push_thread_default (s->context);
  soup_server_disconnect (s->server);
  g_object_unref (s->server);
  g_main_context_pop_thread_default (s->context);
  while (g_main_context_iteration (s->context, FALSE))
    ;
  g_main_loop_unref (s->loop);
  g_main_context_unref (s->context);
}

static char *
base_url (const char *mode)
{
  return g_strdup_printf ("http://127.0.0.1:%u/%s", test_server.port, mode);
}

/* ---- Helpers ---- */

static GPtrArray *
load_catalogue (void)
{
  g_autofree char *path = cs_catalogue_path (NULL);
  GError *error = NULL;
  GPtrArray *catalogue = cs_catalogue_load (path, &error);

  g_assert_no_error (error);
  return catalogue;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* The names in the user's models directory, hidden ones too, sorted and
 * joined with spaces ("" when empty or missing). */
static char *
user_files (void)
{
  g_autofree char *dir = cs_models_user_dir ();
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GDir *listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  if (listing != NULL)
    g_dir_close (listing);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
assert_same_bytes (const char *path, const char *shared_name)
{
  g_autofree char *expected_path = g_build_filename (shared_models, shared_name, NULL);
  g_autofree char *got = NULL, *expected = NULL;
  gsize got_length, expected_length;

  g_assert_true (g_file_get_contents (path, &got, &got_length, NULL));
  g_assert_true (g_file_get_contents (expected_path, &expected, &expected_length, NULL));
  g_assert_cmpmem (got, got_length, expected, expected_length);
}

typedef struct
{
  gint64        done, total;
  int           calls;
  GCancellable *cancel;  /* cancelled at the first call when set */
} Progress;

static void
record_progress (const char *file_name, gint64 done, gint64 total, gpointer user_data)
{
  Progress *p = user_data;

  g_assert_cmpint (done, >, p->done);
  g_assert_cmpint (done, <=, total);
  p->done = done;
  p->total = total;
  p->calls++;
  if (p->cancel != NULL)
    g_cancellable_cancel (p->cancel);
}

/* Fetches ENTRY_NAME from @mode's URLs; returns the path or NULL. */
static char *
fetch_from (const char *mode, Progress *progress, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) catalogue = load_catalogue ();
  g_autofree char *base = mode != NULL ? base_url (mode) : NULL;
  CsFetchOptions options = { base, NULL, record_progress, progress };

  return cs_fetch (cs_catalogue_find (catalogue, ENTRY_NAME), &options, cancellable, error);
}

/* A failed fetch: one line naming the entry and saying @says, nothing
 * left in the user's directory but what was there before (@before). */
static void
assert_fails (const char *mode, const char *says, const char *before)
{
  Progress progress = { 0 };
  GError *error = NULL;
  char *path = fetch_from (mode, &progress, NULL, &error);
  g_autofree char *after = NULL;

  g_assert_null (path);
  g_assert_error (error, CS_ERROR, CS_ERROR_IO);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "fetch " ENTRY_NAME ": "));
  g_assert_nonnull (strstr (error->message, says));
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);
  after = user_files ();
  g_assert_cmpstr (after, ==, before);
}

static gboolean
skip_without_shared (void)
{
  if (shared_models == NULL)
    {
      g_test_skip ("../shared/models is absent: nothing to serve");
      return TRUE;
    }
  return FALSE;
}

/* ---- Tests ---- */

static void
test_good (void)
{
  Progress progress = { 0 };
  GError *error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *files = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *card_path = NULL;
  g_autoptr (GPtrArray) models = NULL;
  g_autoptr (CsModelEntry) chosen = NULL;
  g_autoptr (CsModel) model = NULL;
  g_autoptr (CsCard) card = NULL;
  g_autoptr (CsLabels) names = NULL;
  const CsModelEntry *downloaded;

  if (skip_without_shared ())
    return;
  path = fetch_from ("good", &progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (path);
  files = user_files ();
  g_assert_cmpstr (files, ==, "imagenet_labels.txt mobilenet_v1_0.25_128_quant.tflite "
                   "mobilenet_v1_0.25_128_quant.tflite.ini");
  assert_same_bytes (path, "mobilenet_v1_0.25_128_quant.tflite");
  dir = g_path_get_dirname (path);
  labels = g_build_filename (dir, "imagenet_labels.txt", NULL);
  assert_same_bytes (labels, "imagenet_labels.txt");
  g_assert_cmpint (progress.done, ==, progress.total);
  g_assert_cmpint (progress.total, ==, 525598 + 21686);
  g_assert_cmpint (progress.calls, >, 1);

  /* The card written beside it fits the model and names the labels. */
  model = cs_model_load_file (path, NULL, &error);
  g_assert_no_error (error);
  card_path = cs_card_path_for (path);
  card = cs_card_load (model, path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (card->path, ==, card_path);
  g_assert_cmpint (card->normalize, ==, CS_NORMALIZE_QUANTIZATION);
  g_assert_cmpstr (card->labels_path, ==, labels);
  names = cs_labels_for_card (card, model, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cs_labels_lookup (names, 286), ==, "Egyptian cat");

  /* Listed with its card, and the default over the bundled model. */
  models = cs_models_list (NULL, &error);
  g_assert_no_error (error);
  downloaded = models->pdata[models->len - 1];
  g_assert_cmpstr (downloaded->path, ==, path);
  g_assert_cmpint (downloaded->origin, ==, CS_MODEL_ORIGIN_DOWNLOADED);
  g_assert_cmpstr (downloaded->name, ==, "MobileNet v1 0.25 128 (ImageNet, quantized)");
  g_assert_cmpint (downloaded->n_classes, ==, 1001);
  g_assert_cmpstr (downloaded->licence, ==, "Apache-2.0");
  chosen = cs_models_default (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (chosen->path, ==, path);

  /* A broken fetch later leaves the installed files as they were. */
  assert_fails ("corrupt", "SHA-256", files);
  assert_same_bytes (path, "mobilenet_v1_0.25_128_quant.tflite");
}

static void
test_checksum_mismatch (void)
{
  if (skip_without_shared ())
    return;
  assert_fails ("corrupt", "mobilenet_v1_0.25_128_quant.tflite has SHA-256 ", "");
}

static void
test_stops_mid_file (void)
{
  if (skip_without_shared ())
    return;
  assert_fails ("short", "of 525598 bytes", "");
}

static void
test_too_long (void)
{
  if (skip_without_shared ())
    return;
  assert_fails ("long", "sends more than the catalogue's 21686 bytes", "");
}

static void
test_not_found (void)
{
  if (skip_without_shared ())
    return;
  assert_fails ("nowhere", "HTTP 404 Not Found", "");
}

static void
test_offline (void)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GPtrArray) catalogue = load_catalogue ();
  g_autofree char *base = NULL;
  CsFetchOptions options = { 0 };
  GError *error = NULL;
  char *path;

  /* A port held by a socket that never listens: connecting is refused,
   * and nobody else can take the port meanwhile. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  base = g_strdup_printf ("http://127.0.0.1:%u/good",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  options.base_url = base;
  path = cs_fetch (cs_catalogue_find (catalogue, ENTRY_NAME), &options, NULL, &error);
  g_socket_close (socket, NULL);
  g_assert_null (path);
  g_assert_error (error, CS_ERROR, CS_ERROR_IO);
  g_assert_cmpstr (error->message, ==,
                   "fetch " ENTRY_NAME ": could not connect to 127.0.0.1: Connection refused");
  g_clear_error (&error);
  {
    g_autofree char *files = user_files ();

    g_assert_cmpstr (files, ==, "");
  }
}

static void
test_cancel (void)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Progress progress = { .cancel = cancellable };
  GError *error = NULL;
  g_autofree char *files = NULL;
  char *path;

  if (skip_without_shared ())
    return;
  path = fetch_from ("good", &progress, cancellable, &error);
  g_assert_null (path);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_str_has_prefix (error->message, "fetch " ENTRY_NAME ": "));
  g_clear_error (&error);
  g_assert_cmpint (progress.calls, ==, 1);
  files = user_files ();
  g_assert_cmpstr (files, ==, "");
}

/* The environment's base URL, through the command-line tool. */
static void
test_command (void)
{
  g_autofree char *good = NULL, *missing = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_auto (GStrv) env = NULL;
  const char *argv[] = { g_getenv ("CONVSCOPE_EXE"), "fetch", ENTRY_NAME, NULL };
  GError *error = NULL;
  int status;

  if (skip_without_shared ())
    return;
  good = base_url ("good");
  missing = base_url ("missing");
  env = g_environ_setenv (g_get_environ (), "CONVSCOPE_CATALOGUE_BASE_URL", missing, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "convscope: fetch " ENTRY_NAME ": "));
  g_assert_true (g_str_has_suffix (err, "HTTP 404 Not Found\n"));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  env = g_environ_setenv (env, "CONVSCOPE_CATALOGUE_BASE_URL", good, TRUE);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (g_str_has_prefix (out, ENTRY_NAME ": "));
  g_assert_nonnull (strstr (out, "mobilenet_v1_0.25_128_quant.tflite (SHA-256 "
                            "cb273c23ee76374b05b9583177e28aa19744858a7679c56a250e83d0333da785"
                            " verified)\n"));
}

int
main (int argc, char **argv)
{
  const char *shared = g_getenv ("CONVSCOPE_SHARED");
  g_autofree char *models = shared != NULL ? g_build_filename (shared, "models", NULL) : NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  test_dirs_init ();
  if (models != NULL && g_file_test (models, G_FILE_TEST_IS_DIR))
    shared_models = models;
  server_start (&test_server);
  test_dirs_add_func ("/fetch/good", test_good);
  test_dirs_add_func ("/fetch/checksum-mismatch", test_checksum_mismatch);
  test_dirs_add_func ("/fetch/stops-mid-file", test_stops_mid_file);
  test_dirs_add_func ("/fetch/too-long", test_too_long);
  test_dirs_add_func ("/fetch/not-found", test_not_found);
  test_dirs_add_func ("/fetch/offline", test_offline);
  test_dirs_add_func ("/fetch/cancel", test_cancel);
  test_dirs_add_func ("/fetch/command", test_command);
  status = g_test_run ();
  server_stop (&test_server);
  test_dirs_cleanup ();
  return status;
}
