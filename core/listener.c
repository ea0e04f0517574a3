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
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
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
        if (b->conn_count >= (size_t)b->st->max_connections || b->stopping) {
            log_warn("listener %s: refusing %s: %s", l->conf->name, address,
                     b->stopping ? "shutting down" : "limits.max_connections reached");
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (brook_conn_open(b, l, fd, address))
            close(fd);
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
    brook_tls_server_free(l->tls);
    l->tls = NULL;
    if (l->io.fd < 0)
        return;
    if (l->io.events)
        brook_loop_io_del(l->broker->loop, &l->io);
    close(l->io.fd);
    l->io.fd = -1;
}
