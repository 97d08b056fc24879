/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * window.c — the output-size arithmetic of sliding windows (convolution
 * and pooling): out = ⌊(in − k + p_begin + p_end) / s⌋ + 1 with the
 * dilated kernel k = d·(k − 1) + 1, the ceil_mode variant, and how SAME
 * and VALID auto-padding turn into explicit pads; and of the transposed
 * windows of ConvTranspose, out = (in − 1)·s − p_begin − p_end +
 * d·(k − 1) + output_padding + 1; used by the ops to size
 * their outputs and by the model description to write the rule out with
 * a layer's numbers.  The rule itself lives with the convolution kernels
 * (cs_conv_output_size), which check every shape against it.
 */
#include "ops/ops.h"
#include "kernels/convolution.h"

#include <string.h>

static int64_t
dilated_kernel (int kernel, int dilation)
{
  return (int64_t) dilation * (kernel - 1) + 1;
}

int64_t
cs_window_output_size (int64_t  in,
                       int      kernel,
                       int      stride,
                       int      dilation,
                       int      pad_begin,
                       int      pad_end,
                       gboolean ceil_mode)
{
  return cs_conv_output_size (in, kernel, stride, dilation, pad_begin, pad_end, ceil_mode);
}

/* Resolves one axis; @axis 0 is H, 1 is W. */
static gboolean
resolve_axis (CsWindow *window, int axis, int64_t in, int64_t *out)
{
  int *begin = &window->pads[axis];
  int *end = &window->pads[axis + 2];
  int stride = window->stride[axis];
  int64_t k = dilated_kernel (window->kernel[axis], window->dilation[axis]);

  switch (window->auto_pad)
    {
    case CS_AUTO_PAD_SAME_UPPER:
    case CS_AUTO_PAD_SAME_LOWER:
      {
        int64_t want = (in + stride - 1) / stride;
        int64_t total = MAX ((want - 1) * stride + k - in, 0);
        int64_t small = total / 2;

        if (total > G_MAXINT)
          return FALSE;
        *begin = (int) (window->auto_pad == CS_AUTO_PAD_SAME_UPPER ? small : total - small);
        *end = (int) total - *begin;
        window->ceil_mode = FALSE;
        break;
      }
    case CS_AUTO_PAD_VALID:
      *begin = *end = 0;
      break;
    case CS_AUTO_PAD_NOTSET:
      break;
    }
  *out = cs_window_output_size (in, window->kernel[axis], stride,
                                window->dilation[axis], *begin, *end,
                                window->ceil_mode);
  return *out > 0;
}

/* Fills a zero stride or dilation with 1 and checks every number of
 * @window is within what the kernels take. */
static gboolean
check_ranges (CsWindow *window, const CsGraph *graph, const CsNode *node, GError **error)
{
  for (int axis = 0; axis < 2; axis++)
    {
      if (window->stride[axis] == 0)
        window->stride[axis] = 1;
      if (window->dilation[axis] == 0)
        window->dilation[axis] = 1;
      if (window->kernel[axis] <= 0 || window->stride[axis] < 0
          || window->dilation[axis] < 0 || window->kernel[axis] > 65536
          || window->stride[axis] > 65536 || window->dilation[axis] > 65536)
        return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                              "kernel %d×%d, stride %d×%d, dilation %d×%d: "
                              "each must be between 1 and 65536",
                              window->kernel[0], window->kernel[1],
                              window->stride[0], window->stride[1],
                              window->dilation[0], window->dilation[1]);
    }
  for (int i = 0; i < 4; i++)
    if (window->pads[i] < 0 || window->pads[i] > 65536)
      return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                            "padding %d is outside 0–65536", window->pads[i]);
  return TRUE;
}

gboolean
cs_window_resolve (CsWindow      *window,
                   int64_t        in_h,
                   int64_t        in_w,
                   int64_t       *out_h,
                   int64_t       *out_w,
                   const CsGraph *graph,
                   const CsNode  *node,
                   GError       **error)
{
  if (!check_ranges (window, graph, node, error))
    return FALSE;
  if (!resolve_axis (window, 0, in_h, out_h)
      || !resolve_axis (window, 1, in_w, out_w))
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "a %d×%d window (dilation %d×%d, padding %d,%d,%d,%d)"
                          " does not fit the %" G_GINT64_FORMAT "×%"
                          G_GINT64_FORMAT " input",
                          window->kernel[0], window->kernel[1],
                          window->dilation[0], window->dilation[1],
                          window->pads[0], window->pads[1], window->pads[2],
                          window->pads[3], in_h, in_w);
  return TRUE;
}

