/* The broker's small state files that a power cut must not take back: the
 * producer id block end (an earlier one would hand out used ids again) and
 * meta.properties (a lost one means a new cluster id). Each is replaced
 * whole and its rename synced: rename and fsync are interposed (the core
 * is linked into this executable) to see a directory fsync follow the
 * rename. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "data_dir.h"
#include "producer_ids.h"

static char dir[64];
static char renamed_to[512]; /* the last rename's target */
static int dir_synced_after; /* a directory fsync came after that rename */

int rename(const char *from, const char *to)
{
    snprintf(renamed_to, sizeof renamed_to, "%s", to);
    dir_synced_after = 0;
    return (int)syscall(SYS_rename, from, to);
}

int fsync(int fd)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
        dir_synced_after = 1;
    return (int)syscall(SYS_fsync, fd);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/brook-state-XXXXXX");
    renamed_to[0] = '\0';
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

/* The last rename made <in>/<name>, and a directory fsync followed it. */
static void expect_synced_rename(const char *in, const char *name)
{
    char want[512];
    snprintf(want, sizeof want, "%s/%s", in, name);
    assert_string_equal(renamed_to, want);
    assert_true(dir_synced_after);
}

static void a_producer_id_block_is_saved_with_its_rename_synced(void **state)
{
    (void)state;
    brook_producer_ids ids;
    char err[256];
    assert_int_equal(brook_producer_ids_load(&ids, dir, err, sizeof err), BROOK_OK);
    int64_t id;
    assert_int_equal(brook_producer_ids_next(&ids, &id), BROOK_OK);
    expect_synced_rename(dir, "producer_ids");
}

static void ids_handed_out_are_never_handed_out_again_after_a_restart(void **state)
{
    (void)state;
    brook_producer_ids ids;
    char err[256];
    int64_t id = -1, last = -1;
    assert_int_equal(brook_producer_ids_load(&ids, dir, err, sizeof err), BROOK_OK);
    for (int i = 0; i < BROOK_PRODUCER_ID_BLOCK + 10; i++) { /* into a second block */
        assert_int_equal(brook_producer_ids_next(&ids, &id), BROOK_OK);
        assert_true(id > last);
        last = id;
    }
    assert_int_equal(brook_producer_ids_load(&ids, dir, err, sizeof err), BROOK_OK);
    assert_int_equal(brook_producer_ids_next(&ids, &id), BROOK_OK);
    assert_true(id > last);
}

static void meta_properties_is_written_with_its_rename_synced(void **state)
{
    (void)state;
    brook_data_dir d;
    char err[256], path[128];
    snprintf(path, sizeof path, "%s/data", dir);
    assert_int_equal(brook_data_dir_open(&d, path, 3, err, sizeof err), BROOK_OK);
    expect_synced_rename(path, "meta.properties");
    brook_data_dir_close(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_producer_id_block_is_saved_with_its_rename_synced, setup, teardown),
        cmocka_unit_test_setup_teardown(ids_handed_out_are_never_handed_out_again_after_a_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(meta_properties_is_written_with_its_rename_synced, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
