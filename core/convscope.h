/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * convscope.h — the public interface of Convscope's inference engine.
 *
 * Load a convolutional network from an ONNX or TensorFlow Lite file,
 * describe it layer by layer the way a person reads it (shapes, kernels,
 * the output-size arithmetic, parameters, multiply-accumulates, receptive
 * field), and run it on float32 tensors while keeping the output of any
 * layer ("taps").  Everything that can fail reports a GError in the
 * CS_ERROR domain whose message names the file, node and op involved;
 * nothing here aborts on bad input.
 *
 * Ownership: every object returned by a *_new or *_load function belongs
 * to the caller and is released with the matching *_free.  Structures
 * handed out by cs_model_* accessors belong to the model.
 */
#ifndef CONVSCOPE_H
#define CONVSCOPE_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

#define CS_ERROR (cs_error_quark ())
GQuark cs_error_quark (void);

typedef enum
{
  CS_ERROR_IO,          /* the file could not be read */
  CS_ERROR_FORMAT,      /* not a model, truncated or corrupt */
  CS_ERROR_UNSUPPORTED, /* a valid model using something Convscope lacks */
  CS_ERROR_INVALID,     /* well-formed but inconsistent (shapes, indices) */
  CS_ERROR_ARGUMENT     /* the caller passed something wrong */
} CsErrorCode;

#define CS_MAX_RANK 8

typedef enum
{
  CS_DTYPE_FLOAT32,
  CS_DTYPE_INT64   /* shape arithmetic; folded at load, never computed */
} CsDType;

typedef struct
{
  int     rank;
  int64_t dims[CS_MAX_RANK];
} CsShape;

/* A dense row-major tensor.  Convscope's own layout for images is NCHW. */
typedef struct
{
  char   *name;
  CsDType dtype;
  CsShape shape;
  void   *data;
} CsTensor;

int64_t     cs_shape_numel      (const CsShape *shape);
gboolean    cs_shape_equal      (const CsShape *a, const CsShape *b);
/* "1×3×224×224"; the caller frees the string. */
char       *cs_shape_to_string  (const CsShape *shape);
size_t      cs_dtype_size       (CsDType dtype);

typedef enum
{
  CS_FORMAT_ONNX,
  CS_FORMAT_TFLITE
} CsFormat;

typedef struct
{
  /* Value for unknown or symbolic dimensions of the inputs; 0 means 1. */
  int64_t         free_dim;
  /* Graph inputs to freeze as constants before folding (by name). */
  const CsTensor *bind;
  size_t          n_bind;
} CsLoadOptions;

typedef struct _CsModel CsModel;

/* Reads an ONNX or TFLite model; the format is told from the content.
 * @options may be NULL.  Returns NULL and sets @error on failure. */
CsModel    *cs_model_load_file   (const char          *path,
                                  const CsLoadOptions *options,
                                  GError             **error);
/* @data is copied; @name is used in messages and may be NULL. */
CsModel    *cs_model_load_memory (const void          *data,
                                  size_t               size,
                                  const char          *name,
                                  const CsLoadOptions *options,
                                  GError             **error);
void        cs_model_free        (CsModel *model);

CsFormat    cs_model_format      (const CsModel *model);
const char *cs_model_name        (const CsModel *model);

/* Graph inputs and outputs: name, dtype and shape (data is NULL). */
size_t          cs_model_n_inputs  (const CsModel *model);
const CsTensor *cs_model_input     (const CsModel *model, size_t index);
size_t          cs_model_n_outputs (const CsModel *model);
const CsTensor *cs_model_output    (const CsModel *model, size_t index);

/* Labels embedded in the model file (TFLite metadata), or NULL. */
const char *const *cs_model_embedded_labels (const CsModel *model);

/* ---- The network as a person reads it ---- */

typedef enum
{
  CS_LAYER_CONV,
  CS_LAYER_POOL,
  CS_LAYER_DENSE,
  CS_LAYER_ACTIVATION,
  CS_LAYER_ELEMENTWISE,
  CS_LAYER_NORMALIZATION,
  CS_LAYER_RESHAPE,
  CS_LAYER_OTHER
} CsLayerKind;

