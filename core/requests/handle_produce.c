/* Produce: authorize, route each partition's batches to its partition,
 * which appends, waits for durability and, for acks=all, for the commit
 * (brook_partition_produce), then answer. acks = 0 sends no response, but
 * the request still waits for its appends so its memory outlives them. The
 * request's deadline (acks=all) ends commit waits with REQUEST_TIMED_OUT.
 *
 * Transactional batches need the request's transactional id and WRITE on
 * it (Kafka's rule), and a transaction's first batch in a partition waits
 * for its coordinator to confirm the partition is in the transaction
 * (txn_verify.h) before it goes to the partition. */
#include "append_set.h"
#include "broker.h"
#include "client_quotas.h"
#include "conn.h"
#include "controlled_shutdown.h"
#include "group_coordinator.h"
#include "handlers.h"
#include "log.h"
#include "producer_state.h"
#include "router.h"
#include "txn_marker.h"
#include "txn_verify.h"

typedef struct produce_ctx {
    brook_req *req;
    const char *topic;
    brook_produce_partition *pp;
    brook_append_set *set;
    brook_append append;
} produce_ctx;

/* The partition is done with one append: its result is the answer. */
static void appended(brook_append *a)
{
    produce_ctx *ctx = a->arg;
    brook_req *req = ctx->req;
    brook_produce_partition *pp = ctx->pp;
    pp->error = a->error;
    pp->error_message = a->error_message;
    pp->base_offset = a->base_offset;
    pp->log_start_offset = a->log_start_offset;
    if (a->error && a->stage == BROOK_APPEND_DONE && a->base_offset < 0)
        log_info("produce to %s-%d from %s refused: %s", ctx->topic, pp->partition,
                 req->conn ? req->conn->address : "?", a->error_message ? a->error_message : brook_err_str(a->error));
    if (!a->error && !a->duplicate) {
        brook_metric_add(req->broker->m.produced_records_total, a->last_offset - a->base_offset + 1);
        brook_metric_add(req->broker->m.produced_bytes_total, (int64_t)a->len);
    }
    brook_req_release(req);
}

/* Whether the partition's first batch is a transactional one (checked
 * in full by the partition; a batch too short to say is refused there). */
static int transactional(const brook_produce_partition *pp)
{
    return pp->records_len >= BROOK_BATCH_HEADER_SIZE && pp->records[BROOK_BATCH_OFF_MAGIC] == 2 &&
           (brook_be16(pp->records + BROOK_BATCH_OFF_ATTRIBUTES) & BROOK_BATCH_ATTR_TRANSACTIONAL);
}

/* The partition a produce goes to: its leader here, taking writes. */
static brook_err route_produce(brook_broker *b, const char *topic, int32_t partition, brook_partition **part)
{
    brook_err e = brook_route(b, topic, partition, part);
    if (!e && brook_controlled_shutdown_holds_writes(b, *part))
        return BROOK_ERR_NOT_LEADER; /* being handed over: its next leader takes it */
    return e;
}

/* The coordinator answered: append, or answer with its refusal. The
 * partition is looked up again (it may have gone meanwhile). */
static void verified(void *arg, brook_err err)
{
    produce_ctx *ctx = arg;
    brook_req *req = ctx->req;
    brook_partition *part = NULL;
    if (!err)
        err = brook_req_still_awaited(req);
    if (err == BROOK_ERR_AGAIN) /* what every client retries (Kafka's answer to clients before KIP-890) */
        err = BROOK_ERR_NOT_ENOUGH_REPLICAS;
    else if (!err)
        err = route_produce(req->broker, ctx->topic, ctx->pp->partition, &part);
    if (err) {
        ctx->pp->error = err;
        if (err == BROOK_ERR_INVALID_TXN_STATE)
            ctx->pp->error_message = "the partition is not in the producer's ongoing transaction";
        if (err != BROOK_ERR_NOT_ENOUGH_REPLICAS) /* (that one a retry cures) */
            log_info("produce to %s-%d from %s refused: %s", ctx->topic, ctx->pp->partition,
                     req->conn ? req->conn->address : "?",
                     ctx->pp->error_message ? ctx->pp->error_message : brook_err_str(err));
    } else {
        ctx->append.txn_verified = 1;
        brook_append_set_start(req, ctx->set, part, &ctx->append);
    }
    brook_req_release(req);
}

/* A transactional batch that would open its producer's transaction here:
 * its coordinator is asked first. 0: append it now. */
