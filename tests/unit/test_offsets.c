/* Committed offsets on the real segment storage: commits survive a reopen,
 * deletions (group, topic) too; compaction keeps the log small and loses
 * nothing; and an interrupted compaction is resolved at start-up whichever
 * way it was interrupted (new copy incomplete, or complete but the old one
 * not yet removed); commit times written on the monotonic clock by older
 * brokers count from when they are read back; groups' pasts survive
 * reopens and compaction (a stable group's with its members, without
 * offsets), stale ones go, and one too large to write forgets the last;
 * transaction coordinators' states survive reopens and compaction, and
 * offsets committed inside a transaction wait for its marker (committed
 * or dropped), pending through reopens and compactions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "record_batch.h"
#include "offsets_internal.h"
#include "past_record.h"
#include "storage_fixture.h"
#include "txn_meta.h"

static int commits_done;

static void on_done(void *arg, brook_err err)
{
    (void)arg;
    assert_int_equal(err, BROOK_OK);
    commits_done++;
}

/* Run the loop until `n` commits are acknowledged. */
static void wait_commits(env *e, int n)
{
    for (int i = 0; i < 1000 && commits_done < n; i++) {
        brook_loop_timer_add(e->loop, 1, (void (*)(void *))brook_loop_stop, e->loop, NULL);
        brook_loop_run(e->loop);
    }
    assert_int_equal(commits_done, n);
}

static brook_offsets *open_offsets(env *e, int64_t compact_min)
{
    brook_offsets *o;
    assert_int_equal(brook_offsets_open(e->ops, e->ops->topic_setting, e->state, compact_min, &o), BROOK_OK);
    return o;
}

static void commit_at(env *e, brook_offsets *o, const char *group, const char *topic, int32_t partition, int64_t offset,
                      int64_t now_ms)
{
    brook_committed c = {.offset = offset, .leader_epoch = -1};
    brook_offset_change ch = {.topic = topic, .partition = partition, .committed = &c};
    int before = commits_done;
    brook_offsets_commit(o, group, &ch, 1, now_ms, on_done, NULL);
    wait_commits(e, before + 1);
}

static void commit(env *e, brook_offsets *o, const char *group, const char *topic, int32_t partition, int64_t offset,
                   const char *metadata)
{
    brook_committed c = {.offset = offset,
                         .leader_epoch = 3,
                         .metadata = (char *)metadata,
                         .metadata_len = metadata ? strlen(metadata) : 0};
    brook_offset_change ch = {.topic = topic, .partition = partition, .committed = &c};
    int before = commits_done;
    brook_offsets_commit(o, group, &ch, 1, 1000 + offset, on_done, NULL);
    wait_commits(e, before + 1);
}

static int64_t committed(brook_offsets *o, const char *group, const char *topic, int32_t partition)
{
    const brook_committed *c = brook_offsets_get(o, group, topic, partition);
    return c ? c->offset : -1;
}

static int log_exists(env *e, int32_t p)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s-%d", e->dir, BROOK_OFFSETS_LOG, p);
    return stat(path, &st) == 0;
}

static void commits_and_deletions_survive_a_reopen(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\";");
    commits_done = 0;
    brook_offsets *o = open_offsets(e, 100000);
    commit(e, o, "g", "t", 0, 5, "m");
    commit(e, o, "g", "t", 1, 7, NULL);
    commit(e, o, "g", "u", 0, 9, NULL);
    commit(e, o, "h", "t", 0, 11, NULL);
    commit(e, o, "g", "t", 0, 6, "later"); /* replaces */
    brook_offsets_delete_topic(o, "u", NULL, NULL);
    brook_offsets_close(o);
    o = open_offsets(e, 100000);
    assert_int_equal(committed(o, "g", "t", 0), 6);
    assert_string_equal(brook_offsets_get(o, "g", "t", 0)->metadata, "later");
    assert_int_equal(brook_offsets_get(o, "g", "t", 0)->metadata_len, 5);
    assert_int_equal(brook_offsets_get(o, "g", "t", 0)->leader_epoch, 3);
    assert_null(brook_offsets_get(o, "g", "t", 1)->metadata);
    assert_int_equal(committed(o, "g", "u", 0), -1); /* the deleted topic's offsets are gone */
    assert_int_equal(committed(o, "h", "t", 0), 11);
    int before = commits_done;
    brook_offsets_delete_group(o, "h", on_done, NULL);
    wait_commits(e, before + 1);
    assert_false(brook_offsets_has_group(o, "h"));
    brook_offsets_close(o);
    o = open_offsets(e, 100000);
    assert_false(brook_offsets_has_group(o, "h"));
    assert_true(brook_offsets_has_group(o, "g"));
    brook_offsets_close(o);
    stop(e);
}

