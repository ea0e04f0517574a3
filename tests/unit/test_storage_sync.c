/* storage-segment's syncs with syncfs and fdatasync interposed (the
 * executable exports them, the plugin binds to them) to count the calls,
 * slow them down and inject failures: interval rounds (sync_round.c) share
 * one syncfs, small rounds sync file by file, a failed syncfs is pinned on
 * the partition whose file failed, a stopping broker's closes share one
 * file-system sync, and a close never answers before a running sync. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
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
    int rc = (int)syscall(SYS_fdatasync, fd);
    usleep((useconds_t)fdatasync_delay_ms * 1000);
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

/* One record into each log, each waiting for its sync (ack_after_sync);
 * then the loop runs until all are answered (bounded). */
static void append_to_all_and_wait(env *e, void **logs, int n)
{
    answered = answered_ok = 0;
    for (int i = 0; i < n; i++) {
        append(e, logs[i], 1, 0, 10);
        e->ops->when_durable(logs[i], on_durable, NULL);
    }
    for (int i = 0; i < 1000 && answered < n; i++)
        spin(e, 2);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(partitions_due_together_share_one_syncfs, setup, teardown),
        cmocka_unit_test_setup_teardown(a_small_round_syncs_file_by_file, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_syncfs_fails_only_the_partition_whose_file_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(closing_many_unsynced_partitions_makes_one_syncfs, setup, teardown),
        cmocka_unit_test_setup_teardown(flush_os_never_syncs_the_file_system, setup, teardown),
        cmocka_unit_test_setup_teardown(a_close_during_a_sync_answers_after_a_sync, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
