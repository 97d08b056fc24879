/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * segmenter.c — one semantic segmentation network ready to run: finding
 * its class score map under the full-size upsampling and ArgMax a
 * network may end in, cutting the model there, and labelling the image's
 * pixels from the low-resolution map in strips.  The checks that make a
 * model a segmenter live here and nowhere else.
 */
#include "cs-segmenter.h"
#include "model-bundle.h"
#include "model.h"
#include "ops/ops.h"

#include <math.h>
#include <string.h>

struct _CsSegmenter
{
  CsModelBundle bundle;
  int           n_classes;
  char         *score_layer;
  /* How the model's own upsampling of the map lines up with the input
   * (half_pixel when it has none). */
  CsResizeCoordinates coordinates;
  /* The 8-bit grid a quantized model rounds its upsampled scores to
   * before its ArgMax (scale 0: none), so that labels break the ties it
   * makes as it does. */
  CsGrid        grid;
};

struct _CsSegmentation
{
  CsResult           *result;
  const float        *scores; /* output 0 of result: C×h×w */
  int                 n_classes, height, width;
  int                 input_width, input_height;
  CsResizeCoordinates coordinates;
  CsGrid              grid;
  gboolean            probabilities;
};

static void
segmenter_clear (CsSegmenter *s)
{
  cs_model_bundle_clear (&s->bundle);
  g_free (s->score_layer);
}

static gboolean
check_task (const CsModelBundle *b, GError **error)
{
  if (b->card->task == CS_TASK_SEGMENTATION)
    return TRUE;
  if (b->card->task == CS_TASK_CLASSIFICATION)
    g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                 "%s: an image classifier, not a segmentation model", b->model_path);
  else
    g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                 "%s: not a segmentation model (its card says task=other)", b->model_path);
  return FALSE;
}

/* Ops that only turn a score map into class numbers at full size: what a
 * segmenter does itself, strip by strip. */
static gboolean
finishes_scores (const CsNode *node)
{
  return node->klass == &cs_op_arg_max || node->klass == &cs_op_resize
         || node->klass == &cs_op_upsample || node->klass == &cs_op_fake_quantize;
}

/* The rounding to a quantized grid nearest the ArgMax: a FakeQuantize
 * node, or one its producer absorbed into its activation or epilogue. */
static void
note_grid (CsSegmenter *s, const CsNode *node)
{
  if (s->grid.scale != 0.0f)
    return;
  if (node->klass == &cs_op_fake_quantize)
    s->grid = *(const CsGrid *) node->params;
  else if (node->act.grid.scale > 0.0f)
    s->grid = node->act.grid;
  for (guint e = 0; node->epilogue != NULL && e < node->epilogue->len; e++)
    {
      const CsNode *step = g_ptr_array_index (node->epilogue, e);

      if (step->klass == &cs_op_fake_quantize && s->grid.scale == 0.0f)
        s->grid = *(const CsGrid *) step->params;
    }
}

/* The value holding the class scores: the card's layer, else output 0,
 * or what the upsampling to the input's size reads when output 0 is
 * that upsampling's ArgMax (walking back through ArgMax, rounding and
 * Resizes that keep the size).  Notes how that upsampling aligns the
 * scores and the grid it rounds them to. */
static int
find_scores (CsSegmenter *s, GError **error)
{
  const CsModelBundle *b = &s->bundle;
  const CsGraph       *graph = b->model->graph;
  int                  value;

  if (b->card->score_layer != NULL)
    {
      int layer = cs_model_find_layer (b->model, b->card->score_layer);

      if (layer < 0)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                       "%s: [segmentation] scores: the model has no layer '%s'", b->card->path,
                       b->card->score_layer);
          return -1;
        }
      return cs_graph_node (graph, g_array_index (b->model->layer_nodes, int, layer))->outputs[0];
    }
  value = g_array_index (graph->outputs, int, 0);
  for (;;)
    {
      int           producer = cs_graph_value (graph, value)->producer;
      const CsNode *node = producer >= 0 ? cs_graph_node (graph, producer) : NULL;

      if (node == NULL || !finishes_scores (node) || node->inputs[0] < 0)
        return value;
      note_grid (s, node);
      value = node->inputs[0];
      /* The scores are what the upsampling to the input's size reads:
       * what comes before it, resizes that keep the size included, is
       * the model's own. */
      if ((node->klass == &cs_op_resize || node->klass == &cs_op_upsample)
          && !cs_shape_equal (&cs_node_input (graph, node, 0)->shape,
                              &cs_node_output (graph, node, 0)->shape))
        {
          s->coordinates = ((const CsResizeParams *) node->params)->coordinates;
          return value;
        }
    }
}

