/* Moving a partition's replicas to other brokers (Kafka's partition
 * reassignment, KIP-455), as changes of its record (records.h). Pure: the
 * controller decides with these and writes what they return.
 *
 * A reassignment to a target set starts by making every target replica a
 * replica: `replicas` becomes the target followed by the current replicas
 * it leaves out (`removing`), `adding` the target's new ones. The new
 * replicas fetch from the leader like any follower and its replication
 * strategy takes them into the in-sync set once they have caught up. When
 * every target replica is in sync the reassignment finishes: `replicas`
 * becomes the target, the in-sync set loses the removed ones and, if the
 * leader is leaving, a live in-sync target replica leads (leader epoch +
 * 1). Brokers no longer named remove their replica and its data.
 *
 * A new target while one is in progress replaces it (measured from the
 * replicas the partition had before: those the first one added and the
 * second does not keep go); cancelling goes back to those replicas. */
#ifndef BROOK_CORE_REASSIGNMENT_H
#define BROOK_CORE_REASSIGNMENT_H

#include "records.h"

/* Whether broker `id` is live (membership.h). */
typedef int (*brook_broker_live_fn)(void *arg, int32_t id);

/* The record once a reassignment to target[0..n) starts (finished at once
 * when nothing needs to catch up). BROOK_ERR_INVALID_REPLICA_ASSIGNMENT
 * with a reason in *why when the target is empty, repeats a broker, names
 * one that is not live (and not a replica already: a replica's broker may
 * be down), or would leave no in-sync replica;
 * BROOK_ERR_EXISTS when the record already is what it asks for (those
 * replicas, or the move to them in progress). Free
 * `next` with brook_partition_record_clear. */
brook_err brook_reassignment_start(const brook_partition_record *rec, const int32_t *target, int32_t n,
                                   brook_broker_live_fn live, void *arg, brook_partition_record *next,
                                   const char **why);

/* The record with its reassignment cancelled: back to the replicas it had
 * before. BROOK_ERR_NO_REASSIGNMENT_IN_PROGRESS when there is none. */
brook_err brook_reassignment_cancel(const brook_partition_record *rec, brook_broker_live_fn live, void *arg,
                                    brook_partition_record *next, const char **why);

/* 1 with the finished record in *next once every target replica is in
 * sync and a live one of them can lead; 0 (nothing allocated) otherwise,
 * or when out of memory (asked again on the next change). */
int brook_reassignment_finish(const brook_partition_record *rec, brook_broker_live_fn live, void *arg,
                              brook_partition_record *next);

#endif
