#include "broker.h"
#include "txn_coordinator.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker_metrics.h"
#include "conn.h"
#include "data_dir.h"
#include "log.h"
#include "tls.h"
#include "cluster_image.h"
#include "cluster_topics.h"
#include "topic_config_writes.h"
#include "broker_configs.h"
#include "client_quotas.h"
#include "cluster_acls.h"
#include "cluster_users.h"
#include "controlled_shutdown.h"
#include "handlers.h"
#include "local_replicas.h"
#include "producer_id_blocks.h"
#include "leader_epochs.h"
#include "membership.h"
#include "group.h"
#include "offsets.h"
#include "partition.h"
#include "partition_files.h"
#include "workers.h"

/* ---- topics ------------------------------------------------------------- */

/* A single broker leads every partition it opens; in a cluster the records
 * decide. A partition that cannot lead is closed again. */
static brook_err lead_if_alone(brook_broker *b, brook_topic *t, int32_t i)
{
    brook_err e = b->st->clustered ? BROOK_OK : brook_partition_lead_alone(t->partitions[i]);
    if (e) {
        brook_partition_close(t->partitions[i], 0);
        t->partitions[i] = NULL;
    }
    return e;
}

static void close_partitions_of(brook_topic *t)
{
    for (int32_t i = 0; i < t->partition_count; i++)
        if (t->partitions[i])
            brook_partition_close(t->partitions[i], 0);
    free(t->partitions);
    t->partitions = NULL;
}

/* Open one partition of `t` with the files read ahead for it, if any. */
static brook_err open_one(brook_broker *b, brook_topic *t, int32_t i, int create, brook_read_ahead *ahead)
{
    brook_partition_files files;
    if (!brook_read_ahead_next(ahead, t, i, &files))
        return brook_partition_open(b, t, i, create, &t->partitions[i]);
    brook_err e = brook_partition_open_read(b, t, i, create, &files, &t->partitions[i]);
    brook_partition_files_free(&files);
    return e;
}

/* Open (create: make) every partition of `t`. At start-up (create 0) a
 * registered partition the storage has no log for is created empty, with a
 * warning: its data is gone (expected with storage-memory, a loss with a
 * durable backend whose directory was removed). `ahead`: the partitions'
 * own files are being read ahead (start-up), or NULL. */
static brook_err open_each_partition(brook_broker *b, brook_topic *t, int create, brook_read_ahead *ahead)
{
    t->partitions = calloc((size_t)t->partition_count, sizeof *t->partitions);
    if (!t->partitions)
        return BROOK_ERR_NOMEM;
    int32_t missing = 0;
    for (int32_t i = 0; i < t->partition_count; i++) {
        brook_err e = open_one(b, t, i, create, ahead);
        if (e == BROOK_ERR_NOT_FOUND && !create && b->st->clustered) {
            /* a cluster's broker holds some partitions: the cluster's
             * records say which, and it creates them then */
            t->partitions[i] = NULL;
            continue;
        }
        if (e == BROOK_ERR_NOT_FOUND && !create) {
            missing++;
            e = brook_partition_open(b, t, i, 1, &t->partitions[i]);
        }
        if (!e)
            e = lead_if_alone(b, t, i);
        if (e) {
            close_partitions_of(t);
            return e;
        }
    }
    if (missing)
        log_warn("topic %s: %d of %d partition(s) had no stored log and start empty (storage %s)", t->name, missing,
                 t->partition_count, brook_broker_storage_for(b, &t->config)->conf->name);
    return BROOK_OK;
}

/* The partitions' leader-epoch checkpoints share one sync. */
static brook_err open_partitions(brook_broker *b, brook_topic *t, int create, brook_read_ahead *ahead)
{
    brook_leader_epochs_batch_begin();
    brook_err e = open_each_partition(b, t, create, ahead);
    brook_err synced = brook_leader_epochs_batch_end(b->st->data_dir);
    if (!e && synced) {
        close_partitions_of(t);
        e = synced;
    }
    return e;
}

/* Each topic's storage, found on this thread before the helpers ask. */
typedef struct prefetch_map {
    brook_topic *const *topics;
    brook_plugin_instance **storage; /* by topic index */
} prefetch_map;

