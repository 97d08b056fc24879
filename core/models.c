/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * models.c — the models on this machine and the catalogue of models to
 * fetch: the bundled ones, the user's downloads in
 * $XDG_DATA_HOME/convscope/models, which one to use when none is named,
 * when the one-time note for users who only have the bundled one is
 * due (the front ends word it), and the parsing of catalogue.ini.
 * Cards are peeked at, never models loaded, so listing stays cheap.
 * docs/models.md describes it all for users.
 */
#include "cs-models.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#ifndef CONVSCOPE_BUNDLED_DIR
#error "the build defines CONVSCOPE_BUNDLED_DIR, where the bundled models are installed"
#endif

/* A "general photo classifier" names at least this many classes. */
#define GENERAL_CLASSES 1000
/* A catalogue lists a few models; anything much larger is not one. */
#define MAX_CATALOGUE_BYTES (1 << 20)
/* No model Convscope runs comes near this; it keeps sizes sane. */
#define MAX_DOWNLOAD_BYTES ((gint64) 1 << 32)

#define CONFIG_FILE_NAME "convscope.ini"

static const char *const task_names[] = { "classification", "segmentation", "other", NULL };

/* ---- Entries ---- */

void
cs_model_entry_free (CsModelEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->path);
  g_free (entry->name);
  g_free (entry->licence);
  g_free (entry->accuracy);
  g_free (entry->source);
  g_free (entry);
}

static CsModelEntry *
entry_copy (const CsModelEntry *entry)
{
  CsModelEntry *copy = g_memdup2 (entry, sizeof *entry);

  copy->path = g_strdup (entry->path);
  copy->name = g_strdup (entry->name);
  copy->licence = g_strdup (entry->licence);
  copy->accuracy = g_strdup (entry->accuracy);
  copy->source = g_strdup (entry->source);
  return copy;
}

static gboolean
is_model_file_name (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  return name[0] != '.'
         && (g_str_has_suffix (lower, ".onnx") || g_str_has_suffix (lower, ".tflite"));
}

/* Classes its labels file names: the card's, else labels.txt beside the
 * model; 0 when there is none or it cannot be read (listing a model
 * does not fail over its labels). */
static int
count_classes (const CsCard *card, const char *model_path)
{
  g_autofree char *dir = g_path_get_dirname (model_path);
  g_autofree char *beside = g_build_filename (dir, "labels.txt", NULL);
  const char *path = card->labels_path != NULL ? card->labels_path : beside;
  CsLabels *labels;
  gint64 count;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return 0;
  labels = cs_labels_load (path, card->label_offset, NULL);
  if (labels == NULL)
    return 0;
  count = (gint64) cs_labels_count (labels) - card->label_offset;
  cs_labels_free (labels);
  return count > 0 && count <= G_MAXINT ? (int) count : 0;
}

static CsModelEntry *
entry_new (const char *path, CsModelOrigin origin, GError **error)
{
  g_autoptr (CsCard) card = cs_card_peek (path, error);
  g_autofree char *lower = g_ascii_strdown (path, -1);
  CsModelEntry *entry;

  if (card == NULL)
    return NULL;
  entry = g_new0 (CsModelEntry, 1);
  entry->path = g_strdup (path);
  entry->name = g_strdup (card->name);
  entry->origin = origin;
  entry->format = g_str_has_suffix (lower, ".tflite") ? CS_FORMAT_TFLITE : CS_FORMAT_ONNX;
  entry->task = card->task;
  entry->n_classes = count_classes (card, path);
  entry->licence = g_strdup (card->licence);
  entry->accuracy = g_strdup (card->accuracy);
  entry->source = g_strdup (card->source_url);
  return entry;
}

static int
compare_file_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* Appends the models in @dir, by file name.  With @skip_broken a model
 * whose card cannot be read is left out; otherwise it fails the call. */
