/* storage-segment: the plugin. Options, the backend, the vtable, listing
 * and removing partition directories, and the retention timer. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "segstore.h"

static const char *const flush_policies[] = {"always", "interval", "os", NULL};
static const char *const cleanup_policies[] = {"delete", "compact", "compact,delete", "delete,compact", NULL};

static const brook_option options[] = {
    BROOK_OPTION_STRING("dir", "", "directory for partition logs (default: broker.data_dir)"),
    BROOK_OPTION_INT("segment_bytes", "1073741824", "1024", "4294967295",
                     "roll to a new segment when the active one would pass this size"),
    BROOK_OPTION_INT("segment_ms", "604800000", "0", NULL,
                     "roll when the active segment is this old (0: never by age)"),
    BROOK_OPTION_INT("index_interval_bytes", "4096", "1", NULL, "bytes of log between two sparse index entries"),
    BROOK_OPTION_ENUM("flush", "always", flush_policies,
                      "always (fdatasync before ack, group commit), interval, or os"),
    BROOK_OPTION_INT("flush_ms", "1000", "1", NULL, "interval policy: fdatasync this often"),
    BROOK_OPTION_INT("flush_messages", "0", "0", NULL,
                     "interval policy: also fdatasync after this many records (0: off)"),
    BROOK_OPTION_INT("syncfs_min_files", "16", "0", NULL,
                     "interval policy: a flush round with this many dirty files makes one syncfs of the file "
                     "system instead of an fdatasync per file (0: never)"),
    BROOK_OPTION_BOOL("ack_after_sync", "false", "interval policy: acknowledge after the covering fdatasync"),
    BROOK_OPTION_INT("cache_keep_bytes", "-1", "-1", NULL,
                     "after each fdatasync, drop a partition's synced bytes older than its newest this many from the "
                     "page cache; -1: leave caching to the kernel"),
    BROOK_OPTION_INT("retention_bytes", "-1", "-1", NULL,
                     "per partition: delete old segments beyond this size (-1: no limit)"),
    BROOK_OPTION_INT("retention_ms", "604800000", "-1", NULL,
                     "delete segments whose newest record is older (-1: keep forever)"),
    BROOK_OPTION_INT("retention_check_ms", "300000", "1", NULL, "how often retention runs"),
    BROOK_OPTION_ENUM("cleanup_policy", "delete", cleanup_policies,
                      "delete (retention removes old segments), compact (keep the latest record per key), or both"),
    BROOK_OPTION_INT("min_compaction_lag_ms", "0", "0", NULL, "records younger than this are not compacted"),
    BROOK_OPTION_INT("max_compaction_lag_ms", "9223372036854775807", "1", NULL,
                     "a record waits at most this long (plus its segment's span) to be compacted"),
    BROOK_OPTION_INT("delete_retention_ms", "86400000", "0", NULL,
                     "compacted logs: tombstones (null values) stay readable this long"),
    BROOK_OPTION_DOUBLE("min_cleanable_dirty_ratio", "0.5", "0", "1",
                        "compact a log once this share of its closed bytes is not yet compacted"),
    BROOK_OPTION_INT("cleaner_check_ms", "15000", "1", NULL, "how often the cleaner looks for logs to compact"),
    BROOK_OPTION_INT("cleaner_io_bytes_per_second", "-1", "-1", NULL,
                     "the cleaner reads and writes at most this many bytes a second (-1: no bound)"),
    BROOK_OPTION_INT("cleaner_buffer_bytes", "67108864", "65536", NULL,
                     "memory for the keys of one cleaning; a log with more is compacted in several rounds"),
    BROOK_OPTION_INT("max_open_files", "1000", "2", NULL,
                     "segment files open at once; the least recently used are closed"),
    BROOK_OPTION_INT("index_cache_bytes", "33554432", "0", NULL,
                     "memory for the indexes of sealed segments; past it the least recently used are dropped "
                     "and read from their files again when needed"),
    BROOK_OPTION_INT("index_cache_hold_ms", "1000", "0", NULL,
                     "an index used this recently stays past index_cache_bytes (readers of more old segments than "
                     "it holds keep theirs instead of reading them back for every fetch)"),
    BROOK_OPTION_END,
};

int cleanup_policy_parse(const char *text, int64_t *compact, int64_t *delete_old)
{
    int c = strcmp(text, "compact") == 0, d = strcmp(text, "delete") == 0;
    int both = strcmp(text, "compact,delete") == 0 || strcmp(text, "delete,compact") == 0;
    if (!c && !d && !both)
        return 0;
    *compact = c || both;
    *delete_old = d || both;
    return 1;
}

/* ---- directories ----------------------------------------------------------- */

