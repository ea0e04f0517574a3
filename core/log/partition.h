/* One partition this broker holds a replica of: its storage log, its
 * leadership (role, leader epoch and the epoch history, replicas, in-sync
 * replicas), the replication strategy's replica, the high watermark, and
 * the requests waiting on it (long-poll fetches wanting data, acks=all
 * produces wanting the high watermark, followers' fetches wanting the log
 * end). The partition owns append -> durable -> replicate -> commit:
 * request handlers and the replica fetcher only call the functions here. */
#ifndef BROOK_CORE_PARTITION_H
#define BROOK_CORE_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#include <brook/batch.h>
#include <brook/replication.h>
#include <brook/storage.h>
#include <brook/types.h>

#include <brook/request.h>

#include "leader_epochs.h"
#include "topics.h"

/* ListOffsets' latest for a read_committed consumer (core only, never on
 * the wire: the handler maps BROOK_OFFSET_LATEST to it). */
#define BROOK_OFFSET_LAST_STABLE (-1001)

struct brook_broker;
struct brook_req;

typedef enum brook_replica_role {
    BROOK_ROLE_NONE = 0, /* opened, not told yet */
    BROOK_ROLE_LEADER,
    BROOK_ROLE_FOLLOWER,
} brook_replica_role;

/* What a waiter waits for to reach its target. */
typedef enum brook_wait_mark {
    BROOK_WAIT_HIGH_WATERMARK = 0, /* consumers' fetches, acks=all produces */
    BROOK_WAIT_LOG_END,            /* followers' fetches */
    BROOK_WAIT_LOW_WATERMARK,      /* DeleteRecords: every live replica's log start */
} brook_wait_mark;

typedef struct brook_waiter brook_waiter;
struct brook_waiter {
    brook_waiter *prev, *next;
    struct brook_partition *part; /* NULL when not registered */
    int64_t target;               /* wake once the mark reaches this */
    brook_wait_mark mark;
    int answer_now; /* set when woken to answer whatever the mark (the log start moved) */
    int reads;      /* a fetch's: woken too when storage got ready for a read it deferred */
    void (*wake)(brook_waiter *w);
    struct brook_req *req;
    void *data;
};

struct brook_partition {
    struct brook_broker *broker;
    brook_topic *topic;
    int32_t index;
    struct brook_plugin_instance *storage;  /* the topic's storage plugin instance */
    struct brook_plugin_instance *strategy; /* the topic's replication strategy */
    void *log;                              /* storage's handle */
    void *replica;                          /* the strategy's handle */
    brook_replica_ctx rctx;
    brook_replica_role role;
    int32_t leader_id;
    int32_t leader_epoch;
    int32_t partition_epoch;
    int32_t *replicas; /* assigned, leader first */
    int32_t replica_count;
    /* Leader: each replica's log start as its last fetch reported it,
     * parallel to `replicas` (-1: not heard since this broker leads). */
    int64_t *replica_starts;
    int32_t *isr;
    int32_t isr_count;
    brook_leader_epochs epochs;
    struct brook_isr_change *isr_changes; /* a single broker's answers still to give */
    int64_t high_watermark;
    int compacted; /* cleanup.policy has compact: records need keys */
    /* the topic's throttled-replicas configs name this partition on this
     * broker: a replication throttle holds back its copying to or from an
     * out-of-sync replica (replication_quota.h) */
    int throttled_as_leader, throttled_as_follower;
    int64_t durable_end; /* what the flush policy made durable */
    int closing;
    brook_waiter waiters;              /* list head */
    struct brook_producers *producers; /* idempotent producer state (producer_state.h) */
    int64_t snapshot_offset;           /* log end of its newest snapshot, or where replay began */
    uint64_t bytes_since_snapshot;
    int64_t replay_clock_ms; /* the wall clock while replaying the log at open */
};

brook_err brook_partition_open(struct brook_broker *b, brook_topic *topic, int32_t index, int create,
                               brook_partition **out);
/* The same with the partition's own files read already (read ahead at
 * start-up, partition_files.h): it takes what it uses of them; the caller
 * frees `files` after, whatever the result. */
struct brook_partition_files;
brook_err brook_partition_open_read(struct brook_broker *b, brook_topic *topic, int32_t index, int create,
                                    struct brook_partition_files *files, brook_partition **out);

