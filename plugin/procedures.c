/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * procedures.c — what the plug-in's procedures share: their common
 * arguments, the region of a drawable to read, the dialog and the error
 * return.
 */
#include "procedures.h"

#include <libgimp/gimpui.h>

#include "convscope-config.h"
#include "convscope.h"

void
csp_procedure_set_attribution (GimpProcedure *procedure)
{
  gimp_procedure_set_attribution (procedure, "The Convscope authors",
                                  "Convscope " CONVSCOPE_VERSION ", GPL-3.0-or-later",
                                  "2026");
}

void
csp_procedure_add_common (GimpProcedure *procedure)
{
  csp_procedure_set_attribution (procedure);
  /* The action is ANY, not OPEN: GIMP rejects a missing file for OPEN
   * with a calling error that cannot name it, where the engine's message
   * does. */
  gimp_procedure_add_file_argument (procedure, "model", _("_Model"),
                                    _("The network, an ONNX or TensorFlow Lite file; its "
                                      "model card MODEL.ini beside it applies.  None: the "
                                      "default model (see plug-in-convscope-models): "
                                      "the user's chosen one, else a downloaded one, "
                                      "else the bundled one"),
                                    GIMP_FILE_CHOOSER_ACTION_ANY, TRUE, NULL,
                                    G_PARAM_READWRITE);
}

void
csp_procedure_add_use_selection (GimpProcedure *procedure, const char *blurb)
{
  gimp_procedure_add_boolean_argument (procedure, "use-selection", _("_Use selection"),
                                       blurb, TRUE, G_PARAM_READWRITE);
}

gboolean
csp_drawable_region (GimpDrawable  *drawable,
                     gboolean       use_selection,
                     GeglRectangle *roi,
                     GError       **error)
{
  if (!use_selection)
    {
      *roi = (GeglRectangle) { 0, 0, gimp_drawable_get_width (drawable),
                               gimp_drawable_get_height (drawable) };
      return TRUE;
    }
  if (!gimp_drawable_mask_intersect (drawable, &roi->x, &roi->y, &roi->width, &roi->height)
      || roi->width < 1 || roi->height < 1)
    {
      g_autofree char *name = gimp_item_get_name (GIMP_ITEM (drawable));

      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   _("the selection does not overlap '%s'; select part of it or "
                     "turn use-selection off"), name);
      return FALSE;
    }
  return TRUE;
}

GimpValueArray *
csp_check_one_drawable (GimpProcedure *procedure, GimpDrawable **drawables)
{
  if (drawables != NULL && drawables[0] != NULL && drawables[1] == NULL)
    return NULL;
  return gimp_procedure_new_return_values (
    procedure, GIMP_PDB_CALLING_ERROR,
    g_error_new (CS_ERROR, CS_ERROR_ARGUMENT, _("%s works on exactly one drawable"),
                 gimp_procedure_get_name (procedure)));
}

gboolean
csp_procedure_dialog (GimpProcedure       *procedure,
                      GimpProcedureConfig *config,
                      const char          *title,
                      const char *const   *arguments)
{
  GtkWidget *dialog, *model_chooser;
  GList     *names = NULL;
  gboolean   run;

  gimp_ui_init (CSP_PLUG_IN_BINARY);
  dialog = gimp_procedure_dialog_new (procedure, config, title);
  /* GIMP makes no widget for the model's file action ANY (see
   * csp_procedure_add_common): an Open chooser bound to it instead. */
  model_chooser = gimp_file_chooser_new (GIMP_FILE_CHOOSER_ACTION_OPEN, _("_Model"),
                                         _("Choose an ONNX or TensorFlow Lite model"), NULL);
  g_object_bind_property (config, "model", model_chooser, "file",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))),
                      model_chooser, FALSE, FALSE, 0);
  gtk_widget_show (model_chooser);
  for (const char *const *name = arguments; *name != NULL; name++)
    names = g_list_append (names, (gpointer) *name);
  gimp_procedure_dialog_fill_list (GIMP_PROCEDURE_DIALOG (dialog), names);
  g_list_free (names);
  run = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));
  gtk_widget_destroy (dialog);
  return run;
}

gboolean
csp_check_colormap_fits (GimpImage *image, CsColormap colormap, GError **error)
{
  if (gimp_image_get_base_type (image) != GIMP_GRAY || colormap == CS_COLORMAP_GRAY)
    return TRUE;
  g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
               _ ("the %s colour map needs an RGB image; convert the image to RGB, "
                  "use the gray colour map, or make a new image"),
               cs_colormap_name (colormap));
  return FALSE;
}

GimpValueArray *
csp_procedure_fail (GimpProcedure *procedure, GError *error)
{
  return gimp_procedure_new_return_values (procedure, GIMP_PDB_EXECUTION_ERROR, error);
}
