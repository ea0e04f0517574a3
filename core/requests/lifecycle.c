#include "lifecycle.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "conn.h"
#include "handlers.h"
#include "log.h"

static void *req_alloc(brook_request *pub, size_t size)
{
    brook_req *req = pub->core_private;
    return brook_arena_alloc(&req->arena, size);
}

brook_req *brook_req_new(brook_conn *conn)
{
    brook_req *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->conn = conn;
    req->broker = conn->broker;
    req->pub.alloc = req_alloc;
    req->pub.core_private = req;
    req->pub.principal = conn->principal;
    return req;
}

static void release_slices(brook_req *req)
{
    if (req->pub.type != BROOK_REQ_FETCH)
        return;
    brook_handle_fetch_release(req);
}

void brook_req_free(brook_req *req)
{
    if (!req)
        return;
    if (req->deadline)
        brook_loop_timer_cancel(req->broker->loop, req->deadline);
    release_slices(req);
    brook_arena_free(&req->arena);
    brook_buf_free(&req->out);
    free(req->segs);
    free(req->frame);
    free(req);
}

/* ---- completion -------------------------------------------------------- */

const char *brook_req_strdup(brook_req *req, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *c = brook_request_alloc(&req->pub, n);
    if (c)
        memcpy(c, s, n);
    return c;
}

brook_err brook_req_still_awaited(const brook_req *req)
{
    return req->cancelled ? BROOK_ERR_SHUTDOWN : req->deadline_passed ? BROOK_ERR_TIMEOUT : BROOK_OK;
}

static void on_deadline_timer(void *arg)
{
    brook_req *req = arg;
    req->deadline = NULL;
    req->deadline_passed = 1;
    if (req->on_deadline)
        req->on_deadline(req);
}

void brook_req_arm_deadline(brook_req *req, int64_t ms)
{
    if (req->deadline || req->deadline_passed)
        return;
    if (brook_loop_timer_add(req->broker->loop, ms, on_deadline_timer, req, &req->deadline))
        req->deadline = NULL;
}

void brook_req_arm_long_poll(brook_req *req, int64_t ms)
{
    brook_req_arm_deadline(req, ms);
    req->long_poll = 1;
    if (req->conn)
        req->conn->long_polls = 1;
}

int brook_req_end_long_poll(brook_req *req)
{
    if (!req->long_poll || req->state != BROOK_REQ_DECODED || !req->waiting || req->deadline_passed)
        return 0;
    if (req->deadline) {
        brook_loop_timer_cancel(req->broker->loop, req->deadline);
        req->deadline = NULL;
    }
    req->deadline_passed = 1;
    req->on_deadline(req);
    return 1;
}

void brook_req_complete(brook_req *req)
{
    if (req->state >= BROOK_REQ_COMPLETED)
        return;
    req->state = BROOK_REQ_COMPLETED;
    int type = (int)req->pub.type;
    if (req->dispatched_ns && type >= 0 && type < BROOK_REQ_TYPE_COUNT)
        brook_histogram_observe(&req->broker->request_duration[type],
                                (double)(brook_monotonic_ns() - req->dispatched_ns) / 1e9);
    if (req->deadline) {
        brook_loop_timer_cancel(req->broker->loop, req->deadline);
        req->deadline = NULL;
    }
    if (req->pub.error)
        brook_metric_add(req->broker->m.request_errors_total, 1);
    if (!req->conn) {
        brook_req_free(req);
        return;
    }
    brook_conn_on_complete(req->conn);
}

void brook_req_maybe_complete(brook_req *req)
{
    if (req->pending == 0 && req->waiting == 0)
        brook_req_complete(req);
}

/* Withdraw what the handler parked, once. */
static void cancel_once(brook_req *req)
{
    if (req->cancel && !req->cancelled) {
        req->cancelled = 1;
        req->cancel(req);
    }
}

