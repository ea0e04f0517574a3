/* One request's life in the core: created from a frame, decoded by the
 * codec, authorized and routed to its handler, completed now or later
 * (acks, long poll), encoded in order, written, freed.
 *
 * States: DECODED -> COMPLETED -> ENCODED -> freed after its last response
 * byte is written. A DECODED request with `waiting` > 0 is parked (long
 * poll, acks=all). A request whose connection went
 * away is "orphaned": it is freed once no callback still refers to it. */
#ifndef BROOK_CORE_LIFECYCLE_H
#define BROOK_CORE_LIFECYCLE_H

#include <brook/codec.h>
#include <brook/request.h>

#include "arena.h"
#include "request_types.h"
#include "buf.h"
#include "loop.h"

struct brook_conn;
struct brook_broker;

typedef enum brook_req_state {
    BROOK_REQ_DECODED = 0,
    BROOK_REQ_COMPLETED = 1,
    BROOK_REQ_ENCODED = 2,
} brook_req_state;

/* A piece of an encoded response: bytes in `out` or a storage slice. */
typedef struct brook_out_seg {
    const brook_slice *slice; /* NULL: bytes [offset, offset+len) of req->out */
    size_t offset;
    size_t len;
} brook_out_seg;

typedef struct brook_req brook_req;

struct brook_req {
    brook_request pub;
    struct brook_broker *broker;
    struct brook_conn *conn; /* NULL once orphaned */
    brook_req *next;         /* connection order */
    brook_arena arena;
    uint8_t *frame;
    size_t frame_len;
    brook_req_state state;

    /* Completion bookkeeping: the request completes when both reach zero
     * after the handler returned. `pending` counts callbacks that will come
     * (storage durability); `waiting` counts registrations that can be
     * withdrawn (partition waiters). */
    int pending;
    int waiting;
    int64_t dispatched_ns; /* monotonic, for brook_request_duration_seconds */
    int deadline_passed;
    brook_timer *deadline;
    /* Set by a handler that parks the request: withdraw its waiters (the
     * connection is gone). Called at most once. */
    void (*cancel)(brook_req *req);
    int cancelled;
    /* Set by a handler that parks the request: the deadline passed (or the
     * broker is stopping). Must eventually complete the request. */
    void (*on_deadline)(brook_req *req);
    /* A long poll (a fetch waiting for data) may answer before its
     * deadline: what it has then is as good an answer as at the deadline. */
    int long_poll;
    void *handler_state; /* the handler's, in the arena */

    /* The encoded response. */
    brook_buf out;
    brook_out_seg *segs;
    size_t seg_count;
    size_t seg_cap;
    size_t seg_sent;      /* segments fully written */
    size_t seg_sent_off;  /* bytes of segs[seg_sent] already written */
    size_t seg_cached_to; /* bytes of segs[seg_sent] (a file slice) checked to be in the page cache */
    size_t out_total;     /* bytes in all segments */
    size_t out_sent;
};

brook_req *brook_req_new(struct brook_conn *conn);
void brook_req_free(brook_req *req);

/* Authorize and hand the request to its handler. */
void brook_req_dispatch(brook_req *req);

/* Arm the deadline: on_deadline runs after `ms` (must be set first). */
void brook_req_arm_deadline(brook_req *req, int64_t ms);
/* Arm the deadline of a long poll: a later request on the same connection
 * ends it early (brook_req_end_long_poll), since that request's answer
 * would otherwise wait behind it for up to `ms`. */
void brook_req_arm_long_poll(brook_req *req, int64_t ms);
/* A long poll still waiting answers now, as at its deadline; 1 if it did. */
int brook_req_end_long_poll(brook_req *req);

/* For a callback that would go on with the request's work: whether its
 * answer is still awaited (BROOK_OK), or no longer: BROOK_ERR_SHUTDOWN (its
 * connection went away), BROOK_ERR_TIMEOUT (its deadline passed). */
brook_err brook_req_still_awaited(const brook_req *req);

/* A copy of `s` (NULL: NULL) that lives as long as the request: for an
 * answer naming what may change before it is encoded (answers wait for the
 * requests before them on their connection), such as a broker's address
 * in the membership list. NULL when out of memory. */
const char *brook_req_strdup(brook_req *req, const char *s);

/* A pending callback came back: complete when nothing else is owed. */
void brook_req_release(brook_req *req);
/* Complete if nothing is pending or waiting any more. */
void brook_req_maybe_complete(brook_req *req);
/* The result is final: hand it to the connection for in-order encoding. */
void brook_req_complete(brook_req *req);

/* The connection is gone: withdraw waiters, free when callbacks are done. */
void brook_req_orphan(brook_req *req);

/* Encode the response through the codec into req->out / req->segs. */
brook_err brook_req_encode(brook_req *req, const brook_codec_ops *codec, void *codec_conn);

#endif
