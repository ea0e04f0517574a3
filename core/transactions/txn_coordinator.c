#include "txn_coordinator.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "group_coordinator.h"
#include "lifecycle.h"
#include "log.h"
#include "marker_delivery.h"
#include "offsets.h"
#include "peer_links.h"
#include "producer_id_blocks.h"
#include "producer_ids.h"
#include "strmap.h"
#include "txn_meta.h"

#define MAX_EPOCH 32766 /* Kafka's Short.MaxValue - 1: one more is a new producer id */

typedef struct brook_txn_coordinator brook_txn_coordinator;

struct end_waiter;

/* What the coordinator is doing for one id now. */
typedef struct txn_run {
    struct brook_txn_coordinator *c;
    int busy;   /* a state write or a marker delivery under way */
    int orphan; /* no longer coordinated here: freed once not busy */
    brook_marker_delivery *delivery;
    struct end_waiter *waiters; /* requests waiting for the last transaction's end */
    char id[];
} txn_run;

struct brook_txn_coordinator {
    brook_broker *b;
    brook_strmap runs;       /* id -> txn_run */
    brook_peer_links *links; /* to the other brokers (a cluster's) */
    brook_timer *scan;
    int stopping;
};

static int64_t now_ms(void)
{
    return brook_wall_clock_ms();
}

static const brook_txn_meta *current(brook_txn_coordinator *c, const char *id)
{
    return brook_offsets_txn(c->b->offsets, id);
}

static txn_run *run_of(brook_txn_coordinator *c, const char *id)
{
    txn_run *run = brook_strmap_get(&c->runs, id);
    if (run)
        return run;
    size_t n = strlen(id) + 1;
    if (!(run = calloc(1, sizeof *run + n)))
        return NULL;
    run->c = c;
    memcpy(run->id, id, n);
    if (brook_strmap_put(&c->runs, id, run)) {
        free(run);
        return NULL;
    }
    return run;
}

/* An orphan is freed once nothing of it is under way. */
static void settle(txn_run *run)
{
    if (run->orphan && !run->busy)
        free(run);
}

/* A failed write of an id's state, as the client should see it: another
 * broker coordinates it now, or try again. */
static brook_err as_coordinator_error(brook_err e)
{
    return e == BROOK_ERR_NOT_LEADER || e == BROOK_ERR_SHUTDOWN ? BROOK_ERR_NOT_LEADER : BROOK_ERR_LEADER_NOT_AVAILABLE;
}

/* ---- writing an id's state ---------------------------------------------------------- */

typedef struct step step;
typedef void (*step_then)(step *s, brook_err err);
struct step {
    txn_run *run;
    brook_req *req;    /* answered by `then`; NULL for the coordinator's own steps */
    brook_txn_meta *m; /* what was written (NULL: the id forgotten) */
    step_then then;
};

static void step_written(void *arg, brook_err err)
{
    step *s = arg;
    txn_run *run = s->run;
    run->busy = 0;
    s->then(s, err);
    if (s->req)
        brook_req_release(s->req);
    free(s->m);
    free(s);
    settle(run);
}

/* Write `m` (taken; NULL forgets the id) as the id's state, then `then`. */
static void write_step(txn_run *run, brook_req *req, brook_txn_meta *m, step_then then)
{
    step *s = calloc(1, sizeof *s);
    if (!s) {
        step fail = {.run = run, .req = req, .m = m, .then = then};
        then(&fail, BROOK_ERR_NOMEM);
        free(m);
        return;
    }
    *s = (step){.run = run, .req = req, .m = m, .then = then};
    run->busy = 1;
    if (req)
        req->pending++;
    brook_offsets_write_txn(run->c->b->offsets, run->id, m, step_written, s);
}

/* A copy of `m` changed to `state`, updated now. */
static brook_txn_meta *next_state(const brook_txn_meta *m, brook_txn_state state, const brook_txn_tp *add, size_t n)
{
    brook_txn_meta *x = brook_txn_meta_copy(m, add, n);
    if (x) {
        x->state = state;
        x->update_ms = now_ms();
    }
    return x;
}

