/* A set of items mirrored between the metadata store and a keeper on each
 * broker (store_mirror.h). The store is the truth once seeded: a broker
 * that was down, or whose watch lapsed, reads every item again and
 * reconciles its keeper with them. */
#include "store_mirror.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "log.h"
#include "membership.h"
#include "metastore.h"
#include "prefix_watch.h"

struct brook_store_mirror {
    brook_broker *b;
    const brook_store_mirror_ops *ops;
    void *keeper;
    const char *what;
    brook_prefix_watch follow;
    char prefix[320]; /* <ns>/<dir>/ */
    char seeded[320]; /* <ns>/<dir>_seeded */
};

/* ---- items as "name\0value\0" pairs in one growing buffer ------------------------------- */

typedef struct items {
    char *buf;
    size_t len, cap;
    size_t count;
    int failed;
} items;

static void add_item(void *arg, const char *name, const char *value)
{
    items *t = arg;
    size_t nl = strlen(name) + 1, vl = strlen(value) + 1;
    if (t->failed)
        return;
    if (t->len + nl + vl > t->cap) {
        size_t cap = (t->cap + nl + vl) * 2;
        char *buf = realloc(t->buf, cap);
        if (!buf) {
            t->failed = 1;
            return;
        }
        t->buf = buf;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, name, nl);
    memcpy(t->buf + t->len + nl, value, vl);
    t->len += nl + vl;
    t->count++;
}

/* The item at *at (start at 0), moving *at past it; 0 at the end. */
static int next_item(const items *t, size_t *at, const char **name, const char **value)
{
    if (*at >= t->len)
        return 0;
    *name = t->buf + *at;
    *value = *name + strlen(*name) + 1;
    *at = (size_t)(*value - t->buf) + strlen(*value) + 1;
    return 1;
}

/* An item of an `items` buffer. */
typedef struct item {
    const char *name, *value;
} item;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const item *)a)->name, ((const item *)b)->name);
}

/* The items of `t` sorted by name, malloc'd (NULL: no memory). */
static item *sorted_items(const items *t)
{
    item *v = malloc((t->count ? t->count : 1) * sizeof *v);
    size_t n = 0;
    const char *name, *value;
    for (size_t at = 0; v && next_item(t, &at, &name, &value);)
        v[n++] = (item){name, value};
    if (v)
        qsort(v, n, sizeof *v, by_name);
    return v;
}

/* A stored value as a string (values are bytes in the store). */
static char *text_of(const uint8_t *value, size_t len)
{
    char *s = malloc(len + 1);
    if (s) {
        memcpy(s, value, len);
        s[len] = 0;
    }
    return s;
}

static void list_store(const brook_store_mirror *m, const brook_mkv *kvs, size_t n, items *store)
{
    size_t plen = strlen(m->prefix);
    for (size_t i = 0; i < n; i++) {
        char *value = text_of(kvs[i].value, kvs[i].value_len);
        if (!value)
            store->failed = 1;
        else if (strncmp(kvs[i].key, m->prefix, plen) == 0 && kvs[i].key[plen])
            add_item(store, kvs[i].key + plen, value);
        free(value);
    }
}

/* ---- following the store --------------------------------------------------------------- */

/* What the keeper must change to hold what the store holds: both lists
 * sorted and walked side by side (n log n; looking each name up in the
 * other list was n^2 string comparisons on the loop). */
typedef struct difference {
    const char **gone;                    /* the keeper's names the store lacks */
    const char **put_names, **put_values; /* new or changed in the store */
    size_t n_gone, n_put;
} difference;

static int differ(const items *local, const items *store, difference *d)
{
    item *here = sorted_items(local), *there = sorted_items(store);
    size_t most = local->count + store->count + 1;
    d->gone = malloc(most * sizeof *d->gone);
    d->put_names = malloc(most * sizeof *d->put_names);
    d->put_values = malloc(most * sizeof *d->put_values);
    int ok = here && there && d->gone && d->put_names && d->put_values;
    for (size_t i = 0, j = 0; ok && (i < local->count || j < store->count);) {
        int c = i == local->count ? 1 : j == store->count ? -1 : strcmp(here[i].name, there[j].name);
        if (c < 0) {
            d->gone[d->n_gone++] = here[i++].name;
            continue;
        }
        if (c > 0 || strcmp(here[i].value, there[j].value) != 0) {
            d->put_names[d->n_put] = there[j].name;
            d->put_values[d->n_put++] = there[j].value;
        }
        i += c == 0;
        j++;
    }
    free(here);
    free(there);
    return ok ? 0 : -1;
}

