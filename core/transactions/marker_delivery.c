#include "marker_delivery.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "cluster_image.h"
#include "group_coordinator.h"
#include "log.h"
#include "offsets.h"
#include "peer_links.h"
#include "router.h"
#include "txn_marker.h"

#define RETRY_MS 100

typedef struct target {
    struct brook_marker_delivery *d;
    const brook_txn_tp *tp;
    brook_partition *part; /* while its append is under way */
    int delivered;
    int inflight;
    brook_append append;
    uint8_t batch[BROOK_TXN_MARKER_BYTES];
} target;

struct brook_marker_delivery {
    brook_broker *b;
    brook_peer_links *links;
    brook_txn_meta *m; /* a copy: the targets point into it */
    int commit;
    int32_t coordinator_epoch;
    target *targets;
    size_t remaining;
    int inflight;  /* appends under way: the delivery is freed after the last */
    int trying;    /* in try_all, where an append may be answered at once: freed after it */
    int cancelled; /* by the coordinator (no more tries, no `done`), or done */
    brook_timer *retry;
    brook_markers_done done;
    void *arg;
    char id[];
};

static void try_all(void *arg);

static void release(brook_marker_delivery *d)
{
    if (d->inflight || d->trying)
        return;
    if (d->retry)
        brook_loop_timer_cancel(d->b->loop, d->retry);
    free(d->targets);
    free(d->m);
    free(d);
}

static void delivered(target *t)
{
    t->delivered = 1;
    t->d->remaining--;
}

static void again_later(brook_marker_delivery *d)
{
    if (!d->retry && !d->cancelled && brook_loop_timer_add(d->b->loop, RETRY_MS, try_all, d, &d->retry))
        d->retry = NULL; /* out of memory: the next answer schedules it */
}

/* Every partition has its marker: `done`, once, and the delivery goes
 * (the callers touch it no more after this). */
static void finish_if_done(brook_marker_delivery *d)
{
    if (d->remaining || d->cancelled)
        return;
    d->cancelled = 1;
    d->done(d->arg);
    release(d);
}

/* One of the delivery's calls came back: 0 when the delivery was
 * cancelled meanwhile (and is gone now if that was the last). */
static int came_back(brook_marker_delivery *d)
{
    d->inflight--;
    if (!d->cancelled)
        return 1;
    release(d);
    return 0;
}

/* A target's try ended with `e` (its append here, the offsets log's, or
 * its leader's): written; stale (the producer or the coordinator fenced
 * since: counted as written, as Kafka does); or to try again. */
static void outcome(target *t, brook_err e)
{
    brook_marker_delivery *d = t->d;
    if (!e) {
        delivered(t);
    } else if (e == BROOK_ERR_INVALID_PRODUCER_EPOCH || e == BROOK_ERR_TRANSACTION_COORDINATOR_FENCED) {
        log_warn("transactional id %s: the marker for %s-%d is stale (%s); counted as written", d->id, t->tp->topic,
                 t->tp->partition, brook_err_str(e));
        delivered(t);
    } else {
        again_later(d);
    }
}

static void appended(brook_append *a)
{
    target *t = a->arg;
    brook_marker_delivery *d = t->d;
    t->inflight = 0;
    if (!came_back(d))
        return;
    if (!a->error)
        brook_coordinator_marker_written(d->b, t->part, d->m->producer_id, d->commit);
    outcome(t, a->error);
    finish_if_done(d);
}

static void offsets_ended(void *arg, brook_err err)
{
    target *t = arg;
    brook_marker_delivery *d = t->d;
    t->inflight = 0;
    if (!came_back(d))
        return;
    outcome(t, err);
    finish_if_done(d);
}

/* A single broker's committed offsets are no topic: the marker goes to
 * their log (offsets.h), which commits or drops the producer's offsets. */
static int to_offsets_log(brook_marker_delivery *d, target *t)
{
    if (d->b->st->clustered || strcmp(t->tp->topic, BROOK_OFFSETS_TOPIC) != 0 || !d->b->offsets)
        return 0;
    t->inflight = 1;
    d->inflight++;
    brook_offsets_end_txn(d->b->offsets, d->m->producer_id, d->m->epoch, d->commit, d->coordinator_epoch, offsets_ended,
                          t);
    return 1;
}

