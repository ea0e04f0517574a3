/* One partition this broker holds: its storage log, its replication
 * bookkeeping, the high watermark, and the requests waiting on it (long-poll
 * fetches wanting data, acks=all produces wanting the high watermark). */
#ifndef BROOK_CORE_PARTITION_H
#define BROOK_CORE_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#include <brook/replication.h>

#include "topics.h"

struct brook_broker;
struct brook_req;

typedef struct brook_waiter brook_waiter;
struct brook_waiter {
    brook_waiter *prev, *next;
    struct brook_partition *part; /* NULL when not registered */
    int64_t target;               /* wake once the high watermark reaches this */
    void (*wake)(brook_waiter *w);
    struct brook_req *req;
    void *data;
};

struct brook_partition {
    struct brook_broker *broker;
    brook_topic *topic;
    int32_t index;
    void *log;
    void *replica;
    brook_replica_ctx rctx;
    int32_t replicas[1];
    int64_t high_watermark;
    int closing;
    brook_waiter waiters;              /* list head */
    struct brook_producers *producers; /* idempotent producer state (producer_state.h) */
    int64_t snapshot_offset;           /* log end of its newest snapshot, or where replay began */
    uint64_t bytes_since_snapshot;
    int64_t replay_clock_ms; /* the wall clock while replaying the log at open */
};

brook_err brook_partition_open(struct brook_broker *b, brook_topic *topic, int32_t index, int create,
                               brook_partition **out);

/* Close storage and replication; registered waiters are detached and woken
 * (they will find the partition gone). Its producer-state snapshot is
 * brought up to the log end, unless `removing`: the partition is being
 * deleted (its topic entry may be gone already), and the caller removes
 * its storage and, with the function below, its producer state. */
void brook_partition_close(brook_partition *p, int removing);
void brook_partition_remove_producer_state(struct brook_broker *b, const char *topic, int32_t index);

/* Check every batch of [data, data+len) (whole batches only, magic 2, CRC,
 * at least one record), assign offsets from the log end by rewriting each
 * baseOffset in place, and append. *base_offset and *last_offset span what
 * was appended. `error_message` explains a refusal. A retried batch of an
 * idempotent producer is not appended again: *duplicate is set and the
 * offsets are those of the first time. */
brook_err brook_partition_append(brook_partition *p, uint8_t *data, size_t len, int64_t *base_offset,
                                 int64_t *last_offset, const char **error_message, int *duplicate);

brook_err brook_partition_offsets(brook_partition *p, int64_t *log_start, int64_t *log_end);
/* Bytes the partition's log holds; BROOK_ERR_UNSUPPORTED when the storage
 * plugin does not say. */
brook_err brook_partition_size(brook_partition *p, uint64_t *bytes);

void brook_partition_wait(brook_partition *p, brook_waiter *w);
void brook_partition_unwait(brook_waiter *w);

/* The replication plugin's commit callback. */
void brook_partition_committed(void *partition, int64_t high_watermark);

#endif
