/* storage-segment: Kafka-style log segments on local disk.
 *
 * <dir>/<topic>-<partition>/
 *     00000000000000000000.log        batches, as received, offsets assigned
 *     00000000000000000000.index      sparse: (offset - base: u32, position: u32), big-endian
 *     00000000000000000000.timeindex  (max timestamp before that batch: i64, offset - base: u32),
 *                                     then a last entry (segment max timestamp, next offset - base)
 *
 * The last segment of a partition is "active": appends go there, and its
 * index lives in memory. At open it is rebuilt by the recovery scan, which
 * validates every batch, unless the segment was closed cleanly: a clean
 * close writes the index files of an active segment too large for one
 * recovery read, and the next open trusts them when the data directory's
 * clean-shutdown marker says every file was on disk when the broker stopped
 * (clean_shutdown.c), reading only the batch headers after the last entry.
 * Older segments are "sealed": at roll their data is fdatasync'ed and then
 * their index files are written, so a sealed segment with index files is
 * known complete and is trusted at start-up.
 *
 * The pieces: segment.c (one segment: files, index, scanning, recovery),
 * fdcache.c (bounded open files), index_cache.c (sealed segments' indexes
 * within a budget), index_load.c (... read back off the loop), plog.c (a
 * partition's segments: append, truncate, retention, time lookup),
 * log_read.c (reads), durability.c (flush policies, group commit),
 * sync_round.c (interval syncs of many partitions as one, falling due on
 * shared flush ticks), storage_segment.c (the plugin: options, backend,
 * vtable). */
#ifndef BROOK_SEGSTORE_H
#define BROOK_SEGSTORE_H

#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <brook/plugin.h>
#include <brook/storage.h>

#define SEG_NAME_DIGITS 20

/* The recovery scan reads this much at a time; an active segment that fits
 * in one read costs no more to validate than its index files to read. */
#define RECOVERY_READ_BYTES ((size_t)1 << 20)

typedef enum flush_mode {
    FLUSH_ALWAYS,   /* fdatasync before every acknowledgement, shared by concurrent appends */
    FLUSH_INTERVAL, /* fdatasync every flush_ms (or flush_messages); acknowledge after the write or the sync */
    FLUSH_OS,       /* acknowledge after write(): survives a crashed broker, not a crashed machine */
} flush_mode;

typedef struct segment segment;
typedef struct plog plog;

/* What governs one log: the backend's options, or the values its topic
 * sets itself (the topic_setting slot: segment.bytes, retention.ms, ...). */
typedef struct log_settings {
    int64_t segment_bytes;
    int64_t segment_ms;
    int64_t index_interval;
    int64_t retention_bytes;
    int64_t retention_ms;
    /* cleanup.policy: compact (the cleaner keeps the latest record per
     * key), delete (retention deletes old segments), or both */
    int64_t compact;
    int64_t delete_old;
    int64_t min_compaction_lag_ms;
    int64_t max_compaction_lag_ms;
    int64_t delete_retention_ms;
    double min_cleanable_dirty_ratio;
    /* when appends become durable: the backend's flush policy, or the
     * interval policy for a topic that sets flush.ms or flush.messages */
    flush_mode flush;
    int64_t flush_ms;
    int64_t flush_messages;
    int ack_waits_for_sync;
    unsigned flush_set; /* FLUSH_SET_*: what the topic sets itself */
} log_settings;

#define FLUSH_SET_MS       1u
#define FLUSH_SET_MESSAGES 2u