/* "⌊(224 − 3 + 2·1) / 2⌋ + 1 = 112", with the dilated kernel size spelled
 * out when dilation is not 1 and both pads when they differ. */
static char *
axis_arithmetic (const CsWindow *window, int axis, int64_t in, int64_t out)
{
  int k = window->kernel[axis];
  int d = window->dilation[axis];
  int begin = window->pads[axis];
  int end = window->pads[axis + 2];
  int64_t keff = dilated_kernel (k, d);
  GString *text = g_string_new (NULL);
  gboolean ceil_mode = window->ceil_mode;

  g_string_append_printf (text, "%s(%" G_GINT64_FORMAT " − %" G_GINT64_FORMAT,
                          ceil_mode ? "⌈" : "⌊", in, keff);
  if (begin == end)
    g_string_append_printf (text, " + 2·%d", begin);
  else
    g_string_append_printf (text, " + %d + %d", begin, end);
  g_string_append_printf (text, ") / %d%s + 1", window->stride[axis],
                          ceil_mode ? "⌉" : "⌋");
  /* ceil_mode drops a last window that would start in the trailing pad. */
  if (ceil_mode && out != (in + begin + end - keff + window->stride[axis] - 1)
                          / window->stride[axis] + 1)
    g_string_append (text, " − 1");
  g_string_append_printf (text, " = %" G_GINT64_FORMAT, out);
  if (d != 1)
    g_string_append_printf (text, "   with k = %d·(%d − 1) + 1 = %" G_GINT64_FORMAT,
                            d, k, keff);
  if (window->auto_pad == CS_AUTO_PAD_SAME_UPPER
      || window->auto_pad == CS_AUTO_PAD_SAME_LOWER)
    g_string_append (text, "   (SAME padding: out = ⌈in / s⌉)");
  else if (window->auto_pad == CS_AUTO_PAD_VALID)
    g_string_append (text, "   (VALID: no padding)");
  return g_string_free (text, FALSE);
}

/* The window fields of @info, without the arithmetic. */
static void
describe_fields (const CsWindow *window, CsLayerInfo *info)
{
  info->has_window = TRUE;
  for (int axis = 0; axis < 2; axis++)
    {
      info->kernel[axis] = window->kernel[axis];
      info->stride[axis] = window->stride[axis];
      info->dilation[axis] = window->dilation[axis];
    }
  memcpy (info->pads, window->pads, sizeof info->pads);
  info->ceil_mode = window->ceil_mode;
}

void
cs_window_describe (const CsWindow *window,
                    const CsShape  *in_shape,
                    const CsShape  *out_shape,
                    CsLayerInfo    *info)
{
  describe_fields (window, info);
  if (in_shape->rank == 4 && out_shape->rank == 4)
    for (int axis = 0; axis < 2; axis++)
      info->arithmetic[axis] = axis_arithmetic (window, axis,
                                                in_shape->dims[2 + axis],
                                                out_shape->dims[2 + axis]);
}

/* ---- Transposed windows (ConvTranspose) ---- */

/* Resolves one axis of a transposed window; FALSE when the pads an
 * output_shape asks for are out of range or the output is empty. */
static gboolean
resolve_transposed_axis (CsConvTransposeParams *params, int axis, int64_t in, int64_t *out)
{
  CsWindow *window = &params->window;
  int *begin = &window->pads[axis];
  int *end = &window->pads[axis + 2];
  int64_t spread = (in - 1) * window->stride[axis]
                   + dilated_kernel (window->kernel[axis], window->dilation[axis])
                   + params->output_padding[axis];
  int64_t target = -1;

  params->beyond[axis] = 0;
  if (params->n_output_shape == 2)
    target = params->output_shape[axis];
  else if (window->auto_pad == CS_AUTO_PAD_SAME_UPPER
           || window->auto_pad == CS_AUTO_PAD_SAME_LOWER)
    target = in * window->stride[axis];
  else if (window->auto_pad == CS_AUTO_PAD_VALID)
    *begin = *end = 0;

  if (target >= 0)
    {
      int64_t total = spread - target;

      /* An output larger than the kernels reach is zero beyond them, as
       * if output_padding were larger. */
      if (total < 0)
        {
          if (-total > 65536)
            return FALSE;
          params->beyond[axis] = (int) -total;
          spread = target;
          total = 0;
        }
      if (total > 2 * 65536)
        return FALSE;
      /* VALID pads nothing before: the crop is all at the end. */
      if (window->auto_pad == CS_AUTO_PAD_VALID)
        *begin = 0;
      else
        *begin = (int) (window->auto_pad == CS_AUTO_PAD_SAME_UPPER ? total / 2
                                                                    : total - total / 2);
      *end = (int) total - *begin;
    }
  *out = spread - *begin - *end;
  return *out > 0;
}

