#include "replica_selector.h"

#include <string.h>

#include "broker.h"
#include "membership.h"
#include "partition.h"

/* Whether a leader in `leader_rack` sends a consumer in `client_rack`
 * reading at `fetch_offset` elsewhere at all: an in-sync follower holds
 * everything below the high watermark, maybe not what lies past it. */
static int may_send_elsewhere(const char *leader_rack, const char *client_rack, int64_t fetch_offset,
                              int64_t high_watermark)
{
    return client_rack && *client_rack && !(leader_rack && strcmp(leader_rack, client_rack) == 0) &&
           fetch_offset >= 0 && fetch_offset <= high_watermark;
}

static int suits(const brook_read_replica *r, const char *client_rack, int64_t fetch_offset)
{
    return r->in_sync && r->rack && strcmp(r->rack, client_rack) == 0 && r->log_start <= fetch_offset;
}

int32_t brook_read_replica_pick(const brook_read_replica *followers, size_t n, const char *leader_rack,
                                const char *client_rack, int64_t fetch_offset, int64_t high_watermark)
{
    if (!may_send_elsewhere(leader_rack, client_rack, fetch_offset, high_watermark))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (suits(&followers[i], client_rack, fetch_offset))
            return followers[i].id;
    return -1;
}

static const char *rack_of(const brook_live_broker *live, size_t n, int32_t id)
{
    for (size_t i = 0; i < n; i++)
        if (live[i].id == id)
            return live[i].rack;
    return NULL;
}

int32_t brook_read_replica_for(brook_broker *b, const brook_partition *p, const char *client_rack, int64_t fetch_offset)
{
    if (!b->st->clustered || !b->st->rack_aware_reads ||
        !may_send_elsewhere(b->st->rack, client_rack, fetch_offset, p->high_watermark))
        return -1;
    size_t live_count;
    const brook_live_broker *live = brook_membership_live(b, &live_count);
    for (int32_t i = 0; i < p->replica_count; i++) {
        brook_read_replica r = {
            .id = p->replicas[i],
            .rack = rack_of(live, live_count, p->replicas[i]),
            .in_sync = brook_partition_isr_has(p, p->replicas[i]) && brook_membership_is_staying(b, p->replicas[i]),
            .log_start = p->replica_starts ? p->replica_starts[i] : 0,
        };
        if (r.id != b->st->broker_id && suits(&r, client_rack, fetch_offset))
            return r.id;
    }
    return -1;
}
