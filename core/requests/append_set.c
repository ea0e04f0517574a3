#include "append_set.h"

/* End every commit wait with `error`; holding the request meanwhile, since
 * each ended append may release it. */
static void expire_all(brook_req *req, brook_err error)
{
    brook_append_set *s = req->handler_state;
    req->pending++;
    for (size_t i = 0; s && i < s->count; i++)
        brook_partition_produce_expire(s->items[i], error);
    brook_req_release(req);
}

static void on_cancel(brook_req *req)
{
    expire_all(req, BROOK_ERR_SHUTDOWN);
}

static void on_deadline(brook_req *req)
{
    expire_all(req, BROOK_ERR_TIMEOUT);
}

brook_append_set *brook_append_set_new(brook_req *req, size_t max)
{
    brook_append_set *s = brook_request_alloc(&req->pub, sizeof *s);
    if (s)
        s->items = brook_request_alloc(&req->pub, sizeof *s->items * (max + 1));
    if (!s || !s->items)
        return NULL;
    req->handler_state = s;
    req->cancel = on_cancel;
    req->on_deadline = on_deadline;
    return s;
}

void brook_append_set_start(brook_req *req, brook_append_set *s, brook_partition *p, brook_append *a)
{
    s->items[s->count++] = a;
    req->pending++;
    brook_partition_produce(p, a);
}
