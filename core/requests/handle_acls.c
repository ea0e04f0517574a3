/* ACLs over the protocol (Kafka's DescribeAcls, CreateAcls, DeleteAcls):
 * the core checks who asks (DESCRIBE on the cluster to list, ALTER to
 * change, as Kafka does) and each new rule's fields, then hands the work
 * to the authorizer that keeps rules (auth.h, acl_create/acl_list/
 * acl_delete; the first one configured that offers them). Without one,
 * every request answers SECURITY_DISABLED. */
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "handlers.h"
#include "log.h"

#define CLUSTER_NAME "kafka-cluster"

static brook_plugin_instance *acl_keeper(brook_req *req)
{
    const brook_plugin_set *set = &req->broker->plugins;
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
        a->resource_type != BROOK_RESOURCE_CLUSTER)
        return "Brook authorizes topics, groups and the cluster";
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
    brook_plugin_instance *keeper = acl_keeper(req);
    if (!keeper) {
        *error = BROOK_ERR_SECURITY_DISABLED;
        *message = "no authorizer that keeps ACLs is configured (auth-acl keeps them in its file)";
    }
    return keeper;
}

/* ---- copies into the request's arena ------------------------------------------ */

static const char *arena_str(brook_req *req, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *c = brook_request_alloc(&req->pub, n);
    if (c)
        memcpy(c, s, n);
    return c;
}

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
    copy.resource_name = arena_str(l->req, rule->resource_name);
    copy.principal = arena_str(l->req, rule->principal);
    copy.host = arena_str(l->req, rule->host);
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

void brook_handle_create_acls(brook_req *req)
{
    brook_create_acls_req *c = &req->pub.u.create_acls;
    brook_err denied = BROOK_OK;
    const char *why = NULL;
    brook_plugin_instance *keeper = admit(req, BROOK_OP_ALTER, &denied, &why);
    size_t n = c->creation_count, kept = 0;
    brook_acl *acls = calloc(n ? n : 1, sizeof *acls);
    size_t *index = calloc(n ? n : 1, sizeof *index);
    brook_err *results = calloc(n ? n : 1, sizeof *results);
    const char **messages = calloc(n ? n : 1, sizeof *messages);
    if (keeper && (!acls || !index || !results || !messages)) {
        keeper = NULL;
        denied = BROOK_ERR_NOMEM;
        why = NULL;
    }
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
    if (kept) {
        brook_err e = brook_auth_of(keeper)->acl_create(keeper->state, acls, kept, results, messages);
        for (size_t k = 0; k < kept; k++) {
            brook_acl_creation *cr = &c->creations[index[k]];
            cr->error = e ? e : results[k];
            cr->error_message = e ? "the authorizer could not store the rules (see the broker's log)" : messages[k];
        }
        log_info("ACLs: %s added %zu rule(s)%s", req->pub.principal ? req->pub.principal : BROOK_PRINCIPAL_ANONYMOUS,
                 kept, e ? " - failed" : "");
    }
    free(acls);
    free(index);
    free(results);
    free(messages);
}

void brook_handle_delete_acls(brook_req *req)
{
    brook_delete_acls_req *d = &req->pub.u.delete_acls;
    brook_err error = BROOK_OK;
    const char *why = NULL;
    brook_plugin_instance *keeper = admit(req, BROOK_OP_ALTER, &error, &why);
    brook_acl *filters = calloc(d->filter_count ? d->filter_count : 1, sizeof *filters);
    rule_list l = {.req = req};
    if (keeper && !filters)
        error = BROOK_ERR_NOMEM;
    if (keeper && filters) {
        for (size_t i = 0; i < d->filter_count; i++)
            filters[i] = d->filters[i].filter;
        error = brook_auth_of(keeper)->acl_delete(keeper->state, filters, d->filter_count, collect, &l);
        why = error ? "the authorizer could not store the rules (see the broker's log)" : NULL;
        if (!error && l.failed) /* removed, but the answer cannot list them */
            error = BROOK_ERR_NOMEM;
        log_info("ACLs: %s removed the rules of %zu filter(s) (%zu match(es))%s",
                 req->pub.principal ? req->pub.principal : BROOK_PRINCIPAL_ANONYMOUS, d->filter_count, l.count,
                 error ? " - failed" : "");
    }
    for (size_t i = 0; i < d->filter_count; i++) {
        brook_acl_deletion *f = &d->filters[i];
        f->error = error;
        f->error_message = why;
        if (!error && !(f->deleted = rules_of(&l, i, &f->deleted_count)))
            f->error = BROOK_ERR_NOMEM;
    }
    free(l.items);
    free(filters);
}
