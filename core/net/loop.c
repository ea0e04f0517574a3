#include "loop.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

struct brook_timer {
    int64_t deadline;
    uint64_t seq; /* ties fire in creation order */
    brook_timer_cb cb;
    void *arg;
    size_t heap_index;
};

struct brook_loop {
    int epfd;
    int running;
    int64_t now;
    uint64_t timer_seq;
    brook_timer **heap;
    size_t heap_len;
    size_t heap_cap;
};

int64_t brook_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t brook_monotonic_ms(void)
{
    return brook_monotonic_ns() / 1000000;
}

int64_t brook_wall_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

brook_err brook_loop_new(brook_loop **out)
{
    brook_loop *loop = calloc(1, sizeof *loop);
    if (!loop)
        return BROOK_ERR_NOMEM;
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        free(loop);
        return BROOK_ERR_IO;
    }
    loop->now = brook_monotonic_ms();
    *out = loop;
    return BROOK_OK;
}

void brook_loop_free(brook_loop *loop)
{
    if (!loop)
        return;
    for (size_t i = 0; i < loop->heap_len; i++)
        free(loop->heap[i]);
    free(loop->heap);
    close(loop->epfd);
    free(loop);
}

/* ---- io --------------------------------------------------------------- */

static brook_err io_ctl(brook_loop *loop, int op, brook_io *io, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = io};
    if (epoll_ctl(loop->epfd, op, io->fd, &ev) < 0) {
        log_error("epoll_ctl(fd %d): %s", io->fd, strerror(errno));
        return BROOK_ERR_IO;
    }
    io->events = events;
    return BROOK_OK;
}

brook_err brook_loop_io_add(brook_loop *loop, brook_io *io, uint32_t events)
{
    return io_ctl(loop, EPOLL_CTL_ADD, io, events);
}

brook_err brook_loop_io_set(brook_loop *loop, brook_io *io, uint32_t events)
{
    if (io->events == events)
        return BROOK_OK;
    return io_ctl(loop, EPOLL_CTL_MOD, io, events);
}

void brook_loop_io_del(brook_loop *loop, brook_io *io)
{
    epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
    io->events = 0;
}

/* ---- timers: a binary min-heap on (deadline, seq) ---------------------- */

static int earlier(const brook_timer *a, const brook_timer *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void heap_swap(brook_loop *loop, size_t i, size_t j)
{
    brook_timer *t = loop->heap[i];
    loop->heap[i] = loop->heap[j];
    loop->heap[j] = t;
    loop->heap[i]->heap_index = i;
    loop->heap[j]->heap_index = j;
}

static void heap_up(brook_loop *loop, size_t i)
{
    while (i > 0 && earlier(loop->heap[i], loop->heap[(i - 1) / 2])) {
        heap_swap(loop, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(brook_loop *loop, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < loop->heap_len && earlier(loop->heap[l], loop->heap[m]))
            m = l;
        if (r < loop->heap_len && earlier(loop->heap[r], loop->heap[m]))
            m = r;
        if (m == i)
            return;
        heap_swap(loop, i, m);
        i = m;
    }
}

static void heap_remove(brook_loop *loop, size_t i)
{
    loop->heap_len--;
    if (i == loop->heap_len)
        return;
    loop->heap[i] = loop->heap[loop->heap_len];
    loop->heap[i]->heap_index = i;
    heap_up(loop, i);
    heap_down(loop, loop->heap[i]->heap_index);
}

brook_err brook_loop_timer_add(brook_loop *loop, int64_t delay_ms, brook_timer_cb cb, void *arg, brook_timer **out)
{
    if (loop->heap_len == loop->heap_cap) {
        size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
        brook_timer **heap = realloc(loop->heap, cap * sizeof *heap);
        if (!heap)
            return BROOK_ERR_NOMEM;
        loop->heap = heap;
        loop->heap_cap = cap;
    }
    brook_timer *t = malloc(sizeof *t);
    if (!t)
        return BROOK_ERR_NOMEM;
    if (delay_ms < 0)
        delay_ms = 0;
    /* a delay past the clock's range (Kafka's "never", INT64_MAX ms) is never due */
    t->deadline = delay_ms > INT64_MAX - loop->now ? INT64_MAX : loop->now + delay_ms;
    t->seq = loop->timer_seq++;
    t->cb = cb;
    t->arg = arg;
    t->heap_index = loop->heap_len;
    loop->heap[loop->heap_len++] = t;
    heap_up(loop, t->heap_index);
    if (out)
        *out = t;
    return BROOK_OK;
}

void brook_loop_timer_cancel(brook_loop *loop, brook_timer *t)
{
    if (!t)
        return;
    heap_remove(loop, t->heap_index);
    free(t);
}

int64_t brook_loop_now(brook_loop *loop)
{
    return loop->now;
}

void brook_loop_run_due(brook_loop *loop)
{
    loop->now = brook_monotonic_ms();
    /* Timers added by callbacks with delay 0 run in this pass too, but a
     * bound keeps one pass from starving I/O. */
    for (int budget = 10000; budget > 0 && loop->heap_len && loop->heap[0]->deadline <= loop->now; budget--) {
        brook_timer *t = loop->heap[0];
        heap_remove(loop, 0);
        brook_timer_cb cb = t->cb;
        void *arg = t->arg;
        free(t);
        cb(arg);
    }
}

void brook_loop_run(brook_loop *loop)
{
    struct epoll_event events[256];
    loop->running = 1;
    while (loop->running) {
        loop->now = brook_monotonic_ms();
        int timeout = -1;
        if (loop->heap_len) {
            int64_t wait = loop->heap[0]->deadline - loop->now;
            timeout = wait < 0 ? 0 : wait > 60000 ? 60000 : (int)wait;
        }
        int n = epoll_wait(loop->epfd, events, 256, timeout);
        if (n < 0 && errno != EINTR) {
            log_error("epoll_wait: %s", strerror(errno));
            break;
        }
        loop->now = brook_monotonic_ms();
        for (int i = 0; i < n; i++) {
            brook_io *io = events[i].data.ptr;
            /* An earlier callback in this batch may have closed it. */
            if (io->fd >= 0 && io->cb)
                io->cb(io->arg, events[i].events);
        }
        brook_loop_run_due(loop);
    }
}

void brook_loop_stop(brook_loop *loop)
{
    loop->running = 0;
}
