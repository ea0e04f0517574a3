/* replication-none: a single replica per partition. A record is committed
 * as soon as the leader's storage made it durable, so the high watermark
 * follows the durable log end. Followers do not exist. */
#include <stdlib.h>

#include <brook/plugin.h>
#include <brook/replication.h>

typedef struct replica {
    const brook_replica_ctx *ctx;
} replica;

static brook_err none_init(const brook_host *host, void **state)
{
    *state = (void *)host;
    return BROOK_OK;
}

static void none_fini(void *state)
{
    (void)state;
}

static brook_err none_open(void *state, const brook_replica_ctx *ctx, void **out)
{
    (void)state;
    replica *r = malloc(sizeof *r);
    if (!r)
        return BROOK_ERR_NOMEM;
    r->ctx = ctx;
    *out = r;
    return BROOK_OK;
}

static void none_close(void *rp)
{
    free(rp);
}

static void none_leader_appended(void *rp, int64_t log_end_offset)
{
    replica *r = rp;
    r->ctx->committed(r->ctx->partition_handle, log_end_offset);
}

static void none_follower_fetched(void *rp, int32_t broker_id, int64_t fetch_offset)
{
    (void)rp;
    (void)broker_id;
    (void)fetch_offset;
}

static brook_err none_become_leader(void *rp, int32_t epoch)
{
    (void)rp;
    (void)epoch;
    return BROOK_OK;
}

static brook_err none_become_follower(void *rp, int32_t leader, int32_t epoch)
{
    (void)rp;
    (void)leader;
    (void)epoch;
    return BROOK_ERR_UNSUPPORTED; /* one replica: there is nobody to follow */
}

static void none_follower_appended(void *rp, int64_t log_end_offset, int64_t leader_hw)
{
    (void)rp;
    (void)log_end_offset;
    (void)leader_hw;
}

static const brook_replication_ops ops = {
    .partition_open = none_open,
    .partition_close = none_close,
    .leader_appended = none_leader_appended,
    .follower_fetched = none_follower_fetched,
    .become_leader = none_become_leader,
    .become_follower = none_become_follower,
    .follower_appended = none_follower_appended,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_REPLICATION, brook_replication_ops, ops, .name = "none", .version = "1.0.0",
                        .description = "single replica: committed once durable on the leader", .init = none_init,
                        .fini = none_fini);
