/* Brook SDK: small value types shared by every plugin kind. */
#ifndef BROOK_TYPES_H
#define BROOK_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* Kafka's limits on names, so every codec accepts the same topics. */
#define BROOK_TOPIC_NAME_MAX 249

/* Sentinel offsets understood by list-offsets and fetch. */
#define BROOK_OFFSET_LATEST   (-1)
#define BROOK_OFFSET_EARLIEST (-2)

/* A read-only run of log bytes handed from storage to the core and on to a
 * codec, so that a fetch can go from file to socket without a copy.
 *
 * Exactly one of the two sources is used:
 *   fd >= 0   the bytes are [file_offset, file_offset + len) of that file;
 *   fd <  0   the bytes are [data, data + len) in memory.
 *
 * Lifetime: the producer of the slice (a storage plugin) guarantees the bytes
 * stay valid and unchanged until `release(owner)` is called, exactly once, by
 * whoever holds the slice last. `release` may be NULL when the bytes outlive
 * every request (static data). */
typedef struct brook_slice {
    int fd;
    int64_t file_offset;
    const void *data;
    size_t len;
    void (*release)(void *owner);
    void *owner;
} brook_slice;

/* Who is on the other end of a connection. */
typedef struct brook_peer {
    const char *address;  /* "127.0.0.1:53422" */
    const char *listener; /* the listener's configured name */
    int tls;              /* non-zero when the connection is encrypted */
} brook_peer;

#endif
