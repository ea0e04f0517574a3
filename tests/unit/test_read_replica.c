/* Fetching from the closest replica (KIP-392): which replica a leader
 * names for a consumer in a rack. The leader itself when the consumer
 * names no rack or shares the leader's, or reads where a follower may not
 * have the records (past the high watermark, before the follower's log
 * start); else the first in-sync follower in the consumer's rack, never
 * one out of sync or in another rack. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "replica_selector.h"

static const brook_read_replica followers[] = {
    {.id = 2, .rack = "b", .in_sync = 1, .log_start = 0},
    {.id = 3, .rack = "c", .in_sync = 0, .log_start = 0},
    {.id = 4, .rack = "c", .in_sync = 1, .log_start = 50},
    {.id = 5, .rack = NULL, .in_sync = 1, .log_start = 0},
};
#define N (sizeof followers / sizeof followers[0])

static void the_leader_serves_unless_a_follower_shares_the_rack(void **state)
{
    (void)state;
    assert_int_equal(brook_read_replica_pick(followers, N, "a", NULL, 10, 100), -1);
    assert_int_equal(brook_read_replica_pick(followers, N, "a", "", 10, 100), -1);
    assert_int_equal(brook_read_replica_pick(followers, N, "a", "a", 10, 100), -1); /* the leader's own rack */
    assert_int_equal(brook_read_replica_pick(followers, N, "a", "z", 10, 100), -1); /* no replica there */
    assert_int_equal(brook_read_replica_pick(followers, N, "a", "b", 10, 100), 2);
    assert_int_equal(brook_read_replica_pick(followers, N, NULL, "b", 10, 100), 2); /* a leader without a rack */
}

static void only_an_in_sync_follower_that_holds_the_offset(void **state)
{
    (void)state;
    /* 3 is out of sync; 4 starts at 50 */
    assert_int_equal(brook_read_replica_pick(followers, N, "a", "c", 10, 100), -1);
    assert_int_equal(brook_read_replica_pick(followers, N, "a", "c", 50, 100), 4);
    assert_int_equal(brook_read_replica_pick(followers, N, "a", "c", 100, 100),
                     4); /* at the high watermark: waits there */
    assert_int_equal(brook_read_replica_pick(followers, N, "a", "c", 101, 100), -1); /* past it: maybe not copied yet */
    assert_int_equal(brook_read_replica_pick(followers, N, "a", "b", -1, 100), -1);
    assert_int_equal(brook_read_replica_pick(followers, 0, "a", "b", 10, 100), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_leader_serves_unless_a_follower_shares_the_rack),
        cmocka_unit_test(only_an_in_sync_follower_that_holds_the_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
