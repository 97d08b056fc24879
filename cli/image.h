/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * image.h — turning an image file into a network input.  gdk-pixbuf
 * decodes it and makes it upright; the shared preprocessing path
 * (core/pixels, then the core) resamples and normalizes it as the model
 * card says, exactly as the GIMP plug-in does with a drawable.
 */
#ifndef CS_CLI_IMAGE_H
#define CS_CLI_IMAGE_H

#include <gegl.h>

#include "convscope.h"

G_BEGIN_DECLS

/* Decodes the image at @path, upright, into a new sRGB GeglBuffer of
 * R'G'B'A 16-bit pixels, for the caller to unref.  Needs GEGL started (cs_pixels_init).  Fails with a message
 * naming @path on a file that is missing or that gdk-pixbuf cannot
 * decode. */
GeglBuffer *cli_image_load      (const char *path,
                                 GError    **error);

/* Decodes @path and writes it into @tensor as @card says (see
 * cs_pixels_to_tensor). */
gboolean    cli_image_to_tensor (const char   *path,
                                 const CsCard *card,
                                 CsTensor     *tensor,
                                 GError      **error);

G_END_DECLS

#endif /* CS_CLI_IMAGE_H */
