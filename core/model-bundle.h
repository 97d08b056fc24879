/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * model-bundle.h — what the classifier and the segmenter hold alike
 * (model-bundle.c): the model with its card and labels, and the session
 * kept for the next run, which a run takes and gives back under a lock so
 * that several threads may run one bundle at once.  Each of them checks
 * on its own what makes the model theirs.
 */
#ifndef CS_MODEL_BUNDLE_H
#define CS_MODEL_BUNDLE_H

#include "cs-card.h"

G_BEGIN_DECLS

typedef struct
{
  char     *model_path;
  CsModel  *model;
  CsCard   *card;
  CsLabels *labels;
  GError   *labels_error; /* why the labels found are not used, or NULL */
  int       n_threads;
  /* The session the next run takes, NULL while one runs on it. */
  GMutex     lock;
  CsSession *idle_session;
} CsModelBundle;

/* Loads the model at @model_path into @bundle (zeroed by the caller) with
 * the card at @card_path (NULL: the one beside the model, else
 * defaults).  Whatever it did is undone by cs_model_bundle_clear, also
 * when it fails. */
gboolean cs_model_bundle_load (CsModelBundle *bundle,
                               const char    *model_path,
                               const char    *card_path,
                               int            n_threads,
                               GError       **error);
/* Makes the session, once the model is final, and finds the labels: the
 * file at @labels_path, else the card's choice; labels that cannot be
 * used leave the classes going by number, the reason in labels_error. */
gboolean cs_model_bundle_start (CsModelBundle *bundle, const char *labels_path, GError **error);
void     cs_model_bundle_clear (CsModelBundle *bundle);

/* A zeroed float32 tensor for input 0, the caller's; free it with
 * cs_model_bundle_input_free. */
CsTensor *cs_model_bundle_input_new (const CsModelBundle *bundle, GError **error);
void      cs_model_bundle_input_free (CsTensor *input);

/* Runs the model on @input on the kept session, or on a session of its
 * own when another run holds it; *@result is the caller's. */
gboolean cs_model_bundle_run (CsModelBundle      *bundle,
                              const CsTensor     *input,
                              const CsRunOptions *options,
                              CsResult          **result,
                              GError            **error);

G_END_DECLS

#endif /* CS_MODEL_BUNDLE_H */
