/* The controller election. One broker at a time holds <ns>/controller,
 * a key attached to its lease, won by a transaction on create_revision == 0
 * (etcd decides; no election code of ours). Everyone watches the key: when
 * it goes (the controller stopped, or its lease expired), every live broker
 * tries again and one wins. The key's create_revision is the controller's
 * epoch: every controller write will compare it (with the first controller
 * duty, topic creation), so that a controller paused past its lease and
 * replaced cannot write when it wakes up. */
#include "controller.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "log.h"
#include "controller_duties.h"
#include "membership.h"
#include "prefix_watch.h"

/* A controller write in flight. */
typedef struct pending_txn pending_txn;
struct pending_txn {
    pending_txn *prev, *next;
    brook_controller *c;
    brook_mdone done;
    void (*abandon)(void *arg);
    void *arg;
};

struct brook_controller {
    brook_broker *b;
    brook_metastore *store;
    char key[300];
    int32_t controller_id;     /* as last seen; -1 none */
    int64_t epoch;             /* our key's create_revision while we hold it, else 0 */
    int campaigning;           /* a claim in flight */
    brook_prefix_watch follow; /* the controller key */
    int stopping;
    pending_txn pending; /* list head */
};

static void campaign(brook_controller *c);

/* Read the key again and watch it (after a failed claim, or a lost link). */
static void retry_later(brook_controller *c, int64_t ms)
{
    if (!c->stopping)
        brook_prefix_watch_restart(&c->follow, ms);
}

static void set_controller(brook_controller *c, int32_t id, int64_t create_revision)
{
    int32_t self = c->b->st->broker_id;
    if (id == self && c->epoch == 0 && create_revision > 0) {
        c->epoch = create_revision;
        brook_metric_add(c->b->m.cluster_controller_elections_total, 1);
        log_info("cluster: this broker (%d) is the controller (epoch %lld)", self, (long long)create_revision);
        c->controller_id = id;
        brook_controller_duties_begin(c->b);
    } else if (id != self && c->epoch) {
        if (id < 0)
            log_warn("cluster: this broker (%d) is no longer the controller: its key is gone", self);
        else
            log_warn("cluster: this broker (%d) is no longer the controller: broker %d is", self, id);
        c->epoch = 0;
    }
    if (id != c->controller_id && id >= 0 && id != self)
        log_info("cluster: broker %d is the controller", id);
    c->controller_id = id;
}

/* ---- the claim ----------------------------------------------------------- */

static void claimed(void *arg, const brook_mresult *r)
{
    brook_controller *c = arg;
    c->campaigning = 0;
    if (c->stopping)
        return;
    if (r->err) {
        /* no lease (it expired and the broker registers again), or no store */
        retry_later(c, 1000);
        return;
    }
    if (r->succeeded)
        set_controller(c, c->b->st->broker_id, r->revision); /* created by this txn */
    /* lost: the watch tells who won */
}

static void campaign(brook_controller *c)
{
    int64_t lease = brook_membership_lease(c->b);
    /* a broker shutting down does not take the role it would leave at once */
    if (c->campaigning || c->stopping || !lease || c->controller_id >= 0 || brook_membership_shutting_down(c->b))
        return;
    char value[32];
    int n = snprintf(value, sizeof value, "%d", c->b->st->broker_id);
    brook_mcmp absent = {.key = c->key, .target = BROOK_MCMP_CREATE_REVISION, .number = 0};
    brook_mop put = {
        .kind = BROOK_MOP_PUT, .key = c->key, .value = (const uint8_t *)value, .value_len = (size_t)n, .lease = lease};
    c->campaigning = 1;
    if (c->store->ops->txn(c->store, &absent, 1, &put, 1, NULL, 0, claimed, c)) {
        c->campaigning = 0;
        retry_later(c, 1000);
    }
}

/* ---- watching the key ------------------------------------------------------ */

static void changed(void *arg, const brook_mevent *ev, size_t n, int64_t revision)
{
    brook_controller *c = arg;
    (void)revision;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ev[i].kv.key, c->key) != 0)
            continue;
        if (ev[i].deleted) {
            if (c->controller_id >= 0)
                log_info("cluster: the controller (%d) is gone", c->controller_id);
            set_controller(c, -1, 0);
        } else {
            set_controller(c, (int32_t)strtol((const char *)ev[i].kv.value, NULL, 10), ev[i].kv.create_revision);
        }
    }
    campaign(c);
}

