#include "controller_duties.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "cluster_image.h"
#include "controller.h"
#include "group_coordinator.h"
#include "log.h"
#include "membership.h"
#include "placement.h"
#include "reassignment.h"
#include "strmap.h"

#define RETRY_MS 1000

struct brook_controller_duties {
    brook_strmap busy; /* partition keys with a write in flight */
    brook_timer *retry;
    brook_timer *rebalance;             /* the next preferred-leader rebalance */
    brook_topic_creation offsets_topic; /* __consumer_offsets, while its creation runs */
    int creating_offsets_topic;
    int warned_offsets_topic;
    int rebalancing; /* this pass gives leadership back to preferred replicas */
};

static struct brook_controller_duties *duties(brook_broker *b)
{
    if (!b->duties)
        b->duties = calloc(1, sizeof *b->duties);
    return b->duties;
}

/* Whether the controller knows enough to decide: who is live, what exists. */
static int ready(const brook_broker *b)
{
    return brook_is_controller(b) && brook_membership_ready(b) && brook_cluster_image_ready(b);
}

static void reconcile_all(brook_broker *b);

static void retry_due(void *arg)
{
    brook_broker *b = arg;
    b->duties->retry = NULL;
    reconcile_all(b);
}

static void retry_later(brook_broker *b)
{
    struct brook_controller_duties *d = duties(b);
    if (d && !d->retry)
        brook_loop_timer_add(b->loop, RETRY_MS, retry_due, b, &d->retry);
}

/* ---- one partition ------------------------------------------------------ */

typedef struct partition_write {
    brook_broker *b;
    char key[512];
    void (*done)(void *arg, brook_err err); /* NULL: nobody waits for it */
    void *arg;
} partition_write;

static void partition_written(void *arg, const brook_mresult *r)
{
    partition_write *w = arg;
    brook_broker *b = w->b;
    brook_strmap_remove(&b->duties->busy, w->key);
    if (r->err) {
        log_warn("cluster: controller write of %s failed: %s", w->key, r->error ? r->error : brook_err_str(r->err));
        retry_later(b);
    }
    /* a compare that failed: the image brings the newer state, and with it
     * another look at this partition */
    if (w->done)
        w->done(w->arg, r->err ? BROOK_ERR_IO : r->succeeded ? BROOK_OK : BROOK_ERR_AGAIN);
    free(w);
}

static void partition_abandoned(void *arg)
{
    partition_write *w = arg;
    if (w->done)
        w->done(w->arg, BROOK_ERR_NOT_LEADER); /* no longer the controller */
    free(w);
}

/* Write the partition's record if its key is still at `mod_revision` (0:
 * does not exist); `done` (may be NULL) is told how it went. */
static brook_err write_partition_then(brook_broker *b, const char *key, const brook_partition_record *rec,
                                      int64_t mod_revision, void (*done)(void *arg, brook_err err), void *arg)
{
    struct brook_controller_duties *d = duties(b);
    char *value = NULL;
    partition_write *w = calloc(1, sizeof *w);
    brook_err e = !d || !w ? BROOK_ERR_NOMEM : brook_partition_record_encode(rec, &value);
    if (!e) {
        w->b = b;
        w->done = done;
        w->arg = arg;
        snprintf(w->key, sizeof w->key, "%s", key);
        /* mod_revision 0: the key must not exist yet */
        brook_mcmp same = {.key = key,
                           .target = mod_revision ? BROOK_MCMP_MOD_REVISION : BROOK_MCMP_CREATE_REVISION,
                           .number = mod_revision};
        brook_mop put = {
            .kind = BROOK_MOP_PUT, .key = key, .value = (const uint8_t *)value, .value_len = strlen(value)};
        if (!(e = brook_controller_txn(b, &same, 1, &put, 1, partition_written, partition_abandoned, w)) &&
            (e = brook_strmap_put(&d->busy, key, w)))
            log_error("cluster: out of memory tracking %s", key); /* harmless: it may be written twice */
        if (!e)
            w = NULL;
    }
    free(value);
    free(w);
    return e;
}

static brook_err write_partition(brook_broker *b, const char *key, const brook_partition_record *rec,
                                 int64_t mod_revision)
{
    return write_partition_then(b, key, rec, mod_revision, NULL, NULL);
}

static int is_live(void *arg, int32_t id)
{
    return brook_membership_is_live(arg, id);
}

/* The first live broker of `ids` that is also in `in` (NULL: any), or -1. */
static int32_t first_live(const brook_broker *b, const int32_t *ids, int32_t n, const int32_t *in, int32_t in_count)
{
    for (int32_t i = 0; i < n; i++)
        if (brook_membership_is_live(b, ids[i]) && (!in || brook_ids_contain(in, in_count, ids[i])))
            return ids[i];
    return -1;
}