/* A float 1×C×h×w map of 1 to 255 classes, computed by a layer. */
static gboolean
check_scores (CsSegmenter *s, int value, GError **error)
{
  const CsModelBundle *b = &s->bundle;
  const CsValue       *scores = cs_graph_value (b->model->graph, value);
  const CsShape       *shape = &scores->shape;
  g_autofree char     *text = cs_shape_to_string (shape);

  if (scores->producer < 0 || scores->dtype != CS_DTYPE_FLOAT32 || shape->rank != 4
      || shape->dims[0] != 1 || shape->dims[1] < 1 || shape->dims[2] < 1 || shape->dims[3] < 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: '%s' is %s %s, not a layer's class score map 1×C×H×W", b->model_path,
                   scores->name, scores->dtype == CS_DTYPE_FLOAT32 ? "float" : "integer", text);
      return FALSE;
    }
  if (shape->dims[1] >= CS_SEGMENT_NONE + 1)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: '%s' scores %" G_GINT64_FORMAT " classes; a segmenter takes at most %d",
                   b->model_path, scores->name, shape->dims[1], CS_SEGMENT_NONE);
      return FALSE;
    }
  s->n_classes = (int) shape->dims[1];
  if (b->card->background_class >= s->n_classes)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_INVALID,
                   "%s: [segmentation] background: class %d of %d classes", b->card->path,
                   b->card->background_class, s->n_classes);
      return FALSE;
    }
  s->score_layer = g_strdup (cs_graph_node (b->model->graph, scores->producer)->name);
  return TRUE;
}

CsSegmenter *
cs_segmenter_load (const char *model_path, const CsSegmenterOptions *options, GError **error)
{
  static const CsSegmenterOptions no_options = { 0 };
  CsSegmenter                    *s = g_atomic_rc_box_new0 (CsSegmenter);
  int                             scores = -1;

  if (options == NULL)
    options = &no_options;
  if (!cs_model_bundle_load (&s->bundle, model_path, options->card_path, options->n_threads, error)
      || !check_task (&s->bundle, error) || (scores = find_scores (s, error)) < 0
      || !check_scores (s, scores, error))
    {
      cs_segmenter_unref (s);
      return NULL;
    }
  cs_model_cut (s->bundle.model, scores);
  if (!cs_model_bundle_start (&s->bundle, options->labels_path, error))
    {
      cs_segmenter_unref (s);
      return NULL;
    }
  return s;
}

CsSegmenter *
cs_segmenter_ref (CsSegmenter *s)
{
  return g_atomic_rc_box_acquire (s);
}

void
cs_segmenter_unref (CsSegmenter *s)
{
  if (s != NULL)
    g_atomic_rc_box_release_full (s, (GDestroyNotify) segmenter_clear);
}

const char *
cs_segmenter_model_path (const CsSegmenter *s)
{
  return s->bundle.model_path;
}

const CsModel *
cs_segmenter_model (const CsSegmenter *s)
{
  return s->bundle.model;
}

const CsCard *
cs_segmenter_card (const CsSegmenter *s)
{
  return s->bundle.card;
}

const CsLabels *
cs_segmenter_labels (const CsSegmenter *s)
{
  return s->bundle.labels;
}

const GError *
cs_segmenter_labels_error (const CsSegmenter *s)
{
  return s->bundle.labels_error;
}

int
cs_segmenter_n_classes (const CsSegmenter *s)
{
  return s->n_classes;
}

int
cs_segmenter_background (const CsSegmenter *s)
{
  return s->bundle.card->background_class;
}

const char *
cs_segmenter_score_layer (const CsSegmenter *s)
{
  return s->score_layer;
}

CsTensor *
cs_segmenter_input_new (const CsSegmenter *s, GError **error)
{
  return cs_model_bundle_input_new (&s->bundle, error);
}

