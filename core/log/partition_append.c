/* The produce pipeline of one partition: validate and append locally,
 * wait until storage made it durable, tell the replication strategy, and,
 * for acks=all, wait until the strategy commits it (the high watermark
 * covers it). One completion, brook_append.done, ends every path. */
#include "partition.h"

#include <stdlib.h>
#include <string.h>

#include "batch_validate.h"
#include "broker.h"
#include "log.h"
#include "producer_state.h"
#include "record_batch.h"
#include "txn_marker.h"

/* A transaction marker against its producer's epoch and the coordinator's. */
static brook_err check_marker(brook_partition *p, const brook_append *a, const char **error_message)
{
    int commit;
    int32_t coordinator_epoch;
    brook_err e = brook_txn_marker_parse(a->data, &a->first, &commit, &coordinator_epoch);
    if (e)
        return BROOK_ERR_CORRUPT;
    e = brook_producers_check_marker(p->producers, a->first.producer_id, a->first.producer_epoch, coordinator_epoch);
    if (e == BROOK_ERR_INVALID_PRODUCER_EPOCH)
        *error_message = "the marker's producer epoch is older than the producer's";
    else if (e == BROOK_ERR_TRANSACTION_COORDINATOR_FENCED)
        *error_message = "the marker's coordinator epoch is older than the last marker's";
    return e;
}

/* A transactional batch that finds no transaction of its producer open
 * here would open one: only with the coordinator's word, given since the
 * producer's last marker here (a batch late for a transaction that has
 * ended would otherwise open one nobody ends, holding back read_committed
 * consumers for good). */
static brook_err check_txn_start(brook_partition *p, const brook_append *a, const char **error_message)
{
    int64_t last_marker;
    int open = brook_producers_txn_state(p->producers, a->first.producer_id, &last_marker);
    if (open == 1 || (a->txn_verified && (open < 0 || last_marker == a->txn_guard)))
        return BROOK_OK;
    *error_message = a->txn_verified ? "the producer's transaction ended after its coordinator confirmed this partition"
                                     : "a transaction's first batch in a partition needs its coordinator's word";
    return BROOK_ERR_INVALID_TXN_STATE;
}

/* A coordinator's own batch: a transactional one (a TxnOffsetCommit's
 * offsets) only inside its producer's transaction, as a client's. */
static brook_err check_internal(brook_partition *p, const brook_append *a, const char **error_message)
{
    if (a->first.producer_id < 0 || !brook_batch_is_transactional(&a->first))
        return BROOK_OK;
    return check_txn_start(p, a, error_message);
}

/* Idempotence: a lone batch with a producer id (validate_batches saw to
 * that) is checked against the producer's sequence; BROOK_ERR_EXISTS means
 * an earlier copy was appended. */
static brook_err check_producer(brook_partition *p, const brook_append *a, int64_t *dup_base,
                                const char **error_message)
{
    const brook_batch_info *info = &a->first;
    if (info->producer_id < 0)
        return BROOK_OK;
    brook_err e = brook_producers_check(p->producers, info, dup_base);
    if (!e && brook_batch_is_transactional(info))
        return check_txn_start(p, a, error_message);
    if (e == BROOK_ERR_OUT_OF_ORDER_SEQUENCE)
        *error_message = "sequence number out of order for this producer";
    else if (e == BROOK_ERR_INVALID_PRODUCER_EPOCH)
        *error_message = "producer epoch is older than the current one";
    else if (e == BROOK_ERR_INVALID_TXN_STATE)
        *error_message = "a non-transactional batch from a producer whose transaction is open";
    return e;
}

/* The largest batch the topic takes: its max.message.bytes, else the
 * largest frame a client may send. */
static size_t max_batch_bytes(const brook_partition *p)
{
    const char *v = brook_topic_config_get(&p->topic->config, "max.message.bytes");
    return v ? (size_t)strtoll(v, NULL, 10) : (size_t)p->broker->st->max_frame_bytes;
}

/* Pure checks of [data, data+len), all before anything changes: whole
 * batches that pass their CRC and the record format, each with records,
 * none larger than the topic takes, and a batch with a producer id alone
 * (its producer's state learns one batch per append: a second one, or one
 * behind a plain batch, would be stored unchecked and learnt only by a
 * replay or a follower). *first is the first batch, *batches how many
 * there are. */

