/* Committed offsets expire (offsets_expiry.h), by Kafka's rule for consumer
 * groups (KIP-211): never while the group has members; once it is empty,
 * all of its offsets together, retention after the later of its last commit
 * and the moment it became empty. Groups that commit without joining
 * (consumers that assign their partitions) are empty all along, so theirs
 * go retention after their last commit. When the group became empty is not
 * written down: a group found at start-up counts as becoming empty then, so
 * a restart postpones expiry and never hastens it.
 *
 * Expiry writes tombstones like DeleteGroups, through the group's
 * coordinator: in a cluster only the broker leading the group's
 * __consumer_offsets partition expires it. */
#include "offsets_expiry.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "group.h"
#include "group_coordinator.h"
#include "log.h"
#include "offsets.h"

static void newest_commit(void *arg, const char *topic, int32_t partition, const brook_committed *c)
{
    (void)topic;
    (void)partition;
    int64_t *newest = arg;
    if (c->commit_time_ms > *newest)
        *newest = c->commit_time_ms;
}

/* Whether the group's offsets are past their retention now. */
static int expired(brook_broker *b, const char *group, int64_t now)
{
    int64_t since = brook_groups_empty_since(b->groups, group);
    if (since < 0 || brook_coordinator_check(b, group) != BROOK_OK)
        return 0; /* it has members, or another broker coordinates it */
    brook_offsets_each(b->offsets, group, newest_commit, &since);
    return since <= now - b->st->offsets_retention_ms;
}

typedef struct expiring {
    brook_broker *b;
    char name[]; /* the group */
} expiring;

static void expired_written(void *arg, brook_err err)
{
    expiring *x = arg;
    if (err)
        log_warn("group %s: its expired offsets could not be removed (%s); trying again at the next check", x->name,
                 brook_err_str(err));
    else if (x->b->groups)
        brook_groups_offsets_gone(x->b->groups, x->name); /* nothing holds it now: forgotten */
    free(x);
}

static void expire(brook_broker *b, const char *group)
{
    size_t len = strlen(group) + 1;
    expiring *x = malloc(sizeof *x + len);
    if (!x)
        return; /* the next check */
    x->b = b;
    memcpy(x->name, group, len);
    log_info("group %s: committed offsets expired (empty, and no commit for groups.offsets_retention_ms, %lld ms)",
             group, (long long)b->st->offsets_retention_ms);
    brook_offsets_delete_group(b->offsets, group, expired_written, x);
}

static void check(void *arg)
{
    brook_broker *b = arg;
    b->offsets_expiry_timer = NULL;
    int64_t now = brook_loop_now(b->loop);
    size_t count = 0;
    /* names copied: expiring one changes the offsets being gone through */
    char **groups = b->offsets && b->groups ? brook_offsets_group_names(b->offsets, &count) : NULL;
    for (size_t i = 0; i < count; i++)
        if (expired(b, groups[i], now))
            expire(b, groups[i]);
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
