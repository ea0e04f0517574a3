/* storage-segment through its vtable, with a real event loop and I/O
 * threads: rolls, index lookups at every boundary, the time index,
 * retention, truncation, the open-file cache, recovery from torn and
 * corrupt tails, lost indexes, and write failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record_batch.h"
#include "config.h"
#include "config_options.h"
#include "loader.h"
#include "loop.h"
#include "metrics.h"
#include "plugin_set.h"
#include "workers.h"

#include "storage_fixture.h"

static int count_files(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name), s = strlen(suffix);
        n += l > s && strcmp(de->d_name + l - s, suffix) == 0;
    }
    if (d)
        closedir(d);
    return n;
}

/* The batch header at the start of a slice. */
static void slice_first_batch(const brook_slice *s, int64_t *base, int64_t *last)
{
    uint8_t h[61];
    assert_true(s->fd >= 0);
    assert_int_equal(pread(s->fd, h, sizeof h, s->file_offset), sizeof h);
    *base = (int64_t)brook_be64(h);
    *last = *base + (int32_t)brook_be32(h + BROOK_BATCH_OFF_LAST_OFFSET_DELTA);
}

/* The offset after the last batch of slices s[0..n). */
static int64_t slices_end(const brook_slice *s, size_t n)
{
    const brook_slice *last = &s[n - 1];
    int64_t next = -1;
    for (uint64_t pos = last->file_offset; pos < last->file_offset + last->len;) {
        uint8_t h[61];
        assert_int_equal(pread(last->fd, h, sizeof h, (off_t)pos), sizeof h);
        next = (int64_t)brook_be64(h) + (int32_t)brook_be32(h + BROOK_BATCH_OFF_LAST_OFFSET_DELTA) + 1;
        pos += 12 + brook_be32(h + 8);
    }
    return next;
}

/* ---- tests ---------------------------------------------------------------- */

static void rolls_and_reads_across_segments_at_every_offset(void **state)
{
    env *e = *state;
    start(e, "segment_bytes = 2000; index_interval_bytes = 300; flush = \"os\";");
    void *log;
    assert_int_equal(e->ops->open(e->state, "t", 0, 1, &log), BROOK_OK);
    for (int i = 0; i < 40; i++)
        append(e, log, 1 + i % 5, 1000 + i * 10, 50);
    int64_t start_off, end;
    e->ops->offsets(log, &start_off, &end);
    assert_int_equal(start_off, 0);
    char dir[128];
    snprintf(dir, sizeof dir, "%s/t-0", e->dir);
    int segs = count_files(dir, ".log");
    assert_true(segs >= 4);
    /* every offset: the first slice starts with the batch holding it */
    for (int64_t o = 0; o < end; o++) {
        brook_slice s[64];
        size_t n, bytes;
        assert_int_equal(e->ops->read(log, o, end, 1, s, 64, &n, &bytes), BROOK_OK);
        assert_int_equal(n, 1);
        int64_t base, last;
        slice_first_batch(&s[0], &base, &last);
        assert_true(base <= o && o <= last);
        release_all(s, n);
    }
    /* everything in one read: slices cover [0, end) without gaps */
    brook_slice s[64];
    size_t n, bytes, total = 0;
    assert_int_equal(e->ops->read(log, 0, end, 1 << 30, s, 64, &n, &bytes), BROOK_OK);
    assert_int_equal(n, (size_t)segs); /* one slice per segment: contiguous batches merge */
    for (size_t i = 0; i < n; i++)
        total += s[i].len;
    assert_int_equal(total, bytes);
    release_all(s, n);
    /* the high watermark bounds the read; the end is empty, past it an error */
    assert_int_equal(e->ops->read(log, 0, 3, 1 << 30, s, 64, &n, &bytes), BROOK_OK);
    int64_t base, last;
    slice_first_batch(&s[0], &base, &last);
    assert_true(last < 3 || n == 0);
    release_all(s, n);
    assert_int_equal(e->ops->read(log, end, end, 100, s, 64, &n, &bytes), BROOK_OK);
    assert_int_equal(n, 0);
    assert_int_equal(e->ops->read(log, end + 1, end, 100, s, 64, &n, &bytes), BROOK_ERR_OUT_OF_RANGE);
    e->ops->close(log);
    stop(e);

    /* reopened: sealed segments come back through their index files */
    start(e, "segment_bytes = 2000; index_interval_bytes = 300; flush = \"os\";");
    assert_int_equal(e->ops->open(e->state, "t", 0, 0, &log), BROOK_OK);
    int64_t end2;
    e->ops->offsets(log, &start_off, &end2);
    assert_int_equal(end2, end);
    for (int64_t o = 0; o < end; o += 3) {
        assert_int_equal(e->ops->read(log, o, end, 1, s, 64, &n, &bytes), BROOK_OK);
        slice_first_batch(&s[0], &base, &last);
        assert_true(base <= o && o <= last);
        release_all(s, n);
    }
    assert_int_equal(append(e, log, 1, 5000, 10), end);
    e->ops->close(log);
    assert_int_equal(e->ops->open(e->state, "absent", 0, 0, &log), BROOK_ERR_NOT_FOUND);
    stop(e);
}

/* What a read must return, from the log's batches in order: from the batch
 * holding `offset`, whole batches below `max_offset`, within `max_bytes`
 * but the first. */
static size_t expected_read_bytes(const int64_t *lasts, const size_t *sizes, size_t n, int64_t offset,
                                  int64_t max_offset, size_t max_bytes)
{
    size_t bytes = 0, taken = 0;
    for (size_t i = 0; i < n; i++) {
        if (lasts[i] < offset)
            continue;
        if (lasts[i] >= max_offset || (taken && bytes + sizes[i] > max_bytes))
            break;
        bytes += sizes[i];
        taken++;
    }
    return bytes;
}