/* The same among brokers that are not shutting down, or -1. */
static int32_t first_staying(const brook_broker *b, const int32_t *ids, int32_t n, const int32_t *in, int32_t in_count)
{
    for (int32_t i = 0; i < n; i++)
        if (brook_membership_is_staying(b, ids[i]) && (!in || brook_ids_contain(in, in_count, ids[i])))
            return ids[i];
    return -1;
}

/* The in-sync replica to lead: one that stays if any (a broker shutting
 * down leads only when no other in-sync replica is live), or -1. */
static int32_t first_in_sync(const brook_broker *b, const brook_partition_record *rec)
{
    int32_t leader = first_staying(b, rec->replicas, rec->replica_count, rec->isr, rec->isr_count);
    return leader >= 0 ? leader : first_live(b, rec->replicas, rec->replica_count, rec->isr, rec->isr_count);
}

/* When the partition's leader is live but shutting down: the in-sync
 * replica that stays to take over (Kafka's controlled shutdown); -1 when
 * it is not shutting down, or none can. */
static int32_t successor_of_leaving_leader(const brook_broker *b, const brook_partition_record *rec)
{
    if (rec->leader < 0 || !brook_membership_is_live(b, rec->leader) || brook_membership_is_staying(b, rec->leader))
        return -1;
    return first_staying(b, rec->replicas, rec->replica_count, rec->isr, rec->isr_count);
}

/* The in-sync set without dead brokers (the leader always kept). */
static int32_t live_isr(const brook_broker *b, const brook_partition_record *rec, int32_t leader, int32_t *out)
{
    int32_t n = 0;
    for (int32_t i = 0; i < rec->isr_count; i++)
        if (rec->isr[i] == leader || brook_membership_is_live(b, rec->isr[i]))
            out[n++] = rec->isr[i];
    return n;
}

/* No in-sync replica is live, and the topic allows an unclean election
 * (unclean.leader.election.enable): the first live replica leads alone
 * (one a reassignment is adding only if no other is live),
 * with whatever its log holds; records only the lost in-sync replicas had
 * are gone (the other replicas truncate to the new leader by epoch). */
static int elect_unclean(brook_broker *b, const brook_partition_record *rec, brook_partition_record *next,
                         int32_t *isr_room)
{
    /* the replicas the partition had before a reassignment first: one it
     * is adding may hold little of the log yet */
    int32_t leader = -1;
    for (int32_t i = 0; i < rec->replica_count && leader < 0; i++)
        if (!brook_ids_contain(rec->adding, rec->adding_count, rec->replicas[i]) &&
            brook_membership_is_live(b, rec->replicas[i]))
            leader = rec->replicas[i];
    if (leader < 0)
        leader = first_live(b, rec->replicas, rec->replica_count, NULL, 0);
    if (leader < 0)
        return 0;
    next->leader = isr_room[0] = leader;
    next->isr_count = 1;
    next->leader_epoch = rec->leader_epoch + 1;
    next->partition_epoch = rec->partition_epoch + 1;
    return 1;
}

/* What the record should become; 0 when it is right as it is. *unclean is
 * set when the leader is an out-of-sync replica the topic allows. */
static int next_state(brook_broker *b, const brook_partition_record *rec, int unclean_allowed,
                      brook_partition_record *next, int32_t *isr_room, int *unclean)
{
    *next = *rec;
    next->isr = isr_room;
    *unclean = 0;
    int32_t leader = rec->leader, successor = successor_of_leaving_leader(b, rec);
    if (successor >= 0) {
        leader = next->leader = successor;
        next->leader_epoch = rec->leader_epoch + 1;
    } else if (leader < 0 || !brook_membership_is_live(b, leader)) {
        leader = first_in_sync(b, rec);
        if (leader < 0 && unclean_allowed && (*unclean = elect_unclean(b, rec, next, isr_room)))
            return 1;
        if (leader < 0) {
            if (rec->leader < 0)
                return 0; /* offline, and no in-sync replica is back */
            /* offline: the in-sync set stays as it was, so only one of
             * them can lead again (clean election) */
            memcpy(isr_room, rec->isr, sizeof *isr_room * (size_t)rec->isr_count);
            next->leader = -1;
            next->leader_epoch = rec->leader_epoch + 1;
            next->partition_epoch = rec->partition_epoch + 1;
            return 1;
        }
        next->leader = leader;
        next->leader_epoch = rec->leader_epoch + 1;
    }
    /* the preferred replica (the first) leads again once it is back in sync
     * (only in a rebalance pass: leadership does not move on every change) */
    int32_t preferred = rec->replicas[0];
    if (duties(b)->rebalancing && leader != preferred && brook_membership_is_staying(b, preferred) &&
        brook_ids_contain(rec->isr, rec->isr_count, preferred)) {
        leader = next->leader = preferred;
        next->leader_epoch = rec->leader_epoch + 1;
    }
    next->isr_count = live_isr(b, rec, leader, isr_room);
    if (next->leader == rec->leader && next->isr_count == rec->isr_count)
        return 0;
    next->partition_epoch = rec->partition_epoch + 1;
    return 1;
}

