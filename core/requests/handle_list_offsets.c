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
    if ((lp->error = brook_route(req->broker, topic, lp->partition, &part)))
        return;
    lp->error = brook_partition_offset_for(part, lp->timestamp, &lp->offset, &lp->found_timestamp);
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
            } else {
                list_one(req, lt->name, &lt->partitions[i]);
            }
        }
    }
}
