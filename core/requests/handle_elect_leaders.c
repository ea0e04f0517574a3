/* ElectLeaders (KIP-460): a preferred or unclean leader election the
 * operator asks for, answered by the controller (controller_duties.h says
 * who is elected), each partition as controller_asks.h says. A single
 * broker leads all its partitions: no election is ever needed there. */
#include "broker.h"
#include "cluster_image.h"
#include "controller.h"
#include "controller_asks.h"
#include "controller_duties.h"
#include "handlers.h"
#include "log.h"

typedef struct election {
    const char *topic;
    brook_elect_partition *p;
} election;

typedef struct elections {
    brook_req *req;
    election *items;
    int every; /* asked for every partition: those that needed no election are left out */
} elections;

static brook_err ask(void *user, size_t i, void (*done)(void *arg, brook_err err), void *arg)
{
    elections *es = user;
    const election *el = &es->items[i];
    return brook_controller_elect(es->req->broker, el->topic, el->p->partition,
                                  es->req->pub.u.elect_leaders.election_type, done, arg);
}

static void answer(void *user, size_t i, brook_err err)
{
    elections *es = user;
    es->items[i].p->error = err;
}

static void drop_not_needed(brook_elect_leaders_req *e);

static void all_answered(void *user)
{
    elections *es = user;
    if (es->every)
        drop_not_needed(&es->req->pub.u.elect_leaders);
}

static const brook_controller_asks_ops election_ops = {.ask = ask, .answer = answer, .all_answered = all_answered};

/* A null list: every partition of every topic (those that need no
 * election are left out of the answer, as Kafka does). */
static brook_err list_every_partition(brook_req *req, brook_elect_leaders_req *e)
{
    brook_broker *b = req->broker;
    size_t n = b->st->clustered ? brook_cluster_image_topic_room(b) : 0;
    e->topic_count = 0;
    e->topics = brook_request_alloc(&req->pub, sizeof *e->topics * (n ? n : 1));
    if (!e->topics)
        return BROOK_ERR_NOMEM;
    brook_strmap_iter it = {0};
    const brook_image_topic *t;
    while (n && (t = brook_cluster_image_next(b, &it))) {
        brook_elect_topic *et = &e->topics[e->topic_count++];
        et->name = brook_req_copy_str(req, t->name); /* the topic may go while the elections run */
        et->partition_count = (size_t)t->rec.partitions;
        et->partitions = brook_request_alloc(&req->pub, sizeof *et->partitions * (et->partition_count + 1));
        if (!et->name || !et->partitions)
            return BROOK_ERR_NOMEM;
        for (size_t p = 0; p < et->partition_count; p++)
            et->partitions[p] = (brook_elect_partition){.partition = (int32_t)p};
    }
    return BROOK_OK;
}

/* Leave out the partitions that needed no election. */
static void drop_not_needed(brook_elect_leaders_req *e)
{
    for (size_t t = 0; t < e->topic_count; t++) {
        brook_elect_topic *et = &e->topics[t];
        size_t kept = 0;
        for (size_t p = 0; p < et->partition_count; p++)
            if (et->partitions[p].error != BROOK_ERR_ELECTION_NOT_NEEDED)
                et->partitions[kept++] = et->partitions[p];
        et->partition_count = kept;
    }
}

static void single_broker(brook_req *req, brook_elect_leaders_req *e)
{
    for (size_t t = 0; t < e->topic_count; t++) {
        brook_topic *local = brook_topics_find(&req->broker->topics, e->topics[t].name);
        for (size_t p = 0; p < e->topics[t].partition_count; p++) {
            brook_elect_partition *ep = &e->topics[t].partitions[p];
            ep->error = local && ep->partition >= 0 && ep->partition < local->partition_count
                            ? BROOK_ERR_ELECTION_NOT_NEEDED
                            : BROOK_ERR_NOT_FOUND;
        }
    }
}

void brook_handle_elect_leaders(brook_req *req)
{
    brook_broker *b = req->broker;
    brook_elect_leaders_req *e = &req->pub.u.elect_leaders;
    int every = !e->topics;
    if ((e->error = brook_authorize(req, BROOK_OP_ALTER, BROOK_RESOURCE_CLUSTER, "kafka-cluster")))
        return;
    if (b->st->clustered && !brook_is_controller(b)) {
        e->error = BROOK_ERR_NOT_LEADER; /* NOT_CONTROLLER: clients ask the controller Metadata names */
        return;
    }
    if (e->election_type != BROOK_ELECTION_PREFERRED && e->election_type != BROOK_ELECTION_UNCLEAN) {
        e->error = BROOK_ERR_INVALID;
        return;
    }
    if (every && (e->error = list_every_partition(req, e)))
        return;
    if (!b->st->clustered) {
        single_broker(req, e);
        if (every)
            drop_not_needed(e);
        return;
    }
    size_t n = 0;
    for (size_t t = 0; t < e->topic_count; t++)
        n += e->topics[t].partition_count;
    elections *es = brook_request_alloc(&req->pub, sizeof *es);
    election *items = brook_request_alloc(&req->pub, sizeof *items * (n ? n : 1));
    if (!es || !items) {
        e->error = BROOK_ERR_NOMEM;
        return;
    }
    *es = (elections){.req = req, .items = items, .every = every};
    for (size_t t = 0, i = 0; t < e->topic_count; t++)
        for (size_t p = 0; p < e->topics[t].partition_count; p++, i++)
            items[i] = (election){.topic = e->topics[t].name, .p = &e->topics[t].partitions[p]};
    if ((e->error = brook_controller_asks_start(req, n, &election_ops, es, e->timeout_ms)))
        return;
    if (every)
        log_info("cluster: %s leader election asked for every partition",
                 e->election_type == BROOK_ELECTION_PREFERRED ? "a preferred" : "an unclean");
}