static brook_err validate_batches(brook_partition *p, const uint8_t *data, size_t len, brook_batch_info *first,
                                  size_t *batches, const char **error_message)
{
    size_t max_batch = max_batch_bytes(p);
    int producer_ids = 0;
    *batches = 0;
    if (len == 0) {
        *error_message = "no record batch";
        return BROOK_ERR_CORRUPT;
    }
    for (size_t pos = 0; pos < len; (*batches)++) {
        brook_batch_info info;
        brook_err e = brook_batch_check(data + pos, len - pos, &info);
        if (e) {
            *error_message =
                e == BROOK_ERR_AGAIN ? "record batch truncated" : "record batch corrupt (bad length, magic or CRC32C)";
            return BROOK_ERR_CORRUPT;
        }
        if (info.record_count == 0) {
            *error_message = "record batch has no records";
            return BROOK_ERR_CORRUPT;
        }
        if (info.size > max_batch) { /* Kafka's check: the batch as sent, compressed or not */
            *error_message = "record batch larger than the topic's max.message.bytes";
            return BROOK_ERR_TOO_LARGE;
        }
        e = brook_batch_validate(data + pos, &info, (size_t)p->broker->st->batch_decompressed_max_bytes, p->compacted,
                                 error_message);
        if (e)
            return e;
        if (*batches == 0)
            *first = info;
        producer_ids |= info.producer_id >= 0;
        pos += info.size;
    }
    if (producer_ids && *batches > 1) {
        *error_message = "a batch with a producer id must be the partition's only one";
        return BROOK_ERR_CORRUPT;
    }
    return BROOK_OK;
}

/* The topic's message.timestamp.type is LogAppendTime: the broker's clock,
 * not the producer's, dates its records. */
static int log_append_time(const brook_partition *p)
{
    const char *v = brook_topic_config_get(&p->topic->config, "message.timestamp.type");
    return v && strcmp(v, "LogAppendTime") == 0;
}

/* Assign offsets from the log end, rewriting each baseOffset and stamping
 * `epoch` in place (both lie outside the CRC), and append to storage. A
 * retried batch of an idempotent producer is not appended again: it gets
 * a->duplicate and the offsets of the first time. A LogAppendTime topic's
 * batches are dated here too. */
static brook_err assign_and_append(brook_partition *p, brook_append *a, int32_t epoch)
{
    int64_t start, next;
    brook_err e = brook_partition_offsets(p, &start, &next);
    if (e)
        return e;
    int64_t dup_base;
    e = a->marker     ? check_marker(p, a, &a->error_message)
        : a->internal ? check_internal(p, a, &a->error_message)
                      : check_producer(p, a, &dup_base, &a->error_message);
    if (e == BROOK_ERR_EXISTS) {
        a->duplicate = 1;
        a->base_offset = dup_base;
        a->last_offset = dup_base + (a->first.last_offset - a->first.base_offset);
        return BROOK_OK;
    }
    if (e)
        return e;
    a->base_offset = next;
    int stamp = log_append_time(p);
    int64_t now = stamp ? brook_wall_clock_ms() : 0;
    for (size_t pos = 0; pos < a->len;) {
        uint8_t *b = a->data + pos;
        brook_put_be64(b + BROOK_BATCH_OFF_BASE_OFFSET, (uint64_t)next);
        brook_put_be32(b + BROOK_BATCH_OFF_LEADER_EPOCH, (uint32_t)epoch);
        if (stamp)
            brook_batch_set_log_append_time(b, now);
        next += (int32_t)brook_be32(b + BROOK_BATCH_OFF_LAST_OFFSET_DELTA) + 1;
        pos += (size_t)brook_be32(b + BROOK_BATCH_OFF_LENGTH) + BROOK_BATCH_LENGTH_BASE;
    }
    e = brook_storage_of(p->storage)->append(p->log, a->data, a->len);
    if (e) {
        log_error("partition %s-%d: append failed: %s", p->topic->name, p->index, brook_err_str(e));
        a->error_message = brook_err_str(e);
        return e;
    }
    a->last_offset = next - 1;
    brook_batch_info appended = a->first;
    appended.last_offset = a->base_offset + (appended.last_offset - appended.base_offset);
    appended.base_offset = a->base_offset;
    brook_producers_learn(p->producers, a->data, &appended, brook_wall_clock_ms());
    brook_partition_maybe_snapshot(p, a->len, next);
    return BROOK_OK;
}

#define strategy(p)           brook_replication_of((p)->strategy)
#define strategy_has(p, slot) brook_has_slot((p)->strategy, brook_replication_ops, slot)

static void finish(brook_append *a)
{
    a->stage = BROOK_APPEND_DONE;
    a->done(a);
}

/* The high watermark covers an acks=all append: still the leader of the
 * epoch it was appended in, and the strategy content with it? */
static void finish_committed(brook_append *a)
{
    brook_partition *p = a->part;
    if (p->closing)
        a->error = BROOK_ERR_NOT_FOUND;
    else if (p->role != BROOK_ROLE_LEADER || p->leader_epoch != a->leader_epoch)
        a->error = BROOK_ERR_NOT_LEADER; /* the next leader may not have it */
    else if (strategy_has(p, produce_check))
        a->error = strategy(p)->produce_check(p->replica, a->acks, 1);
    finish(a);
}

/* The broker is stopping: its followers stop fetching from it, so an
 * acks=all append waiting for them ends now, as at its deadline (not known
 * to be replicated), instead of holding the stop. */
