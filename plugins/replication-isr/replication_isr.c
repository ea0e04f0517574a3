/* replication-isr: Kafka's in-sync replicas. The leader commits a record
 * (moves the high watermark past it) once every in-sync replica holds it:
 * the leader durably, under its flush policy, and each in-sync follower by
 * having fetched past it. A follower that has not caught up with the
 * leader's log end for replica_lag_time_max_ms leaves the in-sync set; one
 * that reaches the high watermark joins it again. Both changes go through
 * the controller (ctx->request_isr_change, fenced by the partition epoch);
 * while one is in flight the high watermark counts the union of the old and
 * the proposed set, so it never moves on a set the controller has not
 * recorded. acks=all produces need min_insync_replicas in-sync replicas
 * (the topic's own min.insync.replicas when it sets one)
 * (NOT_ENOUGH_REPLICAS before the append, ..._AFTER_APPEND after).
 *
 * Fetching is the core's (its replica fetcher and the leader's Fetch
 * handling, epochs and divergence included); this plugin only keeps the
 * books. */
#include <stdlib.h>
#include <string.h>

#include <brook/plugin.h>
#include <brook/replication.h>

typedef struct isr_plugin {
    const brook_host *host;
    int64_t lag_max_ms;
    int64_t min_insync;
} isr_plugin;

typedef struct follower {
    int32_t id;
    int64_t fetch_offset; /* -1 until it fetched under this leadership */
    int64_t caught_up_ms; /* last time a fetch of it reached the log end */
} follower;

typedef struct replica {
    isr_plugin *pl;
    const brook_replica_ctx *ctx;
    int leading;
    int32_t partition_epoch;
    int32_t *isr; /* as the controller recorded it */
    int32_t isr_count;
    int32_t *proposed; /* a change in flight, else NULL */
    int32_t proposed_count;
    follower *followers; /* every replica but this one */
    int32_t follower_count;
    brook_timer *timer;
} replica;

static const brook_option options[] = {
    BROOK_OPTION_INT("replica_lag_time_max_ms", "30000", "1", NULL,
                     "a follower that has not caught up with the leader's log end for this long leaves the ISR"),
    BROOK_OPTION_INT("min_insync_replicas", "1", "1", NULL,
                     "acks=all produces need at least this many in-sync replicas (the leader included)"),
    BROOK_OPTION_END,
};