static void reads_stop_exactly_at_their_byte_and_offset_limits(void **state)
{
    env *e = *state;
    /* batches of different sizes over several segments and index entries */
    start(e, "segment_bytes = 3000; index_interval_bytes = 400; flush = \"os\";");
    void *log;
    assert_int_equal(e->ops->open(e->state, "t", 0, 1, &log), BROOK_OK);
    int64_t lasts[64];
    size_t sizes[64], n = 0;
    for (int i = 0; i < 48; i++, n++)
        lasts[n] = append_noted(e, log, 1 + i % 4, 1000 + i, 20 + (size_t)(i * 37 % 90), &sizes[n]);
    int64_t end = lasts[n - 1] + 1;
    const size_t limits[] = {1, 100, 399, 400, 1000, 2999, 3000, 6000, 1 << 30};
    for (int64_t o = 0; o < end; o += 3)
        for (int64_t m = o + 1; m <= end; m += 7)
            for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
                brook_slice s[64];
                size_t k, bytes;
                assert_int_equal(e->ops->read(log, o, m, limits[l], s, 64, &k, &bytes), BROOK_OK);
                size_t want = expected_read_bytes(lasts, sizes, n, o, m, limits[l]);
                if (bytes != want)
                    fail_msg("read(%lld, max_offset %lld, max_bytes %zu): %zu bytes, want %zu", (long long)o,
                             (long long)m, limits[l], bytes, want);
                size_t total = 0;
                for (size_t i = 0; i < k; i++)
                    total += s[i].len;
                assert_int_equal(total, bytes);
                release_all(s, k);
            }
    e->ops->close(log);
    stop(e);
}

static void time_index_finds_first_record_at_or_after(void **state)
{
    env *e = *state;
    start(e, "segment_bytes = 1500; index_interval_bytes = 200; flush = \"os\";");
    void *log;
    assert_int_equal(e->ops->open(e->state, "t", 0, 1, &log), BROOK_OK);
    /* batch i holds 3 records at 100*i, 100*i+1, 100*i+2 */
    for (int i = 0; i < 30; i++)
        append(e, log, 3, 100 * i, 40);
    for (int reopen = 0; reopen < 2; reopen++) {
        for (int64_t ts = -5; ts < 3000; ts += 7) {
            int64_t off, found;
            brook_err r = e->ops->offset_for_timestamp(log, ts, &off, &found);
            /* brute force: the first record with timestamp >= ts */
            int64_t want = -1, want_ts = -1;
            for (int i = 0; i < 30 && want < 0; i++)
                for (int k = 0; k < 3 && want < 0; k++)
                    if (100 * i + k >= ts) {
                        want = 3 * i + k;
                        want_ts = 100 * i + k;
                    }
            if (want < 0) {
                assert_int_equal(r, BROOK_ERR_NOT_FOUND);
            } else {
                assert_int_equal(r, BROOK_OK);
                assert_int_equal(off, want);
                assert_int_equal(found, want_ts);
            }
        }
        e->ops->close(log);
        stop(e);
        start(e, "segment_bytes = 1500; index_interval_bytes = 200; flush = \"os\";");
        assert_int_equal(e->ops->open(e->state, "t", 0, 0, &log), BROOK_OK);
    }
    e->ops->close(log);
    stop(e);
}

static void retention_deletes_whole_old_segments(void **state)
{
    env *e = *state;
    start(e, "segment_bytes = 1200; flush = \"os\"; retention_bytes = 3000; retention_check_ms = 10;");
    void *log;
    assert_int_equal(e->ops->open(e->state, "r", 0, 1, &log), BROOK_OK);
    int64_t now = e->s.inst.host.now_ms(&e->s.inst.host);
    for (int i = 0; i < 30; i++)
        append(e, log, 2, now, 100);
    char dir[128];
    snprintf(dir, sizeof dir, "%s/r-0", e->dir);
    int before = count_files(dir, ".log");
    /* run the loop until the retention timer and the deletions are done */
    for (int i = 0; i < 200 && count_files(dir, ".log") >= before; i++) {
        spin(e, 5);
    }
    int64_t start_off, end;
    e->ops->offsets(log, &start_off, &end);
    assert_true(start_off > 0);
    int after = count_files(dir, ".log");
    assert_true(after < before);
    assert_true(after >= 2);
    brook_slice s[8];
    size_t n, bytes;
    assert_int_equal(e->ops->read(log, 0, end, 100, s, 8, &n, &bytes), BROOK_ERR_OUT_OF_RANGE);
    assert_int_equal(e->ops->read(log, start_off, end, 100, s, 8, &n, &bytes), BROOK_OK);
    int64_t base, last;
    slice_first_batch(&s[0], &base, &last);
    assert_int_equal(base, start_off);
    release_all(s, n);
    e->ops->close(log);
    stop(e);
}

static void retention_by_time(void **state)
{
    env *e = *state;
    start(e, "segment_bytes = 1200; flush = \"os\"; retention_ms = 60000; retention_check_ms = 10;");
    void *log;
    assert_int_equal(e->ops->open(e->state, "old", 0, 1, &log), BROOK_OK);
    int64_t now = e->s.inst.host.now_ms(&e->s.inst.host);
    for (int i = 0; i < 10; i++)
        append(e, log, 2, now - 3600000, 100); /* an hour old */
    for (int i = 0; i < 10; i++)
        append(e, log, 2, now, 100);
    int64_t start_off = 0, end;
    for (int i = 0; i < 200 && start_off == 0; i++) {
        spin(e, 5);
        e->ops->offsets(log, &start_off, &end);
    }
    assert_true(start_off > 0 && start_off <= 20);
    e->ops->close(log);
    stop(e);
}

static void truncate_cuts_at_batch_boundaries_and_appends_continue(void **state)
{
    env *e = *state;
    start(e, "segment_bytes = 1500; index_interval_bytes = 100; flush = \"os\";");
    void *log;
    assert_int_equal(e->ops->open(e->state, "t", 0, 1, &log), BROOK_OK);
    for (int i = 0; i < 40; i++)
        append(e, log, 2, i, 60); /* batch i: offsets 2i, 2i+1 */
    int64_t start_off, end;
    assert_int_equal(e->ops->truncate(log, 61), BROOK_OK); /* inside batch 30 */
    e->ops->offsets(log, &start_off, &end);
    assert_int_equal(end, 60);
    assert_int_equal(e->ops->truncate(log, 24), BROOK_OK); /* a boundary, likely in an earlier segment */
    e->ops->offsets(log, &start_off, &end);
    assert_int_equal(end, 24);
    assert_int_equal(append(e, log, 2, 99, 60), 24);
    brook_slice s[64];
    size_t n, bytes;
    assert_int_equal(e->ops->read(log, 23, 100, 1, s, 64, &n, &bytes), BROOK_OK);
    int64_t base, last;
    slice_first_batch(&s[0], &base, &last);
    assert_int_equal(base, 22);
    release_all(s, n);
    e->ops->close(log);
    stop(e);
    start(e, "segment_bytes = 1500; index_interval_bytes = 100; flush = \"os\";");
    assert_int_equal(e->ops->open(e->state, "t", 0, 0, &log), BROOK_OK);
    e->ops->offsets(log, &start_off, &end);
    assert_int_equal(end, 26);
    assert_int_equal(e->ops->truncate(log, 0), BROOK_OK);
    e->ops->offsets(log, &start_off, &end);
    assert_int_equal(end, 0);
    e->ops->close(log);
    stop(e);
}

