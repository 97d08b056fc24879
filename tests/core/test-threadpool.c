/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-threadpool.c — how cs_parallel_for shares out a range: every index
 * exactly once, in at most two chunks a thread and as many for each
 * thread once there are more chunks than threads, each of half the grain
 * or more and within one index of the others in size, on pools of two
 * and three threads; a range no longer than the grain runs whole on the
 * caller; a worker starts on its own share of the range.
 */
#include "threadpool.h"

#include <stdatomic.h>

#define MAX_N 300

typedef struct
{
  atomic_int seen[MAX_N];
  GMutex     lock;
  int64_t    sizes[64];
  int        n_chunks;
  gboolean   off_caller;  /* a chunk ran on a worker */
} Record;

static void
record_range (void *user, int64_t begin, int64_t end, int thread)
{
  Record *record = user;

  for (int64_t i = begin; i < end; i++)
    atomic_fetch_add (&record->seen[i], 1);
  g_mutex_lock (&record->lock);
  g_assert_cmpint (record->n_chunks, <, (int) G_N_ELEMENTS (record->sizes));
  record->sizes[record->n_chunks++] = end - begin;
  record->off_caller |= thread != 0;
  g_mutex_unlock (&record->lock);
}

static void
test_partition (void)
{
  static const int64_t grains[] = { 1, 3, 16, 1000 };

  for (int threads = 2; threads <= 3; threads++)
    {
      CsThreadPool *pool = cs_thread_pool_new (threads);

      for (int64_t n = 0; n <= MAX_N; n++)
        for (guint g = 0; g < G_N_ELEMENTS (grains); g++)
          {
            Record  record = { 0 };
            int64_t smallest = G_MAXINT64, largest = 0;

            g_mutex_init (&record.lock);
            cs_parallel_for (pool, n, grains[g], record_range, &record);
            for (int64_t i = 0; i < n; i++)
              g_assert_cmpint (atomic_load (&record.seen[i]), ==, 1);
            g_assert_cmpint (record.n_chunks, <=, 2 * threads);
            for (int c = 0; c < record.n_chunks; c++)
              {
                smallest = MIN (smallest, record.sizes[c]);
                largest = MAX (largest, record.sizes[c]);
              }
            if (n <= grains[g])
              {
                g_assert_cmpint (record.n_chunks, ==, n > 0 ? 1 : 0);
                g_assert_false (record.off_caller);
              }
            else
              {
                g_assert_cmpint (2 * smallest, >=, grains[g]);
                g_assert_cmpint (largest - smallest, <=, 1);
                int64_t want = MIN (2 * threads, (n + grains[g] - 1) / grains[g]);

                /* Whole chunks a thread once there are more than threads. */
                g_assert_cmpint (record.n_chunks, ==,
                                 want > threads ? want / threads * threads : want);
              }
            g_mutex_clear (&record.lock);
          }
      cs_thread_pool_free (pool);
    }
}

typedef struct
{
  GMutex  lock;
  GCond   ran;
  int64_t worker_first;  /* where the worker's first chunk began, or -1 */
} FirstChunk;

/* The caller's first chunk waits (up to 10 s) until the worker has run
 * one, so the worker chooses while its share and the caller's rest lie
 * open. */
static void
note_first_chunk (void *user, int64_t begin, int64_t end, int thread)
{
  FirstChunk *first = user;
  gint64      deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&first->lock);
  if (thread != 0 && first->worker_first < 0)
    {
      first->worker_first = begin;
      g_cond_signal (&first->ran);
    }
  if (thread == 0 && begin == 0)
    while (first->worker_first < 0)
      if (!g_cond_wait_until (&first->ran, &first->lock, deadline))
        break;
  g_mutex_unlock (&first->lock);
}

static void
test_own_share (void)
{
  CsThreadPool *pool = cs_thread_pool_new (2);
  FirstChunk    first = { .worker_first = -1 };

  g_mutex_init (&first.lock);
  g_cond_init (&first.ran);
  /* Four chunks of 25: the caller's share is [0, 50), the worker's
   * [50, 100), which it starts on though the caller's second chunk,
   * [25, 50), lies open too. */
  cs_parallel_for (pool, 100, 1, note_first_chunk, &first);
  g_assert_cmpint (first.worker_first, ==, 50);
  g_cond_clear (&first.ran);
  g_mutex_clear (&first.lock);
  cs_thread_pool_free (pool);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/threadpool/partition", test_partition);
  g_test_add_func ("/threadpool/own-share", test_own_share);
  return g_test_run ();
}
