/* A reassignment plan for `brookctl cluster reassign`: which partitions
 * move to which replicas. Made from the command line, from a plan file in
 * kafka-reassign-partitions' JSON format, or onto a set of brokers (the
 * fewest moves that leave the named topics only there, spread by load);
 * printed in that JSON format for review (--dry-run). */
#ifndef BROOKCTL_REASSIGN_PLAN_H
#define BROOKCTL_REASSIGN_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "client.h"

#define PLAN_MAX_REPLICAS 1024 /* as many as a partition record holds */

typedef struct plan_move {
    char *topic;
    int32_t partition;
    int32_t replica_count; /* -1: cancel the partition's move */
    int32_t *replicas;
} plan_move;

typedef struct plan {
    plan_move *moves;
    size_t count, cap;
} plan;

/* Add a move (replicas copied; n -1 cancels); -1 out of memory. */
int plan_add(plan *p, const char *topic, int32_t partition, const int32_t *replicas, int32_t n);
void plan_free(plan *p);

/* The moves of a kafka-reassign-partitions plan file:
 *   {"version": 1, "partitions": [{"topic", "partition", "replicas": [ids]}]}
 * ("log_dirs", when given, must all be "any": a broker has one data
 * directory). -1 after printing why. */
int plan_from_file(plan *p, const char *path);

/* Moves that leave every partition of `topics` on `brokers` only: a
 * replica on another broker goes to one of them that does not hold one
 * yet, in a rack the partition's other replicas do not use when there is
 * one, the least loaded (replicas across the whole cluster counted, ties
 * to the lowest id), in its place in the list (a preferred leader that may
 * stay, stays). Partitions already there do not move. -1 after printing
 * why. */
int plan_onto_brokers(plan *p, client *c, const int32_t *brokers, size_t broker_count, char **topics,
                      size_t topic_count);

/* describe_cluster's entry of topic `name` in its `topics`, or NULL. */
const msgpack_object *plan_find_topic(const msgpack_object *topics, const char *name);

/* Throttle the plan's moves at `rate` bytes/s (cluster_throttle.c): each
 * topic's current replicas and added ones listed as throttled, the rate on
 * every broker the moves touch. -1 after printing why. */
int throttle_moves(client *c, const plan *p, int64_t rate);

/* The plan in kafka-reassign-partitions' format (cancels left out). */
void plan_print_json(const plan *p, FILE *out);

#endif
