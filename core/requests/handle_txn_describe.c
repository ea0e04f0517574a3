/* The transactions coordinators hold (KIP-664), for an operator looking
 * for the one that holds read_committed consumers back:
 * ListTransactions, the ids this broker coordinates (an admin client asks
 * every broker), filtered by state, producer id and age; and
 * DescribeTransactions, named ids at their coordinator. Both need
 * DESCRIBE on each transactional id (ids the client may not describe are
 * left out of a list), and a description shows only the partitions of
 * topics the client may DESCRIBE, as Kafka. */
#include <string.h>

#include "broker.h"
#include "group_coordinator.h"
#include "handlers.h"
#include "offsets.h"
#include "txn_meta.h"

/* Every state Kafka names; Brook's coordinator never is in the last two. */
static const char *const known_states[] = {"Empty",          "Ongoing",       "PrepareCommit", "PrepareAbort",
                                           "CompleteCommit", "CompleteAbort", "Dead",          "PrepareEpochFence"};

static int known_state(const char *name)
{
    for (size_t i = 0; i < sizeof known_states / sizeof known_states[0]; i++)
        if (strcmp(name, known_states[i]) == 0)
            return 1;
    return 0;
}

typedef struct listing {
    brook_req *req;
    brook_list_transactions_req *r;
    int64_t now;
    size_t cap; /* of r->transactions */
} listing;

static int passes(const listing *l, const char *id, const brook_txn_meta *m)
{
    const brook_list_transactions_req *r = l->r;
    const char *state = brook_txn_state_name(m->state);
    int state_ok = r->state_filter_count == 0, producer_ok = r->producer_id_filter_count == 0;
    for (size_t i = 0; i < r->state_filter_count && !state_ok; i++)
        state_ok = strcmp(r->state_filters[i], state) == 0;
    for (size_t i = 0; i < r->producer_id_filter_count && !producer_ok; i++)
        producer_ok = r->producer_id_filters[i] == m->producer_id;
    int old_enough = r->min_duration_ms < 0 || (m->start_ms >= 0 && l->now - m->start_ms >= r->min_duration_ms);
    return state_ok && producer_ok && old_enough && brook_coordinator_check(l->req->broker, id) == BROOK_OK &&
           !brook_authorize_quietly(l->req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_TRANSACTIONAL_ID, id);
}

/* Room for one more listing: twice the room in the request's arena (what
 * the last held stays there until the request ends: at most twice the
 * list's size in all). */
static brook_err make_room(listing *l)
{
    brook_list_transactions_req *r = l->r;
    if (r->transaction_count < l->cap)
        return BROOK_OK;
    size_t cap = l->cap ? l->cap * 2 : 16;
    brook_txn_listing *more = brook_request_alloc(&l->req->pub, sizeof *more * cap);
    if (!more)
        return BROOK_ERR_NOMEM;
    if (r->transaction_count)
        memcpy(more, r->transactions, sizeof *more * r->transaction_count);
    r->transactions = more;
    l->cap = cap;
    return BROOK_OK;
}

/* Each id that passes, copied (the response may wait behind earlier ones
 * on its connection while the ids change). */
static void list_one(void *arg, const char *id, const brook_txn_meta *m)
{
    listing *l = arg;
    brook_list_transactions_req *r = l->r;
    if (r->error || !passes(l, id, m))
        return;
    const char *copy = make_room(l) ? NULL : brook_req_copy_str(l->req, id);
    if (!copy) {
        r->error = BROOK_ERR_NOMEM;
        return;
    }
    r->transactions[r->transaction_count++] = (brook_txn_listing){copy, m->producer_id, brook_txn_state_name(m->state)};
}

void brook_handle_list_transactions(brook_req *req)
{
    brook_list_transactions_req *r = &req->pub.u.list_transactions;
    brook_broker *b = req->broker;
    r->unknown_state_filters = brook_request_alloc(&req->pub, sizeof(char *) * (r->state_filter_count + 1));
    if (!r->unknown_state_filters) {
        r->error = BROOK_ERR_NOMEM;
        return;
    }
    for (size_t i = 0; i < r->state_filter_count; i++)
        if (!known_state(r->state_filters[i]))
            r->unknown_state_filters[r->unknown_state_filter_count++] = r->state_filters[i];
    if (!b->txns || !b->offsets)
        return; /* nothing coordinated here (yet) */
    listing l = {.req = req, .r = r, .now = brook_wall_clock_ms()};
    brook_offsets_each_txn(b->offsets, list_one, &l);
}

/* The transaction's partitions grouped by topic (they are sorted), the
 * topics the client may not DESCRIBE left out. */
static brook_err describe_partitions(brook_req *req, const brook_txn_meta *m, brook_txn_description *d)
{
    d->topics = brook_request_alloc(&req->pub, sizeof *d->topics * (m->partition_count + 1));
    int32_t *ids = brook_request_alloc(&req->pub, sizeof *ids * (m->partition_count + 1));
    if (!d->topics || !ids)
        return BROOK_ERR_NOMEM;
    for (size_t i = 0; i < m->partition_count;) {
        size_t j = i;
        while (j < m->partition_count && strcmp(m->partitions[j].topic, m->partitions[i].topic) == 0) {
            ids[j] = m->partitions[j].partition;
            j++;
        }
        const char *name = m->partitions[i].topic;
        if (brook_authorize_quietly(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_TOPIC, name)) {
            i = j;
            continue;
        }
        if (!(name = brook_req_copy_str(req, name)))
            return BROOK_ERR_NOMEM;
        d->topics[d->topic_count++] = (brook_txn_topic){.name = name, .partitions = &ids[i], .partition_count = j - i};
        i = j;
    }
    return BROOK_OK;
}

static void describe_one(brook_req *req, brook_txn_description *d)
{
    brook_broker *b = req->broker;
    const char *id = d->transactional_id;
    d->producer_id = d->start_ms = -1;
    d->producer_epoch = -1;
    if (!id || !*id)
        d->error = BROOK_ERR_INVALID;
    else if (brook_authorize(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_TRANSACTIONAL_ID, id))
        d->error = BROOK_ERR_TRANSACTIONAL_ID_DENIED;
    else if (!b->txns || !b->offsets)
        d->error = BROOK_ERR_LEADER_NOT_AVAILABLE;
    else
        d->error = brook_coordinator_check(b, id);
    if (d->error)
        return;
    const brook_txn_meta *m = brook_offsets_txn(b->offsets, id);
    if (!m) {
        d->error = BROOK_ERR_NOT_FOUND;
        return;
    }
    d->state = brook_txn_state_name(m->state);
    d->timeout_ms = m->timeout_ms;
    d->start_ms = m->start_ms;
    d->producer_id = m->producer_id;
    d->producer_epoch = m->epoch;
    d->error = describe_partitions(req, m, d);
}

void brook_handle_describe_transactions(brook_req *req)
{
    brook_describe_transactions_req *r = &req->pub.u.describe_transactions;
    for (size_t i = 0; i < r->count; i++)
        describe_one(req, &r->transactions[i]);
}