typedef struct
{
  const char *name;      /* the layer's name: its node name, else its output */
  const char *op;        /* op with what was fused into it, "Conv+BatchNormalization+Relu" */
  CsLayerKind kind;
  CsShape     in_shape;  /* first data input */
  CsShape     out_shape;

  /* Conv and pool layers (has_window): the window over H and W. */
  gboolean    has_window;
  int         kernel[2];
  int         stride[2];
  int         dilation[2];
  int         pads[4];   /* top, left, bottom, right, as actually applied */
  int         groups;
  gboolean    ceil_mode;
  /* The output-size arithmetic for H and W with this layer's numbers,
   * e.g. "⌊(224 − 3 + 2·1) / 2⌋ + 1 = 112"; NULL without a window. */
  const char *arithmetic[2];

  int64_t     params;    /* learned parameters */
  int64_t     macs;      /* multiply-accumulates for one run */
  /* Input pixels one output pixel sees (H, W), and the distance in input
   * pixels between neighbouring outputs (the accumulated stride). */
  int64_t     receptive_field[2];
  int64_t     jump[2];
} CsLayerInfo;

size_t             cs_model_n_layers (const CsModel *model);
const CsLayerInfo *cs_model_layer    (const CsModel *model, size_t index);
/* Index of the layer called @name, or -1. */
int                cs_model_find_layer (const CsModel *model, const char *name);
int64_t            cs_model_total_params (const CsModel *model);
int64_t            cs_model_total_macs   (const CsModel *model);

/* The output-size rule in one place, for the model description, the
 * kernels and the teaching text alike: the size of one spatial axis after
 * a window of @kernel taps dilated by @dilation, moved by @stride over
 * @in samples padded by @pad_begin and @pad_end. */
int64_t cs_window_output_size (int64_t  in,
                               int      kernel,
                               int      stride,
                               int      dilation,
                               int      pad_begin,
                               int      pad_end,
                               gboolean ceil_mode);

/* ---- Running ---- */

typedef struct
{
  /* Keep every layer's output. */
  gboolean           tap_all;
  /* Or keep these layers' outputs; NULL-terminated, may be NULL. */
  const char *const *taps;
} CsRunOptions;

typedef struct
{
  size_t    n_outputs;
  CsTensor *outputs;     /* in the model's output order */
  size_t    n_taps;
  CsTensor *taps;        /* in layer order; name is the layer's name */
} CsResult;

void cs_result_free (CsResult *result);

/* A session owns what running needs: a thread pool and the activation
 * memory.  One session runs one thing at a time; use several sessions
 * to run a model concurrently.  The model must outlive the session. */
typedef struct _CsSession CsSession;

/* @n_threads 0 uses every core. */
CsSession *cs_session_new  (const CsModel *model,
                            int            n_threads,
                            GError       **error);
void       cs_session_free (CsSession *session);

/* Runs the model on @inputs (in the model's input order, float32, shapes
 * as cs_model_input gives).  @options may be NULL.  On success *result
 * holds the outputs and the requested taps; free it with cs_result_free. */
gboolean   cs_session_run  (CsSession          *session,
                            const CsTensor     *inputs,
                            size_t              n_inputs,
                            const CsRunOptions *options,
                            CsResult          **result,
                            GError            **error);

/* ---- From an image to the input tensor (card.c, preprocess.c, labels.c) ----
 *
 * One path for every front end: a model card says how the network wants
 * its pixels; cs_resize_plan turns the card and the size of the source
 * image into the source rectangle to read and where it lands in the
 * tensor; the front end reads that rectangle from GEGL and resamples it
 * with cs_resample (both in core/pixels/cs-pixels.h) into R'G'B'A float
 * pixels; cs_preprocess_fill composites, converts and normalizes them
 * into the input tensor.  See docs/model-card.md for the card format and
 * every default. */

/* How a graph input was quantized in the file (TFLite): the float graph
 * takes real = (q − zero_point)·scale for the integers q in [qmin, qmax]. */
typedef struct
{
  float   scale;       /* 0 when the input is float in the file */
  int64_t zero_point;
  int64_t qmin, qmax;  /* the file's integer type: 0 … 255 for uint8 */
} CsQuantization;

