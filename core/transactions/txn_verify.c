#include "txn_verify.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "group_coordinator.h"
#include "log.h"
#include "peer_links.h"
#include "txn_coordinator.h"

/* The coordinator's answer as the producer should see it. */
static brook_err as_producer_error(brook_err e)
{
    switch (e) {
    case BROOK_OK:
    case BROOK_ERR_INVALID_TXN_STATE:
    case BROOK_ERR_INVALID_PRODUCER_ID_MAPPING:
    case BROOK_ERR_INVALID_PRODUCER_EPOCH: return e;
    case BROOK_ERR_PRODUCER_FENCED: return BROOK_ERR_INVALID_PRODUCER_EPOCH; /* what a producer expects here */
    case BROOK_ERR_DENIED: /* the coordinator refused this broker: not the client's to see (Kafka's choice) */
        return BROOK_ERR_INVALID_TXN_STATE;
    default: return BROOK_ERR_AGAIN; /* a retry may cure it */
    }
}

/* A question in flight. The link keeps its own deadline (the broker's
 * request timeout: no answer by then and the link is presumed broken);
 * an asker with a shorter one stops waiting at it (`gave_up`) and the
 * answer, when it comes, is dropped. */
typedef struct remote_ask {
    brook_loop *loop;
    brook_timer *timer; /* the asker's deadline; NULL: none, or passed */
    int gave_up;
    brook_txn_verified done;
    void *arg;
} remote_ask;

static void asker_deadline(void *arg)
{
    remote_ask *ask = arg;
    ask->timer = NULL;
    ask->gave_up = 1;
    ask->done(ask->arg, BROOK_ERR_AGAIN); /* the coordinator too slow: a retry may find it */
}

static void answered(void *arg, brook_err err, const msgpack_object *resp)
{
    remote_ask *ask = arg;
    const msgpack_object *errors = err ? NULL : brook_peer_field(resp, "errors");
    if (!err && errors && errors->type == MSGPACK_OBJECT_ARRAY && errors->via.array.size == 1 &&
        errors->via.array.ptr[0].type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        err = (brook_err)errors->via.array.ptr[0].via.u64;
    else if (!err)
        err = (brook_err)brook_peer_int(resp, "error", BROOK_ERR_CORRUPT);
    if (err && err != BROOK_ERR_INVALID_TXN_STATE)
        log_info("transaction verification failed: %s", brook_err_str(err));
    if (ask->timer)
        brook_loop_timer_cancel(ask->loop, ask->timer);
    if (!ask->gave_up)
        ask->done(ask->arg, as_producer_error(err));
    free(ask);
}

/* Over the coordinator's link; BROOK_OK once sent (`done` comes later). */
static brook_err ask_remote(brook_broker *b, int32_t coordinator, const brook_txn_question *q, brook_txn_verified done,
                            void *arg)
{
    brook_peer_links *links = brook_txn_coordinator_links(b);
    brook_peer_link *link = links ? brook_peer_links_to(links, coordinator) : NULL;
    remote_ask *ask = link ? malloc(sizeof *ask) : NULL;
    if (!ask)
        return BROOK_ERR_LEADER_NOT_AVAILABLE;
    *ask = (remote_ask){.loop = b->loop, .done = done, .arg = arg};
    msgpack_packer *pk = brook_peer_request_begin(link, "verify_txn", 4);
    msgpack_pack_str_with_body(pk, "transactional_id", 16);
    msgpack_pack_str_with_body(pk, q->txn_id, strlen(q->txn_id));
    msgpack_pack_str_with_body(pk, "producer_id", 11);
    msgpack_pack_int64(pk, q->producer_id);
    msgpack_pack_str_with_body(pk, "producer_epoch", 14);
    msgpack_pack_int16(pk, q->epoch);
    msgpack_pack_str_with_body(pk, "partitions", 10);
    msgpack_pack_array(pk, 1);
    msgpack_pack_map(pk, 2);
    msgpack_pack_str_with_body(pk, "topic", 5);
    msgpack_pack_str_with_body(pk, q->topic, strlen(q->topic));
    msgpack_pack_str_with_body(pk, "partition", 9);
    msgpack_pack_int32(pk, q->partition);
    brook_err e = brook_peer_request_end(link, b->st->request_timeout_ms, answered, ask);
    if (e)
        free(ask);
    else if (q->timeout_ms > 0 && q->timeout_ms < b->st->request_timeout_ms) /* (without a timer: the link's) */
        brook_loop_timer_add(b->loop, q->timeout_ms, asker_deadline, ask, &ask->timer);
    return e;
}

void brook_txn_verify(brook_broker *b, const brook_txn_question *q, brook_txn_verified done, void *arg)
{
    brook_err e = b->txns ? brook_coordinator_check(b, q->txn_id) : BROOK_ERR_LEADER_NOT_AVAILABLE;
    if (!e) {
        done(arg, as_producer_error(
                      brook_txn_in_transaction(b, q->txn_id, q->producer_id, q->epoch, q->topic, q->partition)));
        return;
    }
    int32_t coordinator = e == BROOK_ERR_NOT_LEADER ? brook_coordinator_broker(b, q->txn_id) : -1;
    if (coordinator < 0 || coordinator == b->st->broker_id || ask_remote(b, coordinator, q, done, arg))
        done(arg, as_producer_error(e)); /* here but loading, or nobody now: a retry will do */
}
