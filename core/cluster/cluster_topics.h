/* Creating and deleting a cluster's topics from any broker: the controller
 * does it (controller_duties.h); a broker that is not the controller
 * forwards auto-creations to it over its inter-broker listener. */
#ifndef BROOK_CORE_CLUSTER_TOPICS_H
#define BROOK_CORE_CLUSTER_TOPICS_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

struct brook_broker;
struct brook_plugin_instance;

/* Create these topics with the broker's default partitions and replication
 * factor, answering nobody (Metadata's auto-creation: the client asks
 * again). BROOK_OK when the creation was started. */
brook_err brook_cluster_auto_create(struct brook_broker *b, const char *const *names, size_t n);

/* Close the link to the controller (the broker stops). */
void brook_cluster_topics_stop(struct brook_broker *b);

/* Whether a topic on `strategy` can have `rf` replicas:
 * BROOK_ERR_INVALID_REPLICATION with a reason when the strategy keeps one
 * replica or the cluster has fewer live brokers. */
brook_err brook_cluster_check_replication(struct brook_broker *b, struct brook_plugin_instance *strategy, int32_t rf,
                                          const char **why);

#endif
