#include "topic_config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "throttled_replicas.h"

typedef enum value_kind { KIND_INT, KIND_BOOL, KIND_NAME, KIND_ENUM, KIND_LIST, KIND_RATIO, KIND_REPLICAS } value_kind;

/* What a topic may set today. A Kafka topic config missing here is either
 * in `not_yet` (refused as "not supported yet") or unknown. */
typedef struct known_config {
    const char *name;
    value_kind kind;
    long long min, max;         /* KIND_INT */
    const char *const *allowed; /* KIND_ENUM, KIND_LIST (each item) */
    const char *allowed_text;   /* KIND_ENUM, KIND_LIST, for messages */
    int by_storage;             /* the topic's storage applies it (brook_storage_ops.topic_setting) */
    int fixed;                  /* set at creation only */
} known_config;

static const char *const timestamp_types[] = {"CreateTime", "LogAppendTime", NULL};
static const char *const cleanup_policies[] = {"delete", "compact", NULL};

#define INT_CONFIG(n, lo, hi, storage)                                                                                 \
    {                                                                                                                  \
        .name = n, .kind = KIND_INT, .min = lo, .max = hi, .by_storage = storage                                       \
    }

static const known_config known[] = {
    /* Brook's own: the storage instance and replication strategy the
     * topic runs on, by their names in the configuration (the broker checks
     * it runs one of that name) */
    {.name = "brook.replication", .kind = KIND_NAME, .fixed = 1},
    {.name = "brook.storage", .kind = KIND_NAME, .fixed = 1},
    {.name = "cleanup.policy",
     .kind = KIND_LIST,
     .allowed = cleanup_policies,
     .allowed_text = "delete, compact or both (\"compact,delete\")",
     .by_storage = 1},
    INT_CONFIG("delete.retention.ms", 0, INT64_MAX, 1),
    INT_CONFIG("flush.messages", 1, INT64_MAX, 1),
    INT_CONFIG("flush.ms", 1, INT64_MAX, 1),
    /* which replicas of the topic the brokers' follower (leader) replication
     * throttle holds back while they are out of sync: "P:B" for partition P
     * on broker B, or "*" for all (Kafka's, set by a reassignment with a
     * throttle) */
    {.name = "follower.replication.throttled.replicas", .kind = KIND_REPLICAS},
    INT_CONFIG("index.interval.bytes", 0, INT32_MAX, 1),
    {.name = "leader.replication.throttled.replicas", .kind = KIND_REPLICAS},
    INT_CONFIG("max.compaction.lag.ms", 1, INT64_MAX, 1),
    INT_CONFIG("max.message.bytes", 0, INT32_MAX, 0),
    {.name = "message.timestamp.type",
     .kind = KIND_ENUM,
     .allowed = timestamp_types,
     .allowed_text = "CreateTime or LogAppendTime"},
    {.name = "min.cleanable.dirty.ratio", .kind = KIND_RATIO, .by_storage = 1},
    INT_CONFIG("min.compaction.lag.ms", 0, INT64_MAX, 1),
    INT_CONFIG("min.insync.replicas", 1, 32767, 0),
    INT_CONFIG("retention.bytes", -1, INT64_MAX, 1),
    INT_CONFIG("retention.ms", -1, INT64_MAX, 1),
    INT_CONFIG("segment.bytes", 14, INT32_MAX, 1),
    INT_CONFIG("segment.ms", 1, INT64_MAX, 1),
    {.name = "unclean.leader.election.enable", .kind = KIND_BOOL},
};

/* Kafka's other topic configs, refused per topic as "not supported yet"
 * (the broker's settings apply). */
static const char *const not_yet[] = {
    "compression.type",
    "file.delete.delay.ms",
    "local.retention.bytes",
    "local.retention.ms",
    "message.downconversion.enable",
    "message.format.version",
    "message.timestamp.after.max.ms",
    "message.timestamp.before.max.ms",
    "message.timestamp.difference.max.ms",
    "preallocate",
    "remote.storage.enable",
    "segment.index.bytes",
    "segment.jitter.ms",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const known_config *find_known(const char *name)
{
    for (size_t i = 0; i < COUNT(known); i++)
        if (strcmp(known[i].name, name) == 0)
            return &known[i];
    return NULL;
}

static int is_not_yet(const char *name)
{
    for (size_t i = 0; i < COUNT(not_yet); i++)
        if (strcmp(not_yet[i], name) == 0)
            return 1;
    return 0;
}

static int parse_int(const char *text, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end)
        return 0;
    *out = v;
    return 1;
}

