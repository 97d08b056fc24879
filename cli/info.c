/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * info.c — `convscope info`: the network as a table, one row per layer
 * (name, op, output shape, parameters, MACs, receptive field), with the
 * window of every conv and pool layer and the arithmetic that gives its
 * output size underneath, so the numbers can be followed by hand.  Column
 * widths follow the content and the terminal width; --json gives the
 * same facts untruncated.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "cli.h"

#define MIN_WIDTH     80
#define MAX_WIDTH     160
#define DEFAULT_WIDTH 100
#define GAP           "  "
/* Op column cap: "Conv+BatchNormalization+Relu" fits, longer fusions
 * are truncated before the layer names suffer. */
#define MAX_OP_WIDTH  28

typedef enum
{
  ALIGN_LEFT,
  ALIGN_RIGHT,
  /* Left-aligned, truncated in the middle: layer names often differ only
   * at the end ("/features/features.12/Conv"). */
  ALIGN_LEFT_MIDDLE
} CellAlign;

enum
{
  COL_INDEX, COL_NAME, COL_OP, COL_OUTPUT, COL_PARAMS, COL_MACS, COL_RF,
  N_COLUMNS
};

static const char *const titles[N_COLUMNS] = {
  "#", N_("layer"), N_("op"), N_("output"), N_("params"), "MACs", "RF"
};

static const CellAlign aligns[N_COLUMNS] = {
  ALIGN_RIGHT, ALIGN_LEFT_MIDDLE, ALIGN_LEFT, ALIGN_LEFT,
  ALIGN_RIGHT, ALIGN_RIGHT, ALIGN_RIGHT
};

/* One layer's row as text; the row owns the cells. */
typedef struct
{
  char *cells[N_COLUMNS];
} LayerRow;

static const char *
kind_name (CsLayerKind kind)
{
  static const char *const names[] = {
    [CS_LAYER_CONV]          = "conv",
    [CS_LAYER_POOL]          = "pool",
    [CS_LAYER_DENSE]         = "dense",
    [CS_LAYER_ACTIVATION]    = "activation",
    [CS_LAYER_ELEMENTWISE]   = "elementwise",
    [CS_LAYER_NORMALIZATION] = "normalization",
    [CS_LAYER_RESHAPE]       = "reshape",
    [CS_LAYER_OTHER]         = "other",
  };

  return (unsigned) kind < G_N_ELEMENTS (names) ? names[kind] : "other";
}

static const char *
format_name (CsFormat format)
{
  return format == CS_FORMAT_TFLITE ? "TensorFlow Lite" : "ONNX";
}

/* COLUMNS wins (tests and scripts set it), then the terminal's own size,
 * then a width that suits most terminals and pagers. */
static int
terminal_width (void)
{
  const char *columns = g_getenv ("COLUMNS");
  guint64     value;

  if (columns != NULL
      && g_ascii_string_to_unsigned (columns, 10, 1, 10000, &value, NULL))
    return CLAMP ((int) value, MIN_WIDTH, MAX_WIDTH);
#ifdef TIOCGWINSZ
  {
    struct winsize size;

    if (isatty (STDOUT_FILENO) && ioctl (STDOUT_FILENO, TIOCGWINSZ, &size) == 0
        && size.ws_col > 0)
      return CLAMP ((int) size.ws_col, MIN_WIDTH, MAX_WIDTH);
  }
#endif
  return DEFAULT_WIDTH;
}

/* Terminal columns: CJK characters such as the Korean headings take
 * two. */
static int
char_width (const char *p)
{
  return g_unichar_iswide (g_utf8_get_char (p)) ? 2 : 1;
}

static int
text_width (const char *text)
{
  int width = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    width += char_width (p);
  return width;
}

/* The start of the longest tail of @text at most @columns wide. */
static const char *
tail_of_width (const char *text, int columns)
{
  const char *start = text + strlen (text);

  while (start > text)
    {
      const char *previous = g_utf8_prev_char (start);

      if (char_width (previous) > columns)
        break;
      columns -= char_width (previous);
      start = previous;
    }
  return start;
}

/* Appends @text to @line in exactly @width columns, cut with "…" where
 * @align says when it is longer. */
static void
append_cell (GString *line, const char *text, int width, CellAlign align)
{
  int length = text_width (text);

  if (length > width)
    {
      int         head_columns = align == ALIGN_LEFT_MIDDLE ? (width - 1) / 2 : width - 1;
      const char *head_end = text, *tail;
      int         used = 0;

      while (*head_end != '\0' && used + char_width (head_end) <= head_columns)
        {
          used += char_width (head_end);
          head_end = g_utf8_next_char (head_end);
        }
      g_string_append_len (line, text, head_end - text);
      g_string_append (line, "…");
      tail = tail_of_width (text, width - 1 - used);
      g_string_append (line, tail);
      /* A wide character that did not fit leaves a column to fill. */
      for (used += 1 + text_width (tail); used < width; used++)
        g_string_append_c (line, ' ');
      return;
    }
  if (align == ALIGN_RIGHT)
    for (int i = length; i < width; i++)
      g_string_append_c (line, ' ');
  g_string_append (line, text);
  if (align != ALIGN_RIGHT)
    for (int i = length; i < width; i++)
      g_string_append_c (line, ' ');
}

