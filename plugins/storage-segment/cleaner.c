/* The cleaner on the event loop: which log to compact and when, the
 * cleaning's steps (work on an I/O thread, at a bounded I/O rate), putting
 * the cleaned segments in the log, and the recovery at open of a cleaning
 * a crash cut short. cleaner.h tells the whole story. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleaner.h"

typedef struct cleaner {
    backend *be;
    brook_timer *check_timer;
    brook_timer *step_timer; /* the pause that bounds the I/O rate */
    clean_job *job;          /* at most one */
    int in_flight;           /* a step is on an I/O thread */
    int64_t step_started_ms;
    brook_metric *m_cleanings;
    brook_metric *m_bytes_read;
    brook_metric *m_bytes_written;
    brook_metric *m_removed;
} cleaner;

#define CLEAN_RETRY_MS 600000

static void submit_step(cleaner *c);

/* ---- which log, and how much of it ------------------------------------------ */

/* Segments [0, n) of the log a cleaning may rewrite now: closed, sealed
 * (their index files written), committed, and older than the lag. */
static size_t cleanable(const plog *l, int64_t now)
{
    size_t n = 0;
    while (n + 1 < l->nsegs) {
        const segment *s = l->segs[n];
        if (!s->sealed || s->sealing || s->next > l->committed || s->max_ts > now - l->set.min_compaction_lag_ms)
            break;
        n++;
    }
    return n;
}

/* How much of the log wants cleaning: the dirty share of its cleanable
 * bytes, 1 when a deadline (max.compaction.lag.ms, a tombstone's
 * delete.retention.ms) has passed, 0 when none. */
static double dirtiness(const plog *l, size_t n, int64_t now)
{
    uint64_t total = 0, dirty = 0;
    const segment *first_dirty = NULL;
    for (size_t i = 0; i < n; i++) {
        total += l->segs[i]->size;
        if (l->segs[i]->next > l->clean_offset) {
            dirty += l->segs[i]->size;
            if (!first_dirty)
                first_dirty = l->segs[i];
        }
    }
    if (n == 0 || (dirty == 0 && now < l->tombstones_due_ms))
        return 0;
    if (now >= l->tombstones_due_ms ||
        (first_dirty && first_dirty->max_ts >= 0 && first_dirty->max_ts < now - l->set.max_compaction_lag_ms))
        return 1;
    double ratio = total ? (double)dirty / (double)total : 0;
    return ratio >= l->set.min_cleanable_dirty_ratio && dirty > 0 ? ratio : 0;
}

/* ---- starting and ending a cleaning ------------------------------------------- */

static void free_job(clean_job *j)
{
    for (clean_group *g = j->ready, *next; g; g = next) {
        next = g->next;
        free(g->idx);
        free(g);
    }
    offset_map_free(j->keys);
    offset_map_free(j->producers);
    free(j->src);
    free(j->idx);
    free(j->out_buf);
    free(j->in_buf);
    pthread_mutex_destroy(&j->lock);
    free(j);
}

/* Pin sources [0, n) with open files and loaded indexes: the loop reads
 * them through those while their files are replaced. */
static brook_err pin_sources(clean_job *j, plog *l, size_t n)
{
    j->src = calloc(n, sizeof *j->src);
    if (!j->src)
        return BROOK_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        segment *s = l->segs[i];
        int fd;
        brook_err e = seg_walkable(s, &fd);
        if (e)
            return e;
        seg_pin(s);
        j->src[j->nsrc++] = (clean_src){.s = s, .fd = fd, .base = s->base, .next = s->next, .size = s->size};
    }
    return BROOK_OK;
}