typedef struct backend {
    const brook_host *host;
    char dir[PATH_MAX - 512]; /* room for "/<topic>-<partition>/..." */
    int ack_after_sync;       /* interval policy: acknowledge after the covering sync */
    int64_t cache_keep_bytes; /* page cache kept per partition after a sync, -1 all */
    int64_t retention_check_ms;
    int64_t max_open_files;
    int64_t index_cache_bytes;   /* sealed segments' indexes in memory (index_cache.c) */
    int64_t index_cache_hold_ms; /* ... kept past it while used this recently */
    log_settings defaults;       /* what a log starts with, from the options above */
    int64_t cleaner_check_ms;
    int64_t cleaner_io_bytes_per_second; /* -1: unbounded */
    int64_t cleaner_buffer_bytes;
    struct cleaner *cleaner;
    /* fd cache: segments with an open fd, most recently used first */
    segment *lru_head;
    segment *lru_tail;
    int64_t open_fds;
    /* sealed segments with their index in memory, most recently used first */
    segment *ic_head;
    segment *ic_tail;
    uint64_t ic_bytes;
    plog *logs; /* open partition logs */
    brook_timer *retention_timer;
    uint64_t trash_seq;
    /* interval flush rounds (sync_round.c) */
    int64_t syncfs_min_files; /* a round with this many dirty files syncs the file system; 0 never */
    int fs_fd;                /* the data directory, for syncfs */
    unsigned long long fs_dev;
    uint64_t writes;                /* appends and truncations so far, all logs */
    uint64_t fs_synced_writes;      /* the first that many are on disk (a file-system sync covered them) */
    plog *round_first, *round_last; /* due for the next round */
    size_t round_queued;
    int round_running;
    brook_timer *round_timer;
    struct flush_tick *ticks; /* when partitions written since their last sync fall due */
    _Atomic int syncs_queued; /* partitions' own syncs handed to I/O threads, not yet started */
    brook_metric *m_fsyncs;
    brook_metric *m_syncfs;
    brook_metric *m_fdatasync_seconds; /* each fdatasync of a segment file, timed */
    brook_metric *m_syncfs_seconds;
    brook_metric *m_open_files;
    brook_metric *m_index_bytes; /* sealed segments' indexes in memory */
    brook_metric *m_index_loads; /* sealed segments' indexes read from their files */
    brook_metric *m_truncated_bytes;
    brook_metric *m_validated_bytes;
    /* The last stop was clean (clean_shutdown.c): index files of active
     * segments describe data that is on disk. */
    int clean_start;
    brook_metric *m_deleted_segments;
} backend;

typedef struct index_entry {
    uint32_t rel;   /* batch base offset - segment base */
    uint32_t pos;   /* byte position of the batch */
    int64_t max_ts; /* largest timestamp of the batches before it in the segment, -1 none */
} index_entry;

struct segment {
    backend *be;
    plog *log; /* NULL once no longer part of a log */
    int64_t base;
    int64_t next;   /* offset after the last batch */
    uint64_t size;  /* bytes of whole batches */
    int64_t max_ts; /* largest batch max timestamp, -1 none */
    int64_t created_ms;
    index_entry *idx;
    size_t nidx;
    size_t cap;
    int idx_loaded;
    int idx_loading;      /* an I/O thread is reading its index files (index_load.c) */
    int idx_unreadable;   /* ... and found them missing or corrupt: the next read rebuilds them, waiting */
    uint32_t idx_layout;  /* bumps when the index is rebuilt from the log: a load begun before is stale */
    uint64_t since_index; /* bytes appended since the last index entry */
    int sealed;
    int sealing;              /* its seal job (sync, index files) is still running */
    int dirty;                /* written since its last fdatasync */
    uint64_t uncached;        /* bytes from the start dropped from the page cache by the last sync */
    uint64_t uncached_before; /* ... and by the one before it */
    int fd;
    int pins; /* slices and jobs using the fd */
    segment *lru_prev;
    segment *lru_next;
    segment *ic_prev; /* the index cache's list, while ic_bytes */
    segment *ic_next;
    size_t ic_bytes;
    int64_t ic_used_ms; /* its index's last use (monotonic) */
    char path[];        /* ".../<base>" without extension, allocated with the segment (thousands of
                           partitions hold thousands of segments: no PATH_MAX each) */
};

/* A prepare_read or prepare_timestamp that answered BROOK_ERR_AGAIN,
 * waiting for an index load or a timestamp lookup's read-ahead. */
typedef struct ready_waiter {
    struct ready_waiter *next;
    brook_storage_ready_cb cb;
    void *arg;
} ready_waiter;

typedef struct durable_waiter {
    struct durable_waiter *next;
    brook_storage_durable_cb cb;
    void *arg;
    uint64_t target; /* appended_seq at registration */
} durable_waiter;

