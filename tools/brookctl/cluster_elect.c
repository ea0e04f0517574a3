/* brookctl cluster elect [--unclean] [TOPIC[:PARTITION]...]
 *
 * Leader elections on request (native op elect_leaders), as
 * kafka-leader-election does: preferred (each partition back to its first
 * replica, when that one is live and in sync) or unclean (a partition with
 * no live leader gets a live replica even out of sync: what only the lost
 * replicas held is gone). The controller answers: brookctl asks the broker
 * given with -b which one that is and sends the request there. Without
 * topics, every partition; a topic alone, each of its partitions. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "output.h"

#define ELECTION_NOT_NEEDED 38 /* brook_err: the partition already has that leader */

typedef struct target {
    const char *topic;
    int32_t first, count; /* partitions [first, first + count) */
} target;

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl cluster elect [--unclean] [--timeout-ms N] [TOPIC[:PARTITION]...]\n"
                 "  preferred election (the default): each partition's first replica leads again if it is\n"
                 "  live and in sync; --unclean: a partition with no live leader gets its first live in-sync\n"
                 "  replica, else its first live replica whatever it holds (records only the lost replicas\n"
                 "  had are gone). Without topics, every partition (those needing nothing are not listed).\n");
}

/* "TOPIC" (every partition, looked up) or "TOPIC:PARTITION". */
static int parse_target(client *c, char *arg, target *t)
{
    char *colon = strrchr(arg, ':');
    int64_t p;
    if (colon) {
        *colon = 0;
        if (parse_int_opt("partition", colon + 1, 0, INT32_MAX, &p))
            return -1;
        *t = (target){.topic = arg, .first = (int32_t)p, .count = 1};
        return 0;
    }
    int32_t n = topic_partitions(c, arg);
    if (n < 0)
        return -1;
    *t = (target){.topic = arg, .first = 0, .count = n};
    return 0;
}

static void pack_targets(msgpack_packer *pk, const target *ts, size_t n)
{
    pack_str(pk, "topics");
    if (!n) {
        msgpack_pack_nil(pk); /* every partition */
        return;
    }
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++) {
        msgpack_pack_map(pk, 2);
        pack_kv_str(pk, "topic", ts[i].topic);
        pack_str(pk, "partitions");
        msgpack_pack_array(pk, (size_t)ts[i].count);
        for (int32_t p = 0; p < ts[i].count; p++)
            msgpack_pack_int32(pk, ts[i].first + p);
    }
}

/* One line per partition; 1 when one failed (not needing an election is no failure). */
static int print_results(const msgpack_object *results)
{
    int failed = 0;
    for (uint32_t i = 0; results && results->type == MSGPACK_OBJECT_ARRAY && i < results->via.array.size; i++) {
        const msgpack_object *r = &results->via.array.ptr[i];
        int64_t err = map_int(r, "error", 0);
        printf("partition ");
        print_str(stdout, map_get(r, "topic"));
        printf("-%lld\t%s", (long long)map_int(r, "partition", -1),
               !err                         ? "elected"
               : err == ELECTION_NOT_NEEDED ? "not needed"
                                            : "failed");
        if (err) {
            printf(": ");
            print_str(stdout, map_get(r, "message"));
        }
        printf("\n");
        failed |= err && err != ELECTION_NOT_NEEDED;
    }
    return failed;
}

int cluster_elect(const global_opts *g, int argc, char **argv)
{
    static const struct option longopts[] = {{"unclean", no_argument, NULL, 'u'},
                                             {"timeout-ms", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int opt, unclean = 0;
    int64_t timeout = 30000;
    optind = 0; /* reinitialize getopt for these options */
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'u': unclean = 1; break;
        case 't':
            if (parse_int_opt("--timeout-ms", optarg, 1, INT32_MAX, &timeout))
                return EXIT_USAGE;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    size_t n = (size_t)(argc - optind);
    target *ts = calloc(n ? n : 1, sizeof *ts);
    client c, ctl;
    int rc = 1;
    if (!ts || client_connect(&c, g->broker, g->timeout_ms)) {
        free(ts);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        if (parse_target(&c, argv[optind + (int)i], &ts[i]))
            goto out;
    if (cluster_connect_controller(g, &c, &ctl))
        goto out;
    client_begin(&ctl, "elect_leaders", 3);
    pack_kv_str(&ctl.pk, "type", unclean ? "unclean" : "preferred");
    pack_kv_int(&ctl.pk, "timeout_ms", timeout);
    pack_targets(&ctl.pk, ts, n);
    const msgpack_object *resp = client_call(&ctl);
    rc = !resp || report_error(resp, "elect leaders");
    if (!rc && g->json)
        print_json(stdout, resp);
    else if (!rc)
        rc = print_results(map_get(resp, "results"));
    client_close(&ctl);
out:
    client_close(&c);
    free(ts);
    return rc;
}
