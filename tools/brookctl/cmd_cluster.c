/* brookctl cluster: the brokers the broker knows are live, which one is
 * the controller, and the cluster id (native op describe_cluster);
 * `cluster elect` is cluster_elect.c, `cluster reassign` and `cluster
 * reassignments` cluster_reassign.c. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "output.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl cluster [info]\n"
                 "       brookctl cluster elect [--unclean] [TOPIC[:PARTITION]...]\n"
                 "       brookctl cluster reassign [--cancel] TOPIC:PARTITION[=BROKER,...]...\n"
                 "       brookctl cluster reassignments [TOPIC...]\n"
                 "       brookctl cluster throttles | unthrottle\n"
                 "  the cluster id, the controller and every live broker (id, address, rack), as the broker\n"
                 "  given with -b sees them (a single broker lists itself as its own controller), then each\n"
                 "  partition: leader, leader epoch, replicas and in-sync replicas (under-replicated,\n"
                 "  offline and reassigning partitions are marked)\n"
                 "  elect: leader elections at the controller (see `brookctl cluster elect --help`)\n"
                 "  reassign: move partitions to other brokers (see `brookctl cluster reassign --help`)\n"
                 "  reassignments: the moves in progress\n"
                 "  throttles: the replication throttles in force (rates per broker, topics' replicas)\n"
                 "  unthrottle: remove the replication throttles `reassign --throttle` set\n");
}

/* The ids, "-" for none; how many there are. */
static uint32_t print_ids(const msgpack_object *ids)
{
    char text[512];
    ids_text(ids, text, sizeof text);
    fputs(text, stdout);
    return ids && ids->type == MSGPACK_OBJECT_ARRAY ? ids->via.array.size : 0;
}

/* One line per partition: topic, partition, leader, epoch, replicas, ISR. */
static void print_partitions(const msgpack_object *topics)
{
    for (uint32_t t = 0; topics && topics->type == MSGPACK_OBJECT_ARRAY && t < topics->via.array.size; t++) {
        const msgpack_object *topic = &topics->via.array.ptr[t];
        const msgpack_object *parts = map_get(topic, "partitions");
        for (uint32_t i = 0; parts && parts->type == MSGPACK_OBJECT_ARRAY && i < parts->via.array.size; i++) {
            const msgpack_object *p = &parts->via.array.ptr[i];
            printf("partition ");
            print_str(stdout, map_get(topic, "name"));
            int64_t leader = map_int(p, "leader", -1);
            printf("-%lld\tleader %lld\tepoch %lld\treplicas ", (long long)map_int(p, "partition", -1),
                   (long long)leader, (long long)map_int(p, "leader_epoch", -1));
            uint32_t replicas = print_ids(map_get(p, "replicas"));
            printf("\tisr ");
            uint32_t isr = print_ids(map_get(p, "isr"));
            const msgpack_object *adding = map_get(p, "adding"), *removing = map_get(p, "removing");
            if (leader < 0)
                printf("\toffline");
            if (adding || removing) { /* a move: in sync are the target's (removing ones count too) */
                printf("\treassigning: adding ");
                print_ids(adding);
                printf(" removing ");
                print_ids(removing);
            } else if (leader >= 0 && isr < replicas) {
                printf("\tunder-replicated");
            }
            printf("\n");
        }
    }
}

int cluster_connect_broker(const global_opts *g, const msgpack_object *brokers, int64_t id, client *to)
{
    for (uint32_t i = 0; brokers && brokers->type == MSGPACK_OBJECT_ARRAY && i < brokers->via.array.size; i++) {
        const msgpack_object *b = &brokers->via.array.ptr[i], *host = map_get(b, "host");
        if (map_int(b, "id", -2) != id || !host || host->type != MSGPACK_OBJECT_STR)
            continue;
        char address[300];
        snprintf(address, sizeof address, "%.*s:%lld", (int)host->via.str.size, host->via.str.ptr,
                 (long long)map_int(b, "port", -1));
        return client_connect(to, address, g->timeout_ms);
    }
    fprintf(stderr, "brookctl: broker %lld is not live now: try again\n", (long long)id);
    return -1;
}

