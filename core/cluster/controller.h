/* The cluster's controller: which broker it is, elected through the
 * metadata store. A single broker (no cluster block) is its own controller. */
#ifndef BROOK_CORE_CONTROLLER_H
#define BROOK_CORE_CONTROLLER_H

#include <stddef.h>
#include <stdint.h>

#include "metastore.h"

struct brook_broker;
typedef struct brook_controller brook_controller;

/* Once registered: watch <ns>/controller and claim it whenever it is free. */
brook_err brook_controller_start(struct brook_broker *b);
/* Stop campaigning and watching; answers still in flight are ignored. The
 * broker calls it before it gives its lease back, and stop (which frees)
 * once the store is gone, so that no answer can reach a freed controller. */
void brook_controller_quiesce(struct brook_broker *b);
void brook_controller_stop(struct brook_broker *b);

/* The controller's broker id as last seen (-1: none right now). */
int32_t brook_controller_id(const struct brook_broker *b);

/* Whether this broker holds the controller key now. */
int brook_is_controller(const struct brook_broker *b);

/* A controller write: `cmp` and `ops` in one transaction that also compares
 * the controller key's create revision with this controller's epoch, so a
 * controller that was replaced (paused past its lease, cut off) cannot
 * write. BROOK_ERR_NOT_LEADER when this broker is not the controller. If
 * the controller stops before the answer, `done` is not called and
 * `abandon` (may be NULL) frees `arg`. At most 127 compares and 128 ops
 * (etcd's default limit per transaction). */
#define BROOK_CONTROLLER_TXN_MAX_OPS 128
brook_err brook_controller_txn(struct brook_broker *b, const brook_mcmp *cmp, size_t ncmp, const brook_mop *ops,
                               size_t nops, brook_mdone done, void (*abandon)(void *arg), void *arg);

/* The live brokers changed (membership calls it): elect where needed. */
void brook_controller_brokers_changed(struct brook_broker *b);
/* The cluster image changed (or was read again): act on it. */
void brook_controller_image_changed(struct brook_broker *b, const char *topic, int32_t partition);

#endif
