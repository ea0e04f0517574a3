/* Brook SDK: storage plugins (kind BROOK_PLUGIN_STORAGE).
 *
 * A storage backend keeps partition logs. Two levels, as in SQLite's VFS:
 *   the backend     the plugin's `state` from init (one per broker);
 *   a partition log one open handle per topic-partition, from `open`.
 *
 * What the core guarantees a backend:
 *   - every batch given to `append` passed brook_batch_ops.check, carries its
 *     final offsets (baseOffset rewritten) and starts at the log end offset,
 *     or past it when a follower copies a compacted log (offsets only ever
 *     grow; the gaps are records the leader's cleaner took away);
 *   - all calls come from the event-loop thread that owns the partition
 *     (but `prefetch`, which only reads);
 *   - a handle is not used after `close`, and `remove` is only called on a
 *     partition that is closed.
 * What a backend guarantees the core:
 *   - `append` is visible to `read` as soon as it returns;
 *   - `when_durable` calls back only once the configured flush policy has
 *     made every byte appended so far survive a crash (kill -9, power loss
 *     for fsync-based policies), and the core acknowledges producers only then;
 *   - slices returned by `read` stay valid until released, even if the
 *     partition is truncated, closed or removed in between.
 *
 * Slots up to and including `read` are required; the ones after it are
 * optional (a backend without them leaves them NULL and the core answers
 * "unsupported"). Slots are only ever added at the end, in later minor
 * versions; the core checks optional ones with BROOK_HAS_SLOT. */
#ifndef BROOK_STORAGE_H
#define BROOK_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "types.h"

/* Called once per partition found by `list`. */
typedef void (*brook_storage_list_cb)(void *arg, const char *topic, int32_t partition);

/* Completion of `when_durable`: err is BROOK_OK or why the data could not be
 * made durable (BROOK_ERR_IO, BROOK_ERR_NO_SPACE). */
typedef void (*brook_storage_durable_cb)(void *arg, brook_err err);

/* Completion of `prepare_read` (since 2.8) and `prepare_timestamp` (since
 * 2.9): BROOK_OK once what the call needed is at hand, BROOK_ERR_SHUTDOWN
 * when the log closed first, or why it could not be had (the call then
 * waits for it, or answers the error). */
typedef void (*brook_storage_ready_cb)(void *arg, brook_err err);

