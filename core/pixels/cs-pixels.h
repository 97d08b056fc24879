/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-pixels.h — the GEGL half of preprocessing, shared by the command-line
 * tool and the GIMP plug-in: reading a region of a GeglBuffer, whatever
 * its precision, colour space or mode, as sRGB-encoded R'G'B'A float
 * strips for the core's resampler (cs_resample, Pillow's algorithm) to
 * bring to a model's input size, then handing the result to the core
 * (cs_preprocess_fill) to become the input tensor.  The image is never
 * copied whole to floats, and large reductions read GEGL's mipmap levels
 * at reduced scale.  A library of its own because the core has no GEGL
 * dependency.
 */
#ifndef CS_PIXELS_H
#define CS_PIXELS_H

#include <gegl.h>

#include "convscope.h"

G_BEGIN_DECLS

/* Starts and stops GEGL; every program that resamples calls it first,
 * GIMP plug-ins included: libgimp starts babl but not GEGL, and without
 * gegl_init the mipmap reads of 8-bit images come back black.  Only
 * buffers are used, so GEGL's operation modules are not loaded unless
 * GEGL_PATH says where. */
void     cs_pixels_init      (void);
void     cs_pixels_exit      (void);

/* Resamples @plan's source rectangle of @roi in @buffer (@roi NULL: the
 * buffer's extent; the plan's coordinates are relative to the ROI's
 * corner) into @dest, owned by the caller: plan->dest_width ×
 * plan->dest_height R'G'B'A float pixels, rows packed, straight alpha.
 * As Pillow resizes: filtering on the sRGB-encoded values premultiplied
 * by alpha (not in linear light), the filter cut at the ROI's edges and
 * renormalized rather than reaching past them. */
gboolean cs_pixels_resample  (GeglBuffer          *buffer,
                              const GeglRectangle *roi,
                              const CsResizePlan  *plan,
                              CsResample           resample,
                              float               *dest,
                              GError             **error);

/* The whole path from pixels to @tensor (1×C×H×W float32 with data, as
 * the card's model takes it): plan from the ROI's size, resample, fill. */
gboolean cs_pixels_to_tensor (GeglBuffer          *buffer,
                              const GeglRectangle *roi,
                              const CsCard        *card,
                              CsTensor            *tensor,
                              GError             **error);

G_END_DECLS

#endif /* CS_PIXELS_H */
