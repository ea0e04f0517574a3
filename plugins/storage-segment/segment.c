/* One segment: its files, its sparse index, reading batch headers, and
 * recovery of a segment whose tail may be torn or corrupt. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <brook/batch.h>

#include "segstore.h"

#define INDEX_ENTRY_SIZE 8
#define TIME_ENTRY_SIZE  12
#define HEAD_BYTES       43 /* through maxTimestamp: all a header walk needs */

brook_err seg_errno(int err)
{
    switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG: return BROOK_ERR_NO_SPACE;
    case ENOMEM: return BROOK_ERR_NOMEM;
    case ENOENT: return BROOK_ERR_NOT_FOUND;
    default: return BROOK_ERR_IO;
    }
}

/* Bytes between two index entries: the log's setting (a segment let go
 * by its log keeps the backend's). */
static int64_t index_interval(const segment *s)
{
    return s->log ? s->log->set.index_interval : s->be->defaults.index_interval;
}

segment *seg_new(backend *be, plog *l, int64_t base)
{
    int path_len = snprintf(NULL, 0, "%s/%0*" PRId64, l->dir, SEG_NAME_DIGITS, base);
    segment *s = path_len < 0 ? NULL : calloc(1, sizeof *s + (size_t)path_len + 1);
    if (!s)
        return NULL;
    s->be = be;
    s->log = l;
    s->base = base;
    s->next = base;
    s->max_ts = -1;
    s->fd = -1;
    s->since_index = (uint64_t)l->set.index_interval; /* the first batch gets an entry */
    s->created_ms = be->host->now_ms(be->host);
    snprintf(s->path, (size_t)path_len + 1, "%s/%0*" PRId64, l->dir, SEG_NAME_DIGITS, base);
    return s;
}

void seg_path(const segment *s, const char *ext, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s%s", s->path, ext);
}

brook_err seg_create(segment *s)
{
    char path[PATH_MAX + 16];
    seg_path(s, ".log", path, sizeof path);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int err = errno;
        s->be->host->log(s->be->host, BROOK_LOG_ERROR, "cannot create %s: %s", path, strerror(err));
        return seg_errno(err);
    }
    close(fd);
    s->idx_loaded = 1;
    return BROOK_OK;
}

/* ---- the in-memory index ------------------------------------------------ */

static brook_err idx_push(segment *s, uint32_t rel, uint32_t pos, int64_t max_ts)
{
    if (s->nidx == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        index_entry *idx = realloc(s->idx, cap * sizeof *idx);
        if (!idx)
            return BROOK_ERR_NOMEM;
        s->idx = idx;
        s->cap = cap;
    }
    s->idx[s->nidx++] = (index_entry){rel, pos, max_ts};
    return BROOK_OK;
}

brook_err seg_account(segment *s, uint64_t pos, int64_t base, int64_t last, int64_t max_ts, uint64_t size)
{
    if (s->since_index >= (uint64_t)index_interval(s) && pos <= UINT32_MAX && base - s->base <= UINT32_MAX) {
        brook_err e = idx_push(s, (uint32_t)(base - s->base), (uint32_t)pos, s->max_ts);
        if (e)
            return e;
        s->since_index = 0;
    }
    s->since_index += size;
    s->size = pos + size;
    s->next = last + 1;
    if (max_ts > s->max_ts)
        s->max_ts = max_ts;
    return BROOK_OK;
}

