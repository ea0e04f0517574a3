/* An in-process test bed for replication: several "brokers" in one
 * process, each with its own data directory, storage plugin and
 * replication strategy plugin (the real .so files), holding a replica of
 * one partition through the real core partition code. The bed plays the
 * parts the cluster issue will give real components: the controller (a
 * leadership record with leader epochs, ISR changes fenced by partition
 * epoch), the replica fetcher (a follower's Fetch: read_for_replica on the
 * leader, divergence handled by truncation, append_from_leader), and the
 * peer links (messages queued and delivered on the loop). Like librdkafka's
 * mock cluster it keeps leader epochs and follower offsets per partition,
 * but through the code brookd runs. */
#ifndef BROOK_TEST_REPLICATION_BED_H
#define BROOK_TEST_REPLICATION_BED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"
#include "config.h"
#include "loop.h"
#include "metrics.h"
#include "partition.h"
#include "plugin_set.h"
#include "record_batch.h"
#include "slice.h"
#include "workers.h"

#define BED_MAX_BROKERS 5

typedef struct bed bed;

typedef struct bed_broker {
    bed *bed;
    int32_t id;
    int down; /* killed: neither fetches nor is fetched from */
    char dir[64];
    brook_config cfg;
    brook_broker b;
    brook_topic topic;
    brook_partition *part;
} bed_broker;

/* A message in flight between two brokers' strategies. */
typedef struct bed_message {
    struct bed_message *next;
    int32_t from, to;
    size_t len;
    uint8_t data[];
} bed_message;

/* A pending ISR change answer. */
typedef struct bed_isr_answer {
    brook_isr_change_done done;
    void *arg;
    brook_err err;
} bed_isr_answer;

struct bed {
    brook_loop *loop;
    brook_metrics *metrics;
    brook_workers *workers;
    bed_broker brokers[BED_MAX_BROKERS];
    int count;
    /* the controller's record of the partition */
    int32_t leader;
    int32_t leader_epoch;
    int32_t partition_epoch;
    int32_t replicas[BED_MAX_BROKERS];
    int32_t isr[BED_MAX_BROKERS];
    int32_t isr_count;
    int isr_changes; /* accepted so far */
    bed_message *messages;
    bed_isr_answer answers[16];
    int answer_count;
};

static bed_broker *bed_at(bed *bd, int32_t id)
{
    for (int i = 0; i < bd->count; i++)
        if (bd->brokers[i].id == id)
            return &bd->brokers[i];
    return NULL;
}

static brook_leadership bed_leadership(const bed *bd)
{
    return (brook_leadership){.leader = bd->leader,
                              .leader_epoch = bd->leader_epoch,
                              .replicas = bd->replicas,
                              .replica_count = bd->count,
                              .isr = bd->isr,
                              .isr_count = bd->isr_count,
                              .partition_epoch = bd->partition_epoch};
}

/* ---- the controller ------------------------------------------------------ */

static brook_err bed_isr_change(void *arg, brook_partition *p, const int32_t *isr, int32_t isr_count,
                                int32_t partition_epoch, brook_isr_change_done done, void *done_arg)
{
    bed *bd = arg;
    brook_err err = BROOK_OK;
    if (p->broker->st->broker_id != bd->leader || partition_epoch != bd->partition_epoch) {
        err = BROOK_ERR_AGAIN; /* stale: the record moved on */
    } else {
        memcpy(bd->isr, isr, sizeof *isr * (size_t)isr_count);
        bd->isr_count = isr_count;
        bd->partition_epoch++;
        bd->isr_changes++;
    }
    assert_true(bd->answer_count < 16);
    bd->answers[bd->answer_count++] = (bed_isr_answer){.done = done, .arg = done_arg, .err = err};
    return BROOK_OK;
}

