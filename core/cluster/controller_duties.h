/* What the controller does, once elected (controller.h): it keeps every
 * partition's record in line with the live brokers, and creates and deletes
 * topics on request. Every write is a controller transaction (fenced by the
 * controller's epoch) that also compares the partition key's revision, so
 * it applies to exactly the state it was decided on:
 *   - a partition of a topic whose record lacks it (a controller died
 *     half-way through a creation) gets its record from the topic's
 *     assignment;
 *   - a partition whose leader is gone gets the first live in-sync replica
 *     in replica order as leader, with leader_epoch + 1 (clean election
 *     only: none live in sync leaves it offline, leader -1, its in-sync set
 *     kept, until one of them is back);
 *   - a dead broker leaves every in-sync set it is in (the leader's own
 *     strategy would otherwise wait replica_lag_time_max_ms for it);
 *   - every cluster.leader_rebalance_interval_ms, a partition whose
 *     preferred replica (its first) is live and in sync but does not lead
 *     gets it back as leader (Kafka's preferred-leader election), so
 *     leadership spreads again after a broker returns;
 *   - a reassignment whose new replicas are all in sync finishes
 *     (reassignment.h): the replicas it removes go, and leadership with
 *     them if the leader is one.
 * A changed partition bumps partition_epoch (Kafka's KIP-631 rules). */
#ifndef BROOK_CORE_CONTROLLER_DUTIES_H
#define BROOK_CORE_CONTROLLER_DUTIES_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>
#include <brook/request.h>

struct brook_broker;

/* This broker just became the controller: look at everything. */
void brook_controller_duties_begin(struct brook_broker *b);
/* The controller stops: forget what is in flight (no answer will come). */
void brook_controller_duties_end(struct brook_broker *b);

typedef struct brook_topic_creation {
    const char *name;
    int32_t partitions;               /* >= 1 */
    int32_t replication_factor;       /* >= 1 */
    const brook_config_pair *configs; /* the topic's own settings, checked (NULL values skipped) */
    size_t config_count;
    brook_err error;           /* out */
    const char *error_message; /* out: static, or NULL */
} brook_topic_creation;

/* Place and create topics: their topic records and partition records, in
 * as many transactions as etcd's operation limit needs (the topic record
 * first: a controller that dies half-way leaves a topic the next one
 * finishes). `done(arg)` once every topic has its answer in `error`
 * (BROOK_ERR_EXISTS, BROOK_ERR_INVALID_REPLICATION with fewer live brokers
 * than replicas, BROOK_ERR_NOT_LEADER when this broker stopped being the
 * controller, BROOK_ERR_SHUTDOWN when it stops). The array stays the
 * caller's and must live until then. An error return: nothing was started
 * and `done` is not called. */
brook_err brook_controller_create_topics(struct brook_broker *b, brook_topic_creation *topics, size_t n,
                                         void (*done)(void *arg), void *arg);

/* Elect a partition's leader on request (Kafka's ElectLeaders):
 * PREFERRED gives leadership to its first replica if that one is live and
 * in sync; UNCLEAN gives a partition without a live leader the first live
 * in-sync replica, else the first live replica whatever it holds (its
 * in-sync set then itself alone), whatever the topic's
 * unclean.leader.election.enable says: it is the operator's explicit
 * choice. Refused at once: BROOK_ERR_ELECTION_NOT_NEEDED,
 * _PREFERRED_LEADER_NOT_AVAILABLE, _ELIGIBLE_LEADERS_NOT_AVAILABLE,
 * _NOT_FOUND, _NOT_LEADER (not the controller), _AGAIN (not ready, or a
 * write of the partition is in flight: ask again shortly). Otherwise
 * `done(arg, err)` once written: BROOK_OK, BROOK_ERR_AGAIN (the record
 * changed meanwhile: ask again), _NOT_LEADER (this broker stopped being
 * the controller), _IO. */
brook_err brook_controller_elect(struct brook_broker *b, const char *topic, int32_t partition, brook_election_type type,
                                 void (*done)(void *arg, brook_err err), void *arg);

/* Move a partition's replicas to target[0..n) (Kafka's
 * AlterPartitionReassignments; reassignment.h says how), or cancel the
 * reassignment in progress (target NULL). Refused at once:
 * BROOK_ERR_INVALID_REPLICA_ASSIGNMENT with a reason in *why (static),
 * _NO_REASSIGNMENT_IN_PROGRESS, _NOT_FOUND, _NOT_LEADER, _AGAIN (as for
 * an election); BROOK_ERR_EXISTS: the partition already has exactly those
 * replicas, nothing is written. Otherwise `done(arg, err)` once the start
 * (or, when nothing has to catch up, the whole move) is written, as for an
 * election; the controller finishes it once the new replicas are in
 * sync. */
brook_err brook_controller_reassign(struct brook_broker *b, const char *topic, int32_t partition, const int32_t *target,
                                    int32_t n, const char **why, void (*done)(void *arg, brook_err err), void *arg);

/* Grow a topic to `count` partitions, placed on the live brokers (the
 * existing ones stay where they are). `done(arg, err)` once the topic
 * record is written (BROOK_ERR_AGAIN: it changed meanwhile); the partition
 * records follow. Refused at once: BROOK_ERR_NOT_FOUND, _INVALID_PARTITIONS
 * (not more than now, or past topics.max_partitions), _INVALID_REPLICATION
 * (fewer live brokers than the topic's replication factor). */
brook_err brook_controller_grow_topic(struct brook_broker *b, const char *name, int32_t count,
                                      void (*done)(void *arg, brook_err err), void *arg);

/* Delete a topic: its record and every partition record, in one
 * transaction. `done(arg, err)` once answered (BROOK_ERR_NOT_FOUND). */
brook_err brook_controller_delete_topic(struct brook_broker *b, const char *name,
                                        void (*done)(void *arg, brook_err err), void *arg);

#endif
