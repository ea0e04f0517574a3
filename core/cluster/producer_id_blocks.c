#include "producer_id_blocks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "lifecycle.h"
#include "log.h"
#include "membership.h"
#include "metastore.h"
#include "producer_ids.h"

typedef struct id_wait {
    brook_producer_id_cb got;
    void *arg;
} id_wait;

struct brook_producer_id_blocks {
    int64_t next, end; /* the block in use: [next, end) */
    int asking;        /* a new block is on its way */
    id_wait *waiting;
    size_t count, cap;
    char key[320];
};

static struct brook_producer_id_blocks *blocks(brook_broker *b)
{
    if (!b->pid_blocks && (b->pid_blocks = calloc(1, sizeof *b->pid_blocks)))
        snprintf(b->pid_blocks->key, sizeof b->pid_blocks->key, "%s/producer_id_block", brook_membership_namespace(b));
    return b->pid_blocks;
}

/* Every waiter, from the block or with `err` (the list is taken first: a
 * waiter may ask for another id). */
static void serve_waiting(brook_broker *b, brook_err err)
{
    struct brook_producer_id_blocks *pb = b->pid_blocks;
    size_t served = 0;
    while (served < pb->count && (err || pb->next < pb->end))
        served++;
    id_wait *now = malloc(sizeof *now * (served ? served : 1));
    if (!now) {
        err = BROOK_ERR_NOMEM; /* served one at a time below, with the error */
        served = pb->count;
    }
    size_t n = 0;
    for (size_t i = 0; i < served; i++) {
        if (now)
            now[n++] = pb->waiting[i];
        else
            pb->waiting[i].got(pb->waiting[i].arg, err, -1);
    }
    memmove(pb->waiting, pb->waiting + served, sizeof *pb->waiting * (pb->count - served));
    pb->count -= served;
    for (size_t i = 0; i < n; i++)
        now[i].got(now[i].arg, err, err ? -1 : pb->next++);
    free(now);
}

static void ask_block(brook_broker *b);

static void block_taken(void *arg, const brook_mresult *r)
{
    brook_broker *b = arg;
    struct brook_producer_id_blocks *pb = b->pid_blocks;
    pb->asking = 0;
    if (r->err || !r->succeeded)
        pb->next = pb->end = 0; /* not ours */
    if (r->err) {
        log_warn("cluster: no producer id block from the metadata store: %s", r->error ? r->error : "no answer");
        serve_waiting(b, BROOK_ERR_TIMEOUT); /* retriable: the producer asks again */
        return;
    }
    if (!r->succeeded) { /* another broker took the block meanwhile: read again */
        ask_block(b);
        return;
    }
    serve_waiting(b, BROOK_OK);
    if (pb->count) /* more waiting than one block holds */
        ask_block(b);
}

static void block_read(void *arg, const brook_mresult *r)
{
    brook_broker *b = arg;
    struct brook_producer_id_blocks *pb = b->pid_blocks;
    if (r->err) {
        pb->asking = 0;
        serve_waiting(b, BROOK_ERR_TIMEOUT);
        return;
    }
    int64_t start = 0, mod = 0;
    if (r->count) {
        char text[32];
        snprintf(text, sizeof text, "%.*s", (int)r->kvs[0].value_len, (const char *)r->kvs[0].value);
        start = strtoll(text, NULL, 10);
        mod = r->kvs[0].mod_revision;
    }
    char value[32];
    snprintf(value, sizeof value, "%" PRId64, start + BROOK_PRODUCER_ID_BLOCK);
    /* the block is ours only if nobody moved the key since we read it */
    brook_mcmp same = {
        .key = pb->key, .target = r->count ? BROOK_MCMP_MOD_REVISION : BROOK_MCMP_CREATE_REVISION, .number = mod};
    brook_mop put = {
        .kind = BROOK_MOP_PUT, .key = pb->key, .value = (const uint8_t *)value, .value_len = strlen(value)};
    pb->next = pb->end = 0;
    brook_metastore *s = brook_membership_store(b);
    if (s->ops->txn(s, &same, 1, &put, 1, NULL, 0, block_taken, b)) {
        pb->asking = 0;
        serve_waiting(b, BROOK_ERR_TIMEOUT);
        return;
    }
    pb->next = start; /* used once the transaction succeeded */
    pb->end = start + BROOK_PRODUCER_ID_BLOCK;
}

static void ask_block(brook_broker *b)
{
    struct brook_producer_id_blocks *pb = b->pid_blocks;
    brook_metastore *s = brook_membership_store(b);
    pb->asking = 1;
    pb->next = pb->end = 0;
    if (!s || s->ops->get(s, pb->key, 0, block_read, b)) {
        pb->asking = 0;
        serve_waiting(b, BROOK_ERR_TIMEOUT);
    }
}

void brook_cluster_new_producer_id(brook_broker *b, brook_producer_id_cb got, void *arg)
{
    struct brook_producer_id_blocks *pb = blocks(b);
    if (!pb) {
        got(arg, BROOK_ERR_NOMEM, -1);
        return;
    }
    if (!pb->asking && pb->next < pb->end) {
        got(arg, BROOK_OK, pb->next++);
        return;
    }
    if (pb->count == pb->cap) {
        size_t cap = pb->cap ? pb->cap * 2 : 16;
        id_wait *more = realloc(pb->waiting, sizeof *more * cap);
        if (!more) {
            got(arg, BROOK_ERR_NOMEM, -1);
            return;
        }
        pb->waiting = more;
        pb->cap = cap;
    }
    pb->waiting[pb->count++] = (id_wait){got, arg};
    if (!pb->asking)
        ask_block(b);
}

static void answer(void *arg, brook_err err, int64_t id)
{
    brook_req *req = arg;
    brook_init_producer_id_req *r = &req->pub.u.init_producer_id;
    r->error = err;
    r->producer_id = err ? -1 : id;
    r->producer_epoch = err ? -1 : 0;
    brook_req_release(req);
}

void brook_cluster_producer_id(brook_req *req)
{
    req->pending++; /* answer() releases it, now or once a block came */
    brook_cluster_new_producer_id(req->broker, answer, req);
}

void brook_cluster_producer_ids_stop(brook_broker *b)
{
    struct brook_producer_id_blocks *pb = b->pid_blocks;
    if (!pb)
        return;
    serve_waiting(b, BROOK_ERR_SHUTDOWN);
    free(pb->waiting);
    free(pb);
    b->pid_blocks = NULL;
}
