/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli.h — what the subcommands of the `convscope` tool share: option
 * parsing, the one-line error report and its exit status, loading a model,
 * text made safe for a terminal, number formatting and JSON output.
 *
 * Conventions: a subcommand is `int cli_NAME (int argc, char **argv)` where
 * argv[0] is the subcommand's name; it returns the process exit status.
 * Usage mistakes are GErrors in the G_OPTION_ERROR domain (exit status 2),
 * everything else is in CS_ERROR (exit status 1).
 */
#ifndef CS_CLI_H
#define CS_CLI_H

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "convscope.h"

G_BEGIN_DECLS

enum
{
  CLI_EXIT_FAILURE = 1,
  CLI_EXIT_USAGE   = 2
};

int cli_info     (int argc, char **argv);
int cli_run      (int argc, char **argv);
int cli_classify (int argc, char **argv);
int cli_explain  (int argc, char **argv);
int cli_segment  (int argc, char **argv);
int cli_bench    (int argc, char **argv);
int cli_models   (int argc, char **argv);
int cli_probe    (int argc, char **argv);
/* Only where libsoup-3.0 is found (CONVSCOPE_HAVE_FETCH). */
int cli_fetch    (int argc, char **argv);

/* The catalogue installed beside the bundled models (cs_catalogue_path);
 * the array frees its entries. */
GPtrArray *cli_load_catalogue  (GError **error);
/* Two lines per entry of @catalogue on stdout, marking those installed. */
void       cli_print_catalogue (GPtrArray *catalogue);
/* The same as JSON: {"downloads": DIR, "catalogue": [{...}, ...]}. */
void       cli_print_catalogue_json (GPtrArray *catalogue);

/* Parses the subcommand's options out of @argv, leaving the positional
 * arguments in (*argv)[1 .. *argc - 1], and checks that there are between
 * @min_positional and @max_positional of them (-1: no upper bound).
 * `--help` prints the help built from @parameter_string, @summary and
 * @description and exits with status 0. */
gboolean cli_parse_options (int                *argc,
                            char             ***argv,
                            const GOptionEntry *entries,
                            const char         *parameter_string,
                            const char         *summary,
                            const char         *description,
                            int                 min_positional,
                            int                 max_positional,
                            GError            **error);

/* Prints "convscope: MESSAGE" as exactly one line on stderr, frees @error
 * and returns the exit status that goes with it. */
int  cli_fail    (GError *error);
/* A non-fatal notice, also one line: "convscope: warning: ...". */
void cli_warning (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* Sets a usage error (exit status 2). */
void cli_usage_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* The --quantized-in-float option's help (CsLoadOptions). */
#define CLI_QUANTIZED_IN_FLOAT_HELP \
  N_("Run a quantized TFLite model's convolutions in float, rounding to the grid after each, " \
     "instead of in 8-bit integers: a check on the one against the other")
/* Reads one .npy of @paths per input of @model (loaded from @model_path)
 * and checks it against the input's shape.  Fills @tensors (n_inputs of
 * them, zeroed by the caller), which the caller clears with
 * cli_tensor_clear even on failure. */
gboolean cli_read_inputs (const char        *model_path,
                          const CsModel     *model,
                          const char *const *paths,
                          CsTensor          *tensors,
                          GError           **error);

/* @text as valid UTF-8 without control characters, so a hostile model or
 * labels file cannot garble a terminal.  The caller frees the result. */
char *cli_printable (const char *text);

/* "3.14M": three significant digits with an SI suffix.  Caller frees. */
char *cli_format_count (int64_t count);
/* "11,689,512".  Caller frees. */
char *cli_format_grouped (int64_t count);

/* Builder helpers: an array of the dims of @shape, and a tensor's
 * name/dtype/shape description. */
void cli_json_add_shape  (JsonBuilder *builder, const CsShape *shape);
void cli_json_add_tensor (JsonBuilder *builder, const CsTensor *tensor);
/* A member holding an integer, or a string made printable. */
void cli_json_add_int    (JsonBuilder *builder, const char *member, int64_t value);
void cli_json_add_string (JsonBuilder *builder, const char *member, const char *value);
/* Writes @builder's root to stdout, pretty-printed, then a newline. */
void cli_json_print      (JsonBuilder *builder);

const char *cli_dtype_name (CsDType dtype);

G_END_DECLS

#endif /* CS_CLI_H */
