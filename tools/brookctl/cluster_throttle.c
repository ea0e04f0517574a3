/* brookctl cluster reassign --throttle RATE ...; brookctl cluster unthrottle
 *
 * Kafka's replication throttles, the way kafka-reassign-partitions sets
 * them: before the moves start, each topic moved has its partitions'
 * current replicas listed in leader.replication.throttled.replicas and
 * the replicas being added in follower.replication.throttled.replicas,
 * and every broker the moves touch gets leader and follower
 * replication.throttled.rate (native alter_configs, on a topic and on a
 * broker). The brokers hold back only out-of-sync replicas, so the moves
 * copy at the rate and nothing else slows. `throttles` shows what is set:
 * each live broker's rates (asked of that broker: a broker describes only
 * itself) and the topics' lists. `unthrottle` takes all of it away once
 * the moves are done: the rates of every broker and of the cluster's
 * default, and the throttled-replica lists of every topic. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "output.h"
#include "reassign_plan.h"

static const char *const rate_names[] = {"leader.replication.throttled.rate", "follower.replication.throttled.rate"};
static const char *const list_names[] = {"leader.replication.throttled.replicas",
                                         "follower.replication.throttled.replicas"};

/* ---- a growing comma-separated text ------------------------------------------------- */

typedef struct text {
    char *s;
    size_t len, cap;
} text;

static int text_add(text *t, const char *fmt, ...)
{
    char item[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(item, sizeof item, fmt, ap);
    va_end(ap);
    if (t->len + (size_t)n + 2 > t->cap) {
        size_t cap = t->cap ? 2 * t->cap + (size_t)n : 256;
        char *s = realloc(t->s, cap);
        if (!s)
            return -1;
        t->s = s;
        t->cap = cap;
    }
    t->len += (size_t)sprintf(t->s + t->len, "%s%s", t->len ? "," : "", item);
    return 0;
}

/* ---- the sets of ids and topics a throttle touches ---------------------------------- */

typedef struct id_set {
    int32_t *ids;
    size_t n, cap;
} id_set;

static int id_set_has(const id_set *s, int64_t id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->ids[i] == id)
            return 1;
    return 0;
}

static int id_set_add(id_set *s, int64_t id)
{
    if (id_set_has(s, id))
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        int32_t *ids = realloc(s->ids, sizeof *ids * cap);
        if (!ids)
            return -1;
        s->ids = ids;
        s->cap = cap;
    }
    s->ids[s->n++] = (int32_t)id;
    return 0;
}

typedef struct topic_lists {
    const char *topic;
    text lists[2]; /* leader, follower */
} topic_lists;

static topic_lists *lists_for(topic_lists *all, size_t *n, const char *topic)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(all[i].topic, topic) == 0)
            return &all[i];
    all[*n] = (topic_lists){.topic = topic};
    return &all[(*n)++];
}

/* Partition `index`'s replicas in describe_cluster's entry of a topic, or NULL. */
static const msgpack_object *replicas_of(const msgpack_object *topic, int32_t index)
{
    const msgpack_object *parts = map_get(topic, "partitions");
    for (uint32_t i = 0; parts && parts->type == MSGPACK_OBJECT_ARRAY && i < parts->via.array.size; i++)
        if (map_int(&parts->via.array.ptr[i], "partition", -1) == index)
            return map_get(&parts->via.array.ptr[i], "replicas");
    return NULL;
}

static int in_array(const msgpack_object *ids, int64_t id)
{
    for (uint32_t k = 0; ids && ids->type == MSGPACK_OBJECT_ARRAY && k < ids->via.array.size; k++)
        if (ids->via.array.ptr[k].via.i64 == id)
            return 1;
    return 0;
}

static const msgpack_object *describe_cluster(client *c)
{
    client_begin(c, "describe_cluster", 1);
    pack_str(&c->pk, "topics");
    msgpack_pack_true(&c->pk);
    const msgpack_object *resp = client_call(c);
    return resp && !report_error(resp, "describe cluster") ? resp : NULL;
}

