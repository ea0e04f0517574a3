/* Committed offsets of consumer groups, kept in memory and persisted as an
 * internal log through the storage plugin (like Kafka's
 * __consumer_offsets): every commit appends one RecordBatch whose records
 * are (group, topic, partition) -> (offset, leader epoch, metadata, commit
 * time); a deletion appends a tombstone (null value). At start-up the log
 * is replayed. The log is not a topic: clients never see it.
 *
 * A commit is acknowledged once storage says the batch is durable under the
 * configured flush policy, and only then becomes visible to fetches.
 *
 * Compaction (offsets_compact.c) keeps the log from growing for ever: the
 * live entries are written into the other partition (0 or 1) between a
 * "snapshot begins" and a "snapshot ends" marker of a new generation; once
 * that is durable, the old partition is removed. At start-up the partition
 * with the highest complete generation wins, so a crash at any point leaves
 * one whole copy. */
#ifndef BROOK_CORE_OFFSETS_H
#define BROOK_CORE_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include <brook/storage.h>

#include "group.h"

#define BROOK_OFFSETS_LOG          "__consumer_offsets"
#define BROOK_OFFSETS_MAX_METADATA 4096 /* Kafka's offset.metadata.max.bytes */

typedef struct brook_committed {
    int64_t offset;
    int32_t leader_epoch;
    int64_t commit_time_ms; /* wall clock: it is written down, and expiry compares it across restarts */
    char *metadata;         /* bytes (may hold NULs), NUL-terminated after them; NULL: none */
    size_t metadata_len;    /* bytes of metadata */
} brook_committed;

typedef struct brook_offsets brook_offsets;

/* A storage's topic_setting slot (brook_storage_ops). */
typedef brook_err (*brook_offsets_setting_fn)(void *state, void *log, const char *name, const char *value);

/* Open (creating) the internal log and replay it. The log is compacted
 * (its live entries rewritten into a fresh log) once it holds more than
 * `compact_min_records` records and four times as many as live entries.
 * `setting` is the storage's topic_setting slot (NULL when it has none):
 * the log asks to be kept whole (retention.ms and retention.bytes -1), so
 * only that compaction ever drops an entry, never the storage's retention. */
brook_err brook_offsets_open(const brook_storage_ops *so, brook_offsets_setting_fn setting, void *storage_state,
                             int64_t compact_min_records, brook_offsets **out);
void brook_offsets_close(brook_offsets *o);

/* The committed offset, or NULL. */
const brook_committed *brook_offsets_get(const brook_offsets *o, const char *group, const char *topic,
                                         int32_t partition);

/* One commit entry; a NULL `committed` is a deletion. */
typedef struct brook_offset_change {
    const char *topic;
    int32_t partition;
    const brook_committed *committed;
} brook_offset_change;

typedef void (*brook_offsets_done)(void *arg, brook_err err);

/* Append the changes as one batch, committed at `now_ms` (wall clock);
 * `done` runs once durable (or failed), and the changes are visible from
 * then on. Nothing is copied from `changes` after the call returns. */
void brook_offsets_commit(brook_offsets *o, const char *group, const brook_offset_change *changes, size_t count,
                          int64_t now_ms, brook_offsets_done done, void *arg);

/* A transactional producer's commit (TxnOffsetCommit): written as its
 * transactional batch; `done` once as durable as a commit; the offsets
 * become committed ones when its transaction commits, and go when it
 * aborts (brook_offsets_end_txn, _txn_ended). `txn_guard` goes to an
 * external log's append (below). */
void brook_offsets_txn_commit(brook_offsets *o, const char *group, int64_t producer_id, int16_t epoch,
                              int64_t txn_guard, const brook_offset_change *changes, size_t count, int64_t now_ms,
                              brook_offsets_done done, void *arg);

/* A single broker's transaction coordinator ends a producer's transaction
 * in this log: a marker written (txn_marker.h); once durable its pending
 * offsets are committed or dropped, then `done`. */
void brook_offsets_end_txn(brook_offsets *o, int64_t producer_id, int16_t epoch, int commit, int32_t coordinator_epoch,
                           brook_offsets_done done, void *arg);

/* Whether a transaction not yet ended committed an offset of the group's
 * partition (OffsetFetch's require_stable waits for it). */
int brook_offsets_has_pending(const brook_offsets *o, const char *group, const char *topic, int32_t partition);

/* In a cluster the marker was appended to the __consumer_offsets
 * partition of the groups `pick` picks: their pending offsets of the
 * producer are committed or dropped. */
void brook_offsets_txn_ended(brook_offsets *o, int64_t producer_id, int commit,
                             int (*pick)(void *arg, const char *group), void *arg);

/* Committed offsets kept in a log the caller owns (a cluster's replicated
 * __consumer_offsets): the map starts empty and is filled with
 * brook_offsets_load_batch; each commit is one batch (the format above)
 * handed to `append`, which copies it and calls `done` once it is safe
 * (for a cluster: replicated); the entries are visible from then on. A
 * transactional commit's batch comes with the txn_guard its caller gave
 * (the producer's last marker in that log when its coordinator confirmed
 * the transaction): the log refuses it if a marker came since. */
