#include "group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "group_internal.h"
#include "log.h"

/* ---- small helpers ------------------------------------------------------------ */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

const char *group_req_strdup(brook_request *req, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = brook_request_alloc(req, n);
    if (d)
        memcpy(d, s, n);
    return d ? d : "";
}

const uint8_t *group_req_memdup(brook_request *req, const uint8_t *p, size_t n)
{
    if (!n)
        return NULL;
    uint8_t *d = brook_request_alloc(req, n);
    if (d)
        memcpy(d, p, n);
    return d;
}

static void timer_cancel(brook_groups *gs, void **t)
{
    if (*t) {
        gs->clock.timer_cancel(gs->clock.ctx, *t);
        *t = NULL;
    }
}

static void timer_arm(brook_groups *gs, void **t, int64_t ms, void (*cb)(void *), void *arg)
{
    timer_cancel(gs, t);
    if (gs->clock.timer_add(gs->clock.ctx, ms, cb, arg, t))
        *t = NULL;
}

/* "<client id>-<16 hex digits>", like Kafka's client id + UUID. */
static char *new_member_id(brook_groups *gs, const char *client_id)
{
    gs->id_seed ^= gs->id_seed << 13;
    gs->id_seed ^= gs->id_seed >> 7;
    gs->id_seed ^= gs->id_seed << 17;
    const char *prefix = client_id && client_id[0] ? client_id : "member";
    size_t n = strlen(prefix) + 18;
    char *id = malloc(n);
    if (id)
        snprintf(id, n, "%s-%016llx", prefix, (unsigned long long)gs->id_seed);
    return id;
}

member *group_find_member(const group *g, const char *id)
{
    for (member *m = g->members; m; m = m->next)
        if (id && strcmp(m->id, id) == 0)
            return m;
    return NULL;
}

/* An id neither a member of `g` nor a pending one has: members read back
 * from another coordinator's past got theirs from another sequence. */
static char *unused_member_id(group *g, const char *client_id)
{
    for (int tries = 0; tries < 16; tries++) { /* a repeat is ~2^-64 likely: bounded anyway */
        char *id = new_member_id(g->owner, client_id);
        if (!id || (!group_find_member(g, id) && !brook_strmap_get(&g->pending, id)))
            return id;
        free(id);
    }
    return NULL;
}

static member *find_static(const group *g, const char *instance_id)
{
    for (member *m = g->members; m && instance_id; m = m->next)
        if (m->instance_id && strcmp(m->instance_id, instance_id) == 0)
            return m;
    return NULL;
}

const brook_group_protocol *group_member_protocol(const member *m, const char *name)
{
    for (size_t i = 0; i < m->protocol_count && name; i++)
        if (strcmp(m->protocols[i].name, name) == 0)
            return &m->protocols[i];
    return NULL;
}

static void free_protocols(brook_group_protocol *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)p[i].name);
        free((uint8_t *)p[i].metadata);
    }
    free(p);
}

static brook_err copy_protocols(member *m, const brook_join_group_req *j)
{
    brook_group_protocol *p = calloc(j->protocol_count ? j->protocol_count : 1, sizeof *p);
    if (!p)
        return BROOK_ERR_NOMEM;
    for (size_t i = 0; i < j->protocol_count; i++) {
        p[i].name = strdup(j->protocols[i].name ? j->protocols[i].name : "");
        p[i].metadata_len = j->protocols[i].metadata_len;
        if (p[i].metadata_len && (p[i].metadata = malloc(p[i].metadata_len)))
            memcpy((uint8_t *)p[i].metadata, j->protocols[i].metadata, p[i].metadata_len);
        if (!p[i].name || (p[i].metadata_len && !p[i].metadata)) {
            free_protocols(p, i + 1);
            return BROOK_ERR_NOMEM;
        }
    }
    free_protocols(m->protocols, m->protocol_count);
    m->protocols = p;
    m->protocol_count = j->protocol_count;
    return BROOK_OK;
}

static int same_protocol(const brook_group_protocol *a, const brook_group_protocol *b)
{
    return group_same_str(a->name, b->name) && a->metadata_len == b->metadata_len &&
           (!a->metadata_len || memcmp(a->metadata, b->metadata, a->metadata_len) == 0);
}

