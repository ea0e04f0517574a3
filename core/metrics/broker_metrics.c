#include "broker_metrics.h"

#include "broker.h"
#include "controller.h"
#include "client_quotas.h"
#include "cluster_image.h"
#include "membership.h"
#include "offsets.h"
#include "router.h"

static void family(FILE *out, const char *name, const char *help)
{
    fprintf(out, "# HELP brook_%s %s\n# TYPE brook_%s gauge\n", name, help, name);
}

/* One per-partition gauge: 0 and *v set, or non-zero to leave the
 * partition out of that family. */
typedef int (*partition_gauge)(brook_partition *p, int64_t *v);

static int log_start(brook_partition *p, int64_t *v)
{
    int64_t end;
    return brook_partition_offsets(p, v, &end) != BROOK_OK;
}

static int log_end(brook_partition *p, int64_t *v)
{
    int64_t start;
    return brook_partition_offsets(p, &start, v) != BROOK_OK;
}

static int high_watermark(brook_partition *p, int64_t *v)
{
    *v = p->high_watermark;
    return 0;
}

static int size_bytes(brook_partition *p, int64_t *v)
{
    uint64_t size;
    if (brook_partition_size(p, &size))
        return 1; /* the storage plugin does not say */
    *v = (int64_t)size;
    return 0;
}

static void write_partitions(brook_broker *b, FILE *out, const char *name, const char *help, partition_gauge gauge)
{
    family(out, name, help);
    for (size_t t = 0; t < b->topics.count; t++) {
        brook_topic *topic = b->topics.items[t];
        for (int32_t i = 0; i < topic->partition_count; i++) {
            brook_partition *p = topic->partitions ? topic->partitions[i] : NULL;
            int64_t v;
            if (p && gauge(p, &v) == 0)
                fprintf(out, "brook_%s{topic=\"%s\",partition=\"%d\"} %lld\n", name, topic->name, i, (long long)v);
        }
    }
}

typedef struct group_walk {
    brook_broker *b;
    FILE *out;
    const char *name;
    const char *group;
    int lag; /* write lag (high watermark - committed) instead of the committed offset */
} group_walk;

static void write_committed(void *arg, const char *topic, int32_t partition, const brook_committed *c)
{
    group_walk *w = arg;
    int64_t v = c->offset;
    if (w->lag) {
        brook_partition *p;
        if (brook_route(w->b, topic, partition, &p) || c->offset < 0)
            return; /* a deleted topic, or nothing committed yet: no lag to speak of */
        v = p->high_watermark > c->offset ? p->high_watermark - c->offset : 0;
    }
    fprintf(w->out, "brook_%s{group=\"", w->name);
    brook_metrics_write_label_value(w->out, w->group);
    fprintf(w->out, "\",topic=\"%s\",partition=\"%d\"} %lld\n", topic, partition, (long long)v);
}

static void each_group(void *arg, const char *group)
{
    group_walk *w = arg;
    w->group = group;
    brook_offsets_each(w->b->offsets, group, write_committed, w);
}

static void write_groups(brook_broker *b, FILE *out, const char *name, const char *help, int lag)
{
    family(out, name, help);
    group_walk w = {.b = b, .out = out, .name = name, .lag = lag};
    if (b->offsets)
        brook_offsets_each_group(b->offsets, each_group, &w);
}

static void write_request_durations(brook_broker *b, FILE *out)
{
    fprintf(out, "# HELP brook_request_duration_seconds time from a request's dispatch to its result, waits for "
                 "acknowledgements and long polls included\n# TYPE brook_request_duration_seconds histogram\n");
    for (int t = 0; t < BROOK_REQ_TYPE_COUNT; t++) {
        if (!brook_histogram_count(&b->request_duration[t]))
            continue;
        char labels[64];
        snprintf(labels, sizeof labels, "request=\"%s\"", brook_req_type_name(t));
        brook_histogram_write(&b->request_duration[t], out, "brook_request_duration_seconds", labels);
    }
}

/* A clustered broker's view of its cluster. */