/* The id's state with no partitions: a complete transaction's, or a fresh one. */
static brook_txn_meta *without_partitions(const brook_txn_meta *m, brook_txn_state state)
{
    brook_txn_meta bare = *m;
    bare.partition_count = 0;
    bare.start_ms = -1;
    return next_state(&bare, state, NULL, 0);
}

/* Its end written (PrepareCommit/Abort) and its markers on their way. */
static int ending(const brook_txn_meta *m)
{
    return m && (m->state == BROOK_TXN_PREPARE_COMMIT || m->state == BROOK_TXN_PREPARE_ABORT);
}

/* ---- requests that wait for the last transaction's end ------------------------------------ */
/* A request that comes while the id's last transaction is ending (its
 * markers on their way) waits for the end, at most WAIT_FOR_END_MS, rather
 * than being answered CONCURRENT_TRANSACTIONS at once, which clients retry
 * only after a pause (librdkafka and the Java client: 20 ms for
 * AddPartitionsToTxn, 100 ms for the others) where the end takes a few ms
 * in a cluster: AddPartitionsToTxn and AddOffsetsToTxn (the next
 * transaction of a producer begins right after the last one's EndTxn), an
 * EndTxn retried, and an InitProducerId (a producer starting again, whose
 * predecessor's transaction it aborts, or that was still ending). */
#define WAIT_FOR_END_MS 500

typedef struct end_waiter {
    struct end_waiter *next;
    brook_req *req;
    txn_run *run; /* NULL once no longer waiting */
} end_waiter;

static void unlink_waiter(end_waiter *w)
{
    for (end_waiter **p = &w->run->waiters; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            break;
        }
    w->run = NULL;
}

static void answer_waiter(brook_req *req, brook_err e)
{
    switch (req->pub.type) {
    case BROOK_REQ_ADD_PARTITIONS_TO_TXN: brook_txn_answer_partitions(&req->pub.u.add_partitions_to_txn, e, 0); break;
    case BROOK_REQ_ADD_OFFSETS_TO_TXN: req->pub.u.add_offsets_to_txn.error = e; break;
    case BROOK_REQ_END_TXN: req->pub.u.end_txn.error = e; break;
    default: req->pub.u.init_producer_id.error = e; break;
    }
}

/* Taken up again once the transaction has ended. */
static void take_up(brook_req *req)
{
    switch (req->pub.type) {
    case BROOK_REQ_ADD_PARTITIONS_TO_TXN: brook_txn_add_partitions(req); break;
    case BROOK_REQ_ADD_OFFSETS_TO_TXN: brook_txn_add_offsets(req); break;
    case BROOK_REQ_END_TXN: brook_txn_end(req); break;
    default: brook_txn_init_producer_id(req); break;
    }
}

/* Its wait ran out (answered CONCURRENT_TRANSACTIONS, retried by the
 * client), or its connection went away. */
static void stop_waiting(brook_req *req)
{
    end_waiter *w = req->handler_state;
    if (!w->run)
        return;
    unlink_waiter(w);
    answer_waiter(req, BROOK_ERR_CONCURRENT_TRANSACTIONS);
    brook_req_release(req);
}

/* 1: `req` waits for the end of `run`'s transaction, after those already
 * waiting (a client's pipelined requests are taken up in its order). */
static int wait_for_end(txn_run *run, brook_req *req)
{
    end_waiter *w = brook_request_alloc(&req->pub, sizeof *w);
    if (!w)
        return 0;
    *w = (end_waiter){.req = req, .run = run};
    end_waiter **tail = &run->waiters;
    while (*tail)
        tail = &(*tail)->next;
    *tail = w;
    req->handler_state = w;
    req->on_deadline = stop_waiting;
    req->cancel = stop_waiting;
    req->pending++;
    brook_req_arm_deadline(req, WAIT_FOR_END_MS);
    return 1;
}

/* The transaction ended (`e` BROOK_OK: each waiter is taken up again now)
 * or the id is not coordinated here any more (`e` its answer). */
