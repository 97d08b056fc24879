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

/* The English words, as JSON gives them; the text shows their
 * translations. */
static const char *
origin_name (CsModelOrigin origin)
{
  switch (origin)
    {
    case CS_MODEL_ORIGIN_BUNDLED:    return N_("bundled");
    case CS_MODEL_ORIGIN_DOWNLOADED: return N_("downloaded");
    case CS_MODEL_ORIGIN_CHOSEN:     return N_("chosen");
    }
  return "?";
}

static const char *
task_name (CsTask task)
{
  switch (task)
    {
    case CS_TASK_CLASSIFICATION: return N_("classification");
    case CS_TASK_SEGMENTATION:   return N_("segmentation");
    case CS_TASK_OTHER:          return N_("other");
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

  printf ("%s %s (%s, %s)\n", is_default ? "*" : " ", name, _(origin_name (entry->origin)),
          entry->format == CS_FORMAT_TFLITE ? "tflite" : "onnx");
  printf ("    %s\n", path);
  if (entry->n_classes > 0)
    printf (_("    %s, %d classes\n"), _(task_name (entry->task)), entry->n_classes);
  else
    printf ("    %s\n", _(task_name (entry->task)));
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
      printf ("  %-18s %s, %s %dx%d, %sB, %s%s\n", "", _(task_name (entry->task)),
              entry->format == CS_FORMAT_TFLITE ? "tflite" : "onnx",
              entry->width, entry->height, size, licence,
              g_file_test (installed, G_FILE_TEST_IS_REGULAR) ? _(", installed") : "");
    }
}

/* @text as a JSON string member, made valid UTF-8 (a path need not be),
 * or null when there is no text. */
static void
json_add_text (JsonBuilder *builder, const char *member, const char *text)
{
  g_autofree char *valid = text != NULL ? g_utf8_make_valid (text, -1) : NULL;

  json_builder_set_member_name (builder, member);
  if (valid != NULL)
    json_builder_add_string_value (builder, valid);
  else
    json_builder_add_null_value (builder);
}

static void
json_add_int (JsonBuilder *builder, const char *member, gint64 value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_int_value (builder, value);
}

/* @catalogue as an array of objects, one per entry, each saying whether
 * it is "installed". */
static void
json_add_catalogue (JsonBuilder *builder, GPtrArray *catalogue)
{
  g_autofree char *user_dir = cs_models_user_dir ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < catalogue->len; i++)
    {
      const CsCatalogueEntry *entry = catalogue->pdata[i];
      g_autofree char *installed = g_build_filename (user_dir, entry->file_name, NULL);

      json_builder_begin_object (builder);
      json_add_text (builder, "name", entry->name);
      json_add_text (builder, "title", entry->title);
      json_add_text (builder, "task", task_name (entry->task));
      json_add_text (builder, "format", entry->format == CS_FORMAT_TFLITE ? "tflite" : "onnx");
      json_add_int (builder, "width", entry->width);
      json_add_int (builder, "height", entry->height);
      json_add_text (builder, "url", entry->url);
      json_add_text (builder, "sha256", entry->sha256);
      json_add_int (builder, "size", entry->size);
      json_add_text (builder, "labels_url", entry->labels_url);
      json_add_int (builder, "labels_size", entry->labels_size);
      json_add_text (builder, "licence", entry->licence);
      json_add_text (builder, "source", entry->source);
      json_add_text (builder, "accuracy", entry->accuracy);
      json_builder_set_member_name (builder, "installed");
      json_builder_add_boolean_value (builder, g_file_test (installed, G_FILE_TEST_IS_REGULAR));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

/* "downloads" and "catalogue", the members that `convscope models --json`
 * and `convscope fetch --list --json` share. */
static void
json_add_downloads_and_catalogue (JsonBuilder *builder, GPtrArray *catalogue)
{
  g_autofree char *user_dir = cs_models_user_dir ();

  json_add_text (builder, "downloads", user_dir);
  json_builder_set_member_name (builder, "catalogue");
  json_add_catalogue (builder, catalogue);
}

void
cli_print_catalogue_json (GPtrArray *catalogue)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_add_downloads_and_catalogue (builder, catalogue);
  json_builder_end_object (builder);
  cli_json_print (builder);
}

static void
json_add_model (JsonBuilder *builder, const CsModelEntry *entry, gboolean is_default)
{
  json_builder_begin_object (builder);
  json_add_text (builder, "name", entry->name);
  json_add_text (builder, "path", entry->path);
  json_add_text (builder, "origin", origin_name (entry->origin));
  json_add_text (builder, "format", entry->format == CS_FORMAT_TFLITE ? "tflite" : "onnx");
  json_add_text (builder, "task", task_name (entry->task));
  json_builder_set_member_name (builder, "classes");
  if (entry->n_classes > 0)
    json_builder_add_int_value (builder, entry->n_classes);
  else
    json_builder_add_null_value (builder);
  json_add_text (builder, "licence", entry->licence);
  json_add_text (builder, "accuracy", entry->accuracy);
  json_add_text (builder, "source", entry->source);
  json_builder_set_member_name (builder, "default");
  json_builder_add_boolean_value (builder, is_default);
  json_builder_end_object (builder);
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

/* What list_models prints, as JSON: {"models": [...], "default": PATH or
 * null, "downloads": DIR, "catalogue": [...]}. */
static void
print_models_json (GPtrArray *models, const CsModelEntry *chosen, gboolean chosen_listed,
                   GPtrArray *catalogue)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "models");
  json_builder_begin_array (builder);
  for (guint i = 0; i < models->len; i++)
    {
      const CsModelEntry *entry = models->pdata[i];

      json_add_model (builder, entry, chosen != NULL && strcmp (chosen->path, entry->path) == 0);
    }
  if (chosen != NULL && !chosen_listed)
    json_add_model (builder, chosen, TRUE);
  json_builder_end_array (builder);
  json_add_text (builder, "default", chosen != NULL ? chosen->path : NULL);
  json_add_downloads_and_catalogue (builder, catalogue);
  json_builder_end_object (builder);
  cli_json_print (builder);
}

static gboolean
list_models (gboolean json, GError **error)
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
  if (json)
    {
      for (guint i = 0; chosen != NULL && i < models->len; i++)
        chosen_listed |= strcmp (chosen->path, ((CsModelEntry *) models->pdata[i])->path) == 0;
      catalogue = cli_load_catalogue (error);
      if (catalogue == NULL)
        return FALSE;
      print_models_json (models, chosen, chosen_listed, catalogue);
      return TRUE;
    }
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
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "default", 'd', 0, G_OPTION_ARG_FILENAME, &default_model,
      N_("Use this model when a command names none: a model file, an installed "
         "model's file name or a catalogue name; 'none' forgets the choice"), "MODEL" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the list as JSON"), NULL },
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
  if (default_model != NULL && json)
    {
      cli_usage_error (&error, _("--json goes with the list, not with --default"));
      return cli_fail (error);
    }
  if (default_model != NULL ? !set_default (default_model, &error)
                            : !list_models (json, &error))
    return cli_fail (error);
  return 0;
}
