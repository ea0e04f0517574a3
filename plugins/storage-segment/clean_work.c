/* The cleaner's work on an I/O thread: mapping keys to their latest
 * offsets, rewriting segments without what is superseded, and replacing
 * segment files crash-safely (cleaner.h describes the protocol). Touches
 * only the job: the loop's structures are cleaner.c's. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <brook/batch.h>

#include "cleaner.h"

#define ATTR_COMPRESSION   0x07
#define ATTR_TRANSACTIONAL 0x10
#define ATTR_CONTROL       0x20
#define OUT_FLUSH_BYTES    ((size_t)1 << 20)
#define DECOMPRESSED_MAX   ((size_t)64 << 20)

static void fail(clean_job *j, brook_err e, const char *fmt, const char *detail)
{
    if (j->err)
        return;
    j->err = e;
    snprintf(j->why, sizeof j->why, fmt, detail);
}

static void fail_errno(clean_job *j, const char *what, const char *path)
{
    char detail[PATH_MAX + 64];
    snprintf(detail, sizeof detail, "%s: %s", path, strerror(errno));
    fail(j, seg_errno(errno), what, detail);
}

static void seg_file(const clean_job *j, int64_t base, const char *ext, char *out, size_t len)
{
    snprintf(out, len, "%s/%0*" PRId64 "%s", j->dir, SEG_NAME_DIGITS, base, ext);
}

static void swap_file(const clean_job *j, int64_t base, int64_t end, char *out, size_t len)
{
    snprintf(out, len, "%s/%0*" PRId64 ".%0*" PRId64 ".swap", j->dir, SEG_NAME_DIGITS, base, SEG_NAME_DIGITS, end);
}

/* ---- reading source batches ------------------------------------------------ */

/* The whole batch at `pos` of source `k`, read into j->in_buf; NULL at the
 * segment's end or when unreadable (j->err set). */
static const uint8_t *read_batch(clean_job *j, size_t k, uint64_t pos, uint32_t *size)
{
    const clean_src *s = &j->src[k];
    if (pos + BROOK_BATCH_HEADER_SIZE > s->size)
        return NULL;
    uint8_t head[BROOK_BATCH_HEADER_SIZE];
    if (pread(s->fd, head, sizeof head, (off_t)pos) != (ssize_t)sizeof head) {
        fail_errno(j, "cannot read a segment: %s", "pread");
        return NULL;
    }
    *size = brook_be32(head + BROOK_BATCH_OFF_LENGTH) + BROOK_BATCH_LENGTH_BASE;
    if (*size < BROOK_BATCH_HEADER_SIZE || pos + *size > s->size) {
        fail(j, BROOK_ERR_CORRUPT, "%s", "a sealed segment holds a batch that does not fit in it");
        return NULL;
    }
    if (*size > j->in_cap) {
        uint8_t *b = realloc(j->in_buf, *size);
        if (!b) {
            fail(j, BROOK_ERR_NOMEM, "%s", "no memory for a batch");
            return NULL;
        }
        j->in_buf = b;
        j->in_cap = *size;
    }
    if (pread(s->fd, j->in_buf, *size, (off_t)pos) != (ssize_t)*size) {
        fail_errno(j, "cannot read a segment: %s", "pread");
        return NULL;
    }
    j->bytes_read += *size;
    j->step_read += *size;
    j->step_bytes += *size;
    return j->in_buf;
}

/* The batch's records, decompressed when needed; 0 when they cannot be
 * read (an unknown codec, say): such a batch is kept whole. */
static int records_begin(clean_job *j, const uint8_t *batch, uint32_t size, brook_batch_iter *it, void **owned)
{
    return j->be->host->batch->iter_init_decompressed(it, batch, size, DECOMPRESSED_MAX, owned) == BROOK_OK;
}

static void records_end(clean_job *j, void *owned)
{
    if (owned)
        j->be->host->batch->release(owned);
}

/* ---- phase 1: the map of latest offsets -------------------------------------- */