struct plog {
    backend *be;
    plog *next_open, *prev_open; /* the backend's open logs */
    char *topic;
    int32_t partition;
    segment **segs;
    size_t nsegs;
    size_t cap;
    int64_t start;
    log_settings set;
    int refs; /* the open handle plus jobs in flight */
    int closed;
    int failed; /* an fdatasync failed: refuse appends until restart */
    /* durability */
    uint64_t appended_seq; /* bumps on every append */
    int created_empty;     /* made by this open, with no segment yet */
    uint64_t synced_seq;
    durable_waiter *waiters;
    durable_waiter *waiters_tail;
    ready_waiter *ready_waiters; /* prepare_* waiting for an index load or read-ahead (index_load.c) */
    int syncing;                 /* a sync is running, or its round is due */
    int dir_dirty;
    int on_data_fs;          /* its directory is on the data directory's file system */
    uint64_t last_write;     /* the backend's write count at its last append or truncation */
    plog *round_next;        /* in the backend's next round */
    struct flush_tick *tick; /* the backend's flush tick it waits on (sync_round.c), or NULL */
    size_t tick_at;          /* ... and its place in that tick's list */
    int64_t unflushed_msgs;
    brook_timer *flush_timer;
    /* flush = "always": what a sync running on an I/O thread reads to chain
     * the next sync itself (durability.c). Written on the loop only. */
    _Atomic uint64_t chain_appended; /* appended_seq, once its bytes are written */
    _Atomic uint64_t chain_wanted;   /* the newest waiter's target */
    _Atomic uint64_t chain_layout;   /* bumps on anything but an append to the active file */
    /* compaction (cleaner.c) */
    int64_t committed;         /* records below it are committed (the high watermark) */
    int64_t clean_offset;      /* the last cleaning's end: records from here on are dirty */
    int64_t tombstones_due_ms; /* the earliest a kept tombstone may go, INT64_MAX none */
    int64_t clean_retry_ms;    /* after a failed cleaning: not before then */
    struct clean_job *cleaning;
    char dir[]; /* ".../<topic>-<partition>", allocated with the log (no PATH_MAX per partition) */
};

/* ---- storage_segment.c --------------------------------------------------- */
/* "delete", "compact", "compact,delete": 1 and the two flags, 0 if neither. */
int cleanup_policy_parse(const char *text, int64_t *compact, int64_t *delete_old);

/* ---- fdcache.c ---------------------------------------------------------- */
/* The segment's fd, opening it (and closing the least recently used unpinned
 * one when max_open_files are open). -1 with errno set on failure. */
int seg_fd(segment *s);
void seg_close_fd(segment *s);
void seg_pin(segment *s);
void seg_unpin(segment *s);
/* The log lets go: freed now or when its last pin goes (or its index
 * load ends: the load keeps the segment, not its fd or index, in use). */
void seg_release(segment *s);
/* Its index load ended (index_load.c): freed now if the log let it go. */
void seg_load_ended(segment *s);

/* ---- index_cache.c ------------------------------------------------------ */
/* A sealed segment's index was loaded or used: most recent now, and the
 * least recently used others dropped from memory past index_cache_bytes. */
void index_cache_use(segment *s);
/* Off the list (freed, or taking appends again). */
void index_cache_forget(segment *s);
/* Back within the budget as far as indexes no longer in use allow (a
 * segment let go by a slice or a job; the retention check). */
void index_cache_trim(backend *be);

/* ---- index_load.c ------------------------------------------------------- */
/* Read a sealed segment's index in on an I/O thread, unless it is in
 * memory or being read already; the log's ready waiters are answered when
 * it is in. Without memory or threads nothing starts (a read then loads it
 * itself, waiting). */
void index_load_start(segment *s);
/* Get s's index in off the loop for a prepare_* call: BROOK_OK when it is
 * in (or left to the caller to load, waiting), BROOK_ERR_AGAIN with
 * cb(arg, err) to come. */
brook_err index_load_prepare(plog *l, segment *s, brook_storage_ready_cb cb, void *arg);
/* storage.h's prepare_read. */
brook_err index_load_prepare_read(plog *l, int64_t offset, brook_storage_ready_cb cb, void *arg);
/* A ready waiter (NULL: no memory), and one put among the log's:
 * answered by index_load_answer; returns BROOK_ERR_AGAIN. */
ready_waiter *index_load_waiter(brook_storage_ready_cb cb, void *arg);
brook_err index_load_wait(plog *l, ready_waiter *w);
/* Answer every ready waiter of the log with `err` (an index came in, or
 * the log closes). */
void index_load_answer(plog *l, brook_err err);

/* ---- segment.c ---------------------------------------------------------- */
segment *seg_new(backend *be, plog *l, int64_t base);
void seg_path(const segment *s, const char *ext, char *out, size_t outlen);
/* Create an empty active segment file. */
brook_err seg_create(segment *s);
/* Account a batch just written at `pos` (index entries, offsets, timestamps). */
brook_err seg_account(segment *s, uint64_t pos, int64_t base, int64_t last, int64_t max_ts, uint64_t size);
/* Scan the whole file, validating every batch (length, magic, CRC32C,
 * offsets in sequence); truncate a damaged tail. Builds the index. */
brook_err seg_recover(segment *s);
/* At a clean close: write the active segment's index files, without a sync
 * (the clean-shutdown marker's file-system sync covers them). */
brook_err seg_save_active_index(const segment *s);
/* At open after a clean stop: load the active segment from the index files
 * its close wrote, reading only the batch headers after the last entry.
 * 0 on success; otherwise the caller recovers it (seg_recover). */