int cluster_connect_controller(const global_opts *g, client *c, client *ctl)
{
    client_begin(c, "describe_cluster", 0);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "describe cluster"))
        return -1;
    int64_t controller = map_int(resp, "controller", -1);
    if (controller >= 0)
        return cluster_connect_broker(g, map_get(resp, "brokers"), controller, ctl);
    fprintf(stderr, "brookctl: no controller is known to %s now (one is being elected): try again\n", g->broker);
    return -1;
}

int cluster_live_brokers(client *c, int32_t **ids, char ***addresses, size_t *n)
{
    *n = 0;
    client_begin(c, "describe_cluster", 0);
    const msgpack_object *resp = client_call(c), *live = resp ? map_get(resp, "brokers") : NULL;
    if (!resp || report_error(resp, "describe cluster"))
        return -1;
    size_t count = live && live->type == MSGPACK_OBJECT_ARRAY ? live->via.array.size : 0;
    *ids = calloc(count ? count : 1, sizeof **ids);
    *addresses = calloc(count ? count : 1, sizeof **addresses);
    for (size_t i = 0; *ids && *addresses && i < count; i++) {
        const msgpack_object *b = &live->via.array.ptr[i];
        char host[256], address[300];
        snprintf(address, sizeof address, "%s:%lld", obj_text(map_get(b, "host"), host, sizeof host),
                 (long long)map_int(b, "port", -1));
        (*ids)[i] = (int32_t)map_int(b, "id", -1);
        if (!((*addresses)[i] = strdup(address)))
            return -1;
        *n = i + 1;
    }
    return *ids && *addresses ? 0 : -1;
}

void cluster_free_brokers(int32_t *ids, char **addresses, size_t n)
{
    for (size_t i = 0; addresses && i < n; i++)
        free(addresses[i]);
    free(addresses);
    free(ids);
}

int cmd_cluster(const global_opts *g, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "elect") == 0)
        return cluster_elect(g, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "reassign") == 0)
        return cluster_reassign(g, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "reassignments") == 0)
        return cluster_reassignments(g, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "unthrottle") == 0)
        return cluster_unthrottle(g, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "throttles") == 0)
        return cluster_throttles(g, argc - 1, argv + 1);
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc && strcmp(argv[optind], "info") == 0) /* `cluster info`, as other tools name it */
        optind++;
    if (optind != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    client c;
    if (client_connect(&c, g->broker, g->timeout_ms))
        return 1;
    client_begin(&c, "describe_cluster", 1);
    pack_str(&c.pk, "topics");
    msgpack_pack_true(&c.pk);
    const msgpack_object *resp = client_call(&c);
    int rc = !resp || report_error(resp, "describe cluster");
    if (!rc && g->json) {
        print_json(stdout, resp);
    } else if (!rc) {
        int64_t controller = map_int(resp, "controller", -1);
        printf("cluster ");
        print_str(stdout, map_get(resp, "cluster_id"));
        printf("\ncontroller %lld\n", (long long)controller);
        const msgpack_object *brokers = map_get(resp, "brokers");
        for (uint32_t i = 0; brokers && brokers->type == MSGPACK_OBJECT_ARRAY && i < brokers->via.array.size; i++) {
            const msgpack_object *b = &brokers->via.array.ptr[i];
            int64_t id = map_int(b, "id", -1);
            printf("broker %lld\t", (long long)id);
            print_str(stdout, map_get(b, "host"));
            printf(":%lld\track ", (long long)map_int(b, "port", -1));
            print_str(stdout, map_get(b, "rack"));
            printf("%s\n", id == controller ? "\tcontroller" : "");
        }
        print_partitions(map_get(resp, "topics"));
    }
    client_close(&c);
    return rc;
}
