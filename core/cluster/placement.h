/* Where a new topic's replicas go: Kafka's assignment, which the
 * controller runs on the live brokers when a topic is created. Leaders
 * spread evenly over the brokers; each partition's followers follow its
 * leader around the broker list with a shift that changes every round, so
 * no two brokers share all their partitions; with racks on every broker the
 * list alternates racks, so a partition's replicas cover as many racks as
 * it has replicas (up to the racks there are). Pure: no I/O, no state. */
#ifndef BROOK_CORE_PLACEMENT_H
#define BROOK_CORE_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

typedef struct brook_placement_broker {
    int32_t id;
    const char *rack; /* NULL: none */
} brook_placement_broker;

/* Fill assignment[p * rf + k], the k-th replica (k = 0 the preferred
 * leader) of partition p, for `partitions` partitions of `rf` replicas on
 * `brokers` (in any order). `start` picks the first leader and the first
 * shift: the controller varies it between topics (Kafka draws it at
 * random) so that leaders of many small topics do not all land on one
 * broker. Errors: BROOK_ERR_INVALID_REPLICATION (rf < 1 or more replicas
 * than brokers), BROOK_ERR_INVALID_PARTITIONS (partitions < 1),
 * BROOK_ERR_NOMEM. */
brook_err brook_place_replicas(const brook_placement_broker *brokers, size_t count, int32_t partitions, int32_t rf,
                               uint32_t start, int32_t *assignment);

#endif
