/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-card.h — from an image to the input tensor, and from scores to
 * classes (card.c, preprocess.c, resample.c, labels.c).
 *
 * One path for every front end: a model card says how the network wants
 * its pixels; cs_resize_plan turns the card and the size of the source
 * image into the source rectangle to read and where it lands in the
 * tensor; the front end reads that rectangle (from GEGL in
 * core/pixels/cs-pixels.h) and resamples it with cs_resample into
 * R'G'B'A float pixels; cs_preprocess_fill composites, converts and
 * normalizes them into the input tensor.  The card also says whether the
 * scores are probabilities already and where the class names are.  See
 * docs/model-card.md for the card format and every default.
 */
#ifndef CS_CARD_H
#define CS_CARD_H

#include "cs-engine.h"

G_BEGIN_DECLS

typedef enum
{
  CS_TASK_CLASSIFICATION,
  CS_TASK_SEGMENTATION,
  CS_TASK_OTHER
} CsTask;

typedef enum
{
  CS_RESIZE_STRETCH,    /* the whole image to the input size, aspect not kept */
  CS_RESIZE_CROP,       /* a centred crop of the input's aspect ratio */
  CS_RESIZE_LETTERBOX   /* the whole image, aspect kept, borders filled */
} CsResize;

typedef enum
{
  CS_RESAMPLE_ANTIALIAS, /* Pillow's BILINEAR: a triangle filter, widened to
                          * average over each output pixel's footprint when
                          * shrinking, plain bilinear when enlarging */
  CS_RESAMPLE_BILINEAR,  /* the triangle never widened: bilinear point
                          * samples, no averaging */
  CS_RESAMPLE_NEAREST    /* the source pixel under each output centre */
} CsResample;

typedef enum
{
  CS_CHANNELS_RGB,
  CS_CHANNELS_BGR,
  CS_CHANNELS_GRAY      /* Rec. 601 luma of the sRGB-encoded values */
} CsChannels;

typedef enum
{
  CS_NORMALIZE_UNIT,         /* pixels in [0, 1] */
  CS_NORMALIZE_MEAN_STD,     /* (range·pixel − mean) / std per channel */
  CS_NORMALIZE_QUANTIZATION  /* the byte 0 … 255 through the input's quantization */
} CsNormalize;

/* What a model card says, with every default filled in.  All strings are
 * owned by the card. */
typedef struct
{
  char          *path;          /* the card file, or NULL when there is none */
  char          *model_path;
  char          *name;          /* for people; default: the model's file name */
  CsTask         task;
  gboolean       probabilities; /* output 0 is a probability distribution
                                 * already; default: the network ends in
                                 * a softmax */
  int            width, height; /* the input tensor's */
  CsChannels     channels;
  CsResize       resize;
  double         crop_fraction; /* CS_RESIZE_CROP: side of the crop over the
                                 * largest centred one, in (0, 1] */
  CsResample     resample;
  float          background[3]; /* sRGB-encoded RGB in [0, 1]: what
                                 * transparency is composited over */
  float          fill[3];       /* the same for letterbox borders */
  CsNormalize    normalize;
  /* CS_NORMALIZE_MEAN_STD: (range·pixel − mean) / std, mean and std in
   * the tensor's channel order. */
  float          range;
  float          mean[3];
  float          std[3];
  CsQuantization quant;         /* CS_NORMALIZE_QUANTIZATION */
  char          *labels_path;   /* named by the card (resolved), or NULL */
  int            label_offset;  /* class N is labels line N + offset */
  /* Segmenters ([segmentation]): the layer whose output is the class
   * score map (NULL: found by the segmenter) and the class of pixels
   * that are none of the others. */
  char          *score_layer;
  int            background_class;
  char          *source_url;    /* free text from the card, or NULL */
  char          *licence;
  char          *accuracy;
} CsCard;

/* Where the card of the model file @model_path lives: "@model_path.ini".
 * The caller frees the string. */
char   *cs_card_path_for (const char *model_path);
/* The card of @model (loaded from @model_path): read from @card_path, else
 * from cs_card_path_for (@model_path) when that file exists, else made of
 * defaults taken from the model.  Fails when the model has no image input
 * (1×C×H×W, C 1 or 3) or the card cannot be read, is malformed or
 * contradicts the model.  Free with cs_card_free. */
CsCard *cs_card_load     (const CsModel *model,
                          const char    *model_path,
                          const char    *card_path,
                          GError       **error);
/* What the card beside @model_path says about the model without loading
 * it: name, task, source, licence, accuracy and labels; the [input]
 * values stay zero.  Defaults (the file's name, classification) when
 * there is no card; fails when the card cannot be read or is malformed.
 * Free with cs_card_free. */
CsCard *cs_card_peek     (const char    *model_path,
                          GError       **error);
void    cs_card_free     (CsCard *card);
/* Class probabilities from the @n scores of output 0 (into @probabilities,
 * n entries, owned by the caller): as they are when the card says they
 * already are, otherwise through a softmax. */
