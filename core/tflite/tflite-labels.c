/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite-labels.c — finds the label file that TFLite models with metadata
 * carry in a ZIP archive appended after the flatbuffer.  The archive is
 * located through its end-of-central-directory record; entries may be
 * stored or deflated (zlib's raw inflate).  Anything malformed simply
 * means "no labels": labels are a courtesy, never a reason to refuse a
 * model.
 */
#include "tflite.h"

#include <string.h>
#include <zlib.h>

#define ZIP_EOCD_SIGNATURE    0x06054b50u
#define ZIP_CENTRAL_SIGNATURE 0x02014b50u
#define ZIP_LOCAL_SIGNATURE   0x04034b50u
#define ZIP_EOCD_SIZE         22
#define ZIP_CENTRAL_SIZE      46
#define ZIP_LOCAL_SIZE        30
#define ZIP_STORED            0
#define ZIP_DEFLATED          8
/* Label files are a few hundred kilobytes at most; refuse to inflate
 * anything that claims to be far larger. */
#define LABELS_MAX_BYTES      (16u << 20)

typedef struct
{
  guint16 method;
  guint32 compressed_size;
  guint32 size;
  gsize   local_header;   /* absolute offset in the file */
} ZipEntry;

static guint32
read_u32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static guint16
read_u16 (const guint8 *p)
{
  return (guint16) (p[0] | p[1] << 8);
}

/* Offset of the end-of-central-directory record, or -1.  Its comment
 * must run exactly to the end of the file, which rules out stray
 * signature bytes inside the flatbuffer. */
static gint64
find_eocd (const guint8 *data, gsize size)
{
  gsize lowest;

  if (size < ZIP_EOCD_SIZE)
    return -1;
  lowest = size - ZIP_EOCD_SIZE > 0xffff ? size - ZIP_EOCD_SIZE - 0xffff : 0;
  for (gsize pos = size - ZIP_EOCD_SIZE + 1; pos-- > lowest;)
    if (read_u32 (data + pos) == ZIP_EOCD_SIGNATURE
        && pos + ZIP_EOCD_SIZE + read_u16 (data + pos + 20) == size)
      return (gint64) pos;
  return -1;
}

static gboolean
is_label_name (const char *name, gsize length, gboolean require_label)
{
  g_autofree char *lower = g_ascii_strdown (name, (gssize) length);

  if (memchr (name, '\0', length) != NULL || !g_str_has_suffix (lower, ".txt"))
    return FALSE;
  return !require_label || strstr (lower, "label") != NULL;
}

/* Picks the label entry from the central directory: the first .txt entry
 * with "label" in its name, else the first .txt entry. */
static gboolean
find_label_entry (const guint8 *data, gsize size, ZipEntry *entry)
{
  gint64  eocd = find_eocd (data, size);
  gsize   directory, zip_start;
  guint32 directory_size, directory_offset;
  guint16 n_entries;

  if (eocd < 0)
    return FALSE;
  n_entries = read_u16 (data + eocd + 10);
  directory_size = read_u32 (data + eocd + 12);
  directory_offset = read_u32 (data + eocd + 16);
  if (directory_size > (guint64) eocd)
    return FALSE;
  /* Offsets in the archive count from its own start, which lies after the
   * flatbuffer: where the directory really is tells where that start is. */
  directory = (gsize) eocd - directory_size;
  if (directory_offset > directory)
    return FALSE;
  zip_start = directory - directory_offset;

  for (int pass = 0; pass < 2; pass++)
    {
      gsize pos = directory;

      for (guint i = 0; i < n_entries; i++)
        {
          const guint8 *header = data + pos;
          gsize         record;

          if ((gsize) eocd - pos < ZIP_CENTRAL_SIZE
              || read_u32 (header) != ZIP_CENTRAL_SIGNATURE)
            return FALSE;
          record = ZIP_CENTRAL_SIZE + (gsize) read_u16 (header + 28)
                   + read_u16 (header + 30) + read_u16 (header + 32);
          if ((gsize) eocd - pos < record)
            return FALSE;
          if (is_label_name ((const char *) header + ZIP_CENTRAL_SIZE,
                             read_u16 (header + 28), pass == 0))
            {
              entry->method = read_u16 (header + 10);
              entry->compressed_size = read_u32 (header + 20);
              entry->size = read_u32 (header + 24);
              entry->local_header = zip_start + read_u32 (header + 42);
              return TRUE;
            }
          pos += record;
        }
    }
  return FALSE;
}

/* The entry's bytes, newly allocated with a terminating NUL, or NULL. */
static char *
read_entry (const guint8 *data, gsize size, const ZipEntry *entry)
{
  const guint8 *local = data + entry->local_header;
  gsize         start;
  char         *text;

  if (entry->local_header > size || size - entry->local_header < ZIP_LOCAL_SIZE
      || read_u32 (local) != ZIP_LOCAL_SIGNATURE || entry->size > LABELS_MAX_BYTES)
    return NULL;
  start = entry->local_header + ZIP_LOCAL_SIZE
          + read_u16 (local + 26) + read_u16 (local + 28);
  if (start > size || size - start < entry->compressed_size)
    return NULL;

  text = g_malloc ((gsize) entry->size + 1);
  if (entry->method == ZIP_STORED && entry->compressed_size == entry->size)
    memcpy (text, data + start, entry->size);
  else if (entry->method == ZIP_DEFLATED)
    {
      z_stream stream = { 0 };
      int      status;

      stream.next_in = (Bytef *) (data + start);
      stream.avail_in = entry->compressed_size;
      stream.next_out = (Bytef *) text;
      stream.avail_out = entry->size;
      if (inflateInit2 (&stream, -MAX_WBITS) != Z_OK)
        {
          g_free (text);
          return NULL;
        }
      status = inflate (&stream, Z_FINISH);
      inflateEnd (&stream);
      if (status != Z_STREAM_END || stream.total_out != entry->size)
        {
          g_free (text);
          return NULL;
        }
    }
  else
    {
      g_free (text);
      return NULL;
    }
  text[entry->size] = '\0';
  return text;
}

char **
cs_tflite_find_labels (const guint8 *data, gsize size)
{
  ZipEntry         entry;
  g_autofree char *raw = NULL;
  g_autofree char *text = NULL;
  char           **lines;
  guint            n;

  if (data == NULL || !find_label_entry (data, size, &entry))
    return NULL;
  raw = read_entry (data, size, &entry);
  if (raw == NULL)
    return NULL;
  text = g_utf8_make_valid (raw, (gssize) entry.size);
  lines = g_strsplit (text, "\n", -1);
  n = g_strv_length (lines);
  for (guint i = 0; i < n; i++)
    g_strchomp (lines[i]);
  /* The newline after the last label does not start another one. */
  if (n > 0 && lines[n - 1][0] == '\0')
    {
      g_free (lines[n - 1]);
      lines[n - 1] = NULL;
      n--;
    }
  if (n == 0)
    {
      g_strfreev (lines);
      return NULL;
    }
  return lines;
}
