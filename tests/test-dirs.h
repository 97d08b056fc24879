/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-dirs.h — private XDG data, config and cache directories for tests
 * of code that reads them, emptied before every test.  GLib's own
 * G_TEST_OPTION_ISOLATE_DIRS does this too, but GLib 2.74 leaks its
 * strings at every test, which LeakSanitizer reports; GLib reads these
 * variables once, so they are set once and only their contents change.
 */
#ifndef CS_TEST_DIRS_H
#define CS_TEST_DIRS_H

#include <glib.h>
#include <glib/gstdio.h>

static char *test_dirs_root;

/* Removes @path and everything below it; symbolic links are not
 * followed. */
static void
test_dirs_remove_tree (const char *path)
{
  GDir *dir = g_file_test (path, G_FILE_TEST_IS_SYMLINK) ? NULL : g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      test_dirs_remove_tree (child);
    }
  if (dir != NULL)
    g_dir_close (dir);
  g_remove (path);
}

static void
test_dirs_setup (gpointer fixture, gconstpointer data)
{
  static const char *const kinds[] = { "data", "config", "cache" };

  for (size_t i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *dir = g_build_filename (test_dirs_root, kinds[i], NULL);

      test_dirs_remove_tree (dir);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
    }
}

static void
test_dirs_run (gpointer fixture, gconstpointer data)
{
  ((void (*) (void)) data) ();
}

/* Call after g_test_init and before anything asks GLib for a user
 * directory. */
static void
test_dirs_init (void)
{
  g_autofree char *data = NULL, *config = NULL, *cache = NULL;
  GError *error = NULL;

  test_dirs_root = g_dir_make_tmp ("convscope-test-XXXXXX", &error);
  g_assert_no_error (error);
  data = g_build_filename (test_dirs_root, "data", NULL);
  config = g_build_filename (test_dirs_root, "config", NULL);
  cache = g_build_filename (test_dirs_root, "cache", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
}

/* g_test_add_func with empty directories at the start of the test. */
static void
test_dirs_add_func (const char *path, void (*test) (void))
{
  g_test_add_vtable (path, 0, (gconstpointer) test, test_dirs_setup, test_dirs_run, NULL);
}

static void
test_dirs_cleanup (void)
{
  test_dirs_remove_tree (test_dirs_root);
  g_clear_pointer (&test_dirs_root, g_free);
}

#endif /* CS_TEST_DIRS_H */
