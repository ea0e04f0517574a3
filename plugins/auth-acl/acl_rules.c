#include "acl_rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const op_names[] = {"ALL",    "READ",     "WRITE", "CREATE",
                                       "DELETE", "DESCRIBE", "ALTER", "CLUSTER_ACTION"};

static int parse_op(const char *s)
{
    for (int i = 0; i < (int)(sizeof op_names / sizeof op_names[0]); i++)
        if (strcasecmp(s, op_names[i]) == 0)
            return i; /* 0 = ALL, then the brook_auth_operation values in order */
    return -1;
}

static int parse_type(const char *s)
{
    if (strcasecmp(s, "topic") == 0)
        return BROOK_RESOURCE_TOPIC;
    if (strcasecmp(s, "group") == 0)
        return BROOK_RESOURCE_GROUP;
    if (strcasecmp(s, "cluster") == 0)
        return BROOK_RESOURCE_CLUSTER;
    return -1;
}

static void free_rule(acl_rule *r)
{
    free(r->principal);
    free(r->host);
    free(r->name);
}

void acl_rules_free(acl_rules *rules)
{
    for (size_t i = 0; i < rules->count; i++)
        free_rule(&rules->rules[i]);
    free(rules->rules);
    rules->rules = NULL;
    rules->count = 0;
}

/* One line into `r`; a message on error. */
static const char *parse_line(char *line, acl_rule *r)
{
    char *f[8];
    int n = 0;
    for (char *save = NULL, *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (n == 7)
            return "too many fields (expected: allow|deny principal host operation type literal|prefixed name)";
        f[n++] = t;
    }
    if (n != 7)
        return "expected 7 fields: allow|deny principal host operation type literal|prefixed name";
    if (strcasecmp(f[0], "allow") && strcasecmp(f[0], "deny"))
        return "the first field must be allow or deny";
    int op = parse_op(f[3]);
    if (op < 0)
        return "unknown operation (READ, WRITE, CREATE, DELETE, DESCRIBE, ALTER, CLUSTER_ACTION or ALL)";
    int type = parse_type(f[4]);
    if (type < 0)
        return "unknown resource type (topic, group or cluster)";
    if (strcasecmp(f[5], "literal") && strcasecmp(f[5], "prefixed"))
        return "the pattern type must be literal or prefixed";
    if (strcmp(f[1], "*") && !strchr(f[1], ':'))
        return "a principal looks like User:alice (or * for anyone)";
    *r = (acl_rule){.allow = strcasecmp(f[0], "allow") == 0,
                    .principal = strdup(f[1]),
                    .host = strdup(f[2]),
                    .operation = op,
                    .resource_type = type,
                    .prefixed = strcasecmp(f[5], "prefixed") == 0,
                    .name = strdup(f[6])};
    if (!r->principal || !r->host || !r->name) {
        free_rule(r);
        return "out of memory";
    }
    return NULL;
}

int acl_rules_load(const char *path, acl_rules *rules, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    acl_rules out = {0};
    size_t cap = 0;
    char line[2048];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        line[strcspn(line, "\r\n")] = 0;
        if (strspn(line, " \t") == strlen(line))
            continue;
        if (out.count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            acl_rule *n = realloc(out.rules, ncap * sizeof *n);
            if (!n) {
                snprintf(err, errlen, "%s:%d: out of memory", path, lineno);
                rc = -1;
                break;
            }
            out.rules = n;
            cap = ncap;
        }
        const char *why = parse_line(line, &out.rules[out.count]);
        if (why) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
            rc = -1;
            break;
        }
        out.count++;
    }
    fclose(f);
    if (rc) {
        acl_rules_free(&out);
        return rc;
    }
    acl_rules_free(rules);
    *rules = out;
    return 0;
}

static int name_matches(const acl_rule *r, const char *name)
{
    if (strcmp(r->name, "*") == 0)
        return 1;
    if (r->prefixed)
        return strncmp(name, r->name, strlen(r->name)) == 0;
    return strcmp(name, r->name) == 0;
}

static int matches(const acl_rule *r, const char *principal, const char *host, int op, brook_resource_type type,
                   const char *name)
{
    return r->resource_type == (int)type && (r->operation == 0 || r->operation == op) &&
           (strcmp(r->principal, "*") == 0 || strcmp(r->principal, principal) == 0) &&
           (strcmp(r->host, "*") == 0 || strcmp(r->host, host) == 0) && name_matches(r, name);
}

/* Does some rule of this polarity match one of `ops`? */
static int any(const acl_rules *rules, int allow, const char *principal, const char *host, const int *ops, size_t nops,
               brook_resource_type type, const char *name)
{
    for (size_t i = 0; i < rules->count; i++) {
        if (rules->rules[i].allow != allow)
            continue;
        for (size_t k = 0; k < nops; k++)
            if (matches(&rules->rules[i], principal, host, ops[k], type, name))
                return 1;
    }
    return 0;
}

brook_authz_result acl_decide(const acl_rules *rules, const char *const *super_users, size_t super_count,
                              int allow_if_no_acl, const char *principal, const char *host, brook_auth_operation op,
                              brook_resource_type type, const char *name)
{
    for (size_t i = 0; i < super_count; i++)
        if (strcmp(super_users[i], principal) == 0)
            return BROOK_AUTHZ_ALLOW;
    if (any(rules, 0, principal, host, (const int[]){(int)op}, 1, type, name))
        return BROOK_AUTHZ_DENY;
    /* READ, WRITE, DELETE or ALTER allowed imply DESCRIBE */
    static const int describe_implied_by[] = {BROOK_OP_DESCRIBE, BROOK_OP_READ, BROOK_OP_WRITE, BROOK_OP_DELETE,
                                              BROOK_OP_ALTER};
    const int *ops = op == BROOK_OP_DESCRIBE ? describe_implied_by : (const int[]){(int)op};
    size_t nops = op == BROOK_OP_DESCRIBE ? sizeof describe_implied_by / sizeof describe_implied_by[0] : 1;
    if (any(rules, 1, principal, host, ops, nops, type, name))
        return BROOK_AUTHZ_ALLOW;
    if (allow_if_no_acl) {
        /* no rule at all names this resource: open */
        for (size_t i = 0; i < rules->count; i++)
            if (rules->rules[i].resource_type == (int)type && name_matches(&rules->rules[i], name))
                return BROOK_AUTHZ_DENY;
        return BROOK_AUTHZ_ALLOW;
    }
    return BROOK_AUTHZ_DENY;
}
