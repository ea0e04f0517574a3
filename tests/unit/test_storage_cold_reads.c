/* storage-segment's reads of log data that is not in the page cache, with
 * pread and preadv2 interposed (the executable exports them, the plugin
 * binds to them): while "cold", a read of a .log file that may not wait
 * (RWF_NOWAIT) finds nothing cached, and every read that would wait is
 * counted. A read runs on the event loop; it must not wait for the disk
 * once it has something to return. Reads of index files on the loop's
 * thread are counted too: a sealed segment's index is read in off the
 * loop when the core asks prepare_read first. A model of the page cache
 * (`modelled`) counts as cached what a waiting read read, so that a
 * lookup by time can be seen to find, on the loop, only what an I/O
 * thread read in after prepare_timestamp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "storage_fixture.h"

static atomic_int cold;           /* .log files count as out of the page cache */
static atomic_int waiting_reads;  /* reads of .log files that would wait for the disk, while cold */
static atomic_int nowait_refused; /* RWF_NOWAIT reads of .log files refused, while cold */

static pthread_t loop_thread;       /* the test's: the plugin's event loop runs on it */
static atomic_int loop_index_reads; /* reads of .index / .timeindex files on that thread */

/* ---- the page cache model ---- */

static atomic_int modelled;        /* .log pages are cached once a waiting read read them */
static atomic_int loop_disk_reads; /* waiting reads of uncached .log pages on the loop's thread */

enum { MODEL_PAGES = 16384 };
static struct {
    ino_t ino;
    off_t page;
} cached_pages[MODEL_PAGES];
static int n_cached;
static pthread_mutex_t model_lock = PTHREAD_MUTEX_INITIALIZER;

static int page_cached(ino_t ino, off_t page)
{
    for (int i = 0; i < n_cached; i++)
        if (cached_pages[i].ino == ino && cached_pages[i].page == page)
            return 1;
    return 0;
}

/* Whether [offset, offset + count) of fd was all cached; with `fill`, it
 * is afterwards. */
static int model_read(int fd, size_t count, off_t offset, int fill)
{
    struct stat st;
    if (!count || fstat(fd, &st) != 0)
        return 1;
    int all = 1;
    pthread_mutex_lock(&model_lock);
    for (off_t p = offset / 4096; p <= (offset + (off_t)count - 1) / 4096; p++)
        if (!page_cached(st.st_ino, p)) {
            all = 0;
            if (fill && n_cached < MODEL_PAGES) {
                cached_pages[n_cached].ino = st.st_ino;
                cached_pages[n_cached++].page = p;
            }
        }
    pthread_mutex_unlock(&model_lock);
    return all;
}

static int fd_path_ends(int fd, const char *ext)
{
    char link[64], path[512];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    path[n > 0 ? n : 0] = '\0';
    size_t len = strlen(ext);
    return n > (ssize_t)len && strcmp(path + n - len, ext) == 0;
}

static int is_log(int fd)
{
    return fd_path_ends(fd, ".log");
}

