/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * model.h — what a loaded model holds, shared by model.c and session.c.
 */
#ifndef CS_MODEL_H
#define CS_MODEL_H

#include "graph.h"

struct _CsModel
{
  CsGraph  *graph;
  CsFormat  format;
  char     *name;
  char    **labels;       /* embedded in the file, or NULL */
  CsQuantization *input_quant; /* per graph input (TFLite), or NULL */
  CsTensor *inputs;       /* descriptors; names borrowed from the graph */
  CsTensor *outputs;
  GArray   *layers;       /* CsLayerInfo; op and arithmetic strings owned */
  GArray   *layer_nodes;  /* int: the node index behind each layer */
  int64_t   total_params;
  int64_t   total_macs;
};

#endif /* CS_MODEL_H */
