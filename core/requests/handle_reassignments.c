/* AlterPartitionReassignments and ListPartitionReassignments (KIP-455),
 * answered by the controller. Altering starts, replaces or cancels each
 * partition's move (controller_duties.h, reassignment.h), each partition
 * as controller_asks.h says; the answer says the move started, not that it
 * finished: listing shows the moves still in progress, with the replicas
 * they add and remove. A single broker holds every partition's only
 * replica: there is nothing to move it to. */
#include "broker.h"
#include "cluster_image.h"
#include "controller.h"
#include "controller_asks.h"
#include "controller_duties.h"
#include "handlers.h"

typedef struct move {
    const char *topic;
    brook_reassign_partition *p;
} move;

typedef struct moves {
    brook_req *req;
    move *items;
} moves;

static brook_err ask(void *user, size_t i, void (*done)(void *arg, brook_err err), void *arg)
{
    moves *ms = user;
    brook_reassign_partition *p = ms->items[i].p;
    return brook_controller_reassign(ms->req->broker, ms->items[i].topic, p->partition,
                                     p->replica_count < 0 ? NULL : p->replicas, p->replica_count, &p->message, done,
                                     arg);
}

static void answer(void *user, size_t i, brook_err err)
{
    moves *ms = user;
    brook_reassign_partition *p = ms->items[i].p;
    /* already on exactly those replicas: nothing to move, and no error */
    p->error = err == BROOK_ERR_EXISTS ? BROOK_OK : err;
    if (err == BROOK_ERR_NOT_FOUND)
        p->message = "no such topic or partition";
}

static const brook_controller_asks_ops move_ops = {.ask = ask, .answer = answer};

/* One broker: its partitions can stay where they are, nothing else. */
static void single_broker(brook_req *req, brook_alter_reassignments_req *a)
{
    int32_t self = req->broker->st->broker_id;
    for (size_t t = 0; t < a->topic_count; t++) {
        brook_topic *local = brook_topics_find(&req->broker->topics, a->topics[t].name);
        for (size_t i = 0; i < a->topics[t].partition_count; i++) {
            brook_reassign_partition *p = &a->topics[t].partitions[i];
            if (!local || p->partition < 0 || p->partition >= local->partition_count) {
                p->error = BROOK_ERR_NOT_FOUND;
                p->message = "no such topic or partition";
            } else if (p->replica_count < 0)
                p->error = BROOK_ERR_NO_REASSIGNMENT_IN_PROGRESS;
            else if (p->replica_count != 1 || p->replicas[0] != self) {
                p->error = BROOK_ERR_INVALID_REPLICA_ASSIGNMENT;
                p->message = "a single broker holds the only replica of every partition";
            }
        }
    }
}

/* The request-level refusals both requests share. */
static brook_err refused(brook_req *req, brook_auth_operation op)
{
    brook_err e = brook_authorize(req, op, BROOK_RESOURCE_CLUSTER, "kafka-cluster");
    if (!e && req->broker->st->clustered && !brook_is_controller(req->broker))
        e = BROOK_ERR_NOT_LEADER; /* NOT_CONTROLLER: clients ask the controller Metadata names */
    return e;
}

void brook_handle_alter_reassignments(brook_req *req)
{
    brook_alter_reassignments_req *a = &req->pub.u.alter_reassignments;
    if ((a->error = refused(req, BROOK_OP_ALTER)))
        return;
    if (!req->broker->st->clustered) {
        single_broker(req, a);
        return;
    }
    size_t n = 0;
    for (size_t t = 0; t < a->topic_count; t++)
        n += a->topics[t].partition_count;
    moves *ms = brook_request_alloc(&req->pub, sizeof *ms);
    move *items = brook_request_alloc(&req->pub, sizeof *items * (n ? n : 1));
    if (!ms || !items) {
        a->error = BROOK_ERR_NOMEM;
        return;
    }
    *ms = (moves){.req = req, .items = items};
    for (size_t t = 0, i = 0; t < a->topic_count; t++)
        for (size_t p = 0; p < a->topics[t].partition_count; p++, i++)
            items[i] = (move){.topic = a->topics[t].name, .p = &a->topics[t].partitions[p]};
    a->error = brook_controller_asks_start(req, n, &move_ops, ms, a->timeout_ms);
}