void
cs_segmenter_input_free (CsTensor *input)
{
  cs_model_bundle_input_free (input);
}

gboolean
cs_segmenter_run (CsSegmenter *s, const CsTensor *input, CsSegmentation **out, GError **error)
{
  CsResult       *result;
  CsSegmentation *segmentation;

  if (!cs_model_bundle_run (&s->bundle, input, NULL, &result, error))
    return FALSE;
  segmentation = g_new0 (CsSegmentation, 1);
  segmentation->result = result;
  segmentation->scores = result->outputs[0].data;
  segmentation->n_classes = s->n_classes;
  segmentation->height = (int) result->outputs[0].shape.dims[2];
  segmentation->width = (int) result->outputs[0].shape.dims[3];
  segmentation->input_width = s->bundle.card->width;
  segmentation->input_height = s->bundle.card->height;
  segmentation->coordinates = s->coordinates;
  segmentation->grid = s->grid;
  segmentation->probabilities = s->bundle.card->probabilities;
  *out = segmentation;
  return TRUE;
}

int
cs_segmentation_n_classes (const CsSegmentation *segmentation)
{
  return segmentation->n_classes;
}

int
cs_segmentation_height (const CsSegmentation *segmentation)
{
  return segmentation->height;
}

int
cs_segmentation_width (const CsSegmentation *segmentation)
{
  return segmentation->width;
}

const float *
cs_segmentation_scores (const CsSegmentation *segmentation)
{
  return segmentation->scores;
}

void
cs_segmentation_free (CsSegmentation *segmentation)
{
  if (segmentation == NULL)
    return;
  cs_result_free (segmentation->result);
  g_free (segmentation);
}

/* Where one axis of the input, at pixel-centre coordinate @t (0 the
 * centre of the first pixel) of @in samples, falls in @out samples of
 * the score map as the model's upsampling puts it, clamped to its
 * samples; the weight of the sample after *@lo in *@weight. */
static void
map_axis (const CsSegmentation *segmentation, double t, int in, int out, int *lo, float *weight)
{
  double x;

  switch (segmentation->coordinates)
    {
    case CS_RESIZE_ALIGN_CORNERS:
      x = in > 1 ? t * (out - 1) / (in - 1) : 0.0;
      break;
    case CS_RESIZE_ASYMMETRIC:
      x = t * out / in;
      break;
    default:
      x = (t + 0.5) * out / in - 0.5;
      break;
    }
  x = CLAMP (x, 0.0, (double) (out - 1));
  *lo = MIN ((int) floor (x), out - 1);
  *weight = (float) (x - *lo);
}

static gboolean
check_labels_request (const CsResizePlan *plan,
                      int                 region_width,
                      int                 region_height,
                      int                 y0,
                      int                 n_rows,
                      double              threshold,
                      GError            **error)
{
  if (region_width < 1 || region_height < 1 || y0 < 0 || n_rows < 0 || y0 > region_height - n_rows)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "rows %d to %d are not rows of a %d×%d region", y0, y0 + n_rows - 1,
                   region_width, region_height);
      return FALSE;
    }
  if (!(threshold >= 0.0 && threshold <= 1.0))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT, "the threshold must be in [0, 1], not %g",
                   threshold);
      return FALSE;
    }
  if (!(plan->src_width > 0 && plan->src_height > 0) || plan->dest_width < 1
      || plan->dest_height < 1 || !isfinite (plan->src_x) || !isfinite (plan->src_y)
      || !isfinite (plan->src_width) || !isfinite (plan->src_height))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "the resize plan reads or writes nothing, or is not finite");
      return FALSE;
    }
  return TRUE;
}

/* One class's score between samples @lo and @hi of a row of the map,
 * rounded to the model's grid when it has one (halves away from zero, as
 * TFLite rounds; NaN to the grid's low end). */
static inline float
sample_score (const CsSegmentation *segmentation, const float *scores, int lo, int hi, float weight)
{
  const CsGrid *grid = &segmentation->grid;
  const float   v = scores[lo] + (scores[hi] - scores[lo]) * weight;

  if (grid->scale == 0.0f)
    return v;
  return cs_fake_quantize_scalar (v, grid->scale, grid->low, grid->high);
}

/* The class with the largest score at one pixel, from the row of scores
 * sampled vertically (@row, C×w) and the pixel's column weights; NONE
 * when its probability is below @threshold or no score is a number. */