static void open_file_cache_stays_bounded(void **state)
{
    env *e = *state;
    start(e, "segment_bytes = 1100; max_open_files = 4; flush = \"os\";");
    void *logs[30];
    for (int p = 0; p < 30; p++) {
        assert_int_equal(e->ops->open(e->state, "many", p, 1, &logs[p]), BROOK_OK);
        for (int i = 0; i < 6; i++)
            append(e, logs[p], 1, i, 200);
    }
    brook_metric *open_files;
    brook_metrics_register(e->s.metrics, "storage_segment_open_files", BROOK_METRIC_GAUGE, "", &open_files);
    /* segments being sealed stay open until their seal (fdatasync, index
     * files) completes on the I/O threads; then the cache gives them back */
    for (int i = 0; i < 2000 && brook_metric_value(open_files) > 4; i++)
        spin(e, 5);
    assert_true(brook_metric_value(open_files) <= 4);
    /* every partition still reads, whatever was evicted */
    for (int p = 0; p < 30; p++) {
        brook_slice s[16];
        size_t n, bytes;
        assert_int_equal(e->ops->read(logs[p], 0, 6, 1 << 20, s, 16, &n, &bytes), BROOK_OK);
        assert_true(n >= 1);
        int64_t base, last;
        slice_first_batch(&s[0], &base, &last);
        assert_int_equal(base, 0);
        /* pinned files are never closed under a slice */
        assert_true(brook_metric_value(open_files) <= 4 + (int64_t)n);
        release_all(s, n);
    }
    assert_true(brook_metric_value(open_files) <= 4);
    /* a file held by a slice stays open and stays that file while every
     * other partition's files come and go (pinned files leave the list
     * the cache evicts from, and come back when released) */
    brook_slice held[16];
    size_t nheld, bytes;
    assert_int_equal(e->ops->read(logs[7], 3, 6, 1 << 20, held, 16, &nheld, &bytes), BROOK_OK);
    for (int round = 0; round < 3; round++) {
        for (int p = 0; p < 30; p++) {
            brook_slice s[16];
            size_t n;
            assert_int_equal(e->ops->read(logs[p], 0, 6, 1 << 20, s, 16, &n, &bytes), BROOK_OK);
            release_all(s, n);
        }
        int64_t base, last;
        slice_first_batch(&held[0], &base, &last);
        assert_int_equal(base, 3);
    }
    release_all(held, nheld);
    assert_true(brook_metric_value(open_files) <= 4);
    for (int p = 0; p < 30; p++)
        e->ops->close(logs[p]);
    stop(e);
}

enum { INDEXED_BATCHES = 12000 }; /* ~50 segments of ~240 batches, an index entry each: ~4 KiB of index */

static void *write_indexed_segments(env *e, const char *options)
{
    char text[512];
    snprintf(text, sizeof text,
             "segment_bytes = 65536; index_interval_bytes = 64; max_open_files = 4; flush = \"os\"; %s", options);
    start(e, text);
    void *log;
    assert_int_equal(e->ops->open(e->state, "t", 0, 1, &log), BROOK_OK);
    for (int i = 0; i < INDEXED_BATCHES; i++)
        append(e, log, 1, i, 200);
    brook_metric *open_files;
    brook_metrics_register(e->s.metrics, "storage_segment_open_files", BROOK_METRIC_GAUGE, "", &open_files);
    for (int i = 0; i < 2000 && brook_metric_value(open_files) > 4; i++)
        spin(e, 5); /* seals complete on the I/O threads (a segment being sealed keeps its file open) */
    return log;
}

static brook_metric *segment_metric(env *e, const char *name, brook_metric_type kind)
{
    brook_metric *m;
    brook_metrics_register(e->s.metrics, name, kind, "", &m);
    return m;
}

/* Read every offset in order; after each read, `index_bytes` within `bound` (-1: unchecked). */
static void read_everything(env *e, void *log, brook_metric *index_bytes, int64_t bound)
{
    int64_t next = 0;
    while (next < INDEXED_BATCHES) {
        brook_slice s[64];
        size_t n, bytes;
        assert_int_equal(e->ops->read(log, next, INDEXED_BATCHES, 1 << 16, s, 64, &n, &bytes), BROOK_OK);
        assert_true(n >= 1);
        int64_t base, last;
        slice_first_batch(&s[0], &base, &last);
        assert_int_equal(base, next);
        next = slices_end(s, n);
        release_all(s, n);
        if (bound >= 0)
            assert_true(brook_metric_value(index_bytes) <= bound);
    }
}

/* Rolled and read segments kept their indexes in memory for the life of
 * the process (2-4 MiB per GiB of log in small batches); now within
 * index_cache_bytes, dropped least recently used first and read from their
 * files again when a read needs them. */
static void sealed_indexes_in_memory_stay_within_index_cache_bytes(void **state)
{
    env *e = *state;
    size_t heap_before = mallinfo2().uordblks;
    void *log = write_indexed_segments(e, "index_cache_bytes = 16384; index_cache_hold_ms = 0;");
    brook_metric *index_bytes = segment_metric(e, "storage_segment_index_bytes", BROOK_METRIC_GAUGE);
    brook_metric *loads = segment_metric(e, "storage_segment_index_loads_total", BROOK_METRIC_COUNTER);
    assert_true(brook_metric_value(index_bytes) <= 16384);
    /* every offset still reads, twice over, through indexes dropped and loaded again */
    read_everything(e, log, index_bytes, 16384);
    read_everything(e, log, index_bytes, 16384);
    spin(e, 50); /* the index loads reads started off the loop land */
    assert_true(brook_metric_value(index_bytes) <= 16384);
    assert_true(brook_metric_value(loads) > 2 * 40); /* ~50 segments read twice */
    size_t heap_after = mallinfo2().uordblks;
    e->ops->close(log);
    stop(e);
    if (!heap_before) /* a sanitizer's allocator reports nothing in glibc's arena */
        skip();
    /* ~50 segments' own structs and 16 KiB of index; over 200 KiB of index before */
    print_message("heap in use after writing and reading ~50 segments: %+lld bytes\n",
                  (long long)heap_after - (long long)heap_before);
    assert_true(heap_after - heap_before < 96 * 1024);
}

