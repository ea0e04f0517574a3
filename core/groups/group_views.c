/* What is asked of the groups without changing them: whether one exists,
 * how its offsets expire, listings, descriptions, subscriptions. */
#include <stdlib.h>
#include <string.h>

#include "group_internal.h"

static const char *const state_names[] = {"Empty", "PreparingRebalance", "CompletingRebalance", "Stable"};

int brook_groups_exists(const brook_groups *gs, const char *group_id)
{
    return group_find(gs, group_id) != NULL;
}

int brook_groups_is_empty(const brook_groups *gs, const char *group_id)
{
    const group *g = group_find(gs, group_id);
    return !g || g->member_count == 0;
}

brook_group_expiry brook_groups_expiry(const brook_groups *gs, const char *group_id, int64_t *empty_since)
{
    const group *g = group_find(gs, group_id);
    *empty_since = g ? g->empty_since_ms : 0;
    if (!g)
        return BROOK_GROUP_EXPIRES_WHOLE; /* not known at all: no members */
    if (g->state == EMPTY && !g->member_count)
        return g->standalone ? BROOK_GROUP_EXPIRES_PER_OFFSET : BROOK_GROUP_EXPIRES_WHOLE;
    if (g->state == STABLE && group_same_str(g->protocol_type, "consumer"))
        return BROOK_GROUP_EXPIRES_UNSUBSCRIBED;
    return BROOK_GROUP_KEEPS;
}

brook_err brook_groups_list(const brook_groups *gs, brook_request *req, brook_list_groups_req *out)
{
    out->group_count = 0;
    out->groups = brook_request_alloc(req, sizeof *out->groups * (gs->groups.count ? gs->groups.count : 1));
    if (!out->groups)
        return BROOK_ERR_NOMEM;
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(&gs->groups, &it));) {
        const group *g = e->value;
        brook_group_listing *l = &out->groups[out->group_count++];
        l->group_id = group_req_strdup(req, g->id);
        l->protocol_type = group_req_strdup(req, g->protocol_type ? g->protocol_type : "");
        l->state = state_names[g->state];
    }
    return BROOK_OK;
}

void brook_groups_describe(const brook_groups *gs, brook_request *req, brook_group_description *d)
{
    const group *g = group_find(gs, d->group_id);
    d->error = BROOK_OK;
    d->members = NULL;
    d->member_count = 0;
    if (!g) {
        d->state = "Dead";
        d->protocol_type = d->protocol_name = "";
        return;
    }
    d->state = state_names[g->state];
    d->protocol_type = group_req_strdup(req, g->protocol_type ? g->protocol_type : "");
    d->protocol_name = group_req_strdup(req, g->state == STABLE && g->protocol_name ? g->protocol_name : "");
    if (!g->member_count)
        return;
    d->members = brook_request_alloc(req, sizeof *d->members * g->member_count);
    if (!d->members) {
        d->error = BROOK_ERR_NOMEM;
        return;
    }
    for (member *m = g->members; m; m = m->next) {
        brook_group_member_info *mi = &d->members[d->member_count++];
        const brook_group_protocol *p = group_member_protocol(m, g->protocol_name);
        mi->member_id = group_req_strdup(req, m->id);
        mi->group_instance_id = group_req_strdup(req, m->instance_id);
        mi->client_id = group_req_strdup(req, m->client_id);
        mi->client_host = group_req_strdup(req, m->client_host);
        mi->metadata = p ? group_req_memdup(req, p->metadata, p->metadata_len) : NULL;
        mi->metadata_len = mi->metadata ? p->metadata_len : 0;
        mi->assignment = group_req_memdup(req, m->assignment, m->assignment_len);
        mi->assignment_len = mi->assignment ? m->assignment_len : 0;
    }
}

/* The topics of a consumer-protocol subscription: int16 version, then an
 * array (int32 count) of int16-length strings; the rest is ignored. */
static int subscription_has(const uint8_t *p, size_t len, const char *topic)
{
    if (len < 6)
        return 0;
    size_t pos = 2;
    int32_t n = (int32_t)((uint32_t)p[pos] << 24 | (uint32_t)p[pos + 1] << 16 | (uint32_t)p[pos + 2] << 8 | p[pos + 3]);
    pos += 4;
    size_t tlen = strlen(topic);
    for (int32_t i = 0; i < n && pos + 2 <= len; i++) {
        size_t l = (size_t)(p[pos] << 8 | p[pos + 1]);
        pos += 2;
        if (pos + l > len)
            return 0;
        if (l == tlen && memcmp(p + pos, topic, l) == 0)
            return 1;
        pos += l;
    }
    return 0;
}

int brook_groups_subscribed(const brook_groups *gs, const char *group_id, const char *topic)
{
    const group *g = group_find(gs, group_id);
    if (!g || !group_same_str(g->protocol_type, "consumer"))
        return 0;
    for (member *m = g->members; m; m = m->next)
        for (size_t i = 0; i < m->protocol_count; i++)
            if (subscription_has(m->protocols[i].metadata, m->protocols[i].metadata_len, topic))
                return 1;
    return 0;
}
