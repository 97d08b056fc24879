/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * epilogue.c — the fused activations (epilogue.h): which of them the
 * micro-kernels take into their epilogue, and the loops that apply them
 * all to stored floats.
 */
#include "epilogue.h"

#include <math.h>
#include <string.h>

gboolean
cs_epilogue_init (CsEpilogue              *ep,
                  const CsActivation *act,
                  float                    alpha,
                  gboolean                 accumulate)
{
  *ep = (CsEpilogue) { alpha, accumulate, FALSE, 0.0f, FALSE, -INFINITY, INFINITY };
  if (act == NULL)
    return TRUE;
  if (act->grid.scale > 0.0f)
    return FALSE;
  switch (act->kind)
    {
    case CS_ACT_NONE:
      return TRUE;
    case CS_ACT_RELU:
      ep->clamp = TRUE;
      ep->lo = 0.0f;
      return TRUE;
    case CS_ACT_CLIP:
      ep->clamp = TRUE;
      ep->lo = act->alpha;
      ep->hi = act->beta;
      return TRUE;
    case CS_ACT_LEAKY_RELU:
      ep->leaky = TRUE;
      ep->slope = act->alpha;
      return TRUE;
    default:
      return FALSE;
    }
}

static inline float
elu (float x, float alpha)
{
  return x > 0.0f ? x : alpha * expm1f (x);
}

/* ln(1 + eˣ) = max(x, 0) + ln(1 + e^−|x|), which never overflows. */
static inline float
softplus (float x)
{
  return fmaxf (x, 0.0f) + log1pf (expf (-fabsf (x)));
}

/* Exact: x·(1 + erf(x/√2))/2 (kernels.h); approximate: tanh in place of
 * erf, as ONNX's Gelu (approximate = "tanh") and PyTorch define it. */
static inline float
gelu (float x, float approximate)
{
  if (approximate != 0.0f)
    return 0.5f * x * (1.0f + tanhf (0.7978845608028654f * (x + 0.044715f * x * x * x)));
  return cs_gelu_scalar (x);
}

/* The activation of one value, before any grid. */
static float
kind_scalar (const CsActivation *act, float x)
{
  switch (act->kind)
    {
    case CS_ACT_NONE:
      return x;
    case CS_ACT_RELU:
      return fmaxf (x, 0.0f);
    case CS_ACT_CLIP:
      return fminf (fmaxf (x, act->alpha), act->beta);
    case CS_ACT_LEAKY_RELU:
      return x >= 0.0f ? x : act->alpha * x;
    case CS_ACT_SIGMOID:
      return cs_sigmoid_scalar (x, FALSE);
    case CS_ACT_HARD_SIGMOID:
      return cs_hard_sigmoid_scalar (x, act->alpha, act->beta);
    case CS_ACT_HARD_SWISH:
      return cs_hard_swish_scalar (x);
    case CS_ACT_TANH:
      return tanhf (x);
    case CS_ACT_ELU:
      return elu (x, act->alpha);
    case CS_ACT_SELU:
      return act->beta * elu (x, act->alpha);
    case CS_ACT_SOFTPLUS:
      return softplus (x);
    case CS_ACT_GELU:
      return gelu (x, act->alpha);
    case CS_ACT_SILU:
      return cs_sigmoid_scalar (x, TRUE);
    }
  return x;
}

float
cs_activation_scalar (const CsActivation *act,
                            float                    x)
{
  const float y = kind_scalar (act, x);
  const CsGrid *grid = &act->grid;

  return grid->scale > 0.0f ? cs_fake_quantize_scalar (y, grid->scale, grid->low, grid->high) : y;
}

gboolean
cs_activation_folded_grid (const CsActivation *act, CsGrid *grid)
{
  *grid = act->grid;
  if (!(grid->scale > 0.0f))
    return FALSE;
  if (act->kind == CS_ACT_RELU || act->kind == CS_ACT_CLIP)
    {
      grid->low = cs_grid_step_scalar (act->kind == CS_ACT_RELU ? 0.0f : act->alpha,
                                       act->grid.scale, act->grid.low, act->grid.high);
      grid->high = cs_grid_step_scalar (act->kind == CS_ACT_RELU ? INFINITY : act->beta,
                                        act->grid.scale, act->grid.low, act->grid.high);
    }
  return act->kind == CS_ACT_NONE || act->kind == CS_ACT_RELU || act->kind == CS_ACT_CLIP;
}

/* Rounds @n floats to @act's grid, in one pass with a ReLU or Clip
 * before it (a NaN then goes to the lower end rather than through the
 * clip). */
static void
map_grid (const CsActivation *act, const float *x, float *y, int64_t n)
{
  CsGrid grid;

  if (!cs_activation_folded_grid (act, &grid))
    {
      const CsActivation plain = { act->kind, act->alpha, act->beta };

      cs_activation_map (&plain, x, y, n);
      x = y;
    }
  cs_kernels_get ()->fake_quantize (x, y, n, grid.scale, grid.low, grid.high);
}

/* One loop per kind, so that the common ones vectorize; the sigmoid and
 * the exact GELU have kernels of their own (kernels.h), since compilers
 * vectorize no expf or erff, and so has HardSwish, which the baseline
 * build vectorizes four floats wide. */
