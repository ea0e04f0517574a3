/* Kafka's ListOffsets by time: the first record at or after a timestamp,
 * found through the segments' largest timestamps, the index, and the batch
 * headers from the nearest index entry on. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <brook/batch.h>

#include "segstore.h"

brook_err plog_offset_for_timestamp(plog *l, int64_t ts, int64_t *offset, int64_t *found)
{
    const brook_batch_ops *ops = l->be->host->batch;
    for (size_t i = 0; i < l->nsegs; i++) {
        segment *s = l->segs[i];
        if (s->size == 0 || s->max_ts < ts)
            continue;
        brook_err e = seg_load_index(s);
        if (e)
            return e;
        /* the last index entry whose preceding batches are all earlier */
        uint64_t pos = 0;
        for (size_t k = 0; k < s->nidx && s->idx[k].max_ts < ts; k++)
            pos = s->idx[k].pos;
        int fd = seg_fd(s);
        if (fd < 0)
            return seg_errno(errno);
        head_reader *r = malloc(sizeof *r);
        if (!r)
            return BROOK_ERR_NOMEM;
        reader_init(r, fd, s->size);
        batch_head h;
        int rc;
        while ((rc = reader_head(r, pos, &h)) == 0 && h.max_ts < ts)
            pos += h.size;
        free(r);
        if (rc != 0)
            continue;
        *offset = h.base;
        *found = h.max_ts;
        /* the exact record, when the batch is readable uncompressed */
        uint8_t *batch = malloc(h.size);
        if (batch && pread(fd, batch, h.size, (off_t)pos) == (ssize_t)h.size) {
            brook_batch_iter it;
            brook_record rec;
            if (ops->iter_init(&it, batch, h.size) == BROOK_OK)
                while (ops->iter_next(&it, &rec) == BROOK_OK)
                    if (rec.timestamp >= ts) {
                        *offset = rec.offset;
                        *found = rec.timestamp;
                        break;
                    }
        }
        free(batch);
        return BROOK_OK;
    }
    return BROOK_ERR_NOT_FOUND;
}
