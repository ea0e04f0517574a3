/* The group coordinator's state machine under a fake clock: joins,
 * generations, the leader's assignment reaching every member, the initial
 * rebalance delay, MEMBER_ID_REQUIRED, rebalance, sync and session
 * timeouts, leaving, static membership, commit checks, deletion, and the
 * past an empty group leaves written down for the next coordinator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "group.h"
#include "past_record.h"

/* ---- a fake clock --------------------------------------------------------- */

typedef struct fake_timer {
    int64_t due;
    void (*cb)(void *);
    void *arg;
    int active;
} fake_timer;

#define MAX_TIMERS 256
static fake_timer timers[MAX_TIMERS];
static int64_t now;

static int64_t fake_now(void *ctx)
{
    (void)ctx;
    return now;
}

static int fake_add(void *ctx, int64_t ms, void (*cb)(void *), void *arg, void **handle)
{
    (void)ctx;
    for (int i = 0; i < MAX_TIMERS; i++)
        if (!timers[i].active) {
            timers[i] = (fake_timer){.due = now + ms, .cb = cb, .arg = arg, .active = 1};
            *handle = &timers[i];
            return 0;
        }
    fail_msg("out of fake timers");
    return -1;
}

static void fake_cancel(void *ctx, void *handle)
{
    (void)ctx;
    ((fake_timer *)handle)->active = 0;
}

/* Move time forward, firing due timers in order. */
static void advance(int64_t ms)
{
    int64_t until = now + ms;
    for (;;) {
        fake_timer *next = NULL;
        for (int i = 0; i < MAX_TIMERS; i++)
            if (timers[i].active && timers[i].due <= until && (!next || timers[i].due < next->due))
                next = &timers[i];
        if (!next)
            break;
        now = next->due;
        next->active = 0;
        next->cb(next->arg);
    }
    now = until;
}

static int active_timers(void)
{
    int n = 0;
    for (int i = 0; i < MAX_TIMERS; i++)
        n += timers[i].active;
    return n;
}

/* ---- requests ------------------------------------------------------------------ */

typedef struct treq {
    brook_request pub;
    brook_arena arena;
    int answered;
} treq;

static void *treq_alloc(brook_request *r, size_t n)
{
    return brook_arena_alloc(&((treq *)r)->arena, n);
}

#define MAX_REQS 256
static treq *reqs[MAX_REQS];
static int nreqs;

static treq *new_req(brook_request_type type)
{
    treq *t = calloc(1, sizeof *t);
    t->pub.type = type;
    t->pub.alloc = treq_alloc;
    assert_true(nreqs < MAX_REQS);
    reqs[nreqs++] = t;
    return t;
}

static void on_done(brook_request *req, void *arg)
{
    (void)arg;
    treq *t = (treq *)req;
    assert_int_equal(t->answered, 0);
    t->answered = 1;
}

static brook_groups *gs;
static int offsets_held; /* what has_offsets answers */

static int has_offsets(void *ctx, const char *group_id)
{
    (void)ctx;
    (void)group_id;
    return offsets_held;
}

/* What the coordinator was last asked to write down, per call. */
static struct {
    int calls;
    char group[32];
    int forgotten; /* the last call was remember(NULL) */
    brook_group_past past;
    char type[32];
    brook_group_past *copy; /* of the last past written, deep */
    /* a store the test answers itself (hold set): the last one asked */
    int hold;
    void (*stored)(void *arg, brook_err err);
    void *stored_arg;
} written;

static void remember(void *ctx, const char *group_id, const brook_group_past *past,
                     void (*stored)(void *arg, brook_err err), void *arg)
{
    (void)ctx;
    if (stored && written.hold) {
        written.stored = stored;
        written.stored_arg = arg;
    } else if (stored) {
        stored(arg, BROOK_OK); /* durable at once, as a single broker's log is */
    }
    written.calls++;
    snprintf(written.group, sizeof written.group, "%s", group_id);
    written.forgotten = !past;
    free(written.copy);
    written.copy = past ? past_record_copy(past) : NULL;
    if (past) {
        written.past = *past;
        snprintf(written.type, sizeof written.type, "%s", past->protocol_type ? past->protocol_type : "(none)");
    }
}

static void start(int32_t initial_delay)
{
    brook_group_clock clock = {.now_ms = fake_now, .timer_add = fake_add, .timer_cancel = fake_cancel};
    brook_groups_config cfg = {.min_session_timeout_ms = 1000,
                               .max_session_timeout_ms = 60000,
                               .initial_rebalance_delay_ms = initial_delay,
                               .has_offsets = has_offsets,
                               .remember = remember};
    assert_int_equal(brook_groups_new(&clock, &cfg, &gs), BROOK_OK);
    free(written.copy);
    memset(&written, 0, sizeof written);
}

/* The coordinator stops (a restart, or another broker takes over) and a
 * new one starts; returns the last past the old one wrote (free it). */
static brook_group_past *restart(void)
{
    brook_group_past *last = written.copy;
    written.copy = NULL;
    brook_groups_free(gs);
    start(0);
    return last;
}

static int teardown(void **state)
{
    (void)state;
    brook_groups_free(gs);
    gs = NULL;
    assert_int_equal(active_timers(), 0); /* every timer is cancelled */
    for (int i = 0; i < nreqs; i++) {
        brook_arena_free(&reqs[i]->arena);
        free(reqs[i]);
    }
    nreqs = 0;
    offsets_held = 0;
    now = 0;
    free(written.copy);
    written.copy = NULL;
    return 0;
}

static brook_group_protocol range = {
    .name = "range", .metadata = (const uint8_t *)"\0\0\0\0\0\1\0\1t\0\0\0\0", .metadata_len = 13};
static brook_group_protocol rr = {.name = "roundrobin", .metadata = (const uint8_t *)"rr", .metadata_len = 2};

