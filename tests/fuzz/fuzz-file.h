/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-file.h — for the fuzz targets whose parser reads a file by path
 * (model cards, label files, the catalogue): each input is written to one
 * file in a directory of this process's own, in memory where /dev/shm
 * exists, so the target tests the parser and not the disk.
 */
#ifndef CS_FUZZ_FILE_H
#define CS_FUZZ_FILE_H

#include <glib.h>
#include <stdint.h>

/* Writes @data to @name in the process's directory and returns the path
 * (owned here, valid until the next call with the same @name). */
static inline const char *
fuzz_write_file (const char *name, const uint8_t *data, size_t size)
{
  static char *dir;
  static GHashTable *paths;
  char *path;

  if (dir == NULL)
    {
      const char *base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm"
                                                                       : g_get_tmp_dir ();
      char *template = g_build_filename (base, "convscope-fuzz-XXXXXX", NULL);

      dir = g_mkdtemp (template);
      g_assert (dir != NULL);
      paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    }
  path = g_hash_table_lookup (paths, name);
  if (path == NULL)
    {
      path = g_build_filename (dir, name, NULL);
      g_hash_table_insert (paths, g_strdup (name), path);
    }
  g_assert (g_file_set_contents (path, (const char *) data, (gssize) size, NULL));
  return path;
}

#endif /* CS_FUZZ_FILE_H */
