/* Reading a partition log: whole batches from an offset, as file slices.
 *
 * A read runs on the event loop, so it avoids waiting for the disk. The
 * bytes it hands out are read later, by the send (the core reads those not
 * in the page cache on an I/O thread first); what the read itself needs are
 * batch boundaries, and it takes them from the index where it can. From
 * the batch holding the offset it takes
 *   - the rest of the segment whole when that fits the byte budget;
 *   - else everything up to the furthest index entry within the budget
 *     (entries are batch starts, one per index_interval_bytes of log);
 *   - then batch by batch from their headers, to fill the budget exactly,
 *     but only from headers already in the page cache: once a read holds
 *     something, it stops rather than wait for the disk (RWF_NOWAIT), and
 *     the consumer's next read goes on from there, an index entry again.
 * So a consumer reading on, however cold its data, costs the loop no disk
 * wait; headers are read, waiting if need be, only to find an offset that
 * is not an indexed batch start (a consumer that seeks) and for a first
 * batch larger than the budget. A sealed segment's index not in memory is
 * read in off the loop (index_load.c): a read holding batches stops before
 * such a segment, and the core asks prepare_read before the first. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "segstore.h"

static void release_slice(void *owner)
{
    seg_unpin(owner);
}

size_t plog_find_segment(const plog *l, int64_t offset)
{
    size_t lo = 0, hi = l->nsegs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (l->segs[mid]->base <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : 0;
}

/* Where to look for the batch holding `offset` in s: the position of the
 * index entry at or before it (or the segment's start). Returns whether a
 * batch is known to start exactly there, holding or following `offset`
 * (the segment's first batch, or an entry for exactly that offset). */
