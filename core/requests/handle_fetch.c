/* Fetch: read whole batches below the high watermark as storage slices.
 * Long poll: when fewer than min_bytes are available, the request waits on
 * every partition it reads until one of them commits more data or
 * max_wait_ms passes. No busy looping: it is woken, never polled.
 * A follower's fetch (a replica id >= 0, ClusterAction on the cluster)
 * reads up to the log end instead, with its leader epochs checked and a
 * diverged log answered with where it diverges; it waits for the log end,
 * or until the leader's log start moves (DeleteRecords waits for its
 * followers to follow). The leader's replication throttle holds back what
 * goes to out-of-sync followers of throttled replicas (replication_quota.h). A partition whose storage first gets ready
 * for the read off the loop (a sealed segment's index read back) answers nothing yet, and the fetch, if it waits, is
 * woken when it is ready. A consumer that names its rack (Fetch v11+) may
 * read from a follower, up to the follower's high watermark, and a leader
 * may send it to one in its rack instead of reading (replica_selector.h):
 * such an answer goes at once. */
#include <string.h>

#include "broker.h"
#include "client_quotas.h"
#include "conn.h"
#include "handlers.h"
#include "log.h"
#include "replica_selector.h"
#include "router.h"

#define MAX_SLICES_PER_PARTITION 256
/* A read_committed read stops short of the last stable offset rather than
 * list more aborted transactions than this (partition.h). */
#define MAX_ABORTED_PER_PARTITION 256

typedef struct fetch_state {
    brook_waiter *waiters; /* one per partition, same order as the request */
    size_t count;
    int answer_now;        /* a follower's: the leader's log start moved; a consumer's: sent to another replica */
    size_t follower_bytes; /* of the last read, from replicas this broker follows */
    int64_t throttle_wait; /* a follower's with a partition held back: until the throttle allows more (0: none) */
} fetch_state;

/* A follower's fetch of `p` that the leader's replication throttle
 * applies to: the topic names the partition on this broker in
 * leader.replication.throttled.replicas, a rate is set, and the follower is
 * out of sync (an in-sync one is never held back: acks=all waits on it). */
static int leader_throttles(brook_broker *b, const brook_partition *p, int32_t replica)
{
    return p->throttled_as_leader && brook_quota_limited(&b->leader_quota) && !brook_partition_isr_has(p, replica);
}

/* What a throttled follower's read may take: *max cut to the throttle's
 * budget, or held back (1) when it is spent. */
static int throttle_read(brook_req *req, brook_partition *p, size_t *max)
{
    brook_broker *b = req->broker;
    if (!leader_throttles(b, p, req->pub.u.fetch.replica_id))
        return 0;
    int64_t now = brook_loop_now(b->loop), budget = brook_quota_available(&b->leader_quota, now);
    if (budget > 0) {
        if ((uint64_t)budget < *max)
            *max = (size_t)budget;
        return 0;
    }
    fetch_state *st = req->handler_state;
    int64_t wait = brook_quota_wait_ms(&b->leader_quota, now);
    if (!st->throttle_wait || wait < st->throttle_wait)
        st->throttle_wait = wait;
    return 1;
}

/* The throttle spends what went to throttled followers' replicas. */
static void throttle_spend(brook_req *req)
{
    brook_fetch_req *f = &req->pub.u.fetch;
    brook_broker *b = req->broker;
    if (f->replica_id < 0 || !brook_quota_limited(&b->leader_quota))
        return; /* no rate: nothing to count (and no lookups per partition) */
    int64_t now = brook_loop_now(b->loop);
    for (size_t t = 0; t < f->topic_count; t++)
        for (size_t i = 0; i < f->topics[t].partition_count; i++) {
            brook_fetch_partition *fp = &f->topics[t].partitions[i];
            brook_partition *part;
            if (fp->bytes && !brook_route(b, f->topics[t].name, fp->partition, &part) &&
                leader_throttles(b, part, f->replica_id)) {
                brook_quota_spend(&b->leader_quota, (int64_t)fp->bytes, now);
                brook_metric_add(b->m.cluster_throttled_leader_bytes_total, (int64_t)fp->bytes);
            }
        }
}

static void release_partition(brook_fetch_partition *fp)
{
    for (size_t i = 0; i < fp->slice_count; i++)
        if (fp->slices[i].release)
            fp->slices[i].release(fp->slices[i].owner);
    fp->slice_count = 0;
    fp->bytes = 0;
    fp->aborted_count = 0;
}

