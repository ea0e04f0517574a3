/* This broker in its cluster: the cluster's id, its registration under a
 * lease (its key lives exactly as long as it renews the lease: that is
 * how the others learn it died), and the live brokers, kept current by a
 * watch. Keys, under <prefix>/<name>/:
 *   cluster_id      created once, by the first broker (a transaction on
 *                   create_revision == 0); every later one adopts it
 *   brokers/<id>    {"id", "rack", "listeners": [{"name", "codec", "host",
 *                   "port"}], "shutting_down"}, attached to the broker's
 *                   lease; created only if absent, so two live brokers never
 *                   share an id; rewritten once with "shutting_down": true
 *                   when a controlled shutdown begins */
#include "membership.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "broker.h"
#include "controller.h"
#include "etcd_store.h"
#include "local_replicas.h"
#include "log.h"
#include "prefix_watch.h"

#define STARTUP_WAIT_MS 10000

typedef struct answer {
    int done;
    brook_mresult r;
    char error[256];
    char value[256]; /* the first kv's value, as text */
    int64_t lease;
} answer;

struct brook_membership {
    brook_broker *b;
    brook_metastore *store;
    char ns[256]; /* <prefix>/<name> */
    char key[300];
    int64_t lease;
    brook_timer *keepalive;
    int64_t last_renewed_ms; /* when the last successful renewal was sent: the lease runs a TTL from there */
    int64_t renewal_sent_ms;
    int lost;                   /* the lease expired: this broker is not a member until registered again */
    int stopping;               /* leave() began: no re-registration */
    brook_prefix_watch brokers; /* the live brokers (store NULL until registered) */
    int ready;                  /* the live brokers were read */
    brook_live_broker *live;
    size_t live_count;
    char *registration;                                        /* this broker's value */
    enum { STAYING, SHUTDOWN_ASKED, SHUTDOWN_TAKEN } shutdown; /* the shutting_down registration's write */
};

static void on_answer(void *arg, const brook_mresult *r)
{
    answer *a = arg;
    a->r = *r;
    a->r.kvs = NULL;
    a->lease = r->lease;
    if (r->error)
        snprintf(a->error, sizeof a->error, "%s", r->error);
    if (r->count > 0)
        snprintf(a->value, sizeof a->value, "%.*s", (int)r->kvs[0].value_len, (const char *)r->kvs[0].value);
    a->done = 1;
}

static void stop_loop(void *loop)
{
    brook_loop_stop(loop);
}

/* At start-up, before the loop serves anyone: run it until `a` is answered,
 * at most STARTUP_WAIT_MS. */
static brook_err wait_answer(brook_membership *m, answer *a, const char *what, char *err, size_t errlen)
{
    for (int waited = 0; !a->done && waited < STARTUP_WAIT_MS; waited += 50) {
        brook_loop_timer_add(m->b->loop, 50, stop_loop, m->b->loop, NULL);
        brook_loop_run(m->b->loop);
    }
    if (!a->done) {
        snprintf(err, errlen, "cluster: the metadata store (%s) did not answer %s within %d ms",
                 m->b->st->cluster_endpoints, what, STARTUP_WAIT_MS);
        return BROOK_ERR_TIMEOUT;
    }
    if (a->r.err) {
        /* an https etcd that refuses a client certificate closes the
         * connection after the handshake: libcurl can only say "reset" */
        int https = strncmp(m->b->st->cluster_endpoints, "https://", 8) == 0;
        snprintf(err, errlen, "cluster: %s at the metadata store (%s): %s%s", what, m->b->st->cluster_endpoints,
                 a->error,
                 https ? " (with TLS: does etcd trust cluster.etcd_tls.cert, and cluster.etcd_tls.ca etcd's "
                         "certificate?)"
                       : "");
        return a->r.err;
    }
    return BROOK_OK;
}

/* ---- the cluster id --------------------------------------------------------- */

