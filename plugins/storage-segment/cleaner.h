/* storage-segment's log cleaner (compaction), shared by its two halves:
 * cleaner.c on the event loop (choosing a log, pinning its segments,
 * stepping the work, applying finished segments to the log) and
 * clean_work.c on an I/O thread (reading, filtering, writing, and the
 * crash-safe replacement of segment files).
 *
 * One cleaning runs at a time per backend, in steps of a few MiB so an
 * I/O thread is never held long and the I/O rate can be bounded between
 * steps. A cleaning covers the log's closed, committed segments that are
 * old enough (min.compaction.lag.ms): first it maps each key of the dirty
 * part (records since the last cleaning) to its latest offset, then it
 * rewrites the segments from the log start, group by group (consecutive
 * segments up to segment.bytes), keeping what the map does not supersede.
 *
 * Replacing a group's files (crash-safe at every point):
 *   1. <base>.cleaned is written and fdatasync'ed;
 *   2. renamed to <base>.<end>.swap, the directory synced: from here the
 *      group is decided, and a start-up finishes it;
 *   3. the sources' index files and the sources' .log files other than
 *      <base>.log are unlinked, the directory synced;
 *   4. <base>.<end>.swap renamed over <base>.log, the directory synced;
 *   5. the new index files written.
 * At open (cleaner_recover): .cleaned files are dropped; a .swap deletes
 * every segment with a base in [base, end) and takes <base>.log's place.
 *
 * The loop never reads a file by name while the worker replaces it: the
 * sources stay pinned with open descriptors and loaded indexes until the
 * group is applied. Anything else that changes the log's segments
 * (truncate, delete_before, retention, close) first calls cleaner_settle:
 * groups whose files are replaced are applied, the rest is dropped. */
#ifndef BROOK_SEG_CLEANER_H
#define BROOK_SEG_CLEANER_H

#include <pthread.h>

#include "segstore.h"

#define CLEAN_STEP_BYTES ((uint64_t)8 << 20) /* bytes read and written per step, at most */

typedef struct clean_src {
    segment *s; /* pinned for the cleaning */
    int fd;
    int64_t base, next;
    uint64_t size;
} clean_src;

/* A group whose files are replaced, waiting to be applied on the loop. */
typedef struct clean_group {
    struct clean_group *next;
    size_t first, end; /* sources [first, end) */
    int64_t base, next_offset;
    uint64_t size;
    int64_t max_ts;
    index_entry *idx;
    size_t nidx;
} clean_group;

typedef enum clean_phase { PHASE_MAP, PHASE_WRITE, PHASE_END } clean_phase;

typedef struct clean_job {
    backend *be;
    plog *l; /* a reference held until the job ends */
    char dir[PATH_MAX - 64];

    /* the loop and the worker: */
    pthread_mutex_t lock;
    int aborted;        /* under lock: the loop changed the log, no more file replacements */
    clean_group *ready; /* under lock: replaced, not yet applied */

    /* fixed at the start */
    clean_src *src;
    size_t nsrc;
    int64_t dirty_from; /* the previous cleaning's end: records at or after it are dirty */
    int64_t now_ms;
    int64_t delete_horizon_ms; /* tombstones in batches older than this go */
    int64_t segment_bytes, index_interval;
    uint64_t step_limit; /* CLEAN_STEP_BYTES, or a tenth of a second at the I/O rate bound */

    /* the worker's, between steps */
    clean_phase phase;
    offset_map *keys;      /* key -> latest offset in [dirty_from, map_end) */
    offset_map *producers; /* producer id -> base offset of its last batch there */
    int64_t map_end;
    size_t seg; /* cursor: source index and byte position */
    uint64_t pos;
    size_t clean_end; /* sources [0, clean_end) are rewritten */
    size_t group_end; /* the group being written: sources [seg's group start, group_end) */
    size_t group_first;
    int out_fd;
    uint64_t out_size;
    uint64_t since_index;
    int64_t out_max_ts;
    index_entry *idx;
    size_t nidx, idx_cap;
    uint8_t *out_buf;
    size_t out_len, out_cap;
    uint8_t *in_buf;
    size_t in_cap;
    int64_t tombstones_due_ms; /* earliest time a kept tombstone may go, INT64_MAX none */

    /* one step's outcome */
    uint64_t step_bytes; /* read and written */
    uint64_t step_read, step_written;
    brook_err err;
    char why[PATH_MAX + 256]; /* a path and what failed with it: never cut */

    /* totals, for the log line and metrics */
    uint64_t bytes_read, bytes_written;
    int64_t records_removed;
    int64_t started_ms;
} clean_job;

/* clean_work.c: one step of the job (on an I/O thread). */
void clean_step(clean_job *j);
/* Drop what an unfinished group left behind (on an I/O thread or at end). */
void clean_discard_output(clean_job *j);

#endif