void brook_handle_fetch_release(brook_req *req)
{
    brook_fetch_req *f = &req->pub.u.fetch;
    for (size_t t = 0; t < f->topic_count; t++)
        for (size_t i = 0; i < f->topics[t].partition_count; i++)
            release_partition(&f->topics[t].partitions[i]);
}

/* A read_committed consumer's read: records below the last stable offset
 * (short of it when that would list too many aborted transactions), and
 * the aborted transactions they may hold records of. */
static void read_committed(brook_req *req, brook_partition *part, brook_fetch_partition *fp, size_t max)
{
    size_t n;
    int64_t upto =
        brook_partition_stable_bound(part, fp->fetch_offset, fp->last_stable_offset, MAX_ABORTED_PER_PARTITION, &n);
    fp->error = brook_partition_read(part, fp->fetch_offset, upto, max, fp->slices, MAX_SLICES_PER_PARTITION,
                                     &fp->slice_count, &fp->bytes);
    if (fp->error || !fp->bytes || !n)
        return;
    brook_aborted_txn *list = (brook_aborted_txn *)fp->aborted;
    if (!list || n > MAX_ABORTED_PER_PARTITION) { /* once per partition for every read of a long poll, as a rule */
        size_t room = n > MAX_ABORTED_PER_PARTITION ? n : MAX_ABORTED_PER_PARTITION;
        if (!(list = brook_request_alloc(&req->pub, sizeof *list * room))) {
            fp->error = BROOK_ERR_NOMEM;
            return;
        }
        fp->aborted = list;
    }
    fp->aborted_count = brook_partition_aborted(part, fp->fetch_offset, upto, list, n);
}

/* Whether the fetch may read from followers: a consumer's that names its
 * rack (replica_selector.h). */
static int followers_too(const brook_fetch_req *f)
{
    return f->replica_id < 0 && f->rack_id;
}

/* The leader sends the consumer to replica `to` for the i-th partition of
 * `ft`: no records, and the answer goes at once (as Kafka answers). */
static brook_err send_elsewhere(brook_req *req, brook_fetch_topic *ft, size_t i, int32_t to)
{
    int32_t *preferred = (int32_t *)ft->preferred_read_replicas;
    if (!preferred) {
        if (!(preferred = brook_request_alloc(&req->pub, sizeof *preferred * (ft->partition_count + 1))))
            return BROOK_ERR_NOMEM;
        for (size_t k = 0; k < ft->partition_count; k++)
            preferred[k] = -1;
        ft->preferred_read_replicas = preferred;
    }
    preferred[i] = to;
    fetch_state *st = req->handler_state;
    st->answer_now = 1;
    return BROOK_OK;
}

/* Read the i-th partition of `ft`; `budget` is what the response may still take
 * (the first batch of the response is exempt: *first_done tracks it). A
 * partition named twice is read twice, each within the same budget. */