static brook_err agree_on_cluster_id(brook_membership *m, char *err, size_t errlen)
{
    brook_broker *b = m->b;
    char key[300];
    snprintf(key, sizeof key, "%s/cluster_id", m->ns);
    const char *ours = b->data_dir.cluster_id;
    brook_mcmp absent = {.key = key, .target = BROOK_MCMP_CREATE_REVISION, .number = 0};
    brook_mop create = {.kind = BROOK_MOP_PUT, .key = key, .value = (const uint8_t *)ours, .value_len = strlen(ours)};
    answer a = {0};
    brook_err e = m->store->ops->txn(m->store, &absent, 1, &create, 1, NULL, 0, on_answer, &a);
    if (e || (e = wait_answer(m, &a, "creating the cluster id", err, errlen)))
        return e;
    if (a.r.succeeded) {
        log_info("cluster %s: created with id %s", b->st->cluster_name, ours);
        return BROOK_OK;
    }
    answer g = {0};
    e = m->store->ops->get(m->store, key, 0, on_answer, &g);
    if (e || (e = wait_answer(m, &g, "reading the cluster id", err, errlen)))
        return e;
    return brook_data_dir_join_cluster(&b->data_dir, b->st->data_dir, b->st->broker_id, g.value, err, errlen);
}

brook_err brook_membership_join(brook_broker *b, char *err, size_t errlen)
{
    brook_membership *m = calloc(1, sizeof *m);
    if (!m)
        return BROOK_ERR_NOMEM;
    m->b = b;
    b->membership = m;
    const brook_settings *st = b->st;
    snprintf(m->ns, sizeof m->ns, "%s/%s", strcmp(st->cluster_prefix, "/") == 0 ? "" : st->cluster_prefix,
             st->cluster_name);
    snprintf(m->key, sizeof m->key, "%s/brokers/%d", m->ns, st->broker_id);
    brook_http_tls tls = {.ca = st->etcd_ca, .cert = st->etcd_cert, .key = st->etcd_key};
    brook_err e = brook_etcd_store_new(b->loop, st->cluster_endpoints, &tls, &m->store);
    if (e) {
        snprintf(err, errlen, "cluster: cannot reach the metadata store: %s", brook_err_str(e));
        return e;
    }
    return agree_on_cluster_id(m, err, errlen);
}

/* ---- registration --------------------------------------------------------------- */

static char *registration_value(const brook_broker *b, int shutting_down)
{
    json_t *j = json_object(), *ls = json_array();
    json_object_set_new(j, "id", json_integer(b->st->broker_id));
    if (b->st->rack)
        json_object_set_new(j, "rack", json_string(b->st->rack));
    if (shutting_down)
        json_object_set_new(j, "shutting_down", json_true());
    for (size_t i = 0; i < b->listener_count; i++) {
        const brook_listener *l = &b->listeners[i];
        json_t *x = json_object();
        json_object_set_new(x, "name", json_string(l->conf->name));
        json_object_set_new(x, "codec", json_string(l->conf->codec));
        json_object_set_new(x, "host", json_string(l->advertised_host));
        json_object_set_new(x, "port", json_integer(l->advertised_port));
        json_array_append_new(ls, x);
    }
    json_object_set_new(j, "listeners", ls);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return text;
}

static void schedule_keepalive(brook_membership *m);
static void reregister(brook_membership *m);

static void renewed(void *arg, const brook_mresult *r)
{
    brook_membership *m = arg;
    if (m->stopping)
        return;
    int64_t now = brook_monotonic_ms();
    if (!r->err && r->ttl > 0) {
        m->last_renewed_ms = m->renewal_sent_ms;
    } else if (!r->err || now - m->last_renewed_ms >= m->b->st->lease_ttl_ms) {
        /* expired (a ttl of 0), or unreachable for a whole ttl: gone */
        if (!m->lost)
            log_error("cluster: this broker's lease expired (%s): it is not a member until it registers again",
                      r->err ? r->error : "the store dropped it");
        m->lost = 1;
        brook_metric_add(m->b->m.cluster_lease_lost_total, 1);
        reregister(m);
        return;
    }
    schedule_keepalive(m);
}