/* The topic's storage settings (retention.ms, ...) changed from `before`
 * (NULL: none) to `now`: the storage applies what differs, at once. */
void brook_partition_apply_settings(brook_partition *p, const brook_topic_config *before,
                                    const brook_topic_config *now);

/* Whether `broker` is in the partition's in-sync set as this broker knows it. */
int brook_partition_isr_has(const brook_partition *p, int32_t broker);

/* Close storage and replication; registered waiters are detached and woken
 * (they will find the partition gone). Its producer-state snapshot is
 * brought up to the log end, unless `removing`: the partition is being
 * deleted (its topic entry may be gone already), and the caller removes
 * its storage and, with the function below, its producer state. */
void brook_partition_close(brook_partition *p, int removing);
/* Delete a removed partition's own state: producer snapshots, epoch history. */
void brook_partition_remove_state(struct brook_broker *b, const char *topic, int32_t index);

/* A single broker leads every partition alone: its latest epoch (0 for a
 * new log), itself as the only replica and in-sync replica. */
brook_err brook_partition_lead_alone(brook_partition *p);

/* One produce to one partition, from append to answer. The caller fills
 * the inputs and `done`, then calls brook_partition_produce; the partition
 * checks and appends the batches, waits for durability, tells the
 * replication strategy and, for acks = -1, waits for the commit. `done` is
 * called exactly once (possibly before brook_partition_produce returns),
 * with the outputs set; then the partition no longer touches `a`. */
typedef enum brook_append_stage {
    BROOK_APPEND_LOCAL,    /* validating and appending */
    BROOK_APPEND_PROPOSED, /* handed to a consensus strategy's leader_append */
    BROOK_APPEND_DURABLE,  /* waiting for storage's flush policy */
    BROOK_APPEND_COMMIT,   /* acks=all: waiting for the high watermark */
    BROOK_APPEND_DONE,
} brook_append_stage;

typedef struct brook_append brook_append;
struct brook_append {
    /* in: RecordBatch v2 bytes (each baseOffset and partitionLeaderEpoch
     * is rewritten in place), the producer's acks (0, 1, -1) */
    uint8_t *data;
    size_t len;
    int16_t acks;
    int marker;   /* `data` is one transaction marker the core built (txn_marker.h), not a client's batches */
    int internal; /* `data` is a coordinator's batch (committed offsets): no sequence; a transactional one checked as
                     below */
    /* A transactional batch opens its producer's transaction here only
     * when the request handler had the coordinator confirm that the
     * partition is in it (txn_verified) and no marker of the producer was
     * appended since then: its last marker was at txn_guard (KIP-890) */
    int txn_verified;
    int64_t txn_guard;
    void (*done)(brook_append *a);
    void *arg;
    /* out */
    brook_err error;
    const char *error_message; /* static, or NULL */
    int64_t base_offset;       /* -1 on error */
    int64_t last_offset;
    int64_t log_start_offset;
    int duplicate; /* an idempotent retry: answered with the first copy's offsets */
    /* the partition's */
    brook_partition *part;
    brook_append_stage stage;
    brook_batch_info first; /* the first batch, for idempotence */
    size_t batches;
    int32_t leader_epoch; /* the epoch it was appended in */
    int64_t end;          /* last_offset + 1: what the high watermark must reach */
    int64_t durable_end;  /* the log end when durability was asked for */
    int expired;
    brook_err expire_error;
    brook_waiter waiter;
};

void brook_partition_produce(brook_partition *p, brook_append *a);

/* Stop waiting for the commit (the request's deadline passed, or its
 * connection went away): an append waiting for the high watermark ends now
 * with `error`; one still waiting for storage ends when storage answers
 * (with `error` if acks = -1 and it is not committed by then). */
void brook_partition_produce_expire(brook_append *a, brook_err error);

/* Whole batches from `offset` as storage slices, below `upto` (-1: the
 * high watermark, what consumers may see; never past it), within
 * `max_bytes` except for the first batch. BROOK_ERR_OUT_OF_RANGE outside
 * [log start, log end]; an offset between that bound and the log end reads
 * nothing, and so does a read storage must first get ready for off the
 * loop (the partition's fetches, waiters with `reads`, are woken once it
 * is). */