static int rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char child[PATH_MAX + 300];
        snprintf(child, sizeof child, "%s/%s", path, de->d_name);
        if (unlink(child) < 0 && rm_tree(child) < 0)
            rc = -1;
    }
    closedir(d);
    return rmdir(path) == 0 ? rc : -1;
}

static void trash_work(void *arg)
{
    rm_tree(arg);
}

static void trash_done(void *arg)
{
    free(arg);
}

/* A partition directory named <topic>-<n>: the topic name and n. */
static int parse_partition_dir(const char *name, char *topic, size_t topic_len, int32_t *partition)
{
    const char *dash = strrchr(name, '-');
    if (!dash || dash == name || !dash[1] || strspn(dash + 1, "0123456789") != strlen(dash + 1) ||
        (size_t)(dash - name) >= topic_len || name[0] == '.')
        return -1;
    long long p = strtoll(dash + 1, NULL, 10);
    if (p > INT32_MAX)
        return -1;
    snprintf(topic, topic_len, "%.*s", (int)(dash - name), name);
    *partition = (int32_t)p;
    return 0;
}

/* ---- the backend ------------------------------------------------------------ */

static void on_retention(void *arg)
{
    backend *be = arg;
    be->retention_timer = NULL;
    int64_t now = be->host->now_ms(be->host);
    for (plog *l = be->logs; l; l = l->next_open)
        plog_apply_retention(l, now);
    index_cache_trim(be); /* indexes held for a replay that has ended */
    be->host->timer_add(be->host, be->retention_check_ms, on_retention, be, &be->retention_timer);
}

static brook_err read_options(const brook_host *host, backend *be)
{
    const char *dir, *flush;
    host->config_string(host, "dir", &dir);
    host->config_string(host, "flush", &flush);
    log_settings *d = &be->defaults;
    const char *cleanup;
    host->config_int(host, "segment_bytes", &d->segment_bytes);
    host->config_int(host, "segment_ms", &d->segment_ms);
    host->config_int(host, "index_interval_bytes", &d->index_interval);
    host->config_int(host, "retention_bytes", &d->retention_bytes);
    host->config_int(host, "retention_ms", &d->retention_ms);
    host->config_string(host, "cleanup_policy", &cleanup);
    cleanup_policy_parse(cleanup, &d->compact, &d->delete_old);
    host->config_int(host, "min_compaction_lag_ms", &d->min_compaction_lag_ms);
    host->config_int(host, "max_compaction_lag_ms", &d->max_compaction_lag_ms);
    host->config_int(host, "delete_retention_ms", &d->delete_retention_ms);
    host->config_double(host, "min_cleanable_dirty_ratio", &d->min_cleanable_dirty_ratio);
    host->config_int(host, "cleaner_check_ms", &be->cleaner_check_ms);
    host->config_int(host, "cleaner_io_bytes_per_second", &be->cleaner_io_bytes_per_second);
    host->config_int(host, "cleaner_buffer_bytes", &be->cleaner_buffer_bytes);
    host->config_int(host, "flush_ms", &d->flush_ms);
    host->config_int(host, "flush_messages", &d->flush_messages);
    host->config_bool(host, "ack_after_sync", &be->ack_after_sync);
    host->config_int(host, "syncfs_min_files", &be->syncfs_min_files);
    host->config_int(host, "cache_keep_bytes", &be->cache_keep_bytes);
    host->config_int(host, "retention_check_ms", &be->retention_check_ms);
    host->config_int(host, "max_open_files", &be->max_open_files);
    host->config_int(host, "index_cache_bytes", &be->index_cache_bytes);
    host->config_int(host, "index_cache_hold_ms", &be->index_cache_hold_ms);
    const char *bad = NULL;
    if (snprintf(be->dir, sizeof be->dir, "%s", dir[0] ? dir : host->data_dir) >= (int)sizeof be->dir)
        bad = "dir is too long";
    /* The option table bounds each value and the policy's spelling; what
     * is left are combinations. */
    d->flush = strcmp(flush, "interval") == 0 ? FLUSH_INTERVAL : strcmp(flush, "os") == 0 ? FLUSH_OS : FLUSH_ALWAYS;
    d->ack_waits_for_sync = d->flush == FLUSH_ALWAYS || (d->flush == FLUSH_INTERVAL && be->ack_after_sync);
    /* A file-system sync writes back every dirty page on it: with flush
     * "os" those could be gigabytes no interval ever bounded. */
    if (d->flush == FLUSH_OS)
        be->syncfs_min_files = 0;
    if (bad)
        ;
    else if (be->ack_after_sync && d->flush != FLUSH_INTERVAL)
        bad = "ack_after_sync applies to flush = \"interval\" only";
    else if (be->cleaner_io_bytes_per_second == 0)
        bad = "cleaner_io_bytes_per_second must be positive (or -1: no bound)";
    else if (be->cache_keep_bytes >= 0 && d->flush == FLUSH_OS)
        bad = "cache_keep_bytes needs fdatasyncs: flush = \"always\" or \"interval\"";
    if (bad) {
        host->log(host, BROOK_LOG_ERROR, "%s", bad);
        return BROOK_ERR_INVALID;
    }
    return BROOK_OK;
}