static void keepalive_due(void *arg)
{
    brook_membership *m = arg;
    m->keepalive = NULL;
    if (m->stopping)
        return;
    m->renewal_sent_ms = brook_monotonic_ms();
    if (m->store->ops->lease_keepalive(m->store, m->lease, renewed, m))
        schedule_keepalive(m);
}

/* Renew every third of the TTL: two renewals may fail before it expires. */
static void schedule_keepalive(brook_membership *m)
{
    if (!m->stopping && !m->keepalive)
        brook_loop_timer_add(m->b->loop, m->b->st->lease_ttl_ms / 3, keepalive_due, m, &m->keepalive);
}

/* The registration transaction: the broker key, created only if absent. */
static brook_err send_registration(brook_membership *m, brook_mdone done, void *arg)
{
    brook_mcmp absent = {.key = m->key, .target = BROOK_MCMP_CREATE_REVISION, .number = 0};
    brook_mop put = {.kind = BROOK_MOP_PUT,
                     .key = m->key,
                     .value = (const uint8_t *)m->registration,
                     .value_len = strlen(m->registration),
                     .lease = m->lease};
    return m->store->ops->txn(m->store, &absent, 1, &put, 1, NULL, 0, done, arg);
}

/* ---- after a lost lease: a new lease, the key again ----------------------------- */

static void reregistered(void *arg, const brook_mresult *r)
{
    brook_membership *m = arg;
    if (m->stopping)
        return;
    if (!r->err && r->succeeded) {
        m->lost = 0;
        m->last_renewed_ms = m->renewal_sent_ms; /* when the lease was asked for */
        log_info("cluster: broker %d registered again", m->b->st->broker_id);
        schedule_keepalive(m);
        return;
    }
    if (!r->err)
        log_error("cluster: broker id %d was taken by another broker meanwhile; this one stays out",
                  m->b->st->broker_id);
    schedule_keepalive(m); /* try again later (the keepalive of a dead lease fails into reregister) */
}

static void regranted(void *arg, const brook_mresult *r)
{
    brook_membership *m = arg;
    if (m->stopping)
        return;
    if (r->err || !r->lease) {
        schedule_keepalive(m);
        return;
    }
    m->lease = r->lease;
    if (send_registration(m, reregistered, m))
        schedule_keepalive(m);
}

static void reregister(brook_membership *m)
{
    if (m->stopping)
        return;
    int64_t ttl_s = (m->b->st->lease_ttl_ms + 999) / 1000;
    m->renewal_sent_ms = brook_monotonic_ms();
    if (m->store->ops->lease_grant(m->store, ttl_s, regranted, m))
        schedule_keepalive(m);
}

/* ---- the live brokers ------------------------------------------------------------- */

static void free_live(brook_live_broker *l)
{
    for (size_t i = 0; i < l->listener_count; i++) {
        free(l->listeners[i].name);
        free(l->listeners[i].host);
    }
    free(l->listeners);
    free(l->rack);
    free(l->info);
}

static void forget(brook_membership *m, int32_t id)
{
    for (size_t i = 0; i < m->live_count; i++)
        if (m->live[i].id == id) {
            free_live(&m->live[i]);
            m->live[i] = m->live[--m->live_count];
            return;
        }
}

