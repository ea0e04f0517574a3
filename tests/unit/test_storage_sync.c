/* storage-segment's syncs with syncfs and fdatasync interposed (the
 * executable exports them, the plugin binds to them) to count the calls,
 * slow them down and inject failures: interval rounds (sync_round.c) share
 * one syncfs (partitions written a moment apart too, on shared flush
 * ticks), small rounds sync file by file, a failed syncfs is pinned on
 * the partition whose file failed, a stopping broker's closes share one
 * file-system sync, a close never answers before a running sync, and with
 * flush = "always" a sync goes on by itself while producers wait, never
 * answering for bytes it did not cover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "metrics.h"
#include "storage_fixture.h"

/* called on the I/O threads, two at a time */
static atomic_int syncfs_calls, syncfs_failures;
static atomic_int fdatasync_calls, fdatasync_done;
static atomic_int fdatasync_delay_ms;
static const char *_Atomic fdatasync_fails_in; /* a path fragment: fdatasync of such a file fails with EIO */

int syncfs(int fd)
{
    syncfs_calls++;
    if (atomic_fetch_sub(&syncfs_failures, 1) > 0) {
        errno = EIO;
        return -1;
    }
    atomic_fetch_add(&syncfs_failures, 1);
    return (int)syscall(SYS_syncfs, fd);
}

/* The test's thread runs the loop; I/O threads are the others. */
static pthread_t loop_thread;
static atomic_int hold_syncs; /* while set, I/O threads' fdatasyncs wait (at most 5 s) */
static atomic_int syncs_held; /* ... how many have waited */

/* Per .log file, the bytes a returned fdatasync covers: the file's size
 * when the call began. */
#define TRACKED 64
static struct {
    char path[512];
    long long durable;
} tracked[TRACKED];
static pthread_mutex_t tracked_lock = PTHREAD_MUTEX_INITIALIZER;

/* The slot of `path`, taken if new; NULL when all are taken. Under tracked_lock. */
static long long *slot_of(const char *path)
{
    for (int i = 0; i < TRACKED; i++) {
        if (!tracked[i].path[0])
            snprintf(tracked[i].path, sizeof tracked[i].path, "%s", path);
        if (strcmp(tracked[i].path, path) == 0)
            return &tracked[i].durable;
    }
    return NULL;
}

/* Forget earlier tests' files: each test tracks its own (64 at most). */
static void tracked_reset(void)
{
    pthread_mutex_lock(&tracked_lock);
    memset(tracked, 0, sizeof tracked);
    pthread_mutex_unlock(&tracked_lock);
}

static void note_durable(const char *path, long long size)
{
    pthread_mutex_lock(&tracked_lock);
    long long *d = slot_of(path);
    if (d && size > *d)
        *d = size;
    pthread_mutex_unlock(&tracked_lock);
}

static long long durable_bytes(const char *path)
{
    pthread_mutex_lock(&tracked_lock);
    long long *d = slot_of(path);
    long long v = d ? *d : 0;
    pthread_mutex_unlock(&tracked_lock);
    return v;
}

int fdatasync(int fd)
{
    fdatasync_calls++;
    char link[64], path[512];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    path[n > 0 ? n : 0] = '\0';
    const char *fails_in = fdatasync_fails_in;
    if (fails_in && strstr(path, fails_in)) {
        errno = EIO;
        return -1;
    }
    if (hold_syncs && !pthread_equal(pthread_self(), loop_thread)) {
        syncs_held++;
        for (int i = 0; i < 5000 && hold_syncs; i++)
            usleep(1000);
    }
    struct stat st;
    int is_log = n > 4 && strcmp(path + n - 4, ".log") == 0 && fstat(fd, &st) == 0;
    int rc = (int)syscall(SYS_fdatasync, fd);
    usleep((useconds_t)fdatasync_delay_ms * 1000);
    if (rc == 0 && is_log)
        note_durable(path, (long long)st.st_size);
    fdatasync_done++;
    return rc;
}

#define LOGS 8

static int answered, answered_ok;

