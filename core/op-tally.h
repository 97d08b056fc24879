/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * op-tally.h — the ops of a model an importer cannot translate, counted
 * by name, so that a model is refused once with all of them
 * ("3 ops not supported: Resize ×4, Erf ×2, Einsum ×1") rather than at
 * the first, and its user sees the whole gap at once.  Shared by the
 * ONNX and TFLite importers.
 */
#ifndef CS_OP_TALLY_H
#define CS_OP_TALLY_H

#include "cs-engine.h"

G_BEGIN_DECLS

typedef struct _CsOpTally CsOpTally;

/* An empty tally; the caller frees it with cs_op_tally_free. */
CsOpTally *cs_op_tally_new (void);
void       cs_op_tally_free (CsOpTally *tally);
/* Counts one more node of op @name (copied). */
void cs_op_tally_add (CsOpTally *tally, const char *name);
/* TRUE when nothing was counted; otherwise sets @error to
 * "SOURCE: N ops not supported: A ×3, B ×1" with CS_ERROR_UNSUPPORTED,
 * the ops ordered by count, most first, then by name, and returns FALSE. */
gboolean cs_op_tally_check (const CsOpTally *tally, const char *source, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsOpTally, cs_op_tally_free)

G_END_DECLS

#endif /* CS_OP_TALLY_H */