static int map_batch(clean_job *j, const uint8_t *b, uint32_t size)
{
    int16_t attr = (int16_t)brook_be16(b + BROOK_BATCH_OFF_ATTRIBUTES);
    int64_t base = (int64_t)brook_be64(b);
    int64_t pid = (int64_t)brook_be64(b + BROOK_BATCH_OFF_PRODUCER_ID);
    if (pid >= 0) {
        uint8_t key[8];
        brook_put_be64(key, (uint64_t)pid);
        if (!offset_map_put(j->producers, key, sizeof key, base)) {
            j->map_end = base;
            return 0;
        }
    }
    if (attr & (ATTR_CONTROL | ATTR_TRANSACTIONAL))
        return 1; /* kept whole: their keys supersede nothing */
    brook_batch_iter it;
    void *owned = NULL;
    if (!records_begin(j, b, size, &it, &owned))
        return 1;
    brook_record rec;
    int room = 1;
    while (room && j->be->host->batch->iter_next(&it, &rec) == BROOK_OK) {
        if (rec.offset < j->dirty_from || rec.key_len < 0)
            continue;
        if (!offset_map_put(j->keys, rec.key, (size_t)rec.key_len, rec.offset)) {
            j->map_end = rec.offset; /* full: the range ends before this record */
            room = 0;
        }
    }
    records_end(j, owned);
    return room;
}

/* The first source that holds dirty records. */
static size_t first_dirty(const clean_job *j)
{
    size_t k = 0;
    while (k < j->nsrc && j->src[k].next <= j->dirty_from)
        k++;
    return k;
}

static void map_step(clean_job *j)
{
    if (j->seg == 0 && j->pos == 0)
        j->seg = first_dirty(j);
    while (j->seg < j->nsrc && j->step_bytes < j->step_limit && !j->err) {
        uint32_t size;
        const uint8_t *b = read_batch(j, j->seg, j->pos, &size);
        if (!b) {
            j->seg++;
            j->pos = 0;
            continue;
        }
        int64_t last = (int64_t)brook_be64(b) + (int32_t)brook_be32(b + BROOK_BATCH_OFF_LAST_OFFSET_DELTA);
        j->pos += size;
        if (last >= j->dirty_from && !map_batch(j, b, size))
            break; /* the map is full */
    }
    if (j->err)
        return;
    int full = j->map_end >= 0;
    if (!full && j->seg < j->nsrc)
        return; /* more to map in the next step */
    if (!full)
        j->map_end = j->src[j->nsrc - 1].next; /* everything (or nothing dirty: tombstones fell due) */
    else if (j->map_end <= j->dirty_from) {
        fail(j, BROOK_ERR_NOMEM, "%s", "cleaner_buffer_bytes cannot hold the keys of even one batch");
        return;
    }
    /* rewrite every source that starts before the mapped range ends */
    j->clean_end = 0;
    while (j->clean_end < j->nsrc && j->src[j->clean_end].base < j->map_end)
        j->clean_end++;
    j->phase = PHASE_WRITE;
    j->seg = 0;
    j->pos = 0;
}

/* ---- phase 2: writing the cleaned segments ------------------------------------ */

static void put_varint(uint8_t **p, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); /* zigzag */
    while (z >= 0x80) {
        *(*p)++ = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    *(*p)++ = (uint8_t)z;
}

static int reserve_out(clean_job *j, size_t more)
{
    if (j->out_len + more <= j->out_cap)
        return 1;
    size_t cap = j->out_cap ? j->out_cap : OUT_FLUSH_BYTES * 2;
    while (cap < j->out_len + more)
        cap *= 2;
    uint8_t *b = realloc(j->out_buf, cap);
    if (!b) {
        fail(j, BROOK_ERR_NOMEM, "%s", "no memory for the cleaned batches");
        return 0;
    }
    j->out_buf = b;
    j->out_cap = cap;
    return 1;
}