/* Fills *@quant and returns TRUE when graph input @index was quantized in
 * the file; otherwise zeroes *@quant and returns FALSE. */
gboolean cs_model_input_quantization (const CsModel  *model,
                                      size_t          index,
                                      CsQuantization *quant);

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

typedef struct
{
  int    index;         /* class number */
  double probability;
} CsPrediction;

/* The @k most probable of the @n classes whose scores are @scores (read
 * through cs_card_probabilities) into @top, most probable first, NaN last,
 * the lower class first among equals.  Returns how many were written:
 * MIN (k, n).  @top has room for @k entries and belongs to the caller. */
int     cs_card_top_k         (const CsCard *card,
                               const float  *scores,
                               size_t        n,
                               int           k,
                               CsPrediction *top);

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
void        cs_labels_free     (CsLabels *labels);

/* ---- Feature maps as pictures ---- */

typedef enum
{
  CS_COLORMAP_GRAY,      /* black (low) to white (high) */
  CS_COLORMAP_VIRIDIS,   /* matplotlib's perceptually uniform dark blue → yellow */
  CS_COLORMAP_DIVERGING  /* blue (negative) → white (0) → red (positive) */
} CsColormap;

typedef enum
{
  CS_MAP_SCALE_CHANNEL,  /* each channel spans the whole colour map */
  CS_MAP_SCALE_LAYER     /* one range for all channels of the layer */
} CsMapScale;

typedef struct
{
  float min, max, mean;
} CsMapStats;

/* "gray", "viridis", "diverging" and back; from_name fails on others. */
const char *cs_colormap_name      (CsColormap  colormap);
gboolean    cs_colormap_from_name (const char *name,
                                   CsColormap *colormap);
/* The colour of @t in [0, 1] (clamped; NaN is the low end) as sRGB
 * bytes. */
void        cs_colormap_rgb       (CsColormap colormap,
                                   float      t,
                                   uint8_t    rgb[3]);

/* Minimum, maximum and mean of channel @channel of the 1×C×H×W float
 * tensor @maps, or of all its channels when @channel is -1; NaNs are
 * skipped (all-NaN gives zeros).  FALSE when @maps is not 1×C×H×W float
 * or @channel is out of range. */
gboolean cs_feature_map_stats (const CsTensor *maps,
                               int             channel,
                               CsMapStats     *stats);
/* The values that map to the ends of @colormap for @channel under
 * @scale: its own (CHANNEL) or the layer's (LAYER) minimum and maximum;
 * for CS_COLORMAP_DIVERGING ±the largest magnitude, so that 0 is white.
 * A constant channel gets a range that paints it as the map's low end
 * (for CS_COLORMAP_DIVERGING: as zero's colour). */
gboolean cs_feature_map_range (const CsTensor *maps,
                               int             channel,
                               CsMapScale      scale,
                               CsColormap      colormap,
                               float          *low,
                               float          *high);
/* Paints channel @channel of @maps (H×W) into @pixels (owned by the
 * caller): H rows @rowstride bytes apart of W pixels, @bytes_per_pixel 1
 * (gray; only with CS_COLORMAP_GRAY), 3 (RGB) or 4 (RGB and an opaque
 * alpha), @low..@high spread over the colour map. */
gboolean cs_feature_map_paint (const CsTensor *maps,
                               int             channel,
                               float           low,
                               float           high,
                               CsColormap      colormap,
                               uint8_t        *pixels,
                               size_t          rowstride,
                               int             bytes_per_pixel);

/* ---- Models on this machine ---- */

typedef enum
{
  CS_MODEL_ORIGIN_BUNDLED,    /* shipped with Convscope */
  CS_MODEL_ORIGIN_DOWNLOADED, /* in the user's models directory */
  CS_MODEL_ORIGIN_CHOSEN      /* elsewhere: the user's configured default */
} CsModelOrigin;

/* A model file and what its card says, read without loading the model.
 * All strings are owned by the entry; optional ones may be NULL. */