uint64_t seg_lookup(const segment *s, int64_t offset)
{
    int64_t rel = offset - s->base;
    size_t lo = 0, hi = s->nidx;
    while (lo < hi) { /* first entry with rel > target */
        size_t mid = (lo + hi) / 2;
        if ((int64_t)s->idx[mid].rel <= rel)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? s->idx[lo - 1].pos : 0;
}

/* ---- reading headers ---------------------------------------------------- */

void reader_init(head_reader *r, int fd, uint64_t limit)
{
    r->fd = fd;
    r->limit = limit;
    r->buf_pos = 0;
    r->buf_len = 0;
    r->chunk = 4096;
    r->nowait = 0;
}

/* pread, or with r->nowait only from the page cache: -1 with EAGAIN when
 * the first bytes are not there (a file system that cannot say is read as
 * usual). */
static ssize_t reader_pread(head_reader *r, size_t want, uint64_t pos)
{
    if (r->nowait) {
        struct iovec iov = {r->buf, want};
        ssize_t n = preadv2(r->fd, &iov, 1, (off_t)pos, RWF_NOWAIT);
        if (n >= 0 || errno == EAGAIN)
            return n;
        if (errno != EOPNOTSUPP && errno != EINVAL)
            return n;
    }
    return pread(r->fd, r->buf, want, (off_t)pos);
}

int reader_head(head_reader *r, uint64_t pos, batch_head *h)
{
    if (pos >= r->limit)
        return READER_END;
    if (r->limit - pos < HEAD_BYTES)
        return -1;
    if (pos < r->buf_pos || pos + HEAD_BYTES > r->buf_pos + r->buf_len) {
        /* Small first: a read often needs a few headers (from an index
         * entry to the wanted offset); a long walk reads ever more at once. */
        size_t want = r->chunk;
        if (r->chunk < sizeof r->buf)
            r->chunk *= 2;
        if (r->limit - pos < want)
            want = (size_t)(r->limit - pos);
        ssize_t n = reader_pread(r, want, pos);
        if (r->nowait && (n < 0 ? errno == EAGAIN : n < HEAD_BYTES))
            return READER_WOULD_WAIT; /* a short read: the rest was not cached */
        if (n < HEAD_BYTES)
            return -1;
        r->buf_pos = pos;
        r->buf_len = (size_t)n;
    }
    const uint8_t *p = r->buf + (pos - r->buf_pos);
    uint32_t len = brook_be32(p + BROOK_BATCH_OFF_LENGTH);
    if (len < BROOK_BATCH_HEADER_SIZE - BROOK_BATCH_LENGTH_BASE || len > INT32_MAX ||
        p[BROOK_BATCH_OFF_MAGIC] != BROOK_BATCH_MAGIC)
        return -1;
    h->size = len + BROOK_BATCH_LENGTH_BASE;
    if (r->limit - pos < h->size)
        return -1;
    h->base = (int64_t)brook_be64(p);
    h->last = h->base + (int32_t)brook_be32(p + BROOK_BATCH_OFF_LAST_OFFSET_DELTA);
    h->max_ts = (int64_t)brook_be64(p + BROOK_BATCH_OFF_MAX_TIMESTAMP);
    h->attributes = (int16_t)brook_be16(p + BROOK_BATCH_OFF_ATTRIBUTES);
    return 0;
}

/* Forget what the segment's index and offsets say, before rebuilding them. */
static void reset_index(segment *s)
{
    s->nidx = 0;
    s->size = 0;
    s->next = s->base;
    s->max_ts = -1;
    s->since_index = (uint64_t)index_interval(s);
    s->idx_layout++;
}

brook_err seg_reindex(segment *s, int fd, int64_t until, uint64_t *end)
{
    head_reader *r = malloc(sizeof *r);
    if (!r)
        return BROOK_ERR_NOMEM;
    reader_init(r, fd, s->size);
    reset_index(s);
    brook_err e = BROOK_OK;
    uint64_t pos = 0;
    batch_head h;
    while (!e && reader_head(r, pos, &h) == 0 && h.last < until) {
        e = seg_account(s, pos, h.base, h.last, h.max_ts, h.size);
        pos += h.size;
    }
    free(r);
    s->size = pos;
    *end = pos;
    return e;
}

/* Rebuild the index of [0, s->size) from batch headers (no CRC: the data of
 * a sealed segment is trusted, only its index was lost). */
static brook_err rebuild_index(segment *s, int fd)
{
    uint64_t size = s->size, pos;
    brook_err e = seg_reindex(s, fd, INT64_MAX, &pos);
    if (!e && pos != size) {
        s->be->host->log(s->be->host, BROOK_LOG_ERROR,
                         "%s.log: sealed segment unreadable at byte %" PRIu64 " of %" PRIu64, s->path, pos, size);
        e = BROOK_ERR_CORRUPT;
    }
    s->size = size;
    s->idx_loaded = !e;
    return e;
}

/* ---- recovery ----------------------------------------------------------- */

brook_err seg_recover(segment *s)
{
    const brook_host *host = s->be->host;
    int fd = seg_fd(s);
    if (fd < 0) {
        int err = errno;
        host->log(host, BROOK_LOG_ERROR, "%s.log: cannot open: %s", s->path, strerror(err));
        return seg_errno(err);
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        return seg_errno(errno);
    uint64_t file_size = (uint64_t)st.st_size;
    /* Validate batch by batch in big reads (no bigger than the file: a
     * start-up recovers one active segment per partition, most small). */
    size_t cap = file_size < RECOVERY_READ_BYTES ? (size_t)file_size : RECOVERY_READ_BYTES;
    uint8_t *buf = cap ? malloc(cap) : NULL;
    if (cap && !buf)
        return BROOK_ERR_NOMEM;
    reset_index(s);
    const char *why = NULL;
    brook_err e = BROOK_OK;
    uint64_t pos = 0;
    while (pos < file_size && !why && !e) {
        size_t want = file_size - pos < cap ? (size_t)(file_size - pos) : cap;
        ssize_t n = pread(fd, buf, want, (off_t)pos);
        if (n <= 0) {
            why = "read error";
            break;
        }
        int at_eof = pos + (uint64_t)n >= file_size;
        size_t off = 0;
        while (off < (size_t)n && !why && !e) {
            brook_batch_info info;
            brook_err c = host->batch->check(buf + off, (size_t)n - off, &info);
            if (c == BROOK_ERR_AGAIN) {
                if (at_eof)
                    why = "a batch cut short";
                break; /* read on from here */
            }
            if (c)
                why = "bad length, magic or CRC32C";
            else if (info.base_offset < s->next) /* gaps are a compacted log's */
                why = "offsets out of sequence";
            else
                e = seg_account(s, pos + off, info.base_offset, info.last_offset, info.max_timestamp, info.size);
            if (!why && !e)
                off += info.size;
        }
        if (off == 0 && !why && !e) {
            /* one batch larger than the buffer: grow to fit it */
            size_t need = (size_t)brook_be32(buf + BROOK_BATCH_OFF_LENGTH) + BROOK_BATCH_LENGTH_BASE;
            uint8_t *bigger = need > cap && need <= ((size_t)1 << 31) ? realloc(buf, need) : NULL;
            if (!bigger) {
                why = "unreadable batch length";
                break;
            }
            buf = bigger;
            cap = need;
        }
        pos += off;
    }
    free(buf);
    host->metric_add(s->be->m_validated_bytes, (int64_t)pos);
    if (e)
        return e;
    if (s->size < file_size) {
        uint64_t cut = file_size - s->size;
        host->log(host, BROOK_LOG_WARN,
                  "partition %s-%d: %s.log: %s at byte %" PRIu64 "; removed %" PRIu64 " byte(s) after offset %" PRId64
                  " (valid batches end at offset %" PRId64 ")",
                  s->log->topic, s->log->partition, s->path, why ? why : "torn tail", s->size, cut, s->next - 1,
                  s->next);
        if (ftruncate(fd, (off_t)s->size) < 0 || fdatasync(fd) < 0) {
            int err = errno;
            host->log(host, BROOK_LOG_ERROR, "%s.log: cannot truncate the damaged tail: %s", s->path, strerror(err));
            return seg_errno(err);
        }
        host->metric_add(s->be->m_truncated_bytes, (int64_t)cut);
    }
    s->idx_loaded = 1;
    return BROOK_OK;
}

/* ---- index files -------------------------------------------------------- */

/* Replace `path` whole. The temporary name is the writing thread's own:
 * an I/O thread sealing a segment and the loop rebuilding the same index
 * (a partition reopened before its seal finished) write the same content,
 * but through one shared "<path>.tmp" each truncated and renamed away the
 * other's file. Leftovers of a crash end in ".tmp" and are swept at open. */
static brook_err write_file(const char *path, const uint8_t *data, size_t len, int sync)
{
    char tmp[PATH_MAX + 48];
    snprintf(tmp, sizeof tmp, "%s.%lx.tmp", path, (unsigned long)pthread_self());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return seg_errno(errno);
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int err = n < 0 ? errno : ENOSPC;
            close(fd);
            unlink(tmp);
            return seg_errno(err);
        }
        done += (size_t)n;
    }
    if ((sync && fdatasync(fd) < 0) || close(fd) < 0 || rename(tmp, path) < 0) {
        int err = errno;
        unlink(tmp);
        return seg_errno(err);
    }
    return BROOK_OK;
}