static treq *join_with(const char *member, const char *instance, brook_group_protocol *protos, size_t n, int require_id)
{
    treq *t = new_req(BROOK_REQ_JOIN_GROUP);
    brook_join_group_req *j = &t->pub.u.join_group;
    j->group_id = "g";
    j->session_timeout_ms = 10000;
    j->rebalance_timeout_ms = 30000;
    j->member_id = member;
    j->group_instance_id = instance;
    j->protocol_type = "consumer";
    j->protocols = protos;
    j->protocol_count = n;
    j->require_known_member_id = require_id;
    j->client_id = "c";
    brook_groups_join(gs, &t->pub, on_done, NULL);
    return t;
}

static treq *join(const char *member)
{
    return join_with(member, NULL, &range, 1, 0);
}

static treq *sync_as(const char *member, int32_t gen, brook_member_assignment *a, size_t n)
{
    treq *t = new_req(BROOK_REQ_SYNC_GROUP);
    brook_sync_group_req *s = &t->pub.u.sync_group;
    s->group_id = "g";
    s->generation_id = gen;
    s->member_id = member;
    s->assignments = a;
    s->assignment_count = n;
    brook_groups_sync(gs, &t->pub, on_done, NULL);
    return t;
}

static brook_err heartbeat(const char *member, int32_t gen, const char *instance)
{
    brook_heartbeat_req hb = {
        .group_id = "g", .generation_id = gen, .member_id = member, .group_instance_id = instance};
    brook_groups_heartbeat(gs, &hb);
    return hb.error;
}

static brook_err leave(const char *member)
{
    brook_leaving_member lm = {.member_id = member};
    brook_leave_group_req lv = {.group_id = "g", .members = &lm, .member_count = 1};
    brook_groups_leave(gs, &lv);
    return lv.error;
}

static const char *state_of(void)
{
    treq *t = new_req(BROOK_REQ_DESCRIBE_GROUPS);
    brook_group_description d = {.group_id = "g"};
    brook_groups_describe(gs, &t->pub, &d);
    return d.state;
}

#define JOINED(t) (&(t)->pub.u.join_group)

/* Two members joined into generation 2, the first its leader: their ids (in the arena). */
static void two_joined(const char **a, const char **b, int32_t *gen)
{
    treq *j1 = join("");
    assert_true(j1->answered); /* alone and no initial delay: generation 1 at once */
    *a = JOINED(j1)->assigned_member_id;
    treq *j2 = join("");
    assert_false(j2->answered); /* held: the first member must rejoin */
    assert_int_equal(heartbeat(*a, 1, NULL), BROOK_ERR_REBALANCING);
    treq *j1b = join(*a);
    assert_true(j1b->answered && j2->answered);
    *b = JOINED(j2)->assigned_member_id;
    *gen = JOINED(j1b)->generation_id;
    assert_int_equal(*gen, 2);
    assert_string_equal(JOINED(j1b)->leader, *a);
    assert_int_equal(JOINED(j1b)->member_count, 2); /* the leader sees everyone */
    assert_int_equal(JOINED(j2)->member_count, 0);
    assert_string_equal(JOINED(j2)->protocol_name, "range");
}

/* Two members in a stable generation: returns their ids (in the arena). */
static void two_stable_members(const char **a, const char **b, int32_t *gen)
{
    two_joined(a, b, gen);
    treq *s2 = sync_as(*b, *gen, NULL, 0);
    assert_false(s2->answered); /* the follower waits for the leader */
    assert_string_equal(state_of(), "CompletingRebalance");
    brook_member_assignment as[2] = {{*a, (const uint8_t *)"AA", 2}, {*b, (const uint8_t *)"BBB", 3}};
    treq *s1 = sync_as(*a, *gen, as, 2);
    assert_true(s1->answered && s2->answered);
    assert_int_equal(s2->pub.u.sync_group.assignment_len, 3);
    assert_memory_equal(s2->pub.u.sync_group.assignment, "BBB", 3);
    assert_memory_equal(s1->pub.u.sync_group.assignment, "AA", 2);
    assert_string_equal(state_of(), "Stable");
}

static void join_sync_and_a_second_member_rebalances(void **state)
{
    (void)state;
    start(0);
    const char *a, *b;
    int32_t gen;
    two_stable_members(&a, &b, &gen);
    assert_int_equal(heartbeat(a, gen, NULL), BROOK_OK);
    assert_int_equal(heartbeat(b, gen, NULL), BROOK_OK);
    /* a stable member syncing again gets its assignment at once */
    treq *s = sync_as(b, gen, NULL, 0);
    assert_true(s->answered);
    assert_memory_equal(s->pub.u.sync_group.assignment, "BBB", 3);
}

static int every_group(void *arg, const char *group_id)
{
    (void)arg, (void)group_id;
    return 1;
}

/* Two members up to the leader's sync, whose store the test answers: the
 * leader's and the follower's sync requests. */
static void sync_until_the_store(const char **a, const char **b, int32_t *gen, treq **s1, treq **s2)
{
    two_joined(a, b, gen);
    *s2 = sync_as(*b, *gen, NULL, 0);
    written.hold = 1;
    static brook_member_assignment as[2];
    as[0] = (brook_member_assignment){*a, (const uint8_t *)"AA", 2};
    as[1] = (brook_member_assignment){*b, (const uint8_t *)"BBB", 3};
    *s1 = sync_as(*a, *gen, as, 2);
    written.hold = 0;
}

/* Kafka's order: the group's record (generation, assignments) is stored
 * before any member hears its assignment; a new coordinator then knows
 * every generation a member acts on. */
