/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session.c — running a model.  A session owns the thread pool, the
 * per-thread scratch and one activation arena planned once from value
 * lifetimes, so a value's memory is reused as soon as its last reader has
 * run.  Graph outputs and tapped layers are written straight into buffers
 * the result owns, so taps cost no copies and never alias reused memory.
 * A reshape whose input dies there takes the input's memory over, and
 * copies nothing; so do the binary ops and BatchNormalization, writing
 * over it.
 * A quantized model's activation passes from one layer to the next as
 * the bytes of its grid where the writer and every reader can do so, a
 * quarter of the memory traffic of floats; a tap of it is the floats
 * they stand for.
 * All taps of a run share one block; a freed result hands its block back
 * to the session for the next run, because fresh pages for tens of
 * megabytes on every run cost more than the network itself.
 */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#define ALIGNMENT 64

/* The block a freed result gives back, shared by the session and its
 * results (an atomic refcounted box: results may outlive the session). */
typedef struct
{
  GMutex lock;
  void  *spare;
  gsize  spare_size;
} TapStore;

static void tap_store_clear (gpointer data);

/* A result with what it needs to give its tap block back. */
typedef struct
{
  CsResult  result;   /* first, so a CsResult* is a ResultPrivate* */
  TapStore *store;
  void     *block;
  gsize     block_size;
} ResultPrivate;

struct _CsSession
{
  TapStore      *store;
  const CsModel *model;
  CsThreadPool  *pool;
  int            n_threads;
  void         **scratch;        /* per thread */
  gsize          arena_size;
  guint8        *arena;
  gssize        *offsets;        /* per value: arena offset, −1 outside it */
  void         **data;           /* per value, rebuilt on each run */
  CsGrid        *grids;          /* per value held as bytes: its grid */
  const CsGrid **bytes;          /* per value: &grids[v] when held as bytes */
};

typedef struct
{
  gsize offset;
  gsize size;
} Block;

static gsize
round_to_alignment (gsize bytes)
{
  return (bytes + ALIGNMENT - 1) & ~(gsize) (ALIGNMENT - 1);
}

static gsize
value_bytes (const CsValue *value)
{
  return round_to_alignment ((gsize) MAX (1, cs_shape_numel (&value->shape))
                             * cs_dtype_size (value->dtype));
}

/* What value @v takes in the session's arena: a byte per element when
 * the session holds it as bytes. */
static gsize
arena_bytes (const CsSession *session, int v)
{
  const CsValue *value = cs_graph_value (session->model->graph, v);

  return session->bytes[v] != NULL
         ? round_to_alignment ((gsize) MAX (1, cs_shape_numel (&value->shape)))
         : value_bytes (value);
}

/* First fit in a list of free blocks kept sorted by offset; grows the
 * arena when nothing fits. */
static gsize
arena_take (GArray *free_blocks, gsize *arena_size, gsize size)
{
  for (guint i = 0; i < free_blocks->len; i++)
    {
      Block *block = &g_array_index (free_blocks, Block, i);

      if (block->size >= size)
        {
          gsize offset = block->offset;

          block->offset += size;
          block->size -= size;
          if (block->size == 0)
            g_array_remove_index (free_blocks, i);
          return offset;
        }
    }
  /* Extend a free block that ends the arena rather than leave it stranded. */
  if (free_blocks->len > 0)
    {
      Block *last = &g_array_index (free_blocks, Block, free_blocks->len - 1);

      if (last->offset + last->size == *arena_size)
        {
          gsize offset = last->offset;

          *arena_size = offset + size;
          g_array_remove_index (free_blocks, free_blocks->len - 1);
          return offset;
        }
    }
  *arena_size += size;
  return *arena_size - size;
}

