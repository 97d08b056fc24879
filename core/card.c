/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * card.c — model cards: the small GKeyFile beside a model that tells
 * people what the network is and tells preprocessing how it wants its
 * pixels, and the defaults used when a model comes without one.  The
 * format and every default are documented in docs/model-card.md; a card
 * is checked strictly (unknown groups and keys are errors) because a
 * misspelt key silently ignored would mean silently wrong inputs.
 */
#include "cs-card.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Cards are a few hundred bytes; anything much larger is not a card. */
#define MAX_CARD_BYTES (1 << 20)
/* Inputs larger than this are surely a mistake, and keep sizes in int. */
#define MAX_INPUT_SIDE 16384
#define MAX_LABEL_OFFSET 1000000
/* The usual ImageNet evaluation crop, 224 of 256. */
#define DEFAULT_CROP_FRACTION 0.875

static const char *const task_names[] = { "classification", "segmentation", "other", NULL };
static const char *const resize_names[] = { "stretch", "crop", "letterbox", NULL };
static const char *const resample_names[] = { "antialias", "bilinear", "nearest", NULL };
static const char *const channel_names[] = { "rgb", "bgr", "gray", NULL };
static const char *const normalize_names[] = { "unit", "mean-std", "quantization", NULL };

static const char *const output_names[] = { "scores", "probabilities", NULL };

static const char *const model_keys[] = {
  "name", "task", "output", "source", "licence", "accuracy", NULL
};
static const char *const input_keys[] = {
  "size", "channels", "resize", "crop-fraction", "resample", "background", "fill",
  "normalization", "range", "mean", "std", NULL
};
static const char *const labels_keys[] = { "file", "offset", NULL };
static const char *const segmentation_keys[] = { "scores", "background", NULL };

typedef struct
{
  const char *group;
  const char *const *keys;
} GroupKeys;

static const GroupKeys card_groups[] = {
  { "model", model_keys },
  { "input", input_keys },
  { "labels", labels_keys },
  { "segmentation", segmentation_keys },
};

char *
cs_card_path_for (const char *model_path)
{
  return g_strconcat (model_path, ".ini", NULL);
}

void
cs_card_free (CsCard *card)
{
  if (card == NULL)
    return;
  g_free (card->path);
  g_free (card->model_path);
  g_free (card->name);
  g_free (card->labels_path);
  g_free (card->score_layer);
  g_free (card->source_url);
  g_free (card->licence);
  g_free (card->accuracy);
  g_free (card);
}

void
cs_card_probabilities (const CsCard *card,
                       const float  *scores,
                       size_t        n,
                       double       *probabilities)
{
  double sum = 0.0, max = -INFINITY;

  for (size_t i = 0; i < n; i++)
    probabilities[i] = scores[i];
  if (card->probabilities)
    return;
  /* Subtracting the maximum keeps exp() from overflowing. */
  for (size_t i = 0; i < n; i++)
    max = MAX (max, probabilities[i]);
  for (size_t i = 0; i < n; i++)
    {
      probabilities[i] = exp (probabilities[i] - max);
      sum += probabilities[i];
    }
  for (size_t i = 0; i < n; i++)
    probabilities[i] /= sum;
}

/* "a, b or c" from a NULL-terminated list; the caller frees it. */
static char *
join_choices (const char *const *names)
{
  GString *text = g_string_new (NULL);

  for (size_t i = 0; names[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (text, names[i + 1] == NULL ? " or " : ", ");
      g_string_append (text, names[i]);
    }
  return g_string_free (text, FALSE);
}

/* Input 0 must be an image the card can describe: 1×C×H×W, C 1 or 3. */
static gboolean
take_image_input (CsCard *card, const CsModel *model, GError **error)
{
  const CsTensor *input = cs_model_n_inputs (model) > 0 ? cs_model_input (model, 0) : NULL;
  const CsShape  *shape = input != NULL ? &input->shape : NULL;

  if (shape == NULL || input->dtype != CS_DTYPE_FLOAT32 || shape->rank != 4
      || shape->dims[0] != 1 || (shape->dims[1] != 1 && shape->dims[1] != 3)
      || shape->dims[2] < 1 || shape->dims[2] > MAX_INPUT_SIDE
      || shape->dims[3] < 1 || shape->dims[3] > MAX_INPUT_SIDE)
    {
      g_autofree char *text = shape != NULL ? cs_shape_to_string (shape) : NULL;

      if (input == NULL)
        g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                     "%s: the model has no input to put an image in", card->model_path);
      else
        g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                     "%s: input '%s' is %s, not an image of shape 1×3×H×W or "
                     "1×1×H×W with sides up to %d", card->model_path,
                     input->name, text, MAX_INPUT_SIDE);
      return FALSE;
    }
  card->channels = shape->dims[1] == 1 ? CS_CHANNELS_GRAY : CS_CHANNELS_RGB;
  card->height = (int) shape->dims[2];
  card->width = (int) shape->dims[3];
  return TRUE;
}

