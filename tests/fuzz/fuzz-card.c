/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz-card.c — model cards (core/card.c) on arbitrary bytes, read
 * against one fixed small model (the bundled Fashion-MNIST network, 1×1×
 * 28×28): cs_card_peek and cs_card_load, and for a card that loads, the
 * labels it names and resize plans for a tiny and a large image.
 */
#include "convscope.h"
#include "fuzz-file.h"

#include <stdint.h>
#include <string.h>

static CsModel *model;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  GError *error = NULL;

  model = cs_model_load_file (CONVSCOPE_FUZZ_MODEL, NULL, &error);
  g_assert_no_error (error);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const int64_t sizes[][2] = { { 1, 1 }, { 4000, 3000 } };
  const char *card_path = fuzz_write_file ("model.onnx.ini", data, size);
  g_autofree char *model_path = g_strndup (card_path, strlen (card_path) - 4);
  GError *error = NULL;
  CsCard *card;

  card = cs_card_peek (model_path, &error);
  g_assert ((card == NULL) != (error == NULL));
  g_clear_error (&error);
  cs_card_free (card);

  card = cs_card_load (model, model_path, NULL, &error);
  g_assert ((card == NULL) != (error == NULL));
  g_clear_error (&error);
  if (card == NULL)
    return 0;
  CsLabels *labels = cs_labels_for_card (card, model, &error);
  g_clear_error (&error);
  if (labels != NULL)
    g_free (cs_labels_name (labels, 0));
  cs_labels_free (labels);
  for (size_t i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      CsResizePlan plan;

      if (!cs_resize_plan (card, sizes[i][0], sizes[i][1], &plan, &error))
        g_clear_error (&error);
    }
  cs_card_free (card);
  return 0;
}
