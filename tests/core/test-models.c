/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-models.c — the models on this machine and the catalogue
 * (core/models.c): listing with card information, the choice of the
 * default model (the user's, else a general download, else any download,
 * else the bundled one), the one-time note, and catalogue.ini, whose
 * checksums and sizes are checked against the files in ../shared/models
 * when present.  Every test runs with its own temporary XDG directories
 * (tests/test-dirs.h); the bundled model is the source tree's
 * weights/ ($CONVSCOPE_WEIGHTS_DIR).
 */
#include <glib/gstdio.h>
#include <string.h>

#include "convscope.h"
#include "../test-dirs.h"

#define BUNDLED_NAME "Fashion-MNIST CNN (Convscope)"

static char *
user_dir_made (void)
{
  char *dir = cs_models_user_dir ();

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  return dir;
}

/* A stand-in model of @size bytes in @dir with a card naming @name and
 * a labels file of @n_labels lines (none when 0); listing never loads
 * the model itself.  Returns its path, which the caller frees. */
static char *
write_model (const char *dir, const char *file_name, gsize size, const char *name, int n_labels)
{
  g_autofree char *path = g_build_filename (dir, file_name, NULL);
  g_autofree char *card_path = cs_card_path_for (path);
  g_autofree char *labels_name = g_strconcat (file_name, ".labels", NULL);
  g_autofree char *labels_path = g_build_filename (dir, labels_name, NULL);
  g_autofree char *bytes = g_malloc0 (size);
  GString *card = g_string_new (NULL);
  GString *labels = g_string_new (NULL);

  g_assert_true (g_file_set_contents (path, bytes, (gssize) size, NULL));
  g_string_append_printf (card, "[model]\nname = %s\nlicence = Test-1.0\naccuracy = 50 %%\n", name);
  if (n_labels > 0)
    {
      for (int i = 0; i < n_labels; i++)
        g_string_append_printf (labels, "label %d\n", i);
      g_assert_true (g_file_set_contents (labels_path, labels->str, -1, NULL));
      g_string_append_printf (card, "[labels]\nfile = %s\n", labels_name);
    }
  g_assert_true (g_file_set_contents (card_path, card->str, -1, NULL));
  g_string_free (card, TRUE);
  g_string_free (labels, TRUE);
  return g_steal_pointer (&path);
}

