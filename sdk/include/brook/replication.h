/* Brook SDK: replication strategies (kind BROOK_PLUGIN_REPLICATION).
 *
 * The core owns each partition's log and its pipeline: a produce is
 * validated, given offsets and the leader epoch, appended, made durable
 * under the storage flush policy, and answered. The strategy owns the
 * replicas' agreement: which followers are in sync, when a record is
 * committed (the high watermark: consumers see records below it, acks=all
 * producers are answered when it covers their batch), and what to ask the
 * controller when a follower falls behind or catches up.
 *
 * Who does what, Kafka-style (replication-isr):
 *   - the controller picks a leader and a leader epoch per partition and
 *     tells every replica (become_leader / become_follower);
 *   - followers fetch from the leader (the core's replica fetcher, Fetch
 *     with a replica id); the leader's core tells the strategy what each
 *     follower fetched (follower_fetched), the follower's core appends what
 *     came back with the leader's offsets and epochs and tells its strategy
 *     (follower_appended);
 *   - a follower that comes back truncates its divergent tail by epoch:
 *     ctx->epoch_end answers where an epoch ends in the local log.
 * A consensus strategy (Raft-style) replaces the fetch path: it offers
 * `leader_append`, decides itself when a produce is appended, and moves
 * entries with ctx->send_to_peer / peer_message, ctx->append_replica and
 * ctx->truncate.
 *
 * Threads: every slot and every ctx service is called on the event-loop
 * thread that owns the partition, never concurrently for one partition.
 * Ownership: pointers passed into a slot are valid during the call only;
 * copy what you keep. Errors: a slot that returns brook_err refuses with
 * it; the core logs it with the partition's name.
 *
 * Required slots: partition_open up to leader_durable. The rest are
 * optional; without become_follower the strategy serves single-replica
 * partitions only (the core refuses to make it follow). */
#ifndef BROOK_REPLICATION_H
#define BROOK_REPLICATION_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "types.h"

/* A partition's leadership as the controller decided it: valid during the
 * call that passes it. */
typedef struct brook_leadership {
    int32_t leader;       /* broker id; -1 when there is none */
    int32_t leader_epoch; /* grows with every new leader */
    const int32_t *replicas;
    int32_t replica_count;
    const int32_t *isr; /* the in-sync replicas the controller recorded */
    int32_t isr_count;
    /* The version of this partition's record at the controller (bumped by
     * every leader or ISR change): an ISR change request names it, so a
     * request made from stale knowledge is refused, not applied. */
    int32_t partition_epoch;
    uint64_t reserved[4];
} brook_leadership;
BROOK_ABI_PIN_SIZE(brook_leadership, 72);

/* Completion of request_isr_change: BROOK_OK and the leadership now in
 * force (newer than the change when the controller changed the partition
 * again at once), or why not (BROOK_ERR_AGAIN: the partition changed
 * meanwhile, or the change would bring in a broker that is not a live
 * member of the cluster; `now` is the controller's current record when
 * known, else NULL). */
typedef void (*brook_isr_change_done)(void *arg, brook_err err, const brook_leadership *now);

/* What the core tells a strategy about one partition, and the services it
 * offers it. Valid until partition_close returns; every service takes
 * `partition_handle` first. */