static clean_job *new_job(cleaner *c, plog *l, size_t n, int64_t now)
{
    backend *be = c->be;
    clean_job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    pthread_mutex_init(&j->lock, NULL);
    j->be = be;
    j->l = l;
    snprintf(j->dir, sizeof j->dir, "%s", l->dir);
    j->dirty_from = l->clean_offset;
    j->now_ms = now;
    j->delete_horizon_ms = now - l->set.delete_retention_ms;
    j->segment_bytes = l->set.segment_bytes;
    j->index_interval = l->set.index_interval;
    j->step_limit = CLEAN_STEP_BYTES;
    if (be->cleaner_io_bytes_per_second > 0 && (uint64_t)be->cleaner_io_bytes_per_second / 10 < j->step_limit)
        j->step_limit = (uint64_t)be->cleaner_io_bytes_per_second / 10 + 1;
    j->map_end = -1;
    j->out_fd = -1;
    j->tombstones_due_ms = INT64_MAX;
    j->started_ms = be->host->monotonic_ms(be->host);
    j->keys = offset_map_new((size_t)be->cleaner_buffer_bytes);
    j->producers = offset_map_new((size_t)be->cleaner_buffer_bytes / 16);
    brook_err e = j->keys && j->producers ? pin_sources(j, l, n) : BROOK_ERR_NOMEM;
    if (e) {
        be->host->log(be->host, BROOK_LOG_WARN, "partition %s-%d: cannot start compacting: %s", l->topic, l->partition,
                      brook_err_str(e));
        for (size_t i = 0; i < j->nsrc; i++)
            seg_unpin(j->src[i].s);
        free_job(j);
        return NULL;
    }
    l->refs++;
    l->cleaning = j;
    return j;
}

/* The job is over (done, failed or aborted): let go of everything. */
static void end_job(cleaner *c)
{
    clean_job *j = c->job;
    plog *l = j->l;
    backend *be = c->be;
    int64_t ms = be->host->monotonic_ms(be->host) - j->started_ms;
    clean_discard_output(j);
    if (!j->aborted && !j->err && j->phase == PHASE_END) {
        if (j->map_end > l->clean_offset) /* a window short of the dirty part (tombstones due) moves nothing */
            l->clean_offset = j->map_end;
        l->tombstones_due_ms = j->tombstones_due_ms;
        be->host->log(be->host, BROOK_LOG_INFO,
                      "partition %s-%d: compacted offsets %" PRId64 "-%" PRId64 ": %" PRIu64 " bytes read, %" PRIu64
                      " written, %" PRId64 " records removed, %" PRId64 " ms",
                      l->topic, l->partition, j->src[0].base, j->map_end - 1, j->bytes_read, j->bytes_written,
                      j->records_removed, ms);
        be->host->metric_add(c->m_cleanings, 1);
    } else if (j->err) {
        be->host->log(be->host, BROOK_LOG_WARN, "partition %s-%d: compaction failed: %s; next try in %d s", l->topic,
                      l->partition, j->why, CLEAN_RETRY_MS / 1000);
        l->clean_retry_ms = be->host->now_ms(be->host) + CLEAN_RETRY_MS; /* not a warning every check */
    }
    be->host->metric_add(c->m_removed, j->records_removed);
    for (size_t i = 0; i < j->nsrc; i++)
        seg_unpin(j->src[i].s);
    if (l->cleaning == j)
        l->cleaning = NULL;
    c->job = NULL;
    free_job(j);
    plog_unref(l);
}

/* ---- putting cleaned groups in the log ------------------------------------------- */

static void apply_group(clean_job *j, clean_group *g)
{
    plog *l = j->l;
    size_t count = g->end - g->first, at = 0;
    while (at < l->nsegs && l->segs[at] != j->src[g->first].s)
        at++;
    int intact = at + count <= l->nsegs;
    for (size_t k = 0; intact && k < count; k++)
        intact = l->segs[at + k] == j->src[g->first + k].s;
    segment *n = intact ? seg_new(j->be, l, g->base) : NULL;
    if (!n) {
        /* cannot happen while settle guards the log; the files are right */
        j->be->host->log(j->be->host, BROOK_LOG_ERROR,
                         "partition %s-%d: cleaned segment %" PRId64 " cannot be put in the open log; appends "
                         "stop until a restart reads it",
                         l->topic, l->partition, g->base);
        l->failed = 1;
        return;
    }
    n->next = g->next_offset;
    n->size = g->size;
    n->max_ts = g->max_ts;
    n->idx = g->idx;
    n->nidx = n->cap = g->nidx;
    n->idx_loaded = 1;
    n->sealed = 1;
    g->idx = NULL;
    index_cache_use(n);
    for (size_t k = 0; k < count; k++)
        seg_release(l->segs[at + k]); /* still pinned by the job: freed at its end */
    l->segs[at] = n;
    memmove(l->segs + at + 1, l->segs + at + count, (l->nsegs - at - count) * sizeof *l->segs);
    l->nsegs -= count - 1;
}

