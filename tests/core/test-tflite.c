/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-tflite.c — the TensorFlow Lite importer.  Small float and
 * quantized models are written here with a minimal flatbuffer writer and
 * their outputs checked against reference arithmetic done in TFLite's own
 * NHWC layout, which catches any slip in the translation to NCHW.  The
 * classifiers in ../shared/models (found through CONVSCOPE_SHARED) must
 * load with the right layer table, carry their labels and run; mangled
 * files (truncated, bit-flipped, patched) must fail cleanly or load, but
 * never read out of bounds.
 */
#include "convscope.h"
#include "model.h"
#include "tflite/flatbuf.h"
#include "tflite/tflite.h"
#include "tflite/tflite-quant.h"
#include "tflite-reference.h"

#include <math.h>
#include <string.h>
#include <zlib.h>

/* TensorType and BuiltinOperator values used here. */
enum { T_FLOAT32 = 0, T_INT32 = 2, T_UINT8 = 3, T_INT8 = 9 };
enum
{
  OP_ADD = 0, OP_AVERAGE_POOL_2D = 1, OP_CONCATENATION = 2, OP_CONV_2D = 3,
  OP_DEPTHWISE_CONV_2D = 4, OP_DEQUANTIZE = 6, OP_FULLY_CONNECTED = 9,
  OP_LOGISTIC = 14, OP_MAX_POOL_2D = 17, OP_MUL = 18, OP_RELU6 = 21, OP_RESHAPE = 22,
  OP_RESIZE_BILINEAR = 23, OP_SOFTMAX = 25, OP_PAD = 34, OP_MEAN = 40, OP_QUANTIZE = 114,
  OP_HARD_SWISH = 117, OP_FLOOR = 8, OP_SIN = 66, OP_ARG_MAX = 56, OP_TRANSPOSE_CONV = 67,
  OP_RESIZE_NEAREST_NEIGHBOR = 97,
};
/* BuiltinOptions members. */
enum
{
  O_NONE = 0, O_CONV = 1, O_DEPTHWISE = 2, O_POOL = 5, O_FULLY_CONNECTED = 8,
  O_SOFTMAX = 9, O_CONCATENATION = 10, O_ADD = 11, O_RESIZE_BILINEAR = 15, O_MUL = 21,
  O_REDUCER = 27, O_ARG_MAX = 40, O_TRANSPOSE_CONV = 49, O_RESIZE_NEAREST_NEIGHBOR = 74,
};

/* ---- A minimal flatbuffer writer ----
 *
 * Objects are written front to back, each parent before its children, so
 * every offset points forward as FlatBuffers requires; a parent's offset
 * slot is patched when its child is written.  Every table field takes
 * four bytes. */

typedef enum { F_ABSENT, F_BYTE, F_INT, F_FLOAT, F_CHILD } FieldKind;

typedef struct
{
  FieldKind kind;
  gint32    value;
  float     real;
} Field;

#define BYTE(v)  { F_BYTE, (v), 0.0f }
#define INT(v)   { F_INT, (v), 0.0f }
#define FLOAT(v) { F_FLOAT, 0, (v) }
#define CHILD    { F_CHILD, 0, 0.0f }
#define ABSENT   { F_ABSENT, 0, 0.0f }

static void
put_u32_at (GByteArray *out, gsize pos, guint32 value)
{
  for (int i = 0; i < 4; i++)
    out->data[pos + i] = (guint8) (value >> (8 * i));
}

static void
put_le (GByteArray *out, guint64 value, int width)
{
  for (int i = 0; i < width; i++)
    {
      guint8 byte = (guint8) (value >> (8 * i));

      g_byte_array_append (out, &byte, 1);
    }
}

/* Points the offset at @slot to the end of @out, where the child goes. */
static void
link_here (GByteArray *out, gsize slot)
{
  put_u32_at (out, slot, (guint32) (out->len - slot));
}

/* Writes a vtable and its table, linking @slot (if non-zero) to the
 * table; slots[i] receives the position of field i. */
static void
put_table (GByteArray *out, gsize slot, const Field *fields, int n, gsize *slots)
{
  gsize vtable = out->len, table;

  put_le (out, 4 + 2 * n, 2);
  put_le (out, 4 + 4 * n, 2);
  for (int i = 0; i < n; i++)
    put_le (out, fields[i].kind == F_ABSENT ? 0 : 4 + 4 * i, 2);
  table = out->len;
  if (slot != 0)
    put_u32_at (out, slot, (guint32) (table - slot));
  put_le (out, table - vtable, 4);
  for (int i = 0; i < n; i++)
    {
      guint32 bits;

      if (slots != NULL)
        slots[i] = out->len;
      if (fields[i].kind == F_FLOAT)
        memcpy (&bits, &fields[i].real, 4);
      else
        bits = fields[i].kind == F_BYTE ? (guint8) fields[i].value : (guint32) fields[i].value;
      put_le (out, fields[i].kind == F_CHILD ? 0 : bits, 4);
    }
}

static void
put_vector (GByteArray *out, gsize slot, const void *data, guint32 n, int width)
{
  link_here (out, slot);
  put_le (out, n, 4);
  for (guint32 i = 0; i < n; i++)
    {
      guint64 value = 0;

      memcpy (&value, (const guint8 *) data + (gsize) i * width, width);
      put_le (out, value, width);
    }
}

/* A vector of @n table offsets; returns the slot of element 0. */
static gsize
put_table_vector (GByteArray *out, gsize slot, guint32 n)
{
  gsize first;

  link_here (out, slot);
  put_le (out, n, 4);
  first = out->len;
  for (guint32 i = 0; i < n; i++)
    put_le (out, 0, 4);
  return first;
}

/* ---- Model descriptions ---- */

typedef struct
{
  const char  *name;
  int          type;
  int          rank;
  gint32       dims[4];
  const void  *data;        /* constant bytes, or NULL */
  gsize        size;
  float        scale;       /* 0: not quantized */
  gint64       zero_point;
  /* Per-channel quantization instead, zero points 0. */
  int          n_channel_scales;
  const float *channel_scales;
  int          quantized_dimension;
} SpecTensor;

typedef struct
{
  int    code;
  int    n_inputs;
  gint32 inputs[4];
  gint32 output;
  guint8 options_type;
  int    n_options;
  Field  options[8];
} SpecOp;

typedef struct
{
  int               n_tensors;
  const SpecTensor *tensors;
  int               n_ops;
  const SpecOp     *ops;
  gint32            input;
  gint32            output;
} Spec;

static void
put_tensor (GByteArray *out, gsize slot, const SpecTensor *t, int buffer)
{
  Field fields[5] = { CHILD, BYTE (t->type), INT (buffer), CHILD, ABSENT };
  gsize slots[5];

  if (t->scale != 0.0f || t->n_channel_scales > 0)
    fields[4] = (Field) CHILD;
  put_table (out, slot, fields, 5, slots);
  put_vector (out, slots[0], t->dims, t->rank, 4);
  put_vector (out, slots[3], t->name, strlen (t->name), 1);
  if (t->scale != 0.0f)
    {
      Field quant[4] = { ABSENT, ABSENT, CHILD, CHILD };
      gsize quant_slots[4];

      put_table (out, slots[4], quant, 4, quant_slots);
      put_vector (out, quant_slots[2], &t->scale, 1, 4);
      put_vector (out, quant_slots[3], &t->zero_point, 1, 8);
    }
  else if (t->n_channel_scales > 0)
    {
      Field quant[7] = { ABSENT, ABSENT, CHILD, ABSENT, ABSENT, ABSENT,
                         INT (t->quantized_dimension) };
      gsize quant_slots[7];

      put_table (out, slots[4], quant, 7, quant_slots);
      put_vector (out, quant_slots[2], t->channel_scales, t->n_channel_scales, 4);
    }
}

/* Constant tensors get buffers 1, 2, … in order; buffer 0 is the empty
 * one, and nothing is written that a reader does not need. */
static GBytes *
write_model (const Spec *spec)
{
  GByteArray *out = g_byte_array_new ();
  Field model[5] = { INT (3), CHILD, CHILD, ABSENT, CHILD };
  Field subgraph[4] = { CHILD, CHILD, CHILD, CHILD };
  gsize model_slots[5], subgraph_slots[4], first;
  int n_buffers = 0, buffer = 0;

  put_le (out, 0, 4);
  g_byte_array_append (out, (const guint8 *) "TFL3", 4);
  put_table (out, 0, model, 5, model_slots);
  put_u32_at (out, 0, (guint32) (model_slots[0] - 4));

  first = put_table_vector (out, model_slots[1], spec->n_ops);
  for (int i = 0; i < spec->n_ops; i++)
    {
      Field code[4] = { BYTE (MIN (spec->ops[i].code, 127)), ABSENT, INT (1),
                        INT (spec->ops[i].code) };

      put_table (out, first + 4 * i, code, 4, NULL);
    }

  first = put_table_vector (out, model_slots[2], 1);
  put_table (out, first, subgraph, 4, subgraph_slots);
  first = put_table_vector (out, subgraph_slots[0], spec->n_tensors);
  for (int i = 0; i < spec->n_tensors; i++)
    if (spec->tensors[i].data != NULL)
      put_tensor (out, first + 4 * i, &spec->tensors[i], ++n_buffers);
    else
      put_tensor (out, first + 4 * i, &spec->tensors[i], 0);
  put_vector (out, subgraph_slots[1], &spec->input, 1, 4);
  put_vector (out, subgraph_slots[2], &spec->output, 1, 4);
  first = put_table_vector (out, subgraph_slots[3], spec->n_ops);
  for (int i = 0; i < spec->n_ops; i++)
    {
      const SpecOp *op = &spec->ops[i];
      Field fields[5] = { INT (i), CHILD, CHILD, BYTE (op->options_type),
                          op->n_options > 0 ? (Field) CHILD : (Field) ABSENT };
      gsize slots[5];

      put_table (out, first + 4 * i, fields, 5, slots);
      put_vector (out, slots[1], op->inputs, op->n_inputs, 4);
      put_vector (out, slots[2], &op->output, 1, 4);
      if (op->n_options > 0)
        put_table (out, slots[4], op->options, op->n_options, NULL);
    }

  first = put_table_vector (out, model_slots[4], n_buffers + 1);
  put_table (out, first, (Field[]) { ABSENT }, 1, NULL);
  for (int i = 0; i < spec->n_tensors; i++)
    {
      const SpecTensor *t = &spec->tensors[i];
      gsize slot;

      if (t->data == NULL)
        continue;
      put_table (out, first + 4 * ++buffer, (Field[]) { CHILD }, 1, &slot);
      put_vector (out, slot, t->data, t->size, 1);
    }
  return g_byte_array_free_to_bytes (out);
}

/* ---- Running ---- */

static int64_t
dims_numel (const gint32 *dims, int rank)
{
  int64_t n = 1;

  for (int i = 0; i < rank; i++)
    n *= dims[i];
  return n;
}

/* NHWC ↔ NCHW for [1, H, W, C] data. */
static void
nhwc_to_nchw (const float *src, int h, int w, int c, float *dst)
{
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < c; k++)
        dst[((gsize) k * h + y) * w + x] = src[((gsize) y * w + x) * c + k];
}

static void
nchw_to_nhwc (const float *src, int h, int w, int c, float *dst)
{
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < c; k++)
        dst[((gsize) y * w + x) * c + k] = src[((gsize) k * h + y) * w + x];
}

/* Loads @model, checks that its input and output have the graph shapes
 * of the spec's tensors (NCHW for 4-D ones), runs it on @input given in
 * the file's layout and returns the output in the file's layout. */