static void
arena_give (GArray *free_blocks, gsize offset, gsize size)
{
  guint i = 0;

  while (i < free_blocks->len && g_array_index (free_blocks, Block, i).offset < offset)
    i++;
  g_array_insert_val (free_blocks, i, ((Block) { offset, size }));
  /* Merge with the neighbours. */
  if (i + 1 < free_blocks->len)
    {
      Block *block = &g_array_index (free_blocks, Block, i);
      Block *next = &g_array_index (free_blocks, Block, i + 1);

      if (block->offset + block->size == next->offset)
        {
          block->size += next->size;
          g_array_remove_index (free_blocks, i + 1);
        }
    }
  if (i > 0)
    {
      Block *prev = &g_array_index (free_blocks, Block, i - 1);
      Block *block = &g_array_index (free_blocks, Block, i);

      if (prev->offset + prev->size == block->offset)
        {
          prev->size += block->size;
          g_array_remove_index (free_blocks, i);
        }
    }
}

/* Which input of node @i output 0 takes the memory of, −1 none: input 0
 * of a copy (a reshape), which then copies nothing, or input 0 or 1 of
 * an op that writes over its inputs, each element read before it is
 * written (ResNet's residual Add, onto the convolution's output it ends:
 * no lines of fresh memory to fetch before writing them).  The input
 * lives in the arena, in memory of its own (not @into another value's,
 * plan_places), and dies at this node, no other input of the node is
 * the same value, and output 0 is no graph output and has the input's
 * elements and bytes. */
static int
input_handed_over (const CsSession *session, const CsNode *node, int i, const int *last_reader,
                   const int *into)
{
  const CsGraph *graph = session->model->graph;
  const int candidates = node->klass->copies_input ? 1 : node->klass->writes_over_inputs ? 2 : 0;

  if (node->dead || node->n_outputs < 1 || cs_node_output (graph, node, 0)->is_output)
    return -1;
  for (int k = 0; k < MIN (candidates, node->n_inputs); k++)
    {
      const int in = node->inputs[k];
      gboolean repeated = FALSE;

      if (in < 0 || session->offsets[in] < 0 || last_reader[in] != i || into[in] >= 0
          || cs_shape_numel (&cs_graph_value (graph, in)->shape)
             != cs_shape_numel (&cs_node_output (graph, node, 0)->shape)
          || arena_bytes (session, in) != arena_bytes (session, node->outputs[0]))
        continue;
      for (int j = 0; j < node->n_inputs; j++)
        repeated |= j != k && node->inputs[j] == in;
      if (!repeated)
        return k;
    }
  return -1;
}

/* Whether every reader of value @v reads it as the bytes of @grid, and
 * there is one.  Dead nodes count too: one a pass absorbed into another
 * as an epilogue step still runs. */
static gboolean
readers_take_bytes (const CsGraph *graph, int v, const CsGrid *grid)
{
  int readers = 0;

  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (graph, i);

      for (int j = 0; j < node->n_inputs; j++)
        if (node->inputs[j] == v)
          {
            if (node->klass->reads_bytes == NULL
                || !node->klass->reads_bytes (graph, node, j, grid))
              return FALSE;
            readers++;
          }
    }
  return readers > 0;
}

/* Which values the session holds as bytes: those a node writes so and
 * every reader reads so, none of them a graph output or written by a
 * node with an epilogue (whose steps run on floats). */
static void
plan_bytes (CsSession *session)
{
  const CsGraph *graph = session->model->graph;

  session->grids = g_new0 (CsGrid, graph->values->len);
  session->bytes = g_new0 (const CsGrid *, graph->values->len);
  if (session->model->activations_in_float)
    return;
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (graph, i);
      CsGrid grid;
      int v;

      if (node->dead || node->klass->writes_bytes == NULL || node->n_outputs != 1
          || (node->epilogue != NULL && node->epilogue->len > 0))
        continue;
      v = node->outputs[0];
      if (cs_graph_value (graph, v)->is_output || cs_graph_value (graph, v)->constant != NULL
          || !node->klass->writes_bytes (graph, node, &grid)
          || !readers_take_bytes (graph, v, &grid))
        continue;
      session->grids[v] = grid;
      session->bytes[v] = &session->grids[v];
    }
}

