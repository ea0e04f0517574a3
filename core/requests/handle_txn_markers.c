/* WriteTxnMarkers: end producers' transactions in the partitions this
 * broker leads, one COMMIT or ABORT marker appended to each (txn_marker.h)
 * as a produce with acks=all is, answered once every marker is committed
 * or failed. Only the cluster's own (ClusterAction: a transaction
 * coordinator, an operator aborting a hanging transaction) may. */
#include "append_set.h"
#include "broker.h"
#include "group_coordinator.h"
#include "handlers.h"
#include "log.h"
#include "router.h"
#include "txn_marker.h"

typedef struct marker_ctx {
    brook_req *req;
    brook_err *error; /* the request's slot for the partition */
    brook_partition *part;
    int commit;
    brook_append append;
    uint8_t batch[BROOK_TXN_MARKER_BYTES];
} marker_ctx;

static void marker_appended(brook_append *a)
{
    marker_ctx *ctx = a->arg;
    *ctx->error = a->error;
    if (!a->error) /* a group coordinator's pending offsets end with it */
        brook_coordinator_marker_written(ctx->req->broker, ctx->part, a->first.producer_id, ctx->commit);
    if (a->error)
        log_info("transaction marker for producer %lld refused: %s",
                 (long long)brook_be64(ctx->batch + BROOK_BATCH_OFF_PRODUCER_ID),
                 a->error_message ? a->error_message : brook_err_str(a->error));
    brook_req_release(ctx->req);
}

static void write_one(brook_req *req, const brook_txn_marker *m, const char *topic, int32_t index, brook_err *error,
                      brook_append_set *st)
{
    brook_partition *part;
    if ((*error = brook_route(req->broker, topic, index, &part)))
        return;
    marker_ctx *ctx = brook_request_alloc(&req->pub, sizeof *ctx);
    if (!ctx) {
        *error = BROOK_ERR_NOMEM;
        return;
    }
    *ctx = (marker_ctx){.req = req, .error = error, .part = part, .commit = m->commit};
    brook_txn_marker_build(ctx->batch, m->producer_id, m->producer_epoch, m->coordinator_epoch, m->commit,
                           brook_wall_clock_ms());
    ctx->append = (brook_append){
        .data = ctx->batch, .len = sizeof ctx->batch, .acks = -1, .marker = 1, .done = marker_appended, .arg = ctx};
    brook_append_set_start(req, st, part, &ctx->append);
}

void brook_handle_write_txn_markers(brook_req *req)
{
    brook_write_txn_markers_req *w = &req->pub.u.write_txn_markers;
    size_t total = 0;
    for (size_t i = 0; i < w->marker_count; i++)
        for (size_t t = 0; t < w->markers[i].topic_count; t++)
            total += w->markers[i].topics[t].partition_count;
    brook_append_set *st = brook_append_set_new(req, total);
    if (!st) {
        req->pub.error = BROOK_ERR_NOMEM;
        return;
    }
    brook_err denied = brook_authorize(req, BROOK_OP_CLUSTER_ACTION, BROOK_RESOURCE_CLUSTER, "kafka-cluster");
    for (size_t i = 0; i < w->marker_count; i++) {
        const brook_txn_marker *m = &w->markers[i];
        for (size_t t = 0; t < m->topic_count; t++) {
            brook_txn_topic *mt = &m->topics[t];
            for (size_t k = 0; k < mt->partition_count; k++) {
                if (denied)
                    mt->errors[k] = denied;
                else
                    write_one(req, m, mt->name, mt->partitions[k], &mt->errors[k], st);
            }
        }
    }
    brook_req_arm_deadline(req, req->pub.timeout_ms > 0 ? req->pub.timeout_ms : req->broker->st->request_timeout_ms);
}