/* "3" when both axes agree, else "H×W". */
static char *
format_pair (int64_t h, int64_t w)
{
  if (h == w)
    return g_strdup_printf ("%" G_GINT64_FORMAT, h);
  return g_strdup_printf ("%" G_GINT64_FORMAT "×%" G_GINT64_FORMAT, h, w);
}

static LayerRow
layer_row (size_t index, const CsLayerInfo *info)
{
  LayerRow row;

  row.cells[COL_INDEX] = g_strdup_printf ("%zu", index);
  row.cells[COL_NAME] = cli_printable (info->name);
  row.cells[COL_OP] = cli_printable (info->op);
  row.cells[COL_OUTPUT] = cs_shape_to_string (&info->out_shape);
  row.cells[COL_PARAMS] = cli_format_count (info->params);
  row.cells[COL_MACS] = cli_format_count (info->macs);
  row.cells[COL_RF] = format_pair (info->receptive_field[0],
                                   info->receptive_field[1]);
  return row;
}

static void
layer_row_clear (LayerRow *row)
{
  for (int c = 0; c < N_COLUMNS; c++)
    g_free (row->cells[c]);
}

/* Columns as wide as their content; when that is wider than the terminal,
 * the name and op columns give way, the op column keeping at least its
 * share. */
static void
fit_widths (const LayerRow *rows, size_t n_rows, int total, int widths[N_COLUMNS])
{
  int fixed = (N_COLUMNS - 1) * (int) strlen (GAP);
  int flex, op_share;

  for (int c = 0; c < N_COLUMNS; c++)
    {
      widths[c] = text_width (_(titles[c]));
      for (size_t i = 0; i < n_rows; i++)
        widths[c] = MAX (widths[c], text_width (rows[i].cells[c]));
      if (c != COL_NAME && c != COL_OP)
        fixed += widths[c];
    }
  flex = MAX (total - fixed, 20);
  op_share = MAX (MIN (MAX_OP_WIDTH, flex * 2 / 5), 10);
  widths[COL_OP] = MIN (widths[COL_OP], MAX (op_share, flex - widths[COL_NAME]));
  widths[COL_NAME] = MIN (widths[COL_NAME], flex - widths[COL_OP]);
}

static void
print_row (const char *const cells[N_COLUMNS], const int widths[N_COLUMNS])
{
  GString *line = g_string_new (NULL);

  for (int c = 0; c < N_COLUMNS; c++)
    {
      if (c > 0)
        g_string_append (line, GAP);
      append_cell (line, cells[c], widths[c], aligns[c]);
    }
  /* Padding after the last column would only make lines longer. */
  while (line->len > 0 && line->str[line->len - 1] == ' ')
    g_string_truncate (line, line->len - 1);
  puts (line->str);
  g_string_free (line, TRUE);
}

/* "pad 1", "pad 1×2" (H×W) when each axis is symmetric, else all four. */
static void
append_pads (GString *text, const int pads[4])
{
  if (pads[0] == pads[2] && pads[1] == pads[3])
    {
      g_autofree char *pair = format_pair (pads[0], pads[1]);

      g_string_append_printf (text, _("  pad %s"), pair);
    }
  else
    g_string_append_printf (text, _("  pad top %d left %d bottom %d right %d"),
                            pads[0], pads[1], pads[2], pads[3]);
}

/* "kernel 3×3  stride 2  pad 1…": a conv or pool layer's window. */
static void
append_window (GString *text, const CsLayerInfo *info)
{
  g_autofree char *stride = format_pair (info->stride[0], info->stride[1]);

  g_string_append_printf (text, _("kernel %d×%d  stride %s%s"), info->kernel[0],
                          info->kernel[1], stride, info->transposed ? _(" (transposed)") : "");
  append_pads (text, info->pads);
  if (info->dilation[0] != 1 || info->dilation[1] != 1)
    {
      g_autofree char *dilation = format_pair (info->dilation[0],
                                               info->dilation[1]);

      g_string_append_printf (text, _("  dilation %s"), dilation);
    }
  if (info->groups > 1)
    g_string_append_printf (text, _("  groups %d%s"), info->groups,
                            info->in_shape.rank == 4
                            && info->in_shape.dims[1] == info->groups
                            ? _(" (depthwise)") : "");
  if (info->ceil_mode)
    g_string_append (text, _("  ceil mode"));
}

