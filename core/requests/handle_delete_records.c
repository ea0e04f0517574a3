/* DeleteRecords: each partition's log start moves forward to the offset
 * asked (-1: the high watermark), what lies before it gone for consumers.
 * Only the leader moves it, never past the high watermark (a consumer
 * cannot have read past it; Kafka's rule); its followers follow as they
 * fetch. The answer is the log start now (Kafka's low watermark). */
#include "broker.h"
#include "handlers.h"
#include "router.h"

static void delete_one(brook_req *req, const char *topic, brook_delete_records_partition *dp)
{
    brook_partition *part;
    int64_t start, end;
    dp->low_watermark = -1;
    if ((dp->error = brook_route(req->broker, topic, dp->partition, &part)))
        return;
    int64_t offset = dp->offset == -1 ? part->high_watermark : dp->offset;
    if (offset < 0 || offset > part->high_watermark) {
        dp->error = BROOK_ERR_OUT_OF_RANGE;
        return;
    }
    if ((dp->error = brook_partition_delete_before(part, offset)) ||
        (dp->error = brook_partition_offsets(part, &start, &end)))
        return;
    dp->low_watermark = start;
}

void brook_handle_delete_records(brook_req *req)
{
    brook_delete_records_req *d = &req->pub.u.delete_records;
    for (size_t t = 0; t < d->topic_count; t++) {
        brook_delete_records_topic *dt = &d->topics[t];
        brook_err denied = brook_authorize(req, BROOK_OP_DELETE, BROOK_RESOURCE_TOPIC, dt->name ? dt->name : "");
        for (size_t i = 0; i < dt->partition_count; i++) {
            if (denied) {
                dt->partitions[i].error = denied;
                dt->partitions[i].low_watermark = -1;
            } else {
                delete_one(req, dt->name, &dt->partitions[i]);
            }
        }
    }
}