void
cs_activation_map (const CsActivation *act,
                         const float             *x,
                         float                   *y,
                         int64_t                  n)
{
  const float alpha = act->alpha, beta = act->beta;

  if (act->grid.scale > 0.0f)
    {
      map_grid (act, x, y, n);
      return;
    }
  switch (act->kind)
    {
    case CS_ACT_NONE:
      if (x != y)
        memcpy (y, x, (size_t) n * sizeof (float));
      break;
    case CS_ACT_RELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
    case CS_ACT_CLIP:
      for (int64_t i = 0; i < n; i++)
        {
          float v = x[i] < alpha ? alpha : x[i];
          y[i] = v > beta ? beta : v;
        }
      break;
    case CS_ACT_LEAKY_RELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] >= 0.0f ? x[i] : alpha * x[i];
      break;
    case CS_ACT_SIGMOID:
      cs_kernels_get ()->sigmoid (x, y, n, FALSE);
      break;
    case CS_ACT_HARD_SIGMOID:
      for (int64_t i = 0; i < n; i++)
        y[i] = cs_hard_sigmoid_scalar (x[i], alpha, beta);
      break;
    case CS_ACT_HARD_SWISH:
      cs_kernels_get ()->hard_swish (x, y, n);
      break;
    case CS_ACT_TANH:
      for (int64_t i = 0; i < n; i++)
        y[i] = tanhf (x[i]);
      break;
    case CS_ACT_ELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = elu (x[i], alpha);
      break;
    case CS_ACT_SELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = beta * elu (x[i], alpha);
      break;
    case CS_ACT_SOFTPLUS:
      for (int64_t i = 0; i < n; i++)
        y[i] = softplus (x[i]);
      break;
    case CS_ACT_GELU:
      if (alpha == 0.0f)
        cs_kernels_get ()->gelu (x, y, n);
      else
        for (int64_t i = 0; i < n; i++)
          y[i] = gelu (x[i], alpha);
      break;
    case CS_ACT_SILU:
      cs_kernels_get ()->sigmoid (x, y, n, TRUE);
      break;
    }
}

void
cs_activation_apply (const CsActivation *act,
                           float                   *data,
                           int64_t                  n)
{
  cs_activation_map (act, data, data, n);
}

/* d/dx of x·Φ(x), exactly or of its tanh approximation. */
static float
gelu_slope (float x, gboolean tanh_approximation)
{
  if (tanh_approximation)
    {
      const double k = 0.7978845608028654; /* √(2/π) */
      double t = tanh (k * (x + 0.044715 * x * x * x));

      return (float) (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * k * (1.0 + 3 * 0.044715 * x * x));
    }
  return (float) (0.5 * (1.0 + erf (x / 1.4142135623730951))
                  + x * exp (-0.5 * (double) x * x) * 0.3989422804014327);
}

gboolean
cs_activation_slope_needs_input (const CsActivation *act)
{
  return act->kind == CS_ACT_HARD_SWISH || act->kind == CS_ACT_GELU || act->kind == CS_ACT_SILU;
}

/* The slopes follow PyTorch's autograd at the kinks: 0 at ReLU's and at
 * the ends of Clip's and HardSigmoid's linear part, LeakyReLU's alpha at
 * 0, HardSwish's x/3 + 1/2 on [−3, 3].  ELU's and SELU's come from the
 * output (α·eˣ = y + α below 0), Softplus's too (σ(x) = 1 − e^−y);
 * GELU's and SiLU's need the input. */
void
cs_activation_backward (const CsActivation *act,
                        const float        *x,
                        const float        *y,
                        float              *grad,
                        int64_t             n)
{
  for (int64_t i = 0; i < n; i++)
    {
      const float out = x != NULL ? kind_scalar (act, x[i]) : y[i];
      float slope = 1.0f;

      switch (act->kind)
        {
        case CS_ACT_NONE:
          break;
        case CS_ACT_RELU:
          slope = out > 0.0f;
          break;
        case CS_ACT_CLIP:
          slope = out > act->alpha && out < act->beta;
          break;
        case CS_ACT_LEAKY_RELU:
          slope = (x != NULL ? x[i] > 0.0f : out > 0.0f) ? 1.0f : act->alpha;
          break;
        case CS_ACT_SIGMOID:
          slope = out * (1.0f - out);
          break;
        case CS_ACT_HARD_SIGMOID:
          slope = out > 0.0f && out < 1.0f ? act->alpha : 0.0f;
          break;
        case CS_ACT_HARD_SWISH:
          slope = x[i] < -3.0f ? 0.0f : x[i] <= 3.0f ? x[i] / 3.0f + 0.5f : 1.0f;
          break;
        case CS_ACT_TANH:
          slope = 1.0f - out * out;
          break;
        case CS_ACT_ELU:
          slope = out > 0.0f ? 1.0f : out + act->alpha;
          break;
        case CS_ACT_SELU:
          slope = out > 0.0f ? act->beta : out + act->beta * act->alpha;
          break;
        case CS_ACT_SOFTPLUS:
          slope = -expm1f (-out);
          break;
        case CS_ACT_GELU:
          slope = gelu_slope (x[i], act->alpha != 0.0f);
          break;
        case CS_ACT_SILU:
          {
            const float sigma = cs_sigmoid_scalar (x[i], FALSE);

            slope = sigma * (1.0f + x[i] * (1.0f - sigma));
          }
          break;
        }
      grad[i] *= slope;
    }
}
