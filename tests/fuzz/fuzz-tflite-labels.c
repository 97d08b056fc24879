/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-tflite-labels.c — the ZIP reader behind the labels a TFLite model
 * carries in its metadata (core/tflite/tflite-labels.c): the central
 * directory, local headers and inflated entries are all hostile here.
 */
#include "tflite/tflite.h"

#include <stdint.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char **labels = cs_tflite_find_labels (data, size);
  volatile size_t length = 0;

  /* Every line must be a string ASan sees as allocated to its end. */
  for (int i = 0; labels != NULL && labels[i] != NULL; i++)
    length += strlen (labels[i]);
  g_strfreev (labels);
  return 0;
}
