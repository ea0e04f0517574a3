/* This broker's image of the cluster's topics and partitions: every topic
 * record and partition record in the metadata store, kept current by a
 * watch on <ns>/ (one snapshot, then changes in revision order). Request
 * handlers read it (Metadata, routing), the controller decides from it, and
 * each change is handed to `changed` so the broker can bring its own
 * replicas in line. */
#ifndef BROOK_CORE_CLUSTER_IMAGE_H
#define BROOK_CORE_CLUSTER_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "records.h"
#include "strmap.h"

struct brook_broker;

typedef struct brook_image_partition {
    int present; /* its record exists */
    brook_partition_record rec;
    int64_t mod_revision; /* of its key: what a change compares */
} brook_image_partition;

typedef struct brook_image_topic {
    char name[256];
    int present; /* its topic record exists (else: partition records seen first, or left behind) */
    brook_topic_record rec;
    int64_t mod_revision; /* of its topic record: what a change of its configs compares */
    brook_image_partition *partitions;
    int32_t partition_cap;
} brook_image_topic;

/* Something changed: a topic (partition -1) or one partition. Called after
 * the image applied the whole batch of changes it came in. */
typedef void (*brook_image_changed)(void *arg, const char *topic, int32_t partition);
/* A new snapshot replaced the image (start, or after a watch ended). */
typedef void (*brook_image_reloaded)(void *arg);

typedef struct brook_cluster_image brook_cluster_image;

brook_err brook_cluster_image_start(struct brook_broker *b, brook_image_changed changed, brook_image_reloaded reloaded,
                                    void *arg);
void brook_cluster_image_stop(struct brook_broker *b);

/* Whether the first snapshot arrived. */
int brook_cluster_image_ready(const struct brook_broker *b);

/* A topic with its record (NULL when none), and one of its partitions with
 * its record (NULL when none). */
const brook_image_topic *brook_cluster_image_topic(const struct brook_broker *b, const char *name);
const brook_image_partition *brook_cluster_image_partition(const struct brook_broker *b, const char *topic,
                                                           int32_t partition);

/* Every topic with a record, in no particular order: `it` starts zeroed. */
const brook_image_topic *brook_cluster_image_next(const struct brook_broker *b, brook_strmap_iter *it);
/* At least as many as _next gives (room for a list of them); 0 without an image. */
size_t brook_cluster_image_topic_room(const struct brook_broker *b);

#endif
