/* The cluster's ACLs: one metadata-store key per rule, <ns>/acls/<hex of
 * the rule's text>, the rule's text its value, mirrored into each broker's
 * authorizer (auth-acl's file) by store_mirror.c. */
#include "cluster_acls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "hex.h"
#include "store_mirror.h"

#define RULE_TEXT_MAX 3200

/* ---- a rule as text and as a name ------------------------------------------------------- */

static const char *const op_names[] = {"ALL",    "READ",     "WRITE", "CREATE",
                                       "DELETE", "DESCRIBE", "ALTER", "CLUSTER_ACTION"};

/* "allow\tUser:a\t*\tREAD\t1\t1\tname": the fields never hold tabs (the core refuses them). */
static int rule_text(const brook_acl *a, char *out, size_t len)
{
    int n = snprintf(out, len, "%s\t%s\t%s\t%s\t%d\t%d\t%s", a->allow ? "allow" : "deny", a->principal, a->host,
                     a->operation >= 0 && a->operation <= 7 ? op_names[a->operation] : "?", a->resource_type,
                     a->pattern, a->resource_name);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

/* The rule back from its text; the strings point into `text`, changed in place. */
static int rule_parse(char *text, brook_acl *a)
{
    char *f[7], *save = NULL;
    int n = 0;
    for (char *t = strtok_r(text, "\t", &save); t && n < 7; t = strtok_r(NULL, "\t", &save))
        f[n++] = t;
    if (n != 7)
        return -1;
    int op = -1;
    for (int i = 0; i < 8; i++)
        if (strcmp(f[3], op_names[i]) == 0)
            op = i;
    *a = (brook_acl){.allow = strcmp(f[0], "allow") == 0,
                     .operation = op,
                     .resource_type = atoi(f[4]),
                     .pattern = atoi(f[5]),
                     .resource_name = f[6],
                     .principal = f[1],
                     .host = f[2]};
    return op < 0 ? -1 : 0;
}

/* A rule's name in the store: its text in hex (a key holds no tabs or slashes then). */
static void rule_name(const char *text, char *out)
{
    brook_hex_encode((const uint8_t *)text, strlen(text), out);
}

static int name_text(const char *name, char *out, size_t len)
{
    long n = len ? brook_hex_decode(name, strlen(name), (uint8_t *)out, len - 1) : -1;
    if (n < 0)
        return -1;
    out[n] = 0;
    return 0;
}

/* ---- the authorizer as the mirror's keeper ---------------------------------------------- */

static const brook_auth_ops *keeper_ops(const brook_plugin_instance *keeper)
{
    return brook_auth_of(keeper);
}

/* Rules parsed from n texts (the values, or the names decoded), with the
 * texts they point into (one block, each text's own length: a joining
 * broker hands over every rule at once); `acls` holds those that parse. */
typedef struct parsed_rules {
    char *texts;
    brook_acl *acls;
    brook_err *results;
    const char **whys;
    size_t n;
} parsed_rules;

static void parsed_free(parsed_rules *r)
{
    free(r->texts);
    free(r->acls);
    free(r->results);
    free(r->whys);
}

/* The rules of the values, or without values of the names (removals: a
 * name encodes its rule, in hex); 0, or -1 (logged) with `r` empty. */
static int parse_rules(const char *const *names, const char *const *values, size_t n, parsed_rules *r)
{
    size_t room = 1;
    for (size_t i = 0; i < n; i++)
        room += strlen(values ? values[i] : names[i]) + 1; /* a hex name decodes to half its length */
    *r = (parsed_rules){.texts = malloc(room),
                        .acls = calloc(n ? n : 1, sizeof *r->acls),
                        .results = calloc(n ? n : 1, sizeof *r->results),
                        .whys = calloc(n ? n : 1, sizeof *r->whys)};
    if (!r->texts || !r->acls || !r->results || !r->whys) {
        parsed_free(r);
        *r = (parsed_rules){0};
        log_error("cluster ACL rules: out of memory applying %zu changes; they follow the next snapshot", n);
        return -1;
    }
    char *at = r->texts;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(values ? values[i] : names[i]) + 1;
        int ok = values ? (memcpy(at, values[i], len), 1) : name_text(names[i], at, len) == 0;
        if (ok && rule_parse(at, &r->acls[r->n]) == 0) /* every field given: only it */
            r->n++;
        at += len; /* parsed in place: the rule points into it */
    }
    return 0;
}

