#include "peer_link.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "tls.h"

typedef struct pending {
    uint64_t id;
    int64_t deadline;
    brook_peer_answer answer;
    void *arg;
} pending;

typedef enum link_state { CONNECTING, HANDSHAKING, OPEN, BROKEN } link_state;

struct brook_peer_link {
    brook_loop *loop;
    brook_io io;
    link_state state;
    char host[256];
    char where[300];              /* host:port, for log lines */
    char why[320];                /* why it failed; "" while it has not */
    int quiet;                    /* its owner reports its failures: log them at debug level */
    brook_tls_client *tls_client; /* NULL: plain TCP */
    brook_tls_conn *tls;
    int tls_wants_write; /* a TLS read needs the socket writable */
    size_t max_frame;
    /* out: whole frames waiting to be written */
    uint8_t *out;
    size_t out_len, out_sent, out_cap;
    /* in: bytes read, not yet a whole frame */
    uint8_t *in;
    size_t in_len, in_cap;
    pending *q; /* ring of requests in flight, answered in order */
    size_t q_head, q_len, q_cap;
    uint64_t next_id;
    msgpack_sbuffer building;
    msgpack_packer pk;
    brook_timer *timer;
    int dispatching, freed;
};

static void fail(brook_peer_link *l, brook_err err, const char *why);

static void answer_head(brook_peer_link *l, brook_err err, const msgpack_object *resp)
{
    pending p = l->q[l->q_head];
    l->q_head = (l->q_head + 1) % l->q_cap;
    l->q_len--;
    p.answer(p.arg, err, resp);
}

static void arm_timer(brook_peer_link *l);

static void timer_due(void *arg)
{
    brook_peer_link *l = arg;
    l->timer = NULL;
    if (l->q_len && brook_loop_now(l->loop) >= l->q[l->q_head].deadline)
        fail(l, BROOK_ERR_IO, "no answer in time");
    else
        arm_timer(l);
}

static void arm_timer(brook_peer_link *l)
{
    if (l->timer || !l->q_len || l->state == BROKEN)
        return;
    int64_t wait = l->q[l->q_head].deadline - brook_loop_now(l->loop);
    brook_loop_timer_add(l->loop, wait > 0 ? wait : 0, timer_due, l, &l->timer);
}

static void free_now(void *arg)
{
    brook_peer_link *l = arg;
    msgpack_sbuffer_destroy(&l->building);
    free(l->out);
    free(l->in);
    free(l->q);
    free(l);
}

/* The loop may still hold an event for the link's socket in the batch it is
 * running: the memory goes after the batch, from a timer. */
static void release(brook_peer_link *l)
{
    if (l->timer)
        brook_loop_timer_cancel(l->loop, l->timer);
    l->timer = NULL;
    l->io.fd = -1;
    l->io.cb = NULL;
    if (brook_loop_timer_add(l->loop, 0, free_now, l, NULL))
        free_now(l); /* no memory for a timer: the batch is the lesser risk */
}

static void close_socket(brook_peer_link *l)
{
    brook_tls_conn_free(l->tls);
    l->tls = NULL;
    if (l->io.fd >= 0) {
        brook_loop_io_del(l->loop, &l->io);
        close(l->io.fd);
        l->io.fd = -1;
    }
}

/* Answer everything in flight with `err`; the callbacks may free the link. */
static void drain(brook_peer_link *l, brook_err err)
{
    l->dispatching++;
    while (l->q_len)
        answer_head(l, err, NULL);
    l->dispatching--;
}

static void fail(brook_peer_link *l, brook_err err, const char *why)
{
    if (l->state == BROKEN)
        return;
    snprintf(l->why, sizeof l->why, "%s", why ? why : "closed");
    if (l->state == OPEN || why)
        brook_log(l->quiet ? BROOK_LOG_DEBUG : BROOK_LOG_WARN, "core", "cluster: link to %s failed: %s", l->where,
                  l->why);
    l->state = BROKEN;
    close_socket(l);
    if (l->timer)
        brook_loop_timer_cancel(l->loop, l->timer);
    l->timer = NULL;
    drain(l, err);
    if (l->freed && !l->dispatching)
        release(l);
}

static int reserve(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 65536;
    while (n < need)
        n *= 2;
    uint8_t *bigger = realloc(*buf, n);
    if (!bigger)
        return -1;
    *buf = bigger;
    *cap = n;
    return 0;
}

/* send(2)/recv(2), through TLS when the link has it. */
static ssize_t link_send(brook_peer_link *l, const void *buf, size_t len)
{
    return l->tls ? brook_tls_write(l->tls, buf, len, NULL) : send(l->io.fd, buf, len, MSG_NOSIGNAL);
}

static ssize_t link_recv(brook_peer_link *l, void *buf, size_t len)
{
    return l->tls ? brook_tls_read(l->tls, buf, len, &l->tls_wants_write) : recv(l->io.fd, buf, len, 0);
}

