/* DescribeConfigs: what a topic or this broker runs with, named the way
 * Kafka's tools expect. Each config's value comes from the first of its
 * synonyms, listed most specific first as Kafka does: what the topic sets
 * itself (topic_config.h; in a cluster from the topic's record), then the
 * option of the storage or replication plugin named like it as the
 * configuration file sets it, then the default the plugin declares, or
 * Kafka's default where no plugin has the setting. A broker's dynamic
 * configs (broker_configs.h) come from its own value in the cluster, then
 * the cluster's default, then Kafka's; the resource "" describes the
 * cluster's defaults alone, as Kafka's does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "broker_configs.h"
#include "handlers.h"

typedef struct builder {
    brook_req *req;
    brook_config_resource *res;
    size_t cap;
    int topic; /* describing a topic (else this broker) */
} builder;

/* Where one config's value may come from, most specific first. */
typedef struct chain {
    brook_config_synonym links[4];
    size_t n;
} chain;

static int wanted(const brook_config_resource *res, const char *name)
{
    if (!res->keys)
        return 1;
    for (size_t i = 0; i < res->key_count; i++)
        if (res->keys[i] && strcmp(res->keys[i], name) == 0)
            return 1;
    return 0;
}

static const char *copy_text(builder *b, const char *text)
{
    char *copy = brook_request_alloc(&b->req->pub, strlen(text) + 1);
    return copy ? strcpy(copy, text) : NULL;
}

static void link(builder *b, chain *c, const char *name, const char *value, brook_config_source source)
{
    if (c->n == sizeof c->links / sizeof c->links[0] || !value)
        return;
    c->links[c->n++] =
        (brook_config_synonym){.name = copy_text(b, name), .value = copy_text(b, value), .source = source};
}

static void link_int(builder *b, chain *c, const char *name, long long v, brook_config_source source)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", v);
    link(b, c, name, text, source);
}

/* The topic's own value of `name`, when it sets one. */
static void link_own(builder *b, chain *c, const brook_topic_config *own, const char *name)
{
    link(b, c, name, brook_topic_config_get(own, name), BROOK_CONFIG_SOURCE_TOPIC);
}

/* A plugin's option named like `name` ("<instance>.retention_ms" for
 * retention.ms): as the file sets it, then as the plugin declares it. */
static void link_plugin(builder *b, chain *c, const brook_plugin_instance *pi, const char *name)
{
    brook_option_for_config o;
    if (brook_plugin_option_for_config(pi, name, &o) != BROOK_OK)
        return;
    char synonym[160];
    snprintf(synonym, sizeof synonym, "%s.%s", pi->conf->instance, o.option);
    if (o.from_file)
        link(b, c, synonym, o.value, BROOK_CONFIG_SOURCE_BROKER);
    link(b, c, synonym, o.declared, BROOK_CONFIG_SOURCE_DEFAULT);
}

/* The entry for `name`, its value from the chain's first link. */
static void emit(builder *b, const char *name, const chain *c)
{
    if (!wanted(b->res, name) || b->res->entry_count == b->cap || c->n == 0)
        return;
    brook_config_entry *e = &b->res->entries[b->res->entry_count++];
    brook_config_synonym *links = brook_request_alloc(&b->req->pub, sizeof *links * c->n);
    if (links)
        memcpy(links, c->links, sizeof *links * c->n);
    e->name = name;
    e->value = c->links[0].value;
    e->source = c->links[0].source;
    e->is_default = e->source == BROOK_CONFIG_SOURCE_DEFAULT;
    e->read_only = b->topic ? !brook_topic_config_alterable(name)
                            : !brook_broker_configs_following(b->req->broker) || !brook_broker_config_dynamic(name);
    e->synonyms = links;
    e->synonym_count = links ? c->n : 0;
}

/* A config with a single, fixed value: the default, or what the file says. */
static void emit_fixed(builder *b, const char *name, const char *value, brook_config_source source)
{
    chain c = {.n = 0};
    link(b, &c, name, value, source);
    emit(b, name, &c);
}

static void emit_fixed_int(builder *b, const char *name, long long v, brook_config_source source)
{
    chain c = {.n = 0};
    link_int(b, &c, name, v, source);
    emit(b, name, &c);
}

/* The topic's value if it sets one, else Kafka's default. */
static void emit_topic(builder *b, const brook_topic_config *own, const char *name, const char *otherwise)
{
    chain c = {.n = 0};
    link_own(b, &c, own, name);
    link(b, &c, name, otherwise, BROOK_CONFIG_SOURCE_DEFAULT);
    emit(b, name, &c);
}

/* The topic's value, else its plugin's option, else `otherwise` (NULL:
 * not shown when no plugin has it). */
static void emit_plugin(builder *b, const brook_topic_config *own, const char *name, const brook_plugin_instance *pi,
                        const char *otherwise)
{
    chain c = {.n = 0};
    link_own(b, &c, own, name);
    link_plugin(b, &c, pi, name);
    if (c.n == 0 || c.links[c.n - 1].source != BROOK_CONFIG_SOURCE_DEFAULT)
        link(b, &c, name, otherwise, BROOK_CONFIG_SOURCE_DEFAULT);
    emit(b, name, &c);
}