/* For each value, the node @into[v] whose output 0 it is written into
 * in the first place, at element @place[v] (CsOpClass.input_place: a
 * Concat's parts, which it then need not copy), else −1: a value that
 * node is the last to read, that a node computes, held as floats as the
 * whole is, and no graph output.  Its producer may yet take the memory
 * of an input instead (input_handed_over), and plan_arena then lets it
 * be. */
static void
plan_places (const CsSession *session, const int *last_reader, int *into, int64_t *place)
{
  const CsGraph *graph = session->model->graph;

  for (guint v = 0; v < graph->values->len; v++)
    into[v] = -1;
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      const CsNode *node = cs_graph_node (graph, i);
      const CsValue *whole;

      if (node->dead || node->klass->input_place == NULL || node->n_outputs < 1)
        continue;
      whole = cs_node_output (graph, node, 0);
      if (whole->is_output || whole->constant != NULL || session->bytes[node->outputs[0]] != NULL)
        continue;
      for (int k = 0; k < node->n_inputs; k++)
        {
          const int v = node->inputs[k];
          const CsValue *part = v >= 0 ? cs_graph_value (graph, v) : NULL;
          gboolean repeated = FALSE;
          int64_t at;

          if (part == NULL || part->is_output || part->constant != NULL || part->producer < 0
              || cs_graph_node (graph, part->producer)->dead || last_reader[v] != (int) i
              || session->bytes[v] != NULL || part->dtype != whole->dtype)
            continue;
          for (int j = 0; j < node->n_inputs; j++)
            repeated |= j != k && node->inputs[j] == v;
          at = node->klass->input_place (graph, node, k);
          if (!repeated && at >= 0)
            {
              into[v] = (int) i;
              place[v] = at;
            }
        }
    }
  /* A node whose inputs all lie in one whole as they lie in its own
   * output is that run of the whole (DenseNet's Concats, each of the
   * features so far, which its block's last Concat holds): a view,
   * where it dies before the whole does. */
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      const CsNode *node = cs_graph_node (graph, i);
      const int y = node->n_outputs > 0 ? node->outputs[0] : -1;
      const int first = node->n_inputs > 0 ? node->inputs[0] : -1;
      gboolean view;
      int w;

      if (node->dead || node->klass->input_place == NULL || y < 0 || first < 0
          || into[first] < 0 || into[y] >= 0 || cs_graph_value (graph, y)->is_output
          || session->bytes[y] != NULL)
        continue;
      w = into[first];
      view = last_reader[y] >= 0
             && last_reader[y] < last_reader[cs_graph_node (graph, w)->outputs[0]];
      for (int k = 0; view && k < node->n_inputs; k++)
        {
          const int v = node->inputs[k];
          const int64_t at = node->klass->input_place (graph, node, k);

          view = v >= 0 && into[v] == w && at >= 0 && place[v] == place[first] + at;
        }
      if (view)
        {
          into[y] = w;
          place[y] = place[first];
        }
    }
}

/* Places every computed value that is not a graph output in the arena,
 * reusing a value's memory once its last reader has run; a value placed
 * into another (plan_places) takes its part of that one's memory, which
 * is taken when the first of its parts is written. */