static int verify_first(brook_req *req, brook_partition *part, produce_ctx *ctx)
{
    const brook_produce_partition *pp = ctx->pp;
    if (!transactional(pp))
        return 0;
    int64_t producer_id = (int64_t)brook_be64(pp->records + BROOK_BATCH_OFF_PRODUCER_ID);
    int16_t epoch = (int16_t)brook_be16(pp->records + BROOK_BATCH_OFF_PRODUCER_EPOCH);
    if (producer_id < 0) /* refused by the partition: a transactional batch needs a producer */
        return 0;
    if (brook_producers_txn_state(part->producers, producer_id, &ctx->append.txn_guard) == 1)
        return 0; /* in its transaction already (the partition checks again when it appends) */
    /* acks=all is answered by its timeout (brook_handle_produce): so is the question */
    const brook_produce_req *pr = &req->pub.u.produce;
    brook_txn_question q = {.txn_id = pr->transactional_id,
                            .producer_id = producer_id,
                            .epoch = epoch,
                            .topic = ctx->topic,
                            .partition = pp->partition,
                            .timeout_ms = pr->acks == -1 ? req->pub.timeout_ms : 0};
    req->pending++;
    brook_txn_verify(req->broker, &q, verified, ctx);
    return 1;
}

static void append_one(brook_req *req, const char *topic, brook_produce_partition *pp, brook_append_set *st)
{
    brook_partition *part;
    if (brook_is_internal_topic(topic)) { /* the coordinators write it, clients do not (as in Kafka) */
        pp->error = BROOK_ERR_INVALID_TOPIC;
        pp->error_message = "cannot append to an internal topic";
        return;
    }
    if ((pp->error = route_produce(req->broker, topic, pp->partition, &part)))
        return;
    produce_ctx *ctx = brook_request_alloc(&req->pub, sizeof *ctx);
    if (!ctx) {
        pp->error = BROOK_ERR_NOMEM;
        return;
    }
    *ctx = (produce_ctx){.req = req, .topic = topic, .pp = pp, .set = st};
    ctx->append = (brook_append){.data = (uint8_t *)pp->records,
                                 .len = pp->records_len,
                                 .acks = req->pub.u.produce.acks,
                                 .done = appended,
                                 .arg = ctx};
    if (!verify_first(req, part, ctx))
        brook_append_set_start(req, st, part, &ctx->append);
}

/* A request with transactional batches names its transactional id, and
 * the client may WRITE it (else every partition is refused, as Kafka). */
static brook_err transactional_id_denied(brook_req *req)
{
    const brook_produce_req *pr = &req->pub.u.produce;
    int any = 0;
    for (size_t t = 0; t < pr->topic_count && !any; t++)
        for (size_t i = 0; i < pr->topics[t].partition_count && !any; i++)
            any = transactional(&pr->topics[t].partitions[i]);
    if (!any)
        return BROOK_OK;
    if (!pr->transactional_id || !*pr->transactional_id ||
        brook_authorize(req, BROOK_OP_WRITE, BROOK_RESOURCE_TRANSACTIONAL_ID, pr->transactional_id))
        return BROOK_ERR_TRANSACTIONAL_ID_DENIED;
    return BROOK_OK;
}

/* The client's producer_byte_rate quota spends the records' bytes; the
 * response says how long it is held back (client_quotas.h). */
static void charge_quota(brook_req *req)
{
    const brook_produce_req *pr = &req->pub.u.produce;
    int64_t bytes = 0;
    for (size_t t = 0; t < pr->topic_count; t++)
        for (size_t i = 0; i < pr->topics[t].partition_count; i++)
            bytes += (int64_t)pr->topics[t].partitions[i].records_len;
    brook_client_quotas_charge_request(req, BROOK_QUOTA_PRODUCE, bytes);
}

void brook_handle_produce(brook_req *req)
{
    brook_produce_req *pr = &req->pub.u.produce;
    size_t total = 0;
    for (size_t t = 0; t < pr->topic_count; t++)
        total += pr->topics[t].partition_count;
    brook_append_set *st = brook_append_set_new(req, total);
    if (!st) {
        req->pub.error = BROOK_ERR_NOMEM;
        return;
    }
    charge_quota(req);
    brook_err txn_denied = transactional_id_denied(req);
    for (size_t t = 0; t < pr->topic_count; t++) {
        brook_produce_topic *pt = &pr->topics[t];
        brook_err denied =
            txn_denied ? txn_denied : brook_authorize(req, BROOK_OP_WRITE, BROOK_RESOURCE_TOPIC, pt->name);
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
