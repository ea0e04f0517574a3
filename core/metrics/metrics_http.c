#include "metrics_http.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "listen_socket.h"
#include "log.h"

#define MAX_CONNECTIONS 64
#define IDLE_TIMEOUT_S  10
#define CONN_MEMORY     (32u << 10) /* per connection: request line and headers */
#define CONTENT_TYPE    "text/plain; version=0.0.4; charset=utf-8"

struct brook_metrics_http {
    brook_loop *loop;
    const brook_metrics *metrics;
    brook_metrics_collector collect;
    void *collect_arg;
    struct MHD_Daemon *daemon;
    brook_io io;        /* libmicrohttpd's epoll fd */
    brook_timer *timer; /* when libmicrohttpd wants to run again (timeouts) */
};

static void run(brook_metrics_http *h);

static void on_timer(void *arg)
{
    brook_metrics_http *h = arg;
    h->timer = NULL;
    run(h);
}

static void on_ready(void *arg, uint32_t events)
{
    (void)events;
    run(arg);
}

static unsigned connections(const brook_metrics_http *h)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return info ? info->num_connections : 0;
}

/* Let libmicrohttpd do what is ready, then come back when it asks to, and
 * at least every second while it has connections (so nothing it defers
 * waits for an idle timeout).
 *
 * At its connection cap libmicrohttpd takes its listening socket out of its
 * epoll set, and puts it back only at the start of a later run, once
 * connections have closed. When the last ones close, nothing would ask for
 * that later run (no connection, no timeout, no event): the endpoint stayed
 * deaf for good. So a run in which connections closed is followed by one
 * more, which puts the socket back (and sees any connection waiting). */
static void run(brook_metrics_http *h)
{
    unsigned before = connections(h);
    MHD_run(h->daemon);
    if (connections(h) < before)
        MHD_run(h->daemon);
    if (h->timer) {
        brook_loop_timer_cancel(h->loop, h->timer);
        h->timer = NULL;
    }
    MHD_UNSIGNED_LONG_LONG ms;
    if (MHD_get_timeout(h->daemon, &ms) == MHD_YES &&
        brook_loop_timer_add(h->loop, (int64_t)(ms > 1000 ? 1000 : ms), on_timer, h, &h->timer))
        log_warn("metrics: cannot schedule the endpoint's next run");
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ok = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result serve_metrics(brook_metrics_http *h, struct MHD_Connection *conn)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    brook_metrics_write(h->metrics, f);
    if (h->collect)
        h->collect(h->collect_arg, f);
    if (fclose(f) != 0) {
        free(text);
        return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
    enum MHD_Result ok = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)con_cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics is served here\n");
    if (strcmp(url, "/metrics") != 0)
        return reply(conn, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
    return serve_metrics(cls, conn);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[256];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = 0;
    log_debug("metrics endpoint: %s", line);
}

brook_err brook_metrics_http_start(brook_loop *loop, const brook_metrics *metrics, brook_metrics_collector collect,
                                   void *collect_arg, const char *address, brook_metrics_http **out, char *err,
                                   size_t errlen)
{
    *out = NULL;
    brook_listen_socket ls;
    char why[320];
    brook_err e = brook_listen_socket_open(address, &ls, why, sizeof why);
    if (e) {
        snprintf(err, errlen, "metrics.address: %s", why);
        return e;
    }
    brook_metrics_http *h = calloc(1, sizeof *h);
    if (!h) {
        close(ls.fd);
        snprintf(err, errlen, "metrics endpoint: out of memory");
        return BROOK_ERR_NOMEM;
    }
    h->loop = loop;
    h->metrics = metrics;
    h->collect = collect;
    h->collect_arg = collect_arg;
    h->io.fd = -1;
    /* No MHD_USE_INTERNAL_POLLING_THREAD: our loop drives it. */
    h->daemon =
        MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, h, MHD_OPTION_LISTEN_SOCKET,
                         ls.fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
                         (unsigned)IDLE_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
                         MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
    if (!h->daemon) {
        snprintf(err, errlen, "metrics.address: cannot start the HTTP server on %s", address);
        close(ls.fd);
        free(h);
        return BROOK_ERR_IO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (info) {
        h->io.fd = info->epoll_fd;
        h->io.cb = on_ready;
        h->io.arg = h;
    }
    if (!info || brook_loop_io_add(loop, &h->io, EPOLLIN)) {
        snprintf(err, errlen, "metrics endpoint: cannot watch its socket");
        h->io.fd = -1;
        brook_metrics_http_stop(h);
        return BROOK_ERR_IO;
    }
    log_info("metrics endpoint listening on %s:%d (GET /metrics)", ls.host, ls.port);
    *out = h;
    return BROOK_OK;
}

void brook_metrics_http_stop(brook_metrics_http *h)
{
    if (!h)
        return;
    if (h->timer)
        brook_loop_timer_cancel(h->loop, h->timer);
    if (h->io.fd >= 0)
        brook_loop_io_del(h->loop, &h->io);
    /* The listening socket was ours: libmicrohttpd does not close it. */
    MHD_socket fd = MHD_quiesce_daemon(h->daemon);
    MHD_stop_daemon(h->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    free(h);
}
