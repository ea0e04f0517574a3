/* libFuzzer: the native codec's frame/decode/encode on arbitrary bytes.
 * The codec is compiled in (not dlopened) with a minimal host table. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <brook/codec.h>
#include <brook/plugin.h>

#include "arena.h"
#include "record_batch.h"

extern const brook_plugin_descriptor brook_plugin;

static void f_log(const brook_host *h, brook_log_level l, const char *fmt, ...)
{
    (void)h;
    (void)l;
    (void)fmt;
}

static brook_err f_config_int(const brook_host *h, const char *key, int64_t *out)
{
    (void)h;
    (void)key;
    *out = 1 << 20;
    return BROOK_OK;
}

static int64_t f_now(const brook_host *h)
{
    (void)h;
    return 1700000000000;
}

static void *f_alloc(brook_request *req, size_t size)
{
    return brook_arena_alloc(req->core_private, size);
}

static brook_err w_write(brook_writer *w, const void *d, size_t n)
{
    (void)w;
    (void)d;
    (void)n;
    return BROOK_OK;
}

static brook_err w_slice(brook_writer *w, const brook_slice *s)
{
    (void)w;
    (void)s;
    return BROOK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static brook_host host;
    static void *state;
    static const brook_codec_ops *ops;
    if (!ops) {
        host = (brook_host){.size = sizeof host,
                            .log = f_log,
                            .config_int = f_config_int,
                            .now_ms = f_now,
                            .batch = &brook_batch_ops_impl};
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
        /* the core hands decode a frame it owns */
        uint8_t *frame = malloc(flen);
        memcpy(frame, data + pos, flen);
        brook_arena arena = {0};
        brook_request req = {.alloc = f_alloc, .core_private = &arena};
        if (ops->decode(conn, frame, flen, &req) == BROOK_OK && !(req.flags & BROOK_REQ_F_NO_RESPONSE)) {
            brook_writer w = {.write = w_write, .write_slice = w_slice};
            ops->encode(conn, &req, &w);
        }
        brook_arena_free(&arena);
        free(frame);
        pos += flen;
    }
    ops->conn_close(conn);
    return 0;
}
