/* Committed offsets: OffsetCommit (checked against the group's generation,
 * acknowledged once durable), OffsetFetch (named partitions or all of the
 * group's), OffsetDelete (not for topics the group consumes). */
#include <string.h>

#include "group_coordinator.h"

#include "broker.h"
#include "group.h"
#include "handlers.h"
#include "log.h"
#include "offsets.h"
#include "router.h"
#include "topics.h"
#include "txn_verify.h"

/* Every partition of the request gets `e`. */
static void fail_all(brook_offset_topic *topics, size_t n, brook_err e)
{
    for (size_t t = 0; t < n; t++)
        for (size_t i = 0; i < topics[t].partition_count; i++)
            topics[t].partitions[i].error = e;
}

static brook_err partition_exists(brook_req *req, const char *topic, int32_t partition)
{
    return brook_route_exists(req->broker, topic, partition);
}

/* The topics of a commit, plain or transactional. */
static brook_offset_topic *commit_topics(brook_req *req, size_t *count)
{
    if (req->pub.type == BROOK_REQ_TXN_OFFSET_COMMIT) {
        *count = req->pub.u.txn_offset_commit.topic_count;
        return req->pub.u.txn_offset_commit.topics;
    }
    *count = req->pub.u.offset_commit.topic_count;
    return req->pub.u.offset_commit.topics;
}

static void commit_durable(void *arg, brook_err err)
{
    brook_req *req = arg;
    size_t count;
    brook_offset_topic *topics = commit_topics(req, &count);
    for (size_t t = 0; err && t < count; t++)
        for (size_t i = 0; i < topics[t].partition_count; i++)
            if (!topics[t].partitions[i].error)
                topics[t].partitions[i].error = err;
    brook_req_release(req);
}

/* The changes a commit's partitions make, those that pass their checks
 * (READ on the topic, the partition exists, metadata within bounds; a
 * failing one keeps its error): *n of them, from the request's arena. */
static brook_err changes_of(brook_req *req, brook_offset_change **out, size_t *n)
{
    size_t count, total = 0;
    brook_offset_topic *topics = commit_topics(req, &count);
    for (size_t t = 0; t < count; t++)
        total += topics[t].partition_count;
    brook_offset_change *changes = brook_request_alloc(&req->pub, sizeof *changes * (total ? total : 1));
    brook_committed *values = brook_request_alloc(&req->pub, sizeof *values * (total ? total : 1));
    if (!changes || !values)
        return BROOK_ERR_NOMEM;
    *n = 0;
    for (size_t t = 0; t < count; t++) {
        brook_offset_topic *ot = &topics[t];
        brook_err te = brook_authorize(req, BROOK_OP_READ, BROOK_RESOURCE_TOPIC, ot->name);
        for (size_t i = 0; i < ot->partition_count; i++) {
            brook_offset_partition *p = &ot->partitions[i];
            p->error = te ? te : partition_exists(req, ot->name, p->partition);
            size_t meta_len = brook_offset_metadata_len(p);
            if (!p->error && meta_len > BROOK_OFFSETS_MAX_METADATA)
                p->error = BROOK_ERR_TOO_LARGE;
            if (p->error)
                continue;
            values[*n] = (brook_committed){.offset = p->offset,
                                           .leader_epoch = p->leader_epoch,
                                           .metadata = (char *)p->metadata,
                                           .metadata_len = meta_len};
            changes[*n] = (brook_offset_change){.topic = ot->name, .partition = p->partition, .committed = &values[*n]};
            (*n)++;
        }
    }
    *out = changes;
    return BROOK_OK;
}

void brook_handle_offset_commit(brook_req *req)
{
    brook_broker *b = req->broker;
    brook_offset_commit_req *c = &req->pub.u.offset_commit;
    brook_err e = brook_authorize(req, BROOK_OP_READ, BROOK_RESOURCE_GROUP, c->group_id ? c->group_id : "");
    if (!e && (!c->group_id || !c->group_id[0]))
        e = BROOK_ERR_INVALID;
    if (!e)
        e = brook_coordinator_check(b, c->group_id);
    if (!e)
        e = brook_groups_check_commit(b->groups, c->group_id, c->generation_id, c->member_id, c->group_instance_id);
    brook_offset_change *changes;
    size_t n = 0;
    if (!e)
        e = changes_of(req, &changes, &n);
    if (e) {
        c->error = e;
        fail_all(c->topics, c->topic_count, e);
        return;
    }
    if (!n) { /* nothing to store: a group made up for this commit goes again */
        brook_groups_offsets_gone(b->groups, c->group_id);
        return;
    }
    req->pending++;
    brook_offsets_commit(b->offsets, c->group_id, changes, n, brook_wall_clock_ms(), commit_durable, req);
}

typedef struct txn_offsets {
    brook_req *req;
    brook_offset_change *changes;
    size_t n;
    int64_t txn_guard; /* the producer's last marker in the group's partition when asked */
} txn_offsets;

