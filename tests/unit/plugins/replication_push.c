/* replication-push: a test strategy that drives replication itself, the
 * way a consensus (Raft-style) strategy does, to prove the SDK's
 * leader_append path: the leader asks its followers before appending a
 * produce (leader_append -> a "propose" message); once a majority agreed
 * it appends (ctx->append_accept), reads the appended batches back
 * (ctx->read) and pushes them to the followers ("entries"), which append
 * them as they are (ctx->append_replica) and answer with their log end
 * ("ack"); the record is committed when a majority holds it. Followers
 * that know a newer leader epoch than the proposal's refuse it ("nack"),
 * so a leader cut off from a newer leadership cannot append at all, where
 * the default path would append and have the tail truncated later. Not a
 * real consensus protocol: no terms of its own, no elections, no log
 * matching; memory slices only. Built for test_replication only. */
#include <stdlib.h>
#include <string.h>

#include <brook/batch.h>
#include <brook/plugin.h>
#include <brook/replication.h>

enum { MSG_PROPOSE = 1, MSG_AGREE, MSG_NACK, MSG_ENTRIES, MSG_ACK };

#define MAX_PEERS   8
#define MAX_PENDING 64

typedef struct pending {
    void *token;
    int agreed; /* followers that agreed */
    int refused;
} pending;

typedef struct replica {
    const brook_replica_ctx *ctx;
    int leading;
    int32_t epoch;
    int32_t peers[MAX_PEERS];
    int64_t acked[MAX_PEERS]; /* each follower's log end, as it acknowledged */
    int peer_count;
    pending queue[MAX_PENDING]; /* proposals in order */
    int queued;
} replica;

static brook_err push_init(const brook_host *host, void **state)
{
    *state = (void *)host;
    return BROOK_OK;
}

static void push_fini(void *state)
{
    (void)state;
}

static void send(replica *r, int32_t to, uint8_t type, int64_t value, const uint8_t *data, size_t len)
{
    uint8_t *msg = malloc(9 + len);
    if (!msg)
        return;
    msg[0] = type;
    brook_put_be64(msg + 1, (uint64_t)value);
    if (len)
        memcpy(msg + 9, data, len);
    r->ctx->send_to_peer(r->ctx->partition_handle, to, msg, 9 + len);
    free(msg);
}

static int majority(const replica *r)
{
    return (r->peer_count + 1) / 2 + 1; /* of all replicas, the leader included */
}

/* The commit: what a majority (the leader and enough followers) holds. */
static void advance(replica *r)
{
    int64_t start, end, durable, hw;
    r->ctx->log_offsets(r->ctx->partition_handle, &start, &end, &durable, &hw);
    int need = majority(r) - 1;
    for (int64_t candidate = durable; candidate > hw; candidate--) {
        int have = 0;
        for (int i = 0; i < r->peer_count; i++)
            have += r->acked[i] >= candidate;
        if (have >= need) {
            r->ctx->committed(r->ctx->partition_handle, candidate);
            return;
        }
    }
}

/* Decide the oldest proposals in order, once their votes are in. */
static void decide(replica *r)
{
    while (r->queued) {
        pending *p = &r->queue[0];
        void *token = p->token;
        if (p->refused > r->peer_count - (majority(r) - 1)) { /* a majority can no longer agree */
            r->ctx->append_refuse(r->ctx->partition_handle, token, BROOK_ERR_NOT_LEADER);
        } else if (p->agreed + 1 >= majority(r)) {
            int64_t start, before, durable, hw;
            r->ctx->log_offsets(r->ctx->partition_handle, &start, &before, &durable, &hw);
            r->ctx->append_accept(r->ctx->partition_handle, token, r->epoch);
            brook_slice slices[16];
            size_t n, bytes;
            if (r->ctx->read(r->ctx->partition_handle, before, 1 << 20, slices, 16, &n, &bytes) == BROOK_OK) {
                for (size_t i = 0; i < n; i++) {
                    for (int k = 0; k < r->peer_count; k++)
                        send(r, r->peers[k], MSG_ENTRIES, 0, slices[i].data, slices[i].len);
                    if (slices[i].release)
                        slices[i].release(slices[i].owner);
                }
            }
        } else {
            return;
        }
        memmove(r->queue, r->queue + 1, sizeof *p * (size_t)--r->queued);
    }
}

