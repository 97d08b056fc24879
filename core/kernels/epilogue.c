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

/* Large |x| would overflow exp(−x) in the textbook form; exp of a
 * non-positive argument cannot. */
static inline float
sigmoid (float x)
{
  float e = expf (-fabsf (x));
  float r = 1.0f / (1.0f + e);

  return x >= 0.0f ? r : e * r;
}

static inline float
hard_sigmoid (float x, float alpha, float beta)
{
  return fminf (fmaxf (alpha * x + beta, 0.0f), 1.0f);
}

float
cs_activation_scalar (const CsActivation *act,
                            float                    x)
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
      return sigmoid (x);
    case CS_ACT_HARD_SIGMOID:
      return hard_sigmoid (x, act->alpha, act->beta);
    case CS_ACT_HARD_SWISH:
      return x * hard_sigmoid (x, 1.0f / 6.0f, 0.5f);
    case CS_ACT_TANH:
      return tanhf (x);
    }
  return x;
}

/* One loop per kind, so that the common ones vectorize. */
void
cs_activation_map (const CsActivation *act,
                         const float             *x,
                         float                   *y,
                         int64_t                  n)
{
  const float alpha = act->alpha, beta = act->beta;

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
      for (int64_t i = 0; i < n; i++)
        y[i] = sigmoid (x[i]);
      break;
    case CS_ACT_HARD_SIGMOID:
      for (int64_t i = 0; i < n; i++)
        y[i] = hard_sigmoid (x[i], alpha, beta);
      break;
    case CS_ACT_HARD_SWISH:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] * hard_sigmoid (x[i], 1.0f / 6.0f, 0.5f);
      break;
    case CS_ACT_TANH:
      for (int64_t i = 0; i < n; i++)
        y[i] = tanhf (x[i]);
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

gboolean
cs_activation_slope_needs_input (const CsActivation *act)
{
  return act->kind == CS_ACT_HARD_SWISH;
}

/* The slopes follow PyTorch's autograd at the kinks: 0 at ReLU's and at
 * the ends of Clip's and HardSigmoid's linear part, LeakyReLU's alpha at
 * 0, HardSwish's x/3 + 1/2 on [−3, 3]. */
void
cs_activation_backward (const CsActivation *act,
                        const float        *x,
                        const float        *y,
                        float              *grad,
                        int64_t             n)
{
  for (int64_t i = 0; i < n; i++)
    {
      const float out = x != NULL ? cs_activation_scalar (act, x[i]) : y[i];
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
        }
      grad[i] *= slope;
    }
}