static void on_durable(void *arg, brook_err err)
{
    (void)arg;
    answered++;
    answered_ok += err == BROOK_OK;
}

static int64_t metric(env *e, const char *name)
{
    brook_metric *m;
    brook_metrics_register(e->s.metrics, name, BROOK_METRIC_COUNTER, "", &m);
    return brook_metric_value(m);
}

/* One record into the log, waiting for its sync (ack_after_sync). */
static void append_one_awaiting_sync(env *e, void *log)
{
    append(e, log, 1, 0, 10);
    e->ops->when_durable(log, on_durable, NULL);
}

/* The loop runs until `n` appends were answered, at most `spins` turns of 2 ms. */
static void await_answered(env *e, int n, int spins)
{
    for (int i = 0; i < spins && answered < n; i++)
        spin(e, 2);
}

/* One record into each log, each waiting for its sync; then the loop runs
 * until all are answered (bounded). */
static void append_to_all_and_wait(env *e, void **logs, int n)
{
    answered = answered_ok = 0;
    for (int i = 0; i < n; i++)
        append_one_awaiting_sync(e, logs[i]);
    await_answered(e, n, 1000);
    assert_int_equal(answered, n);
}

static void open_logs(env *e, void **logs, int n)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(e->ops->open(e->state, "t", i, 1, &logs[i]), BROOK_OK);
}

static void close_logs(env *e, void **logs, int n)
{
    for (int i = 0; i < n; i++)
        e->ops->close(logs[i]);
}

static void partitions_due_together_share_one_syncfs(void **state)
{
    env *e = *state;
    start(e, "flush = \"interval\"; flush_ms = 30; ack_after_sync = true; syncfs_min_files = 4;");
    void *logs[LOGS];
    open_logs(e, logs, LOGS);
    int64_t fsyncs = metric(e, "storage_segment_fsyncs_total");
    syncfs_calls = fdatasync_calls = 0;
    append_to_all_and_wait(e, logs, LOGS);
    assert_int_equal(answered_ok, LOGS);
    assert_int_equal(syncfs_calls, 1);
    assert_int_equal(fdatasync_calls, 0);
    assert_int_equal(metric(e, "storage_segment_syncfs_total"), 1);
    assert_int_equal(metric(e, "storage_segment_fsyncs_total"), fsyncs + LOGS);
    /* synced: closing them syncs nothing more */
    close_logs(e, logs, LOGS);
    assert_int_equal(syncfs_calls + fdatasync_calls, 1);
    stop(e);
}

/* The value of the sample line starting `line_start` ("brook_x_count ")
 * in the registry as the metrics endpoint renders it; -1 if absent. */
static long long sample(env *e, const char *line_start)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    brook_metrics_write(e->s.metrics, f);
    fclose(f);
    const char *at = strstr(text, line_start);
    long long value = at ? atoll(at + strlen(line_start)) : -1;
    free(text);
    return value;
}

/* Each fdatasync of appended data and each syncfs is timed into a
 * histogram (what an operator reads to tell a slow disk from a slow
 * broker): syncs slowed to 4 ms land above 3 ms, one per call. */
static void syncs_are_timed_into_histograms(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\";");
    void *log;
    open_logs(e, &log, 1);
    fdatasync_calls = 0;
    fdatasync_delay_ms = 4;
    answered = answered_ok = 0;
    append_one_awaiting_sync(e, log);
    await_answered(e, 1, 1000);
    fdatasync_delay_ms = 0;
    assert_int_equal(answered_ok, 1);
    long long timed = sample(e, "brook_storage_segment_fdatasync_seconds_count ");
    assert_true(timed >= 1 && timed <= fdatasync_calls); /* the others: directories, small files */
    assert_int_equal(sample(e, "brook_storage_segment_fdatasync_seconds_bucket{le=\"0.003\"} "), 0);
    assert_int_equal(sample(e, "brook_storage_segment_fdatasync_seconds_bucket{le=\"+Inf\"} "), timed);
    close_logs(e, &log, 1);
    stop(e);

    start(e, "flush = \"interval\"; flush_ms = 30; ack_after_sync = true; syncfs_min_files = 4;");
    void *logs[LOGS];
    open_logs(e, logs, LOGS);
    syncfs_calls = 0;
    append_to_all_and_wait(e, logs, LOGS);
    assert_true(syncfs_calls >= 1);
    assert_int_equal(sample(e, "brook_storage_segment_syncfs_seconds_count "), syncfs_calls);
    close_logs(e, logs, LOGS);
    stop(e);
}