static int stop_waiting(brook_append *a)
{
    if (!a->part->broker->stopping)
        return 0;
    a->error = BROOK_ERR_TIMEOUT;
    finish(a);
    return 1;
}

static void commit_reached(brook_waiter *w)
{
    brook_append *a = w->data;
    if (a->part->high_watermark >= a->end || a->part->closing)
        finish_committed(a);
    else if (stop_waiting(a))
        return;
    else if (a->part->role != BROOK_ROLE_LEADER || a->part->leader_epoch != a->leader_epoch)
        finish_committed(a); /* woken by a leadership change: answers NOT_LEADER */
    else
        brook_partition_wait(a->part, w); /* woken for another reason: keep waiting */
}

static void on_durable(void *arg, brook_err err)
{
    brook_append *a = arg;
    brook_partition *p = a->part;
    if (err) {
        a->error = err;
        a->error_message = "the batch could not be made durable";
        finish(a);
        return;
    }
    if (p->closing) {
        a->error = BROOK_ERR_NOT_FOUND;
        finish(a);
        return;
    }
    if (a->durable_end > p->durable_end) {
        p->durable_end = a->durable_end;
        if (p->role == BROOK_ROLE_LEADER)
            strategy(p)->leader_durable(p->replica, p->durable_end);
    }
    if (a->acks != -1) {
        finish(a);
    } else if (p->high_watermark >= a->end) {
        finish_committed(a);
    } else if (a->expired) {
        a->error = a->expire_error;
        finish(a);
    } else if (!stop_waiting(a)) {
        a->stage = BROOK_APPEND_COMMIT;
        a->waiter = (brook_waiter){.target = a->end, .wake = commit_reached, .data = a};
        brook_partition_wait(p, &a->waiter);
    }
}

/* Append now in `epoch` and carry on to durability. */
static void append_now(brook_append *a, int32_t epoch)
{
    brook_partition *p = a->part;
    a->error = assign_and_append(p, a, epoch);
    if (a->error) {
        a->base_offset = -1;
        finish(a);
        return;
    }
    a->leader_epoch = epoch;
    int64_t log_end;
    brook_partition_offsets(p, &a->log_start_offset, &log_end);
    a->end = a->last_offset + 1;
    if (!a->duplicate) {
        strategy(p)->leader_appended(p->replica, log_end);
        brook_partition_log_end_advanced(p, log_end); /* followers waiting for data */
    }
    /* A duplicate's first copy may still be on its way to disk: it is
     * answered like the first, once durable (and committed for acks=all). */
    a->durable_end = log_end;
    a->stage = BROOK_APPEND_DURABLE;
    brook_storage_of(p->storage)->when_durable(p->log, on_durable, a);
}

void brook_partition_produce(brook_partition *p, brook_append *a)
{
    a->part = p;
    a->stage = BROOK_APPEND_LOCAL;
    a->base_offset = a->log_start_offset = -1;
    if (p->closing)
        a->error = BROOK_ERR_NOT_FOUND;
    else if (p->role != BROOK_ROLE_LEADER)
        a->error = BROOK_ERR_NOT_LEADER;
    else if (a->marker || a->internal) { /* built by the core: a marker or a coordinator's one batch */
        a->error = brook_batch_check(a->data, a->len, &a->first);
        a->batches = 1;
    } else
        a->error = validate_batches(p, a->data, a->len, &a->first, &a->batches, &a->error_message);
    if (!a->error && strategy_has(p, produce_check))
        a->error = strategy(p)->produce_check(p->replica, a->acks, 0);
    if (a->error) {
        finish(a);
        return;
    }
    if (strategy_has(p, leader_append)) {
        a->stage = BROOK_APPEND_PROPOSED; /* the strategy appends it when its protocol allows */
        strategy(p)->leader_append(p->replica, a, a->len);
        return;
    }
    append_now(a, p->leader_epoch);
}

void brook_partition_append_accept(void *partition, void *token, int32_t leader_epoch)
{
    brook_append *a = token;
    (void)partition;
    if (a->stage != BROOK_APPEND_PROPOSED)
        return;
    if (a->part->closing) {
        a->error = BROOK_ERR_NOT_FOUND;
        finish(a);
        return;
    }
    append_now(a, leader_epoch);
}

void brook_partition_append_refuse(void *partition, void *token, brook_err err)
{
    brook_append *a = token;
    (void)partition;
    if (a->stage != BROOK_APPEND_PROPOSED)
        return;
    a->error = err ? err : BROOK_ERR_NOT_LEADER;
    finish(a);
}

void brook_partition_produce_expire(brook_append *a, brook_err error)
{
    if (a->stage == BROOK_APPEND_DONE || a->expired)
        return;
    a->expired = 1;
    a->expire_error = error;
    if (a->stage == BROOK_APPEND_COMMIT) {
        brook_partition_unwait(&a->waiter);
        a->error = error;
        finish(a);
    }
}
