/* The broker: one object tying together configuration, the event loop, the
 * plugin set, the topic registry with its open partitions, the listeners and
 * the connections. Handlers receive it explicitly; there are no globals. */
#ifndef BROOK_CORE_BROKER_H
#define BROOK_CORE_BROKER_H

#include <brook/replication.h>

#include "config.h"
#include "conn_limits.h"
#include "data_dir.h"
#include "histogram.h"
#include "listener.h"
#include "loop.h"
#include "memory_trim.h"
#include "metrics.h"
#include "metrics_http.h"
#include "plugin_set.h"
#include "producer_ids.h"
#include "replication_quota.h"
#include "lifecycle.h"
#include "topics.h"

typedef struct brook_conn brook_conn;

typedef struct brook_broker_metrics {
    brook_metric *connections;       /* gauge */
    brook_metric *connections_total; /* counter */
    brook_metric *requests_total;
    brook_metric *request_errors_total;
    brook_metric *produced_records_total;
    brook_metric *cluster_lease_lost_total;
    brook_metric *cluster_controller_elections_total;
    brook_metric *cluster_leader_elections_total;
    brook_metric *cluster_unclean_leader_elections_total;
    brook_metric *cluster_isr_shrinks_total;
    brook_metric *cluster_isr_expands_total;
    brook_metric *cluster_replica_fetch_failures_total;
    brook_metric *cluster_throttled_leader_bytes_total;
    brook_metric *cluster_throttled_follower_bytes_total;
    brook_metric *client_quota_throttled_total;
    brook_metric *client_quota_throttle_ms_total;
    brook_metric *transactions_committed_total;
    brook_metric *transactions_aborted_total;
    brook_metric *transactions_timed_out_total;
    brook_metric *produced_bytes_total;
    brook_metric *fetched_bytes_total;
    brook_metric *replicated_bytes_total;
    brook_metric *follower_fetched_bytes_total;
    brook_metric *cold_file_reads_total;
    brook_metric *cold_file_read_bytes_total;
    brook_metric *protocol_errors_total;
    brook_metric *tls_handshake_failures_total;
    brook_metric *auth_failures_total;
} brook_broker_metrics;

/* How a partition reaches the rest of the cluster. Unset functions mean a
 * single broker: no peers to message, and in-sync replica changes are
 * recorded locally. The cluster module and the replication test bed set
 * them. */
typedef struct brook_cluster_hooks {
    void *arg;
    brook_err (*send_to_peer)(void *arg, brook_partition *p, int32_t broker_id, const uint8_t *msg, size_t len);
    brook_err (*isr_change)(void *arg, brook_partition *p, const int32_t *isr, int32_t isr_count,
                            int32_t partition_epoch, brook_isr_change_done done, void *done_arg);
} brook_cluster_hooks;

typedef struct brook_broker {
    brook_config *config;
    const brook_settings *st;
    brook_loop *loop;
    brook_metrics *metrics;
    brook_metrics_http *metrics_http; /* NULL: no metrics.address */
    struct brook_workers *workers;
    brook_broker_metrics m;
    brook_histogram request_duration[BROOK_REQ_TYPE_COUNT]; /* by request type, dispatch to result */
    brook_host_env env;
    brook_plugin_set plugins;
    brook_topics topics;
    brook_producer_ids producer_ids;
    struct brook_groups *groups;        /* the group coordinator (group.h) */
    struct brook_offsets *offsets;      /* committed offsets (offsets.h) */
    struct brook_txn_coordinator *txns; /* the transaction coordinator (txn_coordinator.h) */
    brook_timer *offsets_expiry_timer;  /* offsets_expiry.h */
    brook_listener listeners[BROOK_MAX_LISTENERS];
    size_t listener_count;
    brook_conn *conns; /* doubly linked through brook_conn.prev/next */
    size_t conn_count;
    brook_conn_limits conn_limits;
    brook_io signal_io;
    int stopping;
    brook_timer *stop_timer;
    brook_memory_trim memory_trim;
    int64_t stop_deadline;
    brook_data_dir data_dir; /* locked while the broker runs; holds the cluster id */
    brook_cluster_hooks cluster;
    struct brook_membership *membership;    /* NULL: a single broker (membership.h) */
    struct brook_controller *controller;    /* the election (controller.h); NULL: a single broker */
    struct brook_controller_duties *duties; /* what the controller does (controller_duties.h) */
    struct brook_cluster_image *image;      /* topics and partitions as the store has them (cluster_image.h) */
    struct brook_local_replicas *local;     /* this broker's replicas' record writes (local_replicas.h) */
    struct brook_tls_client *peer_tls;      /* links to other brokers: TLS (tls.h); NULL: plain TCP */
    /* the cluster's other parts, each owned by its file in cluster/ */
    struct brook_replica_fetcher *fetcher;       /* follower fetch sessions (replica_fetcher.h) */
    struct brook_topic_forwarder *forwarder;     /* auto-creations sent to the controller (cluster_topics.h) */
    struct brook_config_writes *config_writes;   /* topic config changes in flight (topic_config_writes.h) */
    struct brook_store_mirror *cluster_acls;     /* the cluster's ACLs, followed (cluster_acls.h) */
    struct brook_store_mirror *cluster_users;    /* the cluster's SCRAM users, followed (cluster_users.h) */
    struct brook_broker_configs *broker_configs; /* the brokers' dynamic configs (broker_configs.h) */
    struct brook_store_mirror *broker_configs_mirror;
    struct brook_client_quotas *client_quotas;   /* client quota rules and budgets (client_quotas.h) */
    brook_quota leader_quota, follower_quota;    /* the replication throttle (replication_quota.h) */
    struct brook_coordinators *coordinators;     /* the groups coordinated here (group_coordinator.h) */
    struct brook_producer_id_blocks *pid_blocks; /* producer ids unique in the cluster (producer_id_blocks.h) */
    struct brook_controlled_shutdown *controlled_shutdown; /* while it hands leadership over (controlled_shutdown.h) */
} brook_broker;

