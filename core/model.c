/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * model.c — a loaded model: reading the file, telling ONNX from TFLite by
 * content, running the graph passes, and the description of the network
 * as a person reads it (layers, shapes, window arithmetic, parameters,
 * multiply-accumulates, receptive fields).
 */
#include "model.h"
#include "onnx/onnx.h"
#include "tflite/tflite.h"

#include <math.h>
#include <string.h>

static gboolean
is_tflite (const guint8 *data, gsize size)
{
  return size >= 8 && memcmp (data + 4, "TFL3", 4) == 0;
}

/* A size in input pixels along H and W; fractional once a layer upsamples
 * (ConvTranspose, Resize), when neighbouring outputs are less than an
 * input pixel apart. */
typedef struct
{
  double axis[2];
} Extent;

/* The layers a loaded graph shows: every live node, in order. */
static void
describe_layers (CsModel *model)
{
  CsGraph *graph = model->graph;
  Extent *rf = g_new0 (Extent, graph->values->len);
  Extent *jump = g_new0 (Extent, graph->values->len);

  model->layers = g_array_new (FALSE, TRUE, sizeof (CsLayerInfo));
  model->layer_nodes = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint v = 0; v < graph->values->len; v++)
    rf[v].axis[0] = rf[v].axis[1] = jump[v].axis[0] = jump[v].axis[1] = 1;

  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (graph, i);
      CsLayerInfo info = { 0 };
      CsValue *in;
      /* 0 until an input says otherwise: jumps below 1 must survive MAX. */
      double in_rf[2] = { 0, 0 }, in_jump[2] = { 0, 0 };

      if (node->dead)
        continue;
      info.name = node->name;
      info.op = g_strconcat (node->klass->name, node->fused->str, NULL);
      info.kind = node->klass->kind;
      info.groups = 1;
      in = cs_node_input (graph, node, 0);
      if (in != NULL)
        info.in_shape = in->shape;
      info.out_shape = cs_node_output (graph, node, 0)->shape;
      if (node->klass->describe != NULL)
        node->klass->describe (graph, node, &info);

      /* What one output pixel sees grows by the (dilated) window minus one,
       * in units of the accumulated stride; global reductions see it all.
       * A transposed window reaches ⌊(k − 1) / s⌋ more inputs and brings
       * outputs s times closer; resampling reaches taps − 1 more and
       * brings them scale times closer. */
      for (int j = 0; j < node->n_inputs; j++)
        if (node->inputs[j] >= 0 && cs_node_input (graph, node, j)->constant == NULL
            && !cs_node_input (graph, node, j)->packed)
          for (int a = 0; a < 2; a++)
            {
              in_rf[a] = MAX (in_rf[a], rf[node->inputs[j]].axis[a]);
              in_jump[a] = MAX (in_jump[a], jump[node->inputs[j]].axis[a]);
            }
      for (int a = 0; a < 2; a++)
        {
          double out_rf, out_jump;

          /* A layer fed only by the image sees one pixel, one apart. */
          if (in_rf[a] == 0)
            in_rf[a] = in_jump[a] = 1;
          out_rf = in_rf[a];
          out_jump = in_jump[a];

          if (info.has_window && info.transposed)
            {
              int64_t reach = (int64_t) info.dilation[a] * (info.kernel[a] - 1);

              out_rf += (double) (reach / info.stride[a]) * in_jump[a];
              out_jump /= info.stride[a];
            }
          else if (info.has_window)
            {
              out_rf += (double) info.dilation[a] * (info.kernel[a] - 1) * in_jump[a];
              out_jump *= info.stride[a];
            }
          else if (info.resampled)
            {
              out_rf += (info.taps[a] - 1) * in_jump[a];
              out_jump /= info.scale[a];
            }
          else if (info.in_shape.rank == 4
                   && (info.out_shape.rank < 4 || (info.out_shape.dims[2] == 1
                                                   && info.out_shape.dims[3] == 1))
                   && info.in_shape.dims[2 + a] > 1)
            {
              out_rf += (double) (info.in_shape.dims[2 + a] - 1) * in_jump[a];
              out_jump *= (double) info.in_shape.dims[2 + a];
            }
          info.receptive_field[a] = (int64_t) ceil (out_rf - 1e-9);
          info.jump[a] = MAX ((int64_t) llround (out_jump), 1);
          for (int j = 0; j < node->n_outputs; j++)
            {
              rf[node->outputs[j]].axis[a] = out_rf;
              jump[node->outputs[j]].axis[a] = out_jump;
            }
        }
      model->total_params += info.params;
      model->total_macs += info.macs;
      g_array_append_val (model->layers, info);
      g_array_append_val (model->layer_nodes, i);
    }
  g_free (rf);
  g_free (jump);
}

