/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-files.c — the files the core tests write: small ONNX models,
 * built with onnx-fixture.h, in temporary directories (see test-files.h).
 */
#include "test-files.h"

#include <glib/gstdio.h>

#include "onnx-fixture.h"

const TestNode test_onnx_pool_nodes[2] = {
  { "GlobalAveragePool", "image", "pooled" },
  { "Flatten", "pooled", "scores" },
};

char *
test_onnx_write (const char *dir, const char *name, int n_inputs, int rank,
                 const int64_t *dims, const TestNode *nodes, size_t n_nodes,
                 const char *output)
{
  static const char *const input_names[2] = { "image", "image1" };
  g_autoptr (Fixture) fixture = fixture_new (13);
  g_autoptr (GBytes) bytes = NULL;
  char *path = g_build_filename (dir, name, NULL);
  size_t size;
  const char *data;

  g_assert_cmpint (n_inputs, >=, 1);
  g_assert_cmpint (n_inputs, <=, 2);
  for (int i = 0; i < n_inputs; i++)
    add_input (fixture, input_names[i], rank, dims);
  for (size_t i = 0; i < n_nodes; i++)
    add_node (fixture, nodes[i].op, nodes[i].output,
              (const char *const[]) { nodes[i].input, NULL, nodes[i].output, NULL });
  add_output (fixture, output);
  bytes = fixture_pack (fixture);
  data = g_bytes_get_data (bytes, &size);
  g_assert_true (g_file_set_contents (path, data, (gssize) size, NULL));
  return path;
}

void
test_remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        test_remove_tree (child);
      else
        g_assert_cmpint (g_remove (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}
