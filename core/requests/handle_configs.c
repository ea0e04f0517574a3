/* DescribeConfigs: what a topic or this broker runs with, named the way
 * Kafka's tools expect. Values come from what the topic sets itself
 * (topic_config.h; in a cluster from the topic's record), then from the
 * broker's settings and the storage and replication plugins' options when
 * they have the matching one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "config_options.h"
#include "handlers.h"

typedef struct builder {
    brook_req *req;
    brook_config_resource *res;
    size_t cap;
    int topic; /* describing a topic (else this broker) */
} builder;

static int wanted(const brook_config_resource *res, const char *name)
{
    if (!res->keys)
        return 1;
    for (size_t i = 0; i < res->key_count; i++)
        if (res->keys[i] && strcmp(res->keys[i], name) == 0)
            return 1;
    return 0;
}

static void add_from(builder *b, const char *name, const char *value, brook_config_source source)
{
    if (!wanted(b->res, name) || b->res->entry_count == b->cap)
        return;
    brook_config_entry *e = &b->res->entries[b->res->entry_count++];
    e->name = name;
    e->value = NULL;
    char *copy = brook_request_alloc(&b->req->pub, strlen(value) + 1);
    if (copy) {
        strcpy(copy, value);
        e->value = copy;
    }
    e->read_only = !b->topic || !brook_topic_config_alterable(name);
    e->is_default = source == BROOK_CONFIG_SOURCE_DEFAULT;
    e->source = source;
}

/* A broker-wide value: the default, or what the configuration file says. */
static void add(builder *b, const char *name, const char *value, int is_default)
{
    add_from(b, name, value, is_default ? BROOK_CONFIG_SOURCE_DEFAULT : BROOK_CONFIG_SOURCE_BROKER);
}

static void add_int(builder *b, const char *name, long long v, int is_default)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", v);
    add(b, name, text, is_default);
}

/* An integer option of a plugin (NULL: none), when the plugin declares it;
 * 0 when not. */
static int add_plugin_int(builder *b, brook_plugin_instance *pi, const char *name, const char *option)
{
    int64_t v;
    if (!pi || !pi->conf || !pi->loaded.desc ||
        brook_options_int(pi->conf->block, pi->loaded.desc->options, option, &v) != BROOK_OK)
        return 0;
    add_int(b, name, v, pi->conf->block == NULL || !config_setting_get_member(pi->conf->block, option));
    return 1;
}

/* The topic's own value of `name`, when it sets one; 0 when not. */
static int add_own(builder *b, const brook_topic_config *own, const char *name)
{
    const char *v = brook_topic_config_get(own, name);
    if (v)
        add_from(b, name, v, BROOK_CONFIG_SOURCE_TOPIC);
    return v != NULL;
}

/* A setting of the topic's storage: the topic's own value, else the
 * storage plugin's option named like it ('_' for '.': "retention_ms" for
 * retention.ms), else `otherwise` (NULL: not shown). */
static void add_storage(builder *b, const brook_topic_config *own, const char *name, const char *otherwise)
{
    if (add_own(b, own, name))
        return;
    char text[64];
    int from_file;
    if (brook_plugin_option_for_config(brook_broker_storage_for(b->req->broker, own), name, text, sizeof text,
                                       &from_file) == BROOK_OK)
        add(b, name, text, !from_file);
    else if (otherwise)
        add(b, name, otherwise, 1);
}

/* The topic's own value of `name` if it sets one, else the default. */
static void add_topic(builder *b, const brook_topic_config *own, const char *name, const char *otherwise)
{
    if (!add_own(b, own, name))
        add_from(b, name, otherwise, BROOK_CONFIG_SOURCE_DEFAULT);
}

static void describe_topic(builder *b, const brook_topic_config *own)
{
    const brook_settings *st = b->req->broker->st;
    add(b, "compression.type", "producer", 1);
    add_topic(b, own, "message.timestamp.type", "CreateTime");
    if (!add_own(b, own, "max.message.bytes"))
        add_int(b, "max.message.bytes", st->max_frame_bytes, 1);
    if (!add_own(b, own, "min.insync.replicas") && !add_plugin_int(b, brook_broker_strategy_for(b->req->broker, own),
                                                                   "min.insync.replicas", "min_insync_replicas"))
        add(b, "min.insync.replicas", "1", 1); /* a strategy without the option: one replica is enough */
    add_topic(b, own, "unclean.leader.election.enable", "false");
    /* Brook's own: which storage instance and strategy the topic runs on (the first of each by default) */
    add_topic(b, own, "brook.storage", brook_broker_storage_for(b->req->broker, NULL)->conf->instance);
    add_topic(b, own, "brook.replication", brook_broker_strategy_for(b->req->broker, NULL)->conf->instance);
    const char *name;
    for (size_t i = 0; (name = brook_topic_config_storage_name(i)); i++)
        add_storage(b, own, name, strcmp(name, "cleanup.policy") == 0 ? "delete" : NULL);
}

static void describe_broker(builder *b)
{
    const brook_settings *st = b->req->broker->st;
    add_int(b, "broker.id", st->broker_id, 0);
    add(b, "log.dirs", st->data_dir, 0);
    add_int(b, "num.partitions", st->default_partitions, 0);
    add(b, "auto.create.topics.enable", st->auto_create_topics ? "true" : "false", 0);
    add_int(b, "message.max.bytes", st->max_frame_bytes, 0);
    add_int(b, "default.replication.factor", 1, 1);
    add(b, "log.cleanup.policy", "delete", 1);
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
                res->error_message = "this broker describes only itself";
                continue;
            }
            if ((res->error = brook_authorize(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_CLUSTER, "kafka-cluster")))
                continue;
            describe_broker(&b);
        } else {
            res->error = BROOK_ERR_UNSUPPORTED;
            res->error_message = "only topic and broker configs can be described";
        }
    }
}
