#include "listen_socket.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

brook_err brook_listen_socket_open(const char *address, brook_listen_socket *out, char *why, size_t whylen)
{
    out->fd = -1;
    const char *colon = strrchr(address, ':'); /* the configuration checked the form */
    snprintf(out->host, sizeof out->host, "%.*s", (int)(colon - address), address);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(out->host[0] ? out->host : NULL, colon + 1, &hints, &res);
    if (rc) {
        snprintf(why, whylen, "cannot resolve %s: %s", address, gai_strerror(rc));
        return BROOK_ERR_INVALID;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
        snprintf(why, whylen, "cannot listen on %s: %s", address, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return BROOK_ERR_IO;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    out->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    out->fd = fd;
    return BROOK_OK;
}