typedef void (*brook_offsets_append_fn)(void *ctx, const char *group, const uint8_t *batch, size_t len,
                                        int64_t txn_guard, brook_offsets_done done, void *done_arg);
brook_err brook_offsets_open_external(brook_offsets_append_fn append, void *ctx, brook_offsets **out);

/* Apply one RecordBatch of such a log (read back when this broker starts
 * coordinating its groups, which `pick` picks: a transaction marker read
 * ends the producer's pending offsets of those only). */
void brook_offsets_load_batch(brook_offsets *o, const uint8_t *batch, size_t len,
                              int (*pick)(void *arg, const char *group), void *arg);

/* Forget every entry of the groups (and transactional ids) `drop` picks
 * (their coordinator moved to another broker; the log keeps them). */
void brook_offsets_forget(brook_offsets *o, int (*drop)(void *arg, const char *group), void *arg);

/* Every committed entry of a group, in no particular order. */
typedef void (*brook_offsets_each_cb)(void *arg, const char *topic, int32_t partition, const brook_committed *c);
void brook_offsets_each(const brook_offsets *o, const char *group, brook_offsets_each_cb cb, void *arg);

/* Groups' pasts (group.h), kept in the same log under the group's own
 * key: written down, or forgotten (NULL), at once and visible at once.
 * One lost makes an empty group's offsets expire later, as if it had been
 * empty only since the restart (never sooner), or a stable group's members
 * rebalance after it; the leader's SyncGroup waits for `done` (as durable as
 * a commit; called once, maybe before this returns; a past too large to
 * write is forgotten instead and is done then). */
void brook_offsets_remember(brook_offsets *o, const char *group, const brook_group_past *past);
void brook_offsets_remember_then(brook_offsets *o, const char *group, const brook_group_past *past,
                                 brook_offsets_done done, void *arg);
const brook_group_past *brook_offsets_past(const brook_offsets *o, const char *group);
typedef void (*brook_offsets_past_cb)(void *arg, const char *group, const brook_group_past *past);
void brook_offsets_each_past(const brook_offsets *o, brook_offsets_past_cb cb, void *arg);
/* Forget (with tombstones) the pasts of empty groups without offsets among
 * those `pick` picks (NULL: all): left over by a crash between a past and
 * the commit it came with, or between the last tombstones of a group and
 * its past's. A stable group's past stays: it needs no offsets. */
void brook_offsets_drop_stale_pasts(brook_offsets *o, int (*pick)(void *arg, const char *group), void *arg);

/* Transaction coordinators' state (txn_meta.h, offsets_txns.c), kept in
 * the same log under the transactional id: `done` runs once it is as
 * durable as a commit (in a cluster: replicated), and it is visible from
 * then on (NULL forgets the id). Called once, maybe before this returns. */
struct brook_txn_meta;
const struct brook_txn_meta *brook_offsets_txn(const brook_offsets *o, const char *id);
void brook_offsets_write_txn(brook_offsets *o, const char *id, const struct brook_txn_meta *m, brook_offsets_done done,
                             void *arg);
typedef void (*brook_offsets_txn_cb)(void *arg, const char *id, const struct brook_txn_meta *m);
void brook_offsets_each_txn(const brook_offsets *o, brook_offsets_txn_cb cb, void *arg);

/* Groups with at least one committed offset. */
int brook_offsets_has_group(const brook_offsets *o, const char *group);
typedef void (*brook_offsets_group_cb)(void *arg, const char *group);
void brook_offsets_each_group(const brook_offsets *o, brook_offsets_group_cb cb, void *arg);
/* The groups with committed offsets, their names copied (for callers that
 * change offsets while going through them); as many as memory allowed,
 * *count of them. Free with brook_offsets_free_group_names. */
char **brook_offsets_group_names(const brook_offsets *o, size_t *count);
void brook_offsets_free_group_names(char **names, size_t count);
/* The topics with committed offsets in any group, the same way (free with
 * brook_offsets_free_group_names). */
char **brook_offsets_topic_names(const brook_offsets *o, size_t *count);

/* Forget the offsets of a group that `pick` picks: tombstones are
 * appended, visible at once, durable by `done` (which runs at once, with
 * BROOK_OK, when none was picked). Returns how many were picked (0 also
 * when memory ran out: `done` then says BROOK_ERR_NOMEM). */
typedef int (*brook_offsets_pick)(void *arg, const char *topic, int32_t partition, const brook_committed *c);
size_t brook_offsets_delete_picked(brook_offsets *o, const char *group, brook_offsets_pick pick, void *pick_arg,
                                   brook_offsets_done done, void *arg);
/* Forget every offset of a group / of a topic in every group (tombstones
 * are appended; visible at once, durable by `done`). `emptied` (may be
 * NULL) is told each group the topic's offsets were the last of. */
void brook_offsets_delete_group(brook_offsets *o, const char *group, brook_offsets_done done, void *arg);
void brook_offsets_delete_topic(brook_offsets *o, const char *topic, brook_offsets_group_cb emptied, void *arg);

#endif