static void prefetch_log(void *arg, size_t topic, int32_t index)
{
    const prefetch_map *m = arg;
    brook_plugin_instance *s = m->storage[topic];
    if (brook_has_slot(s, brook_storage_ops, prefetch))
        brook_storage_of(s)->prefetch(s->state, m->topics[topic]->name, index);
}

/* Start-up: every registered topic's partitions, their files read and their
 * logs prefetched ahead by helper threads. */
static brook_err open_all_partitions(brook_broker *b, char *err, size_t errlen)
{
    prefetch_map map = {.topics = b->topics.items,
                        .storage = calloc(b->topics.count ? b->topics.count : 1, sizeof *map.storage)};
    if (!map.storage)
        return BROOK_ERR_NOMEM;
    for (size_t i = 0; i < b->topics.count; i++)
        map.storage[i] = brook_broker_storage_for(b, &b->topics.items[i]->config);
    brook_read_ahead *ahead =
        brook_read_ahead_start(b->st->data_dir, b->topics.items, b->topics.count, prefetch_log, &map);
    brook_err e = BROOK_OK;
    for (size_t i = 0; i < b->topics.count && !e; i++)
        if ((e = open_partitions(b, b->topics.items[i], 0, ahead)))
            snprintf(err, errlen, "topic %s: cannot open its partitions: %s", b->topics.items[i]->name,
                     brook_err_str(e));
    brook_read_ahead_stop(ahead);
    free(map.storage);
    return e;
}

brook_err brook_broker_grow_topic(brook_broker *b, const char *name, int32_t count)
{
    brook_topic *t = brook_topics_find(&b->topics, name);
    if (!t)
        return BROOK_ERR_NOT_FOUND;
    int32_t was = t->partition_count;
    if (count <= was || count > b->st->max_partitions)
        return BROOK_ERR_INVALID_PARTITIONS;
    brook_partition **parts = realloc(t->partitions, sizeof *parts * (size_t)count);
    if (!parts)
        return BROOK_ERR_NOMEM;
    memset(parts + was, 0, sizeof *parts * (size_t)(count - was));
    t->partitions = parts;
    t->partition_count = count;
    brook_err e = brook_topics_save(&b->topics);
    brook_leader_epochs_batch_begin();
    for (int32_t i = was; !e && i < count; i++)
        if (!(e = brook_partition_open(b, t, i, 1, &t->partitions[i])))
            e = lead_if_alone(b, t, i);
    brook_err synced = brook_leader_epochs_batch_end(b->st->data_dir);
    if (!e)
        e = synced;
    if (e) { /* back to what it was: the registry first, then what was opened */
        t->partition_count = was;
        brook_topics_save(&b->topics);
        for (int32_t i = was; i < count; i++)
            if (t->partitions[i])
                brook_broker_remove_replica(b, t, i);
        return e;
    }
    log_info("topic %s: grown from %d to %d partitions", name, was, count);
    return BROOK_OK;
}

const brook_topic_config *brook_broker_topic_configs(brook_broker *b, const char *name)
{
    if (b->st->clustered) {
        const brook_image_topic *it = brook_cluster_image_topic(b, name);
        return it ? &it->rec.configs : NULL;
    }
    brook_topic *t = brook_topics_find(&b->topics, name);
    return t ? &t->config : NULL;
}

brook_err brook_broker_set_topic_configs(brook_broker *b, const char *name, const brook_topic_config *now)
{
    brook_topic *t = brook_topics_find(&b->topics, name);
    if (!t)
        return BROOK_ERR_NOT_FOUND;
    brook_topic_config before = {0};
    brook_err e = brook_topic_config_copy(&before, &t->config);
    if (e)
        return e;
    if ((e = brook_topic_config_copy(&t->config, now)) || (e = brook_topics_save(&b->topics)))
        brook_topic_config_copy(&t->config, &before); /* not saved: not changed */
    if (!e) {
        for (int32_t i = 0; t->partitions && i < t->partition_count; i++)
            if (t->partitions[i])
                brook_partition_apply_settings(t->partitions[i], &before, now);
        log_info("topic %s: configs changed", name);
    }
    brook_topic_config_clear(&before);
    return e;
}

brook_plugin_instance *brook_broker_storage_for(brook_broker *b, const brook_topic_config *c)
{
    return brook_plugin_set_storage(&b->plugins, c ? brook_topic_config_get(c, "brook.storage") : NULL);
}

