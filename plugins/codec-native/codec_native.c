/* codec-native: Brook's own small protocol, msgpack over TCP.
 *
 * Frame: a 4-byte big-endian body length, then one msgpack map.
 * Requests carry "id" (correlation id, echoed back) and "op"; responses
 * carry "id", "error" (0 or a brook_err code) and "message" on errors.
 * The full description, with a worked exchange, is docs/native-protocol.md.
 *
 * The codec maps each operation onto the core's neutral requests
 * (request.h): produce builds a RecordBatch v2 with the host's builder,
 * fetch turns the batches the core hands back into msgpack records. */
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <brook/batch.h>
#include <brook/codec.h>
#include <brook/plugin.h>

#include "msgpack_check.h"
#include "native.h"

#define MAX_DEPTH 8

const char *const native_op_names[] = {
    "create_topic",
    "delete_topic",
    "list_topics",
    "produce",
    "fetch",
    "list_offsets",
    "commit_offsets",
    "fetch_offsets",
    "list_groups",
    "describe_group",
    "delete_group",
    "sasl_handshake",
    "sasl_authenticate",
    "describe_cluster",
    "replica_fetch",
    "describe_configs",
    "alter_configs",
    "create_partitions",
    "delete_records",
    "describe_acls",
    "create_acl",
    "delete_acls",
    "describe_users",
    "alter_users",
    "elect_leaders",
    "alter_reassignments",
    "list_reassignments",
    "alter_client_quotas",
    "describe_client_quotas",
    "write_txn_markers",
    "verify_txn",
    "list_transactions",
    "describe_transactions",
    "describe_producers",
};
const size_t native_op_count = sizeof native_op_names / sizeof native_op_names[0];
BROOK_STATIC_ASSERT(sizeof native_op_names / sizeof native_op_names[0] == OP__COUNT,
                    "one name per op, in the enum's order");

/* ---- plugin ------------------------------------------------------------- */

static const brook_option options[] = {
    BROOK_OPTION_INT("default_fetch_max_bytes", "1048576", "1", "2147483647",
                     "fetch max_bytes when a request does not say"),
    BROOK_OPTION_END,
};

static brook_err native_init(const brook_host *host, void **state)
{
    native *n = calloc(1, sizeof *n);
    if (!n)
        return BROOK_ERR_NOMEM;
    n->host = host;
    host->config_int(host, "default_fetch_max_bytes", &n->default_max_bytes);
    *state = n;
    return BROOK_OK;
}

static void native_fini(void *state)
{
    free(state);
}

static brook_err native_conn_open(void *state, const brook_peer *peer, void **conn)
{
    (void)peer;
    *conn = state; /* stateless per connection */
    return BROOK_OK;
}

static void native_conn_close(void *conn)
{
    (void)conn;
}

static brook_err native_frame(void *conn, const uint8_t *data, size_t len, size_t *frame_len)
{
    (void)conn;
    if (len < 4)
        return BROOK_ERR_AGAIN;
    uint32_t body = brook_be32(data);
    if (body == 0)
        return BROOK_ERR_INVALID;
    *frame_len = 4 + (size_t)body;
    return BROOK_OK;
}

/* ---- decoding helpers --------------------------------------------------- */

const msgpack_object *native_field(const msgpack_object *map, const char *key)
{
    size_t klen = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen && memcmp(k->via.str.ptr, key, klen) == 0)
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

int native_fail(decoder *d, const char *msg)
{
    if (!d->error)
        d->error = msg;
    return -1;
}

int native_get_int(decoder *d, const msgpack_object *map, const char *key, int64_t def, int64_t lo, int64_t hi,
                   int64_t *out, const char *msg)
{
    const msgpack_object *o = native_field(map, key);
    if (!o || o->type == MSGPACK_OBJECT_NIL) {
        *out = def;
        return 0;
    }
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX)
        *out = (int64_t)o->via.u64;
    else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        *out = o->via.i64;
    else
        return native_fail(d, msg);
    return *out < lo || *out > hi ? native_fail(d, msg) : 0;
}

int native_copy_str(decoder *d, const msgpack_object *o, int nil_ok, size_t max, const char **out, const char *msg)
{
    if (nil_ok && (!o || o->type == MSGPACK_OBJECT_NIL)) {
        *out = NULL;
        return 0;
    }
    if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0 || o->via.str.size > max)
        return native_fail(d, msg);
    char *s = brook_request_alloc(d->req, o->via.str.size + 1);
    if (!s)
        return native_fail(d, "out of memory");
    memcpy(s, o->via.str.ptr, o->via.str.size);
    *out = s;
    return 0;
}

/* A required string field, copied NUL-terminated into the request. */
int native_get_str(decoder *d, const msgpack_object *map, const char *key, const char **out, const char *msg)
{
    return native_copy_str(d, native_field(map, key), 0, 1024, out, msg);
}

