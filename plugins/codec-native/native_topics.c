/* codec-native: topic administration (what brookctl's topics commands
 * send): a topic's (or a broker's) configs described and changed, partitions added,
 * records deleted, and the parts of create_topic beyond a name. Each maps
 * onto the same neutral request Kafka's admin APIs use, so a topic
 * administered either way behaves the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native.h"

#define MAX_CONFIGS     256
#define CONFIG_TEXT_MAX (256 * 1024 + 1) /* a throttled-replicas list at its longest, and more: the core says why */

/* A config name or value, copied NUL-terminated into the request; NULL for
 * nil when `nil_ok`. */
static int copy_str(decoder *d, const msgpack_object *o, int nil_ok, const char **out, const char *msg)
{
    return native_copy_str(d, o, nil_ok, CONFIG_TEXT_MAX, out, msg);
}

/* "configs": {name: value (string, or nil for the default)} */
int native_decode_topic_configs(decoder *d, brook_topic_create *tc)
{
    const msgpack_object *m = native_field(d->map, "configs");
    if (!m || m->type == MSGPACK_OBJECT_NIL)
        return 0;
    if (m->type != MSGPACK_OBJECT_MAP || m->via.map.size > MAX_CONFIGS)
        return native_fail(d, "\"configs\" must be a map of config names to string values");
    brook_config_pair *pairs = brook_request_alloc(d->req, sizeof *pairs * (m->via.map.size + 1));
    if (!pairs)
        return native_fail(d, "out of memory");
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        if (copy_str(d, &m->via.map.ptr[i].key, 0, &pairs[i].name, "a config name must be a non-empty string") ||
            copy_str(d, &m->via.map.ptr[i].val, 1, &pairs[i].value, "a config value must be a string (or nil)"))
            return -1;
    }
    tc->configs = pairs;
    tc->config_count = m->via.map.size;
    return 0;
}

/* The resource a configs op names: "topic": NAME, or "broker": an id or
 * "default" (the cluster's default, Kafka's resource ""). */
static int config_target(decoder *d, brook_config_resource_type *type, const char **name)
{
    const msgpack_object *broker = native_field(d->map, "broker");
    if (!broker) {
        *type = BROOK_CONFIG_TOPIC;
        return native_get_str(d, d->map, "topic", name, "\"topic\" (or \"broker\") must be a non-empty string");
    }
    *type = BROOK_CONFIG_BROKER;
    if (broker->type == MSGPACK_OBJECT_STR && broker->via.str.size == 7 &&
        memcmp(broker->via.str.ptr, "default", 7) == 0) {
        *name = "";
        return 0;
    }
    if (broker->type != MSGPACK_OBJECT_POSITIVE_INTEGER || broker->via.u64 > INT32_MAX)
        return native_fail(d, "\"broker\" must be a broker id or \"default\"");
    char *text = brook_request_alloc(d->req, 12);
    if (!text)
        return native_fail(d, "out of memory");
    snprintf(text, 12, "%d", (int)broker->via.u64);
    *name = text;
    return 0;
}

static int decode_describe_configs(decoder *d)
{
    brook_describe_configs_req *dc = &d->req->u.describe_configs;
    brook_config_resource *res = brook_request_alloc(d->req, sizeof *res);
    if (!res)
        return native_fail(d, "out of memory");
    if (config_target(d, &res->type, &res->name))
        return -1;
    dc->resources = res;
    dc->resource_count = 1;
    d->req->type = BROOK_REQ_DESCRIBE_CONFIGS;
    return 0;
}

/* "set": {name: value}, "delete": [name]: one change each. */
static int decode_alter_configs(decoder *d)
{
    brook_alter_configs_req *a = &d->req->u.alter_configs;
    brook_alter_resource *res = brook_request_alloc(d->req, sizeof *res);
    if (!res)
        return native_fail(d, "out of memory");
    if (config_target(d, &res->type, &res->name))
        return -1;
    const msgpack_object *set = native_field(d->map, "set"), *del = native_field(d->map, "delete");
    if (set && set->type != MSGPACK_OBJECT_MAP && set->type != MSGPACK_OBJECT_NIL)
        return native_fail(d, "\"set\" must be a map of config names to string values");
    if (del && del->type != MSGPACK_OBJECT_ARRAY && del->type != MSGPACK_OBJECT_NIL)
        return native_fail(d, "\"delete\" must be an array of config names");
    size_t n_set = set && set->type == MSGPACK_OBJECT_MAP ? set->via.map.size : 0;
    size_t n_del = del && del->type == MSGPACK_OBJECT_ARRAY ? del->via.array.size : 0;
    if (n_set + n_del == 0 || n_set + n_del > MAX_CONFIGS)
        return native_fail(d, "nothing to change: give \"set\" and/or \"delete\"");
    brook_config_change *changes = brook_request_alloc(d->req, sizeof *changes * (n_set + n_del));
    if (!changes)
        return native_fail(d, "out of memory");
    for (size_t i = 0; i < n_set; i++) {
        changes[i].op = BROOK_CONFIG_OP_SET;
        if (copy_str(d, &set->via.map.ptr[i].key, 0, &changes[i].name, "a config name must be a non-empty string") ||
            copy_str(d, &set->via.map.ptr[i].val, 0, &changes[i].value, "a config value must be a non-empty string"))
            return -1;
    }
    for (size_t i = 0; i < n_del; i++) {
        brook_config_change *c = &changes[n_set + i];
        c->op = BROOK_CONFIG_OP_DELETE;
        if (copy_str(d, &del->via.array.ptr[i], 0, &c->name, "a config name must be a non-empty string"))
            return -1;
    }
    res->changes = changes;
    res->change_count = n_set + n_del;
    a->resources = res;
    a->resource_count = 1;
    a->incremental = 1;
    d->req->type = BROOK_REQ_ALTER_CONFIGS;
    return 0;
}

