/* The leader-epoch history: epochs only move forward, an epoch that wrote
 * nothing is replaced, end offsets follow KIP-279 (including the epoch
 * older than all and the current one ending at the log end), truncation
 * forgets what it cut (at load: only what starts past the log end), and the checkpoint file survives a reload in
 * Kafka's format while damaged files are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leader_epochs.h"
#include "tmp_file_fixture.h"

static void end_of(const brook_leader_epochs *le, int32_t epoch, int64_t log_end, int32_t want_epoch, int64_t want_end)
{
    int32_t found;
    int64_t end;
    brook_leader_epochs_end_offset(le, epoch, log_end, &found, &end);
    assert_int_equal(found, want_epoch);
    assert_int_equal(end, want_end);
}

static void epochs_move_forward_and_answer_end_offsets(void **state)
{
    (void)state;
    brook_leader_epochs le;
    assert_int_equal(brook_leader_epochs_load(&le, path), BROOK_OK);
    assert_int_equal(brook_leader_epochs_latest(&le), BROOK_NO_EPOCH);
    end_of(&le, 5, 0, BROOK_NO_EPOCH, -1);
    assert_int_equal(brook_leader_epochs_at(&le, 0), BROOK_NO_EPOCH);
    assert_int_equal(brook_leader_epochs_assign(&le, 1, 0), BROOK_OK);
    assert_int_equal(brook_leader_epochs_assign(&le, 3, 100), BROOK_OK);
    assert_int_equal(brook_leader_epochs_assign(&le, 2, 150), BROOK_OK); /* older: ignored */
    assert_int_equal(brook_leader_epochs_assign(&le, 3, 160), BROOK_OK); /* same: ignored */
    assert_int_equal(brook_leader_epochs_latest(&le), 3);
    assert_int_equal(le.count, 2);
    end_of(&le, 0, 200, 0, 0); /* older than all known: ends where the first known one starts */
    end_of(&le, 1, 200, 1, 100);
    end_of(&le, 2, 200, 1, 100); /* never seen here: the one before it */
    end_of(&le, 3, 200, 3, 200); /* the current one ends at the log end */
    end_of(&le, 9, 200, 3, 200);
    /* the epoch an offset was written in (ListOffsets answers it) */
    assert_int_equal(brook_leader_epochs_at(&le, 0), 1);
    assert_int_equal(brook_leader_epochs_at(&le, 99), 1);
    assert_int_equal(brook_leader_epochs_at(&le, 100), 3);
    assert_int_equal(brook_leader_epochs_at(&le, 5000), 3);
    /* epoch 4 was elected but wrote nothing before epoch 5 took over */
    assert_int_equal(brook_leader_epochs_assign(&le, 4, 200), BROOK_OK);
    assert_int_equal(brook_leader_epochs_assign(&le, 5, 200), BROOK_OK);
    assert_int_equal(le.count, 3);
    assert_int_equal(le.entries[2].epoch, 5);
    end_of(&le, 4, 250, 3, 200);

    /* the file holds Kafka's checkpoint format and reloads to the same */
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char text[256] = "";
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_string_equal(text, "0\n3\n1 0\n3 100\n5 200\n");
    brook_leader_epochs again;
    assert_int_equal(brook_leader_epochs_load(&again, path), BROOK_OK);
    assert_int_equal(again.count, 3);
    assert_int_equal(again.entries[1].epoch, 3);
    assert_int_equal(again.entries[1].start_offset, 100);
    brook_leader_epochs_free(&again);

    /* truncating the log forgets the epochs that started in the cut part */
    assert_int_equal(brook_leader_epochs_truncate_end(&le, 150), BROOK_OK);
    assert_int_equal(brook_leader_epochs_latest(&le), 3);
    end_of(&le, 5, 150, 3, 150);
    assert_int_equal(brook_leader_epochs_load(&again, path), BROOK_OK);
    assert_int_equal(again.count, 2);
    brook_leader_epochs_free(&again);
    brook_leader_epochs_free(&le);
}

static ino_t inode_of(const char *file)
{
    struct stat st;
    assert_int_equal(stat(file, &st), 0);
    return st.st_ino;
}

/* At load: an epoch starting at the log end wrote nothing yet and stays
 * (the file is not rewritten); one starting past it lost its records. */
static void load_keeps_the_epoch_starting_at_the_log_end(void **state)
{
    (void)state;
    brook_leader_epochs le;
    assert_int_equal(brook_leader_epochs_load(&le, path), BROOK_OK);
    assert_int_equal(brook_leader_epochs_assign(&le, 0, 0), BROOK_OK);
    assert_int_equal(brook_leader_epochs_assign(&le, 1, 5), BROOK_OK);
    ino_t before = inode_of(path); /* a rewrite renames a new file over it */
    assert_int_equal(brook_leader_epochs_drop_beyond(&le, 5), BROOK_OK);
    assert_int_equal(brook_leader_epochs_latest(&le), 1);
    assert_true(inode_of(path) == before);
    assert_int_equal(brook_leader_epochs_drop_beyond(&le, 4), BROOK_OK);
    assert_int_equal(brook_leader_epochs_latest(&le), 0);
    brook_leader_epochs again;
    assert_int_equal(brook_leader_epochs_load(&again, path), BROOK_OK);
    assert_int_equal(again.count, 1);
    brook_leader_epochs_free(&again);
    brook_leader_epochs_free(&le);
}

static void damaged_checkpoints_are_refused(void **state)
{
    (void)state;
    static const char *bad[] = {"1\n0\n",  "0\n2\n1 0\n", "0\n2\n3 0\n2 10\n", "0\n2\n1 10\n2 5\n", "0\n1\n-1 0\n",
                                "garbage", "0\n-1\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(bad[i], f);
        fclose(f);
        brook_leader_epochs le;
        if (brook_leader_epochs_load(&le, path) != BROOK_ERR_CORRUPT)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    brook_leader_epochs le;
    assert_int_equal(brook_leader_epochs_load(&le, ""), BROOK_OK); /* in memory only */
    assert_int_equal(brook_leader_epochs_assign(&le, 0, 0), BROOK_OK);
    assert_int_equal(brook_leader_epochs_latest(&le), 0);
    brook_leader_epochs_free(&le);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(epochs_move_forward_and_answer_end_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(damaged_checkpoints_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(load_keeps_the_epoch_starting_at_the_log_end, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