/* key/value/header bytes: str, bin or nil (-1). */
static int get_bytes(decoder *d, const msgpack_object *o, const uint8_t **data, int32_t *len, const char *msg)
{
    if (!o || o->type == MSGPACK_OBJECT_NIL) {
        *data = NULL;
        *len = -1;
    } else if (o->type == MSGPACK_OBJECT_STR) {
        *data = (const uint8_t *)o->via.str.ptr;
        *len = (int32_t)o->via.str.size;
    } else if (o->type == MSGPACK_OBJECT_BIN) {
        *data = (const uint8_t *)o->via.bin.ptr;
        *len = (int32_t)o->via.bin.size;
    } else {
        return native_fail(d, msg);
    }
    return 0;
}

/* ---- per-operation decoding ---------------------------------------------- */

static int decode_create(decoder *d)
{
    brook_create_topics_req *c = &d->req->u.create_topics;
    c->topics = brook_request_alloc(d->req, sizeof *c->topics);
    if (!c->topics)
        return native_fail(d, "out of memory");
    c->topic_count = 1;
    int64_t partitions, replicas;
    if (native_get_str(d, d->map, "topic", &c->topics[0].name, "\"topic\" must be a non-empty string") ||
        native_get_int(d, d->map, "partitions", -1, -1, INT32_MAX, &partitions,
                       "\"partitions\" must be an integer >= 1") ||
        native_get_int(d, d->map, "replication_factor", -1, -1, INT16_MAX, &replicas,
                       "\"replication_factor\" must be an integer >= 1") ||
        native_decode_topic_configs(d, &c->topics[0]))
        return -1;
    c->topics[0].partitions = (int32_t)partitions;
    c->topics[0].replication_factor = (int16_t)replicas;
    d->req->type = BROOK_REQ_CREATE_TOPICS;
    return 0;
}

static int decode_delete(decoder *d)
{
    brook_delete_topics_req *r = &d->req->u.delete_topics;
    r->topics = brook_request_alloc(d->req, sizeof *r->topics);
    if (!r->topics)
        return native_fail(d, "out of memory");
    r->topic_count = 1;
    if (native_get_str(d, d->map, "topic", &r->topics[0].name, "\"topic\" must be a non-empty string"))
        return -1;
    d->req->type = BROOK_REQ_DELETE_TOPICS;
    return 0;
}

static int decode_list_topics(decoder *d)
{
    d->req->u.metadata.all_topics = 1;
    d->req->type = BROOK_REQ_METADATA;
    return 0;
}

static int decode_describe_cluster(decoder *d)
{
    /* brokers, controller, cluster id; with "topics": true every topic's
     * partitions too (leader, epoch, replicas, in-sync replicas) */
    const msgpack_object *topics = native_field(d->map, "topics");
    if (topics && topics->type != MSGPACK_OBJECT_BOOLEAN && topics->type != MSGPACK_OBJECT_NIL)
        return native_fail(d, "\"topics\" must be a boolean");
    d->req->u.metadata.all_topics = topics && topics->type == MSGPACK_OBJECT_BOOLEAN && topics->via.boolean;
    d->req->type = BROOK_REQ_METADATA;
    return 0;
}

static int decode_headers(decoder *d, const msgpack_object *o, brook_record_header **out, size_t *count)
{
    *count = 0;
    if (!o || o->type == MSGPACK_OBJECT_NIL)
        return 0;
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return native_fail(d, "\"headers\" must be an array of [key, value] pairs");
    *out = brook_request_alloc(d->req, sizeof **out * (o->via.array.size + 1));
    if (!*out)
        return native_fail(d, "out of memory");
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *pair = &o->via.array.ptr[i];
        brook_record_header *h = &(*out)[i];
        if (pair->type != MSGPACK_OBJECT_ARRAY || pair->via.array.size != 2 ||
            get_bytes(d, &pair->via.array.ptr[0], &h->key, &h->key_len, "a header key must be a string") ||
            h->key_len < 0 ||
            get_bytes(d, &pair->via.array.ptr[1], &h->value, &h->value_len,
                      "a header value must be bytes, a string or nil"))
            return native_fail(d, "\"headers\" must be an array of [key, value] pairs");
    }
    *count = o->via.array.size;
    return 0;
}

static int add_record(decoder *d, const brook_host *host, brook_batch_builder *b, const msgpack_object *r)
{
    if (r->type != MSGPACK_OBJECT_MAP)
        return native_fail(d, "each record must be a map");
    brook_record rec = {0};
    brook_record_header *headers = NULL;
    size_t header_count;
    int64_t ts;
    if (get_bytes(d, native_field(r, "key"), &rec.key, &rec.key_len, "\"key\" must be bytes, a string or nil") ||
        get_bytes(d, native_field(r, "value"), &rec.value, &rec.value_len,
                  "\"value\" must be bytes, a string or nil") ||
        native_get_int(d, r, "timestamp", -1, -1, INT64_MAX, &ts,
                       "\"timestamp\" must be milliseconds since the epoch") ||
        decode_headers(d, native_field(r, "headers"), &headers, &header_count))
        return -1;
    rec.timestamp = ts >= 0 ? ts : host->now_ms(host);
    if (host->batch->builder_add(b, &rec, headers, header_count))
        return native_fail(d, "record too large");
    return 0;
}

