/*
 * A small persistent thread pool.
 *
 * Start-up: a worker is handed the task generation current when it was created, so a task posted
 * the instant after pool_set_threads returns is seen even if the thread has not run yet (reading
 * the generation inside the new thread lost such a task, and pool_run then waited forever).
 *
 * Waiting: an LSTM step meets at a barrier once per time step (hundreds of times per batch), so
 * every wait — the barrier, the end of a task, the next task — first spins briefly (a few
 * microseconds: the usual gap when every thread has its own core) and then sleeps on a futex
 * (a condition variable off Linux). Pure spinning collapsed when another process was busy: a
 * spinning thread held a core the preempted thread needed, so two threads ran slower than one.
 *
 * Adaptive width: pool_run uses `active` of the threads. lstm.c times its training steps and
 * calls pool_set_active to use the thread count that is fastest now (see adapt_* in lstm.c).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include "pool.h"

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#define HAVE_FUTEX 1
#endif

#define MAX_THREADS 64
/* Spin this many pause instructions before sleeping: ~10–40 µs on current x86 cores. */
#define SPIN_LIMIT 4000

static pthread_t workers[MAX_THREADS];
static int nthreads = 1;
static int active = 1; /* threads that take part in pool_run, 1..nthreads */
static atomic_int generation; /* see GEN_N_BITS */
static atomic_int finished;
static atomic_int stop_below; /* workers with tid >= this exit */
static int start_generation;  /* written before pthread_create, read by the new worker */
static pool_task cur_task;
static void *cur_ctx;
static int cur_n;

static atomic_int bar_count;
static atomic_int bar_sense;
static _Thread_local int my_sense;
/* Threads asleep (or going to sleep) on each word: a waker makes the syscall only when needed. */
static atomic_int sleepers_gen, sleepers_bar, sleepers_fin;

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

#ifdef HAVE_FUTEX
static void sleep_while(atomic_int *word, int value) {
  syscall(SYS_futex, (int *)word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}
static void wake(atomic_int *word) { syscall(SYS_futex, (int *)word, FUTEX_WAKE_PRIVATE, MAX_THREADS, NULL, NULL, 0); }
#else
/* One mutex and condition variable stand in for every futex word; waits re-check with a timeout,
 * so a wake-up that slips between the check and the wait costs at most a millisecond. */
static pthread_mutex_t sleep_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_cv = PTHREAD_COND_INITIALIZER;
static void sleep_while(atomic_int *word, int value) {
  pthread_mutex_lock(&sleep_mu);
  if (atomic_load(word) == value) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 1000000;
    if (ts.tv_nsec >= 1000000000) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&sleep_cv, &sleep_mu, &ts);
  }
  pthread_mutex_unlock(&sleep_mu);
}
static void wake(atomic_int *word) {
  (void)word;
  pthread_mutex_lock(&sleep_mu);
  pthread_cond_broadcast(&sleep_cv);
  pthread_mutex_unlock(&sleep_mu);
}
#endif

/* Waits until *word != value: spins, then sleeps. `sleepers` counts sleepers for the waker. */
static void wait_change(atomic_int *word, int value, atomic_int *sleepers) {
  for (int i = 0; i < SPIN_LIMIT; i++) {
    if (atomic_load_explicit(word, memory_order_acquire) != value) return;
    relax();
  }
  while (atomic_load_explicit(word, memory_order_acquire) == value) {
    atomic_fetch_add(sleepers, 1);
    /* The futex re-checks *word == value atomically with going to sleep: no lost wake-up. */
    if (atomic_load(word) == value) sleep_while(word, value);
    atomic_fetch_sub(sleepers, 1);
  }
}

/* Call after changing *word. seq_cst on both sides: either the waiter sees the new value, or
 * this sees its sleeper count. */
static void wake_sleepers(atomic_int *word, atomic_int *sleepers) {
  if (atomic_load(sleepers) > 0) wake(word);
}

void pool_barrier(void) {
  if (cur_n <= 1) return;
  my_sense = !my_sense;
  if (atomic_fetch_add(&bar_count, 1) == cur_n - 1) {
    atomic_store(&bar_count, 0);
    atomic_store(&bar_sense, my_sense);
    wake_sleepers(&bar_sense, &sleepers_bar);
  } else {
    wait_change(&bar_sense, !my_sense, &sleepers_bar);
  }
}

/* The generation word carries a task's thread count in its low bits, so a worker reads the task
 * number and whether it takes part in one load: a worker left out of one task (adaptive width)
 * may wake late, after the next task was posted, and must not mix the two. */
#define GEN_N_BITS 7
#define GEN_N_MASK ((1 << GEN_N_BITS) - 1)

static void *worker(void *arg) {
  int tid = (int)(intptr_t)arg;
  int seen = start_generation;
  for (;;) {
    wait_change(&generation, seen, &sleepers_gen);
    seen = atomic_load(&generation);
    if (tid >= atomic_load(&stop_below)) return NULL;
    int n = seen & GEN_N_MASK;
    if (tid < n) {
      /* Participants are counted in `finished`, so the caller posts nothing new until they are
       * done: cur_task and cur_ctx are stable here. */
      my_sense = atomic_load(&bar_sense);
      cur_task(cur_ctx, tid, n);
      if (atomic_fetch_add(&finished, 1) == n - 2) wake_sleepers(&finished, &sleepers_fin);
    }
  }
}

static void post(int n) {
  int g = atomic_load(&generation);
  atomic_store(&generation, (int)((((unsigned)g >> GEN_N_BITS) + 1) << GEN_N_BITS) | n);
  wake_sleepers(&generation, &sleepers_gen);
}

int pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  if (n == nthreads) return n;
  if (nthreads > 1) {
    atomic_store(&stop_below, 1);
    post(0);
    for (int i = 1; i < nthreads; i++) pthread_join(workers[i], NULL);
  }
  atomic_store(&stop_below, MAX_THREADS);
  nthreads = 1;
  start_generation = atomic_load(&generation);
  for (int i = 1; i < n; i++) {
    if (pthread_create(&workers[i], NULL, worker, (void *)(intptr_t)i) != 0) break;
    nthreads = i + 1;
  }
  active = nthreads;
  return nthreads;
}

int pool_threads(void) { return nthreads; }

int pool_active(void) { return active; }

int pool_set_active(int n) {
  active = n < 1 ? 1 : n > nthreads ? nthreads : n;
  return active;
}

void pool_run(pool_task task, void *ctx) {
  cur_task = task;
  cur_ctx = ctx;
  cur_n = active;
  atomic_store(&finished, 0);
  atomic_store(&bar_count, 0);
  my_sense = atomic_load(&bar_sense);
  /* With one thread nothing is posted and the workers sleep on. With a middle width, the workers
   * left out are woken too (one futex word for all) and go back to sleep at once. */
  if (cur_n > 1) post(cur_n);
  task(ctx, 0, cur_n);
  int done;
  while ((done = atomic_load_explicit(&finished, memory_order_acquire)) < cur_n - 1) wait_change(&finished, done, &sleepers_fin);
}