static void fail_errno(brook_peer_link *l, const char *doing)
{
    char why[320];
    snprintf(why, sizeof why, "%s: %s%s", doing, l->tls ? "TLS: " : "",
             l->tls ? brook_tls_error(l->tls) : strerror(errno));
    fail(l, BROOK_ERR_IO, why);
}

static void flush_out(brook_peer_link *l)
{
    while (l->out_sent < l->out_len) {
        ssize_t n = link_send(l, l->out + l->out_sent, l->out_len - l->out_sent);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0) {
            fail_errno(l, "sending");
            return;
        }
        l->out_sent += (size_t)n;
    }
    if (l->out_sent == l->out_len)
        l->out_sent = l->out_len = 0;
    brook_loop_io_set(l->loop, &l->io, EPOLLIN | (l->out_len || l->tls_wants_write ? EPOLLOUT : 0));
}

/* Every whole frame read so far, answered in order. */
static void dispatch_frames(brook_peer_link *l)
{
    size_t at = 0;
    l->dispatching++;
    while (l->state == OPEN && !l->freed && l->in_len - at >= 4) {
        uint32_t len =
            (uint32_t)l->in[at] << 24 | (uint32_t)l->in[at + 1] << 16 | (uint32_t)l->in[at + 2] << 8 | l->in[at + 3];
        if (len == 0 || len > l->max_frame) {
            fail(l, BROOK_ERR_CORRUPT, "a response frame of an impossible length");
            break;
        }
        if (l->in_len - at < 4 + (size_t)len)
            break;
        msgpack_unpacked msg;
        msgpack_unpacked_init(&msg);
        size_t off = 0;
        int ok = msgpack_unpack_next(&msg, (const char *)l->in + at + 4, len, &off) == MSGPACK_UNPACK_SUCCESS &&
                 msg.data.type == MSGPACK_OBJECT_MAP;
        uint64_t id = ok ? (uint64_t)brook_peer_int(&msg.data, "id", -1) : 0;
        if (!ok || !l->q_len || id != l->q[l->q_head].id) {
            msgpack_unpacked_destroy(&msg);
            fail(l, BROOK_ERR_CORRUPT, "a response that does not parse or answers no request in flight");
            break;
        }
        at += 4 + (size_t)len;
        answer_head(l, BROOK_OK, &msg.data);
        msgpack_unpacked_destroy(&msg);
    }
    l->dispatching--;
    if (l->state == OPEN && !l->freed && at) {
        memmove(l->in, l->in + at, l->in_len - at);
        l->in_len -= at;
    }
}

static void read_in(brook_peer_link *l)
{
    for (;;) {
        if (reserve(&l->in, &l->in_cap, l->in_len + 65536)) {
            fail(l, BROOK_ERR_NOMEM, "out of memory");
            return;
        }
        ssize_t n = link_recv(l, l->in + l->in_len, l->in_cap - l->in_len);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            if (n == 0)
                fail(l, BROOK_ERR_IO, "closed by the other broker");
            else
                fail_errno(l, "receiving");
            return;
        }
        l->in_len += (size_t)n;
    }
    dispatch_frames(l);
}

/* The TCP connection is up: open, or start TLS; -1 when it failed. */
static int connected(brook_peer_link *l, uint32_t events)
{
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    getsockopt(l->io.fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
    if (soerr || (events & (EPOLLERR | EPOLLHUP))) {
        char why[160];
        snprintf(why, sizeof why, "cannot connect: %s", strerror(soerr ? soerr : ECONNREFUSED));
        fail(l, BROOK_ERR_IO, why);
        return -1;
    }
    if (!l->tls_client) {
        l->state = OPEN;
        brook_log(l->quiet ? BROOK_LOG_DEBUG : BROOK_LOG_INFO, "core", "cluster: linked to %s", l->where);
        return 0;
    }
    if (brook_tls_conn_connect(l->tls_client, l->io.fd, l->host, &l->tls)) {
        fail(l, BROOK_ERR_IO, "cannot start TLS (out of memory, or an address no certificate can name)");
        return -1;
    }
    l->state = HANDSHAKING;
    return 0;
}

/* Advance the TLS handshake; 0 once open. */
static int handshake(brook_peer_link *l)
{
    char why[320];
    int rc = brook_tls_handshake(l->tls, why, sizeof why);
    if (rc == 1) {
        l->state = OPEN;
        brook_log(l->quiet ? BROOK_LOG_DEBUG : BROOK_LOG_INFO, "core", "cluster: linked to %s (TLS)", l->where);
        return 0;
    }
    if (rc == BROOK_TLS_WANT_READ || rc == BROOK_TLS_WANT_WRITE)
        brook_loop_io_set(l->loop, &l->io, EPOLLIN | (rc == BROOK_TLS_WANT_WRITE ? EPOLLOUT : 0));
    else
        fail(l, BROOK_ERR_IO, why);
    return -1;
}

static void on_io(void *arg, uint32_t events)
{
    brook_peer_link *l = arg;
    if (l->state == CONNECTING && connected(l, events))
        return;
    if (l->state == HANDSHAKING && handshake(l))
        return;
    l->tls_wants_write = 0;
    l->dispatching++; /* a callback may free the link: release after */
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        read_in(l);
    if (l->state == OPEN && !l->freed)
        flush_out(l);
    l->dispatching--;
    if (l->freed && !l->dispatching)
        release(l);
}

brook_err brook_peer_link_new(brook_loop *loop, const char *host, int32_t port, size_t max_frame, brook_tls_client *tls,
                              brook_peer_link **out)
{
    brook_peer_link *l = calloc(1, sizeof *l);
    if (!l)
        return BROOK_ERR_NOMEM;
    *l = (brook_peer_link){.loop = loop, .max_frame = max_frame, .next_id = 1, .tls_client = tls};
    l->io = (brook_io){.fd = -1, .cb = on_io, .arg = l};
    snprintf(l->host, sizeof l->host, "%s", host);
    snprintf(l->where, sizeof l->where, "%s:%d", host, port);
    msgpack_sbuffer_init(&l->building);
    msgpack_packer_init(&l->pk, &l->building, msgpack_sbuffer_write);
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    /* advertised addresses are IP literals in practice: this does not block */
    int rc = getaddrinfo(host, service, &hints, &ai);
    int fd = rc == 0 ? socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            close(fd);
            fd = -1;
        }
    }
    if (ai)
        freeaddrinfo(ai);
    l->io.fd = fd;
    if (fd < 0 || brook_loop_io_add(loop, &l->io, EPOLLOUT | EPOLLIN)) {
        if (fd >= 0)
            close(fd);
        release(l);
        return BROOK_ERR_IO;
    }
    *out = l;
    return BROOK_OK;
}