static brook_err check_dir(const brook_host *host, const char *dir)
{
    struct stat st;
    errno = 0;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK) < 0) {
        host->log(host, BROOK_LOG_ERROR, "dir %s: %s", dir, errno ? strerror(errno) : "not a writable directory");
        return BROOK_ERR_IO;
    }
    return BROOK_OK;
}

/* --check-config and the broker before init: the same checks, nothing kept. */
static brook_err seg_validate(const brook_host *host)
{
    backend *be = calloc(1, sizeof *be);
    if (!be)
        return BROOK_ERR_NOMEM;
    brook_err e = read_options(host, be);
    const char *dir;
    host->config_string(host, "dir", &dir);
    if (!e && dir[0]) /* broker.data_dir is the broker's to check (and create) */
        e = check_dir(host, be->dir);
    free(be);
    return e;
}

static brook_err seg_init(const brook_host *host, void **state)
{
    backend *be = calloc(1, sizeof *be);
    if (!be)
        return BROOK_ERR_NOMEM;
    be->host = host;
    brook_err e = read_options(host, be);
    if (!e)
        e = check_dir(host, be->dir);
    if (e) {
        free(be);
        return e;
    }
    struct stat st;
    be->fs_fd = open(be->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (be->fs_fd < 0 || fstat(be->fs_fd, &st) < 0) {
        host->log(host, BROOK_LOG_ERROR, "dir %s: %s", be->dir, strerror(errno));
        if (be->fs_fd >= 0)
            close(be->fs_fd);
        free(be);
        return BROOK_ERR_IO;
    }
    be->fs_dev = (unsigned long long)st.st_dev;
    clean_shutdown_take(be);
    /* Partitions deleted just before a crash: finish the job. */
    DIR *d = opendir(be->dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strncmp(de->d_name, ".trash-", 7) == 0) {
            char path[PATH_MAX + 300];
            snprintf(path, sizeof path, "%s/%s", be->dir, de->d_name);
            rm_tree(path);
        }
    }
    if (d)
        closedir(d);
    host->metric_register(host, "fsyncs_total", BROOK_METRIC_COUNTER,
                          "partition syncs: fdatasync rounds, or shares of a file-system sync", &be->m_fsyncs);
    host->metric_register(host, "syncfs_total", BROOK_METRIC_COUNTER,
                          "file-system syncs that replaced per-file fdatasyncs", &be->m_syncfs);
    host->metric_register(host, "fdatasync_seconds", BROOK_METRIC_HISTOGRAM,
                          "time of each fdatasync of appended segment data (flushes, group commits, rolls); under "
                          "flush always a produce waits for one or two",
                          &be->m_fdatasync_seconds);
    host->metric_register(host, "syncfs_seconds", BROOK_METRIC_HISTOGRAM,
                          "time of each file-system sync of the data directory's file system", &be->m_syncfs_seconds);
    host->metric_register(host, "open_files", BROOK_METRIC_GAUGE, "segment files open", &be->m_open_files);
    host->metric_register(host, "index_bytes", BROOK_METRIC_GAUGE, "memory held by sealed segments' indexes",
                          &be->m_index_bytes);
    host->metric_register(host, "index_loads_total", BROOK_METRIC_COUNTER,
                          "sealed segments' indexes read from their files (first use, or again after being dropped)",
                          &be->m_index_loads);
    host->metric_register(host, "recovery_truncated_bytes_total", BROOK_METRIC_COUNTER,
                          "bytes cut from damaged segment tails at start-up", &be->m_truncated_bytes);
    host->metric_register(
        host, "recovery_validated_bytes_total", BROOK_METRIC_COUNTER,
        "bytes of active segments validated batch by batch at open (after a clean stop only those of 1 MiB or less)",
        &be->m_validated_bytes);
    host->metric_register(host, "deleted_segments_total", BROOK_METRIC_COUNTER, "segments deleted",
                          &be->m_deleted_segments);
    host->timer_add(host, be->retention_check_ms, on_retention, be, &be->retention_timer);
    if ((e = cleaner_start(be))) {
        host->timer_cancel(host, be->retention_timer);
        close(be->fs_fd);
        free(be);
        return e;
    }
    static const char *const modes[] = {"always", "interval", "os"};
    host->log(host, BROOK_LOG_INFO, "logs in %s, flush %s, segments of %" PRId64 " bytes", be->dir,
              modes[be->defaults.flush], be->defaults.segment_bytes);
    *state = be;
    return BROOK_OK;
}

