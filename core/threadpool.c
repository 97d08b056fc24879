/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * threadpool.c — a persistent fork-join pool for the kernels' parallel
 * loops.  A network runs a few hundred short parallel loops, so waking
 * threads must cost microseconds: workers spin briefly on a generation
 * counter before sleeping on a condition, and the calling thread takes a
 * share of the work itself.  Chunks are handed out from an atomic counter
 * so a core busy with something else does not hold the others up.
 */
#include "graph.h"

#define SPIN_ROUNDS 20000

struct _CsThreadPool
{
  int          n_threads;   /* including the caller */
  GThread    **workers;
  GMutex       lock;
  GCond        wake;
  GCond        done;
  gint         generation;  /* bumped for each job */
  gint         pending;     /* workers still inside the current job */
  gboolean     quit;

  /* The current job, written before generation is bumped. */
  CsRangeFunc  func;
  void        *user;
  int64_t      n;
  int64_t      chunk;
  gint         n_chunks;
  gint         next_chunk;
};

typedef struct
{
  CsThreadPool *pool;
  int           index;
} WorkerArgs;

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

static void
run_chunks (CsThreadPool *pool, int thread)
{
  for (;;)
    {
      gint chunk = g_atomic_int_add (&pool->next_chunk, 1);
      int64_t begin, end;

      if (chunk >= pool->n_chunks)
        return;
      begin = chunk * pool->chunk;
      end = MIN (begin + pool->chunk, pool->n);
      pool->func (pool->user, begin, end, thread);
    }
}

static gpointer
worker_main (gpointer data)
{
  WorkerArgs *args = data;
  CsThreadPool *pool = args->pool;
  int index = args->index;
  gint seen = 0;

  g_free (args);
  for (;;)
    {
      for (int i = 0; i < SPIN_ROUNDS && g_atomic_int_get (&pool->generation) == seen; i++)
        cpu_relax ();
      if (g_atomic_int_get (&pool->generation) == seen)
        {
          g_mutex_lock (&pool->lock);
          while (g_atomic_int_get (&pool->generation) == seen && !pool->quit)
            g_cond_wait (&pool->wake, &pool->lock);
          g_mutex_unlock (&pool->lock);
        }
      if (g_atomic_int_get (&pool->quit))
        return NULL;
      seen = g_atomic_int_get (&pool->generation);
      run_chunks (pool, index);
      if (g_atomic_int_dec_and_test (&pool->pending))
        {
          g_mutex_lock (&pool->lock);
          g_cond_signal (&pool->done);
          g_mutex_unlock (&pool->lock);
        }
    }
}

/* Returns a pool of @n_threads (including the caller; 0 = every core).
 * Free with cs_thread_pool_free. */
CsThreadPool *
cs_thread_pool_new (int n_threads)
{
  CsThreadPool *pool = g_new0 (CsThreadPool, 1);

  if (n_threads <= 0)
    n_threads = (int) g_get_num_processors ();
  pool->n_threads = CLAMP (n_threads, 1, 256);
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->wake);
  g_cond_init (&pool->done);
  pool->workers = g_new0 (GThread *, pool->n_threads);
  for (int i = 1; i < pool->n_threads; i++)
    {
      WorkerArgs *args = g_new (WorkerArgs, 1);

      args->pool = pool;
      args->index = i;
      pool->workers[i] = g_thread_new ("convscope-worker", worker_main, args);
    }
  return pool;
}

void
cs_thread_pool_free (CsThreadPool *pool)
{
  if (pool == NULL)
    return;
  g_mutex_lock (&pool->lock);
  g_atomic_int_set (&pool->quit, TRUE);
  g_atomic_int_inc (&pool->generation);
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);
  for (int i = 1; i < pool->n_threads; i++)
    g_thread_join (pool->workers[i]);
  g_free (pool->workers);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->wake);
  g_cond_clear (&pool->done);
  g_free (pool);
}

int
cs_thread_pool_n_threads (const CsThreadPool *pool)
{
  return pool != NULL ? pool->n_threads : 1;
}

void
cs_parallel_for (CsThreadPool *pool,
                 int64_t       n,
                 int64_t       grain,
                 CsRangeFunc   func,
                 void         *user)
{
  int64_t chunk;

  if (n <= 0)
    return;
  grain = MAX (grain, 1);
  if (pool == NULL || pool->n_threads == 1 || n <= grain)
    {
      func (user, 0, n, 0);
      return;
    }
  /* A few chunks per thread balance load without much bookkeeping. */
  chunk = MAX (grain, (n + pool->n_threads * 4 - 1) / (pool->n_threads * 4));
  if ((n + chunk - 1) / chunk > G_MAXINT / 2)
    chunk = (n + G_MAXINT / 2 - 1) / (G_MAXINT / 2);
  pool->func = func;
  pool->user = user;
  pool->n = n;
  pool->chunk = chunk;
  pool->n_chunks = (gint) ((n + chunk - 1) / chunk);
  g_atomic_int_set (&pool->next_chunk, 0);
  g_atomic_int_set (&pool->pending, pool->n_threads - 1);

  g_mutex_lock (&pool->lock);
  g_atomic_int_inc (&pool->generation);
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);

  run_chunks (pool, 0);

  for (int i = 0; i < SPIN_ROUNDS && g_atomic_int_get (&pool->pending) > 0; i++)
    cpu_relax ();
  if (g_atomic_int_get (&pool->pending) > 0)
    {
      g_mutex_lock (&pool->lock);
      while (g_atomic_int_get (&pool->pending) > 0)
        g_cond_wait (&pool->done, &pool->lock);
      g_mutex_unlock (&pool->lock);
    }
}
