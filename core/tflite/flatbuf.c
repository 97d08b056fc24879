/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * flatbuf.c — the bounds-checked FlatBuffers reader behind the TFLite
 * importer.  All multi-byte values are little-endian and may sit at any
 * alignment in a hostile file, so they are read bytewise.
 */
#include "flatbuf.h"

#include <string.h>

#include "../cs-engine.h"

static void
fb_fail (CsFbReader *reader, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
fb_fail (CsFbReader *reader, const char *format, ...)
{
  va_list args;
  char   *message;

  if (reader->error != NULL)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  reader->error = g_error_new (CS_ERROR, CS_ERROR_FORMAT,
                               "corrupt flatbuffer: %s", message);
  g_free (message);
}

/* Whether [pos, pos + length) lies inside the buffer, without overflow. */
static gboolean
fb_in_bounds (const CsFbReader *reader, gsize pos, guint64 length)
{
  return pos <= reader->size && length <= reader->size - pos;
}

static guint64
fb_read_le (const CsFbReader *reader, gsize pos, int width)
{
  guint64 value = 0;

  for (int i = width - 1; i >= 0; i--)
    value = (value << 8) | reader->data[pos + i];
  return value;
}

gboolean
cs_fb_reader_init (CsFbReader   *reader,
                   const guint8 *data,
                   gsize         size,
                   const char   *identifier,
                   GError      **error)
{
  reader->data = data;
  reader->size = size;
  reader->error = NULL;
  if (data == NULL || size < 8)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   "too short for a flatbuffer (%" G_GSIZE_FORMAT " bytes)", size);
      return FALSE;
    }
  if (identifier != NULL && memcmp (data + 4, identifier, 4) != 0)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   "file identifier is not \"%.4s\"", identifier);
      return FALSE;
    }
  return TRUE;
}

void
cs_fb_reader_clear (CsFbReader *reader)
{
  g_clear_error (&reader->error);
}

gboolean
cs_fb_failed (const CsFbReader *reader)
{
  return reader->error != NULL;
}

gboolean
cs_fb_check (CsFbReader *reader, GError **error, const char *format, ...)
{
  va_list args;
  char   *prefix;

  if (reader->error == NULL)
    return TRUE;
  va_start (args, format);
  prefix = g_strdup_vprintf (format, args);
  va_end (args);
  g_prefix_error (&reader->error, "%s", prefix);
  g_free (prefix);
  g_propagate_error (error, reader->error);
  reader->error = NULL;
  return FALSE;
}

/* Validates the table at @pos and its vtable. */
static CsFbTable
fb_table_at (CsFbReader *reader, gsize pos)
{
  CsFbTable table = { 0 };
  gint64    vtable;

  if (reader->error != NULL)
    return table;
  if (pos == 0 || !fb_in_bounds (reader, pos, 4))
    {
      fb_fail (reader, "table offset %" G_GSIZE_FORMAT " is outside the file", pos);
      return table;
    }
  vtable = (gint64) pos - (gint32) (guint32) fb_read_le (reader, pos, 4);
  if (vtable < 0 || !fb_in_bounds (reader, (gsize) vtable, 4))
    {
      fb_fail (reader, "vtable of the table at offset %" G_GSIZE_FORMAT
               " is outside the file", pos);
      return table;
    }
  table.vtable = (gsize) vtable;
  table.vtable_size = (guint16) fb_read_le (reader, table.vtable, 2);
  table.inline_size = (guint16) fb_read_le (reader, table.vtable + 2, 2);
  if (table.vtable_size < 4 || table.vtable_size % 2 != 0
      || !fb_in_bounds (reader, table.vtable, table.vtable_size))
    {
      fb_fail (reader, "vtable at offset %" G_GSIZE_FORMAT " has a bad size %u",
               table.vtable, table.vtable_size);
      return (CsFbTable) { 0 };
    }
  if (table.inline_size < 4 || !fb_in_bounds (reader, pos, table.inline_size))
    {
      fb_fail (reader, "table at offset %" G_GSIZE_FORMAT
               " has a bad size %u", pos, table.inline_size);
      return (CsFbTable) { 0 };
    }
  table.pos = pos;
  return table;
}

CsFbTable
cs_fb_root (CsFbReader *reader)
{
  if (reader->error != NULL)
    return (CsFbTable) { 0 };
  return fb_table_at (reader, (gsize) fb_read_le (reader, 0, 4));
}

/* The field's offset within the table, or 0 when absent. */
static guint16
fb_field_offset (const CsFbTable *table, const CsFbReader *reader, int field)
{
  gsize slot = 4 + 2 * (gsize) field;

  if (table->pos == 0 || field < 0 || slot + 2 > table->vtable_size)
    return 0;
  return (guint16) fb_read_le (reader, table->vtable + slot, 2);
}

gboolean
cs_fb_present (const CsFbReader *reader, const CsFbTable *table, int field)
{
  return fb_field_offset (table, reader, field) != 0;
}

/* Position of a @width-byte field, 0 when absent or on error. */
static gsize
fb_field_pos (CsFbReader *reader, const CsFbTable *table, int field, int width)
{
  guint16 offset;

  if (reader->error != NULL)
    return 0;
  offset = fb_field_offset (table, reader, field);
  if (offset == 0)
    return 0;
  if ((guint32) offset + (guint32) width > table->inline_size)
    {
      fb_fail (reader, "field %d of the table at offset %" G_GSIZE_FORMAT
               " lies outside the table", field, table->pos);
      return 0;
    }
  return table->pos + offset;
}

static guint64
fb_scalar (CsFbReader *reader, const CsFbTable *table, int field, int width,
           guint64 fallback)
{
  gsize pos = fb_field_pos (reader, table, field, width);

  return pos == 0 ? fallback : fb_read_le (reader, pos, width);
}

