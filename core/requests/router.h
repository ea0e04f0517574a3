/* The partition router: (topic, partition) -> the partition object that owns
 * its storage handle, or the error a client should get. A single broker
 * leads every partition it has. In a cluster only the leader's replica is
 * routed to: a follower, a replica not yet told its role, or a broker
 * without a replica, and a leader whose lease may have run out (it may have
 * been replaced while paused) answer BROOK_ERR_NOT_LEADER (clients refresh
 * their metadata and go to the leader); an unknown topic or partition
 * BROOK_ERR_NOT_FOUND. A follower's own fetches reach the leader's replica
 * the same way. */
#ifndef BROOK_CORE_ROUTER_H
#define BROOK_CORE_ROUTER_H

#include <stdint.h>

#include "broker.h"
#include "partition.h"

brook_err brook_route(brook_broker *b, const char *topic, int32_t partition, brook_partition **out);

/* For a read: with `followers_too` (a consumer that may fetch from the
 * closest replica, replica_selector.h) a follower's replica as well. */
brook_err brook_route_read(brook_broker *b, const char *topic, int32_t partition, int followers_too,
                           brook_partition **out);

/* Whether the partition exists (anywhere in the cluster): BROOK_OK or
 * BROOK_ERR_NOT_FOUND. */
brook_err brook_route_exists(brook_broker *b, const char *topic, int32_t partition);

#endif
