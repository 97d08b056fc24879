/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-models.h — the models on this machine and the catalogue of models
 * to fetch (models.c; docs/models.md): the bundled ones, the user's
 * downloads, which one to use when none is named, whether the one-time
 * note for users who only have the bundled model is due, and the
 * parsing of catalogue.ini.  Cards are peeked at, never models loaded,
 * so listing stays cheap.  The front ends word what they tell people.
 */
#ifndef CS_MODELS_H
#define CS_MODELS_H

#include "cs-card.h"

G_BEGIN_DECLS

typedef enum
{
  CS_MODEL_ORIGIN_BUNDLED,    /* shipped with Convscope */
  CS_MODEL_ORIGIN_DOWNLOADED, /* in the user's models directory */
  CS_MODEL_ORIGIN_CHOSEN      /* elsewhere: the user's configured default */
} CsModelOrigin;

/* A model file and what its card says, read without loading the model.
 * All strings are owned by the entry; optional ones may be NULL. */
typedef struct
{
  char          *path;
  char          *name;       /* the card's name, else the file's name */
  CsModelOrigin  origin;
  CsFormat       format;     /* from the file name's extension */
  CsTask         task;       /* the card's, classification when unsaid */
  int            n_classes;  /* lines of its labels file (the card's, else
                              * labels.txt beside it) less the card's
                              * offset, 0 if unknown */
  char          *licence;
  char          *accuracy;
  char          *source;
} CsModelEntry;

void       cs_model_entry_free  (CsModelEntry *entry);
/* Where the user's downloaded models live: $XDG_DATA_HOME/convscope/models
 * (not created here).  The caller frees the string. */
char      *cs_models_user_dir   (void);
/* Where the bundled models live: $CONVSCOPE_WEIGHTS_DIR when set (the
 * build tree's tests use it), else Convscope's installed data directory.
 * The caller frees the string. */
char      *cs_models_bundled_dir (void);
/* Every .onnx and .tflite model in @bundled_dir (NULL:
 * cs_models_bundled_dir ()) and in the user's directory, bundled first,
 * then by name.  A missing directory is empty, not an error; a card that
 * cannot be read names its file in @error.  Files whose names start
 * with a dot (downloads in progress) are not models.  The array frees
 * its entries. */
GPtrArray *cs_models_list       (const char *bundled_dir,
                                 GError    **error);
/* The model to use when none is given: the user's chosen default
 * (cs_models_set_default), else a downloaded general photo classifier
 * (1000 or more classes), else any downloaded classifier, else the
 * first bundled one; among several, the largest file.  Models whose
 * card cannot be read are passed over here.  NULL with @error naming
 * where it looked when there is none.  Free with cs_model_entry_free. */
CsModelEntry *cs_models_default (const char *bundled_dir,
                                 GError    **error);
/* Records @path (NULL: forget the choice) as the user's default in
 * $XDG_CONFIG_HOME/convscope/convscope.ini. */
gboolean   cs_models_set_default (const char *path,
                                  GError    **error);
/* Whether the one-time note for users who only have the bundled model
 * is due: @chosen is bundled, no other model is available, and the note
 * was never given.  Returning TRUE records it as given (in
 * $XDG_CONFIG_HOME/convscope), so it is due once ever; a settings file
 * that cannot be written does not hold it back.  What the bundled model
 * knows is in @chosen (its name and number of classes); the front end
 * words the note and how to get a general photo classifier. */
gboolean   cs_models_bundled_note_due (const CsModelEntry *chosen);

/* ---- The catalogue of models to fetch (models.c; docs/models.md) ----
 *
 * catalogue.ini, installed beside the bundled models, lists public
 * pretrained models by name with the checksums of their files.  Fetching
 * them needs HTTP and lives in core/fetch/ (cs-fetch.h). */

typedef struct
{
  char    *name;          /* the catalogue's name: "mobilenet-v2" */
  char    *title;         /* for people: "MobileNet v2 1.0 224 (quantized)" */
  CsTask   task;
  CsFormat format;
  int      width, height; /* the input's */
  char    *url;
  char    *file_name;     /* the last part of @url: the name on disk */
  char    *sha256;        /* 64 lowercase hex digits */
  gint64   size;          /* bytes */
  /* The labels file, or all NULL and 0 when there is none. */
  char    *labels_url;
  char    *labels_file_name;
  char    *labels_sha256;
  gint64   labels_size;
  int      label_offset;
  char    *licence;
  char    *source;
  char    *accuracy;      /* optional, may be NULL */
  char    *card;          /* the model card written beside the download */
} CsCatalogueEntry;

void       cs_catalogue_entry_free (CsCatalogueEntry *entry);
/* @bundled_dir/catalogue.ini (NULL: cs_models_bundled_dir ()).  The
 * caller frees the string. */
char      *cs_catalogue_path       (const char *bundled_dir);
/* The entries of the catalogue file @path, in the file's order; fails
 * with @error naming the file and the entry on anything malformed.  The
 * array frees its entries. */
GPtrArray *cs_catalogue_load       (const char *path,
                                    GError    **error);
/* The entry called @name in @catalogue (owned by it), or NULL. */
const CsCatalogueEntry *cs_catalogue_find (GPtrArray  *catalogue,
                                           const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsModelEntry, cs_model_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsCatalogueEntry, cs_catalogue_entry_free)

G_END_DECLS

#endif /* CS_MODELS_H */
