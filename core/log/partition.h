/* One partition this broker holds: its storage log, its replication
 * bookkeeping, the high watermark, and the requests waiting on it (long-poll
 * fetches wanting data, acks=all produces wanting the high watermark). */
#ifndef BROOK_CORE_PARTITION_H
#define BROOK_CORE_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#include <brook/replication.h>
#include <brook/types.h>

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

/* One produce to one partition, from append to answer. The caller fills
 * the inputs and `done`, then calls brook_partition_produce; the partition
 * checks and appends the batches, waits for durability, tells the
 * replication strategy and, for acks = -1, waits for the commit. `done` is
 * called exactly once (possibly before brook_partition_produce returns),
 * with the outputs set; then the partition no longer touches `a`. */
typedef enum brook_append_stage {
    BROOK_APPEND_LOCAL,   /* validating and appending */
    BROOK_APPEND_DURABLE, /* waiting for storage's flush policy */
    BROOK_APPEND_COMMIT,  /* acks=all: waiting for the high watermark */
    BROOK_APPEND_DONE,
} brook_append_stage;

typedef struct brook_append brook_append;
struct brook_append {
    /* in: RecordBatch v2 bytes (each baseOffset and partitionLeaderEpoch
     * is rewritten in place), the producer's acks (0, 1, -1) */
    uint8_t *data;
    size_t len;
    int16_t acks;
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
    int64_t end;         /* last_offset + 1: what the high watermark must reach */
    int64_t durable_end; /* the log end when durability was asked for */
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

/* Whole batches from `offset` as storage slices, up to the high watermark
 * (what consumers may see), within `max_bytes` except for the first batch.
 * BROOK_ERR_OUT_OF_RANGE outside [log start, log end]; an offset between
 * the high watermark and the log end reads nothing. */
brook_err brook_partition_read(brook_partition *p, int64_t offset, size_t max_bytes, brook_slice *slices,
                               size_t max_slices, size_t *n_slices, size_t *bytes);

/* ListOffsets' answer for `timestamp`: BROOK_OFFSET_EARLIEST (log start),
 * BROOK_OFFSET_LATEST (the high watermark) or the first committed offset
 * of a batch whose max timestamp is >= `timestamp` (*offset -1 when none). */
brook_err brook_partition_offset_for(brook_partition *p, int64_t timestamp, int64_t *offset, int64_t *found_timestamp);

brook_err brook_partition_offsets(brook_partition *p, int64_t *log_start, int64_t *log_end);
/* Bytes the partition's log holds; BROOK_ERR_UNSUPPORTED when the storage
 * plugin does not say. */
brook_err brook_partition_size(brook_partition *p, uint64_t *bytes);

void brook_partition_wait(brook_partition *p, brook_waiter *w);
void brook_partition_unwait(brook_waiter *w);

/* For the partition's own files (log/): the wall clock, and a producer
 * snapshot once enough was appended. */
int64_t brook_wall_clock_ms(void);
void brook_partition_maybe_snapshot(brook_partition *p, size_t appended, int64_t end);

/* The replication plugin's commit callback. */
void brook_partition_committed(void *partition, int64_t high_watermark);

#endif
