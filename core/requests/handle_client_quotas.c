/* DescribeClientQuotas and AlterClientQuotas (KIP-546): the client quota
 * rules (client_quotas.h) read and changed, DESCRIBE or ALTER on the
 * cluster (Kafka asks DescribeConfigs/AlterConfigs there). An entity is a
 * user, a client id or both, each named or the default; the quotas
 * applied are producer_byte_rate and consumer_byte_rate (bytes per second,
 * at least 1); Kafka's others, and ip entities, are refused by name. An
 * entry is changed whole or not at all; a cluster's changes go to the
 * metadata store in one write through any broker. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "broker.h"
#include "client_quotas.h"
#include "handlers.h"

static const char *fail(brook_req *req, brook_quota_alteration *a, const char *fmt, const char *what)
{
    char why[400];
    snprintf(why, sizeof why, fmt, what ? what : "(null)");
    char *copy = brook_request_alloc(&req->pub, strlen(why) + 1);
    a->error = BROOK_ERR_INVALID;
    return a->error_message = copy ? strcpy(copy, why) : "a client quota entry was refused";
}

/* The entity an entry names (its names point into the request). */
static int entity_of(brook_req *req, brook_quota_alteration *a, const brook_quota_entity_part *parts, size_t n,
                     brook_quota_entity *e)
{
    *e = (brook_quota_entity){0};
    for (size_t i = 0; i < n; i++) {
        const char *type = parts[i].type ? parts[i].type : "";
        brook_quota_part *p = strcmp(type, "user") == 0 ? &e->user : strcmp(type, "client-id") == 0 ? &e->client : NULL;
        if (!p) {
            fail(req, a,
                 strcmp(type, "ip") == 0 ? "%s: ip quotas are not supported by Brook (user and client-id are)"
                                         : "%s: not an entity type (user, client-id)",
                 type);
            return -1;
        }
        if (p->kind != BROOK_QUOTA_ABSENT) {
            fail(req, a, "%s: named twice in one entity", type);
            return -1;
        }
        *p = parts[i].name ? (brook_quota_part){.kind = BROOK_QUOTA_NAMED, .name = parts[i].name}
                           : (brook_quota_part){.kind = BROOK_QUOTA_DEFAULT};
    }
    if (!brook_quota_entity_valid(e)) {
        fail(req, a, "%s", "an entity names a user, a client-id or both, each a name of 1-255 bytes or the default");
        return -1;
    }
    return 0;
}

/* An entry's changes into `out`; how many, or -1 when the entry is refused. */
static long entry_changes(brook_req *req, brook_quota_alteration *a, brook_quota_change *out)
{
    brook_quota_entity e;
    if (entity_of(req, a, a->entity, a->entity_count, &e))
        return -1;
    for (size_t i = 0; i < a->op_count; i++) {
        const brook_quota_op *op = &a->ops[i];
        int kind = brook_quota_kind_of(op->key);
        if (kind < 0) {
            int known = op->key && (strcmp(op->key, "request_percentage") == 0 ||
                                    strcmp(op->key, "controller_mutation_rate") == 0);
            fail(req, a,
                 known ? "%s: not supported by Brook yet (producer_byte_rate and consumer_byte_rate are)"
                       : "%s: not a client quota (producer_byte_rate, consumer_byte_rate)",
                 op->key);
            return -1;
        }
        if (!op->remove && !(isfinite(op->value) && op->value >= 1 && op->value <= 9.2e18)) {
            fail(req, a, "%s: a rate is a number of bytes per second, at least 1 (remove the quota for none)", op->key);
            return -1;
        }
        out[i] = (brook_quota_change){
            .entity = e, .kind = (brook_quota_kind)kind, .rate = op->remove ? 0 : (int64_t)(op->value + 0.5)};
    }
    return (long)a->op_count;
}

typedef struct quota_write {
    brook_req *req;
    uint8_t *valid; /* per entry: part of the write */
} quota_write;

static void quotas_written(void *arg, brook_err err)
{
    quota_write *w = arg;
    brook_alter_client_quotas_req *a = &w->req->pub.u.alter_client_quotas;
    for (size_t i = 0; i < a->entry_count; i++)
        if (w->valid[i] && (a->entries[i].error = err))
            a->entries[i].error_message = "the quotas could not be stored (see the broker's log)";
    brook_req_release(w->req);
}

void brook_handle_alter_client_quotas(brook_req *req)
{
    brook_alter_client_quotas_req *a = &req->pub.u.alter_client_quotas;
    brook_err denied = brook_authorize(req, BROOK_OP_ALTER, BROOK_RESOURCE_CLUSTER, "kafka-cluster");
    size_t total = 0, n = 0;
    for (size_t i = 0; i < a->entry_count; i++)
        total += a->entries[i].op_count;
    brook_quota_change *changes = brook_request_alloc(&req->pub, sizeof *changes * (total + 1));
    quota_write *w = brook_request_alloc(&req->pub, sizeof *w);
    uint8_t *valid = brook_request_alloc(&req->pub, a->entry_count + 1);
    if (!changes || !w || !valid) {
        req->pub.error = BROOK_ERR_NOMEM;
        return;
    }
    for (size_t i = 0; i < a->entry_count; i++) {
        brook_quota_alteration *entry = &a->entries[i];
        entry->error = denied;
        entry->error_message = NULL;
        long got = denied ? -1 : entry_changes(req, entry, changes + n);
        valid[i] = got >= 0;
        n += got > 0 ? (size_t)got : 0;
    }
    if (!n || a->validate_only)
        return;
    *w = (quota_write){.req = req, .valid = valid};
    req->pending++;
    brook_err e = brook_client_quotas_write(req->broker, changes, n, quotas_written, w);
    if (e) {
        req->pending--;
        for (size_t i = 0; i < a->entry_count; i++)
            if (valid[i])
                a->entries[i].error = e;
    }
}

