#include "local_replicas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "cluster_image.h"
#include "controller.h"
#include "group_coordinator.h"
#include "leader_epochs.h"
#include "log.h"
#include "membership.h"
#include "partition.h"
#include "replica_fetcher.h"

static int32_t self(const brook_broker *b)
{
    return b->st->broker_id;
}

/* Lead or follow as the record says, when it says something new. */
static void apply_leadership(brook_broker *b, brook_partition *p, const brook_partition_record *rec)
{
    brook_leadership l = {.leader = rec->leader,
                          .leader_epoch = rec->leader_epoch,
                          .replicas = rec->replicas,
                          .replica_count = rec->replica_count,
                          .isr = rec->isr,
                          .isr_count = rec->isr_count,
                          .partition_epoch = rec->partition_epoch};
    if (rec->leader_epoch < p->leader_epoch)
        return; /* older than what this replica already acted on */
    int leads = rec->leader == self(b);
    brook_err e = BROOK_OK;
    if (leads) {
        if (p->role == BROOK_ROLE_LEADER && p->leader_epoch == rec->leader_epoch &&
            p->partition_epoch == rec->partition_epoch)
            return;
        brook_replica_fetcher_unfollow(b, p);
        int was_leading = p->role == BROOK_ROLE_LEADER;
        e = brook_partition_become_leader(p, &l);
        if (!e && !was_leading)
            brook_coordinator_role_changed(b, p, 1);
        if (!e && p->partition_epoch == rec->partition_epoch)
            log_info("partition %s-%d: leader at epoch %d (%d in sync)", p->topic->name, p->index, rec->leader_epoch,
                     rec->isr_count);
    } else {
        if (p->role == BROOK_ROLE_FOLLOWER && p->leader_epoch == rec->leader_epoch && p->leader_id == rec->leader) {
            /* the same leadership: only the in-sync set changed */
            p->partition_epoch = rec->partition_epoch;
            return;
        }
        int led = p->role == BROOK_ROLE_LEADER;
        e = brook_partition_become_follower(p, &l);
        if (led || e)
            brook_coordinator_role_changed(b, p, 0);
        if (!e) {
            log_info("partition %s-%d: follower of %d at epoch %d", p->topic->name, p->index, rec->leader,
                     rec->leader_epoch);
            brook_replica_fetcher_follow(b, p);
        }
    }
    if (e)
        log_error("partition %s-%d: cannot %s at epoch %d: %s%s", p->topic->name, p->index, leads ? "lead" : "follow",
                  rec->leader_epoch, brook_err_str(e),
                  e == BROOK_ERR_UNSUPPORTED ? " (the replication strategy keeps one replica: use replication-isr)"
                                             : "");
}

static void sync_partition(brook_broker *b, brook_topic *t, int32_t index)
{
    const brook_image_partition *ip = brook_cluster_image_partition(b, t->name, index);
    int hosted = ip && brook_ids_contain(ip->rec.replicas, ip->rec.replica_count, self(b));
    if (index >= t->partition_count)
        return;
    if (!hosted) {
        if (t->partitions[index] && ip) { /* moved away (a record without this broker) */
            log_info("partition %s-%d: no longer a replica here; removing it", t->name, index);
            brook_replica_fetcher_unfollow(b, t->partitions[index]);
            brook_coordinator_role_changed(b, t->partitions[index], 0);
            brook_broker_remove_replica(b, t, index);
        }
        return;
    }
    brook_partition *p;
    brook_err e = brook_broker_open_replica(b, t, index, &p);
    if (e) {
        log_error("partition %s-%d: cannot open this broker's replica: %s", t->name, index, brook_err_str(e));
        return;
    }
    apply_leadership(b, p, &ip->rec);
}

/* Whether a replica of the topic is this broker's: as a partition's
 * record says, or for a partition without one yet, as the topic's
 * assignment placed it (a reassignment changes only the record). */
static int hosts_any(const brook_broker *b, const brook_image_topic *it)
{
    for (int32_t p = 0; p < it->rec.partitions; p++) {
        if (p < it->partition_cap && it->partitions[p].present) {
            if (brook_ids_contain(it->partitions[p].rec.replicas, it->partitions[p].rec.replica_count, self(b)))
                return 1;
            continue;
        }
        const int32_t *replicas = it->rec.assignment + (size_t)p * (size_t)it->rec.replication_factor;
        if (brook_ids_contain(replicas, it->rec.replication_factor, self(b)))
            return 1;
    }
    return 0;
}

