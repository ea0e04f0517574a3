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
    char prefix[320];                /* <ns>/<dir>/: the items */
    char seeded[320];                /* <ns>/<dir>_seeded: the marker */
    char watched[320];               /* <ns>/<dir>: both, so one snapshot says whether the items are a whole set */
    char claim[96];                  /* while this broker seeds in several transactions: the marker's value, else "" */
    int seeding;                     /* this broker's claim or items are on their way */
    struct brook_store_change *seed; /* the items, or NULL */
    size_t seed_count;               /* how many */
    int reread;                      /* read the store again once seeded (it held others' items) */
    int waiting;                     /* another broker's seeding is waited for (logged once) */
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

/* ---- changes written in transactions of a bounded size -------------------------------- */

/* The key of item `name`, malloc'd. */
static char *key_of(const brook_store_mirror *m, const char *name)
{
    size_t len = strlen(m->prefix) + strlen(name) + 1;
    char *key = malloc(len);
    if (key)
        snprintf(key, len, "%s%s", m->prefix, name);
    return key;
}

struct brook_store_change {
    brook_store_mirror *m;
    brook_mop *ops;   /* their keys and values are the change's own */
    size_t n, sent;   /* ops[0, sent) are written or on their way */
    brook_mcmp guard; /* each transaction writes only while it holds (guarded) */
    int guarded;
    void (*done)(void *arg, brook_err err);
    void *arg;
};

brook_store_change *brook_store_change_new(brook_store_mirror *m, size_t n)
{
    brook_store_change *c = calloc(1, sizeof *c);
    if (c && !(c->ops = calloc(n ? n : 1, sizeof *c->ops))) {
        free(c);
        c = NULL;
    }
    if (c) {
        c->m = m;
        c->n = n;
    }
    return c;
}

/* Op `i` as `key` (the change's own now) with a copy of `value`, or a removal. */
static int set_op(brook_store_change *c, size_t i, char *key, const char *value)
{
    brook_mop *op = &c->ops[i];
    *op = (brook_mop){.kind = value ? BROOK_MOP_PUT : BROOK_MOP_DELETE, .key = key};
    if (value) {
        op->value_len = strlen(value);
        op->value = (const uint8_t *)strdup(value);
    }
    return key && (!value || op->value) ? 0 : -1;
}

int brook_store_change_set(brook_store_change *c, size_t i, const char *name, const char *value)
{
    return set_op(c, i, key_of(c->m, name), value);
}

void brook_store_change_free(brook_store_change *c)
{
    for (size_t i = 0; c && i < c->n; i++) {
        free((char *)c->ops[i].key);
        if (c->ops[i].value) /* SCRAM keys among them: not left in freed memory */
            explicit_bzero((void *)c->ops[i].value, c->ops[i].value_len);
        free((void *)c->ops[i].value);
    }
    if (c)
        free(c->ops);
    free(c);
}

static brook_err send_next(brook_store_change *c);

static void transaction_done(void *arg, const brook_mresult *r)
{
    brook_store_change *c = arg;
    brook_err e = r->err ? BROOK_ERR_IO : !r->succeeded ? BROOK_ERR_AGAIN : BROOK_OK;
    if (r->err)
        log_warn("cluster %s: the store did not take a change (%s)", c->m->what, r->error ? r->error : "?");
    if (!e && c->sent < c->n && (e = send_next(c)) == BROOK_OK)
        return;
    c->done(c->arg, e);
    brook_store_change_free(c);
}

static brook_err send_next(brook_store_change *c)
{
    size_t k = c->n - c->sent < BROOK_STORE_MIRROR_MAX_PER_CHANGE ? c->n - c->sent : BROOK_STORE_MIRROR_MAX_PER_CHANGE;
    brook_metastore *store = brook_membership_store(c->m->b);
    brook_err e = store->ops->txn(store, c->guarded ? &c->guard : NULL, (size_t)c->guarded, c->ops + c->sent, k, NULL,
                                  0, transaction_done, c);
    if (!e)
        c->sent += k;
    return e;
}

brook_err brook_store_change_write(brook_store_change *c, void (*done)(void *arg, brook_err err), void *arg)
{
    c->done = done;
    c->arg = arg;
    brook_err e = send_next(c);
    if (e)
        brook_store_change_free(c);
    return e;
}

/* ---- seeding: the first broker's items become the cluster's ----------------------------- */

#define SEEDED "1" /* the marker's value once seeded (a claim's starts with "seeding") */

static int is_claim(const brook_mkv *marker)
{
    return marker->value_len >= 7 && memcmp(marker->value, "seeding", 7) == 0;
}

static void seeded(void *arg, brook_err err)
{
    brook_store_mirror *m = arg;
    m->seeding = 0;
    m->seed = NULL;
    if (!err)
        log_info("cluster %s: seeded from this broker's (%zu)", m->what, m->seed_count);
    else if (err == BROOK_ERR_AGAIN)
        log_info("cluster %s: another broker seeded the cluster's, or this broker's claim lapsed: reading them",
                 m->what);
    else
        log_warn("cluster %s: cannot seed the cluster's (%s); trying again", m->what, brook_err_str(err));
    if (!err || err == BROOK_ERR_AGAIN)
        m->claim[0] = 0; /* else a claim of this broker's may stand: the next snapshot goes on with it */
    if (!err && !m->reread)
        return; /* the watch brings the keys back as changes: put as they are already here */
    /* read them again: what a lapsed seeding left is the cluster's too */
    brook_prefix_watch_restart(&m->follow, err && err != BROOK_ERR_AGAIN ? 1000 : 0);
}

