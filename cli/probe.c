/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * probe.c — `convscope probe`: one output pixel of one layer, on an image
 * or a .npy input: the box of input pixels it sees (its receptive field,
 * reaching into the zero padding at the borders) and, for a convolution,
 * the patch·kernel sum, bias and activation that make the value the run
 * kept in its feature map.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cs-pixels.h"
#include "image.h"
#include "tensor.h"

/* What the probe found, for printing either way. */
typedef struct
{
  const char        *model_path;
  const CsLayerInfo *info;
  int64_t            channel, y, x;
  CsReceptiveBox     box;
  CsConvProbe       *conv; /* NULL for a layer that is no convolution */
  float              tapped;
} Probe;

/* "Y,X" into two non-negative integers. */
static gboolean
parse_position (const char *text, int64_t *y, int64_t *x, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  guint64 values[2];

  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXINT64, &values[0], NULL)
      || !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXINT64, &values[1], NULL))
    {
      g_autofree char *shown = cli_printable (text);

      cli_usage_error (error, _("--at takes ROW,COLUMN (two numbers from 0), not '%s'"), shown);
      return FALSE;
    }
  *y = (int64_t) values[0];
  *x = (int64_t) values[1];
  return TRUE;
}

/* The model's inputs from the .npy files, or its image input from the
 * image file prepared as the model card says. */
static gboolean
read_input (const char        *model_path,
            const CsModel     *model,
            const char        *image_path,
            const char *const *npy_paths,
            CsTensor          *inputs,
            GError           **error)
{
  g_autoptr (CsCard) card = NULL;
  gboolean ok;

  if (npy_paths != NULL)
    return cli_read_inputs (model_path, model, npy_paths, inputs, error);
  card = cs_card_load (model, model_path, NULL, error);
  if (card == NULL
      || !cli_tensor_alloc (&inputs[0], cs_model_input (model, 0)->name,
                            &cs_model_input (model, 0)->shape, error))
    return FALSE;
  cs_pixels_init ();
  ok = cli_image_to_tensor (image_path, card, &inputs[0], error);
  cs_pixels_exit ();
  return ok;
}

static const CsTensor *
find_tap (const CsResult *result, const char *name)
{
  for (size_t i = 0; i < result->n_taps; i++)
    if (g_strcmp0 (result->taps[i].name, name) == 0)
      return &result->taps[i];
  return NULL;
}

/* Runs @model on @inputs keeping the layer and, for a convolution, the
 * layer that feeds it; fills the value and the convolution of @probe. */
static gboolean
probe_run (const CsModel *model, int layer, const CsTensor *inputs, Probe *probe, GError **error)
{
  int          source = cs_model_layer_source (model, layer);
  const char  *taps[3] = { probe->info->name, NULL, NULL };
  CsRunOptions options = { .taps = taps };
  g_autoptr (CsSession) session = NULL;
  g_autoptr (CsResult) result = NULL;
  const CsTensor *tap;

  if (source >= 0)
    taps[1] = cs_model_layer (model, source)->name;
  if ((session = cs_session_new (model, 0, error)) == NULL
      || !cs_session_run (session, inputs, cs_model_n_inputs (model), &options, &result, error))
    return FALSE;
  tap = find_tap (result, probe->info->name);
  probe->tapped =
      ((const float *)
           tap->data)[(probe->channel * tap->shape.dims[2] + probe->y) * tap->shape.dims[3]
                      + probe->x];
  if (probe->info->kind != CS_LAYER_CONV)
    return TRUE;
  if (source == CS_LAYER_SOURCE_NONE)
    {
      g_autofree char *name = cli_printable (probe->info->name);

      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   _("layer %s reads a value that no layer's output holds, so its "
                     "convolution cannot be shown"), name);
      return FALSE;
    }
  probe->conv =
      cs_conv_probe_new (model, layer, source >= 0 ? find_tap (result, taps[1]) : &inputs[0],
                         probe->channel, probe->y, probe->x, error);
  return probe->conv != NULL;
}

