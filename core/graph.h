/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * graph.h — the engine's internal network representation, shared by the
 * loaders, the graph passes, the ops and the session.
 *
 * A graph is a list of values (tensors with a static shape, some of them
 * constants) and a topologically ordered list of nodes.  Each node points
 * at an op class, a small vtable that infers output shapes, optionally
 * prepares (packs weights), runs, and describes itself.  Loaders translate
 * their format into this form and fill op parameters (ops.h); everything
 * after that is format-neutral.
 */
#ifndef CS_GRAPH_H
#define CS_GRAPH_H

#include "cs-engine.h"
#include "threadpool.h"
#include "kernels/epilogue.h"

G_BEGIN_DECLS

typedef struct _CsOpClass CsOpClass;

/* A block of a 4-D (NCHW) value: channels, rows and columns (axes 1–3)
 * from lo to hi inclusive, one image of the batch.  Rows and columns may
 * lie outside the value, in the padding an op reads around it. */
typedef struct
{
  int64_t lo[3];
  int64_t hi[3];
} CsRegion;

typedef struct
{
  char    *name;
  CsDType  dtype;
  CsShape  shape;
  void    *constant;   /* owned; non-NULL for initializers and folded values */
  int      producer;   /* node index, -1 for graph inputs and constants */
  gboolean is_input;
  gboolean is_output;
  gboolean packed;     /* a constant whose data every reader copied into
                        * its own packed form; constant is now NULL */
} CsValue;

typedef struct
{
  const CsOpClass *klass;
  char            *name;
  GString         *fused;    /* "+BatchNormalization+Relu", for display */
  int              n_inputs;
  int             *inputs;   /* value indices; -1 for an omitted optional input */
  int              n_outputs;
  int             *outputs;
  void            *params;   /* op-specific (ops.h); owned, freed by klass */
  CsActivation     act;      /* applied to output 0 after the op */
  GPtrArray       *epilogue; /* CsNode*: elementwise nodes absorbed by the
                              * fuse pass, run in place on output 0 after
                              * act; not owned (the graph keeps them) */
  gboolean         dead;     /* removed by a pass; skipped everywhere */
  guint32          packed_inputs; /* bit i: prepare copied constant input i
                                   * and run never reads it again */
} CsNode;

typedef struct
{
  GPtrArray *values;   /* CsValue*, owned */
  GPtrArray *nodes;    /* CsNode*, owned, in execution order */
  GArray    *inputs;   /* int value indices of graph inputs */
  GArray    *outputs;  /* int value indices of graph outputs */
  char      *source;   /* file name, for messages */
} CsGraph;

/* What a running op sees. */
typedef struct
{
  const CsGraph *graph;
  void         **data;        /* per value index: where this run keeps it */
  CsThreadPool  *pool;        /* NULL runs serially */
  void         **scratch;     /* per thread, klass->scratch_bytes each */
  /* Per value index: the grid of a value held as bytes between two layers
   * (kernels.h: CsGridToBytes), NULL for one held as floats; NULL when
   * every value is floats. */
  const CsGrid *const *bytes;
} CsExec;

/* What a vector-Jacobian product sees: the forward run's values in
 * exec.data (those backward_reads asks for; the others may be NULL) and,
 * per value, its gradient.  Every output of the node has one; an input
 * has one (to add into) only when the gradient must flow there. */
typedef struct
{
  CsExec  exec;
  float **grad;
} CsGradExec;

/* What an op's backward reads of the forward run besides the weights. */
typedef enum
{
  CS_GRAD_READS_NOTHING = 0,
  CS_GRAD_READS_INPUTS = 1 << 0,   /* its non-constant inputs */
  CS_GRAD_READS_OUTPUTS = 1 << 1   /* its outputs, before any fused activation */
} CsGradReads;

