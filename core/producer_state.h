/* Idempotent producers, per partition: for each producer id the current
 * epoch, the last sequence number appended and the last few batches, so a
 * retried batch is acknowledged again (same offsets) instead of appended
 * twice, and a gap in the sequence is refused.
 *
 * The state lives in memory and is rebuilt at start-up from the log's tail
 * (partition.c: the last 2,000 offsets, at most 512 KiB), so a retry sent
 * across a restart is still recognised. A producer id not seen in that
 * window is unknown, and its next batch is accepted whatever its sequence
 * rather than failing the producer. */
#ifndef BROOK_CORE_PRODUCER_STATE_H
#define BROOK_CORE_PRODUCER_STATE_H

#include <stdint.h>

#include <brook/batch.h>
#include <brook/errors.h>

#define BROOK_PRODUCER_RECENT_BATCHES 5 /* as many as a producer may have in flight */
#define BROOK_PRODUCERS_PER_PARTITION 1024

typedef struct brook_producers brook_producers;

/* Check a batch before it is appended. BROOK_OK: append it.
 * BROOK_ERR_EXISTS: a duplicate of a batch appended at *dup_base_offset
 * (acknowledge it, do not append). BROOK_ERR_OUT_OF_ORDER_SEQUENCE or
 * BROOK_ERR_INVALID_PRODUCER_EPOCH: refuse it. */
brook_err brook_producers_check(brook_producers **ps, const brook_batch_info *b, int64_t *dup_base_offset);

/* Remember a batch that was appended at `base_offset`. */
void brook_producers_record(brook_producers **ps, const brook_batch_info *b, int64_t base_offset);

void brook_producers_free(brook_producers *ps);

#endif
