/* The core's single door to the authorizer: once per resource per request. */
#include "broker.h"
#include "conn.h"
#include "handlers.h"
#include "log.h"

brook_err brook_authorize(brook_req *req, brook_auth_operation op, brook_resource_type type, const char *name)
{
    brook_plugin_instance *authz = req->broker->plugins.authorizer;
    if (!authz)
        return BROOK_OK;
    brook_authz_request ar = {
        .principal = req->pub.principal ? req->pub.principal : BROOK_PRINCIPAL_ANONYMOUS,
        .peer = req->conn ? &req->conn->peer : NULL,
        .operation = op,
        .resource_type = type,
        .resource_name = name,
    };
    brook_authz_result result = BROOK_AUTHZ_DENY;
    brook_err e = brook_auth_of(authz)->authorize(authz->state, &ar, &result);
    if (e || result != BROOK_AUTHZ_ALLOW) {
        log_info("denied %s operation %d on resource %d \"%s\" from %s", ar.principal, (int)op, (int)type, name,
                 req->conn ? req->conn->address : "?");
        return BROOK_ERR_DENIED;
    }
    return BROOK_OK;
}
