/* Interval flushes of many partitions: one file-system sync for all.
 *
 * With flush = "interval" every partition syncs its dirty files every
 * flush_ms. Ten thousand partitions made ten thousand fdatasyncs per
 * interval, each one committing ext4's journal: 4.5 s of wall time and
 * 0.67 s of CPU per round on this machine's disk, against 0.11 s and
 * 2.5 ms for one syncfs(2) of the same files (docs/benchmarks.md). So a
 * partition that falls due joins the backend's next round; a round with
 * at least syncfs_min_files dirty files makes one syncfs of the data
 * directory's file system, which writes back every dirty file and commits
 * the journal (new directory entries included); a smaller round makes the
 * usual per-file fdatasyncs, in one job.
 *
 * The guarantee is the same as per file: a partition counts as synced only
 * after a call the kernel documents as covering its bytes returned 0.
 * syncfs reports a write-back error of any file on the file system (Linux
 * 5.8 and later) and cannot say whose; after a failure each partition of
 * the round syncs its own files again with fdatasync, which reports the
 * error on the file it hit (every open file sees a write-back error once),
 * so only that partition is failed. Partitions on another file system (a
 * directory mounted under the data directory) keep per-partition syncs.
 *
 * One round runs at a time. Partitions falling due meanwhile wait for the
 * next.
 *
 * When a partition falls due is set by flush ticks the backend shares, not
 * by a timer of its own: a partition written since its last sync joins the
 * newest pending tick that comes due within its flush_ms and not more than
 * a quarter of it sooner, or else a new tick flush_ms away. So
 * partitions written within a quarter interval of each other fall due in
 * the same pass and make one round, and each syncs 0.75-1 flush_ms after
 * its first unsynced write, never later. With a deadline of its own each,
 * ten thousand partitions written one after another fell due one after
 * another: rounds too small for a syncfs, each an fdatasync (a journal
 * commit) per file and an fsync per new directory entry (4,800 such calls
 * in a 10,000-partition produce run, 30,000 disk writes; docs/benchmarks.md). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "segstore.h"

typedef struct round_job {
    backend *be;
    int whole_fs;    /* one syncfs instead of per-file fdatasyncs */
    uint64_t writes; /* the backend's write count when the round began */
    int fs_err;      /* syncfs failed: errno */
    size_t n;
    sync_part parts[];
} round_job;

static void round_work(void *arg)
{
    round_job *j = arg;
    if (j->whole_fs && seg_syncfs(j->be) < 0) {
        j->fs_err = errno;
        return;
    }
    for (size_t i = 0; i < j->n; i++)
        if (!j->parts[i].err)
            sync_part_run(&j->parts[i]); /* whole_fs: only drops the synced pages asked for */
}

static void start_round(backend *be);

static void round_done(void *arg)
{
    round_job *j = arg;
    backend *be = j->be;
    be->round_running = 0;
    if (j->whole_fs && !j->fs_err) {
        be->host->metric_add(be->m_syncfs, 1);
        if (j->writes > be->fs_synced_writes)
            be->fs_synced_writes = j->writes;
    }
    if (j->fs_err)
        be->host->log(be->host, BROOK_LOG_WARN, "syncfs of %s failed (%s): each partition syncs its own files", be->dir,
                      strerror(j->fs_err));
    for (size_t i = 0; i < j->n; i++) {
        if (j->fs_err)
            sync_part_retry(&j->parts[i]);
        else
            sync_part_finish(&j->parts[i]);
    }
    free(j);
    if (be->round_first)
        start_round(be);
}

static plog *take_queue(backend *be, size_t *n)
{
    plog *first = be->round_first;
    *n = be->round_queued;
    be->round_first = be->round_last = NULL;
    be->round_queued = 0;
    return first;
}

static void start_round(backend *be)
{
    size_t queued;
    plog *l = take_queue(be, &queued);
    round_job *j = calloc(1, sizeof *j + queued * sizeof *j->parts);
    size_t files = 0;
    for (const plog *o = l; o; o = o->round_next)
        files += o->closed ? 0 : sync_part_dirty_files(o);
    if (j) {
        j->be = be;
        j->whole_fs = files >= (size_t)be->syncfs_min_files;
        j->writes = be->writes;
    }
    while (l) {
        plog *next = l->round_next;
        l->round_next = NULL;
        l->syncing = 0;
        if (!j)
            sync_part_abandon(l, BROOK_ERR_NOMEM);
        else if (l->closed) /* its close synced it */
            plog_unref(l);
        else if (sync_part_take(l, &j->parts[j->n], !j->whole_fs))
            sync_part_abandon(l, BROOK_ERR_NOMEM);
        else
            j->n++;
        l = next;
    }
    if (!j)
        return;
    be->round_running = 1;
    if (be->host->run_blocking(be->host, round_work, round_done, j)) {
        round_work(j);
        round_done(j);
    }
}

