/* codec-native: partition reassignments (what `brookctl cluster reassign`
 * and `cluster reassignments` send), mapped onto the neutral requests:
 *   {op: "alter_reassignments", timeout_ms,
 *    topics: [{topic, partitions: [{partition, replicas: [int] | nil}]}]}
 *     (nil replicas: cancel) answered with
 *     results: [{topic, partition, error, message}];
 *   {op: "list_reassignments",
 *    topics: nil (every one) | [{topic, partitions: [int]}]}
 *     answered with reassignments:
 *     [{topic, partition, replicas, adding, removing}]. */
#include "native.h"

#define MAX_PARTITIONS 100000 /* in one request */
#define MAX_REPLICAS   1024   /* in one target (what a partition record holds) */

static const char *const alter_shape =
    "each of \"topics\" must be {topic, partitions: [{partition, replicas: [broker ids] or nil}]}";
static const char *const list_shape = "each of \"topics\" must be {topic, partitions: [partition numbers]}";

/* An array of non-negative int32s (count <= max) into the arena. */
static int decode_ints(decoder *d, const msgpack_object *a, size_t max, const int32_t **out, size_t *count,
                       const char *msg)
{
    if (!a || a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size > max)
        return native_fail(d, msg);
    int32_t *ids = brook_request_alloc(d->req, sizeof *ids * (a->via.array.size + 1));
    if (!ids)
        return native_fail(d, "out of memory");
    for (uint32_t i = 0; i < a->via.array.size; i++) {
        const msgpack_object *v = &a->via.array.ptr[i];
        if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 > INT32_MAX)
            return native_fail(d, msg);
        ids[i] = (int32_t)v->via.u64;
    }
    *out = ids;
    *count = a->via.array.size;
    return 0;
}

/* The "topics" array (the list asked with nil: *n is then 0 and the
 * array NULL); checks the size and that each is a map with a topic. */
static int topics_array(decoder *d, const msgpack_object **topics, int nil_ok, const char *msg)
{
    *topics = native_field(d->map, "topics");
    if (nil_ok && (!*topics || (*topics)->type == MSGPACK_OBJECT_NIL)) {
        *topics = NULL;
        return 0;
    }
    if (!*topics || (*topics)->type != MSGPACK_OBJECT_ARRAY || (*topics)->via.array.size > MAX_PARTITIONS)
        return native_fail(d, msg);
    return 0;
}

static int decode_move(decoder *d, const msgpack_object *o, brook_reassign_partition *p)
{
    const msgpack_object *replicas = o->type == MSGPACK_OBJECT_MAP ? native_field(o, "replicas") : NULL;
    int64_t partition;
    if (o->type != MSGPACK_OBJECT_MAP || native_get_int(d, o, "partition", -1, 0, INT32_MAX, &partition, alter_shape) ||
        partition < 0)
        return native_fail(d, alter_shape);
    p->partition = (int32_t)partition;
    if (!replicas || replicas->type == MSGPACK_OBJECT_NIL) {
        p->replica_count = -1; /* cancel */
        return 0;
    }
    size_t n = 0;
    if (decode_ints(d, replicas, MAX_REPLICAS, &p->replicas, &n, alter_shape))
        return -1;
    p->replica_count = (int32_t)n;
    return 0;
}

int native_decode_alter_reassignments(decoder *d)
{
    brook_alter_reassignments_req *a = &d->req->u.alter_reassignments;
    const msgpack_object *topics;
    int64_t timeout;
    d->req->type = BROOK_REQ_ALTER_REASSIGNMENTS;
    if (native_get_int(d, d->map, "timeout_ms", 30000, 1, INT32_MAX, &timeout, "\"timeout_ms\" must be >= 1") ||
        topics_array(d, &topics, 0, "\"topics\" must be an array"))
        return -1;
    a->timeout_ms = (int32_t)timeout;
    a->topic_count = topics->via.array.size;
    a->topics = brook_request_alloc(d->req, sizeof *a->topics * (a->topic_count + 1));
    if (!a->topics)
        return native_fail(d, "out of memory");
    size_t total = 0;
    for (size_t t = 0; t < a->topic_count; t++) {
        const msgpack_object *o = &topics->via.array.ptr[t];
        const msgpack_object *parts = o->type == MSGPACK_OBJECT_MAP ? native_field(o, "partitions") : NULL;
        brook_reassign_topic *rt = &a->topics[t];
        if (!parts || parts->type != MSGPACK_OBJECT_ARRAY ||
            native_copy_str(d, native_field(o, "topic"), 0, 249, &rt->name, alter_shape))
            return native_fail(d, alter_shape);
        if ((total += parts->via.array.size) > MAX_PARTITIONS)
            return native_fail(d, "too many partitions in one request");
        rt->partition_count = parts->via.array.size;
        rt->partitions = brook_request_alloc(d->req, sizeof *rt->partitions * (rt->partition_count + 1));
        if (!rt->partitions)
            return native_fail(d, "out of memory");
        for (size_t i = 0; i < rt->partition_count; i++)
            if (decode_move(d, &parts->via.array.ptr[i], &rt->partitions[i]))
                return -1;
    }
    return 0;
}