static GPtrArray *
list_models (void)
{
  GError *error = NULL;
  GPtrArray *models = cs_models_list (NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (models);
  return models;
}

static CsModelEntry *
default_model (void)
{
  GError *error = NULL;
  CsModelEntry *entry = cs_models_default (NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (entry);
  return entry;
}

static void
test_bundled_only (void)
{
  g_autoptr (GPtrArray) models = list_models ();
  g_autoptr (CsModelEntry) chosen = default_model ();
  const CsModelEntry *bundled;

  g_assert_cmpuint (models->len, >=, 1);
  bundled = models->pdata[0];
  g_assert_cmpstr (bundled->name, ==, BUNDLED_NAME);
  g_assert_cmpint (bundled->origin, ==, CS_MODEL_ORIGIN_BUNDLED);
  g_assert_cmpint (bundled->format, ==, CS_FORMAT_ONNX);
  g_assert_cmpint (bundled->task, ==, CS_TASK_CLASSIFICATION);
  g_assert_cmpint (bundled->n_classes, ==, 10);
  g_assert_nonnull (bundled->licence);
  g_assert_nonnull (strstr (bundled->accuracy, "%"));
  g_assert_true (g_str_has_suffix (bundled->path, "fashion-mnist-cnn.onnx"));

  g_assert_cmpstr (chosen->path, ==, bundled->path);
  g_assert_cmpint (chosen->origin, ==, CS_MODEL_ORIGIN_BUNDLED);

  /* Due once ever, then remembered. */
  g_assert_true (cs_models_bundled_note_due (chosen));
  g_assert_false (cs_models_bundled_note_due (chosen));
}

static void
test_default_prefers_general_downloads (void)
{
  g_autofree char *dir = user_dir_made ();
  g_autofree char *birds = write_model (dir, "birds.tflite", 4000, "Birds", 965);
  g_autofree char *small = write_model (dir, "small.tflite", 1000, "Small ImageNet", 1001);
  g_autofree char *large = write_model (dir, "large.onnx", 3000, "Large ImageNet", 1001);
  g_autofree char *hidden = write_model (dir, ".large.onnx.part-ABCDEF", 9000, "Partial", 1001);
  g_autofree char *dotted = write_model (dir, ".hidden.tflite", 9000, "Hidden", 1001);
  g_autoptr (GPtrArray) models = list_models ();
  g_autoptr (CsModelEntry) chosen = default_model ();
  const char *expected[] = { BUNDLED_NAME, "Birds", "Large ImageNet", "Small ImageNet" };

  /* Bundled first, then by file name; unfinished downloads are not models. */
  g_assert_cmpuint (models->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < models->len; i++)
    {
      const CsModelEntry *entry = models->pdata[i];

      g_assert_cmpstr (entry->name, ==, expected[i]);
      g_assert_cmpint (entry->origin, ==, i == 0 ? CS_MODEL_ORIGIN_BUNDLED
                                                 : CS_MODEL_ORIGIN_DOWNLOADED);
    }
  g_assert_cmpint (((CsModelEntry *) models->pdata[1])->n_classes, ==, 965);
  g_assert_cmpint (((CsModelEntry *) models->pdata[1])->format, ==, CS_FORMAT_TFLITE);
  g_assert_cmpstr (((CsModelEntry *) models->pdata[2])->licence, ==, "Test-1.0");

  /* A general classifier beats a larger special one; the larger of two
   * general ones wins. */
  g_assert_cmpstr (chosen->path, ==, large);
  g_assert_cmpint (chosen->origin, ==, CS_MODEL_ORIGIN_DOWNLOADED);
  g_assert_cmpint (chosen->n_classes, ==, 1001);

  g_assert_cmpint (g_unlink (large), ==, 0);
  g_assert_cmpint (g_unlink (small), ==, 0);
  {
    g_autoptr (CsModelEntry) special = default_model ();

    g_assert_cmpstr (special->path, ==, birds);
  }

  /* Not the bundled model alone any more: no note. */
  {
    g_autoptr (GPtrArray) now = list_models ();

    g_assert_false (cs_models_bundled_note_due (now->pdata[0]));
  }
}

static void
test_user_choice (void)
{
  g_autofree char *dir = user_dir_made ();
  g_autofree char *general = write_model (dir, "general.tflite", 100, "General", 1001);
  g_autofree char *elsewhere_dir = g_build_filename (g_get_user_cache_dir (), "mine", NULL);
  g_autofree char *elsewhere = NULL;
  g_autofree char *missing = g_build_filename (dir, "missing.onnx", NULL);
  g_autoptr (GPtrArray) models = list_models ();
  const CsModelEntry *bundled = models->pdata[0];
  GError *error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (elsewhere_dir, 0755), ==, 0);
  elsewhere = write_model (elsewhere_dir, "mine.onnx", 10, "Mine", 3);

  g_assert_true (cs_models_set_default (bundled->path, &error));
  g_assert_no_error (error);
  {
    g_autoptr (CsModelEntry) chosen = default_model ();

    g_assert_cmpstr (chosen->path, ==, bundled->path);
    g_assert_cmpint (chosen->origin, ==, CS_MODEL_ORIGIN_BUNDLED);
  }

  g_assert_true (cs_models_set_default (elsewhere, &error));
  {
    g_autoptr (CsModelEntry) chosen = default_model ();

    g_assert_cmpstr (chosen->path, ==, elsewhere);
    g_assert_cmpint (chosen->origin, ==, CS_MODEL_ORIGIN_CHOSEN);
    g_assert_cmpstr (chosen->name, ==, "Mine");
    g_assert_cmpint (chosen->n_classes, ==, 3);
  }

  /* A chosen file that went away no longer counts. */
  g_assert_cmpint (g_unlink (elsewhere), ==, 0);
  {
    g_autoptr (CsModelEntry) chosen = default_model ();

    g_assert_cmpstr (chosen->path, ==, general);
  }

  g_assert_false (cs_models_set_default (missing, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_assert_true (cs_models_set_default (bundled->path, &error));
  g_assert_true (cs_models_set_default (NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr (CsModelEntry) chosen = default_model ();

    g_assert_cmpstr (chosen->path, ==, general);
  }
}

static void
test_broken_card (void)
{
  g_autofree char *dir = user_dir_made ();
  g_autofree char *path = write_model (dir, "broken.onnx", 100, "Broken", 1001);
  g_autofree char *card = cs_card_path_for (path);
  g_autoptr (GPtrArray) models = NULL;
  g_autoptr (CsModelEntry) chosen = NULL;
  GError *error = NULL;

  g_assert_true (g_file_set_contents (card, "[model]\nnmae = typo\n", -1, NULL));
  models = cs_models_list (NULL, &error);
  g_assert_null (models);
  g_assert_error (error, CS_ERROR, CS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, card));
  g_assert_nonnull (strstr (error->message, "nmae"));
  g_clear_error (&error);

  /* The default passes over it. */
  chosen = default_model ();
  g_assert_cmpint (chosen->origin, ==, CS_MODEL_ORIGIN_BUNDLED);
}

static void
test_nothing_found (void)
{
  g_autofree char *nowhere = g_build_filename (g_get_user_cache_dir (), "no-such-dir", NULL);
  g_autoptr (GPtrArray) models = NULL;
  CsModelEntry *chosen;
  GError *error = NULL;

  models = cs_models_list (nowhere, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (models->len, ==, 0);
  chosen = cs_models_default (nowhere, &error);
  g_assert_null (chosen);
  g_assert_error (error, CS_ERROR, CS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, nowhere));
  g_clear_error (&error);
}

/* ---- The catalogue ---- */

static GPtrArray *
load_shipped_catalogue (void)
{
  g_autofree char *path = cs_catalogue_path (NULL);
  GError *error = NULL;
  GPtrArray *catalogue = cs_catalogue_load (path, &error);

  g_assert_no_error (error);
  return catalogue;
}

/* The file's SHA-256 and size, to hold against the catalogue's. */
static void
assert_file_matches (const char *path, const char *sha256, gint64 size)
{
  g_autofree char *contents = NULL;
  g_autofree char *actual = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpint ((gint64) length, ==, size);
  actual = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  g_assert_cmpstr (actual, ==, sha256);
}

static void
test_shipped_catalogue (void)
{
  g_autoptr (GPtrArray) catalogue = load_shipped_catalogue ();
  const char *shared = g_getenv ("CONVSCOPE_SHARED");
  g_autofree char *shared_models = shared != NULL ? g_build_filename (shared, "models", NULL)
                                                  : NULL;
  const CsCatalogueEntry *v2, *deeplab;
  gboolean verified = shared_models != NULL && g_file_test (shared_models, G_FILE_TEST_IS_DIR);

  g_assert_cmpuint (catalogue->len, ==, 6);
  v2 = cs_catalogue_find (catalogue, "mobilenet-v2");
  g_assert_nonnull (v2);
  g_assert_cmpstr (v2->file_name, ==, "mobilenet_v2_1.0_224_quant.tflite");
  g_assert_cmpint (v2->format, ==, CS_FORMAT_TFLITE);
  g_assert_cmpint (v2->width, ==, 224);
  g_assert_cmpint (v2->height, ==, 224);
  g_assert_cmpstr (v2->labels_file_name, ==, "imagenet_labels.txt");
  g_assert_cmpint (v2->label_offset, ==, 0);
  g_assert_cmpstr (v2->licence, ==, "Apache-2.0");
  g_assert_true (g_str_has_prefix (v2->url, "https://raw.githubusercontent.com/google-coral/"
                                   "test_data/104342d2d3480b3e66203073dac24f4e2dbb4c41/"));
  g_assert_nonnull (strstr (v2->card, "normalization = quantization"));
  deeplab = cs_catalogue_find (catalogue, "deeplab-v3");
  g_assert_nonnull (deeplab);
  g_assert_cmpint (deeplab->task, ==, CS_TASK_SEGMENTATION);
  g_assert_cmpint (deeplab->width, ==, 513);
  g_assert_cmpstr (deeplab->labels_file_name, ==, "pascal_voc_segmentation_labels.txt");
  g_assert_nonnull (strstr (deeplab->card, "task = segmentation"));
  g_assert_null (cs_catalogue_find (catalogue, "deeplabv3"));
  g_assert_null (cs_catalogue_find (catalogue, "mobilenet"));

  for (guint i = 0; verified && i < catalogue->len; i++)
    {
      const CsCatalogueEntry *entry = catalogue->pdata[i];
      g_autofree char *model = g_build_filename (shared_models, entry->file_name, NULL);
      g_autofree char *labels = g_build_filename (shared_models, entry->labels_file_name, NULL);

      g_assert_cmpint (entry->task, ==, entry == deeplab ? CS_TASK_SEGMENTATION
                                                         : CS_TASK_CLASSIFICATION);
      assert_file_matches (model, entry->sha256, entry->size);
      assert_file_matches (labels, entry->labels_sha256, entry->labels_size);
    }
  if (!verified)
    g_test_skip ("../shared/models is absent: checksums not compared with the files");
}

static void
test_catalogue_errors (void)
{
  /* Each case changes one key of a good entry (NULL: removes it). */
  static const struct
  {
    const char *key, *value, *says;
  } cases[] = {
    { "bogus", "1", "bogus: unknown key" },
    { "task", NULL, "task: missing" },
    { "sha256", "ABC", "sha256: expected 64 lowercase hex digits" },
    { "url", "https://example.org/", "url: expected an http(s) URL ending in a file name" },
    { "url", "ftp://example.org/m.tflite", "expected an http(s) URL" },
    { "url", "https://example.org/.m.tflite", "expected an http(s) URL" },
    { "url", "https://example.org/m.onnx", "does not end in .tflite" },
    { "size", "0", "size: expected a whole number" },
    { "size", "99999999999999", "size: expected a whole number" },
    { "input-size", "224", "input-size: expected WIDTHxHEIGHT" },
    { "task", "detection", "task: expected classification" },
    { "labels-url", "https://example.org/l.tflite", "would be taken for a model" },
    { "labels-url", "https://example.org/m.tflite.ini", "would be taken for a model or a card" },
    { "title", "a\nnormalization = unit", "title: spans several lines" },
  };
  const char *good =
    "[ok]\ntitle = T\ntask = classification\nformat = tflite\ninput-size = 2x2\n"
    "url = https://example.org/m.tflite\n"
    "sha256 = 0000000000000000000000000000000000000000000000000000000000000000\n"
    "size = 10\nlicence = L\nsource = S\n"
    "labels-url = https://example.org/l.txt\n"
    "labels-sha256 = 1111111111111111111111111111111111111111111111111111111111111111\n"
    "labels-size = 5\n";
  g_autofree char *path = g_build_filename (g_get_user_cache_dir (), "catalogue.ini", NULL);
  g_autoptr (GPtrArray) catalogue = NULL;
  GError *error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_cache_dir (), 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, good, -1, NULL));
  catalogue = cs_catalogue_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (catalogue->len, ==, 1);
  g_assert_nonnull (strstr (((CsCatalogueEntry *) catalogue->pdata[0])->card,
                            "[labels]\nfile = l.txt\noffset = 0\n"));

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GKeyFile) file = g_key_file_new ();
      g_auto (GStrv) keys = NULL;
      g_autofree char *text = NULL;
      GPtrArray *none;

      g_assert_true (g_key_file_load_from_data (file, good, -1, G_KEY_FILE_NONE, NULL));
      keys = g_key_file_get_keys (file, "ok", NULL, NULL);
      for (size_t k = 0; keys[k] != NULL; k++)
        {
          g_autofree char *value = g_key_file_get_value (file, "ok", keys[k], NULL);

          g_key_file_set_value (file, "bad", keys[k], value);
        }
      g_key_file_remove_group (file, "ok", NULL);
      if (cases[i].value != NULL)
        g_key_file_set_string (file, "bad", cases[i].key, cases[i].value);
      else
        g_key_file_remove_key (file, "bad", cases[i].key, NULL);
      text = g_key_file_to_data (file, NULL, NULL);
      g_assert_true (g_file_set_contents (path, text, -1, NULL));
      none = cs_catalogue_load (path, &error);
      g_assert_null (none);
      g_assert_error (error, CS_ERROR, CS_ERROR_FORMAT);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, path));
      g_assert_nonnull (strstr (error->message, "[bad]"));
      g_assert_nonnull (strstr (error->message, cases[i].says));
      g_clear_error (&error);
    }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  test_dirs_init ();
  test_dirs_add_func ("/models/bundled-only", test_bundled_only);
  test_dirs_add_func ("/models/default-prefers-general-downloads",
                   test_default_prefers_general_downloads);
  test_dirs_add_func ("/models/user-choice", test_user_choice);
  test_dirs_add_func ("/models/broken-card", test_broken_card);
  test_dirs_add_func ("/models/nothing-found", test_nothing_found);
  test_dirs_add_func ("/catalogue/shipped", test_shipped_catalogue);
  test_dirs_add_func ("/catalogue/errors", test_catalogue_errors);
  status = g_test_run ();
  test_dirs_cleanup ();
  return status;
}
