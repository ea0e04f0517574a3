/* Consumer groups in a cluster: each group's coordinator is the leader of
 * one partition of the replicated internal topic __consumer_offsets (the
 * partition Kafka picks: abs(Java hashCode of the group id) % partitions).
 * The coordinator appends committed offsets to that partition with
 * acks=all, so they survive its death; a broker that becomes the
 * partition's leader reads it back before it answers for those groups
 * (COORDINATOR_LOAD_IN_PROGRESS meanwhile), and one that stops leading
 * forgets them (NOT_COORDINATOR: clients find the new one). The controller
 * creates the topic once topics.default_replication_factor brokers are
 * live, with groups.offsets_partitions partitions (controller_duties.c). A single broker keeps its
 * groups as before (offsets.h). */
#ifndef BROOK_CORE_GROUP_COORDINATOR_H
#define BROOK_CORE_GROUP_COORDINATOR_H

#include <stdint.h>

#include <brook/errors.h>

#define BROOK_OFFSETS_TOPIC "__consumer_offsets"

struct brook_broker;
struct brook_partition;
struct brook_listener;

/* Whether this broker coordinates `group` now: BROOK_OK; BROOK_ERR_NOT_LEADER
 * (another broker does: NOT_COORDINATOR), BROOK_ERR_AGAIN (loading),
 * BROOK_ERR_LEADER_NOT_AVAILABLE (no coordinator yet: the topic is being
 * created, or the partition has no leader). Always BROOK_OK on a single broker. */
brook_err brook_coordinator_check(struct brook_broker *b, const char *group);

/* The coordinator's id and address on the listener of the same name as
 * `asked_on` (FindCoordinator). */
brook_err brook_coordinator_find(struct brook_broker *b, const char *group, const struct brook_listener *asked_on,
                                 int32_t *id, const char **host, int32_t *port);

/* The id of the broker coordinating `key` (a group or transactional id)
 * as this broker's image says, -1: none now. */
int32_t brook_coordinator_broker(struct brook_broker *b, const char *key);

/* The coordinator epoch of `key`'s coordinator here (transaction markers
 * carry it: a newer coordinator's fence an older one's): the leader epoch
 * of its __consumer_offsets partition; 0 on a single broker. */
int32_t brook_coordinator_epoch(struct brook_broker *b, const char *key);

/* The __consumer_offsets partition `key` (a group or transactional id)
 * lives in; 0 on a single broker (or before the topic exists). */
int32_t brook_coordinator_partition(struct brook_broker *b, const char *key);

/* A replica of __consumer_offsets changed role here (local_replicas.c):
 * load its groups when it leads, forget them when it does not. */
void brook_coordinator_role_changed(struct brook_broker *b, struct brook_partition *p, int leads);

/* A transaction marker was appended here to a replica of
 * __consumer_offsets (WriteTxnMarkers, or this broker's own transaction
 * coordinator): the producer's pending offsets of the groups in that
 * partition are committed or dropped, if this broker coordinates them. */
void brook_coordinator_marker_written(struct brook_broker *b, struct brook_partition *p, int64_t producer_id,
                                      int commit);

/* Forget the committed offsets of topics the cluster no longer has, in the
 * groups coordinated here: deleted while no broker coordinated those groups
 * (their coordinator was down or moving) or while this broker's image of
 * the cluster was being read again (a deletion then is seen as a snapshot
 * without the topic, not as an event). */
void brook_coordinator_forget_vanished_topics(struct brook_broker *b);

/* The producer's last transaction marker in the __consumer_offsets
 * partition of `group`, led here (-1: none, or not led here): taken
 * before a TxnOffsetCommit asks the transaction coordinator, so that the
 * partition can refuse the offsets if the transaction ended meanwhile
 * (brook_offsets_append_fn's txn_guard; KIP-890). */
int64_t brook_coordinator_txn_guard(struct brook_broker *b, const char *group, int64_t producer_id);

/* The committed offsets of a cluster's broker, kept in __consumer_offsets. */
brook_err brook_coordinator_open_offsets(struct brook_broker *b);

void brook_coordinators_free(struct brook_broker *b);

/* Whether `topic` is the internal one (clients may not produce to it). */
int brook_is_internal_topic(const char *topic);

#endif