static void the_assignment_is_stored_before_it_is_answered(void **state)
{
    (void)state;
    start(0);
    const char *a, *b;
    int32_t gen;
    treq *s1, *s2;
    sync_until_the_store(&a, &b, &gen, &s1, &s2);
    assert_non_null(written.stored);
    assert_int_equal(written.past.generation, gen);
    assert_int_equal(written.past.member_count, 2);
    assert_false(s1->answered || s2->answered);
    assert_string_equal(state_of(), "CompletingRebalance");
    assert_int_equal(heartbeat(b, gen, NULL), BROOK_OK); /* waiting, not rebalancing */
    /* the leader asking again waits for the same store */
    int calls = written.calls;
    treq *again = sync_as(a, gen, NULL, 0);
    assert_true(s1->answered); /* the one it replaced */
    assert_int_equal(s1->pub.u.sync_group.error, BROOK_ERR_REBALANCING);
    assert_false(again->answered);
    assert_int_equal(written.calls, calls);
    written.stored(written.stored_arg, BROOK_OK);
    assert_true(again->answered && s2->answered);
    assert_int_equal(again->pub.u.sync_group.error, BROOK_OK);
    assert_memory_equal(again->pub.u.sync_group.assignment, "AA", 2);
    assert_memory_equal(s2->pub.u.sync_group.assignment, "BBB", 3);
    assert_string_equal(state_of(), "Stable");
}

/* A store that fails: no member acts on the assignment; they rejoin. */
static void a_failed_store_sends_the_members_back_to_join(void **state)
{
    (void)state;
    start(0);
    const char *a, *b;
    int32_t gen;
    treq *s1, *s2;
    sync_until_the_store(&a, &b, &gen, &s1, &s2);
    written.stored(written.stored_arg, BROOK_ERR_TIMEOUT);
    assert_true(s1->answered && s2->answered);
    assert_int_equal(s1->pub.u.sync_group.error, BROOK_ERR_LEADER_NOT_AVAILABLE); /* COORDINATOR_NOT_AVAILABLE */
    assert_int_equal(s2->pub.u.sync_group.error, BROOK_ERR_LEADER_NOT_AVAILABLE);
    assert_string_equal(state_of(), "PreparingRebalance");
    assert_int_equal(heartbeat(a, gen, NULL), BROOK_ERR_REBALANCING);
}

/* A join while the store runs starts a rebalance; the store's late answer
 * changes nothing. So does one that comes after the group was unloaded. */
static void a_store_answered_after_the_group_moved_on_changes_nothing(void **state)
{
    (void)state;
    start(0);
    const char *a, *b;
    int32_t gen;
    treq *s1, *s2;
    sync_until_the_store(&a, &b, &gen, &s1, &s2);
    void (*stored)(void *, brook_err) = written.stored;
    void *arg = written.stored_arg;
    treq *j3 = join("");
    assert_true(s1->answered && s2->answered);
    assert_int_equal(s2->pub.u.sync_group.error, BROOK_ERR_REBALANCING);
    assert_string_equal(state_of(), "PreparingRebalance");
    stored(arg, BROOK_OK);
    assert_string_equal(state_of(), "PreparingRebalance");
    assert_false(j3->answered);

    /* unloaded (its coordinator moved) while storing */
    brook_groups_free(gs);
    start(0);
    sync_until_the_store(&a, &b, &gen, &s1, &s2);
    stored = written.stored;
    arg = written.stored_arg;
    brook_groups_unload(gs, every_group, NULL);
    stored(arg, BROOK_OK); /* nothing left to answer; no use after free */
    assert_string_equal(state_of(), "Dead");
}

static void errors_for_unknown_members_and_stale_generations(void **state)
{
    (void)state;
    start(0);
    assert_int_equal(heartbeat("nobody", 1, NULL), BROOK_ERR_UNKNOWN_MEMBER); /* no such group */
    const char *a, *b;
    int32_t gen;
    two_stable_members(&a, &b, &gen);
    assert_int_equal(heartbeat("nobody", gen, NULL), BROOK_ERR_UNKNOWN_MEMBER);
    assert_int_equal(heartbeat(a, gen - 1, NULL), BROOK_ERR_ILLEGAL_GENERATION);
    treq *s = sync_as(a, gen + 5, NULL, 0);
    assert_int_equal(s->pub.u.sync_group.error, BROOK_ERR_ILLEGAL_GENERATION);
    treq *j = join("made-up-id");
    assert_int_equal(JOINED(j)->error, BROOK_ERR_UNKNOWN_MEMBER);
    /* a session timeout outside the bounds */
    treq *bad = new_req(BROOK_REQ_JOIN_GROUP);
    bad->pub.u.join_group = (brook_join_group_req){.group_id = "g",
                                                   .session_timeout_ms = 10,
                                                   .member_id = "",
                                                   .protocol_type = "consumer",
                                                   .protocols = &range,
                                                   .protocol_count = 1};
    brook_groups_join(gs, &bad->pub, on_done, NULL);
    assert_int_equal(JOINED(bad)->error, BROOK_ERR_INVALID_SESSION_TIMEOUT);
    /* a protocol nobody else speaks */
    treq *odd = join_with("", NULL, &rr, 1, 0);
    assert_int_equal(JOINED(odd)->error, BROOK_ERR_INCONSISTENT_PROTOCOL);
    assert_string_equal(state_of(), "Stable"); /* none of it disturbed the group */
}

static void initial_delay_gathers_members_into_one_generation(void **state)
{
    (void)state;
    start(3000);
    treq *j1 = join("");
    treq *j2 = join("");
    assert_false(j1->answered || j2->answered);
    advance(2999);
    assert_false(j1->answered);
    advance(1);
    assert_true(j1->answered && j2->answered);
    assert_int_equal(JOINED(j1)->generation_id, 1);
    assert_int_equal(JOINED(j2)->generation_id, 1);
}