static gboolean
add_models_in (GPtrArray *entries, const char *dir, CsModelOrigin origin,
               gboolean skip_broken, GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GError *local = NULL;
  GDir *listing;
  const char *name;

  listing = g_dir_open (dir, 0, &local);
  if (listing == NULL)
    {
      gboolean missing = g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT);

      if (!missing)
        g_set_error (error, CS_ERROR, CS_ERROR_IO, "%s: cannot list the models: %s",
                     dir, local->message);
      g_error_free (local);
      return missing;
    }
  while ((name = g_dir_read_name (listing)) != NULL)
    if (is_model_file_name (name))
      g_ptr_array_add (names, g_strdup (name));
  g_dir_close (listing);
  g_ptr_array_sort (names, compare_file_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);
      CsModelEntry *entry;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      entry = entry_new (path, origin, skip_broken ? NULL : error);
      if (entry != NULL)
        g_ptr_array_add (entries, entry);
      else if (!skip_broken)
        return FALSE;
    }
  return TRUE;
}

char *
cs_models_user_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "convscope", "models", NULL);
}

char *
cs_models_bundled_dir (void)
{
  const char *dir = g_getenv ("CONVSCOPE_WEIGHTS_DIR");

  return g_strdup (dir != NULL && dir[0] != '\0' ? dir : CONVSCOPE_BUNDLED_DIR);
}

static GPtrArray *
collect_models (const char *bundled_dir, gboolean skip_broken, GError **error)
{
  g_autoptr (GPtrArray) entries =
    g_ptr_array_new_with_free_func ((GDestroyNotify) cs_model_entry_free);
  g_autofree char *bundled = bundled_dir != NULL ? g_strdup (bundled_dir)
                                                 : cs_models_bundled_dir ();
  g_autofree char *user = cs_models_user_dir ();

  if (!add_models_in (entries, bundled, CS_MODEL_ORIGIN_BUNDLED, skip_broken, error)
      || !add_models_in (entries, user, CS_MODEL_ORIGIN_DOWNLOADED, skip_broken, error))
    return NULL;
  return g_steal_pointer (&entries);
}

GPtrArray *
cs_models_list (const char *bundled_dir,
                GError    **error)
{
  return collect_models (bundled_dir, FALSE, error);
}

/* ---- The user's settings ---- */

static char *
config_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "convscope", CONFIG_FILE_NAME, NULL);
}

/* The settings file, empty when it is missing or unreadable: settings
 * only refine choices, so a broken file must not stop anything. */
static GKeyFile *
config_load (void)
{
  g_autofree char *path = config_path ();
  GKeyFile *config = g_key_file_new ();
  GStatBuf st;

  if (g_stat (path, &st) == 0 && S_ISREG (st.st_mode) && st.st_size <= MAX_CATALOGUE_BYTES)
    g_key_file_load_from_file (config, path, G_KEY_FILE_KEEP_COMMENTS, NULL);
  return config;
}

/* Saves @config atomically (g_file_set_contents writes a temporary file
 * and renames it). */
static gboolean
config_save (GKeyFile *config, GError **error)
{
  g_autofree char *path = config_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  GError *local = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, CS_ERROR, CS_ERROR_IO, "%s: cannot create the directory: %s",
                   dir, g_strerror (saved));
      return FALSE;
    }
  if (!g_key_file_save_to_file (config, path, &local))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_IO, "%s", local->message);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

gboolean
cs_models_set_default (const char *path,
                       GError    **error)
{
  g_autoptr (GKeyFile) config = config_load ();
  g_autofree char *absolute = NULL;

  if (path == NULL)
    {
      g_key_file_remove_key (config, "models", "default", NULL);
      return config_save (config, error);
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "%s: no such model file", path);
      return FALSE;
    }
  absolute = g_canonicalize_filename (path, NULL);
  g_key_file_set_string (config, "models", "default", absolute);
  return config_save (config, error);
}

/* ---- The model to use when none is named ---- */

