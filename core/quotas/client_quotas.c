#include "client_quotas.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "broker.h"
#include "conn.h"
#include "log.h"
#include "replication_quota.h"
#include "store_mirror.h"

#define FILE_NAME      "client_quotas"
#define FILE_MAX       (64 << 20)
#define SWEEP_ABOVE    1024 /* budgets kept before full ones are looked for */
#define SWEEP_EVERY_MS 1000
#define ITEM_MAX       (BROOK_QUOTA_KEY_MAX + 32)

typedef struct budget {
    brook_quota q;
    /* since the budget was made (it goes when idle among many: memory
     * follows the active clients), for the metrics */
    int64_t spent_bytes, throttled, throttle_ms;
} budget;

typedef struct brook_client_quotas {
    brook_broker *b;
    brook_quota_rules rules;
    brook_strmap budgets[BROOK_QUOTA_KINDS]; /* bucket key -> budget */
    int64_t swept_ms;
    brook_store_mirror *mirror; /* a cluster's; NULL: the file */
    char path[PATH_MAX];
} brook_client_quotas;

/* ---- a rule's quota as a store item: "<entity key>/<quota key>" = rate ------------------- */

static int item_name(const brook_quota_entity *e, brook_quota_kind kind, char *out)
{
    char key[BROOK_QUOTA_KEY_MAX];
    brook_quota_entity_key(e, key);
    int n = snprintf(out, ITEM_MAX, "%s/%s", key, brook_quota_key(kind));
    return n > 0 && n < ITEM_MAX ? 0 : -1;
}

/* The entity, kind and rate an item names; -1 when it names none. */
static int item_parse(const char *name, const char *value, brook_quota_entity *e, char *names, brook_quota_kind *kind,
                      int64_t *rate)
{
    const char *slash = strrchr(name, '/');
    char key[BROOK_QUOTA_KEY_MAX];
    if (!slash || (size_t)(slash - name) >= sizeof key)
        return -1;
    memcpy(key, name, (size_t)(slash - name));
    key[slash - name] = 0;
    int k = brook_quota_kind_of(slash + 1);
    char *end;
    errno = 0;
    long long v = value ? strtoll(value, &end, 10) : 0;
    if (k < 0 || brook_quota_entity_parse(key, e, names) || (value && (errno || end == value || *end || v < 1)))
        return -1;
    *kind = (brook_quota_kind)k;
    *rate = v;
    return 0;
}

/* ---- the rules kept: the keeper of the cluster's, or the file ---------------------------- */

static void apply(brook_client_quotas *cq, const char *const *names, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        brook_quota_entity e;
        char entity_names[2 * (BROOK_QUOTA_NAME_MAX + 1)];
        brook_quota_kind kind;
        int64_t rate;
        if (item_parse(names[i], values ? values[i] : NULL, &e, entity_names, &kind, &rate))
            log_warn("client quotas: %s is not a quota rule Brook knows; ignored", names[i]);
        else if (brook_quota_rules_set(&cq->rules, &e, kind, values ? rate : 0))
            log_error("client quotas: out of memory keeping %s; it follows the next change", names[i]);
    }
}

typedef struct listing {
    brook_mirror_each each;
    void *arg;
} listing;

static void list_rule(void *arg, const brook_quota_entity *e, const int64_t *rates)
{
    listing *l = arg;
    char name[ITEM_MAX], value[24];
    for (int k = 0; k < BROOK_QUOTA_KINDS; k++)
        if (rates[k] && !item_name(e, (brook_quota_kind)k, name)) {
            snprintf(value, sizeof value, "%lld", (long long)rates[k]);
            l->each(l->arg, name, value);
        }
}

static void keeper_list(void *keeper, brook_mirror_each each, void *arg)
{
    brook_client_quotas *cq = keeper;
    brook_quota_rules_each(&cq->rules, list_rule, &(listing){each, arg});
}

static void keeper_put(void *keeper, const char *const *names, const char *const *values, size_t n)
{
    apply(keeper, names, values, n);
}

static void keeper_remove(void *keeper, const char *const *names, size_t n)
{
    apply(keeper, names, NULL, n);
}

