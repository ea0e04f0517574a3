/* Snapshots of one partition's idempotent producer state, so that a
 * restart reads the newest snapshot and replays only the log after it
 * (Kafka's producer-state snapshots, taken here every so many appended
 * bytes and at a clean close rather than at segment roll, which only the
 * storage plugin sees).
 *
 * <dir>/<offset, 20 digits>.snapshot holds the table as it was when the
 * log ended at <offset>. Written to a temporary file and renamed, so never
 * half there; checked by a CRC32C when read (a damaged one is skipped and
 * an older one used); the newest two are kept. Not synced: a snapshot lost
 * to a power cut only means a longer replay. */
#ifndef BROOK_CORE_PRODUCER_SNAPSHOT_H
#define BROOK_CORE_PRODUCER_SNAPSHOT_H

#include <stdint.h>

#include <brook/errors.h>

#include "producer_state.h"

/* Write `ps` as of log end `offset`, then drop all but the newest two. */
brook_err brook_producer_snapshot_write(const char *dir, int64_t offset, const brook_producers *ps);

/* Delete the snapshots past `log_end` (they describe records a crash took
 * from the log's tail), then load the newest readable one into a new table
 * (*ps, with the given limits) and set *offset to where it stands. No
 * snapshot: *ps empty and *offset -1. BROOK_ERR_NOMEM only. */
brook_err brook_producer_snapshot_load(const char *dir, int64_t log_end, int32_t max_producers, int64_t expiration_ms,
                                       brook_producers **ps, int64_t *offset);

/* Loading in two steps, the first safe on any thread (start-up reads
 * ahead on a helper thread, partition_files.h): list the directory and read
 * its newest snapshot's bytes, changing nothing; then load from the listing
 * as brook_producer_snapshot_load does (deleting what it deletes), which
 * frees the listing's bytes. */
#define BROOK_SNAPSHOTS_LISTED 64
typedef struct brook_snapshot_listing {
    int64_t offsets[BROOK_SNAPSHOTS_LISTED]; /* newest first */
    size_t n;
    int has_temporary; /* a crashed write's temporary file is there */
    uint8_t *newest;   /* offsets[0]'s bytes, when read at listing */
    size_t newest_len;
    brook_err newest_err; /* reading them failed */
} brook_snapshot_listing;
void brook_producer_snapshot_list(const char *dir, brook_snapshot_listing *l);
brook_err brook_producer_snapshot_load_listed(const char *dir, brook_snapshot_listing *l, int64_t log_end,
                                              int32_t max_producers, int64_t expiration_ms, brook_producers **ps,
                                              int64_t *offset);
void brook_producer_snapshot_listing_free(brook_snapshot_listing *l);

/* Remove the directory and every snapshot in it (topic deleted). */
void brook_producer_snapshot_remove(const char *dir);

#endif