static void reconcile_partition(brook_broker *b, const brook_image_topic *t, int32_t p)
{
    char key[512];
    if (brook_partition_key(key, sizeof key, brook_membership_namespace(b), t->name, p) ||
        brook_strmap_get(&duties(b)->busy, key))
        return;
    const brook_image_partition *ip = p < t->partition_cap && t->partitions[p].present ? &t->partitions[p] : NULL;
    int32_t rf = t->rec.replication_factor;
    /* a reassignment may have given the partition more replicas than the
     * topic's factor */
    int32_t most = ip && ip->rec.replica_count > rf ? ip->rec.replica_count : rf;
    int32_t *room = malloc(sizeof *room * (size_t)(most > 0 ? most : 1) * 2);
    if (!room)
        return;
    brook_partition_record next, finished = {0};
    int changed, unclean = 0;
    const char *why;
    if (!ip) { /* left out of a creation that did not finish */
        int32_t *replicas = t->rec.assignment + (size_t)p * (size_t)rf;
        memcpy(room, replicas, sizeof *room * (size_t)rf);
        next = (brook_partition_record){.leader = first_live(b, replicas, rf, NULL, 0),
                                        .replicas = room,
                                        .replica_count = rf,
                                        .isr = room,
                                        .isr_count = rf};
        changed = 1;
        why = "created";
    } else {
        int unclean_allowed = brook_topic_config_flag(&t->rec.configs, "unclean.leader.election.enable", 0);
        changed = next_state(b, &ip->rec, unclean_allowed, &next, room + most, &unclean);
        why = unclean                                         ? "elected UNCLEANLY (out of sync)"
              : next.leader == ip->rec.leader                 ? "in-sync set"
              : successor_of_leaving_leader(b, &ip->rec) >= 0 ? "handed over (its leader is shutting down)"
              : duties(b)->rebalancing && next.leader == ip->rec.replicas[0] ? "back to its preferred leader"
                                                                             : "elected";
        /* a reassignment whose new replicas are all in sync now finishes
         * (on a settled record: an election or in-sync change goes first,
         * and its write brings another look) */
        if (!changed && (changed = brook_reassignment_finish(&ip->rec, is_live, b, &finished))) {
            next = finished;
            why = "reassigned";
        }
    }
    if (changed) {
        brook_err e = write_partition(b, key, &next, ip ? ip->mod_revision : 0);
        if (e && e != BROOK_ERR_NOT_LEADER) {
            log_warn("cluster: controller cannot write %s: %s", key, brook_err_str(e));
            retry_later(b);
        } else if (!e) {
            if (ip && next.leader != ip->rec.leader)
                brook_metric_add(b->m.cluster_leader_elections_total, 1);
            if (unclean) {
                brook_metric_add(b->m.cluster_unclean_leader_elections_total, 1);
                log_warn("cluster: partition %s-%d: no in-sync replica is live; the topic allows an unclean "
                         "election: broker %d leads with what it holds (acknowledged records may be lost)",
                         t->name, p, next.leader);
            }
            log_info("cluster: partition %s-%d %s: leader %d epoch %d, %d in sync", t->name, p, why, next.leader,
                     next.leader_epoch, next.isr_count);
        }
    }
    brook_partition_record_clear(&finished);
    free(room);
}

/* ---- elections on request (ElectLeaders) ------------------------------------- */

/* The leader `type` asks for, into `next` (isr_room: room for the in-sync
 * set); an error when there is none to elect or no need. */
static brook_err requested_leader(brook_broker *b, const brook_partition_record *rec, brook_election_type type,
                                  brook_partition_record *next, int32_t *isr_room, int *unclean)
{
    *next = *rec;
    next->isr = isr_room;
    *unclean = 0;
    int32_t leader;
    if (type == BROOK_ELECTION_PREFERRED) {
        leader = rec->replicas[0];
        if (rec->leader == leader)
            return BROOK_ERR_ELECTION_NOT_NEEDED;
        if (!brook_membership_is_staying(b, leader) || !brook_ids_contain(rec->isr, rec->isr_count, leader))
            return BROOK_ERR_PREFERRED_LEADER_NOT_AVAILABLE;
    } else {
        if (rec->leader >= 0 && brook_membership_is_live(b, rec->leader))
            return BROOK_ERR_ELECTION_NOT_NEEDED;
        leader = first_in_sync(b, rec);
        if (leader < 0) { /* none in sync is live: the first live replica, with what it holds */
            if (!elect_unclean(b, rec, next, isr_room))
                return BROOK_ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE;
            *unclean = 1;
            return BROOK_OK;
        }
    }
    next->leader = leader;
    next->leader_epoch = rec->leader_epoch + 1;
    next->partition_epoch = rec->partition_epoch + 1;
    next->isr_count = live_isr(b, rec, leader, isr_room);
    return BROOK_OK;
}