typedef struct flush_tick {
    backend *be;
    struct flush_tick *next;
    brook_timer *timer;
    int64_t due; /* monotonic ms */
    size_t n, cap;
    plog **logs; /* each holding a reference */
} flush_tick;

static void tick_free(flush_tick *t)
{
    for (size_t i = 0; i < t->n; i++) {
        t->logs[i]->tick = NULL;
        plog_unref(t->logs[i]);
    }
    free(t->logs);
    free(t);
}

/* Out of the backend's pending ticks (a few: one per quarter interval of
 * each flush_ms in use; topics may set their own, so not always the first). */
static void unlink_tick(backend *be, flush_tick *t)
{
    flush_tick **at = &be->ticks;
    while (*at != t)
        at = &(*at)->next;
    *at = t->next;
}

/* The tick is due: its partitions still unsynced join the next round, all
 * in this pass of the loop (the round starts after it). */
static void tick_fired(void *arg)
{
    flush_tick *t = arg;
    unlink_tick(t->be, t);
    for (size_t i = 0; i < t->n; i++) {
        plog *l = t->logs[i];
        l->tick = NULL;
        if (!l->closed && !l->syncing && l->appended_seq > l->synced_seq)
            sync_round_join(l);
    }
    tick_free(t);
}

/* A tick flush_ms from now, due at `due`, linked in at `end` (the list's end). */
static flush_tick *new_tick(backend *be, int64_t flush_ms, int64_t due, flush_tick **end)
{
    flush_tick *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->be = be;
    t->due = due;
    if (be->host->timer_add(be->host, flush_ms, tick_fired, t, &t->timer)) {
        free(t);
        return NULL;
    }
    *end = t;
    return t;
}

int sync_round_arm(plog *l)
{
    if (l->tick)
        return 0;
    backend *be = l->be;
    int64_t flush_ms = l->set.flush_ms, now = be->host->monotonic_ms(be->host);
    /* flush.ms may be Kafka's "never", INT64_MAX: no sum past the clock's range */
    int64_t latest = flush_ms > INT64_MAX - now ? INT64_MAX : now + flush_ms, earliest = latest - flush_ms / 4;
    flush_tick *t = NULL, **end = &be->ticks; /* the last-made pending tick due in [earliest, latest] */
    for (flush_tick *o = be->ticks; o; o = o->next) {
        if (o->due >= earliest && o->due <= latest)
            t = o;
        end = &o->next;
    }
    if (!t)
        t = new_tick(be, flush_ms, latest, end);
    if (!t)
        return -1;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        plog **logs = realloc(t->logs, cap * sizeof *logs);
        if (!logs)
            return -1;
        t->logs = logs;
        t->cap = cap;
    }
    l->tick = t;
    l->tick_at = t->n;
    t->logs[t->n++] = l;
    l->refs++;
    return 0;
}

/* O(1): a topic's flush.ms change disarms each of its partitions, and
 * closing every partition disarms each. */
void sync_round_disarm(plog *l)
{
    flush_tick *t = l->tick;
    if (!t)
        return;
    t->logs[l->tick_at] = t->logs[--t->n];
    t->logs[l->tick_at]->tick_at = l->tick_at;
    l->tick = NULL;
    plog_unref(l); /* not the last reference: the caller holds the log */
}

static void on_round_timer(void *arg)
{
    backend *be = arg;
    be->round_timer = NULL;
    if (!be->round_running && be->round_first)
        start_round(be);
}

void sync_round_join(plog *l)
{
    backend *be = l->be;
    l->syncing = 1; /* until its round is done */
    l->refs++;
    l->round_next = NULL;
    *(be->round_last ? &be->round_last->round_next : &be->round_first) = l;
    be->round_last = l;
    be->round_queued++;
    if (be->round_running || be->round_timer)
        return;
    /* Not at once: the partitions whose timers fire in this same pass of
     * the loop join first (a timer of delay 0 runs after them). */
    if (be->host->timer_add(be->host, 0, on_round_timer, be, &be->round_timer)) {
        be->round_timer = NULL;
        start_round(be);
    }
}

void sync_round_stop(backend *be)
{
    while (be->ticks) {
        flush_tick *t = be->ticks;
        be->ticks = t->next;
        be->host->timer_cancel(be->host, t->timer);
        tick_free(t);
    }
    if (be->round_timer) {
        be->host->timer_cancel(be->host, be->round_timer);
        be->round_timer = NULL;
    }
    size_t n;
    for (plog *l = take_queue(be, &n), *next; l; l = next) {
        next = l->round_next;
        l->round_next = NULL;
        l->syncing = 0;
        plog_unref(l);
    }
}
