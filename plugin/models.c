/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * models.c — plug-in-convscope-models: the models this machine has
 * (bundled beside the plug-in, downloaded into the user's directory) and
 * the one a call without a model uses.  For scripts that choose a model,
 * and, since it loads no network, the baseline cost of calling into the
 * plug-in at all.
 */
#include "network.h"
#include "procedures.h"

static GimpValueArray *
models_run (GimpProcedure       *procedure,
            GimpProcedureConfig *config,
            gpointer             run_data)
{
  g_autofree char *bundled_dir = csp_bundled_dir ();
  g_autoptr (GPtrArray) models = NULL;
  g_autoptr (CsModelEntry) default_entry = NULL;
  GimpValueArray *values;
  GError         *error = NULL;
  GStrv           names, paths;

  models = cs_models_list (bundled_dir, &error);
  if (models == NULL)
    return csp_procedure_fail (procedure, error);
  /* No default is an answer here, not a failure: the list is then empty. */
  default_entry = cs_models_default (bundled_dir, NULL);

  names = g_new0 (char *, models->len + 1);
  paths = g_new0 (char *, models->len + 1);
  for (guint i = 0; i < models->len; i++)
    {
      const CsModelEntry *entry = g_ptr_array_index (models, i);

      names[i] = g_utf8_make_valid (entry->name, -1);
      paths[i] = g_strdup (entry->path);
    }
  values = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
  GIMP_VALUES_TAKE_STRV (values, 1, names);
  GIMP_VALUES_TAKE_STRV (values, 2, paths);
  GIMP_VALUES_SET_STRING (values, 3, default_entry != NULL ? default_entry->path : "");
  return values;
}

GimpProcedure *
csp_models_procedure_new (GimpPlugIn *plug_in)
{
  GimpProcedure *procedure = gimp_procedure_new (plug_in, CSP_MODELS_PROC,
                                                 GIMP_PDB_PROC_TYPE_PLUGIN,
                                                 models_run, NULL, NULL);

  gimp_procedure_set_documentation (
    procedure,
    _("List the neural networks Convscope can use"),
    _("Returns the ONNX and TensorFlow Lite models found without loading them: "
      "those bundled with the plug-in first, then those in the user's models "
      "directory ($XDG_DATA_HOME/convscope/models), each by name, with the names "
      "their model cards give and their paths; and the path of the model that "
      "the other procedures use when they are given none (empty when there is "
      "none)."),
    CSP_MODELS_PROC);
  csp_procedure_set_attribution (procedure);
  gimp_procedure_add_enum_argument (procedure, "run-mode", _("Run mode"),
                                    _("The run mode"), GIMP_TYPE_RUN_MODE,
                                    GIMP_RUN_NONINTERACTIVE, G_PARAM_READWRITE);
  gimp_procedure_add_string_array_return_value (procedure, "names", _("Names"),
                                                _("The models' names, bundled ones first"),
                                                G_PARAM_READWRITE);
  gimp_procedure_add_string_array_return_value (procedure, "paths", _("Paths"),
                                                _("Their files, in the same order"),
                                                G_PARAM_READWRITE);
  gimp_procedure_add_string_return_value (procedure, "default-model", _("Default model"),
                                          _("The file used when no model is given, or "
                                            "\"\" when there is none"),
                                          "", G_PARAM_READWRITE);
  return procedure;
}
