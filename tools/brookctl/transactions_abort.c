/* brookctl transactions abort TOPIC:PARTITION [--producer-id N]
 * Ends a transaction left open in a partition by hand, as Kafka's
 * `kafka-transactions.sh abort` does: the partition's leader says which
 * producer has a transaction open there (native describe_producers) and
 * gets an ABORT marker for it (write_txn_markers, which needs
 * ClusterAction on the cluster). For a transaction its coordinator no
 * longer knows (written by a broker before KIP-890's checks, or whose
 * coordinator's state was lost): one it still knows, the coordinator
 * ends itself, at its timeout at the latest. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "output.h"

/* Connect `leader` to the leader of topic-partition, as describe_cluster
 * names it (a single broker names itself); -1 after printing why. */
static int connect_leader(const global_opts *g, client *c, const char *topic, int64_t partition, client *leader)
{
    client_begin(c, "describe_cluster", 1);
    msgpack_pack_str_with_body(&c->pk, "topics", 6);
    msgpack_pack_true(&c->pk);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "describe cluster"))
        return -1;
    int64_t id = -1;
    const msgpack_object *topics = map_get(resp, "topics");
    for (uint32_t i = 0; topics && topics->type == MSGPACK_OBJECT_ARRAY && i < topics->via.array.size; i++) {
        const msgpack_object *t = &topics->via.array.ptr[i], *name = map_get(t, "name");
        const msgpack_object *parts = map_get(t, "partitions");
        if (!name || name->type != MSGPACK_OBJECT_STR || name->via.str.size != strlen(topic) ||
            memcmp(name->via.str.ptr, topic, name->via.str.size) != 0)
            continue;
        for (uint32_t k = 0; parts && parts->type == MSGPACK_OBJECT_ARRAY && k < parts->via.array.size; k++)
            if (map_int(&parts->via.array.ptr[k], "partition", -1) == partition)
                id = map_int(&parts->via.array.ptr[k], "leader", -1);
    }
    if (id >= 0)
        return cluster_connect_broker(g, map_get(resp, "brokers"), id, leader);
    fprintf(stderr, "brookctl: %s-%" PRId64 " has no leader now (or no such partition)\n", topic, partition);
    return -1;
}

typedef struct open_txn {
    int64_t producer_id, start_offset;
    int64_t epoch, coordinator_epoch;
} open_txn;

/* The transaction to abort: the producer's given, else the only one open;
 * -1 (printed) when none, or several and none chosen. */
static int pick(client *leader, const char *topic, int64_t partition, int64_t want, open_txn *out)
{
    client_begin(leader, "describe_producers", 2);
    pack_kv_str(&leader->pk, "topic", topic);
    pack_kv_int(&leader->pk, "partition", partition);
    const msgpack_object *resp = client_call(leader);
    if (!resp || report_error(resp, "describe producers"))
        return -1;
    const msgpack_object *list = map_get(resp, "producers");
    size_t open = 0;
    for (uint32_t i = 0; list && list->type == MSGPACK_OBJECT_ARRAY && i < list->via.array.size; i++) {
        const msgpack_object *p = &list->via.array.ptr[i];
        open_txn t = {map_int(p, "producer_id", -1), map_int(p, "txn_start_offset", -1),
                      map_int(p, "producer_epoch", -1), map_int(p, "coordinator_epoch", -1)};
        if (t.start_offset < 0 || (want >= 0 && t.producer_id != want))
            continue;
        if (open++ == 0)
            *out = t;
        fprintf(open > 1 || want < 0 ? stderr : stdout,
                "%sproducer %" PRId64 " epoch %" PRId64 ": open since offset %" PRId64 "\n", open > 1 ? "also " : "",
                t.producer_id, t.epoch, t.start_offset);
    }
    if (open == 1)
        return 0;
    if (!open)
        fprintf(stderr, "brookctl: no transaction%s is open in %s-%" PRId64 "\n", want >= 0 ? " of that producer" : "",
                topic, partition);
    else
        fprintf(stderr, "brookctl: %zu transactions are open in %s-%" PRId64 ": name one with --producer-id\n", open,
                topic, partition);
    return -1;
}

static int write_abort(client *leader, const char *topic, int64_t partition, const open_txn *t)
{
    client_begin(leader, "write_txn_markers", 5);
    pack_kv_int(&leader->pk, "producer_id", t->producer_id);
    pack_kv_int(&leader->pk, "producer_epoch", t->epoch);
    pack_kv_int(&leader->pk, "coordinator_epoch", t->coordinator_epoch > 0 ? t->coordinator_epoch : 0);
    pack_kv_int(&leader->pk, "commit", 0);
    pack_str(&leader->pk, "partitions");
    msgpack_pack_array(&leader->pk, 1);
    msgpack_pack_map(&leader->pk, 2);
    pack_kv_str(&leader->pk, "topic", topic);
    pack_kv_int(&leader->pk, "partition", partition);
    const msgpack_object *resp = client_call(leader);
    if (!resp || report_error(resp, "write the abort marker"))
        return -1;
    const msgpack_object *errors = map_get(resp, "errors");
    int64_t err = errors && errors->type == MSGPACK_OBJECT_ARRAY && errors->via.array.size == 1
                      ? (errors->via.array.ptr[0].type == MSGPACK_OBJECT_POSITIVE_INTEGER
                             ? (int64_t)errors->via.array.ptr[0].via.u64
                             : -1)
                      : -1;
    if (err) {
        fprintf(stderr, "brookctl: the abort marker was refused (error %" PRId64 "%s)\n", err,
                err == 10 ? ": ClusterAction on the cluster is needed" : "");
        return -1;
    }
    printf("aborted the transaction of producer %" PRId64 " in %s-%" PRId64 " (open since offset %" PRId64 ")\n",
           t->producer_id, topic, partition, t->start_offset);
    return 0;
}

int transactions_abort(const global_opts *g, client *c, int argc, char **argv)
{
    static const struct option longopts[] = {{"producer-id", required_argument, NULL, 'p'}, {NULL, 0, NULL, 0}};
    int64_t want = -1;
    char *end;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (opt != 'p' || (want = strtoll(optarg, &end, 10)) < 0 || *end)
            return EXIT_USAGE;
    }
    const char *arg = optind + 1 == argc ? argv[optind] : NULL, *colon = arg ? strrchr(arg, ':') : NULL;
    int64_t partition = colon ? strtoll(colon + 1, &end, 10) : -1;
    if (!colon || colon == arg || partition < 0 || *end || end == colon + 1)
        return EXIT_USAGE;
    char topic[256];
    snprintf(topic, sizeof topic, "%.*s", (int)(colon - arg), arg);
    client leader;
    if (connect_leader(g, c, topic, partition, &leader))
        return 1;
    open_txn t = {0};
    int rc = pick(&leader, topic, partition, want, &t) || write_abort(&leader, topic, partition, &t) ? 1 : 0;
    client_close(&leader);
    return rc;
}