typedef struct brook_storage_ops {
    /* Open the log of `topic`/`partition`, creating it empty when `create`
     * is non-zero. BROOK_ERR_NOT_FOUND when absent and !create. On success
     * *log is the handle for every other call. May recover (validate the
     * tail, rebuild indexes) before returning. */
    brook_err (*open)(void *state, const char *topic, int32_t partition, int create, void **log);

    /* Flush what the policy still owes and release the handle. Pending
     * `when_durable` callbacks are called (with their result) before close
     * returns. Slices already handed out stay valid until released. */
    void (*close)(void *log);

    /* Delete a closed partition's data for good. BROOK_ERR_NOT_FOUND if it
     * has none. */
    brook_err (*remove)(void *state, const char *topic, int32_t partition);

    /* Enumerate the partitions the backend holds (e.g. on disk) so the core
     * can reconcile them with its topic registry at start-up. */
    brook_err (*list)(void *state, brook_storage_list_cb cb, void *arg);

    /* The log start offset (first offset still kept) and the log end offset
     * (the offset the next appended record will get). */
    brook_err (*offsets)(void *log, int64_t *log_start, int64_t *log_end);

    /* Append one or more complete, checked batches, [data, data+len), in
     * offset order from the log end offset on (equal to it, or past it for a
     * compacted log's copy: read must then skip the gap). The bytes are copied (or
     * written) before returning; `data` is not kept. Errors leave the log as
     * it was: BROOK_ERR_IO, BROOK_ERR_NO_SPACE, BROOK_ERR_TOO_LARGE. */
    brook_err (*append)(void *log, const uint8_t *data, size_t len);

    /* Call `cb(arg, err)` once everything appended so far is durable under
     * the backend's flush policy. May call it before returning (a backend
     * without durability, or a policy already met). */
    void (*when_durable)(void *log, brook_storage_durable_cb cb, void *arg);

    /* Force everything appended to stable storage now (may block). */
    brook_err (*flush)(void *log);

    /* Read whole batches starting with the one that contains `offset`, in
     * order, stopping before the first batch whose last offset is
     * >= `max_offset` (exclusive bound: the high watermark) and before the
     * batch that would take the total past `max_bytes` - except that the
     * first batch is always returned whole, however large, so a consumer can
     * make progress. A backend may stop sooner, after the first batch and
     * at a batch boundary, rather than wait for its disk (read runs on the
     * event loop; the caller reads on from there next time). Writes at
     * most `max_slices` slices and sets *n_slices and *bytes (their total
     * length). The caller releases each slice; file slices not in the
     * page cache are read in on an I/O thread before they are sent.
     * offset == log end: no slices, BROOK_OK. offset < log start or > log
     * end: BROOK_ERR_OUT_OF_RANGE. */
    brook_err (*read)(void *log, int64_t offset, int64_t max_offset, size_t max_bytes, brook_slice *slices,
                      size_t max_slices, size_t *n_slices, size_t *bytes);

    /* Remove every batch whose last offset is >= `offset`; the log end
     * becomes the end of the last batch kept. Used when a follower's log
     * diverged from its leader. */
    brook_err (*truncate)(void *log, int64_t offset);

    /* The offset of the first record whose timestamp is >= `timestamp`,
     * and that record's timestamp (Kafka's ListOffsets by time; a backend
     * that cannot look inside a compressed batch may answer with the
     * batch's base offset and max timestamp). BROOK_ERR_NOT_FOUND when no
     * record is that late. */
    brook_err (*offset_for_timestamp)(void *log, int64_t timestamp, int64_t *offset, int64_t *found_timestamp);

    /* Bytes of batches the log holds now (what size-based retention
     * counts), for the broker's per-partition size metric. Optional. */
    brook_err (*size)(void *log, uint64_t *bytes);

    /* Since 2.1, optional (as SQLite's xFileControl): a topic's own setting,
     * by its Kafka topic config name ("retention.ms", "segment.bytes", ...),
     * the value as text and already checked as that config's type by the
     * broker; a NULL value: back to this backend's own option. With `log`
     * NULL the backend only says whether it would take it (for a topic
     * being created or changed); with an open log it applies it from now
     * on (the broker calls it after `open` for each setting the topic has,
     * and again when one changes). BROOK_ERR_UNSUPPORTED: not a setting
     * this backend has (the broker refuses it for topics on it);
     * BROOK_ERR_INVALID: a value it cannot take. */
    brook_err (*topic_setting)(void *state, void *log, const char *name, const char *value);

    /* Since 2.1, optional: move the log start to `offset`, everything
     * before it gone for readers (Kafka's DeleteRecords, and a follower
     * that fell behind its leader's log start). An offset past the log end
     * empties the log: it starts and ends at `offset`, and the next append
     * must start there. At or before the log start: nothing changes. The
     * new start survives a restart; whole segments (or the like) before it
     * may go at once. */
    brook_err (*delete_before)(void *log, int64_t offset);

    /* Since 2.2, optional: the partition's high watermark is now `offset`:
     * every record below it is committed (acknowledged under the topic's
     * replication), those at or past it may still be truncated. Called
     * after `open` and whenever it moves (also down, after a truncation).
     * A backend doing background work that must only ever touch committed
     * records (compaction: keeping the latest record per key must not
     * drop a value for one that a truncation may take back) bounds it with
     * this; until the first call nothing is committed. */
    void (*committed)(void *log, int64_t offset);

    /* Since 2.3, optional: the largest timestamp of the log's batches
     * (their max timestamps), -1 when it is empty. With
     * offset_for_timestamp it finds the record of the largest timestamp
     * (Kafka's MAX_TIMESTAMP); a backend without it answers that with
     * UNSUPPORTED. Keep it at hand: it is asked per request, on the loop. */
    brook_err (*max_timestamp)(void *log, int64_t *timestamp);

    /* Since 2.8, optional: get ready for a `read` at `offset` without the
     * event loop waiting for the disk. BROOK_OK: a read there needs nothing
     * the backend does not hold (read at once). BROOK_ERR_AGAIN: it needs
     * something (a sealed segment's index) the backend is now bringing in
     * off the loop; `cb(arg, err)` is then called once, on the event loop
     * and never before this returns: when it is in (read then), or from
     * `close` with BROOK_ERR_SHUTDOWN. Any other answer: read anyway. The
     * core asks before a fetch's read and answers a partition that is
     * getting ready with no records, waking the fetch when it is; a core
     * that does not ask gets reads that bring it in themselves, waiting. */
    brook_err (*prepare_read)(void *log, int64_t offset, brook_storage_ready_cb cb, void *arg);

    /* Since 2.8, optional: bring what `open` of this partition will read
     * (its directory, the parts of its files that open reads) into the page
     * cache, so that opening it does not wait for the disk. The one call
     * not made from the event loop: at start-up the core calls it from
     * several helper threads at once, ahead of the opens, in the order they
     * will come, concurrently with them; so it reads files and nothing
     * else: it changes nothing and touches no state but the backend's
     * settings. A partition it does not hold: nothing to do. */
    void (*prefetch)(void *state, const char *topic, int32_t partition);

    /* Since 2.9, optional: get ready for offset_for_timestamp(timestamp)
     * without the event loop waiting for the disk, as prepare_read does
     * for read. BROOK_OK: the lookup needs nothing the backend does not
     * hold (look up at once). BROOK_ERR_AGAIN: it needs something (an
     * index, the batch headers and the batch the time falls in) that the
     * backend now brings in off the loop; `cb(arg, err)` is then called
     * once, on the event loop and never before this returns: when it is
     * in, or from `close` with BROOK_ERR_SHUTDOWN. The log may have
     * changed meanwhile, so the core asks again then. Any other answer:
     * look up anyway. The core asks before ListOffsets' lookups by time
     * and answers that request once every partition of it is ready; a
     * core that does not ask gets lookups that wait. */
    brook_err (*prepare_timestamp)(void *log, int64_t timestamp, brook_storage_ready_cb cb, void *arg);
} brook_storage_ops;

#endif