static brook_err write_index_files(const char *path, const index_entry *idx, size_t n, int64_t max_ts, uint32_t end_rel,
                                   int sync)
{
    uint8_t *buf = malloc((n + 1) * TIME_ENTRY_SIZE);
    if (!buf)
        return BROOK_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        brook_put_be32(buf + i * INDEX_ENTRY_SIZE, idx[i].rel);
        brook_put_be32(buf + i * INDEX_ENTRY_SIZE + 4, idx[i].pos);
    }
    char name[PATH_MAX + 16];
    snprintf(name, sizeof name, "%s.index", path);
    brook_err e = write_file(name, buf, n * INDEX_ENTRY_SIZE, sync);
    if (!e) {
        for (size_t i = 0; i <= n; i++) {
            brook_put_be64(buf + i * TIME_ENTRY_SIZE, (uint64_t)(i < n ? idx[i].max_ts : max_ts));
            brook_put_be32(buf + i * TIME_ENTRY_SIZE + 8, i < n ? idx[i].rel : end_rel);
        }
        snprintf(name, sizeof name, "%s.timeindex", path);
        e = write_file(name, buf, (n + 1) * TIME_ENTRY_SIZE, sync);
    }
    free(buf);
    return e;
}

brook_err seg_write_index_files(const char *path, const index_entry *idx, size_t n, int64_t max_ts, uint32_t end_rel)
{
    return write_index_files(path, idx, n, max_ts, end_rel, 1);
}

