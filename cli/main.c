/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * main.c — the `convscope` command: picks the subcommand named by the
 * first argument and hands it the rest.  Also the overall help and the
 * guarantee that output that could not be written is a failure.
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "convscope-config.h"

typedef struct
{
  const char *name;
  const char *summary;
  int       (*main) (int argc, char **argv);
} CliCommand;

static const CliCommand commands[] = {
  { "info",     N_("describe a network layer by layer (shapes, windows, costs)"),
                cli_info },
  { "run",      N_("run a network on .npy tensors, optionally keeping every "
                   "layer's output"), cli_run },
  { "classify", N_("classify images and print the most likely classes"),
                cli_classify },
  { "explain",  N_("show where a network looked for a class (Grad-CAM, CAM, "
                   "saliency, occlusion)"), cli_explain },
  { "segment",  N_("label every pixel of images with its class; write label images"),
                cli_segment },
  { "bench",    N_("measure how long one run takes"), cli_bench },
  { "probe",    N_("what one output pixel of a layer sees and computes"), cli_probe },
  { "models",   N_("list the models here and the catalogue; choose the default"),
                cli_models },
#ifdef CONVSCOPE_HAVE_FETCH
  { "fetch",    N_("download a model of the catalogue"), cli_fetch },
#endif
};

static void
print_help (FILE *stream)
{
  fputs (_("Usage:\n"
           "  convscope COMMAND [OPTION…] ARGUMENTS\n"
           "\n"
           "Look inside convolutional networks (ONNX or TensorFlow Lite).\n"
           "\n"
           "Commands:\n"), stream);
  for (size_t i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fputs (_("\n"
           "Run 'convscope COMMAND --help' for a command's options.\n"
           "Errors print one line on standard error; the exit status is 1 for\n"
           "a failure and 2 for a usage mistake.\n"), stream);
}

static const CliCommand *
find_command (const char *name)
{
  for (size_t i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* The catalogues beside the running program (BINDIR/../share/locale),
 * wherever its installed tree was moved, else where they were installed. */
static char *
locale_dir (void)
{
  g_autofree char *program = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *bin_dir = program != NULL ? g_path_get_dirname (program) : NULL;
  char            *beside;

  if (bin_dir != NULL)
    {
      beside = g_build_filename (bin_dir, CONVSCOPE_LOCALEDIR_FROM_BINDIR, NULL);
      if (g_file_test (beside, G_FILE_TEST_IS_DIR))
        return beside;
      g_free (beside);
    }
  return g_strdup (CONVSCOPE_LOCALEDIR);
}

/* A full disk or a closed pipe must not look like success. */
static int
finish_output (int status)
{
  if ((fflush (stdout) != 0 || ferror (stdout)) && status == 0)
    {
      fprintf (stderr, _("convscope: cannot write the output: %s\n"),
               g_strerror (errno));
      return CLI_EXIT_FAILURE;
    }
  return status;
}

int
main (int argc, char **argv)
{
  const CliCommand *command;
  g_autofree char  *prgname = NULL;
  g_autofree char  *catalogues = locale_dir ();

  setlocale (LC_ALL, "");
  /* Numbers in text and JSON read the same everywhere. */
  setlocale (LC_NUMERIC, "C");
  bindtextdomain (GETTEXT_PACKAGE, catalogues);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  if (argc < 2)
    {
      fputs (_("convscope: no command given; see 'convscope --help'\n"), stderr);
      return CLI_EXIT_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      print_help (stdout);
      return finish_output (0);
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      puts ("convscope " CONVSCOPE_VERSION);
      return finish_output (0);
    }

  command = find_command (argv[1]);
  if (command == NULL)
    {
      g_autofree char *shown = cli_printable (argv[1]);

      fprintf (stderr, _("convscope: unknown command '%s'; see 'convscope --help'\n"),
               shown);
      return CLI_EXIT_USAGE;
    }
  /* GOption's help shows the program name in its usage line. */
  prgname = g_strconcat ("convscope ", command->name, NULL);
  g_set_prgname (prgname);
  return finish_output (command->main (argc - 1, argv + 1));
}
