#ifndef NIB_POOL_H
#define NIB_POOL_H

typedef void (*pool_task)(void *ctx, int tid, int nthreads);

/* Starts (or resizes to) n threads in all, the caller's included. */
int pool_set_threads(int n);
int pool_threads(void);
/* How many of the threads pool_run uses (1..pool_threads()); pool_set_threads resets it to all. */
int pool_active(void);
int pool_set_active(int n);
/* Runs task(ctx, tid, n) on every thread, the caller as tid 0; returns when all are done. */
void pool_run(pool_task task, void *ctx);
/* A barrier for the threads of the running task. */
void pool_barrier(void);

#endif