static void read_partition(brook_req *req, brook_fetch_topic *ft, size_t i, size_t *budget, int *first_done)
{
    brook_broker *b = req->broker;
    const brook_fetch_req *f = &req->pub.u.fetch;
    brook_fetch_partition *fp = &ft->partitions[i];
    brook_partition *part;
    release_partition(fp);
    fp->high_watermark = fp->log_start_offset = -1;
    if ((fp->error = brook_route_read(b, ft->name, fp->partition, followers_too(f), &part)) ||
        (fp->error = brook_partition_check_epoch(part, fp->current_leader_epoch)))
        return;
    int64_t log_end;
    if ((fp->error = brook_partition_offsets(part, &fp->log_start_offset, &log_end)))
        return;
    fp->high_watermark = part->high_watermark;
    fp->last_stable_offset = brook_partition_last_stable(part); /* (a read_committed read goes up to it) */
    int32_t to = followers_too(f) && part->role == BROOK_ROLE_LEADER
                     ? brook_read_replica_for(b, part, f->rack_id, fp->fetch_offset)
                     : -1;
    if (to >= 0) {
        fp->error = send_elsewhere(req, ft, i, to);
        return;
    }
    fp->diverging_epoch = BROOK_NO_EPOCH;
    fp->diverging_end_offset = -1;
    if (!fp->slices) {
        fp->slices = brook_request_alloc(&req->pub, sizeof *fp->slices * MAX_SLICES_PER_PARTITION);
        if (!fp->slices) {
            fp->error = BROOK_ERR_NOMEM;
            return;
        }
    }
    /* The partition's own limit, within what the response has left; the
     * first batch of the response comes whole whatever its size (storage
     * always returns its first batch), so a consumer always progresses. */
    size_t max = fp->max_bytes > 0 ? (size_t)fp->max_bytes : 1;
    if (max > *budget)
        max = *budget;
    if (*first_done && max == 0)
        return;
    if (max == 0)
        max = 1;
    if (req->pub.u.fetch.replica_id >= 0) {
        brook_replica_fetch rf = {.replica_id = req->pub.u.fetch.replica_id,
                                  .offset = fp->fetch_offset,
                                  .current_epoch = fp->current_leader_epoch,
                                  .last_fetched_epoch = fp->last_fetched_epoch,
                                  .max_bytes = max,
                                  .slices = fp->slices,
                                  .max_slices = MAX_SLICES_PER_PARTITION,
                                  .replica_log_start = fp->replica_log_start_offset};
        rf.held_back = throttle_read(req, part, &rf.max_bytes);
        fp->error = brook_partition_read_for_replica(part, &rf);
        fp->slice_count = rf.n_slices;
        fp->bytes = rf.bytes;
        fp->high_watermark = rf.high_watermark;
        fp->diverging_epoch = rf.diverging_epoch;
        fp->diverging_end_offset = rf.diverging_end;
    } else if (req->pub.u.fetch.isolation == BROOK_READ_COMMITTED) {
        read_committed(req, part, fp, max);
    } else {
        fp->error = brook_partition_read(part, fp->fetch_offset, -1, max, fp->slices, MAX_SLICES_PER_PARTITION,
                                         &fp->slice_count, &fp->bytes);
    }
    if (fp->error) {
        fp->slice_count = 0;
        fp->bytes = 0;
        return;
    }
    if (fp->bytes) {
        *first_done = 1;
        *budget = fp->bytes >= *budget ? 0 : *budget - fp->bytes;
    }
    if (part->role == BROOK_ROLE_FOLLOWER) {
        fetch_state *st = req->handler_state;
        st->follower_bytes += fp->bytes;
    }
}

/* Read everything; returns the total bytes, *errors set when any partition failed. */
static size_t read_all(brook_req *req, int *errors)
{
    brook_fetch_req *f = &req->pub.u.fetch;
    /* The response's limit: the client's max_bytes, within the broker's. */
    size_t budget = f->max_bytes > 0 ? (size_t)f->max_bytes : 1, total = 0;
    if (budget > (size_t)req->broker->st->fetch_max_bytes)
        budget = (size_t)req->broker->st->fetch_max_bytes;
    int first_done = 0;
    *errors = 0;
    fetch_state *st = req->handler_state;
    st->follower_bytes = 0;
    for (size_t t = 0; t < f->topic_count; t++) {
        brook_fetch_topic *ft = &f->topics[t];
        for (size_t i = 0; i < ft->partition_count; i++) {
            read_partition(req, ft, i, &budget, &first_done);
            total += ft->partitions[i].bytes;
            *errors |= ft->partitions[i].error != BROOK_OK;
        }
    }
    return total;
}

static void withdraw(brook_req *req)
{
    fetch_state *st = req->handler_state;
    for (size_t i = 0; st && i < st->count; i++) {
        if (st->waiters[i].part) {
            brook_partition_unwait(&st->waiters[i]);
            req->waiting--;
        }
    }
}

/* A consumer's consumer_byte_rate quota spends what the answer returns;
 * the response says how long it is held back (client_quotas.h). */
static void charge_quota(brook_req *req, size_t bytes)
{
    if (req->pub.u.fetch.replica_id < 0)
        brook_client_quotas_charge_request(req, BROOK_QUOTA_FETCH, (int64_t)bytes);
}

static void finish(brook_req *req)
{
    withdraw(req);
    throttle_spend(req);
    brook_fetch_req *f = &req->pub.u.fetch;
    size_t bytes = 0;
    for (size_t t = 0; t < f->topic_count; t++)
        for (size_t i = 0; i < f->topics[t].partition_count; i++)
            bytes += f->topics[t].partitions[i].bytes;
    brook_metric_add(req->broker->m.fetched_bytes_total, (int64_t)bytes);
    fetch_state *st = req->handler_state;
    brook_metric_add(req->broker->m.follower_fetched_bytes_total, (int64_t)st->follower_bytes);
    charge_quota(req, bytes);
    brook_req_maybe_complete(req);
}

static void fetch_wake(brook_waiter *w);