/* Without a card the task is told from output 0: one score per class
 * (1×N or 1×N×1×1) is a classifier, a score map (1×N×H×W) or a map of
 * class numbers (1×H×W integers, from an ArgMax) a segmenter. */
static CsTask
guess_task (const CsModel *model)
{
  const CsTensor *output = cs_model_n_outputs (model) > 0 ? cs_model_output (model, 0) : NULL;
  const CsShape  *shape;

  if (output == NULL)
    return CS_TASK_OTHER;
  shape = &output->shape;
  if ((shape->rank == 2 && shape->dims[0] == 1)
      || (shape->rank == 4 && shape->dims[0] == 1 && shape->dims[2] == 1 && shape->dims[3] == 1))
    return CS_TASK_CLASSIFICATION;
  if (shape->rank == 4 && shape->dims[0] == 1 && (shape->dims[2] > 1 || shape->dims[3] > 1))
    return CS_TASK_SEGMENTATION;
  if (output->dtype == CS_DTYPE_INT64 && shape->rank == 3 && shape->dims[0] == 1
      && (shape->dims[1] > 1 || shape->dims[2] > 1))
    return CS_TASK_SEGMENTATION;
  return CS_TASK_OTHER;
}

/* Whether output 0 is already a probability distribution: the network
 * ends in a softmax, looking past reshapes and the rounding of quantized
 * outputs to their 8-bit grid. */
static gboolean
ends_in_softmax (const CsModel *model)
{
  for (size_t i = cs_model_n_layers (model); i-- > 0;)
    {
      const CsLayerInfo *layer = cs_model_layer (model, i);

      if (layer->kind == CS_LAYER_RESHAPE || g_str_has_prefix (layer->op, "FakeQuantize"))
        continue;
      return g_str_has_prefix (layer->op, "Softmax");
    }
  return FALSE;
}

/* The file name of @model_path without its extension; the caller frees it. */
static char *
model_file_stem (const char *model_path)
{
  char *base = g_path_get_basename (model_path);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  return base;
}

static CsCard *
default_card (const CsModel *model, const char *model_path, GError **error)
{
  CsCard *card = g_new0 (CsCard, 1);

  card->model_path = g_strdup (model_path);
  if (!take_image_input (card, model, error))
    {
      cs_card_free (card);
      return NULL;
    }
  card->name = model_file_stem (model_path);
  card->task = guess_task (model);
  card->probabilities = ends_in_softmax (model);
  card->resize = CS_RESIZE_STRETCH;
  card->crop_fraction = DEFAULT_CROP_FRACTION;
  card->resample = CS_RESAMPLE_ANTIALIAS;
  for (int c = 0; c < 3; c++)
    {
      card->background[c] = 1.0f;
      card->fill[c] = 0.0f;
      card->mean[c] = 0.0f;
      card->std[c] = 1.0f;
    }
  card->range = 1.0f;
  card->normalize = cs_model_input_quantization (model, 0, &card->quant)
                    ? CS_NORMALIZE_QUANTIZATION : CS_NORMALIZE_UNIT;
  return card;
}

/* ---- Reading the key file ---- */

typedef struct
{
  const char *path;
  GKeyFile   *file;
} Reader;

static gboolean
card_error (GError **error, const Reader *r, const char *group, const char *key,
            const char *format, ...) G_GNUC_PRINTF (5, 6);

/* "CARD: [group] key: MESSAGE", CS_ERROR_FORMAT. */
static gboolean
card_error (GError **error, const Reader *r, const char *group, const char *key,
            const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CS_ERROR, CS_ERROR_FORMAT, "%s: [%s] %s: %s", r->path, group, key, message);
  return FALSE;
}

