/* The appends a request has under way (a Produce's batches, a
 * WriteTxnMarkers' markers): each one holds the request (req->pending),
 * and the request's deadline or cancellation ends their waits for a
 * commit (brook_partition_produce_expire) with REQUEST_TIMED_OUT or
 * SHUTDOWN. */
#ifndef BROOK_CORE_APPEND_SET_H
#define BROOK_CORE_APPEND_SET_H

#include <stddef.h>

#include "lifecycle.h"
#include "partition.h"

typedef struct brook_append_set {
    brook_append **items;
    size_t count;
} brook_append_set;

/* Room for `max` appends in the request's arena, installed as its
 * handler state with the cancel and deadline handlers; NULL: out of
 * memory. */
brook_append_set *brook_append_set_new(brook_req *req, size_t max);

/* Start `a` on `p` as one of the request's appends (its `done` releases
 * the request). */
void brook_append_set_start(brook_req *req, brook_append_set *s, brook_partition *p, brook_append *a);

#endif