static void wake_waiters(txn_run *run, brook_err e)
{
    end_waiter *w = run->waiters;
    run->waiters = NULL;
    while (w) {
        end_waiter *next = w->next;
        brook_req *req = w->req;
        w->run = NULL;
        if (req->deadline) {
            brook_loop_timer_cancel(req->broker->loop, req->deadline);
            req->deadline = NULL;
        }
        req->on_deadline = NULL;
        req->cancel = NULL;
        if (e)
            answer_waiter(req, e);
        else
            take_up(req);
        brook_req_release(req);
        w = next;
    }
}

/* ---- ending: markers, then complete ---------------------------------------------------- */

static void start_delivery(txn_run *run);

static void completed(step *s, brook_err err)
{
    brook_broker *b = s->run->c->b;
    if (err) { /* still PrepareCommit/Abort: the next scan delivers again */
        log_warn("transactional id %s: cannot write its transaction complete: %s", s->run->id, brook_err_str(err));
        return;
    }
    brook_metric_add(s->m->state == BROOK_TXN_COMPLETE_COMMIT ? b->m.transactions_committed_total
                                                              : b->m.transactions_aborted_total,
                     1);
    wake_waiters(s->run, BROOK_OK);
}

static void delivered(void *arg)
{
    txn_run *run = arg;
    run->delivery = NULL;
    run->busy = 0;
    const brook_txn_meta *m = current(run->c, run->id);
    if (run->orphan || !ending(m)) {
        settle(run);
        return;
    }
    brook_txn_state done = m->state == BROOK_TXN_PREPARE_COMMIT ? BROOK_TXN_COMPLETE_COMMIT : BROOK_TXN_COMPLETE_ABORT;
    brook_txn_meta *x = without_partitions(m, done);
    if (!x) {
        log_warn("transactional id %s: out of memory completing its transaction (the next scan does)", run->id);
        return;
    }
    write_step(run, NULL, x, completed);
}

/* Deliver the markers of the id's Prepare state (none busy with it). */
static void start_delivery(txn_run *run)
{
    brook_txn_coordinator *c = run->c;
    const brook_txn_meta *m = current(c, run->id);
    if (c->stopping || run->orphan || run->busy || !ending(m))
        return;
    run->delivery = brook_markers_deliver(c->b, c->links, run->id, m, m->state == BROOK_TXN_PREPARE_COMMIT,
                                          brook_coordinator_epoch(c->b, run->id), delivered, run);
    run->busy = run->delivery != NULL; /* NULL (no memory): the next scan tries again */
}

/* ---- checks ---------------------------------------------------------------------------- */

/* The producer a request names against the id's. */
static brook_err check_producer(const brook_txn_meta *m, int64_t producer_id, int16_t epoch)
{
    if (!m || m->producer_id != producer_id)
        return BROOK_ERR_INVALID_PRODUCER_ID_MAPPING;
    if (epoch != m->epoch)
        return BROOK_ERR_PRODUCER_FENCED;
    return BROOK_OK;
}

/* An id whose state is being written or whose markers are on their way. */
static int busy(txn_run *run, const brook_txn_meta *m)
{
    return run->busy || ending(m);
}

/* ---- InitProducerId --------------------------------------------------------------------- */

static void init_answered(step *s, brook_err err)
{
    brook_init_producer_id_req *r = &s->req->pub.u.init_producer_id;
    r->error = err ? as_coordinator_error(err) : BROOK_OK;
    r->producer_id = err ? -1 : s->m->producer_id;
    r->producer_epoch = err ? -1 : s->m->epoch;
}

/* An ongoing transaction is aborted first, its producer fenced: the new
 * one waits for the abort's end and is then given its epoch (or is told
 * to retry, if the end takes longer). */
static void fence_answered(step *s, brook_err err)
{
    brook_init_producer_id_req *r = &s->req->pub.u.init_producer_id;
    r->error = err ? as_coordinator_error(err) : BROOK_ERR_CONCURRENT_TRANSACTIONS;
    if (err)
        return;
    start_delivery(s->run);
    if (!s->run->orphan && wait_for_end(s->run, s->req))
        r->error = BROOK_OK;
}

