/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-gradient.h — reverse-mode gradients: how one element of a model's
 * output (a class score) changes with the input and with the output of
 * any layer, for the methods that explain a prediction (cs-explain.h).
 */
#ifndef CS_GRADIENT_H
#define CS_GRADIENT_H

#include "cs-engine.h"

G_BEGIN_DECLS

typedef struct
{
  size_t  output;  /* which graph output */
  int64_t element; /* flat index in it: the class */
  /* When the network ends in a softmax (past reshapes), the gradient is
   * that of the score before it unless this is set. */
  gboolean           after_softmax;
  gboolean           input;  /* also ∂y/∂(graph input 0) */
  const char *const *layers; /* NULL-terminated, may be NULL */
} CsGradientRequest;

typedef struct
{
  size_t    n_outputs;
  CsTensor *outputs;    /* the forward run's, in the model's order */
  float     value;      /* y: the element differentiated */
  CsTensor  input_grad; /* ∂y/∂(input 0); data NULL unless asked */
  size_t    n_layers;
  CsTensor *activations; /* per requested layer, in the request's order */
  CsTensor *grads;       /* ∂y/∂ each of those, of the same shape */
} CsGradient;

/* Runs the model on @inputs (as cs_session_run) and differentiates the
 * requested element back to the input and the layers asked for, keeping
 * only the activations the backward pass reads.  An element out of
 * range, an unknown layer, a layer that does not lead to the output or
 * an op without a gradient on the way is an error naming it.  On success
 * *@gradient is the caller's, freed with cs_gradient_free. */
gboolean cs_session_gradient (CsSession               *session,
                              const CsTensor          *inputs,
                              size_t                   n_inputs,
                              const CsGradientRequest *request,
                              CsGradient             **gradient,
                              GError                 **error);
void     cs_gradient_free (CsGradient *gradient);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsGradient, cs_gradient_free)

G_END_DECLS

#endif /* CS_GRADIENT_H */
