/* A group written down (brook_group_past) when it becomes Stable or Empty,
 * and read back by a restarted broker or a new coordinator: a stable group
 * goes on with its members and generation, an empty one's offsets expire
 * on the schedule they had. */
#include <stdlib.h>
#include <string.h>

#include "group_internal.h"
#include "log.h"

/* What was written down no longer holds, and nothing replaces it. */
void group_forget_past(group *g)
{
    const brook_groups_config *cfg = &g->owner->cfg;
    if (g->remembered && cfg->remember)
        cfg->remember(cfg->remember_ctx, g->id, NULL, NULL, NULL);
    g->remembered = 0;
}

/* Members as written down; the array points into theirs (free it alone). */
static brook_group_past_member *past_members(const group *g)
{
    brook_group_past_member *out = calloc(g->member_count, sizeof *out);
    size_t i = 0;
    for (const member *m = g->members; m && out; m = m->next, i++) {
        const brook_group_protocol *p = group_member_protocol(m, g->protocol_name);
        out[i] = (brook_group_past_member){.member_id = m->id,
                                           .instance_id = m->instance_id,
                                           .client_id = m->client_id,
                                           .client_host = m->client_host,
                                           .session_timeout_ms = m->session_timeout_ms,
                                           .rebalance_timeout_ms = m->rebalance_timeout_ms,
                                           .subscription = p ? p->metadata : NULL,
                                           .subscription_len = p ? p->metadata_len : 0,
                                           .assignment = m->assignment,
                                           .assignment_len = m->assignment_len};
    }
    return out;
}

/* Write down `g`: Empty (since when, standalone), or, when `stable`, also
 * its generation, protocol, leader and members with assignments. */
static void remember_as(group *g, int stable, void (*stored)(void *arg, brook_err err), void *arg)
{
    brook_groups *gs = g->owner;
    if (!gs->cfg.remember) {
        if (stored)
            stored(arg, BROOK_OK);
        return;
    }
    brook_group_past past = {
        .since_ms = g->empty_since_ms, .standalone = g->standalone, .protocol_type = g->protocol_type};
    brook_group_past_member *members = NULL;
    if (stable && g->member_count) {
        if (!(members = past_members(g))) {
            log_warn("group %s: out of memory writing down its members: they rebalance after a restart", g->id);
            group_forget_past(g);
            if (stored)
                stored(arg, BROOK_ERR_NOMEM);
            return;
        }
        past.since_ms = gs->clock.now_ms(gs->clock.ctx);
        past.generation = g->generation;
        past.protocol_name = g->protocol_name;
        past.leader_id = g->leader_id;
        past.members = members;
        past.member_count = g->member_count;
    }
    g->remembered = 1;
    gs->cfg.remember(gs->cfg.remember_ctx, g->id, &past, stored, arg);
    free(members);
}

void group_remember(group *g)
{
    remember_as(g, g->state == STABLE, NULL, NULL);
}

void group_remember_stable(group *g, void (*stored)(void *arg, brook_err err), void *arg)
{
    remember_as(g, 1, stored, arg);
}

/* A member of a stable group as written down, with a whole session from
 * now to show up at this coordinator. */
static brook_err restore_member(group *g, const brook_group_past_member *pm, const char *protocol)
{
    const brook_groups_config *cfg = &g->owner->cfg;
    brook_group_protocol chosen = {
        .name = protocol, .metadata = pm->subscription, .metadata_len = pm->subscription_len};
    int32_t session = pm->session_timeout_ms;
    session = session < cfg->min_session_timeout_ms   ? cfg->min_session_timeout_ms
              : session > cfg->max_session_timeout_ms ? cfg->max_session_timeout_ms
                                                      : session;
    brook_join_group_req j = {.session_timeout_ms = session,
                              .rebalance_timeout_ms = pm->rebalance_timeout_ms,
                              .group_instance_id = pm->instance_id,
                              .protocols = &chosen,
                              .protocol_count = 1,
                              .client_id = pm->client_id,
                              .client_host = pm->client_host};
    member *m = group_add_member(g, &j, strdup(pm->member_id));
    if (!m)
        return BROOK_ERR_NOMEM;
    group_update_member(m, &j);
    m->restored = 1;
    if (pm->assignment_len) {
        if (!(m->assignment = malloc(pm->assignment_len)))
            return BROOK_ERR_NOMEM;
        memcpy(m->assignment, pm->assignment, pm->assignment_len);
        m->assignment_len = pm->assignment_len;
    }
    group_touch(m);
    return BROOK_OK;
}

/* The stable group written down goes on here: its members heartbeat and
 * commit in their generation as if nothing had happened (Kafka's loading
 * of GroupMetadataValue); those gone miss their session. */
static brook_err restore_stable(group *g, const brook_group_past *past)
{
    brook_err e = BROOK_OK;
    for (size_t i = 0; i < past->member_count && !e; i++)
        e = restore_member(g, &past->members[i], past->protocol_name);
    if (!e && !(g->protocol_name = strdup(past->protocol_name)))
        e = BROOK_ERR_NOMEM;
    if (!e && past->leader_id && group_find_member(g, past->leader_id) && !(g->leader_id = strdup(past->leader_id)))
        e = BROOK_ERR_NOMEM;
    if (e) { /* empty, as without a past */
        while (g->members)
            group_remove_member(g, g->members, BROOK_ERR_NOMEM);
        return e;
    }
    g->generation = past->generation;
    g->state = STABLE;
    return BROOK_OK;
}

brook_err brook_groups_load(brook_groups *gs, const char *group_id, const brook_group_past *past)
{
    group *g = group_find(gs, group_id);
    if (!g && !(g = group_create(gs, group_id)))
        return BROOK_ERR_NOMEM;
    g->remembered = past != NULL;
    if (g->state != EMPTY)
        return BROOK_OK;
    /* without a past, what it did meanwhile is not known here: empty from now */
    g->empty_since_ms = past ? past->since_ms : gs->clock.now_ms(gs->clock.ctx);
    g->standalone = past && past->standalone;
    if (past && past->protocol_type && !g->protocol_type && !(g->protocol_type = strdup(past->protocol_type)))
        return BROOK_ERR_NOMEM;
    if (past && past->member_count && !g->member_count)
        return restore_stable(g, past);
    return BROOK_OK;
}

void brook_groups_unload(brook_groups *gs, int (*pick)(void *arg, const char *group_id), void *arg)
{
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(&gs->groups, &it));) {
        group *g = e->value;
        if (!pick(arg, g->id))
            continue;
        brook_strmap_remove(&gs->groups, e->key); /* the entry just returned: allowed */
        while (g->members)
            group_remove_member(g, g->members, BROOK_ERR_NOT_LEADER);
        group_free(g);
    }
}