static void reconcile(brook_store_mirror *m, const brook_mkv *kvs, size_t n)
{
    items local = {0}, store = {0};
    m->ops->list(m->keeper, add_item, &local);
    list_store(m, kvs, n, &store);
    difference d = {0};
    if (local.failed || store.failed || differ(&local, &store, &d) != 0) {
        log_error("cluster %s: out of memory comparing them with the cluster's; they follow the next change", m->what);
    } else {
        if (d.n_gone)
            m->ops->remove(m->keeper, d.gone, d.n_gone);
        if (d.n_put)
            m->ops->put(m->keeper, d.put_names, d.put_values, d.n_put);
        if (d.n_gone || d.n_put)
            log_info("cluster %s: %zu from the cluster put here, %zu not in it removed", m->what, d.n_put, d.n_gone);
    }
    free(d.gone);
    free(d.put_names);
    free(d.put_values);
    free(local.buf);
    free(store.buf);
}

static void seeded(void *arg, const brook_mresult *r)
{
    brook_store_mirror *m = arg;
    if (r->err) {
        log_warn("cluster %s: cannot seed the cluster's (%s); trying again", m->what, r->error ? r->error : "?");
        brook_prefix_watch_restart(&m->follow, 1000);
    } else if (!r->succeeded) { /* seeded before, then emptied: none it is */
        reconcile(m, NULL, 0);
    } else { /* the watch brings the keys back as changes: put as they are already here */
        log_info("cluster %s: seeded from this broker's", m->what);
    }
}

/* The key of item `name`, malloc'd. */
static char *key_of(const brook_store_mirror *m, const char *name)
{
    size_t len = strlen(m->prefix) + strlen(name) + 1;
    char *key = malloc(len);
    if (key)
        snprintf(key, len, "%s%s", m->prefix, name);
    return key;
}

/* Free the keys of `ops`, the puts and deletes of a change. */
static void free_keys(brook_mop *ops, size_t n)
{
    for (size_t i = 0; ops && i < n; i++)
        free((char *)ops[i].key);
    free(ops);
}

/* The store is empty: seed it with the keeper's items unless a seeding happened before. */
static void seed(brook_store_mirror *m)
{
    items local = {0};
    m->ops->list(m->keeper, add_item, &local);
    brook_mop *puts = calloc(local.count + 1, sizeof *puts);
    brook_err e = local.failed || !puts                              ? BROOK_ERR_NOMEM
                  : local.count >= BROOK_STORE_MIRROR_MAX_PER_CHANGE ? BROOK_ERR_TOO_LARGE
                                                                     : BROOK_OK;
    size_t n = 0;
    const char *name, *value;
    for (size_t at = 0; !e && next_item(&local, &at, &name, &value);) {
        puts[n] = (brook_mop){
            .kind = BROOK_MOP_PUT, .key = key_of(m, name), .value = (const uint8_t *)value, .value_len = strlen(value)};
        if (!puts[n++].key)
            e = BROOK_ERR_NOMEM;
    }
    if (!e) {
        brook_mop marker = {.kind = BROOK_MOP_PUT, .key = m->seeded, .value = (const uint8_t *)"1", .value_len = 1};
        puts[n] = marker;
        brook_mcmp fresh = {.key = m->seeded, .target = BROOK_MCMP_CREATE_REVISION, .result = BROOK_MCMP_EQUAL};
        brook_metastore *store = brook_membership_store(m->b);
        e = store->ops->txn(store, &fresh, 1, puts, n + 1, NULL, 0, seeded, m);
    }
    if (e == BROOK_ERR_TOO_LARGE)
        log_error("cluster %s: this broker has %zu, more than one change takes (%d): the cluster starts without "
                  "them; add them through the protocol in batches",
                  m->what, local.count, BROOK_STORE_MIRROR_MAX_PER_CHANGE);
    else if (e) {
        log_warn("cluster %s: cannot seed the cluster's (%s); trying again", m->what, brook_err_str(e));
        brook_prefix_watch_restart(&m->follow, 1000);
    }
    free_keys(puts, n);
    free(local.buf);
}

static void snapshot(void *arg, const brook_mkv *kvs, size_t n, int64_t revision)
{
    (void)revision;
    brook_store_mirror *m = arg;
    if (n == 0)
        seed(m);
    else
        reconcile(m, kvs, n);
}

/* Events [from, to) are all puts or all removals: the keeper takes them
 * as one change. */
