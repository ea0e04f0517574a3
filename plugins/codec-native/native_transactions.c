/* codec-native: the transactions coordinators hold (what `brookctl
 * transactions` sends; Kafka's ListTransactions and DescribeTransactions,
 * KIP-664):
 *   {op: "list_transactions", states?: [name], producer_ids?: [id], min_duration_ms?}
 *     answered with transactions: [{transactional_id, producer_id, state}]
 *     (the ids this broker coordinates) and unknown_states: [name];
 *   {op: "describe_transactions", transactional_ids: [id]}
 *     answered with transactions: [{transactional_id, error, state,
 *     timeout_ms, start_ms, producer_id, producer_epoch,
 *     partitions: [{topic, partition}]}], one per id in order;
 *   {op: "describe_producers", topic, partition}
 *     answered with producers: [{producer_id, producer_epoch,
 *     last_sequence, last_timestamp, coordinator_epoch,
 *     txn_start_offset}] (Kafka's DescribeProducers for one partition, at
 *     its leader: what `brookctl transactions abort` reads). */
#include <string.h>

#include "native.h"

#define MAX_FILTERS 1000
#define MAX_IDS     10000

/* An optional array field's items, each checked by `item`. */
static int decode_array(decoder *d, const char *field, size_t max, const msgpack_object **items, size_t *n)
{
    const msgpack_object *o = native_field(d->map, field);
    *items = NULL;
    *n = 0;
    if (!o || o->type == MSGPACK_OBJECT_NIL)
        return 0;
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > max)
        return native_fail(d, field[0] == 's'   ? "\"states\" must be an array of state names"
                              : field[0] == 'p' ? "\"producer_ids\" must be an array of producer ids"
                                                : "\"transactional_ids\" must be an array of strings");
    *items = o->via.array.ptr;
    *n = o->via.array.size;
    return 0;
}

int native_decode_list_transactions(decoder *d)
{
    brook_list_transactions_req *l = &d->req->u.list_transactions;
    const msgpack_object *states, *ids;
    size_t n_states, n_ids;
    int64_t min_duration;
    if (decode_array(d, "states", MAX_FILTERS, &states, &n_states) ||
        decode_array(d, "producer_ids", MAX_FILTERS, &ids, &n_ids) ||
        native_get_int(d, d->map, "min_duration_ms", -1, -1, INT64_MAX, &min_duration,
                       "\"min_duration_ms\" must be an integer >= 0"))
        return -1;
    const char **names = brook_request_alloc(d->req, sizeof *names * (n_states + 1));
    int64_t *pids = brook_request_alloc(d->req, sizeof *pids * (n_ids + 1));
    if (!names || !pids)
        return native_fail(d, "out of memory");
    for (size_t i = 0; i < n_states; i++)
        if (native_copy_str(d, &states[i], 0, 64, &names[i], "\"states\" must be an array of state names"))
            return -1;
    for (size_t i = 0; i < n_ids; i++) {
        if (ids[i].type != MSGPACK_OBJECT_POSITIVE_INTEGER || ids[i].via.u64 > INT64_MAX)
            return native_fail(d, "\"producer_ids\" must be an array of producer ids");
        pids[i] = (int64_t)ids[i].via.u64;
    }
    *l = (brook_list_transactions_req){.state_filters = names,
                                       .state_filter_count = n_states,
                                       .producer_id_filters = pids,
                                       .producer_id_filter_count = n_ids,
                                       .min_duration_ms = min_duration};
    d->req->type = BROOK_REQ_LIST_TRANSACTIONS;
    return 0;
}

void native_encode_list_transactions(msgpack_packer *pk, const native_req *nr, const brook_request *req)
{
    const brook_list_transactions_req *l = &req->u.list_transactions;
    if (l->error) {
        native_pack_head(pk, nr, l->error, NULL, 0);
        return;
    }
    native_pack_head(pk, nr, BROOK_OK, NULL, 2);
    native_pack_str(pk, "transactions");
    msgpack_pack_array(pk, (uint32_t)l->transaction_count);
    for (size_t i = 0; i < l->transaction_count; i++) {
        const brook_txn_listing *t = &l->transactions[i];
        msgpack_pack_map(pk, 3);
        native_pack_kv_str(pk, "transactional_id", t->transactional_id);
        native_pack_kv_int(pk, "producer_id", t->producer_id);
        native_pack_kv_str(pk, "state", t->state);
    }
    native_pack_str(pk, "unknown_states");
    msgpack_pack_array(pk, (uint32_t)l->unknown_state_filter_count);
    for (size_t i = 0; i < l->unknown_state_filter_count; i++)
        native_pack_str(pk, l->unknown_state_filters[i]);
}

