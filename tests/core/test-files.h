/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-files.h — the files the core tests write: small ONNX models
 * (a graph of float inputs, a chain of one-input nodes and one output,
 * enough for image classifiers in miniature and for models that are not
 * classifiers) in temporary directories that go when the test is done.
 */
#ifndef CS_TEST_FILES_H
#define CS_TEST_FILES_H

#include <glib.h>
#include <stdint.h>

typedef struct
{
  const char *op;
  const char *input;
  const char *output;
} TestNode;

/* image (1×C×H×W) → GlobalAveragePool → Flatten → scores (1×C): each
 * channel's mean is its class's score. */
extern const TestNode test_onnx_pool_nodes[2];

/* Writes DIR/NAME and returns its path (the caller frees it): @n_inputs
 * (1 or 2) float inputs "image", "image1" of shape @dims (@rank of
 * them), the @n_nodes nodes in order, and the float graph output
 * @output. */
char *test_onnx_write (const char     *dir,
                       const char     *name,
                       int             n_inputs,
                       int             rank,
                       const int64_t  *dims,
                       const TestNode *nodes,
                       size_t          n_nodes,
                       const char     *output);

/* Removes the directory @path with everything in it, asserting that it
 * can. */
void  test_remove_tree (const char *path);

#endif /* CS_TEST_FILES_H */
