/* Leader-epoch checkpoints written in a batch: no fsync per file, one
 * syncfs at the end (nested batches: the outermost), everything readable
 * back; when syncfs fails, each file is synced instead and a file that
 * cannot be synced fails the batch. syncfs, fsync and fdatasync are
 * interposed (the core is linked into this executable) to count the calls
 * and inject failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "leader_epochs.h"

#define HISTORIES 20 /* past the 16 from which a batch syncs the file system */

static int syncfs_calls, syncfs_fails, file_syncs, file_syncs_fail;

int syncfs(int fd)
{
    syncfs_calls++;
    if (syncfs_fails) {
        errno = EIO;
        return -1;
    }
    return (int)syscall(SYS_syncfs, fd);
}

int fdatasync(int fd)
{
    file_syncs++;
    if (file_syncs_fail) {
        errno = EIO;
        return -1;
    }
    return (int)syscall(SYS_fdatasync, fd);
}

int fsync(int fd)
{
    file_syncs++;
    return (int)syscall(SYS_fsync, fd);
}

static char dir[64];
static brook_leader_epochs les[HISTORIES];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/brook-epochs-batch-XXXXXX");
    assert_non_null(mkdtemp(dir));
    for (int i = 0; i < HISTORIES; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/leader-epochs/t-%d", dir, i);
        assert_int_equal(brook_leader_epochs_load(&les[i], path), BROOK_OK);
    }
    syncfs_calls = syncfs_fails = file_syncs = file_syncs_fail = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < HISTORIES; i++)
        brook_leader_epochs_free(&les[i]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

/* The first write made the leader-epochs directory (synced once, as any
 * new directory entry): what comes after is counted. */
static void first_write_outside(void)
{
    assert_int_equal(brook_leader_epochs_assign(&les[0], 0, 0), BROOK_OK);
    file_syncs = 0;
}

static void assign_all(int32_t epoch)
{
    for (int i = 0; i < HISTORIES; i++)
        assert_int_equal(brook_leader_epochs_assign(&les[i], epoch, 10 * epoch), BROOK_OK);
}

static void read_back_first(int n, int32_t epoch)
{
    for (int i = 0; i < n; i++) {
        brook_leader_epochs again;
        assert_int_equal(brook_leader_epochs_load(&again, les[i].path), BROOK_OK);
        assert_int_equal(brook_leader_epochs_latest(&again), epoch);
        brook_leader_epochs_free(&again);
    }
}

static void read_back(int32_t epoch)
{
    read_back_first(HISTORIES, epoch);
}

static void a_batch_syncs_once(void **state)
{
    (void)state;
    first_write_outside();
    brook_leader_epochs_batch_begin();
    brook_leader_epochs_batch_begin(); /* nested: only the outer end syncs */
    assign_all(1);
    assert_int_equal(brook_leader_epochs_batch_end(dir), BROOK_OK);
    assert_int_equal(syncfs_calls, 0);
    assign_all(2);
    assert_int_equal(file_syncs, 0);
    assert_int_equal(brook_leader_epochs_batch_end(dir), BROOK_OK);
    assert_int_equal(syncfs_calls, 1);
    assert_int_equal(file_syncs, 0);
    read_back(2);
    /* outside a batch every write syncs its file and directory again */
    assert_int_equal(brook_leader_epochs_assign(&les[0], 3, 30), BROOK_OK);
    assert_int_equal(file_syncs, 2);
    /* an empty batch syncs nothing; a small one syncs its own files */
    brook_leader_epochs_batch_begin();
    assert_int_equal(brook_leader_epochs_batch_end(dir), BROOK_OK);
    file_syncs = 0;
    brook_leader_epochs_batch_begin();
    for (int i = 0; i < 3; i++)
        assert_int_equal(brook_leader_epochs_assign(&les[i], 4, 40), BROOK_OK);
    assert_int_equal(brook_leader_epochs_batch_end(dir), BROOK_OK);
    assert_int_equal(syncfs_calls, 1);
    assert_int_equal(file_syncs, 2 * 3);
    read_back_first(3, 4);
}

static void a_failed_syncfs_syncs_each_file(void **state)
{
    (void)state;
    first_write_outside();
    syncfs_fails = 1;
    brook_leader_epochs_batch_begin();
    assign_all(1);
    assert_int_equal(brook_leader_epochs_batch_end(dir), BROOK_OK);
    assert_int_equal(file_syncs, 2 * HISTORIES); /* each file and its directory */
    read_back(1);
    /* and a file that cannot be synced fails the batch */
    file_syncs_fail = 1;
    brook_leader_epochs_batch_begin();
    assign_all(2);
    assert_int_equal(brook_leader_epochs_batch_end(dir), BROOK_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_batch_syncs_once, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_syncfs_syncs_each_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
