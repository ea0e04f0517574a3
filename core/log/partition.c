#include "partition.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "record_batch.h"
#include "batch_validate.h"
#include "broker.h"
#include "log.h"
#include "log_scan.h"
#include "partition_files.h"
#include "producer_snapshot.h"
#include "producer_state.h"

static void state_dir(const brook_broker *b, const char *topic, int32_t index, char *out, size_t len)
{
    brook_partition_state_dir(b->st->data_dir, topic, index, out, len);
}

static void producer_state_dir(const brook_partition *p, char *out, size_t len)
{
    state_dir(p->broker, p->topic->name, p->index, out, len);
}

static void epochs_path(const brook_broker *b, const char *topic, int32_t index, char *out, size_t len)
{
    brook_partition_epochs_path(b->st->data_dir, topic, index, out, len);
}

void brook_partition_remove_state(brook_broker *b, const char *topic, int32_t index)
{
    char path[PATH_MAX];
    state_dir(b, topic, index, path, sizeof path);
    brook_producer_snapshot_remove(path);
    epochs_path(b, topic, index, path, sizeof path);
    brook_leader_epochs_remove(path);
}

/* The epoch history, minus epochs a crash cut from the log's tail; from
 * the text read ahead when there is some. */
static brook_err load_epochs(brook_partition *p, int64_t end, brook_partition_files *files)
{
    char path[PATH_MAX];
    epochs_path(p->broker, p->topic->name, p->index, path, sizeof path);
    brook_err e;
    if (files) {
        e = brook_leader_epochs_load_text(&p->epochs, path, files->epochs_text, files->epochs_errno);
        files->epochs_text = NULL;
    } else {
        e = brook_leader_epochs_load(&p->epochs, path);
    }
    if (e) {
        log_error("partition %s-%d: leader epochs %s: %s", p->topic->name, p->index, path,
                  e == BROOK_ERR_CORRUPT ? "damaged file" : brook_err_str(e));
        return e;
    }
    return brook_leader_epochs_drop_beyond(&p->epochs, end);
}

static void replay_batch(void *arg, const uint8_t *batch, const brook_batch_info *info)
{
    brook_partition *p = arg;
    brook_producers_learn(p->producers, batch, info, p->replay_clock_ms);
}

/* Idempotent producers as they were at the log end: the newest snapshot
 * (listed ahead when `listing`), then the batches after it (all of the log
 * when there is none). */
static brook_err load_producers(brook_partition *p, int64_t start, int64_t end, brook_snapshot_listing *listing)
{
    const brook_settings *st = p->broker->st;
    char dir[PATH_MAX];
    producer_state_dir(p, dir, sizeof dir);
    int64_t from;
    int32_t max = (int32_t)st->max_producers_per_partition;
    brook_err e = listing
                      ? brook_producer_snapshot_load_listed(dir, listing, end, max, st->producer_expiration_ms,
                                                            &p->producers, &from)
                      : brook_producer_snapshot_load(dir, end, max, st->producer_expiration_ms, &p->producers, &from);
    if (e)
        return e;
    if (from < start)
        from = start;
    p->snapshot_offset = from;
    if (from >= end)
        return BROOK_OK;
    p->replay_clock_ms = brook_wall_clock_ms();
    e = brook_log_scan(brook_storage_of(p->storage), p->log, from, end, SIZE_MAX, replay_batch, p);
    if (e)
        log_warn("partition %s-%d: replaying the log for idempotent producers stopped early: %s", p->topic->name,
                 p->index, brook_err_str(e));
    return BROOK_OK;
}

brook_err brook_partition_load_producers(brook_partition *p, int64_t start, int64_t end)
{
    return load_producers(p, start, end, NULL);
}

/* Snapshot the producers at log end `end`; a failure is logged (a longer
 * replay after a crash is its only cost). */
