/* codec-line: a small text protocol, built against frozen copies of
 * released SDK headers (tests/sdk_abi/frozen/<version>/) to prove what a
 * broker does with plugins built for an older SDK: a 2.0 build must work
 * with every later 2.x brookd, a 1.2 build must be refused naming both
 * versions (the issue that started SDK 2.0: a 1.0 codec-kafka crashed a
 * 1.1 brookd, because alloc had moved behind a grown request union).
 *
 *   produce <topic> <value>\n   ->  ok <offset>\n        | error <code>\n
 *   fetch <topic> <offset>\n    ->  ok <high watermark>\n, then one
 *                                   "record <offset> <value>\n" per record,
 *                                   then end\n          | error <code>\n
 * Partition 0 only; acks=1; values without spaces or newlines. It uses
 * the request's fixed fields, its arena, the union, element arrays, the
 * writer, the batch builder and iterator and slice_bytes: the parts a
 * layout change would break. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brook/codec.h>
#include <brook/plugin.h>

#ifndef PLUGIN_NAME
#error PLUGIN_NAME must be defined
#endif

#define MAX_LINE 4096

typedef struct line_req {
    int fetch; /* else produce */
} line_req;

static brook_err line_init(const brook_host *host, void **state)
{
    *state = (void *)host;
    return BROOK_OK;
}

static void line_fini(void *state)
{
    (void)state;
}

static brook_err line_conn_open(void *state, const brook_peer *peer, void **conn)
{
    (void)peer;
    *conn = state; /* the host: connections keep nothing of their own */
    return BROOK_OK;
}

static void line_conn_close(void *conn)
{
    (void)conn;
}

static brook_err line_frame(void *conn, const uint8_t *data, size_t len, size_t *frame_len)
{
    (void)conn;
    const uint8_t *nl = memchr(data, '\n', len);
    if (nl) {
        *frame_len = (size_t)(nl - data) + 1;
        return BROOK_OK;
    }
    return len > MAX_LINE ? BROOK_ERR_INVALID : BROOK_ERR_AGAIN;
}

