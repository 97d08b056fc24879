/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * convscope-plugin.c — Convscope's GIMP 3 plug-in: convolutional networks
 * run by Convscope's own engine on what is in GIMP.  This file is the
 * GimpPlugIn that registers the procedures of classify.c,
 * feature-maps.c, heatmap.c, models.c and segment.c.  See docs/plugin.md
 * for installation and scripting.
 */
#include <string.h>

#include "cs-pixels.h"
#include "procedures.h"

typedef struct
{
  GimpPlugIn parent_instance;
} Convscope;

typedef struct
{
  GimpPlugInClass parent_class;
} ConvscopeClass;

#define CONVSCOPE_TYPE (convscope_get_type ())
G_DEFINE_TYPE (Convscope, convscope, GIMP_TYPE_PLUG_IN)

static const struct
{
  const char    *name;
  GimpProcedure *(*create) (GimpPlugIn *plug_in);
} procedures[] = {
  { CSP_CLASSIFY_PROC, csp_classify_procedure_new },
  { CSP_CLASSIFY_FILES_PROC, csp_classify_files_procedure_new },
  { CSP_FEATURE_MAPS_PROC, csp_feature_maps_procedure_new },
  { CSP_MODELS_PROC, csp_models_procedure_new },
  { CSP_SEGMENT_PROC, csp_segment_procedure_new },
  { CSP_HEATMAP_PROC, csp_heatmap_procedure_new },
};

static GList *
convscope_query_procedures (GimpPlugIn *plug_in)
{
  g_autofree char *plug_in_dir = g_path_get_dirname (gimp_get_progname ());
  g_autofree char *help_dir = g_build_filename (plug_in_dir, "help", NULL);
  GList           *names = NULL;

  /* Only pages that are there: without them, GIMP's own manual is the
   * better answer to Help. */
  if (g_file_test (help_dir, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GFile) help = g_file_new_for_path (help_dir);

      gimp_plug_in_set_help_domain (plug_in, CSP_HELP_DOMAIN, help);
    }

  for (size_t i = 0; i < G_N_ELEMENTS (procedures); i++)
    names = g_list_append (names, g_strdup (procedures[i].name));
  return names;
}

static GimpProcedure *
convscope_create_procedure (GimpPlugIn *plug_in, const gchar *name)
{
  for (size_t i = 0; i < G_N_ELEMENTS (procedures); i++)
    if (strcmp (name, procedures[i].name) == 0)
      return procedures[i].create (plug_in);
  return NULL;
}

/* GIMP 3 takes a plug-in's catalogues only from inside its own
 * directory: PLUG-INS/convscope/locale/LANG/LC_MESSAGES/convscope.mo,
 * where both `meson install` and a per-user copy put them.  GIMP binds
 * the domain before each procedure is made or run, so the labels and
 * blurbs it registers and the dialogs' wording are translated. */
static gboolean
convscope_set_i18n (GimpPlugIn *plug_in, const gchar *procedure_name,
                    gchar **gettext_domain, gchar **catalog_dir)
{
  *gettext_domain = g_strdup (GETTEXT_PACKAGE);
  *catalog_dir = g_strdup ("locale");
  return TRUE;
}

static void
convscope_class_init (ConvscopeClass *klass)
{
  GimpPlugInClass *plug_in_class = GIMP_PLUG_IN_CLASS (klass);

  plug_in_class->query_procedures = convscope_query_procedures;
  plug_in_class->create_procedure = convscope_create_procedure;
  plug_in_class->set_i18n = convscope_set_i18n;
}

static void
convscope_init (Convscope *convscope)
{
  /* libgimp does not initialize GEGL fully: without gegl_init, the tables
   * GEGL shrinks 8-bit perceptual buffers with stay zero, and every
   * mipmap read of such a drawable comes back black. */
  cs_pixels_init ();
}

GIMP_MAIN (CONVSCOPE_TYPE)
