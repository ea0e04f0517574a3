#include "controlled_shutdown.h"

#include <stdlib.h>

#include "broker.h"
#include "cluster_image.h"
#include "log.h"
#include "membership.h"
#include "partition.h"
#include "records.h"

#define CHECK_MS 20 /* how often it looks again: a leadership move takes a few store round trips */
/* After the move, it serves this much longer: clients told NOT_LEADER_OR_FOLLOWER ask for metadata (often
 * from this broker) and retry after their backoff (100 ms in librdkafka and the Java client). Stopping at
 * once, the longest a record waited in a rolling restart was 0.7-1.3 s; with 250 or 500 ms of this,
 * 0.31-0.37 s (docs/benchmarks.md, "Stopping brokers"). */
#define GRACE_MS 300

struct brook_controlled_shutdown {
    void (*then)(brook_broker *b);
    brook_timer *tick;
    int64_t started_ms;
    size_t at_start; /* partitions it had to hand over */
    int moving;      /* 0: its followers are catching up; 1: marked shutting down, the controller moves them */
};

/* A partition this broker leads, as its image has it: one to count? */
typedef int (*led_filter)(brook_broker *b, const char *topic, int32_t index, const brook_partition_record *rec);

static size_t count_led(brook_broker *b, led_filter keep)
{
    size_t n = 0;
    brook_strmap_iter it = {0};
    const brook_image_topic *t;
    while ((t = brook_cluster_image_next(b, &it)))
        for (int32_t i = 0; i < t->partition_cap; i++) {
            const brook_partition_record *rec = &t->partitions[i].rec;
            if (t->partitions[i].present && rec->leader == b->st->broker_id && keep(b, t->name, i, rec))
                n++;
        }
    return n;
}

static int any(brook_broker *b, const char *topic, int32_t index, const brook_partition_record *rec)
{
    (void)b, (void)topic, (void)index, (void)rec;
    return 1;
}

/* Another live in-sync replica not shutting down could lead it. */
static int movable(brook_broker *b, const char *topic, int32_t index, const brook_partition_record *rec)
{
    (void)topic, (void)index;
    for (int32_t i = 0; i < rec->isr_count; i++)
        if (rec->isr[i] != b->st->broker_id && brook_membership_is_staying(b, rec->isr[i]))
            return 1;
    return 0;
}

/* Movable, and its high watermark short of the log end: an in-sync
 * follower lacks records (acks=1 ones) the next leader would not have. */
static int movable_but_behind(brook_broker *b, const char *topic, int32_t index, const brook_partition_record *rec)
{
    brook_partition *p = brook_topics_partition(&b->topics, topic, index);
    int64_t start, end;
    return movable(b, topic, index, rec) && p && !p->closing && p->role == BROOK_ROLE_LEADER &&
           !brook_partition_offsets(p, &start, &end) && p->high_watermark < end;
}

static void finish(brook_broker *b)
{
    struct brook_controlled_shutdown *cs = b->controlled_shutdown;
    void (*then)(brook_broker *) = cs->then;
    brook_controlled_shutdown_cancel(b);
    then(b);
}

static void grace_over(void *arg)
{
    brook_broker *b = arg;
    b->controlled_shutdown->tick = NULL;
    finish(b);
}

/* No write comes in now: once the followers hold the whole log, the
 * controller may move it (or, when they take too long, anyway). 0: not yet. */
static int caught_up(brook_broker *b, struct brook_controlled_shutdown *cs, int64_t waited)
{
    size_t lagging = count_led(b, movable_but_behind);
    if (lagging && waited < b->st->controlled_shutdown_timeout_ms / 2)
        return 0;
    if (lagging)
        log_warn("controlled shutdown: the followers of %zu partition(s) have not copied everything after %lld ms: "
                 "moving them anyway (acks=1 records only this broker holds will be lost)",
                 lagging, (long long)waited);
    cs->moving = 1;
    return 1;
}