/* The window line (or a resampling layer's scales) and the output-size
 * arithmetic under a conv, pool or resize row, indented past the index
 * column. */
static void
print_window (const CsLayerInfo *info, int indent)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%*s", indent, "");
  if (info->resampled)
    g_string_append_printf (text, _("scale %.4g×%.4g  reads %d×%d samples"), info->scale[0],
                            info->scale[1], info->taps[0], info->taps[1]);
  else
    append_window (text, info);
  puts (text->str);
  g_string_free (text, TRUE);

  if (info->arithmetic[0] == NULL || info->arithmetic[1] == NULL)
    return;
  if (strcmp (info->arithmetic[0], info->arithmetic[1]) == 0)
    printf ("%*sH, W: %s\n", indent, "", info->arithmetic[0]);
  else
    printf ("%*sH: %s\n%*sW: %s\n", indent, "", info->arithmetic[0],
            indent, "", info->arithmetic[1]);
}

static void
print_tensors (const char *title,
               const CsModel *model,
               size_t n,
               const CsTensor *(*get) (const CsModel *, size_t))
{
  printf ("%s:\n", title);
  for (size_t i = 0; i < n; i++)
    {
      const CsTensor  *tensor = get (model, i);
      g_autofree char *name = cli_printable (tensor->name);
      g_autofree char *shape = cs_shape_to_string (&tensor->shape);

      printf ("  %s  %s  %s\n", name, shape, cli_dtype_name (tensor->dtype));
    }
}

static void
print_table (const char *path, const CsModel *model, gboolean brief)
{
  size_t           n = cs_model_n_layers (model);
  LayerRow        *rows = g_new (LayerRow, MAX (n, 1));
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *shown_base = cli_printable (base);
  g_autofree char *params = cli_format_grouped (cs_model_total_params (model));
  g_autofree char *params_short = cli_format_count (cs_model_total_params (model));
  g_autofree char *macs = cli_format_grouped (cs_model_total_macs (model));
  g_autofree char *macs_short = cli_format_count (cs_model_total_macs (model));
  int              widths[N_COLUMNS];
  const char      *shown_titles[N_COLUMNS];

  for (size_t i = 0; i < n; i++)
    rows[i] = layer_row (i, cs_model_layer (model, i));
  fit_widths (rows, n, terminal_width (), widths);

  printf (_("%s: %s model\n\n"), shown_base, format_name (cs_model_format (model)));
  for (int c = 0; c < N_COLUMNS; c++)
    shown_titles[c] = _(titles[c]);
  print_row (shown_titles, widths);
  for (size_t i = 0; i < n; i++)
    {
      const CsLayerInfo *info = cs_model_layer (model, i);

      print_row ((const char *const *) rows[i].cells, widths);
      if ((info->has_window || info->resampled) && !brief)
        print_window (info, widths[COL_INDEX] + (int) strlen (GAP) + 2);
      layer_row_clear (&rows[i]);
    }
  g_free (rows);

  printf (g_dngettext (GETTEXT_PACKAGE, "\n%zu layer · %s parameters (%s) · %s MACs (%s)\n",
                      "\n%zu layers · %s parameters (%s) · %s MACs (%s)\n", n),
          n, params, params_short, macs, macs_short);
  if (!brief)
    puts (_("MACs: multiply-accumulates in one run.\n"
            "RF: the receptive field, how many input pixels one output pixel sees."));
  print_tensors (_("inputs"), model, cs_model_n_inputs (model), cs_model_input);
  print_tensors (_("outputs"), model, cs_model_n_outputs (model), cs_model_output);
}

static void
add_pair (JsonBuilder *builder, const char *member, int64_t a, int64_t b)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  json_builder_add_int_value (builder, a);
  json_builder_add_int_value (builder, b);
  json_builder_end_array (builder);
}

static void
add_arithmetic (JsonBuilder *builder, const CsLayerInfo *info)
{
  json_builder_set_member_name (builder, "arithmetic");
  json_builder_begin_array (builder);
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *shown = info->arithmetic[i]
                               ? cli_printable (info->arithmetic[i]) : NULL;

      if (shown != NULL)
        json_builder_add_string_value (builder, shown);
      else
        json_builder_add_null_value (builder);
    }
  json_builder_end_array (builder);
}