brook_err brook_broker_storage_takes(const brook_plugin_instance *storage, const char *name, const char *value,
                                     char *why, size_t whylen)
{
    brook_err e = brook_has_slot(storage, brook_storage_ops, topic_setting)
                      ? brook_storage_of(storage)->topic_setting(storage->state, NULL, name, value)
                      : BROOK_ERR_UNSUPPORTED;
    if (e == BROOK_ERR_UNSUPPORTED)
        snprintf(why, whylen, "%s: the topic's storage \"%s\" (plugin %s) has no such setting", name,
                 storage->conf->instance, storage->conf->name);
    else if (e)
        snprintf(why, whylen, "%s: the topic's storage \"%s\" refuses \"%s\"", name, storage->conf->instance, value);
    return e ? BROOK_ERR_INVALID : BROOK_OK;
}

brook_plugin_instance *brook_broker_strategy_for(brook_broker *b, const brook_topic_config *c)
{
    return brook_plugin_set_strategy(&b->plugins, c ? brook_topic_config_get(c, "brook.replication") : NULL);
}

/* A topic's registry entry is about to go: what closing its partitions
 * needs moves out of it first, the partitions and the config (which names
 * the storage to remove them from); the entry frees neither then. The
 * caller clears the copy's config once closed. */
static brook_topic move_out(brook_topic *t)
{
    brook_topic gone = *t;
    t->partitions = NULL;
    t->config = (brook_topic_config){0};
    /* the throttled sets stay with the entry, which frees them */
    gone.throttled_as_leader = gone.throttled_as_follower = (brook_throttled_set){0};
    return gone;
}

static void close_partitions(brook_broker *b, brook_topic *t, int remove)
{
    int32_t n = t->partition_count;
    brook_partition **parts = t->partitions;
    t->partitions = NULL;
    for (int32_t i = 0; parts && i < n; i++)
        if (parts[i])
            brook_partition_close(parts[i], remove);
    free(parts);
    brook_plugin_instance *storage = brook_broker_storage_for(b, &t->config);
    for (int32_t i = 0; remove && storage && i < n; i++) {
        brook_err e = brook_storage_of(storage)->remove(storage->state, t->name, i);
        if (e && e != BROOK_ERR_NOT_FOUND)
            log_error("topic %s: removing partition %d's data failed: %s", t->name, i, brook_err_str(e));
        brook_partition_remove_state(b, t->name, i);
    }
}

brook_err brook_broker_create_topic(brook_broker *b, const char *name, int32_t partitions,
                                    const brook_topic_config *config, brook_topic **out)
{
    if (partitions == -1)
        partitions = b->st->default_partitions;
    if (partitions < 1 || partitions > b->st->max_partitions)
        return BROOK_ERR_INVALID_PARTITIONS;
    brook_topic *t;
    brook_err e = brook_topics_insert(&b->topics, name, partitions, &t);
    if (e)
        return e;
    if ((config && (e = brook_topic_config_copy(&t->config, config))) || (e = brook_topics_save(&b->topics))) {
        brook_topics_drop(&b->topics, name);
        return e;
    }
    if ((e = open_partitions(b, t, 1, NULL))) {
        log_error("topic %s: cannot create its partitions: %s", name, brook_err_str(e));
        brook_topics_remove(&b->topics, name);
        return e;
    }
    log_info("created topic %s with %d partition(s)", name, partitions);
    *out = t;
    return BROOK_OK;
}

void brook_broker_create_topics(brook_broker *b, const char *const *names, size_t n, brook_err *results)
{
    size_t created = 0;
    for (size_t i = 0; i < n; i++) {
        brook_topic *t;
        results[i] = brook_topics_insert(&b->topics, names[i], b->st->default_partitions, &t);
        if (results[i])
            continue;
        if ((results[i] = open_partitions(b, t, 1, NULL))) {
            log_error("topic %s: cannot create its partitions: %s", names[i], brook_err_str(results[i]));
            brook_topics_drop(&b->topics, names[i]);
            continue;
        }
        created++;
    }
    if (!created)
        return;
    brook_err e = brook_topics_save(&b->topics);
    for (size_t i = 0; i < n; i++) {
        if (results[i])
            continue;
        if (e) { /* not recorded: undo, or they would vanish at the next start */
            brook_topic *t = brook_topics_find(&b->topics, names[i]);
            brook_topic gone = move_out(t);
            brook_topics_drop(&b->topics, names[i]);
            close_partitions(b, &gone, 1);
            brook_topic_config_clear(&gone.config);
            results[i] = e;
        } else {
            log_info("created topic %s with %d partition(s)", names[i], b->st->default_partitions);
        }
    }
}

