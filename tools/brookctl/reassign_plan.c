#include "reassign_plan.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "commands.h"

int plan_add(plan *p, const char *topic, int32_t partition, const int32_t *replicas, int32_t n)
{
    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        plan_move *moves = realloc(p->moves, sizeof *moves * cap);
        if (!moves)
            return -1;
        p->moves = moves;
        p->cap = cap;
    }
    plan_move *m = &p->moves[p->count];
    *m = (plan_move){.topic = strdup(topic), .partition = partition, .replica_count = n};
    m->replicas = malloc(sizeof *m->replicas * (size_t)(n > 0 ? n : 1));
    if (!m->topic || !m->replicas) {
        free(m->topic);
        free(m->replicas);
        return -1;
    }
    if (n > 0)
        memcpy(m->replicas, replicas, sizeof *replicas * (size_t)n);
    p->count++;
    return 0;
}

void plan_free(plan *p)
{
    for (size_t i = 0; i < p->count; i++) {
        free(p->moves[i].topic);
        free(p->moves[i].replicas);
    }
    free(p->moves);
    *p = (plan){0};
}

/* ---- a kafka-reassign-partitions plan file --------------------------------------- */

static int file_error(const char *path, const char *why)
{
    fprintf(stderr, "brookctl: %s: %s\n", path, why);
    return -1;
}

/* "log_dirs": absent, or "any" for each replica. */
static int log_dirs_any(json_t *entry)
{
    json_t *dirs = json_object_get(entry, "log_dirs"), *d;
    size_t i;
    if (!dirs)
        return 1;
    if (!json_is_array(dirs))
        return 0;
    json_array_foreach(dirs, i, d) if (!json_is_string(d) || strcmp(json_string_value(d), "any") != 0) return 0;
    return 1;
}

static int add_entry(plan *p, const char *path, json_t *entry)
{
    static const char *shape = "each of \"partitions\" must be {\"topic\": name, \"partition\": number, "
                               "\"replicas\": [broker ids]}";
    json_t *topic = json_object_get(entry, "topic"), *partition = json_object_get(entry, "partition");
    json_t *replicas = json_object_get(entry, "replicas"), *r;
    if (!json_is_string(topic) || !json_is_integer(partition) || json_integer_value(partition) < 0 ||
        json_integer_value(partition) > INT32_MAX || !json_is_array(replicas) || !json_array_size(replicas) ||
        json_array_size(replicas) > PLAN_MAX_REPLICAS)
        return file_error(path, shape);
    if (!log_dirs_any(entry))
        return file_error(path, "\"log_dirs\" must be \"any\" for each replica: a Brook broker has one data directory");
    int32_t ids[PLAN_MAX_REPLICAS];
    size_t i;
    json_array_foreach(replicas, i, r)
    {
        if (!json_is_integer(r) || json_integer_value(r) < 0 || json_integer_value(r) > INT32_MAX)
            return file_error(path, shape);
        ids[i] = (int32_t)json_integer_value(r);
    }
    if (plan_add(p, json_string_value(topic), (int32_t)json_integer_value(partition), ids,
                 (int32_t)json_array_size(replicas)))
        return file_error(path, "out of memory");
    return 0;
}

int plan_from_file(plan *p, const char *path)
{
    json_error_t error;
    json_t *doc = json_load_file(path, 0, &error);
    if (!doc) {
        fprintf(stderr, "brookctl: %s:%d: %s\n", path, error.line, error.text);
        return -1;
    }
    json_t *version = json_object_get(doc, "version"), *partitions = json_object_get(doc, "partitions"), *entry;
    int rc = 0;
    size_t i;
    if (version && (!json_is_integer(version) || json_integer_value(version) != 1))
        rc = file_error(path, "\"version\" must be 1");
    else if (!json_is_array(partitions))
        rc = file_error(path, "expected {\"version\": 1, \"partitions\": [...]}");
    else
        json_array_foreach(partitions, i, entry) if (!rc) rc = add_entry(p, path, entry);
    json_decref(doc);
    return rc;
}

/* ---- onto a set of brokers --------------------------------------------------------- */

