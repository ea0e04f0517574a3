/* A non-blocking TCP socket listening on "host:port" (port 0: a free one),
 * shared by the client listeners and the metrics endpoint. */
#ifndef BROOK_CORE_LISTEN_SOCKET_H
#define BROOK_CORE_LISTEN_SOCKET_H

#include <stddef.h>

#include <brook/errors.h>

typedef struct brook_listen_socket {
    int fd;
    char host[64]; /* as configured ("" for all addresses) */
    int port;      /* the bound port, also when configured as 0 */
} brook_listen_socket;

/* On failure `why` says what went wrong with `address` (resolve, bind...). */
brook_err brook_listen_socket_open(const char *address, brook_listen_socket *out, char *why, size_t whylen);

#endif