static void snapshot_producers(brook_partition *p, int64_t end)
{
    char dir[PATH_MAX];
    producer_state_dir(p, dir, sizeof dir);
    if (brook_producer_snapshot_write(dir, end, p->producers) == BROOK_OK)
        p->snapshot_offset = end;
    p->bytes_since_snapshot = 0;
}

/* Snapshot after enough appended bytes: at least the configured interval,
 * and at least 8x the snapshot's size (about SNAPSHOT_BYTES_PER_PRODUCER
 * each) so that snapshots of a big table cost at most 1/8 of the writes. */
#define SNAPSHOT_BYTES_PER_PRODUCER 100
void brook_partition_maybe_snapshot(brook_partition *p, size_t appended, int64_t end)
{
    p->bytes_since_snapshot += appended;
    uint64_t due = (uint64_t)p->broker->st->producer_snapshot_interval_bytes;
    uint64_t table = (uint64_t)brook_producers_count(p->producers) * 8 * SNAPSHOT_BYTES_PER_PRODUCER;
    /* With no idempotent producer too: the snapshot then says "nothing to
     * replay before here", and a restart after a crash reads at most this
     * much of the log instead of all of it. */
    if (p->bytes_since_snapshot >= (due > table ? due : table))
        snapshot_producers(p, end);
}

static void apply_setting(brook_partition *p, const char *name, const char *value)
{
    brook_err e = brook_storage_of(p->storage)->topic_setting(p->storage->state, p->log, name, value);
    if (e)
        log_warn("partition %s-%d: storage %s does not apply %s=%s: %s", p->topic->name, p->index,
                 p->storage->conf->instance, name, value ? value : "(its own)", brook_err_str(e));
}

/* cleanup.policy has compact: the topic's own value, else its storage's. */
static int is_compacted(const brook_partition *p, const brook_topic_config *c)
{
    const char *v = brook_topic_config_get(c, "cleanup.policy");
    brook_option_for_config o;
    if (!v && brook_plugin_option_for_config(p->storage, "cleanup.policy", &o) == BROOK_OK)
        v = o.value;
    return v && strstr(v, "compact") != NULL;
}

/* Whether this broker throttles the partition, from the topic's sets (parsed
 * once per change of the lists, whatever the topic's partition count). */
static void apply_throttles(brook_partition *p, const brook_topic_config *now)
{
    brook_topic *t = p->topic;
    int32_t self = p->broker && p->broker->st ? p->broker->st->broker_id : -1;
    if (brook_throttled_set_update(&t->throttled_as_leader,
                                   brook_topic_config_get(now, "leader.replication.throttled.replicas"), self) ||
        brook_throttled_set_update(&t->throttled_as_follower,
                                   brook_topic_config_get(now, "follower.replication.throttled.replicas"), self))
        log_error("topic %s: out of memory reading its throttled replicas: none throttled here", t->name);
    p->throttled_as_leader = brook_throttled_set_has(&t->throttled_as_leader, p->index);
    p->throttled_as_follower = brook_throttled_set_has(&t->throttled_as_follower, p->index);
}

int brook_partition_isr_has(const brook_partition *p, int32_t broker)
{
    for (int32_t i = 0; p->isr && i < p->isr_count; i++)
        if (p->isr[i] == broker)
            return 1;
    return 0;
}

void brook_partition_apply_settings(brook_partition *p, const brook_topic_config *before, const brook_topic_config *now)
{
    p->compacted = is_compacted(p, now);
    apply_throttles(p, now);
    if (!brook_has_slot(p->storage, brook_storage_ops, topic_setting))
        return;
    for (size_t i = 0; i < now->count; i++) {
        const brook_topic_setting *s = &now->items[i];
        const char *was = before ? brook_topic_config_get(before, s->name) : NULL;
        if (brook_topic_config_by_storage(s->name) && (!was || strcmp(was, s->value) != 0))
            apply_setting(p, s->name, s->value);
    }
    for (size_t i = 0; before && i < before->count; i++)
        if (brook_topic_config_by_storage(before->items[i].name) && !brook_topic_config_get(now, before->items[i].name))
            apply_setting(p, before->items[i].name, NULL);
}