static void member_id_required_then_join_and_pending_ids_expire(void **state)
{
    (void)state;
    start(0);
    treq *j = join_with("", NULL, &range, 1, 1);
    assert_true(j->answered);
    assert_int_equal(JOINED(j)->error, BROOK_ERR_MEMBER_ID_REQUIRED);
    const char *id = JOINED(j)->assigned_member_id;
    assert_true(id && id[0]);
    treq *j2 = join_with(id, NULL, &range, 1, 1);
    assert_int_equal(JOINED(j2)->error, BROOK_OK);
    assert_string_equal(JOINED(j2)->assigned_member_id, id);
    /* an id handed out but never used is gone after the session timeout */
    treq *j3 = join_with("", NULL, &range, 1, 1);
    const char *unused = JOINED(j3)->assigned_member_id;
    advance(10001);
    treq *late = join_with(unused, NULL, &range, 1, 1);
    assert_int_equal(JOINED(late)->error, BROOK_ERR_UNKNOWN_MEMBER);
}

static void a_silent_member_expires_and_the_rest_rebalance(void **state)
{
    (void)state;
    start(0);
    const char *a, *b;
    int32_t gen;
    two_stable_members(&a, &b, &gen);
    for (int i = 0; i < 3; i++) { /* a heartbeats every 3 s, b says nothing */
        advance(3000);
        assert_int_equal(heartbeat(a, gen, NULL), BROOK_OK);
    }
    advance(1500);                                                       /* b's 10 s session ends */
    assert_int_equal(heartbeat(b, gen, NULL), BROOK_ERR_UNKNOWN_MEMBER); /* expired at 10 s */
    assert_int_equal(heartbeat(a, gen, NULL), BROOK_ERR_REBALANCING);
    treq *j = join(a);
    assert_true(j->answered);
    assert_int_equal(JOINED(j)->generation_id, gen + 1);
    assert_int_equal(JOINED(j)->member_count, 1);
}

static void a_member_that_does_not_rejoin_is_dropped_at_the_rebalance_timeout(void **state)
{
    (void)state;
    start(0);
    const char *a, *b;
    int32_t gen;
    two_stable_members(&a, &b, &gen);
    assert_int_equal(leave("nobody"), BROOK_ERR_UNKNOWN_MEMBER);
    treq *c = join(""); /* a third member triggers a rebalance */
    treq *ja = join(a);
    assert_false(c->answered || ja->answered); /* b has not rejoined */
    for (int i = 0; i < 10; i++) {             /* b keeps heartbeating but never rejoins */
        advance(2900);
        assert_int_equal(heartbeat(b, gen, NULL), BROOK_ERR_REBALANCING);
    }
    advance(1000); /* 30 s rebalance timeout */
    assert_true(c->answered && ja->answered);
    assert_int_equal(JOINED(ja)->member_count, 2);
    assert_int_equal(heartbeat(b, gen, NULL), BROOK_ERR_UNKNOWN_MEMBER);
}

static void followers_are_released_when_the_leader_never_syncs(void **state)
{
    (void)state;
    start(0);
    treq *j1 = join("");
    const char *a = JOINED(j1)->assigned_member_id;
    treq *j2 = join("");
    treq *j1b = join(a);
    const char *b = JOINED(j2)->assigned_member_id;
    int32_t gen = JOINED(j1b)->generation_id;
    treq *s2 = sync_as(b, gen, NULL, 0);
    assert_false(s2->answered);
    for (int i = 0; i < 9; i++) { /* the leader heartbeats but never sends its SyncGroup */
        advance(3000);
        assert_int_equal(heartbeat(a, gen, NULL), BROOK_OK);
    }
    assert_false(s2->answered);
    advance(3000); /* the 30 s rebalance timeout */
    assert_true(s2->answered);
    assert_int_equal(s2->pub.u.sync_group.error, BROOK_ERR_REBALANCING);
    assert_int_equal(heartbeat(a, gen, NULL), BROOK_ERR_UNKNOWN_MEMBER); /* the leader is out */
    treq *j = join(b);
    assert_true(j->answered);
    assert_int_equal(JOINED(j)->error, BROOK_OK);
    assert_string_equal(JOINED(j)->leader, b);
}

static void leaving_rebalances_and_the_last_one_out_empties_the_group(void **state)
{
    (void)state;
    start(0);
    const char *a, *b;
    int32_t gen;
    two_stable_members(&a, &b, &gen);
    assert_int_equal(leave(b), BROOK_OK);
    assert_int_equal(heartbeat(a, gen, NULL), BROOK_ERR_REBALANCING);
    assert_string_equal(state_of(), "PreparingRebalance");
    assert_int_equal(leave(a), BROOK_OK);
    assert_false(brook_groups_exists(gs, "g")); /* no members, no offsets: forgotten */
    assert_string_equal(state_of(), "Dead");
    /* with committed offsets the group stays, Empty */
    offsets_held = 1;
    treq *j = join("");
    assert_int_equal(leave(JOINED(j)->assigned_member_id), BROOK_OK);
    assert_string_equal(state_of(), "Empty");
    assert_int_equal(brook_groups_delete(gs, "g"), BROOK_OK);
    assert_int_equal(brook_groups_delete(gs, "g"), BROOK_ERR_NOT_FOUND);
}

/* Offsets expiry asks how a group's offsets expire (KIP-211) and since
 * when it has been empty: as a whole from the moment its last member left,
 * or from now for a group read again from its offsets; offset by offset for
 * a standalone consumer's group (made by a commit from outside any
 * generation) and, for a stable consumer group, the unsubscribed topics'
 * offsets only; none while it rebalances. */
static brook_group_expiry expiry_of(const char *id, int64_t *since)
{
    return brook_groups_expiry(gs, id, since);
}