/* Write this broker's items and, last, the marker: all at once when they
 * fit one transaction (guarded by the marker's absence), else after a
 * claim (guarded by it). */
static void write_seed(brook_store_mirror *m, const brook_mcmp *guard)
{
    items local = {0};
    m->ops->list(m->keeper, add_item, &local);
    brook_store_change *c = local.failed ? NULL : brook_store_change_new(m, local.count + 1);
    int failed = !c;
    const char *name, *value;
    size_t i = 0;
    for (size_t at = 0; !failed && next_item(&local, &at, &name, &value); i++)
        failed = brook_store_change_set(c, i, name, value) != 0;
    failed = failed || set_op(c, i, strdup(m->seeded), SEEDED) != 0;
    free(local.buf);
    brook_err e = BROOK_ERR_NOMEM;
    if (!failed) {
        c->guard = *guard;
        c->guarded = 1;
        m->seed_count = local.count;
        m->seeding = 1;
        m->seed = c;
        e = brook_store_change_write(c, seeded, m);
    } else {
        brook_store_change_free(c);
    }
    if (e)
        seeded(m, e);
}

/* The claim's guard: the marker holds this broker's claim. */
static brook_mcmp claim_holds(const brook_store_mirror *m)
{
    return (brook_mcmp){.key = m->seeded,
                        .target = BROOK_MCMP_VALUE,
                        .result = BROOK_MCMP_EQUAL,
                        .value = (const uint8_t *)m->claim,
                        .value_len = strlen(m->claim)};
}

static void claimed(void *arg, const brook_mresult *r)
{
    brook_store_mirror *m = arg;
    if (r->err || !r->succeeded) {
        seeded(m, r->err ? BROOK_ERR_IO : BROOK_ERR_AGAIN);
        return;
    }
    log_info("cluster %s: seeding the cluster's from this broker's (%s)", m->what, m->claim);
    brook_mcmp guard = claim_holds(m);
    write_seed(m, &guard);
}

/* No marker: seed the store with the keeper's items (it may hold some a
 * lapsed seeding left: ours go over them). */
static void seed(brook_store_mirror *m, int held_others)
{
    m->seeding = 1;
    m->reread = held_others;
    items local = {0};
    m->ops->list(m->keeper, add_item, &local);
    size_t count = local.count;
    int failed = local.failed;
    free(local.buf);
    brook_mcmp absent = {.key = m->seeded, .target = BROOK_MCMP_CREATE_REVISION, .result = BROOK_MCMP_EQUAL};
    if (failed) {
        seeded(m, BROOK_ERR_NOMEM);
        return;
    }
    if (count < BROOK_STORE_MIRROR_MAX_PER_CHANGE) {
        write_seed(m, &absent);
        return;
    }
    int64_t lease = brook_membership_lease(m->b);
    if (!lease) { /* a claim must lapse with its broker: none while it registers again */
        m->seeding = 0;
        brook_prefix_watch_restart(&m->follow, 1000);
        return;
    }
    snprintf(m->claim, sizeof m->claim, "seeding by broker %d under lease %lld", (int)m->b->st->broker_id,
             (long long)lease);
    brook_mop put = {.kind = BROOK_MOP_PUT,
                     .key = m->seeded,
                     .value = (const uint8_t *)m->claim,
                     .value_len = strlen(m->claim),
                     .lease = lease};
    brook_metastore *store = brook_membership_store(m->b);
    brook_err e = store->ops->txn(store, &absent, 1, &put, 1, NULL, 0, claimed, m);
    if (e)
        seeded(m, e);
}

static void snapshot(void *arg, const brook_mkv *kvs, size_t n, int64_t revision)
{
    (void)revision;
    brook_store_mirror *m = arg;
    const brook_mkv *marker = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(kvs[i].key, m->seeded) == 0)
            marker = &kvs[i];
    if (m->seeding) { /* read again while this broker seeds: read once more when done */
        m->reread = 1;
        return;
    }
    if (!marker) {
        m->waiting = 0;
        seed(m, n > 0);
    } else if (is_claim(marker) && marker->value_len == strlen(m->claim) &&
               memcmp(marker->value, m->claim, marker->value_len) == 0) {
        brook_mcmp guard = claim_holds(m); /* this broker's own, after an error: go on */
        m->seeding = 1;
        write_seed(m, &guard);
    } else if (is_claim(marker)) {
        if (!m->waiting)
            log_info("cluster %s: waiting for another broker's seeding of the cluster's (%.*s)", m->what,
                     (int)marker->value_len, (const char *)marker->value);
        m->waiting = 1;
        brook_prefix_watch_restart(&m->follow, 500);
    } else {
        m->waiting = 0;
        reconcile(m, kvs, n);
    }
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
    snprintf(m->watched, sizeof m->watched, "%s/%s", brook_membership_namespace(b), dir);
    static const brook_prefix_watch_ops watch_ops = {.snapshot = snapshot, .changed = changed};
    brook_prefix_watch_start(&m->follow, brook_membership_store(b), b->loop, m->watched, 0, what, &watch_ops, m);
    *out = m;
    return BROOK_OK;
}

void brook_store_mirror_stop(brook_store_mirror *m)
{
    if (!m)
        return;
    brook_prefix_watch_stop(&m->follow);
    brook_store_change_free(m->seed); /* its answers are abandoned with the store's (broker.c) */
    free(m);
}
