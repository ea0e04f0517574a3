/* DeleteRecords: each partition's log start moves forward to the offset
 * asked (-1: the high watermark), what lies before it gone for consumers.
 * Only the leader moves it, never past the high watermark (a consumer
 * cannot have read past it; Kafka's rule); its followers follow as they
 * fetch. A partition is answered once its low watermark, the least log
 * start over the leader and the replicas on live brokers, passed the
 * offset (Kafka's DelayedDeleteRecords): answered earlier, a failover to a
 * follower that had not moved yet would bring the records back. Past the
 * request's timeout a partition still waiting answers REQUEST_TIMED_OUT. */
#include "broker.h"
#include "handlers.h"
#include "router.h"

/* One partition waiting for its low watermark. */
typedef struct pending_delete {
    brook_waiter waiter;
    const char *topic;
    brook_delete_records_partition *dp;
} pending_delete;

typedef struct delete_state {
    pending_delete *pending; /* one per partition, in request order */
    size_t count;
} delete_state;

static void delete_wake(brook_waiter *w);

/* Answered when the low watermark passed `offset` (or cannot be had);
 * else waits for it. */
static void answer_or_wait(brook_req *req, brook_partition *part, pending_delete *pd, int64_t offset)
{
    int64_t low;
    if ((pd->dp->error = brook_partition_low_watermark(part, &low)))
        return;
    if (low >= offset) {
        pd->dp->low_watermark = low;
        return;
    }
    pd->waiter =
        (brook_waiter){.target = offset, .mark = BROOK_WAIT_LOW_WATERMARK, .wake = delete_wake, .req = req, .data = pd};
    brook_partition_wait(part, &pd->waiter);
    req->waiting++;
}

static void delete_one(brook_req *req, pending_delete *pd)
{
    brook_delete_records_partition *dp = pd->dp;
    brook_partition *part;
    dp->low_watermark = -1;
    if ((dp->error = brook_route(req->broker, pd->topic, dp->partition, &part)))
        return;
    int64_t offset = dp->offset == -1 ? part->high_watermark : dp->offset;
    if (offset < 0 || offset > part->high_watermark) {
        dp->error = BROOK_ERR_OUT_OF_RANGE;
        return;
    }
    if (!(dp->error = brook_partition_delete_before(part, offset)))
        answer_or_wait(req, part, pd, offset);
}

/* The low watermark moved, or the partition's leadership changed. */
static void delete_wake(brook_waiter *w)
{
    pending_delete *pd = w->data;
    brook_req *req = w->req;
    brook_partition *part;
    req->waiting--;
    if ((pd->dp->error = brook_route(req->broker, pd->topic, pd->dp->partition, &part)) == BROOK_OK) {
        if (part->role != BROOK_ROLE_LEADER)
            pd->dp->error = BROOK_ERR_NOT_LEADER;
        else
            answer_or_wait(req, part, pd, w->target);
    }
    brook_req_maybe_complete(req);
}

static void withdraw(brook_req *req, brook_err error)
{
    delete_state *st = req->handler_state;
    for (size_t i = 0; st && i < st->count; i++) {
        pending_delete *pd = &st->pending[i];
        if (!pd->waiter.part)
            continue;
        brook_partition_unwait(&pd->waiter);
        req->waiting--;
        pd->dp->error = error;
        pd->dp->low_watermark = -1;
    }
}

static void delete_cancel(brook_req *req)
{
    withdraw(req, BROOK_ERR_SHUTDOWN);
}

static void delete_deadline(brook_req *req)
{
    withdraw(req, BROOK_ERR_TIMEOUT);
    brook_req_maybe_complete(req);
}

void brook_handle_delete_records(brook_req *req)
{
    brook_delete_records_req *d = &req->pub.u.delete_records;
    size_t total = 0;
    for (size_t t = 0; t < d->topic_count; t++)
        total += d->topics[t].partition_count;
    delete_state *st = brook_request_alloc(&req->pub, sizeof *st);
    if (st)
        st->pending = brook_request_alloc(&req->pub, sizeof *st->pending * (total + 1));
    if (!st || !st->pending) {
        req->pub.error = BROOK_ERR_NOMEM;
        return;
    }
    req->handler_state = st;
    req->cancel = delete_cancel;
    req->on_deadline = delete_deadline;
    for (size_t t = 0; t < d->topic_count; t++) {
        brook_delete_records_topic *dt = &d->topics[t];
        brook_err denied = brook_authorize(req, BROOK_OP_DELETE, BROOK_RESOURCE_TOPIC, dt->name ? dt->name : "");
        for (size_t i = 0; i < dt->partition_count; i++) {
            pending_delete *pd = &st->pending[st->count++];
            *pd = (pending_delete){.topic = dt->name, .dp = &dt->partitions[i]};
            if (denied) {
                pd->dp->error = denied;
                pd->dp->low_watermark = -1;
            } else {
                delete_one(req, pd);
            }
        }
    }
    if (req->waiting)
        brook_req_arm_deadline(req,
                               req->pub.timeout_ms > 0 ? req->pub.timeout_ms : req->broker->st->request_timeout_ms);
}