static void
plan_arena (CsSession *session)
{
  const CsGraph *graph = session->model->graph;
  guint n_values = graph->values->len;
  int *last_reader = g_new (int, n_values);
  int *into = g_new (int, n_values);
  int64_t *place = g_new (int64_t, n_values);
  GArray *free_blocks = g_array_new (FALSE, FALSE, sizeof (Block));

  session->offsets = g_new (gssize, n_values);
  for (guint v = 0; v < n_values; v++)
    {
      last_reader[v] = -1;
      session->offsets[v] = -1;
    }
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (graph, i);

      if (!node->dead)
        for (int j = 0; j < node->n_inputs; j++)
          if (node->inputs[j] >= 0)
            last_reader[node->inputs[j]] = (int) i;
    }
  plan_places (session, last_reader, into, place);
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (graph, i);
      const int handed = input_handed_over (session, node, (int) i, last_reader, into);

      if (node->dead)
        continue;
      for (int j = 0; j < node->n_outputs; j++)
        {
          const int v = node->outputs[j];
          CsValue *value = cs_graph_value (graph, v);

          if (j == 0 && handed >= 0)
            {
              session->offsets[v] = session->offsets[node->inputs[handed]];
              into[v] = -1;
            }
          else if (into[v] >= 0)
            {
              const int whole = cs_graph_node (graph, into[v])->outputs[0];

              if (session->offsets[whole] < 0)
                session->offsets[whole] =
                  (gssize) arena_take (free_blocks, &session->arena_size,
                                       arena_bytes (session, whole));
              session->offsets[v] = session->offsets[whole]
                                    + (gssize) (place[v] * (int64_t) cs_dtype_size (value->dtype));
            }
          else if (!value->is_output && value->constant == NULL && session->offsets[v] < 0)
            session->offsets[v] = (gssize) arena_take (free_blocks, &session->arena_size,
                                                       arena_bytes (session, v));
        }
      /* Outputs nobody reads die at once; inputs after their last reader. */
      for (int j = 0; j < node->n_outputs; j++)
        {
          int v = node->outputs[j];

          if (session->offsets[v] >= 0 && last_reader[v] < 0 && into[v] < 0)
            arena_give (free_blocks, session->offsets[v], arena_bytes (session, v));
        }
      for (int j = 0; j < node->n_inputs; j++)
        {
          int v = node->inputs[j];
          gboolean seen_before = FALSE;

          if (v < 0 || last_reader[v] != (int) i || session->offsets[v] < 0
              || j == handed || into[v] >= 0)
            continue;
          for (int k = 0; k < j; k++)
            seen_before |= node->inputs[k] == v;
          if (!seen_before)
            arena_give (free_blocks, session->offsets[v], arena_bytes (session, v));
        }
    }
  g_array_unref (free_blocks);
  g_free (place);
  g_free (into);
  g_free (last_reader);
}

/* Zeroed memory aligned for the kernels, or NULL when the system has
 * none to give: a model may declare gigabytes of activations, which must
 * fail with an error rather than abort.  Released with free (). */
static void *
try_alloc_aligned0 (gsize size)
{
  void *memory = NULL;

  if (posix_memalign (&memory, ALIGNMENT, MAX (size, 1)) != 0)
    return NULL;
  memset (memory, 0, MAX (size, 1));
  return memory;
}

CsSession *
cs_session_new (const CsModel *model, int n_threads, GError **error)
{
  CsSession *session = g_new0 (CsSession, 1);
  const CsGraph *graph = model->graph;
  gsize scratch_bytes = 0;

  session->model = model;
  session->store = g_atomic_rc_box_new0 (TapStore);
  g_mutex_init (&session->store->lock);
  session->pool = cs_thread_pool_new (n_threads);
  session->n_threads = cs_thread_pool_n_threads (session->pool);
  plan_bytes (session);
  plan_arena (session);
  session->arena = try_alloc_aligned0 (session->arena_size);
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (graph, i);

      if (!node->dead && node->klass->scratch_bytes != NULL)
        scratch_bytes = MAX (scratch_bytes, node->klass->scratch_bytes (graph, node));
    }
  session->scratch = g_new0 (void *, session->n_threads);
  for (int t = 0; t < session->n_threads; t++)
    session->scratch[t] = try_alloc_aligned0 (scratch_bytes);
  session->data = g_new0 (void *, graph->values->len);
  for (int t = 0; t < session->n_threads && session->arena != NULL; t++)
    if (session->scratch[t] == NULL)
      g_clear_pointer (&session->arena, free);
  if (session->arena == NULL)
    {
      g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
                   "%s: running it needs %.1f MiB of activations and %.1f MiB of "
                   "scratch per thread, more than can be allocated", model->name,
                   session->arena_size / 1048576.0, scratch_bytes / 1048576.0);
      cs_session_free (session);
      return NULL;
    }
  return session;
}