static float *
run_model_with (GBytes *model, const Spec *spec, const float *input, const CsLoadOptions *options)
{
  const SpecTensor *in = &spec->tensors[spec->input], *out = &spec->tensors[spec->output];
  g_autoptr (GError) error = NULL;
  CsModel *loaded;
  CsSession *session;
  CsResult *result = NULL;
  CsTensor tensor = { 0 };
  int64_t in_n = dims_numel (in->dims, in->rank), out_n = dims_numel (out->dims, out->rank);
  g_autofree float *graph_input = g_new (float, in_n);
  float *output = g_new (float, out_n);

  loaded = cs_model_load_memory (g_bytes_get_data (model, NULL), g_bytes_get_size (model),
                                 "spec.tflite", options, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_model_format (loaded), ==, CS_FORMAT_TFLITE);
  g_assert_cmpuint (cs_model_n_inputs (loaded), ==, 1);
  g_assert_cmpuint (cs_model_n_outputs (loaded), ==, 1);
  tensor = *cs_model_input (loaded, 0);
  g_assert_cmpstr (tensor.name, ==, in->name);
  g_assert_cmpint (tensor.shape.rank, ==, in->rank);
  if (in->rank == 4)
    {
      const int64_t want[4] = { in->dims[0], in->dims[3], in->dims[1], in->dims[2] };

      for (int i = 0; i < 4; i++)
        g_assert_cmpint (tensor.shape.dims[i], ==, want[i]);
      nhwc_to_nchw (input, in->dims[1], in->dims[2], in->dims[3], graph_input);
    }
  else
    memcpy (graph_input, input, sizeof (float) * in_n);
  tensor.data = graph_input;

  session = cs_session_new (loaded, 1, &error);
  g_assert_no_error (error);
  cs_session_run (session, &tensor, 1, NULL, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->outputs[0].name, ==, out->name);
  g_assert_cmpint (result->outputs[0].shape.rank, ==, out->rank);
  g_assert_cmpint (cs_shape_numel (&result->outputs[0].shape), ==, out_n);
  if (out->rank == 4)
    {
      g_assert_cmpint (result->outputs[0].shape.dims[1], ==, out->dims[3]);
      nchw_to_nhwc (result->outputs[0].data, out->dims[1], out->dims[2], out->dims[3], output);
    }
  else
    {
      for (int i = 0; i < out->rank; i++)
        g_assert_cmpint (result->outputs[0].shape.dims[i], ==, out->dims[i]);
      memcpy (output, result->outputs[0].data, sizeof (float) * out_n);
    }
  cs_result_free (result);
  cs_session_free (session);
  cs_model_free (loaded);
  return output;
}

static float *
run_model (GBytes *model, const Spec *spec, const float *input)
{
  return run_model_with (model, spec, input, NULL);
}

static void
assert_close (const float *got, const float *want, int64_t n, float tolerance)
{
  for (int64_t i = 0; i < n; i++)
    if (!(fabsf (got[i] - want[i]) <= tolerance * (1.0f + fabsf (want[i]))))
      g_error ("element %" G_GINT64_FORMAT ": got %g, expected %g", i, got[i], want[i]);
}

/* Deterministic test data in [−1, 1). */
static float *
pattern (int64_t n, guint32 seed)
{
  float *data = g_new (float, n);
  GRand *rand = g_rand_new_with_seed (seed);

  for (int64_t i = 0; i < n; i++)
    data[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  g_rand_free (rand);
  return data;
}

/* Writes, runs and compares one spec against @want (file layout). */
static void
check_spec (const Spec *spec, const float *input, const float *want, float tolerance)
{
  const SpecTensor *out = &spec->tensors[spec->output];
  g_autoptr (GBytes) model = write_model (spec);
  g_autofree float *got = run_model (model, spec, input);

  assert_close (got, want, dims_numel (out->dims, out->rank), tolerance);
}

/* ---- Reference arithmetic, NHWC as TFLite computes it ---- */

typedef struct
{
  int  h, w, c;          /* input */
  int  kh, kw, out_c;    /* kernel; out_c output channels */
  int  multiplier;       /* depthwise: channels per input channel; 0 for conv */
  int  stride, dilation;
  gboolean same;
  float act_min, act_max;
} ConvGeometry;

static int
out_size (int in, int k, int stride, int dilation, gboolean same)
{
  int effective = (k - 1) * dilation + 1;

  return same ? (in + stride - 1) / stride : (in - effective) / stride + 1;
}

static int
pad_before (int in, int out, int k, int stride, int dilation, gboolean same)
{
  int total = (out - 1) * stride + (k - 1) * dilation + 1 - in;

  return same && total > 0 ? total / 2 : 0;
}

/* Conv weights are O×kH×kW×I; depthwise 1×kH×kW×(C·multiplier). */
static void
ref_conv (const ConvGeometry *g, const float *x, const float *w, const float *b, float *y)
{
  int oh = out_size (g->h, g->kh, g->stride, g->dilation, g->same);
  int ow = out_size (g->w, g->kw, g->stride, g->dilation, g->same);
  int top = pad_before (g->h, oh, g->kh, g->stride, g->dilation, g->same);
  int left = pad_before (g->w, ow, g->kw, g->stride, g->dilation, g->same);

  for (int oy = 0; oy < oh; oy++)
    for (int ox = 0; ox < ow; ox++)
      for (int o = 0; o < g->out_c; o++)
        {
          double sum = b[o];

          for (int ky = 0; ky < g->kh; ky++)
            for (int kx = 0; kx < g->kw; kx++)
              {
                int iy = oy * g->stride - top + ky * g->dilation;
                int ix = ox * g->stride - left + kx * g->dilation;

                if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w)
                  continue;
                if (g->multiplier > 0)
                  sum += x[(iy * g->w + ix) * g->c + o / g->multiplier]
                         * w[(ky * g->kw + kx) * g->out_c + o];
                else
                  for (int i = 0; i < g->c; i++)
                    sum += x[(iy * g->w + ix) * g->c + i]
                           * w[((o * g->kh + ky) * g->kw + kx) * g->c + i];
              }
          y[(oy * ow + ox) * g->out_c + o] = fminf (fmaxf ((float) sum, g->act_min), g->act_max);
        }
}

/* ---- Synthetic models, op by op ---- */

static void
check_conv (const ConvGeometry *g, int activation, guint32 seed)
{
  gboolean depthwise = g->multiplier > 0;
  int oh = out_size (g->h, g->kh, g->stride, g->dilation, g->same);
  int ow = out_size (g->w, g->kw, g->stride, g->dilation, g->same);
  int64_t n_in = (int64_t) g->h * g->w * g->c;
  int64_t n_w = (int64_t) g->kh * g->kw * g->out_c * (depthwise ? 1 : g->c);
  g_autofree float *x = pattern (n_in, seed);
  g_autofree float *w = pattern (n_w, seed + 1);
  g_autofree float *b = pattern (g->out_c, seed + 2);
  g_autofree float *want = g_new (float, (gsize) oh * ow * g->out_c);
  SpecTensor tensors[4] = {
    { "image", T_FLOAT32, 4, { 1, g->h, g->w, g->c } },
    { "weights", T_FLOAT32, 4, { depthwise ? 1 : g->out_c, g->kh, g->kw,
                                 depthwise ? g->out_c : g->c },
      w, sizeof (float) * n_w },
    { "bias", T_FLOAT32, 1, { g->out_c }, b, sizeof (float) * g->out_c },
    { "features", T_FLOAT32, 4, { 1, oh, ow, g->out_c } },
  };
  SpecOp op = { depthwise ? OP_DEPTHWISE_CONV_2D : OP_CONV_2D, 3, { 0, 1, 2 }, 3,
                depthwise ? O_DEPTHWISE : O_CONV, depthwise ? 7 : 6 };
  Spec spec = { 4, tensors, 1, &op, 0, 3 };

  if (depthwise)
    memcpy (op.options, (Field[]) { BYTE (g->same ? 0 : 1), INT (g->stride), INT (g->stride),
                                    INT (g->multiplier), BYTE (activation),
                                    INT (g->dilation), INT (g->dilation) },
            sizeof (Field) * 7);
  else
    memcpy (op.options, (Field[]) { BYTE (g->same ? 0 : 1), INT (g->stride), INT (g->stride),
                                    BYTE (activation), INT (g->dilation), INT (g->dilation) },
            sizeof (Field) * 6);
  ref_conv (g, x, w, b, want);
  check_spec (&spec, x, want, 1e-5f);
}

/* SAME with an odd total padding: TFLite puts the extra pixel at the
 * bottom/right (here W: 6 → 3 needs 1 column, all on the right). */
static void
test_conv_same_stride (void)
{
  ConvGeometry g = { 5, 6, 3, 3, 3, 4, 0, 2, 1, TRUE, 0.0f, INFINITY };

  check_conv (&g, 1 /* RELU */, 10);
}

static void
test_conv_valid_dilated (void)
{
  ConvGeometry g = { 7, 8, 2, 3, 3, 3, 0, 1, 2, FALSE, 0.0f, 6.0f };

  check_conv (&g, 3 /* RELU6 */, 20);
}

static void
test_depthwise_multiplier (void)
{
  ConvGeometry g = { 4, 5, 3, 3, 3, 6, 2, 1, 1, TRUE, -INFINITY, INFINITY };

  check_conv (&g, 0, 30);
}

/* FULLY_CONNECTED flattens a 4-D input in NHWC order. */
static void
test_fully_connected_flatten (void)
{
  g_autofree float *x = pattern (24, 40);
  g_autofree float *w = pattern (5 * 24, 41);
  g_autofree float *b = pattern (5, 42);
  float want[5];
  SpecTensor tensors[4] = {
    { "image", T_FLOAT32, 4, { 1, 2, 3, 4 } },
    { "weights", T_FLOAT32, 2, { 5, 24 }, w, sizeof (float) * 5 * 24 },
    { "bias", T_FLOAT32, 1, { 5 }, b, sizeof (float) * 5 },
    { "logits", T_FLOAT32, 2, { 1, 5 } },
  };
  SpecOp op = { OP_FULLY_CONNECTED, 3, { 0, 1, 2 }, 3, O_FULLY_CONNECTED, 1, { BYTE (0) } };
  Spec spec = { 4, tensors, 1, &op, 0, 3 };

  for (int o = 0; o < 5; o++)
    {
      want[o] = b[o];
      for (int i = 0; i < 24; i++)
        want[o] += w[o * 24 + i] * x[i];
    }
  check_spec (&spec, x, want, 1e-5f);
}

/* MEAN over H alone leaves [N, W, C], which NCHW would order differently. */
static void
test_mean_partial (void)
{
  g_autofree float *x = pattern (24, 50);
  const gint32 axes[1] = { 1 };
  float want[12];
  SpecTensor tensors[3] = {
    { "image", T_FLOAT32, 4, { 1, 2, 3, 4 } },
    { "axes", T_INT32, 1, { 1 }, axes, sizeof axes },
    { "mean", T_FLOAT32, 3, { 1, 3, 4 } },
  };
  SpecOp op = { OP_MEAN, 2, { 0, 1 }, 2, O_REDUCER, 1, { BYTE (0) } };
  Spec spec = { 3, tensors, 1, &op, 0, 2 };

  for (int i = 0; i < 12; i++)
    want[i] = (x[i] + x[12 + i]) / 2.0f;
  check_spec (&spec, x, want, 1e-6f);
}

static void
test_mean_spatial_keep_dims (void)
{
  g_autofree float *x = pattern (24, 51);
  const gint32 axes[2] = { 1, 2 };
  float want[4] = { 0 };
  SpecTensor tensors[3] = {
    { "image", T_FLOAT32, 4, { 1, 2, 3, 4 } },
    { "axes", T_INT32, 1, { 2 }, axes, sizeof axes },
    { "mean", T_FLOAT32, 4, { 1, 1, 1, 4 } },
  };
  SpecOp op = { OP_MEAN, 2, { 0, 1 }, 2, O_REDUCER, 1, { BYTE (1) } };
  Spec spec = { 3, tensors, 1, &op, 0, 2 };

  for (int i = 0; i < 24; i++)
    want[i % 4] += x[i] / 6.0f;
  check_spec (&spec, x, want, 1e-6f);
}