int native_decode_list_reassignments(decoder *d)
{
    brook_list_reassignments_req *l = &d->req->u.list_reassignments;
    const msgpack_object *topics;
    d->req->type = BROOK_REQ_LIST_REASSIGNMENTS;
    if (topics_array(d, &topics, 1, "\"topics\" must be nil (every reassignment) or an array"))
        return -1;
    if (!topics)
        return 0;
    l->topic_count = topics->via.array.size;
    l->topics = brook_request_alloc(d->req, sizeof *l->topics * (l->topic_count + 1));
    if (!l->topics)
        return native_fail(d, "out of memory");
    size_t total = 0;
    for (size_t t = 0; t < l->topic_count; t++) {
        const msgpack_object *o = &topics->via.array.ptr[t];
        brook_reassignments_topic *rt = &l->topics[t];
        if (o->type != MSGPACK_OBJECT_MAP ||
            native_copy_str(d, native_field(o, "topic"), 0, 249, &rt->name, list_shape) ||
            decode_ints(d, native_field(o, "partitions"), MAX_PARTITIONS - total, &rt->partitions, &rt->partition_count,
                        list_shape))
            return native_fail(d, list_shape);
        total += rt->partition_count;
    }
    return 0;
}

void native_encode_alter_reassignments(msgpack_packer *pk, const native_req *nr, const brook_request *req)
{
    const brook_alter_reassignments_req *a = &req->u.alter_reassignments;
    if (a->error) {
        native_pack_head(pk, nr, a->error, NULL, 0);
        return;
    }
    size_t n = 0;
    for (size_t t = 0; t < a->topic_count; t++)
        n += a->topics[t].partition_count;
    native_pack_head(pk, nr, BROOK_OK, NULL, 1);
    native_pack_str(pk, "results");
    msgpack_pack_array(pk, n);
    for (size_t t = 0; t < a->topic_count; t++)
        for (size_t i = 0; i < a->topics[t].partition_count; i++) {
            const brook_reassign_partition *p = &a->topics[t].partitions[i];
            msgpack_pack_map(pk, p->error ? 4 : 3);
            native_pack_kv_str(pk, "topic", a->topics[t].name);
            native_pack_kv_int(pk, "partition", p->partition);
            native_pack_kv_int(pk, "error", (int)p->error);
            if (p->error) {
                native_pack_kv_str(pk, "message", p->message ? p->message : brook_err_str(p->error));
            }
        }
}

static void pack_ids(msgpack_packer *pk, const char *name, const int32_t *ids, int32_t n)
{
    native_pack_str(pk, name);
    msgpack_pack_array(pk, (size_t)(n > 0 ? n : 0));
    for (int32_t i = 0; i < n; i++)
        msgpack_pack_int32(pk, ids[i]);
}

void native_encode_list_reassignments(msgpack_packer *pk, const native_req *nr, const brook_request *req)
{
    const brook_list_reassignments_req *l = &req->u.list_reassignments;
    if (l->error) {
        native_pack_head(pk, nr, l->error, NULL, 0);
        return;
    }
    size_t n = 0;
    for (size_t t = 0; l->topics && t < l->topic_count; t++)
        n += l->topics[t].ongoing_count;
    native_pack_head(pk, nr, BROOK_OK, NULL, 1);
    native_pack_str(pk, "reassignments");
    msgpack_pack_array(pk, n);
    for (size_t t = 0; l->topics && t < l->topic_count; t++)
        for (size_t i = 0; i < l->topics[t].ongoing_count; i++) {
            const brook_ongoing_reassignment *o = &l->topics[t].ongoing[i];
            msgpack_pack_map(pk, 5);
            native_pack_kv_str(pk, "topic", l->topics[t].name);
            native_pack_kv_int(pk, "partition", o->partition);
            pack_ids(pk, "replicas", o->replicas, o->replica_count);
            pack_ids(pk, "adding", o->adding, o->adding_count);
            pack_ids(pk, "removing", o->removing, o->removing_count);
        }
}
