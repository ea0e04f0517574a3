/* brookctl topics create | delete | list | describe | alter-config |
 * add-partitions | delete-records */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "output.h"

#define MAX_PAIRS 64

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl topics create NAME [--partitions N] [--replication-factor R] [--config K=V]...\n"
                 "       brookctl topics delete NAME\n"
                 "       brookctl topics list\n"
                 "       brookctl topics describe NAME\n"
                 "       brookctl topics alter-config NAME [--set K=V]... [--delete K]...\n"
                 "       brookctl topics add-partitions NAME --to N\n"
                 "       brookctl topics delete-records NAME --partition P --before OFFSET\n"
                 "\n"
                 "  create           a topic, with Kafka's topic configs (cleanup.policy=compact, retention.ms=...)\n"
                 "  describe         partitions (leader, replicas, in-sync replicas, log start, high watermark,\n"
                 "                   log end) and every config with where its value comes from\n"
                 "  alter-config     set or drop (back to the default) the topic's own configs, live\n"
                 "  add-partitions   grow the topic to N partitions (existing data stays where it is;\n"
                 "                   keyed records map to partitions anew, as with Kafka)\n"
                 "  delete-records   records of the partition before OFFSET go (the log start moves)\n");
}

/* Everything a topics command line can say. */
typedef struct topic_args {
    const char *action;
    const char *name;
    int64_t partitions, replicas, to, partition, before;
    const char *set[MAX_PAIRS]; /* "K=V" */
    size_t n_set;
    const char *del[MAX_PAIRS]; /* "K" */
    size_t n_del;
} topic_args;

/* Send a request already begun and filled, report the outcome for `name`. */
static int finish_topic_call(client *c, const char *verb, const char *done, const char *name)
{
    const msgpack_object *resp = client_call(c);
    if (!resp)
        return 1;
    char what[320];
    snprintf(what, sizeof what, "%s topic \"%s\"", verb, name);
    if (report_error(resp, what))
        return 1;
    printf("%s topic %s\n", done, name);
    return 0;
}

/* Pack "K=V" pairs as a map of K to V. */
static void pack_pairs(msgpack_packer *pk, const char *const *pairs, size_t n)
{
    msgpack_pack_map(pk, n);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(pairs[i], '=');
        msgpack_pack_str_with_body(pk, pairs[i], (size_t)(eq - pairs[i]));
        pack_str(pk, eq + 1);
    }
}

static int create(client *c, const topic_args *a)
{
    client_begin(c, "create_topic", 1 + (a->partitions > 0) + (a->replicas > 0) + (a->n_set > 0));
    pack_kv_str(&c->pk, "topic", a->name);
    if (a->partitions > 0)
        pack_kv_int(&c->pk, "partitions", a->partitions);
    if (a->replicas > 0)
        pack_kv_int(&c->pk, "replication_factor", a->replicas);
    if (a->n_set > 0) {
        pack_str(&c->pk, "configs");
        pack_pairs(&c->pk, a->set, a->n_set);
    }
    return finish_topic_call(c, "create", "created", a->name);
}

static int delete_topic(client *c, const char *name)
{
    client_begin(c, "delete_topic", 1);
    pack_kv_str(&c->pk, "topic", name);
    return finish_topic_call(c, "delete", "deleted", name);
}

static int list(const global_opts *g, client *c)
{
    client_begin(c, "list_topics", 0);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "list topics"))
        return 1;
    if (g->json) {
        print_json(stdout, resp);
        return 0;
    }
    static const char *const headers[] = {"TOPIC", "PARTITIONS"};
    table t;
    table_init(&t, 2, headers);
    const msgpack_object *topics = map_get(resp, "topics");
    for (uint32_t i = 0; topics && topics->type == MSGPACK_OBJECT_ARRAY && i < topics->via.array.size; i++) {
        char name[256], count[24];
        table_add(
            &t, (const char *const[]){obj_text(map_get(&topics->via.array.ptr[i], "name"), name, sizeof name),
                                      obj_text(map_get(&topics->via.array.ptr[i], "partitions"), count, sizeof count)});
    }
    table_print(&t, stdout);
    table_free(&t);
    return 0;
}

static int alter_config(client *c, const topic_args *a)
{
    client_begin(c, "alter_configs", 1 + (a->n_set > 0) + (a->n_del > 0));
    pack_kv_str(&c->pk, "topic", a->name);
    if (a->n_set > 0) {
        pack_str(&c->pk, "set");
        pack_pairs(&c->pk, a->set, a->n_set);
    }
    if (a->n_del > 0) {
        pack_str(&c->pk, "delete");
        msgpack_pack_array(&c->pk, a->n_del);
        for (size_t i = 0; i < a->n_del; i++)
            pack_str(&c->pk, a->del[i]);
    }
    return finish_topic_call(c, "change the configs of", "changed the configs of", a->name);
}

static int add_partitions(client *c, const topic_args *a)
{
    client_begin(c, "create_partitions", 2);
    pack_kv_str(&c->pk, "topic", a->name);
    pack_kv_int(&c->pk, "count", a->to);
    const msgpack_object *resp = client_call(c);
    char what[320];
    snprintf(what, sizeof what, "add partitions to topic \"%s\"", a->name);
    if (!resp || report_error(resp, what))
        return 1;
    printf("topic %s has %lld partitions\n", a->name, (long long)a->to);
    return 0;
}