int seg_resume_active(segment *s);
/* Sealed segment: read size and max timestamp; rebuild missing index files. */
brook_err seg_open_sealed(segment *s, int64_t next);
/* Load a sealed segment's index (rebuilding it from the log when corrupt). */
brook_err seg_load_index(segment *s);
/* seg_load_index, and the segment's file open in *fd: ready for a walk. */
brook_err seg_walkable(segment *s, int *fd);
/* A copy of s's position and extent with no index, for reading its index
 * files into off the loop (s must be in a log); NULL without memory. Freed
 * with seg_free_copy. */
segment *seg_copy_for_load(const segment *s);
void seg_free_copy(segment *copy);
/* Parse s's index files into s's in-memory index; 0 when they are there
 * and consistent with its size and end. Touches s and the files only. */
int seg_parse_index_files(segment *s);
/* Rebuild the in-memory index from batch headers, keeping the batches whose
 * last offset is below `until` (INT64_MAX: all); *end (and the segment's
 * size) is where the kept batches end. */
brook_err seg_reindex(segment *s, int fd, int64_t until, uint64_t *end);
/* Position of the index entry at or before `offset`. */
uint64_t seg_lookup(const segment *s, int64_t offset);
/* Write .index and .timeindex from an index snapshot (tmp + rename). */
brook_err seg_write_index_files(const char *path, const index_entry *idx, size_t n, int64_t max_ts, uint32_t end_rel);
void seg_remove_index_files(const segment *s);

/* A batch header read from a segment file. */
typedef struct batch_head {
    int64_t base;
    int64_t last;
    int64_t max_ts;
    int16_t attributes;
    uint32_t size;
} batch_head;

/* Buffered reading of batch headers from one fd. */
typedef struct head_reader {
    int fd;
    uint64_t limit; /* the segment's size */
    uint64_t buf_pos;
    size_t buf_len;
    size_t chunk; /* the next read's size: 4 KiB, doubling to the buffer's */
    int nowait;   /* read only what is in the page cache (log_read.c) */
    uint8_t buf[65536];
} head_reader;

#define READER_END        1 /* reader_head: no batch at pos: the data ends there */
#define READER_WOULD_WAIT 2 /* ... a nowait reader: the header is not in the page cache */

void reader_init(head_reader *r, int fd, uint64_t limit);
/* The header of the batch at `pos`: 0 ok, READER_END, READER_WOULD_WAIT,
 * -1 malformed or unreadable. */
int reader_head(head_reader *r, uint64_t pos, batch_head *h);

/* ---- timestamp_lookup.c ------------------------------------------------- */
brook_err plog_offset_for_timestamp(plog *l, int64_t ts, int64_t *offset, int64_t *found);
/* storage.h's prepare_timestamp. */
brook_err timestamp_prepare(plog *l, int64_t ts, brook_storage_ready_cb cb, void *arg);

/* ---- log_read.c --------------------------------------------------------- */
/* Index in l->segs of the segment holding `offset` (the last with base <= offset). */
size_t plog_find_segment(const plog *l, int64_t offset);

/* ---- plog.c ------------------------------------------------------------- */
/* The backend's own settings, what a log starts with. */
log_settings backend_settings(const backend *be);
brook_err plog_open(backend *be, const char *topic, int32_t partition, int create, plog **out);
void plog_close(plog *l);
void plog_unref(plog *l);
brook_err plog_append(plog *l, const uint8_t *data, size_t len);
brook_err plog_read(plog *l, int64_t offset, int64_t max_offset, size_t max_bytes, brook_slice *slices,
                    size_t max_slices, size_t *n_slices, size_t *bytes);
brook_err plog_truncate(plog *l, int64_t offset);
int64_t plog_end(const plog *l);
void plog_apply_retention(plog *l, int64_t now_ms);
/* The log starts at `offset` from now on (storage.h's delete_before). */
brook_err plog_delete_before(plog *l, int64_t offset);
/* Take a segment out of the log and delete its files off the loop. */
void plog_delete_segment_files(segment *s);

/* ---- prefetch.c --------------------------------------------------------- */
/* storage.h's prefetch, from a start-up helper thread: reads only. */
void plog_prefetch(const backend *be, const char *topic, int32_t partition);

/* ---- clean_shutdown.c ----------------------------------------------------- */
/* At start-up: whether the last stop was clean (sets be->clean_start), and
 * forget it before anything is written. */
void clean_shutdown_take(backend *be);
/* At a stop, after every log closed: sync the file system and leave the
 * marker for the next start. */
void clean_shutdown_mark(backend *be);

