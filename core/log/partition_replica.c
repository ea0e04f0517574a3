/* A partition's leadership and its replicas: becoming leader or follower,
 * serving a follower's fetch on the leader (epoch fencing, divergence),
 * appending the leader's batches on a follower, truncating a divergent
 * tail, and the services the replication strategy reaches through its
 * brook_replica_ctx. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "log.h"
#include "membership.h"
#include "partition.h"
#include "producer_state.h"
#include "record_batch.h"

#define replication_ops(p)         brook_replication_of((p)->strategy)
#define has_strategy_slot(p, slot) brook_has_slot((p)->strategy, brook_replication_ops, slot)

/* Copy a list of broker ids (NULL and 0 for none). */
static brook_err copy_ids(const int32_t *from, int32_t count, int32_t **to, int32_t *to_count)
{
    int32_t *copy = NULL;
    if (count > 0) {
        copy = malloc(sizeof *copy * (size_t)count);
        if (!copy)
            return BROOK_ERR_NOMEM;
        memcpy(copy, from, sizeof *copy * (size_t)count);
    }
    free(*to);
    *to = copy;
    *to_count = count > 0 ? count : 0;
    return BROOK_OK;
}

/* The replicas' log starts for the leadership `l` brings: what replicas
 * of the same leadership (same leader and epoch) reported is kept, the
 * rest is not known yet (-1). */
static brook_err reset_replica_starts(brook_partition *p, const brook_leadership *l)
{
    int64_t *starts = malloc(sizeof *starts * (size_t)(l->replica_count > 0 ? l->replica_count : 1));
    if (!starts)
        return BROOK_ERR_NOMEM;
    int same = p->replica_starts && p->leader_id == l->leader && p->leader_epoch == l->leader_epoch;
    for (int32_t i = 0; i < l->replica_count; i++) {
        starts[i] = -1;
        for (int32_t k = 0; same && k < p->replica_count; k++)
            if (p->replicas[k] == l->replicas[i])
                starts[i] = p->replica_starts[k];
    }
    free(p->replica_starts);
    p->replica_starts = starts;
    return BROOK_OK;
}

static brook_err take_leadership(brook_partition *p, const brook_leadership *l)
{
    if (l->leader_epoch < p->leader_epoch)
        return BROOK_ERR_FENCED_LEADER_EPOCH;
    brook_err e = reset_replica_starts(p, l);
    if (!e)
        e = copy_ids(l->replicas, l->replica_count, &p->replicas, &p->replica_count);
    if (!e)
        e = copy_ids(l->isr, l->isr_count, &p->isr, &p->isr_count);
    if (e)
        return e;
    p->leader_id = l->leader;
    p->leader_epoch = l->leader_epoch;
    p->partition_epoch = l->partition_epoch;
    return BROOK_OK;
}

brook_err brook_partition_become_leader(brook_partition *p, const brook_leadership *l)
{
    brook_err e = take_leadership(p, l);
    if (e)
        return e;
    int64_t start, end;
    if ((e = brook_partition_offsets(p, &start, &end)))
        return e;
    /* The epoch's first offset is where this leader starts writing. */
    if ((e = brook_leader_epochs_assign(&p->epochs, l->leader_epoch, end))) {
        log_error("partition %s-%d: cannot record leader epoch %d: %s", p->topic->name, p->index, l->leader_epoch,
                  brook_err_str(e));
        return e;
    }
    p->role = BROOK_ROLE_LEADER;
    e = replication_ops(p)->become_leader(p->replica, l);
    brook_partition_wake_all(p);
    return e;
}

brook_err brook_partition_become_follower(brook_partition *p, const brook_leadership *l)
{
    if (!has_strategy_slot(p, become_follower))
        return BROOK_ERR_UNSUPPORTED;
    brook_err e = take_leadership(p, l);
    if (e)
        return e;
    p->role = BROOK_ROLE_FOLLOWER;
    e = replication_ops(p)->become_follower(p->replica, l);
    brook_partition_wake_all(p); /* produces waiting for a commit end as NOT_LEADER */
    return e;
}