/* The user's choice, when it still exists and its card can be read. */
static CsModelEntry *
chosen_entry (GPtrArray *entries)
{
  g_autoptr (GKeyFile) config = config_load ();
  g_autofree char *path = g_key_file_get_string (config, "models", "default", NULL);

  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  for (guint i = 0; i < entries->len; i++)
    {
      const CsModelEntry *entry = entries->pdata[i];
      g_autofree char *absolute = g_canonicalize_filename (entry->path, NULL);

      /* Listed: it keeps its origin. */
      if (strcmp (absolute, path) == 0)
        return entry_copy (entry);
    }
  return entry_new (path, CS_MODEL_ORIGIN_CHOSEN, NULL);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

/* The largest downloaded classifier with at least @min_classes classes:
 * among models of one family the larger file is usually the more
 * accurate one. */
static const CsModelEntry *
best_download (GPtrArray *entries, int min_classes)
{
  const CsModelEntry *best = NULL;
  gint64 best_size = -1;

  for (guint i = 0; i < entries->len; i++)
    {
      const CsModelEntry *entry = entries->pdata[i];
      gint64 size;

      if (entry->origin != CS_MODEL_ORIGIN_DOWNLOADED || entry->task != CS_TASK_CLASSIFICATION
          || entry->n_classes < min_classes)
        continue;
      size = file_size (entry->path);
      if (size > best_size)
        {
          best = entry;
          best_size = size;
        }
    }
  return best;
}

CsModelEntry *
cs_models_default (const char *bundled_dir,
                   GError    **error)
{
  g_autoptr (GPtrArray) entries = collect_models (bundled_dir, TRUE, error);
  const CsModelEntry *found;
  CsModelEntry *chosen;

  if (entries == NULL)
    return NULL;
  chosen = chosen_entry (entries);
  if (chosen != NULL)
    return chosen;
  found = best_download (entries, GENERAL_CLASSES);
  if (found == NULL)
    found = best_download (entries, 0);
  if (found == NULL && entries->len > 0
      && ((const CsModelEntry *) entries->pdata[0])->origin == CS_MODEL_ORIGIN_BUNDLED)
    found = entries->pdata[0];
  if (found == NULL)
    {
      g_autofree char *bundled = bundled_dir != NULL ? g_strdup (bundled_dir)
                                                     : cs_models_bundled_dir ();
      g_autofree char *user = cs_models_user_dir ();

      g_set_error (error, CS_ERROR, CS_ERROR_IO,
                   "no model found in %s or %s", bundled, user);
      return NULL;
    }
  return entry_copy (found);
}

gboolean
cs_models_bundled_note_due (const CsModelEntry *chosen)
{
  g_autoptr (GKeyFile) config = NULL;
  g_autoptr (GPtrArray) entries = NULL;

  if (chosen == NULL || chosen->origin != CS_MODEL_ORIGIN_BUNDLED)
    return FALSE;
  entries = collect_models (NULL, TRUE, NULL);
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    if (((const CsModelEntry *) entries->pdata[i])->origin != CS_MODEL_ORIGIN_BUNDLED)
      return FALSE;
  config = config_load ();
  if (g_key_file_get_boolean (config, "notes", "bundled-only", NULL))
    return FALSE;
  g_key_file_set_boolean (config, "notes", "bundled-only", TRUE);
  /* Better said twice than never: a settings file that cannot be written
   * does not keep the note back. */
  config_save (config, NULL);
  return TRUE;
}

/* ---- The catalogue ---- */

void
cs_catalogue_entry_free (CsCatalogueEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  g_free (entry->title);
  g_free (entry->url);
  g_free (entry->file_name);
  g_free (entry->sha256);
  g_free (entry->labels_url);
  g_free (entry->labels_file_name);
  g_free (entry->labels_sha256);
  g_free (entry->licence);
  g_free (entry->source);
  g_free (entry->accuracy);
  g_free (entry->card);
  g_free (entry);
}

char *
cs_catalogue_path (const char *bundled_dir)
{
  g_autofree char *dir = bundled_dir != NULL ? g_strdup (bundled_dir)
                                             : cs_models_bundled_dir ();

  return g_build_filename (dir, "catalogue.ini", NULL);
}

const CsCatalogueEntry *
cs_catalogue_find (GPtrArray  *catalogue,
                   const char *name)
{
  for (guint i = 0; i < catalogue->len; i++)
    {
      const CsCatalogueEntry *entry = catalogue->pdata[i];

      if (strcmp (entry->name, name) == 0)
        return entry;
    }
  return NULL;
}

static const char *const catalogue_keys[] = {
  "title", "task", "format", "input-size", "url", "sha256", "size",
  "labels-url", "labels-sha256", "labels-size", "labels-offset",
  "licence", "source", "accuracy", "output", "resize", "normalization", NULL
};

typedef struct
{
  const char *path;
  GKeyFile   *file;
  const char *group;
} CatalogueReader;

static gboolean
catalogue_error (GError **error, const CatalogueReader *r, const char *key,
                 const char *format, ...) G_GNUC_PRINTF (4, 5);

/* "CATALOGUE: [entry] key: MESSAGE", CS_ERROR_FORMAT. */
static gboolean
catalogue_error (GError **error, const CatalogueReader *r, const char *key,
                 const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CS_ERROR, CS_ERROR_FORMAT, "%s: [%s] %s: %s",
               r->path, r->group, key, message);
  return FALSE;
}