/* Elect `leader` (a new leader epoch), telling every live replica. */
static void bed_elect(bed *bd, int32_t leader)
{
    bd->leader = leader;
    bd->leader_epoch++;
    bd->partition_epoch++;
    /* the new leader's ISR: those in the old one still alive */
    int32_t n = 0;
    for (int32_t i = 0; i < bd->isr_count; i++)
        if (!bed_at(bd, bd->isr[i])->down)
            bd->isr[n++] = bd->isr[i];
    if (!n || !bed_at(bd, leader)) /* unclean: just the leader */
        bd->isr[n++] = leader;
    bd->isr_count = n;
    brook_leadership l = bed_leadership(bd);
    for (int i = 0; i < bd->count; i++) {
        bed_broker *x = &bd->brokers[i];
        if (x->down)
            continue;
        if (x->id == leader)
            assert_int_equal(brook_partition_become_leader(x->part, &l), BROOK_OK);
        else
            assert_int_equal(brook_partition_become_follower(x->part, &l), BROOK_OK);
    }
}

/* ---- the peer links --------------------------------------------------------- */

static brook_err bed_send(void *arg, brook_partition *p, int32_t to, const uint8_t *msg, size_t len)
{
    bed *bd = arg;
    bed_broker *dst = bed_at(bd, to);
    if (!dst)
        return BROOK_ERR_NOT_FOUND;
    bed_message *m = malloc(sizeof *m + len);
    if (!m)
        return BROOK_ERR_NOMEM;
    *m = (bed_message){.from = p->broker->st->broker_id, .to = to, .len = len};
    memcpy(m->data, msg, len);
    bed_message **tail = &bd->messages;
    while (*tail)
        tail = &(*tail)->next;
    *tail = m;
    return BROOK_OK;
}

/* Deliver queued messages and controller answers, and run due timers. */
static void bed_pump(bed *bd)
{
    brook_loop_run_due(bd->loop);
    for (int round = 0; round < 100 && (bd->messages || bd->answer_count); round++) {
        while (bd->answer_count) {
            bed_isr_answer a = bd->answers[0];
            memmove(bd->answers, bd->answers + 1, sizeof a * (size_t)--bd->answer_count);
            brook_leadership now = bed_leadership(bd);
            a.done(a.arg, a.err, &now);
        }
        while (bd->messages) {
            bed_message *m = bd->messages;
            bd->messages = m->next;
            bed_broker *dst = bed_at(bd, m->to);
            const brook_replication_ops *ro = brook_replication_of(&dst->b.plugins.replication[0]);
            if (!dst->down && brook_has_slot(&dst->b.plugins.replication[0], brook_replication_ops, peer_message))
                ro->peer_message(dst->part->replica, m->from, m->data, m->len);
            free(m);
        }
        brook_loop_run_due(bd->loop);
    }
}

/* ---- the brokers -------------------------------------------------------------- */

/* Start `n` brokers (ids 1..n) holding partition "t"-0, with `replication`
 * options for the isr strategy; broker 1 leads epoch 1 with all in sync. */
