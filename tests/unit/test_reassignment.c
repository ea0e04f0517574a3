/* Partition reassignment as record changes (reassignment.h): a move adds
 * the target's new replicas and keeps the old ones until every target
 * replica is in sync, then drops them, handing leadership to a live target
 * replica if the leader leaves; a reorder or a shrink finishes at once; a
 * second target replaces the first from the replicas the partition had
 * before; a cancel goes back to them; bad targets are refused with a
 * reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "reassignment.h"

#define N(a) ((int32_t)(sizeof(a) / sizeof *(a)))

static int32_t dead_broker = -1;

static int live(void *arg, int32_t id)
{
    (void)arg;
    return id != dead_broker;
}

static int setup(void **state)
{
    (void)state;
    dead_broker = -1;
    return 0;
}

static void assert_ids(const int32_t *ids, int32_t count, const int32_t *want, int32_t want_count)
{
    assert_int_equal(count, want_count);
    for (int32_t i = 0; i < count; i++)
        if (ids[i] != want[i])
            fail_msg("id %d: %d, wanted %d", i, ids[i], want[i]);
}

/* replicas {1,2,3}, all in sync, 1 leading at epoch 5 */
static int32_t three[] = {1, 2, 3};
static brook_partition_record settled(void)
{
    return (brook_partition_record){.leader = 1,
                                    .leader_epoch = 5,
                                    .partition_epoch = 9,
                                    .replicas = three,
                                    .replica_count = 3,
                                    .isr = three,
                                    .isr_count = 3};
}

static void a_move_keeps_the_old_replicas_until_the_new_are_in_sync(void **state)
{
    (void)state;
    brook_partition_record rec = settled(), moving, done;
    int32_t target[] = {2, 3, 4};
    const char *why = NULL;
    assert_int_equal(brook_reassignment_start(&rec, target, 3, live, NULL, &moving, &why), BROOK_OK);
    int32_t replicas[] = {2, 3, 4, 1}, adding[] = {4}, removing[] = {1};
    assert_ids(moving.replicas, moving.replica_count, replicas, N(replicas));
    assert_ids(moving.adding, moving.adding_count, adding, 1);
    assert_ids(moving.removing, moving.removing_count, removing, 1);
    assert_ids(moving.isr, moving.isr_count, three, 3);
    assert_int_equal(moving.leader, 1);
    assert_int_equal(moving.leader_epoch, 5);
    assert_int_equal(moving.partition_epoch, 10);
    assert_true(brook_partition_record_reassigning(&moving));
    /* asked for again: nothing to write */
    assert_int_equal(brook_reassignment_start(&moving, target, 3, live, NULL, &done, &why), BROOK_ERR_EXISTS);

    /* 4 not in sync yet */
    assert_false(brook_reassignment_finish(&moving, live, NULL, &done));

    /* 4 caught up: 1 goes, and with it the leadership, to 2 */
    int32_t isr[] = {1, 2, 3, 4};
    brook_partition_record caught = moving;
    caught.isr = isr;
    caught.isr_count = 4;
    caught.partition_epoch = 11;
    assert_true(brook_reassignment_finish(&caught, live, NULL, &done));
    assert_ids(done.replicas, done.replica_count, target, 3);
    assert_ids(done.isr, done.isr_count, (int32_t[]){2, 3, 4}, 3);
    assert_false(brook_partition_record_reassigning(&done));
    assert_int_equal(done.leader, 2);
    assert_int_equal(done.leader_epoch, 6);
    assert_int_equal(done.partition_epoch, 12);
    brook_partition_record_clear(&done);

    /* the first target replica dead: the next live one leads */
    dead_broker = 2;
    assert_true(brook_reassignment_finish(&caught, live, NULL, &done));
    assert_int_equal(done.leader, 3);
    brook_partition_record_clear(&done);
    brook_partition_record_clear(&moving);
}

