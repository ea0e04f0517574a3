#include "group_coordinator.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "cluster_image.h"
#include "group.h"
#include "listener.h"
#include "log.h"
#include "log_scan.h"
#include "membership.h"
#include "offsets.h"
#include "partition.h"
#include "producer_state.h"
#include "txn_coordinator.h"

struct brook_coordinators {
    uint8_t *loaded; /* per partition of __consumer_offsets: its groups are in b->offsets */
    int32_t cap;
};

int brook_is_internal_topic(const char *topic)
{
    return topic && strcmp(topic, BROOK_OFFSETS_TOPIC) == 0;
}

static struct brook_coordinators *coordinators(brook_broker *b)
{
    if (!b->coordinators)
        b->coordinators = calloc(1, sizeof *b->coordinators);
    return b->coordinators;
}

static int loaded(brook_broker *b, int32_t k)
{
    struct brook_coordinators *c = coordinators(b);
    return c && k < c->cap && c->loaded[k];
}

static void set_loaded(brook_broker *b, int32_t k, int on)
{
    struct brook_coordinators *c = coordinators(b);
    if (!c)
        return;
    if (k >= c->cap) {
        uint8_t *more = realloc(c->loaded, (size_t)k + 1);
        if (!more)
            return;
        memset(more + c->cap, 0, (size_t)(k + 1 - c->cap));
        c->loaded = more;
        c->cap = k + 1;
    }
    c->loaded[k] = (uint8_t)on;
}

/* Kafka's choice: abs(String.hashCode) % partitions (the same for ASCII ids). */
static int32_t partition_of(const char *group, int32_t partitions)
{
    uint32_t h = 0;
    for (const unsigned char *p = (const unsigned char *)group; *p; p++)
        h = 31 * h + *p;
    int32_t s = (int32_t)h;
    return (s == INT32_MIN ? 0 : s < 0 ? -s : s) % partitions;
}

/* The topic (the controller makes it once enough brokers are live). */
static const brook_image_topic *offsets_topic(brook_broker *b)
{
    return brook_cluster_image_topic(b, BROOK_OFFSETS_TOPIC);
}

/* This broker's replica of the group's partition, when it leads it. */
static brook_partition *led_partition(brook_broker *b, const char *group, int32_t *k)
{
    const brook_image_topic *t = offsets_topic(b);
    if (!t)
        return NULL;
    *k = partition_of(group, t->rec.partitions);
    brook_topic *local = brook_topics_find(&b->topics, BROOK_OFFSETS_TOPIC);
    brook_partition *p = local && *k < local->partition_count && local->partitions ? local->partitions[*k] : NULL;
    return p && !p->closing && p->role == BROOK_ROLE_LEADER && brook_membership_lease_valid(b) ? p : NULL;
}

brook_err brook_coordinator_check(brook_broker *b, const char *group)
{
    if (!b->st->clustered)
        return BROOK_OK;
    const brook_image_topic *t = offsets_topic(b);
    if (!t)
        return BROOK_ERR_LEADER_NOT_AVAILABLE;
    int32_t k = partition_of(group ? group : "", t->rec.partitions);
    if (!led_partition(b, group ? group : "", &k))
        return BROOK_ERR_NOT_LEADER;
    return loaded(b, k) ? BROOK_OK : BROOK_ERR_AGAIN;
}

int32_t brook_coordinator_epoch(brook_broker *b, const char *key)
{
    int32_t k;
    brook_partition *p = b->st->clustered ? led_partition(b, key, &k) : NULL;
    return p ? p->leader_epoch : 0;
}

int32_t brook_coordinator_partition(brook_broker *b, const char *key)
{
    const brook_image_topic *t = b->st->clustered ? offsets_topic(b) : NULL;
    return t ? partition_of(key, t->rec.partitions) : 0;
}

int32_t brook_coordinator_broker(brook_broker *b, const char *key)
{
    if (!b->st->clustered)
        return b->st->broker_id;
    const brook_image_topic *t = offsets_topic(b);
    const brook_image_partition *ip =
        t ? brook_cluster_image_partition(b, BROOK_OFFSETS_TOPIC, partition_of(key, t->rec.partitions)) : NULL;
    return ip ? ip->rec.leader : -1;
}

brook_err brook_coordinator_find(brook_broker *b, const char *group, const brook_listener *asked_on, int32_t *id,
                                 const char **host, int32_t *port)
{
    const brook_image_topic *t = offsets_topic(b);
    if (!t)
        return BROOK_ERR_LEADER_NOT_AVAILABLE;
    int32_t k = partition_of(group ? group : "", t->rec.partitions);
    const brook_image_partition *ip = brook_cluster_image_partition(b, BROOK_OFFSETS_TOPIC, k);
    if (!ip || ip->rec.leader < 0)
        return BROOK_ERR_LEADER_NOT_AVAILABLE;
    if (ip->rec.leader == b->st->broker_id) {
        *id = b->st->broker_id;
        *host = asked_on->advertised_host;
        *port = asked_on->advertised_port;
        return BROOK_OK;
    }
    size_t n;
    const brook_live_broker *live = brook_membership_live(b, &n);
    for (size_t i = 0; i < n; i++)
        for (size_t l = 0; live[i].id == ip->rec.leader && l < live[i].listener_count; l++)
            if (strcmp(live[i].listeners[l].name, asked_on->conf->name) == 0) {
                *id = live[i].id;
                *host = live[i].listeners[l].host;
                *port = live[i].listeners[l].port;
                return BROOK_OK;
            }
    return BROOK_ERR_LEADER_NOT_AVAILABLE;
}

