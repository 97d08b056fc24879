/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-tflite.c — the TFLite importer (FlatBuffers walk, quantization,
 * the op table) and the graph passes on arbitrary bytes.  The input is
 * given the "TFL3" identifier at offset 4, so every input reaches the
 * TFLite path; the rest of the bytes are the fuzzer's.
 */
#include "convscope.h"

#include <stdint.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  guint8 *copy;
  CsModel *model;

  if (size < 8)
    return -1;
  copy = g_memdup2 (data, size);
  memcpy (copy + 4, "TFL3", 4);
  model = cs_model_load_memory (copy, size, "fuzz.tflite", NULL, &error);
  g_assert ((model == NULL) != (error == NULL));
  g_assert (model != NULL || error->domain == CS_ERROR);
  g_clear_error (&error);
  cs_model_free (model);
  g_free (copy);
  return 0;
}