static int protocols_equal(const member *m, const brook_join_group_req *j)
{
    if (m->restored) { /* only the group's protocol is known: that it is the same */
        for (size_t i = 0; i < j->protocol_count; i++)
            if (group_same_str(m->protocols[0].name, j->protocols[i].name))
                return same_protocol(&m->protocols[0], &j->protocols[i]);
        return 0;
    }
    if (m->protocol_count != j->protocol_count)
        return 0;
    for (size_t i = 0; i < j->protocol_count; i++)
        if (!same_protocol(&m->protocols[i], &j->protocols[i]))
            return 0;
    return 1;
}

/* ---- answering held requests ------------------------------------------------------ */

static void answer_join_error(member *m, brook_err e)
{
    brook_request *req = m->join_req;
    if (!req)
        return;
    m->join_req = NULL;
    group_touch(m);
    req->u.join_group.error = e;
    req->u.join_group.assigned_member_id = group_req_strdup(req, m->id);
    m->join_done(req, m->join_arg);
}

static void answer_sync(member *m, brook_err e)
{
    brook_request *req = m->sync_req;
    if (!req)
        return;
    m->sync_req = NULL;
    group_touch(m);
    brook_sync_group_req *s = &req->u.sync_group;
    s->error = e;
    if (!e) {
        s->protocol_type = group_req_strdup(req, m->g->protocol_type);
        s->protocol_name = group_req_strdup(req, m->g->protocol_name);
        s->assignment = group_req_memdup(req, m->assignment, m->assignment_len);
        s->assignment_len = s->assignment ? m->assignment_len : 0;
    }
    m->sync_done(req, m->sync_arg);
}

static void answer_join(group *g, member *m)
{
    brook_request *req = m->join_req;
    if (!req)
        return;
    m->join_req = NULL;
    group_touch(m);
    brook_join_group_req *j = &req->u.join_group;
    j->error = BROOK_OK;
    j->generation_id = g->generation;
    j->protocol_name = group_req_strdup(req, g->protocol_name);
    j->leader = group_req_strdup(req, g->leader_id);
    j->assigned_member_id = group_req_strdup(req, m->id);
    j->members = NULL;
    j->member_count = 0;
    if (g->leader_id && strcmp(g->leader_id, m->id) == 0) {
        j->members = brook_request_alloc(req, sizeof *j->members * (g->member_count ? g->member_count : 1));
        for (member *o = g->members; o && j->members; o = o->next) {
            brook_join_member *jm = &j->members[j->member_count++];
            const brook_group_protocol *p = group_member_protocol(o, g->protocol_name);
            jm->member_id = group_req_strdup(req, o->id);
            jm->group_instance_id = group_req_strdup(req, o->instance_id);
            jm->metadata = p ? group_req_memdup(req, p->metadata, p->metadata_len) : NULL;
            jm->metadata_len = jm->metadata ? p->metadata_len : 0;
        }
        if (!j->members)
            j->error = BROOK_ERR_NOMEM;
    }
    m->join_done(req, m->join_arg);
}

/* ---- members --------------------------------------------------------------------- */

static void free_member(member *m)
{
    timer_cancel(m->g->owner, &m->session_timer);
    free(m->id);
    free(m->instance_id);
    free(m->client_id);
    free(m->client_host);
    free_protocols(m->protocols, m->protocol_count);
    free(m->assignment);
    free(m);
}

static void on_session_expired(void *arg);

void group_touch(member *m)
{
    timer_arm(m->g->owner, &m->session_timer, m->session_timeout_ms, on_session_expired, m);
}

static void unlink_member(group *g, member *m)
{
    for (member **p = &g->members; *p; p = &(*p)->next)
        if (*p == m) {
            *p = m->next;
            g->member_count--;
            break;
        }
    if (g->leader_id && strcmp(g->leader_id, m->id) == 0) {
        free(g->leader_id);
        g->leader_id = NULL;
    }
}

/* Remove a member; its held requests get `err`. */
void group_remove_member(group *g, member *m, brook_err err)
{
    unlink_member(g, m);
    answer_join_error(m, err);
    answer_sync(m, err);
    free_member(m);
}

/* ---- group lifecycle ----------------------------------------------------------------- */

void group_free(group *g)
{
    brook_groups *gs = g->owner;
    while (g->members)
        group_remove_member(g, g->members, BROOK_ERR_SHUTDOWN);
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(&g->pending, &it));)
        timer_cancel(gs, &e->value);
    brook_strmap_free(&g->pending);
    timer_cancel(gs, &g->rebalance_timer);
    timer_cancel(gs, &g->sync_timer);
    free(g->id);
    free(g->protocol_type);
    free(g->protocol_name);
    free(g->leader_id);
    free(g);
}

/* Whether it still has committed offsets: an empty group without any is
 * forgotten, one with them has its past written down (group_past.c). */