static void apply_ready(clean_job *j)
{
    pthread_mutex_lock(&j->lock);
    clean_group *g = j->ready;
    j->ready = NULL;
    pthread_mutex_unlock(&j->lock);
    while (g) {
        clean_group *next = g->next;
        apply_group(j, g);
        free(g->idx);
        free(g);
        g = next;
    }
}

void cleaner_settle(plog *l)
{
    clean_job *j = l->cleaning;
    if (!j)
        return;
    cleaner *c = l->be->cleaner;
    pthread_mutex_lock(&j->lock); /* waits out a replacement in progress */
    __atomic_store_n(&j->aborted, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&j->lock);
    apply_ready(j);
    l->cleaning = NULL;
    if (!c->in_flight) { /* pausing between steps: end it now */
        if (c->step_timer) {
            l->be->host->timer_cancel(l->be->host, c->step_timer);
            c->step_timer = NULL;
        }
        end_job(c);
    }
}

/* ---- steps ------------------------------------------------------------------------ */

static void step_work(void *arg)
{
    clean_step(arg);
}

static void on_step_timer(void *arg)
{
    cleaner *c = arg;
    c->step_timer = NULL;
    submit_step(c);
}

static void step_done(void *arg)
{
    clean_job *j = arg;
    cleaner *c = j->be->cleaner;
    c->in_flight = 0;
    c->be->host->metric_add(c->m_bytes_read, (int64_t)j->step_read); /* progress shows as it goes */
    c->be->host->metric_add(c->m_bytes_written, (int64_t)j->step_written);
    apply_ready(j);
    if (j->err || j->aborted || j->l->closed || j->phase == PHASE_END) {
        end_job(c);
        return;
    }
    int64_t pause = 0, rate = c->be->cleaner_io_bytes_per_second;
    if (rate > 0) { /* the step's bytes at the rate, less the time it took */
        int64_t took = c->be->host->monotonic_ms(c->be->host) - c->step_started_ms;
        pause = (int64_t)(j->step_bytes * 1000 / (uint64_t)rate) - took;
    }
    if (pause > 0)
        c->be->host->timer_add(c->be->host, pause, on_step_timer, c, &c->step_timer);
    else
        submit_step(c);
}

static void submit_step(cleaner *c)
{
    clean_job *j = c->job;
    c->in_flight = 1;
    c->step_started_ms = c->be->host->monotonic_ms(c->be->host);
    if (c->be->host->run_blocking(c->be->host, step_work, step_done, j)) {
        c->in_flight = 0;
        j->err = BROOK_ERR_NOMEM;
        snprintf(j->why, sizeof j->why, "no I/O thread took the work");
        end_job(c);
    }
}

static void on_check(void *arg)
{
    cleaner *c = arg;
    backend *be = c->be;
    c->check_timer = NULL;
    int64_t now = be->host->now_ms(be->host);
    plog *best = NULL;
    size_t best_n = 0;
    double best_dirt = 0;
    for (plog *l = be->logs; l && !c->job; l = l->next_open) {
        if (!l->set.compact || l->failed || now < l->clean_retry_ms)
            continue;
        size_t n = cleanable(l, now);
        if (n > (size_t)be->max_open_files / 2) /* its sources stay open while it runs: the rest in a later round */
            n = (size_t)be->max_open_files / 2;
        double d = dirtiness(l, n, now);
        if (d > best_dirt) {
            best = l;
            best_n = n;
            best_dirt = d;
        }
    }
    if (best && (c->job = new_job(c, best, best_n, now)))
        submit_step(c);
    be->host->timer_add(be->host, be->cleaner_check_ms, on_check, c, &c->check_timer);
}

/* ---- the backend's cleaner ----------------------------------------------------------- */

brook_err cleaner_start(backend *be)
{
    cleaner *c = calloc(1, sizeof *c);
    if (!c)
        return BROOK_ERR_NOMEM;
    c->be = be;
    const brook_host *h = be->host;
    h->metric_register(h, "cleaner_cleanings_total", BROOK_METRIC_COUNTER, "log compactions finished", &c->m_cleanings);
    h->metric_register(h, "cleaner_read_bytes_total", BROOK_METRIC_COUNTER, "bytes the cleaner read", &c->m_bytes_read);
    h->metric_register(h, "cleaner_written_bytes_total", BROOK_METRIC_COUNTER, "bytes the cleaner wrote",
                       &c->m_bytes_written);
    h->metric_register(h, "cleaner_removed_records_total", BROOK_METRIC_COUNTER,
                       "records compaction removed (superseded, expired tombstones, keyless)", &c->m_removed);
    be->cleaner = c;
    h->timer_add(h, be->cleaner_check_ms, on_check, c, &c->check_timer);
    return BROOK_OK;
}