static void describe_topic(builder *b, const brook_topic_config *own)
{
    brook_broker *broker = b->req->broker;
    emit_fixed(b, "compression.type", "producer", BROOK_CONFIG_SOURCE_DEFAULT);
    emit_topic(b, own, "message.timestamp.type", "CreateTime");
    chain c = {.n = 0};
    link_own(b, &c, own, "max.message.bytes");
    link_int(b, &c, "limits.max_frame_bytes", broker->st->max_frame_bytes, BROOK_CONFIG_SOURCE_DEFAULT);
    emit(b, "max.message.bytes", &c);
    /* a strategy without the option: one replica is enough */
    emit_plugin(b, own, "min.insync.replicas", brook_broker_strategy_for(broker, own), "1");
    emit_topic(b, own, "unclean.leader.election.enable", "false");
    emit_topic(b, own, "leader.replication.throttled.replicas", "");
    emit_topic(b, own, "follower.replication.throttled.replicas", "");
    /* Brook's own: which storage instance and strategy the topic runs on (the first of each by default) */
    emit_topic(b, own, "brook.storage", brook_broker_storage_for(broker, NULL)->conf->instance);
    emit_topic(b, own, "brook.replication", brook_broker_strategy_for(broker, NULL)->conf->instance);
    const char *name;
    for (size_t i = 0; (name = brook_topic_config_storage_name(i)); i++)
        emit_plugin(b, own, name, brook_broker_storage_for(broker, own),
                    strcmp(name, "cleanup.policy") == 0 ? "delete" : NULL);
}

static void describe_broker(builder *b)
{
    const brook_settings *st = b->req->broker->st;
    emit_fixed_int(b, "broker.id", st->broker_id, BROOK_CONFIG_SOURCE_BROKER);
    emit_fixed(b, "log.dirs", st->data_dir, BROOK_CONFIG_SOURCE_BROKER);
    emit_fixed_int(b, "num.partitions", st->default_partitions, BROOK_CONFIG_SOURCE_BROKER);
    emit_fixed(b, "auto.create.topics.enable", st->auto_create_topics ? "true" : "false", BROOK_CONFIG_SOURCE_BROKER);
    emit_fixed_int(b, "message.max.bytes", st->max_frame_bytes, BROOK_CONFIG_SOURCE_BROKER);
    emit_fixed_int(b, "default.replication.factor", 1, BROOK_CONFIG_SOURCE_DEFAULT);
    emit_fixed(b, "log.cleanup.policy", "delete", BROOK_CONFIG_SOURCE_DEFAULT);
    emit_fixed(b, "broker.rack", st->rack, BROOK_CONFIG_SOURCE_BROKER); /* (not shown without one) */
    /* cluster.replica_selector, by the name Kafka's tools show (its default: none) */
    emit_fixed(b, "replica.selector.class",
               st->rack_aware_reads ? "org.apache.kafka.common.replica.RackAwareReplicaSelector" : NULL,
               BROOK_CONFIG_SOURCE_BROKER);
    /* the dynamic ones: this broker's own value, the cluster's default, Kafka's */
    char id[16];
    snprintf(id, sizeof id, "%d", st->broker_id);
    const char *name;
    for (size_t i = 0; (name = brook_broker_config_dynamic_name(i)); i++) {
        chain c = {.n = 0};
        link(b, &c, name, brook_broker_configs_get(b->req->broker, id, name), BROOK_CONFIG_SOURCE_DYNAMIC_BROKER);
        link(b, &c, name, brook_broker_configs_get(b->req->broker, BROOK_BROKER_CONFIG_DEFAULT, name),
             BROOK_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER);
        link(b, &c, name, brook_broker_config_kafka_default(name), BROOK_CONFIG_SOURCE_DEFAULT);
        emit(b, name, &c);
    }
}

/* Kafka's for the broker resource "": the cluster's dynamic defaults that are set. */
static void describe_broker_default(builder *b)
{
    const char *name;
    for (size_t i = 0; (name = brook_broker_config_dynamic_name(i)); i++)
        emit_fixed(b, name, brook_broker_configs_get(b->req->broker, BROOK_BROKER_CONFIG_DEFAULT, name),
                   BROOK_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER);
}

void brook_handle_describe_configs(brook_req *req)
{
    brook_describe_configs_req *d = &req->pub.u.describe_configs;
    for (size_t i = 0; i < d->resource_count; i++) {
        brook_config_resource *res = &d->resources[i];
        builder b = {.req = req, .res = res, .cap = 32};
        res->entries = brook_request_alloc(&req->pub, sizeof *res->entries * b.cap);
        if (!res->entries) {
            res->error = BROOK_ERR_NOMEM;
            continue;
        }
        if (res->type == BROOK_CONFIG_TOPIC) {
            const brook_topic_config *own = res->name ? brook_broker_topic_configs(req->broker, res->name) : NULL;
            if ((res->error =
                     brook_authorize(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_TOPIC, res->name ? res->name : "")))
                continue;
            if (!own) {
                res->error = BROOK_ERR_NOT_FOUND;
                continue;
            }
            b.topic = 1;
            describe_topic(&b, own);
        } else if (res->type == BROOK_CONFIG_BROKER) {
            char id[16];
            snprintf(id, sizeof id, "%d", req->broker->st->broker_id);
            if (res->name && res->name[0] && strcmp(res->name, id) != 0) {
                res->error = BROOK_ERR_INVALID;
                res->error_message = "this broker describes only itself (or \"\", the cluster's default)";
                continue;
            }
            if ((res->error = brook_authorize(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_CLUSTER, "kafka-cluster")))
                continue;
            if (res->name && res->name[0])
                describe_broker(&b);
            else
                describe_broker_default(&b);
        } else {
            res->error = BROOK_ERR_UNSUPPORTED;
            res->error_message = "only topic and broker configs can be described";
        }
    }
}