static void group_emptied(void *arg, const char *group)
{
    brook_broker *b = arg;
    if (b->groups)
        brook_groups_offsets_gone(b->groups, group);
}

void brook_broker_forget_topic_offsets(brook_broker *b, const char *topic)
{
    if (b->offsets)
        brook_offsets_delete_topic(b->offsets, topic, group_emptied, b);
}

brook_err brook_broker_delete_topic(brook_broker *b, const char *name)
{
    brook_topic *t = brook_topics_find(&b->topics, name);
    if (!t)
        return BROOK_ERR_NOT_FOUND;
    brook_topic gone = move_out(t);
    brook_err e = brook_topics_remove(&b->topics, name);
    if (e)
        log_error("topic %s: registry update failed: %s (deleting its data anyway)", name, brook_err_str(e));
    close_partitions(b, &gone, 1);
    brook_topic_config_clear(&gone.config);
    brook_broker_forget_topic_offsets(b, name);
    log_info("deleted topic %s", name);
    return BROOK_OK;
}

/* ---- a cluster's broker: the replicas the cluster's records give it ------- */

brook_err brook_broker_host_topic(brook_broker *b, const char *name, const char *id, int32_t partitions,
                                  const brook_topic_config *config, brook_topic **out)
{
    brook_topic *t = brook_topics_find(&b->topics, name);
    brook_err e;
    if (!t) {
        if ((e = brook_topics_insert(&b->topics, name, partitions, &t)))
            return e;
        snprintf(t->id, sizeof t->id, "%s", id);
        t->partitions = calloc((size_t)partitions, sizeof *t->partitions);
        if (!t->partitions || (e = brook_topic_config_copy(&t->config, config)) ||
            (e = brook_topics_save(&b->topics))) {
            e = t->partitions ? e : BROOK_ERR_NOMEM;
            free(t->partitions);
            t->partitions = NULL;
            brook_topics_drop(&b->topics, name);
            return e;
        }
        log_info("topic %s: this broker holds replicas of it", name);
        *out = t;
        return BROOK_OK;
    }
    int changed = 0;
    if (strcmp(t->id, id) != 0) { /* a registry entry without its id (written by an earlier version): take it */
        snprintf(t->id, sizeof t->id, "%s", id);
        changed = 1;
    }
    if (!brook_topic_config_equal(&t->config, config)) { /* the topic's configs changed in the cluster */
        for (int32_t i = 0; t->partitions && i < t->partition_count; i++)
            if (t->partitions[i])
                brook_partition_apply_settings(t->partitions[i], &t->config, config);
        if ((e = brook_topic_config_copy(&t->config, config)))
            return e;
        changed = 1;
    }
    if (t->partition_count < partitions) {
        brook_partition **more = realloc(t->partitions, sizeof *more * (size_t)partitions);
        if (!more)
            return BROOK_ERR_NOMEM;
        memset(more + t->partition_count, 0, sizeof *more * (size_t)(partitions - t->partition_count));
        t->partitions = more;
        t->partition_count = partitions;
        changed = 1;
    }
    if (changed && (e = brook_topics_save(&b->topics)))
        return e;
    *out = t;
    return BROOK_OK;
}

brook_err brook_broker_open_replica(brook_broker *b, brook_topic *t, int32_t index, brook_partition **out)
{
    if (!t->partitions[index]) {
        brook_err e = brook_partition_open(b, t, index, 1, &t->partitions[index]);
        if (e)
            return e;
    }
    *out = t->partitions[index];
    return BROOK_OK;
}

void brook_broker_remove_replica(brook_broker *b, brook_topic *t, int32_t index)
{
    brook_partition *p = t->partitions[index];
    if (!p)
        return;
    t->partitions[index] = NULL;
    brook_plugin_instance *storage = p->storage;
    brook_partition_close(p, 1);
    brook_err e = brook_storage_of(storage)->remove(storage->state, t->name, index);
    if (e && e != BROOK_ERR_NOT_FOUND)
        log_error("topic %s: removing partition %d's data failed: %s", t->name, index, brook_err_str(e));
    brook_partition_remove_state(b, t->name, index);
}