typedef struct pid_wait {
    txn_run *run;
    brook_req *req;
    int32_t timeout_ms;
} pid_wait;

/* A new producer id for the id, epoch 0 (a new id, or an epoch used up). */
static void got_producer_id(void *arg, brook_err err, int64_t producer_id)
{
    pid_wait *w = arg;
    txn_run *run = w->run;
    brook_req *req = w->req;
    free(w);
    run->busy = 0;
    brook_txn_meta *m = err ? NULL : calloc(1, sizeof *m);
    if (m)
        *m = (brook_txn_meta){.producer_id = producer_id,
                              .last_epoch = -1,
                              .timeout_ms = req->pub.u.init_producer_id.transaction_timeout_ms,
                              .state = BROOK_TXN_EMPTY,
                              .start_ms = -1,
                              .update_ms = now_ms()};
    if (!m || run->orphan) {
        req->pub.u.init_producer_id.error = err ? err : run->orphan ? BROOK_ERR_NOT_LEADER : BROOK_ERR_NOMEM;
        free(m);
    } else {
        write_step(run, req, m, init_answered);
    }
    brook_req_release(req);
    settle(run);
}

static void new_producer_id(txn_run *run, brook_req *req)
{
    brook_broker *b = run->c->b;
    pid_wait *w = malloc(sizeof *w);
    if (!w) {
        req->pub.u.init_producer_id.error = BROOK_ERR_NOMEM;
        return;
    }
    *w = (pid_wait){.run = run, .req = req};
    run->busy = 1;
    req->pending++;
    if (b->st->clustered) {
        brook_cluster_new_producer_id(b, got_producer_id, w);
        return;
    }
    int64_t id;
    brook_err e = brook_producer_ids_next(&b->producer_ids, &id);
    got_producer_id(w, e, id);
}

void brook_txn_init_producer_id(brook_req *req)
{
    brook_txn_coordinator *c = req->broker->txns;
    brook_init_producer_id_req *r = &req->pub.u.init_producer_id;
    const brook_txn_meta *m = current(c, r->transactional_id);
    txn_run *run = run_of(c, r->transactional_id);
    r->producer_id = -1;
    r->producer_epoch = -1;
    if (!run) {
        r->error = BROOK_ERR_NOMEM;
        return;
    }
    if (ending(m) && !run->orphan && wait_for_end(run, req))
        return; /* taken up again once ended */
    if (busy(run, m)) {
        r->error = BROOK_ERR_CONCURRENT_TRANSACTIONS;
        return;
    }
    /* KIP-360: a producer that names its id and epoch must still be the
     * id's; one that names the epoch its own last bump replaced is that
     * request again (its answer lost): the same epoch, nothing written */
    int names_itself = m && r->current_producer_id >= 0;
    if (names_itself && r->current_producer_id == m->producer_id && r->current_producer_epoch == m->last_epoch &&
        m->last_epoch >= 0 && m->last_epoch != m->epoch) {
        r->error = BROOK_OK;
        r->producer_id = m->producer_id;
        r->producer_epoch = m->epoch;
        return;
    }
    if (names_itself && (r->current_producer_id != m->producer_id || r->current_producer_epoch != m->epoch)) {
        r->error = BROOK_ERR_PRODUCER_FENCED;
        return;
    }
    brook_txn_meta *x;
    if (m && m->state == BROOK_TXN_ONGOING) { /* fence the old producer, abort its transaction */
        if (!(x = next_state(m, BROOK_TXN_PREPARE_ABORT, NULL, 0))) {
            r->error = BROOK_ERR_NOMEM;
            return;
        }
        x->last_epoch = names_itself ? m->epoch : -1;
        if (x->epoch < MAX_EPOCH)
            x->epoch++;
        write_step(run, req, x, fence_answered);
        return;
    }
    if (!m || m->epoch >= MAX_EPOCH) {
        new_producer_id(run, req);
        return;
    }
    if (!(x = without_partitions(m, BROOK_TXN_EMPTY))) {
        r->error = BROOK_ERR_NOMEM;
        return;
    }
    x->last_epoch = names_itself ? m->epoch : -1;
    x->epoch++;
    x->timeout_ms = r->transaction_timeout_ms;
    write_step(run, req, x, init_answered);
}

