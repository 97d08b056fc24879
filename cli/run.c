/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run.c — `convscope run`: feed .npy tensors to a network, write its
 * outputs as .npy and, with --taps, every layer's output too, so the
 * activations can be examined in NumPy.
 */
#include <errno.h>
#include <stdio.h>

#include <glib/gstdio.h>

#include "cli.h"
#include "npy.h"
#include "tensor.h"

/* Bytes of a layer name kept in a tap's file name. */
#define TAP_NAME_MAX 64

static gboolean
write_outputs (const CsResult    *result,
               const char *const *paths,
               GError           **error)
{
  size_t n_paths = paths != NULL ? g_strv_length ((char **) paths) : 0;

  if (n_paths > result->n_outputs)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "--out was given %zu times but the model has only %zu output",
                                "--out was given %zu times but the model has only %zu outputs",
                                result->n_outputs),
                   n_paths, result->n_outputs);
      return FALSE;
    }
  for (size_t i = 0; i < result->n_outputs; i++)
    {
      const CsTensor  *output = &result->outputs[i];
      g_autofree char *shape = cs_shape_to_string (&output->shape);
      g_autofree char *name = cli_printable (output->name);

      if (i >= n_paths)
        {
          if (n_paths > 0)
            cli_warning (_("output '%s' (%s) not written; give --out once per "
                           "output"), name, shape);
          continue;
        }
      if (!npy_write_file (paths[i], output, error))
        return FALSE;
      printf (_("%s: output '%s', %s\n"), paths[i], name, shape);
    }
  return TRUE;
}

/* "007_features.3_conv.npy": the zero-padded index keeps the files in
 * layer order and unique; of the name only letters, digits, '.', '-' and
 * '_' survive, every other run of bytes becoming one '_'. */
static char *
tap_file_name (int index, int digits, const char *layer)
{
  GString *name = g_string_new (NULL);
  size_t   start;
  gboolean gap = FALSE;

  g_string_printf (name, "%0*d_", digits, index);
  start = name->len;
  for (const char *p = layer; *p != '\0' && name->len - start < TAP_NAME_MAX; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '.' || *p == '-' || *p == '_')
        {
          if (gap && name->len > start)
            g_string_append_c (name, '_');
          g_string_append_c (name, *p);
          gap = FALSE;
        }
      else
        gap = TRUE;
    }
  if (name->len == start)
    g_string_append (name, "layer");
  g_string_append (name, ".npy");
  return g_string_free (name, FALSE);
}

static gboolean
write_taps (const CsModel  *model,
            const CsResult *result,
            const char     *dir,
            GError        **error)
{
  size_t n_layers = cs_model_n_layers (model);
  int    digits = 3;

  for (size_t n = n_layers; n > 999; n /= 10)
    digits++;
  if (g_mkdir_with_parents (dir, 0777) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CS_ERROR, CS_ERROR_IO, _("%s: cannot create the "
                                                   "directory: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }
  for (size_t i = 0; i < result->n_taps; i++)
    {
      const CsTensor  *tap = &result->taps[i];
      int              index = cs_model_find_layer (model, tap->name);
      g_autofree char *file = tap_file_name (index >= 0 ? index : (int) i,
                                             digits, tap->name);
      g_autofree char *path = g_build_filename (dir, file, NULL);

      if (!npy_write_file (path, tap, error))
        return FALSE;
    }
  printf (g_dngettext (GETTEXT_PACKAGE, "%s: %zu layer output\n", "%s: %zu layer outputs\n",
                      result->n_taps),
          dir, result->n_taps);
  return TRUE;
}

static gboolean
run_model (const char        *model_path,
           const char *const *input_paths,
           const char *const *output_paths,
           const char        *taps_dir,
           gboolean           quantized_in_float,
           GError           **error)
{
  CsModel      *model;
  CsSession    *session = NULL;
  CsResult     *result = NULL;
  CsTensor     *inputs = NULL;
  size_t        n_inputs = 0;
  CsRunOptions  options = { .tap_all = taps_dir != NULL };
  const CsLoadOptions load_options = { .quantized_in_float = quantized_in_float };
  gboolean      ok;

  model = cs_model_load_file (model_path, &load_options, error);
  if (model == NULL)
    return FALSE;
  n_inputs = cs_model_n_inputs (model);
  inputs = g_new0 (CsTensor, MAX (n_inputs, 1));

  ok = cli_read_inputs (model_path, model, input_paths, inputs, error)
       && (session = cs_session_new (model, 0, error)) != NULL
       && cs_session_run (session, inputs, n_inputs, &options, &result, error)
       && write_outputs (result, output_paths, error)
       && (taps_dir == NULL || write_taps (model, result, taps_dir, error));

  if (result != NULL)
    cs_result_free (result);
  if (session != NULL)
    cs_session_free (session);
  for (size_t i = 0; i < n_inputs; i++)
    cli_tensor_clear (&inputs[i]);
  g_free (inputs);
  cs_model_free (model);
  return ok;
}

int
cli_run (int argc, char **argv)
{
  g_auto (GStrv)   input_paths = NULL;
  g_auto (GStrv)   output_paths = NULL;
  g_autofree char *taps_dir = NULL;
  gboolean         quantized_in_float = FALSE;
  const GOptionEntry entries[] = {
    { "in", 'i', 0, G_OPTION_ARG_FILENAME_ARRAY, &input_paths,
      N_("Input tensor (.npy, float32, C order); once per model input, in order"),
      "FILE" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME_ARRAY, &output_paths,
      N_("Where to write an output (.npy); once per model output, in order"),
      "FILE" },
    { "taps", 't', 0, G_OPTION_ARG_FILENAME, &taps_dir,
      N_("Write every layer's output into DIR as NNN_<layer>.npy"), "DIR" },
    { "quantized-in-float", 0, 0, G_OPTION_ARG_NONE, &quantized_in_float,
      CLI_QUANTIZED_IN_FLOAT_HELP, NULL },
    { NULL }
  };
  GError *error = NULL;

  if (!cli_parse_options (&argc, &argv, entries, "MODEL",
                          N_("Run a network on NumPy tensors."),
                          N_("Inputs must have exactly the shapes 'convscope info' "
                             "lists.  Outputs are written\nin the model's order, "
                             "one per --out; outputs beyond the last --out are "
                             "not\nwritten.  With --taps each layer's output goes "
                             "to DIR/NNN_<layer>.npy, NNN\nbeing the layer's index "
                             "in 'convscope info'.\n\n"
                             "Example:\n"
                             "  convscope run net.onnx --in x.npy --out y.npy "
                             "--taps acts/\n"
                             "  python3 -c \"import numpy; print(numpy.load("
                             "'y.npy').argmax())\""),
                          1, 1, &error))
    return cli_fail (error);
  if (input_paths == NULL)
    cli_usage_error (&error, _("run needs --in FILE; see 'convscope run --help'"));
  else if (output_paths == NULL && taps_dir == NULL)
    cli_usage_error (&error, _("run needs --out FILE or --taps DIR, or there is "
                               "nothing to show; see 'convscope run --help'"));
  if (error != NULL)
    return cli_fail (error);

  if (!run_model (argv[1], (const char *const *) input_paths,
                  (const char *const *) output_paths, taps_dir, quantized_in_float, &error))
    return cli_fail (error);
  return 0;
}
