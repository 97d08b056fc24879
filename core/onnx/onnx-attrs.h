/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * onnx-attrs.h — typed, range-checked access to a node's attributes;
 * a wrong type or value is an error naming the node.
 */
#ifndef CS_ONNX_ATTRS_H
#define CS_ONNX_ATTRS_H

#include "onnx-node.h"

G_BEGIN_DECLS

/* The attribute @name of @node checked to be of @type, or NULL (and no
 * error) when absent.  A wrong type sets @error and sets *@ok FALSE. */
const Onnx__AttributeProto *cs_onnx_attr (const CsOnnxNode              *node,
                                          const char                    *name,
                                          Onnx__AttributeProto__AttributeType type,
                                          gboolean                      *ok,
                                          GError                       **error);

gboolean cs_onnx_attr_int    (const CsOnnxNode *node,
                              const char       *name,
                              int64_t           fallback,
                              int64_t           min,
                              int64_t           max,
                              int64_t          *value,
                              GError          **error);
gboolean cs_onnx_attr_float  (const CsOnnxNode *node,
                              const char       *name,
                              float             fallback,
                              float            *value,
                              GError          **error);
/* Sets *@index to the position of the attribute's string in the
 * NULL-terminated @choices, or to @fallback when absent. */
gboolean cs_onnx_attr_choice (const CsOnnxNode  *node,
                              const char        *name,
                              const char *const *choices,
                              int                fallback,
                              int               *index,
                              GError           **error);
/* Copies an INTS attribute of at most @max_count values, each within
 * [@min, @max], into @values; *@count is -1 when the attribute is absent. */
gboolean cs_onnx_attr_ints   (const CsOnnxNode *node,
                              const char       *name,
                              int               max_count,
                              int64_t           min,
                              int64_t           max,
                              int64_t          *values,
                              int              *count,
                              GError          **error);

G_END_DECLS

#endif /* CS_ONNX_ATTRS_H */
