/* The cluster's ACLs: one metadata-store key per rule, <ns>/acls/<hex of
 * the rule's text>, the rule's text its value. Each broker follows the
 * keys and keeps its authorizer's rules (auth-acl's file) equal to them: a
 * snapshot reconciles (rules the store lacks removed, rules it has added),
 * each change after it is applied. A change made through any broker is a
 * write to the store, so it holds on all of them and survives any of them.
 *
 * The first broker of a cluster to find no rules seeds the store with its
 * own, once (a transaction that creates <ns>/acls_seeded): a cluster
 * upgraded from per-broker files keeps its rules, and a set emptied on
 * purpose stays empty. */
#include "cluster_acls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "log.h"
#include "membership.h"
#include "metastore.h"
#include "prefix_watch.h"

#define RULE_TEXT_MAX 3200

typedef struct brook_cluster_acls {
    brook_broker *b;
    brook_plugin_instance *keeper;
    brook_prefix_watch follow;
    char prefix[320]; /* <ns>/acls/ */
    char seeded[320]; /* <ns>/acls_seeded */
    int ready;        /* a snapshot was applied */
} brook_cluster_acls;

/* ---- a rule as text and as a key --------------------------------------------------- */

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

static int rule_key(const brook_cluster_acls *ca, const char *text, char *out, size_t len)
{
    size_t p = (size_t)snprintf(out, len, "%s", ca->prefix);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (p + 3 > len)
            return -1;
        p += (size_t)snprintf(out + p, len - p, "%02x", *c);
    }
    return 0;
}

/* The text of the rule a key names (its hex after the prefix). */
static int key_text(const brook_cluster_acls *ca, const char *key, char *out, size_t len)
{
    const char *hex = key + strlen(ca->prefix);
    size_t n = strlen(hex);
    if (strncmp(key, ca->prefix, strlen(ca->prefix)) != 0 || n % 2 || n / 2 >= len)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (char)v;
    }
    out[n / 2] = 0;
    return 0;
}

/* ---- keeping the authorizer equal to the store --------------------------------------- */

static const brook_auth_ops *keeper_ops(const brook_cluster_acls *ca)
{
    return brook_auth_of(ca->keeper);
}

static void apply_put(brook_cluster_acls *ca, char *text)
{
    brook_acl a;
    brook_err result = BROOK_OK;
    const char *why = NULL;
    if (rule_parse(text, &a) == 0)
        keeper_ops(ca)->acl_create(ca->keeper->state, &a, 1, &result, &why);
}

static void ignore_rule(void *arg, size_t filter, const brook_acl *rule)
{
    (void)arg, (void)filter, (void)rule;
}

static void apply_delete(brook_cluster_acls *ca, char *text)
{
    brook_acl a;
    if (rule_parse(text, &a) == 0) /* the rule itself, every field given, is the filter matching only it */
        keeper_ops(ca)->acl_delete(ca->keeper->state, &a, 1, ignore_rule, NULL);
}

/* The authorizer's rules as texts, one per line in a malloc'd buffer. */
typedef struct texts {
    char *buf;
    size_t len, cap;
    size_t count;
    int failed;
} texts;

static void add_text(void *arg, size_t filter, const brook_acl *rule)
{
    (void)filter;
    texts *t = arg;
    char line[RULE_TEXT_MAX];
    if (t->failed || rule_text(rule, line, sizeof line))
        return;
    size_t n = strlen(line) + 1;
    if (t->len + n > t->cap) {
        size_t cap = (t->cap + n) * 2;
        char *buf = realloc(t->buf, cap);
        if (!buf) {
            t->failed = 1;
            return;
        }
        t->buf = buf;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, line, n);
    t->len += n;
    t->count++;
}

static int listed(const char *buf, size_t len, const char *text)
{
    for (size_t p = 0; p < len; p += strlen(buf + p) + 1)
        if (strcmp(buf + p, text) == 0)
            return 1;
    return 0;
}

/* apply(ca, rule) for each rule of `from` that `other` lacks; how many. */
static size_t apply_missing(brook_cluster_acls *ca, const texts *from, const texts *other,
                            void (*apply)(brook_cluster_acls *ca, char *text))
{
    size_t applied = 0;
    for (size_t p = 0; p < from->len; p += strlen(from->buf + p) + 1) {
        if (listed(other->buf, other->len, from->buf + p))
            continue;
        char text[RULE_TEXT_MAX]; /* parsing changes it in place */
        snprintf(text, sizeof text, "%s", from->buf + p);
        apply(ca, text);
        applied++;
    }
    return applied;
}