/* The storage's retention never takes a commit: a group that stopped
 * committing keeps its offsets however old their segment is. */
static void retention_leaves_the_offsets_log_alone(void **state)
{
    env *e = *state;
    start(e, "flush = \"os\"; segment_ms = 1; retention_ms = 1; retention_check_ms = 5;");
    commits_done = 0;
    brook_offsets *o = open_offsets(e, 100000);
    commit(e, o, "idle", "t", 0, 5, NULL); /* dated 1970: as old as can be */
    for (int i = 0; i < 5; i++) {          /* each one rolls a segment: the first is closed and old */
        usleep(3000);
        commit(e, o, "busy", "t", 0, 10 + i, NULL);
    }
    for (int i = 0; i < 20; i++) { /* several retention rounds */
        brook_loop_timer_add(e->loop, 5, (void (*)(void *))brook_loop_stop, e->loop, NULL);
        brook_loop_run(e->loop);
    }
    brook_offsets_close(o);
    o = open_offsets(e, 100000);
    assert_int_equal(committed(o, "idle", "t", 0), 5);
    assert_int_equal(committed(o, "busy", "t", 0), 14);
    brook_offsets_close(o);
    stop(e);
}

static void compaction_keeps_the_log_small_and_loses_nothing(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\";");
    commits_done = 0;
    brook_offsets *o = open_offsets(e, 50);
    for (int i = 0; i < 300; i++)
        commit(e, o, i % 2 ? "g" : "h", "t", i % 3, i, "meta");
    assert_true(o->generation >= 1); /* it compacted */
    assert_true(o->records < 60);
    int32_t cur = o->current;
    assert_true(log_exists(e, cur));
    assert_false(log_exists(e, 1 - cur)); /* the old one is gone */
    brook_offsets_close(o);
    o = open_offsets(e, 50);
    assert_int_equal(o->current, cur);
    assert_int_equal(o->live, 6);
    for (int i = 294; i < 300; i++)
        assert_int_equal(committed(o, i % 2 ? "g" : "h", "t", i % 3), i);
    assert_string_equal(brook_offsets_get(o, "g", "t", 2)->metadata, "meta");
    brook_offsets_close(o);
    stop(e);
}

/* Write partition `p` by hand: a snapshot of generation `gen` holding one
 * entry (g, t, 0) = offset, with or without its end marker. */
static void write_snapshot(env *e, int32_t p, int64_t gen, int64_t offset, int complete)
{
    brook_offsets o = {.so = e->ops, .storage_state = e->state};
    void *log;
    assert_int_equal(e->ops->open(e->state, BROOK_OFFSETS_LOG, p, 1, &log), BROOK_OK);
    brook_batch_builder *b;
    brook_batch_builder_new(&b);
    brook_committed c = {.offset = offset, .leader_epoch = -1};
    assert_int_equal(offsets_add_control(b, OFFSETS_SNAPSHOT_BEGIN, gen), BROOK_OK);
    assert_int_equal(offsets_add_entry(b, "g", "t", 0, &c, 1), BROOK_OK);
    if (complete)
        assert_int_equal(offsets_add_control(b, OFFSETS_SNAPSHOT_END, gen), BROOK_OK);
    assert_int_equal(offsets_append(&o, log, b), BROOK_OK);
    brook_batch_builder_free(b);
    e->ops->close(log);
}

static void an_incomplete_new_copy_is_dropped_at_start(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\";");
    commits_done = 0;
    brook_offsets *o = open_offsets(e, 100000);
    commit(e, o, "g", "t", 0, 42, NULL);
    brook_offsets_close(o);
    write_snapshot(e, 1, 1, 99, 0); /* crashed before the end marker */
    o = open_offsets(e, 100000);
    assert_int_equal(o->current, 0);
    assert_int_equal(committed(o, "g", "t", 0), 42);
    assert_false(log_exists(e, 1));
    brook_offsets_close(o);
    stop(e);
}

static void a_complete_new_copy_wins_over_the_old_one(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\";");
    commits_done = 0;
    write_snapshot(e, 0, 1, 10, 1); /* generation 1 in partition 0 */
    write_snapshot(e, 1, 2, 20, 1); /* generation 2 finished, 0 not yet removed */
    brook_offsets *o = open_offsets(e, 100000);
    assert_int_equal(o->current, 1);
    assert_int_equal(o->generation, 2);
    assert_int_equal(committed(o, "g", "t", 0), 20);
    assert_false(log_exists(e, 0));
    commit(e, o, "g", "t", 0, 21, NULL); /* and it takes commits */
    brook_offsets_close(o);
    o = open_offsets(e, 100000);
    assert_int_equal(committed(o, "g", "t", 0), 21);
    brook_offsets_close(o);
    stop(e);
}