void brook_peer_link_free(brook_peer_link *l)
{
    if (!l || l->freed)
        return;
    l->freed = 1;
    close_socket(l);
    l->state = BROKEN;
    drain(l, BROOK_ERR_SHUTDOWN);
    if (!l->dispatching)
        release(l);
}

int brook_peer_link_broken(const brook_peer_link *l)
{
    return l->state == BROKEN;
}

void brook_peer_link_quiet(brook_peer_link *l)
{
    l->quiet = 1;
}

const char *brook_peer_link_why(const brook_peer_link *l)
{
    return l->why;
}

msgpack_packer *brook_peer_request_begin(brook_peer_link *l, const char *op, uint32_t fields)
{
    msgpack_sbuffer_clear(&l->building);
    static const char no_length_yet[4];
    msgpack_sbuffer_write(&l->building, no_length_yet, 4);
    msgpack_pack_map(&l->pk, fields + 2);
    msgpack_pack_str_with_body(&l->pk, "id", 2);
    msgpack_pack_uint64(&l->pk, l->next_id);
    msgpack_pack_str_with_body(&l->pk, "op", 2);
    msgpack_pack_str_with_body(&l->pk, op, strlen(op));
    return &l->pk;
}

brook_err brook_peer_request_end(brook_peer_link *l, int64_t timeout_ms, brook_peer_answer answer, void *arg)
{
    if (l->state == BROKEN)
        return BROOK_ERR_IO;
    size_t len = l->building.size - 4;
    if (len > UINT32_MAX)
        return BROOK_ERR_TOO_LARGE;
    if (l->q_len == l->q_cap) {
        size_t cap = l->q_cap ? l->q_cap * 2 : 8;
        pending *q = malloc(sizeof *q * cap);
        if (!q)
            return BROOK_ERR_NOMEM;
        for (size_t i = 0; i < l->q_len; i++)
            q[i] = l->q[(l->q_head + i) % l->q_cap];
        free(l->q);
        l->q = q;
        l->q_cap = cap;
        l->q_head = 0;
    }
    if (reserve(&l->out, &l->out_cap, l->out_len + l->building.size))
        return BROOK_ERR_NOMEM;
    uint8_t *frame = (uint8_t *)l->building.data;
    frame[0] = (uint8_t)(len >> 24);
    frame[1] = (uint8_t)(len >> 16);
    frame[2] = (uint8_t)(len >> 8);
    frame[3] = (uint8_t)len;
    memcpy(l->out + l->out_len, frame, l->building.size);
    l->out_len += l->building.size;
    l->q[(l->q_head + l->q_len) % l->q_cap] =
        (pending){.id = l->next_id++, .deadline = brook_loop_now(l->loop) + timeout_ms, .answer = answer, .arg = arg};
    l->q_len++;
    arm_timer(l);
    if (l->state == OPEN)
        brook_loop_io_set(l->loop, &l->io, EPOLLIN | EPOLLOUT);
    return BROOK_OK;
}

const msgpack_object *brook_peer_field(const msgpack_object *map, const char *key)
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

int64_t brook_peer_int(const msgpack_object *map, const char *key, int64_t def)
{
    const msgpack_object *v = brook_peer_field(map, key);
    if (v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 <= INT64_MAX)
        return (int64_t)v->via.u64;
    if (v && v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return v->via.i64;
    return def;
}
