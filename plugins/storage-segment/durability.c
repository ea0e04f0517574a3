/* When appended bytes count as durable, per the flush policy:
 *
 *   always    every acknowledgement waits for an fdatasync that covers it.
 *             Group commit: appends that arrive while a sync is running all
 *             wait for the next one, so N concurrent producers cost one
 *             sync per round, not N.
 *   interval  an fdatasync every flush_ms (sooner after flush_messages
 *             records). Acknowledged once written, like Kafka's flush.ms:
 *             survives kill -9, and a crash of the machine loses at most the
 *             last interval. With ack_after_sync acknowledgements instead
 *             wait for the sync that covers them (no loss, up to flush_ms
 *             of added latency).
 *   os        acknowledged once written to the page cache; the kernel
 *             writes back when it likes: survives a crash of brookd
 *             (kill -9), not of the machine.
 *
 * Syncs run on the host's I/O threads and complete back on the loop. With
 * `always` a sync goes on by itself while producers wait for appends made
 * during it: it posts "durable up to here" to the loop and syncs again at
 * once, instead of ending and waiting for the loop to start the next one
 * (a round trip that left the disk idle, 0.26 ms at the median under
 * load; docs/benchmarks.md). A
 * failed fdatasync marks the partition failed: after a failed fsync Linux
 * may have dropped the dirty pages, so nothing written since can be
 * trusted and appends are refused until a restart re-validates the log. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "segstore.h"

/* A sync of one partition's dirty files, off the loop. */
typedef struct sync_job {
    sync_part part;
    int chain_fd;    /* the active file's, when the sync may go on with later appends; else -1 */
    uint64_t layout; /* chain_layout when it was taken */
} sync_job;

/* A chain stops after this many syncs and lets queued work have the I/O
 * thread; the loop starts the next one. */
#define CHAIN_MAX_SYNCS 16

static void answer(plog *l, uint64_t upto, brook_err err)
{
    while (l->waiters && (err || l->waiters->target <= upto)) {
        durable_waiter *w = l->waiters;
        l->waiters = w->next;
        if (!l->waiters)
            l->waiters_tail = NULL;
        w->cb(w->arg, err);
        free(w);
    }
}

int seg_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = fsync(fd) < 0 ? errno : 0;
    close(fd);
    errno = err;
    return err;
}

/* Appended bytes a running sync may take in: published once written. */
static void publish_appended(plog *l)
{
    atomic_store_explicit(&l->chain_appended, l->appended_seq, memory_order_release);
}

void durability_files_change(plog *l)
{
    atomic_fetch_add_explicit(&l->chain_layout, 1, memory_order_release);
}

static void count_write(plog *l)
{
    l->appended_seq++;
    l->last_write = ++l->be->writes;
}

void durability_note_write(plog *l)
{
    count_write(l);
    publish_appended(l);
}

static void start_sync(plog *l);
static void arm_timer(plog *l);

/* With cache_keep_bytes, the bytes of segment i that this sync may drop from
 * the page cache: all but the partition's newest cache_keep_bytes, minus
 * what an earlier sync dropped. Recent data stays cached for consumers at
 * the tail; older data is read from disk again if anyone asks. */
static void plan_drop(const plog *l, size_t i, uint64_t newer_bytes, uint64_t *from, uint64_t *to)
{
    const segment *s = l->segs[i];
    int64_t keep = l->be->cache_keep_bytes;
    *from = *to = 0;
    if (keep < 0 || newer_bytes >= (uint64_t)keep) {
        if (keep >= 0)
            *to = s->size;
    } else if (s->size > (uint64_t)keep - newer_bytes) {
        *to = s->size - ((uint64_t)keep - newer_bytes);
    }
    /* Whole pages only: the kernel keeps a partial one. Each range is asked
     * for twice (this sync and the next): pages the writer just added may
     * still sit in another CPU's LRU batch, where the kernel cannot drop them. */
    *to -= *to % (uint64_t)sysconf(_SC_PAGESIZE);
    *from = s->uncached_before < *to ? s->uncached_before : *to;
}

size_t sync_part_dirty_files(const plog *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->nsegs; i++)
        n += l->segs[i]->dirty != 0;
    return n;
}