/* Wait on every readable partition for data past what this fetch wants. */
static void park(brook_req *req)
{
    fetch_state *st = req->handler_state;
    brook_fetch_req *f = &req->pub.u.fetch;
    size_t k = 0;
    for (size_t t = 0; t < f->topic_count; t++) {
        for (size_t i = 0; i < f->topics[t].partition_count; i++, k++) {
            brook_fetch_partition *fp = &f->topics[t].partitions[i];
            brook_partition *part;
            if (st->waiters[k].part ||
                brook_route_read(req->broker, f->topics[t].name, fp->partition, followers_too(f), &part))
                continue;
            /* consumers wait for the high watermark, followers for the log end */
            int replica = f->replica_id >= 0;
            int64_t start, end, mark = part->high_watermark;
            if (replica && brook_partition_offsets(part, &start, &end) == BROOK_OK)
                mark = end;
            int64_t target = fp->fetch_offset + 1;
            if (target <= mark)
                target = mark + 1;
            st->waiters[k] = (brook_waiter){.target = target,
                                            .mark = replica ? BROOK_WAIT_LOG_END : BROOK_WAIT_HIGH_WATERMARK,
                                            .reads = 1,
                                            .wake = fetch_wake,
                                            .req = req};
            brook_partition_wait(part, &st->waiters[k]);
            req->waiting++;
        }
    }
}

static void fetch_try(brook_req *req)
{
    fetch_state *st = req->handler_state;
    brook_fetch_req *f = &req->pub.u.fetch;
    int errors;
    size_t total = read_all(req, &errors);
    int min = f->min_bytes > 0 ? f->min_bytes : 1;
    if (errors || total >= (size_t)min || f->max_wait_ms <= 0 || req->deadline_passed || !req->conn ||
        req->broker->stopping || st->answer_now) {
        finish(req);
        return;
    }
    /* Not enough yet: give back the slices we hold while we wait. */
    brook_handle_fetch_release(req);
    park(req);
}

/* Its other waiters go before it reads again: a read can wake waiters of
 * the partitions it reads (a follower's fetch moves the high watermark,
 * whose commits append, which wakes those waiting for the log end), and
 * one of this request's own would run this request again, within its
 * read, to its end and free it (it did: ASan, a coordinator's markers
 * committed by a follower's fetch). It waits anew if it must. */
static void fetch_wake(brook_waiter *w)
{
    brook_req *req = w->req;
    fetch_state *st = req->handler_state;
    st->answer_now |= w->answer_now;
    req->waiting--;
    withdraw(req);
    fetch_try(req);
}

static void fetch_deadline(brook_req *req)
{
    withdraw(req);
    fetch_try(req);
}

void brook_handle_fetch(brook_req *req)
{
    brook_fetch_req *f = &req->pub.u.fetch;
    fetch_state *st = brook_request_alloc(&req->pub, sizeof *st);
    size_t total = 0;
    for (size_t t = 0; t < f->topic_count; t++)
        total += f->topics[t].partition_count;
    if (st)
        st->waiters = brook_request_alloc(&req->pub, sizeof *st->waiters * (total + 1));
    if (!st || !st->waiters) {
        req->pub.error = BROOK_ERR_NOMEM;
        return;
    }
    /* a consumer over its quota gets nothing now, and how long to wait
     * (Kafka's answer: no partitions, the throttle time) */
    if (f->replica_id < 0 && brook_client_quotas_charge_request(req, BROOK_QUOTA_FETCH, 0) > 0) {
        f->topic_count = 0;
        return;
    }
    st->count = total;
    req->handler_state = st;
    req->cancel = withdraw;
    req->on_deadline = fetch_deadline;
    /* a follower copies whole partitions: the cluster's own action */
    brook_err replica_denied =
        f->replica_id >= 0 ? brook_authorize(req, BROOK_OP_CLUSTER_ACTION, BROOK_RESOURCE_CLUSTER, "kafka-cluster")
                           : BROOK_OK;
    for (size_t t = 0; t < f->topic_count; t++) {
        brook_err denied = replica_denied
                               ? replica_denied
                               : brook_authorize(req, BROOK_OP_READ, BROOK_RESOURCE_TOPIC, f->topics[t].name);
        if (!denied)
            continue;
        /* A denied topic answers at once with its error. */
        for (size_t i = 0; i < f->topics[t].partition_count; i++)
            f->topics[t].partitions[i].error = denied;
        return;
    }
    fetch_try(req);
    /* a follower held back by the throttle hears again once it allows more */
    if (req->waiting)
        brook_req_arm_long_poll(req, st->throttle_wait && st->throttle_wait < f->max_wait_ms ? st->throttle_wait
                                                                                             : f->max_wait_ms);
}
