/* replication-none: a single replica per partition. A record is committed
 * as soon as the leader's storage made it durable, so the high watermark
 * follows the durable log end. There are no followers: the broker refuses
 * to make a partition follow with this strategy (no become_follower). */
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

static brook_err none_become_leader(void *rp, const brook_leadership *l)
{
    replica *r = rp;
    if (l->replica_count > 1)
        return BROOK_ERR_INVALID_REPLICATION; /* more replicas need a real strategy */
    int64_t start, end, durable, hw;
    r->ctx->log_offsets(r->ctx->partition_handle, &start, &end, &durable, &hw);
    r->ctx->committed(r->ctx->partition_handle, durable); /* all it holds durably is committed */
    return BROOK_OK;
}

static void none_leader_appended(void *rp, int64_t log_end)
{
    (void)rp;
    (void)log_end; /* nobody to copy it to: wait for durability */
}

static void none_leader_durable(void *rp, int64_t durable_end)
{
    replica *r = rp;
    r->ctx->committed(r->ctx->partition_handle, durable_end);
}

static const brook_replication_ops ops = {
    .partition_open = none_open,
    .partition_close = none_close,
    .become_leader = none_become_leader,
    .leader_appended = none_leader_appended,
    .leader_durable = none_leader_durable,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_REPLICATION, brook_replication_ops, ops, .name = "none", .version = "2.0.0",
                        .description = "single replica: committed once durable on the leader", .init = none_init,
                        .fini = none_fini);
