#include "router.h"

brook_err brook_route(brook_broker *b, const char *topic, int32_t partition, brook_partition **out)
{
    if (!topic)
        return BROOK_ERR_NOT_FOUND;
    brook_topic *t = brook_topics_find(&b->topics, topic);
    if (!t || partition < 0 || partition >= t->partition_count || !t->partitions)
        return BROOK_ERR_NOT_FOUND;
    brook_partition *p = t->partitions[partition];
    if (!p || p->closing)
        return BROOK_ERR_LEADER_NOT_AVAILABLE;
    *out = p;
    return BROOK_OK;
}