static void a_leader_the_target_keeps_keeps_leading(void **state)
{
    (void)state;
    brook_partition_record rec = settled(), moving, done;
    int32_t target[] = {4, 1};
    const char *why;
    assert_int_equal(brook_reassignment_start(&rec, target, 2, live, NULL, &moving, &why), BROOK_OK);
    assert_ids(moving.replicas, moving.replica_count, (int32_t[]){4, 1, 2, 3}, 4);
    assert_ids(moving.removing, moving.removing_count, (int32_t[]){2, 3}, 2);
    int32_t isr[] = {1, 2, 3, 4};
    brook_partition_record caught = moving;
    caught.isr = isr;
    caught.isr_count = 4;
    assert_true(brook_reassignment_finish(&caught, live, NULL, &done));
    assert_ids(done.replicas, done.replica_count, target, 2);
    assert_ids(done.isr, done.isr_count, (int32_t[]){1, 4}, 2);
    assert_int_equal(done.leader, 1);
    assert_int_equal(done.leader_epoch, 5); /* the same leadership */
    brook_partition_record_clear(&done);

    /* offline: no finish before an election */
    caught.leader = -1;
    assert_false(brook_reassignment_finish(&caught, live, NULL, &done));
    brook_partition_record_clear(&moving);
}

static void no_live_target_replica_to_lead_holds_the_finish(void **state)
{
    (void)state;
    int32_t replicas[] = {2, 1}, isr[] = {1, 2}, removing[] = {1};
    brook_partition_record rec = {.leader = 1,
                                  .leader_epoch = 1,
                                  .replicas = replicas,
                                  .replica_count = 2,
                                  .isr = isr,
                                  .isr_count = 2,
                                  .removing = removing,
                                  .removing_count = 1},
                           done;
    dead_broker = 2;
    assert_false(brook_reassignment_finish(&rec, live, NULL, &done));
    dead_broker = -1;
    assert_true(brook_reassignment_finish(&rec, live, NULL, &done));
    assert_int_equal(done.leader, 2);
    brook_partition_record_clear(&done);
}

static void a_reorder_or_a_shrink_finishes_at_once(void **state)
{
    (void)state;
    brook_partition_record rec = settled(), next;
    const char *why;
    int32_t reorder[] = {3, 1, 2};
    assert_int_equal(brook_reassignment_start(&rec, reorder, 3, live, NULL, &next, &why), BROOK_OK);
    assert_ids(next.replicas, next.replica_count, reorder, 3);
    assert_false(brook_partition_record_reassigning(&next));
    assert_int_equal(next.leader, 1);
    assert_int_equal(next.leader_epoch, 5);
    assert_int_equal(next.partition_epoch, 10);
    brook_partition_record_clear(&next);

    int32_t shrink[] = {2, 3};
    assert_int_equal(brook_reassignment_start(&rec, shrink, 2, live, NULL, &next, &why), BROOK_OK);
    assert_ids(next.replicas, next.replica_count, shrink, 2);
    assert_ids(next.isr, next.isr_count, shrink, 2);
    assert_false(brook_partition_record_reassigning(&next));
    assert_int_equal(next.leader, 2); /* 1 left */
    assert_int_equal(next.leader_epoch, 6);
    assert_int_equal(next.partition_epoch, 10);
    brook_partition_record_clear(&next);

    /* what the partition already is */
    assert_int_equal(brook_reassignment_start(&rec, three, 3, live, NULL, &next, &why), BROOK_ERR_EXISTS);
}

static void bad_targets_are_refused_with_a_reason(void **state)
{
    (void)state;
    brook_partition_record rec = settled(), next;
    struct {
        int32_t ids[3];
        int32_t n;
    } bad[] = {{{0}, 0}, {{1, 2, 1}, 3}, {{1, -2}, 2}, {{1, 7}, 2}};
    dead_broker = 7;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *why = NULL;
        assert_int_equal(brook_reassignment_start(&rec, bad[i].ids, bad[i].n, live, NULL, &next, &why),
                         BROOK_ERR_INVALID_REPLICA_ASSIGNMENT);
        assert_non_null(why);
    }
    /* a replica's broker may be down: it stays a replica */
    dead_broker = 3;
    const char *why = NULL;
    int32_t keeps_dead[] = {3, 1, 4};
    assert_int_equal(brook_reassignment_start(&rec, keeps_dead, 3, live, NULL, &next, &why), BROOK_OK);
    assert_ids(next.adding, next.adding_count, (int32_t[]){4}, 1);
    brook_partition_record_clear(&next);
}