brook_err brook_partition_open(brook_broker *b, brook_topic *topic, int32_t index, int create, brook_partition **out)
{
    return brook_partition_open_read(b, topic, index, create, NULL, out);
}

brook_err brook_partition_open_read(brook_broker *b, brook_topic *topic, int32_t index, int create,
                                    brook_partition_files *files, brook_partition **out)
{
    brook_partition *p = calloc(1, sizeof *p);
    if (!p)
        return BROOK_ERR_NOMEM;
    p->broker = b;
    p->topic = topic;
    p->index = index;
    p->waiters.next = p->waiters.prev = &p->waiters;
    p->storage = brook_broker_storage_for(b, &topic->config);
    p->strategy = brook_broker_strategy_for(b, &topic->config);
    if (!p->storage || !p->strategy) {
        log_error("partition %s-%d: the topic names a %s this broker does not run (its plugin blocks)", topic->name,
                  index, p->storage ? "replication strategy" : "storage");
        free(p);
        return BROOK_ERR_NOT_FOUND;
    }
    const brook_storage_ops *so = brook_storage_of(p->storage);
    brook_err e = so->open(p->storage->state, topic->name, index, create, &p->log);
    if (e) {
        if (e != BROOK_ERR_NOT_FOUND || create) /* absent at start-up is the caller's call */
            log_error("partition %s-%d: storage open failed: %s", topic->name, index, brook_err_str(e));
        free(p);
        return e;
    }
    brook_partition_apply_settings(p, NULL, &topic->config);
    int64_t start, end;
    so->offsets(p->log, &start, &end);
    /* Everything recovered from storage was acknowledged before: committed. */
    p->durable_end = end;
    brook_partition_set_high_watermark(p, end);
    p->leader_id = -1;
    p->leader_epoch = BROOK_NO_EPOCH;
    if ((e = load_epochs(p, end, files)) || (e = load_producers(p, start, end, files ? &files->snapshots : NULL))) {
        so->close(p->log);
        brook_leader_epochs_free(&p->epochs);
        free(p);
        return e;
    }
    brook_partition_init_replica_ctx(p);
    const brook_replication_ops *ro = brook_replication_of(p->strategy);
    e = ro->partition_open(p->strategy->state, &p->rctx, &p->replica);
    if (e) {
        log_error("partition %s-%d: replication open failed: %s", topic->name, index, brook_err_str(e));
        so->close(p->log);
        brook_producers_free(p->producers);
        brook_leader_epochs_free(&p->epochs);
        free(p);
        return e;
    }
    *out = p;
    return BROOK_OK;
}

void brook_partition_close(brook_partition *p, int removing)
{
    if (!p)
        return;
    p->closing = 1;
    /* Detach first, wake after: a woken request may look the partition up. */
    brook_waiter *list = NULL;
    while (p->waiters.next != &p->waiters) {
        brook_waiter *w = p->waiters.next;
        brook_partition_unwait(w);
        w->next = list;
        list = w;
    }
    /* A clean close snapshots the producers at the log end, none or many:
     * the next start replays nothing (without one it read the whole log of
     * every partition). (A partition being deleted may have lost its topic
     * entry already: p->topic is not touched then.) */
    int64_t start, end;
    if (!removing && brook_partition_offsets(p, &start, &end) == BROOK_OK && end != p->snapshot_offset)
        snapshot_producers(p, end);
    brook_partition_cancel_isr_changes(p);
    brook_replication_of(p->strategy)->partition_close(p->replica);
    brook_storage_of(p->storage)->close(p->log);
    brook_producers_free(p->producers);
    brook_leader_epochs_free(&p->epochs);
    free(p->replicas);
    free(p->replica_starts);
    free(p->isr);
    free(p);
    while (list) {
        brook_waiter *w = list;
        list = w->next;
        w->next = w->prev = NULL;
        w->wake(w);
    }
}

