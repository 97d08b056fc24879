/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * npy.c — a strict reader of NumPy .npy files holding float32 tensors
 * and a plain writer of float32 and int64 ones; see npy.h for what is
 * accepted.
 *
 * The format: the magic "\x93NUMPY", a major and minor version byte, the
 * header length (2 bytes little-endian in version 1, 4 bytes in 2 and 3),
 * then the header, a Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }
 * padded with spaces and a final newline, then the raw data.
 */
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "npy.h"
#include "tensor.h"

#define NPY_MAGIC     "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_DESCR     "<f4"
#define NPY_DESCR_INT "<i8"
/* NumPy aligns the data to this many bytes; the reader does not care. */
#define NPY_ALIGN     64

typedef struct
{
  const char *text;
  size_t      len;
  size_t      pos;
  const char *file;
} HeaderParser;

static gboolean
header_error (HeaderParser *p, GError **error, const char *expected)
{
  g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
               _("%s: malformed .npy header: expected %s at character %zu"),
               p->file, expected, p->pos);
  return FALSE;
}

static void
skip_space (HeaderParser *p)
{
  while (p->pos < p->len && g_ascii_isspace (p->text[p->pos]))
    p->pos++;
}

static gboolean
accept (HeaderParser *p, char c)
{
  skip_space (p);
  if (p->pos < p->len && p->text[p->pos] == c)
    {
      p->pos++;
      return TRUE;
    }
  return FALSE;
}

/* A quoted string without escapes; the result points into the header. */
static gboolean
parse_string (HeaderParser *p,
              const char  **start,
              size_t       *length,
              GError      **error)
{
  char   quote;
  size_t begin;

  skip_space (p);
  if (p->pos >= p->len || (p->text[p->pos] != '\'' && p->text[p->pos] != '"'))
    return header_error (p, error, _("a quoted string"));
  quote = p->text[p->pos++];
  begin = p->pos;
  while (p->pos < p->len && p->text[p->pos] != quote)
    {
      if (p->text[p->pos] == '\\' || p->text[p->pos] == '\n')
        return header_error (p, error, _("a string without escapes or newlines"));
      p->pos++;
    }
  if (p->pos >= p->len)
    return header_error (p, error, _("the closing quote"));
  *start = p->text + begin;
  *length = p->pos - begin;
  p->pos++;
  return TRUE;
}

static gboolean
accept_word (HeaderParser *p, const char *word)
{
  size_t n = strlen (word);

  skip_space (p);
  if (p->len - p->pos >= n && memcmp (p->text + p->pos, word, n) == 0)
    {
      p->pos += n;
      return TRUE;
    }
  return FALSE;
}

static gboolean
parse_bool (HeaderParser *p, gboolean *value, GError **error)
{
  if (accept_word (p, "True"))
    *value = TRUE;
  else if (accept_word (p, "False"))
    *value = FALSE;
  else
    return header_error (p, error, _("True or False"));
  return TRUE;
}

/* A Python integer literal for one dimension: digits, no sign, no leading
 * zeros (Python rejects those). */
static gboolean
parse_dim (HeaderParser *p, int64_t *dim, GError **error)
{
  int64_t value = 0;
  size_t  begin;

  skip_space (p);
  begin = p->pos;
  while (p->pos < p->len && g_ascii_isdigit (p->text[p->pos]))
    {
      int digit = p->text[p->pos] - '0';

      if (value > (G_MAXINT64 - digit) / 10)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                       _("%s: .npy shape has a dimension too large to hold"),
                       p->file);
          return FALSE;
        }
      value = value * 10 + digit;
      p->pos++;
    }
  if (p->pos == begin)
    return header_error (p, error, _("a non-negative integer dimension"));
  if (p->pos - begin > 1 && p->text[begin] == '0')
    {
      p->pos = begin;
      return header_error (p, error, _("a dimension without leading zeros"));
    }
  *dim = value;
  return TRUE;
}

/* A tuple of dimensions: "()", "(5,)", "(1, 3, 8, 8)" or with a trailing
 * comma.  "(5)" is a parenthesised integer in Python, not a shape. */
static gboolean
parse_shape (HeaderParser *p, CsShape *shape, GError **error)
{
  memset (shape, 0, sizeof *shape);
  if (!accept (p, '('))
    return header_error (p, error, _("a shape tuple"));
  if (accept (p, ')'))
    return TRUE;
  for (;;)
    {
      if (shape->rank == CS_MAX_RANK)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                       _("%s: .npy shape has more than %d dimensions"),
                       p->file, CS_MAX_RANK);
          return FALSE;
        }
      if (!parse_dim (p, &shape->dims[shape->rank++], error))
        return FALSE;
      if (shape->rank > 1 && accept (p, ')'))
        return TRUE;
      if (!accept (p, ','))
        return header_error (p, error, shape->rank == 1
                             ? _("',' after the only dimension")
                             : _("',' or ')' in the shape tuple"));
      if (accept (p, ')'))
        return TRUE;
    }
}

