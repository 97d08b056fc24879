/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tflite.h — the TensorFlow Lite importer.  It reads a .tflite flatbuffer
 * (float32, uint8 or int8 quantized), turns it into the engine's NCHW
 * float graph and hands out what else the file carries: the labels of an
 * appended metadata archive and the quantization of the graph inputs,
 * which preprocessing needs to map pixels to the real values the float
 * graph takes.
 */
#ifndef CS_TFLITE_H
#define CS_TFLITE_H

#include "../graph.h"

G_BEGIN_DECLS

/* Builds the graph of subgraph 0 of the TFLite model in @data (not
 * retained).  @source names the file in messages.  On success
 * *@labels_out (if @labels_out is non-NULL) receives the lines of the
 * label file found in the appended metadata archive as a NULL-terminated
 * array for g_strfreev, or NULL when there is none.  The caller owns the
 * graph.  Returns NULL and sets @error (CS_ERROR domain) on failure,
 * leaving the out-parameters NULL. */
CsGraph *cs_tflite_load      (const guint8         *data,
                              gsize                 size,
                              const char           *source,
                              const CsLoadOptions  *options,
                              char               ***labels_out,
                              GError              **error);
/* The same, and *@input_quant_out (if non-NULL) receives one
 * CsQuantization per graph input, in graph input order, for g_free. */
CsGraph *cs_tflite_load_full (const guint8         *data,
                              gsize                 size,
                              const char           *source,
                              const CsLoadOptions  *options,
                              char               ***labels_out,
                              CsQuantization      **input_quant_out,
                              GError              **error);

/* The lines of the first label file (a .txt entry, "label" in its name
 * preferred) of a ZIP archive appended to @data, or NULL when there is
 * none or it cannot be read.  Exposed for tests. */
char   **cs_tflite_find_labels (const guint8 *data,
                                gsize         size);

G_END_DECLS

#endif /* CS_TFLITE_H */