brook_err brook_partition_read(brook_partition *p, int64_t offset, int64_t upto, size_t max_bytes, brook_slice *slices,
                               size_t max_slices, size_t *n_slices, size_t *bytes);

/* The last stable offset (Kafka's LSO): below it every transaction has
 * ended and its marker is committed; the high watermark when none is open. */
int64_t brook_partition_last_stable(brook_partition *p);

/* Where a read_committed read from `offset` may go: the last stable offset
 * (`last_stable`, as brook_partition_last_stable says), or short of it so
 * that the aborted transactions it may hold records of are at most
 * `max_aborted` (those straddling `offset` are counted whatever their
 * number); *n_aborted says how many there are. */
int64_t brook_partition_stable_bound(brook_partition *p, int64_t offset, int64_t last_stable, size_t max_aborted,
                                     size_t *n_aborted);

/* Those aborted transactions of a read of [from, upper), oldest first, at
 * most `max` of them into `out`; returns how many were written. */
size_t brook_partition_aborted(brook_partition *p, int64_t from, int64_t upper, brook_aborted_txn *out, size_t max);

/* Storage's read below `max_offset`, for fetches: nothing yet (BROOK_OK,
 * no slices) when storage gets ready for it off the loop first, the
 * partition's fetches woken when it is (storage.h's prepare_read). */
brook_err brook_partition_fetch_read(brook_partition *p, int64_t offset, int64_t max_offset, size_t max_bytes,
                                     brook_slice *slices, size_t max_slices, size_t *n_slices, size_t *bytes);

/* ListOffsets' answer for `timestamp`: BROOK_OFFSET_EARLIEST (log start),
 * BROOK_OFFSET_LATEST (the high watermark), BROOK_OFFSET_LAST_STABLE
 * (read_committed's latest) or the first committed offset
 * of a batch whose max timestamp is >= `timestamp` (*offset -1 when none).
 * With `ready`, BROOK_ERR_AGAIN when storage must first get ready for the
 * lookup off the loop (storage.h's prepare_timestamp): `ready(arg, err)`
 * comes later, on the loop, and the caller asks again. Without, the
 * lookup waits for the disk if it must. */
brook_err brook_partition_offset_for(brook_partition *p, int64_t timestamp, brook_storage_ready_cb ready, void *arg,
                                     int64_t *offset, int64_t *found_timestamp);

brook_err brook_partition_offsets(brook_partition *p, int64_t *log_start, int64_t *log_end);
/* Bytes the partition's log holds; BROOK_ERR_UNSUPPORTED when the storage
 * plugin does not say. */
brook_err brook_partition_size(brook_partition *p, uint64_t *bytes);

void brook_partition_wait(brook_partition *p, brook_waiter *w);
void brook_partition_unwait(brook_waiter *w);

/* ---- leadership and replicas (partition_replica.c) ---------------------- */

/* Lead the partition at `l->leader_epoch` (recorded as starting at the log
 * end), with its replicas and in-sync replicas. An epoch older than the
 * partition's: BROOK_ERR_FENCED_LEADER_EPOCH. Requests waiting on the
 * partition are woken to look again. */
brook_err brook_partition_become_leader(brook_partition *p, const brook_leadership *l);

/* Follow `l->leader` at `l->leader_epoch`: produces waiting for a commit
 * end with BROOK_ERR_NOT_LEADER. BROOK_ERR_UNSUPPORTED when the strategy
 * has no become_follower. */
brook_err brook_partition_become_follower(brook_partition *p, const brook_leadership *l);

/* A follower's fetch, on the leader: fences stale and unknown epochs
 * (`current_epoch` -1: not checked), answers a diverged log (its
 * `last_fetched_epoch` ended earlier here) with *diverging_epoch and
 * *diverging_end and no records, else reads whole batches from `offset` up
 * to the log end and tells the strategy the follower holds everything
 * before `offset`. */