static int decode_produce(decoder *d, const brook_host *host)
{
    brook_produce_req *p = &d->req->u.produce;
    p->topics = brook_request_alloc(d->req, sizeof *p->topics);
    if (p->topics)
        p->topics[0].partitions = brook_request_alloc(d->req, sizeof *p->topics[0].partitions);
    if (!p->topics || !p->topics[0].partitions)
        return native_fail(d, "out of memory");
    p->topic_count = 1;
    p->topics[0].partition_count = 1;
    brook_produce_partition *pp = &p->topics[0].partitions[0];
    int64_t partition, acks, timeout;
    if (native_get_str(d, d->map, "topic", &p->topics[0].name, "\"topic\" must be a non-empty string") ||
        native_get_int(d, d->map, "partition", 0, 0, INT32_MAX, &partition, "\"partition\" must be an integer >= 0") ||
        native_get_int(d, d->map, "acks", 1, -1, 1, &acks, "\"acks\" must be -1, 0 or 1") ||
        native_get_int(d, d->map, "timeout_ms", 0, 0, INT32_MAX, &timeout, "\"timeout_ms\" must be an integer >= 0") ||
        native_copy_str(d, native_field(d->map, "transactional_id"), 1, 32767, &p->transactional_id,
                        "\"transactional_id\" must be a non-empty string"))
        return -1;
    pp->partition = (int32_t)partition;
    p->acks = (int16_t)acks;
    d->req->timeout_ms = (int32_t)timeout;
    const msgpack_object *raw = native_field(d->map, "batch");
    if (raw) {
        /* Pre-built RecordBatch v2 bytes: the core checks them. */
        if (raw->type != MSGPACK_OBJECT_BIN || raw->via.bin.size == 0)
            return native_fail(d, "\"batch\" must be RecordBatch v2 bytes (bin)");
        uint8_t *copy = brook_request_alloc(d->req, raw->via.bin.size);
        if (!copy)
            return native_fail(d, "out of memory");
        memcpy(copy, raw->via.bin.ptr, raw->via.bin.size);
        pp->records = copy;
        pp->records_len = raw->via.bin.size;
        if (acks == 0)
            d->req->flags |= BROOK_REQ_F_NO_RESPONSE;
        d->req->type = BROOK_REQ_PRODUCE;
        return 0;
    }
    const msgpack_object *records = native_field(d->map, "records");
    if (!records || records->type != MSGPACK_OBJECT_ARRAY || records->via.array.size == 0)
        return native_fail(d, "\"records\" must be a non-empty array of maps (or \"batch\" raw bytes)");
    brook_batch_builder *b;
    if (host->batch->builder_new(&b))
        return native_fail(d, "out of memory");
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < records->via.array.size; i++)
        rc = add_record(d, host, b, &records->via.array.ptr[i]);
    const uint8_t *batch;
    size_t len;
    if (rc == 0 && host->batch->builder_finish(b, &batch, &len) == BROOK_OK) {
        /* The core rewrites baseOffset in place: the batch lives in the request. */
        uint8_t *copy = brook_request_alloc(d->req, len);
        if (copy) {
            memcpy(copy, batch, len);
            pp->records = copy;
            pp->records_len = len;
        } else {
            rc = native_fail(d, "out of memory");
        }
    }
    host->batch->builder_free(b);
    if (rc)
        return rc;
    if (acks == 0)
        d->req->flags |= BROOK_REQ_F_NO_RESPONSE;
    d->req->type = BROOK_REQ_PRODUCE;
    return 0;
}

/* The optional "isolation": "read_uncommitted" (the default, as Kafka's
 * console consumer) or "read_committed". */
static int get_isolation(decoder *d, brook_isolation *out)
{
    static const char msg[] = "\"isolation\" must be \"read_committed\" or \"read_uncommitted\"";
    const char *v = NULL;
    if (native_copy_str(d, native_field(d->map, "isolation"), 1, 32, &v, msg))
        return -1;
    if (v && strcmp(v, "read_committed") != 0 && strcmp(v, "read_uncommitted") != 0)
        return native_fail(d, msg);
    *out = v && strcmp(v, "read_committed") == 0 ? BROOK_READ_COMMITTED : BROOK_READ_UNCOMMITTED;
    return 0;
}

static int decode_fetch(decoder *d, const native *n)
{
    brook_fetch_req *f = &d->req->u.fetch;
    f->topics = brook_request_alloc(d->req, sizeof *f->topics);
    if (f->topics)
        f->topics[0].partitions = brook_request_alloc(d->req, sizeof *f->topics[0].partitions);
    if (!f->topics || !f->topics[0].partitions)
        return native_fail(d, "out of memory");
    f->topic_count = 1;
    f->topics[0].partition_count = 1;
    brook_fetch_partition *fp = &f->topics[0].partitions[0];
    int64_t partition, offset, max_bytes, max_wait;
    if (native_get_str(d, d->map, "topic", &f->topics[0].name, "\"topic\" must be a non-empty string") ||
        native_get_int(d, d->map, "partition", 0, 0, INT32_MAX, &partition, "\"partition\" must be an integer >= 0") ||
        native_get_int(d, d->map, "offset", 0, 0, INT64_MAX, &offset, "\"offset\" must be an integer >= 0") ||
        native_get_int(d, d->map, "max_bytes", n->default_max_bytes, 1, INT32_MAX, &max_bytes,
                       "\"max_bytes\" must be an integer >= 1") ||
        native_get_int(d, d->map, "max_wait_ms", 0, 0, 3600000, &max_wait,
                       "\"max_wait_ms\" must be an integer in [0, 3600000]"))
        return -1;
    if (get_isolation(d, &f->isolation))
        return -1;
    fp->partition = (int32_t)partition;
    fp->fetch_offset = offset;
    fp->max_bytes = (int32_t)max_bytes;
    fp->current_leader_epoch = -1;
    fp->last_fetched_epoch = -1;
    f->max_bytes = (int32_t)max_bytes;
    f->replica_id = -1;
    f->max_wait_ms = (int32_t)max_wait;
    f->min_bytes = 1;
    d->req->type = BROOK_REQ_FETCH;
    return 0;
}