/* How many replicas a partition led here should have in sync: all of
 * them, but while a reassignment runs only its target's (as Kafka counts
 * it: a move is not under-replication). */
static int32_t replicas_wanted(const brook_broker *b, const char *topic, const brook_partition *p)
{
    const brook_image_partition *ip = b->st->clustered ? brook_cluster_image_partition(b, topic, p->index) : NULL;
    return ip && brook_partition_record_reassigning(&ip->rec) ? ip->rec.replica_count - ip->rec.removing_count
                                                              : p->replica_count;
}

static void write_cluster(brook_broker *b, FILE *out)
{
    size_t live;
    brook_membership_live(b, &live);
    family(out, "cluster_live_brokers", "brokers registered in the metadata store now, this one included");
    fprintf(out, "brook_cluster_live_brokers %zu\n", live);
    family(out, "cluster_controller_id", "the broker id of the controller as last seen (-1: none right now)");
    fprintf(out, "brook_cluster_controller_id %d\n", brook_controller_id(b));
    family(out, "cluster_is_controller", "1 while this broker is the controller");
    fprintf(out, "brook_cluster_is_controller %d\n", brook_is_controller(b));
    family(out, "cluster_registered", "1 while this broker holds a live lease and its registration");
    fprintf(out, "brook_cluster_registered %d\n", !brook_membership_lost(b));
    size_t led = 0, under = 0, offline = 0;
    for (size_t t = 0; t < b->topics.count; t++) {
        const brook_topic *topic = b->topics.items[t];
        for (int32_t i = 0; topic->partitions && i < topic->partition_count; i++) {
            const brook_partition *p = topic->partitions[i];
            if (p && p->role == BROOK_ROLE_LEADER) {
                led++;
                under += p->isr_count < replicas_wanted(b, topic->name, p);
            }
        }
    }
    /* offline partitions: the controller's count (the records say it) */
    brook_strmap_iter it = {0};
    const brook_image_topic *it_topic;
    while (brook_is_controller(b) && (it_topic = brook_cluster_image_next(b, &it)))
        for (int32_t i = 0; i < it_topic->rec.partitions; i++)
            offline += i < it_topic->partition_cap && it_topic->partitions[i].present &&
                       it_topic->partitions[i].rec.leader < 0;
    family(out, "cluster_leader_partitions", "partitions this broker leads");
    fprintf(out, "brook_cluster_leader_partitions %zu\n", led);
    family(out, "cluster_under_replicated_partitions",
           "partitions this broker leads whose in-sync set is smaller than their replicas (a reassignment's target)");
    fprintf(out, "brook_cluster_under_replicated_partitions %zu\n", under);
    family(out, "cluster_offline_partitions", "partitions without a leader (reported by the controller; 0 elsewhere)");
    fprintf(out, "brook_cluster_offline_partitions %zu\n", offline);
}

void brook_broker_write_metrics(void *broker, FILE *out)
{
    brook_broker *b = broker;
    write_request_durations(b, out);
    size_t partitions = 0;
    for (size_t t = 0; t < b->topics.count; t++)
        partitions += (size_t)b->topics.items[t]->partition_count;
    family(out, "topics", "topics in the registry");
    fprintf(out, "brook_topics %zu\n", b->topics.count);
    family(out, "partitions", "partitions of all topics");
    fprintf(out, "brook_partitions %zu\n", partitions);
    write_partitions(b, out, "partition_log_start_offset", "first offset still stored", log_start);
    write_partitions(b, out, "partition_log_end_offset", "offset the next appended record gets", log_end);
    write_partitions(b, out, "partition_high_watermark", "offset up to which consumers may read", high_watermark);
    write_partitions(b, out, "partition_size_bytes", "bytes of record batches the partition's log holds", size_bytes);
    write_groups(b, out, "consumer_group_committed_offset", "offset a consumer group committed", 0);
    write_groups(b, out, "consumer_group_lag", "records between a group's committed offset and the high watermark", 1);
    brook_client_quotas_write_metrics(b, out);
    if (b->membership)
        write_cluster(b, out);
}
