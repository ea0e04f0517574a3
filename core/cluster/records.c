#include "records.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <jansson.h>

#include <brook/types.h>

#include "hex.h"

static brook_err fail(char *err, size_t errlen, const char *why);

static json_t *ids_json(const int32_t *ids, int32_t count)
{
    json_t *a = json_array();
    for (int32_t i = 0; a && i < count; i++)
        json_array_append_new(a, json_integer(ids[i]));
    return a;
}

static brook_err dump(json_t *j, char **out)
{
    *out = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return *out ? BROOK_OK : BROOK_ERR_NOMEM;
}

brook_err brook_topic_record_encode(const brook_topic_record *t, char **out)
{
    json_t *assignment = json_array();
    for (int32_t p = 0; assignment && p < t->partitions; p++)
        json_array_append_new(
            assignment, ids_json(t->assignment + (size_t)p * (size_t)t->replication_factor, t->replication_factor));
    json_t *j = json_pack("{s:s, s:i, s:i, s:o*}", "id", t->id, "partitions", t->partitions, "replication_factor",
                          t->replication_factor, "assignment", assignment);
    if (j && t->configs.count) {
        json_t *configs = json_object();
        for (size_t i = 0; configs && i < t->configs.count; i++)
            json_object_set_new(configs, t->configs.items[i].name, json_string(t->configs.items[i].value));
        if (!configs || json_object_set_new(j, "configs", configs)) {
            json_decref(j);
            j = NULL;
        }
    }
    return dump(j, out);
}

/* "configs": an optional object of string values. */
static brook_err get_configs(json_t *j, brook_topic_config *out, char *err, size_t errlen)
{
    json_t *configs = json_object_get(j, "configs");
    if (!configs)
        return BROOK_OK;
    if (!json_is_object(configs))
        return fail(err, errlen, "\"configs\" must be an object");
    const char *name;
    json_t *value;
    json_object_foreach(configs, name, value)
    {
        if (!json_is_string(value))
            return fail(err, errlen, "each of \"configs\" must be a string");
        if (brook_topic_config_set(out, name, json_string_value(value)))
            return BROOK_ERR_NOMEM;
    }
    return BROOK_OK;
}

/* An optional list of ids, set only when it has some. */
static int set_ids(json_t *j, const char *name, const int32_t *ids, int32_t count)
{
    return count > 0 && json_object_set_new(j, name, ids_json(ids, count));
}

brook_err brook_partition_record_encode(const brook_partition_record *p, char **out)
{
    json_t *j = json_pack("{s:i, s:i, s:i, s:o*, s:o*}", "leader", p->leader, "leader_epoch", p->leader_epoch,
                          "partition_epoch", p->partition_epoch, "replicas", ids_json(p->replicas, p->replica_count),
                          "isr", ids_json(p->isr, p->isr_count));
    /* absent without a reassignment: the record reads as before it */
    if (j &&
        (set_ids(j, "adding", p->adding, p->adding_count) || set_ids(j, "removing", p->removing, p->removing_count))) {
        json_decref(j);
        j = NULL;
    }
    return dump(j, out);
}

static brook_err fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return BROOK_ERR_CORRUPT;
}

/* An int32 field >= min. */
static int get_int(json_t *j, const char *name, int32_t min, int32_t *out)
{
    json_t *v = json_object_get(j, name);
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > INT32_MAX)
        return -1;
    *out = (int32_t)json_integer_value(v);
    return 0;
}

/* An array of distinct broker ids (>= 0), at most `max` of them. */
static int get_ids(json_t *a, int32_t max, int32_t **out, int32_t *count)
{
    if (!json_is_array(a) || json_array_size(a) > (size_t)max)
        return -1;
    int32_t n = (int32_t)json_array_size(a);
    int32_t *ids = malloc(sizeof *ids * (size_t)(n ? n : 1));
    if (!ids)
        return -1;
    for (int32_t i = 0; i < n; i++) {
        json_t *v = json_array_get(a, (size_t)i);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX ||
            brook_ids_contain(ids, i, (int32_t)json_integer_value(v))) {
            free(ids);
            return -1;
        }
        ids[i] = (int32_t)json_integer_value(v);
    }
    *out = ids;
    *count = n;
    return 0;
}

#define MAX_REPLICAS 1024

