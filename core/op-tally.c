/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * op-tally.c — counting the ops an importer cannot translate and the
 * one-line error that lists them (op-tally.h).
 */
#include "op-tally.h"

#include <string.h>

struct _CsOpTally
{
  GHashTable *counts; /* owned name → count */
};

CsOpTally *
cs_op_tally_new (void)
{
  CsOpTally *tally = g_new0 (CsOpTally, 1);

  tally->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return tally;
}

void
cs_op_tally_free (CsOpTally *tally)
{
  if (tally == NULL)
    return;
  g_hash_table_destroy (tally->counts);
  g_free (tally);
}

void
cs_op_tally_add (CsOpTally *tally, const char *name)
{
  int count = GPOINTER_TO_INT (g_hash_table_lookup (tally->counts, name));

  g_hash_table_replace (tally->counts, g_strdup (name), GINT_TO_POINTER (count + 1));
}

static int
by_count_then_name (gconstpointer a, gconstpointer b, gpointer user_data)
{
  GHashTable *counts = user_data;
  int         count_a = GPOINTER_TO_INT (g_hash_table_lookup (counts, a));
  int         count_b = GPOINTER_TO_INT (g_hash_table_lookup (counts, b));

  return count_a != count_b ? count_b - count_a : strcmp (a, b);
}

gboolean
cs_op_tally_check (const CsOpTally *tally, const char *source, GError **error)
{
  guint n = g_hash_table_size (tally->counts);
  g_autoptr (GString) list = NULL;
  GList *names;

  if (n == 0)
    return TRUE;
  names = g_list_sort_with_data (g_hash_table_get_keys (tally->counts), by_count_then_name,
                                 tally->counts);
  list = g_string_new (NULL);
  for (GList *l = names; l != NULL; l = l->next)
    g_string_append_printf (list, "%s%s ×%d", l == names ? "" : ", ", (const char *) l->data,
                            GPOINTER_TO_INT (g_hash_table_lookup (tally->counts, l->data)));
  g_list_free (names);
  g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED, "%s: %u %s not supported: %s", source, n,
               n == 1 ? "op" : "ops", list->str);
  return FALSE;
}
