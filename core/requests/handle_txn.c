/* A transactional producer's requests (KIP-98): InitProducerId with a
 * transactional id, AddPartitionsToTxn, AddOffsetsToTxn and EndTxn, to the
 * id's coordinator (txn_coordinator.h: this broker on a single broker, in
 * a cluster the leader of the id's __consumer_offsets partition, which
 * FindCoordinator names). Here: what the request may do (WRITE on the
 * transactional id, as Kafka asks, and on each topic added; READ on the
 * group whose offsets it commits), whether this broker coordinates the id,
 * and what Kafka checks before the coordinator sees it. */
#include <string.h>

#include "broker.h"
#include "group_coordinator.h"
#include "handlers.h"
#include "router.h"
#include "txn_coordinator.h"

/* WRITE on the id, and this broker coordinates it. */
static brook_err may_use(brook_req *req, const char *id)
{
    if (!id || !*id)
        return BROOK_ERR_INVALID;
    if (brook_authorize(req, BROOK_OP_WRITE, BROOK_RESOURCE_TRANSACTIONAL_ID, id))
        return BROOK_ERR_TRANSACTIONAL_ID_DENIED;
    if (!req->broker->txns)
        return BROOK_ERR_LEADER_NOT_AVAILABLE;
    return brook_coordinator_check(req->broker, id);
}

void brook_handle_init_transactional_id(brook_req *req)
{
    brook_init_producer_id_req *r = &req->pub.u.init_producer_id;
    if ((r->error = may_use(req, r->transactional_id)))
        return;
    if (r->transaction_timeout_ms <= 0 || r->transaction_timeout_ms > req->broker->st->txn_max_timeout_ms) {
        r->error = BROOK_ERR_INVALID_TRANSACTION_TIMEOUT;
        return;
    }
    brook_txn_init_producer_id(req);
}

/* A partition leader asks whether partitions are in a producer's ongoing
 * transaction before taking its first batch there (KIP-890's VerifyOnly):
 * the cluster's own only (ClusterAction, as Kafka). */
static void verify_for_a_leader(brook_req *req)
{
    brook_add_partitions_to_txn_req *r = &req->pub.u.add_partitions_to_txn;
    brook_err e = brook_authorize(req, BROOK_OP_CLUSTER_ACTION, BROOK_RESOURCE_CLUSTER, "kafka-cluster");
    if (!e && (!r->transactional_id || !*r->transactional_id))
        e = BROOK_ERR_INVALID;
    if (!e && !req->broker->txns)
        e = BROOK_ERR_LEADER_NOT_AVAILABLE;
    if (!e)
        e = brook_coordinator_check(req->broker, r->transactional_id);
    if (e)
        brook_txn_answer_partitions(r, e, 0);
    else
        brook_txn_verify_partitions(req);
}

void brook_handle_add_partitions_to_txn(brook_req *req)
{
    brook_add_partitions_to_txn_req *r = &req->pub.u.add_partitions_to_txn;
    if (r->verify_only) {
        verify_for_a_leader(req);
        return;
    }
    brook_err e = may_use(req, r->transactional_id);
    if (e) {
        brook_txn_answer_partitions(r, e, 0);
        return;
    }
    int failed = 0;
    for (size_t t = 0; t < r->topic_count; t++) {
        brook_txn_topic *tt = &r->topics[t];
        brook_err denied = brook_authorize(req, BROOK_OP_WRITE, BROOK_RESOURCE_TOPIC, tt->name);
        for (size_t i = 0; i < tt->partition_count; i++) {
            tt->errors[i] = denied ? denied : brook_route_exists(req->broker, tt->name, tt->partitions[i]);
            failed |= tt->errors[i] != BROOK_OK;
        }
    }
    if (failed) {
        brook_txn_answer_partitions(r, BROOK_ERR_OPERATION_NOT_ATTEMPTED, 1);
        return;
    }
    brook_txn_add_partitions(req);
}

void brook_handle_add_offsets_to_txn(brook_req *req)
{
    brook_add_offsets_to_txn_req *r = &req->pub.u.add_offsets_to_txn;
    if ((r->error = may_use(req, r->transactional_id)))
        return;
    if (!r->group_id || !*r->group_id) {
        r->error = BROOK_ERR_INVALID;
        return;
    }
    if ((r->error = brook_authorize(req, BROOK_OP_READ, BROOK_RESOURCE_GROUP, r->group_id)))
        return;
    brook_txn_add_offsets(req);
}

void brook_handle_end_txn(brook_req *req)
{
    brook_end_txn_req *r = &req->pub.u.end_txn;
    if ((r->error = may_use(req, r->transactional_id)))
        return;
    brook_txn_end(req);
}