brook_err brook_partition_lead_alone(brook_partition *p)
{
    int32_t self = p->broker->st->broker_id;
    int32_t epoch = brook_leader_epochs_latest(&p->epochs);
    brook_leadership l = {.leader = self,
                          .leader_epoch = epoch > 0 ? epoch : 0,
                          .replicas = &self,
                          .replica_count = 1,
                          .isr = &self,
                          .isr_count = 1};
    return brook_partition_become_leader(p, &l);
}

brook_err brook_partition_offsets(brook_partition *p, int64_t *log_start, int64_t *log_end)
{
    return brook_storage_of(p->storage)->offsets(p->log, log_start, log_end);
}

brook_err brook_partition_size(brook_partition *p, uint64_t *bytes)
{
    brook_plugin_instance *storage = p->storage;
    if (!brook_has_slot(storage, brook_storage_ops, size))
        return BROOK_ERR_UNSUPPORTED;
    return brook_storage_of(storage)->size(p->log, bytes);
}

int64_t brook_partition_last_stable(brook_partition *p)
{
    int64_t start, end;
    if (brook_partition_offsets(p, &start, &end))
        start = 0;
    return brook_producers_last_stable(p->producers, start, p->high_watermark);
}

brook_err brook_partition_read(brook_partition *p, int64_t offset, int64_t upto, size_t max_bytes, brook_slice *slices,
                               size_t max_slices, size_t *n_slices, size_t *bytes)
{
    *n_slices = 0;
    *bytes = 0;
    if (p->role == BROOK_ROLE_NONE)
        return BROOK_ERR_NOT_LEADER; /* a leader's, or a follower's up to its high watermark (router.h) */
    int64_t start, end;
    brook_err e = brook_partition_offsets(p, &start, &end);
    if (e)
        return e;
    if (upto < 0 || upto > p->high_watermark)
        upto = p->high_watermark;
    if (offset > upto && offset <= end)
        return BROOK_OK; /* not committed (or not stable) yet: nothing to read, not an error */
    return brook_partition_fetch_read(p, offset, upto, max_bytes, slices, max_slices, n_slices, bytes);
}

int64_t brook_partition_stable_bound(brook_partition *p, int64_t offset, int64_t last_stable, size_t max_aborted,
                                     size_t *n_aborted)
{
    brook_txns *t = brook_producers_txns(p->producers);
    int64_t upto = last_stable;
    *n_aborted = brook_txns_aborted_in(t, offset, upto, NULL, NULL);
    /* halve the way until the list fits: the aborted transactions that
     * straddle `offset` itself are always listed, however many */
    while (*n_aborted > max_aborted && upto > offset + 1) {
        upto = offset + (upto - offset) / 2;
        *n_aborted = brook_txns_aborted_in(t, offset, upto, NULL, NULL);
    }
    return upto;
}

typedef struct aborted_list {
    brook_aborted_txn *out;
    size_t n, max;
} aborted_list;

static void add_aborted(void *arg, const brook_aborted_entry *a)
{
    aborted_list *l = arg;
    if (l->n < l->max)
        l->out[l->n++] = (brook_aborted_txn){a->producer_id, a->first_offset};
}

