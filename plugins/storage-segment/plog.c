/* A partition log: its directory and ordered segments. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <brook/batch.h>

#include "segstore.h"

static void plog_free(plog *l)
{
    free(l->segs);
    free(l->topic);
    free(l);
}

void plog_unref(plog *l)
{
    if (--l->refs == 0)
        plog_free(l);
}

static brook_err push_segment(plog *l, segment *s)
{
    if (l->nsegs == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        segment **segs = realloc(l->segs, cap * sizeof *segs);
        if (!segs)
            return BROOK_ERR_NOMEM;
        l->segs = segs;
        l->cap = cap;
    }
    l->segs[l->nsegs++] = s;
    return BROOK_OK;
}

static segment *active(const plog *l)
{
    return l->segs[l->nsegs - 1];
}

int64_t plog_end(const plog *l)
{
    return active(l)->next;
}

/* ---- open / recovery ----------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* What one scan of a partition directory found. Start-up opens every
 * partition: one readdir each, and no open, stat or unlink of a file that
 * is not there (100,000 partitions made 28 system calls each). */
typedef struct dir_listing {
    int64_t *bases; /* of the *.log files, sorted */
    size_t n;
    int64_t last_indexed; /* the largest base with an index file, -1 none */
    int log_start;        /* a log-start checkpoint */
    int cleaner_checkpoint;
    int cleaning_cut_short; /* files a compaction left (cleaner_recover) */
} dir_listing;

static int has_suffix(const char *name, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len > n && strcmp(name + len - n, suffix) == 0;
}

/* The base offset of "<20 digits><ext>", or -1. */
static int64_t segment_file_base(const char *name, size_t len, const char *ext)
{
    size_t n = strlen(ext);
    if (len != SEG_NAME_DIGITS + n || strcmp(name + SEG_NAME_DIGITS, ext) != 0 ||
        strspn(name, "0123456789") != SEG_NAME_DIGITS)
        return -1;
    return strtoll(name, NULL, 10);
}

static brook_err note_name(plog *l, const char *name, dir_listing *out, size_t *cap)
{
    size_t len = strlen(name);
    int64_t base;
    if (has_suffix(name, len, ".tmp") || has_suffix(name, len, ".deleted")) {
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", l->dir, name); /* an index write or a deletion cut short */
        unlink(path);
    } else if ((base = segment_file_base(name, len, ".log")) >= 0) {
        if (out->n == *cap) {
            size_t bigger = *cap ? *cap * 2 : 4;
            int64_t *b = realloc(out->bases, bigger * sizeof *b);
            if (!b)
                return BROOK_ERR_NOMEM;
            out->bases = b;
            *cap = bigger;
        }
        out->bases[out->n++] = base;
    } else if ((base = segment_file_base(name, len, ".index")) >= 0 ||
               (base = segment_file_base(name, len, ".timeindex")) >= 0) {
        if (base > out->last_indexed)
            out->last_indexed = base;
    } else if (strcmp(name, "log-start") == 0) {
        out->log_start = 1;
    } else if (strcmp(name, "cleaner-checkpoint") == 0) {
        out->cleaner_checkpoint = 1;
    } else if (cleaner_leftover(name)) {
        out->cleaning_cut_short = 1;
    }
    return BROOK_OK;
}

/* Read the directory through its open descriptor `fd` (closed here):
 * getdents64 into the stack, no DIR stream (its 32 KiB buffer was a tenth
 * of opening 100,000 partitions). */
static brook_err scan_dir(plog *l, int fd, dir_listing *out)
{
    *out = (dir_listing){.last_indexed = -1};
    size_t cap = 0;
    brook_err e = BROOK_OK;
    char buf[8192];
    for (ssize_t got; !e && (got = getdents64(fd, buf, sizeof buf)) != 0;) {
        if (got < 0) {
            e = seg_errno(errno);
            break;
        }
        for (ssize_t at = 0; !e && at < got;) {
            const struct dirent64 *de = (const struct dirent64 *)(buf + at);
            e = note_name(l, de->d_name, out, &cap);
            at += de->d_reclen;
        }
    }
    close(fd);
    if (e) {
        free(out->bases);
        out->bases = NULL;
        return e;
    }
    if (out->n) /* a new log has no segment yet: bases is still NULL */
        qsort(out->bases, out->n, sizeof *out->bases, cmp_i64);
    return BROOK_OK;
}

