/* DescribeLogDirs: the replicas this broker keeps in its data directory
 * (leader or follower), each with its size on disk and how far its log
 * end lies behind the high watermark, and the directory's file system
 * size and free space. Brook keeps one directory per broker, so the
 * answer is one directory. DESCRIBE on the cluster, as Kafka asks. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "broker.h"
#include "handlers.h"
#include "partition.h"

static void describe_replica(brook_partition *p, brook_log_dir_partition *out)
{
    uint64_t size;
    int64_t start, end;
    out->partition = p->index;
    out->size_bytes = brook_partition_size(p, &size) ? -1 : (int64_t)size;
    out->offset_lag = 0;
    if (!brook_partition_offsets(p, &start, &end) && p->high_watermark > end)
        out->offset_lag = p->high_watermark - end;
}

/* The replicas of `t` this broker keeps, of those `lt` names (all when none). */
static brook_err describe_topic(brook_req *req, const brook_topic *t, brook_log_dir_topic *lt)
{
    size_t room = t->partitions ? (size_t)t->partition_count : 0;
    lt->replicas = brook_request_alloc(&req->pub, sizeof *lt->replicas * (room + 1));
    if (!lt->replicas)
        return BROOK_ERR_NOMEM;
    lt->replica_count = 0;
    for (size_t i = 0; i < room; i++) {
        brook_partition *p = t->partitions[i];
        int asked = lt->partition_count == 0;
        for (size_t k = 0; k < lt->partition_count && !asked; k++)
            asked = lt->partitions[k] == (int32_t)i;
        if (p && asked)
            describe_replica(p, &lt->replicas[lt->replica_count++]);
    }
    return BROOK_OK;
}

static void file_system_space(brook_req *req, brook_describe_log_dirs_req *d, const char *path)
{
    struct statvfs fs;
    d->total_bytes = d->usable_bytes = -1;
    if (statvfs(path, &fs) == 0) {
        d->total_bytes = (int64_t)((uint64_t)fs.f_blocks * fs.f_frsize);
        d->usable_bytes = (int64_t)((uint64_t)fs.f_bavail * fs.f_frsize);
    }
    char *abs = brook_request_alloc(&req->pub, PATH_MAX);
    d->log_dir = abs && realpath(path, abs) ? abs : path;
}

void brook_handle_describe_log_dirs(brook_req *req)
{
    brook_broker *b = req->broker;
    brook_describe_log_dirs_req *d = &req->pub.u.describe_log_dirs;
    if ((d->error = brook_authorize(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_CLUSTER, "kafka-cluster")))
        return;
    file_system_space(req, d, b->st->data_dir);
    if (d->all_topics) {
        d->topics = brook_request_alloc(&req->pub, sizeof *d->topics * (b->topics.count + 1));
        if (!d->topics) {
            d->error = BROOK_ERR_NOMEM;
            return;
        }
        d->topic_count = 0;
        for (size_t i = 0; i < b->topics.count; i++)
            d->topics[d->topic_count++].name = b->topics.items[i]->name;
    }
    for (size_t i = 0; i < d->topic_count && !d->error; i++) {
        brook_log_dir_topic *lt = &d->topics[i];
        const brook_topic *t = lt->name ? brook_topics_find(&b->topics, lt->name) : NULL;
        lt->replica_count = 0;
        if (t)
            d->error = describe_topic(req, t, lt);
    }
}