/* An optional array of ids: absent is none. */
static int get_optional_ids(json_t *j, const char *name, int32_t **out, int32_t *count)
{
    json_t *a = json_object_get(j, name);
    *out = NULL;
    *count = 0;
    return a ? get_ids(a, MAX_REPLICAS, out, count) : 0;
}

/* Adding and removing: replicas, none in both, and the target (replicas
 * minus removing) not empty. */
static int reassignment_well_formed(const brook_partition_record *p)
{
    for (int32_t i = 0; i < p->adding_count; i++)
        if (!brook_ids_contain(p->replicas, p->replica_count, p->adding[i]) ||
            brook_ids_contain(p->removing, p->removing_count, p->adding[i]))
            return 0;
    for (int32_t i = 0; i < p->removing_count; i++)
        if (!brook_ids_contain(p->replicas, p->replica_count, p->removing[i]))
            return 0;
    return p->removing_count < p->replica_count;
}

brook_err brook_topic_record_decode(const uint8_t *value, size_t len, brook_topic_record *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    json_t *j = json_loadb((const char *)value, len, 0, NULL);
    json_t *id = json_object_get(j, "id"), *assignment = json_object_get(j, "assignment");
    brook_err e = BROOK_OK;
    if (!json_is_object(j))
        e = fail(err, errlen, "not a JSON object");
    else if (!json_is_string(id) || strlen(json_string_value(id)) > BROOK_TOPIC_ID_LEN)
        e = fail(err, errlen, "\"id\" must be a topic id");
    else if (get_int(j, "partitions", 1, &t->partitions) ||
             get_int(j, "replication_factor", 1, &t->replication_factor) || t->replication_factor > MAX_REPLICAS)
        e = fail(err, errlen, "\"partitions\" and \"replication_factor\" must be integers >= 1");
    else if (!json_is_array(assignment) || json_array_size(assignment) != (size_t)t->partitions)
        e = fail(err, errlen, "\"assignment\" must list every partition's replicas");
    if (!e && !(t->assignment = malloc(sizeof *t->assignment * (size_t)t->partitions * (size_t)t->replication_factor)))
        e = BROOK_ERR_NOMEM;
    for (int32_t p = 0; !e && p < t->partitions; p++) {
        int32_t *ids = NULL, n = 0;
        int ok =
            get_ids(json_array_get(assignment, (size_t)p), MAX_REPLICAS, &ids, &n) == 0 && n == t->replication_factor;
        if (ok)
            memcpy(t->assignment + (size_t)p * (size_t)n, ids, sizeof *ids * (size_t)n);
        free(ids);
        if (!ok)
            e = fail(err, errlen, "each partition's assignment must be replication_factor distinct broker ids");
    }
    if (!e)
        e = get_configs(j, &t->configs, err, errlen);
    if (!e)
        snprintf(t->id, sizeof t->id, "%s", json_string_value(id));
    json_decref(j);
    if (e)
        brook_topic_record_clear(t);
    return e;
}

brook_err brook_partition_record_decode(const uint8_t *value, size_t len, brook_partition_record *p, char *err,
                                        size_t errlen)
{
    memset(p, 0, sizeof *p);
    json_t *j = json_loadb((const char *)value, len, 0, NULL);
    brook_err e = BROOK_OK;
    if (!json_is_object(j))
        e = fail(err, errlen, "not a JSON object");
    else if (get_int(j, "leader", -1, &p->leader) || get_int(j, "leader_epoch", 0, &p->leader_epoch) ||
             get_int(j, "partition_epoch", 0, &p->partition_epoch))
        e = fail(err, errlen, "\"leader\", \"leader_epoch\" and \"partition_epoch\" must be integers");
    else if (get_ids(json_object_get(j, "replicas"), MAX_REPLICAS, &p->replicas, &p->replica_count) ||
             p->replica_count < 1)
        e = fail(err, errlen, "\"replicas\" must be distinct broker ids, at least one");
    else if (get_ids(json_object_get(j, "isr"), MAX_REPLICAS, &p->isr, &p->isr_count))
        e = fail(err, errlen, "\"isr\" must be distinct broker ids");
    else if (get_optional_ids(j, "adding", &p->adding, &p->adding_count) ||
             get_optional_ids(j, "removing", &p->removing, &p->removing_count))
        e = fail(err, errlen, "\"adding\" and \"removing\" must be distinct broker ids");
    for (int32_t i = 0; !e && i < p->isr_count; i++)
        if (!brook_ids_contain(p->replicas, p->replica_count, p->isr[i]))
            e = fail(err, errlen, "every in-sync replica must be a replica");
    if (!e && !reassignment_well_formed(p))
        e = fail(err, errlen, "a reassignment's \"adding\" and \"removing\" must be distinct replicas, and leave one");
    if (!e && p->leader >= 0 && !brook_ids_contain(p->isr, p->isr_count, p->leader))
        e = fail(err, errlen, "the leader must be in-sync");
    json_decref(j);
    if (e)
        brook_partition_record_clear(p);
    return e;
}

