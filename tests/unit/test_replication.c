/* The replication SDK proven on an in-process bed of several replicas
 * (replication_bed.h) running the real core partition code, the real
 * storage plugin and replication-isr:
 *   - acks=all is answered only when every in-sync replica holds the batch,
 *     and followers hold it byte for byte: the leader's offsets and epochs;
 *   - a follower that stops fetching leaves the in-sync set through the
 *     controller, and commits go on without it; min_insync_replicas refuses
 *     acks=all below it; a follower that catches up joins again;
 *   - a new leader's epoch fences the old one's fetches, and the old
 *     leader's uncommitted tail is truncated by epoch when it rejoins
 *     (KIP-101), never kept;
 *   - followers refuse produces, and a leader steps down with its acks=all
 *     produces answered NOT_LEADER. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "replication_bed.h"

#define MEMORY   "plugin = \"memory\";"
#define ISR(min) "plugin = \"isr\"; replica_lag_time_max_ms = 300; min_insync_replicas = " #min ";"

static uint8_t log_a[1 << 16], log_b[1 << 16];

static void logs_are_identical(bed *bd, int32_t a, int32_t b)
{
    size_t na = bed_log_bytes(bd, a, log_a, sizeof log_a);
    size_t nb = bed_log_bytes(bd, b, log_b, sizeof log_b);
    assert_int_equal(na, nb);
    assert_memory_equal(log_a, log_b, na);
}

static void acks_all_waits_for_every_in_sync_replica(void **state)
{
    (void)state;
    bed bd;
    bed_start(&bd, 3, MEMORY, ISR(2));
    bed_produce *p = bed_produce_to(&bd, 1, -1, "one");
    assert_false(p->done); /* durable on the leader only */
    assert_int_equal(bed_at(&bd, 1)->part->high_watermark, 0);

    size_t copied;
    assert_int_equal(bed_fetch(&bd, 2, &copied), BROOK_OK);
    assert_true(copied > 0);
    assert_int_equal(bed_fetch(&bd, 2, NULL), BROOK_OK); /* proves it holds offset 0 */
    bed_pump(&bd);
    assert_false(p->done); /* broker 3 is in sync and has nothing yet */
    assert_int_equal(bed_fetch(&bd, 3, NULL), BROOK_OK);
    assert_int_equal(bed_fetch(&bd, 3, NULL), BROOK_OK);
    bed_pump(&bd);
    assert_true(p->done);
    assert_int_equal(p->a.error, BROOK_OK);
    assert_int_equal(p->a.base_offset, 0);
    assert_int_equal(bed_at(&bd, 1)->part->high_watermark, 1);

    /* the followers hold the leader's bytes: offsets and leader epoch kept */
    logs_are_identical(&bd, 1, 2);
    logs_are_identical(&bd, 1, 3);
    brook_batch_info info;
    size_t n = bed_log_bytes(&bd, 2, log_a, sizeof log_a);
    assert_int_equal(brook_batch_check(log_a, n, &info), BROOK_OK);
    assert_int_equal(info.partition_leader_epoch, 1);
    assert_int_equal(brook_leader_epochs_latest(&bed_at(&bd, 2)->part->epochs), 1);
    /* and the followers learn the high watermark from the leader */
    bed_replicate(&bd, 1);
    assert_int_equal(bed_at(&bd, 2)->part->high_watermark, 1);

    /* acks=1 is answered once durable on the leader */
    bed_produce *q = bed_produce_to(&bd, 1, 1, "two");
    assert_true(q->done);
    assert_int_equal(q->a.error, BROOK_OK);
    assert_int_equal(q->a.base_offset, 1);
    bed_produce_free(p);
    bed_produce_free(q);
    bed_stop(&bd);
}

