/* ListOffsets: earliest (log start), latest (high watermark, what a consumer
 * can read; for read_committed the last stable offset) or the first offset
 * at or after a timestamp (read_committed: below the last stable offset). A lookup by time
 * whose storage must first read something in (an index, batch headers) is
 * asked again once storage has it off the loop: the request answers when
 * every partition has its answer, and the loop never waits for the disk. */
#include "broker.h"
#include "handlers.h"
#include "router.h"

/* After this many rounds of "not yet" a lookup waits: the log keeps
 * changing under it (a busy partition's active segment). */
#define READY_ROUNDS 4

/* A partition whose lookup waits for its storage to get ready. */
typedef struct lookup {
    brook_req *req;
    const char *topic; /* the request's */
    brook_list_offsets_partition *lp;
    int rounds;
} lookup;

static void list_one(brook_req *req, const char *topic, brook_list_offsets_partition *lp, lookup *again);

static void storage_ready(void *arg, brook_err err)
{
    lookup *l = arg;
    if (err == BROOK_ERR_SHUTDOWN) /* the partition closed: the client looks again */
        l->lp->error = BROOK_ERR_NOT_LEADER;
    else
        list_one(l->req, l->topic, l->lp, l);
    brook_req_release(l->req);
}

static void list_one(brook_req *req, const char *topic, brook_list_offsets_partition *lp, lookup *again)
{
    brook_partition *part;
    lp->offset = -1;
    lp->found_timestamp = -1;
    lp->leader_epoch = BROOK_NO_EPOCH;
    if ((lp->error = brook_route(req->broker, topic, lp->partition, &part)) ||
        (lp->error = brook_partition_check_epoch(part, lp->current_leader_epoch)))
        return;
    int by_time = lp->timestamp >= 0 || lp->timestamp == BROOK_OFFSET_MAX_TIMESTAMP;
    lookup *l = again;
    if (!l && by_time && (l = brook_request_alloc(&req->pub, sizeof *l)))
        *l = (lookup){.req = req, .topic = topic, .lp = lp};
    brook_storage_ready_cb ready = l && l->rounds++ < READY_ROUNDS ? storage_ready : NULL; /* NULL: wait here */
    int committed = req->pub.u.list_offsets.isolation == BROOK_READ_COMMITTED;
    int64_t asked = committed && lp->timestamp == BROOK_OFFSET_LATEST ? BROOK_OFFSET_LAST_STABLE : lp->timestamp;
    lp->error = brook_partition_offset_for(part, asked, ready, l, &lp->offset, &lp->found_timestamp);
    if (!lp->error && committed && by_time && lp->offset >= brook_partition_last_stable(part))
        lp->offset = lp->found_timestamp = -1; /* in a transaction still open: not there yet for this reader */
    if (lp->error == BROOK_ERR_AGAIN) {
        lp->error = BROOK_OK;
        req->pending++; /* storage_ready comes */
        return;
    }
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
                list_one(req, lt->name, &lt->partitions[i], NULL);
            }
        }
    }
}