typedef struct brook_replica_fetch {
    int32_t replica_id;
    int64_t offset;
    int32_t current_epoch;
    int32_t last_fetched_epoch;
    size_t max_bytes;
    brook_slice *slices; /* room for max_slices */
    size_t max_slices;
    /* out */
    size_t n_slices;
    size_t bytes;
    int32_t diverging_epoch; /* BROOK_NO_EPOCH: none */
    int64_t diverging_end;
    int64_t high_watermark;
    int64_t log_start;
    int64_t log_end;
    int64_t replica_log_start; /* in: the follower's own log start */
    int held_back;             /* in: the leader's throttle is spent: learn where the follower is, send nothing */
} brook_replica_fetch;
brook_err brook_partition_read_for_replica(brook_partition *p, brook_replica_fetch *f);

/* A follower's copy of the leader's batches: appended as they are (offsets
 * and epochs kept; the epoch history learns new epochs), then the strategy
 * hears of it with the leader's high watermark. The first batch must start
 * at the log end. */
brook_err brook_partition_append_from_leader(brook_partition *p, const uint8_t *data, size_t len,
                                             int64_t leader_high_watermark);

/* Remove every batch at or after `offset` (a follower's divergent tail):
 * storage, epoch history, idempotent producer state, high watermark. */
brook_err brook_partition_truncate(brook_partition *p, int64_t offset);

/* A request's view of the leader epoch against the partition's (Kafka's
 * CurrentLeaderEpoch): older is BROOK_ERR_FENCED_LEADER_EPOCH (the caller's
 * metadata is stale), newer BROOK_ERR_UNKNOWN_LEADER_EPOCH (this replica
 * has not heard of it yet); -1 is not checked. Both are retriable. */
brook_err brook_partition_check_epoch(const brook_partition *p, int32_t current_epoch);

/* Move the log start to `offset` (DeleteRecords; a follower following its
 * leader's start). Past the log end the log starts afresh there: high
 * watermark, epoch history and producer state go with the old log.
 * BROOK_ERR_UNSUPPORTED when the storage cannot. */
brook_err brook_partition_delete_before(brook_partition *p, int64_t offset);

/* Where `epoch` ends in this log (leader_epochs.h). */
void brook_partition_epoch_end(brook_partition *p, int32_t epoch, int32_t *found_epoch, int64_t *end_offset);

/* The strategy's services (brook_replica_ctx) bound to this partition. */
void brook_partition_init_replica_ctx(brook_partition *p);

/* Wake waiters of the log end up to `log_end` (followers' long polls). */
void brook_partition_log_end_advanced(brook_partition *p, int64_t log_end);

/* Leader: the low watermark, Kafka's: the least log start over this
 * replica and the replicas on live brokers (-1 while one of those has not
 * reported since this broker leads); DeleteRecords answers once it passed
 * the offset. An error when the log's offsets cannot be had. */
brook_err brook_partition_low_watermark(brook_partition *p, int64_t *low);

/* Leader: wake DeleteRecords waiting on the low watermark that it now
 * passed (a replica reported a later start, or a broker left). */
void brook_partition_low_watermark_check(brook_partition *p);

/* Wake every waiter, whatever it waits for (leadership changed). */
void brook_partition_wake_all(brook_partition *p);

/* Wake the followers' long polls, each once, with answer_now set (the
 * leader's log start moved: they hear of it now, not when their wait
 * ends). */
void brook_partition_wake_followers(brook_partition *p);

/* Answer ISR change requests still pending with BROOK_ERR_SHUTDOWN (close). */
typedef struct brook_isr_change brook_isr_change;
void brook_partition_cancel_isr_changes(brook_partition *p);

/* Idempotent producers at log end `end`: the newest snapshot at or below
 * it, then the log after it (partition.c). */
brook_err brook_partition_load_producers(brook_partition *p, int64_t start, int64_t end);

/* The leader_append slot's answers (partition_append.c). */
void brook_partition_append_accept(void *partition, void *token, int32_t leader_epoch);
void brook_partition_append_refuse(void *partition, void *token, brook_err err);

/* For the partition's own files (log/): a producer snapshot once enough
 * was appended. */
void brook_partition_maybe_snapshot(brook_partition *p, size_t appended, int64_t end);

/* The replication plugin's commit callback. */
void brook_partition_committed(void *partition, int64_t high_watermark);
/* The one place the high watermark changes: the storage hears it too
 * (brook_storage_ops.committed). */
void brook_partition_set_high_watermark(brook_partition *p, int64_t high_watermark);

#endif