static int batch_start(const segment *s, int64_t offset, uint64_t *pos)
{
    *pos = 0;
    if (offset <= s->base)
        return 1;
    size_t lo = 0, hi = s->nidx;
    while (lo < hi) { /* first entry past `offset` */
        size_t mid = (lo + hi) / 2;
        if (s->base + (int64_t)s->idx[mid].rel <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!lo)
        return 0;
    *pos = s->idx[lo - 1].pos;
    return s->base + (int64_t)s->idx[lo - 1].rel == offset;
}

/* The furthest index entry in (pos, pos + budget] whose batch starts at or
 * below max_offset (so every batch before it ends below max_offset): the
 * position to cut at, 0 when there is none. */
static uint64_t index_cut(const segment *s, uint64_t pos, uint64_t budget, int64_t max_offset)
{
    uint64_t limit = budget > UINT32_MAX ? UINT64_MAX : pos + budget;
    size_t lo = 0, hi = s->nidx;
    while (lo < hi) { /* both grow along the index: the entries that qualify are a prefix */
        size_t mid = (lo + hi) / 2;
        if (s->idx[mid].pos <= limit && s->base + (int64_t)s->idx[mid].rel <= max_offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo && s->idx[lo - 1].pos > pos ? s->idx[lo - 1].pos : 0;
}

typedef struct read_ctx {
    int64_t offset, max_offset;
    size_t max_bytes;
    brook_slice *slices;
    size_t max_slices;
    size_t *n_slices, *bytes;
    brook_slice *cur;   /* the current segment's slice, once it has one */
    int done;           /* a limit reached: no further segment */
    head_reader *r;     /* made on the first header read: most reads need none */
    const segment *r_s; /* the segment r reads */
} read_ctx;

static uint64_t budget(const read_ctx *c)
{
    return *c->bytes < c->max_bytes ? c->max_bytes - *c->bytes : 0;
}

/* Add [pos, pos + len) of s to the read; when out of slices, the read is done. */
static int take(read_ctx *c, segment *s, int fd, uint64_t pos, uint64_t len)
{
    if (!c->cur) {
        if (*c->n_slices == c->max_slices) {
            c->done = 1;
            return 0;
        }
        c->cur = &c->slices[(*c->n_slices)++];
        *c->cur = (brook_slice){.fd = fd, .file_offset = (int64_t)pos, .release = release_slice, .owner = s};
        seg_pin(s);
    }
    c->cur->len += len;
    *c->bytes += len;
    return 1;
}

/* The header of the batch at pos in s: reader_head's answer, or
 * READER_NO_MEMORY. With nowait, only from the page cache. */
#define READER_NO_MEMORY (-2)
static int head_at(read_ctx *c, segment *s, int fd, uint64_t pos, int nowait, batch_head *h)
{
    if (!c->r && !(c->r = malloc(sizeof *c->r)))
        return READER_NO_MEMORY;
    if (c->r_s != s) {
        reader_init(c->r, fd, s->size);
        c->r_s = s;
    }
    c->r->nowait = nowait;
    return reader_head(c->r, pos, h);
}

static brook_err read_segment(const plog *l, read_ctx *c, segment *s)
{
    if (!s->idx_loaded && *c->n_slices > 0) {
        /* batches in hand: stop rather than read this index, and have it
         * read in off the loop for the consumer's next read */
        index_load_start(s);
        c->done = 1;
        return BROOK_OK;
    }
    int fd;
    brook_err e = seg_walkable(s, &fd);
    if (e)
        return e;
    int nowait = *c->n_slices > 0; /* something in hand: no waiting for more */
    c->cur = NULL;
    uint64_t pos;
    int at_batch = batch_start(s, c->offset, &pos);
    for (;;) {
        if (at_batch) { /* a batch starts at pos, holding or following the offset */
            if (s->next <= c->max_offset && s->size - pos <= budget(c)) {
                take(c, s, fd, pos, s->size - pos);
                return BROOK_OK;
            }
            uint64_t cut = index_cut(s, pos, budget(c), c->max_offset);
            if (cut && !take(c, s, fd, pos, cut - pos))
                return BROOK_OK;
            if (cut) {
                pos = cut;
                nowait = 1;
            }
        }
        batch_head h;
        int rc = head_at(c, s, fd, pos, nowait, &h);
        if (rc == READER_NO_MEMORY)
            return BROOK_ERR_NOMEM;
        if (rc == READER_END)
            return BROOK_OK;
        if (rc == READER_WOULD_WAIT) {
            c->done = 1;
            return BROOK_OK;
        }
        if (rc < 0) {
            l->be->host->log(l->be->host, BROOK_LOG_ERROR, "%s.log: unreadable batch at byte %" PRIu64, s->path, pos);
            return BROOK_ERR_CORRUPT;
        }
        if (h.last < c->offset) { /* before the wanted offset */
            pos += h.size;
            continue;
        }
        at_batch = 1;
        if (h.last >= c->max_offset || (*c->n_slices > 0 && h.size > budget(c))) {
            c->done = 1;
            return BROOK_OK;
        }
        if (!take(c, s, fd, pos, h.size))
            return BROOK_OK;
        pos += h.size;
        nowait = 1;
    }
}

brook_err plog_read(plog *l, int64_t offset, int64_t max_offset, size_t max_bytes, brook_slice *slices,
                    size_t max_slices, size_t *n_slices, size_t *bytes)
{
    *n_slices = 0;
    *bytes = 0;
    if (offset < l->start || offset > plog_end(l))
        return BROOK_ERR_OUT_OF_RANGE;
    /* Nothing to read (a consumer caught up, long-polling): no file is
     * touched. With more partitions than max_open_files, each such read
     * reopened a segment only to find its end. */
    if (offset >= max_offset || offset == plog_end(l))
        return BROOK_OK;
    read_ctx c = {.offset = offset,
                  .max_offset = max_offset,
                  .max_bytes = max_bytes,
                  .slices = slices,
                  .max_slices = max_slices,
                  .n_slices = n_slices,
                  .bytes = bytes};
    brook_err e = BROOK_OK;
    for (size_t i = plog_find_segment(l, offset); i < l->nsegs && !c.done && !e; i++)
        if (l->segs[i]->size)
            e = read_segment(l, &c, l->segs[i]);
    free(c.r);
    if (e) {
        for (size_t i = 0; i < *n_slices; i++)
            seg_unpin(slices[i].owner);
        *n_slices = 0;
        *bytes = 0;
    }
    return e;
}
