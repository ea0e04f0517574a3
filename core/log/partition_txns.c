#include "partition_txns.h"

#include <stdlib.h>
#include <string.h>

#include <brook/batch.h>

static void unlink_txn(brook_txns *t, brook_txn *x)
{
    *(x->newer ? &x->newer->older : &t->newest) = x->older;
    *(x->older ? &x->older->newer : &t->oldest) = x->newer;
    free(x);
}

void brook_txns_free(brook_txns *t)
{
    while (t->oldest)
        unlink_txn(t, t->oldest);
    free(t->aborted);
    memset(t, 0, sizeof *t);
}

brook_txn *brook_txns_begin(brook_txns *t, int64_t producer_id, int64_t first_offset)
{
    brook_txn *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->producer_id = producer_id;
    x->first_offset = first_offset;
    x->end = -1;
    x->older = t->newest;
    *(t->newest ? &t->newest->newer : &t->oldest) = x;
    t->newest = x;
    return x;
}

static brook_err add_aborted(brook_txns *t, brook_aborted_entry a)
{
    if (t->aborted_count == t->aborted_cap) {
        size_t cap = t->aborted_cap ? t->aborted_cap * 2 : 8;
        brook_aborted_entry *n = realloc(t->aborted, cap * sizeof *n);
        if (!n)
            return BROOK_ERR_NOMEM;
        t->aborted = n;
        t->aborted_cap = cap;
    }
    t->aborted[t->aborted_count++] = a;
    if (a.last_offset - a.first_offset > t->longest)
        t->longest = a.last_offset - a.first_offset;
    return BROOK_OK;
}

brook_err brook_txns_end(brook_txns *t, brook_txn *txn, int64_t marker_offset, int aborted)
{
    txn->end = marker_offset;
    if (!aborted)
        return BROOK_OK;
    return add_aborted(t, (brook_aborted_entry){txn->producer_id, txn->first_offset, marker_offset});
}

int64_t brook_txns_first_unstable(brook_txns *t, int64_t high_watermark)
{
    while (t->oldest && t->oldest->end >= 0 && t->oldest->end < high_watermark)
        unlink_txn(t, t->oldest);
    return t->oldest ? t->oldest->first_offset : -1;
}

/* The first entry whose last offset is >= `from` (the list is sorted by it). */
static size_t first_ending_at_or_after(const brook_txns *t, int64_t from)
{
    size_t lo = 0, hi = t->aborted_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->aborted[mid].last_offset < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t brook_txns_aborted_in(const brook_txns *t, int64_t from, int64_t upper,
                             void (*each)(void *arg, const brook_aborted_entry *a), void *arg)
{
    size_t n = 0;
    for (size_t i = first_ending_at_or_after(t, from); i < t->aborted_count; i++) {
        /* one ending later may have begun earlier, but none began later
         * than its end minus the longest span: past that, none can */
        if (t->aborted[i].last_offset - t->longest >= upper)
            break;
        if (t->aborted[i].first_offset >= upper)
            continue;
        if (each)
            each(arg, &t->aborted[i]);
        n++;
    }
    return n;
}

void brook_txns_trim(brook_txns *t, int64_t log_start)
{
    size_t gone = first_ending_at_or_after(t, log_start);
    if (!gone)
        return;
    memmove(t->aborted, t->aborted + gone, (t->aborted_count - gone) * sizeof *t->aborted);
    t->aborted_count -= gone;
}

#define ENTRY_BYTES 24

brook_err brook_txns_encode_aborted(const brook_txns *t, brook_buf *out)
{
    brook_err e = brook_buf_reserve(out, 4 + t->aborted_count * ENTRY_BYTES);
    if (e)
        return e;
    uint8_t *w = out->data + out->len;
    brook_put_be32(w, (uint32_t)t->aborted_count);
    w += 4;
    for (size_t i = 0; i < t->aborted_count; i++, w += ENTRY_BYTES) {
        brook_put_be64(w, (uint64_t)t->aborted[i].producer_id);
        brook_put_be64(w + 8, (uint64_t)t->aborted[i].first_offset);
        brook_put_be64(w + 16, (uint64_t)t->aborted[i].last_offset);
    }
    out->len = (size_t)(w - out->data);
    return BROOK_OK;
}

brook_err brook_txns_decode_aborted(brook_txns *t, const uint8_t *data, size_t len, size_t *used)
{
    if (len < 4)
        return BROOK_ERR_CORRUPT;
    uint32_t count = brook_be32(data);
    if ((len - 4) / ENTRY_BYTES < count)
        return BROOK_ERR_CORRUPT;
    const uint8_t *r = data + 4;
    for (uint32_t i = 0; i < count; i++, r += ENTRY_BYTES) {
        brook_aborted_entry a = {(int64_t)brook_be64(r), (int64_t)brook_be64(r + 8), (int64_t)brook_be64(r + 16)};
        int64_t prev = t->aborted_count ? t->aborted[t->aborted_count - 1].last_offset : -1;
        if (a.first_offset < 0 || a.first_offset > a.last_offset || a.last_offset <= prev)
            return BROOK_ERR_CORRUPT;
        brook_err e = add_aborted(t, a);
        if (e)
            return e;
    }
    *used = 4 + (size_t)count * ENTRY_BYTES;
    return BROOK_OK;
}