static int64_t wall_ms(void)
{
    return (int64_t)time(NULL) * 1000;
}

/* Brokers before 2026-12 stamped commits with the monotonic clock (ms since
 * boot): read back against the wall clock they would all have expired at
 * once. They count as committed when read; wall-clock times stay as they are. */
static void monotonic_commit_times_count_from_the_reopen(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\";");
    commits_done = 0;
    brook_offsets *o = open_offsets(e, 100000);
    int64_t written = wall_ms() - 3600 * 1000;
    commit_at(e, o, "old", "t", 0, 1, 86400 * 1000); /* a day after boot */
    commit_at(e, o, "new", "t", 0, 2, written);
    brook_offsets_close(o);
    int64_t reopened = wall_ms();
    o = open_offsets(e, 100000);
    assert_true(brook_offsets_get(o, "old", "t", 0)->commit_time_ms >= reopened);
    assert_int_equal(brook_offsets_get(o, "new", "t", 0)->commit_time_ms, written);
    brook_offsets_close(o);
    stop(e);
}

static void empty_groups_pasts_survive_reopens_and_compaction(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\";");
    commits_done = 0;
    brook_offsets *o = open_offsets(e, 50);
    commit(e, o, "g", "t", 0, 1, NULL);
    commit(e, o, "s", "t", 0, 2, NULL);
    brook_group_past left = {.since_ms = 1234, .protocol_type = "consumer"};
    brook_group_past standalone = {.since_ms = 99, .standalone = 1};
    brook_offsets_remember(o, "g", &left);
    brook_offsets_remember(o, "s", &standalone);
    brook_offsets_remember(o, "x", &standalone); /* no offsets: stale once loaded */
    brook_offsets_remember(o, "gone", &left);
    brook_offsets_remember(o, "gone", NULL);
    assert_null(brook_offsets_past(o, "gone"));
    brook_offsets_close(o);

    o = open_offsets(e, 50);
    const brook_group_past *p = brook_offsets_past(o, "g");
    assert_non_null(p);
    assert_int_equal(p->since_ms, 1234);
    assert_false(p->standalone);
    assert_string_equal(p->protocol_type, "consumer");
    p = brook_offsets_past(o, "s");
    assert_non_null(p);
    assert_true(p->standalone);
    assert_null(p->protocol_type);
    assert_null(brook_offsets_past(o, "gone"));
    assert_non_null(brook_offsets_past(o, "x"));
    brook_offsets_drop_stale_pasts(o, NULL, NULL);
    assert_null(brook_offsets_past(o, "x"));
    assert_non_null(brook_offsets_past(o, "g"));
    for (int i = 0; i < 300; i++) /* compaction rewrites the log: the pasts go with it */
        commit(e, o, "g", "t", 0, 10 + i, NULL);
    assert_true(o->generation >= 1);
    brook_offsets_close(o);

    o = open_offsets(e, 50);
    assert_null(brook_offsets_past(o, "x"));
    assert_int_equal(brook_offsets_past(o, "g")->since_ms, 1234);
    assert_true(brook_offsets_past(o, "s")->standalone);
    assert_int_equal(o->live, 4); /* two offsets, two pasts */
    brook_offsets_close(o);
    stop(e);
}

