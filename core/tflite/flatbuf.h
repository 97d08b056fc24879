/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * flatbuf.h — bounds-checked reading of FlatBuffers, just what the TFLite
 * importer needs: tables through their vtables, scalars with defaults,
 * nested tables, vectors and strings.  Nothing is trusted: every offset,
 * length and field position is checked against the buffer before use.
 *
 * Errors are sticky: the first problem is recorded in the reader and
 * every later read returns the default (0, an absent table, an empty
 * vector), so a caller can read a whole table and check once with
 * cs_fb_failed before acting on what it read.
 */
#ifndef CS_FLATBUF_H
#define CS_FLATBUF_H

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct
{
  const guint8 *data;
  gsize         size;
  GError       *error;   /* owned; the first error met */
} CsFbReader;

/* A table; pos 0 means absent (offset 0 always holds the root offset). */
typedef struct
{
  gsize   pos;
  gsize   vtable;
  guint16 vtable_size;
  guint16 inline_size;
} CsFbTable;

typedef struct
{
  gsize   pos;          /* of element 0 */
  guint32 length;
  guint32 elem_size;
} CsFbVector;

/* Starts reading @data (not copied, must outlive the reader).  Fails when
 * it is too short to hold a root offset and a 4-byte file identifier or
 * when @identifier (4 characters, may be NULL) does not match. */
gboolean   cs_fb_reader_init (CsFbReader   *reader,
                              const guint8 *data,
                              gsize         size,
                              const char   *identifier,
                              GError      **error);
/* Frees the recorded error, if any. */
void       cs_fb_reader_clear (CsFbReader *reader);

gboolean   cs_fb_failed      (const CsFbReader *reader);
/* Moves the recorded error to @error with @format as a prefix; returns
 * FALSE when there was one, TRUE otherwise. */
gboolean   cs_fb_check       (CsFbReader *reader,
                              GError    **error,
                              const char *format,
                              ...) G_GNUC_PRINTF (3, 4);

CsFbTable  cs_fb_root        (CsFbReader *reader);

/* Whether the table stores @field (absent fields read as their default). */
gboolean   cs_fb_present     (const CsFbReader *reader, const CsFbTable *table, int field);

/* Scalar fields, @fallback when absent. */
guint8     cs_fb_u8          (CsFbReader *reader, const CsFbTable *table, int field,
                              guint8 fallback);
gint8      cs_fb_i8          (CsFbReader *reader, const CsFbTable *table, int field,
                              gint8 fallback);
gint32     cs_fb_i32         (CsFbReader *reader, const CsFbTable *table, int field,
                              gint32 fallback);
guint32    cs_fb_u32         (CsFbReader *reader, const CsFbTable *table, int field,
                              guint32 fallback);
guint64    cs_fb_u64         (CsFbReader *reader, const CsFbTable *table, int field,
                              guint64 fallback);
float      cs_fb_f32         (CsFbReader *reader, const CsFbTable *table, int field,
                              float fallback);

/* A sub-table field; absent (pos 0) when the field is. */
CsFbTable  cs_fb_table       (CsFbReader *reader, const CsFbTable *table, int field);
/* A vector field of @elem_size-byte elements (4 for offsets to tables);
 * empty when the field is absent. */
CsFbVector cs_fb_vector      (CsFbReader *reader, const CsFbTable *table, int field,
                              guint32 elem_size);
/* A string field as valid UTF-8 (invalid bytes replaced), newly
 * allocated; NULL when absent. */
char      *cs_fb_string      (CsFbReader *reader, const CsFbTable *table, int field);

/* Element @index of a vector; out-of-range indices are recorded as errors. */
gint32     cs_fb_vec_i32     (CsFbReader *reader, const CsFbVector *vector, guint32 index);
gint64     cs_fb_vec_i64     (CsFbReader *reader, const CsFbVector *vector, guint32 index);
float      cs_fb_vec_f32     (CsFbReader *reader, const CsFbVector *vector, guint32 index);
CsFbTable  cs_fb_vec_table   (CsFbReader *reader, const CsFbVector *vector, guint32 index);
/* The raw bytes of a vector, valid for vector->length · elem_size bytes. */
const guint8 *cs_fb_vec_data (const CsFbReader *reader, const CsFbVector *vector);

G_END_DECLS

#endif /* CS_FLATBUF_H */
