/* InitProducerId: a fresh producer id (epoch 0) for an idempotent producer:
 * from this broker's blocks, or in a cluster from blocks the metadata
 * store hands out (producer_id_blocks.h); a transactional producer's comes
 * from its transactional id's coordinator (handle_txn.c). */
#include "broker.h"
#include "handlers.h"
#include "log.h"
#include "producer_id_blocks.h"

void brook_handle_init_producer_id(brook_req *req)
{
    brook_init_producer_id_req *r = &req->pub.u.init_producer_id;
    r->producer_id = -1;
    r->producer_epoch = -1;
    if (r->transactional_id) {
        brook_handle_init_transactional_id(req);
        return;
    }
    if ((r->error = brook_authorize(req, BROOK_OP_WRITE, BROOK_RESOURCE_CLUSTER, "kafka-cluster")))
        return;
    if (req->broker->st->clustered) {
        brook_cluster_producer_id(req); /* unique across the cluster's brokers */
        return;
    }
    if ((r->error = brook_producer_ids_next(&req->broker->producer_ids, &r->producer_id)) == BROOK_OK)
        r->producer_epoch = 0;
}