/* ---- AddPartitionsToTxn, AddOffsetsToTxn ----------------------------------------------------- */

void brook_txn_answer_partitions(brook_add_partitions_to_txn_req *r, brook_err err, int keep_failed)
{
    for (size_t t = 0; t < r->topic_count; t++)
        for (size_t i = 0; i < r->topics[t].partition_count; i++)
            if (!keep_failed || !r->topics[t].errors[i])
                r->topics[t].errors[i] = err;
}

static void partitions_added(step *s, brook_err err)
{
    brook_txn_answer_partitions(&s->req->pub.u.add_partitions_to_txn, err ? as_coordinator_error(err) : BROOK_OK, 0);
}

static void offsets_added(step *s, brook_err err)
{
    s->req->pub.u.add_offsets_to_txn.error = err ? as_coordinator_error(err) : BROOK_OK;
}

/* Add `tps` to the id's transaction, which begins if it was not ongoing:
 * *writing with the write under way (`then` answers), else the answer now. */
static brook_err add_to_txn(brook_req *req, const char *id, int64_t producer_id, int16_t epoch, const brook_txn_tp *tps,
                            size_t n, step_then then, int *writing)
{
    *writing = 0;
    brook_txn_coordinator *c = req->broker->txns;
    const brook_txn_meta *m = current(c, id);
    txn_run *run = run_of(c, id);
    brook_err e = run ? check_producer(m, producer_id, epoch) : BROOK_ERR_NOMEM;
    if (e)
        return e;
    if (ending(m) && !run->orphan && wait_for_end(run, req)) {
        *writing = 1; /* answered once it has ended */
        return BROOK_OK;
    }
    if (busy(run, m))
        return BROOK_ERR_CONCURRENT_TRANSACTIONS;
    if (m->partition_count + n > BROOK_TXN_MAX_PARTITIONS)
        return BROOK_ERR_TOO_LARGE;
    size_t known = 0;
    for (size_t i = 0; m->state == BROOK_TXN_ONGOING && i < n; i++)
        known += brook_txn_meta_has(m, tps[i].topic, tps[i].partition);
    if (m->state == BROOK_TXN_ONGOING && known == n)
        return BROOK_OK; /* nothing new: answered now */
    brook_txn_meta *x = next_state(m, BROOK_TXN_ONGOING, tps, n);
    if (!x)
        return BROOK_ERR_NOMEM;
    if (m->state != BROOK_TXN_ONGOING) /* a new transaction */
        x->start_ms = x->update_ms;
    *writing = 1;
    write_step(run, req, x, then);
    return BROOK_OK;
}

void brook_txn_add_partitions(brook_req *req)
{
    brook_add_partitions_to_txn_req *r = &req->pub.u.add_partitions_to_txn;
    size_t n = 0;
    for (size_t t = 0; t < r->topic_count; t++)
        n += r->topics[t].partition_count;
    brook_txn_tp *tps = brook_request_alloc(&req->pub, sizeof *tps * (n + 1));
    if (!tps) {
        brook_txn_answer_partitions(r, BROOK_ERR_NOMEM, 0);
        return;
    }
    size_t k = 0;
    for (size_t t = 0; t < r->topic_count; t++)
        for (size_t i = 0; i < r->topics[t].partition_count; i++)
            tps[k++] = (brook_txn_tp){r->topics[t].name, r->topics[t].partitions[i]};
    int writing;
    brook_err e =
        add_to_txn(req, r->transactional_id, r->producer_id, r->producer_epoch, tps, n, partitions_added, &writing);
    if (!writing)
        brook_txn_answer_partitions(r, e, 0);
}