/* Readers of more old segments than the budget holds keep the indexes
 * they use (loaded once, not for every read), and those go back to the
 * budget once unused for index_cache_hold_ms. */
static void indexes_in_use_stay_until_idle(void **state)
{
    env *e = *state;
    void *log = write_indexed_segments(e, "index_cache_bytes = 16384; index_cache_hold_ms = 600000;");
    brook_metric *index_bytes = segment_metric(e, "storage_segment_index_bytes", BROOK_METRIC_GAUGE);
    brook_metric *loads = segment_metric(e, "storage_segment_index_loads_total", BROOK_METRIC_COUNTER);
    read_everything(e, log, index_bytes, -1);
    int64_t first_pass = brook_metric_value(loads);
    read_everything(e, log, index_bytes, -1);
    assert_int_equal(brook_metric_value(loads), first_pass); /* nothing read back */
    assert_true(brook_metric_value(index_bytes) > 100 * 1024);
    e->ops->close(log);
    stop(e);

    /* the same segments, held 100 ms: once idle they go at the next let-go */
    start(e, "segment_bytes = 65536; index_interval_bytes = 64; flush = \"os\"; index_cache_bytes = 16384; "
             "index_cache_hold_ms = 100;");
    index_bytes = segment_metric(e, "storage_segment_index_bytes", BROOK_METRIC_GAUGE);
    assert_int_equal(e->ops->open(e->state, "t", 0, 0, &log), BROOK_OK);
    read_everything(e, log, index_bytes, -1);
    spin(e, 150);
    brook_slice s[4];
    size_t n, bytes;
    assert_int_equal(e->ops->read(log, 0, 1, 1 << 16, s, 4, &n, &bytes), BROOK_OK);
    release_all(s, n);
    assert_true(brook_metric_value(index_bytes) <= 16384);
    e->ops->close(log);
    stop(e);
}

/* Write `batches` batches to a fresh partition and close it; returns the
 * byte size of the (single) segment and the end offset of each batch. */
static size_t fill(env *e, const char *topic, int batches, int64_t *ends)
{
    start(e, "flush = \"os\";");
    void *log;
    assert_int_equal(e->ops->open(e->state, topic, 0, 1, &log), BROOK_OK);
    for (int i = 0; i < batches; i++) {
        append(e, log, 1 + i % 3, i, 30 + i);
        int64_t s, end;
        e->ops->offsets(log, &s, &end);
        ends[i] = end;
    }
    e->ops->close(log);
    stop(e);
    char path[256];
    snprintf(path, sizeof path, "%s/%s-0/00000000000000000000.log", e->dir, topic);
    struct stat st;
    stat(path, &st);
    return (size_t)st.st_size;
}

static int64_t reopen_end(env *e, const char *topic)
{
    start(e, "flush = \"os\";");
    void *log;
    assert_int_equal(e->ops->open(e->state, topic, 0, 0, &log), BROOK_OK);
    int64_t s, end;
    e->ops->offsets(log, &s, &end);
    /* and the log keeps working after recovery */
    assert_int_equal(append(e, log, 1, 0, 5), end);
    e->ops->close(log);
    stop(e);
    return end;
}

static void recovery_keeps_exactly_the_valid_prefix(void **state)
{
    env *e = *state;
    enum { BATCHES = 25 };
    int64_t ends[BATCHES];
    size_t size = fill(e, "good", BATCHES, ends);
    char good[256];
    snprintf(good, sizeof good, "%s/good-0/00000000000000000000.log", e->dir);
    int fd = open(good, O_RDONLY);
    uint8_t *orig = malloc(size);
    assert_int_equal(pread(fd, orig, size, 0), (ssize_t)size);
    close(fd);
    /* batch boundaries, to know the valid prefix of any damage */
    size_t bounds[BATCHES + 1] = {0};
    for (int i = 0; i < BATCHES; i++)
        bounds[i + 1] = bounds[i] + brook_be32(orig + bounds[i] + 8) + 12;
    assert_int_equal(bounds[BATCHES], size);

    srand(7);
    for (int trial = 0; trial < 40; trial++) {
        char topic[32], dir[128], path[256];
        snprintf(topic, sizeof topic, "d%d", trial);
        snprintf(dir, sizeof dir, "%s/%s-0", e->dir, topic);
        snprintf(path, sizeof path, "%s/00000000000000000000.log", dir);
        mkdir(dir, 0755);
        size_t keep = size;
        size_t damage_at;
        uint8_t *copy = malloc(size);
        memcpy(copy, orig, size);
        if (trial % 2 == 0) { /* torn: cut at a random byte */
            keep = (size_t)rand() % size;
            damage_at = keep;
        } else { /* a flipped bit in the last third */
            damage_at = size - 1 - (size_t)rand() % (size / 3);
            copy[damage_at] ^= (uint8_t)(1u << (rand() % 8));
        }
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        assert_int_equal(write(fd, copy, keep), (ssize_t)keep);
        close(fd);
        free(copy);
        /* the valid prefix ends at the last batch boundary before the damage,
         * except that a flip inside a batch's baseOffset (outside the CRC)
         * breaks the offset sequence at that batch too */
        int whole = 0;
        while (whole < BATCHES && bounds[whole + 1] <= damage_at)
            whole++;
        /* partitionLeaderEpoch (header bytes 12-15) is outside the CRC by
         * design: a flip there is not detectable damage */
        size_t in_batch = damage_at - bounds[whole];
        if (keep == size && in_batch >= 12 && in_batch < 16)
            whole = BATCHES;
        int64_t want = whole ? ends[whole - 1] : 0;
        assert_int_equal(reopen_end(e, topic), want);
        struct stat st;
        stat(path, &st);
        /* recovery truncated exactly there; one 5-byte record appended since */
        assert_true((size_t)st.st_size > bounds[whole] && (size_t)st.st_size < bounds[whole] + 120);
    }
    free(orig);
}

/* ---- a clean stop, and the start after it ---------------------------------- */

#define CLEAN_OPTS "index_interval_bytes = 4096; flush = \"os\";"

static int64_t validated_bytes(env *e)
{
    brook_metric *m;
    brook_metrics_register(e->s.metrics, "storage_segment_recovery_validated_bytes_total", BROOK_METRIC_COUNTER, "",
                           &m);
    return brook_metric_value(m);
}

