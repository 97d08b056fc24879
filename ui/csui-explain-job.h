/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csui-explain-job.h — why a classifier chose a class, worked out in a
 * worker thread for the inspector (cs-explain.h): a heat map at the
 * input's size, or the Grad-CAM weights α_c of one layer's channels and
 * the channels in their order, largest first.
 */
#ifndef CSUI_EXPLAIN_JOB_H
#define CSUI_EXPLAIN_JOB_H

#include "convscope-ui.h"

G_BEGIN_DECLS

typedef struct
{
  float  *heat;       /* the heat map, width × height in [0, 1], or NULL */
  int     width, height;
  int    *order;      /* the channels by α_c, largest first, or NULL */
  double *alpha;      /* α_c of each channel, or NULL */
  int     n_channels;
  char   *layer;      /* the layer explained (Grad-CAM, CAM), or NULL */
} CsuiExplained;

/* Explains @options->element for @input of @classifier's model in a
 * thread: with @channel_weights, the Grad-CAM weights of @options->layer
 * (whose channels must be the maps' second axis), else the heat map of
 * @options->method brought to the input's size for display.  Keeps a
 * reference to @classifier and @owner (released with @owner_unref), which
 * keeps @input alive; copies @options and its layer name. */
void           csui_explain_async  (CsClassifier           *classifier,
                                    const CsTensor         *input,
                                    GDestroyNotify          owner_unref,
                                    gpointer                owner,
                                    const CsExplainOptions *options,
                                    gboolean                channel_weights,
                                    gpointer                source_object,
                                    GCancellable           *cancellable,
                                    GAsyncReadyCallback     callback,
                                    gpointer                user_data);
/* The caller's, freed with csui_explained_free; NULL with @error set. */
CsuiExplained *csui_explain_finish (GAsyncResult           *result,
                                    GError                **error);
void           csui_explained_free (CsuiExplained          *explained);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsuiExplained, csui_explained_free)

G_END_DECLS

#endif /* CSUI_EXPLAIN_JOB_H */
