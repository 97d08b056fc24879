/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * receptive.c — the receptive field of one output pixel as a box in the
 * input, found by walking the graph backwards from the pixel: each op's
 * footprint (CsOpClass.footprint) maps a block of its output to the
 * block of each input it reads, and blocks arriving at a value by
 * several paths (the branches of a block) are joined into the box that
 * holds them all.
 *
 * Two blocks travel side by side.  The exact one is clipped to every
 * value it reaches, since a window's taps in a layer's zero padding read
 * nothing: it gives the pixels the output really depends on, and so
 * knows that a last window cut short by a floor-mode size never reaches
 * the image's last rows.  The reaching one is never clipped: it follows
 * the stacked windows out into the padding, which is what the box shows
 * where the exact one meets the image border.
 */
#include "cs-lesson.h"
#include "model.h"

typedef struct
{
  gboolean exact_seen, reach_seen;
  CsRegion exact, reach;
} Seen;

static gboolean
is_map (const CsValue *value)
{
  return value->shape.rank == 4;
}

static void
whole (const CsValue *value, CsRegion *region)
{
  for (int axis = 0; axis < 3; axis++)
    {
      region->lo[axis] = 0;
      region->hi[axis] = is_map (value) ? value->shape.dims[1 + axis] - 1 : 0;
    }
}

/* Clips @region to @value's extent along the axes up to @n_axes (1:
 * channels only); FALSE when nothing is left. */
static gboolean
clip (const CsValue *value, CsRegion *region, int n_axes)
{
  for (int axis = 0; axis < n_axes; axis++)
    {
      region->lo[axis] = MAX (region->lo[axis], 0);
      region->hi[axis] = MIN (region->hi[axis], value->shape.dims[1 + axis] - 1);
      if (region->lo[axis] > region->hi[axis])
        return FALSE;
    }
  return TRUE;
}

static void
join (gboolean *seen, CsRegion *into, const CsRegion *region)
{
  for (int axis = 0; axis < 3; axis++)
    {
      into->lo[axis] = *seen ? MIN (into->lo[axis], region->lo[axis]) : region->lo[axis];
      into->hi[axis] = *seen ? MAX (into->hi[axis], region->hi[axis]) : region->hi[axis];
    }
  *seen = TRUE;
}

/* What input @i of @node reads of @out, block of output @j. */
static gboolean
footprint (const CsGraph  *graph,
           const CsNode   *node,
           int             j,
           const CsRegion *out,
           int             i,
           CsRegion       *in)
{
  const CsValue *x = cs_node_input (graph, node, i);

  if (node->klass->footprint != NULL && is_map (x) && is_map (cs_node_output (graph, node, j)))
    return node->klass->footprint (graph, node, j, out, i, in);
  whole (x, in);
  return TRUE;
}

/* Carries the blocks of @node's outputs back to its inputs. */
static void
visit (const CsGraph *graph, const CsNode *node, Seen *seen)
{
  for (int j = 0; j < node->n_outputs; j++)
    {
      const Seen *out = &seen[node->outputs[j]];

      for (int i = 0; i < node->n_inputs; i++)
        {
          const CsValue *x = cs_node_input (graph, node, i);
          Seen          *in;
          CsRegion       region;

          if (x == NULL || x->constant != NULL || x->packed)
            continue;
          in = &seen[node->inputs[i]];
          if (out->exact_seen && footprint (graph, node, j, &out->exact, i, &region)
              && (!is_map (x) || clip (x, &region, 3)))
            join (&in->exact_seen, &in->exact, &region);
          if (out->reach_seen && footprint (graph, node, j, &out->reach, i, &region)
              && (!is_map (x) || clip (x, &region, 1)))
            join (&in->reach_seen, &in->reach, &region);
        }
    }
}

/* Where the exact block meets the image border, the reaching one's edge;
 * elsewhere the exact one's. */
static void
fill_box (const CsValue *image, const Seen *seen, CsReceptiveBox *box)
{
  const CsRegion *exact = &seen->exact, *reach = &seen->reach;
  const int64_t   last_y = image->shape.dims[2] - 1, last_x = image->shape.dims[3] - 1;

  *box = (CsReceptiveBox){ 0 };
  if (!seen->exact_seen)
    {
      box->y0 = reach->lo[1];
      box->x0 = reach->lo[2];
      box->y1 = reach->hi[1];
      box->x1 = reach->hi[2];
      return;
    }
  box->in_image = TRUE;
  box->image_y0 = exact->lo[1];
  box->image_x0 = exact->lo[2];
  box->image_y1 = exact->hi[1];
  box->image_x1 = exact->hi[2];
  box->y0 = exact->lo[1] == 0 ? reach->lo[1] : exact->lo[1];
  box->x0 = exact->lo[2] == 0 ? reach->lo[2] : exact->lo[2];
  box->y1 = exact->hi[1] == last_y ? reach->hi[1] : exact->hi[1];
  box->x1 = exact->hi[2] == last_x ? reach->hi[2] : exact->hi[2];
}

gboolean
cs_model_receptive_box (const CsModel  *model,
                        size_t          layer,
                        int64_t         channel,
                        int64_t         y,
                        int64_t         x,
                        CsReceptiveBox *box,
                        GError        **error)
{
  const CsGraph     *graph = model->graph;
  const CsLayerInfo *info = cs_model_layer (model, layer);
  const CsValue     *image, *output;
  int                node_index;
  Seen              *seen;

  if (info == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "%s: there is no layer %zu", model->name,
                   layer);
      return FALSE;
    }
  node_index = g_array_index (model->layer_nodes, int, layer);
  output = cs_node_output (graph, cs_graph_node (graph, node_index), 0);
  image = graph->inputs->len > 0 ? cs_graph_value (graph, g_array_index (graph->inputs, int, 0))
                                 : NULL;
  if (image == NULL || !is_map (output) || !is_map (image))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: layer %s or the input is not a 1×C×H×W map", model->name, info->name);
      return FALSE;
    }
  if (channel < 0 || channel >= output->shape.dims[1] || y < 0 || y >= output->shape.dims[2]
      || x < 0 || x >= output->shape.dims[3])
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: channel %" G_GINT64_FORMAT " at %" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                   " is outside layer %s's %" G_GINT64_FORMAT " channels of %" G_GINT64_FORMAT
                   "×%" G_GINT64_FORMAT,
                   model->name, channel, y, x, info->name, output->shape.dims[1],
                   output->shape.dims[2], output->shape.dims[3]);
      return FALSE;
    }

  seen = g_new0 (Seen, graph->values->len);
  seen[cs_graph_node (graph, node_index)->outputs[0]] =
      (Seen){ TRUE,
              TRUE,
              { { channel, y, x }, { channel, y, x } },
              { { channel, y, x }, { channel, y, x } } };
  for (int i = node_index; i >= 0; i--)
    if (!cs_graph_node (graph, i)->dead)
      visit (graph, cs_graph_node (graph, i), seen);
  fill_box (image, &seen[g_array_index (graph->inputs, int, 0)], box);
  g_free (seen);
  return TRUE;
}
