/* brookctl cluster reassign [--cancel] [--timeout-ms N] [--dry-run] [--throttle RATE]
 *     (TOPIC:PARTITION[=BROKER,...]... | --file PLAN.json | --brokers B,... TOPIC...)
 * brookctl cluster reassignments [TOPIC...]
 *
 * Moving partitions between brokers (native ops alter_reassignments and
 * list_reassignments), as kafka-reassign-partitions does: each partition
 * named gets the replicas listed, its preferred leader first; the new ones
 * catch up and the others are then removed. The moves come from the
 * command line, from a plan file in kafka-reassign-partitions' JSON format,
 * or are planned onto a set of brokers (reassign_plan.h); --dry-run prints
 * the plan in that format instead. --throttle copies the moves at that
 * rate (cluster_throttle.c). --cancel takes moves back. The
 * controller answers: brookctl asks the broker given with -b which one
 * that is and sends the request there. `reassignments` lists the moves in
 * progress (of the topics named, else all). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "output.h"
#include "reassign_plan.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl cluster reassign [OPTIONS] TOPIC:PARTITION=BROKER[,BROKER...]...\n"
                 "       brookctl cluster reassign [OPTIONS] --file PLAN.json\n"
                 "       brookctl cluster reassign [OPTIONS] --brokers BROKER,... TOPIC...\n"
                 "       brookctl cluster reassign --cancel [--timeout-ms N] TOPIC:PARTITION...\n"
                 "  each partition moves to the brokers listed (live ones; the first is its preferred\n"
                 "  leader): they copy its log, and once all are in sync the replicas left out are\n"
                 "  removed. The answer comes when the move has started (`brookctl cluster\n"
                 "  reassignments` shows it until it is done). --file: a kafka-reassign-partitions plan\n"
                 "  ({\"version\": 1, \"partitions\": [{\"topic\", \"partition\", \"replicas\"}]}). --brokers:\n"
                 "  every partition of the topics onto those brokers only, with the fewest moves (a\n"
                 "  replica elsewhere goes to the least loaded of them). --dry-run: print the plan in\n"
                 "  that JSON format, move nothing. --cancel: back to the replicas before.\n"
                 "  OPTIONS: --timeout-ms N, --dry-run, --throttle BYTES_PER_SECOND: the new replicas\n"
                 "  copy at that rate (Kafka's replication throttles: the rates on every broker the moves\n"
                 "  touch, the replicas listed on their topics; only out-of-sync replicas are held\n"
                 "  back); `brookctl cluster unthrottle` removes them once the moves are done.\n");
}

/* "TOPIC:PARTITION" or "TOPIC:PARTITION=1,2,3" (writes into arg). */
static int parse_move(char *arg, int cancel, plan *p)
{
    char *eq = strchr(arg, '='), *colon;
    if (eq)
        *eq = 0;
    colon = strrchr(arg, ':');
    int64_t v;
    if (!colon || colon == arg || (!eq) != cancel) {
        fprintf(stderr, "brookctl: %s: expected TOPIC:PARTITION%s\n", arg, cancel ? "" : "=BROKER[,BROKER...]");
        return -1;
    }
    *colon = 0;
    if (parse_int_opt("partition", colon + 1, 0, INT32_MAX, &v))
        return -1;
    int32_t partition = (int32_t)v, ids[PLAN_MAX_REPLICAS], n = 0;
    for (char *id = cancel ? NULL : strtok(eq + 1, ","); id; id = strtok(NULL, ",")) {
        if (n == PLAN_MAX_REPLICAS) {
            fprintf(stderr, "brookctl: at most %d replicas per partition\n", PLAN_MAX_REPLICAS);
            return -1;
        }
        if (parse_int_opt("broker id", id, 0, INT32_MAX, &v))
            return -1;
        ids[n++] = (int32_t)v;
    }
    if (!cancel && !n) {
        fprintf(stderr, "brookctl: %s:%d: no broker listed\n", arg, partition);
        return -1;
    }
    return plan_add(p, arg, partition, ids, cancel ? -1 : n);
}