typedef struct
{
  char          *path;
  char          *name;       /* the card's name, else the file's name */
  CsModelOrigin  origin;
  CsFormat       format;     /* from the file name's extension */
  CsTask         task;       /* the card's, classification when unsaid */
  int            n_classes;  /* lines of its labels file (the card's, else
                              * labels.txt beside it) less the card's
                              * offset, 0 if unknown */
  char          *licence;
  char          *accuracy;
  char          *source;
} CsModelEntry;

void       cs_model_entry_free  (CsModelEntry *entry);
/* Where the user's downloaded models live: $XDG_DATA_HOME/convscope/models
 * (not created here).  The caller frees the string. */
char      *cs_models_user_dir   (void);
/* Where the bundled models live: $CONVSCOPE_WEIGHTS_DIR when set (the
 * build tree's tests use it), else Convscope's installed data directory.
 * The caller frees the string. */
char      *cs_models_bundled_dir (void);
/* Every .onnx and .tflite model in @bundled_dir (NULL:
 * cs_models_bundled_dir ()) and in the user's directory, bundled first,
 * then by name.  A missing directory is empty, not an error; a card that
 * cannot be read names its file in @error.  Files whose names start
 * with a dot (downloads in progress) are not models.  The array frees
 * its entries. */
GPtrArray *cs_models_list       (const char *bundled_dir,
                                 GError    **error);
/* The model to use when none is given: the user's chosen default
 * (cs_models_set_default), else a downloaded general photo classifier
 * (1000 or more classes), else any downloaded classifier, else the
 * first bundled one; among several, the largest file.  Models whose
 * card cannot be read are passed over here.  NULL with @error naming
 * where it looked when there is none.  Free with cs_model_entry_free. */
CsModelEntry *cs_models_default (const char *bundled_dir,
                                 GError    **error);
/* Records @path (NULL: forget the choice) as the user's default in
 * $XDG_CONFIG_HOME/convscope/convscope.ini. */
gboolean   cs_models_set_default (const char *path,
                                  GError    **error);
/* When @chosen is bundled and nothing else is available, the plain
 * sentence telling the user what the bundled model knows and how to
 * get a general photo classifier, returned only the first time ever
 * (remembered in $XDG_CONFIG_HOME/convscope); else NULL.  The caller
 * frees the string. */
char      *cs_models_note_once  (const CsModelEntry *chosen);

/* ---- The catalogue of models to fetch (models.c; docs/models.md) ----
 *
 * catalogue.ini, installed beside the bundled models, lists public
 * pretrained models by name with the checksums of their files.  Fetching
 * them needs HTTP and lives in core/fetch/ (cs-fetch.h). */

typedef struct
{
  char    *name;          /* the catalogue's name: "mobilenet-v2" */
  char    *title;         /* for people: "MobileNet v2 1.0 224 (quantized)" */
  CsTask   task;
  CsFormat format;
  int      width, height; /* the input's */
  char    *url;
  char    *file_name;     /* the last part of @url: the name on disk */
  char    *sha256;        /* 64 lowercase hex digits */
  gint64   size;          /* bytes */
  /* The labels file, or all NULL and 0 when there is none. */
  char    *labels_url;
  char    *labels_file_name;
  char    *labels_sha256;
  gint64   labels_size;
  int      label_offset;
  char    *licence;
  char    *source;
  char    *accuracy;      /* optional, may be NULL */
  char    *card;          /* the model card written beside the download */
} CsCatalogueEntry;

void       cs_catalogue_entry_free (CsCatalogueEntry *entry);
/* @bundled_dir/catalogue.ini (NULL: cs_models_bundled_dir ()).  The
 * caller frees the string. */
char      *cs_catalogue_path       (const char *bundled_dir);
/* The entries of the catalogue file @path, in the file's order; fails
 * with @error naming the file and the entry on anything malformed.  The
 * array frees its entries. */
GPtrArray *cs_catalogue_load       (const char *path,
                                    GError    **error);
/* The entry called @name in @catalogue (owned by it), or NULL. */
const CsCatalogueEntry *cs_catalogue_find (GPtrArray  *catalogue,
                                           const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsModel, cs_model_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsSession, cs_session_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsResult, cs_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsCard, cs_card_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsLabels, cs_labels_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsModelEntry, cs_model_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsCatalogueEntry, cs_catalogue_entry_free)

G_END_DECLS

#endif /* CONVSCOPE_H */
