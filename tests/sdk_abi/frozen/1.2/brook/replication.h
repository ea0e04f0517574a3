/* Brook SDK: replication strategies (kind BROOK_PLUGIN_REPLICATION).
 *
 * The strategy decides when a record appended on the leader is committed,
 * i.e. when the partition's high watermark may move past it. Consumers only
 * see records below the high watermark, and acks=all producers are answered
 * when the high watermark covers their batch.
 *
 * The core owns the log (through storage); the strategy owns the replica
 * bookkeeping (follower positions, in-sync set, leader epochs) and reports
 * commits back through the `brook_replica_ctx` given to partition_open.
 * All calls come from the event-loop thread that owns the partition.
 * Required slots: partition_open, partition_close, leader_appended; the
 * follower and role slots are optional (single-replica strategies). */
#ifndef BROOK_REPLICATION_H
#define BROOK_REPLICATION_H

#include <stdint.h>

#include "errors.h"

/* What the core tells a strategy about one partition, and how the strategy
 * reports back. Valid until partition_close returns. */
typedef struct brook_replica_ctx {
    const char *topic;
    int32_t partition;
    int32_t local_broker_id;
    const int32_t *replicas; /* assigned replica broker ids, leader first */
    int32_t replica_count;

    /* The core's partition; pass it back in the callbacks below. */
    void *partition_handle;
    /* Everything below `high_watermark` is committed. Must never go back;
     * may be called from inside any strategy slot or a timer. */
    void (*committed)(void *partition_handle, int64_t high_watermark);
} brook_replica_ctx;

typedef struct brook_replication_ops {
    /* Start tracking a partition this broker holds a replica of. */
    brook_err (*partition_open)(void *state, const brook_replica_ctx *ctx, void **replica);
    void (*partition_close)(void *replica);

    /* Leader side: the local log now ends at `log_end_offset` and everything
     * before it is durable locally. The strategy calls ctx->committed when
     * enough replicas have it (at once for a single-replica strategy). */
    void (*leader_appended)(void *replica, int64_t log_end_offset);

    /* Leader side: follower `broker_id` fetched from `fetch_offset`, which
     * proves it holds everything before it. */
    void (*follower_fetched)(void *replica, int32_t broker_id, int64_t fetch_offset);

    /* Role changes decided by the controller, with the new leader epoch. */
    brook_err (*become_leader)(void *replica, int32_t leader_epoch);
    brook_err (*become_follower)(void *replica, int32_t leader_broker_id, int32_t leader_epoch);

    /* Follower side: the local log now ends at `log_end_offset` after
     * copying from the leader, whose high watermark is `leader_high_watermark`. */
    void (*follower_appended)(void *replica, int64_t log_end_offset, int64_t leader_high_watermark);
} brook_replication_ops;

#endif
