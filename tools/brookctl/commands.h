/* brookctl's subcommands. Each returns the process exit status:
 * 0 success, 1 failure (broker error, connection), 2 bad usage. */
#ifndef BROOKCTL_COMMANDS_H
#define BROOKCTL_COMMANDS_H

#include "client.h"

#define EXIT_USAGE 2

typedef struct global_opts {
    const char *broker; /* host:port */
    int timeout_ms;
    int json; /* --output json: read commands print JSON (output.h) */
} global_opts;

int cmd_topics(const global_opts *g, int argc, char **argv);
int cmd_produce(const global_opts *g, int argc, char **argv);
int cmd_consume(const global_opts *g, int argc, char **argv);
int cmd_groups(const global_opts *g, int argc, char **argv);
int cmd_users(const global_opts *g, int argc, char **argv);
int cmd_cluster(const global_opts *g, int argc, char **argv);
int cmd_acls(const global_opts *g, int argc, char **argv);
int cmd_quotas(const global_opts *g, int argc, char **argv);
int cmd_transactions(const global_opts *g, int argc, char **argv);
/* transactions abort TOPIC:PARTITION [--producer-id N] (transactions_abort.c); argv[0] is "abort". */
int transactions_abort(const global_opts *g, client *c, int argc, char **argv);

/* Committed offsets of `group` for partitions [first, first+count) of
 * `topic`: fetch (-1 where none) and commit (entries < 0 are skipped).
 * Return -1 after printing why. */
int group_committed(client *c, const char *group, const char *topic, int64_t *offsets, int32_t first, int32_t count);
int group_commit(client *c, const char *group, const char *topic, const int64_t *offsets, int32_t first, int32_t count);

/* groups describe GROUP (group_describe.c), groups reset-offsets GROUP ... (group_reset.c). */
int group_describe(const global_opts *g, client *c, const char *group);
int group_reset_offsets(const global_opts *g, client *c, const char *group, int argc, char **argv);

/* cluster elect [--unclean] [TOPIC[:PARTITION]...] (cluster_elect.c); argv[0] is "elect". */
int cluster_elect(const global_opts *g, int argc, char **argv);
/* cluster reassign ... and cluster reassignments [TOPIC...] (cluster_reassign.c). */
int cluster_reassign(const global_opts *g, int argc, char **argv);
int cluster_reassignments(const global_opts *g, int argc, char **argv);
/* cluster throttles, cluster unthrottle (cluster_throttle.c). */
int cluster_throttles(const global_opts *g, int argc, char **argv);
int cluster_unthrottle(const global_opts *g, int argc, char **argv);
/* Connect `ctl` to the controller the broker behind `c` names (cmd_cluster.c);
 * -1 after printing why. */
int cluster_connect_controller(const global_opts *g, client *c, client *ctl);
/* Connect `to` to broker `id` among describe_cluster's `brokers` (this
 * listener's address on each); -1 after printing why (not there, not reached). */
int cluster_connect_broker(const global_opts *g, const msgpack_object *brokers, int64_t id, client *to);
/* The live brokers' ids and addresses as describe_cluster names them
 * (copied: the next call replaces the answer); -1 after printing why.
 * Free with cluster_free_brokers (also after a failure). */
int cluster_live_brokers(client *c, int32_t **ids, char ***addresses, size_t *n);
void cluster_free_brokers(int32_t *ids, char **addresses, size_t n);

/* topics describe NAME (topic_describe.c). */
int topic_describe(const global_opts *g, client *c, const char *name);

/* Print "brookctl: <what>: <message> (error N)" for a failed response;
 * returns 1 when it failed, 0 when it succeeded. */
int report_error(const msgpack_object *resp, const char *what);

/* Partition count of `topic` (list_topics), or -1 after printing why. */
int32_t topic_partitions(client *c, const char *topic);

/* Connect and look `topic` up: its partition count, which must exceed
 * `partition` when one was given (>= 0). Returns -1 after printing why;
 * the client is connected (close it) either way. */
int32_t open_topic(const global_opts *g, client *c, const char *topic, int64_t partition);

/* Parse an integer option; prints an error and returns -1 when invalid. */
int parse_int_opt(const char *name, const char *value, int64_t lo, int64_t hi, int64_t *out);

/* One byte from an option like --key-separator: "\t", "\n", "\0" or a literal. */
int parse_char_opt(const char *name, const char *value, int *out);

#endif
