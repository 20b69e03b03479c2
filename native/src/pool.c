/*
 * A small persistent thread pool. Between tasks workers sleep on a condition variable; inside a
 * task they meet at spin barriers, since an LSTM step synchronises once per time step (hundreds of
 * times per batch) and sleeping there would cost more than the work between barriers.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include "pool.h"

#define MAX_THREADS 64

static pthread_t workers[MAX_THREADS];
static int nthreads = 1;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_long generation;
static atomic_int finished;
static atomic_int stop_below; /* workers with tid >= this exit */
static pool_task cur_task;
static void *cur_ctx;
static int cur_n;

static atomic_int bar_count;
static atomic_int bar_sense;
static _Thread_local int my_sense;

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

void pool_barrier(void) {
  if (cur_n <= 1) return;
  my_sense = !my_sense;
  if (atomic_fetch_add(&bar_count, 1) == cur_n - 1) {
    atomic_store(&bar_count, 0);
    atomic_store(&bar_sense, my_sense);
  } else {
    long spins = 0;
    while (atomic_load_explicit(&bar_sense, memory_order_acquire) != my_sense) {
      relax();
      if (++spins > 200000) sched_yield();
    }
  }
}

static void *worker(void *arg) {
  int tid = (int)(long)arg;
  long seen = atomic_load(&generation);
  for (;;) {
    long spins = 0;
    while (atomic_load_explicit(&generation, memory_order_acquire) == seen) {
      if (++spins < 20000) {
        relax();
        continue;
      }
      pthread_mutex_lock(&mu);
      while (atomic_load(&generation) == seen) pthread_cond_wait(&cv, &mu);
      pthread_mutex_unlock(&mu);
    }
    seen = atomic_load(&generation);
    if (tid >= atomic_load(&stop_below)) return NULL;
    my_sense = atomic_load(&bar_sense);
    cur_task(cur_ctx, tid, cur_n);
    atomic_fetch_add_explicit(&finished, 1, memory_order_release);
  }
}

static void wake_all(void) {
  pthread_mutex_lock(&mu);
  atomic_fetch_add(&generation, 1);
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

int pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  if (n == nthreads) return n;
  if (nthreads > 1) {
    atomic_store(&stop_below, 1);
    wake_all();
    for (int i = 1; i < nthreads; i++) pthread_join(workers[i], NULL);
  }
  atomic_store(&stop_below, MAX_THREADS);
  nthreads = 1;
  for (int i = 1; i < n; i++) {
    if (pthread_create(&workers[i], NULL, worker, (void *)(long)i) != 0) break;
    nthreads = i + 1;
  }
  return nthreads;
}

int pool_threads(void) { return nthreads; }

void pool_run(pool_task task, void *ctx) {
  cur_task = task;
  cur_ctx = ctx;
  cur_n = nthreads;
  atomic_store(&finished, 0);
  atomic_store(&bar_count, 0);
  my_sense = atomic_load(&bar_sense);
  if (nthreads > 1) wake_all();
  task(ctx, 0, cur_n);
  long spins = 0;
  while (atomic_load_explicit(&finished, memory_order_acquire) < cur_n - 1) {
    relax();
    if (++spins > 200000) sched_yield();
  }
}
