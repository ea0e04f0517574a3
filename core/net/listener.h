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
} brook_listener;

/* Bind and listen; the socket is not yet watched by the loop. */
brook_err brook_listener_bind(brook_listener *l, char *err, size_t errlen);
/* Start accepting on the broker's loop. */
brook_err brook_listener_start(brook_listener *l);
void brook_listener_close(brook_listener *l);

#endif