brook_err brook_partition_check_epoch(const brook_partition *p, int32_t current_epoch)
{
    if (current_epoch < 0)
        return BROOK_OK;
    if (current_epoch < p->leader_epoch)
        return BROOK_ERR_FENCED_LEADER_EPOCH;
    if (current_epoch > p->leader_epoch)
        return BROOK_ERR_UNKNOWN_LEADER_EPOCH;
    return BROOK_OK;
}

void brook_partition_epoch_end(brook_partition *p, int32_t epoch, int32_t *found_epoch, int64_t *end_offset)
{
    int64_t start, end;
    if (brook_partition_offsets(p, &start, &end)) {
        *found_epoch = BROOK_NO_EPOCH;
        *end_offset = -1;
        return;
    }
    brook_leader_epochs_end_offset(&p->epochs, epoch, end, found_epoch, end_offset);
}

/* A replica's log start as its fetch reports it; DeleteRecords waiting
 * for it may now be answered. */
static void note_replica_start(brook_partition *p, int32_t replica_id, int64_t start)
{
    for (int32_t i = 0; p->replica_starts && i < p->replica_count; i++) {
        if (p->replicas[i] != replica_id || p->replica_starts[i] == start)
            continue;
        p->replica_starts[i] = start;
        brook_partition_low_watermark_check(p);
        return;
    }
}

brook_err brook_partition_low_watermark(brook_partition *p, int64_t *low)
{
    int64_t end;
    brook_err e = brook_partition_offsets(p, low, &end);
    if (e)
        return e;
    for (int32_t i = 0; p->replica_starts && i < p->replica_count; i++) {
        int32_t id = p->replicas[i];
        if (id != p->broker->st->broker_id && brook_membership_is_live(p->broker, id) && p->replica_starts[i] < *low)
            *low = p->replica_starts[i];
    }
    return BROOK_OK;
}

brook_err brook_partition_read_for_replica(brook_partition *p, brook_replica_fetch *f)
{
    f->n_slices = f->bytes = 0;
    f->diverging_epoch = BROOK_NO_EPOCH;
    f->diverging_end = -1;
    f->high_watermark = p->high_watermark;
    brook_err e = brook_partition_offsets(p, &f->log_start, &f->log_end);
    if (e)
        return e;
    if (p->role != BROOK_ROLE_LEADER)
        return BROOK_ERR_NOT_LEADER;
    if ((e = brook_partition_check_epoch(p, f->current_epoch)))
        return e;
    note_replica_start(p, f->replica_id, f->replica_log_start);
    if (f->last_fetched_epoch >= 0) {
        int32_t found;
        int64_t end;
        brook_partition_epoch_end(p, f->last_fetched_epoch, &found, &end);
        if (found != f->last_fetched_epoch || end < f->offset) {
            /* the follower's log goes on past where that epoch ended here */
            f->diverging_epoch = found;
            f->diverging_end = end;
            return BROOK_OK;
        }
    }
    if (f->offset < f->log_start || f->offset > f->log_end)
        return BROOK_ERR_OUT_OF_RANGE;
    if (has_strategy_slot(p, follower_fetched))
        replication_ops(p)->follower_fetched(p->replica, f->replica_id, f->offset);
    /* The strategy may have just moved the high watermark, and what that
     * committed may have appended at once (a coordinator's next write):
     * read up to the log end as it is now, or the follower would wait for
     * the next append, up to its fetch's max wait, for bytes already here. */
    f->high_watermark = p->high_watermark;
    if ((e = brook_partition_offsets(p, &f->log_start, &f->log_end)))
        return e;
    if (f->offset == f->log_end || f->held_back)
        return BROOK_OK;
    return brook_partition_fetch_read(p, f->offset, f->log_end, f->max_bytes, f->slices, f->max_slices, &f->n_slices,
                                      &f->bytes);
}