static gboolean
check_layout (const Reader *r, GError **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (r->file, NULL);

  for (size_t g = 0; groups[g] != NULL; g++)
    {
      const GroupKeys *known = NULL;
      g_auto (GStrv) keys = NULL;

      for (size_t i = 0; i < G_N_ELEMENTS (card_groups); i++)
        if (strcmp (groups[g], card_groups[i].group) == 0)
          known = &card_groups[i];
      if (known == NULL)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                       "%s: unknown group [%s]; a card has [model], [input], [labels] "
                       "and [segmentation]",
                       r->path, groups[g]);
          return FALSE;
        }
      keys = g_key_file_get_keys (r->file, groups[g], NULL, NULL);
      for (size_t k = 0; keys != NULL && keys[k] != NULL; k++)
        if (!g_strv_contains (known->keys, keys[k]))
          {
            g_autofree char *choices = join_choices (known->keys);

            g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                         "%s: unknown key '%s' in [%s]; known keys are %s",
                         r->path, keys[k], groups[g], choices);
            return FALSE;
          }
    }
  return TRUE;
}

/* The value of @key as UTF-8 text, stripped; *@text NULL when absent. */
static gboolean
get_text (const Reader *r, const char *group, const char *key, char **text, GError **error)
{
  GError *local = NULL;

  *text = NULL;
  if (!g_key_file_has_key (r->file, group, key, NULL))
    return TRUE;
  *text = g_key_file_get_string (r->file, group, key, &local);
  if (*text == NULL)
    {
      card_error (error, r, group, key, "%s", local->message);
      g_error_free (local);
      return FALSE;
    }
  g_strstrip (*text);
  return TRUE;
}

/* Replaces *@field with the value of @key when present. */
static gboolean
take_text (const Reader *r, const char *group, const char *key, char **field, GError **error)
{
  char *text;

  if (!get_text (r, group, key, &text, error))
    return FALSE;
  if (text != NULL)
    {
      g_free (*field);
      *field = text;
    }
  return TRUE;
}