void brook_topic_record_clear(brook_topic_record *t)
{
    free(t->assignment);
    t->assignment = NULL;
    brook_topic_config_clear(&t->configs);
}

void brook_partition_record_clear(brook_partition_record *p)
{
    free(p->replicas);
    free(p->isr);
    free(p->adding);
    free(p->removing);
    p->replicas = p->isr = p->adding = p->removing = NULL;
    p->replica_count = p->isr_count = p->adding_count = p->removing_count = 0;
}

int brook_partition_record_reassigning(const brook_partition_record *p)
{
    return p->adding_count > 0 || p->removing_count > 0;
}

int32_t *brook_ids_dup(const int32_t *ids, int32_t n)
{
    int32_t *copy = malloc(sizeof *copy * (size_t)(n > 0 ? n : 1));
    if (copy && n > 0)
        memcpy(copy, ids, sizeof *copy * (size_t)n);
    return copy;
}

brook_err brook_partition_record_copy(brook_partition_record *dst, const brook_partition_record *src)
{
    *dst = *src;
    dst->replicas = brook_ids_dup(src->replicas, src->replica_count);
    dst->isr = brook_ids_dup(src->isr, src->isr_count);
    dst->adding = brook_ids_dup(src->adding, src->adding_count);
    dst->removing = brook_ids_dup(src->removing, src->removing_count);
    if (dst->replicas && dst->isr && dst->adding && dst->removing)
        return BROOK_OK;
    brook_partition_record_clear(dst);
    return BROOK_ERR_NOMEM;
}

int brook_ids_contain(const int32_t *ids, int32_t count, int32_t id)
{
    for (int32_t i = 0; i < count; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

brook_err brook_topic_id_new(char id[BROOK_TOPIC_ID_LEN + 1])
{
    uint8_t raw[BROOK_TOPIC_ID_LEN / 2];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return BROOK_ERR_IO;
    brook_hex_encode(raw, sizeof raw, id);
    return BROOK_OK;
}

static brook_err fits(int n, size_t outlen)
{
    return n > 0 && (size_t)n < outlen ? BROOK_OK : BROOK_ERR_TOO_LARGE;
}

brook_err brook_topic_key(char *out, size_t outlen, const char *ns, const char *topic)
{
    return fits(snprintf(out, outlen, "%s/topics/%s", ns, topic), outlen);
}

brook_err brook_partition_key(char *out, size_t outlen, const char *ns, const char *topic, int32_t partition)
{
    return fits(snprintf(out, outlen, "%s/partitions/%s/%d", ns, topic, partition), outlen);
}

brook_err brook_partition_prefix(char *out, size_t outlen, const char *ns, const char *topic)
{
    return fits(snprintf(out, outlen, "%s/partitions/%s/", ns, topic), outlen);
}

int brook_record_key_parse(const char *key, const char *ns, char *topic, int32_t *partition)
{
    size_t nl = strlen(ns);
    if (strncmp(key, ns, nl) != 0 || key[nl] != '/')
        return 0;
    const char *rest = key + nl + 1;
    if (strncmp(rest, "topics/", 7) == 0) {
        rest += 7;
        if (!*rest || strlen(rest) > BROOK_TOPIC_NAME_MAX || strchr(rest, '/'))
            return 0;
        strcpy(topic, rest);
        return 1;
    }
    if (strncmp(rest, "partitions/", 11) != 0)
        return 0;
    rest += 11;
    const char *slash = strchr(rest, '/');
    if (!slash || slash == rest || (size_t)(slash - rest) > BROOK_TOPIC_NAME_MAX)
        return 0;
    char *end;
    errno = 0;
    long p = strtol(slash + 1, &end, 10);
    if (errno || end == slash + 1 || *end || p < 0 || p > INT32_MAX)
        return 0;
    memcpy(topic, rest, (size_t)(slash - rest));
    topic[slash - rest] = '\0';
    *partition = (int32_t)p;
    return 2;
}