/* Check the leader's batches: whole, intact (length, magic, CRC32C), in
 * offset order from the log end on: gaps are fine (a compacted log has
 * them where the cleaner took records away), going back is not. Their
 * records were validated when the leader took them; a follower only makes
 * sure nothing changed on the way (Kafka's followers do the same), which
 * keeps the CPU a copy costs close to the bytes it writes. Nothing is
 * changed. */
static brook_err check_replica_batches(brook_partition *p, const uint8_t *data, size_t len, int64_t log_end)
{
    int64_t next = log_end;
    for (size_t pos = 0; pos < len;) {
        brook_batch_info info;
        if (brook_batch_check(data + pos, len - pos, &info)) {
            log_warn("partition %s-%d: a batch from the leader at offset %lld fails its checks (length, magic or "
                     "CRC32C)",
                     p->topic->name, p->index, (long long)next);
            return BROOK_ERR_CORRUPT;
        }
        if (info.base_offset < next)
            return BROOK_ERR_OUT_OF_RANGE;
        next = info.last_offset + 1;
        pos += info.size;
    }
    return BROOK_OK;
}

/* Learn the epochs and producers of batches just appended as they are. */
static brook_err learn_replica_batches(brook_partition *p, const uint8_t *data, size_t len)
{
    int64_t now = brook_wall_clock_ms();
    for (size_t pos = 0; pos < len;) {
        brook_batch_info info;
        brook_batch_check(data + pos, len - pos, &info); /* checked before */
        if (info.partition_leader_epoch > brook_leader_epochs_latest(&p->epochs)) {
            brook_err e = brook_leader_epochs_assign(&p->epochs, info.partition_leader_epoch, info.base_offset);
            if (e)
                return e;
        }
        brook_producers_learn(p->producers, data + pos, &info, now); /* transactions' markers included */
        pos += info.size;
    }
    return BROOK_OK;
}

static void replica_durable(void *arg, brook_err err)
{
    brook_partition *p = arg;
    int64_t start, end;
    if (!err && !p->closing && brook_partition_offsets(p, &start, &end) == BROOK_OK && end > p->durable_end)
        p->durable_end = end;
}

/* Append the leader's batches as they are. */
static brook_err append_replica(brook_partition *p, const uint8_t *data, size_t len)
{
    int64_t start, end;
    brook_err e = brook_partition_offsets(p, &start, &end);
    if (e)
        return e;
    if (p->role == BROOK_ROLE_LEADER)
        return BROOK_ERR_INVALID; /* a leader takes produces, not copies */
    if ((e = check_replica_batches(p, data, len, end)))
        return e;
    const brook_storage_ops *so = brook_storage_of(p->storage);
    if ((e = so->append(p->log, data, len))) {
        log_error("partition %s-%d: appending from the leader failed: %s", p->topic->name, p->index, brook_err_str(e));
        return e;
    }
    if ((e = learn_replica_batches(p, data, len)))
        return e;
    brook_metric_add(p->broker->m.replicated_bytes_total, (int64_t)len);
    brook_partition_offsets(p, &start, &end);
    brook_partition_maybe_snapshot(p, len, end);
    so->when_durable(p->log, replica_durable, p);
    brook_partition_log_end_advanced(p, end);
    return BROOK_OK;
}

brook_err brook_partition_append_from_leader(brook_partition *p, const uint8_t *data, size_t len,
                                             int64_t leader_high_watermark)
{
    brook_err e = len ? append_replica(p, data, len) : BROOK_OK;
    if (e)
        return e;
    if (has_strategy_slot(p, follower_appended)) {
        int64_t start, end;
        brook_partition_offsets(p, &start, &end);
        replication_ops(p)->follower_appended(p->replica, end, leader_high_watermark);
    }
    return BROOK_OK;
}

/* Idempotent producers as they stand at the new log end: the newest
 * snapshot at or below it, and the log after it. */
static brook_err rebuild_producers(brook_partition *p, int64_t start, int64_t end)
{
    struct brook_producers *old = p->producers;
    p->producers = NULL;
    brook_err e = brook_partition_load_producers(p, start, end);
    if (e) {
        p->producers = old;
        return e;
    }
    brook_producers_free(old);
    return BROOK_OK;
}