static void
print_text (const Probe *probe)
{
  const CsReceptiveBox *box = &probe->box;
  const CsConvProbe    *conv = probe->conv;
  g_autofree char      *name = cli_printable (probe->info->name);
  g_autofree char      *op = cli_printable (probe->info->op);

  printf (_("layer %s (%s), channel %" PRId64 " at row %" PRId64 ", column %" PRId64 "\n"),
          name, op, probe->channel, probe->y, probe->x);
  printf (_("receptive field (y0, x0, y1, x1, inclusive): %" PRId64 ", %" PRId64 ", %" PRId64
            ", %" PRId64 "\n"),
          box->y0, box->x0, box->y1, box->x1);
  if (box->in_image)
    printf (_("  inside the image:                          %" PRId64 ", %" PRId64 ", %" PRId64
              ", %" PRId64 "\n"),
            box->image_y0, box->image_x0, box->image_y1, box->image_x1);
  else
    puts (_("  inside the image: nothing (it sees only padding)"));
  if (conv != NULL)
    {
      int64_t taps = conv->n_channels * conv->kernel_h * conv->kernel_w, padded = 0;
      g_autofree char *channels =
          conv->n_channels == 1
              ? g_strdup_printf (_("input channel %" PRId64), conv->first_channel)
              : g_strdup_printf (_("input channels %" PRId64 "–%" PRId64),
                                 conv->first_channel,
                                 conv->first_channel + conv->n_channels - 1);

      for (int64_t i = 0; i < taps; i++)
        padded += conv->padding[i];
      printf (_("sum of patch × kernel: %.9g over %s × %d×%d taps (%" PRId64
                " in the padding)\n"),
              conv->sum, channels, conv->kernel_h, conv->kernel_w, padded);
      printf (_("bias:                  %.9g%s\n"), (double) conv->bias,
              conv->folded_batchnorm ? _(" (BatchNormalization folded into weights and bias)")
                                     : "");
      printf (_("pre-activation:        %.9g\n"), (double) conv->pre_activation);
      printf (_("activation:            %s\n"),
              conv->activation != NULL ? conv->activation : _("none"));
      printf (_("value:                 %.9g\n"), (double) conv->value);
    }
  printf (_("tapped value:          %.9g\n"), (double) probe->tapped);
}

static void
add_number (JsonBuilder *builder, const char *member, double value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_double_value (builder, value);
}

static void
add_box (JsonBuilder *builder, const char *member, int64_t y0, int64_t x0, int64_t y1, int64_t x1)
{
  const int64_t corners[4] = { y0, x0, y1, x1 };

  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (int i = 0; i < 4; i++)
    json_builder_add_int_value (builder, corners[i]);
  json_builder_end_array (builder);
}

static void
add_floats (JsonBuilder *builder, const char *member, const float *values, int64_t n)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (int64_t i = 0; i < n; i++)
    json_builder_add_double_value (builder, values[i]);
  json_builder_end_array (builder);
}

static void
add_conv (JsonBuilder *builder, const CsConvProbe *conv)
{
  const int64_t taps = conv->n_channels * conv->kernel_h * conv->kernel_w;

  json_builder_set_member_name (builder, "input_channels");
  json_builder_begin_array (builder);
  json_builder_add_int_value (builder, conv->first_channel);
  json_builder_add_int_value (builder, conv->n_channels);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "kernel");
  json_builder_begin_array (builder);
  json_builder_add_int_value (builder, conv->kernel_h);
  json_builder_add_int_value (builder, conv->kernel_w);
  json_builder_end_array (builder);
  add_floats (builder, "patch", conv->patch, taps);
  json_builder_set_member_name (builder, "padding");
  json_builder_begin_array (builder);
  for (int64_t i = 0; i < taps; i++)
    json_builder_add_boolean_value (builder, conv->padding[i]);
  json_builder_end_array (builder);
  add_floats (builder, "weights", conv->weights, taps);
  add_floats (builder, "products", conv->products, taps);
  add_number (builder, "sum", conv->sum);
  add_number (builder, "bias", conv->bias);
  add_number (builder, "pre_activation", conv->pre_activation);
  json_builder_set_member_name (builder, "activation");
  if (conv->activation != NULL)
    json_builder_add_string_value (builder, conv->activation);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "folded_batchnorm");
  json_builder_add_boolean_value (builder, conv->folded_batchnorm);
}

static void
print_json (const Probe *probe)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  const CsReceptiveBox *box = &probe->box;

  json_builder_begin_object (builder);
  cli_json_add_string (builder, "model", probe->model_path);
  cli_json_add_string (builder, "layer", probe->info->name);
  cli_json_add_string (builder, "op", probe->info->op);
  cli_json_add_int (builder, "channel", probe->channel);
  cli_json_add_int (builder, "y", probe->y);
  cli_json_add_int (builder, "x", probe->x);
  add_box (builder, "box", box->y0, box->x0, box->y1, box->x1);
  if (box->in_image)
    add_box (builder, "box_in_image", box->image_y0, box->image_x0, box->image_y1, box->image_x1);
  else
    {
      json_builder_set_member_name (builder, "box_in_image");
      json_builder_add_null_value (builder);
    }
  if (probe->conv != NULL)
    add_conv (builder, probe->conv);
  add_number (builder, "value", probe->conv != NULL ? probe->conv->value : probe->tapped);
  add_number (builder, "tapped", probe->tapped);
  json_builder_end_object (builder);
  cli_json_print (builder);
}

