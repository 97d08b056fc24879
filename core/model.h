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
  gboolean  activations_in_float;  /* CsLoadOptions */
};

/* For the backward pass (gradient.c), which runs the forward pass its
 * own way on a session's threads: the session's model, pool and
 * per-thread scratch, and the input check of cs_session_run. */
const CsModel *cs_session_model   (const CsSession *session);
CsThreadPool  *cs_session_pool    (const CsSession *session);
void         **cs_session_scratch (const CsSession *session);
/* Where a run keeps value @index in the session's activation arena, or
 * NULL when it is not there (inputs, outputs, constants) or is held
 * there as bytes.  Reused as
 * soon as the value's last reader has run. */
void          *cs_session_arena_value (const CsSession *session,
                                       int              index);
/* The value holding the scores of graph output @output: that output, or
 * the input of the softmax it is unless @after_softmax (gradient.c). */
int            cs_model_score_value (const CsModel *model,
                                     size_t         output,
                                     gboolean       after_softmax);
/* Makes @value the model's only output, drops the layers it does not
 * need and describes the network anew (segmenter.c).  No session of the
 * model may exist yet. */
void           cs_model_cut (CsModel *model,
                             int      value);
gboolean       cs_model_check_inputs (const CsModel  *model,
                                      const CsTensor *inputs,
                                      size_t          n_inputs,
                                      GError        **error);

#endif /* CS_MODEL_H */