brook_err brook_partition_truncate(brook_partition *p, int64_t offset)
{
    brook_plugin_instance *storage = p->storage;
    if (!brook_has_slot(storage, brook_storage_ops, truncate))
        return BROOK_ERR_UNSUPPORTED;
    int64_t start, end;
    brook_err e = brook_partition_offsets(p, &start, &end);
    if (e)
        return e;
    /* Nothing to cut from the log, but the epoch history may still end
     * with an epoch this replica began as leader and never wrote in: the
     * leader does not know it, so every fetch naming it came back as a
     * divergence and the follower never caught up (as Kafka's truncateTo,
     * the history is cut at the log end whatever). */
    if (offset >= end)
        return brook_leader_epochs_truncate_end(&p->epochs, end);
    if (offset < start)
        return BROOK_ERR_OUT_OF_RANGE;
    if ((e = brook_storage_of(storage)->truncate(p->log, offset)))
        return e;
    brook_partition_offsets(p, &start, &end);
    log_info("partition %s-%d: truncated to offset %lld", p->topic->name, p->index, (long long)end);
    if (p->high_watermark > end)
        brook_partition_set_high_watermark(p, end);
    if (p->durable_end > end)
        p->durable_end = end;
    if ((e = brook_leader_epochs_truncate_end(&p->epochs, end)))
        return e;
    return rebuild_producers(p, start, end);
}

brook_err brook_partition_delete_before(brook_partition *p, int64_t offset)
{
    brook_plugin_instance *storage = p->storage;
    if (!brook_has_slot(storage, brook_storage_ops, delete_before))
        return BROOK_ERR_UNSUPPORTED;
    int64_t start, end;
    brook_err e = brook_partition_offsets(p, &start, &end);
    if (e || offset <= start)
        return e;
    if ((e = brook_storage_of(storage)->delete_before(p->log, offset)))
        return e;
    if (p->role == BROOK_ROLE_LEADER)
        brook_partition_wake_followers(p); /* so they follow at once */
    if (offset <= end)
        return BROOK_OK;
    /* started afresh past its end (a follower behind its leader's start):
     * nothing here is older than the leader's, and nothing is left to
     * describe epochs or producers */
    p->durable_end = offset;
    brook_partition_set_high_watermark(p, offset);
    if ((e = brook_leader_epochs_truncate_end(&p->epochs, 0)))
        return e;
    log_info("partition %s-%d: the log starts afresh at offset %lld", p->topic->name, p->index, (long long)offset);
    return rebuild_producers(p, offset, offset);
}

/* ---- the strategy's services ------------------------------------------------ */

static void ctx_log_offsets(void *handle, int64_t *log_start, int64_t *log_end, int64_t *durable_end,
                            int64_t *high_watermark)
{
    brook_partition *p = handle;
    if (brook_partition_offsets(p, log_start, log_end))
        *log_start = *log_end = -1;
    *durable_end = p->durable_end;
    *high_watermark = p->high_watermark;
}

static brook_err ctx_append_replica(void *handle, const uint8_t *data, size_t len)
{
    return append_replica(handle, data, len);
}

static brook_err ctx_truncate(void *handle, int64_t offset)
{
    return brook_partition_truncate(handle, offset);
}

static brook_err ctx_read(void *handle, int64_t offset, size_t max_bytes, brook_slice *slices, size_t max_slices,
                          size_t *n_slices, size_t *bytes)
{
    brook_partition *p = handle;
    int64_t start, end;
    *n_slices = *bytes = 0;
    brook_err e = brook_partition_offsets(p, &start, &end);
    if (e || offset == end)
        return e;
    return brook_storage_of(p->storage)->read(p->log, offset, end, max_bytes, slices, max_slices, n_slices, bytes);
}

