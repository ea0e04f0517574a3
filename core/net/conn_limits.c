#include "conn_limits.h"

#include <stdint.h>
#include <stdio.h>

#include "broker.h"
#include "conn.h"

#define SWEEP_MS 1000

brook_err brook_conn_limits_admit(brook_broker *b, const char *host)
{
    brook_conn_limits *l = &b->conn_limits;
    uintptr_t n = (uintptr_t)brook_strmap_get(&l->per_address, host);
    if (n >= (uintptr_t)b->st->max_connections_per_address)
        return BROOK_ERR_TOO_LARGE;
    return brook_strmap_put(&l->per_address, host, (void *)(n + 1));
}

void brook_conn_limits_release(brook_broker *b, const char *host)
{
    brook_conn_limits *l = &b->conn_limits;
    uintptr_t n = (uintptr_t)brook_strmap_get(&l->per_address, host);
    if (n <= 1)
        brook_strmap_remove(&l->per_address, host);
    else
        brook_strmap_put(&l->per_address, host, (void *)(n - 1)); /* replacing never allocates */
}

/* The one place a connection starts or stops waiting, so the count of
 * waiting connections stays true. */
static void set_waiting(brook_conn_limits *l, brook_conn *c, int waiting)
{
    if (c->waiting_for_memory == waiting)
        return;
    c->waiting_for_memory = waiting;
    if (waiting)
        l->waiting_for_memory++;
    else
        l->waiting_for_memory--;
}

void brook_conn_limits_stop_waiting(brook_broker *b, brook_conn *c)
{
    set_waiting(&b->conn_limits, c, 0);
}

brook_err brook_conn_limits_reserve(brook_broker *b, brook_conn *c, size_t bytes)
{
    brook_conn_limits *l = &b->conn_limits;
    if (l->receive_bytes + bytes > (size_t)b->st->receive_buffer_total_bytes) {
        if (!c->waiting_for_memory)
            log_info("connection %s waits: requests being received hold %zu bytes, limits.receive_buffer_total_bytes "
                     "is %lld",
                     c->address, l->receive_bytes, (long long)b->st->receive_buffer_total_bytes);
        set_waiting(l, c, 1);
        return BROOK_ERR_AGAIN;
    }
    l->receive_bytes += bytes;
    c->receive_reserved += bytes;
    set_waiting(l, c, 0);
    return BROOK_OK;
}

/* Memory came back: the waiting connections try again (each takes only
 * what fits; the others go on waiting). */
static void wake_waiting(void *arg)
{
    brook_broker *b = arg;
    brook_conn_limits *l = &b->conn_limits;
    l->wake = NULL;
    for (brook_conn *w = b->conns, *next; w && l->waiting_for_memory; w = next) {
        next = w->next;
        if (w->waiting_for_memory && !w->closed)
            brook_conn_retry_read(w);
    }
}

void brook_conn_limits_unreserve(brook_broker *b, brook_conn *c, size_t bytes)
{
    brook_conn_limits *l = &b->conn_limits;
    l->receive_bytes -= bytes;
    c->receive_reserved -= bytes;
    /* Not from here: this runs inside another connection's processing. */
    if (l->waiting_for_memory && bytes && !l->wake && !b->stopping)
        brook_loop_timer_add(b->loop, 0, wake_waiting, b, &l->wake);
}

/* Close connections idle or stalled mid-request for too long. */
static void sweep(void *arg)
{
    brook_broker *b = arg;
    b->conn_limits.sweep = NULL;
    int64_t now = brook_loop_now(b->loop);
    const brook_settings *st = b->st;
    char why[160];
    for (brook_conn *c = b->conns, *next; c; c = next) {
        next = c->next;
        if (c->closed)
            continue;
        int partial = c->rbuf.len > c->rpos;
        if (partial && !c->paused && !c->throttled && !c->waiting_for_memory &&
            now - c->last_read_ms > st->request_receive_timeout_ms) {
            snprintf(why, sizeof why,
                     "sent part of a request, then nothing for %lld ms (limits.request_receive_timeout_ms)",
                     (long long)(now - c->last_read_ms));
            brook_conn_close(c, why);
        } else if (!partial && !c->head && !c->pending_out && now - c->last_active_ms > st->connections_max_idle_ms) {
            log_info("closing connection from %s: idle for %lld ms (limits.connections_max_idle_ms)", c->address,
                     (long long)(now - c->last_active_ms));
            brook_conn_close(c, NULL);
        }
    }
    if (!b->stopping)
        brook_loop_timer_add(b->loop, SWEEP_MS, sweep, b, &b->conn_limits.sweep);
}

brook_err brook_conn_limits_start(brook_broker *b)
{
    return brook_loop_timer_add(b->loop, SWEEP_MS, sweep, b, &b->conn_limits.sweep);
}

void brook_conn_limits_stop(brook_broker *b)
{
    brook_loop_timer_cancel(b->loop, b->conn_limits.sweep);
    brook_loop_timer_cancel(b->loop, b->conn_limits.wake);
    b->conn_limits.sweep = b->conn_limits.wake = NULL;
    brook_strmap_free(&b->conn_limits.per_address);
}
