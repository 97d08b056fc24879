/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dialog.h — the interactive dialog of plug-in-convscope-classify: the
 * procedure's own arguments with the inspector panel of ui/ beside them,
 * looking at the drawable (or the selection's bounds in it).
 */
#ifndef CSP_DIALOG_H
#define CSP_DIALOG_H

#include <libgimp/gimp.h>

G_BEGIN_DECLS

/* Shows the dialog for @drawable of @image, with @config's arguments and
 * last-used values; the model the inspector ends on becomes @config's
 * "model".  FALSE when the user cancels. */
gboolean csp_classify_dialog (GimpProcedure       *procedure,
                              GimpProcedureConfig *config,
                              GimpImage           *image,
                              GimpDrawable        *drawable);

G_END_DECLS

#endif /* CSP_DIALOG_H */
