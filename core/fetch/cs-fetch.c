/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-fetch.c — downloads of catalogue models with libsoup 3; see
 * cs-fetch.h for the guarantees.  Each file streams into a hidden
 * temporary file in the models directory (so that the final rename
 * stays on one file system) through a running SHA-256 and a size cap
 * taken from the catalogue, so a hostile or broken server can neither
 * fill the disk nor slip in other bytes.
 */
#include "cs-fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_BYTES (64 * 1024)
/* Seconds without progress before a stalled server counts as gone. */
#define IO_TIMEOUT 60

/* One file of the entry on its way into the models directory. */
typedef struct
{
  const char *file_name;
  const char *sha256;     /* NULL for the card, written here */
  gint64      size;
  char       *url;
  char       *temp_path;  /* NULL until created; unlinked unless installed */
  char       *final_path;
} Part;

typedef struct
{
  const CsCatalogueEntry *entry;
  const CsFetchOptions   *options;
  GCancellable           *cancellable;
  SoupSession            *session;
  gint64                  done, total;
} Fetch;

static gboolean
fetch_error (GError **error, const Fetch *f, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* "fetch NAME: MESSAGE", CS_ERROR_IO. */
static gboolean
fetch_error (GError **error, const Fetch *f, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CS_ERROR, CS_ERROR_IO, "fetch %s: %s", f->entry->name, message);
  return FALSE;
}

/* Keeps the domain and code of @local (G_IO_ERROR_CANCELLED must stay
 * recognizable) and says which fetch it was. */
static gboolean
fetch_propagate (GError **error, const Fetch *f, GError *local)
{
  g_propagate_prefixed_error (error, local, "fetch %s: ", f->entry->name);
  return FALSE;
}

static char *
part_url (const Fetch *f, const char *catalogue_url, const char *file_name)
{
  const char *base = f->options != NULL ? f->options->base_url : NULL;
  g_autofree char *trimmed = NULL;

  if (base == NULL)
    base = g_getenv ("CONVSCOPE_CATALOGUE_BASE_URL");
  if (base == NULL || base[0] == '\0')
    return g_strdup (catalogue_url);
  trimmed = g_strdup (base);
  while (g_str_has_suffix (trimmed, "/"))
    trimmed[strlen (trimmed) - 1] = '\0';
  return g_strconcat (trimmed, "/", file_name, NULL);
}

static void
part_init (Part *part, const Fetch *f, const char *dir, const char *url,
           const char *file_name, const char *sha256, gint64 size)
{
  part->file_name = file_name;
  part->sha256 = sha256;
  part->size = size;
  part->url = url != NULL ? part_url (f, url, file_name) : NULL;
  part->final_path = g_build_filename (dir, file_name, NULL);
}

static void
part_clear (Part *part)
{
  if (part->temp_path != NULL)
    g_unlink (part->temp_path);
  g_free (part->temp_path);
  g_free (part->url);
  g_free (part->final_path);
}

/* A new hidden file beside the destination: models lists skip names
 * starting with a dot. */
static int
part_create (Part *part, const Fetch *f, const char *dir, GError **error)
{
  g_autofree char *template = g_strdup_printf (".%s.part-XXXXXX", part->file_name);
  int fd;

  part->temp_path = g_build_filename (dir, template, NULL);
  fd = g_mkstemp_full (part->temp_path, O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;

      g_clear_pointer (&part->temp_path, g_free);
      fetch_error (error, f, "cannot create a file in %s: %s", dir, g_strerror (saved));
    }
  return fd;
}

static gboolean
write_all (int fd, const void *data, gsize length, const Part *part, const Fetch *f,
           GError **error)
{
  const char *p = data;

  while (length > 0)
    {
      ssize_t n = write (fd, p, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          return fetch_error (error, f, "cannot write %s: %s", part->temp_path,
                              g_strerror (saved));
        }
      p += n;
      length -= (gsize) n;
    }
  return TRUE;
}

/* Durable before it is renamed into place; closes @fd either way. */
static gboolean
part_close (int fd, const Part *part, const Fetch *f, GError **error)
{
  gboolean synced = fsync (fd) == 0;
  int saved = errno;

  if (close (fd) != 0 && synced)
    {
      saved = errno;
      synced = FALSE;
    }
  if (!synced)
    return fetch_error (error, f, "cannot write %s: %s", part->temp_path, g_strerror (saved));
  return TRUE;
}