/* ---- start / run / stop ------------------------------------------------- */

static void register_metrics(brook_broker *b)
{
    struct {
        brook_metric **m;
        const char *name;
        brook_metric_type type;
        const char *help;
    } defs[] = {
        {&b->m.connections, "connections", BROOK_METRIC_GAUGE, "open client connections"},
        {&b->m.connections_total, "connections_total", BROOK_METRIC_COUNTER, "connections accepted"},
        {&b->m.requests_total, "requests_total", BROOK_METRIC_COUNTER, "requests decoded"},
        {&b->m.request_errors_total, "request_errors_total", BROOK_METRIC_COUNTER, "requests that failed as a whole"},
        {&b->m.produced_records_total, "produced_records_total", BROOK_METRIC_COUNTER, "records appended"},
        {&b->m.produced_bytes_total, "produced_bytes_total", BROOK_METRIC_COUNTER, "batch bytes appended"},
        {&b->m.fetched_bytes_total, "fetched_bytes_total", BROOK_METRIC_COUNTER, "batch bytes fetched"},
        {&b->m.replicated_bytes_total, "replicated_bytes_total", BROOK_METRIC_COUNTER,
         "batch bytes appended as a follower"},
        {&b->m.follower_fetched_bytes_total, "follower_fetched_bytes_total", BROOK_METRIC_COUNTER,
         "batch bytes consumers fetched from replicas this broker follows (fetching from the closest replica)"},
        {&b->m.cold_file_reads_total, "cold_file_reads_total", BROOK_METRIC_COUNTER,
         "chunks of fetched log files read into the page cache on an I/O thread before sending (they were not cached)"},
        {&b->m.cold_file_read_bytes_total, "cold_file_read_bytes_total", BROOK_METRIC_COUNTER, "bytes of those chunks"},
        {&b->m.protocol_errors_total, "protocol_errors_total", BROOK_METRIC_COUNTER, "connections closed on bad input"},
        {&b->m.tls_handshake_failures_total, "tls_handshake_failures_total", BROOK_METRIC_COUNTER,
         "TLS handshakes that failed or timed out"},
        {&b->m.auth_failures_total, "auth_failures_total", BROOK_METRIC_COUNTER,
         "failed or unfinished authentications, and requests sent before authenticating"},
        {&b->m.cluster_lease_lost_total, "cluster_lease_lost_total", BROOK_METRIC_COUNTER,
         "times this broker's lease in the metadata store expired (it was taken for dead)"},
        {&b->m.cluster_controller_elections_total, "cluster_controller_elections_total", BROOK_METRIC_COUNTER,
         "times this broker won the controller election"},
        {&b->m.cluster_leader_elections_total, "cluster_leader_elections_total", BROOK_METRIC_COUNTER,
         "partition leaders this broker elected as the controller (a leader gone, or a partition offline)"},
        {&b->m.cluster_unclean_leader_elections_total, "cluster_unclean_leader_elections_total", BROOK_METRIC_COUNTER,
         "leaders this broker elected as the controller from out-of-sync replicas (topics with "
         "unclean.leader.election.enable)"},
        {&b->m.cluster_isr_shrinks_total, "cluster_isr_shrinks_total", BROOK_METRIC_COUNTER,
         "in-sync sets this broker shrank as a leader"},
        {&b->m.cluster_isr_expands_total, "cluster_isr_expands_total", BROOK_METRIC_COUNTER,
         "in-sync sets this broker expanded as a leader"},
        {&b->m.cluster_replica_fetch_failures_total, "cluster_replica_fetch_failures_total", BROOK_METRIC_COUNTER,
         "fetches from a leader that failed as a follower (the link refused, reset, timed out or refused by TLS, "
         "or the fetch refused whole)"},
        {&b->m.cluster_throttled_leader_bytes_total, "cluster_throttled_leader_bytes_total", BROOK_METRIC_COUNTER,
         "batch bytes sent as a leader to out-of-sync followers under leader.replication.throttled.rate"},
        {&b->m.cluster_throttled_follower_bytes_total, "cluster_throttled_follower_bytes_total", BROOK_METRIC_COUNTER,
         "batch bytes fetched as an out-of-sync follower under follower.replication.throttled.rate"},
        {&b->m.client_quota_throttled_total, "client_quota_throttled_total", BROOK_METRIC_COUNTER,
         "produce and fetch responses that held their client back for a client quota"},
        {&b->m.client_quota_throttle_ms_total, "client_quota_throttle_ms_total", BROOK_METRIC_COUNTER,
         "milliseconds clients were held back for client quotas, summed"},
        {&b->m.transactions_committed_total, "transactions_committed_total", BROOK_METRIC_COUNTER,
         "transactions this broker's coordinator completed with a commit (every marker written)"},
        {&b->m.transactions_aborted_total, "transactions_aborted_total", BROOK_METRIC_COUNTER,
         "transactions this broker's coordinator completed with an abort (asked for, timed out, or fenced)"},
        {&b->m.transactions_timed_out_total, "transactions_timed_out_total", BROOK_METRIC_COUNTER,
         "transactions this broker's coordinator aborted because they outlived their timeout"},
    };
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
        brook_metrics_register(b->metrics, defs[i].name, defs[i].type, defs[i].help, defs[i].m);
}