static int name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* Each item of a comma-separated list allowed, none twice, none empty. */
static int list_valid(const char *value, const char *const *allowed)
{
    size_t seen = 0; /* bit i: allowed[i] already listed */
    for (const char *p = value;; p++) {
        size_t n = strcspn(p, ",");
        size_t i = 0;
        while (allowed[i] && !(strlen(allowed[i]) == n && strncmp(allowed[i], p, n) == 0))
            i++;
        if (!allowed[i] || (seen & ((size_t)1 << i)))
            return 0;
        seen |= (size_t)1 << i;
        p += n;
        if (!*p)
            return 1;
    }
}

static int ratio_valid(const char *value)
{
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    return !errno && end != value && !*end && v >= 0.0 && v <= 1.0;
}

const char *brook_topic_config_storage_name(size_t i)
{
    for (size_t k = 0; k < COUNT(known); k++)
        if (known[k].by_storage && i-- == 0)
            return known[k].name;
    return NULL;
}

int brook_topic_config_is_list(const char *name)
{
    const known_config *k = name ? find_known(name) : NULL;
    return k && (k->kind == KIND_LIST || k->kind == KIND_REPLICAS);
}

/* Whether the comma-separated `list` has `item` (n bytes). */
static int list_has(const char *list, const char *item, size_t n)
{
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, item, n) == 0)
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

/* A list of allowed names (cleanup.policy) edited into `out` (room for both). */
static void edit_names(const char *current, const char *items, int append, char *out)
{
    size_t used = 0;
    out[0] = 0;
    /* what stays of the current value, then (appending) what is new */
    for (int pass = 0; pass < 2; pass++) {
        const char *from = pass == 0 ? current : (append ? items : "");
        for (const char *p = from; *p;) {
            size_t n = strcspn(p, ",");
            int keep = pass == 0 ? append || !list_has(items, p, n) : !list_has(out, p, n);
            if (keep && n > 0 && !list_has(out, p, n))
                used += (size_t)sprintf(out + used, "%s%.*s", used ? "," : "", (int)n, p);
            p += n + (p[n] == ',');
        }
    }
}

brook_err brook_topic_config_list_edit(const char *name, const char *current, const char *items, int append, char **out,
                                       char *err, size_t errlen)
{
    *out = NULL;
    const known_config *k = name ? find_known(name) : NULL;
    if (!brook_topic_config_is_list(name)) {
        snprintf(err, errlen, "%s: not a list config (append and subtract take lists only)", name ? name : "(null)");
        return BROOK_ERR_INVALID;
    }
    current = current ? current : "";
    items = items ? items : "";
    brook_err e;
    if (k->kind == KIND_REPLICAS) {
        if ((e = brook_topic_config_check(name, items, err, errlen)))
            return e;
        if ((e = brook_throttled_replicas_edit(current, items, append, out)) == BROOK_ERR_INVALID)
            snprintf(err, errlen, "%s: the list grows past %d bytes", name, BROOK_THROTTLED_REPLICAS_MAX_LEN);
        if (e)
            return e;
    } else {
        if (!(*out = malloc(strlen(current) + strlen(items) + 2)))
            return BROOK_ERR_NOMEM;
        edit_names(current, items, append, *out);
    }
    if ((e = brook_topic_config_check(name, *out, err, errlen))) {
        free(*out);
        *out = NULL;
    }
    return e;
}

int brook_topic_config_by_storage(const char *name)
{
    const known_config *k = name ? find_known(name) : NULL;
    return k && k->by_storage;
}

int brook_topic_config_fixed(const char *name)
{
    const known_config *k = name ? find_known(name) : NULL;
    return k && k->fixed;
}

int brook_topic_config_alterable(const char *name)
{
    const known_config *k = name ? find_known(name) : NULL;
    return k && !k->fixed;
}

