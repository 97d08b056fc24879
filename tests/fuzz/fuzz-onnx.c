/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-onnx.c — the ONNX importer and the graph passes on arbitrary bytes:
 * cs_model_load_memory must return a model or a CS_ERROR, nothing else.
 * Bytes that look like TFLite are left to fuzz-tflite.
 */
#include "convscope.h"

#include <stdint.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  CsModel *model;

  if (size >= 8 && memcmp (data + 4, "TFL3", 4) == 0)
    return -1;
  model = cs_model_load_memory (data, size, "fuzz.onnx", NULL, &error);
  g_assert ((model == NULL) != (error == NULL));
  g_assert (model != NULL || error->domain == CS_ERROR);
  g_clear_error (&error);
  cs_model_free (model);
  return 0;
}
