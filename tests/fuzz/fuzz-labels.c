/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-labels.c — label files (core/labels.c) on arbitrary bytes: every
 * line read must be looked up and named without reading past it.
 */
#include "convscope.h"
#include "fuzz-file.h"

#include <stdint.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fuzz_write_file ("labels.txt", data, size);
  GError *error = NULL;
  CsLabels *labels = cs_labels_load (path, size > 0 ? data[0] % 3 - 1 : 0, &error);
  volatile size_t length = 0;

  g_assert ((labels == NULL) != (error == NULL));
  g_clear_error (&error);
  if (labels == NULL)
    return 0;
  for (size_t i = 0; i <= cs_labels_count (labels) + 1; i++)
    {
      const char *label = cs_labels_lookup (labels, i);
      char *name = cs_labels_name (labels, i);

      length += (label != NULL ? strlen (label) : 0) + strlen (name);
      g_free (name);
    }
  cs_labels_free (labels);
  return 0;
}
