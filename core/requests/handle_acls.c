/* ACLs over the protocol (Kafka's DescribeAcls, CreateAcls, DeleteAcls):
 * the core checks who asks (DESCRIBE on the cluster to list, ALTER to
 * change, as Kafka does) and each new rule's fields, then hands the work
 * to the authorizer that keeps rules (auth.h, acl_create/acl_list/
 * acl_delete; the first one configured that offers them). Without one,
 * every request answers SECURITY_DISABLED. In a cluster a change is a
 * write to the metadata store, which every broker's authorizer follows
 * (cluster_acls.h); this broker's applies it at once too. */
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "cluster_acls.h"
#include "handlers.h"
#include "log.h"

#define CLUSTER_NAME "kafka-cluster"

brook_plugin_instance *brook_acl_keeper(brook_broker *b)
{
    const brook_plugin_set *set = &b->plugins;
    for (size_t i = 0; i < set->authorizer_count; i++) {
        brook_plugin_instance *p = set->authorizers[i];
        if (brook_has_slot(p, brook_auth_ops, acl_create) && brook_has_slot(p, brook_auth_ops, acl_list) &&
            brook_has_slot(p, brook_auth_ops, acl_delete))
            return p;
    }
    return NULL;
}

/* Why a new rule cannot be kept, or NULL. */
static const char *rule_problem(const brook_acl *a)
{
    if (a->allow != 0 && a->allow != 1)
        return "a rule allows or denies";
    if (a->operation < BROOK_ACL_ALL_OPERATIONS || a->operation > BROOK_OP_CLUSTER_ACTION)
        return "unknown operation (READ, WRITE, CREATE, DELETE, DESCRIBE, ALTER, CLUSTER_ACTION or ALL)";
    if (a->resource_type != BROOK_RESOURCE_TOPIC && a->resource_type != BROOK_RESOURCE_GROUP &&
        a->resource_type != BROOK_RESOURCE_CLUSTER && a->resource_type != BROOK_RESOURCE_TRANSACTIONAL_ID)
        return "Brook authorizes topics, groups, transactional ids and the cluster";
    if (a->pattern != BROOK_ACL_LITERAL && a->pattern != BROOK_ACL_PREFIXED)
        return "a rule's pattern is literal or prefixed";
    if (!a->resource_name || !*a->resource_name)
        return "a rule names its resource";
    if (a->resource_type == BROOK_RESOURCE_CLUSTER &&
        (a->pattern != BROOK_ACL_LITERAL || strcmp(a->resource_name, CLUSTER_NAME) != 0))
        return "the cluster resource is literal \"kafka-cluster\"";
    if (!a->principal || (strcmp(a->principal, "*") != 0 && !strchr(a->principal, ':')))
        return "a principal looks like User:alice (or User:* for anyone)";
    if (!a->host || !*a->host)
        return "a rule names a host (or * for any)";
    for (const char *const *f = (const char *const[]){a->resource_name, a->principal, a->host, NULL}; *f; f++)
        if (strpbrk(*f, " \t\r\n#"))
            return "names, principals and hosts cannot hold spaces or '#'";
    return NULL;
}

/* Who may list (DESCRIBE) or change (ALTER) the cluster's rules; the
 * keeper, or NULL with `error` set. */
static brook_plugin_instance *admit(brook_req *req, brook_auth_operation op, brook_err *error, const char **message)
{
    if ((*error = brook_authorize(req, op, BROOK_RESOURCE_CLUSTER, CLUSTER_NAME)))
        return NULL;
    brook_plugin_instance *keeper = brook_acl_keeper(req->broker);
    if (!keeper) {
        *error = BROOK_ERR_SECURITY_DISABLED;
        *message = "no authorizer that keeps ACLs is configured (auth-acl keeps them in its file)";
    }
    return keeper;
}

/* ---- copies into the request's arena ------------------------------------------ */

/* A growing list of rules, each tagged with the filter it matched. */
typedef struct rule_list {
    brook_req *req;
    struct tagged {
        size_t filter;
        brook_acl acl;
    } * items;
    size_t count, cap;
    int failed;
} rule_list;

static void collect(void *arg, size_t filter, const brook_acl *rule)
{
    rule_list *l = arg;
    if (l->failed)
        return;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct tagged *items = realloc(l->items, cap * sizeof *items);
        if (!items) {
            l->failed = 1;
            return;
        }
        l->items = items;
        l->cap = cap;
    }
    brook_acl copy = *rule;
    copy.resource_name = brook_req_strdup(l->req, rule->resource_name);
    copy.principal = brook_req_strdup(l->req, rule->principal);
    copy.host = brook_req_strdup(l->req, rule->host);
    if (!copy.resource_name || !copy.principal || !copy.host) {
        l->failed = 1;
        return;
    }
    l->items[l->count++] = (struct tagged){filter, copy};
}