void
cs_session_free (CsSession *session)
{
  if (session == NULL)
    return;
  cs_thread_pool_free (session->pool);
  g_atomic_rc_box_release_full (session->store, tap_store_clear);
  for (int t = 0; t < session->n_threads; t++)
    free (session->scratch[t]);
  g_free (session->scratch);
  free (session->arena);
  g_free (session->offsets);
  g_free (session->data);
  g_free (session->grids);
  g_free (session->bytes);
  g_free (session);
}

static void
tap_store_clear (gpointer data)
{
  TapStore *store = data;

  g_free (store->spare);
  g_mutex_clear (&store->lock);
}

/* A block of at least @size bytes for the taps: the spare when it fits;
 * NULL when no such block can be allocated. */
static void *
tap_store_take (TapStore *store, gsize size, gsize *block_size)
{
  void *block = NULL;

  g_mutex_lock (&store->lock);
  if (store->spare != NULL && store->spare_size >= size)
    {
      block = store->spare;
      *block_size = store->spare_size;
      store->spare = NULL;
    }
  g_mutex_unlock (&store->lock);
  if (block == NULL)
    {
      block = g_try_malloc (MAX (size, 1));
      *block_size = size;
    }
  return block;
}

/* Keeps the larger of @block and the spare; frees the other. */
static void
tap_store_give (TapStore *store, void *block, gsize size)
{
  g_mutex_lock (&store->lock);
  if (store->spare == NULL || store->spare_size < size)
    {
      void *old = store->spare;

      store->spare = block;
      store->spare_size = size;
      block = old;
    }
  g_mutex_unlock (&store->lock);
  g_free (block);
}

void
cs_result_free (CsResult *result)
{
  ResultPrivate *priv = (ResultPrivate *) result;

  if (result == NULL)
    return;
  for (size_t i = 0; i < result->n_outputs; i++)
    {
      g_free (result->outputs[i].name);
      g_free (result->outputs[i].data);
    }
  for (size_t i = 0; i < result->n_taps; i++)
    g_free (result->taps[i].name);
  if (priv->block != NULL)
    tap_store_give (priv->store, priv->block, priv->block_size);
  g_atomic_rc_box_release_full (priv->store, tap_store_clear);
  g_free (result->outputs);
  g_free (result->taps);
  g_free (priv);
}

/* Fills @tensor with room for @value; FALSE when the room cannot be
 * allocated (the name is set either way, for cs_result_free). */
static gboolean
new_tensor (const CsValue *value, const char *name, CsTensor *tensor)
{
  *tensor = (CsTensor) { g_strdup (name), value->dtype, value->shape, NULL };
  /* Not zeroed: every op writes all of its output. */
  tensor->data = g_try_malloc (MAX (value_bytes (value), 1));
  return tensor->data != NULL;
}

/* The error of a run whose outputs or taps do not fit in memory. */
static void
set_alloc_error (const CsModel *model, const char *what, gsize bytes, GError **error)
{
  g_set_error (error, CS_ERROR, CS_ERROR_UNSUPPORTED,
               "%s: %s need %.1f MiB, more than can be allocated", model->name, what,
               bytes / 1048576.0);
}

const CsModel *
cs_session_model (const CsSession *session)
{
  return session->model;
}

CsThreadPool *
cs_session_pool (const CsSession *session)
{
  return session->pool;
}

void **
cs_session_scratch (const CsSession *session)
{
  return session->scratch;
}

void *
cs_session_arena_value (const CsSession *session, int index)
{
  return session->offsets[index] >= 0 && session->bytes[index] == NULL
         ? session->arena + session->offsets[index]
         : NULL;
}

