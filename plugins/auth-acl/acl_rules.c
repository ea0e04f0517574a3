#include "acl_rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acl_index.h"

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
    if (strcasecmp(s, "transactional_id") == 0 || strcasecmp(s, "transactional-id") == 0)
        return BROOK_RESOURCE_TRANSACTIONAL_ID;
    return -1;
}

void acl_rule_free(acl_rule *r)
{
    free(r->principal);
    free(r->host);
    free(r->name);
}

void acl_rules_free(acl_rules *rules)
{
    for (size_t i = 0; i < rules->count; i++)
        acl_rule_free(&rules->rules[i]);
    free(rules->rules);
    acl_index_free(rules->index);
    rules->rules = NULL;
    rules->count = 0;
    rules->index = NULL;
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
        return "unknown resource type (topic, group, cluster or transactional_id)";
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
        acl_rule_free(r);
        return "out of memory";
    }
    return NULL;
}

int acl_rule_parse(char *line, acl_rule *rule, char *err, size_t errlen)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = 0;
    line[strcspn(line, "\r\n")] = 0;
    if (strspn(line, " \t") == strlen(line))
        return 0;
    const char *why = parse_line(line, rule);
    if (why) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    return 1;
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
    char line[ACL_LINE_MAX], why[256];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
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
        int parsed = acl_rule_parse(line, &out.rules[out.count], why, sizeof why);
        if (parsed < 0) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
            rc = -1;
        }
        out.count += parsed > 0;
    }
    fclose(f);
    if (rc) {
        acl_rules_free(&out);
        return rc;
    }
    out.index = acl_index_build(out.rules, out.count); /* NULL without memory: decisions walk every rule */
    acl_rules_free(rules);
    *rules = out;
    return 0;
}

/* ---- rules as the SDK states them ------------------------------------------------ */

void acl_rule_view(const acl_rule *r, brook_acl *out)
{
    *out = (brook_acl){.allow = r->allow,
                       .operation = r->operation,
                       .resource_type = r->resource_type,
                       .pattern = r->prefixed ? BROOK_ACL_PREFIXED : BROOK_ACL_LITERAL,
                       .resource_name = r->name,
                       .principal = r->principal,
                       .host = r->host};
}

static const char *type_name(int type)
{
    return type == BROOK_RESOURCE_TOPIC              ? "topic"
           : type == BROOK_RESOURCE_GROUP            ? "group"
           : type == BROOK_RESOURCE_TRANSACTIONAL_ID ? "transactional_id"
                                                     : "cluster";
}

int acl_rule_format(const brook_acl *a, char *line, size_t len)
{
    int n = snprintf(line, len, "%s %s %s %s %s %s %s\n", a->allow ? "allow" : "deny", a->principal, a->host,
                     op_names[a->operation], type_name(a->resource_type),
                     a->pattern == BROOK_ACL_PREFIXED ? "prefixed" : "literal", a->resource_name);
    return n > 0 && (size_t)n < len && (size_t)n < ACL_LINE_MAX ? 0 : -1;
}

/* "*" and Kafka's "User:*" both mean anyone. */
static int anyone(const char *principal)
{
    return strcmp(principal, "*") == 0 || strcmp(principal, "User:*") == 0;
}

static int same_principal(const char *a, const char *b)
{
    return strcmp(a, b) == 0 || (anyone(a) && anyone(b));
}

static int pattern_matches(const acl_rule *r, const brook_acl *f)
{
    int pattern = r->prefixed ? BROOK_ACL_PREFIXED : BROOK_ACL_LITERAL;
    switch (f->pattern) {
    case BROOK_ACL_ANY: return !f->resource_name || strcmp(f->resource_name, r->name) == 0;
    case BROOK_ACL_LITERAL:
    case BROOK_ACL_PREFIXED:
        return pattern == f->pattern && (!f->resource_name || strcmp(f->resource_name, r->name) == 0);
    case BROOK_ACL_MATCH: /* the rules that apply to the resource named */
        if (!f->resource_name)
            return 1;
        if (r->prefixed)
            return strncmp(f->resource_name, r->name, strlen(r->name)) == 0;
        return strcmp(r->name, "*") == 0 || strcmp(r->name, f->resource_name) == 0;
    default: return 0;
    }
}