static void
test_pad (void)
{
  g_autofree float *x = pattern (24, 60);
  const gint32 paddings[8] = { 0, 0, 1, 0, 0, 2, 0, 0 };
  float want[1 * 3 * 5 * 4] = { 0 };
  SpecTensor tensors[3] = {
    { "image", T_FLOAT32, 4, { 1, 2, 3, 4 } },
    { "paddings", T_INT32, 2, { 4, 2 }, paddings, sizeof paddings },
    { "padded", T_FLOAT32, 4, { 1, 3, 5, 4 } },
  };
  SpecOp op = { OP_PAD, 2, { 0, 1 }, 2, O_NONE };
  Spec spec = { 3, tensors, 1, &op, 0, 2 };

  for (int y = 0; y < 2; y++)
    for (int xx = 0; xx < 3; xx++)
      for (int c = 0; c < 4; c++)
        want[((y + 1) * 5 + xx) * 4 + c] = x[(y * 3 + xx) * 4 + c];
  check_spec (&spec, x, want, 0.0f);
}

/* Concatenating channels (axis −1), one input a 4-D constant. */
static void
test_concatenation (void)
{
  g_autofree float *x = pattern (12, 70);
  g_autofree float *k = pattern (4, 71);
  float want[16];
  SpecTensor tensors[3] = {
    { "image", T_FLOAT32, 4, { 1, 2, 2, 3 } },
    { "extra", T_FLOAT32, 4, { 1, 2, 2, 1 }, k, sizeof (float) * 4 },
    { "joined", T_FLOAT32, 4, { 1, 2, 2, 4 } },
  };
  SpecOp op = { OP_CONCATENATION, 2, { 0, 1 }, 2, O_CONCATENATION, 2, { INT (-1), BYTE (0) } };
  Spec spec = { 3, tensors, 1, &op, 0, 2 };

  for (int p = 0; p < 4; p++)
    {
      memcpy (want + p * 4, x + p * 3, sizeof (float) * 3);
      want[p * 4 + 3] = k[p];
    }
  check_spec (&spec, x, want, 0.0f);
}

/* Reshapes keep the NHWC element order, into and out of 4-D. */
static void
test_reshape_round_trip (void)
{
  g_autofree float *x = pattern (24, 80);
  const gint32 to_3d[3] = { 1, 6, 4 }, to_4d[4] = { 1, 3, 2, 4 };
  SpecTensor tensors[5] = {
    { "image", T_FLOAT32, 4, { 1, 2, 3, 4 } },
    { "shape3", T_INT32, 1, { 3 }, to_3d, sizeof to_3d },
    { "rows", T_FLOAT32, 3, { 1, 6, 4 } },
    { "shape4", T_INT32, 1, { 4 }, to_4d, sizeof to_4d },
    { "image2", T_FLOAT32, 4, { 1, 3, 2, 4 } },
  };
  SpecOp ops[2] = {
    { OP_RESHAPE, 2, { 0, 1 }, 2, O_NONE },
    { OP_RESHAPE, 2, { 2, 3 }, 4, O_NONE },
  };
  Spec spec = { 5, tensors, 2, ops, 0, 4 };

  check_spec (&spec, x, x, 0.0f);
}

/* A per-channel constant broadcasts along C, with a fused RELU. */
static void
test_add_broadcast (void)
{
  g_autofree float *x = pattern (24, 90);
  g_autofree float *k = pattern (4, 91);
  float want[24];
  SpecTensor tensors[3] = {
    { "image", T_FLOAT32, 4, { 1, 2, 3, 4 } },
    { "offset", T_FLOAT32, 1, { 4 }, k, sizeof (float) * 4 },
    { "sum", T_FLOAT32, 4, { 1, 2, 3, 4 } },
  };
  SpecOp op = { OP_ADD, 2, { 0, 1 }, 2, O_ADD, 1, { BYTE (1) } };
  Spec spec = { 3, tensors, 1, &op, 0, 2 };

  for (int i = 0; i < 24; i++)
    want[i] = fmaxf (x[i] + k[i % 4], 0.0f);
  check_spec (&spec, x, want, 1e-6f);
}

static void
test_softmax_beta (void)
{
  g_autofree float *x = pattern (12, 100);
  float want[12];
  SpecTensor tensors[2] = {
    { "image", T_FLOAT32, 4, { 1, 2, 2, 3 } },
    { "probabilities", T_FLOAT32, 4, { 1, 2, 2, 3 } },
  };
  SpecOp op = { OP_SOFTMAX, 1, { 0 }, 1, O_SOFTMAX, 1, { FLOAT (0.5f) } };
  Spec spec = { 2, tensors, 1, &op, 0, 1 };

  for (int p = 0; p < 4; p++)
    {
      double sum = 0.0;

      for (int c = 0; c < 3; c++)
        sum += exp (0.5 * x[p * 3 + c]);
      for (int c = 0; c < 3; c++)
        want[p * 3 + c] = (float) (exp (0.5 * x[p * 3 + c]) / sum);
    }
  check_spec (&spec, x, want, 1e-5f);
}

/* SAME average pooling divides by the pixels inside the image only. */
static void
test_average_pool_same (void)
{
  g_autofree float *x = pattern (50, 110);
  float want[18];
  SpecTensor tensors[2] = {
    { "image", T_FLOAT32, 4, { 1, 5, 5, 2 } },
    { "pooled", T_FLOAT32, 4, { 1, 3, 3, 2 } },
  };
  SpecOp op = { OP_AVERAGE_POOL_2D, 1, { 0 }, 1, O_POOL, 6,
                { BYTE (0), INT (2), INT (2), INT (3), INT (3), BYTE (0) } };
  Spec spec = { 2, tensors, 1, &op, 0, 1 };

  /* 5 → 3 with stride 2 and a 3-wide window pads one pixel each side. */
  for (int oy = 0; oy < 3; oy++)
    for (int ox = 0; ox < 3; ox++)
      for (int c = 0; c < 2; c++)
        {
          float sum = 0.0f;
          int count = 0;

          for (int y = oy * 2 - 1; y <= oy * 2 + 1; y++)
            for (int xx = ox * 2 - 1; xx <= ox * 2 + 1; xx++)
              if (y >= 0 && y < 5 && xx >= 0 && xx < 5)
                sum += x[(y * 5 + xx) * 2 + c], count++;
          want[(oy * 3 + ox) * 2 + c] = sum / count;
        }
  check_spec (&spec, x, want, 1e-6f);
}

static void
test_max_pool_valid (void)
{
  g_autofree float *x = pattern (32, 120);
  float want[8];
  SpecTensor tensors[2] = {
    { "image", T_FLOAT32, 4, { 1, 4, 4, 2 } },
    { "pooled", T_FLOAT32, 4, { 1, 2, 2, 2 } },
  };
  SpecOp op = { OP_MAX_POOL_2D, 1, { 0 }, 1, O_POOL, 6,
                { BYTE (1), INT (2), INT (2), INT (2), INT (2), BYTE (0) } };
  Spec spec = { 2, tensors, 1, &op, 0, 1 };

  for (int oy = 0; oy < 2; oy++)
    for (int ox = 0; ox < 2; ox++)
      for (int c = 0; c < 2; c++)
        {
          float best = -INFINITY;

          for (int y = oy * 2; y < oy * 2 + 2; y++)
            for (int xx = ox * 2; xx < ox * 2 + 2; xx++)
              best = fmaxf (best, x[(y * 4 + xx) * 2 + c]);
          want[(oy * 2 + ox) * 2 + c] = best;
        }
  check_spec (&spec, x, want, 0.0f);
}

/* QUANTIZE then DEQUANTIZE rounds to the grid, half away from zero, and
 * saturates at the type's range. */
static void
test_quantize_round_trip (void)
{
  const float x[6] = { -2.0f, -0.96f, 0.04f, 0.16f, 3.33f, 30.0f };
  const float want[6] = { -1.0f, -1.0f, 0.0f, 0.2f, 3.3f, 24.5f };
  SpecTensor tensors[3] = {
    { "values", T_FLOAT32, 2, { 1, 6 } },
    { "quantized", T_UINT8, 2, { 1, 6 }, NULL, 0, 0.1f, 10 },
    { "restored", T_FLOAT32, 2, { 1, 6 } },
  };
  SpecOp ops[2] = {
    { OP_QUANTIZE, 1, { 0 }, 1, O_NONE },
    { OP_DEQUANTIZE, 1, { 1 }, 2, O_NONE },
  };
  Spec spec = { 3, tensors, 2, ops, 0, 2 };

  check_spec (&spec, x, want, 1e-6f);
}

/* Exact halves of the grid round away from zero, as TFLite's
 * TfLiteRound does, and NaN saturates to the type's lowest value. */
static void
test_quantize_ties (void)
{
  const float x[6] = { 0.25f, -0.25f, 0.75f, -0.75f, 1.25f, NAN };
  const float want[6] = { 0.5f, -0.5f, 1.0f, -1.0f, 1.5f, -5.0f };
  SpecTensor tensors[3] = {
    { "values", T_FLOAT32, 2, { 1, 6 } },
    { "quantized", T_UINT8, 2, { 1, 6 }, NULL, 0, 0.5f, 10 },
    { "restored", T_FLOAT32, 2, { 1, 6 } },
  };
  SpecOp ops[2] = {
    { OP_QUANTIZE, 1, { 0 }, 1, O_NONE },
    { OP_DEQUANTIZE, 1, { 1 }, 2, O_NONE },
  };
  Spec spec = { 3, tensors, 2, ops, 0, 2 };

  check_spec (&spec, x, want, 0.0f);
}

/* Long 8-bit runs dequantize through a table, short ones value by value;
 * both give TFLite's (q − zero_point)·scale, computed in double, for every
 * byte, uint8 and int8, per tensor and per channel. */
static void
test_dequantize_tables (void)
{
  enum { CHANNELS = 3, RUN = 1500 };
  static const int types[2] = { T_UINT8, T_INT8 };
  float scale[CHANNELS] = { 0.0137f, 3.0e-5f, 0.5f };
  int64_t zero_point[CHANNELS] = { 128, -7, 0 };
  g_autofree guint8 *raw = g_new (guint8, CHANNELS * RUN);
  g_autofree float *out = g_new (float, CHANNELS * RUN);

  for (int i = 0; i < CHANNELS * RUN; i++)
    raw[i] = (guint8) (i * 37 + i / 256);
  for (int t = 0; t < 2; t++)
    for (int per_channel = 0; per_channel < 2; per_channel++)
      {
        /* Per channel along the last axis: runs of one value each. */
        const CsShape shape = per_channel ? (CsShape) { 2, { RUN, CHANNELS } }
                                          : (CsShape) { 2, { CHANNELS, RUN } };
        const CsTfliteTensorQuant quant = { per_channel ? CHANNELS : 1, scale, zero_point, 1 };
        const char *reason = NULL;

        g_assert_true (cs_tflite_dequantize (raw, types[t], &shape, &quant, out, &reason));
        for (int i = 0; i < CHANNELS * RUN; i++)
          {
            const int c = per_channel ? i % CHANNELS : 0;
            const int q = types[t] == T_UINT8 ? raw[i] : (gint8) raw[i];

            g_assert_cmpfloat (out[i], ==, (float) ((double) (q - zero_point[c]) * scale[c]));
          }
      }
}

/* A scale that takes (q − zero point)·scale beyond float's range gives
 * infinities, not an undefined conversion (fuzz-tflite found it, under
 * UBSan, in a mutated model), in the table and the value-by-value loops. */
