/* Committed offsets expire (offsets_expiry.h), by Kafka's rules (KIP-211):
 *  - an empty group: all of its offsets together, retention after the
 *    later of its last commit and the moment it became empty;
 *  - a standalone consumer's group (it commits without ever joining, its
 *    partitions assigned by the application): each offset retention after
 *    its own commit;
 *  - a stable consumer group: offsets of topics no member subscribes to
 *    any more, each retention after its own commit; the others stay as
 *    long as it has members.
 * When a group became empty, and whether it is a standalone consumer's,
 * is written down beside its offsets (offsets_pasts.c), so a restart or a
 * new coordinator keeps the schedule; a stable group comes back with its
 * members and becomes empty when the last of them misses its session.
 *
 * Expiry writes tombstones like DeleteGroups and OffsetDelete, through the
 * group's coordinator: in a cluster only the broker leading the group's
 * __consumer_offsets partition expires it. */
#include "offsets_expiry.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "group.h"
#include "group_coordinator.h"
#include "log.h"
#include "offsets.h"

/* ---- the whole group ------------------------------------------------------ */

static void newest_commit(void *arg, const char *topic, int32_t partition, const brook_committed *c)
{
    (void)topic;
    (void)partition;
    int64_t *newest = arg;
    if (c->commit_time_ms > *newest)
        *newest = c->commit_time_ms;
}

typedef struct expiring {
    brook_broker *b;
    char name[]; /* the group */
} expiring;

static expiring *expiring_new(brook_broker *b, const char *group)
{
    size_t len = strlen(group) + 1;
    expiring *x = malloc(sizeof *x + len);
    if (x) {
        x->b = b;
        memcpy(x->name, group, len);
    }
    return x;
}

static void expired_written(void *arg, brook_err err)
{
    expiring *x = arg;
    if (err)
        log_warn("group %s: its expired offsets could not be removed (%s); trying again at the next check", x->name,
                 brook_err_str(err));
    else if (x->b->groups)
        brook_groups_offsets_gone(x->b->groups, x->name); /* forgotten if nothing holds it now */
    free(x);
}

static void expire_whole(brook_broker *b, const char *group, int64_t empty_since, int64_t now)
{
    int64_t since = empty_since;
    brook_offsets_each(b->offsets, group, newest_commit, &since);
    if (since > now - b->st->offsets_retention_ms)
        return;
    expiring *x = expiring_new(b, group);
    if (!x)
        return; /* the next check */
    log_info("group %s: committed offsets expired (empty, and no commit for groups.offsets_retention_ms, %lld ms)",
             group, (long long)b->st->offsets_retention_ms);
    brook_offsets_delete_group(b->offsets, group, expired_written, x);
}

/* ---- offset by offset ------------------------------------------------------- */

typedef struct stale {
    brook_broker *b;
    const char *group;
    int unsubscribed_only;
    int64_t before; /* commits before this are past retention */
} stale;

static int is_stale(void *arg, const char *topic, int32_t partition, const brook_committed *c)
{
    (void)partition;
    const stale *st = arg;
    return c->commit_time_ms < st->before &&
           !(st->unsubscribed_only && brook_groups_subscribed(st->b->groups, st->group, topic));
}

static void expire_stale(brook_broker *b, const char *group, int unsubscribed_only, int64_t now)
{
    stale st = {.b = b,
                .group = group,
                .unsubscribed_only = unsubscribed_only,
                .before = now - b->st->offsets_retention_ms + 1};
    expiring *x = expiring_new(b, group);
    if (!x)
        return; /* the next check */
    size_t n = brook_offsets_delete_picked(b->offsets, group, is_stale, &st, expired_written, x);
    if (n)
        log_info("group %s: %zu committed offset(s) expired (%s, no commit for groups.offsets_retention_ms, %lld ms)",
                 group, n, unsubscribed_only ? "of topics no member subscribes to" : "a standalone consumer's",
                 (long long)b->st->offsets_retention_ms);
}

/* ---- the check ----------------------------------------------------------------- */

static void check_group(brook_broker *b, const char *group, int64_t now)
{
    if (brook_coordinator_check(b, group) != BROOK_OK)
        return; /* another broker coordinates it */
    int64_t empty_since;
    switch (brook_groups_expiry(b->groups, group, &empty_since)) {
    case BROOK_GROUP_EXPIRES_WHOLE: expire_whole(b, group, empty_since, now); break;
    case BROOK_GROUP_EXPIRES_PER_OFFSET: expire_stale(b, group, 0, now); break;
    case BROOK_GROUP_EXPIRES_UNSUBSCRIBED: expire_stale(b, group, 1, now); break;
    case BROOK_GROUP_KEEPS: break;
    }
}

static void check(void *arg)
{
    brook_broker *b = arg;
    b->offsets_expiry_timer = NULL;
    int64_t now = brook_wall_clock_ms(); /* commit times and empty-since are on it */
    size_t count = 0;
    /* names copied: expiring one changes the offsets being gone through */
    char **groups = b->offsets && b->groups ? brook_offsets_group_names(b->offsets, &count) : NULL;
    for (size_t i = 0; i < count; i++)
        check_group(b, groups[i], now);
    brook_offsets_free_group_names(groups, count);
    brook_offsets_expiry_start(b);
}

void brook_offsets_expiry_start(brook_broker *b)
{
    if (b->st->offsets_retention_ms >= 0 && !b->offsets_expiry_timer &&
        brook_loop_timer_add(b->loop, b->st->offsets_retention_check_ms, check, b, &b->offsets_expiry_timer))
        log_warn("committed offsets: cannot arm the expiry check (out of memory): expired offsets stay");
}

void brook_offsets_expiry_stop(brook_broker *b)
{
    if (b->offsets_expiry_timer)
        brook_loop_timer_cancel(b->loop, b->offsets_expiry_timer);
    b->offsets_expiry_timer = NULL;
}