static gboolean
key_is (const char *key, size_t key_len, const char *name)
{
  return key_len == strlen (name) && memcmp (key, name, key_len) == 0;
}

static gboolean
duplicate_key (HeaderParser *p, const char *key, GError **error)
{
  g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
               _("%s: .npy header has the key '%s' twice"), p->file, key);
  return FALSE;
}

/* Bytes from the file shown in a message: escaped, so neither control
 * characters nor invalid UTF-8 reach the terminal. */
static char *
escape_bytes (const char *start, size_t length)
{
  g_autofree char *copy = g_strndup (start, MIN (length, 40));

  return g_strescape (copy, NULL);
}

static gboolean
parse_header (HeaderParser *p, CsShape *shape, GError **error)
{
  gboolean seen_descr = FALSE, seen_order = FALSE, seen_shape = FALSE;

  if (!accept (p, '{'))
    return header_error (p, error, _("'{' opening the header dict"));
  while (!accept (p, '}'))
    {
      const char *key;
      size_t      key_len;

      if (!parse_string (p, &key, &key_len, error))
        return FALSE;
      if (!accept (p, ':'))
        return header_error (p, error, _("':' after a key"));

      if (key_is (key, key_len, "descr"))
        {
          const char *descr;
          size_t      descr_len;

          if (seen_descr)
            return duplicate_key (p, "descr", error);
          seen_descr = TRUE;
          if (!parse_string (p, &descr, &descr_len, error))
            return FALSE;
          if (!key_is (descr, descr_len, NPY_DESCR))
            {
              g_autofree char *shown = escape_bytes (descr, descr_len);

              g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                           _("%s: data type '%s' is not supported; expected "
                             "little-endian float32 ('%s')"),
                           p->file, shown, NPY_DESCR);
              return FALSE;
            }
        }
      else if (key_is (key, key_len, "fortran_order"))
        {
          gboolean fortran_order;

          if (seen_order)
            return duplicate_key (p, "fortran_order", error);
          seen_order = TRUE;
          if (!parse_bool (p, &fortran_order, error))
            return FALSE;
          if (fortran_order)
            {
              g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                           _("%s: Fortran-ordered arrays are not supported; "
                             "save a C-ordered array (numpy.ascontiguousarray)"),
                           p->file);
              return FALSE;
            }
        }
      else if (key_is (key, key_len, "shape"))
        {
          if (seen_shape)
            return duplicate_key (p, "shape", error);
          seen_shape = TRUE;
          if (!parse_shape (p, shape, error))
            return FALSE;
        }
      else
        {
          g_autofree char *shown = escape_bytes (key, key_len);

          g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                       _("%s: .npy header has an unexpected key '%s'"),
                       p->file, shown);
          return FALSE;
        }

      if (!accept (p, ','))
        {
          if (!accept (p, '}'))
            return header_error (p, error, _("',' or '}' after a value"));
          break;
        }
    }

  if (!seen_descr || !seen_order || !seen_shape)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   _("%s: .npy header lacks the key '%s'"), p->file,
                   !seen_descr ? "descr" : !seen_order ? "fortran_order" : "shape");
      return FALSE;
    }
  skip_space (p);
  if (p->pos != p->len)
    return header_error (p, error, _("only padding after the header dict"));
  return TRUE;
}

/* .npy data is little-endian; a big-endian host swaps each of the @n
 * elements of @size bytes (4 or 8). */
static void
swap_little_endian (void *elements, size_t n, size_t size)
{
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (size_t i = 0; i < n; i++)
    if (size == sizeof (guint64))
      ((guint64 *) elements)[i] = GUINT64_SWAP_LE_BE (((guint64 *) elements)[i]);
    else
      ((guint32 *) elements)[i] = GUINT32_SWAP_LE_BE (((guint32 *) elements)[i]);
#else
  (void) elements;
  (void) n;
  (void) size;
#endif
}

