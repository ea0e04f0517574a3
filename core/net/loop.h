/* The event loop: epoll for file descriptors, a min-heap of one-shot timers.
 * One thread runs it; everything registered on it is called from that thread. */
#ifndef BROOK_CORE_LOOP_H
#define BROOK_CORE_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

typedef struct brook_loop brook_loop;

typedef void (*brook_io_cb)(void *arg, uint32_t events);

/* Embedded in whatever owns the fd (listener, connection). */
typedef struct brook_io {
    int fd;
    uint32_t events; /* EPOLLIN / EPOLLOUT currently asked for */
    brook_io_cb cb;
    void *arg;
} brook_io;

/* Same type as the SDK's opaque brook_timer. */
typedef struct brook_timer brook_timer;
typedef void (*brook_timer_cb)(void *arg);

brook_err brook_loop_new(brook_loop **out);
void brook_loop_free(brook_loop *loop);

brook_err brook_loop_io_add(brook_loop *loop, brook_io *io, uint32_t events);
brook_err brook_loop_io_set(brook_loop *loop, brook_io *io, uint32_t events);
void brook_loop_io_del(brook_loop *loop, brook_io *io);

/* One-shot timer: `cb(arg)` after `delay_ms` (0 = after the current events).
 * The handle is freed after the callback returns, or by cancel. */
brook_err brook_loop_timer_add(brook_loop *loop, int64_t delay_ms, brook_timer_cb cb, void *arg, brook_timer **out);
void brook_loop_timer_cancel(brook_loop *loop, brook_timer *t);

/* Monotonic milliseconds, cached per loop iteration. */
int64_t brook_loop_now(brook_loop *loop);
int64_t brook_monotonic_ms(void);
int64_t brook_monotonic_ns(void); /* uncached, for timing requests */
/* Milliseconds since the epoch: for times written down, which outlive the
 * process and the machine's uptime (record timestamps, commit times). */
int64_t brook_wall_clock_ms(void);

/* Run the timers that are due now (used after the loop stopped, to let
 * deferred releases happen before shutdown). */
void brook_loop_run_due(brook_loop *loop);

/* Run until brook_loop_stop. */
void brook_loop_run(brook_loop *loop);
void brook_loop_stop(brook_loop *loop);

#endif
