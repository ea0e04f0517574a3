#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t len, int timeout_ms)
{
    if (connect(fd, sa, len) == 0)
        return 0;
    if (errno != EINPROGRESS)
        return -1;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    if (poll(&p, 1, timeout_ms) != 1) {
        errno = ETIMEDOUT;
        return -1;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
    if (soerr) {
        errno = soerr;
        return -1;
    }
    return 0;
}

static client_security security;

void client_set_security(const client_security *s)
{
    security = *s;
}

/* A TCP connection to host:port within timeout_ms, blocking afterwards. */
static int tcp_connect(client *c, const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc) {
        fprintf(stderr, "brookctl: cannot resolve %s: %s\n", c->address, gai_strerror(rc));
        return -1;
    }
    int err = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai && c->fd < 0; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        if (connect_timeout(fd, ai->ai_addr, ai->ai_addrlen, c->timeout_ms) == 0) {
            c->fd = fd;
        } else {
            err = errno;
            close(fd);
        }
    }
    freeaddrinfo(res);
    if (c->fd < 0) {
        fprintf(stderr, "brookctl: cannot connect to broker at %s: %s\n", c->address, strerror(err));
        return -1;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
    struct timeval tv = {.tv_sec = c->timeout_ms / 1000, .tv_usec = (c->timeout_ms % 1000) * 1000};
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv); /* a stuck peer fails the call, not hangs it */
    return 0;
}

int client_tcp_connect(client *c, const char *address, int timeout_ms)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->timeout_ms = timeout_ms;
    snprintf(c->address, sizeof c->address, "%s", address);
    msgpack_sbuffer_init(&c->sb);
    msgpack_packer_init(&c->pk, &c->sb, msgpack_sbuffer_write);
    msgpack_unpacked_init(&c->resp);
    char host[256];
    const char *colon = strrchr(address, ':');
    if (!colon || colon == address || !colon[1]) {
        fprintf(stderr, "brookctl: broker address \"%s\" must be host:port\n", address);
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - address), address);
    return tcp_connect(c, host, colon + 1);
}

int client_connect(client *c, const char *address, int timeout_ms)
{
    if (client_tcp_connect(c, address, timeout_ms))
        return -1;
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(address, ':') - address), address);
    if (security.tls && client_tls_start(c, host, &security))
        return -1;
    return security.user ? client_authenticate(c, &security) : 0;
}

void client_close(client *c)
{
    client_tls_close(c);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    msgpack_sbuffer_destroy(&c->sb);
    msgpack_unpacked_destroy(&c->resp);
    free(c->body);
    c->body = NULL;
}

void pack_str(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str_with_body(pk, s, strlen(s));
}

void pack_kv_str(msgpack_packer *pk, const char *key, const char *value)
{
    pack_str(pk, key);
    pack_str(pk, value);
}

void pack_kv_int(msgpack_packer *pk, const char *key, int64_t value)
{
    pack_str(pk, key);
    msgpack_pack_int64(pk, value);
}

void client_begin(client *c, const char *op, size_t fields)
{
    msgpack_sbuffer_clear(&c->sb);
    /* room for the frame length, patched in client_call */
    msgpack_sbuffer_write(&c->sb, "\0\0\0\0", 4);
    msgpack_pack_map(&c->pk, fields + 2);
    pack_kv_int(&c->pk, "id", (int64_t)++c->next_id);
    pack_kv_str(&c->pk, "op", op);
}

int client_send(client *c)
{
    size_t body = c->sb.size - 4;
    unsigned char *h = (unsigned char *)c->sb.data;
    h[0] = (unsigned char)(body >> 24);
    h[1] = (unsigned char)(body >> 16);
    h[2] = (unsigned char)(body >> 8);
    h[3] = (unsigned char)body;
    return client_write(c, c->sb.data, c->sb.size);
}

const msgpack_object *client_call(client *c)
{
    unsigned char len[4];
    if (client_send(c) || client_read(c, len, 4)) {
        client_diagnose_close(c, &security);
        return NULL;
    }
    size_t n = ((size_t)len[0] << 24) | ((size_t)len[1] << 16) | ((size_t)len[2] << 8) | len[3];
    free(c->body);
    c->body = malloc(n ? n : 1);
    if (!c->body || client_read(c, c->body, n)) {
        fprintf(stderr, "brookctl: the response from %s was cut short\n", c->address);
        return NULL;
    }
    size_t off = 0;
    if (msgpack_unpack_next(&c->resp, (const char *)c->body, n, &off) != MSGPACK_UNPACK_SUCCESS ||
        c->resp.data.type != MSGPACK_OBJECT_MAP) {
        fprintf(stderr, "brookctl: malformed response from %s\n", c->address);
        return NULL;
    }
    if ((uint64_t)map_int(&c->resp.data, "id", -1) != c->next_id) {
        fprintf(stderr, "brookctl: response id mismatch from %s\n", c->address);
        return NULL;
    }
    return &c->resp.data;
}

const msgpack_object *map_get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t klen = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen && memcmp(k->via.str.ptr, key, klen) == 0)
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

int64_t map_int(const msgpack_object *map, const char *key, int64_t def)
{
    const msgpack_object *o = map_get(map, key);
    if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        return (int64_t)o->via.u64;
    if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return o->via.i64;
    return def;
}

int64_t client_error(const msgpack_object *resp, const char **message, size_t *message_len)
{
    int64_t code = map_int(resp, "error", -1);
    const msgpack_object *m = map_get(resp, "message");
    if (m && m->type == MSGPACK_OBJECT_STR) {
        *message = m->via.str.ptr;
        *message_len = m->via.str.size;
    } else {
        *message = code ? "unknown error" : "ok";
        *message_len = strlen(*message);
    }
    return code;
}