/* The record and key of a partition an operator asks to change; an error
 * when it cannot be changed now. */
static brook_err asked_partition(brook_broker *b, const char *topic, int32_t partition,
                                 const brook_image_partition **ip, char key[512])
{
    if (!ready(b))
        return brook_is_controller(b) ? BROOK_ERR_AGAIN : BROOK_ERR_NOT_LEADER;
    *ip = brook_cluster_image_partition(b, topic, partition);
    if (!*ip || !(*ip)->rec.replica_count)
        return BROOK_ERR_NOT_FOUND;
    if (brook_partition_key(key, 512, brook_membership_namespace(b), topic, partition))
        return BROOK_ERR_INVALID;
    if (brook_strmap_get(&duties(b)->busy, key))
        return BROOK_ERR_AGAIN; /* a write of it in flight: decide on what it brings */
    return BROOK_OK;
}

brook_err brook_controller_elect(brook_broker *b, const char *topic, int32_t partition, brook_election_type type,
                                 void (*done)(void *arg, brook_err err), void *arg)
{
    const brook_image_partition *ip;
    char key[512];
    brook_err asked = asked_partition(b, topic, partition, &ip, key);
    if (asked)
        return asked;
    int32_t *room = malloc(sizeof *room * (size_t)ip->rec.replica_count);
    if (!room)
        return BROOK_ERR_NOMEM;
    brook_partition_record next;
    int unclean;
    brook_err e = requested_leader(b, &ip->rec, type, &next, room, &unclean);
    if (!e)
        e = write_partition_then(b, key, &next, ip->mod_revision, done, arg);
    if (!e) {
        brook_metric_add(b->m.cluster_leader_elections_total, 1);
        if (unclean) {
            brook_metric_add(b->m.cluster_unclean_leader_elections_total, 1);
            log_warn("cluster: partition %s-%d: no in-sync replica is live; an unclean election was asked for: "
                     "broker %d leads with what it holds (acknowledged records may be lost)",
                     topic, partition, next.leader);
        }
        log_info("cluster: partition %s-%d elected on request (%s): leader %d epoch %d, %d in sync", topic, partition,
                 type == BROOK_ELECTION_PREFERRED ? "preferred" : "unclean", next.leader, next.leader_epoch,
                 next.isr_count);
    }
    free(room);
    return e;
}

/* ---- reassignments (AlterPartitionReassignments) ------------------------------ */

/* "1,2,3" */
static const char *ids_text(const int32_t *ids, int32_t n, char *out, size_t outlen)
{
    size_t at = 0;
    out[0] = '\0';
    for (int32_t i = 0; i < n && at < outlen; i++) {
        int w = snprintf(out + at, outlen - at, "%s%d", i ? "," : "", ids[i]);
        at += w > 0 ? (size_t)w : 0;
    }
    return out;
}

brook_err brook_controller_reassign(brook_broker *b, const char *topic, int32_t partition, const int32_t *target,
                                    int32_t n, const char **why, void (*done)(void *arg, brook_err err), void *arg)
{
    const brook_image_partition *ip;
    char key[512];
    *why = NULL;
    brook_err e = asked_partition(b, topic, partition, &ip, key);
    if (e)
        return e;
    brook_partition_record next;
    e = target ? brook_reassignment_start(&ip->rec, target, n, is_live, b, &next, why)
               : brook_reassignment_cancel(&ip->rec, is_live, b, &next, why);
    if (e)
        return e;
    if (!(e = write_partition_then(b, key, &next, ip->mod_revision, done, arg))) {
        char to[256], adding[256];
        log_info("cluster: partition %s-%d %s: replicas %s%s%s, leader %d epoch %d", topic, partition,
                 !target                                     ? "reassignment cancelled"
                 : brook_partition_record_reassigning(&next) ? "reassignment started"
                                                             : "reassigned",
                 ids_text(next.replicas, next.replica_count, to, sizeof to), next.adding_count ? ", adding " : "",
                 ids_text(next.adding, next.adding_count, adding, sizeof adding), next.leader, next.leader_epoch);
    }
    brook_partition_record_clear(&next);
    return e;
}

static void reconcile_topic(brook_broker *b, const brook_image_topic *t)
{
    for (int32_t p = 0; p < t->rec.partitions && brook_is_controller(b); p++)
        reconcile_partition(b, t, p);
}

static void offsets_topic_created(void *arg)
{
    brook_broker *b = arg;
    struct brook_controller_duties *d = b->duties;
    d->creating_offsets_topic = 0;
    if (d->offsets_topic.error && d->offsets_topic.error != BROOK_ERR_EXISTS) {
        log_warn("cluster: creating %s failed: %s", BROOK_OFFSETS_TOPIC, brook_err_str(d->offsets_topic.error));
        retry_later(b);
    }
}

