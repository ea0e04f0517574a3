/* auth-anonymous: the authorizer for deployments without security. Every
 * principal may do everything; it authenticates no SASL mechanism, so
 * clients stay "User:ANONYMOUS". Replace it with auth-acl to restrict. */
#include <brook/auth.h>
#include <brook/plugin.h>

static brook_err anon_init(const brook_host *host, void **state)
{
    *state = (void *)host;
    return BROOK_OK;
}

static void anon_fini(void *state)
{
    (void)state;
}

static brook_err anon_authorize(void *state, const brook_authz_request *req, brook_authz_result *result)
{
    (void)state;
    (void)req;
    *result = BROOK_AUTHZ_ALLOW;
    return BROOK_OK;
}

static const brook_auth_ops ops = {
    .mechanisms = NULL,
    .authorize = anon_authorize,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_AUTH, brook_auth_ops, ops, .name = "anonymous", .version = "1.0.0",
                        .description = "allows everything to everyone (no authentication)", .init = anon_init,
                        .fini = anon_fini);
