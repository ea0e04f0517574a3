/* A partition's leader-epoch history: for each leader epoch, the first
 * offset written in it (Kafka's leader-epoch-checkpoint, KIP-101/279). A
 * replica that comes back asks the leader where its last epoch ended and
 * truncates its log there, instead of trusting a high watermark that may
 * be stale; a leader answers a follower's fetch with where their logs
 * diverge.
 *
 * Kept in one small text file per partition, in Kafka's checkpoint format:
 *   0                  (format version)
 *   <count>
 *   <epoch> <start offset>   (one line per epoch, ascending)
 * replaced whole and synced on every change (changes are rare: a new
 * leader, a follower seeing a new epoch, a truncation), or once for a
 * batch of changes (brook_leader_epochs_batch_begin). */
#ifndef BROOK_CORE_LEADER_EPOCHS_H
#define BROOK_CORE_LEADER_EPOCHS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>
#include <brook/types.h>

typedef struct brook_epoch_entry {
    int32_t epoch;
    int64_t start_offset;
} brook_epoch_entry;

typedef struct brook_leader_epochs {
    char *path; /* the checkpoint file (malloc'd: no PATH_MAX per partition); NULL keeps it in memory only */
    brook_epoch_entry *entries;
    size_t count;
    size_t cap;
} brook_leader_epochs;

/* Read `path` (absent: empty history). BROOK_ERR_CORRUPT names nothing:
 * the caller logs the path. An empty `path` keeps the history in memory.
 * On an error nothing is left to free. */
brook_err brook_leader_epochs_load(brook_leader_epochs *le, const char *path);
/* The same in two steps, the first safe on any thread (start-up reads
 * ahead on a helper thread, partition_files.h): the file's text (NULL:
 * errno says why), then the history from it. load_text takes `text`
 * (NULL with the read's errno). */
char *brook_leader_epochs_read(const char *path);
brook_err brook_leader_epochs_load_text(brook_leader_epochs *le, const char *path, char *text, int read_errno);
void brook_leader_epochs_free(brook_leader_epochs *le);

/* The newest epoch, BROOK_NO_EPOCH when none. */
int32_t brook_leader_epochs_latest(const brook_leader_epochs *le);

/* Epoch `epoch` starts at `start_offset`. Ignored unless `epoch` is newer
 * than every known one; an entry starting at or past `start_offset` (an
 * epoch that wrote nothing) is replaced. Persisted before returning. */
brook_err brook_leader_epochs_assign(brook_leader_epochs *le, int32_t epoch, int64_t start_offset);

/* Where `epoch` ends in this log (KIP-279's OffsetsForLeaderEpoch): the
 * largest known epoch <= `epoch` in *found_epoch and the start of the next
 * newer epoch (or `log_end` if there is none) in *end_offset. An epoch
 * older than all known ones: itself, ending where the first known one
 * starts (as Kafka); with no epoch known at all: BROOK_NO_EPOCH and -1. */
void brook_leader_epochs_end_offset(const brook_leader_epochs *le, int32_t epoch, int64_t log_end, int32_t *found_epoch,
                                    int64_t *end_offset);

/* The epoch `offset` was written in: the newest epoch starting at or
 * before it; BROOK_NO_EPOCH when it precedes every known epoch. */
int32_t brook_leader_epochs_at(const brook_leader_epochs *le, int64_t offset);

/* The log was truncated to end at `end_offset`: forget epochs that start
 * at or after it. Persisted when anything changed. */
brook_err brook_leader_epochs_truncate_end(brook_leader_epochs *le, int64_t end_offset);

/* At load, the log ends at `end_offset`: forget epochs that start after
 * it (a crash cut their records). One starting exactly there is kept: the
 * epoch began at the end and wrote nothing yet, which is what becoming
 * leader records anyway; dropping it rewrote (and fsynced) the checkpoint
 * of every empty partition at every start. Persisted when anything changed. */
brook_err brook_leader_epochs_drop_beyond(brook_leader_epochs *le, int64_t end_offset);

/* Many checkpoints changing at once on the loop (a topic's partitions
 * created, or led and followed as the cluster says): between begin and
 * end their writes skip the two fsyncs each (100,000 partitions took
 * minutes), and end makes all of them durable: many (16 or more) with
 * one syncfs of the file system holding `dir` (if that fails, file by
 * file), a few file by file. Nothing else
 * runs on the loop in between, so no record of those epochs is stored
 * before they are durable. Batches nest: the outermost end syncs.
 * BROOK_ERR_IO when a checkpoint could not be made durable (logged). */
void brook_leader_epochs_batch_begin(void);
brook_err brook_leader_epochs_batch_end(const char *dir);

/* Delete the checkpoint file (partition deleted). */
void brook_leader_epochs_remove(const char *path);

#endif