/* One partition's marker, to its replica here if this broker leads it;
 * 1: another broker does (or may), for send_remote. */
static int try_one(brook_marker_delivery *d, target *t)
{
    if (to_offsets_log(d, t))
        return 0;
    brook_partition *part;
    brook_err e = brook_route(d->b, t->tp->topic, t->tp->partition, &part);
    if (e == BROOK_ERR_NOT_FOUND && brook_route_exists(d->b, t->tp->topic, t->tp->partition) == BROOK_ERR_NOT_FOUND) {
        delivered(t); /* the partition is gone: no transaction left in it */
        return 0;
    }
    if (e && d->b->st->clustered)
        return 1;
    if (e) {
        again_later(d);
        return 0;
    }
    brook_txn_marker_build(t->batch, d->m->producer_id, d->m->epoch, d->coordinator_epoch, d->commit,
                           brook_wall_clock_ms());
    t->append =
        (brook_append){.data = t->batch, .len = sizeof t->batch, .acks = -1, .marker = 1, .done = appended, .arg = t};
    t->inflight = 1;
    t->part = part;
    d->inflight++;
    brook_partition_produce(part, &t->append);
    return 0;
}

/* ---- to another broker ---------------------------------------------------------------- */

/* One request to a leader: the targets it carries, in its order. */
typedef struct remote {
    brook_marker_delivery *d;
    size_t n;
    target *targets[];
} remote;

static void remote_answered(void *arg, brook_err err, const msgpack_object *resp)
{
    remote *r = arg;
    brook_marker_delivery *d = r->d;
    const msgpack_object *errors = err ? NULL : brook_peer_field(resp, "errors");
    if (!err && (!errors || errors->type != MSGPACK_OBJECT_ARRAY || errors->via.array.size != r->n))
        err = (brook_err)brook_peer_int(resp, "error", BROOK_ERR_CORRUPT);
    if (!err && !errors)
        err = BROOK_ERR_CORRUPT;
    for (size_t i = 0; i < r->n; i++) {
        target *t = r->targets[i];
        t->inflight = 0;
        if (!d->cancelled && !t->delivered)
            outcome(t, err ? err : (brook_err)errors->via.array.ptr[i].via.i64);
    }
    free(r);
    if (came_back(d))
        finish_if_done(d);
}

/* The targets led by `leader`, in one request to it. */
static void send_to(brook_marker_delivery *d, int32_t leader, target **ts, size_t n)
{
    brook_peer_link *link = d->links ? brook_peer_links_to(d->links, leader) : NULL;
    remote *r = link ? malloc(sizeof *r + sizeof *r->targets * n) : NULL;
    if (!r) {
        again_later(d);
        return;
    }
    r->d = d;
    r->n = n;
    memcpy(r->targets, ts, sizeof *ts * n);
    msgpack_packer *pk = brook_peer_request_begin(link, "write_txn_markers", 5);
    msgpack_pack_str_with_body(pk, "producer_id", 11);
    msgpack_pack_int64(pk, d->m->producer_id);
    msgpack_pack_str_with_body(pk, "producer_epoch", 14);
    msgpack_pack_int16(pk, d->m->epoch);
    msgpack_pack_str_with_body(pk, "coordinator_epoch", 17);
    msgpack_pack_int32(pk, d->coordinator_epoch);
    msgpack_pack_str_with_body(pk, "commit", 6);
    msgpack_pack_int(pk, d->commit);
    msgpack_pack_str_with_body(pk, "partitions", 10);
    msgpack_pack_array(pk, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        msgpack_pack_map(pk, 2);
        msgpack_pack_str_with_body(pk, "topic", 5);
        msgpack_pack_str_with_body(pk, ts[i]->tp->topic, strlen(ts[i]->tp->topic));
        msgpack_pack_str_with_body(pk, "partition", 9);
        msgpack_pack_int32(pk, ts[i]->tp->partition);
    }
    if (brook_peer_request_end(link, 30000, remote_answered, r)) {
        free(r);
        again_later(d);
        return;
    }
    d->inflight++;
    for (size_t i = 0; i < n; i++)
        ts[i]->inflight = 1;
}

