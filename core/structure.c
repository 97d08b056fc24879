/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * structure.c — the network's shape as the lecture tells it: the weights
 * a fully connected layer would need where a convolution shares a small
 * kernel, the split into feature extractor and classifier, and how often
 * the map has halved on the way.
 */
#include "cs-lesson.h"

#include <math.h>

int64_t
cs_dense_weights (int64_t in_values, int64_t out_values)
{
  int64_t weights;

  if (in_values < 0 || out_values < 0 || __builtin_mul_overflow (in_values, out_values, &weights))
    return -1;
  return weights;
}

/* Values per image: the shape without its batch axis. */
static int64_t
per_image (const CsShape *shape)
{
  int64_t numel = cs_shape_numel (shape);

  if (shape->rank < 1 || numel < 0)
    return -1;
  return shape->dims[0] > 0 ? numel / shape->dims[0] : 0;
}

int64_t
cs_model_layer_dense_weights (const CsModel *model, size_t layer)
{
  const CsLayerInfo *info = cs_model_layer (model, layer);

  if (info == NULL)
    return -1;
  return cs_dense_weights (per_image (&info->in_shape), per_image (&info->out_shape));
}

int64_t
cs_model_input_dense_weights (const CsModel *model, int64_t units)
{
  if (cs_model_n_inputs (model) == 0)
    return -1;
  return cs_dense_weights (per_image (&cs_model_input (model, 0)->shape), units);
}

static gboolean
is_map (const CsShape *shape)
{
  return shape->rank == 4 && shape->dims[2] * shape->dims[3] > 1;
}

int
cs_model_classifier_start (const CsModel *model)
{
  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    {
      const CsLayerInfo *info = cs_model_layer (model, i);

      if (is_map (&info->in_shape) && !is_map (&info->out_shape))
        return (int) i;
    }
  return -1;
}

int
cs_model_layer_halvings (const CsModel *model, size_t layer)
{
  const CsLayerInfo *info = cs_model_layer (model, layer);
  const CsShape     *image;

  if (info == NULL || cs_model_n_inputs (model) == 0 || !is_map (&info->out_shape))
    return -1;
  image = &cs_model_input (model, 0)->shape;
  if (!is_map (image))
    return -1;
  return (int) lround (0.5
                       * log2 ((double) (image->dims[2] * image->dims[3])
                               / (double) (info->out_shape.dims[2] * info->out_shape.dims[3])));
}