/* Load plugins, open the data dir, topics and partitions, bind listeners.
 * Every failure is reported in `err` before any listener is open. */
brook_err brook_broker_start(brook_broker *b, brook_config *config, const char *exe_path, char *err, size_t errlen);

/* Serve until SIGTERM/SIGINT, then stop gracefully. */
void brook_broker_run(brook_broker *b);

/* Begin a graceful stop: in a cluster, first hand leadership over to other
 * in-sync replicas while still serving (controlled_shutdown.h; asked
 * again meanwhile, it skips the rest of that); then stop accepting, finish
 * or fail in-flight requests, drain responses (bounded by
 * limits.shutdown_timeout_ms), and end the loop. */
void brook_broker_stop(brook_broker *b);

/* Close everything brook_broker_start opened. */
void brook_broker_free(brook_broker *b);

/* Create a topic: registry entry (persisted) and empty partitions. Errors:
 * BROOK_ERR_INVALID_TOPIC, BROOK_ERR_INVALID_PARTITIONS, BROOK_ERR_EXISTS,
 * storage errors (then nothing is left behind). partitions -1 = default;
 * `config`: what the topic sets itself (checked already), NULL: nothing. */
brook_err brook_broker_create_topic(brook_broker *b, const char *name, int32_t partitions,
                                    const brook_topic_config *config, brook_topic **out);

/* Create topics with the default partition count, recording them in the
 * registry in one write; results[i] is names[i]'s outcome. */
void brook_broker_create_topics(brook_broker *b, const char *const *names, size_t n, brook_err *results);

/* A deleted topic's committed offsets go (those of the groups coordinated
 * here); an empty group left with none goes with them (Kafka's too: it is
 * Dead). Deleting a topic does it; a cluster's broker without a replica
 * of the topic asks for it itself. */
void brook_broker_forget_topic_offsets(brook_broker *b, const char *topic);

/* Start / stop the group coordinator and the committed offsets (broker_groups.c). */
brook_err brook_broker_groups_start(brook_broker *b, char *err, size_t errlen);
void brook_broker_groups_free(brook_broker *b);
/* Bring the groups with committed offsets that `pick` picks (NULL: all)
 * into the coordinator, each with its past; pasts of groups without
 * offsets are stale and go (a cluster's coordinator after reading a
 * partition of __consumer_offsets). */
void brook_broker_groups_load(brook_broker *b, int (*pick)(void *arg, const char *group), void *arg);

/* A cluster's broker: the registry entry of a topic it holds replicas of,
 * kept as the cluster's record says (id, partition count, the topic's
 * configs; made, grown or updated, saved; no partition opened), one of its
 * replicas opened (made if new), or removed with its data. */
brook_err brook_broker_host_topic(brook_broker *b, const char *name, const char *id, int32_t partitions,
                                  const brook_topic_config *config, brook_topic **out);
brook_err brook_broker_open_replica(brook_broker *b, brook_topic *t, int32_t index, brook_partition **out);
void brook_broker_remove_replica(brook_broker *b, brook_topic *t, int32_t index);

/* The storage plugin instance and the replication strategy the partitions
 * of a topic with configs `c` run on: the ones its `brook.storage` and
 * `brook.replication` name, else the deployment's first (also for c NULL).
 * NULL: it names one this broker does not run. */
brook_plugin_instance *brook_broker_storage_for(brook_broker *b, const brook_topic_config *c);
brook_plugin_instance *brook_broker_strategy_for(brook_broker *b, const brook_topic_config *c);

/* Whether `storage` takes a topic's own value of a setting it applies
 * (brook_topic_config_by_storage): BROOK_OK, else BROOK_ERR_INVALID with
 * why, naming the key, in `why`. */
brook_err brook_broker_storage_takes(const brook_plugin_instance *storage, const char *name, const char *value,
                                     char *why, size_t whylen);

/* A single broker: topic `name` grows to `count` partitions (more than it
 * has, at most topics.max_partitions: BROOK_ERR_INVALID_PARTITIONS), the
 * new ones empty; the existing ones are untouched. */
brook_err brook_broker_grow_topic(brook_broker *b, const char *name, int32_t count);

/* What topic `name` sets itself: from the cluster's record of it (every
 * broker has the image), from the registry on a single broker; NULL when
 * there is no such topic. */
const brook_topic_config *brook_broker_topic_configs(brook_broker *b, const char *name);

/* A single broker: topic `name` now sets `now` (checked): saved in the
 * registry, then the storage settings applied to its open partitions. */
brook_err brook_broker_set_topic_configs(brook_broker *b, const char *name, const brook_topic_config *now);

/* Delete a topic: registry entry, partitions, their stored data and the
 * offsets groups committed for it. */
brook_err brook_broker_delete_topic(brook_broker *b, const char *name);
#endif