/* Its rack and listeners, from the registration's JSON; -1 when malformed. */
static int parse_registration(brook_live_broker *l)
{
    json_t *j = json_loads(l->info, 0, NULL);
    json_t *rack = json_object_get(j, "rack"), *ls = json_object_get(j, "listeners");
    l->shutting_down = json_is_true(json_object_get(j, "shutting_down"));
    size_t n = json_is_array(ls) ? json_array_size(ls) : 0;
    int rc = j && json_is_array(ls) ? 0 : -1;
    if (!rc && json_is_string(rack) && !(l->rack = strdup(json_string_value(rack))))
        rc = -1;
    if (!rc && n && !(l->listeners = calloc(n, sizeof *l->listeners)))
        rc = -1;
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *x = json_array_get(ls, i);
        json_t *name = json_object_get(x, "name"), *host = json_object_get(x, "host"),
               *port = json_object_get(x, "port");
        if (!json_is_string(name) || !json_is_string(host) || !json_is_integer(port)) {
            rc = -1;
            break;
        }
        brook_live_listener *li = &l->listeners[l->listener_count++];
        li->name = strdup(json_string_value(name));
        li->host = strdup(json_string_value(host));
        li->port = (int32_t)json_integer_value(port);
        if (!li->name || !li->host)
            rc = -1;
    }
    json_decref(j);
    return rc;
}

static void remember(brook_membership *m, const brook_mkv *kv)
{
    const char *slash = strrchr(kv->key, '/');
    int32_t id = slash ? (int32_t)atoi(slash + 1) : -1;
    forget(m, id);
    brook_live_broker *bigger = realloc(m->live, sizeof *bigger * (m->live_count + 1));
    char *info = malloc(kv->value_len + 1);
    if (!bigger || !info) {
        free(info);
        if (bigger)
            m->live = bigger;
        return;
    }
    m->live = bigger;
    memcpy(info, kv->value, kv->value_len);
    info[kv->value_len] = '\0';
    brook_live_broker l = {.id = id, .info = info};
    if (parse_registration(&l)) {
        log_warn("cluster: broker %d's registration does not parse; it is left out", id);
        free_live(&l);
        return;
    }
    m->live[m->live_count++] = l;
}

static void brokers_changed(void *arg, const brook_mevent *ev, size_t n, int64_t revision)
{
    brook_membership *m = arg;
    (void)revision;
    for (size_t i = 0; i < n; i++) {
        const char *slash = strrchr(ev[i].kv.key, '/');
        int32_t id = slash ? (int32_t)atoi(slash + 1) : -1;
        if (ev[i].deleted) {
            forget(m, id);
            log_info("cluster: broker %d left", id);
        } else {
            remember(m, &ev[i].kv);
            if (brook_membership_is_staying(m->b, id))
                log_info("cluster: broker %d is live", id);
            else if (brook_membership_is_live(m->b, id)) /* (left out when it did not parse) */
                log_info("cluster: broker %d is shutting down", id);
        }
    }
    brook_controller_brokers_changed(m->b);
    brook_local_replicas_brokers_changed(m->b);
}

static void brokers_read(void *arg, const brook_mkv *kvs, size_t n, int64_t revision)
{
    brook_membership *m = arg;
    (void)revision;
    while (m->live_count)
        forget(m, m->live[0].id);
    for (size_t i = 0; i < n; i++)
        remember(m, &kvs[i]);
    m->ready = 1;
    brook_controller_brokers_changed(m->b);
    brook_local_replicas_brokers_changed(m->b);
}

/* Read the brokers, then watch them from the revision read. */
static void watch_brokers(brook_membership *m)
{
    char prefix[320];
    snprintf(prefix, sizeof prefix, "%s/brokers/", m->ns);
    static const brook_prefix_watch_ops ops = {.snapshot = brokers_read, .changed = brokers_changed};
    brook_prefix_watch_start(&m->brokers, m->store, m->b->loop, prefix, 0, "the brokers", &ops, m);
}

/* A broker restarted right after a crash finds its previous registration
 * still there until that lease runs out: wait for it (at most a TTL and a
 * second), so that a quick restart works; a key still there after that is
 * kept alive by another live broker with the same id. */
