/* The replication throttle's token bucket: its rate over time, its short burst,
 * a read that overdraws it, and the wait it then asks for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "replication_quota.h"

static void unlimited_by_default_and_when_cleared(void **state)
{
    (void)state;
    brook_quota q = {0};
    assert_false(brook_quota_limited(&q));
    assert_int_equal(brook_quota_available(&q, 0), INT64_MAX);
    brook_quota_spend(&q, 1 << 30, 0);
    assert_int_equal(brook_quota_wait_ms(&q, 0), 0);
    brook_quota_set_rate(&q, 1000, 0);
    assert_true(brook_quota_limited(&q));
    brook_quota_set_rate(&q, BROOK_QUOTA_UNLIMITED, 0);
    assert_int_equal(brook_quota_available(&q, 0), INT64_MAX);
}

static void holds_the_rate_with_a_short_burst(void **state)
{
    (void)state;
    brook_quota q = {0};
    brook_quota_set_rate(&q, 10000, 0);
    assert_int_equal(brook_quota_available(&q, 0), 1000); /* starts full: 100 ms of the rate */
    brook_quota_spend(&q, 1000, 0);
    assert_int_equal(brook_quota_available(&q, 0), 0);
    assert_int_equal(brook_quota_available(&q, 25), 250);
    /* idle for long: no more than the burst */
    assert_int_equal(brook_quota_available(&q, 60000), 1000);
    /* ten seconds of reads of 100 bytes whenever allowed move ten seconds of the rate */
    brook_quota_spend(&q, 1000, 60000);
    int64_t moved = 0;
    for (int64_t t = 60000; t < 70000; t++)
        while (brook_quota_available(&q, t) > 0) {
            brook_quota_spend(&q, 100, t);
            moved += 100;
        }
    assert_in_range(moved, 99900, 100100);
}

static void an_overdraft_is_waited_out(void **state)
{
    (void)state;
    brook_quota q = {0};
    brook_quota_set_rate(&q, 1000, 0);
    brook_quota_spend(&q, 2100, 0); /* one batch larger than the budget: 100 in hand, 2000 owed */
    assert_int_equal(brook_quota_available(&q, 1000), 0);
    int64_t wait = brook_quota_wait_ms(&q, 1000);
    assert_in_range(wait, 1000, 1002);
    assert_true(brook_quota_available(&q, 1000 + wait) > 0);
    /* a new rate starts afresh */
    brook_quota_set_rate(&q, 500, 1000);
    assert_int_equal(brook_quota_available(&q, 1000), 50);
    /* a tiny rate still lets a byte through */
    brook_quota_set_rate(&q, 1, 1000);
    assert_int_equal(brook_quota_available(&q, 1000), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unlimited_by_default_and_when_cleared),
        cmocka_unit_test(holds_the_rate_with_a_short_burst),
        cmocka_unit_test(an_overdraft_is_waited_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