static int exists(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* One partition, `batches` batches of one 8 KiB record each (past the one
 * recovery read that makes saving an index worth it), then a clean stop. */
static int64_t fill_big(env *e, int batches)
{
    start(e, CLEAN_OPTS);
    void *log;
    assert_int_equal(e->ops->open(e->state, "big", 0, 1, &log), BROOK_OK);
    for (int i = 0; i < batches; i++)
        append(e, log, 1, 1000 + i, 8000);
    int64_t s, end;
    e->ops->offsets(log, &s, &end);
    e->ops->close(log);
    stop(e);
    return end;
}

/* Reopen and check the log: its end, a read of every offset, the time
 * index and the largest timestamp, an append at the end. */
static void check_big(env *e, int64_t end, int64_t max_ts)
{
    void *log;
    assert_int_equal(e->ops->open(e->state, "big", 0, 0, &log), BROOK_OK);
    int64_t s, got_end;
    e->ops->offsets(log, &s, &got_end);
    assert_int_equal(got_end, end);
    for (int64_t o = 0; o < end; o++) {
        brook_slice sl[4];
        size_t n, bytes;
        assert_int_equal(e->ops->read(log, o, end, 1, sl, 4, &n, &bytes), BROOK_OK);
        assert_int_equal(n, 1);
        int64_t base, last;
        slice_first_batch(&sl[0], &base, &last);
        assert_true(base <= o && o <= last);
        release_all(sl, n);
    }
    int64_t ts, off, found;
    assert_int_equal(e->ops->max_timestamp(log, &ts), BROOK_OK);
    assert_int_equal(ts, max_ts);
    assert_int_equal(e->ops->offset_for_timestamp(log, 1000 + end / 2, &off, &found), BROOK_OK);
    assert_int_equal(off, end / 2);
    assert_int_equal(append(e, log, 1, max_ts + 1, 8000), end);
    e->ops->close(log);
}

static void a_clean_stop_lets_the_next_start_skip_validating_active_segments(void **state)
{
    env *e = *state;
    int64_t end = fill_big(e, 200);
    char dir[128];
    snprintf(dir, sizeof dir, "%s/big-0", e->dir);
    assert_true(exists(e->dir, ".clean-shutdown"));
    assert_true(exists(dir, "00000000000000000000.index") && exists(dir, "00000000000000000000.timeindex"));

    start(e, CLEAN_OPTS);
    assert_false(exists(e->dir, ".clean-shutdown")); /* a crash from now on is not a clean stop */
    check_big(e, end, 1000 + end - 1);
    assert_int_equal(validated_bytes(e), 0);
    stop(e);

    /* and again: the log appended to since is saved and resumed the same way */
    start(e, CLEAN_OPTS);
    check_big(e, end + 1, 1000 + end);
    assert_int_equal(validated_bytes(e), 0);
    stop(e);
}

static void without_the_marker_active_segments_are_validated(void **state)
{
    env *e = *state;
    int64_t end = fill_big(e, 200);
    char path[256];
    snprintf(path, sizeof path, "%s/big-0/00000000000000000000.log", e->dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    snprintf(path, sizeof path, "%s/.clean-shutdown", e->dir);
    assert_int_equal(unlink(path), 0); /* what a crash leaves */
    start(e, CLEAN_OPTS);
    check_big(e, end, 1000 + end - 1);
    assert_int_equal(validated_bytes(e), st.st_size); /* all of it */
    stop(e);
}

/* The marker is there, but the log does not end where the index files say:
 * they are not trusted, and the log is validated (its torn tail cut). */
static void an_index_that_disagrees_with_its_log_is_not_trusted(void **state)
{
    env *e = *state;
    static const char *const damage[] = {"torn tail", "longer log", "wrong end offset"};
    for (size_t d = 0; d < sizeof damage / sizeof damage[0]; d++) {
        int64_t end = fill_big(e, 200 + (int)d);
        char log_path[256], time_path[256];
        snprintf(log_path, sizeof log_path, "%s/big-0/00000000000000000000.log", e->dir);
        snprintf(time_path, sizeof time_path, "%s/big-0/00000000000000000000.timeindex", e->dir);
        struct stat st;
        stat(log_path, &st);
        size_t len;
        uint8_t *batch = make_batch(1, 5000, 100, &len);
        brook_put_be64(batch, (uint64_t)end);
        int fd = open(d == 2 ? time_path : log_path, O_WRONLY | O_APPEND);
        if (d == 0) { /* half a batch */
            assert_int_equal(write(fd, batch, len / 2), (ssize_t)(len / 2));
        } else if (d == 1) { /* a whole batch the index files never saw */
            assert_int_equal(write(fd, batch, len), (ssize_t)len);
        } else { /* the time index's last entry says one offset more */
            struct stat ts;
            fstat(fd, &ts);
            uint8_t rel[4];
            brook_put_be32(rel, (uint32_t)end + 1);
            assert_int_equal(pwrite(fd, rel, 4, ts.st_size - 4), 4);
        }
        close(fd);
        free(batch);
        start(e, CLEAN_OPTS);
        if (d == 1) {
            check_big(e, end + 1, 5000);
        } else {
            check_big(e, end, 1000 + end - 1);
        }
        assert_true(validated_bytes(e) >= st.st_size);
        stop(e);
        char cmd[256];
        snprintf(cmd, sizeof cmd, "rm -rf %s/big-0", e->dir);
        assert_int_equal(system(cmd), 0);
    }
}

static void lost_or_corrupt_index_is_rebuilt(void **state)
{
    env *e = *state;
    start(e, "segment_bytes = 1500; index_interval_bytes = 100; flush = \"os\";");
    void *log;
    assert_int_equal(e->ops->open(e->state, "ix", 0, 1, &log), BROOK_OK);
    for (int i = 0; i < 30; i++)
        append(e, log, 2, 10 * i, 60);
    e->ops->close(log);
    stop(e);
    char path[256];
    snprintf(path, sizeof path, "%s/ix-0/00000000000000000000.index", e->dir);
    assert_int_equal(unlink(path), 0);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644); /* and a corrupt one for the next segment */
    close(fd);
    DIR *d;
    struct dirent *de;
    char second[600] = "";
    snprintf(path, sizeof path, "%s/ix-0", e->dir);
    d = opendir(path);
    while ((de = readdir(d)))
        if (strstr(de->d_name, ".index") && strcmp(de->d_name, "00000000000000000000.index") != 0 && !second[0])
            snprintf(second, sizeof second, "%s/%s", path, de->d_name);
    closedir(d);
    assert_true(second[0]);
    fd = open(second, O_WRONLY);
    assert_int_equal(write(fd, "\xff\xff\xff\xff\x00\x00\x00\x01", 8), 8);
    close(fd);
    snprintf(path, sizeof path, "%s/ix-0/00000000000000000000.index", e->dir);
    unlink(path);

    start(e, "segment_bytes = 1500; index_interval_bytes = 100; flush = \"os\";");
    assert_int_equal(e->ops->open(e->state, "ix", 0, 0, &log), BROOK_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0); /* rebuilt at open: it was missing */
    for (int64_t o = 0; o < 60; o++) {
        brook_slice s[8];
        size_t n, bytes;
        assert_int_equal(e->ops->read(log, o, 60, 1, s, 8, &n, &bytes), BROOK_OK);
        int64_t base, last;
        slice_first_batch(&s[0], &base, &last);
        assert_true(base <= o && o <= last);
        release_all(s, n);
    }
    e->ops->close(log);
    stop(e);
}

static int durable_calls;
static brook_err durable_err;

static void on_durable(void *arg, brook_err err)
{
    (void)arg;
    durable_calls++;
    durable_err = err;
}

static void group_commit_answers_every_waiter(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\";");
    void *log;
    assert_int_equal(e->ops->open(e->state, "g", 0, 1, &log), BROOK_OK);
    durable_calls = 0;
    for (int i = 0; i < 50; i++) {
        append(e, log, 1, i, 10);
        e->ops->when_durable(log, on_durable, NULL);
    }
    assert_true(durable_calls < 50); /* not synchronous: fdatasync runs on the I/O threads */
    for (int i = 0; i < 500 && durable_calls < 50; i++) {
        spin(e, 2);
    }
    assert_int_equal(durable_calls, 50);
    assert_int_equal(durable_err, BROOK_OK);
    brook_metric *fsyncs;
    brook_metrics_register(e->s.metrics, "storage_segment_fsyncs_total", BROOK_METRIC_COUNTER, "", &fsyncs);
    assert_true(brook_metric_value(fsyncs) < 50); /* shared */
    /* already durable: answered at once */
    e->ops->when_durable(log, on_durable, NULL);
    assert_int_equal(durable_calls, 51);
    /* waiters pending at close are answered by close */
    append(e, log, 1, 0, 10);
    e->ops->when_durable(log, on_durable, NULL);
    e->ops->close(log);
    assert_int_equal(durable_calls, 52);
    stop(e);
}

