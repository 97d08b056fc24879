/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * threadpool.h — the fork-join pool every parallel loop of the engine
 * runs on, from the kernels up.  It depends on GLib alone, so that the
 * kernels can use it without knowing the graph.
 */
#ifndef CS_THREADPOOL_H
#define CS_THREADPOOL_H

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct _CsThreadPool CsThreadPool;

typedef void (*CsRangeFunc) (void *user, int64_t begin, int64_t end, int thread);

CsThreadPool *cs_thread_pool_new       (int n_threads);
void          cs_thread_pool_free      (CsThreadPool *pool);
int           cs_thread_pool_n_threads (const CsThreadPool *pool);
/* Splits [0, n) into chunks of at least @grain and runs @func on them over
 * all threads, returning when every chunk is done.  @pool NULL runs
 * serially on the calling thread as thread 0. */
void          cs_parallel_for          (CsThreadPool *pool,
                                        int64_t       n,
                                        int64_t       grain,
                                        CsRangeFunc   func,
                                        void         *user);

G_END_DECLS

#endif /* CS_THREADPOOL_H */