static void bed_start(bed *bd, int n, const char *storage, const char *replication)
{
    memset(bd, 0, sizeof *bd);
    assert_int_equal(brook_loop_new(&bd->loop), BROOK_OK);
    assert_int_equal(brook_metrics_new(&bd->metrics), BROOK_OK);
    assert_int_equal(brook_workers_new(bd->loop, 1, &bd->workers), BROOK_OK);
    bd->count = n;
    for (int i = 0; i < n; i++) {
        bed_broker *x = &bd->brokers[i];
        x->bed = bd;
        x->id = i + 1;
        bd->replicas[i] = x->id;
        snprintf(x->dir, sizeof x->dir, "/tmp/brook-bed-XXXXXX");
        assert_non_null(mkdtemp(x->dir));
        char text[2048], err[2048];
        snprintf(text, sizeof text,
                 "broker = { id = %d; data_dir = \"%s\"; plugin_dir = \"%s\"; };\n"
                 "listeners = ( { name = \"n\"; codec = \"native\"; address = \"127.0.0.1:0\"; } );\n"
                 "storage = { %s };\nreplication = { %s };\n",
                 x->id, x->dir, BROOK_PLUGIN_DIR, storage, replication);
        if (brook_config_load(&x->cfg, NULL, text, "bed.conf", err, sizeof err) ||
            brook_config_validate(&x->cfg, err, sizeof err))
            fail_msg("%s", err);
        brook_broker *b = &x->b;
        b->config = &x->cfg;
        b->st = &x->cfg.settings;
        b->loop = bd->loop;
        b->metrics = bd->metrics;
        b->workers = bd->workers;
        b->env = (brook_host_env){.loop = bd->loop,
                                  .metrics = bd->metrics,
                                  .workers = bd->workers,
                                  .config = &x->cfg,
                                  .data_dir = x->dir,
                                  .broker_id = x->id};
        if (brook_plugin_set_load(&b->plugins, &x->cfg, BROOK_PLUGIN_DIR, &b->env, err, sizeof err) ||
            brook_plugin_set_start(&b->plugins, err, sizeof err))
            fail_msg("broker %d: %s", x->id, err);
        b->cluster = (brook_cluster_hooks){.arg = bd, .send_to_peer = bed_send, .isr_change = bed_isr_change};
        snprintf(x->topic.name, sizeof x->topic.name, "t");
        x->topic.partition_count = 1;
        x->topic.partitions = &x->part;
        assert_int_equal(brook_partition_open(b, &x->topic, 0, 1, &x->part), BROOK_OK);
        bd->isr[i] = x->id;
    }
    bd->isr_count = n;
    bed_elect(bd, 1);
}

static void bed_stop(bed *bd)
{
    while (bd->answer_count) { /* what the controller still owes, refused */
        bed_isr_answer a = bd->answers[--bd->answer_count];
        a.done(a.arg, BROOK_ERR_SHUTDOWN, NULL);
    }
    for (int i = 0; i < bd->count; i++) {
        bed_broker *x = &bd->brokers[i];
        if (x->part)
            brook_partition_close(x->part, 0);
        brook_plugin_set_unload(&x->b.plugins);
        brook_config_free(&x->cfg);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", x->dir);
        assert_int_equal(system(cmd), 0);
    }
    while (bd->messages) {
        bed_message *m = bd->messages;
        bd->messages = m->next;
        free(m);
    }
    brook_loop_run_due(bd->loop);
    brook_workers_free(bd->workers);
    brook_metrics_free(bd->metrics);
    brook_loop_free(bd->loop);
}

/* ---- the replica fetcher -------------------------------------------------------- */

static int64_t bed_log_end(bed_broker *x)
{
    int64_t start, end;
    assert_int_equal(brook_partition_offsets(x->part, &start, &end), BROOK_OK);
    return end;
}

/* One Fetch of follower `id` from the current leader, as the core's
 * replica fetcher will send it: from its log end, with its current and
 * last fetched epochs. A diverged log is truncated where the leader says
 * (bounded by where that epoch ends locally, KIP-320). Returns the
 * leader's answer; *records gets the bytes copied. */
static brook_err bed_fetch(bed *bd, int32_t id, size_t *records)
{
    bed_broker *f = bed_at(bd, id), *l = bed_at(bd, bd->leader);
    size_t dummy;
    records = records ? records : &dummy;
    *records = 0;
    if (f->down || !l || l->down)
        return BROOK_ERR_NOT_FOUND;
    brook_slice slices[64];
    brook_replica_fetch rf = {.replica_id = id,
                              .offset = bed_log_end(f),
                              .current_epoch = f->part->leader_epoch,
                              .last_fetched_epoch = brook_leader_epochs_latest(&f->part->epochs),
                              .max_bytes = 1 << 20,
                              .slices = slices,
                              .max_slices = 64};
    brook_err e = brook_partition_read_for_replica(l->part, &rf);
    if (e)
        return e;
    if (rf.diverging_epoch != BROOK_NO_EPOCH || rf.diverging_end >= 0) {
        int32_t mine;
        int64_t mine_end;
        brook_partition_epoch_end(f->part, rf.diverging_epoch, &mine, &mine_end);
        int64_t to = rf.diverging_end;
        if (mine == rf.diverging_epoch && mine_end < to)
            to = mine_end;
        if (to < 0)
            to = 0;
        return brook_partition_truncate(f->part, to);
    }
    uint8_t *copy = malloc(rf.bytes ? rf.bytes : 1);
    assert_non_null(copy);
    size_t at = 0;
    for (size_t i = 0; i < rf.n_slices; i++) {
        uint8_t *owned = NULL;
        const uint8_t *bytes = brook_slice_bytes(&slices[i], &owned);
        assert_non_null(bytes);
        memcpy(copy + at, bytes, slices[i].len);
        at += slices[i].len;
        free(owned);
        if (slices[i].release)
            slices[i].release(slices[i].owner);
    }
    e = brook_partition_append_from_leader(f->part, copy, at, rf.high_watermark);
    free(copy);
    *records = at;
    return e;
}