gboolean
cs_window_resolve_transposed (CsConvTransposeParams *params,
                              int64_t                in_h,
                              int64_t                in_w,
                              int64_t               *out_h,
                              int64_t               *out_w,
                              const CsGraph         *graph,
                              const CsNode          *node,
                              GError               **error)
{
  CsWindow *window = &params->window;

  if (!check_ranges (window, graph, node, error))
    return FALSE;
  for (int axis = 0; axis < 2; axis++)
    if (params->output_padding[axis] < 0
        || (params->output_padding[axis] >= window->stride[axis]
            && params->output_padding[axis] >= window->dilation[axis]))
      return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                            "output_padding %d×%d must be below the stride %d×%d"
                            " or the dilation %d×%d",
                            params->output_padding[0], params->output_padding[1],
                            window->stride[0], window->stride[1],
                            window->dilation[0], window->dilation[1]);
  if (!resolve_transposed_axis (params, 0, in_h, out_h)
      || !resolve_transposed_axis (params, 1, in_w, out_w))
    return cs_node_error (error, CS_ERROR_INVALID, graph, node,
                          "a transposed %d×%d window (stride %d×%d, padding %d,%d,%d,%d)"
                          " cannot make %s from the %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT
                          " input", window->kernel[0], window->kernel[1],
                          window->stride[0], window->stride[1], window->pads[0],
                          window->pads[1], window->pads[2], window->pads[3],
                          params->n_output_shape == 2 ? "the output_shape" : "an output",
                          in_h, in_w);
  return TRUE;
}

/* "(7 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 15": ConvTranspose's rule with
 * the layer's numbers, output_padding (with what an output_shape adds)
 * written only when there is one. */
static char *
transposed_arithmetic (const CsConvTransposeParams *params, int axis, int64_t in, int64_t out)
{
  const CsWindow *window = &params->window;
  int begin = window->pads[axis];
  int end = window->pads[axis + 2];
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "(%" G_GINT64_FORMAT " − 1)·%d", in, window->stride[axis]);
  if (begin == end)
    g_string_append_printf (text, " − 2·%d", begin);
  else
    g_string_append_printf (text, " − %d − %d", begin, end);
  g_string_append_printf (text, " + %d·(%d − 1)", window->dilation[axis], window->kernel[axis]);
  if (params->output_padding[axis] + params->beyond[axis] != 0)
    g_string_append_printf (text, " + %d", params->output_padding[axis] + params->beyond[axis]);
  g_string_append_printf (text, " + 1 = %" G_GINT64_FORMAT, out);
  if (params->n_output_shape == 2)
    g_string_append (text, "   (padding from output_shape)");
  else if (window->auto_pad == CS_AUTO_PAD_SAME_UPPER
           || window->auto_pad == CS_AUTO_PAD_SAME_LOWER)
    g_string_append (text, "   (SAME padding: out = in·s)");
  return g_string_free (text, FALSE);
}

void
cs_window_describe_transposed (const CsConvTransposeParams *params,
                               const CsShape               *in_shape,
                               const CsShape               *out_shape,
                               CsLayerInfo                 *info)
{
  describe_fields (&params->window, info);
  info->transposed = TRUE;
  if (in_shape->rank == 4 && out_shape->rank == 4)
    for (int axis = 0; axis < 2; axis++)
      info->arithmetic[axis] = transposed_arithmetic (params, axis, in_shape->dims[2 + axis],
                                                      out_shape->dims[2 + axis]);
}

void
cs_window_footprint (const CsWindow *window, const CsRegion *out, CsRegion *in)
{
  in->lo[0] = out->lo[0];
  in->hi[0] = out->hi[0];
  for (int axis = 0; axis < 2; axis++)
    {
      in->lo[1 + axis] = out->lo[1 + axis] * window->stride[axis] - window->pads[axis];
      in->hi[1 + axis] = out->hi[1 + axis] * window->stride[axis] - window->pads[axis]
                         + dilated_kernel (window->kernel[axis], window->dilation[axis]) - 1;
    }
}