static int contains(const int32_t *ids, int32_t count, int32_t id)
{
    for (int32_t i = 0; i < count; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

static int32_t *copy_ids(const int32_t *ids, int32_t count)
{
    int32_t *copy = malloc(sizeof *copy * (size_t)(count > 0 ? count : 1));
    if (copy && count > 0)
        memcpy(copy, ids, sizeof *copy * (size_t)count);
    return copy;
}

static int64_t now_ms(const replica *r)
{
    return r->pl->host->monotonic_ms(r->pl->host);
}

/* Counted for the high watermark: in the recorded set or the proposed one. */
static int counted(const replica *r, int32_t id)
{
    return contains(r->isr, r->isr_count, id) || (r->proposed && contains(r->proposed, r->proposed_count, id));
}

/* The high watermark: the smallest position among the counted replicas,
 * the leader's being what it holds durably. */
static void advance_high_watermark(replica *r)
{
    if (!r->leading)
        return;
    int64_t start, end, durable, hw;
    r->ctx->log_offsets(r->ctx->partition_handle, &start, &end, &durable, &hw);
    int64_t candidate = durable;
    for (int32_t i = 0; i < r->follower_count; i++) {
        const follower *f = &r->followers[i];
        if (counted(r, f->id) && f->fetch_offset < candidate)
            candidate = f->fetch_offset < 0 ? hw : f->fetch_offset;
    }
    if (candidate > hw)
        r->ctx->committed(r->ctx->partition_handle, candidate);
}

static void isr_changed(void *arg, brook_err err, const brook_leadership *now)
{
    replica *r = arg;
    free(r->proposed);
    r->proposed = NULL;
    r->proposed_count = 0;
    if (now && (err == BROOK_OK || err == BROOK_ERR_AGAIN)) {
        int32_t *isr = copy_ids(now->isr, now->isr_count);
        if (isr) {
            free(r->isr);
            r->isr = isr;
            r->isr_count = now->isr_count;
            r->partition_epoch = now->partition_epoch;
        }
    }
    if (err && err != BROOK_ERR_AGAIN && err != BROOK_ERR_SHUTDOWN)
        r->pl->host->log(r->pl->host, BROOK_LOG_WARN, "%s-%d: ISR change refused: %s", r->ctx->topic, r->ctx->partition,
                         brook_err_str(err));
    advance_high_watermark(r);
}

/* The set the followers' positions call for: laggards out, the caught-up in. */
static void maybe_change_isr(replica *r)
{
    if (!r->leading || r->proposed)
        return;
    int64_t start, end, durable, hw;
    r->ctx->log_offsets(r->ctx->partition_handle, &start, &end, &durable, &hw);
    int64_t now = now_ms(r);
    int32_t *next = malloc(sizeof *next * (size_t)(r->follower_count + 1));
    if (!next)
        return;
    int32_t n = 0;
    next[n++] = r->ctx->local_broker_id;
    for (int32_t i = 0; i < r->follower_count; i++) {
        const follower *f = &r->followers[i];
        /* in sync: holds the whole log, or did so recently (Kafka's rule;
         * an idle partition keeps a quiet follower) */
        int in_sync = f->fetch_offset >= end || now - f->caught_up_ms <= r->pl->lag_max_ms;
        int reached_hw = f->fetch_offset >= 0 && f->fetch_offset >= hw;
        if (in_sync && (contains(r->isr, r->isr_count, f->id) || reached_hw))
            next[n++] = f->id;
    }
    int changed = n != r->isr_count;
    for (int32_t i = 0; i < n && !changed; i++)
        changed = !contains(r->isr, r->isr_count, next[i]);
    if (!changed) {
        free(next);
        return;
    }
    r->proposed = next;
    r->proposed_count = n;
    brook_err e = r->ctx->request_isr_change(r->ctx->partition_handle, next, n, r->partition_epoch, isr_changed, r);
    if (e) {
        free(r->proposed);
        r->proposed = NULL;
        r->proposed_count = 0;
    }
}

static void on_timer(void *arg)
{
    replica *r = arg;
    r->timer = NULL;
    maybe_change_isr(r);
    int64_t every = r->pl->lag_max_ms / 2 > 10 ? r->pl->lag_max_ms / 2 : 10;
    r->pl->host->timer_add(r->pl->host, every, on_timer, r, &r->timer);
}

static void stop_timer(replica *r)
{
    if (r->timer)
        r->pl->host->timer_cancel(r->pl->host, r->timer);
    r->timer = NULL;
}

/* Take the controller's record of the partition. */
static brook_err adopt(replica *r, const brook_leadership *l)
{
    int32_t *isr = copy_ids(l->isr, l->isr_count);
    follower *fs = calloc((size_t)(l->replica_count > 0 ? l->replica_count : 1), sizeof *fs);
    if (!isr || !fs) {
        free(isr);
        free(fs);
        return BROOK_ERR_NOMEM;
    }
    int32_t n = 0;
    int64_t now = now_ms(r);
    for (int32_t i = 0; i < l->replica_count; i++)
        if (l->replicas[i] != r->ctx->local_broker_id)
            fs[n++] = (follower){.id = l->replicas[i], .fetch_offset = -1, .caught_up_ms = now};
    free(r->isr);
    free(r->followers);
    free(r->proposed);
    r->isr = isr;
    r->isr_count = l->isr_count;
    r->followers = fs;
    r->follower_count = n;
    r->proposed = NULL;
    r->proposed_count = 0;
    r->partition_epoch = l->partition_epoch;
    return BROOK_OK;
}

static brook_err isr_become_leader(void *rp, const brook_leadership *l)
{
    replica *r = rp;
    brook_err e = adopt(r, l);
    if (e)
        return e;
    r->leading = 1;
    stop_timer(r);
    on_timer(r);
    advance_high_watermark(r);
    return BROOK_OK;
}

static brook_err isr_become_follower(void *rp, const brook_leadership *l)
{
    replica *r = rp;
    brook_err e = adopt(r, l);
    r->leading = 0;
    stop_timer(r);
    return e;
}

static void isr_leader_appended(void *rp, int64_t log_end)
{
    (void)rp;
    (void)log_end; /* followers fetch it; the commit waits for them */
}

static void isr_leader_durable(void *rp, int64_t durable_end)
{
    (void)durable_end;
    advance_high_watermark(rp);
}

static void isr_follower_fetched(void *rp, int32_t broker_id, int64_t fetch_offset)
{
    replica *r = rp;
    if (!r->leading)
        return;
    for (int32_t i = 0; i < r->follower_count; i++) {
        follower *f = &r->followers[i];
        if (f->id != broker_id)
            continue;
        int64_t start, end, durable, hw;
        r->ctx->log_offsets(r->ctx->partition_handle, &start, &end, &durable, &hw);
        f->fetch_offset = fetch_offset;
        if (fetch_offset >= end)
            f->caught_up_ms = now_ms(r);
        if (!contains(r->isr, r->isr_count, broker_id))
            maybe_change_isr(r);
        advance_high_watermark(r);
        return;
    }
}

static void isr_follower_appended(void *rp, int64_t log_end, int64_t leader_high_watermark)
{
    replica *r = rp;
    r->ctx->committed(r->ctx->partition_handle, leader_high_watermark < log_end ? leader_high_watermark : log_end);
}

/* The topic's min.insync.replicas when it sets one (a broker of SDK 2.1 or
 * later tells), else this plugin's option. */
static int64_t min_insync(const replica *r)
{
    const brook_replica_ctx *ctx = r->ctx;
    if (BROOK_HAS_SLOT(ctx, ctx->size, brook_replica_ctx, topic_config)) {
        const char *v = ctx->topic_config(ctx->partition_handle, "min.insync.replicas");
        if (v) /* checked by the broker: an integer >= 1 */
            return strtoll(v, NULL, 10);
    }
    return r->pl->min_insync;
}

static brook_err isr_produce_check(void *rp, int16_t acks, int after_append)
{
    replica *r = rp;
    if (acks != -1 || r->isr_count >= min_insync(r))
        return BROOK_OK;
    return after_append ? BROOK_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND : BROOK_ERR_NOT_ENOUGH_REPLICAS;
}

static brook_err isr_open(void *state, const brook_replica_ctx *ctx, void **out)
{
    replica *r = calloc(1, sizeof *r);
    if (!r)
        return BROOK_ERR_NOMEM;
    r->pl = state;
    r->ctx = ctx;
    *out = r;
    return BROOK_OK;
}

static void isr_close(void *rp)
{
    replica *r = rp;
    stop_timer(r);
    free(r->isr);
    free(r->proposed);
    free(r->followers);
    free(r);
}

static brook_err isr_init(const brook_host *host, void **state)
{
    isr_plugin *pl = calloc(1, sizeof *pl);
    if (!pl)
        return BROOK_ERR_NOMEM;
    pl->host = host;
    host->config_int(host, "replica_lag_time_max_ms", &pl->lag_max_ms);
    host->config_int(host, "min_insync_replicas", &pl->min_insync);
    *state = pl;
    return BROOK_OK;
}

static void isr_fini(void *state)
{
    free(state);
}

static const brook_replication_ops ops = {
    .partition_open = isr_open,
    .partition_close = isr_close,
    .become_leader = isr_become_leader,
    .leader_appended = isr_leader_appended,
    .leader_durable = isr_leader_durable,
    .become_follower = isr_become_follower,
    .follower_fetched = isr_follower_fetched,
    .follower_appended = isr_follower_appended,
    .produce_check = isr_produce_check,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_REPLICATION, brook_replication_ops, ops, .name = "isr", .version = "1.0.0",
                        .description = "Kafka's in-sync replicas: committed once every in-sync replica holds it",
                        .options = options, .init = isr_init, .fini = isr_fini);