/* The transaction coordinator answered: write the offsets, or refuse them
 * (AGAIN, which a retry may cure, is COORDINATOR_LOAD_IN_PROGRESS here:
 * every client retries it). */
static void txn_offsets_verified(void *arg, brook_err err)
{
    txn_offsets *t = arg;
    brook_req *req = t->req;
    brook_txn_offset_commit_req *c = &req->pub.u.txn_offset_commit;
    if (!err)
        err = brook_req_still_awaited(req);
    if (err) { /* to the partitions that passed their own checks */
        commit_durable(req, err);
        return;
    }
    brook_offsets_txn_commit(req->broker->offsets, c->group_id, c->producer_id, c->producer_epoch, t->txn_guard,
                             t->changes, t->n, brook_wall_clock_ms(), commit_durable, req);
}

/* TxnOffsetCommit: offsets inside a producer's transaction, to the group's
 * coordinator; they are committed when the transaction is (offsets.h).
 * WRITE on the transactional id and READ on the group, as Kafka asks; the
 * generation is checked when the request names one (v3+). The
 * transaction coordinator must say first that the group's offsets are in
 * the producer's ongoing transaction (AddOffsetsToTxn put them there;
 * txn_verify.h): offsets of a transaction that has ended would stay
 * pending for good, and read_committed consumers of the group would wait
 * on them (UNSTABLE_OFFSET_COMMIT) for ever. In a cluster the group's
 * partition also refuses them if the transaction's marker reached it
 * between the answer and the append (the guard, as for a Produce). */
void brook_handle_txn_offset_commit(brook_req *req)
{
    brook_broker *b = req->broker;
    brook_txn_offset_commit_req *c = &req->pub.u.txn_offset_commit;
    brook_err e = brook_authorize(req, BROOK_OP_WRITE, BROOK_RESOURCE_TRANSACTIONAL_ID, c->transactional_id)
                      ? BROOK_ERR_TRANSACTIONAL_ID_DENIED
                      : brook_authorize(req, BROOK_OP_READ, BROOK_RESOURCE_GROUP, c->group_id);
    if (!e && !c->group_id[0])
        e = BROOK_ERR_INVALID;
    if (!e)
        e = brook_coordinator_check(b, c->group_id);
    if (!e && c->generation_id >= 0)
        e = brook_groups_check_commit(b->groups, c->group_id, c->generation_id, c->member_id, c->group_instance_id);
    brook_offset_change *changes;
    size_t n = 0;
    if (!e)
        e = changes_of(req, &changes, &n);
    if (e) {
        fail_all(c->topics, c->topic_count, e);
        return;
    }
    if (!n)
        return;
    txn_offsets *t = brook_request_alloc(&req->pub, sizeof *t);
    if (!t) {
        fail_all(c->topics, c->topic_count, BROOK_ERR_NOMEM);
        return;
    }
    *t = (txn_offsets){req, changes, n, brook_coordinator_txn_guard(b, c->group_id, c->producer_id)};
    req->pending++;
    brook_txn_question q = {.txn_id = c->transactional_id,
                            .producer_id = c->producer_id,
                            .epoch = c->producer_epoch,
                            .topic = BROOK_OFFSETS_TOPIC,
                            .partition = brook_coordinator_partition(b, c->group_id)};
    brook_txn_verify(b, &q, txn_offsets_verified, t);
}

/* ---- fetch ------------------------------------------------------------------------------ */

/* A partition's committed offset; with `stable`, UNSTABLE_OFFSET_COMMIT
 * while a transaction not yet ended committed one (KIP-447). */
static void fill_partition(const brook_offsets *o, const char *group, const char *topic, brook_offset_partition *p,
                           int stable)
{
    const brook_committed *c = brook_offsets_get(o, group, topic, p->partition);
    p->offset = c ? c->offset : -1;
    p->leader_epoch = c ? c->leader_epoch : -1;
    p->metadata = c && c->metadata ? c->metadata : "";
    p->metadata_len = c && c->metadata ? (int32_t)c->metadata_len : 0;
    p->error = stable && brook_offsets_has_pending(o, group, topic, p->partition) ? BROOK_ERR_UNSTABLE_OFFSET_COMMIT
                                                                                  : BROOK_OK;
}

typedef struct all_offsets {
    brook_req *req;
    brook_offset_fetch_req *f;
    size_t cap;
    int failed;
} all_offsets;

