/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-files.c — the files the core tests write: small ONNX models,
 * packed with protobuf-c, in temporary directories (see test-files.h).
 */
#include "test-files.h"

#include <glib/gstdio.h>

#include "onnx.pb-c.h"

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
  Onnx__TensorShapeProto__Dimension dim[8], *dim_list[8];
  Onnx__TensorShapeProto shape;
  Onnx__TypeProto__Tensor input_tensor_type, output_tensor_type;
  Onnx__TypeProto input_type, output_type;
  Onnx__ValueInfoProto inputs[2], *input_list[2], graph_output, *output_list[1];
  Onnx__NodeProto node[4], *node_list[4];
  char *node_in[4][1], *node_out[4][1];
  Onnx__GraphProto graph;
  Onnx__OperatorSetIdProto opset, *opsets[1] = { &opset };
  Onnx__ModelProto model;
  char *path = g_build_filename (dir, name, NULL);
  g_autofree guint8 *data = NULL;
  size_t size;

  g_assert_cmpint (n_inputs, >=, 1);
  g_assert_cmpint (n_inputs, <=, 2);
  g_assert_cmpint (rank, <=, 8);
  g_assert_cmpuint (n_nodes, <=, 4);
  for (int i = 0; i < rank; i++)
    {
      onnx__tensor_shape_proto__dimension__init (&dim[i]);
      dim[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
      dim[i].dim_value = dims[i];
      dim_list[i] = &dim[i];
    }
  onnx__tensor_shape_proto__init (&shape);
  shape.n_dim = rank;
  shape.dim = dim_list;
  onnx__type_proto__tensor__init (&input_tensor_type);
  input_tensor_type.has_elem_type = TRUE;
  input_tensor_type.elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  input_tensor_type.shape = &shape;
  onnx__type_proto__init (&input_type);
  input_type.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  input_type.tensor_type = &input_tensor_type;
  for (int i = 0; i < n_inputs; i++)
    {
      onnx__value_info_proto__init (&inputs[i]);
      inputs[i].name = (char *) input_names[i];
      inputs[i].type = &input_type;
      input_list[i] = &inputs[i];
    }
  /* The output's type is left to the loader's inference. */
  output_tensor_type = input_tensor_type;
  output_tensor_type.has_elem_type = FALSE;
  output_tensor_type.shape = NULL;
  output_type = input_type;
  output_type.tensor_type = &output_tensor_type;
  onnx__value_info_proto__init (&graph_output);
  graph_output.name = (char *) output;
  graph_output.type = &output_type;
  output_list[0] = &graph_output;

  for (size_t i = 0; i < n_nodes; i++)
    {
      onnx__node_proto__init (&node[i]);
      node[i].op_type = (char *) nodes[i].op;
      node[i].name = (char *) nodes[i].output;
      node_in[i][0] = (char *) nodes[i].input;
      node_out[i][0] = (char *) nodes[i].output;
      node[i].n_input = node[i].n_output = 1;
      node[i].input = node_in[i];
      node[i].output = node_out[i];
      node_list[i] = &node[i];
    }
  onnx__graph_proto__init (&graph);
  graph.name = "test";
  graph.n_node = n_nodes;
  graph.node = node_list;
  graph.n_input = n_inputs;
  graph.input = input_list;
  graph.n_output = 1;
  graph.output = output_list;
  onnx__operator_set_id_proto__init (&opset);
  opset.has_version = TRUE;
  opset.version = 13;
  onnx__model_proto__init (&model);
  model.has_ir_version = TRUE;
  model.ir_version = 8;
  model.n_opset_import = 1;
  model.opset_import = opsets;
  model.graph = &graph;

  size = onnx__model_proto__get_packed_size (&model);
  data = g_malloc (size);
  onnx__model_proto__pack (&model, data);
  g_assert_true (g_file_set_contents (path, (const char *) data, size, NULL));
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