static void key_read(void *arg, const brook_mkv *kvs, size_t n, int64_t revision)
{
    brook_controller *c = arg;
    (void)revision;
    const brook_mkv *kv = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(kvs[i].key, c->key) == 0)
            kv = &kvs[i];
    if (kv)
        set_controller(c, (int32_t)strtol((const char *)kv->value, NULL, 10), kv->create_revision);
    else
        set_controller(c, -1, 0);
    campaign(c);
}

brook_err brook_controller_start(brook_broker *b)
{
    brook_controller *c = calloc(1, sizeof *c);
    if (!c)
        return BROOK_ERR_NOMEM;
    c->b = b;
    c->store = brook_membership_store(b);
    c->controller_id = -1;
    snprintf(c->key, sizeof c->key, "%s/controller", brook_membership_namespace(b));
    c->pending.prev = c->pending.next = &c->pending;
    b->controller = c;
    static const brook_prefix_watch_ops ops = {.snapshot = key_read, .changed = changed};
    brook_prefix_watch_start(&c->follow, c->store, b->loop, c->key, 1, "the controller key", &ops, c);
    return BROOK_OK;
}

void brook_controller_quiesce(brook_broker *b)
{
    brook_controller *c = b->controller;
    if (!c)
        return;
    c->stopping = 1;
    brook_prefix_watch_stop(&c->follow);
}

void brook_controller_stop(brook_broker *b)
{
    brook_controller_quiesce(b);
    brook_controller *c = b->controller;
    if (!c)
        return;
    /* the store is gone: no answer will come */
    while (c->pending.next != &c->pending) {
        pending_txn *t = c->pending.next;
        t->prev->next = t->next;
        t->next->prev = t->prev;
        if (t->abandon)
            t->abandon(t->arg);
        free(t);
    }
    brook_controller_duties_end(b);
    free(b->controller);
    b->controller = NULL;
}

int32_t brook_controller_id(const brook_broker *b)
{
    return b->controller ? b->controller->controller_id : b->st->broker_id; /* a single broker is its own */
}

int brook_is_controller(const brook_broker *b)
{
    return b->controller && b->controller->epoch > 0;
}

/* ---- the controller's writes ------------------------------------------------ */

static void txn_answered(void *arg, const brook_mresult *r)
{
    pending_txn *t = arg;
    t->prev->next = t->next;
    t->next->prev = t->prev;
    t->done(t->arg, r);
    free(t);
}

brook_err brook_controller_txn(brook_broker *b, const brook_mcmp *cmp, size_t ncmp, const brook_mop *ops, size_t nops,
                               brook_mdone done, void (*abandon)(void *arg), void *arg)
{
    brook_controller *c = b->controller;
    if (!c || !c->epoch || c->stopping)
        return BROOK_ERR_NOT_LEADER;
    if (ncmp + 1 > BROOK_CONTROLLER_TXN_MAX_OPS || nops > BROOK_CONTROLLER_TXN_MAX_OPS)
        return BROOK_ERR_TOO_LARGE;
    brook_mcmp all[BROOK_CONTROLLER_TXN_MAX_OPS];
    all[0] = (brook_mcmp){.key = c->key, .target = BROOK_MCMP_CREATE_REVISION, .number = c->epoch};
    for (size_t i = 0; i < ncmp; i++)
        all[i + 1] = cmp[i];
    pending_txn *t = calloc(1, sizeof *t);
    if (!t)
        return BROOK_ERR_NOMEM;
    *t = (pending_txn){.c = c, .done = done, .abandon = abandon, .arg = arg};
    brook_err e = c->store->ops->txn(c->store, all, ncmp + 1, ops, nops, NULL, 0, txn_answered, t);
    if (e) {
        free(t);
        return e;
    }
    t->next = c->pending.next;
    t->prev = &c->pending;
    c->pending.next->prev = t;
    c->pending.next = t;
    return BROOK_OK;
}