static void check(void *arg)
{
    brook_broker *b = arg;
    struct brook_controlled_shutdown *cs = b->controlled_shutdown;
    cs->tick = NULL;
    int64_t waited = brook_loop_now(b->loop) - cs->started_ms;
    if (!cs->moving && !caught_up(b, cs, waited)) {
        if (brook_loop_timer_add(b->loop, CHECK_MS, check, b, &cs->tick))
            finish(b);
        return;
    }
    size_t left = count_led(b, movable);
    if (left == 0 && brook_membership_shutdown_announced(b)) {
        size_t kept = count_led(b, any);
        if (kept)
            log_warn("controlled shutdown: after %lld ms this broker still leads %zu partition(s) no other live "
                     "in-sync replica could take (they were lost meanwhile): stopping",
                     (long long)waited, kept);
        else
            log_info("controlled shutdown: leadership of %zu partition(s) handed over in %lld ms; serving %d ms "
                     "more while clients find the new leaders",
                     cs->at_start, (long long)waited, GRACE_MS);
        if (!kept && brook_loop_timer_add(b->loop, GRACE_MS, grace_over, b, &cs->tick) == BROOK_OK)
            return;
        finish(b);
        return;
    }
    if (waited >= b->st->controlled_shutdown_timeout_ms) {
        log_warn("controlled shutdown: still leading %zu partition(s) other in-sync replicas could lead after %lld ms "
                 "(cluster.controlled_shutdown_timeout_ms; is the controller or the metadata store unreachable?): "
                 "stopping anyway",
                 left, (long long)waited);
        finish(b);
        return;
    }
    /* a write the store refused is asked again */
    brook_err e = brook_membership_announce_shutdown(b);
    if (e && e != BROOK_ERR_NOT_LEADER)
        log_warn("controlled shutdown: cannot mark this broker as shutting down: %s", brook_err_str(e));
    if (e == BROOK_ERR_NOT_LEADER) { /* its lease was lost meanwhile: the others took it for gone */
        log_warn("controlled shutdown: this broker's lease is lost: stopping");
        finish(b);
        return;
    }
    if (brook_loop_timer_add(b->loop, CHECK_MS, check, b, &cs->tick))
        finish(b);
}

int brook_controlled_shutdown_begin(brook_broker *b, void (*then)(brook_broker *b))
{
    if (!b->st->clustered || b->st->controlled_shutdown_timeout_ms <= 0 || b->controlled_shutdown ||
        !brook_membership_lease_valid(b))
        return 0;
    size_t n = count_led(b, movable);
    if (n == 0)
        return 0;
    struct brook_controlled_shutdown *cs = calloc(1, sizeof *cs);
    if (!cs)
        return 0;
    *cs = (struct brook_controlled_shutdown){.then = then, .started_ms = brook_loop_now(b->loop), .at_start = n};
    if (brook_loop_timer_add(b->loop, 0, check, b, &cs->tick)) {
        free(cs);
        return 0;
    }
    b->controlled_shutdown = cs;
    log_info("controlled shutdown: handing leadership of %zu partition(s) to other in-sync replicas once they hold "
             "the whole log (at most %lld ms; a second signal stops at once)",
             n, (long long)b->st->controlled_shutdown_timeout_ms);
    return 1;
}

int brook_controlled_shutdown_holds_writes(brook_broker *b, const brook_partition *p)
{
    if (!b->controlled_shutdown || p->role != BROOK_ROLE_LEADER)
        return 0;
    const brook_image_partition *ip = brook_cluster_image_partition(b, p->topic->name, p->index);
    return ip && ip->rec.leader == b->st->broker_id && movable(b, p->topic->name, p->index, &ip->rec);
}

void brook_controlled_shutdown_cancel(brook_broker *b)
{
    struct brook_controlled_shutdown *cs = b->controlled_shutdown;
    if (!cs)
        return;
    if (cs->tick)
        brook_loop_timer_cancel(b->loop, cs->tick);
    free(cs);
    b->controlled_shutdown = NULL;
}
