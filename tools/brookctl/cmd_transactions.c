/* brookctl transactions list [--state S]... [--producer-id N]... [--min-duration-ms MS]
 *          transactions describe ID...
 *          transactions abort TOPIC:PARTITION [--producer-id N] (transactions_abort.c)
 * The transactions the coordinators hold (native list_transactions and
 * describe_transactions, Kafka's KIP-664): each broker coordinates some
 * transactional ids, so both ask every live broker describe_cluster names
 * (a single broker names itself) and merge the answers; describe keeps,
 * for each id, the answer of its coordinator. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "output.h"

#define MAX_FILTERS 64
#define NOT_LEADER  14

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl transactions list [--state S]... [--producer-id N]... [--min-duration-ms MS]\n"
                 "       brookctl transactions describe TRANSACTIONAL-ID...\n"
                 "       brookctl transactions abort TOPIC:PARTITION [--producer-id N]\n"
                 "list shows every transactional id the coordinators hold (producer id, state), those in\n"
                 "one of the states given (Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit,\n"
                 "CompleteAbort), of the producers given, or running at least MS; describe shows each id's\n"
                 "state, producer, timeout, how long its transaction has run and its partitions. A\n"
                 "transaction that stays Ongoing holds read_committed consumers of its partitions back.\n"
                 "abort ends by hand a transaction left open in a partition (the producer's given, else\n"
                 "the only one open there) with an ABORT marker at its leader: for one its coordinator\n"
                 "no longer knows. It needs ClusterAction on the cluster.\n");
}

typedef struct filters {
    const char *states[MAX_FILTERS];
    int64_t producer_ids[MAX_FILTERS];
    size_t n_states, n_ids;
    int64_t min_duration_ms;
} filters;

/* One broker's list, added to `t`; -1 after printing why. */
static int list_at(const global_opts *g, const char *address, const filters *f, table *t, int *unknown)
{
    client c;
    if (client_connect(&c, address, g->timeout_ms))
        return -1;
    client_begin(&c, "list_transactions", 3);
    pack_str(&c.pk, "states");
    msgpack_pack_array(&c.pk, (uint32_t)f->n_states);
    for (size_t i = 0; i < f->n_states; i++)
        pack_str(&c.pk, f->states[i]);
    pack_str(&c.pk, "producer_ids");
    msgpack_pack_array(&c.pk, (uint32_t)f->n_ids);
    for (size_t i = 0; i < f->n_ids; i++)
        msgpack_pack_int64(&c.pk, f->producer_ids[i]);
    pack_kv_int(&c.pk, "min_duration_ms", f->min_duration_ms);
    const msgpack_object *resp = client_call(&c);
    int rc = !resp || report_error(resp, "list transactions") ? -1 : 0;
    const msgpack_object *bad = rc ? NULL : map_get(resp, "unknown_states");
    for (uint32_t i = 0; bad && bad->type == MSGPACK_OBJECT_ARRAY && i < bad->via.array.size && !*unknown; i++) {
        char name[80];
        fprintf(stderr, "brookctl: no state \"%s\" (Empty, Ongoing, PrepareCommit, PrepareAbort, ...)\n",
                obj_text(&bad->via.array.ptr[i], name, sizeof name));
        *unknown = 1;
    }
    const msgpack_object *list = rc ? NULL : map_get(resp, "transactions");
    for (uint32_t i = 0; list && list->type == MSGPACK_OBJECT_ARRAY && i < list->via.array.size; i++) {
        const msgpack_object *o = &list->via.array.ptr[i];
        char id[512], pid[32], state[32];
        table_add(t, (const char *const[]){obj_text(map_get(o, "transactional_id"), id, sizeof id),
                                           obj_text(map_get(o, "producer_id"), pid, sizeof pid),
                                           obj_text(map_get(o, "state"), state, sizeof state)});
    }
    client_close(&c);
    return rc;
}