static gboolean
probe_model (const char        *model_path,
             const char        *image_path,
             const char *const *npy_paths,
             const char        *layer_name,
             Probe             *probe,
             gboolean           json,
             GError           **error)
{
  g_autoptr (CsModel) model = cs_model_load_file (model_path, NULL, error);
  CsTensor *inputs;
  size_t    n_inputs;
  int       layer;
  gboolean  ok;

  if (model == NULL)
    return FALSE;
  layer = cs_model_find_layer (model, layer_name);
  if (layer < 0)
    {
      g_autofree char *shown = cli_printable (layer_name);

      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   _("%s has no layer called '%s'; 'convscope info' lists them"), model_path, shown);
      return FALSE;
    }
  probe->model_path = model_path;
  probe->info = cs_model_layer (model, layer);
  if (!cs_model_receptive_box (model, layer, probe->channel, probe->y, probe->x, &probe->box,
                               error))
    return FALSE;
  n_inputs = cs_model_n_inputs (model);
  inputs = g_new0 (CsTensor, MAX (n_inputs, 1));
  ok = read_input (model_path, model, image_path, npy_paths, inputs, error)
       && probe_run (model, layer, inputs, probe, error);
  if (ok && json)
    print_json (probe);
  else if (ok)
    print_text (probe);
  for (size_t i = 0; i < n_inputs; i++)
    cli_tensor_clear (&inputs[i]);
  g_free (inputs);
  cs_conv_probe_free (probe->conv);
  return ok;
}

int
cli_probe (int argc, char **argv)
{
  g_auto (GStrv) npy_paths = NULL;
  g_autofree char   *layer = NULL;
  g_autofree char   *at = NULL;
  gint64             channel = 0;
  gboolean           json = FALSE;
  const GOptionEntry entries[] = {
    { "in", 'i', 0, G_OPTION_ARG_FILENAME_ARRAY, &npy_paths,
      N_("Input tensor (.npy, float32) instead of an image; once per model input"), "FILE" },
    { "layer", 'l', 0, G_OPTION_ARG_STRING, &layer, N_("The layer, by its name in 'convscope info'"),
      "NAME" },
    { "channel", 'c', 0, G_OPTION_ARG_INT64, &channel, N_("The output channel (default 0)"), "C" },
    { "at", 'a', 0, G_OPTION_ARG_STRING, &at, N_("The output pixel, row and column from 0"), "Y,X" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the result as JSON, with every patch, weight and product"), NULL },
    { NULL }
  };
  Probe   probe = { 0 };
  GError *error = NULL;

  if (!cli_parse_options (&argc, &argv, entries, "MODEL [IMAGE]",
                          N_("Show what one output pixel of a layer sees and computes."),
                          N_("Prints the pixel's receptive field as a box of input pixels "
                            "(y0, x0, y1, x1,\ninclusive), which reaches past the image "
                            "into the zero padding at its borders,\nand the part inside "
                            "the image.  For a convolution also the sum of its input\n"
                            "patch times its kernel (BatchNormalization folded in, as it "
                            "runs), the\nbias, the activation and the value, which is the "
                            "one in the layer's\nfeature map.  The image is prepared as "
                            "the model card says, as 'convscope\nclassify' does.\n\n"
                            "Example:\n"
                            "  convscope probe net.onnx photo.jpg --layer conv1 "
                            "--channel 5 --at 10,20"),
                          1, 2, &error))
    return cli_fail (error);
  if (layer == NULL || at == NULL)
    cli_usage_error (&error, _("probe needs --layer NAME and --at Y,X; "
                               "see 'convscope probe --help'"));
  else if ((argc == 2) == (npy_paths == NULL))
    cli_usage_error (&error, _("probe takes an IMAGE or --in FILE, exactly one of them; "
                               "see 'convscope probe --help'"));
  else
    parse_position (at, &probe.y, &probe.x, &error);
  if (error != NULL)
    return cli_fail (error);
  probe.channel = channel;

  if (!probe_model (argv[1], argc == 3 ? argv[2] : NULL, (const char *const *) npy_paths, layer,
                    &probe, json, &error))
    return cli_fail (error);
  return 0;
}
