/* AlterConfigs and IncrementalAlterConfigs: a topic's own configs changed
 * while it runs. Each change is checked as at creation (known names, good
 * values, what the topic's storage takes); brook.storage and
 * brook.replication stay what the topic was created with. AlterConfigs
 * replaces the topic's whole set; the incremental form sets or deletes
 * single keys, or adds to or takes from a list (cleanup.policy). A single broker saves its registry and applies the
 * storage settings to the open partitions at once; in a cluster the broker asked rewrites the topic's record
 * (topic_config_writes.h) and every broker applies it when its image sees the change. A broker's own settings come from
 * its configuration file, but for its dynamic configs (the replication throttle rates, broker_configs.h): a cluster
 * keeps those for each broker and as its default, changed here. */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "broker.h"
#include "broker_configs.h"
#include "handlers.h"
#include "topic_config_writes.h"

/* Fail the resource with a message made like printf's, in the request. */
static brook_err fail(brook_req *req, brook_alter_resource *r, brook_err e, const char *fmt, ...)
{
    char why[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    char *message = brook_request_alloc(&req->pub, strlen(why) + 1);
    r->error_message = message ? strcpy(message, why) : "a topic config was refused";
    return r->error = e;
}

/* What a list config is before an APPEND or SUBTRACT: the topic's own
 * value, else its storage's default (text in `buf`), else none. */
static const char *current_value(brook_req *req, const brook_topic_config *c, const char *name,
                                 brook_option_for_config *buf)
{
    const char *own = name ? brook_topic_config_get(c, name) : NULL;
    if (own || !name)
        return own;
    if (brook_topic_config_by_storage(name) &&
        brook_plugin_option_for_config(brook_broker_storage_for(req->broker, c), name, buf) == BROOK_OK)
        return buf->value;
    return NULL;
}

/* Whether the topic, its configs `before`, may take `value` for `name`. */
static brook_err check_value(brook_req *req, brook_alter_resource *r, const brook_topic_config *before,
                             const char *name, const char *value)
{
    char why[256];
    if (brook_topic_config_check(name, value, why, sizeof why))
        return fail(req, r, BROOK_ERR_INVALID, "%s", why);
    const char *was = brook_topic_config_get(before, name);
    if (brook_topic_config_fixed(name) && (value || was) && (!value || !was || strcmp(value, was) != 0))
        return fail(req, r, BROOK_ERR_INVALID, "%s: fixed when the topic is created", name);
    if (value && brook_topic_config_by_storage(name)) {
        brook_plugin_instance *storage = brook_broker_storage_for(req->broker, before);
        if (!storage)
            return fail(req, r, BROOK_ERR_INVALID, "%s: this broker does not run the topic's storage", name);
        if (brook_broker_storage_takes(storage, name, value, why, sizeof why))
            return fail(req, r, BROOK_ERR_INVALID, "%s", why);
    }
    return BROOK_OK;
}

/* One change applied to `next`, checked against the topic's configs `before`. */
static brook_err change_one(brook_req *req, brook_alter_resource *r, const brook_topic_config *before,
                            brook_topic_config *next, const brook_config_change *c)
{
    char why[256], *edited = NULL;
    brook_option_for_config current;
    const char *value = c->op == BROOK_CONFIG_OP_SET ? c->value : NULL;
    if (c->op == BROOK_CONFIG_OP_APPEND || c->op == BROOK_CONFIG_OP_SUBTRACT) {
        brook_err e = brook_topic_config_list_edit(c->name, current_value(req, next, c->name, &current), c->value,
                                                   c->op == BROOK_CONFIG_OP_APPEND, &edited, why, sizeof why);
        if (e)
            return e == BROOK_ERR_NOMEM ? (r->error = e) : fail(req, r, BROOK_ERR_INVALID, "%s", why);
        value = edited;
    } else if (c->op != BROOK_CONFIG_OP_SET && c->op != BROOK_CONFIG_OP_DELETE) {
        return fail(req, r, BROOK_ERR_INVALID, "%s: unknown operation %d", c->name ? c->name : "(null)", (int)c->op);
    }
    brook_err e = check_value(req, r, before, c->name, value);
    if (!e && brook_topic_config_set(next, c->name, value))
        e = r->error = BROOK_ERR_NOMEM;
    free(edited);
    return e;
}

/* The topic's configs after the request: the incremental form starts from
 * what the topic has, AlterConfigs from nothing but what is fixed. */
static brook_err next_configs(brook_req *req, brook_alter_resource *r, const brook_topic_config *before,
                              brook_topic_config *next)
{
    int incremental = req->pub.u.alter_configs.incremental;
    for (size_t i = 0; i < before->count; i++)
        if ((incremental || brook_topic_config_fixed(before->items[i].name)) &&
            brook_topic_config_set(next, before->items[i].name, before->items[i].value))
            return r->error = BROOK_ERR_NOMEM;
    for (size_t i = 0; i < r->change_count; i++) {
        const brook_config_change *c = &r->changes[i];
        for (size_t k = 0; c->name && k < i; k++)
            if (r->changes[k].name && strcmp(r->changes[k].name, c->name) == 0)
                return fail(req, r, BROOK_ERR_INVALID, "%s: given twice", c->name);
        brook_err e = change_one(req, r, before, next, c);
        if (e)
            return e;
    }
    return BROOK_OK;
}

typedef struct cluster_alter {
    brook_req *req;
    brook_alter_resource *r;
} cluster_alter;

static void cluster_altered(void *arg, brook_err err)
{
    cluster_alter *ca = arg;
    ca->r->error = err;
    if (err == BROOK_ERR_AGAIN)
        ca->r->error_message = "the topic changed meanwhile (another change, or it was deleted): try again";
    brook_req_release(ca->req);
}

/* The request waits for a write to the cluster on behalf of `r`: the
 * write's callback argument, or NULL (r->error set) without memory. */
static cluster_alter *await_write(brook_req *req, brook_alter_resource *r)
{
    cluster_alter *ca = brook_request_alloc(&req->pub, sizeof *ca);
    if (!ca) {
        r->error = BROOK_ERR_NOMEM;
        return NULL;
    }
    *ca = (cluster_alter){.req = req, .r = r};
    req->pending++;
    return ca;
}

/* The write did not start (`e`): nothing to wait for. */
static void write_started(brook_req *req, brook_alter_resource *r, brook_err e)
{
    if ((r->error = e))
        req->pending--;
}

static void commit(brook_req *req, brook_alter_resource *r, const brook_topic_config *next)
{
    brook_broker *b = req->broker;
    if (!b->st->clustered) {
        r->error = brook_broker_set_topic_configs(b, r->name, next);
        return;
    }
    cluster_alter *ca = await_write(req, r);
    if (ca)
        write_started(req, r, brook_cluster_write_topic_configs(b, r->name, next, cluster_altered, ca));
}

static void alter_topic(brook_req *req, brook_alter_resource *r)
{
    if ((r->error = brook_authorize(req, BROOK_OP_ALTER, BROOK_RESOURCE_TOPIC, r->name ? r->name : "")))
        return;
    const brook_topic_config *before = r->name ? brook_broker_topic_configs(req->broker, r->name) : NULL;
    if (!before) {
        r->error = BROOK_ERR_NOT_FOUND;
        return;
    }
    brook_topic_config next = {0};
    if (!next_configs(req, r, before, &next) && !req->pub.u.alter_configs.validate_only)
        commit(req, r, &next);
    brook_topic_config_clear(&next);
}

/* ---- a broker's dynamic configs (broker_configs.h) ---------------------------------- */

/* The values of `entity`'s dynamic configs after the request, parallel
 * to brook_broker_config_dynamic_name (NULL: none set). */
static brook_err next_broker_values(brook_req *req, brook_alter_resource *r, const char **values)
{
    char why[320];
    int incremental = req->pub.u.alter_configs.incremental;
    const char *name;
    for (size_t k = 0; (name = brook_broker_config_dynamic_name(k)); k++)
        values[k] = incremental ? brook_broker_configs_get(req->broker, r->name, name) : NULL;
    for (size_t i = 0; i < r->change_count; i++) {
        const brook_config_change *c = &r->changes[i];
        for (size_t k = 0; c->name && k < i; k++)
            if (r->changes[k].name && strcmp(r->changes[k].name, c->name) == 0)
                return fail(req, r, BROOK_ERR_INVALID, "%s: given twice", c->name);
        if (c->op == BROOK_CONFIG_OP_APPEND || c->op == BROOK_CONFIG_OP_SUBTRACT)
            return fail(req, r, BROOK_ERR_INVALID, "%s: not a list config (append and subtract take lists only)",
                        c->name ? c->name : "(null)");
        if (c->op != BROOK_CONFIG_OP_SET && c->op != BROOK_CONFIG_OP_DELETE)
            return fail(req, r, BROOK_ERR_INVALID, "%s: unknown operation %d", c->name ? c->name : "(null)",
                        (int)c->op);
        const char *value = c->op == BROOK_CONFIG_OP_SET ? c->value : NULL;
        if (brook_broker_config_check(c->name, value, why, sizeof why))
            return fail(req, r, BROOK_ERR_INVALID, "%s", why);
        for (size_t k = 0; (name = brook_broker_config_dynamic_name(k)); k++)
            if (strcmp(name, c->name) == 0)
                values[k] = value;
    }
    return BROOK_OK;
}

/* Kafka's: for broker `r->name` (an id, or "" for the cluster's default),
 * written to the cluster, which every broker follows. */
static void alter_broker(brook_req *req, brook_alter_resource *r)
{
    brook_broker *b = req->broker;
    if ((r->error = brook_authorize(req, BROOK_OP_ALTER, BROOK_RESOURCE_CLUSTER, "kafka-cluster")))
        return;
    if (!brook_broker_configs_following(b)) {
        fail(req, r, BROOK_ERR_INVALID,
             "a broker that runs alone has no replication to throttle: its settings come from its configuration file");
        return;
    }
    if (brook_broker_config_entity_check(r->name)) {
        fail(req, r, BROOK_ERR_INVALID, "\"%s\" is not a broker id (nor \"\", the cluster's default)",
             r->name ? r->name : "(null)");
        return;
    }
    const char *names[8], *values[8];
    size_t n = 0;
    while (n < 8 && (names[n] = brook_broker_config_dynamic_name(n)))
        n++;
    if (next_broker_values(req, r, values) || req->pub.u.alter_configs.validate_only)
        return;
    cluster_alter *ca = await_write(req, r);
    if (ca)
        write_started(req, r, brook_broker_configs_write(b, r->name, names, values, n, cluster_altered, ca));
}

void brook_handle_alter_configs(brook_req *req)
{
    brook_alter_configs_req *a = &req->pub.u.alter_configs;
    for (size_t i = 0; i < a->resource_count; i++) {
        brook_alter_resource *r = &a->resources[i];
        r->error = BROOK_OK;
        r->error_message = NULL;
        if (r->type == BROOK_CONFIG_TOPIC)
            alter_topic(req, r);
        else if (r->type == BROOK_CONFIG_BROKER)
            alter_broker(req, r);
        else
            fail(req, r, BROOK_ERR_UNSUPPORTED, "only topic and broker configs can be changed");
    }
}
