/* The broker's consumer-group side: the coordinator (group.c) running on
 * the event loop's clock, and the committed offsets (offsets.c): in the
 * storage plugin's internal log on a single broker, in the replicated
 * __consumer_offsets topic in a cluster (group_coordinator.c); and the
 * transaction coordinator, whose state lives in the same log
 * (txn_coordinator.h). */
#include <stdio.h>

#include "broker.h"
#include "group.h"
#include "group_coordinator.h"
#include "log.h"
#include "offsets.h"
#include "offsets_expiry.h"
#include "txn_coordinator.h"

/* Wall-clock time: when a group became empty is compared with commit
 * times, which are written down and outlive the process. */
static int64_t wall_clock_now(void *ctx)
{
    (void)ctx;
    return brook_wall_clock_ms();
}

static int loop_timer_add(void *ctx, int64_t ms, void (*cb)(void *), void *arg, void **handle)
{
    brook_timer *t;
    if (brook_loop_timer_add(ctx, ms, cb, arg, &t))
        return -1;
    *handle = t;
    return 0;
}

static void loop_timer_cancel(void *ctx, void *handle)
{
    brook_loop_timer_cancel(ctx, handle);
}

static int group_has_offsets(void *ctx, const char *group_id)
{
    brook_broker *b = ctx;
    return b->offsets && brook_offsets_has_group(b->offsets, group_id);
}

/* Only the group's coordinator writes (a broker that stopped coordinating
 * it may still see its members expire). */
static void remember_past(void *ctx, const char *group_id, const brook_group_past *past,
                          void (*stored)(void *arg, brook_err err), void *arg)
{
    brook_broker *b = ctx;
    brook_err e = b->offsets ? brook_coordinator_check(b, group_id) : BROOK_OK; /* no offsets: nothing kept */
    if (b->offsets && !e)
        brook_offsets_remember_then(b->offsets, group_id, past, stored, arg);
    else if (stored)
        stored(arg, e);
}

typedef struct loading {
    brook_broker *b;
    int (*pick)(void *arg, const char *group);
    void *arg;
} loading;

static void load_group(void *arg, const char *group_id)
{
    const loading *l = arg;
    if (l->pick && !l->pick(l->arg, group_id))
        return;
    if (brook_groups_load(l->b->groups, group_id, brook_offsets_past(l->b->offsets, group_id)))
        log_warn("group %s: out of memory while loading it (it rebalances)", group_id);
}

/* A stable group need not have committed offsets yet. */
static void load_stable_group(void *arg, const char *group_id, const brook_group_past *past)
{
    const loading *l = arg;
    if (past->member_count && !brook_offsets_has_group(l->b->offsets, group_id))
        load_group(arg, group_id);
}

void brook_broker_groups_load(brook_broker *b, int (*pick)(void *arg, const char *group), void *arg)
{
    loading l = {.b = b, .pick = pick, .arg = arg};
    brook_offsets_each_group(b->offsets, load_group, &l);
    brook_offsets_each_past(b->offsets, load_stable_group, &l);
    brook_offsets_drop_stale_pasts(b->offsets, pick, arg);
}

brook_err brook_broker_groups_start(brook_broker *b, char *err, size_t errlen)
{
    /* a cluster keeps them in its replicated __consumer_offsets (group_coordinator.h) */
    brook_plugin_instance *storage = &b->plugins.storage[0];
    brook_offsets_setting_fn setting =
        brook_has_slot(storage, brook_storage_ops, topic_setting) ? brook_storage_of(storage)->topic_setting : NULL;
    brook_err e = b->st->clustered ? brook_coordinator_open_offsets(b)
                                   : brook_offsets_open(brook_storage_of(storage), setting, storage->state,
                                                        b->st->offsets_compact_records, &b->offsets);
    if (e) {
        snprintf(err, errlen, "cannot open the committed offsets (%s): %s", BROOK_OFFSETS_LOG, brook_err_str(e));
        return e;
    }
    brook_group_clock clock = {
        .ctx = b->loop, .now_ms = wall_clock_now, .timer_add = loop_timer_add, .timer_cancel = loop_timer_cancel};
    brook_groups_config cfg = {.min_session_timeout_ms = b->st->min_session_timeout_ms,
                               .max_session_timeout_ms = b->st->max_session_timeout_ms,
                               .initial_rebalance_delay_ms = b->st->initial_rebalance_delay_ms,
                               .has_offsets = group_has_offsets,
                               .has_offsets_ctx = b,
                               .remember = remember_past,
                               .remember_ctx = b};
    if ((e = brook_groups_new(&clock, &cfg, &b->groups))) {
        snprintf(err, errlen, "cannot start the group coordinator: %s", brook_err_str(e));
        return e;
    }
    brook_broker_groups_load(b, NULL, NULL);
    brook_offsets_expiry_start(b);
    /* the transaction coordinator keeps its state in the same log */
    if ((e = brook_txn_coordinator_start(b))) {
        snprintf(err, errlen, "cannot start the transaction coordinator: %s", brook_err_str(e));
        return e;
    }
    if (!b->st->clustered) /* a cluster's come with its __consumer_offsets partitions */
        brook_txn_coordinator_loaded(b, NULL, NULL);
    return BROOK_OK;
}

void brook_broker_groups_free(brook_broker *b)
{
    brook_offsets_expiry_stop(b);
    brook_txn_coordinator_stop(b);
    brook_groups_free(b->groups);
    b->groups = NULL;
    brook_offsets_close(b->offsets); /* answers the coordinator's writes still pending */
    b->offsets = NULL;
    brook_txn_coordinator_free(b);
    brook_coordinators_free(b);
}