static int decode_create_partitions(decoder *d)
{
    brook_create_partitions_req *cp = &d->req->u.create_partitions;
    brook_topic_grow *g = brook_request_alloc(d->req, sizeof *g);
    if (!g)
        return native_fail(d, "out of memory");
    int64_t count;
    if (native_get_str(d, d->map, "topic", &g->name, "\"topic\" must be a non-empty string") ||
        native_get_int(d, d->map, "count", -1, 1, INT32_MAX, &count,
                       "\"count\" must be the topic's new partition count (an integer >= 1)"))
        return -1;
    if (count < 0)
        return native_fail(d, "\"count\" must be the topic's new partition count (an integer >= 1)");
    g->count = (int32_t)count;
    cp->topics = g;
    cp->topic_count = 1;
    d->req->type = BROOK_REQ_CREATE_PARTITIONS;
    return 0;
}

static int decode_delete_records(decoder *d)
{
    brook_delete_records_req *dr = &d->req->u.delete_records;
    brook_delete_records_topic *t = brook_request_alloc(d->req, sizeof *t);
    brook_delete_records_partition *p = brook_request_alloc(d->req, sizeof *p);
    if (!t || !p)
        return native_fail(d, "out of memory");
    int64_t partition, before, timeout;
    if (native_get_str(d, d->map, "topic", &t->name, "\"topic\" must be a non-empty string") ||
        native_get_int(d, d->map, "partition", 0, 0, INT32_MAX, &partition, "\"partition\" must be an integer >= 0") ||
        native_get_int(d, d->map, "before", -2, -1, INT64_MAX, &before,
                       "\"before\" must be an offset (records before it go), or -1: the high watermark") ||
        native_get_int(d, d->map, "timeout_ms", 0, 0, INT32_MAX, &timeout, "\"timeout_ms\" must be an integer >= 0"))
        return -1;
    d->req->timeout_ms = (int32_t)timeout; /* waiting for the followers to follow */
    if (before == -2)
        return native_fail(d, "\"before\" must be an offset (records before it go), or -1: the high watermark");
    *p = (brook_delete_records_partition){.partition = (int32_t)partition, .offset = before};
    t->partitions = p;
    t->partition_count = 1;
    dr->topics = t;
    dr->topic_count = 1;
    d->req->type = BROOK_REQ_DELETE_RECORDS;
    return 0;
}

int native_decode_topic_op(decoder *d, op o)
{
    switch (o) {
    case OP_DESCRIBE_CONFIGS: return decode_describe_configs(d);
    case OP_ALTER_CONFIGS: return decode_alter_configs(d);
    case OP_CREATE_PARTITIONS: return decode_create_partitions(d);
    case OP_DELETE_RECORDS: return decode_delete_records(d);
    default: return native_fail(d, "unknown \"op\"");
    }
}

/* ---- responses -------------------------------------------------------------- */

static const char *source_name(brook_config_source s)
{
    switch (s) {
    case BROOK_CONFIG_SOURCE_TOPIC: return "topic";
    case BROOK_CONFIG_SOURCE_BROKER: return "broker";
    case BROOK_CONFIG_SOURCE_DEFAULT: return "default";
    case BROOK_CONFIG_SOURCE_DYNAMIC_BROKER: return "dynamic_broker";
    case BROOK_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER: return "dynamic_default_broker";
    default: return "unknown";
    }
}

/* "configs": [{name, value, source, read_only}] */
static void encode_describe_configs(msgpack_packer *pk, const native_req *nr, const brook_describe_configs_req *dc)
{
    const brook_config_resource *res = &dc->resources[0];
    if (res->error) {
        native_pack_head(pk, nr, res->error, res->error_message, 0);
        return;
    }
    native_pack_head(pk, nr, BROOK_OK, NULL, 1);
    native_pack_str(pk, "configs");
    msgpack_pack_array(pk, res->entry_count);
    for (size_t i = 0; i < res->entry_count; i++) {
        const brook_config_entry *e = &res->entries[i];
        msgpack_pack_map(pk, 4);
        native_pack_kv_str(pk, "name", e->name);
        native_pack_str(pk, "value");
        if (e->value)
            native_pack_str(pk, e->value);
        else
            msgpack_pack_nil(pk);
        native_pack_kv_str(pk, "source", source_name(e->source));
        native_pack_str(pk, "read_only");
        if (e->read_only)
            msgpack_pack_true(pk);
        else
            msgpack_pack_false(pk);
    }
}

void native_encode_topic_op(msgpack_packer *pk, const native_req *nr, const brook_request *req)
{
    switch (nr->op) {
    case OP_DESCRIBE_CONFIGS: encode_describe_configs(pk, nr, &req->u.describe_configs); return;
    case OP_ALTER_CONFIGS: {
        const brook_alter_resource *r = &req->u.alter_configs.resources[0];
        native_pack_head(pk, nr, r->error, r->error_message, 0);
        return;
    }
    case OP_CREATE_PARTITIONS: {
        const brook_topic_grow *g = &req->u.create_partitions.topics[0];
        native_pack_head(pk, nr, g->error, g->error_message, 0);
        return;
    }
    case OP_DELETE_RECORDS: {
        const brook_delete_records_partition *p = &req->u.delete_records.topics[0].partitions[0];
        if (p->error) {
            native_pack_head(pk, nr, p->error, NULL, 0);
            return;
        }
        native_pack_head(pk, nr, BROOK_OK, NULL, 1);
        native_pack_kv_int(pk, "low_watermark", p->low_watermark);
        return;
    }
    default: native_pack_head(pk, nr, BROOK_ERR_UNSUPPORTED, NULL, 0); return;
    }
}
