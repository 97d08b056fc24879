/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * epilogue.h — what a GEMM or a convolution does to its sums after the
 * multiply-adds: the fused activation.  A clamp (ReLU, Clip) or a leaky
 * slope the micro-kernels apply as they store a tile (CsEpilogue); the
 * drivers apply any other to the rows they stored.  The ops translate a
 * node's activation into this form, and the standalone activation ops run
 * the same loops, so there is one implementation of each function.
 */
#ifndef CS_EPILOGUE_H
#define CS_EPILOGUE_H

#include "kernels.h"

G_BEGIN_DECLS

typedef enum
{
  CS_FUSED_NONE,
  CS_FUSED_RELU,
  CS_FUSED_CLIP,         /* alpha = min, beta = max */
  CS_FUSED_LEAKY_RELU,   /* alpha = slope */
  CS_FUSED_SIGMOID,
  CS_FUSED_HARD_SIGMOID, /* max(0, min(1, alpha·x + beta)) */
  CS_FUSED_HARD_SWISH,
  CS_FUSED_TANH
} CsFusedKind;

typedef struct
{
  CsFusedKind kind;
  float       alpha;
  float       beta;
} CsFusedActivation;

/* Fills @ep for @act (NULL: none).  Returns FALSE when the micro-kernels
 * cannot apply @act themselves: the driver then applies it with
 * cs_fused_activation_apply to what was stored. */
gboolean cs_epilogue_init           (CsEpilogue              *ep,
                                     const CsFusedActivation *act,
                                     float                    alpha,
                                     gboolean                 accumulate);

/* y[i] = act (x[i]) for @n floats; @x and @y may be the same array. */
void     cs_fused_activation_map    (const CsFusedActivation *act,
                                     const float             *x,
                                     float                   *y,
                                     int64_t                  n);
/* The same in place. */
void     cs_fused_activation_apply  (const CsFusedActivation *act,
                                     float                   *data,
                                     int64_t                  n);
/* act (x) for one value. */
float    cs_fused_activation_scalar (const CsFusedActivation *act,
                                     float                    x);

G_END_DECLS

#endif /* CS_EPILOGUE_H */