static void reconcile(brook_cluster_acls *ca, const brook_mkv *kvs, size_t n)
{
    texts local = {0}, store = {0};
    brook_acl any = {
        .allow = BROOK_ACL_ANY, .operation = BROOK_ACL_ANY, .resource_type = BROOK_ACL_ANY, .pattern = BROOK_ACL_ANY};
    keeper_ops(ca)->acl_list(ca->keeper->state, &any, add_text, &local);
    for (size_t i = 0; i < n; i++) {
        char text[RULE_TEXT_MAX];
        brook_acl a;
        if (key_text(ca, kvs[i].key, text, sizeof text) == 0 && rule_parse(text, &a) == 0)
            add_text(&store, 0, &a);
    }
    size_t removed = 0, added = 0;
    if (!local.failed && !store.failed) {
        removed = apply_missing(ca, &local, &store, apply_delete);
        added = apply_missing(ca, &store, &local, apply_put);
    }
    if (local.failed || store.failed)
        log_error("cluster ACLs: out of memory comparing the rules; they follow the next change");
    else if (removed || added)
        log_info("cluster ACLs: %zu rule(s) from the cluster added here, %zu not in it removed", added, removed);
    free(local.buf);
    free(store.buf);
    ca->ready = 1;
}

static void seeded(void *arg, const brook_mresult *r)
{
    brook_cluster_acls *ca = arg;
    if (r->err) {
        log_warn("cluster ACLs: cannot seed the cluster's rules (%s); trying again", r->error ? r->error : "?");
        brook_prefix_watch_restart(&ca->follow, 1000);
    } else if (!r->succeeded) { /* seeded before, then emptied: none it is */
        reconcile(ca, NULL, 0);
    } else {
        log_info("cluster ACLs: the cluster's rules seeded from this broker's");
        ca->ready = 1; /* the watch brings the keys back as changes: applied as they are already here */
    }
}

/* No rules in the store: seed it with ours unless a seeding happened before. */
static void seed(brook_cluster_acls *ca)
{
    texts local = {0};
    brook_acl any = {
        .allow = BROOK_ACL_ANY, .operation = BROOK_ACL_ANY, .resource_type = BROOK_ACL_ANY, .pattern = BROOK_ACL_ANY};
    keeper_ops(ca)->acl_list(ca->keeper->state, &any, add_text, &local);
    brook_mop *puts = calloc(local.count + 1, sizeof *puts);
    char *keys = calloc(local.count + 1, RULE_TEXT_MAX * 2 + 400);
    brook_err e = local.failed || !puts || !keys                     ? BROOK_ERR_NOMEM
                  : local.count >= BROOK_CLUSTER_ACLS_MAX_PER_CHANGE ? BROOK_ERR_TOO_LARGE
                                                                     : BROOK_OK;
    size_t n = 0, stride = RULE_TEXT_MAX * 2 + 400;
    for (size_t p = 0; !e && p < local.len; p += strlen(local.buf + p) + 1, n++) {
        if (rule_key(ca, local.buf + p, keys + n * stride, stride))
            e = BROOK_ERR_TOO_LARGE;
        puts[n] = (brook_mop){.kind = BROOK_MOP_PUT,
                              .key = keys + n * stride,
                              .value = (const uint8_t *)local.buf + p,
                              .value_len = strlen(local.buf + p)};
    }
    if (!e) {
        puts[n++] =
            (brook_mop){.kind = BROOK_MOP_PUT, .key = ca->seeded, .value = (const uint8_t *)"1", .value_len = 1};
        brook_mcmp fresh = {.key = ca->seeded, .target = BROOK_MCMP_CREATE_REVISION, .result = BROOK_MCMP_EQUAL};
        brook_metastore *store = brook_membership_store(ca->b);
        e = store->ops->txn(store, &fresh, 1, puts, n, NULL, 0, seeded, ca);
    }
    if (e == BROOK_ERR_TOO_LARGE) {
        log_error("cluster ACLs: this broker has %zu rules, more than one transaction takes (%d): the cluster "
                  "starts without them; add them with CreateAcls (kafka-acls, brookctl acls add) in batches",
                  local.count, BROOK_CLUSTER_ACLS_MAX_PER_CHANGE);
        ca->ready = 1;
    } else if (e) {
        log_warn("cluster ACLs: cannot seed the cluster's rules (%s); trying again", brook_err_str(e));
        brook_prefix_watch_restart(&ca->follow, 1000);
    }
    free(puts);
    free(keys);
    free(local.buf);
}

