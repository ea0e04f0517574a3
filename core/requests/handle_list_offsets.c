/* ListOffsets: earliest (log start), latest (high watermark, what a consumer
 * can read) or the first offset at or after a timestamp. */
#include "broker.h"
#include "handlers.h"
#include "router.h"

static void list_one(brook_req *req, const char *topic, brook_list_offsets_partition *lp)
{
    brook_partition *part;
    lp->offset = -1;
    lp->found_timestamp = -1;
    lp->leader_epoch = BROOK_NO_EPOCH;
    if ((lp->error = brook_route(req->broker, topic, lp->partition, &part)) ||
        (lp->error = brook_partition_check_epoch(part, lp->current_leader_epoch)))
        return;
    lp->error = brook_partition_offset_for(part, lp->timestamp, &lp->offset, &lp->found_timestamp);
    /* The epoch a consumer keeps with its position, to check after a
     * leader change (OffsetForLeaderEpoch): the current one for the high
     * watermark, as Kafka answers, else the epoch the offset was written in. */
    if (!lp->error)
        lp->leader_epoch = lp->timestamp == BROOK_OFFSET_LATEST ? part->leader_epoch
                                                                : brook_leader_epochs_at(&part->epochs, lp->offset);
}

void brook_handle_list_offsets(brook_req *req)
{
    brook_list_offsets_req *l = &req->pub.u.list_offsets;
    for (size_t t = 0; t < l->topic_count; t++) {
        brook_list_offsets_topic *lt = &l->topics[t];
        brook_err denied = brook_authorize(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_TOPIC, lt->name);
        for (size_t i = 0; i < lt->partition_count; i++) {
            if (denied) {
                lt->partitions[i].error = denied;
                lt->partitions[i].offset = -1;
                lt->partitions[i].found_timestamp = -1;
                lt->partitions[i].leader_epoch = BROOK_NO_EPOCH;
            } else {
                list_one(req, lt->name, &lt->partitions[i]);
            }
        }
    }
}