void brook_txn_add_offsets(brook_req *req)
{
    brook_add_offsets_to_txn_req *r = &req->pub.u.add_offsets_to_txn;
    /* the group's offsets live in its __consumer_offsets partition: that
     * partition gets the transaction's marker */
    brook_txn_tp tp = {BROOK_OFFSETS_TOPIC, brook_coordinator_partition(req->broker, r->group_id)};
    int writing;
    brook_err e =
        add_to_txn(req, r->transactional_id, r->producer_id, r->producer_epoch, &tp, 1, offsets_added, &writing);
    if (!writing)
        r->error = e;
}

/* ---- KIP-890: a partition leader's question -------------------------------------------------- */

brook_err brook_txn_in_transaction(brook_broker *b, const char *id, int64_t producer_id, int16_t epoch,
                                   const char *topic, int32_t partition)
{
    brook_txn_coordinator *c = b->txns;
    const brook_txn_meta *m = current(c, id);
    brook_err e = check_producer(m, producer_id, epoch);
    if (e)
        return e;
    if (ending(m))
        return BROOK_ERR_CONCURRENT_TRANSACTIONS; /* ending: once ended, the batch is late */
    if (m->state == BROOK_TXN_ONGOING && brook_txn_meta_has(m, topic, partition))
        return BROOK_OK;
    const txn_run *run = brook_strmap_get(&c->runs, id);
    /* a state write under way may be the one adding it */
    return run && run->busy ? BROOK_ERR_CONCURRENT_TRANSACTIONS : BROOK_ERR_INVALID_TXN_STATE;
}

void brook_txn_verify_partitions(brook_req *req)
{
    brook_add_partitions_to_txn_req *r = &req->pub.u.add_partitions_to_txn;
    for (size_t t = 0; t < r->topic_count; t++)
        for (size_t i = 0; i < r->topics[t].partition_count; i++)
            r->topics[t].errors[i] =
                brook_txn_in_transaction(req->broker, r->transactional_id, r->producer_id, r->producer_epoch,
                                         r->topics[t].name, r->topics[t].partitions[i]);
}

/* ---- EndTxn ----------------------------------------------------------------------------------- */

static void end_answered(step *s, brook_err err)
{
    s->req->pub.u.end_txn.error = err ? as_coordinator_error(err) : BROOK_OK;
    if (!err)
        start_delivery(s->run);
}

void brook_txn_end(brook_req *req)
{
    brook_txn_coordinator *c = req->broker->txns;
    brook_end_txn_req *r = &req->pub.u.end_txn;
    const brook_txn_meta *m = current(c, r->transactional_id);
    txn_run *run = run_of(c, r->transactional_id);
    if ((r->error = run ? check_producer(m, r->producer_id, r->producer_epoch) : BROOK_ERR_NOMEM))
        return;
    if (ending(m) && !run->orphan && wait_for_end(run, req))
        return; /* a retry while the markers are on their way: answered once complete */
    if (busy(run, m)) {
        r->error = BROOK_ERR_CONCURRENT_TRANSACTIONS;
        return;
    }
    switch (m->state) {
    case BROOK_TXN_ONGOING: {
        brook_txn_meta *x = next_state(m, r->commit ? BROOK_TXN_PREPARE_COMMIT : BROOK_TXN_PREPARE_ABORT, NULL, 0);
        if (x)
            write_step(run, req, x, end_answered);
        else
            r->error = BROOK_ERR_NOMEM;
        return;
    }
    case BROOK_TXN_COMPLETE_COMMIT: /* a retry of what is done: done */
        r->error = r->commit ? BROOK_OK : BROOK_ERR_INVALID_TXN_STATE;
        break;
    case BROOK_TXN_COMPLETE_ABORT: r->error = r->commit ? BROOK_ERR_INVALID_TXN_STATE : BROOK_OK; break;
    default: r->error = BROOK_ERR_INVALID_TXN_STATE; break; /* Empty: nothing to end */
    }
    if (r->error) /* fatal to the client: say why */
        log_info("transactional id %s: %s refused: its transaction is %s (producer %lld, epoch %d)",
                 r->transactional_id, r->commit ? "commit" : "abort", brook_txn_state_name(m->state),
                 (long long)m->producer_id, m->epoch);
}