static void interval_policy_acknowledges_writes_and_syncs_on_the_timer(void **state)
{
    env *e = *state;
    start(e, "flush = \"interval\"; flush_ms = 30;");
    void *log;
    assert_int_equal(e->ops->open(e->state, "i", 0, 1, &log), BROOK_OK);
    brook_metric *fsyncs;
    brook_metrics_register(e->s.metrics, "storage_segment_fsyncs_total", BROOK_METRIC_COUNTER, "", &fsyncs);
    int64_t before = brook_metric_value(fsyncs);
    durable_calls = 0;
    append(e, log, 1, 0, 10);
    e->ops->when_durable(log, on_durable, NULL);
    assert_int_equal(durable_calls, 1); /* written is enough */
    for (int i = 0; i < 500 && brook_metric_value(fsyncs) == before; i++) {
        spin(e, 2);
    }
    assert_int_equal(brook_metric_value(fsyncs), before + 1); /* and the timer synced it */
    e->ops->close(log);
    stop(e);
}

/* Kafka's flush.ms / flush.messages on one topic: its log syncs by the
 * interval policy (acknowledged once written) beside the backend's
 * "always", and returns to it when the topic drops them. */
static void a_topics_flush_settings_put_its_log_on_the_interval_policy(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\";");
    void *log, *other;
    assert_int_equal(e->ops->open(e->state, "f", 0, 1, &log), BROOK_OK);
    assert_int_equal(e->ops->open(e->state, "g", 0, 1, &other), BROOK_OK);
    brook_metric *fsyncs;
    brook_metrics_register(e->s.metrics, "storage_segment_fsyncs_total", BROOK_METRIC_COUNTER, "", &fsyncs);
    assert_int_equal(e->ops->topic_setting(e->state, NULL, "flush.ms", "0"), BROOK_ERR_INVALID);
    assert_int_equal(e->ops->topic_setting(e->state, log, "flush.messages", "3"), BROOK_OK);
    durable_calls = 0;
    int64_t before = brook_metric_value(fsyncs);
    append(e, log, 1, 0, 10);
    e->ops->when_durable(log, on_durable, NULL);
    assert_int_equal(durable_calls, 1); /* written is enough */
    append(e, other, 1, 0, 10);
    e->ops->when_durable(other, on_durable, NULL);
    assert_int_equal(durable_calls, 1); /* the other topic still waits for its sync */
    for (int i = 0; i < 500 && durable_calls < 2; i++)
        spin(e, 2);
    assert_int_equal(durable_calls, 2);
    before = brook_metric_value(fsyncs);
    append(e, log, 2, 0, 10); /* three records unflushed: a sync now */
    for (int i = 0; i < 500 && brook_metric_value(fsyncs) == before; i++)
        spin(e, 2);
    assert_int_equal(brook_metric_value(fsyncs), before + 1);
    assert_int_equal(e->ops->topic_setting(e->state, log, "flush.messages", NULL), BROOK_OK);
    durable_calls = 0;
    append(e, log, 1, 0, 10);
    e->ops->when_durable(log, on_durable, NULL);
    assert_int_equal(durable_calls, 0); /* back to "always" */
    for (int i = 0; i < 500 && durable_calls == 0; i++)
        spin(e, 2);
    assert_int_equal(durable_calls, 1);
    e->ops->close(log);
    e->ops->close(other);
    stop(e);
}

static void interval_policy_with_ack_after_sync_waits_for_the_timer(void **state)
{
    env *e = *state;
    start(e, "flush = \"interval\"; flush_ms = 30; ack_after_sync = true;");
    void *log;
    assert_int_equal(e->ops->open(e->state, "i", 0, 1, &log), BROOK_OK);
    durable_calls = 0;
    append(e, log, 1, 0, 10);
    e->ops->when_durable(log, on_durable, NULL);
    assert_int_equal(durable_calls, 0);
    for (int i = 0; i < 500 && durable_calls == 0; i++) {
        spin(e, 2);
    }
    assert_int_equal(durable_calls, 1);
    e->ops->close(log);
    stop(e);
}

