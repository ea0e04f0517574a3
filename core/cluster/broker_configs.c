#include "broker_configs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "log.h"
#include "store_mirror.h"
#include "strmap.h"

#define DEFAULT_ENTITY "default" /* the cluster default's name in the store (no broker id reads so) */
#define ITEM_NAME_MAX  128

/* ---- what may change ----------------------------------------------------------------- */

typedef struct dynamic_config {
    const char *name;
    const char *kafka_default;
} dynamic_config;

static const dynamic_config dynamic[] = {
    {"follower.replication.throttled.rate", "9223372036854775807"},
    {"leader.replication.throttled.rate", "9223372036854775807"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const dynamic_config *find_dynamic(const char *name)
{
    for (size_t i = 0; name && i < COUNT(dynamic); i++)
        if (strcmp(dynamic[i].name, name) == 0)
            return &dynamic[i];
    return NULL;
}

int brook_broker_config_dynamic(const char *name)
{
    return find_dynamic(name) != NULL;
}

const char *brook_broker_config_dynamic_name(size_t i)
{
    return i < COUNT(dynamic) ? dynamic[i].name : NULL;
}

const char *brook_broker_config_kafka_default(const char *name)
{
    const dynamic_config *d = find_dynamic(name);
    return d ? d->kafka_default : NULL;
}

static int parse_rate(const char *text, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < 1)
        return -1;
    *out = v;
    return 0;
}

brook_err brook_broker_config_check(const char *name, const char *value, char *err, size_t errlen)
{
    int64_t rate;
    if (!find_dynamic(name)) {
        snprintf(err, errlen,
                 "%s: not a broker config that changes while brokers run (those are leader.replication.throttled.rate "
                 "and follower.replication.throttled.rate; the others come from each broker's configuration file)",
                 name ? name : "(null)");
        return BROOK_ERR_INVALID;
    }
    if (value && parse_rate(value, &rate)) {
        snprintf(err, errlen, "%s: \"%s\" is not a rate in bytes per second from 1 to %lld (delete it for none)", name,
                 value, (long long)INT64_MAX);
        return BROOK_ERR_INVALID;
    }
    return BROOK_OK;
}

brook_err brook_broker_config_entity_check(const char *entity)
{
    if (!entity || !*entity)
        return BROOK_OK;
    char *end;
    errno = 0;
    long v = strtol(entity, &end, 10);
    return errno || end == entity || *end || v < 0 || v > INT32_MAX ? BROOK_ERR_INVALID : BROOK_OK;
}

/* "<entity>/<name>", the default's entity spelled DEFAULT_ENTITY. */
static int item_name(const char *entity, const char *name, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/%s", entity && *entity ? entity : DEFAULT_ENTITY, name);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

/* ---- the keeper: the items, in memory ---------------------------------------------------- */

typedef struct brook_broker_configs {
    brook_broker *b;
    brook_strmap items; /* item name -> malloc'd value */
} keeper;

/* This broker's rate of `name`: its own, else the default, else none. */
static int64_t rate_in_force(const keeper *k, const char *name)
{
    char own[ITEM_NAME_MAX], fallback[ITEM_NAME_MAX], id[16];
    snprintf(id, sizeof id, "%d", k->b->st->broker_id);
    const char *v = NULL;
    if (!item_name(id, name, own, sizeof own) && !(v = brook_strmap_get(&k->items, own)) &&
        !item_name(DEFAULT_ENTITY, name, fallback, sizeof fallback))
        v = brook_strmap_get(&k->items, fallback);
    int64_t rate;
    return v && !parse_rate(v, &rate) ? rate : BROOK_QUOTA_UNLIMITED;
}

static void apply_rates(keeper *k)
{
    brook_broker *b = k->b;
    int64_t now = brook_loop_now(b->loop);
    int64_t leader = rate_in_force(k, "leader.replication.throttled.rate"),
            follower = rate_in_force(k, "follower.replication.throttled.rate");
    if (leader != b->leader_quota.rate || follower != b->follower_quota.rate)
        log_info("cluster: replication throttle now %lld bytes/s as leader, %lld as follower (%lld: none)",
                 (long long)leader, (long long)follower, (long long)BROOK_QUOTA_UNLIMITED);
    brook_quota_set_rate(&b->leader_quota, leader, now);
    brook_quota_set_rate(&b->follower_quota, follower, now);
}

static void keeper_list(void *arg, brook_mirror_each each, void *each_arg)
{
    keeper *k = arg;
    brook_strmap_iter it = {0};
    brook_strmap_entry *e;
    while ((e = brook_strmap_next(&k->items, &it)))
        each(each_arg, e->key, e->value);
}

static void keep(keeper *k, const char *name, const char *value)
{
    char *copy = value ? strdup(value) : NULL;
    if (value && (!copy || brook_strmap_put(&k->items, name, copy))) {
        free(copy);
        log_error("cluster broker configs: out of memory keeping %s; it follows the next snapshot", name);
        return;
    }
    if (!value)
        free(brook_strmap_remove(&k->items, name));
}

/* The previous value of a replaced item goes too. */
static void keeper_put(void *arg, const char *const *names, const char *const *values, size_t n)
{
    keeper *k = arg;
    for (size_t i = 0; i < n; i++) {
        free(brook_strmap_remove(&k->items, names[i]));
        keep(k, names[i], values[i]);
    }
    apply_rates(k);
}

static void keeper_remove(void *arg, const char *const *names, size_t n)
{
    keeper *k = arg;
    for (size_t i = 0; i < n; i++)
        keep(k, names[i], NULL);
    apply_rates(k);
}

static const brook_store_mirror_ops mirror_ops = {.list = keeper_list, .put = keeper_put, .remove = keeper_remove};

static void keeper_free(keeper *k)
{
    if (!k)
        return;
    brook_strmap_iter it = {0};
    brook_strmap_entry *e;
    while ((e = brook_strmap_next(&k->items, &it)))
        free(e->value);
    brook_strmap_free(&k->items);
    free(k);
}

/* ---- the broker's side -------------------------------------------------------------------- */

brook_err brook_broker_configs_start(brook_broker *b)
{
    keeper *k = calloc(1, sizeof *k);
    if (!k)
        return BROOK_ERR_NOMEM;
    k->b = b;
    b->broker_configs = k;
    brook_err e =
        brook_store_mirror_start(b, "broker_configs", "broker configs", &mirror_ops, k, &b->broker_configs_mirror);
    if (e) {
        keeper_free(k);
        b->broker_configs = NULL;
    }
    return e;
}

void brook_broker_configs_stop(brook_broker *b)
{
    brook_store_mirror_stop(b->broker_configs_mirror);
    b->broker_configs_mirror = NULL;
    keeper_free(b->broker_configs);
    b->broker_configs = NULL;
}

int brook_broker_configs_following(const brook_broker *b)
{
    return b->broker_configs_mirror != NULL;
}

const char *brook_broker_configs_get(const brook_broker *b, const char *entity, const char *name)
{
    char item[ITEM_NAME_MAX];
    const keeper *k = b->broker_configs;
    return k && !item_name(entity, name, item, sizeof item) ? brook_strmap_get(&k->items, item) : NULL;
}

/* A write that went through is applied here at once (the watch brings
 * the same change again), so this broker's answers after it agree. */
typedef struct write {
    brook_broker *b;
    char **names, **values;
    size_t n;
    void (*done)(void *arg, brook_err err);
    void *arg;
} write;

static void write_free(write *w)
{
    for (size_t i = 0; i < w->n; i++) {
        free(w->names[i]);
        free(w->values[i]);
    }
    free(w->names);
    free(w->values);
    free(w);
}

static void written(void *arg, brook_err err)
{
    write *w = arg;
    keeper *k = w->b->broker_configs;
    if (!err && k) {
        for (size_t i = 0; i < w->n; i++)
            keep(k, w->names[i], NULL), keep(k, w->names[i], w->values[i]);
        apply_rates(k);
    }
    w->done(w->arg, err);
    write_free(w);
}

static brook_err write_prepare(write *w, brook_store_change *c, const char *entity, const char *const *names,
                               const char *const *values)
{
    char item[ITEM_NAME_MAX];
    for (size_t i = 0; i < w->n; i++) {
        if (item_name(entity, names[i], item, sizeof item))
            return BROOK_ERR_INVALID;
        if (!(w->names[i] = strdup(item)) || (values[i] && !(w->values[i] = strdup(values[i]))) ||
            brook_store_change_set(c, i, item, values[i]))
            return BROOK_ERR_NOMEM;
    }
    return BROOK_OK;
}

brook_err brook_broker_configs_write(brook_broker *b, const char *entity, const char *const *names,
                                     const char *const *values, size_t n, void (*done)(void *arg, brook_err err),
                                     void *arg)
{
    if (!b->broker_configs_mirror)
        return BROOK_ERR_UNSUPPORTED;
    write *w = calloc(1, sizeof *w);
    brook_store_change *c = w ? brook_store_change_new(b->broker_configs_mirror, n) : NULL;
    if (w) {
        *w = (write){.b = b, .n = n, .done = done, .arg = arg};
        w->names = calloc(n ? n : 1, sizeof *w->names);
        w->values = calloc(n ? n : 1, sizeof *w->values);
    }
    brook_err e = c && w->names && w->values ? write_prepare(w, c, entity, names, values) : BROOK_ERR_NOMEM;
    if (!e) {
        if ((e = brook_store_change_write(c, written, w)))
            write_free(w); /* nothing sent, `c` freed */
        return e;
    }
    brook_store_change_free(c);
    if (w)
        write_free(w);
    return e;
}