/* SIGHUP: auth plugins re-read their files (ACLs, credentials). */
static void reload_plugins(brook_broker *b)
{
    log_info("received SIGHUP: reloading");
    for (size_t i = 0; i < b->plugins.auth_count; i++) {
        brook_plugin_instance *inst = &b->plugins.auth[i];
        const brook_auth_ops *ops = brook_auth_of(inst);
        if (brook_has_slot(inst, brook_auth_ops, reload) && ops->reload)
            ops->reload(inst->state);
    }
}

static void on_signal(void *arg, uint32_t events)
{
    (void)events;
    brook_broker *b = arg;
    struct signalfd_siginfo si;
    while (read(b->signal_io.fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGHUP) {
            reload_plugins(b);
            continue;
        }
        if (!b->stopping) {
            log_info("received %s: stopping", strsignal((int)si.ssi_signo));
            brook_broker_stop(b);
        }
    }
}

static brook_err watch_signals(brook_broker *b, char *err, size_t errlen)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* a file size limit must fail the write (EFBIG), not kill the broker */
    signal(SIGXFSZ, SIG_IGN);
    b->signal_io.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (b->signal_io.fd < 0) {
        snprintf(err, errlen, "signalfd: %s", strerror(errno));
        return BROOK_ERR_IO;
    }
    b->signal_io.cb = on_signal;
    b->signal_io.arg = b;
    return brook_loop_io_add(b->loop, &b->signal_io, EPOLLIN);
}

/* An inter-broker listener with TLS: this broker reaches the others' with
 * the same certificate, key and CA (the others require a certificate). */
static brook_err start_peer_tls(brook_broker *b, char *err, size_t errlen)
{
    for (size_t i = 0; b->st->clustered && i < b->st->listener_count; i++) {
        const brook_listener_conf *l = &b->st->listeners[i];
        if (strcmp(l->name, b->st->inter_broker_listener) != 0 || !l->tls.enabled)
            continue;
        char why[512];
        brook_err e = brook_tls_client_new(&l->tls, &b->peer_tls, why, sizeof why);
        if (e)
            snprintf(err, errlen, "%s: listener %s: as the client of other brokers: %s", l->where, l->name, why);
        return e;
    }
    return BROOK_OK;
}