static int has_offsets(const group *g)
{
    const brook_groups_config *cfg = &g->owner->cfg;
    return cfg->has_offsets && cfg->has_offsets(cfg->has_offsets_ctx, g->id);
}

/* An empty group with no committed offsets and no member ids pending is
 * forgotten. Call last: `g` may be gone afterwards. */
static void maybe_forget(group *g)
{
    brook_groups *gs = g->owner;
    if (g->state != EMPTY || g->member_count || g->pending.count || has_offsets(g))
        return;
    group_forget_past(g);
    brook_strmap_remove(&gs->groups, g->id);
    group_free(g);
}

group *group_find(const brook_groups *gs, const char *id)
{
    return id ? brook_strmap_get(&gs->groups, id) : NULL;
}

group *group_create(brook_groups *gs, const char *id)
{
    group *g = calloc(1, sizeof *g);
    if (!g || !(g->id = strdup(id)) || brook_strmap_put(&gs->groups, id, g)) {
        if (g)
            free(g->id);
        free(g);
        return NULL;
    }
    g->owner = gs;
    g->state = EMPTY;
    g->storing_generation = -1;
    g->empty_since_ms = gs->clock.now_ms(gs->clock.ctx);
    return g;
}

static void go_empty(group *g)
{
    timer_cancel(g->owner, &g->rebalance_timer);
    timer_cancel(g->owner, &g->sync_timer);
    g->state = EMPTY;
    g->empty_since_ms = g->owner->clock.now_ms(g->owner->clock.ctx);
    g->generation++;
    free(g->protocol_name);
    free(g->leader_id);
    g->protocol_name = g->leader_id = NULL; /* the protocol type stays, as Kafka lists it */
    /* without offsets it is forgotten: nothing to write down */
    if (has_offsets(g))
        group_remember(g);
    else
        group_forget_past(g);
}

static int32_t max_rebalance_timeout(const group *g)
{
    int32_t t = 0;
    for (member *m = g->members; m; m = m->next)
        if (m->rebalance_timeout_ms > t)
            t = m->rebalance_timeout_ms;
    return t;
}

static void complete_join(group *g);
static void on_rebalance_timeout(void *arg);
static void on_sync_timeout(void *arg);

static void maybe_complete_join(group *g)
{
    if (g->state != PREPARING || g->initial_delay)
        return;
    for (member *m = g->members; m; m = m->next)
        if (!m->join_req)
            return;
    complete_join(g);
}

static void prepare_rebalance(group *g)
{
    brook_groups *gs = g->owner;
    g->storing_generation = -1; /* a store in flight changes nothing now */
    if (g->state == COMPLETING) {
        timer_cancel(gs, &g->sync_timer);
        for (member *m = g->members; m; m = m->next)
            answer_sync(m, BROOK_ERR_REBALANCING);
    }
    if (g->state != PREPARING) {
        int from_empty = g->state == EMPTY;
        for (member *m = g->members; m; m = m->next) {
            free(m->assignment);
            m->assignment = NULL;
            m->assignment_len = 0;
        }
        g->state = PREPARING;
        g->initial_delay = from_empty && gs->cfg.initial_rebalance_delay_ms > 0;
        int64_t wait = g->initial_delay ? gs->cfg.initial_rebalance_delay_ms : max_rebalance_timeout(g);
        timer_arm(gs, &g->rebalance_timer, wait, on_rebalance_timeout, g);
    }
    maybe_complete_join(g);
}

/* The protocol every member supports that most members list first. */
static const char *select_protocol(const group *g)
{
    const member *first = g->members;
    const char *best = NULL;
    size_t best_votes = 0;
    for (size_t i = 0; first && i < first->protocol_count; i++) {
        const char *cand = first->protocols[i].name;
        int all = 1;
        for (member *m = g->members; m && all; m = m->next)
            all = group_member_protocol(m, cand) != NULL;
        if (!all)
            continue;
        size_t votes = 0;
        for (member *m = g->members; m; m = m->next)
            for (size_t k = 0; k < m->protocol_count; k++) {
                int supported = 1;
                for (member *o = g->members; o && supported; o = o->next)
                    supported = group_member_protocol(o, m->protocols[k].name) != NULL;
                if (supported) { /* m's first choice among the common ones */
                    votes += strcmp(m->protocols[k].name, cand) == 0;
                    break;
                }
            }
        if (!best || votes > best_votes) {
            best = cand;
            best_votes = votes;
        }
    }
    return best;
}