static gboolean
is_connection_error (const GError *error)
{
  return error->domain == G_RESOLVER_ERROR
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PROXY_FAILED);
}

/* GLib's and libsoup's messages often name the host already ("Could not
 * connect to HOST: Connection refused"): the part after it. */
static const char *
without_host (const char *message, const char *host)
{
  const char *at = strstr (message, host);

  if (at != NULL && g_str_has_prefix (at + strlen (host), ": "))
    return at + strlen (host) + 2;
  return message;
}

/* Requests @part->url and checks the answer before any body is read. */
static GInputStream *
open_part (Fetch *f, const Part *part, GError **error)
{
  g_autoptr (SoupMessage) message = soup_message_new (SOUP_METHOD_GET, part->url);
  GInputStream *body;
  GError *local = NULL;
  guint status;
  goffset announced;

  if (message == NULL)
    {
      fetch_error (error, f, "not a URL: %s", part->url);
      return NULL;
    }
  body = soup_session_send (f->session, message, f->cancellable, &local);
  if (body == NULL)
    {
      g_autoptr (GUri) uri = g_uri_parse (part->url, G_URI_FLAGS_NONE, NULL);
      const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;

      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fetch_propagate (error, f, local);
      else
        {
          if (is_connection_error (local) && host != NULL)
            fetch_error (error, f, "could not connect to %s: %s", host,
                         without_host (local->message, host));
          else
            fetch_error (error, f, "could not download %s: %s", part->url, local->message);
          g_error_free (local);
        }
      return NULL;
    }
  status = soup_message_get_status (message);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      const char *reason = soup_message_get_reason_phrase (message);

      fetch_error (error, f, "%s: HTTP %u %s", part->url, status,
                   reason != NULL && reason[0] != '\0' ? reason : soup_status_get_phrase (status));
      g_object_unref (body);
      return NULL;
    }
  announced = soup_message_headers_get_content_length (soup_message_get_response_headers (message));
  if (announced > part->size)
    {
      fetch_error (error, f, "%s: the server announces %" G_GINT64_FORMAT " bytes, more than "
                   "the catalogue's %" G_GINT64_FORMAT "; nothing was installed",
                   part->url, (gint64) announced, part->size);
      g_object_unref (body);
      return NULL;
    }
  return body;
}