/* Every replica of a topic the cluster keeps moved off this broker: its
 * registry entry goes too (the topic stays, and so do the offsets groups
 * coordinated here committed for it). */
static void unhost_topic(brook_broker *b, brook_topic *t)
{
    for (int32_t i = 0; t->partitions && i < t->partition_count; i++)
        if (t->partitions[i])
            return; /* one could not be removed: it stays */
    char name[BROOK_TOPIC_NAME_MAX + 1];
    snprintf(name, sizeof name, "%s", t->name);
    brook_err e = brook_topics_remove(&b->topics, name);
    if (e)
        log_error("topic %s: cannot take it out of this broker's registry: %s", name, brook_err_str(e));
    else
        log_info("topic %s: this broker holds no replica of it any more", name);
}

static void drop_topic(brook_broker *b, const char *name)
{
    brook_topic *t = brook_topics_find(&b->topics, name);
    for (int32_t i = 0; t && i < t->partition_count; i++)
        if (t->partitions && t->partitions[i]) {
            brook_replica_fetcher_unfollow(b, t->partitions[i]);
            brook_coordinator_role_changed(b, t->partitions[i], 0);
        }
    if (t)
        brook_broker_delete_topic(b, name);
}

static void sync_topic(brook_broker *b, const char *name, int32_t only)
{
    const brook_image_topic *it = brook_cluster_image_topic(b, name);
    if (!it) {
        if (brook_topics_find(&b->topics, name)) {
            log_info("topic %s: deleted from the cluster; removing it here", name);
            drop_topic(b, name);
        } else if (only < 0) { /* its record went: the groups coordinated here forget it too */
            brook_broker_forget_topic_offsets(b, name);
        }
        return;
    }
    brook_topic *t = brook_topics_find(&b->topics, name);
    if (t && t->id[0] && strcmp(t->id, it->rec.id) != 0) {
        /* deleted and made again while this broker was away: the data here
         * is the old topic's and must not pass for the new one's */
        log_warn("topic %s: this broker holds an older topic of that name (id %s, now %s); removing its data", name,
                 t->id, it->rec.id);
        drop_topic(b, name);
        t = NULL;
    }
    if (!t && !hosts_any(b, it))
        return;
    brook_err e = brook_broker_host_topic(b, name, it->rec.id, it->rec.partitions, &it->rec.configs, &t);
    if (e) {
        log_error("topic %s: cannot record it here: %s", name, brook_err_str(e));
        return;
    }
    /* a topic's partitions led and followed at once: their leader-epoch
     * checkpoints share one sync */
    brook_leader_epochs_batch_begin();
    if (only >= 0)
        sync_partition(b, t, only);
    for (int32_t p = 0; only < 0 && p < t->partition_count; p++)
        sync_partition(b, t, p);
    if (brook_leader_epochs_batch_end(b->st->data_dir))
        log_error("topic %s: leader-epoch checkpoints may not be on disk (see above): a crash of the machine now "
                  "could lose them",
                  name);
    if (!hosts_any(b, it))
        unhost_topic(b, t);
}

static void image_changed(void *arg, const char *topic, int32_t partition)
{
    brook_broker *b = arg;
    if (!b->stopping)
        sync_topic(b, topic, partition);
    brook_controller_image_changed(b, topic, partition);
}

/* A whole new snapshot: every local topic and every topic in the image. */
static void image_reloaded(void *arg)
{
    brook_broker *b = arg;
    if (!b->stopping) {
        /* local topics the cluster no longer has (deleted while this broker
         * was away); copy the names: dropping changes the registry */
        size_t n = b->topics.count;
        char(*names)[BROOK_TOPIC_NAME_MAX + 1] = malloc(sizeof *names * (n ? n : 1));
        for (size_t i = 0; names && i < n; i++)
            memcpy(names[i], b->topics.items[i]->name, sizeof names[i]);
        for (size_t i = 0; names && i < n; i++)
            sync_topic(b, names[i], -1);
        free(names);
        brook_strmap_iter it = {0};
        const brook_image_topic *t;
        while ((t = brook_cluster_image_next(b, &it)))
            sync_topic(b, t->name, -1);
        brook_coordinator_forget_vanished_topics(b); /* deleted meanwhile, held nowhere here */
    }
    brook_controller_image_changed(b, NULL, -1);
}

