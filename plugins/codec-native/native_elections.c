/* codec-native: leader elections on request (what `brookctl cluster
 * elect` sends), mapped onto the neutral ElectLeaders request:
 *   {op: "elect_leaders", type: "preferred" | "unclean",
 *    topics: nil (every partition) | [{topic, partitions: [int]}]}
 * answered with results: [{topic, partition, error, message}]. */
#include <string.h>

#include "native.h"

#define MAX_ELECTIONS 100000

static int decode_type(decoder *d, brook_elect_leaders_req *e)
{
    const char *type = "preferred";
    const msgpack_object *t = native_field(d->map, "type");
    if (t && t->type != MSGPACK_OBJECT_NIL &&
        native_copy_str(d, t, 0, 16, &type, "\"type\" must be \"preferred\" or \"unclean\""))
        return -1;
    if (strcmp(type, "preferred") == 0)
        e->election_type = BROOK_ELECTION_PREFERRED;
    else if (strcmp(type, "unclean") == 0)
        e->election_type = BROOK_ELECTION_UNCLEAN;
    else
        return native_fail(d, "\"type\" must be \"preferred\" or \"unclean\"");
    return 0;
}

static int decode_topic(decoder *d, const msgpack_object *o, brook_elect_topic *et, size_t *total)
{
    const char *msg = "each of \"topics\" must be {topic, partitions: [partition numbers]}";
    const msgpack_object *parts = o->type == MSGPACK_OBJECT_MAP ? native_field(o, "partitions") : NULL;
    if (!parts || parts->type != MSGPACK_OBJECT_ARRAY ||
        native_copy_str(d, native_field(o, "topic"), 0, 249, &et->name, msg))
        return native_fail(d, msg);
    if ((*total += parts->via.array.size) > MAX_ELECTIONS)
        return native_fail(d, "too many partitions in one election request");
    et->partition_count = parts->via.array.size;
    et->partitions = brook_request_alloc(d->req, sizeof *et->partitions * (et->partition_count + 1));
    if (!et->partitions)
        return native_fail(d, "out of memory");
    for (size_t i = 0; i < et->partition_count; i++) {
        const msgpack_object *p = &parts->via.array.ptr[i];
        if (p->type != MSGPACK_OBJECT_POSITIVE_INTEGER || p->via.u64 > INT32_MAX)
            return native_fail(d, msg);
        et->partitions[i] = (brook_elect_partition){.partition = (int32_t)p->via.u64};
    }
    return 0;
}

int native_decode_elect_leaders(decoder *d)
{
    brook_elect_leaders_req *e = &d->req->u.elect_leaders;
    int64_t timeout;
    d->req->type = BROOK_REQ_ELECT_LEADERS;
    if (decode_type(d, e) ||
        native_get_int(d, d->map, "timeout_ms", 30000, 1, INT32_MAX, &timeout, "\"timeout_ms\" must be >= 1"))
        return -1;
    e->timeout_ms = (int32_t)timeout;
    const msgpack_object *topics = native_field(d->map, "topics");
    if (!topics || topics->type == MSGPACK_OBJECT_NIL)
        return 0; /* every partition */
    if (topics->type != MSGPACK_OBJECT_ARRAY || topics->via.array.size > MAX_ELECTIONS)
        return native_fail(d, "\"topics\" must be nil (every partition) or an array");
    e->topic_count = topics->via.array.size;
    e->topics = brook_request_alloc(d->req, sizeof *e->topics * (e->topic_count + 1));
    if (!e->topics)
        return native_fail(d, "out of memory");
    size_t total = 0;
    for (size_t t = 0; t < e->topic_count; t++) {
        e->topics[t] = (brook_elect_topic){0};
        if (decode_topic(d, &topics->via.array.ptr[t], &e->topics[t], &total))
            return -1;
    }
    return 0;
}

void native_encode_elect_leaders(msgpack_packer *pk, const native_req *nr, const brook_request *req)
{
    const brook_elect_leaders_req *e = &req->u.elect_leaders;
    if (e->error) {
        native_pack_head(pk, nr, e->error, NULL, 0);
        return;
    }
    size_t n = 0;
    for (size_t t = 0; e->topics && t < e->topic_count; t++)
        n += e->topics[t].partition_count;
    native_pack_head(pk, nr, BROOK_OK, NULL, 1);
    native_pack_str(pk, "results");
    msgpack_pack_array(pk, n);
    for (size_t t = 0; e->topics && t < e->topic_count; t++)
        for (size_t i = 0; i < e->topics[t].partition_count; i++) {
            const brook_elect_partition *ep = &e->topics[t].partitions[i];
            msgpack_pack_map(pk, ep->error ? 4 : 3);
            native_pack_kv_str(pk, "topic", e->topics[t].name);
            native_pack_kv_int(pk, "partition", ep->partition);
            native_pack_kv_int(pk, "error", (int)ep->error);
            if (ep->error) {
                native_pack_kv_str(pk, "message", ep->message ? ep->message : brook_err_str(ep->error));
            }
        }
}