static int decode_list_offsets(decoder *d)
{
    brook_list_offsets_req *l = &d->req->u.list_offsets;
    l->topics = brook_request_alloc(d->req, sizeof *l->topics);
    if (l->topics)
        l->topics[0].partitions = brook_request_alloc(d->req, 4 * sizeof *l->topics[0].partitions);
    if (!l->topics || !l->topics[0].partitions)
        return native_fail(d, "out of memory");
    l->topic_count = 1;
    int64_t partition, ts;
    if (native_get_str(d, d->map, "topic", &l->topics[0].name, "\"topic\" must be a non-empty string") ||
        native_get_int(d, d->map, "partition", 0, 0, INT32_MAX, &partition, "\"partition\" must be an integer >= 0") ||
        native_get_int(d, d->map, "timestamp", -3, -3, INT64_MAX, &ts,
                       "\"timestamp\" must be milliseconds since the epoch") ||
        get_isolation(d, &l->isolation))
        return -1;
    /* Earliest, latest (the high watermark; read_committed: the last
     * stable offset) and the log end always; by time when asked. */
    brook_list_offsets_partition *lp = l->topics[0].partitions;
    static const int64_t always[] = {BROOK_OFFSET_EARLIEST, BROOK_OFFSET_LATEST, BROOK_OFFSET_LOG_END};
    for (size_t i = 0; i < 3; i++)
        lp[i] = (brook_list_offsets_partition){
            .partition = (int32_t)partition, .current_leader_epoch = -1, .timestamp = always[i]};
    l->topics[0].partition_count = 3;
    if (ts >= 0) {
        lp[3] = (brook_list_offsets_partition){
            .partition = (int32_t)partition, .current_leader_epoch = -1, .timestamp = ts};
        l->topics[0].partition_count = 4;
    }
    d->req->type = BROOK_REQ_LIST_OFFSETS;
    return 0;
}

static brook_err native_decode(void *conn, const uint8_t *frame, size_t len, brook_request *req)
{
    native *n = conn;
    native_req *nr = brook_request_alloc(req, sizeof *nr);
    if (!nr)
        return BROOK_ERR_NOMEM;
    req->codec_data = nr;
    const uint8_t *body = frame + 4;
    size_t body_len = len - 4, used;
    if (native_msgpack_check(body, body_len, MAX_DEPTH, &used) || used != body_len) {
        req->error_message = "the frame body is not exactly one well-formed msgpack object";
        return BROOK_ERR_INVALID;
    }
    msgpack_unpacked msg;
    msgpack_unpacked_init(&msg);
    size_t off = 0;
    if (msgpack_unpack_next(&msg, (const char *)body, body_len, &off) != MSGPACK_UNPACK_SUCCESS ||
        msg.data.type != MSGPACK_OBJECT_MAP) {
        msgpack_unpacked_destroy(&msg);
        req->error_message = "the frame body is not a msgpack map";
        return BROOK_ERR_INVALID;
    }
    const msgpack_object *id = native_field(&msg.data, "id");
    if (!id || id->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        msgpack_unpacked_destroy(&msg);
        req->error_message = "the request has no \"id\" (a non-negative integer)";
        return BROOK_ERR_INVALID;
    }
    nr->id = id->via.u64;
    decoder d = {.req = req, .map = &msg.data};
    const msgpack_object *o = native_field(&msg.data, "op");
    int known = 0;
    for (size_t i = 0; o && o->type == MSGPACK_OBJECT_STR && i < native_op_count; i++) {
        if (o->via.str.size == strlen(native_op_names[i]) &&
            memcmp(o->via.str.ptr, native_op_names[i], o->via.str.size) == 0) {
            nr->op = (op)i;
            known = 1;
        }
    }
    int rc;
    if (!known) {
        rc = native_fail(&d, o && o->type == MSGPACK_OBJECT_STR ? "unknown \"op\"" : "\"op\" must be a string");
        req->error = BROOK_ERR_UNSUPPORTED;
    } else {
        switch (nr->op) {
        case OP_CREATE_TOPIC: rc = decode_create(&d); break;
        case OP_DELETE_TOPIC: rc = decode_delete(&d); break;
        case OP_LIST_TOPICS: rc = decode_list_topics(&d); break;
        case OP_DESCRIBE_CLUSTER: rc = decode_describe_cluster(&d); break;
        case OP_PRODUCE: rc = decode_produce(&d, n->host); break;
        case OP_FETCH: rc = decode_fetch(&d, n); break;
        case OP_REPLICA_FETCH: rc = native_decode_replica_fetch(&d); break;
        case OP_LIST_OFFSETS: rc = decode_list_offsets(&d); break;
        case OP_DESCRIBE_CONFIGS:
        case OP_ALTER_CONFIGS:
        case OP_CREATE_PARTITIONS:
        case OP_DELETE_RECORDS: rc = native_decode_topic_op(&d, nr->op); break;
        case OP_DESCRIBE_ACLS:
        case OP_CREATE_ACL:
        case OP_DELETE_ACLS:
        case OP_DESCRIBE_USERS:
        case OP_ALTER_USERS: rc = native_decode_security_op(&d, nr->op); break;
        case OP_ELECT_LEADERS: rc = native_decode_elect_leaders(&d); break;
        case OP_ALTER_REASSIGNMENTS: rc = native_decode_alter_reassignments(&d); break;
        case OP_LIST_REASSIGNMENTS: rc = native_decode_list_reassignments(&d); break;
        case OP_ALTER_CLIENT_QUOTAS: rc = native_decode_alter_client_quotas(&d); break;
        case OP_DESCRIBE_CLIENT_QUOTAS: rc = native_decode_describe_client_quotas(&d); break;
        case OP_WRITE_TXN_MARKERS: rc = native_decode_write_txn_markers(&d); break;
        case OP_VERIFY_TXN: rc = native_decode_verify_txn(&d); break;
        case OP_LIST_TRANSACTIONS: rc = native_decode_list_transactions(&d); break;
        case OP_DESCRIBE_TRANSACTIONS: rc = native_decode_describe_transactions(&d); break;
        case OP_DESCRIBE_PRODUCERS: rc = native_decode_describe_producers(&d); break;
        case OP_SASL_HANDSHAKE:
        case OP_SASL_AUTHENTICATE: rc = native_decode_auth_op(&d, nr->op); break;
        default: rc = native_decode_group_op(&d, nr->op); break;
        }
    }
    msgpack_unpacked_destroy(&msg);
    if (rc) {
        req->type = BROOK_REQ_INVALID;
        req->flags = 0; /* an invalid acks=0 produce still gets its error */
        if (!req->error)
            req->error = BROOK_ERR_INVALID;
        req->error_message = d.error;
    }
    return BROOK_OK;
}