static void
test_dequantize_overflow (void)
{
  enum
  {
    RUN = 1500
  };
  float              scale[1] = { 3.0e38f };
  int64_t            zero_point[1] = { 7 };
  g_autofree guint8 *raw = g_new (guint8, RUN);
  g_autofree float  *out = g_new (float, RUN);

  for (int i = 0; i < RUN; i++)
    raw[i] = (guint8) i;
  for (int64_t n = 3; n <= RUN; n += RUN - 3)
    {
      const CsShape             shape = { 1, { n } };
      const CsTfliteTensorQuant quant = { 1, scale, zero_point, 1 };
      const char               *reason = NULL;

      g_assert_true (cs_tflite_dequantize (raw, T_UINT8, &shape, &quant, out, &reason));
      g_assert_cmpfloat (out[0], ==, -INFINITY);
      g_assert_cmpfloat (out[2], ==, -INFINITY);
      if (n > 8)
        {
          g_assert_cmpfloat (out[7], ==, 0.0f);
          g_assert_cmpfloat (out[8], ==, 3.0e38f);
          g_assert_cmpfloat (out[9], ==, INFINITY);
        }
    }
}

/* A uint8 conv: the graph input takes real values, and the output is
 * TFLite's: sums of the bytes' products in integers, requantized by a
 * fixed-point multiplier.  With quantized_in_float the weights and the
 * INT32 bias (scale input·weight, as the file leaves it out) are
 * dequantized and the float sum is rounded to the output's grid; the
 * first output is a tie, 7.5 on a grid of 0.2, where the two part: the
 * multiplier 0.5·0.25/0.2f is just below 0.625 and TFLite rounds 37.49…
 * down, the float quotient rounds to 37.5 and then up. */
static void
test_quantized_conv (void)
{
  const guint8 w_q[4] = { 100, 104, 96, 120 };   /* 0, 1, −1, 5 */
  const gint32 b_q[1] = { 8 };                   /* 8 · 0.5 · 0.25 = 1 */
  const float x[9] = { 0.5f, -1.0f, 2.0f, 0.0f, 1.5f, -0.5f, 3.0f, 1.0f, -2.0f };
  float want[4];
  SpecTensor tensors[4] = {
    { "pixels", T_UINT8, 4, { 1, 3, 3, 1 }, NULL, 0, 0.5f, 128 },
    { "weights", T_UINT8, 4, { 1, 2, 2, 1 }, w_q, sizeof w_q, 0.25f, 100 },
    { "bias", T_INT32, 1, { 1 }, b_q, sizeof b_q },
    { "features", T_UINT8, 4, { 1, 2, 2, 1 }, NULL, 0, 0.2f, 3 },
  };
  SpecOp op = { OP_CONV_2D, 3, { 0, 1, 2 }, 3, O_CONV, 4,
                { BYTE (1), INT (1), INT (1), BYTE (0) } };
  Spec spec = { 4, tensors, 1, &op, 0, 3 };
  g_autoptr (GBytes) model = write_model (&spec);
  g_autoptr (GError) error = NULL;
  g_autofree CsQuantization *input_quant = NULL;
  const CsLoadOptions in_float = { .quantized_in_float = TRUE };
  g_autofree float *got = NULL;
  float want_integer[4];
  int32_t multiplier;
  int shift;
  CsGraph *graph;

  tflite_quantize_multiplier ((double) 0.5f * (double) 0.25f / (double) 0.2f, &multiplier, &shift);
  for (int oy = 0; oy < 2; oy++)
    for (int ox = 0; ox < 2; ox++)
      {
        const float w[4] = { 0.0f, 1.0f, -1.0f, 5.0f };
        float sum = 1.0f, q;
        int32_t acc = b_q[0];

        for (int ky = 0; ky < 2; ky++)
          for (int kx = 0; kx < 2; kx++)
            {
              const float v = x[(oy + ky) * 3 + ox + kx];

              sum += v * w[ky * 2 + kx];
              acc += ((int32_t) roundf (v / 0.5f)) * (w_q[ky * 2 + kx] - 100);
            }
        q = fminf (fmaxf (roundf (sum / 0.2f) + 3.0f, 0.0f), 255.0f);
        want[oy * 2 + ox] = (q - 3.0f) * 0.2f;
        acc = CLAMP (tflite_multiply_by_quantized_multiplier (acc, multiplier, shift) + 3, 0, 255);
        want_integer[oy * 2 + ox] = (float) (acc - 3) * 0.2f;
      }
  g_assert_cmpfloat (want_integer[0], ==, 37 * 0.2f);
  g_assert_cmpfloat (want[0], ==, 38 * 0.2f);
  check_spec (&spec, x, want_integer, 1e-6f);
  got = run_model_with (model, &spec, x, &in_float);
  assert_close (got, want, 4, 1e-6f);

  graph = cs_tflite_load_full (g_bytes_get_data (model, NULL), g_bytes_get_size (model),
                               "spec.tflite", NULL, NULL, &input_quant, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (input_quant[0].scale, ==, 0.5f);
  g_assert_cmpint (input_quant[0].zero_point, ==, 128);
  cs_graph_free (graph);
}

/* Runs @model on @input (the model's input shape) on @threads threads,
 * every layer tapped with @tap_all.  The values named in @byte_values
 * must be held as bytes (no place of their own in the arena), or not
 * when the model holds its activations as floats. */
static CsResult *
run_loaded (const CsModel *model, const float *input, int threads, gboolean tap_all,
            const char *const *byte_values)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CsSession) session = cs_session_new (model, threads, &error);
  CsRunOptions run_options = { .tap_all = tap_all };
  CsResult *result = NULL;
  CsTensor tensor;

  g_assert_no_error (error);
  for (int i = 0; byte_values != NULL && byte_values[i] != NULL; i++)
    {
      const int v = cs_graph_find_value (model->graph, byte_values[i]);

      g_assert_cmpint (v, >=, 0);
      g_assert_cmpint (cs_session_arena_value (session, v) == NULL, ==,
                       !model->activations_in_float);
    }
  tensor = *cs_model_input (model, 0);
  tensor.data = (void *) input;
  cs_session_run (session, &tensor, 1, &run_options, &result, &error);
  g_assert_no_error (error);
  return result;
}

/* @a and @b hold the same outputs and taps to the bit. */
static void
assert_same_results (const CsResult *a, const CsResult *b, const char *what)
{
  g_assert_cmpuint (a->n_outputs, ==, b->n_outputs);
  g_assert_cmpuint (a->n_taps, ==, b->n_taps);
  for (size_t i = 0; i < a->n_outputs + a->n_taps; i++)
    {
      const CsTensor *x = i < a->n_outputs ? &a->outputs[i] : &a->taps[i - a->n_outputs];
      const CsTensor *y = i < a->n_outputs ? &b->outputs[i] : &b->taps[i - a->n_outputs];
      const int64_t n = cs_shape_numel (&x->shape);

      g_assert_true (cs_shape_equal (&x->shape, &y->shape));
      for (int64_t j = 0; j < n; j++)
        if (memcmp ((const float *) x->data + j, (const float *) y->data + j, sizeof (float)))
          g_error ("%s: %s[%" G_GINT64_FORMAT "] is %.9g with bytes between layers, %.9g with "
                   "floats", what, x->name != NULL ? x->name : "output", j,
                   ((const float *) x->data)[j], ((const float *) y->data)[j]);
    }
}

/* A uint8 inverted residual block as MobileNet v2 has them, between two
 * pointwise layers: the first layer's output, the depthwise output, the
 * projection and the residual sum pass to the next layer as bytes, and
 * every output and tap is what the run with floats between the layers
 * gives, to the bit, on one thread and on two. */
static void
test_byte_values (void)
{
  static const char *const byte_values[] = { "stem", "dw", "projected", "sum", NULL };
  const CsLoadOptions bytes = { 0 }, floats = { .activations_in_float = TRUE };
  GRand *rand = g_rand_new_with_seed (23);
  guint8 w_stem[6 * 4], w_expand[12 * 6], w_dw[9 * 12], w_project[6 * 12], w_out[5 * 6];
  gint32 b_stem[6], b_expand[12], b_dw[12], b_project[6], b_out[5];
  guint8 *weights[] = { w_stem, w_expand, w_dw, w_project, w_out };
  const gsize weight_sizes[] = { sizeof w_stem, sizeof w_expand, sizeof w_dw, sizeof w_project,
                                 sizeof w_out };
  gint32 *biases[] = { b_stem, b_expand, b_dw, b_project, b_out };
  const int bias_sizes[] = { 6, 12, 12, 6, 5 };
  SpecTensor tensors[17] = {
    { "pixels", T_UINT8, 4, { 1, 6, 7, 4 }, NULL, 0, 0.02f, 128 },
    { "w_stem", T_UINT8, 4, { 6, 1, 1, 4 }, w_stem, sizeof w_stem, 0.02f, 127 },
    { "b_stem", T_INT32, 1, { 6 }, b_stem, sizeof b_stem },
    { "stem", T_UINT8, 4, { 1, 6, 7, 6 }, NULL, 0, 0.04f, 118 },
    { "w_expand", T_UINT8, 4, { 12, 1, 1, 6 }, w_expand, sizeof w_expand, 0.01f, 120 },
    { "b_expand", T_INT32, 1, { 12 }, b_expand, sizeof b_expand },
    { "expanded", T_UINT8, 4, { 1, 6, 7, 12 }, NULL, 0, 6.0f / 255.0f, 0 },
    { "w_dw", T_UINT8, 4, { 1, 3, 3, 12 }, w_dw, sizeof w_dw, 0.02f, 130 },
    { "b_dw", T_INT32, 1, { 12 }, b_dw, sizeof b_dw },
    { "dw", T_UINT8, 4, { 1, 6, 7, 12 }, NULL, 0, 6.0f / 255.0f, 0 },
    { "w_project", T_UINT8, 4, { 6, 1, 1, 12 }, w_project, sizeof w_project, 0.01f, 125 },
    { "b_project", T_INT32, 1, { 6 }, b_project, sizeof b_project },
    { "projected", T_UINT8, 4, { 1, 6, 7, 6 }, NULL, 0, 0.05f, 128 },
    { "sum", T_UINT8, 4, { 1, 6, 7, 6 }, NULL, 0, 0.07f, 131 },
    { "w_out", T_UINT8, 4, { 5, 1, 1, 6 }, w_out, sizeof w_out, 0.02f, 128 },
    { "b_out", T_INT32, 1, { 5 }, b_out, sizeof b_out },
    { "out", T_UINT8, 4, { 1, 6, 7, 5 }, NULL, 0, 0.06f, 120 },
  };
  SpecOp ops[6] = {
    { OP_CONV_2D, 3, { 0, 1, 2 }, 3, O_CONV, 4, { BYTE (1), INT (1), INT (1), BYTE (0) } },
    { OP_CONV_2D, 3, { 3, 4, 5 }, 6, O_CONV, 4, { BYTE (1), INT (1), INT (1), BYTE (3) } },
    { OP_DEPTHWISE_CONV_2D, 3, { 6, 7, 8 }, 9, O_DEPTHWISE, 5,
      { BYTE (0), INT (1), INT (1), INT (1), BYTE (3) } },
    { OP_CONV_2D, 3, { 9, 10, 11 }, 12, O_CONV, 4, { BYTE (1), INT (1), INT (1), BYTE (0) } },
    { OP_ADD, 2, { 3, 12 }, 13, O_ADD, 1, { BYTE (0) } },
    { OP_CONV_2D, 3, { 13, 14, 15 }, 16, O_CONV, 4, { BYTE (1), INT (1), INT (1), BYTE (0) } },
  };
  Spec spec = { 17, tensors, 6, ops, 0, 16 };
  g_autoptr (GBytes) model = NULL;
  g_autofree float *input = pattern (6 * 7 * 4, 150);

  for (gsize l = 0; l < G_N_ELEMENTS (weights); l++)
    {
      for (gsize i = 0; i < weight_sizes[l]; i++)
        weights[l][i] = (guint8) g_rand_int_range (rand, 0, 256);
      for (int i = 0; i < bias_sizes[l]; i++)
        biases[l][i] = g_rand_int_range (rand, -3000, 3000);
    }
  g_rand_free (rand);
  model = write_model (&spec);

  for (int threads = 1; threads <= 2; threads++)
    {
      g_autoptr (CsModel) with_bytes = cs_model_load_memory (
        g_bytes_get_data (model, NULL), g_bytes_get_size (model), "spec.tflite", &bytes, NULL);
      g_autoptr (CsModel) with_floats = cs_model_load_memory (
        g_bytes_get_data (model, NULL), g_bytes_get_size (model), "spec.tflite", &floats, NULL);
      g_autoptr (CsResult) a = run_loaded (with_bytes, input, threads, TRUE, byte_values);
      g_autoptr (CsResult) b = run_loaded (with_floats, input, threads, TRUE, byte_values);
      gboolean varied = FALSE;

      assert_same_results (a, b, "the block");
      /* Not a run of clamped zeros: the bytes carry something. */
      for (size_t t = 0; t < a->n_taps; t++)
        for (int64_t j = 1; j < cs_shape_numel (&a->taps[t].shape); j++)
          varied |= ((const float *) a->taps[t].data)[j] != ((const float *) a->taps[t].data)[0];
      g_assert_true (varied);
    }
}