static int delete_records(client *c, const topic_args *a)
{
    client_begin(c, "delete_records", 3);
    pack_kv_str(&c->pk, "topic", a->name);
    pack_kv_int(&c->pk, "partition", a->partition);
    pack_kv_int(&c->pk, "before", a->before);
    const msgpack_object *resp = client_call(c);
    char what[320];
    snprintf(what, sizeof what, "delete records of %s-%lld", a->name, (long long)a->partition);
    if (!resp || report_error(resp, what))
        return 1;
    printf("%s-%lld starts at offset %lld\n", a->name, (long long)a->partition,
           (long long)map_int(resp, "low_watermark", -1));
    return 0;
}

/* An option that repeats, into `list`; -1 after printing why. */
static int add_repeated(const char *opt, const char *value, const char **list, size_t *n, int needs_eq)
{
    if (*n == MAX_PAIRS) {
        fprintf(stderr, "brookctl: at most %d %s options\n", MAX_PAIRS, opt);
        return -1;
    }
    const char *eq = strchr(value, '=');
    if (needs_eq ? !eq || eq == value : !*value || eq) {
        fprintf(stderr, "brookctl: %s takes %s, got \"%s\"\n", opt, needs_eq ? "NAME=VALUE" : "a config name", value);
        return -1;
    }
    list[(*n)++] = value;
    return 0;
}

/* Which options each action takes: the rest are refused, not ignored. */
static int args_fit(const topic_args *a)
{
    const char *act = a->action;
    int create = strcmp(act, "create") == 0, alter = strcmp(act, "alter-config") == 0;
    if (!create && (a->partitions > 0 || a->replicas > 0))
        return 0;
    if (a->n_set && !create && !alter)
        return 0;
    if (a->n_del && !alter)
        return 0;
    if (alter && a->n_set + a->n_del == 0)
        return 0;
    int add = strcmp(act, "add-partitions") == 0, records = strcmp(act, "delete-records") == 0;
    if ((a->to >= 0) != add)
        return 0;
    if ((a->partition >= 0 || a->before >= -1) != records || (records && (a->partition < 0 || a->before < -1)))
        return 0;
    return 1;
}

static int parse_args(int argc, char **argv, topic_args *a)
{
    static const struct option longopts[] = {
        {"partitions", required_argument, NULL, 'p'},
        {"replication-factor", required_argument, NULL, 'r'},
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 's'},
        {"delete", required_argument, NULL, 'd'},
        {"to", required_argument, NULL, 'T'},
        {"partition", required_argument, NULL, 'P'},
        {"before", required_argument, NULL, 'B'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *a = (topic_args){.partitions = -1, .replicas = -1, .to = -1, .partition = -1, .before = -2};
    int opt;
    while ((opt = getopt_long(argc, argv, "p:h", longopts, NULL)) != -1) {
        int bad = 0;
        switch (opt) {
        case 'p': bad = parse_int_opt("--partitions", optarg, 1, 100000, &a->partitions); break;
        case 'r': bad = parse_int_opt("--replication-factor", optarg, 1, 32767, &a->replicas); break;
        case 'c':
        case 's': bad = add_repeated(opt == 'c' ? "--config" : "--set", optarg, a->set, &a->n_set, 1); break;
        case 'd': bad = add_repeated("--delete", optarg, a->del, &a->n_del, 0); break;
        case 'T': bad = parse_int_opt("--to", optarg, 1, 100000, &a->to); break;
        case 'P': bad = parse_int_opt("--partition", optarg, 0, INT32_MAX, &a->partition); break;
        case 'B': bad = parse_int_opt("--before", optarg, -1, INT64_MAX, &a->before); break;
        case 'h': usage(stdout); return 1;
        default: bad = 1;
        }
        if (bad) {
            usage(stderr);
            return -1;
        }
    }
    a->action = optind < argc ? argv[optind] : NULL;
    a->name = optind + 1 < argc ? argv[optind + 1] : NULL;
    int is_list = a->action && strcmp(a->action, "list") == 0;
    if (!a->action || (is_list ? optind + 1 != argc : !a->name || optind + 2 != argc) || !args_fit(a)) {
        usage(stderr);
        return -1;
    }
    return 0;
}

int cmd_topics(const global_opts *g, int argc, char **argv)
{
    topic_args a;
    int parsed = parse_args(argc, argv, &a);
    if (parsed)
        return parsed > 0 ? 0 : EXIT_USAGE;
    static const char *const actions[] = {"create",       "delete",         "list",          "describe",
                                          "alter-config", "add-partitions", "delete-records"};
    size_t which = 0;
    while (which < sizeof actions / sizeof *actions && strcmp(actions[which], a.action) != 0)
        which++;
    if (which == sizeof actions / sizeof *actions) {
        fprintf(stderr, "brookctl: unknown topics action \"%s\"\n", a.action);
        usage(stderr);
        return EXIT_USAGE;
    }
    client c;
    if (client_connect(&c, g->broker, g->timeout_ms)) {
        client_close(&c);
        return 1;
    }
    int rc = 1;
    switch (which) {
    case 0: rc = create(&c, &a); break;
    case 1: rc = delete_topic(&c, a.name); break;
    case 2: rc = list(g, &c); break;
    case 3: rc = topic_describe(g, &c, a.name); break;
    case 4: rc = alter_config(&c, &a); break;
    case 5: rc = add_partitions(&c, &a); break;
    case 6: rc = delete_records(&c, &a); break;
    }
    client_close(&c);
    return rc;
}