static void a_second_target_replaces_the_first(void **state)
{
    (void)state;
    brook_partition_record rec = settled(), first, second;
    const char *why;
    int32_t to4[] = {2, 3, 4}, to5[] = {2, 3, 5};
    assert_int_equal(brook_reassignment_start(&rec, to4, 3, live, NULL, &first, &why), BROOK_OK);
    /* 4 joined the in-sync set meanwhile; it goes again */
    int32_t isr[] = {1, 2, 3, 4};
    brook_partition_record caught = first;
    caught.isr = isr;
    caught.isr_count = 4;
    assert_int_equal(brook_reassignment_start(&caught, to5, 3, live, NULL, &second, &why), BROOK_OK);
    assert_ids(second.replicas, second.replica_count, (int32_t[]){2, 3, 5, 1}, 4);
    assert_ids(second.adding, second.adding_count, (int32_t[]){5}, 1);
    assert_ids(second.removing, second.removing_count, (int32_t[]){1}, 1);
    assert_ids(second.isr, second.isr_count, three, 3);
    brook_partition_record_clear(&second);
    brook_partition_record_clear(&first);
}

static void a_cancel_goes_back_to_the_replicas_before(void **state)
{
    (void)state;
    brook_partition_record rec = settled(), moving, back;
    const char *why;
    assert_int_equal(brook_reassignment_cancel(&rec, live, NULL, &back, &why), BROOK_ERR_NO_REASSIGNMENT_IN_PROGRESS);
    int32_t to4[] = {4, 5};
    assert_int_equal(brook_reassignment_start(&rec, to4, 2, live, NULL, &moving, &why), BROOK_OK);
    /* 4 joined and leads (1, 2 and 3 died and came back, say) */
    int32_t isr[] = {4, 2};
    brook_partition_record caught = moving;
    caught.isr = isr;
    caught.isr_count = 2;
    caught.leader = 4;
    caught.leader_epoch = 7;
    assert_int_equal(brook_reassignment_cancel(&caught, live, NULL, &back, &why), BROOK_OK);
    assert_ids(back.replicas, back.replica_count, three, 3);
    assert_false(brook_partition_record_reassigning(&back));
    assert_ids(back.isr, back.isr_count, (int32_t[]){2}, 1);
    assert_int_equal(back.leader, 2);
    assert_int_equal(back.leader_epoch, 8);
    brook_partition_record_clear(&back);

    /* only an added replica in sync: going back would leave none */
    int32_t only4[] = {4};
    caught.isr = only4;
    caught.isr_count = 1;
    why = NULL;
    assert_int_equal(brook_reassignment_cancel(&caught, live, NULL, &back, &why), BROOK_ERR_INVALID_REPLICA_ASSIGNMENT);
    assert_non_null(why);
    brook_partition_record_clear(&moving);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(a_move_keeps_the_old_replicas_until_the_new_are_in_sync, setup),
        cmocka_unit_test_setup(a_leader_the_target_keeps_keeps_leading, setup),
        cmocka_unit_test_setup(no_live_target_replica_to_lead_holds_the_finish, setup),
        cmocka_unit_test_setup(a_reorder_or_a_shrink_finishes_at_once, setup),
        cmocka_unit_test_setup(bad_targets_are_refused_with_a_reason, setup),
        cmocka_unit_test_setup(a_second_target_replaces_the_first, setup),
        cmocka_unit_test_setup(a_cancel_goes_back_to_the_replicas_before, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