/* "1,2,3" into ids (room for PLAN_MAX_REPLICAS). */
static int parse_brokers(char *arg, int32_t *ids, size_t *n)
{
    int64_t v;
    *n = 0;
    for (char *id = strtok(arg, ","); id; id = strtok(NULL, ",")) {
        if (*n == PLAN_MAX_REPLICAS || parse_int_opt("--brokers", id, 0, INT32_MAX, &v))
            return -1;
        ids[(*n)++] = (int32_t)v;
    }
    return *n ? 0 : -1;
}

/* One topic entry per move (the broker takes the same topic twice). */
static void pack_moves(msgpack_packer *pk, const plan *p)
{
    pack_str(pk, "topics");
    msgpack_pack_array(pk, p->count);
    for (size_t i = 0; i < p->count; i++) {
        const plan_move *m = &p->moves[i];
        msgpack_pack_map(pk, 2);
        pack_kv_str(pk, "topic", m->topic);
        pack_str(pk, "partitions");
        msgpack_pack_array(pk, 1);
        msgpack_pack_map(pk, 2);
        pack_kv_int(pk, "partition", m->partition);
        pack_str(pk, "replicas");
        if (m->replica_count < 0) {
            msgpack_pack_nil(pk);
            continue;
        }
        msgpack_pack_array(pk, (size_t)m->replica_count);
        for (int32_t r = 0; r < m->replica_count; r++)
            msgpack_pack_int32(pk, m->replicas[r]);
    }
}

/* One line per partition; 1 when one failed. */
static int print_results(const msgpack_object *results, int cancel)
{
    int failed = 0;
    for (uint32_t i = 0; results && results->type == MSGPACK_OBJECT_ARRAY && i < results->via.array.size; i++) {
        const msgpack_object *r = &results->via.array.ptr[i];
        int64_t err = map_int(r, "error", 0);
        printf("partition ");
        print_str(stdout, map_get(r, "topic"));
        printf("-%lld\t%s", (long long)map_int(r, "partition", -1),
               err      ? "failed"
               : cancel ? "cancelled"
                        : "reassigning");
        if (err) {
            printf(": ");
            print_str(stdout, map_get(r, "message"));
        }
        printf("\n");
        failed |= err != 0;
    }
    return failed;
}

typedef struct reassign_opts {
    int cancel, dry_run;
    int64_t timeout;
    int64_t throttle; /* bytes/s; 0: none */
    const char *file;
    char *brokers;
} reassign_opts;