typedef struct load {
    const int32_t *brokers;
    size_t n;
    int64_t *replicas;            /* per broker of `brokers` */
    const msgpack_object **racks; /* per broker of `brokers`: its rack (a string), or NULL */
    const msgpack_object *live;   /* describe_cluster's brokers: every live broker's rack */
} load;

/* Where broker `id` is in the load, or -1. */
static long load_slot(const load *l, int64_t id)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->brokers[i] == id)
            return (long)i;
    return -1;
}

static int holds(const int32_t *ids, int32_t n, int32_t id)
{
    for (int32_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

/* Every replica in the cluster, counted on the brokers given. */
static void count_load(load *l, const msgpack_object *topics)
{
    for (uint32_t t = 0; topics && topics->type == MSGPACK_OBJECT_ARRAY && t < topics->via.array.size; t++) {
        const msgpack_object *parts = map_get(&topics->via.array.ptr[t], "partitions");
        for (uint32_t i = 0; parts && parts->type == MSGPACK_OBJECT_ARRAY && i < parts->via.array.size; i++) {
            const msgpack_object *rs = map_get(&parts->via.array.ptr[i], "replicas");
            for (uint32_t k = 0; rs && rs->type == MSGPACK_OBJECT_ARRAY && k < rs->via.array.size; k++) {
                long slot = load_slot(l, rs->via.array.ptr[k].via.i64);
                if (slot >= 0)
                    l->replicas[slot]++;
            }
        }
    }
}

/* Broker `id`'s rack as describe_cluster tells, or NULL. */
static const msgpack_object *rack_of(const msgpack_object *live, int64_t id)
{
    for (uint32_t i = 0; live && live->type == MSGPACK_OBJECT_ARRAY && i < live->via.array.size; i++) {
        const msgpack_object *r = map_get(&live->via.array.ptr[i], "rack");
        if (map_int(&live->via.array.ptr[i], "id", -1) == id)
            return r && r->type == MSGPACK_OBJECT_STR ? r : NULL;
    }
    return NULL;
}

static int same_rack(const msgpack_object *a, const msgpack_object *b)
{
    return a && b && a->via.str.size == b->via.str.size && memcmp(a->via.str.ptr, b->via.str.ptr, a->via.str.size) == 0;
}

/* Whether a broker in rack `rack` would share it with another replica of
 * now[0..n) but the one at `skip` (the replica it replaces). */
static int rack_taken(const load *l, const msgpack_object *rack, const int32_t *now, int32_t n, int32_t skip)
{
    for (int32_t k = 0; rack && k < n; k++)
        if (k != skip && same_rack(rack, rack_of(l->live, now[k])))
            return 1;
    return 0;
}

/* For replica `at` of now[0..n): a broker given that does not hold one
 * yet, in a rack no other replica uses when there is one (Kafka places
 * replicas rack-aware too), the least loaded among them (ties to the
 * lowest id); -1 when none is left. */
static int32_t replacement(const load *l, const int32_t *now, int32_t n, int32_t at)
{
    long best = -1;
    int best_shares = 1;
    for (size_t i = 0; i < l->n; i++) {
        if (holds(now, n, l->brokers[i]))
            continue;
        int shares = rack_taken(l, l->racks[i], now, n, at);
        if (best < 0 || shares < best_shares ||
            (shares == best_shares && (l->replicas[i] < l->replicas[best] ||
                                       (l->replicas[i] == l->replicas[best] && l->brokers[i] < l->brokers[best])))) {
            best = (long)i;
            best_shares = shares;
        }
    }
    return best < 0 ? -1 : l->brokers[best];
}

/* The partition's replicas with those off the brokers given replaced;
 * 1 when it moves, 0 when it stays, -1 when too few brokers are given. */
static int replace_off(load *l, const msgpack_object *replicas, int32_t *ids, int32_t *n)
{
    *n = 0;
    for (uint32_t k = 0;
         replicas && replicas->type == MSGPACK_OBJECT_ARRAY && k < replicas->via.array.size && *n < PLAN_MAX_REPLICAS;
         k++)
        ids[(*n)++] = (int32_t)replicas->via.array.ptr[k].via.i64;
    int moves = 0;
    for (int32_t k = 0; k < *n; k++) {
        if (load_slot(l, ids[k]) >= 0)
            continue;
        int32_t to = replacement(l, ids, *n, k);
        if (to < 0)
            return -1;
        ids[k] = to;
        l->replicas[load_slot(l, to)]++;
        moves = 1;
    }
    return moves;
}

const msgpack_object *plan_find_topic(const msgpack_object *topics, const char *name)
{
    for (uint32_t t = 0; topics && topics->type == MSGPACK_OBJECT_ARRAY && t < topics->via.array.size; t++) {
        const msgpack_object *n = map_get(&topics->via.array.ptr[t], "name");
        if (n && n->type == MSGPACK_OBJECT_STR && n->via.str.size == strlen(name) &&
            memcmp(n->via.str.ptr, name, n->via.str.size) == 0)
            return &topics->via.array.ptr[t];
    }
    return NULL;
}

static int plan_topic(plan *p, load *l, const msgpack_object *topic, const char *name)
{
    const msgpack_object *parts = map_get(topic, "partitions");
    int32_t ids[PLAN_MAX_REPLICAS], n;
    for (uint32_t i = 0; parts && parts->type == MSGPACK_OBJECT_ARRAY && i < parts->via.array.size; i++) {
        const msgpack_object *part = &parts->via.array.ptr[i];
        int moved = replace_off(l, map_get(part, "replicas"), ids, &n);
        if (moved < 0) {
            fprintf(stderr, "brookctl: %s-%lld has %d replicas: more than the brokers given can hold\n", name,
                    (long long)map_int(part, "partition", -1), n);
            return -1;
        }
        if (moved && plan_add(p, name, (int32_t)map_int(part, "partition", -1), ids, n)) {
            fprintf(stderr, "brookctl: out of memory\n");
            return -1;
        }
    }
    return 0;
}

int plan_onto_brokers(plan *p, client *c, const int32_t *brokers, size_t broker_count, char **topics,
                      size_t topic_count)
{
    client_begin(c, "describe_cluster", 1);
    pack_str(&c->pk, "topics");
    msgpack_pack_true(&c->pk);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "describe cluster"))
        return -1;
    const msgpack_object *all = map_get(resp, "topics");
    load l = {.brokers = brokers,
              .n = broker_count,
              .replicas = calloc(broker_count, sizeof(int64_t)),
              .racks = calloc(broker_count, sizeof(const msgpack_object *)),
              .live = map_get(resp, "brokers")};
    int rc = l.replicas && l.racks ? 0 : -1;
    for (size_t i = 0; !rc && i < broker_count; i++)
        l.racks[i] = rack_of(l.live, brokers[i]);
    if (!rc)
        count_load(&l, all);
    for (size_t t = 0; !rc && t < topic_count; t++) {
        const msgpack_object *topic = plan_find_topic(all, topics[t]);
        if (!topic) {
            fprintf(stderr, "brookctl: no topic %s\n", topics[t]);
            rc = -1;
        } else {
            rc = plan_topic(p, &l, topic, topics[t]);
        }
    }
    free(l.replicas);
    free(l.racks);
    return rc;
}

/* ---- printing ------------------------------------------------------------------------ */

void plan_print_json(const plan *p, FILE *out)
{
    json_t *partitions = json_array();
    for (size_t i = 0; partitions && i < p->count; i++) {
        const plan_move *m = &p->moves[i];
        if (m->replica_count < 0)
            continue;
        json_t *replicas = json_array();
        for (int32_t k = 0; replicas && k < m->replica_count; k++)
            json_array_append_new(replicas, json_integer(m->replicas[k]));
        json_array_append_new(partitions, json_pack("{s:s, s:i, s:o*}", "topic", m->topic, "partition", m->partition,
                                                    "replicas", replicas));
    }
    json_t *doc = json_pack("{s:i, s:o*}", "version", 1, "partitions", partitions);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (text)
        fprintf(out, "%s\n", text);
    free(text);
    json_decref(doc);
}
