/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * procedures.h — the plug-in's PDB procedures, and what they share:
 * the model argument, the region to read, the dialog and the error
 * return.  Each procedure lives in a file of its own.
 */
#ifndef CSP_PROCEDURES_H
#define CSP_PROCEDURES_H

#include <glib/gi18n-lib.h>
#include <libgimp/gimp.h>

#include "convscope.h"

G_BEGIN_DECLS

#define CSP_PLUG_IN_BINARY       "convscope"
#define CSP_CLASSIFY_PROC        "plug-in-convscope-classify"
#define CSP_CLASSIFY_FILES_PROC  "plug-in-convscope-classify-files"
#define CSP_FEATURE_MAPS_PROC    "plug-in-convscope-feature-maps"
#define CSP_MODELS_PROC          "plug-in-convscope-models"
#define CSP_SEGMENT_PROC         "plug-in-convscope-segment"
#define CSP_HEATMAP_PROC         "plug-in-convscope-heatmap"
/* The help pages' domain (help/ beside the plug-in, tools/help-pages),
 * and the help ID of the Classify dialog's page. */
#define CSP_HELP_DOMAIN          "org.gimp.GIMP.Plugin.Convscope"
#define CSP_DIALOG_HELP_ID       "plug-in-convscope-dialog"

/* classify.c */
GimpProcedure  *csp_classify_procedure_new       (GimpPlugIn *plug_in);
GimpProcedure  *csp_classify_files_procedure_new (GimpPlugIn *plug_in);
/* feature-maps.c */
GimpProcedure  *csp_feature_maps_procedure_new   (GimpPlugIn *plug_in);
/* models.c */
GimpProcedure  *csp_models_procedure_new         (GimpPlugIn *plug_in);
/* segment.c */
GimpProcedure  *csp_segment_procedure_new        (GimpPlugIn *plug_in);
/* heatmap.c */
GimpProcedure  *csp_heatmap_procedure_new        (GimpPlugIn *plug_in);

void            csp_procedure_set_attribution    (GimpProcedure *procedure);

/* Attribution, and the "model" argument every procedure takes. */
void            csp_procedure_add_common         (GimpProcedure *procedure);
/* The "use-selection" argument of the procedures on a drawable. */
void            csp_procedure_add_use_selection  (GimpProcedure *procedure,
                                                  const char    *blurb);
/* The region of @drawable to read, in its coordinates: the selection's
 * bounds within it when @use_selection and there is a selection, else the
 * whole drawable.  A selection that misses the drawable is an error
 * rather than a silent fallback, since the user pointed at something
 * else. */
gboolean        csp_drawable_region              (GimpDrawable  *drawable,
                                                  gboolean       use_selection,
                                                  GeglRectangle *roi,
                                                  GError       **error);
/* Checks that @drawables holds exactly one drawable; otherwise returns
 * the calling error to hand back. */
GimpValueArray *csp_check_one_drawable           (GimpProcedure *procedure,
                                                  GimpDrawable **drawables);
/* Shows the procedure's dialog with a model chooser and the widgets of
 * @arguments (names, NULL-terminated); FALSE when the user cancels. */
gboolean        csp_procedure_dialog             (GimpProcedure       *procedure,
                                                  GimpProcedureConfig *config,
                                                  const char          *title,
                                                  const char *const   *arguments);
/* Whether maps in @colormap can be drawn into @image: a
 * grayscale image takes only the gray colour map; otherwise sets @error
 * saying what to do. */
gboolean csp_check_colormap_fits (GimpImage *image, CsColormap colormap, GError **error);
/* An execution error; takes @error. */
GimpValueArray *csp_procedure_fail               (GimpProcedure *procedure,
                                                  GError        *error);

G_END_DECLS

#endif /* CSP_PROCEDURES_H */
