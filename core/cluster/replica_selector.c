#include "replica_selector.h"

#include <string.h>

#include "broker.h"
#include "membership.h"
#include "partition.h"

int32_t brook_read_replica_pick(const brook_read_replica *followers, size_t n, const char *leader_rack,
                                const char *client_rack, int64_t fetch_offset, int64_t high_watermark)
{
    if (!client_rack || !*client_rack || (leader_rack && strcmp(leader_rack, client_rack) == 0))
        return -1;
    /* an in-sync follower holds everything below the high watermark */
    if (fetch_offset < 0 || fetch_offset > high_watermark)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const brook_read_replica *r = &followers[i];
        if (r->in_sync && r->rack && strcmp(r->rack, client_rack) == 0 && r->log_start <= fetch_offset)
            return r->id;
    }
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
    if (!b->st->clustered || !b->st->rack_aware_reads || !client_rack || !*client_rack)
        return -1;
    size_t live_count;
    const brook_live_broker *live = brook_membership_live(b, &live_count);
    brook_read_replica chunk[16]; /* the followers in order, a chunk at a time (the first that suits wins) */
    size_t n = 0;
    for (int32_t i = 0; i < p->replica_count; i++) {
        int32_t id = p->replicas[i];
        if (id != b->st->broker_id)
            chunk[n++] = (brook_read_replica){
                .id = id,
                .rack = rack_of(live, live_count, id),
                .in_sync = brook_partition_isr_has(p, id) && brook_membership_is_live(b, id),
                .log_start = p->replica_starts ? p->replica_starts[i] : 0,
            };
        if (n == sizeof chunk / sizeof chunk[0] || (i == p->replica_count - 1 && n)) {
            int32_t picked =
                brook_read_replica_pick(chunk, n, b->st->rack, client_rack, fetch_offset, p->high_watermark);
            if (picked >= 0)
                return picked;
            n = 0;
        }
    }
    return -1;
}
