/* HTTP requests driven by the broker's own event loop: libcurl's
 * multi-socket API, with libcurl's sockets in the loop's epoll set and its
 * timeout as one loop timer. No threads. What the cluster's metadata store
 * (etcd's v3 JSON gateway) talks through.
 *
 * Callbacks run on the loop thread, never inside a libcurl callback stack
 * except the streaming `data` callback; requests may be started and
 * cancelled from any callback (libcurl refuses handles added from inside
 * its own callbacks, so new requests join on a zero-delay timer). */
#ifndef BROOK_CORE_HTTP_CLIENT_H
#define BROOK_CORE_HTTP_CLIENT_H

#include <stddef.h>

#include <brook/errors.h>

#include "loop.h"

typedef struct brook_http brook_http;
typedef struct brook_http_req brook_http_req;

/* TLS for https:// URLs; each NULL for libcurl's default. */
typedef struct brook_http_tls {
    const char *ca;   /* PEM CA bundle the server's certificate must chain to; NULL: the system's */
    const char *cert; /* PEM client certificate; NULL: none */
    const char *key;  /* its private key */
} brook_http_tls;

/* A streamed response, chunk by chunk as it arrives (a watch). */
typedef void (*brook_http_data_cb)(void *arg, const char *data, size_t len);
/* The end of a request: `status` is the HTTP status, 0 when the transfer
 * failed (`error` says why), -1 when no connection could be made (nothing
 * was sent: safe to send elsewhere); `body` is the whole response (NULL for a
 * streamed one), valid during the call. The request is freed after. */
typedef void (*brook_http_done_cb)(void *arg, int status, const char *body, size_t len, const char *error);

/* `tls` (copied; NULL: defaults) applies to every https:// request. */
brook_err brook_http_new(brook_loop *loop, const brook_http_tls *tls, brook_http **out);
/* Abort every request (no callbacks) and free everything. Call it from a
 * timer or with the loop stopped, not from one of its own I/O callbacks. */
void brook_http_free(brook_http *h);

/* POST `body` (JSON) to `url`. `timeout_ms` bounds the whole request (0:
 * none, for a stream). With `data` set the response streams to it and
 * `done` gets no body. *out, if asked, can cancel it until `done` runs. */
brook_err brook_http_post(brook_http *h, const char *url, const char *body, size_t len, long timeout_ms,
                          brook_http_data_cb data, brook_http_done_cb done, void *arg, brook_http_req **out);

/* Stop a request; its callbacks are not called again. */
void brook_http_cancel(brook_http *h, brook_http_req *r);

#endif