static const brook_store_mirror_ops mirror_ops = {.list = keeper_list, .put = keeper_put, .remove = keeper_remove};

/* The single broker's file: "<item> <rate>" lines. */
static void file_line(void *arg, const char *name, const char *value)
{
    FILE *f = arg;
    fprintf(f, "%s %s\n", name, value);
}

static brook_err save_file(brook_client_quotas *cq)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return BROOK_ERR_NOMEM;
    keeper_list(cq, file_line, f);
    brook_err e = fclose(f) ? BROOK_ERR_NOMEM : brook_atomic_write(cq->path, text, len, BROOK_ATOMIC_SYNC);
    free(text);
    return e;
}

static brook_err load_file(brook_client_quotas *cq, char *err, size_t errlen)
{
    size_t len;
    char *text = brook_read_whole(cq->path, FILE_MAX, &len);
    if (!text) {
        if (errno == ENOENT)
            return BROOK_OK;
        snprintf(err, errlen, "%s: cannot read it: %s", cq->path, strerror(errno));
        return BROOK_ERR_IO;
    }
    int lineno = 0;
    brook_err e = BROOK_OK;
    for (char *line = text, *next; !e && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        lineno++;
        char *space = strchr(line, ' ');
        brook_quota_entity entity;
        char names[2 * (BROOK_QUOTA_NAME_MAX + 1)];
        brook_quota_kind kind;
        int64_t rate;
        if (space)
            *space = 0;
        if (!space || item_parse(line, space + 1, &entity, names, &kind, &rate)) {
            snprintf(err, errlen, "%s:%d: not a client quota rule", cq->path, lineno);
            e = BROOK_ERR_CORRUPT;
        } else {
            e = brook_quota_rules_set(&cq->rules, &entity, kind, rate);
        }
    }
    free(text);
    return e;
}

/* ---- the broker's side ------------------------------------------------------------------------ */

brook_err brook_client_quotas_start(brook_broker *b, char *err, size_t errlen)
{
    brook_client_quotas *cq = calloc(1, sizeof *cq);
    if (!cq)
        return BROOK_ERR_NOMEM;
    cq->b = b;
    b->client_quotas = cq;
    brook_err e;
    if (b->st->clustered) {
        if ((e = brook_store_mirror_start(b, "client_quotas", "client quotas", &mirror_ops, cq, &cq->mirror)))
            snprintf(err, errlen, "client quotas: cannot follow the cluster's: %s", brook_err_str(e));
        return e;
    }
    snprintf(cq->path, sizeof cq->path, "%s/%s", b->st->data_dir, FILE_NAME);
    return load_file(cq, err, errlen);
}

void brook_client_quotas_stop(brook_broker *b)
{
    brook_client_quotas *cq = b->client_quotas;
    if (!cq)
        return;
    brook_store_mirror_stop(cq->mirror);
    brook_quota_rules_clear(&cq->rules);
    for (int k = 0; k < BROOK_QUOTA_KINDS; k++) {
        brook_strmap_iter it = {0};
        brook_strmap_entry *e;
        while ((e = brook_strmap_next(&cq->budgets[k], &it)))
            free(e->value);
        brook_strmap_free(&cq->budgets[k]);
    }
    free(cq);
    b->client_quotas = NULL;
}

const brook_quota_rules *brook_client_quotas_rules(const brook_broker *b)
{
    return &b->client_quotas->rules;
}

/* ---- writes ------------------------------------------------------------------------------------ */

typedef struct write {
    brook_client_quotas *cq;
    brook_quota_change *changes;
    size_t n;
    void (*done)(void *arg, brook_err err);
    void *arg;
} write;

/* A written change holds here at once (the watch brings it again). */
static void apply_changes(brook_client_quotas *cq, const brook_quota_change *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (brook_quota_rules_set(&cq->rules, &c[i].entity, c[i].kind, c[i].rate))
            log_error("client quotas: out of memory applying a change here; it follows the next snapshot");
}

static void written(void *arg, brook_err err)
{
    write *w = arg;
    if (!err)
        apply_changes(w->cq, w->changes, w->n);
    w->done(w->arg, err);
    free(w->changes);
    free(w);
}