/* Name, dtype and shape of the values @indices lists, data NULL. */
static CsTensor *
tensor_descriptors (const CsGraph *graph, const GArray *indices)
{
  CsTensor *tensors = g_new0 (CsTensor, MAX (indices->len, 1));

  for (guint i = 0; i < indices->len; i++)
    {
      CsValue *value = cs_graph_value (graph, g_array_index (indices, int, i));

      tensors[i] = (CsTensor) { value->name, value->dtype, value->shape, NULL };
    }
  return tensors;
}

static void
describe_io (CsModel *model)
{
  model->inputs = tensor_descriptors (model->graph, model->graph->inputs);
  model->outputs = tensor_descriptors (model->graph, model->graph->outputs);
}

/* Undoes describe_io and describe_layers. */
static void
forget_description (CsModel *model)
{
  for (guint i = 0; i < model->layers->len; i++)
    {
      CsLayerInfo *info = &g_array_index (model->layers, CsLayerInfo, i);

      g_free ((char *) info->op);
      g_free ((char *) info->arithmetic[0]);
      g_free ((char *) info->arithmetic[1]);
    }
  g_array_unref (model->layers);
  g_array_unref (model->layer_nodes);
  g_free (model->inputs);
  g_free (model->outputs);
  model->total_params = model->total_macs = 0;
}

/* What a loader made of a file, before the passes. */
typedef struct
{
  CsGraph        *graph;
  CsFormat        format;
  char          **labels;
  CsQuantization *input_quant;
  gboolean        activations_in_float;
} Imported;

/* Translates @data into a graph; the graph keeps nothing of @data.
 * @options may be NULL.  FALSE with @error set on failure. */
static gboolean
import (const void *data, size_t size, const char *name, const CsLoadOptions *options,
        Imported *imported, GError **error)
{
  static const CsLoadOptions defaults = { 0 };

  if (options == NULL)
    options = &defaults;
  *imported = (Imported) { NULL, CS_FORMAT_ONNX, NULL, NULL, options->activations_in_float };
  if (data == NULL || size == 0)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT, "%s: the file is empty", name);
      return FALSE;
    }
  if (is_tflite (data, size))
    {
      imported->format = CS_FORMAT_TFLITE;
      imported->graph = cs_tflite_load_full (data, size, name, options, &imported->labels,
                                             &imported->input_quant, error);
    }
  else
    imported->graph = cs_onnx_load (data, size, name, options, error);
  return imported->graph != NULL;
}

/* Runs the passes over what import made and describes the model; takes
 * @imported over, freeing it on failure. */
static CsModel *
finish (Imported *imported, const char *name, GError **error)
{
  CsGraph *graph = imported->graph;
  CsModel *model;

  if (graph->outputs->len == 0)
    g_set_error (error, CS_ERROR, CS_ERROR_INVALID, "%s: the model has no outputs", name);
  if (graph->outputs->len == 0
      || !cs_graph_infer_and_fold (graph, error)
      || !cs_graph_fuse (graph, error)
      || !cs_graph_prepare (graph, error))
    {
      cs_graph_free (graph);
      g_strfreev (imported->labels);
      g_free (imported->input_quant);
      return NULL;
    }

  model = g_new0 (CsModel, 1);
  model->graph = graph;
  model->format = imported->format;
  model->name = g_strdup (name);
  model->labels = imported->labels;
  model->input_quant = imported->input_quant;
  model->activations_in_float = imported->activations_in_float;
  describe_io (model);
  describe_layers (model);
  return model;
}

