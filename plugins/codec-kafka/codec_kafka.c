/* codec-kafka: the Kafka wire protocol, so kcat, librdkafka, confluent-kafka,
 * kafkajs and kafka-python work unchanged.
 *
 * Framing: a 4-byte big-endian size, then a request header (v1: api key,
 * version, correlation id, client id; v2 adds tagged fields for flexible
 * versions) and the body. Bodies are decoded and encoded by the schema
 * tables in kapis.c through the engine in kschema.c; kmap.c maps them to
 * and from the core's neutral requests. ApiVersions is answered here.
 *
 * SASL: after SaslHandshake v0 the client sends its tokens as bare
 * size-prefixed frames (no request header) and gets bare replies, until
 * the exchange completes; v1 clients use SaslAuthenticate instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brook/batch.h>
#include <brook/codec.h>
#include <brook/plugin.h>

#include "kapis.h"
#include "kmap.h"
#include "kschema.h"

#define HEADER_MIN 8 /* api key, version, correlation id */

static brook_err kafka_init(const brook_host *host, void **state)
{
    *state = (void *)host;
    return BROOK_OK;
}

static void kafka_fini(void *state)
{
    (void)state;
}

typedef struct kconn {
    int raw_sasl; /* the next frames are bare SASL tokens (after SaslHandshake v0) */
} kconn;

static brook_err kafka_conn_open(void *state, const brook_peer *peer, void **conn)
{
    (void)state;
    (void)peer;
    kconn *c = calloc(1, sizeof *c);
    if (!c)
        return BROOK_ERR_NOMEM;
    *conn = c;
    return BROOK_OK;
}

static void kafka_conn_close(void *conn)
{
    free(conn);
}

static brook_err kafka_frame(void *conn, const uint8_t *data, size_t len, size_t *frame_len)
{
    const kconn *c = conn;
    if (len < 4)
        return BROOK_ERR_AGAIN;
    int32_t size = (int32_t)brook_be32(data);
    if (size < (c->raw_sasl ? 0 : HEADER_MIN))
        return BROOK_ERR_INVALID; /* negative or too small to hold a header */
    *frame_len = 4 + (size_t)size;
    return BROOK_OK;
}

/* A bare SASL token (SaslHandshake v0 flow) as a SaslAuthenticate. */
static brook_err decode_raw_token(kreq *kr, const uint8_t *frame, size_t len, brook_request *req)
{
    kr->api = kapi_find(API_KEY_SASL_AUTHENTICATE);
    kr->raw_sasl = 1;
    req->type = BROOK_REQ_SASL_AUTHENTICATE;
    req->u.sasl_authenticate.token = frame + 4;
    req->u.sasl_authenticate.token_len = len - 4;
    return BROOK_OK;
}

/* A message for the log line when the connection is closed. */
static const char *say(brook_request *req, const char *fmt, int a, int b)
{
    char *msg = brook_request_alloc(req, 160);
    if (msg)
        snprintf(msg, 160, fmt, a, b);
    return msg ? msg : fmt;
}