/* A copy of `n` bytes of `s` in the request's arena, NUL-terminated. */
static char *arena_str(brook_request *req, const char *s, size_t n)
{
    char *copy = brook_request_alloc(req, n + 1);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

static brook_err decode_produce(const brook_host *host, brook_request *req, const char *topic, const char *value)
{
    brook_produce_req *p = &req->u.produce;
    p->acks = 1;
    p->topic_count = 1;
    p->topics = brook_request_alloc(req, sizeof *p->topics);
    if (!p->topics || !(p->topics[0].partitions = brook_request_alloc(req, sizeof *p->topics[0].partitions)))
        return BROOK_ERR_NOMEM;
    p->topics[0].name = topic;
    p->topics[0].partition_count = 1;
    brook_batch_builder *b;
    brook_err e = host->batch->builder_new(&b);
    if (e)
        return e;
    brook_record rec = {.timestamp = 1700000000000,
                        .key_len = -1,
                        .value = (const uint8_t *)value,
                        .value_len = (int32_t)strlen(value)};
    const uint8_t *data;
    size_t len;
    uint8_t *records = NULL;
    if (!(e = host->batch->builder_add(b, &rec, NULL, 0)) && !(e = host->batch->builder_finish(b, &data, &len))) {
        records = brook_request_alloc(req, len);
        if (records)
            memcpy(records, data, len);
    }
    host->batch->builder_free(b);
    if (e || !records)
        return e ? e : BROOK_ERR_NOMEM;
    p->topics[0].partitions[0].partition = 0;
    p->topics[0].partitions[0].records = records;
    p->topics[0].partitions[0].records_len = len;
    req->type = BROOK_REQ_PRODUCE;
    return BROOK_OK;
}

static brook_err decode_fetch(brook_request *req, const char *topic, long long offset)
{
    brook_fetch_req *f = &req->u.fetch;
    f->topic_count = 1;
    f->topics = brook_request_alloc(req, sizeof *f->topics);
    if (!f->topics || !(f->topics[0].partitions = brook_request_alloc(req, sizeof *f->topics[0].partitions)))
        return BROOK_ERR_NOMEM;
    f->topics[0].name = topic;
    f->topics[0].partition_count = 1;
    f->max_bytes = 1 << 20;
    f->min_bytes = 1;
    f->max_wait_ms = 0;
    brook_fetch_partition *fp = &f->topics[0].partitions[0];
    fp->partition = 0;
    fp->fetch_offset = offset;
    fp->max_bytes = 1 << 20;
#if BROOK_ABI_MAJOR >= 2
    f->replica_id = -1; /* a consumer */
    fp->current_leader_epoch = -1;
    fp->last_fetched_epoch = -1;
#endif
    req->type = BROOK_REQ_FETCH;
    return BROOK_OK;
}

static brook_err line_decode(void *conn, const uint8_t *frame, size_t len, brook_request *req)
{
    const brook_host *host = conn;
    line_req *lr = brook_request_alloc(req, sizeof *lr);
    char *line = arena_str(req, (const char *)frame, len - 1);
    if (!lr || !line)
        return BROOK_ERR_NOMEM;
    req->codec_data = lr;
    char *save = NULL;
    const char *verb = strtok_r(line, " ", &save);
    const char *topic = strtok_r(NULL, " ", &save);
    const char *arg = strtok_r(NULL, " ", &save);
    if (verb && topic && arg && strcmp(verb, "produce") == 0)
        return decode_produce(host, req, topic, arg);
    if (verb && topic && arg && strcmp(verb, "fetch") == 0) {
        lr->fetch = 1;
        return decode_fetch(req, topic, atoll(arg));
    }
    req->type = BROOK_REQ_INVALID;
    req->error = BROOK_ERR_INVALID;
    return BROOK_OK;
}

static brook_err say(brook_writer *w, const char *fmt, long long a, const uint8_t *s, int32_t n)
{
    char buf[MAX_LINE + 64];
    int len = s ? snprintf(buf, sizeof buf, fmt, a, (int)n, (const char *)s) : snprintf(buf, sizeof buf, fmt, a);
    if (len < 0 || (size_t)len >= sizeof buf)
        return BROOK_ERR_TOO_LARGE;
    return w->write(w, buf, (size_t)len);
}

/* Every record of the fetched slices, one line each. */
static brook_err encode_records(const brook_host *host, const brook_fetch_partition *fp, brook_writer *w)
{
    brook_err e = BROOK_OK;
    for (size_t i = 0; !e && i < fp->slice_count; i++) {
        uint8_t *copy = NULL;
        const uint8_t *bytes = host->slice_bytes(&fp->slices[i], &copy);
        if (!bytes)
            return BROOK_ERR_IO;
        for (size_t pos = 0; !e && pos < fp->slices[i].len;) {
            brook_batch_info info;
            brook_batch_iter it;
            brook_record rec;
            if ((e = host->batch->check(bytes + pos, fp->slices[i].len - pos, &info)) ||
                (e = host->batch->iter_init(&it, bytes + pos, info.size)))
                break;
            while (!e && host->batch->iter_next(&it, &rec) == BROOK_OK)
                if (rec.offset >= fp->fetch_offset)
                    e = say(w, "record %lld %.*s\n", (long long)rec.offset, rec.value, rec.value_len);
            pos += info.size;
        }
        free(copy);
    }
    return e;
}

static brook_err line_encode(void *conn, brook_request *req, brook_writer *w)
{
    const brook_host *host = conn;
    line_req *lr = req->codec_data;
    if (req->type == BROOK_REQ_INVALID || req->error)
        return say(w, "error %lld\n", req->error ? req->error : BROOK_ERR_INVALID, NULL, 0);
    if (req->type == BROOK_REQ_PRODUCE) {
        const brook_produce_partition *pp = &req->u.produce.topics[0].partitions[0];
        return pp->error ? say(w, "error %lld\n", pp->error, NULL, 0) : say(w, "ok %lld\n", pp->base_offset, NULL, 0);
    }
    const brook_fetch_partition *fp = &req->u.fetch.topics[0].partitions[0];
    if (!lr->fetch || fp->error)
        return say(w, "error %lld\n", fp->error, NULL, 0);
    brook_err e = say(w, "ok %lld\n", fp->high_watermark, NULL, 0);
    if (!e)
        e = encode_records(host, fp, w);
    return e ? e : w->write(w, "end\n", 4);
}

static const brook_codec_ops ops = {
    .conn_open = line_conn_open,
    .conn_close = line_conn_close,
    .frame = line_frame,
    .decode = line_decode,
    .encode = line_encode,
};

#if BROOK_ABI_MAJOR >= 2
BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_CODEC, brook_codec_ops, ops, .name = PLUGIN_NAME, .version = "1.0.0",
                        .description = "a line protocol built against frozen SDK headers (tests)", .init = line_init,
                        .fini = line_fini);
#else
BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_CODEC, brook_codec_ops, ops, PLUGIN_NAME, "1.0.0",
                        "a line protocol built against frozen SDK headers (tests)", NULL, line_init, line_fini);
#endif