/* ---- encoding ----------------------------------------------------------- */

typedef struct out {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} out;

void native_pack_str(msgpack_packer *pk, const char *s)
{
    size_t len = strlen(s);
    msgpack_pack_str_with_body(pk, s, len);
}

void native_pack_kv_str(msgpack_packer *pk, const char *key, const char *value)
{
    native_pack_str(pk, key);
    native_pack_str(pk, value);
}

void native_pack_kv_int(msgpack_packer *pk, const char *key, int64_t value)
{
    native_pack_str(pk, key);
    msgpack_pack_int64(pk, value);
}

static void pack_bytes(msgpack_packer *pk, const uint8_t *data, int32_t len)
{
    if (len < 0)
        msgpack_pack_nil(pk);
    else
        msgpack_pack_bin_with_body(pk, data, (size_t)len);
}

/* Start the response map: id, error, message (when failed), then `extra` fields. */
void native_pack_head(msgpack_packer *pk, const native_req *nr, brook_err err, const char *message, size_t extra)
{
    msgpack_pack_map(pk, 2 + (err ? 1 : 0) + extra);
    native_pack_str(pk, "id");
    msgpack_pack_uint64(pk, nr->id);
    native_pack_kv_int(pk, "error", (int)err);
    if (err) {
        native_pack_kv_str(pk, "message", message ? message : brook_err_str(err));
    }
}

static void encode_list_topics(msgpack_packer *pk, const native_req *nr, const brook_metadata_req *m)
{
    native_pack_head(pk, nr, BROOK_OK, NULL, 1);
    native_pack_str(pk, "topics");
    msgpack_pack_array(pk, m->topic_count);
    for (size_t i = 0; i < m->topic_count; i++) {
        msgpack_pack_map(pk, 2);
        native_pack_kv_str(pk, "name", m->topics[i].name);
        native_pack_kv_int(pk, "partitions", m->topics[i].partition_count);
    }
}

static void pack_ids(msgpack_packer *pk, const int32_t *ids, int32_t n)
{
    msgpack_pack_array(pk, (size_t)(n > 0 ? n : 0));
    for (int32_t i = 0; i < n; i++)
        msgpack_pack_int32(pk, ids[i]);
}

/* "topics": [{name, partitions: [{partition, error, leader, leader_epoch, replicas, isr}]}], and
 * adding, removing for a partition being reassigned */
