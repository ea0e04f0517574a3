#include "partitioner.h"

uint32_t murmur2(const void *key, size_t len)
{
    const uint32_t m = 0x5bd1e995;
    const int r = 24;
    const uint8_t *data = key;
    uint32_t h = 0x9747b28c ^ (uint32_t)len;
    while (len >= 4) {
        uint32_t k =
            (uint32_t)data[0] | ((uint32_t)data[1] << 8) | ((uint32_t)data[2] << 16) | ((uint32_t)data[3] << 24);
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
        data += 4;
        len -= 4;
    }
    switch (len) {
    case 3: h ^= (uint32_t)data[2] << 16; /* fall through */
    case 2: h ^= (uint32_t)data[1] << 8;  /* fall through */
    case 1: h ^= data[0]; h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return h;
}

int32_t partition_for_key(const void *key, size_t len, int32_t partitions)
{
    return (int32_t)((murmur2(key, len) & 0x7fffffff) % (uint32_t)partitions);
}
