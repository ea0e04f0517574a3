/* Produce: check, assign offsets, append, then answer per `acks`:
 *   0   no response, but the request still waits for durability so its
 *       memory outlives the storage callback;
 *   1   once the storage flush policy made the batch durable;
 *  -1   once the high watermark (replication) covers the batch, or
 *       REQUEST_TIMED_OUT at the request's deadline. */
#include "broker.h"
#include "conn.h"
#include "handlers.h"
#include "log.h"
#include "router.h"

typedef struct produce_ctx {
    brook_req *req;
    brook_produce_partition *pp;
    brook_partition *part;
    int64_t end; /* log end after this append: the offset the HW must reach */
    brook_waiter waiter;
} produce_ctx;

typedef struct produce_state {
    produce_ctx **ctxs;
    size_t count;
} produce_state;

static void produce_committed(brook_waiter *w)
{
    produce_ctx *ctx = w->data;
    if (ctx->part->closing)
        ctx->pp->error = BROOK_ERR_NOT_FOUND;
    ctx->req->waiting--;
    brook_req_maybe_complete(ctx->req);
}

static void produce_durable(void *arg, brook_err err)
{
    produce_ctx *ctx = arg;
    brook_req *req = ctx->req;
    brook_partition *part = ctx->part;
    if (err) {
        ctx->pp->error = err;
        ctx->pp->error_message = "the batch could not be made durable";
    } else if (part->closing) {
        ctx->pp->error = BROOK_ERR_NOT_FOUND;
    } else {
        brook_replication_of(&req->broker->plugins.replication)->leader_appended(part->replica, ctx->end);
        if (req->pub.u.produce.acks == -1 && part->high_watermark < ctx->end && req->conn && !req->deadline_passed) {
            ctx->waiter = (brook_waiter){.target = ctx->end, .wake = produce_committed, .req = req, .data = ctx};
            brook_partition_wait(part, &ctx->waiter);
            req->waiting++;
        }
    }
    brook_req_release(req);
}

/* Withdraw registered waiters, marking their partitions with `error`. */
static void withdraw(brook_req *req, brook_err error)
{
    produce_state *st = req->handler_state;
    for (size_t i = 0; st && i < st->count; i++) {
        produce_ctx *ctx = st->ctxs[i];
        if (!ctx->waiter.part)
            continue;
        brook_partition_unwait(&ctx->waiter);
        req->waiting--;
        if (error)
            ctx->pp->error = error;
    }
}

static void produce_cancel(brook_req *req)
{
    withdraw(req, BROOK_OK);
}

static void produce_deadline(brook_req *req)
{
    withdraw(req, BROOK_ERR_TIMEOUT);
    brook_req_maybe_complete(req);
}

static void append_one(brook_req *req, const char *topic, brook_produce_partition *pp, produce_state *st)
{
    brook_broker *b = req->broker;
    brook_partition *part;
    if ((pp->error = brook_route(b, topic, pp->partition, &part)))
        return;
    int64_t last;
    int duplicate;
    pp->error = brook_partition_append(part, (uint8_t *)pp->records, pp->records_len, &pp->base_offset, &last,
                                       &pp->error_message, &duplicate);
    if (pp->error) {
        pp->base_offset = -1;
        log_info("produce to %s-%d from %s refused: %s", topic, pp->partition, req->conn ? req->conn->address : "?",
                 pp->error_message ? pp->error_message : "");
        return;
    }
    int64_t end;
    brook_partition_offsets(part, &pp->log_start_offset, &end);
    if (duplicate) {
        log_debug("produce to %s-%d: duplicate batch acknowledged at offset %lld", topic, pp->partition,
                  (long long)pp->base_offset);
        return; /* the original append answered durability already */
    }
    brook_metric_add(b->m.produced_records_total, last - pp->base_offset + 1);
    brook_metric_add(b->m.produced_bytes_total, (int64_t)pp->records_len);
    produce_ctx *ctx = brook_request_alloc(&req->pub, sizeof *ctx);
    if (!ctx) {
        pp->error = BROOK_ERR_NOMEM;
        return;
    }
    *ctx = (produce_ctx){.req = req, .pp = pp, .part = part, .end = last + 1};
    st->ctxs[st->count++] = ctx;
    req->pending++;
    brook_storage_of(&b->plugins.storage)->when_durable(part->log, produce_durable, ctx);
}

void brook_handle_produce(brook_req *req)
{
    brook_produce_req *pr = &req->pub.u.produce;
    size_t total = 0;
    for (size_t t = 0; t < pr->topic_count; t++)
        total += pr->topics[t].partition_count;
    produce_state *st = brook_request_alloc(&req->pub, sizeof *st);
    if (st)
        st->ctxs = brook_request_alloc(&req->pub, sizeof *st->ctxs * (total + 1));
    if (!st || !st->ctxs) {
        req->pub.error = BROOK_ERR_NOMEM;
        return;
    }
    req->handler_state = st;
    req->cancel = produce_cancel;
    req->on_deadline = produce_deadline;
    for (size_t t = 0; t < pr->topic_count; t++) {
        brook_produce_topic *pt = &pr->topics[t];
        brook_err denied = brook_authorize(req, BROOK_OP_WRITE, BROOK_RESOURCE_TOPIC, pt->name);
        for (size_t i = 0; i < pt->partition_count; i++) {
            brook_produce_partition *pp = &pt->partitions[i];
            pp->base_offset = pp->log_start_offset = pp->log_append_time = -1;
            if (denied)
                pp->error = denied;
            else
                append_one(req, pt->name, pp, st);
        }
    }
    if (pr->acks == -1)
        brook_req_arm_deadline(req,
                               req->pub.timeout_ms > 0 ? req->pub.timeout_ms : req->broker->st->request_timeout_ms);
}
