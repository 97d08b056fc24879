/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tagging.c — what "tag the image" writes: the predicted labels added to
 * the image's XMP keywords (dc:subject) and the whole top-k in the
 * persistent parasite "convscope-labels", as one undo step.  The
 * classify procedure's tag-image argument and the dialog's "Tag Image"
 * button both come here.
 */
#include "tagging.h"

#include <string.h>

#define XMP_KEYWORDS "Xmp.dc.subject"

/* "macaw\t0.973412\n…", one predicted class per line, for the parasite. */
static char *
predictions_to_text (const CsPrediction *predictions, int n)
{
  GString *text = g_string_new (NULL);

  for (int r = 0; r < n; r++)
    {
      char score[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (score, sizeof score, "%.6f", predictions[r].probability);
      g_string_append_printf (text, "%s\t%s\n", predictions[r].label, score);
    }
  return g_string_free (text, FALSE);
}

/* The image's XMP keywords with the labels added that are not there yet;
 * returns the metadata to set, or NULL with @error set. */
static GimpMetadata *
metadata_with_keywords (GimpImage *image, const CsPrediction *predictions, int n,
                        GError **error)
{
  GimpMetadata *metadata = gimp_image_get_metadata (image);
  g_auto (GStrv) old_keywords = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) keywords = NULL;

  if (metadata == NULL)
    metadata = gimp_metadata_new ();
  old_keywords = gexiv2_metadata_try_get_tag_multiple (GEXIV2_METADATA (metadata),
                                                       XMP_KEYWORDS, NULL);
  if (old_keywords != NULL)
    g_strv_builder_addv (builder, (const char **) old_keywords);
  for (int r = 0; r < n; r++)
    if (old_keywords == NULL || !g_strv_contains ((const char *const *) old_keywords,
                                                  predictions[r].label))
      g_strv_builder_add (builder, predictions[r].label);
  keywords = g_strv_builder_end (builder);
  if (!gexiv2_metadata_try_set_tag_multiple (GEXIV2_METADATA (metadata), XMP_KEYWORDS,
                                             (const char **) keywords, error))
    {
      g_object_unref (metadata);
      return NULL;
    }
  return metadata;
}

gboolean
csp_tag_image (GimpImage *image, const CsPrediction *predictions, int n, GError **error)
{
  g_autofree char *text = NULL;
  GimpMetadata    *metadata;
  GimpParasite    *parasite;

  metadata = metadata_with_keywords (image, predictions, n, error);
  if (metadata == NULL)
    return FALSE;
  text = predictions_to_text (predictions, n);
  parasite = gimp_parasite_new (CSP_LABELS_PARASITE,
                                GIMP_PARASITE_PERSISTENT | GIMP_PARASITE_UNDOABLE,
                                (guint32) strlen (text) + 1, text);
  gimp_image_undo_group_start (image);
  gimp_image_set_metadata (image, metadata);
  gimp_image_attach_parasite (image, parasite);
  gimp_image_undo_group_end (image);
  gimp_parasite_free (parasite);
  g_object_unref (metadata);
  return TRUE;
}