static brook_err ctx_send_to_peer(void *handle, int32_t broker_id, const uint8_t *msg, size_t len)
{
    brook_partition *p = handle;
    const brook_cluster_hooks *c = &p->broker->cluster;
    if (!c->send_to_peer)
        return BROOK_ERR_NOT_FOUND; /* a single broker has no peers */
    return c->send_to_peer(c->arg, p, broker_id, msg, len);
}

/* A single broker is its own controller: the change is recorded here, and
 * answered from the loop as the SDK promises. */
struct brook_isr_change {
    brook_isr_change *next; /* the partition's pending answers */
    brook_partition *p;
    brook_timer *timer;
    brook_isr_change_done done;
    void *arg;
    brook_err err;
};

static void unlink_change(brook_isr_change *c)
{
    for (brook_isr_change **at = &c->p->isr_changes; *at; at = &(*at)->next)
        if (*at == c) {
            *at = c->next;
            return;
        }
}

static void local_isr_answer(void *arg)
{
    brook_isr_change *c = arg;
    brook_partition *p = c->p;
    unlink_change(c);
    brook_leadership now = {.leader = p->leader_id,
                            .leader_epoch = p->leader_epoch,
                            .replicas = p->replicas,
                            .replica_count = p->replica_count,
                            .isr = p->isr,
                            .isr_count = p->isr_count,
                            .partition_epoch = p->partition_epoch};
    c->done(c->arg, c->err, &now);
    free(c);
}

static brook_err ctx_request_isr_change(void *handle, const int32_t *isr, int32_t isr_count, int32_t partition_epoch,
                                        brook_isr_change_done done, void *arg)
{
    brook_partition *p = handle;
    const brook_cluster_hooks *hooks = &p->broker->cluster;
    if (hooks->isr_change)
        return hooks->isr_change(hooks->arg, p, isr, isr_count, partition_epoch, done, arg);
    brook_isr_change *c = calloc(1, sizeof *c);
    if (!c)
        return BROOK_ERR_NOMEM;
    *c = (brook_isr_change){.p = p, .done = done, .arg = arg};
    if (partition_epoch != p->partition_epoch) {
        c->err = BROOK_ERR_AGAIN;
    } else if ((c->err = copy_ids(isr, isr_count, &p->isr, &p->isr_count)) == BROOK_OK) {
        p->partition_epoch++;
    }
    brook_err e = brook_loop_timer_add(p->broker->loop, 0, local_isr_answer, c, &c->timer);
    if (e) {
        free(c);
        return e;
    }
    c->next = p->isr_changes;
    p->isr_changes = c;
    return BROOK_OK;
}

void brook_partition_cancel_isr_changes(brook_partition *p)
{
    while (p->isr_changes) {
        brook_isr_change *c = p->isr_changes;
        p->isr_changes = c->next;
        brook_loop_timer_cancel(p->broker->loop, c->timer);
        c->done(c->arg, BROOK_ERR_SHUTDOWN, NULL);
        free(c);
    }
}

static void ctx_epoch_end(void *handle, int32_t epoch, int32_t *found_epoch, int64_t *end_offset)
{
    brook_partition_epoch_end(handle, epoch, found_epoch, end_offset);
}

static const char *ctx_topic_config(void *handle, const char *name)
{
    brook_partition *p = handle;
    return brook_topic_config_get(&p->topic->config, name);
}

void brook_partition_init_replica_ctx(brook_partition *p)
{
    p->rctx = (brook_replica_ctx){
        .size = sizeof(brook_replica_ctx),
        .topic = p->topic->name,
        .partition = p->index,
        .local_broker_id = p->broker->st->broker_id,
        .partition_handle = p,
        .committed = brook_partition_committed,
        .log_offsets = ctx_log_offsets,
        .epoch_end = ctx_epoch_end,
        .append_replica = ctx_append_replica,
        .truncate = ctx_truncate,
        .read = ctx_read,
        .request_isr_change = ctx_request_isr_change,
        .send_to_peer = ctx_send_to_peer,
        .append_accept = brook_partition_append_accept,
        .append_refuse = brook_partition_append_refuse,
        .topic_config = ctx_topic_config,
    };
}