/* ---- the scan: timeouts, expiry, unfinished ends ------------------------------------------------ */

typedef struct due {
    char **ids;
    size_t n, cap;
    int64_t now;
    const brook_settings *st;
    int (*pick)(void *arg, const char *id);
    void *pick_arg;
} due;

static int needs_work(const due *d, const brook_txn_meta *m)
{
    switch (m->state) {
    case BROOK_TXN_ONGOING: return d->now - m->start_ms > m->timeout_ms;
    case BROOK_TXN_PREPARE_COMMIT:
    case BROOK_TXN_PREPARE_ABORT: return 1;
    default: return d->now - m->update_ms > d->st->txn_id_expiration_ms;
    }
}

static void collect(void *arg, const char *id, const brook_txn_meta *m)
{
    due *d = arg;
    if ((d->pick && !d->pick(d->pick_arg, id)) || !needs_work(d, m))
        return;
    if (d->n == d->cap) {
        char **more = realloc(d->ids, sizeof *more * (d->cap = d->cap ? d->cap * 2 : 16));
        if (!more)
            return; /* the rest at the next scan */
        d->ids = more;
    }
    if ((d->ids[d->n] = strdup(id)))
        d->n++;
}

static void timed_out(step *s, brook_err err)
{
    if (err)
        log_warn("transactional id %s: cannot abort its timed-out transaction: %s", s->run->id, brook_err_str(err));
    else
        start_delivery(s->run);
}

static void forgotten(step *s, brook_err err)
{
    if (err) {
        log_warn("transactional id %s: cannot forget it: %s", s->run->id, brook_err_str(err));
        return;
    }
    if (!s->run->orphan) { /* nothing left of it here: its run goes too (step_written frees it) */
        brook_strmap_remove(&s->run->c->runs, s->run->id);
        s->run->orphan = 1;
    }
}

/* What the id needs now: its unfinished end carried out, its timed-out
 * transaction aborted (the producer fenced), or, idle too long, forgotten. */
static void work_on(brook_txn_coordinator *c, const char *id, int64_t now)
{
    const brook_txn_meta *m = current(c, id);
    txn_run *run = m && brook_coordinator_check(c->b, id) == BROOK_OK ? run_of(c, id) : NULL;
    if (!run || run->busy)
        return;
    if (ending(m)) {
        start_delivery(run);
    } else if (m->state == BROOK_TXN_ONGOING) {
        brook_txn_meta *x = next_state(m, BROOK_TXN_PREPARE_ABORT, NULL, 0);
        if (!x)
            return;
        x->last_epoch = -1; /* the producer fenced: not its own bump */
        if (x->epoch < MAX_EPOCH)
            x->epoch++;
        log_info("transactional id %s: its transaction is past its timeout (%d ms since %lld); aborting it", id,
                 (int)m->timeout_ms, (long long)(now - m->start_ms));
        brook_metric_add(c->b->m.transactions_timed_out_total, 1);
        write_step(run, NULL, x, timed_out);
    } else {
        write_step(run, NULL, NULL, forgotten);
    }
}

static void scan_for(brook_txn_coordinator *c, int (*pick)(void *arg, const char *id), void *arg)
{
    due d = {.now = now_ms(), .st = c->b->st, .pick = pick, .pick_arg = arg};
    brook_offsets_each_txn(c->b->offsets, collect, &d);
    for (size_t i = 0; i < d.n; i++) {
        work_on(c, d.ids[i], d.now);
        free(d.ids[i]);
    }
    free(d.ids);
}

static void scan(void *arg)
{
    brook_txn_coordinator *c = arg;
    c->scan = NULL;
    if (c->stopping)
        return;
    scan_for(c, NULL, NULL);
    if (brook_loop_timer_add(c->b->loop, c->b->st->txn_abort_interval_ms, scan, c, &c->scan))
        log_error("transactions: cannot arm the timeout scan (out of memory): timed-out transactions stay open");
}

