#include "replica_fetcher.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "leader_epochs.h"
#include "log.h"
#include "membership.h"
#include "partition.h"
#include "peer_link.h"

#define PARTITION_MAX_BYTES (1 << 20)
#define RESPONSE_MAX_BYTES  (8 << 20)
#define RETRY_MS            100   /* a partition the leader answered with an error sits out this long */
#define RECONNECT_MS        500   /* after a broken link */
#define REPORT_EVERY_MS     60000 /* a run of failed fetches is logged once, then this often */
#define MIN(a, b)           ((a) < (b) ? (a) : (b))

/* A partition fetched from the session's leader. */
typedef struct member {
    brook_partition *p;
    int64_t retry_at; /* loop time before which it sits out (its last answer was an error) */
    int held_back;    /* left out of the fetch being built: the follower throttle is spent */
} member;

typedef struct session session;
struct session {
    session *next;
    brook_broker *b;
    int32_t leader;
    brook_peer_link *link;
    member *parts;
    size_t count, cap;
    int in_flight;
    int woken;              /* a wake-up follows the fetch in flight */
    int failures;           /* fetches that failed whole since the last that did not */
    int64_t last_report_ms; /* when a run of failures was last logged */
    brook_timer *timer;
    brook_timer *retry_timer; /* a partition's sitting out ends */
};

typedef struct brook_replica_fetcher {
    session *sessions;
} brook_replica_fetcher;

static brook_replica_fetcher *get_fetcher(brook_broker *b, int make)
{
    if (!b->fetcher && make)
        b->fetcher = calloc(1, sizeof(brook_replica_fetcher));
    return b->fetcher;
}

static void session_fetch(session *s);
static void wake_fetch(session *s);

/* Whether this broker's follower throttle applies to `p`: the topic names
 * it here in follower.replication.throttled.replicas, a rate is set, and
 * this replica is out of sync (an in-sync one is never held back). */
static int follower_throttles(const brook_broker *b, const brook_partition *p)
{
    return p->throttled_as_follower && brook_quota_limited(&b->follower_quota) &&
           !brook_partition_isr_has(p, b->st->broker_id);
}

static void timer_due(void *arg)
{
    session *s = arg;
    s->timer = NULL;
    session_fetch(s);
}

static void later(session *s, int64_t ms)
{
    if (!s->timer)
        brook_loop_timer_add(s->b->loop, ms, timer_due, s, &s->timer);
}

/* A partition that sat out may be fetched again: end a fetch in flight
 * (which does not name it) or send one. */
static void retry_due(void *arg)
{
    session *s = arg;
    s->retry_timer = NULL;
    if (s->in_flight)
        wake_fetch(s);
    else
        session_fetch(s);
}

static void retry_later(session *s, int64_t ms)
{
    if (!s->retry_timer)
        brook_loop_timer_add(s->b->loop, ms, retry_due, s, &s->retry_timer);
}

static session *find_session(brook_replica_fetcher *f, int32_t leader)
{
    for (session *s = f ? f->sessions : NULL; s; s = s->next)
        if (s->leader == leader)
            return s;
    return NULL;
}

static int session_index(const session *s, const brook_partition *p)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->parts[i].p == p)
            return (int)i;
    return -1;
}

/* The leader's inter-broker listener, as it registered it. */
static int leader_address(const session *s, const char **host, int32_t *port)
{
    return brook_membership_peer_address(s->b, s->leader, host, port);
}

/* ---- the answer ---------------------------------------------------------- */

/* Where a follower whose log diverged must cut it: the leader's end of
 * that epoch, or its own end of it when that comes first (KIP-279). */
static void truncate_diverged(brook_partition *p, int32_t epoch, int64_t leader_end)
{
    int32_t found;
    int64_t local_end;
    brook_partition_epoch_end(p, epoch, &found, &local_end);
    int64_t to = local_end >= 0 && local_end < leader_end ? local_end : leader_end;
    if (to < 0)
        to = 0;
    brook_err e = brook_partition_truncate(p, to);
    if (e)
        log_error("partition %s-%d: cannot truncate to %lld after the leader's epoch %d: %s", p->topic->name, p->index,
                  (long long)to, epoch, brook_err_str(e));
}

