/* OffsetForLeaderEpoch: where a leader epoch ends in the leader's log.
 * A consumer that read records of an epoch asks after a leader change
 * whether they are still there (KIP-320: its position past the answer
 * means the log it read was truncated); a replica asks where to cut a
 * divergent tail (KIP-101/279; Brook's followers learn it from their
 * fetches instead). Only the leader answers, with the caller's view of the
 * current epoch fenced. */
#include "broker.h"
#include "handlers.h"
#include "router.h"

static void look_up(brook_req *req, const char *topic, brook_epoch_end_partition *ep)
{
    brook_partition *part;
    ep->end_epoch = BROOK_NO_EPOCH;
    ep->end_offset = -1;
    if ((ep->error = brook_route(req->broker, topic, ep->partition, &part)) ||
        (ep->error = brook_partition_check_epoch(part, ep->current_leader_epoch)))
        return;
    brook_partition_epoch_end(part, ep->leader_epoch, &ep->end_epoch, &ep->end_offset);
}

void brook_handle_offset_for_leader_epoch(brook_req *req)
{
    brook_offset_for_leader_epoch_req *o = &req->pub.u.offset_for_leader_epoch;
    for (size_t t = 0; t < o->topic_count; t++) {
        brook_epoch_end_topic *et = &o->topics[t];
        brook_err denied = brook_authorize(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_TOPIC, et->name);
        for (size_t i = 0; i < et->partition_count; i++) {
            brook_epoch_end_partition *ep = &et->partitions[i];
            if (denied) {
                ep->error = denied;
                ep->end_epoch = BROOK_NO_EPOCH;
                ep->end_offset = -1;
            } else {
                look_up(req, et->name, ep);
            }
        }
    }
}
