/* libFuzzer: the Kafka codec's frame/decode/encode on arbitrary bytes, the
 * codec compiled in with a minimal host. Decoded requests are encoded back
 * (with their zeroed results) so the response side is exercised too. */
#include <stdlib.h>
#include <string.h>

#include <brook/codec.h>
#include <brook/plugin.h>

#include "arena.h"

extern const brook_plugin_descriptor brook_plugin;

static void *f_alloc(brook_request *req, size_t size)
{
    return brook_arena_alloc(req->core_private, size);
}

typedef struct sink {
    brook_writer w;
    size_t pos;
} sink;

static brook_err w_write(brook_writer *w, const void *d, size_t n)
{
    (void)d;
    ((sink *)w)->pos += n;
    return BROOK_OK;
}

static brook_err w_slice(brook_writer *w, const brook_slice *s)
{
    ((sink *)w)->pos += s->len;
    return BROOK_OK;
}

static size_t w_position(brook_writer *w)
{
    return ((sink *)w)->pos;
}

static brook_err w_patch(brook_writer *w, size_t pos, const void *d, size_t n)
{
    (void)d;
    return pos + n <= ((sink *)w)->pos ? BROOK_OK : BROOK_ERR_INVALID;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static brook_host host;
    static void *state;
    static const brook_codec_ops *ops;
    if (!ops) {
        host.size = sizeof host;
        if (brook_plugin.init(&host, &state))
            abort();
        ops = brook_plugin.vtable;
    }
    void *conn;
    ops->conn_open(state, NULL, &conn);
    size_t pos = 0;
    while (pos < size) {
        size_t flen;
        if (ops->frame(conn, data + pos, size - pos, &flen) || flen > size - pos)
            break;
        uint8_t *frame = malloc(flen);
        memcpy(frame, data + pos, flen);
        brook_arena arena = {0};
        brook_request req = {.alloc = f_alloc, .core_private = &arena};
        if (ops->decode(conn, frame, flen, &req) == BROOK_OK && !(req.flags & BROOK_REQ_F_NO_RESPONSE)) {
            sink s = {.w = {.write = w_write, .write_slice = w_slice, .position = w_position, .patch = w_patch}};
            ops->encode(conn, &req, &s.w);
        }
        brook_arena_free(&arena);
        free(frame);
        pos += flen;
    }
    ops->conn_close(conn);
    return 0;
}
