/* Idempotent producer state: retries are recognised, gaps and old epochs
 * refused, new and forgotten producers accepted, sequences wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
    brook_producers *ps = NULL;
    int64_t dup = -1;
    brook_batch_info b0 = batch(7, 0, 0, 3), b1 = batch(7, 0, 3, 2), b2 = batch(7, 0, 5, 1);
    assert_int_equal(brook_producers_check(&ps, &b0, &dup), BROOK_OK);
    brook_producers_record(&ps, &b0, 100);
    assert_int_equal(brook_producers_check(&ps, &b1, &dup), BROOK_OK);
    brook_producers_record(&ps, &b1, 103);
    /* a retry of either is a duplicate with its original offset */
    assert_int_equal(brook_producers_check(&ps, &b0, &dup), BROOK_ERR_EXISTS);
    assert_int_equal(dup, 100);
    assert_int_equal(brook_producers_check(&ps, &b1, &dup), BROOK_ERR_EXISTS);
    assert_int_equal(dup, 103);
    /* a gap is refused; the expected one passes */
    brook_batch_info gap = batch(7, 0, 9, 1);
    assert_int_equal(brook_producers_check(&ps, &gap, &dup), BROOK_ERR_OUT_OF_ORDER_SEQUENCE);
    assert_int_equal(brook_producers_check(&ps, &b2, &dup), BROOK_OK);
    /* an older epoch is fenced; a newer one must restart at 0 */
    brook_batch_info old = batch(7, -1, 5, 1), bumped = batch(7, 1, 0, 1), bumped_bad = batch(7, 1, 4, 1);
    assert_int_equal(brook_producers_check(&ps, &old, &dup), BROOK_ERR_INVALID_PRODUCER_EPOCH);
    assert_int_equal(brook_producers_check(&ps, &bumped_bad, &dup), BROOK_ERR_OUT_OF_ORDER_SEQUENCE);
    assert_int_equal(brook_producers_check(&ps, &bumped, &dup), BROOK_OK);
    /* unknown producers (and non-idempotent batches) are accepted */
    brook_batch_info other = batch(8, 0, 42, 1), plain = batch(-1, -1, -1, 5);
    assert_int_equal(brook_producers_check(&ps, &other, &dup), BROOK_OK);
    assert_int_equal(brook_producers_check(&ps, &plain, &dup), BROOK_OK);
    brook_producers_free(ps);
}

static void sequences_wrap_and_only_recent_batches_are_kept(void **state)
{
    (void)state;
    brook_producers *ps = NULL;
    int64_t dup;
    brook_batch_info last = batch(1, 0, INT32_MAX - 1, 2); /* ends at INT32_MAX */
    brook_producers_record(&ps, &last, 10);
    brook_batch_info wrapped = batch(1, 0, 0, 1);
    assert_int_equal(brook_producers_check(&ps, &wrapped, &dup), BROOK_OK);
    brook_producers_record(&ps, &wrapped, 12);
    for (int i = 1; i <= BROOK_PRODUCER_RECENT_BATCHES; i++) {
        brook_batch_info b = batch(1, 0, i, 1);
        brook_producers_record(&ps, &b, 12 + i);
    }
    /* the first batches have scrolled out: no longer recognised */
    assert_int_equal(brook_producers_check(&ps, &wrapped, &dup), BROOK_ERR_OUT_OF_ORDER_SEQUENCE);
    brook_batch_info recent = batch(1, 0, BROOK_PRODUCER_RECENT_BATCHES, 1);
    assert_int_equal(brook_producers_check(&ps, &recent, &dup), BROOK_ERR_EXISTS);
    assert_int_equal(dup, 12 + BROOK_PRODUCER_RECENT_BATCHES);
    /* many producers: bounded, the oldest forgotten */
    for (int64_t pid = 100; pid < 100 + BROOK_PRODUCERS_PER_PARTITION + 10; pid++) {
        brook_batch_info b = batch(pid, 0, 0, 1);
        brook_producers_record(&ps, &b, 0);
    }
    brook_batch_info first_again = batch(1, 0, 99, 1);
    assert_int_equal(brook_producers_check(&ps, &first_again, &dup), BROOK_OK); /* forgotten: accepted */
    brook_producers_free(ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sequence_rules),
        cmocka_unit_test(sequences_wrap_and_only_recent_batches_are_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
