/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-classifier.h — one image classifier ready to run (classifier.c):
 * the model with its card, its labels, a session, and the most probable
 * classes with their names.  Every front end classifies through it (the
 * command-line tool, the GIMP plug-in, the dialog's widgets) and so do
 * the tests, so what makes a model a classifier is checked once, here,
 * when it is loaded: one image input as its card describes it, and float
 * class scores as output 0 with a sane number of classes.
 *
 * Pixels become the input tensor outside: cs_pixels_to_tensor from a
 * GeglBuffer (core/pixels), or cs_resize_plan and cs_preprocess_fill on
 * pixels at hand, both with cs_classifier_card.
 *
 * Threads: a classifier never changes once loaded, except for the
 * session it keeps for the next run, which cs_classifier_run takes and
 * gives back under a lock.  It is shared by reference count, and any
 * thread may run it, several at once: a run that finds the kept session
 * in use runs on a session of its own.  Input tensors belong to the
 * callers (cs_classifier_input_new), one per thread that fills one.  The
 * dialog hands its worker thread a reference and keeps showing the
 * previous run's classifier meanwhile.
 */
#ifndef CS_CLASSIFIER_H
#define CS_CLASSIFIER_H

#include "cs-card.h"

G_BEGIN_DECLS

typedef struct _CsClassifier CsClassifier;

/* What a front end may say over the model's card; all optional. */
typedef struct
{
  /* The card to read instead of the one beside the model. */
  const char *card_path;
  /* The labels file to use instead of the card's choice; the card's
   * label offset applies to it. */
  const char *labels_path;
  /* Replace the card's resize policy by @resize; with CS_RESIZE_CROP a
   * @crop_fraction in (0, 1] replaces the card's, 0 keeps it. */
  gboolean    override_resize;
  CsResize    resize;
  double      crop_fraction;
  /* Threads of the session; 0 uses every core. */
  int         n_threads;
} CsClassifierOptions;

/* One class of the classifier's output, as cs_classifier_top_k gives it. */
typedef struct
{
  int    index;        /* the class number in output 0 */
  double probability;
  char  *label;        /* its name or "class N", valid UTF-8, owned by the
                        * prediction */
} CsPrediction;

/* Loads the model at @model_path with its card and labels, @options
 * (may be NULL) applied, and makes its session.  Fails with one line
 * naming the file (CS_ERROR_UNSUPPORTED: not one image input, or output
 * 0 not float scores of 1 to G_MAXINT32 classes; CS_ERROR_ARGUMENT: an
 * override out of range; loading and card errors as they come).
 * Labels that cannot be used do not fail it: the classes then go by
 * number and cs_classifier_labels_error says why.  Release with
 * cs_classifier_unref. */
CsClassifier  *cs_classifier_load         (const char                *model_path,
                                           const CsClassifierOptions *options,
                                           GError                   **error);
CsClassifier  *cs_classifier_ref          (CsClassifier       *classifier);
void           cs_classifier_unref        (CsClassifier       *classifier);

/* What was loaded, owned by the classifier. */
const char    *cs_classifier_model_path   (const CsClassifier *classifier);
const CsModel *cs_classifier_model        (const CsClassifier *classifier);
const CsCard  *cs_classifier_card         (const CsClassifier *classifier);
const CsLabels *cs_classifier_labels      (const CsClassifier *classifier);
/* Why the labels found could not be used, or NULL when they could (or
 * there were none); owned by the classifier. */
const GError  *cs_classifier_labels_error (const CsClassifier *classifier);
/* The number of scores in output 0: at least 1, at most G_MAXINT32. */
size_t         cs_classifier_n_classes    (const CsClassifier *classifier);

/* A new input tensor for the classifier's model: its input's name and
 * shape, float32 data zeroed.  NULL with @error when there is not the
 * memory.  The caller owns it; free with cs_classifier_input_free. */
CsTensor      *cs_classifier_input_new    (const CsClassifier *classifier,
                                           GError            **error);
void           cs_classifier_input_free   (CsTensor           *input);

/* Runs the model on @input (from cs_classifier_input_new, filled as the
 * card says), keeping the layers' outputs @options asks for (NULL:
 * none).  On success *@result holds output 0, the scores, and the taps;
 * free it with cs_result_free.  Safe from any thread (see above). */
gboolean       cs_classifier_run          (CsClassifier       *classifier,
                                           const CsTensor     *input,
                                           const CsRunOptions *options,
                                           CsResult          **result,
                                           GError            **error);

/* The @k most probable classes of @result (from cs_classifier_run on
 * this classifier), most probable first, NaN last, the lower class
 * first among equals; probabilities as the card says (a softmax unless
 * the scores already are).  Stores their number, MIN (@k, classes), in
 * *@n_predictions.  Free with cs_predictions_free. */
CsPrediction  *cs_classifier_top_k        (const CsClassifier *classifier,
                                           const CsResult     *result,
                                           int                 k,
                                           int                *n_predictions);
void           cs_predictions_free        (CsPrediction       *predictions,
                                           int                 n_predictions);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsClassifier, cs_classifier_unref)

G_END_DECLS

#endif /* CS_CLASSIFIER_H */