guint8
cs_fb_u8 (CsFbReader *reader, const CsFbTable *table, int field, guint8 fallback)
{
  return (guint8) fb_scalar (reader, table, field, 1, fallback);
}

gint8
cs_fb_i8 (CsFbReader *reader, const CsFbTable *table, int field, gint8 fallback)
{
  return (gint8) (guint8) fb_scalar (reader, table, field, 1, (guint8) fallback);
}

gint32
cs_fb_i32 (CsFbReader *reader, const CsFbTable *table, int field, gint32 fallback)
{
  return (gint32) (guint32) fb_scalar (reader, table, field, 4, (guint32) fallback);
}

guint32
cs_fb_u32 (CsFbReader *reader, const CsFbTable *table, int field, guint32 fallback)
{
  return (guint32) fb_scalar (reader, table, field, 4, fallback);
}

guint64
cs_fb_u64 (CsFbReader *reader, const CsFbTable *table, int field, guint64 fallback)
{
  return fb_scalar (reader, table, field, 8, fallback);
}

static float
fb_bits_to_float (guint32 bits)
{
  float value;

  memcpy (&value, &bits, sizeof value);
  return value;
}

float
cs_fb_f32 (CsFbReader *reader, const CsFbTable *table, int field, float fallback)
{
  gsize pos = fb_field_pos (reader, table, field, 4);

  return pos == 0 ? fallback : fb_bits_to_float ((guint32) fb_read_le (reader, pos, 4));
}

/* Follows the uoffset stored at @pos; 0 on error. */
static gsize
fb_follow (CsFbReader *reader, gsize pos)
{
  guint32 offset;

  if (!fb_in_bounds (reader, pos, 4))
    {
      fb_fail (reader, "offset at %" G_GSIZE_FORMAT " is outside the file", pos);
      return 0;
    }
  offset = (guint32) fb_read_le (reader, pos, 4);
  if (offset == 0 || !fb_in_bounds (reader, pos, (guint64) offset + 4))
    {
      fb_fail (reader, "offset %u at %" G_GSIZE_FORMAT " points outside the file",
               offset, pos);
      return 0;
    }
  return pos + offset;
}

CsFbTable
cs_fb_table (CsFbReader *reader, const CsFbTable *table, int field)
{
  gsize pos = fb_field_pos (reader, table, field, 4);

  if (pos == 0)
    return (CsFbTable) { 0 };
  pos = fb_follow (reader, pos);
  return pos == 0 ? (CsFbTable) { 0 } : fb_table_at (reader, pos);
}

static CsFbVector
fb_vector_at (CsFbReader *reader, gsize pos, guint32 elem_size)
{
  guint32 length;

  /* fb_follow guaranteed 4 bytes at @pos. */
  length = (guint32) fb_read_le (reader, pos, 4);
  if (!fb_in_bounds (reader, pos + 4, (guint64) length * elem_size))
    {
      fb_fail (reader, "vector of %u elements at offset %" G_GSIZE_FORMAT
               " runs past the end of the file", length, pos);
      return (CsFbVector) { 0 };
    }
  return (CsFbVector) { pos + 4, length, elem_size };
}

CsFbVector
cs_fb_vector (CsFbReader *reader, const CsFbTable *table, int field, guint32 elem_size)
{
  gsize pos = fb_field_pos (reader, table, field, 4);

  if (pos == 0)
    return (CsFbVector) { 0 };
  pos = fb_follow (reader, pos);
  return pos == 0 ? (CsFbVector) { 0 } : fb_vector_at (reader, pos, elem_size);
}

char *
cs_fb_string (CsFbReader *reader, const CsFbTable *table, int field)
{
  CsFbVector bytes = cs_fb_vector (reader, table, field, 1);

  if (bytes.pos == 0)
    return NULL;
  return g_utf8_make_valid ((const char *) reader->data + bytes.pos, bytes.length);
}

/* Position of element @index, 0 on error. */
static gsize
fb_element (CsFbReader *reader, const CsFbVector *vector, guint32 index, guint32 width)
{
  if (reader->error != NULL)
    return 0;
  if (index >= vector->length || vector->elem_size != width)
    {
      fb_fail (reader, "element %u read from a vector of %u", index, vector->length);
      return 0;
    }
  return vector->pos + (gsize) index * width;
}

gint32
cs_fb_vec_i32 (CsFbReader *reader, const CsFbVector *vector, guint32 index)
{
  gsize pos = fb_element (reader, vector, index, 4);

  return pos == 0 ? 0 : (gint32) (guint32) fb_read_le (reader, pos, 4);
}

gint64
cs_fb_vec_i64 (CsFbReader *reader, const CsFbVector *vector, guint32 index)
{
  gsize pos = fb_element (reader, vector, index, 8);

  return pos == 0 ? 0 : (gint64) fb_read_le (reader, pos, 8);
}

float
cs_fb_vec_f32 (CsFbReader *reader, const CsFbVector *vector, guint32 index)
{
  gsize pos = fb_element (reader, vector, index, 4);

  return pos == 0 ? 0.0f : fb_bits_to_float ((guint32) fb_read_le (reader, pos, 4));
}

CsFbTable
cs_fb_vec_table (CsFbReader *reader, const CsFbVector *vector, guint32 index)
{
  gsize pos = fb_element (reader, vector, index, 4);

  if (pos == 0)
    return (CsFbTable) { 0 };
  pos = fb_follow (reader, pos);
  return pos == 0 ? (CsFbTable) { 0 } : fb_table_at (reader, pos);
}

const guint8 *
cs_fb_vec_data (const CsFbReader *reader, const CsFbVector *vector)
{
  return vector->pos == 0 ? NULL : reader->data + vector->pos;
}