void seg_remove_index_files(const segment *s)
{
    char name[PATH_MAX + 16];
    seg_path(s, ".index", name, sizeof name);
    unlink(name);
    seg_path(s, ".timeindex", name, sizeof name);
    unlink(name);
}

static uint8_t *read_all(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) == 0 && (buf = malloc((size_t)st.st_size + 1))) {
        ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
        if (n != st.st_size) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)st.st_size;
    }
    close(fd);
    return buf;
}

/* Parse both index files into s->idx; 0 when they are consistent. The
 * segment's end offset is checked against the files' (or, take_end, taken
 * from them). */
static int parse_index_files(segment *s, int take_end)
{
    char name[PATH_MAX + 16];
    size_t ilen = 0, tlen = 0;
    seg_path(s, ".index", name, sizeof name);
    uint8_t *ib = read_all(name, &ilen);
    seg_path(s, ".timeindex", name, sizeof name);
    uint8_t *tb = read_all(name, &tlen);
    int bad = !ib || !tb || ilen % INDEX_ENTRY_SIZE || tlen != (ilen / INDEX_ENTRY_SIZE + 1) * TIME_ENTRY_SIZE;
    size_t n = bad ? 0 : ilen / INDEX_ENTRY_SIZE;
    s->nidx = 0;
    int64_t prev_ts = -1;
    for (size_t i = 0; !bad && i < n; i++) {
        uint32_t rel = brook_be32(ib + i * INDEX_ENTRY_SIZE), pos = brook_be32(ib + i * INDEX_ENTRY_SIZE + 4);
        int64_t ts = (int64_t)brook_be64(tb + i * TIME_ENTRY_SIZE);
        bad = brook_be32(tb + i * TIME_ENTRY_SIZE + 8) != rel || pos >= s->size || ts < prev_ts ||
              (i > 0 && (rel <= s->idx[i - 1].rel || pos <= s->idx[i - 1].pos)) || idx_push(s, rel, pos, ts) != 0;
        prev_ts = ts;
    }
    if (!bad) {
        int64_t max_ts = (int64_t)brook_be64(tb + n * TIME_ENTRY_SIZE);
        uint32_t end_rel = brook_be32(tb + n * TIME_ENTRY_SIZE + 8);
        if (take_end)
            s->next = s->base + end_rel;
        bad = max_ts < prev_ts || (int64_t)end_rel != s->next - s->base;
        s->max_ts = max_ts;
    }
    free(ib);
    free(tb);
    return bad;
}

int seg_parse_index_files(segment *s)
{
    return parse_index_files(s, 0);
}

segment *seg_copy_for_load(const segment *s)
{
    segment *c = seg_new(s->be, s->log, s->base);
    if (c) {
        c->log = NULL; /* the copy is no part of the log */
        c->next = s->next;
        c->size = s->size;
    }
    return c;
}

void seg_free_copy(segment *copy)
{
    free(copy->idx);
    free(copy);
}

