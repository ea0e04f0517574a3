/* auth-acl: the authorizer with Kafka-style ACLs, read from a file at start
 * and again on SIGHUP (a file that does not parse keeps the rules in force
 * and logs why). Rules and the decision: acl_rules.h. It authenticates no
 * SASL mechanism; principals come from client certificates or from
 * another auth plugin. */
#include <stdlib.h>
#include <string.h>

#include <brook/auth.h>
#include <brook/plugin.h>

#include "acl_rules.h"

#define MAX_SUPER_USERS 64

typedef struct acl {
    const brook_host *host;
    const char *file;
    acl_rules rules;
    char *super_buf;
    const char *super_users[MAX_SUPER_USERS];
    size_t super_count;
    int allow_if_no_acl;
    brook_metric *denied;
} acl;

static const brook_option options[] = {
    BROOK_OPTION_REQUIRED_STRING("file", "the ACL file (format: docs/security.md)"),
    BROOK_OPTION_STRING(
        "super_users", "",
        "principals allowed everything, separated by semicolons as in Kafka (User:admin;User:CN=ops,O=corp)"),
    BROOK_OPTION_BOOL("allow_if_no_acl", "false",
                      "allow access to a resource no rule names (Kafka's allow.everyone.if.no.acl.found)"),
    BROOK_OPTION_END,
};

static brook_err parse_super_users(acl *a, const char *list)
{
    if (!(a->super_buf = strdup(list)))
        return BROOK_ERR_NOMEM;
    for (char *save = NULL, *t = strtok_r(a->super_buf, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
        t += strspn(t, " \t"); /* trim */
        for (size_t n = strlen(t); n && (t[n - 1] == ' ' || t[n - 1] == '\t'); n--)
            t[n - 1] = 0;
        if (!*t)
            continue;
        if (a->super_count == MAX_SUPER_USERS || !strchr(t, ':')) {
            a->host->log(a->host, BROOK_LOG_ERROR, "super_users: \"%s\" %s", t,
                         strchr(t, ':') ? "is one too many (at most 64)" : "is not a principal like User:admin");
            return BROOK_ERR_INVALID;
        }
        a->super_users[a->super_count++] = t;
    }
    return BROOK_OK;
}

static void acl_fini(void *state)
{
    acl *a = state;
    acl_rules_free(&a->rules);
    free(a->super_buf);
    free(a);
}

/* The options and the rules file, parsed into `a` (logged when wrong). */
static brook_err acl_load(const brook_host *host, acl *a)
{
    a->host = host;
    const char *supers;
    host->config_string(host, "file", &a->file);
    host->config_string(host, "super_users", &supers);
    host->config_bool(host, "allow_if_no_acl", &a->allow_if_no_acl);
    brook_err e = parse_super_users(a, supers);
    char err[512];
    if (!e && (!a->file || !*a->file)) {
        host->log(host, BROOK_LOG_ERROR, "file: the ACL file is required");
        e = BROOK_ERR_INVALID;
    }
    if (!e && acl_rules_load(a->file, &a->rules, err, sizeof err)) {
        host->log(host, BROOK_LOG_ERROR, "%s", err);
        e = BROOK_ERR_INVALID;
    }
    return e;
}

static brook_err acl_validate(const brook_host *host)
{
    acl *a = calloc(1, sizeof *a);
    if (!a)
        return BROOK_ERR_NOMEM;
    brook_err e = acl_load(host, a);
    acl_fini(a);
    return e;
}

static brook_err acl_init(const brook_host *host, void **state)
{
    acl *a = calloc(1, sizeof *a);
    if (!a)
        return BROOK_ERR_NOMEM;
    brook_err e = acl_load(host, a);
    if (!e)
        e = host->metric_register(host, "acl_denied_total", BROOK_METRIC_COUNTER, "requests the ACLs denied",
                                  &a->denied);
    if (e) {
        acl_fini(a);
        return e;
    }
    host->log(host, BROOK_LOG_INFO, "%zu ACL rule(s) from %s, %zu super user(s)", a->rules.count, a->file,
              a->super_count);
    *state = a;
    return BROOK_OK;
}

static brook_err acl_reload(void *state)
{
    acl *a = state;
    char err[512];
    if (acl_rules_load(a->file, &a->rules, err, sizeof err)) {
        a->host->log(a->host, BROOK_LOG_ERROR, "reload: %s; the %zu rule(s) in force stay", err, a->rules.count);
        return BROOK_ERR_INVALID;
    }
    a->host->log(a->host, BROOK_LOG_INFO, "reloaded %zu ACL rule(s) from %s", a->rules.count, a->file);
    return BROOK_OK;
}

static brook_err acl_authorize(void *state, const brook_authz_request *req, brook_authz_result *result)
{
    acl *a = state;
    char host[64] = "";
    if (req->peer && req->peer->address) { /* "ip:port" -> "ip" */
        const char *colon = strrchr(req->peer->address, ':');
        size_t n = colon ? (size_t)(colon - req->peer->address) : strlen(req->peer->address);
        if (n >= sizeof host)
            n = sizeof host - 1;
        memcpy(host, req->peer->address, n);
        host[n] = 0;
    }
    *result = acl_decide(&a->rules, a->super_users, a->super_count, a->allow_if_no_acl, req->principal, host,
                         req->operation, req->resource_type, req->resource_name ? req->resource_name : "");
    if (*result != BROOK_AUTHZ_ALLOW)
        a->host->metric_add(a->denied, 1);
    return BROOK_OK;
}

static const brook_auth_ops ops = {
    .mechanisms = NULL,
    .authorize = acl_authorize,
    .reload = acl_reload,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_AUTH, brook_auth_ops, ops, .name = "acl", .version = "1.0.0",
                        .description = "Kafka-style ACLs from a file, reloaded on SIGHUP", .options = options,
                        .init = acl_init, .fini = acl_fini, .validate = acl_validate);
