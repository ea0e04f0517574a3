/* A small pool of threads for blocking work (fdatasync, deleting files)
 * that completes back on the event loop: `work` runs on a pool thread,
 * then `done` runs on the loop thread, in completion order; a job may also
 * post callbacks to the loop while it works. Nothing else
 * in the broker runs off the loop. */
#ifndef BROOK_CORE_WORKERS_H
#define BROOK_CORE_WORKERS_H

#include <brook/errors.h>

#include "loop.h"

typedef struct brook_workers brook_workers;

brook_err brook_workers_new(brook_loop *loop, int threads, brook_workers **out);

/* Queue a job. `work(arg)` must not touch loop-owned state; `done(arg)`
 * may (it runs on the loop). Either may be NULL. */
brook_err brook_workers_submit(brook_workers *w, void (*work)(void *arg), void (*done)(void *arg), void *arg);

/* From a pool thread, inside a job's `work`: `done(arg)` runs on the loop
 * like a finished job's, so before the posting job's own `done` (a long
 * job telling the loop of its progress as it goes on). */
brook_err brook_workers_post(brook_workers *w, void (*done)(void *arg), void *arg);

/* Finish every queued job (running each `done` on the calling thread),
 * stop the threads and free the pool. Call from the loop thread. */
void brook_workers_free(brook_workers *w);

#endif