#define NO_LEADER_NOW (-1)
#define GONE          (-2)
#define TAKEN         (-3)

/* The leader of a partition this broker does not lead: its id,
 * NO_LEADER_NOW (later), or GONE (nothing left to end). */
static int32_t leader_of(brook_marker_delivery *d, const brook_txn_tp *tp)
{
    const brook_image_topic *t = brook_cluster_image_topic(d->b, tp->topic);
    if (!t || tp->partition >= t->partition_cap || !t->partitions[tp->partition].present)
        return GONE;
    int32_t leader = t->partitions[tp->partition].rec.leader;
    return leader < 0 || leader == d->b->st->broker_id ? NO_LEADER_NOW : leader; /* ours, not ready here yet */
}

/* Every target not led here, one request per leader. */
static void send_remote(brook_marker_delivery *d, target **pending, size_t n)
{
    int32_t *leaders = malloc(sizeof *leaders * n);
    target **batch = malloc(sizeof *batch * n);
    for (size_t i = 0; leaders && i < n; i++)
        leaders[i] = leader_of(d, pending[i]->tp);
    for (size_t i = 0; leaders && batch && i < n && !d->cancelled; i++) {
        if (leaders[i] == GONE)
            delivered(pending[i]);
        else if (leaders[i] == NO_LEADER_NOW)
            again_later(d);
        if (leaders[i] < 0)
            continue;
        size_t k = 0;
        int32_t leader = leaders[i];
        for (size_t j = i; j < n; j++)
            if (leaders[j] == leader) {
                batch[k++] = pending[j];
                leaders[j] = TAKEN;
            }
        send_to(d, leader, batch, k);
    }
    if (!leaders || !batch)
        again_later(d);
    free(leaders);
    free(batch);
}

static void try_all(void *arg)
{
    brook_marker_delivery *d = arg;
    d->retry = NULL;
    d->trying = 1;
    size_t count = d->m->partition_count, n = 0;
    target **elsewhere = malloc(sizeof *elsewhere * (count ? count : 1));
    for (size_t i = 0; i < count && !d->cancelled; i++) {
        target *t = &d->targets[i];
        if (t->delivered || t->inflight || !try_one(d, t))
            continue;
        if (elsewhere)
            elsewhere[n++] = t;
        else
            again_later(d);
    }
    if (n && !d->cancelled)
        send_remote(d, elsewhere, n);
    free(elsewhere);
    d->trying = 0;
    if (d->cancelled) /* done (or cancelled) while trying */
        release(d);
    else
        finish_if_done(d);
}

brook_marker_delivery *brook_markers_deliver(brook_broker *b, brook_peer_links *links, const char *txn_id,
                                             const brook_txn_meta *m, int commit, int32_t coordinator_epoch,
                                             brook_markers_done done, void *arg)
{
    size_t n = strlen(txn_id) + 1;
    brook_marker_delivery *d = calloc(1, sizeof *d + n);
    if (!d)
        return NULL;
    d->m = brook_txn_meta_copy(m, NULL, 0);
    d->targets = calloc(m->partition_count ? m->partition_count : 1, sizeof *d->targets);
    if (!d->m || !d->targets) {
        free(d->m);
        free(d->targets);
        free(d);
        return NULL;
    }
    *d = (brook_marker_delivery){.b = b,
                                 .links = links,
                                 .m = d->m,
                                 .commit = commit,
                                 .coordinator_epoch = coordinator_epoch,
                                 .targets = d->targets,
                                 .remaining = m->partition_count,
                                 .done = done,
                                 .arg = arg};
    memcpy(d->id, txn_id, n); /* after the assignment, which may cover the padding it begins in */
    for (size_t i = 0; i < m->partition_count; i++)
        d->targets[i] = (target){.d = d, .tp = &d->m->partitions[i]};
    /* from the loop, not from inside the caller: `done` may come at once */
    if (brook_loop_timer_add(b->loop, 0, try_all, d, &d->retry)) {
        brook_markers_cancel(d);
        return NULL;
    }
    return d;
}

void brook_markers_cancel(brook_marker_delivery *d)
{
    if (!d)
        return;
    d->cancelled = 1;
    release(d);
}