static gboolean
take_choice (const Reader *r, const char *group, const char *key,
             const char *const *names, int *value, gboolean *given, GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *choices = NULL;

  if (given != NULL)
    *given = FALSE;
  if (!get_text (r, group, key, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  for (int i = 0; names[i] != NULL; i++)
    if (g_ascii_strcasecmp (text, names[i]) == 0)
      {
        *value = i;
        if (given != NULL)
          *given = TRUE;
        return TRUE;
      }
  choices = join_choices (names);
  return card_error (error, r, group, key, "expected %s, not '%s'", choices, text);
}

/* A finite number in [@min, @max] (the exclusive ends when @open_min). */
static gboolean
parse_number (const Reader *r, const char *group, const char *key, const char *text,
              double min, gboolean open_min, double max, double *value, GError **error)
{
  char *end;

  errno = 0;
  *value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || errno != 0 || !isfinite (*value))
    return card_error (error, r, group, key, "'%s' is not a number", text);
  if ((open_min ? *value <= min : *value < min) || *value > max)
    return card_error (error, r, group, key, "%s is outside %s%g, %g]",
                       text, open_min ? "(" : "[", min, max);
  return TRUE;
}

static gboolean
take_number (const Reader *r, const char *group, const char *key, double min,
             gboolean open_min, double max, double *value, gboolean *given, GError **error)
{
  g_autofree char *text = NULL;

  *given = FALSE;
  if (!get_text (r, group, key, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  *given = TRUE;
  return parse_number (r, group, key, text, min, open_min, max, value, error);
}

/* One number per tensor channel, separated by commas, semicolons or
 * spaces; a single number stands for every channel. */
static gboolean
take_per_channel (const Reader *r, const char *group, const char *key, int channels,
                  double min, gboolean open_min, double max, float *values,
                  gboolean *given, GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) parts = NULL;
  double numbers[3];
  int n = 0;

  *given = FALSE;
  if (!get_text (r, group, key, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  *given = TRUE;
  parts = g_strsplit_set (text, ",; \t", -1);
  for (size_t i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0')
        continue;
      if (n == channels)
        return card_error (error, r, group, key, "more than %d values in '%s'", channels, text);
      if (!parse_number (r, group, key, parts[i], min, open_min, max, &numbers[n], error))
        return FALSE;
      n++;
    }
  if (n != 1 && n != channels)
    return card_error (error, r, group, key, "expected 1 or %d values, not '%s'", channels, text);
  for (int c = 0; c < channels; c++)
    values[c] = (float) numbers[n == 1 ? 0 : c];
  return TRUE;
}

/* "#rrggbb" as sRGB-encoded values in [0, 1]. */
static gboolean
take_colour (const Reader *r, const char *group, const char *key, float *rgb, GError **error)
{
  g_autofree char *text = NULL;

  if (!get_text (r, group, key, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  if (strlen (text) != 7 || text[0] != '#')
    return card_error (error, r, group, key, "expected a colour #rrggbb, not '%s'", text);
  for (int c = 0; c < 3; c++)
    {
      int high = g_ascii_xdigit_value (text[1 + 2 * c]);
      int low = g_ascii_xdigit_value (text[2 + 2 * c]);

      if (high < 0 || low < 0)
        return card_error (error, r, group, key, "expected a colour #rrggbb, not '%s'", text);
      rgb[c] = (float) (high * 16 + low) / 255.0f;
    }
  return TRUE;
}

/* "224x224" (width × height, '×' also accepted) must match the model. */
static gboolean
check_size (const Reader *r, const CsCard *card, GError **error)
{
  g_autofree char *text = NULL;
  char *end;
  long width, height;

  if (!get_text (r, "input", "size", &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  errno = 0;
  width = strtol (text, &end, 10);
  if (end != text && g_str_has_prefix (end, "×"))
    end += strlen ("×");
  else if (end != text && (*end == 'x' || *end == 'X'))
    end++;
  else
    return card_error (error, r, "input", "size", "expected WIDTHxHEIGHT, not '%s'", text);
  height = strtol (end, &end, 10);
  if (*end != '\0' || errno != 0 || width < 1 || height < 1)
    return card_error (error, r, "input", "size", "expected WIDTHxHEIGHT, not '%s'", text);
  if (width != card->width || height != card->height)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                   "%s: [input] size: the card says %ldx%ld but the model %s takes %dx%d",
                   r->path, width, height, card->model_path, card->width, card->height);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_model_group (const Reader *r, CsCard *card, GError **error)
{
  int task = card->task, output = card->probabilities;

  if (!take_text (r, "model", "name", &card->name, error)
      || !take_choice (r, "model", "task", task_names, &task, NULL, error)
      || !take_choice (r, "model", "output", output_names, &output, NULL, error)
      || !take_text (r, "model", "source", &card->source_url, error)
      || !take_text (r, "model", "licence", &card->licence, error)
      || !take_text (r, "model", "accuracy", &card->accuracy, error))
    return FALSE;
  card->task = task;
  card->probabilities = output;
  return TRUE;
}

static gboolean
read_input_group (const Reader *r, CsCard *card, GError **error)
{
  const int tensor_channels = card->channels == CS_CHANNELS_GRAY ? 1 : 3;
  int resize = card->resize, resample = card->resample;
  int channels = card->channels, normalize = card->normalize;
  gboolean given, mean_given, std_given, range_given, fraction_given;
  double fraction = card->crop_fraction, range = card->range;

  if (!check_size (r, card, error)
      || !take_choice (r, "input", "channels", channel_names, &channels, &given, error))
    return FALSE;
  if (given && (channels == CS_CHANNELS_GRAY) != (tensor_channels == 1))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                   "%s: [input] channels: %s does not fit the model's %d-channel input",
                   r->path, channel_names[channels], tensor_channels);
      return FALSE;
    }
  card->channels = channels;

  if (!take_choice (r, "input", "resize", resize_names, &resize, NULL, error)
      || !take_number (r, "input", "crop-fraction", 0.0, TRUE, 1.0, &fraction,
                       &fraction_given, error))
    return FALSE;
  if (fraction_given && resize != CS_RESIZE_CROP)
    return card_error (error, r, "input", "crop-fraction", "only means something with resize=crop");
  card->resize = resize;
  card->crop_fraction = fraction;

  if (!take_choice (r, "input", "resample", resample_names, &resample, NULL, error)
      || !take_colour (r, "input", "background", card->background, error)
      || !take_colour (r, "input", "fill", card->fill, error))
    return FALSE;
  card->resample = resample;

  if (!take_choice (r, "input", "normalization", normalize_names, &normalize, &given, error)
      || !take_number (r, "input", "range", 0.0, TRUE, 65535.0, &range, &range_given, error)
      || !take_per_channel (r, "input", "mean", tensor_channels, -65535.0, FALSE, 65535.0,
                            card->mean, &mean_given, error)
      || !take_per_channel (r, "input", "std", tensor_channels, 0.0, TRUE, 65535.0,
                            card->std, &std_given, error))
    return FALSE;
  if (normalize == CS_NORMALIZE_QUANTIZATION && card->quant.scale == 0.0f)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                   "%s: [input] normalization: the input of %s is not quantized",
                   r->path, card->model_path);
      return FALSE;
    }
  if (normalize != CS_NORMALIZE_MEAN_STD && (mean_given || std_given || range_given))
    return card_error (error, r, "input", mean_given ? "mean" : std_given ? "std" : "range",
                       "only means something with normalization=mean-std");
  card->normalize = normalize;
  card->range = (float) range;
  return TRUE;
}

static gboolean
read_labels_group (const Reader *r, CsCard *card, GError **error)
{
  g_autofree char *file = NULL;
  double offset;
  gboolean given;

  if (!get_text (r, "labels", "file", &file, error)
      || !take_number (r, "labels", "offset", -MAX_LABEL_OFFSET, FALSE, MAX_LABEL_OFFSET,
                       &offset, &given, error))
    return FALSE;
  if (given && offset != floor (offset))
    return card_error (error, r, "labels", "offset", "%g is not a whole number", offset);
  if (given)
    card->label_offset = (int) offset;
  if (file != NULL && file[0] == '\0')
    return card_error (error, r, "labels", "file", "is empty");
  if (file != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (r->path);

      card->labels_path = g_path_is_absolute (file)
                          ? g_steal_pointer (&file)
                          : g_build_filename (dir, file, NULL);
    }
  return TRUE;
}

static gboolean
read_segmentation_group (const Reader *r, CsCard *card, GError **error)
{
  double background;
  gboolean given;

  if (g_key_file_has_group (r->file, "segmentation") && card->task != CS_TASK_SEGMENTATION)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   "%s: [segmentation] only means something with task=segmentation", r->path);
      return FALSE;
    }
  if (!take_text (r, "segmentation", "scores", &card->score_layer, error)
      || !take_number (r, "segmentation", "background", 0, FALSE, 254, &background, &given,
                       error))
    return FALSE;
  if (card->score_layer != NULL && card->score_layer[0] == '\0')
    return card_error (error, r, "segmentation", "scores", "is empty");
  if (given && background != floor (background))
    return card_error (error, r, "segmentation", "background", "%g is not a whole number",
                       background);
  if (given)
    card->background_class = (int) background;
  return TRUE;
}

/* Reads @path whole, refusing what cannot be a card before reading it. */
static gboolean
read_card_file (const char *path, char **contents, gsize *length, GError **error)
{
  GStatBuf st;
  GError *local = NULL;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, CS_ERROR, CS_ERROR_IO, "%s: cannot read the model card: %s",
                   path, g_strerror (saved));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode) || st.st_size > MAX_CARD_BYTES)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT,
                   "%s: not a model card (a text file of at most %d bytes)", path, MAX_CARD_BYTES);
      return FALSE;
    }
  if (!g_file_get_contents (path, contents, length, &local))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_IO, "%s", local->message);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