brook_err sync_part_take(plog *l, sync_part *p, int per_file)
{
    *p = (sync_part){.l = l, .target = l->appended_seq, .per_file = per_file};
    if (!(p->files = calloc(l->nsegs ? l->nsegs : 1, sizeof *p->files)))
        return BROOK_ERR_NOMEM;
    p->sync_dir = per_file && l->dir_dirty; /* a file-system sync covers directories */
    uint64_t newer_bytes = 0;               /* in segments after the current one */
    for (size_t i = l->nsegs; i-- > 0; newer_bytes += l->segs[i]->size) {
        segment *s = l->segs[i];
        if (!s->dirty)
            continue;
        sync_file *f = &p->files[p->n];
        plan_drop(l, i, newer_bytes, &f->drop_from, &f->drop_to);
        s->dirty = 0;
        if (!per_file && f->drop_to <= f->drop_from)
            continue; /* the file-system sync needs no descriptor for it */
        if ((f->fd = seg_fd(s)) < 0) {
            p->err = errno;
            break;
        }
        seg_pin(s);
        if (f->drop_to > s->uncached) {
            s->uncached_before = s->uncached;
            s->uncached = f->drop_to;
        }
        f->s = s;
        p->n++;
    }
    l->dir_dirty = 0;
    l->unflushed_msgs = 0;
    l->syncing = 1;
    return BROOK_OK;
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* How long the disk takes to make data durable, as operators watch it
 * (Kafka's log flush time): under flush "always" a produce waits for one
 * or two of these, so their tail is the floor of the produce's. */
/* sync(fd), timed into `histogram`; errno as the call left it. */
static int timed_sync(backend *be, int (*sync)(int fd), int fd, brook_metric *histogram)
{
    double start = seconds_now();
    int rc = sync(fd);
    int saved = errno;
    be->host->metric_observe(histogram, seconds_now() - start);
    errno = saved;
    return rc;
}

int seg_fdatasync(backend *be, int fd)
{
    return timed_sync(be, fdatasync, fd, be->m_fdatasync_seconds);
}

int seg_syncfs(backend *be)
{
    return timed_sync(be, syncfs, be->fs_fd, be->m_syncfs_seconds);
}

static void drop_cache(const sync_file *f)
{
    if (f->drop_to > f->drop_from) /* clean now, so droppable */
        posix_fadvise(f->fd, (off_t)f->drop_from, (off_t)(f->drop_to - f->drop_from), POSIX_FADV_DONTNEED);
}

void sync_part_run(sync_part *p)
{
    for (size_t i = 0; i < p->n && !p->err; i++) {
        if (p->per_file && seg_fdatasync(p->l->be, p->files[i].fd) < 0)
            p->err = errno;
        else
            drop_cache(&p->files[i]);
    }
    if (!p->err && p->sync_dir)
        p->err = seg_sync_dir(p->l->dir);
}

static void release_files(sync_part *p)
{
    for (size_t i = 0; i < p->n; i++)
        seg_unpin(p->files[i].s);
    free(p->files);
    p->files = NULL;
    p->n = 0;
}

void sync_part_finish(sync_part *p)
{
    plog *l = p->l;
    backend *be = l->be;
    release_files(p);
    be->host->metric_add(be->m_fsyncs, 1);
    if (!l->closed) {
        /* Still "syncing" while answering: producers acknowledged here append
         * again right away, and all of them should share the next sync
         * rather than the first one starting a sync of its own. */
        if (p->err) {
            be->host->log(be->host, BROOK_LOG_ERROR,
                          "partition %s-%d: fdatasync failed: %s; refusing appends until restart", l->topic,
                          l->partition, strerror(p->err));
            l->failed = 1;
            answer(l, 0, seg_errno(p->err));
            l->syncing = 0;
        } else {
            if (p->target > l->synced_seq)
                l->synced_seq = p->target;
            answer(l, l->synced_seq, BROOK_OK);
            l->syncing = 0;
            /* appends that landed during this sync need the next one */
            if (l->appended_seq > l->synced_seq && !l->closed) {
                if (l->set.flush == FLUSH_ALWAYS && l->waiters)
                    start_sync(l);
                else if (l->set.flush == FLUSH_INTERVAL)
                    arm_timer(l);
            }
        }
    }
    plog_unref(l);
}

void sync_part_retry(sync_part *p)
{
    plog *l = p->l;
    release_files(p);
    /* Which files the failed sync held no longer matters: all of them
     * again, one by one, so the failure is pinned on its partition. */
    for (size_t i = 0; i < l->nsegs; i++)
        l->segs[i]->dirty = 1;
    l->dir_dirty = 1;
    l->syncing = 0;
    if (!l->closed)
        start_sync(l);
    plog_unref(l);
}

void sync_part_abandon(plog *l, brook_err err)
{
    answer(l, 0, err);
    l->syncing = 0;
    plog_unref(l);
}

/* On the loop: a chained sync's progress. The job's ref keeps the log. */
typedef struct sync_progress {
    plog *l;
    uint64_t synced;
} sync_progress;

static void progress_done(void *arg)
{
    sync_progress *m = arg;
    plog *l = m->l;
    if (m->synced > l->synced_seq)
        l->synced_seq = m->synced;
    answer(l, l->synced_seq, BROOK_OK);
    free(m);
}

static int post_progress(plog *l, uint64_t synced)
{
    const brook_host *host = l->be->host;
    sync_progress *m = malloc(sizeof *m);
    if (!m)
        return 0;
    *m = (sync_progress){.l = l, .synced = synced};
    if (host->post(host, progress_done, m)) {
        free(m);
        return 0;
    }
    return 1;
}

/* On the I/O thread, after the job's sync: while producers wait for bytes
 * appended to the active file since, tell the loop how far is durable and
 * sync again. The appended mark is read before the layout check and the
 * sync: everything it counts was written to this file before the sync
 * starts (a roll bumps the layout before its first append is published). */
static void chain_syncs(sync_job *j)
{
    sync_part *p = &j->part;
    plog *l = p->l;
    backend *be = l->be;
    for (int n = 0; !p->err && n < CHAIN_MAX_SYNCS; n++) {
        if (atomic_load_explicit(&l->chain_wanted, memory_order_acquire) <= p->target ||
            atomic_load_explicit(&be->syncs_queued, memory_order_relaxed) > 0)
            return;
        uint64_t target = atomic_load_explicit(&l->chain_appended, memory_order_acquire);
        if (atomic_load_explicit(&l->chain_layout, memory_order_acquire) != j->layout || !post_progress(l, p->target))
            return;
        if (seg_fdatasync(be, j->chain_fd) < 0)
            p->err = errno;
        else
            p->target = target;
        be->host->metric_add(be->m_fsyncs, 1);
    }
}

static void sync_work(void *arg)
{
    sync_job *j = arg;
    atomic_fetch_sub_explicit(&j->part.l->be->syncs_queued, 1, memory_order_relaxed);
    sync_part_run(&j->part); /* nothing if taking it failed */
    if (j->chain_fd >= 0)
        chain_syncs(j);
}

/* flush = "always": the sync may go on with the active file's later
 * appends (chain_syncs) if it holds that file. */
static void plan_chain(sync_job *j)
{
    plog *l = j->part.l;
    j->chain_fd = -1;
    j->layout = atomic_load_explicit(&l->chain_layout, memory_order_relaxed);
    if (l->set.flush != FLUSH_ALWAYS || j->part.err || l->nsegs == 0)
        return;
    for (size_t i = 0; i < j->part.n; i++)
        if (j->part.files[i].s == l->segs[l->nsegs - 1])
            j->chain_fd = j->part.files[i].fd;
}

static void sync_done(void *arg)
{
    sync_job *j = arg;
    sync_part_finish(&j->part);
    free(j);
}

/* One partition's own sync: flush = "always", or a partition that does not
 * join the backend's rounds (sync_round.c). */
static void start_sync(plog *l)
{
    sync_job *j = calloc(1, sizeof *j);
    if (!j || sync_part_take(l, &j->part, 1)) {
        free(j);
        answer(l, 0, BROOK_ERR_NOMEM);
        return;
    }
    l->refs++;
    plan_chain(j);
    const brook_host *host = l->be->host;
    atomic_fetch_add_explicit(&l->be->syncs_queued, 1, memory_order_relaxed);
    if (host->run_blocking(host, sync_work, sync_done, j)) {
        j->chain_fd = -1; /* its progress would reach the loop after sync_done */
        sync_work(j);
        sync_done(j);
    }
}

/* flush = "interval": time for this partition's sync. */
static void interval_sync(plog *l)
{
    if (l->on_data_fs && l->be->syncfs_min_files > 0)
        sync_round_join(l);
    else
        start_sync(l);
}

static void on_flush_timer(void *arg)
{
    plog *l = arg;
    l->flush_timer = NULL;
    if (!l->syncing && l->appended_seq > l->synced_seq)
        interval_sync(l);
}

static void arm_timer(plog *l)
{
    if (l->flush_timer || l->closed)
        return;
    /* partitions that sync in shared rounds fall due with shared ticks */
    if (l->on_data_fs && l->be->syncfs_min_files > 0 && sync_round_arm(l) == 0)
        return;
    const brook_host *host = l->be->host;
    if (host->timer_add(host, l->set.flush_ms, on_flush_timer, l, &l->flush_timer))
        l->flush_timer = NULL;
}

void durability_flush_changed(plog *l)
{
    if (l->flush_timer) {
        l->be->host->timer_cancel(l->be->host, l->flush_timer);
        l->flush_timer = NULL;
    }
    sync_round_disarm(l);
    if (l->set.flush == FLUSH_INTERVAL && !l->syncing && l->appended_seq > l->synced_seq)
        arm_timer(l);
}

void durability_appended(plog *l, int64_t records)
{
    count_write(l);
    publish_appended(l);
    l->unflushed_msgs += records;
    if (l->set.flush != FLUSH_INTERVAL)
        return;
    if (l->set.flush_messages > 0 && l->unflushed_msgs >= l->set.flush_messages && !l->syncing)
        interval_sync(l);
    else
        arm_timer(l);
}

void durability_when_durable(plog *l, brook_storage_durable_cb cb, void *arg)
{
    if (l->failed) {
        cb(arg, BROOK_ERR_IO);
        return;
    }
    if (!l->set.ack_waits_for_sync || l->synced_seq >= l->appended_seq) {
        cb(arg, BROOK_OK);
        return;
    }
    durable_waiter *w = malloc(sizeof *w);
    if (!w) {
        cb(arg, BROOK_ERR_NOMEM);
        return;
    }
    *w = (durable_waiter){.cb = cb, .arg = arg, .target = l->appended_seq};
    if (l->waiters_tail)
        l->waiters_tail->next = w;
    else
        l->waiters = w;
    l->waiters_tail = w;
    atomic_store_explicit(&l->chain_wanted, w->target, memory_order_release);
    if (l->set.flush == FLUSH_ALWAYS && !l->syncing)
        start_sync(l);
}

brook_err durability_flush_now(plog *l)
{
    int err = 0;
    for (size_t i = 0; i < l->nsegs && !err; i++) {
        segment *s = l->segs[i];
        if (!s->dirty)
            continue;
        int fd = seg_fd(s);
        if (fd < 0 || seg_fdatasync(l->be, fd) < 0)
            err = errno;
        else
            s->dirty = 0;
    }
    if (!err && l->dir_dirty && !(err = seg_sync_dir(l->dir)))
        l->dir_dirty = 0;
    if (err) {
        l->be->host->log(l->be->host, BROOK_LOG_ERROR, "partition %s-%d: flush failed: %s", l->topic, l->partition,
                         strerror(err));
        l->failed = 1;
        return seg_errno(err);
    }
    if (!l->syncing)
        l->synced_seq = l->appended_seq;
    return BROOK_OK;
}

/* Whether a file-system sync that began after this log's last write has
 * completed, or can be made now: then every byte of the log is on disk. */
static int covered_by_fs_sync(plog *l)
{
    backend *be = l->be;
    if (!l->on_data_fs || be->syncfs_min_files <= 0)
        return 0;
    if (l->last_write <= be->fs_synced_writes)
        return 1;
    /* One partition closing while the others are busy: its own files only,
     * the loop does not wait for everyone's. */
    size_t unsynced = 0;
    for (const plog *o = be->logs; o && unsynced < (size_t)be->syncfs_min_files; o = o->next_open)
        unsynced += o->last_write > be->fs_synced_writes && o->synced_seq < o->appended_seq;
    if (unsynced < (size_t)be->syncfs_min_files)
        return 0;
    uint64_t writes = be->writes;
    if (seg_syncfs(be) < 0)
        return 0; /* the per-file syncs say whose file failed */
    be->fs_synced_writes = writes;
    be->host->metric_add(be->m_syncfs, 1);
    return 1;
}

brook_err durability_close(plog *l)
{
    durability_files_change(l);
    if (l->flush_timer) {
        l->be->host->timer_cancel(l->be->host, l->flush_timer);
        l->flush_timer = NULL;
    }
    sync_round_disarm(l); /* what is dirty syncs below: a tick would only hold the log */
    /* A log made empty by this run and never appended to holds nothing a
     * crash could lose (the broker recreates a missing log empty): its new
     * directory needs no sync, which makes closing thousands of unused
     * partitions (auto-created ones, say) quick. */
    if (l->created_empty && l->appended_seq == 0)
        l->dir_dirty = 0;
    /* A sync still running holds files it marked clean: they count as
     * dirty until it is done, and nobody is answered before then. */
    if (l->syncing)
        for (size_t i = 0; i < l->nsegs; i++)
            l->segs[i]->dirty = 1;
    brook_err e = BROOK_OK;
    if (l->set.flush != FLUSH_OS && (sync_part_dirty_files(l) || l->dir_dirty)) {
        /* A broker stopping closes every partition in a row: one sync of
         * the file system covers them all, where per-file syncs of ten
         * thousand partitions took seconds. */
        if (covered_by_fs_sync(l)) {
            for (size_t i = 0; i < l->nsegs; i++)
                l->segs[i]->dirty = 0;
            l->dir_dirty = 0;
        } else {
            e = durability_flush_now(l);
        }
    }
    /* Everything is on disk now (or failed): answer every waiter, including
     * those of a sync still running, whose completion then finds us closed. */
    answer(l, UINT64_MAX, e);
    return e;
}

/* ---- sealing a segment at roll ------------------------------------------------ */

typedef struct seal_job {
    segment *s;
    int fd;
    index_entry *idx;
    size_t n;
    int64_t max_ts;
    uint32_t end_rel;
    char path[PATH_MAX];
    brook_err err;
} seal_job;

static void seal_work(void *arg)
{
    seal_job *j = arg;
    /* data first: index files only ever describe data that is on disk */
    if (seg_fdatasync(j->s->be, j->fd) < 0)
        j->err = seg_errno(errno);
    else
        j->err = seg_write_index_files(j->path, j->idx, j->n, j->max_ts, j->end_rel);
}

static void seal_done(void *arg)
{
    seal_job *j = arg;
    if (j->err)
        j->s->be->host->log(j->s->be->host, BROOK_LOG_WARN,
                            "%s: sealing failed (%s); its index will be rebuilt at the next start", j->path,
                            brook_err_str(j->err));
    j->s->sealing = 0;
    if (!j->err) /* its index is in its files now: memory may let it go */
        index_cache_use(j->s);
    seg_unpin(j->s);
    free(j->idx);
    free(j);
}

void durability_seal(segment *s)
{
    const brook_host *host = s->be->host;
    s->sealed = 1;
    seal_job *j = calloc(1, sizeof *j);
    int fd = seg_fd(s);
    if (!j || fd < 0 || (s->nidx && !(j->idx = malloc(s->nidx * sizeof *j->idx)))) {
        host->log(host, BROOK_LOG_WARN, "%s: cannot seal now; its index will be rebuilt at the next start", s->path);
        free(j);
        return;
    }
    if (s->nidx)
        memcpy(j->idx, s->idx, s->nidx * sizeof *j->idx);
    j->s = s;
    s->sealing = 1;
    j->fd = fd;
    j->n = s->nidx;
    j->max_ts = s->max_ts;
    j->end_rel = (uint32_t)(s->next - s->base);
    snprintf(j->path, sizeof j->path, "%s", s->path);
    seg_pin(s);
    if (host->run_blocking(host, seal_work, seal_done, j)) {
        seal_work(j);
        seal_done(j);
    }
}
