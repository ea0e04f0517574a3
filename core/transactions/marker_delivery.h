/* A transaction coordinator's markers on their way: one COMMIT or ABORT
 * marker (txn_marker.h) for every partition in the transaction, appended
 * to the partition's leader as an acks=all produce: here when this broker
 * leads it, else sent to the leader (the native write_txn_markers on its
 * inter-broker listener, one request per leader). A partition that
 * cannot take it yet (no leader, leadership moving, too few in-sync
 * replicas) is tried again every 100 ms until it has it or is gone (its
 * topic deleted: nothing left to end); a stale marker (the producer or
 * the coordinator fenced since) counts as delivered, as Kafka's does.
 * `done` comes once every partition has its marker. */
#ifndef BROOK_CORE_MARKER_DELIVERY_H
#define BROOK_CORE_MARKER_DELIVERY_H

#include <stdint.h>

#include "txn_meta.h"

struct brook_broker;
struct brook_peer_links;
typedef struct brook_marker_delivery brook_marker_delivery;

typedef void (*brook_markers_done)(void *arg);

/* Start delivering markers for `m`'s producer and partitions; NULL when
 * out of memory (the caller tries again later). */
brook_marker_delivery *brook_markers_deliver(struct brook_broker *b, struct brook_peer_links *links, const char *txn_id,
                                             const brook_txn_meta *m, int commit, int32_t coordinator_epoch,
                                             brook_markers_done done, void *arg);

/* Stop (the coordinator moved or stops): `done` never comes. */
void brook_markers_cancel(brook_marker_delivery *d);

#endif