static void seg_fini(void *state)
{
    backend *be = state;
    if (be->retention_timer)
        be->host->timer_cancel(be->host, be->retention_timer);
    while (be->logs)
        plog_close(be->logs);
    sync_round_stop(be);
    cleaner_stop(be);
    clean_shutdown_mark(be);
    close(be->fs_fd);
    free(be);
}

/* ---- the vtable ---------------------------------------------------------------- */

static brook_err v_open(void *state, const char *topic, int32_t partition, int create, void **log)
{
    return plog_open(state, topic, partition, create, (plog **)log);
}

static void v_close(void *log)
{
    plog_close(log);
}

static brook_err v_remove(void *state, const char *topic, int32_t partition)
{
    backend *be = state;
    char dir[PATH_MAX], trash[PATH_MAX + 64];
    if (snprintf(dir, sizeof dir, "%s/%s-%d", be->dir, topic, partition) >= (int)sizeof dir ||
        snprintf(trash, sizeof trash, "%s/.trash-%s-%d-%" PRIu64 "-%" PRId64, be->dir, topic, partition,
                 be->trash_seq++, be->host->now_ms(be->host)) >= (int)sizeof trash)
        return BROOK_ERR_TOO_LARGE;
    /* A rename is atomic and quick; the slow delete runs off the loop. */
    if (rename(dir, trash) < 0)
        return errno == ENOENT ? BROOK_ERR_NOT_FOUND : seg_errno(errno);
    char *arg = strdup(trash);
    if (!arg || be->host->run_blocking(be->host, trash_work, trash_done, arg)) {
        rm_tree(trash);
        free(arg);
    }
    return BROOK_OK;
}

static brook_err v_list(void *state, brook_storage_list_cb cb, void *arg)
{
    backend *be = state;
    DIR *d = opendir(be->dir);
    if (!d)
        return seg_errno(errno);
    struct dirent *de;
    while ((de = readdir(d))) {
        char topic[256];
        int32_t partition;
        if (parse_partition_dir(de->d_name, topic, sizeof topic, &partition) == 0)
            cb(arg, topic, partition);
    }
    closedir(d);
    return BROOK_OK;
}

static brook_err v_offsets(void *log, int64_t *start, int64_t *end)
{
    plog *l = log;
    *start = l->start;
    *end = plog_end(l);
    return BROOK_OK;
}

static brook_err v_append(void *log, const uint8_t *data, size_t len)
{
    return plog_append(log, data, len);
}