static void a_stable_groups_past_survives_reopens_and_compaction(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\";");
    commits_done = 0;
    brook_offsets *o = open_offsets(e, 50);
    brook_group_past_member members[2] = {
        {.member_id = "m-1",
         .client_id = "c",
         .client_host = "h",
         .session_timeout_ms = 10000,
         .subscription = (const uint8_t *)"S1",
         .subscription_len = 2,
         .assignment = (const uint8_t *)"A1",
         .assignment_len = 2},
        {.member_id = "m-2", .instance_id = "i-2", .client_id = "c", .client_host = "h", .session_timeout_ms = 10000}};
    brook_group_past stable = {.since_ms = 77,
                               .protocol_type = "consumer",
                               .generation = 4,
                               .protocol_name = "range",
                               .leader_id = "m-1",
                               .members = members,
                               .member_count = 2};
    brook_offsets_remember(o, "st", &stable); /* no offsets yet: a stable group needs none */
    brook_group_past left = {.since_ms = 5, .protocol_type = "consumer"};
    brook_offsets_remember(o, "big", &left);
    uint8_t *huge = calloc(1, BROOK_GROUP_PAST_MAX_BYTES);
    brook_group_past_member one = {.member_id = "m",
                                   .client_id = "c",
                                   .client_host = "h",
                                   .assignment = huge,
                                   .assignment_len = BROOK_GROUP_PAST_MAX_BYTES};
    brook_group_past too_big = {
        .protocol_type = "consumer", .generation = 1, .protocol_name = "range", .members = &one, .member_count = 1};
    brook_offsets_remember(o, "big", &too_big); /* not written: the older past goes instead */
    free(huge);
    assert_null(brook_offsets_past(o, "big"));
    brook_offsets_close(o);

    for (int round = 0; round < 2; round++) {
        o = open_offsets(e, 50);
        assert_null(brook_offsets_past(o, "big"));
        brook_offsets_drop_stale_pasts(o, NULL, NULL);
        const brook_group_past *p = brook_offsets_past(o, "st");
        assert_non_null(p);
        assert_int_equal(p->generation, 4);
        assert_string_equal(p->leader_id, "m-1");
        assert_int_equal(p->member_count, 2);
        assert_memory_equal(p->members[0].assignment, "A1", 2);
        assert_string_equal(p->members[1].instance_id, "i-2");
        for (int i = 0; round == 0 && i < 300; i++) /* compaction rewrites the log: the past goes with it */
            commit(e, o, "g", "t", 0, 10 + i, NULL);
        assert_true(o->generation >= 1);
        brook_offsets_close(o);
    }
    stop(e);
}

static int has_name(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

static void topic_names_list_each_topic_with_offsets_once(void **state)
{
    env *e = *state;
    start(e, "");
    commits_done = 0;
    brook_offsets *o = open_offsets(e, 100000);
    commit(e, o, "g1", "a", 0, 1, NULL);
    commit(e, o, "g1", "a", 1, 1, NULL);
    commit(e, o, "g2", "a", 0, 1, NULL);
    commit(e, o, "g2", "b", 3, 1, NULL);
    size_t n;
    char **names = brook_offsets_topic_names(o, &n);
    assert_int_equal(n, 2);
    assert_true(has_name(names, n, "a") && has_name(names, n, "b"));
    brook_offsets_free_group_names(names, n);
    brook_offsets_delete_topic(o, "b", NULL, NULL);
    names = brook_offsets_topic_names(o, &n);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "a");
    brook_offsets_free_group_names(names, n);
    brook_offsets_close(o);
    stop(e);
}

/* ---- transactions: the coordinator's state and transactional offsets ---- */

static int txn_writes;

static void txn_written(void *arg, brook_err err)
{
    (void)arg;
    assert_int_equal(err, BROOK_OK);
    txn_writes++;
}

static void write_txn(env *e, brook_offsets *o, const char *id, const brook_txn_meta *m)
{
    int before = txn_writes;
    brook_offsets_write_txn(o, id, m, txn_written, NULL);
    for (int i = 0; i < 1000 && txn_writes == before; i++) {
        brook_loop_timer_add(e->loop, 1, (void (*)(void *))brook_loop_stop, e->loop, NULL);
        brook_loop_run(e->loop);
    }
    assert_int_equal(txn_writes, before + 1);
}

static void transaction_states_survive_reopens_and_compaction(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\";");
    commits_done = txn_writes = 0;
    brook_offsets *o = open_offsets(e, 50);
    brook_txn_tp tps[] = {{"b", 1}, {"a", 2}, {"b", 0}, {"a", 2}};
    brook_txn_meta base = {.producer_id = 42,
                           .epoch = 3,
                           .last_epoch = 2, /* written as version 1 */
                           .timeout_ms = 60000,
                           .state = BROOK_TXN_ONGOING,
                           .start_ms = 1700000000000,
                           .update_ms = 1700000000500};
    brook_txn_meta *m = brook_txn_meta_copy(&base, tps, 4);
    assert_int_equal(m->partition_count, 3); /* sorted, the duplicate once */
    assert_string_equal(m->partitions[0].topic, "a");
    assert_true(brook_txn_meta_has(m, "b", 0) && !brook_txn_meta_has(m, "b", 2));
    write_txn(e, o, "tx-1", m);
    base.state = BROOK_TXN_COMPLETE_ABORT;
    base.last_epoch = -1; /* version 0, as earlier brokers wrote it */
    write_txn(e, o, "tx-2", &base);
    write_txn(e, o, "tx-gone", &base);
    write_txn(e, o, "tx-gone", NULL); /* forgotten */
    brook_offsets_close(o);
    for (int round = 0; round < 2; round++) {
        o = open_offsets(e, 50);
        const brook_txn_meta *back = brook_offsets_txn(o, "tx-1");
        assert_non_null(back);
        assert_int_equal(back->producer_id, 42);
        assert_int_equal(back->epoch, 3);
        assert_int_equal(back->last_epoch, 2);
        assert_int_equal(back->state, BROOK_TXN_ONGOING);
        assert_int_equal(back->partition_count, 3);
        assert_string_equal(back->partitions[2].topic, "b");
        assert_int_equal(back->partitions[2].partition, 1);
        assert_int_equal(brook_offsets_txn(o, "tx-2")->state, BROOK_TXN_COMPLETE_ABORT);
        assert_int_equal(brook_offsets_txn(o, "tx-2")->last_epoch, -1);
        assert_null(brook_offsets_txn(o, "tx-gone"));
        for (int i = 0; round == 0 && i < 200; i++) /* enough to compact */
            commit(e, o, "g", "t", 0, i, NULL);
        assert_true(round == 0 || o->generation >= 1);
        brook_offsets_close(o);
    }
    free(m);
    stop(e);
}

