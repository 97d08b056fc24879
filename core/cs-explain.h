/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-explain.h — why the network chose a class: heat maps over the input
 * by Grad-CAM, CAM, saliency and occlusion sensitivity, as raw maps at
 * their own resolution and as pictures for display.
 */
#ifndef CS_EXPLAIN_H
#define CS_EXPLAIN_H

#include "cs-card.h"
#include "cs-gradient.h"

G_BEGIN_DECLS

typedef enum
{
  CS_EXPLAIN_GRADCAM,  /* ReLU (Σ_c α_c·A_c), α_c the spatial mean of ∂y/∂A_c */
  CS_EXPLAIN_CAM,      /* Σ_c w_c·A_c under a global-average-pool + dense head */
  CS_EXPLAIN_SALIENCY, /* max over channels of |∂y/∂x| (× x when asked) */
  CS_EXPLAIN_OCCLUSION /* y − y with a patch of the input blanked */
} CsExplainMethod;

typedef struct
{
  CsExplainMethod method;
  const char     *layer;         /* Grad-CAM, CAM: NULL for the default */
  int64_t         element;       /* the class: a flat index in output 0 */
  gboolean        after_softmax; /* as in CsGradientRequest, for every method */
  gboolean        times_input;   /* saliency: |∂y/∂x · x| */
  int             patch;         /* occlusion: side in input pixels, 0 for
                                   * a third of the input's (smaller
                                   * patches rarely move a classifier's
                                   * score, its evidence being spread) */
  int             stride;        /* occlusion: 0 for half the patch */
  float           fill[3];       /* occlusion: the patch's value in each
                                   * channel of the input tensor (its
                                   * grey; channels past the third get 0),
                                   * see cs_explain_card_fill */
  /* Occlusion: called now and then on the calling thread with the share
   * of patch positions done, for a progress bar; NULL for none. */
  void          (*progress) (double done, void *user);
  void           *progress_data;
} CsExplainOptions;

typedef struct
{
  CsTensor map;   /* the raw map, H × W float32: the layer's own H × W
                     * (Grad-CAM, CAM), the input's (saliency), the patch
                     * positions' (occlusion) */
  char    *layer; /* the layer explained (Grad-CAM, CAM), else NULL */
  float    score; /* the element's value */
  CsTensor grad;  /* Grad-CAM: ∂y/∂(the layer's output); data NULL otherwise */
} CsExplanation;

/* Computes the heat map of @options->element for @input (the model's one
 * input) on @session; occlusion runs on sessions of its own, one per
 * thread of @session.  An element out of range, an unknown layer, a layer
 * without spatial extent or not on the way to the output, or an op
 * without a gradient is an error naming it.  *@explanation is the
 * caller's, freed with cs_explanation_free. */
gboolean cs_explain (CsSession              *session,
                     const CsTensor         *input,
                     const CsExplainOptions *options,
                     CsExplanation         **explanation,
                     GError                **error);
void     cs_explanation_free (CsExplanation *explanation);

/* The layer Grad-CAM and CAM explain by default: the last one with
 * spatial extent before the network pools or flattens it away.  Owned by
 * the model; NULL with @error set when there is none. */
const char *cs_explain_default_layer (const CsModel *model, GError **error);

/* The grey occlusion blanks patches with when the pixels come through
 * @card: the mid grey 0.5 of an sRGB pixel, as the card's normalization
 * puts it into the input tensor, into @fill (CsExplainOptions.fill). */
void cs_explain_card_fill (const CsCard *card, float fill[3]);

/* heatmap.c: raw maps as pictures. */

/* @map (H × W) brought to @width × @height by bilinear interpolation and
 * scaled for display: negatives to 0, the largest value to 1.  Returns
 * width · height floats, rows packed, the caller's to g_free. */
float *cs_heatmap_display (const CsTensor *map, int width, int height, GError **error);
/* Rows @y … @y + @n_rows − 1 of the heat map over a @width-pixel-wide
 * source image whose pixels @plan put into the input tensor, sampled
 * bilinearly from @display (the input tensor's @display_width ×
 * @display_height, as cs_heatmap_display makes it) at each pixel's
 * centre; 0 where the model saw none of the image (letterbox borders,
 * what a crop cut away).  Into @rows, @n_rows × @width floats owned by
 * the caller, so that a huge image is made strip by strip. */
void   cs_heatmap_rows    (const float        *display,
                           int                 display_width,
                           int                 display_height,
                           const CsResizePlan *plan,
                           int                 width,
                           int                 y,
                           int                 n_rows,
                           float              *rows);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsExplanation, cs_explanation_free)

G_END_DECLS

#endif /* CS_EXPLAIN_H */