/* Everyone who rejoined is in the next generation; who did not is out. */
static void complete_join(group *g)
{
    brook_groups *gs = g->owner;
    timer_cancel(gs, &g->rebalance_timer);
    g->initial_delay = 0;
    for (member *m = g->members, *next; m; m = next) {
        next = m->next;
        if (!m->join_req) {
            log_info("group %s: member %s did not rejoin in time and was removed", g->id, m->id);
            group_remove_member(g, m, BROOK_ERR_UNKNOWN_MEMBER);
        }
    }
    if (!g->member_count) {
        go_empty(g);
        return;
    }
    const char *proto = select_protocol(g);
    char *name = dup_or_null(proto);
    if (!g->leader_id || !group_find_member(g, g->leader_id)) {
        free(g->leader_id);
        g->leader_id = strdup(g->members->id);
    }
    if (!name || !g->leader_id) {
        free(name);
        for (member *m = g->members; m; m = m->next)
            answer_join_error(m, proto ? BROOK_ERR_NOMEM : BROOK_ERR_INCONSISTENT_PROTOCOL);
        go_empty(g);
        return;
    }
    free(g->protocol_name);
    g->protocol_name = name;
    g->generation++;
    g->state = COMPLETING;
    timer_arm(gs, &g->sync_timer, max_rebalance_timeout(g), on_sync_timeout, g);
    log_info("group %s: generation %d with %zu member(s), protocol %s, leader %s", g->id, g->generation,
             g->member_count, g->protocol_name, g->leader_id);
    for (member *m = g->members; m; m = m->next)
        answer_join(g, m);
}

static void on_rebalance_timeout(void *arg)
{
    group *g = arg;
    g->rebalance_timer = NULL;
    if (g->state != PREPARING)
        return;
    g->initial_delay = 0;
    complete_join(g);
    maybe_forget(g);
}

/* The leader's assignment never came: whoever did not sync is out. */
static void on_sync_timeout(void *arg)
{
    group *g = arg;
    g->sync_timer = NULL;
    if (g->state != COMPLETING)
        return;
    for (member *m = g->members, *next; m; m = next) {
        next = m->next;
        if (!m->sync_req) {
            log_info("group %s: member %s did not sync in time and was removed", g->id, m->id);
            group_remove_member(g, m, BROOK_ERR_UNKNOWN_MEMBER);
        }
    }
    if (g->member_count)
        prepare_rebalance(g);
    else
        go_empty(g);
    maybe_forget(g);
}

/* A member left or expired: the others rebalance. */
static void after_removal(group *g)
{
    if (!g->member_count) {
        if (g->state != EMPTY)
            go_empty(g);
    } else if (g->state == PREPARING) {
        maybe_complete_join(g);
    } else if (g->state != EMPTY) {
        prepare_rebalance(g);
    }
}

static void on_session_expired(void *arg)
{
    member *m = arg;
    group *g = m->g;
    m->session_timer = NULL;
    if (m->join_req || m->sync_req) { /* waiting on us, not dead */
        group_touch(m);
        return;
    }
    log_info("group %s: member %s missed its session timeout (%d ms) and was removed", g->id, m->id,
             m->session_timeout_ms);
    group_remove_member(g, m, BROOK_ERR_UNKNOWN_MEMBER);
    after_removal(g);
    maybe_forget(g);
}

/* ---- the public API ------------------------------------------------------------------------ */

brook_err brook_groups_new(const brook_group_clock *clock, const brook_groups_config *cfg, brook_groups **out)
{
    brook_groups *gs = calloc(1, sizeof *gs);
    if (!gs)
        return BROOK_ERR_NOMEM;
    gs->clock = *clock;
    gs->cfg = *cfg;
    gs->id_seed = ((uint64_t)clock->now_ms(clock->ctx) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ull;
    *out = gs;
    return BROOK_OK;
}

void brook_groups_free(brook_groups *gs)
{
    if (!gs)
        return;
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(&gs->groups, &it));)
        group_free(e->value);
    brook_strmap_free(&gs->groups);
    free(gs);
}

static void join_fail(brook_request *req, brook_err e, brook_group_done done, void *arg)
{
    req->u.join_group.error = e;
    done(req, arg);
}

/* Session timer for a member id handed out with MEMBER_ID_REQUIRED. */
typedef struct pending_id {
    group *g;
    char *id;
    void *timer;
} pending_id;

static void on_pending_timeout(void *arg)
{
    pending_id *p = arg;
    group *g = p->g;
    p->timer = NULL;
    brook_strmap_remove(&g->pending, p->id);
    free(p->id);
    free(p);
    maybe_forget(g);
}