static void txn_commit(env *e, brook_offsets *o, int64_t producer, const char *group, int32_t partition, int64_t offset)
{
    brook_committed c = {.offset = offset, .leader_epoch = -1};
    brook_offset_change ch = {.topic = "t", .partition = partition, .committed = &c};
    int before = commits_done;
    brook_offsets_txn_commit(o, group, producer, 0, -1, &ch, 1, 1000, on_done, NULL);
    wait_commits(e, before + 1);
}

static void end_txn(env *e, brook_offsets *o, int64_t producer, int commit)
{
    int before = commits_done;
    brook_offsets_end_txn(o, producer, 0, commit, 0, on_done, NULL);
    wait_commits(e, before + 1);
}

static void transactional_offsets_wait_for_their_marker(void **state)
{
    env *e = *state;
    start(e, "flush = \"always\";");
    commits_done = 0;
    brook_offsets *o = open_offsets(e, 40);
    commit(e, o, "g", "t", 0, 5, NULL);
    txn_commit(e, o, 7, "g", 0, 10);
    txn_commit(e, o, 8, "g", 1, 20);
    assert_int_equal(committed(o, "g", "t", 0), 5); /* still the committed one */
    assert_int_equal(committed(o, "g", "t", 1), -1);
    assert_true(brook_offsets_has_pending(o, "g", "t", 0));
    end_txn(e, o, 7, 1);
    assert_int_equal(committed(o, "g", "t", 0), 10);
    assert_false(brook_offsets_has_pending(o, "g", "t", 0));
    /* 8's stays pending through a reopen, and through compactions */
    brook_offsets_close(o);
    o = open_offsets(e, 40);
    assert_int_equal(committed(o, "g", "t", 0), 10);
    assert_true(brook_offsets_has_pending(o, "g", "t", 1));
    for (int i = 0; i < 100; i++)
        commit(e, o, "h", "t", 0, i, NULL);
    assert_true(o->generation >= 1);
    brook_offsets_close(o);
    o = open_offsets(e, 40);
    assert_true(brook_offsets_has_pending(o, "g", "t", 1));
    end_txn(e, o, 8, 0); /* aborted: never committed */
    assert_int_equal(committed(o, "g", "t", 1), -1);
    assert_false(brook_offsets_has_pending(o, "g", "t", 1));
    brook_offsets_close(o);
    o = open_offsets(e, 40);
    assert_int_equal(committed(o, "g", "t", 0), 10);
    assert_int_equal(committed(o, "g", "t", 1), -1);
    assert_false(brook_offsets_has_pending(o, "g", "t", 1));
    brook_offsets_close(o);
    stop(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(commits_and_deletions_survive_a_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(compaction_keeps_the_log_small_and_loses_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(retention_leaves_the_offsets_log_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(an_incomplete_new_copy_is_dropped_at_start, setup, teardown),
        cmocka_unit_test_setup_teardown(a_complete_new_copy_wins_over_the_old_one, setup, teardown),
        cmocka_unit_test_setup_teardown(monotonic_commit_times_count_from_the_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_groups_pasts_survive_reopens_and_compaction, setup, teardown),
        cmocka_unit_test_setup_teardown(a_stable_groups_past_survives_reopens_and_compaction, setup, teardown),
        cmocka_unit_test_setup_teardown(topic_names_list_each_topic_with_offsets_once, setup, teardown),
        cmocka_unit_test_setup_teardown(transaction_states_survive_reopens_and_compaction, setup, teardown),
        cmocka_unit_test_setup_teardown(transactional_offsets_wait_for_their_marker, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