/* Without @with_input the [input] group is checked for unknown keys
 * only: its values need the model. */
static gboolean
read_card (CsCard *card, const char *path, gboolean with_input, GError **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autofree char *contents = NULL;
  gsize length;
  GError *local = NULL;
  Reader r = { path, file };

  if (!read_card_file (path, &contents, &length, error))
    return FALSE;
  if (!g_key_file_load_from_data (file, contents, length, G_KEY_FILE_NONE, &local))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_FORMAT, "%s: not a model card: %s",
                   path, local->message);
      g_error_free (local);
      return FALSE;
    }
  card->path = g_strdup (path);
  return check_layout (&r, error)
         && read_model_group (&r, card, error)
         && (!with_input || read_input_group (&r, card, error))
         && read_labels_group (&r, card, error)
         && read_segmentation_group (&r, card, error);
}

CsCard *
cs_card_load (const CsModel *model,
              const char    *model_path,
              const char    *card_path,
              GError       **error)
{
  g_autofree char *beside = NULL;
  CsCard *card;

  g_return_val_if_fail (model != NULL && model_path != NULL, NULL);
  card = default_card (model, model_path, error);
  if (card == NULL)
    return NULL;
  if (card_path == NULL)
    {
      beside = cs_card_path_for (model_path);
      if (g_file_test (beside, G_FILE_TEST_EXISTS))
        card_path = beside;
    }
  if (card_path != NULL && !read_card (card, card_path, TRUE, error))
    {
      cs_card_free (card);
      return NULL;
    }
  return card;
}

CsCard *
cs_card_peek (const char *model_path,
              GError    **error)
{
  g_autofree char *card_path = NULL;
  CsCard *card;

  g_return_val_if_fail (model_path != NULL, NULL);
  card = g_new0 (CsCard, 1);
  card->model_path = g_strdup (model_path);
  card->name = model_file_stem (model_path);
  card->task = CS_TASK_CLASSIFICATION;
  card_path = cs_card_path_for (model_path);
  if (g_file_test (card_path, G_FILE_TEST_EXISTS)
      && !read_card (card, card_path, FALSE, error))
    {
      cs_card_free (card);
      return NULL;
    }
  return card;
}