/* The stripped value of @key; NULL without error when @optional and
 * absent. */
static char *
catalogue_text (const CatalogueReader *r, const char *key, gboolean optional, GError **error)
{
  char *text;

  if (!g_key_file_has_key (r->file, r->group, key, NULL))
    {
      if (!optional)
        catalogue_error (error, r, key, "missing");
      return NULL;
    }
  text = g_key_file_get_string (r->file, r->group, key, NULL);
  if (text == NULL || g_strstrip (text)[0] == '\0')
    {
      catalogue_error (error, r, key, "empty or not UTF-8");
      g_free (text);
      return NULL;
    }
  /* The card is written from these values: a line break would add keys. */
  if (strpbrk (text, "\r\n") != NULL)
    {
      catalogue_error (error, r, key, "spans several lines");
      g_free (text);
      return NULL;
    }
  return text;
}

static gboolean
catalogue_integer (const CatalogueReader *r, const char *key, gint64 min, gint64 max,
                   gint64 *value, GError **error)
{
  g_autofree char *text = catalogue_text (r, key, FALSE, error);

  if (text == NULL)
    return FALSE;
  if (!g_ascii_string_to_signed (text, 10, min, max, value, NULL))
    return catalogue_error (error, r, key, "expected a whole number in [%" G_GINT64_FORMAT
                            ", %" G_GINT64_FORMAT "], not '%s'", min, max, text);
  return TRUE;
}

