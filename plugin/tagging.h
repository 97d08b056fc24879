/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tagging.h — writing the predicted labels into the image, for the
 * classify procedure's tag-image argument and the dialog's "Tag Image".
 */
#ifndef CSP_TAGGING_H
#define CSP_TAGGING_H

#include <libgimp/gimp.h>

#include "convscope.h"

G_BEGIN_DECLS

/* The parasite that holds one "label<TAB>probability" line per class. */
#define CSP_LABELS_PARASITE "convscope-labels"

/* Adds the labels of @predictions to @image's XMP keywords (those not
 * there yet) and replaces its CSP_LABELS_PARASITE parasite, as one undo
 * step.  FALSE with @error set, and @image unchanged, when the keywords
 * cannot be written. */
gboolean csp_tag_image (GimpImage          *image,
                        const CsPrediction *predictions,
                        int                 n,
                        GError            **error);

G_END_DECLS

#endif /* CSP_TAGGING_H */
