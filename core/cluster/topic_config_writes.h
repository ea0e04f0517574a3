/* A topic's configs changed in a cluster: whichever broker a client asks
 * rewrites the topic's record with a compare on the record's revision, so
 * a change made from a stale image, or racing another, is refused rather
 * than lost. (The controller writes a topic record only when it creates or
 * deletes the topic; those compare too.) Every broker applies the new
 * configs when its image sees the record change (local_replicas.c). */
#ifndef BROOK_CORE_TOPIC_CONFIG_WRITES_H
#define BROOK_CORE_TOPIC_CONFIG_WRITES_H

#include <brook/errors.h>

#include "topic_config.h"

struct brook_broker;

/* `done` runs later on the loop, exactly once: BROOK_OK, BROOK_ERR_NOT_FOUND
 * (no such topic here), BROOK_ERR_AGAIN (the record changed meanwhile),
 * BROOK_ERR_IO (the store did not answer) or BROOK_ERR_SHUTDOWN (the
 * broker stopped first). An error returned now means `done` never runs. */
brook_err brook_cluster_write_topic_configs(struct brook_broker *b, const char *topic, const brook_topic_config *now,
                                            void (*done)(void *arg, brook_err err), void *arg);

/* The broker stops: what is in flight is answered BROOK_ERR_SHUTDOWN (after
 * the store's answers were abandoned). */
void brook_cluster_config_writes_stop(struct brook_broker *b);

#endif