/* The groups' committed offsets need __consumer_offsets: made as soon as
 * enough brokers are live for its replication factor (Kafka refuses to
 * make it with fewer, and so do we: groups wait for it). */
static void ensure_offsets_topic(brook_broker *b)
{
    struct brook_controller_duties *d = duties(b);
    int32_t rf = b->st->default_replication_factor;
    size_t live;
    brook_membership_live(b, &live);
    if (!d || d->creating_offsets_topic || brook_cluster_image_topic(b, BROOK_OFFSETS_TOPIC))
        return;
    if ((size_t)rf > live) {
        if (!d->warned_offsets_topic++)
            log_warn("cluster: %s waits for %d live broker(s) (topics.default_replication_factor); consumer groups "
                     "are unavailable until then",
                     BROOK_OFFSETS_TOPIC, rf);
        return;
    }
    /* compacted, as Kafka makes it: the latest commit per group and
     * partition stays, superseded ones and deleted groups' go (a storage
     * without compaction keeps its own policy) */
    static const brook_config_pair compact[] = {{.name = "cleanup.policy", .value = "compact"}};
    char why[256];
    int compacts = brook_broker_storage_takes(brook_broker_storage_for(b, NULL), "cleanup.policy", "compact", why,
                                              sizeof why) == BROOK_OK;
    d->offsets_topic = (brook_topic_creation){.name = BROOK_OFFSETS_TOPIC,
                                              .partitions = b->st->offsets_partitions,
                                              .replication_factor = rf,
                                              .configs = compacts ? compact : NULL,
                                              .config_count = compacts ? 1 : 0};
    d->creating_offsets_topic = 1;
    if (brook_controller_create_topics(b, &d->offsets_topic, 1, offsets_topic_created, b)) {
        d->creating_offsets_topic = 0;
        retry_later(b);
    }
}

static void reconcile_all(brook_broker *b)
{
    if (!ready(b))
        return;
    brook_strmap_iter it = {0};
    const brook_image_topic *t;
    while ((t = brook_cluster_image_next(b, &it)))
        reconcile_topic(b, t);
    ensure_offsets_topic(b);
}

static void rebalance_due(void *arg)
{
    brook_broker *b = arg;
    struct brook_controller_duties *d = b->duties;
    d->rebalance = NULL;
    if (brook_is_controller(b)) {
        d->rebalancing = 1;
        reconcile_all(b);
        d->rebalancing = 0;
    }
    if (b->st->leader_rebalance_interval_ms > 0)
        brook_loop_timer_add(b->loop, b->st->leader_rebalance_interval_ms, rebalance_due, b, &d->rebalance);
}

void brook_controller_duties_begin(brook_broker *b)
{
    struct brook_controller_duties *d = duties(b);
    if (d && !d->rebalance && b->st->leader_rebalance_interval_ms > 0)
        brook_loop_timer_add(b->loop, b->st->leader_rebalance_interval_ms, rebalance_due, b, &d->rebalance);
    reconcile_all(b);
}

void brook_controller_brokers_changed(brook_broker *b)
{
    reconcile_all(b);
}

void brook_controller_image_changed(brook_broker *b, const char *topic, int32_t partition)
{
    if (!ready(b))
        return;
    const brook_image_topic *t = topic ? brook_cluster_image_topic(b, topic) : NULL;
    if (!topic)
        reconcile_all(b);
    else if (t && partition < 0)
        reconcile_topic(b, t);
    else if (t && partition < t->rec.partitions)
        reconcile_partition(b, t, partition);
}

void brook_controller_duties_end(brook_broker *b)
{
    struct brook_controller_duties *d = b->duties;
    if (!d)
        return;
    if (d->retry)
        brook_loop_timer_cancel(b->loop, d->retry);
    if (d->rebalance)
        brook_loop_timer_cancel(b->loop, d->rebalance);
    brook_strmap_free(&d->busy); /* the writes themselves were abandoned */
    free(d);
    b->duties = NULL;
}

/* ---- creating topics ---------------------------------------------------------- */

typedef struct creation {
    brook_broker *b;
    brook_topic_creation *topics;
    size_t n;
    size_t at;          /* the topic being created */
    int32_t written;    /* its partition records written; -1: its topic record not yet */
    int32_t step_count; /* partition records in the step in flight */
    int32_t *assignment;
    char id[BROOK_TOPIC_ID_LEN + 1];
    void (*done)(void *arg);
    void *arg;
} creation;

static void create_step(creation *c);

static void creation_finish(creation *c)
{
    free(c->assignment);
    c->done(c->arg);
    free(c);
}

static void creation_abandoned(void *arg)
{
    creation *c = arg;
    for (size_t i = c->at; i < c->n; i++)
        if (!c->topics[i].error)
            c->topics[i].error = BROOK_ERR_SHUTDOWN;
    creation_finish(c);
}

