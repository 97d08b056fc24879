/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * models.c — `convscope models`: the models on this machine (bundled and
 * downloaded, with what their cards say, the default marked) and the
 * catalogue of models `convscope fetch` gets; `--default` chooses the
 * model used when a command is given none.  See docs/models.md.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *
origin_name (CsModelOrigin origin)
{
  switch (origin)
    {
    case CS_MODEL_ORIGIN_BUNDLED:    return _("bundled");
    case CS_MODEL_ORIGIN_DOWNLOADED: return _("downloaded");
    case CS_MODEL_ORIGIN_CHOSEN:     return _("chosen");
    }
  return "?";
}

static const char *
task_name (CsTask task)
{
  switch (task)
    {
    case CS_TASK_CLASSIFICATION: return _("classification");
    case CS_TASK_SEGMENTATION:   return _("segmentation");
    case CS_TASK_OTHER:          return _("other");
    }
  return "?";
}

static void
print_entry (const CsModelEntry *entry, gboolean is_default)
{
  g_autofree char *name = cli_printable (entry->name);
  g_autofree char *path = cli_printable (entry->path);
  g_autofree char *licence = cli_printable (entry->licence != NULL ? entry->licence
                                                                   : _("not given"));
  g_autofree char *accuracy = cli_printable (entry->accuracy != NULL ? entry->accuracy
                                                                     : _("not given"));

  printf ("%s %s (%s, %s)\n", is_default ? "*" : " ", name, origin_name (entry->origin),
          entry->format == CS_FORMAT_TFLITE ? "tflite" : "onnx");
  printf ("    %s\n", path);
  if (entry->n_classes > 0)
    printf (_("    %s, %d classes\n"), task_name (entry->task), entry->n_classes);
  else
    printf ("    %s\n", task_name (entry->task));
  printf (_("    licence: %s\n    accuracy: %s\n"), licence, accuracy);
}

void
cli_print_catalogue (GPtrArray *catalogue)
{
  g_autofree char *user_dir = cs_models_user_dir ();

  for (guint i = 0; i < catalogue->len; i++)
    {
      const CsCatalogueEntry *entry = catalogue->pdata[i];
      g_autofree char *installed = g_build_filename (user_dir, entry->file_name, NULL);
      g_autofree char *name = cli_printable (entry->name);
      g_autofree char *title = cli_printable (entry->title);
      g_autofree char *licence = cli_printable (entry->licence);
      g_autofree char *size = cli_format_count (entry->size + entry->labels_size);

      printf ("  %-18s %s\n", name, title);
      printf ("  %-18s %s, %s %dx%d, %sB, %s%s\n", "", task_name (entry->task),
              entry->format == CS_FORMAT_TFLITE ? "tflite" : "onnx",
              entry->width, entry->height, size, licence,
              g_file_test (installed, G_FILE_TEST_IS_REGULAR) ? _(", installed") : "");
    }
}

GPtrArray *
cli_load_catalogue (GError **error)
{
  g_autofree char *path = cs_catalogue_path (NULL);

  return cs_catalogue_load (path, error);
}

/* @what as a model file: a path to one, else the file name (with or
 * without its extension) of a listed model, else a catalogue name whose
 * download is installed.  The caller frees the path. */
static char *
resolve_model (const char *what, GPtrArray *models, GError **error)
{
  g_autoptr (GPtrArray) catalogue = NULL;
  const CsCatalogueEntry *entry;

  if (g_file_test (what, G_FILE_TEST_IS_REGULAR))
    return g_strdup (what);
  for (guint i = 0; i < models->len; i++)
    {
      const CsModelEntry *model = models->pdata[i];
      g_autofree char *base = g_path_get_basename (model->path);
      char *dot = strrchr (base, '.');

      if (strcmp (base, what) == 0)
        return g_strdup (model->path);
      if (dot != NULL)
        *dot = '\0';
      if (strcmp (base, what) == 0)
        return g_strdup (model->path);
    }
  catalogue = cli_load_catalogue (NULL);
  entry = catalogue != NULL ? cs_catalogue_find (catalogue, what) : NULL;
  if (entry != NULL)
    {
      g_autofree char *user_dir = cs_models_user_dir ();
      char *path = g_build_filename (user_dir, entry->file_name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return path;
      g_free (path);
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   _("%s is not installed; get it with 'convscope fetch %s'"), what, what);
      return NULL;
    }
  g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
               _("%s: no such model file, and no installed model of that name; "
                 "see 'convscope models'"), what);
  return NULL;
}