static brook_err wait_for_previous_registration(brook_membership *m, char *err, size_t errlen)
{
    int64_t deadline = brook_monotonic_ms() + m->b->st->lease_ttl_ms + 1000;
    for (int said = 0;;) {
        answer g = {0};
        brook_err e = m->store->ops->get(m->store, m->key, 0, on_answer, &g);
        if (e || (e = wait_answer(m, &g, "reading this broker's registration", err, errlen)))
            return e;
        if (!g.r.count || brook_monotonic_ms() >= deadline)
            return BROOK_OK; /* absent, or the create-if-absent below refuses it */
        if (!said++)
            log_warn("cluster: broker.id %d is still registered (a previous run whose lease has not expired yet, or "
                     "another live broker with this id): waiting up to %lld ms",
                     m->b->st->broker_id, (long long)m->b->st->lease_ttl_ms + 1000);
        for (int waited = 0; waited < 500; waited += 50) {
            brook_loop_timer_add(m->b->loop, 50, stop_loop, m->b->loop, NULL);
            brook_loop_run(m->b->loop);
        }
    }
}

brook_err brook_membership_register(brook_broker *b, char *err, size_t errlen)
{
    brook_membership *m = b->membership;
    int64_t ttl_s = (b->st->lease_ttl_ms + 999) / 1000;
    brook_err first = wait_for_previous_registration(m, err, errlen);
    if (first)
        return first;
    answer g = {0};
    m->renewal_sent_ms = brook_monotonic_ms();
    brook_err e = m->store->ops->lease_grant(m->store, ttl_s, on_answer, &g);
    if (e || (e = wait_answer(m, &g, "granting this broker's lease", err, errlen)))
        return e;
    m->lease = g.lease;
    if (!(m->registration = registration_value(b, 0)))
        return BROOK_ERR_NOMEM;
    answer a = {0};
    e = send_registration(m, on_answer, &a);
    if (e || (e = wait_answer(m, &a, "registering this broker", err, errlen)))
        return e;
    if (!a.r.succeeded) {
        snprintf(err, errlen,
                 "cluster: broker.id %d is registered by another live broker (%s): each broker needs its own id",
                 b->st->broker_id, m->key);
        return BROOK_ERR_EXISTS;
    }
    m->last_renewed_ms = m->renewal_sent_ms;
    schedule_keepalive(m);
    watch_brokers(m);
    if ((e = brook_controller_start(b))) {
        snprintf(err, errlen, "cluster: cannot start the controller election: %s", brook_err_str(e));
        return e;
    }
    log_info("cluster %s: broker %d registered (%s, lease %lld, ttl %lld ms)", b->st->cluster_name, b->st->broker_id,
             m->key, (long long)m->lease, (long long)b->st->lease_ttl_ms);
    return BROOK_OK;
}

/* ---- a controlled shutdown ----------------------------------------------------------- */

static void shutdown_announced(void *arg, const brook_mresult *r)
{
    brook_membership *m = arg;
    if (!r->err && r->succeeded) {
        m->shutdown = SHUTDOWN_TAKEN;
        return;
    }
    m->shutdown = STAYING; /* asked again on the next try */
    log_warn("cluster: cannot mark this broker as shutting down: %s",
             r->err ? (r->error ? r->error : brook_err_str(r->err)) : "its registration is gone");
}

brook_err brook_membership_announce_shutdown(brook_broker *b)
{
    brook_membership *m = b->membership;
    if (!m || !m->lease || m->lost || m->stopping)
        return BROOK_ERR_NOT_LEADER;
    if (m->shutdown != STAYING)
        return BROOK_OK;
    char *value = registration_value(b, 1);
    if (!value)
        return BROOK_ERR_NOMEM;
    free(m->registration); /* a registration after a lost lease says it too */
    m->registration = value;
    /* only over this broker's own key, while it exists (a lost lease
     * deleted it: the others already took this broker for gone) */
    brook_mcmp exists = {.key = m->key, .target = BROOK_MCMP_VERSION, .result = BROOK_MCMP_GREATER, .number = 0};
    brook_mop put = {.kind = BROOK_MOP_PUT,
                     .key = m->key,
                     .value = (const uint8_t *)value,
                     .value_len = strlen(value),
                     .lease = m->lease};
    brook_err e = m->store->ops->txn(m->store, &exists, 1, &put, 1, NULL, 0, shutdown_announced, m);
    if (!e)
        m->shutdown = SHUTDOWN_ASKED;
    return e;
}

