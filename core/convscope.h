/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * convscope.h — the public interface of Convscope's core, the one header
 * a program includes.  It is made of smaller headers, one per concern,
 * which the core's own files include directly:
 *
 *   cs-engine.h      errors, tensors, models, layers, sessions, the
 *                    output-size arithmetic
 *   cs-card.h        model cards, resize plans, Pillow-exact resampling,
 *                    filling the input tensor, labels
 *   cs-featuremap.h  feature maps as pictures: statistics, colour maps
 *   cs-models.h      the models on this machine and the catalogue
 *   cs-classifier.h  one image classifier ready to run: model, card,
 *                    labels, session, checked output and top-k
 *   cs-lesson.h      what the lecture shows: receptive fields, the
 *                    convolution at one pixel, dense equivalents and
 *                    the network's structure
 *   cs-gradient.h    gradients of an output element (backward pass)
 *   cs-explain.h     heat maps of why a class scored: Grad-CAM, CAM,
 *                    saliency, occlusion
 *
 * The GEGL half of preprocessing (core/pixels/cs-pixels.h) and downloads
 * (core/fetch/cs-fetch.h) are libraries of their own, outside this
 * header, because the core depends on neither GEGL nor HTTP.
 */
#ifndef CONVSCOPE_H
#define CONVSCOPE_H

#include "cs-engine.h"
#include "cs-card.h"
#include "cs-featuremap.h"
#include "cs-models.h"
#include "cs-classifier.h"
#include "cs-segmenter.h"
#include "cs-lesson.h"
#include "cs-gradient.h"
#include "cs-explain.h"

#endif /* CONVSCOPE_H */
