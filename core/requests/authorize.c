/* The core's single door to the authorizers: once per resource per
 * request, asking the chain in configuration order until one decides. */
#include "broker.h"
#include "conn.h"
#include "handlers.h"
#include "log.h"

static const char *operation_name(brook_auth_operation op)
{
    static const char *const names[] = {"?",      "READ",     "WRITE", "CREATE",
                                        "DELETE", "DESCRIBE", "ALTER", "CLUSTER_ACTION"};
    return (unsigned)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

static const char *resource_name(brook_resource_type type)
{
    return type == BROOK_RESOURCE_TOPIC     ? "topic"
           : type == BROOK_RESOURCE_GROUP   ? "group"
           : type == BROOK_RESOURCE_CLUSTER ? "cluster"
                                            : "resource";
}

/* The chain's decision; a denial logged when `log_denial`. */
static brook_err decide(brook_req *req, brook_auth_operation op, brook_resource_type type, const char *name,
                        int log_denial)
{
    const brook_plugin_set *set = &req->broker->plugins;
    if (set->authorizer_count == 0)
        return BROOK_OK;
    brook_authz_request ar = {
        .principal = req->pub.principal ? req->pub.principal : BROOK_PRINCIPAL_ANONYMOUS,
        .peer = req->conn ? &req->conn->peer : NULL,
        .operation = op,
        .resource_type = type,
        .resource_name = name,
        .question = !log_denial,
    };
    const char *decided_by = "every authorizer deferred";
    for (size_t i = 0; i < set->authorizer_count; i++) {
        brook_plugin_instance *authz = set->authorizers[i];
        brook_authz_result result = BROOK_AUTHZ_DENY;
        brook_err e = brook_auth_of(authz)->authorize(authz->state, &ar, &result);
        if (!e && result == BROOK_AUTHZ_ALLOW)
            return BROOK_OK;
        if (e || result != BROOK_AUTHZ_DEFER) {
            decided_by = authz->log_name;
            break;
        }
    }
    if (log_denial)
        log_info("denied %s %s on %s \"%s\" from %s (%s)", ar.principal, operation_name(op), resource_name(type), name,
                 req->conn ? req->conn->address : "?", decided_by);
    return BROOK_ERR_DENIED;
}

brook_err brook_authorize(brook_req *req, brook_auth_operation op, brook_resource_type type, const char *name)
{
    return decide(req, op, type, name, 1);
}

brook_err brook_authorize_quietly(brook_req *req, brook_auth_operation op, brook_resource_type type, const char *name)
{
    return decide(req, op, type, name, 0);
}

uint32_t brook_authorized_ops(brook_req *req, brook_resource_type type, const char *name)
{
    /* the operations that mean something for each type (Kafka's lists) */
    static const brook_auth_operation topic[] = {BROOK_OP_READ,   BROOK_OP_WRITE,    BROOK_OP_CREATE,
                                                 BROOK_OP_DELETE, BROOK_OP_DESCRIBE, BROOK_OP_ALTER};
    static const brook_auth_operation group[] = {BROOK_OP_READ, BROOK_OP_DESCRIBE, BROOK_OP_DELETE};
    static const brook_auth_operation cluster[] = {BROOK_OP_CREATE, BROOK_OP_ALTER, BROOK_OP_DESCRIBE,
                                                   BROOK_OP_CLUSTER_ACTION, BROOK_OP_WRITE};
    const brook_auth_operation *ops = type == BROOK_RESOURCE_TOPIC   ? topic
                                      : type == BROOK_RESOURCE_GROUP ? group
                                                                     : cluster;
    size_t n = type == BROOK_RESOURCE_TOPIC   ? sizeof topic / sizeof topic[0]
               : type == BROOK_RESOURCE_GROUP ? sizeof group / sizeof group[0]
                                              : sizeof cluster / sizeof cluster[0];
    uint32_t allowed = 0;
    for (size_t i = 0; i < n; i++)
        if (!brook_authorize_quietly(req, ops[i], type, name))
            allowed |= BROOK_OP_BIT(ops[i]);
    return allowed;
}
