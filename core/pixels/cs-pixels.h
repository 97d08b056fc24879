/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-pixels.h — the GEGL half of preprocessing, shared by the command-line
 * tool and the GIMP plug-in: reading a region of a GeglBuffer, whatever
 * its precision, colour space or mode, resampled to a model's input as
 * sRGB-encoded R'G'B'A float pixels, then handing them to the core
 * (cs_preprocess_fill) to become the input tensor.  The full-resolution
 * image is never copied to floats: large reductions read GEGL's mipmap
 * levels at reduced scale.  A library of its own because the core has no
 * GEGL dependency.
 */
#ifndef CS_PIXELS_H
#define CS_PIXELS_H

#include <gegl.h>

#include "convscope.h"

G_BEGIN_DECLS

/* Starts and stops GEGL; every program that resamples calls it first,
 * GIMP plug-ins included: libgimp starts babl but not GEGL, and without
 * gegl_init the mipmap reads of 8-bit images come back black.  Only
 * buffers and samplers are used, so GEGL's operation modules are not
 * loaded unless GEGL_PATH says where. */
void     cs_pixels_init      (void);
void     cs_pixels_exit      (void);

/* Resamples @plan's source rectangle of @roi in @buffer (@roi NULL: the
 * buffer's extent; the plan's coordinates are relative to the ROI's
 * corner, and reads near its edges repeat its edge pixels) into @dest,
 * owned by the caller: plan->dest_width × plan->dest_height R'G'B'A
 * float pixels, rows packed.  Filtering happens in GEGL's working space
 * (linear light, premultiplied alpha). */
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