typedef struct brook_replica_ctx {
    uint32_t size; /* sizeof(brook_replica_ctx) in the core: fields added later lie past it */
    const char *topic;
    int32_t partition;
    int32_t local_broker_id;
    void *partition_handle;

    /* Everything below `high_watermark` is committed. Only moves forward
     * while this replica's leadership lasts; may be called from any slot or
     * a timer. On a follower it reports the leader's high watermark (as far
     * as the local log reaches), for its consumers and a later failover. */
    void (*committed)(void *partition_handle, int64_t high_watermark);

    /* The local log: first offset kept, next offset to be written, what the
     * flush policy made durable, and the high watermark. */
    void (*log_offsets)(void *partition_handle, int64_t *log_start, int64_t *log_end, int64_t *durable_end,
                        int64_t *high_watermark);

    /* Where leader epoch `epoch` ends in the local log (KIP-279): the
     * largest local epoch <= `epoch` and the start of the next one (or the
     * log end). BROOK_NO_EPOCH (-1) and -1 for an epoch older than all. */
    void (*epoch_end)(void *partition_handle, int32_t epoch, int32_t *found_epoch, int64_t *end_offset);

    /* Follower: append batches copied from the leader as they are, offsets
     * and leader epochs kept. The first batch must start at the log end
     * (BROOK_ERR_OUT_OF_RANGE otherwise); a batch that fails its checks is
     * BROOK_ERR_CORRUPT and nothing is appended. */
    brook_err (*append_replica)(void *partition_handle, const uint8_t *data, size_t len);

    /* Follower: remove every batch at or after `offset` (a divergent tail).
     * The high watermark drops to the new log end if it was past it.
     * BROOK_ERR_UNSUPPORTED when the storage plugin cannot truncate. */
    brook_err (*truncate)(void *partition_handle, int64_t offset);

    /* Leader: whole batches from `offset` up to the log end (committed or
     * not), for a follower; slices as storage.h's read, released by the
     * caller. */
    brook_err (*read)(void *partition_handle, int64_t offset, size_t max_bytes, brook_slice *slices, size_t max_slices,
                      size_t *n_slices, size_t *bytes);

    /* Leader: ask the controller to record `isr` as the in-sync replicas of
     * the leadership at `partition_epoch`. `done` runs later on the loop,
     * exactly once (also when the partition closes first: BROOK_ERR_SHUTDOWN).
     * The strategy keeps counting only the replicas both sets agree on
     * until `done` says the change is in force. */
    brook_err (*request_isr_change)(void *partition_handle, const int32_t *isr, int32_t isr_count,
                                    int32_t partition_epoch, brook_isr_change_done done, void *arg);

    /* Send `msg` to this partition's strategy on broker `broker_id`
     * (delivered to its peer_message slot, in order, at most once; lost if
     * the link breaks). BROOK_ERR_NOT_FOUND when there is no link to that
     * broker (a single broker has none). */
    brook_err (*send_to_peer)(void *partition_handle, int32_t broker_id, const uint8_t *msg, size_t len);

    /* For the leader_append slot: append the produce `token` now (the core
     * assigns offsets from the log end, stamps `leader_epoch` and carries
     * on to durability and commit), or refuse it with `err`. Exactly one of
     * them, once per token. */
    void (*append_accept)(void *partition_handle, void *token, int32_t leader_epoch);
    void (*append_refuse)(void *partition_handle, void *token, brook_err err);

    /* Since 2.1 (check `size`): the value the partition's topic sets for a
     * topic config, by Kafka's name ("min.insync.replicas"), or NULL when
     * the topic does not set it and the strategy's own option applies.
     * Topic configs may change while the partition is open: ask when the
     * value is needed; the string is valid until the calling slot returns. */
    const char *(*topic_config)(void *partition_handle, const char *name);
} brook_replica_ctx;

typedef struct brook_replication_ops {
    /* Start tracking a partition this broker holds a replica of. The
     * partition is neither leader nor follower until told. */
    brook_err (*partition_open)(void *state, const brook_replica_ctx *ctx, void **replica);
    void (*partition_close)(void *replica);

    /* This replica leads the partition from now on (epoch in `l`); the core
     * has recorded the epoch's start at the log end. */
    brook_err (*become_leader)(void *replica, const brook_leadership *l);

    /* Leader: records [.., log_end) are appended locally (not necessarily
     * durable yet): followers may fetch them. */
    void (*leader_appended)(void *replica, int64_t log_end);

    /* Leader: the flush policy made [.., durable_end) survive a crash on
     * this broker. A single-replica strategy commits here. */
    void (*leader_durable)(void *replica, int64_t durable_end);

    /* ---- optional ---------------------------------------------------- */

    /* This replica follows `l->leader` from now on. */
    brook_err (*become_follower)(void *replica, const brook_leadership *l);

    /* Leader: follower `broker_id` fetched from `fetch_offset`, which proves
     * it holds everything before it (in the current epoch: the core fenced
     * stale epochs and diverged logs before calling). */
    void (*follower_fetched)(void *replica, int32_t broker_id, int64_t fetch_offset);

    /* Follower: the local log now ends at `log_end` after appending from
     * the leader, whose high watermark is `leader_high_watermark`. */
    void (*follower_appended)(void *replica, int64_t log_end, int64_t leader_high_watermark);

    /* May a produce with `acks` go ahead? Asked before the append
     * (after_append 0: BROOK_ERR_NOT_ENOUGH_REPLICAS refuses it untouched)
     * and, for acks=all, once the high watermark covers it (after_append 1:
     * an error answers it although it is committed, Kafka's
     * NOT_ENOUGH_REPLICAS_AFTER_APPEND). NULL: always. */
    brook_err (*produce_check)(void *replica, int16_t acks, int after_append);

    /* A message from this partition's strategy on `from_broker`
     * (ctx->send_to_peer). */
    void (*peer_message)(void *replica, int32_t from_broker, const uint8_t *msg, size_t len);

    /* Consensus strategies: when set, the core does not append a produce
     * itself. It validates the batches, then hands the produce here as
     * `token` (`len` bytes of batches); the strategy answers with
     * ctx->append_accept or ctx->append_refuse, at once or later, and
     * refuses every token still pending before partition_close returns
     * (BROOK_ERR_SHUTDOWN) or when it stops leading (BROOK_ERR_NOT_LEADER).
     * Tokens are handed over in produce order; accept them in that order. */
    void (*leader_append)(void *replica, void *token, size_t len);
} brook_replication_ops;

#endif