static int by_resource(const void *a, const void *b)
{
    const brook_acl *x = &((const struct tagged *)a)->acl, *y = &((const struct tagged *)b)->acl;
    if (x->resource_type != y->resource_type)
        return x->resource_type - y->resource_type;
    if (x->pattern != y->pattern)
        return x->pattern - y->pattern;
    return strcmp(x->resource_name, y->resource_name);
}

/* The rules list `l` tagged with `filter`, in the arena; NULL on no memory. */
static brook_acl *rules_of(rule_list *l, size_t filter, size_t *count)
{
    size_t n = 0;
    for (size_t i = 0; i < l->count; i++)
        n += l->items[i].filter == filter;
    brook_acl *out = brook_request_alloc(&l->req->pub, (n ? n : 1) * sizeof *out);
    *count = 0;
    if (out)
        for (size_t i = 0; i < l->count; i++)
            if (l->items[i].filter == filter)
                out[(*count)++] = l->items[i].acl;
    return out;
}

/* ---- the handlers ------------------------------------------------------------------ */

void brook_handle_describe_acls(brook_req *req)
{
    brook_describe_acls_req *d = &req->pub.u.describe_acls;
    brook_plugin_instance *keeper = admit(req, BROOK_OP_DESCRIBE, &d->error, &d->error_message);
    if (!keeper)
        return;
    rule_list l = {.req = req};
    d->error = brook_auth_of(keeper)->acl_list(keeper->state, &d->filter, collect, &l);
    if (!d->error && l.failed)
        d->error = BROOK_ERR_NOMEM;
    if (!d->error) {
        qsort(l.items, l.count, sizeof *l.items, by_resource); /* the protocol groups rules by resource */
        if (!(d->acls = rules_of(&l, 0, &d->acl_count)))
            d->error = BROOK_ERR_NOMEM;
    }
    free(l.items);
}

static int same_rule(const brook_acl *x, const brook_acl *y)
{
    return x->allow == y->allow && x->operation == y->operation && x->resource_type == y->resource_type &&
           x->pattern == y->pattern && strcmp(x->principal, y->principal) == 0 && strcmp(x->host, y->host) == 0 &&
           strcmp(x->resource_name, y->resource_name) == 0;
}

/* ---- create ------------------------------------------------------------------------- */

typedef struct acl_change {
    brook_req *req;
    brook_plugin_instance *keeper;
    brook_acl *acls; /* create: the rules; delete: the filters */
    size_t *index;   /* create: each rule's creation */
    size_t count;
    rule_list matched; /* delete: the rules each filter matched */
} acl_change;

/* The rules into the authorizer here; each creation's outcome. */
static void create_here(acl_change *ch, brook_err store_err)
{
    brook_create_acls_req *c = &ch->req->pub.u.create_acls;
    brook_err *results = brook_request_alloc(&ch->req->pub, sizeof *results * ch->count);
    const char **messages = brook_request_alloc(&ch->req->pub, sizeof *messages * ch->count);
    brook_err e =
        store_err ? store_err
        : !results || !messages
            ? BROOK_ERR_NOMEM
            : brook_auth_of(ch->keeper)->acl_create(ch->keeper->state, ch->acls, ch->count, results, messages);
    for (size_t k = 0; k < ch->count; k++) {
        brook_acl_creation *cr = &c->creations[ch->index[k]];
        cr->error = e ? e : results[k];
        cr->error_message = e ? "the rules could not be stored (see the broker's log)" : messages[k];
    }
    log_info("ACLs: %s added %zu rule(s)%s%s",
             ch->req->pub.principal ? ch->req->pub.principal : BROOK_PRINCIPAL_ANONYMOUS, ch->count,
             brook_cluster_acls_following(ch->req->broker) ? " to the cluster" : "", e ? " - failed" : "");
}

static void created_in_store(void *arg, brook_err err)
{
    acl_change *ch = arg;
    create_here(ch, err);
    brook_req_release(ch->req);
}

void brook_handle_create_acls(brook_req *req)
{
    brook_create_acls_req *c = &req->pub.u.create_acls;
    brook_err denied = BROOK_OK;
    const char *why = NULL;
    brook_plugin_instance *keeper = admit(req, BROOK_OP_ALTER, &denied, &why);
    size_t n = c->creation_count;
    acl_change *ch = brook_request_alloc(&req->pub, sizeof *ch);
    brook_acl *acls = brook_request_alloc(&req->pub, sizeof *acls * (n + 1));
    size_t *index = brook_request_alloc(&req->pub, sizeof *index * (n + 1));
    if (keeper && (!ch || !acls || !index)) {
        keeper = NULL;
        denied = BROOK_ERR_NOMEM;
        why = NULL;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        brook_acl_creation *cr = &c->creations[i];
        if (!keeper) {
            cr->error = denied;
            cr->error_message = why;
        } else if (!cr->error && (cr->error_message = rule_problem(&cr->acl))) {
            cr->error = BROOK_ERR_INVALID;
        } else if (!cr->error) {
            index[kept] = i;
            acls[kept++] = cr->acl;
        }
    }
    if (!kept)
        return;
    *ch = (acl_change){.req = req, .keeper = keeper, .acls = acls, .index = index, .count = kept};
    if (!brook_cluster_acls_following(req->broker)) {
        create_here(ch, BROOK_OK);
        return;
    }
    req->pending++;
    brook_err e = brook_cluster_acls_write(req->broker, acls, kept, 0, created_in_store, ch);
    if (e) {
        req->pending--;
        create_here(ch, e);
    }
}