ssize_t pread(int fd, void *buf, size_t count, off_t offset)
{
    static ssize_t (*real)(int, void *, size_t, off_t);
    if (!real)
        real = (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread");
    if (cold && is_log(fd))
        waiting_reads++;
    if (modelled && is_log(fd) && !model_read(fd, count, offset, 1) && pthread_equal(pthread_self(), loop_thread))
        loop_disk_reads++;
    if (pthread_equal(pthread_self(), loop_thread) && (fd_path_ends(fd, ".index") || fd_path_ends(fd, ".timeindex")))
        loop_index_reads++;
    return real(fd, buf, count, offset);
}

ssize_t pread64(int fd, void *buf, size_t count, off_t offset)
{
    return pread(fd, buf, count, offset);
}

ssize_t preadv2(int fd, const struct iovec *iov, int iovcnt, off_t offset, int flags)
{
    static ssize_t (*real)(int, const struct iovec *, int, off_t, int);
    if (!real)
        real = (ssize_t(*)(int, const struct iovec *, int, off_t, int))dlsym(RTLD_NEXT, "preadv2");
    if (cold && is_log(fd)) {
        if (flags & RWF_NOWAIT) {
            nowait_refused++;
            errno = EAGAIN;
            return -1;
        }
        waiting_reads++;
    }
    if (modelled && is_log(fd) && iovcnt == 1) {
        if (flags & RWF_NOWAIT) {
            if (!model_read(fd, iov[0].iov_len, offset, 0)) {
                errno = EAGAIN;
                return -1;
            }
        } else if (!model_read(fd, iov[0].iov_len, offset, 1) && pthread_equal(pthread_self(), loop_thread)) {
            loop_disk_reads++;
        }
    }
    return real(fd, iov, iovcnt, offset, flags);
}

ssize_t preadv64v2(int fd, const struct iovec *iov, int iovcnt, off_t offset, int flags)
{
    return preadv2(fd, iov, iovcnt, offset, flags);
}

/* The last offset of the batch at byte `pos` of the slice's file; its size in *size. */
static int64_t batch_last_at(const brook_slice *s, size_t pos, size_t *size)
{
    uint8_t h[61];
    assert_int_equal(pread(s->fd, h, sizeof h, s->file_offset + (off_t)pos), sizeof h);
    *size = 12 + brook_be32(h + 8);
    return (int64_t)(brook_be64(h) + brook_be32(h + BROOK_BATCH_OFF_LAST_OFFSET_DELTA));
}

enum { BATCHES = 240 };
static int64_t lasts[BATCHES];
static size_t sizes[BATCHES], biggest, total;

/* 240 batches of 1-4 records of 200-1,300 bytes, an index entry every 4 KiB */
static void *fill(env *e)
{
    start(e, "index_interval_bytes = 4096; flush = \"os\";");
    void *log;
    assert_int_equal(e->ops->open(e->state, "k", 0, 1, &log), BROOK_OK);
    biggest = total = 0;
    for (int i = 0; i < BATCHES; i++) {
        lasts[i] = append_noted(e, log, 1 + i % 4, 1000 + i, 200 + (size_t)(i * 373 % 1100), &sizes[i]);
        biggest = sizes[i] > biggest ? sizes[i] : biggest;
        total += sizes[i];
    }
    return log;
}

/* Reading on from where the last read stopped: each read takes the batches
 * the index delimits within its budget and stops where it would have to
 * wait; together they return every batch once, in order, each close to
 * its budget, and none waits for the disk. */
static void a_consumer_reading_on_through_cold_data_never_waits(void **state)
{
    env *e = *state;
    void *log = fill(e);
    const size_t budget = 65536;
    waiting_reads = nowait_refused = 0;
    cold = 1;
    size_t batch = 0, reads = 0;
    for (int64_t o = 0; batch < BATCHES; reads++) {
        brook_slice s[4];
        size_t k, bytes;
        assert_int_equal(e->ops->read(log, o, lasts[BATCHES - 1] + 1, budget, s, 4, &k, &bytes), BROOK_OK);
        release_all(s, k);
        size_t whole = 0, first = batch;
        while (batch < BATCHES && whole < bytes)
            whole += sizes[batch++];
        if (whole != bytes || bytes > budget)
            fail_msg("read %zu at offset %lld: %zu bytes, not whole batches within %zu", reads, (long long)o, bytes,
                     budget);
        /* the index has an entry every 4 KiB: a read falls short by less than that and a batch */
        if (batch < BATCHES && bytes + 4096 + 2 * biggest < budget)
            fail_msg("read %zu: only %zu bytes of %zu (batches %zu-%zu)", reads, bytes, budget, first, batch - 1);
        o = lasts[batch - 1] + 1;
    }
    cold = 0;
    assert_int_equal(waiting_reads, 0);
    assert_true(reads <= total / (budget - 4096 - 2 * biggest) + 1);
    e->ops->close(log);
    stop(e);
}

/* With the data cached the same reads fill their budget exactly (headers
 * past the last index entry are read); an offset inside a batch (a
 * consumer that seeks) needs a header read however cold, and gets its batch. */
static void cached_reads_fill_their_budget_and_a_seek_may_wait(void **state)
{
    env *e = *state;
    void *log = fill(e);
    brook_slice s[4];
    size_t k, bytes, want = 0;
    assert_int_equal(e->ops->read(log, 0, lasts[BATCHES - 1] + 1, 20000, s, 4, &k, &bytes), BROOK_OK);
    release_all(s, k);
    for (size_t i = 0; i < BATCHES && want + sizes[i] <= 20000; i++)
        want += sizes[i];
    assert_int_equal(bytes, want);

    waiting_reads = 0;
    cold = 1;
    /* batch 102 holds three records: its last offset is inside it */
    assert_int_equal(e->ops->read(log, lasts[102], lasts[BATCHES - 1] + 1, 20000, s, 4, &k, &bytes), BROOK_OK);
    cold = 0;
    assert_true(waiting_reads > 0);
    assert_true(k > 0 && bytes >= sizes[102] && bytes <= 20000);
    size_t size;
    assert_int_equal(batch_last_at(&s[0], 0, &size), lasts[102]);
    release_all(s, k);
    e->ops->close(log);
    stop(e);
}

/* ---- sealed segments' indexes, read in off the loop ------------------------ */

enum { SEALED_BATCHES = 400 };
static int64_t sealed_lasts[SEALED_BATCHES];

/* SEALED_BATCHES batches over segments of 16 KiB, an index entry each
 * 1 KiB; the plugin restarted, so no sealed segment's index is in memory
 * (index_cache_bytes 0: none stays once let go). Returns the open log. */
static void *sealed_segments_held(env *e, int hold_ms)
{
    char options[256];
    snprintf(options, sizeof options,
             "segment_bytes = 16384; index_interval_bytes = 1024; flush = \"os\"; "
             "index_cache_bytes = 0; index_cache_hold_ms = %d;",
             hold_ms);
    start(e, options);
    void *log;
    assert_int_equal(e->ops->open(e->state, "x", 0, 1, &log), BROOK_OK);
    size_t size;
    for (int i = 0; i < SEALED_BATCHES; i++)
        sealed_lasts[i] = append_noted(e, log, 1 + i % 3, 1000 + i, 100 + (size_t)(i * 97 % 400), &size);
    e->ops->close(log);
    stop(e);
    start(e, options);
    assert_int_equal(e->ops->open(e->state, "x", 0, 0, &log), BROOK_OK);
    loop_thread = pthread_self();
    loop_index_reads = 0;
    return log;
}

static void *sealed_segments(env *e)
{
    return sealed_segments_held(e, 0);
}

static int ready_calls;
static brook_err ready_err;

static void on_ready(void *arg, brook_err err)
{
    (void)arg;
    ready_calls++;
    ready_err = err;
}

/* A storage prepare_* slot: prepare_read (at an offset) or
 * prepare_timestamp (at a time). */
typedef brook_err (*prepare_fn)(void *log, int64_t at, brook_storage_ready_cb cb, void *arg);

/* Ask `prepare` until it says go on; each time it says wait, the loop runs
 * until it calls back (at most 5 s). Returns how often it said wait. */
static int get_ready_by(env *e, prepare_fn prepare, void *log, int64_t at)
{
    for (int waits = 0;; waits++) {
        ready_calls = 0;
        brook_err r = prepare(log, at, on_ready, NULL);
        if (r != BROOK_ERR_AGAIN) {
            assert_int_equal(r, BROOK_OK);
            return waits;
        }
        assert_int_equal(ready_calls, 0); /* never before it returns */
        for (int i = 0; i < 500 && !ready_calls; i++)
            spin(e, 10);
        assert_int_equal(ready_calls, 1);
        assert_int_equal(ready_err, BROOK_OK);
        assert_true(waits < 2);
    }
}

static int get_ready(env *e, void *log, int64_t offset)
{
    return get_ready_by(e, e->ops->prepare_read, log, offset);
}

/* A consumer reading 25 sealed segments from the start, asking
 * prepare_read before each read as the core does: every batch once, in
 * order, and no index file read on the loop. A read holding batches stops
 * at a segment whose index is not in, rather than read it. Before, each
 * read read the indexes of the segments it reached on the loop. */
static void sealed_indexes_are_read_in_off_the_loop(void **state)
{
    env *e = *state;
    void *log = sealed_segments(e);
    int64_t end = sealed_lasts[SEALED_BATCHES - 1] + 1;
    int waits = 0;
    size_t batch = 0;
    for (int64_t o = 0; o < end;) {
        waits += get_ready(e, log, o);
        brook_slice s[8];
        size_t k, bytes;
        assert_int_equal(e->ops->read(log, o, end, 1 << 20, s, 8, &k, &bytes), BROOK_OK);
        assert_true(k >= 1);
        for (size_t i = 0; i < k; i++) { /* whole batches, on from o */
            for (size_t pos = 0, size; pos < s[i].len; batch++, pos += size)
                assert_int_equal(batch_last_at(&s[i], pos, &size), sealed_lasts[batch]);
        }
        o = sealed_lasts[batch - 1] + 1;
        release_all(s, k);
    }
    assert_int_equal(batch, SEALED_BATCHES);
    assert_int_equal(loop_index_reads, 0);
    assert_true(waits >= 10); /* a segment's index came in for most reads */
    e->ops->close(log);
    stop(e);
}

/* A log closed while reads wait for an index: their callbacks come from
 * close, with BROOK_ERR_SHUTDOWN; the load ending afterwards touches nothing
 * of the log (ASan). */
static void closing_answers_reads_waiting_for_an_index(void **state)
{
    env *e = *state;
    void *log = sealed_segments(e);
    ready_calls = 0;
    assert_int_equal(e->ops->prepare_read(log, sealed_lasts[100], on_ready, NULL), BROOK_ERR_AGAIN);
    assert_int_equal(e->ops->prepare_read(log, sealed_lasts[101], on_ready, NULL), BROOK_ERR_AGAIN);
    e->ops->close(log);
    assert_int_equal(ready_calls, 2);
    assert_int_equal(ready_err, BROOK_ERR_SHUTDOWN);
    spin(e, 100);
    assert_int_equal(ready_calls, 2);
    stop(e);
}

/* Index files found corrupt by the load are the read's to rebuild from
 * the log (as before: waiting, with a warning): prepare_read says read,
 * not wait again, and the read returns the right batches. */
static void a_corrupt_index_is_left_to_the_read_to_rebuild(void **state)
{
    env *e = *state;
    void *log = sealed_segments(e);
    char path[256];
    snprintf(path, sizeof path, "%s/x-0/00000000000000000000.index", e->dir);
    assert_int_equal(truncate(path, 3), 0);
    assert_int_equal(get_ready(e, log, 0), 1);
    assert_int_equal(get_ready(e, log, 0), 0);
    brook_slice s[2];
    size_t k, bytes;
    assert_int_equal(e->ops->read(log, 0, 1, 1, s, 2, &k, &bytes), BROOK_OK);
    assert_int_equal(k, 1);
    size_t size;
    assert_int_equal(batch_last_at(&s[0], 0, &size), sealed_lasts[0]);
    release_all(s, k);
    e->ops->close(log);
    stop(e);
}

/* The first record at or after `ts` by brute force: batch i holds
 * 1 + i % 3 records dated 1000 + i on, one a millisecond. */
static int64_t first_at_or_after(int64_t ts, int64_t *found)
{
    for (int i = 0; i < SEALED_BATCHES; i++) {
        int n = 1 + i % 3;
        for (int k = 0; k < n; k++)
            if (1000 + i + k >= ts) {
                *found = 1000 + i + k;
                return sealed_lasts[i] - (n - 1) + k;
            }
    }
    return -1;
}

/* ListOffsets by time over 25 sealed segments with neither their indexes
 * in memory nor their data in the (modelled) page cache, asking
 * prepare_timestamp first as the core does: the same answers, and no index
 * file or uncached log page read on the loop: an index comes in off the
 * loop first, then an I/O thread reads the headers and the batch the
 * lookup will. Before, each lookup read them all on the loop. */
static void timestamp_lookups_read_off_the_loop(void **state)
{
    env *e = *state;
    void *log = sealed_segments_held(e, 60000); /* an index loaded for a lookup stays for it */
    n_cached = 0;
    loop_disk_reads = 0;
    modelled = 1;
    int waits = 0;
    for (int i = 0; i <= SEALED_BATCHES; i += 37) {
        int64_t ts = i < SEALED_BATCHES ? 1000 + i : 100000, want_ts = -1, off = -1, found = -1;
        int64_t want = first_at_or_after(ts, &want_ts);
        waits += get_ready_by(e, e->ops->prepare_timestamp, log, ts);
        brook_err e2 = e->ops->offset_for_timestamp(log, ts, &off, &found);
        if (want < 0) {
            assert_int_equal(e2, BROOK_ERR_NOT_FOUND);
        } else {
            assert_int_equal(e2, BROOK_OK);
            assert_int_equal(off, want);
            assert_int_equal(found, want_ts);
        }
    }
    modelled = 0;
    assert_int_equal(loop_index_reads, 0);
    assert_int_equal(loop_disk_reads, 0);
    assert_true(waits >= 10); /* an index, then the log's pages, for most lookups */
    e->ops->close(log);
    stop(e);
}

/* A log closed while a lookup's read-ahead runs: its waiter is answered
 * by close with BROOK_ERR_SHUTDOWN, and the read-ahead ending afterwards
 * touches nothing of the log (ASan). */
static void closing_answers_lookups_waiting_for_their_pages(void **state)
{
    env *e = *state;
    void *log = sealed_segments_held(e, 60000);
    n_cached = 0;
    modelled = 1;
    ready_calls = 0;
    assert_int_equal(e->ops->prepare_timestamp(log, 1100, on_ready, NULL), BROOK_ERR_AGAIN); /* the index */
    for (int k = 0; k < 500 && !ready_calls; k++)
        spin(e, 10);
    assert_int_equal(ready_calls, 1);
    ready_calls = 0;
    assert_int_equal(e->ops->prepare_timestamp(log, 1100, on_ready, NULL), BROOK_ERR_AGAIN); /* the pages */
    e->ops->close(log);
    assert_int_equal(ready_calls, 1);
    assert_int_equal(ready_err, BROOK_ERR_SHUTDOWN);
    spin(e, 100);
    assert_int_equal(ready_calls, 1);
    modelled = 0;
    stop(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_consumer_reading_on_through_cold_data_never_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(cached_reads_fill_their_budget_and_a_seek_may_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(sealed_indexes_are_read_in_off_the_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(closing_answers_reads_waiting_for_an_index, setup, teardown),
        cmocka_unit_test_setup_teardown(a_corrupt_index_is_left_to_the_read_to_rebuild, setup, teardown),
        cmocka_unit_test_setup_teardown(timestamp_lookups_read_off_the_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(closing_answers_lookups_waiting_for_their_pages, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
