/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * image.h — turning an image file into a network input.  This is the one
 * place the command-line tool preprocesses images, kept deliberately
 * plain: decode with gdk-pixbuf, make it upright, composite any alpha over
 * white, stretch bilinearly to the input size (the aspect ratio is not
 * kept, nothing is cropped) and scale to [0, 1] without mean/std
 * normalization.
 */
#ifndef CS_CLI_IMAGE_H
#define CS_CLI_IMAGE_H

#include "convscope.h"

G_BEGIN_DECLS

/* Writes the image at @path into @dest (owned by the caller) as @channels
 * planes of @height × @width floats in [0, 1]: R, G, B for 3 channels, the
 * Rec. 601 luma for 1.  Fails with a message naming @path on a file that
 * is missing or is not an image gdk-pixbuf can decode. */
gboolean cli_image_to_planar (const char *path,
                              int         channels,
                              int         height,
                              int         width,
                              float      *dest,
                              GError    **error);

G_END_DECLS

#endif /* CS_CLI_IMAGE_H */