gboolean
cs_model_check_inputs (const CsModel *model, const CsTensor *inputs, size_t n_inputs,
                       GError **error)
{
  if (n_inputs != cs_model_n_inputs (model))
    {
      g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                   "%s: the model takes %zu input(s), %zu given",
                   model->name, cs_model_n_inputs (model), n_inputs);
      return FALSE;
    }
  for (size_t i = 0; i < n_inputs; i++)
    {
      const CsTensor *want = cs_model_input (model, i);

      if (inputs[i].dtype != want->dtype || !cs_shape_equal (&inputs[i].shape, &want->shape)
          || inputs[i].data == NULL)
        {
          char *have_text = cs_shape_to_string (&inputs[i].shape);
          char *want_text = cs_shape_to_string (&want->shape);

          g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                       "%s: input '%s' must be a %s float32 tensor, got %s%s",
                       model->name, want->name, want_text, have_text,
                       inputs[i].dtype != want->dtype ? " of another type" : "");
          g_free (have_text);
          g_free (want_text);
          return FALSE;
        }
    }
  return TRUE;
}

/* Which layers to keep: a per-layer flag, or FALSE with @error set. */
static gboolean *
choose_taps (const CsModel *model, const CsRunOptions *options, size_t *n_taps,
             GError **error)
{
  size_t n_layers = cs_model_n_layers (model);
  gboolean *tapped = g_new0 (gboolean, MAX (n_layers, 1));

  *n_taps = 0;
  if (options == NULL)
    return tapped;
  for (size_t i = 0; i < n_layers && options->tap_all; i++)
    tapped[i] = TRUE;
  for (size_t i = 0; options->taps != NULL && options->taps[i] != NULL; i++)
    {
      int layer = cs_model_find_layer (model, options->taps[i]);

      if (layer < 0)
        {
          g_set_error (error, CS_ERROR, CS_ERROR_ARGUMENT,
                       "%s: there is no layer called '%s'", model->name, options->taps[i]);
          g_free (tapped);
          return NULL;
        }
      tapped[layer] = TRUE;
    }
  for (size_t i = 0; i < n_layers; i++)
    *n_taps += tapped[i];
  return tapped;
}

