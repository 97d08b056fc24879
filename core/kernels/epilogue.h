/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * epilogue.h — what a GEMM or a convolution does to its sums after the
 * multiply-adds: the fused activation.  A clamp (ReLU, Clip) or a leaky
 * slope the micro-kernels apply as they store a tile (CsEpilogue); the
 * drivers apply any other to the rows they stored.  The graph's nodes carry
 * their activation in this form, and the standalone activation ops run
 * the same loops, so there is one implementation of each function.
 */
#ifndef CS_EPILOGUE_H
#define CS_EPILOGUE_H

#include "kernels.h"

G_BEGIN_DECLS

typedef enum
{
  CS_ACT_NONE,
  CS_ACT_RELU,
  CS_ACT_CLIP,         /* alpha = min, beta = max; ReLU6 is Clip(0, 6) */
  CS_ACT_LEAKY_RELU,   /* alpha = slope */
  CS_ACT_SIGMOID,
  CS_ACT_HARD_SIGMOID, /* max(0, min(1, alpha·x + beta)) */
  CS_ACT_HARD_SWISH,
  CS_ACT_TANH,
  CS_ACT_ELU,          /* x > 0 ? x : alpha·(eˣ − 1) */
  CS_ACT_SELU,         /* beta·(x > 0 ? x : alpha·(eˣ − 1)) */
  CS_ACT_SOFTPLUS,     /* ln(1 + eˣ) */
  CS_ACT_GELU,         /* x·Φ(x); alpha = 1: the tanh approximation */
  CS_ACT_SILU          /* x·σ(x), which PyTorch exports as Sigmoid → Mul */
} CsActKind;

/* The grid of a quantized type that values are rounded to after the
 * activation, as a quantized runtime stores them (kernels.h:
 * CsFakeQuantize): whole steps of @scale from @low to @high, the zero
 * point subtracted.  Scale 0: none. */
typedef struct
{
  float scale;
  float low, high;
} CsGrid;

/* Whether the values of @grid fit in bytes as kernels.h: CsGridToBytes
 * holds them: at most 256 whole steps. */
static inline gboolean
cs_grid_fits_bytes (const CsGrid *grid)
{
  return grid->scale > 0.0f && grid->low >= -65536.0f && grid->low <= grid->high
         && grid->high - grid->low <= 255.0f && grid->low == (float) (int32_t) grid->low
         && grid->high == (float) (int32_t) grid->high;
}

/* An activation: the params of the activation ops, and what the fuse
 * pass attaches to the op before one (CsNode's act), with the grid of a
 * FakeQuantize after it. */
typedef struct
{
  CsActKind kind;
  float     alpha;
  float     beta;
  CsGrid    grid;
} CsActivation;

/* Whether @act changes its input: a kind, a grid or both. */
static inline gboolean
cs_activation_is_set (const CsActivation *act)
{
  return act->kind != CS_ACT_NONE || act->grid.scale > 0.0f;
}

/* Fills @ep for @act (NULL: none).  Returns FALSE when the micro-kernels
 * cannot apply @act themselves (nor any with a grid): the driver then
 * applies it with cs_activation_apply to what was stored, block by
 * block while it is in cache. */
gboolean cs_epilogue_init           (CsEpilogue              *ep,
                                     const CsActivation *act,
                                     float                    alpha,
                                     gboolean                 accumulate);

/* The grid @act rounds to with the clamp of a ReLU or Clip before it
 * folded into its low and high: rounding x/scale is monotonic, so it
 * maps clamp (x, a, b) to the rounded x clamped between the steps of a
 * and b.  FALSE when @act has no grid, or another activation before it. */
gboolean cs_activation_folded_grid (const CsActivation *act,
                                    CsGrid             *grid);

/* y[i] = act (x[i]) for @n floats; @x and @y may be the same array. */
void     cs_activation_map    (const CsActivation *act,
                                     const float             *x,
                                     float                   *y,
                                     int64_t                  n);
/* The same in place. */
void     cs_activation_apply  (const CsActivation *act,
                                     float                   *data,
                                     int64_t                  n);
/* act (x) for one value, rounded to the grid when it has one. */
float    cs_activation_scalar (const CsActivation *act,
                                     float                    x);

/* Whether cs_activation_backward needs the activation's input, not
 * only its output, to tell the slope. */
gboolean cs_activation_slope_needs_input (const CsActivation *act);
/* grad[i] ·= act′ at element i, for @n floats: the gradient after the
 * activation becomes the gradient before it; the rounding to a grid
 * passes it straight through.  The slope is taken from
 * @x, the activation's input, when it is not NULL, else from @y, its
 * output (not enough when cs_activation_slope_needs_input). */
void     cs_activation_backward (const CsActivation *act,
                                 const float        *x,
                                 const float        *y,
                                 float              *grad,
                                 int64_t             n);

G_END_DECLS

#endif /* CS_EPILOGUE_H */