static void flush_out(clean_job *j)
{
    size_t done = 0;
    while (done < j->out_len && !j->err) {
        ssize_t n = pwrite(j->out_fd, j->out_buf + done, j->out_len - done, (off_t)(j->out_size + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ENOSPC;
            fail_errno(j, "cannot write the cleaned segment: %s", "");
            break;
        }
        done += (size_t)n;
    }
    j->out_size += j->out_len;
    j->bytes_written += j->out_len;
    j->step_written += j->out_len;
    j->step_bytes += j->out_len;
    j->out_len = 0;
}

static int push_index(clean_job *j, uint32_t rel, uint32_t pos)
{
    if (j->nidx == j->idx_cap) {
        size_t cap = j->idx_cap ? j->idx_cap * 2 : 64;
        index_entry *idx = realloc(j->idx, cap * sizeof *idx);
        if (!idx) {
            fail(j, BROOK_ERR_NOMEM, "%s", "no memory for the cleaned segment's index");
            return 0;
        }
        j->idx = idx;
        j->idx_cap = cap;
    }
    j->idx[j->nidx++] = (index_entry){rel, pos, j->out_max_ts};
    return 1;
}

/* Append one batch (already in j->out_buf's tail, `len` bytes at `at`) to
 * the group being written: index entries as segment.c makes them. */
static void account_out(clean_job *j, size_t at, uint32_t len)
{
    const uint8_t *b = j->out_buf + at;
    int64_t base = (int64_t)brook_be64(b), group_base = j->src[j->group_first].base;
    uint64_t pos = j->out_size + at;
    if (j->since_index >= (uint64_t)j->index_interval && pos <= UINT32_MAX && base - group_base <= UINT32_MAX) {
        if (!push_index(j, (uint32_t)(base - group_base), (uint32_t)pos))
            return;
        j->since_index = 0;
    }
    j->since_index += len;
    int64_t max_ts = (int64_t)brook_be64(b + BROOK_BATCH_OFF_MAX_TIMESTAMP);
    if (max_ts > j->out_max_ts)
        j->out_max_ts = max_ts;
}

static void emit_copy(clean_job *j, const uint8_t *b, uint32_t size)
{
    if (!reserve_out(j, size))
        return;
    memcpy(j->out_buf + j->out_len, b, size);
    account_out(j, j->out_len, size);
    j->out_len += size;
}

/* Finish a batch whose header and records sit at out_buf + at: count,
 * length, no compression, CRC. */
static void seal_batch(clean_job *j, size_t at, int32_t count)
{
    uint8_t *b = j->out_buf + at;
    uint32_t size = (uint32_t)(j->out_len - at);
    brook_put_be32(b + BROOK_BATCH_OFF_LENGTH, size - BROOK_BATCH_LENGTH_BASE);
    uint16_t attr = brook_be16(b + BROOK_BATCH_OFF_ATTRIBUTES) & ~ATTR_COMPRESSION;
    brook_put_be16(b + BROOK_BATCH_OFF_ATTRIBUTES, attr);
    brook_put_be32(b + BROOK_BATCH_OFF_RECORD_COUNT, (uint32_t)count);
    uint32_t crc = j->be->host->batch->crc32c(0, b + BROOK_BATCH_OFF_ATTRIBUTES, size - BROOK_BATCH_OFF_ATTRIBUTES);
    brook_put_be32(b + BROOK_BATCH_OFF_CRC, crc);
    account_out(j, at, size);
}

static void encode_record(clean_job *j, const brook_record *r, int64_t base, int64_t base_ts)
{
    size_t body = 1 + 10 + 10 + 5 + (r->key_len > 0 ? (size_t)r->key_len : 0) + 5 +
                  (r->value_len > 0 ? (size_t)r->value_len : 0) + 5 + r->headers_len;
    if (!reserve_out(j, body + 5))
        return;
    uint8_t tmp_len[5], *start = j->out_buf + j->out_len + 5, *p = start;
    *p++ = 0; /* record attributes: unused in v2 */
    put_varint(&p, r->timestamp - base_ts);
    put_varint(&p, r->offset - base);
    put_varint(&p, r->key_len);
    if (r->key_len > 0) {
        memcpy(p, r->key, (size_t)r->key_len);
        p += r->key_len;
    }
    put_varint(&p, r->value_len);
    if (r->value_len > 0) {
        memcpy(p, r->value, (size_t)r->value_len);
        p += r->value_len;
    }
    put_varint(&p, r->header_count);
    if (r->headers_len)
        memcpy(p, r->headers, r->headers_len);
    p += r->headers_len;
    uint8_t *q = tmp_len;
    put_varint(&q, (int64_t)(p - start));
    size_t prefix = (size_t)(q - tmp_len);
    uint8_t *dst = j->out_buf + j->out_len;
    memmove(dst + prefix, start, (size_t)(p - start));
    memcpy(dst, tmp_len, prefix);
    j->out_len += prefix + (size_t)(p - start);
}

/* Whether compaction keeps `r` (base: its batch's header). */
static int keep_record(clean_job *j, const brook_record *r, int64_t batch_max_ts)
{
    if (r->key_len < 0)
        return 0; /* a compacted topic's records need keys: Kafka's cleaner drops keyless ones too */
    int64_t latest = offset_map_get(j->keys, r->key, (size_t)r->key_len);
    if (latest >= 0 && r->offset < latest)
        return 0;           /* superseded */
    if (r->value_len < 0) { /* a tombstone: kept delete.retention.ms */
        if (batch_max_ts < j->delete_horizon_ms)
            return 0;
        int64_t due = batch_max_ts + (j->now_ms - j->delete_horizon_ms);
        if (due < j->tombstones_due_ms)
            j->tombstones_due_ms = due;
    }
    return 1;
}

/* An idempotent producer's last batch stays as an empty header when all its
 * records go, so its sequence survives a rebuild of producer state. */
static int keep_empty(clean_job *j, const uint8_t *b)
{
    int64_t pid = (int64_t)brook_be64(b + BROOK_BATCH_OFF_PRODUCER_ID);
    if (pid < 0)
        return 0;
    uint8_t key[8];
    brook_put_be64(key, (uint64_t)pid);
    int64_t last = offset_map_get(j->producers, key, sizeof key);
    return last < 0 || last == (int64_t)brook_be64(b);
}

static void filter_batch(clean_job *j, const uint8_t *b, uint32_t size)
{
    int16_t attr = (int16_t)brook_be16(b + BROOK_BATCH_OFF_ATTRIBUTES);
    int32_t count = (int32_t)brook_be32(b + BROOK_BATCH_OFF_RECORD_COUNT);
    brook_batch_iter it;
    void *owned = NULL;
    if ((attr & (ATTR_CONTROL | ATTR_TRANSACTIONAL)) || count == 0 || !records_begin(j, b, size, &it, &owned)) {
        emit_copy(j, b, size); /* transactions are not compacted yet: kept whole */
        return;
    }
    int64_t base = (int64_t)brook_be64(b), base_ts = (int64_t)brook_be64(b + BROOK_BATCH_OFF_BASE_TIMESTAMP);
    int64_t max_ts = (int64_t)brook_be64(b + BROOK_BATCH_OFF_MAX_TIMESTAMP);
    size_t at = j->out_len;
    if (!reserve_out(j, BROOK_BATCH_HEADER_SIZE)) {
        records_end(j, owned);
        return;
    }
    memcpy(j->out_buf + at, b, BROOK_BATCH_HEADER_SIZE);
    j->out_len += BROOK_BATCH_HEADER_SIZE;
    brook_record rec;
    int32_t kept = 0, seen = 0;
    brook_err e;
    while ((e = j->be->host->batch->iter_next(&it, &rec)) == BROOK_OK && !j->err) {
        seen++;
        if (keep_record(j, &rec, max_ts)) {
            encode_record(j, &rec, base, base_ts);
            kept++;
        }
    }
    records_end(j, owned);
    if (j->err)
        return;
    if (e != BROOK_ERR_NOT_FOUND || kept == count || seen != count) { /* all kept, or unreadable: as it was */
        j->out_len = at;
        emit_copy(j, b, size);
        return;
    }
    j->records_removed += count - kept;
    if (kept == 0 && !keep_empty(j, b)) {
        j->out_len = at;
        return;
    }
    seal_batch(j, at, kept);
}

/* Sources [first, end) that fit one segment (their sizes now) and whose
 * offsets fit the index's 32-bit relative offsets. */
static size_t group_end_from(const clean_job *j, size_t first)
{
    size_t end = first + 1;
    uint64_t size = j->src[first].size;
    while (end < j->clean_end && size + j->src[end].size <= (uint64_t)j->segment_bytes &&
           j->src[end].next - j->src[first].base <= UINT32_MAX) {
        size += j->src[end].size;
        end++;
    }
    return end;
}

static void open_group(clean_job *j)
{
    j->group_first = j->seg;
    j->group_end = group_end_from(j, j->seg);
    char path[PATH_MAX];
    seg_file(j, j->src[j->group_first].base, ".cleaned", path, sizeof path);
    j->out_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (j->out_fd < 0)
        fail_errno(j, "cannot create the cleaned segment: %s", path);
    j->out_size = 0;
    j->out_len = 0;
    j->nidx = 0;
    j->since_index = (uint64_t)j->index_interval; /* the first batch gets an entry */
    j->out_max_ts = -1;
}

void clean_discard_output(clean_job *j)
{
    if (j->out_fd < 0)
        return;
    close(j->out_fd);
    j->out_fd = -1;
    char path[PATH_MAX];
    seg_file(j, j->src[j->group_first].base, ".cleaned", path, sizeof path);
    unlink(path);
}

/* Steps 2-5 of cleaner.h's protocol, under the lock: the loop either sees
 * the group replaced (and applies it) or aborted before it began. */
static void replace_files(clean_job *j, int64_t base, int64_t end)
{
    char cleaned[PATH_MAX], swap[PATH_MAX], path[PATH_MAX];
    seg_file(j, base, ".cleaned", cleaned, sizeof cleaned);
    swap_file(j, base, end, swap, sizeof swap);
    if (rename(cleaned, swap) < 0 || seg_sync_dir(j->dir)) {
        fail_errno(j, "cannot commit the cleaned segment: %s", swap);
        unlink(cleaned);
        unlink(swap);
        return;
    }
    for (size_t k = j->group_first; k < j->group_end; k++) {
        seg_file(j, j->src[k].base, ".index", path, sizeof path);
        unlink(path);
        seg_file(j, j->src[k].base, ".timeindex", path, sizeof path);
        unlink(path);
        if (k > j->group_first) {
            seg_file(j, j->src[k].base, ".log", path, sizeof path);
            unlink(path);
        }
    }
    seg_file(j, base, ".log", path, sizeof path);
    if (seg_sync_dir(j->dir) || rename(swap, path) < 0 || seg_sync_dir(j->dir)) {
        /* decided but not finished: the next open finishes it */
        fail_errno(j, "cannot finish replacing a cleaned segment (the next start finishes it): %s", path);
        return;
    }
    char stem[PATH_MAX];
    seg_file(j, base, "", stem, sizeof stem);
    if (seg_write_index_files(stem, j->idx, j->nidx, j->out_max_ts, (uint32_t)(end - base)) != BROOK_OK)
        unlink(path); /* never reached in practice; the open rebuilds a missing index anyway */
}

static void close_group(clean_job *j)
{
    flush_out(j);
    if (!j->err && fdatasync(j->out_fd) < 0)
        fail_errno(j, "cannot sync the cleaned segment: %s", "");
    close(j->out_fd);
    j->out_fd = -1;
    int64_t base = j->src[j->group_first].base, end = j->src[j->group_end - 1].next;
    clean_group *g = j->err ? NULL : calloc(1, sizeof *g);
    if (!j->err && !g)
        fail(j, BROOK_ERR_NOMEM, "%s", "no memory");
    pthread_mutex_lock(&j->lock);
    if (!j->aborted && g) {
        replace_files(j, base, end);
        if (!j->err) {
            *g = (clean_group){.first = j->group_first,
                               .end = j->group_end,
                               .base = base,
                               .next_offset = end,
                               .size = j->out_size,
                               .max_ts = j->out_max_ts,
                               .idx = j->idx,
                               .nidx = j->nidx};
            j->idx = NULL;
            j->nidx = j->idx_cap = 0;
            clean_group **tail = &j->ready;
            while (*tail)
                tail = &(*tail)->next;
            *tail = g;
            g = NULL;
        }
    }
    pthread_mutex_unlock(&j->lock);
    if (g) { /* aborted or failed before the swap: the group's output goes */
        char cleaned[PATH_MAX];
        seg_file(j, base, ".cleaned", cleaned, sizeof cleaned);
        unlink(cleaned);
        free(g);
    }
}

static void write_step(clean_job *j)
{
    while (j->seg < j->clean_end && j->step_bytes < j->step_limit && !j->err &&
           !__atomic_load_n(&j->aborted, __ATOMIC_ACQUIRE)) {
        if (j->out_fd < 0) {
            open_group(j);
            if (j->err)
                return;
        }
        uint32_t size;
        const uint8_t *b = read_batch(j, j->seg, j->pos, &size);
        if (b) {
            j->pos += size;
            filter_batch(j, b, size);
            if (j->out_len >= OUT_FLUSH_BYTES)
                flush_out(j);
            continue;
        }
        if (j->err)
            return;
        j->seg++; /* this source is done */
        j->pos = 0;
        if (j->seg == j->group_end)
            close_group(j);
    }
    if (j->seg == j->clean_end && !j->err)
        j->phase = PHASE_END;
}

/* Where the next cleaning starts, and when kept tombstones fall due; not
 * synced: losing it costs one cleaning of already clean segments. */
static void write_checkpoint(clean_job *j)
{
    char path[PATH_MAX], tmp[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/cleaner-checkpoint", j->dir);
    snprintf(tmp, sizeof tmp, "%s.%lx.tmp", path, (unsigned long)pthread_self());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    int64_t clean = j->map_end > j->dirty_from ? j->map_end : j->dirty_from;
    int bad = fprintf(f, "%" PRId64 " %" PRId64 "\n", clean, j->tombstones_due_ms) < 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) < 0)
        unlink(tmp);
}

void clean_step(clean_job *j)
{
    j->step_bytes = j->step_read = j->step_written = 0;
    if (j->phase == PHASE_MAP)
        map_step(j);
    if (j->phase == PHASE_WRITE && j->step_bytes < j->step_limit)
        write_step(j);
    if (j->phase == PHASE_END && !j->err)
        write_checkpoint(j);
}