gboolean
cs_session_run (CsSession          *session,
                const CsTensor     *inputs,
                size_t              n_inputs,
                const CsRunOptions *options,
                CsResult          **result_out,
                GError            **error)
{
  const CsModel *model = session->model;
  const CsGraph *graph = model->graph;
  CsExec exec = { graph, session->data, session->pool, session->scratch, session->bytes };
  ResultPrivate *priv;
  CsResult *result;
  gboolean *tapped;
  float **tap_floats;   /* per value held as bytes and tapped: the tap */
  size_t n_taps, tap = 0;
  gsize tap_bytes = 0, tap_offset = 0;

  g_return_val_if_fail (result_out != NULL, FALSE);
  if (!cs_model_check_inputs (model, inputs, n_inputs, error)
      || (tapped = choose_taps (model, options, &n_taps, error)) == NULL)
    return FALSE;

  priv = g_new0 (ResultPrivate, 1);
  priv->store = g_atomic_rc_box_acquire (session->store);
  result = &priv->result;
  result->n_outputs = graph->outputs->len;
  result->outputs = g_new0 (CsTensor, result->n_outputs);
  result->n_taps = n_taps;
  result->taps = g_new0 (CsTensor, MAX (n_taps, 1));
  tap_floats = g_new0 (float *, graph->values->len);

  for (guint v = 0; v < graph->values->len; v++)
    {
      CsValue *value = cs_graph_value (graph, v);

      session->data[v] = value->constant != NULL ? value->constant
                         : session->offsets[v] >= 0 ? session->arena + session->offsets[v]
                         : NULL;
    }
  for (size_t i = 0; i < n_inputs; i++)
    session->data[g_array_index (graph->inputs, int, i)] = inputs[i].data;
  /* The taps' block first: tapping every layer makes it a run's largest
   * allocation. */
  for (guint l = 0; l < model->layers->len; l++)
    if (tapped[l])
      {
        CsNode *node = cs_graph_node (graph, g_array_index (model->layer_nodes, int, l));

        tap_bytes += value_bytes (cs_node_output (graph, node, 0));
      }
  if (n_taps > 0
      && (priv->block = tap_store_take (session->store, tap_bytes, &priv->block_size)) == NULL)
    {
      set_alloc_error (model, "the tapped layers", tap_bytes, error);
      goto failed;
    }
  for (size_t i = 0; i < result->n_outputs; i++)
    {
      int v = g_array_index (graph->outputs, int, i);
      CsValue *value = cs_graph_value (graph, v);

      if (!new_tensor (value, value->name, &result->outputs[i]))
        {
          set_alloc_error (model, "the outputs", value_bytes (value), error);
          goto failed;
        }
      if (session->data[v] != NULL)  /* a constant or an input passed through */
        memcpy (result->outputs[i].data, session->data[v],
                cs_shape_numel (&value->shape) * cs_dtype_size (value->dtype));
      else
        session->data[v] = result->outputs[i].data;
    }
  /* Tapped layers write into the result's block; one that is also a graph
   * output is copied after the run. */
  for (guint l = 0; l < model->layers->len; l++)
    {
      int node_index = g_array_index (model->layer_nodes, int, l);
      CsNode *node = cs_graph_node (graph, node_index);
      CsValue *value = cs_node_output (graph, node, 0);

      if (!tapped[l])
        continue;
      result->taps[tap] = (CsTensor) { g_strdup (node->name), value->dtype, value->shape,
                                       (guint8 *) priv->block + tap_offset };
      tap_offset += value_bytes (value);
      if (session->bytes[node->outputs[0]] != NULL)
        tap_floats[node->outputs[0]] = result->taps[tap].data;
      else if (!value->is_output)
        session->data[node->outputs[0]] = result->taps[tap].data;
      tap++;
    }

  for (guint i = 0; i < graph->nodes->len; i++)
    {
      CsNode *node = cs_graph_node (graph, i);

      if (node->dead)
        continue;
      node->klass->run (node, &exec);
      if (cs_activation_is_set (&node->act) && !node->klass->fuses_activation)
        cs_activation_apply (&node->act, session->data[node->outputs[0]],
                             cs_shape_numel (&cs_node_output (graph, node, 0)->shape));
      for (guint e = 0; node->epilogue != NULL && e < node->epilogue->len; e++)
        {
          CsNode *step = g_ptr_array_index (node->epilogue, e);

          session->data[step->inputs[0]] = session->data[node->outputs[0]];
          session->data[step->outputs[0]] = session->data[node->outputs[0]];
          step->klass->run (step, &exec);
        }
      if (node->n_outputs > 0 && tap_floats[node->outputs[0]] != NULL)
        {
          const CsGrid *grid = session->bytes[node->outputs[0]];

          cs_kernels_get ()->grid_from_bytes (
            session->data[node->outputs[0]], tap_floats[node->outputs[0]],
            cs_shape_numel (&cs_node_output (graph, node, 0)->shape), grid->scale, grid->low);
        }
    }

  tap = 0;
  for (guint l = 0; l < model->layers->len; l++)
    {
      CsNode *node = cs_graph_node (graph, g_array_index (model->layer_nodes, int, l));
      CsValue *value = cs_node_output (graph, node, 0);

      if (!tapped[l])
        continue;
      if (value->is_output)
        memcpy (result->taps[tap].data, session->data[node->outputs[0]],
                cs_shape_numel (&value->shape) * cs_dtype_size (value->dtype));
      tap++;
    }
  g_free (tapped);
  g_free (tap_floats);
  *result_out = result;
  return TRUE;

failed:
  g_free (tapped);
  g_free (tap_floats);
  cs_result_free (result);
  return FALSE;
}
