/* replica_fetch: a follower broker copying partitions from their leader
 * (the cluster's own traffic, on the inter-broker listener). One request
 * names many partitions, each with the follower's log end, log start
 * (DeleteRecords waits for it) and leader epochs (KIP-320); the answer
 * carries each partition's batches as they are stored, written from
 * storage slices without a copy, plus the high watermark, log start and,
 * for a diverged follower, where to truncate. */
#include <stdlib.h>
#include <string.h>

#include <brook/codec.h>

#include "native.h"

#define MAX_PARTITIONS 100000

static int decode_one(decoder *d, const msgpack_object *m, brook_fetch_topic *ft)
{
    brook_fetch_partition *fp = ft->partitions;
    int64_t partition, offset, current, last, max_bytes, log_start;
    if (m->type != MSGPACK_OBJECT_MAP)
        return native_fail(d, "each of \"partitions\" must be a map");
    if (native_get_str(d, m, "topic", &ft->name, "\"topic\" must be a non-empty string") ||
        native_get_int(d, m, "partition", -1, 0, INT32_MAX, &partition, "\"partition\" must be an integer >= 0") ||
        native_get_int(d, m, "offset", -1, 0, INT64_MAX, &offset, "\"offset\" must be an integer >= 0") ||
        native_get_int(d, m, "current_leader_epoch", -1, -1, INT32_MAX, &current,
                       "\"current_leader_epoch\" must be an integer >= -1") ||
        native_get_int(d, m, "last_fetched_epoch", -1, -1, INT32_MAX, &last,
                       "\"last_fetched_epoch\" must be an integer >= -1") ||
        native_get_int(d, m, "max_bytes", 1048576, 1, INT32_MAX, &max_bytes, "\"max_bytes\" must be an integer >= 1") ||
        native_get_int(d, m, "log_start_offset", 0, 0, INT64_MAX, &log_start,
                       "\"log_start_offset\" must be an integer >= 0"))
        return -1;
    if (partition < 0 || offset < 0)
        return native_fail(d, "each partition needs \"partition\" and \"offset\"");
    *fp = (brook_fetch_partition){.partition = (int32_t)partition,
                                  .fetch_offset = offset,
                                  .current_leader_epoch = (int32_t)current,
                                  .last_fetched_epoch = (int32_t)last,
                                  .max_bytes = (int32_t)max_bytes,
                                  .replica_log_start_offset = log_start};
    return 0;
}

int native_decode_replica_fetch(decoder *d)
{
    brook_fetch_req *f = &d->req->u.fetch;
    int64_t replica, max_wait, min_bytes, max_bytes;
    if (native_get_int(d, d->map, "replica_id", -1, 0, INT32_MAX, &replica, "\"replica_id\" must be a broker id") ||
        native_get_int(d, d->map, "max_wait_ms", 500, 0, 60000, &max_wait,
                       "\"max_wait_ms\" must be an integer in [0, 60000]") ||
        native_get_int(d, d->map, "min_bytes", 1, 0, INT32_MAX, &min_bytes, "\"min_bytes\" must be an integer >= 0") ||
        native_get_int(d, d->map, "max_bytes", 8388608, 1, INT32_MAX, &max_bytes,
                       "\"max_bytes\" must be an integer >= 1"))
        return -1;
    if (replica < 0)
        return native_fail(d, "\"replica_id\" is required");
    const msgpack_object *parts = native_field(d->map, "partitions");
    if (!parts || parts->type != MSGPACK_OBJECT_ARRAY || parts->via.array.size > MAX_PARTITIONS)
        return native_fail(d, "\"partitions\" must be an array (at most 100000)");
    size_t n = parts->via.array.size;
    f->topics = brook_request_alloc(d->req, sizeof *f->topics * (n ? n : 1));
    brook_fetch_partition *fps = brook_request_alloc(d->req, sizeof *fps * (n ? n : 1));
    if (!f->topics || !fps)
        return native_fail(d, "out of memory");
    /* one entry per partition: the core reads each in turn */
    for (size_t i = 0; i < n; i++) {
        f->topics[i] = (brook_fetch_topic){.partitions = &fps[i], .partition_count = 1};
        if (decode_one(d, &parts->via.array.ptr[i], &f->topics[i]))
            return -1;
    }
    f->topic_count = n;
    f->replica_id = (int32_t)replica;
    f->max_wait_ms = (int32_t)max_wait;
    f->min_bytes = (int32_t)min_bytes;
    f->max_bytes = (int32_t)max_bytes;
    d->req->type = BROOK_REQ_FETCH;
    return 0;
}

