/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * label-png.h — label images as 8-bit palette PNGs, written row by row
 * (label-png.c): each byte is a class number and the palette gives each
 * class its colour (cs_segment_colour), so other tools read the classes
 * back as the pixel values and people see the colours.
 */
#ifndef CS_CLI_LABEL_PNG_H
#define CS_CLI_LABEL_PNG_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LabelPng LabelPng;

/* Creates @path for a @width × @height label image; the caller owns the
 * writer and ends it with label_png_finish. */
LabelPng *label_png_open (const char *path, int width, int height, GError **error);
/* Appends @n_rows rows of @width labels, rows packed. */
gboolean label_png_rows (LabelPng *png, const guint8 *labels, int n_rows, GError **error);
/* Completes and closes the file when @complete, else abandons and
 * removes it; frees @png either way. */
gboolean label_png_finish (LabelPng *png, gboolean complete, GError **error);

G_END_DECLS

#endif /* CS_CLI_LABEL_PNG_H */
