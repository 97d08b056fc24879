/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * segment.h — a segmentation's classes made into what GIMP users work
 * with: a layer group of masked layers, a selection, channels or one
 * colour-coded label layer.  One function makes them, for
 * plug-in-convscope-segment and for the dialog, which hands over the
 * segmentation it has already computed, so both make the same masks.
 */
#ifndef CSP_SEGMENT_H
#define CSP_SEGMENT_H

#include <libgimp/gimp.h>

#include "convscope.h"

G_BEGIN_DECLS

typedef enum
{
  CSP_SEGMENT_LAYERS,     /* a layer group above the drawable: a copy of
                            * it per class, masked by the class */
  CSP_SEGMENT_SELECTION,  /* the chosen classes combined with the
                            * selection by an operation */
  CSP_SEGMENT_CHANNELS,   /* one channel per class */
  CSP_SEGMENT_LABEL_LAYER /* one layer, each class in its colour, the
                            * legend in its name */
} CspSegmentOutput;

typedef struct
{
  CspSegmentOutput output;
  GimpChannelOps   operation; /* how the selection output combines */
  double           threshold; /* as cs_segmentation_labels takes it */
  /* One flag per class of the segmenter: the classes to output when
   * present.  NULL: every class but the background. */
  const gboolean *chosen;
  /* What the network saw: @region of the drawable, in its coordinates. */
  GeglRectangle region;
} CspSegmentOptions;

/* A chosen class present in the region. */
typedef struct
{
  int    index;
  char  *name;  /* its label */
  double share; /* of the region's pixels, in (0, 1] */
} CspSegmentClass;

/* Brings @segmentation (from @segmenter, run on options->region of
 * @drawable) to labels at the drawable's resolution, strip by strip, and
 * makes the output @options asks for in @image, the drawable's image, as
 * one undo step, moving the progress bar the caller started.  *@found receives
 * the chosen classes present, largest share first, and *@n_found their
 * number; free them with csp_segment_classes_free.  When none is
 * present, nothing is made and the call succeeds, except for the
 * selection output, which fails rather than select nothing.  On failure
 * returns FALSE with @error set and leaves @image unchanged: a label
 * layer for an image that is not RGB, an empty selection output, labels
 * that cannot be computed. */
gboolean csp_export_segmentation (GimpImage               *image,
                                  GimpDrawable            *drawable,
                                  const CsSegmenter       *segmenter,
                                  const CsSegmentation    *segmentation,
                                  const CspSegmentOptions *options,
                                  CspSegmentClass        **found,
                                  int                     *n_found,
                                  GError                 **error);
void     csp_segment_classes_free (CspSegmentClass *found, int n_found);

G_END_DECLS

#endif /* CSP_SEGMENT_H */
