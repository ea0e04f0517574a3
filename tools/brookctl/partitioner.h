/* The partition of a keyed record, the way Kafka's Java client and
 * librdkafka's murmur2 partitioner choose it, so brookctl and Kafka
 * producers put the same key in the same partition. */
#ifndef BROOKCTL_PARTITIONER_H
#define BROOKCTL_PARTITIONER_H

#include <stddef.h>
#include <stdint.h>

uint32_t murmur2(const void *key, size_t len);
int32_t partition_for_key(const void *key, size_t len, int32_t partitions);

#endif