/* Pages of [from, to) of a file that are in the page cache. */
static size_t resident_pages(const char *path, size_t from, size_t to)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    long page = sysconf(_SC_PAGESIZE);
    void *map = mmap(NULL, to, PROT_READ, MAP_SHARED, fd, 0);
    assert_true(map != MAP_FAILED);
    size_t pages = (to + (size_t)page - 1) / (size_t)page, n = 0;
    unsigned char *vec = malloc(pages);
    assert_int_equal(mincore(map, to, vec), 0);
    for (size_t i = from / (size_t)page; i < pages; i++)
        n += vec[i] & 1;
    free(vec);
    munmap(map, to);
    close(fd);
    return n;
}

static void synced_bytes_past_cache_keep_bytes_leave_the_page_cache(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\"; cache_keep_bytes = 65536;");
    void *log;
    assert_int_equal(e->ops->open(e->state, "c", 0, 1, &log), BROOK_OK);
    durable_calls = 0;
    char path[256];
    snprintf(path, sizeof path, "%s/c-0/00000000000000000000.log", e->dir);
    struct stat st;
    size_t size = 0;
    for (int i = 0; i < 41; i++) { /* 41 x ~10 KiB, each synced */
        if (i == 40) {
            assert_int_equal(stat(path, &st), 0);
            size = (size_t)st.st_size; /* the last sync asks again for what the one before dropped */
        }
        append(e, log, 10, i, 1000);
        e->ops->when_durable(log, on_durable, NULL);
        for (int k = 0; k < 500 && durable_calls <= i; k++) {
            spin(e, 1);
        }
    }
    assert_int_equal(durable_calls, 41);
    size_t keep = 65536, page = (size_t)sysconf(_SC_PAGESIZE);
    /* all but the newest 64 KiB (rounded out to whole pages) left the cache */
    assert_int_equal(resident_pages(path, 0, (size - keep) / page * page), 0);
    assert_int_equal(stat(path, &st), 0);
    size = (size_t)st.st_size;
    /* and reads still see it all, from disk */
    brook_slice slices[8];
    size_t n, bytes;
    assert_int_equal(e->ops->read(log, 0, INT64_MAX, 1 << 20, slices, 8, &n, &bytes), BROOK_OK);
    assert_int_equal(bytes, size);
    release_all(slices, n);
    e->ops->close(log);
    stop(e);
}

static void failed_write_leaves_the_log_unchanged(void **state)
{
    env *e = *state;
    start(e, "flush = \"os\";");
    void *log, *other;
    assert_int_equal(e->ops->open(e->state, "w", 0, 1, &log), BROOK_OK);
    assert_int_equal(e->ops->open(e->state, "w", 1, 1, &other), BROOK_OK);
    append(e, log, 1, 0, 100);
    int64_t s, end;
    e->ops->offsets(log, &s, &end);
    /* a file size limit makes the next write fail like a full disk */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 400;
    setrlimit(RLIMIT_FSIZE, &lim);
    size_t len;
    uint8_t *batch = make_batch(10, 0, 100, &len);
    brook_put_be64(batch, (uint64_t)end);
    brook_err r = e->ops->append(log, batch, len);
    setrlimit(RLIMIT_FSIZE, &old);
    assert_int_not_equal(r, BROOK_OK);
    int64_t end2;
    e->ops->offsets(log, &s, &end2);
    assert_int_equal(end2, end);
    char path[256];
    snprintf(path, sizeof path, "%s/w-0/00000000000000000000.log", e->dir);
    struct stat st;
    stat(path, &st);
    assert_true(st.st_size < 400); /* no partial batch left behind */
    /* the same partition and the others keep working */
    assert_int_equal(e->ops->append(log, batch, len), BROOK_OK);
    append(e, other, 1, 0, 10);
    free(batch);
    e->ops->close(log);
    e->ops->close(other);
    stop(e);
    start(e, "flush = \"os\";");
    assert_int_equal(e->ops->open(e->state, "w", 0, 0, &log), BROOK_OK);
    e->ops->offsets(log, &s, &end2);
    assert_int_equal(end2, end + 10);
    e->ops->close(log);
    stop(e);
}

/* A partition closed and opened again at once, while the I/O threads are
 * still sealing its segments: the reopen rebuilds the index files the seal
 * is writing. Both used to write through the same "<file>.tmp", and one's
 * rename found the other's gone: the reopen failed with NOT_FOUND (caught
 * by brook-storage-conformance in CI). */
static void reopen_while_segments_are_being_sealed(void **state)
{
    env *e = *state;
    start(e, "flush = \"interval\"; flush_ms = 20; segment_bytes = 1024;");
    void *log;
    for (int round = 0; round < 300; round++) {
        assert_int_equal(e->ops->open(e->state, "seal", 0, 1, &log), BROOK_OK);
        append(e, log, 5, 1000 + round, 200); /* over 1 KiB: the next append rolls */
        append(e, log, 1, 1000 + round, 10);
        int64_t start, end;
        e->ops->offsets(log, &start, &end);
        e->ops->close(log);
        brook_err err = e->ops->open(e->state, "seal", 0, 0, &log);
        if (err)
            fail_msg("round %d: reopen failed: %s", round, brook_err_str(err));
        int64_t start2, end2;
        e->ops->offsets(log, &start2, &end2);
        assert_int_equal(end2, end);
        e->ops->close(log);
    }
    stop(e);
}

static void remove_and_list(void **state)
{
    env *e = *state;
    start(e, "flush = \"os\";");
    void *log;
    for (int p = 0; p < 3; p++) {
        assert_int_equal(e->ops->open(e->state, "x.y-z", p, 1, &log), BROOK_OK);
        append(e, log, 1, 0, 10);
        e->ops->close(log);
    }
    assert_int_equal(e->ops->remove(e->state, "x.y-z", 1), BROOK_OK);
    assert_int_equal(e->ops->remove(e->state, "x.y-z", 1), BROOK_ERR_NOT_FOUND);
    stop(e); /* drains the deletion */
    char path[256];
    snprintf(path, sizeof path, "%s/x.y-z-1", e->dir);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0);
    assert_int_equal(count_files(e->dir, "-1"), 0);
    start(e, "flush = \"os\";");
    assert_int_equal(e->ops->open(e->state, "x.y-z", 1, 0, &log), BROOK_ERR_NOT_FOUND);
    stop(e);
}