static void v_when_durable(void *log, brook_storage_durable_cb cb, void *arg)
{
    durability_when_durable(log, cb, arg);
}

static brook_err v_flush(void *log)
{
    return durability_flush_now(log);
}

static brook_err v_read(void *log, int64_t offset, int64_t max_offset, size_t max_bytes, brook_slice *slices,
                        size_t max_slices, size_t *n_slices, size_t *bytes)
{
    return plog_read(log, offset, max_offset, max_bytes, slices, max_slices, n_slices, bytes);
}

static brook_err v_truncate(void *log, int64_t offset)
{
    return plog_truncate(log, offset);
}

static brook_err v_offset_for_timestamp(void *log, int64_t ts, int64_t *offset, int64_t *found)
{
    return plog_offset_for_timestamp(log, ts, offset, found);
}

static brook_err v_size(void *log, uint64_t *bytes)
{
    plog *l = log;
    *bytes = 0;
    for (size_t i = 0; i < l->nsegs; i++)
        *bytes += l->segs[i]->size;
    return BROOK_OK;
}

/* The topic configs a log may set for itself, the field each lands in and
 * the bounds of the matching option above. */
typedef enum setting_kind { SETTING_INT, SETTING_RATIO, SETTING_POLICY, SETTING_FLUSH } setting_kind;

typedef struct topic_setting_row {
    const char *name;
    setting_kind kind;
    size_t field; /* offset in log_settings */
    int64_t min, max;
} topic_setting_row;

#define INT_ROW(name, field, min, max)                                                                                 \
    {                                                                                                                  \
        name, SETTING_INT, offsetof(log_settings, field), min, max                                                     \
    }

static const topic_setting_row topic_settings[] = {
    INT_ROW("segment.bytes", segment_bytes, 1024, 4294967295LL),
    INT_ROW("segment.ms", segment_ms, 0, INT64_MAX),
    INT_ROW("index.interval.bytes", index_interval, 1, INT64_MAX),
    INT_ROW("retention.bytes", retention_bytes, -1, INT64_MAX),
    INT_ROW("retention.ms", retention_ms, -1, INT64_MAX),
    {"cleanup.policy", SETTING_POLICY, offsetof(log_settings, compact), 0, 0},
    INT_ROW("min.compaction.lag.ms", min_compaction_lag_ms, 0, INT64_MAX),
    INT_ROW("max.compaction.lag.ms", max_compaction_lag_ms, 1, INT64_MAX),
    INT_ROW("delete.retention.ms", delete_retention_ms, 0, INT64_MAX),
    {"min.cleanable.dirty.ratio", SETTING_RATIO, offsetof(log_settings, min_cleanable_dirty_ratio), 0, 1},
    /* Kafka's flush.ms and flush.messages: a topic that sets either syncs
     * by the interval policy (acknowledging after the write, as Kafka does,
     * or after the sync with ack_after_sync) whatever the backend's */
    {"flush.ms", SETTING_FLUSH, offsetof(log_settings, flush_ms), 1, INT64_MAX},
    {"flush.messages", SETTING_FLUSH, offsetof(log_settings, flush_messages), 1, INT64_MAX},
};

static unsigned flush_bit(const topic_setting_row *row)
{
    return row->field == offsetof(log_settings, flush_ms) ? FLUSH_SET_MS : FLUSH_SET_MESSAGES;
}

/* The log's flush policy after its topic set or dropped flush.*: the
 * interval policy while it sets one, else the backend's. */
static void settle_flush(const backend *be, log_settings *set)
{
    if (set->flush_set) {
        set->flush = FLUSH_INTERVAL;
        set->ack_waits_for_sync = be->ack_after_sync;
    } else {
        set->flush = be->defaults.flush;
        set->ack_waits_for_sync = be->defaults.ack_waits_for_sync;
    }
}

/* Parse `value` as the row's kind into a scratch log_settings; 0 if bad. */
static int parse_setting(const topic_setting_row *row, const char *value, log_settings *into)
{
    char *end;
    errno = 0;
    if (row->kind == SETTING_POLICY)
        return cleanup_policy_parse(value, &into->compact, &into->delete_old);
    if (row->kind == SETTING_RATIO) {
        double v = strtod(value, &end);
        if (errno || end == value || *end || v < 0 || v > 1)
            return 0;
        into->min_cleanable_dirty_ratio = v;
        return 1;
    }
    long long v = strtoll(value, &end, 10);
    if (errno || end == value || *end || v < row->min || v > row->max)
        return 0;
    *(int64_t *)((char *)into + row->field) = v;
    if (row->kind == SETTING_FLUSH)
        into->flush_set |= flush_bit(row);
    return 1;
}