/* What one move adds to its topic's lists and to the brokers touched. */
static int note_move(const msgpack_object *all, const plan_move *m, topic_lists *lists, size_t *n_lists,
                     id_set *brokers)
{
    const msgpack_object *topic = plan_find_topic(all, m->topic),
                         *now = topic ? replicas_of(topic, m->partition) : NULL;
    if (!now || now->type != MSGPACK_OBJECT_ARRAY) {
        fprintf(stderr, "brookctl: no partition %s-%d\n", m->topic, (int)m->partition);
        return -1;
    }
    topic_lists *l = lists_for(lists, n_lists, m->topic);
    for (uint32_t k = 0; k < now->via.array.size; k++) {
        int64_t id = now->via.array.ptr[k].via.i64;
        if (text_add(&l->lists[0], "%d:%lld", (int)m->partition, (long long)id) || id_set_add(brokers, id))
            return -1;
    }
    for (int32_t r = 0; r < m->replica_count; r++)
        if (!in_array(now, m->replicas[r]) &&
            (text_add(&l->lists[1], "%d:%d", (int)m->partition, (int)m->replicas[r]) ||
             id_set_add(brokers, m->replicas[r])))
            return -1;
    return 0;
}

/* alter_configs of one resource: set `set_names` to `set_values`, delete `del_names`. */
static int alter(client *c, const char *topic, int64_t broker, const char *const *set_names,
                 const char *const *set_values, size_t n_set, const char *const *del_names, size_t n_del)
{
    client_begin(c, "alter_configs", 1 + (n_set > 0) + (n_del > 0));
    if (topic) {
        pack_kv_str(&c->pk, "topic", topic);
    } else if (broker < 0) {
        pack_kv_str(&c->pk, "broker", "default");
    } else {
        pack_kv_int(&c->pk, "broker", broker);
    }
    if (n_set) {
        pack_str(&c->pk, "set");
        msgpack_pack_map(&c->pk, n_set);
        for (size_t i = 0; i < n_set; i++) {
            pack_str(&c->pk, set_names[i]);
            pack_str(&c->pk, set_values[i]);
        }
    }
    if (n_del) {
        pack_str(&c->pk, "delete");
        msgpack_pack_array(&c->pk, n_del);
        for (size_t i = 0; i < n_del; i++)
            pack_str(&c->pk, del_names[i]);
    }
    const msgpack_object *resp = client_call(c);
    return !resp || report_error(resp, topic ? "change the topic's throttled replicas" : "change a throttle rate");
}

/* The lists onto their topics, the rate onto the brokers. */
static int apply(client *c, topic_lists *lists, size_t n_lists, const id_set *brokers, int64_t rate)
{
    for (size_t i = 0; i < n_lists; i++) {
        const char *names[2], *values[2];
        size_t n = 0;
        for (int k = 0; k < 2; k++)
            if (lists[i].lists[k].len) {
                names[n] = list_names[k];
                values[n++] = lists[i].lists[k].s;
            }
        if (n && alter(c, lists[i].topic, 0, names, values, n, NULL, 0))
            return -1;
    }
    char rate_text[32];
    snprintf(rate_text, sizeof rate_text, "%lld", (long long)rate);
    const char *values[] = {rate_text, rate_text};
    text touched = {0};
    for (size_t i = 0; i < brokers->n; i++)
        if (alter(c, NULL, brokers->ids[i], rate_names, values, 2, NULL, 0) ||
            text_add(&touched, "%d", brokers->ids[i]))
            return -1;
    printf("throttle\t%lld bytes/s on brokers %s\n", (long long)rate, touched.s ? touched.s : "");
    free(touched.s);
    return 0;
}

int throttle_moves(client *c, const plan *p, int64_t rate)
{
    const msgpack_object *resp = describe_cluster(c);
    if (!resp)
        return -1;
    const msgpack_object *all = map_get(resp, "topics");
    topic_lists *lists = calloc(p->count ? p->count : 1, sizeof *lists);
    size_t n_lists = 0;
    id_set brokers = {0};
    int rc = lists ? 0 : -1;
    for (size_t i = 0; !rc && i < p->count; i++)
        if (p->moves[i].replica_count >= 0)
            rc = note_move(all, &p->moves[i], lists, &n_lists, &brokers);
    /* the answer is not read again: the calls below replace it */
    if (!rc)
        rc = apply(c, lists, n_lists, &brokers, rate);
    for (size_t i = 0; lists && i < n_lists; i++)
        free(lists[i].lists[0].s), free(lists[i].lists[1].s);
    free(lists);
    free(brokers.ids);
    return rc;
}