static brook_err open_dir(const plog *l, int *fd)
{
    *fd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return *fd < 0 ? seg_errno(errno) : BROOK_OK;
}

static void start_path(const plog *l, char *out, size_t len)
{
    snprintf(out, len, "%s/log-start", l->dir);
}

/* The start the checkpoint says, or -1. */
static int64_t saved_start(const plog *l)
{
    char path[PATH_MAX];
    start_path(l, path, sizeof path);
    FILE *f = fopen(path, "r");
    long long v = -1;
    if (f) {
        if (fscanf(f, "%lld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

static brook_err load_segments(plog *l, const dir_listing *dl)
{
    brook_err e = BROOK_OK;
    for (size_t i = 0; !e && i < dl->n; i++) {
        segment *s = seg_new(l->be, l, dl->bases[i]);
        if (!s || push_segment(l, s)) {
            free(s);
            e = BROOK_ERR_NOMEM;
            break;
        }
        if (i + 1 < dl->n) {
            e = seg_open_sealed(s, dl->bases[i + 1]);
        } else {
            /* The active segment: its index goes back to memory, from the
             * files a clean close wrote or by validating all of it. */
            int resumed = 0;
            if (dl->last_indexed == s->base) {
                resumed = l->be->clean_start && seg_resume_active(s) == 0;
                seg_remove_index_files(s); /* a crash from now on makes them stale */
            }
            if (!resumed)
                e = seg_recover(s);
        }
    }
    if (!e && l->nsegs == 0) {
        segment *s = seg_new(l->be, l, 0);
        if (!s || push_segment(l, s)) {
            free(s);
            return BROOK_ERR_NOMEM;
        }
        e = seg_create(s);
    }
    if (!e && dl->log_start) {
        l->start = l->segs[0]->base;
        int64_t saved = saved_start(l); /* DeleteRecords moved it into the first segment */
        if (saved > l->start)
            l->start = saved < plog_end(l) ? saved : plog_end(l);
    } else if (!e) {
        l->start = l->segs[0]->base;
    }
    return e;
}

/* Finish what a crash cut short, then read the segments. */
static brook_err load_dir(plog *l, int fd, dir_listing *dl)
{
    brook_err e = scan_dir(l, fd, dl);
    if (!e && dl->cleaning_cut_short) {
        free(dl->bases);
        dl->bases = NULL;
        if (!(e = cleaner_recover(l)) && !(e = open_dir(l, &fd)))
            e = scan_dir(l, fd, dl); /* the compaction's files took their places */
    }
    if (!e)
        e = load_segments(l, dl);
    free(dl->bases);
    dl->bases = NULL;
    return e;
}

brook_err plog_open(backend *be, const char *topic, int32_t partition, int create, plog **out)
{
    /* the directory leaves room for "/<20 digits>.timeindex" in a PATH_MAX buffer */
    int dir_len = snprintf(NULL, 0, "%s/%s-%d", be->dir, topic, partition);
    if (dir_len < 0 || dir_len >= PATH_MAX - 64)
        return BROOK_ERR_TOO_LARGE;
    plog *l = calloc(1, sizeof *l + (size_t)dir_len + 1);
    if (!l || !(l->topic = strdup(topic))) {
        free(l);
        return BROOK_ERR_NOMEM;
    }
    l->be = be;
    l->set = backend_settings(be);
    l->partition = partition;
    l->refs = 1;
    snprintf(l->dir, (size_t)dir_len + 1, "%s/%s-%d", be->dir, topic, partition);
    int fd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT || !create) {
            brook_err e = errno == ENOENT ? BROOK_ERR_NOT_FOUND : seg_errno(errno);
            plog_free(l);
            return e;
        }
        if (mkdir(l->dir, 0755) < 0 || (fd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
            int err = errno;
            be->host->log(be->host, BROOK_LOG_ERROR, "cannot create %s: %s", l->dir, strerror(err));
            plog_free(l);
            return seg_errno(err);
        }
        l->dir_dirty = 1;
        l->created_empty = 1;
    }
    struct stat st;
    l->on_data_fs = fstat(fd, &st) == 0 && (unsigned long long)st.st_dev == be->fs_dev;
    dir_listing dl;
    brook_err e = load_dir(l, fd, &dl);
    if (e) {
        be->host->log(be->host, BROOK_LOG_ERROR, "partition %s-%d: cannot open %s: %s", topic, partition, l->dir,
                      brook_err_str(e));
        for (size_t i = 0; i < l->nsegs; i++)
            seg_release(l->segs[i]);
        plog_free(l);
        return e;
    }
    l->committed = -1; /* until the broker says (storage.h's committed) */
    cleaner_load_checkpoint(l, dl.cleaner_checkpoint);
    l->next_open = be->logs;
    l->prev_open = NULL;
    if (be->logs)
        be->logs->prev_open = l;
    be->logs = l;
    *out = l;
    return BROOK_OK;
}

/* A log closed with everything on disk (or in the page cache under flush
 * "os", which the clean-shutdown marker's sync covers) keeps its active
 * index, so the next start does not validate the segment batch by batch.
 * Only where that costs more than a write: on the data directory's file
 * system, and more than one recovery read. */
static void save_active_index(plog *l)
{
    segment *s = active(l);
    if (!l->on_data_fs || l->failed || s->size <= RECOVERY_READ_BYTES || !s->idx_loaded)
        return;
    brook_err e = seg_save_active_index(s);
    if (e)
        l->be->host->log(l->be->host, BROOK_LOG_WARN,
                         "%s: cannot save the active index (%s); the next start validates it", s->path,
                         brook_err_str(e));
}

void plog_close(plog *l)
{
    index_load_answer(l, BROOK_ERR_SHUTDOWN);
    cleaner_settle(l);
    if (!durability_close(l) && l->nsegs)
        save_active_index(l);
    /* unlinked in O(1): closing n partitions must not cost n^2 */
    *(l->prev_open ? &l->prev_open->next_open : &l->be->logs) = l->next_open;
    if (l->next_open)
        l->next_open->prev_open = l->prev_open;
    l->next_open = l->prev_open = NULL;
    for (size_t i = 0; i < l->nsegs; i++)
        seg_release(l->segs[i]);
    l->nsegs = 0;
    l->closed = 1;
    plog_unref(l);
}

/* ---- append --------------------------------------------------------------- */

static brook_err roll(plog *l)
{
    durability_files_change(l);
    segment *old = active(l);
    segment *s = seg_new(l->be, l, old->next);
    if (!s)
        return BROOK_ERR_NOMEM;
    brook_err e = seg_create(s);
    if (!e)
        e = push_segment(l, s);
    if (e) {
        free(s);
        return e;
    }
    l->dir_dirty = 1;
    durability_seal(old);
    return BROOK_OK;
}

log_settings backend_settings(const backend *be)
{
    return be->defaults;
}

static int should_roll(const plog *l, size_t len)
{
    const segment *s = active(l);
    if (s->size == 0)
        return 0;
    if (s->size + len > (uint64_t)l->set.segment_bytes)
        return 1;
    int64_t age = l->be->host->now_ms(l->be->host) - s->created_ms;
    /* a compacted log's records wait in the active segment no longer than max.compaction.lag.ms */
    return (l->set.segment_ms > 0 && age >= l->set.segment_ms) ||
           (l->set.compact && age >= l->set.max_compaction_lag_ms);
}

brook_err plog_append(plog *l, const uint8_t *data, size_t len)
{
    const brook_host *host = l->be->host;
    if (l->failed)
        return BROOK_ERR_IO;
    if (should_roll(l, len)) {
        brook_err e = roll(l);
        if (e)
            return e;
    }
    segment *s = active(l);
    int fd = seg_fd(s);
    if (fd < 0) {
        int err = errno;
        host->log(host, BROOK_LOG_ERROR, "%s.log: cannot open: %s", s->path, strerror(err));
        return seg_errno(err);
    }
    uint64_t at = s->size;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(fd, data + done, len - done, (off_t)(at + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int err = n < 0 ? errno : ENOSPC;
            host->log(host, BROOK_LOG_ERROR, "partition %s-%d: write to %s.log failed: %s", l->topic, l->partition,
                      s->path, strerror(err));
            /* Leave no partial batch behind: the log stays as it was. */
            if (ftruncate(fd, (off_t)at) < 0)
                l->failed = 1;
            return seg_errno(err);
        }
        done += (size_t)n;
    }
    int64_t records = 0;
    for (size_t pos = 0; pos < len;) {
        const uint8_t *b = data + pos;
        uint32_t size = brook_be32(b + BROOK_BATCH_OFF_LENGTH) + BROOK_BATCH_LENGTH_BASE;
        int64_t base = (int64_t)brook_be64(b);
        brook_err e = seg_account(s, at + pos, base, base + (int32_t)brook_be32(b + BROOK_BATCH_OFF_LAST_OFFSET_DELTA),
                                  (int64_t)brook_be64(b + BROOK_BATCH_OFF_MAX_TIMESTAMP), size);
        if (e)
            return e;
        records += (int32_t)brook_be32(b + BROOK_BATCH_OFF_RECORD_COUNT);
        pos += size;
    }
    s->dirty = 1;
    durability_appended(l, records);
    return BROOK_OK;
}

/* ---- truncate ---------------------------------------------------------------- */

brook_err plog_truncate(plog *l, int64_t offset)
{
    if (offset >= plog_end(l))
        return BROOK_OK;
    durability_files_change(l);
    cleaner_settle(l);
    if (offset < l->start)
        offset = l->start;
    /* Whole segments past the point go. */
    while (l->nsegs > 1 && active(l)->base >= offset) {
        segment *s = l->segs[--l->nsegs];
        plog_delete_segment_files(s);
    }
    segment *s = active(l);
    if (s->sealed) { /* it takes appends again: its index goes back to memory */
        brook_err e = seg_load_index(s);
        if (e)
            return e;
        index_cache_forget(s);
        s->sealed = 0;
        seg_remove_index_files(s);
    }
    int fd = seg_fd(s);
    if (fd < 0)
        return seg_errno(errno);
    /* Walk from the start to the cut, rebuilding what depends on it. */
    uint64_t keep_size;
    brook_err e = seg_reindex(s, fd, offset, &keep_size);
    if (!e && ftruncate(fd, (off_t)keep_size) < 0)
        e = seg_errno(errno);
    if (!e) {
        s->dirty = 1;
        if (s->uncached > keep_size)
            s->uncached = s->uncached_before = keep_size;
        durability_note_write(l);
        l->be->host->log(l->be->host, BROOK_LOG_INFO, "partition %s-%d: truncated to offset %" PRId64, l->topic,
                         l->partition, s->next);
    }
    return e;
}

/* ---- retention --------------------------------------------------------------- */

typedef struct delete_job {
    segment *s;
    char path[PATH_MAX];
} delete_job;

static const char *const segment_exts[] = {".log", ".index", ".timeindex"};

static void delete_work(void *arg)
{
    delete_job *j = arg;
    for (size_t i = 0; i < 3; i++) {
        char name[PATH_MAX + 32];
        snprintf(name, sizeof name, "%s%s.deleted", j->path, segment_exts[i]);
        unlink(name);
    }
}

/* Out of the log's name space at once (a rename is quick, and what a
 * reopen or a restart lists no longer has them); the slow unlink of the
 * data follows off the loop, and an open sweeps what a crash left. */
static void mark_deleted(const segment *s)
{
    for (size_t i = 0; i < 3; i++) {
        char from[PATH_MAX + 16], to[PATH_MAX + 32];
        seg_path(s, segment_exts[i], from, sizeof from);
        snprintf(to, sizeof to, "%s.deleted", from);
        rename(from, to); /* ENOENT: an index never written */
    }
    if (s->log)
        s->log->dir_dirty = 1; /* the next sync makes the deletion durable */
}

static void delete_done(void *arg)
{
    delete_job *j = arg;
    seg_unpin(j->s);
    free(j);
}

void plog_delete_segment_files(segment *s)
{
    backend *be = s->be;
    mark_deleted(s);
    delete_job *j = malloc(sizeof *j);
    if (!j) {
        be->host->log(be->host, BROOK_LOG_ERROR, "%s: out of memory; segment files left behind", s->path);
        seg_release(s);
        return;
    }
    j->s = s;
    snprintf(j->path, sizeof j->path, "%s", s->path);
    seg_pin(s);     /* alive until its files are gone... */
    seg_release(s); /* ...but no longer part of the log */
    be->host->metric_add(be->m_deleted_segments, 1);
    if (be->host->run_blocking(be->host, delete_work, delete_done, j)) {
        delete_work(j);
        delete_done(j);
    }
}

/* Why retention deletes the closed segment `s` (the oldest left, `total`
 * bytes from it on), NULL if it does not. */
static const char *retention_reason(const plog *l, const segment *s, uint64_t total, int64_t now_ms)
{
    if (!l->set.delete_old) /* compact-only logs keep all */
        return NULL;
    if (l->set.retention_bytes >= 0 && total - s->size >= (uint64_t)l->set.retention_bytes)
        return "bytes";
    if (l->set.retention_ms >= 0 && s->max_ts >= 0 && s->max_ts < now_ms - l->set.retention_ms)
        return "time";
    return NULL;
}

void plog_apply_retention(plog *l, int64_t now_ms)
{
    backend *be = l->be;
    uint64_t total = 0;
    for (size_t i = 0; i < l->nsegs; i++)
        total += l->segs[i]->size;
    if (l->nsegs < 2 || !retention_reason(l, l->segs[0], total, now_ms))
        return;
    cleaner_settle(l); /* a cleaning of these segments ends (what it finished stays) */
    size_t drop = 0;
    /* Whole closed segments only; the active one always stays. */
    while (drop + 1 < l->nsegs) {
        segment *s = l->segs[drop];
        const char *why = retention_reason(l, s, total, now_ms);
        if (!why)
            break;
        be->host->log(be->host, BROOK_LOG_INFO,
                      "partition %s-%d: retention (%s) deletes segment %" PRId64 "-%" PRId64 " (%" PRIu64 " bytes)",
                      l->topic, l->partition, why, s->base, s->next - 1, s->size);
        total -= s->size;
        plog_delete_segment_files(s);
        drop++;
    }
    if (drop) {
        memmove(l->segs, l->segs + drop, (l->nsegs - drop) * sizeof *l->segs);
        l->nsegs -= drop;
        if (l->segs[0]->base > l->start) /* never back before a start DeleteRecords moved */
            l->start = l->segs[0]->base;
    }
}

/* ---- the log start ---------------------------------------------------------
 * A start inside the first segment (DeleteRecords) is kept in <dir>/log-start
 * (Kafka's log-start-offset checkpoint): the decimal offset, replaced with a
 * rename. It is not fsynced: after a machine crash the start may come back
 * earlier, showing records that had been deleted, never losing any. */

static brook_err save_start(plog *l)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    start_path(l, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return seg_errno(errno);
    int bad = fprintf(f, "%" PRId64 "\n", l->start) < 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) < 0) {
        int err = errno;
        unlink(tmp);
        return seg_errno(err ? err : EIO);
    }
    l->dir_dirty = 1;
    return BROOK_OK;
}

/* Past the log end: every segment goes, one empty segment starts at `offset`. */
static brook_err start_afresh(plog *l, int64_t offset)
{
    segment *s = seg_new(l->be, l, offset);
    if (!s)
        return BROOK_ERR_NOMEM;
    brook_err e = seg_create(s);
    if (e) {
        free(s);
        return e;
    }
    for (size_t i = 0; i < l->nsegs; i++)
        plog_delete_segment_files(l->segs[i]);
    l->nsegs = 0;
    if ((e = push_segment(l, s))) { /* cannot fail: the array had room for the old ones */
        seg_release(s);
        return e;
    }
    l->dir_dirty = 1;
    durability_note_write(l); /* the next sync makes the new segment durable */
    return BROOK_OK;
}

brook_err plog_delete_before(plog *l, int64_t offset)
{
    if (offset <= l->start)
        return BROOK_OK;
    durability_files_change(l);
    cleaner_settle(l);
    brook_err e = BROOK_OK;
    if (offset > plog_end(l)) {
        e = start_afresh(l, offset);
    } else {
        size_t drop = 0; /* whole segments before it; the active one stays */
        while (drop + 1 < l->nsegs && l->segs[drop]->next <= offset)
            plog_delete_segment_files(l->segs[drop++]);
        memmove(l->segs, l->segs + drop, (l->nsegs - drop) * sizeof *l->segs);
        l->nsegs -= drop;
    }
    if (e)
        return e;
    l->start = offset;
    l->be->host->log(l->be->host, BROOK_LOG_INFO, "partition %s-%d: log start moved to %" PRId64, l->topic,
                     l->partition, offset);
    return save_start(l);
}
