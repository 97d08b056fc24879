/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx-fixture.c — building small ONNX models in memory for the tests
 * (see onnx-fixture.h).
 */
#include "onnx-fixture.h"

#include <string.h>

gpointer
keep (Fixture *f,
      gpointer allocation)
{
  g_ptr_array_add (f->allocations, allocation);
  return allocation;
}

Fixture *
fixture_new (int64_t opset)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->allocations = g_ptr_array_new_with_free_func (g_free);
  f->nodes = g_ptr_array_new ();
  f->initializers = g_ptr_array_new ();
  f->inputs = g_ptr_array_new ();
  f->outputs = g_ptr_array_new ();
  onnx__model_proto__init (&f->model);
  onnx__graph_proto__init (&f->graph);
  onnx__operator_set_id_proto__init (&f->opset);
  f->model.has_ir_version = TRUE;
  f->model.ir_version = 8;
  f->model.graph = &f->graph;
  f->opset.has_version = TRUE;
  f->opset.version = opset;
  f->opsets[0] = &f->opset;
  f->model.n_opset_import = 1;
  f->model.opset_import = f->opsets;
  f->graph.name = "fixture";
  return f;
}

void
fixture_free (Fixture *f)
{
  g_ptr_array_unref (f->allocations);
  g_ptr_array_unref (f->nodes);
  g_ptr_array_unref (f->initializers);
  g_ptr_array_unref (f->inputs);
  g_ptr_array_unref (f->outputs);
  g_free (f);
}