/* ---- brookctl cluster unthrottle --------------------------------------------------------- */

static int str_is(const msgpack_object *o, const char *s)
{
    return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
           memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

/* describe_configs of a topic (`topic`) or of broker `broker`: the answer, NULL after printing why. */
static const msgpack_object *describe(client *c, const char *topic, int64_t broker)
{
    client_begin(c, "describe_configs", 1);
    if (topic)
        pack_kv_str(&c->pk, "topic", topic);
    else
        pack_kv_int(&c->pk, "broker", broker);
    const msgpack_object *resp = client_call(c);
    return resp && !report_error(resp, "describe configs") ? resp : NULL;
}

/* The entry of config `name` in a describe_configs answer, or NULL. */
static const msgpack_object *config_entry(const msgpack_object *resp, const char *name)
{
    const msgpack_object *configs = map_get(resp, "configs");
    for (uint32_t i = 0; configs && configs->type == MSGPACK_OBJECT_ARRAY && i < configs->via.array.size; i++)
        if (str_is(map_get(&configs->via.array.ptr[i], "name"), name))
            return &configs->via.array.ptr[i];
    return NULL;
}

/* Whether the answer for a topic has either throttled-replica list set by the topic itself. */
static int lists_set(const msgpack_object *resp)
{
    for (int k = 0; k < 2; k++)
        if (str_is(map_get(config_entry(resp, list_names[k]), "source"), "topic"))
            return 1;
    return 0;
}

/* Whether `topic` sets either throttled-replica list itself. */
static int topic_throttled(client *c, const char *topic, int *rc)
{
    const msgpack_object *resp = describe(c, topic, 0);
    if (!resp)
        *rc = 1;
    return resp && lists_set(resp);
}

/* Every broker id describe_cluster names (live, or holding a replica) and every topic name (copied). */
static int cluster_parts(client *c, id_set *brokers, char ***topics, size_t *n_topics)
{
    const msgpack_object *resp = describe_cluster(c);
    if (!resp)
        return -1;
    const msgpack_object *live = map_get(resp, "brokers"), *all = map_get(resp, "topics");
    for (uint32_t i = 0; live && live->type == MSGPACK_OBJECT_ARRAY && i < live->via.array.size; i++)
        if (id_set_add(brokers, map_int(&live->via.array.ptr[i], "id", -1)))
            return -1;
    size_t n = all && all->type == MSGPACK_OBJECT_ARRAY ? all->via.array.size : 0;
    *topics = calloc(n ? n : 1, sizeof **topics);
    for (size_t t = 0; *topics && t < n; t++) {
        const msgpack_object *topic = &all->via.array.ptr[t], *name = map_get(topic, "name"),
                             *parts = map_get(topic, "partitions");
        char buf[256];
        if (!((*topics)[(*n_topics)++] = strdup(obj_text(name, buf, sizeof buf))))
            return -1;
        for (uint32_t i = 0; parts && parts->type == MSGPACK_OBJECT_ARRAY && i < parts->via.array.size; i++) {
            const msgpack_object *rs = map_get(&parts->via.array.ptr[i], "replicas");
            for (uint32_t k = 0; rs && rs->type == MSGPACK_OBJECT_ARRAY && k < rs->via.array.size; k++)
                if (id_set_add(brokers, rs->via.array.ptr[k].via.i64))
                    return -1;
        }
    }
    return *topics ? 0 : -1;
}

int cluster_unthrottle(const global_opts *g, int argc, char **argv)
{
    if (argc != 1) {
        FILE *out = argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) ? stdout : stderr;
        fprintf(out, "usage: brookctl cluster unthrottle\n"
                     "  remove every replication throttle: the leader and follower rates of every broker\n"
                     "  and of the cluster's default, and the throttled-replica lists of every topic\n"
                     "  (what `brookctl cluster reassign --throttle` set); moves still running go on\n"
                     "  at full speed\n");
        return out == stdout ? 0 : EXIT_USAGE;
    }
    client c;
    if (client_connect(&c, g->broker, g->timeout_ms))
        return 1;
    id_set brokers = {0};
    char **topics = NULL;
    size_t n_topics = 0;
    int rc = cluster_parts(&c, &brokers, &topics, &n_topics) ? 1 : 0;
    text done = {0};
    for (size_t i = 0; !rc && i <= brokers.n; i++) /* the last: the cluster's default */
        rc = alter(&c, NULL, i < brokers.n ? brokers.ids[i] : -1, NULL, NULL, 0, rate_names, 2) ||
             (i < brokers.n && text_add(&done, "%d", brokers.ids[i]));
    if (!rc)
        printf("throttle rates removed on brokers %s and the cluster's default\n", done.s ? done.s : "(none)");
    for (size_t t = 0; !rc && t < n_topics; t++)
        if (topic_throttled(&c, topics[t], &rc) && !(rc = alter(&c, topics[t], 0, NULL, NULL, 0, list_names, 2)))
            printf("topic %s\tthrottled replicas removed\n", topics[t]);
    for (size_t t = 0; t < n_topics; t++)
        free(topics[t]);
    free(topics);
    free(brokers.ids);
    free(done.s);
    client_close(&c);
    return rc;
}