brook_err seg_load_index(segment *s)
{
    if (s->idx_loaded) {
        index_cache_use(s);
        return BROOK_OK;
    }
    s->be->host->metric_add(s->be->m_index_loads, 1);
    s->idx_unreadable = 0;
    if (parse_index_files(s, 0) == 0) {
        s->idx_loaded = 1;
        index_cache_use(s);
        return BROOK_OK;
    }
    const brook_host *host = s->be->host;
    host->log(host, BROOK_LOG_WARN, "%s: index missing or corrupt; rebuilding it from the log", s->path);
    int fd = seg_fd(s);
    if (fd < 0)
        return seg_errno(errno);
    seg_pin(s);
    brook_err e = rebuild_index(s, fd);
    seg_unpin(s);
    if (!e)
        e = seg_write_index_files(s->path, s->idx, s->nidx, s->max_ts, (uint32_t)(s->next - s->base));
    if (!e)
        index_cache_use(s);
    return e;
}

brook_err seg_walkable(segment *s, int *fd)
{
    brook_err e = seg_load_index(s);
    if (e)
        return e;
    *fd = seg_fd(s);
    return *fd < 0 ? seg_errno(errno) : BROOK_OK;
}

brook_err seg_open_sealed(segment *s, int64_t next)
{
    char name[PATH_MAX + 16];
    seg_path(s, ".log", name, sizeof name);
    struct stat st;
    if (stat(name, &st) < 0)
        return seg_errno(errno);
    s->size = (uint64_t)st.st_size;
    s->next = next;
    s->sealed = 1;
    /* Only the segment's max timestamp is needed now (retention by time);
     * the index itself loads on the first read. Trusted unless missing. */
    struct stat ist;
    seg_path(s, ".index", name, sizeof name);
    int have_index = stat(name, &ist) == 0;
    seg_path(s, ".timeindex", name, sizeof name);
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    uint8_t last[TIME_ENTRY_SIZE];
    if (fd >= 0 && have_index && fstat(fd, &st) == 0 && st.st_size >= TIME_ENTRY_SIZE &&
        st.st_size % TIME_ENTRY_SIZE == 0 && ist.st_size == (st.st_size / TIME_ENTRY_SIZE - 1) * INDEX_ENTRY_SIZE &&
        pread(fd, last, sizeof last, st.st_size - TIME_ENTRY_SIZE) == (ssize_t)sizeof last &&
        (int64_t)brook_be32(last + 8) == next - s->base) {
        s->max_ts = (int64_t)brook_be64(last);
        close(fd);
        return BROOK_OK;
    }
    if (fd >= 0)
        close(fd);
    return seg_load_index(s); /* missing or inconsistent: rebuild now */
}

/* ---- an active segment closed cleanly ------------------------------------ */

brook_err seg_save_active_index(const segment *s)
{
    return write_index_files(s->path, s->idx, s->nidx, s->max_ts, (uint32_t)(s->next - s->base), 0);
}

/* Walk the batch headers from the last index entry to the end of the file,
 * accounting them as appends do; 0 when the walk ends exactly at the file's
 * end with the end offset and max timestamp the index files recorded. */
static int walk_tail(segment *s, int fd, uint64_t file_size)
{
    int64_t end = s->next, max_ts = s->max_ts;
    int has_entry = s->nidx > 0;
    uint64_t from = 0;
    s->next = s->base;
    s->max_ts = -1;
    if (has_entry) { /* the walk's first batch takes this entry back */
        index_entry last = s->idx[--s->nidx];
        from = last.pos;
        s->next = s->base + last.rel;
        s->max_ts = last.max_ts;
    }
    s->since_index = (uint64_t)index_interval(s);
    s->size = from;
    head_reader *r = malloc(sizeof *r);
    if (!r)
        return -1;
    reader_init(r, fd, file_size);
    int64_t named = s->next; /* the base offset of the batch the entry points at */
    uint64_t pos = from;
    batch_head h;
    int rc;
    while ((rc = reader_head(r, pos, &h)) == 0) {
        /* past the named batch, gaps are a compacted log's */
        int in_place = pos == from && has_entry ? h.base == named : h.base >= s->next;
        if (!in_place || seg_account(s, pos, h.base, h.last, h.max_ts, h.size)) {
            rc = -1;
            break;
        }
        pos += h.size;
    }
    free(r);
    return rc == 1 && s->size == file_size && s->next == end && s->max_ts == max_ts ? 0 : -1;
}

int seg_resume_active(segment *s)
{
    int fd = seg_fd(s);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return -1;
    s->size = (uint64_t)st.st_size;
    seg_pin(s);
    int rc = parse_index_files(s, 1) == 0 ? walk_tail(s, fd, (uint64_t)st.st_size) : -1;
    seg_unpin(s);
    s->idx_loaded = rc == 0;
    return rc;
}