Onnx__ValueInfoProto *
value_info (Fixture       *f,
            const char    *name,
            int32_t        elem_type,
            int            rank,
            const int64_t *dims)
{
  Onnx__ValueInfoProto *info = keep (f, g_new0 (Onnx__ValueInfoProto, 1));
  Onnx__TypeProto *type = keep (f, g_new0 (Onnx__TypeProto, 1));
  Onnx__TypeProto__Tensor *tensor = keep (f, g_new0 (Onnx__TypeProto__Tensor, 1));
  Onnx__TensorShapeProto *shape = keep (f, g_new0 (Onnx__TensorShapeProto, 1));
  Onnx__TensorShapeProto__Dimension **dim_list =
    keep (f, g_new0 (Onnx__TensorShapeProto__Dimension *, MAX (rank, 1)));

  onnx__value_info_proto__init (info);
  onnx__type_proto__init (type);
  onnx__type_proto__tensor__init (tensor);
  onnx__tensor_shape_proto__init (shape);
  for (int i = 0; i < rank; i++)
    {
      dim_list[i] = keep (f, g_new0 (Onnx__TensorShapeProto__Dimension, 1));
      onnx__tensor_shape_proto__dimension__init (dim_list[i]);
      if (dims[i] < 0)
        {
          dim_list[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
          dim_list[i]->dim_param = "batch";
          continue;
        }
      dim_list[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
      dim_list[i]->dim_value = dims[i];
    }
  shape->n_dim = rank;
  shape->dim = dim_list;
  tensor->has_elem_type = TRUE;
  tensor->elem_type = elem_type;
  tensor->shape = shape;
  type->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  type->tensor_type = tensor;
  info->name = keep (f, g_strdup (name));
  info->type = type;
  return info;
}

void
add_input (Fixture       *f,
           const char    *name,
           int            rank,
           const int64_t *dims)
{
  g_ptr_array_add (f->inputs, value_info (f, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, rank, dims));
}

void
add_output (Fixture    *f,
            const char *name)
{
  g_ptr_array_add (f->outputs, value_info (f, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL));
}

Onnx__TensorProto *
add_initializer (Fixture       *f,
                 const char    *name,
                 int            rank,
                 const int64_t *dims,
                 size_t         n_bytes,
                 float          fill)
{
  Onnx__TensorProto *tensor = keep (f, g_new0 (Onnx__TensorProto, 1));
  float *values = keep (f, g_new0 (float, n_bytes / 4 + 1));

  for (size_t i = 0; i < n_bytes / 4; i++)
    values[i] = fill;
  onnx__tensor_proto__init (tensor);
  tensor->name = keep (f, g_strdup (name));
  tensor->n_dims = rank;
  tensor->dims = keep (f, g_memdup2 (dims, sizeof *dims * MAX (rank, 1)));
  tensor->has_data_type = TRUE;
  tensor->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  tensor->has_raw_data = TRUE;
  tensor->raw_data.len = n_bytes;
  tensor->raw_data.data = (guint8 *) values;
  g_ptr_array_add (f->initializers, tensor);
  return tensor;
}

Onnx__TensorProto *
add_int64_initializer (Fixture       *f,
                       const char    *name,
                       const int64_t *values,
                       size_t         n,
                       gboolean       scalar)
{
  Onnx__TensorProto *tensor = keep (f, g_new0 (Onnx__TensorProto, 1));
  int64_t *dims = keep (f, g_new0 (int64_t, 1));

  onnx__tensor_proto__init (tensor);
  tensor->name = keep (f, g_strdup (name));
  dims[0] = (int64_t) n;
  tensor->n_dims = scalar && n == 1 ? 0 : 1;
  tensor->dims = dims;
  tensor->has_data_type = TRUE;
  tensor->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
  tensor->n_int64_data = n;
  tensor->int64_data = keep (f, g_memdup2 (values, sizeof *values * MAX (n, 1)));
  g_ptr_array_add (f->initializers, tensor);
  return tensor;
}

Onnx__NodeProto *
add_node (Fixture    *f,
          const char *op,
          const char *name,
          const char *const *io)
{
  Onnx__NodeProto *node = keep (f, g_new0 (Onnx__NodeProto, 1));
  size_t n_in = g_strv_length ((char **) io);
  const char *const *outputs = io + n_in + 1;

  onnx__node_proto__init (node);
  node->op_type = keep (f, g_strdup (op));
  node->name = keep (f, g_strdup (name));
  node->n_input = n_in;
  node->input = keep (f, g_memdup2 (io, sizeof (char *) * (n_in + 1)));
  node->n_output = g_strv_length ((char **) outputs);
  node->output = keep (f, g_memdup2 (outputs, sizeof (char *) * (node->n_output + 1)));
  g_ptr_array_add (f->nodes, node);
  return node;
}

Onnx__AttributeProto *
add_attribute (Fixture         *f,
               Onnx__NodeProto *node,
               const char      *name,
               Onnx__AttributeProto__AttributeType type)
{
  Onnx__AttributeProto *attr = keep (f, g_new0 (Onnx__AttributeProto, 1));
  Onnx__AttributeProto **list = keep (f, g_new0 (Onnx__AttributeProto *, node->n_attribute + 1));

  onnx__attribute_proto__init (attr);
  attr->name = keep (f, g_strdup (name));
  attr->has_type = TRUE;
  attr->type = type;
  for (size_t i = 0; i < node->n_attribute; i++)
    list[i] = node->attribute[i];
  list[node->n_attribute++] = attr;
  node->attribute = list;
  return attr;
}

void
add_ints (Fixture         *f,
          Onnx__NodeProto *node,
          const char      *name,
          size_t           n,
          const int64_t   *values)
{
  Onnx__AttributeProto *attr =
    add_attribute (f, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);

  attr->n_ints = n;
  attr->ints = keep (f, g_memdup2 (values, sizeof *values * n));
}

void
add_int (Fixture         *f,
         Onnx__NodeProto *node,
         const char      *name,
         int64_t          value)
{
  Onnx__AttributeProto *attr =
    add_attribute (f, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);

  attr->has_i = TRUE;
  attr->i = value;
}

void
add_float (Fixture         *f,
           Onnx__NodeProto *node,
           const char      *name,
           float            value)
{
  Onnx__AttributeProto *attr =
    add_attribute (f, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);

  attr->has_f = TRUE;
  attr->f = value;
}

void
add_string (Fixture         *f,
            Onnx__NodeProto *node,
            const char      *name,
            const char      *value)
{
  Onnx__AttributeProto *attr =
    add_attribute (f, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);

  attr->has_s = TRUE;
  attr->s.data = keep (f, g_strdup (value));
  attr->s.len = strlen (value);
}

GBytes *
fixture_pack (Fixture *f)
{
  f->graph.n_node = f->nodes->len;
  f->graph.node = (Onnx__NodeProto **) f->nodes->pdata;
  f->graph.n_initializer = f->initializers->len;
  f->graph.initializer = (Onnx__TensorProto **) f->initializers->pdata;
  f->graph.n_input = f->inputs->len;
  f->graph.input = (Onnx__ValueInfoProto **) f->inputs->pdata;
  f->graph.n_output = f->outputs->len;
  f->graph.output = (Onnx__ValueInfoProto **) f->outputs->pdata;

  size_t size = onnx__model_proto__get_packed_size (&f->model);
  guint8 *data = g_malloc (size);
  onnx__model_proto__pack (&f->model, data);
  return g_bytes_new_take (data, size);
}