/* int8 weights with one scale per output channel: dimension 0 for conv,
 * 3 for depthwise; the activations stay float. */
static void
test_per_channel_weights (void)
{
  const gint8 conv_q[2 * 2] = { 2, -4, 6, 8 };        /* O×1×1×I */
  const float conv_scales[2] = { 0.5f, 0.25f };
  const gint8 dw_q[1 * 1 * 1 * 2] = { -3, 5 };        /* 1×1×1×C */
  const float dw_scales[2] = { 0.5f, 2.0f };
  g_autofree float *x = pattern (12, 130);
  float want[12];
  SpecTensor tensors[5] = {
    { "image", T_FLOAT32, 4, { 1, 2, 3, 2 } },
    { "pointwise", T_INT8, 4, { 2, 1, 1, 2 }, conv_q, sizeof conv_q, 0.0f, 0,
      2, conv_scales, 0 },
    { "mixed", T_FLOAT32, 4, { 1, 2, 3, 2 } },
    { "depthwise", T_INT8, 4, { 1, 1, 1, 2 }, dw_q, sizeof dw_q, 0.0f, 0,
      2, dw_scales, 3 },
    { "scaled", T_FLOAT32, 4, { 1, 2, 3, 2 } },
  };
  SpecOp ops[2] = {
    { OP_CONV_2D, 2, { 0, 1 }, 2, O_CONV, 4, { BYTE (1), INT (1), INT (1), BYTE (0) } },
    { OP_DEPTHWISE_CONV_2D, 2, { 2, 3 }, 4, O_DEPTHWISE, 5,
      { BYTE (1), INT (1), INT (1), INT (1), BYTE (0) } },
  };
  Spec spec = { 5, tensors, 2, ops, 0, 4 };

  for (int p = 0; p < 6; p++)
    {
      float a = x[p * 2], b = x[p * 2 + 1];

      /* Conv weights (1, −2) and (1.5, 2); depthwise scales −1.5 and 10. */
      want[p * 2] = (a - 2.0f * b) * -1.5f;
      want[p * 2 + 1] = (1.5f * a + 2.0f * b) * 10.0f;
    }
  check_spec (&spec, x, want, 1e-5f);
}

/* The elementwise ops: LOGISTIC, HARD_SWISH, MUL by a scalar constant
 * with a fused RELU6. */
static void
test_activations (void)
{
  g_autofree float *x = pattern (12, 140);
  const float factor = 4.0f;
  float want[12];
  SpecTensor tensors[5] = {
    { "image", T_FLOAT32, 4, { 1, 2, 2, 3 } },
    { "sigmoid", T_FLOAT32, 4, { 1, 2, 2, 3 } },
    { "swish", T_FLOAT32, 4, { 1, 2, 2, 3 } },
    { "factor", T_FLOAT32, 0, { 0 }, &factor, sizeof factor },
    { "product", T_FLOAT32, 4, { 1, 2, 2, 3 } },
  };
  SpecOp ops[3] = {
    { OP_LOGISTIC, 1, { 0 }, 1, O_NONE },
    { OP_HARD_SWISH, 1, { 1 }, 2, O_NONE },
    { OP_MUL, 2, { 2, 3 }, 4, O_MUL, 1, { BYTE (3) } },
  };
  Spec spec = { 5, tensors, 3, ops, 0, 4 };

  for (int i = 0; i < 12; i++)
    {
      float s = 1.0f / (1.0f + expf (-x[i] * 8.0f));
      float h = s * fminf (fmaxf (s + 3.0f, 0.0f), 6.0f) / 6.0f;

      want[i] = fminf (fmaxf (h * factor, 0.0f), 6.0f);
    }
  for (int i = 0; i < 12; i++)
    x[i] *= 8.0f;
  check_spec (&spec, x, want, 1e-5f);
}

/* SiLU as TFLite writes it, LOGISTIC then MUL of the input by it: one
 * Silu layer, x·σ(x) to float precision. */
static void
test_silu (void)
{
  g_autofree float *x = pattern (24, 150);
  float want[24];
  SpecTensor tensors[3] = {
    { "image", T_FLOAT32, 4, { 1, 2, 3, 4 } },
    { "gate", T_FLOAT32, 4, { 1, 2, 3, 4 } },
    { "silu", T_FLOAT32, 4, { 1, 2, 3, 4 } },
  };
  SpecOp ops[2] = {
    { OP_LOGISTIC, 1, { 0 }, 1, O_NONE },
    { OP_MUL, 2, { 1, 0 }, 2, O_MUL, 1, { BYTE (0) } },
  };
  Spec spec = { 3, tensors, 2, ops, 0, 2 };
  g_autoptr (GBytes) bytes = write_model (&spec);
  g_autoptr (GError) error = NULL;
  CsModel *model = cs_model_load_memory (g_bytes_get_data (bytes, NULL),
                                         g_bytes_get_size (bytes), "spec.tflite", NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (cs_model_n_layers (model), ==, 1);
  g_assert_cmpstr (cs_model_layer (model, 0)->op, ==, "Silu");
  cs_model_free (model);
  for (int i = 0; i < 24; i++)
    {
      x[i] *= 8.0f;
      want[i] = (float) (x[i] / (1.0 + exp (-(double) x[i])));
    }
  check_spec (&spec, x, want, 1e-6f);
}

/* ARG_MAX along @axis of a 1×2×3×4 NHWC input into int32 indices of
 * @out_dims; the engine gives them as int64. */
static void
check_arg_max (gint32 axis, const gint32 *out_dims, const int64_t *want, int n_want)
{
  /* Distinct values, the maximum of every line where a reference says. */
  static const float x[24] = {
    0, 5, 2, 1,   9, 3, 4, 8,   7, 6, 10, 11,
    -1, 23, -3, 13,   15, -4, 22, -5,   21, 18, -6, 20,
  };
  SpecTensor tensors[3] = {
    { "image", T_FLOAT32, 4, { 1, 2, 3, 4 } },
    { "axis", T_INT32, 0, { 0 }, &axis, sizeof axis },
    { "index", T_INT32, 3, { out_dims[0], out_dims[1], out_dims[2] } },
  };
  SpecOp op = { OP_ARG_MAX, 2, { 0, 1 }, 2, O_ARG_MAX, 1, { BYTE (T_INT32) } };
  Spec spec = { 3, tensors, 1, &op, 0, 2 };
  g_autoptr (GBytes) bytes = write_model (&spec);
  g_autoptr (GError) error = NULL;
  g_autofree float *nchw = g_new (float, 24);
  CsModel *model = cs_model_load_memory (g_bytes_get_data (bytes, NULL),
                                         g_bytes_get_size (bytes), "argmax.tflite", NULL, &error);
  CsTensor input;
  CsSession *session;
  CsResult *result = NULL;

  g_assert_no_error (error);
  input = *cs_model_input (model, 0);
  nhwc_to_nchw (x, 2, 3, 4, nchw);
  input.data = nchw;
  session = cs_session_new (model, 1, &error);
  g_assert_no_error (error);
  g_assert_true (cs_session_run (session, &input, 1, NULL, &result, &error));
  g_assert_cmpint (result->outputs[0].dtype, ==, CS_DTYPE_INT64);
  g_assert_cmpint (result->outputs[0].shape.rank, ==, 3);
  for (int d = 0; d < 3; d++)
    g_assert_cmpint (result->outputs[0].shape.dims[d], ==, out_dims[d]);
  for (int i = 0; i < n_want; i++)
    g_assert_cmpint (((const int64_t *) result->outputs[0].data)[i], ==, want[i]);
  cs_result_free (result);
  cs_session_free (session);
  cs_model_free (model);
}

/* Over the channels (a segmentation's class map), and over H, whose
 * result [N, W, C] NCHW would order differently. */
static void
test_arg_max (void)
{
  check_arg_max (3, (const gint32[]) { 1, 2, 3 }, (const int64_t[]) { 1, 0, 3, 1, 2, 0 }, 6);
  check_arg_max (-3, (const gint32[]) { 1, 3, 4 },
                 (const int64_t[]) { 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1 }, 12);
}

static void
test_arg_max_bad_axis (void)
{
  const gint32 axis = 4;
  SpecTensor tensors[3] = {
    { "image", T_FLOAT32, 4, { 1, 2, 3, 4 } },
    { "axis", T_INT32, 0, { 0 }, &axis, sizeof axis },
    { "index", T_INT32, 3, { 1, 2, 3 } },
  };
  SpecOp op = { OP_ARG_MAX, 2, { 0, 1 }, 2, O_ARG_MAX, 1, { BYTE (T_INT32) } };
  Spec spec = { 3, tensors, 1, &op, 0, 2 };
  g_autoptr (GBytes) model = write_model (&spec);
  g_autoptr (GError) error = NULL;

  g_assert_null (cs_tflite_load (g_bytes_get_data (model, NULL), g_bytes_get_size (model),
                                 "argmax.tflite", NULL, NULL, &error));
  g_assert_error (error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "operator 0 (ARG_MAX): axis 4 is outside [-4, 4)"));
}

/* Every operator the engine lacks is named at once, with its count. */
static void
test_unsupported_operators (void)
{
  SpecTensor tensors[4] = {
    { "image", T_FLOAT32, 4, { 1, 2, 2, 1 } },
    { "floor", T_FLOAT32, 4, { 1, 2, 2, 1 } },
    { "sine", T_FLOAT32, 4, { 1, 2, 2, 1 } },
    { "floor2", T_FLOAT32, 4, { 1, 2, 2, 1 } },
  };
  SpecOp ops[3] = {
    { OP_FLOOR, 1, { 0 }, 1, O_NONE },
    { OP_SIN, 1, { 1 }, 2, O_NONE },
    { OP_FLOOR, 1, { 2 }, 3, O_NONE },
  };
  Spec spec = { 4, tensors, 3, ops, 0, 3 };
  g_autoptr (GBytes) model = write_model (&spec);
  g_autoptr (GError) error = NULL;
  CsGraph *graph;

  graph = cs_tflite_load (g_bytes_get_data (model, NULL), g_bytes_get_size (model),
                          "unknown.tflite", NULL, NULL, &error);
  g_assert_null (graph);
  g_assert_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED);
  g_assert_cmpstr (error->message, ==, "unknown.tflite: 2 ops not supported: FLOOR ×2, SIN ×1");
}