static brook_err add_pending(group *g, const char *id, int32_t session_timeout_ms)
{
    pending_id *p = calloc(1, sizeof *p);
    if (!p || !(p->id = strdup(id)) || brook_strmap_put(&g->pending, id, p)) {
        if (p)
            free(p->id);
        free(p);
        return BROOK_ERR_NOMEM;
    }
    p->g = g;
    timer_arm(g->owner, &p->timer, session_timeout_ms, on_pending_timeout, p);
    return BROOK_OK;
}

static int take_pending(group *g, const char *id)
{
    pending_id *p = brook_strmap_remove(&g->pending, id);
    if (!p)
        return 0;
    timer_cancel(g->owner, &p->timer);
    free(p->id);
    free(p);
    return 1;
}

member *group_add_member(group *g, const brook_join_group_req *j, char *id)
{
    member *m = calloc(1, sizeof *m);
    if (!m) {
        free(id);
        return NULL;
    }
    m->g = g;
    m->id = id;
    m->instance_id = dup_or_null(j->group_instance_id);
    m->client_id = strdup(j->client_id ? j->client_id : "");
    m->client_host = strdup(j->client_host ? j->client_host : "");
    if (!m->id || (j->group_instance_id && !m->instance_id) || !m->client_id || !m->client_host ||
        copy_protocols(m, j)) {
        free_member(m);
        return NULL;
    }
    member **tail = &g->members;
    while (*tail)
        tail = &(*tail)->next;
    *tail = m;
    g->member_count++;
    return m;
}

/* Take the protocols of the member's join unless they are the ones it has
 * (a restored member's become the whole list it sends). */
static brook_err refresh_protocols(member *m, const brook_join_group_req *j, int unchanged)
{
    if (unchanged && !m->restored)
        return BROOK_OK;
    brook_err e = copy_protocols(m, j);
    if (!e)
        m->restored = 0;
    return e;
}

void group_update_member(member *m, const brook_join_group_req *j)
{
    m->session_timeout_ms = j->session_timeout_ms;
    m->rebalance_timeout_ms = j->rebalance_timeout_ms > 0 ? j->rebalance_timeout_ms : j->session_timeout_ms;
}

/* Does the member's protocol list fit the group it wants to join? */
static int protocols_fit(const group *g, const brook_join_group_req *j)
{
    if (!g->member_count)
        return 1;
    if (!group_same_str(g->protocol_type, j->protocol_type))
        return 0;
    for (size_t i = 0; i < j->protocol_count; i++) {
        int all = 1;
        for (member *m = g->members; m && all; m = m->next)
            all = group_member_protocol(m, j->protocols[i].name) != NULL;
        if (all)
            return 1;
    }
    return 0;
}

static void hold_join(member *m, brook_request *req, brook_group_done done, void *arg)
{
    if (m->join_req) /* a second join from the same member replaces the first */
        answer_join_error(m, BROOK_ERR_REBALANCING);
    m->join_req = req;
    m->join_done = done;
    m->join_arg = arg;
    group_touch(m);
}

/* A static member's new id, stored before its join is answered (Kafka's
 * order, as for the leader's assignment): a new coordinator then knows the
 * id the member goes on with. The member is found again by that id; a
 * rebalance meanwhile takes its held join over. A store that fails
 * answers the join with the error: the member joins again and is replaced
 * again. */
typedef struct static_store {
    brook_groups *gs;
    int32_t generation;
    char *member_id;
    char group_id[];
} static_store;

static void static_member_stored(void *arg, brook_err err)
{
    static_store *st = arg;
    group *g = group_find(st->gs, st->group_id);
    member *m = g ? group_find_member(g, st->member_id) : NULL;
    if (m && m->join_req && g->state == STABLE && g->generation == st->generation) {
        if (err)
            answer_join_error(m, err == BROOK_ERR_NOT_LEADER ? err : BROOK_ERR_LEADER_NOT_AVAILABLE);
        else
            answer_join(g, m);
    }
    free(st->member_id);
    free(st);
}

static void store_static_member(group *g, member *m)
{
    size_t len = strlen(g->id) + 1;
    static_store *st = malloc(sizeof *st + len);
    if (st && !(st->member_id = strdup(m->id))) {
        free(st);
        st = NULL;
    }
    if (!st) {
        answer_join_error(m, BROOK_ERR_NOMEM);
        return;
    }
    st->gs = g->owner;
    st->generation = g->generation;
    memcpy(st->group_id, g->id, len);
    group_remember_stable(g, static_member_stored, st); /* may answer before it returns */
}

