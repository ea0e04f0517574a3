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
 * the least recently active one is. A forgotten or new producer's next
 * batch is accepted whatever its sequence. */
#ifndef BROOK_CORE_PRODUCER_STATE_H
#define BROOK_CORE_PRODUCER_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <brook/batch.h>
#include <brook/errors.h>

#include "buf.h"

#define BROOK_PRODUCER_RECENT_BATCHES 5 /* Kafka's max.in.flight.requests.per.connection for idempotence */

typedef struct brook_producers brook_producers;

/* An empty table; NULL when out of memory. `max_producers` >= 1;
 * `expiration_ms` <= 0: never expire by time. */
brook_producers *brook_producers_new(int32_t max_producers, int64_t expiration_ms);
void brook_producers_free(brook_producers *ps);

/* Check a batch before it is appended. BROOK_OK: append it.
 * BROOK_ERR_EXISTS: a duplicate of a batch appended at *dup_base_offset
 * (acknowledge it, do not append). BROOK_ERR_OUT_OF_ORDER_SEQUENCE or
 * BROOK_ERR_INVALID_PRODUCER_EPOCH: refuse it. */
brook_err brook_producers_check(brook_producers *ps, const brook_batch_info *b, int64_t *dup_base_offset);

/* Remember a batch that was appended at `base_offset`, at wall-clock time
 * `now_ms`. Batches without a producer id are ignored. */
void brook_producers_record(brook_producers *ps, const brook_batch_info *b, int64_t base_offset, int64_t now_ms);

size_t brook_producers_count(const brook_producers *ps);

/* What the table knows of one producer, for describing it. */
typedef struct brook_producer_view {
    int64_t id;
    int16_t epoch;
    int32_t last_seq;
    int64_t last_append_ms;
} brook_producer_view;

/* Each producer, most recently active first. */
void brook_producers_each(const brook_producers *ps, void (*each)(void *arg, const brook_producer_view *v), void *arg);

/* The whole table as bytes (appended to `out`), and back: decode adds the
 * encoded producers to `ps` (BROOK_ERR_CORRUPT when the bytes do not parse;
 * `ps` may then hold part of them). The format is versioned by the
 * snapshot file around it. */
brook_err brook_producers_encode(const brook_producers *ps, brook_buf *out);
brook_err brook_producers_decode(brook_producers *ps, const uint8_t *data, size_t len);

#endif