/* ---- Upsampling, against TFLite's reference kernels (NHWC, float) ---- */

/* reference_ops::ResizeBilinear's source coordinate and its neighbours. */
static void
tf_bilinear_source (int out, int in_size, int out_size, gboolean align_corners,
                    gboolean half_pixel, float *value, int *lower, int *upper)
{
  float scale = align_corners && out_size > 1 ? (float) (in_size - 1) / (float) (out_size - 1)
                                              : (float) in_size / (float) out_size;

  *value = half_pixel ? ((float) out + 0.5f) * scale - 0.5f : (float) out * scale;
  *lower = MAX ((int) floorf (*value), 0);
  *upper = MIN ((int) ceilf (*value), in_size - 1);
}

/* reference_ops::ResizeNearestNeighbor's GetNearestNeighbor. */
static int
tf_nearest_source (int out, int in_size, int out_size, gboolean align_corners,
                   gboolean half_pixel)
{
  float scale = align_corners && out_size > 1 ? (float) (in_size - 1) / (float) (out_size - 1)
                                              : (float) in_size / (float) out_size;
  float offset = half_pixel ? 0.5f : 0.0f;
  int value = MIN (align_corners ? (int) roundf (((float) out + offset) * scale)
                                 : (int) floorf (((float) out + offset) * scale),
                   in_size - 1);

  return half_pixel ? MAX (value, 0) : value;
}

/* Both resizes in each coordinate mode TFLite has, enlarging 3×4 to 7×9
 * and shrinking it to 2×3. */
static void
test_resize (void)
{
  const int h = 3, w = 4, c = 2;
  g_autofree float *x = pattern (h * w * c, 90);
  static const int sizes[2][2] = { { 7, 9 }, { 2, 3 } };
  static const gboolean modes[3][2] = { { FALSE, FALSE }, { TRUE, FALSE }, { FALSE, TRUE } };

  for (int nearest = 0; nearest < 2; nearest++)
    for (int s = 0; s < 2; s++)
      for (int m = 0; m < 3; m++)
        {
          const int oh = sizes[s][0], ow = sizes[s][1];
          const gboolean align = modes[m][0], half = modes[m][1];
          const gint32 size[2] = { oh, ow };
          g_autofree float *want = g_new (float, oh * ow * c);
          SpecTensor tensors[3] = {
            { "image", T_FLOAT32, 4, { 1, h, w, c } },
            { "size", T_INT32, 1, { 2 }, size, sizeof size },
            { "resized", T_FLOAT32, 4, { 1, oh, ow, c } },
          };
          SpecOp bilinear = { OP_RESIZE_BILINEAR, 2, { 0, 1 }, 2, O_RESIZE_BILINEAR, 4,
                              { BYTE (0), BYTE (0), BYTE (align), BYTE (half) } };
          SpecOp nearest_op = { OP_RESIZE_NEAREST_NEIGHBOR, 2, { 0, 1 }, 2,
                                O_RESIZE_NEAREST_NEIGHBOR, 2, { BYTE (align), BYTE (half) } };
          Spec spec = { 3, tensors, 1, nearest ? &nearest_op : &bilinear, 0, 2 };

          for (int y = 0; y < oh; y++)
            for (int xx = 0; xx < ow; xx++)
              for (int k = 0; k < c; k++)
                {
                  float *out = &want[(y * ow + xx) * c + k];

                  if (nearest)
                    {
                      int sy = tf_nearest_source (y, h, oh, align, half);
                      int sx = tf_nearest_source (xx, w, ow, align, half);

                      *out = x[(sy * w + sx) * c + k];
                    }
                  else
                    {
                      float fy, fx;
                      int y0, y1, x0, x1;

                      tf_bilinear_source (y, h, oh, align, half, &fy, &y0, &y1);
                      tf_bilinear_source (xx, w, ow, align, half, &fx, &x0, &x1);
                      *out = x[(y0 * w + x0) * c + k] * (1 - (fy - y0)) * (1 - (fx - x0))
                             + x[(y1 * w + x0) * c + k] * (fy - y0) * (1 - (fx - x0))
                             + x[(y0 * w + x1) * c + k] * (1 - (fy - y0)) * (fx - x0)
                             + x[(y1 * w + x1) * c + k] * (fy - y0) * (fx - x0);
                    }
                }
          check_spec (&spec, x, want, 1e-5f);
        }
}

/* reference_ops::TransposeConv: each input pixel adds its kernel at
 * (y·stride − pad, x·stride − pad), pads as the convolution from the
 * output back to the input would have (SAME) or none (VALID). */
static void
check_transpose_conv (gboolean same, int stride, int kernel, int oh, int ow)
{
  const int h = 3, w = 4, c = 3, m = 2;
  g_autofree float *x = pattern (h * w * c, 91);
  g_autofree float *k = pattern (m * kernel * kernel * c, 92);
  g_autofree float *b = pattern (m, 93);
  g_autofree float *want = g_new (float, oh * ow * m);
  const gint32 shape[4] = { 1, oh, ow, m };
  SpecTensor tensors[5] = {
    { "shape", T_INT32, 1, { 4 }, shape, sizeof shape },
    { "kernel", T_FLOAT32, 4, { m, kernel, kernel, c }, k,
      sizeof (float) * m * kernel * kernel * c },
    { "image", T_FLOAT32, 4, { 1, h, w, c } },
    { "bias", T_FLOAT32, 1, { m }, b, sizeof (float) * m },
    { "up", T_FLOAT32, 4, { 1, oh, ow, m } },
  };
  SpecOp op = { OP_TRANSPOSE_CONV, 4, { 0, 1, 2, 3 }, 4, O_TRANSPOSE_CONV, 4,
                { BYTE (same ? 0 : 1), INT (stride), INT (stride), BYTE (0) } };
  Spec spec = { 5, tensors, 1, &op, 2, 4 };
  int pad_top = same ? MAX ((h - 1) * stride + kernel - oh, 0) / 2 : 0;
  int pad_left = same ? MAX ((w - 1) * stride + kernel - ow, 0) / 2 : 0;

  for (int i = 0; i < oh * ow * m; i++)
    want[i] = b[i % m];
  for (int y = 0; y < h; y++)
    for (int xx = 0; xx < w; xx++)
      for (int ky = 0; ky < kernel; ky++)
        for (int kx = 0; kx < kernel; kx++)
          {
            int out_y = y * stride - pad_top + ky, out_x = xx * stride - pad_left + kx;

            if (out_y < 0 || out_y >= oh || out_x < 0 || out_x >= ow)
              continue;
            for (int o = 0; o < m; o++)
              for (int i = 0; i < c; i++)
                want[(out_y * ow + out_x) * m + o]
                  += x[(y * w + xx) * c + i] * k[((o * kernel + ky) * kernel + kx) * c + i];
          }
  check_spec (&spec, x, want, 1e-5f);
}

static void
test_transpose_conv (void)
{
  /* SAME, stride 2: in·2 = 6×8, total padding 1 each way, at the end. */
  check_transpose_conv (TRUE, 2, 3, 6, 8);
  /* VALID: (in − 1)·2 + 3 = 7×9. */
  check_transpose_conv (FALSE, 2, 3, 7, 9);
  /* SAME asking for one pixel fewer: padding 2, one before, one after. */
  check_transpose_conv (TRUE, 2, 3, 5, 7);
}

/* ---- Labels ---- */

/* A ZIP archive with one deflated entry, as metadata writers may append. */
static void
append_deflated_zip (GByteArray *out, const char *name, const char *text)
{
  gsize start = out->len, name_length = strlen (name), text_length = strlen (text);
  gsize directory;
  guint8 packed[256];
  z_stream stream = { 0 };
  guint32 crc = (guint32) crc32 (0, (const Bytef *) text, (uInt) text_length);
  guint32 packed_size;

  g_assert_cmpint (deflateInit2 (&stream, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                   ==, Z_OK);
  stream.next_in = (Bytef *) text;
  stream.avail_in = (uInt) text_length;
  stream.next_out = packed;
  stream.avail_out = sizeof packed;
  g_assert_cmpint (deflate (&stream, Z_FINISH), ==, Z_STREAM_END);
  packed_size = (guint32) stream.total_out;
  deflateEnd (&stream);

  put_le (out, 0x04034b50, 4);
  put_le (out, 20, 2), put_le (out, 0, 2), put_le (out, 8, 2);
  put_le (out, 0, 4), put_le (out, crc, 4);
  put_le (out, packed_size, 4), put_le (out, text_length, 4);
  put_le (out, name_length, 2), put_le (out, 0, 2);
  g_byte_array_append (out, (const guint8 *) name, name_length);
  g_byte_array_append (out, packed, packed_size);

  directory = out->len;
  put_le (out, 0x02014b50, 4);
  put_le (out, 20, 2), put_le (out, 20, 2), put_le (out, 0, 2), put_le (out, 8, 2);
  put_le (out, 0, 4), put_le (out, crc, 4);
  put_le (out, packed_size, 4), put_le (out, text_length, 4);
  put_le (out, name_length, 2), put_le (out, 0, 2), put_le (out, 0, 2);
  put_le (out, 0, 2), put_le (out, 0, 2), put_le (out, 0, 4);
  put_le (out, 0, 4);  /* the local header, counted from the archive's start */
  g_byte_array_append (out, (const guint8 *) name, name_length);

  put_le (out, 0x06054b50, 4);
  put_le (out, 0, 2), put_le (out, 0, 2), put_le (out, 1, 2), put_le (out, 1, 2);
  put_le (out, out->len - 12 - directory, 4);
  put_le (out, directory - start, 4);
  put_le (out, 0, 2);
}

static void
test_deflated_labels (void)
{
  SpecTensor tensors[2] = {
    { "x", T_FLOAT32, 2, { 1, 3 } },
    { "y", T_FLOAT32, 2, { 1, 3 } },
  };
  SpecOp op = { OP_SOFTMAX, 1, { 0 }, 1, O_SOFTMAX, 1, { FLOAT (1.0f) } };
  Spec spec = { 2, tensors, 1, &op, 0, 1 };
  g_autoptr (GBytes) model = write_model (&spec);
  g_autoptr (GByteArray) file = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) labels = NULL;
  CsGraph *graph;

  g_byte_array_append (file, g_bytes_get_data (model, NULL), g_bytes_get_size (model));
  append_deflated_zip (file, "labels.txt", "tabby cat\r\ngolden retriever\nparrot\n");
  graph = cs_tflite_load (file->data, file->len, "labelled.tflite", NULL, &labels, &error);
  g_assert_no_error (error);
  g_assert_nonnull (labels);
  g_assert_cmpuint (g_strv_length (labels), ==, 3);
  g_assert_cmpstr (labels[0], ==, "tabby cat");
  g_assert_cmpstr (labels[1], ==, "golden retriever");
  g_assert_cmpstr (labels[2], ==, "parrot");
  cs_graph_free (graph);

  /* A mangled archive only loses the labels. */
  file->data[file->len - 8] ^= 0x40;
  g_strfreev (g_steal_pointer (&labels));
  graph = cs_tflite_load (file->data, file->len, "labelled.tflite", NULL, &labels, &error);
  g_assert_no_error (error);
  g_assert_null (labels);
  cs_graph_free (graph);
}

/* ---- Hostile files ---- */

/* TFLite has no use for empty tensors; the importer refuses a zero-size
 * dimension before the graph passes see it. */
