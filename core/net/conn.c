#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

#include <brook/auth.h>

#include "broker.h"
#include "conn_limits.h"
#include "log.h"
#include "page_cache.h"

#define READ_CHUNK  65536
#define READ_BUDGET (4u << 20) /* bytes per wake-up, for fairness */
#define MAX_IOV     64

static void on_io(void *arg, uint32_t events);
static void do_write(brook_conn *c);
static void do_read(brook_conn *c);
static void process_frames(brook_conn *c);
static void handshake_expired(void *arg);

brook_err brook_conn_open(brook_broker *b, brook_listener *l, int fd, const char *address, const char *host)
{
    brook_conn *c = calloc(1, sizeof *c);
    if (!c)
        return BROOK_ERR_NOMEM;
    c->broker = b;
    c->listener = l;
    c->io.fd = fd;
    c->io.cb = on_io;
    c->io.arg = c;
    snprintf(c->address, sizeof c->address, "%s", address);
    snprintf(c->host, sizeof c->host, "%s", host);
    c->last_read_ms = c->last_active_ms = brook_loop_now(b->loop);
    c->peer = (brook_peer){.address = c->address, .listener = l->conf->name, .tls = l->tls != NULL};
    c->principal = BROOK_PRINCIPAL_ANONYMOUS;
    if (l->tls && brook_tls_conn_new(l->tls, fd, &c->tls)) {
        free(c);
        return BROOK_ERR_NOMEM;
    }
    c->codec = brook_codec_of(l->codec);
    brook_err e = c->codec->conn_open(l->codec->state, &c->peer, &c->codec_conn);
    if (e) {
        log_warn("listener %s: codec refused connection from %s: %s", l->conf->name, address, brook_err_str(e));
        brook_tls_conn_free(c->tls);
        free(c);
        return e;
    }
    if ((e = brook_loop_io_add(b->loop, &c->io, EPOLLIN))) {
        c->codec->conn_close(c->codec_conn);
        brook_tls_conn_free(c->tls);
        free(c);
        return e;
    }
    if (c->tls) {
        c->handshaking = 1;
        brook_loop_timer_add(b->loop, l->conf->tls.handshake_timeout_ms, handshake_expired, c, &c->handshake_timer);
    } else if (l->conf->sasl) {
        brook_loop_timer_add(b->loop, l->conf->auth_timeout_ms, handshake_expired, c, &c->handshake_timer);
    }
    c->next = b->conns;
    if (b->conns)
        b->conns->prev = c;
    b->conns = c;
    b->conn_count++;
    brook_metric_set(b->m.connections, (int64_t)b->conn_count);
    brook_metric_add(b->m.connections_total, 1);
    log_debug("connection from %s on listener %s", address, l->conf->name);
    return BROOK_OK;
}

static void free_conn(void *arg)
{
    brook_conn *c = arg;
    if (c->filling) { /* its page-cache fill frees it when it is done */
        c->free_when_filled = 1;
        return;
    }
    brook_buf_free(&c->rbuf);
    brook_tls_conn_free(c->tls);
    free(c->tls_file_buf);
    free(c);
}