size_t brook_partition_aborted(brook_partition *p, int64_t from, int64_t upper, brook_aborted_txn *out, size_t max)
{
    aborted_list l = {out, 0, max};
    brook_txns_aborted_in(brook_producers_txns(p->producers), from, upper, add_aborted, &l);
    return l.n;
}
brook_err brook_partition_offset_for(brook_partition *p, int64_t timestamp, brook_storage_ready_cb ready, void *arg,
                                     int64_t *offset, int64_t *found_timestamp)
{
    *offset = -1;
    *found_timestamp = -1;
    if (p->role != BROOK_ROLE_LEADER)
        return BROOK_ERR_NOT_LEADER;
    int64_t start, end;
    brook_err e = brook_partition_offsets(p, &start, &end);
    if (e)
        return e;
    if (timestamp == BROOK_OFFSET_EARLIEST) {
        *offset = start;
        return BROOK_OK;
    }
    if (timestamp == BROOK_OFFSET_LATEST) {
        *offset = p->high_watermark;
        return BROOK_OK;
    }
    if (timestamp == BROOK_OFFSET_LAST_STABLE) {
        *offset = brook_partition_last_stable(p);
        return BROOK_OK;
    }
    if (timestamp == BROOK_OFFSET_LOG_END) {
        *offset = end;
        return BROOK_OK;
    }
    brook_plugin_instance *storage = p->storage;
    if (timestamp == BROOK_OFFSET_MAX_TIMESTAMP) {
        /* the first record at or after the log's largest timestamp is the one carrying it */
        if (!brook_has_slot(storage, brook_storage_ops, max_timestamp))
            return BROOK_ERR_UNSUPPORTED;
        if ((e = brook_storage_of(storage)->max_timestamp(p->log, &timestamp)))
            return e;
        if (timestamp < 0)
            return BROOK_OK; /* an empty log: no such record */
    }
    if (timestamp < 0)
        return BROOK_ERR_INVALID;
    if (!brook_has_slot(storage, brook_storage_ops, offset_for_timestamp))
        return BROOK_ERR_UNSUPPORTED; /* an older or simpler backend */
    if (ready && brook_has_slot(storage, brook_storage_ops, prepare_timestamp) &&
        brook_storage_of(storage)->prepare_timestamp(p->log, timestamp, ready, arg) == BROOK_ERR_AGAIN)
        return BROOK_ERR_AGAIN;
    e = brook_storage_of(storage)->offset_for_timestamp(p->log, timestamp, offset, found_timestamp);
    if (e == BROOK_ERR_NOT_FOUND || (!e && *offset >= p->high_watermark)) {
        /* none that late, or not committed yet: as if it were not there */
        *offset = -1;
        *found_timestamp = -1;
        return BROOK_OK;
    }
    return e;
}

void brook_partition_wait(brook_partition *p, brook_waiter *w)
{
    w->part = p;
    w->prev = p->waiters.prev;
    w->next = &p->waiters;
    p->waiters.prev->next = w;
    p->waiters.prev = w;
}

void brook_partition_unwait(brook_waiter *w)
{
    if (!w->part)
        return;
    w->prev->next = w->next;
    w->next->prev = w->prev;
    w->prev = w->next = NULL;
    w->part = NULL;
}

/* Wake, in registration order, the waiters for which `due` holds. A woken
 * waiter unregisters itself (and possibly others of its request), so the
 * walk restarts from the head each time. */
static void wake_where(brook_partition *p, int (*due)(const brook_waiter *w, int64_t mark), int64_t mark)
{
    for (int again = 1; again;) {
        again = 0;
        for (brook_waiter *w = p->waiters.next; w != &p->waiters; w = w->next) {
            if (due(w, mark)) {
                brook_partition_unwait(w);
                w->wake(w);
                again = 1;
                break;
            }
        }
    }
}

static int hw_reached(const brook_waiter *w, int64_t hw)
{
    return w->mark == BROOK_WAIT_HIGH_WATERMARK && w->target <= hw;
}

static int log_end_reached(const brook_waiter *w, int64_t end)
{
    return w->mark == BROOK_WAIT_LOG_END && w->target <= end;
}

static int low_watermark_reached(const brook_waiter *w, int64_t low)
{
    return w->mark == BROOK_WAIT_LOW_WATERMARK && w->target <= low;
}

