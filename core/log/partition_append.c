/* The produce pipeline of one partition: validate and append locally,
 * wait until storage made it durable, tell the replication strategy, and,
 * for acks=all, wait until the strategy commits it (the high watermark
 * covers it). One completion, brook_append.done, ends every path. */
#include "partition.h"

#include "batch_validate.h"
#include "broker.h"
#include "log.h"
#include "producer_state.h"
#include "record_batch.h"

/* Idempotence: a lone batch with a producer id is checked against the
 * producer's sequence; BROOK_ERR_EXISTS means an earlier copy was appended. */
static brook_err check_producer(brook_partition *p, const brook_batch_info *info, size_t batches, int64_t *dup_base,
                                const char **error_message)
{
    if (info->producer_id < 0)
        return BROOK_OK;
    if (batches > 1) {
        *error_message = "an idempotent produce carries one batch per partition";
        return BROOK_ERR_CORRUPT;
    }
    brook_err e = brook_producers_check(p->producers, info, dup_base);
    if (e == BROOK_ERR_OUT_OF_ORDER_SEQUENCE)
        *error_message = "sequence number out of order for this producer";
    else if (e == BROOK_ERR_INVALID_PRODUCER_EPOCH)
        *error_message = "producer epoch is older than the current one";
    return e;
}

/* Validate [data, data+len), assign offsets from the log end (rewriting
 * each baseOffset and stamping the leader epoch in place) and append to
 * storage. A retried batch of an idempotent producer is not appended again:
 * *duplicate is set and the offsets are those of the first time. */
static brook_err append_local(brook_partition *p, uint8_t *data, size_t len, int64_t *base_offset, int64_t *last_offset,
                              const char **error_message, int *duplicate)
{
    *duplicate = 0;
    if (p->closing)
        return BROOK_ERR_NOT_FOUND;
    if (len == 0) {
        *error_message = "no record batch";
        return BROOK_ERR_CORRUPT;
    }
    int64_t start, next;
    brook_err e = brook_partition_offsets(p, &start, &next);
    if (e)
        return e;
    *base_offset = next;
    /* Validate everything before changing anything: all or nothing. */
    size_t batches = 0;
    brook_batch_info first = {0};
    for (size_t pos = 0; pos < len; batches++) {
        brook_batch_info info;
        e = brook_batch_check(data + pos, len - pos, &info);
        if (e) {
            *error_message =
                e == BROOK_ERR_AGAIN ? "record batch truncated" : "record batch corrupt (bad length, magic or CRC32C)";
            return BROOK_ERR_CORRUPT;
        }
        if (info.record_count == 0) {
            *error_message = "record batch has no records";
            return BROOK_ERR_CORRUPT;
        }
        e = brook_batch_validate(data + pos, &info, (size_t)p->broker->st->batch_decompressed_max_bytes, error_message);
        if (e)
            return e;
        if (batches == 0)
            first = info;
        pos += info.size;
    }
    int64_t dup_base;
    e = check_producer(p, &first, batches, &dup_base, error_message);
    if (e == BROOK_ERR_EXISTS) {
        *duplicate = 1;
        *base_offset = dup_base;
        *last_offset = dup_base + (first.last_offset - first.base_offset);
        return BROOK_OK;
    }
    if (e)
        return e;
    /* Already checked above: read the header fields, do not re-CRC. */
    for (size_t pos = 0; pos < len;) {
        uint8_t *b = data + pos;
        brook_put_be64(b + BROOK_BATCH_OFF_BASE_OFFSET, (uint64_t)next);
        brook_put_be32(b + BROOK_BATCH_OFF_LEADER_EPOCH, 0);
        next += (int32_t)brook_be32(b + BROOK_BATCH_OFF_LAST_OFFSET_DELTA) + 1;
        pos += (size_t)brook_be32(b + BROOK_BATCH_OFF_LENGTH) + BROOK_BATCH_LENGTH_BASE;
    }
    e = brook_storage_of(&p->broker->plugins.storage)->append(p->log, data, len);
    if (e) {
        log_error("partition %s-%d: append failed: %s", p->topic->name, p->index, brook_err_str(e));
        *error_message = brook_err_str(e);
        return e;
    }
    *last_offset = next - 1;
    brook_producers_record(p->producers, &first, *base_offset, brook_wall_clock_ms());
    brook_partition_maybe_snapshot(p, len, next);
    return BROOK_OK;
}

static void finish(brook_append *a)
{
    a->stage = BROOK_APPEND_DONE;
    a->done(a);
}

static void commit_reached(brook_waiter *w)
{
    brook_append *a = w->data;
    if (a->part->closing)
        a->error = BROOK_ERR_NOT_FOUND;
    finish(a);
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
    brook_replication_of(&p->broker->plugins.replication)->leader_appended(p->replica, a->durable_end);
    if (a->acks != -1 || a->expired || p->high_watermark >= a->end) {
        if (a->expired && a->acks == -1 && p->high_watermark < a->end)
            a->error = a->expire_error;
        finish(a);
        return;
    }
    a->stage = BROOK_APPEND_COMMIT;
    a->waiter = (brook_waiter){.target = a->end, .wake = commit_reached, .data = a};
    brook_partition_wait(p, &a->waiter);
}

void brook_partition_produce(brook_partition *p, brook_append *a)
{
    a->part = p;
    a->stage = BROOK_APPEND_LOCAL;
    a->base_offset = a->log_start_offset = -1;
    a->error = append_local(p, a->data, a->len, &a->base_offset, &a->last_offset, &a->error_message, &a->duplicate);
    if (a->error) {
        a->base_offset = -1;
        finish(a);
        return;
    }
    int64_t log_end;
    brook_partition_offsets(p, &a->log_start_offset, &log_end);
    a->end = a->last_offset + 1;
    /* A duplicate's first copy may still be on its way to disk: it is
     * answered like the first, once durable (and committed for acks=all). */
    a->durable_end = log_end;
    a->stage = BROOK_APPEND_DURABLE;
    brook_storage_of(&p->broker->plugins.storage)->when_durable(p->log, on_durable, a);
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