int brook_membership_shutting_down(const brook_broker *b)
{
    return b->membership && b->membership->shutdown != STAYING;
}

int brook_membership_shutdown_announced(const brook_broker *b)
{
    return b->membership && b->membership->shutdown == SHUTDOWN_TAKEN;
}

/* A graceful stop gives the lease back: the others see this broker leave at
 * once instead of a TTL later. */
void brook_membership_leave(brook_broker *b)
{
    brook_membership *m = b->membership;
    if (!m)
        return;
    brook_controller_quiesce(b); /* no campaigning while the lease goes back */
    m->stopping = 1;
    if (m->keepalive)
        brook_loop_timer_cancel(b->loop, m->keepalive);
    m->keepalive = NULL;
    if (m->brokers.store)
        brook_prefix_watch_stop(&m->brokers);
    if (m->lease && m->store) {
        answer a = {0};
        char err[256];
        if (m->store->ops->lease_revoke(m->store, m->lease, on_answer, &a) == BROOK_OK &&
            wait_answer(m, &a, "revoking this broker's lease", err, sizeof err))
            log_warn("%s", err);
    }
    if (m->store)
        m->store->ops->free(m->store); /* answers still in flight are dropped */
    brook_controller_stop(b);
    for (size_t i = 0; i < m->live_count; i++)
        free_live(&m->live[i]);
    free(m->live);
    free(m->registration);
    free(m);
    b->membership = NULL;
}

void brook_membership_abandon_answers(brook_broker *b)
{
    brook_metastore *s = brook_membership_store(b);
    if (s)
        s->ops->abandon(s);
}

const brook_live_broker *brook_membership_live(const brook_broker *b, size_t *count)
{
    const brook_membership *m = b->membership;
    *count = m ? m->live_count : 0;
    return m ? m->live : NULL;
}

int brook_membership_is_live(const brook_broker *b, int32_t id)
{
    size_t n;
    const brook_live_broker *live = brook_membership_live(b, &n);
    for (size_t i = 0; i < n; i++)
        if (live[i].id == id)
            return 1;
    return 0;
}

int brook_membership_is_staying(const brook_broker *b, int32_t id)
{
    size_t n;
    const brook_live_broker *live = brook_membership_live(b, &n);
    for (size_t i = 0; i < n; i++)
        if (live[i].id == id)
            return !live[i].shutting_down;
    return 0;
}

int brook_membership_ready(const brook_broker *b)
{
    return b->membership && b->membership->ready;
}

int brook_membership_lost(const brook_broker *b)
{
    return b->membership && b->membership->lost;
}

int brook_membership_lease_valid(const brook_broker *b)
{
    const brook_membership *m = b->membership;
    return m && !m->lost && m->lease && brook_monotonic_ms() - m->last_renewed_ms < b->st->lease_ttl_ms;
}

brook_metastore *brook_membership_store(const brook_broker *b)
{
    return b->membership ? b->membership->store : NULL;
}

int64_t brook_membership_lease(const brook_broker *b)
{
    return b->membership && !b->membership->lost ? b->membership->lease : 0;
}

const char *brook_membership_namespace(const brook_broker *b)
{
    return b->membership ? b->membership->ns : "";
}

int brook_membership_peer_address(const brook_broker *b, int32_t id, const char **host, int32_t *port)
{
    size_t n;
    const brook_live_broker *live = brook_membership_live(b, &n);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; live[i].id == id && k < live[i].listener_count; k++)
            if (strcmp(live[i].listeners[k].name, b->st->inter_broker_listener) == 0) {
                *host = live[i].listeners[k].host;
                *port = live[i].listeners[k].port;
                return 0;
            }
    return -1;
}