static void next_topic(creation *c)
{
    free(c->assignment);
    c->assignment = NULL;
    c->at++;
    c->written = -1;
    create_step(c);
}

static void topic_failed(creation *c, brook_err e, const char *message)
{
    c->topics[c->at].error = e;
    c->topics[c->at].error_message = message;
    next_topic(c);
}

static void step_answered(void *arg, const brook_mresult *r)
{
    creation *c = arg;
    if (r->err) {
        topic_failed(c, BROOK_ERR_IO, "the metadata store did not answer");
        return;
    }
    if (!r->succeeded) {
        /* the topic key existed, or this broker is no longer the controller */
        int exists = c->written < 0 && brook_is_controller(c->b);
        topic_failed(c, exists ? BROOK_ERR_EXISTS : BROOK_ERR_NOT_LEADER,
                     exists ? NULL : "this broker stopped being the controller during the creation");
        return;
    }
    c->written = (c->written < 0 ? 0 : c->written) + c->step_count;
    if (c->written >= c->topics[c->at].partitions) {
        log_info("cluster: created topic %s: %d partition(s), replication factor %d", c->topics[c->at].name,
                 c->topics[c->at].partitions, c->topics[c->at].replication_factor);
        next_topic(c);
    } else {
        create_step(c);
    }
}

/* The live brokers new replicas may go to (not one shutting down) into
 * `out` (room for n); how many. */
static size_t placeable(const brook_live_broker *live, size_t n, brook_placement_broker *out)
{
    size_t m = 0;
    for (size_t i = 0; out && i < n; i++)
        if (!live[i].shutting_down)
            out[m++] = (brook_placement_broker){.id = live[i].id, .rack = live[i].rack};
    return m;
}

/* Where a new topic's replicas go, on the live brokers. */
static brook_err place(creation *c, const brook_topic_creation *t)
{
    size_t n;
    const brook_live_broker *live = brook_membership_live(c->b, &n);
    brook_placement_broker *pb = calloc(n ? n : 1, sizeof *pb);
    c->assignment = malloc(sizeof *c->assignment * (size_t)t->partitions * (size_t)t->replication_factor);
    brook_err e = pb && c->assignment ? brook_topic_id_new(c->id) : BROOK_ERR_NOMEM;
    size_t m = placeable(live, n, pb);
    if (!e) /* a varying start spreads the leaders of many small topics (Kafka draws it at random too) */
        e = brook_place_replicas(pb, m, t->partitions, t->replication_factor, (uint32_t)rand(), c->assignment);
    free(pb);
    return e;
}

/* One step's records: the topic record with as many partition records as
 * fit (the first step, which also checks the topic is new), or the next
 * partition records. Keys and values are kept in `keys` / `values`. */
static brook_err step_ops(creation *c, char (*keys)[512], char **values, brook_mop *ops, size_t *nops)
{
    const brook_topic_creation *t = &c->topics[c->at];
    const char *ns = brook_membership_namespace(c->b);
    int32_t rf = t->replication_factor, first = c->written < 0 ? 0 : c->written;
    size_t room = BROOK_CONTROLLER_TXN_MAX_OPS - (c->written < 0 ? 1 : 0);
    c->step_count = t->partitions - first < (int32_t)room ? t->partitions - first : (int32_t)room;
    brook_err e = BROOK_OK;
    *nops = 0;
    if (c->written < 0) {
        brook_topic_record rec = {.partitions = t->partitions, .replication_factor = rf, .assignment = c->assignment};
        memcpy(rec.id, c->id, sizeof rec.id);
        for (size_t i = 0; !e && i < t->config_count; i++)
            if (t->configs[i].value)
                e = brook_topic_config_set(&rec.configs, t->configs[i].name, t->configs[i].value);
        if (!e && !(e = brook_topic_key(keys[0], sizeof keys[0], ns, t->name)))
            e = brook_topic_record_encode(&rec, &values[0]);
        brook_topic_config_clear(&rec.configs);
        if (e)
            return e;
        (*nops)++;
    }
    for (int32_t p = first; p < first + c->step_count; p++) {
        int32_t *replicas = c->assignment + (size_t)p * (size_t)rf;
        /* a new partition's log is empty: every replica is in sync */
        brook_partition_record rec = {
            .leader = replicas[0], .replicas = replicas, .replica_count = rf, .isr = replicas, .isr_count = rf};
        if ((e = brook_partition_key(keys[*nops], sizeof keys[*nops], ns, t->name, p)) ||
            (e = brook_partition_record_encode(&rec, &values[*nops])))
            return e;
        (*nops)++;
    }
    for (size_t i = 0; i < *nops; i++)
        ops[i] = (brook_mop){
            .kind = BROOK_MOP_PUT, .key = keys[i], .value = (const uint8_t *)values[i], .value_len = strlen(values[i])};
    return BROOK_OK;
}