static void
test_zero_size_input (void)
{
  SpecTensor tensors[2] = {
    { "x", T_FLOAT32, 2, { 1, 0 } },
    { "y", T_FLOAT32, 2, { 1, 0 } },
  };
  SpecOp op = { OP_SOFTMAX, 1, { 0 }, 1, O_SOFTMAX, 1, { FLOAT (1.0f) } };
  Spec spec = { 2, tensors, 1, &op, 0, 1 };
  g_autoptr (GBytes) bytes = write_model (&spec);
  g_autoptr (GError) error = NULL;
  CsModel *model = cs_model_load_memory (g_bytes_get_data (bytes, NULL),
                                         g_bytes_get_size (bytes), "empty.tflite",
                                         NULL, &error);

  g_assert_null (model);
  g_assert_error (error, CS_ERROR, CS_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "empty.tflite: tensor 'x' has dimension 1 of size 0");
}

/* Loads @data; a model that loads must also survive describing and, when
 * @run, running. */
static void
load_mangled (const guint8 *data, gsize size, gboolean run)
{
  g_autoptr (GError) error = NULL;
  CsModel *model = cs_model_load_memory (data, size, "mangled.tflite", NULL, &error);

  if (model == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == CS_ERROR);
      g_assert_nonnull (strstr (error->message, "mangled.tflite"));
      return;
    }
  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    g_assert_nonnull (cs_model_layer (model, i)->name);
  if (run && cs_model_n_inputs (model) == 1)
    {
      const CsTensor *input = cs_model_input (model, 0);
      int64_t n = cs_shape_numel (&input->shape);
      CsSession *session = cs_session_new (model, 1, NULL);

      if (session != NULL && n <= (1 << 20))
        {
          g_autofree float *zeros = g_new0 (float, n);
          CsTensor tensor = *input;
          CsResult *result = NULL;

          tensor.data = zeros;
          if (cs_session_run (session, &tensor, 1, NULL, &result, NULL))
            cs_result_free (result);
        }
      cs_session_free (session);
    }
  cs_model_free (model);
}