CsModel *
cs_model_load_memory (const void          *data,
                      size_t               size,
                      const char          *name,
                      const CsLoadOptions *options,
                      GError             **error)
{
  Imported imported;

  if (name == NULL)
    name = "model";
  if (!import (data, size, name, options, &imported, error))
    return NULL;
  return finish (&imported, name, error);
}

/* The file is mapped rather than read: the loader copies what it keeps,
 * and a mapping costs a page fault per 16 pages of the page cache where a
 * read fills fresh memory at a fault per page (3 ms against 11 ms for
 * MobileNet v2 on a VM).  Model files are replaced by renaming, never
 * rewritten in place, so the mapping does not change under the loader.
 * It is dropped before the passes, which pack weights: the file, the
 * loaded weights and their packed copy are never all in memory at once. */
CsModel *
cs_model_load_file (const char          *path,
                    const CsLoadOptions *options,
                    GError             **error)
{
  GError *file_error = NULL;
  GMappedFile *file;
  Imported imported;
  gboolean ok;

  /* GLib's message for mapping a directory names the device, not it. */
  if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_IO, "%s: not a regular file", path);
      return NULL;
    }
  file = g_mapped_file_new (path, FALSE, &file_error);
  if (file == NULL)
    {
      g_set_error_literal (error, CS_ERROR, CS_ERROR_IO, file_error->message);
      g_error_free (file_error);
      return NULL;
    }
  ok = import (g_mapped_file_get_contents (file), g_mapped_file_get_length (file), path,
               options, &imported, error);
  g_mapped_file_unref (file);
  return ok ? finish (&imported, path, error) : NULL;
}

void
cs_model_cut (CsModel *model, int value)
{
  cs_graph_cut (model->graph, value);
  forget_description (model);
  describe_io (model);
  describe_layers (model);
}

void
cs_model_free (CsModel *model)
{
  if (model == NULL)
    return;
  forget_description (model);
  g_strfreev (model->labels);
  g_free (model->input_quant);
  g_free (model->name);
  cs_graph_free (model->graph);
  g_free (model);
}

CsFormat
cs_model_format (const CsModel *model)
{
  return model->format;
}

const char *
cs_model_name (const CsModel *model)
{
  return model->name;
}

size_t
cs_model_n_inputs (const CsModel *model)
{
  return model->graph->inputs->len;
}

const CsTensor *
cs_model_input (const CsModel *model, size_t index)
{
  return index < model->graph->inputs->len ? &model->inputs[index] : NULL;
}

size_t
cs_model_n_outputs (const CsModel *model)
{
  return model->graph->outputs->len;
}

const CsTensor *
cs_model_output (const CsModel *model, size_t index)
{
  return index < model->graph->outputs->len ? &model->outputs[index] : NULL;
}

const char *const *
cs_model_embedded_labels (const CsModel *model)
{
  return (const char *const *) model->labels;
}

gboolean
cs_model_input_quantization (const CsModel  *model,
                             size_t          index,
                             CsQuantization *quant)
{
  *quant = (CsQuantization) { 0 };
  if (model->input_quant == NULL || index >= model->graph->inputs->len
      || model->input_quant[index].scale == 0.0f)
    return FALSE;
  *quant = model->input_quant[index];
  return TRUE;
}

size_t
cs_model_n_layers (const CsModel *model)
{
  return model->layers->len;
}

const CsLayerInfo *
cs_model_layer (const CsModel *model, size_t index)
{
  if (index >= model->layers->len)
    return NULL;
  return &g_array_index (model->layers, CsLayerInfo, index);
}

int
cs_model_find_layer (const CsModel *model, const char *name)
{
  for (guint i = 0; i < model->layers->len; i++)
    if (g_strcmp0 (g_array_index (model->layers, CsLayerInfo, i).name, name) == 0)
      return (int) i;
  return -1;
}

int64_t
cs_model_total_params (const CsModel *model)
{
  return model->total_params;
}

int64_t
cs_model_total_macs (const CsModel *model)
{
  return model->total_macs;
}