static gboolean
is_sha256 (const char *text)
{
  if (strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

/* The last part of an http(s) URL, when it can be a plain file name. */
static char *
url_file_name (const char *url)
{
  const char *slash = strrchr (url, '/');
  const char *name = slash != NULL ? slash + 1 : NULL;

  if (!(g_str_has_prefix (url, "https://") || g_str_has_prefix (url, "http://"))
      || name == NULL || name[0] == '\0' || name[0] == '.'
      || strpbrk (name, "?#%\\") != NULL)
    return NULL;
  return g_strdup (name);
}

/* A downloadable file: URL, the file name it gives, SHA-256 and size. */
static gboolean
read_file_keys (const CatalogueReader *r, const char *prefix, char **url, char **file_name,
                char **sha256, gint64 *size, GError **error)
{
  g_autofree char *url_key = g_strconcat (prefix, "url", NULL);
  g_autofree char *sha_key = g_strconcat (prefix, "sha256", NULL);
  g_autofree char *size_key = g_strconcat (prefix, "size", NULL);

  *url = catalogue_text (r, url_key, FALSE, error);
  if (*url == NULL)
    return FALSE;
  *file_name = url_file_name (*url);
  if (*file_name == NULL)
    return catalogue_error (error, r, url_key,
                            "expected an http(s) URL ending in a file name, not '%s'", *url);
  *sha256 = catalogue_text (r, sha_key, FALSE, error);
  if (*sha256 == NULL)
    return FALSE;
  if (!is_sha256 (*sha256))
    return catalogue_error (error, r, sha_key, "expected 64 lowercase hex digits, not '%s'",
                            *sha256);
  return catalogue_integer (r, size_key, 1, MAX_DOWNLOAD_BYTES, size, error);
}

/* "224x224"; only the form, the model is not at hand. */
static gboolean
parse_input_size (const CatalogueReader *r, const char *text, int *width, int *height,
                  GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, "x", -1);
  gint64 w, h;

  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_signed (parts[0], 10, 1, 16384, &w, NULL)
      || !g_ascii_string_to_signed (parts[1], 10, 1, 16384, &h, NULL))
    return catalogue_error (error, r, "input-size", "expected WIDTHxHEIGHT, not '%s'", text);
  *width = (int) w;
  *height = (int) h;
  return TRUE;
}

/* The card written beside the download, from the entry's values; the
 * fetch checks it against the model before installing either. */
static char *
card_text (const CsCatalogueEntry *entry, const char *output, const char *resize,
           const char *normalization)
{
  GString *card = g_string_new (NULL);

  g_string_append_printf (card, "# Written from the entry '%s' of Convscope's catalogue.\n"
                          "[model]\nname = %s\ntask = %s\n", entry->name, entry->title,
                          task_names[entry->task]);
  if (output != NULL)
    g_string_append_printf (card, "output = %s\n", output);
  g_string_append_printf (card, "source = %s (%s)\nlicence = %s\n", entry->url,
                          entry->source, entry->licence);
  if (entry->accuracy != NULL)
    g_string_append_printf (card, "accuracy = %s\n", entry->accuracy);
  g_string_append_printf (card, "\n[input]\nsize = %dx%d\n", entry->width, entry->height);
  if (resize != NULL)
    g_string_append_printf (card, "resize = %s\n", resize);
  if (normalization != NULL)
    g_string_append_printf (card, "normalization = %s\n", normalization);
  if (entry->labels_file_name != NULL)
    g_string_append_printf (card, "\n[labels]\nfile = %s\noffset = %d\n",
                            entry->labels_file_name, entry->label_offset);
  return g_string_free (card, FALSE);
}