void brook_req_release(brook_req *req)
{
    req->pending--;
    if (!req->conn && req->pending == 0) {
        cancel_once(req);
        brook_req_free(req);
        return;
    }
    if (req->conn)
        brook_req_maybe_complete(req);
}

void brook_req_orphan(brook_req *req)
{
    req->conn = NULL;
    if (req->state >= BROOK_REQ_COMPLETED || req->pending == 0) {
        cancel_once(req);
        brook_req_free(req);
        return;
    }
    /* Callbacks still owed: they free it (brook_req_release). Hold it
     * while withdrawing, since cancel may end some of them at once. */
    if (req->deadline) {
        brook_loop_timer_cancel(req->broker->loop, req->deadline);
        req->deadline = NULL;
    }
    req->pending++;
    cancel_once(req);
    brook_req_release(req);
}

/* ---- dispatch ---------------------------------------------------------- */

void brook_req_dispatch(brook_req *req)
{
    brook_metric_add(req->broker->m.requests_total, 1);
    req->dispatched_ns = brook_monotonic_ns();
    /* The handler's own work counts as one pending callback, so callbacks
     * that fire synchronously inside it cannot complete it early. */
    req->pending = 1;
    const brook_req_type_row *type = brook_req_type((int)req->pub.type);
    if (type && type->handle)
        type->handle(req);
    else if (!req->pub.error)
        req->pub.error = BROOK_ERR_UNSUPPORTED;
    brook_req_release(req);
}

/* ---- the response writer ----------------------------------------------- */

static brook_err add_seg(brook_req *req, const brook_slice *slice, size_t offset, size_t len)
{
    if (len == 0)
        return BROOK_OK;
    /* Consecutive bytes extend the previous segment. */
    if (!slice && req->seg_count && !req->segs[req->seg_count - 1].slice &&
        req->segs[req->seg_count - 1].offset + req->segs[req->seg_count - 1].len == offset) {
        req->segs[req->seg_count - 1].len += len;
        req->out_total += len;
        return BROOK_OK;
    }
    if (req->seg_count == req->seg_cap) {
        size_t cap = req->seg_cap ? req->seg_cap * 2 : 8;
        brook_out_seg *segs = realloc(req->segs, cap * sizeof *segs);
        if (!segs)
            return BROOK_ERR_NOMEM;
        req->segs = segs;
        req->seg_cap = cap;
    }
    req->segs[req->seg_count++] = (brook_out_seg){.slice = slice, .offset = offset, .len = len};
    req->out_total += len;
    return BROOK_OK;
}

static brook_err w_write(brook_writer *w, const void *data, size_t len)
{
    brook_req *req = w->impl;
    size_t offset = req->out.len;
    brook_err e = brook_buf_append(&req->out, data, len);
    return e ? e : add_seg(req, NULL, offset, len);
}

static brook_err w_write_slice(brook_writer *w, const brook_slice *slice)
{
    return add_seg(w->impl, slice, 0, slice->len);
}

static size_t w_position(brook_writer *w)
{
    return ((brook_req *)w->impl)->out_total;
}

static brook_err w_patch(brook_writer *w, size_t position, const void *data, size_t len)
{
    brook_req *req = w->impl;
    size_t pos = 0;
    for (size_t i = 0; i < req->seg_count; i++) {
        brook_out_seg *s = &req->segs[i];
        if (position >= pos && position + len <= pos + s->len) {
            if (s->slice)
                return BROOK_ERR_INVALID;
            memcpy(req->out.data + s->offset + (position - pos), data, len);
            return BROOK_OK;
        }
        pos += s->len;
    }
    return BROOK_ERR_INVALID;
}

brook_err brook_req_encode(brook_req *req, const brook_codec_ops *codec, void *codec_conn)
{
    brook_writer w = {
        .size = sizeof(brook_writer),
        .write = w_write,
        .write_slice = w_write_slice,
        .position = w_position,
        .patch = w_patch,
        .impl = req,
    };
    return codec->encode(codec_conn, &req->pub, &w);
}