/* What the leader answered for `p`; 0 when it went well. */
static int apply_answer(session *s, brook_partition *p, const char *name, const msgpack_object *m)
{
    const msgpack_object *batches = brook_peer_field(m, "batches");
    brook_err err = (brook_err)brook_peer_int(m, "error", BROOK_ERR_CORRUPT);
    int64_t leader_start = brook_peer_int(m, "log_start_offset", -1), start, end;
    if (err == BROOK_ERR_OUT_OF_RANGE && !brook_partition_offsets(p, &start, &end) && leader_start > end) {
        /* the leader no longer has what comes next here (retention,
         * DeleteRecords): start afresh where its log starts (Kafka too) */
        log_warn("partition %s-%d: leader %d's log starts at %lld, past this replica's end %lld: starting there", name,
                 p->index, s->leader, (long long)leader_start, (long long)end);
        return brook_partition_delete_before(p, leader_start) ? -1 : 0;
    }
    if (err) {
        /* epochs, leadership or the topic itself not settled yet on one
         * side (each learns from its own watch): the records will tell */
        if (err != BROOK_ERR_FENCED_LEADER_EPOCH && err != BROOK_ERR_UNKNOWN_LEADER_EPOCH &&
            err != BROOK_ERR_NOT_LEADER && err != BROOK_ERR_NOT_FOUND && err != BROOK_ERR_LEADER_NOT_AVAILABLE)
            log_warn("partition %s-%d: fetching from leader %d: %s", name, p->index, s->leader, brook_err_str(err));
        return -1;
    }
    int64_t diverging_epoch = brook_peer_int(m, "diverging_epoch", -1);
    if (diverging_epoch >= 0) {
        truncate_diverged(p, (int32_t)diverging_epoch, brook_peer_int(m, "diverging_end_offset", 0));
        return 0;
    }
    const uint8_t *data = batches && batches->type == MSGPACK_OBJECT_BIN ? (const uint8_t *)batches->via.bin.ptr : NULL;
    size_t len = data ? batches->via.bin.size : 0;
    if (len && follower_throttles(s->b, p)) {
        brook_quota_spend(&s->b->follower_quota, (int64_t)len, brook_loop_now(s->b->loop));
        brook_metric_add(s->b->m.cluster_throttled_follower_bytes_total, (int64_t)len);
    }
    err = brook_partition_append_from_leader(p, data, len, brook_peer_int(m, "high_watermark", 0));
    if (err) {
        log_error("partition %s-%d: cannot append what leader %d sent: %s", name, p->index, s->leader,
                  brook_err_str(err));
        return -1;
    }
    /* the leader's start moved (DeleteRecords): this copy follows, as far
     * as it holds records */
    if (!brook_partition_offsets(p, &start, &end) && leader_start > start && leader_start <= end &&
        (err = brook_partition_delete_before(p, leader_start)) && err != BROOK_ERR_UNSUPPORTED)
        log_warn("partition %s-%d: cannot move the log start to the leader's %lld: %s", name, p->index,
                 (long long)leader_start, brook_err_str(err));
    return 0;
}

/* One partition's part of the answer. A partition that failed sits out
 * the next fetches for RETRY_MS: an error answers a fetch at once, so one
 * partition's lasting error would otherwise spin the whole session. */