/* The response is msgpack with each partition's "batches" bin written from
 * the storage slices: pack everything but the batch bytes, remembering
 * where each partition's bytes go, then write pieces and slices in turn. */
brook_err native_encode_replica_fetch(const native_req *nr, const brook_request *req, brook_writer *w)
{
    const brook_fetch_req *f = &req->u.fetch;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    size_t *cut = malloc(sizeof *cut * (f->topic_count ? f->topic_count : 1));
    if (!cut) {
        msgpack_sbuffer_destroy(&sb);
        return BROOK_ERR_NOMEM;
    }
    native_pack_head(&pk, nr, BROOK_OK, NULL, 1);
    native_pack_str(&pk, "partitions");
    msgpack_pack_array(&pk, f->topic_count);
    uint64_t total = 0;
    for (size_t i = 0; i < f->topic_count; i++) {
        const brook_fetch_partition *fp = &f->topics[i].partitions[0];
        msgpack_pack_map(&pk, 8);
        native_pack_str(&pk, "topic");
        native_pack_str(&pk, f->topics[i].name);
        native_pack_str(&pk, "partition");
        msgpack_pack_int32(&pk, fp->partition);
        native_pack_str(&pk, "error");
        msgpack_pack_int32(&pk, (int32_t)fp->error);
        native_pack_str(&pk, "high_watermark");
        msgpack_pack_int64(&pk, fp->high_watermark);
        native_pack_str(&pk, "log_start_offset");
        msgpack_pack_int64(&pk, fp->log_start_offset);
        native_pack_str(&pk, "diverging_epoch");
        msgpack_pack_int32(&pk, fp->error ? -1 : fp->diverging_epoch);
        native_pack_str(&pk, "diverging_end_offset");
        msgpack_pack_int64(&pk, fp->error ? -1 : fp->diverging_end_offset);
        native_pack_str(&pk, "batches");
        size_t bytes = fp->error ? 0 : fp->bytes;
        msgpack_pack_bin(&pk, bytes);
        cut[i] = sb.size;
        total += bytes;
    }
    brook_err e = sb.size + total > UINT32_MAX ? BROOK_ERR_TOO_LARGE : BROOK_OK;
    uint8_t len[4];
    brook_put_be32(len, (uint32_t)(sb.size + total));
    if (!e)
        e = w->write(w, len, 4);
    size_t at = 0;
    for (size_t i = 0; !e && i < f->topic_count; i++) {
        const brook_fetch_partition *fp = &f->topics[i].partitions[0];
        e = w->write(w, sb.data + at, cut[i] - at);
        at = cut[i];
        for (size_t k = 0; !e && !fp->error && k < fp->slice_count; k++)
            e = w->write_slice(w, &fp->slices[k]);
    }
    if (!e)
        e = w->write(w, sb.data + at, sb.size - at);
    free(cut);
    msgpack_sbuffer_destroy(&sb);
    return e;
}

/* ---- transactions between brokers --------------------------------------------
 * write_txn_markers: a transaction coordinator ending a producer's
 * transaction in partitions this broker leads (the inter-broker form of
 * Kafka's WriteTxnMarkers): producer_id, producer_epoch,
 * coordinator_epoch, commit (0/1) and partitions: [{topic, partition}].
 * verify_txn: a partition's leader asking the transactional id's
 * coordinator whether partitions are in the producer's ongoing
 * transaction (Kafka's AddPartitionsToTxn v4 with VerifyOnly, KIP-890):
 * transactional_id, producer_id, producer_epoch and partitions. Both are
 * answered with "errors", one per partition in order. */

/* "partitions" as one topic entry per partition, in order, each with its
 * error slot; -1 (with the message) when malformed. */
