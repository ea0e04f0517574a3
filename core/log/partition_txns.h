/* Transactions as one partition's log sees them (Kafka's KIP-98): which
 * are still open, which ended but whose marker the high watermark has not
 * passed yet (together: the unstable ones, which hold back the last stable
 * offset that read_committed consumers read up to), and which were aborted
 * (their producer id and first and last offsets, so a read_committed
 * consumer can drop their records).
 *
 * Everything here is derived from the log: the producer table
 * (producer_state.h) owns one of these, feeds it as batches and markers
 * are appended, and keeps the aborted list in its snapshots, so a restart
 * rebuilds the rest by replaying the log after the snapshot. */
#ifndef BROOK_CORE_PARTITION_TXNS_H
#define BROOK_CORE_PARTITION_TXNS_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

#include "buf.h"

/* One transaction not yet stable: open (end -1) or ended at a marker the
 * high watermark has not passed. */
typedef struct brook_txn {
    struct brook_txn *newer, *older;
    int64_t producer_id;
    int64_t first_offset;
    int64_t end; /* the marker's offset, or -1 while open */
} brook_txn;

typedef struct brook_aborted_entry {
    int64_t producer_id;
    int64_t first_offset;
    int64_t last_offset; /* the ABORT marker's */
} brook_aborted_entry;

typedef struct brook_txns {
    brook_txn *oldest, *newest;   /* unstable, in order of first offset (appends come in order) */
    brook_aborted_entry *aborted; /* by last offset */
    size_t aborted_count, aborted_cap;
    int64_t longest; /* the most offsets an aborted one spanned (last - first): where a scan may stop */
} brook_txns;

void brook_txns_free(brook_txns *t);

/* A transaction of `producer_id` begins at `first_offset` (after every
 * unstable one's): NULL when out of memory. */
brook_txn *brook_txns_begin(brook_txns *t, int64_t producer_id, int64_t first_offset);

/* `txn` ended with a marker at `marker_offset`; an abort is listed. It
 * stays unstable until brook_txns_first_unstable sees the high watermark
 * pass the marker. BROOK_ERR_NOMEM when the abort could not be listed. */
brook_err brook_txns_end(brook_txns *t, brook_txn *txn, int64_t marker_offset, int aborted);

/* The first offset of the oldest transaction still unstable with the high
 * watermark at `high_watermark` (ended ones whose marker lies below it are
 * let go here), or -1 when none is. */
int64_t brook_txns_first_unstable(brook_txns *t, int64_t high_watermark);

/* Aborted transactions a read of [from, upper) may hold records of: those
 * whose last offset is >= from and whose first offset is < upper, oldest
 * first. `each` is called for each; returns how many. */
size_t brook_txns_aborted_in(const brook_txns *t, int64_t from, int64_t upper,
                             void (*each)(void *arg, const brook_aborted_entry *a), void *arg);

/* Forget aborted transactions wholly before `log_start`. */
void brook_txns_trim(brook_txns *t, int64_t log_start);

/* The aborted list as bytes (count u32, then producer id, first and last
 * offset, i64 each, big-endian), and back (appended to what `t` holds;
 * BROOK_ERR_CORRUPT when the bytes do not parse). *used: bytes read. */
brook_err brook_txns_encode_aborted(const brook_txns *t, brook_buf *out);
brook_err brook_txns_decode_aborted(brook_txns *t, const uint8_t *data, size_t len, size_t *used);

#endif