static brook_err kafka_decode(void *conn, const uint8_t *frame, size_t len, brook_request *req)
{
    kconn *c = conn;
    kreq *kr = brook_request_alloc(req, sizeof *kr);
    if (!kr)
        return BROOK_ERR_NOMEM;
    req->codec_data = kr;
    if (c->raw_sasl)
        return decode_raw_token(kr, frame, len, req);
    const uint8_t *p = frame + 4, *end = frame + len;
    int16_t key = (int16_t)brook_be16(p);
    kr->version = (int16_t)brook_be16(p + 2);
    kr->correlation_id = (int32_t)brook_be32(p + 4);
    p += HEADER_MIN;
    kr->api = kapi_find(key);
    if (!kr->api) {
        req->error_message = say(req, "unknown Kafka API key %d (version %d)", key, kr->version);
        return BROOK_ERR_UNSUPPORTED;
    }
    if (kr->version < kr->api->min_ver || kr->version > kr->api->max_ver) {
        if (key == API_KEY_API_VERSIONS) {
            /* answered in the v0 format with UNSUPPORTED_VERSION and our ranges */
            kr->unsupported_version = 1;
            kr->version = 0;
            req->type = BROOK_REQ_LOCAL;
            return BROOK_OK;
        }
        req->error_message = say(req, "unsupported version %d of Kafka API key %d", kr->version, key);
        return BROOK_ERR_UNSUPPORTED;
    }
    kr->flexible = kr->version >= kr->api->flexible_from;
    /* client id: a classic nullable string in every header version */
    if (end - p < 2)
        return BROOK_ERR_INVALID;
    int16_t id_len = (int16_t)brook_be16(p);
    p += 2;
    kr->client_id = (kval){.ptr = p, .len = id_len < 0 ? -1 : id_len}; /* copied only where used */
    if (id_len > 0) {
        if (end - p < id_len)
            return BROOK_ERR_INVALID;
        p += id_len;
    }
    kr->body = knew(kmap_alloc, req, kr->api->request->nfields, 1);
    if (!kr->body)
        return BROOK_ERR_NOMEM;
    const char *why = NULL;
    if (kr->flexible) { /* header tagged fields, skipped like the body's */
        static const kfield none[1];
        static const kmsg empty = {none, 0};
        kval dummy;
        if (kdecode(&empty, kr->version, 1, &p, end, &dummy, kmap_alloc, req, &why)) {
            req->error_message = why;
            return BROOK_ERR_INVALID;
        }
    }
    if (kdecode(kr->api->request, kr->version, kr->flexible, &p, end, kr->body, kmap_alloc, req, &why)) {
        req->error_message = say(req, "malformed request body (API key %d version %d)", key, kr->version);
        return BROOK_ERR_INVALID;
    }
    if (kmap_decode(kr, req, &why)) {
        req->error_message = why;
        return BROOK_ERR_NOMEM;
    }
    /* which client quotas match it (a copy: the frame goes before the request) */
    if (kr->client_id.len >= 0 && !(req->client_id = kmap_str(req, &kr->client_id)))
        return BROOK_ERR_NOMEM;
    if (key == API_KEY_SASL_HANDSHAKE && kr->version == 0)
        c->raw_sasl = 1; /* the tokens come bare from now on */
    return BROOK_OK;
}

/* The reply to a bare token: size-prefixed bytes. A failure gets nothing:
 * the core closes the connection after it. */
static brook_err encode_raw_reply(kconn *c, const brook_sasl_authenticate_req *a, brook_writer *w)
{
    if (a->error || a->complete)
        c->raw_sasl = 0;
    if (a->error)
        return BROOK_OK;
    uint8_t size[4];
    brook_put_be32(size, (uint32_t)a->reply_len);
    brook_err e = w->write(w, size, 4);
    return e || !a->reply_len ? e : w->write(w, a->reply, a->reply_len);
}

static brook_err kafka_encode(void *conn, brook_request *req, brook_writer *w)
{
    kreq *kr = req->codec_data;
    if (kr->raw_sasl)
        return encode_raw_reply(conn, &req->u.sasl_authenticate, w);
    kval *body = kmap_encode(kr, req);
    if (!body)
        return BROOK_ERR_NOMEM;
    kout o = {.w = w};
    size_t start = w->position(w);
    kout_i32(&o, 0); /* size, patched below */
    kout_i32(&o, kr->correlation_id);
    /* response header v1 (tagged fields) for flexible versions, except
     * ApiVersions, whose response header is always v0 */
    int flexible = kr->flexible && kr->api->key != API_KEY_API_VERSIONS;
    if (flexible)
        kout_uvarint(&o, 0);
    kencode(kr->api->response, kr->version, kr->flexible, body, &o);
    kout_flush(&o);
    brook_err e = o.failed ? BROOK_ERR_NOMEM : BROOK_OK;
    kout_free(&o);
    if (e)
        return e;
    size_t total = w->position(w) - start - 4;
    if (total > INT32_MAX)
        return BROOK_ERR_TOO_LARGE;
    uint8_t size[4];
    brook_put_be32(size, (uint32_t)total);
    return w->patch(w, start, size, 4);
}

static const brook_codec_ops ops = {
    .conn_open = kafka_conn_open,
    .conn_close = kafka_conn_close,
    .frame = kafka_frame,
    .decode = kafka_decode,
    .encode = kafka_encode,
};

BROOK_PLUGIN_DESCRIPTOR(
    BROOK_PLUGIN_CODEC, brook_codec_ops, ops, .name = "kafka", .version = "1.0.0",
    .description = "the Kafka wire protocol (kcat, librdkafka, confluent-kafka, kafkajs, kafka-python)",
    .init = kafka_init, .fini = kafka_fini);