struct brook_peer_links *brook_txn_coordinator_links(brook_broker *b)
{
    return b->txns ? b->txns->links : NULL;
}

/* ---- life ------------------------------------------------------------------------------------------ */

brook_err brook_txn_coordinator_start(brook_broker *b)
{
    brook_txn_coordinator *c = calloc(1, sizeof *c);
    if (!c)
        return BROOK_ERR_NOMEM;
    c->b = b;
    if (b->st->clustered && !(c->links = brook_peer_links_new(b))) {
        free(c);
        return BROOK_ERR_NOMEM;
    }
    b->txns = c;
    brook_err e = brook_loop_timer_add(b->loop, b->st->txn_abort_interval_ms, scan, c, &c->scan);
    if (e) {
        brook_peer_links_free(c->links);
        free(c);
        b->txns = NULL;
    }
    return e;
}

typedef struct picking {
    brook_txn_coordinator *c;
    int (*pick)(void *arg, const char *id);
    void *arg;
} picking;

static int picked(void *arg, const char *id, const brook_txn_meta *m)
{
    (void)m;
    const picking *p = arg;
    return !p->pick || p->pick(p->arg, id);
}

static void resume(void *arg, const char *id, const brook_txn_meta *m)
{
    const picking *p = arg;
    if (picked(arg, id, m) && ending(m)) {
        txn_run *run = run_of(p->c, id);
        if (run)
            start_delivery(run);
    }
}

void brook_txn_coordinator_loaded(brook_broker *b, int (*pick)(void *arg, const char *id), void *arg)
{
    if (!b->txns)
        return;
    picking p = {b->txns, pick, arg};
    brook_offsets_each_txn(b->offsets, resume, &p);
}

/* Let go of one id's run: its delivery stops; a state write under way
 * frees it when it is answered. */
static void let_go(brook_txn_coordinator *c, txn_run *run)
{
    brook_strmap_remove(&c->runs, run->id);
    wake_waiters(run, BROOK_ERR_NOT_LEADER); /* NOT_COORDINATOR: the client looks for the next one */
    if (run->delivery) {
        brook_markers_cancel(run->delivery);
        run->delivery = NULL;
        run->busy = 0;
    }
    run->orphan = 1;
    settle(run);
}

void brook_txn_coordinator_unloaded(brook_broker *b, int (*pick)(void *arg, const char *id), void *arg)
{
    brook_txn_coordinator *c = b->txns;
    if (!c)
        return;
    /* the runs first, then let go: removing changes the map */
    size_t n = 0, cap = 16;
    txn_run **gone = malloc(sizeof *gone * cap);
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; gone && (e = brook_strmap_next(&c->runs, &it));) {
        if (pick && !pick(arg, e->key))
            continue;
        if (n == cap) {
            txn_run **more = realloc(gone, sizeof *more * (cap *= 2));
            if (!more)
                break;
            gone = more;
        }
        gone[n++] = e->value;
    }
    for (size_t i = 0; i < n; i++)
        let_go(c, gone[i]);
    free(gone);
}

void brook_txn_coordinator_stop(brook_broker *b)
{
    brook_txn_coordinator *c = b->txns;
    if (!c)
        return;
    c->stopping = 1;
    if (c->scan)
        brook_loop_timer_cancel(b->loop, c->scan);
    c->scan = NULL;
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(&c->runs, &it));) {
        txn_run *run = e->value;
        wake_waiters(run, BROOK_ERR_NOT_LEADER);
        if (run->delivery) {
            brook_markers_cancel(run->delivery);
            run->delivery = NULL;
            run->busy = 0;
        }
    }
    brook_peer_links_free(c->links); /* answers what is in flight: to cancelled deliveries */
    c->links = NULL;
}

void brook_txn_coordinator_free(brook_broker *b)
{
    brook_txn_coordinator *c = b->txns;
    if (!c)
        return;
    brook_txn_coordinator_stop(b);
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(&c->runs, &it));)
        free(e->value);
    brook_strmap_free(&c->runs);
    free(c);
    b->txns = NULL;
}
