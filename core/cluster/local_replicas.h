/* This broker's replicas, kept in line with the cluster's records: a
 * partition record naming this broker gets a local replica (opened, made if
 * new) that leads or follows as the record says, at its leader epoch;
 * followers fetch from their leader (replica_fetcher.h). A replica the
 * records no longer give this broker, and a topic whose record is gone, are
 * removed with their data. Until the first snapshot of the records, and
 * for partitions without a record, local replicas neither lead nor follow:
 * clients are told NOT_LEADER_OR_FOLLOWER. */
#ifndef BROOK_CORE_LOCAL_REPLICAS_H
#define BROOK_CORE_LOCAL_REPLICAS_H

#include <brook/errors.h>

struct brook_broker;

/* Once registered: follow the records (cluster_image.h) and apply them. */
brook_err brook_local_replicas_start(struct brook_broker *b);
/* Stop following (before the store goes). */
void brook_local_replicas_stop(struct brook_broker *b);

/* The live brokers changed: a replica on a broker that left no longer
 * holds back the low watermark of partitions led here (DeleteRecords). */
void brook_local_replicas_brokers_changed(struct brook_broker *b);

#endif