/* ---- brookctl cluster throttles ------------------------------------------------------------ */

/* "leader 1048576 (its own)" / "follower none": one rate as the broker describes it. */
static void print_rate(const msgpack_object *resp, int k)
{
    const msgpack_object *e = config_entry(resp, rate_names[k]), *source = map_get(e, "source");
    char value[32];
    printf("\t%s ", k ? "follower" : "leader");
    if (!e || str_is(source, "default"))
        printf("none");
    else
        printf("%s (%s)", obj_text(map_get(e, "value"), value, sizeof value),
               str_is(source, "dynamic_broker") ? "its own" : "the cluster's default");
}

/* Each live broker's rates, asked of that broker. */
static int print_broker_rates(const global_opts *g, const char *const *addresses, const int32_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        client bc;
        if (client_connect(&bc, addresses[i], g->timeout_ms))
            return 1;
        const msgpack_object *resp = describe(&bc, NULL, ids[i]);
        if (resp) {
            printf("broker %d", (int)ids[i]);
            print_rate(resp, 0);
            print_rate(resp, 1);
            printf("\n");
        }
        client_close(&bc);
        if (!resp)
            return 1;
    }
    return 0;
}

/* Each topic that sets a throttled-replica list, with both. */
static int print_topic_lists(client *c, char **topics, size_t n)
{
    for (size_t t = 0; t < n; t++) {
        const msgpack_object *resp = describe(c, topics[t], 0);
        if (!resp)
            return 1;
        if (!lists_set(resp))
            continue;
        printf("topic %s", topics[t]);
        for (int k = 0; k < 2; k++) {
            const msgpack_object *e = config_entry(resp, list_names[k]);
            printf("\t%s ", k ? "follower" : "leader");
            if (str_is(map_get(e, "source"), "topic"))
                print_str(stdout, map_get(e, "value"));
            else
                printf("none");
        }
        printf("\n");
    }
    return 0;
}

int cluster_throttles(const global_opts *g, int argc, char **argv)
{
    if (argc != 1) {
        FILE *out = argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) ? stdout : stderr;
        fprintf(out, "usage: brookctl cluster throttles\n"
                     "  the replication throttles in force: each live broker's leader and follower rates\n"
                     "  (bytes/s; its own, or the cluster's default) and each topic's throttled replicas\n");
        return out == stdout ? 0 : EXIT_USAGE;
    }
    client c;
    if (client_connect(&c, g->broker, g->timeout_ms))
        return 1;
    id_set all = {0};
    char **topics = NULL, **addresses = NULL;
    int32_t *ids = NULL;
    size_t n_topics = 0, n_live = 0;
    int rc = cluster_parts(&c, &all, &topics, &n_topics) || cluster_live_brokers(&c, &ids, &addresses, &n_live) ? 1 : 0;
    if (!rc)
        rc = print_broker_rates(g, (const char *const *)addresses, ids, n_live) ||
             print_topic_lists(&c, topics, n_topics);
    for (size_t t = 0; t < n_topics; t++)
        free(topics[t]);
    free(topics);
    cluster_free_brokers(ids, addresses, n_live);
    free(all.ids);
    client_close(&c);
    return rc;
}