static void a_group_says_how_its_offsets_expire(void **state)
{
    (void)state;
    start(0);
    offsets_held = 1;
    int64_t since = -1;
    assert_int_equal(expiry_of("g", &since), BROOK_GROUP_EXPIRES_WHOLE); /* unknown: no members */
    assert_int_equal(since, 0);
    /* a standalone consumer's group, until a member joins it */
    assert_int_equal(brook_groups_check_commit(gs, "g", -1, "", NULL), BROOK_OK);
    assert_int_equal(expiry_of("g", &since), BROOK_GROUP_EXPIRES_PER_OFFSET);
    assert_int_equal(brook_groups_check_commit(gs, "g", -1, "", NULL), BROOK_OK);
    assert_int_equal(expiry_of("g", &since), BROOK_GROUP_EXPIRES_PER_OFFSET);
    const char *a, *b;
    int32_t gen;
    two_stable_members(&a, &b, &gen);
    assert_int_equal(expiry_of("g", &since), BROOK_GROUP_EXPIRES_UNSUBSCRIBED);
    assert_int_equal(leave(b), BROOK_OK);
    assert_int_equal(expiry_of("g", &since), BROOK_GROUP_KEEPS); /* rebalancing, a member left */
    now += 5000;
    int64_t left_at = now;
    assert_int_equal(leave(a), BROOK_OK);
    assert_int_equal(expiry_of("g", &since), BROOK_GROUP_EXPIRES_WHOLE); /* it had members: as a whole */
    assert_int_equal(since, left_at);
    now += 5000;
    assert_int_equal(brook_groups_load(gs, "g", NULL), BROOK_OK); /* its offsets read again, no past */
    assert_int_equal(expiry_of("g", &since), BROOK_GROUP_EXPIRES_WHOLE);
    assert_int_equal(since, now);
    /* found at start-up: its past is not known, so the rule that never hastens */
    assert_int_equal(brook_groups_load(gs, "h", NULL), BROOK_OK);
    assert_int_equal(brook_groups_check_commit(gs, "h", -1, "", NULL), BROOK_OK);
    assert_int_equal(expiry_of("h", &since), BROOK_GROUP_EXPIRES_WHOLE);
}

/* An empty group with offsets has its past written down (since when, and
 * whether a standalone consumer's), forgotten once it has members or goes;
 * loaded with it, it expires as it would have without the restart. */
static void an_empty_groups_past_is_written_down_and_loaded(void **state)
{
    (void)state;
    start(0);
    offsets_held = 1;
    const char *a, *b;
    int32_t gen;
    two_stable_members(&a, &b, &gen);
    assert_int_equal(written.calls, 1); /* stable: written down with its members (below) */
    assert_int_equal(written.past.member_count, 2);
    now += 1000;
    assert_int_equal(leave(a), BROOK_OK);
    assert_int_equal(leave(b), BROOK_OK);
    assert_int_equal(written.calls, 2);
    assert_string_equal(written.group, "g");
    assert_false(written.forgotten);
    assert_int_equal(written.past.since_ms, now);
    assert_false(written.past.standalone);
    assert_string_equal(written.type, "consumer");
    treq *j = join(""); /* a member again: the past no longer holds */
    assert_true(j->answered);
    assert_int_equal(written.calls, 3);
    assert_true(written.forgotten);
    now += 1000;
    assert_int_equal(leave(JOINED(j)->assigned_member_id), BROOK_OK);
    assert_int_equal(written.calls, 4);
    assert_int_equal(written.past.since_ms, now);
    assert_int_equal(brook_groups_delete(gs, "g"), BROOK_OK); /* deleted: forgotten */
    assert_int_equal(written.calls, 5);
    assert_true(written.forgotten);

    /* a standalone consumer's group: written when its first commit makes it */
    assert_int_equal(brook_groups_check_commit(gs, "s", -1, "", NULL), BROOK_OK);
    assert_int_equal(written.calls, 6);
    assert_string_equal(written.group, "s");
    assert_true(written.past.standalone);
    assert_string_equal(written.type, "(none)");

    /* loaded with a past: as it was, not empty from now */
    now += 100000;
    int64_t since;
    brook_group_past standalone = {.since_ms = 5, .standalone = 1};
    assert_int_equal(brook_groups_load(gs, "r", &standalone), BROOK_OK);
    assert_int_equal(brook_groups_expiry(gs, "r", &since), BROOK_GROUP_EXPIRES_PER_OFFSET);
    brook_group_past left = {.since_ms = 7, .protocol_type = "consumer"};
    assert_int_equal(brook_groups_load(gs, "w", &left), BROOK_OK);
    assert_int_equal(brook_groups_expiry(gs, "w", &since), BROOK_GROUP_EXPIRES_WHOLE);
    assert_int_equal(since, 7);
    treq *t = new_req(BROOK_REQ_DESCRIBE_GROUPS);
    brook_group_description d = {.group_id = "w"};
    brook_groups_describe(gs, &t->pub, &d);
    assert_string_equal(d.protocol_type, "consumer");
    assert_int_equal(written.calls, 6); /* loading writes nothing */
    offsets_held = 0;                   /* its offsets expired: the group and its past go */
    brook_groups_offsets_gone(gs, "w");
    assert_false(brook_groups_exists(gs, "w"));
    assert_int_equal(written.calls, 7);
    assert_string_equal(written.group, "w");
    assert_true(written.forgotten);

    /* without offsets nothing is written: the group is forgotten at once */
    treq *j2 = join("");
    assert_int_equal(written.calls, 7);
    assert_int_equal(leave(JOINED(j2)->assigned_member_id), BROOK_OK);
    assert_false(brook_groups_exists(gs, "g"));
    assert_int_equal(written.calls, 7);
}

