#include "controller_asks.h"

#include "broker.h"

#define RETRY_MS 100

typedef enum ask_state { TO_ASK, ASKED, ANSWERED } ask_state;

typedef struct asks asks;

typedef struct one_ask {
    asks *all;
    size_t index;
    ask_state state;
} one_ask;

struct asks {
    brook_req *req;
    const brook_controller_asks_ops *ops;
    void *user;
    one_ask *items;
    size_t count;
    brook_timer *retry;
    int parked;
    int all_answered; /* told */
};

static void settle(asks *as);

static void answer(one_ask *a, brook_err err)
{
    if (err == BROOK_ERR_AGAIN) {
        a->state = TO_ASK;
        return;
    }
    a->state = ANSWERED;
    a->all->ops->answer(a->all->user, a->index, err);
}

static void answered(void *arg, brook_err err)
{
    one_ask *a = arg;
    brook_req *req = a->all->req;
    answer(a, err);
    settle(a->all);
    brook_req_release(req);
}

static void ask_open(asks *as)
{
    brook_req *req = as->req;
    for (size_t i = 0; i < as->count; i++) {
        one_ask *a = &as->items[i];
        if (a->state != TO_ASK)
            continue;
        a->state = ASKED;
        req->pending++;
        brook_err err = as->ops->ask(as->user, a->index, answered, a);
        if (err) { /* answered at once */
            req->pending--;
            answer(a, err);
        }
    }
}

static void retry_due(void *arg)
{
    asks *as = arg;
    as->retry = NULL;
    ask_open(as);
    settle(as);
    brook_req_maybe_complete(as->req);
}

static void unpark(asks *as)
{
    if (as->retry)
        brook_loop_timer_cancel(as->req->broker->loop, as->retry);
    as->retry = NULL;
    if (as->parked)
        as->req->waiting--;
    as->parked = 0;
}

/* Partitions to ask again wait a little (the request parked) unless the
 * deadline passed; once every one has its answer, the answer is final. */
static void settle(asks *as)
{
    brook_req *req = as->req;
    int again = 0, open = 0;
    for (size_t i = 0; i < as->count; i++) {
        one_ask *a = &as->items[i];
        if (a->state == TO_ASK && (req->deadline_passed || req->cancelled))
            answer(a, BROOK_ERR_TIMEOUT);
        again |= a->state == TO_ASK;
        open |= a->state != ANSWERED;
    }
    if (!open && !as->all_answered) {
        as->all_answered = 1;
        if (as->ops->all_answered)
            as->ops->all_answered(as->user);
    }
    if (!again) {
        unpark(as);
        return;
    }
    if (!as->parked) {
        as->parked = 1;
        req->waiting++;
    }
    if (!as->retry && brook_loop_timer_add(req->broker->loop, RETRY_MS, retry_due, as, &as->retry))
        as->retry = NULL; /* out of memory: the deadline answers */
}

static void withdraw(brook_req *req)
{
    unpark(req->handler_state);
}

/* The deadline passed (or the broker stops): what is still to ask times out. */
static void deadline_passed(brook_req *req)
{
    settle(req->handler_state);
    brook_req_maybe_complete(req);
}

brook_err brook_controller_asks_start(brook_req *req, size_t count, const brook_controller_asks_ops *ops, void *user,
                                      int32_t timeout_ms)
{
    asks *as = brook_request_alloc(&req->pub, sizeof *as);
    one_ask *items = brook_request_alloc(&req->pub, sizeof *items * (count ? count : 1));
    if (!as || !items)
        return BROOK_ERR_NOMEM;
    *as = (asks){.req = req, .ops = ops, .user = user, .items = items, .count = count};
    for (size_t i = 0; i < count; i++)
        items[i] = (one_ask){.all = as, .index = i};
    req->handler_state = as;
    req->cancel = withdraw;
    req->on_deadline = deadline_passed;
    brook_req_arm_deadline(req, timeout_ms > 0 ? timeout_ms : 60000);
    ask_open(as);
    settle(as);
    return BROOK_OK;
}