/* ---- in-sync set changes, written by the leader --------------------------------
 * The leader's strategy asks to shrink or expand the in-sync set; the
 * leader writes the partition record itself (Kafka's AlterPartition,
 * KIP-497, without the hop through the controller): a transaction that
 * compares the record's revision, so a change decided on a stale record,
 * or by a leader that was replaced meanwhile, fails and changes nothing. */

typedef struct isr_write isr_write;
struct isr_write {
    isr_write *prev, *next;
    brook_broker *b;
    brook_partition *p; /* compared, never followed, once the answer comes */
    char topic[BROOK_TOPIC_NAME_MAX + 1];
    int32_t index;
    brook_partition_record rec; /* what was written */
    brook_isr_change_done done;
    void *done_arg;
    brook_timer *timer; /* refused before writing: answered from the loop */
};

/* This broker's writes in flight. */
struct brook_local_replicas {
    isr_write writes; /* list head */
};

static void unlink_write(isr_write *w)
{
    w->prev->next = w->next;
    w->next->prev = w->prev;
    brook_partition_record_clear(&w->rec);
    free(w);
}

/* The partition the write was for, if it is still the same open replica. */
static brook_partition *still_there(const isr_write *w)
{
    brook_partition *p = brook_topics_partition(&w->b->topics, w->topic, w->index);
    return p == w->p && !p->closing ? p : NULL;
}

static void answer(isr_write *w, brook_err err, const brook_partition_record *now)
{
    brook_partition *p = still_there(w);
    if (p && !err) {
        /* in force now: the watch will bring the same record again */
        int32_t *isr = malloc(sizeof *isr * (size_t)(now->isr_count ? now->isr_count : 1));
        if (isr) {
            memcpy(isr, now->isr, sizeof *isr * (size_t)now->isr_count);
            free(p->isr);
            p->isr = isr;
            p->isr_count = now->isr_count;
            p->partition_epoch = now->partition_epoch;
        }
    }
    if (p) {
        brook_leadership l = {.leader = now ? now->leader : -1,
                              .leader_epoch = now ? now->leader_epoch : -1,
                              .replicas = now ? now->replicas : NULL,
                              .replica_count = now ? now->replica_count : 0,
                              .isr = now ? now->isr : NULL,
                              .isr_count = now ? now->isr_count : 0,
                              .partition_epoch = now ? now->partition_epoch : -1};
        w->done(w->done_arg, err, now ? &l : NULL);
    }
    unlink_write(w);
}

/* The record in force after a write that succeeded: the one written, or
 * a newer one the watch brought before the write's answer (the
 * controller may change the record the moment it sees the write, and
 * the watch and the answer come over different connections). Handing
 * the older one back would undo the newer in the partition and its
 * strategy, which would then act on an in-sync set nobody holds. */
static const brook_partition_record *in_force_after(const isr_write *w)
{
    const brook_image_partition *ip = brook_cluster_image_partition(w->b, w->topic, w->index);
    return ip && ip->rec.partition_epoch > w->rec.partition_epoch ? &ip->rec : &w->rec;
}

static void isr_written(void *arg, const brook_mresult *r)
{
    isr_write *w = arg;
    if (!r->err && r->succeeded) {
        const brook_partition *p = still_there(w);
        if (p)
            brook_metric_add(w->rec.isr_count < p->isr_count ? w->b->m.cluster_isr_shrinks_total
                                                             : w->b->m.cluster_isr_expands_total,
                             1);
        log_info("partition %s-%d: in-sync set now %d replica(s) (partition epoch %d)", w->topic, w->index,
                 w->rec.isr_count, w->rec.partition_epoch);
        answer(w, BROOK_OK, in_force_after(w));
        return;
    }
    const brook_image_partition *ip = brook_cluster_image_partition(w->b, w->topic, w->index);
    answer(w, r->err ? BROOK_ERR_IO : BROOK_ERR_AGAIN, ip ? &ip->rec : NULL);
}

static void refused_now(void *arg)
{
    isr_write *w = arg;
    w->timer = NULL;
    const brook_image_partition *ip = brook_cluster_image_partition(w->b, w->topic, w->index);
    answer(w, BROOK_ERR_AGAIN, ip ? &ip->rec : NULL);
}

/* Whether `isr` brings in a broker that is not a live member: its lease
 * ran out, and it may still fetch until it learns so. The controller
 * takes such brokers out of every in-sync set; a leader that put one
 * back would undo it again and again, a write each time (KIP-841 keeps
 * fenced brokers out the same way). */
