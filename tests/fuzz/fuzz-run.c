/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-run.c — a model as every front end uses it, on arbitrary bytes of
 * either format: load, describe every layer, open a session and run it on
 * inputs of zeros with every layer tapped.  Models too large to run fast
 * (an input or a layer's output above RUN_MAX_ELEMENTS, more than
 * RUN_MAX_MACS multiply-adds) are only loaded and described, so the
 * fuzzer keeps its pace; shape inference, folding, every op's run and the
 * session's memory plan are what it explores.
 */
#include "convscope.h"

#include <stdint.h>
#include <string.h>

#define RUN_MAX_ELEMENTS (1 << 16)
#define RUN_MAX_MACS     (G_GINT64_CONSTANT (1) << 22)

/* Reads every field a front end shows; returns whether the layer is small
 * enough to run. */
static gboolean
describe_layer (const CsLayerInfo *info)
{
  volatile size_t length = strlen (info->name) + strlen (info->op);

  for (int a = 0; a < 2; a++)
    if (info->arithmetic[a] != NULL)
      length += strlen (info->arithmetic[a]);
  return cs_shape_numel (&info->out_shape) <= RUN_MAX_ELEMENTS;
}

static void
run_on_zeros (const CsModel *model)
{
  size_t n_inputs = cs_model_n_inputs (model);
  CsTensor *inputs = g_new0 (CsTensor, MAX (n_inputs, 1));
  CsRunOptions options = { .tap_all = TRUE };
  GError *error = NULL;
  CsSession *session;
  CsResult *result = NULL;

  for (size_t i = 0; i < n_inputs; i++)
    {
      inputs[i] = *cs_model_input (model, i);
      inputs[i].data = g_malloc0 (MAX (cs_shape_numel (&inputs[i].shape), 1)
                                  * cs_dtype_size (inputs[i].dtype));
    }
  session = cs_session_new (model, 1, &error);
  g_assert_no_error (error);
  if (cs_session_run (session, inputs, n_inputs, &options, &result, &error))
    g_assert (result->n_taps == cs_model_n_layers (model));
  else
    g_assert (error != NULL && error->domain == CS_ERROR);
  g_clear_error (&error);
  cs_result_free (result);
  cs_session_free (session);
  for (size_t i = 0; i < n_inputs; i++)
    g_free (inputs[i].data);
  g_free (inputs);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  CsModel *model = cs_model_load_memory (data, size, "fuzz", NULL, &error);
  gboolean small = TRUE;

  g_assert ((model == NULL) != (error == NULL));
  g_clear_error (&error);
  if (model == NULL)
    return 0;
  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    small &= describe_layer (cs_model_layer (model, i));
  for (size_t i = 0; i < cs_model_n_inputs (model); i++)
    small &= cs_shape_numel (&cs_model_input (model, i)->shape) <= RUN_MAX_ELEMENTS;
  if (small && cs_model_total_macs (model) <= RUN_MAX_MACS)
    run_on_zeros (model);
  cs_model_free (model);
  return 0;
}