static void apply_partition(session *s, const msgpack_object *m)
{
    const msgpack_object *topic = brook_peer_field(m, "topic");
    if (!topic || topic->type != MSGPACK_OBJECT_STR || topic->via.str.size > BROOK_TOPIC_NAME_MAX)
        return;
    char name[BROOK_TOPIC_NAME_MAX + 1];
    memcpy(name, topic->via.str.ptr, topic->via.str.size);
    name[topic->via.str.size] = '\0';
    int64_t index = brook_peer_int(m, "partition", -1);
    brook_topic *t = brook_topics_find(&s->b->topics, name);
    if (!t || index < 0 || index >= t->partition_count || !t->partitions[index])
        return; /* gone meanwhile */
    brook_partition *p = t->partitions[index];
    int i = session_index(s, p);
    if (i < 0 || p->role != BROOK_ROLE_FOLLOWER || p->leader_id != s->leader)
        return; /* no longer fetched from this leader */
    if (apply_answer(s, p, name, m))
        s->parts[i].retry_at = brook_loop_now(s->b->loop) + RETRY_MS;
}

/* A fetch failed whole; it is tried again after RECONNECT_MS. The first
 * of a run is logged (by the link when `link_logged`), the rest once a
 * REPORT_EVERY_MS: a leader that stays out of reach, or refuses this
 * broker's certificate, would otherwise fill the log twice a second. */
static void fetch_failed(session *s, const char *why, int link_logged)
{
    brook_metric_add(s->b->m.cluster_replica_fetch_failures_total, 1);
    int64_t now = brook_loop_now(s->b->loop);
    if (s->failures++ == 0) {
        s->last_report_ms = now;
        if (!link_logged)
            log_warn("cluster: fetching from leader %d failed: %s", s->leader, why);
    } else if (now - s->last_report_ms >= REPORT_EVERY_MS) {
        s->last_report_ms = now;
        log_warn("cluster: fetching from leader %d still fails (%d attempts): %s", s->leader, s->failures, why);
    }
    later(s, RECONNECT_MS);
}

static void fetch_succeeded(session *s)
{
    if (s->failures > 1)
        log_info("cluster: fetching from leader %d again, after %d failed attempts", s->leader, s->failures);
    s->failures = 0;
}

static void fetched(void *arg, brook_err err, const msgpack_object *resp)
{
    session *s = arg;
    s->in_flight = s->woken = 0;
    if (err == BROOK_ERR_SHUTDOWN)
        return; /* the link is being freed */
    if (err || !resp) {
        const char *why = s->link ? brook_peer_link_why(s->link) : "";
        fetch_failed(s, *why ? why : brook_err_str(err), 1);
        return;
    }
    brook_err top = (brook_err)brook_peer_int(resp, "error", BROOK_ERR_CORRUPT);
    const msgpack_object *parts = brook_peer_field(resp, "partitions");
    if (top || !parts || parts->type != MSGPACK_OBJECT_ARRAY) {
        const msgpack_object *msg = brook_peer_field(resp, "message");
        char why[320];
        snprintf(why, sizeof why, "refused: %s%s%.*s", brook_err_str(top), msg ? ": " : "",
                 msg && msg->type == MSGPACK_OBJECT_STR ? (int)msg->via.str.size : 0,
                 msg && msg->type == MSGPACK_OBJECT_STR ? msg->via.str.ptr : "");
        fetch_failed(s, why, 0);
        return;
    }
    fetch_succeeded(s);
    /* a new leader epoch seen by many partitions at once (a leader
     * changed): their checkpoints share one sync */
    brook_leader_epochs_batch_begin();
    for (uint32_t i = 0; i < parts->via.array.size; i++)
        apply_partition(s, &parts->via.array.ptr[i]);
    if (brook_leader_epochs_batch_end(s->b->st->data_dir))
        log_error("cluster: leader-epoch checkpoints of replicas fetched from %d may not be on disk (see above)",
                  s->leader);
    session_fetch(s);
}

/* ---- the request ------------------------------------------------------------ */