static void create_step(creation *c)
{
    if (c->at == c->n) {
        creation_finish(c);
        return;
    }
    brook_topic_creation *t = &c->topics[c->at];
    if (t->error) { /* refused before it started */
        next_topic(c);
        return;
    }
    brook_err e = BROOK_OK;
    if (!c->assignment && (e = place(c, t))) {
        topic_failed(c, e,
                     e == BROOK_ERR_INVALID_REPLICATION ? "replication factor larger than the live brokers" : NULL);
        return;
    }
    brook_mop ops[BROOK_CONTROLLER_TXN_MAX_OPS];
    char *values[BROOK_CONTROLLER_TXN_MAX_OPS] = {0};
    char(*keys)[512] = malloc(sizeof *keys * BROOK_CONTROLLER_TXN_MAX_OPS);
    size_t nops = 0;
    e = keys ? step_ops(c, keys, values, ops, &nops) : BROOK_ERR_NOMEM;
    /* the first step creates the topic key only if it is absent */
    brook_mcmp absent = {.key = keys ? keys[0] : NULL, .target = BROOK_MCMP_CREATE_REVISION, .number = 0};
    if (!e)
        e = brook_controller_txn(c->b, &absent, c->written < 0 ? 1 : 0, ops, nops, step_answered, creation_abandoned,
                                 c);
    for (size_t i = 0; i < BROOK_CONTROLLER_TXN_MAX_OPS; i++)
        free(values[i]);
    free(keys);
    if (e)
        topic_failed(c, e, e == BROOK_ERR_NOT_LEADER ? "this broker is not the controller" : NULL);
}

brook_err brook_controller_create_topics(brook_broker *b, brook_topic_creation *topics, size_t n,
                                         void (*done)(void *arg), void *arg)
{
    if (!brook_is_controller(b))
        return BROOK_ERR_NOT_LEADER;
    if (!ready(b))
        return BROOK_ERR_AGAIN;
    creation *c = calloc(1, sizeof *c);
    if (!c)
        return BROOK_ERR_NOMEM;
    *c = (creation){.b = b, .topics = topics, .n = n, .written = -1, .done = done, .arg = arg};
    for (size_t i = 0; i < n; i++)
        if (!topics[i].error && brook_cluster_image_topic(b, topics[i].name))
            topics[i].error = BROOK_ERR_EXISTS;
    create_step(c);
    return BROOK_OK;
}

/* ---- deleting a topic ------------------------------------------------------------ */

typedef struct deletion {
    void (*done)(void *arg, brook_err err);
    void *arg;
} deletion;

static void deletion_answered(void *arg, const brook_mresult *r)
{
    deletion *d = arg;
    d->done(d->arg, r->err ? BROOK_ERR_IO : r->succeeded ? BROOK_OK : BROOK_ERR_NOT_FOUND);
    free(d);
}

static void deletion_abandoned(void *arg)
{
    deletion *d = arg;
    d->done(d->arg, BROOK_ERR_SHUTDOWN);
    free(d);
}

brook_err brook_controller_delete_topic(brook_broker *b, const char *name, void (*done)(void *arg, brook_err err),
                                        void *arg)
{
    const char *ns = brook_membership_namespace(b);
    char topic_key[512], prefix[512];
    brook_err e;
    if ((e = brook_topic_key(topic_key, sizeof topic_key, ns, name)) ||
        (e = brook_partition_prefix(prefix, sizeof prefix, ns, name)))
        return e;
    deletion *d = calloc(1, sizeof *d);
    if (!d)
        return BROOK_ERR_NOMEM;
    *d = (deletion){.done = done, .arg = arg};
    brook_mcmp exists = {.key = topic_key, .target = BROOK_MCMP_CREATE_REVISION, .result = BROOK_MCMP_GREATER};
    brook_mop ops[] = {{.kind = BROOK_MOP_DELETE, .key = topic_key}, {.kind = BROOK_MOP_DELETE_PREFIX, .key = prefix}};
    if ((e = brook_controller_txn(b, &exists, 1, ops, 2, deletion_answered, deletion_abandoned, d)))
        free(d);
    return e;
}

/* ---- growing a topic ---------------------------------------------------------
 * One write: the topic record with the new count and the new partitions'
 * replicas appended to its assignment, compared on the record's revision
 * (a topic changed or deleted meanwhile is not grown from a stale record).
 * The partition records follow as for a topic whose creation did not
 * finish: reconcile_partition writes each missing one when the image sees
 * the topic record change, also after a controller change. */

static void growth_answered(void *arg, const brook_mresult *r)
{
    deletion *g = arg;
    g->done(g->arg, r->err ? BROOK_ERR_IO : r->succeeded ? BROOK_OK : BROOK_ERR_AGAIN);
    free(g);
}

