/* Brook SDK: protocol codecs (kind BROOK_PLUGIN_CODEC).
 *
 * A codec turns a connection's byte stream into requests (request.h) and
 * requests with their results back into response bytes. The core owns the
 * socket, the buffers, ordering and backpressure; the codec never does I/O.
 *
 * Lifecycle on one connection:
 *   conn_open -> { frame -> decode -> (core works) -> encode }* -> conn_close
 * The core calls `frame` on the unread bytes until it returns a length, waits
 * for that many bytes, copies them into the request and calls `decode`.
 * Responses are encoded strictly in request order, each once, and requests
 * flagged BROOK_REQ_F_NO_RESPONSE are never encoded.
 * All calls for a connection come from its event-loop thread. */
#ifndef BROOK_CODEC_H
#define BROOK_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "request.h"
#include "types.h"

/* Where encode writes a response. Bytes are copied; slices are referenced
 * (the request keeps them alive until the response is sent), so fetched
 * log data can go to the socket with sendfile. */
typedef struct brook_writer brook_writer;
struct brook_writer {
    uint32_t size; /* sizeof(brook_writer) in the core: slots added later lie past it */
    brook_err (*write)(brook_writer *w, const void *data, size_t len);
    brook_err (*write_slice)(brook_writer *w, const brook_slice *slice);
    /* Bytes written so far (slices included), to patch a length in later. */
    size_t (*position)(brook_writer *w);
    /* Overwrite already written bytes (not slice bytes) at `position`. */
    brook_err (*patch)(brook_writer *w, size_t position, const void *data, size_t len);
    void *impl; /* the core's */
};

typedef struct brook_codec_ops {
    /* Per-connection state (e.g. the negotiated protocol version). */
    brook_err (*conn_open)(void *state, const brook_peer *peer, void **conn);
    void (*conn_close)(void *conn);

    /* Look at the unread bytes [data, data+len) and tell the length of the
     * next frame, prefix included, in *frame_len. BROOK_ERR_AGAIN: not
     * enough bytes to know yet. Any other error means the stream cannot be
     * parsed (e.g. a negative length): the core logs it and closes. The core
     * enforces the configured maximum frame size on *frame_len. */
    brook_err (*frame)(void *conn, const uint8_t *data, size_t len, size_t *frame_len);

    /* Decode one whole frame into `req` (zeroed by the core, with `alloc`
     * set). The frame stays valid for the request's lifetime, so decoded
     * fields may point into it. Return BROOK_OK with type BROOK_REQ_INVALID
     * and `error` set when the protocol can answer the problem (unknown
     * operation, wrong field type): the core then only calls encode. Return
     * an error when it cannot (no correlation id): the core closes the
     * connection after logging error_message. */
    brook_err (*decode)(void *conn, const uint8_t *frame, size_t len, brook_request *req);

    /* Encode the response of a completed request. An error here closes the
     * connection (with a log line): the client would wait forever otherwise. */
    brook_err (*encode)(void *conn, brook_request *req, brook_writer *out);
} brook_codec_ops;

#endif
