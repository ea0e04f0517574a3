/* DescribeProducers (KIP-664): the idempotent producers a partition's
 * leader tracks, to find one that is stuck or fenced (a transaction open
 * for long holds read_committed consumers back: its start is shown). Kafka asks READ on
 * the topic; only the leader answers (NOT_LEADER_OR_FOLLOWER elsewhere). */
#include "broker.h"
#include "handlers.h"
#include "partition.h"
#include "producer_state.h"
#include "router.h"

typedef struct listing {
    brook_producers_partition *out;
    size_t room;
} listing;

static void add_producer(void *arg, const brook_producer_view *v)
{
    listing *l = arg;
    if (l->out->producer_count < l->room)
        l->out->producers[l->out->producer_count++] =
            (brook_producer_info){.producer_id = v->id,
                                  .producer_epoch = v->epoch,
                                  .last_sequence = v->last_seq,
                                  .last_timestamp = v->last_append_ms,
                                  .current_txn_start_offset = v->txn_first_offset,
                                  .coordinator_epoch = v->coordinator_epoch};
}

static void describe_partition(brook_req *req, const char *topic, brook_producers_partition *pp)
{
    brook_partition *p;
    if ((pp->error = brook_route(req->broker, topic, pp->partition, &p)))
        return;
    size_t n = p->producers ? brook_producers_count(p->producers) : 0;
    pp->producers = brook_request_alloc(&req->pub, sizeof *pp->producers * (n + 1));
    if (!pp->producers) {
        pp->error = BROOK_ERR_NOMEM;
        return;
    }
    listing l = {pp, n};
    if (n)
        brook_producers_each(p->producers, add_producer, &l);
}

void brook_handle_describe_producers(brook_req *req)
{
    brook_describe_producers_req *d = &req->pub.u.describe_producers;
    for (size_t t = 0; t < d->topic_count; t++) {
        brook_producers_topic *pt = &d->topics[t];
        brook_err denied = brook_authorize(req, BROOK_OP_READ, BROOK_RESOURCE_TOPIC, pt->name ? pt->name : "");
        for (size_t i = 0; i < pt->partition_count; i++) {
            pt->partitions[i].error = denied;
            if (!denied)
                describe_partition(req, pt->name, &pt->partitions[i]);
        }
    }
}