static guint8
label_pixel (const CsSegmentation *segmentation,
             const float          *row,
             int                   lo,
             float                 weight,
             double                threshold)
{
  const int n_classes = segmentation->n_classes, width = segmentation->width;
  const int hi = MIN (lo + 1, width - 1);
  float     best = -INFINITY;
  int       winner = -1;
  double    sum = 0.0;

  for (int c = 0; c < n_classes; c++)
    {
      float v = sample_score (segmentation, row + (size_t) c * width, lo, hi, weight);

      if (v > best)
        {
          best = v;
          winner = c;
        }
    }
  if (winner < 0)
    return CS_SEGMENT_NONE;
  if (threshold <= 0.0)
    return (guint8) winner;
  if (segmentation->probabilities)
    return best >= threshold ? (guint8) winner : CS_SEGMENT_NONE;
  for (int c = 0; c < n_classes; c++)
    {
      sum += exp ((double) sample_score (segmentation, row + (size_t) c * width, lo, hi, weight)
                  - best);
    }
  return 1.0 / sum >= threshold ? (guint8) winner : CS_SEGMENT_NONE;
}

gboolean
cs_segmentation_labels (const CsSegmentation *segmentation,
                        const CsResizePlan   *plan,
                        int                   region_width,
                        int                   region_height,
                        int                   y0,
                        int                   n_rows,
                        double                threshold,
                        guint8               *labels,
                        GError              **error)
{
  const int            n_classes = segmentation->n_classes;
  const int            width = segmentation->width, height = segmentation->height;
  const double         x_scale = plan->dest_width / plan->src_width;
  const double         y_scale = plan->dest_height / plan->src_height;
  g_autofree int      *column_lo = NULL;
  g_autofree float    *column_weight = NULL;
  g_autofree gboolean *column_inside = NULL;
  g_autofree float    *row = NULL;

  if (!check_labels_request (plan, region_width, region_height, y0, n_rows, threshold, error))
    return FALSE;
  column_lo = g_new (int, region_width);
  column_weight = g_new (float, region_width);
  column_inside = g_new (gboolean, region_width);
  row = g_new (float, (size_t) n_classes *width);
  for (int x = 0; x < region_width; x++)
    {
      double centre = x + 0.5;

      column_inside[x] = centre >= plan->src_x && centre <= plan->src_x + plan->src_width;
      map_axis (segmentation, plan->dest_x + (centre - plan->src_x) * x_scale - 0.5,
                segmentation->input_width, width, &column_lo[x], &column_weight[x]);
    }
  for (int r = 0; r < n_rows; r++)
    {
      double  centre = y0 + r + 0.5;
      guint8 *out = labels + (size_t) r * region_width;
      int     lo, hi;
      float   weight;

      if (centre < plan->src_y || centre > plan->src_y + plan->src_height)
        {
          memset (out, CS_SEGMENT_NONE, region_width);
          continue;
        }
      map_axis (segmentation, plan->dest_y + (centre - plan->src_y) * y_scale - 0.5,
                segmentation->input_height, height, &lo, &weight);
      hi = MIN (lo + 1, height - 1);
      for (int c = 0; c < n_classes; c++)
        {
          const float *plane = segmentation->scores + (size_t) c * height * width;

          for (int x = 0; x < width; x++)
            row[(size_t) c * width + x] =
                plane[(size_t) lo * width + x]
                + (plane[(size_t) hi * width + x] - plane[(size_t) lo * width + x]) * weight;
        }
      for (int x = 0; x < region_width; x++)
        out[x] = column_inside[x]
                     ? label_pixel (segmentation, row, column_lo[x], column_weight[x], threshold)
                     : CS_SEGMENT_NONE;
    }
  return TRUE;
}

/* The VOC development kit's labelcolormap: the bits of the class number,
 * three at a time, go to the high bits of red, green and blue. */
void
cs_segment_colour (int label, guint8 rgb[3])
{
  rgb[0] = rgb[1] = rgb[2] = 0;
  for (int shift = 7, bits = label; bits > 0 && shift >= 0; shift--, bits >>= 3)
    for (int c = 0; c < 3; c++)
      rgb[c] |= ((bits >> c) & 1) << shift;
}
