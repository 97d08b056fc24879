/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * common.c — the helpers every `convscope` subcommand uses; see cli.h.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "npy.h"

gboolean
cli_parse_options (int                *argc,
                   char             ***argv,
                   const GOptionEntry *entries,
                   const char         *parameter_string,
                   const char         *summary,
                   const char         *description,
                   int                 min_positional,
                   int                 max_positional,
                   GError            **error)
{
  /* GOption translates what it shows, and the translation of "" is the
   * catalogue's header. */
  g_autoptr (GOptionContext) context
    = g_option_context_new (*parameter_string != '\0' ? parameter_string : NULL);
  const char *command = (*argv)[0];
  GError     *local = NULL;
  int         given;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, summary);
  g_option_context_set_description (context, description);
  if (!g_option_context_parse (context, argc, argv, &local))
    {
      cli_usage_error (error, _("%s; see 'convscope %s --help'"),
                       local->message, command);
      g_error_free (local);
      return FALSE;
    }
  /* GOption stops at "--" but leaves it in place; what follows it is
   * positional even if it starts with a dash. */
  for (int i = 1; i < *argc; i++)
    if (strcmp ((*argv)[i], "--") == 0)
      {
        memmove (&(*argv)[i], &(*argv)[i + 1], (*argc - i) * sizeof (char *));
        (*argc)--;
        break;
      }
  given = *argc - 1;
  if (given > 0 && max_positional == 0)
    {
      cli_usage_error (error, _("%s takes no arguments; see 'convscope %s --help'"), command,
                       command);
      return FALSE;
    }
  if (given < min_positional || (max_positional >= 0 && given > max_positional))
    {
      cli_usage_error (error,
                       g_dngettext (GETTEXT_PACKAGE,
                                    "%s takes %s but got %d argument; see 'convscope %s --help'",
                                    "%s takes %s but got %d arguments; see 'convscope %s --help'",
                                    given),
                       command, parameter_string, given, command);
      return FALSE;
    }
  return TRUE;
}

int
cli_fail (GError *error)
{
  g_autofree char *message = cli_printable (error->message);
  int status = error->domain == G_OPTION_ERROR ? CLI_EXIT_USAGE
                                               : CLI_EXIT_FAILURE;

  /* What was printed so far comes before the message, even when both
   * streams go to the same file. */
  fflush (stdout);
  fprintf (stderr, "convscope: %s\n", message);
  g_error_free (error);
  return status;
}

void
cli_warning (const char *format, ...)
{
  g_autofree char *text = NULL;
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  message = cli_printable (text);
  fflush (stdout);
  fprintf (stderr, _("convscope: warning: %s\n"), message);
}

void
cli_usage_error (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (G_OPTION_ERROR,
                                                G_OPTION_ERROR_BAD_VALUE,
                                                format, args));
  va_end (args);
}

gboolean
cli_read_inputs (const char        *model_path,
                 const CsModel     *model,
                 const char *const *paths,
                 CsTensor          *tensors,
                 GError           **error)
{
  size_t n_inputs = cs_model_n_inputs (model);
  size_t n_paths = g_strv_length ((char **) paths);

  if (n_paths != n_inputs)
    {
      g_autofree char *inputs_text = g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE, "%zu input", "%zu inputs", n_inputs), n_inputs);
      g_autofree char *times_text = g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE, "%zu time", "%zu times", n_paths), n_paths);

      /* TRANSLATORS: "net.onnx has 1 input but --in was given 2 times; …". */
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   _("%s has %s but --in was given %s; give one .npy per input, in order"),
                   model_path, inputs_text, times_text);
      return FALSE;
    }
  for (size_t i = 0; i < n_inputs; i++)
    {
      const CsTensor *expected = cs_model_input (model, i);

      if (!npy_read_file (paths[i], &tensors[i], error))
        return FALSE;
      if (!cs_shape_equal (&tensors[i].shape, &expected->shape))
        {
          g_autofree char *got = cs_shape_to_string (&tensors[i].shape);
          g_autofree char *want = cs_shape_to_string (&expected->shape);

          g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                       _("%s: shape %s does not match input '%s' of %s, "
                         "which is %s"), paths[i], got, expected->name,
                       model_path, want);
          return FALSE;
        }
      tensors[i].name = g_strdup (expected->name);
    }
  return TRUE;
}

char *
cli_printable (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *out = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\t' || c == '\n' || c == '\r')
        g_string_append_c (out, ' ');
      /* Format characters include the bidirectional overrides that can
       * make a name read differently from what it is. */
      else if (g_unichar_iscntrl (c) || g_unichar_type (c) == G_UNICODE_FORMAT)
        g_string_append_c (out, '?');
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  return g_string_free (out, FALSE);
}

char *
cli_format_count (int64_t count)
{
  static const char suffixes[] = "KMGTPE";
  double value = (double) count;
  int    suffix = -1;

  if (count < 1000)
    return g_strdup_printf ("%" G_GINT64_FORMAT, count);
  /* Moving up at 999.5 keeps 999 999 from printing as "1000K". */
  while (value >= 999.5 && suffix < (int) sizeof suffixes - 2)
    {
      value /= 1000.0;
      suffix++;
    }
  return g_strdup_printf (value < 9.995 ? "%.2f%c" : value < 99.95 ? "%.1f%c"
                                                                    : "%.0f%c",
                          value, suffixes[suffix]);
}

char *
cli_format_grouped (int64_t count)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, count);
  GString    *out = g_string_new (NULL);
  const char *p = digits;
  size_t      n;

  if (*p == '-')
    g_string_append_c (out, *p++);
  n = strlen (p);
  for (size_t i = 0; i < n; i++)
    {
      if (i > 0 && (n - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, p[i]);
    }
  return g_string_free (out, FALSE);
}

void
cli_json_add_shape (JsonBuilder *builder, const CsShape *shape)
{
  json_builder_begin_array (builder);
  for (int i = 0; i < shape->rank; i++)
    json_builder_add_int_value (builder, shape->dims[i]);
  json_builder_end_array (builder);
}

void
cli_json_add_tensor (JsonBuilder *builder, const CsTensor *tensor)
{
  g_autofree char *name = cli_printable (tensor->name);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "dtype");
  json_builder_add_string_value (builder, cli_dtype_name (tensor->dtype));
  json_builder_set_member_name (builder, "shape");
  cli_json_add_shape (builder, &tensor->shape);
  json_builder_end_object (builder);
}

void
cli_json_print (JsonBuilder *builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  text = json_generator_to_data (generator, NULL);
  fputs (text, stdout);
  fputc ('\n', stdout);
}

const char *
cli_dtype_name (CsDType dtype)
{
  return dtype == CS_DTYPE_INT64 ? "int64" : "float32";
}

void
cli_json_add_int (JsonBuilder *builder, const char *member, int64_t value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_int_value (builder, value);
}

void
cli_json_add_string (JsonBuilder *builder, const char *member, const char *value)
{
  g_autofree char *shown = cli_printable (value);

  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, shown);
}