int native_decode_describe_transactions(decoder *d)
{
    brook_describe_transactions_req *r = &d->req->u.describe_transactions;
    const msgpack_object *ids;
    size_t n;
    if (decode_array(d, "transactional_ids", MAX_IDS, &ids, &n))
        return -1;
    if (!ids || !n)
        return native_fail(d, "\"transactional_ids\" must be an array of strings");
    r->transactions = brook_request_alloc(d->req, sizeof *r->transactions * n);
    if (!r->transactions)
        return native_fail(d, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (native_copy_str(d, &ids[i], 0, 32767, &r->transactions[i].transactional_id,
                            "\"transactional_ids\" must be an array of strings"))
            return -1;
    r->count = n;
    d->req->type = BROOK_REQ_DESCRIBE_TRANSACTIONS;
    return 0;
}

static void pack_partitions(msgpack_packer *pk, const brook_txn_description *t)
{
    size_t n = 0;
    for (size_t k = 0; k < t->topic_count; k++)
        n += t->topics[k].partition_count;
    native_pack_str(pk, "partitions");
    msgpack_pack_array(pk, (uint32_t)n);
    for (size_t k = 0; k < t->topic_count; k++)
        for (size_t i = 0; i < t->topics[k].partition_count; i++) {
            msgpack_pack_map(pk, 2);
            native_pack_kv_str(pk, "topic", t->topics[k].name);
            native_pack_kv_int(pk, "partition", t->topics[k].partitions[i]);
        }
}

void native_encode_describe_transactions(msgpack_packer *pk, const native_req *nr, const brook_request *req)
{
    const brook_describe_transactions_req *r = &req->u.describe_transactions;
    native_pack_head(pk, nr, BROOK_OK, NULL, 1);
    native_pack_str(pk, "transactions");
    msgpack_pack_array(pk, (uint32_t)r->count);
    for (size_t i = 0; i < r->count; i++) {
        const brook_txn_description *t = &r->transactions[i];
        msgpack_pack_map(pk, t->error ? 2 : 8);
        native_pack_kv_str(pk, "transactional_id", t->transactional_id);
        native_pack_kv_int(pk, "error", t->error);
        if (t->error)
            continue;
        native_pack_kv_str(pk, "state", t->state ? t->state : "");
        native_pack_kv_int(pk, "timeout_ms", t->timeout_ms);
        native_pack_kv_int(pk, "start_ms", t->start_ms);
        native_pack_kv_int(pk, "producer_id", t->producer_id);
        native_pack_kv_int(pk, "producer_epoch", t->producer_epoch);
        pack_partitions(pk, t);
    }
}

int native_decode_describe_producers(decoder *d)
{
    brook_describe_producers_req *r = &d->req->u.describe_producers;
    brook_producers_topic *t = brook_request_alloc(d->req, sizeof *t);
    brook_producers_partition *p = brook_request_alloc(d->req, sizeof *p);
    int64_t partition;
    if (!t || !p)
        return native_fail(d, "out of memory");
    if (native_get_str(d, d->map, "topic", &t->name, "\"topic\" must be a non-empty string") ||
        native_get_int(d, d->map, "partition", -1, 0, INT32_MAX, &partition, "\"partition\" must be an integer >= 0"))
        return -1;
    if (partition < 0)
        return native_fail(d, "\"partition\" is required");
    p->partition = (int32_t)partition;
    t->partitions = p;
    t->partition_count = 1;
    r->topics = t;
    r->topic_count = 1;
    d->req->type = BROOK_REQ_DESCRIBE_PRODUCERS;
    return 0;
}

void native_encode_describe_producers(msgpack_packer *pk, const native_req *nr, const brook_request *req)
{
    const brook_producers_partition *p = &req->u.describe_producers.topics[0].partitions[0];
    if (p->error) {
        native_pack_head(pk, nr, p->error, NULL, 0);
        return;
    }
    native_pack_head(pk, nr, BROOK_OK, NULL, 1);
    native_pack_str(pk, "producers");
    msgpack_pack_array(pk, (uint32_t)p->producer_count);
    for (size_t i = 0; i < p->producer_count; i++) {
        const brook_producer_info *o = &p->producers[i];
        msgpack_pack_map(pk, 6);
        native_pack_kv_int(pk, "producer_id", o->producer_id);
        native_pack_kv_int(pk, "producer_epoch", o->producer_epoch);
        native_pack_kv_int(pk, "last_sequence", o->last_sequence);
        native_pack_kv_int(pk, "last_timestamp", o->last_timestamp);
        native_pack_kv_int(pk, "coordinator_epoch", o->coordinator_epoch);
        native_pack_kv_int(pk, "txn_start_offset", o->current_txn_start_offset);
    }
}