brook_err brook_broker_start(brook_broker *b, brook_config *config, const char *exe_path, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->signal_io.fd = -1;
    b->data_dir.lock_fd = -1;
    for (size_t i = 0; i < BROOK_MAX_LISTENERS; i++)
        b->listeners[i].io.fd = -1;
    b->config = config;
    b->st = &config->settings;
    brook_log_set_level((brook_log_level)brook_log_level_parse(b->st->log_level));
    brook_err e;
    if ((e = brook_loop_new(&b->loop)) || (e = brook_metrics_new(&b->metrics)) ||
        (e = brook_workers_new(b->loop, b->st->io_threads, &b->workers))) {
        snprintf(err, errlen, "cannot create the event loop: %s", brook_err_str(e));
        return e;
    }
    register_metrics(b);
    if ((e = brook_data_dir_open(&b->data_dir, b->st->data_dir, b->st->broker_id, err, errlen)))
        return e;
    if (b->st->clustered && (e = brook_membership_join(b, err, errlen)))
        return e;
    b->env = (brook_host_env){.loop = b->loop,
                              .metrics = b->metrics,
                              .workers = b->workers,
                              .config = config,
                              .data_dir = b->st->data_dir,
                              .broker_id = b->st->broker_id};
    char dir[PATH_MAX];
    if (b->st->plugin_dir && *b->st->plugin_dir)
        snprintf(dir, sizeof dir, "%s", b->st->plugin_dir);
    else
        brook_loader_default_dir(exe_path, dir, sizeof dir);
    if ((e = brook_plugin_set_load(&b->plugins, config, dir, &b->env, err, errlen)) ||
        (e = brook_plugin_set_start(&b->plugins, err, errlen)))
        return e;
    if ((e = brook_topics_load(&b->topics, b->st->data_dir, err, errlen)) ||
        (e = brook_producer_ids_load(&b->producer_ids, b->st->data_dir, err, errlen)))
        return e;
    if ((e = open_all_partitions(b, err, errlen)))
        return e;
    log_info("loaded %zu topic(s) from %s", b->topics.count, b->topics.path);
    if ((e = brook_broker_groups_start(b, err, errlen)))
        return e;
    brook_metric *moved[] = {b->m.produced_bytes_total, b->m.fetched_bytes_total, b->m.replicated_bytes_total};
    if ((e = brook_memory_trim_start(&b->memory_trim, b->loop, b->metrics, b->st->idle_memory_trim_ms, moved,
                                     (int)(sizeof moved / sizeof moved[0])))) {
        snprintf(err, errlen, "cannot start the memory trimmer: %s", brook_err_str(e));
        return e;
    }
    /* Bind every listener before accepting on any, so a bad address fails
     * start-up without having served a single client. */
    for (size_t i = 0; i < b->st->listener_count; i++) {
        brook_listener *l = &b->listeners[i];
        l->broker = b;
        l->conf = &b->st->listeners[i];
        l->codec = brook_plugin_set_codec(&b->plugins, l->conf->codec);
        b->listener_count++;
        if ((e = brook_listener_bind(l, err, errlen)))
            return e;
    }
    if ((e = start_peer_tls(b, err, errlen)))
        return e;
    /* registered once its advertised addresses are known, before serving */
    if (b->st->clustered &&
        ((e = brook_membership_register(b, err, errlen)) || (e = brook_local_replicas_start(b)) ||
         (e = brook_cluster_acls_start(b, brook_acl_keeper(b))) ||
         (e = brook_cluster_users_start(b, brook_user_keeper(b))) || (e = brook_broker_configs_start(b))))
        return e;
    if ((e = brook_client_quotas_start(b, err, errlen)))
        return e;
    if (b->st->metrics_address && (e = brook_metrics_http_start(b->loop, b->metrics, brook_broker_write_metrics, b,
                                                                b->st->metrics_address, &b->metrics_http, err, errlen)))
        return e;
    if ((e = watch_signals(b, err, errlen)))
        return e;
    if ((e = brook_conn_limits_start(b))) {
        snprintf(err, errlen, "cannot start the connection sweep: %s", brook_err_str(e));
        return e;
    }
    for (size_t i = 0; i < b->listener_count; i++)
        if ((e = brook_listener_start(&b->listeners[i]))) {
            snprintf(err, errlen, "listener %s: cannot watch its socket", b->listeners[i].conf->name);
            return e;
        }
    log_info("broker %d ready (cluster %s, data_dir %s)", b->st->broker_id, b->data_dir.cluster_id, b->st->data_dir);
    return BROOK_OK;
}

void brook_broker_run(brook_broker *b)
{
    brook_loop_run(b->loop);
}

static void check_stopped(void *arg)
{
    brook_broker *b = arg;
    b->stop_timer = NULL;
    if (b->conns && brook_loop_now(b->loop) < b->stop_deadline) {
        brook_loop_timer_add(b->loop, 20, check_stopped, b, &b->stop_timer);
        return;
    }
    if (b->conns)
        log_warn("stopping with %zu connection(s) still draining after limits.shutdown_timeout_ms", b->conn_count);
    brook_loop_stop(b->loop);
}