static void push_leader_append(void *rp, void *token, size_t len)
{
    replica *r = rp;
    (void)len;
    if (!r->leading || r->queued == MAX_PENDING) {
        r->ctx->append_refuse(r->ctx->partition_handle, token, BROOK_ERR_NOT_LEADER);
        return;
    }
    r->queue[r->queued++] = (pending){.token = token};
    for (int k = 0; k < r->peer_count; k++)
        send(r, r->peers[k], MSG_PROPOSE, r->epoch, NULL, 0);
    decide(r); /* a lone replica agrees with itself */
}

static void push_peer_message(void *rp, int32_t from, const uint8_t *msg, size_t len)
{
    replica *r = rp;
    if (len < 9)
        return;
    int64_t value = (int64_t)brook_be64(msg + 1);
    switch (msg[0]) {
    case MSG_PROPOSE: /* a follower refuses a leader older than the one it knows */
        send(r, from, value < r->epoch ? MSG_NACK : MSG_AGREE, 0, NULL, 0);
        break;
    case MSG_AGREE:
    case MSG_NACK:
        for (int i = 0; i < r->queued; i++) {
            pending *p = &r->queue[i];
            if (p->agreed + p->refused < r->peer_count) { /* the oldest this peer has not answered */
                if (msg[0] == MSG_AGREE)
                    p->agreed++;
                else
                    p->refused++;
                break;
            }
        }
        decide(r);
        break;
    case MSG_ENTRIES:
        if (r->ctx->append_replica(r->ctx->partition_handle, msg + 9, len - 9) == BROOK_OK) {
            int64_t start, end, durable, hw;
            r->ctx->log_offsets(r->ctx->partition_handle, &start, &end, &durable, &hw);
            send(r, from, MSG_ACK, end, NULL, 0);
        }
        break;
    case MSG_ACK:
        for (int i = 0; i < r->peer_count; i++)
            if (r->peers[i] == from && value > r->acked[i])
                r->acked[i] = value;
        advance(r);
        break;
    }
}

static brook_err adopt(replica *r, const brook_leadership *l)
{
    r->epoch = l->leader_epoch;
    r->peer_count = 0;
    for (int32_t i = 0; i < l->replica_count && r->peer_count < MAX_PEERS; i++)
        if (l->replicas[i] != r->ctx->local_broker_id) {
            r->acked[r->peer_count] = -1;
            r->peers[r->peer_count++] = l->replicas[i];
        }
    return BROOK_OK;
}

static brook_err push_become_leader(void *rp, const brook_leadership *l)
{
    replica *r = rp;
    r->leading = 1;
    return adopt(r, l);
}

static brook_err push_become_follower(void *rp, const brook_leadership *l)
{
    replica *r = rp;
    r->leading = 0;
    while (r->queued) /* proposals of a leadership that ended */
        r->ctx->append_refuse(r->ctx->partition_handle, r->queue[--r->queued].token, BROOK_ERR_NOT_LEADER);
    return adopt(r, l);
}

static void push_leader_appended(void *rp, int64_t log_end)
{
    (void)rp;
    (void)log_end;
}

static void push_leader_durable(void *rp, int64_t durable_end)
{
    (void)durable_end;
    advance(rp);
}

static brook_err push_open(void *state, const brook_replica_ctx *ctx, void **out)
{
    (void)state;
    replica *r = calloc(1, sizeof *r);
    if (!r)
        return BROOK_ERR_NOMEM;
    r->ctx = ctx;
    *out = r;
    return BROOK_OK;
}

static void push_close(void *rp)
{
    replica *r = rp;
    while (r->queued) /* the SDK's rule: every token answered before close returns */
        r->ctx->append_refuse(r->ctx->partition_handle, r->queue[--r->queued].token, BROOK_ERR_SHUTDOWN);
    free(r);
}

static const brook_replication_ops ops = {
    .partition_open = push_open,
    .partition_close = push_close,
    .become_leader = push_become_leader,
    .leader_appended = push_leader_appended,
    .leader_durable = push_leader_durable,
    .become_follower = push_become_follower,
    .peer_message = push_peer_message,
    .leader_append = push_leader_append,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_REPLICATION, brook_replication_ops, ops, .name = "push", .version = "0.0.1",
                        .description = "test strategy: the leader proposes, appends and pushes entries itself",
                        .init = push_init, .fini = push_fini);