/* Partitions written a few milliseconds apart fall due with one of the
 * backend's flush ticks: 8 appends 10 ms apart, well inside a quarter of
 * flush_ms (200 ms), sync in one round (two at most, should the machine
 * stall). With a deadline of each partition's own, 8 rounds (fewer only
 * if one syncfs took over 30 ms). */
static void partitions_written_moments_apart_sync_in_one_round(void **state)
{
    env *e = *state;
    start(e, "flush = \"interval\"; flush_ms = 800; ack_after_sync = true; syncfs_min_files = 1;");
    void *logs[LOGS];
    open_logs(e, logs, LOGS);
    syncfs_calls = fdatasync_calls = 0;
    answered = answered_ok = 0;
    for (int i = 0; i < LOGS; i++) {
        append_one_awaiting_sync(e, logs[i]);
        spin(e, 10);
    }
    await_answered(e, LOGS, 1000);
    assert_int_equal(answered_ok, LOGS);
    assert_in_range(syncfs_calls, 1, 2);
    assert_int_equal(fdatasync_calls, 0);
    close_logs(e, logs, LOGS);
    stop(e);
}

/* A topic's own flush.ms makes ticks of another interval: the shorter
 * ones, made later, come due before the longer one made first, and each
 * partition syncs by its own interval. */
static void ticks_of_two_intervals_each_sync_their_partitions(void **state)
{
    env *e = *state;
    start(e, "flush = \"interval\"; flush_ms = 40; ack_after_sync = true; syncfs_min_files = 1;");
    void *logs[3];
    open_logs(e, logs, 3);
    assert_int_equal(e->ops->topic_setting(e->state, logs[0], "flush.ms", "1500"), BROOK_OK);
    answered = answered_ok = 0;
    for (int i = 0; i < 3; i++) /* a 1500 ms tick, then a 40 ms one */
        append_one_awaiting_sync(e, logs[i]);
    await_answered(e, 2, 500);
    assert_int_equal(answered_ok, 2); /* the 40 ms partitions, long before 1500 ms */
    /* another 40 ms tick while the 1500 ms one is still pending */
    append_one_awaiting_sync(e, logs[1]);
    await_answered(e, 4, 2000);
    assert_int_equal(answered_ok, 4);
    close_logs(e, logs, 3);
    stop(e);
}

/* Kafka's "never" (flush.ms = Long.MAX_VALUE, its default, which tools
 * set explicitly) syncs nothing by time; set back to 40 ms, the log's
 * unsynced append falls due by that. */
static void flush_ms_never_then_40(env *e, const char *options)
{
    start(e, options);
    void *log;
    open_logs(e, &log, 1);
    assert_int_equal(e->ops->topic_setting(e->state, log, "flush.ms", "9223372036854775807"), BROOK_OK);
    syncfs_calls = fdatasync_calls = 0;
    answered = answered_ok = 0;
    append_one_awaiting_sync(e, log);
    spin(e, 200);
    assert_int_equal(answered, 0);
    assert_int_equal(syncfs_calls + fdatasync_calls, 0);
    assert_int_equal(e->ops->topic_setting(e->state, log, "flush.ms", "40"), BROOK_OK);
    await_answered(e, 1, 1000);
    assert_int_equal(answered_ok, 1);
    close_logs(e, &log, 1);
    stop(e);
}

static void a_flush_ms_of_never_syncs_nothing_until_it_changes(void **state)
{
    /* with shared ticks, and with a timer of the log's own */
    flush_ms_never_then_40(*state, "flush = \"interval\"; flush_ms = 40; ack_after_sync = true; syncfs_min_files = 1;");
    tracked_reset();
    flush_ms_never_then_40(*state, "flush = \"interval\"; flush_ms = 40; ack_after_sync = true; syncfs_min_files = 0;");
}