void    cs_card_probabilities (const CsCard *card,
                               const float  *scores,
                               size_t        n,
                               double       *probabilities);

/* Which part of the source image goes where in the input tensor. */
typedef struct
{
  /* The source rectangle in source pixels; fractional for crops. */
  double src_x, src_y, src_width, src_height;
  /* Where it lands in the tensor; the rest is letterbox border. */
  int    dest_x, dest_y, dest_width, dest_height;
} CsResizePlan;

gboolean cs_resize_plan     (const CsCard *card,
                             int64_t       source_width,
                             int64_t       source_height,
                             CsResizePlan *plan,
                             GError      **error);
/* Writes @tensor (1×C×H×W float32 as the card's model takes it; the data
 * belongs to the caller) from @pixels: plan->dest_width × dest_height
 * R'G'B'A float pixels (sRGB-encoded, straight alpha) @rowstride floats
 * apart.  Composites over the card's background, fills the border,
 * converts the channels and normalizes. */
gboolean cs_preprocess_fill (const CsCard       *card,
                             const CsResizePlan *plan,
                             const float        *pixels,
                             size_t              rowstride,
                             CsTensor           *tensor,
                             GError            **error);
/* The input tensor's value in each channel for an opaque sRGB-encoded
 * grey @grey in [0, 1], as cs_preprocess_fill writes it: @value[c] for
 * tensor channel c, only [0] for a gray input. */
void     cs_preprocess_grey (const CsCard *card,
                             float         grey,
                             float         value[3]);

/* Resampling exactly as Pillow's Image.resize does with BILINEAR
 * (Resample.c, its float path), streamed: the source is read through a
 * CsReadPixels in strips of rows, in increasing order, and only the
 * columns and rows the filter reaches are read; the working memory is a
 * strip and a few filtered rows, never the image.
 *
 * A CsReadPixels reads the @height rows of @width pixels at (@x, @y) of
 * the source into @pixels (rows packed, the resampler's channels a
 * pixel), which belongs to the resampler; it returns FALSE with @error
 * set when it cannot. */
typedef gboolean (*CsReadPixels) (void   *user,
                                  int     x,
                                  int     y,
                                  int     width,
                                  int     height,
                                  float  *pixels,
                                  GError **error);

/* Checks that @plan's sizes are in range and that its source rectangle
 * lies inside a @source_width × @source_height image (up to rounding). */
gboolean cs_resample_check  (int64_t             source_width,
                             int64_t             source_height,
                             const CsResizePlan *plan,
                             GError            **error);
/* Resamples @plan's source rectangle of a @source_width × @source_height
 * image, read through @read_pixels with @user, to plan->dest_width ×
 * plan->dest_height pixels of @channels (1 to 4) floats in @dest, rows
 * packed, owned by the caller.  With 2 or 4 channels the last is straight
 * alpha and the others are filtered premultiplied by it, as Pillow does
 * for LA and RGBA; where the result is transparent its colour is 0. */
gboolean cs_resample        (int                 source_width,
                             int                 source_height,
                             const CsResizePlan *plan,
                             CsResample          resample,
                             int                 channels,
                             CsReadPixels        read_pixels,
                             void               *user,
                             float              *dest,
                             GError            **error);

/* Class names. */
typedef struct _CsLabels CsLabels;

/* One label per line of the UTF-8 text file @path; class N is line
 * N + @offset. */
CsLabels   *cs_labels_load     (const char *path,
                                int         offset,
                                GError    **error);
/* @lines (NULL-terminated, copied; NULL for none) as labels; @source says
 * where they came from, for people. */
CsLabels   *cs_labels_new      (const char *const *lines,
                                int                offset,
                                const char        *source);
/* The labels of the card's model: the card's file, else the model's own,
 * else labels.txt beside the model, else none, every class then being
 * "class N"; the card's offset applies to all.  Fails when the file found
 * cannot be used. */
CsLabels   *cs_labels_for_card (const CsCard  *card,
                                const CsModel *model,
                                GError       **error);
/* Lines read, and where from (NULL for none). */
size_t      cs_labels_count    (const CsLabels *labels);
const char *cs_labels_source   (const CsLabels *labels);
/* The label of class @index, or NULL. */
const char *cs_labels_lookup   (const CsLabels *labels,
                                size_t          index);
/* The label of class @index or "class N"; the caller frees it. */
char       *cs_labels_name     (const CsLabels *labels,
                                size_t          index);
/* The classes below @n_classes called @names (NULL-terminated; a name
 * matches a label or "class N" as cs_labels_name gives it, ignoring
 * ASCII case), into @indices, one per name, the caller's.  Fails
 * (CS_ERROR_ARGUMENT) on the first unknown name with one line listing
 * the valid ones. */
gboolean    cs_labels_find     (const CsLabels     *labels,
                                size_t              n_classes,
                                const char *const  *names,
                                int                *indices,
                                GError            **error);
void        cs_labels_free     (CsLabels *labels);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsCard, cs_card_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsLabels, cs_labels_free)

G_END_DECLS

#endif /* CS_CARD_H */
