/* The partition router: (topic, partition) -> the partition object that owns
 * its storage handle, or the error a client should get. Single node for
 * now, so every partition that exists is led here; the cluster issue adds
 * NOT_LEADER answers from the metadata. */
#ifndef BROOK_CORE_ROUTER_H
#define BROOK_CORE_ROUTER_H

#include <stdint.h>

#include "broker.h"
#include "partition.h"

/* BROOK_ERR_NOT_FOUND for an unknown topic or partition index. */
brook_err brook_route(brook_broker *b, const char *topic, int32_t partition, brook_partition **out);

#endif
