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

typedef struct
{
  const char *name;
  const char *summary;
  int       (*main) (int argc, char **argv);
} CliCommand;

static const CliCommand commands[] = {
  { "info",     "describe a network layer by layer (shapes, windows, costs)",
                cli_info },
  { "run",      "run a network on .npy tensors, optionally keeping every "
                "layer's output", cli_run },
  { "classify", "classify images and print the most likely classes",
                cli_classify },
  { "explain",  "show where a network looked for a class (Grad-CAM, CAM, "
                "saliency, occlusion)", cli_explain },
  { "bench",    "measure how long one run takes", cli_bench },
  { "models",   "list the models here and the catalogue; choose the default",
                cli_models },
#ifdef CONVSCOPE_HAVE_FETCH
  { "fetch",    "download a model of the catalogue", cli_fetch },
#endif
};

static void
print_help (FILE *stream)
{
  fputs ("Usage:\n"
         "  convscope COMMAND [OPTION…] ARGUMENTS\n"
         "\n"
         "Look inside convolutional networks (ONNX or TensorFlow Lite).\n"
         "\n"
         "Commands:\n", stream);
  for (size_t i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fputs ("\n"
         "Run 'convscope COMMAND --help' for a command's options.\n"
         "Errors print one line on standard error; the exit status is 1 for\n"
         "a failure and 2 for a usage mistake.\n", stream);
}

static const CliCommand *
find_command (const char *name)
{
  for (size_t i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* A full disk or a closed pipe must not look like success. */
static int
finish_output (int status)
{
  if ((fflush (stdout) != 0 || ferror (stdout)) && status == 0)
    {
      fprintf (stderr, "convscope: cannot write the output: %s\n",
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

  setlocale (LC_ALL, "");
  /* Numbers in text and JSON read the same everywhere. */
  setlocale (LC_NUMERIC, "C");

  if (argc < 2)
    {
      fputs ("convscope: no command given; see 'convscope --help'\n", stderr);
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

      fprintf (stderr, "convscope: unknown command '%s'; see 'convscope --help'\n",
               shown);
      return CLI_EXIT_USAGE;
    }
  /* GOption's help shows the program name in its usage line. */
  prgname = g_strconcat ("convscope ", command->name, NULL);
  g_set_prgname (prgname);
  return finish_output (command->main (argc - 1, argv + 1));
}