static void a_stopped_follower_leaves_the_isr_and_commits_go_on(void **state)
{
    (void)state;
    bed bd;
    bed_start(&bd, 3, MEMORY, ISR(2));
    bed_replicate(&bd, 1);
    bed_at(&bd, 3)->down = 1; /* stops fetching */
    bed_produce *p = bed_produce_to(&bd, 1, -1, "x");
    bed_replicate(&bd, 2);
    assert_false(p->done); /* 3 is still counted */
    for (int i = 0; i < 20 && !p->done; i++) {
        bed_wait(&bd, 50);
        bed_replicate(&bd, 1);
    }
    assert_true(p->done);
    assert_int_equal(p->a.error, BROOK_OK);
    assert_int_equal(bd.isr_count, 2); /* the controller recorded {1, 2} */
    assert_int_equal(bd.isr_changes, 1);
    assert_int_equal(bed_at(&bd, 1)->part->high_watermark, 1);

    /* with broker 2 gone too, acks=all needs 2 in sync: refused untouched */
    bed_at(&bd, 2)->down = 1;
    bed_produce *q = bed_produce_to(&bd, 1, -1, "y");
    for (int i = 0; i < 20 && bd.isr_count > 1; i++)
        bed_wait(&bd, 50);
    assert_int_equal(bd.isr_count, 1);
    bed_produce *r = bed_produce_to(&bd, 1, -1, "z");
    assert_true(r->done);
    assert_int_equal(r->a.error, BROOK_ERR_NOT_ENOUGH_REPLICAS);
    /* the one appended before the shrink is committed but answered as such */
    assert_true(q->done);
    assert_int_equal(q->a.error, BROOK_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    /* acks=1 still goes */
    bed_produce *s = bed_produce_to(&bd, 1, 1, "w");
    assert_true(s->done);
    assert_int_equal(s->a.error, BROOK_OK);

    /* broker 2 comes back, catches up and joins again */
    bed_at(&bd, 2)->down = 0;
    for (int i = 0; i < 10 && bd.isr_count < 2; i++)
        bed_replicate(&bd, 1);
    assert_int_equal(bd.isr_count, 2);
    logs_are_identical(&bd, 1, 2);
    bed_produce_free(p);
    bed_produce_free(q);
    bed_produce_free(r);
    bed_produce_free(s);
    bed_stop(&bd);
}

static void failover_truncates_the_old_leaders_uncommitted_tail(void **state)
{
    (void)state;
    bed bd;
    bed_start(&bd, 3, MEMORY, ISR(1));
    bed_produce *a = bed_produce_to(&bd, 1, -1, "committed");
    bed_replicate(&bd, 2);
    assert_true(a->done);
    assert_int_equal(a->a.error, BROOK_OK);
    /* broker 1 appends two more that nobody copies, then loses leadership */
    bed_at(&bd, 2)->down = bed_at(&bd, 3)->down = 1;
    bed_produce *b1 = bed_produce_to(&bd, 1, -1, "lost-1");
    bed_produce *b2 = bed_produce_to(&bd, 1, 1, "lost-2");
    assert_int_equal(bed_log_end(bed_at(&bd, 1)), 3);
    bed_at(&bd, 2)->down = bed_at(&bd, 3)->down = 0;
    bed_at(&bd, 1)->down = 1;
    bed_elect(&bd, 2); /* epoch 2 */
    bed_at(&bd, 1)->down = 0;
    assert_int_equal(brook_partition_become_follower(bed_at(&bd, 1)->part,
                                                     &(brook_leadership){.leader = 2,
                                                                         .leader_epoch = bd.leader_epoch,
                                                                         .replicas = bd.replicas,
                                                                         .replica_count = 3,
                                                                         .isr = bd.isr,
                                                                         .isr_count = bd.isr_count,
                                                                         .partition_epoch = bd.partition_epoch}),
                     BROOK_OK);
    /* its acks=all produce ends: the new leader does not have it */
    bed_pump(&bd);
    assert_true(b1->done);
    assert_int_equal(b1->a.error, BROOK_ERR_NOT_LEADER);
    assert_true(b2->done); /* acks=1: answered when durable on the old leader, as Kafka does */

    bed_produce *c = bed_produce_to(&bd, 2, 1, "new-leader");
    assert_int_equal(c->a.error, BROOK_OK);
    assert_int_equal(c->a.base_offset, 1);

    /* the old leader's first fetch finds the divergence and truncates */
    size_t copied = 99;
    assert_int_equal(bed_fetch(&bd, 1, &copied), BROOK_OK);
    assert_int_equal(copied, 0);
    assert_int_equal(bed_log_end(bed_at(&bd, 1)), 1);
    assert_int_equal(brook_leader_epochs_latest(&bed_at(&bd, 1)->part->epochs), 1);
    bed_replicate(&bd, 2);
    logs_are_identical(&bd, 1, 2);
    logs_are_identical(&bd, 2, 3);
    assert_int_equal(brook_leader_epochs_latest(&bed_at(&bd, 1)->part->epochs), 2);
    bed_produce_free(a);
    bed_produce_free(b1);
    bed_produce_free(b2);
    bed_produce_free(c);
    bed_stop(&bd);
}

static void epochs_fence_fetches_and_followers_refuse_produces(void **state)
{
    (void)state;
    bed bd;
    bed_start(&bd, 2, MEMORY, ISR(1));
    bed_produce *p = bed_produce_to(&bd, 2, -1, "to a follower");
    assert_true(p->done);
    assert_int_equal(p->a.error, BROOK_ERR_NOT_LEADER);

    brook_slice slices[4];
    brook_replica_fetch rf = {.replica_id = 2,
                              .offset = 0,
                              .current_epoch = 0,
                              .last_fetched_epoch = -1,
                              .max_bytes = 1024,
                              .slices = slices,
                              .max_slices = 4};
    brook_partition *leader = bed_at(&bd, 1)->part;
    assert_int_equal(brook_partition_read_for_replica(leader, &rf), BROOK_ERR_FENCED_LEADER_EPOCH);
    rf.current_epoch = 7;
    assert_int_equal(brook_partition_read_for_replica(leader, &rf), BROOK_ERR_UNKNOWN_LEADER_EPOCH);
    rf.current_epoch = 1;
    assert_int_equal(brook_partition_read_for_replica(leader, &rf), BROOK_OK);
    assert_int_equal(brook_partition_read_for_replica(bed_at(&bd, 2)->part, &rf), BROOK_ERR_NOT_LEADER);
    rf.offset = 5; /* past the log end */
    assert_int_equal(brook_partition_read_for_replica(leader, &rf), BROOK_ERR_OUT_OF_RANGE);

    /* an older leadership is refused outright */
    brook_leadership stale = bed_leadership(&bd);
    stale.leader_epoch = 0;
    assert_int_equal(brook_partition_become_leader(leader, &stale), BROOK_ERR_FENCED_LEADER_EPOCH);

    /* a follower refuses a damaged copy, and one that starts before its
     * log end (past it is fine: a compacted log's gaps) */
    bed_produce *q = bed_produce_to(&bd, 1, 1, "a");
    assert_int_equal(q->a.error, BROOK_OK);
    bed_produce *r = bed_produce_to(&bd, 1, 1, "b");
    uint8_t bytes[4096];
    size_t n = bed_log_bytes(&bd, 1, bytes, sizeof bytes);
    brook_batch_info first;
    assert_int_equal(brook_batch_check(bytes, n, &first), BROOK_OK);
    bytes[first.size - 1] ^= 1; /* a flipped bit: the CRC catches it */
    assert_int_equal(brook_partition_append_from_leader(bed_at(&bd, 2)->part, bytes, first.size, 0), BROOK_ERR_CORRUPT);
    assert_int_equal(bed_log_end(bed_at(&bd, 2)), 0);
    bytes[first.size - 1] ^= 1;
    assert_int_equal(brook_partition_append_from_leader(bed_at(&bd, 2)->part, bytes, first.size, 0), BROOK_OK);
    assert_int_equal(brook_partition_append_from_leader(bed_at(&bd, 2)->part, bytes, first.size, 0),
                     BROOK_ERR_OUT_OF_RANGE); /* the same batch again: before its end */
    assert_int_equal(bed_log_end(bed_at(&bd, 2)), first.last_offset + 1);
    bed_produce_free(p);
    bed_produce_free(q);
    bed_produce_free(r);
    bed_stop(&bd);
}

/* A strategy with leader_append (replication_push.c) appends produces
 * itself: only once a majority agreed, entries pushed with peer messages
 * and appended on followers as they are; a leader cut off from a newer
 * leadership cannot append at all. */
static void a_consensus_strategy_drives_appends_itself(void **state)
{
    (void)state;
    bed bd;
    bed_start(&bd, 3, MEMORY, "plugin = \"push\";");
    bed_produce *p = bed_produce_to(&bd, 1, -1, "agreed");
    assert_true(p->done); /* proposed, agreed, appended, pushed, acknowledged: all in the pump */
    assert_int_equal(p->a.error, BROOK_OK);
    assert_int_equal(p->a.base_offset, 0);
    assert_int_equal(bed_at(&bd, 1)->part->high_watermark, 1);
    logs_are_identical(&bd, 1, 2);
    logs_are_identical(&bd, 1, 3);

    /* brokers 2 and 3 move on to epoch 2 under broker 2; broker 1 is not told */
    bd.leader = 2;
    bd.leader_epoch = 2;
    bd.partition_epoch++;
    brook_leadership l = bed_leadership(&bd);
    assert_int_equal(brook_partition_become_leader(bed_at(&bd, 2)->part, &l), BROOK_OK);
    assert_int_equal(brook_partition_become_follower(bed_at(&bd, 3)->part, &l), BROOK_OK);
    bed_produce *stale = bed_produce_to(&bd, 1, 1, "from the old leader");
    assert_true(stale->done);
    assert_int_equal(stale->a.error, BROOK_ERR_NOT_LEADER);
    assert_int_equal(bed_log_end(bed_at(&bd, 1)), 1); /* nothing appended */

    /* a proposal still waiting when its partition closes is refused, not lost */
    bed_at(&bd, 1)->down = bed_at(&bd, 3)->down = 1; /* no answers come */
    bed_produce *waiting = bed_produce_to(&bd, 2, 1, "never agreed");
    assert_false(waiting->done);
    bed_stop(&bd);
    assert_true(waiting->done);
    assert_int_equal(waiting->a.error, BROOK_ERR_SHUTDOWN);
    bed_produce_free(p);
    bed_produce_free(stale);
    bed_produce_free(waiting);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acks_all_waits_for_every_in_sync_replica),
        cmocka_unit_test(a_stopped_follower_leaves_the_isr_and_commits_go_on),
        cmocka_unit_test(failover_truncates_the_old_leaders_uncommitted_tail),
        cmocka_unit_test(epochs_fence_fetches_and_followers_refuse_produces),
        cmocka_unit_test(a_consensus_strategy_drives_appends_itself),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
