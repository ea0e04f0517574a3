/* ElectLeaders (KIP-460): a preferred or unclean leader election the
 * operator asks for, answered by the controller (controller_duties.h says
 * who is elected). A partition whose record is being written, or changed
 * under the election, is asked again every RETRY_MS until the request's
 * timeout; the answer comes once every partition has its outcome. A single
 * broker leads all its partitions: no election is ever needed there. */
#include "broker.h"
#include "cluster_image.h"
#include "controller.h"
#include "controller_duties.h"
#include "handlers.h"
#include "log.h"

#define RETRY_MS 100

typedef enum election_state { TO_ASK, ASKED, ANSWERED } election_state;

typedef struct election {
    struct elections *all;
    const char *topic;
    brook_elect_partition *p;
    election_state state;
} election;

typedef struct elections {
    brook_req *req;
    election *items;
    size_t count;
    brook_timer *retry;
    int parked;
    int every; /* asked for every partition: those that needed no election are left out */
} elections;

static void settle(elections *es);

static void elected(void *arg, brook_err err)
{
    election *el = arg;
    brook_req *req = el->all->req;
    el->state = err == BROOK_ERR_AGAIN ? TO_ASK : ANSWERED;
    el->p->error = err;
    settle(el->all);
    brook_req_release(req);
}

static void ask(elections *es)
{
    brook_req *req = es->req;
    brook_elect_leaders_req *e = &req->pub.u.elect_leaders;
    for (size_t i = 0; i < es->count; i++) {
        election *el = &es->items[i];
        if (el->state != TO_ASK)
            continue;
        el->state = ASKED;
        req->pending++;
        brook_err err = brook_controller_elect(req->broker, el->topic, el->p->partition, e->election_type, elected, el);
        if (err) { /* answered at once */
            req->pending--;
            el->state = err == BROOK_ERR_AGAIN ? TO_ASK : ANSWERED;
            el->p->error = err;
        }
    }
}

static void retry_due(void *arg)
{
    elections *es = arg;
    es->retry = NULL;
    ask(es);
    settle(es);
    brook_req_maybe_complete(es->req);
}

static void unpark(elections *es)
{
    if (es->retry)
        brook_loop_timer_cancel(es->req->broker->loop, es->retry);
    es->retry = NULL;
    if (es->parked)
        es->req->waiting--;
    es->parked = 0;
}

static void drop_not_needed(brook_elect_leaders_req *e);

/* Partitions to ask again wait a little (the request parked) unless the
 * timeout passed; once every one has its outcome, the answer is final. */
static void settle(elections *es)
{
    brook_req *req = es->req;
    int again = 0, open = 0;
    for (size_t i = 0; i < es->count; i++) {
        election *el = &es->items[i];
        if (el->state == TO_ASK && (req->deadline_passed || req->cancelled)) {
            el->state = ANSWERED;
            el->p->error = BROOK_ERR_TIMEOUT;
        }
        again |= el->state == TO_ASK;
        open |= el->state != ANSWERED;
    }
    if (!open && es->every) {
        es->every = 0;
        drop_not_needed(&req->pub.u.elect_leaders);
    }
    if (!again) {
        unpark(es);
        return;
    }
    if (!es->parked) {
        es->parked = 1;
        req->waiting++;
    }
    if (!es->retry && brook_loop_timer_add(req->broker->loop, RETRY_MS, retry_due, es, &es->retry))
        es->retry = NULL; /* out of memory: the deadline answers */
}

static elections *state_of(brook_req *req)
{
    return req->handler_state;
}

static void withdraw(brook_req *req)
{
    unpark(state_of(req));
}

/* The timeout passed (or the broker stops): what is still to ask times out. */
static void deadline_passed(brook_req *req)
{
    settle(state_of(req));
    brook_req_maybe_complete(req);
}

/* A null list: every partition of every topic (those that need no
 * election are left out of the answer, as Kafka does). */
static brook_err list_every_partition(brook_req *req, brook_elect_leaders_req *e)
{
    brook_broker *b = req->broker;
    size_t n = 0;
    brook_strmap_iter it = {0};
    while (b->st->clustered && brook_cluster_image_next(b, &it))
        n++;
    e->topic_count = 0;
    e->topics = brook_request_alloc(&req->pub, sizeof *e->topics * (n ? n : 1));
    if (!e->topics)
        return BROOK_ERR_NOMEM;
    it = (brook_strmap_iter){0};
    const brook_image_topic *t;
    while (b->st->clustered && (t = brook_cluster_image_next(b, &it))) {
        if (!t->present)
            continue;
        brook_elect_topic *et = &e->topics[e->topic_count++];
        et->name = t->name;
        et->partition_count = (size_t)t->rec.partitions;
        et->partitions = brook_request_alloc(&req->pub, sizeof *et->partitions * (et->partition_count + 1));
        if (!et->partitions)
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
    *es = (elections){.req = req, .items = items, .count = n, .every = every};
    for (size_t t = 0, i = 0; t < e->topic_count; t++)
        for (size_t p = 0; p < e->topics[t].partition_count; p++, i++)
            items[i] = (election){.all = es, .topic = e->topics[t].name, .p = &e->topics[t].partitions[p]};
    req->handler_state = es;
    req->cancel = withdraw;
    req->on_deadline = deadline_passed;
    brook_req_arm_deadline(req, e->timeout_ms > 0 ? e->timeout_ms : 60000);
    ask(es);
    settle(es);
    if (every)
        log_info("cluster: %s leader election asked for every partition",
                 e->election_type == BROOK_ELECTION_PREFERRED ? "a preferred" : "an unclean");
}