static void static_member_comes_back_with_its_assignment(void **state)
{
    (void)state;
    start(0);
    treq *j1 = join_with("", "inst-a", &range, 1, 1); /* static members need no second join */
    assert_int_equal(JOINED(j1)->error, BROOK_OK);
    const char *a = JOINED(j1)->assigned_member_id;
    treq *j2 = join_with("", "inst-b", &range, 1, 1);
    treq *j1b = join_with(a, "inst-a", &range, 1, 1);
    assert_true(j2->answered && j1b->answered);
    const char *b = JOINED(j2)->assigned_member_id;
    int32_t gen = JOINED(j1b)->generation_id;
    brook_member_assignment as[2] = {{a, (const uint8_t *)"AA", 2}, {b, (const uint8_t *)"BB", 2}};
    sync_as(b, gen, NULL, 0);
    sync_as(a, gen, as, 2);
    assert_string_equal(state_of(), "Stable");
    /* b restarts: a new member id, same instance, no rebalance */
    treq *back = join_with("", "inst-b", &range, 1, 1);
    assert_true(back->answered);
    assert_int_equal(JOINED(back)->error, BROOK_OK);
    assert_int_equal(JOINED(back)->generation_id, gen);
    const char *b2 = JOINED(back)->assigned_member_id;
    assert_string_not_equal(b, b2);
    treq *s = sync_as(b2, gen, NULL, 0);
    assert_true(s->answered);
    assert_memory_equal(s->pub.u.sync_group.assignment, "BB", 2);
    assert_int_equal(heartbeat(b, gen, "inst-b"), BROOK_ERR_FENCED_INSTANCE); /* the old incarnation */
    assert_int_equal(heartbeat(a, gen, NULL), BROOK_OK);                      /* nobody else noticed */
    assert_string_equal(state_of(), "Stable");
    /* the leader restarts too: it gets the members again, still no rebalance */
    treq *lead = join_with("", "inst-a", &range, 1, 1);
    assert_true(lead->answered);
    assert_int_equal(JOINED(lead)->generation_id, gen);
    const char *a2 = JOINED(lead)->assigned_member_id;
    assert_string_equal(JOINED(lead)->leader, a2);
    assert_int_equal(JOINED(lead)->member_count, 2);
    brook_member_assignment other[2] = {{a2, (const uint8_t *)"XX", 2}, {b2, (const uint8_t *)"YY", 2}};
    treq *s2 = sync_as(a2, gen, other, 2); /* in Stable a leader's new assignment changes nothing */
    assert_memory_equal(s2->pub.u.sync_group.assignment, "AA", 2);
    assert_int_equal(heartbeat(b2, gen, "inst-b"), BROOK_OK);
    assert_string_equal(state_of(), "Stable");

    /* its new id is stored before the member hears it */
    written.hold = 1;
    treq *held = join_with("", "inst-b", &range, 1, 1);
    written.hold = 0;
    assert_false(held->answered);
    assert_int_equal(written.past.member_count, 2);
    written.stored(written.stored_arg, BROOK_OK);
    assert_true(held->answered);
    assert_int_equal(JOINED(held)->error, BROOK_OK);
    const char *b3 = JOINED(held)->assigned_member_id;
    assert_int_equal(heartbeat(b3, gen, "inst-b"), BROOK_OK);
    /* a store that fails: the member hears the error, joins again and is replaced again */
    written.hold = 1;
    treq *failed = join_with("", "inst-b", &range, 1, 1);
    written.hold = 0;
    written.stored(written.stored_arg, BROOK_ERR_TIMEOUT);
    assert_true(failed->answered);
    assert_int_equal(JOINED(failed)->error, BROOK_ERR_LEADER_NOT_AVAILABLE);
    treq *retried = join_with("", "inst-b", &range, 1, 1);
    assert_true(retried->answered);
    assert_int_equal(JOINED(retried)->error, BROOK_OK);
    assert_int_equal(heartbeat(JOINED(retried)->assigned_member_id, gen, "inst-b"), BROOK_OK);
    assert_string_equal(state_of(), "Stable");
}

static void commits_are_checked_against_the_generation(void **state)
{
    (void)state;
    start(0);
    assert_int_equal(brook_groups_check_commit(gs, "solo", -1, "", NULL), BROOK_OK); /* a simple consumer */
    assert_true(brook_groups_exists(gs, "solo"));
    treq *j1 = join("");
    const char *a = JOINED(j1)->assigned_member_id;
    assert_string_equal(state_of(), "CompletingRebalance");
    assert_int_equal(brook_groups_check_commit(gs, "g", 1, a, NULL), BROOK_ERR_REBALANCING);
    brook_member_assignment as = {a, (const uint8_t *)"A", 1};
    sync_as(a, 1, &as, 1);
    assert_int_equal(brook_groups_check_commit(gs, "g", 1, a, NULL), BROOK_OK);
    assert_int_equal(brook_groups_check_commit(gs, "g", 0, a, NULL), BROOK_ERR_ILLEGAL_GENERATION);
    assert_int_equal(brook_groups_check_commit(gs, "g", 1, "x", NULL), BROOK_ERR_UNKNOWN_MEMBER);
    assert_int_equal(brook_groups_check_commit(gs, "g", -1, "", NULL), BROOK_ERR_UNKNOWN_MEMBER); /* it has members */
    assert_int_equal(brook_groups_delete(gs, "g"), BROOK_ERR_GROUP_NOT_EMPTY);
    assert_true(brook_groups_subscribed(gs, "g", "t"));
    assert_false(brook_groups_subscribed(gs, "g", "u"));
    treq *l = new_req(BROOK_REQ_LIST_GROUPS);
    brook_list_groups_req lg = {0};
    assert_int_equal(brook_groups_list(gs, &l->pub, &lg), BROOK_OK);
    assert_int_equal(lg.group_count, 2);
}