/* Every live follower fetches `rounds` times. */
static void bed_replicate(bed *bd, int rounds)
{
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < bd->count; i++)
            if (bd->brokers[i].id != bd->leader && !bd->brokers[i].down)
                assert_int_equal(bed_fetch(bd, bd->brokers[i].id, NULL), BROOK_OK);
        bed_pump(bd);
    }
}

/* ---- producing -------------------------------------------------------------------- */

typedef struct bed_produce {
    brook_append a;
    uint8_t *batch;
    int done;
} bed_produce;

static void bed_produced(brook_append *a)
{
    bed_produce *p = a->arg;
    p->done = 1;
}

/* Produce one record `value` to broker `id` with `acks`; poll ->done. */
static bed_produce *bed_produce_to(bed *bd, int32_t id, int16_t acks, const char *value)
{
    bed_produce *p = calloc(1, sizeof *p);
    assert_non_null(p);
    brook_batch_builder *bb;
    assert_int_equal(brook_batch_builder_new(&bb), BROOK_OK);
    brook_record rec = {.timestamp = 1700000000000,
                        .key_len = -1,
                        .value = (const uint8_t *)value,
                        .value_len = (int32_t)strlen(value)};
    assert_int_equal(brook_batch_builder_add(bb, &rec, NULL, 0), BROOK_OK);
    const uint8_t *data;
    size_t len;
    assert_int_equal(brook_batch_builder_finish(bb, &data, &len), BROOK_OK);
    p->batch = malloc(len);
    memcpy(p->batch, data, len);
    brook_batch_builder_free(bb);
    p->a = (brook_append){.data = p->batch, .len = len, .acks = acks, .done = bed_produced, .arg = p};
    brook_partition_produce(bed_at(bd, id)->part, &p->a);
    bed_pump(bd);
    return p;
}

static void bed_produce_free(bed_produce *p)
{
    free(p->batch);
    free(p);
}

/* Sleep `ms` and run what fell due. */
static void bed_wait(bed *bd, int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
    bed_pump(bd);
}

/* The whole log of broker `id` as bytes (for comparing replicas). */
static size_t bed_log_bytes(bed *bd, int32_t id, uint8_t *out, size_t cap)
{
    bed_broker *x = bed_at(bd, id);
    brook_slice slices[256];
    size_t n, bytes;
    int64_t start, end;
    assert_int_equal(brook_partition_offsets(x->part, &start, &end), BROOK_OK);
    if (end == start)
        return 0;
    const brook_storage_ops *so = brook_storage_of(&x->b.plugins.storage[0]);
    assert_int_equal(so->read(x->part->log, start, end, cap, slices, 256, &n, &bytes), BROOK_OK);
    assert_true(bytes <= cap);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t *owned = NULL;
        const uint8_t *b = brook_slice_bytes(&slices[i], &owned);
        memcpy(out + at, b, slices[i].len);
        at += slices[i].len;
        free(owned);
        if (slices[i].release)
            slices[i].release(slices[i].owner);
    }
    return at;
}

#endif
