#include "router.h"

#include "cluster_image.h"
#include "membership.h"

static brook_err route_in_cluster(brook_broker *b, const char *topic, int32_t partition, int followers_too,
                                  brook_partition **out)
{
    const brook_image_topic *it = brook_cluster_image_topic(b, topic);
    if (!it || partition < 0 || partition >= it->rec.partitions)
        return brook_cluster_image_ready(b) ? BROOK_ERR_NOT_FOUND : BROOK_ERR_LEADER_NOT_AVAILABLE;
    brook_partition *p = brook_topics_partition(&b->topics, topic, partition);
    if (p && !p->closing && followers_too && p->role == BROOK_ROLE_FOLLOWER) {
        *out = p; /* what it holds up to its high watermark is committed, whoever leads now */
        return BROOK_OK;
    }
    if (!p || p->closing || p->role != BROOK_ROLE_LEADER)
        return BROOK_ERR_NOT_LEADER;
    /* a leader whose lease may have run out may have been replaced */
    if (!brook_membership_lease_valid(b))
        return BROOK_ERR_NOT_LEADER;
    *out = p;
    return BROOK_OK;
}

brook_err brook_route(brook_broker *b, const char *topic, int32_t partition, brook_partition **out)
{
    return brook_route_read(b, topic, partition, 0, out);
}

brook_err brook_route_read(brook_broker *b, const char *topic, int32_t partition, int followers_too,
                           brook_partition **out)
{
    if (!topic)
        return BROOK_ERR_NOT_FOUND;
    if (b->st->clustered)
        return route_in_cluster(b, topic, partition, followers_too, out);
    brook_topic *t = brook_topics_find(&b->topics, topic);
    if (!t || partition < 0 || partition >= t->partition_count || !t->partitions)
        return BROOK_ERR_NOT_FOUND;
    brook_partition *p = t->partitions[partition];
    if (!p || p->closing)
        return BROOK_ERR_LEADER_NOT_AVAILABLE;
    *out = p;
    return BROOK_OK;
}

brook_err brook_route_exists(brook_broker *b, const char *topic, int32_t partition)
{
    if (!topic)
        return BROOK_ERR_NOT_FOUND;
    if (b->st->clustered) {
        const brook_image_topic *it = brook_cluster_image_topic(b, topic);
        return it && partition >= 0 && partition < it->rec.partitions ? BROOK_OK : BROOK_ERR_NOT_FOUND;
    }
    brook_topic *t = brook_topics_find(&b->topics, topic);
    return t && partition >= 0 && partition < t->partition_count ? BROOK_OK : BROOK_ERR_NOT_FOUND;
}