static void keeper_put(void *keeper, const char *const *names, const char *const *values, size_t n)
{
    brook_plugin_instance *k = keeper;
    parsed_rules r;
    if (parse_rules(names, values, n, &r) == 0 && r.n)
        keeper_ops(k)->acl_create(k->state, r.acls, r.n, r.results, r.whys);
    parsed_free(&r);
}

static void ignore_rule(void *arg, size_t filter, const brook_acl *rule)
{
    (void)arg, (void)filter, (void)rule;
}

static void keeper_remove(void *keeper, const char *const *names, size_t n)
{
    brook_plugin_instance *k = keeper;
    parsed_rules r;
    if (parse_rules(names, NULL, n, &r) == 0 && r.n)
        keeper_ops(k)->acl_delete(k->state, r.acls, r.n, ignore_rule, NULL);
    parsed_free(&r);
}

typedef struct listing {
    brook_mirror_each each;
    void *arg;
} listing;

static void list_rule(void *arg, size_t filter, const brook_acl *rule)
{
    (void)filter;
    listing *l = arg;
    char text[RULE_TEXT_MAX], name[RULE_TEXT_MAX * 2];
    if (rule_text(rule, text, sizeof text) == 0) {
        rule_name(text, name);
        l->each(l->arg, name, text);
    }
}

static void keeper_list(void *keeper, brook_mirror_each each, void *arg)
{
    brook_plugin_instance *k = keeper;
    brook_acl any = {
        .allow = BROOK_ACL_ANY, .operation = BROOK_ACL_ANY, .resource_type = BROOK_ACL_ANY, .pattern = BROOK_ACL_ANY};
    keeper_ops(k)->acl_list(k->state, &any, list_rule, &(listing){each, arg});
}

static const brook_store_mirror_ops mirror_ops = {.list = keeper_list, .put = keeper_put, .remove = keeper_remove};

/* ---- the broker's side --------------------------------------------------------------- */

brook_err brook_cluster_acls_start(brook_broker *b, brook_plugin_instance *keeper)
{
    if (!keeper)
        return BROOK_OK; /* no authorizer keeps rules: nothing to follow */
    return brook_store_mirror_start(b, "acls", "ACL rules", &mirror_ops, keeper, &b->cluster_acls);
}

void brook_cluster_acls_stop(brook_broker *b)
{
    brook_store_mirror_stop(b->cluster_acls);
    b->cluster_acls = NULL;
}

int brook_cluster_acls_following(const brook_broker *b)
{
    return b->cluster_acls != NULL;
}

brook_err brook_cluster_acls_write(brook_broker *b, const brook_acl *rules, size_t n, int remove,
                                   void (*done)(void *arg, brook_err err), void *arg)
{
    brook_store_change *c = brook_store_change_new(b->cluster_acls, n);
    brook_err e = c ? BROOK_OK : BROOK_ERR_NOMEM;
    for (size_t i = 0; !e && i < n; i++) {
        char text[RULE_TEXT_MAX], name[RULE_TEXT_MAX * 2];
        if (rule_text(&rules[i], text, sizeof text)) {
            e = BROOK_ERR_TOO_LARGE;
            break;
        }
        rule_name(text, name);
        if (brook_store_change_set(c, i, name, remove ? NULL : text))
            e = BROOK_ERR_NOMEM;
    }
    if (e) {
        brook_store_change_free(c);
        return e;
    }
    return brook_store_change_write(c, done, arg);
}