struct _CsOpClass
{
  const char  *name;          /* ONNX spelling, shown to users */
  CsLayerKind  kind;
  /* TRUE when run applies node->act itself (in its epilogue); otherwise
   * the session applies it to output 0 after run. */
  gboolean     fuses_activation;
  /* TRUE when output 0 depends on input 0 element by element, so run may
   * work in place and the fuse pass may append the node to its producer
   * as an epilogue. */
  gboolean     elementwise;
  /* TRUE when run only copies input 0 to output 0, bytes unchanged (the
   * reshapes): the session lets the two share memory where input 0 dies
   * there, and the copy becomes none. */
  gboolean     copies_input;
  /* TRUE when element i of output 0 reads element i of inputs 0 and 1,
   * where they have its size, and only then is written (the binary ops,
   * BatchNormalization; further inputs are read after): the session lets
   * output 0 share the memory of either where it dies there. */
  gboolean     writes_over_inputs;
  /* Where output 0 is its inputs laid end to end (Concat on an axis with
   * only ones before it): the element of output 0 at which input @i
   * starts, or −1 where it is not so.  The session then lets an input
   * that only this node reads be written there in the first place, and
   * run copies only an input not already in its place.  Optional. */
  int64_t    (*input_place)   (const CsGraph *graph, const CsNode *node, int i);
  /* Sets the dtype and shape of every output from the inputs (whose
   * constants are visible) and validates params.  Required. */
  gboolean   (*infer)         (CsGraph *graph, CsNode *node, GError **error);
  /* Once the graph is final: pack weights and the like.  Optional. */
  gboolean   (*prepare)       (CsGraph *graph, CsNode *node, GError **error);
  /* Computes the outputs; also used to fold constant nodes at load. */
  void       (*run)           (const CsNode *node, CsExec *exec);
  /* Per-thread scratch the run needs, in bytes.  Optional. */
  size_t     (*scratch_bytes) (const CsGraph *graph, const CsNode *node);
  /* Fills window fields, params and macs of @info.  Optional. */
  void       (*describe)      (const CsGraph *graph, const CsNode *node,
                               CsLayerInfo *info);
  void       (*free_params)   (void *params);
  /* The part of input @i that the part @out of output @j reads, for 4-D
   * values: set *@in without clipping it to the input (padding stays in
   * it) and return TRUE, or return FALSE when that part reads none of
   * input @i.  Optional: without it an output depends on all of every
   * input. */
  gboolean   (*footprint)     (const CsGraph  *graph,
                               const CsNode   *node,
                               int             j,
                               const CsRegion *out,
                               int             i,
                               CsRegion       *in);
  /* Whether run can write output 0 as bytes, and on which grid (kernels.h:
   * CsGridToBytes): the session then holds it so where every reader can
   * read it so.  Optional: floats only. */
  gboolean   (*writes_bytes)  (const CsGraph *graph, const CsNode *node, CsGrid *grid);
  /* Whether run can read input @i held as the bytes of @grid, to the
   * result it gives for the floats they stand for.  Optional: floats
   * only. */
  gboolean   (*reads_bytes)   (const CsGraph *graph, const CsNode *node, int i,
                               const CsGrid *grid);
  /* The vector-Jacobian product: adds the gradient of the outputs times
   * the op's Jacobian into the gradient of every input that has one.  The
   * fused activation and epilogue are the caller's.  Optional: an op
   * without it has no gradient. */
  gboolean   (*backward)      (const CsNode *node, CsGradExec *exec, GError **error);
  CsGradReads  backward_reads;
  /* What backward reads of a node whose needs differ from its class's
   * (a Conv that a pass gave an input scale).  Optional: backward_reads
   * otherwise; read through cs_node_backward_reads. */
  CsGradReads (*node_backward_reads) (const CsNode *node);
};

/* The grid value @index is held as bytes on in @exec's run, NULL when it
 * is floats. */
static inline const CsGrid *
cs_exec_bytes (const CsExec *exec, int index)
{
  return exec->bytes != NULL && index >= 0 ? exec->bytes[index] : NULL;
}

/* What @node's backward reads of the forward run. */
static inline CsGradReads
cs_node_backward_reads (const CsNode *node)
{
  return node->klass->node_backward_reads != NULL ? node->klass->node_backward_reads (node)
                                                  : node->klass->backward_reads;
}

/* ---- Building (graph.c) ---- */

CsGraph *cs_graph_new       (const char *source);
void     cs_graph_free      (CsGraph *graph);
/* Adds a value; @constant (may be NULL) is taken over.  Returns its index. */
int      cs_graph_add_value (CsGraph    *graph,
                             const char *name,
                             CsDType     dtype,
                             const CsShape *shape,
                             void       *constant);