/* A closed log leaves its flush tick. A tick of Kafka's "never" comes due
 * only when the backend stops, and it held every log closed meanwhile:
 * memory that grew with each close (a partition deleted, moved away,
 * reopened). glibc's count of the main arena's bytes in use must not grow
 * with the closes (the loop, this thread, allocates the logs); a
 * sanitizer's allocator reports none there, and the test is skipped. */
static void a_closed_log_leaves_its_flush_tick(void **state)
{
    env *e = *state;
    start(e, "flush = \"interval\"; flush_ms = 40; ack_after_sync = true; syncfs_min_files = 1;");
    size_t before = 0, after;
    for (int i = 0; i < 400; i++) {
        if (i == 100) /* allocations that come once are made by now */
            before = mallinfo2().uordblks;
        void *log;
        assert_int_equal(e->ops->open(e->state, "t", i % 4, 1, &log), BROOK_OK);
        assert_int_equal(e->ops->topic_setting(e->state, log, "flush.ms", "9223372036854775807"), BROOK_OK);
        append_one_awaiting_sync(e, log);
        e->ops->close(log);
    }
    after = mallinfo2().uordblks;
    stop(e);
    if (!before)
        skip();
    print_message("in use after 300 closes: %+lld bytes\n", (long long)after - (long long)before);
    assert_true(after < before + 300 * 64); /* less than 64 bytes a close */
}

static void a_small_round_syncs_file_by_file(void **state)
{
    env *e = *state;
    start(e, "flush = \"interval\"; flush_ms = 30; ack_after_sync = true; syncfs_min_files = 4;");
    void *logs[3];
    open_logs(e, logs, 3);
    syncfs_calls = fdatasync_calls = 0;
    append_to_all_and_wait(e, logs, 3);
    assert_int_equal(answered_ok, 3);
    assert_int_equal(syncfs_calls, 0);
    assert_int_equal(fdatasync_calls, 3);
    close_logs(e, logs, 3);
    stop(e);
}

/* syncfs cannot say whose file failed: each partition syncs its own files
 * again, and only the one whose fdatasync fails refuses appends. */
static void a_failed_syncfs_fails_only_the_partition_whose_file_failed(void **state)
{
    env *e = *state;
    start(e, "flush = \"interval\"; flush_ms = 30; ack_after_sync = true; syncfs_min_files = 4;");
    void *logs[LOGS];
    open_logs(e, logs, LOGS);
    syncfs_calls = fdatasync_calls = 0;
    syncfs_failures = 1;
    fdatasync_fails_in = "/t-3/";
    append_to_all_and_wait(e, logs, LOGS);
    fdatasync_fails_in = NULL;
    assert_int_equal(syncfs_calls, 1);
    assert_true(fdatasync_calls >= LOGS);
    assert_int_equal(answered_ok, LOGS - 1);
    size_t len;
    uint8_t *batch = make_batch(1, 0, 10, &len);
    for (int i = 0; i < LOGS; i++) {
        int64_t start_offset, end;
        e->ops->offsets(logs[i], &start_offset, &end);
        brook_put_be64(batch, (uint64_t)end);
        assert_int_equal(e->ops->append(logs[i], batch, len) == BROOK_OK, i != 3);
    }
    free(batch);
    close_logs(e, logs, LOGS);
    stop(e);
}

/* A stopping broker closes every partition in a row: the first close with
 * many unsynced partitions makes one syncfs that covers the rest. One
 * partition closing among synced ones syncs its own files. */
static void closing_many_unsynced_partitions_makes_one_syncfs(void **state)
{
    env *e = *state;
    start(e, "flush = \"interval\"; flush_ms = 600000; syncfs_min_files = 4;");
    void *logs[LOGS];
    open_logs(e, logs, LOGS);
    for (int i = 0; i < LOGS; i++)
        append(e, logs[i], 1, 0, 10);
    syncfs_calls = fdatasync_calls = 0;
    close_logs(e, logs, LOGS);
    assert_int_equal(syncfs_calls, 1);
    assert_int_equal(fdatasync_calls, 0);
    open_logs(e, logs, LOGS);
    append(e, logs[0], 1, 0, 10);
    syncfs_calls = fdatasync_calls = 0;
    e->ops->close(logs[0]);
    assert_int_equal(syncfs_calls, 0);
    assert_int_equal(fdatasync_calls, 1);
    close_logs(e, logs + 1, LOGS - 1);
    stop(e);
}

