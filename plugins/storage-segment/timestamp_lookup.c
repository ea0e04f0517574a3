/* Kafka's ListOffsets by time: the first record at or after a timestamp,
 * found through the segments' largest timestamps, the index, and the batch
 * headers from the nearest index entry on.
 *
 * The lookup runs on the event loop and reads what it needs, waiting; so
 * the core asks first (storage.h's prepare_timestamp): when the segment
 * the time falls in has no index in memory, the index is read in off the
 * loop (index_load.c); when the headers from its index entry on or the
 * batch found are not in the page cache, an I/O thread walks and reads
 * them, which brings them in. Either way the waiters are answered on the
 * loop and the core asks again. */
#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include <brook/batch.h>

#include "segstore.h"

/* ---- the walk ------------------------------------------------------------------ */

/* The first segment holding a batch as late as ts (NULL: none). */
static segment *segment_for(const plog *l, int64_t ts)
{
    for (size_t i = 0; i < l->nsegs; i++)
        if (l->segs[i]->size && l->segs[i]->max_ts >= ts)
            return l->segs[i];
    return NULL;
}

/* Where the walk for ts starts in s (its index in memory): the last index
 * entry whose preceding batches are all earlier. */
static uint64_t walk_start(const segment *s, int64_t ts)
{
    uint64_t pos = 0;
    for (size_t k = 0; k < s->nidx && s->idx[k].max_ts < ts; k++)
        pos = s->idx[k].pos;
    return pos;
}

/* Walk the headers of fd's batches below `limit` from *pos on to the first
 * whose max timestamp is >= ts: 0 with its header in *h and its position
 * in *pos, else reader_head's answer (with `nowait`, READER_WOULD_WAIT
 * when a header is not in the page cache). */
static int find_batch(int fd, uint64_t limit, int64_t ts, int nowait, uint64_t *pos, batch_head *h)
{
    head_reader *r = malloc(sizeof *r);
    if (!r)
        return -1;
    reader_init(r, fd, limit);
    r->nowait = nowait;
    int rc;
    while ((rc = reader_head(r, *pos, h)) == 0 && h->max_ts < ts)
        *pos += h->size;
    free(r);
    return rc;
}

/* The batch's bytes (the caller frees them), NULL when unreadable. */
static uint8_t *read_batch(int fd, uint64_t pos, uint32_t size)
{
    uint8_t *batch = malloc(size);
    if (batch && pread(fd, batch, size, (off_t)pos) != (ssize_t)size) {
        free(batch);
        return NULL;
    }
    return batch;
}

/* Whether the byte at `pos` is in the page cache (or the file system cannot say). */
static int byte_cached(int fd, uint64_t pos)
{
    uint8_t byte;
    struct iovec iov = {&byte, 1};
    return preadv2(fd, &iov, 1, (off_t)pos, RWF_NOWAIT) >= 0 || errno != EAGAIN;
}

#define PROBE_STRIDE (128u << 10) /* the kernel reads ahead and drops in runs of about this, or more */

/* Whether the batch looks cached: a byte every PROBE_STRIDE and its last
 * one, rather than copying it all twice. */
static int batch_cached(int fd, uint64_t pos, uint32_t size)
{
    for (uint64_t at = pos; at < pos + size; at += PROBE_STRIDE)
        if (!byte_cached(fd, at))
            return 0;
    return byte_cached(fd, pos + size - 1);
}

brook_err plog_offset_for_timestamp(plog *l, int64_t ts, int64_t *offset, int64_t *found)
{
    const brook_batch_ops *ops = l->be->host->batch;
    for (size_t i = 0; i < l->nsegs; i++) {
        segment *s = l->segs[i];
        if (s->size == 0 || s->max_ts < ts)
            continue;
        int fd;
        brook_err e = seg_walkable(s, &fd);
        if (e)
            return e;
        uint64_t pos = walk_start(s, ts);
        batch_head h;
        if (find_batch(fd, s->size, ts, 0, &pos, &h) != 0)
            continue;
        *offset = h.base;
        *found = h.max_ts;
        /* the exact record, when the batch is readable uncompressed */
        uint8_t *batch = read_batch(fd, pos, h.size);
        brook_batch_iter it;
        brook_record rec;
        if (batch && ops->iter_init(&it, batch, h.size) == BROOK_OK)
            while (ops->iter_next(&it, &rec) == BROOK_OK)
                if (rec.timestamp >= ts) {
                    *offset = rec.offset;
                    *found = rec.timestamp;
                    break;
                }
        free(batch);
        return BROOK_OK;
    }
    return BROOK_ERR_NOT_FOUND;
}

/* ---- getting ready off the loop ---------------------------------------------------- */

typedef struct read_ahead {
    plog *l;    /* a reference: its waiters are answered even if s left it */
    segment *s; /* pinned: its fd stays open */
    int fd;
    uint64_t pos, limit;
    int64_t ts;
} read_ahead;

/* The lookup's reads, waiting, on an I/O thread: what they read is then in
 * the page cache for the lookup on the loop. */
static void read_ahead_work(void *arg)
{
    read_ahead *j = arg;
    batch_head h;
    if (find_batch(j->fd, j->limit, j->ts, 0, &j->pos, &h) == 0)
        free(read_batch(j->fd, j->pos, h.size));
}

static void read_ahead_done(void *arg)
{
    read_ahead *j = arg;
    seg_unpin(j->s);   /* freed here if its log let it go meanwhile */
    if (!j->l->closed) /* closing answered them */
        index_load_answer(j->l, BROOK_OK);
    plog_unref(j->l);
    free(j);
}

/* Whether the lookup in s would find everything in the page cache. */
static int cached(int fd, const segment *s, int64_t ts)
{
    uint64_t pos = walk_start(s, ts);
    batch_head h;
    int rc = find_batch(fd, s->size, ts, 1, &pos, &h);
    if (rc != 0)
        return rc != READER_WOULD_WAIT; /* not there, or malformed: the lookup says so at once */
    return batch_cached(fd, pos, h.size);
}

brook_err timestamp_prepare(plog *l, int64_t ts, brook_storage_ready_cb cb, void *arg)
{
    segment *s = segment_for(l, ts);
    if (!s)
        return BROOK_OK; /* not found, without reading */
    if (!s->idx_loaded)
        return index_load_prepare(l, s, cb, arg);
    int fd = seg_fd(s);
    if (fd < 0 || cached(fd, s, ts))
        return BROOK_OK;
    read_ahead *j = malloc(sizeof *j);
    ready_waiter *w = index_load_waiter(cb, arg);
    if (!j || !w) {
        free(j);
        free(w);
        return BROOK_OK; /* the lookup reads, waiting */
    }
    *j = (read_ahead){.l = l, .s = s, .fd = fd, .pos = walk_start(s, ts), .limit = s->size, .ts = ts};
    const brook_host *host = l->be->host;
    seg_pin(s);
    l->refs++;
    if (host->run_blocking(host, read_ahead_work, read_ahead_done, j)) {
        seg_unpin(s);
        l->refs--;
        free(j);
        free(w);
        return BROOK_OK;
    }
    return index_load_wait(l, w);
}
