/* Sealed segments' indexes in memory, within index_cache_bytes.
 *
 * An active segment's index is where appends are accounted: it stays. A
 * sealed segment's only finds batch positions for reads and is kept in its
 * .index and .timeindex files, so it is loaded when a read needs it and,
 * past the budget, dropped again least recently used first (the next read
 * loads it back). Unbounded, every segment ever rolled or read kept its
 * index for the life of the process: 2-4 MiB of heap per GiB of log
 * written in 2-4 KiB batches, gigabytes for a broker retaining a terabyte.
 * Kafka memory-maps its index files instead, which leaves the bound to the
 * page cache but takes a mapping per segment, and vm.max_map_count
 * (65,530) is met with many partitions.
 *
 * The bound is index_cache_bytes plus the indexes of segments in use right
 * now: a slice being sent, a seal or a cleaning running, or a read within
 * the last index_cache_hold_ms. Those go once let go and idle. Without the
 * hold, consumers reading more old segments together than the budget holds
 * (a new group replaying twenty partitions of small batches) would read
 * every index back for every fetch; the working set they need stays
 * instead, and returns to the budget when they are done (at the next use,
 * or at the retention check). Everything here runs on the event loop, the
 * only thread that touches a segment's index (seal, clean and load jobs
 * work on copies; index_load.c reads dropped indexes back). */
#include <stdlib.h>

#include "segstore.h"

static void unlink_entry(segment *s)
{
    backend *be = s->be;
    if (s->ic_prev)
        s->ic_prev->ic_next = s->ic_next;
    else
        be->ic_head = s->ic_next;
    if (s->ic_next)
        s->ic_next->ic_prev = s->ic_prev;
    else
        be->ic_tail = s->ic_prev;
    s->ic_prev = s->ic_next = NULL;
}

void index_cache_forget(segment *s)
{
    backend *be = s->be;
    if (!s->ic_bytes)
        return;
    unlink_entry(s);
    be->ic_bytes -= s->ic_bytes;
    s->ic_bytes = 0;
    be->host->metric_set(be->m_index_bytes, (int64_t)be->ic_bytes);
}

/* Whether its index may go now: not while its seal job is still writing
 * the files a reload would read, nor while a cleaning reads the segment
 * through it (pinned), nor within index_cache_hold_ms of its last use. */
static int droppable(const segment *s, int64_t now)
{
    return !s->sealing && s->pins == 0 && now - s->ic_used_ms >= s->be->index_cache_hold_ms;
}

static void drop(segment *s)
{
    index_cache_forget(s);
    free(s->idx);
    s->idx = NULL;
    s->nidx = s->cap = 0;
    s->idx_loaded = 0;
}

/* Drop the least recently used droppable indexes, `keep` aside, while
 * over the budget. The list is in order of use: past the first one held
 * for its recent use, all the rest are too. */
static void trim(backend *be, const segment *keep)
{
    int64_t now = be->host->monotonic_ms(be->host);
    for (segment *v = be->ic_tail; v && be->ic_bytes > (uint64_t)be->index_cache_bytes;) {
        segment *newer = v->ic_prev;
        if (now - v->ic_used_ms < be->index_cache_hold_ms)
            break;
        if (v != keep && droppable(v, now))
            drop(v);
        v = newer;
    }
    be->host->metric_set(be->m_index_bytes, (int64_t)be->ic_bytes);
}

void index_cache_use(segment *s)
{
    backend *be = s->be;
    if (!s->sealed || !s->idx_loaded || !s->log)
        return;
    index_cache_forget(s);
    s->ic_used_ms = be->host->monotonic_ms(be->host);
    s->ic_bytes = (s->cap ? s->cap : 1) * sizeof *s->idx;
    s->ic_next = be->ic_head;
    if (be->ic_head)
        be->ic_head->ic_prev = s;
    else
        be->ic_tail = s;
    be->ic_head = s;
    be->ic_bytes += s->ic_bytes;
    trim(be, s);
}

void index_cache_trim(backend *be)
{
    if (be->ic_bytes > (uint64_t)be->index_cache_bytes)
        trim(be, NULL);
}
