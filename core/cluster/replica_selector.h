/* Fetching from the closest replica (KIP-392). With
 * cluster.replica_selector = "rack", a leader sends a consumer that names
 * its rack (Fetch v11+: client.rack in librdkafka and the Java client) to
 * an in-sync replica in that rack when the leader is not in it itself, so
 * reads stay inside a zone (Kafka's RackAwareReplicaSelector). The answer
 * names the replica (PreferredReadReplica) and carries no records; the
 * client fetches from that follower, which serves consumers up to its own
 * high watermark, and goes back to the leader when the follower fails it
 * (librdkafka also every five minutes, to be told again). */
#ifndef BROOK_CORE_REPLICA_SELECTOR_H
#define BROOK_CORE_REPLICA_SELECTOR_H

#include <stddef.h>
#include <stdint.h>

struct brook_broker;
struct brook_partition;

typedef struct brook_read_replica {
    int32_t id;
    const char *rack;  /* NULL: none */
    int in_sync;       /* in the partition's in-sync set, and live */
    int64_t log_start; /* its log start as it last told the leader */
} brook_read_replica;

/* Pure: which of a leader's `followers` a consumer in `client_rack`
 * should read from at `fetch_offset`: -1 for the leader itself (no rack
 * named, the leader in that rack, an offset a follower may not hold yet:
 * past the high watermark, or before the follower's log start), else
 * the first in-sync follower in the client's rack. */
int32_t brook_read_replica_pick(const brook_read_replica *followers, size_t n, const char *leader_rack,
                                const char *client_rack, int64_t fetch_offset, int64_t high_watermark);

/* The same for partition `p`, led here: -1 unless the selector is "rack"
 * and sends the consumer elsewhere. */
int32_t brook_read_replica_for(struct brook_broker *b, const struct brook_partition *p, const char *client_rack,
                               int64_t fetch_offset);

#endif
