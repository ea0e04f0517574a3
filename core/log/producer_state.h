/* Idempotent producers, per partition: for each producer id the current
 * epoch, the last sequence number appended and the metadata of its last
 * five batches (as many as a producer may have in flight), so a retried
 * batch is acknowledged again with its first offsets instead of appended
 * twice, and a gap in the sequence is refused.
 *
 * The state lives in memory, is snapshotted to disk (producer_snapshot.h)
 * and rebuilt at start-up from the newest snapshot plus the log after it,
 * so deduplication holds across any number of crashes whatever the batch
 * sizes. Producers are bounded per partition: one idle for longer than
 * the expiration (by the broker's clock) is forgotten, and past the cap
 * the least recently active one is (never one in the middle of a
 * transaction). A forgotten or new producer's next batch is accepted
 * whatever its sequence.
 *
 * Transactions (KIP-98): a transactional batch opens its producer's
 * transaction at its offset unless one is open; a marker (txn_marker.h)
 * ends it. The table keeps the partition's transactions (partition_txns.h)
 * with it, in its snapshots too. */
#ifndef BROOK_CORE_PRODUCER_STATE_H
#define BROOK_CORE_PRODUCER_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <brook/batch.h>
#include <brook/errors.h>

#include "buf.h"
#include "partition_txns.h"

#define BROOK_PRODUCER_RECENT_BATCHES 5 /* Kafka's max.in.flight.requests.per.connection for idempotence */

typedef struct brook_producers brook_producers;

/* An empty table; NULL when out of memory. `max_producers` >= 1;
 * `expiration_ms` <= 0: never expire by time. */
brook_producers *brook_producers_new(int32_t max_producers, int64_t expiration_ms);
void brook_producers_free(brook_producers *ps);

/* Check a batch before it is appended. BROOK_OK: append it.
 * BROOK_ERR_EXISTS: a duplicate of a batch appended at *dup_base_offset
 * (acknowledge it, do not append). BROOK_ERR_OUT_OF_ORDER_SEQUENCE,
 * BROOK_ERR_INVALID_PRODUCER_EPOCH or BROOK_ERR_INVALID_TXN_STATE (a
 * non-transactional batch from a producer in a transaction): refuse it. */
brook_err brook_producers_check(brook_producers *ps, const brook_batch_info *b, int64_t *dup_base_offset);

/* Remember a batch that was appended at `base_offset`, at wall-clock time
 * `now_ms`. Batches without a producer id are ignored; a transactional one
 * opens its producer's transaction if none is open. */
void brook_producers_record(brook_producers *ps, const brook_batch_info *b, int64_t base_offset, int64_t now_ms);

/* Check a transaction marker for `producer_id` before it is appended: an
 * epoch older than the producer's is BROOK_ERR_INVALID_PRODUCER_EPOCH, a
 * coordinator epoch older than the last marker's
 * BROOK_ERR_TRANSACTION_COORDINATOR_FENCED. */
brook_err brook_producers_check_marker(const brook_producers *ps, int64_t producer_id, int16_t producer_epoch,
                                       int32_t coordinator_epoch);

/* Remember a marker appended at `offset` (b: its batch's header): the
 * producer's open transaction ends there (an abort is listed), its epoch
 * becomes the marker's (a newer one fences the older: its next sequence
 * is 0). A marker for a producer without an open transaction changes only
 * that. */
void brook_producers_record_marker(brook_producers *ps, const brook_batch_info *b, int commit,
                                   int32_t coordinator_epoch, int64_t now_ms);

/* Whether `producer_id` has a transaction open here: 1 open, 0 not, -1
 * the producer is unknown here; *last_marker is the offset of its last
 * marker appended here since the table was loaded (-1: none). A
 * transaction's first batch in a partition is taken only if the
 * coordinator confirmed it with no marker since (KIP-890, txn_verify.h). */
int brook_producers_txn_state(const brook_producers *ps, int64_t producer_id, int64_t *last_marker);

/* Learn one appended batch whatever it is (replay, a follower's copy):
 * a marker (parsed from `batch`) or data. */
void brook_producers_learn(brook_producers *ps, const uint8_t *batch, const brook_batch_info *b, int64_t now_ms);

/* The last stable offset with the high watermark at `high_watermark`: the
 * first offset of the oldest transaction not yet ended by a marker below
 * the high watermark, else the high watermark; never below `log_start`. */
int64_t brook_producers_last_stable(brook_producers *ps, int64_t log_start, int64_t high_watermark);

/* The partition's transactions: aborted ones to list to read_committed
 * fetches (partition_txns.h). */
brook_txns *brook_producers_txns(brook_producers *ps);

size_t brook_producers_count(const brook_producers *ps);

/* What the table knows of one producer, for describing it. */
typedef struct brook_producer_view {
    int64_t id;
    int16_t epoch;
    int32_t last_seq;
    int64_t last_append_ms;
    int64_t txn_first_offset;  /* its open transaction's first offset, -1: none */
    int32_t coordinator_epoch; /* its last marker's coordinator epoch, -1: none */
} brook_producer_view;

/* Each producer, most recently active first. */
void brook_producers_each(const brook_producers *ps, void (*each)(void *arg, const brook_producer_view *v), void *arg);

/* The whole table as bytes (appended to `out`), and back: decode adds the
 * encoded producers to `ps` (BROOK_ERR_CORRUPT when the bytes do not parse;
 * `ps` may then hold part of them). The format is versioned by the
 * snapshot file around it: encode writes BROOK_PRODUCERS_FORMAT, decode
 * reads it and 1 (before transactions: no transaction fields, no aborted
 * list). */
#define BROOK_PRODUCERS_FORMAT 2
brook_err brook_producers_encode(const brook_producers *ps, brook_buf *out);
brook_err brook_producers_decode(brook_producers *ps, const uint8_t *data, size_t len, uint32_t format);

#endif
