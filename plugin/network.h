/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * network.h — what the plug-in's procedures share around the core's
 * classifier (cs-classifier.h) and segmenter (cs-segmenter.h): which
 * model when none is given, the one-time note about the bundled model,
 * and the step from any region of a GeglBuffer to the class scores or to
 * the feature maps of chosen layers.  Loading happens once per procedure call, so a batch over many
 * files pays for it once.
 */
#ifndef CSP_NETWORK_H
#define CSP_NETWORK_H

#include <gegl.h>
#include <gio/gio.h>

#include "convscope.h"

G_BEGIN_DECLS

/* Bounds of the top-k argument of the classifying procedures. */
#define CSP_TOP_K_MIN     1
#define CSP_TOP_K_MAX     20
#define CSP_TOP_K_DEFAULT 5

typedef struct _CspNetwork CspNetwork;

/* The bundled models' directory beside the plug-in's executable
 * (PLUG-INS/convscope/weights), or NULL when there is none and the
 * installed data directory applies.  The caller frees it. */
char               *csp_bundled_dir        (void);

/* The model @model_file (a local file); NULL picks the default model,
 * cs_models_default () with csp_bundled_dir ().  Loads it as a
 * classifier, with the card beside it and its labels.  Returns NULL and
 * sets @error (CS_ERROR, one line naming the file) when there is no
 * usable model.  Free with csp_network_free. */
CspNetwork         *csp_network_new        (GFile            *model_file,
                                            GError          **error);
void                csp_network_free       (CspNetwork       *network);
/* For interactive runs on the default model: shows, once ever, what the
 * bundled model knows when nothing else is available
 * (cs_models_bundled_note_due). */
void                csp_network_show_note_once (const CspNetwork *network);
/* Owned by the network. */
const CsClassifier *csp_network_classifier (const CspNetwork *network);

/* Classifies @roi of @buffer (NULL: its extent), read as sRGB-encoded
 * pixels whatever its format.  On success returns the @k most probable
 * classes, most probable first (fewer when the model has fewer classes,
 * see *@n_predictions); free them with cs_predictions_free. */
CsPrediction       *csp_network_classify   (CspNetwork          *network,
                                            GeglBuffer          *buffer,
                                            const GeglRectangle *roi,
                                            int                  k,
                                            int                 *n_predictions,
                                            GError             **error);

/* The segmenter @model_file (a local file); NULL picks the first
 * segmentation model among the bundled and downloaded ones
 * (cs_models_list).  Unusable labels are told on the terminal, as for
 * csp_network_new.  Returns NULL and sets @error (one line naming the
 * file) when there is no usable segmenter.  The caller releases it with
 * cs_segmenter_unref. */
CsSegmenter        *csp_segmenter_new      (GFile            *model_file,
                                            GError          **error);

/* Runs the model on @roi of @buffer keeping the outputs of the layers
 * @taps (NULL-terminated).  Returns the result, which the caller frees
 * with cs_result_free, or NULL with @error set. */
CsResult           *csp_network_run_taps   (CspNetwork          *network,
                                            GeglBuffer          *buffer,
                                            const GeglRectangle *roi,
                                            const char *const   *taps,
                                            GError             **error);

/* The input tensor of the last run, as the model card made it from the
 * pixels: owned by the network, overwritten by the next run. */
const CsTensor     *csp_network_input      (const CspNetwork    *network);

G_END_DECLS

#endif /* CSP_NETWORK_H */