/* ---- describing ---------------------------------------------------------------------------- */

static const brook_quota_part *part_of(const brook_quota_entity *e, const char *type)
{
    return strcmp(type, "user") == 0 ? &e->user : strcmp(type, "client-id") == 0 ? &e->client : NULL;
}

static int filter_matches(const brook_quota_filter *f, const brook_quota_entity *e)
{
    const brook_quota_part *p = part_of(e, f->entity_type);
    if (!p || p->kind == BROOK_QUOTA_ABSENT)
        return 0;
    switch (f->match_type) {
    case BROOK_QUOTA_MATCH_EXACT: return p->kind == BROOK_QUOTA_NAMED && f->match && strcmp(p->name, f->match) == 0;
    case BROOK_QUOTA_MATCH_DEFAULT: return p->kind == BROOK_QUOTA_DEFAULT;
    default: return 1;
    }
}

typedef struct describing {
    brook_req *req;
    brook_describe_client_quotas_req *d;
    size_t cap;
} describing;

/* Whether every filter matches, and (strict) the entity names no other type. */
static int wanted(const brook_describe_client_quotas_req *d, const brook_quota_entity *e)
{
    int named_types = (e->user.kind != BROOK_QUOTA_ABSENT) + (e->client.kind != BROOK_QUOTA_ABSENT);
    for (size_t i = 0; i < d->filter_count; i++)
        if (!filter_matches(&d->filters[i], e))
            return 0;
    return !d->strict || (size_t)named_types == d->filter_count;
}

static const char *copy(brook_req *req, const char *s)
{
    char *c = s ? brook_request_alloc(&req->pub, strlen(s) + 1) : NULL;
    return c ? strcpy(c, s) : NULL;
}

static void add_entry(void *arg, const brook_quota_entity *e, const int64_t *rates)
{
    describing *ds = arg;
    brook_describe_client_quotas_req *d = ds->d;
    if (!wanted(d, e) || d->entry_count == ds->cap)
        return;
    brook_quota_entity_part *parts = brook_request_alloc(&ds->req->pub, sizeof *parts * 2);
    brook_quota_value *values = brook_request_alloc(&ds->req->pub, sizeof *values * BROOK_QUOTA_KINDS);
    if (!parts || !values) {
        d->error = BROOK_ERR_NOMEM;
        return;
    }
    brook_quota_entry *out = &d->entries[d->entry_count++];
    *out = (brook_quota_entry){.entity = parts, .values = values};
    const brook_quota_part *p[2] = {&e->user, &e->client};
    static const char *const types[2] = {"user", "client-id"};
    for (int k = 0; k < 2; k++)
        if (p[k]->kind != BROOK_QUOTA_ABSENT)
            parts[out->entity_count++] = (brook_quota_entity_part){
                .type = types[k], .name = p[k]->kind == BROOK_QUOTA_NAMED ? copy(ds->req, p[k]->name) : NULL};
    for (int k = 0; k < BROOK_QUOTA_KINDS; k++)
        if (rates[k])
            values[out->value_count++] =
                (brook_quota_value){.key = brook_quota_key((brook_quota_kind)k), .value = (double)rates[k]};
}

static brook_err check_filters(brook_describe_client_quotas_req *d)
{
    for (size_t i = 0; i < d->filter_count; i++) {
        const brook_quota_filter *f = &d->filters[i];
        const char *type = f->entity_type ? f->entity_type : "";
        if (strcmp(type, "user") != 0 && strcmp(type, "client-id") != 0 && strcmp(type, "ip") != 0) {
            d->error_message = "a filter names an entity type Brook does not know (user, client-id, ip)";
            return BROOK_ERR_INVALID;
        }
        for (size_t k = 0; k < i; k++)
            if (d->filters[k].entity_type && strcmp(d->filters[k].entity_type, type) == 0) {
                d->error_message = "an entity type is filtered twice";
                return BROOK_ERR_INVALID;
            }
        if ((f->match_type == BROOK_QUOTA_MATCH_EXACT && !f->match) ||
            (unsigned)f->match_type > BROOK_QUOTA_MATCH_ANY) {
            d->error_message = "an exact match needs a name; match types are 0 exact, 1 default, 2 any";
            return BROOK_ERR_INVALID;
        }
    }
    return BROOK_OK;
}

void brook_handle_describe_client_quotas(brook_req *req)
{
    brook_describe_client_quotas_req *d = &req->pub.u.describe_client_quotas;
    d->entries = NULL;
    d->entry_count = 0;
    if ((d->error = brook_authorize(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_CLUSTER, "kafka-cluster")) ||
        (d->error = check_filters(d)))
        return;
    const brook_quota_rules *rules = brook_client_quotas_rules(req->broker);
    describing ds = {.req = req, .d = d, .cap = rules->rules.count};
    d->entries = brook_request_alloc(&req->pub, sizeof *d->entries * (ds.cap + 1));
    if (!d->entries) {
        d->error = BROOK_ERR_NOMEM;
        return;
    }
    brook_quota_rules_each(rules, add_entry, &ds);
}