static void
assert_load_fails (const guint8 *data, gsize size, CsErrorCode code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  CsGraph *graph = cs_tflite_load (data, size, "patched.tflite", NULL, NULL, &error);

  if (graph != NULL)
    g_error ("a model that should fail (%s) loaded", fragment);
  g_assert_error (error, CS_ERROR, (gint) code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("\"%s\" does not mention \"%s\"", error->message, fragment);
}

static GBytes *
small_conv_model (void)
{
  static float w[2 * 3 * 3 * 2], b[2];
  static const SpecTensor tensors[4] = {
    { "image", T_FLOAT32, 4, { 1, 4, 4, 2 } },
    { "weights", T_FLOAT32, 4, { 2, 3, 3, 2 }, w, sizeof w },
    { "bias", T_FLOAT32, 1, { 2 }, b, sizeof b },
    { "features", T_FLOAT32, 4, { 1, 2, 2, 2 } },
  };
  static const SpecOp op = { OP_CONV_2D, 3, { 0, 1, 2 }, 3, O_CONV, 4,
                             { BYTE (0), INT (2), INT (2), BYTE (3) } };
  static const Spec spec = { 4, tensors, 1, &op, 0, 3 };

  for (size_t i = 0; i < G_N_ELEMENTS (w); i++)
    w[i] = (float) i / 10.0f;
  return write_model (&spec);
}

/* Every byte of the small model matters, so every truncation must fail;
 * every single-bit flip must fail or load. */
static void
test_hostile_small_model (void)
{
  g_autoptr (GBytes) model = small_conv_model ();
  gsize size;
  const guint8 *data = g_bytes_get_data (model, &size);
  g_autofree guint8 *copy = g_memdup2 (data, size);

  load_mangled (data, size, TRUE);
  for (gsize cut = 0; cut < size; cut++)
    {
      g_autoptr (GError) error = NULL;
      CsGraph *graph = cs_tflite_load (copy, cut, "cut.tflite", NULL, NULL, &error);

      if (graph != NULL)
        g_error ("the model cut at %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes loaded",
                 cut, size);
      g_assert_true (error->domain == CS_ERROR);
    }
  for (gsize bit = 0; bit < size * 8; bit++)
    {
      copy[bit / 8] ^= (guint8) (1u << (bit % 8));
      load_mangled (copy, size, TRUE);
      copy[bit / 8] ^= (guint8) (1u << (bit % 8));
    }
}

/* ---- The classifiers in ../shared/models ---- */

static char *
shared_model (const char *file)
{
  const char *shared = g_getenv ("CONVSCOPE_SHARED");
  char *path;

  if (shared == NULL)
    {
      g_test_skip ("CONVSCOPE_SHARED is not set");
      return NULL;
    }
  path = g_build_filename (shared, "models", file, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *reason = g_strdup_printf ("%s is missing", path);

      g_test_skip (reason);
      g_free (path);
      return NULL;
    }
  return path;
}

typedef struct
{
  const char *file;
  int         size;
  int         first_channels;
  int         n_classes;
  const char *first_label;
  double      mega_macs_min, mega_macs_max;   /* published: 14, 77, 233, 300 */
} Classifier;

static const Classifier classifiers[] = {
  { "mobilenet_v1_0.25_128_quant.tflite", 128, 8, 1001, "background", 13, 16 },
  { "mobilenet_v1_0.5_160_quant.tflite", 160, 16, 1001, "background", 72, 80 },
  { "mobilenet_v1_0.75_192_quant.tflite", 192, 24, 1001, "background", 225, 240 },
  { "mobilenet_v2_1.0_224_quant.tflite", 224, 32, 1001, "background", 290, 315 },
  { "mobilenet_v2_1.0_224_inat_bird_quant.tflite", 224, 32, 965, NULL, 290, 315 },
};

static void
test_classifier (gconstpointer data)
{
  const Classifier *c = data;
  g_autofree char *path = shared_model (c->file);
  g_autoptr (GError) error = NULL;
  const char *const *labels;
  const CsLayerInfo *first;
  const CsTensor *input, *output;
  CsModel *model;
  CsSession *session;
  CsResult *result = NULL;
  CsTensor tensor;
  g_autofree float *gray = NULL;
  const char *taps[2] = { NULL, NULL };
  CsRunOptions run_options = { FALSE, taps };
  int depthwise = 0;
  double sum = 0.0;

  if (path == NULL)
    return;
  model = cs_model_load_file (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cs_model_format (model), ==, CS_FORMAT_TFLITE);

  g_assert_cmpuint (cs_model_n_inputs (model), ==, 1);
  input = cs_model_input (model, 0);
  g_assert_cmpint (input->shape.rank, ==, 4);
  g_assert_cmpint (input->shape.dims[1], ==, 3);
  g_assert_cmpint (input->shape.dims[2], ==, c->size);
  g_assert_cmpint (input->shape.dims[3], ==, c->size);
  g_assert_cmpuint (cs_model_n_outputs (model), ==, 1);
  output = cs_model_output (model, 0);
  g_assert_cmpint (cs_shape_numel (&output->shape), ==, c->n_classes);

  first = cs_model_layer (model, 0);
  g_assert_cmpint (first->kind, ==, CS_LAYER_CONV);
  g_assert_cmpint (first->out_shape.dims[1], ==, c->first_channels);
  g_assert_cmpint (first->out_shape.dims[2], ==, c->size / 2);
  g_assert_cmpint (first->out_shape.dims[3], ==, c->size / 2);
  g_assert_cmpint (first->stride[0], ==, 2);
  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    {
      const CsLayerInfo *layer = cs_model_layer (model, i);

      if (layer->kind != CS_LAYER_CONV || layer->groups == 1)
        continue;
      depthwise++;
      g_assert_cmpint (layer->groups, ==, layer->in_shape.dims[1]);
      g_assert_cmpint (layer->groups, ==, layer->out_shape.dims[1]);
    }
  g_assert_cmpint (depthwise, >=, 13);
  g_assert_cmpfloat (cs_model_total_macs (model) / 1e6, >=, c->mega_macs_min);
  g_assert_cmpfloat (cs_model_total_macs (model) / 1e6, <=, c->mega_macs_max);

  labels = cs_model_embedded_labels (model);
  g_assert_nonnull (labels);
  g_assert_cmpuint (g_strv_length ((char **) labels), ==, c->n_classes);
  if (c->first_label != NULL)
    g_assert_cmpstr (labels[0], ==, c->first_label);

  /* A uniform mid-gray image (real value 0 for these inputs), keeping
   * the softmax layer, whose rounding to the output's grid is part of it. */
  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    if (g_str_has_prefix (cs_model_layer (model, i)->op, "Softmax"))
      taps[0] = cs_model_layer (model, i)->name;
  g_assert_nonnull (taps[0]);
  session = cs_session_new (model, 0, &error);
  g_assert_no_error (error);
  gray = g_new0 (float, cs_shape_numel (&input->shape));
  tensor = *input;
  tensor.data = gray;
  cs_session_run (session, &tensor, 1, &run_options, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->n_taps, ==, 1);
  for (int64_t i = 0; i < c->n_classes; i++)
    {
      float p = ((const float *) result->outputs[0].data)[i];

      /* The uint8 output holds multiples of 1/256. */
      g_assert_true (p >= 0.0f && p <= 1.0f);
      g_assert_cmpfloat (fabsf (p * 256.0f - roundf (p * 256.0f)), <, 1e-3f);
      g_assert_cmpfloat (((const float *) result->taps[0].data)[i], ==, p);
      sum += p;
    }
  /* Rounding each of the classes to 1/256 keeps the sum near 1. */
  g_assert_cmpfloat (fabs (sum - 1.0), <, c->n_classes / 512.0);
  cs_result_free (result);
  cs_session_free (session);
  cs_model_free (model);
}

/* Every quantized model of ../shared gives the same outputs to the bit
 * with its activations passed between layers as bytes as with floats,
 * on two threads, for a random image. */
static void
test_shared_byte_values (void)
{
  static const char *const files[] = {
    "mobilenet_v1_0.25_128_quant.tflite", "mobilenet_v1_0.5_160_quant.tflite",
    "mobilenet_v1_0.75_192_quant.tflite", "mobilenet_v2_1.0_224_quant.tflite",
    "mobilenet_v2_1.0_224_inat_bird_quant.tflite", "deeplabv3_mnv2_pascal_quant.tflite",
  };
  const CsLoadOptions floats = { .activations_in_float = TRUE };

  for (gsize f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *path = shared_model (files[f]);
      g_autoptr (GError) error = NULL;
      g_autoptr (CsModel) with_bytes = NULL;
      g_autoptr (CsModel) with_floats = NULL;
      g_autoptr (CsResult) a = NULL;
      g_autoptr (CsResult) b = NULL;
      g_autofree float *input = NULL;

      if (path == NULL)
        return;
      with_bytes = cs_model_load_file (path, NULL, &error);
      g_assert_no_error (error);
      with_floats = cs_model_load_file (path, &floats, &error);
      g_assert_no_error (error);
      input = pattern (cs_shape_numel (&cs_model_input (with_bytes, 0)->shape), 160 + f);
      a = run_loaded (with_bytes, input, 2, FALSE, NULL);
      b = run_loaded (with_floats, input, 2, FALSE, NULL);
      assert_same_results (a, b, files[f]);
    }
}

/* The Coral DeepLab v3 in ../shared ends in RESIZE_BILINEAR from 33×33
 * to 513×513: the layer table says so with its numbers, and the network
 * runs; its last operator, ARG_MAX, is another part of the work. */
static void
test_deeplab (void)
{
  g_autofree char *path = shared_model ("deeplabv3_mnv2_pascal_quant.tflite");
  g_autoptr (GError) error = NULL;
  const CsLayerInfo *resize = NULL;
  CsModel *model;
  CsSession *session;
  CsResult *result = NULL;
  CsTensor tensor;

  if (path == NULL)
    return;
  model = cs_model_load_file (path, NULL, &error);
  if (g_error_matches (error, CS_ERROR, CS_ERROR_UNSUPPORTED)
      && strstr (error->message, "(ARG_MAX)") != NULL)
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  for (size_t i = 0; i < cs_model_n_layers (model); i++)
    if (cs_model_layer (model, i)->resampled
        && cs_model_layer (model, i)->out_shape.dims[2] == 513)
      resize = cs_model_layer (model, i);
  g_assert_nonnull (resize);
  g_assert_cmpstr (resize->arithmetic[0], ==, "33 → 513 from sizes: × 15.55");

  tensor = *cs_model_input (model, 0);
  g_assert_cmpint (cs_shape_numel (&tensor.shape), ==, 513 * 513 * 3);
  g_autofree float *pixels = pattern (513 * 513 * 3, 94);
  tensor.data = pixels;
  session = cs_session_new (model, 2, &error);
  g_assert_no_error (error);
  g_assert_true (cs_session_run (session, &tensor, 1, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cs_shape_numel (&result->outputs[0].shape), ==, 513 * 513);
  cs_result_free (result);
  cs_session_free (session);
  cs_model_free (model);
}

static void
test_input_quantization (void)
{
  g_autofree char *path = shared_model ("mobilenet_v1_0.25_128_quant.tflite");
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree CsQuantization *quant = NULL;
  g_auto (GStrv) labels = NULL;
  gsize size;
  CsGraph *graph;

  if (path == NULL)
    return;
  g_assert_true (g_file_get_contents (path, &contents, &size, &error));
  graph = cs_tflite_load_full ((const guint8 *) contents, size, path, NULL, &labels, &quant,
                               &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (quant[0].scale, ==, 1.0f / 128.0f);
  g_assert_cmpint (quant[0].zero_point, ==, 128);
  g_assert_cmpstr (labels[1], ==, "tench, Tinca tinca");
  cs_graph_free (graph);
}

/* Positions of things to patch in a real model, found with the reader. */
typedef struct
{
  gsize opcode_index;     /* the first stored opcode_index field */
  gsize input_index;      /* operator 0's input 0 */
  gsize weights_dim0;     /* shape[0] of the first constant tensor */
  gsize buffer_index;     /* that tensor's buffer field */
  gsize end;              /* where the flatbuffer's last buffer ends */
} Landmarks;

/* Where a field is stored, 0 when it is not (left at its default). */
static gsize
field_position (const CsFbReader *fb, const CsFbTable *table, int field)
{
  gsize slot = table->vtable + 4 + 2 * (gsize) field;
  gsize offset;

  if (4 + 2 * (gsize) field >= table->vtable_size)
    return 0;
  offset = fb->data[slot] | fb->data[slot + 1] << 8;
  return offset == 0 ? 0 : table->pos + offset;
}

static Landmarks
find_landmarks (const guint8 *data, gsize size)
{
  CsFbReader fb;
  CsFbTable model, subgraph, op, tensor;
  CsFbVector subgraphs, operators, tensors, buffers, inputs;
  Landmarks marks = { 0 };

  g_assert_true (cs_fb_reader_init (&fb, data, size, "TFL3", NULL));
  model = cs_fb_root (&fb);
  subgraphs = cs_fb_vector (&fb, &model, 2, 4);
  buffers = cs_fb_vector (&fb, &model, 4, 4);
  subgraph = cs_fb_vec_table (&fb, &subgraphs, 0);
  tensors = cs_fb_vector (&fb, &subgraph, 0, 4);
  operators = cs_fb_vector (&fb, &subgraph, 3, 4);
  op = cs_fb_vec_table (&fb, &operators, 0);
  inputs = cs_fb_vector (&fb, &op, 1, 4);
  marks.input_index = inputs.pos;
  for (guint32 i = 0; i < operators.length && marks.opcode_index == 0; i++)
    {
      op = cs_fb_vec_table (&fb, &operators, i);
      marks.opcode_index = field_position (&fb, &op, 0);
    }
  for (guint32 i = 0; i < tensors.length && marks.weights_dim0 == 0; i++)
    {
      guint32 buffer;
      CsFbTable table;
      CsFbVector bytes;

      tensor = cs_fb_vec_table (&fb, &tensors, i);
      buffer = cs_fb_u32 (&fb, &tensor, 2, 0);
      table = cs_fb_vec_table (&fb, &buffers, buffer);
      bytes = cs_fb_vector (&fb, &table, 0, 1);
      if (bytes.length > 0)
        {
          marks.weights_dim0 = cs_fb_vector (&fb, &tensor, 0, 4).pos;
          marks.buffer_index = field_position (&fb, &tensor, 2);
        }
    }
  for (guint32 i = 0; i < buffers.length; i++)
    {
      CsFbTable table = cs_fb_vec_table (&fb, &buffers, i);
      CsFbVector bytes = cs_fb_vector (&fb, &table, 0, 1);

      marks.end = MAX (marks.end, bytes.pos + bytes.length);
    }
  g_assert_false (cs_fb_failed (&fb));
  g_assert_cmpuint (marks.weights_dim0, >, 0);
  g_assert_cmpuint (marks.opcode_index, >, 0);
  g_assert_cmpuint (marks.buffer_index, >, 0);
  cs_fb_reader_clear (&fb);
  return marks;
}

static void
patch_u32 (guint8 *data, gsize pos, guint32 value)
{
  for (int i = 0; i < 4; i++)
    data[pos + i] = (guint8) (value >> (8 * i));
}

static void
test_hostile_real_model (void)
{
  g_autofree char *path = shared_model ("mobilenet_v1_0.25_128_quant.tflite");
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree guint8 *copy = NULL;
  GRand *rand;
  Landmarks marks;
  gsize size;

  if (path == NULL)
    return;
  g_assert_true (g_file_get_contents (path, &contents, &size, &error));
  copy = g_memdup2 (contents, size);
  marks = find_landmarks (copy, size);

  /* Nothing, and cuts anywhere within the flatbuffer. */
  assert_load_fails (copy, 0, CS_ERROR_FORMAT, "too short");
  for (int i = 0; i < 64; i++)
    {
      gsize cut = (gsize) ((double) marks.end * i / 64);
      g_autoptr (GError) cut_error = NULL;
      CsGraph *graph = cs_tflite_load (copy, cut, "cut.tflite", NULL, NULL, &cut_error);

      if (graph != NULL)
        g_error ("the model cut at %" G_GSIZE_FORMAT " bytes loaded", cut);
      g_assert_true (cut_error->domain == CS_ERROR);
    }

  /* Patched: a buffer too short for its tensor, out-of-range indices. */
  patch_u32 (copy, marks.weights_dim0, 1000);
  assert_load_fails (copy, size, CS_ERROR_FORMAT, "but its buffer holds");
  memcpy (copy, contents, size);
  patch_u32 (copy, marks.opcode_index, 9999);
  assert_load_fails (copy, size, CS_ERROR_FORMAT, "operator code 9999");
  memcpy (copy, contents, size);
  patch_u32 (copy, marks.input_index, 99999);
  assert_load_fails (copy, size, CS_ERROR_FORMAT, "tensor 99999");
  memcpy (copy, contents, size);
  patch_u32 (copy, marks.buffer_index, 0x7fffffff);
  assert_load_fails (copy, size, CS_ERROR_FORMAT, "buffer 2147483647");
  memcpy (copy, contents, size);

  /* Random bytes behind a valid file identifier. */
  rand = g_rand_new_with_seed (7);
  for (int round = 0; round < 50; round++)
    {
      gsize n = 8 + (gsize) g_rand_int_range (rand, 0, 4096);
      g_autofree guint8 *noise = g_new (guint8, n);

      for (gsize i = 0; i < n; i++)
        noise[i] = (guint8) g_rand_int (rand);
      memcpy (noise + 4, "TFL3", 4);
      load_mangled (noise, n, FALSE);
    }

  /* Bit flips: every bit of the first 256 bytes (root, model table and
   * the first vtables) through the importer alone, which is quick, and
   * positions spread over the whole flatbuffer through the full load. */
  for (gsize bit = 0; bit < 256 * 8; bit++)
    {
      g_autoptr (GError) flip_error = NULL;
      CsGraph *graph;

      copy[bit / 8] ^= (guint8) (1u << (bit % 8));
      graph = cs_tflite_load (copy, size, "flipped.tflite", NULL, NULL, &flip_error);
      g_assert_true (graph != NULL || flip_error->domain == CS_ERROR);
      cs_graph_free (graph);
      copy[bit / 8] ^= (guint8) (1u << (bit % 8));
    }
  for (int round = 0; round < 200; round++)
    {
      gsize pos = (gsize) g_rand_int_range (rand, 0, (gint32) marks.end);
      guint8 mask = (guint8) (1u << g_rand_int_range (rand, 0, 8));

      copy[pos] ^= mask;
      load_mangled (copy, size, round % 50 == 0);
      copy[pos] ^= mask;
    }
  g_rand_free (rand);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tflite/conv/same-stride", test_conv_same_stride);
  g_test_add_func ("/tflite/conv/valid-dilated", test_conv_valid_dilated);
  g_test_add_func ("/tflite/conv/depthwise-multiplier", test_depthwise_multiplier);
  g_test_add_func ("/tflite/fully-connected/flatten", test_fully_connected_flatten);
  g_test_add_func ("/tflite/mean/partial", test_mean_partial);
  g_test_add_func ("/tflite/mean/spatial-keep-dims", test_mean_spatial_keep_dims);
  g_test_add_func ("/tflite/pad", test_pad);
  g_test_add_func ("/tflite/concatenation", test_concatenation);
  g_test_add_func ("/tflite/reshape/round-trip", test_reshape_round_trip);
  g_test_add_func ("/tflite/add/broadcast", test_add_broadcast);
  g_test_add_func ("/tflite/softmax/beta", test_softmax_beta);
  g_test_add_func ("/tflite/pool/average-same", test_average_pool_same);
  g_test_add_func ("/tflite/pool/max-valid", test_max_pool_valid);
  g_test_add_func ("/tflite/quantize/round-trip", test_quantize_round_trip);
  g_test_add_func ("/tflite/quantize/ties", test_quantize_ties);
  g_test_add_func ("/tflite/quantize/dequantize-tables", test_dequantize_tables);
  g_test_add_func ("/tflite/quantize/dequantize-overflow", test_dequantize_overflow);
  g_test_add_func ("/tflite/quantize/conv", test_quantized_conv);
  g_test_add_func ("/tflite/quantize/per-channel-weights", test_per_channel_weights);
  g_test_add_func ("/tflite/quantize/byte-values", test_byte_values);
  g_test_add_func ("/tflite/activations", test_activations);
  g_test_add_func ("/tflite/silu", test_silu);
  g_test_add_func ("/tflite/unsupported-operators", test_unsupported_operators);
  g_test_add_func ("/tflite/arg-max", test_arg_max);
  g_test_add_func ("/tflite/arg-max-bad-axis", test_arg_max_bad_axis);
  g_test_add_func ("/tflite/resize", test_resize);
  g_test_add_func ("/tflite/transpose-conv", test_transpose_conv);
  g_test_add_func ("/tflite/deeplab", test_deeplab);
  g_test_add_func ("/tflite/shared-byte-values", test_shared_byte_values);
  g_test_add_func ("/tflite/labels/deflated", test_deflated_labels);
  g_test_add_func ("/tflite/hostile/small-model", test_hostile_small_model);
  g_test_add_func ("/tflite/hostile/zero-size-input", test_zero_size_input);
  for (size_t i = 0; i < G_N_ELEMENTS (classifiers); i++)
    {
      g_autofree char *name = g_strdup_printf ("/tflite/classifier/%s", classifiers[i].file);

      g_test_add_data_func (name, &classifiers[i], test_classifier);
    }
  g_test_add_func ("/tflite/input-quantization", test_input_quantization);
  g_test_add_func ("/tflite/hostile/real-model", test_hostile_real_model);
  return g_test_run ();
}