static void pack_partition(msgpack_packer *pk, brook_partition *p, int32_t max_bytes)
{
    int64_t start = 0, end = 0;
    brook_partition_offsets(p, &start, &end);
    msgpack_pack_map(pk, 7);
    msgpack_pack_str_with_body(pk, "topic", 5);
    msgpack_pack_str_with_body(pk, p->topic->name, strlen(p->topic->name));
    msgpack_pack_str_with_body(pk, "partition", 9);
    msgpack_pack_int32(pk, p->index);
    msgpack_pack_str_with_body(pk, "offset", 6);
    msgpack_pack_int64(pk, end);
    msgpack_pack_str_with_body(pk, "current_leader_epoch", 20);
    msgpack_pack_int32(pk, p->leader_epoch);
    msgpack_pack_str_with_body(pk, "last_fetched_epoch", 18);
    msgpack_pack_int32(pk, brook_leader_epochs_latest(&p->epochs));
    msgpack_pack_str_with_body(pk, "max_bytes", 9);
    msgpack_pack_int32(pk, max_bytes);
    /* the leader answers DeleteRecords once its replicas' starts moved */
    msgpack_pack_str_with_body(pk, "log_start_offset", 16);
    msgpack_pack_int64(pk, start);
}

static msgpack_packer *begin_fetch(session *s, int64_t max_wait_ms, uint32_t partitions)
{
    msgpack_packer *pk = brook_peer_request_begin(s->link, "replica_fetch", 5);
    msgpack_pack_str_with_body(pk, "replica_id", 10);
    msgpack_pack_int32(pk, s->b->st->broker_id);
    msgpack_pack_str_with_body(pk, "max_wait_ms", 11);
    msgpack_pack_int64(pk, max_wait_ms);
    msgpack_pack_str_with_body(pk, "min_bytes", 9);
    msgpack_pack_int32(pk, 1);
    msgpack_pack_str_with_body(pk, "max_bytes", 9);
    msgpack_pack_int32(pk, RESPONSE_MAX_BYTES);
    msgpack_pack_str_with_body(pk, "partitions", 10);
    msgpack_pack_array(pk, partitions);
    return pk;
}

static void session_fetch(session *s)
{
    brook_broker *b = s->b;
    if (s->in_flight || s->timer || !s->count || b->stopping)
        return;
    if (s->link && brook_peer_link_broken(s->link)) {
        brook_peer_link_free(s->link);
        s->link = NULL;
    }
    if (!s->link) {
        const char *host;
        int32_t port;
        if (leader_address(s, &host, &port) ||
            brook_peer_link_new(b->loop, host, port, (size_t)b->st->max_frame_bytes, b->peer_tls, &s->link)) {
            later(s, RECONNECT_MS); /* not registered (yet), or no socket */
            return;
        }
        if (s->failures)
            brook_peer_link_quiet(s->link); /* fetch_failed reports the run */
    }
    int64_t now = brook_loop_now(b->loop), next_retry = INT64_MAX;
    /* the follower throttle's budget for this fetch, shared by its throttled partitions */
    int64_t budget = brook_quota_available(&b->follower_quota, now);
    int held_back = 0;
    uint32_t ready = 0;
    for (size_t i = 0; i < s->count; i++) {
        member *m = &s->parts[i];
        m->held_back = m->retry_at <= now && !budget && follower_throttles(b, m->p);
        held_back |= m->held_back;
        if (m->retry_at <= now)
            ready += !m->held_back;
        else if (m->retry_at < next_retry)
            next_retry = m->retry_at;
    }
    if (held_back) /* asked again once the throttle allows more */
        next_retry = MIN(next_retry, now + brook_quota_wait_ms(&b->follower_quota, now));
    if (next_retry != INT64_MAX)
        retry_later(s, next_retry - now);
    if (!ready)
        return;
    int64_t wait = held_back ? MIN(b->st->replica_fetch_wait_ms, next_retry - now) : b->st->replica_fetch_wait_ms;
    msgpack_packer *pk = begin_fetch(s, wait, ready);
    for (size_t i = 0; i < s->count; i++)
        if (s->parts[i].retry_at <= now && !s->parts[i].held_back)
            pack_partition(pk, s->parts[i].p,
                           follower_throttles(b, s->parts[i].p) ? (int32_t)MIN(budget, PARTITION_MAX_BYTES)
                                                                : PARTITION_MAX_BYTES);
    /* the leader holds it up to replica_fetch_wait_ms; a link silent well past that is dead */
    if (brook_peer_request_end(s->link, b->st->replica_fetch_wait_ms + b->st->lease_ttl_ms, fetched, s))
        later(s, RECONNECT_MS);
    else
        s->in_flight = 1;
}

