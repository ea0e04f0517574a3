/* The metrics endpoint: GET /metrics over HTTP/1.1 answers with the
 * registry in Prometheus text format. libmicrohttpd parses HTTP; it runs on
 * the broker's event loop (its epoll fd watched like any socket), so the
 * registry is read on the thread that updates it. */
#ifndef BROOK_CORE_METRICS_HTTP_H
#define BROOK_CORE_METRICS_HTTP_H

#include <stddef.h>
#include <stdio.h>

#include "loop.h"
#include "metrics.h"

typedef struct brook_metrics_http brook_metrics_http;

/* Writes more samples after the registry's (state read at scrape time). */
typedef void (*brook_metrics_collector)(void *arg, FILE *out);

/* Listen on `address` ("host:port") and serve `metrics`, then whatever
 * `collect` (may be NULL) writes, from `loop`. */
brook_err brook_metrics_http_start(brook_loop *loop, const brook_metrics *metrics, brook_metrics_collector collect,
                                   void *collect_arg, const char *address, brook_metrics_http **out, char *err,
                                   size_t errlen);
void brook_metrics_http_stop(brook_metrics_http *h);

#endif