brook_err brook_client_quotas_write(brook_broker *b, const brook_quota_change *changes, size_t n,
                                    void (*done)(void *arg, brook_err err), void *arg)
{
    brook_client_quotas *cq = b->client_quotas;
    if (!cq->mirror) {
        /* this broker's file: rules changed, saved, or read back as they were */
        apply_changes(cq, changes, n);
        brook_err e = save_file(cq);
        if (e) {
            log_error("client quotas: cannot save %s: %s", cq->path, brook_err_str(e));
            brook_quota_rules_clear(&cq->rules);
            char err[256];
            if (load_file(cq, err, sizeof err)) /* as the file still has them */
                log_error("client quotas: %s", err);
        }
        done(arg, e);
        return BROOK_OK;
    }
    write *w = calloc(1, sizeof *w);
    brook_store_change *c = w ? brook_store_change_new(cq->mirror, n) : NULL;
    if (w)
        *w = (write){.cq = cq, .changes = malloc(sizeof *changes * (n ? n : 1)), .n = n, .done = done, .arg = arg};
    brook_err e = c && w->changes ? BROOK_OK : BROOK_ERR_NOMEM;
    char name[ITEM_MAX], value[24];
    for (size_t i = 0; !e && i < n; i++) {
        snprintf(value, sizeof value, "%lld", (long long)changes[i].rate);
        if (item_name(&changes[i].entity, changes[i].kind, name))
            e = BROOK_ERR_INVALID;
        else if (brook_store_change_set(c, i, name, changes[i].rate > 0 ? value : NULL))
            e = BROOK_ERR_NOMEM;
    }
    if (!e) {
        memcpy(w->changes, changes, sizeof *changes * n); /* entity names: the caller's, used at once in written() */
        if ((e = brook_store_change_write(c, written, w)))
            c = NULL; /* freed by the write */
        else
            return BROOK_OK;
    }
    brook_store_change_free(c);
    if (w)
        free(w->changes);
    free(w);
    return e;
}

/* ---- budgets -------------------------------------------------------------------------------------- */

/* "User:alice" -> "alice"; another kind of principal by its whole name. */
static const char *user_of(const char *principal)
{
    if (!principal)
        return "ANONYMOUS";
    return strncmp(principal, "User:", 5) == 0 ? principal + 5 : principal;
}

/* Budgets refilled to full hold nothing a new one would not: they go. */
static void sweep(brook_client_quotas *cq, brook_strmap *m, int64_t now)
{
    if (m->count <= SWEEP_ABOVE || now - cq->swept_ms < SWEEP_EVERY_MS)
        return;
    cq->swept_ms = now;
    brook_strmap_iter it = {0};
    brook_strmap_entry *e;
    while ((e = brook_strmap_next(m, &it))) {
        budget *bg = e->value;
        if (brook_quota_full(&bg->q, now))
            free(brook_strmap_remove(m, e->key));
    }
}

/* The client's budget for `kind` (NULL: no rule limits it, or no memory). */
static budget *budget_of(brook_client_quotas *cq, const char *principal, const char *client_id, brook_quota_kind kind,
                         int64_t now)
{
    char key[BROOK_QUOTA_KEY_MAX];
    int64_t rate = brook_quota_rules_resolve(&cq->rules, user_of(principal), client_id, kind, key);
    if (!rate)
        return NULL;
    brook_strmap *m = &cq->budgets[kind];
    budget *bg = brook_strmap_get(m, key);
    if (!bg) {
        sweep(cq, m, now);
        if (!(bg = calloc(1, sizeof *bg)) || brook_strmap_put(m, key, bg)) {
            free(bg);
            return NULL;
        }
    }
    brook_quota_set_rate(&bg->q, rate, now); /* a rule changed: the budget follows */
    return bg;
}

/* A hold the metrics count (the broker's and the budget's), as the
 * response says it. */