gboolean
npy_parse (const void *bytes,
           size_t      size,
           const char *name,
           CsTensor   *tensor,
           GError    **error)
{
  const guint8 *b = bytes;
  HeaderParser  parser;
  CsShape       shape;
  size_t        prefix, header_len, data_size, expected;

  memset (tensor, 0, sizeof *tensor);
  if (name == NULL)
    name = "(memory)";
  if (size < NPY_MAGIC_LEN + 2 || memcmp (b, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   _("%s: not a NumPy .npy file (no \\x93NUMPY magic)"), name);
      return FALSE;
    }
  if (b[6] < 1 || b[6] > 3 || b[7] != 0)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   _("%s: .npy format version %u.%u is not supported "
                     "(1.0, 2.0 and 3.0 are)"), name, b[6], b[7]);
      return FALSE;
    }
  prefix = b[6] == 1 ? 10 : 12;
  if (size < prefix)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   _("%s: .npy file ends before its header length"), name);
      return FALSE;
    }
  header_len = b[8] | (size_t) b[9] << 8;
  if (prefix == 12)
    header_len |= (size_t) b[10] << 16 | (size_t) b[11] << 24;
  if (header_len > NPY_MAX_HEADER)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   _("%s: .npy header claims %zu bytes, more than the %d allowed"),
                   name, header_len, NPY_MAX_HEADER);
      return FALSE;
    }
  if (header_len > size - prefix)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   _("%s: .npy header is truncated (%zu bytes promised, %zu present)"),
                   name, header_len, size - prefix);
      return FALSE;
    }

  parser = (HeaderParser) { (const char *) b + prefix, header_len, 0, name };
  if (!parse_header (&parser, &shape, error))
    return FALSE;

  data_size = size - prefix - header_len;
  if (!cli_shape_bytes (&shape, &expected) || data_size != expected)
    {
      g_autofree char *text = cs_shape_to_string (&shape);

      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   _("%s: the header promises a %s float32 array but the file "
                     "holds %zu bytes of data"), name, text, data_size);
      return FALSE;
    }
  if (!cli_tensor_alloc (tensor, NULL, &shape, error))
    return FALSE;
  memcpy (tensor->data, b + prefix + header_len, data_size);
  swap_little_endian (tensor->data, data_size / sizeof (float), sizeof (float));
  return TRUE;
}

gboolean
npy_read_file (const char *path, CsTensor *tensor, GError **error)
{
  g_autofree char *contents = NULL;
  gsize            length;
  GError          *local = NULL;

  memset (tensor, 0, sizeof *tensor);
  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_IO, local->message);
      g_error_free (local);
      return FALSE;
    }
  return npy_parse (contents, length, path, tensor, error);
}

static char *
header_for (const char *descr, const CsShape *shape, size_t *length)
{
  GString *header = g_string_new (NULL);
  size_t   used;

  g_string_printf (header, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (int i = 0; i < shape->rank; i++)
    g_string_append_printf (header, i > 0 ? ", %" G_GINT64_FORMAT
                                          : "%" G_GINT64_FORMAT,
                            shape->dims[i]);
  g_string_append (header, shape->rank == 1 ? ",), }" : "), }");
  used = NPY_MAGIC_LEN + 4 + header->len + 1;
  for (size_t pad = (NPY_ALIGN - used % NPY_ALIGN) % NPY_ALIGN; pad > 0; pad--)
    g_string_append_c (header, ' ');
  g_string_append_c (header, '\n');
  *length = header->len;
  return g_string_free (header, FALSE);
}

/* Writes @n elements of @size bytes in chunks, so a big-endian host can
 * swap a copy. */
static gboolean
write_elements (FILE *file, const guint8 *elements, size_t n, size_t size)
{
  guint64 chunk[2048];

  while (n > 0)
    {
      size_t count = MIN (n, sizeof chunk / size);

      memcpy (chunk, elements, count * size);
      swap_little_endian (chunk, count, size);
      if (fwrite (chunk, size, count, file) != count)
        return FALSE;
      elements += count * size;
      n -= count;
    }
  return TRUE;
}

gboolean
npy_write_file (const char *path, const CsTensor *tensor, GError **error)
{
  g_autofree char *header = NULL;
  guint8           prefix[NPY_MAGIC_LEN + 4];
  size_t           header_len, bytes;
  FILE            *file;
  gboolean         written;
  int              saved_errno;
  const gboolean   is_int = tensor->dtype == CS_DTYPE_INT64;
  const size_t     size = is_int ? sizeof (int64_t) : sizeof (float);

  if (!cli_shape_bytes (&tensor->shape, &bytes))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   _("%s: tensor '%s' has an invalid shape"),
                   path, tensor->name ? tensor->name : "");
      return FALSE;
    }

  header = header_for (is_int ? NPY_DESCR_INT : NPY_DESCR, &tensor->shape, &header_len);
  memcpy (prefix, NPY_MAGIC, NPY_MAGIC_LEN);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix[8] = header_len & 0xff;
  prefix[9] = header_len >> 8;

  file = fopen (path, "wb");
  if (file == NULL)
    {
      saved_errno = errno;
      g_set_error (error, CS_ERROR, CS_ERROR_IO, _("%s: cannot create: %s"),
                   path, g_strerror (saved_errno));
      return FALSE;
    }
  written = fwrite (prefix, 1, sizeof prefix, file) == sizeof prefix
            && fwrite (header, 1, header_len, file) == header_len
            && write_elements (file, tensor->data, bytes / sizeof (float), size);
  saved_errno = errno;
  if (fclose (file) != 0 && written)
    {
      written = FALSE;
      saved_errno = errno;
    }
  if (!written)
    {
      remove (path);
      g_set_error (error, CS_ERROR, CS_ERROR_IO, _("%s: cannot write: %s"),
                   path, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}