brook_err brook_topic_config_check(const char *name, const char *value, char *err, size_t errlen)
{
    const known_config *k = name ? find_known(name) : NULL;
    if (!k) {
        if (name && is_not_yet(name))
            snprintf(err, errlen, "%s: per-topic values are not supported yet; the broker's setting applies", name);
        else
            snprintf(err, errlen, "%s: not a topic config Brook knows", name ? name : "(null)");
        return BROOK_ERR_INVALID;
    }
    if (!value)
        return BROOK_OK; /* the default */
    long long v;
    switch (k->kind) {
    case KIND_INT:
        if (!parse_int(value, &v) || v < k->min || v > k->max) {
            snprintf(err, errlen, "%s: \"%s\" is not an integer from %lld to %lld", name, value, k->min, k->max);
            return BROOK_ERR_INVALID;
        }
        return BROOK_OK;
    case KIND_BOOL:
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
            snprintf(err, errlen, "%s: \"%s\" is not true or false", name, value);
            return BROOK_ERR_INVALID;
        }
        return BROOK_OK;
    case KIND_ENUM:
        for (const char *const *a = k->allowed; *a; a++)
            if (strcmp(*a, value) == 0)
                return BROOK_OK;
        snprintf(err, errlen, "%s: \"%s\" is not %s", name, value, k->allowed_text);
        return BROOK_ERR_INVALID;
    case KIND_LIST:
        if (!list_valid(value, k->allowed)) {
            snprintf(err, errlen, "%s: \"%s\" is not %s", name, value, k->allowed_text);
            return BROOK_ERR_INVALID;
        }
        return BROOK_OK;
    case KIND_REPLICAS:
        if (!brook_throttled_replicas_valid(value)) {
            snprintf(err, errlen,
                     "%s: \"%.64s%s\" is not \"*\" or a list of PARTITION:BROKER items of at most %d bytes", name,
                     value, strlen(value) > 64 ? "..." : "", BROOK_THROTTLED_REPLICAS_MAX_LEN);
            return BROOK_ERR_INVALID;
        }
        return BROOK_OK;
    case KIND_RATIO:
        if (!ratio_valid(value)) {
            snprintf(err, errlen, "%s: \"%s\" is not a number from 0 to 1", name, value);
            return BROOK_ERR_INVALID;
        }
        return BROOK_OK;
    case KIND_NAME:
        if (!name_valid(value)) {
            snprintf(err, errlen, "%s: \"%s\" is not a name of 1-64 [a-zA-Z0-9._-] characters", name, value);
            return BROOK_ERR_INVALID;
        }
        return BROOK_OK;
    }
    return BROOK_ERR_INVALID;
}

/* Index of `name`, or where it would go (*found = 0). */
static size_t search(const brook_topic_config *c, const char *name, int *found)
{
    size_t i = 0;
    while (i < c->count && strcmp(c->items[i].name, name) < 0)
        i++;
    *found = i < c->count && strcmp(c->items[i].name, name) == 0;
    return i;
}

static void remove_at(brook_topic_config *c, size_t i)
{
    free(c->items[i].name);
    free(c->items[i].value);
    memmove(c->items + i, c->items + i + 1, (c->count - i - 1) * sizeof *c->items);
    c->count--;
}

brook_err brook_topic_config_set(brook_topic_config *c, const char *name, const char *value)
{
    int found;
    size_t i = search(c, name, &found);
    if (!value) {
        if (found)
            remove_at(c, i);
        return BROOK_OK;
    }
    char *copy = strdup(value);
    if (!copy)
        return BROOK_ERR_NOMEM;
    if (found) {
        free(c->items[i].value);
        c->items[i].value = copy;
        return BROOK_OK;
    }
    char *name_copy = strdup(name);
    brook_topic_setting *items = name_copy ? realloc(c->items, (c->count + 1) * sizeof *items) : NULL;
    if (!items) {
        free(copy);
        free(name_copy);
        return BROOK_ERR_NOMEM;
    }
    c->items = items;
    memmove(c->items + i + 1, c->items + i, (c->count - i) * sizeof *c->items);
    c->items[i] = (brook_topic_setting){.name = name_copy, .value = copy};
    c->count++;
    return BROOK_OK;
}

const char *brook_topic_config_get(const brook_topic_config *c, const char *name)
{
    int found;
    size_t i = search(c, name, &found);
    return found ? c->items[i].value : NULL;
}

int brook_topic_config_flag(const brook_topic_config *c, const char *name, int otherwise)
{
    const char *v = brook_topic_config_get(c, name);
    return v ? strcmp(v, "true") == 0 : otherwise;
}

brook_err brook_topic_config_copy(brook_topic_config *dst, const brook_topic_config *src)
{
    brook_topic_config_clear(dst);
    for (size_t i = 0; i < src->count; i++) {
        if (brook_topic_config_set(dst, src->items[i].name, src->items[i].value)) {
            brook_topic_config_clear(dst);
            return BROOK_ERR_NOMEM;
        }
    }
    return BROOK_OK;
}

int brook_topic_config_equal(const brook_topic_config *a, const brook_topic_config *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->items[i].name, b->items[i].name) != 0 || strcmp(a->items[i].value, b->items[i].value) != 0)
            return 0;
    return 1;
}

void brook_topic_config_clear(brook_topic_config *c)
{
    for (size_t i = 0; i < c->count; i++) {
        free(c->items[i].name);
        free(c->items[i].value);
    }
    free(c->items);
    c->items = NULL;
    c->count = 0;
}