/* The oldest request of `c` parked on a partition (long poll). */
static brook_req *first_parked(brook_conn *c)
{
    for (brook_req *r = c->closed ? NULL : c->head; r; r = r->next)
        if (r->state < BROOK_REQ_COMPLETED && r->on_deadline && r->waiting)
            return r;
    return NULL;
}

/* acks=all produces waiting for followers end now (partition_append.c:
 * a stopping broker waits for no follower; they stop fetching from it). */
static void end_commit_waits(brook_broker *b)
{
    for (size_t i = 0; i < b->topics.count; i++) {
        brook_topic *t = b->topics.items[i];
        for (int32_t k = 0; t->partitions && k < t->partition_count; k++)
            if (t->partitions[k])
                brook_partition_wake_all(t->partitions[k]);
    }
}

/* The stop itself, once any leadership was handed over. */
static void stop_serving(brook_broker *b)
{
    b->stopping = 1;
    b->stop_deadline = brook_loop_now(b->loop) + b->st->shutdown_timeout_ms;
    for (size_t i = 0; i < b->listener_count; i++)
        brook_listener_close(&b->listeners[i]);
    /* Read no new requests; let parked ones (long polls, acks) finish now. */
    for (brook_conn *c = b->conns, *next; c; c = next) {
        next = c->next;
        brook_conn_stop_reading(c);
        /* Completing a request may write and free it (and others before
         * it), so look for the next parked one from the head each time. */
        for (brook_req *r = first_parked(c); r; r = first_parked(c)) {
            r->deadline_passed = 1;
            r->on_deadline(r);
        }
        if (!c->closed && !c->head)
            brook_conn_close(c, NULL);
    }
    end_commit_waits(b);
    brook_loop_timer_add(b->loop, 0, check_stopped, b, &b->stop_timer);
}

void brook_broker_stop(brook_broker *b)
{
    if (b->stopping)
        return;
    if (b->controlled_shutdown) { /* asked again while handing over: stop now */
        brook_controlled_shutdown_cancel(b);
        stop_serving(b);
    } else if (!brook_controlled_shutdown_begin(b, stop_serving)) {
        stop_serving(b);
    }
}

void brook_broker_free(brook_broker *b)
{
    brook_controlled_shutdown_cancel(b);
    brook_membership_abandon_answers(b); /* what the store still owes reaches none of what stops below */
    brook_local_replicas_stop(b);        /* no fetching, no record changes applied */
    brook_cluster_config_writes_stop(b);
    brook_cluster_acls_stop(b);
    brook_cluster_users_stop(b);
    brook_broker_configs_stop(b);
    brook_client_quotas_stop(b);
    brook_cluster_topics_stop(b);
    brook_cluster_producer_ids_stop(b);
    brook_membership_leave(b);          /* then: the others see it leave at once */
    brook_tls_client_free(b->peer_tls); /* every peer link is gone */
    b->peer_tls = NULL;
    brook_txn_coordinator_stop(b); /* no markers to partitions closing below */
    while (b->conns)
        brook_conn_close(b->conns, NULL);
    brook_conn_limits_stop(b);
    for (size_t i = 0; i < b->listener_count; i++)
        brook_listener_close(&b->listeners[i]);
    for (size_t i = 0; i < b->topics.count; i++)
        close_partitions(b, b->topics.items[i], 0);
    brook_broker_groups_free(b);
    if (b->loop)
        brook_loop_run_due(b->loop);
    if (b->stop_timer)
        brook_loop_timer_cancel(b->loop, b->stop_timer);
    brook_memory_trim_stop(&b->memory_trim);
    /* Blocking work the plugins queued finishes before any plugin's fini. */
    brook_workers_free(b->workers);
    b->workers = NULL;
    brook_plugin_set_unload(&b->plugins);
    brook_topics_free(&b->topics);
    if (b->signal_io.fd >= 0) {
        brook_loop_io_del(b->loop, &b->signal_io);
        close(b->signal_io.fd);
    }
    brook_metrics_http_stop(b->metrics_http);
    brook_metrics_free(b->metrics);
    brook_loop_free(b->loop);
    brook_data_dir_close(&b->data_dir);
    memset(b, 0, sizeof *b);
}