static void snapshot(void *arg, const brook_mkv *kvs, size_t n, int64_t revision)
{
    (void)revision;
    brook_cluster_acls *ca = arg;
    if (n == 0)
        seed(ca);
    else
        reconcile(ca, kvs, n);
}

static void changed(void *arg, const brook_mevent *events, size_t n, int64_t revision)
{
    (void)revision;
    brook_cluster_acls *ca = arg;
    for (size_t i = 0; i < n; i++) {
        char text[RULE_TEXT_MAX];
        if (key_text(ca, events[i].kv.key, text, sizeof text))
            continue;
        if (events[i].deleted)
            apply_delete(ca, text);
        else
            apply_put(ca, text);
    }
}

/* ---- the broker's side --------------------------------------------------------------- */

brook_err brook_cluster_acls_start(brook_broker *b, brook_plugin_instance *keeper)
{
    if (!keeper)
        return BROOK_OK; /* no authorizer keeps rules: nothing to follow */
    brook_cluster_acls *ca = calloc(1, sizeof *ca);
    if (!ca)
        return BROOK_ERR_NOMEM;
    ca->b = b;
    ca->keeper = keeper;
    snprintf(ca->prefix, sizeof ca->prefix, "%s/acls/", brook_membership_namespace(b));
    snprintf(ca->seeded, sizeof ca->seeded, "%s/acls_seeded", brook_membership_namespace(b));
    b->cluster_acls = ca;
    static const brook_prefix_watch_ops ops = {.snapshot = snapshot, .changed = changed};
    brook_prefix_watch_start(&ca->follow, brook_membership_store(b), b->loop, ca->prefix, 0, "the cluster's ACLs", &ops,
                             ca);
    return BROOK_OK;
}

void brook_cluster_acls_stop(brook_broker *b)
{
    brook_cluster_acls *ca = b->cluster_acls;
    if (!ca)
        return;
    brook_prefix_watch_stop(&ca->follow);
    free(ca);
    b->cluster_acls = NULL;
}

int brook_cluster_acls_following(const brook_broker *b)
{
    return b->cluster_acls != NULL;
}

/* ---- writes: rules added or removed through this broker ------------------------------- */

typedef struct acl_write {
    void (*done)(void *arg, brook_err err);
    void *arg;
} acl_write;

static void written(void *arg, const brook_mresult *r)
{
    acl_write *w = arg;
    w->done(w->arg, r->err ? BROOK_ERR_IO : BROOK_OK);
    free(w);
}

brook_err brook_cluster_acls_write(brook_broker *b, const brook_acl *rules, size_t n, int remove,
                                   void (*done)(void *arg, brook_err err), void *arg)
{
    brook_cluster_acls *ca = b->cluster_acls;
    size_t stride = RULE_TEXT_MAX * 2 + 400;
    brook_mop *ops = calloc(n ? n : 1, sizeof *ops);
    char *keys = calloc(n ? n : 1, stride), *values = calloc(n ? n : 1, RULE_TEXT_MAX);
    acl_write *w = malloc(sizeof *w);
    brook_err e = n > BROOK_CLUSTER_ACLS_MAX_PER_CHANGE ? BROOK_ERR_TOO_LARGE
                  : ops && keys && values && w          ? BROOK_OK
                                                        : BROOK_ERR_NOMEM;
    for (size_t i = 0; !e && i < n; i++) {
        char *text = values + i * RULE_TEXT_MAX;
        if (rule_text(&rules[i], text, RULE_TEXT_MAX) || rule_key(ca, text, keys + i * stride, stride))
            e = BROOK_ERR_TOO_LARGE;
        ops[i] = (brook_mop){.kind = remove ? BROOK_MOP_DELETE : BROOK_MOP_PUT,
                             .key = keys + i * stride,
                             .value = remove ? NULL : (const uint8_t *)text,
                             .value_len = remove ? 0 : strlen(text)};
    }
    if (!e) {
        *w = (acl_write){done, arg};
        brook_metastore *store = brook_membership_store(b);
        e = store->ops->txn(store, NULL, 0, ops, n, NULL, 0, written, w);
    }
    if (e)
        free(w);
    free(ops);
    free(keys);
    free(values);
    return e;
}