/* A static member came back under a new member id. */
static void rejoin_static(group *g, member *m, brook_request *req, brook_group_done done, void *arg)
{
    brook_join_group_req *j = &req->u.join_group;
    char *id = unused_member_id(g, j->client_id);
    if (!id) {
        join_fail(req, BROOK_ERR_NOMEM, done, arg);
        return;
    }
    answer_join_error(m, BROOK_ERR_FENCED_INSTANCE); /* the old incarnation's held requests */
    answer_sync(m, BROOK_ERR_FENCED_INSTANCE);
    int was_leader = g->leader_id && strcmp(g->leader_id, m->id) == 0;
    int unchanged = protocols_equal(m, j);
    free(m->id);
    m->id = id;
    if (was_leader) {
        free(g->leader_id);
        g->leader_id = strdup(id);
    }
    group_update_member(m, j);
    if (refresh_protocols(m, j, unchanged)) {
        join_fail(req, BROOK_ERR_NOMEM, done, arg);
        return;
    }
    hold_join(m, req, done, arg);
    if (g->state == STABLE && unchanged) {
        /* same subscription: keep the assignment, no rebalance (a returning
         * leader gets the members again; its SyncGroup in Stable changes
         * nothing), once the group is stored under its new member id */
        store_static_member(g, m);
        return;
    }
    prepare_rebalance(g);
}

void brook_groups_join(brook_groups *gs, brook_request *req, brook_group_done done, void *arg)
{
    brook_join_group_req *j = &req->u.join_group;
    if (!j->group_id || !j->group_id[0]) {
        join_fail(req, BROOK_ERR_INVALID, done, arg);
        return;
    }
    if (j->session_timeout_ms < gs->cfg.min_session_timeout_ms ||
        j->session_timeout_ms > gs->cfg.max_session_timeout_ms) {
        join_fail(req, BROOK_ERR_INVALID_SESSION_TIMEOUT, done, arg);
        return;
    }
    if (!j->protocol_type || !j->protocol_type[0] || !j->protocol_count) {
        join_fail(req, BROOK_ERR_INCONSISTENT_PROTOCOL, done, arg);
        return;
    }
    int new_member = !j->member_id || !j->member_id[0];
    group *g = group_find(gs, j->group_id);
    if (!g && !new_member) {
        join_fail(req, BROOK_ERR_UNKNOWN_MEMBER, done, arg);
        return;
    }
    if (!g && !(g = group_create(gs, j->group_id))) {
        join_fail(req, BROOK_ERR_NOMEM, done, arg);
        return;
    }
    if (!protocols_fit(g, j)) {
        join_fail(req, BROOK_ERR_INCONSISTENT_PROTOCOL, done, arg);
        maybe_forget(g);
        return;
    }
    member *stat = find_static(g, j->group_instance_id);
    if (new_member && stat) {
        rejoin_static(g, stat, req, done, arg);
        return;
    }
    if (!new_member && stat && strcmp(stat->id, j->member_id) != 0) {
        join_fail(req, BROOK_ERR_FENCED_INSTANCE, done, arg);
        return;
    }
    member *m = new_member ? NULL : group_find_member(g, j->member_id);
    if (!m) {
        char *id = NULL;
        if (new_member) {
            if (!(id = unused_member_id(g, j->client_id))) {
                join_fail(req, BROOK_ERR_NOMEM, done, arg);
                return;
            }
            if (j->require_known_member_id && !j->group_instance_id) {
                /* KIP-394: the client must come back with this id */
                brook_err e = add_pending(g, id, j->session_timeout_ms);
                j->assigned_member_id = group_req_strdup(req, id);
                free(id);
                join_fail(req, e ? e : BROOK_ERR_MEMBER_ID_REQUIRED, done, arg);
                maybe_forget(g);
                return;
            }
        } else if (take_pending(g, j->member_id)) {
            id = strdup(j->member_id);
        } else {
            join_fail(req, BROOK_ERR_UNKNOWN_MEMBER, done, arg);
            return;
        }
        if (!(m = group_add_member(g, j, id))) {
            join_fail(req, BROOK_ERR_NOMEM, done, arg);
            maybe_forget(g);
            return;
        }
        if (g->member_count == 1 || !g->protocol_type) { /* the first member sets the type */
            free(g->protocol_type);
            g->protocol_type = strdup(j->protocol_type);
        }
        if (g->state == EMPTY) /* no longer empty; a stable group's past holds until the next generation's */
            group_forget_past(g);
        g->standalone = 0;
        group_update_member(m, j);
        hold_join(m, req, done, arg);
        prepare_rebalance(g);
        return;
    }
    /* a known member joins again */
    int unchanged = protocols_equal(m, j);
    group_update_member(m, j);
    if (refresh_protocols(m, j, unchanged)) {
        join_fail(req, BROOK_ERR_NOMEM, done, arg);
        return;
    }
    hold_join(m, req, done, arg);
    int is_leader = g->leader_id && strcmp(g->leader_id, m->id) == 0;
    if ((g->state == STABLE && unchanged && !is_leader) || (g->state == COMPLETING && unchanged)) {
        answer_join(g, m); /* nothing changed: the current generation again */
        return;
    }
    prepare_rebalance(g);
}

