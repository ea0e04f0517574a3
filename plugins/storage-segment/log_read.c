/* Reading a partition log: whole batches from an offset, as file slices. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "segstore.h"

static void release_slice(void *owner)
{
    seg_unpin(owner);
}

/* Index of the segment holding `offset` (last with base <= offset). */
static size_t find_segment(const plog *l, int64_t offset)
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
    head_reader *r = malloc(sizeof *r);
    if (!r)
        return BROOK_ERR_NOMEM;
    brook_err e = BROOK_OK;
    int done = 0;
    for (size_t i = find_segment(l, offset); i < l->nsegs && !done && !e; i++) {
        segment *s = l->segs[i];
        if (s->size == 0)
            continue;
        if ((e = seg_load_index(s)))
            break;
        int fd = seg_fd(s);
        if (fd < 0) {
            e = seg_errno(errno);
            break;
        }
        reader_init(r, fd, s->size);
        uint64_t pos = offset > s->base ? seg_lookup(s, offset) : 0;
        brook_slice *cur = NULL;
        batch_head h;
        int rc;
        while ((rc = reader_head(r, pos, &h)) == 0) {
            if (h.last < offset) { /* before the wanted offset */
                pos += h.size;
                continue;
            }
            if (h.last >= max_offset || (*n_slices > 0 && *bytes + h.size > max_bytes)) {
                done = 1;
                break;
            }
            if (!cur) {
                if (*n_slices == max_slices) {
                    done = 1;
                    break;
                }
                cur = &slices[(*n_slices)++];
                *cur = (brook_slice){.fd = fd, .file_offset = (int64_t)pos, .release = release_slice, .owner = s};
                seg_pin(s);
            }
            /* The rest of the segment is whole batches below max_offset:
             * if it fits, it is taken without reading its headers (a
             * consumer reading a partition of small batches read them all). */
            uint64_t rest = s->size - pos;
            if (s->next <= max_offset && *bytes <= max_bytes && rest <= max_bytes - *bytes) {
                cur->len += rest;
                *bytes += rest;
                pos = s->size;
                break;
            }
            cur->len += h.size;
            *bytes += h.size;
            pos += h.size;
        }
        if (rc < 0) {
            l->be->host->log(l->be->host, BROOK_LOG_ERROR, "%s.log: unreadable batch at byte %" PRIu64, s->path, pos);
            e = BROOK_ERR_CORRUPT;
        }
    }
    free(r);
    if (e) {
        for (size_t i = 0; i < *n_slices; i++)
            seg_unpin(slices[i].owner);
        *n_slices = 0;
        *bytes = 0;
    }
    return e;
}