/* The replication factor new partitions get: partition 0's as it is now
 * (a move's target), as Kafka's controller takes it, so a topic whose
 * factor a reassignment changed grows with the new one; the creation's
 * when partition 0 has no record. */
static int32_t current_replication_factor(const brook_image_topic *it)
{
    if (it->partition_cap > 0 && it->partitions[0].present) {
        const brook_partition_record *r = &it->partitions[0].rec;
        if (r->replica_count - r->removing_count > 0)
            return r->replica_count - r->removing_count;
    }
    return it->rec.replication_factor;
}

static void add_candidate(int32_t *row, int32_t *n, int32_t rf, int32_t id)
{
    if (*n < rf && !brook_ids_contain(row, *n, id))
        row[(*n)++] = id;
}

/* An existing partition's row of `rf` replicas in the topic record, which
 * only a partition whose own record is missing reads: its replicas now
 * (cut to rf), then its creation's, then live brokers. */
static brook_err existing_row(brook_broker *b, const brook_image_topic *it, int32_t p, int32_t rf, int32_t *row)
{
    int32_t n = 0, created = it->rec.replication_factor;
    const brook_partition_record *r =
        p < it->partition_cap && it->partitions[p].present ? &it->partitions[p].rec : NULL;
    for (int32_t i = 0; r && i < r->replica_count - r->removing_count; i++)
        add_candidate(row, &n, rf, r->replicas[i]);
    for (int32_t i = 0; i < created; i++)
        add_candidate(row, &n, rf, it->rec.assignment[(size_t)p * (size_t)created + (size_t)i]);
    size_t live_count;
    const brook_live_broker *live = brook_membership_live(b, &live_count);
    for (size_t i = 0; i < live_count; i++)
        add_candidate(row, &n, rf, live[i].id);
    return n == rf ? BROOK_OK : BROOK_ERR_INVALID_REPLICATION;
}

/* The assignment of `it` grown by `more` partitions of `rf` replicas
 * placed on the live brokers. */
static brook_err grown_assignment(brook_broker *b, const brook_image_topic *it, int32_t more, int32_t rf, int32_t **out)
{
    const brook_topic_record *rec = &it->rec;
    size_t n, old = (size_t)rec->partitions, stride = (size_t)rf;
    const brook_live_broker *live = brook_membership_live(b, &n);
    brook_placement_broker *pb = calloc(n ? n : 1, sizeof *pb);
    int32_t *all = malloc(sizeof *all * (old + (size_t)more) * stride);
    brook_err e = pb && all ? BROOK_OK : BROOK_ERR_NOMEM;
    size_t m = e ? 0 : placeable(live, n, pb);
    if (!e && rf == rec->replication_factor)
        memcpy(all, rec->assignment, sizeof *all * old * stride);
    for (size_t p = 0; !e && rf != rec->replication_factor && p < old; p++)
        e = existing_row(b, it, (int32_t)p, rf, all + p * stride);
    /* starting at the old count continues the spread of leaders */
    if (!e)
        e = brook_place_replicas(pb, m, more, rf, (uint32_t)rec->partitions, all + old * stride);
    free(pb);
    if (e)
        free(all);
    else
        *out = all;
    return e;
}

brook_err brook_controller_grow_topic(brook_broker *b, const char *name, int32_t count,
                                      void (*done)(void *arg, brook_err err), void *arg)
{
    const brook_image_topic *it = brook_cluster_image_topic(b, name);
    if (!it || !it->present)
        return BROOK_ERR_NOT_FOUND;
    if (count <= it->rec.partitions || count > b->st->max_partitions)
        return BROOK_ERR_INVALID_PARTITIONS;
    brook_topic_record rec = it->rec; /* shallow but the assignment */
    rec.partitions = count;
    rec.replication_factor = current_replication_factor(it);
    char key[512], *value = NULL;
    brook_err e = grown_assignment(b, it, count - it->rec.partitions, rec.replication_factor, &rec.assignment);
    if (e)
        return e;
    deletion *g = calloc(1, sizeof *g);
    if (!g)
        e = BROOK_ERR_NOMEM;
    if (!e && !(e = brook_topic_key(key, sizeof key, brook_membership_namespace(b), name)))
        e = brook_topic_record_encode(&rec, &value);
    free(rec.assignment);
    if (!e) {
        *g = (deletion){.done = done, .arg = arg};
        brook_mcmp same = {.key = key, .target = BROOK_MCMP_MOD_REVISION, .number = it->mod_revision};
        brook_mop put = {
            .kind = BROOK_MOP_PUT, .key = key, .value = (const uint8_t *)value, .value_len = strlen(value)};
        e = brook_controller_txn(b, &same, 1, &put, 1, growth_answered, deletion_abandoned, g);
    }
    free(value);
    if (e)
        free(g);
    else
        log_info("cluster: growing topic %s from %d to %d partitions of %d replicas", name, it->rec.partitions, count,
                 rec.replication_factor);
    return e;
}