static int synced_when_answered = -1;

static void on_durable_count_syncs(void *arg, brook_err err)
{
    (void)arg;
    assert_int_equal(err, BROOK_OK);
    synced_when_answered = fdatasync_done;
}

/* A partition closing while its sync runs: close answers the waiters only
 * once a sync covering their bytes has returned (it counted the files the
 * running sync held as clean, and answered at once). */
static void a_close_during_a_sync_answers_after_a_sync(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\";");
    void *log;
    assert_int_equal(e->ops->open(e->state, "c", 0, 1, &log), BROOK_OK);
    fdatasync_done = 0;
    fdatasync_delay_ms = 300;
    append(e, log, 1, 0, 10);
    e->ops->when_durable(log, on_durable_count_syncs, NULL);
    spin(e, 50); /* the sync is running on an I/O thread */
    assert_int_equal(fdatasync_done, 0);
    e->ops->close(log);
    fdatasync_delay_ms = 0;
    assert_true(synced_when_answered >= 1);
    stop(e);
}

static void flush_os_never_syncs_the_file_system(void **state)
{
    env *e = *state;
    start(e, "flush = \"os\"; syncfs_min_files = 1;");
    void *logs[LOGS];
    open_logs(e, logs, LOGS);
    for (int i = 0; i < LOGS; i++)
        append(e, logs[i], 1, 0, 10);
    syncfs_calls = 0;
    close_logs(e, logs, LOGS);
    assert_int_equal(syncfs_calls, 0);
    stop(e);
}

/* The newest .log file of partition directory `dir`, and its size now. */
static long long newest_log(const env *e, const char *dir, char *path, size_t len)
{
    char d[256], best[256] = "";
    snprintf(d, sizeof d, "%s/%s", e->dir, dir);
    DIR *dp = opendir(d);
    struct dirent *de;
    while (dp && (de = readdir(dp))) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".log") == 0 && strcmp(de->d_name, best) > 0)
            snprintf(best, sizeof best, "%s", de->d_name);
    }
    if (dp)
        closedir(dp);
    snprintf(path, len, "%s/%s", d, best);
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* A producer waiting for its append: which file, how many bytes of it. */
typedef struct awaited {
    char path[512];
    long long bytes;
    int answered;
    brook_err err;
    int order;
    int cut; /* waiting when a truncation took bytes away: may be answered for a shorter file */
} awaited;

static int answers_so_far;

static void on_awaited(void *arg, brook_err err)
{
    awaited *a = arg;
    a->answered++;
    a->err = err;
    a->order = answers_so_far++;
}

static void append_awaited(env *e, void *log, const char *dir, awaited *a)
{
    append(e, log, 1, 0, 100);
    memset(a, 0, sizeof *a);
    a->bytes = newest_log(e, dir, a->path, sizeof a->path);
    e->ops->when_durable(log, on_awaited, a);
}

/* flush = "always": producers that append while a sync runs are covered by
 * the next one, which the I/O thread starts by itself: the loop is not
 * needed in between (it was: one round trip per sync). */
