/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-segmenter.h — one semantic segmentation network ready to run
 * (segmenter.c): the model with its card, its labels and a session, the
 * class score map of a run, and the class of every pixel of the image
 * from it.  What makes a model a segmenter is checked once, when it is
 * loaded: its card's task is segmentation, and a float class score map
 * 1×C×h×w is found — output 0, the layer the card names under
 * [segmentation] scores, or the scores an ArgMax (after Resizes) turns
 * into class numbers, as in the Coral DeepLab v3; the model then runs
 * only up to that map, never the full-size Resize and ArgMax.
 *
 * Pixels become the input tensor as for a classifier: cs_resize_plan
 * with cs_segmenter_card, then cs_pixels_to_tensor (core/pixels) or
 * cs_preprocess_fill.  The labels of a region of the image come from
 * the low-resolution scores in strips of rows, each pixel's scores
 * sampled bilinearly at its centre before the argmax, so class edges
 * follow the image's resolution and the memory is a strip's.
 *
 * Threads: as a classifier, a segmenter is shared by reference count
 * and any thread may run it, several at once.  A CsSegmentation is
 * read-only once made; any thread may label strips of it at once.
 */
#ifndef CS_SEGMENTER_H
#define CS_SEGMENTER_H

#include "cs-card.h"

G_BEGIN_DECLS

/* The label of a pixel of no class: outside the part of the image the
 * model saw, or below the threshold.  Class numbers are below it, so a
 * segmenter has at most 255 classes. */
#define CS_SEGMENT_NONE 255

typedef struct _CsSegmenter    CsSegmenter;
typedef struct _CsSegmentation CsSegmentation;

/* What a front end may say over the model's card; all optional. */
typedef struct
{
  /* The card to read instead of the one beside the model. */
  const char *card_path;
  /* The labels file to use instead of the card's choice; the card's
   * label offset applies to it. */
  const char *labels_path;
  /* Threads of the session; 0 uses every core. */
  int n_threads;
} CsSegmenterOptions;

/* Loads the model at @model_path with its card and labels, @options
 * (may be NULL) applied, and makes its session.  Fails with one line
 * naming the file: CS_ERROR_UNSUPPORTED for a classifier ("an image
 * classifier, not a segmentation model") or another task, no score map
 * to be found, or more than 255 classes; CS_ERROR_INVALID when the
 * card's score layer does not exist or its background class is not a
 * class; loading and card errors as they come.  Labels that cannot be
 * used do not fail it (see cs_segmenter_labels_error).  Release with
 * cs_segmenter_unref. */
CsSegmenter *
cs_segmenter_load (const char *model_path, const CsSegmenterOptions *options, GError **error);
CsSegmenter *cs_segmenter_ref (CsSegmenter *segmenter);
void         cs_segmenter_unref (CsSegmenter *segmenter);

/* What was loaded, owned by the segmenter.  The model is cut after the
 * score map: its only output is that map. */
const char     *cs_segmenter_model_path (const CsSegmenter *segmenter);
const CsModel  *cs_segmenter_model (const CsSegmenter *segmenter);
const CsCard   *cs_segmenter_card (const CsSegmenter *segmenter);
const CsLabels *cs_segmenter_labels (const CsSegmenter *segmenter);
/* Why the labels found could not be used, or NULL; owned by the
 * segmenter. */
const GError *cs_segmenter_labels_error (const CsSegmenter *segmenter);
/* The classes of the score map: 1 to 255. */
int cs_segmenter_n_classes (const CsSegmenter *segmenter);
/* The card's background class (default 0), below cs_segmenter_n_classes. */
int cs_segmenter_background (const CsSegmenter *segmenter);
/* The name of the score layer (owned by the segmenter). */
const char *cs_segmenter_score_layer (const CsSegmenter *segmenter);

/* A new input tensor for the model, float32 zeroed; the caller's, freed
 * with cs_segmenter_input_free.  NULL with @error without the memory. */
CsTensor *cs_segmenter_input_new (const CsSegmenter *segmenter, GError **error);
void      cs_segmenter_input_free (CsTensor *input);

/* Runs the model on @input (from cs_segmenter_input_new, filled as the
 * card says) up to the score map, which *@segmentation keeps (C×h×w
 * floats, nothing larger); free it with cs_segmentation_free.  Safe from
 * any thread. */
gboolean cs_segmenter_run (CsSegmenter     *segmenter,
                           const CsTensor  *input,
                           CsSegmentation **segmentation,
                           GError         **error);

/* The score map's classes, height and width. */
int cs_segmentation_n_classes (const CsSegmentation *segmentation);
int cs_segmentation_height (const CsSegmentation *segmentation);
int cs_segmentation_width (const CsSegmentation *segmentation);
/* The scores of the map, class-major (C×h×w), owned by @segmentation. */
const float *cs_segmentation_scores (const CsSegmentation *segmentation);

/* The classes of rows @y0 … @y0 + @n_rows − 1 of a @region_width ×
 * @region_height region (the image, or the part of it that became the
 * input through @plan, from cs_resize_plan with the segmenter's card and
 * these sizes), into @labels: @n_rows × @region_width bytes, rows packed,
 * the caller's.  Each pixel's centre goes through @plan into the input
 * and on into the score map the way the model's own upsampling maps it;
 * the class scores are sampled there bilinearly and the largest wins.
 * Pixels outside the rectangle @plan read, or whose winning probability
 * (the softmax of the sampled scores, unless the card says they are
 * probabilities) is below @threshold, get CS_SEGMENT_NONE; @threshold 0
 * keeps every winner.  Any split into strips gives the same labels.
 * Fails (CS_ERROR_ARGUMENT) on rows outside the region or a threshold
 * outside [0, 1]. */
gboolean cs_segmentation_labels (const CsSegmentation *segmentation,
                                 const CsResizePlan   *plan,
                                 int                   region_width,
                                 int                   region_height,
                                 int                   y0,
                                 int                   n_rows,
                                 double                threshold,
                                 guint8               *labels,
                                 GError              **error);
void     cs_segmentation_free (CsSegmentation *segmentation);

/* The colour of label @label (0 … 255) in label images, into @rgb (sRGB
 * bytes): the PASCAL VOC palette, in which CS_SEGMENT_NONE is its "void"
 * colour, a pale grey. */
void     cs_segment_colour (int label, guint8 rgb[3]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsSegmenter, cs_segmenter_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsSegmentation, cs_segmentation_free)

G_END_DECLS

#endif /* CS_SEGMENTER_H */
