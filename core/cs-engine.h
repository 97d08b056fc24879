/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cs-engine.h — the inference engine: errors, tensors, loading an ONNX
 * or TensorFlow Lite model, the network described layer by layer the way
 * a person reads it (shapes, kernels, the output-size arithmetic,
 * parameters, multiply-accumulates, receptive field), and sessions that
 * run it on float32 tensors while keeping the output of any layer
 * ("taps").  Everything that can fail reports a GError in the CS_ERROR
 * domain whose message names the file, node and op involved; nothing
 * here aborts on bad input.
 *
 * Ownership: every object returned by a *_new or *_load function belongs
 * to the caller and is released with the matching *_free.  Structures
 * handed out by cs_model_* accessors belong to the model.
 */
#ifndef CS_ENGINE_H
#define CS_ENGINE_H

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
  CS_DTYPE_INT64   /* shape arithmetic, folded at load; ArgMax and ArgMin
                    * indices, computed */
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

/* The number of elements; −1 for a shape no tensor can have (a negative
 * dimension or a count past int64). */
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
  /* Runs a quantized TFLite model's convolutions in float, rounding
   * their outputs to the grid, rather than in 8-bit integers as TFLite
   * does: for checking the one against the other. */
  gboolean        quantized_in_float;
  /* Holds every activation as floats, also where two layers of a
   * quantized model could pass it on as the bytes of its grid, as a
   * session otherwise does: for checking the one against the other,
   * which give the same values. */
  gboolean        activations_in_float;
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
   * pixels between neighbouring outputs (the accumulated stride), rounded
   * to whole pixels: at least 1, also after upsampling brings outputs
   * closer than that. */
  int64_t     receptive_field[2];
  int64_t     jump[2];

  /* ConvTranspose (has_window too): each input pixel spreads the kernel
   * over the output, stride pixels apart; the arithmetic is
   * "(7 − 1)·2 − 2·1 + 1·(3 − 1) + 1 = 15". */
  gboolean    transposed;
  /* Resize and Upsample: output samples per input sample along H and W,
   * the input samples each output reads, and the arithmetic per axis,
   * e.g. "⌊65 × 2⌋ = 130". */
  gboolean    resampled;
  double      scale[2];
  int         taps[2];
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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsModel, cs_model_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsSession, cs_session_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsResult, cs_result_free)

G_END_DECLS

#endif /* CS_ENGINE_H */