static void apply_run(brook_store_mirror *m, const brook_mevent *events, size_t from, size_t to)
{
    size_t plen = strlen(m->prefix), n = to - from;
    const char **names = calloc(n, sizeof *names);
    char **values = calloc(n, sizeof *values);
    int ok = names && values;
    for (size_t i = 0; ok && i < n; i++) {
        names[i] = events[from + i].kv.key + plen;
        if (!events[from].deleted)
            ok = (values[i] = text_of(events[from + i].kv.value, events[from + i].kv.value_len)) != NULL;
    }
    if (!ok)
        log_error("cluster %s: out of memory applying %zu changes; they follow the next snapshot", m->what, n);
    else if (events[from].deleted)
        m->ops->remove(m->keeper, names, n);
    else
        m->ops->put(m->keeper, names, (const char *const *)values, n);
    for (size_t i = 0; values && i < n; i++)
        free(values[i]);
    free(names);
    free(values);
}

/* Whether event `e` is about one of this mirror's items. */
static int is_item(const brook_store_mirror *m, const brook_mevent *e)
{
    size_t plen = strlen(m->prefix);
    return strncmp(e->kv.key, m->prefix, plen) == 0 && e->kv.key[plen];
}

static void changed(void *arg, const brook_mevent *events, size_t n, int64_t revision)
{
    (void)revision;
    brook_store_mirror *m = arg;
    for (size_t i = 0; i < n;) {
        if (!is_item(m, &events[i])) {
            i++;
            continue;
        }
        size_t end = i + 1; /* a run of the same kind, in order */
        while (end < n && is_item(m, &events[end]) && events[end].deleted == events[i].deleted)
            end++;
        apply_run(m, events, i, end);
        i = end;
    }
}

brook_err brook_store_mirror_start(brook_broker *b, const char *dir, const char *what,
                                   const brook_store_mirror_ops *ops, void *keeper, brook_store_mirror **out)
{
    brook_store_mirror *m = calloc(1, sizeof *m);
    if (!m)
        return BROOK_ERR_NOMEM;
    *m = (brook_store_mirror){.b = b, .ops = ops, .keeper = keeper, .what = what};
    snprintf(m->prefix, sizeof m->prefix, "%s/%s/", brook_membership_namespace(b), dir);
    snprintf(m->seeded, sizeof m->seeded, "%s/%s_seeded", brook_membership_namespace(b), dir);
    static const brook_prefix_watch_ops watch_ops = {.snapshot = snapshot, .changed = changed};
    brook_prefix_watch_start(&m->follow, brook_membership_store(b), b->loop, m->prefix, 0, what, &watch_ops, m);
    *out = m;
    return BROOK_OK;
}

void brook_store_mirror_stop(brook_store_mirror *m)
{
    if (!m)
        return;
    brook_prefix_watch_stop(&m->follow);
    free(m);
}

/* ---- writes: items changed through this broker ------------------------------------------ */

typedef struct mirror_write {
    void (*done)(void *arg, brook_err err);
    void *arg;
} mirror_write;

static void written(void *arg, const brook_mresult *r)
{
    mirror_write *w = arg;
    w->done(w->arg, r->err ? BROOK_ERR_IO : BROOK_OK);
    free(w);
}

brook_err brook_store_mirror_write(brook_store_mirror *m, const char *const *names, const char *const *values, size_t n,
                                   void (*done)(void *arg, brook_err err), void *arg)
{
    if (n > BROOK_STORE_MIRROR_MAX_PER_CHANGE)
        return BROOK_ERR_TOO_LARGE;
    brook_mop *ops = calloc(n ? n : 1, sizeof *ops);
    mirror_write *w = malloc(sizeof *w);
    brook_err e = ops && w ? BROOK_OK : BROOK_ERR_NOMEM;
    for (size_t i = 0; !e && i < n; i++) {
        const char *value = values ? values[i] : NULL;
        ops[i] = (brook_mop){.kind = value ? BROOK_MOP_PUT : BROOK_MOP_DELETE,
                             .key = key_of(m, names[i]),
                             .value = (const uint8_t *)value,
                             .value_len = value ? strlen(value) : 0};
        if (!ops[i].key)
            e = BROOK_ERR_NOMEM;
    }
    if (!e) {
        *w = (mirror_write){done, arg};
        brook_metastore *store = brook_membership_store(m->b);
        e = store->ops->txn(store, NULL, 0, ops, n, NULL, 0, written, w);
    }
    if (e)
        free(w);
    free_keys(ops, n);
    return e;
}