void brook_conn_close(brook_conn *c, const char *why)
{
    if (c->closed)
        return;
    c->closed = 1;
    brook_broker *b = c->broker;
    if (why) {
        brook_listener_log_fault(c->listener, BROOK_CLIENT_FAULT_CLOSED, BROOK_LOG_WARN,
                                 "closing connection from %s (listener %s): %s", c->address, c->listener->conf->name,
                                 why);
        brook_metric_add(b->m.protocol_errors_total, 1);
    } else {
        log_debug("connection from %s closed", c->address);
    }
    brook_loop_timer_cancel(b->loop, c->handshake_timer); /* each may be NULL */
    brook_loop_timer_cancel(b->loop, c->read_again);
    brook_loop_timer_cancel(b->loop, c->throttle_end);
    c->handshake_timer = c->read_again = c->throttle_end = NULL;
    brook_loop_io_del(b->loop, &c->io);
    close(c->io.fd);
    c->io.fd = -1;
    c->codec->conn_close(c->codec_conn);
    brook_conn_end_auth(c);
    free(c->auth_principal);
    c->auth_principal = NULL;
    brook_req *r = c->head;
    c->head = c->tail = c->encode_next = NULL;
    while (r) {
        brook_req *next = r->next;
        brook_req_orphan(r);
        r = next;
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        b->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    b->conn_count--;
    brook_conn_limits_release(b, c->host);
    brook_conn_limits_stop_waiting(b, c);
    brook_conn_limits_unreserve(b, c, c->receive_reserved);
    brook_metric_set(b->m.connections, (int64_t)b->conn_count);
    /* Free after this loop iteration: the loop may still hold events for it. */
    if (brook_loop_timer_add(b->loop, 0, free_conn, c, NULL))
        log_error("connection from %s: cannot schedule its release; leaking it", c->address);
}

/* Paused (backpressure, stopping) or held back by a quota. */
static int not_reading(const brook_conn *c)
{
    return c->paused || c->throttled;
}

static void update_interest(brook_conn *c)
{
    if (c->closed)
        return;
    /* corked: the write follows at once, and asks for EPOLLOUT itself if the socket is full */
    uint32_t ev = (not_reading(c) || c->waiting_for_memory ? 0 : EPOLLIN) |
                  (c->pending_out && !c->filling && !c->corked ? EPOLLOUT : 0);
    brook_loop_io_set(c->broker->loop, &c->io, ev);
}

/* Stop reading when responses pile up or too many requests are in flight;
 * resume once the client has drained half of it. */
static void apply_backpressure(brook_conn *c)
{
    const brook_settings *st = c->broker->st;
    int over = c->pending_out > (size_t)st->conn_buffer_bytes || c->inflight >= st->max_inflight_requests;
    int under = c->pending_out <= (size_t)st->conn_buffer_bytes / 2 && c->inflight < st->max_inflight_requests;
    if (!c->paused && over) {
        c->paused = 1;
        log_debug("connection %s: paused (%zu bytes pending, %d in flight)", c->address, c->pending_out, c->inflight);
    } else if (c->paused && under && !c->broker->stopping) {
        c->paused = 0;
        process_frames(c);
        if (c->tls && !c->closed && brook_tls_pending(c->tls))
            do_read(c); /* decrypted bytes the socket will not announce again */
    }
    update_interest(c);
}

void brook_conn_retry_read(brook_conn *c)
{
    brook_conn_limits_stop_waiting(c->broker, c);
    process_frames(c);
    update_interest(c);
    if (!c->closed && !c->waiting_for_memory && !not_reading(c) && c->tls && brook_tls_pending(c->tls))
        do_read(c); /* decrypted bytes the socket will not announce again */
}

static void throttle_ended(void *arg)
{
    brook_conn *c = arg;
    c->throttle_end = NULL;
    c->throttled = 0;
    brook_conn_retry_read(c);
}

void brook_conn_throttle(brook_conn *c, int32_t ms)
{
    int64_t until = brook_loop_now(c->broker->loop) + ms;
    if (c->closed || ms <= 0 || (c->throttled && until <= c->throttled_until))
        return;
    brook_loop_timer_cancel(c->broker->loop, c->throttle_end);
    c->throttle_end = NULL;
    if (brook_loop_timer_add(c->broker->loop, ms, throttle_ended, c, &c->throttle_end)) {
        c->throttled = 0; /* no timer, no hold: the client's own backoff is what is left */
        return;
    }
    c->throttled = 1;
    c->throttled_until = until;
    update_interest(c);
}

void brook_conn_stop_reading(brook_conn *c)
{
    c->paused = 1;
    update_interest(c);
}

/* ---- requests in -------------------------------------------------------- */

#define HANDOVER_MIN (64u << 10)

static brook_req *take_frame(brook_conn *c, size_t frame_len)
{
    brook_req *req = brook_req_new(c);
    if (!req)
        return NULL;
    if (c->rpos == 0 && frame_len >= HANDOVER_MIN) {
        /* A big frame at the front of the buffer: the request takes the
         * whole buffer instead of a copy, and the bytes read past the frame
         * (usually few) move to a fresh one. */
        brook_buf rest = {0};
        size_t tail = c->rbuf.len - frame_len;
        if (brook_buf_append(&rest, c->rbuf.data + frame_len, tail)) {
            free(req);
            return NULL;
        }
        req->frame = c->rbuf.data;
        req->frame_len = frame_len;
        c->rbuf = rest;
        return req;
    }
    req->frame = malloc(frame_len);
    if (!req->frame) {
        free(req);
        return NULL;
    }
    memcpy(req->frame, c->rbuf.data + c->rpos, frame_len);
    req->frame_len = frame_len;
    c->rpos += frame_len;
    return req;
}

/* A new request is answered only after every earlier one, so a long poll
 * parked ahead of it (a fetch waiting for data) answers now rather than
 * hold it up to its max wait: a follower asking its leader to fetch new
 * partitions, a consumer's heartbeat or metadata request behind its fetch.
 * Ending one may write and free requests before it: look again from the
 * head each time. */
static void end_long_polls(brook_conn *c)
{
    if (!c->long_polls)
        return;
    for (brook_req *r = c->head; r && !c->closed;)
        r = brook_req_end_long_poll(r) ? c->head : r->next;
    c->long_polls = 0;
}

static void enqueue(brook_conn *c, brook_req *req)
{
    if (c->tail)
        c->tail->next = req;
    else
        c->head = req;
    c->tail = req;
    if (!c->encode_next)
        c->encode_next = req;
    c->inflight++;
}

/* The largest frame `c` may send now: smaller before a SASL listener's
 * client has authenticated (Kafka's sasl.server.max.receive.size). */
static size_t frame_limit(const brook_conn *c, const char **which)
{
    const brook_settings *st = c->broker->st;
    *which = "limits.max_frame_bytes";
    if (c->listener->conf->sasl && !c->authenticated && st->max_frame_bytes_unauthenticated < st->max_frame_bytes) {
        *which = "limits.max_frame_bytes_unauthenticated (not authenticated yet)";
        return (size_t)st->max_frame_bytes_unauthenticated;
    }
    return (size_t)st->max_frame_bytes;
}

/* What decoding a frame may take: DECODE_FACTOR times its size (the worst
 * legitimate request, thousands of 4-byte partition numbers, needs ~22x),
 * at least DECODE_FLOOR, at most limits.request_memory_bytes. */
#define DECODE_FACTOR 32
#define DECODE_FLOOR  (1u << 20)

static size_t decode_limit(const brook_broker *b, size_t frame_len)
{
    size_t limit = frame_len * DECODE_FACTOR + DECODE_FLOOR;
    return limit < (size_t)b->st->request_memory_bytes ? limit : (size_t)b->st->request_memory_bytes;
}

/* Frames up to this size are read into the connection's read buffer
 * without counting against limits.receive_buffer_total_bytes. */
#define RECEIVE_UNCOUNTED (256u << 10)

static void process_frames(brook_conn *c)
{
    char why[256];
    while (!not_reading(c) && !c->waiting_for_memory && !c->closed) {
        size_t unread = c->rbuf.len - c->rpos;
        if (unread == 0)
            break;
        size_t frame_len = 0;
        brook_err e = c->codec->frame(c->codec_conn, c->rbuf.data + c->rpos, unread, &frame_len);
        if (e == BROOK_ERR_AGAIN)
            break;
        if (e || frame_len == 0) {
            snprintf(why, sizeof why, "malformed frame header: %s", brook_err_str(e ? e : BROOK_ERR_INVALID));
            brook_conn_close(c, why);
            return;
        }
        const char *which;
        size_t limit = frame_limit(c, &which);
        if (frame_len > limit) {
            snprintf(why, sizeof why, "frame of %zu bytes exceeds %s (%zu)", frame_len, which, limit);
            brook_conn_close(c, why);
            return;
        }
        if (unread < frame_len) {
            /* A big frame on its way: its memory counts against the total
             * for requests being received, or the connection waits. */
            if (frame_len > RECEIVE_UNCOUNTED && c->receive_reserved < frame_len &&
                brook_conn_limits_reserve(c->broker, c, frame_len - c->receive_reserved)) {
                update_interest(c);
                break;
            }
            /* room for the whole frame at once, rather than doubling up to it */
            if (c->rpos) {
                brook_buf_consume(&c->rbuf, c->rpos);
                c->rpos = 0;
            }
            if (brook_buf_reserve(&c->rbuf, frame_len - unread)) {
                brook_conn_close(c, "out of memory for a request");
                return;
            }
            break;
        }
        brook_req *req = take_frame(c, frame_len);
        if (!req) {
            brook_conn_close(c, "out of memory for a request");
            return;
        }
        brook_conn_limits_unreserve(c->broker, c, c->receive_reserved);
        /* Decoding may take memory in proportion to the frame, no more: a
         * frame of a million empty names must not cost gigabytes. */
        req->arena.limit = decode_limit(c->broker, frame_len);
        e = c->codec->decode(c->codec_conn, req->frame, req->frame_len, &req->pub);
        int over = req->arena.hit_limit;
        req->arena.limit = 0;
        if (e || over) {
            if (over)
                snprintf(why, sizeof why,
                         "a %zu-byte request needs more than %zu bytes to decode (%dx its size, at most "
                         "limits.request_memory_bytes)",
                         frame_len, decode_limit(c->broker, frame_len), DECODE_FACTOR);
            else
                snprintf(why, sizeof why, "undecodable request: %s%s%s", brook_err_str(e),
                         req->pub.error_message ? ": " : "", req->pub.error_message ? req->pub.error_message : "");
            brook_req_free(req);
            brook_conn_close(c, why);
            return;
        }
        if (req->pub.type == BROOK_REQ_INVALID)
            brook_listener_log_fault(c->listener, BROOK_CLIENT_FAULT_REQUEST, BROOK_LOG_INFO, "bad request from %s: %s",
                                     c->address,
                                     req->pub.error_message ? req->pub.error_message : brook_err_str(req->pub.error));
        if (c->listener->conf->sasl && !c->authenticated && req->pub.type != BROOK_REQ_LOCAL &&
            req->pub.type != BROOK_REQ_SASL_HANDSHAKE && req->pub.type != BROOK_REQ_SASL_AUTHENTICATE) {
            snprintf(why, sizeof why, "request type %d before authentication", (int)req->pub.type);
            brook_req_free(req);
            brook_metric_add(c->broker->m.auth_failures_total, 1);
            brook_conn_close(c, why);
            return;
        }
        end_long_polls(c);
        if (c->closed) {
            brook_req_free(req);
            return;
        }
        enqueue(c, req);
        brook_req_dispatch(req);
        if (!c->closed)
            apply_backpressure(c);
    }
    if (c->closed)
        return;
    /* Keep the unread tail at the front of the buffer. */
    if (c->rpos) {
        brook_buf_consume(&c->rbuf, c->rpos);
        c->rpos = 0;
    }
}

/* read(2), or through TLS: the same contract (EAGAIN when nothing now). */
static ssize_t conn_recv(brook_conn *c, void *buf, size_t len)
{
    return c->tls ? brook_tls_read(c->tls, buf, len, NULL) : read(c->io.fd, buf, len);
}

static void read_again(void *arg)
{
    brook_conn *c = arg;
    c->read_again = NULL;
    do_read(c);
}

static void do_read(brook_conn *c)
{
    size_t budget = READ_BUDGET;
    while (!not_reading(c) && !c->closed && budget) {
        if (brook_buf_reserve(&c->rbuf, READ_CHUNK)) {
            brook_conn_close(c, "out of memory for the read buffer");
            return;
        }
        ssize_t n = conn_recv(c, c->rbuf.data + c->rbuf.len, c->rbuf.cap - c->rbuf.len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                log_debug("connection %s: read: %s", c->address, strerror(errno));
                brook_conn_close(c, NULL);
            }
            return;
        }
        if (n == 0) {
            brook_conn_close(c, NULL);
            return;
        }
        c->rbuf.len += (size_t)n;
        c->last_read_ms = c->last_active_ms = brook_loop_now(c->broker->loop);
        budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
        /* Requests that complete while this read's frames are handled (a
         * pipelining producer's, say) answer in one write after them, not
         * one each: fewer system calls here, fewer wake-ups for the client. */
        c->corked = 1;
        process_frames(c);
        c->corked = 0;
        if (!c->closed)
            do_write(c);
    }
    /* Budget spent: bytes still in the socket wake the loop again, but bytes
     * OpenSSL already decrypted would not, so come back after the others. */
    if (!budget && c->tls && !c->closed && !not_reading(c) && !c->read_again && brook_tls_pending(c->tls) &&
        brook_loop_timer_add(c->broker->loop, 0, read_again, c, &c->read_again))
        brook_conn_close(c, "cannot schedule the next read");
}

