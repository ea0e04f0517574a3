/* Sealed segments' indexes read in off the event loop.
 *
 * A sealed segment's index is in memory only while index_cache keeps it;
 * a read of a segment whose index was dropped (or never loaded since the
 * start) needs it back first: two files of up to a few MiB per GiB of log,
 * read and checked. Done by the read itself, on the loop, that is every
 * other client of the broker waiting for the disk, once per segment a
 * consumer catching up reads (Kafka's lazy indexes are read on one of its
 * request threads; here there is one loop).
 *
 * So the core asks first (storage.h's prepare_read): when the segment
 * holding the offset has no index in memory, a job reads the files into a
 * copy of the segment on an I/O thread and the loop moves the entries in,
 * then answers every read waiting on that log. A read that already holds
 * batches stops at a segment without its index instead of loading it,
 * and starts its load, so a consumer reading on finds the next segment's
 * index in by its next fetch. Files found missing or corrupt are left to
 * the read, which rebuilds them from the log as before (waiting: this
 * follows a crash or a damaged disk, not normal reading). */
#include <stdlib.h>

#include "segstore.h"

typedef struct load_job {
    plog *l; /* a reference: its waiters are answered even if s left it meanwhile */
    segment *s;
    segment *copy;   /* the job's own: the loop goes on using s meanwhile */
    uint32_t layout; /* s->idx_layout when the job began */
    int bad;
} load_job;

static void load_work(void *arg)
{
    load_job *j = arg;
    j->bad = seg_parse_index_files(j->copy);
}

/* The job's index, if s still wants it: still sealed in a log, not loaded
 * meanwhile by a read that could not wait, not rebuilt since. */
static void install(load_job *j)
{
    segment *s = j->s, *c = j->copy;
    if (!s->sealed || s->idx_loaded || s->idx_layout != j->layout)
        return;
    if (j->bad) {
        s->idx_unreadable = 1;
        return;
    }
    free(s->idx);
    s->idx = c->idx;
    s->nidx = c->nidx;
    s->cap = c->cap;
    c->idx = NULL;
    s->idx_loaded = 1;
    index_cache_use(s);
}

static void load_done(void *arg)
{
    load_job *j = arg;
    segment *s = j->s;
    plog *l = j->l;
    s->be->host->metric_add(s->be->m_index_loads, 1);
    if (s->log)
        install(j);
    seg_load_ended(s); /* freed here if its log let it go meanwhile (retention, compaction, close) */
    if (!l->closed)    /* closing answered them */
        index_load_answer(l, BROOK_OK);
    plog_unref(l);
    seg_free_copy(j->copy);
    free(j);
}

void index_load_start(segment *s)
{
    if (s->idx_loaded || s->idx_loading || s->idx_unreadable || !s->sealed || s->sealing)
        return;
    load_job *j = malloc(sizeof *j);
    if (!j || !(j->copy = seg_copy_for_load(s))) {
        free(j);
        return;
    }
    j->l = s->log;
    j->l->refs++;
    j->s = s;
    j->layout = s->idx_layout;
    j->bad = 0;
    s->idx_loading = 1; /* keeps s, not its fd or index: a read may still load and drop it meanwhile */
    const brook_host *host = s->be->host;
    if (host->run_blocking(host, load_work, load_done, j)) {
        load_work(j);
        load_done(j);
    }
}

ready_waiter *index_load_waiter(brook_storage_ready_cb cb, void *arg)
{
    ready_waiter *w = malloc(sizeof *w);
    if (w)
        *w = (ready_waiter){.cb = cb, .arg = arg};
    return w;
}

brook_err index_load_wait(plog *l, ready_waiter *w)
{
    w->next = l->ready_waiters;
    l->ready_waiters = w;
    return BROOK_ERR_AGAIN;
}

brook_err index_load_prepare(plog *l, segment *s, brook_storage_ready_cb cb, void *arg)
{
    if (s->idx_loaded || !s->size)
        return BROOK_OK;
    ready_waiter *w = index_load_waiter(cb, arg);
    if (!w)
        return BROOK_OK; /* the caller loads it, waiting */
    index_load_start(s);
    if (!s->idx_loading) { /* in already (no I/O thread), or left to the caller */
        free(w);
        return BROOK_OK;
    }
    return index_load_wait(l, w);
}

brook_err index_load_prepare_read(plog *l, int64_t offset, brook_storage_ready_cb cb, void *arg)
{
    if (offset < l->start || offset >= plog_end(l))
        return BROOK_OK; /* read answers it without a segment */
    return index_load_prepare(l, l->segs[plog_find_segment(l, offset)], cb, arg);
}

void index_load_answer(plog *l, brook_err err)
{
    ready_waiter *w = l->ready_waiters;
    l->ready_waiters = NULL;
    while (w) {
        ready_waiter *next = w->next;
        w->cb(w->arg, err);
        free(w);
        w = next;
    }
}
