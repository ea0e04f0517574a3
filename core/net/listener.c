#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broker.h"
#include "conn.h"
#include "conn_limits.h"
#include "listen_socket.h"
#include "log.h"

brook_err brook_listener_bind(brook_listener *l, char *err, size_t errlen)
{
    if (l->conf->tls.enabled) {
        char why[512];
        brook_err e = brook_tls_server_new(&l->conf->tls, &l->tls, why, sizeof why);
        if (e) {
            snprintf(err, errlen, "%s: listener %s: %s", l->conf->where, l->conf->name, why);
            return e;
        }
    }
    brook_listen_socket ls;
    char why[320];
    brook_err e = brook_listen_socket_open(l->conf->address, &ls, why, sizeof why);
    if (e) {
        snprintf(err, errlen, "%s: listener %s: %s", l->conf->where, l->conf->name, why);
        return e;
    }
    snprintf(l->host, sizeof l->host, "%s", ls.host);
    l->port = ls.port;
    l->io.fd = ls.fd;
    snprintf(l->advertised_host, sizeof l->advertised_host, "%s", l->host);
    l->advertised_port = l->port;
    if (l->conf->advertised_address) {
        const char *ac = strrchr(l->conf->advertised_address, ':');
        snprintf(l->advertised_host, sizeof l->advertised_host, "%.*s", (int)(ac - l->conf->advertised_address),
                 l->conf->advertised_address);
        l->advertised_port = atoi(ac + 1);
    }
    return BROOK_OK;
}

#define ACCEPT_BACKOFF_MIN_MS 50
#define ACCEPT_BACKOFF_MAX_MS 1000
#define REFUSAL_LOG_EVERY_MS  10000

static void accept_resume(void *arg)
{
    brook_listener *l = arg;
    l->backoff_timer = NULL;
    if (l->io.fd >= 0)
        brook_loop_io_set(l->broker->loop, &l->io, EPOLLIN);
}

void brook_listener_log_fault(brook_listener *l, brook_client_fault fault, brook_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (brook_log_get_level() >= BROOK_LOG_DEBUG)
        brook_vlog(level, "core", fmt, ap);
    else
        brook_vlog_limited(&l->fault_log[fault], brook_loop_now(l->broker->loop),
                           l->broker->st->client_fault_log_window_ms, (uint64_t)l->broker->st->client_fault_log_lines,
                           level, fmt, ap);
    va_end(ap);
}

/* Out of descriptors or memory: the pending connection stays queued and
 * the socket stays readable, so accepting again at once would spin. Stop
 * watching it for a while (doubling up to a second while it lasts), and
 * say so once per interval rather than once per try. */
static void accept_back_off(brook_listener *l, int err)
{
    brook_broker *b = l->broker;
    int64_t now = brook_loop_now(b->loop);
    l->backoff_ms = now - l->last_backoff_ms < 2 * ACCEPT_BACKOFF_MAX_MS && l->backoff_ms
                        ? (l->backoff_ms * 2 > ACCEPT_BACKOFF_MAX_MS ? ACCEPT_BACKOFF_MAX_MS : l->backoff_ms * 2)
                        : ACCEPT_BACKOFF_MIN_MS;
    l->last_backoff_ms = now;
    brook_log_limited(&l->accept_log, now, REFUSAL_LOG_EVERY_MS, BROOK_LOG_WARN,
                      "listener %s: accept: %s; not accepting for %lld ms", l->conf->name, strerror(err),
                      (long long)l->backoff_ms);
    brook_loop_io_set(b->loop, &l->io, 0);
    if (brook_loop_timer_add(b->loop, l->backoff_ms, accept_resume, l, &l->backoff_timer))
        brook_loop_io_set(b->loop, &l->io, EPOLLIN);
}

static void on_accept(void *arg, uint32_t events)
{
    (void)events;
    brook_listener *l = arg;
    brook_broker *b = l->broker;
    /* Bounded per wake-up so one busy listener cannot starve the others. */
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(l->io.fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                accept_back_off(l, errno);
            else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                log_warn("listener %s: accept: %s", l->conf->name, strerror(errno));
            return;
        }
        char host[INET6_ADDRSTRLEN] = "?", address[64];
        int port = 0;
        if (ss.ss_family == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
        snprintf(address, sizeof address, "%s:%d", host, port);
        const char *refusal = b->stopping                                       ? "shutting down"
                              : b->conn_count >= (size_t)b->st->max_connections ? "limits.max_connections reached"
                              : brook_conn_limits_admit(b, host) ? "limits.max_connections_per_address reached"
                                                                 : NULL;
        if (refusal) {
            brook_log_limited(&b->conn_limits.refused_log, brook_loop_now(b->loop), REFUSAL_LOG_EVERY_MS,
                              BROOK_LOG_WARN, "listener %s: refusing %s: %s", l->conf->name, address, refusal);
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (brook_conn_open(b, l, fd, address, host)) {
            brook_conn_limits_release(b, host);
            close(fd);
        }
    }
}

brook_err brook_listener_start(brook_listener *l)
{
    l->io.cb = on_accept;
    l->io.arg = l;
    brook_err e = brook_loop_io_add(l->broker->loop, &l->io, EPOLLIN);
    if (!e)
        log_info("listener %s (codec %s) listening on %s:%d", l->conf->name, l->conf->codec, l->host, l->port);
    return e;
}

void brook_listener_close(brook_listener *l)
{
    if (l->backoff_timer)
        brook_loop_timer_cancel(l->broker->loop, l->backoff_timer);
    l->backoff_timer = NULL;
    brook_tls_server_free(l->tls);
    l->tls = NULL;
    if (l->io.fd < 0)
        return;
    if (l->io.events)
        brook_loop_io_del(l->broker->loop, &l->io);
    close(l->io.fd);
    l->io.fd = -1;
}
