/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * labels.c — class names: read from a text file (one per line), taken
 * from the model file's own metadata, or absent, in which case classes
 * are called "class N".  The offset maps class indices to lines, for
 * label files that start with a "background" class the model lacks (or
 * the other way round).
 */
#include "cs-card.h"

#include <errno.h>
#include <glib/gstdio.h>

/* The largest label sets (species lists) are a few megabytes. */
#define MAX_LABELS_BYTES (64 << 20)

struct _CsLabels
{
  char  **lines;   /* NULL-terminated, never NULL */
  size_t  n_lines;
  int     offset;
  char   *source;  /* or NULL */
};

CsLabels *
cs_labels_new (const char *const *lines, int offset, const char *source)
{
  CsLabels *labels = g_new0 (CsLabels, 1);

  labels->lines = lines != NULL ? g_strdupv ((char **) lines) : g_new0 (char *, 1);
  labels->n_lines = g_strv_length (labels->lines);
  labels->offset = offset;
  labels->source = g_strdup (source);
  return labels;
}

void
cs_labels_free (CsLabels *labels)
{
  if (labels == NULL)
    return;
  g_strfreev (labels->lines);
  g_free (labels->source);
  g_free (labels);
}

CsLabels *
cs_labels_load (const char *path, int offset, GError **error)
{
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  gsize length;
  GStatBuf st;
  GError *local = NULL;
  guint n;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, CS_ERROR, CS_ERROR_IO, "%s: cannot read the labels: %s",
                   path, g_strerror (saved));
      return NULL;
    }
  if (!S_ISREG (st.st_mode) || st.st_size > MAX_LABELS_BYTES)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   "%s: not a labels file (a text file of at most %d bytes)",
                   path, MAX_LABELS_BYTES);
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_IO, "%s", local->message);
      g_error_free (local);
      return NULL;
    }
  if (!g_utf8_validate (contents, length, NULL))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT, "%s: not UTF-8 text", path);
      return NULL;
    }
  /* A final newline does not start another label; CR LF files work too. */
  lines = g_strsplit (contents, "\n", -1);
  n = g_strv_length (lines);
  if (n > 0 && lines[n - 1][0] == '\0')
    {
      g_free (lines[n - 1]);
      lines[n - 1] = NULL;
    }
  for (char **line = lines; *line != NULL; line++)
    g_strstrip (*line);
  return cs_labels_new ((const char *const *) lines, offset, path);
}

CsLabels *
cs_labels_for_card (const CsCard *card, const CsModel *model, GError **error)
{
  const char *const *embedded = cs_model_embedded_labels (model);
  g_autofree char *dir = NULL;
  g_autofree char *beside = NULL;

  if (card->labels_path != NULL)
    return cs_labels_load (card->labels_path, card->label_offset, error);
  if (embedded != NULL)
    return cs_labels_new (embedded, card->label_offset, "the model's metadata");
  dir = g_path_get_dirname (card->model_path);
  beside = g_build_filename (dir, "labels.txt", NULL);
  if (g_file_test (beside, G_FILE_TEST_EXISTS))
    return cs_labels_load (beside, card->label_offset, error);
  return cs_labels_new (NULL, card->label_offset, NULL);
}

size_t
cs_labels_count (const CsLabels *labels)
{
  return labels->n_lines;
}

const char *
cs_labels_source (const CsLabels *labels)
{
  return labels->source;
}

const char *
cs_labels_lookup (const CsLabels *labels, size_t index)
{
  int64_t line = (int64_t) index + labels->offset;

  if (index > G_MAXINT32 || line < 0 || (uint64_t) line >= labels->n_lines)
    return NULL;
  return labels->lines[line];
}

char *
cs_labels_name (const CsLabels *labels, size_t index)
{
  const char *label = cs_labels_lookup (labels, index);

  return label != NULL ? g_strdup (label) : g_strdup_printf ("class %zu", index);
}

/* The index of the class called @name, or −1. */
static int
find_class (const CsLabels *labels, size_t n_classes, const char *name)
{
  for (size_t i = 0; i < n_classes && i <= G_MAXINT32; i++)
    {
      g_autofree char *label = cs_labels_name (labels, i);

      if (g_ascii_strcasecmp (g_strstrip (label), name) == 0)
        return (int) i;
    }
  return -1;
}

gboolean
cs_labels_find (const CsLabels *labels, size_t n_classes, const char *const *names,
                int *indices, GError **error)
{
  for (size_t n = 0; names[n] != NULL; n++)
    {
      g_autoptr (GString) valid = NULL;

      if ((indices[n] = find_class (labels, n_classes, names[n])) >= 0)
        continue;
      valid = g_string_new (NULL);
      for (size_t i = 0; i < n_classes && i <= G_MAXINT32; i++)
        {
          g_autofree char *label = cs_labels_name (labels, i);

          g_string_append_printf (valid, "%s%s", i > 0 ? ", " : "", g_strstrip (label));
        }
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "no class '%s'; the classes are %s",
                   names[n], valid->str);
      return FALSE;
    }
  return TRUE;
}
