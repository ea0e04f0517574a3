/* ListOffsets: earliest (log start), latest (high watermark, what a consumer
 * can read) or the first offset at or after a timestamp. */
#include "broker.h"
#include "handlers.h"
#include "router.h"

static void list_one(brook_req *req, const char *topic, brook_list_offsets_partition *lp)
{
    brook_broker *b = req->broker;
    brook_partition *part;
    lp->offset = -1;
    lp->found_timestamp = -1;
    if ((lp->error = brook_route(b, topic, lp->partition, &part)))
        return;
    int64_t start, end;
    if ((lp->error = brook_partition_offsets(part, &start, &end)))
        return;
    if (lp->timestamp == BROOK_OFFSET_EARLIEST) {
        lp->offset = start;
    } else if (lp->timestamp == BROOK_OFFSET_LATEST) {
        lp->offset = part->high_watermark;
    } else if (lp->timestamp < 0) {
        lp->error = BROOK_ERR_INVALID;
    } else if (!brook_has_slot(&b->plugins.storage, brook_storage_ops, offset_for_timestamp)) {
        lp->error = BROOK_ERR_UNSUPPORTED; /* an older or simpler backend */
    } else {
        brook_err e = brook_storage_of(&b->plugins.storage)
                          ->offset_for_timestamp(part->log, lp->timestamp, &lp->offset, &lp->found_timestamp);
        if (e == BROOK_ERR_NOT_FOUND) {
            lp->offset = -1;
            lp->found_timestamp = -1;
        } else if (e) {
            lp->error = e;
        } else if (lp->offset >= part->high_watermark) {
            /* not committed yet: as if it were not there */
            lp->offset = -1;
            lp->found_timestamp = -1;
        }
    }
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