/* One committed entry into the response, grouping partitions by topic. */
static void add_entry(void *arg, const char *topic, int32_t partition, const brook_committed *c)
{
    all_offsets *a = arg;
    brook_offset_fetch_req *f = a->f;
    if (a->failed || brook_authorize(a->req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_TOPIC, topic))
        return;
    brook_offset_topic *t = NULL;
    for (size_t i = 0; i < f->topic_count && !t; i++)
        if (strcmp(f->topics[i].name, topic) == 0)
            t = &f->topics[i];
    if (!t) {
        if (f->topic_count == a->cap) {
            a->failed = 1; /* sized by a count taken before; cannot happen */
            return;
        }
        t = &f->topics[f->topic_count++];
        size_t len = strlen(topic) + 1;
        char *name = brook_request_alloc(&a->req->pub, len);
        t->partitions = brook_request_alloc(&a->req->pub, sizeof *t->partitions * a->cap);
        if (!name || !t->partitions) {
            a->failed = 1;
            return;
        }
        memcpy(name, topic, len);
        t->name = name;
        t->partition_count = 0;
    }
    brook_offset_partition *p = &t->partitions[t->partition_count++];
    p->partition = partition;
    p->offset = c->offset;
    p->leader_epoch = c->leader_epoch;
    p->metadata = c->metadata ? c->metadata : "";
    p->metadata_len = c->metadata ? (int32_t)c->metadata_len : 0;
    p->error = f->require_stable && brook_offsets_has_pending(a->req->broker->offsets, f->group_id, topic, partition)
                   ? BROOK_ERR_UNSTABLE_OFFSET_COMMIT
                   : BROOK_OK;
}

static void count_entry(void *arg, const char *topic, int32_t partition, const brook_committed *c)
{
    (void)topic;
    (void)partition;
    (void)c;
    (*(size_t *)arg)++;
}

void brook_handle_offset_fetch(brook_req *req)
{
    brook_broker *b = req->broker;
    brook_offset_fetch_req *f = &req->pub.u.offset_fetch;
    if ((f->error = brook_authorize(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_GROUP, f->group_id ? f->group_id : "")) ||
        (f->error = brook_coordinator_check(b, f->group_id))) {
        fail_all(f->topics, f->topic_count, f->error);
        return;
    }
    if (f->all_topics) {
        size_t entries = 0;
        brook_offsets_each(b->offsets, f->group_id, count_entry, &entries);
        all_offsets a = {.req = req, .f = f, .cap = entries ? entries : 1};
        f->topic_count = 0;
        f->topics = brook_request_alloc(&req->pub, sizeof *f->topics * a.cap);
        if (!f->topics) {
            f->error = BROOK_ERR_NOMEM;
            return;
        }
        brook_offsets_each(b->offsets, f->group_id, add_entry, &a);
        if (a.failed)
            f->error = BROOK_ERR_NOMEM;
        return;
    }
    for (size_t t = 0; t < f->topic_count; t++) {
        brook_offset_topic *ot = &f->topics[t];
        brook_err te = brook_authorize(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_TOPIC, ot->name);
        for (size_t i = 0; i < ot->partition_count; i++) {
            if (te) {
                ot->partitions[i].error = te;
                ot->partitions[i].offset = -1;
                continue;
            }
            fill_partition(b->offsets, f->group_id, ot->name, &ot->partitions[i], f->require_stable);
        }
    }
}

/* ---- delete ----------------------------------------------------------------------------- */

static void deleted(void *arg, brook_err err)
{
    brook_req *req = arg;
    if (err)
        req->pub.u.offset_delete.error = err;
    else if (req->broker->groups)
        brook_groups_offsets_gone(req->broker->groups, req->pub.u.offset_delete.group_id);
    brook_req_release(req);
}

void brook_handle_offset_delete(brook_req *req)
{
    brook_broker *b = req->broker;
    brook_offset_delete_req *d = &req->pub.u.offset_delete;
    if ((d->error = brook_authorize(req, BROOK_OP_DELETE, BROOK_RESOURCE_GROUP, d->group_id ? d->group_id : "")) ||
        (d->error = brook_coordinator_check(b, d->group_id)))
        return;
    if (!brook_groups_exists(b->groups, d->group_id) && !brook_offsets_has_group(b->offsets, d->group_id)) {
        d->error = BROOK_ERR_NOT_FOUND;
        return;
    }
    size_t total = 0;
    for (size_t t = 0; t < d->topic_count; t++)
        total += d->topics[t].partition_count;
    brook_offset_change *changes = brook_request_alloc(&req->pub, sizeof *changes * (total ? total : 1));
    if (!changes) {
        d->error = BROOK_ERR_NOMEM;
        return;
    }
    size_t n = 0;
    for (size_t t = 0; t < d->topic_count; t++) {
        brook_offset_topic *ot = &d->topics[t];
        brook_err te = brook_authorize(req, BROOK_OP_READ, BROOK_RESOURCE_TOPIC, ot->name);
        if (!te && brook_groups_subscribed(b->groups, d->group_id, ot->name))
            te = BROOK_ERR_GROUP_SUBSCRIBED;
        for (size_t i = 0; i < ot->partition_count; i++) {
            brook_offset_partition *p = &ot->partitions[i];
            p->error = te;
            if (!te && brook_offsets_get(b->offsets, d->group_id, ot->name, p->partition))
                changes[n++] = (brook_offset_change){.topic = ot->name, .partition = p->partition};
        }
    }
    if (!n)
        return;
    req->pending++;
    brook_offsets_commit(b->offsets, d->group_id, changes, n, brook_wall_clock_ms(), deleted, req);
}