/* ---- responses out ------------------------------------------------------ */

static void encode_ready(brook_conn *c)
{
    while (!c->closed && c->encode_next && c->encode_next->state == BROOK_REQ_COMPLETED) {
        brook_req *r = c->encode_next;
        if (!(r->pub.flags & BROOK_REQ_F_NO_RESPONSE)) {
            brook_err e = brook_req_encode(r, c->codec, c->codec_conn);
            if (e) {
                char why[128];
                snprintf(why, sizeof why, "cannot encode a response: %s", brook_err_str(e));
                brook_conn_close(c, why);
                return;
            }
        }
        r->state = BROOK_REQ_ENCODED;
        c->pending_out += r->out_total;
        c->encode_next = r->next;
    }
}

void brook_conn_on_complete(brook_conn *c)
{
    encode_ready(c);
    if (!c->closed && !c->corked)
        do_write(c);
}

/* Drop fully written requests from the head. */
static void pop_sent(brook_conn *c)
{
    while (c->head && c->head->state == BROOK_REQ_ENCODED && c->head->out_sent == c->head->out_total) {
        brook_req *r = c->head;
        c->head = r->next;
        if (!c->head)
            c->tail = NULL;
        c->inflight--;
        brook_req_free(r);
    }
}

static void advance(brook_conn *c, size_t n)
{
    if (n)
        c->last_active_ms = brook_loop_now(c->broker->loop);
    for (brook_req *r = c->head; n && r; r = r->next) {
        while (n && r->seg_sent < r->seg_count) {
            brook_out_seg *s = &r->segs[r->seg_sent];
            size_t left = s->len - r->seg_sent_off;
            size_t take = n < left ? n : left;
            r->seg_sent_off += take;
            r->out_sent += take;
            c->pending_out -= take;
            n -= take;
            if (r->seg_sent_off == s->len) {
                r->seg_sent++;
                r->seg_sent_off = 0;
                r->seg_cached_to = 0;
            }
        }
    }
}