static void print_list_json(const table *t)
{
    printf("{\"transactions\":[");
    for (size_t r = 0; r < t->rows; r++) {
        char **row = &t->cells[r * t->cols];
        printf("%s{\"transactional_id\":", r ? "," : "");
        json_string(stdout, row[0], strlen(row[0]));
        printf(",\"producer_id\":%s,\"state\":", row[1]);
        json_string(stdout, row[2], strlen(row[2]));
        printf("}");
    }
    printf("]}\n");
}

static int list(const global_opts *g, client *c, const filters *f)
{
    size_t n = 0;
    int32_t *ids = NULL;
    char **addresses = NULL;
    if (cluster_live_brokers(c, &ids, &addresses, &n)) {
        cluster_free_brokers(ids, addresses, n);
        return 1;
    }
    static const char *const headers[] = {"TRANSACTIONAL-ID", "PRODUCER-ID", "STATE"};
    table t;
    table_init(&t, 3, headers);
    int failed = 0, unknown = 0;
    for (size_t i = 0; i < n; i++)
        failed |= list_at(g, addresses[i], f, &t, &unknown) != 0;
    if (!unknown && g->json)
        print_list_json(&t);
    else if (!unknown)
        table_print(&t, stdout);
    table_free(&t);
    cluster_free_brokers(ids, addresses, n);
    return unknown ? EXIT_USAGE : failed;
}

/* "t-0 t-1 u-3" from describe's partitions. */
static void partitions_text(const msgpack_object *parts, char *out, size_t len)
{
    size_t at = 0;
    out[0] = '\0';
    for (uint32_t i = 0; parts && parts->type == MSGPACK_OBJECT_ARRAY && i < parts->via.array.size; i++) {
        char topic[256];
        const msgpack_object *p = &parts->via.array.ptr[i];
        int w = snprintf(out + at, len - at, "%s%s-%" PRId64, at ? " " : "",
                         obj_text(map_get(p, "topic"), topic, sizeof topic), map_int(p, "partition", -1));
        if (w < 0 || (size_t)w >= len - at) {
            snprintf(out + (len > 4 ? len - 4 : 0), len > 4 ? 4 : len, "...");
            return;
        }
        at += (size_t)w;
    }
}

/* One id's description as its coordinator gave it: a table row. */
static void describe_row(const msgpack_object *o, int64_t now_ms, table *t)
{
    char id[512], state[32], pid[32], epoch[16], timeout[24], running[32], parts[4096];
    int64_t start = map_int(o, "start_ms", -1);
    if (start >= 0)
        snprintf(running, sizeof running, "%" PRId64, now_ms > start ? now_ms - start : 0);
    else
        snprintf(running, sizeof running, "-");
    partitions_text(map_get(o, "partitions"), parts, sizeof parts);
    table_add(t, (const char *const[]){obj_text(map_get(o, "transactional_id"), id, sizeof id),
                                       obj_text(map_get(o, "state"), state, sizeof state),
                                       obj_text(map_get(o, "producer_id"), pid, sizeof pid),
                                       obj_text(map_get(o, "producer_epoch"), epoch, sizeof epoch),
                                       obj_text(map_get(o, "timeout_ms"), timeout, sizeof timeout), running, parts});
}