/* Copy the row's field(s) from one log_settings to another. */
static void copy_setting(const backend *be, const topic_setting_row *row, log_settings *to, const log_settings *from)
{
    if (row->kind == SETTING_FLUSH) {
        *(int64_t *)((char *)to + row->field) = *(const int64_t *)((const char *)from + row->field);
        to->flush_set = (to->flush_set & ~flush_bit(row)) | (from->flush_set & flush_bit(row));
        settle_flush(be, to);
    } else if (row->kind == SETTING_POLICY) {
        to->compact = from->compact;
        to->delete_old = from->delete_old;
    } else if (row->kind == SETTING_RATIO) {
        to->min_cleanable_dirty_ratio = from->min_cleanable_dirty_ratio;
    } else {
        *(int64_t *)((char *)to + row->field) = *(const int64_t *)((const char *)from + row->field);
    }
}

static brook_err v_topic_setting(void *state, void *log, const char *name, const char *value)
{
    const topic_setting_row *row = NULL;
    for (size_t i = 0; i < sizeof topic_settings / sizeof topic_settings[0]; i++)
        if (strcmp(topic_settings[i].name, name) == 0)
            row = &topic_settings[i];
    if (!row)
        return BROOK_ERR_UNSUPPORTED;
    backend *be = state;
    log_settings parsed = be->defaults; /* a NULL value: back to the backend's own */
    if (value && !parse_setting(row, value, &parsed))
        return BROOK_ERR_INVALID;
    if (!log)
        return BROOK_OK;
    plog *l = log;
    copy_setting(be, row, &l->set, &parsed);
    if (row->kind == SETTING_FLUSH)
        durability_flush_changed(l);
    return BROOK_OK;
}

static brook_err v_delete_before(void *log, int64_t offset)
{
    return plog_delete_before(log, offset);
}

/* Each segment keeps its largest batch timestamp: a walk over segments. */
static brook_err v_max_timestamp(void *log, int64_t *timestamp)
{
    plog *l = log;
    *timestamp = -1;
    for (size_t i = 0; i < l->nsegs; i++)
        if (l->segs[i]->size && l->segs[i]->max_ts > *timestamp)
            *timestamp = l->segs[i]->max_ts;
    return BROOK_OK;
}

static void v_committed(void *log, int64_t offset)
{
    ((plog *)log)->committed = offset;
}

static brook_err v_prepare_read(void *log, int64_t offset, brook_storage_ready_cb cb, void *arg)
{
    return index_load_prepare_read(log, offset, cb, arg);
}

static brook_err v_prepare_timestamp(void *log, int64_t timestamp, brook_storage_ready_cb cb, void *arg)
{
    return timestamp_prepare(log, timestamp, cb, arg);
}

static void v_prefetch(void *state, const char *topic, int32_t partition)
{
    plog_prefetch(state, topic, partition);
}

static const brook_storage_ops ops = {
    .open = v_open,
    .close = v_close,
    .remove = v_remove,
    .list = v_list,
    .offsets = v_offsets,
    .append = v_append,
    .when_durable = v_when_durable,
    .flush = v_flush,
    .read = v_read,
    .truncate = v_truncate,
    .offset_for_timestamp = v_offset_for_timestamp,
    .size = v_size,
    .topic_setting = v_topic_setting,
    .delete_before = v_delete_before,
    .committed = v_committed,
    .max_timestamp = v_max_timestamp,
    .prepare_read = v_prepare_read,
    .prepare_timestamp = v_prepare_timestamp,
    .prefetch = v_prefetch,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_STORAGE, brook_storage_ops, ops, .name = "segment", .version = "1.0.0",
                        .description = "Kafka-style log segments on local disk, crash-safe, zero-copy reads",
                        .options = options, .init = seg_init, .fini = seg_fini, .validate = seg_validate);