static void a_stable_group_is_written_down_with_its_members(void **state)
{
    (void)state;
    start(0);
    const char *a, *b;
    int32_t gen;
    two_stable_members(&a, &b, &gen);
    assert_int_equal(written.calls, 1); /* once, when it became stable */
    const brook_group_past *p = written.copy;
    assert_non_null(p);
    assert_int_equal(p->generation, gen);
    assert_string_equal(p->protocol_type, "consumer");
    assert_string_equal(p->protocol_name, "range");
    assert_string_equal(p->leader_id, a);
    assert_int_equal(p->member_count, 2);
    assert_string_equal(p->members[0].member_id, a);
    assert_string_equal(p->members[1].member_id, b);
    assert_null(p->members[1].instance_id);
    assert_string_equal(p->members[1].client_id, "c");
    assert_int_equal(p->members[1].session_timeout_ms, 10000);
    assert_int_equal(p->members[1].rebalance_timeout_ms, 30000);
    assert_int_equal(p->members[1].subscription_len, range.metadata_len);
    assert_memory_equal(p->members[1].subscription, range.metadata, range.metadata_len);
    assert_int_equal(p->members[1].assignment_len, 3);
    assert_memory_equal(p->members[1].assignment, "BBB", 3);
    /* a rebalance writes nothing until the next generation is stable */
    treq *c = join("");
    join(a);
    join(b);
    assert_true(c->answered);
    assert_int_equal(written.calls, 1);
    int32_t next = JOINED(c)->generation_id;
    brook_member_assignment as[1] = {{a, (const uint8_t *)"A", 1}};
    sync_as(a, next, as, 1);
    assert_int_equal(written.calls, 2);
    assert_int_equal(written.copy->generation, next);
    assert_int_equal(written.copy->member_count, 3);
}

/* Two stable members, then a new coordinator loading what the first
 * wrote down; returns that past (free it). */
static brook_group_past *two_stable_members_reloaded(const char **a, const char **b, int32_t *gen)
{
    start(0);
    two_stable_members(a, b, gen);
    brook_group_past *past = restart();
    assert_int_equal(brook_groups_load(gs, "g", past), BROOK_OK);
    return past;
}

static void a_loaded_stable_group_goes_on_without_a_rebalance(void **state)
{
    (void)state;
    const char *a, *b;
    int32_t gen;
    free(two_stable_members_reloaded(&a, &b, &gen));
    assert_string_equal(state_of(), "Stable");
    assert_int_equal(written.calls, 0); /* loading writes nothing */
    assert_int_equal(heartbeat(a, gen, NULL), BROOK_OK);
    assert_int_equal(heartbeat(b, gen, NULL), BROOK_OK);
    assert_int_equal(brook_groups_check_commit(gs, "g", gen, b, NULL), BROOK_OK);
    assert_int_equal(heartbeat(b, gen - 1, NULL), BROOK_ERR_ILLEGAL_GENERATION);
    treq *s = sync_as(b, gen, NULL, 0);
    assert_true(s->answered);
    assert_int_equal(s->pub.u.sync_group.error, BROOK_OK);
    assert_memory_equal(s->pub.u.sync_group.assignment, "BBB", 3);
    assert_true(brook_groups_subscribed(gs, "g", "t"));
    assert_int_equal(brook_groups_expiry(gs, "g", &(int64_t){0}), BROOK_GROUP_EXPIRES_UNSUBSCRIBED);
    /* a follower rejoining with more protocols than were written down, the
     * group's one unchanged, stays in its generation */
    brook_group_protocol both[2] = {range, rr};
    treq *jb = join_with(b, NULL, both, 2, 0);
    assert_true(jb->answered);
    assert_int_equal(JOINED(jb)->error, BROOK_OK);
    assert_int_equal(JOINED(jb)->generation_id, gen);
    /* a member that never shows up here misses its session */
    for (int i = 0; i < 3; i++) {
        advance(3000);
        assert_int_equal(heartbeat(b, gen, NULL), BROOK_OK);
    }
    advance(1001);
    assert_int_equal(heartbeat(a, gen, NULL), BROOK_ERR_UNKNOWN_MEMBER);
    assert_int_equal(heartbeat(b, gen, NULL), BROOK_ERR_REBALANCING);
    treq *again = join_with(b, NULL, both, 2, 0);
    assert_true(again->answered);
    assert_int_equal(JOINED(again)->generation_id, gen + 1);
    assert_string_equal(JOINED(again)->leader, b);
    assert_string_equal(JOINED(again)->protocol_name, "range");
}

static void a_loaded_group_whose_members_are_gone_empties(void **state)
{
    (void)state;
    const char *a, *b;
    int32_t gen;
    brook_group_past *past = two_stable_members_reloaded(&a, &b, &gen);
    advance(10001);                          /* nobody heartbeats here */
    assert_string_equal(state_of(), "Dead"); /* no offsets: forgotten, */
    assert_int_equal(written.calls, 1);      /* and so is its past */
    assert_true(written.forgotten);
    /* with offsets it stays, empty since its members went */
    brook_groups_free(gs);
    start(0);
    offsets_held = 1;
    now += 500;
    int64_t loaded_at = now;
    assert_int_equal(brook_groups_load(gs, "g", past), BROOK_OK);
    free(past);
    advance(10001);
    assert_string_equal(state_of(), "Empty");
    assert_int_equal(written.calls, 1);
    assert_int_equal(written.copy->member_count, 0);
    assert_int_equal(written.copy->since_ms, loaded_at + 10000); /* sessions run from the load */
    /* a new member of an empty group: what was written no longer holds */
    join("");
    assert_int_equal(written.calls, 2);
    assert_true(written.forgotten);
}