void cleaner_stop(backend *be)
{
    cleaner *c = be->cleaner;
    if (!c)
        return;
    if (c->check_timer)
        be->host->timer_cancel(be->host, c->check_timer);
    if (c->step_timer)
        be->host->timer_cancel(be->host, c->step_timer);
    c->step_timer = NULL;
    if (c->job && !c->in_flight)
        end_job(c);
    free(c);
    be->cleaner = NULL;
}

/* ---- recovery at open ---------------------------------------------------------------- */

static int parse_swap(const char *name, int64_t *base, int64_t *end)
{
    size_t d = SEG_NAME_DIGITS;
    if (strlen(name) != 2 * d + 6 || strspn(name, "0123456789") != d || name[d] != '.' ||
        strspn(name + d + 1, "0123456789") != d || strcmp(name + 2 * d + 1, ".swap") != 0)
        return 0;
    *base = strtoll(name, NULL, 10);
    *end = strtoll(name + d + 1, NULL, 10);
    return *end > *base;
}

/* Delete the segment files with a base in [base, end). */
static void drop_replaced(const plog *l, int64_t base, int64_t end)
{
    DIR *d = opendir(l->dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        const char *name = de->d_name;
        if (strspn(name, "0123456789") != SEG_NAME_DIGITS || name[SEG_NAME_DIGITS] != '.')
            continue;
        const char *ext = name + SEG_NAME_DIGITS;
        int64_t b = strtoll(name, NULL, 10);
        if (b >= base && b < end && (!strcmp(ext, ".log") || !strcmp(ext, ".index") || !strcmp(ext, ".timeindex"))) {
            char path[PATH_MAX + 300];
            snprintf(path, sizeof path, "%s/%s", l->dir, name);
            unlink(path);
        }
    }
    if (d)
        closedir(d);
}

brook_err cleaner_recover(plog *l)
{
    DIR *d = opendir(l->dir);
    if (!d)
        return seg_errno(errno);
    struct dirent *de;
    int changed = 0;
    brook_err e = BROOK_OK;
    while (!e && (de = readdir(d))) {
        const char *name = de->d_name;
        size_t len = strlen(name);
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", l->dir, name);
        int64_t base, end;
        if (len > 8 && strcmp(name + len - 8, ".cleaned") == 0) {
            l->be->host->log(l->be->host, BROOK_LOG_INFO,
                             "partition %s-%d: dropping a compaction cut short before it replaced anything (%s)",
                             l->topic, l->partition, name);
            unlink(path);
            changed = 1;
        } else if (parse_swap(name, &base, &end)) {
            char log_path[PATH_MAX + 32];
            snprintf(log_path, sizeof log_path, "%s/%0*" PRId64 ".log", l->dir, SEG_NAME_DIGITS, base);
            l->be->host->log(l->be->host, BROOK_LOG_INFO,
                             "partition %s-%d: finishing a compaction cut short (offsets %" PRId64 "-%" PRId64 ")",
                             l->topic, l->partition, base, end - 1);
            drop_replaced(l, base, end);
            if (seg_sync_dir(l->dir) || rename(path, log_path) < 0) /* the sources gone for good, then the swap */
                e = seg_errno(errno);
            changed = 1;
            rewinddir(d); /* the directory changed under readdir */
        }
    }
    closedir(d);
    if (!e && changed && seg_sync_dir(l->dir))
        e = seg_errno(errno);
    return e;
}

int cleaner_leftover(const char *name)
{
    size_t len = strlen(name);
    int64_t base, end;
    return (len > 8 && strcmp(name + len - 8, ".cleaned") == 0) || parse_swap(name, &base, &end);
}

void cleaner_load_checkpoint(plog *l, int exists)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/cleaner-checkpoint", l->dir);
    long long offset = -1, due = INT64_MAX;
    FILE *f = exists ? fopen(path, "r") : NULL;
    if (f) {
        if (fscanf(f, "%lld %lld", &offset, &due) != 2)
            offset = -1, due = INT64_MAX;
        fclose(f);
    }
    l->clean_offset = offset >= 0 ? offset : 0;
    l->tombstones_due_ms = due;
}