/* ---- offset_map.c ------------------------------------------------------- */
typedef struct offset_map offset_map;
/* A map that uses at most `budget` bytes (keys included). */
offset_map *offset_map_new(size_t budget);
void offset_map_free(offset_map *m);
size_t offset_map_count(const offset_map *m);
/* Set key's offset: 1, or 0 when the budget has no room for a new key. */
int offset_map_put(offset_map *m, const uint8_t *key, size_t len, int64_t offset);
/* The key's offset, -1 when absent. */
int64_t offset_map_get(const offset_map *m, const uint8_t *key, size_t len);

/* ---- cleaner.c ----------------------------------------------------------- */
/* Compaction of logs whose cleanup.policy has compact (cleaner.h). */
brook_err cleaner_start(backend *be);
void cleaner_stop(backend *be);
/* Before anything but an append changes a log's segments: segments a
 * cleaning already replaced join the log, the rest of it is dropped. */
void cleaner_settle(plog *l);
/* At open, when the directory holds its files: finish or drop a cleaning
 * that a crash cut short. */
brook_err cleaner_recover(plog *l);
/* Whether a file of that name is one a compaction cut short leaves. */
int cleaner_leftover(const char *name);
/* At open: where the last cleaning ended (exists: its checkpoint file does). */
void cleaner_load_checkpoint(plog *l, int exists);

/* ---- durability.c ------------------------------------------------------- */
/* fdatasync(fd) of a segment file, syncfs of the data file system: timed
 * into the backend's histograms (any thread). 0, or -1 with errno. */
int seg_fdatasync(backend *be, int fd);
int seg_syncfs(backend *be);
void durability_appended(plog *l, int64_t records);
/* The log changed other than by an append (a truncation, a fresh start):
 * the next sync must cover it. Appends go through durability_appended. */
void durability_note_write(plog *l);
void durability_when_durable(plog *l, brook_storage_durable_cb cb, void *arg);
/* The log's flush.ms or flush.messages changed: a deadline set by the old
 * value goes, and unsynced appends fall due by the new one. */
void durability_flush_changed(plog *l);
/* Synchronous: fdatasync every dirty segment (and the directory). */
brook_err durability_flush_now(plog *l);
/* At close: flush now, answer every waiter, stop the timer. */
/* The log's files are about to change (a roll, a truncation, a fresh
 * start): a sync chaining on the active file stops. */
void durability_files_change(plog *l);
brook_err durability_close(plog *l);
/* Seal a segment that stops being active: sync its data, then write its
 * index files, off the loop. */
void durability_seal(segment *s);

/* One dirty file of a sync, and the page cache it may drop once synced. */
typedef struct sync_file {
    segment *s; /* pinned */
    int fd;
    uint64_t drop_from, drop_to;
} sync_file;

/* What one sync owes one partition: taken on the loop, run off it,
 * finished on the loop. */
typedef struct sync_part {
    plog *l;
    sync_file *files;
    size_t n;
    int per_file; /* fdatasync each file (else a file-system sync covers them) */
    int sync_dir;
    uint64_t target; /* appended_seq covered */
    int err;
} sync_part;

size_t sync_part_dirty_files(const plog *l);
/* Mark the log's dirty files clean and syncing; per_file: a descriptor for
 * each (else only for those with page cache to drop). NOMEM: nothing taken. */
brook_err sync_part_take(plog *l, sync_part *p, int per_file);
/* Off the loop: the fdatasyncs (per_file), the page-cache drops. */
void sync_part_run(sync_part *p);
/* On the loop: answer the waiters or fail the log; drops the job's ref. */
void sync_part_finish(sync_part *p);
/* On the loop, after a failed file-system sync: the log syncs its own files. */
void sync_part_retry(sync_part *p);
/* The log cannot sync now (no memory): its waiters are told. */
void sync_part_abandon(plog *l, brook_err err);

/* ---- sync_round.c ------------------------------------------------------- */
/* flush = "interval": the log is due; it syncs with the backend's next round. */
void sync_round_join(plog *l);
/* flush = "interval": the log was written; it falls due with one of the
 * backend's flush ticks, at most flush_ms from now. 0, or -1 (no memory). */
int sync_round_arm(plog *l);
/* The log off the tick it waits on, if any. */
void sync_round_disarm(plog *l);
/* At fini: the rounds and ticks nobody will run. */
void sync_round_stop(backend *be);

/* fsync a directory (its entries: created, renamed, removed files):
 * 0, or the errno (also left in errno). */
int seg_sync_dir(const char *dir);

/* errno -> brook_err for storage failures */
brook_err seg_errno(int err);

#endif