static void
add_window (JsonBuilder *builder, const CsLayerInfo *info)
{
  json_builder_set_member_name (builder, "window");
  json_builder_begin_object (builder);
  add_pair (builder, "kernel", info->kernel[0], info->kernel[1]);
  add_pair (builder, "stride", info->stride[0], info->stride[1]);
  add_pair (builder, "dilation", info->dilation[0], info->dilation[1]);
  json_builder_set_member_name (builder, "pads");
  json_builder_begin_array (builder);
  for (int i = 0; i < 4; i++)
    json_builder_add_int_value (builder, info->pads[i]);
  json_builder_end_array (builder);
  cli_json_add_int (builder, "groups", info->groups);
  json_builder_set_member_name (builder, "ceil_mode");
  json_builder_add_boolean_value (builder, info->ceil_mode);
  if (info->transposed)
    {
      json_builder_set_member_name (builder, "transposed");
      json_builder_add_boolean_value (builder, TRUE);
    }
  add_arithmetic (builder, info);
  json_builder_end_object (builder);
}

/* A Resize layer's scales, samples read per output and arithmetic. */
static void
add_resample (JsonBuilder *builder, const CsLayerInfo *info)
{
  json_builder_set_member_name (builder, "resample");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "scale");
  json_builder_begin_array (builder);
  for (int i = 0; i < 2; i++)
    json_builder_add_double_value (builder, info->scale[i]);
  json_builder_end_array (builder);
  add_pair (builder, "taps", info->taps[0], info->taps[1]);
  add_arithmetic (builder, info);
  json_builder_end_object (builder);
}

static void
add_layer (JsonBuilder *builder, size_t index, const CsLayerInfo *info)
{
  json_builder_begin_object (builder);
  cli_json_add_int (builder, "index", (int64_t) index);
  cli_json_add_string (builder, "name", info->name);
  cli_json_add_string (builder, "op", info->op);
  cli_json_add_string (builder, "kind", kind_name (info->kind));
  json_builder_set_member_name (builder, "input_shape");
  cli_json_add_shape (builder, &info->in_shape);
  json_builder_set_member_name (builder, "output_shape");
  cli_json_add_shape (builder, &info->out_shape);
  if (info->has_window)
    add_window (builder, info);
  else if (info->resampled)
    add_resample (builder, info);
  cli_json_add_int (builder, "params", info->params);
  cli_json_add_int (builder, "macs", info->macs);
  add_pair (builder, "receptive_field",
            info->receptive_field[0], info->receptive_field[1]);
  add_pair (builder, "jump", info->jump[0], info->jump[1]);
  json_builder_end_object (builder);
}

static void
add_tensors (JsonBuilder *builder,
             const char *member,
             const CsModel *model,
             size_t n,
             const CsTensor *(*get) (const CsModel *, size_t))
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (size_t i = 0; i < n; i++)
    cli_json_add_tensor (builder, get (model, i));
  json_builder_end_array (builder);
}

static void
print_json (const char *path, const CsModel *model)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  size_t n = cs_model_n_layers (model);

  json_builder_begin_object (builder);
  cli_json_add_string (builder, "model", path);
  cli_json_add_string (builder, "format",
                       cs_model_format (model) == CS_FORMAT_TFLITE ? "tflite" : "onnx");
  json_builder_set_member_name (builder, "layers");
  json_builder_begin_array (builder);
  for (size_t i = 0; i < n; i++)
    add_layer (builder, i, cs_model_layer (model, i));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "totals");
  json_builder_begin_object (builder);
  cli_json_add_int (builder, "layers", (int64_t) n);
  cli_json_add_int (builder, "params", cs_model_total_params (model));
  cli_json_add_int (builder, "macs", cs_model_total_macs (model));
  json_builder_end_object (builder);
  add_tensors (builder, "inputs", model, cs_model_n_inputs (model), cs_model_input);
  add_tensors (builder, "outputs", model, cs_model_n_outputs (model), cs_model_output);
  json_builder_end_object (builder);
  cli_json_print (builder);
}

int
cli_info (int argc, char **argv)
{
  gboolean json = FALSE, brief = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the description as JSON, names untruncated"), NULL },
    { "brief", 'b', 0, G_OPTION_ARG_NONE, &brief,
      N_("One line per layer, without windows and their arithmetic"), NULL },
    { NULL }
  };
  CsModel *model;
  GError  *error = NULL;

  if (!cli_parse_options (&argc, &argv, entries, "MODEL",
                          N_("Describe a network layer by layer."),
                          N_("Each row shows a layer after fusion (a Conv with its "
                             "BatchNormalization and\nactivation is one layer): "
                             "its output shape, learned parameters,\n"
                             "multiply-accumulates (MACs) for one run and "
                             "receptive field.  Under each\nconv and pool layer: "
                             "its window and the arithmetic that gives the output\n"
                             "size, ⌊(in − kernel + pads) / stride⌋ + 1.\n\n"
                             "Example:\n  convscope info resnet18.onnx | less -S"),
                          1, 1, &error))
    return cli_fail (error);
  model = cs_model_load_file (argv[1], NULL, &error);
  if (model == NULL)
    return cli_fail (error);

  if (json)
    print_json (argv[1], model);
  else
    print_table (argv[1], model, brief);
  cs_model_free (model);
  return 0;
}