static int decode_partition_list(decoder *d, brook_txn_topic **out, size_t *count)
{
    const msgpack_object *parts = native_field(d->map, "partitions");
    if (!parts || parts->type != MSGPACK_OBJECT_ARRAY || parts->via.array.size > MAX_PARTITIONS)
        return native_fail(d, "\"partitions\" must be an array (at most 100000)");
    size_t n = parts->via.array.size;
    brook_txn_topic *topics = brook_request_alloc(d->req, sizeof *topics * (n ? n : 1));
    int32_t *ids = brook_request_alloc(d->req, sizeof *ids * (n ? n : 1));
    brook_err *errors = brook_request_alloc(d->req, sizeof *errors * (n ? n : 1));
    if (!topics || !ids || !errors)
        return native_fail(d, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const msgpack_object *p = &parts->via.array.ptr[i];
        int64_t partition;
        if (p->type != MSGPACK_OBJECT_MAP)
            return native_fail(d, "each of \"partitions\" must be a map");
        if (native_get_str(d, p, "topic", &topics[i].name, "\"topic\" must be a non-empty string") ||
            native_get_int(d, p, "partition", -1, 0, INT32_MAX, &partition, "\"partition\" must be an integer >= 0"))
            return -1;
        if (partition < 0)
            return native_fail(d, "each partition needs \"partition\"");
        ids[i] = (int32_t)partition;
        topics[i].partitions = &ids[i];
        topics[i].errors = &errors[i];
        topics[i].partition_count = 1;
    }
    *out = topics;
    *count = n;
    return 0;
}

/* The producer both name: -1 (with the message) when missing or out of range. */
static int decode_producer(decoder *d, int64_t *producer_id, int64_t *epoch)
{
    if (native_get_int(d, d->map, "producer_id", -1, 0, INT64_MAX, producer_id, "\"producer_id\" must be >= 0") ||
        native_get_int(d, d->map, "producer_epoch", -1, 0, INT16_MAX, epoch, "\"producer_epoch\" must be >= 0"))
        return -1;
    if (*producer_id < 0 || *epoch < 0)
        return native_fail(d, "\"producer_id\" and \"producer_epoch\" are required");
    return 0;
}

int native_decode_write_txn_markers(decoder *d)
{
    brook_write_txn_markers_req *w = &d->req->u.write_txn_markers;
    int64_t producer_id, epoch, coordinator_epoch, commit;
    if (decode_producer(d, &producer_id, &epoch) ||
        native_get_int(d, d->map, "coordinator_epoch", 0, 0, INT32_MAX, &coordinator_epoch,
                       "\"coordinator_epoch\" must be >= 0") ||
        native_get_int(d, d->map, "commit", -1, 0, 1, &commit, "\"commit\" must be 0 or 1"))
        return -1;
    if (commit < 0)
        return native_fail(d, "\"commit\" is required");
    brook_txn_marker *m = brook_request_alloc(d->req, sizeof *m);
    if (!m)
        return native_fail(d, "out of memory");
    *m = (brook_txn_marker){.producer_id = producer_id,
                            .producer_epoch = (int16_t)epoch,
                            .coordinator_epoch = (int32_t)coordinator_epoch,
                            .commit = (int)commit};
    if (decode_partition_list(d, &m->topics, &m->topic_count))
        return -1;
    w->markers = m;
    w->marker_count = 1;
    d->req->type = BROOK_REQ_WRITE_TXN_MARKERS;
    return 0;
}

int native_decode_verify_txn(decoder *d)
{
    brook_add_partitions_to_txn_req *r = &d->req->u.add_partitions_to_txn;
    int64_t producer_id, epoch;
    if (native_get_str(d, d->map, "transactional_id", &r->transactional_id,
                       "\"transactional_id\" must be a non-empty string") ||
        decode_producer(d, &producer_id, &epoch) || decode_partition_list(d, &r->topics, &r->topic_count))
        return -1;
    r->producer_id = producer_id;
    r->producer_epoch = (int16_t)epoch;
    r->verify_only = 1;
    d->req->type = BROOK_REQ_ADD_PARTITIONS_TO_TXN;
    return 0;
}

static void encode_partition_errors(msgpack_packer *pk, const native_req *nr, const brook_txn_topic *topics, size_t n)
{
    native_pack_head(pk, nr, BROOK_OK, NULL, 1);
    native_pack_str(pk, "errors");
    msgpack_pack_array(pk, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        msgpack_pack_int(pk, topics[i].errors[0]);
}

void native_encode_write_txn_markers(msgpack_packer *pk, const native_req *nr, const brook_request *req)
{
    const brook_txn_marker *m = &req->u.write_txn_markers.markers[0];
    encode_partition_errors(pk, nr, m->topics, m->topic_count);
}

void native_encode_verify_txn(msgpack_packer *pk, const native_req *nr, const brook_request *req)
{
    const brook_add_partitions_to_txn_req *r = &req->u.add_partitions_to_txn;
    encode_partition_errors(pk, nr, r->topics, r->topic_count);
}
