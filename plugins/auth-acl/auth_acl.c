/* auth-acl: the authorizer with Kafka-style ACLs, read from a file at start
 * and again on SIGHUP (a file that does not parse keeps the rules in force
 * and logs why), and changed over the protocol (CreateAcls, DeleteAcls,
 * brookctl acls): the file is rewritten in place, comments kept
 * (acl_store.h), and read back at once. Rules and the decision: acl_rules.h. It authenticates no
 * SASL mechanism; principals come from client certificates or from
 * another auth plugin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brook/auth.h>
#include <brook/plugin.h>

#include "acl_filters.h"
#include "acl_rules.h"
#include "acl_store.h"

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
    if (*result != BROOK_AUTHZ_ALLOW && !req->question) /* a question's "no" is not a refused attempt */
        a->host->metric_add(a->denied, 1);
    return BROOK_OK;
}

/* ---- administration: the file changed in place, then read back -------------------- */

/* Rewrite the file (acl_store.h) and put what it now says in force. */
static brook_err store(acl *a, acl_store_drop drop, void *arg, const char *append)
{
    char err[512];
    if (acl_store_rewrite(a->file, drop, arg, append, err, sizeof err) ||
        acl_rules_load(a->file, &a->rules, err, sizeof err)) {
        a->host->log(a->host, BROOK_LOG_ERROR, "ACL change not stored: %s; the %zu rule(s) in force stay", err,
                     a->rules.count);
        return BROOK_ERR_IO;
    }
    return BROOK_OK;
}

/* A new rule's line, and where it stood in the request. */
typedef struct new_line {
    const char *line;
    size_t i;
} new_line;

static int by_line(const void *a, const void *b)
{
    const new_line *x = a, *y = b;
    int c = strcmp(x->line, y->line);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Which of the n formatted lines (NULL: none) repeat an earlier one of
 * them: sorted, the later of two equal lines (a line states every field
 * of its rule). `again` gets 1 for those. */
static int mark_repeats(char *const *lines, size_t n, int *again)
{
    new_line *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (lines[i])
            v[m++] = (new_line){lines[i], i};
    qsort(v, m, sizeof *v, by_line);
    for (size_t k = 1; k < m; k++)
        if (strcmp(v[k].line, v[k - 1].line) == 0)
            again[v[k].i] = 1;
    free(v);
    return 0;
}

static brook_err acl_create(void *state, const brook_acl *acls, size_t count, brook_err *results, const char **messages)
{
    acl *a = state;
    char *text = malloc((count ? count : 1) * ACL_LINE_MAX), **lines = calloc(count ? count : 1, sizeof *lines);
    int *again = calloc(count ? count : 1, sizeof *again);
    brook_err e = text && lines && again ? BROOK_OK : BROOK_ERR_NOMEM;
    for (size_t i = 0; !e && i < count; i++) {
        results[i] = BROOK_OK;
        messages[i] = NULL;
        if (acl_rule_format(&acls[i], text + i * ACL_LINE_MAX, ACL_LINE_MAX)) {
            results[i] = BROOK_ERR_TOO_LARGE;
            messages[i] = "the rule does not fit a line of the ACL file (2047 bytes)";
        } else if (acl_rules_has(&a->rules, &acls[i])) {
            again[i] = 1; /* kept once */
        } else {
            lines[i] = text + i * ACL_LINE_MAX;
        }
    }
    if (!e && mark_repeats(lines, count, again))
        e = BROOK_ERR_NOMEM;
    size_t len = 1, added = 0;
    for (size_t i = 0; !e && i < count; i++)
        len += lines[i] && !again[i] ? strlen(lines[i]) : 0;
    char *append = e ? NULL : malloc(len), *at = append;
    if (!e && !append)
        e = BROOK_ERR_NOMEM;
    for (size_t i = 0; !e && i < count; i++) {
        if (lines[i] && !again[i]) {
            at += sprintf(at, "%s", lines[i]);
            added++;
        }
    }
    if (!e && added)
        e = store(a, NULL, NULL, append);
    free(append);
    free(text);
    free(lines);
    free(again);
    if (!e && added)
        a->host->log(a->host, BROOK_LOG_INFO, "%zu ACL rule(s) added to %s", added, a->file);
    return e;
}

static brook_err acl_list(void *state, const brook_acl *filter, brook_acl_each each, void *arg)
{
    acl *a = state;
    for (size_t i = 0; i < a->rules.count; i++) {
        if (acl_rule_matches(&a->rules.rules[i], filter)) {
            brook_acl v;
            acl_rule_view(&a->rules.rules[i], &v);
            each(arg, 0, &v);
        }
    }
    return BROOK_OK;
}

typedef struct deletion {
    acl_filters *filters;
    brook_acl view; /* the rule being matched, as report() hands it on */
    brook_acl_each each;
    void *arg;
    size_t removed;
} deletion;

static void report(void *arg, size_t filter)
{
    deletion *d = arg;
    d->each(d->arg, filter, &d->view);
}

static int drop_matching(void *arg, const acl_rule *rule)
{
    deletion *d = arg;
    acl_rule_view(rule, &d->view);
    int matched = acl_filters_match(d->filters, rule, report, d) > 0;
    d->removed += matched;
    return matched;
}

static brook_err acl_delete(void *state, const brook_acl *filters, size_t count, brook_acl_each each, void *arg)
{
    acl *a = state;
    deletion d = {.filters = acl_filters_new(filters, count), .each = each, .arg = arg};
    if (!d.filters)
        return BROOK_ERR_NOMEM;
    brook_err e = store(a, drop_matching, &d, NULL);
    if (!e && d.removed)
        a->host->log(a->host, BROOK_LOG_INFO, "%zu ACL rule(s) removed from %s", d.removed, a->file);
    acl_filters_free(d.filters);
    return e;
}

static const brook_auth_ops ops = {
    .mechanisms = NULL,
    .authorize = acl_authorize,
    .reload = acl_reload,
    .acl_create = acl_create,
    .acl_list = acl_list,
    .acl_delete = acl_delete,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_AUTH, brook_auth_ops, ops, .name = "acl", .version = "1.0.0",
                        .description = "Kafka-style ACLs from a file, reloaded on SIGHUP", .options = options,
                        .init = acl_init, .fini = acl_fini, .validate = acl_validate);