static void pack_partitions_of_topics(msgpack_packer *pk, const brook_metadata_req *m)
{
    native_pack_str(pk, "topics");
    msgpack_pack_array(pk, m->topic_count);
    for (size_t i = 0; i < m->topic_count; i++) {
        const brook_topic_meta *t = &m->topics[i];
        msgpack_pack_map(pk, 2);
        native_pack_kv_str(pk, "name", t->name);
        native_pack_str(pk, "partitions");
        msgpack_pack_array(pk, (size_t)(t->partitions ? t->partition_count : 0));
        for (int32_t k = 0; t->partitions && k < t->partition_count; k++) {
            const brook_partition_meta *p = &t->partitions[k];
            int moving = p->adding_count > 0 || p->removing_count > 0;
            msgpack_pack_map(pk, moving ? 8 : 6);
            native_pack_kv_int(pk, "partition", p->partition);
            native_pack_kv_int(pk, "error", (int32_t)p->error);
            native_pack_kv_int(pk, "leader", p->leader);
            native_pack_kv_int(pk, "leader_epoch", p->leader_epoch);
            native_pack_str(pk, "replicas");
            pack_ids(pk, p->replicas, p->replica_count);
            native_pack_str(pk, "isr");
            pack_ids(pk, p->isr, p->isr_count);
            if (moving) {
                native_pack_str(pk, "adding");
                pack_ids(pk, p->adding, p->adding_count);
                native_pack_str(pk, "removing");
                pack_ids(pk, p->removing, p->removing_count);
            }
        }
    }
}

static void encode_describe_cluster(msgpack_packer *pk, const native_req *nr, const brook_metadata_req *m)
{
    native_pack_head(pk, nr, BROOK_OK, NULL, m->all_topics ? 4 : 3);
    native_pack_kv_str(pk, "cluster_id", m->cluster_id ? m->cluster_id : "");
    native_pack_kv_int(pk, "controller", m->controller_id);
    native_pack_str(pk, "brokers");
    msgpack_pack_array(pk, m->broker_count);
    for (size_t i = 0; i < m->broker_count; i++) {
        const brook_broker_meta *b = &m->brokers[i];
        msgpack_pack_map(pk, 4);
        native_pack_kv_int(pk, "id", b->id);
        native_pack_kv_str(pk, "host", b->host);
        native_pack_kv_int(pk, "port", b->port);
        native_pack_str(pk, "rack");
        if (b->rack)
            native_pack_str(pk, b->rack);
        else
            msgpack_pack_nil(pk);
    }
    if (m->all_topics)
        pack_partitions_of_topics(pk, m);
}

static void pack_record(msgpack_packer *pk, const brook_host *host, const brook_record *rec)
{
    msgpack_pack_map(pk, 5);
    native_pack_kv_int(pk, "offset", rec->offset);
    native_pack_kv_int(pk, "timestamp", rec->timestamp);
    native_pack_str(pk, "key");
    pack_bytes(pk, rec->key, rec->key_len);
    native_pack_str(pk, "value");
    pack_bytes(pk, rec->value, rec->value_len);
    native_pack_str(pk, "headers");
    msgpack_pack_array(pk, (size_t)rec->header_count);
    const uint8_t *p = rec->headers, *end = rec->headers + rec->headers_len;
    for (int32_t i = 0; i < rec->header_count; i++) {
        brook_record_header h = {0};
        host->batch->header_next(&p, end, &h);
        msgpack_pack_array(pk, 2);
        msgpack_pack_str_with_body(pk, h.key, (size_t)h.key_len);
        pack_bytes(pk, h.value, h.value_len);
    }
}

/* Records at or after the fetch offset from one batch; advances
 * *next_offset past the batch (compaction may have left gaps). */
/* Compressed batches (from Kafka clients) are decompressed to be read, at
 * most this much each. */
#define DECOMPRESSED_MAX (64u << 20)

static int can_decompress(const brook_host *host)
{
    return host->batch->size >= offsetof(brook_batch_ops, release) + sizeof host->batch->release;
}

static brook_err pack_batch(const brook_host *host, msgpack_packer *pk, const uint8_t *batch, size_t len,
                            int64_t fetch_offset, size_t *count, int64_t *next_offset, const char **problem)
{
    brook_batch_iter it;
    void *owned = NULL;
    brook_err e = can_decompress(host) ? host->batch->iter_init_decompressed(&it, batch, len, DECOMPRESSED_MAX, &owned)
                                       : host->batch->iter_init(&it, batch, len);
    if (e) {
        *problem = e == BROOK_ERR_UNSUPPORTED ? "a batch is next that this broker cannot decompress"
                   : e == BROOK_ERR_TOO_LARGE ? "a compressed batch is next that decompresses to more than 64 MiB"
                                              : "a stored batch is corrupt";
        return e;
    }
    brook_record rec;
    while ((e = host->batch->iter_next(&it, &rec)) == BROOK_OK) {
        if (rec.offset < fetch_offset)
            continue;
        pack_record(pk, host, &rec);
        (*count)++;
        *next_offset = rec.offset + 1;
    }
    if (owned)
        host->batch->release(owned); /* after the records are packed: they pointed into it */
    if (e != BROOK_ERR_NOT_FOUND) {
        *problem = "a stored record is corrupt";
        return BROOK_ERR_CORRUPT;
    }
    brook_batch_info info;
    if (host->batch->check(batch, len, &info) == BROOK_OK && info.last_offset + 1 > *next_offset)
        *next_offset = info.last_offset + 1;
    return BROOK_OK;
}