/* The member a request names, after the checks every group request makes. */
static brook_err check_member(group *g, int32_t generation, const char *member_id, const char *instance_id,
                              member **out)
{
    *out = NULL;
    if (!g)
        return BROOK_ERR_UNKNOWN_MEMBER;
    member *stat = find_static(g, instance_id);
    if (stat && (!member_id || strcmp(stat->id, member_id) != 0))
        return BROOK_ERR_FENCED_INSTANCE;
    member *m = group_find_member(g, member_id);
    if (!m)
        return BROOK_ERR_UNKNOWN_MEMBER;
    *out = m;
    if (generation != g->generation)
        return BROOK_ERR_ILLEGAL_GENERATION;
    return BROOK_OK;
}

/* ---- the leader's assignment: stored, then answered ------------------------------------
 * As Kafka's coordinator does: the group stays Completing until its record
 * (generation, members, assignments) is as durable as a commit, so a
 * member never acts on an assignment a new coordinator would not know
 * (it would answer the member's heartbeats and commits with an unknown
 * generation, and the group would rebalance). A join, a leave or an
 * expiry meanwhile starts a rebalance; the store's answer then changes
 * nothing. */

typedef struct assignment_store {
    brook_groups *gs;
    int32_t generation;
    char group_id[]; /* looked up again: the group may be gone (its coordinator moved) */
} assignment_store;

static void assignment_stored(void *arg, brook_err err)
{
    assignment_store *st = arg;
    group *g = group_find(st->gs, st->group_id);
    if (g && g->state == COMPLETING && g->storing_generation == st->generation && g->generation == st->generation) {
        g->storing_generation = -1;
        if (err) {
            /* the members find the coordinator again and rejoin */
            log_warn("group %s: cannot store generation %d's assignment (%s): rebalancing", g->id, g->generation,
                     brook_err_str(err));
            for (member *o = g->members; o; o = o->next)
                answer_sync(o, err == BROOK_ERR_NOT_LEADER ? err : BROOK_ERR_LEADER_NOT_AVAILABLE);
            prepare_rebalance(g);
        } else {
            g->state = STABLE;
            for (member *o = g->members; o; o = o->next)
                answer_sync(o, BROOK_OK);
        }
    }
    free(st);
}

static void store_assignment(group *g)
{
    size_t len = strlen(g->id) + 1;
    assignment_store *st = malloc(sizeof *st + len);
    if (!st) {
        for (member *o = g->members; o; o = o->next)
            answer_sync(o, BROOK_ERR_NOMEM);
        prepare_rebalance(g);
        return;
    }
    st->gs = g->owner;
    st->generation = g->storing_generation = g->generation;
    memcpy(st->group_id, g->id, len);
    group_remember_stable(g, assignment_stored, st); /* may answer before it returns */
}

void brook_groups_sync(brook_groups *gs, brook_request *req, brook_group_done done, void *arg)
{
    brook_sync_group_req *s = &req->u.sync_group;
    group *g = group_find(gs, s->group_id);
    member *m;
    brook_err e = check_member(g, s->generation_id, s->member_id, s->group_instance_id, &m);
    if (m)
        group_touch(m);
    if (!e && g->state == PREPARING)
        e = BROOK_ERR_REBALANCING;
    if (e) {
        s->error = e;
        done(req, arg);
        return;
    }
    if (m->sync_req)
        answer_sync(m, BROOK_ERR_REBALANCING);
    m->sync_req = req;
    m->sync_done = done;
    m->sync_arg = arg;
    if (g->state == STABLE) {
        answer_sync(m, BROOK_OK);
        return;
    }
    if (!g->leader_id || strcmp(g->leader_id, m->id) != 0 || g->storing_generation == g->generation)
        return; /* a follower waits for the leader, a leader asking again for its assignment being stored */
    for (size_t i = 0; i < s->assignment_count; i++) {
        member *o = group_find_member(g, s->assignments[i].member_id);
        if (!o)
            continue;
        free(o->assignment);
        o->assignment = NULL;
        o->assignment_len = 0;
        if (s->assignments[i].assignment_len && (o->assignment = malloc(s->assignments[i].assignment_len))) {
            memcpy(o->assignment, s->assignments[i].assignment, s->assignments[i].assignment_len);
            o->assignment_len = s->assignments[i].assignment_len;
        }
    }
    timer_cancel(gs, &g->sync_timer);
    store_assignment(g);
}

