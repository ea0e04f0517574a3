/* Asking the controller about many partitions in one request
 * (ElectLeaders, AlterPartitionReassignments). Each partition is asked
 * once; one the controller cannot decide on now (a write of its record in
 * flight, or the record changed under the decision: BROOK_ERR_AGAIN) is
 * asked again every 100 ms, the request parked meanwhile, until the
 * request's deadline, which answers it BROOK_ERR_TIMEOUT. The request
 * completes once every partition has its answer. */
#ifndef BROOK_CORE_CONTROLLER_ASKS_H
#define BROOK_CORE_CONTROLLER_ASKS_H

#include <stddef.h>
#include <stdint.h>

#include "lifecycle.h"

typedef struct brook_controller_asks_ops {
    /* Ask about partition i: BROOK_OK when done(done_arg, err) will tell,
     * else the answer now (BROOK_ERR_AGAIN: ask again later). */
    brook_err (*ask)(void *user, size_t i, void (*done)(void *done_arg, brook_err err), void *done_arg);
    /* Partition i's answer (never BROOK_ERR_AGAIN). */
    void (*answer)(void *user, size_t i, brook_err err);
    /* Every partition has its answer; may be NULL. */
    void (*all_answered)(void *user);
} brook_controller_asks_ops;

/* Ask about partitions 0..count) for `req` (which must not use its
 * handler_state, cancel or on_deadline itself), with `user` given to the
 * ops; the deadline is timeout_ms (<= 0: 60 s). */
brook_err brook_controller_asks_start(brook_req *req, size_t count, const brook_controller_asks_ops *ops, void *user,
                                      int32_t timeout_ms);

#endif