/* Transactions a read_committed fetch drops, as Kafka's consumers do it:
 * from the aborted list's first offset on, a producer's transactional
 * batches are skipped until its ABORT marker. */
typedef struct aborted_walk {
    const brook_fetch_partition *fp;
    size_t next;          /* the next entry of fp->aborted to reach */
    int64_t ongoing[256]; /* producers whose aborted transaction is being passed */
    size_t n_ongoing;
} aborted_walk;

static size_t find_ongoing(const aborted_walk *w, int64_t producer_id)
{
    for (size_t i = 0; i < w->n_ongoing; i++)
        if (w->ongoing[i] == producer_id)
            return i;
    return w->n_ongoing;
}

#define ATTR_TRANSACTIONAL 0x10
#define ATTR_CONTROL       0x20

/* Whether the batch's records are shown: control batches never are (they
 * only end transactions), an aborted transaction's batches not to a
 * read_committed fetch. */
static int shown(aborted_walk *w, const brook_batch_info *info)
{
    while (w->next < w->fp->aborted_count && w->fp->aborted[w->next].first_offset <= info->base_offset) {
        int64_t pid = w->fp->aborted[w->next++].producer_id;
        if (find_ongoing(w, pid) == w->n_ongoing && w->n_ongoing < sizeof w->ongoing / sizeof w->ongoing[0])
            w->ongoing[w->n_ongoing++] = pid;
    }
    size_t at = find_ongoing(w, info->producer_id);
    if (info->attributes & ATTR_CONTROL) {
        if (at < w->n_ongoing) /* its marker: the aborted transaction ends here */
            w->ongoing[at] = w->ongoing[--w->n_ongoing];
        return 0;
    }
    return !(info->attributes & ATTR_TRANSACTIONAL) || at == w->n_ongoing;
}

/* Records at or after the fetch offset, from every whole batch of every
 * slice (a slice holds consecutive batches), but for transactions' markers
 * and, read_committed, aborted transactions. Stops at a batch it cannot
 * read (compressed, corrupt): what came before is delivered and the next
 * fetch, starting at that batch, reports it. */
static brook_err pack_fetched(const brook_host *host, const brook_fetch_partition *fp, msgpack_sbuffer *records,
                              size_t *count, int64_t *next_offset, const char **problem)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, records, msgpack_sbuffer_write);
    aborted_walk walk = {.fp = fp};
    *count = 0;
    *next_offset = fp->fetch_offset;
    for (size_t i = 0; i < fp->slice_count; i++) {
        uint8_t *tmp;
        const uint8_t *bytes = host->slice_bytes(&fp->slices[i], &tmp);
        if (!bytes) {
            *problem = "cannot read stored data";
            return *count ? BROOK_OK : BROOK_ERR_IO;
        }
        brook_err e = BROOK_OK;
        for (size_t pos = 0, len = fp->slices[i].len; pos < len && !e;) {
            brook_batch_info info;
            e = host->batch->check(bytes + pos, len - pos, &info);
            if (e)
                *problem = "a stored batch is corrupt";
            else if (shown(&walk, &info))
                e = pack_batch(host, &pk, bytes + pos, info.size, fp->fetch_offset, count, next_offset, problem);
            else if (info.last_offset + 1 > *next_offset)
                *next_offset = info.last_offset + 1;
            pos += info.size;
        }
        free(tmp);
        if (e)
            return *count ? BROOK_OK : e;
    }
    return BROOK_OK;
}

static void encode_fetch(msgpack_packer *pk, const native *n, const native_req *nr, const brook_fetch_req *f)
{
    const brook_fetch_partition *fp = &f->topics[0].partitions[0];
    if (fp->error) {
        native_pack_head(pk, nr, fp->error, NULL, 0);
        return;
    }
    msgpack_sbuffer records;
    msgpack_sbuffer_init(&records);
    size_t count;
    int64_t next;
    const char *problem = NULL;
    brook_err e = pack_fetched(n->host, fp, &records, &count, &next, &problem);
    if (e) {
        native_pack_head(pk, nr, e, problem, 0);
    } else {
        native_pack_head(pk, nr, BROOK_OK, NULL, 5);
        native_pack_kv_int(pk, "high_watermark", fp->high_watermark);
        native_pack_kv_int(pk, "last_stable_offset", fp->last_stable_offset);
        native_pack_kv_int(pk, "log_start_offset", fp->log_start_offset);
        native_pack_kv_int(pk, "next_offset", next);
        native_pack_str(pk, "records");
        msgpack_pack_array(pk, count);
        msgpack_sbuffer_write(pk->data, records.data, records.size);
    }
    msgpack_sbuffer_destroy(&records);
}

static void encode_list_offsets(msgpack_packer *pk, const native_req *nr, const brook_list_offsets_req *l)
{
    const brook_list_offsets_topic *lt = &l->topics[0];
    for (size_t i = 0; i < lt->partition_count; i++) {
        if (lt->partitions[i].error) {
            native_pack_head(pk, nr, lt->partitions[i].error, NULL, 0);
            return;
        }
    }
    int by_time = lt->partition_count == 4;
    native_pack_head(pk, nr, BROOK_OK, NULL, by_time ? 5 : 3);
    native_pack_kv_int(pk, "earliest", lt->partitions[0].offset);
    native_pack_kv_int(pk, "latest", lt->partitions[1].offset);
    native_pack_kv_int(pk, "log_end", lt->partitions[2].offset);
    if (by_time) {
        native_pack_kv_int(pk, "offset", lt->partitions[3].offset);
        native_pack_kv_int(pk, "timestamp", lt->partitions[3].found_timestamp);
    }
}

