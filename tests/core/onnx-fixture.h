/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx-fixture.h — small ONNX models built in memory with protobuf-c for
 * the tests: graph inputs and outputs, float and int64 initializers,
 * nodes and their attributes, packed into the bytes of a .onnx file.
 * Everything a fixture allocates belongs to it and goes with
 * fixture_free.
 */
#ifndef CS_TEST_ONNX_FIXTURE_H
#define CS_TEST_ONNX_FIXTURE_H

#include <glib.h>

#include "onnx.pb-c.h"

/* Everything a fixture allocates, freed together. */
typedef struct
{
  GPtrArray        *allocations;
  GPtrArray        *nodes;
  GPtrArray        *initializers;
  GPtrArray        *inputs;
  GPtrArray        *outputs;
  Onnx__ModelProto  model;
  Onnx__GraphProto  graph;
  Onnx__OperatorSetIdProto opset;
  Onnx__OperatorSetIdProto *opsets[1];
} Fixture;

Fixture *fixture_new  (int64_t opset);
void     fixture_free (Fixture *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fixture, fixture_free)

/* Keeps @allocation until the fixture is freed; returns it. */
gpointer keep (Fixture *f, gpointer allocation);

/* A negative entry in @dims is a symbolic dimension. */
Onnx__ValueInfoProto *value_info (Fixture       *f,
                                  const char    *name,
                                  int32_t        elem_type,
                                  int            rank,
                                  const int64_t *dims);
/* A float graph input. */
void add_input  (Fixture *f, const char *name, int rank, const int64_t *dims);
/* A float graph output of undeclared shape. */
void add_output (Fixture *f, const char *name);

/* A float initializer stored as raw_data of @n_bytes (normally 4 per
 * element); the values are all @fill. */
Onnx__TensorProto *add_initializer (Fixture       *f,
                                    const char    *name,
                                    int            rank,
                                    const int64_t *dims,
                                    size_t         n_bytes,
                                    float          fill);
/* An int64 initializer holding the @n @values (rank 1, or rank 0 when
 * @n is 1 and @scalar). */
Onnx__TensorProto *add_int64_initializer (Fixture       *f,
                                          const char    *name,
                                          const int64_t *values,
                                          size_t         n,
                                          gboolean       scalar);

/* @io lists the inputs, then NULL, then the outputs, then NULL. */
Onnx__NodeProto *add_node (Fixture            *f,
                           const char         *op,
                           const char         *name,
                           const char *const  *io);
Onnx__AttributeProto *add_attribute (Fixture         *f,
                                     Onnx__NodeProto *node,
                                     const char      *name,
                                     Onnx__AttributeProto__AttributeType type);
void add_ints  (Fixture *f, Onnx__NodeProto *node, const char *name,
                size_t n, const int64_t *values);
void add_int   (Fixture *f, Onnx__NodeProto *node, const char *name, int64_t value);
void add_float (Fixture *f, Onnx__NodeProto *node, const char *name, float value);
void add_string (Fixture *f, Onnx__NodeProto *node, const char *name, const char *value);

/* The model's bytes. */
GBytes *fixture_pack (Fixture *f);

#endif /* CS_TEST_ONNX_FIXTURE_H */