static int adds_one_not_live(const brook_broker *b, const brook_partition_record *now, const int32_t *isr,
                             int32_t isr_count)
{
    for (int32_t i = 0; i < isr_count; i++)
        if (!brook_ids_contain(now->isr, now->isr_count, isr[i]) && !brook_membership_is_live(b, isr[i]))
            return 1;
    return 0;
}

static brook_err request_isr_change(void *arg, brook_partition *p, const int32_t *isr, int32_t isr_count,
                                    int32_t partition_epoch, brook_isr_change_done done, void *done_arg)
{
    brook_broker *b = arg;
    if (!b->local) /* stopped: the loop still turns while the broker leaves, and a strategy's timer may ask */
        return BROOK_ERR_SHUTDOWN;
    const brook_image_partition *ip = brook_cluster_image_partition(b, p->topic->name, p->index);
    isr_write *w = calloc(1, sizeof *w);
    if (!w)
        return BROOK_ERR_NOMEM;
    *w = (isr_write){.b = b, .p = p, .index = p->index, .done = done, .done_arg = done_arg};
    snprintf(w->topic, sizeof w->topic, "%s", p->topic->name);
    isr_write *head = &b->local->writes;
    w->next = head->next;
    w->prev = head;
    head->next->prev = w;
    head->next = w;
    brook_err e = BROOK_OK;
    if (!ip || ip->rec.leader != self(b) || ip->rec.partition_epoch != partition_epoch ||
        adds_one_not_live(b, &ip->rec, isr, isr_count)) {
        /* decided on a record that is not the current one, or on a
         * follower the controller would take out again */
        if ((e = brook_loop_timer_add(b->loop, 0, refused_now, w, &w->timer)))
            unlink_write(w);
        return e;
    }
    char key[512], *value = NULL;
    if ((e = brook_partition_record_copy(&w->rec, &ip->rec))) {
        unlink_write(w);
        return e;
    }
    free(w->rec.isr);
    w->rec.isr = malloc(sizeof *w->rec.isr * (size_t)(isr_count ? isr_count : 1));
    if (!w->rec.isr) {
        unlink_write(w);
        return BROOK_ERR_NOMEM;
    }
    memcpy(w->rec.isr, isr, sizeof *isr * (size_t)isr_count);
    w->rec.isr_count = isr_count;
    w->rec.partition_epoch = partition_epoch + 1;
    brook_metastore *store = brook_membership_store(b);
    if (!(e = brook_partition_key(key, sizeof key, brook_membership_namespace(b), w->topic, w->index)) &&
        !(e = brook_partition_record_encode(&w->rec, &value))) {
        brook_mcmp same = {.key = key, .target = BROOK_MCMP_MOD_REVISION, .number = ip->mod_revision};
        brook_mop put = {
            .kind = BROOK_MOP_PUT, .key = key, .value = (const uint8_t *)value, .value_len = strlen(value)};
        e = store->ops->txn(store, &same, 1, &put, 1, NULL, 0, isr_written, w);
    }
    free(value);
    if (e)
        unlink_write(w);
    return e;
}

brook_err brook_local_replicas_start(brook_broker *b)
{
    if (!(b->local = calloc(1, sizeof *b->local)))
        return BROOK_ERR_NOMEM;
    b->local->writes.prev = b->local->writes.next = &b->local->writes;
    b->cluster.arg = b;
    b->cluster.isr_change = request_isr_change;
    return brook_cluster_image_start(b, image_changed, image_reloaded, b);
}

void brook_local_replicas_stop(brook_broker *b)
{
    brook_replica_fetcher_stop(b);
    brook_cluster_image_stop(b);
    /* the store goes next: answers in flight will not come */
    if (!b->local)
        return;
    while (b->local->writes.next != &b->local->writes) {
        isr_write *w = b->local->writes.next;
        if (w->timer)
            brook_loop_timer_cancel(b->loop, w->timer);
        if (still_there(w))
            w->done(w->done_arg, BROOK_ERR_SHUTDOWN, NULL);
        unlink_write(w);
    }
    free(b->local);
    b->local = NULL;
}

void brook_local_replicas_brokers_changed(brook_broker *b)
{
    for (size_t t = 0; t < b->topics.count; t++) {
        brook_topic *topic = b->topics.items[t];
        for (int32_t i = 0; topic->partitions && i < topic->partition_count; i++)
            if (topic->partitions[i] && topic->partitions[i]->role == BROOK_ROLE_LEADER)
                brook_partition_low_watermark_check(topic->partitions[i]);
    }
}