static void encode_body(msgpack_packer *pk, const native *n, const native_req *nr, const brook_request *req)
{
    if (req->type == BROOK_REQ_INVALID || req->error) {
        native_pack_head(pk, nr, req->error ? req->error : BROOK_ERR_INVALID, req->error_message, 0);
        return;
    }
    switch (nr->op) {
    case OP_CREATE_TOPIC: {
        const brook_topic_create *tc = &req->u.create_topics.topics[0];
        native_pack_head(pk, nr, tc->error, tc->error_message, 0);
        return;
    }
    case OP_DELETE_TOPIC: native_pack_head(pk, nr, req->u.delete_topics.topics[0].error, NULL, 0); return;
    case OP_LIST_TOPICS: encode_list_topics(pk, nr, &req->u.metadata); return;
    case OP_DESCRIBE_CLUSTER: encode_describe_cluster(pk, nr, &req->u.metadata); return;
    case OP_PRODUCE: {
        const brook_produce_partition *pp = &req->u.produce.topics[0].partitions[0];
        if (pp->error) {
            native_pack_head(pk, nr, pp->error, pp->error_message, 0);
            return;
        }
        native_pack_head(pk, nr, BROOK_OK, NULL, 1);
        native_pack_kv_int(pk, "base_offset", pp->base_offset);
        return;
    }
    case OP_FETCH: encode_fetch(pk, n, nr, &req->u.fetch); return;
    case OP_LIST_OFFSETS: encode_list_offsets(pk, nr, &req->u.list_offsets); return;
    case OP_DESCRIBE_CONFIGS:
    case OP_ALTER_CONFIGS:
    case OP_CREATE_PARTITIONS:
    case OP_DELETE_RECORDS: native_encode_topic_op(pk, nr, req); return;
    case OP_DESCRIBE_ACLS:
    case OP_CREATE_ACL:
    case OP_DELETE_ACLS:
    case OP_DESCRIBE_USERS:
    case OP_ALTER_USERS: native_encode_security_op(pk, nr, req); return;
    case OP_ELECT_LEADERS: native_encode_elect_leaders(pk, nr, req); return;
    case OP_ALTER_REASSIGNMENTS: native_encode_alter_reassignments(pk, nr, req); return;
    case OP_LIST_REASSIGNMENTS: native_encode_list_reassignments(pk, nr, req); return;
    case OP_ALTER_CLIENT_QUOTAS: native_encode_alter_client_quotas(pk, nr, req); return;
    case OP_DESCRIBE_CLIENT_QUOTAS: native_encode_describe_client_quotas(pk, nr, req); return;
    case OP_WRITE_TXN_MARKERS: native_encode_write_txn_markers(pk, nr, req); return;
    case OP_VERIFY_TXN: native_encode_verify_txn(pk, nr, req); return;
    case OP_LIST_TRANSACTIONS: native_encode_list_transactions(pk, nr, req); return;
    case OP_DESCRIBE_TRANSACTIONS: native_encode_describe_transactions(pk, nr, req); return;
    case OP_DESCRIBE_PRODUCERS: native_encode_describe_producers(pk, nr, req); return;
    case OP_SASL_HANDSHAKE:
    case OP_SASL_AUTHENTICATE: native_encode_auth_op(pk, nr, req); return;
    default: native_encode_group_op(pk, nr, req); return;
    }
}

static brook_err native_encode(void *conn, brook_request *req, brook_writer *w)
{
    const native *n = conn;
    const native_req *nr = req->codec_data;
    if (nr->op == OP_REPLICA_FETCH && req->type == BROOK_REQ_FETCH && !req->error)
        return native_encode_replica_fetch(nr, req, w);
    out o;
    msgpack_sbuffer_init(&o.sb);
    msgpack_packer_init(&o.pk, &o.sb, msgpack_sbuffer_write);
    encode_body(&o.pk, n, nr, req);
    brook_err e = BROOK_OK;
    if (o.sb.size > UINT32_MAX) {
        e = BROOK_ERR_TOO_LARGE;
    } else {
        uint8_t len[4];
        brook_put_be32(len, (uint32_t)o.sb.size);
        e = w->write(w, len, 4);
        if (!e)
            e = w->write(w, o.sb.data, o.sb.size);
    }
    msgpack_sbuffer_destroy(&o.sb);
    return e;
}

static const brook_codec_ops ops = {
    .conn_open = native_conn_open,
    .conn_close = native_conn_close,
    .frame = native_frame,
    .decode = native_decode,
    .encode = native_encode,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_CODEC, brook_codec_ops, ops, .name = "native", .version = "1.0.0",
                        .description = "Brook's msgpack protocol (brookctl, simple clients)", .options = options,
                        .init = native_init, .fini = native_fini);