/* Every option the backend would refuse is refused when the broker loads
 * the plugin (the option table and `validate`, both run by --check-config
 * too), before init: each message names the key. */
static void bad_options_are_refused_before_init(void **state)
{
    env *e = *state;
    static const struct {
        const char *block, *message;
    } bad[] = {
        {"flush = \"sometimes\";",
         "storage.flush: must be one of \"always\", \"interval\" or \"os\", not \"sometimes\""},
        {"flush = \"os\"; ack_after_sync = true;", "refuses its configuration"},
        {"flush = \"os\"; cache_keep_bytes = 0;", "refuses its configuration"},
        {"cache_keep_bytes = -2;", "storage.cache_keep_bytes: must be >= -1"},
        {"segment_bytes = 10;", "storage.segment_bytes: must be between 1024 and 4294967295"},
        {"max_open_files = 1;", "storage.max_open_files: must be >= 2"},
        {"index_cache_bytes = -1;", "storage.index_cache_bytes: must be >= 0"},
        {"index_cache_hold_ms = -5;", "storage.index_cache_hold_ms: must be >= 0"},
        {"dir = \"/nonexistent/brook\";", "refuses its configuration"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512], err[512];
        snprintf(text, sizeof text, "storage = { plugin = \"segment\"; %s };", bad[i].block);
        brook_config cfg;
        assert_int_equal(brook_config_load(&cfg, NULL, text, "t", err, sizeof err), BROOK_OK);
        brook_loop *loop;
        brook_metrics *m;
        brook_loop_new(&loop);
        brook_metrics_new(&m);
        brook_host_env henv = {.loop = loop, .metrics = m, .data_dir = e->dir};
        brook_plugin_conf conf = {.name = "segment", .block = config_lookup(&cfg.cfg, "storage"), .where = "t:1"};
        brook_plugin_instance inst;
        assert_int_not_equal(brook_plugin_instance_load(&inst, BROOK_PLUGIN_DIR, BROOK_PLUGIN_STORAGE, &conf, &cfg,
                                                        &henv, err, sizeof err),
                             BROOK_OK);
        if (!strstr(err, bad[i].message))
            fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].block, err, bad[i].message);
        brook_loader_close(&inst.loaded);
        brook_metrics_free(m);
        brook_loop_free(loop);
        brook_config_free(&cfg);
    }
}

/* storage.h's prefetch runs on the core's start-up helpers, several at once
 * and beside the opens on the loop: it only reads (TSan would name shared
 * state it touched), a partition it does not hold is nothing, and the
 * logs open and read back as they were. */
enum { PREFETCHED_LOGS = 6, PREFETCH_THREADS = 4 };
static env *prefetch_env;

static void *prefetch_all(void *arg)
{
    (void)arg;
    for (int round = 0; round < 20; round++)
        for (int32_t p = 0; p < PREFETCHED_LOGS + 2; p++) /* the last two do not exist */
            prefetch_env->ops->prefetch(prefetch_env->state, "pf", p);
    return NULL;
}

static void prefetch_runs_beside_opens_and_changes_nothing(void **state)
{
    env *e = *state;
    const char *options = "segment_bytes = 8192; index_interval_bytes = 1024; flush = \"os\";";
    start(e, options);
    int64_t ends[PREFETCHED_LOGS];
    for (int32_t p = 0; p < PREFETCHED_LOGS; p++) {
        void *log;
        assert_int_equal(e->ops->open(e->state, "pf", p, 1, &log), BROOK_OK);
        for (int i = 0; i < 30 + p; i++)
            append(e, log, 2, i, 300);
        int64_t start_off;
        e->ops->offsets(log, &start_off, &ends[p]);
        e->ops->close(log);
    }
    stop(e);
    start(e, options);
    prefetch_env = e;
    pthread_t threads[PREFETCH_THREADS];
    for (int i = 0; i < PREFETCH_THREADS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, prefetch_all, NULL), 0);
    for (int32_t p = 0; p < PREFETCHED_LOGS; p++) {
        void *log;
        assert_int_equal(e->ops->open(e->state, "pf", p, 0, &log), BROOK_OK);
        int64_t start_off, end;
        e->ops->offsets(log, &start_off, &end);
        assert_int_equal(end, ends[p]);
        int64_t next = 0; /* a read stops before a segment whose index is not in yet */
        for (int reads = 0; next < end && reads < 100; reads++) {
            brook_slice s[64];
            size_t n, bytes;
            assert_int_equal(e->ops->read(log, next, end, 1 << 20, s, 64, &n, &bytes), BROOK_OK);
            assert_true(n >= 1);
            next = slices_end(s, n);
            release_all(s, n);
        }
        assert_int_equal(next, end);
        e->ops->close(log);
    }
    for (int i = 0; i < PREFETCH_THREADS; i++)
        pthread_join(threads[i], NULL);
    void *log;
    assert_int_equal(e->ops->open(e->state, "pf", PREFETCHED_LOGS, 0, &log), BROOK_ERR_NOT_FOUND);
    stop(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(rolls_and_reads_across_segments_at_every_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(reads_stop_exactly_at_their_byte_and_offset_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(time_index_finds_first_record_at_or_after, setup, teardown),
        cmocka_unit_test_setup_teardown(retention_deletes_whole_old_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(retention_by_time, setup, teardown),
        cmocka_unit_test_setup_teardown(truncate_cuts_at_batch_boundaries_and_appends_continue, setup, teardown),
        cmocka_unit_test_setup_teardown(open_file_cache_stays_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(sealed_indexes_in_memory_stay_within_index_cache_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(indexes_in_use_stay_until_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(recovery_keeps_exactly_the_valid_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(a_clean_stop_lets_the_next_start_skip_validating_active_segments, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(without_the_marker_active_segments_are_validated, setup, teardown),
        cmocka_unit_test_setup_teardown(an_index_that_disagrees_with_its_log_is_not_trusted, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_or_corrupt_index_is_rebuilt, setup, teardown),
        cmocka_unit_test_setup_teardown(group_commit_answers_every_waiter, setup, teardown),
        cmocka_unit_test_setup_teardown(interval_policy_acknowledges_writes_and_syncs_on_the_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(interval_policy_with_ack_after_sync_waits_for_the_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(a_topics_flush_settings_put_its_log_on_the_interval_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(synced_bytes_past_cache_keep_bytes_leave_the_page_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_write_leaves_the_log_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(remove_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(reopen_while_segments_are_being_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(prefetch_runs_beside_opens_and_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_options_are_refused_before_init, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