/* ---- listing ------------------------------------------------------------------ */

/* Partition `index` of `it`, if it is being reassigned, into *out (ids
 * copied: the records may change before the response is encoded). */
static int ongoing(brook_req *req, const brook_image_topic *it, int32_t index, brook_ongoing_reassignment *out,
                   brook_err *err)
{
    const brook_image_partition *ip = index >= 0 && index < it->partition_cap ? &it->partitions[index] : NULL;
    if (!ip || !ip->present || !brook_partition_record_reassigning(&ip->rec))
        return 0;
    const brook_partition_record *r = &ip->rec;
    *out = (brook_ongoing_reassignment){.partition = index,
                                        .replica_count = r->replica_count,
                                        .replicas = brook_req_copy_ids(req, r->replicas, r->replica_count),
                                        .adding = brook_req_copy_ids(req, r->adding, r->adding_count),
                                        .adding_count = r->adding_count,
                                        .removing = brook_req_copy_ids(req, r->removing, r->removing_count),
                                        .removing_count = r->removing_count};
    if (!out->replicas || !out->adding || !out->removing)
        *err = BROOK_ERR_NOMEM;
    return 1;
}

/* The topic's partitions being reassigned, of those asked (all of them
 * when `asked` is NULL). */
static brook_err list_topic(brook_req *req, const brook_image_topic *it, const int32_t *asked, size_t asked_count,
                            brook_reassignments_topic *out)
{
    size_t room = asked ? asked_count : (size_t)it->rec.partitions;
    out->ongoing = brook_request_alloc(&req->pub, sizeof *out->ongoing * (room ? room : 1));
    if (!out->ongoing)
        return BROOK_ERR_NOMEM;
    brook_err e = BROOK_OK;
    out->ongoing_count = 0;
    for (size_t i = 0; i < room && !e; i++)
        out->ongoing_count +=
            (size_t)ongoing(req, it, asked ? asked[i] : (int32_t)i, &out->ongoing[out->ongoing_count], &e);
    return e;
}

/* A null list: every topic with a partition being reassigned. */
static brook_err list_every_topic(brook_req *req, brook_list_reassignments_req *l)
{
    brook_broker *b = req->broker;
    size_t n = b->st->clustered ? brook_cluster_image_topic_room(b) : 0;
    l->topic_count = 0;
    l->topics = brook_request_alloc(&req->pub, sizeof *l->topics * (n ? n : 1));
    if (!l->topics)
        return BROOK_ERR_NOMEM;
    brook_strmap_iter it = {0};
    const brook_image_topic *t;
    while (n && (t = brook_cluster_image_next(b, &it))) {
        brook_reassignments_topic *rt = &l->topics[l->topic_count];
        *rt = (brook_reassignments_topic){.name = brook_req_copy_str(req, t->name)};
        brook_err e = rt->name ? list_topic(req, t, NULL, 0, rt) : BROOK_ERR_NOMEM;
        if (e)
            return e;
        l->topic_count += rt->ongoing_count > 0;
    }
    return BROOK_OK;
}

void brook_handle_list_reassignments(brook_req *req)
{
    brook_list_reassignments_req *l = &req->pub.u.list_reassignments;
    if ((l->error = refused(req, BROOK_OP_DESCRIBE)))
        return;
    if (!l->topics) {
        l->error = list_every_topic(req, l);
        return;
    }
    /* topics and partitions that do not exist, or are not being
     * reassigned, are left out (as Kafka does) */
    for (size_t t = 0; t < l->topic_count && !l->error; t++) {
        brook_reassignments_topic *rt = &l->topics[t];
        const brook_image_topic *it =
            req->broker->st->clustered ? brook_cluster_image_topic(req->broker, rt->name) : NULL;
        rt->ongoing_count = 0;
        if (it && it->present)
            l->error = list_topic(req, it, rt->partitions, rt->partition_count, rt);
    }
}
