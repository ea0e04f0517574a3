/* A listening socket bound to one configured address, handing accepted
 * connections to the codec the listener names. */
#ifndef BROOK_CORE_LISTENER_H
#define BROOK_CORE_LISTENER_H

#include "config.h"
#include "log.h"
#include "loop.h"
#include "plugin_set.h"
#include "tls.h"

struct brook_broker;

/* What clients can do wrong again and again, each kind logged per listener
 * at most limits.client_fault_log_lines times per
 * limits.client_fault_log_window_ms (the next line says how many were left
 * out; the metrics count every one, and with log_level "debug" every one
 * is logged): a client, or a scanner, cannot flood the log by misbehaving,
 * and the first few of a burst still say what went wrong. */
typedef enum brook_client_fault {
    BROOK_CLIENT_FAULT_CLOSED,  /* its connection closed for a protocol error or a failed TLS handshake */
    BROOK_CLIENT_FAULT_AUTH,    /* a SASL authentication failed, or it asked for a mechanism not offered */
    BROOK_CLIENT_FAULT_REQUEST, /* a request refused as malformed */
    BROOK_CLIENT_FAULT__COUNT
} brook_client_fault;

typedef struct brook_listener {
    brook_io io;
    struct brook_broker *broker;
    const brook_listener_conf *conf;
    brook_plugin_instance *codec;
    char host[64];
    int port;                  /* the bound port (resolved when configured as 0) */
    char advertised_host[256]; /* what metadata tells clients */
    int advertised_port;
    brook_tls_server *tls; /* NULL: plaintext */

    /* accept backing off while descriptors or memory run out */
    brook_timer *backoff_timer;
    int64_t backoff_ms;
    int64_t last_backoff_ms;
    brook_log_limiter accept_log;
    brook_log_limiter fault_log[BROOK_CLIENT_FAULT__COUNT];
} brook_listener;

/* Log a client's fault at `level` (see brook_client_fault). */
void brook_listener_log_fault(brook_listener *l, brook_client_fault fault, brook_log_level level, const char *fmt, ...)
    BROOK_PRINTF(4, 5);

/* Bind and listen; the socket is not yet watched by the loop. */
brook_err brook_listener_bind(brook_listener *l, char *err, size_t errlen);
/* Start accepting on the broker's loop. */
brook_err brook_listener_start(brook_listener *l);
void brook_listener_close(brook_listener *l);

#endif