static CsCatalogueEntry *
read_catalogue_entry (const CatalogueReader *r, GError **error)
{
  g_autoptr (CsCatalogueEntry) entry = g_new0 (CsCatalogueEntry, 1);
  g_auto (GStrv) keys = g_key_file_get_keys (r->file, r->group, NULL, NULL);
  g_autofree char *task = NULL, *format = NULL, *size = NULL;
  g_autofree char *output = NULL, *resize = NULL, *normalization = NULL;
  gint64 offset = 0;
  int task_index;
  GError *local = NULL;

  for (size_t k = 0; keys != NULL && keys[k] != NULL; k++)
    if (!g_strv_contains (catalogue_keys, keys[k]))
      {
        catalogue_error (error, r, keys[k], "unknown key");
        return NULL;
      }
  for (const char *p = r->group; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_')
      {
        g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                     "%s: [%s]: a name is letters, digits, '-', '.' and '_'", r->path, r->group);
        return NULL;
      }
  entry->name = g_strdup (r->group);
  if ((entry->title = catalogue_text (r, "title", FALSE, error)) == NULL
      || (task = catalogue_text (r, "task", FALSE, error)) == NULL
      || (format = catalogue_text (r, "format", FALSE, error)) == NULL
      || (size = catalogue_text (r, "input-size", FALSE, error)) == NULL
      || (entry->licence = catalogue_text (r, "licence", FALSE, error)) == NULL
      || (entry->source = catalogue_text (r, "source", FALSE, error)) == NULL)
    return NULL;
  entry->accuracy = catalogue_text (r, "accuracy", TRUE, &local);
  output = local == NULL ? catalogue_text (r, "output", TRUE, &local) : NULL;
  resize = local == NULL ? catalogue_text (r, "resize", TRUE, &local) : NULL;
  normalization = local == NULL ? catalogue_text (r, "normalization", TRUE, &local) : NULL;
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }

  for (task_index = 0; task_names[task_index] != NULL; task_index++)
    if (strcmp (task, task_names[task_index]) == 0)
      break;
  entry->task = task_index;
  if (task_names[task_index] == NULL)
    {
      catalogue_error (error, r, "task", "expected classification, segmentation or other, "
                       "not '%s'", task);
      return NULL;
    }
  if (strcmp (format, "onnx") != 0 && strcmp (format, "tflite") != 0)
    {
      catalogue_error (error, r, "format", "expected onnx or tflite, not '%s'", format);
      return NULL;
    }
  entry->format = strcmp (format, "tflite") == 0 ? CS_FORMAT_TFLITE : CS_FORMAT_ONNX;
  if (!parse_input_size (r, size, &entry->width, &entry->height, error)
      || !read_file_keys (r, "", &entry->url, &entry->file_name, &entry->sha256,
                          &entry->size, error))
    return NULL;
  if (!g_str_has_suffix (entry->file_name, entry->format == CS_FORMAT_TFLITE ? ".tflite" : ".onnx"))
    {
      catalogue_error (error, r, "url", "the file name '%s' does not end in .%s",
                       entry->file_name, format);
      return NULL;
    }
  if (g_key_file_has_key (r->file, r->group, "labels-url", NULL))
    {
      if (!read_file_keys (r, "labels-", &entry->labels_url, &entry->labels_file_name,
                           &entry->labels_sha256, &entry->labels_size, error)
          || (g_key_file_has_key (r->file, r->group, "labels-offset", NULL)
              && !catalogue_integer (r, "labels-offset", -1000000, 1000000, &offset, error)))
        return NULL;
      if (is_model_file_name (entry->labels_file_name)
          || g_str_has_suffix (entry->labels_file_name, ".ini"))
        {
          catalogue_error (error, r, "labels-url", "'%s' would be taken for a model or a card",
                           entry->labels_file_name);
          return NULL;
        }
      entry->label_offset = (int) offset;
    }
  entry->card = card_text (entry, output, resize, normalization);
  return g_steal_pointer (&entry);
}

GPtrArray *
cs_catalogue_load (const char *path,
                   GError    **error)
{
  g_autoptr (GPtrArray) entries =
    g_ptr_array_new_with_free_func ((GDestroyNotify) cs_catalogue_entry_free);
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autofree char *contents = NULL;
  g_auto (GStrv) groups = NULL;
  gsize length;
  GError *local = NULL;
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, CS_ERROR, CS_ERROR_IO, "%s: cannot read the catalogue: %s",
                   path, g_strerror (saved));
      return NULL;
    }
  if (!S_ISREG (st.st_mode) || st.st_size > MAX_CATALOGUE_BYTES)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   "%s: not a catalogue (a text file of at most %d bytes)", path,
                   MAX_CATALOGUE_BYTES);
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &length, &local)
      || !g_key_file_load_from_data (file, contents, length, G_KEY_FILE_NONE, &local))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT, "%s: not a catalogue: %s",
                   path, local->message);
      g_error_free (local);
      return NULL;
    }
  groups = g_key_file_get_groups (file, NULL);
  for (size_t g = 0; groups[g] != NULL; g++)
    {
      CatalogueReader r = { path, file, groups[g] };
      CsCatalogueEntry *entry = read_catalogue_entry (&r, error);

      if (entry == NULL)
        return NULL;
      g_ptr_array_add (entries, entry);
    }
  return g_steal_pointer (&entries);
}
