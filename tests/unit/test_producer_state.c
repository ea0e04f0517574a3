/* Idempotent producer state: retries are recognised, gaps and old epochs
 * refused, new and forgotten producers accepted, sequences wrap; idle
 * producers expire; the table survives encoding and snapshot files (the
 * newest readable one at or below the log end is used). */
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

#include "producer_snapshot.h"
#include "producer_state.h"

static brook_batch_info batch(int64_t pid, int16_t epoch, int32_t seq, int32_t records)
{
    brook_batch_info b = {.producer_id = pid,
                          .producer_epoch = epoch,
                          .base_sequence = seq,
                          .base_offset = 0,
                          .last_offset = records - 1,
                          .record_count = records};
    return b;
}

static void sequence_rules(void **state)
{
    (void)state;
    brook_producers *ps = brook_producers_new(1000, 0);
    int64_t dup = -1;
    brook_batch_info b0 = batch(7, 0, 0, 3), b1 = batch(7, 0, 3, 2), b2 = batch(7, 0, 5, 1);
    assert_int_equal(brook_producers_check(ps, &b0, &dup), BROOK_OK);
    brook_producers_record(ps, &b0, 100, 0);
    assert_int_equal(brook_producers_check(ps, &b1, &dup), BROOK_OK);
    brook_producers_record(ps, &b1, 103, 0);
    /* a retry of either is a duplicate with its original offset */
    assert_int_equal(brook_producers_check(ps, &b0, &dup), BROOK_ERR_EXISTS);
    assert_int_equal(dup, 100);
    assert_int_equal(brook_producers_check(ps, &b1, &dup), BROOK_ERR_EXISTS);
    assert_int_equal(dup, 103);
    /* a gap is refused; the expected one passes */
    brook_batch_info gap = batch(7, 0, 9, 1);
    assert_int_equal(brook_producers_check(ps, &gap, &dup), BROOK_ERR_OUT_OF_ORDER_SEQUENCE);
    assert_int_equal(brook_producers_check(ps, &b2, &dup), BROOK_OK);
    /* an older epoch is fenced; a newer one must restart at 0 */
    brook_batch_info old = batch(7, -1, 5, 1), bumped = batch(7, 1, 0, 1), bumped_bad = batch(7, 1, 4, 1);
    assert_int_equal(brook_producers_check(ps, &old, &dup), BROOK_ERR_INVALID_PRODUCER_EPOCH);
    assert_int_equal(brook_producers_check(ps, &bumped_bad, &dup), BROOK_ERR_OUT_OF_ORDER_SEQUENCE);
    assert_int_equal(brook_producers_check(ps, &bumped, &dup), BROOK_OK);
    /* unknown producers (and non-idempotent batches) are accepted */
    brook_batch_info other = batch(8, 0, 42, 1), plain = batch(-1, -1, -1, 5);
    assert_int_equal(brook_producers_check(ps, &other, &dup), BROOK_OK);
    assert_int_equal(brook_producers_check(ps, &plain, &dup), BROOK_OK);
    brook_producers_free(ps);
}

static void sequences_wrap_and_only_recent_batches_are_kept(void **state)
{
    (void)state;
    brook_producers *ps = brook_producers_new(1000, 0);
    int64_t dup;
    brook_batch_info last = batch(1, 0, INT32_MAX - 1, 2); /* ends at INT32_MAX */
    brook_producers_record(ps, &last, 10, 0);
    brook_batch_info wrapped = batch(1, 0, 0, 1);
    assert_int_equal(brook_producers_check(ps, &wrapped, &dup), BROOK_OK);
    brook_producers_record(ps, &wrapped, 12, 0);
    for (int i = 1; i <= BROOK_PRODUCER_RECENT_BATCHES; i++) {
        brook_batch_info b = batch(1, 0, i, 1);
        brook_producers_record(ps, &b, 12 + i, 0);
    }
    /* the first batches have scrolled out: no longer recognised */
    assert_int_equal(brook_producers_check(ps, &wrapped, &dup), BROOK_ERR_OUT_OF_ORDER_SEQUENCE);
    brook_batch_info recent = batch(1, 0, BROOK_PRODUCER_RECENT_BATCHES, 1);
    assert_int_equal(brook_producers_check(ps, &recent, &dup), BROOK_ERR_EXISTS);
    assert_int_equal(dup, 12 + BROOK_PRODUCER_RECENT_BATCHES);
    /* many producers: bounded, the least recently active forgotten */
    for (int64_t pid = 100; pid < 100 + 1000; pid++) {
        brook_batch_info b = batch(pid, 0, 0, 1);
        brook_producers_record(ps, &b, 0, 0);
    }
    brook_batch_info first_again = batch(1, 0, 99, 1);
    assert_int_equal(brook_producers_check(ps, &first_again, &dup), BROOK_OK); /* forgotten: accepted */
    brook_producers_free(ps);
}