static void an_always_sync_goes_on_by_itself_while_producers_wait(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\";");
    tracked_reset();
    void *log;
    assert_int_equal(e->ops->open(e->state, "a", 0, 1, &log), BROOK_OK);
    awaited first, during;
    append_awaited(e, log, "a-0", &first);
    for (int i = 0; i < 1000 && !first.answered; i++)
        spin(e, 2);
    assert_int_equal(first.answered, 1);

    loop_thread = pthread_self();
    syncs_held = 0;
    hold_syncs = 1;
    answers_so_far = 0;
    append_awaited(e, log, "a-0", &first);
    for (int i = 0; i < 2000 && syncs_held == 0; i++)
        usleep(1000); /* its sync is running (held) on an I/O thread */
    assert_int_equal(syncs_held, 1);
    append_awaited(e, log, "a-0", &during);
    int calls = fdatasync_calls;
    hold_syncs = 0;
    /* the loop does not run here: the next sync must start without it */
    for (int i = 0; i < 2000 && fdatasync_calls == calls; i++)
        usleep(1000);
    assert_int_equal(fdatasync_calls, calls + 1);
    for (int i = 0; i < 1000 && !during.answered; i++)
        spin(e, 2);
    assert_int_equal(first.answered, 1);
    assert_int_equal(during.answered, 1);
    assert_int_equal(first.err, BROOK_OK);
    assert_int_equal(during.err, BROOK_OK);
    assert_true(first.order < during.order);
    assert_true(durable_bytes(during.path) >= during.bytes);
    e->ops->close(log);
    stop(e);
}

/* flush = "always" under a stream of producers, across rolls and a
 * truncation: every answer comes after an fdatasync of the producer's file
 * that began when its bytes were there, each producer is answered once. */
static void always_answers_only_for_bytes_a_sync_covered(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\"; segment_bytes = 4096;");
    tracked_reset();
    void *log;
    assert_int_equal(e->ops->open(e->state, "s", 0, 1, &log), BROOK_OK);
    enum { N = 400 };
    awaited *a = calloc(N, sizeof *a);
    fdatasync_delay_ms = 1;
    srand(7);
    for (int i = 0; i < N; i++) {
        append_awaited(e, log, "s-0", &a[i]);
        if (i == N / 2) { /* a follower's truncation while syncs run */
            int64_t start_off, end;
            e->ops->offsets(log, &start_off, &end);
            assert_int_equal(e->ops->truncate(log, end - 3), BROOK_OK);
            for (int k = 0; k <= i; k++)
                a[k].cut = !a[k].answered;
        }
        if (rand() % 4 == 0)
            spin(e, rand() % 3);
        for (int k = 0; k <= i; k++) /* each answer checked as it lands */
            if (a[k].answered && a[k].order >= 0 && a[k].err == BROOK_OK && !a[k].cut) {
                assert_true(durable_bytes(a[k].path) >= a[k].bytes);
                a[k].order = -1;
            }
    }
    int all = 0;
    for (int i = 0; i < 2000 && !all; i++) {
        spin(e, 2);
        all = 1;
        for (int k = 0; k < N; k++)
            all &= a[k].answered == 1;
    }
    fdatasync_delay_ms = 0;
    for (int k = 0; k < N; k++) {
        assert_int_equal(a[k].answered, 1);
        assert_int_equal(a[k].err, BROOK_OK);
        if (a[k].order >= 0 && !a[k].cut)
            assert_true(durable_bytes(a[k].path) >= a[k].bytes);
    }
    free(a);
    e->ops->close(log);
    stop(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(partitions_due_together_share_one_syncfs, setup, teardown),
        cmocka_unit_test_setup_teardown(syncs_are_timed_into_histograms, setup, teardown),
        cmocka_unit_test_setup_teardown(partitions_written_moments_apart_sync_in_one_round, setup, teardown),
        cmocka_unit_test_setup_teardown(ticks_of_two_intervals_each_sync_their_partitions, setup, teardown),
        cmocka_unit_test_setup_teardown(a_closed_log_leaves_its_flush_tick, setup, teardown),
        cmocka_unit_test_setup_teardown(a_flush_ms_of_never_syncs_nothing_until_it_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(a_small_round_syncs_file_by_file, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_syncfs_fails_only_the_partition_whose_file_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(closing_many_unsynced_partitions_makes_one_syncfs, setup, teardown),
        cmocka_unit_test_setup_teardown(flush_os_never_syncs_the_file_system, setup, teardown),
        cmocka_unit_test_setup_teardown(a_close_during_a_sync_answers_after_a_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(an_always_sync_goes_on_by_itself_while_producers_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(always_answers_only_for_bytes_a_sync_covered, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