/* ---- delete ------------------------------------------------------------------------- */

/* The rules gone here and what each filter matched, into the answer. */
static void delete_here(acl_change *ch, brook_err store_err)
{
    brook_delete_acls_req *d = &ch->req->pub.u.delete_acls;
    rule_list removed = {.req = ch->req};
    brook_err e = store_err;
    if (!e) /* in a cluster the filters matched the rules listed before the store changed: report those */
        e = brook_auth_of(ch->keeper)
                ->acl_delete(ch->keeper->state, ch->acls, ch->count, collect,
                             brook_cluster_acls_following(ch->req->broker) ? &removed : &ch->matched);
    if (!e && (ch->matched.failed || removed.failed))
        e = BROOK_ERR_NOMEM;
    for (size_t i = 0; i < d->filter_count; i++) {
        brook_acl_deletion *f = &d->filters[i];
        f->error = e;
        f->error_message = e ? "the rules could not be stored (see the broker's log)" : NULL;
        if (!e && !(f->deleted = rules_of(&ch->matched, i, &f->deleted_count)))
            f->error = BROOK_ERR_NOMEM;
    }
    log_info("ACLs: %s removed the rules of %zu filter(s) (%zu match(es))%s",
             ch->req->pub.principal ? ch->req->pub.principal : BROOK_PRINCIPAL_ANONYMOUS, d->filter_count,
             ch->matched.count, e ? " - failed" : "");
    free(ch->matched.items);
    free(removed.items);
}

static void deleted_in_store(void *arg, brook_err err)
{
    acl_change *ch = arg;
    delete_here(ch, err);
    brook_req_release(ch->req);
}

/* What filter `i` matches here, tagged with i. */
typedef struct tagging {
    rule_list *list;
    size_t filter;
} tagging;

static void collect_tagged(void *arg, size_t filter, const brook_acl *rule)
{
    (void)filter;
    tagging *t = arg;
    collect(t->list, t->filter, rule);
}

void brook_handle_delete_acls(brook_req *req)
{
    brook_delete_acls_req *d = &req->pub.u.delete_acls;
    brook_err error = BROOK_OK;
    const char *why = NULL;
    brook_plugin_instance *keeper = admit(req, BROOK_OP_ALTER, &error, &why);
    acl_change *ch = brook_request_alloc(&req->pub, sizeof *ch);
    brook_acl *filters = brook_request_alloc(&req->pub, sizeof *filters * (d->filter_count + 1));
    if (keeper && (!ch || !filters)) {
        keeper = NULL;
        error = BROOK_ERR_NOMEM;
    }
    if (!keeper) {
        for (size_t i = 0; i < d->filter_count; i++) {
            d->filters[i].error = error;
            d->filters[i].error_message = why;
        }
        return;
    }
    for (size_t i = 0; i < d->filter_count; i++)
        filters[i] = d->filters[i].filter;
    *ch = (acl_change){.req = req, .keeper = keeper, .acls = filters, .count = d->filter_count};
    ch->matched.req = req;
    if (!brook_cluster_acls_following(req->broker)) {
        delete_here(ch, BROOK_OK);
        return;
    }
    /* In a cluster: the rules the filters match (as this broker has them, the cluster's), out of the store */
    for (size_t i = 0; i < d->filter_count; i++)
        brook_auth_of(keeper)->acl_list(keeper->state, &filters[i], collect_tagged, &(tagging){&ch->matched, i});
    brook_acl *unique = brook_request_alloc(&req->pub, sizeof *unique * (ch->matched.count + 1));
    size_t n = 0;
    for (size_t i = 0; unique && i < ch->matched.count; i++) {
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = same_rule(&ch->matched.items[k].acl, &ch->matched.items[i].acl);
        if (!seen)
            unique[n++] = ch->matched.items[i].acl;
    }
    brook_err e = !unique || ch->matched.failed ? BROOK_ERR_NOMEM : BROOK_OK;
    if (!e && n == 0) {
        delete_here(ch, BROOK_OK);
        return;
    }
    req->pending++;
    if (!e)
        e = brook_cluster_acls_write(req->broker, unique, n, 1, deleted_in_store, ch);
    if (e) {
        req->pending--;
        delete_here(ch, e);
    }
}