static void a_static_member_returns_to_a_new_coordinator_without_a_rebalance(void **state)
{
    (void)state;
    start(0);
    treq *j1 = join_with("", "inst-a", &range, 1, 1);
    const char *a = JOINED(j1)->assigned_member_id;
    treq *j2 = join_with("", "inst-b", &range, 1, 1);
    join_with(a, "inst-a", &range, 1, 1);
    const char *b = JOINED(j2)->assigned_member_id;
    int32_t gen = JOINED(j2)->generation_id;
    brook_member_assignment as[2] = {{a, (const uint8_t *)"AA", 2}, {b, (const uint8_t *)"BB", 2}};
    sync_as(b, gen, NULL, 0);
    sync_as(a, gen, as, 2);
    brook_group_past *past = restart();
    assert_string_equal(past->members[1].instance_id, "inst-b");
    assert_memory_equal(past->members[1].assignment, "BB", 2);
    assert_int_equal(brook_groups_load(gs, "g", past), BROOK_OK);
    free(past);
    brook_group_protocol both[2] = {rr, range};
    /* b restarted too: a new member id (this coordinator's ids come from the same
     * seed as the first's: one already in use is not handed out again) */
    treq *back = join_with("", "inst-b", both, 2, 1);
    assert_true(back->answered);
    assert_int_equal(JOINED(back)->error, BROOK_OK);
    assert_int_equal(JOINED(back)->generation_id, gen);
    const char *b2 = JOINED(back)->assigned_member_id;
    treq *s = sync_as(b2, gen, NULL, 0);
    assert_memory_equal(s->pub.u.sync_group.assignment, "BB", 2);
    assert_int_equal(heartbeat(a, gen, NULL), BROOK_OK);
    assert_int_equal(written.calls, 1); /* under its new id */
    assert_string_equal(written.copy->members[1].member_id, b2);
}

static int pick_all(void *arg, const char *group_id)
{
    (void)arg;
    (void)group_id;
    return 1;
}

static void unloading_answers_held_requests_and_writes_nothing(void **state)
{
    (void)state;
    start(0);
    offsets_held = 1;
    const char *a, *b;
    int32_t gen;
    two_stable_members(&a, &b, &gen);
    treq *c = join(""); /* held: a and b have not rejoined */
    int calls = written.calls;
    brook_groups_unload(gs, pick_all, NULL);
    assert_true(c->answered);
    assert_int_equal(JOINED(c)->error, BROOK_ERR_NOT_LEADER);
    assert_false(brook_groups_exists(gs, "g"));
    assert_int_equal(written.calls, calls);
    assert_int_equal(active_timers(), 0);
}

static void a_cancelled_join_leaves_the_member_to_its_session(void **state)
{
    (void)state;
    start(0);
    const char *a, *b;
    int32_t gen;
    two_stable_members(&a, &b, &gen);
    treq *c = join(""); /* held until a and b rejoin */
    brook_groups_cancel(gs, &c->pub);
    treq *ja = join(a);
    treq *jb = join(b);
    assert_false(c->answered); /* withdrawn: never answered */
    assert_false(ja->answered);
    advance(10001); /* c's session ends; a and b proceed without it */
    assert_true(ja->answered && jb->answered);
    assert_int_equal(JOINED(ja)->member_count, 2);
}

static void held_requests_are_answered_at_shutdown(void **state)
{
    (void)state;
    start(3000);
    treq *j = join("");
    assert_false(j->answered);
    brook_groups_free(gs);
    gs = NULL;
    assert_true(j->answered);
    assert_int_equal(JOINED(j)->error, BROOK_ERR_SHUTDOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(join_sync_and_a_second_member_rebalances, teardown),
        cmocka_unit_test_teardown(the_assignment_is_stored_before_it_is_answered, teardown),
        cmocka_unit_test_teardown(a_failed_store_sends_the_members_back_to_join, teardown),
        cmocka_unit_test_teardown(a_store_answered_after_the_group_moved_on_changes_nothing, teardown),
        cmocka_unit_test_teardown(errors_for_unknown_members_and_stale_generations, teardown),
        cmocka_unit_test_teardown(initial_delay_gathers_members_into_one_generation, teardown),
        cmocka_unit_test_teardown(member_id_required_then_join_and_pending_ids_expire, teardown),
        cmocka_unit_test_teardown(a_silent_member_expires_and_the_rest_rebalance, teardown),
        cmocka_unit_test_teardown(a_member_that_does_not_rejoin_is_dropped_at_the_rebalance_timeout, teardown),
        cmocka_unit_test_teardown(followers_are_released_when_the_leader_never_syncs, teardown),
        cmocka_unit_test_teardown(leaving_rebalances_and_the_last_one_out_empties_the_group, teardown),
        cmocka_unit_test_teardown(static_member_comes_back_with_its_assignment, teardown),
        cmocka_unit_test_teardown(commits_are_checked_against_the_generation, teardown),
        cmocka_unit_test_teardown(a_cancelled_join_leaves_the_member_to_its_session, teardown),
        cmocka_unit_test_teardown(held_requests_are_answered_at_shutdown, teardown),
        cmocka_unit_test_teardown(a_group_says_how_its_offsets_expire, teardown),
        cmocka_unit_test_teardown(an_empty_groups_past_is_written_down_and_loaded, teardown),
        cmocka_unit_test_teardown(a_stable_group_is_written_down_with_its_members, teardown),
        cmocka_unit_test_teardown(a_loaded_stable_group_goes_on_without_a_rebalance, teardown),
        cmocka_unit_test_teardown(a_loaded_group_whose_members_are_gone_empties, teardown),
        cmocka_unit_test_teardown(a_static_member_returns_to_a_new_coordinator_without_a_rebalance, teardown),
        cmocka_unit_test_teardown(unloading_answers_held_requests_and_writes_nothing, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