int acl_rule_matches(const acl_rule *r, const brook_acl *f)
{
    return (f->resource_type == BROOK_ACL_ANY || f->resource_type == r->resource_type) &&
           (f->allow == BROOK_ACL_ANY || f->allow == r->allow) &&
           (f->operation == BROOK_ACL_ANY || f->operation == r->operation) &&
           (!f->principal || same_principal(f->principal, r->principal)) &&
           (!f->host || strcmp(f->host, r->host) == 0) && pattern_matches(r, f);
}

static int states(void *arg, const acl_rule *r)
{
    const brook_acl *a = arg;
    return r->allow == a->allow && r->operation == a->operation && r->resource_type == a->resource_type &&
           (r->prefixed ? BROOK_ACL_PREFIXED : BROOK_ACL_LITERAL) == a->pattern &&
           strcmp(r->name, a->resource_name) == 0 && strcmp(r->principal, a->principal) == 0 &&
           strcmp(r->host, a->host) == 0;
}

int acl_rules_has(const acl_rules *rules, const brook_acl *acl)
{
    if (rules->index)
        return acl_index_each_keyed(rules->index, acl->resource_type, acl->pattern == BROOK_ACL_PREFIXED,
                                    acl->resource_name, states, (void *)acl);
    for (size_t i = 0; i < rules->count; i++)
        if (states((void *)acl, &rules->rules[i]))
            return 1;
    return 0;
}

/* ---- deciding ---------------------------------------------------------------------- */

static int name_matches(const acl_rule *r, const char *name)
{
    if (strcmp(r->name, "*") == 0)
        return 1;
    if (r->prefixed)
        return strncmp(name, r->name, strlen(r->name)) == 0;
    return strcmp(name, r->name) == 0;
}

/* The rules of `type` whose name covers `name`: each(arg, rule) for each,
 * through the index, else by walking them all; stops at a non-zero. */
typedef int (*rule_fn)(void *arg, const acl_rule *rule);

static int each_named(const acl_rules *rules, int type, const char *name, rule_fn each, void *arg)
{
    if (rules->index)
        return acl_index_each(rules->index, type, name, each, arg);
    for (size_t i = 0; i < rules->count; i++) {
        const acl_rule *r = &rules->rules[i];
        int rc = r->resource_type == type && name_matches(r, name) ? each(arg, r) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

/* A decision's pass over the rules that name the resource: it stops at a
 * deny that applies (a deny wins whatever else applies), and notes
 * whether an allow applies and whether any rule names the resource at
 * all (for allow_if_no_acl). One pass: the index is probed once. */
typedef struct verdict {
    const char *principal, *host;
    int op;
    const int *allowing; /* operations whose allowing allows `op` */
    size_t n_allowing;
    int allowed, named;
} verdict;

static int weigh(void *arg, const acl_rule *r)
{
    verdict *v = arg;
    v->named = 1;
    if (!(anyone(r->principal) || strcmp(r->principal, v->principal) == 0) ||
        !(strcmp(r->host, "*") == 0 || strcmp(r->host, v->host) == 0))
        return 0;
    if (!r->allow)
        return r->operation == 0 || r->operation == v->op; /* denied: stop */
    for (size_t k = 0; k < v->n_allowing && !v->allowed; k++)
        v->allowed = r->operation == 0 || r->operation == v->allowing[k];
    return 0;
}

brook_authz_result acl_decide(const acl_rules *rules, const char *const *super_users, size_t super_count,
                              int allow_if_no_acl, const char *principal, const char *host, brook_auth_operation op,
                              brook_resource_type type, const char *name)
{
    for (size_t i = 0; i < super_count; i++)
        if (strcmp(super_users[i], principal) == 0)
            return BROOK_AUTHZ_ALLOW;
    /* READ, WRITE, DELETE or ALTER allowed imply DESCRIBE */
    static const int describe_implied_by[] = {BROOK_OP_DESCRIBE, BROOK_OP_READ, BROOK_OP_WRITE, BROOK_OP_DELETE,
                                              BROOK_OP_ALTER};
    const int only_op[] = {(int)op};
    verdict v = {principal, host, (int)op, only_op, 1, 0, 0};
    if (op == BROOK_OP_DESCRIBE) {
        v.allowing = describe_implied_by;
        v.n_allowing = sizeof describe_implied_by / sizeof describe_implied_by[0];
    }
    if (each_named(rules, (int)type, name, weigh, &v))
        return BROOK_AUTHZ_DENY;
    if (v.allowed)
        return BROOK_AUTHZ_ALLOW;
    /* no rule at all names this resource: open with allow_if_no_acl */
    return allow_if_no_acl && !v.named ? BROOK_AUTHZ_ALLOW : BROOK_AUTHZ_DENY;
}