/* Ask one broker about every id still unanswered (found[i] == 0). */
static int describe_at(const global_opts *g, const char *address, char **ids, size_t n, int *found, table *t,
                       int64_t now_ms)
{
    client c;
    if (client_connect(&c, address, g->timeout_ms))
        return -1;
    client_begin(&c, "describe_transactions", 1);
    pack_str(&c.pk, "transactional_ids");
    msgpack_pack_array(&c.pk, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        pack_str(&c.pk, ids[i]);
    const msgpack_object *resp = client_call(&c);
    int rc = !resp || report_error(resp, "describe transactions") ? -1 : 0;
    const msgpack_object *list = rc ? NULL : map_get(resp, "transactions");
    for (uint32_t i = 0; list && list->type == MSGPACK_OBJECT_ARRAY && i < list->via.array.size && i < n; i++) {
        const msgpack_object *o = &list->via.array.ptr[i];
        int64_t err = map_int(o, "error", -1);
        if (found[i] || err == NOT_LEADER)
            continue; /* not its coordinator: another broker answers */
        found[i] = err ? (int)err : -1;
        if (!err)
            describe_row(o, now_ms, t);
    }
    client_close(&c);
    return rc;
}

static int describe(const global_opts *g, client *c, char **ids, size_t n)
{
    size_t nb = 0;
    int32_t *broker_ids = NULL;
    char **addresses = NULL;
    int *found = calloc(n + 1, sizeof *found);
    if (!found || cluster_live_brokers(c, &broker_ids, &addresses, &nb)) {
        cluster_free_brokers(broker_ids, addresses, nb);
        free(found);
        return 1;
    }
    static const char *const headers[] = {"TRANSACTIONAL-ID", "STATE",      "PRODUCER-ID", "EPOCH",
                                          "TIMEOUT-MS",       "RUNNING-MS", "PARTITIONS"};
    table t;
    table_init(&t, 7, headers);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    int failed = 0;
    for (size_t i = 0; i < nb; i++)
        failed |= describe_at(g, addresses[i], ids, n, found, &t, now_ms) != 0;
    table_print(&t, stdout);
    for (size_t i = 0; i < n; i++) {
        if (found[i] == -1)
            continue;
        failed = 1;
        if (found[i] == 4)
            fprintf(stderr, "brookctl: no transactional id \"%s\"\n", ids[i]);
        else
            fprintf(stderr, "brookctl: describe \"%s\": %s (error %d)\n", ids[i],
                    found[i] ? "refused" : "no broker coordinates it now", found[i]);
    }
    table_free(&t);
    cluster_free_brokers(broker_ids, addresses, nb);
    free(found);
    return failed;
}

/* --state, --producer-id, --min-duration-ms; -1 after printing why. */
static int parse_filters(int argc, char **argv, filters *f)
{
    static const struct option longopts[] = {{"state", required_argument, NULL, 's'},
                                             {"producer-id", required_argument, NULL, 'p'},
                                             {"min-duration-ms", required_argument, NULL, 'm'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    *f = (filters){.min_duration_ms = -1};
    int opt;
    char *end;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 's':
            if (f->n_states == MAX_FILTERS)
                return -1;
            f->states[f->n_states++] = optarg;
            break;
        case 'p':
            if (f->n_ids == MAX_FILTERS || (f->producer_ids[f->n_ids] = strtoll(optarg, &end, 10)) < 0 || *end)
                return -1;
            f->n_ids++;
            break;
        case 'm':
            if ((f->min_duration_ms = strtoll(optarg, &end, 10)) < 0 || *end)
                return -1;
            break;
        default: return -1;
        }
    }
    return optind == argc ? 0 : -1;
}

int cmd_transactions(const global_opts *g, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "abort") == 0) {
        client c;
        if (client_connect(&c, g->broker, g->timeout_ms))
            return 1;
        int rc = transactions_abort(g, &c, argc - 1, argv + 1);
        client_close(&c);
        if (rc == EXIT_USAGE)
            usage(stderr);
        return rc;
    }
    int is_list = strcmp(argv[1], "list") == 0;
    filters f;
    if ((!is_list && strcmp(argv[1], "describe") != 0) || (is_list && parse_filters(argc - 1, argv + 1, &f)) ||
        (!is_list && (argc < 3 || argv[2][0] == '-'))) {
        fprintf(stderr, "brookctl: transactions %s: bad arguments\n", argv[1]);
        usage(stderr);
        return EXIT_USAGE;
    }
    client c;
    if (client_connect(&c, g->broker, g->timeout_ms))
        return 1;
    int rc = is_list ? list(g, &c, &f) : describe(g, &c, argv + 2, (size_t)(argc - 2));
    client_close(&c);
    return rc;
}