static gboolean
set_default (const char *what, GError **error)
{
  g_autoptr (GPtrArray) models = cs_models_list (NULL, error);
  g_autofree char *path = NULL;
  g_autoptr (CsModelEntry) entry = NULL;

  if (models == NULL)
    return FALSE;
  if (strcmp (what, "none") == 0)
    {
      if (!cs_models_set_default (NULL, error))
        return FALSE;
      printf (_("no default model chosen: see 'convscope models' for what is used\n"));
      return TRUE;
    }
  path = resolve_model (what, models, error);
  if (path == NULL || !cs_models_set_default (path, error))
    return FALSE;
  entry = cs_models_default (NULL, error);
  if (entry == NULL)
    return FALSE;
  {
    g_autofree char *shown = cli_printable (entry->path);

    printf (_("default model: %s\n"), shown);
  }
  return TRUE;
}

static gboolean
list_models (GError **error)
{
  g_autoptr (GPtrArray) models = cs_models_list (NULL, error);
  g_autoptr (GPtrArray) catalogue = NULL;
  g_autoptr (CsModelEntry) chosen = NULL;
  g_autofree char *user_dir = cs_models_user_dir ();
  g_autofree char *user_shown = cli_printable (user_dir);
  gboolean chosen_listed = FALSE;

  if (models == NULL)
    return FALSE;
  chosen = cs_models_default (NULL, NULL);
  printf (_("Models on this machine (* the default, used when a command names none):\n"));
  for (guint i = 0; i < models->len; i++)
    {
      const CsModelEntry *entry = models->pdata[i];
      gboolean is_default = chosen != NULL && strcmp (chosen->path, entry->path) == 0;

      chosen_listed |= is_default;
      print_entry (entry, is_default);
    }
  if (chosen != NULL && !chosen_listed)
    print_entry (chosen, TRUE);
  if (models->len == 0 && chosen == NULL)
    printf (_("  none\n"));
  printf (_("Downloads go to %s.\n\n"), user_shown);

  catalogue = cli_load_catalogue (error);
  if (catalogue == NULL)
    return FALSE;
  printf (_("Catalogue ('convscope fetch NAME' downloads one):\n"));
  cli_print_catalogue (catalogue);
  return TRUE;
}

int
cli_models (int argc, char **argv)
{
  g_autofree char *default_model = NULL;
  const GOptionEntry entries[] = {
    { "default", 'd', 0, G_OPTION_ARG_FILENAME, &default_model,
      N_("Use this model when a command names none: a model file, an installed "
         "model's file name or a catalogue name; 'none' forgets the choice"), "MODEL" },
    { NULL }
  };
  GError *error = NULL;

  if (!cli_parse_options (&argc, &argv, entries, "",
                          N_("List the models on this machine and the catalogue."),
                          N_("Without a choice (--default), commands use a downloaded "
                             "general photo classifier\n(1000 classes or more), else any "
                             "downloaded classifier, else the bundled\nmodel.  See "
                             "docs/models.md.\n\nExample:\n  convscope models --default "
                             "mobilenet-v2"),
                          0, 0, &error))
    return cli_fail (error);
  if (default_model != NULL ? !set_default (default_model, &error) : !list_models (&error))
    return cli_fail (error);
  return 0;
}