static int32_t counted(brook_broker *b, budget *bg, int64_t wait)
{
    int32_t ms = wait > INT32_MAX ? INT32_MAX : (int32_t)wait;
    if (ms > 0) {
        brook_metric_add(b->m.client_quota_throttled_total, 1);
        brook_metric_add(b->m.client_quota_throttle_ms_total, ms);
        bg->throttled++;
        bg->throttle_ms += ms;
    }
    return ms;
}

/* The client spent `bytes` of `kind` (0: only asks): how long it must now wait. */
static int32_t charge(brook_broker *b, const char *principal, const char *client_id, brook_quota_kind kind,
                      int64_t bytes)
{
    brook_client_quotas *cq = b->client_quotas;
    if (!cq || brook_quota_rules_empty(&cq->rules))
        return 0;
    int64_t now = brook_loop_now(b->loop);
    budget *bg = budget_of(cq, principal, client_id, kind, now);
    if (!bg)
        return 0;
    brook_quota_spend(&bg->q, bytes, now);
    bg->spent_bytes += bytes;
    return counted(b, bg, brook_quota_wait_ms(&bg->q, now));
}

int32_t brook_client_quotas_charge_request(brook_req *req, brook_quota_kind kind, int64_t bytes)
{
    int32_t ms = charge(req->broker, req->pub.principal, req->pub.client_id, kind, bytes);
    req->pub.throttle_time_ms = ms;
    if (ms > 0 && req->conn)
        brook_conn_throttle(req->conn, ms);
    return ms;
}

/* ---- metrics ------------------------------------------------------------------------------------ */

static void write_budget_labels(FILE *out, brook_quota_kind kind, const char *bucket)
{
    brook_quota_entity e;
    char names[2 * (BROOK_QUOTA_NAME_MAX + 1)];
    if (brook_quota_entity_parse(bucket, &e, names))
        e = (brook_quota_entity){{BROOK_QUOTA_ABSENT, NULL}, {BROOK_QUOTA_ABSENT, NULL}};
    fprintf(out, "{quota=\"%s\",user=\"", brook_quota_key(kind));
    brook_metrics_write_label_value(out, e.user.kind == BROOK_QUOTA_NAMED ? e.user.name : "");
    fputs("\",client_id=\"", out);
    brook_metrics_write_label_value(out, e.client.kind == BROOK_QUOTA_NAMED ? e.client.name : "");
    fputs("\"}", out);
}

static void write_budgets(const brook_client_quotas *cq, FILE *out, const char *name, const char *type,
                          const char *help, int64_t (*value)(const budget *bg))
{
    fprintf(out, "# HELP brook_%s %s\n# TYPE brook_%s %s\n", name, help, name, type);
    for (int k = 0; k < BROOK_QUOTA_KINDS; k++) {
        brook_strmap_iter it = {0};
        for (brook_strmap_entry *e; (e = brook_strmap_next(&cq->budgets[k], &it));) {
            fprintf(out, "brook_%s", name);
            write_budget_labels(out, (brook_quota_kind)k, e->key);
            fprintf(out, " %lld\n", (long long)value(e->value));
        }
    }
}

static int64_t spent_bytes(const budget *bg)
{
    return bg->spent_bytes;
}

static int64_t throttled(const budget *bg)
{
    return bg->throttled;
}

static int64_t throttle_ms(const budget *bg)
{
    return bg->throttle_ms;
}

static int64_t rate(const budget *bg)
{
    return bg->q.rate;
}

void brook_client_quotas_write_metrics(const brook_broker *b, FILE *out)
{
    const brook_client_quotas *cq = b->client_quotas;
    if (!cq)
        return;
    write_budgets(cq, out, "client_quota_budget_rate_bytes", "gauge",
                  "the byte rate a client's budget allows (per user and client id, as the rule that matched groups "
                  "them)",
                  rate);
    write_budgets(cq, out, "client_quota_budget_bytes_total", "counter", "bytes spent from the budget", spent_bytes);
    write_budgets(cq, out, "client_quota_budget_throttled_total", "counter", "responses that held its clients back",
                  throttled);
    write_budgets(cq, out, "client_quota_budget_throttle_ms_total", "counter", "milliseconds they were held back",
                  throttle_ms);
}
