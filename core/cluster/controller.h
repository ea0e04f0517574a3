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

#endif