/* Gather memory segments from the head on, up to the first file slice.
 * Returns the iovec count; *file is set when the head segment is a file
 * (segs[seg_sent] of *file_req). */
static int gather(brook_conn *c, struct iovec *iov, const brook_out_seg **file, size_t *file_off, brook_req **file_req)
{
    int n = 0;
    *file = NULL;
    for (brook_req *r = c->head; r && r->state == BROOK_REQ_ENCODED && n < MAX_IOV; r = r->next) {
        for (size_t i = r->seg_sent; i < r->seg_count && n < MAX_IOV; i++) {
            const brook_out_seg *s = &r->segs[i];
            size_t skip = i == r->seg_sent ? r->seg_sent_off : 0;
            if (s->slice && s->slice->fd >= 0) {
                if (n == 0) {
                    *file = s;
                    *file_off = skip;
                    *file_req = r;
                }
                return n;
            }
            const uint8_t *base = s->slice ? s->slice->data : r->out.data + s->offset;
            iov[n].iov_base = (void *)(base + skip);
            iov[n].iov_len = s->len - skip;
            n++;
        }
    }
    return n;
}

#define TLS_CHUNK 16384 /* one TLS record */

/* Encrypt the next piece: the first iovec, or the file slice read into
 * memory (sendfile cannot encrypt). Pieces are cut the same way each time,
 * so a write OpenSSL asks to repeat is repeated with the same bytes. */