/* ---- loading and forgetting ------------------------------------------------------ */

typedef struct which {
    brook_broker *b;
    int32_t k, partitions;
} which;

static int in_partition(void *arg, const char *group)
{
    const which *w = arg;
    return partition_of(group, w->partitions) == w->k;
}

static void load_batch(void *arg, const uint8_t *batch, const brook_batch_info *info)
{
    which *w = arg;
    brook_offsets_load_batch(w->b->offsets, batch, info->size, in_partition, w);
}

void brook_coordinator_role_changed(brook_broker *b, brook_partition *p, int leads)
{
    if (!brook_is_internal_topic(p->topic->name) || !b->offsets)
        return;
    which w = {.b = b, .k = p->index, .partitions = p->topic->partition_count};
    /* whatever this broker knew of these groups is stale either way */
    if (b->groups)
        brook_groups_unload(b->groups, in_partition, &w);
    brook_txn_coordinator_unloaded(b, in_partition, &w);
    brook_offsets_forget(b->offsets, in_partition, &w);
    set_loaded(b, p->index, 0);
    if (!leads)
        return;
    int64_t start, end;
    brook_err e = brook_partition_offsets(p, &start, &end);
    if (!e)
        e = brook_log_scan(brook_storage_of(p->storage), p->log, start, end, SIZE_MAX, load_batch, &w);
    if (e) {
        log_error("%s-%d: cannot read its committed offsets: %s (its groups stay unavailable here)",
                  BROOK_OFFSETS_TOPIC, p->index, brook_err_str(e));
        return;
    }
    set_loaded(b, p->index, 1); /* first: stale pasts' tombstones go to the partition */
    brook_broker_groups_load(b, in_partition, &w);
    brook_txn_coordinator_loaded(b, in_partition, &w);
    brook_coordinator_forget_vanished_topics(b);
    log_info("%s-%d: coordinating its groups (offsets %lld-%lld read back)", BROOK_OFFSETS_TOPIC, p->index,
             (long long)start, (long long)end);
}

void brook_coordinator_forget_vanished_topics(brook_broker *b)
{
    if (!b->offsets || !b->st->clustered)
        return;
    size_t n;
    char **topics = brook_offsets_topic_names(b->offsets, &n);
    for (size_t i = 0; i < n; i++)
        if (!brook_cluster_image_topic(b, topics[i])) {
            log_info("topic %s: no longer in the cluster; its groups' committed offsets go", topics[i]);
            brook_broker_forget_topic_offsets(b, topics[i]);
        }
    brook_offsets_free_group_names(topics, n);
}

void brook_coordinator_marker_written(brook_broker *b, brook_partition *p, int64_t producer_id, int commit)
{
    if (!b->offsets || !b->st->clustered || !brook_is_internal_topic(p->topic->name) || !loaded(b, p->index))
        return;
    which w = {.b = b, .k = p->index, .partitions = p->topic->partition_count};
    brook_offsets_txn_ended(b->offsets, producer_id, commit, in_partition, &w);
}

/* ---- appending commits ----------------------------------------------------------------- */

typedef struct offsets_append {
    brook_append a;
    brook_offsets_done done;
    void *done_arg;
    uint8_t data[];
} offsets_append;

static void appended(brook_append *a)
{
    offsets_append *oa = (offsets_append *)a;
    oa->done(oa->done_arg, a->error);
    free(oa);
}

static void append_commit(void *ctx, const char *group, const uint8_t *batch, size_t len, int64_t txn_guard,
                          brook_offsets_done done, void *done_arg)
{
    brook_broker *b = ctx;
    int32_t k;
    brook_partition *p = led_partition(b, group, &k);
    if (!p || !loaded(b, k)) {
        done(done_arg, BROOK_ERR_NOT_LEADER);
        return;
    }
    offsets_append *oa = malloc(sizeof *oa + len);
    if (!oa) {
        done(done_arg, BROOK_ERR_NOMEM);
        return;
    }
    memcpy(oa->data, batch, len);
    /* acks=all: a commit is answered once every in-sync replica holds it;
     * built by the offsets store, not a client's: not checked as one */
    oa->a = (brook_append){.data = oa->data,
                           .len = len,
                           .acks = -1,
                           .internal = 1,
                           .txn_verified = 1, /* a transactional commit's: by brook_offsets_txn_commit's caller */
                           .txn_guard = txn_guard,
                           .done = appended};
    oa->done = done;
    oa->done_arg = done_arg;
    brook_partition_produce(p, &oa->a);
}

int64_t brook_coordinator_txn_guard(brook_broker *b, const char *group, int64_t producer_id)
{
    int32_t k;
    brook_partition *p = b->st->clustered ? led_partition(b, group, &k) : NULL;
    int64_t last_marker = -1;
    if (p)
        brook_producers_txn_state(p->producers, producer_id, &last_marker);
    return last_marker;
}

brook_err brook_coordinator_open_offsets(brook_broker *b)
{
    return brook_offsets_open_external(append_commit, b, &b->offsets);
}

void brook_coordinators_free(brook_broker *b)
{
    if (!b->coordinators)
        return;
    free(b->coordinators->loaded);
    free(b->coordinators);
    b->coordinators = NULL;
}