/* The plan the arguments ask for; EXIT_USAGE or 1 after printing why. */
static int make_plan(const global_opts *g, const reassign_opts *o, int argc, char **argv, plan *p)
{
    if ((o->file != NULL) + (o->brokers != NULL) + o->cancel > 1 || (o->file && argc) || (!o->file && !argc)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (o->file)
        return plan_from_file(p, o->file) ? 1 : 0;
    if (!o->brokers) {
        for (int i = 0; i < argc; i++)
            if (parse_move(argv[i], o->cancel, p))
                return EXIT_USAGE;
        return 0;
    }
    int32_t ids[PLAN_MAX_REPLICAS];
    size_t n;
    if (parse_brokers(o->brokers, ids, &n)) {
        fprintf(stderr, "brookctl: --brokers takes broker ids: 1,2,3\n");
        return EXIT_USAGE;
    }
    client c;
    if (client_connect(&c, g->broker, g->timeout_ms))
        return 1;
    int rc = plan_onto_brokers(p, &c, ids, n, argv, (size_t)argc) ? 1 : 0;
    client_close(&c);
    return rc;
}

/* Send the plan to the controller and print what it answered. */
static int execute(const global_opts *g, const reassign_opts *o, const plan *p)
{
    client c, ctl;
    if (client_connect(&c, g->broker, g->timeout_ms))
        return 1;
    int rc = o->throttle ? throttle_moves(&c, p, o->throttle) : 0;
    if (!rc)
        rc = cluster_connect_controller(g, &c, &ctl);
    client_close(&c);
    if (rc)
        return 1;
    client_begin(&ctl, "alter_reassignments", 2);
    pack_kv_int(&ctl.pk, "timeout_ms", o->timeout);
    pack_moves(&ctl.pk, p);
    const msgpack_object *resp = client_call(&ctl);
    rc = !resp || report_error(resp, "reassign partitions");
    if (!rc && g->json)
        print_json(stdout, resp);
    else if (!rc)
        rc = print_results(map_get(resp, "results"), o->cancel);
    client_close(&ctl);
    return rc;
}

int cluster_reassign(const global_opts *g, int argc, char **argv)
{
    static const struct option longopts[] = {{"cancel", no_argument, NULL, 'c'},
                                             {"dry-run", no_argument, NULL, 'n'},
                                             {"file", required_argument, NULL, 'f'},
                                             {"brokers", required_argument, NULL, 'b'},
                                             {"timeout-ms", required_argument, NULL, 't'},
                                             {"throttle", required_argument, NULL, 'r'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    reassign_opts o = {.timeout = 30000};
    int opt;
    optind = 0; /* reinitialize getopt for these options */
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': o.cancel = 1; break;
        case 'n': o.dry_run = 1; break;
        case 'f': o.file = optarg; break;
        case 'b': o.brokers = optarg; break;
        case 't':
            if (parse_int_opt("--timeout-ms", optarg, 1, INT32_MAX, &o.timeout))
                return EXIT_USAGE;
            break;
        case 'r':
            if (parse_int_opt("--throttle", optarg, 1, INT64_MAX, &o.throttle))
                return EXIT_USAGE;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (o.throttle && o.cancel) {
        fprintf(stderr, "brookctl: --throttle is for moves, not --cancel\n");
        return EXIT_USAGE;
    }
    plan p = {0};
    int rc = make_plan(g, &o, argc - optind, argv + optind, &p);
    if (!rc && o.dry_run)
        plan_print_json(&p, stdout);
    else if (!rc && p.count)
        rc = execute(g, &o, &p);
    else if (!rc)
        printf("nothing to move\n"); /* every partition is where --brokers asks already */
    plan_free(&p);
    return rc;
}

/* "partition T-P  replicas 4,2,3,1  adding 4  removing 1" */
static void print_moves(const msgpack_object *moves)
{
    for (uint32_t i = 0; moves && moves->type == MSGPACK_OBJECT_ARRAY && i < moves->via.array.size; i++) {
        const msgpack_object *m = &moves->via.array.ptr[i];
        char replicas[512], adding[512], removing[512];
        ids_text(map_get(m, "replicas"), replicas, sizeof replicas);
        ids_text(map_get(m, "adding"), adding, sizeof adding);
        ids_text(map_get(m, "removing"), removing, sizeof removing);
        printf("partition ");
        print_str(stdout, map_get(m, "topic"));
        printf("-%lld\treplicas %s\tadding %s\tremoving %s\n", (long long)map_int(m, "partition", -1), replicas, adding,
               removing);
    }
}

int cluster_reassignments(const global_opts *g, int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: brookctl cluster reassignments [TOPIC...]\n"
               "  the partitions being moved (of the topics named, else all), with their replicas now\n"
               "  (the target first) and the ones being added and removed\n");
        return 0;
    }
    client c, ctl;
    if (client_connect(&c, g->broker, g->timeout_ms))
        return 1;
    int rc = 1;
    int32_t *counts = calloc((size_t)(argc > 1 ? argc : 1), sizeof *counts);
    for (int i = 1; counts && i < argc; i++)
        if ((counts[i - 1] = topic_partitions(&c, argv[i])) < 0)
            goto out;
    if (!counts || cluster_connect_controller(g, &c, &ctl))
        goto out;
    client_begin(&ctl, "list_reassignments", 1);
    pack_str(&ctl.pk, "topics");
    if (argc < 2)
        msgpack_pack_nil(&ctl.pk); /* every one */
    else
        msgpack_pack_array(&ctl.pk, (size_t)(argc - 1));
    for (int i = 1; i < argc; i++) {
        msgpack_pack_map(&ctl.pk, 2);
        pack_kv_str(&ctl.pk, "topic", argv[i]);
        pack_str(&ctl.pk, "partitions");
        msgpack_pack_array(&ctl.pk, (size_t)counts[i - 1]);
        for (int32_t p = 0; p < counts[i - 1]; p++)
            msgpack_pack_int32(&ctl.pk, p);
    }
    const msgpack_object *resp = client_call(&ctl);
    rc = !resp || report_error(resp, "list reassignments");
    if (!rc && g->json)
        print_json(stdout, resp);
    else if (!rc)
        print_moves(map_get(resp, "reassignments"));
    client_close(&ctl);
out:
    free(counts);
    client_close(&c);
    return rc;
}