static ssize_t tls_send(brook_conn *c, const struct iovec *iov, const brook_out_seg *file, size_t file_off)
{
    const void *data = iov[0].iov_base;
    size_t len = iov[0].iov_len < TLS_CHUNK ? iov[0].iov_len : TLS_CHUNK;
    if (file) {
        if (!c->tls_file_buf && !(c->tls_file_buf = malloc(TLS_CHUNK))) {
            errno = ENOMEM;
            return -1;
        }
        len = file->len - file_off < TLS_CHUNK ? file->len - file_off : TLS_CHUNK;
        ssize_t r = pread(file->slice->fd, c->tls_file_buf, len, (off_t)(file->slice->file_offset + (int64_t)file_off));
        if (r <= 0)
            return r;
        len = (size_t)r;
        data = c->tls_file_buf;
    }
    return brook_tls_write(c->tls, data, len, NULL);
}

#define FILL_CHUNK (4u << 20) /* checked, and read in when cold, at a time */

static void filled(void *arg)
{
    brook_conn *c = arg;
    c->filling = 0;
    if (c->free_when_filled)
        free_conn(c);
    else if (!c->closed)
        do_write(c);
}

/* Whether the next bytes of a file slice can go now: they are in the page
 * cache (checked a chunk at a time). When they are not, they are read in
 * on a worker first (page_cache.h) and the connection waits for that
 * alone; sendfile (or TLS's pread) would have stalled the whole loop. */
