/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-fetch.h — downloading a model of Convscope's catalogue into the
 * user's models directory, for `convscope fetch` and the dialog's "Get
 * models…".  Every file is checked against the catalogue's size and
 * SHA-256 while it streams into a hidden temporary file beside its
 * destination; the card is checked against the downloaded model; only
 * then are labels, card and model renamed into place, the model last, so
 * that no partial or unverified file ever looks like a model.
 */
#ifndef CS_FETCH_H
#define CS_FETCH_H

#include <gio/gio.h>

#include "convscope.h"

G_BEGIN_DECLS

/* Called as bytes arrive, in the thread that runs cs_fetch: @done of
 * @total bytes of all the entry's files, @file_name the one arriving.
 * A dialog running cs_fetch in a GTask thread passes this on to its
 * main loop itself. */
typedef void (*CsFetchProgress) (const char *file_name,
                                 gint64      done,
                                 gint64      total,
                                 gpointer    user_data);

typedef struct
{
  /* When set, replaces each URL of the catalogue up to its last '/':
   * BASE/FILE-NAME (tests, mirrors).  NULL: $CONVSCOPE_CATALOGUE_BASE_URL
   * when set, else the catalogue's URLs. */
  const char     *base_url;
  /* NULL: cs_models_user_dir (), created when missing. */
  const char     *models_dir;
  CsFetchProgress progress;
  gpointer        user_data;
} CsFetchOptions;

/* Downloads @entry's model and labels, checks them and writes the card.
 * @options and @cancellable may be NULL.  Returns the installed model's
 * path (the caller frees it), or NULL with @error, one line starting
 * "fetch NAME: ", G_IO_ERROR_CANCELLED when cancelled, else CS_ERROR_IO;
 * nothing new is left in the directory then.  Blocks: run it in a
 * worker thread under a main loop. */
char *cs_fetch (const CsCatalogueEntry *entry,
                const CsFetchOptions   *options,
                GCancellable           *cancellable,
                GError                **error);

G_END_DECLS

#endif /* CS_FETCH_H */