void brook_partition_set_high_watermark(brook_partition *p, int64_t high_watermark)
{
    p->high_watermark = high_watermark;
    if (brook_has_slot(p->storage, brook_storage_ops, committed))
        brook_storage_of(p->storage)->committed(p->log, high_watermark);
}

void brook_partition_committed(void *partition, int64_t high_watermark)
{
    brook_partition *p = partition;
    int64_t start, end;
    /* never past what this replica holds (a follower hears the leader's) */
    if (brook_partition_offsets(p, &start, &end) == BROOK_OK && high_watermark > end)
        high_watermark = end;
    if (high_watermark <= p->high_watermark)
        return;
    brook_partition_set_high_watermark(p, high_watermark);
    wake_where(p, hw_reached, high_watermark);
}

void brook_partition_log_end_advanced(brook_partition *p, int64_t log_end)
{
    wake_where(p, log_end_reached, log_end);
}

void brook_partition_low_watermark_check(brook_partition *p)
{
    for (brook_waiter *w = p->waiters.next; w != &p->waiters; w = w->next)
        if (w->mark == BROOK_WAIT_LOW_WATERMARK) { /* the mark costs a walk over the replicas: only then */
            int64_t low;
            if (brook_partition_low_watermark(p, &low) == BROOK_OK)
                wake_where(p, low_watermark_reached, low);
            return;
        }
}

/* Every waiter registered now for which `due` holds, each once: a woken
 * request that waits again registers anew and is not woken a second time
 * (with a predicate that keeps holding, wake_where would never end). */
static void wake_each_once(brook_partition *p, int (*due)(const brook_waiter *w, int64_t mark), int64_t mark)
{
    brook_waiter now = {.part = p};
    now.next = now.prev = &now;
    for (brook_waiter *w = p->waiters.next, *next; w != &p->waiters; w = next) {
        next = w->next;
        if (!due(w, mark))
            continue;
        brook_partition_unwait(w);
        w->part = p; /* now in `now`, in registration order */
        w->prev = now.prev;
        w->next = &now;
        now.prev->next = w;
        now.prev = w;
    }
    while (now.next != &now) {
        brook_waiter *w = now.next;
        brook_partition_unwait(w); /* from `now` */
        w->wake(w);
    }
}

static int any_waiter(const brook_waiter *w, int64_t mark)
{
    (void)w;
    (void)mark;
    return 1;
}

void brook_partition_wake_all(brook_partition *p)
{
    wake_each_once(p, any_waiter, 0);
}

static int a_fetch(const brook_waiter *w, int64_t mark)
{
    (void)mark;
    return w->reads;
}

/* Storage answered a prepare_read: the fetches parked here read again (a
 * closing log's answer finds them being woken by the close anyway). */
static void storage_ready(void *arg, brook_err err)
{
    if (err != BROOK_ERR_SHUTDOWN)
        wake_each_once(arg, a_fetch, 0);
}

brook_err brook_partition_fetch_read(brook_partition *p, int64_t offset, int64_t max_offset, size_t max_bytes,
                                     brook_slice *slices, size_t max_slices, size_t *n_slices, size_t *bytes)
{
    *n_slices = *bytes = 0;
    brook_plugin_instance *storage = p->storage;
    if (brook_has_slot(storage, brook_storage_ops, prepare_read) &&
        brook_storage_of(storage)->prepare_read(p->log, offset, storage_ready, p) == BROOK_ERR_AGAIN)
        return BROOK_OK;
    return brook_storage_of(storage)->read(p->log, offset, max_offset, max_bytes, slices, max_slices, n_slices, bytes);
}

static int a_follower(const brook_waiter *w, int64_t mark)
{
    (void)mark;
    return w->mark == BROOK_WAIT_LOG_END;
}

void brook_partition_wake_followers(brook_partition *p)
{
    for (brook_waiter *w = p->waiters.next; w != &p->waiters; w = w->next)
        w->answer_now |= a_follower(w, 0);
    wake_each_once(p, a_follower, 0);
}