void brook_groups_cancel(brook_groups *gs, brook_request *req)
{
    const char *gid = req->type == BROOK_REQ_JOIN_GROUP   ? req->u.join_group.group_id
                      : req->type == BROOK_REQ_SYNC_GROUP ? req->u.sync_group.group_id
                                                          : NULL;
    group *g = group_find(gs, gid);
    for (member *m = g ? g->members : NULL; m; m = m->next) {
        if (m->join_req == req)
            m->join_req = NULL;
        if (m->sync_req == req)
            m->sync_req = NULL;
    }
}

void brook_groups_heartbeat(brook_groups *gs, brook_heartbeat_req *hb)
{
    group *g = group_find(gs, hb->group_id);
    member *m;
    hb->error = check_member(g, hb->generation_id, hb->member_id, hb->group_instance_id, &m);
    if (m)
        group_touch(m);
    if (!hb->error && g->state == PREPARING)
        hb->error = BROOK_ERR_REBALANCING; /* rejoin */
}

void brook_groups_leave(brook_groups *gs, brook_leave_group_req *lv)
{
    group *g = group_find(gs, lv->group_id);
    lv->error = BROOK_OK;
    int removed = 0;
    for (size_t i = 0; i < lv->member_count; i++) {
        brook_leaving_member *lm = &lv->members[i];
        member *m = NULL;
        if (!g) {
            lm->error = BROOK_ERR_UNKNOWN_MEMBER;
            continue;
        }
        if (lm->group_instance_id) {
            m = find_static(g, lm->group_instance_id);
            if (m && lm->member_id && lm->member_id[0] && strcmp(m->id, lm->member_id) != 0) {
                lm->error = BROOK_ERR_FENCED_INSTANCE;
                continue;
            }
        } else {
            m = group_find_member(g, lm->member_id);
        }
        if (!m) {
            lm->error = BROOK_ERR_UNKNOWN_MEMBER;
            continue;
        }
        log_info("group %s: member %s left", g->id, m->id);
        group_remove_member(g, m, BROOK_ERR_UNKNOWN_MEMBER);
        lm->error = BROOK_OK;
        removed++;
    }
    if (lv->member_count == 1)
        lv->error = lv->members[0].error;
    if (g && removed)
        after_removal(g);
    if (g)
        maybe_forget(g);
}

brook_err brook_groups_check_commit(brook_groups *gs, const char *group_id, int32_t generation, const char *member_id,
                                    const char *group_instance_id)
{
    group *g = group_find(gs, group_id);
    if (generation < 0 && (!member_id || !member_id[0])) {
        /* from outside any generation (a simple consumer, an admin tool) */
        if (g && g->member_count)
            return BROOK_ERR_UNKNOWN_MEMBER;
        if (g)
            return BROOK_OK;
        if (!(g = group_create(gs, group_id)))
            return BROOK_ERR_NOMEM;
        g->standalone = 1;
        group_remember(g); /* its offsets are on their way */
        return BROOK_OK;
    }
    member *m;
    brook_err e = check_member(g, generation, member_id, group_instance_id, &m);
    if (m)
        group_touch(m);
    if (!e && g->state == COMPLETING)
        e = BROOK_ERR_REBALANCING;
    return e;
}

void brook_groups_offsets_gone(brook_groups *gs, const char *group_id)
{
    group *g = group_find(gs, group_id);
    if (g)
        maybe_forget(g);
}

brook_err brook_groups_delete(brook_groups *gs, const char *group_id)
{
    group *g = group_find(gs, group_id);
    if (!g)
        return BROOK_ERR_NOT_FOUND;
    if (g->member_count || g->state != EMPTY)
        return BROOK_ERR_GROUP_NOT_EMPTY;
    group_forget_past(g);
    brook_strmap_remove(&gs->groups, g->id);
    group_free(g);
    return BROOK_OK;
}
