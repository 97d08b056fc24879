/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-catalogue.c — the catalogue of models to fetch (core/models.c) on
 * arbitrary bytes: cs_catalogue_load returns entries with every required
 * field set, or a CS_ERROR.
 */
#include "convscope.h"
#include "fuzz-file.h"

#include <stdint.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fuzz_write_file ("catalogue.ini", data, size);
  GError *error = NULL;
  GPtrArray *catalogue = cs_catalogue_load (path, &error);

  g_assert ((catalogue == NULL) != (error == NULL));
  g_clear_error (&error);
  if (catalogue == NULL)
    return 0;
  for (guint i = 0; i < catalogue->len; i++)
    {
      const CsCatalogueEntry *entry = g_ptr_array_index (catalogue, i);

      g_assert (entry->name != NULL && entry->url != NULL && entry->file_name != NULL
                && entry->sha256 != NULL && entry->card != NULL);
      g_assert (cs_catalogue_find (catalogue, entry->name) != NULL);
    }
  g_ptr_array_unref (catalogue);
  return 0;
}