static void woken(void *arg, brook_err err, const msgpack_object *resp)
{
    (void)arg, (void)err, (void)resp; /* the fetch it ended has its own answer */
}

/* The fetch in flight does not name a partition just followed, and its
 * leader may hold it for replica_fetch_wait_ms: a request behind it on the
 * link ends it (the leader answers a parked fetch early when a later request
 * waits on its connection), and the next fetch names the partition. The
 * wake-up is a fetch of nothing that asks for no wait. */
static void wake_fetch(session *s)
{
    if (!s->in_flight || s->woken || !s->link || brook_peer_link_broken(s->link))
        return;
    begin_fetch(s, 0, 0);
    if (!brook_peer_request_end(s->link, s->b->st->lease_ttl_ms, woken, s))
        s->woken = 1;
}

/* ---- following ---------------------------------------------------------------- */

static void session_free(session *s)
{
    if (s->timer)
        brook_loop_timer_cancel(s->b->loop, s->timer);
    if (s->retry_timer)
        brook_loop_timer_cancel(s->b->loop, s->retry_timer);
    if (s->link)
        brook_peer_link_free(s->link); /* answers the fetch in flight with SHUTDOWN */
    free(s->parts);
    free(s);
}

static void drop_session(brook_replica_fetcher *f, session *s)
{
    for (session **at = &f->sessions; *at; at = &(*at)->next)
        if (*at == s) {
            *at = s->next;
            break;
        }
    session_free(s);
}

void brook_replica_fetcher_unfollow(brook_broker *b, brook_partition *p)
{
    brook_replica_fetcher *f = get_fetcher(b, 0);
    for (session *s = f ? f->sessions : NULL, *next; s; s = next) {
        next = s->next;
        int i = session_index(s, p);
        if (i < 0)
            continue;
        s->parts[i] = s->parts[--s->count];
        if (!s->count)
            drop_session(f, s);
    }
}

void brook_replica_fetcher_follow(brook_broker *b, brook_partition *p)
{
    brook_replica_fetcher *f = get_fetcher(b, 1);
    session *s = find_session(f, p->leader_id);
    if (s && session_index(s, p) >= 0)
        return;
    brook_replica_fetcher_unfollow(b, p);
    if (p->leader_id < 0 || !f)
        return;
    if (!s) {
        if (!(s = calloc(1, sizeof *s))) {
            log_error("partition %s-%d: out of memory to follow broker %d", p->topic->name, p->index, p->leader_id);
            return;
        }
        *s = (session){.next = f->sessions, .b = b, .leader = p->leader_id};
        f->sessions = s;
    }
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        member *more = realloc(s->parts, sizeof *more * cap);
        if (!more) {
            log_error("partition %s-%d: out of memory to follow broker %d", p->topic->name, p->index, p->leader_id);
            if (!s->count)
                drop_session(f, s);
            return;
        }
        s->parts = more;
        s->cap = cap;
    }
    s->parts[s->count++] = (member){.p = p};
    if (s->in_flight)
        wake_fetch(s); /* the fetch in flight does not name it */
    else
        session_fetch(s);
}

void brook_replica_fetcher_stop(brook_broker *b)
{
    brook_replica_fetcher *f = get_fetcher(b, 0);
    if (!f)
        return;
    while (f->sessions)
        drop_session(f, f->sessions);
    free(f);
    b->fetcher = NULL;
}