/* Streams @part into @fd through the size cap and the checksum. */
static gboolean
download_part (Fetch *f, const Part *part, int fd, GError **error)
{
  g_autoptr (GInputStream) body = NULL;
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *chunk = g_malloc (CHUNK_BYTES);
  gint64 received = 0;
  const char *actual;

  body = open_part (f, part, error);
  if (body == NULL)
    return FALSE;
  for (;;)
    {
      GError *local = NULL;
      gssize n = g_input_stream_read (body, chunk, CHUNK_BYTES, f->cancellable, &local);

      if (n < 0 && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return fetch_propagate (error, f, local);
      if (n < 0)
        {
          fetch_error (error, f, "%s broke off after %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                       " bytes: %s; nothing was installed", part->url, received, part->size,
                       local->message);
          g_error_free (local);
          return FALSE;
        }
      if (n == 0)
        break;
      if (n > part->size - received)
        return fetch_error (error, f, "%s sends more than the catalogue's %" G_GINT64_FORMAT
                            " bytes; nothing was installed", part->url, part->size);
      g_checksum_update (checksum, chunk, (gsize) n);
      if (!write_all (fd, chunk, (gsize) n, part, f, error))
        return FALSE;
      received += n;
      f->done += n;
      if (f->options != NULL && f->options->progress != NULL)
        f->options->progress (part->file_name, f->done, f->total, f->options->user_data);
    }
  if (received < part->size)
    return fetch_error (error, f, "%s ended after %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                        " bytes; nothing was installed", part->url, received, part->size);
  actual = g_checksum_get_string (checksum);
  if (strcmp (actual, part->sha256) != 0)
    return fetch_error (error, f, "%s has SHA-256 %s, not the catalogue's %s; nothing was "
                        "installed", part->url, actual, part->sha256);
  return TRUE;
}

static gboolean
fetch_part (Fetch *f, Part *part, const char *dir, GError **error)
{
  int fd = part_create (part, f, dir, error);

  if (fd < 0)
    return FALSE;
  if (!download_part (f, part, fd, error))
    {
      close (fd);
      return FALSE;
    }
  return part_close (fd, part, f, error);
}

static gboolean
write_card (Fetch *f, Part *part, const char *dir, GError **error)
{
  int fd = part_create (part, f, dir, error);

  if (fd < 0)
    return FALSE;
  if (!write_all (fd, f->entry->card, strlen (f->entry->card), part, f, error))
    {
      close (fd);
      return FALSE;
    }
  return part_close (fd, part, f, error);
}

/* The downloaded model must load and agree with its card (input size,
 * channels, quantization), or it would fail later, in front of the
 * user, looking installed. */
static gboolean
check_model (const Fetch *f, const Part *model_part, const Part *card_part, GError **error)
{
  g_autoptr (CsModel) model = NULL;
  g_autoptr (CsCard) card = NULL;
  GError *local = NULL;

  model = cs_model_load_file (model_part->temp_path, NULL, &local);
  if (model != NULL)
    card = cs_card_load (model, model_part->final_path, card_part->temp_path, &local);
  if (card == NULL)
    {
      fetch_error (error, f, "the downloaded model is not usable: %s; nothing was installed",
                   local->message);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

static gboolean
install_part (const Fetch *f, Part *part, GError **error)
{
  if (g_rename (part->temp_path, part->final_path) != 0)
    {
      int saved = errno;

      return fetch_error (error, f, "cannot rename %s to %s: %s", part->temp_path,
                          part->final_path, g_strerror (saved));
    }
  g_clear_pointer (&part->temp_path, g_free);
  return TRUE;
}

/* The renames themselves are durable only once the directory is. */
static void
sync_directory (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

static gboolean
make_models_dir (const Fetch *f, const char *dir, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;

      return fetch_error (error, f, "cannot create %s: %s", dir, g_strerror (saved));
    }
  return TRUE;
}

char *
cs_fetch (const CsCatalogueEntry *entry,
          const CsFetchOptions   *options,
          GCancellable           *cancellable,
          GError                **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *card_name = NULL;
  g_autoptr (SoupSession) session = NULL;
  Part model = { 0 }, labels = { 0 }, card = { 0 };
  Fetch f = { entry, options, cancellable, NULL, 0, 0 };
  char *path = NULL;
  gboolean ok;

  g_return_val_if_fail (entry != NULL, NULL);
  dir = options != NULL && options->models_dir != NULL ? g_strdup (options->models_dir)
                                                       : cs_models_user_dir ();
  if (!make_models_dir (&f, dir, error))
    return NULL;
  /* One session per call: libsoup sessions belong to the thread that
   * made them, and each fetch may run in a thread of its own. */
  session = soup_session_new_with_options ("timeout", IO_TIMEOUT,
                                           "user-agent", "convscope ", NULL);
  f.session = session;
  f.total = entry->size + entry->labels_size;

  card_name = cs_card_path_for (entry->file_name);
  part_init (&model, &f, dir, entry->url, entry->file_name, entry->sha256, entry->size);
  part_init (&card, &f, dir, NULL, card_name, NULL, 0);
  if (entry->labels_url != NULL)
    part_init (&labels, &f, dir, entry->labels_url, entry->labels_file_name,
               entry->labels_sha256, entry->labels_size);

  /* The model is renamed last: until then nothing lists it. */
  ok = (entry->labels_url == NULL || fetch_part (&f, &labels, dir, error))
       && fetch_part (&f, &model, dir, error)
       && write_card (&f, &card, dir, error)
       && check_model (&f, &model, &card, error)
       && (entry->labels_url == NULL || install_part (&f, &labels, error))
       && install_part (&f, &card, error);
  if (ok && !install_part (&f, &model, error))
    {
      /* A card without its model must not stay either. */
      g_unlink (card.final_path);
      ok = FALSE;
    }
  if (ok)
    {
      sync_directory (dir);
      path = g_steal_pointer (&model.final_path);
    }
  part_clear (&labels);
  part_clear (&card);
  part_clear (&model);
  return path;
}