static int ready_to_send(brook_conn *c, brook_req *r, const brook_out_seg *file, size_t file_off)
{
    if (file_off < r->seg_cached_to)
        return 1;
    size_t len = file->len - file_off < FILL_CHUNK ? file->len - file_off : FILL_CHUNK;
    int64_t offset = file->slice->file_offset + (int64_t)file_off;
    r->seg_cached_to = file_off + len; /* not checked again: pages evicted since then are the send's to read */
    if (brook_page_cache_has(file->slice->fd, offset, len) ||
        brook_page_cache_fill(c->broker->workers, file->slice->fd, offset, len, filled, c))
        return 1;
    c->filling = 1;
    brook_metric_add(c->broker->m.cold_file_reads_total, 1);
    brook_metric_add(c->broker->m.cold_file_read_bytes_total, (int64_t)len);
    return 0;
}

static void do_write(brook_conn *c)
{
    for (;;) {
        if (c->filling)
            break;
        pop_sent(c);
        if (!c->head || c->head->state != BROOK_REQ_ENCODED)
            break;
        struct iovec iov[MAX_IOV];
        const brook_out_seg *file;
        size_t file_off = 0;
        brook_req *file_req = NULL;
        int n = gather(c, iov, &file, &file_off, &file_req);
        ssize_t w;
        if (!file && n == 0)
            break; /* nothing to write: only empty responses, popped above */
        if (file && !ready_to_send(c, file_req, file, file_off))
            break;
        if (c->tls) {
            w = tls_send(c, iov, file, file_off);
        } else if (file) {
            off_t off = (off_t)(file->slice->file_offset + (int64_t)file_off);
            w = sendfile(c->io.fd, file->slice->fd, &off, file->len - file_off);
        } else {
            w = writev(c->io.fd, iov, n);
        }
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            log_debug("connection %s: write: %s", c->address, strerror(errno));
            brook_conn_close(c, NULL);
            return;
        }
        if (w == 0 && file) {
            brook_conn_close(c, "a log file slice ended early (file truncated under a fetch)");
            return;
        }
        advance(c, (size_t)w);
    }
    apply_backpressure(c);
    if (!c->closed && c->close_after_write && !c->head) {
        brook_conn_close(c, "authentication failed");
        return;
    }
    if (c->broker->stopping && !c->head)
        brook_conn_close(c, NULL);
}

/* ---- TLS handshake ------------------------------------------------------ */

static void handshake_expired(void *arg)
{
    brook_conn *c = arg;
    c->handshake_timer = NULL;
    char why[96];
    if (c->handshaking) {
        snprintf(why, sizeof why, "TLS handshake not finished within %d ms",
                 c->listener->conf->tls.handshake_timeout_ms);
        brook_metric_add(c->broker->m.tls_handshake_failures_total, 1);
    } else {
        snprintf(why, sizeof why, "not authenticated within %d ms", c->listener->conf->auth_timeout_ms);
        brook_metric_add(c->broker->m.auth_failures_total, 1);
    }
    brook_conn_close(c, why);
}

static void do_handshake(brook_conn *c)
{
    char why[512];
    int rc = brook_tls_handshake(c->tls, why, sizeof why);
    if (rc == BROOK_TLS_WANT_READ || rc == BROOK_TLS_WANT_WRITE) {
        brook_loop_io_set(c->broker->loop, &c->io, rc == BROOK_TLS_WANT_READ ? EPOLLIN : EPOLLOUT);
        return;
    }
    if (rc < 0) {
        brook_metric_add(c->broker->m.tls_handshake_failures_total, 1);
        brook_conn_close(c, why);
        return;
    }
    c->handshaking = 0;
    brook_loop_timer_cancel(c->broker->loop, c->handshake_timer);
    c->handshake_timer = NULL;
    if (c->listener->conf->sasl) /* now the SASL exchange has its own deadline */
        brook_loop_timer_add(c->broker->loop, c->listener->conf->auth_timeout_ms, handshake_expired, c,
                             &c->handshake_timer);
    char subject[256];
    if (c->listener->conf->tls.principal_from_cert && brook_tls_peer_subject(c->tls, subject, sizeof subject)) {
        snprintf(c->principal_buf, sizeof c->principal_buf, "User:%s", subject);
        c->principal = c->principal_buf;
    }
    log_debug("connection from %s: TLS established (principal %s)", c->address, c->principal);
    update_interest(c);
    do_read(c); /* the client may have sent its first request with the handshake */
}

static void on_io(void *arg, uint32_t events)
{
    brook_conn *c = arg;
    if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
        brook_conn_close(c, NULL);
        return;
    }
    if (c->handshaking) {
        do_handshake(c);
        return;
    }
    if (events & EPOLLIN)
        do_read(c);
    if (!c->closed && (events & EPOLLOUT))
        do_write(c);
}
