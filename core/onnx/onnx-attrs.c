/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx-attrs.c — typed, range-checked access to a NodeProto's attributes,
 * so that the op parsers never trust a file's attribute types or numbers:
 * a wrong type, an out-of-range value or too many values is an error
 * naming the node, the op and the attribute.
 */
#include "onnx-attrs.h"

#include <inttypes.h>
#include <string.h>

typedef Onnx__AttributeProto__AttributeType AttrType;

static const char *
attr_type_name (AttrType type)
{
  const ProtobufCEnumValue *value =
    protobuf_c_enum_descriptor_get_value (&onnx__attribute_proto__attribute_type__descriptor,
                                          (int) type);
  return value != NULL ? value->name : "an unknown type";
}

/* Files from IR version 1 state no type; tell it from the field in use. */
static AttrType
attr_type (const Onnx__AttributeProto *attr)
{
  if (attr->has_type)
    return attr->type;
  if (attr->has_f)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
  if (attr->has_i)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  if (attr->has_s)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
  if (attr->t != NULL)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
  if (attr->g != NULL)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
  if (attr->n_floats > 0)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
  if (attr->n_ints > 0)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  if (attr->n_strings > 0)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
  return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

const Onnx__AttributeProto *
cs_onnx_attr (const CsOnnxNode *node,
              const char       *name,
              AttrType          type,
              gboolean         *ok,
              GError          **error)
{
  *ok = TRUE;
  for (size_t i = 0; i < node->proto->n_attribute; i++)
    {
      const Onnx__AttributeProto *attr = node->proto->attribute[i];

      if (attr->name == NULL || strcmp (attr->name, name) != 0)
        continue;
      if (attr->ref_attr_name != NULL && attr->ref_attr_name[0] != '\0')
        {
          *ok = cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                    "attribute '%s' refers to a function attribute "
                                    "outside a function", name);
          return NULL;
        }
      if (attr_type (attr) != type)
        {
          *ok = cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                                    "attribute '%s' should be %s, not %s", name,
                                    attr_type_name (type), attr_type_name (attr_type (attr)));
          return NULL;
        }
      return attr;
    }
  return NULL;
}

static gboolean
check_range (const CsOnnxNode *node,
             const char       *name,
             int64_t           value,
             int64_t           min,
             int64_t           max,
             GError          **error)
{
  if (value >= min && value <= max)
    return TRUE;
  if (max == INT64_MAX || max == G_MAXINT)
    return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                               "attribute '%s' is %" PRId64 "; it must be at least %" PRId64,
                               name, value, min);
  return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                             "attribute '%s' is %" PRId64 "; it must be between %" PRId64
                             " and %" PRId64, name, value, min, max);
}

gboolean
cs_onnx_attr_int (const CsOnnxNode *node,
                  const char       *name,
                  int64_t           fallback,
                  int64_t           min,
                  int64_t           max,
                  int64_t          *value,
                  GError          **error)
{
  gboolean ok;
  const Onnx__AttributeProto *attr =
    cs_onnx_attr (node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, &ok, error);

  if (!ok)
    return FALSE;
  *value = attr != NULL ? attr->i : fallback;
  return attr == NULL || check_range (node, name, *value, min, max, error);
}

gboolean
cs_onnx_attr_float (const CsOnnxNode *node,
                    const char       *name,
                    float             fallback,
                    float            *value,
                    GError          **error)
{
  gboolean ok;
  const Onnx__AttributeProto *attr =
    cs_onnx_attr (node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT, &ok, error);

  if (!ok)
    return FALSE;
  *value = attr != NULL ? attr->f : fallback;
  return TRUE;
}

gboolean
cs_onnx_attr_choice (const CsOnnxNode  *node,
                     const char        *name,
                     const char *const *choices,
                     int                fallback,
                     int               *index,
                     GError           **error)
{
  gboolean ok;
  const Onnx__AttributeProto *attr =
    cs_onnx_attr (node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING, &ok, error);

  if (!ok)
    return FALSE;
  *index = fallback;
  if (attr == NULL)
    return TRUE;

  for (int i = 0; choices[i] != NULL; i++)
    if (attr->s.len == strlen (choices[i]) && memcmp (attr->s.data, choices[i], attr->s.len) == 0)
      {
        *index = i;
        return TRUE;
      }

  g_autofree char *given = attr->s.len > 0
                           ? g_strndup ((const char *) attr->s.data, MIN (attr->s.len, 64))
                           : g_strdup ("");
  g_autofree char *printable = g_strescape (given, NULL);
  g_autofree char *expected = g_strjoinv (", ", (char **) choices);
  return cs_onnx_node_error (error, CS_ERROR_INVALID, node,
                             "attribute '%s' is '%s'; expected one of %s",
                             name, printable, expected);
}

gboolean
cs_onnx_attr_ints (const CsOnnxNode *node,
                   const char       *name,
                   int               max_count,
                   int64_t           min,
                   int64_t           max,
                   int64_t          *values,
                   int              *count,
                   GError          **error)
{
  gboolean ok;
  const Onnx__AttributeProto *attr =
    cs_onnx_attr (node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, &ok, error);

  *count = -1;
  if (!ok)
    return FALSE;
  if (attr == NULL)
    return TRUE;
  if (attr->n_ints > (size_t) max_count)
    return cs_onnx_node_error (error, CS_ERROR_UNSUPPORTED, node,
                               "attribute '%s' has %zu values; at most %d are supported",
                               name, attr->n_ints, max_count);
  for (size_t i = 0; i < attr->n_ints; i++)
    {
      if (!check_range (node, name, attr->ints[i], min, max, error))
        return FALSE;
      values[i] = attr->ints[i];
    }
  *count = (int) attr->n_ints;
  return TRUE;
}
