/* Replica placement: every partition gets `rf` distinct brokers; leaders
 * spread evenly (counts differ by at most one); followers of different
 * partitions differ (no two brokers mirror each other), and whole rounds
 * give every broker as many replicas; with racks, a
 * partition's replicas cover min(rf, racks) racks; `start` moves the first
 * leader; impossible requests are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "placement.h"

static void check_distinct(const int32_t *a, int32_t partitions, int32_t rf)
{
    for (int32_t p = 0; p < partitions; p++)
        for (int32_t i = 0; i < rf; i++)
            for (int32_t j = i + 1; j < rf; j++)
                if (a[p * rf + i] == a[p * rf + j])
                    fail_msg("partition %d has broker %d twice", p, a[p * rf + i]);
}

static void leaders_spread_evenly_and_replicas_are_distinct(void **state)
{
    (void)state;
    brook_placement_broker brokers[] = {{5, NULL}, {1, NULL}, {3, NULL}, {2, NULL}, {4, NULL}};
    for (int32_t rf = 1; rf <= 5; rf++) {
        for (int32_t partitions = 1; partitions <= 23; partitions++) {
            int32_t a[23 * 5];
            assert_int_equal(brook_place_replicas(brokers, 5, partitions, rf, 0, a), BROOK_OK);
            check_distinct(a, partitions, rf);
            int leaders[6] = {0}, replicas[6] = {0};
            for (int32_t p = 0; p < partitions; p++) {
                leaders[a[p * rf]]++;
                for (int32_t k = 0; k < rf; k++)
                    replicas[a[p * rf + k]]++;
            }
            int lo = 1 << 30, hi = 0, rlo = 1 << 30, rhi = 0;
            for (int b = 1; b <= 5; b++) {
                lo = leaders[b] < lo ? leaders[b] : lo;
                hi = leaders[b] > hi ? leaders[b] : hi;
                rlo = replicas[b] < rlo ? replicas[b] : rlo;
                rhi = replicas[b] > rhi ? replicas[b] : rhi;
            }
            /* leaders always; all replicas once every broker led as often (whole rounds) */
            if (hi - lo > 1 || (partitions % 5 == 0 && rhi - rlo > 1))
                fail_msg("rf %d, %d partitions: leaders %d..%d, replicas %d..%d per broker", rf, partitions, lo, hi,
                         rlo, rhi);
        }
    }
    /* the first round leads in id order from `start`; the next round shifts the followers */
    int32_t a[10 * 2];
    assert_int_equal(brook_place_replicas(brokers, 5, 10, 2, 0, a), BROOK_OK);
    for (int32_t p = 0; p < 10; p++)
        assert_int_equal(a[p * 2], 1 + p % 5);
    int same = 1;
    for (int32_t p = 0; p < 5; p++)
        same &= a[p * 2 + 1] == a[(p + 5) * 2 + 1];
    assert_false(same); /* broker pairs differ between rounds */
    assert_int_equal(brook_place_replicas(brokers, 5, 10, 2, 3, a), BROOK_OK);
    assert_int_equal(a[0], 4); /* start moved the first leader */
}

static void racks_are_covered(void **state)
{
    (void)state;
    brook_placement_broker brokers[] = {{1, "a"}, {2, "a"}, {3, "b"}, {4, "b"}, {5, "c"}, {6, "c"}};
    int32_t a[30 * 3];
    for (int32_t rf = 2; rf <= 3; rf++) {
        assert_int_equal(brook_place_replicas(brokers, 6, 30, rf, 7, a), BROOK_OK);
        check_distinct(a, 30, rf);
        for (int32_t p = 0; p < 30; p++) {
            char seen[4] = "";
            for (int32_t k = 0; k < rf; k++) {
                const char *rack = brokers[a[p * rf + k] - 1].rack;
                if (strchr(seen, rack[0]))
                    fail_msg("rf %d partition %d: rack %s twice", rf, p, rack);
                strncat(seen, rack, 1);
            }
        }
    }
    /* more replicas than racks: every rack once, then the rest */
    brook_placement_broker two_racks[] = {{1, "a"}, {2, "a"}, {3, "b"}, {4, "b"}};
    int32_t b[8 * 3];
    assert_int_equal(brook_place_replicas(two_racks, 4, 8, 3, 0, b), BROOK_OK);
    check_distinct(b, 8, 3);
    for (int32_t p = 0; p < 8; p++) {
        int racks_a = 0;
        for (int32_t k = 0; k < 3; k++)
            racks_a += two_racks[b[p * 3 + k] - 1].rack[0] == 'a';
        assert_true(racks_a == 1 || racks_a == 2);
    }
}

static void impossible_requests_are_refused(void **state)
{
    (void)state;
    brook_placement_broker brokers[] = {{1, NULL}, {2, NULL}};
    int32_t a[8];
    assert_int_equal(brook_place_replicas(brokers, 2, 1, 3, 0, a), BROOK_ERR_INVALID_REPLICATION);
    assert_int_equal(brook_place_replicas(brokers, 2, 1, 0, 0, a), BROOK_ERR_INVALID_REPLICATION);
    assert_int_equal(brook_place_replicas(brokers, 2, 0, 1, 0, a), BROOK_ERR_INVALID_PARTITIONS);
    assert_int_equal(brook_place_replicas(brokers, 0, 1, 1, 0, a), BROOK_ERR_INVALID_REPLICATION);
    brook_placement_broker one[] = {{9, "r"}};
    assert_int_equal(brook_place_replicas(one, 1, 4, 1, 5, a), BROOK_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(a[i], 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leaders_spread_evenly_and_replicas_are_distinct),
        cmocka_unit_test(racks_are_covered),
        cmocka_unit_test(impossible_requests_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
