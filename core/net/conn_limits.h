/* The bounds one client cannot push past, whatever it sends (the list, with
 * defaults, is docs/operations.md "Limits"):
 *   - connections per client address (limits.max_connections_per_address);
 *   - idle connections are closed (limits.connections_max_idle_ms);
 *   - a connection that stops sending in the middle of a request is closed
 *     (limits.request_receive_timeout_ms);
 *   - memory for requests still being received, across all connections
 *     (limits.receive_buffer_total_bytes): a connection whose next frame
 *     does not fit waits, without being read, until others free some.
 * One sweep a second checks the timeouts. */
#ifndef BROOK_CORE_CONN_LIMITS_H
#define BROOK_CORE_CONN_LIMITS_H

#include <stddef.h>

#include <brook/errors.h>

#include "log.h"
#include "loop.h"
#include "strmap.h"

struct brook_broker;
struct brook_conn;

typedef struct brook_conn_limits {
    brook_strmap per_address; /* host -> connection count, as uintptr_t */
    size_t receive_bytes;     /* reserved for frames being received */
    size_t waiting_for_memory;
    brook_timer *sweep;
    brook_timer *wake; /* lets waiting connections retry, after the current event */
    brook_log_limiter refused_log;
} brook_conn_limits;

/* Count a new connection from `host`; BROOK_ERR_TOO_LARGE when the address
 * already holds its share (the caller refuses it). */
brook_err brook_conn_limits_admit(struct brook_broker *b, const char *host);
/* The connection from `host` is gone. */
void brook_conn_limits_release(struct brook_broker *b, const char *host);

/* Reserve `bytes` of receive memory for `c`'s frame; BROOK_ERR_AGAIN when
 * it does not fit now (the connection waits; it is woken when memory is
 * released). */
brook_err brook_conn_limits_reserve(struct brook_broker *b, struct brook_conn *c, size_t bytes);
void brook_conn_limits_unreserve(struct brook_broker *b, struct brook_conn *c, size_t bytes);
/* `c` no longer waits (it is closing, or about to try again). */
void brook_conn_limits_stop_waiting(struct brook_broker *b, struct brook_conn *c);

/* Start / stop the once-a-second sweep of idle and stalled connections. */
brook_err brook_conn_limits_start(struct brook_broker *b);
void brook_conn_limits_stop(struct brook_broker *b);

#endif