/* Finds a value by name, -1 if none. */
int      cs_graph_find_value (const CsGraph *graph, const char *name);
/* Appends a node; copies the index arrays, takes over @params. */
CsNode  *cs_graph_add_node  (CsGraph         *graph,
                             const CsOpClass *klass,
                             const char      *name,
                             const int       *inputs,
                             int              n_inputs,
                             const int       *outputs,
                             int              n_outputs,
                             void            *params);

static inline CsValue *
cs_graph_value (const CsGraph *graph, int index)
{
  return (CsValue *) g_ptr_array_index (graph->values, index);
}

static inline CsNode *
cs_graph_node (const CsGraph *graph, int index)
{
  return (CsNode *) g_ptr_array_index (graph->nodes, index);
}

/* The value feeding input @i of @node, NULL when omitted or absent. */
static inline CsValue *
cs_node_input (const CsGraph *graph, const CsNode *node, int i)
{
  if (i >= node->n_inputs || node->inputs[i] < 0)
    return NULL;
  return cs_graph_value (graph, node->inputs[i]);
}

static inline CsValue *
cs_node_output (const CsGraph *graph, const CsNode *node, int i)
{
  return cs_graph_value (graph, node->outputs[i]);
}

/* Sets @error to "SOURCE: node NAME (OP): MESSAGE" with CS_ERROR_INVALID
 * or @code.  Returns FALSE so infer functions can `return cs_node_error`. */
gboolean cs_node_error (GError       **error,
                        CsErrorCode    code,
                        const CsGraph *graph,
                        const CsNode  *node,
                        const char    *format,
                        ...) G_GNUC_PRINTF (5, 6);

/* The data of constant input @index of @node, handed over to the caller
 * (who frees it with g_free) when @node is that value's only live reader
 * and it is no graph output; the value then counts as packed.  NULL
 * otherwise, and the caller copies what it needs. */
void    *cs_graph_take_constant (CsGraph      *graph,
                                 const CsNode *node,
                                 int           index);

/* ---- Sizes (shape.c) ---- */

/* Tensors beyond this are refused rather than allocated (4 GiB). */
#define CS_MAX_TENSOR_BYTES (G_GUINT64_CONSTANT (1) << 32)

/* Whether a tensor of @shape and @dtype can exist here: a rank within
 * CS_MAX_RANK, no negative dimension, and the product of the non-zero
 * dimensions times the element size within CS_MAX_TENSOR_BYTES (checked
 * at every step, so nothing wraps).  Sets *@bytes (may be NULL) to the
 * tensor's size, 0 when a dimension is zero. */
gboolean cs_shape_fits (const CsShape *shape, CsDType dtype, guint64 *bytes);

/* ---- Passes (passes.c) ---- */

/* Checks the graph inputs and constants the importer declared (sizes
 * that can exist), infers every shape, then runs every node whose inputs
 * are all constant (and Shape on any input) at load, turning its outputs
 * into constants, within a budget set by the model's own constants.  A
 * node left to run must not read or write an empty tensor unless it only
 * moves data. */
gboolean cs_graph_infer_and_fold (CsGraph *graph, GError **error);
/* Folds BatchNormalization into a preceding Conv and fuses activations
 * into the op before them where only that op reads the value. */
gboolean cs_graph_fuse           (CsGraph *graph, GError **error);
/* Makes @value the graph's only output and removes the nodes it does not
 * need: for a front end that wants an inner value, such as a score map
 * under a full-size Resize and ArgMax nobody will read. */
void     cs_graph_cut            (CsGraph *graph, int value);
/* Runs every live node's prepare. */
gboolean cs_graph_prepare        (CsGraph *graph, GError **error);

/* ---- Exec helpers ---- */

static inline const float *
cs_exec_in (const CsExec *exec, const CsNode *node, int i)
{
  return node->inputs[i] < 0 ? NULL : (const float *) exec->data[node->inputs[i]];
}

static inline float *
cs_exec_out (const CsExec *exec, const CsNode *node, int i)
{
  return (float *) exec->data[node->outputs[i]];
}

/* The gradient of input @i to add into, NULL when none flows there. */
static inline float *
cs_grad_in (const CsGradExec *exec, const CsNode *node, int i)
{
  return i < node->n_inputs && node->inputs[i] >= 0 ? exec->grad[node->inputs[i]] : NULL;
}

static inline const float *
cs_grad_out (const CsGradExec *exec, const CsNode *node, int i)
{
  return exec->grad[node->outputs[i]];
}

G_END_DECLS

#endif /* CS_GRAPH_H */
