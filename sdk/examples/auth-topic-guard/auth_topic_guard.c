/* auth-topic-guard: an example authorizer built outside Brook's tree,
 * against the installed SDK only (see README.md next to this file).
 *
 * Topics whose name starts with `read_only_prefix` are read-only for all
 * principals but the ones listed in `writers` (comma-separated, e.g.
 * "User:ingest"): their writes are denied. Everything else is deferred to
 * the next authorizer in the chain (auth-acl, or auth-anonymous to allow
 * it), so the guard adds one rule in front of a general policy. */
#include <stdlib.h>
#include <string.h>

#include <brook/auth.h>
#include <brook/plugin.h>

typedef struct guard {
    const brook_host *host;
    const char *prefix;
    const char *writers;
    brook_metric *denied;
} guard;

static const brook_option options[] = {
    BROOK_OPTION_STRING("read_only_prefix", "readonly.", "topics with this prefix are read-only"),
    BROOK_OPTION_STRING("writers", "", "comma-separated principals that may still write to them"),
    BROOK_OPTION_END,
};

static brook_err guard_init(const brook_host *host, void **state)
{
    guard *g = calloc(1, sizeof *g);
    if (!g)
        return BROOK_ERR_NOMEM;
    g->host = host;
    host->config_string(host, "read_only_prefix", &g->prefix);
    host->config_string(host, "writers", &g->writers);
    if (!g->prefix[0]) {
        host->log(host, BROOK_LOG_ERROR, "read_only_prefix must not be empty");
        free(g);
        return BROOK_ERR_INVALID;
    }
    host->metric_register(host, "denied_total", BROOK_METRIC_COUNTER, "writes refused", &g->denied);
    host->log(host, BROOK_LOG_INFO, "topics starting with \"%s\" are read-only", g->prefix);
    *state = g;
    return BROOK_OK;
}

static void guard_fini(void *state)
{
    free(state);
}

/* Is `principal` one of the comma-separated `list`? */
static int listed(const char *list, const char *principal)
{
    size_t len = strlen(principal);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, principal, n) == 0)
            return 1;
        p += n + (end ? 1 : 0);
    }
    return 0;
}

static brook_err guard_authorize(void *state, const brook_authz_request *req, brook_authz_result *result)
{
    guard *g = state;
    *result = BROOK_AUTHZ_DEFER;
    if (req->operation == BROOK_OP_WRITE && req->resource_type == BROOK_RESOURCE_TOPIC &&
        strncmp(req->resource_name, g->prefix, strlen(g->prefix)) == 0 && !listed(g->writers, req->principal)) {
        *result = BROOK_AUTHZ_DENY;
        if (!req->question) /* the core only asking what is allowed: not a refused write */
            g->host->metric_add(g->denied, 1);
    }
    return BROOK_OK;
}

static const brook_auth_ops ops = {
    .mechanisms = NULL,
    .authorize = guard_authorize,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_AUTH, brook_auth_ops, ops, .name = "topic-guard", .version = "1.0.0",
                        .description = "read-only topics by name prefix, in front of another authorizer (SDK example)",
                        .options = options, .init = guard_init, .fini = guard_fini);