static void idle_producers_expire_and_activity_keeps_them(void **state)
{
    (void)state;
    brook_producers *ps = brook_producers_new(100, 1000);
    int64_t dup;
    brook_batch_info a = batch(1, 0, 0, 1), b = batch(2, 0, 0, 1);
    brook_producers_record(ps, &a, 0, 10000);
    brook_producers_record(ps, &b, 1, 10500);
    a.base_sequence = 1;
    brook_producers_record(ps, &a, 2, 10900); /* a is active again: b is now the least recent */
    brook_batch_info c = batch(3, 0, 0, 1);
    brook_producers_record(ps, &c, 3, 11600); /* b idle 1.1 s: forgotten */
    assert_int_equal(brook_producers_count(ps), 2);
    brook_batch_info b_retry = batch(2, 0, 0, 1);
    assert_int_equal(brook_producers_check(ps, &b_retry, &dup), BROOK_OK); /* unknown again */
    a.base_sequence = 1;
    assert_int_equal(brook_producers_check(ps, &a, &dup), BROOK_ERR_EXISTS);
    brook_producers_free(ps);
}

/* A table with producers at every fill level of their recent batches. */
static brook_producers *sample_table(void)
{
    brook_producers *ps = brook_producers_new(1000, 0);
    for (int64_t pid = 0; pid < 50; pid++)
        for (int32_t seq = 0; seq < pid % 9; seq++) {
            brook_batch_info b = batch(pid, (int16_t)(pid % 3), seq * 2, 2);
            brook_producers_record(ps, &b, pid * 1000 + seq * 2, 5000 + pid);
        }
    return ps;
}

/* Every producer's duplicates and next sequence answer the same in both. */
static void assert_same_answers(brook_producers *x, brook_producers *y)
{
    assert_int_equal(brook_producers_count(x), brook_producers_count(y));
    for (int64_t pid = 0; pid < 50; pid++)
        for (int32_t seq = 0; seq < 12; seq++) {
            brook_batch_info b = batch(pid, (int16_t)(pid % 3), seq * 2, 2);
            int64_t dx = -1, dy = -1;
            assert_int_equal(brook_producers_check(x, &b, &dx), brook_producers_check(y, &b, &dy));
            assert_int_equal(dx, dy);
        }
}

static void encoding_round_trips(void **state)
{
    (void)state;
    brook_producers *ps = sample_table(), *copy = brook_producers_new(1000, 0);
    brook_buf buf = {0};
    assert_int_equal(brook_producers_encode(ps, &buf), BROOK_OK);
    assert_int_equal(brook_producers_decode(copy, buf.data, buf.len, BROOK_PRODUCERS_FORMAT), BROOK_OK);
    assert_same_answers(ps, copy);
    brook_producers *bad = brook_producers_new(1000, 0);
    assert_int_equal(brook_producers_decode(bad, buf.data, buf.len - 1, BROOK_PRODUCERS_FORMAT), BROOK_ERR_CORRUPT);
    brook_producers_free(bad);
    brook_buf_free(&buf);
    brook_producers_free(ps);
    brook_producers_free(copy);
}

static void snapshots_pick_the_newest_readable_one_within_the_log(void **state)
{
    (void)state;
    char dir[64] = "/tmp/brook-producer-state-XXXXXX", path[512];
    assert_non_null(mkdtemp(dir));
    strcat(dir, "/p-0"); /* the snapshot directory itself is made on first write */
    brook_producers *ps = sample_table(), *loaded;
    int64_t offset;
    /* none yet: an empty table, offset -1 */
    assert_int_equal(brook_producer_snapshot_load(dir, 100, 1000, 0, &loaded, &offset), BROOK_OK);
    assert_int_equal(offset, -1);
    assert_int_equal(brook_producers_count(loaded), 0);
    brook_producers_free(loaded);
    for (int64_t off = 100; off <= 400; off += 100)
        assert_int_equal(brook_producer_snapshot_write(dir, off, ps), BROOK_OK);
    /* only the newest two are kept */
    snprintf(path, sizeof path, "%s/%020d.snapshot", dir, 200);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(brook_producer_snapshot_load(dir, 1000, 1000, 0, &loaded, &offset), BROOK_OK);
    assert_int_equal(offset, 400);
    assert_same_answers(ps, loaded);
    brook_producers_free(loaded);
    /* a log that lost its tail below 400: that snapshot goes, 300 is used */
    assert_int_equal(brook_producer_snapshot_load(dir, 350, 1000, 0, &loaded, &offset), BROOK_OK);
    assert_int_equal(offset, 300);
    brook_producers_free(loaded);
    snprintf(path, sizeof path, "%s/%020d.snapshot", dir, 400);
    assert_int_equal(access(path, F_OK), -1);
    /* a damaged snapshot is skipped for an older one */
    assert_int_equal(brook_producer_snapshot_write(dir, 500, ps), BROOK_OK);
    snprintf(path, sizeof path, "%s/%020d.snapshot", dir, 500);
    FILE *f = fopen(path, "r+b");
    fseek(f, 40, SEEK_SET);
    fputc(0x77, f);
    fclose(f);
    assert_int_equal(brook_producer_snapshot_load(dir, 1000, 1000, 0, &loaded, &offset), BROOK_OK);
    assert_int_equal(offset, 300);
    brook_producers_free(loaded);
    brook_producer_snapshot_remove(dir);
    assert_int_equal(access(dir, F_OK), -1);
    *strrchr(dir, '/') = '\0';
    rmdir(dir);
    brook_producers_free(ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sequence_rules),
        cmocka_unit_test(sequences_wrap_and_only_recent_batches_are_kept),
        cmocka_unit_test(idle_producers_expire_and_activity_keeps_them),
        cmocka_unit_test(encoding_round_trips),
        cmocka_unit_test(snapshots_pick_the_newest_readable_one_within_the_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
